"""Refusal from evidence, on generic forms in both languages: a question no company anchors is refused when the cases
the search finds never write the thing it asks about (the fact read would be of another thing); a question about an
organisation with no case of its own (a partner, a certifier named in passing) is answered only from a sentence that
names it; a refusal says what the case does state that comes closest, with its lines. And the one-fact answers these
checks sit beside: a question asking several facts states each; a place question answers at the level it asks for."""

from __future__ import annotations

import re

import pytest

from climatekg.ask.intents import parse

SENTENCE = "过去3年，该项目帮助中山工厂能耗下降15%。"


def analysed(answerer, text):
    return parse(answerer.engine.analyse(text, "question"), answerer.lexicon)


@pytest.mark.parametrize("question, absent", [
    ("哪家企业在钢厂建设了封存装置？", "钢厂"),  # the case never writes it, nor the sentence its characters
    ("哪家企业的工厂能耗下降了多少？", None),  # the case and the sentence write every thing it asks about
    ("这家企业的工厂能耗每年下降多少？", None),  # grammar and per-year words are no subject
    ("Which company built a storage plant at a steel mill?", None),  # English: left to the other checks
])
def test_the_things_a_question_asks_about_that_its_case_never_writes(answerer, question, absent):
    got = answerer.unsupported_words(analysed(answerer, question), ["case-01"], SENTENCE)
    assert (absent in got) if absent else got == []


def test_the_collection_and_the_name_asked_for_are_grammar(answerer):
    q = analysed(answerer, "案例集中那家工厂的名字是什么？")
    assert answerer.unsupported_words(q, ["case-01"], SENTENCE) == []


@pytest.mark.parametrize("question, name", [
    ("How much electricity does LanzaTech generate each year?", "LanzaTech"),
    ("SGS每年发电多少度？", "SGS"),
])
def test_an_organisation_named_in_passing_answers_only_from_a_sentence_naming_it(answerer, question, name):
    res = answerer.ask(question)
    assert res["answered"] is False and name in res["answer"]
    # the closest statement of the case is quoted as evidence, with its lines, and no slot is empty
    assert res["citations"] and res["citations"][0]["quote"] in res["answer"]
    assert not re.search(r"“”|mention ,|about  |关于“”|是，见", res["answer"])


@pytest.mark.parametrize("question, answer", [
    ("Which company did LanzaTech partner with?", "Danone"),
    ("SGS为哪家企业的工厂颁发了碳中和证书？", "达能"),
])
def test_a_sentence_naming_the_organisation_answers(answerer, question, answer):
    res = answerer.ask(question)
    assert res["answered"] and answer in res["answer"]
    assert any(x in res["citations"][0]["quote"] for x in ("LanzaTech", "SGS"))


@pytest.mark.parametrize("question, org, described", [
    ("与LanzaTech合作开发包装材料的企业每年减排多少？", "LanzaTech", True),
    ("The company that partnered with LanzaTech cut how much carbon?", "LanzaTech", True),
    ("LanzaTech每年减排多少？", "LanzaTech", False),
    ("How much carbon did LanzaTech capture?", "LanzaTech", False),
])
def test_an_organisation_that_only_describes_the_subject(answerer, question, org, described):
    m = next(m for m in answerer.engine.analyse(question, "question").mentions if m.label == org)
    assert answerer.describes(question, m) is described


@pytest.mark.parametrize("question, figures", [
    # two question words: each ask gets its own sentence
    ("擎洲零碳工场总体降低了多少能耗，基建投资了多少钱？", ["49%", "1.2亿元"]),
    ("国舜集团的零碳工业社区投资了多少钱，占地多少亩？", ["11.8亿元", "222亩"]),
])
def test_a_question_asking_several_facts_states_each(answerer, question, figures):
    res = answerer.ask(question)
    assert res["answered"]
    assert all(f in res["answer"].replace(" ", "") for f in figures), res["answer"]


@pytest.mark.parametrize("question, level", [
    ("这项技术是从哪个国家引进的？", "country"), ("Which country's equipment was imported?", "country"),
    ("工厂在哪个省？", "province"), ("Which province is the plant in?", "province"),
    ("项目落地在哪座城市？", "city"), ("What city hosts the park?", "city"),
    ("项目在哪里？", None), ("Where is the plant?", None),
])
def test_the_level_of_place_a_question_asks_for(question, level):
    from climatekg.ask.select import asked_place_level

    assert asked_place_level(question) == level


@pytest.mark.parametrize("question, province", [("达能中国在哪个省有碳中和工厂？", "湖北"),
                                                ("Which province is Danone China's carbon-neutral plant in?", "Hubei")])
def test_a_city_answers_for_its_province(answerer, question, province):
    res = answerer.ask(question)
    assert res["answered"] and res["answer"].startswith(province)


@pytest.mark.parametrize("question, exact", [
    ("滴滴具体在多少个国家提供出行服务？", True),
    ("Exactly how many countries does DiDi offer mobility services in?", True),
    ("滴滴在多少个国家提供出行服务？", False),  # not asked exactly: the indefinite figure is the answer
])
def test_an_indefinite_figure_does_not_answer_a_question_asking_the_exact_one(answerer, question, exact):
    res = answerer.ask(question)
    if exact:
        # refused, quoting what the case does state: an indefinite count
        assert res["answered"] is False and "十多个" in res["answer"] and res["citations"]
    else:
        assert res["answered"] and "十多个" in res["answer"]


@pytest.mark.parametrize("question, absent", [
    # the thing counted opens with a measure word's character (人工, 人次): the word as written is looked for too
    ("这家超市每月节省多少人工工时？", None),  # 人工 is written; "工工时" (人 read as a measure word) is not
    ("这家超市建了多少个氢能加注站？", "加注站"),  # after the measure word (and the technology named): never written
])
def test_a_counted_thing_that_opens_with_a_measure_word_is_not_absent(answerer, question, absent):
    assert answerer.absent_measure(analysed(answerer, question), ["case-03"]) == absent


@pytest.mark.parametrize("word, unit", [
    ("吨数", True), ("千瓦时数", True), ("亩数", True), ("度数", True),  # the unit a figure is asked in
    ("户数", False), ("格子数", False), ("电量", False), ("吨", False),  # a thing counted, or no unit word
])
def test_a_word_naming_the_unit_asked_is_grammar(word, unit):
    from climatekg.ask.answer import names_unit

    assert names_unit(word) is unit


@pytest.mark.parametrize("question, unknown", [
    ("光伏车棚每年发电的千瓦时数是多少？", []),  # asks the figure in kWh: no subject the collection lacks
    ("沼气发电项目每年节约标准煤的吨数是多少？", []),
    ("光伏车棚每年发电的格子数是多少？", ["格子"]),  # a noun the collection never writes still refuses
])
def test_a_unit_word_does_not_refuse_a_question_the_text_answers(answerer, question, unknown):
    q = analysed(answerer, question)
    assert answerer.unknown_nouns(q.text, q.mentions) == unknown
    assert answerer.ask(question)["answered"] is (not unknown)


@pytest.mark.parametrize("question, name", [
    ("星河能源集团的光伏电站每年发电多少度？", "星河能源集团"),  # an organisation's name the collection never writes
    ("昊铂的工厂每年减排多少吨？", "昊铂"),  # a brand of characters the collection never uses
])
def test_a_chinese_name_the_collection_never_writes_is_refused(answerer, question, name):
    res = answerer.ask(question)
    assert res["answered"] is False and name in res["unknown"] and name in res["answer"]


@pytest.mark.parametrize("question", [
    "有一家物流集团每年用电多少度？",  # a description (一家…集团), not a name
    "金风科技全球风电累计装机容量是多少？",
])
def test_a_description_or_a_known_name_is_no_unknown_name(answerer, question):
    q = answerer.engine.analyse(question, "question")
    spans = [(m.start, m.end) for m in q.mentions] + answerer.grammar_spans(question)
    assert answerer.unwritten_names(question, spans) == []


@pytest.mark.parametrize("question, asked", [
    ("蒙牛有多少名员工？", "员工的数量"),  # counts and capacities of other things: no figure of employees
    ("How many employees does Mengniu have?", "the number of employees"),
])
def test_a_figure_of_another_kind_than_asked_is_refused_with_what_the_case_states(answerer, question, asked):
    res = answerer.ask(question)
    assert res["answered"] is False and asked in res["answer"]
    # the closest statement is quoted with its lines, and no slot is empty
    assert res["citations"] and res["citations"][0]["quote"] in res["answer"]
    assert not re.search(r"“”|mention ,|about  |关于“”|是，见", res["answer"])


@pytest.mark.parametrize("question, figure", [
    ("金风科技全球风电累计装机容量是多少？", "105"),  # a capacity asked: the capacity answers
    ("How much wind capacity has Goldwind installed worldwide?", "105"),
    ("能链智电安吉站共设置了多少个充电车位？", "430"),  # the count of the thing asked, among counts of others
])
def test_a_figure_of_the_asked_kind_is_not_refused(answerer, question, figure):
    res = answerer.ask(question)
    assert res["answered"] and figure in res["answer"]
