"""Refusal from evidence (the second blind set's development half): a question about a company of the collection is
refused when what it asks about is absent from that company's case — a technology, award or standard it names, the
thing a "多少个X" asks to count, a figure of the indicator it names (not one of another dimension), a non-romanised
name beside the company — and a year in a question is never linked as an entity."""

from __future__ import annotations

import pytest

from climatekg.ask.intents import parse


def analysed(answerer, text):
    return parse(answerer.engine.analyse(text, "question"), answerer.lexicon)


@pytest.mark.parametrize("text", ["青岛啤酒2022年做了什么？", "What did Tsingtao Brewery do in 2022?"])
def test_a_year_is_not_linked_as_an_entity(answerer, text):
    """Awards carry their year in their English names; the year alone names no award."""
    mentions = answerer.engine.analyse(text, "question").mentions
    assert [m.entity["id"] for m in mentions] == ["tsingtao-brewery"]


@pytest.mark.parametrize("word, romanised", [
    ("Qingzhou", True), ("Cainiao", True), ("Hongyan", True), ("Yuhang", True),
    ("Tesla", False), ("Superchargers", False), ("Porsche", False),
])
def test_a_latin_word_is_a_romanisation_or_not(answerer, word, romanised):
    assert answerer.romanisable(word) is romanised


@pytest.mark.parametrize("question, missing", [
    ("饿了么为骑手建设了多少个加氢站？", "加氢站"),  # the collection never writes it
    ("联想在全球部署了多少个温水水冷节点？", None),  # it does
    ("正泰新能的光伏停车棚能停多少辆汽车？", None),  # a word the collection uses elsewhere is not absent
])
def test_the_thing_a_count_asks_for(answerer, question, missing):
    q = analysed(answerer, question)
    assert answerer.absent_measure(q, q.named_cases) == missing


@pytest.mark.parametrize("question, company, thing", [
    ("How much rooftop solar does Ele.me have?", "Ele.me", "rooftop solar"),
    ("饿了么的屋顶光伏装机有多少？", "饿了么", "屋顶光伏"),
])
def test_a_technology_the_company_case_never_mentions_is_refused(answerer, question, company, thing):
    res = answerer.ask(question)
    assert res["answered"] is False
    assert company in res["answer"] and thing in res["answer"]


@pytest.mark.parametrize("question", ["How much rooftop solar has Danone China installed?", "达能中国屋顶光伏装了多少？"])
def test_a_technology_the_company_case_mentions_is_answered(answerer, question):
    res = answerer.ask(question)
    assert res["answered"] and res["cases"][0]["case_id"] == "case-01"


@pytest.mark.parametrize("question, unknown", [
    ("How many Porsche chargers has NaaS installed?", ["Porsche"]),
    # beside the company, a romanised name is its project's or site's, and a quoted one the asker's rendering
    ("How much rooftop PV did NaaS build at the Renhe Cainiao park?", []),
    ("How much did NaaS's 'Green Charging Workshop' cut?", []),
])
def test_an_unknown_name_beside_a_known_company(answerer, question, unknown):
    q = answerer.engine.analyse(question, "question")
    assert answerer.unknown_names(q.text, q.lang, q.mentions) == unknown


def test_an_unknown_name_beside_a_known_company_is_refused_by_name(answerer):
    res = answerer.ask("How many Porsche chargers has NaaS installed?")
    assert res["answered"] is False and "Porsche" in res["answer"]


def test_a_figure_of_another_dimension_does_not_answer(answerer):
    """An investment asked, only energy figures near: the company's text does not state it."""
    q = analysed(answerer, "金风科技的总投资是多少？")
    assert q.indicator == "investment"
    sel = answerer.selector
    assert not sel.fits_dimension("实现年发绿电约9000万千瓦时。", q.indicator_term)
    assert sel.fits_dimension("国舜集团投资11.8亿元建设零碳社区。", q.indicator_term)


@pytest.mark.parametrize("question, kind, target, of_companies", [
    ("案例集中有几家风电设备制造企业？", "count", "companies", True),  # what the companies are, described between
    ("How many of the companies are wind turbine manufacturers?", "count", "companies", True),
    ("民生银行为多少个项目提供了绿色贷款？", None, "cases", False),  # a figure of the bank, not a count of cases
    ("How many projects has NaaS built?", None, "cases", False),
    ("有多少个案例提到了能链智电？", "count", "cases", False),  # a count of cases naming a company stays one
    ("How many cases mention NaaS?", "count", "cases", False),
])
def test_what_a_count_counts(answerer, question, kind, target, of_companies):
    q = analysed(answerer, question)
    assert (q.kind, q.target, q.of_companies) == (kind, target, of_companies)


@pytest.mark.parametrize("question", ["案例集中哪些项目用了光伏？", "有几个项目用了储能？"])
def test_a_word_taking_in_the_grammar_is_no_absent_name(answerer, question):
    q = answerer.engine.analyse(question, "question")
    assert answerer.unknown_names(q.text, q.lang, q.mentions) == []
    assert answerer.ask(question)["answered"] is True
