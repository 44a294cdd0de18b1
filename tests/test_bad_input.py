"""Bad input on every route: each is a 4xx JSON error with a message — never a 500 — and the service keeps serving."""

from __future__ import annotations

import json
import math
import re

import pytest

GOOD = "/api/cases"
HUGE = "a" * 100_000


def assert_error(resp, status: int | tuple[int, ...]):
    statuses = status if isinstance(status, tuple) else (status,)
    body = resp.get_data(as_text=True)
    assert resp.status_code in statuses, (resp.status_code, body[:300])
    assert resp.mimetype == "application/json", (resp.mimetype, body[:300])
    err = json.loads(body)["error"]
    assert err["status"] == resp.status_code
    assert isinstance(err["message"], str) and len(err["message"]) > 5
    assert isinstance(err["code"], str)
    return err


def still_serving(client):
    r = client.get(GOOD)
    assert r.status_code == 200 and r.get_json()["count"] == 26


JSON = "application/json"

# (method, path, request kwargs, expected status)
BAD = [
    # /api/cases
    ("GET", "/api/cases?foo=1", {}, 400),
    ("GET", "/api/cases?" + "x" * 5000 + "=1", {}, 400),
    ("GET", "/api/cases?%ff=1", {}, 400),
    # /api/cases/<id>
    ("GET", "/api/cases/case-99", {}, 404),
    ("GET", "/api/cases/case-1", {}, 404),
    ("GET", "/api/cases/CASE-01", {}, 404),
    ("GET", "/api/cases/%ff%fe", {}, 404),
    ("GET", "/api/cases/" + "x" * 5000, {}, 404),
    ("GET", "/api/cases/case-01?k=1", {}, 400),
    ("GET", "/api/cases/case-01?%ff", {}, 400),
    # /api/search
    ("GET", "/api/search", {}, 400),
    ("GET", "/api/search?q=", {}, 400),
    ("GET", "/api/search?q=%20%20%20", {}, 400),
    ("GET", "/api/search?q=%ff%fe", {}, 400),
    ("GET", "/api/search?q=%E8%BE%BE%ff", {}, 400),
    ("GET", "/api/search?q=a%00b", {}, 400),
    ("GET", "/api/search?q=" + "a" * 1001, {}, 413),
    ("GET", "/api/search?q=" + HUGE, {}, 413),
    ("GET", "/api/search?q=solar&k=0", {}, 400),
    ("GET", "/api/search?q=solar&k=51", {}, 400),
    ("GET", "/api/search?q=solar&k=-1", {}, 400),
    ("GET", "/api/search?q=solar&k=abc", {}, 400),
    ("GET", "/api/search?q=solar&k=1.5", {}, 400),
    ("GET", "/api/search?q=solar&k=" + "9" * 400, {}, 400),
    ("GET", "/api/search?q=solar&k=%ff", {}, 400),
    ("GET", "/api/search?q=solar&year=abc", {}, 400),
    ("GET", "/api/search?q=solar&year=99999", {}, 400),
    ("GET", "/api/search?q=solar&section=s9", {}, 400),
    ("GET", "/api/search?q=solar&section=" + "x" * 201, {}, 413),
    ("GET", "/api/search?q=solar&technology=warp-drive", {}, 400),
    ("GET", "/api/search?q=solar&location=atlantis", {}, 400),
    ("GET", "/api/search?q=solar&qq=1", {}, 400),
    ("GET", "/api/search?query=solar", {}, 400),
    ("GET", "/api/search?q=a&q=b", {}, 400),
    # /api/cases/<id>/similar
    ("GET", "/api/cases/case-99/similar", {}, 404),
    ("GET", "/api/cases/case-01/similar?k=0", {}, 400),
    ("GET", "/api/cases/case-01/similar?k=26", {}, 400),
    ("GET", "/api/cases/case-01/similar?k=abc", {}, 400),
    ("GET", "/api/cases/case-01/similar?n=3", {}, 400),
    ("GET", "/api/cases/case-01/similar?k=%ff", {}, 400),
    # /api/similar
    ("POST", "/api/similar", {"data": '{"text": "沼气"}'}, 415),
    ("POST", "/api/similar", {"data": '{"text": "沼气"}', "content_type": "text/plain"}, 415),
    ("POST", "/api/similar", {"data": {"text": "沼气"}}, 415),  # a form
    ("POST", "/api/similar", {"data": '{"text": "沼气"}', "content_type": "application/json; charset=latin-1"}, 415),
    ("POST", "/api/similar", {"data": "not json", "content_type": JSON}, 400),
    ("POST", "/api/similar", {"data": '{"text": "沼气"', "content_type": JSON}, 400),
    ("POST", "/api/similar", {"data": "", "content_type": JSON}, 400),
    ("POST", "/api/similar", {"data": "[1, 2]", "content_type": JSON}, 400),
    ("POST", "/api/similar", {"data": '"沼气"', "content_type": JSON}, 400),
    ("POST", "/api/similar", {"data": b'{"text": "\xff\xfe"}', "content_type": JSON}, 400),
    ("POST", "/api/similar", {"data": b"\xff\xfe\x00", "content_type": JSON}, 400),
    ("POST", "/api/similar", {"json": {}}, 400),
    ("POST", "/api/similar", {"json": {"text": ""}}, 400),
    ("POST", "/api/similar", {"json": {"text": "   "}}, 400),
    ("POST", "/api/similar", {"json": {"text": None}}, 400),
    ("POST", "/api/similar", {"json": {"text": 5}}, 400),
    ("POST", "/api/similar", {"json": {"text": ["沼气"]}}, 400),
    ("POST", "/api/similar", {"json": {"txt": "沼气"}}, 400),
    ("POST", "/api/similar", {"json": {"text": "沼气", "k": 0}}, 400),
    ("POST", "/api/similar", {"json": {"text": "沼气", "k": 26}}, 400),
    ("POST", "/api/similar", {"json": {"text": "沼气", "k": "abc"}}, 400),
    ("POST", "/api/similar", {"json": {"text": "沼气", "k": True}}, 400),
    ("POST", "/api/similar", {"json": {"text": "沼气", "k": 2.5}}, 400),
    ("POST", "/api/similar", {"json": {"text": "沼" * 5001}}, 413),
    ("POST", "/api/similar", {"json": {"text": HUGE}}, 413),
    ("POST", "/api/similar?k=5", {"json": {"text": "沼气"}}, 400),
    # inputs that once were 500s: lone surrogate escapes, deep nesting, null, NUL on every route
    ("POST", "/api/ask", {"data": '{"q": "\\ud800x"}', "content_type": JSON}, 400),
    ("POST", "/api/similar", {"data": '{"text": "\\udc00abc"}', "content_type": JSON}, 400),
    ("POST", "/api/similar", {"data": '{"text": "沼气", "\\ud800": 1}', "content_type": JSON}, 400),
    ("POST", "/api/similar", {"data": "[" * 5000 + "]" * 5000, "content_type": JSON}, 400),
    ("POST", "/api/similar", {"data": '{"text": "沼气", "k": ' + "[" * 5000 + "]" * 5000 + "}", "content_type": JSON},
     400),
    ("POST", "/api/similar", {"data": '{"text": ' + "{\"a\": " * 40 + "1" + "}" * 40 + "}", "content_type": JSON}, 400),
    ("POST", "/api/ask", {"data": "[" * 5000 + "]" * 5000, "content_type": JSON}, 400),
    ("POST", "/api/similar", {"json": {"text": "沼气", "k": None}}, 400),
    ("POST", "/api/ask", {"json": {"q": None}}, 400),
    ("POST", "/api/ask", {"json": {"q": "沼气\x00"}}, 400),
    ("POST", "/api/ask", {"data": {"q": "沼气\x00"}}, 400),
    ("POST", "/api/similar", {"json": {"text": "沼气\x00"}}, 400),
    ("GET", "/api/ask?q=a%00b", {}, 400),
    ("GET", "/api/ask?q=" + "a" * 1001, {}, 413),
    ("GET", "/api/ask?q=solar&k=3", {}, 400),
    ("GET", "/api/cases?x=%00", {}, 400),
    ("GET", "/id/case/case-01%00", {}, 400),
    ("GET", "/sparql?query=ASK%20%7B%7D%00", {}, 400),
    ("POST", "/sparql", {"data": {"query": "ASK {}\x00"}}, 400),
    # pages: lang is zh or en
    ("GET", "/?lang=AAA", {}, 400),
    ("GET", "/cases?lang=xx", {}, 400),
    ("GET", "/cases/case-01?lang=" + "z" * 300, {}, 400),
    # /id/<path>
    ("GET", "/id/nope", {}, 404),
    ("GET", "/id/case/case-99", {}, 404),
    ("GET", "/id/technology/warp-drive", {}, 404),
    ("GET", "/id/%ff%fe", {}, 404),
    ("GET", "/id/" + "a" * 5000, {}, 404),
    ("GET", "/id/case/case-01%3E%20%3Fp%20%3Fo%20%7D", {}, 404),  # "case-01> ?p ?o }": no SPARQL injection
    ("GET", "/id/case/case-01?format=xyz", {}, 400),
    ("GET", "/id/case/case-01?format=" + HUGE, {}, 400),
    ("GET", "/id/case/case-01?format=%ff", {}, 400),
    ("GET", "/id/case/case-01", {"headers": {"Accept": "image/png"}}, 406),
    # /ontology, /openapi.json
    ("GET", "/ontology?format=xyz", {}, 400),
    ("GET", "/ontology", {"headers": {"Accept": "image/png"}}, 406),
    ("GET", "/openapi.json?%ff%fe", {}, 400),
    # /sparql (SPARQL 1.1 Protocol: a missing or malformed query is a 400; a body it cannot read a 415)
    ("GET", "/sparql", {"headers": {"Accept": "image/png"}}, 406),  # no query: the service description
    ("GET", "/sparql?format=xyz", {}, 400),
    ("GET", "/sparql?query=SELECT%20%2A%20WHERE%20%7B%7D&default-graph-uri=http%3A%2F%2Fexample.org%2F", {}, 400),
    ("GET", "/sparql?query=", {}, 400),
    ("GET", "/sparql?query=SELEC%20%2A", {}, 400),
    ("GET", "/sparql?query=%ff%fe", {}, 400),
    ("GET", "/sparql?query=SELECT%20%2A%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%201&timeout=abc", {}, 400),
    ("GET", "/sparql?query=SELECT%20%2A%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D" + "%20" * 30_000, {}, (400, 413)),
    ("POST", "/sparql", {"data": "SELECT * WHERE { ?s ?p ?o }", "content_type": "text/plain"}, 415),
    ("POST", "/sparql", {"data": b"\xff\xfe", "content_type": "application/sparql-query"}, 400),
    ("POST", "/sparql", {"data": b"query=%ff%fe", "content_type": "application/x-www-form-urlencoded"}, 400),
    ("POST", "/sparql", {"data": "", "content_type": "application/sparql-query"}, 400),
    ("POST", "/sparql", {"data": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                         "content_type": "application/sparql-update"}, 403),
    ("GET", "/sparql?query=INSERT%20DATA%20%7B%20%3Curn%3Aa%3E%20%3Curn%3Ab%3E%20%3Curn%3Ac%3E%20%7D", {}, (400, 403)),
]


def _id(case):
    method, path, kwargs, status = case
    shown = re.sub(r"(.)\1{20,}", lambda m: f"{m.group(1)}×{len(m.group(0))}", path)
    return f"{method} {shown[:70]} {'+body' if kwargs else ''} → {status}"


@pytest.mark.parametrize("case", BAD, ids=[_id(c) for c in BAD])
def test_bad_request_is_a_4xx_json_error(client, case):
    method, path, kwargs, status = case
    resp = client.open(path, method=method, **kwargs)
    assert_error(resp, status)
    still_serving(client)


WRONG_METHODS = [
    ("POST", "/api/cases"), ("DELETE", "/api/cases/case-01"), ("PUT", "/api/search"), ("POST", "/api/search"),
    ("GET", "/api/similar"), ("PUT", "/api/similar"), ("POST", "/api/cases/case-01/similar"),
    ("PUT", "/id/case/case-01"), ("POST", "/ontology"), ("POST", "/openapi.json"), ("DELETE", "/sparql"),
    ("PATCH", "/sparql"),
]


@pytest.mark.parametrize("method, path", WRONG_METHODS)
def test_wrong_method_is_405_with_allow(client, app, method, path):
    resp = client.open(path, method=method, json={"text": "x"})
    assert_error(resp, 405)
    allow = {m.strip() for m in resp.headers.get("Allow", "").split(",")}
    adapter = app.url_map.bind("localhost")
    rule, _ = adapter.match(path, method=sorted(allow - {"HEAD", "OPTIONS"})[0], return_rule=True)
    assert rule.methods - {"HEAD", "OPTIONS"} <= allow
    still_serving(client)


def _sample_path(rule) -> str:
    samples = {"case_id": "case-01", "rest": "case/case-01"}
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: samples.get(m.group(1), "x"), rule.rule)


def test_every_route_rejects_invalid_utf8_and_unknown_methods(app, client):
    """Generic checks over the whole URL map, so a new route gets them too."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    assert any(r.rule == "/sparql" for r in rules), "the SPARQL endpoint is not registered"
    for rule in rules:
        path = _sample_path(rule)
        methods = rule.methods - {"HEAD", "OPTIONS"}
        for method in sorted(methods):
            resp = client.open(path + "?%ff%fe=%c3%28", method=method)
            err = assert_error(resp, 400)
            assert "UTF-8" in err["message"], (rule.rule, err)
        for method in sorted({"GET", "POST", "PUT", "DELETE", "PATCH"} - methods):
            resp = client.open(path, method=method)
            assert_error(resp, 405)
            assert methods <= set(resp.headers["Allow"].replace(" ", "").split(",")), (rule.rule, method)
    still_serving(client)


def test_good_requests_still_work_after_the_bad_ones(client):
    still_serving(client)
    assert client.get("/api/search?q=%E8%BE%BE%E8%83%BD&k=1").get_json()["results"][0]["case_id"] == "case-01"
    assert client.get("/api/cases/case-15").get_json()["company"]["en"] == "Bank of Beijing"
    assert client.post("/api/similar", json={"text": "沼气", "k": 2}).status_code == 200
    assert client.get("/id/case/case-01", headers={"Accept": "text/turtle"}).status_code == 200


def test_a_320_digit_number_in_a_question_is_answered(client):
    """It used to become `inf` in the generated SPARQL (a 500): amounts parsed from questions are bounded."""
    for q in ("光伏装机超过" + "9" * 320 + "MW的项目有哪些？", "Which projects have more than 1" + "0" * 320 + " MW of solar?"):
        r = client.get("/api/ask", query_string={"q": q})
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        body = r.get_json()
        assert body["answer"]
        for amount in re.findall(r"FILTER\(\?value [<>] ([^)\s]+)\)", body.get("sparql") or ""):
            assert math.isfinite(float(amount)), body["sparql"]
    still_serving(client)


def test_pages_take_either_language(client):
    for lang in ("zh", "en", "EN", ""):
        assert client.get("/cases", query_string={"lang": lang}).status_code == 200
