"""The query-string reading every route shares (service/params.py): ``percent_decode`` gives what urllib gives,
``query_pairs`` what werkzeug's ``Request.args`` gives — or None exactly where ``reject_bad_encoding`` refuses."""

from __future__ import annotations

import random
from urllib.parse import unquote_to_bytes

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from climatekg.service.errors import BadRequest
from climatekg.service.params import percent_decode, query_pairs, reject_bad_encoding

RAW = [
    b"", b"query=ASK%7B%7D", b"query=a+b&format=json", b"a&b=&=c&&d=1=2", b"query=%E5%85%89%E4%BC%8F",
    b"q=%zz%4", b"q=%5C%5Cx41", b"q=\\x41%41", b"q=100%", b"q=%E5%85", b"q=%00", b"%00=1", b"q=%C3%28",
    b"q=%ED%A0%80", b"timeout=5&timeout=6", b"q=%2B+%2b", b"q=%", b"q=%%41",
]


def _request(raw: bytes) -> Request:
    return Request(EnvironBuilder(path="/sparql", query_string=raw.decode("latin-1")).get_environ())


def test_percent_decode_is_urllibs_on_random_text():
    pieces = [b"%", b"\\", b"x", b"4", b"1", b"A", b"f", b"g", b"+", b"\n", b"\xe4", b"\x00", b"%4", b"%41",
              b"%5C", b"%5c", b"%%", b"\\x41", b"\\\\", b"0", b" ", b"%e5%85%89"]
    rnd = random.Random(12)
    for _ in range(20000):
        raw = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        assert percent_decode(raw) == unquote_to_bytes(raw.replace(b"+", b" ")), raw


@pytest.mark.parametrize("raw", RAW)
def test_query_pairs_are_werkzeugs_args_or_none_where_the_request_is_refused(raw):
    req = _request(raw)
    try:
        reject_bad_encoding(req)
        refused = False
    except BadRequest:
        refused = True
    pairs = query_pairs(raw)
    assert (pairs is None) == refused
    if pairs is not None:
        assert pairs == list(req.args.items(multi=True))


def test_a_query_string_that_is_not_ascii_goes_the_general_way():
    raw = "q=光伏".encode()
    assert query_pairs(raw) is None
    reject_bad_encoding(_request(raw))  # valid UTF-8: not refused
