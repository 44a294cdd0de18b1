"""The ASGI front of the service: what stands between the network and the Flask app.

`climatekg serve` runs uvicorn (an event-loop HTTP server) with this front as
its application. Slow clients cannot hold a worker thread, by design:

* **Headers** are read by the event loop. ``GuardedHttpToolsProtocol`` (uvicorn's
  httptools protocol: the llhttp parser, in C) gives a connection ``HEADER_TIMEOUT`` seconds to deliver a
  request's headers (uvicorn itself only times out *idle* keep-alive
  connections, and resets that timer on every byte, so a client trickling a
  header every few seconds would be kept forever); past it the answer is a
  JSON 408 and the connection is closed. A request target longer than
  ``target_limit`` is a JSON 414, headers beyond ``MAX_HEADER_BYTES`` a 431 (counted while they arrive: no
  unbounded buffer), and a request llhttp cannot parse a JSON 400 — never a plain-text page. What one step of
  the event loop writes to a connection leaves as one write (``_CoalescingTransport``): a response's head and
  body wake the client once.
* **Bodies** are read whole by the event loop (``Front``), within
  ``BODY_TIMEOUT`` seconds (408) and ``MAX_BODY_BYTES`` (413, also for a
  chunked body), before the request reaches a thread: the Flask app sees a
  complete body with its ``Content-Length``.
* **Responses** are taken from the app as fast as it produces them and written
  to the client by the event loop, so a client that stops reading holds no
  thread either; one that reads nothing for ``SEND_TIMEOUT`` seconds is cut off.
* The Flask app runs in a pool of ``THREADS`` threads per process (a2wsgi's
  WSGI→ASGI adapter); only complete requests ever occupy one.

Native routes: ``ROUTES`` maps an exact path to ``"module:function"``, called once per process (when the front is
built) with the Flask app; it returns None (the route stays Flask's) or an async handler taking the scope and the
whole body and returning a WSGI response triple (``werkzeug.Response.get_wsgi_response``) — or None to let the
Flask app answer that request after all. ``/sparql`` is one (``service.sparql.native_route``): its queries are
answered on the event loop, by the same code as the Flask route, without a thread hop or the WSGI adapter. The
limits, body buffering and response decoupling above hold for native routes too.

Mounting an ASGI app beside Flask: add ``(path prefix, "module:function")`` to
``MOUNTS``. The function is called once per process with the Flask app and
returns an ASGI app; requests for the prefix or anything under ``prefix/`` go
to it with the same limits, body buffering and response decoupling, and its
lifespan (startup/shutdown) runs with the server's. The function is called on
the first request for its prefix (on a thread, so the event loop keeps
serving), not at boot: the MCP SDK takes seconds and ~70 MB per process to
import, which a service nobody asks over MCP should not pay at start-up. The sub-app sees the full
path (nothing is stripped: FastMCP's ``streamable_http_app()`` serves its own
``streamable_http_path``, ``/mcp`` by default, so mount it at ``/mcp``).
Blocking work inside a sub-app belongs in a thread (``anyio.to_thread``), not
on the event loop.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
from collections.abc import Awaitable, Callable

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: (path prefix, "module:function") — ASGI apps mounted beside the Flask app (see the module docstring)
MOUNTS: list[tuple[str, str]] = [("/mcp", "climatekg.service.asgi:mcp_app")]
#: exact path → "module:function" — native routes answered before the Flask app (see the module docstring)
ROUTES: dict[str, str] = {"/sparql": "climatekg.service.sparql:native_route"}

THREADS = 16  # Flask request threads per process: only complete requests occupy one
HEADER_TIMEOUT = 10.0  # seconds to deliver the request line and headers
BODY_TIMEOUT = 30.0  # seconds to deliver the whole body once the headers are in
SEND_TIMEOUT = 30.0  # seconds a client may read nothing of its response before it is cut off
MAX_HEADER_BYTES = 16 * 1024  # header lines after the request line
MAX_BODY_BYTES = 1024 * 1024  # any body, any route (routes have tighter limits of their own)
LINGER_SECONDS = 2.0  # after an error answer on a connection the client is still writing to
MAX_PARSED_TARGET = 65535  # the longest request target httptools parses

log = logging.getLogger("climatekg.front")
Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


def target_limit(settings) -> int:
    """Longest request target (path and query string) accepted: a GET carrying the largest query the SPARQL
    endpoint accepts (sparql_max_query_bytes), percent-encoded (at most 3 bytes per byte), plus room for the
    other parameters."""
    return 3 * settings.sparql_max_query_bytes + 4096


def error_bytes(status: int, code: str, message: str) -> bytes:
    """The service's one JSON error shape (service/errors.py), encoded."""
    return json.dumps({"error": {"status": status, "code": code, "message": message}},
                      ensure_ascii=False).encode("utf-8")


async def send_error(send: Send, status: int, code: str, message: str, close: bool = True) -> None:
    body = error_bytes(status, code, message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


# -- the protocol: header deadline, JSON errors for what the parser refuses -------------------------------

_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 414: b"URI Too Long",
            431: b"Request Header Fields Too Large"}


class _HeaderGuard:
    """What the protocol below adds to uvicorn's: a deadline for each request's headers and JSON errors.

    The deadline is armed when the connection opens and again when a response is complete (the next
    request on a kept-alive connection), and disarmed as soon as a request's headers have been parsed.
    Responses go out through a ``_CoalescingTransport``.
    """

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport) -> None:
        self._header_deadline = None
        self._bytes_since_armed = False
        self._discarding = False
        super().connection_made(_CoalescingTransport(transport, self.loop))
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._bytes_since_armed = False
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def on_response_complete(self) -> None:
        self.transport.flush()  # the whole response is written: it leaves now, not a turn of the loop later
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered (pipelining); its end re-arms the deadline
        if self._bytes_since_armed:
            self._write_error(408, "request_timeout",
                              f"the request's headers did not arrive within {self.header_timeout:g} s")
        else:  # an idle connection: just close it
            self.transport.close()

    def _write_error(self, status: int, code: str, message: str) -> None:
        if self.transport.is_closing():
            return
        body = error_bytes(status, code, message)
        head = (b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
                % (status, _REASONS.get(status, b"Error"), len(body)))
        self.transport.write(head + body)
        # a lingering close: stop sending, but read (and drop) what the client is still sending for a moment
        # — closing at once would reset the connection and the client might never read the answer
        self._discarding = True
        try:
            self.transport.write_eof()
        except (NotImplementedError, OSError, RuntimeError):
            self.transport.close()
            return
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


class GuardedHttpToolsProtocol(_HeaderGuard, HttpToolsProtocol):
    """uvicorn's httptools protocol (the llhttp parser, in C: a request costs a fraction of h11's pure Python) with
    the header deadline and JSON errors. llhttp bounds nothing, so the request line and headers are counted here:
    past ``h11_max_incomplete_event_size`` bytes (uvicorn's name for the limit) before the headers are complete, the
    answer is a JSON 414 (still in the request line, or a target past its share) or 431."""

    def connection_made(self, transport) -> None:
        self._in_head, self._head_bytes, self._header_seen = False, 0, False
        self._head_limit = self.config.h11_max_incomplete_event_size or (64 * 1024 + MAX_HEADER_BYTES)
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._discarding:  # after an error answer: the rest of what the client sends is read and dropped
            return
        self._bytes_since_armed = True
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > self._head_limit and not self._discarding:
            if not self._header_seen or len(self.url) > self._target_share():
                self._target_too_long()
            else:
                self._write_error(431, "request_header_fields_too_large",
                                  f"the request headers are larger than {MAX_HEADER_BYTES} bytes")

    def _target_share(self) -> int:
        return min(self._head_limit - MAX_HEADER_BYTES, MAX_PARSED_TARGET)

    def _target_too_long(self) -> None:
        self._write_error(414, "uri_too_long", f"the request target is longer than {self._target_share()} bytes — "
                          "send a long query in a POST body")

    def on_message_begin(self) -> None:
        self._in_head, self._head_bytes, self._header_seen = True, 0, False
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_seen = True
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()  # the app (and the body deadline) take over
        if len(self.url) > self._target_share():  # (a whole head that came in one read)
            self._target_too_long()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._discarding:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._discarding:
            super().on_message_complete()

    def send_400_response(self, msg: str) -> None:  # llhttp could not parse the request
        self._write_error(400, "bad_request", "malformed HTTP request")


class _CoalescingTransport:
    """A connection's transport whose writes within one step of the event loop go out as one write: uvicorn writes a
    response's head, body and end separately, and each write to a waiting client wakes it — on a busy machine a
    context switch each, while the client can do nothing with a head without its body. Everything else is the
    transport's own; closing (or a half-close) sends what is pending first, and so does the end of a response
(``flush``, from the protocol's ``on_response_complete``)."""

    __slots__ = ("_transport", "_loop", "_pending")

    def __init__(self, transport, loop):
        self._transport, self._loop, self._pending = transport, loop, None

    def write(self, data) -> None:
        if not data:
            return
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self._flush)
        else:
            self._pending.append(data)

    def flush(self) -> None:
        """Send what is pending now (a response is complete: nothing more of it will come this step)."""
        if self._pending is not None:
            self._flush()

    def writelines(self, lines) -> None:
        for data in lines:
            self.write(data)

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending = None
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(d) for d in self._pending or ())

    def __getattr__(self, name):
        return getattr(self._transport, name)


# -- the front: routing, buffered bodies, decoupled responses, lifespans ---------------------------


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


class LazyMount:
    """A mounted ASGI app made by ``factory()`` when the first request for it arrives."""

    def __init__(self, factory: Callable[[], object]):
        self.factory = factory
        self.app = None
        self.lock = asyncio.Lock()


class Front:
    """The ASGI application: ``mounts`` (prefix → ASGI app or LazyMount) beside ``wsgi_app`` (the Flask app)."""

    def __init__(self, wsgi_app, mounts: dict[str, object] | None = None, *, routes: dict | None = None,
                 threads: int = THREADS, max_target: int = 64 * 1024, max_body: int = MAX_BODY_BYTES,
                 body_timeout: float = BODY_TIMEOUT, send_timeout: float = SEND_TIMEOUT):
        from a2wsgi import WSGIMiddleware

        self.wsgi = WSGIMiddleware(wsgi_app, workers=threads)
        self.routes = dict(routes or {})  # exact path → native handler (scope, body) → WSGI response or None
        self.mounts = {p.rstrip("/"): app for p, app in (mounts or {}).items()}
        self.max_target, self.max_body = max_target, max_body
        self.body_timeout, self.send_timeout = body_timeout, send_timeout
        self._lifespans: list[_SubLifespan] = []
        self._lifespan_scope: Scope | None = None  # the server's, once it has started: lazy mounts start with it

    def route(self, path: str):
        for prefix, app in self.mounts.items():
            if path == prefix or path.startswith(prefix + "/"):
                return app
        return self.wsgi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(scope, receive, send)
        if scope["type"] != "http":  # websocket: nothing here speaks it
            await send({"type": "websocket.close", "code": 1003})
            return
        target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"]) + 1
        if target > self.max_target:
            return await send_error(send, 414, "uri_too_long", f"the request target is {target} bytes; the limit is "
                                    f"{self.max_target} — send a long query in a POST body")
        header_bytes = sum(len(k) + len(v) + 4 for k, v in scope["headers"])
        if header_bytes > MAX_HEADER_BYTES:
            return await send_error(send, 431, "request_header_fields_too_large",
                                    f"the request headers are {header_bytes} bytes; the limit is {MAX_HEADER_BYTES}")
        declared = chunked = None
        for k, v in scope["headers"]:
            if k == b"content-length":
                declared = v.decode("latin-1").strip()
            elif k == b"transfer-encoding":
                chunked = v
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return await send_error(send, 413, "payload_too_large",
                                    f"the body is {int(declared)} bytes; the limit is {self.max_body}")
        try:
            if declared is None and chunked is None:
                # no body by HTTP/1.1 framing (neither length nor chunks): the server has the whole request
                # already, so reading it cannot wait on the client and needs no deadline
                body = await self._read_body(receive)
            else:
                async with asyncio.timeout(self.body_timeout):  # (a deadline, not a task per request as wait_for)
                    body = await self._read_body(receive)
        except (asyncio.TimeoutError, TimeoutError):
            return await send_error(send, 408, "request_timeout",
                                    f"the request body did not arrive within {self.body_timeout:g} s")
        except _TooLarge:
            return await send_error(send, 413, "payload_too_large", f"the body is larger than {self.max_body} bytes")
        except _Disconnected:
            return
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k not in (b"content-length", b"transfer-encoding")]
        if body or scope["method"] not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            scope["headers"].append((b"content-length", str(len(body)).encode()))
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: http.disconnect when the client goes away

        native = self.routes.get(_path_info(scope))
        if native is not None:
            answered = await native(scope, body)
            if answered is not None:
                return await self._send_wsgi_response(answered, send)
        app = self.route(scope["path"])
        if isinstance(app, LazyMount):
            try:
                app = await self._made(app)
            except Exception as e:  # noqa: BLE001 - the mounted app cannot be made: say so, keep serving the rest
                log.exception("the app mounted at %s could not be started", scope["path"])
                return await send_error(send, 503, "unavailable", f"this endpoint could not be started: {e}")
        writer = _Writer(send, self.send_timeout)
        try:
            await app(scope, replay, writer.send)
        finally:
            await writer.close()

    async def _send_wsgi_response(self, answered, send: Send) -> None:
        """A native route's (app_iter, status, headers), sent as a2wsgi sends a WSGI app's answer. The answer is
        whole already, so it is written here rather than through a _Writer (which frees a WSGI thread): a client
        that reads nothing of a message for ``send_timeout`` seconds is cut off all the same."""
        app_iter, status, headers = answered
        try:
            body = b"".join(app_iter)
        finally:
            getattr(app_iter, "close", lambda: None)()
        start = {"type": "http.response.start", "status": int(status.split(" ", 1)[0]),
                 "headers": [(k.strip().encode("latin1").lower(), v.strip().encode("latin1")) for k, v in headers]}
        try:  # the server waits only before a write, for a client that has not read what came before
            async with asyncio.timeout(self.send_timeout):
                await send(start)
                await send({"type": "http.response.body", "body": body})
        except (asyncio.TimeoutError, TimeoutError):  # the response stays incomplete: uvicorn drops the connection
            log.warning("a client read nothing of its response for %g s; connection dropped", self.send_timeout)

    async def _made(self, mount: LazyMount):
        """The app of a lazy mount, made (and its lifespan started) by the first request that needs it."""
        if mount.app is None:
            async with mount.lock:
                if mount.app is None:
                    app = await asyncio.to_thread(mount.factory)
                    if self._lifespan_scope is not None:
                        sub = _SubLifespan(app)
                        if await sub.startup(self._lifespan_scope):
                            self._lifespans.append(sub)
                    mount.app = app
        return mount.app

    async def _read_body(self, receive: Receive) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._lifespan_scope = scope
                try:
                    for app in self.mounts.values():
                        if isinstance(app, LazyMount):
                            continue
                        sub = _SubLifespan(app)
                        if await sub.startup(scope):
                            self._lifespans.append(sub)
                except Exception as e:  # noqa: BLE001 - reported to the server, which stops
                    await send({"type": "lifespan.startup.failed", "message": f"a mounted app failed to start: {e}"})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._lifespan_scope = None
                for sub in reversed(self._lifespans):
                    await sub.shutdown()
                self._lifespans.clear()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _path_info(scope: Scope) -> str:
    """The path below the application's root (``root_path``), as the Flask app routes it."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


class _Writer:
    """Takes response messages from the app without waiting for the client; an event-loop task writes them."""

    def __init__(self, send: Send, timeout: float):
        self._send, self.timeout = send, timeout
        self.queue: asyncio.Queue = asyncio.Queue()
        self.stalled = False
        self.task = asyncio.get_running_loop().create_task(self._drain())

    async def send(self, message: dict) -> None:
        if not self.stalled:  # once the client has stalled, the rest of the response is dropped
            self.queue.put_nowait(message)

    async def _drain(self) -> None:
        while True:
            message = await self.queue.get()
            if message is None:
                return
            try:
                await asyncio.wait_for(self._send(message), self.timeout)
            except (asyncio.TimeoutError, TimeoutError):
                self.stalled = True  # the app returns without completing the response: uvicorn drops the connection
                log.warning("a client read nothing of its response for %g s; connection dropped", self.timeout)
                return

    async def close(self) -> None:
        self.queue.put_nowait(None)
        await self.task


class _SubLifespan:
    """Runs a mounted ASGI app's lifespan protocol (startup … shutdown) beside the server's."""

    def __init__(self, app):
        self.app = app
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None

    async def startup(self, scope: Scope) -> bool:
        """True when the app speaks lifespan and started; False when it does not take lifespan events."""
        self.task = asyncio.get_running_loop().create_task(self._run(scope))
        await self.inbox.put({"type": "lifespan.startup"})
        reply = await self.outbox.get()
        if reply is None:
            return False
        if reply["type"] == "lifespan.startup.failed":
            raise RuntimeError(reply.get("message") or "startup failed")
        return True

    async def _run(self, scope: Scope) -> None:
        try:
            await self.app(scope, self.inbox.get, self.outbox.put)
        except Exception:  # noqa: BLE001 - an app without lifespan support may raise on the lifespan scope
            log.debug("mounted app does not support lifespan", exc_info=True)
        finally:
            await self.outbox.put(None)

    async def shutdown(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.outbox.get()
        if self.task is not None:
            await self.task


# -- building it -----------------------------------------------------------------------------------


def load_mounts(flask_app, mounts: list[tuple[str, str]] | None = None) -> dict[str, LazyMount]:
    """{prefix: LazyMount} from MOUNTS (or ``mounts``): each "module:function" is called with the Flask app on the
    first request for its prefix."""
    def factory(ref: str):
        module, _, name = ref.partition(":")
        return lambda: getattr(importlib.import_module(module), name)(flask_app)

    return {prefix: LazyMount(factory(ref)) for prefix, ref in (MOUNTS if mounts is None else mounts)}


def load_routes(flask_app, routes: dict[str, str] | None = None) -> dict:
    """{path: handler} from ROUTES (or ``routes``): each "module:function" called with the Flask app now; a route
    whose function returns None stays the Flask app's."""
    out = {}
    for path, ref in (ROUTES if routes is None else routes).items():
        module, _, name = ref.partition(":")
        handler = getattr(importlib.import_module(module), name)(flask_app)
        if handler is not None:
            out[path] = handler
    return out


def build_front(flask_app, settings, mounts: list[tuple[str, str]] | None = None,
                routes: dict[str, str] | None = None, **options) -> Front:
    """The front for ``flask_app`` with the limits derived from ``settings``, the native routes of ROUTES and the
    ASGI apps of MOUNTS."""
    return Front(flask_app, load_mounts(flask_app, mounts), routes=load_routes(flask_app, routes),
                 max_target=target_limit(settings), **options)
