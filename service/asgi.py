"""The service as one ASGI application: MCP (streamable HTTP) at ``/mcp``, the Flask app everywhere else.

    asgi_app = create_asgi_app(create_app(settings))   # what `climatekg serve` hands to gunicorn's asgi worker

This module is the only place that knows how the two are put together, so a different serving front can
re-wire it in one spot:

- ``/mcp`` is the route of the MCP SDK's own Starlette app (``MCPServer.streamable_http_app``; no auth, so
  it has no middleware to carry over) in **stateless JSON** mode: each POST is answered on its own, with no session held in a process, so any worker of a
  multi-process server can take any request;
- every other path goes to the Flask app through a WSGI adapter (``a2wsgi``), which runs it in a thread
  pool, as the threaded workers did;
- the lifespan of this top-level app starts the MCP session manager (a mounted app's own lifespan never
  runs).

With ``host`` on the loopback interface the SDK refuses requests whose Host or Origin header is not a
loopback address (DNS-rebinding protection); on another address it accepts any.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

MCP_PATH = "/mcp"
WSGI_THREADS = 8  # Flask requests handled at once per process


def create_asgi_app(flask_app, mcp_path: str = MCP_PATH):
    from a2wsgi import WSGIMiddleware
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from .mcp_server import create_mcp_server

    settings = flask_app.config["SETTINGS"]
    mcp = create_mcp_server(flask_app)
    mcp_app = mcp.streamable_http_app(streamable_http_path=mcp_path, stateless_http=True, json_response=True,
                                      host=settings.host)

    @asynccontextmanager
    async def lifespan(_app):
        async with mcp.session_manager.run():
            yield

    # the SDK app's routes (exactly `mcp_path`) first, then everything else to Flask
    return Starlette(routes=[*mcp_app.routes, Mount("/", app=WSGIMiddleware(flask_app, workers=WSGI_THREADS))],
                     lifespan=lifespan)
