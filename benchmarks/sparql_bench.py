"""SPARQL latency on both engines: ``python -m benchmarks.sparql_bench [--repeat N] [--build-dir DIR]``.

Eight typical queries (a lookup, joins, aggregates, a property path, a FILTER
on numeric values, a text CONTAINS, a reification join) run on Oxigraph and on
rdflib's engine — the ``OxigraphStore`` / ``RdflibStore`` of ``graph/store.py``,
called directly, each loaded once and warmed up — N times each; the table gives
p50/p99 per query and engine. ``--runner`` adds the same queries through the
endpoint's ``QueryPool`` (worker process, policy check, IPC), to show what the
process pool costs on top of the engine.

``run(build_dir) -> dict`` returns the numbers for a top-level benchmark.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

QUERIES: dict[str, str] = {
    "lookup": """SELECT ?title WHERE { case:case-01 dcterms:title ?title }""",
    "join": """SELECT ?case ?org ?name WHERE {
        ?case a ckg:Case ; ckg:organisation ?org . ?org rdfs:label ?name FILTER(LANG(?name) = "en") }
        ORDER BY ?case""",
    "aggregate": """SELECT ?case (COUNT(DISTINCT ?tech) AS ?n) WHERE { ?case ckg:usesTechnology ?tech }
        GROUP BY ?case ORDER BY DESC(?n) ?case""",
    "class_counts": """SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)""",
    "property_path": """SELECT ?tech ?top WHERE { ?tech skos:broader+ ?top FILTER NOT EXISTS { ?top skos:broader ?up } }
        ORDER BY ?tech ?top""",
    "filter_values": """SELECT ?outcome ?value WHERE {
        ?outcome a ckg:QuantifiedOutcome ; schema:value ?value ; ckg:unitSymbol "t" FILTER(?value >= 10000) }
        ORDER BY DESC(?value) ?outcome""",
    "text_contains": """SELECT ?para WHERE { ?para a ckg:Paragraph ; ckg:text ?text FILTER(CONTAINS(?text, "光伏")) }
        ORDER BY ?para""",
    "evidence_join": """SELECT ?case ?tech ?quote WHERE {
        ?e a ckg:Evidence ; rdf:subject ?case ; rdf:predicate ckg:usesTechnology ; rdf:object ?tech ; ckg:quote ?quote .
        ?case ckg:inSection section:s3 } ORDER BY ?case ?tech""",
}
ENGINES = ("oxigraph", "rdflib")


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    k = max(0, math.ceil(p / 100 * len(sorted_values)) - 1)
    return sorted_values[k]


def _time(fn, repeat: int) -> tuple[dict, int]:
    rows = fn()  # warm-up (and the row count)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return ({"p50_ms": round(statistics.median(times), 3), "p99_ms": round(percentile(times, 99), 3),
             "mean_ms": round(statistics.fmean(times), 3)}, rows)


def run(build_dir: Path | str | None = None, repeat: int = 30, engines=ENGINES, runner: bool = False,
        queries: dict[str, str] | None = None) -> dict:
    """Time every query on every engine; returns {"queries": {name: {engine: {p50_ms, p99_ms, mean_ms}, "rows": {...}}}}."""
    from climatekg.config import load_settings
    from climatekg.graph.store import open_store

    build_dir = Path(build_dir) if build_dir else load_settings().build_dir
    queries = queries or QUERIES
    out: dict = {"build_dir": str(build_dir), "repeat": repeat, "load_s": {}, "queries": {n: {"rows": {}} for n in queries}}
    for engine in engines:
        t0 = time.perf_counter()
        store = open_store(build_dir, engine)
        out["load_s"][engine] = round(time.perf_counter() - t0, 3)
        for name, q in queries.items():
            stats, rows = _time(lambda: len(store.query(q).rows), repeat)
            out["queries"][name][engine] = stats
            out["queries"][name]["rows"][engine] = rows
        del store
    if runner:
        from climatekg.graph.query import QueryRunner

        with QueryRunner(build_dir, "oxigraph", pool_size=1) as pool:
            pool.wait_ready()
            for name, q in queries.items():
                stats, rows = _time(lambda: len(pool.run(q, timeout=60)["rows"]), repeat)
                out["queries"][name]["oxigraph+runner"] = stats
                out["queries"][name]["rows"]["oxigraph+runner"] = rows
    return out


def format_table(result: dict) -> str:
    names = list(result["queries"])
    columns = [c for c in ("oxigraph", "rdflib", "oxigraph+runner") if c in result["queries"][names[0]]]
    header = ["query", "rows"] + [f"{c} {p}" for c in columns for p in ("p50", "p99")]
    lines = []
    for name in names:
        q = result["queries"][name]
        counts = set(q["rows"].values())
        rows = str(counts.pop()) if len(counts) == 1 else "≠ " + "/".join(str(q["rows"][c]) for c in columns)
        lines.append([name, rows] + [f"{q[c][p]:.2f}" for c in columns for p in ("p50_ms", "p99_ms")])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    text = [fmt(header), "  ".join("-" * w for w in widths)] + [fmt(line) for line in lines]
    loads = ", ".join(f"{e} {s:.2f} s" for e, s in result["load_s"].items())
    text.append(f"(milliseconds over {result['repeat']} warm runs; store load: {loads})")
    return "\n".join(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.sparql_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", type=Path, help="where graph.nt is (default: the settings' build_dir)")
    ap.add_argument("--repeat", type=int, default=30, help="timed runs per query and engine (default 30)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: oxigraph,rdflib")
    ap.add_argument("--runner", action="store_true", help="also time Oxigraph through the endpoint's QueryRunner")
    ap.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = ap.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    try:
        result = run(args.build_dir, args.repeat, engines, args.runner)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
