"""The subjects of a comparison named by their projects, not their companies: "甲公司的示范区、乙园区、丙基地，年发电量
从高到低排一下", "which generates more: the stations on X's campus or Y's park".

Each coordinated stretch of the question (``intents.items``) that links something of the graph (a company, a place, a
technology) names one case: the own case of the company it names when that is one; else the case a search for the
stretch's words ranks first (among that company's cases, when it names a company with several: "State Grid Hangzhou
Yuhang" is the Yuhang case, not the Xuzhou one). What is compared is then what the question names outside its subjects:
an indicator named inside a subject ("…牧场", "…stations") describes the subject, not the measure.
"""

from __future__ import annotations

import dataclasses
import re

from .intents import Question, items

LINKING = ("org", "place", "technology")
# where the stretch that asks the question starts asking ("B谁更大", "按充电桩数量从多到少排", "which reports …"): a
# subject named there comes before these words
ASKING = r"谁|哪|按|怎么|从(?:大|多|高|小|少|低)到|比较|对比|\b(?:which|whose|what|how|who|rank|compare)\b"


def _case_of(answerer, q: Question, a: int, b: int, asking: bool = False) -> str | None:
    inside = [m for m in q.mentions if a <= m.start and m.end <= b and m.entity["kind"] in LINKING]
    own = list(dict.fromkeys(c for m in inside if m.entity["kind"] == "org"
                             for c, n in m.entity["cases"].items() if n >= 10))
    if len(own) == 1:
        return own[0]
    if not inside or asking:
        return None
    ranked = [r["case_id"] for r in answerer.engine.search(q.text[a:b], k=5, passages=0, legs=("lexical", "entity"))["results"]]
    if own:
        ranked = [c for c in ranked if c in own]
    return ranked[0] if ranked else None


def resolve(answerer, q: Question) -> Question:
    """``q`` with the cases its coordinated subjects name (``Question.subjects``) when it compares two or more that
    name different cases and say more than the companies it names; unchanged otherwise."""
    if not q.comparative or q.within or q.subjects:
        return q
    found: dict[str, tuple[int, int]] = {}
    for a, b in items(q.text):
        # the stretch that asks ("按充电桩数量排", "Rank Danone by …"): only a company named there is a subject
        asking = re.search(ASKING, q.text[a:b], re.I) is not None
        cid = _case_of(answerer, q, a, b, asking)
        if cid is None:
            continue
        if cid in found:  # two stretches naming one case: not a comparison of cases
            return q
        found[cid] = (a, b)
    if len(found) < max(2, len(q.named_cases)) or set(found) <= set(q.named_cases):
        return q  # the companies it names say as much
    spans = list(found.values())
    inside = lambda t: any(s <= t.start and t.end <= e for s, e in spans)  # noqa: E731
    named = answerer.lexicon.find(q.text, ("indicator",))
    outside = []
    for m in reversed(named):
        if not inside(m) and all(t is not m.term for t in outside):
            outside.append(m.term)
    if outside:
        terms = outside
    else:  # only words of the subjects named an indicator: the measure is unnamed (the sentences say what it is)
        terms = [] if named else list(q.indicator_terms)
    return dataclasses.replace(q, subjects=list(found), subject_spans=found, indicator_terms=terms,
                               indicator_term=terms[0] if terms else None,
                               indicator=terms[0].code if terms else None, asks_amount=True)
