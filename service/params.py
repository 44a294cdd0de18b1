"""The request checks every route shares: parameters, text, JSON bodies and their encoding.

A caller's mistake is a 400/413/415 with a message naming the fix. ``reject_bad_encoding`` runs before every
request of the app (``init_app``): a path, query string or form field that is not valid UTF-8 or holds NUL is
a 400 instead of being silently decoded with replacement characters.
"""

from __future__ import annotations

import codecs
import difflib
import json
from urllib.parse import unquote_to_bytes

from flask import Flask, request

from .errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 64 * 1024  # JSON bodies
MAX_JSON_DEPTH = 32  # nesting of a JSON body
_ARGS = object()  # "read the value from the query string"


def init_app(app: Flask) -> None:
    app.before_request(check_request)


def check_request():
    """The app's before-request check (the front's native routes call ``reject_bad_encoding`` themselves)."""
    return reject_bad_encoding(request)


def percent_decode(raw: bytes) -> bytes:
    """``raw`` (a name or value of a query string or form body) with ``+`` as a space and ``%XX`` decoded — what
    ``urllib.parse.unquote_to_bytes`` gives (a ``%`` not followed by two hex digits stays as it is), at C speed:
    with every backslash doubled and every ``%`` spelled ``\\x``, the bytes-escape decoder does the work; where it
    refuses (a stray ``%``), urllib's loop does."""
    raw = raw.replace(b"+", b" ")
    if b"%" not in raw:
        return raw
    try:
        return codecs.escape_decode(raw.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
    except ValueError:
        return unquote_to_bytes(raw)


def _bad_pair(pair: bytes) -> BadRequest | None:
    """The 400 for one ``name=value`` piece of a query string that is not valid UTF-8 or holds NUL, else None."""
    for piece in pair.split(b"=", 1):
        try:
            decoded = percent_decode(piece).decode("utf-8")
        except UnicodeDecodeError as e:
            return BadRequest(f"the query string is not valid UTF-8 ({e.reason} at byte {e.start} of "
                              f"{piece[:40].decode('ascii', 'replace')!r}); percent-encode UTF-8 text",
                              detail={"code": "bad_encoding"})
        if "\x00" in decoded:
            return BadRequest(f"parameter {_shown(pair.split(b'=', 1)[0])} must not contain NUL characters")
    return None


def query_pairs(raw: bytes) -> list[tuple[str, str]] | None:
    """The (name, value) pairs of a query string in one pass, as werkzeug's ``Request.args`` reads them (pieces
    split at ``&``, empty ones skipped, a piece without ``=`` a name with an empty value) — or None when
    ``reject_bad_encoding`` would refuse it (not UTF-8, NUL) or it is not plain ASCII: then the caller goes the
    general way, which gives the 400."""
    if not raw.isascii():
        return None
    pairs = []
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        try:
            name_s, value_s = percent_decode(name).decode("utf-8"), percent_decode(value).decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "\x00" in name_s or "\x00" in value_s:
            return None
        pairs.append((name_s, value_s))
    return pairs


def reject_bad_encoding(request):
    """Every route (``request``: Flask's, or the werkzeug request of a native route of the front): the path and
    the query string must be valid UTF-8 (after percent-decoding) without NUL characters, and so must the fields
    of a form body."""
    if "\x00" in request.path:
        raise BadRequest("the path must not contain NUL characters")
    raw = request.query_string
    if raw and query_pairs(raw) is None:
        for pair in raw.split(b"&"):
            error = _bad_pair(pair)
            if error is not None:
                raise error
    if request.mimetype == "application/x-www-form-urlencoded":
        for name, value in request.form.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise BadRequest(f"form field {name[:40]!r} must not contain NUL characters",
                                 detail={"parameter": name[:40]})
    return None


def _shown(raw: bytes) -> str:
    text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", "replace").replace("\x00", "\\0")
    return repr(text if len(text) <= 40 else text[:40] + "…")


def check_params(known: tuple[str, ...] | set[str], params=None) -> None:
    """400 for a parameter the route does not know (a typo would otherwise be ignored) or one given twice — of the
    query string, or of ``params`` (e.g. a form and the query string together)."""
    params = request.args if params is None else params
    for name in params:
        if name not in known:
            hint = difflib.get_close_matches(name, list(known), n=1)
            if known:
                msg = f"unknown parameter '{name}'" + (f" — did you mean '{hint[0]}'?" if hint else "") + \
                      f" (this route takes: {', '.join(sorted(known))})"
            else:
                msg = f"unknown parameter '{name}' (this route takes no query parameters)"
            raise BadRequest(msg, detail={"parameter": name})
        if len(params.getlist(name)) > 1:
            raise BadRequest(f"parameter '{name}' is given more than once", detail={"parameter": name})


def int_param(name: str, default: int | None, lo: int, hi: int, value=_ARGS) -> int | None:
    """An integer from the query string (or ``value``, e.g. from a JSON body) within [lo, hi]."""
    raw = request.args.get(name) if value is _ARGS else value
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return default
    if isinstance(raw, bool) or isinstance(raw, float) and not raw.is_integer():
        raise BadRequest(f"'{name}' must be an integer from {lo} to {hi}, got {raw!r}", detail={"parameter": name})
    try:
        n = int(raw.strip()) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError):
        shown = raw if len(str(raw)) <= 40 else str(raw)[:40] + "…"
        raise BadRequest(f"'{name}' must be an integer from {lo} to {hi}, got {shown!r}",
                         detail={"parameter": name}) from None
    if not lo <= n <= hi:
        raise BadRequest(f"'{name}' must be an integer from {lo} to {hi}, got {n}", detail={"parameter": name})
    return n


def text_param(name: str, max_chars: int, required: bool = False, value=_ARGS) -> str | None:
    """A text parameter: stripped; empty → None (or 400 when required); longer than max_chars → 413."""
    raw = request.args.get(name) if value is _ARGS else value
    if raw is not None and not isinstance(raw, str):
        raise BadRequest(f"'{name}' must be a string", detail={"parameter": name})
    text = (raw or "").strip()
    if not text:
        if required:
            raise BadRequest(f"'{name}' is required and must not be empty", detail={"parameter": name})
        return None
    if "\x00" in text:
        raise BadRequest(f"'{name}' must not contain NUL characters", detail={"parameter": name})
    if len(text) > max_chars:
        raise PayloadTooLarge(f"'{name}' is {len(text)} characters long; the limit is {max_chars}",
                              detail={"parameter": name, "limit": max_chars})
    return text


def json_object(known: tuple[str, ...], example: str = '{"text": "…", "k": 5}') -> dict:
    """The request body as a JSON object: 415 unless application/json, 413 when too big, 400 when not UTF-8/JSON."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not (mimetype.startswith("application/") and mimetype.endswith("+json")):
        raise UnsupportedMediaType(f"send the body as JSON with 'Content-Type: application/json' "
                                   f"(got {request.content_type or 'no content type'!r})")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is {request.content_length} bytes; the limit is {MAX_BODY_BYTES}")
    data = request.stream.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"send the JSON body as UTF-8 (got charset={charset})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest(f"the body is not valid UTF-8 ({e.reason} at byte {e.start})",
                         detail={"code": "bad_encoding"}) from None
    if not text.strip():
        raise BadRequest(f"the body is empty; send a JSON object, e.g. {example}")
    body = parse_json(text)
    if not isinstance(body, dict):
        raise BadRequest(f"the body must be a JSON object, got {type(body).__name__}")
    for key, value in body.items():
        if key not in known:
            hint = difflib.get_close_matches(key, list(known), n=1)
            raise BadRequest(f"unknown field {key[:40]!r}" + (f" — did you mean '{hint[0]}'?" if hint else "") +
                             f" (known: {', '.join(known)})", detail={"field": key[:40]})
        if value is None:
            raise BadRequest(f"field '{key}' is null — leave it out or give it a value", detail={"field": key})
    return body


def parse_json(text: str):
    """JSON text → value: 400 when it is not JSON, nests deeper than MAX_JSON_DEPTH, or holds a string that
    is not Unicode text (a lone surrogate escape such as \\ud800) or contains NUL."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise BadRequest(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as e:
        raise BadRequest(f"the body is not valid JSON: {e}") from None
    stack = [(value, 1)]
    while stack:  # iterative: a deep body must not exhaust the stack here either
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
            continue
        if isinstance(node, dict):
            children = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)
    return value


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise BadRequest("a string in the JSON body contains a NUL character (\\u0000)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise BadRequest(f"a string in the JSON body is not valid Unicode: a lone surrogate escape "
                         f"(\\u{ord(text[e.start]):04x}) at character {e.start}") from None
