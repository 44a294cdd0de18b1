"""Three SPARQL endpoints on the same graph, side by side: ``python -m benchmarks.sparql_endpoints``.

Starts, each on a free loopback port:

- **ours**: ``climatekg serve`` (uvicorn, 2 web workers, the whole service: embedding process included), ``/sparql``;
- **rdflib-endpoint** (PyPI ``rdflib-endpoint``) serving ``graph.nt`` with rdflib's engine;
- **oxigraph**: the bare engine's own server, ``oxigraph serve-read-only`` (PyPI ``oxigraph``) on a store
  loaded once from ``graph.nt`` with ``oxigraph load`` (the load is timed apart).

Then, interleaved in one run (each repetition sends every query to every endpoint, in rotating order):
per-query p50/p99 with the same query text repeated, and with new text each time (a comment naming the
repetition is appended, so no parse cache helps); throughput with 8 client processes (new text every
request) for a simple lookup and a join; start-up time to the first answered query; RSS of each server's
process tree. Ours is measured once every web worker has loaded what it loads in the background after its
first answer (``/health`` ready; the wait is reported). ``--runaways`` adds, for ours, simple queries timed while 4 runaway queries are in flight.

Every query declares its prefixes (the peers do not predeclare ours). Answers are checked: each endpoint
must return the same number of rows (or triples) for each query.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.processes import free_port, memory

PREFIXES = """PREFIX ckg: <https://w3id.org/climatekg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX case: <https://w3id.org/climatekg/id/case/>
"""

#: the nine typical queries of issue 12
QUERIES: dict[str, str] = {
    "lookup": "SELECT ?title WHERE { case:case-07 dcterms:title ?title }",
    "type_count": "SELECT (COUNT(?c) AS ?n) WHERE { ?c a ckg:Case }",
    "join": """SELECT ?case ?org ?name WHERE { ?case a ckg:Case ; ckg:organisation ?org .
        ?org rdfs:label ?name } ORDER BY ?case ?name""",
    "numeric_filter": """SELECT ?o ?v WHERE { ?o a ckg:QuantifiedOutcome ; schema:value ?v FILTER(?v > 1000) }
        ORDER BY DESC(?v) ?o LIMIT 50""",
    "group_by": """SELECT ?case (COUNT(DISTINCT ?tech) AS ?n) WHERE { ?case ckg:usesTechnology ?tech }
        GROUP BY ?case ORDER BY DESC(?n) ?case""",
    "property_path": """SELECT ?tech ?top WHERE { ?tech skos:broader+ ?top } ORDER BY ?tech ?top""",
    "construct_case": "CONSTRUCT { case:case-07 ?p ?o } WHERE { case:case-07 ?p ?o }",
    "regex_filter": """SELECT ?case ?title WHERE { ?case a ckg:Case ; dcterms:title ?title
        FILTER(REGEX(?title, "bank|energy", "i")) } ORDER BY ?case""",
    "case_outcomes": """SELECT ?o ?v ?label WHERE { case:case-07 ckg:reportsOutcome ?o . ?o schema:value ?v ;
        rdfs:label ?label } ORDER BY ?o""",
}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ENDPOINTS = ("ours", "rdflib-endpoint", "oxigraph")


def rss_mb(pid: int) -> tuple[float, int]:
    """(RSS of pid's process tree in MB, number of processes)."""
    mem = memory(pid)
    return mem["rss_mb"], mem["processes"]


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def gmean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


# --------------------------------------------------------------------------- HTTP


class Client:
    """One keep-alive connection to a SPARQL endpoint (GET ?query=)."""

    def __init__(self, url: str, timeout: float = 60):
        parts = urlsplit(url)
        self.host, self.port, self.path, self.timeout = parts.hostname, parts.port, parts.path or "/", timeout
        self.conn: http.client.HTTPConnection | None = None

    def get(self, query: str, accept: str, extra: dict | None = None) -> tuple[int, bytes]:
        target = self.path + "?" + urlencode({"query": query, **(extra or {})})
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("GET", target, headers={"Accept": accept})
                resp = self.conn.getresponse()
                body = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, body
            except (http.client.HTTPException, ConnectionError, socket.timeout, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def accept_for(query: str) -> str:
    return "text/turtle" if "CONSTRUCT" in query.split("WHERE")[0] else "application/sparql-results+json"


def count_answer(body: bytes, accept: str) -> int:
    if accept == "text/turtle":
        from rdflib import Graph

        return len(Graph().parse(data=body, format="turtle"))
    doc = json.loads(body)
    return len(doc["results"]["bindings"]) if "results" in doc else int(bool(doc.get("boolean")))


# --------------------------------------------------------------------------- servers


class Server:
    def __init__(self, name: str, argv: list[str], url: str, env: dict | None = None, cwd: str | None = None):
        self.name, self.argv, self.url, self.env, self.cwd = name, argv, url, env, cwd
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()
        self.startup_s: float | None = None

    def start(self, probe: str, deadline_s: float = 300) -> float:
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        client = Client(self.url, timeout=5)
        while time.monotonic() - t0 < deadline_s:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}): {self.log.read()[-2000:].decode()}")
            try:
                status, _ = client.get(probe, "application/sparql-results+json")
                if status == 200:
                    self.startup_s = time.monotonic() - t0
                    client.close()
                    return self.startup_s
            except OSError:
                pass
            client.close()
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} did not answer within {deadline_s} s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self.log.close()


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"'{name}' not found — pip install -e '.[bench]'")
    return found


def make_servers(build_dir: Path, scratch: Path, which) -> tuple[list[Server], dict]:
    graph = build_dir / "graph.nt"
    notes: dict = {}
    servers = []
    if "ours" in which:
        port = free_port()
        env = dict(os.environ, CLIMATEKG_BUILD_DIR=str(build_dir), PYTHONUNBUFFERED="1")
        servers.append(Server("ours", [sys.executable, "-m", "climatekg.cli", "serve", "--port", str(port),
                                       "--workers", "2"], f"http://127.0.0.1:{port}/sparql", env))
    if "rdflib-endpoint" in which:
        port = free_port()
        servers.append(Server("rdflib-endpoint", [_bin("rdflib-endpoint"), "serve", str(graph), "--host", "127.0.0.1",
                                                  "--port", str(port)], f"http://127.0.0.1:{port}/"))
    if "oxigraph" in which:
        port = free_port()
        location = scratch / "oxigraph"
        t0 = time.monotonic()
        subprocess.run([_bin("oxigraph"), "load", "--location", str(location), "--file", str(graph)], check=True,
                       capture_output=True)
        notes["oxigraph_load_s"] = round(time.monotonic() - t0, 2)
        servers.append(Server("oxigraph", [_bin("oxigraph"), "serve-read-only", "--location", str(location), "--bind",
                                           f"127.0.0.1:{port}"], f"http://127.0.0.1:{port}/query"))
    return servers, notes


# --------------------------------------------------------------------------- measurements


def new_text(query: str, n: int) -> str:
    return f"{PREFIXES}{query}\n# run {n}"


def latencies(servers: list[Server], reps: int) -> dict:
    """{mode: {query: {server: [seconds]}}}, interleaved."""
    clients = {s.name: Client(s.url) for s in servers}
    out = {mode: {q: {s.name: [] for s in servers} for q in QUERIES} for mode in ("repeated", "new")}
    counts: dict = {q: {} for q in QUERIES}
    n = 0
    for r in range(reps + 1):  # the first round warms up and checks the answers
        for qi, (name, query) in enumerate(QUERIES.items()):
            accept = accept_for(query)
            order = servers[(r + qi) % len(servers):] + servers[:(r + qi) % len(servers)]
            for mode in ("repeated", "new"):
                for s in order:
                    n += 1
                    text = PREFIXES + query if mode == "repeated" else new_text(query, n)
                    t0 = time.perf_counter()
                    status, body = clients[s.name].get(text, accept)
                    dt = time.perf_counter() - t0
                    if status != 200:
                        raise RuntimeError(f"{s.name} answered {status} to {name}: {body[:300]!r}")
                    if r == 0:
                        counts[name][s.name] = count_answer(body, accept)
                    else:
                        out[mode][name][s.name].append(dt)
    for c in clients.values():
        c.close()
    mismatched = {q: c for q, c in counts.items() if len(set(c.values())) > 1}
    return {"samples": out, "counts": counts, "mismatched": mismatched}


def _hammer(url: str, query: str, seconds: float, worker: int, results) -> None:
    client = Client(url)
    accept = accept_for(query)
    n, errors, i = 0, 0, 0
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        i += 1
        try:
            status, _ = client.get(f"{PREFIXES}{query}\n# client {worker} request {i}", accept)
            n += status == 200
            errors += status != 200
        except OSError:
            errors += 1
    client.close()
    results.put((n, errors, time.monotonic() - start))


def throughput(server: Server, query: str, seconds: float, clients: int = 8) -> dict:
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(server.url, query, seconds, w, results)) for w in range(clients)]
    for p in procs:
        p.start()
    got = [results.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    # each client's answers over its own time (process start-up is not counted), summed over the clients
    return {"req_s": round(sum(g[0] / g[2] for g in got), 1), "errors": sum(g[1] for g in got)}


def runaways(server: Server, seconds: float = 8, n_runaway: int = 4) -> dict:
    """Simple queries, one after another, while n_runaway runaway queries are in flight (ours only)."""
    stop = threading.Event()
    runaway_status: list[int] = []

    def run_away():  # a new connection per query, as separate clients would: they spread over the web workers
        while not stop.is_set():
            c = Client(server.url, timeout=120)
            try:
                status, _ = c.get(PREFIXES + RUNAWAY + f"\n# {time.monotonic()}", "application/sparql-results+json")
                runaway_status.append(status)
            except OSError:
                runaway_status.append(0)
            c.close()

    threads = [threading.Thread(target=run_away, daemon=True) for _ in range(n_runaway)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    times, statuses = [], {}
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        i += 1
        c = Client(server.url, timeout=60)
        t0 = time.perf_counter()
        try:
            status, _ = c.get(new_text(QUERIES["lookup"], i), "application/sparql-results+json")
        except OSError:
            status = 0
        times.append(time.perf_counter() - t0)
        c.close()
        statuses[status] = statuses.get(status, 0) + 1
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    return {"simple_requests": len(times), "statuses": statuses, "p50_ms": round(1000 * percentile(times, 50), 1),
            "p99_ms": round(1000 * percentile(times, 99), 1), "max_ms": round(1000 * max(times), 1),
            "runaway_statuses": {str(s): runaway_status.count(s) for s in set(runaway_status)}}


def wait_warm(server: Server, workers: int = 2, limit: float = 300.0) -> float | None:
    """Seconds until every web worker of ours says (``/health``) it has loaded everything it loads in the
    background after answering its first query — the latencies are those of a service in its steady state,
    not of one still warming up beside them. None when that did not happen within ``limit`` seconds."""
    parts = urlsplit(server.url)
    t0, ready = time.monotonic(), set()
    while time.monotonic() - t0 < limit:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)  # a new connection: any worker
        try:
            conn.request("GET", "/health")
            doc = json.loads(conn.getresponse().read())
            if doc.get("ready"):
                ready.add(doc["pid"])
                if len(ready) >= workers:
                    return round(time.monotonic() - t0, 2)
        except (OSError, ValueError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.05)
    return None


def pool_startup(build_dir: Path) -> float | None:
    """Seconds from starting a fresh interpreter to the first answer of a QueryPool of 2 workers: the SPARQL
    part of ours on its own (the whole service also loads the search model before it serves)."""
    code = ("import sys, time\nfrom climatekg.graph.query import QueryPool\n"
            f"p = QueryPool({str(build_dir)!r}, size=2).start()\n"
            "assert p.run('ASK { ?s ?p ?o }', timeout=60)['boolean']\np.stop()\n")
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True)
    return time.monotonic() - t0 if done.returncode == 0 else None  # None: a version without QueryPool


# --------------------------------------------------------------------------- the report


def summarise(lat: dict, names: list[str]) -> dict:
    table = {}
    for mode, per_query in lat["samples"].items():
        table[mode] = {q: {s: {"p50_ms": round(1000 * statistics.median(v), 2),
                               "p99_ms": round(1000 * percentile(v, 99), 2)} for s, v in per_server.items()}
                       for q, per_server in per_query.items()}
        if "ours" in names:
            ratios = {}
            for other in names:
                if other != "ours":
                    ratios[other] = round(gmean([table[mode][q][other]["p50_ms"] / table[mode][q]["ours"]["p50_ms"]
                                                 for q in table[mode]]), 2)
            table[mode]["geomean_p50_ratio_other_over_ours"] = ratios
    return table


def format_report(report: dict) -> str:
    names = report["endpoints"]
    lines = []
    for mode in ("repeated", "new") if "latency" in report else ():
        t = report["latency"][mode]
        lines.append(f"\np50 / p99 ms, {mode} query text ({report['reps']} interleaved repetitions)")
        lines.append("query".ljust(16) + "".join(n.rjust(22) for n in names))
        for q in QUERIES:
            lines.append(q.ljust(16) + "".join(f"{t[q][n]['p50_ms']:.2f} / {t[q][n]['p99_ms']:.2f}".rjust(22)
                                                 for n in names))
        if "geomean_p50_ratio_other_over_ours" in t:
            lines.append("geo. mean p50 ratio (other / ours): " + ", ".join(
                f"{k} {v:.2f}×" for k, v in t["geomean_p50_ratio_other_over_ours"].items()))
    if report.get("throughput"):
        lines.append("\nthroughput, 8 clients, new text (req/s): "
                     + "; ".join(f"{n}: simple {v['simple']['req_s']:.0f}, join {v['join']['req_s']:.0f}"
                                 for n, v in report["throughput"].items()))
    lines.append("start to first answered query (s): " + ", ".join(f"{n} {v:.2f}" for n, v in report["startup_s"].items())
                 + (f"; ours warm (every web worker ready) {report['ours_warm_s']} s later, before the latencies"
                    if "ours_warm_s" in report else ""))
    lines.append("RSS of the serving processes (MB): " + ", ".join(
        f"{n} {v['mb']:.0f} ({v['processes']} processes)" for n, v in report["rss"].items()))
    lines += targets(report)
    if report.get("mismatched"):
        lines.append(f"ANSWER COUNTS DIFFER: {report['mismatched']}")
    if report.get("runaways"):
        lines.append(f"ours, simple queries (a new connection each) with 4 runaway queries in flight: "
                     f"{report['runaways']}")
    return "\n".join(lines)


def targets(report: dict) -> list[str]:
    """Issue 12's targets beside the figures: with new query text each time, ours ≥ 5× faster than
    rdflib-endpoint and within 1.3× of the bare Oxigraph server (geometric means of the per-query p50s)."""
    out = [f"\n{'target (issue 12)':<62} {'measured':>10}   target"]
    new = report.get("latency", {}).get("new", {}).get("geomean_p50_ratio_other_over_ours", {})
    if "rdflib-endpoint" in new:
        v = new["rdflib-endpoint"]
        out.append(f"{'rdflib-endpoint p50 ÷ ours, new text (geo. mean)':<62} {v:>9.2f}×   ≥ 5×  "
                   + ("ok" if v >= 5 else "MISSED"))
    if "oxigraph" in new:
        v = 1 / new["oxigraph"]
        out.append(f"{'ours p50 ÷ bare Oxigraph server, new text (geo. mean)':<62} {v:>9.2f}×   ≤ 1.3×  "
                   + ("ok" if v <= 1.3 else "MISSED"))
    if "ours" in report.get("startup_s", {}):
        v = report["startup_s"]["ours"]
        out.append(f"{'ours: start to first answered query, s':<62} {v:>10.2f}   ≤ 3  " + ("ok" if v <= 3 else "MISSED"))
    if "ours" in report.get("rss", {}):
        v = report["rss"]["ours"]["mb"]
        out.append(f"{'ours: RSS of all serving processes, MB':<62} {v:>10}   ≤ 1200  " + ("ok" if v <= 1200 else "MISSED"))
    out.append(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return out


def run(build_dir: Path | None = None, reps: int = 30, seconds: float = 5.0, which=ENDPOINTS,
        with_runaways: bool = False) -> dict:
    from climatekg.config import load_settings

    build_dir = Path(build_dir) if build_dir else load_settings().build_dir
    scratch = Path(tempfile.mkdtemp(prefix="ckg-endpoints-"))
    servers, notes = make_servers(build_dir, scratch, which)
    report: dict = {"endpoints": [s.name for s in servers], "reps": reps, "startup_s": {}, "rss": {}, **notes}
    try:
        if "ours" in report["endpoints"]:
            alone = pool_startup(build_dir)
            if alone is not None:
                report["startup_s"]["ours (query pool alone)"] = round(alone, 2)
        probe = PREFIXES + "ASK { ?c a ckg:Case }"
        for s in servers:  # one at a time, so start-up times do not compete
            report["startup_s"][s.name] = round(s.start(probe), 2)
            if s.name == "ours":
                report["ours_warm_s"] = wait_warm(s)
        if reps > 0:
            lat = latencies(servers, reps)
            report["latency"] = summarise(lat, report["endpoints"])
            report["counts"], report["mismatched"] = lat["counts"], lat["mismatched"]
        if seconds > 0:
            report["throughput"] = {s.name: {"simple": throughput(s, QUERIES["lookup"], seconds),
                                             "join": throughput(s, QUERIES["join"], seconds)} for s in servers}
        for s in servers:
            mb, n = rss_mb(s.proc.pid)
            report["rss"][s.name] = {"mb": round(mb), "processes": n}
        if with_runaways:
            ours = [s for s in servers if s.name == "ours"]
            if ours:
                report["runaways"] = runaways(ours[0])
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.sparql_endpoints", description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", type=Path, help="where graph.nt is (default: the settings' build_dir)")
    ap.add_argument("--reps", type=int, default=30, help="interleaved repetitions per query (default 30)")
    ap.add_argument("--seconds", type=float, default=5.0, help="seconds per throughput run (0: skip; default 5)")
    ap.add_argument("--endpoints", default=",".join(ENDPOINTS), help="comma-separated subset of " + ",".join(ENDPOINTS))
    ap.add_argument("--runaways", action="store_true", help="also time simple queries with 4 runaways in flight")
    ap.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = ap.parse_args(argv)
    which = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    report = run(args.build_dir, args.reps, args.seconds, which, args.runaways)
    print(format_report(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
