"""Question understanding without a language model: the graph's lexicon, entity links and amounts, in zh and en.

``parse(query, lexicon)`` returns a :class:`Question`: the language, the entities the question names (through
the graph's bilingual labels), the schema terms it names (indicators, classes, properties, periods — through
their labels and alternative labels in the ontology, see ``lexicon.py``), the kind of answer it asks for
(quantity, organisation, date, place, see ``select.py``), and — when the question is one the graph can answer
exactly — a structured intent:

* ``count`` / ``list``: cases (or companies) matching constraints;
* ``compare``: an indicator compared with an amount (超过10 MW, above 100,000 t a year);
* ``superlative``: the largest / smallest figure of an indicator (or the oldest company);
* ``attribute``: a fact about a company (founded, listed where, stock code);
* ``property``: the value of a relation the ontology declares for an organisation the question names
  (its shareholder, its parent organisation, …), found through the property's labels.

Constraints are technologies, places, sections, partners, recognitions,
standards, organisation kinds (banks, grid companies), founding years and
stock exchanges. Anything else is left to extractive answering.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from climatekg.graph.quantities import parse_amount

from .select import answer_type, asked_unit

MAX_AMOUNT = 1e300  # largest amount (base units) a question compares with; larger ones, even inf, are clamped to it

CMP_GT = r"超过|大于|高于|多于|不少于|不低于|以上|逾|至少|\b(?:more than|over|above|greater than|exceed\w*|at least|bigger than|larger than|higher than)\b"
CMP_LT = r"低于|少于|小于|不到|不足|以下|\b(?:less than|below|under|fewer than|smaller than|lower than|at most)\b"
SUPER_MAX = r"最大|最多|最高|最长|更高|更多|更大|\b(?:largest|biggest|most|highest|greatest|maximum|top|higher|larger|bigger)\b"
SUPER_MIN = r"最小|最少|最低|\b(?:smallest|least|lowest|minimum|fewest)\b"
OLDEST = r"最早|最悠久|历史最|最老|oldest|earliest|longest history|first founded"

COUNT = (r"(多少|几)(个|家|项)?(企业|公司|银行)?(案例|项目|企业|公司|银行)|(案例|项目|企业|公司)(的)?(数量|个数)"
         r"|(案例|项目|企业|公司|银行)(一共|总共|共)?有?(多少|几)(个|家|项)"
         r"|how many (?:case |of the )?(cases|companies|projects|firms|banks|of the)|number of (?:case )?(cases|companies|projects)"
         r"|\bcount (?:the |all )?(?:case )?(cases|companies|projects|firms|banks)")
# "几家<kind of>企业": a count of companies (or cases) described by the words between
COUNT_OF = r"(?:多少|几)(?:个|家)[^，,。？?；;]{1,12}?(?:企业|公司|银行|案例)"
LIST = r"哪些|哪几|列出|有什么|which (\w+[- ]){0,2}(?!(?:is|was|has|does)\b)\w{2,}s\b|which of the|what (cases|companies|projects|firms)|list|show me|give me|name the"
ONE_OF = r"哪个|哪家|哪一家|哪一个|which"  # "which case …": a list of one, unless it asks for a name, a date or a place
RANK = r"排名|排序|排列|按.{0,12}(大小|多少|高低|先后)|从(大|多|高|小|少|低)到(小|少|低|大|多|高)|怎么排|排一下|排个序|rank|sort|order (them|the cases)"
# what separates the subjects of a comparison ("A、B、C 谁最大", "which cuts more: A or B"): a subject is a stretch between
ITEM_SEP = r"[、，,；;：:]\s*|\s*(?:和|与|及|还是|或者|或)\s*|\s+(?:or|and|versus|vs\.?)\s+"
TARGET = r"\b(the )?(cases|companies|firms|projects)\b|案例|企业|公司"  # what a list or count is of
COPULA = r"(companies|firms|企业|公司)(\s+in the collection)?\s*(are|is|是|属于)|哪些(是|属于)|(制造|生产)(企业|公司|商)|制造商|生产商"
# nouns for companies by what they are ("PV manufacturers", "food delivery platforms", "光伏制造企业")
MAKERS_EN = r"manufacturer|maker|producer|platform|operator|provider|supplier|brewer"
MAKERS_ZH = r"制造企业|制造商|生产企业|生产商|平台|运营商|服务商|供应商"
ORDINALS = {"二": 2, "三": 3, "四": 4, "五": 5, "2": 2, "3": 3, "4": 4, "5": 5, "second": 2, "third": 3, "fourth": 4,
            "fifth": 5, "two": 2, "three": 3, "four": 4, "five": 5}
ORDINAL = r"第\s*([二三四五2-5])|前\s*([二三四五2-5])|\b(second|third|fourth|fifth)\b|\btop\s*(\d+|two|three|four|five)\b"
ORDER = r"顺序|先后|排序|排列|in (the )?order|order of|chronological|sequence|first to last|earliest first|oldest first|\bfirst\b|更早|谁早"
# "which companies / cases …" (not "which company's …", a name)
LIST_OF_CASES = r"哪些(企业|公司|案例|项目|机构)|哪几(家|个)|which (of the )?(cases|companies|firms|projects)|what (cases|companies|firms)|list the"
COMPARATIVE = r"谁(的)?.{0,12}更|哪(个|家|一家).{0,12}更|更(大|多|高|早|长|低|少)|比较|相比|对比|\b(bigger|larger|higher|more|less|" \
              r"lower|smaller|earlier|older)\b|which of the (two|three)|compare|\brank\b"

FOUNDED = r"成立|创立|创建|创办|始建|建立于|founded|founding|foundation|established|set up|incorporated|created"
LISTED = r"上市|股票代码|证券代码|listed|listing|stock code|ticker|ipo|stock exchange"
# words that ask for a figure rather than for the cases that do something
FIGURE_ASKED = r"报告|披露|给出|写明|提供|公布|数据|数值|具体|多少|几|量化|\b(?:report|give|state|disclos|quantif|how much|" \
               r"how many|figures?|numbers?|amounts?|data)"
ANNUAL = r"每年|年均|一年|年减排|年发电|per year|a year|annual|annually|yearly|each year"
CUMULATIVE = r"累计|累积|总共|cumulative|in total|so far|to date"

ORG_KINDS = [
    (r"银行|banks?\b", "bank"),
    (r"电网|供电公司|电力公司|power[- ]grid|grid compan|utilit", "grid"),
]
EXCHANGES = [
    (r"香港|港股|港交所|hong kong|hkex|hkse", ("HK", "香港")),
    (r"纳斯达克|nasdaq", ("NASDAQ", "纳斯达克")),
    (r"纽约|纽交所|nyse|new york", ("NYSE", "纽约")),
    (r"a股|上交所|深交所|上海证券|深圳证券|a-share|shanghai stock|shenzhen stock", ("A-share", "A股")),
]


@dataclass
class Question:
    text: str
    lang: str
    mentions: list = field(default_factory=list)  # EntityMention from the search engine's linker
    kind: str | None = None  # count | list | report | compare | superlative | attribute | property | oldest | None (extractive)
    target: str = "cases"  # cases | companies
    technologies: list[dict] = field(default_factory=list)
    places: list[dict] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)
    orgs: list[dict] = field(default_factory=list)
    awards: list[dict] = field(default_factory=list)
    standards: list[dict] = field(default_factory=list)
    org_kind: str | None = None
    indicator: str | None = None
    unit: str | None = None
    comparator: str | None = None  # > | <
    amount: float | None = None
    period: str | None = None  # annual | cumulative
    superlative: str | None = None  # max | min
    attribute: str | None = None  # founded | listed
    founded_year: int | None = None  # the first year of the founding period asked (a year, a decade, "before 2000")
    founded_until: int | None = None  # … and its last year
    exchange: tuple[str, str] | None = None
    asks_amount: bool = False  # "how much / 多少": an extractive answer should carry a figure
    answer_type: str = "text"  # quantity | organisation | date | place | text
    indicator_term: object = None  # lexicon Term of the indicator named
    indicator_terms: list = field(default_factory=list)  # every indicator named, the likeliest first
    org_class: object = None  # lexicon Term of an organisation class named ("banks")
    prop: object = None  # lexicon Term of an organisation property named ("shareholder")
    asked_unit: str | None = None  # the unit the question names ("how many tonnes")
    query: object = None  # the analysed Query (vector, mentions) it was parsed from
    groups: list = field(default_factory=list)  # [(kind, [entities])]: one per mention; entities in a group are alternatives
    any_of: bool = False  # "A or B": technology groups are alternatives too
    within: list = field(default_factory=list)  # case ids a comparison is restricted to
    asks_indicator: bool = False  # the question asks for the value of the indicator it names, nothing else
    industry_words: list = field(default_factory=list)  # what the companies are, when no technology names it
    of_companies: bool = False  # "which companies are PV makers": what the companies are (their industry), not what they use
    top_n: int = 1  # "the second and third oldest", "top 5", "rank them": how many of a superlative (0: all)
    comparative: bool = False  # "which of A and B …", "谁更大", "rank": the named subjects are compared
    node_class: str | None = None  # a statement class the question asks about (targets, recognitions: lexicon.node_links)
    node_concepts: list = field(default_factory=list)  # concepts that describe it (net zero; certification): alternatives
    node_keys: list = field(default_factory=list)  # groups of Chinese words (alternatives) its label may contain
    node_year: int | None = None  # a year of it (a target year, the year of an award)
    node_techs: list = field(default_factory=list)  # technologies its words name ("zero-carbon certificate"): their narrower ones count too
    place_mentions: bool = False  # a place constraint on any place the text mentions, not the project's site
    text_cases: list = field(default_factory=list)  # cases whose text writes what the question names narrowly (sweep.py)
    text_forms: list = field(default_factory=list)  # … and the words written
    open_list: bool = False  # "which companies <did something>" with nothing the graph links: a list only if the text narrows it
    subjects: list = field(default_factory=list)  # cases a comparison names by their projects or parks (subjects.py)
    subject_spans: dict = field(default_factory=dict)  # case id → (start, end) of the words that name it

    @property
    def named_cases(self) -> list[str]:
        """The cases of the organisations the question names (their own cases, not ones they appear in) — or, in a
        comparison whose subjects are named by their projects, the cases those name (``subjects.py``)."""
        if self.subjects:
            return list(self.subjects)
        out = []
        for o in self.orgs:
            out += [c for c, n in o["cases"].items() if n >= 10 and c not in out]
        return out

    @property
    def constraints(self) -> int:
        return sum(map(bool, (self.technologies, self.places, self.sections, self.orgs, self.awards, self.standards,
                              self.org_kind, self.founded_year is not None, self.exchange)))


def _related(a: dict, b: dict) -> bool:
    """Two technologies of one family: one is broader than the other, or they share a broader one."""
    up_a, up_b = set(a.get("broader", ())), set(b.get("broader", ()))
    return a["id"] in up_b or b["id"] in up_a or bool(up_a & up_b)


def _drop_modifiers(q: Question, text: str) -> None:
    """A technology written right before another of its family modifies it ("electric-vehicle charging piles",
    "电动汽车充电桩"): the compound names the head, the last one; the modifier is no constraint of its own."""
    techs = sorted((m for m in q.mentions if m.entity["kind"] == "technology"), key=lambda m: m.start)
    drop = set()
    for a, b in zip(techs, techs[1:]):
        if a.end <= b.start and re.fullmatch(r"[\s-]*", text[a.end:b.start]) and a.entity["id"] != b.entity["id"] \
                and _related(a.entity, b.entity):
            drop.add(a.entity["id"])
    if drop:
        keep = {m.entity["id"] for m in techs if m.entity["id"] not in drop}
        drop -= keep  # named on its own elsewhere too: still a constraint
        q.technologies = [t for t in q.technologies if t["id"] not in drop]
        q.groups = [(k, [e for e in g if not (k == "technology" and e["id"] in drop)]) for k, g in q.groups]
        q.groups = [(k, g) for k, g in q.groups if g]


def items(text: str) -> list[tuple[int, int]]:
    """The stretches of a question between the separators of a coordination ("A、B和C", "A, B and C", "X: A or B"),
    as (start, end), trimmed; the stretch that asks the question is one of them."""
    out, start = [], 0
    for m in list(re.finditer(ITEM_SEP, text, re.I)) + [None]:
        end = m.start() if m else len(text)
        a, b = start, end
        while a < b and text[a] in " \t'\"‘’“”(（":
            a += 1
        while b > a and text[b - 1] in " \t'\"‘’“”)）?？。.!！":
            b -= 1
        if b > a:
            out.append((a, b))
        start = m.end() if m else len(text)
    return out


def literal_range(term) -> bool:
    """A datatype property: its values are literals (a year, a code, a name), not things."""
    r = term.range or ""
    return r.startswith("http://www.w3.org/2001/XMLSchema#") or r.endswith("langString")


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


ORGANISATION = "Organisation"


def parse(query, lexicon) -> Question:
    """A Query (text, language, entity mentions from the search engine's ``analyse``) → Question."""
    text, lang, mentions = query.text, query.lang, query.mentions
    q = Question(text=text, lang=lang, mentions=mentions, query=query)
    low = text.lower()
    terms = lexicon.find(text)
    # entities, by kind. Several entities may share one mention ("Forbes" names two awards; "green transport"
    # is a section and a technology): per mention keep the most likely kind, and all entities of that kind
    section_words = _has(r"板块|栏目|部分|section|chapter|part of the collection", low)
    priority = ["section", "org", "award", "standard", "technology", "place"] if section_words else \
        ["org", "award", "standard", "technology", "place", "section"]
    spans: dict[tuple[int, int], list] = {}
    for m in mentions:
        spans.setdefault((m.start, m.end), []).append(m.entity)
    for (s0, e0), ents in spans.items():
        # an entity the words name in full ("Hangzhou" the city) before one they name in part (an award named after it)
        said = re.sub(r"\s", "", text[s0:e0]).lower()
        whole = [e for e in ents if any(re.sub(r"\s", "", x).lower() == said for x in
                                        list(e.get("labels_zh", [])) + list(e.get("labels_en", [])) + [e.get("en", ""), e.get("zh", "")])]
        ents = whole or ents
        kind = min((e["kind"] for e in ents), key=lambda k: priority.index(k) if k in priority else 99)
        group = [e for e in ents if e["kind"] == kind]
        bucket = {"technology": q.technologies, "place": q.places, "section": q.sections, "org": q.orgs,
                  "award": q.awards, "standard": q.standards}.get(kind)
        for e in group:
            if bucket is not None and all(x["id"] != e["id"] for x in bucket):
                bucket.append(e)
        q.groups.append((kind, group))
    _drop_modifiers(q, text)
    q.any_of = _has(r"或者|或是|或|\bor\b|either", low)
    q.comparative = _has(COMPARATIVE, low) or _has(RANK, low)
    if not q.comparative and len(q.named_cases) >= 2 and (_has(SUPER_MAX, low) or _has(SUPER_MIN, low)):
        q.comparative = True  # "A、B、C，哪个最大", "among A, B and C, which has the most": the named ones compared
    ordinals = [ORDINALS.get(x.lower(), int(x) if x.isdigit() else 1) for m in re.finditer(ORDINAL, low, re.I)
                for x in m.groups() if x]
    q.top_n = 0 if _has(RANK, low) else max(ordinals, default=1)
    # an organisation class named by its label ("banks", "银行"): a constraint on the case's organisation
    # only a class no other class specialises ("banks", not "companies": every case has a company)
    classes = [m for m in terms if m.term.kind == "class" and lexicon.is_subclass(m.term, ORGANISATION)
               and not lexicon.has_subclass(m.term)]
    # a class label inside a longer name ("Bank" of "Bank of Beijing") is part of that name, not a constraint;
    # an organisation linked on the class word alone ("banks") is the class, not that organisation
    org_spans = [(m.start, m.end) for m in mentions if m.entity["kind"] == "org"]
    classes = [m for m in classes if not any(s <= m.start and m.end <= e and (e - s) > (m.end - m.start) for s, e in org_spans)]
    if classes:
        q.org_class = classes[0].term
        q.org_kind = q.org_class.key
        spans = [(m.start, m.end) for m in classes]
        on_class = {m.entity["id"] for m in mentions if m.entity["kind"] == "org" and any(
            s <= m.start and m.end <= e for s, e in spans)}
        q.orgs = [o for o in q.orgs if o["id"] not in on_class]
    else:
        for pattern, kind in ORG_KINDS:  # a kind word outside any company's name ("banks", not "Bank of Beijing")
            if any(not any(s <= m.start() and m.end() <= e for s, e in org_spans)
                   for m in re.finditer(pattern, low, re.I)):
                q.org_kind = kind
                q.orgs = [o for o in q.orgs if not _has(pattern, o["en"].lower() + o["zh"])]
                break
    for pattern, ex in EXCHANGES:
        if _has(pattern, low) and _has(LISTED, low):
            q.exchange = ex
            # a place or a recognition named after the exchange (Hong Kong; a listing there) is the listing asked about
            q.places = [p for p in q.places if not _has(pattern, p["en"].lower() + p["zh"])]
            q.awards = [a for a in q.awards if not _has(pattern, a["en"].lower() + a["zh"])]
    q.asks_amount = _has(r"多少|几|多大|多高|how much|how many|what (is|was) the (amount|total|size)|how large|how big", low)
    q.answer_type = answer_type(text)
    unit = asked_unit(text)
    q.asked_unit = unit
    # several indicators named: the head of the noun phrase comes last ("renewable electricity generation")
    # a label inside the question's grammar ("how many companies") names what is counted, not an indicator
    grammar = [m.span() for p in (COUNT, LIST, TARGET) for m in re.finditer(p, text, re.I)]
    named_ind = [m for m in reversed(terms) if m.term.kind == "indicator"
                 and not any(s <= m.start and m.end <= e for s, e in grammar)]
    # … unless one is named twice as alternatives ("员工（职工）人数", "staff or employee numbers"): that one is meant
    meant = [b.term for a, b in zip(named_ind[1:], named_ind) if a.term is b.term
             and re.fullmatch(r"\s*(?:[（(]|或者?|/|\bor\b)\s*", text[a.end:b.start], re.I)]
    # … and in a compound of two indicators' names ("water savings", "职工人数") the narrower one — the one fewer figures
    # are of — is meant, unless the question asks how many or how much: then the head counts ("how many wastewater plants")
    for a, b in zip(named_ind[1:], named_ind):
        if a.term is not b.term and not text[a.end:b.start].strip() and b.term not in meant and \
                not _has(r"多少|几|how (?:much|many)", low) and \
                0 < sum(a.term.unit_counts.values()) < sum(b.term.unit_counts.values()):
            meant.append(a.term)
    indicators = [m.term for m in named_ind if m.term in meant] + [m.term for m in named_ind if m.term not in meant] or \
        lexicon.by_tokens(query.tokens, "indicator") or \
        (lexicon.by_words(text, "indicator") if q.comparative or q.asks_amount else [])
    # "减少了多少二氧化碳排放", "which generated more electricity": a label's words, apart (in English, when a figure is
    # asked or compared: "a site or facility" is no count of facilities)
    on_label: set = set()
    if indicators:
        q.indicator_terms = [t for i, t in enumerate(indicators) if all(x is not t for x in indicators[:i])]
        q.indicator_term = indicators[0]
        q.indicator = indicators[0].code
        q.unit = unit or (indicators[0].units[0] if indicators[0].units else None)
        # a technology linked on the words of the indicator's label ("节水" of "节水量"): in a list of the cases that
        # report the figure it is no constraint of its own (in a comparison it says which figure: "光伏装机")
        ind_spans = [(m.start, m.end) for m in terms if m.term is q.indicator_term]
        on_label = {m.entity["id"] for m in mentions if m.entity["kind"] == "technology"
                    and any(m.start < e and s < m.end for s, e in ind_spans)}
    elif unit:
        q.unit = unit
    props = [m.term for m in terms if m.term.kind == "property" and m.term.range
             and lexicon.is_subclass(lexicon.by_iri.get(m.term.range), ORGANISATION)]
    if props:
        q.prop = props[0]
    if q.answer_type == "text" and q.indicator_term is not None and _has(r"^\s*(what|how)\b|what's|是多少|有多少|多少", low):
        q.answer_type, q.asks_indicator = "quantity", True  # "what was X's net profit": the indicator's value
    # a place is where the project is unless the question asks what the text mentions (the labels of a place
    # property that is not a site: ckg:mentionsPlace, "提到", "mentions")
    q.place_mentions = bool(q.places) and any(m.term.kind == "property" and m.term.key == "mentionsPlace" for m in terms)
    periods = [m.term.key.lower() for m in terms if m.term.kind == "period"]
    if _has(CUMULATIVE, low) or "cumulative" in periods:
        q.period = "cumulative"
    elif _has(ANNUAL, low) or "annual" in periods:
        q.period = "annual"

    year = re.search(r"(19|20)\d{2}", text)
    is_count = _has(COUNT, low) or _has(COUNT_OF, low)
    unnamed = "".join(" " if any(m.start <= i < m.end for m in mentions if m.entity["kind"] == "org") else ch
                      for i, ch in enumerate(low))
    if is_count and q.named_cases and not _has(r"案例|企业|公司|银行|机构|\b(cases|companies|firms|banks)\b", unnamed):
        is_count = False  # "<named company>向多少个<things>…": a figure of the company the question names, not a count of cases
    is_list = _has(LIST, low) or (_has(ONE_OF, low) and q.answer_type == "text")
    if any(m.entity["kind"] == "org" for m in mentions) and q.answer_type in ("organisation", "place", "date") and \
            not (q.orgs and not q.named_cases and _has(LIST_OF_CASES, low)):
        # "X 和哪些单位一起…": names of X's partners, not a list of cases — but "which companies work with <an
        # organisation that has no case of its own>" lists the cases linked to it
        is_list = False
    period = founding_period(text) if _has(FOUNDED, low) and (is_list or is_count) and not q.orgs else None
    if period:  # "founded in 1996", "founded in the 1990s", "成立于2000年以前": companies by their founding year
        q.kind, q.target = ("count" if is_count else "list"), "companies"
        q.founded_year, q.founded_until = period
        return q
    # a figure of the named companies compared too: each one's figure, and its founding (``Answerer.compare_named``)
    # ("成立时间", "founding date": the founding's own words name no figure)
    founding = [m.span() for m in re.finditer(rf"(?:{FOUNDED})(?:的)?\s*(?:时间|日期|年份|年代|date|year|time)?", text, re.I)]
    figure_too = len(q.named_cases) >= 2 and q.comparative and any(
        not any(s <= m.start and m.end <= e for s, e in founding) for m in named_ind)
    if _has(FOUNDED, low) and len(q.named_cases) >= 2 and (_has(OLDEST, low) or q.comparative or _has(ORDER, low)) \
            and not figure_too:
        # "which of A, B and C was founded first", "put them in order of founding": the named companies by founding date
        q.kind, q.target, q.top_n, q.within = "oldest", "companies", 0, list(q.named_cases)
        # the companies are named: a place among their names ("滴滴（北京…）") is part of a name, not a constraint
        q.places, q.groups = [], [g for g in q.groups if g[0] != "place"]
        return q
    founded_asked = _has(FOUNDED, low) and q.answer_type in ("date", "text")  # "which body did X set up … with" asks a name
    if q.orgs and (founded_asked or _has(LISTED, low)) and not is_count and not _has(r"哪些|which (cases|companies)", low) \
            and not figure_too:
        q.kind, q.attribute = "attribute", ("founded" if founded_asked else "listed")
        return q
    if q.orgs and q.prop and q.answer_type in ("organisation", "text") and not is_count and not _has(r"哪些|which (cases|companies)", low):
        q.kind, q.attribute = "property", q.prop.key  # "Modern Dairy's strategic shareholder", "X的母公司"
        return q
    if _has(OLDEST, low) and (_has(FOUNDED, low) or _has(r"历史|history|old", low)):
        q.kind, q.target = "oldest", "companies"
        return q
    if q.exchange and (is_list or is_count):
        q.kind, q.target = ("count" if is_count else "list"), "companies"
        return q

    if (is_list or is_count) and not q.orgs and _node(q, terms, lexicon, text):
        q.kind = "count" if is_count else "list"
        q.target = "companies" if _has(r"企业|公司|companies|firms|banks|银行", low) and not _has(r"案例(?!集)|cases|projects|项目", low) else "cases"
        return q
    amount = None
    if _has(CMP_GT, low) or _has(CMP_LT, low):
        amount = parse_amount(re.sub(r"(19|20)\d{2}\s*年", "", text))
        if amount and not q.indicator and amount[1]:  # "more than 10 MW": the indicator most stated in that unit
            term = lexicon.main_indicator(amount[1])
            if term is not None:
                q.indicator_term, q.indicator, q.unit = term, term.code, amount[1]
    if not q.indicator:
        amount = None
    if amount and (amount[1] is None or amount[1] == q.unit or (q.indicator_term and amount[1] in q.indicator_term.units)):
        value, unit, _ = amount
        # a bound: a 320-digit number parses as inf; beyond MAX_AMOUNT every recorded figure compares the same
        value = max(-MAX_AMOUNT, min(MAX_AMOUNT, value)) if math.isfinite(value) else math.copysign(MAX_AMOUNT, value)
        q.kind, q.amount = "compare", value
        if unit:
            q.unit = unit
        # the comparator nearest the amount wins ("不到1000吨", "more than 10 MW")
        gt = [m.end() for m in re.finditer(CMP_GT, low, re.IGNORECASE)]
        lt = [m.end() for m in re.finditer(CMP_LT, low, re.IGNORECASE)]
        pos = amount[2][0]
        dist = lambda xs: min((abs(pos - x) for x in xs), default=10**6)  # noqa: E731
        q.comparator = ">" if dist(gt) <= dist(lt) else "<"
        return q
    if q.indicator and (_has(SUPER_MAX, low) or _has(SUPER_MIN, low)) and (is_list or _has(r"谁|who|哪|which", low)):
        q.kind = "superlative"
        q.superlative = "min" if _has(SUPER_MIN, low) and not _has(SUPER_MAX, low) else "max"
        return q
    kind_of = re.search(r"(?:how many|which|what)\s+((?:[a-z][a-z-]*\s+){1,3}?)(?:%s)s?\b" % MAKERS_EN, low) or \
        re.search(r"(?:几家|多少家|哪些|哪几家|来自|出自|属于)([\u4e00-\u9fff/、]{2,10}?)(?:%s)" % MAKERS_ZH, text)
    if kind_of and not q.orgs and not q.indicator_term and (is_count or is_list or _has(r"how many|几家|多少家", low)):
        # "how many <kind of> makers / platforms": companies by what they are (their stated industry)
        q.kind = "count" if (is_count or _has(r"how many|几家|多少家", low)) else "list"
        q.target, q.of_companies = "companies", True
        if not q.technologies:
            # "哪些案例来自外卖平台": what they are, without the words that ask it
            q.industry_words = [re.sub(r"^(?:案例|企业|公司)?(?:来自|出自|属于|是)", "", kind_of.group(1).strip())]
        return q
    if is_count and (q.constraints or _has(r"案例|cases|projects|companies|企业|公司", low)):
        q.kind = "count"
        q.target = "companies" if _has(r"企业|公司|companies|firms", low) and not _has(r"案例(?!集)|cases", low) else "cases"
        q.of_companies = q.target == "companies" and _has(COPULA, low)
        return q
    if (is_list or _has(RANK, low)) and not q.orgs and not q.constraints and not q.asks_amount:
        # "which companies state a listing year, in order": every case whose organisation has a value of a datatype
        # property the question names (directly or on what the organisation links to: its listing's year)
        facet = next((m.term for m in terms if m.term.kind == "property" and literal_range(m.term)
                      and lexicon.path_from(ORGANISATION, m.term) is not None), None)
        if facet is not None:
            q.kind, q.prop, q.target = "facet", facet, "companies"
            return q
    if (is_list or _has(RANK, low)) and q.indicator_term is not None and not q.orgs and \
            (_has(RANK, low) or (q.asks_amount or _has(r"报告|披露|写明|report|state|disclose", low))
             and _has(r"哪些|哪几|which (cases|companies|projects)|list", low)):
        # "which cases report how much water they saved": every case with its figures of that indicator
        q.kind = "report"
        return q
    if is_list and q.indicator_term is not None and not q.orgs and not q.node_class and \
            not (q.constraints - (1 if q.technologies and all(t["id"] in on_label for t in q.technologies) else 0)) and \
            not (q.technologies and not _has(FIGURE_ASKED, low)):
        # (a technology on the indicator's words with no figure asked — "which cases built charging piles" — is a list
        # of the cases that use it)
        # "which cases give <an indicator>": every case with its figures of that indicator
        q.technologies = []
        q.groups = [(k, g) for k, g in q.groups if k != "technology"]
        q.kind = "report"
        return q
    if is_list and q.constraints and not q.asks_amount:
        q.kind = "list"
        q.target = "companies" if _has(r"企业|公司|companies|firms|banks|银行", low) and not _has(r"案例(?!集)|cases|projects|项目", low) else "cases"
        q.of_companies = q.target == "companies" and _has(COPULA, low)
        return q
    if _has(LIST_OF_CASES, low) and not q.orgs and not q.constraints and q.indicator_term is None and not q.asks_amount:
        # "which companies <did something the graph has no concept for>": the cases whose text writes it, if any
        q.kind, q.open_list = "list", True
        q.target = "companies" if _has(r"企业|公司|companies|firms", low) and not _has(r"案例(?!集)|cases|projects|项目", low) else "cases"
    return q


DECADE = r"(?:上世纪|20世纪|二十世纪)?\s*((?:19|20)?[0-9]0)\s*年代|(?:the\s+)?((?:19|20)?[0-9]0)['’]?s\b"
BEFORE = r"(?:before|prior to|earlier than|until)\s*$|^\s*年?\s*(?:以前|之前|前|or earlier)"
AFTER = r"(?:after|later than)\s*$|^\s*年?\s*(?:以后|之后|后|or later)"
SINCE = r"(?:since)\s*$|^\s*年?\s*(?:以来|至今)"


def founding_period(text: str) -> tuple[int, int] | None:
    """The years a founding question asks about, as (first, last): a decade ("90年代", "the 1990s"), a year with
    "before" or "after" around it ("2000年以前", "after 2010"), or one year; None when it names no year."""
    m = re.search(DECADE, text, re.I)
    if m:
        d = m.group(1) or m.group(2)
        start = int(d) if len(d) == 4 else 1900 + int(d)  # "90年代", "the 90s": of the last century
        return start, start + 9
    m = re.search(r"(?<!\d)(?:19|20)\d{2}(?!\d)", text)
    if not m:
        return None
    y, before, after = int(m.group(0)), text[max(0, m.start() - 15):m.start()], text[m.end():m.end() + 8]
    if re.search(BEFORE, before, re.I) or re.search(BEFORE, after, re.I):
        return 0, y - 1
    if re.search(AFTER, before, re.I) or re.search(AFTER, after, re.I):
        return y + 1, 9999
    if re.search(SINCE, before, re.I) or re.search(SINCE, after, re.I):
        return y, 9999
    return y, y


def _node(q: Question, terms, lexicon, text: str) -> bool:
    """Does the question ask for cases by a statement they make (a target, an award; ``lexicon.node_links``)? Sets what
    it must be: the concepts of its kind the question names ("net zero or carbon neutrality", "certificate"), its year,
    and — for concepts of other kinds and, in Chinese, the question's own words — words its label contains."""
    named = [(m, lexicon.node_class(m.term)) for m in terms]
    # the class itself or one of its properties must be named ("target", "certificate", "认证"): a concept alone
    # ("biogas", "capacity") is as often an indicator or a technology; a named award is a constraint of its own
    # (with an indicator named, only the class itself: "reductions" of an indicator are outcomes, not targets)
    classes = [c for m, c in named if c and (m.term.kind == "class" or m.term.kind == "property" and q.indicator_term is None)]
    if not classes or q.awards:
        return False
    cls = max(set(classes), key=classes.count)
    q.node_class = cls
    q.node_concepts = [m.term for m, c in named if m.term.kind == "concept" and c == cls
                       and lexicon.concept_property(cls, m.term) is not None]
    others = [m for m in terms if m.term.kind == "concept" and lexicon.node_class(m.term) != cls]
    groups = [m.term.labels_zh for m in others] + [e.get("labels_zh", []) for e in q.technologies]
    q.node_techs = [e["id"] for e in q.technologies]
    if q.technologies:  # a technology word here says what the statement is about ("carbon-neutral certificate")
        q.technologies, q.groups = [], [g for g in q.groups if g[0] != "technology"]
    if q.lang == "zh":  # the question's own words outside the schema's terms, its grammar and its function words
        covered = [(m.start, m.end) for m in terms if m.term.kind != "concept" or lexicon.node_class(m.term) == cls]
        covered += [(m.start, m.end) for m in others]
        covered += [m.span() for p in (COUNT, COUNT_OF, LIST, TARGET, ONE_OF) for m in re.finditer(p, text, re.I)]
        masked = "".join(" " if any(s <= i < e for s, e in covered) else ch for i, ch in enumerate(text))
        groups += [[w] for w in re.split(r"[^\u4e00-\u9fff]+|[的了和或与及由在等是到从将被把为对于并有哪些什么几个多少]+", masked)
                   if 2 <= len(w) <= 8]
    merged: list[list[str]] = []  # one group per meaning: groups that share a word are one; a word inside a
    for g in ([x for x in g if len(x) >= 2] for g in groups):  # longer one of another group is part of that term
        into = next((m for m in merged if set(g) & set(m)), None)
        if into is not None:
            into += [x for x in g if x not in into]
        elif g and not all(any(a in b and a != b for m in merged for b in m) for a in g):
            merged.append(list(dict.fromkeys(g)))
    q.node_keys = merged
    year = re.search(r"(?<!\d)(19|20)\d{2}(?:\s*/\s*(\d{2}))?(?!\d)", text)
    if year:  # a fiscal year "2049/50" is its end year
        y = int(year.group(0)[:4])
        q.node_year = (y // 100 * 100 + int(year.group(2))) if year.group(2) else y
    return True
