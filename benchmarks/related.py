"""Calibrate the "plausibly related" threshold of the ask page (service/ui/relatedness.toml).

    .venv/bin/python -m benchmarks.related

Runs /api/search's engine on the search evaluation questions (every one about the collection) and on
the file's `unrelated` queries, and prints, for each set, the distribution of the best result's fused score
and how a threshold between them separates the two: the share of related questions that keep at least one
case, and the share of unrelated queries that show none. The threshold kept in the file is the midpoint of
the widest gap between the two sets' best scores (or, without a clean gap, the one with the fewest errors).
"""

from __future__ import annotations

import statistics
import tomllib

from climatekg.config import ROOT, load_settings

RELATED = ROOT / "data" / "eval" / "search_questions.toml"
FILE = ROOT / "service" / "ui" / "relatedness.toml"


def top_scores(engine, queries: list[str]) -> list[float]:
    out = []
    for q in queries:
        res = engine.search(q, k=15)["results"]
        out.append(res[0]["score"] if res else 0.0)
    return out


def calibrate(related: list[float], unrelated: list[float]) -> float:
    """The threshold with the fewest errors; among ties, the middle of the widest gap."""
    cands = sorted(set(related) | set(unrelated))
    best = None
    for lo, hi in zip(cands, cands[1:]):
        t = (lo + hi) / 2
        errors = sum(s < t for s in related) + sum(s >= t for s in unrelated)
        key = (errors, -(hi - lo))
        if best is None or key < best[0]:
            best = (key, t)
    return best[1]


def main() -> int:
    from climatekg.embeddings.search import SearchEngine

    engine = SearchEngine.load(load_settings())
    related_q = [q["text"] for q in tomllib.loads(RELATED.read_text())["q"] if "text" in q]
    conf = tomllib.loads(FILE.read_text())
    rel = top_scores(engine, related_q)
    unrel = top_scores(engine, conf["unrelated"])
    for name, v in (("related", rel), ("unrelated", unrel)):
        q = statistics.quantiles(v, n=20)
        print(f"{name:9} n={len(v):3}  min={min(v):.4f}  p5={q[0]:.4f}  median={statistics.median(v):.4f}  "
              f"p95={q[-1]:.4f}  max={max(v):.4f}")
    t = calibrate(rel, unrel)
    kept = sum(s >= t for s in rel) / len(rel)
    hidden = sum(s < t for s in unrel) / len(unrel)
    print(f"calibrated min_score = {t:.4f}: related questions keep a case {kept:.0%}, unrelated show none {hidden:.0%}")
    print(f"in {FILE.relative_to(ROOT)}: min_score = {conf['min_score']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
