"""Question-answering evaluation (data/eval/ask_questions.toml, plus the search set's answerable questions).

* structured questions: exact-set accuracy and mean F1 of the answer's case set against the expected set;
* lookups: how often the answer text contains the expected figure (whitespace ignored);
* unanswerable questions: how often they are recognised (answered = false), and how often answerable
  questions (all lookups, topic and structured questions of both sets) are wrongly refused.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import defaultdict

from climatekg.embeddings.evaluate import load_questions


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s).replace(",", "")


def f1(pred: set, gold: set) -> float:
    if not pred and not gold:
        return 1.0
    tp = len(pred & gold)
    if tp == 0:
        return 0.0
    p, r = tp / len(pred), tp / len(gold)
    return 2 * p * r / (p + r)


def evaluate(answerer, ask_questions: list[dict], search_questions: list[dict] = ()) -> dict:
    stats = defaultdict(lambda: defaultdict(float))
    n = defaultdict(int)
    failures = []
    refused_answerable = []
    answerable_total = 0
    latencies = []
    for q in ask_questions:
        t0 = time.perf_counter()
        r = answerer.ask(q["text"])
        latencies.append(time.perf_counter() - t0)
        key = f"{q['lang']} {q['kind']}"
        n[key] += 1
        if q["kind"] == "structured":
            pred = {c["case_id"] for c in r["cases"]} if r["intent"] not in ("extractive",) else {c["case_id"] for c in r["cases"][:1]}
            gold = set(q["relevant"])
            s = f1(pred, gold)
            stats[key]["exact"] += pred == gold
            stats[key]["F1"] += s
            stats[key]["from graph"] += r["sparql"] is not None
            if s < 1:
                failures.append({"id": q["id"], "text": q["text"], "intent": r["intent"], "expected": sorted(gold), "got": sorted(pred)})
        elif q["kind"] == "lookup":
            ok = any(_squash(a) in _squash(r["answer"]) for a in q.get("answer", q.get("values", [])))
            stats[key]["contains fact"] += ok
            stats[key]["right case"] += bool(r["cases"]) and r["cases"][0]["case_id"] in q["relevant"]
            if not ok:
                failures.append({"id": q["id"], "text": q["text"], "intent": r["intent"], "expected": q.get("answer", q.get("values")),
                                 "got": r["answer"][:160]})
        elif q["kind"] == "unanswerable":
            stats[key]["recognised"] += not r["answered"]
            if r["answered"]:
                failures.append({"id": q["id"], "text": q["text"], "intent": r["intent"], "expected": "unanswerable",
                                 "got": r["answer"][:120]})
        if q["kind"] != "unanswerable":
            answerable_total += 1
            if not r["answered"]:
                refused_answerable.append(q["id"])
    for q in search_questions:
        if q["kind"] in ("lookup", "topic"):
            answerable_total += 1
            r = answerer.ask(q["text"])
            if not r["answered"]:
                refused_answerable.append(q["id"])
            if q["kind"] == "lookup" and q.get("answer"):
                key = f"{q['lang']} lookup (search set)"
                n[key] += 1
                ok = any(_squash(a) in _squash(r["answer"]) for a in q["answer"])
                stats[key]["contains fact"] += ok
                stats[key]["right case"] += bool(r["cases"]) and r["cases"][0]["case_id"] in q["relevant"]
                if not ok:
                    failures.append({"id": q["id"], "text": q["text"], "intent": r["intent"], "expected": q["answer"],
                                     "got": r["answer"][:160]})
    slices = {k: {m: v / n[k] for m, v in ms.items()} for k, ms in stats.items()}
    latencies.sort()
    return {"slices": slices, "counts": dict(n), "failures": failures,
            "wrongly_refused": {"count": len(refused_answerable), "of": answerable_total, "ids": refused_answerable},
            "latency_ms": {"p50": 1000 * latencies[len(latencies) // 2], "max": 1000 * latencies[-1]}}


def format_report(res: dict) -> str:
    lines = ["\nquestion answering"]
    for k in sorted(res["slices"]):
        ms = "  ".join(f"{m} {v:.3f}" for m, v in res["slices"][k].items())
        lines.append(f"  {k:18} (n={res['counts'][k]:2})  {ms}")
    w = res["wrongly_refused"]
    lines.append(f"  answerable questions wrongly refused: {w['count']}/{w['of']} ({w['count'] / max(1, w['of']):.1%})"
                 + (f" — {', '.join(w['ids'])}" if w["ids"] else ""))
    lines.append(f"  latency (single process, cold cache included): p50 {res['latency_ms']['p50']:.0f} ms, max {res['latency_ms']['max']:.0f} ms")
    if res["failures"]:
        lines.append(f"\n  questions not answered as expected ({len(res['failures'])}):")
        for f in res["failures"]:
            lines.append(f"    {f['id']} [{f['intent']}] {f['text']}\n        expected {f['expected']}  got {f['got']}")
    return "\n".join(lines)


def run_cli(args, settings) -> int:
    from climatekg.config import ROOT

    from .answer import Answerer

    a = Answerer.load(settings)
    res = evaluate(a, load_questions(ROOT / "data" / "eval" / "ask_questions.toml"),
                   load_questions(ROOT / "data" / "eval" / "search_questions.toml"))
    if getattr(args, "json", False):
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        print(format_report(res))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
