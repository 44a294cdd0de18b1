"""`make bench` part: adding documents to the built 26-case collection, and encoder throughput.

* add: wall time and peak memory of ``climatekg add`` (a separate process) for a 3-case document whose text is
  new (every sentence differs from the collection's, so it is really embedded), and the growth for 26 and 260
  added cases made of synthetic copies of the 26 (their vectors come from the cache, so these rows measure
  everything but embedding; the embedding cost of new text is the 3-case row's, per text).
* encoder: passages per second of the index's chunks and sentences in fp32, bf16 (autocast, AMX on CPUs that
  have it), dynamic int8 (torch) and ONNX Runtime with int8 weights, side by side in one process, with the
  cosine of each variant's vectors to fp32's.

    python -m benchmarks.ingest_bench [add|encoder]     (CLIMATEKG_BENCH_ADD_SIZES=26,260: the growth rows)
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from climatekg.config import ROOT, load_settings


def synthetic_document(collection, cases, tag: str, fresh_text: bool) -> str:
    """Cases written back in the source layout (title line with a leading space, company, seven parts, one
    text line per paragraph, a blank line after each). ``fresh_text`` makes every sentence new (a tag before
    each 。) so nothing comes from the vector cache."""
    from climatekg.corpus.model import PART_KEYS, PART_ZH

    out = ["本文档为基准测试生成的案例集。", ""]
    for case in cases:
        out += [" " + case.title + f"（{tag}）", "", case.company, ""]
        for key in PART_KEYS:
            out += [PART_ZH[key], ""]
            for para in case.parts[key].paragraphs:
                text = para.text.replace("。", f"，{tag}。") if fresh_text else para.text
                out += [text, ""]
    return "\n".join(out)


def _add(settings, doc: Path, workdir: Path) -> dict:
    build = workdir / "build"
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(settings.build_dir, build)
    env = dict(os.environ, CLIMATEKG_BUILD_DIR=str(build), CLIMATEKG_SOURCES_DIR=str(workdir / "sources"),
               CLIMATEKG_CACHE=str(workdir / "cache"))
    shutil.rmtree(workdir / "sources", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "climatekg.cli", "add", "--json", str(doc)], env=env,
                       capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-2000:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    load = os.getloadavg()
    res = json.loads(p.stdout)
    manifest = json.loads((build / "index" / "manifest.json").read_text())
    return {"cases_added": sum(len(s["cases"]) for s in res["added"]), "seconds": round(seconds, 1),
            "peak_rss_mb": round(max(peak, before) / 1024), "index_timings_s": manifest.get("timings_s"),
            "load_average_1_5_15": [round(x, 2) for x in load], "graph_log": _graph_lines(p.stderr),
            "chunks": manifest["chunks"], "graph_mb": round((build / "graph.nt").stat().st_size / 1e6, 1),
            "index_mb": round(sum(f.stat().st_size for f in (build / "index").rglob("*") if f.is_file()) / 1e6, 1)}


def _graph_lines(stderr: str) -> list[str]:
    """The build's own account of an add: extraction reuse, graph size, timings."""
    keep = ("text extraction", "wrote graph", "vectors (", "sentences embedded", "wrote ")
    return [line.strip() for line in stderr.splitlines() if any(k in line for k in keep)]


def bench_add(settings, sizes: tuple[int, ...] = (26, 260)) -> dict:
    from climatekg.corpus.parse import parse_file

    coll = parse_file(settings.source, settings.source_sha256)
    tmp = Path(tempfile.mkdtemp(prefix="ckg-add-bench-"))
    try:
        for part in ("vectors", "extraction"):  # what building the 26 left: their vectors and text extraction
            if (Path(settings.cache_dir) / part).is_dir():
                shutil.copytree(Path(settings.cache_dir) / part, tmp / "cache" / part)
        if (Path(settings.cache_dir) / "models").exists():
            (tmp / "cache" / "models").symlink_to(Path(settings.cache_dir) / "models")
        out = {}
        doc = tmp / "three-cases.txt"
        doc.write_text(synthetic_document(coll, [coll.cases[0], coll.cases[14], coll.cases[21]], "基准三", True), encoding="utf-8")
        out["3 cases, new text"] = _add(settings, doc, tmp)
        print("3 cases, new text", out["3 cases, new text"], flush=True)
        for n in sizes:
            doc = tmp / f"copies-{n}.txt"
            cases = [coll.cases[i % 26] for i in range(n)]
            doc.write_text(synthetic_document(coll, cases, f"副本{n}", False), encoding="utf-8")
            key = f"{n} cases, synthetic copies (cached vectors)"
            out[key] = _add(settings, doc, tmp)
            print(key, out[key], flush=True)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_encoder(settings, repeats: int = 1) -> dict:
    from climatekg.embeddings.encoder import ModelUnavailable, OnnxEncoder, SentenceTransformerEncoder, resolve_model

    index = Path(settings.build_dir) / "index"
    chunks = [json.loads(line)["text"] for line in (index / "chunks.jsonl").open(encoding="utf-8")]
    sents = list(dict.fromkeys(json.loads(line)["text"] for line in (index / "sentences.jsonl").open(encoding="utf-8")))
    texts = chunks + sents
    model, _ = resolve_model(settings)
    out, ref = {}, None
    for precision in ("fp32", "bf16", "int8", "onnx-int8"):
        if precision == "onnx-int8":
            try:
                enc = OnnxEncoder(model, threads=settings.threads)
            except ModelUnavailable as e:  # the optional 'onnx' extra is not installed
                out[precision] = {"unavailable": str(e)}
                continue
        else:
            enc = SentenceTransformerEncoder(model, threads=settings.threads, precision=precision)
        enc.encode_passages(texts[:8])  # warm-up
        best = None
        for _ in range(repeats):
            t0 = time.perf_counter()
            v = enc.encode_passages(texts)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        if ref is None:
            ref = v
        cos = (v * ref).sum(axis=1)
        out[precision] = {"texts": len(texts), "seconds": round(best, 1), "texts_per_s": round(len(texts) / best, 1),
                          "cosine_to_fp32_mean": round(float(cos.mean()), 5), "cosine_to_fp32_min": round(float(cos.min()), 5)}
        print(precision, out[precision], flush=True)
    return out


def main(argv: list[str]) -> int:
    settings = load_settings()
    sizes = tuple(int(x) for x in os.environ.get("CLIMATEKG_BENCH_ADD_SIZES", "26,260").split(",") if x)
    what = argv[1:] or ["encoder", "add"]
    report = {}
    if "encoder" in what:
        report["encoder"] = bench_encoder(settings)
    if "add" in what:
        report["add"] = bench_add(settings, sizes)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    out = ROOT / "test-output" / "bench-ingest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
