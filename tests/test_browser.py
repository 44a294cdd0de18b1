"""The web interface in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

The service runs on a free loopback port (a werkzeug server thread over ``create_app`` with the session's
built graph and search index). The tests ask questions in Chinese and English and follow a citation to the
highlighted sentence, narrow the ranked cases with a facet, open a case page and follow a similar case, run
an example query in the SPARQL editor and read its results table, show a syntax error and a timeout, and
switch the language. Screenshots of each page at laptop (1280 px) and phone (390 px) width go to
``test-output/screenshots/``; at phone width no page may scroll sideways.

Set-up (``make test`` does it): ``apt-get install chromium fonts-noto-cjk`` and ``pip install playwright``
— never ``playwright install``: the browser is Debian's. Without /usr/bin/chromium (or Playwright) these
tests are skipped, except under CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from climatekg.config import ROOT

CHROMIUM = os.environ.get("CLIMATEKG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "test-output" / "screenshots"
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WAIT = 60_000  # ms: the first question warms the answerer


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason} — 'make test' installs them")
    pytest.skip(f"browser tests skipped: {reason} (apt-get install -y chromium fonts-noto-cjk; "
                f"pip install playwright)")


try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


@pytest.fixture(scope="module")
def base_url(built_settings, search_engine):
    """The real service on a free loopback port, for the module's tests."""
    if sync_playwright is None:
        _unavailable("Playwright for Python is not installed")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"{CHROMIUM} is missing")
    from werkzeug.serving import make_server

    from climatekg.service.app import create_app

    app = create_app(built_settings)
    app.extensions["climatekg"].get("search", lambda settings: search_engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="climatekg-ui-test", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(base_url):
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport=LAPTOP, locale="en-US")
    pg = ctx.new_page()
    pg.set_default_timeout(WAIT)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="module", autouse=True)
def screenshot_dir():
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    return SHOTS


def shoot(pg, name: str, full_page: bool = False):
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def no_sideways_scroll(pg):
    width = pg.evaluate("document.documentElement.scrollWidth")
    inner = pg.evaluate("window.innerWidth")
    assert width <= inner + 1, f"{pg.url}: the page is {width}px wide in a {inner}px window"


# -- asking ----------------------------------------------------------------------------------------------

def test_chinese_question_answer_sparql_citation_and_facets(page, base_url):
    page.goto(f"{base_url}/?lang=zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '沼气')"), \
        "Noto Sans CJK SC is not installed (apt-get install fonts-noto-cjk): Chinese would render as boxes"

    # while /api/ask is held back the page says it is running
    held = []
    page.route("**/api/ask?*", lambda route: held.append(route))
    page.fill("#q", "哪些案例涉及沼气？")
    page.press("#q", "Enter")
    expect(page.locator("#status")).to_contain_text("正在查询")
    expect(page.locator("#ask-button")).to_be_disabled()
    shoot(page, "ask-running-zh-laptop")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page did not call /api/ask"
    for route in held:
        route.continue_()
    page.unroute("**/api/ask?*")

    answer = page.locator("#answer-text")
    expect(answer).to_contain_text("蒙牛")
    expect(answer).to_contain_text("case-26")
    expect(page.locator("#status")).to_be_empty()
    expect(page.locator(".source-kind")).to_contain_text("知识图谱")
    expect(page.locator("details.sparql-used pre")).to_contain_text("SELECT")
    assert page.locator("ol.citations a.citation").count() >= 1

    results = page.locator("#results li.result")
    expect(results.first).to_be_visible()
    expect(results.first.locator(".ranks")).to_contain_text("语义")
    expect(page.locator("#results mark").first).to_be_visible()
    shoot(page, "ask-zh-biogas-facets-laptop")

    # narrow with a facet: every case that remains is in the chosen section
    before = results.count()
    section = page.locator("#facet-section")
    expect(section.locator("option")).not_to_have_count(1)
    value = section.locator("option").nth(1).get_attribute("value")
    label = section.locator("option").nth(1).inner_text().rsplit(" (", 1)[0]
    section.select_option(value)
    expect(page).to_have_url(re.compile(rf"section={value}"))
    expect(page.locator("#results li.result").first).to_be_visible()
    page.wait_for_function("!document.getElementById('results').hasAttribute('aria-busy')")
    after = page.locator("#results li.result")
    assert 0 < after.count() <= before
    for i in range(after.count()):
        expect(after.nth(i).locator(".meta")).to_contain_text(label)

    # the citation opens the case at the cited line with the sentence marked
    first = page.locator("ol.citations a.citation").first
    href = first.get_attribute("href")
    assert re.match(r"^/cases/case-\d\d\?hl=.+#L\d+$", href), href
    first.click()
    expect(page).to_have_url(re.compile(r"/cases/case-\d\d\?hl=.*#L\d+$"))
    mark = page.locator("mark.hl")
    expect(mark).to_be_visible()
    expect(mark).to_be_in_viewport()
    shoot(page, "citation-zh-laptop")


def test_sparql_answer_opens_in_the_editor(page, base_url):
    page.goto(f"{base_url}/?lang=en&q=" + quote("Which banks are in the collection?"))
    expect(page.locator("#answer-text")).to_contain_text("Bank of Beijing")
    link = page.locator("a.open-editor")
    expect(link).to_have_text("Open in editor")
    link.click()
    expect(page).to_have_url(re.compile(r"/sparql/editor\?query="))
    expect(page.locator("#query")).to_have_value(re.compile("SELECT", re.I))  # the text area stays in sync on load
    page.click("#run")
    expect(page.locator("#results-table")).to_contain_text("Bank of Beijing")
    expect(page.locator("#results-table")).to_contain_text("China Minsheng Bank")


def test_english_question_answer_and_citation(page, base_url):
    page.goto(f"{base_url}/?lang=en&q=" + quote("How much rooftop PV did Danone install?"))
    expect(page.locator("#q")).to_have_value("How much rooftop PV did Danone install?")
    answer = page.locator("#answer-text")
    expect(answer).to_contain_text("13.26")
    cite = page.locator("ol.citations a.citation").first
    href = cite.get_attribute("href")
    assert href.startswith("/cases/case-01?hl=") and "#L" in href, href
    expect(page.locator("#results li.result").first.locator("a.result-link")).to_have_attribute("href", "/cases/case-01")
    shoot(page, "ask-en-danone-laptop")
    cite.click()
    mark = page.locator("mark.hl")
    expect(mark).to_contain_text("13.26")
    expect(mark).to_be_in_viewport()
    expect(page.locator(".para.targeted, .para:target")).to_have_count(1)
    shoot(page, "citation-en-laptop")


def test_unanswerable_and_empty_questions_are_explained(page, base_url):
    page.goto(f"{base_url}/?lang=en")
    page.click("#ask-button")
    expect(page.locator("#status")).to_contain_text("Type a question")
    page.fill("#q", "What is the capital of France?")
    page.press("#q", "Enter")
    box = page.locator(".not-answered")
    expect(box).to_contain_text("The collection does not answer this question.")
    expect(box).to_contain_text("France")
    shoot(page, "unanswerable-en-laptop")


def test_failures_are_shown_not_blank(page, base_url):
    page.goto(f"{base_url}/?lang=en")
    page.route("**/api/search?*", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error": {"status": 503, "code": "unavailable", "message": "no search index — run climatekg build"}}'))
    page.route("**/api/ask?*", lambda route: route.abort())
    page.fill("#q", "biogas")
    page.press("#q", "Enter")
    expect(page.locator("#search-status .notice.error")).to_contain_text("run climatekg build")
    expect(page.locator("#answer-body .notice.error")).to_contain_text("Could not reach the service")


# -- case pages ------------------------------------------------------------------------------------------

def test_case_page_and_a_similar_case(page, base_url):
    page.goto(f"{base_url}/cases/case-01?lang=en")
    expect(page.locator("h1")).to_contain_text("Danone China Beverages")
    expect(page.locator(".subtitle")).to_contain_text("达能中国饮料")
    expect(page.locator("svg.neigh.wide")).to_be_visible()
    expect(page.locator("svg.chart.wide")).to_be_visible()
    expect(page.locator("svg.neigh.narrow")).to_be_hidden()
    expect(page.locator("#L181")).to_be_attached()
    shoot(page, "case-01-en-laptop")
    page.locator("#graph").scroll_into_view_if_needed()
    shoot(page, "case-01-graph-en-laptop")
    page.locator("#outcomes").scroll_into_view_if_needed()
    shoot(page, "case-01-outcomes-en-laptop")

    similar = page.locator("a.similar-link").first
    title = similar.inner_text()
    expect(page.locator("#similar .reason").first).to_contain_text("text similarity")
    similar.click()
    expect(page).to_have_url(re.compile(r"/cases/case-(?!01)\d\d$"))
    expect(page.locator("h1")).to_have_text(title)
    # a node of the neighbourhood picture is a link to the entity page
    page.locator("svg.neigh.wide a.node-org").click()
    expect(page).to_have_url(re.compile(r"/entities/org/"))
    expect(page.locator("#cases .case-link").first).to_be_visible()
    shoot(page, "entity-org-en-laptop")


def test_keyboard_skip_link_and_focus(page, base_url):
    page.goto(f"{base_url}/cases/case-02?lang=zh")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    expect(page.locator("a.skip")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


# -- SPARQL editor ---------------------------------------------------------------------------------------

def test_editor_example_results_syntax_error_and_timeout(page, base_url):
    vendored = (ROOT / "service" / "static" / "vendor" / "codemirror" / "lib" / "codemirror.js").is_file()
    if not vendored and os.environ.get("CI", "").lower() == "true":
        pytest.fail("CodeMirror is not vendored — run 'cd ui && npm ci && node vendor.mjs' (make does)")
    page.goto(f"{base_url}/sparql/editor?lang=en")
    if vendored:
        expect(page.locator(".CodeMirror")).to_be_visible()
        assert page.locator(".CodeMirror .cm-keyword").count() > 0, "no syntax highlighting"
    page.click("button.example[data-example='biogas']")
    table = page.locator("#results-table")
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table.locator("thead")).to_contain_text("technology")
    expect(table).to_contain_text("沼气")
    cases = {table.locator("tbody tr").nth(i).locator("td").first.inner_text() for i in range(5)}
    assert cases == {"case:case-06", "case:case-14", "case:case-26"}
    expect(page.locator("#sparql-count")).to_contain_text("5 rows")
    shoot(page, "editor-en-laptop")

    def set_query(q):
        page.evaluate("q => window.ckgEditor ? window.ckgEditor.setValue(q) : (document.getElementById('query').value = q)", q)

    set_query("SELECT ?x WHERE { ?x")
    page.click("#run")
    err = page.locator(".sparql-error")
    expect(err).to_contain_text("SPARQL syntax error")
    expect(err).to_contain_text("line 1")
    if vendored:
        expect(page.locator(".CodeMirror .cm-error-line")).to_have_count(1)
    shoot(page, "editor-syntax-error-en-laptop")

    set_query("DELETE WHERE { ?s ?p ?o }")
    page.click("#run")
    expect(page.locator(".sparql-error")).to_contain_text("Query refused")

    page.route("**/sparql", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error": {"status": 503, "code": "timeout", "message": "query stopped after 10 s (the limit)"}}'))
    set_query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    page.click("#run")
    expect(page.locator(".sparql-error")).to_contain_text("timed out")
    expect(page.locator(".sparql-error")).to_contain_text("10 s")


def test_editor_query_parameter_prefills(page, base_url):
    q = 'SELECT ?case WHERE { ?case a ckg:Case } ORDER BY ?case LIMIT 3'
    page.goto(f"{base_url}/sparql/editor?lang=zh&query=" + quote(q))
    value = page.evaluate("window.ckgEditor ? window.ckgEditor.getValue() : document.getElementById('query').value")
    assert value == q
    page.keyboard.press("Tab")  # focus moves; nothing traps it
    page.click("#run")
    expect(page.locator("#results-table tbody tr")).to_have_count(3)
    expect(page.locator("#sparql-count")).to_contain_text("3 行")


# -- language ------------------------------------------------------------------------------------------

def test_language_switch(page, base_url):
    page.goto(f"{base_url}/cases?lang=zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("header.site nav")).to_contain_text("问答与检索")
    page.click("a.lang-link[data-lang='en']")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header.site nav")).to_contain_text("Ask & search")
    page.goto(f"{base_url}/sparql/editor")  # the choice is remembered
    expect(page.locator("h1")).to_have_text("SPARQL query editor")
    page.click("a.lang-link[data-lang='zh']")
    expect(page.locator("h1")).to_have_text("SPARQL 查询编辑器")


# -- every page at laptop and phone width ---------------------------------------------------------------

SCREENS = [
    ("ask", "/?q=" + quote("哪些案例涉及沼气？"), "#answer-text"),
    ("cases", "/cases", "h1"),
    ("case-06", "/cases/case-06", "svg.chart >> visible=true"),
    ("entity-technology", "/entities/technology/biogas", "#cases"),
    ("entity-place", "/entities/place/zhejiang", "#cases"),
    ("editor", "/sparql/editor", "#run"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", ["laptop", "phone"])
def test_pages_render_at_laptop_and_phone_width(browser, base_url, width, lang):
    viewport = LAPTOP if width == "laptop" else PHONE
    ctx = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-US",
                              is_mobile=width == "phone", has_touch=width == "phone")
    pg = ctx.new_page()
    pg.set_default_timeout(WAIT)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for name, path, ready in SCREENS:
            sep = "&" if "?" in path else "?"
            pg.goto(f"{base_url}{path}{sep}lang={lang}")
            expect(pg.locator(ready).first).to_be_visible()
            if name == "editor":
                pg.click("button.example[data-example='pv']")
                expect(pg.locator("#results-table")).to_be_visible()
            no_sideways_scroll(pg)
            shoot(pg, f"{name}-{lang}-{width}")
            if name == "case-06":
                shown = "narrow" if width == "phone" else "wide"
                expect(pg.locator(f"svg.neigh.{shown}")).to_be_visible()
                expect(pg.locator(f"svg.chart.{shown}")).to_be_visible()
                pg.locator("#graph").scroll_into_view_if_needed()
                shoot(pg, f"{name}-graph-{lang}-{width}")
                pg.locator("#compare").scroll_into_view_if_needed()
                shoot(pg, f"{name}-chart-{lang}-{width}")
                pg.locator("#outcomes").scroll_into_view_if_needed()
                shoot(pg, f"{name}-outcomes-{lang}-{width}")
    finally:
        ctx.close()
    assert not errors, errors
