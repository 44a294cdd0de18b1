"""Shared, session-scoped fixtures: the real corpus parsed once, the graph built once into a temp dir."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest

from climatekg.config import load_settings


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    """The checkout's settings, with an empty sources_dir: documents a user added never leak into tests."""
    from dataclasses import replace

    return replace(load_settings(), sources_dir=tmp_path_factory.mktemp("no-added-sources"))


@pytest.fixture(scope="session")
def collection(settings):
    from climatekg.corpus import parse_file

    return parse_file(settings.source, settings.source_sha256)


@pytest.fixture(scope="session")
def metadata(settings, collection):
    from climatekg.corpus.metadata import load_metadata

    return load_metadata(settings.metadata, collection)


@pytest.fixture(scope="session")
def graph_build_dir(settings, tmp_path_factory):
    """A fresh graph build (not the checkout's data/build), shared by the session."""
    from dataclasses import replace

    from climatekg.graph.pipeline import build

    d = tmp_path_factory.mktemp("build")
    s = replace(settings, build_dir=d)
    manifest = build(s, progress=lambda m: None)
    return d, manifest


@pytest.fixture(scope="session")
def store(graph_build_dir):
    from climatekg.graph.store import open_store

    return open_store(graph_build_dir[0], "oxigraph")


def store_runner(store):
    """Graph answers' SPARQL on a store of a test's own (a graph with statements added, another base), in this
    process, with the policy and query forms of ``ask.answer.graph_runner``."""
    from climatekg.ask.answer import ANSWER_FORMS
    from climatekg.graph.query.worker import answer

    return lambda sparql: answer(store, sparql, forms=ANSWER_FORMS)[0]


def case_ids(result, var="id"):
    return sorted({row[var] for row in result.dicts()})


@pytest.fixture(scope="session")
def built_settings(settings, graph_build_dir):
    """Settings pointing at the session's fresh build (graph; search indexes added when the search stack is built)."""
    from dataclasses import replace

    return replace(settings, build_dir=graph_build_dir[0])


@pytest.fixture(scope="module")
def app(built_settings, search_engine):
    """A fresh app per test module over the session's build, sharing the session's search engine (the model loads once)."""
    from climatekg.service.app import create_app

    app = create_app(built_settings)
    app.config["TESTING"] = True
    app.extensions["climatekg"].get("search", lambda settings: search_engine)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def search_engine(built_settings):
    """The search stack built once into the session's build dir (vectors come from the on-disk cache when present)."""
    from climatekg.build import build_model
    from climatekg.embeddings.build import build_indexes
    from climatekg.embeddings.search import SearchEngine

    build_model(built_settings)
    build_indexes(built_settings, progress=lambda m: None)
    return SearchEngine.load(built_settings)


@pytest.fixture(scope="session")
def answerer(built_settings, search_engine):
    from climatekg.ask.answer import Answerer, pool_runner

    run = pool_runner(built_settings)  # a query worker of its own, as the command line has
    yield Answerer.load(built_settings, engine=search_engine, run=run)
    run.pool.stop()
