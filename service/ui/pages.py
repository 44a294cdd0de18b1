"""The pages: routes, and the pieces of a case page built from ``/api/cases/<id>``'s data."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, render_template, request
from markupsafe import Markup, escape

from climatekg.embeddings.search import MAX_QUERY_CHARS
from climatekg.graph.sparql_text import id_base as ids_under
from climatekg.graph.sparql_text import prefix_map
from climatekg.graph.units import UNIT_LABELS

from ..deref import graph_base
from ..errors import NotFound, error_body
from . import queries
from . import assets
from .assets import asset_url, vendor_files
from .i18n import (EXAMPLES, LANG_COOKIE, STRINGS, TRY_QUESTIONS, fmt_compact, fmt_num, js_strings, lang,
                   lang_url, lines_label, load_data, pick, t)
from .links import ENTITY_ID, ENTITY_KINDS, MAX_HL, hl_link, id_base, page_for_iri, safe_href
from .svg import neighbourhood_svg, outcome_chart

bp = Blueprint("ui", __name__)

#: the pages, for documentation (/openapi.json) and tests: (rule, endpoint, summary)
PAGES = [
    ("/", "ui.index", "Ask & search (HTML)"),
    ("/cases", "ui.cases_page", "All cases by section (HTML)"),
    ("/cases/<case_id>", "ui.case_page", "A case (HTML)"),
    ("/entities/<kind>/<entity_id>", "ui.entity_page", "An organisation, technology, place, award or standard (HTML)"),
    ("/sparql/editor", "ui.sparql_editor", "SPARQL editor (HTML)"),
    ("/api", "ui.api_page", "The HTTP API, rendered from /openapi.json (HTML)"),
    ("/ui/facets.json", "ui.facets", "Search filter values per case (JSON, for the search page)"),
]

MAX_EDITOR_QUERY = 20000
#: with no answer, a ranked case is shown only from this fused search score on (calibrated: benchmarks/related.py)
RELATED_SCORE: float = load_data("relatedness.toml")["min_score"]
OUTCOMES_SHOWN = 10  # outcome rows shown before "show all"


def _search_engine():
    from ..api_search import engine

    return engine()


# -- language and template helpers ---------------------------------------------------------------

@bp.before_request
def _set_lang():
    lang()


@bp.after_request
def _remember_lang(resp):
    if g.get("ui_lang_from_param"):
        resp.set_cookie(LANG_COOKIE, g.ui_lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=False)
    resp.headers.add("Vary", "Accept-Language")
    resp.headers.add("Vary", "Cookie")
    return resp


def template_helpers() -> dict:
    return {"lang": lang(), "other_lang": "en" if lang() == "zh" else "zh", "t": t, "pick": pick,
            "lang_url": lang_url, "fmt_num": fmt_num, "fmt_compact": fmt_compact, "lines": lines_label,
            "page_for_iri": page_for_iri, "hl_link": hl_link, "vendor": vendor_files(),
            "has_t": lambda key: key in STRINGS}


@bp.context_processor
def _template_helpers():
    return template_helpers()


@bp.app_template_global("asset")
def _asset(name: str) -> str:
    return asset_url(name)


@bp.app_template_filter("safe_href")
def _safe_href(url) -> str | None:
    return safe_href(url)


# weight, caching and errors for the whole app (see assets.py)
bp.after_app_request(assets.compress)
bp.add_url_rule("/favicon.ico", "favicon", assets.favicon)


@bp.get("/assets/<path:name>")
def asset(name: str):
    resp = assets.serve_asset(name)
    if resp is None:
        abort(404, f"no asset {name[:80]!r} (an old digest? reload the page)")
    return resp


def not_found_page(message: str):
    return render_template("ui/not_found.html", message=message, **template_helpers()), 404


@bp.app_errorhandler(404)
def not_found(e):
    """A URL no route knows: an HTML page for browsers, the JSON error for everyone else."""
    if assets.wants_html():
        return not_found_page(e.description or "not found")
    return error_body(404, "not_found", e.description or "not found")


# -- pages -----------------------------------------------------------------------------------------

@bp.get("/")
def index():
    q = (request.args.get("q") or "").strip()[:MAX_QUERY_CHARS]
    units = {sym: (zh if lang() == "zh" else en) for sym, (zh, en) in UNIT_LABELS.items()}  # figures in the reader's units
    return render_template("ui/index.html", q=q, tries=TRY_QUESTIONS[lang()], strings=js_strings(),
                           id_base=id_base(), related_score=RELATED_SCORE, units=units, max_query=MAX_QUERY_CHARS)


@bp.get("/cases")
def cases_page():
    sections: dict[str, dict] = {}
    for c in queries.case_index().values():
        s = sections.setdefault(c["section"]["id"], {**c["section"], "cases": []})
        s["cases"].append(c)
    return render_template("ui/cases.html", sections=list(sections.values()))


@bp.get("/cases/<case_id>")
def case_page(case_id: str):
    try:
        detail = queries.case_detail(case_id)
    except NotFound as e:
        return not_found_page(e.message)
    hl = (request.args.get("hl") or "").strip()[:MAX_HL]
    parts, hl_found = render_parts(detail, hl)
    similar, similar_error = queries.similar_cases(_search_engine, case_id)
    for o in detail["outcomes"]:
        o["href"] = hl_link(case_id, o["quote"], o["start_line"])
    idx = queries.case_index()
    return render_template(
        "ui/case.html", case=detail, parts=parts, hl=hl, hl_found=hl_found, similar=similar,
        similar_error=similar_error, neighbourhood=neighbourhood_svg(detail),
        chart=outcome_chart(detail, queries.all_outcomes(), idx), link_groups=link_groups(detail), index=idx,
        outcomes_shown=OUTCOMES_SHOWN)


@bp.get("/entities/<kind>/<entity_id>")
def entity_page(kind: str, entity_id: str):
    if kind not in ENTITY_KINDS:
        return not_found_page(f"unknown kind {kind[:40]!r}; use one of: {', '.join(ENTITY_KINDS)}")
    if not ENTITY_ID.match(entity_id):
        return not_found_page(f"no {kind} {entity_id[:60]!r} in the graph")
    iri = f"{id_base()}{kind}/{entity_id}"
    info = queries.describe_entity(iri, kind)
    if info is None:
        return not_found_page(f"no {kind} {entity_id!r} in the graph")
    cases = queries.entity_cases(iri, kind)
    outcomes, more = queries.entity_outcomes(info, cases)
    download = {kind: entity_id} if kind in ("technology", "place") else {"case": ",".join(c["case_id"] for c in cases)}
    return render_template("ui/entity.html", kind=kind, entity_id=entity_id, iri=iri, info=info, cases=cases,
                           outcomes=outcomes, more_outcomes=more, index=queries.case_index(), download_filter=download,
                           rdf_href="/id/" + iri[len(id_base()):], outcomes_shown=OUTCOMES_SHOWN)


def editor_examples() -> list[dict]:
    """The editor's example queries, written under the default base (examples.toml), with the namespaces of the
    graph's own resources moved to the base the graph was built with."""
    ours, written = id_base(), ids_under()
    return EXAMPLES if ours == written else [{**e, "query": e["query"].replace(written, ours)} for e in EXAMPLES]


@bp.get("/sparql/editor")
def sparql_editor():
    examples = editor_examples()
    query = request.args.get("query")
    if query is not None:
        query = query[:MAX_EDITOR_QUERY]
    else:
        query = examples[0]["query"]
    prefixes = list(prefix_map(graph_base()).items())  # what the endpoint predeclares for this graph's base
    return render_template("ui/editor.html", query=query, examples=examples, prefixes=prefixes,
                           strings=js_strings(), id_base=id_base())


@bp.get("/api")
def api_page():
    """The OpenAPI description as a page: every route with its parameters, body and responses."""
    from ..openapi import document

    doc = document()
    groups: dict[str, list[dict]] = {}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            tag = (op.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append({"path": path, "method": method.upper(), **op})
    order = [tg["name"] for tg in doc.get("tags", [])]
    tags = sorted(groups, key=lambda x: order.index(x) if x in order else len(order))
    return render_template("ui/api.html", doc=doc, groups=[(tg, groups[tg]) for tg in tags],
                           schemas=doc.get("components", {}).get("schemas", {}))


@bp.get("/ui/facets.json")
def facets():
    """For each case, the filter values /api/search accepts — so the page can count what each would keep."""
    return jsonify(queries.facet_values(_search_engine()))


def _squash(s: str) -> tuple[str, list[int]]:
    """The text without whitespace, and for each kept character its index in the original."""
    out, pos = [], []
    for i, ch in enumerate(s):
        if not ch.isspace():
            out.append(ch)
            pos.append(i)
    return "".join(out), pos


def find_quote(text: str, q: str) -> tuple[int, int] | None:
    """Where the quoted sentence is in a paragraph (ignoring whitespace and a trimmed quote's ellipses)."""
    if not q:
        return None
    i = text.find(q)
    if i >= 0:
        return i, i + len(q)
    core = q.strip().strip("…").strip(".").strip()
    squashed_text, pos = _squash(text)
    squashed_q, _ = _squash(core)
    if len(squashed_q) < 4:
        return None
    j = squashed_text.find(squashed_q)
    if j < 0:
        return None
    return pos[j], pos[j + len(squashed_q) - 1] + 1


def render_parts(detail: dict, hl: str) -> tuple[list[dict], bool]:
    found_any = False
    parts = []
    # every id="L<n>" once: title and company lines, part headings and paragraph starts first
    used = set(detail["title"].get("lines") or []) | {detail["company"].get("line")}
    used |= {part["start_line"] for part in detail["parts"]}
    used |= {p["start_line"] for part in detail["parts"] for p in part["paragraphs"]}
    for part in detail["parts"]:
        paras = []
        for p in part["paragraphs"]:
            text = p["text"]
            span = find_quote(text, hl) if hl else None
            if span:
                found_any = True
                a, b = span
                html = escape(text[:a]) + Markup('<mark class="hl">') + escape(text[a:b]) + Markup("</mark>") + \
                    escape(text[b:])
            else:
                html = escape(text)
            html = Markup(str(html).replace("\n", "<br>"))
            extra = [n for n in range(p["start_line"] + 1, p["end_line"] + 1) if n not in used]
            used.update(extra)
            paras.append({**p, "html": html, "extra_lines": extra, "highlighted": bool(span)})
        parts.append({**part, "paragraphs": paras})
    return parts, found_any


def link_groups(detail: dict) -> list[dict]:
    groups = []
    for key in ("technologies", "places", "partners", "recognitions", "standards", "years"):
        items = detail["links"].get(key) or []
        if not items:
            continue
        rows = []
        for it in items:
            ev = it.get("evidence") or {}
            rows.append({**it, "href": page_for_iri(it.get("iri")) if it.get("iri") else None,
                         "ev_href": hl_link(detail["id"], ev.get("quote"), ev.get("start_line")),
                         "count": ev.get("mention_count", 1), "quote": ev.get("quote")})
        groups.append({"key": key, "items": rows})
    return groups

