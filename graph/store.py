"""Read-only SPARQL over the built graph, behind one small interface.

Two engines answer the same queries in this process: Oxigraph
(``pyoxigraph``, compiled, the default) and rdflib's pure-Python engine (the
reference). Both load the N-Triples export written by ``climatekg build``.
A third store, ``RemoteStore``, sends the queries to any SPARQL 1.1 server
holding the graph (setting ``sparql_endpoint``; ``climatekg build`` loads
the graph into it with ``load_remote``).

Every store predeclares the prefixes of ``graph/sparql_text.py`` for the
base IRI the graph was built with (``base_iri``, by default read from the
build's manifest): ``case:case-07`` names the same case whatever the base.
"""

from __future__ import annotations

import contextlib
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit, urlunsplit
from dataclasses import dataclass
from pathlib import Path

from .sparql_text import (DEFAULT_BASE_IRI, FORMS, PREFIX_MAP, PREFIXES, QueryError,  # noqa: F401 - PREFIXES, QueryError:
                          Unrecognised, canonical_query, graph_base_iri, prefix_map,  # imported from here elsewhere
                          prefixes_text, tokens)



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

    def __init__(self, build_dir: Path, base_iri: str | None = None):
        import pyoxigraph as ox

        _predeclare(self, base_iri or graph_base_iri(build_dir))
        self.ox = ox
        self.store = ox.Store()
        self.store.bulk_load(path=str(graph_file(build_dir)), format=ox.RdfFormat.N_TRIPLES)

    def _term(self, t) -> Term | None:
        return _ox_to_term(self.ox, t)

    def query(self, sparql: str, max_rows: int | None = None, prefixes: bool = True) -> Result:
        ox = self.ox
        t0 = time.perf_counter()
        text = (self.prefixes + sparql) if prefixes else sparql
        try:
            res = self.store.query(text)
        except SyntaxError as e:
            raise QueryError(str(e)) from None
        if isinstance(res, (bool, ox.QueryBoolean)):  # pyoxigraph 0.5 answers ASK with a QueryBoolean
            return Result("ASK", [], [], boolean=bool(res), seconds=time.perf_counter() - t0)
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

    def __init__(self, build_dir: Path, base_iri: str | None = None):
        from rdflib import Graph

        _predeclare(self, base_iri or graph_base_iri(build_dir))
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
        text = (self.prefixes + sparql) if prefixes else sparql
        try:
            res = self.graph.query(text)
        except ParseException as e:
            raise QueryError(f"{e.msg} at line {e.lineno - (self.prefixes.count(chr(10)) if prefixes else 0)}, column {e.col}") from None
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


class RemoteUnavailable(ConnectionError):
    """The SPARQL server of ``sparql_endpoint`` could not be reached or refused the request."""


class RemoteStore:
    """A SPARQL 1.1 server holding the graph in its default graph (SPARQL 1.1 Protocol, POST form-encoded).

    Results come back as SPARQL JSON (SELECT/ASK) or N-Triples (CONSTRUCT/DESCRIBE) and are read lazily by
    pyoxigraph's parsers, so a result cut at a row limit stops reading the response there.
    """

    name = "remote"

    def __init__(self, endpoint: str, timeout: float = 60.0, base_iri: str = DEFAULT_BASE_IRI):
        import pyoxigraph as ox

        _predeclare(self, base_iri)
        if urlsplit(endpoint).scheme not in ("http", "https"):
            raise ValueError(f"sparql_endpoint must be an http(s) URL, got {endpoint!r}")
        self.ox, self.endpoint, self.timeout = ox, endpoint, timeout

    @contextlib.contextmanager
    def open_query(self, sparql: str, form: str, timeout: float | None = None):
        """(form, lazy pyoxigraph result) of one query: QuerySolutions/QueryBoolean or an iterator of Triples."""
        ox = self.ox
        graph = form in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples" if graph else "application/sparql-results+json"
        req = urllib.request.Request(self.endpoint, data=urlencode({"query": _with_prefixes(sparql, self.prefix_map)}).encode(),
                                     headers={"Accept": accept,
                                              "Content-Type": "application/x-www-form-urlencoded"})
        try:
            resp = urllib.request.urlopen(req, timeout=timeout or self.timeout)  # noqa: S310 - configured URL
        except urllib.error.HTTPError as e:
            body = e.read(2000).decode("utf-8", "replace").strip()
            if e.code == 400:
                raise QueryError(f"the SPARQL server refused the query: {body}") from None
            raise RemoteUnavailable(f"the SPARQL server at {self.endpoint} answered {e.code}: {body[:300]}") from None
        except (urllib.error.URLError, OSError) as e:
            raise RemoteUnavailable(f"the SPARQL server at {self.endpoint} cannot be reached: "
                                    f"{getattr(e, 'reason', e)}") from None
        try:
            if graph:
                yield form, (q.triple for q in ox.parse(resp, format=ox.RdfFormat.N_TRIPLES))
            else:
                yield form, ox.parse_query_results(resp, format=ox.QueryResultsFormat.JSON)
        finally:
            resp.close()  # abandons the rest of a long answer

    def query(self, sparql: str, max_rows: int | None = None, prefixes: bool = True) -> Result:
        """The same interface as OxigraphStore.query, answered by the server."""
        ox = self.ox
        t0 = time.perf_counter()
        text = (self.prefixes + sparql) if prefixes else sparql
        form = _form_of(text)
        with self.open_query(text, form) as (_, res):
            if isinstance(res, (ox.QueryBoolean, bool)):
                return Result("ASK", [], [], boolean=bool(res), seconds=time.perf_counter() - t0)
            rows, truncated = [], False
            if isinstance(res, ox.QuerySolutions):
                variables = [v.value for v in res.variables]
                for sol in res:
                    if max_rows is not None and len(rows) >= max_rows:
                        truncated = True
                        break
                    rows.append([_ox_to_term(ox, sol[v]) for v in variables])
                return Result("SELECT", variables, rows, truncated=truncated, seconds=time.perf_counter() - t0)
            triples = []
            for tr in res:
                if max_rows is not None and len(triples) >= max_rows:
                    truncated = True
                    break
                triples.append((_ox_to_term(ox, tr.subject), _ox_to_term(ox, tr.predicate),
                                _ox_to_term(ox, tr.object)))
            return Result("CONSTRUCT", ["subject", "predicate", "object"], [list(t) for t in triples],
                          triples=triples, truncated=truncated, seconds=time.perf_counter() - t0)


def _ox_to_term(ox, t) -> Term | None:
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return Term("uri", t.value)
    if isinstance(t, ox.BlankNode):
        return Term("bnode", t.value)
    if isinstance(t, ox.Literal):
        return Term("literal", t.value, t.language, None if t.language else t.datatype.value)
    return Term("literal", str(t))


def _predeclare(store, base_iri: str) -> None:
    store.base_iri = base_iri
    store.prefix_map = prefix_map(base_iri)
    store.prefixes = prefixes_text(base_iri)


def _form_of(sparql: str) -> str:
    for kind, tok, _ in tokens(canonical_query(sparql)):
        if kind == "word" and tok.upper() in FORMS:
            return tok.upper()
    return "SELECT"


def _with_prefixes(sparql: str, predeclared: dict[str, str] = PREFIX_MAP) -> str:
    """The query with the predeclared prefixes it uses but does not declare written out (a remote server does
    not know ours); a query's own declarations are left as they are."""
    declared, used = set(), set()
    try:
        toks = list(tokens(sparql))
    except Unrecognised:  # an unlexable text goes as it is; the server says what is wrong
        return sparql
    for i, (kind, tok, _) in enumerate(toks):
        if kind == "pname":
            prefix = tok.partition(":")[0]
            if i and toks[i - 1][0] == "word" and toks[i - 1][1].upper() == "PREFIX":
                declared.add(prefix)
            else:
                used.add(prefix)
    missing = [p for p in sorted(used - declared) if p in predeclared]
    return "".join(f"PREFIX {p}: <{predeclared[p]}>\n" for p in missing) + sparql


def graph_store_url(endpoint: str, graph_store: str = "") -> str:
    """The SPARQL 1.1 Graph Store HTTP Protocol URL of a server: ``graph_store`` when given, else Oxigraph's
    convention (the query endpoint's ``/query`` or ``/sparql`` replaced by ``/store``)."""
    if graph_store:
        return graph_store
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    for tail in ("/query", "/sparql"):
        if path.endswith(tail):
            return urlunsplit(parts._replace(path=path[: -len(tail)] + "/store", query=""))
    raise ValueError(f"cannot tell the Graph Store Protocol URL of {endpoint} — set sparql_graph_store")


def load_remote(build_dir: Path, endpoint: str, graph_store: str = "", timeout: float = 600.0) -> int:
    """Replace the default graph of the server with the built graph (Graph Store Protocol ``PUT ?default``,
    N-Triples), then count its triples through the query endpoint; returns that count."""
    path = graph_file(build_dir)
    url = graph_store_url(endpoint, graph_store)
    target = url + ("&" if "?" in url else "?") + "default"
    with open(path, "rb") as body:
        req = urllib.request.Request(target, data=body, method="PUT",
                                     headers={"Content-Type": "application/n-triples",
                                              "Content-Length": str(path.stat().st_size)})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured URL
                resp.read()
        except urllib.error.HTTPError as e:
            raise RemoteUnavailable(f"loading the graph into {url} failed: {e.code} "
                                    f"{e.read(500).decode('utf-8', 'replace')}") from None
        except (urllib.error.URLError, OSError) as e:
            raise RemoteUnavailable(f"the SPARQL server's graph store at {url} cannot be reached: "
                                    f"{getattr(e, 'reason', e)}") from None
    res = RemoteStore(endpoint).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", prefixes=False)
    return int(res.rows[0][0].value)


def open_store(build_dir: Path, engine: str = "oxigraph", endpoint: str = "", base_iri: str | None = None):
    """The store to query: the SPARQL server at ``endpoint`` when one is given, else the built graph loaded
    into ``engine`` in this process. ``base_iri``: the graph's base (default: the one the build in
    ``build_dir`` recorded), for the predeclared prefixes."""
    base = base_iri or graph_base_iri(build_dir)
    if endpoint:
        return RemoteStore(endpoint, base_iri=base)
    if engine == "oxigraph":
        return OxigraphStore(build_dir, base)
    if engine == "rdflib":
        return RdflibStore(build_dir, base)
    raise ValueError(f"unknown SPARQL engine {engine!r} (oxigraph or rdflib)")
