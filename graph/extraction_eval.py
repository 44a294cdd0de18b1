"""Measure the quantity extractor against the hand-checked sample.

The sample (data/eval/quantities_gold.tsv) lists every figure in the 项目成果
part of all 26 cases and in the 项目实施 part of six of them. A figure counts
as found when the extractor reports, in the same case, within one source line,
the same value (±0.5 %) in the same base unit. Precision is measured on what
the extractor reports inside the same parts.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ..corpus.model import Collection
from .quantities import extract

SCOPE_EXTRA = {"case-01", "case-07", "case-17", "case-20", "case-23", "case-26"}


@dataclass
class ExtractionScore:
    gold: int
    extracted: int
    matched_gold: int
    matched_extracted: int
    indicator_agree: int
    period_agree: int
    misses: list[dict] = field(default_factory=list)
    false_positives: list[dict] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched_gold / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.matched_extracted / self.extracted if self.extracted else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_gold(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(1e-6, 0.005 * max(abs(a), abs(b)))


def evaluate(collection: Collection, gold_path: Path) -> ExtractionScore:
    gold = load_gold(gold_path)
    found: list[dict] = []
    for case in collection.cases:
        keys = ["results"] + (["implementation"] if case.id in SCOPE_EXTRA else [])
        for key in keys:
            for para in case.parts[key].paragraphs:
                for q in extract(para.text):
                    found.append(
                        {"case": case.id, "line": para.line_at(q.start), "surface": q.surface, "value": q.value,
                         "unit": q.unit, "measure": q.indicator, "period": q.period or ""}
                    )
    used: set[int] = set()
    matched_gold, ind_ok, per_ok = 0, 0, 0
    misses = []
    for g in gold:
        gv = float(g["value"])
        hit = None
        for i, x in enumerate(found):
            if i in used or x["case"] != g["case"] or abs(x["line"] - int(g["line"])) > 1:
                continue
            if x["unit"] == g["unit"] and _close(x["value"], gv):
                hit = i
                break
        if hit is None:
            misses.append(g)
            continue
        used.add(hit)
        matched_gold += 1
        got = found[hit]["measure"]
        ind_ok += got == g["measure"] or (got == "count" and g["measure"] == "other")
        per_ok += found[hit]["period"] == (g["period"] or "")
    fps = [x for i, x in enumerate(found) if i not in used]
    return ExtractionScore(
        gold=len(gold), extracted=len(found), matched_gold=matched_gold, matched_extracted=len(used),
        indicator_agree=ind_ok, period_agree=per_ok, misses=misses, false_positives=fps,
    )
