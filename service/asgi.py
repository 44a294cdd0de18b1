"""The MCP endpoint (streamable HTTP) as an ASGI app mounted beside the Flask app at ``/mcp``.

``service/front.py`` lists it in ``MOUNTS``; the front calls :func:`mcp_app` once per web process with the
Flask app, gives the sub-app the same limits and body buffering as every route, and runs its lifespan (which
starts the MCP session manager) with the server's.

- ``/mcp`` is the route of the MCP SDK's own Starlette app (no auth, so no middleware to carry over) in
  **stateless JSON** mode: each POST is answered on its own, with no session held in a process, so any
  worker of a multi-process server can take any request;
- with ``host`` on the loopback interface the SDK refuses requests whose Host or Origin header is not a
  loopback address (DNS-rebinding protection); on another address it accepts any.
"""

from __future__ import annotations

MCP_PATH = "/mcp"


def mcp_app(flask_app, mcp_path: str = MCP_PATH):
    """The MCP server's streamable-HTTP ASGI app for ``flask_app`` (tools run in its app context)."""
    from .mcp_server import create_mcp_server

    settings = flask_app.config["SETTINGS"]
    return create_mcp_server(flask_app).streamable_http_app(
        streamable_http_path=mcp_path, stateless_http=True, json_response=True, host=settings.host)
