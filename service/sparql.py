"""The SPARQL 1.1 Protocol endpoint: ``/sparql`` (read-only, offline, limited in time and size).

Queries arrive as ``GET ?query=``, ``POST`` form (``query=``) or ``POST``
``application/sparql-query``; the predeclared prefixes of
``graph.store.PREFIXES`` may be used without declaring them. Results:

==================  ===========================================================  ==========
query form          media types (Accept, q-values honoured)                      ``format=``
==================  ===========================================================  ==========
SELECT, ASK         application/sparql-results+json (default), …+xml,            json, xml,
                    text/csv, text/tab-separated-values                          csv, tsv
CONSTRUCT,DESCRIBE  text/turtle (default), application/ld+json,                  turtle, jsonld,
                    application/n-triples, application/rdf+xml                   ntriples, rdfxml
==================  ===========================================================  ==========

``GET /sparql`` without a query returns the SPARQL Service Description (with
a VoID description of the dataset) as Turtle/JSON-LD/N-Triples/RDF-XML, or a
small HTML page for a browser.

What is refused, and how (every error has the one JSON shape of
``service/errors.py``): SPARQL Update → 403; ``SERVICE`` or a ``FROM`` naming
another dataset → 403 (decided on the query's tokens, see ``graph/query/policy``);
``default-graph-uri``/``named-graph-uri`` other than this dataset → 400;
syntax error → 400 with the parser's message, line and column; query larger
than ``sparql_max_query_bytes`` → 413; empty query → 400; nothing acceptable
→ 406 listing the available types; past ``sparql_timeout`` seconds (a lower
``timeout`` parameter is honoured) → the query's worker process is killed and
the answer is 503 ``timeout``; a query past the worker's memory cap
(``sparql_worker_memory_mb``) → 503 ``out_of_memory`` (the worker is
replaced); every worker busy for longer than ``sparql_queue_wait`` seconds,
or ``sparql_queue`` queries already waiting → 503 ``busy`` with
``Retry-After``; a client (by remote address) with ``sparql_client_queries``
queries already running or waiting → 429 with ``Retry-After``; a body over the
size limit → 413, chunked or not. At most ``sparql_max_rows`` rows/triples come
back; a cut result says so in the header ``X-Result-Truncated: true`` and, in
SPARQL JSON, in a top-level ``"truncated": true``.

CORS is open (``Access-Control-Allow-Origin: *``, preflight answered) so
browser tools such as YASGUI can query the endpoint.

Queries run in the per-process ``QueryPool`` (``graph/query/pool``) of
``service/sparql_service.py``, started at boot (``resources.get_sparql()``)
and kept on ``app.extensions``; its size is the setting ``sparql_workers``.
Under ``climatekg serve`` the front (``service/front.py``) answers GET and POST
queries itself, on its event loop (``native_route``: the same ``plan`` /
``answer`` / ``finish`` as the Flask route, the pool's ``run_async``); the
Flask route answers them under gunicorn or the test client, and answers the
service description and preflights everywhere.
The engine writes the answer itself where it can (``graph/query/worker``).
With ``sparql_endpoint`` set, the workers send the checked queries to that
SPARQL server instead of holding the graph: this service stays the policy,
limit and format front.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask import Blueprint, Response, request, url_for
from werkzeug.datastructures import CombinedMultiDict, MIMEAccept
from werkzeug.http import parse_accept_header

from climatekg.graph.query import PREFIX_MAP, FormNotAcceptable
from climatekg.graph.query.formats import GRAPH_FORMS, RESULT_FORMS

from .errors import BadRequest, Forbidden, NotAcceptable, PayloadTooLarge, UnsupportedMediaType
from .params import query_pairs
from .resources import get_sparql
from .sparql_service import SparqlService

bp = Blueprint("sparql", __name__)
log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- formats and negotiation


@dataclass(frozen=True)
class Format:
    key: str  # the `format=` value
    media_type: str  # what we send as Content-Type
    aliases: tuple[str, ...] = ()  # other media types a client may ask for this with
    charset: bool = False  # add "; charset=utf-8"

    @property
    def content_type(self) -> str:
        return self.media_type + ("; charset=utf-8" if self.charset else "")


RESULT_FORMATS = (  # SELECT / ASK; the first is the default
    Format("json", "application/sparql-results+json", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Format("csv", "text/csv", (), True),
    Format("tsv", "text/tab-separated-values", (), True),
)
GRAPH_FORMATS = (  # CONSTRUCT / DESCRIBE (and the service description)
    Format("turtle", "text/turtle", ("application/x-turtle",), True),
    Format("jsonld", "application/ld+json", ("application/json",)),
    Format("ntriples", "application/n-triples", ("text/plain",), True),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml")),
)
HTML = Format("html", "text/html", (), True)
#: `format=` values → the format keys they pick (json/xml name one format per family; the other names are
#: the ones SPARQLWrapper sends as `format=`, so its requests never trip over them)
FORMAT_NAMES = {
    "json": {"json", "jsonld"}, "xml": {"xml", "rdfxml"}, "csv": {"csv"}, "tsv": {"tsv"},
    "turtle": {"turtle"}, "ttl": {"turtle"}, "n3": {"turtle"},  # Turtle is N3
    "jsonld": {"jsonld"}, "json-ld": {"jsonld"},
    "ntriples": {"ntriples"}, "nt": {"ntriples"}, "n-triples": {"ntriples"},
    "rdfxml": {"rdfxml"}, "rdf+xml": {"rdfxml"}, "rdf": {"rdfxml"},
    "html": {"html"},
}


def negotiate(offers, accept: MIMEAccept, format_param: str | None) -> Format | None:
    """The offer to send: ``format=`` first (a key or a media type), else the Accept header by q-value.

    Ties go to the earlier offer (so JSON / Turtle win a ``*/*``); no Accept
    header means the first offer; None when nothing offered is acceptable.
    An alias (application/json for SPARQL JSON…) counts only when named
    exactly — ``text/*`` does not make text/xml pick SPARQL XML.
    """
    if format_param:
        wanted = format_param.strip().lower()
        if "/" in wanted:  # format=text/csv, as some tools send
            accept = parse_accept_header(wanted, MIMEAccept)
        else:
            keys = FORMAT_NAMES.get(wanted, set())
            return next((f for f in offers if f.key in keys), None)
    if not accept:
        return offers[0]
    best, best_q = None, 0.0
    for f in offers:
        q = max([accept.quality(f.media_type)]
                + [quality for value, quality in accept if value.lower() in f.aliases])
        if q > best_q:
            best, best_q = f, q
    return best


@functools.lru_cache(maxsize=256)
def _query_formats(accept: str | None, format_param: str | None) -> tuple[Format | None, Format | None]:
    """(results format, graph format) for an Accept header and ``format=`` value — clients send the same few
    over and over, so the answer is kept (a pure function of the two strings)."""
    parsed = parse_accept_header(accept, MIMEAccept)
    return negotiate(RESULT_FORMATS, parsed, format_param), negotiate(GRAPH_FORMATS, parsed, format_param)


def _known_format(name: str) -> bool:
    return "/" in name or name.strip().lower() in FORMAT_NAMES


def _not_acceptable(what: str, offers) -> NotAcceptable:
    types = [f.media_type for f in offers]
    keys = [f.key for f in offers]
    return NotAcceptable(f"no acceptable format for {what}; available: {', '.join(types)} "
                         f"(or format={'|'.join(keys)})", detail={"available": types, "format": keys})


# --------------------------------------------------------------------------- reading the request


def _limit_body(req, max_body: int) -> None:
    """Refuse a body over ``max_body`` bytes with 413 — a declared length at once, a chunked one (no
    Content-Length) after reading at most one byte past the limit: never cut it and run the rest."""
    if req.content_length is not None:
        if req.content_length > max_body:
            raise PayloadTooLarge(f"request body is {req.content_length} bytes; the limit for a query is "
                                  f"{max_body} bytes", detail={"limit_bytes": max_body})
        return
    stream = req.environ.get("wsgi.input")
    data, size = [], 0
    while stream is not None and size <= max_body:
        chunk = stream.read(min(65536, max_body + 1 - size))
        if not chunk:
            break
        data.append(chunk)
        size += len(chunk)
    if size > max_body:
        raise PayloadTooLarge(f"request body is over {max_body} bytes (sent chunked); the limit for a query is "
                              f"{max_body} bytes", detail={"limit_bytes": max_body})
    import io

    body = b"".join(data)  # hand the whole body back to werkzeug, with its length now known
    req.environ["wsgi.input"] = io.BytesIO(body)
    req.environ["CONTENT_LENGTH"] = str(len(body))
    req.environ.pop("HTTP_TRANSFER_ENCODING", None)
    req.environ["wsgi.input_terminated"] = False
    req.__dict__.pop("stream", None)
    req.__dict__.pop("content_length", None)


def _read_request(req, max_bytes: int):
    """(params, query or None) from GET or the two POST encodings of the protocol."""
    if req.method == "GET":
        params = req.args
        queries = params.getlist("query")
    else:
        mimetype = req.mimetype
        if mimetype == "application/sparql-update":
            raise Forbidden("SPARQL Update is not allowed: this endpoint is read-only", detail={"reason": "update"})
        if mimetype == "application/x-www-form-urlencoded":
            _limit_body(req, 3 * max_bytes + 4096)  # percent-encoding may triple the query
            params = CombinedMultiDict([req.form, req.args])
            queries = params.getlist("query")
        elif mimetype == "application/sparql-query":
            _limit_body(req, max_bytes)
            charset = req.mimetype_params.get("charset", "utf-8")
            try:
                body = req.get_data(cache=True).decode(charset)
            except LookupError:
                raise BadRequest(f"unknown charset {charset!r} — send the query as UTF-8") from None
            params = req.args
            queries = [body, *params.getlist("query")]
        else:
            raise UnsupportedMediaType(
                f"POST a query as application/sparql-query (the query as the body) or as "
                f"application/x-www-form-urlencoded (query=…), not {mimetype or 'an untyped body'}")
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise Forbidden("SPARQL Update is not allowed: this endpoint is read-only", detail={"reason": "update"})
    if len(queries) > 1:
        raise BadRequest("more than one query given — send exactly one `query`")
    query = queries[0] if queries else None
    if query is not None:
        check_query_text(query, max_bytes)
    return params, query


def check_query_text(query: str, max_bytes: int) -> None:
    """413 for a query over ``max_bytes`` (sparql_max_query_bytes), 400 for an empty one — every way in
    (/sparql, the spreadsheet download, the MCP tool) applies the same limits."""
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise PayloadTooLarge(f"query is {size} bytes; the limit is {max_bytes} bytes (sparql_max_query_bytes)",
                              detail={"size_bytes": size, "limit_bytes": max_bytes})
    if not query.strip():
        raise BadRequest("empty query — send a SPARQL query in `query`")


def effective_timeout(raw: str | None, limit: float) -> float:
    """The `timeout` parameter (seconds), never above the configured limit."""
    if raw is None or raw.strip() == "":
        return limit
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"timeout must be a number of seconds, got {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise BadRequest(f"timeout must be a positive number of seconds, got {raw!r}")
    return min(value, limit)


def _check_dataset_params(params, dataset_iri: str) -> None:
    for name in ("default-graph-uri", "named-graph-uri"):
        for iri in params.getlist(name):
            if iri.strip() != dataset_iri:
                raise BadRequest(f"{name} <{iri}> is not a graph of this endpoint: the only dataset is "
                                 f"<{dataset_iri}> (its default graph) — leave {name} out or give that IRI",
                                 detail={"parameter": name, "allowed": [dataset_iri]})


# --------------------------------------------------------------------------- the endpoint
#
# One core, two ways in: ``plan`` reads and checks a request, ``answer`` writes the pool's result as the
# response, ``finish`` adds what every /sparql response carries. The Flask view below runs them around the
# blocking ``SparqlService.run`` (gunicorn, the Flask test client); ``native_route`` runs the same three around
# ``SparqlService.run_async`` on the event loop of the front (`climatekg serve`), without Flask or a thread.


@dataclass
class Plan:
    """A checked /sparql request: what to run and how to write the answer (``query`` None: the service
    description is asked for)."""

    query: str | None
    format_param: str | None
    timeout: float = 0.0
    forms: frozenset = frozenset()
    formats: dict | None = None
    results_fmt: Format | None = None
    graph_fmt: Format | None = None
    client: str | None = None

    def run_args(self, svc: SparqlService) -> dict:
        return {"query": self.query, "timeout": self.timeout, "max_rows": svc.settings.sparql_max_rows,
                "forms": self.forms, "formats": self.formats, "client": self.client}


def plan(svc: SparqlService, req) -> Plan:
    """Read and check a /sparql request (``req``: a werkzeug Request — Flask's or the front's); ApiError for
    anything refused before a query runs."""
    settings = svc.settings
    params, query = _read_request(req, settings.sparql_max_query_bytes)
    format_param = params.get("format")
    if format_param and not _known_format(format_param):
        raise BadRequest(f"unknown format {format_param!r}; use one of "
                         f"{'|'.join(f.key for f in (*RESULT_FORMATS, *GRAPH_FORMATS))}")
    if query is None:
        if req.method == "POST":
            raise BadRequest("no query — send query=… (form) or an application/sparql-query body")
        return Plan(None, format_param)

    _check_dataset_params(params, svc.dataset_iri)
    timeout = effective_timeout(params.get("timeout"), settings.sparql_timeout)
    results_fmt, graph_fmt = _query_formats(req.headers.get("Accept"), format_param)
    forms = (RESULT_FORMS if results_fmt else set()) | (GRAPH_FORMS if graph_fmt else set())
    if not forms:
        raise _not_acceptable("any query result", RESULT_FORMATS + GRAPH_FORMATS)
    formats = {"results": (results_fmt or RESULT_FORMATS[0]).key, "graph": (graph_fmt or GRAPH_FORMATS[0]).key}
    return Plan(query, format_param, timeout, frozenset(forms), formats, results_fmt, graph_fmt, req.remote_addr)


def answer(plan_: Plan, result: dict, response_class=Response) -> Response:
    """The pool's result (its ``body`` written in the negotiated format) as the response."""
    fmt = plan_.results_fmt if result["form"] in RESULT_FORMS else plan_.graph_fmt
    resp = response_class(result["body"], content_type=fmt.content_type)
    resp.headers["X-Result-Truncated"] = "true" if result["truncated"] else "false"
    resp.headers["Server-Timing"] = f"query;dur={result['seconds'] * 1000:.1f}"
    resp.headers["Vary"] = "Accept"
    return resp


def form_not_acceptable(e: FormNotAcceptable) -> NotAcceptable:
    offers = RESULT_FORMATS if e.form in RESULT_FORMS else GRAPH_FORMATS
    return _not_acceptable(f"{e.form} results", offers)


EXPOSED_HEADERS = "X-Result-Truncated, Server-Timing, Retry-After"


def finish(resp: Response, req) -> Response:
    """What every /sparql response carries — answers and errors alike: open CORS (read-only public data: any
    origin, preflight answered for GET/POST)."""
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if req.method == "OPTIONS":
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = (req.headers.get("Access-Control-Request-Headers")
                                                        or "Accept, Content-Type")
        resp.headers["Access-Control-Max-Age"] = "86400"
    return resp


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    svc = get_sparql()
    p = plan(svc, request)
    if p.query is None:
        return service_description(svc, p.format_param)
    try:
        result = svc.run(**p.run_args(svc))
    except FormNotAcceptable as e:
        raise form_not_acceptable(e) from None
    return answer(p, result)


@bp.after_request
def _finish(resp: Response) -> Response:
    return finish(resp, request)


def native_route(flask_app):
    """/sparql as a native route of the front (``service/front.py`` ``ROUTES``): GET and POST queries answered
    on the event loop with the core above and ``SparqlService.run_async``, then the app's own finishing —
    CORS (``finish``) and, when the app has it, gzip (``ui.assets.compress``) — so the response is the one the
    Flask route gives, byte for byte (tests/test_sparql_native.py holds the two side by side). Everything else
    (no query: the service description; HEAD, OPTIONS, other methods) returns None: the Flask app answers it."""
    import asyncio
    import io

    from a2wsgi.wsgi import build_environ

    from .errors import error_response
    from .params import check_request, reject_bad_encoding
    from .ui.assets import compress

    if "sparql" not in flask_app.blueprints:
        return None

    # the Flask route's request hooks, each of which the native route applies itself: with any other hook the
    # Flask app answers every request (a hook that is not carried over must never be skipped)
    hooks = ({f for name in (None, "sparql") for f in flask_app.before_request_funcs.get(name, ())}
             | {f for name in (None, "sparql") for f in flask_app.after_request_funcs.get(name, ())})
    if (not hooks <= {check_request, _finish, compress} or flask_app.teardown_request_funcs
            or flask_app.url_value_preprocessors or flask_app.teardown_appcontext_funcs):
        log.warning("/sparql answered by the Flask app only: it has request hooks the native route does not apply")
        return None
    if compress not in flask_app.after_request_funcs.get(None, ()):
        compress = None
    request_class, response_class = flask_app.request_class, flask_app.response_class
    plain_response = response_class is Response  # (an app's own response class is always gone through)
    limits = {"max_content_length": flask_app.config.get("MAX_CONTENT_LENGTH"),
              "max_form_memory_size": flask_app.config.get("MAX_FORM_MEMORY_SIZE"),
              "max_form_parts": flask_app.config.get("MAX_FORM_PARTS")}
    svc_holder: list[SparqlService] = []

    def service() -> SparqlService:
        if not svc_holder:  # the app's one SparqlService (made at boot by serve.boot, or here on first use)
            with flask_app.app_context():
                svc_holder.append(get_sparql())
        return svc_holder[0]

    async def route(scope, body: bytes):
        method = scope["method"]
        if method not in ("GET", "POST"):
            return None
        req = ScopeRequest.of(scope, body) if plain_response else None
        environ = None
        try:
            if req is None:  # the general way: werkzeug's request (POST, or a query string to refuse)
                environ = build_environ(scope, io.BytesIO(body))
                req = request_class(environ)
                for name, value in limits.items():
                    if value is not None:
                        setattr(req, name, value)
                reject_bad_encoding(req)
            svc = svc_holder[0] if svc_holder else await asyncio.to_thread(service)
            p = plan(svc, req)
            if p.query is None:
                return None
            try:
                result = await svc.run_async(**p.run_args(svc))
            except FormNotAcceptable as e:
                raise form_not_acceptable(e) from None
            if plain_response:
                return wsgi_answer(p, result, req, compress is not None)
            resp = answer(p, result, response_class)
        except Exception as e:  # noqa: BLE001 - answered as the Flask app's handlers answer it
            resp = error_response(flask_app, e)
        if environ is None:  # an error of a request read from the scope: finished as the general way does
            environ = build_environ(scope, io.BytesIO(body))
            req = request_class(environ)
        resp = finish(resp, req)
        if compress is not None:
            resp = compress(resp, req)
        return resp.get_wsgi_response(environ)

    return route


class ScopeRequest:
    """What ``plan`` and ``wsgi_answer`` read of a request (``method``, ``mimetype``, ``args``, ``headers.get``,
    ``remote_addr``, ``accept_encodings``), read straight from the ASGI scope for a GET with a plain query string —
    the common case of the native route, without building a WSGI environ and a werkzeug request (whose query
    string parsing and the separate encoding check cost more than a cheap query's evaluation). ``of`` gives None
    for anything else (a body, a query string that is not ASCII, not UTF-8 once decoded, or holds NUL): werkzeug's
    request reads it then, and refuses what is to be refused, as for every route."""

    __slots__ = ("args", "headers", "remote_addr")
    method = "GET"
    mimetype = ""

    def __init__(self, args: "_Params", headers: dict[str, str], remote_addr: str | None):
        self.args, self.headers, self.remote_addr = args, headers, remote_addr

    @classmethod
    def of(cls, scope, body: bytes) -> "ScopeRequest | None":
        if scope["method"] != "GET" or body:
            return None
        pairs = query_pairs(scope["query_string"])
        if pairs is None:
            return None
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:  # as the WSGI environ has them: repeated headers joined by ","
            key = name.decode("latin-1").lower().replace("_", "-")
            value = value.decode("latin-1")
            headers[key] = headers[key] + "," + value if key in headers else value
        args: _Params = _Params()
        for name, value in pairs:
            args.setdefault(name, []).append(value)
        client = scope.get("client")
        return cls(args, _Headers(headers), client[0] if client else None)

    @property
    def accept_encodings(self):
        return _accept_encodings(self.headers.get("Accept-Encoding"))


class _Params(dict):
    """Query-string parameters (name → its values, in order), read as ``plan`` reads werkzeug's MultiDict: ``get``
    the first value, ``getlist`` all, ``in``."""

    __slots__ = ()

    def get(self, name: str, default=None):
        values = dict.get(self, name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(dict.get(self, name, ()))


class _Headers(dict):
    """Request headers by lower-case name (``_`` read as ``-``, as in a WSGI environ), read case-insensitively (as
    werkzeug's ``headers.get``)."""

    __slots__ = ()

    def get(self, name: str, default=None):
        return dict.get(self, name.lower(), default)


@functools.lru_cache(maxsize=64)
def _accept_encodings(header: str | None):
    return parse_accept_header(header)


def wsgi_answer(plan_: Plan, result: dict, req, gzip_when_asked: bool):
    """The WSGI response triple of a successful query — what ``answer``, ``finish`` and the app's ``compress``
    make of it, header for header (tests/test_sparql_native.py holds the two side by side), written directly:
    the native route's answers skip building a werkzeug Response only to read its headers back."""
    from .ui.assets import MIN_COMPRESS, accepts_gzip, compressible

    fmt = plan_.results_fmt if result["form"] in RESULT_FORMS else plan_.graph_fmt
    body = result["body"]
    vary = "Accept"
    gz = False
    if gzip_when_asked and compressible(fmt.media_type):
        vary = "Accept, Accept-Encoding"
        gz = len(body) >= MIN_COMPRESS and bool(req.headers.get("Accept-Encoding")) and accepts_gzip(req)
    if gz:
        import gzip

        body = gzip.compress(body, 6, mtime=0)
    headers = [("Content-Type", fmt.content_type), ("Content-Length", str(len(body))),
               ("X-Result-Truncated", "true" if result["truncated"] else "false"),
               ("Server-Timing", f"query;dur={result['seconds'] * 1000:.1f}"), ("Vary", vary),
               ("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSED_HEADERS)]
    if gz:
        headers.append(("Content-Encoding", "gzip"))
    return [body], "200 OK", headers


# --------------------------------------------------------------------------- service description


SD_NS = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RESULT_FORMAT_IRIS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                      "Turtle", "JSON-LD", "N-Triples", "RDF_XML")


def description_graph(svc: SparqlService, endpoint_iri: str):
    """The sd:Service of this endpoint with a VoID description of its default dataset (an rdflib Graph)."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

    SD, FORMATS = Namespace(SD_NS), Namespace(FORMATS_NS)
    settings, stats = svc.settings, svc.stats()
    g = Graph()
    for name, ns in (("sd", SD), ("void", VOID), ("formats", FORMATS), ("dcterms", DCTERMS), ("ckg", PREFIX_MAP["ckg"])):
        g.bind(name, ns)
    service, dataset, default_graph = URIRef(endpoint_iri), URIRef(svc.dataset_iri), BNode("defaultGraph")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for f in RESULT_FORMAT_IRIS:
        g.add((service, SD.resultFormat, FORMATS[f]))
    g.add((service, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    g.add((service, SD.defaultDataset, dataset))
    g.add((service, RDFS.comment, Literal(
        f"Read-only; SPARQL Update, SERVICE and FROM other datasets are refused; at most "
        f"{settings.sparql_max_rows} rows per result; queries stop after {settings.sparql_timeout:g} s; "
        f"queries up to {settings.sparql_max_query_bytes} bytes. Predeclared prefixes: "
        + ", ".join(PREFIX_MAP) + ".", lang="en")))

    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal("climatekg: 2023 China corporate climate action cases", lang="en")))
    g.add((dataset, DCTERMS.title, Literal("2023 中国企业气候行动案例知识图谱", lang="zh")))
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, VOID.triples, Literal(stats["triples"], datatype=XSD.integer)))
    g.add((dataset, VOID.sparqlEndpoint, service))
    g.add((dataset, VOID.uriSpace, Literal(svc.id_base)))
    g.add((dataset, VOID.vocabulary, URIRef(PREFIX_MAP["ckg"])))
    g.add((dataset, VOID.exampleResource, URIRef(settings.base_iri + "id/case/case-01")))
    for prop in ("triples", "entities", "distinctSubjects", "distinctObjects", "properties"):
        g.add((dataset, VOID[prop], Literal(stats[prop], datatype=XSD.integer)))
    g.add((dataset, VOID.classes, Literal(len(stats["classPartitions"]), datatype=XSD.integer)))
    for i, (cls, n) in enumerate(stats["classPartitions"]):
        part = BNode(f"class{i}")
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for i, (prop, n) in enumerate(stats["propertyPartitions"]):
        part = BNode(f"property{i}")
        g.add((dataset, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(n, datatype=XSD.integer)))
    return g


_RDFLIB_FORMATS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml"}


def service_description(svc: SparqlService, format_param: str | None) -> Response:
    fmt = negotiate((*GRAPH_FORMATS, HTML), request.accept_mimetypes, format_param)
    if fmt is None:
        raise _not_acceptable("the service description", (*GRAPH_FORMATS, HTML))
    endpoint_iri = url_for("sparql.endpoint", _external=True)
    if fmt.key == "html":
        resp = Response(_html_page(endpoint_iri), content_type=HTML.content_type)
    else:
        g = description_graph(svc, endpoint_iri)
        resp = Response(g.serialize(format=_RDFLIB_FORMATS[fmt.key], encoding="utf-8"),
                        content_type=fmt.content_type)
    resp.headers["Vary"] = "Accept"
    return resp


_EXAMPLE = """SELECT ?case ?title WHERE {
  ?case a ckg:Case ; dcterms:title ?title .
  FILTER(LANG(?title) = "en")
} ORDER BY ?case"""


def _html_page(endpoint_iri: str) -> str:
    root = request.script_root
    options = "".join(f'<option value="{f.key}">{f.key}</option>' for f in (*RESULT_FORMATS, *GRAPH_FORMATS))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>climatekg SPARQL endpoint</title></head>
<body>
<h1>climatekg SPARQL endpoint</h1>
<p>SPARQL 1.1 Query endpoint at <code>{escape(endpoint_iri)}</code> (read-only).
Open the <a href="{root}/sparql/editor">query editor</a>, or read the service description as
<a href="?format=turtle">Turtle</a> · <a href="?format=jsonld">JSON-LD</a>.
Predeclared prefixes: {escape(", ".join(PREFIX_MAP))}.</p>
<form method="get" action="{root}/sparql">
<textarea name="query" rows="8" cols="80">{escape(_EXAMPLE)}</textarea><br>
<label>format <select name="format">{options}</select></label> <button type="submit">Run</button>
</form>
</body></html>
"""
