"""Heavy resources — graph store, SPARQL query pool, search engine, answerer, parsed cases — loaded once per
process.

They live on ``app.extensions["climatekg"]`` and are created lazily on first
use (or ahead of it by ``serve.boot``, as `climatekg serve` does in each web
worker), never at import time. With ``app.config["ENCODER_ADDRESS"]`` set (by
`climatekg serve`) the search engine's encoder is the service's one embedding
process instead of a model of its own.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app


class Resources:
    """Each resource is built once, under a lock of its own: a request never waits for another resource's load
    (the answerer, built from the search engine, waits for that one only)."""

    def __init__(self, settings):
        self.settings = settings
        self._items: dict[str, object] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, name: str, factory):
        item = self._items.get(name)
        if item is None:
            with self._guard:
                lock = self._locks.setdefault(name, threading.Lock())
            with lock:
                item = self._items.get(name)
                if item is None:
                    item = factory(self.settings)
                    self._items[name] = item
        return item

    def loaded(self, name: str) -> bool:
        return name in self._items


def init_app(app: Flask, settings) -> None:
    app.extensions["climatekg"] = Resources(settings)


def resources() -> Resources:
    return current_app.extensions["climatekg"]


def _store(settings):
    from climatekg.graph.store import open_store

    return open_store(settings.build_dir, settings.sparql_engine, settings.sparql_endpoint)


def _cases(settings):
    from climatekg.graph.pipeline import load_inputs

    collection, metadata, vocab = load_inputs(settings)
    return {"collection": collection, "metadata": metadata, "vocab": vocab}


def _search(settings):
    from climatekg.embeddings.search import SearchEngine

    address = current_app.config.get("ENCODER_ADDRESS")
    if address:  # `climatekg serve`: the model lives in the one embedding process of the service
        from climatekg.embeddings.encoder_service import RemoteEncoder

        return SearchEngine.load(settings, encoder=RemoteEncoder(address))
    return SearchEngine.load(settings)


def get_store():
    """The read-only graph store (Oxigraph or rdflib, per settings.sparql_engine; the SPARQL server of
    settings.sparql_endpoint when one is set)."""
    return resources().get("store", _store)


def get_cases() -> dict:
    """{"collection": Collection, "metadata": Metadata, "vocab": Vocabulary}."""
    return resources().get("cases", _cases)


def get_search():
    """The hybrid search engine (model, FAISS index, BM25, entity linker)."""
    return resources().get("search", _search)


def _sparql(settings):
    from .sparql_service import SparqlService

    svc = SparqlService(settings, log=current_app.logger)
    svc.runner.start()  # workers load the store in the background from now on
    return svc


def get_sparql():
    """The SparqlService of this app in this process, its query pool started: /sparql, downloads, the MCP tool
    and graph answers all run through it (created on first use; at boot ``service.serve`` calls it, and
    ``get_sparql().pool.warm_up()`` waits for warm workers)."""
    return resources().get("sparql", _sparql)


def _answerer(settings):
    from climatekg.ask.answer import Answerer, graph_runner

    # graph answers go through the same query pool, limits and policy as /sparql
    return Answerer.load(settings, engine=get_search(), run=graph_runner(get_sparql().run, settings))


def get_answerer():
    """Question answering over the graph and the search stack (shares the search engine)."""
    return resources().get("answerer", _answerer)
