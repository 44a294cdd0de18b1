"""Answer selection for one-fact questions: which sentence states the fact, and what the fact is.

A question asks for a kind of answer — a quantity (of a unit, of an indicator), an organisation, a date, a
place — read from its interrogative words (grammar, in both languages, not domain vocabulary) and from the
lexicon. Candidate sentences come from the top cases of the search; each is scored by

* dense similarity of the sentence to the question (the same multilingual model as search),
* lexical overlap with the question's words after cross-lingual expansion (the Chinese labels of the
  entities and lexicon terms an English question names),
* answer-type match: a sentence that holds a thing of the asked kind (a figure in the asked unit or of the
  asked indicator, an organisation name, a date, a place),
* the case's rank in the search,
* context: how much of what the question asks about (its content characters, or an English question's words
  in Chinese through the labels and the dictionary, weighted by how rare they are among the candidates) the
  clause of the figure, date or name read from the sentence holds — the same context also chooses which figure
  of a sentence is read.

The weights are fitted on the development halves of the blind sets (see ``WEIGHTS``). The fact is then read
from the chosen sentence: the figure with its unit and what it measures, the organisation, the date or the
place, with their English names from the graph's labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from climatekg.graph.quantities import extract, parse_amount
from climatekg.graph.units import dimension, unit_prose

# -- the kind of answer a question asks for (interrogative grammar; no domain words) -------------------------

DATE = re.compile(r"何时|什么时候|什么时间|哪一?年|几几年|哪个月|哪一?天|哪一?日|几月几日|几号|什么日子|哪个时间|\bwhen\b|what year|which year|what date|since when|in what year", re.I)
PLACE = re.compile(r"哪里|哪儿|在哪|什么地方|什么地区|哪(?:个|座)(?:省|市|城市|地区|国家|县|镇|区)|哪一?(?:省|市|国)|哪国|\bwhere\b|"
                   r"which (?:province|city|country|region|town|county|place|district|location)|"
                   r"which (?:[a-z-]+ ){0,2}(?:base|plant|site|facility|campus)\b|哪个(?:基地|厂区|工厂|园区)|"
                   r"what (?:province|city|country|region|town|place|location)|which country's", re.I)
ORG = re.compile(r"谁|哪家|哪一家|哪些?(?:机构|单位|组织|公司|企业|集团|部门|协会|银行|伙伴|合作方|第三方)|什么(?:机构|单位|组织|公司|企业|集团)|"
                 r"\bwho\b|\bwhom\b|which (?:[a-z-]+ ){0,2}(?:company|companies|organi[sz]ation|body|bodies|firm|group|institution|"
                 r"agency|exchange|partner|association|federation|university|bank|certifier|third party|group|shareholder|parent|"
                 r"investor|supplier|customer|platform)\b|what (?:company|organi[sz]ation|body|firm|group|institution)", re.I)
AMOUNT = re.compile(r"多少|多大|多高|多长|多重|多远|几(?:个|家|台|辆|吨|年|项|座|次|万|亿)?|规模|how (?:much|many|large|big|high|long|far)|"
                    r"what (?:is|was|were|are) (?:the |(?:[\w.&-]+ ){0,4}?[\w.&-]+['’]s )(?:[a-z-]+ ){0,4}?(?:amount|total|size|capacity|number|volume|"
                    r"figure|output|value|scale|share|rate)\b|"
                    r"what (?:amount|share|percentage|capacity|volume)", re.I)
DAY = re.compile(r"哪一?天|哪一?日|几月几日|几号|具体日期|什么日子|\bwhat date\b|\bwhich day\b|\bwhat day\b|\bexact date\b|"
                 r"\bon what date\b", re.I)
# a question that asks for the exact figure ("具体有多少", "exactly how many")
EXACT = re.compile(r"具体|确切|准确|精确|\bexact(?:ly)?\b|\bprecise(?:ly)?\b", re.I)
EXACT_FIGURE = 9  # the ``precision`` read_fact is given for such a question
MONTH = re.compile(r"哪个月|几月|\bwhich month\b|\bwhat month\b", re.I)
UNIT_AFTER = re.compile(r"(?:多少|几|how many|how much)\s*(?:of\s+)?([A-Za-z²³]+(?:\s[A-Za-z]+)?|[\u4e00-\u9fff]{1,3})", re.I)


# the level of place a question asks for (grammar of administrative divisions; the graph's ckg:placeKind values)
PLACE_LEVELS = [
    (re.compile(r"哪(?:个|一)?(?:国家|国)|什么国家|\b(?:which|what) countr|\bcountry's\b", re.I), "country"),
    (re.compile(r"哪(?:个|一)?省|什么省|\b(?:which|what) province", re.I), "province"),
    (re.compile(r"哪(?:个|一|座)?(?:城市|市)|什么城市|\b(?:which|what) city", re.I), "city"),
    (re.compile(r"哪(?:个|一)?县|\b(?:which|what) county", re.I), "county"),
    (re.compile(r"哪(?:个|一)?区(?!域)|\b(?:which|what) district", re.I), "district"),
]


def asked_place_level(text: str) -> str | None:
    """country | province | city | county | district, when a place question names the level it asks for."""
    return next((level for rx, level in PLACE_LEVELS if rx.search(text)), None)


def answer_type(text: str) -> str:
    """quantity | organisation | date | place | text. An English question asks with its first question word ("how
    much … when …" asks an amount); a Chinese one asks in place, by the first kind that it asks for."""
    if not re.search(r"[\u4e00-\u9fff]", text):
        found = [(m.start(), kind) for rx, kind in ((DATE, "date"), (PLACE, "place"), (ORG, "organisation"),
                                                    (AMOUNT, "quantity")) for m in [rx.search(text)] if m]
        return min(found)[1] if found else "text"
    if DATE.search(text):
        return "date"
    if PLACE.search(text):
        return "place"
    if ORG.search(text):
        return "organisation"
    if AMOUNT.search(text):
        return "quantity"
    return "text"


# "… in tonnes?", "… in MW": the unit an English question asks its figure in
UNIT_IN = re.compile(r"\b(?:in|as)\s+([A-Za-z²³]+(?:\s[A-Za-z]+)?)\s*[?？.]?\s*$", re.I)


def asked_unit(text: str) -> str | None:
    """The base unit a "how many tonnes / 多少吨 / how many MW" question asks for, if it names one."""
    for m in UNIT_IN.finditer(text):  # the whole word names the unit ("in total" is no tonne)
        got = parse_amount("1 " + m.group(1))
        if got and got[1]:
            return got[1]
    for m in UNIT_AFTER.finditer(text):
        word = m.group(1)
        for cut in range(len(word), 0, -1):  # the longest prefix that is a unit: 多少吨塑料 → 吨
            got = parse_amount("1 " + word[:cut])
            if got and got[1]:
                return got[1]
    return None


# -- the kind of figure a question asks for ---------------------------------------------------------------------------
# (grammar and general words of money and shares, the unit it names, the thing it counts; no domain entries.) A figure
# of another kind — kWh for tonnes, a count of subsidiaries for employees, a share for an amount of money — does not
# answer it, however close its sentence is.

# Chinese measure words a count is asked with ("多少名<thing>", "几座<thing>")
COUNT_WORDS_ZH = "个家台辆项座次户人名位张块套片只头所条种棵根株盏部栋间批处把组篇"
ZH_COUNTED = re.compile(r"(?:多少|几)\s*([" + COUNT_WORDS_ZH + r"])\s*([\u4e00-\u9fff]{1,8})")
EN_COUNTED = re.compile(r"\bhow many\s+([a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,2}?)(?=\s+(?:are|is|was|were|do|does|did|has|have|"
                        r"had|can|could|will|would|in|at|on|of|for|across|by|under|per|and|that|which|to|from|with)\b|\s*[?,.;]|$)",
                        re.I)
# what a Chinese counted thing stops at: the grammar after it ("多少名员工在…", "多少座换电站？")
ZH_COUNTED_END = re.compile(r"[的了是在有和与及并，,。？?、；;]")
MONEY = re.compile(r"多少钱|花了多少|投资|投入(?:了|的)?(?:多少|资金|费用|金额)|收入|营收|销售额|利润|价格|费用|成本|资金|奖金|金额|余额|融资|发行(?:量|规模|额)|"
                   r"\bmoney\b|\binvest(?:ed|ment|ments|ing)?\b|\bspen[dt]\b|\bspending\b|\bcosts?\b|\bprice\b|\brevenues?\b|"
                   r"\bsales\b|\bprofits?\b|\bfunding\b|\bbudget\b|\bbalance\b|\bbonds?\b|\bissuance\b|\byuan\b|\brmb\b", re.I)
SHARE = re.compile(r"比例|占比|百分比|比率|百分之几|\bwhat (?:share|percentage|proportion|fraction)\b|\bwhat percent\b|"
                   r"\b(?:share|percentage|proportion) of\b|\b[a-z-]+ rate\b", re.I)
# a change asked ("降低了多少", "by how much did … fall"): a percentage states it as well as an amount does
CHANGE = re.compile(r"降|减|少了|下降|提高|提升|增长|增加|增幅|降幅|节约|节省|省了|\bby how much\b|\b(?:cut|reduce[ds]?|lower(?:ed)?|"
                    r"fall|fell|drop(?:ped)?|grow|grew|increase[ds]?|rise|rose|save[ds]?|saving)\b", re.I)
DIMENSION_NAMES = {"mass": ("以吨计的数量", "a mass (tonnes)"), "energy": ("电量或能量", "an amount of energy"),
                   "power": ("功率或装机容量", "a power or capacity"), "money": ("金额", "an amount of money"),
                   "time": ("时长", "a duration"), "area": ("面积", "an area"), "volume": ("体积", "a volume"),
                   "length": ("长度", "a length")}


@dataclass
class Measure:
    """The kind of figure a question asks for: one of some dimensions (mass, energy, power, money …), a share (%),
    or a count of a thing (its Chinese forms, when known). Empty: the question does not say."""

    dims: frozenset = frozenset()
    share: bool = False
    counted: str = ""  # the thing counted, as the question writes it
    forms: tuple[str, ...] = ()  # … in Chinese: what the clause of a count must write (any one)
    change: bool = False  # a change is asked: a percentage answers it too
    counted_zh: bool = True  # the thing counted is written in Chinese (else: its forms are the dictionary's renderings)

    def __bool__(self) -> bool:
        return bool(self.dims or self.share or self.counted)

    def describe(self, lang: str) -> str:
        """What is asked, for the refusal: "员工的数量", "a share", "an amount of money"."""
        zh = lang == "zh"
        if self.counted:
            return f"{self.counted}的数量" if zh else f"the number of {self.counted}"
        if self.share:
            return "比例" if zh else "a share"
        names = [DIMENSION_NAMES.get(d, (d, d))[0 if zh else 1] for d in sorted(self.dims)]
        return ("或".join(names)) if zh else " or ".join(names)

    def fits(self, text: str, q) -> bool:
        """Is the figure ``q`` (of the sentence ``text``) of the asked kind?"""
        unit = q.unit or ""
        dim = dimension(unit.split("/")[0]) if unit else ""
        if self.share:
            return unit == "%"
        if self.counted:
            if dim not in ("count", ""):
                return False
            if not self.forms:
                return True
            # a Chinese thing is looked for in the clause of the figure; an English one's dictionary renderings in its
            # sentence (they are looser)
            around = clause(text, q.start, q.end) if self.counted_zh else "".join(text.split())
            return any(f in around for f in self.forms)
        if self.change and unit == "%":
            return True
        if "/" in unit:  # an intensity (kWh/㎡, t/a): its numerator says what it measures
            return dim in self.dims or unit in self.dims
        return dim in self.dims


def counted_forms(noun: str) -> tuple[str, ...]:
    """The forms a Chinese counted thing is recognised by in a clause: the word, or a pair of its characters (换电站:
    换电, 电站); a one-character thing is itself."""
    if len(noun) <= 2:
        return (noun,)
    return tuple(noun[i:i + 2] for i in range(len(noun) - 1))


ASK_WORD = re.compile(r"多少|几|多大|多高|多长|多久|\bhow (?:much|many|large|big|high|long)\b|\bwhat\b", re.I)
ASK_BREAK = re.compile(r"[，,；;？?、]|\band\b", re.I)


def asked_measures(text: str, unit: str | None, indicator=None, glossary=None, tokens=None) -> list[Measure]:
    """The kind of figure each ask of a question wants, in order ("花了多少钱，多久回本": money, then a duration).
    The first ask's is read with the unit the question names and the indicator it asks the value of (``unit``,
    ``indicator``); ``glossary`` renders an English thing counted in Chinese; ``tokens`` segments Chinese (a measure
    word that opens a word — 人 of 人工 — counts nothing)."""
    parts, start = [], 0
    for m in ASK_BREAK.finditer(text + "?"):
        seg = text[start:m.start()]
        if ASK_WORD.search(seg):
            parts.append(seg)
        start = m.end()
    if not parts:
        return [Measure()]
    return [asked_measure(p, unit if i == 0 else None, indicator if i == 0 else None, glossary, tokens)
            for i, p in enumerate(parts)]


def asked_measure(part: str, unit: str | None, indicator=None, glossary=None, tokens=None) -> Measure:
    """The kind of figure one ask wants: the dimension of the unit it names, a count of the thing after "多少<measure
    word>" / "how many", a share, a duration, an amount of money, or the dimension of ``indicator`` (the lexicon indicator
    it asks the value of, when its label stands by the question word)."""
    change = CHANGE.search(part) is not None
    if unit:
        dim = dimension(unit.split("/")[0])
        return Measure(dims=frozenset({dim})) if dim not in ("count", "ratio") else Measure(share=unit == "%")
    m = ZH_COUNTED.search(part)
    if m is not None and tokens is not None and next(iter(tokens(m.group(1) + m.group(2))), "") != m.group(1):
        m = None  # "多少人工时间": 人 opens the word 人工, no measure word
    if m is not None:
        noun = ZH_COUNTED_END.split(m.group(2))[0]
        got = parse_amount("1" + m.group(1) + noun)  # "多少吨煤": a unit, not a thing counted
        if noun and not (got and got[1] and got[1] != "count"):
            return Measure(counted=noun, forms=counted_forms(noun))
    m = EN_COUNTED.search(part)
    if m is not None:
        words = m.group(1).lower().split()
        got = parse_amount("1 " + words[0])
        if not (got and got[1] and got[1] != "count") and words[0] not in ("times", "percent"):
            # its dictionary renderings that a sentence may write (none known: any count)
            forms = tuple(glossary.zh(words[-1])) if glossary else ()
            return Measure(counted=" ".join(words), forms=forms, counted_zh=False)
    if SHARE.search(part):
        return Measure(share=True)
    if re.search(r"多久|多长时间|\bhow long\b", part, re.I):
        return Measure(dims=frozenset({"time"}))
    if MONEY.search(part):
        return Measure(dims=frozenset({"money"}), change=change)
    if indicator is not None:
        units = [u for u in indicator.units if u not in ("%", "倍")]
        if units and len(units) == len(indicator.units):  # a share stated of it answers too: no kind then
            if all(u == "count" for u in units):
                return Measure(counted=indicator.label("zh"))
            dims = {dimension(u.split("/")[0]) for u in units if u != "count"}
            if "count" not in units:
                return Measure(dims=frozenset(dims), change=change)
    return Measure()


# a year written as four digits, alone or before 年
A_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
YEAR_MONTH = re.compile(r"((?:19|20)\d{2})\s*年(?:\s*(\d{1,2})\s*月)?(?:\s*(\d{1,2})\s*日)?")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
ORG_SUFFIX = re.compile(r"[\u4e00-\u9fffA-Za-z（）()·]{2,20}?(?:股份有限公司|有限公司|公司|集团|协会|联合会|研究院|研究所|"
                        r"大学|学院|交易所|银行|中心|委员会|学会|联盟|基金会|机构|认证|社)")
LATIN_NAME = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z0-9&.\-Ü]*(?:\s[A-Z][A-Za-z0-9&.\-Ü]*)*")

# the question's own grammar in Chinese (what it asks, not what about) and characters that carry no content
ZH_ASKING = re.compile(r"多少|几|什么|哪(?:里|儿|个|些|家|一|天|年|种|项)?|怎样|怎么|如何|是否|吗|呢|何时|多大|多高|多长|多重|多远|分别|各是|"
                       r"请问|请|大约|大概|一共|总共")
ZH_STOP = frozenset("的了是在有和与及等对为把被将其该这那之从到由于并也都还就而且或个吗呢")
CLAUSE_MARK = "，,。；;！!？?\n"


def line_span(row: dict) -> str:
    """The lines a sentence row spans, as cited: "12" or "12–14"."""
    return f"{row['start_line']}–{row['end_line']}" if row["end_line"] != row["start_line"] else str(row["start_line"])


def clause(text: str, start: int, end: int) -> str:
    """The clause of ``text`` that holds ``text[start:end]``: between the punctuation marks around it."""
    a = max(text.rfind(c, 0, start) for c in CLAUSE_MARK) + 1
    ends = [i for i in (text.find(c, end) for c in CLAUSE_MARK) if i >= 0]
    return text[a:min(ends, default=len(text))]


@dataclass
class Asked:
    """What a question asks about, as units to look for in Chinese text: each unit is a tuple of Chinese forms
    (any one present is a hit) with a weight — how rare it is among the candidate sentences (idf)."""

    units: list[tuple[str, ...]]
    weights: list[float] = field(default_factory=list)

    def fit(self, texts: list[str]) -> "Asked":
        """Weights from the candidate sentences: a unit every candidate has says nothing about which one answers."""
        import math

        n = len(texts)
        keep, weights = [], []
        for u in self.units:
            df = sum(1 for t in texts if any(f in t for f in u))
            if df == 0:
                continue
            keep.append(u)
            weights.append(math.log((n + 1) / (df + 0.5)))
        return Asked(keep, weights)

    def score(self, text: str) -> float:
        """The share (by weight) of what the question asks about that ``text`` holds."""
        total = sum(self.weights)
        if total <= 0:
            return 0.0
        squashed = "".join(text.split())
        return sum(w for u, w in zip(self.units, self.weights) if any(f in squashed for f in u)) / total


@dataclass
class Weights:
    """Fitted by grid search (dense fixed at 1) on the one-fact questions of the blind set's development half
    and the older sets' lookups (110 questions; a candidate counts when the fact read from it and its sentence
    state the expected answer and it holds the asked kind). Answer type, unit, case rank, year, the graph's
    statements and the things the question names help; word overlap after expansion adds nothing once they are
    in (weight 0). Refitted when the graph and entity features were added: 94/110 chosen right (89 before;
    108 have a right candidate among the top 40). The entity weight sits in the middle of a flat optimum
    (0.01–0.03). The context weight was fitted on the three blind dev halves and the older lookups together (169
    questions with candidates; 143 → 149 chosen right with 0.06 for Chinese questions; for English ones every
    weight above 0 lost questions)."""

    dense: float = 1.0
    lexical: float = 0.0
    type_match: float = 0.02
    indicator: float = 0.01
    unit: float = 0.04
    case_prior: float = 0.06
    year: float = 0.02
    entities: float = 0.02  # share of the things the question names besides its company (an award, a technology) the sentence names
    graph: float = 0.04  # the sentence is the evidence of a graph statement whose object is of the asked kind
    # share (by rarity) of what the question asks about that the clause of the fact read holds: a Chinese question's
    # own characters; an English question's words through the lexicon's labels (narrowed to the ones rendering its
    # words) and the dictionary (its longer renderings). English: 0.04 — on the four blind dev halves end to end the
    # same 55/63 lookups as 0 (offline re-scoring of their candidates: 47 vs 48 of 57); on 191 templated one-fact
    # questions from the figure sets' dev halves (2 and 4) the figure read is right for 108 instead of 96; qa5-dev
    # (validation) unchanged
    context: float = 0.06
    context_en: float = 0.04


WEIGHTS = Weights()


@dataclass
class Fact:
    kind: str  # quantity | organisation | date | place | text
    zh: str
    en: str
    names: list[tuple[str, str]] = field(default_factory=list)  # (zh, en) names in the quote
    indefinite: bool = False  # an indefinite figure (数百家) read for a question asking the exact one
    fits: bool = True  # a figure of the kind the question asks for (``Measure``)


@dataclass
class GraphFact:
    """A statement of the graph about a case whose object is an organisation or a place, where the text says it."""

    kind: str  # org | place
    prop: str  # the property's IRI
    zh: str
    en: str
    start: int
    end: int


GRAPH_FACTS_QUERY = """SELECT DISTINCT ?src ?line ?end ?p ?kind ?zh ?en WHERE {{
  VALUES (?p ?kind) {{ {pairs} }}
  {{ ?e rdf:predicate ?p ; rdf:object ?o ; ckg:startLine ?line ; ckg:endLine ?end ; prov:wasDerivedFrom ?src }}
  UNION {{ ?e ?p ?o ; ckg:startLine ?line ; ckg:endLine ?end ; prov:wasDerivedFrom ?src }}
  ?o rdfs:label ?zh . FILTER(lang(?zh) = "zh")
  OPTIONAL {{ ?o rdfs:label ?en . FILTER(lang(?en) = "en") }}
}}"""


def load_graph_facts(run, lexicon) -> dict[str, list[GraphFact]]:
    """Per case, the statements whose object is an organisation or a place (every property the ontology gives such
    a range: partners, issuers of recognitions, shareholders, sites, …), read through ``run(sparql) → rows``."""
    pairs = []
    for t in lexicon.terms:
        if t.kind != "property" or not t.range:
            continue
        rng = lexicon.by_iri.get(t.range)
        kind = "org" if lexicon.is_subclass(rng, "Organisation") else "place" if lexicon.is_subclass(rng, "Place") else None
        if kind:
            pairs.append(f'(<{t.iri}> "{kind}")')
    if not pairs:
        return {}
    out: dict[str, list[GraphFact]] = {}
    for r in run(GRAPH_FACTS_QUERY.format(pairs=" ".join(dict.fromkeys(pairs)))):
        m = re.search(r"case-\d+", str(r["src"]))
        if m:
            out.setdefault(m.group(0), []).append(GraphFact(r["kind"], r["p"], r["zh"], r.get("en") or r["zh"], int(r["line"]), int(r["end"])))
    return out


@dataclass
class Scored:
    row: dict
    score: float
    fact: Fact | None
    type_ok: float
    year_conflict: bool = False  # the question names a year; the sentence names others, not it
    features: dict = field(default_factory=dict)
    fits: bool | None = None  # its figure is of the kind asked (None: the question does not say which kind)


class Selector:
    """Scores candidate sentences for a one-fact question and reads the fact from the best one."""

    def __init__(self, engine, lexicon, weights: Weights = WEIGHTS, graph_facts: dict | None = None, glossary=None,
                 place_levels: dict[str, str] | None = None, place_parents: dict[str, str] | None = None):
        self.engine = engine
        self.lexicon = lexicon
        self.w = weights
        self.glossary = glossary  # English word → Chinese words (``glossary.Glossary``), for English questions
        # case id → [GraphFact]: statements whose object is an organisation or a place, with their evidence lines
        self.graph_facts = graph_facts or {}
        self.orgs = [e for e in engine.entities if e["kind"] == "org"]
        self.places = [e for e in engine.entities if e["kind"] == "place"]
        self._org_labels = sorted(((lab, e) for e in self.orgs for lab in e["labels_zh"] if len(lab) >= 2),
                                  key=lambda p: -len(p[0]))
        self._place_labels = sorted(((lab, e) for e in self.places for lab in e["labels_zh"] if len(lab) >= 2),
                                    key=lambda p: -len(p[0]))
        # a place's Chinese label → its level (the graph's ckg:placeKind: country, province, city, …)
        levels = place_levels or {}
        self._place_level = {lab: levels[e["iri"]] for lab, e in self._place_labels if e["iri"] in levels}
        # a place's Chinese label → the places containing it (schema:containedInPlace, city → province → country),
        # each as (zh, en, level)
        parents, by_iri = place_parents or {}, {e["iri"]: e for e in self.places}
        self._place_up: dict[str, list[tuple[str, str, str]]] = {}
        for lab, e in self._place_labels:
            chain, at = [], parents.get(e["iri"])
            while at in by_iri and len(chain) < 4:
                chain.append((by_iri[at]["zh"], by_iri[at]["en"], levels.get(at, "")))
                at = parents.get(at)
            self._place_up[lab] = chain
        self._quantities: dict[str, list] = {}  # per sentence text: what is read once is kept
        self._names: dict[str, list] = {}

    def quantities(self, text: str) -> list:
        got = self._quantities.get(text)
        if got is None:
            got = self._quantities[text] = [q for q in extract(text) if not re.fullmatch(r"(19|20)\d{2}", q.surface.strip())]
        return got

    # -- what the question names, in the text's language ----------------------------------------------------
    def terms(self, query, indicator) -> list[str]:
        """Chinese words to look for in a sentence: the question's own words (zh), or the Chinese labels of the
        entities and lexicon terms it names (en)."""
        out = []
        for m in query.mentions:
            out += m.entity["labels_zh"][:4]
        if query.lang == "zh":
            out += [t for t in self.engine.tokenizer.tokens(query.text) if len(t) >= 2]
        else:
            out += self.lexicon.zh_words(query.text)
            low = query.text.lower()
            out += [t for t in re.findall(r"[a-z][a-z0-9.-]{2,}", low) if t in self.engine.bm25_zh.vocab]
        if indicator is not None:
            out += indicator.labels_zh
        return [t for t in dict.fromkeys(out) if t]

    def asked(self, query) -> Asked:
        """What the question asks about, in the text's language: a Chinese question's characters and character
        pairs outside its grammar and the companies it names; an English question's content words, each as the
        Chinese words that translate it (the lexicon's and the graph's labels of what it names, the dictionary)."""
        text = query.text
        orgs = [(m.start, m.end) for m in query.mentions if m.entity["kind"] == "org"]
        if query.lang == "zh":
            masked = list(text)
            for s, e in orgs + [m.span() for m in ZH_ASKING.finditer(text)]:
                masked[s:e] = [" "] * (e - s)
            units: list[tuple[str, ...]] = []
            for run in re.findall(r"[\u4e00-\u9fff]+", "".join(masked)):
                units += [(c,) for c in run if c not in ZH_STOP]
                units += [(run[i:i + 2],) for i in range(len(run) - 1)]
            units += [(w.lower(),) for w in re.findall(r"[A-Za-z]{2,}", "".join(masked))]
            return Asked(list(dict.fromkeys(units)))
        units, taken = [], list(orgs)
        for m in query.mentions:  # the things it names: their Chinese labels
            if m.entity["kind"] != "org" and m.entity["labels_zh"]:
                units.append(tuple(x for x in m.entity["labels_zh"] if x))
                taken.append((m.start, m.end))
        for m in self.lexicon.find(text):  # the schema's terms (indicators, properties, periods)
            if m.term.labels_zh and not any(s <= m.start and m.end <= e for s, e in taken):
                units.append(self.term_forms(m.term.labels_zh, text[m.start:m.end]))
                taken.append((m.start, m.end))
        if self.glossary:
            for m in re.finditer(r"[A-Za-z][A-Za-z-]{2,}", text):
                if any(s <= m.start() and m.end() <= e for s, e in taken):
                    continue
                forms = self.word_forms(m.group(0).lower())
                if forms:
                    units.append(forms)
        return Asked(list(dict.fromkeys(units)))

    def term_forms(self, labels_zh, words: str) -> tuple[str, ...]:
        """The Chinese labels of a lexicon term an English question names, narrowed to those that render its own words:
        "cities" names the indicator of places covered, whose labels also say 国家 and 省份; the dictionary's 城市 is the
        one it asks about. All the labels when none renders them."""
        forms = tuple(x for x in labels_zh if x)
        if not self.glossary:
            return forms
        said = {z for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", words) if w.lower() not in self.glossary.STOP_WORDS
                for z in self.glossary.zh(w.lower())}
        return tuple(x for x in forms if x in said) or forms

    def word_forms(self, word: str) -> tuple[str, ...]:
        """The dictionary's Chinese words for an English word, without its one-character renderings when it has longer
        ones: a single character (切 for "cut", 杀 for "smart") occurs in half the sentences of a case and in its
        other senses."""
        forms = self.glossary.zh(word) if self.glossary and word not in self.glossary.STOP_WORDS else ()
        longer = tuple(x for x in forms if len(x) >= 2)
        return longer or forms

    # -- scoring ----------------------------------------------------------------------------------------------
    def rank(self, query, case_ids: list[str], kind: str, unit: str | None, indicator, prior: dict[str, float],
             subject_names: set[str], strict: bool = False, measure: Measure | None = None) -> list[Scored]:
        """Candidate sentences of ``case_ids``, best first. ``strict``: the question asks for the value of the
        indicator itself ("what was X's net profit"), so only a figure of that indicator (or in its units) answers.
        ``measure``: the kind of figure asked (``asked_measure``); a sentence's figure of that kind is the one read, and
        each candidate says whether its figure is of it (``Scored.fits``)."""
        rows, vecs = self.engine.sentences()
        cand = [i for i, r in enumerate(rows) if r["case_id"] in prior]
        if not cand:
            return []
        sims = vecs[[rows[i]["vec"] for i in cand]] @ query.vector
        terms = self.terms(query, indicator)
        props = self.relevant_properties(query) if self.graph_facts and kind in ("organisation", "place") else set()
        # the things the question names besides the companies (awards, technologies, places): their Chinese labels
        named = [[x for x in m.entity["labels_zh"] if len(x) >= 2] for m in query.mentions if m.entity["kind"] != "org"]
        named = [labels for labels in named if labels]
        asked_years = set() if kind == "date" else set(A_YEAR.findall(query.text))
        asked = self.asked(query).fit(["".join(rows[i]["text"].split()) for i in cand])
        precision = 3 if DAY.search(query.text) else 2 if MONTH.search(query.text) else 1
        if kind == "quantity" and EXACT.search(query.text):
            precision = EXACT_FIGURE  # "exactly how many": an indefinite figure (数百家, 十多个) does not state it
        level = asked_place_level(query.text) if kind == "place" else None
        out = []
        for k, i in enumerate(cand):
            r = rows[i]
            text = r["text"]
            squashed = "".join(text.split())
            overlap = sum(1 for t in terms if t in squashed or t in text)
            fact, type_ok, ind_ok, unit_ok, ctx = self.read_fact(text, kind, unit, indicator, subject_names, terms, strict,
                                                                 asked, precision, level, measure)
            stated = self.graph_fact(r, kind, subject_names, props)
            if stated is not None:  # the graph says what this sentence states: its names, in both languages
                fact, type_ok = Fact(kind, stated.zh, stated.en, fact.names if fact is not None else []), 1.0
            conflict, year_match = False, False
            # a sentence that names neither the thing nor the year it speaks of takes them from the sentence before it in
            # its paragraph (Chinese leaves out the subject set once: "截至2022年底，X项目发电…。累计减少…。")
            before = self.preceding(rows, i)
            if asked_years:
                years = self.years(text) or self.years(before)
                year_match = bool(years & asked_years)
                conflict = bool(self.years(text)) and not year_match
            f = {"dense": float(sims[k]), "lexical": min(overlap, 6) ** 0.5,
                 "type_match": (2 * float(type_ok) - 1) if kind != "text" else 0.0, "indicator": float(ind_ok),
                 "unit": float(unit_ok), "case_prior": prior.get(r["case_id"], 0.0),
                 "year": 1.0 if year_match else (-1.0 if conflict else 0.0), "graph": float(stated is not None),
                 "entities": (sum(any(x in squashed or x in before for x in labels) for labels in named) / len(named))
                 if named else 0.0,
                 "context": ctx}
            s = sum(getattr(self.w, name) * v for name, v in f.items() if name != "context")
            s += (self.w.context if query.lang == "zh" else self.w.context_en) * ctx
            fits = None if not measure or kind != "quantity" else fact is not None and fact.fits
            out.append(Scored(r, s, fact, type_ok, conflict, f, fits))
        out.sort(key=lambda x: -x.score)
        return out

    @staticmethod
    def years(text: str) -> set[str]:
        """The years a text names, outside the titles of documents (a year in 《…》 is not the fact's year)."""
        return set(A_YEAR.findall(re.sub(r"《[^》]*》", "", text)))

    @staticmethod
    def preceding(rows: list[dict], i: int) -> str:
        """The whitespace-free sentence just before ``rows[i]`` in its paragraph (same case and part, the next line at
        most), or ""."""
        if i == 0:
            return ""
        p, r = rows[i - 1], rows[i]
        if p["case_id"] != r["case_id"] or p["part"] != r["part"] or p["end_line"] < r["start_line"] - 1:
            return ""
        return "".join(p["text"].split())

    def relevant_properties(self, query) -> set[str]:
        """The properties a question names ("certified" → received recognition), and those of what they point
        to (a recognition's issuer): the statements that can answer it."""
        asking = [m.span() for rx in (DATE, PLACE, ORG, AMOUNT) for m in rx.finditer(query.text)]
        # a label that is the question word itself ("where") names no property: it is grammar, not content
        named = [m.term for m in self.lexicon.find(query.text) if m.term.kind == "property"
                 and not any(s <= m.start and m.end <= e for s, e in asking)]
        out = {t.iri for t in named}
        ranges = {t.range for t in named if t.range}
        out |= {t.iri for t in self.lexicon.terms if t.kind == "property" and t.domain in ranges}
        return out

    def graph_fact(self, row: dict, kind: str, subject: set[str], props: set[str]) -> "GraphFact | None":
        """A graph statement of the asked kind (organisation, place), of a property the question asks about,
        whose evidence is this sentence."""
        want = {"organisation": "org", "place": "place"}.get(kind)
        if want is None or not props:
            return None
        for f in self.graph_facts.get(row["case_id"], ()):
            if f.kind == want and f.prop in props and f.start <= row["end_line"] and row["start_line"] <= f.end and \
                    f.zh not in subject and f.en.lower() not in subject:
                return f
        return None

    def fits_dimension(self, text: str, indicator) -> bool:
        """Does a sentence state a figure of ``indicator``, or one in a unit of the dimension it is stated in (kg fits
        t, kWh/m² fits kWh)? An indicator the graph has no dimensioned units for fits anything."""
        # a share, a count or a multiple says nothing of a dimension (an intensity recorded only as a % cut)
        units = [u for u in (indicator.units if indicator is not None else []) if u not in ("%", "count", "倍")]
        if not units:
            return True
        dims = {dimension(u.split("/")[0]) for u in units}
        ratio = any("/" in u for u in units)  # an intensity: any figure per something fits
        return any(q.indicator == indicator.code or dimension((q.unit or "").split("/")[0]) in dims
                   or (ratio and "/" in (q.unit or "")) for q in self.quantities(text))

    # -- reading the fact -------------------------------------------------------------------------------------
    def read_fact(self, text: str, kind: str, unit: str | None, indicator, subject: set[str], terms: list[str],
                  strict: bool = False, asked: Asked | None = None, precision: int = 1, level: str | None = None,
                  measure: Measure | None = None):
        """(fact, holds the asked kind, indicator matches, unit matches, context) for one sentence. ``context``: how
        much of what the question asks about (``asked``) the clause of the fact read holds — a figure whose own
        clause says what the question asks ("减少X产生量N万吨" for a question about X) is the one asked for.
        ``precision`` of a date asked: 1 a year, 2 a month, 3 a day; of a figure: ``EXACT_FIGURE`` when the question asks
        for the exact figure, which an indefinite one (数百家, 十多个, several hundred) does not state."""
        names = self.names_in(text)
        ctx_of = (lambda a, b: asked.score(clause(text, a, b))) if asked is not None else (lambda a, b: 0.0)
        if kind == "quantity":
            qs = self.quantities(text)
            if not qs:
                return None, False, False, False, 0.0

            def fit(q):
                near = text[max(0, q.start - 16):q.end + 8]
                return ((unit is not None and q.unit == unit) * 2 + (indicator is not None and q.indicator == indicator.code) * 2
                        + sum(1 for t in terms if t in near) * 0.5 + (q.unit not in ("%", "count")) * 0.2
                        + 3 * ctx_of(q.start, q.end) + (6 * measure.fits(text, q) if measure else 0))

            best = max(qs, key=fit)
            ctx = ctx_of(best.start, best.end)

            unit_ok = unit is not None and any(q.unit == unit for q in qs)
            ind_ok = indicator is not None and any(q.indicator == indicator.code for q in qs)
            # a figure in the asked unit or of the asked indicator answers; any other figure only may
            # with no unit asked, the units the asked indicator is stated in stand for it (a profit is money)
            dim_ok = unit is None and indicator is not None and any(q.unit in indicator.units for q in qs)
            if strict:  # the question asks for the indicator's value itself: only a figure of it answers
                type_ok = 1.0 if (unit_ok or ind_ok or dim_ok) else 0.0
            else:
                type_ok = 1.0 if (unit_ok or ind_ok) else (0.5 if unit is None else 0.0)
            fact = self.quantity_fact(best, names)
            fact.indefinite = precision == EXACT_FIGURE and indefinite(text, best)
            fact.fits = measure.fits(text, best) if measure else True
            return fact, type_ok, ind_ok, unit_ok, ctx
        if kind == "date":
            dates = list(YEAR_MONTH.finditer(text))
            if not dates:
                return None, False, False, False, 0.0
            # the date whose clause says what the question asks about, as precise as it asks (a day, a month)
            prec = lambda m: 1 + bool(m.group(2)) + bool(m.group(3))  # noqa: E731
            m = max(dates, key=lambda m: ctx_of(*m.span()) + 0.5 * (prec(m) >= precision))
            y, mo, d = m.group(1), m.group(2), m.group(3)
            zh = f"{y}年" + (f"{int(mo)}月" if mo else "") + (f"{int(d)}日" if d else "")
            month = MONTHS[int(mo) - 1] if mo and 1 <= int(mo) <= 12 else ""
            en = (f"{month} {int(d)}, {y}" if month and d else f"{month} {y}" if month else y)
            return (Fact("date", zh, en, [(a, b) for a, b, _ in names]), 1.0 if prec(m) >= precision else 0.5,
                    False, False, ctx_of(*m.span()))
        if kind in ("organisation", "place"):
            # how sure the sentence names one: a graph entity, a name with an organisation suffix, a Latin name
            pool = [n for n in names if n[2] == ("org" if kind == "organisation" else "place")]
            pool = [n for n in pool if n[0] not in subject and n[1].lower() not in subject]
            strength = 1.0 if pool else 0.0
            if level is not None and pool:  # "which country": a place of that level answers, a city of it does not
                fitting = [n for n in pool if self._place_level.get(n[0]) == level]
                if not fitting:  # a city of the sentence answers for its province: 湖北省（武汉）
                    fitting = [(f"{up[0]}（{n[0]}）", f"{up[1]} ({n[1]})", "place") for n in pool
                               for up in self._place_up.get(n[0], ()) if up[2] == level][:1]
                pool, strength = (fitting, 1.0) if fitting else (pool, 0.3)
            if kind == "organisation" and not pool:
                for m in ORG_SUFFIX.finditer("".join(text.split())):
                    name = suffix_name(m.group(0))
                    if name and self.opens_as_grammar(name):
                        continue  # "降低公司…": a verb (or an adverb, a pronoun) and the word it governs, not a name
                    if name and not any(name in s or s in name for s in subject if len(s) >= 2):
                        pool.append((name, name, "org"))
                        strength = 0.8
                        break
                if not pool:
                    for m in LATIN_NAME.finditer(text):
                        name = m.group(0)
                        if len(name) >= 3 and not name.isupper() and name.lower() not in subject and not is_unit(name):
                            pool.append((name, name, "org"))
                            strength = 0.5
                            break
            if not pool:
                return None, 0.0, False, False, 0.0
            zh, en, _ = pool[0]
            at = text.find(zh)
            ctx = ctx_of(at, at + len(zh)) if at >= 0 else (asked.score(text) if asked is not None else 0.0)
            return Fact(kind, zh, en, [(a, b) for a, b, _ in names]), strength, False, False, ctx
        return (Fact("text", "", "", [(a, b) for a, b, _ in names]), True, False, False,
                asked.score(text) if asked is not None else 0.0)

    def opens_as_grammar(self, name: str) -> bool:
        """Does a name read by its suffix open with a verb, an adverb, a preposition or a pronoun (jieba's tags)?"""
        words = self.engine.tokenizer.tagged(name)
        return bool(words) and words[0].flag[:1] in ("v", "d", "p", "r", "c", "u", "m")

    def names_in(self, text: str) -> list[tuple[str, str, str]]:
        """(zh, en, kind) of the organisations and places a sentence names, in order of appearance."""
        got = self._names.get(text)
        if got is None:
            got = self._names[text] = self._find_names(text)
        return got

    def _find_names(self, text: str) -> list[tuple[str, str, str]]:
        squashed = "".join(text.split())
        found, taken = [], [False] * len(squashed)
        for labels, kind in ((self._org_labels, "org"), (self._place_labels, "place")):
            for lab, e in labels:
                pos = squashed.find(lab)
                if pos >= 0 and not any(taken[pos:pos + len(lab)]):
                    for j in range(pos, pos + len(lab)):
                        taken[j] = True
                    found.append((pos, lab, e["en"], kind))
        found.sort()
        return [(lab, en, kind) for _, lab, en, kind in found]

    def quantity_fact(self, q, names) -> Fact:
        ind = self.lexicon.by_code.get(q.indicator)
        period_zh = {"cumulative": "累计", "annual": "每年"}.get(q.period or "", "")
        period_en = {"cumulative": "cumulative", "annual": "a year"}.get(q.period or "", "")
        what_zh = ind.label("zh") if ind and q.indicator != "other" else ""
        what_en = ind.label("en") if ind and q.indicator != "other" else ""
        zh = q.surface.strip() + (f"（{'，'.join(x for x in (what_zh, period_zh) if x)}）" if what_zh or period_zh else "")
        base = format_value(q.value, q.unit)
        extra = [x for x in (what_en.lower() if what_en else "", period_en,
                             str(q.year) if q.year else "", "projected" if q.projected else "") if x]
        en = f"{q.surface.strip()}" + (f" = {base}" if base and base.replace(" ", "") != q.surface.replace(" ", "") else "") \
            + (f" ({', '.join(extra)})" if extra else "")
        return Fact("quantity", zh, en, [(a, b) for a, b, _ in names])


# characters a name read by its suffix does not span: the grammar of the sentence around it ("该项目每年可向公司")
NAME_BREAK = re.compile(r"[的了是在有和与及等对为把被将其该这那之从到由经获并也都还就而或向可每此各个年月日\d，,、：:“”\"]")


def suffix_name(found: str) -> str | None:
    """The organisation name of an ``ORG_SUFFIX`` match: from after the last break of the sentence's grammar; None when
    only a bare suffix ("公司", "中心") is left."""
    name = NAME_BREAK.split(found)[-1]
    bare = re.fullmatch(r"[\u4e00-\u9fff]{0,1}(?:股份有限公司|有限公司|公司|集团|协会|联合会|研究院|研究所|大学|学院|交易所|银行|中心|"
                        r"委员会|学会|联盟|基金会|机构|认证|社)", name)
    return None if bare else name


def is_unit(word: str) -> bool:
    """Is a Latin word, whole, a unit (KWh, MWp, GWh) rather than a name?"""
    got = parse_amount("1 " + word)
    return bool(got and got[1] and got[2][1] == len(word) + 2)


def indefinite(text: str, q) -> bool:
    """Is a figure an indefinite amount — "数百家", "几十个", "十多个" (a count named without its digits) — rather than a
    stated number?"""
    before = text[max(0, q.start - 1):q.start]
    return before in ("数", "几") or (not re.search(r"\d", q.surface) and re.search(r"[多余几数]", q.surface) is not None)


def format_value(value: float, unit: str) -> str:
    """A value in its base unit for an English reader (13,260 kW; 7,032,400 t; 1.2 billion yuan)."""
    if unit == "%":
        return f"{value:g}%"
    name = unit_prose(unit)
    if unit == "CNY" and value >= 1e8:
        return f"{value / 1e9:,.2f} billion yuan".replace(".00 ", " ")
    n = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{n} {name}".strip()
