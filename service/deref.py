"""Dereferenceable IRIs: ``GET /id/<path>`` and ``GET /ontology``.

Every resource the graph mints under ``<base_iri>id/…`` (cases, parts,
paragraphs, outcomes, evidence, organisations, technologies, places, awards,
standards, sections, part types, indicators, units, the collection) is
described at ``/id/…`` on this service: the path after ``id/`` is the same.
With the default ``base_iri`` (https://w3id.org/climatekg/) a w3id redirect
``/climatekg/id/* → http://<service>/id/*`` makes the IRIs resolve; setting
``base_iri`` to the service's own address (e.g. ``CLIMATEKG_BASE_IRI=
http://127.0.0.1:5000/`` and ``climatekg build --force``) makes them resolve
directly. The base the graph was built with is read from
``graph-manifest.json``, so the service always serves the IRIs the graph holds.

Content negotiation (``Accept``, or ``?format=`` to override):

    text/html               a small page: labels in both languages, properties, links
    text/turtle             (the default without an Accept header)
    application/ld+json
    application/n-triples
    application/rdf+xml

The RDF is the resource's description: its outgoing triples, the labels of
what they point to, and the triples pointing at it (with their subjects'
labels), at most ``MAX_INCOMING`` of them. An IRI the graph does not know is a
404; an Accept header none of these satisfies is a 406.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request

from rdflib.namespace import OWL

from climatekg.graph.namespace import CUR, ONTOLOGY_IRI, UNIT
from climatekg.graph.query import PREFIX_MAP
from climatekg.graph.sparql_text import graph_base_iri, id_base

from .errors import BadRequest, NotAcceptable, NotFound
from .resources import get_store, resources

bp = Blueprint("deref", __name__)

ONTOLOGY_NS = ONTOLOGY_IRI
ONTOLOGY = ONTOLOGY_NS.rstrip("#")
MAX_INCOMING = 1000
# what the path after /id/ can be: the graph's IRIs use ascii letters, digits, '.', '_', '-' and '/'
ID_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9._-]+)*$")
RDF_TYPE = PREFIX_MAP["rdf"] + "type"
LABELS = tuple(PREFIX_MAP[p] + name for p, name in
               (("rdfs", "label"), ("skos", "prefLabel"), ("dcterms", "title"), ("schema", "name")))

# format name → (media type, rdflib serializer or None for HTML)
FORMATS = {
    "ttl": ("text/turtle", "turtle"),
    "html": ("text/html", None),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
}
FORMAT_ALIASES = {"turtle": "ttl", "json-ld": "jsonld", "json": "jsonld", "ntriples": "nt", "n-triples": "nt",
                  "xml": "rdf", "rdfxml": "rdf"}
ACCEPT_ALIASES = {"application/json": "jsonld", "application/xhtml+xml": "html", "text/plain": "nt",
                  "application/x-turtle": "ttl"}

#: the vocabularies' prefixes: the predeclared SPARQL ones (graph.query.PREFIX_MAP) but for our own IRIs under
#: id/ (bound per request to the graph's base, see ``describe``), and those of OWL, QUDT units and currencies
PREFIXES = {p: ns for p, ns in PREFIX_MAP.items() if not ns.endswith(f"/id/{p}/")} | {
    "owl": str(OWL), "unit": str(UNIT), "cur": str(CUR)}


# -- the base the graph was built with -------------------------------------------------------------

def _graph_base(settings) -> str:
    return graph_base_iri(settings.build_dir, settings.base_iri)


def graph_base() -> str:
    """The base IRI of the built graph (its manifest), falling back to the configured ``base_iri``."""
    return resources().get("graph_base", _graph_base)


def graph_ids() -> str:
    """The namespace of the built graph's own resources (``<graph base>id/``), served under ``/id/``."""
    return id_base(graph_base())


def local_path(iri: str | None) -> str | None:
    """The path on this service that describes ``iri``, or None when it is not one of ours."""
    if not iri:
        return None
    ids = graph_ids()
    if iri.startswith(ids):
        return "/id/" + iri[len(ids):]
    if iri == ONTOLOGY or iri.startswith(ONTOLOGY_NS):
        return "/ontology" + ("#" + iri[len(ONTOLOGY_NS):] if iri.startswith(ONTOLOGY_NS) else "")
    return None


def curie(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    ids = graph_ids()
    if iri.startswith(ids):
        return "id:" + iri[len(ids):]
    return iri


# -- content negotiation ---------------------------------------------------------------------------

def negotiate() -> str:
    """The format name to answer with: ?format= first, then Accept (Turtle when there is none)."""
    fmt = request.args.get("format")
    if fmt is not None:
        name = FORMAT_ALIASES.get(fmt.strip().lower(), fmt.strip().lower())
        if name not in FORMATS:
            raise BadRequest(f"unknown format {fmt[:40]!r}; use one of: {', '.join(FORMATS)}",
                             detail={"parameter": "format"})
        return name
    accept = request.accept_mimetypes
    if not accept:
        return "ttl"
    offered = [mt for mt, _ in FORMATS.values()] + list(ACCEPT_ALIASES)
    best = accept.best_match(offered)
    if best is None:
        raise NotAcceptable(f"cannot answer with {request.headers.get('Accept', '')[:100]!r}; this resource is "
                            f"available as {', '.join(mt for mt, _ in FORMATS.values())}")
    if best in ACCEPT_ALIASES:
        return ACCEPT_ALIASES[best]
    return next(name for name, (mt, _) in FORMATS.items() if mt == best)


def _rdf_response(graph, fmt: str) -> Response:
    media, serializer = FORMATS[fmt]
    if serializer == "json-ld":
        data = graph.serialize(format="json-ld", auto_compact=True, indent=1)
    else:
        data = graph.serialize(format=serializer)
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    resp = Response(data, mimetype=media)
    if media.startswith("text/") or media == "application/n-triples":
        resp.headers["Content-Type"] = f"{media}; charset=utf-8"
    resp.headers["Vary"] = "Accept"
    return resp


# -- describing a resource -------------------------------------------------------------------------

def _rdflib_term(t):
    from rdflib import BNode, Literal, URIRef

    if t.kind == "uri":
        return URIRef(t.value)
    if t.kind == "bnode":
        return BNode(t.value)
    dt = t.datatype
    if t.lang:
        return Literal(t.value, lang=t.lang)
    if dt and dt != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(t.value, datatype=URIRef(dt))
    return Literal(t.value)


def describe(iri: str):
    """An rdflib Graph describing ``iri`` (empty when the graph does not know it)."""
    from rdflib import Graph

    label_filter = ", ".join(f"<{p}>" for p in LABELS)
    res = get_store().query(f"""
        CONSTRUCT {{ <{iri}> ?p ?o . ?o ?lp ?l . ?s ?ip <{iri}> . ?s ?slp ?sl . }}
        WHERE {{
          {{ <{iri}> ?p ?o . OPTIONAL {{ ?o ?lp ?l . FILTER(isIRI(?o) && ?lp IN ({label_filter})) }} }}
          UNION
          {{ {{ SELECT ?s ?ip WHERE {{ ?s ?ip <{iri}> }} LIMIT {MAX_INCOMING} }}
             OPTIONAL {{ ?s ?slp ?sl . FILTER(?slp IN ({label_filter})) }} }}
        }}""", prefixes=False)
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    base = graph_base()
    for name in ("case", "org", "place", "technology", "award", "standard", "section", "indicator", "unit"):
        g.bind(name, f"{base}id/{name}/")
    for s, p, o in res.triples or []:
        g.add((_rdflib_term(s), _rdflib_term(p), _rdflib_term(o)))
    return g


def _labels(g, node) -> dict[str, str]:
    from rdflib import Literal, URIRef

    out: dict[str, str] = {}
    for p in LABELS:
        for o in g.objects(node, URIRef(p)):
            if isinstance(o, Literal):
                lang = o.language or "und"
                out.setdefault(lang, str(o))
    return out


def _value(g, node) -> dict:
    """A term as the template shows it: text, optional link and label, language or datatype."""
    from rdflib import Literal, URIRef

    if isinstance(node, Literal):
        dt = str(node.datatype) if node.datatype else None
        return {"kind": "literal", "text": str(node), "lang": node.language,
                "datatype": curie(dt) if dt else None}
    if isinstance(node, URIRef):
        iri = str(node)
        labels = _labels(g, node)
        label = " / ".join(dict.fromkeys(v for k, v in sorted(labels.items(), key=lambda kv: kv[0] != "zh")))
        return {"kind": "iri", "text": curie(iri), "iri": iri, "href": local_path(iri) or iri, "label": label}
    return {"kind": "bnode", "text": f"_:{node}"}


def _page(g, iri: str, rest: str) -> str:
    from rdflib import URIRef

    node = URIRef(iri)
    labels = _labels(g, node)
    types = [_value(g, t) for t in g.objects(node, URIRef(RDF_TYPE))]
    rows = []
    for p, o in g.predicate_objects(node):
        rows.append((str(p), _value(g, p), _value(g, o)))
    order = {RDF_TYPE: 0, **{p: 1 for p in LABELS}}
    rows.sort(key=lambda r: (order.get(r[0], 2), r[1]["text"], r[2]["text"]))
    incoming = sorted(((_value(g, s), _value(g, p)) for s, p in g.subject_predicates(node)),
                      key=lambda r: (r[1]["text"], r[0]["text"]))
    case_id = rest.split("/")[1] if rest.startswith("case/") and len(rest.split("/")) > 1 else None
    alternates = [(name, media) for name, (media, ser) in FORMATS.items() if ser]
    return render_template("resource.html", iri=iri, rest=rest, labels=labels, types=types, rows=rows,
                           incoming=incoming, incoming_capped=len(incoming) >= MAX_INCOMING, case_id=case_id,
                           is_case=case_id is not None and rest == f"case/{case_id}", alternates=alternates)


# -- routes ----------------------------------------------------------------------------------------

@bp.get("/id/<path:rest>")
def resource(rest: str):
    from rdflib import URIRef

    fmt = negotiate()
    iri = graph_ids() + rest
    g = describe(iri) if len(rest) <= 300 and ID_PATH.match(rest) else None
    if g is None or (URIRef(iri), None, None) not in g:
        shown = rest if len(rest) <= 80 else rest[:80] + "…"
        raise NotFound(f"no resource <{graph_ids()}{shown}> in the graph; IRIs look like /id/case/case-01, "
                       f"/id/technology/solar-pv, /id/place/beijing")
    if fmt == "html":
        resp = Response(_page(g, iri, rest), mimetype="text/html")
        resp.headers["Vary"] = "Accept"
        return resp
    return _rdf_response(g, fmt)


def _ontology_graph(settings):
    from rdflib import Graph

    g = Graph()
    g.parse(Path(settings.ontology_dir) / "climatekg.ttl", format="turtle")
    return g


@bp.get("/ontology")
def ontology():
    fmt = negotiate()
    settings = current_app.config["SETTINGS"]
    if fmt == "ttl":
        data = (Path(settings.ontology_dir) / "climatekg.ttl").read_bytes()
        resp = Response(data, mimetype="text/turtle")
        resp.headers["Content-Type"] = "text/turtle; charset=utf-8"
        resp.headers["Vary"] = "Accept"
        return resp
    g = resources().get("ontology_graph", _ontology_graph)
    if fmt != "html":
        return _rdf_response(g, fmt)
    return _ontology_page(g)


def _ontology_page(g):
    from rdflib import URIRef
    from rdflib.namespace import OWL, RDF, RDFS, SKOS

    groups = [("Classes 类", OWL.Class), ("Object properties 对象属性", OWL.ObjectProperty),
              ("Datatype properties 数据属性", OWL.DatatypeProperty), ("Concept schemes 概念体系", SKOS.ConceptScheme)]
    seen, sections = set(), []
    for title, cls in groups:
        terms = []
        for s in sorted(set(g.subjects(RDF.type, cls)), key=str):
            if not str(s).startswith(ONTOLOGY_NS):
                continue
            seen.add(s)
            terms.append(_term(g, s))
        if terms:
            sections.append((title, terms))
    other = [_term(g, s) for s in sorted({s for s in g.subjects() if isinstance(s, URIRef)
                                          and str(s).startswith(ONTOLOGY_NS) and s not in seen}, key=str)]
    if other:
        sections.append(("Other terms 其他", other))
    head = URIRef(ONTOLOGY)
    labels = _labels(g, head)
    comment = " ".join(str(o) for o in g.objects(head, RDFS.comment))
    version = next((str(o) for o in g.objects(head, OWL.versionInfo)), None)
    html = render_template("ontology.html", iri=ONTOLOGY, labels=labels, comment=comment, version=version,
                           sections=sections, alternates=[(n, m) for n, (m, ser) in FORMATS.items() if ser])
    resp = Response(html, mimetype="text/html")
    resp.headers["Vary"] = "Accept"
    return resp


def _term(g, s) -> dict:
    from rdflib.namespace import RDFS

    rows = []
    for p, o in g.predicate_objects(s):
        if str(p) in LABELS or p == RDFS.comment:
            continue
        rows.append((_value(g, p), _value(g, o)))
    rows.sort(key=lambda r: (r[0]["text"], r[1]["text"]))
    return {"name": str(s)[len(ONTOLOGY_NS):], "iri": str(s), "labels": _labels(g, s),
            "comment": " ".join(str(o) for o in g.objects(s, RDFS.comment)), "rows": rows}
