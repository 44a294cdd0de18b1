"""/api/ask: a question in Chinese or English → an answer in the same language, with citations.

GET /api/ask?q=…  or  POST /api/ask with JSON {"q": "…"} or a form field q.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from climatekg.embeddings.search import MAX_QUERY_CHARS

from .errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from .resources import get_answerer

bp = Blueprint("api_ask", __name__)

MAX_QUESTION = MAX_QUERY_CHARS


def _question() -> str:
    if request.method == "GET":
        q = request.args.get("q")
    elif request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object like {\"q\": \"…\"}")
        q = body.get("q")
        if q is not None and not isinstance(q, str):
            raise BadRequest("'q' must be a string")
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        q = request.form.get("q")
    else:
        raise UnsupportedMediaType(f"send the question as JSON or a form, not {request.mimetype or 'no content type'}")
    if q is None or not q.strip():
        raise BadRequest("parameter 'q' (the question) is required")
    if len(q) > MAX_QUESTION:
        raise PayloadTooLarge(f"the question is {len(q)} characters; at most {MAX_QUESTION} are accepted")
    return q


@bp.route("/api/ask", methods=["GET", "POST"])
def ask():
    from climatekg.embeddings.search import SearchInputError

    q = _question()
    try:
        return jsonify(get_answerer().ask(q))
    except SearchInputError as e:
        raise BadRequest(str(e)) from None
