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


def test_comparison_rows_are_sorted_by_the_value_asked(client):
    body = client.get("/api/ask", query_string={"q": "Which cases have more than 10 MW of solar PV?"}).get_json()
    figs = body["figures"]
    assert figs and {f["case_id"] for f in figs} == {c["case_id"] for c in body["cases"]}
    assert [f["value"] for f in figs] == sorted((f["value"] for f in figs), reverse=True)
    assert all(f["unit"] == "kW" and f["company"] and f["value"] > 10000 for f in figs)
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in f["company"] + f["figure"]) for f in figs)  # English reader
    zh = client.get("/api/ask", query_string={"q": "光伏装机超过10MW的项目有哪些？"}).get_json()
    assert {f["case_id"] for f in zh["figures"]} == {f["case_id"] for f in figs}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in f["company"]) for f in zh["figures"])


def test_one_fact_answer_states_the_fact_first(client):
    body = client.get("/api/ask", query_string={"q": "How much rooftop PV did Danone install?"}).get_json()
    assert body["fact"]["kind"] == "quantity" and body["answer"].startswith(body["fact"]["en"][:1].upper() + body["fact"]["en"][1:])
    assert "13.26 MWp" in body["fact"]["en"] and "Source:" in body["answer"]
