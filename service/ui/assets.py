"""What browsers download, made small and cacheable — for the whole app, not only the pages:

- ``/assets/<name>.<hash>.<ext>``: the files of ``service/static`` under names that carry a digest of their
  content, served with ``Cache-Control: public, max-age=31536000, immutable`` (a changed file gets a new
  name, so a year-long lifetime is safe) and stored gzip-compressed once per process. Templates write
  ``{{ asset('ui/ui.css') }}``. The unhashed ``/static/`` route stays for anything else.
- every text response of the app (pages, JSON, SPARQL results, RDF) is gzip-compressed when the client
  accepts it and it is worth it (``compress``);
- ``/favicon.ico``: the icon (pages link it under its hashed name);
- ``wants_html``: whether a browser asks (pages.py answers a 404 for a URL no route knows with an HTML page
  then, with the usual JSON error otherwise).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, request

STATIC = Path(__file__).resolve().parent.parent / "static"
YEAR = 365 * 24 * 3600
MIN_COMPRESS = 1024  # bytes: below this gzip's header costs more than it saves
COMPRESSIBLE = {
    "application/javascript", "application/json", "application/ld+json", "application/n-triples",
    "application/rdf+xml", "application/sparql-results+json", "application/sparql-results+xml",
    "application/xml", "image/svg+xml", "text/javascript",
}
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")


@dataclass(frozen=True)
class Asset:
    name: str  # ui/ui.css
    hashed: str  # ui/ui.3f2a1b9c0d.css
    mimetype: str
    body: bytes
    gzipped: bytes | None  # None when compressing would not help


def _hashed_name(name: str, digest: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot and "/" not in ext else f"{name}.{digest}"


def _scan(root: Path) -> dict[str, Asset]:
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        body = path.read_bytes()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        gz = gzip.compress(body, 9, mtime=0) if compressible(mimetype) and len(body) >= MIN_COMPRESS else None
        if gz is not None and len(gz) >= len(body):
            gz = None
        out[name] = Asset(name, _hashed_name(name, hashlib.sha256(body).hexdigest()[:10]), mimetype, body, gz)
    return out


def assets() -> tuple[dict[str, Asset], dict[str, Asset]]:
    """(logical name → asset, hashed name → asset), read once per process (every request in debug mode)."""
    ext = current_app.extensions.setdefault("climatekg_ui", {})
    if "assets" not in ext or current_app.debug:
        by_name = _scan(STATIC)
        ext["assets"] = (by_name, {a.hashed: a for a in by_name.values()})
    return ext["assets"]


def asset_url(name: str) -> str:
    """``/assets/<hashed name>`` of a file under service/static (``/static/<name>`` if it is not there)."""
    a = assets()[0].get(name)
    return f"/assets/{a.hashed}" if a else f"/static/{name}"


def vendor_files() -> dict:
    """Which vendored front-end files are present (the editor works without them: a plain text area)."""
    by_name = assets()[0]
    return {"codemirror": "vendor/codemirror/editor.min.js" in by_name}


def compressible(mimetype: str | None) -> bool:
    return bool(mimetype) and (mimetype.startswith("text/") or mimetype in COMPRESSIBLE)


def accepts_gzip(req=None) -> bool:
    return (request if req is None else req).accept_encodings["gzip"] > 0


def serve_asset(hashed: str):
    a = assets()[1].get(hashed)
    if a is None:
        return None
    etag = hashed.rsplit("/", 1)[-1]
    use_gz = a.gzipped is not None and accepts_gzip()
    if use_gz:
        etag += "-gz"
    if request.if_none_match.contains(etag):
        resp = Response(status=304)
    else:
        resp = Response(a.gzipped if use_gz else a.body, mimetype=a.mimetype)
        if use_gz:
            resp.headers["Content-Encoding"] = "gzip"
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    resp.vary.add("Accept-Encoding")
    return resp


def compress(resp: Response, req=None) -> Response:
    """gzip a whole, uncompressed text response when the client accepts it (streamed responses and files sent
    as they are read pass untouched). ``req``: the request (Flask's current one when not given; the front's
    native /sparql route passes its own)."""
    if (resp.direct_passthrough or resp.is_streamed or resp.status_code in (204, 206, 304)
            or resp.status_code < 200 or "Content-Encoding" in resp.headers or not compressible(resp.mimetype)):
        return resp
    resp.vary.add("Accept-Encoding")
    if not accepts_gzip(req):
        return resp
    data = resp.get_data()
    if len(data) < MIN_COMPRESS:
        return resp
    resp.set_data(gzip.compress(data, 6, mtime=0))
    resp.headers["Content-Encoding"] = "gzip"
    etag, weak = resp.get_etag()
    if etag:
        resp.set_etag(etag + "-gz", weak)
    return resp


def wants_html() -> bool:
    """Whether the client (a browser) prefers an HTML page to JSON."""
    accept = request.accept_mimetypes
    return accept["text/html"] > accept["application/json"]


def favicon():
    """The icon itself at the address browsers try without being told (pages link its hashed name)."""
    a = assets()[0]["ui/favicon.svg"]
    resp = Response(a.body, mimetype=a.mimetype)
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


#: the routes of this module, for /openapi.json
OPENAPI_PATHS = {
    "/assets/{name}": {"get": {
        "operationId": "asset", "tags": ["web interface"],
        "summary": "A script, style sheet or icon of the pages under a name carrying a digest of its content "
                   "(cached for a year; gzip-compressed when accepted)",
        "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                        "description": "e.g. ui/ui.<digest>.css, as the pages link it"}],
        "responses": {"200": {"description": "the file", "content": {"text/css": {"schema": {"type": "string"}},
                                                                    "text/javascript": {"schema": {"type": "string"}},
                                                                    "image/svg+xml": {"schema": {"type": "string"}}}},
                      "404": {"description": "no such file under that digest (an HTML page for browsers)",
                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
                                          "text/html": {"schema": {"type": "string"}}}},
                      "405": {"description": "not GET or HEAD",
                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
    "/favicon.ico": {"get": {
        "operationId": "favicon", "tags": ["web interface"], "summary": "The site icon (SVG; cached for a day)",
        "responses": {"200": {"description": "the icon", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
                      "405": {"description": "not GET or HEAD",
                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
}
