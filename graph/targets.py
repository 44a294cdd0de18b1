"""Stated targets: what an organisation commits to reach by a year.

A target is a clause that names a future year (after the collection's reporting year; a fiscal year such
as 2049/50 counts as its end year, 2050) together with a commitment word (目标, 承诺, 力争, 争取, 计划,
规划, 预计, 将, 到/至…年) — progress reports (截至2021/22财年…) and years inside titles (《…2030年…议程》)
are not targets. Each target gets its kind (net zero, carbon neutrality, carbon peak, emission
reduction, carbon intensity, renewable share, energy intensity, capacity), its scope (scope 1/2/3,
value chain, operations, group, supply chain), its baseline year and its percentage where stated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from climatekg.corpus.model import Case
from .clauses import clauses, sentence_bounds
from .orgfacts import Span, segments

REPORTING_YEAR = 2023  # the collection's edition: later years are in the future for its text

# a year with 年 (财年, 年度), or one written straight before the target it names (2030科学碳目标)
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*[/／]\s*(\d{2,4}))?\s*(?:财年|年度|年|(?=[\u4e00-\u9fff]{0,4}目标))")
# a horizon counted from the reporting year: 未来三年, 今后5年, 三年内
HORIZON = re.compile(r"(?:未来|今后|接下来的?)\s*([一二两三四五六七八九十]|\d{1,2})\s*年|([一二两三四五六七八九十]|\d{1,2})\s*年内")
CN_NUMBER = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
COMMIT = re.compile(r"(目标|承诺|力争|争取|计划|规划|预计|将|到|至|前|之前|以前|实现|达到|达成|减少|降低|提升|提高)")
PROGRESS = re.compile(r"(截至|截止|已|进度|累计|以来|自.{0,6}起)")
KINDS = (  # (kind, pattern) — the first that matches the clause, in this order
    ("net-zero", re.compile(r"净零")),
    ("carbon-neutrality", re.compile(r"碳中和")),
    ("carbon-peak", re.compile(r"碳达峰|达峰")),
    ("carbon-intensity", re.compile(r"碳强度|单位碳排放|排放强度")),
    # a science-based target (科学碳目标, SBTi) is an emission-reduction target by definition
    ("emission-reduction", re.compile(r"减碳|减排|科学碳目标|(排放|温室气体).{0,24}(减少|降低|下降)|(减少|降低|下降).{0,12}排放")),
    ("renewable-share", re.compile(r"(可再生|绿电|绿色电力|清洁能源|非化石).{0,10}(占比|比例|比重|使用率|%)")),
    ("renewable-energy", re.compile(r"绿电|绿色电力|沼气|生物质|可再生能源|清洁能源|清洁电力")),
    ("energy-intensity", re.compile(r"能耗|能源强度|能效")),
    ("capacity", re.compile(r"装机|产能|规模")),
)
SCOPES = (
    ("value chain", re.compile(r"全价值链|价值链")),
    ("supply chain", re.compile(r"供应链")),
    ("operations", re.compile(r"运营|自身")),
    ("group", re.compile(r"集团")),
    ("factories", re.compile(r"工厂")),
    ("farms", re.compile(r"牧场|农场|养殖场")),
    ("stores", re.compile(r"门店")),
)
SCOPE_NUMBERS = re.compile(r"范围\s*([1-3一二三])(?:\s*[、,，和及与+]\s*(?:范围)?\s*([1-3一二三]))?(?:\s*[、,，和及与+]\s*(?:范围)?\s*([1-3一二三]))?")
BASELINE = re.compile(r"(?:较|相比|相较于?|比|从|以)\s*((?:19|20)\d{2})(?:\s*[/／]\s*(\d{2,4}))?\s*(?:财年|年度|年)?\s*(?:基线|基准|水平|为基准)?")
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
CN_DIGIT = {"一": "1", "二": "2", "三": "3"}
KIND_LABELS = {  # kind → (zh, en)
    "net-zero": ("净零排放", "net zero"),
    "carbon-neutrality": ("碳中和", "carbon neutrality"),
    "carbon-peak": ("碳达峰", "carbon peak"),
    "emission-reduction": ("减排", "emission reduction"),
    "carbon-intensity": ("碳强度下降", "carbon intensity reduction"),
    "renewable-share": ("可再生能源占比", "renewable energy share"),
    "renewable-energy": ("可再生能源利用", "renewable energy use"),
    "energy-intensity": ("能耗下降", "energy intensity reduction"),
    "capacity": ("装机或产能", "capacity"),
    "other": ("其他目标", "other target"),
}


@dataclass
class Target:
    kind: str
    year: int
    year_text: str  # as written: "2049/50财年"
    scope: str | None
    baseline_year: int | None
    percentage: float | None
    span: Span


def fiscal_end(first: str, second: str | None) -> int:
    """'2049', '50' → 2050; '2021', '22' → 2022; '2022', '2023' → 2023; no second part → the year itself."""
    y = int(first)
    if not second:
        return y
    if len(second) == 4:
        return int(second)
    end = int(first[:2] + second)
    return end if end >= y else end + 100


def _titles(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"《[^》]*》", text)]


def _scope(text: str) -> str | None:
    m = SCOPE_NUMBERS.search(text)
    if m:
        nums = sorted({CN_DIGIT.get(g, g) for g in m.groups() if g})
        return "scope " + (" and ".join([", ".join(nums[:-1]), nums[-1]]) if len(nums) > 1 else nums[0])
    for name, pat in SCOPES:
        if pat.search(text):
            return name
    return None


def extract_targets(case: Case) -> list[Target]:
    out: list[Target] = []
    for seg in segments(case):
        text = seg.text
        titles = _titles(text)
        sentence_start = 0
        for a, b in clauses(text):
            if a == 0 or text[a - 1] in "。！？!?\n；;":
                sentence_start = a
            clause = text[a:b]
            hm = HORIZON.search(clause)
            if hm and not YEAR.search(clause):
                n = hm.group(1) or hm.group(2)
                year = REPORTING_YEAR + (int(n) if n.isdigit() else CN_NUMBER[n])
                kind = next((k for k, pat in KINDS if pat.search(clause)), None)
                if kind and re.search(r"(达|增加|提升|提高|突破|减少|降低|实现)", clause[hm.end():]):
                    pm = PERCENT.search(clause)
                    out.append(Target(kind, year, hm.group(0), _scope(clause), None,
                                      float(pm.group(1)) if pm else None, seg.span(a, b)))
                continue
            for ym in YEAR.finditer(clause):
                pos = a + ym.start()
                if any(t0 <= pos < t1 for t0, t1 in titles):
                    continue
                year = fiscal_end(ym.group(1), ym.group(2))
                if year <= REPORTING_YEAR:
                    continue
                if BASELINE.match(clause[max(0, ym.start() - 3):ym.end() + 4].lstrip()) and \
                        re.search(r"(较|相比|比|从|以)\s*$", clause[: ym.start()]):
                    continue  # the baseline, not the target year
                lead = text[sentence_start:a + ym.start()]
                rest = clause[ym.start():]
                if PROGRESS.search(clause[: ym.start()]) and not re.search(r"(目标|承诺)", clause):
                    continue
                if not (COMMIT.search(clause) or COMMIT.search(lead[-20:])):
                    continue
                # what is targeted: this clause, or the sentence when the clause is only the year
                body = clause if len(re.sub(r"[\d\s/年财度到至在前之以]", "", clause)) >= 4 else text[a:sentence_bounds(text, b)[1]]
                # the aim named after the year first ("净零转型始于…设定2030科学碳目标": the target is the latter)
                kind = next((k for k, pat in KINDS if pat.search(rest)), None) or \
                    next((k for k, pat in KINDS if pat.search(body)), None)
                if kind is None:
                    continue  # a year with no measurable aim ("2024年将完成…") is a plan, not a target
                scope = _scope(body) or _scope(text[sentence_start:a])
                bm = BASELINE.search(body) or BASELINE.search(text[sentence_start:b])
                baseline = fiscal_end(bm.group(1), bm.group(2)) if bm and fiscal_end(bm.group(1), bm.group(2)) < year else None
                pm = PERCENT.search(rest) or PERCENT.search(body)
                pct = float(pm.group(1)) if pm and kind not in ("net-zero", "carbon-neutrality", "carbon-peak") else None
                out.append(Target(kind, year, ym.group(0).replace(" ", ""), scope, baseline, pct, seg.span(a, b)))
                # the sentence goes on to an end state of the same year ("…减少90%，并…保持净零"): a target of its own
                end = sentence_bounds(text, b)[1]
                tail = text[b:end]
                if not YEAR.search(tail):
                    more = next((k for k in ("net-zero", "carbon-neutrality") if k != kind and
                                 dict(KINDS)[k].search(tail)), None)
                    if more:
                        out.append(Target(more, year, ym.group(0).replace(" ", ""), scope, baseline, None,
                                          seg.span(a, end)))
                break  # one target per clause
    # one target per (kind, year, figure): a repeated statement fills in what the first one left out
    uniq: dict[tuple, Target] = {}
    for t in out:
        key = (t.kind, t.year, _figure(t))
        old = uniq.get(key)
        if old is None:
            uniq[key] = t
        else:
            old.scope = old.scope or t.scope
            old.baseline_year = old.baseline_year or t.baseline_year
            old.percentage = old.percentage if old.percentage is not None else t.percentage
    return list(uniq.values())


def _figure(t: Target) -> str | None:
    """The first number of the target's clause other than years and percentages (its amount), if any."""
    text = re.sub(r"\s", "", t.span.para.text[t.span.start:t.span.end])
    text = YEAR.sub("", PERCENT.sub("", text))
    m = re.search(r"\d+(?:\.\d+)?", text)
    return m.group(0) if m else None

