"""The per-process SPARQL service: the query pool (``graph/query/pool``) of ``sparql_engine`` over
``build_dir`` (or the server of ``sparql_endpoint``), its exceptions as the service's HTTP errors, and the
dataset's VoID statistics.

``/sparql``, the spreadsheet download, the MCP tool and graph-backed answers (``ask``) all run their queries
through the one instance ``resources.get_sparql()`` keeps per process — one runner, one policy, one set of
limits. This module holds no Flask route and imports no blueprint.
"""

from __future__ import annotations

import logging
import threading

from climatekg.graph.query import (Overloaded, QueryFailed, QueryOutOfMemory, QueryPool, QueryRefused,
                                   QuerySyntaxError, QueryTimeout, RunnerUnavailable)
from climatekg.graph.sparql_text import dataset_iri, graph_base_iri, id_base

from .errors import ApiError, BadRequest, Forbidden, Timeout, Unavailable

#: what the pool raises that becomes an HTTP error here (FormNotAcceptable is the caller's: it knows the formats)
_POOL_ERRORS = (QuerySyntaxError, QueryRefused, QueryTimeout, QueryOutOfMemory, RunnerUnavailable, QueryFailed)


class SparqlSyntaxError(BadRequest):
    code = "syntax_error"


class QueryFailedError(ApiError):
    """The engine failed on a valid, allowed query — a bug (ours or the engine's), hence 500."""

    status, code = 500, "query_failed"


class Busy(Unavailable):
    """Every query worker is busy and the wait would pass its deadline, or too many queries wait (503)."""

    code = "busy"


class TooManyQueries(ApiError):
    """This client already has as many queries running or waiting as it may (429)."""

    status, code = 429, "too_many_requests"


class OutOfMemory(Unavailable):
    code = "out_of_memory"


class SparqlService:
    """The query pool of this process plus the (cached) VoID statistics of the dataset.

    The pool holds the store of ``build_dir`` (engine ``sparql_engine``), or — with ``sparql_endpoint`` set —
    talks to that SPARQL server; either way the policy, limits and formats are this service's.
    """

    def __init__(self, settings, log: logging.Logger | None = None):
        self.settings = settings
        self.log = log or logging.getLogger(__name__)  # the app's logger, where the engine's failures are told
        self.dataset_iri = dataset_iri(settings.base_iri)
        #: the namespace of the graph's own resources, under the base the graph was built with
        self.id_base = id_base(graph_base_iri(settings.build_dir, settings.base_iri))
        self.runner = QueryPool.for_settings(settings)
        self._stats: dict | None = None
        self._stats_lock = threading.Lock()

    @property
    def pool(self) -> QueryPool:
        return self.runner

    def run(self, query: str, timeout: float, max_rows: int | None, forms=None, formats: dict | None = None,
            client: str | None = None) -> dict:
        """Run through the pool, turning the pool's exceptions into ApiErrors."""
        try:
            return self.runner.run(query, max_rows=max_rows, timeout=timeout, forms=forms, formats=formats,
                                   client=client)
        except _POOL_ERRORS as e:
            raise self.api_error(e, query) from None

    async def run_async(self, query: str, timeout: float, max_rows: int | None, forms=None,
                        formats: dict | None = None, client: str | None = None) -> dict:
        """``run`` on an event loop (the front's /sparql): the same pool, limits and errors, no thread in between
        while a worker is idle."""
        try:
            return await self.runner.run_async(query, max_rows=max_rows, timeout=timeout, forms=forms,
                                               formats=formats, client=client)
        except _POOL_ERRORS as e:
            raise self.api_error(e, query) from None

    def api_error(self, e: Exception, query: str) -> ApiError:
        """The service's HTTP error for one of the pool's exceptions."""
        if isinstance(e, QuerySyntaxError):
            where = f" at line {e.line}, column {e.column}" if e.line is not None else ""
            return SparqlSyntaxError(f"SPARQL syntax error{where}: {e.message}",
                                     detail={k: v for k, v in (("line", e.line), ("column", e.column))
                                             if v is not None})
        if isinstance(e, QueryRefused):
            return Forbidden(e.message, detail={"reason": e.reason})
        if isinstance(e, QueryTimeout):
            return Timeout(f"query stopped after {e.timeout:g} s (the limit; a lower `timeout` parameter may be "
                           f"given, at most {self.settings.sparql_timeout:g} s) — add a LIMIT or make it more "
                           "selective", detail={"timeout_s": e.timeout})
        if isinstance(e, QueryOutOfMemory):
            return OutOfMemory(f"{e} — the worker running it was replaced; make the query more selective or add "
                               "a LIMIT", detail={"limit_mb": e.limit_mb} if e.limit_mb else None)
        if isinstance(e, Overloaded):
            retry = {"Retry-After": str(e.retry_after)} if e.retry_after else None
            if e.per_client:
                return TooManyQueries(str(e), detail={"retry_after_s": e.retry_after}, headers=retry)
            return Busy(str(e), detail={"retry_after_s": e.retry_after}, headers=retry)
        if isinstance(e, RunnerUnavailable):
            return Unavailable(str(e))
        self.log.error("SPARQL engine failure on a valid query: %s\n%s", e, query)
        return QueryFailedError(f"the query engine failed: {e}")

    def stats(self) -> dict:
        """VoID numbers, computed once per process through the pool."""
        with self._stats_lock:
            if self._stats is None:
                self._stats = self._compute_stats()
            return self._stats

    def _compute_stats(self) -> dict:
        timeout = max(60.0, self.settings.sparql_timeout)

        def select(q):
            return [[t["value"] if t else None for t in row]
                    for row in self.run(q, timeout=timeout, max_rows=None)["rows"]]

        (triples, subjects, properties, objects), = select(
            "SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?s) AS ?s_) (COUNT(DISTINCT ?p) AS ?p_) "
            "(COUNT(DISTINCT ?o) AS ?o_) WHERE { ?s ?p ?o }")
        (entities,), = select(
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
            f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{self.id_base}")) }}')
        classes = select("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c")
        props = select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p")
        return {"triples": int(triples), "distinctSubjects": int(subjects), "properties": int(properties),
                "distinctObjects": int(objects), "entities": int(entities),
                "classPartitions": [(c, int(n)) for c, n in classes],
                "propertyPartitions": [(p, int(n)) for p, n in props]}
