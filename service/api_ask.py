"""/api/ask: a question in Chinese or English → an answer in the same language, with citations.

GET /api/ask?q=…  or  POST /api/ask with JSON {"q": "…"} or a form field q.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from climatekg.embeddings.search import MAX_QUERY_CHARS

from .api_search import call_mapped, engine
from .errors import UnsupportedMediaType
from .params import check_params, json_object, text_param
from .resources import get_answerer

bp = Blueprint("api_ask", __name__)


def answer(question: str) -> dict:
    """The one way from a checked question to its answer (this route and the MCP tool): the search engine
    analyses it once — language, linked entities, vector — and the answerer works from that analysis."""
    query = call_mapped(engine().analyse, question, "question")
    return call_mapped(get_answerer().ask, query)


def _question() -> str:
    """The question from the query string, a JSON body or a form — with the checks every API route applies
    (JSON decoding and depth, NUL, size)."""
    if request.method == "GET":
        check_params(("q",))
        q = request.args.get("q")
    elif request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        q = json_object(("q",), example='{"q": "…"}').get("q")
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        q = request.form.get("q")
    else:
        raise UnsupportedMediaType(f"send the question as JSON or a form, not {request.mimetype or 'no content type'}")
    return text_param("q", MAX_QUERY_CHARS, required=True, value=q)


@bp.route("/api/ask", methods=["GET", "POST"])
def ask():
    return jsonify(answer(_question()))
