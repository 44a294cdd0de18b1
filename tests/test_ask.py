"""Asking in Chinese or English: structured answers from the graph, extractive answers, refusals."""

import re

import pytest

from conftest import store_runner

from climatekg.ask.intents import parse
from climatekg.embeddings.search import SearchInputError


def ids(res):
    return sorted(c["case_id"] for c in res["cases"])


@pytest.mark.parametrize("question, expected", [
    ("哪些案例涉及沼气？", ["case-06", "case-14", "case-26"]),
    ("Which companies are banks?", ["case-15", "case-16"]),
    ("How many cases are in the green-finance section?", ["case-15", "case-16"]),
    ("光伏装机超过10MW的项目有哪些？", ["case-01", "case-06", "case-11", "case-20"]),
    ("Which cases have more than 10 MW of solar PV?", ["case-01", "case-06", "case-11", "case-20"]),
    ("Which cases received recognition from Forbes?", ["case-05", "case-12"]),
])
def test_structured_questions_are_answered_from_the_graph(answerer, question, expected):
    res = answerer.ask(question)
    assert res["answered"] and res["sparql"] and res["rows"]["rows"]
    assert ids(res) == expected
    assert res["citations"] and all(c["quote"] and c["start_line"] > 0 for c in res["citations"])


def test_answer_is_in_the_question_language_and_the_sparql_runs(answerer, store):
    zh = answerer.ask("绿色金融板块一共有几个案例？")
    assert zh["lang"] == "zh" and zh["answer"].startswith("共有 2 个")
    en = answerer.ask("Which cases report annual CO2 reductions above 100,000 tonnes?")
    assert en["lang"] == "en" and "match" in en["answer"]
    assert {"case-01", "case-22", "case-26"} <= set(ids(en))
    rerun = store.query(en["sparql"])
    assert sorted({r["id"] for r in rerun.dicts()}) == ids(en)


def test_comparisons_parse_numbers_and_units_in_both_languages(answerer):
    q = parse(answerer.engine.analyse("每年减排二氧化碳不到1000吨的项目有哪些？"), answerer.lexicon)
    assert (q.kind, q.indicator, q.comparator, q.amount, q.period) == ("compare", "co2-reduction", "<", 1000, "annual")
    q = parse(answerer.engine.analyse("cases that cut more than 0.1 Mt of CO2 a year"), answerer.lexicon)
    assert (q.kind, q.comparator, q.amount) == ("compare", ">", 100000)


def test_company_attributes(answerer):
    res = answerer.ask("In which year was Gree Electric founded?")
    assert "1991" in res["answer"] and ids(res) == ["case-10"]
    assert res["citations"][0]["quote"].startswith("珠海格力电器股份有限公司成立于1991年")
    res = answerer.ask("物美成立于哪一年？")
    assert "1994" in res["answer"]


def test_extractive_answers_quote_the_sentence_with_the_figure(answerer):
    res = answerer.ask("How much rooftop PV did Danone install?")
    assert res["intent"] == "extractive" and res["answered"]
    assert "13.26 MWp" in res["answer"] and "13,260 kW" in res["answer"]
    cite = res["citations"][0]
    assert cite["case_id"] == "case-01" and cite["start_line"] <= 181 <= cite["end_line"]
    res = answerer.ask("达能饮料工厂屋顶光伏一共装了多少兆瓦？")
    assert "13.26 MWp" in res["answer"] and res["cases"][0]["case_id"] == "case-01"


@pytest.mark.parametrize("question", ["What did Tesla do to cut emissions?", "What is Apple's supplier clean energy programme?",
                                      "宁德时代在储能方面做了哪些减排？", "月球上有几个案例？", "水泥厂做碳捕集封存的案例减排了多少？"])
def test_questions_about_what_the_collection_lacks_are_refused(answerer, question):
    res = answerer.ask(question)
    assert res["answered"] is False and res["cases"] == [] and res["intent"] == "unanswerable"


def test_a_question_about_the_whole_collection_is_not_refused(answerer):
    res = answerer.ask("这本案例集一共收录了多少个企业案例？")
    assert res["answered"] and len(res["cases"]) == 26


def test_empty_question(answerer):
    with pytest.raises(SearchInputError):
        answerer.ask("  ")


def test_ask_evaluation_targets(answerer):
    """The measured figures of `climatekg eval` for question answering stay at their measured level."""
    from climatekg.ask.evaluate import evaluate
    from climatekg.config import ROOT
    from climatekg.embeddings.evaluate import load_questions

    res = evaluate(answerer, load_questions(ROOT / "data" / "eval" / "ask_questions.toml"),
                   load_questions(ROOT / "data" / "eval" / "search_questions.toml"))
    s = res["slices"]
    assert s["zh structured"]["F1"] >= 0.85 and s["en structured"]["F1"] >= 0.85
    unans = (s["zh unanswerable"]["recognised"] + s["en unanswerable"]["recognised"]) / 2
    assert unans >= 0.8
    w = res["wrongly_refused"]
    assert w["count"] / w["of"] <= 0.05
    # the older 24 lookups measured 0.83 (zh) / 0.75 (en) after the redesign merged with the new graph (0.92 / 0.92
    # before it), 0.83 / 0.75 again after the families round (mean 0.79): the floor guards that level — quality is
    # measured on the blind set (climatekg eval --set blind-*)
    assert (s["zh lookup"]["contains fact"] + s["en lookup"]["contains fact"]) / 2 >= 0.78


def test_a_non_default_base_iri_gives_the_same_answers(answerer, built_settings, search_engine, graph_build_dir, tmp_path):
    """Nothing in question answering assumes the default IRI base: a graph minted under another base answers alike."""
    import dataclasses
    import json

    from climatekg.ask.answer import Answerer
    from climatekg.graph.pipeline import DEFAULT_BASE
    from climatekg.graph.store import open_store

    other = "http://127.0.0.1:8123/kg/"
    src = graph_build_dir[0]
    (tmp_path / "graph.nt").write_text((src / "graph.nt").read_text(encoding="utf-8").replace(DEFAULT_BASE + "id/", other + "id/"),
                                       encoding="utf-8")
    store = open_store(tmp_path, "oxigraph")

    entities = json.loads(json.dumps(search_engine.entities).replace(DEFAULT_BASE + "id/", other + "id/"))
    engine = dataclasses.replace(search_engine, entities=entities)
    rebased = Answerer.load(dataclasses.replace(built_settings, base_iri=other), engine=engine, run=store_runner(store))
    for question in ("哪些案例涉及沼气？", "Which cases have more than 10 MW of solar PV?", "Which companies are banks?",
                     "In which year was Gree Electric founded?", "How much rooftop PV did Danone install?",
                     "哪个案例报告的年减排量最大？"):
        a, b = answerer.ask(question), rebased.ask(question)
        assert a["answered"] and (b["answer"], ids(b)) == (a["answer"], ids(a)), question
        if a["sparql"]:
            assert DEFAULT_BASE + "id/" not in b["sparql"]


@pytest.mark.parametrize("question", ["Why did Danone build rooftop solar?", "Tell me about Ele.me's tableware option.",
                                      "What does Lenovo do in Hefei?"])
def test_a_capitalised_first_word_or_a_known_company_is_no_reason_to_refuse(answerer, question):
    res = answerer.ask(question)
    assert res["answered"], res["answer"]


@pytest.mark.parametrize("question", ["How many trucks does SF Express run on electricity?", "伊利集团的牧场每年发电多少度？"])
def test_refusals_name_what_is_missing_without_empty_slots(answerer, question):
    res = answerer.ask(question)
    assert res["answered"] is False and res["unknown"]
    assert not re.search(r"“”|mention ,|mention  |about  |关于“”", res["answer"])


def test_graph_answers_off_the_service_run_through_the_query_policy_and_limits(built_settings):
    """The command line's runner (``pool_runner``): a worker process with /sparql's policy, SELECT only, the row
    limit, and the time limit ``sparql_timeout`` (the worker running a query past it is killed)."""
    import dataclasses

    from climatekg.ask.answer import pool_runner
    from climatekg.graph.query import FormNotAcceptable, QueryRefused, QueryTimeout

    run = pool_runner(dataclasses.replace(built_settings, sparql_max_rows=3, sparql_timeout=5))
    try:
        res = run("SELECT ?id WHERE { ?c ckg:caseId ?id } ORDER BY ?id")
        assert [r[0]["value"] for r in res["rows"]] == ["case-01", "case-02", "case-03"] and res["truncated"]
        with pytest.raises(QueryRefused) as e:
            run("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
        assert e.value.reason == "update"
        with pytest.raises(QueryRefused) as e:
            run("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
        assert e.value.reason == "service"
        with pytest.raises(FormNotAcceptable):
            run("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        with pytest.raises(QueryTimeout):  # a cross product of the whole graph with itself, three times over
            run("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert run("SELECT ?id WHERE { ?c ckg:caseId ?id } LIMIT 1")["rows"]  # a fresh worker took over
    finally:
        run.pool.stop()


def test_climatekg_ask_answers_from_the_graph_and_stops_at_the_time_limit(built_settings, search_engine,
                                                                          monkeypatch, capsys):
    """`climatekg ask`: a graph answer with its SPARQL; with a time limit no query can meet, the command ends with
    the limit named (exit status 1), not a traceback or a hang."""
    from climatekg.cli import main
    from climatekg.embeddings.search import SearchEngine

    monkeypatch.setattr(SearchEngine, "load", classmethod(lambda cls, settings, **kw: search_engine))
    monkeypatch.setenv("CLIMATEKG_BUILD_DIR", str(built_settings.build_dir))
    assert main(["ask", "Which companies are banks?"]) == 0
    out = capsys.readouterr().out
    assert "Bank of Beijing" in out and "SPARQL" in out
    monkeypatch.setenv("CLIMATEKG_SPARQL_TIMEOUT", "0.000001")
    assert main(["ask", "Which companies are banks?"]) == 1
    assert "did not finish within 1e-06 s (the limit: setting sparql_timeout)" in capsys.readouterr().err
