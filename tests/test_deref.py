"""Dereferenceable IRIs: /id/… and /ontology, with content negotiation, parsed back with rdflib."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF

BASE = "https://w3id.org/climatekg/"
ID = BASE + "id/"
CKG = "https://w3id.org/climatekg/ontology#"
SCHEMA = "https://schema.org/"
XSD_DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")
CASE01 = URIRef(ID + "case/case-01")
RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
             "application/rdf+xml": "xml"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def fetch_graph(client, path: str, media: str = "text/turtle") -> Graph:
    r = client.get(path, headers={"Accept": media})
    assert r.status_code == 200, (path, r.get_data(as_text=True)[:300])
    assert r.mimetype == media
    assert "Accept" in [v.strip() for v in r.headers.get("Vary", "").split(",")]  # and Accept-Encoding (gzip)
    return Graph().parse(data=r.get_data(as_text=True), format=RDF_TYPES[media])


def kind_of(iri: str) -> str:
    """case/case-01/outcome/0181-cebf8e → case/*/outcome/*: the shape of an IRI path."""
    parts = iri[len(ID):].split("/")
    return "/".join(p if i % 2 == 0 else "*" for i, p in enumerate(parts[:4])) + ("/*" if len(parts) > 4 else "")


@pytest.fixture(scope="module")
def subjects(store) -> dict[str, list[str]]:
    rows = store.query(f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{ID}")) }} ORDER BY ?s')
    by_kind: dict[str, list[str]] = defaultdict(list)
    for r in rows.dicts():
        by_kind[kind_of(r["s"])].append(r["s"])
    return by_kind


# -- a case ---------------------------------------------------------------------------------------

def test_case_as_html(client):
    r = client.get("/id/case/case-01", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "引领消费品行业绿色转型——达能中国饮料实现所有工厂碳中和" in html
    assert "Danone China" in html  # the English title / company
    assert 'href="/api/cases/case-01"' in html
    assert 'href="/id/technology/rooftop-pv"' in html and 'href="/id/section/s1"' in html
    assert "<table>" in html and "dcterms:title" in html
    assert 'href="/ontology#Case"' in html


@pytest.mark.parametrize("media", list(RDF_TYPES))
def test_case_as_rdf(client, store, media):
    g = fetch_graph(client, "/id/case/case-01", media)
    assert (CASE01, RDF.type, URIRef(CKG + "Case")) in g
    assert (CASE01, URIRef(CKG + "caseId"), Literal("case-01")) in g
    titles = {o.language: str(o) for o in g.objects(CASE01, DCTERMS.title)}
    assert titles["zh"] == "引领消费品行业绿色转型——达能中国饮料实现所有工厂碳中和" and titles["en"]
    assert len(set(g.objects(CASE01, URIRef(CKG + "hasPart")))) == 7
    # its outgoing triples are exactly the store's
    n = store.query("SELECT (COUNT(*) AS ?n) WHERE { case:case-01 ?p ?o }").dicts()[0]["n"]
    assert len(list(g.predicate_objects(CASE01))) == n
    # labels of what it links to come along
    assert Literal("屋顶光伏", lang="zh") in set(g.objects(URIRef(ID + "technology/rooftop-pv"), None))


def test_formats_describe_the_same_graph(client):
    graphs = [fetch_graph(client, "/id/technology/biogas", media) for media in RDF_TYPES]
    for g in graphs[1:]:
        assert isomorphic(graphs[0], g)


def test_outcome_iri(client):
    o = URIRef(ID + "case/case-01/outcome/0181-cebf8e")  # line 181, the surface's digest: stable (outcome_ids)
    g = fetch_graph(client, "/id/case/case-01/outcome/0181-cebf8e")
    value = g.value(o, URIRef(SCHEMA + "value"))
    assert value.datatype == XSD_DECIMAL and value.toPython() == 13260
    assert (o, URIRef(CKG + "unitSymbol"), Literal("kW")) in g
    assert (o, URIRef(CKG + "startLine"), Literal(181)) in g
    assert (o, URIRef(CKG + "surface"), Literal("13.26 MWp")) in g
    assert (CASE01, URIRef(CKG + "reportsOutcome"), o) in g  # the incoming link


def test_entity_page_lists_the_cases_that_link_to_it(client):
    html = client.get("/id/technology/biogas", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "沼气" in html and "Biogas" in html
    assert 'href="/id/case/case-26"' in html and 'href="/id/case/case-06"' in html
    assert "Linked from" in html


def test_links_on_a_page_resolve(client):
    html = client.get("/id/case/case-26", headers={"Accept": "text/html"}).get_data(as_text=True)
    hrefs = sorted(h for h in set(re.findall(r'href="(/(?:id|api)/[^"#?]+)"', html)) if not h.endswith("/similar"))
    assert len(hrefs) > 20
    for href in hrefs:
        assert client.get(href, headers={"Accept": "text/html"}).status_code == 200, href
    anchors = set(re.findall(r'href="/ontology#([A-Za-z]+)"', html))
    onto = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    for a in anchors:
        assert f'id="{a}"' in onto, a


# -- every kind of IRI -------------------------------------------------------------------------------

def test_every_kind_of_iri_resolves(client, subjects):
    kinds = set(subjects)
    for expected in ("case/*", "case/*/part/*", "case/*/para/*", "case/*/outcome/*", "case/*/evidence/*/*", "org/*",
                     "technology/*", "place/*", "award/*", "standard/*", "section/*", "indicator/*", "unit/*",
                     "part-type/*", "collection/*"):
        assert expected in kinds, (expected, sorted(kinds))
    for kind, iris in sorted(subjects.items()):
        for iri in iris[:2] + iris[-1:]:
            g = fetch_graph(client, "/id/" + iri[len(ID):], "application/n-triples")
            assert len(list(g.predicate_objects(URIRef(iri)))) > 0, iri
            assert client.get("/id/" + iri[len(ID):], headers={"Accept": "text/html"}).status_code == 200, iri


@pytest.mark.slow
def test_all_iris_resolve(client, subjects):
    for iris in subjects.values():
        for iri in iris:
            g = fetch_graph(client, "/id/" + iri[len(ID):], "application/n-triples")
            assert (URIRef(iri), None, None) in g, iri


@pytest.mark.parametrize("path", ["/id/case/case-27", "/id/technology/warp-drive", "/id/case", "/id/case/case-01/x",
                                  "/id/case/case-01/outcome/999"])
def test_unknown_iri_is_404(client, path):
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


# -- content negotiation ------------------------------------------------------------------------------

@pytest.mark.parametrize("accept, media", [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    (BROWSER, "text/html"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("text/turtle;q=0.5, application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/*", "text/turtle"),
])
def test_accept_header(client, accept, media):
    r = client.get("/id/section/s3", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and r.mimetype == media


@pytest.mark.parametrize("fmt, media", [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                        ("nt", "application/n-triples"), ("html", "text/html"),
                                        ("turtle", "text/turtle"), ("rdf", "application/rdf+xml")])
def test_format_parameter_overrides_accept(client, fmt, media):
    r = client.get(f"/id/section/s3?format={fmt}", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == media


def test_nothing_acceptable_is_406(client):
    r = client.get("/id/section/s3", headers={"Accept": "image/png"})
    assert r.status_code == 406 and "text/turtle" in r.get_json()["error"]["message"]


# -- the ontology ---------------------------------------------------------------------------------------

def test_ontology(client, settings):
    r = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert r.data == (settings.ontology_dir / "climatekg.ttl").read_bytes()
    g = Graph().parse(data=r.get_data(as_text=True), format="turtle")
    onto = URIRef("https://w3id.org/climatekg/ontology")
    assert (onto, RDF.type, OWL.Ontology) in g
    assert (URIRef(CKG + "Case"), RDF.type, OWL.Class) in g
    assert isomorphic(g, fetch_graph(client, "/ontology", "application/ld+json"))
    html = client.get("/ontology", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert 'id="Case"' in html and 'id="reportsOutcome"' in html and "案例" in html


# -- a graph built with the service's own address as base_iri --------------------------------------------

def test_iris_resolve_directly_when_base_iri_is_the_service(graph_build_dir, built_settings, tmp_path):
    """With base_iri = the service's address, the path of every IRI is the path that describes it."""
    from climatekg.service.app import create_app

    own = "http://127.0.0.1:5000/"
    src = graph_build_dir[0]
    (tmp_path / "graph.nt").write_text((src / "graph.nt").read_text(encoding="utf-8").replace(ID, own + "id/"),
                                       encoding="utf-8")
    manifest = json.loads((src / "graph-manifest.json").read_text(encoding="utf-8"))
    (tmp_path / "graph-manifest.json").write_text(json.dumps({**manifest, "base_iri": own}), encoding="utf-8")
    app = create_app(replace(built_settings, build_dir=tmp_path, base_iri=own))
    client = app.test_client()
    case = client.get("/api/cases/case-01").get_json()
    assert case["iri"] == own + "id/case/case-01"
    pv = next(o for o in case["outcomes"] if o["surface"] == "13.26 MWp")
    for iri in (case["iri"], pv["iri"], case["links"]["technologies"][0]["iri"], case["section"]["iri"]):
        path = urlsplit(iri).path
        g = fetch_graph(client, path)
        assert (URIRef(iri), None, None) in g, iri
    html = client.get(urlsplit(case["iri"]).path, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/id/section/s1"' in html
