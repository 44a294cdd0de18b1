"""A one-fact question about a company of the collection asking a figure its case never states: the figure the
selector would read says nothing of what the question asks (its clause holds little of the question's words, its
sentence names none of the things the question names), so the question is refused, quoting that figure as the
closest the case states. Figures the case does state are still answered, in both languages."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("question", [
    "How many employees does Trip.com have?",
    "What was Mengniu's research spending in 2022?",
])
def test_a_figure_of_something_else_is_refused_with_the_closest_quoted(answerer, question):
    res = answerer.ask(question)
    assert not res["answered"], res["answer"]
    assert "does not state" in res["answer"] and res["citations"]  # the closest figure, quoted


@pytest.mark.parametrize("question, figure", [
    ("通威“渔光一体”截至2022年底累计上网电量是多少？", "91.63亿度"),
    ("蒙牛2023年绿电使用量是多少？", "3344万千瓦时"),
    ("How much biogas did Modern Dairy produce in 2022?", "1.65亿Nm3"),
    ("How many fixtures were replaced in Trip.com's headquarters LED retrofit?", "12571"),
])
def test_a_figure_the_case_states_is_still_answered(answerer, question, figure):
    res = answerer.ask(question)
    assert res["answered"] and figure in res["answer"], res["answer"]
