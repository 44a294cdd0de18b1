"""Page weight and load time of the web interface in a real browser (Debian's Chromium via Playwright).

    .venv/bin/python -m benchmarks.pages [--runs 5] [--label after] [--out benchmarks/results/pages-after.json]

Serves the app (``create_app`` over the checkout's ``data/build``) on a free loopback port and loads
three pages — the ask page ``/``, a case page ``/cases/case-06`` and the SPARQL editor ``/sparql/editor`` —
``runs`` times each in a fresh browser context (an empty cache), after one untimed warm-up visit that
loads the server's caches. Per page it reports the median of the runs:

- ``cold_transfer_kb``: bytes over the wire for the page and everything it loads (``transferSize`` of the
  navigation and resource timing entries: compressed bodies plus headers);
- ``cold_decoded_kb``: the same, uncompressed (``decodedBodySize``);
- ``requests``: the number of requests;
- ``load_ms``: navigation start → ``load`` event;
- ``repeat_transfer_kb``: bytes over the wire when the same page is visited again in the same context
  (what caching saves).
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
from pathlib import Path

from climatekg.config import ROOT, load_settings

PAGES = [("ask", "/?lang=en"), ("case", "/cases/case-06?lang=en"), ("editor", "/sparql/editor?lang=en")]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const all = [nav, ...performance.getEntriesByType('resource')];
  const sum = k => all.reduce((s, e) => s + (e[k] || 0), 0);
  return {transfer: sum('transferSize'), decoded: sum('decodedBodySize'), requests: all.length,
          load: nav.loadEventEnd - nav.startTime};
}"""


def serve():
    """The app on a free loopback port in a thread; returns (url, stop)."""
    import logging

    from werkzeug.serving import make_server

    from climatekg.service.app import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(load_settings())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.server_port}", stop


def visit(pg, url: str) -> dict:
    pg.goto(url, wait_until="load", timeout=300_000)  # the first visit loads the search model
    pg.wait_for_timeout(100)  # let loadEventEnd be set
    return pg.evaluate(TIMING)


def measure(runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    base, stop = serve()
    out = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for name, path in PAGES:
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                visit(ctx.new_page(), base + path)  # warm the server's caches
                ctx.close()
                cold, repeat = [], []
                for _ in range(runs):
                    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                    pg = ctx.new_page()
                    cold.append(visit(pg, base + path))
                    pg2 = ctx.new_page()
                    repeat.append(visit(pg2, base + path))
                    ctx.close()
                med = statistics.median
                out[name] = {
                    "path": path,
                    "cold_transfer_kb": round(med(r["transfer"] for r in cold) / 1024, 1),
                    "cold_decoded_kb": round(med(r["decoded"] for r in cold) / 1024, 1),
                    "requests": med(r["requests"] for r in cold),
                    "load_ms": round(med(r["load"] for r in cold), 1),
                    "repeat_transfer_kb": round(med(r["transfer"] for r in repeat) / 1024, 1),
                    "repeat_load_ms": round(med(r["load"] for r in repeat), 1),
                    "runs": runs,
                }
            browser.close()
    finally:
        stop()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--label", default="current")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    result = measure(a.runs)
    print(f"{'page':8} {'transfer KB':>12} {'decoded KB':>11} {'requests':>9} {'load ms':>8} "
          f"{'repeat KB':>10} {'repeat ms':>10}")
    for name, r in result.items():
        print(f"{name:8} {r['cold_transfer_kb']:12.1f} {r['cold_decoded_kb']:11.1f} {r['requests']:9} "
              f"{r['load_ms']:8.1f} {r['repeat_transfer_kb']:10.1f} {r['repeat_load_ms']:10.1f}")
    out = a.out or ROOT / "test-output" / f"pages-{a.label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"label": a.label, "pages": result}, indent=2) + "\n")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
