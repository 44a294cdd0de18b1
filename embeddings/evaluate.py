"""Retrieval evaluation on the hand-written question set (data/eval/search_questions.toml).

For lookups and topic questions: Recall@1, Recall@5, Recall@10, MRR@10 and nDCG@10 of the ranked cases, for the
hybrid search and each leg alone, by language. For similar-case judgements: graded nDCG@3 (and @5) of
``similar(case)`` and, where the question has a text, of ``similar(text=…)`` (the described case counts as
very similar to its own description).
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from pathlib import Path

from .search import LEGS, SearchEngine

CONFIGS = {"hybrid": LEGS, "dense": ("dense",), "lexical": ("lexical",), "entity": ("entity",)}


def load_questions(path: Path) -> list[dict]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return data["q"]


def dcg(gains: list[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg(ranked: list[str], graded: dict[str, float], k: int) -> float:
    gains = [graded.get(c, 0.0) for c in ranked[:k]]
    ideal = sorted(graded.values(), reverse=True)[:k]
    return dcg(gains) / dcg(ideal) if ideal and dcg(ideal) > 0 else 0.0


def ranking_metrics(ranked: list[str], relevant: set[str]) -> dict[str, float]:
    rr = 0.0
    for i, c in enumerate(ranked[:10], start=1):
        if c in relevant:
            rr = 1.0 / i
            break
    rec = lambda k: len(relevant & set(ranked[:k])) / len(relevant)  # noqa: E731
    return {"R@1": rec(1), "R@5": rec(5), "R@10": rec(10), "MRR@10": rr,
            "nDCG@10": ndcg(ranked, {c: 1.0 for c in relevant}, 10)}


def evaluate(engine: SearchEngine, questions: list[dict]) -> dict:
    """{slice: {config: {metric: value}}, "failures": [...]} where slice is e.g. "zh lookup"."""
    sums: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    counts: dict[str, int] = defaultdict(int)
    failures = []
    for q in questions:
        kind, lang = q["kind"], q["lang"]
        if kind in ("lookup", "topic"):
            slice_ = f"{lang} {kind}"
            counts[slice_] += 1
            relevant = set(q["relevant"])
            for name, legs in CONFIGS.items():
                ranked = [r["case_id"] for r in engine.search(q["text"], k=10, legs=legs)["results"]]
                m = ranking_metrics(ranked, relevant)
                for key, v in m.items():
                    sums[slice_][name][key] += v
                if name == "hybrid" and (m["MRR@10"] < 1.0 if kind == "lookup" else m["R@10"] < 1.0):
                    failures.append({"id": q["id"], "text": q["text"], "expected": sorted(relevant), "got": ranked[:5]})
        elif kind == "similar":
            graded = {c: float(g) for c, g in q["graded"].items()}
            counts["similar (case)"] += 1
            ranked = [r["case_id"] for r in engine.similar(case_id=q["case"], k=10)["results"]]
            sums["similar (case)"]["hybrid"]["nDCG@3"] += ndcg(ranked, graded, 3)
            sums["similar (case)"]["hybrid"]["nDCG@5"] += ndcg(ranked, graded, 5)
            if ndcg(ranked, graded, 3) < 0.75:
                failures.append({"id": q["id"], "case": q["case"], "expected": graded, "got": ranked[:3]})
            if q.get("text"):
                slice_ = f"similar (text, {lang})"
                counts[slice_] += 1
                g2 = dict(graded)
                g2[q["case"]] = 2.0
                ranked = [r["case_id"] for r in engine.similar(text=q["text"], k=10)["results"]]
                sums[slice_]["hybrid"]["nDCG@3"] += ndcg(ranked, g2, 3)
                sums[slice_]["hybrid"]["nDCG@5"] += ndcg(ranked, g2, 5)
    report = {s: {c: {k: v / counts[s] for k, v in m.items()} for c, m in cfgs.items()} for s, cfgs in sums.items()}
    return {"slices": report, "counts": dict(counts), "failures": failures}


def format_report(res: dict) -> str:
    lines = []
    order = sorted(res["slices"], key=lambda s: (s.startswith("similar"), s))
    for s in order:
        cfgs = res["slices"][s]
        metrics = list(next(iter(cfgs.values())).keys())
        lines.append(f"\n{s}  (n={res['counts'][s]})")
        lines.append("  " + f"{'':8}" + "".join(f"{m:>9}" for m in metrics))
        for name in CONFIGS:
            if name in cfgs:
                lines.append("  " + f"{name:8}" + "".join(f"{cfgs[name][m]:9.3f}" for m in metrics))
    if res["failures"]:
        lines.append(f"\nquestions the hybrid search does not answer perfectly ({len(res['failures'])}):")
        for f in res["failures"]:
            lines.append(f"  {f['id']}: expected {f['expected']} got {f['got']}" + (f"  — {f['text']}" if 'text' in f else ""))
    return "\n".join(lines)
