"""`make bench`: build times, index sizes, query latencies, memory, SPARQL engines, HTTP throughput, 100× corpus,
and /sparql side by side with rdflib-endpoint and the bare Oxigraph server (benchmarks/sparql_endpoints.py),
and serving under slow clients, runaway queries and a distinct-query mixed load, from a cold start (serving.py).

Prints a report and writes it as JSON to test-output/bench.json. Everything runs on this machine
(2 cores; torch pinned to settings.threads); load is generated from a second process on loopback only.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from climatekg.config import ROOT, load_settings


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def ms(values: list[float]) -> dict:
    return {"p50_ms": round(1000 * pct(values, 50), 2), "p99_ms": round(1000 * pct(values, 99), 2),
            "mean_ms": round(1000 * statistics.mean(values), 2), "n": len(values)}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_build(settings) -> dict:
    """Graph build, and index build cold (empty vector cache) in a scratch build dir."""
    from climatekg.embeddings.build import build_indexes
    from climatekg.graph.pipeline import build

    tmp = Path(tempfile.mkdtemp(prefix="ckg-bench-"))
    try:
        s = replace(settings, build_dir=tmp / "build", cache_dir=tmp / "cache")
        t0 = time.perf_counter()
        build(s, progress=lambda m: None)
        graph_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        build_indexes(s, progress=lambda m: None)
        index_cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        build_indexes(s, force=True, progress=lambda m: None)
        index_warm_s = time.perf_counter() - t0
        manifest = json.loads((s.build_dir / "index" / "manifest.json").read_text())
        graph_files = {p.name: p.stat().st_size for p in s.build_dir.glob("graph.*")}
        return {"graph_build_s": round(graph_s, 2), "index_build_cold_s": round(index_cold_s, 2),
                "index_build_cached_vectors_s": round(index_warm_s, 2), "index_timings_s": manifest["timings_s"],
                "chunks": manifest["chunks"], "vectors": manifest["vectors"], "index_sizes_bytes": manifest["sizes_bytes"],
                "graph_sizes_bytes": graph_files}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_queries(settings) -> dict:
    from climatekg.ask.answer import Answerer
    from climatekg.embeddings.evaluate import load_questions
    from climatekg.embeddings.search import SearchEngine

    before = rss_mb()
    t0 = time.perf_counter()
    engine = SearchEngine.load(settings)
    answerer = Answerer.load(settings, engine=engine)
    load_s = time.perf_counter() - t0
    loaded = rss_mb()
    qs = [q["text"] for q in load_questions(ROOT / "data" / "eval" / "search_questions.toml") if q.get("text")]
    asks = [q["text"] for q in load_questions(ROOT / "data" / "eval" / "ask_questions.toml")]
    for q in qs[:5] + asks[:5]:  # warm
        engine.search(q)
        answerer.ask(q)
    emb, search, similar_case, similar_text, ask = [], [], [], [], []
    for q in qs:
        engine.__dict__.pop("_qcache", None)
        t = time.perf_counter(); engine.encoder.encode_queries([q]); emb.append(time.perf_counter() - t)
        engine.__dict__.pop("_qcache", None)
        t = time.perf_counter(); engine.search(q, k=10); search.append(time.perf_counter() - t)
        engine.__dict__.pop("_qcache", None)
        t = time.perf_counter(); engine.similar(text=q, k=5); similar_text.append(time.perf_counter() - t)
    for cid in engine.case_ids * 4:
        t = time.perf_counter(); engine.similar(cid, k=5); similar_case.append(time.perf_counter() - t)
    for q in asks + qs:
        engine.__dict__.pop("_qcache", None)
        t = time.perf_counter(); answerer.ask(q); ask.append(time.perf_counter() - t)
    return {"load_s": round(load_s, 2), "rss_before_mb": round(before), "rss_loaded_mb": round(loaded),
            "query_embedding": ms(emb), "search": ms(search), "similar_case": ms(similar_case),
            "similar_text": ms(similar_text), "ask": ms(ask),
            "search_minus_embedding_p50_ms": round(1000 * (pct(search, 50) - pct(emb, 50)), 2)}


def bench_scaled(settings, factor: int = 100) -> dict:
    """A synthetic corpus `factor`× the real one: the 26 cases repeated with perturbed ids (case-01-r007 …),
    vectors jittered so no two are identical. Embedding time is extrapolated from the measured rate."""
    from climatekg.embeddings.lexical import BM25Index
    from climatekg.embeddings.search import SearchEngine
    from climatekg.embeddings.vector_index import make_index

    e = SearchEngine.load(settings)
    rng = np.random.default_rng(0)
    base = e.index.reconstruct_all()[: len(e.chunks)]
    n = len(e.chunks)
    tok = [e.tokenizer.tokens(c["text"]) for c in e.chunks]
    t0 = time.perf_counter()
    vecs = np.vstack([base + rng.normal(0, 0.01, base.shape).astype("float32") for _ in range(factor)])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    out = {"chunks": int(len(vecs)), "cases": len(e.cases) * factor}
    for kind in ("flat", "hnsw"):
        t = time.perf_counter()
        idx = make_index(kind, vecs.shape[1], len(vecs), settings.threads)
        idx.add(vecs)
        add_s = time.perf_counter() - t
        lat = []
        for q in base[:200]:
            t = time.perf_counter(); idx.search(q[None, :], 50); lat.append(time.perf_counter() - t)
        out[f"faiss_{kind}"] = {"build_s": round(add_s, 2), **ms(lat)}
    t = time.perf_counter()
    bm = BM25Index.build([x + [f"r{r}"] for r in range(factor) for x in tok])
    out["bm25_build_s"] = round(time.perf_counter() - t, 2)
    lat = []
    for x in tok[:200]:
        t = time.perf_counter(); bm.scores(x[:8]); lat.append(time.perf_counter() - t)
    out["bm25_query"] = ms(lat)
    # embedding cost per chunk, measured on this machine, extrapolated
    sample = [c["text"] for c in e.chunks[:32]]
    t = time.perf_counter(); e.encoder.encode_passages(sample); per_chunk = (time.perf_counter() - t) / len(sample)
    out["embedding_s_per_chunk"] = round(per_chunk, 4)
    out["embedding_extrapolated_min"] = round(per_chunk * len(vecs) / 60, 1)
    out["bench_s"] = round(time.perf_counter() - t0, 1)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_http(settings, seconds: float = 10, concurrency: int = 8) -> dict:
    """Throughput of /sparql and /api/search under load from a second process, production server (climatekg serve)."""
    port = _free_port()
    env = dict(os.environ, CLIMATEKG_BUILD_DIR=str(settings.build_dir), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "climatekg.cli", "serve", "--port", str(port), "--workers", "2"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        import urllib.request

        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=warm", timeout=5).read()
                break
            except Exception:  # noqa: BLE001 - waiting for the server to come up
                time.sleep(0.5)
        out = subprocess.run([sys.executable, "-m", "benchmarks.load", "--url", f"http://127.0.0.1:{port}",
                              "--seconds", str(seconds), "--concurrency", str(concurrency), "--json"],
                             capture_output=True, text=True, timeout=seconds * 6 + 120)
        try:
            return json.loads(out.stdout)
        except ValueError:
            return {"error": (out.stdout + out.stderr)[-2000:]}
    finally:
        import signal

        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def bench_ask(settings) -> dict:
    """/api/ask latency, warm, in one process and through the HTTP service, beside /api/search (benchmarks/ask.py)."""
    from benchmarks import ask

    return ask.run(settings)


def main() -> int:
    settings = load_settings()
    report = {"machine": {"cpus": os.cpu_count(), "threads": settings.threads}}
    steps = [("build", bench_build), ("queries", bench_queries), ("ask", bench_ask), ("scaled_100x", bench_scaled)]
    try:
        from benchmarks import sparql_bench

        steps.append(("sparql_engines", lambda s: sparql_bench.run(s.build_dir)))
    except ImportError:
        pass
    steps.append(("http_load", bench_http))
    try:
        from benchmarks import sparql_endpoints

        steps.append(("sparql_endpoints", lambda s: sparql_endpoints.run(s.build_dir, with_runaways=True)))
    except ImportError:
        pass
    from benchmarks import serving

    steps.append(("serving", lambda s: serving.run(workers=2, seconds=60, repeat=5)))
    from benchmarks import ingest_bench

    steps += [("encoder_precision", ingest_bench.bench_encoder), ("add_documents", ingest_bench.bench_add)]
    for name, fn in steps:
        print(f"== {name}", flush=True)
        t = time.perf_counter()
        report[name] = fn(settings)
        print(json.dumps(report[name], ensure_ascii=False, indent=1), flush=True)
        if name == "serving":
            print(serving.format_report(report[name]), flush=True)
        elif name == "sparql_endpoints":
            print(sparql_endpoints.format_report(report[name]), flush=True)
        print(f"   ({time.perf_counter() - t:.0f}s)", flush=True)
    out = ROOT / "test-output" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
