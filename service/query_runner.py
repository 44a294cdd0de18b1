"""Run SPARQL queries safely: read-only, offline, time-limited, in a pool of worker processes.

Oxigraph evaluates a query in Rust and cannot be interrupted from Python, and
rdflib's evaluator cannot be interrupted either; the only dependable way to
stop a runaway query is to stop the process running it. So every query runs in
a worker process that has loaded the store once; on timeout the parent kills
that worker (SIGKILL), starts a replacement in the background and raises
``QueryTimeout`` — the other workers keep answering meanwhile.

    runner = QueryRunner(build_dir, engine="oxigraph", pool_size=2,
                         dataset_iris={"https://w3id.org/climatekg/graph"})
    result = runner.run("SELECT ?c WHERE { ?c a ckg:Case }", max_rows=100, timeout=5)
    runner.stop()

``run`` returns a plain dict (picklable, JSON-ready terms)::

    {"form": "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE",
     "kind": "SELECT" | "ASK" | "CONSTRUCT",          # as graph.store.Result.kind
     "variables": [...],
     "rows": [[{"type": "uri", "value": ...} | None, ...], ...],   # CONSTRUCT/DESCRIBE: [s, p, o] rows
     "boolean": bool | None, "truncated": bool, "seconds": float, "engine": "oxigraph"}

Terms are SPARQL-JSON-shaped (``type``/``value``/``xml:lang``/``datatype``;
``xsd:string`` is left implicit).

Before a query is evaluated, the worker parses it with rdflib's SPARQL parser
and walks the syntax tree (never a regex on the text, so a literal "SERVICE"
is fine): SPARQL Update, ``SERVICE`` and ``FROM``/``FROM NAMED`` naming
anything but this dataset are refused (``QueryRefused``) — Oxigraph and rdflib
would both fetch a SERVICE endpoint over HTTP. A prefix neither declared nor
predeclared (``graph.store.PREFIXES``) is a syntax error. The text is made
canonical first (line ends, codepoint escapes: ``canonical_query``) so the
check and the engine read the same query, and where Linux allows it the
workers run in a network namespace of their own with no interface up
(``isolate_network``): even a SERVICE that got past the check would reach
nothing. Parsing happens in
the worker for two reasons: it is bounded by the same timeout (pyparsing can be
slow on hostile input), and rdflib's parser recurses once per triple pattern,
so it needs a deeper stack than a server thread should grant (the worker runs
jobs on a thread with a 64 MiB stack and a raised recursion limit).

The predeclared prefixes are passed to the engine as defaults (a query's own
``PREFIX`` wins), never pasted in front of the text, so the line/column of an
error is the caller's.

Process model: worker processes are started lazily, on the first ``run`` in
the serving process (never at import, never before a fork), as fresh
interpreters (``python -m climatekg.service.query_runner``, like
multiprocessing's ``spawn`` but without re-importing the parent's
``__main__``), so a threaded or forked parent (gunicorn, torch) is safe. A
runner inherited through a fork forgets the parent's workers and starts its
own. Each worker arms ``SIGALRM`` (default action: terminate) at timeout + a
grace period, so it cannot outlive a parent that failed to kill it; an idle
worker exits when its parent goes away.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from climatekg.graph.store import PREFIXES, QueryError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: seconds a worker may run past its job's timeout before it terminates itself
HARD_LIMIT_GRACE = 5
#: the worker's job thread: deep enough for rdflib's parser on a ~20 kB query (1500 triple patterns parse;
#: ~2000 nested groups end in a clean RecursionError, well before the stack would overflow)
WORKER_STACK_BYTES = 64 * 1024 * 1024
WORKER_RECURSION_LIMIT = 50_000


def prefix_map(prefixes: str = PREFIXES) -> dict[str, str]:
    """``{"ckg": "https://w3id.org/climatekg/ontology#", ...}`` from PREFIX lines."""
    out = {}
    for line in prefixes.strip().splitlines():
        _, name, iri = line.split(None, 2)
        out[name.rstrip(":")] = iri.strip().strip("<>")
    return out


PREFIX_MAP = prefix_map()


# --------------------------------------------------------------------------- errors


class QuerySyntaxError(QueryError):
    """Not valid SPARQL; ``line``/``column`` (1-based, in the caller's text) when the parser gave them."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class QueryRefused(Exception):
    """Valid SPARQL that this read-only, offline endpoint will not run. ``reason``: update | service | from."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason, self.message = reason, message


class FormNotAcceptable(Exception):
    """The query's form (e.g. CONSTRUCT) is not among the forms the caller can take; nothing was run."""

    def __init__(self, form: str):
        super().__init__(f"{form} query not acceptable")
        self.form = form


class QueryTimeout(Exception):
    """The query ran past its timeout; the worker running it was killed."""

    def __init__(self, timeout: float):
        super().__init__(f"query did not finish within {timeout:g} s")
        self.timeout = timeout


class RunnerUnavailable(Exception):
    """No worker could take the query (all busy, a worker died, or the store failed to load)."""


class QueryFailed(Exception):
    """The engine raised while evaluating a valid, allowed query."""


# --------------------------------------------------------------------------- analysis (syntax tree, policy)

UPDATE_OPERATIONS = {
    "Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE", "Add": "ADD", "Move": "MOVE",
    "Copy": "COPY", "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
}
FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


@dataclass
class QueryInfo:
    """What the policy needs to know about a parsed query."""

    form: str
    base: str | None = None
    declared: dict[str, str] = field(default_factory=dict)  # PREFIX declarations of the query itself
    used_prefixes: set[str] = field(default_factory=set)
    from_graphs: list[tuple[str, str]] = field(default_factory=list)  # ("FROM" | "FROM NAMED", IRI)
    services: list[str] = field(default_factory=list)  # SERVICE targets (IRI, prefixed name or ?var)


def _syntax_error(e) -> QuerySyntaxError:
    msg = getattr(e, "msg", None) or str(e)
    found = ""
    loc, text = getattr(e, "loc", None), getattr(e, "pstr", None)
    if isinstance(loc, int) and isinstance(text, str):
        found = f", found {text[loc:loc + 20]!r}" if loc < len(text) else ", found end of query"
    return QuerySyntaxError(f"{msg}{found}", getattr(e, "lineno", None), getattr(e, "col", None))


def _walk(node):
    """Every CompValue of an rdflib SPARQL parse tree (iterative: trees can be deep)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, CompValue):
            yield n
            stack.extend(dict.values(n))
        elif isinstance(n, (ParseResults, list, tuple)):
            stack.extend(n)


def _pname(comp) -> tuple[str, str]:
    return (dict.get(comp, "prefix") or ""), (dict.get(comp, "localname") or "")


def _show_term(term) -> str:
    from rdflib import URIRef, Variable

    if getattr(term, "name", None) == "pname":
        return ":".join(_pname(term))
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    return str(term)


_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_RDFLIB_ESCAPE = re.compile(r"\\u[0-9a-f]{4}", flags=re.I)  # what rdflib's parser would expand again


def canonical_query(query: str) -> str:
    """The text both the policy check and the engine see: line ends as \\n, \\u/\\U escapes expanded.

    SPARQL expands codepoint escapes before parsing; rdflib does, Oxigraph
    does not, and rdflib ends a ``#`` comment only at \\n where Oxigraph also
    ends it at \\r — differences a query could use to hide a SERVICE from the
    check. So the text is made canonical once, and both parsers get the same.
    """
    text = query.replace("\r\n", "\n").replace("\r", "\n")

    def expand(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QuerySyntaxError(f"invalid codepoint escape {m.group(0)}")
        return chr(code)

    text = _CODEPOINT_ESCAPE.sub(expand, text)
    if _RDFLIB_ESCAPE.search(text):
        raise QuerySyntaxError("a codepoint escape spells another escape (\\u005C…) — write the character itself")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise QuerySyntaxError("the query contains unpaired surrogate characters — send it as valid UTF-8")
    return text


def parse_query(query: str):
    """(rdflib parse tree, QueryInfo) of a canonical_query text. Raises QuerySyntaxError, or QueryRefused
    for SPARQL Update."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseQuery(query)
    except ParseBaseException as e:
        try:
            update = parseUpdate(query)
        except (ParseBaseException, RecursionError):
            raise _syntax_error(e) from None
        ops = [UPDATE_OPERATIONS.get(op.name, op.name) for op in dict.get(update, "request") or []
               if getattr(op, "name", None)]
        if not ops:  # e.g. only a comment or a prologue: an empty update, not a query
            raise _syntax_error(e) from None
        raise QueryRefused("update", f"SPARQL Update ({', '.join(dict.fromkeys(ops))}) is not allowed: "
                                     "this endpoint is read-only") from None
    except RecursionError:
        raise QuerySyntaxError("query is nested too deeply to be checked — simplify it") from None
    prologue, body = tree[0], tree[1]
    info = QueryInfo(form=FORMS.get(body.name, body.name))
    for decl in prologue:
        if decl.name == "Base":
            info.base = str(dict.get(decl, "iri"))
        elif decl.name == "PrefixDecl":
            info.declared[dict.get(decl, "prefix") or ""] = str(dict.get(decl, "iri"))
    for comp in _walk(body):
        if comp.name == "pname":
            info.used_prefixes.add(_pname(comp)[0])
        elif comp.name == "ServiceGraphPattern":
            info.services.append(_show_term(dict.get(comp, "term")))
    for clause in dict.get(body, "datasetClause") or []:
        kind, term = ("FROM", dict.get(clause, "default")) if "default" in clause else \
            ("FROM NAMED", dict.get(clause, "named"))
        if getattr(term, "name", None) == "pname":
            prefix, local = _pname(term)
            ns = info.declared.get(prefix, PREFIX_MAP.get(prefix))
            iri = ns + local if ns is not None else f"{prefix}:{local}"
        else:
            iri = str(term)
            if info.base and not urlsplit(iri).scheme:
                iri = urljoin(info.base, iri)
        info.from_graphs.append((kind, iri))
    return tree, info


@functools.lru_cache(maxsize=512)
def query_info(query: str) -> QueryInfo:
    """parse_query's QueryInfo, cached per query text (parsing costs 1–7 ms; a repeated query skips it).

    Errors are not cached. Treat the result as read-only.
    """
    return parse_query(query)[1]


def check_policy(info: QueryInfo, dataset_iris=()) -> None:
    """Refuse what a read-only endpoint closed to the network must not run (see the module docstring)."""
    undefined = sorted(p for p in info.used_prefixes if p not in info.declared and p not in PREFIX_MAP)
    if undefined:
        names = ", ".join(f"'{p}:'" for p in undefined)
        raise QuerySyntaxError(f"undefined prefix {names} — declare it (PREFIX {undefined[0]}: <…>) or use one of "
                               f"the predeclared prefixes: {', '.join(PREFIX_MAP)}")
    if info.services:
        raise QueryRefused("service", f"SERVICE {info.services[0]} is not allowed: federated queries are disabled "
                                      "(this endpoint never fetches remote data)")
    for kind, iri in info.from_graphs:
        if iri not in dataset_iris:
            allowed = " or ".join(f"<{d}>" for d in sorted(dataset_iris)) or "none"
            raise QueryRefused("from", f"{kind} <{iri}> is not allowed: queries run on this endpoint's own dataset "
                                       f"only (allowed: {allowed}; or leave out {kind})")


# --------------------------------------------------------------------------- execution (in a worker)


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
    rows = []
    for item in iterable:
        if max_rows is not None and len(rows) >= max_rows:
            return rows, True
        rows.append(item)
    return rows, False


def execute(store, query: str, max_rows: int | None = None) -> dict:
    """Evaluate ``query`` on a ``graph.store`` store (Oxigraph or rdflib) in this process — no policy check.

    The default graph is always the store's default graph (so ``FROM <this
    dataset>`` never empties the result, and rdflib never loads a FROM graph).
    """
    t0 = time.perf_counter()
    if store.name == "oxigraph":
        ox = store.ox
        try:
            res = store.store.query(query, prefixes=PREFIX_MAP, default_graph=ox.DefaultGraph())
        except SyntaxError as e:
            raise QuerySyntaxError(str(e)) from None
        if isinstance(res, (ox.QueryBoolean, bool)):
            kind, variables, rows, truncated, boolean = "ASK", [], [], False, bool(res)
        elif isinstance(res, ox.QuerySolutions):
            kind, boolean = "SELECT", None
            variables = [v.value for v in res.variables]
            rows, truncated = _capped(([_ox_term(ox, sol[v]) for v in variables] for sol in res), max_rows)
        else:
            kind, boolean, variables = "CONSTRUCT", None, ["subject", "predicate", "object"]
            rows, truncated = _capped(([_ox_term(ox, t.subject), _ox_term(ox, t.predicate), _ox_term(ox, t.object)]
                                       for t in res), max_rows)
    elif store.name == "rdflib":
        import rdflib.plugins.sparql as rdflib_sparql
        from pyparsing import ParseBaseException

        rdflib_sparql.SPARQL_LOAD_GRAPHS = False  # never fetch a FROM graph from the web
        try:  # a plain Graph: rdflib ignores FROM clauses on it
            res = store.graph.query(query, initNs=PREFIX_MAP)
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


def answer(store, query: str, max_rows: int | None = None, forms=None, dataset_iris=()) -> dict:
    """Parse, check the policy, then evaluate: what a worker does with one job (usable in-process too)."""
    query = canonical_query(query)
    info = query_info(query)
    check_policy(info, dataset_iris)
    if forms is not None and info.form not in forms:
        raise FormNotAcceptable(info.form)
    result = execute(store, query, max_rows)
    result["form"] = info.form
    return result


def _serve_jobs(conn, store, dataset_iris) -> None:
    import signal

    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # parent gone
        if job is None:
            return
        query, max_rows, hard_limit, forms = job
        signal.alarm(hard_limit)
        try:
            reply = ("ok", answer(store, query, max_rows, forms, dataset_iris))
        except QuerySyntaxError as e:
            reply = ("syntax", (e.message, e.line, e.column))
        except QueryRefused as e:
            reply = ("refused", (e.reason, e.message))
        except FormNotAcceptable as e:
            reply = ("not_acceptable", e.form)
        except RecursionError:
            reply = ("syntax", ("query is nested too deeply for the engine — simplify it", None, None))
        except Exception as e:  # the engine failed on a valid query: reported, the worker lives on
            reply = ("error", f"{type(e).__name__}: {e}")
        finally:
            signal.alarm(0)
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


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


def _worker_main(conn, build_dir: str, engine: str, dataset_iris: list[str]) -> None:
    """A worker process: cut off the network, load the store once, then answer jobs until the pipe closes."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the hard limit terminates the process
    isolated = isolate_network()  # first: unshare needs a single-threaded process
    try:
        from climatekg.graph.store import open_store
        from rdflib.plugins.sparql import parser  # noqa: F401  (builds the grammar now, not on the first query)

        store = open_store(Path(build_dir), engine)
    except Exception as e:  # reported to the parent, which turns it into a 503 naming the fix
        conn.send(("failed", f"the SPARQL worker could not load the graph: {e}"))
        return
    sys.setrecursionlimit(WORKER_RECURSION_LIMIT)
    threading.stack_size(WORKER_STACK_BYTES)
    jobs = threading.Thread(target=_serve_jobs, args=(conn, store, set(dataset_iris)), name="jobs")
    conn.send(("ready", isolated))
    jobs.start()
    jobs.join()


# --------------------------------------------------------------------------- the pool (in the serving process)


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    conn: Connection
    number: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None


def _kill(worker: _Worker) -> None:
    try:
        worker.conn.close()
    except OSError:
        pass
    if worker.process.poll() is None:
        worker.process.kill()
    try:
        worker.process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass


def _kill_all(registry: set) -> None:
    for w in list(registry):
        _kill(w)
    registry.clear()


_runners: weakref.WeakSet = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for runner in list(_runners):
        runner._forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class QueryRunner:
    """A pool of ``pool_size`` worker processes, each holding the store of ``build_dir``.

    Thread-safe: each ``run`` takes one idle worker for itself. ``start`` is
    optional (``run`` starts missing workers); ``stop`` kills them all.
    Workers are plain ``python -m climatekg.service.query_runner`` processes
    talking over a socket pair (multiprocessing's Connection), so starting one
    never re-imports the parent's ``__main__`` and is safe from any thread.
    """

    def __init__(self, build_dir: Path | str, engine: str = "oxigraph", pool_size: int = 2,
                 dataset_iris=(), start_timeout: float = 120.0):
        if engine not in ("oxigraph", "rdflib"):
            raise ValueError(f"unknown SPARQL engine {engine!r} (oxigraph or rdflib)")
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self.build_dir = Path(build_dir)
        self.engine = engine
        self.pool_size = pool_size
        self.dataset_iris = sorted(dataset_iris)  # the IRIs FROM / FROM NAMED may name (this dataset)
        self.start_timeout = start_timeout
        #: whether the workers run without network access (see isolate_network); None until one is ready
        self.network_isolated: bool | None = None
        self._counter = itertools.count(1)
        self._registry: set[_Worker] = set()  # live or starting workers of this process
        self._init_state()
        self._finalizer = weakref.finalize(self, _kill_all, self._registry)
        _runners.add(self)

    def _init_state(self) -> None:
        self._lock = threading.Lock()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._starting = 0
        self._failure: str | None = None
        self._owner_pid = os.getpid()

    def _forget_after_fork(self) -> None:
        """In a forked child: the workers belong to the parent — drop our handles, leave them running."""
        for w in list(self._registry):
            try:
                w.conn.close()
            except OSError:
                pass
            w.process.returncode = -1  # so this copy never waits on or signals the parent's child
        self._registry.clear()
        self._init_state()

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> "QueryRunner":
        """Start workers up to pool_size (returns at once; they get ready in the background)."""
        if self._owner_pid != os.getpid():  # forked without the at-fork hook
            self._forget_after_fork()
        with self._lock:
            for _ in range(self.pool_size - len(self._registry)):
                self._spawn_locked()
        return self

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until no worker is starting; True when all pool_size workers are ready and idle."""
        deadline = time.monotonic() + (self.start_timeout if timeout is None else timeout)
        while time.monotonic() < deadline:
            with self._lock:
                if self._starting == 0:
                    return self._idle.qsize() >= self.pool_size
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        """Kill every worker. The runner can be used again (``run`` restarts the pool)."""
        with self._lock:
            workers = list(self._registry)
            self._registry.clear()
            while True:
                try:
                    self._idle.get_nowait()
                except queue.Empty:
                    break
        for w in workers:
            _kill(w)

    close = stop

    def __enter__(self) -> "QueryRunner":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pids(self) -> list[int]:
        """Process ids of the live or starting workers."""
        with self._lock:
            return sorted(w.pid for w in self._registry)

    # -- internals ---------------------------------------------------------

    def _spawn_locked(self) -> None:
        ours, theirs = socket.socketpair()
        number = next(self._counter)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)  # as multiprocessing's spawn does
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "climatekg.service.query_runner", str(theirs.fileno()),
                 str(self.build_dir), self.engine, *self.dataset_iris],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env)
        finally:
            theirs.close()
        w = _Worker(proc, Connection(ours.detach()), number)
        self._registry.add(w)
        self._starting += 1
        threading.Thread(target=self._await_ready, args=(w,), name=f"climatekg-sparql-start-{number}",
                         daemon=True).start()

    def _await_ready(self, w: _Worker) -> None:
        ok, failure = False, None
        try:
            if w.conn.poll(self.start_timeout):
                msg = w.conn.recv()
                if msg[0] == "ready":
                    ok = True
                    self.network_isolated = bool(msg[1])
                else:
                    failure = msg[1]
            else:
                failure = f"a SPARQL worker did not load the graph within {self.start_timeout:g} s"
        except (EOFError, OSError):
            failure = f"a SPARQL worker exited while starting (exit code {w.process.poll()})"
        with self._lock:
            self._starting -= 1
            if ok and w in self._registry:
                self._failure = None
                self._idle.put(w)
                return
            if failure:
                self._failure = failure
            self._registry.discard(w)
        _kill(w)

    def _discard(self, w: _Worker, replace: bool = True) -> None:
        """Kill a worker that timed out or died and (by default) start its replacement."""
        with self._lock:
            was_ours = w in self._registry
            self._registry.discard(w)
            if replace and was_ours and self._owner_pid == os.getpid():
                self._spawn_locked()
        _kill(w)

    def _acquire(self, wait: float) -> _Worker:
        now = time.monotonic()
        deadline, start_deadline = now + wait, now + wait + self.start_timeout
        while True:
            try:
                w = self._idle.get(timeout=0.05)
            except queue.Empty:
                w = None
            if w is not None:
                if w.alive():
                    return w
                self._discard(w)
                continue
            with self._lock:
                starting, registered, failure = self._starting, len(self._registry), self._failure
            if not registered:
                if failure:
                    raise RunnerUnavailable(failure)
                self.start()  # stopped, or every worker died: start again
                continue
            now = time.monotonic()
            if now >= deadline and not (starting and now < start_deadline):
                raise RunnerUnavailable(
                    f"all {self.pool_size} SPARQL workers are busy — try again in a few seconds")

    # -- the one public operation -------------------------------------------

    def run(self, query: str, max_rows: int | None = None, timeout: float = 10.0,
            wait: float | None = None, forms=None) -> dict:
        """Run ``query`` in a worker; at most ``max_rows`` rows (``truncated`` says if more existed).

        ``timeout`` bounds parsing and evaluation (past it the worker is
        killed: QueryTimeout). ``wait`` bounds the wait for an idle worker
        (default: ``timeout``; workers still starting extend it by up to
        start_timeout). ``forms``: the query forms the caller can serialise
        (e.g. {"SELECT", "ASK"}); another form raises FormNotAcceptable
        before anything is evaluated. Raises QuerySyntaxError, QueryRefused,
        FormNotAcceptable, QueryTimeout, RunnerUnavailable or QueryFailed.
        """
        self.start()
        w = self._acquire(timeout if wait is None else wait)
        hard_limit = int(math.ceil(timeout)) + HARD_LIMIT_GRACE
        try:
            w.conn.send((query, max_rows, hard_limit, None if forms is None else set(forms)))
            if not w.conn.poll(timeout):
                self._discard(w)
                raise QueryTimeout(timeout)
            reply = w.conn.recv()
        except QueryTimeout:
            raise
        except (EOFError, OSError):
            try:
                code = w.process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                code = None
            self._discard(w)
            raise RunnerUnavailable(
                "the SPARQL worker running this query died"
                + (f" (exit code {code})" if code is not None else "")
                + " — it may have run out of memory; a replacement is starting") from None
        except BaseException:  # interrupted mid-job: the worker's state is unknown
            self._discard(w)
            raise
        self._idle.put(w)
        status, payload = reply
        if status == "ok":
            return payload
        if status == "syntax":
            raise QuerySyntaxError(*payload)
        if status == "refused":
            raise QueryRefused(*payload)
        if status == "not_acceptable":
            raise FormNotAcceptable(payload)
        raise QueryFailed(payload)


if __name__ == "__main__":  # a worker: python -m climatekg.service.query_runner FD BUILD_DIR ENGINE
    _worker_main(Connection(int(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4:])
