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

from climatekg.embeddings.evaluate import load_questions

from .scoring import Tally, f1, format_slices


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s).replace(",", "")


def _contains(answer: str, expected: list[str]) -> bool:
    return any(_squash(a) in _squash(answer) for a in expected)


def evaluate(answerer, ask_questions: list[dict], search_questions: list[dict] = ()) -> dict:
    t = Tally()
    refused_answerable = []
    answerable_total = 0
    for q in ask_questions:
        r = t.ask(answerer, q["text"])
        key = f"{q['lang']} {q['kind']}"
        t.count(key)
        if q["kind"] == "structured":
            pred = {c["case_id"] for c in r["cases"]} if r["intent"] not in ("extractive",) else {c["case_id"] for c in r["cases"][:1]}
            gold = set(q["relevant"])
            s = f1(pred, gold)
            t.add(key, "exact", pred == gold)
            t.add(key, "F1", s)
            t.add(key, "from graph", r["sparql"] is not None)
            if s < 1:
                t.failures.append({"id": q["id"], "text": q["text"], "intent": r["intent"], "expected": sorted(gold), "got": sorted(pred)})
        elif q["kind"] == "lookup":
            expected = q.get("answer", q.get("values", []))
            ok = _contains(r["answer"], expected)
            t.add(key, "contains fact", ok)
            t.add(key, "right case", bool(r["cases"]) and r["cases"][0]["case_id"] in q["relevant"])
            if not ok:
                t.failures.append({"id": q["id"], "text": q["text"], "intent": r["intent"], "expected": expected, "got": r["answer"][:160]})
        elif q["kind"] == "unanswerable":
            t.add(key, "recognised", not r["answered"])
            if r["answered"]:
                t.failures.append({"id": q["id"], "text": q["text"], "intent": r["intent"], "expected": "unanswerable",
                                   "got": r["answer"][:120]})
        if q["kind"] != "unanswerable":
            answerable_total += 1
            if not r["answered"]:
                refused_answerable.append(q["id"])
    for q in search_questions:
        if q["kind"] in ("lookup", "topic"):
            answerable_total += 1
            r = t.ask(answerer, q["text"])
            if not r["answered"]:
                refused_answerable.append(q["id"])
            if q["kind"] == "lookup" and q.get("answer"):
                key = f"{q['lang']} lookup (search set)"
                t.count(key)
                ok = _contains(r["answer"], q["answer"])
                t.add(key, "contains fact", ok)
                t.add(key, "right case", bool(r["cases"]) and r["cases"][0]["case_id"] in q["relevant"])
                if not ok:
                    t.failures.append({"id": q["id"], "text": q["text"], "intent": r["intent"], "expected": q["answer"],
                                       "got": r["answer"][:160]})
    return t.result(wrongly_refused={"count": len(refused_answerable), "of": answerable_total, "ids": refused_answerable})


def format_report(res: dict) -> str:
    lines = ["\nquestion answering"] + format_slices(res, digits=3)
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
