"""Comparisons whose subjects are named by their projects or places, not (only) by their companies
(``ask/subjects.py``), and statements matched through a technology's narrower concepts."""

from __future__ import annotations

import pytest

from climatekg.ask.intents import items, parse


def stretches(text):
    return [text[a:b] for a, b in items(text)]


@pytest.mark.parametrize("question, expected", [
    ("甲园区、乙工厂和丙电站，谁的装机最大？", ["甲园区", "乙工厂", "丙电站", "谁的装机最大"]),
    ("甲园区与乙工厂，哪个年减排量更大？", ["甲园区", "乙工厂", "哪个年减排量更大"]),
    ("比较甲的屋顶光伏还是乙的渔光一体", ["比较甲的屋顶光伏", "乙的渔光一体"]),
    ("Which saves more a year: the Alpha plant or the Beta park?",
     ["Which saves more a year", "the Alpha plant", "the Beta park"]),
    ("Rank Alpha, Beta and Gamma by capacity.", ["Rank Alpha", "Beta", "Gamma by capacity"]),
    ("Compare 'Alpha Works' versus (the Beta site)", ["Compare 'Alpha Works", "the Beta site"]),
])
def test_a_coordination_splits_into_its_stretches(question, expected):
    assert stretches(question) == expected


@pytest.mark.parametrize("question, comparative", [
    ("甲、乙、丙三者的年发电量从大到小怎么排？", True),
    ("把甲、乙的装机从多到少排一下", True),
    ("甲和乙的减排量排个序", True),
    ("甲和乙都用了光伏吗？", False),
    ("Rank A and B by output.", True),
    ("Which of A or B generates more a year?", True),
    ("Do A and B both use solar?", False),
])
def test_ranking_words_make_a_comparison(answerer, question, comparative):
    assert parse(answerer.engine.analyse(question, "question"), answerer.lexicon).comparative is comparative


@pytest.mark.parametrize("question, cases", [
    # two projects named by their parks, no company at all
    ("天宁1号园区与鸿雁园区，哪个光伏装机更大？", {"case-18", "case-25"}),
    # one company with two cases: each stretch is the case its own words (the city) pick
    ("国网余杭和国网徐州，谁的年减排量更大？", {"case-18", "case-19"}),
    ("State Grid Yuhang or State Grid Xuzhou: which cuts more CO2 emissions a year?", {"case-18", "case-19"}),
])
def test_subjects_named_by_their_projects_are_compared_from_the_graph(answerer, question, cases):
    res = answerer.ask(question)
    assert res["intent"] == "compare_named"
    assert {c["case_id"] for c in res["cases"]} == cases
    assert res["answered"] and all(c in res["answer"] for c in cases)  # each subject stated with its figure


def test_an_indicator_inside_a_subject_describes_it_and_the_measure_is_named_outside(answerer):
    # "…电站" names the facilities indicator inside a subject; what is ranked is the capacity named after them
    res = answerer.ask("天宁1号园区与鸿雁园区的电站，哪个光伏装机更大？")
    assert res["intent"] == "compare_named" and res["sparql"]
    assert "indicator/capacity" in res["sparql"]
    assert "5.3MW" in res["answer"] and "0.4MWp" in res["answer"]


def test_companies_named_alone_keep_their_own_cases(answerer):
    # named by their companies only: the subjects add nothing and the comparison is the companies'
    q = parse(answerer.engine.analyse("达能和正泰新能谁的光伏装机更大？", "question"), answerer.lexicon)
    from climatekg.ask.subjects import resolve
    assert resolve(answerer, q).subjects == []
    assert answerer.ask("达能和正泰新能谁的光伏装机更大？")["intent"] == "compare_named"


@pytest.mark.parametrize("question", ["Which companies hold a zero-carbon certificate?",
                                      "哪些案例获得过碳中和或零碳认证？"])
def test_a_certificate_of_a_narrower_technology_counts_for_the_broader_one(answerer, question):
    # a zero-carbon factory certificate is a zero-carbon / carbon-neutral certificate (the technology's narrower concept)
    res = answerer.ask(question)
    got = {c["case_id"] for c in res["cases"]}
    assert {"case-01", "case-11", "case-23", "case-25"} <= got
    # the statements matched are certificates, each named beside its case
    assert "零碳工厂" in res["sparql"] and ("证书" in res["answer"] or "certif" in res["answer"].lower())
