"""`climatekg build` for the graph: source → cases → validated graph → exports.

Everything is checked before anything is written, and the files are written
to temporary names and renamed into place only when all of them are ready, so
a failed build leaves the previous build untouched. ``graph-manifest.json``
(renamed into place last) records each file's sha256 (``climatekg.artifacts``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from climatekg.artifacts import CHECKSUMS
from climatekg.corpus.metadata import load_metadata
from climatekg.corpus.model import Collection
from climatekg.corpus.parse import CorpusError
from climatekg.config import DEFAULT_BASE_IRI
from climatekg.corpus.sources import load_collection
from .automatic import complete
from .build import build_graph
from .extracted import Extractions, extraction_version
from .gazetteer import GazetteerError, load_gazetteer
from .sparql_text import ONTOLOGY_IRI, id_base
from .vocab import load_vocabulary

DEFAULT_BASE = DEFAULT_BASE_IRI  # the base the builder mints under; _rebase moves the graph to ``base_iri``
GRAPH_FILES = ("graph.ttl", "graph.nt", "graph.jsonld")
CASE_EXTRACTORS = ("figures", "places", "org_facts", "recognitions", "targets")  # every case's; partners: automatic cases


class BuildError(RuntimeError):
    """The build stopped; nothing was written. The message says what and where."""


@dataclass
class GraphBuild:
    collection: Collection
    graph: Graph
    counts: dict
    seconds: float


def extractions_for(settings, gazetteer=None) -> Extractions:
    """The text-only extraction of each case (graph/extracted.py), cached under ``cache_dir/extraction`` by case
    text and by the code and data the extractors read."""
    from climatekg.config import ROOT

    from .gazetteer import gazetteer_inputs

    if gazetteer is None:
        gazetteer = load_gazetteer(settings.entities.parent / "provinces_en.toml")
    files = [p for d in ("corpus", "graph") for p in (ROOT / d).glob("*.py")]
    files += [*Path(settings.ontology_dir).glob("*.ttl"), *Path(settings.entities).parent.glob("*.toml"),
              *gazetteer_inputs()]
    return Extractions(gazetteer, Path(settings.cache_dir) / "extraction", extraction_version(files))


def load_inputs(settings, extractions: Extractions | None = None):
    """Parse and validate everything the graph is made from (shared with the search index).

    The vendored collection and every added source (corpus/sources.py) form one collection; cases without a
    curated entry in the metadata get theirs from graph/automatic.py.
    """
    collection = load_collection(settings)
    metadata = load_metadata(settings.metadata, collection)
    if extractions is not None:  # what the graph (and automatic metadata) will ask of each case, all at once
        extractions.prefill([(c, CASE_EXTRACTORS + (() if c.id in metadata.cases else ("partners",)))
                             for c in collection.cases])

    def vocabulary(meta):
        return load_vocabulary(settings.entities, settings.ontology_dir / "technologies.ttl", meta)

    vocab = vocabulary(metadata)
    if any(c.id not in metadata.cases for c in collection.cases):
        place_labels = {lab: e.en for e in vocab.places.values() for lab in e.labels_zh}
        partners = {k: e for k, e in vocab.orgs.items() if "meta" not in e.extra}
        if extractions is None:
            extractions = extractions_for(settings)
        vocab = complete(collection, metadata, vocabulary, partners, place_labels, extractions.gazetteer,
                         extractions)
        extractions.save()
    return collection, metadata, vocab


def _rebase(g: Graph, base: str) -> Graph:
    if base == DEFAULT_BASE:
        return g
    out = Graph()
    for s, p, o in g:
        s = URIRef(str(s).replace(DEFAULT_BASE, base, 1)) if isinstance(s, URIRef) else s
        o = URIRef(str(o).replace(DEFAULT_BASE, base, 1)) if isinstance(o, URIRef) and str(o).startswith(id_base(DEFAULT_BASE)) else o
        out.add((s, p, o))
    return out


def ontology_graphs(settings) -> list[Graph]:
    out = []
    for name in ("climatekg.ttl", "indicators.ttl"):
        g = Graph()
        g.parse(settings.ontology_dir / name, format="turtle")
        out.append(_rebase(g, settings.base_iri))
    return out


def rdfs_closure(graph: Graph, ontology: list[Graph]) -> Graph:
    """The graph, the ontology and what RDFS entailment adds that SHACL can see: super-property triples
    (rdfs7), types from rdfs:domain and rdfs:range (rdfs2, rdfs3) and super-class types (rdfs9), with
    rdfs:subClassOf and rdfs:subPropertyOf taken transitively.

    This is what pySHACL's ``inference="rdfs"`` (owlrl's full RDFS closure, ~80 % of a validation) gives the
    shapes: they target and check classes and properties, never the axiomatic triples or literal typing the full
    closure adds. Validating this graph with no inference reports the same results (tests/test_graph.py).
    """
    g = Graph()
    g += graph
    for og in ontology:
        g += og

    def transitive(pred) -> dict:
        up: dict = {}
        for s, o in g.subject_objects(pred):
            up.setdefault(s, set()).add(o)
        out = {}
        for s, direct in up.items():
            seen, todo = set(), list(direct)
            while todo:
                x = todo.pop()
                if x not in seen:
                    seen.add(x)
                    todo += up.get(x, ())
            out[s] = seen
        return out

    super_class, super_prop = transitive(RDFS.subClassOf), transitive(RDFS.subPropertyOf)
    domain: dict = {}
    range_: dict = {}
    for p, d in g.subject_objects(RDFS.domain):
        domain.setdefault(p, set()).add(d)
    for p, r in g.subject_objects(RDFS.range):
        range_.setdefault(p, set()).add(r)
    inferred = set()
    for s, p, o in g:
        for q in (p, *super_prop.get(p, ())):
            if q != p:
                inferred.add((s, q, o))
            for d in domain.get(q, ()):
                inferred.add((s, RDF.type, d))
            if not isinstance(o, Literal):
                for r in range_.get(q, ()):
                    inferred.add((o, RDF.type, r))
    for t in inferred:
        g.add(t)
    for s, c in list(g.subject_objects(RDF.type)):
        for sc in super_class.get(c, ()):
            g.add((s, RDF.type, sc))
    return g


def shacl_validate(graph: Graph, shapes_path: Path, ontology: list[Graph]) -> None:
    """pySHACL over the graph with its RDFS closure (:func:`rdfs_closure`) — the graph is never written on a
    violation."""
    from pyshacl import validate

    shapes = Graph().parse(shapes_path, format="turtle")
    conforms, report_graph, report_text = validate(
        rdfs_closure(graph, ontology), shacl_graph=shapes, inference="none", abort_on_first=False, allow_warnings=True
    )
    if not conforms:
        raise BuildError("the graph does not conform to ontology/shapes.ttl:\n" + summarise_report(report_text))


def summarise_report(report_text: str, examples: int = 3) -> str:
    """Group pySHACL's report by message: one line per kind of violation, with a few focus nodes."""
    groups: dict[str, list[str]] = {}
    focus = None
    for line in report_text.splitlines():
        line = line.strip()
        if line.startswith("Focus Node:"):
            focus = line.split(":", 1)[1].strip()
        elif line.startswith("Message:"):
            groups.setdefault(line.split(":", 1)[1].strip(), []).append(focus or "?")
    out = []
    for msg, nodes in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        out.append(f"  {len(nodes)}× {msg}\n      e.g. " + ", ".join(nodes[:examples]))
    return "\n".join(out) or report_text[:4000]


def make_graph(settings, progress: Callable[[str], None] = print, beside_validation=None) -> GraphBuild:
    """The validated graph. ``beside_validation(graph)``, when given, is called once the graph is made and before
    it is validated: what it starts runs during the validation (the build serialises the exports there)."""
    t0 = time.perf_counter()
    try:
        gazetteer = load_gazetteer(settings.entities.parent / "provinces_en.toml")
    except GazetteerError as e:
        raise BuildError(str(e)) from None
    extractions = extractions_for(settings, gazetteer)
    try:
        progress(f"parsing {settings.source.name}")
        collection, metadata, vocab = load_inputs(settings, extractions)
    except CorpusError as e:
        raise BuildError(str(e)) from None
    progress(f"  {len(collection.cases)} cases, {sum(len(p.paragraphs) for c in collection.cases for p in c.parts.values())} paragraphs")
    progress(f"  vocabularies: {len(vocab.technologies)} technologies, {len(vocab.places)} places, "
             f"{len(vocab.orgs)} organisations, {len(vocab.awards)} recognitions, {len(vocab.standards)} standards")
    progress("building the graph")
    onto = ontology_graphs(settings)
    tech = vocab.technology_graph
    vocab.technology_graph = _rebase(tech, settings.base_iri)
    graph, counts = build_graph(collection, metadata, vocab, settings.base_iri, onto, gazetteer, extractions)
    extractions.save()
    progress(f"  {len(graph):,} triples, {counts.get('outcomes', 0)} quantified outcomes; text extraction: "
             f"{extractions.loaded} of {len(collection.cases)} cases from the cache, {extractions.computed} extractor runs")
    if beside_validation is not None:
        beside_validation(graph)
    progress("validating with SHACL (ontology/shapes.ttl)")
    shacl_validate(graph, settings.ontology_dir / "shapes.ttl", onto)
    return GraphBuild(collection, graph, counts, time.perf_counter() - t0)


class Serialising:
    """:func:`serialise` of a graph in a forked child, while this process goes on (validating the same graph):
    the exports are the same bytes as serialising in process, which is what happens where fork is not
    available or the child fails. ``result()`` waits for them; ``cancel()`` stops the child."""

    def __init__(self, graph: Graph):
        import multiprocessing

        self.graph, self.proc, self.conn = graph, None, None
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        ctx = multiprocessing.get_context("fork")  # the child shares the graph's memory: nothing is copied over
        self.conn, child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_serialise_child, args=(graph, child), name="climatekg-serialise", daemon=True)
        self.proc.start()
        child.close()

    def result(self) -> dict[str, bytes]:
        if self.proc is not None:
            try:
                files = self.conn.recv()
            except (EOFError, OSError):
                files = None
            self.cancel()
            if isinstance(files, dict):
                return files
        return serialise(self.graph)

    def cancel(self) -> None:
        if self.proc is not None:
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join()
            self.conn.close()
            self.proc = None


def _serialise_child(graph: Graph, conn) -> None:
    try:
        conn.send(serialise(graph))
    finally:
        conn.close()


def serialise(graph: Graph) -> dict[str, bytes]:
    """Deterministic exports: the same graph gives byte-identical files."""
    nt = graph.serialize(format="nt", encoding="utf-8")
    nt_lines = sorted(set(line for line in nt.decode("utf-8").splitlines() if line.strip()))
    ttl = graph.serialize(format="turtle", encoding="utf-8")
    jsonld = graph.serialize(format="json-ld", encoding="utf-8", sort_keys=True, indent=1, auto_compact=True)
    doc = _canonical_json(json.loads(jsonld))
    return {
        "graph.ttl": ttl,
        "graph.nt": ("\n".join(nt_lines) + "\n").encode("utf-8"),
        "graph.jsonld": json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8"),
    }


def _canonical_json(x):
    """Sort every unordered JSON-LD array (values and nodes; never an @list) so output is stable."""
    if isinstance(x, dict):
        return {k: (v if k == "@list" else _canonical_json(v)) for k, v in x.items()}
    if isinstance(x, list):
        items = [_canonical_json(v) for v in x]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return x


def write_atomically(build_dir: Path, files: dict[str, bytes]) -> None:
    build_dir.mkdir(parents=True, exist_ok=True)
    tmp = {}
    try:
        for name, data in files.items():
            path = build_dir / f".{name}.tmp-{os.getpid()}"
            path.write_bytes(data)
            tmp[name] = path
        for name, path in tmp.items():
            os.replace(path, build_dir / name)
    finally:
        for path in tmp.values():
            if path.exists():
                path.unlink()


def graph_stats(graph: Graph) -> dict:
    q = f"""
    PREFIX ckg: <{ONTOLOGY_IRI}>
    SELECT ?cls (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?cls . FILTER(STRSTARTS(STR(?cls), STR(ckg:))) }} GROUP BY ?cls
    """
    by_class = {str(r[0]).split("#")[-1]: int(r[1]) for r in graph.query(q)}
    return {"triples": len(graph), "entities_by_class": dict(sorted(by_class.items()))}


def build(settings, progress: Callable[[str], None] = print) -> dict:
    """Build the graph files into ``settings.build_dir``; returns the manifest written."""
    jobs: list[Serialising] = []

    def start_serialising(graph: Graph) -> None:
        progress("serialising (Turtle, N-Triples, JSON-LD) in a second process while the graph is validated")
        jobs.append(Serialising(graph))

    try:
        gb = make_graph(settings, progress, beside_validation=start_serialising)
        stats = graph_stats(gb.graph)
        files = jobs[0].result()
    finally:
        for job in jobs:
            job.cancel()
    manifest = {
        "source": settings.source.name,
        "source_sha256": gb.collection.source_sha256,
        "base_iri": settings.base_iri,
        "cases": len(gb.collection.cases),
        **stats,
        "links": {k.split(":", 1)[1]: v for k, v in sorted(gb.counts.items()) if k.startswith("links:")},
        "facts": {k.split(":", 1)[1]: v for k, v in sorted(gb.counts.items()) if k.startswith("facts:")},
        "quantified_outcomes": gb.counts.get("outcomes", 0),
        "files": {name: len(data) for name, data in files.items()},
        CHECKSUMS: {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    files["graph-manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    write_atomically(settings.build_dir, files)
    progress(f"wrote {', '.join(files)} to {settings.build_dir} in {gb.seconds + 0:.1f}s")
    return manifest
