"""Run the service: uvicorn in front (an event loop, see ``service/front.py``), one embedding process, N web workers.

``climatekg serve`` calls ``run_serve(settings, ...)``. Settings (``climatekg/config.py``; every one with its
default in README.md, "Configuration") come from the defaults, an optional TOML file and ``CLIMATEKG_<NAME>``
environment variables; the flags ``--host``, ``--port``, ``--workers`` and ``--engine`` override them.

Before anything starts, ``check_build`` checks that the build exists, is
intact (every file's sha256 against its manifest) and fits the settings, and
otherwise says which command to run — never a traceback.

Processes::

    climatekg serve                 uvicorn's supervisor: binds the socket, restarts a web worker that dies
    ├── embedding process           the model, loaded once (embeddings/encoder_service.py), restarted if it dies
    └── web worker × workers        uvicorn event loop → front (limits, buffering) → Flask in THREADS threads
        │                           (/sparql queries: answered by the front on the loop itself)
        └── SPARQL query workers    started at boot (graph/query/pool.py)

A web worker takes requests at once: it starts its SPARQL pool at boot and
loads the store, the cases and the search engine (index, BM25; vectors come
from the embedding process) on a background thread, so a request that needs
one of them waits only for that one.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import fields, replace
from pathlib import Path

from climatekg.artifacts import problems


class BuildMissing(RuntimeError):
    """The build is missing, damaged or does not match the settings; the message names the command to run."""


def report_build(settings) -> bool:
    """``check_build`` for a command that is about to serve: its notes and its error on stderr; False when the
    build cannot be served."""
    try:
        for note in check_build(settings):
            print(f"note: {note}", file=sys.stderr)
    except BuildMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return False
    return True


def check_build(settings) -> list[str]:
    """Raise BuildMissing unless the graph and the search index exist, are intact and fit the settings; returns
    notes. The index is checked by the search stack's own ``check_index`` (with every file's digest)."""
    from climatekg.embeddings.build import check_index
    from climatekg.embeddings.encoder import ModelUnavailable
    from climatekg.embeddings.errors import IndexMismatch
    from climatekg.graph.sparql_text import graph_base_iri

    notes: list[str] = []
    build = Path(settings.build_dir)
    graph = build / "graph.nt"
    if not graph.is_file():
        raise BuildMissing(f"no graph at {graph} — run 'climatekg build' (or 'make serve', which builds first)")
    damaged = problems(build, "graph-manifest.json")
    if damaged:
        raise BuildMissing(f"the graph in {build} is not intact: {'; '.join(damaged)} — run 'climatekg build', "
                           "which rebuilds what is damaged or missing")
    base = graph_base_iri(build, settings.base_iri)
    if base != settings.base_iri:
        notes.append(f"the graph was built with base_iri {base} but the settings say {settings.base_iri}; "
                     f"the service serves the graph's IRIs — run 'climatekg build --force' to rebuild with the new base")
    try:
        check_index(settings, verify=True)
    except (IndexMismatch, ModelUnavailable) as e:
        raise BuildMissing(str(e)) from None
    return notes


# -- a web worker ----------------------------------------------------------------------------------


def warm(app) -> None:
    """Load the heavy resources of ``app`` now (store, cases, search engine, and — when those features are part
    of the app — the question answerer) rather than on the first request that needs them."""
    from . import resources

    with app.app_context():
        store = resources.get_store()
        if "sparql" in app.blueprints:  # bounded queries are answered on this store, without a query worker
            resources.get_sparql().pool.attach_store(store)
        resources.get_cases()
        resources.get_search()
        resources.get_answerer()
    release_free_memory()


def release_free_memory() -> None:
    """Hand the heap that loading freed back to the system (glibc keeps it otherwise: ~30 MB a web worker of
    parse buffers and temporaries that the process never uses again)."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    libc = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(libc).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to hand back this way
        pass


#: seconds the background warm-up waits for the SPARQL pool before loading the rest: the first query needs only
#: the pool, and on two cores the warm-up's CPU would otherwise delay it
WARM_AFTER_POOL_S = 5.0


def boot(app, background: bool = True) -> None:
    """Start ``app``'s SPARQL query pool now and warm the rest (on a background thread unless told otherwise,
    once the pool is ready or after WARM_AFTER_POOL_S)."""
    pool = None
    if "sparql" in app.blueprints:
        from .resources import get_sparql

        with app.app_context():
            pool = get_sparql().runner.start()

    def _warm():
        try:
            if pool is not None and background:
                pool.wait_ready(WARM_AFTER_POOL_S)
            warm(app)
        except Exception:  # noqa: BLE001 - a request that needs the resource reports it properly
            app.logger.exception("warming up failed; requests that need the failed resource will say why")

    if background:
        threading.Thread(target=_warm, name="climatekg-warm", daemon=True).start()
    else:
        warm(app)


def _settings_from_env():
    from climatekg.config import load_settings

    return load_settings()


def worker_app():
    """uvicorn's application factory in each web worker: the Flask app behind the front, booted."""
    from climatekg.embeddings.encoder_service import ENV as ENCODER_ENV

    from .app import create_app
    from .front import build_front

    settings = _settings_from_env()
    app = create_app(settings)
    if os.environ.get(ENCODER_ENV):
        app.config["ENCODER_ADDRESS"] = os.environ[ENCODER_ENV]
    boot(app)
    return build_front(app, settings)


# -- the serving process ---------------------------------------------------------------------------


def uvicorn_options(settings, access_log: bool = False) -> dict:
    from .front import MAX_HEADER_BYTES, GuardedHttpToolsProtocol, target_limit

    return {
        "host": settings.host, "port": settings.port, "workers": settings.workers,
        "factory": True, "http": GuardedHttpToolsProtocol, "ws": "none", "lifespan": "on", "interface": "asgi3",
        "h11_max_incomplete_event_size": target_limit(settings) + MAX_HEADER_BYTES,
        "timeout_keep_alive": 5, "timeout_graceful_shutdown": 10,
        "timeout_worker_healthcheck": 60,  # a worker starting on a busy machine is not a hung one
        "limit_concurrency": 1000,  # connections + requests per worker, past which uvicorn answers 503
        "backlog": 2048, "access_log": access_log, "log_level": "info", "server_header": False,
    }


def _export(settings) -> None:
    """Hand the settings to the worker processes (fresh interpreters) as CLIMATEKG_* variables."""
    os.environ.pop("CLIMATEKG_CONFIG", None)
    for f in fields(settings):
        os.environ[f"CLIMATEKG_{f.name.upper()}"] = str(getattr(settings, f.name))


def run_serve(settings, host: str | None = None, port: int | None = None, workers: int | None = None,
              engine: str | None = None, access_log: bool = False) -> int:
    """Check the build, start the embedding process, then serve with uvicorn until interrupted."""
    overrides = {k: v for k, v in (("host", host), ("port", port), ("workers", workers), ("sparql_engine", engine))
                 if v is not None}
    settings = replace(settings, **overrides)
    if settings.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if not 0 < settings.port < 65536:
        print(f"error: --port must be from 1 to 65535, got {settings.port}", file=sys.stderr)
        return 2
    if not report_build(settings):
        return 2

    import uvicorn

    from climatekg.embeddings.encoder_service import ENV as ENCODER_ENV
    from climatekg.embeddings.encoder_service import EncoderProcess

    from .front import THREADS

    _export(settings)
    encoder = EncoderProcess(settings).start()
    os.environ[ENCODER_ENV] = encoder.address
    print(f"climatekg: serving on http://{settings.host}:{settings.port}/ ({settings.workers} web worker"
          f"{'s' if settings.workers != 1 else ''} × {THREADS} threads behind uvicorn, one embedding process, "
          f"SPARQL engine {settings.sparql_engine}); API at /api/…, SPARQL at /sparql, IRIs at /id/…; "
          "docs at /openapi.json", file=sys.stderr, flush=True)
    try:
        uvicorn.run("climatekg.service.serve:worker_app", **uvicorn_options(settings, access_log))
    finally:
        encoder.stop()
    return 0
