"""Typed HTTP errors and the one JSON shape every 4xx/5xx response has.

    {"error": {"status": 400, "code": "bad_request", "message": "…", "detail": {...}}}

A caller's mistake raises an ApiError subclass; anything else is our bug and
becomes a 500 with a generic message (logged with its traceback).
"""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, detail: dict | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail or {}
        if status is not None:
            self.status = status


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class NotFound(ApiError):
    status, code = 404, "not_found"


class MethodNotAllowed(ApiError):
    status, code = 405, "method_not_allowed"


class NotAcceptable(ApiError):
    status, code = 406, "not_acceptable"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class Forbidden(ApiError):
    """A request the service refuses by policy (SPARQL Update, SERVICE, remote FROM …)."""

    status, code = 403, "forbidden"


class Timeout(ApiError):
    status, code = 503, "timeout"


class Unavailable(ApiError):
    status, code = 503, "unavailable"


def error_body(status: int, code: str, message: str, detail: dict | None = None):
    body = {"error": {"status": status, "code": code, "message": message}}
    if detail:
        body["error"]["detail"] = detail
    resp = jsonify(body)
    resp.status_code = status
    return resp


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(e: ApiError):
        return error_body(e.status, e.code, e.message, e.detail)

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        code = (e.name or "error").lower().replace(" ", "_")
        resp = error_body(e.code or 500, code, e.description or e.name)
        if e.code == 405 and getattr(e, "valid_methods", None):
            resp.headers["Allow"] = ", ".join(e.valid_methods)
        return resp

    @app.errorhandler(UnicodeDecodeError)
    def _bad_encoding(e: UnicodeDecodeError):
        return error_body(400, "bad_encoding", f"request is not valid UTF-8 ({e.reason} at byte {e.start})")

    @app.errorhandler(Exception)
    def _bug(e: Exception):
        app.logger.exception("unhandled error")
        return error_body(500, "internal_error", "internal server error — this is a bug in climatekg; please report it")
