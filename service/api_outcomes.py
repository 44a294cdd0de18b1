"""Outcomes and query results as JSON, CSV or XLSX — for analysts who live in spreadsheets.

    GET /api/outcomes?case=&indicator=&section=&technology=&place=&year=&projected=&format=json|csv|xlsx
    GET|POST /api/sparql/download?query=…&format=csv|xlsx     a SPARQL result as a spreadsheet

``/api/outcomes`` reads ``graph/outcomes.py`` (the one outcomes query; filter values are ids or zh/en
labels, see there) and writes files with ``graph/tables.py`` (number cells, unit in its own column, text
that never becomes a formula). ``/api/sparql/download`` runs the query exactly as ``/sparql`` does — the
same worker pool, policy (read-only, no SERVICE, no foreign FROM), size limit, timeout and row cap — and
writes the table it returns. Files come as attachments named after the selection.

``outcomes_table`` and ``run_sparql`` are what the routes call; the MCP tools call them too, so the HTTP
API and the tools validate and limit in one place.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.datastructures import CombinedMultiDict

from climatekg.graph import outcomes as graph_outcomes
from climatekg.graph.tables import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, sparql_sheet, to_csv, to_xlsx

from .params import check_params
from .errors import BadRequest, UnsupportedMediaType
from .resources import get_store

bp = Blueprint("outcomes", __name__)

FORMATS = ("json", "csv", "xlsx")
DOWNLOAD_FORMATS = ("csv", "xlsx")
OUTCOME_PARAMS = (*graph_outcomes.FILTERS, "format")
MAX_FILTER_CHARS = 2000  # a filter value (26 case ids fit comfortably)
MAX_LIMIT = 5000


def _format(raw: str | None, allowed: tuple[str, ...], default: str) -> str:
    fmt = (raw or default).strip().lower()
    if fmt not in allowed:
        raise BadRequest(f"unknown format {raw!r}; use one of: {', '.join(allowed)}", detail={"parameter": "format"})
    return fmt


def outcomes_table(filters: dict, limit: int | None = None) -> graph_outcomes.OutcomeTable:
    """The outcomes matching ``filters`` (raw values keyed by graph.outcomes.FILTERS); 400 naming the
    parameter and the valid values when one names nothing."""
    for name, value in filters.items():
        if isinstance(value, str) and len(value) > MAX_FILTER_CHARS:
            raise BadRequest(f"'{name}' is {len(value)} characters long; the limit is {MAX_FILTER_CHARS}",
                             detail={"parameter": name})
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"'limit' must be from 1 to {MAX_LIMIT}, got {limit}", detail={"parameter": "limit"})
    store = get_store()
    try:
        resolved = graph_outcomes.resolve_filters(store, **filters)
    except graph_outcomes.FilterError as e:
        detail = {"parameter": e.parameter}
        if e.valid and len(e.valid) <= 200:
            detail["valid"] = e.valid
        raise BadRequest(e.message, detail=detail) from None
    return graph_outcomes.query_outcomes(store, resolved, limit=limit)


def attachment(body: bytes, media_type: str, filename: str) -> Response:
    resp = Response(body, content_type=media_type)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def download_paths(args: dict, prefix: str = "") -> dict:
    """/api/outcomes links (json, csv, xlsx) for the same filters."""
    from urllib.parse import urlencode

    kept = {}
    for k, v in args.items():
        if v is None or v == "" or v == [] or k == "format":
            continue
        kept[k] = ",".join(v) if isinstance(v, (list, tuple)) else str(v).lower() if isinstance(v, bool) else v
    return {fmt: f"{prefix}/api/outcomes?" + urlencode({**kept, "format": fmt}) for fmt in FORMATS}


@bp.get("/api/outcomes")
def list_outcomes():
    check_params(OUTCOME_PARAMS)
    fmt = _format(request.args.get("format"), FORMATS, "json")
    args = {name: request.args.get(name) for name in graph_outcomes.FILTERS}
    table = outcomes_table(args)
    if fmt == "json":
        return jsonify({**table.to_json(), "urls": download_paths(args, request.script_root)})
    slug = table.filters.slug()
    name = "climatekg-outcomes" + (f"_{slug}" if slug else "")
    media = CSV_MEDIA_TYPE if fmt == "csv" else XLSX_MEDIA_TYPE
    return attachment(graph_outcomes.export(table, fmt), media, f"{name}.{fmt}")


# -- a SPARQL result as a spreadsheet ---------------------------------------------------------------------

def run_sparql(query: str, timeout: float | None = None, max_rows: int | None = None) -> dict:
    """Run ``query`` as /sparql does (same pool, policy and limits); ``timeout`` and ``max_rows`` may only
    lower the configured sparql_timeout and sparql_max_rows. Raises the same ApiErrors as /sparql."""
    from .resources import get_sparql
    from .sparql import check_query_text, effective_timeout

    svc = get_sparql()
    settings = svc.settings
    if not isinstance(query, str):
        raise BadRequest("'query' must be a string", detail={"parameter": "query"})
    check_query_text(query, settings.sparql_max_query_bytes)
    seconds = effective_timeout(None if timeout is None else str(timeout), settings.sparql_timeout)
    rows = settings.sparql_max_rows if max_rows is None else min(max_rows, settings.sparql_max_rows)
    return svc.run(query, timeout=seconds, max_rows=rows)


@bp.route("/api/sparql/download", methods=["GET", "POST"])
def sparql_download():
    if request.method == "POST":
        if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raise UnsupportedMediaType("POST the query as a form (query=…&format=csv|xlsx)")
        params = CombinedMultiDict([request.form, request.args])
    else:
        params = request.args
    check_params(("query", "format", "timeout"), params)
    fmt = _format(params.get("format"), DOWNLOAD_FORMATS, "csv")
    query = params.get("query")
    if query is None:
        raise BadRequest("no query — send query=… with the SPARQL query whose results you want",
                         detail={"parameter": "query"})
    from .sparql import effective_timeout

    result = run_sparql(query, timeout=effective_timeout(params.get("timeout"),
                                                         current_app.config["SETTINGS"].sparql_timeout))
    sheet = sparql_sheet(result)
    if fmt == "csv":
        resp = attachment(to_csv(sheet), CSV_MEDIA_TYPE, "climatekg-query.csv")
    else:
        resp = attachment(to_xlsx([sheet], {"title": "climatekg SPARQL query results", "comments": query[:2000]}),
                          XLSX_MEDIA_TYPE, "climatekg-query.xlsx")
    resp.headers["X-Result-Truncated"] = "true" if result["truncated"] else "false"
    return resp
