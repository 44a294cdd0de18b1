"""/api/ask over HTTP (Flask test client)."""


def test_ask_get_and_post(client):
    r = client.get("/api/ask", query_string={"q": "哪些案例涉及沼气？"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["answered"] and body["lang"] == "zh"
    assert [c["case_id"] for c in body["cases"]] == ["case-06", "case-14", "case-26"]
    assert body["sparql"].lstrip().startswith("SELECT")
    r = client.post("/api/ask", json={"q": "Which companies are banks?"})
    assert r.status_code == 200 and [c["case_id"] for c in r.get_json()["cases"]] == ["case-15", "case-16"]
    r = client.post("/api/ask", data={"q": "What did Tesla do to cut emissions?"})
    assert r.status_code == 200 and r.get_json()["answered"] is False


def test_ask_bad_input(client):
    assert client.get("/api/ask").status_code == 400
    assert client.get("/api/ask?q=%20").status_code == 400
    assert client.get("/api/ask", query_string={"q": "x" * 1001}).status_code == 413
    r = client.post("/api/ask", data="q=1", content_type="text/plain")
    assert r.status_code == 415 and r.get_json()["error"]["code"] == "unsupported_media_type"
    assert client.post("/api/ask", data="{bad json", content_type="application/json").status_code == 400
    assert client.get("/api/ask?q=%ff%fe").status_code in (200, 400)
    assert client.delete("/api/ask").status_code == 405
    assert client.get("/api/ask", query_string={"q": "Which companies are banks?"}).status_code == 200
