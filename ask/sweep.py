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
    form that ends as the preferred label does (电动汽车 for 新能源汽车) is a synonym, not something narrower — when
    one of the forms is a synonym, the words name the technology and none is narrower."""
    head = entity.get("zh", "")[-1:]
    if any(f[-1:] == head for f in forms):
        return []  # the words read as well as the technology itself ("solar PV": 太阳能光伏): it is what is asked
    return forms


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


# -- a list or count of a thing the graph has no concept for ------------------------------------------------------
# words of a list question that say what the cases do with the thing asked about (report it, mention it), not what
# it is: never a unit the text must write
REPORTING = (r"提到|提及|涉及|披露|写明|报告|给出|说明|案例集|\b(?:mention|feature|report|disclose|describe|state|include|"
             r"involve|show|give|contain|express)\w*")
# two words joined by "or" (or the second in brackets after the first: "制定（编制）") are alternatives: one unit
ALTERNATIVE = re.compile(r"^\s*(?:或者|或是|或|及|/|、|\bor\b|\band/or\b)\s*$|^\s*[（(]\s*$", re.I)
SHARE = 2 / 3  # a sentence states the thing when it holds this share (by rarity) of the distinctive words
HALF = 1 / 2  # … or this share, in a case that writes all of them
DISTINCT = 0.5  # a word written in more than this share of the cases says nothing about which case is meant


# the words that ask for a count ("几家", "多少个案例"): only those — what lies between them and the noun counted
# ("几家做机器人的企业") is the thing
COUNTING = r"(?:多少|几)(?:个|家|项)?(?:企业|公司|银行|案例|项目)?"


def thing_units(answerer, q) -> list[tuple[str, ...]]:
    """What a list or count question is about beyond its grammar, as units of Chinese forms (any one is a hit): a
    Chinese question's content words, an English question's content words as the dictionary renders them (forms of
    two or more characters). Alternatives ("A或B", "A or B", "A（B）") are one unit."""
    from . import intents, select

    text = q.text
    covered = [(m.start, m.end) for m in q.mentions] + answerer.grammar_spans(text) + \
        [m.span() for p in (COUNTING, intents.TARGET, intents.ONE_OF, REPORTING) for m in re.finditer(p, text, re.I)]
    if q.lang == "zh":
        covered += [m.span() for m in select.ZH_ASKING.finditer(text)]
    inside = lambda a, b: any(s < b and a < e for s, e in covered)  # noqa: E731
    words: list[tuple[int, int, tuple[str, ...]]] = []
    if q.lang == "zh":
        for start, w in answerer._tagged_at(text):
            end = start + len(w.word)
            if start >= 0 and len(w.word) >= 2 and re.search(r"[\u4e00-\u9fff]", w.word) and not inside(start, end) \
                    and w.flag.startswith(("n", "v", "j", "a", "l", "i")):
                words.append((start, end, (w.word,)))
    else:
        glossary = answerer.selector.glossary
        for m in re.finditer(r"[A-Za-z][A-Za-z-]{2,}", text):
            w = m.group(0).lower()
            if not glossary or w in glossary.STOP_WORDS or inside(m.start(), m.end()):
                continue
            forms = tuple(f for f in glossary.zh(w) if len(f) >= 2)
            if forms:
                words.append((m.start(), m.end(), forms))
    units: list[tuple[int, int, tuple[str, ...]]] = []
    for start, end, forms in words:
        if units and ALTERNATIVE.match(text[units[-1][1]:start]):
            s0, _, prev = units[-1]
            units[-1] = (s0, end, tuple(dict.fromkeys(prev + forms)))
        else:
            units.append((start, end, forms))
    return list(dict.fromkeys(u for _, _, u in units))


def concept_in_text(answerer, q) -> tuple[list[str], dict[str, dict]] | None:
    """(the forms written, {case: the sentence that writes them}) for a list or count whose thing nothing in the graph
    links: the cases with a sentence that holds most (by rarity) of the question's distinctive words — those written
    in at most half the cases. None when the question has no distinctive word, or the text names it in more than
    half the cases (no narrower set than the graph's)."""
    import math

    cases = list(answerer.engine.case_by_id)
    units = []
    for u in thing_units(answerer, q):
        df = sum(1 for c in cases if any(f in answerer.case_text(c) for f in u))
        if 0 < df <= DISTINCT * len(cases):
            units.append((u, math.log((len(cases) + 1) / (df + 0.5))))
    if not units:
        return None
    total = sum(w for _, w in units)
    # a case that writes every distinctive word somewhere needs a sentence with only half of them
    whole = {c for c in cases if all(any(f in answerer.case_text(c) for f in u) for u, _ in units)}
    rows, vecs = answerer.engine.sentences()
    best: dict[str, tuple[float, float, int]] = {}
    for i, r in enumerate(rows):
        text = _squash(r["text"])
        got = sum(w for u, w in units if any(f in text for f in u))
        if got >= (HALF if r["case_id"] in whole else SHARE) * total - 1e-9 and got > 0:
            sim = float(vecs[r["vec"]] @ q.query.vector)
            if r["case_id"] not in best or (got, sim) > best[r["case_id"]]:
                best[r["case_id"]] = (got, sim, i)
    if not best or len(best) > DISTINCT * len(cases):
        return None
    evidence = {c: rows[best[c][2]] for c in cases if c in best}
    forms = list(dict.fromkeys(f for u, _ in units for f in u if any(f in _squash(e["text"]) for e in evidence.values())))
    return forms, evidence


# the question asks what the companies are, or where the cases come from ("来自乳业企业的案例", "cases from dairy companies")
WHAT_THEY_ARE = r"来自|出自|属于|\bfrom\b|\b(?:are|is)\b"


def industry_words(answerer, q) -> list[str]:
    """The question's words that the organisations' stated industries write ("乳制品或奶牛养殖", "dairy"), when it asks
    what the companies are or where the cases come from; empty when none do, or when they fit half the cases or more
    (no narrower set than every case)."""
    if not re.search(WHAT_THEY_ARE, q.text, re.I):
        return []
    industries = answerer.industries()
    hit, words = set(), []
    units = thing_units(answerer, q)
    if q.lang == "en":  # the English words themselves, against the English industry labels
        glossary = answerer.selector.glossary
        units += [(m.group(0).lower(),) for m in re.finditer(r"[A-Za-z][A-Za-z-]{2,}", q.text)
                  if not glossary or m.group(0).lower() not in glossary.STOP_WORDS]
    for u in units:
        cases = {c for c, ind in industries.items() for f in u if f in ind}
        if cases:
            hit |= cases
            words += [f for f in u if any(f in ind for ind in industries.values())]
    if not hit or len(hit) >= DISTINCT * len(answerer.engine.case_by_id):
        return []
    return list(dict.fromkeys(words))
