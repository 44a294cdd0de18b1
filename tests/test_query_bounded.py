"""Queries answered without a worker: the inline lane for queries whose work is bounded before they run
(graph/query/bounded.py) and the pool's answer cache — same bytes as a worker's, the same refusals, and answered
while runaway queries hold every worker. No assertion is on how long anything took."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections import Counter

import pytest

from climatekg.graph.sparql_text import PREFIXES, canonical_query, tokens

DATASET = {"https://w3id.org/climatekg/graph"}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LOOKUP = "SELECT ?title WHERE { case:case-07 dcterms:title ?title } ORDER BY ?title"
PATH = "ASK { case:case-15 ckg:organisation/a ckg:Bank }"
FORMATS = [{"results": r, "graph": g} for r, g in
           (("json", "turtle"), ("xml", "ntriples"), ("csv", "jsonld"), ("tsv", "rdfxml"))]

BOUNDED = {
    "lookup": LOOKUP,
    "type count": "SELECT (COUNT(?c) AS ?n) WHERE { ?c a ckg:Case }",
    "banks": "SELECT ?case WHERE { ?case ckg:organisation ?org . ?org a ckg:Bank } ORDER BY ?case",
    "construct": "CONSTRUCT { case:case-07 ?p ?o } WHERE { case:case-07 ?p ?o }",
    "construct where": "CONSTRUCT WHERE { case:case-07 ?p ?o }",
    "ask": "ASK { case:case-15 ckg:organisation ?org }",
    "filter": """SELECT ?case ?title WHERE { ?case a ckg:Case ; dcterms:title ?title
                 FILTER(LANG(?title) = "en" && REGEX(?title, "bank|energy", "i")) } ORDER BY ?case""",
    "group": "SELECT ?case (COUNT(DISTINCT ?t) AS ?n) WHERE { ?case ckg:usesTechnology ?t } GROUP BY ?case "
             "ORDER BY DESC(?n) ?case LIMIT 5",
    "outcomes": "SELECT ?o ?v ?label WHERE { case:case-07 ckg:reportsOutcome ?o . ?o schema:value ?v ; "
                "rdfs:label ?label } ORDER BY ?o ?label",
}

NOT_BOUNDED = {
    "cartesian product": RUNAWAY,
    "everything": "SELECT * WHERE { ?s ?p ?o }",
    "property path": PATH,
    "transitive path": "SELECT ?t ?top WHERE { ?t skos:broader+ ?top }",
    "optional": "SELECT * WHERE { case:case-07 ?p ?o OPTIONAL { ?o ?q ?r } }",
    "union": "SELECT * WHERE { { case:case-07 ?p ?o } UNION { case:case-08 ?p ?o } }",
    "sub-query": "SELECT * WHERE { { SELECT ?o WHERE { case:case-07 ?p ?o } } }",
    "values": "SELECT * WHERE { case:case-07 ?p ?o } VALUES ?p { dcterms:title }",
    "bind": "SELECT * WHERE { case:case-07 ?p ?o BIND(STR(?o) AS ?s) }",
    "exists": "SELECT * WHERE { case:case-07 ?p ?o FILTER EXISTS { ?o ?q ?r } }",
    "replace": "SELECT (REPLACE(?t, '', 'aaaa') AS ?x) WHERE { case:case-07 dcterms:title ?t }",
    "encode": "SELECT (ENCODE_FOR_URI(ENCODE_FOR_URI(?t)) AS ?x) WHERE { case:case-07 dcterms:title ?t }",
    "counted repetition": "SELECT * WHERE { case:case-07 dcterms:title ?t FILTER(REGEX(?t, '(a{1000}){1000}')) }",
    "function by IRI": "SELECT * WHERE { case:case-07 dcterms:title ?t FILTER(<http://example.org/f>(?t)) }",
    "blank node property list": "SELECT * WHERE { case:case-07 ckg:organisation [ a ?type ] }",
    "describe": "DESCRIBE case:case-07",
    "a large class joined": "SELECT * WHERE { ?s a ?c . ?s ?p ?o }",
}


@pytest.fixture(scope="module")
def stats(store):
    from climatekg.graph.query.bounded import Statistics

    return Statistics(store)


def _bound(query: str, stats):
    from climatekg.graph.query.bounded import patterns, row_bound
    from climatekg.graph.query.policy import analyse

    text = canonical_query(query)
    toks = list(tokens(text))
    found = patterns(toks, analyse(text, toks).declared)
    return None if found is None else row_bound(found, stats)


@pytest.mark.parametrize("name", sorted(BOUNDED))
def test_typical_queries_are_bounded_and_the_bound_holds(name, stats, store):
    bound = _bound(BOUNDED[name], stats)
    assert bound is not None
    res = store.query(BOUNDED[name])
    assert len(res.rows or res.triples or []) <= bound


@pytest.mark.parametrize("name", sorted(NOT_BOUNDED))
def test_what_could_run_long_or_grow_is_left_to_the_workers(name, stats):
    assert _bound(NOT_BOUNDED[name], stats) is None


def test_the_statistics_are_the_store_s_counts(stats, store):
    assert stats.triples == len(store.store)
    assert stats.matches(None, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                         "https://w3id.org/climatekg/ontology#Case") == 26
    titles = store.query("SELECT ?t WHERE { case:case-07 dcterms:title ?t }").rows
    assert stats.matches("https://w3id.org/climatekg/id/case/case-07", "http://purl.org/dc/terms/title",
                         None) == len(titles)
    for p in ("http://purl.org/dc/terms/title", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"):
        pairs = [(r[0].value, r[1].value) for r in store.query(f"SELECT ?s ?o WHERE {{ ?s <{p}> ?o }}").rows]
        out, into = Counter(s for s, _ in pairs), Counter(o for _, o in pairs)
        assert stats.predicate(p) == (len(pairs), max(out.values()), max(into.values()))
    assert stats.fan_out(None, "s") is None  # a variable predicate keeps no bound


@pytest.fixture(scope="module")
def pools(graph_build_dir, store):
    """(a pool with the inline lane on the test store, a pool without) — one worker each."""
    from climatekg.graph.query import QueryPool

    with QueryPool(graph_build_dir[0], size=1, dataset_iris=DATASET) as inline, \
            QueryPool(graph_build_dir[0], size=1, dataset_iris=DATASET) as plain:
        assert inline.attach_store(store)
        assert inline.warm_up() and plain.warm_up()
        yield inline, plain


@pytest.mark.parametrize("formats", FORMATS, ids=lambda f: f["results"] + "+" + f["graph"])
def test_the_lane_writes_the_bytes_a_worker_writes(pools, formats):
    inline, plain = pools
    answered = inline.lane.answered
    for name, query in sorted(BOUNDED.items()):
        for max_rows in (10_000, 3):  # 3: cut at the row limit — a worker writes that (the lane declines)
            a = inline.run(query, max_rows=max_rows, formats=formats)
            b = plain.run(query, max_rows=max_rows, formats=formats)
            assert a["body"] == b["body"], (name, max_rows)
            assert (a["form"], a["kind"], a["truncated"], a["format"]) == \
                   (b["form"], b["kind"], b["truncated"], b["format"])
    assert inline.lane.answered > answered
    if formats["results"] == "json":
        doc = json.loads(inline.run(LOOKUP, max_rows=1, formats=formats)["body"])
        assert doc["truncated"] is True and len(doc["results"]["bindings"]) == 1


def test_refusals_and_errors_are_the_workers_as_before(pools):
    from climatekg.graph.query import FormNotAcceptable, QueryRefused, QuerySyntaxError

    inline, _ = pools
    answered = inline.lane.answered
    json_only = FORMATS[0]
    with pytest.raises(QueryRefused):
        inline.run("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { case:case-07 ?p ?o } }", formats=json_only)
    with pytest.raises(QueryRefused):
        inline.run("INSERT DATA { case:case-07 dcterms:title 'x' }", formats=json_only)
    with pytest.raises(QueryRefused):
        inline.run("SELECT * FROM <http://example.org/g> WHERE { case:case-07 ?p ?o }", formats=json_only)
    with pytest.raises(QuerySyntaxError):
        inline.run("SELECT ?t WHERE { case:case-07 dcterms:title }", formats=json_only)
    with pytest.raises(QuerySyntaxError):
        inline.run("SELECT ?t WHERE { nope:case-07 dcterms:title ?t }", formats=json_only)
    with pytest.raises(FormNotAcceptable):
        inline.run(BOUNDED["construct"], forms={"SELECT", "ASK"}, formats=json_only)
    assert inline.lane.answered == answered


def _until(cond, limit=60.0):
    deadline = time.monotonic() + limit
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def _run_away(pool):
    from climatekg.graph.query import QueryTimeout

    def go():
        with pytest.raises(QueryTimeout):
            pool.run(RUNAWAY, timeout=3, wait=30, formats=FORMATS[0])

    t = threading.Thread(target=go)
    t.start()
    _until(lambda: pool.busy == 1)
    return t


def test_bounded_and_cached_queries_are_answered_while_a_runaway_holds_every_worker(graph_build_dir, store):
    """The noticed problem of issue 12: with every worker running a runaway query, a lookup got 503 busy."""
    import asyncio

    from climatekg.graph.query import Overloaded, QueryPool

    with QueryPool(graph_build_dir[0], size=1, dataset_iris=DATASET, queue_wait=0.3) as p:
        assert p.attach_store(store) and p.warm_up()
        path_answer = p.run(PATH, formats=FORMATS[0])  # a worker answers it, the cache keeps it
        t = _run_away(p)
        assert json.loads(p.run(LOOKUP, formats=FORMATS[0])["body"])["results"]["bindings"]
        on_loop = asyncio.run(p.run_async(BOUNDED["banks"], formats=FORMATS[0]))
        assert len(json.loads(on_loop["body"])["results"]["bindings"]) == 2
        assert p.run(PATH, formats=FORMATS[0])["body"] == path_answer["body"]  # from the cache
        with pytest.raises(Overloaded):  # another format of it is another answer: it needs the (busy) worker
            p.run(PATH, formats=FORMATS[1])
        with pytest.raises(Overloaded):  # and so does anything unbounded
            p.run(NOT_BOUNDED["transitive path"], formats=FORMATS[0])
        t.join()


def test_the_cache_is_keyed_by_the_graph_file(graph_build_dir, tmp_path, monkeypatch):
    """A rebuilt graph (another size or modification time of graph.nt) is never answered from the cache."""
    from climatekg.graph.query import Overloaded, QueryPool, pool

    monkeypatch.setattr(pool, "GRAPH_CHECK_S", 0.0)  # look at the file on every query, not once a second

    build = tmp_path / "build"
    shutil.copytree(graph_build_dir[0], build)
    with QueryPool(build, size=1, dataset_iris=DATASET, queue_wait=0.3) as p:
        assert p.warm_up()
        first = p.run(PATH, formats=FORMATS[0])
        t = _run_away(p)
        assert p.run(PATH, formats=FORMATS[0])["body"] == first["body"]
        graph = build / "graph.nt"
        st = graph.stat()
        os.utime(graph, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        with pytest.raises(Overloaded):
            p.run(PATH, formats=FORMATS[0])
        t.join()


def test_no_lane_for_another_engine_or_a_remote_store(graph_build_dir, store):
    from climatekg.graph.query import QueryPool

    assert not QueryPool(graph_build_dir[0], engine="rdflib", size=1).attach_store(store)
    assert not QueryPool(graph_build_dir[0], size=1, endpoint="http://127.0.0.1:9/query").attach_store(store)


def test_the_query_text_of_the_benchmarks_is_bounded_with_its_prefixes(stats):
    """Declared prefixes (the peers of the benchmark predeclare nothing) resolve like the predeclared ones."""
    assert _bound(PREFIXES + "SELECT ?title WHERE { case:case-07 dcterms:title ?title }", stats) is not None
    declared = "PREFIX c: <https://w3id.org/climatekg/id/case/>\nSELECT * WHERE { c:case-07 ?p ?o }"
    assert _bound(declared, stats) == _bound("SELECT * WHERE { case:case-07 ?p ?o }", stats)


def test_the_engine_gets_only_the_predeclared_prefixes_a_query_leaves_undeclared(store):
    """The engine is handed the predeclared prefixes a query uses without declaring them, and nothing when it
    declares what it uses: a query's own declaration of a predeclared name still wins, a predeclared name it
    leaves undeclared still works."""
    from climatekg.graph.query.policy import checked
    from climatekg.graph.query.worker import answer, engine_prefixes

    own = "PREFIX ckg: <http://example.org/none#>\nASK { ?c a ckg:Case }"
    mixed = "PREFIX dcterms: <http://purl.org/dc/terms/>\nASK { ?c a ckg:Case ; dcterms:title ?t }"
    assert engine_prefixes(store.prefix_map, checked(own)[1]) is None
    assert engine_prefixes(store.prefix_map, checked(mixed)[1]) == {"ckg": store.prefix_map["ckg"]}
    assert answer(store, own)[0]["boolean"] is False  # its own ckg:, not the predeclared one
    assert answer(store, mixed)[0]["boolean"] is True
    assert answer(store, "ASK { ?c a ckg:Case }")[0]["boolean"] is True
