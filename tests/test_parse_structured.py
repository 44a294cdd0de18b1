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


@pytest.mark.parametrize("text, period", [
    ("哪些公司是上世纪80年代成立的？", (1980, 1989)),
    ("有几家企业成立于2000年以前？", (0, 1999)),
    ("哪些企业是2010年以后成立的？", (2011, 9999)),
    ("Which companies were founded in the 1970s?", (1970, 1979)),
    ("How many companies were founded before 1990?", (0, 1989)),
    ("Which firms have existed since 2015?", (2015, 9999)),
    ("Which companies were founded in 2001?", (2001, 2001)),
    ("Which companies were founded recently?", None),
])
def test_the_founding_period_a_question_asks_about(text, period):
    from climatekg.ask.intents import founding_period

    assert founding_period(text) == period


@pytest.mark.parametrize("question, first, last", [
    ("案例集中哪些企业是上世纪90年代成立的？", 1990, 1999),
    ("How many companies in the collection were founded before 1995?", 0, 1994),
])
def test_companies_by_a_founding_period_are_listed_with_their_years(answerer, question, first, last):
    q = parsed(answerer, question)
    assert q.kind in ("list", "count") and q.target == "companies" and (q.founded_year, q.founded_until) == (first, last)
    res = answerer.ask(question)
    rows = answerer.query("SELECT DISTINCT ?id ?f WHERE { ?c ckg:caseId ?id ; ckg:organisation/schema:foundingDate ?f }").dicts()
    want = {r["id"]: r["f"] for r in rows if first <= int(str(r["f"])) <= last}
    assert want and {c["case_id"] for c in res["cases"]} == set(want)
    assert all(str(y) in res["answer"] for y in want.values())  # each company's founding year is stated


@pytest.mark.parametrize("question, kind", [
    ("案例集里银行提交的案例有几个？", "count"),
    ("这本案例集中，来自供电公司的案例一共有多少个？", "count"),
    ("案例集里来自外卖平台的案例有几个？", "count"),
])
def test_a_count_asked_after_its_noun_is_a_count(answerer, question, kind):
    assert parsed(answerer, question).kind == kind


def test_a_count_of_cases_by_the_kind_of_company_is_answered_from_their_industry(answerer):
    res = answerer.ask("案例集里来自外卖平台的案例有几个？")
    rows = answerer.query("""SELECT DISTINCT ?id WHERE { ?c ckg:caseId ?id ; ckg:organisation/ckg:industry ?i .
        FILTER(CONTAINS(STR(?i), "外卖")) }""").dicts()
    assert res["intent"] == "count" and {c["case_id"] for c in res["cases"]} == {r["id"] for r in rows}


@pytest.mark.parametrize("question, indicator", [
    ("Which generated more electricity from biogas: Mengniu or Modern Dairy?", "power-generation"),
    ("Which of the two banks issued more green loans, Bank of Beijing or China Minsheng Bank?", "financing"),
])
def test_an_indicator_named_by_its_inflected_words_in_any_order(answerer, question, indicator):
    q = parsed(answerer, question)
    assert q.indicator_term is not None and q.indicator_term.key == indicator


@pytest.mark.parametrize("question", [
    "Which Hangzhou-based projects install rooftop solar?",
    "Which cases almost halved their emissions by 2030?",
])
def test_a_superlative_word_inside_another_word_asks_no_superlative(answerer, question):
    assert parsed(answerer, question).kind != "superlative"


@pytest.mark.parametrize("question", [
    "Count the cases whose project is in Sichuan.",
    "Count all companies that report water savings.",
])
def test_count_the_cases_asks_a_count(answerer, question):
    assert parsed(answerer, question).kind == "count"


@pytest.mark.parametrize("question", [
    "Which companies are listed on the Hong Kong stock exchange?",
    "哪些公司在香港联交所上市？",
])
def test_a_listing_venue_is_the_organisations_listing_not_a_recognition(answerer, question):
    q = parsed(answerer, question)
    assert q.exchange and not q.awards
    res = answerer.ask(question)
    rows = answerer.query("""SELECT DISTINCT ?id WHERE { ?c ckg:caseId ?id ; ckg:organisation/ckg:listedOn ?l .
        FILTER(CONTAINS(UCASE(?l), "HK") || CONTAINS(?l, "香港")) }""").dicts()
    assert {c["case_id"] for c in res["cases"]} == {r["id"] for r in rows}


@pytest.mark.parametrize("question", [
    "How many companies commit to carbon neutrality by 2050?",
    "Which companies have committed to net zero?",
])
def test_a_commitment_is_a_stated_target(answerer, question):
    q = parsed(answerer, question)
    assert q.kind in ("list", "count") and q.node_class and q.node_class.endswith("Target")


@pytest.mark.parametrize("question, tech", [
    ("Which cases use heat pumps?", "heat-pump"),
    ("Which projects installed charging piles?", "ev-charging"),
])
def test_an_english_label_in_the_plural_links_its_entity(answerer, question, tech):
    assert tech in [t["id"] for t in parsed(answerer, question).technologies]


@pytest.mark.parametrize("question", [
    "Which projects built electric-vehicle charging piles?",
    "哪些案例建设了电动汽车充电桩？",
])
def test_a_technology_modifying_another_of_its_family_is_no_constraint(answerer, question):
    q = parsed(answerer, question)
    assert q.kind == "list" and [t["id"] for t in q.technologies] == ["ev-charging"]
    res = answerer.ask(question)
    rows = answerer.query("""SELECT DISTINCT ?id WHERE { ?c ckg:caseId ?id ;
        ckg:usesTechnology/skos:broader* <https://w3id.org/climatekg/id/technology/ev-charging> }""").dicts()
    assert {c["case_id"] for c in res["cases"]} == {r["id"] for r in rows}


@pytest.mark.parametrize("question, kind", [
    ("Which cases built charging piles?", "list"),
    ("Which cases report the number of charging piles?", "report"),
    ("哪些案例披露了充电桩数量？", "report"),
])
def test_a_technology_on_an_indicators_words_is_a_list_unless_a_figure_is_asked(answerer, question, kind):
    assert parsed(answerer, question).kind == kind


def test_an_alternative_label_that_reads_as_the_technology_itself_sweeps_no_text(answerer):
    res = answerer.ask("Which cases use solar PV?")
    rows = answerer.query("""SELECT DISTINCT ?id WHERE { ?c ckg:caseId ?id ;
        ckg:usesTechnology/skos:broader* <https://w3id.org/climatekg/id/technology/solar-pv> }""").dicts()
    assert {c["case_id"] for c in res["cases"]} == {r["id"] for r in rows} and "found in the text" not in res["answer"]


@pytest.mark.parametrize("question", [
    "东方汽轮机、余杭区供电公司和能链智电，哪个的充电桩最多？",
    "Among Dongfang Turbine and NaaS Technology, which has the most charging piles?",
])
def test_a_superlative_among_named_companies_compares_those_companies(answerer, question):
    q = parsed(answerer, question)
    assert q.comparative and len(q.named_cases) >= 2
    res = answerer.ask(question)
    assert res["intent"] == "compare_named" and set(q.named_cases) <= {c["case_id"] for c in res["cases"]}
    assert "458" in res["answer"]  # the largest figure, stated
