"""Load generator for a running service: /sparql and /api/search over loopback.

    python -m benchmarks.load --url http://127.0.0.1:5000 --seconds 10 --concurrency 8

Runs ``concurrency`` client threads (standard library only: threads +
http.client, one keep-alive connection per thread) for ``seconds`` or until
``max_requests`` requests have been sent, alternating between a few typical
SPARQL queries and a list of Chinese and English search queries (and, with
``--endpoints sparql,search,ask``, questions); the service caches query
vectors and parsed queries, so repeated text skips work: ``--distinct`` makes
every request's text unique (a numbered SPARQL comment or query suffix).
Prints, per
endpoint, requests/s, p50/p99 latency and the error count (a non-2xx answer,
a connection error or a timeout). ``run(url, seconds, concurrency)`` returns
the same figures as a dict.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import sys
import threading
import time
from urllib.parse import quote, urlencode, urlsplit

PREFIX = ("PREFIX ckg: <https://w3id.org/climatekg/ontology#>\n"
          "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
          "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
          "PREFIX schema: <https://schema.org/>\n")

SPARQL_QUERIES = [
    # cases per section
    PREFIX + "SELECT ?section (COUNT(?case) AS ?n) WHERE { ?case a ckg:Case ; ckg:inSection ?section } GROUP BY ?section",
    # the largest installed capacities, with their case and source line
    PREFIX + """SELECT ?case ?value ?unit ?line WHERE {
      ?case ckg:reportsOutcome ?o . ?o ckg:measures <https://w3id.org/climatekg/id/indicator/capacity> ;
      schema:value ?value ; ckg:unitSymbol ?unit ; ckg:startLine ?line } ORDER BY DESC(?value) LIMIT 10""",
    # technologies by the number of cases using them
    PREFIX + """SELECT ?tech ?label (COUNT(DISTINCT ?case) AS ?n) WHERE {
      ?case ckg:usesTechnology ?tech . ?tech skos:prefLabel ?label FILTER(lang(?label) = "en") }
      GROUP BY ?tech ?label ORDER BY DESC(?n) LIMIT 20""",
    # cases in a province, with titles in both languages
    PREFIX + """SELECT ?case ?zh ?en WHERE {
      ?case ckg:locatedIn <https://w3id.org/climatekg/id/place/zhejiang> ; rdfs:label ?zh, ?en .
      FILTER(lang(?zh) = "zh" && lang(?en) = "en") }""",
    # an ASK
    PREFIX + "ASK { ?case ckg:usesTechnology <https://w3id.org/climatekg/id/technology/solar-pv> }",
]

SEARCH_QUERIES = [
    "达能屋顶光伏装机容量", "Bank of Beijing carbon finance", "绿色金融 碳减排支持工具", "biogas from dairy farms",
    "光储直柔", "electric vehicle charging", "渔光一体", "green data center energy efficiency",
    "碳普惠 用户减碳", "hydrogen fuel cell buses", "废旧塑料回收", "wind turbine recycling", "零碳工厂 认证",
    "sustainable packaging", "储能 虚拟电厂", "carbon footprint of food delivery",
]

ASK_QUESTIONS = [
    "哪些案例涉及沼气？", "Which companies are banks?", "光伏装机超过10 MW的项目有哪些？", "达能的屋顶光伏装机容量是多少？",
    "Which cases are in Zhejiang?", "哪些企业使用了储能技术？", "How much CO2 did Bank of Beijing's projects avoid?",
    "有多少个案例？",
]

ENDPOINTS = ("sparql", "search", "ask")
DEFAULT_ENDPOINTS = ("sparql", "search")


def _requests(endpoint: str, distinct: bool = False, worker: int = 0):
    """An endless iterator of (path, headers) for one endpoint; ``distinct``: no two request texts are equal
    (a SPARQL query gets a numbered comment, a search or a question a numbered suffix)."""
    if endpoint == "sparql":
        headers = {"Accept": "application/sparql-results+json"}
        if not distinct:
            return itertools.cycle([("/sparql?" + urlencode({"query": q}), headers) for q in SPARQL_QUERIES])
        return (("/sparql?" + urlencode({"query": f"{q}\n# {worker}-{n}"}), headers)
                for n, q in enumerate(itertools.cycle(SPARQL_QUERIES)))
    headers = {"Accept": "application/json"}
    if endpoint == "ask":
        if not distinct:
            return itertools.cycle([("/api/ask?" + urlencode({"q": q}, quote_via=quote), headers)
                                    for q in ASK_QUESTIONS])
        return (("/api/ask?" + urlencode({"q": f"{q} ({worker}-{n})"}, quote_via=quote), headers)
                for n, q in enumerate(itertools.cycle(ASK_QUESTIONS)))
    if not distinct:
        return itertools.cycle([("/api/search?" + urlencode({"q": q, "k": 5}, quote_via=quote), headers)
                                for q in SEARCH_QUERIES])
    return ((("/api/search?" + urlencode({"q": f"{q} {worker}-{n}", "k": 5}, quote_via=quote)), headers)
            for n, q in enumerate(itertools.cycle(SEARCH_QUERIES)))


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    i = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[i]


class _Worker(threading.Thread):
    def __init__(self, host: str, port: int, endpoints: tuple[str, ...], offset: int, deadline: float,
                 budget: "_Budget", timeout: float, distinct: bool = False):
        super().__init__(daemon=True)
        self.host, self.port, self.deadline, self.budget, self.timeout = host, port, deadline, budget, timeout
        self.cycles = {e: _requests(e, distinct, offset) for e in endpoints}
        for e in endpoints:  # threads start at different queries
            for _ in range(offset):
                next(self.cycles[e])
        self.order = itertools.cycle(endpoints[offset % len(endpoints):] + endpoints[:offset % len(endpoints)])
        self.samples: dict[str, list[float]] = {e: [] for e in endpoints}
        self.errors: dict[str, int] = {e: 0 for e in endpoints}
        self.error_examples: list[str] = []
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def run(self) -> None:
        while time.perf_counter() < self.deadline and self.budget.take():
            endpoint = next(self.order)
            path, headers = next(self.cycles[endpoint])
            t0 = time.perf_counter()
            try:
                conn = self._connection()
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = 200 <= resp.status < 300
                if not ok and len(self.error_examples) < 3:
                    self.error_examples.append(f"{endpoint}: HTTP {resp.status}")
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self.conn = None
            except (OSError, http.client.HTTPException) as e:
                ok = False
                if len(self.error_examples) < 3:
                    self.error_examples.append(f"{endpoint}: {type(e).__name__}: {e}")
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
            elapsed = time.perf_counter() - t0
            if ok:
                self.samples[endpoint].append(elapsed)
            else:
                self.errors[endpoint] += 1
        if self.conn is not None:
            self.conn.close()


class _Budget:
    """At most ``n`` requests in all (None: no limit)."""

    def __init__(self, n: int | None):
        self.left = n
        self.lock = threading.Lock()

    def take(self) -> bool:
        if self.left is None:
            return True
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def run(url: str, seconds: float = 10.0, concurrency: int = 8, max_requests: int | None = 100_000,
        endpoints: tuple[str, ...] = DEFAULT_ENDPOINTS, timeout: float = 30.0, distinct: bool = False) -> dict:
    """Generate load against ``url`` and return per-endpoint figures (latencies in milliseconds)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"url must look like http://127.0.0.1:5000, got {url!r}")
    if seconds <= 0 or concurrency < 1:
        raise ValueError("seconds must be positive and concurrency at least 1")
    unknown = [e for e in endpoints if e not in ENDPOINTS]
    if unknown:
        raise ValueError(f"unknown endpoint {unknown[0]!r}; use {', '.join(ENDPOINTS)}")
    port = parts.port or 80
    budget = _Budget(max_requests)
    t0 = time.perf_counter()
    workers = [_Worker(parts.hostname, port, tuple(endpoints), i, t0 + seconds, budget, timeout, distinct)
               for i in range(concurrency)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(seconds + timeout + 5)
    wall = time.perf_counter() - t0
    out: dict = {"url": url, "seconds": round(wall, 3), "concurrency": concurrency, "distinct": distinct,
                 "endpoints": {}}
    for e in endpoints:
        lat = [s for w in workers for s in w.samples[e]]
        errors = sum(w.errors[e] for w in workers)
        out["endpoints"][e] = {
            "requests": len(lat) + errors,
            "ok": len(lat),
            "errors": errors,
            "requests_per_s": round(len(lat) / wall, 2) if wall > 0 else 0.0,
            "p50_ms": round(_percentile(lat, 50) * 1000, 2) if lat else None,
            "p99_ms": round(_percentile(lat, 99) * 1000, 2) if lat else None,
        }
    out["error_examples"] = [x for w in workers for x in w.error_examples][:5]
    return out


def format_report(res: dict) -> str:
    lines = [f"{res['url']} — {res['concurrency']} clients for {res['seconds']:.1f} s"
             + (" (every search query distinct)" if res.get("distinct") else ""),
             f"{'endpoint':<10} {'requests':>9} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}"]
    for e, r in res["endpoints"].items():
        p50 = "-" if r["p50_ms"] is None else f"{r['p50_ms']:.1f}"
        p99 = "-" if r["p99_ms"] is None else f"{r['p99_ms']:.1f}"
        lines.append(f"{e:<10} {r['requests']:>9} {r['requests_per_s']:>9.1f} {p50:>9} {p99:>9} {r['errors']:>7}")
    for x in res.get("error_examples", []):
        lines.append(f"  e.g. {x}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:5000", help="the running service (default %(default)s)")
    p.add_argument("--seconds", type=float, default=10.0, help="how long to run (default %(default)s)")
    p.add_argument("--concurrency", type=int, default=8, help="client threads (default %(default)s)")
    p.add_argument("--max-requests", type=int, default=100_000, help="stop after this many requests in all")
    p.add_argument("--endpoints", default=",".join(DEFAULT_ENDPOINTS), help="comma-separated: sparql,search,ask")
    p.add_argument("--distinct", action="store_true",
                   help="make every request text unique (measures the encoder and the SPARQL parser, not caches)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    try:
        res = run(args.url, args.seconds, args.concurrency, args.max_requests,
                  tuple(e.strip() for e in args.endpoints.split(",") if e.strip()), distinct=args.distinct)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(res, indent=1) if args.json else format_report(res))
    total_ok = sum(r["ok"] for r in res["endpoints"].values())
    if total_ok == 0:
        print(f"error: no request succeeded — is the service running at {args.url}? (climatekg serve)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
