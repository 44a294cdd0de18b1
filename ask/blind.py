"""Scoring on the blind question set (data/eval/blind/qa-{dev,test}.jsonl), written from the source text alone.

Every question has a family (``type``): lookup, list, count, compare, two_hop, unanswerable. What is scored:

* **structured** (list, count, compare, two_hop): F1 of the set of cases the answer asserts against the
  expected case set. An answer from the graph asserts the cases of its rows; an answer from the text asserts
  the cases it cites. ``facts`` is the share of the expected figures/names the answer states (same matching
  as for lookups), reported beside F1 for information.
* **lookup** (one fact): the answer *states the expected fact*. An expected item is stated when
  - it is a figure: every number in it appears among the answer's numbers, compared by value after unit
    scalings (万 ×1e4, 亿 ×1e8, 千 ×1e3, 百万 ×1e6, thousand/million/billion) and thousands separators are
    resolved (relative tolerance 0.5 %); units are not compared (t, 吨 and tonnes are the same fact);
  - it is a date (a day or a month of a year, in any of the usual formats: "5 December 2022", "December 5, 2022",
    "Dec. 5 2022", "2022-12-05", "2022/12/5", "2022年12月5日", "December 2022", "2022年12月"): it is stated when the
    answer states the same date in any of those formats (or the item's own text occurs in it) — the format is the
    writer's choice, not part of the fact;
  - it is a name: it occurs in the answer (case, width and whitespace ignored), or any other label of a graph
    entity that carries it as a label occurs (so "TÜV Rheinland" is stated by "TÜV 莱茵" and 蒙牛 by Mengniu);
  - English questions list the English form with the Chinese original or variants as alternatives: one
    suffices. Chinese questions list the facts the answer needs: all must be stated.
  ``right case@1`` is the first case of the answer being an expected case.
* **unanswerable**: recognised when the answer says it cannot answer (``answered`` is false).
* **wrongly refused**: an answerable question (any other family) answered with ``answered`` false.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from .scoring import Tally, f1, format_slices

STRUCTURED = ("list", "count", "compare", "two_hop")
SCALE = {"万": 1e4, "亿": 1e8, "千": 1e3, "百万": 1e6, "千万": 1e7, "万亿": 1e12,
         "thousand": 1e3, "million": 1e6, "billion": 1e9, "mn": 1e6, "bn": 1e9}
NUMBER = re.compile(r"(\d+(?:[,，]\d{3})*(?:\.\d+)?)\s*(万亿|千万|百万|万|亿|千|thousand|million|billion|mn|bn)?", re.I)
CJK = re.compile(r"[\u3400-\u9fff]")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def numbers(text: str) -> list[float]:
    """Every number of a text, scaled by the unit word after it ("3.3 万" → 33000, "1,500" → 1500)."""
    out = []
    for m in NUMBER.finditer(text):
        v = float(re.sub(r"[,，]", "", m.group(1)))
        if m.group(2):
            v *= SCALE[m.group(2).lower()]
        out.append(v)
    return out


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).lower()
    return re.sub(r"[\s\"'“”‘’·.,，、()（）]", "", s)


def _is_figure(item: str) -> bool:
    """An item is a figure when its digits are the point of it (not "Tianning No. 1" or "case 1")."""
    digits = len(re.findall(r"\d", item))
    letters = len(re.findall(r"[A-Za-z\u3400-\u9fff]", re.sub(r"(万亿|千万|百万|万|亿|千|年|月|日|余|约|吨|度|个|亩|MWp?|kWh?|GW|t|m3|m³|Nm3|tCO2e?|h)", "", item, flags=re.I)))
    return digits > 0 and letters <= 1


MONTH_NAMES = {m: i + 1 for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                              "september", "october", "november", "december"))}
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE_FORMS = [  # (pattern, order of its groups: y m d; m is a number or a month name)
    (re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+" + _MON + r",?\s+((?:19|20)\d{2})", re.I), "dmy"),
    (re.compile(_MON + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{2})", re.I), "mdy"),
    (re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"), "ymd"),
    (re.compile(_MON + r",?\s+((?:19|20)\d{2})", re.I), "my"),
    (re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?!\s*\d)"), "ym"),
]


def dates(text: str) -> set[tuple[int, int, int]]:
    """The dates a text states, as (year, month, day; 0 for a month's date), in any of ``DATE_FORMS``."""
    out, taken = set(), []
    for rx, order in DATE_FORMS:
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # part of a fuller date already read ("5 December 2022" holds "December 2022")
            g = dict(zip(order, m.groups()))
            month = int(g["m"]) if g["m"].isdigit() else MONTH_NAMES.get(
                next((k for k in MONTH_NAMES if k.startswith(g["m"].lower().rstrip(".")[:3])), ""), 0)
            day = int(g.get("d") or 0)
            if 1 <= month <= 12 and 0 <= day <= 31:
                out.add((int(g["y"]), month, day))
                taken.append(m.span())
    return out


class Matcher:
    """Does an answer state an expected item? Figures by value, names in either script via the graph's labels."""

    def __init__(self, entities: list[dict] = ()):
        self.alternatives: dict[str, set[str]] = {}
        for e in entities:
            labels = {x for x in list(e.get("labels_zh", [])) + list(e.get("labels_en", [])) + [e.get("zh", ""), e.get("en", "")]
                      if x and len(_norm(x)) >= 2}
            norms = {_norm(x) for x in labels}
            for n in norms:
                self.alternatives.setdefault(n, set()).update(norms)

    def stated(self, item: str, answer: str) -> bool:
        asked = dates(item)
        if asked and asked <= dates(answer):
            return True  # the same date, whatever its format
        if _is_figure(item):
            got = numbers(answer)
            want = numbers(item)
            return bool(want) and all(any(abs(g - w) <= 0.005 * max(abs(w), 1e-9) for g in got) for w in want)
        a = _norm(answer)
        n = _norm(item)
        if n and n in a:
            return True
        return any(alt in a for alt in self.alternatives.get(n, ()) if len(alt) >= 2)

    def lookup_ok(self, q: dict, answer: str) -> bool:
        items = [x for x in q.get("expected", []) if x.strip()]
        if not items:
            return False
        if q["lang"] == "en":
            return any(self.stated(x, answer) for x in items)
        return all(self.stated(x, answer) for x in items)

    def facts(self, q: dict, answer: str) -> float:
        items = [x for x in q.get("expected", []) if x.strip()]
        if not items:
            return 1.0
        return sum(self.stated(x, answer) for x in items) / len(items)



def asserted_cases(r: dict) -> list[str]:
    """The cases an answer asserts: its result cases when it came from the graph, else the cases it cites."""
    if r.get("sparql"):
        return [c["case_id"] for c in r["cases"]]
    cited = list(dict.fromkeys(c["case_id"] for c in r.get("citations", [])))
    return cited or [c["case_id"] for c in r["cases"][:1]]


def _text(r: dict) -> str:
    """What the reader sees: the answer, plus the figures and names of the rows it shows."""
    out = [r.get("answer", "")]
    rows = r.get("rows") or {}
    for row in rows.get("rows", []) if isinstance(rows, dict) else []:
        out.append(" ".join(str(x) for x in row if x is not None))
    return "\n".join(out)


def evaluate(answerer, questions: list[dict], entities: list[dict] = ()) -> dict:
    m = Matcher(entities)
    t = Tally()
    for q in questions:
        r = t.ask(answerer, q["question"])
        fam = "structured" if q["type"] in STRUCTURED else q["type"]
        key = f"{q['lang']} {fam}"
        t.count(key)
        gold = {f"case-{c:02d}" for c in q["cases"]}
        text = _text(r)
        why = None
        if q["type"] == "unanswerable":
            t.add(key, "recognised", not r["answered"])
            if r["answered"]:
                why = "answered an unanswerable question"
        else:
            t.add(key, "wrongly refused", not r["answered"])
            if fam == "structured":
                pred = set(asserted_cases(r))
                s = f1(pred, gold)
                t.add(key, "F1", s)
                t.add(key, "facts", m.facts(q, text))
                if s < 1:
                    why = f"cases {sorted(pred)} vs {sorted(gold)}"
            else:
                ok = r["answered"] and m.lookup_ok(q, text)
                t.add(key, "states fact", ok)
                top = asserted_cases(r)[:1]
                t.add(key, "right case@1", bool(top) and top[0] in gold)
                if not ok:
                    why = f"expected {q['expected']}" + ("" if not top or top[0] in gold else f"; cited {top[0]} not {sorted(gold)}")
        if why:
            t.failures.append({"id": q["id"], "lang": q["lang"], "type": q["type"], "question": q["question"],
                               "intent": r.get("intent"), "why": why, "answer": r["answer"][:220]})
    return t.result()


def format_report(res: dict, name: str, show_failures: bool = True) -> str:
    lines = [f"\nblind question set: {name}"]
    lines += format_slices(res)
    lines.append(f"  latency (one process): p50 {res['latency_ms']['p50']:.0f} ms, max {res['latency_ms']['max']:.0f} ms")
    if show_failures and res["failures"]:
        lines.append(f"\n  not answered as expected ({len(res['failures'])}):")
        for f in res["failures"]:
            lines.append(f"    {f['id']} {f['lang']} {f['type']} [{f['intent']}] {f['question']}\n"
                         f"        {f['why']}\n        got: {f['answer']}")
    return "\n".join(lines)
