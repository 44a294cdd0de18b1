"""Text-backed constraints of a list or count: what the question names more narrowly than the graph's class.

A technology is linked through all its labels, so a question about one thing a broad technology covers
("solar street lights", "灯塔工厂") links the whole technology — and a list of the cases that use *it* answers
another question. When the words the question links are an alternative label of the technology (not its
preferred label) and the collection's text writes them in far fewer cases than the technology is linked to, the
constraint becomes the text: the cases whose text contains those words (their Chinese forms — for an English
question, the technology's Chinese labels that hold the dictionary's renderings of its words), each answered with
the sentence that says it, marked as found in the text.
"""

from __future__ import annotations

import re

BROAD = 4  # a technology linked to fewer cases is no broad class a narrower thing hides in
NARROWER = 0.5  # the text names it in at most this share of the cases the technology is linked to: a narrower thing


def _squash(s: str) -> str:
    return re.sub(r"\s", "", s)


def _name_key(s: str) -> str:
    """A name without case, spacing, hyphens and plural endings ("Electric vehicles" = "electric-vehicle")."""
    words = re.findall(r"[a-z0-9]+|[^\sa-z0-9-]", s.lower())
    return "".join(re.sub(r"(?<=[a-z]{3})s$", "", re.sub(r"(?<=[a-z]{2})ies$", "y", w)) for w in words)


def chinese_forms(answerer, mention) -> list[str]:
    """The Chinese forms of what a technology mention says when it is one of the technology's alternative labels:
    the words themselves (zh), or its Chinese labels that hold a rendering of most of its English words (en)."""
    e, said = mention.entity, _squash(mention.label)
    if _name_key(mention.label) in {_name_key(e.get("zh", "")), _name_key(e.get("en", ""))}:
        return []  # the technology's own name: the question asks about the technology
    if re.search(r"[\u4e00-\u9fff]", said):
        return [said]
    glossary = answerer.selector.glossary
    words = [w for w in re.findall(r"[a-z]{3,}", mention.label.lower()) if w not in glossary.STOP_WORDS] if glossary else []
    if not words:
        return []
    scored = []
    for label in e.get("labels_zh", []):
        hits = sum(any(f in label for f in glossary.zh(w)) for w in words)
        scored.append((hits, label))
    best = max((h for h, _ in scored), default=0)
    if best == 0 or best * 2 < len(words):
        return []
    return [label for h, label in scored if h == best]


def narrower(forms: list[str], entity: dict) -> list[str]:
    """The forms that name another kind of thing than the technology: Chinese compounds end in their head, and a
    form that ends as the preferred label does (电动汽车 for 新能源汽车) is a synonym, not something narrower."""
    head = entity.get("zh", "")[-1:]
    return [f for f in forms if f[-1:] != head]


def narrower_in_text(answerer, q) -> tuple[list[str], dict[str, dict]] | None:
    """(the Chinese forms, {case: the sentence that writes one}) when every technology a list or count question
    links is named by words narrower than the technology; None when the graph's technology is what is asked."""
    if q.of_companies:
        return None  # what the companies are (their stated industry), not what they use
    mentions = [m for m in q.mentions if m.entity["kind"] == "technology"
                and any(t["id"] == m.entity["id"] for t in q.technologies)]
    if not mentions or len(q.technologies) != len({m.entity["id"] for m in mentions}):
        return None
    forms: list[str] = []
    linked: set[str] = set()
    for m in mentions:
        f = narrower(chinese_forms(answerer, m), m.entity)
        if not f:
            return None
        forms += f
        linked |= set(m.entity.get("cases", {}))
    forms = list(dict.fromkeys(forms))
    cases = [c for c in answerer.engine.case_by_id if any(f in answerer.case_text(c) for f in forms)]
    if len(linked) < BROAD or not cases or len(cases) > NARROWER * len(linked):
        return None
    evidence = {}
    for cid in cases:
        if (best := answerer.engine.best_sentence(cid, forms, q.query.vector)) is not None:
            evidence[cid] = best
    return forms, evidence
