"""Structured questions the graph has no concept for, and comparisons among named companies: a list or count of a
thing no entity links is swept in the text by its bilingual words (``ask/sweep.py``: ``thing_units``,
``concept_in_text``); an indicator named twice as alternatives is the one meant; a comparison of named companies
takes the indicator they all report and, for each, the figure its own words in the question describe."""

from __future__ import annotations

import pytest

from climatekg.ask.intents import parse
from climatekg.ask.sweep import DISTINCT, concept_in_text, thing_units


def analysed(answerer, text):
    q = parse(answerer.engine.analyse(text, "question"), answerer.lexicon)
    q.query = answerer.engine.analyse(text, "question")
    return q


def writes(answerer, forms):
    return sorted(c for c in answerer.engine.case_by_id if any(f in answerer.case_text(c) for f in forms))


@pytest.mark.parametrize("question, expected", [
    # nothing the graph links: a list or count with no constraint, its thing the words outside the grammar
    ("哪些案例提到了机器人？", {"kind": "list", "constraints": 0, "indicator_term": None}),
    ("How many cases mention robots?", {"kind": "count", "constraints": 0, "indicator_term": None}),
    ("哪些企业引进了机器人？", {"kind": "list", "open_list": True}),
    ("Which companies introduced robots?", {"kind": "list", "open_list": True}),
])
def test_a_list_of_a_thing_nothing_links_parses_unconstrained(answerer, question, expected):
    q = analysed(answerer, question)
    assert {k: getattr(q, k) for k in expected} == expected
    assert answerer.unlinked(q)


@pytest.mark.parametrize("question, unit", [
    ("哪些案例提到了机器人？", ("机器人",)),
    ("How many cases mention robots?", "机器人"),
    # alternatives are one unit: any of them is a hit
    ("哪些案例提到了机器人或无人机？", ("机器人", "无人机")),
    ("哪些案例提到了机器人（无人机）？", ("机器人", "无人机")),
])
def test_the_thing_asked_about_is_units_of_chinese_forms(answerer, question, unit):
    units = thing_units(answerer, analysed(answerer, question))
    if isinstance(unit, tuple):
        assert unit in units
    else:  # an English word: the dictionary's renderings, one of them the text's word
        assert any(unit in u for u in units)
    # the question's grammar and its reporting verbs are no part of the thing
    assert not any(f in ("案例", "提到", "哪些") for u in units for f in u)


@pytest.mark.parametrize("question", ["哪些案例提到了机器人？", "How many cases mention robots?"])
def test_a_list_of_a_thing_nothing_links_is_the_cases_whose_text_writes_it(answerer, question):
    res = answerer.ask(question)
    got = sorted(c["case_id"] for c in res["cases"])
    assert got and got == writes(answerer, ["机器人"])
    assert "VALUES ?id" in res["sparql"] and "机器人" in res["answer"]  # the query shows the cases, the answer the word
    assert all("机器人" in "".join(c["quote"].split()) for c in res["citations"])  # each with its sentence


def test_a_word_most_cases_write_narrows_nothing(answerer):
    q = analysed(answerer, "哪些案例提到了二氧化碳？")
    assert len(writes(answerer, ["二氧化碳"])) > DISTINCT * len(answerer.engine.case_by_id)
    assert concept_in_text(answerer, q) is None


def test_an_indicator_named_twice_as_alternatives_is_the_one_meant(answerer):
    q = analysed(answerer, "哪些案例写明了职工（员工）人数？")
    assert q.indicator_term.key == "employees"  # not the head word's indicator (人数: people reached)
    q = analysed(answerer, "哪些案例写明了职工人数？")
    assert q.indicator_term.key == "employees"  # without it too: of a compound of two indicators, the narrower


@pytest.mark.parametrize("question, meant", [
    ("Which cases quantify water savings?", "water"),  # water (13 figures) of savings (27 figures): the water
    ("哪些案例写明了职工人数？", "employees"),
    ("Which cases report cost savings?", "cost-saving"),  # one indicator's own label: nothing to choose
])
def test_of_a_compound_of_two_indicators_the_narrower_is_meant(answerer, question, meant):
    q = analysed(answerer, question)
    assert q.indicator_term.key == meant and q.kind == "report"


def test_a_comparison_of_named_companies_takes_the_indicator_they_all_report(answerer):
    res = answerer.ask("按光伏装机容量排序：蒙牛的工厂、正泰新能的基地、国舜集团的工厂")
    assert res["intent"] == "compare_named" and sorted(c["case_id"] for c in res["cases"]) == ["case-06", "case-08", "case-11"]
    # the capacity, not the count of factories the descriptions name
    assert res["answer"].split("比较")[0] in answerer.lexicon.by_code["capacity"].labels_zh
    # each company's figure its own words describe: Mengniu's own factories (17 MW), not its suppliers' farms (45 MW)
    mengniu = res["answer"].split("蒙牛（case-06）：")[1].split("；")[0]
    assert mengniu.startswith("17")


@pytest.mark.parametrize("question", ["发布低碳酒店标准的那家公司是哪一年成立的？",
                                      "When was the company that issued a low-carbon hotel standard founded?"])
def test_a_company_named_by_what_it_did_is_followed_to_its_founding(answerer, question):
    res = answerer.ask(question)
    assert res["intent"] == "two_hop" and [c["case_id"] for c in res["cases"]][:1] == ["case-05"]
    assert "1999" in res["answer"] and res["sparql"] and "schema:foundingDate" in res["sparql"]


def test_a_count_by_an_indicator_states_each_cases_figures(answerer):
    res = answerer.ask("有几个案例写明了职工（员工）人数？")
    assert res["intent"] == "count"
    rows = answerer.query(f"""SELECT ?id ?figure WHERE {{ ?c ckg:caseId ?id ; ckg:reportsOutcome ?o .
  ?o ckg:measures <{answerer.lexicon.by_code['employees'].iri}> ; ckg:surface ?figure }}""").dicts()
    assert rows and sorted(c["case_id"] for c in res["cases"]) == sorted({r["id"] for r in rows})
    for r in rows:  # each case named with the figure it reports
        assert f"（{r['id']}）：" in res["answer"] and r["figure"] in res["answer"]
