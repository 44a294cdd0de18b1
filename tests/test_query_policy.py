"""The policy check from tokens (graph/query/policy.py) against the thorough check (rdflib's full parse).

Every query here is decided both ways; the token check must reach the same verdict — refused for the same
reason, or allowed with the same form, dataset clauses and prefixes — and must decide the usual queries by
itself (``checked_by == "tokens"``), leaving only text it cannot read to the parser.
"""

from __future__ import annotations

import pytest

from climatekg.graph.query.errors import QueryRefused, QuerySyntaxError
from climatekg.graph.query.policy import (Unrecognised, analyse, canonical_query, check_policy, checked,
                                          parse_query, query_info, without_dataset_clauses)

DATASET = "https://w3id.org/climatekg/graph"

ALLOWED = [
    "SELECT ?case WHERE { ?case ckg:organisation ?org . ?org a ckg:Bank } ORDER BY ?case",
    "ASK { case:case-15 ckg:organisation/a ckg:Bank }",
    "CONSTRUCT { case:case-01 dcterms:title ?t } WHERE { case:case-01 dcterms:title ?t }",
    "DESCRIBE org:bank-of-beijing",
    "PREFIX ckg: <http://example.org/not-ours#>\nSELECT * WHERE { ?s ckg:p ?o }",
    f"SELECT ?case FROM <{DATASET}> WHERE {{ ?case a ckg:Case }}",
    "BASE <https://w3id.org/climatekg/> SELECT ?case FROM <graph> WHERE { ?case a ckg:Case }",
    "PREFIX g: <https://w3id.org/climatekg/> SELECT * FROM g:graph WHERE { ?s ?p ?o }",
    """# SERVICE <http://example.org/sparql> { } FROM <http://example.org/g>
    SELECT ?x ?y WHERE { BIND("SERVICE <http://example.org/sparql> { ?s ?p ?o }" AS ?x)
                         BIND('FROM <http://example.org/g>' AS ?y) }""",
    "SELECT ?service WHERE { BIND(1 AS ?service) }",
    'SELECT ?x WHERE { BIND("""a "quoted" SERVICE <x> {}""" AS ?x) }',
    "SELECT ?x WHERE { BIND('''it''s FROM <x>''' AS ?x) }",
    "SELECT * WHERE { ?s <http://example.org/a#SERVICE> ?o }",
    "PREFIX SERVICE: <http://example.org/> SELECT * WHERE { ?s SERVICE:x ?o }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:a\\#SERVICE ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<3&&?o>1) } LIMIT 5",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    'SELECT ?t WHERE { ?c dcterms:title ?t FILTER(LANG(?t) = "zh" && REGEX(?t, "银行|bank", "i")) }',
    "SELECT ?tech ?top WHERE { ?tech skos:broader+ ?top FILTER NOT EXISTS { ?top skos:broader ?up } }",
    "select distinct ?x where { ?x a ckg:Case } order by desc(?x) limit 3 offset 1",
    "SELECT * WHERE { ?s ?p 1.5e3 , -2 , .5 , true ; ckg:x _:b1 . _:b1 ?q [] } VALUES ?s { UNDEF }",
    "SELECT * WHERE { ?s ?p \"x\"@zh-Hans , \"1\"^^xsd:integer }",
]

REFUSED = {
    "update": ["INSERT DATA { case:case-01 ckg:hacked true }",
               "DELETE WHERE { ?s ?p ?o }",
               "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
               "LOAD <http://example.org/data.ttl>",
               "LOAD <file:///etc/passwd> INTO GRAPH <http://example.org/g>",
               "CLEAR ALL", "DROP GRAPH <http://example.org/g>", "CREATE GRAPH <http://example.org/g>",
               "COPY DEFAULT TO <http://example.org/g>",
               "PREFIX ex: <http://example.org/> WITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"],
    "service": ["SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                "SELECT * WHERE { ?s a ckg:Case OPTIONAL { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } } }",
                "ASK { FILTER NOT EXISTS { SERVICE ?endpoint { ?s ?p ?o } } }",
                "PREFIX ex: <http://example.org/> SELECT * WHERE { { SELECT ?s WHERE { SERVICE ex:sparql { ?s ?p ?o } } } }",
                "SELECT * WHERE { BIND(2 AS ?v) # a comment\r SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }\n}",
                'SELECT * WHERE { BIND("a\\u0022 AS ?x) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } #" AS ?y) }',
                "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                "select * where { service<http://127.0.0.1:9/>{?s ?p ?o} }",
                "SELECT * WHERE { ?a ?b ?c FILTER(?c<1)SERVICE<http://127.0.0.1:9/>{?s ?p ?o} }"],
    "from": ["SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }",
             "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
             "PREFIX ex: <http://example.org/> CONSTRUCT { ?s ?p ?o } FROM ex:g WHERE { ?s ?p ?o }",
             "BASE <http://example.org/> SELECT * FROM <graph> WHERE { ?s ?p ?o }"],
}


def _verdict(info):
    try:
        check_policy(info, {DATASET})
    except QueryRefused as e:
        return e.reason
    except QuerySyntaxError:
        return "syntax"
    return "allowed"


def _thorough(query: str):
    try:
        return _verdict(parse_query(canonical_query(query))[1])
    except QueryRefused as e:
        return e.reason


@pytest.mark.parametrize("query", ALLOWED)
def test_allowed_queries_are_decided_from_tokens_as_the_parser_decides(query):
    text = canonical_query(query)
    fast, slow = analyse(text), parse_query(text)[1]
    assert fast.checked_by == "tokens"
    assert _verdict(fast) == _verdict(slow) == "allowed"
    assert (fast.form, fast.from_graphs, fast.declared, fast.used_prefixes) == \
           (slow.form, slow.from_graphs, slow.declared, slow.used_prefixes)


@pytest.mark.parametrize("reason, query", [(r, q) for r, qs in REFUSED.items() for q in qs])
def test_refusals_from_tokens_match_the_parsers(reason, query):
    assert _thorough(query) == reason
    text = canonical_query(query)
    try:
        info = analyse(text)
    except QueryRefused as e:
        got = e.reason
    else:
        assert info.checked_by == "tokens"
        got = _verdict(info)
    assert got == reason


def test_undefined_prefix_is_a_syntax_error_naming_it():
    with pytest.raises(QuerySyntaxError, match="'foaf:'"):
        checked("SELECT * WHERE { ?s foaf:name ?o }", {DATASET})
    with pytest.raises(QuerySyntaxError, match="prefix ':'"):
        checked("SELECT * WHERE { ?s ?p ?o . ?o :x ?y }", {DATASET})


def test_text_the_lexer_cannot_read_goes_to_the_parser():
    """An unterminated string or a character outside the grammar is not guessed at."""
    for query in ('SELECT * WHERE { ?s ?p "open }', "SELECT * WHERE { ?s ?p ?o } ~", "FOO BAR"):
        with pytest.raises(Unrecognised):
            analyse(canonical_query(query))
        with pytest.raises(QuerySyntaxError):
            query_info(canonical_query(query))


def test_the_cache_answers_a_repeated_text():
    text = canonical_query("SELECT ?x WHERE { ?x a ckg:Case } # cache probe")
    first = query_info(text)
    assert query_info(text) is first


def test_dataset_clauses_are_cut_keeping_positions():
    query = f"SELECT ?s FROM <{DATASET}> FROM NAMED <{DATASET}>\nWHERE {{ ?s ?p ?o }}"
    text = canonical_query(query)
    cut = without_dataset_clauses(text, analyse(text))
    assert "FROM" not in cut and len(cut) == len(text) and cut.index("WHERE") == text.index("WHERE")
    assert analyse(cut).from_graphs == []


def test_the_predeclared_ontology_namespace_is_the_ontology_s():
    from climatekg.graph.namespace import ONTOLOGY_IRI
    from climatekg.graph.sparql_text import PREFIX_MAP, prefix_map

    assert PREFIX_MAP["ckg"] == ONTOLOGY_IRI
    other = prefix_map("http://127.0.0.1:8123/kg/")
    assert other["ckg"] == ONTOLOGY_IRI and other["case"] == "http://127.0.0.1:8123/kg/id/case/"
    assert set(other) == set(PREFIX_MAP)
