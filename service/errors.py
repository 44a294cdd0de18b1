"""Typed HTTP errors and the one JSON shape every 4xx/5xx response has.

    {"error": {"status": 400, "code": "bad_request", "message": "…", "detail": {...}}}

A caller's mistake raises an ApiError subclass; anything else is our bug and
becomes a 500 with a generic message (logged with its traceback).
"""

from __future__ import annotations

from flask import Flask, current_app
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, detail: dict | None = None, status: int | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail or {}
        self.headers = headers or {}  # sent with the error (e.g. Retry-After)
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


def error_body(status: int, code: str, message: str, detail: dict | None = None, app: Flask | None = None):
    """The error as a JSON response (``app``'s JSON provider; the current app's when not given)."""
    body = {"error": {"status": status, "code": code, "message": message}}
    if detail:
        body["error"]["detail"] = detail
    resp = (app or current_app).json.response(body)
    resp.status_code = status
    return resp


def error_response(app: Flask, e: Exception):
    """The response for an exception raised while answering a request: ApiError, werkzeug's HTTPException, a
    body that is not UTF-8, or — anything else — our bug (logged with its traceback, a generic 500). The Flask
    handlers and the front's native routes (service/front.py) both answer this way."""
    if isinstance(e, ApiError):
        resp = error_body(e.status, e.code, e.message, e.detail, app)
        for name, value in e.headers.items():
            resp.headers[name] = value
        return resp
    if isinstance(e, HTTPException):
        code = (e.name or "error").lower().replace(" ", "_")
        resp = error_body(e.code or 500, code, e.description or e.name, app=app)
        if e.code == 405 and getattr(e, "valid_methods", None):
            resp.headers["Allow"] = ", ".join(e.valid_methods)
        return resp
    if isinstance(e, UnicodeDecodeError):
        return error_body(400, "bad_encoding", f"request is not valid UTF-8 ({e.reason} at byte {e.start})", app=app)
    app.logger.error("unhandled error", exc_info=e)
    return error_body(500, "internal_error", "internal server error — this is a bug in climatekg; please report it",
                      app=app)


def register_error_handlers(app: Flask) -> None:
    for kind in (ApiError, HTTPException, UnicodeDecodeError, Exception):
        app.register_error_handler(kind, lambda e: error_response(app, e))
