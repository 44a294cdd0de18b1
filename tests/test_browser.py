"""The web interface in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

The service runs on a free loopback port (a werkzeug server thread over ``create_app`` with the session's
built graph and search index). The tests ask questions in Chinese and English and follow a citation to the
highlighted sentence, narrow the ranked cases with a facet, open a case page and follow a similar case, run
an example query in the SPARQL editor and read its results table, show a syntax error and a timeout, and
switch the language. Screenshots of each page at laptop (1280 px) and phone (390 px) width go to
``test-output/screenshots/``; at phone width no page may scroll sideways, every control is at least 44 px
square, and long sections open and close from the keyboard. Responses are compressed and the scripts and
styles cached; an unknown URL is an HTML page; a ``javascript:`` IRI in a result is never a link.

Every page says when its script has set itself up (``<html data-ready>``); the tests wait for that rather
than for time, and ``expect`` waits as long as any other step (``WAIT``).

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
WAIT = 60_000  # ms: the first question warms the answerer, the first query the query workers


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason} — 'make test' installs them")
    pytest.skip(f"browser tests skipped: {reason} (apt-get install -y chromium fonts-noto-cjk; "
                f"pip install playwright)")


try:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT)
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


def goto(pg, url: str):
    """Open a page and wait until its script is set up (<html data-ready>)."""
    resp = pg.goto(url)
    pg.wait_for_selector("html[data-ready]", state="attached")
    return resp


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
    goto(page, f"{base_url}/?lang=zh")
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
    goto(page, f"{base_url}/?lang=en&q=" + quote("Which banks are in the collection?"))
    expect(page.locator("#answer-text")).to_contain_text("Bank of Beijing")
    link = page.locator("a.open-editor")
    expect(link).to_have_text("Open in editor")
    link.click()
    expect(page).to_have_url(re.compile(r"/sparql/editor\?query="))
    page.wait_for_selector("html[data-ready]", state="attached")
    expect(page.locator("#query")).to_have_value(re.compile("SELECT", re.I))  # the text area stays in sync on load
    page.click("#run")
    expect(page.locator("#results-table")).to_contain_text("Bank of Beijing")
    expect(page.locator("#results-table")).to_contain_text("China Minsheng Bank")


def test_english_question_answer_and_citation(page, base_url):
    goto(page, f"{base_url}/?lang=en&q=" + quote("How much rooftop PV did Danone install?"))
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


@pytest.mark.parametrize("lang, q, figure", [
    ("en", "Which cases cut more than 100,000 t of CO2?", "7,032,400 t"),
    ("zh", "减排超过10万吨的案例有哪些？", "703.24万吨"),
])
def test_comparison_answer_one_row_per_case_by_value_with_company_figure_and_year(page, base_url, lang, q, figure):
    goto(page, f"{base_url}/?lang={lang}&q=" + quote(q))
    table = page.locator(".comparison-table")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows.first.locator("td").nth(1)).to_have_text(figure)
    cases = [a.get_attribute("href").split("?")[0] for a in rows.locator("td:nth-child(5) a").all()]
    assert len(cases) == len(set(cases)) >= 3, cases  # one row per case
    companies = [c.strip() for c in rows.locator("td:nth-child(1)").all_inner_texts()]
    assert all(companies), companies
    assert rows.first.locator("td").nth(2).inner_text().strip() == "2022"  # the year of the figure
    assert table.locator(".tag.projected").count() == 0  # nothing projected unless asked for
    expect(page.locator("details.all-rows")).not_to_have_attribute("open", "")
    more = page.locator(".comparison button.more")
    n = rows.count()
    more.focus()
    page.keyboard.press("Enter")  # every figure, by keyboard
    expect(more).to_have_attribute("aria-expanded", "true")
    assert rows.count() > n
    if lang == "en":
        shoot(page, "comparison-en-laptop")


def test_unanswerable_and_empty_questions_are_explained(page, base_url):
    goto(page, f"{base_url}/?lang=en")
    page.click("#ask-button")
    expect(page.locator("#status")).to_contain_text("Type a question")
    page.fill("#q", "What is the capital of France?")
    page.press("#q", "Enter")
    box = page.locator(".not-answered")
    expect(box).to_contain_text("The collection does not answer this question.")
    expect(box).to_contain_text("France")
    shoot(page, "unanswerable-en-laptop")


def test_failures_are_shown_not_blank(page, base_url):
    goto(page, f"{base_url}/?lang=en")
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
    goto(page, f"{base_url}/cases/case-01?lang=en")
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
    goto(page, f"{base_url}/cases/case-02?lang=zh")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    expect(page.locator("a.skip")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


# -- SPARQL editor ---------------------------------------------------------------------------------------

def test_editor_example_results_syntax_error_and_timeout(page, base_url):
    vendored = (ROOT / "service" / "static" / "vendor" / "codemirror" / "editor.min.js").is_file()
    if not vendored and os.environ.get("CI", "").lower() == "true":
        pytest.fail("CodeMirror is not vendored — run 'cd ui && npm ci && node vendor.mjs' (make does)")
    goto(page, f"{base_url}/sparql/editor?lang=en")
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
    goto(page, f"{base_url}/sparql/editor?lang=zh&query=" + quote(q))
    value = page.evaluate("window.ckgEditor ? window.ckgEditor.getValue() : document.getElementById('query').value")
    assert value == q
    page.keyboard.press("Tab")  # focus moves; nothing traps it
    page.click("#run")
    expect(page.locator("#results-table tbody tr")).to_have_count(3)
    expect(page.locator("#sparql-count")).to_contain_text("3 行")


# -- language ------------------------------------------------------------------------------------------

def test_language_switch(page, base_url):
    goto(page, f"{base_url}/cases?lang=zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("header.site nav")).to_contain_text("问答与检索")
    page.click("a.lang-link[data-lang='en']")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header.site nav")).to_contain_text("Ask & search")
    goto(page, f"{base_url}/sparql/editor")  # the choice is remembered
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
            goto(pg, f"{base_url}{path}{sep}lang={lang}")
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


# -- phones: tap targets, long sections, code in monospace ---------------------------------------------

TAP_TARGETS = ("header.site a, .chip, .passage .src a, .toc a, .ln-inline, .para .ln, summary, button, "
               ".crumbs a, .case-link, .result-link, a.citation, .similar-link, .entity-list a")

MEASURE_TAPS = """sel => Array.from(document.querySelectorAll(sel)).filter(e => {
  const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0;  // only what is shown
}).map(e => { const r = e.getBoundingClientRect();
  return {what: e.tagName.toLowerCase() + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 30),
          w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10}; })"""


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    pg = ctx.new_page()
    pg.set_default_timeout(WAIT)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def small_targets(pg) -> list[dict]:
    found = pg.evaluate(MEASURE_TAPS, TAP_TARGETS)
    assert len(found) >= 5, found
    return [t for t in found if t["w"] < 44 or t["h"] < 44]


@pytest.mark.parametrize("path", ["/?q=" + quote("哪些案例涉及沼气？"), "/cases/case-06", "/cases",
                                  "/entities/technology/biogas", "/sparql/editor"])
def test_phone_tap_targets_are_at_least_44px(phone, base_url, path):
    goto(phone, f"{base_url}{path}")
    if path.startswith("/?q="):
        expect(phone.locator("#results li.result").first).to_be_visible()
        expect(phone.locator(".passage .src a").first).to_be_visible()
    if path.startswith("/cases/"):  # open everything, so the links inside are measured too
        phone.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert not small_targets(phone), small_targets(phone)[:10]


def test_phone_case_page_collapses_long_sections_and_opens_them_by_keyboard(phone, base_url):
    goto(phone, f"{base_url}/cases/case-06?lang=en")
    parts = phone.locator("details.part")
    assert parts.count() == 7
    for i in range(7):
        expect(parts.nth(i)).not_to_have_attribute("open", "")
    expect(phone.locator("details.linked-group").first).not_to_have_attribute("open", "")
    rows = phone.locator("#outcomes-table tbody tr")
    total = rows.count()
    assert total > 10
    visible = phone.evaluate("Array.from(document.querySelectorAll('#outcomes-table tbody tr'))"
                             ".filter(r => r.getBoundingClientRect().height > 0).length")
    assert visible == 10
    collapsed = phone.evaluate("document.documentElement.scrollHeight")
    shoot(phone, "case-06-collapsed-en-phone", full_page=True)
    expanded = phone.evaluate("""() => { document.querySelectorAll('details').forEach(d => d.open = true);
      document.querySelectorAll('table.rows-collapsed').forEach(t => t.classList.remove('rows-collapsed'));
      const h = document.documentElement.scrollHeight;
      document.querySelectorAll('details').forEach(d => d.open = false);
      document.querySelectorAll('#outcomes-table').forEach(t => t.classList.add('rows-collapsed'));
      return h; }""")
    print(f"case-06 at 390 px: {collapsed} px collapsed, {expanded} px with every section open")
    assert collapsed < expanded / 2 and collapsed < 12_000, (collapsed, expanded)

    # a part of the text: focus its summary, Enter opens it, Space closes it
    summary = parts.first.locator("summary")
    summary.focus()
    phone.keyboard.press("Enter")
    expect(parts.first).to_have_attribute("open", "")
    expect(parts.first.locator(".para").first).to_be_visible()
    phone.keyboard.press(" ")
    expect(parts.first).not_to_have_attribute("open", "")

    # the outcomes beyond the first ten: a button that says whether it is expanded
    more = phone.locator("button.toggle-rows")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_contain_text(f"Show all {total} outcomes")
    more.focus()
    phone.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(rows.nth(total - 1)).to_be_visible()
    phone.keyboard.press(" ")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(rows.nth(total - 1)).to_be_hidden()

    # a citation of a line inside a closed part opens that part at the line
    line = phone.evaluate("document.querySelector('details.part:nth-of-type(3) .para').id")
    goto(phone, f"{base_url}/cases/case-06?lang=en#{line}")
    expect(phone.locator(f"#{line}")).to_be_visible()
    expect(phone.locator(f"#{line}")).to_be_in_viewport()


def test_laptop_case_page_opens_the_text_and_the_sparql_block_starts_closed(page, base_url):
    goto(page, f"{base_url}/cases/case-06?lang=en")
    expect(page.locator("details.part").first).to_have_attribute("open", "")
    goto(page, f"{base_url}/?lang=en&q=" + quote("Which banks are in the collection?"))
    block = page.locator("details.sparql-used")
    expect(block).to_be_attached()
    expect(block).not_to_have_attribute("open", "")
    expect(block.locator("pre")).to_be_hidden()
    block.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(block.locator("pre")).to_be_visible()


MONO = """sel => { const host = document.querySelector(sel);
  const probe = t => { const s = document.createElement('span'); s.textContent = t; host.appendChild(s);
                       const w = s.getBoundingClientRect().width; s.remove(); return w; };
  return {narrow: probe('iiiiiiii'), wide: probe('MMMMMMMM'), family: getComputedStyle(host).fontFamily}; }"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_code_is_monospace_in_both_languages(page, base_url, lang):
    goto(page, f"{base_url}/sparql/editor?lang={lang}")
    for sel in (".CodeMirror-line", ".prefixes code") if page.locator(".CodeMirror").count() else ("textarea#query",
                                                                                                    ".prefixes code"):
        m = page.evaluate(MONO, sel)
        assert abs(m["narrow"] - m["wide"]) < 0.5, f"{sel} in {lang} is not monospaced: {m}"
    goto(page, f"{base_url}/?lang={lang}&q=" + quote("Which banks are in the collection?"))
    page.locator("details.sparql-used summary").click()
    m = page.evaluate(MONO, "details.sparql-used pre code")
    assert abs(m["narrow"] - m["wide"]) < 0.5, m


# -- weight and caching --------------------------------------------------------------------------------

def test_responses_are_compressed_and_assets_cached(page, base_url):
    seen: dict[str, dict] = {}
    page.on("response", lambda r: seen.__setitem__(r.url, r.all_headers()))
    goto(page, f"{base_url}/sparql/editor?lang=en")
    doc = seen[page.url]
    assert doc.get("content-encoding") == "gzip", doc
    assets = {u: h for u, h in seen.items() if "/assets/" in u}
    assert any(u.endswith(".css") for u in assets) and any(u.endswith(".js") for u in assets), list(seen)
    for url, h in assets.items():
        assert re.search(r"\.[0-9a-f]{10}\.(css|js|svg)$", url), url
        assert "immutable" in h.get("cache-control", "") and "max-age=31536000" in h["cache-control"], (url, h)
        if not url.endswith(".svg"):
            assert h.get("content-encoding") == "gzip", (url, h)
    sizes = page.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('/assets/'))"
                          ".map(e => [e.name, e.encodedBodySize, e.decodedBodySize])")
    for name, enc, dec in sizes:
        if not name.endswith(".svg"):
            assert enc < dec, (name, enc, dec)
    editor = [s for s in sizes if "editor.min" in s[0] and s[0].endswith(".js")]
    if editor:
        assert editor[0][2] < 250_000, f"the editor bundle is {editor[0][2]} bytes: not minified"
    # a second visit takes the scripts and styles from the cache
    pg2 = page.context.new_page()
    goto(pg2, f"{base_url}/sparql/editor?lang=en")
    again = pg2.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('/assets/'))"
                         ".map(e => [e.name, e.transferSize])")
    assert again and all(size == 0 for _, size in again), again
    pg2.close()
    r = page.request.get(f"{base_url}/favicon.ico")
    assert r.ok and r.headers["content-type"].startswith("image/svg+xml")


def test_unknown_url_is_an_html_page_for_browsers(page, base_url):
    resp = goto(page, f"{base_url}/no/such/page?lang=en")
    assert resp.status == 404
    assert resp.headers["content-type"].startswith("text/html")
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.locator("header.site nav")).to_contain_text("Ask & search")
    shoot(page, "not-found-en-laptop")
    api = page.request.get(f"{base_url}/no/such/page", headers={"Accept": "application/json"})
    assert api.status == 404 and api.json()["error"]["code"] == "not_found"


def test_api_link_opens_a_readable_api_page(page, base_url):
    goto(page, f"{base_url}/?lang=en")
    page.locator("header.site nav a", has_text="API").click()
    expect(page).to_have_url(re.compile(r"/api$"))
    expect(page.locator("h1")).to_have_text("API documentation")
    expect(page.locator("#op-search")).to_contain_text("/api/search")
    expect(page.locator("#op-search")).to_contain_text("technology")
    expect(page.locator("a[href='/openapi.json']").first).to_be_visible()
    shoot(page, "api-en-laptop")


# -- links from data, the editor's readiness -----------------------------------------------------------

def test_javascript_iri_in_a_result_is_not_a_link(page, base_url):
    q = ('SELECT ?x ?y WHERE { VALUES (?x ?y) { (<javascript:alert(document.domain)> <data:text/html,hi>) '
         '(<https://example.org/ok> <https://w3id.org/climatekg/id/case/case-01>) } }')
    goto(page, f"{base_url}/sparql/editor?lang=en&query=" + quote(q))
    page.click("#run")
    table = page.locator("#results-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("javascript:alert(document.domain)")
    assert table.locator("a[href^='javascript'], a[href^='data']").count() == 0
    assert table.locator("tbody tr").first.locator("a").count() == 0
    expect(table.locator("a[href='https://example.org/ok']")).to_have_count(1)
    expect(table.locator("a[href='/cases/case-01']")).to_have_count(1)
    table.get_by_text("javascript:alert(document.domain)").click()  # clicking the text does nothing
    expect(page).to_have_url(re.compile(r"/sparql/editor"))


def test_run_clicked_before_the_editor_script_loads_waits_for_it(page, base_url):
    """A click on Run while the editor's scripts are still loading neither submits the form natively nor is
    lost: it runs the query once the editor is set up."""
    held = []
    page.route("**/assets/vendor/**/*.js", lambda route: held.append(route))  # not the style sheet: it blocks paint
    page.route("**/assets/ui/editor.*.js", lambda route: held.append(route))
    q = "SELECT ?case WHERE { ?case a ckg:Case } ORDER BY ?case LIMIT 2"
    page.goto(f"{base_url}/sparql/editor?lang=en&query=" + quote(q), wait_until="commit")
    page.locator("#run").click()
    vendored = (ROOT / "service" / "static" / "vendor" / "codemirror" / "editor.min.js").is_file()
    for _ in range(200):
        if len(held) == (2 if vendored else 1):
            break
        page.wait_for_timeout(50)
    assert held, "the editor's scripts were not requested"
    assert page.locator("html[data-ready]").count() == 0
    assert "/sparql/editor" in page.url  # the click did not submit the form natively
    for route in held:
        route.continue_()
    page.unroute("**/assets/vendor/**/*.js")
    page.unroute("**/assets/ui/editor.*.js")
    page.wait_for_selector("html[data-ready]", state="attached")
    expect(page.locator("#results-table tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/sparql/editor\?"))


# -- screen readers and no-answer honesty --------------------------------------------------------------

def test_answer_and_no_answer_are_announced(page, base_url):
    goto(page, f"{base_url}/?lang=en")
    live = page.locator("#announce")
    expect(live).to_have_attribute("aria-live", "polite")
    page.fill("#q", "Which cases use biogas?")
    page.press("#q", "Enter")
    expect(live).to_contain_text("Answer ready.")
    expect(live).to_contain_text("related cases found")
    page.fill("#q", "xyzzy")
    page.press("#q", "Enter")
    expect(live).to_contain_text("No answer")


@pytest.mark.parametrize("q", ["xyzzy", "asdfghjkl qwerty"])
def test_nonsense_shows_no_closest_cases(page, base_url, q):
    goto(page, f"{base_url}/?lang=en&q=" + quote(q))
    expect(page.locator(".not-answered")).to_be_visible()
    expect(page.locator("#search-status .no-results")).to_contain_text("No case is related")
    expect(page.locator("#results li.result")).to_have_count(0)
    shoot(page, f"no-answer-{q.split()[0]}-en-laptop")


def test_unanswered_but_related_question_labels_its_cases(page, base_url):
    goto(page, f"{base_url}/?lang=en&q=" + quote("How much coal-mine methane did Shenhua capture and use?"))
    expect(page.locator(".not-answered")).to_be_visible()
    expect(page.locator("#results-heading")).to_have_text("Possibly related cases")
    page.wait_for_function("!document.getElementById('results').hasAttribute('aria-busy')")
    n = page.locator("#results li.result").count()
    assert n < 15, "every closest case is shown, related or not"
    shoot(page, "unanswered-related-en-laptop")
