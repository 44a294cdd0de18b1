"""The Flask application factory (flaskr style): ``create_app(config=None)``."""

from __future__ import annotations

from flask import Flask

from climatekg.config import Settings, load_settings

from . import params, resources
from .errors import register_error_handlers


def create_app(config: Settings | dict | None = None) -> Flask:
    """Build the app. ``config`` is a Settings, a dict of setting overrides, or None (file + environment)."""
    if isinstance(config, Settings):
        settings = config
    else:
        settings = load_settings(**(config or {}))
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    resources.init_app(app, settings)
    register_error_handlers(app)
    params.init_app(app)
    from . import blueprints

    blueprints.register(app)
    return app
