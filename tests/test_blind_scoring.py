"""The blind sets' scorer: a date is the same fact in any of the usual formats (both directions)."""

import pytest

from climatekg.ask.blind import Matcher, dates


@pytest.mark.parametrize("expected, answer, stated", [
    ("5 December 2022", "December 5, 2022. Source: …", True),
    ("December 5, 2022", "于2022年12月5日立项", True),
    ("2022-12-05", "on 5 Dec. 2022", True),
    ("2022年12月5日", "December 5, 2022", True),
    ("December 2022", "2022年12月", True),
    ("June 2012", "成立于2012年6月", True),
    ("5 December 2022", "December 6, 2022", False),  # another day
    ("December 2022", "November 2022", False),
])
def test_a_date_is_stated_in_any_format(expected, answer, stated):
    assert Matcher().stated(expected, answer) is stated


def test_a_fuller_date_is_read_once():
    assert dates("5 December 2022") == {(2022, 12, 5)}
    assert dates("2022年12月") == {(2022, 12, 0)}
