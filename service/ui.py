"""The bilingual web interface: ask & search, case and entity pages, a SPARQL editor.

    GET /                         ask a question or search (the page's script calls /api/ask and /api/search)
    GET /cases                    the 26 cases by section
    GET /cases/<case_id>          a case: titles, company and summary in both languages, the Chinese text by
                                  part with line anchors (id="L<line>"), outcomes, linked entities, similar
                                  cases, a picture of its neighbourhood in the graph and a bar chart comparing
                                  one of its outcomes with the other cases that report the same indicator;
                                  ``?hl=<quote>`` marks a quoted sentence
    GET /entities/<kind>/<id>     an organisation, technology, place, award or standard: labels, cases, outcomes
    GET /sparql/editor            a SPARQL editor (CodeMirror, when vendored) against /sparql; ``?query=`` pre-fills it
    GET /ui/facets.json           per case, the filter values /api/search accepts (the search page's facets)

Language: ``?lang=zh|en`` (remembered in a ``lang`` cookie), else the cookie, else Accept-Language, else
Chinese. Every string the pages show is in ``STRINGS``, in both languages; the scripts get the current
language's strings in a JSON block.

The pages read what the JSON API reads — ``api_cases.case_detail``, the search engine's ``similar`` and the
graph store — so a page never says more than the API. The SVG pictures are drawn here, server-side.
All scripts and styles are served by the service itself (``service/static``; CodeMirror is copied into
``service/static/vendor`` by ``ui/vendor.mjs`` and the editor falls back to a plain text area without it).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Blueprint, current_app, g, jsonify, render_template, request, url_for
from markupsafe import Markup, escape

from climatekg.graph.store import PREFIXES

from .errors import ApiError, NotFound
from .resources import get_cases, get_store

bp = Blueprint("ui", __name__)

#: the pages, for documentation (/openapi.json) and tests: (rule, endpoint, summary)
PAGES = [
    ("/", "ui.index", "Ask & search (HTML)"),
    ("/cases", "ui.cases_page", "All cases by section (HTML)"),
    ("/cases/<case_id>", "ui.case_page", "A case (HTML)"),
    ("/entities/<kind>/<entity_id>", "ui.entity_page", "An organisation, technology, place, award or standard (HTML)"),
    ("/sparql/editor", "ui.sparql_editor", "SPARQL editor (HTML)"),
    ("/ui/facets.json", "ui.facets", "Search filter values per case (JSON, for the search page)"),
]

LANGS = ("zh", "en")
LANG_COOKIE = "lang"
ENTITY_KINDS = ("org", "technology", "place", "award", "standard")
ENTITY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
CASE_ID = re.compile(r"^case-(?:[a-z0-9-]+-)?\d{2}$")
MAX_HL = 600  # characters of ?hl= used
MAX_EDITOR_QUERY = 20000

CKG = "https://w3id.org/climatekg/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"

# -- strings ---------------------------------------------------------------------------------------

STRINGS: dict[str, tuple[str, str]] = {
    # frame
    "site": ("中国企业气候行动知识图谱", "China Corporate Climate Action — knowledge graph"),
    "site_short": ("气候行动知识图谱", "Climate action KG"),
    "site_sub": ("《2023 中国企业气候行动》案例集 · 26 个案例", "The 2023 China Corporate Climate Action collection · 26 cases"),
    "skip": ("跳到正文", "Skip to main content"),
    "nav_label": ("主导航", "Main"),
    "nav_ask": ("问答与检索", "Ask & search"),
    "nav_cases": ("案例", "Cases"),
    "nav_editor": ("SPARQL 编辑器", "SPARQL editor"),
    "nav_api": ("API 文档", "API"),
    "lang_label": ("语言", "Language"),
    "lang_zh": ("中文", "中文"),
    "lang_en": ("English", "English"),
    "footer": ("事实均摘自《2023 中国企业气候行动》案例集原文，并注明原文行号。",
               "Every fact comes from the text of the 2023 China Corporate Climate Action collection, with its line numbers."),
    "footer_links": ("机器可读：", "Machine-readable:"),
    "not_found": ("未找到", "Not found"),
    "back_home": ("返回问答与检索", "Back to Ask & search"),
    "lines_range": ("第 {a}–{b} 行", "lines {a}–{b}"),
    "line_one": ("第 {a} 行", "line {a}"),
    "case_n": ("案例 {n}", "Case {n}"),
    "rdf_link": ("RDF 描述", "RDF description"),
    "approx": ("约", "approx."),
    "period_annual": ("每年", "per year"),
    "period_cumulative": ("累计", "cumulative"),
    "projected": ("预计/目标", "projected or target"),
    "this_case": ("本案例", "this case"),
    "error": ("出错了", "Something went wrong"),
    "err_network": ("无法连接到服务，请检查服务是否在运行后重试。", "Could not reach the service. Check that it is running and try again."),
    "err_timeout": ("查询超时：在限定时间内没有得到结果。请缩小范围（例如加上 LIMIT 或更具体的条件）后重试。",
                    "The query timed out: no result within the time limit. Narrow it (add LIMIT or more specific patterns) and try again."),
    "err_unavailable": ("服务暂不可用", "The service is not available"),
    "err_busy": ("服务正忙，请稍后再试。", "The service is busy; try again in a moment."),
    "err_bad_request": ("请求有误", "The request was not accepted"),
    "running": ("正在查询…", "Running…"),
    # ask & search
    "ask_title": ("问答与检索", "Ask & search"),
    "ask_intro": ("用中文或英文提问，或输入关键词。回答来自案例原文或知识图谱，并给出出处；下面列出最相关的案例。",
                  "Ask a question or type keywords, in Chinese or English. Answers come from the case texts or the "
                  "knowledge graph, with their sources; the most relevant cases are listed below."),
    "ask_label": ("问题或关键词", "Question or keywords"),
    "ask_placeholder": ("例如：哪些案例涉及沼气？", "e.g. How much rooftop PV did Danone install?"),
    "ask_button": ("提问", "Ask"),
    "try": ("试试：", "Try:"),
    "empty_query": ("请输入问题或关键词。", "Type a question or some keywords."),
    "noscript": ("本页需要 JavaScript；同样的结果也可以从下列 JSON 接口获得：",
                 "This page needs JavaScript; the same results are available as JSON from:"),
    "answer": ("回答", "Answer"),
    "from_graph": ("答案来自知识图谱查询", "Answered from the knowledge graph"),
    "from_text": ("答案摘自案例原文", "Answered from the case texts"),
    "not_answered": ("案例集中没有能回答这个问题的内容。", "The collection does not answer this question."),
    "not_answered_hint": ("下面列出与问题最接近的案例，供参考。", "The closest cases are listed below."),
    "empty_answer": ("没有得到回答。", "No answer came back."),
    "ask_unavailable": ("问答功能暂不可用，下面只显示检索结果。", "Question answering is not available; only search results are shown."),
    "citations": ("出处", "Sources"),
    "answer_cases": ("回答涉及的案例", "Cases in the answer"),
    "sparql_used": ("回答所用的 SPARQL 查询", "The SPARQL query behind the answer"),
    "open_in_editor": ("在编辑器中打开", "Open in editor"),
    "intent": ("问题类型", "Question type"),
    "graph_rows": ("查询结果", "Query results"),
    "intent_count": ("计数", "count"),
    "intent_list": ("列举", "list"),
    "intent_compare": ("数值比较", "comparison"),
    "intent_superlative": ("最大/最小", "superlative"),
    "intent_attribute": ("企业信息", "company fact"),
    "intent_oldest": ("最早成立", "oldest"),
    "intent_extractive": ("摘录原文", "quoted from the text"),
    "intent_unanswerable": ("无法回答", "not answerable"),
    "recognised": ("问题中识别出的实体：", "Recognised in the question:"),
    "results": ("最相关的案例", "Ranked cases"),
    "results_count": ("{n} 个案例", "{n} cases"),
    "no_results": ("没有找到匹配的案例。", "No matching cases."),
    "no_results_filtered": ("在当前筛选条件下没有匹配的案例。", "No cases match these filters."),
    "search_failed": ("检索失败：", "Search failed: "),
    "filters": ("筛选", "Narrow the results"),
    "any": ("全部", "any"),
    "facet_section": ("栏目", "Section"),
    "facet_technology": ("技术与措施", "Technology"),
    "facet_place": ("地点", "Place"),
    "facet_year": ("年份", "Year"),
    "clear_filters": ("清除筛选", "Clear filters"),
    "score": ("得分", "score"),
    "ranks": ("各路排名：", "Rank by leg:"),
    "leg_dense": ("语义", "dense"),
    "leg_lexical": ("关键词", "lexical"),
    "leg_entity": ("实体", "entity"),
    "leg_none": ("—", "—"),
    # cases
    "cases_title": ("全部案例", "All cases"),
    "cases_intro": ("案例集分为五个栏目（栏目名部分为推断，见各案例页）。",
                    "The collection has five sections (some section names are inferred; see each case page)."),
    "company": ("企业", "Company"),
    "section": ("栏目", "Section"),
    "summary": ("摘要", "Summary"),
    "summary_zh_h": ("中文摘要", "Summary in Chinese"),
    "summary_en_h": ("英文摘要", "Summary in English"),
    "contents": ("本页目录", "On this page"),
    "text": ("原文（中文）", "Text (Chinese original)"),
    "text_note": ("每段左侧是原始文本中的行号，点击可得到指向该段的链接。",
                  "The numbers beside each paragraph are its lines in the source text; click one for a link to it."),
    "hl_found": ("已高亮所引用的句子。", "The quoted sentence is highlighted."),
    "hl_missing": ("所引用的句子未在原文中找到。", "The quoted sentence was not found in the text."),
    "outcomes": ("量化成果", "Outcomes"),
    "outcomes_note": ("从原文中抽取的数值，已换算为基本单位；“原文”列是原文写法。",
                      "Figures extracted from the text, converted to base units; “as printed” is how the text writes them."),
    "col_value": ("数值", "Value"),
    "col_unit": ("单位", "Unit"),
    "col_what": ("指标", "What"),
    "col_year": ("年份", "Year"),
    "col_quote": ("出处", "Quote"),
    "col_printed": ("原文", "as printed"),
    "no_outcomes": ("本案例没有抽取出量化成果。", "No figures were extracted from this case."),
    "linked": ("关联实体", "Linked entities"),
    "links_technologies": ("技术与措施", "Technologies and measures"),
    "links_places": ("地点", "Places"),
    "links_partners": ("合作方", "Partners"),
    "links_recognitions": ("荣誉与认证", "Awards and certifications"),
    "links_standards": ("标准", "Standards"),
    "links_years": ("提及的年份", "Years mentioned"),
    "mentions": ("提及 {n} 次", "{n} mentions"),
    "similar": ("相似案例", "Similar cases"),
    "similar_unavailable": ("相似案例暂不可用：", "Similar cases are not available: "),
    "similar_scores": ("文本相似度 {e} · 图谱重合度 {g}", "text similarity {e} · graph overlap {g}"),
    "shared": ("共同点：", "Shared:"),
    "neighbourhood": ("图谱中的邻域", "Neighbourhood in the graph"),
    "neighbourhood_note": ("本案例与其企业、栏目、主要技术、地点、合作方和几项成果的关系。点击节点查看详情。",
                           "The case with its company, section, main technologies, places, partners and a few outcomes. "
                           "Click a node to open it."),
    "chart": ("与其他案例比较", "Compared with other cases"),
    "chart_caption": ("各案例报告的最大{ind}（{unit}）", "Largest {ind} each case reports ({unit})"),
    "chart_log": ("对数刻度：数值相差太大，线性刻度下较小的数值将无法看到。",
                  "Log scale: the figures differ too much for a linear scale."),
    "chart_note": ("只比较已实现的数值（不含预计和目标）；各案例口径不同（年度或累计、范围各异），请结合出处阅读。",
                   "Only figures reported as achieved (no projections or targets); cases measure differently (annual "
                   "or cumulative, different scopes), so read each figure with its source."),
    "no_chart": ("没有其他案例报告与本案例相同的指标，因此不作比较。",
                 "No other case reports the same indicator in the same unit, so there is nothing to compare."),
    "legend": ("图例", "Legend"),
    "node_case": ("案例", "case"),
    "node_org": ("企业", "company"),
    "node_section": ("栏目", "section"),
    "node_technology": ("技术", "technology"),
    "node_place": ("地点", "place"),
    "node_partner": ("合作方", "partner"),
    "node_outcome": ("成果", "outcome"),
    # entities
    "kind_org": ("机构", "Organisation"),
    "kind_technology": ("技术与措施", "Technology or measure"),
    "kind_place": ("地点", "Place"),
    "kind_award": ("荣誉与认证", "Award or certification"),
    "kind_standard": ("标准", "Standard"),
    "also_known": ("又称", "Also known as"),
    "full_name": ("全称", "Full name"),
    "definition": ("说明", "Description"),
    "industry": ("行业", "Industry"),
    "coordinates": ("坐标", "Coordinates"),
    "rel_broader": ("上位概念", "Broader"),
    "rel_narrower": ("下位概念", "Narrower"),
    "rel_part_of": ("所属地区", "Part of"),
    "rel_contains": ("包含", "Contains"),
    "rel_parent": ("上级机构", "Parent organisation"),
    "rel_children": ("下属机构", "Subsidiaries"),
    "ent_cases": ("涉及的案例", "Cases"),
    "ent_no_cases": ("没有案例与它直接关联。", "No case is linked to it."),
    "ent_outcomes": ("相关的量化成果", "Outcomes"),
    "ent_outcomes_note": ("引用句中提到它的成果；若它是案例的实施企业，则列出该案例的全部成果。",
                          "Outcomes whose quoted sentence names it; for the company behind a case, all of the case's outcomes."),
    "ent_no_outcomes": ("没有提到它的量化成果。", "No outcome names it."),
    "ent_more_outcomes": ("另有 {n} 项未列出。", "{n} more not shown."),
    "role_usesTechnology": ("使用", "uses"),
    "role_locatedIn": ("位于", "located in"),
    "role_partner": ("合作方", "partner"),
    "role_recognition": ("获得", "recognition"),
    "role_refersToStandard": ("依据标准", "refers to standard"),
    "role_organisation": ("实施企业", "the company of the case"),
    "role_parentOrganisation": ("上级机构", "parent organisation"),
    "role_other": ("提及", "mentioned"),
    "via": ("经由 {x}", "via {x}"),
    # editor
    "editor_title": ("SPARQL 查询编辑器", "SPARQL query editor"),
    "editor_intro": ("在知识图谱上运行只读的 SPARQL 1.1 查询（端点：/sparql）。可从示例开始。",
                     "Run read-only SPARQL 1.1 queries on the knowledge graph (endpoint: /sparql). Start from an example."),
    "query_label": ("SPARQL 查询", "SPARQL query"),
    "run": ("运行查询", "Run query"),
    "run_hint": ("快捷键 Ctrl+Enter（Mac 上 ⌘+Enter）；在编辑框中按 Tab 键可移到下一个控件。",
                 "Shortcut: Ctrl+Enter (⌘+Enter on a Mac); in the editor, Tab moves the focus on."),
    "examples_h": ("示例查询", "Example queries"),
    "prefixes_h": ("预定义前缀", "Predeclared prefixes"),
    "prefixes_note": ("这些前缀可以直接使用，无需声明；查询中自己的 PREFIX 声明优先。",
                      "These prefixes work without declaring them; a query's own PREFIX lines win."),
    "insert_prefixes": ("插入前缀声明", "Insert PREFIX lines"),
    "results_h": ("结果", "Results"),
    "n_rows": ("{n} 行 · {s} 秒", "{n} rows · {s} s"),
    "truncated": ("结果已截断。", "The result was truncated."),
    "ask_true": ("ASK 的结果：是（true）", "ASK result: true"),
    "ask_false": ("ASK 的结果：否（false）", "ASK result: false"),
    "no_rows": ("查询没有返回任何结果。", "The query returned no results."),
    "download_csv": ("下载 CSV", "Download CSV"),
    "err_syntax": ("SPARQL 语法错误", "SPARQL syntax error"),
    "err_forbidden": ("不允许的查询（只读端点：不能更新数据，也不能使用 SERVICE）",
                      "Query refused (read-only endpoint: no updates, no SERVICE)"),
    "editor_plain": ("语法高亮未加载（前端文件未安装，运行 make 即可）；编辑框仍可使用。",
                     "Syntax highlighting is not loaded (front-end files not installed — run make); the text box still works."),
    "query_empty": ("请输入查询。", "Type a query."),
}

#: the SPARQL editor's examples (they declare the prefixes they use, so they also run elsewhere)
EXAMPLES: list[dict] = [
    {"id": "banks", "zh": "案例集中的银行", "en": "The banks", "query": """\
PREFIX ckg: <https://w3id.org/climatekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# 银行及其案例 · banks and their cases
SELECT ?bank ?name_zh ?name_en ?case WHERE {
  ?bank a ckg:Bank ;
        rdfs:label ?name_zh , ?name_en .
  FILTER(lang(?name_zh) = "zh" && lang(?name_en) = "en")
  OPTIONAL { ?case ckg:organisation ?bank }
}
ORDER BY ?bank"""},
    {"id": "biogas", "zh": "涉及沼气的案例", "en": "Cases using biogas", "query": """\
PREFIX ckg: <https://w3id.org/climatekg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX technology: <https://w3id.org/climatekg/id/technology/>

# 沼气及其下位技术（如沼气热电联产）· biogas and narrower technologies
SELECT ?case ?title ?technology ?label WHERE {
  ?case ckg:usesTechnology ?technology ;
        dcterms:title ?title .
  ?technology skos:broader* technology:biogas ;
              skos:prefLabel ?label .
  FILTER(lang(?title) = "zh" && lang(?label) = "zh")
}
ORDER BY ?case ?technology"""},
    {"id": "co2", "zh": "减排超过 10 万吨 CO₂ 的成果", "en": "CO₂ reductions above 100,000 t", "query": """\
PREFIX ckg: <https://w3id.org/climatekg/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX indicator: <https://w3id.org/climatekg/id/indicator/>

# 数值已换算为吨 · values are in tonnes
SELECT ?case ?tonnes ?year ?quote ?line WHERE {
  ?case ckg:reportsOutcome ?o .
  ?o ckg:measures indicator:co2-reduction ;
     ckg:unitSymbol "t" ;
     schema:value ?tonnes ;
     ckg:quote ?quote ;
     ckg:startLine ?line .
  OPTIONAL { ?o ckg:year ?year }
  FILTER(?tonnes > 100000)
}
ORDER BY DESC(?tonnes)"""},
    {"id": "zhejiang", "zh": "浙江的案例", "en": "Cases in Zhejiang", "query": """\
PREFIX ckg: <https://w3id.org/climatekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX place: <https://w3id.org/climatekg/id/place/>

# 浙江省及省内地点（如杭州）· Zhejiang and the places in it (e.g. Hangzhou)
SELECT DISTINCT ?case ?title ?place ?place_zh WHERE {
  ?case ckg:locatedIn ?place ;
        dcterms:title ?title .
  ?place schema:containedInPlace* place:zhejiang ;
         rdfs:label ?place_zh .
  FILTER(lang(?title) = "zh" && lang(?place_zh) = "zh")
}
ORDER BY ?case"""},
    {"id": "pv", "zh": "各案例的光伏装机容量", "en": "PV capacity by case", "query": """\
PREFIX ckg: <https://w3id.org/climatekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX indicator: <https://w3id.org/climatekg/id/indicator/>

# 引用句中提到“光伏”的装机容量（千瓦）· capacities (kW) whose sentence mentions PV (光伏)
SELECT ?case ?company (MAX(?kW) AS ?largest_kW) (COUNT(?o) AS ?figures) WHERE {
  ?case ckg:reportsOutcome ?o ;
        ckg:organisation ?org .
  ?org rdfs:label ?company .
  FILTER(lang(?company) = "en")
  ?o ckg:measures indicator:capacity ;
     ckg:unitSymbol "kW" ;
     schema:value ?kW ;
     ckg:quote ?quote .
  FILTER(CONTAINS(?quote, "光伏"))
}
GROUP BY ?case ?company
ORDER BY DESC(?largest_kW)"""},
]

#: questions the search page offers to try
TRY_QUESTIONS = {
    "zh": ["哪些案例涉及沼气？", "浙江有哪些案例？", "减排超过10万吨的案例有哪些？", "屋顶光伏"],
    "en": ["How much rooftop PV did Danone install?", "Which banks are in the collection?", "Which cases use biogas?",
           "green finance"],
}

# indicators a case page compares with other cases, in order of preference: (indicator id, unit)
CHART_INDICATORS = [
    ("co2-reduction", "t"), ("capacity", "kW"), ("power-generation", "kWh"), ("green-power", "kWh"),
    ("energy-saved", "tce"), ("financing", "CNY"), ("investment", "CNY"), ("cost-saving", "CNY"),
    ("production", "t"), ("users", "count"), ("area", "m2"),
]
KEY_OUTCOME_ORDER = [i for i, _ in CHART_INDICATORS]


# -- language --------------------------------------------------------------------------------------

def _pick_lang() -> tuple[str, bool]:
    """(language, whether ?lang= chose it)."""
    asked = (request.args.get("lang") or "").strip().lower()
    if asked in LANGS:
        return asked, True
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return cookie, False
    best = request.accept_languages.best_match(LANGS)
    return best or "zh", False


@bp.before_request
def _set_lang():
    g.ui_lang, g.ui_lang_from_param = _pick_lang()


@bp.after_request
def _remember_lang(resp):
    if getattr(g, "ui_lang_from_param", False):
        resp.set_cookie(LANG_COOKIE, g.ui_lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=False)
    resp.headers.add("Vary", "Accept-Language")
    resp.headers.add("Vary", "Cookie")
    return resp


def lang() -> str:
    return getattr(g, "ui_lang", "zh")


def t(key: str, **kw) -> str:
    zh, en = STRINGS[key]
    s = zh if lang() == "zh" else en
    return s.format(**kw) if kw else s


def pick(obj, key: str | None = None):
    """The current language's value: obj["zh"|"en"] or obj[f"{key}_zh"|f"{key}_en"], falling back to the other."""
    if obj is None:
        return ""
    other = "en" if lang() == "zh" else "zh"
    if key is None:
        return obj.get(lang()) or obj.get(other) or ""
    return obj.get(f"{key}_{lang()}") or obj.get(f"{key}_{other}") or ""


def lang_url(target: str) -> str:
    args = request.args.to_dict(flat=False)
    args["lang"] = [target]
    return request.path + "?" + urlencode(args, doseq=True)


def js_strings() -> dict[str, str]:
    i = 0 if lang() == "zh" else 1
    return {k: v[i] for k, v in STRINGS.items()}


@bp.context_processor
def _template_helpers():
    return {"lang": lang(), "other_lang": "en" if lang() == "zh" else "zh", "t": t, "pick": pick,
            "lang_url": lang_url, "fmt_num": fmt_num, "fmt_compact": fmt_compact, "lines": lines_label,
            "page_for_iri": page_for_iri, "hl_link": hl_link, "vendor": vendor_files(),
            "has_t": lambda key: key in STRINGS}


# -- small helpers ---------------------------------------------------------------------------------

def fmt_num(v) -> str:
    """13260 → "13,260"; 0.663 → "0.663" (no scientific notation)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        v = int(v)
    if isinstance(v, int):
        return f"{v:,}"
    s = f"{v:,.4f}".rstrip("0").rstrip(".")
    return s


def fmt_compact(v) -> str:
    """A short form for charts: 1.85 million / 184.8万."""
    if v is None:
        return ""
    a = abs(float(v))
    if lang() == "zh":
        if a >= 1e8:
            return f"{v / 1e8:.4g}亿"
        if a >= 1e4:
            return f"{v / 1e4:.4g}万"
    else:
        if a >= 1e9:
            return f"{v / 1e9:.3g} billion"
        if a >= 1e6:
            return f"{v / 1e6:.3g} million"
    return fmt_num(round(v, 2) if isinstance(v, float) else v)


def lines_label(a: int, b: int | None = None) -> str:
    return t("line_one", a=a) if b is None or a == b else t("lines_range", a=a, b=b)


def hl_link(case_id: str, quote_text: str | None, line: int | None) -> str:
    """The case page with a quoted sentence highlighted, anchored at its line."""
    url = url_for("ui.case_page", case_id=case_id)
    if quote_text:
        url += "?" + urlencode({"hl": quote_text[:MAX_HL]})
    if line:
        url += f"#L{line}"
    return url


def _graph_base() -> str:
    try:
        from .deref import graph_base

        return graph_base()
    except ImportError:  # pragma: no cover - deref is part of the service
        return current_app.config["SETTINGS"].base_iri


def page_for_iri(iri: str | None) -> str | None:
    """The page of this interface for one of our IRIs (else its /id/ description), or None."""
    if not iri:
        return None
    ids = _graph_base() + "id/"
    if not iri.startswith(ids):
        return None
    rest = iri[len(ids):]
    parts = rest.split("/")
    if len(parts) == 2:
        kind, ident = parts
        if kind == "case" and CASE_ID.match(ident):
            return url_for("ui.case_page", case_id=ident)
        if kind in ENTITY_KINDS:
            return url_for("ui.entity_page", kind=kind, entity_id=ident)
        if kind == "section":
            return url_for("ui.cases_page") + f"#{ident}"
    return "/id/" + rest


def vendor_files() -> dict:
    """Which vendored front-end files are present (the editor works without them)."""
    static = Path(current_app.static_folder or "")
    return {"codemirror": (static / "vendor" / "codemirror" / "lib" / "codemirror.js").is_file()}


def _cache() -> dict:
    return current_app.extensions.setdefault("climatekg_ui", {})


def _rows(res) -> list[dict]:
    return [dict(zip(res.variables, row)) for row in res.rows]


def _v(row: dict, name: str):
    term = row.get(name)
    return None if term is None else term.value


def _num(text):
    try:
        f = float(text)
    except (TypeError, ValueError):
        return text
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


def case_index() -> dict[str, dict]:
    """Per case id: number, titles, company names and section (from the parsed collection and its metadata)."""
    cache = _cache()
    if "cases" not in cache:
        data = get_cases()
        meta = data["metadata"]
        out = {}
        for c in data["collection"].cases:
            cm = meta.cases[c.id]
            org = meta.orgs[cm.org]
            sec = meta.sections[cm.section]
            out[c.id] = {"id": c.id, "number": c.number, "title_zh": c.title, "title_en": cm.title_en,
                         "company_zh": org.short_zh, "company_en": org.short_en, "org": org.id,
                         "section": {"id": sec.id, "number": sec.number, "zh": sec.zh, "en": sec.en}}
        cache["cases"] = out
    return cache["cases"]


def all_outcomes() -> list[dict]:
    """Every quantified outcome of the graph (for charts and entity pages), read once."""
    cache = _cache()
    if "outcomes" not in cache:
        res = get_store().query("""
            SELECT ?case ?o ?value ?unit ?ind ?indZh ?indEn ?period ?year ?surface ?quote ?start ?end ?projected WHERE {
              ?case ckg:reportsOutcome ?o .
              ?o schema:value ?value ; ckg:unitSymbol ?unit ; ckg:measures ?ind ; ckg:quote ?quote ;
                 ckg:startLine ?start ; ckg:endLine ?end .
              OPTIONAL { ?o ckg:surface ?surface }
              OPTIONAL { ?ind skos:prefLabel ?indZh FILTER(lang(?indZh) = "zh") }
              OPTIONAL { ?ind skos:prefLabel ?indEn FILTER(lang(?indEn) = "en") }
              OPTIONAL { ?o ckg:period ?period }
              OPTIONAL { ?o ckg:year ?year }
              OPTIONAL { ?o ckg:projected ?projected }
            } ORDER BY ?o""")
        out, seen = [], set()
        for r in _rows(res):
            if _v(r, "o") in seen:
                continue
            seen.add(_v(r, "o"))
            unit = _v(r, "unit")
            year = _v(r, "year")
            period = _v(r, "period")
            out.append({
                "case_id": _v(r, "case").rsplit("/", 1)[-1], "iri": _v(r, "o"), "value": _num(_v(r, "value")),
                "unit": unit, "unit_zh": _unit_label(unit, "zh"), "unit_en": _unit_label(unit, "en"),
                "indicator": {"id": _v(r, "ind").rsplit("/", 1)[-1], "zh": _v(r, "indZh"), "en": _v(r, "indEn")},
                "period": period.rsplit("#", 1)[-1].lower() if period else None,
                "year": int(float(year)) if year else None, "surface": _v(r, "surface"), "quote": _v(r, "quote"),
                "start_line": int(_v(r, "start")), "end_line": int(_v(r, "end")),
                "projected": _v(r, "projected") == "true",
            })
        cache["outcomes"] = out
    return cache["outcomes"]


def _unit_label(unit: str | None, which: str) -> str:
    from climatekg.graph.build import UNIT_LABELS

    zh, en = UNIT_LABELS.get(unit, (unit, unit))
    return zh if which == "zh" else en


def _not_found(message: str):
    return render_template("ui/not_found.html", message=message), 404


# -- pages -----------------------------------------------------------------------------------------

@bp.get("/")
def index():
    q = (request.args.get("q") or "").strip()[:1000]
    return render_template("ui/index.html", q=q, tries=TRY_QUESTIONS[lang()], strings=js_strings(),
                           id_base=_graph_base() + "id/")


@bp.get("/cases")
def cases_page():
    sections: dict[str, dict] = {}
    for c in case_index().values():
        s = sections.setdefault(c["section"]["id"], {**c["section"], "cases": []})
        s["cases"].append(c)
    return render_template("ui/cases.html", sections=list(sections.values()))


@bp.get("/cases/<case_id>")
def case_page(case_id: str):
    from .api_cases import case_detail

    try:
        detail = case_detail(case_id)
    except NotFound as e:
        return _not_found(e.message)
    hl = (request.args.get("hl") or "").strip()[:MAX_HL]
    parts, hl_found = _render_parts(detail, hl)
    similar, similar_error = _similar(case_id)
    outcomes = detail["outcomes"]
    projected = {o["iri"] for o in all_outcomes() if o["projected"]}
    for o in outcomes:
        o["href"] = hl_link(case_id, o["quote"], o["start_line"])
        o.setdefault("projected", o["iri"] in projected)
    return render_template(
        "ui/case.html", case=detail, parts=parts, hl=hl, hl_found=hl_found, similar=similar,
        similar_error=similar_error, neighbourhood=neighbourhood_svg(detail), chart=outcome_chart(detail),
        link_groups=_link_groups(detail), index=case_index())


@bp.get("/entities/<kind>/<entity_id>")
def entity_page(kind: str, entity_id: str):
    if kind not in ENTITY_KINDS:
        return _not_found(f"unknown kind {kind[:40]!r}; use one of: {', '.join(ENTITY_KINDS)}")
    if not ENTITY_ID.match(entity_id):
        return _not_found(f"no {kind} {entity_id[:60]!r} in the graph")
    iri = f"{_graph_base()}id/{kind}/{entity_id}"
    info = describe_entity(iri, kind)
    if info is None:
        return _not_found(f"no {kind} {entity_id!r} in the graph")
    cases = entity_cases(iri, kind)
    outcomes, more = entity_outcomes(info, cases)
    return render_template("ui/entity.html", kind=kind, entity_id=entity_id, iri=iri, info=info, cases=cases,
                           outcomes=outcomes, more_outcomes=more, index=case_index(),
                           rdf_href="/id/" + iri[len(_graph_base() + "id/"):])


@bp.get("/sparql/editor")
def sparql_editor():
    query = request.args.get("query")
    if query is not None:
        query = query[:MAX_EDITOR_QUERY]
    else:
        query = EXAMPLES[0]["query"]
    prefixes = [line.split(None, 2)[1:] for line in PREFIXES.strip().splitlines()]
    prefixes = [(name.rstrip(":"), iri.strip("<> ")) for name, iri in prefixes]
    return render_template("ui/editor.html", query=query, examples=EXAMPLES, prefixes=prefixes,
                           strings=js_strings(), id_base=_graph_base() + "id/")


@bp.get("/ui/facets.json")
def facets():
    """For each case, the section, technologies (a technology also matches its narrower ones), places and
    years that /api/search's filters accept — so the page can count what each filter value would keep."""
    from .api_search import engine

    cache = _cache()
    if "facets" not in cache:
        eng = engine()
        children: dict[str, list[str]] = {}
        for e in eng.entities:
            if e["kind"] == "technology":
                for b in e.get("broader", []):
                    children.setdefault(b, []).append(e["id"])
        by_id = {(e["kind"], e["id"]): e for e in eng.entities}
        cases = {c["case_id"]: {"section": c["section"]["id"], "technology": [], "place": [],
                                "year": sorted(c.get("years", []))} for c in eng.cases}
        labels: dict[str, dict] = {"section": {}, "technology": {}, "place": {}}
        for c in eng.cases:
            labels["section"][c["section"]["id"]] = {"zh": c["section"]["zh"], "en": c["section"]["en"]}
        for e in eng.entities:
            if e["kind"] not in ("technology", "place"):
                continue
            covered = set(e["cases"])
            if e["kind"] == "technology":
                todo, seen = list(children.get(e["id"], [])), set()
                while todo:
                    n = todo.pop()
                    if n in seen:
                        continue
                    seen.add(n)
                    covered |= set(by_id.get(("technology", n), {}).get("cases", {}))
                    todo.extend(children.get(n, []))
            if not covered:
                continue
            labels[e["kind"]][e["id"]] = {"zh": e["zh"], "en": e["en"]}
            for cid in covered:
                if cid in cases:
                    cases[cid][e["kind"]].append(e["id"])
        for c in cases.values():
            c["technology"].sort()
            c["place"].sort()
        cache["facets"] = {"cases": cases, "labels": labels}
    return jsonify(cache["facets"])


# -- case page pieces ------------------------------------------------------------------------------

def _squash(s: str) -> tuple[str, list[int]]:
    """The text without whitespace, and for each kept character its index in the original."""
    out, pos = [], []
    for i, ch in enumerate(s):
        if not ch.isspace():
            out.append(ch)
            pos.append(i)
    return "".join(out), pos


def find_quote(text: str, q: str) -> tuple[int, int] | None:
    """Where the quoted sentence is in a paragraph (ignoring whitespace and a trimmed quote's ellipses)."""
    if not q:
        return None
    i = text.find(q)
    if i >= 0:
        return i, i + len(q)
    core = q.strip().strip("…").strip(".").strip()
    squashed_text, pos = _squash(text)
    squashed_q, _ = _squash(core)
    if len(squashed_q) < 4:
        return None
    j = squashed_text.find(squashed_q)
    if j < 0:
        return None
    return pos[j], pos[j + len(squashed_q) - 1] + 1


def _render_parts(detail: dict, hl: str) -> tuple[list[dict], bool]:
    found_any = False
    parts = []
    # every id="L<n>" once: title and company lines, part headings and paragraph starts first
    used = set(detail["title"].get("lines") or []) | {detail["company"].get("line")}
    used |= {part["start_line"] for part in detail["parts"]}
    used |= {p["start_line"] for part in detail["parts"] for p in part["paragraphs"]}
    for part in detail["parts"]:
        paras = []
        for p in part["paragraphs"]:
            text = p["text"]
            span = find_quote(text, hl) if hl else None
            if span:
                found_any = True
                a, b = span
                html = escape(text[:a]) + Markup('<mark class="hl">') + escape(text[a:b]) + Markup("</mark>") + \
                    escape(text[b:])
            else:
                html = escape(text)
            html = Markup(str(html).replace("\n", "<br>"))
            extra = [n for n in range(p["start_line"] + 1, p["end_line"] + 1) if n not in used]
            used.update(extra)
            paras.append({**p, "html": html, "extra_lines": extra, "highlighted": bool(span)})
        parts.append({**part, "paragraphs": paras})
    return parts, found_any


def _link_groups(detail: dict) -> list[dict]:
    groups = []
    for key in ("technologies", "places", "partners", "recognitions", "standards", "years"):
        items = detail["links"].get(key) or []
        if not items:
            continue
        rows = []
        for it in items:
            ev = it.get("evidence") or {}
            rows.append({**it, "href": page_for_iri(it.get("iri")) if it.get("iri") else None,
                         "ev_href": hl_link(detail["id"], ev.get("quote"), ev.get("start_line")),
                         "count": ev.get("mention_count", 1), "quote": ev.get("quote")})
        groups.append({"key": key, "items": rows})
    return groups


def _similar(case_id: str):
    from .api_search import engine

    try:
        result = engine().similar(case_id=case_id, k=5)
    except ApiError as e:
        return None, e.message
    except (ImportError, OSError, RuntimeError, ValueError, KeyError) as e:  # the search stack could not load
        current_app.logger.warning("similar cases unavailable: %s", e)
        return None, str(e) or type(e).__name__
    for r in result["results"]:
        r["href"] = url_for("ui.case_page", case_id=r["case_id"])
        shared = r.get("shared") or {}
        chips = []
        for key in ("technologies", "indicators", "places", "partners"):
            for item in shared.get(key) or []:
                href = None
                if key == "technologies":
                    href = url_for("ui.entity_page", kind="technology", entity_id=item["id"])
                elif key == "places":
                    href = url_for("ui.entity_page", kind="place", entity_id=item["id"])
                elif key == "partners":
                    href = url_for("ui.entity_page", kind="org", entity_id=item["id"])
                chips.append({"label": pick(item), "href": href, "kind": key})
        r["chips"] = chips[:8]
    return result["results"], None


def _text_width(s: str, size: float = 13.0) -> float:
    w = 0.0
    for ch in s:
        w += size if ord(ch) > 0x2E80 else size * 0.62
    return w


def _clip(s: str, n_zh: int = 9, n_en: int = 22) -> str:
    if not s:
        return ""
    limit = n_zh if any(ord(ch) > 0x2E80 for ch in s) else n_en
    return s if len(s) <= limit else s[: limit - 1] + "…"


NODE_COLOURS = {"case": "#1b4f72", "org": "#7d3c98", "section": "#5d6d7e", "technology": "#1e8449",
                "place": "#b9770e", "partner": "#a93226", "outcome": "#2e86c1"}


def _key_outcomes(outcomes: list[dict], n: int) -> list[dict]:
    chosen, seen = [], set()
    rank = {ind: i for i, ind in enumerate(KEY_OUTCOME_ORDER)}
    for o in sorted(outcomes, key=lambda o: (rank.get(o["indicator"]["id"], 99), -(o["value"] or 0)
                                             if isinstance(o["value"], (int, float)) else 0)):
        ind = o["indicator"]["id"]
        if ind in seen or ind not in rank or o.get("projected"):
            continue
        seen.add(ind)
        chosen.append(o)
        if len(chosen) == n:
            break
    return chosen


def _node_list(nodes: list[dict]) -> str:
    return "; ".join(t("node_" + nd["kind"]) + ": " + nd["full"] for nd in nodes)


def _value_label(value, unit_label: str) -> str:
    """"10万千瓦" in Chinese, "100,000 kW" in English."""
    sep = "" if lang() == "zh" and unit_label and not unit_label[0].isascii() else " "
    return f"{fmt_compact(value)}{sep}{unit_label}".strip()


def _node(nd: dict, x0: float, y0: float, label: str, sub: str, w: float, h: float) -> str:
    colour = NODE_COLOURS[nd["kind"]]
    mid = x0 + w / 2
    body = (f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h}" rx="6" fill="#fff" '
            f'stroke="{colour}" stroke-width="2"/>'
            f'<text x="{mid:.1f}" y="{y0 + (14 if sub else h / 2):.1f}" text-anchor="middle" '
            f'dominant-baseline="central" fill="{colour}" font-size="14">{escape(label)}</text>')
    if sub:
        body += (f'<text x="{mid:.1f}" y="{y0 + 30:.1f}" text-anchor="middle" dominant-baseline="central" '
                 f'fill="#444" font-size="12">{escape(sub)}</text>')
    tip = f'<title>{escape(t("node_" + nd["kind"]))}: {escape(nd["full"])}</title>'
    if nd.get("href"):
        return f'<a href="{escape(nd["href"])}" class="node node-{nd["kind"]}">{tip}{body}</a>'
    return f'<g class="node node-{nd["kind"]}">{tip}{body}</g>'


def _svg_open(cls: str, w: float, h: float, key: str, title: str, desc: str) -> str:
    return (f'<svg class="{cls}" viewBox="0 0 {w:.0f} {h:.0f}" role="img" aria-labelledby="{key}-title {key}-desc" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{key}-title">{escape(title)}</title>'
            f'<desc id="{key}-desc">{escape(desc)}</desc>')


def neighbourhood_svg(detail: dict) -> Markup:
    """The case in the middle; its company, section, places and partners on the left, its main technologies
    and a few outcomes on the right — every node a link (entity pages, the section, the outcome's line).
    Two drawings: a wide one, and a narrow one (a tree down the left) that phones show instead."""
    L = lang()
    company = detail["company"]

    def by_mentions(items, n):
        return sorted(items, key=lambda it: -(it.get("evidence") or {}).get("mention_count", 1))[:n]

    left = [{"kind": "org", "label": company.get(L) or company.get("zh"), "full": company.get(f"full_{L}") or "",
             "href": url_for("ui.entity_page", kind="org", entity_id=company["id"])}]
    sec = detail["section"]
    left.append({"kind": "section", "label": sec[L], "full": sec[L], "href": url_for("ui.cases_page") + f"#{sec['id']}"})
    for it in by_mentions(detail["links"].get("places", []), 3):
        left.append({"kind": "place", "label": pick(it), "full": pick(it), "href": page_for_iri(it["iri"])})
    for it in by_mentions(detail["links"].get("partners", []), 3):
        left.append({"kind": "partner", "label": pick(it), "full": pick(it), "href": page_for_iri(it["iri"])})
    right = []
    for it in by_mentions(detail["links"].get("technologies", []), 5):
        right.append({"kind": "technology", "label": pick(it), "full": pick(it), "href": page_for_iri(it["iri"])})
    for o in _key_outcomes(detail["outcomes"], 3):
        value = _value_label(o["value"], o["unit_zh"] if L == "zh" else o["unit_en"])
        ind = pick(o["indicator"])
        right.append({"kind": "outcome", "label": value, "sub": ind, "full": f"{ind}: {value}",
                      "href": f"#L{o['start_line']}"})
    title = _clip(f'{company.get(L) or company.get("zh")} · {t("case_n", n=detail["number"])}', 12, 28)
    desc = _node_list(left + right)
    cw = _text_width(title, 14) + 28

    def centre(x: float, y: float) -> str:
        return (f'<g class="node node-case"><rect x="{x - cw / 2:.1f}" y="{y - 20:.1f}" width="{cw:.1f}" height="40" '
                f'rx="8" fill="{NODE_COLOURS["case"]}"/><text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
                f'dominant-baseline="central" fill="#fff" font-size="15" font-weight="bold">{escape(title)}</text></g>')

    # wide: two columns joined to the case by curves
    W, row = 800, 48
    H = max(len(left), len(right), 3) * row + 16
    cx, cy = W / 2, H / 2
    edges, boxes = [], []
    for side, nodes in (("left", left), ("right", right)):
        top = (H - len(nodes) * row) / 2
        for i, nd in enumerate(nodes):
            label, sub = _clip(nd["label"], 11, 24), _clip(nd.get("sub", ""), 11, 26)
            w = max(_text_width(label, 14), _text_width(sub, 12)) + 22
            h = 40 if sub else 30
            y0 = top + i * row + (row - h) / 2
            x0 = max(230 - w, 2) if side == "left" else min(W - 230, W - w - 2)
            ex = x0 + w if side == "left" else x0
            cxe = cx - cw / 2 if side == "left" else cx + cw / 2
            edges.append(f'<path d="M{ex:.1f},{y0 + h / 2:.1f} C{(ex + cxe) / 2:.1f},{y0 + h / 2:.1f} '
                         f'{(ex + cxe) / 2:.1f},{cy:.1f} {cxe:.1f},{cy:.1f}" fill="none" '
                         f'stroke="{NODE_COLOURS[nd["kind"]]}" stroke-opacity=".55" stroke-width="1.6"/>')
            boxes.append(_node(nd, x0, y0, label, sub, w, h))
    wide = [_svg_open("neigh wide", W, H, "neigh", t("neighbourhood"), desc), '<g class="edges">', *edges, "</g>",
            '<g class="nodes">', *boxes, centre(cx, cy), "</g></svg>"]

    # narrow: the case on top, a trunk down the left, one node per row
    W2 = 380
    y = 66
    edges, boxes = [], []
    trunk_x = 22
    last_mid = y
    for nd in left + right:
        label, sub = _clip(nd["label"], 15, 34), _clip(nd.get("sub", ""), 15, 34)
        w = min(max(_text_width(label, 14), _text_width(sub, 12)) + 22, W2 - 50)
        h = 40 if sub else 30
        mid = y + h / 2
        edges.append(f'<path d="M{trunk_x},{mid:.1f} H44" stroke="{NODE_COLOURS[nd["kind"]]}" stroke-width="2"/>')
        boxes.append(_node(nd, 44, y, label, sub, w, h))
        last_mid = mid
        y += h + 10
    H2 = y + 4
    trunk = f'<path d="M{trunk_x},40 V{last_mid:.1f}" stroke="#8a99a6" stroke-width="2" fill="none"/>'
    narrow = [_svg_open("neigh narrow", W2, H2, "neigh-n", t("neighbourhood"), desc), trunk, '<g class="edges">',
              *edges, "</g>", '<g class="nodes">', *boxes, centre(min(cw / 2 + 4, W2 / 2), 22), "</g></svg>"]
    return Markup("".join(wide) + "".join(narrow))


def outcome_chart(detail: dict) -> dict | None:
    """Bars comparing one key outcome of this case with the other cases reporting that indicator in that unit."""
    L = lang()
    case_id = detail["id"]
    mine = {(o["indicator"]["id"], o["unit"]) for o in detail["outcomes"]
            if isinstance(o["value"], (int, float)) and not o.get("projected")}
    everything = all_outcomes()
    for ind, unit in CHART_INDICATORS:
        if (ind, unit) not in mine:
            continue
        best: dict[str, dict] = {}
        for o in everything:
            if o["indicator"]["id"] != ind or o["unit"] != unit or not isinstance(o["value"], (int, float)):
                continue
            if o["value"] <= 0 or o["projected"]:  # compare what was achieved, not targets or projections
                continue
            cur = best.get(o["case_id"])
            if cur is None or o["value"] > cur["value"]:
                best[o["case_id"]] = o
        if case_id not in best or len(best) < 3:  # this case and at least two others
            continue
        rows = sorted(best.values(), key=lambda o: -o["value"])
        if len(rows) > 12:
            keep = rows[:11]
            if all(r["case_id"] != case_id for r in keep):
                keep.append(best[case_id])
            rows = keep
        return _chart_svg(rows, case_id, ind, unit, L)
    return None


def _chart_svg(rows: list[dict], case_id: str, ind: str, unit: str, L: str) -> dict:
    """Horizontal bars, this case in red; a wide drawing and a narrow one (name above its bar) for phones."""
    idx = case_index()
    first = rows[0]
    ind_label = pick(first["indicator"]) or ind
    if L == "en" and ind_label[:2] != "CO":
        ind_label = ind_label[:1].lower() + ind_label[1:]
    unit_label = first["unit_zh"] if L == "zh" else first["unit_en"]
    unit_label = unit_label or ("个" if L == "zh" else "count")
    values = [r["value"] for r in rows]
    vmax, vmin = max(values), min(values)
    log = vmax / vmin > 100

    def length(v: float, bar_w: float) -> float:
        if log:
            lo = math.log10(vmin) - 0.5
            return bar_w * (math.log10(v) - lo) / (math.log10(vmax) - lo)
        return bar_w * v / vmax

    caption = t("chart_caption", ind=ind_label, unit=unit_label)
    desc = "; ".join(f"{pick(idx.get(r['case_id'], {}), 'company')}: {fmt_num(r['value'])} {unit_label}" for r in rows)
    wide = [_svg_open("chart wide", 760, 28 * len(rows) + 12, "chart", caption, desc)]
    narrow = [_svg_open("chart narrow", 380, 44 * len(rows) + 8, "chart-n", caption, desc)]
    for i, r in enumerate(rows):
        me = r["case_id"] == case_id
        c = idx.get(r["case_id"], {})
        colour = "#c0392b" if me else "#2e86c1"
        value_text = _value_label(r["value"], unit_label)
        bold = ' font-weight="bold"' if me else ""
        mine = f" ({t('this_case')})" if me else ""
        href = escape(hl_link(r["case_id"], r["quote"], r["start_line"]))
        tip = (f'<title>{escape(pick(c, "title"))} — {escape(fmt_num(r["value"]))} {escape(unit_label)}'
               f'{escape(mine)}</title>')
        name = pick(c, "company") or r["case_id"]
        # wide: name | bar value
        y = 6 + i * 28
        bl = max(length(r["value"], 400), 2)
        label = ("▶ " if me else "") + _clip(name, 10, 24)
        wide.append(
            f'<a href="{href}" class="bar{" me" if me else ""}">{tip}'
            f'<text x="190" y="{y + 12:.1f}" text-anchor="end" dominant-baseline="central" font-size="13" '
            f'fill="#222"{bold}>{escape(label)}</text>'
            f'<rect x="200" y="{y + 4}" width="{bl:.1f}" height="16" rx="3" fill="{colour}"/>'
            f'<text x="{200 + bl + 6:.1f}" y="{y + 12:.1f}" dominant-baseline="central" font-size="12" '
            f'fill="#333">{escape(value_text)}</text></a>')
        # narrow: name above the bar
        y = 4 + i * 44
        bl = max(length(r["value"], 230), 2)
        label = ("▶ " if me else "") + _clip(name, 16, 40)
        narrow.append(
            f'<a href="{href}" class="bar{" me" if me else ""}">{tip}'
            f'<text x="6" y="{y + 10:.1f}" dominant-baseline="central" font-size="13" fill="#222"{bold}>'
            f'{escape(label)}</text>'
            f'<rect x="6" y="{y + 20}" width="{bl:.1f}" height="14" rx="3" fill="{colour}"/>'
            f'<text x="{6 + bl + 6:.1f}" y="{y + 27:.1f}" dominant-baseline="central" font-size="12" '
            f'fill="#333">{escape(value_text)}</text></a>')
    wide.append("</svg>")
    narrow.append("</svg>")
    return {"svg": Markup("".join(wide) + "".join(narrow)), "caption": caption, "log": log, "indicator": ind,
            "unit": unit, "rows": [{"case_id": r["case_id"], "value": r["value"]} for r in rows]}


# -- entity page pieces ----------------------------------------------------------------------------

def _lit(term) -> tuple[str, str | None]:
    return term.value, term.lang


def describe_entity(iri: str, kind: str) -> dict | None:
    store = get_store()
    res = store.query(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
    if not res.rows:
        return None
    info: dict = {"iri": iri, "labels": {}, "names": {}, "alt": {"zh": [], "en": []}, "definition": {},
                  "industry": {}, "lat": None, "long": None, "types": [], "rel": {}}
    related: dict[str, list[str]] = {}
    for p_term, o in res.rows:
        p = p_term.value
        if o is None:
            continue
        if o.kind == "literal":
            value, lg = _lit(o)
            lg = (lg or "").split("-")[0]
            if p in (RDFS_LABEL, SKOS + "prefLabel"):
                info["labels"].setdefault(lg or "zh", value)
            elif p == SCHEMA + "name":
                info["names"].setdefault(lg or "zh", value)
            elif p in (SKOS + "altLabel", SCHEMA + "alternateName"):
                if lg in ("zh", "en") and value not in info["alt"][lg]:
                    info["alt"][lg].append(value)
            elif p == SKOS + "definition":
                info["definition"][lg or "en"] = value
            elif p == "http://www.w3.org/2000/01/rdf-schema#comment":
                info["definition"].setdefault(lg or "en", value)
            elif p == CKG + "industry":
                info["industry"].setdefault(lg or "zh", value)
            elif p == SCHEMA + "latitude":
                info["lat"] = value
            elif p == SCHEMA + "longitude":
                info["long"] = value
        elif o.kind == "uri":
            if p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
                info["types"].append(o.value.rsplit("#", 1)[-1])
            key = {SKOS + "broader": "broader", SCHEMA + "containedInPlace": "part_of",
                   CKG + "parentOrganisation": "parent"}.get(p)
            if key:
                related.setdefault(key, []).append(o.value)
    inverse = {"technology": (SKOS + "broader", "narrower"), "place": (SCHEMA + "containedInPlace", "contains"),
               "org": (CKG + "parentOrganisation", "children")}.get(kind)
    if inverse:
        res = store.query(f"SELECT ?s WHERE {{ ?s <{inverse[0]}> <{iri}> }}")
        related[inverse[1]] = [row[0].value for row in res.rows if row[0] is not None]
    labels = _labels_of([i for v in related.values() for i in v])
    for key, iris in related.items():
        info["rel"][key] = sorted(({"iri": i, "href": page_for_iri(i), **labels.get(i, {"zh": i, "en": i})}
                                   for i in dict.fromkeys(iris)), key=lambda d: d.get("en") or "")
    if not info["labels"] and not info["names"]:
        return None
    return info


def _labels_of(iris: list[str]) -> dict[str, dict]:
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in dict.fromkeys(iris))
    res = get_store().query(f"""
        SELECT ?x ?l WHERE {{ VALUES ?x {{ {values} }} ?x rdfs:label|skos:prefLabel ?l }}""")
    out: dict[str, dict] = {}
    for x, lab in res.rows:
        if x is None or lab is None:
            continue
        lg = (lab.lang or "zh").split("-")[0]
        out.setdefault(x.value, {}).setdefault(lg, lab.value)
    for d in out.values():
        d.setdefault("zh", d.get("en", ""))
        d.setdefault("en", d.get("zh", ""))
    return out


def entity_cases(iri: str, kind: str) -> list[dict]:
    """The cases linked to the entity (through evidence; a technology also through its narrower ones, a place
    through the places in it, an organisation as the company of a case or its parent), with their quotes."""
    path = {"technology": "skos:broader*", "place": "schema:containedInPlace*"}.get(kind)
    via = f"?via {path} <{iri}> ." if path else f"VALUES ?via {{ <{iri}> }}"
    res = get_store().query(f"""
        SELECT ?case ?pred ?via ?quote ?start ?end ?count WHERE {{
          {via}
          ?ev a ckg:Evidence ; rdf:object ?via ; rdf:predicate ?pred ; ckg:evidenceFor ?case ;
              ckg:quote ?quote ; ckg:startLine ?start ; ckg:endLine ?end .
          ?case a ckg:Case .
          OPTIONAL {{ ?ev ckg:mentionCount ?count }}
        }} ORDER BY ?case ?start""")
    cases: dict[str, dict] = {}
    via_iris = set()
    for r in _rows(res):
        cid = _v(r, "case").rsplit("/", 1)[-1]
        c = cases.setdefault(cid, {"case_id": cid, "roles": [], "evidence": [], "via": [], "own": False})
        pred = _v(r, "pred").rsplit("#", 1)[-1]
        if pred not in c["roles"]:
            c["roles"].append(pred)
        v = _v(r, "via")
        if v != iri and v not in c["via"]:
            c["via"].append(v)
            via_iris.add(v)
        if len(c["evidence"]) < 3 and all(e["quote"] != _v(r, "quote") for e in c["evidence"]):
            c["evidence"].append({"quote": _v(r, "quote"), "start_line": int(_v(r, "start")),
                                  "end_line": int(_v(r, "end")), "count": int(_v(r, "count") or 1)})
    if kind == "org":
        res = get_store().query(f"""
            SELECT ?case WHERE {{ ?case a ckg:Case ; ckg:organisation ?org . ?org ckg:parentOrganisation* <{iri}> }}""")
        for row in res.rows:
            cid = row[0].value.rsplit("/", 1)[-1]
            c = cases.setdefault(cid, {"case_id": cid, "roles": [], "evidence": [], "via": [], "own": False})
            c["own"] = True
            if "organisation" not in c["roles"]:
                c["roles"].insert(0, "organisation")
    labels = _labels_of(sorted(via_iris))
    idx = case_index()
    out = []
    for cid in sorted(cases):
        c = cases[cid]
        c["case"] = idx.get(cid, {"title_zh": cid, "title_en": cid, "company_zh": "", "company_en": ""})
        c["href"] = url_for("ui.case_page", case_id=cid)
        c["via"] = [{"iri": v, "href": page_for_iri(v), **labels.get(v, {"zh": v, "en": v})} for v in c["via"]]
        for e in c["evidence"]:
            e["href"] = hl_link(cid, e["quote"], e["start_line"])
        out.append(c)
    return out


def entity_outcomes(info: dict, cases: list[dict], limit: int = 40) -> tuple[list[dict], int]:
    names = set()
    for d in (info["labels"], info["names"]):
        names.update(v for v in d.values() if v)
    for lg in ("zh", "en"):
        names.update(info["alt"][lg])
    for c in cases:
        for v in c["via"]:
            names.update(x for x in (v.get("zh"), v.get("en")) if x)
    names = {n for n in names if len(n) >= 2}
    own = {c["case_id"] for c in cases if c["own"]}
    linked = {c["case_id"] for c in cases}
    found = []
    for o in all_outcomes():
        if o["case_id"] not in linked:
            continue
        if o["case_id"] in own or any(n in o["quote"] for n in names):
            found.append({**o, "href": hl_link(o["case_id"], o["quote"], o["start_line"])})
    return found[:limit], max(0, len(found) - limit)


def editor_link(query: str) -> str:
    return url_for("ui.sparql_editor") + "?query=" + quote(query, safe="")
