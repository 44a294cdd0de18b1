"""The `serve` sub-command (registered by cli.main): a thin layer over ``service.serve.run_serve``."""

from __future__ import annotations

from .config import SPARQL_ENGINES


def cmd_serve(args, settings) -> int:
    from climatekg.service.serve import run_serve

    return run_serve(settings, host=args.host, port=args.port, workers=args.workers, engine=args.engine,
                     access_log=args.access_log)


def register(sub) -> None:
    s = sub.add_parser(
        "serve",
        help="serve the HTTP API, SPARQL endpoint and IRI pages with uvicorn (run 'climatekg build' first)",
        description="Serve the JSON API (/api/…), the SPARQL endpoint (/sparql), dereferenceable IRIs (/id/…, "
                    "/ontology), the web pages and /openapi.json: uvicorn in front, one embedding process, N web "
                    "workers (see service/serve.py and service/front.py). Flags override the settings file "
                    "and CLIMATEKG_* environment variables (see service/serve.py).",
    )
    s.add_argument("--host", help="address to bind (default: setting 'host', 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default: setting 'port', 5000)")
    s.add_argument("--workers", type=int, help="web worker processes (default: setting 'workers', 2)")
    s.add_argument("--engine", choices=SPARQL_ENGINES, help="SPARQL engine (default: setting 'sparql_engine')")
    s.add_argument("--access-log", action="store_true", help="log every request to stderr")
    s.set_defaults(func=cmd_serve)
