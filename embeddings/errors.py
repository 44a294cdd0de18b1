"""What the search stack raises for a caller's mistake or a stale index (``embeddings.search`` re-exports them)."""

from __future__ import annotations


class SearchInputError(ValueError):
    """A caller's mistake: empty query, unknown filter value, k out of range."""


class UnknownCase(KeyError):
    def __str__(self):
        return self.args[0] if self.args else "unknown case"


class IndexMismatch(RuntimeError):
    """The index on disk was not built for this configuration; the message says how to rebuild."""
