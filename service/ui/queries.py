"""What the pages read, shared with the JSON API where the API has it.

A case and its outcomes come from ``api_cases`` (``case_detail``, ``outcomes``), similar cases and the facet
values from the search engine — so a page never says more, or less, than the API. What only the pages need
(an entity's description, its cases and outcomes) is read from the graph store here, once per process where
it does not change.
"""

from __future__ import annotations

from flask import current_app, url_for

from climatekg.graph.sparql_text import PREFIX_MAP

from ..api_cases import case_detail
from ..errors import ApiError
from ..resources import get_cases, get_store
from .i18n import pick
from .links import hl_link, id_base, page_for_iri

# the vocabularies' namespaces (fixed whatever ``base_iri``; the minted ids come from ``links.id_base``)
CKG, SKOS, SCHEMA, RDFS = (PREFIX_MAP[p] for p in ("ckg", "skos", "schema", "rdfs"))
RDFS_LABEL, RDF_TYPE = RDFS + "label", PREFIX_MAP["rdf"] + "type"

__all__ = ["case_detail", "case_index", "all_outcomes", "describe_entity", "entity_cases", "entity_outcomes",
           "facet_values", "similar_cases"]


def _cache() -> dict:
    return current_app.extensions.setdefault("climatekg_ui", {})


def _rows(res) -> list[dict]:
    return [dict(zip(res.variables, row)) for row in res.rows]


def _v(row: dict, name: str):
    term = row.get(name)
    return None if term is None else term.value


def case_index() -> dict[str, dict]:
    """Per case id: number, titles, company names and section (from the parsed collection and its metadata)."""
    cache = _cache()
    if "cases" not in cache:
        data = get_cases()
        meta = data["metadata"]
        out = {}
        for c in data["collection"].cases:
            cm = meta.cases[c.id]
            org = meta.orgs[cm.org]
            sec = meta.sections[cm.section]
            out[c.id] = {"id": c.id, "number": c.number, "title_zh": c.title, "title_en": cm.title_en,
                         "company_zh": org.short_zh, "company_en": org.short_en, "org": org.id,
                         "section": {"id": sec.id, "number": sec.number, "zh": sec.zh, "en": sec.en}}
        cache["cases"] = out
    return cache["cases"]


def all_outcomes() -> list[dict]:
    """Every quantified outcome of every case with its ``case_id``, from the one outcomes query (graph/outcomes.py);
    read once."""
    from climatekg.graph.outcomes import query_outcomes

    cache = _cache()
    if "outcomes" not in cache:
        cache["outcomes"] = query_outcomes(get_store()).outcomes
    return cache["outcomes"]


def describe_entity(iri: str, kind: str) -> dict | None:
    """Labels (both languages), alternative names, definition, industry, coordinates, types and the related
    entities (broader/narrower, part of/contains, parent/subsidiaries) of an entity; None if it has no label."""
    store = get_store()
    res = store.query(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
    if not res.rows:
        return None
    info: dict = {"iri": iri, "labels": {}, "names": {}, "alt": {"zh": [], "en": []}, "definition": {},
                  "industry": {}, "lat": None, "long": None, "types": [], "rel": {}}
    related: dict[str, list[str]] = {}
    for p_term, o in res.rows:
        p = p_term.value
        if o is None:
            continue
        if o.kind == "literal":
            value, lg = o.value, (o.lang or "").split("-")[0]
            if p in (RDFS_LABEL, SKOS + "prefLabel"):
                info["labels"].setdefault(lg or "zh", value)
            elif p == SCHEMA + "name":
                info["names"].setdefault(lg or "zh", value)
            elif p in (SKOS + "altLabel", SCHEMA + "alternateName"):
                if lg in ("zh", "en") and value not in info["alt"][lg]:
                    info["alt"][lg].append(value)
            elif p == SKOS + "definition":
                info["definition"][lg or "en"] = value
            elif p == RDFS + "comment":
                info["definition"].setdefault(lg or "en", value)
            elif p == CKG + "industry":
                info["industry"].setdefault(lg or "zh", value)
            elif p == SCHEMA + "latitude":
                info["lat"] = value
            elif p == SCHEMA + "longitude":
                info["long"] = value
        elif o.kind == "uri":
            if p == RDF_TYPE:
                info["types"].append(o.value.rsplit("#", 1)[-1])
            key = {SKOS + "broader": "broader", SCHEMA + "containedInPlace": "part_of",
                   CKG + "parentOrganisation": "parent"}.get(p)
            if key:
                related.setdefault(key, []).append(o.value)
    inverse = {"technology": (SKOS + "broader", "narrower"), "place": (SCHEMA + "containedInPlace", "contains"),
               "org": (CKG + "parentOrganisation", "children")}.get(kind)
    if inverse:
        res = store.query(f"SELECT ?s WHERE {{ ?s <{inverse[0]}> <{iri}> }}")
        related[inverse[1]] = [row[0].value for row in res.rows if row[0] is not None]
    labels = _labels_of([i for v in related.values() for i in v])
    for key, iris in related.items():
        info["rel"][key] = sorted(({"iri": i, "href": page_for_iri(i), **labels.get(i, {"zh": i, "en": i})}
                                   for i in dict.fromkeys(iris)), key=lambda d: d.get("en") or "")
    if not info["labels"] and not info["names"]:
        return None
    return info


def _labels_of(iris: list[str]) -> dict[str, dict]:
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in dict.fromkeys(iris))
    res = get_store().query(f"""
        SELECT ?x ?l WHERE {{ VALUES ?x {{ {values} }} ?x rdfs:label|skos:prefLabel ?l }}""")
    out: dict[str, dict] = {}
    for x, lab in res.rows:
        if x is None or lab is None:
            continue
        lg = (lab.lang or "zh").split("-")[0]
        out.setdefault(x.value, {}).setdefault(lg, lab.value)
    for d in out.values():
        d.setdefault("zh", d.get("en", ""))
        d.setdefault("en", d.get("zh", ""))
    return out


def entity_cases(iri: str, kind: str) -> list[dict]:
    """The cases linked to the entity (through evidence; a technology also through its narrower ones, a place
    through the places in it, an organisation as the company of a case or its parent), with their quotes."""
    path = {"technology": "skos:broader*", "place": "schema:containedInPlace*"}.get(kind)
    via = f"?via {path} <{iri}> ." if path else f"VALUES ?via {{ <{iri}> }}"
    res = get_store().query(f"""
        SELECT ?case ?pred ?via ?quote ?start ?end ?count WHERE {{
          {via}
          ?ev a ckg:Evidence ; rdf:object ?via ; rdf:predicate ?pred ; ckg:evidenceFor ?case ;
              ckg:quote ?quote ; ckg:startLine ?start ; ckg:endLine ?end .
          ?case a ckg:Case .
          OPTIONAL {{ ?ev ckg:mentionCount ?count }}
        }} ORDER BY ?case ?start""")
    cases: dict[str, dict] = {}
    via_iris = set()

    def entry(cid: str) -> dict:
        return cases.setdefault(cid, {"case_id": cid, "roles": [], "evidence": [], "via": [], "own": False})

    for r in _rows(res):
        c = entry(_v(r, "case").rsplit("/", 1)[-1])
        pred = _v(r, "pred").rsplit("#", 1)[-1]
        if pred not in c["roles"]:
            c["roles"].append(pred)
        v = _v(r, "via")
        if v != iri and v not in c["via"]:
            c["via"].append(v)
            via_iris.add(v)
        if len(c["evidence"]) < 3 and all(e["quote"] != _v(r, "quote") for e in c["evidence"]):
            c["evidence"].append({"quote": _v(r, "quote"), "start_line": int(_v(r, "start")),
                                  "end_line": int(_v(r, "end")), "count": int(_v(r, "count") or 1)})
    if kind == "org":
        res = get_store().query(f"""
            SELECT ?case WHERE {{ ?case a ckg:Case ; ckg:organisation ?org . ?org ckg:parentOrganisation* <{iri}> }}""")
        for row in res.rows:
            c = entry(row[0].value.rsplit("/", 1)[-1])
            c["own"] = True
            if "organisation" not in c["roles"]:
                c["roles"].insert(0, "organisation")
    labels = _labels_of(sorted(via_iris))
    idx = case_index()
    out = []
    for cid in sorted(cases):
        c = cases[cid]
        c["case"] = idx.get(cid, {"title_zh": cid, "title_en": cid, "company_zh": "", "company_en": ""})
        c["href"] = url_for("ui.case_page", case_id=cid)
        c["via"] = [{"iri": v, "href": page_for_iri(v), **labels.get(v, {"zh": v, "en": v})} for v in c["via"]]
        for e in c["evidence"]:
            e["href"] = hl_link(cid, e["quote"], e["start_line"])
        out.append(c)
    return out


def entity_outcomes(info: dict, cases: list[dict], limit: int = 40) -> tuple[list[dict], int]:
    """The outcomes whose quote names the entity (all of them for the company behind a case), and how many more."""
    names = set()
    for d in (info["labels"], info["names"]):
        names.update(v for v in d.values() if v)
    for lg in ("zh", "en"):
        names.update(info["alt"][lg])
    for c in cases:
        for v in c["via"]:
            names.update(x for x in (v.get("zh"), v.get("en")) if x)
    names = {n for n in names if len(n) >= 2}
    own = {c["case_id"] for c in cases if c["own"]}
    linked = {c["case_id"] for c in cases}
    found = []
    for o in all_outcomes():
        if o["case_id"] not in linked:
            continue
        if o["case_id"] in own or any(n in o["quote"] for n in names):
            found.append({**o, "href": hl_link(o["case_id"], o["quote"], o["start_line"])})
    found.sort(key=lambda o: bool(o["projected"]))  # achieved figures first, projections and targets after
    return found[:limit], max(0, len(found) - limit)


def facet_values(engine) -> dict:
    """For each case, the section, technologies (a technology also matches its narrower ones), places and
    years that /api/search's filters accept — so the page can count what each filter value would keep."""
    cache = _cache()
    if "facets" not in cache:
        children: dict[str, list[str]] = {}
        for e in engine.entities:
            if e["kind"] == "technology":
                for b in e.get("broader", []):
                    children.setdefault(b, []).append(e["id"])
        by_id = {(e["kind"], e["id"]): e for e in engine.entities}
        cases = {c["case_id"]: {"section": c["section"]["id"], "technology": [], "place": [],
                                "year": sorted(c.get("years", []))} for c in engine.cases}
        labels: dict[str, dict] = {"section": {}, "technology": {}, "place": {}}
        for c in engine.cases:
            labels["section"][c["section"]["id"]] = {"zh": c["section"]["zh"], "en": c["section"]["en"]}
        for e in engine.entities:
            if e["kind"] not in ("technology", "place"):
                continue
            covered = set(e["cases"])
            if e["kind"] == "technology":
                todo, seen = list(children.get(e["id"], [])), set()
                while todo:
                    n = todo.pop()
                    if n in seen:
                        continue
                    seen.add(n)
                    covered |= set(by_id.get(("technology", n), {}).get("cases", {}))
                    todo.extend(children.get(n, []))
            if not covered:
                continue
            labels[e["kind"]][e["id"]] = {"zh": e["zh"], "en": e["en"]}
            for cid in covered:
                if cid in cases:
                    cases[cid][e["kind"]].append(e["id"])
        for c in cases.values():
            c["technology"].sort()
            c["place"].sort()
        cache["facets"] = {"cases": cases, "labels": labels}
    return cache["facets"]


def similar_cases(engine_getter, case_id: str) -> tuple[list[dict] | None, str | None]:
    """The five cases most like this one with chips for what they share, or (None, why not)."""
    try:
        result = engine_getter().similar(case_id=case_id, k=5)
    except ApiError as e:
        return None, e.message
    except (ImportError, OSError, RuntimeError, ValueError, KeyError) as e:  # the search stack could not load
        current_app.logger.warning("similar cases unavailable: %s", e)
        return None, str(e) or type(e).__name__
    kinds = {"technologies": "technology", "places": "place", "partners": "org"}
    for r in result["results"]:
        r["href"] = url_for("ui.case_page", case_id=r["case_id"])
        shared = r.get("shared") or {}
        chips = []
        for key in ("technologies", "indicators", "places", "partners"):
            for item in shared.get(key) or []:
                href = url_for("ui.entity_page", kind=kinds[key], entity_id=item["id"]) if key in kinds else None
                chips.append({"label": pick(item), "href": href, "kind": key})
        r["chips"] = chips[:8]
    return result["results"], None
