"""The cases as JSON: ``GET /api/cases`` and ``GET /api/cases/<case_id>``.

The text (seven parts, paragraphs with their source lines) and the bilingual
metadata come from the parsed collection (``get_cases()``); the graph facts —
quantified outcomes and linked entities with their evidence — come from the
built graph through the store (``get_store()``), so the API shows exactly what
SPARQL sees.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from climatekg.corpus.model import PART_EN, PART_KEYS, PART_ZH
from climatekg.graph.build import Iris
from climatekg.graph.namespace import ONTOLOGY_IRI

from .params import check_params
from .deref import graph_base, local_path
from .errors import NotFound
from .resources import get_cases, get_store

bp = Blueprint("cases", __name__)

# ckg:<predicate> of a case link → the key it is listed under
LINK_KINDS = {
    "usesTechnology": "technologies",
    "locatedIn": "places",
    "partner": "partners",
    "recognition": "recognitions",
    "refersToStandard": "standards",
    "mentionsYear": "years",
}


def find_case(case_id: str):
    """The parsed case, or a 404 that names the valid ids."""
    coll = get_cases()["collection"]
    ids = [c.id for c in coll.cases]
    if case_id not in ids:
        shown = case_id if len(case_id) <= 40 else case_id[:40] + "…"
        raise NotFound(f"unknown case {shown!r}; valid ids are {ids[0]} … {ids[-1]}", detail={"valid_ids": ids})
    return coll.case(case_id)


def _company(meta, case) -> dict:
    org = meta.orgs[meta.cases[case.id].org]
    return {"id": org.id, "zh": org.short_zh, "en": org.short_en, "full_zh": org.name_zh, "full_en": org.name_en,
            "as_printed": case.company, "line": case.company_line}


def _summary(case, meta, iris: Iris) -> dict:
    cm = meta.cases[case.id]
    sec = meta.sections[cm.section]
    org = meta.orgs[cm.org]
    iri = str(iris.case(case.id))
    return {
        "id": case.id, "number": case.number, "iri": iri,
        "title_zh": case.title, "title_en": cm.title_en,
        "company_zh": org.short_zh, "company_en": org.short_en,
        "company_full_zh": org.name_zh, "company_full_en": org.name_en,
        "section": {"id": sec.id, "zh": sec.zh, "en": sec.en},
        "summary_en": cm.summary_en,
        "urls": {"self": f"/api/cases/{case.id}", "similar": f"/api/cases/{case.id}/similar",
                  "page": local_path(iri)},
    }


# -- graph facts -----------------------------------------------------------------------------------

def _part_of(part_iri: str | None) -> dict:
    key = part_iri.rsplit("/", 1)[-1] if part_iri else None
    return {"part": key, "part_zh": PART_ZH.get(key), "part_en": PART_EN.get(key)}


def _val(row: dict, name: str):
    t = row.get(name)
    return None if t is None else t.value


def _rows(res) -> list[dict]:
    return [dict(zip(res.variables, row)) for row in res.rows]


def outcomes(store, case_iri: str) -> list[dict]:
    """The case's quantified outcomes, as /api/outcomes?case=… gives them (graph/outcomes.py)."""
    from climatekg.graph.outcomes import OutcomeFilters, Term, query_outcomes

    case = Term(case_iri, case_iri.rsplit("/", 1)[-1])
    return query_outcomes(store, OutcomeFilters(cases=(case,))).outcomes


def links(store, case_iri: str) -> dict[str, list[dict]]:
    res = store.query(f"""
        SELECT ?ev ?pred ?obj ?zh ?en ?count ?quote ?start ?end ?part WHERE {{
          ?ev a ckg:Evidence ; rdf:subject <{case_iri}> ; rdf:predicate ?pred ; rdf:object ?obj ;
              ckg:quote ?quote ; ckg:startLine ?start ; ckg:endLine ?end ; ckg:inPart ?part .
          OPTIONAL {{ ?ev ckg:mentionCount ?count }}
          OPTIONAL {{ ?obj skos:prefLabel|rdfs:label ?zh FILTER(lang(?zh) = "zh") }}
          OPTIONAL {{ ?obj skos:prefLabel|rdfs:label ?en FILTER(lang(?en) = "en") }}
        }} ORDER BY ?start ?ev""")
    out: dict[str, list[dict]] = {kind: [] for kind in LINK_KINDS.values()}
    seen = set()
    for r in _rows(res):
        ev = _val(r, "ev")
        pred = _val(r, "pred")
        if ev in seen or not pred.startswith(ONTOLOGY_IRI) or pred[len(ONTOLOGY_IRI):] not in LINK_KINDS:
            continue
        seen.add(ev)
        kind = LINK_KINDS[pred[len(ONTOLOGY_IRI):]]
        obj = r["obj"]
        evidence = {"iri": ev, "quote": _val(r, "quote"), "start_line": int(_val(r, "start")),
                    "end_line": int(_val(r, "end")), "mention_count": int(_val(r, "count") or 1),
                    **_part_of(_val(r, "part"))}
        if obj.kind == "uri":
            item = {"id": obj.value.rsplit("/", 1)[-1], "iri": obj.value, "zh": _val(r, "zh"), "en": _val(r, "en")}
        else:  # a year: an xsd:gYear literal, not a resource
            item = {"id": obj.value, "iri": None, "year": int(obj.value), "zh": f"{obj.value}年", "en": obj.value}
        item["evidence"] = evidence
        out[kind].append(item)
    return out


def section_evidence(store, case_iri: str) -> tuple[bool | None, str | None]:
    res = store.query(f"SELECT ?inf ?ev WHERE {{ <{case_iri}> ckg:sectionInferred ?inf ; ckg:sectionEvidence ?ev }}")
    if not res.rows:
        return None, None
    r = _rows(res)[0]
    return _val(r, "inf") == "true", _val(r, "ev")


def case_detail(case_id: str) -> dict:
    case = find_case(case_id)
    data = get_cases()
    meta = data["metadata"]
    cm = meta.cases[case.id]
    sec = meta.sections[cm.section]
    iris = Iris(graph_base())
    case_iri = str(iris.case(case.id))
    store = get_store()
    inferred, evidence = section_evidence(store, case_iri)

    parts, n = [], 0
    for key in PART_KEYS:
        part = case.parts[key]
        paras = []
        for para in part.paragraphs:
            n += 1
            paras.append({"n": n, "iri": str(iris.para(case.id, n)), "text": para.text,
                          "start_line": para.start_line, "end_line": para.end_line})
        parts.append({"key": key, "heading_zh": PART_ZH[key], "heading_en": PART_EN[key],
                      "iri": str(iris.part(case.id, key)), "start_line": part.heading_line, "end_line": part.end_line,
                      "paragraphs": paras})

    found = outcomes(store, case_iri)
    linked = links(store, case_iri)
    return {
        "id": case.id, "number": case.number, "iri": case_iri,
        "title": {"zh": case.title, "en": cm.title_en, "lines": list(case.title_lines)},
        "company": _company(meta, case),
        "section": {"id": sec.id, "number": sec.number, "zh": sec.zh, "en": sec.en, "iri": str(iris.section(sec.id)),
                    "inferred": inferred, "evidence": evidence, "name_inferred": sec.inferred},
        "summary": {"zh": cm.summary_zh or None, "en": cm.summary_en},
        "keywords": {"zh": [], "en": list(cm.keywords_en)},
        "start_line": case.start_line, "end_line": case.end_line,
        "parts": parts,
        "outcomes": found,
        "links": linked,
        "counts": {"paragraphs": n, "outcomes": len(found), **{k: len(v) for k, v in linked.items()}},
        "urls": {"self": f"/api/cases/{case.id}", "similar": f"/api/cases/{case.id}/similar",
                 "page": local_path(case_iri)},
    }


# -- routes ----------------------------------------------------------------------------------------

@bp.get("/api/cases")
def list_cases():
    check_params(())
    data = get_cases()
    iris = Iris(graph_base())
    cases = [_summary(c, data["metadata"], iris) for c in data["collection"].cases]
    return jsonify({"count": len(cases), "cases": cases})


@bp.get("/api/cases/<case_id>")
def get_case(case_id: str):
    check_params(())
    return jsonify(case_detail(case_id))
