"""Heavy resources — graph store, search engine, parsed cases — loaded once per process.

They live on ``app.extensions["climatekg"]`` and are created lazily on first
use (or eagerly with ``preload()``, as `climatekg serve` does before forking
workers), never at import time.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

_lock = threading.RLock()  # re-entrant: one resource may be built from another (the answerer uses the search engine)


class Resources:
    def __init__(self, settings):
        self.settings = settings
        self._items: dict[str, object] = {}

    def get(self, name: str, factory):
        item = self._items.get(name)
        if item is None:
            with _lock:
                item = self._items.get(name)
                if item is None:
                    item = factory(self.settings)
                    self._items[name] = item
        return item


def init_app(app: Flask, settings) -> None:
    app.extensions["climatekg"] = Resources(settings)


def resources() -> Resources:
    return current_app.extensions["climatekg"]


def _store(settings):
    from climatekg.graph.store import open_store

    return open_store(settings.build_dir, settings.sparql_engine)


def _cases(settings):
    from climatekg.graph.pipeline import load_inputs

    collection, metadata, vocab = load_inputs(settings)
    return {"collection": collection, "metadata": metadata, "vocab": vocab}


def _search(settings):
    from climatekg.embeddings.search import SearchEngine

    return SearchEngine.load(settings)


def get_store():
    """The read-only graph store (Oxigraph or rdflib, per settings.sparql_engine)."""
    return resources().get("store", _store)


def get_cases() -> dict:
    """{"collection": Collection, "metadata": Metadata, "vocab": Vocabulary}."""
    return resources().get("cases", _cases)


def get_search():
    """The hybrid search engine (model, FAISS index, BM25, entity linker)."""
    return resources().get("search", _search)


def _answerer(settings):
    from climatekg.ask.answer import Answerer

    from .sparql import get_service

    def run(query: str) -> dict:
        """Graph answers go through the same query runner, limits and policy as /sparql."""
        return get_service().run(query, timeout=settings.sparql_timeout, max_rows=settings.sparql_max_rows,
                                 forms={"SELECT"})

    return Answerer.load(settings, engine=get_search(), run=run)


def get_answerer():
    """Question answering over the graph and the search stack (shares the search engine)."""
    return resources().get("answerer", _answerer)
