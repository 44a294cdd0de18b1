"""The built graph: counts, SHACL conformance, an independent parser, determinism, vocabulary as code."""

import pytest
import rdflib
from rdflib.namespace import RDF

from climatekg.graph.namespace import CKG, ONTOLOGY_IRI


def test_manifest_counts(graph_build_dir):
    _, m = graph_build_dir
    by = m["entities_by_class"]
    assert m["cases"] == 26 and by["Case"] == 26
    assert by["CasePart"] == 26 * 7
    assert by["Bank"] == 2
    assert by["Section"] == 5
    assert by["Technology"] >= 100
    assert m["quantified_outcomes"] >= 600
    assert m["links"]["usesTechnology"] >= 250
    assert m["triples"] > 25000


def test_turtle_reparsed_by_pyoxigraph_gives_the_same_triples(graph_build_dir):
    import pyoxigraph as ox

    d, _ = graph_build_dir
    g = rdflib.Graph().parse(d / "graph.ttl", format="turtle")
    ours = {(str(s), str(p), o.n3()) for s, p, o in g}

    def n3(t):
        if isinstance(t, ox.Literal):
            dt = None if t.language or t.datatype.value.endswith("#string") else rdflib.URIRef(t.datatype.value)
            return rdflib.Literal(t.value, lang=t.language, datatype=dt).n3()
        return f"<{t.value}>"

    theirs = {(q.subject.value, q.predicate.value, n3(q.object)) for q in ox.parse(path=str(d / "graph.ttl"), format=ox.RdfFormat.TURTLE)}
    assert len(ours) == len(g)
    assert ours == theirs
    nt = {line for line in (d / "graph.nt").read_text(encoding="utf-8").splitlines() if line}
    assert len(nt) == len(g)


def test_graph_conforms_to_shapes_and_a_broken_graph_does_not(graph_build_dir, settings):
    import pytest

    from climatekg.graph.pipeline import BuildError, ontology_graphs, shacl_validate

    d, _ = graph_build_dir
    g = rdflib.Graph().parse(d / "graph.nt", format="nt")
    onto = ontology_graphs(settings)
    shacl_validate(g, settings.ontology_dir / "shapes.ttl", onto)  # raises on violation
    case = next(g.subjects(RDF.type, CKG.Case))
    g.remove((case, CKG.inSection, None))
    with pytest.raises(BuildError, match="inSection|Less than 1 values"):
        shacl_validate(g, settings.ontology_dir / "shapes.ttl", onto)


def test_rdfs_closure_adds_what_the_shapes_see():
    from rdflib import Graph, Literal, Namespace, RDFS

    from climatekg.graph.pipeline import rdfs_closure

    ex = Namespace("http://example.org/")
    ont = Graph()
    ont.add((ex.Bank, RDFS.subClassOf, ex.Company))
    ont.add((ex.Company, RDFS.subClassOf, ex.Organisation))
    ont.add((ex.lender, RDFS.subPropertyOf, ex.partner))
    ont.add((ex.partner, RDFS.range, ex.Organisation))
    ont.add((ex.caseId, RDFS.domain, ex.Case))
    data = Graph()
    data.add((ex.b, RDF.type, ex.Bank))
    data.add((ex.c, ex.caseId, Literal("case-01")))
    data.add((ex.c, ex.lender, ex.x))
    g = rdfs_closure(data, [ont])
    assert (ex.b, RDF.type, ex.Organisation) in g  # subclass, transitively
    assert (ex.c, RDF.type, ex.Case) in g  # domain
    assert (ex.c, ex.partner, ex.x) in g  # super-property
    assert (ex.x, RDF.type, ex.Organisation) in g  # range through the super-property
    assert not any(isinstance(s, Literal) for s in g.subjects())  # literals are never typed
    assert len(data) == 3  # the input is left alone


@pytest.mark.slow
def test_validation_with_the_closure_reports_what_pyshacl_rdfs_inference_reports(graph_build_dir, settings):
    """The cheaper validation validates no less: on the built graph and on broken copies, the same results as
    pySHACL with owlrl's full RDFS inference."""
    from pyshacl import validate
    from rdflib import Literal, URIRef

    from climatekg.graph.namespace import SCHEMA
    from climatekg.graph.pipeline import ontology_graphs, rdfs_closure

    d, _ = graph_build_dir
    g = rdflib.Graph().parse(d / "graph.nt", format="nt")
    onto = ontology_graphs(settings)
    ont = rdflib.Graph()
    for og in onto:
        ont += og
    shapes = rdflib.Graph().parse(settings.ontology_dir / "shapes.ttl")
    case = next(g.subjects(RDF.type, CKG.Case))
    outcome = next(g.subjects(RDF.type, CKG.QuantifiedOutcome))
    base = str(case).rsplit("/", 1)[0]
    mutations = {
        "intact": ([], []),
        "no section": ([], [(case, CKG.inSection, None)]),
        "untyped partner": ([(case, CKG.partner, URIRef(base + "/../org/nobody"))], []),
        "case typed by the domain of caseId only": ([(URIRef(base + "/case-99"), CKG.caseId, Literal("case-99"))], []),
        "non-decimal value": ([(outcome, SCHEMA.value, Literal("x"))], []),
    }

    def results(report) -> int:
        return len(set(report.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#ValidationResult"))))

    for name, (added, removed) in mutations.items():
        h = rdflib.Graph()
        h += g
        for t in removed:
            h.remove(t)
        for t in added:
            h.add(t)
        ours = validate(rdfs_closure(h, onto), shacl_graph=shapes, inference="none", allow_warnings=True)
        theirs = validate(h, shacl_graph=shapes, ont_graph=ont, inference="rdfs", allow_warnings=True)
        assert (ours[0], results(ours[1])) == (theirs[0], results(theirs[1])), name
        assert ours[0] == (name == "intact"), name


def test_exports_are_deterministic(graph_build_dir, settings, tmp_path):
    from dataclasses import replace

    from climatekg.graph.pipeline import build

    d, _ = graph_build_dir
    build(replace(settings, build_dir=tmp_path), progress=lambda m: None)
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        assert (tmp_path / name).read_bytes() == (d / name).read_bytes(), name


def test_vocabulary_as_code_matches_the_ontology(settings):
    g = rdflib.Graph().parse(settings.ontology_dir / "climatekg.ttl")
    defined = {str(s)[len(ONTOLOGY_IRI):] for s in g.subjects() if str(s).startswith(ONTOLOGY_IRI)}
    in_code = {n for n in CKG.__annotations__}
    assert in_code == defined
    # every class and property has labels in both languages and an English comment
    for s in g.subjects(RDF.type, None):
        if str(s).startswith(ONTOLOGY_IRI) and (s, RDF.type, rdflib.OWL.Class) in g or (s, RDF.type, rdflib.OWL.ObjectProperty) in g:
            langs = {o.language for o in g.objects(s, rdflib.RDFS.label)}
            assert {"zh", "en"} <= langs, s
            assert any(True for _ in g.objects(s, rdflib.RDFS.comment)), s


def test_every_link_has_evidence_with_lines_and_quote(store):
    res = store.query("""
        SELECT ?c ?p ?o WHERE { ?c a ckg:Case ; ?p ?o .
          VALUES ?p { ckg:usesTechnology ckg:locatedIn ckg:partner ckg:recognition ckg:refersToStandard }
          FILTER NOT EXISTS { ?e rdf:subject ?c ; rdf:predicate ?p ; rdf:object ?o ; ckg:quote ?q ; ckg:startLine ?l } }""")
    assert res.rows == []
    res = store.query("""
        SELECT ?q ?l WHERE { case:case-01 ckg:reportsOutcome ?o . ?o ckg:surface "13.26 MWp" ; ckg:quote ?q ; ckg:startLine ?l }""")
    (row,) = res.dicts()
    assert row["l"] == 181 and "13.26 MWp" in row["q"]
