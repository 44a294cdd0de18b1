"""/sparql answered natively by the front (service/front.py ``ROUTES`` → ``service.sparql.native_route``) gives the
same responses as the Flask route — status, every header, body — for a table of requests: GET, POST form, POST
application/sparql-query, Accept variants and format=, refusals, limits, a timeout, gzip, the service
description and the preflight (those two are left to the Flask app).

Both fronts are driven in process through the ASGI interface (the protocol layer, uvicorn, is the same for both
and has tests of its own in test_front.py); the native one counts what reaches its Flask app, so a test knows
which of the two answered.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import threading
import time
import urllib.parse
from dataclasses import replace

import pytest

PREFIXES = "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
SELECT = "SELECT ?c ?t WHERE { ?c a ckg:Case ; dcterms:title ?t } ORDER BY ?c ?t"
CONSTRUCT = "CONSTRUCT { ?c dcterms:title ?t } WHERE { ?c a ckg:Case ; dcterms:title ?t }"
ASK = "ASK { ?c a ckg:Case }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MAX_ROWS = 30


class Fronts:
    """The app behind two fronts: ``native`` (its /sparql route on the event loop) and ``flask`` (no native route)."""

    def __init__(self, app, settings):
        from climatekg.service.front import Front, load_routes, target_limit

        self.app, self.flask_calls = app, []

        def counting(environ, start_response):
            self.flask_calls.append(environ["REQUEST_METHOD"] + " " + environ["PATH_INFO"])
            return app(environ, start_response)

        routes = load_routes(app)
        assert set(routes) == {"/sparql"}, "the service's app must get the native /sparql route"
        self.native = Front(counting, routes=routes, max_target=target_limit(settings))
        self.flask = Front(app, routes={}, max_target=target_limit(settings))

    def both(self, method="GET", params=None, headers=None, body=b"", path="/sparql", raw_qs=None):
        """(native response, Flask response, whether the native front answered without its Flask app)."""
        before = len(self.flask_calls)
        native = call(self.native, method, path, params, headers, body, raw_qs)
        handled = len(self.flask_calls) == before
        return native, call(self.flask, method, path, params, headers, body, raw_qs), handled


def call(front, method, path, params=None, headers=None, body=b"", raw_qs=None):
    """(status, [(name, value)], body) of one request through ``front``'s ASGI interface."""
    qs = raw_qs if raw_qs is not None else urllib.parse.urlencode(params or {}, doseq=True).encode()
    head = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    if body:
        head.append((b"content-length", str(len(body)).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": qs,
             "headers": [(b"host", b"127.0.0.1:5000"), *head], "client": ("127.0.0.1", 50000),
             "server": ("127.0.0.1", 5000)}
    out: list[dict] = []

    async def run():
        pending = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive():
            if pending:
                return pending.pop()
            await asyncio.Event().wait()  # the client stays connected

        async def send(message):
            out.append(message)

        await front(scope, receive, send)

    asyncio.run(run())
    start = next(m for m in out if m["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in out if m["type"] == "http.response.body")
    return start["status"], [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]], data


def same(native, flask):
    """The two responses are the same but for the measured query time (Server-Timing) and Retry-After seconds."""
    def norm(response):
        status, headers, body = response
        shown = [(k, re.sub(r"dur=[0-9.]+", "dur=N", v) if k == "server-timing" else
                  ("N" if k == "retry-after" else v)) for k, v in headers]
        return status, shown, re.sub(rb'"retry_after_s": ?\d+', b'"retry_after_s":N', body)

    assert norm(native) == norm(flask)


def header(response, name):
    return next((v for k, v in response[1] if k == name), None)


@pytest.fixture(scope="module")
def fronts(built_settings):
    from climatekg.service.app import create_app

    app = create_app(replace(built_settings, sparql_max_rows=MAX_ROWS, sparql_workers=2, sparql_timeout=10.0))
    app.config["TESTING"] = True
    _start_pool(app)
    yield Fronts(app, app.config["SETTINGS"])
    with app.app_context():
        from climatekg.service.resources import get_sparql

        get_sparql().runner.stop()


def _start_pool(app):
    with app.app_context():
        from climatekg.service.resources import get_sparql

        assert get_sparql().runner.warm_up(120)


GET_CASES = [
    # (params, headers): answers in every format and the negotiation rules
    ({"query": SELECT}, {}),
    ({"query": SELECT}, {"Accept": "application/sparql-results+json"}),
    ({"query": SELECT}, {"Accept": "application/sparql-results+xml"}),
    ({"query": SELECT}, {"Accept": "text/csv"}),
    ({"query": SELECT}, {"Accept": "text/tab-separated-values;q=0.9, text/csv;q=0.5"}),
    ({"query": SELECT}, {"Accept": "application/json"}),
    ({"query": SELECT, "format": "tsv"}, {"Accept": "text/csv"}),
    ({"query": SELECT, "format": "text/csv"}, {}),
    ({"query": ASK}, {}),
    ({"query": ASK}, {"Accept": "text/csv"}),
    ({"query": CONSTRUCT}, {}),
    ({"query": CONSTRUCT}, {"Accept": "application/ld+json"}),
    ({"query": CONSTRUCT}, {"Accept": "application/n-triples"}),
    ({"query": CONSTRUCT, "format": "rdfxml"}, {}),
    ({"query": "DESCRIBE <https://w3id.org/climatekg/id/case/case-01>"}, {"Accept": "text/turtle"}),
    ({"query": PREFIXES + SELECT + "\n# a comment"}, {"Accept": "*/*"}),
    # gzip when asked (the result is over the 1 KB threshold)
    ({"query": SELECT}, {"Accept-Encoding": "gzip"}),
    # the row cap
    ({"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"}, {}),
    # refusals and mistakes: the one JSON error shape, CORS headers on errors too
    ({"query": SELECT}, {"Accept": "image/png"}),
    ({"query": CONSTRUCT}, {"Accept": "application/sparql-results+json"}),
    ({"query": SELECT, "format": "yaml"}, {}),
    ({"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, {}),
    ({"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}, {}),
    ({"query": "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"}, {}),
    ({"query": ASK, "update": "DROP ALL"}, {}),
    ({"query": "SELECT ?x WHERE { ?x ?y }"}, {}),
    ({"query": "SELECT ?x WHERE { ?x nope:p ?y }"}, {}),
    ({"query": ""}, {}),
    ({"query": [ASK, ASK]}, {}),
    ({"query": "ASK {} #" + "x" * 20000}, {}),
    ({"query": ASK, "default-graph-uri": "http://example.org/other"}, {}),
    ({"query": ASK, "default-graph-uri": "https://w3id.org/climatekg/graph"}, {}),
    ({"query": ASK, "timeout": "soon"}, {}),
    ({"query": ASK, "timeout": "-1"}, {}),
    ({"query": "SELECT ?t WHERE { ?c dcterms:title ?t FILTER(CONTAINS(?t, \"银行\")) }"}, {}),
]


@pytest.mark.parametrize("params,headers", GET_CASES)
def test_get_is_answered_natively_and_the_same(fronts, params, headers):
    native, flask, handled = fronts.both("GET", params, headers)
    assert handled, "the native route handed the request to the Flask app"
    same(native, flask)
    assert header(native, "access-control-allow-origin") == "*"
    if native[0] >= 400:
        error = json.loads(native[2])["error"]
        assert error["status"] == native[0] and error["code"] and error["message"]


def test_the_table_exercises_what_it_claims(fronts):
    """Spot checks that the table's cases end where they should (so 'the same' is not 'the same error')."""
    statuses = {}
    for params, headers in GET_CASES:
        status, heads, body = call(fronts.native, "GET", "/sparql", params, headers)
        statuses.setdefault(status, []).append((params.get("query", "")[:30], dict(heads)))
    assert set(statuses) == {200, 400, 403, 406, 413}
    gz = call(fronts.native, "GET", "/sparql", {"query": SELECT}, {"Accept-Encoding": "gzip"})
    assert header(gz, "content-encoding") == "gzip" and json.loads(gzip.decompress(gz[2]))["results"]["bindings"]
    capped = call(fronts.native, "GET", "/sparql", {"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"})
    assert header(capped, "x-result-truncated") == "true"
    assert len(json.loads(capped[2])["results"]["bindings"]) == MAX_ROWS


POST_CASES = [
    # (headers, body, params in the URL)
    ({"Content-Type": "application/x-www-form-urlencoded"}, urllib.parse.urlencode({"query": SELECT}).encode(), {}),
    ({"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"},
     urllib.parse.urlencode({"query": SELECT, "format": "xml"}).encode(), {}),
    ({"Content-Type": "application/x-www-form-urlencoded"}, urllib.parse.urlencode({"query": ASK}).encode(),
     {"timeout": "5"}),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"", {}),
    ({"Content-Type": "application/x-www-form-urlencoded"}, urllib.parse.urlencode({"update": "DROP ALL"}).encode(), {}),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"query=ASK%20%7B%7D&query=ASK%20%7B%7D", {}),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"query=ASK%20%7B%00%7D", {}),
    ({"Content-Type": "application/sparql-query"}, SELECT.encode(), {}),
    ({"Content-Type": "application/sparql-query; charset=utf-8", "Accept": "text/turtle"}, CONSTRUCT.encode(), {}),
    ({"Content-Type": "application/sparql-query"}, ASK.encode(), {"format": "csv"}),
    ({"Content-Type": "application/sparql-query; charset=klingon"}, ASK.encode(), {}),
    ({"Content-Type": "application/sparql-query"}, ("ASK {} #" + "x" * 20000).encode(), {}),
    ({"Content-Type": "application/sparql-query"}, ASK.encode(), {"query": ASK}),
    ({"Content-Type": "application/sparql-update"}, b"DROP ALL", {}),
    ({"Content-Type": "text/plain"}, ASK.encode(), {}),
    ({}, ASK.encode(), {}),
]


@pytest.mark.parametrize("headers,body,params", POST_CASES)
def test_post_is_answered_natively_and_the_same(fronts, headers, body, params):
    native, flask, handled = fronts.both("POST", params, headers, body)
    assert handled, "the native route handed the request to the Flask app"
    same(native, flask)


@pytest.mark.parametrize("raw_qs", [b"query=ASK%20%7B%7D%FF", b"query=ASK%20%7B%7D&x%00=1", b"query=ASK%00"])
def test_bad_encoding_in_the_query_string_is_the_same_400(fronts, raw_qs):
    native, flask, handled = fronts.both("GET", raw_qs=raw_qs)
    assert handled and native[0] == 400
    same(native, flask)


def test_timeout_kills_the_query_and_says_so_the_same_way(fronts):
    native, flask, handled = fronts.both("GET", {"query": RUNAWAY, "timeout": "0.5"})
    assert handled and native[0] == 503
    assert json.loads(native[2])["error"]["code"] == "timeout"
    same(native, flask)
    # the killed worker is replaced; the endpoint keeps answering
    assert call(fronts.native, "GET", "/sparql", {"query": ASK})[0] == 200


@pytest.mark.parametrize("method,params,headers", [
    ("GET", {}, {"Accept": "text/turtle"}),  # the service description
    ("GET", {"format": "html"}, {}),
    ("OPTIONS", {}, {"Origin": "https://yasgui.org", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "Content-Type"}),
    ("HEAD", {"query": ASK}, {}),
    ("PUT", {"query": ASK}, {}),
])
def test_the_rest_is_left_to_the_flask_app(fronts, method, params, headers):
    native, flask, handled = fronts.both(method, params, headers)
    assert not handled
    same(native, flask)


def test_other_paths_never_reach_the_native_route(fronts):
    native, flask, handled = fronts.both("GET", {"query": ASK}, path="/sparql/editor")
    assert not handled and native[0] == flask[0] == 200


def test_an_app_with_other_request_hooks_keeps_the_flask_route(built_settings):
    """A hook the native route does not apply must never be skipped: such an app gets no native route."""
    from climatekg.service.app import create_app
    from climatekg.service.front import load_routes

    app = create_app(built_settings)
    app.after_request(lambda resp: resp)
    assert load_routes(app) == {}


@pytest.fixture(scope="module")
def one_worker(built_settings):
    from climatekg.service.app import create_app

    app = create_app(replace(built_settings, sparql_workers=1, sparql_queue_wait=0.2, sparql_timeout=10.0))
    app.config["TESTING"] = True
    _start_pool(app)
    yield Fronts(app, app.config["SETTINGS"])
    with app.app_context():
        from climatekg.service.resources import get_sparql

        get_sparql().runner.stop()


def test_busy_is_the_same_503_with_retry_after(one_worker):
    from climatekg.service.resources import get_sparql

    with one_worker.app.app_context():
        svc = get_sparql()
    started = threading.Event()

    def hold():
        started.set()
        try:
            svc.run(RUNAWAY, timeout=4, max_rows=10)
        except Exception:  # noqa: BLE001 - the runaway ends in a timeout; that is its purpose
            pass

    holder = threading.Thread(target=hold)
    holder.start()
    started.wait()
    try:
        for _ in range(100):  # until the runaway has the one worker
            if svc.pool.busy:
                break
            time.sleep(0.05)
        native, flask, handled = one_worker.both("GET", {"query": ASK})
    finally:
        holder.join()
    assert handled and native[0] == 503 and json.loads(native[2])["error"]["code"] == "busy"
    assert int(header(native, "retry-after")) >= 1
    same(native, flask)
