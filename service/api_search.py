"""Search and similar cases over HTTP.

    GET  /api/search?q=&k=&section=&technology=&location=&year=
    GET  /api/cases/<case_id>/similar?k=
    POST /api/similar            {"text": "...", "k": 5}

The routes validate their parameters themselves (so a caller's mistake is a
400/404/413/415 with a message naming the fix) and hand the rest to the search
engine (``embeddings/search.py``), mapping its exceptions: ``SearchInputError``
→ 400, ``UnknownCase`` → 404, an index that does not match the configuration →
503 naming the command to run.

The request checks every route shares live in ``service/params.py``;
``engine`` and ``call_mapped`` (the search stack's exceptions as HTTP errors)
are used by the ask route and the MCP tools too.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from climatekg.embeddings.search import MAX_QUERY_CHARS, MAX_TEXT_CHARS, SEARCH_K, SIMILAR_K

from .errors import BadRequest, NotFound, Unavailable
from .params import check_params, int_param, json_object, text_param
from .resources import get_search

bp = Blueprint("search", __name__)

MAX_FILTER_CHARS = 200  # section / technology / location values
SEARCH_PARAMS = ("q", "k", "section", "technology", "location", "year")


def engine():
    """The search engine, or 503 naming the command to run when its index or model is missing or stale."""
    from climatekg.embeddings.encoder import ModelUnavailable
    from climatekg.embeddings.search import IndexMismatch

    try:
        return get_search()
    except (IndexMismatch, ModelUnavailable) as e:
        raise Unavailable(str(e)) from None


def call_mapped(fn, *args, **kwargs):
    """``fn(...)`` with the search stack's exceptions as HTTP errors (the embedding process gone → 503)."""
    from climatekg.embeddings.encoder import ModelUnavailable
    from climatekg.embeddings.search import SearchInputError, UnknownCase

    try:
        return fn(*args, **kwargs)
    except UnknownCase as e:
        raise NotFound(str(e)) from None
    except SearchInputError as e:
        raise BadRequest(str(e)) from None
    except ModelUnavailable as e:
        raise Unavailable(str(e)) from None


# -- routes ----------------------------------------------------------------------------------------

@bp.get("/api/search")
def search():
    check_params(SEARCH_PARAMS)
    q = text_param("q", MAX_QUERY_CHARS, required=True)
    k = int_param("k", 10, *SEARCH_K)
    year = int_param("year", None, 1900, 2100)
    filters = {name: text_param(name, MAX_FILTER_CHARS) for name in ("section", "technology", "location")}
    result = call_mapped(engine().search, q, k=k, year=year, **filters)
    return jsonify(result)


@bp.get("/api/cases/<case_id>/similar")
def similar_to_case(case_id: str):
    check_params(("k",))
    k = int_param("k", 5, *SIMILAR_K)
    from .api_cases import find_case

    find_case(case_id)  # 404 naming the valid ids
    return jsonify(call_mapped(engine().similar, case_id=case_id, k=k))


@bp.post("/api/similar")
def similar_to_text():
    check_params(())
    body = json_object(("text", "k"))
    text = text_param("text", MAX_TEXT_CHARS, required=True, value=body.get("text"))
    k = int_param("k", 5, *SIMILAR_K, value=body.get("k"))
    return jsonify(call_mapped(engine().similar, text=text, k=k))
