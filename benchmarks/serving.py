"""Serving under hostile-but-fair traffic and from a cold start (issues 11 and 12), against `climatekg serve`.

    python -m benchmarks.serving [--workers 2] [--seconds 60] [--only startup,slow,runaway,mixed] [--json]

Starts `climatekg serve` on a free loopback port (the build in ``build_dir``), and measures, each figure next
to its baseline measured in the same run:

* **startup**: seconds from launch to the first answered SPARQL query and to the first answered search; the
  memory of all serving processes together (RSS summed, and PSS, which counts shared pages once).
* **slow**: /health latency with no other traffic, then with 64 connections holding half-sent requests (a
  connection the server closes is reopened, so 64 stay open throughout).
* **runaway**: /api/search and simple /sparql latency alone, then with 4 runaway SPARQL queries kept in flight
  (each one re-sent as soon as it ends); the runaways' own outcomes (503 timeout/busy) are counted.
* **mixed**: ``seconds`` of load from 8 clients over /sparql, /api/search and /api/ask with every query
  distinct (``benchmarks.load --distinct``): req/s, p50/p99, errors, and the processes' memory before/after.

Targets (issues 11, 12): search p99 ≤ 1 s with 4 runaways; simple SPARQL answered or refused in ≤ 1 s;
0 errors in the mixed load; first SPARQL ≤ 3 s, first search ≤ 6 s; ≤ 1.2 GB for 2 web workers.
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

SIMPLE = "ASK { ?case a <https://w3id.org/climatekg/ontology#Case> }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SEARCHES = ["达能屋顶光伏装机容量", "Bank of Beijing carbon finance", "绿色金融 碳减排支持工具", "biogas from dairy farms",
            "光储直柔", "electric vehicle charging", "渔光一体", "green data center energy efficiency"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory(pid: int) -> dict:
    """RSS summed over the serving processes, and PSS (shared pages counted once), in MB."""
    rss = pss = 0
    procs = []
    for p in tree(pid):
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()[1:])
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError):
            continue
        r, s = int(fields["Rss"].split()[0]) // 1024, int(fields["Pss"].split()[0]) // 1024
        rss, pss = rss + r, pss + s
        procs.append({"pid": p, "rss_mb": r, "cmd": cmd[-70:]})
    return {"processes": len(procs), "rss_mb": rss, "pss_mb": pss, "each": procs}


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
    out: dict = {}
    threads = [threading.Thread(target=lambda: out.__setitem__("first_sparql_s", svc.first_answer(sparql_path(SIMPLE)))),
               threading.Thread(target=lambda: out.__setitem__("first_search_s", svc.first_answer(search_path("光伏"))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(3)  # let the background warm-up finish before memory is read
    out["memory"] = memory(svc.proc.pid)
    return out


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


STEPS = ("startup", "slow", "runaway", "mixed")


def run(workers: int = 2, seconds: float = 60.0, only: tuple[str, ...] = STEPS) -> dict:
    svc = Service(workers)
    report: dict = {"workers": workers, "cpus": os.cpu_count()}
    try:
        report["startup"] = bench_startup(svc)
        if report["startup"].get("first_search_s") is None:
            raise RuntimeError("the service did not answer a search")
        for name, fn in (("slow", lambda: bench_slow_clients(svc.port)),
                         ("runaway", lambda: bench_runaways(svc.port)),
                         ("mixed", lambda: bench_mixed(svc, seconds))):
            if name in only:
                report[name] = fn()
    finally:
        svc.stop()
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.serving", description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seconds", type=float, default=60.0, help="length of the mixed load (default %(default)s)")
    p.add_argument("--only", default=",".join(STEPS), help="comma-separated: " + ",".join(STEPS))
    args = p.parse_args(argv)
    report = run(args.workers, args.seconds, tuple(s.strip() for s in args.only.split(",")))
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
