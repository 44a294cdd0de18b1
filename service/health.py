"""``GET /health``: this web worker is serving; which of its resources are loaded (it never waits for one)."""

from __future__ import annotations

import os

from flask import Blueprint, jsonify

from .api_search import check_params
from .resources import resources

bp = Blueprint("health", __name__)

RESOURCES = ("store", "cases", "search", "answerer", "sparql")


@bp.get("/health")
def health():
    check_params(())
    res = resources()
    return jsonify({"status": "ok", "pid": os.getpid(), "loaded": {name: res.loaded(name) for name in RESOURCES}})
