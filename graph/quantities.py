"""Find the figures in clean Chinese (and mixed) text and normalise them.

``extract(text)`` returns :class:`Quantity` objects: the value in a base unit
(t, kWh, kW, tce, CNY, m2, m3, %, count …), what is measured (an indicator
code, see ontology/indicators.ttl), annual/cumulative when the clause says so,
the year the sentence names, and the character span of the figure.

``parse_amount`` is shared with question understanding: it reads a number
with a Chinese or Latin multiplier and an optional unit (十万吨, 100k t, 0.1 Mt).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..corpus.model import Case, Paragraph

# -- numbers -------------------------------------------------------------------

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
MULTIPLIERS = {"万亿": 1e12, "千万": 1e7, "百万": 1e6, "万": 1e4, "亿": 1e8}


def cn_to_number(s: str) -> float | None:
    """一百二十 → 120, 十 → 10, 两 → 2, 百 → 100 (as in 近百家)."""
    if not s:
        return None
    total, cur = 0, 0
    for ch in s:
        if ch in CN_DIGITS:
            cur = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (cur or 1) * CN_UNITS[ch]
            cur = 0
        else:
            return None
    return float(total + cur)


ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
CHINESE = r"[一二两三四五六七八九十百千]+"
NUMBER = rf"(?P<num>{ARABIC}|{CHINESE})(?:\s?[-—–~～至到]\s?(?P<num2>{ARABIC})(?=\s?(?:%|％|万|亿|吨|[a-zA-Z]|千|兆)))?"
MULT = r"(?P<mult>万亿|千万|百万|万|亿)?"
FUZZ = r"(?P<fuzz>多|余|几|\+)?"

# -- units: (pattern, base unit, factor) — longest first -------------------------

_UNITS: list[tuple[str, str, float]] = [
    # mass / CO2
    (r"吨二氧化碳当量|吨二氧化碳|吨CO2e?|吨CO₂e?|tCO2e?|tCO₂e?", "t", 1),
    (r"吨标准煤|吨标煤|吨标准|tce", "tce", 1),
    (r"蒸吨", "t", 1),
    (r"斤", "kg", 0.5),
    (r"千克|公斤|kg", "kg", 1),
    (r"吨|t(?![a-zA-Z])", "t", 1),
    # energy
    (r"太瓦时|TWh", "kWh", 1e9),
    (r"吉瓦时|GWh", "kWh", 1e6),
    (r"兆瓦时|MWh", "kWh", 1e3),
    (r"千瓦时|kWh|KWh|kwh|度", "kWh", 1),
    # power
    (r"吉瓦|GWp|GW", "kW", 1e6),
    (r"兆瓦|MWp|MW", "kW", 1e3),
    (r"千瓦|kWp|kW|KW|kw(?!h)", "kW", 1),
    (r"Wp|W(?![a-zA-Z])", "kW", 1e-3),
    (r"千伏|kV", "kV", 1),
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
    (r"天(?![然气])", "d", 1),
    (r"℃", "℃", 1),
    (r"倍", "倍", 1),
    # percent
    (r"%|％", "%", 1),
    # counts
    (r"人次|万人次", "count", 1),
    (r"个|家|台|辆|人(?![民工])|户|座|项(?![目])|单(?![位])|棵|块|名|所|条|套|张|批|部|头|只|栋|间|次|种|盏|根|把|组|场", "count", 1),
]
UNIT_RE = "|".join(f"(?:{p})" for p, _, _ in _UNITS)
_UNIT_COMPILED = [(re.compile(rf"^(?:{p})$"), u, f) for p, u, f in _UNITS]

QUANTITY = re.compile(
    rf"(?P<pre>约|近|超过|超|逾|达|达到|累计|共|合计|余|以上)?\s?{NUMBER}\s?{FUZZ}\s?{MULT}\s?(?P<fuzz2>多|余)?\s?(?P<unit>{UNIT_RE})?"
)
PERCENT_CN = re.compile(r"百分之(?P<num>[一二两三四五六七八九十百]+|\d+(?:\.\d+)?)")

APPROX_MARKS = ("约", "近", "超", "逾", "多", "余", "左右", "以上", "超过")

# -- what is measured: keyword rules on the clause before the figure -------------

MONEY_CONTEXT = re.compile(r"投资|投入|资金|费用|成本|收益|效益|节省|节约|营收|收入|销售额|贷款|融资|余额|授信|债券|金额|资产|补贴|回报|利润|电费|价值")


def _indicator(unit: str, clause: str, after: str) -> str:
    """What a figure measures, from its unit, the clause before it and the words after it."""
    c, nxt = clause, after[:10]
    near = c[-14:]
    if re.match(r"\s?(?:的)?(二氧化硫|氮氧化物|烟尘|粉尘|颗粒物|SO2|NOx)", nxt):
        return "other"  # other pollutants
    if re.search(r"(二氧化硫|氮氧化物|烟尘|粉尘|颗粒物)$", c):
        return "other"
    ghg_after = re.match(r"\s?(?:的)?(二氧化碳|CO2|CO₂|tCO2|温室气体|碳排放|碳)", nxt)
    if unit in ("t", "kg"):
        if re.search(r"用水|节水|水量|水耗", near):
            return "water"
        if re.search(r"减排|减碳|碳减排|减少.{0,10}(二氧化碳|碳|排放)|降低.{0,10}(排放|温室气体)|降碳|抵消|碳汇|避免.{0,6}排放|减少温室气体", c) or (
            ghg_after and re.search(r"减|降|抵|避免|替代", c)
        ):
            return "co2_reduction"
        if re.search(r"排放", c) or ghg_after:
            return "emissions"
        if re.search(r"水", near):
            return "water"
        if re.search(r"塑料|垃圾|废弃|废物|固废|餐盒|包装|回收|粪|污泥|秸秆|材料|凝固物|渣", c):
            return "waste"
        if re.search(r"产能|产量|生产|年产|处理|蒸汽|饲料|小麦|产出|销量|产热", c):
            return "production"
        return "other"
    if unit == "tce":
        return "energy_saved" if re.search(r"节约|节省|节能|减少|替代|降低", c) else "energy_consumption"
    if unit == "kWh":
        if re.match(r"\s?(?:的)?(储能|电池)", nxt) or (re.search(r"储能|电池", near) and not re.search(r"发电", near)):
            return "storage_capacity"
        if re.search(r"节约|节省|节电|节能|减少.{0,6}(用电|电|能耗)|降低.{0,6}(用电|电耗|能耗)", c):
            return "energy_saved"
        if re.search(r"发电|发绿电|输送|上网", c) and not re.search(r"购|交易", near):
            return "power_generation"
        if re.search(r"绿电|绿色电力|清洁能源|可再生|交易|购电|绿证|清洁电", c + nxt):
            return "green_power"
        if re.search(r"供电|产生", c):
            return "power_generation"
        if re.search(r"用电|耗电|能耗|消耗|充电|用能", c):
            return "energy_consumption"
        return "other"
    if unit == "kW":
        if re.match(r"\s?(单晶|组件|逆变器|充电桩|储能一体柜)", nxt):
            return "other"  # an equipment rating
        if re.search(r"储能", near) and not re.search(r"光伏|风电|装机", near):
            return "storage_capacity"
        return "capacity"
    if unit in ("CNY", "USD", "EUR"):
        if re.search(r"贷款|融资|信贷|债|授信|余额|发放|放款|金融|资金支持|投放", c):
            return "financing"
        if re.search(r"(节约|节省|减少|降低|省)[^，。；]{0,10}$", c):
            return "cost_saving"
        if re.search(r"投资|投入|总投|造价|建设资金|建设成本|综合成本", c):
            return "investment"
        if re.search(r"营收|营业收入|收入|销售额|产值|营业额", c):
            return "revenue"
        if re.search(r"节省|节约|降低|减少|收益|效益|回报|利润|增收|创收|省|节支|补贴|奖励", c):
            return "cost_saving"
        return "other"
    if unit == "%":
        cc = c + nxt
        if re.search(r"贷款|信贷|融资", c) and re.search(r"增速|增长|同比", c):
            return "financing"
        if re.search(r"节水|水耗|用水", cc):
            return "water"
        if re.search(r"费用|成本|电费", cc) and re.search(r"降|节|省|减", cc):
            return "cost_saving"
        if re.search(r"绿电|绿色电力|清洁能源|可再生|光伏|新能源|绿色能源|非化石|清洁电力", cc) and re.search(r"占|比例|比重|使用率|率|达|覆盖|提供|抵消|替代", cc):
            return "renewable_share"
        if re.search(r"发电", c) and re.search(r"占.{0,12}用电", c):
            return "renewable_share"
        if re.search(r"碳排放强度|排放强度|碳强度|碳排强度", c):
            return "carbon_intensity"
        if re.search(r"减排|减碳|碳排放|温室气体|排放量", cc) and re.search(r"降|减|下降|减少", cc):
            return "co2_reduction"
        if re.search(r"节能率|节电率|节能|节电", cc):
            return "energy_saved"
        if re.search(r"产量|产能", c) and re.search(r"提高|增|提升", c):
            return "production"
        if re.search(r"下降|降低|减少|降幅|节约|节省|减重|减量|削减|消减|降|节肥|节药", cc):
            return "reduction_rate"
        return "other"
    if unit in ("m2",):
        return "area"
    if unit in ("m3", "L"):
        if re.search(r"垫料", c + nxt) and re.search(r"生产|产", c):
            return "production"
        if re.search(r"沼渣|废|污", c + nxt):
            return "waste"
        if re.search(r"沼气|天然气|燃气|氢", c):
            return "production" if re.search(r"产|利用|生产", c) else "energy_consumption"
        return "water" if re.search(r"水", c) else "other"
    if unit == "count":
        if re.match(r"\s?(?:[^，。；]{0,2})(用户|会员|消费者|师生|学生|居民|员工|游客|旅客|志愿者|参与者)", nxt) or re.search(r"[人名户]$|人次$|(用户|人数|参与者|会员|消费者)[^，。；]{0,12}$", clause):
            return "users"
        return "count"
    return "other"


def _period(before: str, after: str) -> str | None:
    """Annual or cumulative, when the words next to the figure say so."""
    near = before[-16:]
    if re.search(r"累计|累积|共计|总计|合计|截至|截止", near):
        return "cumulative"
    if re.match(r"\s?/年|\s?每年", after) or re.search(r"每年|年均|全年|一年|(?<!\d)年度|年平均|(?<!\d)年[发减节产用供处可降消省收耗输提]", near):
        return "annual"
    return None


YEAR = re.compile(r"((?:19|20)\d{2})\s?年")
PROJECTED = re.compile(r"预计|计划|目标|有望|可望|预期|将达到|将实现|将超过|将提升|如果|若|假如|(?:到|至)\s?20(?:2[4-9]|[3-9]\d)\s?年")


@dataclass(frozen=True)
class Quantity:
    start: int  # character span in the text
    end: int
    surface: str
    number: float  # the number as printed, before unit conversion
    value: float  # in the base unit
    unit: str
    indicator: str
    period: str | None
    year: int | None
    approximate: bool
    sentence: tuple[int, int]  # span of the sentence it stands in
    projected: bool = False  # a target or forecast (预计, 到2025年, 有望 …), not a reported result


COMPOSITE = re.compile(r"(?:/(?:[a-zA-Z²³㎡]+|[年天日月时]|万度|平方米|吨|人|户|辆|台)){1,2}")
_CANON = {"kwh": "kWh", "kw": "kW", "m3": "m³", "t": "t"}


def _canonical_unit(u: str) -> str:
    return _CANON.get(u.lower(), u)


SENTENCE_END = re.compile(r"[。！？；\n]")


def sentence_span(text: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in SENTENCE_END.finditer(text, 0, pos):
        start = m.end()
    m = SENTENCE_END.search(text, pos)
    end = m.end() if m else len(text)
    return start, end


def _to_number(num: str) -> float | None:
    if re.fullmatch(ARABIC, num):
        return float(num.replace(",", ""))
    return cn_to_number(num)


def _unit_factor(unit_text: str) -> tuple[str, float] | None:
    for rx, u, f in _UNIT_COMPILED:
        if rx.match(unit_text):
            if unit_text.startswith("万人次"):
                return "count", 1e4
            return u, f
    return None


def extract(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    for m in QUANTITY.finditer(text):
        num_s = m.group("num")
        start = m.start("num")
        # a number glued to Latin letters or digits is a code (ISO 50001, PAS2060, 7R)
        if start > 0 and re.match(r"[A-Za-z0-9.\-/]", text[start - 1]):
            continue
        unit_s = m.group("unit")
        mult_s = m.group("mult")
        if not unit_s and not mult_s:
            continue
        number = _to_number(num_s)
        if number is None:
            continue
        end = m.end()
        after = text[end : end + 6]
        # dates and years: 2022年, 9月, 15日
        if not unit_s and re.match(r"\s?[年月日号]", text[m.end("num") :]):
            continue
        is_cn = not re.fullmatch(ARABIC, num_s)
        if is_cn and not (mult_s or unit_s in ("家", "个", "人", "亩", "吨")):
            continue  # a Chinese numeral alone is a word (一个, 三家) unless it carries 万/亿
        if is_cn and not mult_s and number < 10 and m.group("fuzz") is None and not re.search(r"百|千|十", num_s):
            continue
        clause_start = max(
            [0] + [mm.end() for mm in re.finditer(r"[。！？；\n]", text[: m.start()])]
        )
        clause = text[max(clause_start, m.start() - 40) : m.start()]
        per_year = False
        if unit_s:
            uf = _unit_factor(unit_s)
            if uf is None:
                continue
            unit, factor = uf
            if unit == "count" and re.match(r"[年月日]", after or ""):
                continue
            if unit == "t" and re.search(r"标准?煤\s?$|标准?煤[^，。；]{0,3}$", clause[-8:]):
                unit = "tce"  # 节约标准煤 1374 吨
            comp = COMPOSITE.match(text, end)
            per_year = bool(comp) and comp.group(0) == "/年"
            if per_year:
                end = comp.end()  # 51.9万吨/年: an annual figure in the base unit
            elif comp and unit not in ("%", "count"):
                # a rate such as kWh/㎡, 元/㎡, m³/d: kept as printed, not converted
                unit = _canonical_unit(unit_s) + comp.group(0)
                factor, end = 1.0, comp.end()
                if mult_s:
                    factor = 1.0
        else:
            # a bare 万/亿 amount: money when the clause talks about money, else a count
            before = text[clause_start : m.start()]
            if re.search(r"用电|电量|发电|电能|节电", before[-10:]):
                unit = "kWh"
            elif MONEY_CONTEXT.search(before[-25:]):
                unit = "CNY"
            else:
                unit = "count"
            factor = 1.0
            end = m.end("mult") if not m.group("fuzz2") else m.end("fuzz2")
        mult = MULTIPLIERS.get(mult_s or "", 1.0)
        if unit_s and unit_s.startswith("万") and unit_s != "万元":
            mult = 1.0  # handled by the unit itself (万人次)
        value = number * mult * factor
        # a count or percentage with a wild value is a code or a year, not a figure
        if unit == "count" and (number >= 1000 and not mult_s and "," not in num_s and re.fullmatch(r"(19|20)\d{2}", num_s)):
            continue
        if unit == "%" and value > 1000:
            continue
        pre = m.group("pre") or ""
        surface_start = start
        surface = text[surface_start:end].strip()
        s0, s1 = sentence_span(text, start)
        sent = text[s0:s1]
        years = [
            (abs(ym.start() + s0 - start), int(ym.group(1)))
            for ym in YEAR.finditer(sent)
            if not (s0 + ym.start() <= start < s0 + ym.end())
        ]
        year = min(years)[1] if years else None
        approx = bool(pre and pre in APPROX_MARKS) or bool(m.group("fuzz") or m.group("fuzz2")) or text[end : end + 2] in ("左右", "以上")
        if not approx:
            approx = bool(re.search(r"(约|近|超过|超|逾|大约|将近)\s?$", text[max(0, start - 4) : start]))
        projected = bool(PROJECTED.search(text[s0:start])) or bool(year and year > 2023)
        indicator = _indicator(unit, clause + (text[start:end] if unit == "count" else ""), text[end : end + 12])
        period = "annual" if per_year else _period(text[clause_start:start], text[end : end + 4])
        out.append(
            Quantity(
                start=start,
                end=end,
                surface=surface,
                number=number * (mult if unit != "count" or mult_s else 1.0),
                value=round(value, 6),
                unit=unit,
                indicator=indicator,
                period=period,
                year=year,
                approximate=approx,
                sentence=(s0, s1),
                projected=projected,
            )
        )
    for m in PERCENT_CN.finditer(text):
        n = _to_number(m.group("num"))
        if n is None:
            continue
        s0, s1 = sentence_span(text, m.start())
        clause = text[max(s0, m.start() - 40) : m.start()]
        out.append(
            Quantity(m.start(), m.end(), m.group(0), n, n, "%", _indicator("%", clause, text[m.end() : m.end() + 12]), _period(clause, ""), None, False, (s0, s1))
        )
    out.sort(key=lambda q: q.start)
    return out


# -- the figures of one case ------------------------------------------------------


@dataclass(frozen=True)
class CaseFigure:
    """A figure as the graph reports it: where it stands in the case and what it is."""

    part: str  # part key (overview, profile, results …)
    para_index: int  # 1-based position of its paragraph in the case, in document order
    paragraph: "Paragraph"
    quantity: Quantity

    @property
    def line(self) -> int:
        return self.paragraph.line_at(self.quantity.start)


def case_figures(case: "Case") -> list[CaseFigure]:
    """Every figure of a case in document order — the outcomes the graph holds."""
    found: list[CaseFigure] = []
    for n, (part, para) in enumerate(case.paragraphs(), start=1):
        for q in extract(para.text):
            found.append(CaseFigure(part.key, n, para, q))
    # a figure the text calls cumulative once is cumulative wherever the case repeats it
    cumulative = {(f.quantity.value, f.quantity.unit, f.quantity.indicator) for f in found if f.quantity.period == "cumulative"}
    return [
        replace(f, quantity=replace(f.quantity, period="cumulative"))
        if f.quantity.period is None and (f.quantity.value, f.quantity.unit, f.quantity.indicator) in cumulative else f
        for f in found
    ]


# -- amounts typed by a user (question understanding) -----------------------------

_USER_UNITS: list[tuple[str, str, float]] = [  # longest first: 千瓦时 before 千瓦, mwh before mw
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
_EN_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
AMOUNT = re.compile(
    rf"(?<![A-Za-z0-9.])(?P<num>{ARABIC}|{CHINESE})\s*(?P<mult>万亿|千万|百万|万|亿|thousand|million|billion|bn|mn|k|m|b)?\s*"
    rf"(?P<unit>{'|'.join(p for p, _, _ in _USER_UNITS)})?(?![a-z])",
    re.IGNORECASE,
)


def parse_amount(text: str) -> tuple[float, str | None, tuple[int, int]] | None:
    """The first amount in ``text``: (value in base unit, unit or None, span)."""
    text = re.sub(r"二氧化碳|二氧化硫", lambda m: "C" * len(m.group(0)), text)  # 二 here is no number
    for m in AMOUNT.finditer(text):
        num = _to_number(m.group("num"))
        if num is None:
            continue
        mult_s = (m.group("mult") or "").lower()
        unit_s = (m.group("unit") or "").lower()
        if not mult_s and not unit_s:
            if re.fullmatch(r"(19|20)\d{2}", m.group("num")) or not re.fullmatch(ARABIC, m.group("num")):
                continue
        mult = MULTIPLIERS.get(mult_s, _EN_MULT.get(mult_s, 1.0))
        unit, factor = None, 1.0
        for p, u, f in _USER_UNITS:
            if unit_s and re.fullmatch(p, unit_s, re.IGNORECASE):
                unit, factor = u, f
                break
        if mult_s == "m" and unit is None:
            mult = 1e6
        return num * mult * factor, unit, m.span()
    return None
