"""Parser forms of structured questions, in both languages (question → expected parse), on the real lexicon."""

from __future__ import annotations

import pytest

from climatekg.ask.intents import parse


def parsed(answerer, text):
    return parse(answerer.engine.analyse(text, "question"), answerer.lexicon)


@pytest.mark.parametrize("question, kind, places", [
    ("How many case projects are located in Zhejiang province?", "count", ["zhejiang"]),
    ("How many of the case projects are in Shandong?", "count", ["shandong"]),
    ("What is the number of case projects in Beijing?", "count", ["beijing"]),
    ("有几个案例的项目位于浙江省？", "count", ["zhejiang"]),
])
def test_a_count_of_case_projects_in_a_place(answerer, question, kind, places):
    q = parsed(answerer, question)
    assert q.kind == kind and [p["id"] for p in q.places] == places


@pytest.mark.parametrize("question", [
    "携程、联想（北京）和滴滴，谁成立得最早？",
    "Which was founded first: Trip.com, Lenovo (Beijing) or DiDi?",
])
def test_a_place_among_named_companies_names_them_and_constrains_nothing(answerer, question):
    q = parsed(answerer, question)
    assert q.kind == "oldest" and len(q.within) == 3 and not q.places
    res = answerer.ask(question)
    assert {c["case_id"] for c in res["cases"]} == set(q.within)  # every one, with its founding year if stated


def test_a_count_of_case_projects_is_answered_from_the_project_sites(answerer):
    res = answerer.ask("How many case projects are located in Zhejiang province?")
    rows = answerer.query("""SELECT DISTINCT ?id WHERE { ?c ckg:caseId ?id ;
        ckg:projectSite/schema:containedInPlace* <https://w3id.org/climatekg/id/place/zhejiang> }""").dicts()
    assert res["intent"] == "count" and {c["case_id"] for c in res["cases"]} == {r["id"] for r in rows}
    assert res["answer"].startswith(f"{len(rows)}:")


@pytest.mark.parametrize("question", [
    "北京银行和民生银行，谁的绿色贷款更多？哪家成立得更早？",
    "Bank of Beijing or China Minsheng Bank: which has more green lending, and which was founded first?",
])
def test_a_figure_and_the_founding_compared_at_once_answers_both(answerer, question):
    q = parsed(answerer, question)
    assert q.kind != "oldest" and q.indicator_term.key == "financing" and q.comparative
    res = answerer.ask(question)
    founded = answerer.query("""SELECT ?f WHERE { <https://w3id.org/climatekg/id/org/bank-of-beijing> schema:foundingDate ?f }""").dicts()
    assert res["intent"] == "compare_named" and founded and str(founded[0]["f"]) in res["answer"]
    assert {c["case_id"] for c in res["cases"]} == {"case-15", "case-16"}
    assert "1799.12" in res["answer"] and "1415.17" in res["answer"]  # each bank's figure, as printed


@pytest.mark.parametrize("question", [
    "有几个案例来自乳制品或奶牛养殖企业？",
    "How many cases come from dairy companies?",
    "哪些案例来自外卖平台？",
])
def test_cases_from_companies_of_a_kind_are_those_whose_stated_industry_writes_it(answerer, question):
    res = answerer.ask(question)
    industries = answerer.industries()
    words = ("乳制品", "奶牛养殖", "dairy") if "外卖" not in question else ("外卖",)
    expected = {c for c, ind in industries.items() if any(w in ind for w in words)}
    assert expected and {c["case_id"] for c in res["cases"]} == expected
    assert "ckg:industry" in res["sparql"]


def test_a_thing_no_industry_writes_is_still_swept_in_the_text(answerer):
    res = answerer.ask("How many cases mention robots?")
    assert "ckg:industry" not in res["sparql"] and "VALUES ?id" in res["sparql"]
