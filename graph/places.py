"""Project sites versus places a case merely mentions.

Every administrative division the gazetteer finds in a case's text is one mention; each mention gets a
role from its clause (the text between two of ，；。：): where a plant, base, park, station or project is
built, located or put into operation it is a **site**; inside an organisation's name, at an event, as a
headquarters or listing place, in the name of a designation or a government programme, or as a market it
is a **mention** with that role. A place is a project site of the case when one of its mentions has the
site role; otherwise it is a mentioned place. Places of the organisation profile and the expert review
count as sites only on an explicit location verb (位于, 坐落于 …): those parts describe the company, not
the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from climatekg.corpus.model import PART_KEYS, Case, Paragraph
from .clauses import CLAUSE_END, clause_bounds, sentence_bounds
from .gazetteer import Division, Gazetteer
from .orgfacts import Segment, segments

PLACE_CLAUSE_END = CLAUSE_END + "：:"
# a location verb right before the place (allowing a province/city prefix in between)
LOCATED = re.compile(r"(位于|坐落于|坐落在|地处|落户|落地|扎根|建于|建在|选址|入驻)$")
AT = re.compile(r"(在|于|赴)$")
# what follows the place (up to the end of the clause) names a facility or project of the case
FACILITY = re.compile(
    r"^[^，,；;。]{0,14}?(工厂|厂区|基地|园区|产业园|科技园|工业园|电站|电厂|热电厂|风电场|光伏|项目|社区|牧场|农场|"
    r"门店|仓库|物流园|港区|码头|工地|矿区|车间|生产线|数据中心|示范区|试点区|片区|校区|小镇|新城|副中心)")
BUILD = re.compile(r"(建设|建成|新建|投产|投运|并网|开工|竣工|落成|运营|实施|推广|改造|上线|启用|部署|铺设|打造)")
ORG_SUFFIX = re.compile(
    r"^[\u4e00-\u9fffA-Za-z0-9（）()·]{0,16}?(股份有限公司|有限责任公司|有限公司|公司|集团|银行|分行|支行|大学|学院|"
    r"研究院|研究所|研究中心|交易所|协会|联合会|商会|人民政府|政府|委员会|发改委|经信厅|住建厅|工信厅|工信局|厅|局)")
EVENT = re.compile(r"^[^，,；;。]{0,10}?(亚运会|运动会|奥运会|博览会|大会|论坛|峰会|展会|展览|会议|生活季|活动周|比赛|大赛|地震|灾害|洪水)")
HISTORY = re.compile(r"(始建于|创建于|创立于|成立于|注册于|诞生于|前身|原址|搬迁前)$")
JOINED = re.compile(r"(参加|参与|加入|对接|入选|签约)")
RECOGNITION = re.compile(r"^[^，,；;。]{0,16}?(示范|试点|标杆|称号|典型案例|重点项目|样板|荣誉|奖|全连接工厂|绿色工厂|专精特新|单项冠军|科技型企业|优质)")
PROGRAMME = re.compile(r"^[^，,；;。]{0,8}?(碳普惠|碳排放权|碳市场|生态环境|地方政府|政府)")
MARKET = re.compile(r"(市场|销往|出口|消费者|用户|覆盖)")
HQ = re.compile(r"总部")
LISTING = re.compile(r"上市|证券|股份代号|交易所")

PROFILE_PARTS = ("profile", "expert")


@dataclass(frozen=True)
class PlaceMention:
    division: Division
    role: str  # site | organisation | event | headquarters | listing | recognition | programme | market | other
    part_key: str
    para_no: int  # 1-based position of the paragraph in the case
    para: Paragraph
    start: int
    end: int
    chain: bool = False  # right after another place name (山东省济南…)


def _clause(text: str, start: int, end: int) -> tuple[str, str]:
    """The text of the clause before and after the span [start, end) (a colon ends a clause here)."""
    a, b = clause_bounds(text, start, PLACE_CLAUSE_END)[0], clause_bounds(text, end, PLACE_CLAUSE_END)[1]
    return text[a:start], text[end:b]


def _sentence(text: str, start: int) -> str:
    a, b = sentence_bounds(text, start)
    return text[a:b]


def classify(text: str, start: int, end: int, part_key: str, places_before: str = "") -> str:
    """The role of the place name text[start:end] in its clause."""
    before, after = _clause(text, start, end)
    after = after.lstrip()
    sentence = _sentence(text, start)
    # strip other place names chained right before this one (山东省济南经济开发区 → 位于 …)
    lead = before.rstrip()
    if places_before and lead.endswith(places_before):
        lead = lead[: -len(places_before)]
    lead = lead[:-2] if lead.endswith("中国") else lead  # 位于中国内蒙古…
    if HQ.search(lead[-8:]) or HQ.search(after[:4]):
        # the headquarters itself retrofitted or built is a site (对位于上海的总部进行节能改造)
        return "site" if part_key not in PROFILE_PARTS and BUILD.search(sentence) else "headquarters"
    if LISTING.search(after[:8]) or ("上市" in sentence and re.search(r"在(中国)?$", lead)):
        return "listing"
    if HISTORY.search(lead):
        return "history"
    located = bool(LOCATED.search(lead))
    facility = bool(FACILITY.match(after))
    if EVENT.match(after):
        return "event"
    if RECOGNITION.match(after) and not located:
        return "recognition"
    org = ORG_SUFFIX.match(after)
    if org and not (facility and FACILITY.match(after).end() <= org.start(1)):
        return "organisation"
    if PROGRAMME.match(after) or (JOINED.search(before) and not located):
        return "programme"
    if part_key in PROFILE_PARTS:
        return "site" if located else "other"
    if located or facility:
        return "site"
    if AT.search(lead) and BUILD.search(sentence):
        return "site"
    if MARKET.search(after[:10]):
        return "market"
    return "other"


def title_segment(case: Case) -> Segment:
    """The case's title as a segment of its own (part key "title", paragraph number 0): 宁晋空压机改造项目
    names its site nowhere else."""
    seg = Segment("title")
    seg.append(0, Paragraph(case.title, ((0, case.title_lines[0]),)))
    return seg


def case_place_mentions(case: Case, gazetteer: Gazetteer) -> list[PlaceMention]:
    segs = [title_segment(case), *segments(case, PART_KEYS)]
    context = "".join(seg.text for seg in segs)
    out: list[PlaceMention] = []
    for seg in segs:
        text = seg.text
        prev_end, chain = -1, ""
        for start, end, d, _full in gazetteer.find(text, context):
            name = text[start:end]
            chain = chain + name if prev_end == start else name
            role = classify(text, start, end, seg.part_key, chain[: -len(name)])
            sp = seg.span(start, end)
            out.append(PlaceMention(d, role, sp.part_key, sp.para_no, sp.para, sp.start, sp.end, chain=len(chain) > len(name)))
            prev_end = end
    # a chained prefix takes the role of the place it qualifies (山东省 in 位于山东省济南经济开发区)
    for i in range(len(out) - 2, -1, -1):
        m, nxt = out[i], out[i + 1]
        if m.role == "other" and nxt.chain and nxt.role == "site":
            out[i] = PlaceMention(m.division, "site", m.part_key, m.para_no, m.para, m.start, m.end, m.chain)
    return out


@dataclass
class CasePlaces:
    sites: dict[str, list[PlaceMention]]  # division code → its site mentions
    mentioned: dict[str, list[PlaceMention]]  # division code → all its mentions (no site among them)

    def site_provinces(self, gazetteer: Gazetteer) -> dict[str, list[PlaceMention]]:
        out: dict[str, list[PlaceMention]] = {}
        for code, ms in self.sites.items():
            if gazetteer.get(code).province:
                out.setdefault(gazetteer.get(code).province, []).extend(ms)
        return out

    def finest_sites(self, gazetteer: Gazetteer) -> list[str]:
        """Site codes without those that only contain another site (济南 rather than 山东 and 济南)."""
        codes = set(self.sites)
        inner = {a.code for c in codes for a in gazetteer.chain(gazetteer.get(c))[1:]}
        return sorted(codes - inner)


def case_places(case: Case, gazetteer: Gazetteer) -> CasePlaces:
    sites: dict[str, list[PlaceMention]] = {}
    every: dict[str, list[PlaceMention]] = {}
    for m in case_place_mentions(case, gazetteer):
        every.setdefault(m.division.code, []).append(m)
        if m.role == "site":
            sites.setdefault(m.division.code, []).append(m)
    if not sites:
        # no clause places the project: a local organisation (a city's power supply company, a plant named after
        # its town) works where its own name says, so the places in the case's own organisation's name are its sites
        own = re.sub(r"\s", "", case.company or "")
        for code, ms in every.items():
            d = ms[0].division
            named = [m for m in ms if m.role == "organisation"]
            if named and own and any(x and len(x) >= 2 and x in own for x in (d.name, d.short)):
                sites[code] = named
    # a site's province is not a separate mention (福建省 beside a site in 福州)
    above = {gazetteer.get(c).province for c in sites} - {None}
    mentioned = {c: ms for c, ms in every.items() if c not in sites and c not in above}
    return CasePlaces(sites, mentioned)


def headquarters_place(facts, gazetteer: Gazetteer) -> Division | None:
    """The finest division named right after 总部位于 (or before 的总部) in the organisation facts."""
    span = facts.headquarters
    if span is None:
        return None
    hits = gazetteer.find(span.para.text[span.start:span.end])
    if not hits:
        return None
    chain = [d for *_, d, _full in hits]
    # 中国内蒙古自治区呼和浩特市: the last of a chain of nested names is the finest
    best = chain[0]
    for d in chain[1:]:
        if any(a.code == best.code for a in gazetteer.chain(d)):
            best = d
    return best
