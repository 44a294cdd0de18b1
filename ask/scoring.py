"""What both question-answering scorers share (``blind.py`` for the blind set, ``evaluate.py`` for the older
sets): the F1 of a case set, timing each answer, and per-slice tallies that become the reported means."""

from __future__ import annotations

import time
from collections import defaultdict


def f1(pred: set, gold: set) -> float:
    """F1 of a predicted case set against the expected one (both empty: 1)."""
    if not pred and not gold:
        return 1.0
    tp = len(pred & gold)
    if tp == 0:
        return 0.0
    p, r = tp / len(pred), tp / len(gold)
    return 2 * p * r / (p + r)


class Tally:
    """Sums of measures per slice ("zh lookup"), the questions counted per slice, failures and latencies."""

    def __init__(self):
        self.sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.n: dict[str, int] = defaultdict(int)
        self.failures: list[dict] = []
        self.latencies: list[float] = []

    def ask(self, answerer, text: str) -> dict:
        """The answer to a question, its time recorded."""
        t0 = time.perf_counter()
        r = answerer.ask(text)
        self.latencies.append(time.perf_counter() - t0)
        return r

    def count(self, key: str) -> None:
        self.n[key] += 1

    def add(self, key: str, measure: str, value: float) -> None:
        self.sums[key][measure] += value

    def result(self, **extra) -> dict:
        """Means per slice, counts, failures and latency percentiles (plus ``extra`` keys)."""
        slices = {k: {m: v / self.n[k] for m, v in ms.items()} for k, ms in self.sums.items()}
        lat = sorted(self.latencies) or [0.0]
        return {"slices": slices, "counts": dict(self.n), "failures": self.failures, **extra,
                "latency_ms": {"p50": 1000 * lat[len(lat) // 2], "max": 1000 * lat[-1]}}


def format_slices(res: dict, digits: int = 2) -> list[str]:
    """One line per slice: its name, size and measures."""
    return [f"  {k:18} (n={res['counts'][k]:2})  " + "  ".join(f"{m} {v:.{digits}f}" for m, v in res["slices"][k].items())
            for k in sorted(res["slices"])]
