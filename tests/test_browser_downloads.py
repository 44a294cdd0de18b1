"""The spreadsheet downloads in a real browser (headless Chromium, as tests/test_browser.py, whose service and
browser fixtures are reused): under the search results and in the SPARQL editor; the files are read back."""

from __future__ import annotations

import io
from urllib.parse import quote

from test_browser import base_url, browser, page  # noqa: F401  (shared fixtures: the service, Chromium, a page)


def _xlsx(download):
    import openpyxl

    with open(download.path(), "rb") as f:
        return openpyxl.load_workbook(io.BytesIO(f.read()))


def test_search_results_offer_their_outcomes(page, base_url):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{base_url}/?lang=en&q={quote('manure biogas')}")
    links = page.locator("#results-downloads a.download")
    expect(links).to_have_count(2)
    shown = page.eval_on_selector_all("#results li[data-case]", "els => els.map(e => e.dataset.case)")
    assert shown
    with page.expect_download() as info:
        links.nth(1).click()
    assert info.value.suggested_filename.startswith("climatekg-outcomes_") and \
        info.value.suggested_filename.endswith(".xlsx")
    wb = _xlsx(info.value)
    listed = [row[0] for row in wb["Sources"].iter_rows(min_row=2, values_only=True)]
    assert sorted(listed) == sorted(shown), "the outcomes of exactly the cases found"
    assert wb["Outcomes"].max_row > 1


def test_editor_downloads_the_result_table(page, base_url):  # noqa: F811
    query = 'SELECT ?id ?f WHERE { ?c ckg:caseId ?id BIND("=1+1" AS ?f) } ORDER BY ?id LIMIT 3'
    page.goto(f"{base_url}/sparql/editor?lang=en&query={quote(query)}")
    with page.expect_download() as info:
        page.click("#download-xlsx")
    ws = _xlsx(info.value)["Results"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows == [("id", "f"), ("case-01", "=1+1"), ("case-02", "=1+1"), ("case-03", "=1+1")]
    assert ws.cell(2, 2).data_type == "s", "text, not a formula"
    with page.expect_download() as info:
        page.click("#download-csv")
    with open(info.value.path(), encoding="utf-8-sig") as f:
        assert f.read().splitlines()[:2] == ["id,f", "case-01,'=1+1"]
