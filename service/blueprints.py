"""Which blueprints the app has (one module per feature)."""

from __future__ import annotations

import importlib

from flask import Flask

# (module, attribute) — each module defines a Blueprint named `bp`
BLUEPRINTS: list[str] = ["api_ask", "sparql", "api_cases", "api_search", "api_outcomes", "deref", "openapi", "ui", "health"]


def register(app: Flask) -> None:
    for name in BLUEPRINTS:
        mod = importlib.import_module(f"climatekg.service.{name}")
        app.register_blueprint(mod.bp)
