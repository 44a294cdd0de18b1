"""What running a query can end in, other than an answer (no Flask here: service/sparql.py maps these to HTTP)."""

from __future__ import annotations

from ..sparql_text import QueryError, QuerySyntaxError  # noqa: F401 - raised by the policy and the store alike


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


class QueryOutOfMemory(Exception):
    """The query needed more memory than a worker may take; the worker was replaced."""

    def __init__(self, limit_mb: int | None):
        super().__init__("query used too much memory" + (f" (the limit is {limit_mb} MB per query worker)"
                                                          if limit_mb else ""))
        self.limit_mb = limit_mb


class RunnerUnavailable(Exception):
    """No worker could take the query: the store failed to load, or a worker died."""

    retry_after: int | None = None


class Overloaded(RunnerUnavailable):
    """Refused at admission: the wait queue is full, the wait would pass its deadline, or this client already
    has as many queries running as it may. ``retry_after``: seconds after which trying again makes sense;
    ``per_client``: True when the client's own cap was hit."""

    def __init__(self, message: str, retry_after: int, per_client: bool = False):
        super().__init__(message)
        self.retry_after, self.per_client = retry_after, per_client


class QueryFailed(Exception):
    """The engine raised while evaluating a valid, allowed query."""
