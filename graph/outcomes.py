"""The quantified outcomes of the graph, filtered: one query behind /api/outcomes, the case pages,
``climatekg export outcomes`` and the MCP tool ``list_outcomes``.

    filters = resolve_filters(store, case="case-07,case-12", indicator="capacity", place="浙江", projected=False)
    table = query_outcomes(store, filters)
    table.outcomes   # [{"iri", "case_id", "value", "unit", "indicator": {...}, "quote", "start_line", ...}, ...]
    table.cases      # the cases those outcomes come from (titles, company, section, source lines)

Filter values are ids or labels, resolved against the graph itself (so adding a label to the vocabulary
makes it a valid filter value):

=============  ====================================================================================
case           case ids (``case-07``), several separated by commas
indicator      an indicator id (``capacity``) or its zh/en label (``装机容量``, ``Installed capacity``)
section        a section id (``s4``) or its zh/en name
technology     a technology id or label — outcomes of the cases that use it or a narrower technology
place          a place id or label — outcomes of the cases linked to it or to a place inside it
year           the year a figure refers to (``ckg:year``)
projected      true: only projections and targets; false: only figures reported as achieved
=============  ====================================================================================

A value that names nothing raises ``FilterError`` (the parameter, a message, and the valid values).
Every outcome carries its provenance: the quote, the source lines and the case part it was read from.
"""

from __future__ import annotations

import difflib
import threading
import weakref
from dataclasses import dataclass, field

from climatekg.corpus.model import PART_EN, PART_ZH
from .namespace import CKG
from .units import unit_label

PERIODS = {str(CKG.Annual): "annual", str(CKG.Cumulative): "cumulative"}
FILTERS = ("case", "indicator", "section", "technology", "place", "year", "projected")
MAX_CASES = 100  # ids in one `case` filter
YEAR_RANGE = (1900, 2100)
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no")


class FilterError(ValueError):
    """A filter value the graph does not know; ``valid`` lists what would have been accepted."""

    def __init__(self, parameter: str, message: str, valid: list[str] | None = None):
        super().__init__(message)
        self.parameter, self.message, self.valid = parameter, message, valid or []


@dataclass(frozen=True)
class Term:
    """A resolved filter value: the graph IRI, its id and its labels."""

    iri: str
    id: str
    zh: str | None = None
    en: str | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "iri": self.iri, "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class OutcomeFilters:
    cases: tuple[Term, ...] = ()
    indicator: Term | None = None
    section: Term | None = None
    technology: Term | None = None
    place: Term | None = None
    year: int | None = None
    projected: bool | None = None

    def to_json(self) -> dict:
        return {"case": [c.id for c in self.cases] or None,
                **{k: (getattr(self, k).to_json() if getattr(self, k) else None)
                   for k in ("indicator", "section", "technology", "place")},
                "year": self.year, "projected": self.projected}

    def slug(self) -> str:
        """A short ASCII name for the selection (for file names): ``case-07_indicator-capacity``."""
        bits = []
        if self.cases:
            bits.append("-".join(c.id for c in self.cases[:3]) + ("-etc" if len(self.cases) > 3 else ""))
        for k in ("indicator", "section", "technology", "place"):
            if getattr(self, k):
                bits.append(f"{k}-{getattr(self, k).id}")
        if self.year is not None:
            bits.append(f"year-{self.year}")
        if self.projected is not None:
            bits.append("projected" if self.projected else "achieved")
        return "_".join(bits)


@dataclass
class OutcomeTable:
    filters: OutcomeFilters
    outcomes: list[dict]
    cases: list[dict]  # one record per case that has an outcome in `outcomes` (or that was asked for)
    source: dict  # {"file", "sha256", "title_zh", "title_en"}
    total: int = 0  # outcomes matching before `limit`
    truncated: bool = False

    def to_json(self) -> dict:
        return {"count": len(self.outcomes), "total": self.total, "truncated": self.truncated,
                "filters": self.filters.to_json(), "outcomes": self.outcomes, "cases": self.cases,
                "source": self.source}


# -- what the filters can name (read from the graph once per store) -------------------------------------

@dataclass
class Vocabulary:
    cases: dict[str, dict] = field(default_factory=dict)  # case id → case record
    kinds: dict[str, dict[str, Term]] = field(default_factory=dict)  # kind → id → Term
    labels: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # kind → lowercased label → ids
    source: dict = field(default_factory=dict)


_VOCAB_QUERIES = {
    "indicator": "?x a ckg:Indicator . ?x skos:prefLabel|skos:altLabel|rdfs:label ?l",
    "section": "?x a ckg:Section . ?x skos:prefLabel|skos:altLabel|rdfs:label ?l",
    "technology": "?x a ckg:Technology . ?x skos:prefLabel|skos:altLabel|rdfs:label ?l",
    "place": "?x a ckg:Place . ?x rdfs:label|skos:altLabel ?l",
}
_PREF = {"indicator": "skos:prefLabel", "section": "skos:prefLabel", "technology": "skos:prefLabel",
         "place": "rdfs:label"}
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _value(term):
    return None if term is None else term.value


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def vocabulary(store) -> Vocabulary:
    """Cases, indicators, sections, technologies and places of the graph with their labels (cached per store)."""
    with _cache_lock:
        cached = _cache.get(store)
    if cached is not None:
        return cached
    v = Vocabulary()
    for kind, pattern in _VOCAB_QUERIES.items():
        terms, labels = {}, {}
        res = store.query(f"""SELECT ?x ?l ?pref WHERE {{ {pattern} .
            OPTIONAL {{ ?x {_PREF[kind]} ?pref }} }}""")
        for x, lab, pref in res.rows:
            iri = x.value
            tid = _tail(iri)
            t = terms.get(tid) or Term(iri, tid)
            if pref is not None and (pref.lang or "").startswith("zh") and t.zh is None:
                t = Term(t.iri, t.id, pref.value, t.en)
            if pref is not None and (pref.lang or "").startswith("en") and t.en is None:
                t = Term(t.iri, t.id, t.zh, pref.value)
            terms[tid] = t
            labels.setdefault(lab.value.strip().lower(), [])
            if tid not in labels[lab.value.strip().lower()]:
                labels[lab.value.strip().lower()].append(tid)
        v.kinds[kind], v.labels[kind] = terms, labels

    res = store.query("""
        SELECT ?case ?id ?n ?title ?org ?orgl ?sec ?start ?end WHERE {
          ?case a ckg:Case ; ckg:caseId ?id ; ckg:caseNumber ?n ; dcterms:title ?title ;
                ckg:organisation ?org ; ckg:inSection ?sec ; ckg:startLine ?start ; ckg:endLine ?end .
          OPTIONAL { ?org rdfs:label ?orgl }
        } ORDER BY ?n""")
    for case, cid, n, title, org, orgl, sec, start, end in res.rows:
        rec = v.cases.setdefault(cid.value, {
            "case_id": cid.value, "number": int(n.value), "iri": case.value,
            "title_zh": None, "title_en": None, "company_id": _tail(org.value), "company_zh": None,
            "company_en": None, "section": _tail(sec.value), "section_zh": None, "section_en": None,
            "start_line": int(start.value), "end_line": int(end.value)})
        lang = "zh" if (title.lang or "").startswith("zh") else "en"
        rec[f"title_{lang}"] = rec[f"title_{lang}"] or title.value
        if orgl is not None:
            lang = "zh" if (orgl.lang or "").startswith("zh") else "en"
            rec[f"company_{lang}"] = rec[f"company_{lang}"] or orgl.value
    for rec in v.cases.values():
        sec = v.kinds["section"].get(rec["section"])
        if sec:
            rec["section_zh"], rec["section_en"] = sec.zh, sec.en

    res = store.query("""SELECT ?file ?sha ?title WHERE {
        ?c a ckg:CaseCollection . OPTIONAL { ?c dcterms:source ?file } OPTIONAL { ?c ckg:sourceSha256 ?sha }
        OPTIONAL { ?c dcterms:title ?title } }""")
    for file, sha, title in res.rows:
        v.source.setdefault("file", _value(file))
        v.source.setdefault("sha256", _value(sha))
        if title is not None:
            v.source.setdefault("title_zh" if (title.lang or "").startswith("zh") else "title_en", title.value)
    with _cache_lock:
        _cache[store] = v
    return v


# -- resolving filter values --------------------------------------------------------------------------

def _examples(terms: dict[str, Term], n: int = 8) -> str:
    shown = [f"{t.id} ({t.en or t.zh})" for _, t in sorted(terms.items())[:n]]
    return ", ".join(shown) + (", …" if len(terms) > n else "")


def _resolve_term(v: Vocabulary, kind: str, raw: str) -> Term:
    value = raw.strip()
    terms = v.kinds[kind]
    if value in terms:
        return terms[value]
    ids = v.labels[kind].get(value.lower(), [])
    if len(ids) == 1:
        return terms[ids[0]]
    if len(ids) > 1:
        raise FilterError(kind, f"{kind} {raw!r} names several: {', '.join(sorted(ids))} — give one id",
                          sorted(ids))
    hint = difflib.get_close_matches(value.lower(), list(terms) + list(v.labels[kind]), n=1, cutoff=0.75)
    suggestion = ""
    if hint:
        tid = hint[0] if hint[0] in terms else v.labels[kind][hint[0]][0]
        suggestion = f" (did you mean '{tid}'?)"
    raise FilterError(kind, f"unknown {kind} {raw!r}{suggestion}; give an id or a zh/en label, e.g. "
                            f"{_examples(terms)}", sorted(terms))


def parse_bool(parameter: str, raw) -> bool | None:
    """true/false (also 1/0, yes/no), None for empty; FilterError otherwise."""
    if raw is None or isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if not text:
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise FilterError(parameter, f"'{parameter}' must be true or false, got {raw!r}", ["true", "false"])


def parse_year(raw) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    lo, hi = YEAR_RANGE
    try:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError
        year = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError):
        raise FilterError("year", f"'year' must be a year from {lo} to {hi}, got {raw!r}") from None
    if not lo <= year <= hi:
        raise FilterError("year", f"'year' must be a year from {lo} to {hi}, got {year}")
    return year


def resolve_filters(store, case=None, indicator=None, section=None, technology=None, place=None,
                    year=None, projected=None) -> OutcomeFilters:
    """Turn raw filter values (strings from a query string, a CLI or a tool call) into graph terms.

    ``case`` is a comma-separated string or a list of ids. Empty values mean "no filter".
    """
    v = vocabulary(store)
    ids: list[str] = []
    if case:
        items = case.split(",") if isinstance(case, str) else list(case)
        ids = list(dict.fromkeys(str(c).strip() for c in items if str(c).strip()))
        if len(ids) > MAX_CASES:
            raise FilterError("case", f"at most {MAX_CASES} case ids, got {len(ids)}")
        unknown = [c for c in ids if c not in v.cases]
        if unknown:
            first = unknown[0] if len(unknown[0]) <= 40 else unknown[0][:40] + "…"
            known = list(v.cases)
            raise FilterError("case", f"unknown case {first!r}; valid ids are {known[0]} … {known[-1]}", known)
    cases = tuple(Term(v.cases[c]["iri"], c, v.cases[c]["title_zh"], v.cases[c]["title_en"]) for c in ids)
    terms = {}
    for kind, raw in (("indicator", indicator), ("section", section), ("technology", technology), ("place", place)):
        if raw is not None and not isinstance(raw, str):
            raise FilterError(kind, f"'{kind}' must be a string")
        terms[kind] = _resolve_term(v, kind, raw) if raw and raw.strip() else None
    return OutcomeFilters(cases=cases, year=parse_year(year), projected=parse_bool("projected", projected), **terms)


# -- the query -----------------------------------------------------------------------------------------

def _sparql(f: OutcomeFilters) -> str:
    where = []
    if f.cases:
        where.append("VALUES ?case { " + " ".join(f"<{c.iri}>" for c in f.cases) + " }")
    if f.section:
        where.append(f"?case ckg:inSection <{f.section.iri}> .")
    if f.technology:
        where.append(f"FILTER EXISTS {{ ?case ckg:usesTechnology ?tech . ?tech skos:broader* <{f.technology.iri}> }}")
    if f.place:
        where.append(f"FILTER EXISTS {{ ?case ckg:locatedIn ?pl . ?pl schema:containedInPlace* <{f.place.iri}> }}")
    if f.indicator:
        where.append(f"?o ckg:measures <{f.indicator.iri}> .")
    if f.year is not None:
        where.append(f'?o ckg:year ?fy . FILTER(STR(?fy) = "{f.year}")')
    if f.projected is not None:
        where.append(f"?o ckg:projected {'true' if f.projected else 'false'} .")
    return f"""
        SELECT ?case ?o ?value ?unit ?qudt ?ind ?period ?year ?approx ?projected ?surface ?quote ?start ?end ?part
               ?mzh ?men
        WHERE {{
          ?case ckg:reportsOutcome ?o .
          ?o schema:value ?value ; ckg:unitSymbol ?unit ; ckg:measures ?ind ; ckg:surface ?surface ;
             ckg:quote ?quote ; ckg:startLine ?start ; ckg:endLine ?end ; ckg:inPart ?part .
          {chr(10).join(where)}
          OPTIONAL {{ ?o qudt:unit ?qudt }}
          OPTIONAL {{ ?o ckg:period ?period }}
          OPTIONAL {{ ?o ckg:year ?year }}
          OPTIONAL {{ ?o ckg:approximate ?approx }}
          OPTIONAL {{ ?o ckg:projected ?projected }}
          OPTIONAL {{ ?o ckg:measureLabel ?mzh . FILTER(lang(?mzh) = "zh") }}
          OPTIONAL {{ ?o ckg:measureLabel ?men . FILTER(lang(?men) = "en") }}
        }} ORDER BY ?case ?start ?o"""


def number(text: str):
    """xsd:decimal lexical form → int when whole, else float."""
    try:
        f = float(text)
    except (TypeError, ValueError):
        return text
    return int(f) if f.is_integer() and "e" not in text.lower() and abs(f) < 1e15 else f


def query_outcomes(store, filters: OutcomeFilters | None = None, limit: int | None = None) -> OutcomeTable:
    """The outcomes matching ``filters`` (all of them by default), in case and reading order."""
    filters = filters or OutcomeFilters()
    v = vocabulary(store)
    res = store.query(_sparql(filters))
    outcomes, seen = [], set()
    for row in res.rows:
        r = dict(zip(res.variables, row))
        iri = r["o"].value
        if iri in seen:
            continue
        seen.add(iri)
        unit = r["unit"].value
        zh, en = unit_label(unit, "zh"), unit_label(unit, "en")
        ind = v.kinds["indicator"].get(_tail(r["ind"].value)) or Term(r["ind"].value, _tail(r["ind"].value))
        part = _tail(r["part"].value)
        year = _value(r["year"])
        outcomes.append({
            "iri": iri, "case_id": _tail(r["case"].value),
            "value": number(r["value"].value),
            "unit": unit, "unit_zh": zh, "unit_en": en, "unit_iri": _value(r["qudt"]),
            "indicator": {"id": ind.id, "iri": ind.iri, "zh": ind.zh, "en": ind.en},
            # what it measures for a reader: the thing counted (number of suppliers) or the indicator
            "measure": {"zh": _value(r["mzh"]) or ind.zh, "en": _value(r["men"]) or ind.en},
            "period": PERIODS.get(_value(r["period"])),
            "year": int(float(year)) if year else None,
            "approximate": _value(r["approx"]) == "true",
            "projected": _value(r["projected"]) == "true",
            "surface": r["surface"].value,
            "quote": r["quote"].value,
            "start_line": int(r["start"].value), "end_line": int(r["end"].value),
            "part": part, "part_zh": PART_ZH.get(part), "part_en": PART_EN.get(part),
        })
    total = len(outcomes)
    truncated = limit is not None and total > limit
    if truncated:
        outcomes = outcomes[:limit]
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o["case_id"]] = counts.get(o["case_id"], 0) + 1
    wanted = list(dict.fromkeys([c.id for c in filters.cases] + list(counts)))
    cases = [{**v.cases[cid], "outcomes": counts.get(cid, 0)} for cid in sorted(wanted, key=lambda c: v.cases[c]["number"])]
    return OutcomeTable(filters, outcomes, cases, dict(v.source), total=total, truncated=truncated)


# -- comparing cases ------------------------------------------------------------------------------------

def compare(outcomes: list[dict], *, descending: bool = True, projected: bool = False,
            one_per_case: bool = True) -> list[dict]:
    """Outcomes ranked for a comparison between cases: figures reported as achieved first, by value (largest
    first unless ``descending`` is false); projections and targets only when ``projected`` is true, and then
    after every achieved figure; one row per case (its first in that order) unless ``one_per_case`` is false.

    The one ranking behind the case page's comparison chart, entity pages' outcome lists and any answer that
    compares figures (pass the outcome dicts of :func:`query_outcomes`, or rows with ``case_id``/``id``,
    ``value`` and ``projected``)."""
    def is_projected(o) -> bool:
        p = o.get("projected")
        return p is True or str(p).lower() == "true"

    def val(o) -> float:
        try:
            return float(o.get("value"))
        except (TypeError, ValueError):
            return float("nan")

    rows = [o for o in outcomes if projected or not is_projected(o)]
    rows = [o for o in rows if val(o) == val(o)]  # a number
    rows.sort(key=lambda o: (is_projected(o), -val(o) if descending else val(o)))
    if not one_per_case:
        return rows
    seen, out = set(), []
    for o in rows:
        cid = o.get("case_id", o.get("id"))
        if cid not in seen:
            seen.add(cid)
            out.append(o)
    return out


# -- as a spreadsheet -----------------------------------------------------------------------------------

def _columns():
    from .tables import BOOLEAN, INTEGER, NUMBER, Column

    return [
        Column("case_id", "case", width=9),
        Column("company_en", "company", width=20),
        Column("company_zh", "company (zh)", width=12),
        Column("indicator_en", "indicator", width=22),
        Column("indicator_zh", "indicator (zh)", width=12),
        Column("value", "value", NUMBER, 14, "the figure converted to the base unit in the next column"),
        Column("unit", "unit", width=8, note="base unit symbol: t, kg, kWh, kW, tce, CNY, m2, m3, %, count …"),
        Column("unit_zh", "unit (zh)", width=8),
        Column("period", "period", width=11, note="annual, cumulative, or empty when the text does not say"),
        Column("year", "year", INTEGER, 7, "the year the figure refers to, when the text gives one"),
        Column("approximate", "approximate", BOOLEAN, 8, "the text says 约/近/超过 … (about, nearly, over)"),
        Column("projected", "projected", BOOLEAN, 8, "a projection or target rather than a figure achieved"),
        Column("surface", "as printed", width=16, note="the figure as the source text prints it"),
        Column("quote", "quote (source text)", width=60),
        Column("part", "case part", width=14),
        Column("start_line", "first line", INTEGER, 7, "line numbers in the source text (1-based)"),
        Column("end_line", "last line", INTEGER, 7),
        Column("iri", "outcome IRI", width=30),
    ]


def _source_columns():
    from .tables import INTEGER, Column

    return [
        Column("case_id", "case", width=9),
        Column("number", "case number", INTEGER, 7),
        Column("title_en", "title", width=40),
        Column("title_zh", "title (zh)", width=30),
        Column("company_en", "company", width=20),
        Column("company_zh", "company (zh)", width=12),
        Column("section_en", "section", width=20),
        Column("section_zh", "section (zh)", width=12),
        Column("start_line", "first line", INTEGER, 7, "the case's lines in the source text"),
        Column("end_line", "last line", INTEGER, 7),
        Column("outcomes", "outcomes in this export", INTEGER, 9),
        Column("iri", "case IRI", width=30),
        Column("source_file", "source text", width=24),
        Column("source_sha256", "source sha256", width=20),
    ]


def outcome_rows(table: OutcomeTable) -> list[list]:
    cases = {c["case_id"]: c for c in table.cases}
    rows = []
    for o in table.outcomes:
        c = cases.get(o["case_id"], {})
        flat = {**o, "company_en": c.get("company_en"), "company_zh": c.get("company_zh"),
                "indicator_en": o["indicator"]["en"], "indicator_zh": o["indicator"]["zh"], "part": o["part_en"]}
        rows.append([flat.get(col.key) for col in _columns()])
    return rows


def sheets(table: OutcomeTable) -> list:
    """The workbook of an export: the outcomes, and the cases they come from with the source text's digest."""
    from .tables import Sheet

    src = [[{**c, "source_file": table.source.get("file"), "source_sha256": table.source.get("sha256")}.get(col.key)
            for col in _source_columns()] for c in table.cases]
    return [Sheet("Outcomes", _columns(), outcome_rows(table)), Sheet("Sources", _source_columns(), src)]


def export(table: OutcomeTable, fmt: str) -> bytes:
    """``table`` as ``csv`` (the outcomes sheet) or ``xlsx`` (outcomes + sources)."""
    from .tables import to_csv, to_xlsx

    if fmt == "csv":
        return to_csv(sheets(table)[0])
    if fmt == "xlsx":
        chosen = {k: v for k, v in table.filters.to_json().items() if v not in (None, [])}
        shown = {k: v["id"] if isinstance(v, dict) else ",".join(v) if isinstance(v, list) else v
                 for k, v in chosen.items()}
        described = "; ".join(f"{k}={v}" for k, v in shown.items())
        return to_xlsx(sheets(table), {
            "title": "climatekg outcomes" + (f" ({described})" if described else ""),
            "subject": f"{table.source.get('title_en', '')} — quantified outcomes with their source lines",
            "comments": f"filters: {described or 'none'}; {len(table.outcomes)} outcomes; source text "
                        f"{table.source.get('file')} sha256 {table.source.get('sha256')}",
            "keywords": "climatekg, outcomes"})
    raise ValueError(f"unknown export format {fmt!r} (csv or xlsx)")
