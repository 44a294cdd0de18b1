"""Read-only SPARQL over the built graph, behind one small interface.

Two engines answer the same queries: Oxigraph (``pyoxigraph``, compiled, the
default) and rdflib's pure-Python engine (the reference). Both load the
N-Triples export written by ``climatekg build``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

PREFIXES = """PREFIX ckg: <https://w3id.org/climatekg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX qudt: <http://qudt.org/schema/qudt/>
PREFIX case: <https://w3id.org/climatekg/id/case/>
PREFIX org: <https://w3id.org/climatekg/id/org/>
PREFIX technology: <https://w3id.org/climatekg/id/technology/>
PREFIX place: <https://w3id.org/climatekg/id/place/>
PREFIX indicator: <https://w3id.org/climatekg/id/indicator/>
PREFIX section: <https://w3id.org/climatekg/id/section/>
"""


class QueryError(ValueError):
    """The query is not valid SPARQL (message from the parser, with its position)."""


class GraphMissing(FileNotFoundError):
    pass


@dataclass
class Term:
    """A result value: kind is 'uri', 'literal' or 'bnode' (as in SPARQL JSON results)."""

    kind: str
    value: str
    lang: str | None = None
    datatype: str | None = None

    def __str__(self) -> str:
        return self.value

    def to_json(self) -> dict:
        d = {"type": self.kind, "value": self.value}
        if self.lang:
            d["xml:lang"] = self.lang
        elif self.datatype and self.kind == "literal":
            d["datatype"] = self.datatype
        return d

    def python(self):
        if self.kind == "literal" and self.datatype:
            dt = self.datatype.rsplit("#", 1)[-1]
            try:
                if dt in ("integer", "int", "long", "nonNegativeInteger"):
                    return int(self.value)
                if dt in ("decimal", "double", "float"):
                    return float(self.value)
                if dt == "boolean":
                    return self.value == "true"
            except ValueError:
                pass
        return self.value


@dataclass
class Result:
    kind: str  # SELECT | ASK | CONSTRUCT
    variables: list[str]
    rows: list[list[Term | None]]
    boolean: bool | None = None
    triples: list | None = None  # for CONSTRUCT/DESCRIBE: list of (s, p, o) Terms
    truncated: bool = False
    seconds: float = 0.0

    def dicts(self) -> list[dict]:
        return [{v: (t.python() if t is not None else None) for v, t in zip(self.variables, row)} for row in self.rows]


def graph_file(build_dir: Path) -> Path:
    path = Path(build_dir) / "graph.nt"
    if not path.is_file():
        raise GraphMissing(f"{path} not found — run 'climatekg build' first")
    return path


class OxigraphStore:
    name = "oxigraph"

    def __init__(self, build_dir: Path):
        import pyoxigraph as ox

        self.ox = ox
        self.store = ox.Store()
        self.store.bulk_load(path=str(graph_file(build_dir)), format=ox.RdfFormat.N_TRIPLES)

    def _term(self, t) -> Term | None:
        ox = self.ox
        if t is None:
            return None
        if isinstance(t, ox.NamedNode):
            return Term("uri", t.value)
        if isinstance(t, ox.BlankNode):
            return Term("bnode", t.value)
        if isinstance(t, ox.Literal):
            return Term("literal", t.value, t.language, None if t.language else t.datatype.value)
        return Term("literal", str(t))

    def query(self, sparql: str, max_rows: int | None = None, prefixes: bool = True) -> Result:
        ox = self.ox
        t0 = time.perf_counter()
        text = (PREFIXES + sparql) if prefixes else sparql
        try:
            res = self.store.query(text)
        except SyntaxError as e:
            raise QueryError(str(e)) from None
        if isinstance(res, bool):
            return Result("ASK", [], [], boolean=res, seconds=time.perf_counter() - t0)
        if isinstance(res, ox.QuerySolutions):
            variables = [v.value for v in res.variables]
            rows, truncated = [], False
            for sol in res:
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append([self._term(sol[v]) for v in variables])
            return Result("SELECT", variables, rows, truncated=truncated, seconds=time.perf_counter() - t0)
        triples, truncated = [], False
        for tr in res:
            if max_rows is not None and len(triples) >= max_rows:
                truncated = True
                break
            triples.append((self._term(tr.subject), self._term(tr.predicate), self._term(tr.object)))
        return Result("CONSTRUCT", ["subject", "predicate", "object"], [list(t) for t in triples], triples=triples,
                      truncated=truncated, seconds=time.perf_counter() - t0)


class RdflibStore:
    name = "rdflib"

    def __init__(self, build_dir: Path):
        from rdflib import Graph

        self.graph = Graph()
        self.graph.parse(graph_file(build_dir), format="nt")

    def _term(self, t) -> Term | None:
        from rdflib import BNode, Literal, URIRef

        if t is None:
            return None
        if isinstance(t, URIRef):
            return Term("uri", str(t))
        if isinstance(t, BNode):
            return Term("bnode", str(t))
        if isinstance(t, Literal):
            return Term("literal", str(t), t.language, str(t.datatype) if t.datatype else
                        (None if t.language else "http://www.w3.org/2001/XMLSchema#string"))
        return Term("literal", str(t))

    def query(self, sparql: str, max_rows: int | None = None, prefixes: bool = True) -> Result:
        from pyparsing import ParseException

        t0 = time.perf_counter()
        text = (PREFIXES + sparql) if prefixes else sparql
        try:
            res = self.graph.query(text)
        except ParseException as e:
            raise QueryError(f"{e.msg} at line {e.lineno - (PREFIXES.count(chr(10)) if prefixes else 0)}, column {e.col}") from None
        if res.type == "ASK":
            return Result("ASK", [], [], boolean=bool(res.askAnswer), seconds=time.perf_counter() - t0)
        if res.type == "SELECT":
            variables = [str(v) for v in res.vars]
            rows, truncated = [], False
            for r in res:
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append([self._term(r[v]) if v in r.labels else None for v in variables])
            return Result("SELECT", variables, rows, truncated=truncated, seconds=time.perf_counter() - t0)
        triples = [(self._term(s), self._term(p), self._term(o)) for s, p, o in res.graph]
        truncated = max_rows is not None and len(triples) > max_rows
        triples = triples[:max_rows] if max_rows is not None else triples
        return Result("CONSTRUCT", ["subject", "predicate", "object"], [list(t) for t in triples], triples=triples,
                      truncated=truncated, seconds=time.perf_counter() - t0)


def open_store(build_dir: Path, engine: str = "oxigraph"):
    if engine == "oxigraph":
        return OxigraphStore(build_dir)
    if engine == "rdflib":
        return RdflibStore(build_dir)
    raise ValueError(f"unknown SPARQL engine {engine!r} (oxigraph or rdflib)")
