"""Question analysis: the parse of questions in both languages, and the lexicon that drives it.

The lexicon is the graph's own labels; a term added to the graph with its labels becomes askable without code.
"""

from __future__ import annotations

import pytest

from conftest import store_runner

from climatekg.ask.intents import parse
from climatekg.ask.select import answer_type, asked_unit


def analysed(answerer, text):
    return parse(answerer.engine.analyse(text), answerer.lexicon)


@pytest.mark.parametrize("question, expected", [
    # structured: lists, counts, comparisons
    ("哪些案例涉及沼气？", {"kind": "list"}),
    ("每年减排二氧化碳不到1000吨的项目有哪些？",
     {"kind": "compare", "indicator": "co2-reduction", "comparator": "<", "amount": 1000, "period": "annual"}),
    ("光伏装机超过10MW的项目有哪些？", {"kind": "compare", "indicator": "capacity", "comparator": ">", "amount": 10000}),
    ("Which cases report annual CO2 reductions above 100,000 tonnes?",
     {"kind": "compare", "indicator": "co2-reduction", "comparator": ">", "amount": 100000, "period": "annual"}),
    ("cases that cut more than 0.1 Mt of CO2 a year", {"kind": "compare", "comparator": ">", "amount": 100000}),
    ("案例集里有几家银行？", {"kind": "count", "org_kind": "Bank"}),
    ("How many of the companies are banks?", {"kind": "count", "org_kind": "Bank"}),
    # facts about a company
    ("格力电器是哪一年成立的？", {"kind": "attribute", "attribute": "founded", "answer_type": "date"}),
    ("When was Gree Electric founded?", {"kind": "attribute", "attribute": "founded", "answer_type": "date"}),
    ("蒙牛的股东是谁？", {"kind": "property", "attribute": "shareholder", "answer_type": "organisation"}),
    ("Who are the shareholders of Mengniu?", {"kind": "property", "attribute": "shareholder"}),
    # one-fact questions: the kind of answer and the unit asked for
    ("达能屋顶光伏一共装了多少兆瓦？", {"kind": None, "answer_type": "quantity", "unit": "kW"}),
    ("How many tonnes of plastic did Meituan recycle?", {"kind": None, "answer_type": "quantity", "unit": "t"}),
    ("Which organisation certified Gree's plant?", {"kind": None, "answer_type": "organisation"}),
    ("青岛啤酒的污水项目在哪个城市？", {"kind": None, "answer_type": "place"}),
    ("In what year did Didi start its carbon account?", {"kind": None, "answer_type": "date"}),
    # places: the project's site unless the question asks what the text mentions
    ("哪些案例的项目在江苏省？", {"kind": "list", "place_mentions": False}),
    ("Which cases have projects in Zhejiang?", {"kind": "list", "place_mentions": False}),
    ("哪些案例提到了上海？", {"kind": "list", "place_mentions": True}),
    # statements a case makes (targets, recognitions): their kind, year and words, from the lexicon's concepts
    ("哪些企业设定了2050年碳中和目标？", {"kind": "list", "node_year": 2050, "target": "companies"}),
    ("How many companies have a net-zero target for FY2049/50?", {"kind": "count", "node_year": 2050}),
    ("Which cases hold a carbon-neutral certificate?", {"kind": "list", "node_year": None}),
    ("有几个案例获得了奖项？", {"kind": "count", "node_keys": []}),
])
def test_parse(answerer, question, expected):
    q = analysed(answerer, question)
    got = {k: getattr(q, k) for k in expected}
    assert got == expected


@pytest.mark.parametrize("text, kind", [
    ("什么时候开始的？", "date"), ("when did it start", "date"), ("在哪里建的？", "place"), ("where is it", "place"),
    ("是谁认证的？", "organisation"), ("which body issued it", "organisation"), ("有多少？", "quantity"),
    ("how much was saved", "quantity"), ("介绍一下这个项目", "text"), ("describe the project", "text"),
])
def test_answer_type(text, kind):
    assert answer_type(text) == kind


@pytest.mark.parametrize("text, unit", [
    ("减少了多少吨二氧化碳", "t"), ("how many tonnes", "t"), ("多少兆瓦", "kW"), ("how many MW", "kW"),
    ("how many kWh a year", "kWh"), ("多少亩", "m2"), ("有多少？", None),
])
def test_asked_unit(text, unit):
    assert asked_unit(text) == unit


def test_lexicon_reads_the_ontology_labels(answerer):
    lex = answerer.lexicon
    ind = lex.by_code["co2-reduction"]
    assert "碳减排量" in ind.labels_zh and "CO₂ emissions reduced" in ind.labels_en and ind.units[0] == "t"
    found = {m.term.key for m in lex.find("Which banks report green credit and emission reduction?")}
    assert {"Bank", "financing", "co2-reduction"} <= {k.replace("-", "_") if k == "financing" else k for k in found}
    assert lex.is_subclass(lex.by_iri[next(t.iri for t in lex.terms if t.key == "Bank")], "Organisation")


EXTRA = """
@prefix ckg: <https://w3id.org/climatekg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix ind: <{base}id/indicator/> .

ckg:auditor a owl:ObjectProperty ; rdfs:domain ckg:Organisation ; rdfs:range ckg:Organisation ;
    rdfs:label "审计机构"@zh, "auditor"@en ; skos:altLabel "审计方"@zh, "audit firm"@en .
<{base}id/org/test-auditor> a ckg:Organisation ; rdfs:label "测试审计所"@zh, "Test Audit LLP"@en .
<{org}> ckg:auditor <{base}id/org/test-auditor> .

ind:noise-level a ckg:Indicator, skos:Concept ; skos:prefLabel "噪声水平"@zh, "noise level"@en ;
    skos:altLabel "噪音"@zh, "noise"@en .
<{base}id/case/case-03/outcome/999> schema:value 12.5 ; ckg:unitSymbol "dB" ; ckg:measures ind:noise-level ;
    ckg:surface "12.5 dB" ; ckg:quote "噪声降低 12.5 dB" ; ckg:startLine 1 .
<{base}id/case/case-03> ckg:reportsOutcome <{base}id/case/case-03/outcome/999> .
"""


def test_a_relation_or_indicator_added_with_its_labels_becomes_askable(built_settings, search_engine):
    """No code names 'auditor' or 'noise level': their labels in the graph are enough to ask about them."""
    import pyoxigraph as ox

    from climatekg.ask.answer import Answerer, Rows  # noqa: F401
    from climatekg.graph.store import OxigraphStore

    store = OxigraphStore(built_settings.build_dir)
    org = next(e for e in search_engine.entities if e["kind"] == "org" and e["id"] == "mengniu")
    store.store.load(EXTRA.format(base=built_settings.base_iri, org=org["iri"]).encode(), format=ox.RdfFormat.TURTLE)

    a = Answerer.load(built_settings, engine=search_engine, run=store_runner(store))
    res = a.ask("Who is the auditor of Mengniu?")
    assert res["intent"] == "property" and "Test Audit LLP" in res["answer"]
    res = a.ask("蒙牛的审计机构是哪家？")
    assert res["intent"] == "property" and "测试审计所" in res["answer"]
    q = parse(search_engine.analyse("Which cases report a noise level above 10 dB?"), a.lexicon)
    assert q.indicator == "noise-level"
    res = a.ask("Which case reports the highest noise level?")
    assert res["intent"] == "superlative" and [c["case_id"] for c in res["cases"]] == ["case-03"]
    assert res["figures"][0]["value"] == 12.5


def test_statement_questions_name_their_class_and_kind(answerer):
    q = analysed(answerer, "哪些企业设定了2050年碳中和目标？")
    assert q.node_class.endswith("#Target") and [c.key for c in q.node_concepts] == ["carbon-neutrality"]
    q = analysed(answerer, "Which companies have a net zero or carbon-neutrality target?")
    assert {c.key for c in q.node_concepts} == {"net-zero", "carbon-neutrality"}
    q = analysed(answerer, "Which cases hold a carbon-neutral certificate?")
    assert q.node_class.endswith("#RecognitionEvent") and [c.key for c in q.node_concepts] == ["certification"]
    assert any("碳中和" in g for g in q.node_keys)  # the other concept's words: what the certificate's title says
    q = analysed(answerer, "哪些案例获得了绿色工厂称号？")  # the question's own words, the generic one dropped
    assert [c.key for c in q.node_concepts] == ["designation"] and any("绿色工厂" in g for g in q.node_keys)
    assert not any(g == ["绿色"] for g in q.node_keys)


KIND_EXTRA = """
@prefix ckg: <https://w3id.org/climatekg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{base}id/target-kind/water-neutrality> a ckg:TargetKind ; skos:prefLabel "水中和"@zh, "water neutrality"@en ;
    skos:altLabel "水资源中和"@zh, "water neutral"@en .
<{base}id/case/case-03/target/999> a ckg:Target ; ckg:targetKind <{base}id/target-kind/water-neutrality> ;
    ckg:targetYear "2040"^^xsd:gYear ; rdfs:label "2040年水中和目标"@zh, "water neutrality by 2040"@en ;
    ckg:quote "（测试）2040年实现水中和" ; ckg:startLine 1 .
<{base}id/case/case-03> ckg:statesTarget <{base}id/case/case-03/target/999> .
"""


def test_a_target_kind_added_with_its_labels_becomes_askable(built_settings, search_engine):
    """No code names 'water neutrality': a target kind with its labels, and a target of that kind, are enough."""
    import pyoxigraph as ox

    from climatekg.ask.answer import Answerer
    from climatekg.graph.store import OxigraphStore

    store = OxigraphStore(built_settings.build_dir)
    store.store.load(KIND_EXTRA.format(base=built_settings.base_iri).encode(), format=ox.RdfFormat.TURTLE)
    a = Answerer.load(built_settings, engine=search_engine, run=store_runner(store))
    for question in ("Which companies have set a water-neutral target for 2040?", "哪些企业提出了水中和目标？"):
        res = a.ask(question)
        assert res["sparql"] and [c["case_id"] for c in res["cases"]] == ["case-03"], question
        assert "water-neutrality" in res["sparql"]
    res = a.ask("Which companies have set a water-neutral target for 2035?")  # no target of that year
    assert "case-03" not in [c["case_id"] for c in res["cases"]] or not res["sparql"]
