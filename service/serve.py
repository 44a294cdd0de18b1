"""Run the service under gunicorn (a production WSGI server, not Flask's development server).

``climatekg serve`` calls ``run_serve(settings, ...)``. Settings come from the
defaults, an optional TOML file (``--config`` or ``CLIMATEKG_CONFIG``, keys
at the top level or under ``[climatekg]``) and ``CLIMATEKG_<NAME>``
environment variables; the command-line flags override them:

    host            CLIMATEKG_HOST            127.0.0.1    address to bind (--host)
    port            CLIMATEKG_PORT            5000         port (--port)
    workers         CLIMATEKG_WORKERS         2            gunicorn worker processes (--workers)
    sparql_engine   CLIMATEKG_SPARQL_ENGINE   oxigraph     oxigraph | rdflib (--engine)
    sparql_timeout  CLIMATEKG_SPARQL_TIMEOUT  10.0         seconds per SPARQL query
    sparql_max_rows CLIMATEKG_SPARQL_MAX_ROWS 10000        rows per SPARQL result
    build_dir       CLIMATEKG_BUILD_DIR       data/build   where `climatekg build` wrote the graph and indexes
    base_iri        CLIMATEKG_BASE_IRI        https://w3id.org/climatekg/
                    the IRIs' base; /id/… on this service describes <base_iri>id/…. Set it to the
                    service's own address (e.g. http://127.0.0.1:5000/) and rebuild (`climatekg build
                    --force`) to make every IRI in the graph resolve directly.
    model, index_type, threads                 the search model and index (must match the build)

Before it starts, ``run_serve`` checks that the build exists and matches the
settings — the graph file and the search index — and otherwise says which
command to run. Each worker process loads the graph store, the parsed cases
and the search engine (model, FAISS, BM25) once, before it takes requests.
Workers are gunicorn's ``asgi`` workers serving ``service/asgi.py``'s
composition: the MCP endpoint (streamable HTTP) at ``/mcp`` and the Flask app,
run in a pool of ``asgi.WSGI_THREADS`` threads, everywhere else — so SPARQL and
case requests run concurrently while the encoder takes one query at a time per
process.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

WORKER_TIMEOUT = 120  # seconds: a worker loading the model must not be taken for a hung one


class BuildMissing(RuntimeError):
    """The build is missing or does not match the settings; the message names the command to run."""


def check_build(settings) -> list[str]:
    """Raise BuildMissing unless the graph and the search index exist and fit the settings; returns notes."""
    notes: list[str] = []
    build = Path(settings.build_dir)
    graph = build / "graph.nt"
    if not graph.is_file():
        raise BuildMissing(f"no graph at {graph} — run 'climatekg build' (or 'make serve', which builds first)")
    manifest = build / "graph-manifest.json"
    try:
        base = json.loads(manifest.read_text(encoding="utf-8")).get("base_iri")
    except (OSError, ValueError):
        base = None
    if base and base != settings.base_iri:
        notes.append(f"the graph was built with base_iri {base} but the settings say {settings.base_iri}; "
                     f"the service serves the graph's IRIs — run 'climatekg build --force' to rebuild with the new base")
    index = build / "index" / "manifest.json"
    if not index.is_file():
        raise BuildMissing(f"no search index at {index.parent} — run 'climatekg build'")
    try:
        from climatekg.embeddings.build import fingerprint
        from climatekg.embeddings.encoder import ModelUnavailable, resolve_model
    except ImportError as e:  # pragma: no cover - the search stack is part of the package
        raise BuildMissing(f"the search stack cannot be imported ({e}) — reinstall with 'make install'") from None
    try:
        _, model_name = resolve_model(settings)
    except ModelUnavailable as e:
        raise BuildMissing(str(e)) from None
    try:
        recorded = json.loads(index.read_text(encoding="utf-8")).get("fingerprint", {})
    except ValueError:
        raise BuildMissing(f"{index} is not valid JSON — run 'climatekg build --only index --force'") from None
    expected = fingerprint(settings, model_name)
    stale = [k for k in ("model", "corpus_sha256", "graph_sha256", "metadata_sha256", "chunker", "index_type")
             if recorded.get(k) != expected.get(k)]
    if stale:
        raise BuildMissing(f"the search index at {index.parent} does not match the settings or the graph "
                           f"({', '.join(stale)} differ) — run 'climatekg build'")
    return notes


def warm(app) -> None:
    """Load the heavy resources of ``app`` now (store, cases, search engine, and — when those features are part
    of the app — the question answerer and the SPARQL query runner) rather than on the first request."""
    import importlib

    from . import resources

    with app.app_context():
        resources.get_store()
        resources.get_cases()
        resources.get_search()
        if hasattr(resources, "get_answerer"):
            resources.get_answerer()
        if "sparql" in app.blueprints:
            get_service = getattr(importlib.import_module("climatekg.service.sparql"), "get_service", None)
            if get_service is not None:
                get_service()


def gunicorn_options(settings, access_log: bool = False) -> dict:
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": "asgi",  # service/asgi.py: /mcp (MCP) + the Flask app through a WSGI adapter
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "climatekg",
        "control_socket_disable": True,  # gunicorn ≥ 24: no control socket (two services would share one path)
        "preload_app": False,  # each worker loads torch/faiss itself: OpenMP state does not survive fork()
    }


def run_serve(settings, host: str | None = None, port: int | None = None, workers: int | None = None,
              engine: str | None = None, access_log: bool = False) -> int:
    """Check the build, then serve ``create_app(settings)`` with gunicorn until interrupted."""
    from gunicorn.app.base import BaseApplication

    overrides = {k: v for k, v in (("host", host), ("port", port), ("workers", workers), ("sparql_engine", engine))
                 if v is not None}
    settings = replace(settings, **overrides)
    if settings.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if not 0 < settings.port < 65536:
        print(f"error: --port must be from 1 to 65535, got {settings.port}", file=sys.stderr)
        return 2
    try:
        for note in check_build(settings):
            print(f"note: {note}", file=sys.stderr)
    except BuildMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    class Server(BaseApplication):
        def load_config(self):
            for key, value in gunicorn_options(settings, access_log).items():
                if value is not None and key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):  # runs in each worker (preload_app is off)
            from .app import create_app
            from .asgi import create_asgi_app

            app = create_app(settings)
            warm(app)
            return create_asgi_app(app)

    from .asgi import MCP_PATH, WSGI_THREADS

    print(f"climatekg: serving on http://{settings.host}:{settings.port}/ ({settings.workers} worker"
          f"{'s' if settings.workers != 1 else ''} × {WSGI_THREADS} threads, SPARQL engine {settings.sparql_engine}); "
          f"API at /api/…, SPARQL at /sparql, IRIs at /id/…, MCP at {MCP_PATH}; docs at /openapi.json",
          file=sys.stderr, flush=True)
    Server().run()
    return 0
