"""Question-answering latency, warm: in one process and through the HTTP service (`make bench`, or alone).

    python -m benchmarks.ask [--no-http] [--json]

The questions: every question of the blind set's development half and of the older QA set (data/eval), each
asked once after a warm-up on other questions (the search set's first ten), so the model, index, graph and
lexicon are loaded and every code path has run once. Beside each /api/ask figure is its peer measured side by
side on the same questions: /api/search (the same query analysis and retrieval without answer selection).

* **in process**: ``Answerer.ask`` and ``SearchEngine.search`` with the query-vector cache emptied before each
  call, so every question pays its encoding as a new question would;
* **http**: ``climatekg serve`` started on a free loopback port (one worker), each question sent once to
  /api/ask and then to /api/search over a kept-alive connection. /api/ask pays the question's encoding (the
  service has not seen it); /api/search then reuses the vector the process cached, so over HTTP the search figure
  is the service without encoding, and ``ask_over_search_p50`` is the cost of encoding plus answering.

Target (issue 10): /api/ask p50 ≤ 300 ms, p99 ≤ 1 s warm.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

from benchmarks.run import ms, pct
from climatekg.config import ROOT, load_settings


def questions() -> tuple[list[str], list[str]]:
    """(warm-up questions, measured questions)."""
    from climatekg.ask.blind import load
    from climatekg.embeddings.evaluate import load_questions

    warm = [q["text"] for q in load_questions(ROOT / "data" / "eval" / "search_questions.toml") if q.get("text")][:10]
    asked = [q["question"] for q in load(ROOT / "data" / "eval" / "blind" / "qa-dev.jsonl")] + \
        [q["text"] for q in load_questions(ROOT / "data" / "eval" / "ask_questions.toml")]
    return warm, list(dict.fromkeys(asked))


def in_process(settings) -> dict:
    from climatekg.ask.answer import Answerer
    from climatekg.embeddings.search import SearchEngine

    engine = SearchEngine.load(settings)
    answerer = Answerer.load(settings, engine=engine)
    warm, asked = questions()
    for q in warm:
        answerer.ask(q)
    ask, search, refused = [], [], 0
    for q in asked:
        engine.__dict__.pop("_qcache", None)
        t = time.perf_counter(); r = answerer.ask(q); ask.append(time.perf_counter() - t)
        refused += not r["answered"]
        engine.__dict__.pop("_qcache", None)
        t = time.perf_counter(); engine.search(q, k=5); search.append(time.perf_counter() - t)
    return {"questions": len(asked), "ask": ms(ask), "search": ms(search),
            "ask_over_search_p50": round(pct(ask, 50) / max(pct(search, 50), 1e-9), 2)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def over_http(settings, workers: int = 1) -> dict:
    port = _free_port()
    env = dict(os.environ, CLIMATEKG_BUILD_DIR=str(settings.build_dir), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "climatekg.cli", "serve", "--port", str(port), "--workers", str(workers)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        conn = None
        for _ in range(480):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/health")
                conn.getresponse().read()
                break
            except OSError:
                conn = None
                time.sleep(0.5)
        if conn is None:
            return {"error": "the service did not start"}

        def get(path: str, q: str) -> tuple[float, int]:
            t = time.perf_counter()
            conn.request("GET", f"{path}?{urllib.parse.urlencode({'q': q})}")
            resp = conn.getresponse()
            resp.read()
            return time.perf_counter() - t, resp.status

        warm, asked = questions()
        for q in warm:
            get("/api/ask", q)
        ask, search, errors = [], [], 0
        for q in asked:
            dt, status = get("/api/ask", q)
            ask.append(dt)
            errors += status != 200
            dt, status = get("/api/search", q)
            search.append(dt)
        return {"questions": len(asked), "workers": workers, "errors": errors, "ask": ms(ask), "search": ms(search),
                "ask_over_search_p50": round(pct(ask, 50) / max(pct(search, 50), 1e-9), 2)}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def run(settings, http: bool = True) -> dict:
    out = {"in_process": in_process(settings)}
    if http:
        out["http"] = over_http(settings)
    out["target"] = "/api/ask p50 <= 300 ms, p99 <= 1000 ms (warm)"
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--no-http", action="store_true", help="in-process figures only")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    res = run(load_settings(), http=not args.no_http)
    print(json.dumps(res, ensure_ascii=False, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
