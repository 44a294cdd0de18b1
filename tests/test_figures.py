"""Figures: their years, period, what they count — golden examples, the units-and-indicators module, and the
blind figure set (data/eval/blind, written from the source text alone) as a floor on the development half."""

import pytest

from climatekg.graph.quantities import case_figures, extract
from climatekg.graph.units import (UNITS, classify_measure, counted_en, dimension, indicator_id, indicators,
                                   measure_label, unit_label, unit_prose)


def one(text, unit=None):
    qs = [q for q in extract(text) if unit is None or q.unit == unit]
    assert qs, text
    return qs[0]


@pytest.mark.parametrize(
    "text, unit, year, baseline",
    [
        # the year of an emission-factor table or a document title is not the figure's year
        ("基于生态环境部公布的《2019年度减排项目中国区域电网基准线排放因子》核算，累计减少二氧化碳703.24万吨。", "t", None, None),
        # nor is a founding year
        ("公司成立于1991年，产品远销190多个国家和地区。", "count", None, None),
        # a change against a year: the baseline, not the year
        ("2022年单位产品能耗较2004年下降72.2%。", "%", 2022, 2004),
        ("与2019年相比，用电量降低8.5%。", "%", None, 2019),
        # fiscal years end in their second year
        ("联想承诺2049/50财年其范围1、2和3的绝对温室气体排放量从2018/19财年基线水平减少90%。", "%", 2050, 2019),
        # each clause its own year
        ("2022年在河北推广小麦免耕播种技术6000亩，2023年扩大到1万亩。", "m2", 2022, None),
        # a reporting date is a year; a period's end is its year
        ("2022年4月至2023年10月，已有7000多万的用户参与减排。", "count", 2023, None),
    ],
)
def test_years_of_a_figure(text, unit, year, baseline):
    q = one(text, unit)
    assert (q.year, q.baseline_year) == (year, baseline)


def test_clause_years_and_reporting_date():
    a, b = [q for q in extract("2022年在河北推广小麦免耕播种技术6000亩，2023年扩大到1万亩。")]
    assert (a.year, b.year) == (2022, 2023)
    q = one("截至2023年6月，在滴滴平台注册的纯电动汽车超过270万辆。")
    assert q.as_of == "2023-06" and q.period_kind == "cumulative" and q.counted_en == "battery-electric vehicles"


def test_targets_are_projected_and_results_are_not():
    target, done = extract("截止2021/22财年，范围1+范围3温室气体绝对排放量减少50%目标进度已减少15%。")
    assert target.period_kind == "projected" and target.year is None  # a reporting date is no target year
    assert done.period_kind != "projected" and done.year == 2022
    assert one("计划到2030年减少碳排放30万吨。").period_kind == "projected"
    assert one("实现了全年系统节电量5%的工程目标。").period_kind != "projected"
    # a hypothesis stays one through 可累计; its year is the target year, not an award's year before it
    q = one("该方案获得2021年大赛最高奖，若有效应用和推广，到2050年前可累计实现碳减排1320亿吨。", "t")
    assert q.period_kind == "projected" and q.year == 2050
    assert one("开展/计划落地回收项目，累计回收约12700余吨塑料餐盒。", "t").period_kind != "projected"
    assert one("公司规划2024—2026年太阳能电池累计产能规模达到130—150GW。", "kW").period_kind == "projected"


def test_period_from_the_grammar_of_the_sentence():
    # 共 before a verb of an amount is a total, like 累计
    assert one("正泰新能盐城基地共减少42221.37吨二氧化碳排放。", "t").period_kind == "cumulative"
    assert one("公司共有员工5000人。", "count").period_kind != "cumulative"  # 共有: a state, not a total
    # an equivalent restates the amount before it: its period and year too
    eq = extract("截至2022年底，累计减少二氧化碳703.24万吨，相当于种植森林38507.27公顷。")
    assert [(q.period_kind, q.year) for q in eq] == [("cumulative", 2022), ("cumulative", 2022)]
    # a sentence that goes on with a plan is a plan
    plan = extract("携程计划推出至少一万个低碳旅行产品。同时，通过门店推广低碳知识，带动1亿人参与低碳旅行。")
    assert [q.period_kind for q in plan] == ["projected", "projected"]
    assert one("总部已经累计节约用电260万度。同时通过改造照明，每年节约用电64万度。", "kWh").period_kind != "projected"
    # progress to a reporting date is cumulative; a growth rate to a date stays a yearly rate
    assert one("截止2021/22财年，排放量已减少15%。").period_kind == "cumulative"
    assert one("截至2022年末，绿色信贷增速68%。").period_kind == "annual"


def test_the_day_of_an_event_dates_the_event_not_a_state():
    cap, gen = extract("2022年3月21日正式投产发电，总装机容量0.4MWp，当天发电量为1200kWh。")
    assert cap.year is None and gen.year == 2022
    q = one("2022年8月4日的负荷高峰期间，园区在3小时内降低了600度用电。", "kWh")
    assert q.year == 2022 and q.period_kind == "point"  # one day's figure, not a year's


@pytest.mark.parametrize(
    "text, counted_zh, counted_en, indicator",
    [
        ("达能中国饮料所有5家工厂获得国家级或省级绿色工厂认证。", "工厂", "factories", "facilities"),
        ("携手上下游近百家供应商，共同发起倡议。", "供应商", "suppliers", "organisations-engaged"),
        ("共设置430个充电车位，充电枪总数458把。", "充电车位", "charging parking spaces", "charging-points"),
        ("负责运维220千伏变电所8座。", "220千伏变电所", "220 kV substations", "facilities"),
        ("在世界各地共有77,000名员工。", "员工", "employees", "employees"),
        ("温室气体减排量相当于种植了234万棵树。", "树", "trees", "trees-equivalent"),
        ("滴滴拼车覆盖284个城市。", "城市", "cities", "places-covered"),
        ("带来1600万人次预订低碳旅行产品。", "人次", "person-times", "users"),
        # glossary words are whole wherever they stand; a modifier's 的 leads to the head noun
        ("超100万美团入驻商家提供小份菜。", "美团入驻商家", "merchants on the platform", "organisations-engaged"),
        ("19个业务支撑和实施机构负责实施。", "业务支撑和实施机构", "business support and delivery units", "count"),
        ("共计26590块正泰新能自主研发的ASTRO高效光伏组件被安装在屋顶。", "ASTRO高效光伏组件", "ASTRO high-efficiency PV modules", "count"),
        # a noun run that goes on into the next figure's subject: the thing counted is where it starts
        ("项目实施前，33家啤酒厂废水处理成本4911万元。", "啤酒厂", "breweries", "facilities"),
        # a count in brackets after what it counts
        ("要求平台所有商户（上百万）提供无需餐具选择。", "商户", "merchants", "organisations-engaged"),
    ],
)
def test_a_count_says_what_it_counts(text, counted_zh, counted_en, indicator):
    q = one(text, "count")
    assert (q.counted_zh, q.counted_en, q.indicator) == (counted_zh, counted_en, indicator)


@pytest.mark.parametrize("text, indicator", [
    ("其中年耗电量超8亿kWh，占用能费用的90%以上。", "share"),
    ("针对区域门店能源管理软硬件投入补贴20%。", "share"),  # the part of a cost a subsidy pays, no saving
    ("项目实现牛垫料资源100%替代。", "share"),
    ("电能100%为绿色电能。", "renewable-share"),
    ("日产鲜奶7700吨。", "production"),
])
def test_a_percentage_or_amount_says_what_it_measures(text, indicator):
    assert extract(text)[-1].indicator == indicator


def test_energy_and_power_never_confused():
    assert dimension("kWh") == "energy" and dimension("kW") == "power"
    for text in ("储能容量9.6MWH", "储能容量9.6MWh", "储能容量9600kwh"):
        assert one(text).unit == "kWh"
    assert one("装机容量11MW").unit == "kW"


def test_indicator_scheme_is_bilingual_with_alternative_labels():
    inds = indicators()
    assert len(inds) > 22
    for ind in inds.values():
        assert "_" not in ind.id
        assert ind.zh and ind.en and ind.alt_zh and ind.alt_en, ind.id
        assert all(u in UNITS for u in ind.units), ind.id
    assert indicator_id("co2_reduction") == "co2-reduction"


@pytest.mark.parametrize("value,unit,english", [
    (13260, "kW", "13,260 kW"), (1374, "tce", "1,374 tce (coal equivalent)"), (1.2e9, "CNY", "1.20 billion yuan"),
    (58000, "CNY", "58,000 yuan"), (3, "d", "3 days"), (7.5, "%", "7.5%"), (12, "count", "12"), (4.5, "kWh/㎡", "4.5 kWh/㎡")])
def test_an_answer_states_a_figure_in_the_units_english_prose_name(value, unit, english):
    """The English names of units in an answer come from graph/units.py, the one unit table (no copy in ask/)."""
    from climatekg.ask.select import format_value

    assert format_value(value, unit) == english
    assert all(unit_prose(u) for u in UNITS if u != "count")  # every unit has a name a sentence can use


def test_every_indicator_the_extractor_names_is_in_the_scheme(collection):
    inds = indicators()
    for case in collection.cases:
        for f in case_figures(case):
            assert f.quantity.indicator in inds, f.quantity


def test_classify_measure_reads_labels_in_either_language_within_a_unit():
    assert classify_measure("工厂绿电使用比例", "", "%") == "renewable-share"
    assert classify_measure("", "share of solar PV power in total electricity use", "%") == "renewable-share"
    assert classify_measure("年二氧化硫减排量", "", "t") == "air-pollutant-reduction"
    assert classify_measure("绿电", "", "kWh") == "green-power"


def test_a_new_indicator_in_the_scheme_is_known_without_code(tmp_path):
    from climatekg.graph.units import ONTOLOGY_DIR

    ttl = (ONTOLOGY_DIR / "indicators.ttl").read_text(encoding="utf-8") + (
        '\nind:hydrogen-output a ckg:Indicator, skos:Concept ; skos:inScheme ckg:IndicatorScheme ;\n'
        '    skos:prefLabel "产氢量"@zh, "Hydrogen output"@en ; skos:altLabel "制氢"@zh, "hydrogen produced"@en ;\n'
        '    ckg:reportedInUnit "m3", "kg" .\n')
    path = tmp_path / "indicators.ttl"
    path.write_text(ttl, encoding="utf-8")
    import climatekg.graph.units as units

    inds = units.indicators(path)
    assert inds["hydrogen-output"].en == "Hydrogen output"
    original = units.indicators
    units.indicators = lambda path=None: inds
    try:
        assert classify_measure("园区制氢能力", "", "kg") == "hydrogen-output"
        assert classify_measure("", "hydrogen produced per day", "m3") == "hydrogen-output"
    finally:
        units.indicators = original


def test_measure_label_names_the_thing_counted_or_the_indicator():
    assert measure_label("facilities", ("换电站", counted_en("换电站", "座")), "en") == "number of battery-swap stations"
    assert measure_label("facilities", ("换电站", "battery-swap stations"), "zh") == "换电站数量"
    assert measure_label("co2-reduction", None, "en") == "CO₂ emissions reduced"


def test_every_outcome_says_what_it_measures(collection):
    """Before: 355 of 738 outcomes said only "Count" or "Other"; after the first round 9 of 782 said "Other" and
    2 a bare "Count", after the second 4 and 1."""
    figs = [f.quantity for case in collection.cases for f in case_figures(case)]
    vague = [q for q in figs if q.indicator in ("count", "other") and not q.counted_zh]
    assert len(vague) / len(figs) < 0.01, [q.surface for q in vague]
    counts = [q for q in figs if q.unit == "count"]
    assert sum(bool(q.counted_en) for q in counts) / len(counts) > 0.95
    # a share, growth or reduction names what it is of (none did before the second round; 49 of 86 after)
    rates = [q for q in figs if q.indicator in ("share", "growth-rate", "reduction-rate")]
    assert sum(bool(q.of_zh) for q in rates) / len(rates) > 0.5


def test_data_as_of_note_dates_the_figures_of_its_part(collection):
    case = collection.case("case-04")
    (q,) = [f.quantity for f in case_figures(case) if f.quantity.value == 3.6e8 and f.part == "results"][:1]
    assert (q.year, q.as_of, q.period_kind) == (2023, "2023-08", "cumulative")


# the floors the blind development half must keep (measured: see README "Measuring")
BLIND_FLOORS = {"value": 0.98, "unit": 0.98, "measure": 0.97, "year": 0.92, "period": 0.97}


def assert_blind_floors(collection, name: str, least_figures: int, floors: dict[str, float]) -> None:
    """A blind figure set's development half (data/eval/blind/NAME): at least ``least_figures`` figures, and every
    field's precision and recall at or above its floor."""
    from climatekg.config import ROOT
    from climatekg.graph.extraction_eval import evaluate_blind

    s = evaluate_blind(collection, ROOT / "data" / "eval" / "blind" / name)
    assert s.figures >= least_figures
    for field, floor in floors.items():
        f = s.fields[field]
        assert f.precision >= floor and f.recall >= floor, (field, f)


def test_blind_figures_development_half(collection):
    assert_blind_floors(collection, "figures-dev.jsonl", 75, BLIND_FLOORS)


# -- families found deeper in the cases (the second blind set's development half) --------------------------


@pytest.mark.parametrize("text, value, unit", [
    ("农民习惯于玉米秸秆还田后进行2-3次旋耕。", 2, "count"),  # a range is its lower bound, before any unit
    ("通过测土配肥，实现节肥30—50%。", 30, "%"),
    ("以一辆百公里电耗为16kw.h的电动网约车为例。", 16, "kWh/100km"),  # kw.h is energy; per 100 km as printed
    ("储能系统5 kW·h。", 5, "kWh"),
    ("相当于中国每5辆新能源车就有1辆在滴滴平台注册。", 20, "%"),  # one in five: a share
    ("综合运用20余年节能环保治理经验和技术。", 20, "a"),  # a span of years, not a calendar year
    ("历经近5年时间研制标准。", 5, "a"),
    ("包含产品碳足迹、工厂碳管理等8大功能模块。", 8, "count"),
])
def test_figures_the_extractor_used_to_miss(text, value, unit):
    q = one(text, unit)
    assert q.value == value


def test_spans_and_ranks_are_not_durations_or_counts():
    assert not [q for q in extract("2022年发电100万度，入选全球10大案例，到2030年减排。") if q.unit in ("a", "count")]
    assert not [q for q in extract("第3年实现盈亏平衡。") if q.unit == "a"]


def test_a_table_flattened_into_a_paragraph_gives_one_figure_per_cell():
    text = "能源2019年2022年降低比率电量（KWh）821068436 751488000 8.5%水量（m3）5622947 4901159 12.8%"
    got = [(q.value, q.unit, q.indicator, q.year, q.baseline_year, q.period_kind) for q in extract(text)]
    assert got == [
        (821068436, "kWh", "energy-consumption", 2019, None, "annual"),
        (751488000, "kWh", "energy-consumption", 2022, None, "annual"),
        (8.5, "%", "reduction-rate", 2022, 2019, "point"),
        (5622947, "m3", "water", 2019, None, "annual"),
        (4901159, "m3", "water", 2022, None, "annual"),
        (12.8, "%", "reduction-rate", 2022, 2019, "point"),
    ]


@pytest.mark.parametrize("text, years", [
    # a date opening a sentence dates the clauses after its semicolons
    ("2023年，蒙牛工厂利用生物质产蒸汽13.2万吨；利用沼气0.25亿m³，发电4700万度。", [2023, 2023, 2023]),
    ("2022年，公司实现碳减排184.77万吨，较2021年提升106.22%；清洁能源购电量3.93亿千瓦时。", [2022, 2022, 2022]),
    # … but a later date in between takes over
    ("2022年，减排10万吨；2023年上半年，减排6万吨。", [2022, 2023]),
    ("4. 2022全年，节约标煤319.12万吨，折合减排二氧化碳当量466.08万吨。", [2022, 2022]),
])
def test_a_date_that_opens_a_sentence(text, years):
    assert [q.year for q in extract(text)] == years


def test_since_a_date_is_a_span_not_a_year():
    rate, total = extract("自2004年以来，达能脉动的单瓶水耗下降了66%，总节约用水量达218万吨。")
    assert (rate.year, rate.baseline_year) == (None, 2004)  # a change since then, against then
    assert (total.year, total.period_kind) == (None, "cumulative")
    q = one("2.环境效益：项目应用后，减少污泥产生量2.47万吨。")
    assert q.period_kind == "cumulative"
    q = one("项目运行以来，每年可实现替代电量3000万千瓦时。")
    assert q.period_kind == "annual"  # what it does each year since then


def test_a_baseline_opening_a_sentence_or_in_brackets():
    a, b = extract("2.较脉动诞生之初（2004年），产品平均单位生产能耗下降72.2%，生产碳排放强度（范畴1&2）降低92%。")
    assert (a.year, a.baseline_year, b.year, b.baseline_year) == (None, 2004, None, 2004)


def test_what_is_still_to_be_built_is_projected():
    cap, gen = extract("智能工厂顶部建设2.7MW太阳能光伏发电系统，11月底将全部建成发电，年发电量可达268万kWh。")
    assert cap.period_kind == gen.period_kind == "projected"
    cap, gen = extract("园区8MW光伏项目建成后，每年可为园区提供约800万度的清洁电能。")
    assert cap.period_kind == gen.period_kind == "projected"
    assert one("项目已建成后，年发电量100万度。").period_kind != "projected"
    # 规划 in an institute's name is no plan
    assert one("在冶金工业规划研究院等机构的支持下，国舜集团投资11.8亿元。").period_kind == "point"


def test_a_future_adverb_makes_what_follows_projected():
    # 未来N年 / 后续将 / 今后将: the figure is what is to come, not a result
    assert one("未来三年园区光伏发电量达500万千瓦时。", "kWh").period_kind == "projected"
    done, next_ = extract("公司已在10家门店推广，后续将在其余的20家门店推进。")
    assert (done.value, done.period_kind, next_.value, next_.period_kind) == (10, "point", 20, "projected")
    assert one("未来工厂年发电量达500万千瓦时。", "kWh").period_kind != "projected"  # a name, not a time


@pytest.mark.parametrize("text, indicator", [
    ("其中道路交通在交通全行业碳排放中的占比约80%。", "share"),  # a part of the emissions, neither emissions nor a cut
    ("园区固体废弃物综合利用率达95%。", "waste"),
    ("照明能源节省45%-50%。", "energy-saved"),
    ("电站预计每年产生1118万度绿色电力。", "power-generation"),
    ("需购置外部污水处理碳源914万元，外购电费158万元。", "operating-cost"),  # the next clause's 电费 stays there
    ("每兆瓦用钢量降低至15t以下。", "waste"),  # materials
    ("平面年平均有效发电日辐照量为973.5kWh/kWp/year。", "power-generation"),  # a specific yield
])
def test_what_a_figure_measures_deeper_in_the_text(text, indicator):
    assert extract(text)[0].indicator == indicator


def test_indicator_vocabulary_names_what_reports_call_it():
    assert classify_measure("每年节约标煤", "standard coal saved per year", "tce") == "energy-saved"
    assert classify_measure("每年减少碳排放量", "", "t") == "co2-reduction"
    assert classify_measure("低碳小麦温室气体排放降幅", "", "%") == "co2-reduction"
    assert classify_measure("2022年天然气用量", "natural gas consumption in 2022", "m3") == "energy-consumption"
    assert classify_measure("旗下工厂工业清洁能源使用率", "", "%") == "renewable-share"
    assert classify_measure("减少污泥产生量", "reduction in sludge generation", "t") == "waste"


def test_context_beyond_the_sentence(collection):
    def fig(case_id, value, unit):
        return next(f.quantity for f in case_figures(collection.case(case_id))
                    if f.quantity.value == value and f.quantity.unit == unit)

    # a date that opened an earlier sentence of the paragraph (2023年桓台收获的低碳小麦…。据…计算，其…减少32%)
    assert fig("case-24", 32, "%").year == 2023
    # … not across a span from that date (2022年，展厅正式对外开放。自开放以来，接待参观群体182批)
    assert fig("case-01", 182, "count").year is None
    # … nor from the date of an event (2022年7月，携程集团发布…计划。带动7600万人次关注…)
    assert fig("case-05", 7.6e7, "count").year is None
    # … nor into a span of the last years (2018年，…开启数字化工厂项目…。过去3年，该项目帮助…能耗下降15%)
    assert fig("case-01", 15, "%").year is None and fig("case-01", 3, "a").year is None
    # a part of a total (上下游减碳4.2万tCO2e，其中啤酒厂减少碳排放3万tCO2e) is counted over the same time
    assert fig("case-14", 3e4, "t").period_kind == fig("case-14", 4.2e4, "t").period_kind == "cumulative"
    # … and an amount with no time of its own after them in the paragraph (项目应用后，减少…。…综合利用N万吨)
    assert fig("case-14", 9e4, "t").period_kind == "cumulative"



@pytest.mark.parametrize("text, period", [
    ("项目应用后，减少污泥产生量2万吨。项目回收利用废料5万吨。", "cumulative"),  # the paragraph's time, set once
    ("每年节约用电30万度。项目回收利用废料5万吨。", "annual"),
    ("项目应用后，减少污泥产生量2万吨。每年节约用电30万度。项目回收利用废料5万吨。", "point"),  # times that disagree
    ("项目应用后，减少污泥产生量2万吨。园区日产废料5万吨。", "point"),  # a rate with a time of its own
])
def test_an_amount_with_no_time_takes_its_paragraphs(text, period):
    from climatekg.corpus.model import Paragraph
    from climatekg.graph.quantities import CaseFigure, _paragraph_periods

    para = Paragraph(text, ((0, 1),))
    figs = _paragraph_periods([CaseFigure("results", 1, para, q) for q in extract(text)])
    assert figs[-1].quantity.value == 5e4 and figs[-1].quantity.period_kind == period


@pytest.mark.parametrize("text, period", [
    ("园区共计120块光伏组件被安装在屋顶。", "point"),  # 共计 adds up the parts of a stock: its size
    ("园区累计安装120块光伏组件。", "cumulative"),  # 累计 adds up over time
    ("公司总共发放超过500份宣传册。", "cumulative"),  # things handed out, all told
    ("公司共计减少碳排放300吨。", "cumulative"),  # an amount that flows
])
def test_altogether_is_no_running_total_of_a_stock(text, period):
    assert one(text).period_kind == period


def test_blind_alignment_reads_a_quote_across_a_wrapped_line(collection, tmp_path):
    """A writer cites the line a quote begins on; its number may sit on the next text line (the source keeps a
    blank line between lines). Equivalent units compare as one quantity (6000 亩 = 4,000,000 m², 7.2 米 in km)."""
    import json

    from climatekg.graph.extraction_eval import evaluate_blind

    rows = [
        {"id": "W1", "case": 1, "line": 185, "printed": "66.3%", "value": 66.3, "base_unit": "%"},
        {"id": "W2", "case": 24, "line": 6166, "printed": "6000 亩", "value": 6000, "base_unit": "other:mu"},
        {"id": "W3", "case": 20, "line": 5248, "printed": "7.2米", "value": 0.0072, "base_unit": "km"},
    ]
    path = tmp_path / "figs.jsonl"
    path.write_text("\n".join(json.dumps({"measure_zh": "", "measure_en": "", "counted": None, "year": None,
                                          "baseline_year": None, "period": "point", **r}) for r in rows),
                    encoding="utf-8")
    s = evaluate_blind(collection, path)
    assert s.aligned == 3
    assert all(r["right"]["value"] and r["right"]["unit"] for r in s.rows)


# floors for the second blind set's development half (measured: see README "Measuring")
# (period .90, was .91: this set's writer labels a year-on-year change (较<the year before>, 同比, 增速) "point"
# where three other writers label it "annual"; the majority convention costs this half one figure)
BLIND2_FLOORS = {"value": 0.95, "unit": 0.95, "measure": 0.91, "year": 0.91, "period": 0.90}


def test_blind_figures_second_development_half(collection):
    assert_blind_floors(collection, "figures2-dev.jsonl", 100, BLIND2_FLOORS)


@pytest.mark.parametrize("text, unit, indicator", [
    ("养殖塘的温度较没有遮挡前低了3-4度。", "℃", "temperature"),  # 度 of a temperature is no kWh
    ("单台排水量125m³/d。", "m3/d", "water"),  # an amount per day measures that amount
    ("建设产氢量200Nm³/H碱水电解制氢。", "m3/h", "production"),
    ("联想共计使用了130吨至140吨的趋海塑料。", "t", "waste"),  # what the amount is of, after it
    ("总节水量125*12=1500m³/d，折合51.9万吨/年。", "t", "water"),  # a restatement measures what it restates
    ("优化相关人力30%。", "%", "reduction-rate"),
])
def test_units_and_measures_from_the_words_around(text, unit, indicator):
    q = one(text, unit)
    assert q.indicator == indicator


@pytest.mark.parametrize("text, value, unit, counted_zh", [
    ("建设380V交流转750V直流换流站。", 0.38, "kV", None),  # volts, as a voltage class in kV
    ("建设1900RT直流暖通系统及10KV柔直配网。", 10, "kV", None),
    ("温度从0℃到20℃，只需20分钟。", 20 / 60, "h", None),
    ("平台业务覆盖全国超过2000个城市。", 2000, "count", "城市"),  # a measure word makes a year-like number a count
    ("发表论文7篇。", 7, "count", None),
])
def test_units_the_extractor_used_not_to_know(text, value, unit, counted_zh):
    q = one(text, unit)
    assert q.value == pytest.approx(value) and (counted_zh is None or q.counted_zh == counted_zh)


def test_a_rate_per_ten_thousand_is_a_rate_per_base_unit():
    q = one("（电力折标系统取1.229吨标准煤/万度）。")
    assert (q.unit, q.value) == ("tce/kWh", pytest.approx(1.229e-4))
    q = one("综合成本约2630元/㎡")
    assert (q.unit, q.value) == ("CNY/m2", 2630)  # every rate in base symbols, as the blind writers give them
    q = one("综合成本约0.3万元/㎡")
    assert (q.unit, q.value) == ("CNY/m2", pytest.approx(3000))
    assert one("组件重量约为12千克/平方米。").unit == "kg/m2"
    assert unit_label("CNY/m2", "zh") == "元/平方米" and unit_label("kWh/m2/yr", "en") == "kWh/m²/yr"


def test_a_plan_carried_out_is_a_result():
    q = one("杭州电器杭州基地建设初期规划3MW光伏项目，于2020年并网发电。", "kW")
    assert q.period_kind != "projected"
    assert one("二期计划投资约2000万元。").period_kind == "projected"
    assert one("设备生命周期内（以20年算）的减排量约4106吨二氧化碳。", "a").period_kind == "point"


# -- families found in the third blind set's development half (generic forms, not its sentences) -----------


@pytest.mark.parametrize("text, value, unit", [
    ("带动平台上亿会员参与。", 1e8, "count"),  # a round amount with no digit
    ("吸引近万名居民参与。", 1e4, "count"),
    ("某类用水约占总用水的近一半。", 50, "%"),  # half of a whole
    ("从事该业务逾三十年。", 30, "a"),  # a span of years in a numeral word
    ("产品销往5大洲、60个国家。", 5, "count"),
])
def test_amounts_said_without_digits(text, value, unit):
    q = one(text, unit)
    assert q.value == pytest.approx(value)
    assert not [q for q in extract("十年树木，百年树人。") if q.unit == "a"]  # a saying is no span


def test_a_tally_of_things_done_or_won_is_cumulative():
    assert one("公司获得了市级荣誉12项。").period_kind == "cumulative"
    assert one("得到多家媒体宣传报道30余次。").period_kind == "cumulative"
    assert one("开展合作研究项目9项，取得成果3项。").period_kind == "cumulative"
    assert one("公司拥有相关专利15项。").period_kind == "point"  # a holding, not a tally
    assert one("农民习惯于进行2-3次旋耕。").period_kind == "point"


def test_a_counted_thing_is_read_by_its_head_noun():
    q = one("获得了省级荣誉8项。")
    assert q.indicator == "awards"  # honours, not the provinces that award them
    q = one("吸引3000名在校大学生参与。")
    assert q.indicator == "users"  # students, not universities


def test_a_count_that_leaves_its_noun_out_takes_the_earlier_count_s():
    qs = extract("预计2025年将建成4个换电站，到2030年，达到12个。")
    assert [(q.value, q.counted_zh, q.year) for q in qs] == [(4, "换电站", 2025), (12, "换电站", 2030)]
    q = one("研发中心、院士工作站各1个。")
    assert q.counted_zh != "院士工作站" or q.value != 1  # 各 lists, it does not leave a noun out


def test_a_target_year_after_the_figure():
    q = one("完成带动3亿会员践行低碳行动的2030目标。")
    assert (q.year, q.period_kind) == (2030, "projected")


def test_a_rate_raised_by_n_percent_is_a_change_and_raised_to_is_a_level():
    assert one("设备利用率提升12%。").indicator == "growth-rate"
    assert one("产线自动化率提升到了88%。").indicator == "efficiency-rate"


def test_a_sentence_on_the_future_frames_the_results_the_next_lists():
    assert one("未来全部园区投入使用后，各项能耗再降低。设备利用率提升12%。").period_kind == "projected"
    assert one("项目建成后，改善了通风条件；提供充电桩40个。").period_kind == "point"  # said as done
    assert one("建设储能站1座，规划容量5MW。", "kW").period_kind == "point"  # a design capacity, not a plan


def test_a_change_against_the_year_before_has_that_baseline():
    q = one("截至2021年末，绿色债券余额500亿元，较上一年度增长100亿元，增幅为25%。", "%")
    assert (q.year, q.baseline_year, q.period_kind) == (2021, 2020, "annual")
    q = [q for q in extract("截至2021年末，绿色债券余额500亿元，较上一年度增长100亿元。") if q.value == 1e10][0]
    assert (q.year, q.baseline_year) == (2021, 2020)
    assert one("订单同比增长约15%。").baseline_year is None  # no year, no baseline guessed


# floors for the third blind set's development half (measured: see README "Measuring")
# (period .96: one figure its writer read as a running total — an amount cut with no time of its own — which two
# other writers, and the case itself where it states the same amount 一年内, give as a year's)
BLIND3_FLOORS = {"value": 0.95, "unit": 0.95, "measure": 0.94, "year": 0.95, "period": 0.96}


def test_blind_figures_third_development_half(collection):
    assert_blind_floors(collection, "figures3-dev.jsonl", 85, BLIND3_FLOORS)


# floors for the fourth blind set's development half (measured: climatekg extraction --blind dev4)
BLIND4_FLOORS = {"value": 0.97, "unit": 0.95, "measure": 0.95, "year": 0.95, "period": 0.95}


def test_blind_figures_fourth_development_half(collection):
    assert_blind_floors(collection, "figures4-dev.jsonl", 85, BLIND4_FLOORS)


# floors for the fifth and sixth blind sets' development halves (measured: climatekg extraction --blind dev5|dev6)
BLIND5_FLOORS = {"value": 0.97, "unit": 0.97, "measure": 0.95, "year": 0.93, "period": 0.96}
BLIND6_FLOORS = {"value": 0.97, "unit": 0.95, "measure": 0.95, "year": 0.95, "period": 0.94}


def test_blind_figures_fifth_development_half(collection):
    assert_blind_floors(collection, "figures5-dev.jsonl", 100, BLIND5_FLOORS)


def test_blind_figures_sixth_development_half(collection):
    assert_blind_floors(collection, "figures6-dev.jsonl", 100, BLIND6_FLOORS)


# floors for the seventh blind set's development half — a validation half in session 8, open since session 9
# (measured: climatekg extraction --blind dev7)
BLIND7_FLOORS = {"value": 0.99, "unit": 0.96, "measure": 0.95, "year": 0.99, "period": 0.93}


def test_blind_figures_seventh_development_half(collection):
    assert_blind_floors(collection, "figures7-dev.jsonl", 100, BLIND7_FLOORS)


# -- stable outcome ids -----------------------------------------------------------------------------------


def test_outcome_ids_are_stable_when_a_figure_is_found_earlier(collection):
    from dataclasses import replace

    from climatekg.graph.quantities import outcome_ids

    figs = case_figures(collection.case("case-01"))
    ids = outcome_ids(figs)
    assert len(set(ids)) == len(ids)  # unique within the case
    pv = next(i for i, f in zip(ids, figs) if f.quantity.surface == "13.26 MWp")
    assert pv == "0181-cebf8e"  # the source line and the printed surface's digest, not a position
    # a new figure earlier in the case (here: the first one repeated as if found anew) renumbers nothing after it
    extra = replace(figs[0], quantity=replace(figs[0].quantity, surface="新的 7 项"))
    again = outcome_ids([extra, *figs])
    assert again[1:] == ids
    # two figures printed alike on one line: both kept, told apart in reading order
    twice = outcome_ids([figs[0], figs[0]])
    assert twice == [ids[0], ids[0] + "-2"]


def test_a_month_without_a_year_takes_the_year_its_paragraph_named(collection):
    from climatekg.graph.quantities import _month_dated

    text = "2021年初，某公司启动改造。截至9月末，完成5条产线改造，累计节约标准煤1.2万吨。"
    q = next(q for q in extract(text) if q.unit == "tce")
    q = _month_dated(text, q)
    assert (q.year, q.as_of) == (2021, "2021-09")
    text = "自2019年以来，某银行持续创新。截至6月末，发放贷款10亿元。"  # a span since then dates nothing
    q = next(q for q in extract(text) if q.unit == "CNY")
    assert _month_dated(text, q).year is None


def test_a_year_opening_a_clause_of_the_first_part_dates_the_parts_after_a_semicolon():
    qs = extract("某公司推进低碳战略，2021年绿电使用量达500万千瓦时；其合作园区已铺设光伏12兆瓦。")
    assert [(q.unit, q.year) for q in qs] == [("kWh", 2021), ("kW", 2021)]


def test_the_size_of_a_thing_it_names_is_undated():
    q = one("2021年3-5月2万平方米办公楼单位面积能耗仅为9.5kWh/㎡。", "m2")
    assert q.year is None
    assert one("2021年推广保护性耕作技术3000亩。", "m2").year == 2021  # an area worked that year


def test_a_rate_of_coal_or_co2_per_kwh_is_a_conversion_factor():
    assert one("折标系数取1.23吨标准煤/万千瓦时。").indicator == "conversion-factor"


def test_a_numeral_word_counts_a_thing_named_right_after_it():
    q = one("建成首三家碳中和工厂。")
    assert (q.value, q.counted_zh, q.counted_en) == (3, "碳中和工厂", "carbon-neutral factories")
    assert not [q for q in extract("从五个方面推动城市交通低碳化，建立三个机制。") if q.unit == "count"]


def test_each_figure_of_a_list_measures_its_own_clause_s_subject():
    # a list of changes: each clause names its own subject, the words of the one before do not reach it
    qs = extract("仓库周转率提升15%，年度物流成本降低12%，巡检人员减少40%，产品破损率降低60%。")
    assert [q.indicator for q in qs] == ["growth-rate", "cost-saving", "reduction-rate", "reduction-rate"]
    # … nor do the words of the clause after it
    assert one("单位产品能耗下降10%，碳排放强度降低20%。").indicator == "energy-saved"
    assert one("每年减少碳排放约2万吨，能耗较传统厂房下降21%。", "%").indicator == "energy-saved"
    # a clause that names only the change (增幅为…) measures what the clause before it names
    assert one("截至2021年末，绿色贷款余额80亿元，增幅为25%。", "%").indicator == "financing"
    assert one("园区每年发电量约50万度，约占园区总用电量的40%。", "%").indicator == "renewable-share"


@pytest.mark.parametrize("text, indicator", [
    ("储能产品出货量每年以35%的速度增长。", "growth-rate"),  # the pace of a change is no part of a whole
    ("集团单位产品碳排放量降低10%。", "carbon-intensity"),  # emissions per unit are an intensity
    ("楼道感应灯每天能省电80度。", "energy-saved"),
])
def test_what_a_change_or_a_rate_measures(text, indicator):
    assert one(text).indicator == indicator


@pytest.mark.parametrize("text, unit, indicator", [
    ("某银行上半年实现净利润12亿元。", "CNY", "profit"),  # a profit is no saving
    ("工厂全年优化运维成本150万元。", "CNY", "cost-saving"),  # 优化 a cost: a cut
    ("我国造纸企业每年废水排放量超过5000万吨。", "t", "water"),  # wastewater is water, not a greenhouse gas
    ("水厂减少碳排放0.8万tCO2e。", "t", "co2-reduction"),
    ("商场在用电高峰时段降低了450度用电。", "kWh", "energy-saved"),  # the energy named after the amount cut
    ("场站配置4台180kW的重卡充电桩。", "kW", "equipment-rating"),  # the power of a device named after it
])
def test_what_an_amount_measures_from_the_nouns_around_it(text, unit, indicator):
    assert one(text, unit).indicator == indicator


def test_indicator_vocabulary_reads_savings_and_wastewater():
    assert classify_measure("降低用电量", "", "kWh") == "energy-saved"
    assert classify_measure("每年废水排放量", "annual wastewater discharge", "t") == "water"


@pytest.mark.parametrize("text, unit, year, baseline, period", [
    # 跟<year>比: a baseline, not the year
    ("单位产品水耗跟2015年比下降了约20%。", "%", None, 2015, "point"),
    # the year of the goal a sentence serves dates none of its figures, nor makes them projections
    ("为实现2060年碳中和的目标，集团联合30家高校成立创新联盟。", "count", None, None, "point"),
    # a fiscal year printed with both years ends in the second
    ("2020/2021财年，公司可再生能源使用比例提升至40%。", "%", 2021, None, "point"),
    # the year in an award's name is not the year of the patents listed after it
    ("公司荣获2020年度市级优秀设计奖，拥有实用新型专利5项。", "count", None, None, "point"),
    # the start of a span is no year; its end dates the running total, not a state named before it
    ("2座水厂2018年-2020年累计节约电费300万元。", "CNY", 2020, None, "cumulative"),
    ("2座水厂2018年-2020年累计节约电费300万元。", "count", None, None, "point"),
    # a past year in the figure's own clause: a result, whatever the clause before it aspires to
    ("公司的愿景是成为行业领先企业，2021年营业收入达50亿元。", "CNY", 2021, None, "annual"),
    ("公司计划扩大产能，2025年产能达到100万吨。", "t", 2025, None, "projected"),
])
def test_the_years_a_figure_refers_to_and_those_it_does_not(text, unit, year, baseline, period):
    q = one(text, unit)
    assert (q.year, q.baseline_year, q.period_kind) == (year, baseline, period)


@pytest.mark.parametrize("text, unit, period", [
    ("改造后风机年平均功率降至30kW。", "kW", "point"),  # a power is a state, whatever year it averages
    ("新车间年节水率超过8%。", "%", "point"),  # a rate measured over a year is still a rate
    ("风电年发电量占工厂年用电量的35%。", "%", "point"),
    ("储能产品出货量每年以35%的速度增长。", "%", "annual"),  # a change each year
    ("贷款余额同比增长20%。", "%", "annual"),  # a change over a year
    ("组件年产能超20GW。", "kW", "annual"),  # a production capacity is an output per year
])
def test_a_state_is_no_yearly_figure(text, unit, period):
    assert one(text, unit).period_kind == period


def test_a_figure_said_again_measures_what_it_measured_first():
    qs = extract("与常规做法相比，温室气体排放减少了25%（25%是根据测算工具的结果计算出来的）。")
    assert [q.indicator for q in qs] == ["co2-reduction", "co2-reduction"]


def test_a_level_reached_by_the_things_counted_is_a_share():
    qs = extract("加入回收计划的商户由上一年的30%提升至50%。")
    assert [q.indicator for q in qs] == ["share", "share"]


@pytest.mark.parametrize("text, counted_zh, counted_en", [
    ("厂区部署能源采集点位800个。", "能源采集点位", "energy metering points"),  # the verb is no part of the thing
    ("公司在华东运营规模牧场12个。", "规模牧场", "large-scale farms"),
    ("新建1500V直流换流站2台。", "1500V直流换流站", "1500 V converter stations"),  # a voltage class in volts
])
def test_the_counted_noun_stops_at_the_verb_before_it(text, counted_zh, counted_en):
    q = one(text, "count")
    assert (q.counted_zh, q.counted_en) == (counted_zh, counted_en)


def test_each_part_listed_after_a_total_is_of_its_time():
    qs = extract("三年累计减碳9万吨，其中一期减少碳排放5万吨，二期减少碳排放4万吨。")
    from climatekg.graph.quantities import CaseFigure, _parts_of_totals

    class Para:
        text = "三年累计减碳9万吨，其中一期减少碳排放5万吨，二期减少碳排放4万吨。"

    figs = _parts_of_totals([CaseFigure("results", 1, Para, q) for q in qs])
    assert [f.quantity.period_kind for f in figs] == ["cumulative", "cumulative", "cumulative"]


# (a half-year or a quarter is a reporting period of its own, which the blind writers label annual: see
# test_a_year_on_year_change_and_a_reporting_period_are_annual; a year to date and a span of months are not)
@pytest.mark.parametrize("text", ["2021年前三季度，集团节约用电1200万度。", "2021年7月-9月草莓产量3万斤。"])
def test_a_total_over_part_of_a_year_is_no_yearly_figure(text):
    q = extract(text)[0]
    assert (q.year, q.period_kind) == (2021, "cumulative")


def test_a_running_total_dated_by_a_year_is_cumulative_where_the_case_says_so(collection):
    # a case that gives one running total twice, once to a reporting date and once after a bare year
    for case in collection.cases:
        figs = case_figures(case)
        totals = {(f.quantity.value, f.quantity.unit) for f in figs if f.quantity.period == "cumulative"}
        for f in figs:
            q = f.quantity
            if q.period == "annual" and (q.value, q.unit) in totals and q.flow:
                s0 = q.sentence[0]
                assert "累计" not in f.paragraph.text[s0:q.start].split("，")[-1], (case.id, q.surface)


@pytest.mark.parametrize("text, value, unit, indicator, counted_zh", [
    ("改造后选用60T冷却塔。", 60, "t", None, None),  # a capital T is a tonne
    ("机房配置一套800RT冷水机组。", 800, "RT", "cooling-capacity", None),  # heat removed, kept as printed
    ("景区设置充电桩等服务设施15余处。", 15, "count", None, "服务设施"),
    ("公益项目已提供约5万顿爱心午餐。", 50000, "count", None, "爱心午餐"),  # 顿 names the thing after it
    ("全年设备巡检次数120+。", 120, "count", "count", "设备巡检次数"),  # the noun holds the measure word
])
def test_units_and_measure_words_of_figures_the_extractor_used_to_miss(text, value, unit, indicator, counted_zh):
    q = one(text, unit)
    assert (q.value, q.counted_zh) == (value, counted_zh)
    assert indicator is None or q.indicator == indicator


def test_a_refrigeration_ton_is_a_unit_with_both_labels():
    assert unit_label("RT", "zh") == "冷吨" and unit_label("RT", "en") == "RT" and dimension("RT") != dimension("kW")


@pytest.mark.parametrize("text", ["近两年，改造帮助车间能耗下降12%。", "通过空调改造，办公楼消减用电量25%。",
                                  "数据中心改造后降低能耗40%。"])
def test_energy_use_cut_by_a_percentage_is_energy_saved(text):
    assert one(text, "%").indicator == "energy-saved"
    assert one("园区能耗强度下降12%。", "%").indicator != "energy-saved"  # an intensity is no amount of energy


def test_a_state_described_after_the_year_of_an_event_is_not_of_that_year():
    from climatekg.graph.quantities import _paragraph_dated

    text = "2020年，公司建成零碳园区。园区实现100%使用绿电。2022年，基地收获的水稻。其甲烷排放减少了20%。"
    share, cut = [q for q in extract(text) if q.unit == "%"]
    assert _paragraph_dated(text, share).year is None  # the share of a site built that year
    assert _paragraph_dated(text, cut).year == 2022  # … but a change the paragraph reports for that year is


def test_a_condition_of_counting_is_no_hypothesis_and_a_forecast_has_no_past_year():
    q = one("若计入外购电力，则占总排放的55%。")
    assert q.period_kind == "point"
    q = one("电站2021年6月并网，装机1.2MW，预计年发电量为120万kWh。", "kWh")
    assert (q.period_kind, q.year) == ("projected", None)  # the year the forecast was made is not its year
    q = one("公司预计2025年光伏装机达到100兆瓦。", "kW")
    assert (q.period_kind, q.year) == ("projected", 2025)


@pytest.mark.parametrize("text, indicator", [
    ("在厂区风电年发电量占全厂用电量的45%的基础上，工厂开展绿证交易。", "renewable-share"),  # 的基础上 is a frame
    ("该省服务业贡献了全国12%的增加值。", "share"),
])
def test_a_percentage_in_a_frame_or_contributed_is_a_part_of_a_whole(text, indicator):
    assert one(text, "%").indicator == indicator


# -- a part of a whole, and the head of a description -------------------------------------------------------


@pytest.mark.parametrize("text", [
    "工业部门碳排放量占全国总量的35%。",  # a part of the emissions is a share of them, not emissions
    "电力行业在能源领域碳排放中的占比约40%。",
    "企业申领专项补贴，针对节能改造投入补贴15%。",  # the part of a cost a subsidy pays, not a saving
    "企业争取补贴节能投入25%。",
])
def test_a_part_of_a_whole_is_a_share_whatever_it_is_a_part_of(text):
    assert one(text, "%").indicator == "share"


def test_the_head_of_a_blind_description_names_a_share():
    """The head of a Chinese description is its last word: …的X比例 names a part of a whole, whatever indicator
    the words of its modifier name — unless the description names a change (已减少比例, 节电比例)."""
    from climatekg.graph.extraction_eval import measure_right

    def right(zh, en, indicator):
        gold = {"measure_zh": zh, "measure_en": en, "base_unit": "%", "counted": None}
        return measure_right(gold, {"unit": "%", "indicator": indicator, "counted_zh": None, "counted_en": None})

    zh, en = "已公布碳排放数据的航线比例", "share of routes with emission data"
    assert right(zh, en, "share") and not right(zh, en, "emissions")
    zh, en = "温室气体排放已减少比例", "achieved reduction of greenhouse gas emissions"
    assert right(zh, en, "co2-reduction") and not right(zh, en, "share")
    assert right("工厂节电比例", "electricity saving", "energy-saved")
    assert right("工厂绿电使用比例", "", "renewable-share")  # a share with an indicator of its own keeps it
    assert right("车间设备省电比例", "electricity saved by equipment", "energy-saved")  # 省电 saves like 节电
    assert not right("车间设备省电比例", "electricity saved by equipment", "share")


def test_a_blind_description_of_a_change_in_percent_accepts_the_change_it_names():
    """X用电量降低比率 is a reduction rate by the scheme's own definition ("relative decrease of some quantity") as
    well as an energy saving; 产量提高 is a growth rate as well as production — never the other direction's."""
    from climatekg.graph.extraction_eval import measure_right

    def right(zh, indicator):
        gold = {"measure_zh": zh, "measure_en": "", "base_unit": "%", "counted": None}
        return measure_right(gold, {"unit": "%", "indicator": indicator, "counted_zh": None, "counted_en": None})

    assert right("工厂用电量较基准年降低比率", "reduction-rate") and right("工厂用电量较基准年降低比率", "energy-saved")
    assert not right("工厂用电量较基准年降低比率", "growth-rate")
    assert right("亩均产量较对照田提高", "growth-rate") and not right("亩均产量较对照田提高", "reduction-rate")
    assert not right("设备能耗先增加后降低的幅度", "reduction-rate")  # both directions: no one change named
    assert not right("已公布碳排放数据的航线比例", "reduction-rate")  # a share names no change
    assert right("运输车队节油比例", "reduction-rate")  # 节油: a cut in the fuel used
    assert right("窑炉改造省煤比例", "reduction-rate") and not right("窑炉改造省煤比例", "growth-rate")

    # … and, the other way round, a description naming the change (降幅, 已减少比例) accepts the indicator the scheme
    # names for that change of the thing that changed (a cut of energy use is energy saved, of emissions a reduction)
    assert right("改造后车间能耗降幅", "energy-saved") and not right("改造后车间能耗降幅", "power-generation")
    assert right("工厂排放量减少比例", "co2-reduction") and not right("工厂排放量减少比例", "growth-rate")
    assert not right("工厂绝对排放量增长比例", "co2-reduction")  # a rise of emissions is no reduction


@pytest.mark.parametrize("text, unit, indicator", [
    ("2022年通过沼气替代化石能源，降低温室气体排放3万吨。", "t", "co2-reduction"),
    ("集团2030年单位碳排放量较2020年降低30%。", "%", "carbon-intensity"),
    ("通过轻量化设计减少包装材料使用120吨。", "t", "waste"),
])
def test_indicator_vocabulary_reads_reductions_intensities_and_materials(text, unit, indicator):
    assert one(text, unit).indicator == indicator
    assert classify_measure("减少的温室气体排放", "", "t") == "co2-reduction"
    assert classify_measure("单位碳排放量降低目标", "", "%") == "carbon-intensity"
    assert classify_measure("减少使用的包装材料", "packaging material avoided", "t") == "waste"
    assert classify_measure("仓储物流成本降幅", "", "%") == "cost-saving"  # a cost cut in percent is a saving
    assert classify_measure("运维费用降低比例", "", "%") == "cost-saving"


def test_a_count_of_projects_is_a_tally_of_activities():
    q = one("截至2023年6月，公司推动超200个零碳项目落地。", "count")
    assert (q.indicator, q.period_kind) == ("activities", "cumulative")


@pytest.mark.parametrize("text, unit", [
    ("公益平台总共发放超过5000份环保礼品。", "count"),  # 总共: a total
    ("低碳频道已经带动3200万人次关注绿色出行。", "count"),  # achieved so far, with no year: a running total
    ("项目已节约标准煤1.2万吨。", "tce"),
    ("公司连续12年入选行业百强。", "a"),  # a streak counts the years so far
    ("无人配送车已经连续安全运营超过800天。", "d"),
    ("平台上线光盘行动，减少厨余浪费约3000吨。", "t"),  # an amount cut with no time named: the total so far
])
def test_a_running_total_to_now_is_cumulative(text, unit):
    assert one(text, unit).period_kind == "cumulative"


@pytest.mark.parametrize("text, unit", [
    ("公司深耕行业20余年。", "a"),  # a span of experience is a state
    ("目前已有近百家供应商签署倡议。", "count"),  # organisations that have joined: a state
    ("平台已在全国200个城市落地。", "count"),
    ("2022年已帮助用户减少碳排放1万吨。", "t"),  # a year bounds it: that year's
    ("新方案较原方案减少投资200万元。", "CNY"),  # a difference between two options, no running total
    ("设备每次维修约2000元，每年约5次，降低维修费用1万元。", "CNY"),
])
def test_a_state_or_a_year_s_figure_is_no_running_total(text, unit):
    assert one(text, unit).period_kind != "cumulative"


def test_a_change_named_before_another_figure_is_that_figure_s():
    # the verb of the first figure's clause does not reach the second, which is a part of a whole
    qs = extract("产品重量比2015年下降了约20%，为了便于回收，包装已实现由80%再生塑料制成。")
    assert [q.indicator for q in qs if q.unit == "%"] == ["reduction-rate", "share"]
    # a rate with an indicator of its own keeps it
    assert extract("园区能耗较改造前下降了12%，厂区照明覆盖率达到90%。")[-1].indicator == "efficiency-rate"


def test_a_total_over_part_of_a_year_and_a_bank_s_ratios():
    # a few months' total is no year's total; a half-year's is a reporting period's, labelled annual as the blind
    # writers who met one do (the period kinds have no half-year)
    assert one("某银行2022年半年度实现净利润80亿元。", "CNY").period_kind == "annual"
    assert one("2021年3-5月，园区光伏发电120万千瓦时。", "kWh").period_kind == "cumulative"
    # a financial ratio named by its label, not a coverage
    assert one("不良贷款率1.2%，拨备覆盖率为230%。").indicator == "financial-ratio"
    assert [q.indicator for q in extract("不良贷款率1.2%，拨备覆盖率为230%。")] == ["financial-ratio"] * 2


def test_a_reporting_date_opening_the_sentence_before_dates_the_ratios_after_it():
    from climatekg.graph.quantities import _paragraph_dated

    text = "截至2022年9月末，某银行资产总额达到2.1万亿元，2022年前三季度实现净利润90亿元。不良贷款率1.5%，资本充足率12.8%。"
    qs = [_paragraph_dated(text, q) for q in extract(text) if q.unit == "%"]
    assert [(q.year, q.as_of, q.period_kind) for q in qs] == [(2022, "2022-09", "point")] * 2
    # … but not when that sentence names another year as well: which one would date the account is unsaid
    text = "截至2022年9月末，某银行资产总额达到2.1万亿元，较2019年增长一倍。不良贷款率1.5%。"
    assert _paragraph_dated(text, one(text, "%")).year is None


def test_the_day_of_an_event_dates_how_long_it_lasted():
    text = "在2021年7月15日的用电高峰期间，园区在2小时内降低了300度用电，配套储能容量500kW。"
    assert one(text, "h").year == 2021
    assert one(text, "kW").year is None  # a state described in the same sentence is not of that day


def test_the_standing_of_an_organisation_a_plan_concerns_is_no_part_of_the_plan():
    assert one("公司拟收购一家德国充电运营商，德国市占率15%。", "%").period_kind == "point"
    assert one("公司拟建设光伏电站，装机容量20MW。", "kW").period_kind == "projected"  # what is planned stays so
    assert one("公司计划到2030年市场占有率达到30%。", "%").period_kind == "projected"


def test_a_ratio_named_right_after_the_figure_is_what_it_is():
    qs = extract("园区通过购买绿证，实现80%的绿电消纳比例和40%的碳配额履约比例。")
    assert [q.indicator for q in qs] == ["renewable-share", "share"]


def test_an_amount_restated_without_its_period_takes_the_period_it_was_given():
    from climatekg.graph.quantities import CaseFigure, _restated

    # a result given as a year's total, then repeated in a summary without the year: still a yearly amount
    texts = ["2022年，工厂利用沼气发电1200万度。", "专家认为，该厂利用沼气发电1200万度，成效显著。", "项目发电300万度。"]
    figs = [CaseFigure("results", i, None, q) for i, t in enumerate(texts) for q in extract(t)]
    out = [f.quantity for f in _restated(figs)]
    assert [(q.period_kind, q.year) for q in out] == [("annual", 2022), ("annual", None), ("point", None)]


def test_an_area_reached_by_a_date_is_its_extent():
    assert one("截至2021年，公司共建设灌溉管道300公里，灌溉面积达到5万亩。", "m2").period_kind == "point"
    assert one("截至2021年，公司累计推广保护性耕作5万亩。", "m2").period_kind == "cumulative"


@pytest.mark.parametrize("text, unit", [
    ("该集团在国内的年产能逾 300 万吨，员工约 8000 人。", "t"),  # a capacity named before its figure
    ("公司拥有年产值 20 亿元的生产能力，集研发、制造于一体。", "CNY"),  # … and after it, in money
    ("基地年饲料加工能力超过 500 万吨。", "t"),
])
def test_a_capacity_to_produce_is_production_at_a_point(text, unit):
    q = one(text, unit)
    assert (q.indicator, q.period, q.flow) == ("production", "point", False)


def test_output_value_without_a_capacity_stays_a_yearly_amount():
    q = one("公司年产值超过 30 亿元。", "CNY")
    assert q.indicator != "production" and q.period == "annual"


@pytest.mark.parametrize("zh, en, unit, indicator", [
    ("门店全年优化的人力成本", "", "CNY", "cost-saving"),  # 优化成本 cuts a cost
    ("采用新材料带来的运输费用减少比例", "", "%", "cost-saving"),
    ("照明设施全年消减用电比例", "", "%", "energy-saved"),
    ("", "carbon emissions reduced by the terminal each year", "t", "co2-reduction"),
    ("屋顶光伏板单位面积重量", "weight per m2 of rooftop panels", None, "weight"),
    ("储能项目投资回收期", "payback period of the storage project", "a", "duration"),
    ("参与电网调峰获得的补贴", "subsidy earned from peak shaving", "CNY", "cost-saving"),
    ("电锅炉方案较燃煤方案减少投资", "", "CNY", "cost-saving"),
    ("生物质锅炉全年产热量", "heat produced by the biomass boiler", "t", "production"),
    ("售电公司全年结算电量", "electricity settled for the year", "kWh", "green-power"),
])
def test_indicator_vocabulary_reads_savings_cuts_and_loads(zh, en, unit, indicator):
    assert classify_measure(zh, en, unit) == indicator


def test_a_load_per_area_is_a_weight():
    q = one("部分厂房屋顶承重有限，常规光伏组件连同支架的重量约为 20 千克/平方米。")
    assert (q.unit, q.indicator) == ("kg/m2", "weight")


def test_renewable_and_market_shares_are_shares_of_a_total():
    inds = indicators()
    assert inds["renewable-share"].broader == inds["market-share"].broader == "share"
    assert inds["share"].broader is None


def _figures_of(*parts):
    """case_figures over a case made of the given (part key, paragraph text) pairs, one source line each."""
    from types import SimpleNamespace

    from climatekg.corpus.model import Paragraph

    paras = [(SimpleNamespace(key=key, paragraphs=[]), Paragraph(text, ((0, n),))) for n, (key, text) in enumerate(parts, 1)]
    for part, para in paras:
        part.paragraphs.append(para)
    return [f.quantity for f in case_figures(SimpleNamespace(paragraphs=lambda: paras))]


def test_an_amount_cut_with_no_time_takes_the_time_the_case_states_for_it_elsewhere():
    figs = _figures_of(("results", "平台推出小份餐后，一年内减少食物浪费约 3 万吨。"),
                       ("implementation", "上线小份餐专区，减少食物浪费约 3 万吨。"))
    assert [q.period_kind for q in figs] == ["annual", "annual"]
    # alone, an amount cut with no time is a running total; one the text calls so (累计) keeps it whatever else
    assert _figures_of(("implementation", "上线小份餐专区，减少食物浪费约 3 万吨。"))[0].period_kind == "cumulative"
    figs = _figures_of(("results", "一年内减少食物浪费约 3 万吨。"), ("overview", "累计减少食物浪费约 3 万吨。"))
    assert figs[1].period_kind == "cumulative"


def test_a_survey_of_a_year_dates_every_count_its_sentence_reports():
    figs = extract("据协会2022年开展的调查统计，已有超40家会员制定了减排目标；65家会员已开始实施节能改造。")
    assert [q.year for q in figs] == [2022, 2022]
    # a report published in a year is no survey of that year's counts
    figs = extract("据协会2022年发布的报告，已有超40家会员制定了减排目标；65家会员已开始实施节能改造。")
    assert figs[1].year is None


def test_the_month_of_an_event_does_not_date_the_state_reached_since():
    q = one("2021年9月，平台上线低碳频道，推出三大场景，已覆盖超5万个低碳商品。", "count")
    assert (q.year, q.period_kind) == (None, "point")
    q = one("2021年9月，平台上线低碳频道，覆盖超5万个低碳商品。", "count")
    assert q.year == 2021  # without 已 the sentence says what the launch covered


def test_a_date_after_a_topic_clause_dates_the_amounts_the_paragraph_goes_on_to_give():
    figs = _figures_of(("expert", "该集团坚持绿色发展战略，2022年绿电使用量达1200万千瓦时。工厂利用沼气发电300万度；"
                                  "部分厂房改用轻质组件，重量下降了约70%。"))
    assert [(q.value, q.year) for q in figs] == [(1.2e7, 2022), (3e6, 2022), (70, None)]  # a product's state: none
    # a first clause that gives a figure of its own is no topic: its date stays in its sentence
    figs = _figures_of(("expert", "该集团有5家工厂，2022年绿电使用量达1200万千瓦时。工厂利用沼气发电300万度。"))
    assert figs[-1].year is None


@pytest.mark.parametrize("text, indicator", [
    ("采用新型支架，有效增加了厂房屋顶20%的光伏安装容量。", "growth-rate"),  # raised by 20 %, not a share of it
    ("该方案可降低商业建筑30%的能耗强度。", "reduction-rate"),
    ("90%的门店已完成节能改造。", "share"),  # no verb before it: a part of the whole
])
def test_a_percentage_a_verb_raises_or_cuts_is_a_change_not_a_share(text, indicator):
    assert one(text, "%").indicator == indicator


def test_a_figure_of_the_year_before_the_sentences_has_that_year():
    first, second = [q for q in extract("2022年，签约供应商的比例由上一年度的30%提升至42%。") if q.unit == "%"]
    assert (first.year, second.year) == (2021, 2022)
    assert [q.year for q in extract("截至2022年底，绿色贷款余额120亿元，去年同期为90亿元。")] == [2022, 2021]


@pytest.mark.parametrize("text", ["平台活动吸引 3200 万人次关注绿色出行。", "展厅开放以来接待超过 5 万人次参观。"])
def test_person_times_drawn_are_a_running_tally(text):
    q = one(text, "count")
    assert (q.year, q.period_kind) == (None, "cumulative")


@pytest.mark.parametrize("text", ["截至2022年底，项目累计上网电量达12亿度，全年结算电量达5亿度。",
                                  "截至2023年6月，累计售电规模3亿千瓦时。"])
def test_electricity_sold_or_settled_is_traded_power_not_generation(text):
    assert [q for q in extract(text) if q.value in (5e8, 3e8)][0].indicator == "green-power"


@pytest.mark.parametrize("text, unit, indicator", [
    # electricity burnt in place of fuel is neither generated nor saved
    ("园区推行以电代煤，每年完成电能替代1200万千瓦时。", "kWh", "electricity-substitution"),
    ("项目投运后年替代电量约800万千瓦时。", "kWh", "electricity-substitution"),
    # one device sized in tonnes is no amount of water, waste or product
    ("锅炉房新增一台20吨燃气锅炉。", "t", "equipment-rating"),
    ("改造后选用150T冷却塔，风机功率约为4KW。", "t", "equipment-rating"),
    # the span a device can be run over
    ("水泵经变频改造后运行范围为20-90%。", "%", "operating-range"),
    # a gas a process uses that is no fuel
    ("制氮机组每月氮气用量约5000立方米。", "m3", "process-gas"),
    # money per one of something, not per a period
    ("滤芯每套约800元，全年更换12套。", "CNY", "unit-cost"),
])
def test_indicators_for_substituted_power_rated_devices_ranges_and_unit_prices(text, unit, indicator):
    assert one(text, unit).indicator == indicator


def test_a_bare_wan_takes_the_unit_its_sentence_gives_its_kind():
    """A bare 万 that counts nothing is money when another bare amount of its sentence is money by its own words
    (and the energy it names makes it an energy cost); a bare 万 before or after what it counts stays a count."""
    q = one("单个仓库年用能120万，改造后可节省费用12万左右。", "CNY")
    assert (q.value, q.indicator) == (1.2e6, "energy-cost")
    q = one("平台注册用户50万，累计节省费用20万。")
    assert (q.unit, q.indicator) == ("count", "users")
    assert not [q for q in extract("年能耗120万，覆盖门店30家。") if q.unit == "CNY"]


def test_new_indicators_are_known_to_every_layer_by_their_labels():
    """Added to ontology/indicators.ttl with their labels, they read descriptions and questions without code."""
    assert classify_measure("每年电能替代量", "", "kWh") == "electricity-substitution"
    assert classify_measure("", "electricity substitution", "kWh") == "electricity-substitution"
    assert classify_measure("机组调节范围", "", "%") == "operating-range"
    assert classify_measure("锅炉额定吨位", "", "t") == "equipment-rating"
    assert classify_measure("发电量", "", "kWh") == "power-generation"  # generation stays generation
    assert {"kW", "t"} <= set(indicators()["equipment-rating"].units)


def test_a_count_named_with_its_kind_word_says_what_it_counts_in_english():
    """<thing>次数, <thing>人数: the thing is what is counted, the kind word only says it is a number."""
    assert counted_en("农机作业次数", "次") == "farm machinery operations"
    assert counted_en("电力需求响应次数", "次") == "power demand-response events"
    q = one("截至年底，累计需求响应次数120+。", "count")
    assert measure_label(q.indicator, (q.counted_zh, q.counted_en), "en") == "number of demand-response events"


def test_organisations_counted_by_name_are_organisations_engaged():
    """N家 of a thing no indicator names (a brand, a trade) counts organisations, not a bare Count."""
    q = one("项目带动了同行（甲品牌6家，乙品牌3家）共同参与。", "count")
    assert q.indicator == "organisations-engaged"


@pytest.mark.parametrize("text, indicator, zh, en", [
    # a change: the subject before its verb, past a comparison (较…, 与…相比) and 同比/平均
    ("改造后车间人员较改造前减少12%。", "reduction-rate", "车间人员降幅", "reduction in staff"),
    ("与上一季相比，示范田亩均产量提高了6%。", "growth-rate", "示范田亩均产量增幅", "growth in yield per mu"),
    ("平台活跃用户数同比增长约15%。", "growth-rate", "平台活跃用户数增幅", "growth in users"),
    ("订单量以120%的速度增长。", "growth-rate", "订单量增幅", "Growth rate"),  # no English for 订单量: the indicator
    # a share: the thing after N%的, or the subject of 占比
    ("目前65%的供应商已设定减排目标。", "share", "供应商占比", "share of suppliers"),
    ("员工新能源车占比达20%。", "share", "员工新能源车占比", "share of employee new-energy vehicles"),
])
def test_a_share_or_change_says_what_it_is_of(text, indicator, zh, en):
    q = one(text, "%")
    assert q.indicator == indicator
    assert measure_label(q.indicator, None, "zh", (q.of_zh, q.of_en)) == zh
    assert measure_label(q.indicator, None, "en", (q.of_zh, q.of_en)) == en


def test_a_change_with_no_subject_of_its_own_keeps_the_indicator_label():
    q = one("公司全年减排量同比提升9%。", "%")  # 同比提升: the subject is the clause's (减排量), not a comparison
    assert q.indicator == "growth-rate"
    q = one("较上年提升9%。", "%")
    assert (q.of_zh, measure_label(q.indicator, None, "en", (q.of_zh, q.of_en))) == (None, "Growth rate")


# -- session 9: conventions the blind writers share (measured on figures7-dev, validated on figures8-dev) -----------


@pytest.mark.parametrize("text, unit, year, baseline, period", [
    # a change against the year before its own year is year-on-year: annual, like 同比 (three writers of four)
    ("2021年，园区回收废纸1200吨，较2020年提高35%。", "%", 2021, 2020, "annual"),
    # … a change against an older year is not (较2019年下降8%: a point comparison)
    ("2021年，园区用水量较2018年下降12%。", "%", 2021, 2018, "point"),
    # a total over a reporting period of the year (a half-year, a quarter) is a periodic total: annual
    ("2022年上半年，该公司实现营业收入8.5亿元。", "CNY", 2022, None, "annual"),
    ("2021年第三季度，工厂光伏发电120万千瓦时。", "kWh", 2021, None, "annual"),
    # … a span of months is not (a total over part of a year, no year's total)
    ("2021年3-5月，工厂光伏发电120万千瓦时。", "kWh", 2021, None, "cumulative"),
])
def test_a_year_on_year_change_and_a_reporting_period_are_annual(text, unit, year, baseline, period):
    q = one(text, unit)
    assert (q.year, q.baseline_year, q.period_kind) == (year, baseline, period)


def test_a_fiscal_year_with_both_years_written_out_opens_a_sentence():
    # a fiscal year printed YYYY/YYYY in a clause of the first part dates the parts after the semicolon too
    qs = extract("公司持续推进门店改造，2020/2021财年，60%的门店完成节能改造；35%的门店安装了光伏。")
    assert [(q.value, q.year) for q in qs if q.unit == "%"] == [(60, 2021), (35, 2021)]


@pytest.mark.parametrize("text, value, unit, indicator", [
    # grams of CO₂ per passenger-km: an emission factor where the words name one, else an intensity
    ("核算时市内公交取60g CO2/p.km的排放因子。", 60, "g/pkm", "conversion-factor"),
    ("改用电动叉车后，每吨货物搬运的碳排放强度为800g CO2。", 800, "g", "carbon-intensity"),
    ("换用新燃料后降至约300g CO2。", 300, "g", "carbon-intensity"),  # a level reached, not a reduction
    ("每千瓦时电力排放500克二氧化碳。", 500, "g", "carbon-intensity"),
])
def test_grams_of_co2_are_an_intensity_kept_in_grams(text, value, unit, indicator):
    q = one(text)
    assert (q.value, q.unit, q.indicator) == (value, unit, indicator)


def test_blind_units_one_quantity_however_spelled():
    """The writers write a mass of CO₂ with the gas (gCO2/p.km), passenger-km as p.km or pkm, and have no kilogram
    among their base units (60kg is 0.06 t): each compares as one quantity with the graph's symbol."""
    from climatekg.graph.extraction_eval import _quantity

    assert _quantity(35, "other:gCO2/p.km") == _quantity(35, "other:gCO2/pkm") == _quantity(35, "g/pkm")
    assert _quantity(60, "kg") == pytest.approx(_quantity(0.06, "t"))
    assert _quantity(2, "tCO2e") == _quantity(2, "t")
    assert _quantity(1, "other:kg/m2")[1] == "kg/m2"  # a rate keeps its own unit


# floors for the eighth blind set's development half, this round's validation half no rule was written against: its
# aggregate only, never its misses (measured: climatekg extraction --blind dev8)
BLIND8_FLOORS = {"value": 0.96, "unit": 0.96, "measure": 0.92, "year": 0.96, "period": 0.88}


def test_blind_figures_eighth_development_half(collection):
    assert_blind_floors(collection, "figures8-dev.jsonl", 100, BLIND8_FLOORS)
