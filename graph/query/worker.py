"""A query worker process: one store loaded once, jobs answered one at a time over a socket.

Oxigraph evaluates a query in Rust and cannot be interrupted from Python, and
rdflib's evaluator cannot be interrupted either; the only dependable way to
stop a runaway query is to stop the process running it — so queries run here,
in a process the pool (``pool.py``) may kill.

One job: the policy check (``policy.checked``, cached per text), then the
engine. With Oxigraph and a format to write, the engine writes the answer
itself (no Python object per row) into a buffer that gives up past
``ROW_BYTES[format] × (max_rows + 1)`` bytes — below that the result cannot
have more than ``max_rows`` rows; above it the query is evaluated again and
cut at ``max_rows`` rows, marked truncated, and written from those rows. The
rdflib engine and a remote store always go through rows.

The protocol is a pair of byte messages over a socket pair
(``multiprocessing.connection``): a job is JSON ``{"query", "max_rows",
"forms", "results", "graph", "hard_limit"}``; a reply is a 4-byte header
length, a JSON header (``status``, and for ``ok``: ``form``, ``kind``,
``truncated``, ``seconds``, ``format``) and the body (the written answer, or
JSON rows when no format was asked).

Guards: a job that runs longer than ``DEMOTE_AFTER`` seconds has its thread's CPU priority lowered by
``WORKER_NICENESS`` (the pool does it, while it waits for the reply: a runaway query competes for the cores only
with what nothing else wants), while a quick query is answered at the service's own priority — on a busy
machine a lowered worker waits long for the CPU even for a lookup. Linux keeps a nice value per thread, and a
raised one cannot be lowered again, so a thread that was lowered hands its reply and the next jobs to a fresh
thread (started by the ``spawner`` thread, which stays at the worker's priority; every reply carries the
``tid`` of the thread that will run the next job); the worker's other threads run lowered. Elsewhere the whole
worker runs lowered. The worker also cuts itself off the network where Linux allows it
(``isolate_network``; not for a remote store, which it must reach), caps its
address space at what it needed to load the store plus ``memory_mb``
(``RLIMIT_AS``: a query that wants more fails, and the pool answers "query
used too much memory" and replaces the worker), and arms ``SIGALRM`` at each
job's timeout + a grace period, so it cannot outlive a parent that failed to
kill it. rdflib's parser (the thorough check) recurses once per triple
pattern, so jobs run on a thread with a 64 MiB stack and a raised recursion
limit.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import threading
import time
from itertools import islice
from pathlib import Path

from ..store import QueryError, RemoteUnavailable
from .errors import FormNotAcceptable, QueryFailed, QueryRefused, QuerySyntaxError
from .formats import ROW_BYTES, engine_graph_format, engine_results_format, write_rows
from .policy import checked, syntax_error_of, without_dataset_clauses

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: the worker's job thread: deep enough for rdflib's parser on a ~20 kB query (1500 triple patterns parse;
#: ~2000 nested groups end in a clean RecursionError, well before the stack would overflow)
WORKER_STACK_BYTES = 64 * 1024 * 1024
WORKER_RECURSION_LIMIT = 50_000
#: added to the nice value of a job that runs long (and of a worker's idle threads): such queries yield the CPU to
#: the web workers and the embedding process, so a runaway query (until its timeout kills it) slows searches and
#: page views as little as the kernel allows
WORKER_NICENESS = 10
#: seconds a job runs at the worker's own priority before the pool lowers it (typical queries take milliseconds)
DEMOTE_AFTER = 0.05


# --------------------------------------------------------------------------- rows (SPARQL-JSON-shaped terms)


def _literal(value: str, lang: str | None, datatype: str | None) -> dict:
    d = {"type": "literal", "value": value}
    if lang:
        d["xml:lang"] = lang
    elif datatype and datatype not in (XSD_STRING, RDF_LANGSTRING):
        d["datatype"] = datatype
    return d


def _ox_term(ox, t) -> dict | None:
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        return _literal(t.value, t.language, t.datatype.value)
    return {"type": "literal", "value": str(t)}  # RDF 1.2 triple terms: not produced by our data


def _rdflib_term(t) -> dict | None:
    from rdflib import BNode, Literal, URIRef

    if t is None:
        return None
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    if isinstance(t, Literal):
        return _literal(str(t), t.language, str(t.datatype) if t.datatype else None)
    return {"type": "literal", "value": str(t)}


def _capped(iterable, max_rows: int | None):
    """(rows, truncated): at most max_rows items; truncated when one more existed."""
    if max_rows is None:
        return list(iterable), False
    rows = list(islice(iterable, max_rows + 1))
    if len(rows) > max_rows:
        return rows[:max_rows], True
    return rows, False


def _ox_rows(ox, res, max_rows):
    """(kind, variables, rows, truncated, boolean) of a pyoxigraph query result."""
    if isinstance(res, (ox.QueryBoolean, bool)):
        return "ASK", [], [], False, bool(res)
    if isinstance(res, ox.QuerySolutions):
        variables = [v.value for v in res.variables]
        rows, truncated = _capped(([_ox_term(ox, sol[v]) for v in variables] for sol in res), max_rows)
        return "SELECT", variables, rows, truncated, None
    rows, truncated = _capped(([_ox_term(ox, t.subject), _ox_term(ox, t.predicate), _ox_term(ox, t.object)]
                               for t in res), max_rows)
    return "CONSTRUCT", ["subject", "predicate", "object"], rows, truncated, None


def _oxigraph_query(store, text: str, dataset_clauses: bool = True, info=None):
    """``text`` evaluated by Oxigraph on the store's default graph — named as the default graph only when the
    query has dataset clauses (``FROM <this dataset>`` must not empty it); without, that is Oxigraph's default
    anyway, and naming it costs a good part of a quick query's time. With the query's ``info`` (QueryInfo) only
    the predeclared prefixes it uses without declaring them are handed over (``engine_prefixes``)."""
    ox = store.ox
    prefixes = engine_prefixes(store.prefix_map, info) if info is not None else store.prefix_map
    try:
        if dataset_clauses:
            return store.store.query(text, prefixes=prefixes, default_graph=ox.DefaultGraph())
        return store.store.query(text, prefixes=prefixes)
    except SyntaxError as e:
        raise _engine_syntax_error(text, e) from None


def engine_prefixes(predeclared: dict[str, str], info) -> dict[str, str] | None:
    """The predeclared prefixes (``predeclared``: the store's) a checked query uses without declaring them, or None
    when it declares all it uses — the engine converts every prefix it is handed on every call (a quarter of a
    lookup's time for the fifteen predeclared ones), and a query's own declarations win anyway. Only from the
    lexer's QueryInfo, which has seen every prefixed name of the text; after the thorough check, all of them."""
    if info.checked_by != "tokens":
        return predeclared
    needed = [p for p in info.used_prefixes if p not in info.declared and p in predeclared]
    return {p: predeclared[p] for p in needed} if needed else None


def _engine_syntax_error(text: str, e: Exception):
    """The thorough check's message (rdflib: the caller's line and column, "Expected …"), else the engine's."""
    verdict = syntax_error_of(text)
    if verdict is not None:
        return verdict
    import re

    m = re.match(r"error at (\d+):(\d+): (.*)", str(e), re.S)
    if m:
        return QuerySyntaxError(m.group(3), int(m.group(1)), int(m.group(2)))
    return QuerySyntaxError(str(e))


def execute(store, text: str, max_rows: int | None = None, info=None) -> dict:
    """Evaluate a checked, canonical query on a ``graph.store`` store (Oxigraph, rdflib or remote) in this
    process, as rows — no policy check here (see ``answer``).

    The default graph is always the store's default graph (so ``FROM <this
    dataset>`` never empties the result, and rdflib never loads a FROM graph).
    """
    t0 = time.perf_counter()
    if store.name == "oxigraph":
        res = _oxigraph_query(store, text, info is None or bool(info.from_graphs), info)
        kind, variables, rows, truncated, boolean = _ox_rows(store.ox, res, max_rows)
    elif store.name == "remote":
        import pyoxigraph as ox

        if info is not None:
            text = without_dataset_clauses(text, info)
        try:  # the engine's parser on an empty store: syntax errors with the caller's positions, nothing sent
            ox.Store().query(text, prefixes=store.prefix_map)
        except SyntaxError as e:
            raise _engine_syntax_error(text, e) from None
        with store.open_query(text, info.form if info is not None else "SELECT") as (form, res):
            kind, variables, rows, truncated, boolean = _ox_rows(ox, res, max_rows)
    elif store.name == "rdflib":
        from pyparsing import ParseBaseException

        from .policy import _syntax_error, rdflib_sparql

        rdflib_sparql = rdflib_sparql()

        rdflib_sparql.SPARQL_LOAD_GRAPHS = False  # never fetch a FROM graph from the web
        try:  # a plain Graph: rdflib ignores FROM clauses on it
            res = store.graph.query(text, initNs=store.prefix_map)
        except ParseBaseException as e:
            raise _syntax_error(e) from None
        if res.type == "ASK":
            kind, variables, rows, truncated, boolean = "ASK", [], [], False, bool(res.askAnswer)
        elif res.type == "SELECT":
            kind, boolean = "SELECT", None
            variables = [str(v) for v in res.vars]
            rows, truncated = _capped(([_rdflib_term(r.get(v)) for v in variables] for r in res), max_rows)
        else:
            kind, boolean, variables = "CONSTRUCT", None, ["subject", "predicate", "object"]
            rows, truncated = _capped(([_rdflib_term(s), _rdflib_term(p), _rdflib_term(o)]
                                       for s, p, o in res.graph), max_rows)
    else:
        raise ValueError(f"unknown store {store!r}")
    return {"form": kind, "kind": kind, "variables": variables, "rows": rows, "boolean": boolean,
            "truncated": truncated, "seconds": time.perf_counter() - t0, "engine": store.name}


# --------------------------------------------------------------------------- written by the engine


class _TooLong(Exception):
    pass


class _CappedBuffer:
    """A binary sink for pyoxigraph's writers that gives up past ``limit`` bytes."""

    def __init__(self, limit: int):
        self.limit, self.size, self.parts, self.overflowed = limit, 0, [], False

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.overflowed = True
            raise _TooLong()
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def _engine_written(store, text: str, form: str, key: str, max_rows: int | None,
                    max_bytes: int | None = None, dataset_clauses: bool = True, info=None) -> bytes | None:
    """The answer written by Oxigraph itself, or None when it may hold more than max_rows rows or more than
    ``max_bytes`` bytes (or the format is not one the engine writes as we promise)."""
    ox = store.ox
    if form in ("SELECT", "ASK"):
        fmt = engine_results_format(key)
        if fmt is None:
            return None
        res = _oxigraph_query(store, text, dataset_clauses, info)
        if isinstance(res, (ox.QueryBoolean, bool)):
            return res.serialize(format=fmt)
        write = lambda out: res.serialize(output=out, format=fmt)  # noqa: E731
    else:
        fmt = engine_graph_format(key)
        res = _oxigraph_query(store, text, dataset_clauses, info)
        prefixes = None if key == "ntriples" else store.prefix_map
        write = lambda out: ox.serialize(res, output=out, format=fmt, prefixes=prefixes)  # noqa: E731
    limit = None if max_rows is None else ROW_BYTES[key] * (max_rows + 1) - 1
    if max_bytes is not None:
        limit = max_bytes if limit is None else min(limit, max_bytes)
    sink = _CappedBuffer(limit if limit is not None else 1 << 62)
    try:
        write(sink)
    except (_TooLong, OSError, ValueError):
        if sink.overflowed:
            return None
        raise
    return sink.getvalue()


def answer(store, query: str, max_rows: int | None = None, forms=None, dataset_iris=(),
           formats: dict | None = None) -> tuple[dict, bytes | None]:
    """Check the policy, then evaluate: what a worker does with one job (usable in-process too).

    Returns (result, body): with ``formats`` ({"results": key, "graph": key}) the body is the answer written
    in the format for the query's form and the result has no rows; without, body is None and the result has
    ``variables``/``rows``/``boolean``.
    """
    text, info = checked(query, dataset_iris, forms)
    return evaluate(store, text, info, max_rows, formats)


class AnswerTooLarge(Exception):
    """The answer is not one the engine writes within ``evaluate``'s ``max_bytes`` (the inline lane's limit)."""


def evaluate(store, text: str, info, max_rows: int | None = None, formats: dict | None = None,
             max_bytes: int | None = None) -> tuple[dict, bytes | None]:
    """``answer`` after the policy check: the checked, canonical ``text`` with its QueryInfo evaluated. The
    pool's inline lane (``bounded.py``) gives ``max_bytes``: then only an answer the engine writes whole, in at
    most that many bytes and ``max_rows`` rows, comes back — anything else raises AnswerTooLarge."""
    t0 = time.perf_counter()
    if formats:
        key = formats["results"] if info.form in ("SELECT", "ASK") else formats["graph"]
        if store.name == "oxigraph":
            body = _engine_written(store, text, info.form, key, max_rows, max_bytes, bool(info.from_graphs), info)
            if body is not None:
                kind = info.form if info.form != "DESCRIBE" else "CONSTRUCT"
                return ({"form": info.form, "kind": kind, "truncated": False, "format": key, "engine": store.name,
                         "seconds": time.perf_counter() - t0}, body)
    if max_bytes is not None:
        raise AnswerTooLarge()
    if formats:
        result = execute(store, text, max_rows, info)
        result["form"], result["format"] = info.form, key
        body = write_rows(result, key, store.prefix_map)
        for k in ("rows", "variables", "boolean"):
            result.pop(k, None)
        result["seconds"] = time.perf_counter() - t0
        return result, body
    result = execute(store, text, max_rows, info)
    result["form"] = info.form
    return result, None


# --------------------------------------------------------------------------- the process


def encode_reply(header: dict, body: bytes = b"") -> bytes:
    h = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("!I", len(h)) + h + body


def decode_reply(data: bytes) -> tuple[dict, bytes]:
    (n,) = struct.unpack_from("!I", data)
    return json.loads(data[4:4 + n]), data[4 + n:]


def _job_reply(store, job: dict, dataset_iris) -> tuple[dict, bytes]:
    formats = {"results": job["results"], "graph": job["graph"]} if job.get("results") else None
    try:
        result, body = answer(store, job["query"], job["max_rows"], job["forms"], dataset_iris, formats)
        if body is None:
            body = json.dumps(result, separators=(",", ":"), ensure_ascii=False).encode()
            result = {"rows_json": True}
        return {"status": "ok", **result}, body
    except QuerySyntaxError as e:
        return {"status": "syntax", "args": [e.message, e.line, e.column]}, b""
    except QueryError as e:  # a remote server refused the query as invalid
        return {"status": "syntax", "args": [str(e), None, None]}, b""
    except RemoteUnavailable as e:
        return {"status": "unavailable", "args": [str(e)]}, b""
    except QueryRefused as e:
        return {"status": "refused", "args": [e.reason, e.message]}, b""
    except FormNotAcceptable as e:
        return {"status": "not_acceptable", "args": [e.form]}, b""
    except RecursionError:
        return {"status": "syntax", "args": ["query is nested too deeply for the engine — simplify it", None, None]}, b""
    except MemoryError:
        return {"status": "memory"}, b""
    except QueryFailed as e:
        return {"status": "error", "args": [str(e)]}, b""
    except Exception as e:  # the engine failed on a valid query: reported, the worker lives on
        return {"status": "error", "args": [f"{type(e).__name__}: {e}"]}, b""


def limit_memory(memory_mb: int) -> int | None:
    """Cap this process's address space at its present size + memory_mb; returns the cap in bytes (None where
    the platform has no RLIMIT_AS)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return None
    if memory_mb <= 0 or not hasattr(resource, "RLIMIT_AS"):
        return None
    try:
        with open("/proc/self/statm") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        size = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    cap = size + memory_mb * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    return cap


class _Jobs:
    """What the successive job threads of a worker share: the socket, the store, and the reply a demoted thread
    leaves for its successor."""

    def __init__(self, conn, store, dataset_iris, memory_mb: int):
        self.conn, self.store, self.dataset_iris, self.memory_mb = conn, store, dataset_iris, memory_mb
        self.pending: tuple[dict, bytes] | None = None  # the reply of the job during which a thread was demoted
        self.started = False
        self.done = False  # the parent has gone: no successor


def _thread_nice(tid: int) -> int | None:
    try:
        return os.getpriority(os.PRIO_PROCESS, tid)  # Linux: the thread's own nice value
    except (AttributeError, OSError):  # pragma: no cover - not POSIX
        return None


def _serve_jobs(jobs: _Jobs) -> None:
    """Answer jobs until the parent goes away, or until a job ends with this thread's priority lowered (the pool
    lowers it when a job runs past its DEMOTE_AFTER seconds): then leave the reply to a successor thread at the
    worker's own priority. Every reply carries the ``tid`` of the thread that will run the next job."""
    import signal

    tid = threading.get_native_id()
    own = _thread_nice(tid)
    if not jobs.started:
        jobs.started = True
        limit_memory(jobs.memory_mb)  # here: the job thread's stack is reserved already
        first = ({"status": "ready", "isolated": _isolated}, b"")
    else:
        first, jobs.pending = jobs.pending, None
    reply = first
    while True:
        try:
            jobs.conn.send_bytes(encode_reply({**reply[0], "tid": tid}, reply[1]))
        except (OSError, ValueError):
            jobs.done = True
            return
        try:
            data = jobs.conn.recv_bytes()
        except (EOFError, OSError):
            jobs.done = True
            return  # parent gone
        if not data:
            jobs.done = True
            return
        job = json.loads(data)
        signal.alarm(job["hard_limit"])
        try:
            reply = _job_reply(jobs.store, job, jobs.dataset_iris)
        finally:
            signal.alarm(0)
        if own is not None and _thread_nice(tid) != own:  # demoted during this job: a fresh thread goes on
            jobs.pending = reply
            return


def _successive_job_threads(jobs: _Jobs) -> None:
    """Start a job thread, and a new one each time one returns with a reply pending. Runs at the worker's own
    priority, so every job thread it starts does too."""
    while not jobs.done:
        t = threading.Thread(target=_serve_jobs, args=(jobs,), name="jobs")
        for attempt in range(50):
            try:
                t.start()
                break
            except RuntimeError:  # the predecessor's stack not yet unmapped under the address-space cap
                time.sleep(0.01)
        else:
            return  # the parent sees the socket close and replaces this worker
        t.join()


def isolate_network() -> bool:
    """Best effort, Linux: move this (still single-threaded) process into new user + network namespaces,
    where no interface is up — defence in depth should a query ever get a SERVICE past the check.
    False where the kernel or the container does not allow it (the policy check still applies)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    clone_newuser, clone_newnet = 0x10000000, 0x40000000
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(clone_newuser | clone_newnet) == 0 or libc.unshare(clone_newnet) == 0
    except (OSError, AttributeError):
        return False


_isolated = False


def lower_priority(niceness: int) -> int | None:
    """Run this process ``niceness`` steps below its parent's CPU priority; returns the new nice value (None
    where the platform has no nice)."""
    try:
        return os.nice(niceness)
    except (AttributeError, OSError):  # pragma: no cover - not POSIX
        return None


def _import_rdflib_parser() -> None:
    from .policy import rdflib_sparql

    lower_priority(WORKER_NICENESS)  # this thread's own (Linux: nice is per thread)
    rdflib_sparql()


def main(conn, config: dict) -> None:
    """A worker process: cut off the network, load the store once, then answer jobs until the pipe closes."""
    import signal

    global _isolated
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the hard limit terminates the process
    remote = config.get("endpoint")
    if not remote:
        _isolated = isolate_network()  # first: unshare needs a single-threaded process
    try:
        from ..store import open_store

        store = open_store(Path(config["build_dir"]), config["engine"], endpoint=remote or "")
    except Exception as e:  # reported to the parent, which turns it into a 503 naming the fix
        conn.send_bytes(encode_reply({"status": "failed",
                                      "args": [f"the SPARQL worker could not load the graph: {e}"]}))
        return
    sys.setrecursionlimit(WORKER_RECURSION_LIMIT)
    threading.stack_size(WORKER_STACK_BYTES)
    # rdflib's SPARQL grammar (the thorough check, error messages) takes a second or two to build: in the
    # background, so the worker is ready without it
    threading.Thread(target=_import_rdflib_parser, name="grammar", daemon=True).start()
    jobs = _Jobs(conn, store, set(config["dataset_iris"]), int(config.get("memory_mb") or 0))
    spawner = threading.Thread(target=_successive_job_threads, args=(jobs,), name="spawner")
    spawner.start()  # before this thread lowers its priority: job threads start at the worker's own
    # Linux: nice is per thread — this (idle) thread only, a job thread is lowered when its job runs long;
    # elsewhere nice is per process: every job runs lowered, as before
    lower_priority(WORKER_NICENESS)
    spawner.join()
