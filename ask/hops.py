"""Two-hop questions: a relation followed from what a question names to another organisation, then what is asked of it.

* ``follow_property``: "<company>'s shareholder / parent … <a fact>" — the graph's value of the organisation
  property the question names (through its labels, so any property the ontology declares with labels works) is
  an organisation with a case of its own; the question is asked again of that organisation (its name in place of
  "<company>'s <property>"), and the answer says the first hop with its evidence before the second.
* ``follow_bridge``: an answer quoted from one case names another organisation (a partner, an association, an
  issuer); when the question asks what that organisation *also* did or with whom *else* ("还", "另", "also",
  "other"), the sentences of the few other cases that name it are cited as well — the relation followed across cases.
"""

from __future__ import annotations

import re

# the question asks beyond the first case: what the organisation it reaches also did, or who else
FURTHER = r"还|又|另|也|同样|其他|其它|别的|\b(also|other|another|else|too|as well|same|likewise)\b"
# … and what it asks for is another company or case ("哪家平台", "which other company"), not another fact of the first
ASKS_COMPANY = r"哪(家|个企业|个公司|个案例|些企业|些公司|些案例|个平台|个机构)|\b(which|what) (other |another )?(compan|firm|case|platform|bank|brand|business|organi[sz]ation)|who else"
MAX_GAP_ZH, MAX_GAP_EN = 3, 3  # characters / words between the company and the property ("X 的 股东", "X's major shareholder")
RARE = 3.0  # idf (natural log) of a word in fewer than one sentence in twenty: says what a sentence is about
MAX_BRIDGE_CASES = 3  # an organisation named in more cases than this is no specific bridge (a ministry, a standard body)


def own_cases(entity: dict) -> list[str]:
    return [c for c, n in entity.get("cases", {}).items() if n >= 10]


def _span(q, answerer, org: dict) -> tuple[int, int] | None:
    """Where "<company>'s <property>" is written: the company's mention and the property's label, close together."""
    orgs = [(m.start, m.end) for m in q.mentions if m.entity["id"] == org["id"]]
    props = [(m.start, m.end) for m in answerer.lexicon.find(q.text) if m.term.iri == q.prop.iri]
    best = None
    for o in orgs:
        for p in props:
            a, b = (o, p) if o[0] <= p[0] else (p, o)
            gap = q.text[a[1]:b[0]]
            if (len(gap.strip()) <= MAX_GAP_ZH if q.lang == "zh" else len(gap.split()) <= MAX_GAP_EN) \
                    and not re.search(r"[，,。？?；;]", gap):
                span = (a[0], b[1])
                if best is None or span[1] - span[0] < best[1] - best[0]:
                    best = span
    return best


def follow_property(answerer, q) -> dict | None:
    """"<company>'s <property> … <a fact>": the organisation the property leads to, then the fact asked of it."""
    org, prop = q.orgs[0], q.prop
    span = _span(q, answerer, org)
    if span is None:
        return None
    rows = answerer.query(f"""SELECT ?value ?quote ?line WHERE {{
  <{org['iri']}> <{prop.iri}> ?value .
  OPTIONAL {{ ?e rdf:subject <{org['iri']}> ; rdf:predicate <{prop.iri}> ; rdf:object ?value ; ckg:quote ?quote ; ckg:startLine ?line }}
}}""").dicts()
    linked = [(r, answerer.engine.entity_by_iri.get(r["value"])) for r in rows]
    linked = [(r, e) for r, e in linked if e is not None and own_cases(e)]
    if not linked:
        return None  # the graph does not say, or the organisation has no case of its own: answered as before
    row, target = linked[0]
    zh = q.lang == "zh"
    name = target["zh"] if zh else target["en"]
    second = answerer.ask(q.text[:span[0]] + name + q.text[span[1]:], hops=0)
    if not second.get("answered") or not set(own_cases(target)) & {c["case_id"] for c in second["cases"]}:
        return None
    home = own_cases(org)[:1] or list(org["cases"])[:1]
    citations = []
    if row.get("quote") and home:
        citations.append(answerer._cite(home[0], row["quote"], row["line"]))
    what = prop.label(q.lang)
    lead = (f"{org['zh']}的{what}是{target['zh']}（{own_cases(target)[0]}）。" if zh else
            f"The {what} of {org['en']} is {target['en']} ({own_cases(target)[0]}). ")
    cases = [answerer._case_ref(c) for c in home] + [c for c in second["cases"] if c["case_id"] not in home]
    return {**second, "query": q.text, "answer": lead + second["answer"], "cases": cases,
            "citations": citations + second.get("citations", []), "intent": "two_hop"}


def follow_bridge(answerer, q, res: dict) -> dict:
    """An extractive answer whose sentence names another organisation, to a question that asks beyond it: the other
    cases that name that organisation, each with its best sentence naming it, are cited too."""
    if not res.get("answered") or res.get("intent") != "extractive" or not res.get("citations") \
            or not re.search(FURTHER, q.text, re.I) or not any(m.entity["kind"] == "org" for m in q.mentions):
        return res
    first = res["citations"][0]
    here, sentence = first["case_id"], re.sub(r"\s", "", first["quote"])
    asked = {m.entity["id"] for m in q.mentions if m.entity["kind"] == "org"}
    bridges = []
    for e in answerer.engine.entities:
        if e["kind"] != "org" or e["id"] in asked or e.get("cases", {}).get(here, 0) >= 10:
            continue  # the question's own companies and the case's own organisation are no bridge
        if not any(len(x) >= 3 and x in sentence for x in e.get("labels_zh", [])):
            continue
        others = [c for c in e.get("cases", {}) if c != here]
        if 1 <= len(others) <= MAX_BRIDGE_CASES:
            bridges.append((e, others))
    if not bridges:
        return res
    asks_company = re.search(ASKS_COMPANY, q.text, re.I) is not None
    named = set(q.named_cases) - {here}  # a company the question names whose case the answer does not cite yet
    rows, _ = answerer.engine.sentences()
    # what the question asks about, weighted by rarity in the collection (a word most sentences have says nothing)
    asked = answerer.selector.asked(q.query).fit([r["text"] for r in rows])
    rare = [u for u, w in zip(asked.units, asked.weights) if w >= RARE]
    zh = q.lang == "zh"
    added, notes = [], []
    for e, others in bridges[:2]:
        labels = [x for x in e.get("labels_zh", []) if len(x) >= 3]
        for cid in others:
            if cid not in named and not asks_company:
                continue
            best = answerer.engine.best_sentence(cid, labels, q.query.vector)
            if best is None:
                continue
            # the sentence there must say something the question asks about besides the organisation's name
            rest = "".join(best["text"].split())
            for x in labels:
                rest = rest.replace(x, "")
            if cid not in named and not any(f in rest for u in rare for f in u if f not in labels and len(f) >= 2):
                continue
            added.append(answerer._cite_sentence(best))
            company = answerer._company(cid, q.lang)
            notes.append(f"{e['zh']}也见于{company}案例（{cid}，第{best['start_line']}行）：“{best['text']}”" if zh else
                         f"{e['en']} also appears in the {company} case ({cid}, line {best['start_line']}), in Chinese: “{best['text']}”")
    if not added:
        return res
    sep = "" if zh else " "
    cited = {c["case_id"] for c in added}
    return {**res, "answer": res["answer"] + sep + sep.join(notes),
            "citations": res["citations"] + added,
            "cases": res["cases"][:1] + [answerer._case_ref(c) for c in dict.fromkeys(c["case_id"] for c in added)] +
            [c for c in res["cases"][1:] if c["case_id"] not in cited],
            "intent": "two_hop"}


# a company the question names by what it did, not by its name ("推出X的公司", "the company that built X")
DESCRIBED = (r"的(?:那家|这家|那个)?(?:公司|企业|集团|供电公司|银行|平台)|\bthe (?:\w+[- ])?(?:company|firm|group|bank|utility|"
             r"maker|manufacturer|operator|platform)\s+(?:that|which|who|behind|whose)\b")


def follow_description(answerer, q) -> dict | None:
    """"<the company that did X> — when was it founded, where is it listed": the company is the organisation of the
    case the search ranks first for the question; its founding and listing are the graph's (``Answerer.attribute``),
    each asked one after the other when the question asks both."""
    import dataclasses

    from .intents import FOUNDED, LISTED

    asks = [a for a, rx in (("founded", FOUNDED), ("listed", LISTED)) if re.search(rx, q.text, re.I)]
    if q.kind is not None or q.orgs or not asks or not re.search(DESCRIBED, q.text, re.I):
        return None
    results = answerer.engine.search(q.query, k=1)["results"]
    if not results:
        return None
    cid = results[0]["case_id"]
    own = answerer.query(f'SELECT ?org WHERE {{ ?c ckg:caseId "{cid}" ; ckg:organisation ?org }}').dicts()
    org = next((answerer.engine.entity_by_iri.get(r["org"]) for r in own if answerer.engine.entity_by_iri.get(r["org"])), None)
    if org is None:
        return None
    parts = [answerer.attribute(dataclasses.replace(q, orgs=[org], kind="attribute", attribute=a)) for a in asks]
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    zh = q.lang == "zh"
    lead = (f"这家公司是{org['zh']}（{cid}）。" if zh else f"The company is {org['en']} ({cid}). ")
    sep = "" if zh else " "
    return {**parts[0], "query": q.text, "answer": lead + sep.join(p["answer"] for p in parts),
            "citations": [c for p in parts for c in p["citations"]], "intent": "two_hop"}
