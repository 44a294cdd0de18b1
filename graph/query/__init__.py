"""SPARQL queries on the built graph: read-only, offline, time- and memory-limited, in worker processes.

- ``policy``: what is refused (Update, SERVICE, FROM another dataset, undefined prefixes), from the tokens;
- ``worker``: a process holding the store, answering one job at a time (the engine writes the answer);
- ``pool``: the serving process's pool of workers, admission (queue, deadline, per-client cap), timeouts;
- ``formats``: the result formats; ``errors``: what a query can end in.
"""

from .errors import (FormNotAcceptable, Overloaded, QueryFailed, QueryOutOfMemory, QueryRefused, QuerySyntaxError,
                     QueryTimeout, RunnerUnavailable)
from .policy import PREFIX_MAP, canonical_query, check_policy, checked, query_info
from .pool import QueryPool, QueryRunner

__all__ = ["PREFIX_MAP", "FormNotAcceptable", "Overloaded", "QueryFailed", "QueryOutOfMemory", "QueryPool",
           "QueryRefused", "QueryRunner", "QuerySyntaxError", "QueryTimeout", "RunnerUnavailable", "canonical_query",
           "check_policy", "checked", "query_info"]
