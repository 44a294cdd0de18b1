"""The JSON API on the real data: /api/cases, /api/cases/<id>, /api/search, /api/cases/<id>/similar, /api/similar."""

from __future__ import annotations

import json

import pytest

from climatekg.corpus.clean import squash


@pytest.fixture(scope="module")
def source_lines(settings):
    return settings.source.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def case01(app):
    r = app.test_client().get("/api/cases/case-01")
    assert r.status_code == 200
    return r.get_json()


def _line(source_lines, n: int) -> str:
    return squash(source_lines[n - 1])


# -- /api/cases --------------------------------------------------------------------------------------

def test_list_cases(client):
    r = client.get("/api/cases")
    assert r.status_code == 200 and r.mimetype == "application/json"
    d = r.get_json()
    assert d["count"] == 26
    assert [c["id"] for c in d["cases"]] == [f"case-{i:02d}" for i in range(1, 27)]
    assert [c["number"] for c in d["cases"]] == list(range(1, 27))
    for c in d["cases"]:
        for key in ("title_zh", "title_en", "company_zh", "company_en", "summary_en"):
            assert c[key], (c["id"], key)
        assert set(c["section"]) == {"id", "zh", "en"}
        assert c["urls"]["self"] == f"/api/cases/{c['id']}"
    c15 = d["cases"][14]
    assert c15["company_en"] == "Bank of Beijing" and c15["company_zh"] == "北京银行"
    assert c15["company_full_zh"] == "北京银行股份有限公司"
    assert c15["section"] == {"id": "s3", "zh": "绿色金融", "en": "Green finance"}
    sections = [c["section"]["id"] for c in d["cases"]]
    assert sections == ["s1"] * 6 + ["s2"] * 8 + ["s3"] * 2 + ["s4"] * 4 + ["s5"] * 6
    assert d["cases"][0]["title_zh"] == "引领消费品行业绿色转型——达能中国饮料实现所有工厂碳中和"


# -- /api/cases/<id>: text -----------------------------------------------------------------------

def test_case_has_seven_parts_with_source_lines(case01, source_lines):
    assert case01["id"] == "case-01" and case01["number"] == 1
    assert case01["iri"] == "https://w3id.org/climatekg/id/case/case-01"
    assert (case01["start_line"], case01["end_line"]) == (26, 377)
    assert [p["key"] for p in case01["parts"]] == ["overview", "profile", "results", "highlights", "implementation",
                                                    "impact", "expert"]
    assert [p["heading_zh"] for p in case01["parts"]][:3] == ["案例概述", "机构简介", "项目成果"]
    assert case01["parts"][6]["heading_en"] == "Expert review"
    n = 0
    for part in case01["parts"]:
        assert part["paragraphs"], part["key"]
        # the heading is printed at the part's first line
        assert part["heading_zh"][:4] in _line(source_lines, part["start_line"])
        for para in part["paragraphs"]:
            n += 1
            assert para["n"] == n
            assert para["iri"] == f"https://w3id.org/climatekg/id/case/case-01/para/{n:03d}"
            assert 26 <= para["start_line"] <= para["end_line"] <= 377
            # the paragraph's first characters are on its start line in the raw file
            assert squash(para["text"])[:4] in _line(source_lines, para["start_line"]), para
    assert case01["counts"]["paragraphs"] == n


def test_case_metadata_in_both_languages(case01):
    assert case01["title"]["zh"].startswith("引领消费品行业绿色转型")
    assert case01["title"]["en"] and case01["title"]["en"] != case01["title"]["zh"]
    assert case01["company"]["id"] == "danone-china"
    assert (case01["company"]["zh"], case01["company"]["en"]) == ("达能中国", "Danone China")
    assert case01["company"]["full_en"] == "Danone (China) Food & Beverage Co., Ltd."
    assert squash(case01["company"]["as_printed"]) == squash("达能 ( 中国 ) 食品饮料有限公司")
    assert case01["summary"]["en"] and case01["summary"]["zh"]
    assert case01["keywords"]["en"]
    sec = case01["section"]
    assert (sec["id"], sec["zh"], sec["en"]) == ("s1", "可持续消费", "Sustainable consumption")
    assert sec["inferred"] is True and "inferred" in sec["evidence"]


def test_case_15_is_bank_of_beijing(client):
    d = client.get("/api/cases/case-15").get_json()
    assert d["company"]["en"] == "Bank of Beijing"
    assert d["company"]["full_en"] == "Bank of Beijing Co., Ltd."
    assert squash(d["company"]["as_printed"]) == "北京银行股份有限公司"
    assert d["section"]["id"] == "s3"


# -- /api/cases/<id>: graph facts ------------------------------------------------------------------

def test_outcomes_include_danone_rooftop_pv(case01, source_lines):
    pv = [o for o in case01["outcomes"] if o["surface"] == "13.26 MWp"]
    assert len(pv) == 1
    o = pv[0]
    assert o["value"] == 13260 and o["unit"] == "kW"
    assert (o["unit_zh"], o["unit_en"]) == ("千瓦", "kW")
    assert o["unit_iri"] == "http://qudt.org/vocab/unit/KiloW"
    assert o["indicator"]["id"] == "capacity" and o["indicator"]["zh"] == "装机容量"
    assert o["indicator"]["en"] == "Installed capacity"
    assert o["start_line"] == 181 and "13.26" in _line(source_lines, 181)
    assert "13.26" in o["quote"]
    assert o["part"] == "implementation" and o["part_zh"] == "项目实施"
    assert o["iri"].startswith("https://w3id.org/climatekg/id/case/case-01/outcome/")


def test_outcomes_are_the_graphs(case01, store):
    res = store.query("SELECT (COUNT(?o) AS ?n) WHERE { case:case-01 ckg:reportsOutcome ?o }")
    assert len(case01["outcomes"]) == res.dicts()[0]["n"] == case01["counts"]["outcomes"]
    for o in case01["outcomes"]:
        assert 26 <= o["start_line"] <= o["end_line"] <= 377
        assert o["unit"] and o["indicator"]["id"] and o["quote"]
        assert o["period"] in (None, "annual", "cumulative")


def test_linked_entities_with_evidence(case01, source_lines):
    links = case01["links"]
    assert set(links) == {"technologies", "places", "partners", "recognitions", "standards", "years"}
    techs = {t["id"]: t for t in links["technologies"]}
    assert "rooftop-pv" in techs
    t = techs["rooftop-pv"]
    assert t["iri"] == "https://w3id.org/climatekg/id/technology/rooftop-pv"
    assert (t["zh"], t["en"]) == ("屋顶光伏", "Rooftop solar PV")
    ev = t["evidence"]
    assert ev["mention_count"] >= 1 and "屋顶光伏" in ev["quote"]
    assert "屋顶" in "".join(_line(source_lines, n) for n in range(ev["start_line"], ev["end_line"] + 1))
    assert 2023 in {y["year"] for y in links["years"]}
    assert all(y["iri"] is None for y in links["years"])
    for kind, items in links.items():
        for item in items:
            assert item["zh"] and item["en"], (kind, item["id"])
            assert 26 <= item["evidence"]["start_line"] <= 377
            assert item["evidence"]["part"] in {p["key"] for p in case01["parts"]}
    assert case01["counts"]["technologies"] == len(links["technologies"])


def test_every_case_resolves(client):
    for i in range(1, 27):
        d = client.get(f"/api/cases/case-{i:02d}").get_json()
        assert len(d["parts"]) == 7 and d["outcomes"] is not None
        assert d["links"]["technologies"], d["id"]


def test_unknown_case_names_valid_ids(client):
    r = client.get("/api/cases/case-27")
    assert r.status_code == 404
    err = r.get_json()["error"]
    assert err["status"] == 404 and "case-01" in err["message"] and "case-26" in err["message"]
    assert err["detail"]["valid_ids"][0] == "case-01" and len(err["detail"]["valid_ids"]) == 26


# -- /api/search -----------------------------------------------------------------------------------

@pytest.mark.parametrize("query, case", [("达能屋顶光伏装机容量", "case-01"), ("Bank of Beijing carbon finance", "case-15")])
def test_search_ranks_the_right_case_first(client, query, case):
    r = client.get("/api/search", query_string={"q": query})
    assert r.status_code == 200
    d = r.get_json()
    assert d["query"] == query
    assert d["results"][0]["case_id"] == case


def test_search_result_shape_and_passages(client):
    d = client.get("/api/search", query_string={"q": "达能屋顶光伏装机容量", "k": 3}).get_json()
    assert d["lang"] == "zh" and len(d["results"]) == 3
    assert {"danone", "rooftop-pv"} <= {e["id"] for e in d["entities"]}
    top = d["results"][0]
    assert top["title_zh"].startswith("引领消费品行业") and top["section"]["id"] == "s1"
    assert set(top["ranks"]) == {"dense", "lexical", "entity"}
    assert top["passages"]
    for p in top["passages"]:
        assert 26 <= p["start_line"] <= p["end_line"] <= 377
        assert p["part"] in ("overview", "profile", "results", "highlights", "implementation", "impact", "expert")
        assert p["text"]


def test_search_english_and_filters(client):
    d = client.get("/api/search", query_string={"q": "green finance loans", "section": "s3"}).get_json()
    assert d["lang"] == "en"
    assert d["results"] and {r["case_id"] for r in d["results"]} <= {"case-15", "case-16"}
    d = client.get("/api/search", query_string={"q": "光伏", "technology": "solar-pv", "k": 50}).get_json()
    assert d["results"] and len(d["results"]) <= 26
    d = client.get("/api/search", query_string={"q": "绿色金融", "year": 2023, "k": 5}).get_json()
    assert 1 <= len(d["results"]) <= 5


# -- similar cases ---------------------------------------------------------------------------------

def test_similar_cases_of_case_26_share_biogas(client):
    r = client.get("/api/cases/case-26/similar")
    assert r.status_code == 200
    d = r.get_json()
    assert d["query"]["case_id"] == "case-26"
    ids = [x["case_id"] for x in d["results"]]
    assert len(ids) == 5 and "case-26" not in ids and "case-06" in ids
    c06 = next(x for x in d["results"] if x["case_id"] == "case-06")
    assert "biogas" in {t["id"] for t in c06["shared"]["technologies"]}
    assert "biogas" in c06["reason_en"].lower() and "沼气" in c06["reason_zh"]
    assert set(c06["scores"]) == {"embedding", "graph"}


def test_similar_k(client):
    d = client.get("/api/cases/case-01/similar?k=3").get_json()
    assert len(d["results"]) == 3


def test_similar_to_text(client):
    r = client.post("/api/similar", json={"text": "牧场利用奶牛粪污生产沼气发电", "k": 5})
    assert r.status_code == 200
    ids = [x["case_id"] for x in r.get_json()["results"]]
    assert len(ids) == 5 and ({"case-06", "case-26"} & set(ids))
    r = client.post("/api/similar", json={"text": "Bank of Beijing green loans"})
    assert r.status_code == 200 and len(r.get_json()["results"]) == 5


def test_search_without_an_index_is_503_naming_the_command(graph_build_dir, built_settings, tmp_path):
    import shutil
    from dataclasses import replace

    from climatekg.service.app import create_app

    for name in ("graph.nt", "graph-manifest.json"):
        shutil.copy(graph_build_dir[0] / name, tmp_path / name)
    client = create_app(replace(built_settings, build_dir=tmp_path)).test_client()
    r = client.get("/api/search?q=biogas")
    assert r.status_code == 503 and "climatekg build" in r.get_json()["error"]["message"]
    assert client.post("/api/similar", json={"text": "biogas"}).status_code == 503
    assert client.get("/api/cases/case-99/similar").status_code == 404
    assert client.get("/api/cases/case-01").status_code == 200  # the graph side still works


# -- climatekg serve -------------------------------------------------------------------------------

def test_serve_says_what_to_build_when_the_build_is_missing(built_settings, tmp_path, capsys):
    import shutil
    from dataclasses import replace

    from climatekg.cli import main
    from climatekg.service.serve import BuildMissing, check_build

    with pytest.raises(BuildMissing, match="run 'climatekg build'"):
        check_build(replace(built_settings, build_dir=tmp_path))
    (tmp_path / "graph.nt").write_text("", encoding="utf-8")
    with pytest.raises(BuildMissing, match="graph-manifest.json is missing .* run 'climatekg build'"):
        check_build(replace(built_settings, build_dir=tmp_path))
    shutil.copytree(built_settings.build_dir, tmp_path / "copy", ignore=shutil.ignore_patterns("index"))
    with pytest.raises(BuildMissing, match="no search index .* run 'climatekg build'"):
        check_build(replace(built_settings, build_dir=tmp_path / "copy"))
    config = tmp_path / "climatekg.toml"
    config.write_text(f'build_dir = "{tmp_path / "empty"}"\n', encoding="utf-8")
    assert main(["--config", str(config), "serve", "--port", "5999"]) == 2
    assert "run 'climatekg build'" in capsys.readouterr().err


def test_serve_accepts_the_session_build(built_settings, search_engine):
    from climatekg.service.front import GuardedHttpToolsProtocol, target_limit
    from climatekg.service.serve import check_build, uvicorn_options

    assert check_build(built_settings) == []
    opts = uvicorn_options(built_settings)
    assert (opts["host"], opts["port"], opts["workers"]) == (built_settings.host, built_settings.port,
                                                             built_settings.workers)
    assert opts["http"] is GuardedHttpToolsProtocol and opts["h11_max_incomplete_event_size"] > target_limit(built_settings)


@pytest.mark.slow
def test_serve_and_generate_load(built_settings, search_engine, tmp_path):
    """`climatekg serve` in a subprocess, then benchmarks.load against it: no errors on either endpoint."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from benchmarks.load import run

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CLIMATEKG_BUILD_DIR": str(built_settings.build_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "climatekg.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 300
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:  # it answers at once and loads in the background: wait until /health says ready
                with urllib.request.urlopen(url + "/health", timeout=2) as r:
                    if json.loads(r.read())["ready"]:
                        break
                    time.sleep(0.5)
            except OSError:
                assert time.time() < deadline, "the service did not start"
                time.sleep(0.5)
        res = run(url, seconds=3, concurrency=4)
        for endpoint in ("sparql", "search"):
            figures = res["endpoints"][endpoint]
            assert figures["ok"] > 0 and figures["errors"] == 0, res
            assert figures["p50_ms"] <= figures["p99_ms"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
