"""Units and indicators: the one table every layer uses.

* **Units** — each base unit a figure is normalised to (t, kWh, kW, CNY, m2 …): its QUDT IRI, its zh/en
  label and its dimension (so energy kWh and power kW are never confused), and how units are spelled in the
  case text (``TEXT_UNITS``) and in questions (``QUESTION_UNITS``).
* **Things counted** — the glossary that names what a count counts in English (``COUNTED_WORDS``).
* **Indicators** — what a figure measures. The scheme lives in ``ontology/indicators.ttl`` (labels and
  alternative labels in both languages, the units an indicator is reported in); this module reads it once.
  An indicator's id is the local name of its IRI (``co2-reduction``) everywhere: extractor, graph,
  questions and pages.
* **Periods** — how a figure relates to time: ``annual`` (a flow per year), ``cumulative`` (a running total
  to a date), ``point`` (a state or one-off figure: a capacity, an area, a share) and ``projected`` (a target,
  forecast or hypothetical figure, never a reported result).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from .namespace import CKG, CUR, UNIT

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"


# -- units ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    symbol: str  # the base-unit symbol stored on outcomes (ckg:unitSymbol)
    zh: str
    en: str
    dimension: str  # mass, energy, power, money, area, volume, … (kWh is energy, kW is power)
    qudt: URIRef | None = None
    prose: str | None = None  # its English name in running text, where not the symbol (1.2 billion yuan, 3 days)

    @property
    def en_prose(self) -> str:
        return self.en if self.prose is None else self.prose


UNITS: dict[str, Unit] = {
    u.symbol: u
    for u in (
        Unit("t", "吨", "t", "mass", UNIT["TONNE"]),
        Unit("kg", "千克", "kg", "mass", UNIT["KiloGM"]),
        Unit("g", "克", "g", "mass", UNIT["GM"]),  # grams, of CO₂ per passenger-km or per kWh: kept as printed
        Unit("tce", "吨标准煤", "tce", "energy-coal-equivalent", prose="tce (coal equivalent)"),
        Unit("kWh", "千瓦时", "kWh", "energy", UNIT["KiloW-HR"]),
        Unit("kW", "千瓦", "kW", "power", UNIT["KiloW"]),
        Unit("kV", "千伏", "kV", "voltage", UNIT["KiloV"]),
        Unit("CNY", "元", "CNY", "money", CUR["CNY"], prose="yuan"),
        Unit("USD", "美元", "USD", "money", CUR["USD"]),
        Unit("EUR", "欧元", "EUR", "money", CUR["EUR"]),
        Unit("m2", "平方米", "m²", "area", UNIT["M2"]),
        Unit("m3", "立方米", "m³", "volume", UNIT["M3"]),
        Unit("L", "升", "L", "volume", UNIT["L"]),
        Unit("km", "公里", "km", "length", UNIT["KiloM"]),
        Unit("m", "米", "m", "length", UNIT["M"]),
        Unit("h", "小时", "h", "time", UNIT["HR"]),
        Unit("d", "天", "d", "time", UNIT["DAY"], prose="days"),
        Unit("a", "年", "years", "time", UNIT["YR"]),  # the year as a unit of time (ISO 80000-3 "a")
        Unit("%", "%", "%", "ratio", UNIT["PERCENT"]),
        Unit("count", "", "", "count", UNIT["NUM"]),
        Unit("℃", "℃", "°C", "temperature", UNIT["DEG_C"]),
        Unit("倍", "倍", "×", "ratio", UNIT["UNITLESS"]),
        Unit("RT", "冷吨", "RT", "cooling-capacity", prose="refrigeration tons"),
    )
}

# How units are written: (pattern, base unit, factor), longest first. In the case text …
TEXT_UNITS: list[tuple[str, str, float]] = [
    # mass / CO2
    (r"吨二氧化碳当量|吨二氧化碳|吨CO2e?|吨CO₂e?|tCO2e?|tCO₂e?", "t", 1),
    (r"吨标准煤|吨标煤|吨标准|tce", "tce", 1),
    (r"蒸吨", "t", 1),
    (r"斤", "kg", 0.5),
    (r"千克|公斤|kg", "kg", 1),
    # grams (of CO₂: 67g CO2/p.km, 克二氧化碳): an emission factor's mass, kept in grams like kilograms in kg
    (r"克二氧化碳当量|克二氧化碳|克CO2e?|g\s?CO2e?|g\s?CO₂e?|克(?![服隆拉里罗])|g(?![a-zA-Z])", "g", 1),
    (r"吨|t(?![a-zA-Z])|T(?![a-zA-Z/])", "t", 1),  # N T of a rated device: a capital T is a tonne too
    # energy
    # energy in any case: a storage size printed 9.6MWH is energy, not power; kW·h and kw.h are kWh too
    (r"太瓦时|[Tt][Ww][·.•]?[Hh]", "kWh", 1e9),
    (r"吉瓦时|[Gg][Ww][·.•]?[Hh]", "kWh", 1e6),
    (r"兆瓦时|[Mm][Ww][·.•]?[Hh]", "kWh", 1e3),
    (r"千瓦时|[Kk][Ww][·.•]?[Hh]|度", "kWh", 1),
    # power
    (r"吉瓦|GWp|GW(?![·.•]?[Hh])", "kW", 1e6),
    (r"兆瓦|MWp|MW(?![·.•]?[Hh])", "kW", 1e3),
    (r"千瓦|kWp|kW(?![·.•]?[Hh])|KW(?![·.•]?[Hh])|kw(?![·.•]?[Hh])", "kW", 1),
    (r"Wp|W(?![a-zA-Z])", "kW", 1e-3),
    (r"千伏|kV|KV|kv", "kV", 1),
    (r"冷吨|RT(?![a-zA-Z])", "RT", 1),  # a refrigeration ton: a cooling capacity, kept as printed
    (r"伏(?![特安])|V(?![a-zA-Z0-9])", "kV", 1e-3),  # 380V交流, 750V直流: a voltage class
    # money
    (r"万亿元", "CNY", 1e12),
    (r"亿元|亿人民币", "CNY", 1e8),
    (r"万元", "CNY", 1e4),
    (r"元(?!素)", "CNY", 1),
    (r"美元", "USD", 1),
    (r"欧元", "EUR", 1),
    # area
    (r"平方公里|km²|km2", "m2", 1e6),
    (r"公顷", "m2", 1e4),
    (r"平方米|平米|㎡|m²|m2", "m2", 1),
    (r"亩", "m2", 10000 / 15),
    # volume
    (r"Nm3|Nm³|立方米|m³|m3|方(?![面式法案向针式位])", "m3", 1),
    (r"升(?![级高至温])|L(?![a-zA-Z])", "L", 1),
    # distance, time
    (r"公里|千米|km", "km", 1),
    (r"米|m(?![a-zA-Z²³0-9])", "m", 1),
    (r"小时|h(?![a-zA-Z])", "h", 1),
    (r"分钟", "h", 1 / 60),
    (r"天(?![然气])", "d", 1),
    (r"℃", "℃", 1),
    (r"倍", "倍", 1),
    # percent
    (r"%|％", "%", 1),
    # counts
    (r"人次|万人次", "count", 1),
    (r"个|家|台|辆|人(?![民工])|户|座|项(?![目])|单(?![位])|棵|块|名|所|条|套|张|批|部|头|只|栋|间|次|种|盏|根|把|组|场|篇|份(?![额])|处", "count", 1),
]
# … and in a question typed by a user
QUESTION_UNITS: list[tuple[str, str, float]] = [  # longest first: 千瓦时 before 千瓦, mwh before mw
    (r"mt|million tonnes?|million tons?|百万吨", "t", 1e6),
    (r"kt|thousand tonnes?|千吨", "t", 1e3),
    (r"t|tonnes?|tons?|吨|tco2e?|吨二氧化碳", "t", 1),
    (r"gwh|亿千瓦时", "kWh", 1e6),
    (r"mwh|兆瓦时", "kWh", 1e3),
    (r"kwh|千瓦时|度", "kWh", 1),
    (r"gw|吉瓦", "kW", 1e6),
    (r"mwp?|megawatts?|兆瓦", "kW", 1e3),
    (r"kwp?|kilowatts?|千瓦", "kW", 1),
    (r"亿元|亿", "CNY", 1e8),
    (r"万元", "CNY", 1e4),
    (r"yuan|rmb|cny|元", "CNY", 1),
    (r"%|percent|per cent", "%", 1),
    (r"mu|亩", "m2", 10000 / 15),
    (r"m2|square met(?:re|er)s?|平方米", "m2", 1),
]

UNIT_IRIS = {s: u.qudt for s, u in UNITS.items() if u.qudt is not None}
UNIT_LABELS = {s: (u.zh, u.en) for s, u in UNITS.items()}  # (zh, en) names of the base units


# the denominators of rates (kWh/m2/yr, CNY/month) that are no base unit of their own: (zh, en)
PER_LABELS = {"yr": ("年", "yr"), "month": ("月", "month"), "kWp": ("千瓦峰值", "kWp"), "person": ("人", "person"),
              "household": ("户", "household"), "vehicle": ("辆", "vehicle"), "unit": ("台", "unit"), "100km": ("百公里", "100 km")}


def unit_label(unit: str | None, lang: str) -> str:
    """The unit's name in ``lang``; a rate in base symbols (CNY/m2, kWh/m2/yr) by its pieces' names (元/平方米)."""
    if unit is None:
        return ""
    u = UNITS.get(unit)
    if u is None:
        if "/" not in unit:
            return unit
        names = [UNIT_LABELS.get(p) or PER_LABELS.get(p) for p in unit.split("/")]
        return unit if None in names else "/".join(n[0] if lang == "zh" else n[1] for n in names)
    return u.zh if lang == "zh" else u.en  # "" for count: the thing counted names it


def unit_prose(unit: str) -> str:
    """The unit's name after an English figure in a sentence (13,260 kW; 1,200 yuan; 3 days): its prose name, else
    its label; a compound unit (kWh/㎡) as printed."""
    u = UNITS.get(unit)
    return u.en_prose if u else unit


def dimension(unit: str) -> str:
    """mass, energy, power … — or the unit itself for a compound unit (kWh/㎡)."""
    u = UNITS.get(unit)
    return u.dimension if u else unit


# -- indicators ----------------------------------------------------------------------


def indicator_id(code: str) -> str:
    """The one spelling of an indicator id: the local name of its IRI (co2_reduction → co2-reduction)."""
    return code.replace("_", "-")


@dataclass(frozen=True)
class Indicator:
    id: str
    zh: str
    en: str
    alt_zh: tuple[str, ...]
    alt_en: tuple[str, ...]
    units: tuple[str, ...]  # base units it is reported in (empty: any)
    broader: str | None = None

    @property
    def catch_all(self) -> bool:
        return self.id in CATCH_ALL


CATCH_ALL = ("count", "other")


@lru_cache(maxsize=4)
def indicators(path: Path | None = None) -> dict[str, Indicator]:
    """The indicator scheme of ontology/indicators.ttl, by id, in file order of ids."""
    g = Graph()
    g.parse(path or ONTOLOGY_DIR / "indicators.ttl", format="turtle")
    out: dict[str, Indicator] = {}
    for s in sorted(g.subjects(RDF.type, CKG.Indicator)):
        def lits(p, lang):
            return sorted(str(o) for o in g.objects(s, p) if getattr(o, "language", None) == lang)

        zh, en = lits(SKOS.prefLabel, "zh"), lits(SKOS.prefLabel, "en")
        broader = next((str(o).rsplit("/", 1)[-1] for o in g.objects(s, SKOS.broader)), None)
        units = tuple(sorted(str(o) for o in g.objects(s, CKG.reportedInUnit)))
        iid = str(s).rsplit("/", 1)[-1]
        out[iid] = Indicator(iid, zh[0] if zh else iid, en[0] if en else iid, tuple(lits(SKOS.altLabel, "zh")),
                             tuple(lits(SKOS.altLabel, "en")), units, broader)
    return out


def indicator_label(iid: str, lang: str) -> str:
    ind = indicators().get(indicator_id(iid))
    if ind is None:
        return iid
    return ind.zh if lang == "zh" else ind.en


def _norm_en(s: str) -> str:
    s = s.lower().replace("co₂", "co2").replace("-", " ")
    return " ".join(re.sub(r"(?<=[a-z]{3})(ies|s)\b", lambda m: "y" if m.group(1) == "ies" else "", w) for w in s.split())


_EN_STOP = {"of", "the", "a", "an", "in", "on", "by", "to", "for", "and", "or"}


@lru_cache(maxsize=4096)
def _zh_words(label: str) -> tuple[str, ...]:
    import jieba

    jieba.setLogLevel(60)
    return tuple(w for w in jieba.lcut(label) if w.strip())


def _label_score(ind: Indicator, text_zh: str, en_words: set[str]) -> int:
    """How well an indicator's labels name a text: every word of a label must occur in it (any order);
    the longest such label counts, Chinese and English each (a Chinese character weighs two Latin letters)."""
    zh = max((2 * len(lab) for lab in (ind.zh, *ind.alt_zh)
              if lab and text_zh and all(w in text_zh for w in _zh_words(lab))), default=0)
    en = 0
    for lab in (ind.en, *ind.alt_en) if en_words else ():  # no English text: no English label can name it
        words = _en_label_words(lab)
        if words and all(w in en_words for w in words):
            en = max(en, sum(map(len, words)))
    return zh + en // 2


@lru_cache(maxsize=4096)
def _en_label_words(label: str) -> tuple[str, ...]:
    """The words of an English label that must occur in a text for the label to name it."""
    return tuple(w for w in _norm_en(label).split() if w not in _EN_STOP)


def classify_measure(text_zh: str, text_en: str, unit: str | None) -> str | None:
    """The indicator whose labels (zh or en, preferred or alternative) name a description of a figure best.

    Only indicators reported in ``unit`` (when given and known) compete. Reads free text about what a figure
    measures: a question, a counted noun, a hand-written evaluation record.
    """
    en_words = set(_norm_en(text_en or "").split())
    best, best_id = 0, None
    for ind in indicators().values():
        if ind.catch_all or (unit and ind.units and unit not in ind.units):
            continue
        sc = _label_score(ind, text_zh or "", en_words)
        if sc > best:
            best, best_id = sc, ind.id
    return best_id


# -- periods -------------------------------------------------------------------------

PERIODS = ("annual", "cumulative", "point", "projected")
PERIOD_LABELS = {"annual": ("年度", "annual"), "cumulative": ("累计", "cumulative"), "point": ("时点", "point in time"),
                 "projected": ("预计", "projected")}

# a question's unit with no indicator named: the indicator it most likely means ("more than 10 MW" is a capacity)
UNIT_DEFAULT_INDICATOR = {"kW": "capacity", "kWh": "power-generation", "t": "co2-reduction", "CNY": "investment",
                          "m2": "area"}
# indicators a case page compares with other cases, in order of preference: (indicator id, unit)
CHART_INDICATORS = [
    ("co2-reduction", "t"), ("capacity", "kW"), ("power-generation", "kWh"), ("green-power", "kWh"),
    ("energy-saved", "tce"), ("financing", "CNY"), ("investment", "CNY"), ("cost-saving", "CNY"),
    ("production", "t"), ("users", "count"), ("area", "m2"),
]


# -- things counted -------------------------------------------------------------------
# Chinese measure words and the thing they count when the text names nothing else (5 家 → organisations).
CLASSIFIER_THING = {
    "人": ("人", "people"), "名": ("人", "people"), "人次": ("人次", "person-times"), "户": ("户", "households"),
    "家": ("家", "organisations"), "个": ("个", "items"), "座": ("座", "facilities"), "台": ("台", "units"),
    "辆": ("辆", "vehicles"), "棵": ("树", "trees"), "头": ("头", "head of livestock"), "项": ("项", "items"),
    "次": ("次", "times"), "种": ("种", "kinds"), "套": ("套", "sets"), "块": ("块", "pieces"), "盏": ("盏", "lamps"),
    "条": ("条", "items"), "张": ("张", "sheets"), "批": ("批", "groups"), "所": ("所", "institutions"),
    "单": ("单", "orders"), "根": ("根", "piles"), "把": ("把", "units"), "场": ("场", "events"), "组": ("组", "sets"),
    "部": ("部", "units"), "只": ("只", "animals"), "处": ("处", "sites"), "顿": ("顿", "meals"), "位": ("位", "people"), "栋": ("栋", "buildings"), "大洲": ("大洲", "continents"), "间": ("间", "rooms"), "篇": ("篇", "papers"), "份": ("份", "copies"),
}
# Words of counted things, longest first when composed (县级供电公司 → county-level power supply companies).
# A general glossary of the nouns of corporate and energy reporting, not of particular figures.
COUNTED_WORDS = {
    "国家和地区": "countries and regions", "国家": "countries", "地区": "regions", "省市": "provinces and cities",
    "省份": "provinces", "省": "provinces", "直辖市": "municipalities", "自治区": "autonomous regions", "城市": "cities",
    "市县": "cities and counties", "区县": "districts and counties", "街道镇": "subdistricts and towns", "街道": "subdistricts",
    "镇": "towns", "乡镇": "townships", "村": "villages", "市场": "markets", "大洲": "continents", "中心城市": "major cities",
    "工厂": "factories", "啤酒厂": "breweries", "啤酒生产企业": "breweries", "啤酒生产厂": "breweries", "生产企业": "manufacturers",
    "污水处理厂": "wastewater treatment plants", "市政": "municipal", "电站": "power stations", "新型电站": "new-type power stations",
    "能源站": "energy stations", "换电站": "battery-swap stations", "充电站": "charging stations", "换流站": "converter stations",
    "变换站": "converter stations", "变电所": "substations", "变电站": "substations", "供电所": "power supply stations",
    "供电公司": "power supply companies", "农村": "rural", "县级": "county-level", "门店": "stores", "多业态门店": "multi-format stores",
    "店": "stores", "基地": "bases", "制造基地": "manufacturing bases", "牧场": "farms", "规模牧场": "large-scale farms",
    "研究院": "research institutes", "研究所": "research institutes", "实验室": "laboratories", "院士工作站": "academician workstations",
    "科技创新平台": "innovation platforms", "平台": "platforms", "加工制造中心": "manufacturing centres", "制造中心": "manufacturing centres",
    "设计院": "design institutes", "甲级设计院": "class-A design institutes", "绿建研究院": "green-building research institutes",
    "子公司": "subsidiaries", "分公司": "branches", "分、子公司": "branches and subsidiaries", "分支机构": "branches",
    "产业集团公司": "industrial group companies", "公司": "companies", "企业": "companies", "机构": "institutions",
    "职能部室": "functional departments", "业务支撑和实施机构": "business support and delivery units", "部门": "departments",
    "供应商": "suppliers", "上下游供应商": "upstream and downstream suppliers", "商家": "merchants", "商户": "merchants",
    "入驻商家": "merchants on the platform", "合作伙伴": "partners", "伙伴": "partners", "品牌运营商": "brand operators",
    "运营商": "operators", "银行": "banks", "主要银行": "major banks", "大银行": "large banks", "客户": "customers",
    "高校": "universities", "学校": "schools", "NGO伙伴": "NGO partners", "环保NGO伙伴": "environmental NGO partners", "NGO": "NGOs",
    "用户": "users", "交易用户": "transacting users", "活跃用户": "active users", "年活跃用户": "annual active users",
    "碳账户用户": "carbon-account users", "消费者": "consumers", "骑手": "riders", "活跃骑手": "active riders", "员工": "employees",
    "职工": "employees", "长期职工": "permanent employees", "运维工程师": "maintenance engineers", "工程师": "engineers",
    "获奖人": "award winners", "学生": "students", "大学生": "university students", "在校大学生": "university students",
    "志愿者": "volunteers", "参观群体": "visitor groups", "群体": "groups", "人员": "staff", "人数": "people",
    "树": "trees", "梭梭树": "saxaul trees", "冷杉树": "fir trees", "棵": "trees", "牛群": "cattle", "牛": "cattle",
    "车": "vehicles", "车辆": "vehicles", "机动车": "motor vehicles", "非机动车": "non-motor vehicles", "新能源车": "new-energy vehicles",
    "新能源汽车": "new-energy vehicles", "纯电动汽车": "battery-electric vehicles", "电动汽车": "electric vehicles",
    "插电式混合动力新能源车": "plug-in hybrid vehicles", "重型卡车": "heavy trucks", "卡车": "trucks", "汽车": "vehicles",
    "充电桩": "charging piles", "大巴车充电桩": "bus charging piles", "充电车位": "charging parking spaces", "充电枪": "charging guns",
    "储能一体柜": "integrated storage cabinets", "光伏组件": "PV modules", "高效光伏组件": "high-efficiency PV modules", "组件": "modules",
    "太阳能路灯": "solar street lamps", "太阳能灯": "solar lamps", "路灯": "street lamps", "LED灯管": "LED tubes", "灯": "lamps",
    "设备": "devices", "显影机": "developing machines", "高效过滤器": "high-efficiency filters", "过滤器": "filters",
    "数字采集点位": "digital metering points", "能源采集点位": "energy metering points", "采集点位": "metering points",
    "点位": "metering points", "节点": "nodes", "温水水冷节点": "warm-water-cooled nodes", "管桩": "piles", "立柱": "posts",
    "项目": "projects", "重点项目": "key projects", "零碳项目": "zero-carbon projects", "示范项目": "demonstration projects",
    "典型案例": "model cases", "案例": "cases", "零碳工厂": "zero-carbon factories", "绿色工厂": "green factories",
    "产品": "products", "绿色出行产品": "green travel products", "低碳旅行产品": "low-carbon travel products", "旅行产品": "travel products",
    "小份餐品": "small-portion dishes", "小份菜": "small-portion dishes", "餐品": "dishes", "绿色包装": "green packaging items",
    "创新包装": "innovative packaging designs", "包装": "packaging items", "名录": "listings",
    "专利": "patents", "授权专利": "granted patents", "技术专利": "technology patents", "发明专利": "invention patents",
    "实用新型专利": "utility-model patents", "外观设计专利": "design patents", "标准": "standards", "国家标准": "national standards",
    "团体标准": "group standards", "论文": "papers", "成果": "results", "科技进步奖": "science and technology awards",
    "荣誉": "honours", "奖项": "awards", "活动": "events", "环保活动": "environmental events", "宣教活动": "outreach events",
    "报道": "media reports", "宣传报道": "media reports", "阅读量": "reads", "阅读": "reads", "浏览量": "views", "订单": "orders", "餐食": "meals", "学生餐食": "student meals",
    "行业": "industries", "批": "groups", "场": "events", "次": "times", "人次": "person-times", "酒店": "hotels",
    "功能模块": "function modules", "模块": "modules", "控制塔": "control towers", "国内航班": "domestic flights",
    "国际航班": "international flights", "航班": "flights", "渔光一体": "fishery-PV", "低碳": "low-carbon", "绿色": "green",
    "新能源": "new-energy", "碳中和": "carbon-neutral", "光伏": "PV", "储能": "storage", "智能": "smart", "高效": "high-efficiency", "全球": "global",
    # what a share, growth or reduction is of (用户数增长N%, 能耗下降N%, N%的外购电能)
    "用户数": "users", "销量": "sales", "人力": "staff", "能耗": "energy use", "能耗强度": "energy intensity", "重量": "weight",
    "产量": "output", "亩均产量": "yield per mu", "预订量": "bookings", "申请量": "applications", "用电": "electricity use",
    "外购电能": "purchased electricity", "碳排放量": "CO2 emissions", "光伏资源": "solar resources", "利用率": "utilisation",
    "需求响应": "demand-response events", "电力需求响应": "power demand-response events", "农机作业": "farm machinery operations",
    "旋耕": "rotary tillage passes", "翻耕": "ploughing passes",
    "国际国内产学研机构": "research partners at home and abroad", "插电式混合动力": "plug-in hybrid",
    "混合动力": "hybrid", "小型": "small", "和": "and", "及": "and", "与": "and", "、": "and", "产学研机构": "research partners",
}


def counted_en(zh: str, classifier: str | None = None) -> str | None:
    """English for a counted thing, composed from the glossary (longest piece first); None when its head is unknown."""
    import re as _re

    pieces, i = [], 0
    words = sorted(COUNTED_WORDS, key=len, reverse=True)
    if zh not in COUNTED_WORDS and (kind := _re.search(r"(?:次数|个数|人数|户数|家数|台数|总数|数量)$", zh)) and kind.start() > 0:
        zh = zh[: kind.start()]  # 农机作业次数: the operations are what is counted, 次数 only says it is a number
    while i < len(zh):
        m = _re.match(r"\s*(\d+(?:\.\d+)?)\s*(千伏|kV|KV|V)", zh[i:])
        if m:
            pieces.append(f"{m.group(1)} {'V' if m.group(2) == 'V' else 'kV'}")
            i += m.end()
            continue
        w = next((w for w in words if zh.startswith(w, i)), None)
        if w is None:
            m = _re.match(r"[A-Za-z0-9]+", zh[i:])
            if m:
                pieces.append(m.group(0))
                i += m.end()
                continue
            i += 1
            pieces.append(None)
            continue
        pieces.append(COUNTED_WORDS[w])
        i += len(w)
    if not pieces or pieces[-1] is None:
        return CLASSIFIER_THING.get(classifier or "", (None, None))[1]
    # 和/与/及 join two named things; inside a word no glossary entry names (X和Y as one word) it is no "and"
    known = [p for i, p in enumerate(pieces) if p and not (p == "and" and (i == 0 or pieces[i - 1] is None))]
    # a modifier stays singular (heavy-truck battery-swap stations); words joined by "and" keep their plural
    out = []
    for i, p in enumerate(known):
        nxt = known[i + 1] if i + 1 < len(known) else None
        if nxt not in (None, "and") and p != "and":
            p = _re.sub(r"(?<=[a-z]{2})(?:ies)$", "y", p) if p.endswith("ies") else _re.sub(r"(?<=[a-z]{2}[^s])s$", "", p)
        out.append(p)
    return " ".join(out)


# a share, growth or reduction with the thing it is of: (zh suffix, en prefix)
RATE_LABELS = {"share": ("占比", "share of"), "growth-rate": ("增幅", "growth in"), "reduction-rate": ("降幅", "reduction in")}


def measure_label(indicator: str, counted: tuple[str | None, str | None] | None, lang: str,
                  of: tuple[str | None, str | None] | None = None) -> str:
    """What an outcome measures, for a reader: the thing counted (number of suppliers), the thing a share or change
    is of (供应商占比, share of suppliers) or the indicator."""
    of_zh, of_en = of or (None, None)
    if indicator in RATE_LABELS and (of_zh if lang == "zh" else of_en):
        suffix, prefix = RATE_LABELS[indicator]
        return f"{of_zh}{suffix}" if lang == "zh" else f"{prefix} {of_en}"
    zh, en = counted or (None, None)
    if zh or en:
        if lang == "zh":
            return f"{zh}数量" if zh and not zh.endswith(("数", "数量")) else (zh or "")
        return f"number of {en}" if en else indicator_label(indicator, "en")
    return indicator_label(indicator, lang)
