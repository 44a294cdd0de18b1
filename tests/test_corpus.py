"""The parse of the real source text: 26 cases, seven parts each, artifacts gone, lines traceable."""

import re

import pytest

from climatekg.corpus.model import PART_KEYS


def test_twenty_six_cases_in_order_with_all_parts(collection):
    assert [c.id for c in collection.cases] == [f"case-{n:02d}" for n in range(1, 27)]
    for case in collection.cases:
        assert list(case.parts) == list(PART_KEYS), case.id
        for key, part in case.parts.items():
            assert part.paragraphs, (case.id, key)


@pytest.mark.parametrize(
    "case_id, title, company, first_line",
    [
        ("case-01", "引领消费品行业绿色转型——达能中国饮料实现所有工厂碳中和", "达能(中国)食品饮料有限公司", 26),
        ("case-02", "饿了么“绿碳宝贝•e点碳”推动消费端碳减排", "饿了么（阿里巴巴本地生活集团）", 378),
        ("case-15", "北京银行：打造碳金融创新示范", "北京银行股份有限公司", 3895),
        ("case-22", "能链智电（NASDAQ：NAAS）：互联互通充电网络，助力绿色低碳出行", "浙江安吉智电控股有限公司（简称：能链智电）", 5652),
        ("case-26", "粪污资源化利用项目", "现代牧业（集团）有限公司", 6635),
    ],
)
def test_titles_and_companies(collection, case_id, title, company, first_line):
    case = collection.case(case_id)
    assert case.title == title
    assert case.company == company
    assert case.start_line == first_line


def test_foreword_and_closing_note_belong_to_no_case(collection):
    assert "本年度案例集共收录26个企业创新减排的项目" in "".join(p.text for p in collection.foreword)
    assert collection.closing[0].text.startswith("中国企业气候行动（CCCA）")
    assert collection.cases[0].start_line > collection.foreword[-1].end_line
    assert collection.cases[-1].end_line < collection.closing[0].start_line
    assert "CCCA）是由万科公益基金会" not in collection.cases[-1].parts["expert"].text


def test_page_headers_and_margin_labels_removed(collection):
    assert collection.removed["page_header"] == [3168, 5229, 5778]
    assert [(lab.number, lab.name, lab.line) for lab in collection.section_labels] == [
        (2, "绿色制造", 3170), (4, "能源转型", 5231), (5, "绿色交通", 5780)]
    for case in collection.cases:
        for _, para in case.paragraphs():
            assert "中国企业气候行动24" not in para.text.replace(" ", "")
            assert not re.fullmatch(r"[绿色制造能源转型交通\d]", para.text)
    # the label sat inside case-12's text: the sentence around it is joined again
    assert any(p.text.startswith("4.绿色服务：将联想ESG实践经验输出为ESG解决方案") for _, p in collection.case("case-12").paragraphs())


def test_spaced_out_characters_and_split_numbers_are_rejoined(collection):
    profile = collection.case("case-01").parts["profile"].text
    assert "达能中国饮料业务深耕中国市场逾二十年" in profile
    impl = collection.case("case-01").parts["implementation"].text
    assert "总装机容量达到13.26 MWp" in impl
    assert "11,400兆瓦时" in impl
    assert "投入费用：3500万" in collection.case("case-03").parts["impact"].text.replace(" ", "")


def test_meaningful_one_character_headings_stay(collection):
    texts = [p.text for _, p in collection.case("case-23").paragraphs()]
    for head in ("1.源", "2.网", "3.荷", "4.控"):
        assert head in texts


def test_repeated_heading_dropped(collection):
    assert collection.removed["repeated_heading"] == [2668]
    assert collection.case("case-10").parts["implementation"].heading_line == 2644


def test_every_paragraph_cites_its_source_lines(collection, settings):
    lines = settings.source.read_text(encoding="utf-8").split("\n")
    checked = 0
    for case in collection.cases:
        for _, para in case.paragraphs():
            assert case.start_line <= para.start_line <= para.end_line <= case.end_line
            # every run of characters is really on the line it cites
            for off, line in para.breaks[:3]:
                ch = para.text[off]
                if not ch.isspace():
                    assert ch in lines[line - 1], (case.id, line, ch)
                    checked += 1
    assert checked > 1000
