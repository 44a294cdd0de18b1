"""Questions that follow a relation (``ask/hops.py``) and questions about the companies a question names together:
the founding order of named companies, the cases linked to an organisation that has no case of its own, a fact of
the organisation a company's property leads to, and an organisation named in one case followed to the others."""

from __future__ import annotations

import pytest

from climatekg.ask.intents import parse
from climatekg.ask.sweep import narrower


def analysed(answerer, text):
    return parse(answerer.engine.analyse(text, "question"), answerer.lexicon)


def cited(res):
    return list(dict.fromkeys(c["case_id"] for c in res["citations"]))


@pytest.mark.parametrize("question, cases", [
    ("Which of Gree, Lenovo and Mengniu was founded first?", ["case-06", "case-10", "case-12"]),
    ("格力、联想和蒙牛哪家成立得更早？", ["case-06", "case-10", "case-12"]),
    ("Put Bank of Beijing and China Minsheng Bank in order of founding.", ["case-15", "case-16"]),
    ("请按成立时间先后排列北京银行和民生银行。", ["case-15", "case-16"]),
])
def test_founding_order_of_named_companies_parses_to_the_oldest_among_them(answerer, question, cases):
    q = analysed(answerer, question)
    assert (q.kind, q.target, q.top_n, sorted(q.within)) == ("oldest", "companies", 0, cases)
    sparql, _ = answerer.build_sparql(q)
    # restricted to the named companies' cases, not to cases partnered with them
    assert "VALUES ?id" in sparql and "ckg:partner" not in sparql and "schema:foundingDate" in sparql


def test_founding_order_answer_lists_each_named_company_by_year(answerer):
    res = answerer.ask("Which of Gree, Lenovo and Mengniu was founded first?")
    assert res["intent"] == "oldest" and sorted(c["case_id"] for c in res["cases"]) == ["case-06", "case-10", "case-12"]
    assert res["answer"].index("1991") < res["answer"].index("1999")  # Gree (1991) before Mengniu (1999)
    assert "not stated" in res["answer"]  # a named company without a founding year in the graph is said, not dropped


@pytest.mark.parametrize("question, org", [
    ("哪些企业与中国建筑节能协会有合作？", "cabee"),
    ("Which companies in the collection work with the China Association of Building Energy Efficiency?", "cabee"),
])
def test_which_companies_an_organisation_without_a_case_links_is_a_list(answerer, question, org):
    q = analysed(answerer, question)
    assert q.kind == "list" and [o["id"] for o in q.orgs] == [org]
    res = answerer.ask(question)
    assert sorted(c["case_id"] for c in res["cases"]) == ["case-08", "case-13"] and res["sparql"]


def test_names_of_a_named_companys_partners_stay_a_one_fact_question(answerer):
    q = analysed(answerer, "国舜集团和哪些单位一起获得了资金扶持？")
    assert q.kind is None and q.answer_type == "organisation"


@pytest.mark.parametrize("question, figure", [
    ("现代牧业股东的工厂分布式光伏总装机是多少？", "17"),
    ("What is the distributed PV capacity at the factories of Modern Dairy's major shareholder?", "17"),
])
def test_a_fact_of_the_organisation_a_property_leads_to(answerer, question, figure):
    res = answerer.ask(question)
    assert res["answered"] and res["intent"] == "two_hop"
    # the first hop (the shareholder, from the graph, cited in the company's case), then the fact from its own case
    assert cited(res)[:2] == ["case-26", "case-06"] and ("蒙牛" in res["answer"] or "Mengniu" in res["answer"])
    assert figure in res["answer"]


@pytest.mark.parametrize("question", [
    "国舜集团的近零能耗建筑是哪个协会发布认定的？还有哪家企业引用了这个协会的统计？",
    "Which association certified Guoshun's near-zero-energy building, and which other company cites that association's statistics?",
])
def test_an_organisation_named_in_the_answer_is_followed_to_its_other_cases(answerer, question):
    res = answerer.ask(question)
    assert res["intent"] == "two_hop" and cited(res) == ["case-08", "case-13"]
    assert "中国建筑节能协会" in res["answer"]


def test_no_relation_is_followed_when_the_question_asks_nothing_further(answerer):
    res = answerer.ask("国舜集团的近零能耗建筑是谁认定的？")
    assert res["intent"] == "extractive" and cited(res) == ["case-08"]


@pytest.mark.parametrize("question, cases, words", [
    ("哪些案例用了智能排产？", ["case-12"], "智能排产"),
    ("Which cases run a lighthouse factory?", ["case-09", "case-12"], "灯塔工厂"),
])
def test_a_list_of_something_narrower_than_a_technology_is_read_from_the_text(answerer, question, cases, words):
    # the words link a broad technology (smart manufacturing, in five cases) through an alternative label: the cases
    # whose text writes them answer, each with the sentence that does, and the query says so
    res = answerer.ask(question)
    assert res["intent"] == "list" and [c["case_id"] for c in res["cases"]] == cases
    assert "VALUES ?id" in res["sparql"] and words in res["sparql"] and "usesTechnology" not in res["sparql"]
    assert cited(res) == cases and all(words in c["quote"].replace(" ", "") for c in res["citations"])


@pytest.mark.parametrize("question", ["哪些案例用了光伏？", "Which cases use photovoltaics?"])
def test_a_technology_named_by_its_own_name_stays_the_graphs(answerer, question):
    res = answerer.ask(question)
    assert res["intent"] == "list" and "usesTechnology" in res["sparql"] and "VALUES ?id" not in res["sparql"]


@pytest.mark.parametrize("forms, zh, kept", [
    (["新能源车", "电动汽车"], "新能源汽车", []),  # synonyms: they end as the preferred label does (车)
    (["太阳能路灯", "光伏组件"], "光伏", ["太阳能路灯", "光伏组件"]),  # other things: a street lamp, a module
])
def test_narrower_forms_are_those_with_another_head(forms, zh, kept):
    assert narrower(forms, {"zh": zh}) == kept
