"""The query pool of a serving process: persistent worker processes, admission, kill-on-timeout.

    pool = QueryPool(build_dir, engine="oxigraph", size=2, dataset_iris={"https://w3id.org/climatekg/graph"})
    pool.start()            # at boot: workers load the store in the background
    pool.warm_up()          # optional: block until every worker has answered a first query
    result = pool.run("SELECT ?c WHERE { ?c a ckg:Case }", max_rows=100, timeout=5)
    result = pool.run(query, timeout=5, formats={"results": "json", "graph": "turtle"})  # ["body"]: bytes
    pool.stop()

``run`` returns a plain dict: ``form`` (SELECT | ASK | CONSTRUCT | DESCRIBE),
``kind`` (SELECT | ASK | CONSTRUCT, as graph.store.Result.kind),
``truncated``, ``seconds``, ``engine``, and either the answer written in the
asked format (``formats`` given: ``body``, ``format``) or the rows
(``variables``, ``rows`` of SPARQL-JSON-shaped terms — ``{"type": "uri",
"value": …}`` or None; CONSTRUCT/DESCRIBE: [s, p, o] rows — and ``boolean``).

Each worker (``worker.py``) is a fresh interpreter (``python -m
climatekg.graph.query``, like multiprocessing's ``spawn`` without
re-importing the parent's ``__main__``) holding the store, so a threaded or
forked parent (gunicorn, torch) is safe; a pool inherited through a fork
forgets the parent's workers and starts its own. On timeout the parent kills
the worker (SIGKILL), starts a replacement in the background and raises
``QueryTimeout``; a worker that dies of its memory cap is answered
``QueryOutOfMemory`` and replaced; the other workers keep answering meanwhile.

Admission (so a request is served or refused fast, never left hanging behind
others' runaway queries): a query waits for an idle worker at most ``wait``
seconds (``queue_wait``, never past its own timeout); at most ``max_queue``
queries wait at once; one client (``client=``, e.g. the remote address) may
have at most ``per_client`` queries running or waiting in this process. A
refusal is ``Overloaded`` with ``retry_after`` seconds (when the soonest busy
worker will be free, at least 1).

Two ways an answer comes without a worker, both only for answers written in a
format (``formats`` given) and both before admission (they hold no worker, so
runaway queries filling every worker do not delay them):

* the **inline lane** (``attach_store``: the Oxigraph store the serving
  process holds anyway): a query whose work is bounded before it runs
  (``bounded.py``: triple patterns and cheap filters over few matches) is
  evaluated in this process — the same check, engine and writers as a worker,
  without the two process hops;
* the **answer cache**: the last answers (at most ``ANSWER_CACHE_BYTES``, each
  at most ``ANSWER_CACHE_ENTRY_BYTES``) by query text, row limit, forms and
  formats, and the graph file's identity (size, mtime, inode; looked at every
  ``GRAPH_CHECK_S``): the store is read-only,
  so the same text gets the same bytes. Not with a remote store (``endpoint``),
  whose graph may change under the service.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import json
import math
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from ..sparql_text import dataset_iri
from .errors import (FormNotAcceptable, Overloaded, QueryFailed, QueryOutOfMemory, QueryRefused, QuerySyntaxError,
                     QueryTimeout, RunnerUnavailable)
from .worker import DEMOTE_AFTER, WORKER_NICENESS, decode_reply

#: seconds a worker may run past its job's timeout before it terminates itself
HARD_LIMIT_GRACE = 5
#: answers kept per pool (bytes of their bodies), and the largest one kept
ANSWER_CACHE_BYTES = 1 << 20
ANSWER_CACHE_ENTRY_BYTES = 128 << 10
#: seconds between looks at the graph file's identity (the answer cache's key)
GRAPH_CHECK_S = 1.0


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    conn: Connection
    number: int
    busy_until: float = 0.0  # monotonic deadline of the job it runs (0: idle)
    tid: int | None = None  # the worker's thread that runs its next job (from its last reply)

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


_pools: weakref.WeakSet = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for pool in list(_pools):
        pool._forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class QueryPool:
    """``size`` worker processes, each holding the store of ``build_dir`` (or a client of ``endpoint``).

    Thread-safe: each ``run`` takes one idle worker for itself. ``start`` at
    boot (``run`` starts missing workers too); ``stop`` kills them all.
    """

    def __init__(self, build_dir: Path | str, engine: str = "oxigraph", size: int = 2, dataset_iris=(),
                 start_timeout: float = 120.0, *, endpoint: str = "", memory_mb: int = 0,
                 queue_wait: float | None = None, max_queue: int = 16, per_client: int = 0,
                 pool_size: int | None = None):
        if pool_size is not None:  # the former name
            size = pool_size
        if engine not in ("oxigraph", "rdflib"):
            raise ValueError(f"unknown SPARQL engine {engine!r} (oxigraph or rdflib)")
        if size < 1:
            raise ValueError("the pool size must be at least 1")
        self.build_dir = Path(build_dir)
        self.engine = engine
        self.endpoint = endpoint
        self.size = size
        self.dataset_iris = sorted(dataset_iris)  # the IRIs FROM / FROM NAMED may name (this dataset)
        self.start_timeout = start_timeout
        self.memory_mb = memory_mb
        self.queue_wait = queue_wait
        self.max_queue = max_queue
        self.per_client = per_client
        #: whether the workers run without network access (see worker.isolate_network); None until one is ready
        self.network_isolated: bool | None = None
        self._nice = _own_nice()  # the workers' own priority; a long job runs WORKER_NICENESS below it
        self._counter = itertools.count(1)
        self._registry: set[_Worker] = set()  # live or starting workers of this process
        self._init_state()
        self._finalizer = weakref.finalize(self, _kill_all, self._registry)
        self._lane = None  # the inline lane (attach_store)
        self._answers: OrderedDict = OrderedDict()  # the answer cache: key → result
        self._answer_bytes = 0
        self._answers_lock = threading.Lock()
        self._graph_checked: tuple[float, tuple | None] = (-math.inf, None)  # (when, graph identity)
        _pools.add(self)

    @classmethod
    def for_settings(cls, settings, size: int | None = None) -> "QueryPool":
        """The pool the settings describe: engine ``sparql_engine`` over ``build_dir`` (or the server of
        ``sparql_endpoint``), this dataset's IRI, the memory cap and admission limits; ``size`` workers
        (default ``sparql_workers``)."""
        return cls(settings.build_dir, settings.sparql_engine, size=size or settings.sparql_workers,
                   dataset_iris={dataset_iri(settings.base_iri)}, endpoint=settings.sparql_endpoint,
                   memory_mb=settings.sparql_worker_memory_mb, queue_wait=settings.sparql_queue_wait,
                   max_queue=settings.sparql_queue, per_client=settings.sparql_client_queries)

    @property
    def pool_size(self) -> int:
        return self.size

    def _init_state(self) -> None:
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._starting = 0
        self._waiting = 0
        self._clients: dict[str, int] = {}
        self._failure: str | None = None
        self._booted = False  # a worker has been ready since the pool (re)started: later waits are not stretched
        self._owner_pid = os.getpid()
        self._threads: concurrent.futures.ThreadPoolExecutor | None = None  # run_async's waits (made on first need)

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

    # -- answers without a worker ------------------------------------------

    def attach_store(self, store) -> bool:
        """Answer queries whose work is bounded on ``store`` (an Oxigraph store of the same graph, held by this
        process) without a worker — see ``bounded.py``. False (nothing attached) for another engine or a
        remote store."""
        if self.engine != "oxigraph" or self.endpoint or getattr(store, "name", None) != "oxigraph":
            return False
        from .bounded import Bounded

        self._lane = Bounded(store, self.dataset_iris)
        return True

    @property
    def lane(self):
        """The inline lane (``bounded.Bounded``), or None."""
        return self._lane

    def _answer_key(self, query, max_rows, forms, formats):
        if not formats or self.endpoint:
            return None
        graph = self._graph_identity()
        if graph is None:
            return None
        return (query, max_rows, None if forms is None else frozenset(forms), formats.get("results"),
                formats.get("graph"), graph)

    def _graph_identity(self) -> tuple | None:
        """(size, mtime, inode) of graph.nt, looked at no more than every GRAPH_CHECK_S seconds."""
        now = time.monotonic()
        checked, identity = self._graph_checked
        if now - checked < GRAPH_CHECK_S:
            return identity
        try:
            st = os.stat(self.build_dir / "graph.nt")
            identity = (st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            identity = None
        self._graph_checked = (now, identity)
        return identity

    def _answered(self, key, query, max_rows, forms, formats) -> dict | None:
        """The answer without a worker: from the cache, or from the inline lane; None when a worker is needed."""
        if key is None:
            return None
        with self._answers_lock:
            hit = self._answers.get(key)
            if hit is not None:
                self._answers.move_to_end(key)
                return dict(hit)
        lane = self._lane
        result = lane.answer(query, max_rows, forms, formats) if lane is not None else None
        if result is not None:
            self._remember(key, result)
        return result

    def _remember(self, key, result: dict) -> None:
        if key is None:
            return
        size = len(result.get("body") or b"") + len(key[0]) + 200
        if size > ANSWER_CACHE_ENTRY_BYTES:
            return
        with self._answers_lock:
            if key in self._answers:
                return
            self._answers[key] = dict(result)
            self._answer_bytes += size
            while self._answer_bytes > ANSWER_CACHE_BYTES:
                old_key, old = self._answers.popitem(last=False)
                self._answer_bytes -= len(old.get("body") or b"") + len(old_key[0]) + 200

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> "QueryPool":
        """Start workers up to the pool size (returns at once; they get ready in the background)."""
        if self._owner_pid != os.getpid():  # forked without the at-fork hook
            self._forget_after_fork()
        with self._cond:
            for _ in range(self.size - len(self._registry)):
                self._spawn_locked()
        return self

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until no worker is starting; True when every worker is ready and idle."""
        deadline = time.monotonic() + (self.start_timeout if timeout is None else timeout)
        with self._cond:
            while self._starting:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return len(self._idle) >= self.size

    def warm_up(self, timeout: float | None = None) -> bool:
        """Start the pool, wait for every worker, and have each answer a first query (so the first request
        meets warm workers). True when all are ready; never raises."""
        self.start()
        if not self.wait_ready(timeout):
            return False
        try:
            threads = [threading.Thread(target=self.run, args=("ASK { ?s ?p ?o }",),
                                        kwargs={"timeout": 30, "wait": 30}) for _ in range(self.size)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        except Exception:  # noqa: BLE001 - warming is best effort; run() reports real failures
            return False
        return True

    def stop(self) -> None:
        """Kill every worker. The pool can be used again (``run`` restarts it)."""
        with self._cond:
            workers = list(self._registry)
            self._registry.clear()
            self._idle.clear()
            self._busy.clear()
            self._booted = False
            self._cond.notify_all()
        for w in workers:
            _kill(w)
        with self._answers_lock:
            self._answers.clear()
            self._answer_bytes = 0
        threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=False)

    close = stop

    def __enter__(self) -> "QueryPool":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def busy(self) -> int:
        """How many workers are running a query now."""
        with self._cond:
            return len(self._busy)

    @property
    def waiting(self) -> int:
        """How many queries wait for a worker now."""
        with self._cond:
            return self._waiting

    @property
    def pids(self) -> list[int]:
        """Process ids of the live or starting workers."""
        with self._cond:
            return sorted(w.pid for w in self._registry)

    # -- internals ---------------------------------------------------------

    def _spawn_locked(self) -> None:
        ours, theirs = socket.socketpair()
        number = next(self._counter)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)  # as multiprocessing's spawn does
        config = {"build_dir": str(self.build_dir), "engine": self.engine, "endpoint": self.endpoint,
                  "dataset_iris": self.dataset_iris, "memory_mb": self.memory_mb}
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "climatekg.graph.query", str(theirs.fileno()), json.dumps(config)],
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
                header, _ = decode_reply(w.conn.recv_bytes())
                if header["status"] == "ready":
                    ok = True
                    w.tid = header.get("tid")
                    self.network_isolated = bool(header.get("isolated"))
                else:
                    failure = header["args"][0]
            else:
                failure = f"a SPARQL worker did not load the graph within {self.start_timeout:g} s"
        except (EOFError, OSError):
            failure = f"a SPARQL worker exited while starting (exit code {w.process.poll()})"
        with self._cond:
            self._starting -= 1
            if ok and w in self._registry:
                self._failure = None
                self._booted = True
                self._idle.append(w)
                self._cond.notify_all()
                return
            if failure:
                self._failure = failure
            self._registry.discard(w)
            self._cond.notify_all()
        _kill(w)

    def _discard(self, w: _Worker, replace: bool = True) -> None:
        """Kill a worker that timed out or died and (by default) start its replacement."""
        with self._cond:
            was_ours = w in self._registry
            self._registry.discard(w)
            self._busy.discard(w)
            if replace and was_ours and self._owner_pid == os.getpid():
                self._spawn_locked()
        _kill(w)

    def _retry_after_locked(self) -> int:
        now = time.monotonic()
        soonest = min((w.busy_until for w in self._busy if w.busy_until), default=now + 1)
        return max(1, math.ceil(soonest - now))

    def _acquire(self, wait: float, timeout: float, client: str | None) -> _Worker:
        now = time.monotonic()
        deadline, start_deadline = now + wait, now + wait + self.start_timeout
        with self._cond:
            if self._owner_pid != os.getpid():
                self._forget_after_fork()
            if not self._idle and self._waiting >= self.max_queue:
                raise Overloaded(f"too many SPARQL queries are waiting ({self._waiting}) — try again in a few "
                                 "seconds", self._retry_after_locked())
            self._waiting += 1
            try:
                while True:
                    w = self._pop_idle_locked(timeout)
                    if w is not None:
                        return w
                    if not self._registry:
                        if self._failure:
                            raise RunnerUnavailable(self._failure)
                        self._booted = False
                        for _ in range(self.size):  # stopped, or every worker died: start again
                            self._spawn_locked()
                    now = time.monotonic()
                    booting = self._starting and not self._busy and not self._booted
                    if now >= deadline and not (booting and now < start_deadline):
                        raise Overloaded(f"all {self.size} SPARQL workers of this process are busy — try again "
                                         "in a few seconds", self._retry_after_locked())
                    limit = deadline if now < deadline else start_deadline
                    self._cond.wait(max(0.001, min(limit - now, 0.5)))
            finally:
                self._waiting -= 1

    def _release(self, w: _Worker) -> None:
        with self._cond:
            self._busy.discard(w)
            w.busy_until = 0.0
            if w in self._registry:
                self._idle.append(w)
                self._cond.notify()

    # -- the one public operation (blocking, or on an event loop) ----------------

    def run(self, query: str, max_rows: int | None = None, timeout: float = 10.0, wait: float | None = None,
            forms=None, formats: dict | None = None, client: str | None = None) -> dict:
        """Run ``query`` in a worker; at most ``max_rows`` rows (``truncated`` says if more existed).

        ``timeout`` bounds checking and evaluation (past it the worker is
        killed: QueryTimeout). ``wait`` bounds the wait for an idle worker
        (default: ``queue_wait``, else ``timeout``; at boot — before any
        worker was ready — workers still starting extend it by up to
        start_timeout; replacements of killed workers do not). ``forms``: the query forms
        the caller can take (e.g. {"SELECT", "ASK"}); another form raises
        FormNotAcceptable before anything is evaluated. ``formats``
        ({"results": "json", "graph": "turtle"}): write the answer (``body``)
        instead of returning rows. ``client``: who asks, for the per-client cap.
        Raises QuerySyntaxError, QueryRefused, FormNotAcceptable, QueryTimeout,
        QueryOutOfMemory, Overloaded, RunnerUnavailable or QueryFailed.
        """
        key = self._answer_key(query, max_rows, forms, formats)
        answered = self._answered(key, query, max_rows, forms, formats)
        if answered is not None:
            return answered
        wait = self._wait(wait, timeout)
        with self._client_slot(client):
            result = self._run(query, max_rows, timeout, wait, forms, formats)
        if key is not None:
            self._remember(key, result)
        return result

    async def run_async(self, query: str, max_rows: int | None = None, timeout: float = 10.0,
                        wait: float | None = None, forms=None, formats: dict | None = None,
                        client: str | None = None) -> dict:
        """``run`` for an asyncio event loop, with the same admission, limits, answers and exceptions.

        With a worker idle, the job is sent from the loop and the reply awaited on the worker's socket — no
        thread between the request and the worker. Otherwise (every worker busy or starting) the blocking
        ``run`` waits in a thread of the pool's own, one per query that may wait (``max_queue``) or run."""
        key = self._answer_key(query, max_rows, forms, formats)
        answered = self._answered(key, query, max_rows, forms, formats)
        if answered is not None:
            return answered
        result = await self._run_async(query, max_rows, timeout, wait, forms, formats, client)
        if key is not None:
            self._remember(key, result)
        return result

    async def _run_async(self, query, max_rows, timeout, wait, forms, formats, client) -> dict:
        wait = self._wait(wait, timeout)
        with self._client_slot(client):
            w = self._take_idle(timeout)
            if w is None:
                return await asyncio.get_running_loop().run_in_executor(
                    self._executor(), self._run, query, max_rows, timeout, wait, forms, formats)
            try:
                w.conn.send_bytes(self._job(query, max_rows, timeout, forms, formats))
                now = time.monotonic()
                data = await _recv_async(w.conn.fileno(), now + timeout, now + DEMOTE_AFTER, lambda: self._demote(w))
                if data is None:
                    await asyncio.to_thread(self._discard, w)
                    raise QueryTimeout(timeout)
            except QueryTimeout:
                raise
            except (EOFError, OSError):
                raise await asyncio.to_thread(self._died, w) from None
            except BaseException:  # cancelled mid-job: the worker's state is unknown (killed on a thread)
                threading.Thread(target=self._discard, args=(w,), daemon=True).start()
                raise
            return self._reply(w, data, background=True)

    def _wait(self, wait: float | None, timeout: float) -> float:
        if wait is None:
            return timeout if self.queue_wait is None else min(self.queue_wait, timeout)
        return wait

    @contextlib.contextmanager
    def _client_slot(self, client: str | None):
        """Count the query against ``client``'s cap (``per_client``) while it runs or waits."""
        if client is None or not self.per_client:
            yield
            return
        with self._cond:
            running = self._clients.get(client, 0)
            if running >= self.per_client:
                raise Overloaded(f"this client already has {running} SPARQL queries running or waiting (the "
                                 f"limit is {self.per_client}) — wait for one to finish",
                                 self._retry_after_locked(), per_client=True)
            self._clients[client] = running + 1
        try:
            yield
        finally:
            with self._cond:
                left = self._clients.get(client, 1) - 1
                if left > 0:
                    self._clients[client] = left
                else:
                    self._clients.pop(client, None)

    def _take_idle(self, timeout: float) -> _Worker | None:
        """An idle, live worker marked busy for ``timeout`` seconds, or None (without waiting) when there is none
        — or when queries already wait, which go first."""
        with self._cond:
            if self._owner_pid != os.getpid() or self._waiting or not self._registry:
                return None
            return self._pop_idle_locked(timeout)

    def _pop_idle_locked(self, timeout: float) -> _Worker | None:
        """(Under the lock.) An idle, live worker marked busy for ``timeout`` seconds, or None when none is idle;
        a dead one found on the way is replaced (by the process that owns the pool) and reaped."""
        while self._idle:
            w = self._idle.pop()
            if w.alive():
                w.busy_until = time.monotonic() + timeout
                self._busy.add(w)
                return w
            self._registry.discard(w)
            if self._owner_pid == os.getpid():
                self._spawn_locked()
            threading.Thread(target=_kill, args=(w,), daemon=True).start()
        return None

    def _executor(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._cond:
            if self._threads is None:
                self._threads = concurrent.futures.ThreadPoolExecutor(self.size + self.max_queue + 1,
                                                                      thread_name_prefix="climatekg-sparql-wait")
            return self._threads

    def _job(self, query, max_rows, timeout, forms, formats) -> bytes:
        job = {"query": query, "max_rows": max_rows, "forms": None if forms is None else sorted(forms),
               "results": (formats or {}).get("results"), "graph": (formats or {}).get("graph"),
               "hard_limit": int(math.ceil(timeout)) + HARD_LIMIT_GRACE}
        return json.dumps(job, ensure_ascii=False).encode("utf-8", "surrogatepass")

    def _run(self, query, max_rows, timeout, wait, forms, formats) -> dict:
        self.start()
        w = self._acquire(wait, timeout, None)
        try:
            w.conn.send_bytes(self._job(query, max_rows, timeout, forms, formats))
            if not w.conn.poll(min(DEMOTE_AFTER, timeout)):
                self._demote(w)
                if not w.conn.poll(max(0.0, timeout - DEMOTE_AFTER)):
                    self._discard(w)
                    raise QueryTimeout(timeout)
            data = w.conn.recv_bytes()
        except QueryTimeout:
            raise
        except (EOFError, OSError):
            raise self._died(w) from None
        except BaseException:  # interrupted mid-job: the worker's state is unknown
            self._discard(w)
            raise
        return self._reply(w, data)

    def _died(self, w: _Worker) -> Exception:
        """The exception for a query whose worker went away mid-job (the worker is replaced)."""
        try:
            code = w.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        self._discard(w)
        if code is not None and code in (-signal.SIGABRT, -signal.SIGKILL) and self.memory_mb:
            return QueryOutOfMemory(self.memory_mb)
        return RunnerUnavailable("the SPARQL worker running this query died"
                                 + (f" (exit code {code})" if code is not None else "")
                                 + " — a replacement is starting")

    def _demote(self, w: _Worker) -> None:
        """Lower the priority of the thread running ``w``'s job, which has run for DEMOTE_AFTER seconds: a long
        query yields the cores to the web workers (the worker hands later jobs to a fresh thread)."""
        if w.tid:
            try:
                os.setpriority(os.PRIO_PROCESS, w.tid, min(19, self._nice + WORKER_NICENESS))
            except (AttributeError, OSError):  # the thread has just ended; or no per-thread priority here
                pass

    def _reply(self, w: _Worker, data: bytes, background: bool = False) -> dict:
        """The worker's reply as the result, or its exception; the worker is released (or replaced)."""
        header, body = decode_reply(data)
        w.tid = header.pop("tid", w.tid)
        status = header.pop("status")
        if status == "memory":  # a MemoryError in Python: the worker may be in a bad state; replace it
            if background:
                threading.Thread(target=self._discard, args=(w,), daemon=True).start()
            else:
                self._discard(w)
            raise QueryOutOfMemory(self.memory_mb or None)
        self._release(w)
        if status == "ok":
            if header.pop("rows_json", False):
                return json.loads(body)
            header["body"] = body
            return header
        args = header.get("args", [])
        if status == "syntax":
            raise QuerySyntaxError(*args)
        if status == "refused":
            raise QueryRefused(*args)
        if status == "not_acceptable":
            raise FormNotAcceptable(*args)
        if status == "unavailable":
            raise RunnerUnavailable(*args)
        raise QueryFailed(*args)


def _own_nice() -> int:
    try:
        return os.getpriority(os.PRIO_PROCESS, 0)
    except (AttributeError, OSError):  # pragma: no cover - not POSIX
        return 0


async def _readable(fd: int, timeout: float) -> bool:
    """Wait on the running loop until ``fd`` can be read; False after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()

    def on_readable() -> None:
        if not ready.done():
            ready.set_result(True)

    loop.add_reader(fd, on_readable)
    try:
        return await asyncio.wait_for(ready, max(0.0, timeout))
    except (asyncio.TimeoutError, TimeoutError):
        return False
    finally:
        loop.remove_reader(fd)


async def _recv_async(fd: int, deadline: float, slow_at: float = math.inf, on_slow=None) -> bytes | None:
    """One ``multiprocessing.connection`` message (a 4-byte signed length — -1 then an 8-byte length for a huge
    one — then the bytes) read from ``fd`` on the running loop, never blocking it: each read takes what is
    there. None when ``deadline`` (monotonic) passes first; EOFError when the worker closes its end. A worker
    sends one reply per job, so a read cannot take anything of a next message. ``on_slow()`` is called once
    if nothing has come by ``slow_at``."""
    buf = bytearray()

    async def fill(n: int) -> bool:
        nonlocal on_slow
        while len(buf) < n:
            until = deadline if on_slow is None else min(deadline, slow_at)
            if not await _readable(fd, until - time.monotonic()):
                if on_slow is None or until >= deadline:
                    return False
                on_slow()
                on_slow = None
                continue
            chunk = os.read(fd, min(max(n - len(buf), 1 << 16), 1 << 20))
            if not chunk:
                raise EOFError
            buf.extend(chunk)
        return True

    if not await fill(4):
        return None
    (size,), head = struct.unpack_from("!i", buf), 4
    if size == -1:  # over 2 GiB: the length follows as 8 bytes
        if not await fill(12):
            return None
        (size,), head = struct.unpack_from("!Q", buf, 4), 12
    if not await fill(head + size):
        return None
    return bytes(buf[head:head + size])


QueryRunner = QueryPool  # the former name
