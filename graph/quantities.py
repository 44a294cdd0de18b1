"""Find the figures in clean Chinese (and mixed) text and normalise them.

``extract(text)`` returns :class:`Quantity` objects: the value in a base unit
(t, kWh, kW, tce, CNY, m2, m3, %, count …; see graph/units.py), what is measured
(an indicator id from ontology/indicators.ttl, and for a count the thing counted
in Chinese and English), its period (annual, cumulative, point, or projected for
targets and forecasts), its years (the year it refers to, the baseline year of a
change, the reporting date — each only when its sentence states it, never a
founding year or a factor table's year) and the character span of the figure.
``case_figures(case)`` adds what a case states beyond one sentence (a part's
"data as of" note, a paragraph's reporting date) and is what the graph holds.

``parse_amount`` is shared with question understanding: it reads a number
with a Chinese or Latin multiplier and an optional unit (十万吨, 100k t, 0.1 Mt).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from .units import QUESTION_UNITS, TEXT_UNITS

if TYPE_CHECKING:
    from climatekg.corpus.model import Case, Paragraph

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
UNIT_RE = "|".join(f"(?:{p})" for p, _, _ in TEXT_UNITS)
# a range (30—50%, 2-3 次, 8-10 万) is read as its lower bound, before any unit or multiplier
NUMBER = (rf"(?P<num>{ARABIC}|{CHINESE})(?:\s?[-—–~～至到]\s?(?P<num2>{ARABIC})"
          rf"(?=\s?(?:%|％|万|亿|千|兆|[a-zA-Z]|{UNIT_RE})))?")
MULT = r"(?P<mult>万亿|千万|百万|万|亿)?"
FUZZ = r"(?P<fuzz>多|余|几|\+)?"

_UNIT_COMPILED = [(re.compile(rf"^(?:{p})$"), u, f) for p, u, f in TEXT_UNITS]

QUANTITY = re.compile(
    rf"(?P<pre>约|近|超过|超|逾|达|达到|累计|共|合计|余|以上)?\s?{NUMBER}\s?{FUZZ}\s?{MULT}"
    rf"(?:\s?(?P<sub>[1-9])\s?(?P<subm>千|百)(?=\s?(?:{UNIT_RE})))?"  # 1 万 6 千平方米 = 16,000 m²
    rf"\s?(?P<fuzz2>多|余)?\s?(?P<unit>{UNIT_RE})?"
)
PERCENT_CN = re.compile(r"百分之(?P<num>[一二两三四五六七八九十百]+|\d+(?:\.\d+)?)")

APPROX_MARKS = ("约", "近", "超", "逾", "多", "余", "左右", "以上", "超过")

# -- what is measured: keyword rules on the clause before the figure -------------

MONEY_CONTEXT = re.compile(r"投资|投入|资金|费用|成本|收益|效益|节省|节约|营收|收入|销售额|贷款|融资|余额|授信|债券|金额|资产|补贴|回报|利润|电费|价值")


def _indicator(unit: str, clause: str, after: str, unit_text: str = "") -> str:
    """What a figure measures (an indicator id), from its unit, the clause before it and the words after it."""
    c, nxt = clause, re.split(r"[。；！？\n，,]", after[:10])[0]  # the words after it in its own clause
    near = c[-14:]
    if re.match(r"\s?(?:的)?(二氧化硫|氮氧化物|烟尘|粉尘|颗粒物|SO2|NOx)", nxt):
        return "other"  # other pollutants
    if re.search(r"(二氧化硫|氮氧化物|烟尘|粉尘|颗粒物)$", c):
        return "other"
    ghg_after = re.match(r"\s?(?:的)?(二氧化碳|CO2|CO₂|tCO2|温室气体|碳排放|碳)", nxt) or re.search(r"二氧化碳|CO2|CO₂", unit_text)
    if unit == "g" or unit.startswith("g/"):
        # grams (of CO₂ per passenger-km, per kWh) weigh what one unit of something emits: a factor where the words
        # name one (排放因子, 系数), else an intensity — whatever the verb before it (降至N g is a level reached)
        return "conversion-factor" if re.search(r"因子|系数", near) or re.match(r"\s?的?[^，。；\d]{0,4}(?:因子|系数)", nxt) else "carbon-intensity"
    if unit in ("t", "kg"):
        if unit == "t" and RATED_DEVICE.match(nxt):
            return "equipment-rating"  # N吨冷却塔, N蒸吨锅炉: the size of one device, not an amount of anything
        if re.search(r"用水|节水|水量|水耗", near):
            return "water"
        if re.search(r"减排|减碳|碳减排|减少.{0,10}(二氧化碳|碳|排放)|降低.{0,10}(排放|温室气体)|降碳|抵消|碳汇|避免.{0,6}排放|减少温室气体", c) or (
            ghg_after and re.search(r"减|降|抵|避免|替代", c)
        ):
            return "co2-reduction"
        if re.search(r"(?:废水|污水)[^，。；\d]{0,6}$", near) and not ghg_after:
            return "water"  # 废水排放量 is water discharged, not a greenhouse gas
        if re.search(r"排放", c) or ghg_after:
            return "emissions"
        if re.search(r"水", near):
            return "water"
        if re.search(r"塑料|垃圾|废弃|废物|固废|餐盒|包装|回收|粪|污泥|秸秆|材料|凝固物|渣|浪费|筷子|餐具|用钢|钢材|钢量", c) or re.match(
                r"\s?(?:至[\d.]+\s?吨)?的[^，。；]{0,6}(?:塑料|垃圾|废弃物|废物|固废|餐盒|包装|污泥|秸秆|材料|钢材)", after):
            # … or what the amount is of, after it: 130吨至140吨的趋海塑料
            return "waste"
        if re.search(r"产能|产量|生产|[年日月]产|处理|蒸汽|饲料|小麦|产出|销量|产热|供氢|产氢", c):
            return "production"
        return "other"
    if unit == "tce":
        return "energy-saved" if re.search(r"节约|节省|节能|减少|替代|降低", c) else "energy-consumption"
    if unit == "kWh":
        if re.match(r"\s?(?:的)?(储能|电池)", nxt) or (re.search(r"储能|电池", near) and not re.search(r"发电", near)):
            return "storage-capacity"
        if re.search(r"节约|节省|节电|节能|省电|减少.{0,6}(用电|电|能耗)|降低.{0,6}(用电|电耗|能耗)", c) or (
                re.search(r"(?:减少|降低|削减|节约|节省)了?(?:约|近|超过?)?\s?$", near)
                and re.match(r"\s?(?:的)?(?:用电|电量|电|能耗|用能)", nxt)):
            return "energy-saved"  # … or the energy named after it: 降低了N度用电
        if re.search(r"发电|发绿电|输送|上网|电站[^，。；]{0,8}产生", c) and not re.search(r"购|交易|售电|结算电", near):
            return "power-generation"
        if re.search(SUBSTITUTION, c):
            return "electricity-substitution"  # 替代电量, 电能替代: electricity burnt in place of fuel, not generated
        # electricity bought, sold or settled in trading (购电, 售电, 结算电量): traded power
        if re.search(r"绿电|绿色电力|清洁能源|可再生|交易|购电|售电|结算电|绿证|清洁电", c + nxt):
            return "green-power"
        if re.search(r"供电|产生", c):
            return "power-generation"
        if re.search(r"用电|耗电|电耗|能耗|消耗|充电|用能", c):
            return "energy-consumption"
        return "other"
    if unit == "kW":
        if re.match(r"\s?(?:的[\u4e00-\u9fff]{0,4}?)?(单晶|组件|逆变器|充电桩|充电器|充电机|储能一体柜|机组|电机|风机|水泵|压缩机|热泵|锅炉|电解槽|变压器)",
                    nxt) or re.search(
                r"功率[^，。；]{0,6}$|(?:消耗|耗电|用电)[^，。；]{0,4}$", near):
            return "equipment-rating"  # the power of one device, not installed capacity
        if re.search(r"储能", near) and not re.search(r"光伏|风电|装机", near):
            return "storage-capacity"
        return "capacity"
    if unit in ("CNY", "USD", "EUR"):
        if re.search(r"贷款|融资|信贷|债|授信|余额|发放|放款|金融|资金支持|投放", c):
            return "financing"
        if re.search(r"(节约|节省|减少|降低|省|优化)[^，。；]{0,10}$", c):
            return "cost-saving"  # 优化人力成本N元: a cost cut
        if re.search(r"利润|净利|盈利", near):
            return "profit"
        if re.search(r"投资|投入|总投|造价|建设资金|建设成本|综合成本", c):
            return "investment"
        if re.search(r"营收|营业收入|收入|销售额|产值|营业额", c):
            return "revenue"
        if re.search(r"节省|节约|降低|减少|收益|效益|回报|利润|增收|创收|省|节支|补贴|奖励", c):
            return "cost-saving"
        if re.search(r"购置|采购|外购|购买|支出|花费|开支", near) and not re.search(r"电|能源|能耗|燃料|燃气|油", near):
            return "operating-cost"  # 需购置外部污水处理碳源914万元: money spent running something
        if re.search(r"(?:能耗|用能|能源消耗|电费|能源费用?)[^，。；\d]{0,4}$", near):
            return "energy-cost"  # 年能耗N万 said in money: what the energy used costs
        if PER_THING.search(near):
            return "unit-cost"  # 每次约N元, 每台N元: money per one of something
        return "other"
    if unit == "%":
        cc = c + nxt
        if re.search(r"贷款|信贷|融资", c) and re.search(r"增速|增幅|增长|同比", c):
            return "financing"
        if re.search(r"(?:补贴|补助|资助)[^，。；\d]{0,12}$", near):
            return "share"  # 补贴<投入>N%: the part of a cost a subsidy pays, not a saving
        if ratio := re.match(r"\s?(?:以上|左右)?的([^，。；\d]{1,10}?)(?:比例|占比|比重)", nxt):
            # N%的<X>比例: the ratio named right after the figure is what it is, whatever the words before it say
            return "renewable-share" if re.search(RENEWABLE, ratio.group(1)) else "share"
        if re.search(r"节水|水耗|用水", cc):
            return "water"
        if re.search(r"费用|成本|电费", cc) and re.search(r"降|节|省|减", cc):
            return "cost-saving"
        if re.search(r"(?:废弃物|固废|废物|垃圾)[^，。；]{0,6}(?:利用率|回收率|资源化率)", near):
            return "waste"  # 固体废弃物综合利用率: how much waste is put to use
        if _names_financial_ratio(near[-10:]):
            return "financial-ratio"  # 拨备覆盖率 is a bank's ratio, not a coverage
        if re.search(r"(?:利用率|效率|转化率|自动化率|覆盖率|渗透率)(?![^，。；]*(?:提高|增长|增加|提升|上升|降低|下降|减少)了?\s?(?![到至]))",
                     near[-8:]):
            return "efficiency-rate"  # … but a rate raised or cut by N% is a change (X利用率提升N%)
        pace = re.match(r"\s?(?:以上|左右)?的(?:速度|幅度|速率|比率)\s?(?:持续|逐年|快速|稳步)?(?P<v>[\u4e00-\u9fff]{2})", nxt)
        if pace and re.match(r"增|提|上|扩", pace.group("v")):
            return "growth-rate"  # 以N%的速度增长: the pace of a change, not a part of a whole
        if pace and re.match(r"下|降|减", pace.group("v")):
            return "reduction-rate"
        # N%的<noun>: a share of the noun after 的 — but not a frame (…的N%的基础上, …的前提下)
        of = re.match(r"\s?(?:以上|左右)?的(?!基础|前提|情况|条件|同时|背景)([\u4e00-\u9fff]{1,6})", nxt)
        raised = re.search(r"(?:增加|提升|提高|扩大|降低|减少|节约|节省)了?[^，。；\d]{0,12}$", near)
        if of and not re.search(r"占|比例|比重|降|减|节|省|提|增", near[-8:]) and not re.search(
                r"电|能源|排放|碳|水|成本|费用", of.group(1)) and not raised:
            # … nor the thing a verb before it raises or cuts by N% (增加了X屋顶20%的光伏安装容量)
            return "share"  # 72% 的供应商: a share of something (not 30% 的清洁电力, 降低 40% 以上的碳排放)
        if re.search(r"(?:提高|增长|增加|提升|增幅|增速|扩大)了?(?:约|近|超过?|达到?)?\s?$", near):
            return "growth-rate"  # 较2021年提升106.22%: the verb right before the figure decides
        if re.search(RENEWABLE, cc) and re.search(r"占|比例|比重|使用率|率|达|覆盖|提供|抵消|替代|供应|供给|使用|为|来自|自产", cc):
            return "renewable-share"
        if re.search(r"发电", c) and re.search(r"占.{0,12}用电", c):
            return "renewable-share"
        if re.search(r"碳排放强度|排放强度|碳强度|碳排强度|单位[^，。；\d]{0,4}(?:碳排放|排放)", c):
            return "carbon-intensity"
        if re.search(r"(?:排放|碳排)[^，。；]{0,8}(?:占比|比重|中占|占[^，。；]{0,4}比例)[^，。；]{0,4}$", near) or re.search(
                r"占[^，。；]{0,12}(?:碳排放|排放总量|排放量)[^，。；]{0,6}$", near):
            return "share"  # 道路交通在交通全行业碳排放中的占比约80%: a part of the emissions, not emissions nor a cut
        if re.search(r"占(?!有?率)[^，。；\d]{0,16}$", near):
            return "share"  # 占X的近一半, 占总量N%, <X>排放量占总量的N%: the part of a whole
        if re.search(r"(?:能源|能耗|电能|用电|电力)[^，。；]{0,2}(?:节省|节约)", near):
            return "energy-saved"  # <某能源>节省N%
        if re.search(ENERGY_USE + r"(?!强度)[^，。；\d]{0,12}?" + CUT + r"|" + CUT + r"[^，。；\d]{0,4}" + ENERGY_USE + r"(?!强度)", near):
            return "energy-saved"  # energy use cut by N% (能耗较X下降N%, 消减用电量N%): energy saved
        if re.search(r"(?:节能|节电)率", near):
            return "energy-saved"  # the words before the figure name it before those after
        if re.search(r"省电|节电", near[-6:]):
            return "energy-saved"
        if re.search(r"减排|减碳|碳排放|温室气体|排放量", cc) and re.search(r"降|减|下降|减少", cc):
            return "co2-reduction"
        if re.search(r"节能率|节电率|节能|节电", cc):
            return "energy-saved"
        if re.match(r"\s?(?:以上|左右)?的(?!基础|前提|情况|条件|同时|背景)[\u4e00-\u9fff]", nxt) and not raised:
            return "share"  # 92% 的国内航班: a share of something
        # a verb of change with 至/到 reaches a level (由M%提升至N%), it does not state a change
        up = [m.end() for m in re.finditer(r"(?:提高|增长|增加|提升|增幅|增速|扩大)(?!了?\s?[至到])", near)]
        down = [m.end() for m in re.finditer(r"(?:下降|降低|减少|降幅|节约|节省|减重|减量|削减|消减|降|节肥|节药|优化)(?!了?\s?[至到])",
                                             near)]
        if up and (not down or up[-1] > down[-1]):
            return "growth-rate"  # a relative increase (yield up 7.5 %, bookings up 166 %)
        if down or re.search(r"下降|降低|减少|降幅|节约|节省|减重|减量|削减|消减|降|节肥|节药", cc):
            return "reduction-rate"
        return "other"
    if unit in ("m2",):
        return "area"
    if unit in ("m3", "L"):
        if re.search(r"垫料", c + nxt) and re.search(r"生产|产", c):
            return "production"
        if re.search(r"沼渣|废|污", c + nxt):
            return "waste"
        if re.search(r"沼气|天然气|燃气|氢", c):
            return "production" if re.search(r"产|利用|生产", c) else "energy-consumption"
        return "water" if re.search(r"水", c) else "other"
    if unit == "count":
        if re.match(r"\s?(?:[^，。；]{0,2})(用户|会员|消费者|师生|学生|居民|员工|游客|旅客|志愿者|参与者)", nxt) or re.search(r"[人名户]$|人次$|(用户|人数|参与者|会员|消费者)[^，。；]{0,12}$", clause):
            return "users"
        return "count"
    return "other"


# one device sized in tonnes, named right after the figure (N吨冷却塔, N蒸吨燃气锅炉, N吨电动重卡)
RATED_DEVICE = re.compile(r"\s?(?:的)?[\u4e00-\u9fff]{0,2}?(?:冷却塔|锅炉|储罐|水箱|起重机|吊车|叉车|重卡|卡车|货车|冷水机组)")
# electricity that replaces fuel burnt on site (电能替代, 替代电量, 以电代煤)
SUBSTITUTION = r"替代电量|电能替代|能源替代|以电代[煤油气柴]|电代[煤油气柴]"
# money per one of something, not per a period (每次约N元, 每台N元, 每户N元; not 每年, 每月)
PER_THING = re.compile(r"每(?![年月天日周季])[\u4e00-\u9fff]{1,3}?(?:约|近|超过?|为|需|可)?\s?$")
# words of renewable or clean energy
RENEWABLE = r"绿电|绿色电[力能]|清洁能源|可再生|光伏|新能源(?!车|汽车)|绿色能源|非化石|清洁电力"
# energy used, and the verbs that cut it
ENERGY_USE = r"(?:能耗|用电量|用电|电耗|耗电量?|用能|能源消耗|能源使用量)"
CUT = r"(?:下降|降低|减少|削减|消减|节约|节省)了?"
# what a verb-only reading names (a change up or down, a part of a whole, nothing): the figure's own clause then
# needs a subject of its own before its reading wins over the sentence's
GENERIC_INDICATORS = {"other", "share", "growth-rate", "reduction-rate", "count"}
# nouns that name a change or a part, not what changes (增幅为N%, 占比达N%): no subject of their own
_NOT_A_SUBJECT = re.compile(r"^(?:增幅|增速|降幅|涨幅|幅度|比例|占比|比重|比率|速度|水平|总量|数量|规模|同比|环比|总计|合计|共计|其中|全年|"
                            r"年度|每年|年均|目前|当前|如今|累计|总体|整体|综合|平均|最大|最高|最低|约|近|超过|左右)$")


def _has_subject(clause: str) -> bool:
    """Whether a clause names what it measures itself (<人员>减少…, 能耗较X下降…) rather than only how it
    changes (增幅为…, 较上一年度增长…, 同比增速达…), by jieba's part-of-speech tags."""
    import jieba.posseg as pseg

    for t in pseg.lcut(re.sub(r"[（(][^）)]*[）)]|\d+(?:\.\d+)?|(?:19|20)\d{2}\s?年", "", clause)):
        w = t.word.strip()
        if len(w) > 1 and (t.flag[0] in "n" and t.flag != "nr" or t.flag in ("vn", "j", "eng")) and not _NOT_A_SUBJECT.match(w):
            return True
    return False


def _clause_indicator(text: str, start: int, end: int, s0: int, unit: str, unit_s: str = "", extra: str = "") -> str:
    """What a figure measures, read from its own clause first (X提升N%，Y成本降N%，Z人员减少N%: each figure's
    subject is its own), and from the words of its sentence before it (up to 40 characters) when its clause names
    only a change (…余额N亿元，增幅为N%) or names nothing the rules know."""
    wide = text[max(s0, start - 40) : start]
    ind_wide = _indicator(unit, wide + extra, text[end : end + 12], unit_s)
    c0 = max(s0, max(text.rfind(c, s0, start) for c in "，,：:") + 1)
    if c0 <= max(s0, start - 40):
        return ind_wide  # the clause is the whole window
    own = text[c0:start]
    ind_own = _indicator(unit, own + extra, text[end : end + 12], unit_s)
    if ind_own == "other" and ind_wide in GENERIC_INDICATORS and (
            prev := list(_A_NUMBER.finditer(text, max(s0, start - 40), c0))):
        # a change named before another figure of the sentence is that figure's (…下降了约30%，…由100%X制成): the
        # window reaches back only to the clause after it
        after_prev = max(s0, min([i for i in (text.find(c, prev[-1].end(), c0) for c in "，,：:") if i >= 0] or [c0]) + 1)
        return _indicator(unit, text[after_prev:start] + extra, text[end : end + 12], unit_s)
    if ind_own == ind_wide or ind_own == "other" or (ind_own in GENERIC_INDICATORS and not _has_subject(
            SUBJECT_END.split(own, maxsplit=1)[0])):
        return ind_wide
    return ind_own


_A_NUMBER = re.compile(rf"(?:{ARABIC})(?![\d.,])(?!\s?[年月日号])")  # a figure's number, not a date's


# where the subject of a clause ends: a comparison (较…, 与…相比), a part of a whole (占…) or the verb of a change
SUBJECT_END = re.compile(r"较|相较|相比|相对|对比|跟|(?<!占)比(?![例重率])|占|提升|提高|增长|增加|上升|下降|降低|减少|削减|降|"
                         r"节约|节省|优化|为|达到?|是")


YEAR = re.compile(r"((?:19|20)\d{2})\s?年")


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
    baseline_year: int | None = None  # the year a change is measured against (较2019年, 与2004年相比)
    as_of: str | None = None  # the reporting date of a running total or state (截至2023年6月 → "2023-06")
    counted_zh: str | None = None  # the thing a count counts (供应商, 换电站), in Chinese
    counted_en: str | None = None  # … and in English
    flow: bool = False  # an amount over time (t, kWh, yuan earned); otherwise a stock or state (kW, m², %)
    of_zh: str | None = None  # what a share is a part of, or what a growth or reduction is the change of (供应商, 能耗)
    of_en: str | None = None  # … in English, where the glossary names it

    @property
    def period_kind(self) -> str:
        """annual, cumulative, point or projected — projected first: a target is never a result."""
        return "projected" if self.projected else (self.period or "point")


# the denominator of a rate, in base symbols: (pattern, symbol, factor)
PER_UNITS = [(re.compile(rf"^(?:{p})$"), u, f) for p, u, f in (
    (r"㎡|m²|m2|平方米|平米", "m2", 1), (r"度|[Kk][Ww][Hh]|千瓦时", "kWh", 1), (r"[Kk][Ww][Pp]", "kWp", 1),
    (r"[Kk][Ww]|千瓦", "kW", 1), (r"吨|t", "t", 1), (r"年|yr|a|year", "yr", 1), (r"天|日|d", "d", 1), (r"月", "month", 1),
    (r"时|小时|[hH]", "h", 1), (r"km|公里", "km", 1), (r"人", "person", 1), (r"户", "household", 1), (r"辆", "vehicle", 1),
    (r"台", "unit", 1), (r"p\.?km|人[·.]?公里|人[·.]?km|pkm", "pkm", 1))]  # passenger-km (of a trip's emissions)


def _compound_unit(unit_s: str, base_unit: str, factor: float, per: str) -> tuple[str, float]:
    """A rate in base symbols and the factor to them: 万元 + /㎡ → (CNY/m2, 1e4), 吨标准煤 + /万度 → (tce/kWh, 1e-4).
    A denominator not known is kept as printed after the numerator's base symbol."""
    symbol = base_unit
    for den in per.split("/")[1:]:
        ten_k = 1e4 if den.startswith("万") and len(den) > 1 else 1.0  # per 万 of something: 吨标准煤/万千瓦时
        hit = next(((u, f * ten_k) for rx, u, f in PER_UNITS if rx.match(den[1:] if ten_k > 1 else den)), None)
        if hit is None:
            return f"{base_unit}{per}", factor
        symbol, factor = f"{symbol}/{hit[0]}", factor / hit[1]
    return symbol, factor


COMPOSITE = re.compile(r"(?:/(?:p\.km|[a-zA-Z²³㎡]+|[年天日月时度]|万度|万千瓦时|千瓦时|平方米|吨|人|户|辆|台)){1,2}")
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


# -- the years of a figure -----------------------------------------------------------------
# A year in the sentence has a role: the time the figure refers to ("time"), a reporting date ("asof", 截至),
# the baseline of a change ("baseline", 较2019年), a target ("target", after the collection's year), or it
# belongs to something else — a founding date, or the title or edition of a document or factor table
# ("founding", "source"), or opens a span that runs to now ("since": 自2004年以来, the start of a running total
# and the baseline of a change over it). Only time, asof and target years can be a figure's year; none is
# guessed.

REPORT_YEAR = 2023  # the collection reports up to 2023; a later year is a target or forecast
# a year, a fiscal year (YYYY/YY 财年), or a year naming a whole year or a target without 年 (YYYY全年, YYYY目标)
YEAR_MENTION = re.compile(r"(?P<y>(?:19|20|21)\d{2})(?:\s?/\s?(?:19|20|21)?(?P<fy>\d{2})\s?财年|\s?年(?:度)?|(?=\s?(?:全年|目标|愿景)))"
                          r"(?:\s?(?P<mo>\d{1,2})\s?月(?:\s?(?P<day>\d{1,2})\s?日)?)?")


# the year of an award, a contest or a ranking named right after it (YYYY年度X奖), not of an act
AWARD_TITLE = re.compile(r"\s?度?(?![^，。；]*?(?:获|入选|评为|被|荣获))[^，。；\d]{0,12}?(?:奖(?!励|金)|大赛|榜单|排行榜)")
# a clause that states the goal its sentence serves (为实现YYYY年<goal>的目标，…)
PURPOSE = re.compile(r"\s?(?:为了?|以)(?:实现|达成|完成|落实|响应|助力|推动|践行|达到)[^，,。；]*(?:目标|愿景|承诺)")


@dataclass(frozen=True)
class YearMention:
    start: int
    end: int
    year: int
    role: str
    month: int | None = None
    day: bool = False  # a full date (2022 年 3 月 21 日): the day of an event, not a reporting period


def year_mentions(text: str) -> list[YearMention]:
    out = []
    for m in YEAR_MENTION.finditer(text):
        y = int(m.group("y"))
        if m.group("fy"):  # fiscal year 2049/50 ends in 2050
            y = y // 100 * 100 + int(m.group("fy")) + (100 if int(m.group("fy")) < y % 100 else 0)
        before, after = text[max(0, m.start() - 10) : m.start()], text[m.end() : m.end() + 16]
        in_title = text.rfind("《", 0, m.start()) > text.rfind("》", 0, m.start())
        cs = max(text.rfind(c, 0, m.start()) for c in "，,。；") + 1
        clause = text[cs : min([i for i in (text.find(c, m.end()) for c in "，,。；") if i >= 0] or [len(text)])]
        if in_title or re.match(r"[^，。；]{0,10}?(?:排放因子|基准线排放|因子)", after) or AWARD_TITLE.match(after):
            role = "source"  # a document's, a factor table's or an award's year (YYYY年度X奖)
        elif PURPOSE.match(clause):
            role = "purpose"  # 为实现YYYY年<goal>的目标，…: the goal a sentence serves, not when its figures happen
        elif re.match(r"(?:\s?\d{1,2}\s?月)?\s?[-—–~～至到]\s?(?:19|20)\d{2}", after):
            role = "span"  # YYYY年-YYYY年: the start of a span; its end dates what the span adds up
        elif re.search(r"(?:成立|创立|创建|始建|创办|组建|建立|注册|诞生|改制|上市|开业)于?\s?$", before) or re.match(
                r"\s?(?:\d{1,2}\s?日)?\s?(?:正式)?(?:成立|创立|创建|始建|创办|组建|建厂|注册成立|诞生|改制|上市|挂牌|开业|进入中国)", after):
            role = "founding"
        elif re.search(r"(?:自|从|自从)\s?$", before) and re.match(r"(?:\s?\d{1,2}\s?月)?\s?(?:以来|起|开始|至今)", after) or (
                re.match(r"(?:\s?\d{1,2}\s?月)?\s?以来", after)):
            role = "since"
        elif (re.search(r"(?:较|比|相比|相较|相对于?|对比|同比)\s?$", before)
              # 较脉动诞生之初（2004年）: the year in brackets names the point compared with
              or re.search(r"(?:较|相比|相较|对比)[^，。；\d]{0,12}[（(]\s?$", before)
              or (re.search(r"(?:与|同|从|和|跟)\s?$", before) and re.match(
                  r"[^，。；]{0,12}?(?:相比|相较|比较|(?<!占)比(?![例重率])|为基准|基准|基线|为基数|水平)", after))
              or (re.search(r"以\s?$", before) and re.match(r"[^，。；计]{0,8}?(?:为基准|为基数|为基线|基准|基线)", after))
              or re.match(r"\s?(?:的)?(?:基准|基线)", after)):
            role = "baseline"
        elif y > REPORT_YEAR:
            role = "target"
        elif re.search(r"(?:截至|截止|截止到|截至到|到|至)\s?$", before) or re.search(
                r"(?:19|20)\d{2}\s?年?(?:\s?\d{1,2}\s?月)?\s?[-—–~～至到]\s?$", before):
            role = "asof"  # the end of a period (2020-2022 年累计…) dates a running total
        else:
            role = "time"
        out.append(YearMention(m.start(), m.end(), y, role, int(m.group("mo")) if m.group("mo") else None,
                               bool(m.group("day"))))
    return out


def _clause_start(text: str, pos: int, floor: int) -> int:
    i = max(text.rfind(c, floor, pos) for c in "，,：:")
    return i + 1 if i >= 0 else floor


def figure_years(text: str, s0: int, s1: int, start: int, end: int,
                 stock: bool = False) -> tuple[YearMention | None, YearMention | None]:
    """(the year the figure refers to, the baseline year of a change) — from its own sentence only.
    ``stock``: the figure is a state (a capacity, an area), not an amount over time."""
    ms = [y for y in year_mentions(text[s0:s1])]
    ms = [replace(y, start=y.start + s0, end=y.end + s0) for y in ms if not (y.start + s0 <= start < y.end + s0)]
    c0 = _clause_start(text, start, s0)
    # the day of an event (2022 年 3 月 21 日正式投产，总装机容量 0.4MWp) dates what happened then, not a
    # state (a capacity, an area) described in a later clause
    if stock:
        ms = [y for y in ms if not (y.day and y.role == "time" and y.end <= c0)]
    # a target year in an earlier clause does not reach past a result (2030 年…目标，目前已有数百家…)
    usable = [y for y in ms if y.role in ("time", "asof") or (y.role == "target" and not (
        y.end <= start and REALISED_NOW.search(text, y.end, start)))]
    before = [y for y in usable if y.end <= start]
    same = [y for y in before if y.start >= c0]
    year = (same or before or [None])[-1]
    if stock and year is not None and year.role == "time" and year.month and year.end <= c0 and ALREADY.search(
            text, c0, start):
        year = None  # YYYY年M月，X发布计划，…，已覆盖N个: the month of an event, not of the state reached since
    if year is None:
        c1 = min([i for i in (text.find(c, end, s1) for c in "，,；。") if i >= 0] or [s1])
        # … a year after it in its clause: a target's (…在N个省份建成X的YYYY目标); a state's only so
        year = next((y for y in usable if end <= y.start < c1 and (not stock or y.role == "target")), None)
    if year is None:
        year = _opener_year(text, s0, start)
    c1 = min([i for i in (text.find(c, end, s1) for c in "，,；。") if i >= 0] or [s1])
    # a baseline belongs to its clause, or leads the sentence up to the figure (与2019年相比，用电量降低8.5%)
    bases = [y for y in ms if y.role == "baseline" and (c0 <= y.start < c1 or (
        y.end <= start and not re.search(r"\d", text[y.end : start])))]
    if not bases and text[end - 1 : end] in "%％" and (since := [y for y in ms if y.role == "since" and y.end <= start]):
        bases = since[-1:]  # 自2004年以来，单瓶水耗下降了66%: a change since then, against then
    if not bases and CHANGE_VERB.search(text, c0, start):
        # a baseline that opens the sentence (较脉动诞生之初（2004年），能耗下降72.2%，碳排放强度降低92%) is the
        # baseline of every change the sentence goes on to list
        first = min([i for i in (text.find(c, s0, start) for c in "，,") if i >= 0] or [start])
        bases = [y for y in ms if y.role == "baseline" and y.end <= first]
    base = min(bases, key=lambda y: abs(y.start - start)) if bases else None
    return year, base


CHANGE_VERB = re.compile(r"下降|降低|减少|削减|提升|提高|增长|增加|上升|节约|节省|降幅|增幅|减幅|涨幅")
ALREADY = re.compile(r"已|目前|如今|至今")
# a figure said of the year before the sentence's (YYYY年，…由上一财年的M%提升至N%, 去年同期为M)
THE_YEAR_BEFORE = re.compile(r"(?:上一?个?财年|上一?年度?|去年)(?:同期)?(?:的|为)\s?(?:约|近|超过?)?\s?$")
# a date that opens a sentence or a numbered item: 2023年，… / 2. 截至2023年… / （3）2022全年，…
OPENER = re.compile(r"\s?(?:[（(]?\d{1,2}[)）.、．]\s?)?(?:截至|截止|截止到|至|在|于)?\s?"
                    r"(?:19|20)\d{2}\s?(?:年|/\s?(?:19|20)?\d{2}\s?财年|(?=\s?全年))")  # 2022/23 or 2022/2023 财年
# … or a survey of a year that the sentence reports (据X YYYY年开展的调查统计，…N家；M家…): its counts are of that year
SURVEY_OPENER = re.compile(r"\s?(?:[（(]?\d{1,2}[)）.、．]\s?)?(?:据|根据|经)[^，。；\d]{0,10}?(?:19|20)\d{2}\s?年"
                           r"(?=[^，。；]{0,8}?(?:调查|统计|调研|测算|盘查|核算))")


def _date_opener(text: str, p0: int) -> re.Match | None:
    """The date a sentence starting at ``p0`` opens with (YYYY年，截至YYYY年, 据YYYY年的调查)."""
    return OPENER.match(text, p0) or SURVEY_OPENER.match(text, p0)


def _opener_year(text: str, s0: int, start: int) -> YearMention | None:
    """The year that opens the whole sentence a figure's clause belongs to, when the sentence goes on past a
    semicolon (2023年，蒙牛工厂利用生物质产蒸汽13.2万吨；利用沼气0.25亿m³): it dates every part of it."""
    p0 = s0
    while p0 > 0 and text[p0 - 1] == "；":
        p0 = sentence_span(text, p0 - 2)[0]
    if p0 == s0:
        return None
    m = _date_opener(text, p0)
    if not m:
        # … or opens a clause of the sentence's first part (X，YYYY年A达N；B达M): it dates B too
        first = text.find("；", p0, s0)
        m = re.compile(r"(?<=[，,])" + OPENER.pattern).search(text, p0, first) if first > 0 else None
        if not m:
            return None
    ys = [replace(y, start=y.start + m.start(), end=y.end + m.start()) for y in year_mentions(text[m.start() : m.end() + 8])]
    y = next((y for y in ys if y.start < m.end()), None)
    if y is None or y.role not in ("time", "asof", "target"):
        return None
    # a later date in the sentence before the figure takes over (2022 年…；2023 年…)
    if any(x.role in ("time", "asof", "target") for x in year_mentions(text[y.end : start])):
        return None
    return y


# -- projected, annual, cumulative, point ---------------------------------------------------

PROJECTION_CUE = re.compile(r"预计|计划|目标|未来\s?(?:[一二三四五六七八九十两几\d]+\s?(?:年|个月)|[，,]|将|会|要)|"
                            r"(?:后续|今后|将来|下一步|接下来|届时)\s?[，,]?\s?(?:将|会|要|还将)|有望|可望|预期|预估|估算|力争|争取|规划(?!研究|设计|院|局|委|署|部|司|容量)|承诺|愿景|拟|将达到|将实现|将超过|将提升|将完成|将减少|如果|若|假如|一旦|潜力|"
                            r"(?<![已经])(?:建成|投产|投运|完工|并网|投入使用)后|将(?:全部|陆续|正式)?(?:建成|投产|投运|完工|竣工|并网)")  # 项目建成后，每年可…: not yet built
# what is still to be built, said after the figure (建设2.7MW光伏系统，11月底将全部建成发电)
TO_BE_BUILT = re.compile(r"(?:将|预计|计划)(?:于|在)?[^，。；]{0,8}?(?:全部|陆续|正式)?(?:建成|投产|投运|完工|竣工|并网)")
REALISED_NOW = re.compile(r"已经|已|实现了|完成了|目前|截至|截止|如今|现已")
CONTINUES = re.compile(r"\s?(?:同时|与此同时|并且|并将|还将|此外还将)[，,]?")
REALISED = re.compile(r"已经|已|实现了|完成了|目前|截至|截止|如今|现已|(?<![可将能会])累计")  # 可累计 is still a forecast


def _projected(text: str, s0: int, start: int, end: int, year: YearMention | None) -> bool:
    """A target, plan, forecast or hypothesis: a cue earlier in the sentence with nothing realised in between,
    a target named right after the figure (减少 50% 目标), or a year after the collection's."""
    if year is not None and year.role == "target" and not REALISED_NOW.search(text, year.end, start):
        return True  # a later year cannot be a result, even of a running total (2024—2026 年累计产能)
    c0 = _clause_start(text, start, s0)
    cues = [c for c in PROJECTION_CUE.finditer(text, s0, start) if not _names_no_plan(text, c, start)]
    if cues and cues[-1].start() < c0 and any(y.role in ("time", "asof") and y.year < REPORT_YEAR
                                              for y in year_mentions(text[c0:start])):
        cues = []  # a past year in the figure's own clause (愿景是…，YYYY年营业收入达…): what happened then
    if cues and not REALISED.search(text, cues[-1].end(), start):
        # … unless the plan was carried out, said right after (规划3MW光伏项目，于2020年并网发电)
        done = DONE_IN.match(text, end)
        return not (done and int(done.group("y")) <= REPORT_YEAR)
    # a sentence that goes on with a plan (携程计划…推出…。同时，…带动 1 亿人参与): the plan's cue reaches it
    if CONTINUES.match(text, s0) and not REALISED.search(text, s0, start) and s0 > 0:
        p0 = sentence_span(text, s0 - 1)[0]
        cues = list(PROJECTION_CUE.finditer(text, p0, s0))
        if cues and not REALISED.search(text, cues[-1].end(), s0):
            return True
    # a sentence with no figure that opens on the future (未来X投入使用后，…。) frames the results the next one lists
    if s0 > 0 and not REALISED.search(text, s0, start):
        p0 = sentence_span(text, s0 - 1)[0]
        if text[s0 - 1] == "。" and FUTURE_FRAME.match(text, p0) and not re.search(r"\d|了|已", text[p0:s0]):
            return True
    # a facility still to be finished, said in the next clause (建设2.7MW光伏系统，11月底将全部建成发电)
    c1 = min([i for i in (text.find(c, end) for c in "，,") if i >= 0] or [len(text)])
    c2 = min([i for i in (text.find(c, c1 + 1) for c in "，,。；") if i >= 0] or [len(text)])
    if TO_BE_BUILT.search(text, end, min(c2, sentence_span(text, start)[1])) and not REALISED.search(text, s0, start):
        return True
    if re.match(r"[^，。；]{0,12}?(?<![已经])(?:建成|投产|投运|完工)后", text[end : end + 16]) and not REALISED.search(text, s0, start):
        return True  # 园区8MW光伏项目建成后，每年可…
    return bool(re.match(r"\s?(?:的|以上|左右)?[^，。；\d]{0,4}目标", text[end : end + 10])) and not re.search(
        r"实现了?|达成|完成|已", text[s0:start])  # 实现了…5% 的目标: a target met is a result


def _names_no_plan(text: str, cue: re.Match, start: int) -> bool:
    """A cue word that states no plan of the figure's: inside a clause stating the goal the sentence serves
    (为实现…目标，…), or a noun qualifying the thing counted (设定了<X>目标的<noun>)."""
    cs = max(text.rfind(c, 0, cue.start()) for c in "，,。；") + 1
    ce = min([i for i in (text.find(c, cue.end()) for c in "，,。；") if i >= 0] or [len(text)])
    if ce < start and PURPOSE.match(text, cs, ce):
        return True
    if cue.group(0) in ("若", "如果", "假如") and re.match(r"(?:包含|含|包括|计入|算上|考虑|按照?)", text[cue.end() : cue.end() + 2]):
        return True  # 若计入<X>，则占N%: how a statistic is counted, not a hypothesis about the future
    return cue.group(0) in ("目标", "愿景") and bool(re.match(r"的[\u4e00-\u9fff]", text[cue.end() : cue.end() + 2]))


FUTURE_FRAME = re.compile(r"\s?(?:未来|今后|将来|届时|预计|[^，。；]{0,12}?(?<![已经])(?:建成|投产|投运|投入使用)后)")
DONE_IN = re.compile(r"[^。；]{0,12}?(?:于|在)\s?(?P<y>(?:19|20)\d{2})\s?年[^，。；]{0,8}?(?:并网|建成|投产|投运|完成|竣工|落地|上线)")

# what an organisation is (its market share, ratios, assets, staff, brand value): a plan's sentence may name it
STANDING = {"market-share", "financial-ratio", "assets", "employees", "brand-value"}
FLOW_UNITS = {"t", "kg", "tce", "kWh", "m3", "L"}
STOCK_INDICATORS = {"capacity", "cooling-capacity", "storage-capacity", "equipment-rating", "operating-range", "assets", "brand-value", "area", "voltage",
                    "temperature", "length", "facilities", "places-covered", "employees", "charging-points", "products",
                    "patents-standards", "market-share", "financial-ratio", "share", "renewable-share", "efficiency-rate"}


def _is_flow(unit: str, indicator: str, clause: str) -> bool:
    """An amount that accumulates over time (tonnes avoided, kWh generated, yuan saved, people reached)."""
    if indicator in STOCK_INDICATORS and not (indicator == "area" and re.search(r"推广|种植|播种|施肥|造林|植树|修复|治理|新增", clause)):
        return False
    if re.search(r"余额|规模|资产|总额", clause[-10:]):
        return False
    if unit in FLOW_UNITS or indicator == "area":
        return True
    if unit in ("CNY", "USD", "EUR"):
        return indicator in ("revenue", "cost-saving", "profit", "energy-cost", "operating-cost", "financing")
    if unit == "count":
        return indicator in ("users", "vehicles", "activities", "trees-equivalent")
    return False


ANNUAL_NEAR = re.compile(r"每年|年均|全年|一年|(?<![\d半])\s?年度|年平均|"
                         r"(?<![\d\s一二三四五六七八九十两几多数年上下财])年(?![底末初中前后来间代份月内龄限至到以度的])[\u4e00-\u9fff]")
# a change over a year (同比增长N%, 增速N%, 较上一年度增长N): annual — the convention for a year-on-year growth
# rate, which readers call an annual growth rate (the blind writers split between annual and point) — and, when
# the figure has a year, measured against the year before it (PREVIOUS_YEAR gives that baseline)
ANNUAL_CHANGE = re.compile(r"同比(?:增|提|下|减|上|降)|增速|较上一?年|比上一?年|上一年度|环比上年")
PREVIOUS_YEAR = re.compile(r"同比|较上一?年|比上一?年|上一年度|环比上年|较去年|比去年")
ANNUAL_SENTENCE = re.compile(r"每年|年均|全年|每一年")
CUMULATIVE_NEAR = re.compile(r"累计|累积|共计|总计|合计|总共")
# what has been achieved so far (已经带动N人次, 已节约N吨): with no year to bound it, a running total to now
ACHIEVED_SO_FAR = re.compile(r"已(?:经)?(?!有?[^，。；\d]{0,2}(?:达到|达|为|是))[^，。；\d]{1,8}$")
# a verb that cuts or avoids an amount, right before it (减少包装材料使用N吨, 节约成本N元)
REDUCED = re.compile(r"(?:减少|节约|节省|减排|降低|避免)了?[^，。；\d]{0,8}?(?:约|近|超过?)?\s?$")
# a run of days or years without a break (连续5年, 连续安全运营超过1200天): the count of them so far
STREAK = re.compile(r"连续[^，。；\d]{0,8}$")
# a span running to now: 自2004年以来, 自开放以来, 项目应用后 / 系统上线以来 (what has happened since)
SINCE = re.compile(r"(?:19|20)\d{2}\s?年(?:\s?\d{1,2}\s?月)?\s?以来|自[^，。；\d]{0,12}以来|"
                   r"(?:应用|实施|运行|投运|投产|上线|使用|运营)(?:以来|后)[，,]")
# 共 before a verb of an amount over time (共减少 42221 吨, 共节约, 共发电): a total, like 累计
TOTAL_VERB = re.compile(r"(?<![公总一])共(?:同)?(?:减少|减排|节约|节省|节能|节电|发电|生产|回收|处理|消纳|替代|输送|交易|"
                        r"种植|植树|带动|服务|产生|避免|降低|吸收|捕集|利用)")
# a change achieved to a reporting date (截至 2021/22 财年 … 已减少 15%): the progress since its baseline
CHANGE_TO_DATE = re.compile(r"已(?:经)?(?:累计)?(?:减少|降低|下降|减排|削减|提升|提高|增长)了?\s?(?:约|近|超过?)?\s?$")


# part of a year after a year: 上半年, 第三季度, 前三季度, (4月)-6月
PART_OF_YEAR = re.compile(r"\s?(?:上半年|下半年|半年度?|第?[一二三四1-4]季度|前[二三两]季度|[-—–~～至到]\s?\d{1,2}\s?月|"
                          r"\d{1,2}\s?[-—–~～至到]\s?\d{1,2}\s?月)")
# … of which a reporting period of its own (a half-year, a quarter: 2023年上半年, 2023年半年度, 第二季度) — the
# period a company's accounts close, not a span that runs up to a date (前三季度, 4-6月, 截至6月)
REPORTING_PART = re.compile(r"\s?(?:上半年|下半年|半年度?|第?[一二三四1-4]季度)")
# verbs of giving out or doing things, after 共计/总共 (总共发放N份, 共计开展N场): a total of what was done
HANDED_OUT = re.compile(r"发放|送出|捐赠|捐|分发|赠送|培训|服务|回收|种植|帮助|支持|举办|举行|开展|组织|完成|实施|获得|发表|报道")
STATE_UNITS = {"%", "倍", "kW", "kV", "℃", "m", "km", "RT"}


def _period_of(text: str, s0: int, c0: int, start: int, end: int, per_year: bool, flow: bool,
               year: YearMention | None, unit: str = "") -> str:
    """annual, cumulative or point (projected is decided separately and takes precedence)."""
    near = text[max(c0, start - 16) : start]
    if per_year or re.match(r"\s?/\s?年|\s?每年|\s?/yr|\s?/a\b", text[end : end + 5]) or re.search(r"/(?:yr|年|a|year)$", unit):
        return "annual"
    # 累计 adds up over time; 共计/合计/总计 add up parts, which makes a total over time of an amount that flows
    # or of things given out or done (共计减排N吨, 总共发放N份) but only the whole of a stock (共计N块组件被安装): a state
    if any(flow or m.group(0) in ("累计", "累积") or HANDED_OUT.search(near, m.end())
           for m in CUMULATIVE_NEAR.finditer(near)) or re.search(r"生命周期|寿命期|\d+\s?年(?:内|间|算)", text[c0:start]) or (
            flow and TOTAL_VERB.search(near)):
        # a total over one stated year (2022 年累计生产沼气) is that year's figure
        return "annual" if year is not None and year.role == "time" and flow else "cumulative"
    if unit in STATE_UNITS and not (unit == "kW" and re.search(r"产能|产量", near)):
        # a rate, a power, a voltage, a temperature or a length is a state: a year before it (年节电率N%, 年平均功率)
        # says over what it was measured; a change over a year (同比, 增速) or each year (每年以N%的速度增长) is yearly
        if unit in ("%", "倍") and (ANNUAL_CHANGE.search(text, max(s0, start - 30), start) or re.search(r"每年|年均", near)):
            return "annual"
    elif ANNUAL_NEAR.search(near):
        return "annual"
    # a list of results opened by a yearly figure (年节能量 …，减少二氧化碳 …) is yearly throughout
    if flow and (ANNUAL_SENTENCE.search(text, s0, start) or ANNUAL_NEAR.search(text, s0, _clause_start(text, start, s0))):
        return "annual"
    if flow and SINCE.search(text, s0, start):
        return "cumulative"  # 自<year>年以来…总<amount>: what has added up since then
    if flow and year is None and (ACHIEVED_SO_FAR.search(near) or (
            REDUCED.search(near) and "每" not in text[s0:start]
            and not re.search(r"较|相比|相较|比(?![例重率])", text[c0:start]))):
        return "cumulative"  # … and so is an amount cut with no time, rate or alternative named (减少<X>N吨)
    if unit in ("a", "d", "h") and STREAK.search(near):
        return "cumulative"
    if year is not None and year.role == "asof":
        return "cumulative" if flow or (unit == "%" and CHANGE_TO_DATE.search(near)) else "point"
    if year is not None and year.role == "time" and flow and not year.day:
        if year.month is None and REPORTING_PART.match(text, year.end):
            # a total over a reporting period of the year (YYYY年上半年实现净利润N): a periodic total like a year's,
            # not a running one — the blind writers who met one label it annual (the period kinds have no half-year)
            return "annual"
        if year.month is not None or PART_OF_YEAR.match(text, year.end):
            return "cumulative"  # a total over a span of months (YYYY年M月-M月, 前三季度): no year's total
        return "annual"  # what happened on one day (2022 年 8 月 4 日…降低了 600 度用电) is no year's total
    return "point"


# -- the thing a count counts --------------------------------------------------------------

_NOUN_STOP = re.compile(
    r"[，。；、：:（）()“”\"《》\s,;]|的|等|已|均|被|将|在|于|获得|参与|签署|加入|提供|实现|开展|推动|推广|落地|投产|投运|入选|"
    r"选择|关注|预订|使用|安装|组成|组织|完成|达到|覆盖|拥有|发放|开发|建设|建成|同时|全部|以及|及其|累计|进行|支持|带动|"
    r"吸引|踊跃|通过|可以|可|能够|为|共同|发起|表示|设置|制定|开始|采取|实施|持续|提升|分布|遍布|计算|以上|左右|多|余|之|就|"
    r"包括|包含|相当|满足|同|与下游|成功|正式|各")
_TAIL_STOP = re.compile(r"[，。；、：:（）()“”\"《》\s,;]|的|在|于|了|和|与|及|有|共|为|达到?|超过?|约|近|逾|已|现有|拥有|"
                        r"负责|运维|管辖|下辖|设有|建设|累计|带动|带来|吸引|影响|培训|触达|覆盖|发起|选择|共计|合计|总计|其中|还|是|使用|参与|实现|"
                        r"布置|部署|安装|运营|投运|投产|落地")


def counted_thing(text: str, start: int, end: int, unit_word: str, c0: int) -> tuple[str | None, str | None]:
    """(zh, en) of what a count counts: the noun after its measure word (5 家工厂), else the noun the clause
    ends with before it (员工近 5000 人, 用户数量达 46.3 万), else what the measure word itself counts (人次)."""
    from .units import CLASSIFIER_THING, counted_en

    classifier = unit_word[-2:] if unit_word.endswith(("人次", "大洲")) else (unit_word[-1:] if unit_word else "")
    after = text[end : end + 24]
    if not classifier and (mw := re.match(r"\s?([顿位])(?=[\u4e00-\u9fff])", after)):
        # a measure word that is no unit of its own after a bare 万/亿 (N万顿<meal>): it names the thing after it
        classifier, after = mw.group(1), after[mw.end():]
    after = re.sub(r"^\s?(?:多|余|以上|左右|\+)?\s?的?", "", after)
    # skip what qualifies the thing (以渔光一体为主的电站, 233kWh 储能一体柜, 30 年树龄的冷杉树); a voltage class
    # names it (220 千伏变电所)
    after = re.sub(r"^(?:以[^，。；]{0,12}?为主的|\d+(?:\.\d+)?\s?(?:[kKMG][Ww][Hh]|[kKMG][Ww]p?|年树龄)的?)", "", after)
    from .units import COUNTED_WORDS

    # a glossary name is whole even where it holds a stop word (业务支撑和实施机构)
    whole = next((w for w in _glossary_longest_first() if after.startswith(w) and len(w) > 3), None)
    stop = _NOUN_STOP.search(after, len(whole) if whole else 0)
    noun = _noun_prefix(after[: stop.start() if stop else 14][: max(14, len(whole or ""))])
    if noun and noun not in COUNTED_WORDS and not any(noun.endswith(w) for w in COUNTED_WORDS if len(w) > 1):
        # a short modifier before a glossary head that jieba cuts off (<modifier>工厂, <modifier>基地)
        rest = after[: stop.start() if stop else 14]
        ext = next(((i, w) for i in range(len(noun), min(len(rest), 7)) for w in _glossary_longest_first()
                    if len(w) > 1 and rest.startswith(w, i)), None)
        if ext and ext[0] <= len(noun) + 4:
            noun = rest[: ext[0] + len(ext[1])]
    if noun and noun not in COUNTED_WORDS:
        # the head of a phrase with a modifier (26590 块正泰新能自主研发的 ASTRO 高效光伏组件): after the last 的
        m = re.match(r"[^，。；、,;]{1,12}?的", after)
        head = _noun_prefix(after[m.end():][:14]) if m else ""
        if head and any(head.endswith(w) for w in COUNTED_WORDS):
            noun = head
    if noun:
        # a noun run that goes on into the subject of the next figure (33 家啤酒厂废水处理成本 4911 万元): the
        # glossary word it starts with is what is counted
        nxt = text[end:].lstrip(" 多余的")[len(noun):len(noun) + 3]
        lead = next((w for w in _glossary_longest_first() if noun.startswith(w) and w != noun), None)
        rest = text[end:].lstrip(" 多余的")[len(noun):]
        if lead and re.match(r"\s?(?:约|近|达|为|超过?)?\s?\d", nxt) and not YEAR_MENTION.match(rest.lstrip()):
            noun = lead
    if noun and _nounish(noun) and not re.fullmatch(r"[\d.]+|[A-Za-z]", noun) and not YEAR_MENTION.match(noun):
        return noun, counted_en(noun, classifier)
    tail = text[c0:start]
    # a count in brackets after what it counts: 所有商户（上百万）
    tail = re.sub(r"[（(]\s?(?:上|近|约|超过?)?\s?$", "", tail)
    tail = re.sub(r"(?:数量|总数|人数|数)?\s?(?:已达到|已达|达到|达|为|超过|超|约|近|逾|共|合计|共计|总计|已有|有|是)*\s?$", "", tail)
    stops = list(_TAIL_STOP.finditer(tail))
    noun = _noun_suffix((tail[stops[-1].end() :] if stops else tail)[-12:])
    if noun and re.search(r"[\u4e00-\u9fff]", noun) and not re.search(r"\d(?!\d*\s?(?:千伏|kV|V))", noun) and _nounish(noun):
        return noun, counted_en(noun, classifier)
    # a count that leaves its noun out (M个X…，到YYYY年达到N个): the thing an earlier count of the same
    # measure word in its sentence counts
    if classifier and not text[end:end + 1].strip("，,。；;、 ") and ELLIPSIS_VERB.search(text[max(0, start - 8):start]):
        s0 = sentence_span(text, start)[0]
        for m in reversed(list(re.finditer(rf"(?:\d|[一二两三四五六七八九十百千万])\s?(?:多|余)?\s?{re.escape(classifier)}",
                                           text[s0:start]))):
            noun = _noun_prefix(text[s0 + m.end():start][:14])
            if noun and _nounish(noun):
                return noun, counted_en(noun, classifier)
    if classifier in CLASSIFIER_THING:
        zh, en = CLASSIFIER_THING[classifier]
        return zh, en
    return None, None


ELLIPSIS_VERB = re.compile(r"(?:达到?|增至|增加到|增长到|提升至|扩大到|突破|超过|共|为)\s?(?:约|近|超过?)?\s?$")


@lru_cache(maxsize=1)
def _glossary_longest_first() -> tuple[str, ...]:
    from .units import COUNTED_WORDS

    return tuple(sorted(COUNTED_WORDS, key=len, reverse=True))


def _noun_prefix(phrase: str) -> str:
    """The noun a phrase starts with: 消费者践行绿色低碳行 → 消费者 (glossary words first, then jieba's tags)."""
    import jieba.posseg as pseg

    from .units import COUNTED_WORDS

    volt = re.match(r"\d+\s?(?:千伏|kV)", phrase)  # a voltage class names the thing: 14 千伏充电桩
    lead = volt.group(0) if volt else ""
    phrase = phrase[len(lead):]
    acc, i = "", 0
    while i < len(phrase):  # glossary words first wherever they start (美团入驻商家: 入驻商家), else jieba's tags
        w = next((w for w in _glossary_longest_first() if phrase.startswith(w, i)), None)
        if w:
            acc, i = acc + w, i + len(w)
            continue
        t = pseg.lcut(phrase[i:])[0]
        if t.flag[0] in "nj" or t.flag in ("vn", "b", "eng") or (acc and t.word in "和与及、"):
            acc, i = acc + t.word, i + len(t.word)
        else:
            break
    acc = acc.rstrip("和与及、")
    return lead + acc if acc else ""


def _noun_suffix(phrase: str) -> str:
    """The noun a phrase ends with: 提供充电车位 → 充电车位, 获政府科技进步奖 → 政府科技进步奖."""
    import jieba.posseg as pseg

    from .units import COUNTED_WORDS

    tail = next((w for w in sorted(COUNTED_WORDS, key=len, reverse=True) if phrase.endswith(w)), "")
    acc = tail
    for t in reversed(pseg.lcut(phrase[: len(phrase) - len(tail)])):
        if t.word in COUNTED_WORDS or t.flag[0] in "nj" or t.flag in ("vn", "b", "eng") or (acc and t.word in "和与及、"):
            acc = t.word + acc
        else:
            break
    acc = acc.lstrip("和与及、")
    head = phrase[: len(phrase) - len(acc)]
    if re.match(r"(?:千伏|kV|V)(?![a-zA-Z])", acc) and (digits := re.search(r"\d+\s?$", head)):
        return digits.group(0) + acc  # the unit of a voltage class read as a word: N | V<station>
    volt = re.search(r"\d+\s?(?:千伏|kV|V)$", head)
    return (volt.group(0) + acc) if volt and acc else acc  # a voltage class names the thing: 220 千伏变电所


def _nounish(phrase: str) -> bool:
    """Whether a phrase ends in a noun (工厂, 充电车位 yes; 带来, 设置 no), by jieba's part-of-speech tags."""
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    toks = [t for t in pseg.lcut(phrase) if t.word.strip()]
    if not toks:
        return False
    from .units import COUNTED_WORDS

    last = toks[-1]
    return phrase in COUNTED_WORDS or last.word in COUNTED_WORDS or last.flag[0] in "nj" or last.flag in ("vn", "eng", "b") or (len(toks) > 1 and len(last.word) == 1)


# -- what a figure is --------------------------------------------------------------------------


def _describe(text: str, start: int, end: int, surface: str, number: float, value: float, unit: str, indicator: str,
              approx: bool, per_year: bool, clause_start: int, unit_word: str) -> "Quantity":
    from .units import classify_measure

    s0, s1 = sentence_span(text, start)
    c0 = _clause_start(text, start, s0)
    clause = text[max(clause_start, start - 40) : start]
    counted = (None, None)
    if unit == "count":
        counted = counted_thing(text, start, end, unit_word, c0)
        if indicator == "count" or indicator == "users":
            by_thing = _by_counted_thing(*counted) if counted[0] else None
            if by_thing:
                indicator = by_thing
            elif indicator == "count" and unit_word == "家":
                indicator = "organisations-engaged"  # N家 of a thing no indicator names (a brand, a trade): organisations
    elif indicator == "other":
        after = re.split(r"[，,。；：:]", text[end : end + 8])[0]  # the words after it in its own clause
        indicator = _by_unit(unit) or classify_measure(text[c0:start] + after, "", unit)
        if unit == "%" and (indicator is None or _not_a_ratio(indicator)):
            # a percentage said as a part of a whole (占…, 由N%X制成, N%使用…) is a share, whatever thing its words
            # name (a material, emissions); a rate with an indicator of its own (市场占有率, 使用率) keeps it
            indicator = _percent_of_a_whole(text[max(s0, start - 16):start], text[end:end + 12]) or indicator
        indicator = indicator or "other"
    # a capacity to produce (年产能N吨, 年产值N亿元的生产能力): what an organisation can turn out, a state
    output_capacity = unit in OUTPUT_UNITS and bool(
        OUTPUT_CAPACITY_BEFORE.search(text, c0, start) or OUTPUT_CAPACITY_AFTER.match(text, end))
    if output_capacity:
        indicator = "production"
    # a tally of things done or won (获得荣誉N项, 开展X项目N项, 报道N次): a running total
    tally = unit == "count" and unit_word[-1:] in TALLY_WORDS and bool(ACHIEVED.search(text, c0, start) or (
        unit_word.endswith("人次") and DRAWN.search(text, c0, start)))
    flow = _is_flow(unit, indicator, clause) and not output_capacity
    # the day of an event dates how long it lasted (在YYYY年M月D日的高峰期间，…在N小时内…), not a state
    year, base = figure_years(text, s0, s1, start, end, stock=not flow and unit != "h")
    if year is not None and year.role in ("time", "asof") and THE_YEAR_BEFORE.search(text, max(c0, start - 12), start):
        year = replace(year, year=year.year - 1, month=None, role="time")  # 由上一财年的M%提升至N%: M is that year's
    if unit == "m2" and not flow and re.match(r"[\u4e00-\u9fff]", text[end:end + 1]) and not re.match(
            r"的|以上|左右|多|余|之|为|是|和|及|与", text[end:end + 1]):
        year = None  # the size of a thing it names (N平方米X馆) is no figure of a year
    projected = _projected(text, s0, start, end, year)
    if projected and indicator in STANDING and (year is None or year.role != "target") and not PROJECTION_CUE.search(
            text, c0, start):
        projected = False  # 拟收购X，X市占率N%: the standing of an organisation a plan concerns is no part of the plan
    if projected and year is not None and (year.role == "asof" or (
            year.role == "time" and PROJECTION_CUE.search(text, year.end, start))):
        year = None  # a reporting date, or the date a forecast was made (YYYY年M月投产，预计年发电量…), is no target's year
    period = _period_of(text, s0, c0, start, end, per_year, flow, year, unit)
    if indicator == "area" and period == "cumulative" and year is not None and year.role == "asof" and not (
            CUMULATIVE_NEAR.search(text, max(c0, start - 16), start)):
        period = "point"  # 截至YYYY年，…面积达到N亩: the extent reached by then, not a running total
    if output_capacity and period == "annual" and not per_year:
        period = "point"  # 年产能 names the year its capacity is counted over, not a year's output
    if tally and period == "point" and year is None:
        period = "cumulative"  # what has been done or won to date, when no year bounds it
    if base is None and year is not None and not projected and PREVIOUS_YEAR.search(text, s0, start) and (
            unit in ("%", "倍") or PREVIOUS_YEAR.search(text, c0, start)):
        base = YearMention(year.start, year.end, year.year - 1, "baseline")  # 较上一年度增长N: against the year before
    if period == "point" and unit in ("%", "倍") and not projected and base is not None and year is not None and (
            base.year == year.year - 1 and year.role in ("time", "asof")):
        period = "annual"  # YYYY年…较<the year before>提升N%: a year-on-year change, annual like 同比 (ANNUAL_CHANGE)
    of = rate_of(text, c0, start, end, indicator) if indicator in RATE_OF else (None, None)
    as_of = None
    if year is not None and year.role == "asof":
        as_of = f"{year.year}-{year.month:02d}" if year.month else str(year.year)
    return Quantity(start=start, end=end, surface=surface, number=number, value=value, unit=unit, indicator=indicator,
                    period=period, year=year.year if year else None, approximate=approx, sentence=(s0, s1),
                    projected=projected, baseline_year=base.year if base else None, as_of=as_of,
                    counted_zh=counted[0], counted_en=counted[1], flow=flow, of_zh=of[0], of_en=of[1])


RATE_OF = ("share", "growth-rate", "reduction-rate")


def _glossary_covers(zh: str) -> bool:
    """Whether the counted-thing glossary names every piece of a phrase (so its English is no patchwork)."""
    i = 0
    while i < len(zh):
        w = next((w for w in _glossary_longest_first() if zh.startswith(w, i)), None)
        if w is None:
            return False
        i += len(w)
    return True
# a comparison inside a clause (较传统码头, 与当地小麦相比, 同比) and words between a subject and its verb (平均, 已经)
COMPARED = re.compile(r"与[^，。；\d]{1,16}?相比|跟[^，。；\d]{1,16}?相比|(?:相较于?|较|(?<![占对])比(?![例重率]))[^，。；]{0,16}?(?=(?:下降|降低|减少|削减|提升|提高|增长|增加|上升|优化|降)了?)|"
                      r"同比|环比|平均|已经|已|每年|累计|计划|预计|可以|可|将")
CHANGE_AT = re.compile(r"(?:下降|降低|减少|削减|消减|提升|提高|增长|增加|上升|优化|降)了?\s?(?:约|近|超过?|达到?)?\s?$")
PACE = re.compile(r"以\s?$")  # X以N%的速度增长: X is what grows


def rate_of(text: str, c0: int, start: int, end: int, indicator: str) -> tuple[str | None, str | None]:
    """(zh, en) of what a share is a part of (84%的供应商, 员工新能源车占比达N%, X占总量的N%) or what a growth or
    reduction is the change of (亩均产量提高了N%, 能耗较X下降N%, 优化相关人力N%); (None, None) when the clause names
    no noun for it (同比提升N%)."""
    from .units import counted_en

    def named(zh: str) -> tuple[str | None, str | None]:
        zh = re.sub(r"^(?:的|了|其|该|总体|整体|全年|年度)+", "", zh or "")
        if len(zh) < 2 or re.search(r"\d", zh) or not _nounish(zh) or re.search(r"目标|任务|要求", zh):
            return None, None
        # English for the longest end of it the glossary names whole (平台活跃用户数 → users), never a patchwork
        known = next((zh[i:] for i in range(len(zh) - 1) if _glossary_covers(zh[i:])), None)
        return zh, (counted_en(known) if known else None)

    after = re.match(r"\s?(?:以上|左右)?的(?!基础|前提|情况|条件|同时|背景|速度|幅度|速率|比率)([\u4e00-\u9fffA-Za-z]{1,12})", text[end:end + 16])
    if after and re.search(r"(?:比例|占比|比重)$", after.group(1)):  # N%的X比例: the share of X
        return named(_noun_suffix(re.sub(r"(?:比例|占比|比重)$", "", after.group(1))))
    if after:  # N%的X: a share of X, or the X a verb before it raises or cuts by N%
        return named(_noun_prefix(after.group(1)))
    own = text[c0:start]
    if indicator == "share":
        m = re.search(r"([^，。；]{1,20}?)(?:在[^，。；]{0,16}?中)?(?:的)?(?:占比|比例|比重|占(?!比))[^，。；\d]{0,14}?(?:达到?|为|超过?|约|近|逾)?\s?$", own)
        return named(_noun_suffix(re.sub(r"(?:比例|占比|比重)$", "", COMPARED.sub("", m.group(1))))) if m else (None, None)
    own = COMPARED.sub("", own)

    def subject(phrase: str) -> str:  # the noun a phrase ends with, whole (低碳酒店预订量, not 碳酒店预订量)
        from .units import COUNTED_WORDS

        noun = _noun_suffix(phrase)
        head = phrase[: len(phrase) - len(noun)]
        return head[-1] + noun if noun and head and head[-1] + noun[0] in COUNTED_WORDS else noun

    if PACE.search(own):  # X以N%的速度增长
        return named(subject(PACE.sub("", own).rstrip()))
    verb = CHANGE_AT.search(own)
    if verb:  # X下降了N%
        return named(subject(own[:verb.start()].rstrip()))
    lead = re.search(r"(?:下降|降低|减少|削减|消减|提升|提高|增长|增加|优化)了?([^，。；\d]{2,12})$", own)
    if lead:  # 优化相关人力N%: the thing after the verb
        return named(subject(lead.group(1)))
    return None, None


# a capacity to produce or process, named before its figure (年产能逾N吨, 组件产能N) or after it (N亿元生产能力,
# N吨的处理能力) — in the units an output is counted in (a power in kW is an installed capacity of its own)
OUTPUT_UNITS = {"t", "kg", "m3", "L", "CNY"}
OUTPUT_CAPACITY_BEFORE = re.compile(r"(?:产能|(?:生产|处理|加工)能力)(?:规模)?(?:为|达到?|超过?|逾|约|近)?\s?$")
OUTPUT_CAPACITY_AFTER = re.compile(r"\s?(?:的|之)?(?:年)?(?:产能|(?:生产|处理|加工)能力)")


# measure words of things done or won one at a time (items, times, papers, events, editions)
TALLY_WORDS = "项次篇场届"
# verbs of doing or winning them, in the figure's clause before it
ACHIEVED = re.compile(r"获得|取得|荣获|斩获|获|得到|完成|实施|开展|举办|组织|发表|报道|承担|牵头|主导|先后")
# visits or uses drawn one at a time (吸引N万人次, 接待N人次): a tally of person-times
DRAWN = re.compile(r"带动|吸引|接待|服务|参与")


def _by_counted_thing(zh: str, en: str | None) -> str | None:
    """The indicator a counted thing names, read from its head noun (省级荣誉 are honours, not provinces; 在校大学生
    are students, not universities); the whole phrase only when its head has no English name."""
    from .units import COUNTED_WORDS, classify_measure

    head_zh = next((w for w in _glossary_longest_first() if zh.endswith(w) and len(w) > 1), zh)
    head_en = COUNTED_WORDS.get(head_zh) or ((en or "").split() or [""])[-1]
    if head_en:
        return classify_measure(head_zh, head_en, "count")
    return classify_measure(zh, en or "", "count")


def _percent_of_a_whole(near: str, after: str) -> str | None:
    """A percentage no indicator label names: the share of a whole (占用能费用的 90%, 100% 使用电能, 100% 替代外购
    垫料), a subsidy rate among them (the part of a cost the subsidy pays)."""
    nxt = re.split(r"[。；！？\n]", after[:10])[0]
    if re.search(r"补贴|补助|资助", near[-10:]):
        return "share"
    if re.search(r"(?:由|从)[^，。；\d]{0,10}$|(?:提升|提高|增长|增加|上升|下降|降低|减少)了?[至到]\s?$", near) and any(
            w in near for w in _glossary_longest_first() if len(w) > 1):
        return "share"  # <things>由M%提升至N%: the part of the things counted, a level reached
    if re.search(r"占[^，。；]{0,12}$", near) or re.match(r"\s?(?:以上|左右)?\s?(?:为|使用|替代|自产|来自|用于|实现)", nxt) or re.search(
            r"(?:实现|达到|使用|贡献了?)[^，。；\d]{0,4}$", near):
        return "share"
    return None


def _names_financial_ratio(near: str) -> bool:
    """Whether the words right before a percentage name a financial ratio by one of its labels."""
    from .units import classify_measure

    return bool(re.search(r"率|比", near)) and classify_measure(near, "", "%") == "financial-ratio"


def _not_a_ratio(indicator: str) -> bool:
    """Whether an indicator measures a thing (emissions, waste …) rather than only a ratio (a share, a rate)."""
    from .units import indicators

    ind = indicators().get(indicator)
    return ind is not None and bool(set(ind.units) - {"%"})


def _by_unit(unit: str) -> str | None:
    """Indicators a unit alone decides."""
    if unit == "℃":
        return "temperature"
    if unit in ("h", "d", "a"):
        return "duration"
    if unit in ("m", "km"):
        return "length"
    if unit == "kV":
        return "voltage"
    if unit == "RT":
        return "cooling-capacity"
    if re.match(r"(?:kWh|kwh|KWh|千瓦时|度)/(?:㎡|m2|m²|平方米)", unit):
        return "energy-intensity"
    if re.match(r"(?:元|万元|CNY)/", unit):
        return "unit-cost"
    if re.fullmatch(r"(?:t|kg|tce)/kWh", unit):
        return "conversion-factor"  # tonnes of coal or CO₂ per kWh: a conversion or emission factor
    if re.match(r"(?:kWh|kwh|KWh|千瓦时|度)/(?:kWp|kW|千瓦)", unit):
        return "power-generation"  # a specific yield: generation per kW installed
    return None



BARE_AMOUNT = re.compile(rf"(?:{ARABIC})\s?(?:多|余)?\s?(?:万|亿)(?!\s?(?:{UNIT_RE}))")


def _money_like_its_sentence(text: str, start: int, end: int) -> bool:
    """A bare 万/亿 that counts nothing (no noun after it, no count word before it) is money when another bare
    amount of its sentence is money by its own clause's words (年能耗300万，…，能耗节省30万): a writer who drops
    the unit drops it for the amounts of one kind."""
    if re.match(r"\s?(?:多|余|以上|左右)?\s?(?:的)?[\u4e00-\u9fffA-Za-z]", text[end:end + 4].replace("左右", "").replace("以上", "")):
        return False  # N万<noun>: a count of the noun
    s0, s1 = sentence_span(text, start)
    if re.search(r"(?:用户|会员|人数|户数|数量|总数|人次|次数|规模)[^，。；\d]{0,4}$", text[max(s0, start - 12):start]):
        return False  # 用户数达N万: a count named before it
    for m in BARE_AMOUNT.finditer(text, s0, s1):
        if m.start() <= start < m.end():
            continue
        c0 = max([s0] + [i + 1 for i in (text.rfind(c, s0, m.start()) for c in "，,：:") if i >= 0])
        if MONEY_CONTEXT.search(text, c0, m.start()):
            return True
    return False


def extract(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    for m in QUANTITY.finditer(text):
        num_s = m.group("num")
        start = m.start("num")
        # a number glued to Latin letters or digits is a code (ISO 50001, PAS2060, 7R); 第 makes it a rank
        if start > 0 and re.match(r"[A-Za-z0-9.\-/第]", text[start - 1]):
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
        small_cn = is_cn and not mult_s and number < 10 and m.group("fuzz") is None and not re.search(r"百|千|十", num_s)
        if small_cn and not (number >= 2 and unit_s in ("家", "个")):
            continue  # 一个, 三家 are words — but 两家X工厂 counts things the glossary names (checked below)
        clause_start = max(
            [0] + [mm.end() for mm in re.finditer(r"[。！？；\n]", text[: m.start()])]
        )
        clause = text[max(clause_start, start - 40) : start]  # up to the number: 节约 is no 约 (about)
        per_year = False
        if unit_s:
            uf = _unit_factor(unit_s)
            if uf is None:
                continue
            unit, factor = uf
            base_unit = unit
            if unit == "count" and re.match(r"[年月日]", after or ""):
                continue
            if unit == "kWh" and unit_s == "度" and re.search(r"温度|气温|水温|温差|降温|升温|室温|体温", clause[-20:]):
                unit, factor = "℃", 1.0  # 养殖塘的温度较没有遮挡前低了3-4度: degrees, not kilowatt-hours
            if unit == "t" and re.search(r"标准?煤\s?$|标准?煤[^，。；]{0,3}$", clause[-8:]):
                unit = "tce"  # 节约标准煤 1374 吨
            comp = COMPOSITE.match(text, end)
            per_year = bool(comp) and comp.group(0) == "/年"
            if per_year:
                end = comp.end()  # 51.9万吨/年: an annual figure in the base unit
            elif comp and unit not in ("%", "count"):
                # a rate (kWh/㎡, 万元/㎡, 吨标准煤/万度, m³/d) in base units: kWh/m2, CNY/m2, tce/kWh, m3/d
                unit, factor = _compound_unit(unit_s, base_unit, uf[1], comp.group(0))
                end = comp.end()
            if unit in ("kWh", "L", "kg", "m3") and re.search(r"百公里[^，。；\d]{0,6}$", clause):
                unit = f"{unit}/100km"  # 百公里电耗为N kWh: a consumption per 100 km, as printed
        else:
            # a bare 万/亿 amount: money when the clause talks about money, else a count
            before = text[clause_start : m.start()]
            if re.search(r"用电|电量|发电|电能|节电", before[-10:]):
                unit = "kWh"
            elif MONEY_CONTEXT.search(before[-25:]) or _money_like_its_sentence(text, m.start(), m.end()):
                unit = "CNY"
            else:
                unit = "count"
            factor = 1.0
            end = m.end("mult") if not m.group("fuzz2") else m.end("fuzz2")
        mult = MULTIPLIERS.get(mult_s or "", 1.0)
        if unit_s and unit_s.startswith("万") and unit_s != "万元":
            mult = 1.0  # handled by the unit itself (万人次)
        if m.group("sub") and mult_s in ("万", "亿"):
            number += float(m.group("sub")) * {"千": 1e3, "百": 1e2}[m.group("subm")] / mult
        value = number * mult * factor
        # a count or percentage with a wild value is a code or a year, not a figure
        # (a measure word of things — 2000个城市 — makes it a count; 名/次 after a year-like number is a rank or date)
        if unit == "count" and (number >= 1000 and not mult_s and "," not in num_s and re.fullmatch(r"(19|20)\d{2}", num_s)
                                and not re.match(r"\s?(?:多|余)?\s?(?:个|家|台|辆|座|户|棵|块|套|项|种)", text[m.end("num"):])):
            continue
        if unit == "%" and value > 1000:
            continue
        pre = m.group("pre") or ""
        if pre == "约" and m.start() > 0 and text[m.start() - 1] in "节制预合签":
            pre = ""  # 节约 (save), 预约 (book): not "about"
        surface_start = start
        surface = text[surface_start:end].strip()
        s0, s1 = sentence_span(text, start)
        approx = bool(pre and pre in APPROX_MARKS) or bool(m.group("fuzz") or m.group("fuzz2")) or text[end : end + 2] in ("左右", "以上")
        if not approx:
            approx = bool(re.search(r"(约|近|超过|超|逾|大约|将近)\s?$", text[max(0, start - 4) : start]))
        ind_unit = unit.removesuffix("/100km")
        if "/" in ind_unit and unit_s and (base_unit in ("m3", "t", "kg", "L") or (
                base_unit == "kW" and re.fullmatch(r"/(?:[hH]|小时)", comp.group(0) if comp else ""))):
            # an amount per day or hour (排水量125m³/d, 产氢量200Nm³/H) measures that amount; a power printed
            # "per hour" (需要消耗142kw/h) is still a power
            ind_unit = base_unit
        indicator = _clause_indicator(text, start, end, clause_start, ind_unit, unit_s or "",
                                      text[start:end] if unit == "count" else "")
        unit_word = (unit_s or "").strip()
        q = _describe(text, start, end, surface, number * (mult if unit != "count" or mult_s else 1.0),
                      float(f"{value:.10g}"), unit, indicator, approx, per_year, clause_start, unit_word)
        if small_cn and not (q.counted_zh and text.startswith(q.counted_zh, end) and any(
                q.counted_zh.endswith(w) for w in _glossary_longest_first() if len(w) > 1)):
            continue  # a numeral word counts only a thing named right after it (两家X工厂, not 五个方面)
        out.append(q)
    for m in PERCENT_CN.finditer(text):
        n = _to_number(m.group("num"))
        if n is None:
            continue
        s0, s1 = sentence_span(text, m.start())
        clause_start = max([s0] + [mm.end() for mm in re.finditer(r"[。！？；\n]", text[: m.start()])])
        clause = text[max(s0, m.start() - 40) : m.start()]
        ind = _indicator("%", clause, text[m.end() : m.end() + 12])
        out.append(_describe(text, m.start(), m.end(), m.group(0), n, n, "%", ind, False, False, clause_start, ""))
    out = _table_cells(text, out)
    for m in DURATION_YEARS.finditer(text):  # N余年…经验, 近N年, 运行N年以上
        if any(q.start <= m.start("num") < q.end for q in out) or not (m.group("pre") or m.group("fuzz") or m.group("tail")):
            continue
        if not m.group("num")[0].isdigit() and not (m.group("pre") or m.group("fuzz")):
            continue  # 逾N十年, 近N十年: a numeral word is a span only with 逾/近/余 (not 十年树木)
        s0, _ = sentence_span(text, m.start("num"))
        n = _to_number(m.group("num"))
        approx = bool(m.group("pre") or m.group("fuzz")) or text[m.end() : m.end() + 2] in ("以上", "左右")
        q = _describe(text, m.start("num"), m.end(), text[m.start("num") : m.end()], n, n, "a", "duration",
                      approx, False, s0, "")
        # a length of time is a state, whatever the sentence totals — but a streak (连续N年) counts the years so far
        streak = m.group("pre") == "连续" or STREAK.search(text, max(s0, m.start("num") - 10), m.start("num"))
        out.append(replace(q, period="cumulative" if streak else "point"))
    for m in ROUND_AMOUNT.finditer(text):  # 上亿X, 近万名X, 过亿元: a round amount with no digit
        if any(q.start <= m.start() < q.end for q in out):
            continue
        mult, unit_s = MULTIPLIERS[m.group("mult")], m.group("unit") or ""
        clause_start = sentence_span(text, m.start())[0]
        if unit_s:
            uf = _unit_factor(unit_s)
            if uf is None:
                continue
            unit, factor = uf
        else:
            unit, factor = ("CNY" if MONEY_CONTEXT.search(text[clause_start:m.start()][-25:]) else "count"), 1.0
        value = mult * (1.0 if unit_s.startswith("万") and unit_s != "万元" else factor)
        ind = _indicator(unit, text[max(clause_start, m.start() - 40):m.start()] + (m.group(0) if unit == "count" else ""),
                         text[m.end():m.end() + 12], unit_s)
        out.append(_describe(text, m.start(), m.end(), m.group(0), mult, value, unit, ind, True, False, clause_start,
                             unit_s))
    for m in HALF.finditer(text):  # 近一半, 一半以上: 50 %
        if any(q.start <= m.start() < q.end for q in out):
            continue
        s0, _ = sentence_span(text, m.start())
        ind = _indicator("%", text[max(s0, m.start() - 40):m.start()], text[m.end():m.end() + 12])
        out.append(_describe(text, m.start(), m.end(), m.group(0), 50.0, 50.0, "%", ind, bool(m.group("pre")), False,
                             s0, ""))
    for m in COUNT_NAMED_BEFORE.finditer(text):  # <thing>次数N+: a count whose measure word its noun holds
        if any(q.start <= m.start("num") < q.end for q in out):
            continue
        s0, _ = sentence_span(text, m.start("num"))
        q = _describe(text, m.start("num"), m.end(), m.group(0)[m.start("num") - m.start():].strip(), float(m.group("num")),
                      float(m.group("num")), "count", "count", bool(m.group("fuzz")), False, s0, m.group("kind")[0])
        from .units import CLASSIFIER_THING, counted_en

        thing = re.sub(r"^.*(?:累计|共计|合计|总计|全年|年度|其中|的)", "", m.group("thing")) + m.group("kind")
        q = replace(q, counted_zh=thing, counted_en=counted_en(thing, m.group("kind")[0]) or CLASSIFIER_THING[m.group("kind")[0]][1])
        out.append(q)
    for m in N_CATEGORIES.finditer(text):  # N大<kinds>: a count of kinds
        if any(q.start <= m.start("num") < q.end for q in out):
            continue
        s0, _ = sentence_span(text, m.start("num"))
        q = _describe(text, m.start("num"), m.end(), m.group(0).strip(), float(m.group("num")), float(m.group("num")),
                      "count", "count", False, False, s0, m.group("cl") or "")
        if q.counted_zh:
            out.append(q)
    for m in ONE_IN_N.finditer(text):  # 每N<unit>…就有1<unit>: one in N, a share of 100/N %
        n, k = float(m.group("n")), float(m.group("k"))
        if not 0 < k <= n:
            continue
        s0, _ = sentence_span(text, m.start())
        out = [q for q in out if not m.start() <= q.start < m.end()]
        out.append(_describe(text, m.start(), m.end(), m.group(0), round(100 * k / n, 6), round(100 * k / n, 6), "%",
                             "share", False, False, s0, ""))
    out.sort(key=lambda q: q.start)
    return _equivalents(text, out)


# a table flattened into a paragraph: a header of year columns (能源 2019年 2022年 降低比率), then rows that
# name what they measure with the unit in brackets and give one bare number per column (电量（KWh）821068436
# 751488000 8.5%)
TABLE_HEADER = re.compile(r"(?P<years>(?:(?:19|20)\d{2}\s?年\s?){2,})(?:[\u4e00-\u9fff]{0,4}?(?:比率|比例|率|幅度|变化|同比))?")
TABLE_ROW = re.compile(r"(?P<label>[\u4e00-\u9fff]{1,10})\s?[（(]\s?(?P<unit>[A-Za-z0-9³²\u4e00-\u9fff/]{1,8})\s?[）)]\s?"
                       r"(?P<cells>(?:\d[\d,]*(?:\.\d+)?\s?%?\s?){2,})")


def _table_cells(text: str, out: list[Quantity]) -> list[Quantity]:
    from .units import classify_measure

    for h in TABLE_HEADER.finditer(text):
        years = [int(y) for y in re.findall(r"(?:19|20)\d{2}", h.group("years"))]
        pos = h.end()
        for r in TABLE_ROW.finditer(text, pos):
            if r.start() != pos and text[pos : r.start()].strip():
                break  # the table ends where a row does not follow the one before
            pos = r.end()
            uf = _unit_factor(r.group("unit").strip())
            if uf is None:
                continue
            unit, factor = uf
            cells = list(re.finditer(r"\d[\d,]*(?:\.\d+)?\s?%?", r.group("cells")))
            numbers = [c for c in cells if not c.group(0).rstrip().endswith("%")]
            label = r.group("label")
            ind = classify_measure(label, "", unit) or _indicator(unit, label, "", r.group("unit"))
            if ind == "other" and unit in ("kWh", "tce") and re.search(r"降低|下降|减少|节约", h.group(0)):
                ind = "energy-consumption"  # a table of energy used by year, with the cut it made
            s0 = sentence_span(text, r.start())[0]
            for col, c in enumerate(numbers[: len(years)]):
                a, b = r.start("cells") + c.start(), r.start("cells") + c.start() + len(c.group(0).rstrip())
                if any(q.start == a for q in out):
                    continue
                n = float(c.group(0).replace(",", ""))
                q = _describe(text, a, b, text[a:b], n, round(n * factor, 6), unit, ind, False, False, s0, "")
                out.append(replace(q, year=years[col], baseline_year=None, projected=years[col] > REPORT_YEAR,
                                   period="annual" if q.flow else "point"))
            for c in cells[len(numbers):]:  # the change between the first and the last column
                a = r.start("cells") + c.start()
                out = [replace(q, year=years[-1], baseline_year=years[0], indicator=q.indicator)
                       if q.start == a and q.unit == "%" else q for q in out]
    return out


# a span of years (not a calendar year): 20余年, 20多年, 近3年, 10年以上, 5年来, 3-5年; at most two digits
DURATION_YEARS = re.compile(
    r"(?:(?P<pre>近|超过|长达|历时|历经|连续|持续|经过|用了|逾)\s?)?(?<![\d.\-—~～/])"
    r"(?P<num>\d{1,2}(?:\.\d)?|(?<![一二两三四五六七八九十百千])[二三四五六七八九]?十[一二三四五六七八九]?)"
    r"(?:\s?[-—~～]\s?\d{1,2})?\s?(?P<fuzz>余|多)?\s?(?:个)?年(?![月度级代初底末中])"
    r"(?=(?P<tail>来|以来|以上|之久|内|间|左右|时间|期间|寿命|经验|历史|运营|运行|的|算|计(?!划|算)|[，。；）)])?)")
# a count of kinds: N大模块, N大场景 (not a rank: 十大, 前10大, 全球10大)
# a count said after the noun that holds its measure word (<event>次数N+, 参与人数为N), with no unit after it
COUNT_NAMED_BEFORE = re.compile(r"(?P<thing>[\u4e00-\u9fff]{2,10}?)(?P<kind>次数|个数|人数|户数|家数|台数)\s?"
                                r"(?:为|达到?|超过?|约|共计?)?\s?(?P<num>\d+(?:\.\d+)?)\s?(?P<fuzz>\+|多|余)?"
                                r"(?![\d.,%％万亿千百])(?!\s?[A-Za-z\u4e00-\u9fff])")
N_CATEGORIES = re.compile(r"(?<![\d.前第十百全球国内])(?P<num>\d{1,2})\s?(?:大(?=[\u4e00-\u9fff]{2})(?!学|型|幅|量|规模|约|洲)|(?P<cl>大洲))")


# a round amount said without a digit (上亿X, 近万名X, 过亿元): one of its multiplier, approximately
ROUND_AMOUNT = re.compile(rf"(?<![\d一二两三四五六七八九十百千])(?:上|过|近|逾|超)(?P<mult>千万|百万|万|亿)"
                          rf"(?:(?P<unit>{UNIT_RE})|(?=[\u4e00-\u9fff]))")
# half of a whole (近一半, 一半以上): 50 %
HALF = re.compile(r"(?P<pre>近|约|超过|超|逾|大约)?一半")
# a share said as "one in N": 每N辆车就有1辆, 每10人中有3人
ONE_IN_N = re.compile(r"每\s?(?P<n>\d+(?:\.\d+)?)\s?(?P<cl>[个家台辆人户座名位只头棵])[^，。；\d]{0,12}?(?:就|中)?(?:就)?有\s?"
                      r"(?P<k>\d+(?:\.\d+)?)\s?(?P=cl)")


EQUIVALENT = re.compile(r"(?:相当于|约合|折合|等同于|等于)[^，。；\d]{0,8}$")


def _equivalents(text: str, figures: list[Quantity]) -> list[Quantity]:
    """A figure that restates another (减排 42221 吨 … 相当于种植了 234 万棵树) has the period, years and
    projection of the amount it restates: the nearest amount over time before it in its sentence."""
    out: list[Quantity] = []
    for q in figures:
        if q.period in (None, "point") and not q.projected and EQUIVALENT.search(text, q.sentence[0], q.start):
            src = next((p for p in reversed(out) if p.sentence == q.sentence and p.flow
                        and not EQUIVALENT.search(text, p.sentence[0], p.start)), None)
            if src is not None:
                q = replace(q, period=src.period, projected=src.projected, year=q.year or src.year,
                            as_of=q.as_of or src.as_of)
        if q.indicator == "other" and EQUIVALENT.search(text, q.sentence[0], q.start):
            # a restatement in another unit (总节水量1500m³/d，折合51.9万吨/年) measures what it restates
            from .units import indicators

            prev = next((p for p in reversed(out) if p.sentence == q.sentence and p.indicator != "other"), None)
            ind = indicators().get(prev.indicator) if prev is not None else None
            if ind is not None and (not ind.units or q.unit in ind.units):
                q = replace(q, indicator=prev.indicator)
        if q.indicator == "other":
            # the same figure said again (…减少N%（…，N%是根据…计算的）): it measures what it measured first
            same = next((p for p in reversed(out) if p.value == q.value and p.unit == q.unit and p.indicator != "other"), None)
            if same is not None:
                q = replace(q, indicator=same.indicator)
        out.append(q)
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


NOTE_AS_OF = re.compile(r"(?:注|说明)\s?[：:][^。\n]{0,24}?截[至止]\s?(?P<y>(?:19|20)\d{2})\s?年(?:\s?(?P<mo>\d{1,2})\s?月)?")


def _dated(q: Quantity, year: int, month: str | None) -> Quantity:
    """A figure given the reporting date stated elsewhere: a running total (flow) becomes cumulative."""
    period = "cumulative" if q.flow and q.period == "point" else q.period
    return replace(q, year=year, as_of=f"{year}-{int(month):02d}" if month else str(year), period=period)


LAST_YEARS = re.compile(r"(?:过去|近|最近|这)\s?\d{1,2}\s?年|\d{1,2}\s?(?:余|多)?年(?:来|间|以来)")


def _paragraph_dated(text: str, q: Quantity) -> Quantity:
    """A figure with no year of its own, in a paragraph whose account an earlier sentence dated at its opening
    (截至2022年底，…。… 46.3万用户 / 2023年桓台收获的低碳小麦…。据…计算，其…减少32%): that date, unless
    another year is named in between. A reporting date (截至) makes a running total cumulative."""
    s0 = q.sentence[0]
    if s0 == 0 or SINCE.search(text, s0, q.start) or LAST_YEARS.search(text, s0, q.start):
        return q  # 自开放以来 / 过去3年: a span from that date, not a figure of it
    mentions = year_mentions(text[:s0])
    if not mentions:
        return q
    last = mentions[-1]
    p0 = sentence_span(text, last.start)[0]
    m = _date_opener(text, p0)
    if m is None and q.flow and (k := min([i for i in (text.find(c, p0, last.start) for c in "，,") if i >= 0], default=-1)) > 0 \
            and not re.search(r"\d", text[p0:k]):
        # X践行Y战略，YYYY年A达N…。B利用M吨: a clause naming no figure, then the date of the amounts that follow
        m = OPENER.match(text, k + 1)
    if m and not (p0 <= last.start < m.end()):
        # a sentence opened by a reporting date that names only that year again (截至YYYY年M月末，…，YYYY年半年度…。):
        # its opening date dates the account
        first = next((y for y in mentions if p0 <= y.start < m.end()), None)
        if first is not None and first.role == "asof" and all(y.year == first.year for y in mentions if y.start >= p0):
            last = first
    if not m or not (p0 <= last.start < m.end()) or last.role not in ("time", "asof"):
        return q
    if last.role == "time" and last.month:  # 2022年7月，携程发布…计划。带动7600万人次…: the date of an event
        return q
    if last.role == "time" and not q.flow and q.unit != "count" and not CHANGE_VERB.search(
            text, _clause_start(text, q.start, s0), q.start):
        return q  # YYYY年，X建成园区。…N%使用绿电: a state described after the year of an event is not of that year
    if last.role == "asof":
        return _dated(q, last.year, str(last.month) if last.month else None)
    return replace(q, year=last.year)


MONTH_ONLY = re.compile(r"截[至止](?:到)?\s?(?P<mo>\d{1,2})\s?月(?:末|底)?")


def _month_dated(text: str, q: Quantity) -> Quantity:
    """A reporting date with a month but no year (YYYY年初，…。截至M月末，…N…): the month of the year the
    paragraph last named before it, when nothing in between opens another span."""
    m = MONTH_ONLY.search(text, q.sentence[0], q.start)
    if m is None or YEAR_MENTION.search(text, q.sentence[0], q.start):
        return q
    years = [y for y in year_mentions(text[: m.start()]) if y.role in ("time", "asof")]
    if not years or SINCE.search(text, years[-1].start, m.start()):
        return q
    return _dated(q, years[-1].year, m.group("mo"))


def case_figures(case: "Case") -> list[CaseFigure]:
    """Every figure of a case in document order — the outcomes the graph holds.

    Beyond one sentence: a part's note giving the date of its figures (注：成果数据截至2023年8月) dates the
    figures of that part that have no year; a running total with no year of its own takes the reporting date
    stated earlier in its paragraph (截至2022年底，… 。… 累计减少二氧化碳 703.24 万吨); a figure the text
    calls cumulative once is cumulative wherever the case repeats it; and an amount restated without its period
    takes the one its other statements agree on.
    """
    found: list[CaseFigure] = []
    for n, (part, para) in enumerate(case.paragraphs(), start=1):
        note = next((m for p in part.paragraphs for m in [NOTE_AS_OF.search(p.text)] if m), None)
        for q in extract(para.text):
            if q.year is None and not q.projected and q.unit != "a":  # a span of years is dated by none
                if q.period == "cumulative":
                    asof = [y for y in year_mentions(para.text[: q.sentence[0]]) if y.role == "asof"]
                    if asof:
                        q = _dated(q, asof[-1].year, str(asof[-1].month) if asof[-1].month else None)
                if q.year is None:
                    q = _paragraph_dated(para.text, q)
                if q.year is None:
                    q = _month_dated(para.text, q)
                if q.year is None and note:
                    q = _dated(q, int(note.group("y")), note.group("mo"))
            found.append(CaseFigure(part.key, n, para, q))
    cumulative = {(f.quantity.value, f.quantity.unit, f.quantity.indicator) for f in found if f.quantity.period == "cumulative"}
    found = [
        replace(f, quantity=replace(f.quantity, period="cumulative"))
        if f.quantity.flow and (f.quantity.value, f.quantity.unit, f.quantity.indicator) in cumulative and (
            f.quantity.period in (None, "point")
            # a running total said with a year (YYYY年…累计<amount>达N) that the case dates as a total to then
            or (f.quantity.period == "annual" and CUMULATIVE_NEAR.search(
                f.paragraph.text, _clause_start(f.paragraph.text, f.quantity.start, f.quantity.sentence[0]), f.quantity.start)))
        else f
        for f in found
    ]
    return _paragraph_periods(_restated(_parts_of_totals(found)))


# a rate over a day, a night or a unit of something (日产, 每晚, 每吨): its own time, none of the paragraph's
OWN_RATE = re.compile(r"每|日产|日均|单[台个次位]|/\s?[天日h]")


def _paragraph_periods(found: list[CaseFigure]) -> list[CaseFigure]:
    """An amount over time with no time of its own (no year, no cue) in a paragraph of results whose earlier
    amounts over time all have one period (项目应用后，减少N吨。…减碳M吨。…综合利用K吨) has that period: the
    paragraph sets the time once, as a reader takes it."""
    out: list[CaseFigure] = []
    for f in found:
        q = f.quantity
        if q.flow and not q.projected and q.period in (None, "point") and q.year is None and not OWN_RATE.search(
                f.paragraph.text, q.sentence[0], q.end + 2):
            earlier = {p.quantity.period for p in out if p.paragraph is f.paragraph and p.quantity.flow
                       and not p.quantity.projected and p.quantity.sentence[0] < q.sentence[0]}
            if len(earlier) == 1 and earlier <= {"annual", "cumulative"}:
                f = replace(f, quantity=replace(q, period=next(iter(earlier))))
        out.append(f)
    return out


def _total_by_default(f: CaseFigure) -> bool:
    """A running total only because an amount is cut with no time named (减少<X>N吨): no word of its sentence
    says it adds up (累计, 共, 已, 以来) and no date bounds it."""
    q = f.quantity
    if q.period != "cumulative" or q.year is not None:
        return False
    text, s0 = f.paragraph.text, q.sentence[0]
    near = text[max(s0, q.start - 16) : q.start]
    return bool(REDUCED.search(near)) and not (
        CUMULATIVE_NEAR.search(text, s0, q.start) or ACHIEVED_SO_FAR.search(near) or SINCE.search(text, s0, q.start)
        or TOTAL_VERB.search(text, s0, q.start) or re.search(r"已|以来|至今|生命周期|寿命期", text[s0 : q.start]))


def _restated(found: list[CaseFigure]) -> list[CaseFigure]:
    """An amount over time a case states again without saying over what time (an expert's summary, an overview
    restating a result) has the period its other statements give, when they agree (annual, cumulative) — and so
    has an amount read as a running total only by default (减少X约N吨) when the case states it elsewhere with its
    time (一年内减少X约N吨). Its year stays empty: the restatement does not say it."""
    periods: dict[tuple, set] = {}
    for f in found:
        q = f.quantity
        if q.flow and not q.projected and q.period in ("annual", "cumulative") and not _total_by_default(f):
            periods.setdefault((q.value, q.unit, q.indicator), set()).add(q.period)
    out = []
    for f in found:
        q = f.quantity
        seen = periods.get((q.value, q.unit, q.indicator), set())
        if q.flow and not q.projected and len(seen) == 1 and (
                q.period in (None, "point") or (seen == {"annual"} and _total_by_default(f))):
            f = replace(f, quantity=replace(q, period=next(iter(seen))))
        out.append(f)
    return out


def outcome_ids(figures: list[CaseFigure]) -> list[str]:
    """A stable id for each figure of one case, in its order: the source line it starts on and a digest of its
    printed surface (``0181-3f9a2c``), so a figure found earlier in the case renumbers nothing after it. Two figures
    printed alike on one line take ``-2``, ``-3`` … in reading order (collision-safe whatever the digest)."""
    import hashlib
    import unicodedata

    ids, seen = [], set()
    for f in figures:
        surface = re.sub(r"\s+", "", unicodedata.normalize("NFKC", f.quantity.surface))
        base = f"{f.line:04d}-{hashlib.sha1(surface.encode('utf-8')).hexdigest()[:6]}"
        oid, n = base, 1
        while oid in seen:
            n += 1
            oid = f"{base}-{n}"
        seen.add(oid)
        ids.append(oid)
    return ids


PART_OF = re.compile(r"[，,]\s?其中[^，。；\d]{0,16}$")


def _parts_of_totals(found: list[CaseFigure]) -> list[CaseFigure]:
    """A part of a total (上下游减碳4.2万tCO2e，其中啤酒厂减少碳排放3万tCO2e) is a figure of the same kind
    over the same time: it takes the total's period, year and reporting date where it states none."""
    out: list[CaseFigure] = []
    parts: dict[int, CaseFigure] = {}  # id of a part → its total
    for f in found:
        q = f.quantity
        prev = out[-1] if out else None
        # … and so is each part listed after the first (其中A减少N t，B减少M t)
        listed = prev is not None and id(prev) in parts and prev.paragraph is f.paragraph and \
            prev.quantity.sentence == q.sentence and prev.quantity.unit == q.unit
        if q.period in (None, "point") and q.flow and not q.projected and (
                listed or PART_OF.search(f.paragraph.text, q.sentence[0], q.start)):
            total = parts[id(prev)] if listed else next(
                (p for p in reversed(out) if p.paragraph is f.paragraph and p.quantity.sentence == q.sentence
                 and p.quantity.unit == q.unit and p.quantity.start < q.start), None)
            if total is not None and total.quantity.period in ("annual", "cumulative"):
                t = total.quantity
                f = replace(f, quantity=replace(q, period=t.period, year=q.year or t.year, as_of=q.as_of or t.as_of))
                parts[id(f)] = total
        out.append(f)
    return out


# -- amounts typed by a user (question understanding) -----------------------------

_EN_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
AMOUNT = re.compile(
    rf"(?<![A-Za-z0-9.])(?P<num>{ARABIC}|{CHINESE})\s*(?P<mult>万亿|千万|百万|万|亿|thousand|million|billion|bn|mn|k|m|b)?\s*"
    rf"(?P<unit>{'|'.join(p for p, _, _ in QUESTION_UNITS)})?(?![a-z])",
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
        for p, u, f in QUESTION_UNITS:
            if unit_s and re.fullmatch(p, unit_s, re.IGNORECASE):
                unit, factor = u, f
                break
        if mult_s == "m" and unit is None:
            mult = 1e6
        return num * mult * factor, unit, m.span()
    return None
