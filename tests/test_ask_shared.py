"""One fact several named companies share: the question names two or more companies of the collection and asks,
with a word of sharing, for the one thing each case states; the answer is what their cases state in common, with a
quote from each case. A question asking each company's own fact, or comparing figures, is not of this form."""

from __future__ import annotations

import pytest

from climatekg.ask.intents import parse
from climatekg.ask.shared import asks_shared, named_cases


def analysed(answerer, text):
    q = parse(answerer.engine.analyse(text, "question"), answerer.lexicon)
    q.query = answerer.engine.analyse(text, "question")
    return q


@pytest.mark.parametrize("question, shared", [
    ("北京银行和民生银行都是哪一年成立的？", True),
    ("Bank of Beijing and China Minsheng Bank were both founded in which year?", True),
    ("通威和东方汽轮机的项目在同一个省，是哪个省？", True),
    ("Which province do Tongwei and Dongfang Turbine share?", True),
    # each company's own fact, not a shared one
    ("北京银行和民生银行分别是哪一年成立的？", False),
    ("When were Bank of Beijing and China Minsheng Bank founded, respectively?", False),
    # one company named: nothing to intersect
    ("蒙牛的牧场都在哪个省？", False),
    # a comparison of figures
    ("现代牧业和蒙牛都在用沼气发电，谁的发电量更多？", False),
])
def test_which_questions_ask_for_a_shared_fact(answerer, question, shared):
    assert asks_shared(analysed(answerer, question)) is shared


@pytest.mark.parametrize("question, fact, cases", [
    ("北京银行和民生银行都是哪一年成立的？", "1996", ["case-15", "case-16"]),
    ("Bank of Beijing and China Minsheng Bank were both founded in which year?", "1996", ["case-15", "case-16"]),
    # a place of the asked level: each project's city rolled up to its province
    ("通威和东方汽轮机的项目在同一个省，是哪个省？", "四川", ["case-17", "case-20"]),
    ("Tongwei and Dongfang Turbine both run projects in the same province. Which province?", "Sichuan",
     ["case-17", "case-20"]),
])
def test_a_shared_fact_is_stated_with_a_quote_from_each_case(answerer, question, fact, cases):
    res = answerer.ask(question)
    assert res["answered"] and res["intent"] == "shared", res["answer"]
    assert res["answer"].startswith(fact), res["answer"]
    assert sorted({c["case_id"] for c in res["citations"]}) == cases
    if question.isascii():  # an English question is answered in English; the quotes stay as evidence
        assert "shared by" in res["answer"] and res["fact"]["en"]


@pytest.mark.parametrize("sentence, name, not_names", [
    # a thing with no name kind is a run of words that ends on a noun and holds no grammar word
    ("园区建成了光伏车棚和储能电站。", "储能电站", ["建成", "光伏车棚和储能电站", "建成了光伏车棚"]),
    ("园区建成了光伏车棚和储能电站。", "光伏车棚", ["了", "和储能"]),
])
def test_candidate_words_are_runs_of_words_that_name_a_thing(answerer, sentence, name, not_names):
    words = {c.zh for c in answerer.shared.candidates(sentence, "text", None)}
    assert name in words
    assert not words & set(not_names)


@pytest.mark.parametrize("word", ["光伏车棚", "绿色金融", "碳账户"])
def test_a_shared_word_has_an_english_rendering_from_the_dictionary(answerer, word):
    from climatekg.ask.shared import Candidate

    en = answerer.shared.english(Candidate(word, word, "", "word"))
    assert en and en.isascii(), en


def test_named_cases_keep_the_order_of_the_question(answerer):
    q = analysed(answerer, "民生银行和北京银行都成立于哪一年？")
    assert named_cases(q) == ["case-16", "case-15"]
