"""The serving front (service/front.py) over real sockets: slow clients hold no thread, runaway queries do not
block other routes, oversized or malformed requests get the JSON error shape, and mounted ASGI apps work.

The server is uvicorn with the front's protocol, in a thread of this process on a free loopback port, serving
the session's app (the model loads once); its timeouts are shortened so the tests wait seconds, not minutes.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
import urllib.parse

import pytest

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RUNAWAY_SECONDS = 60  # the SPARQL time limit of these tests: runaways end when the test stops them
THREADS = 8  # the Flask thread pool in these tests: more than the 4 runaways, fewer than the 64 slow clients
SLOW_CLIENTS = 64


def _mounted_echo(flask_app):
    """A mounted ASGI app (the MOUNTS hook): echoes the body it got, counts lifespan events."""
    state = {"startup": 0, "shutdown": 0}

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].split(".")[1]
                state[kind] += 1
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        message = await receive()
        body = json.dumps({"path": scope["path"], "body": message["body"].decode(), "more": message["more_body"],
                           "state": dict(state)}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.fixture(scope="module")
def front_app(built_settings, search_engine):
    """The app with a long SPARQL time limit (runaway queries stay in flight while the tests look), sharing the
    session's search engine."""
    from dataclasses import replace

    from climatekg.service.app import create_app
    from climatekg.service.serve import boot

    app = create_app(replace(built_settings, sparql_timeout=RUNAWAY_SECONDS, sparql_workers=2))
    app.config["TESTING"] = True
    app.extensions["climatekg"].get("search", lambda settings: search_engine)
    boot(app, background=False)
    yield app
    with app.app_context():
        from climatekg.service.resources import get_sparql

        get_sparql().runner.stop()


@pytest.fixture(scope="module")
def server(front_app, built_settings):
    import asyncio

    import uvicorn

    from climatekg.service.front import MAX_HEADER_BYTES, GuardedHttpToolsProtocol, build_front, target_limit

    class Quick(GuardedHttpToolsProtocol):
        header_timeout = 1.0

    app = front_app
    front = build_front(app, built_settings, mounts=[("/echo", f"{__name__}:_mounted_echo")], threads=THREADS,
                        body_timeout=1.0, send_timeout=2.0)
    config = uvicorn.Config(front, http=Quick, lifespan="on", log_level="warning", ws="none",
                            h11_max_incomplete_event_size=target_limit(built_settings) + MAX_HEADER_BYTES)
    srv = uvicorn.Server(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=lambda: asyncio.run(srv.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    yield port
    srv.should_exit = True
    thread.join(15)
    sock.close()


def get(port, path, timeout=30.0, method="GET", body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def raw(port, data: bytes, timeout=10.0) -> bytes:
    """Send ``data`` on a fresh connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


def json_error(response: bytes) -> tuple[int, dict]:
    head, _, body = response.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.decode().partition(":") for ln in head.split(b"\r\n")[1:])}
    assert headers["content-type"] == "application/json", head
    err = json.loads(body)["error"]
    assert err["status"] == status and err["message"]
    return status, err


def _open_slow(port, n, payload: bytes) -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(payload)
        socks.append(s)
    return socks


def _read_all(s: socket.socket) -> bytes:
    out = b""
    try:
        while chunk := s.recv(65536):
            out += chunk
    finally:
        s.close()
    return out


# -- slow clients ----------------------------------------------------------------------------------

def test_half_sent_requests_hold_no_thread_and_get_408(server):
    slow = _open_slow(server, SLOW_CLIENTS, b"GET /api/cases HTTP/1.1\r\nHost: x\r\n")
    status, _, body = get(server, "/health")  # answered while 64 requests sit half-sent
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, _, body = get(server, "/api/search?q=biogas&k=3")
    assert status == 200 and json.loads(body)["results"]
    for s in slow:  # each half-sent request is answered 408 in the JSON shape and its connection closed
        code, err = json_error(_read_all(s))
        assert code == 408 and err["code"] == "request_timeout"


def test_a_header_trickled_every_few_tenths_is_cut_off(server):
    s = socket.create_connection(("127.0.0.1", server), timeout=10)
    s.sendall(b"GET /health HTTP/1.1\r\n")
    t0 = time.monotonic()
    try:
        for i in range(40):  # a header line every 0.2 s, for up to 8 s: the deadline is for all of them
            time.sleep(0.2)
            s.sendall(b"X-Trickle-%d: y\r\n" % i)
    except OSError:  # closed by the server
        pass
    code, err = json_error(_read_all(s))
    assert code == 408
    assert time.monotonic() - t0 < 8, "the trickling client was kept to the end"


def test_slow_bodies_hold_no_thread_and_get_408(server):
    head = (b"POST /api/similar HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{\"text\": ")
    slow = _open_slow(server, SLOW_CLIENTS, head)  # 64 bodies started, more than the Flask threads
    status, _, body = get(server, "/api/cases")
    assert status == 200 and json.loads(body)["count"] == 26
    status, _, _ = get(server, "/api/similar", method="POST", body=json.dumps({"text": "沼气"}),
                       headers={"Content-Type": "application/json"})
    assert status == 200
    for s in slow:
        code, err = json_error(_read_all(s))
        assert code == 408 and "body" in err["message"]


def test_clients_that_do_not_read_their_responses_hold_no_thread(server):
    request = b"GET /api/cases/case-07 HTTP/1.1\r\nHost: x\r\n\r\n"
    stalled = []
    for _ in range(2 * THREADS):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a tiny window: the response cannot all be sent
        s.connect(("127.0.0.1", server))
        s.sendall(request * 4)  # four pipelined requests, none of whose responses is read
        stalled.append(s)
    status, _, body = get(server, "/api/cases/case-01")
    assert status == 200 and json.loads(body)["id"] == "case-01"
    for s in stalled:
        s.close()



def test_sparql_clients_that_do_not_read_their_answers_hold_nothing_and_are_cut_off(server, front_app):
    """/sparql is answered by the front itself (a native route): clients that read nothing of a large answer
    hold no thread and no query worker once their queries have run, and others are answered meanwhile; past the
    send timeout (2 s here) the server closes their connections once what it has written is read — the whole
    answer, intact."""
    from climatekg.service.resources import get_sparql

    with front_app.app_context():
        runner = get_sparql().runner
    everything = urllib.parse.quote("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    request = f"GET /sparql?query={everything} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode()
    stalled = []
    for _ in range(runner.size):  # one query worker each, within the per-client cap
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a tiny window: the answer cannot all be sent
        s.connect(("127.0.0.1", server))
        s.sendall(request)
        stalled.append(s)
    time.sleep(0.5)
    deadline = time.monotonic() + 60
    while (runner.busy or runner.waiting) and time.monotonic() < deadline:  # their queries have run
        time.sleep(0.05)
    status, _, body = get(server, "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
    assert status == 200 and json.loads(body)["boolean"] is True
    assert get(server, "/api/cases/case-01")[0] == 200
    time.sleep(4)  # past the send timeout
    for s in stalled:
        s.settimeout(10)
        head, _, data = _read_all(s).partition(b"\r\n\r\n")  # ends: the server has closed the connection
        length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
        assert head.startswith(b"HTTP/1.1 200") and length > 500_000 and len(data) == length
        assert data.startswith(b"s,p,o\r\n") and data.endswith(b"\r\n")

# -- runaway queries -------------------------------------------------------------------------------

def test_runaway_queries_do_not_hold_up_search_or_health(server, front_app):
    """Four runaway queries (two running, two waiting for a query worker until the queue's deadline refuses them)
    hold Flask threads; search and health are answered while the two run. The runaways are then ended by stopping
    the query workers."""
    from climatekg.service.resources import get_sparql

    results = []

    def runaway():
        q = urllib.parse.urlencode({"query": RUNAWAY})
        status, headers, body = get(server, f"/sparql?{q}", timeout=2 * RUNAWAY_SECONDS)
        results.append((status, json.loads(body)["error"]["code"] if status != 200 else None))

    threads = [threading.Thread(target=runaway) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # the runaways are in flight
    served = []
    for q in ("biogas", "光伏", "bank loans", "储能"):
        status, _, body = get(server, "/api/search?" + urllib.parse.urlencode({"q": q, "k": 3}))
        served.append(status)
        assert json.loads(body)["results"]
    assert get(server, "/health")[0] == 200
    with front_app.app_context():
        runner = get_sparql().runner
    assert runner.busy == 2, "the searches were answered only after the runaway queries ended"
    assert served == [200] * 4
    deadline = time.monotonic() + 2 * RUNAWAY_SECONDS
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        runner.stop()  # kills the running ones; a waiting one gets a fresh worker, which the next round kills
        time.sleep(0.5)
    assert len(results) == 4 and all(status == 503 for status, _ in results), results


# -- limits in the JSON shape ----------------------------------------------------------------------

def test_a_long_url_is_a_json_414_and_a_documented_size_query_is_not(server, built_settings):
    from climatekg.service.front import target_limit

    limit = target_limit(built_settings)
    code, err = json_error(raw(server, b"GET /api/search?q=" + b"a" * (limit + 10) + b" HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert code == 414 and err["code"] == "uri_too_long"
    code, err = json_error(raw(server, b"GET /api/search?q=" + b"a" * (limit + 20_000) + b" HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert code == 414  # past h11's buffer too: still JSON
    # a GET carrying the documented 20 kB query, percent-encoded, reaches the endpoint (well past gunicorn's 4 kB)
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 #" + "é" * ((built_settings.sparql_max_query_bytes - 60) // 2)
    assert len(query.encode()) <= built_settings.sparql_max_query_bytes
    status, _, body = get(server, "/sparql?" + urllib.parse.urlencode({"query": query}),
                          headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body[:300]


def test_huge_headers_and_garbage_are_json_errors(server):
    code, err = json_error(raw(server, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40_000 + b"\r\n\r\n"))
    assert code == 431 and err["code"] == "request_header_fields_too_large"
    code, err = json_error(raw(server, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 200_000 + b"\r\n\r\n"))
    assert code == 431  # past h11's buffer too
    code, err = json_error(raw(server, b"NOT HTTP AT ALL\r\n\r\n"))
    assert code == 400


def test_a_chunked_body_over_the_limit_is_refused_not_truncated(server, built_settings):
    limit = built_settings.sparql_max_query_bytes
    prefix = "SELECT * WHERE { ?s ?p ?o } LIMIT 25 "
    query = prefix + "#" * (limit + 1 - len(prefix))
    assert len(query.encode()) == limit + 1

    def chunked(data: bytes, size=4096) -> bytes:
        parts = [b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size)]
        return b"".join(parts) + b"0\r\n\r\n"

    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Accept: application/sparql-results+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    code, err = json_error(raw(server, head + chunked(query.encode())))
    assert code == 413
    ok = raw(server, head + chunked(query[: limit - 10].encode()))
    assert ok.startswith(b"HTTP/1.1 200"), ok[:300]
    assert len(json.loads(ok.partition(b"\r\n\r\n")[2])["results"]["bindings"]) == 25


def test_a_body_over_the_front_limit_is_refused_before_it_is_read(server):
    from climatekg.service.front import MAX_BODY_BYTES

    head = (b"POST /api/similar HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1))
    code, err = json_error(raw(server, head))
    assert code == 413


# -- the mount hook --------------------------------------------------------------------------------

def test_a_mounted_asgi_app_gets_whole_bodies_and_its_lifespan(server):
    status, _, body = get(server, "/echo/x", method="POST", body="hello " * 1000,
                          headers={"Content-Type": "text/plain"})
    got = json.loads(body)
    assert status == 200 and got["path"] == "/echo/x" and got["body"] == "hello " * 1000 and got["more"] is False
    assert got["state"] == {"startup": 1, "shutdown": 0}
    assert get(server, "/echoes")[0] == 404  # a prefix is a path segment, not a string prefix


# -- one write per response ------------------------------------------------------------------------

def test_the_writes_of_one_loop_step_leave_as_one_and_closing_sends_them_first():
    """h11 writes a response's head, body and end separately; the front's transport joins what one step of the
    loop writes, so a waiting client is woken once (the real-socket tests above run through it too)."""
    import asyncio

    from climatekg.service.front import _CoalescingTransport

    class Recorder:
        def __init__(self):
            self.writes, self.events = [], []

        def write(self, data):
            self.writes.append(bytes(data))

        def is_closing(self):
            return "close" in self.events

        def close(self):
            self.events.append("close")

        def write_eof(self):
            self.events.append("eof")

        def get_extra_info(self, name, default=None):
            return ("127.0.0.1", 1234) if name == "peername" else default

    async def main():
        rec = Recorder()
        t = _CoalescingTransport(rec, asyncio.get_running_loop())
        t.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n")
        t.write(b"body")
        t.write(b"")
        assert rec.writes == []  # nothing yet: the step is not over
        await asyncio.sleep(0)
        assert rec.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nbody"]
        t.write(b"error")
        t.write_eof()  # a half-close sends what is pending first
        assert rec.writes[-1] == b"error" and rec.events == ["eof"]
        t.write(b"last")
        t.close()
        assert rec.writes[-1] == b"last" and rec.events == ["eof", "close"]
        t.write(b"after close")
        await asyncio.sleep(0)
        assert rec.writes[-1] == b"last"  # nothing is written to a closing transport
        assert t.get_extra_info("peername") == ("127.0.0.1", 1234)  # everything else is the transport's

    asyncio.run(main())


def test_unescaped_or_broken_bytes_in_the_target_are_json_400s_not_500s(server):
    """A target with raw non-ASCII bytes is no HTTP (RFC 9112: the target is ASCII): the parser refuses it in the
    one JSON error shape; percent-encoded bytes that are no UTF-8 are a 400 too, on the native /sparql route and
    on the Flask routes alike, while the same words percent-encoded are answered."""
    head = b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    q = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?o }")
    for target in (b"/api/search?q=" + "光伏发电".encode(), b"/sparql?query=" + q.encode() + b"&x=" + "值".encode(),
                   b"/api/search?q=%FF%FE", b"/sparql?query=" + q.encode() + b"%20%C3"):
        code, err = json_error(raw(server, b"GET " + target + head))
        assert code == 400 and err["code"] == "bad_request", (target, err)
    assert raw(server, b"GET /api/search?q=" + urllib.parse.quote("光伏发电").encode() + head).startswith(b"HTTP/1.1 200")
    assert raw(server, b"GET /sparql?query=" + q.encode() + head).startswith(b"HTTP/1.1 200")
