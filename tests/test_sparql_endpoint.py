"""The SPARQL endpoint (/sparql) on the real graph: protocol, formats, refusals, limits, CORS, service description.

Every response is parsed back (json, xml.etree, csv, rdflib) and checked on values. Most tests go through
the Flask test client; the ``live_*`` tests run a gunicorn server on a free loopback port and query it with
SPARQLWrapper and urllib. Limits are lowered for the module (100 rows, 4000-byte queries, 5 s timeout).
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's JSON-LD parser

CKG = Namespace("https://w3id.org/climatekg/ontology#")
CASE = "https://w3id.org/climatekg/id/case/"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SRX = "{http://www.w3.org/2005/sparql-results#}"

MAX_ROWS = 100
MAX_BYTES = 4000
TIMEOUT = 5.0

BANKS = "SELECT ?case WHERE { ?case ckg:organisation ?org . ?org a ckg:Bank } ORDER BY ?case"
BANK_CASES = [CASE + "case-15", CASE + "case-16"]
BANK_TITLES = """SELECT ?case ?title WHERE { ?case ckg:organisation/a ckg:Bank ; dcterms:title ?title }
ORDER BY ?case ?title"""
ASK_TRUE = "ASK { case:case-15 ckg:organisation/a ckg:Bank }"
ASK_FALSE = "ASK { case:case-01 ckg:organisation/a ckg:Bank }"
TITLE_CONSTRUCT = "CONSTRUCT { case:case-01 dcterms:title ?t } WHERE { case:case-01 dcterms:title ?t }"
CASE01_ZH = "引领消费品行业绿色转型——达能中国饮料实现所有工厂碳中和"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"

JSON_TYPE = "application/sparql-results+json"
XML_TYPE = "application/sparql-results+xml"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sparql_settings(built_settings):
    return replace(built_settings, sparql_max_rows=MAX_ROWS, sparql_max_query_bytes=MAX_BYTES,
                   sparql_timeout=TIMEOUT)


def _make_app(settings, workers=2):
    from climatekg.service.app import create_app

    app = create_app(replace(settings, sparql_workers=workers))
    app.config["TESTING"] = True
    return app


def _stop_runner(app):
    from climatekg.service.resources import get_sparql

    with app.app_context():
        get_sparql().runner.stop()


@pytest.fixture(scope="module")
def app(sparql_settings):
    """This module's app (overrides conftest's): lowered limits; its query workers stopped at the end."""
    app = _make_app(sparql_settings)
    yield app
    _stop_runner(app)


@pytest.fixture(scope="module")
def rdflib_app(sparql_settings):
    app = _make_app(replace(sparql_settings, sparql_engine="rdflib"), workers=1)
    yield app
    _stop_runner(app)


@pytest.fixture(scope="module")
def graph_lines(graph_build_dir) -> int:
    with open(graph_build_dir[0] / "graph.nt", encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


# --------------------------------------------------------------------------- parsing responses back


def json_rows(body: bytes) -> list[dict]:
    doc = json.loads(body)
    return [{v: b[v]["value"] for v in b} for b in doc["results"]["bindings"]]


def xml_rows(body: bytes) -> list[dict]:
    root = ET.fromstring(body)
    rows = []
    for result in root.iter(SRX + "result"):
        row = {}
        for binding in result.findall(SRX + "binding"):
            (term,) = list(binding)
            row[binding.get("name")] = term.text or ""
        rows.append(row)
    return rows


def csv_rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def tsv_rows(body: bytes) -> list[dict]:
    """TSV terms are in Turtle syntax: <iri>, "literal"@lang — unwrapped here to their values."""
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    header, *rows = list(reader)
    variables = [h.lstrip("?") for h in header]

    def value(cell):
        if cell.startswith("<"):
            return cell[1:-1]
        if cell.startswith('"'):
            return cell[1:cell.rindex('"')].encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
        return cell

    return [dict(zip(variables, map(value, row))) for row in rows]


ROW_PARSERS = {"json": json_rows, "xml": xml_rows, "csv": csv_rows, "tsv": tsv_rows}
RDF_PARSE = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml"}
MEDIA = {"json": JSON_TYPE, "xml": XML_TYPE, "csv": "text/csv", "tsv": "text/tab-separated-values",
         "turtle": "text/turtle", "jsonld": "application/ld+json", "ntriples": "application/n-triples",
         "rdfxml": "application/rdf+xml"}


def ask_value(fmt: str, body: bytes) -> bool:
    if fmt == "json":
        return json.loads(body)["boolean"]
    if fmt == "xml":
        return ET.fromstring(body).find(SRX + "boolean").text == "true"
    return body.decode().strip() == "true"


def get(client, query, headers=None, **params):
    return client.get("/sparql", query_string={"query": query, **params}, headers=headers or {})


def error_of(resp, status):
    """The one JSON error shape of service/errors.py, with the expected status."""
    assert resp.status_code == status, resp.data[:500]
    body = resp.get_json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    assert body["error"]["message"]
    return body["error"]


# --------------------------------------------------------------------------- SELECT / ASK in every format


def test_select_json_answers_the_two_banks(client):
    resp = get(client, BANKS)
    assert resp.status_code == 200
    assert resp.mimetype == JSON_TYPE
    assert resp.headers["X-Result-Truncated"] == "false"
    doc = json.loads(resp.data)
    assert doc["head"]["vars"] == ["case"]
    assert "truncated" not in doc
    assert [r["case"] for r in json_rows(resp.data)] == BANK_CASES


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("by", ["accept", "format"])
def test_select_formats_parse_back_to_the_same_rows(client, fmt, by):
    headers, params = ({"Accept": MEDIA[fmt]}, {}) if by == "accept" else ({}, {"format": fmt})
    resp = get(client, BANK_TITLES, headers, **params)
    assert resp.status_code == 200, resp.data
    assert resp.mimetype == MEDIA[fmt]
    rows = ROW_PARSERS[fmt](resp.data)
    assert [r["case"] for r in rows] == [CASE + "case-15"] * 2 + [CASE + "case-16"] * 2
    titles = {r["title"] for r in rows}
    assert "北京银行：打造碳金融创新示范" in titles
    assert "Bank of Beijing: building a model of carbon-finance innovation" in titles


def test_language_tags_and_datatypes_survive_json_xml_and_tsv(client):
    q = "SELECT ?t ?n WHERE { case:case-15 dcterms:title ?t ; ckg:caseNumber ?n } ORDER BY ?t"
    bindings = json.loads(get(client, q).data)["results"]["bindings"]
    assert {b["t"]["xml:lang"] for b in bindings} == {"en", "zh"}
    assert bindings[0]["n"] == {"type": "literal", "value": "15", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    root = ET.fromstring(get(client, q, format="xml").data)
    langs = {lit.get("{http://www.w3.org/XML/1998/namespace}lang") for lit in root.iter(SRX + "literal")}
    assert {"en", "zh"} <= langs
    tsv = get(client, q, format="tsv").data.decode()
    assert '"15"^^<http://www.w3.org/2001/XMLSchema#integer>' in tsv and '"@zh' in tsv


def test_results_match_pyoxigraphs_own_serialisers(client, store):
    """Our SPARQL JSON/XML/CSV/TSV writers agree with pyoxigraph's on a query with every kind of term."""
    import pyoxigraph as ox

    from climatekg.graph.store import PREFIXES

    q = """SELECT ?case ?title ?n ?flag ?missing WHERE {
      ?case a ckg:Case ; dcterms:title ?title ; ckg:caseNumber ?n ; ckg:sectionInferred ?flag .
      OPTIONAL { ?case ckg:noSuchProperty ?missing } } ORDER BY ?case ?title LIMIT 20"""
    formats = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
               "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
    for key, ox_format in formats.items():
        ours = get(client, q, format=key).data
        theirs = store.store.query(PREFIXES + q).serialize(format=ox_format)
        if key == "json":
            assert json.loads(ours) == json.loads(theirs)
        elif key == "xml":
            assert xml_rows(ours) == xml_rows(theirs)
        elif key == "csv":
            assert csv_rows(ours) == csv_rows(theirs)
        else:  # pyoxigraph writes numbers and booleans in Turtle's short form; compare the values
            assert [{k: v.split("^^")[0].strip('"') for k, v in r.items()} for r in
                    csv.DictReader(io.StringIO(ours.decode()), delimiter="\t", quoting=csv.QUOTE_NONE)] == \
                   [{k: v.split("^^")[0].strip('"') for k, v in r.items()} for r in
                    csv.DictReader(io.StringIO(theirs.decode()), delimiter="\t", quoting=csv.QUOTE_NONE)]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_ask_true_and_false(client, fmt):
    for query, expected in ((ASK_TRUE, True), (ASK_FALSE, False)):
        resp = get(client, query, {"Accept": MEDIA[fmt]})
        assert resp.status_code == 200 and resp.mimetype == MEDIA[fmt]
        assert ask_value(fmt, resp.data) is expected


def test_get_post_form_and_post_direct_give_the_same_answer(client):
    via_get = get(client, BANKS)
    via_form = client.post("/sparql", data={"query": BANKS})
    via_body = client.post("/sparql", data=BANKS.encode(), content_type="application/sparql-query")
    via_body_utf8 = client.post("/sparql", data=BANKS.encode(), content_type="application/sparql-query; charset=UTF-8")
    for resp in (via_get, via_form, via_body, via_body_utf8):
        assert resp.status_code == 200, resp.data
        assert [r["case"] for r in json_rows(resp.data)] == BANK_CASES


def test_post_direct_takes_protocol_parameters_from_the_url(client):
    resp = client.post("/sparql?format=csv", data=BANKS.encode(), content_type="application/sparql-query")
    assert resp.mimetype == "text/csv"
    assert [r["case"] for r in csv_rows(resp.data)] == BANK_CASES


def test_chinese_text_filter(client):
    q = 'SELECT ?case WHERE { ?case a ckg:Case ; dcterms:title ?t FILTER(CONTAINS(?t, "银行")) } ORDER BY ?case'
    assert [r["case"] for r in json_rows(get(client, q).data)] == BANK_CASES  # 北京银行…, 民生银行…


# --------------------------------------------------------------------------- CONSTRUCT / DESCRIBE


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "ntriples", "rdfxml"])
@pytest.mark.parametrize("by", ["accept", "format"])
def test_construct_titles_in_every_rdf_format(client, fmt, by):
    headers, params = ({"Accept": MEDIA[fmt]}, {}) if by == "accept" else ({}, {"format": fmt})
    resp = get(client, TITLE_CONSTRUCT, headers, **params)
    assert resp.status_code == 200, resp.data
    assert resp.mimetype == MEDIA[fmt]
    g = Graph().parse(data=resp.data, format=RDF_PARSE[fmt])
    titles = {(str(o), o.language) for o in g.objects(URIRef(CASE + "case-01"), DCTERMS.title)}
    assert len(g) == 2
    assert (CASE01_ZH, "zh") in titles
    assert {lang for _, lang in titles} == {"zh", "en"}


def test_construct_defaults_to_turtle(client):
    resp = get(client, TITLE_CONSTRUCT)
    assert resp.mimetype == "text/turtle"
    assert len(Graph().parse(data=resp.data, format="turtle")) == 2


def test_describe_a_bank(client):
    resp = get(client, "DESCRIBE org:bank-of-beijing")
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"
    assert resp.headers["X-Result-Truncated"] == "false"
    g = Graph().parse(data=resp.data, format="turtle")
    bank = URIRef("https://w3id.org/climatekg/id/org/bank-of-beijing")
    assert (bank, RDF.type, CKG.Bank) in g
    assert set(g.subjects()) == {bank}


# --------------------------------------------------------------------------- content negotiation


@pytest.mark.parametrize("accept, expected", [
    (None, JSON_TYPE),
    ("*/*", JSON_TYPE),
    ("application/json", JSON_TYPE),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", XML_TYPE),
    ("text/*;q=0.5, text/csv;q=0", "text/tab-separated-values"),
    ("application/sparql-results+json;q=0.2, text/csv", "text/csv"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", XML_TYPE),  # a browser: application/xml
    ("text/turtle, */*;q=0.1", JSON_TYPE),  # Turtle is not a SELECT format; */* still is
])
def test_accept_q_values_for_select(client, accept, expected):
    resp = get(client, BANKS, {"Accept": accept} if accept else {})
    assert resp.status_code == 200, resp.data
    assert resp.mimetype == expected


@pytest.mark.parametrize("accept, expected", [
    (None, "text/turtle"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.1", "application/rdf+xml"),
    ("application/ld+json, text/turtle;q=0.9", "application/ld+json"),
    ("text/plain", "application/n-triples"),
])
def test_accept_q_values_for_construct(client, accept, expected):
    resp = get(client, TITLE_CONSTRUCT, {"Accept": accept} if accept else {})
    assert resp.status_code == 200 and resp.mimetype == expected


def test_format_parameter_beats_accept(client):
    resp = get(client, BANKS, {"Accept": JSON_TYPE}, format="csv")
    assert resp.mimetype == "text/csv"
    resp = get(client, BANKS, format="text/tab-separated-values")
    assert resp.mimetype == "text/tab-separated-values"


def test_sparqlwrapper_format_names_are_understood(client):
    assert get(client, TITLE_CONSTRUCT, format="json-ld").mimetype == "application/ld+json"
    assert get(client, TITLE_CONSTRUCT, format="rdf+xml").mimetype == "application/rdf+xml"
    assert get(client, TITLE_CONSTRUCT, format="xml").mimetype == "application/rdf+xml"
    assert get(client, BANKS, format="xml").mimetype == XML_TYPE


@pytest.mark.parametrize("query, accept, available", [
    (BANKS, "text/turtle", JSON_TYPE),
    (ASK_TRUE, "application/rdf+xml", JSON_TYPE),
    (TITLE_CONSTRUCT, "text/csv", "text/turtle"),
    (BANKS, "image/png", JSON_TYPE),
])
def test_nothing_acceptable_is_406_listing_the_types(client, query, accept, available):
    err = error_of(get(client, query, {"Accept": accept}), 406)
    assert available in err["message"] and available in err["detail"]["available"]


def test_format_for_the_wrong_query_form_is_406_and_unknown_format_400(client):
    assert error_of(get(client, BANKS, format="turtle"), 406)["code"] == "not_acceptable"
    assert error_of(get(client, TITLE_CONSTRUCT, format="csv"), 406)
    assert "unknown format" in error_of(get(client, BANKS, format="yaml"), 400)["message"]


# --------------------------------------------------------------------------- prefixes, syntax errors


def test_predeclared_prefixes_and_a_query_that_declares_its_own(client):
    own = "PREFIX ckg: <https://w3id.org/climatekg/ontology#>\nPREFIX d: <http://purl.org/dc/terms/>\n" + BANKS
    assert [r["case"] for r in json_rows(get(client, own).data)] == BANK_CASES
    # a query's own declaration wins over the predeclared one
    other = "PREFIX ckg: <http://example.org/not-ours#>\n" + BANKS
    assert json_rows(get(client, other).data) == []


def test_undefined_prefix_is_a_400_naming_it(client):
    err = error_of(get(client, "SELECT * WHERE { ?s foaf:name ?o }"), 400)
    assert "foaf:" in err["message"] and "ckg" in err["message"]


def test_syntax_error_quotes_the_parser_with_line_and_column(client):
    err = error_of(get(client, "SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER( }"), 400)
    assert err["code"] == "syntax_error"
    assert err["detail"]["line"] == 3 and err["detail"]["column"] == 3
    assert "line 3, column 3" in err["message"] and "Expected" in err["message"]
    # positions are in the caller's text: the predeclared prefixes add no lines
    err = error_of(get(client, "SELEC * WHERE { ?s ?p ?o }"), 400)
    assert (err["detail"]["line"], err["detail"]["column"]) == (1, 1)


def test_a_big_but_valid_query_parses(client):
    """rdflib's parser recurses per triple pattern; the workers give it the stack a big query needs. (The
    patterns are bound, so the engine's planning stays well inside the time limit even at a low priority.)"""
    patterns = " ".join(f"OPTIONAL {{ case:case-15 ckg:p{i} ?o{i} }}" for i in range(60))
    many = "SELECT ?case WHERE { ?case ckg:organisation/a ckg:Bank . " + " ".join(
        "?case a ckg:Case ." for _ in range(80)) + " " + patterns + " } ORDER BY ?case"
    assert len(many.encode()) < MAX_BYTES
    resp = get(client, many)
    assert resp.status_code == 200, resp.data
    assert sorted({r["case"] for r in json_rows(resp.data)}) == BANK_CASES


# --------------------------------------------------------------------------- refusals: read-only, offline


@pytest.mark.parametrize("update", [
    "INSERT DATA { case:case-01 ckg:hacked true }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "LOAD <file:///etc/passwd> INTO GRAPH <http://example.org/g>",
    "CLEAR ALL",
    "DROP GRAPH <http://example.org/g>",
    "CREATE GRAPH <http://example.org/g>",
    "COPY DEFAULT TO <http://example.org/g>",
])
def test_sparql_update_is_403(client, update):
    err = error_of(client.post("/sparql", data={"query": update}), 403)
    assert err["code"] == "forbidden" and err["detail"]["reason"] == "update"
    assert "read-only" in err["message"]


def test_update_parameter_and_update_media_type_are_403(client):
    assert error_of(client.post("/sparql", data={"update": "CLEAR ALL"}), 403)["detail"]["reason"] == "update"
    resp = client.post("/sparql", data=b"CLEAR ALL", content_type="application/sparql-update")
    assert error_of(resp, 403)["detail"]["reason"] == "update"
    assert get(client, ASK_TRUE).status_code == 200  # and the data is still there


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s a ckg:Case OPTIONAL { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } } }",
    "ASK { FILTER NOT EXISTS { SERVICE ?endpoint { ?s ?p ?o } } }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { { SELECT ?s WHERE { SERVICE ex:sparql { ?s ?p ?o } } } }",
])
def test_service_anywhere_is_403(client, query):
    err = error_of(get(client, query), 403)
    assert err["detail"]["reason"] == "service" and "SERVICE" in err["message"]


@pytest.mark.parametrize("query", [
    "SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "PREFIX ex: <http://example.org/> CONSTRUCT { ?s ?p ?o } FROM ex:g WHERE { ?s ?p ?o }",
])
def test_from_another_dataset_is_403(client, query):
    err = error_of(get(client, query), 403)
    assert err["detail"]["reason"] == "from"
    assert "https://w3id.org/climatekg/graph" in err["message"]


def test_from_this_dataset_is_allowed_and_sees_the_data(client, sparql_settings):
    dataset = sparql_settings.base_iri + "graph"
    q = f"SELECT ?case FROM <{dataset}> WHERE {{ ?case ckg:organisation ?org . ?org a ckg:Bank }} ORDER BY ?case"
    assert [r["case"] for r in json_rows(get(client, q).data)] == BANK_CASES
    q = f"BASE <{sparql_settings.base_iri}> " + q.replace(f"<{dataset}>", "<graph>")
    assert [r["case"] for r in json_rows(get(client, q).data)] == BANK_CASES


@pytest.mark.parametrize("query", [
    # rdflib ends a comment only at \n, Oxigraph also at \r: the text is normalised before either parses it
    "SELECT * WHERE { BIND(2 AS ?v) # a comment\r SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }\n}",
    # codepoint escapes are expanded before parsing (as SPARQL says; rdflib does, Oxigraph does not)
    'SELECT * WHERE { BIND("a\\u0022 AS ?x) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } #" AS ?y) }',
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
])
def test_service_hidden_by_parser_differences_is_still_403(client, query):
    assert error_of(client.post("/sparql", data={"query": query}), 403)["detail"]["reason"] == "service"


def test_codepoint_escapes(client):
    rows = json_rows(get(client, 'SELECT ?x WHERE { BIND("caf\\u00E9 \\U0001F600" AS ?x) }').data)
    assert rows == [{"x": "café 😀"}]
    error_of(get(client, 'SELECT ?x WHERE { BIND("\\uD800" AS ?x) }'), 400)
    error_of(get(client, 'SELECT ?x WHERE { BIND("\\u005Cu0041" AS ?x) }'), 400)


def test_the_word_service_in_a_string_or_comment_is_fine(client):
    q = """# SERVICE <http://example.org/sparql> { } FROM <http://example.org/g>
    SELECT ?x ?y WHERE { BIND("SERVICE <http://example.org/sparql> { ?s ?p ?o }" AS ?x)
                         BIND('FROM <http://example.org/g>' AS ?y) }"""
    resp = get(client, q)
    assert resp.status_code == 200, resp.data
    assert json_rows(resp.data) == [{"x": "SERVICE <http://example.org/sparql> { ?s ?p ?o }",
                                     "y": "FROM <http://example.org/g>"}]
    assert get(client, "SELECT ?service WHERE { BIND(1 AS ?service) }").status_code == 200


def test_dataset_protocol_parameters(client, sparql_settings):
    dataset = sparql_settings.base_iri + "graph"
    ok = get(client, BANKS, **{"default-graph-uri": dataset})
    assert [r["case"] for r in json_rows(ok.data)] == BANK_CASES
    for name in ("default-graph-uri", "named-graph-uri"):
        err = error_of(get(client, BANKS, **{name: "http://example.org/other"}), 400)
        assert name in err["message"] and dataset in err["message"]


# --------------------------------------------------------------------------- limits


def _padded(n_bytes: int) -> str:
    """A valid query of exactly n_bytes bytes (padded with a comment)."""
    head = "ASK { case:case-15 ckg:organisation/a ckg:Bank }\n#"
    return head + "x" * (n_bytes - len(head.encode()))


def test_query_size_limit_is_413_for_every_method(client):
    at_limit, over = _padded(MAX_BYTES), _padded(MAX_BYTES + 1)
    assert get(client, at_limit).status_code == 200
    for resp in (get(client, over),
                 client.post("/sparql", data={"query": over}),
                 client.post("/sparql", data=over.encode(), content_type="application/sparql-query")):
        err = error_of(resp, 413)
        assert str(MAX_BYTES) in err["message"]
    chinese = "ASK { ?s ?p \"" + "碳" * (MAX_BYTES // 3) + "\" }"  # fewer characters than bytes
    assert len(chinese) < MAX_BYTES < len(chinese.encode())
    error_of(get(client, chinese), 413)


def test_empty_missing_or_duplicated_query_is_400(client):
    assert "empty" in error_of(get(client, ""), 400)["message"]
    assert "empty" in error_of(get(client, "  \n "), 400)["message"]
    error_of(client.post("/sparql", data=b"   ", content_type="application/sparql-query"), 400)
    assert "no query" in error_of(client.post("/sparql", data={"format": "json"}), 400)["message"]
    error_of(client.get("/sparql?query=ASK{}&query=ASK{}"), 400)


def test_post_of_another_media_type_is_415(client):
    err = error_of(client.post("/sparql", data=BANKS, content_type="text/plain"), 415)
    assert "application/sparql-query" in err["message"]


def test_row_cap_sets_the_truncation_flag(client):
    resp = get(client, ALL_TRIPLES)
    doc = json.loads(resp.data)
    assert len(doc["results"]["bindings"]) == MAX_ROWS
    assert doc["truncated"] is True and resp.headers["X-Result-Truncated"] == "true"
    for fmt in ("xml", "csv", "tsv"):
        resp = get(client, ALL_TRIPLES, format=fmt)
        assert resp.headers["X-Result-Truncated"] == "true"
        assert len(ROW_PARSERS[fmt](resp.data)) == MAX_ROWS
    resp = get(client, "CONSTRUCT WHERE { ?s ?p ?o }", format="ntriples")
    assert resp.headers["X-Result-Truncated"] == "true"
    assert len(Graph().parse(data=resp.data, format="nt")) == MAX_ROWS
    small = get(client, ALL_TRIPLES + " LIMIT 5")
    assert small.headers["X-Result-Truncated"] == "false" and "truncated" not in json.loads(small.data)


def test_row_cap_also_tames_an_unbounded_cartesian_product(client):
    t0 = time.monotonic()
    resp = get(client, CARTESIAN)
    assert resp.status_code == 200 and resp.headers["X-Result-Truncated"] == "true"
    assert time.monotonic() - t0 < 3


def test_timeout_parameter(client):
    from climatekg.service.sparql import effective_timeout

    assert effective_timeout(None, 10) == 10
    assert effective_timeout("2.5", 10) == 2.5
    assert effective_timeout("60", 10) == 10  # never above the setting
    for bad in ("abc", "0", "-1", "nan", "inf"):
        error_of(get(client, ASK_TRUE, timeout=bad), 400)


def test_runaway_query_is_stopped_while_others_are_answered(app):
    """A query that would run for hours is killed at its timeout (503 timeout); meanwhile, simple queries
    get answers from the other worker, and afterwards the pool is whole again."""
    warm = app.test_client()
    assert get(warm, ASK_TRUE).status_code == 200
    runaway = {}

    def fire():
        t0 = time.monotonic()
        runaway["resp"] = get(app.test_client(), RUNAWAY, timeout="1")
        runaway["seconds"] = time.monotonic() - t0

    thread = threading.Thread(target=fire)
    thread.start()
    time.sleep(0.2)
    simple = []
    while thread.is_alive() and len(simple) < 20:
        t0 = time.monotonic()
        resp = get(warm, BANKS)
        simple.append(time.monotonic() - t0)
        assert [r["case"] for r in json_rows(resp.data)] == BANK_CASES
    thread.join()
    err = error_of(runaway["resp"], 503)
    assert err["code"] == "timeout" and err["detail"]["timeout_s"] == 1
    assert runaway["seconds"] < 1 + 1
    assert simple and max(simple) < 0.5
    for _ in range(3):  # the killed worker has been replaced
        assert ask_value("json", get(warm, ASK_TRUE).data) is True


# --------------------------------------------------------------------------- CORS


def test_cors_on_answers_and_errors(client):
    assert get(client, ASK_TRUE, {"Origin": "https://yasgui.example"}).headers["Access-Control-Allow-Origin"] == "*"
    resp = get(client, "CLEAR ALL", {"Origin": "https://yasgui.example"})
    assert resp.status_code == 403 and resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Result-Truncated" in get(client, ASK_TRUE).headers["Access-Control-Expose-Headers"]


def test_cors_preflight(client):
    resp = client.options("/sparql", headers={"Origin": "https://yasgui.example",
                                              "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "content-type, accept"})
    assert resp.status_code in (200, 204)
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    assert "content-type" in resp.headers["Access-Control-Allow-Headers"].lower()
    assert int(resp.headers["Access-Control-Max-Age"]) > 0


# --------------------------------------------------------------------------- service description


def _description(data: bytes, fmt: str) -> Graph:
    return Graph().parse(data=data, format=fmt)


@pytest.mark.parametrize("accept, fmt", [(None, "turtle"), ("text/turtle", "turtle"),
                                         ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_service_description_with_void(client, sparql_settings, graph_lines, accept, fmt):
    resp = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert resp.status_code == 200, resp.data
    g = _description(resp.data, fmt)
    endpoint = URIRef("http://localhost/sparql")
    dataset = URIRef(sparql_settings.base_iri + "graph")
    assert (endpoint, RDF.type, SD.Service) in g
    assert (endpoint, SD.endpoint, endpoint) in g
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = set(g.objects(endpoint, SD.resultFormat))
    assert {FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_XML, FORMATS.SPARQL_Results_CSV,
            FORMATS.SPARQL_Results_TSV, FORMATS.Turtle, FORMATS["JSON-LD"]} <= formats
    assert (endpoint, SD.defaultDataset, dataset) in g
    assert g.value(dataset, VOID.triples).toPython() == graph_lines
    assert g.value(dataset, VOID.sparqlEndpoint) == endpoint
    assert g.value(dataset, VOID.uriSpace) == Literal(sparql_settings.base_iri + "id/")
    assert g.value(dataset, VOID.entities).toPython() > 26
    partitions = {g.value(p, VOID["class"]): g.value(p, VOID.entities).toPython()
                  for p in g.objects(dataset, VOID.classPartition)}
    assert partitions[CKG.Case] == 26 and partitions[CKG.Bank] == 2
    assert g.value(dataset, VOID.classes).toPython() == len(partitions)
    default_graph = g.value(dataset, SD.defaultGraph)
    assert g.value(default_graph, VOID.triples).toPython() == graph_lines


def test_service_description_for_browsers_and_406(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    resp = client.get("/sparql", headers={"Accept": browser})
    assert resp.mimetype == "text/html" and b"/sparql/editor" in resp.data
    assert client.get("/sparql?format=turtle", headers={"Accept": browser}).mimetype == "text/turtle"
    error_of(client.get("/sparql", headers={"Accept": "text/csv"}), 406)


# --------------------------------------------------------------------------- the rdflib engine


@pytest.mark.parametrize("query", [BANKS, BANK_TITLES, ASK_TRUE, ASK_FALSE,
                                   "SELECT ?c (COUNT(?t) AS ?n) WHERE { ?c ckg:usesTechnology ?t } "
                                   "GROUP BY ?c ORDER BY DESC(?n) ?c LIMIT 5"])
def test_rdflib_engine_gives_the_same_answers(client, rdflib_app, query):
    ours, reference = get(client, query), get(rdflib_app.test_client(), query)
    assert ours.status_code == reference.status_code == 200
    assert json.loads(ours.data) == json.loads(reference.data)


def test_rdflib_engine_construct_and_refusals(rdflib_app):
    c = rdflib_app.test_client()
    g = Graph().parse(data=get(c, TITLE_CONSTRUCT, format="jsonld").data, format="json-ld")
    assert {o.language for o in g.objects(URIRef(CASE + "case-01"), DCTERMS.title)} == {"zh", "en"}
    assert error_of(get(c, "SELECT * WHERE { SERVICE <http://example.org/s> { ?s ?p ?o } }"), 403)
    assert error_of(get(c, "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"), 403)
    assert error_of(get(c, "SELECT * WHERE { ?s foaf:name ?o }"), 400)
    assert error_of(get(c, RUNAWAY, timeout="0.5"), 503)["code"] == "timeout"


# --------------------------------------------------------------------------- the runner on its own


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_runner_kills_a_timed_out_worker_and_replaces_it(graph_build_dir):
    from climatekg.graph.query import QueryRunner, QueryTimeout

    with QueryRunner(graph_build_dir[0], pool_size=1) as runner:
        assert runner.run(ASK_TRUE)["boolean"] is True
        (first,) = runner.pids
        t0 = time.monotonic()
        with pytest.raises(QueryTimeout):
            runner.run(RUNAWAY, timeout=0.5)
        assert time.monotonic() - t0 < 1.5
        assert not _alive(first)
        assert runner.run(BANKS)["rows"][0][0]["value"] == BANK_CASES[0]
        (second,) = runner.pids
        assert second != first
    assert not _alive(second)


def test_runner_workers_are_cut_off_from_the_network(graph_build_dir):
    """Defence in depth: where Linux allows unprivileged namespaces, workers have no network at all."""
    from climatekg.graph.query import QueryRunner

    with QueryRunner(graph_build_dir[0], pool_size=1) as runner:
        runner.run(ASK_TRUE)
        if not runner.network_isolated:
            pytest.skip("this kernel/container does not allow unprivileged network namespaces")
        assert runner.network_isolated is True
    probe = subprocess.run(
        [sys.executable, "-c", "import socket, sys\nfrom climatekg.graph.query.worker import isolate_network\n"
         "assert isolate_network()\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=2)\n"
         "except OSError as e:\n    print(e.errno)\n"], capture_output=True, text=True, timeout=30)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() in {"101", "111"}  # network unreachable / connection refused: nothing reachable


def test_runner_reports_a_missing_graph(tmp_path):
    from climatekg.graph.query import QueryRunner, RunnerUnavailable

    runner = QueryRunner(tmp_path, pool_size=1)
    with pytest.raises(RunnerUnavailable, match="climatekg build"):
        runner.run(ASK_TRUE)
    runner.stop()


# --------------------------------------------------------------------------- a live gunicorn server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


@pytest.fixture(scope="module")
def live_server(graph_build_dir):
    """gunicorn (2 gthread workers) serving create_app() on a free loopback port; stopped at the end."""
    port = _free_port()
    env = dict(os.environ, CLIMATEKG_BUILD_DIR=str(graph_build_dir[0]), CLIMATEKG_SPARQL_MAX_ROWS=str(MAX_ROWS),
               CLIMATEKG_SPARQL_MAX_QUERY_BYTES=str(MAX_BYTES), CLIMATEKG_SPARQL_TIMEOUT=str(TIMEOUT),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{port}",
         "--limit-request-line", "8190", "--graceful-timeout", "5", "climatekg.service.app:create_app()"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/sparql"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited ({proc.returncode}):\n{proc.stdout.read().decode(errors='replace')}")
            try:
                with urllib.request.urlopen(url + "?query=" + urllib.parse.quote(ASK_TRUE), timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):  # a loaded machine may take a while
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not answer within 60 s")
            time.sleep(0.2)
    except BaseException:  # never leave the server running
        proc.kill()
        proc.wait()
        raise
    yield url
    workers = _children(proc.pid)
    query_workers = [pid for w in workers for pid in _children(w)]
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()
    time.sleep(0.2)
    assert query_workers and not [pid for pid in query_workers if _alive(pid)], "query workers outlived gunicorn"


def _http(url, query=None, method="GET", accept=None, data=None, content_type=None, **params):
    if query is not None:
        params["query"] = query
    qs = urllib.parse.urlencode(params)
    req = urllib.request.Request(url + ("?" + qs if qs and method == "GET" else ""), method=method, data=data)
    if accept:
        req.add_header("Accept", accept)
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def _sparqlwrapper(url, query, return_format, method="GET"):
    from SPARQLWrapper import GET, POST, POSTDIRECTLY, SPARQLWrapper

    sw = SPARQLWrapper(url)
    sw.setQuery(query)
    sw.setReturnFormat(return_format)
    if method == "POST":
        sw.setMethod(POST)
    elif method == "POSTDIRECTLY":
        sw.setMethod(POST)
        sw.setRequestMethod(POSTDIRECTLY)
    else:
        sw.setMethod(GET)
    return sw.query()


@pytest.mark.parametrize("method", ["GET", "POST", "POSTDIRECTLY"])
def test_live_sparqlwrapper_select_in_every_results_format(live_server, method):
    from SPARQLWrapper import CSV, JSON, TSV, XML

    assert [b["case"]["value"] for b in _sparqlwrapper(live_server, BANKS, JSON, method).convert()["results"]
            ["bindings"]] == BANK_CASES
    for fmt, name in ((XML, "xml"), (CSV, "csv"), (TSV, "tsv")):
        result = _sparqlwrapper(live_server, BANK_TITLES, fmt, method)
        rows = ROW_PARSERS[name](result.response.read())
        assert sorted({r["case"] for r in rows}) == BANK_CASES


def test_live_sparqlwrapper_ask_and_construct(live_server):
    from SPARQLWrapper import JSON, JSONLD, RDFXML, TURTLE, XML

    assert _sparqlwrapper(live_server, ASK_TRUE, JSON).convert()["boolean"] is True
    assert _sparqlwrapper(live_server, ASK_FALSE, JSON).convert()["boolean"] is False
    ask_xml = _sparqlwrapper(live_server, ASK_FALSE, XML).response.read()
    assert ask_value("xml", ask_xml) is False
    for fmt, parse_as in ((TURTLE, "turtle"), (JSONLD, "json-ld"), (RDFXML, "xml"), (XML, "xml")):
        body = _sparqlwrapper(live_server, TITLE_CONSTRUCT, fmt, "POST").response.read()
        g = Graph().parse(data=body, format=parse_as)
        assert {o.language for o in g.objects(URIRef(CASE + "case-01"), DCTERMS.title)} == {"zh", "en"}
    status, headers, body = _http(live_server, TITLE_CONSTRUCT, accept="application/n-triples")
    assert status == 200 and len(Graph().parse(data=body, format="nt")) == 2


def test_live_refusals_and_limits(live_server):
    for query, reason in (("LOAD <http://example.org/x>", "update"),
                          ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "service"),
                          ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "from")):
        status, headers, body = _http(live_server, query)
        assert status == 403 and json.loads(body)["error"]["detail"]["reason"] == reason
        assert headers["Access-Control-Allow-Origin"] == "*"
    status, _, body = _http(live_server, "SELECT * WHERE {\n ?s ?p ?o\n FILTER( }")
    assert status == 400 and json.loads(body)["error"]["detail"]["line"] == 3
    over = _padded(MAX_BYTES + 1)
    for status, _, body in (_http(live_server, over),
                            _http(live_server, method="POST", data=over.encode(),
                                  content_type="application/sparql-query")):
        assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"
    status, headers, body = _http(live_server, ALL_TRIPLES)
    assert status == 200 and headers["X-Result-Truncated"] == "true" and json.loads(body)["truncated"] is True


def test_live_chunked_body_over_the_limit_is_413_never_cut(live_server):
    """A body sent with Transfer-Encoding: chunked has no Content-Length to check up front: it is still refused
    whole (413), not cut at the limit and run; one at the limit is run as sent."""
    parts = urllib.parse.urlsplit(live_server)

    def post_chunked(body: bytes):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.putrequest("POST", parts.path)
        conn.putheader("Content-Type", "application/sparql-query")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for i in range(0, len(body), 1000):
            chunk = body[i:i + 1000]
            conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        out = resp.status, resp.read()
        conn.close()
        return out

    # a query of exactly MAX_BYTES bytes ending in LIMIT 25; one more byte makes it LIMIT 255 (and too big)
    head = "SELECT ?s WHERE { ?s ?p ?o }\n#" + "x" * 100 + "\n"
    query = head + " " * (MAX_BYTES - len(head) - len("LIMIT 25")) + "LIMIT 25"
    assert len(query.encode()) == MAX_BYTES
    status, body = post_chunked(query.encode())
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 25
    status, body = post_chunked((query + "5").encode())  # LIMIT 255, one byte over
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"
    form = urllib.parse.urlencode({"query": "ASK {}\n#" + "x" * (3 * MAX_BYTES + 4096)}).encode()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest("POST", parts.path)
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(f"{len(form):x}\r\n".encode() + form + b"\r\n0\r\n\r\n")
    resp = conn.getresponse()
    assert resp.status == 413
    conn.close()


def test_live_cors_preflight(live_server):
    status, headers, _ = _http(live_server, method="OPTIONS")
    req = urllib.request.Request(live_server, method="OPTIONS", headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status in (200, 204)
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in r.headers["Access-Control-Allow-Methods"]


def test_live_service_description(live_server, graph_lines):
    status, headers, body = _http(live_server, accept="text/turtle")
    assert status == 200
    g = Graph().parse(data=body, format="turtle")
    endpoint = URIRef(live_server)
    assert (endpoint, SD.endpoint, endpoint) in g
    dataset = g.value(endpoint, SD.defaultDataset)
    assert g.value(dataset, VOID.triples).toPython() == graph_lines


def test_live_runaway_query_times_out_while_others_are_answered(live_server):
    """The brief's acceptance test: a runaway query with timeout=2 comes back as 503 timeout within 3 s while
    simple queries, fired at the same time, keep succeeding quickly (two gunicorn processes, each with its
    own pool of query workers)."""
    # warm both gunicorn workers (each starts its query workers on its first query)
    warmers = [threading.Thread(target=_http, args=(live_server, ASK_TRUE)) for _ in range(12)]
    for t in warmers:
        t.start()
    for t in warmers:
        t.join()
    runaway = {}

    def fire():
        t0 = time.monotonic()
        runaway["status"], _, runaway["body"] = _http(live_server, RUNAWAY, timeout="2")
        runaway["seconds"] = time.monotonic() - t0

    thread = threading.Thread(target=fire)
    thread.start()
    time.sleep(0.2)
    simple = []
    while thread.is_alive() and len(simple) < 30:
        t0 = time.monotonic()
        status, _, body = _http(live_server, BANKS)
        simple.append(time.monotonic() - t0)
        assert status == 200 and [r["case"] for r in json_rows(body)] == BANK_CASES
    thread.join()
    assert runaway["status"] == 503 and json.loads(runaway["body"])["error"]["code"] == "timeout"
    assert runaway["seconds"] < 2 + 1
    assert len(simple) >= 5 and max(simple) < 1.0
    status, _, body = _http(live_server, ASK_TRUE)
    assert status == 200 and json.loads(body)["boolean"] is True
