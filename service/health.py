"""``GET /health``: this web worker is serving; which of its resources are loaded (it never waits for one);
``ready`` once all of them are (`climatekg serve` loads them in the background at start)."""

from __future__ import annotations

import os

from flask import Blueprint, jsonify

from .params import check_params
from .resources import resources

bp = Blueprint("health", __name__)

RESOURCES = ("store", "cases", "search", "answerer", "sparql")


@bp.get("/health")
def health():
    check_params(())
    res = resources()
    loaded = {name: res.loaded(name) for name in RESOURCES}
    return jsonify({"status": "ok", "pid": os.getpid(), "ready": all(loaded.values()), "loaded": loaded})
