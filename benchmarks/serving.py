"""Serving under hostile-but-fair traffic and from a cold start (issues 11 and 12), against `climatekg serve`.

    python -m benchmarks.serving [--workers 2] [--seconds 60] [--only startup,floor,slow,runaway,mixed]
                                 [--repeat 5] [--json FILE]

Starts `climatekg serve` on a free loopback port (the build in ``build_dir``), and measures, each figure next
to its baseline measured in the same run:

* **startup**: seconds from launch to the first answered SPARQL query and to the first answered search, and the
  CPU seconds the serving processes used until then (what a busy machine inflates least); the memory of all
  serving processes together (RSS summed, and PSS, which counts shared pages once). ``--repeat N``: N cold
  starts one after another, medians reported.
* **floor**: /api/search against the query-embedding floor (an embedding process like the service's, asked
  by the benchmark for the same texts, interleaved one by one with the searches): p50 ratio.
* **slow**: /health latency with no other traffic, then with 64 connections holding half-sent requests (a
  connection the server closes is reopened, so 64 stay open throughout).
* **runaway**: /api/search and simple /sparql latency alone, then with 4 runaway SPARQL queries kept in flight
  (each one re-sent as soon as it ends); the runaways' own outcomes (503 timeout/busy) are counted.
* **mixed**: ``seconds`` of load from 8 clients over /sparql, /api/search and /api/ask with every query
  distinct (``benchmarks.load --distinct``): req/s, p50/p99, errors, and the processes' memory before/after.

Targets (issues 11, 12), printed beside the figures with the load average: search p99 ≤ 1 s with 4 runaways;
simple SPARQL answered or refused in ≤ 1 s; 0 errors in the mixed load; first SPARQL ≤ 3 s, first search
≤ 6 s; ≤ 1.2 GB RSS for 2 web workers; search p50 ≤ 1.3× the embedding floor.
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
import threading
import time
import urllib.parse
from pathlib import Path
from statistics import median

from benchmarks.processes import cpu_seconds, free_port, load_average, memory

SIMPLE = "ASK { ?case a <https://w3id.org/climatekg/ontology#Case> }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SEARCHES = ["达能屋顶光伏装机容量", "Bank of Beijing carbon finance", "绿色金融 碳减排支持工具", "biogas from dairy farms",
            "光储直柔", "electric vehicle charging", "渔光一体", "green data center energy efficiency"]


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": _ms(pct(values, 50)), "p99_ms": _ms(pct(values, 99)),
            "max_ms": _ms(max(values) if values else None)}


def _ms(v):
    return None if v is None else round(v * 1000, 1)


def request(port: int, path: str, timeout: float = 30.0, headers: dict | None = None) -> tuple[int, float]:
    """(status or 0 on a connection error/timeout, seconds)."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        r.read()
        return r.status, time.perf_counter() - t0
    except (OSError, http.client.HTTPException):
        return 0, time.perf_counter() - t0
    finally:
        conn.close()


def sparql_path(query: str, **params) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params})


def search_path(q: str) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": q, "k": 5})


# -- the processes ---------------------------------------------------------------------------------


class Service:
    """`climatekg serve` in its own process group on a free port."""

    def __init__(self, workers: int = 2, env: dict | None = None):
        self.port = free_port()
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "climatekg.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True)

    def first_answer(self, path: str, limit: float = 180.0) -> float | None:
        """Seconds from launch to the first 200 on ``path``."""
        while time.perf_counter() - self.t0 < limit:
            if self.proc.poll() is not None:
                raise RuntimeError("the service exited: " + self.proc.stderr.read().decode(errors="replace")[-2000:])
            status, _ = request(self.port, path, timeout=limit)
            if status == 200:
                return round(time.perf_counter() - self.t0, 2)
            time.sleep(0.05)
        return None

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


# -- the measurements ------------------------------------------------------------------------------


def bench_startup(svc: Service) -> dict:
    """Seconds from launch to the first answered SPARQL query and search, the CPU time the serving processes
    used until then (less sensitive to other load on the machine than the wall time), and their memory."""
    out: dict = {}

    def first(key: str, path: str) -> None:
        out[key] = svc.first_answer(path)
        out[key[:-2] + "_cpu_s"] = round(cpu_seconds(svc.proc.pid), 1)

    threads = [threading.Thread(target=first, args=("first_sparql_s", sparql_path(SIMPLE))),
               threading.Thread(target=first, args=("first_search_s", search_path("光伏")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(3)  # let the background warm-up finish before memory is read
    out["memory"] = memory(svc.proc.pid)
    return out


def bench_startups(workers: int, repeat: int) -> dict:
    """``repeat`` cold starts, one after another; the medians, and each run."""
    runs = []
    for _ in range(repeat):
        svc = Service(workers)
        try:
            runs.append(bench_startup(svc))
        finally:
            svc.stop()
    keys = ("first_sparql_s", "first_search_s", "first_sparql_cpu_s", "first_search_cpu_s")
    out = {f"median_{k}": median(r[k] for r in runs if r.get(k) is not None) for k in keys}
    out["median_rss_mb"] = median(r["memory"]["rss_mb"] for r in runs)
    out["median_pss_mb"] = median(r["memory"]["pss_mb"] for r in runs)
    out["runs"] = [{**{k: r.get(k) for k in keys}, "rss_mb": r["memory"]["rss_mb"]} for r in runs]
    out["processes"] = [{k: p[k] for k in ("rss_mb", "cmd")} for p in runs[-1]["memory"]["each"]]
    return out


def bench_search_floor(port: int, n: int = 40) -> dict:
    """/api/search against the query-embedding floor: an embedding process as the service starts one (same
    code, same settings), asked by this process for the same texts, interleaved one by one with the searches."""
    from climatekg.config import load_settings
    from climatekg.embeddings.encoder_service import EncoderProcess, RemoteEncoder

    process = EncoderProcess(load_settings(), restart=False).start()
    try:
        encoder = RemoteEncoder(process.address)
        encoder.encode_queries(["预热 warm-up"])
        floor, search = [], []
        for i in range(n):
            text = f"{SEARCHES[i % len(SEARCHES)]} {i}"
            t0 = time.perf_counter()
            encoder.encode_queries([text])
            floor.append(time.perf_counter() - t0)
            status, dt = request(port, search_path(text))
            if status == 200:
                search.append(dt)
    finally:
        process.stop()
    return {"embedding_floor": summary(floor), "search": summary(search),
            "p50_ratio": round(pct(search, 50) / pct(floor, 50), 2) if search else None}


def _latencies(port: int, paths, n: int) -> tuple[list[float], dict]:
    lat, statuses = [], {}
    for i in range(n):
        status, s = request(port, paths(i))
        statuses[status] = statuses.get(status, 0) + 1
        if status == 200:
            lat.append(s)
    return lat, statuses


def bench_slow_clients(port: int, n_slow: int = 64, n: int = 200) -> dict:
    base, _ = _latencies(port, lambda i: "/health", n)
    stop = threading.Event()
    opened = [0]

    def hold():  # keeps one half-sent request open, reopening it whenever the server closes it
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                    s.sendall(b"GET /api/cases HTTP/1.1\r\nHost: x\r\n")
                    opened[0] += 1
                    while not stop.is_set() and s.recv(65536):
                        pass
            except OSError:
                time.sleep(0.05)

    holders = [threading.Thread(target=hold, daemon=True) for _ in range(n_slow)]
    for t in holders:
        t.start()
    time.sleep(1.0)
    slow, statuses = _latencies(port, lambda i: "/health", n)
    stop.set()
    return {"health_alone": summary(base), f"health_with_{n_slow}_slow_connections": summary(slow),
            "statuses": statuses, "slow_connections_opened": opened[0]}


def bench_runaways(port: int, seconds: float = 20.0, n_runaway: int = 4) -> dict:
    def measure(duration: float) -> dict:
        """A search client and a simple-SPARQL client, each on its own, for ``duration`` seconds."""
        search, simple, simple_statuses = [], [], {}
        deadline = time.perf_counter() + duration

        def searches():
            i = 0
            while time.perf_counter() < deadline:
                status, s = request(port, search_path(f"{SEARCHES[i % len(SEARCHES)]} {i}"))
                if status == 200:
                    search.append(s)
                i += 1

        def simples():
            i = 0
            while time.perf_counter() < deadline:
                status, s = request(port, sparql_path(SIMPLE + f" # {i}"), headers={"Accept": "application/json"})
                simple_statuses[status] = simple_statuses.get(status, 0) + 1
                simple.append(s)  # answered or refused: the time to a reply either way
                i += 1

        clients = [threading.Thread(target=searches), threading.Thread(target=simples)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        return {"search": summary(search), "simple_sparql_reply": summary(simple), "simple_statuses": simple_statuses}

    alone = measure(seconds / 2)
    stop = threading.Event()
    outcomes: dict = {}

    def runaway():
        while not stop.is_set():
            status, s = request(port, sparql_path(RUNAWAY), timeout=60)
            outcomes[status] = outcomes.get(status, 0) + 1

    threads = [threading.Thread(target=runaway, daemon=True) for _ in range(n_runaway)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    loaded = measure(seconds)
    stop.set()
    for t in threads:
        t.join(30)
    return {"alone": alone, f"with_{n_runaway}_runaways": loaded, "runaway_statuses": outcomes}


def bench_mixed(svc: Service, seconds: float) -> dict:
    from benchmarks.load import run

    before = memory(svc.proc.pid)
    res = run(f"http://127.0.0.1:{svc.port}", seconds=seconds, concurrency=8, distinct=True,
              endpoints=("sparql", "search", "ask"))
    after = memory(svc.proc.pid)
    total_ok = sum(r["ok"] for r in res["endpoints"].values())
    res["requests_per_s"] = round(total_ok / res["seconds"], 1)
    res["errors"] = sum(r["errors"] for r in res["endpoints"].values())
    res["memory_before"] = {k: before[k] for k in ("processes", "rss_mb", "pss_mb")}
    res["memory_after"] = {k: after[k] for k in ("processes", "rss_mb", "pss_mb")}
    res["memory_after"]["each"] = [{k: p[k] for k in ("pid", "rss_mb", "cmd")} for p in after["each"]]
    return res


STEPS = ("startup", "floor", "slow", "runaway", "mixed")


def run(workers: int = 2, seconds: float = 60.0, only: tuple[str, ...] = STEPS, repeat: int = 1) -> dict:
    report: dict = {"workers": workers, "cpus": os.cpu_count(), "load_average_before": load_average()}
    if "startup" in only and repeat > 1:
        report["startups"] = bench_startups(workers, repeat)
    svc = Service(workers)
    try:
        report["startup"] = bench_startup(svc)
        if report["startup"].get("first_search_s") is None:
            raise RuntimeError("the service did not answer a search")
        for name, fn in (("floor", lambda: bench_search_floor(svc.port)),
                         ("slow", lambda: bench_slow_clients(svc.port)),
                         ("runaway", lambda: bench_runaways(svc.port)),
                         ("mixed", lambda: bench_mixed(svc, seconds))):
            if name in only:
                report[name] = fn()
    finally:
        svc.stop()
    report["load_average_after"] = load_average()
    return report


def _row(what: str, value, target: str, ok: bool | None) -> str:
    mark = "" if ok is None else ("ok" if ok else "MISSED")
    return f"{what:<58} {str(value):>14}   {target:<16} {mark}"


def format_report(r: dict) -> str:
    """The figures beside their targets (issues 11 and 12)."""
    lines = [f"climatekg serve, {r['workers']} web workers, {r['cpus']} CPUs; load average before "
             f"{r['load_average_before']}, after {r['load_average_after']} (1, 5, 15 min)",
             f"{'':<58} {'measured':>14}   {'target':<16}"]
    st = r.get("startups")
    if st:
        n = len(st["runs"])
        lines += [_row(f"first answered SPARQL, s (median of {n} cold starts)", st["median_first_sparql_s"], "≤ 3",
                       st["median_first_sparql_s"] <= 3),
                  _row(f"first answered search, s (median of {n})", st["median_first_search_s"], "≤ 6",
                       st["median_first_search_s"] <= 6),
                  _row("  CPU s used by the serving processes until then", f"{st['median_first_sparql_cpu_s']} / "
                       f"{st['median_first_search_cpu_s']}", "", None),
                  _row(f"RSS of all serving processes, MB (median of {n})", st["median_rss_mb"], "≤ 1200",
                       st["median_rss_mb"] <= 1200),
                  _row("  PSS (shared pages counted once), MB", st["median_pss_mb"], "", None)]
    elif "startup" in r:
        s = r["startup"]
        lines += [_row("first answered SPARQL, s (one cold start)", s["first_sparql_s"], "≤ 3",
                       s["first_sparql_s"] is not None and s["first_sparql_s"] <= 3),
                  _row("first answered search, s (one cold start)", s["first_search_s"], "≤ 6",
                       s["first_search_s"] is not None and s["first_search_s"] <= 6),
                  _row("RSS of all serving processes, MB", s["memory"]["rss_mb"], "≤ 1200",
                       s["memory"]["rss_mb"] <= 1200)]
    if "floor" in r:
        f = r["floor"]
        lines += [_row("/api/search p50 ÷ query-embedding floor p50", f"{f['p50_ratio']}×", "≤ 1.3×",
                       f["p50_ratio"] is not None and f["p50_ratio"] <= 1.3),
                  _row("  search p50 / floor p50, ms", f"{f['search']['p50_ms']} / {f['embedding_floor']['p50_ms']}",
                       "", None)]
    if "slow" in r:
        s = r["slow"]
        slow = next(v for k, v in s.items() if k.startswith("health_with_"))
        lines += [_row("/health p99 with 64 slow connections open, ms", slow["p99_ms"], "(alone: "
                       f"{s['health_alone']['p99_ms']})", None)]
    if "runaway" in r:
        a = r["runaway"]
        loaded = next(v for k, v in a.items() if k.startswith("with_"))
        lines += [_row("/api/search p99 with 4 runaway queries in flight, ms", loaded["search"]["p99_ms"], "≤ 1000",
                       loaded["search"]["p99_ms"] is not None and loaded["search"]["p99_ms"] <= 1000),
                  _row("simple /sparql answered or refused, p99 / max, ms",
                       f"{loaded['simple_sparql_reply']['p99_ms']} / {loaded['simple_sparql_reply']['max_ms']}",
                       "≤ 1000", loaded["simple_sparql_reply"]["max_ms"] <= 1000),
                  _row("  simple /sparql statuses with runaways", json.dumps(loaded["simple_statuses"]), "", None),
                  _row("  alone: search p99 / simple SPARQL p99, ms",
                       f"{a['alone']['search']['p99_ms']} / {a['alone']['simple_sparql_reply']['p99_ms']}", "", None)]
    if "mixed" in r:
        m = r["mixed"]
        lines += [_row(f"mixed load, {m['seconds']:.0f} s, every query distinct: req/s", m["requests_per_s"], "", None),
                  _row("  errors", m["errors"], "0", m["errors"] == 0),
                  _row("  RSS before / after, MB", f"{m['memory_before']['rss_mb']} / {m['memory_after']['rss_mb']}",
                       "", None)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.serving", description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seconds", type=float, default=60.0, help="length of the mixed load (default %(default)s)")
    p.add_argument("--only", default=",".join(STEPS), help="comma-separated: " + ",".join(STEPS))
    p.add_argument("--repeat", type=int, default=1, help="cold starts for the start-up medians (default %(default)s)")
    p.add_argument("--json", type=Path, help="also write every figure to this file")
    args = p.parse_args(argv)
    report = run(args.workers, args.seconds, tuple(s.strip() for s in args.only.split(",")), args.repeat)
    print(format_report(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
