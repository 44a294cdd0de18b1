"""Organisation facts read from a case's own text: founding year, stock listings, parents and shareholders,
headquarters.

Each fact keeps the paragraph and the character span it was read from, so the graph can cite its lines.
The organisation profile (机构简介) is read first, then the overview; the patterns are the ordinary ways
Chinese company profiles state these facts (成立于1999年 / 1994年创办的 / 于2004年在中国香港上市 /
证券代码：002459 / 是…的全资子公司 / 隶属于… / 由…控股 / 战略股东… / 总部位于…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from climatekg.corpus.model import Case, Paragraph
from .clauses import clause_bounds, sentence_bounds

ORDER = ("profile", "overview", "implementation", "results", "highlights", "impact", "expert")

FOUNDED = (
    re.compile(r"(?:注册成立|正式成立|成立|创立|创办|创建|始建|组建|建立)于?\s*(\d{4})\s*年"),
    re.compile(r"(?<![\d年])(\d{4})\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?[^，。；,;\d]{0,14}?(?:注册成立|正式成立|成立|创立|创办|创建|始建|组建)"),
)
NOT_FOUNDING = re.compile(r"(新中国|中华人民共和国|联合|共同|牵头|委员会|小组|工作组|联盟)$")

# stock exchanges: id → (zh label, en label, zh alternatives matched in text, en alternatives)
EXCHANGES: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "sse": ("上海证券交易所", "Shanghai Stock Exchange", ("上交所", "沪市", "科创板", "上证"), ("SSE", "STAR Market")),
    "szse": ("深圳证券交易所", "Shenzhen Stock Exchange", ("深交所", "深市", "创业板", "中小板"), ("SZSE", "ChiNext")),
    "bse": ("北京证券交易所", "Beijing Stock Exchange", ("北交所",), ("BSE",)),
    "hkex": ("香港联合交易所", "Hong Kong Stock Exchange", ("港交所", "香港联交所", "联交所", "香港交易所", "港股"),
             ("HKEX", "SEHK", "Hong Kong Exchanges")),
    "nasdaq": ("纳斯达克", "Nasdaq", ("纳斯达克证券交易所",), ("NASDAQ",)),
    "nyse": ("纽约证券交易所", "New York Stock Exchange", ("纽交所", "纽约证交所"), ("NYSE",)),
    "lse": ("伦敦证券交易所", "London Stock Exchange", ("伦交所",), ("LSE",)),
    "six": ("瑞士证券交易所", "SIX Swiss Exchange", ("瑞士交易所",), ("SIX",)),
}
A_SHARE = re.compile(r"A\s*股")
CODE = re.compile(r"(?:股份代号|股票代码|证券代码|股票代号|代码|代号)\s*[:：]?\s*(\d{4,6})")
TICKER = re.compile(r"\b(NASDAQ|Nasdaq|NYSE|HKEX|SEHK|SZSE|SSE)\s*[:：]\s*([A-Z0-9][A-Z0-9.]{0,7})")
LISTED = re.compile(r"上市|登陆|挂牌")

ORG_CHARS = r"[\u4e00-\u9fffA-Za-z0-9（）()·&\-]"
ORG_TAIL = re.compile(r"(股份有限公司|有限责任公司|有限公司|公司|集团|银行|控股|（集团）|\(集团\))$")
PARENT_PATTERNS = (
    # X 是 Y 的全资子公司 / Y 下属子公司 / Y 旗下
    ("parent", re.compile(rf"({ORG_CHARS}{{2,40}}?)(?:的)?(?:全资|控股|下属)?(?:子公司|二级单位|下属企业|下属单位|成员企业)")),
    ("parent", re.compile(rf"隶属于?({ORG_CHARS}{{2,40}})")),
    ("parent", re.compile(rf"是({ORG_CHARS}{{2,30}}?)旗下")),
    ("shareholder", re.compile(rf"由({ORG_CHARS}{{2,40}}?)(?:控股|全资控股|绝对控股)")),
    ("shareholder", re.compile(rf"(?:战略股东|控股股东|第一大股东|大股东|股东)(?:为|是|包括)?({ORG_CHARS}{{2,40}})")),
    ("shareholder", re.compile(rf"({ORG_CHARS}{{2,40}}?)(?:出资|出实物|出资金|入股)")),
)
LEAD_TRIM = re.compile(r"^.*?(?:是|为|系|由|属于|隶属于|作为|与|和|及|、)(?=.)")
HQ = re.compile(r"总部(?:位于|设在|设于|坐落于|在)|位于(?=[^，。；]{2,12}?的总部)|(?:整体)?(?:搬迁|迁)至")


@dataclass(frozen=True)
class Span:
    part_key: str
    para_no: int
    para: Paragraph
    start: int
    end: int


@dataclass
class Listing:
    exchange: str | None  # an EXCHANGES key
    code: str | None
    year: int | None
    span: Span


@dataclass
class OrgFacts:
    founded: tuple[int, Span] | None = None
    listings: list[Listing] = field(default_factory=list)
    relations: list[tuple[str, str, Span]] = field(default_factory=list)  # (parent|shareholder, name_zh, span)
    headquarters: Span | None = None  # the span right after 总部位于 (the gazetteer reads the place)


@dataclass
class Segment:
    """Consecutive paragraphs of one part joined where a paragraph stops mid-sentence (a page break in the
    source), with the letter-spacing of the PDF extraction removed (携 程 集 团 → 携程集团; a space stays only
    between two Latin letters or digits), and the way back from an offset in the text to a paragraph."""

    part_key: str
    text: str = ""
    back: list[tuple[int, int]] = field(default_factory=list)  # per character: (piece, offset in its paragraph)
    pieces: list[tuple[int, Paragraph]] = field(default_factory=list)  # (paragraph number, paragraph)

    def append(self, n: int, para: Paragraph) -> None:
        self.pieces.append((n, para))
        k = len(self.pieces) - 1
        out = []
        t = para.text
        for i, ch in enumerate(t):
            if ch.isspace():
                prev = self.text[-1:] if not out else out[-1][0]
                nxt = next((c for c in t[i + 1:] if not c.isspace()), "")
                if prev and nxt and prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum() \
                        and (not out or out[-1][0] != " "):
                    out.append((" ", i))
                continue
            out.append((ch, i))
        self.text += "".join(c for c, _ in out)
        self.back.extend((k, i) for _, i in out)

    def span(self, start: int, end: int) -> Span:
        """The paragraph span of text[start:end]; a span across a paragraph break is cut to the paragraph that
        holds most of it (a heading line joined to its sentence stays out of the quote)."""
        start = min(max(start, 0), len(self.back) - 1)
        last = min(max(end - 1, start), len(self.back) - 1)
        counts: dict[int, int] = {}
        for k, _ in self.back[start:last + 1]:
            counts[k] = counts.get(k, 0) + 1
        k = max(counts, key=lambda x: (counts[x], -x))
        offsets = [o for kk, o in self.back[start:last + 1] if kk == k]
        n, para = self.pieces[k]
        return Span(self.part_key, n, para, offsets[0], offsets[-1] + 1)


def segments(case: Case, order: tuple[str, ...] = ORDER) -> list[Segment]:
    """The case's text as segments, parts in ``order``."""
    out: list[Segment] = []
    n = 0
    by_part: dict[str, list[Segment]] = {}
    for part, para in case.paragraphs():
        n += 1
        segs = by_part.setdefault(part.key, [])
        if not (segs and segs[-1].text and segs[-1].text[-1] not in "。！？!?；;"):
            segs.append(Segment(part.key))
        segs[-1].append(n, para)
    for key in order:
        out.extend(s for s in by_part.get(key, []) if s.text)
    return out


def clean_org_name(name: str) -> str:
    name = re.sub(r"\s+", "", name)
    tail = list(re.finditer(r"(股份有限公司|有限责任公司|有限公司|集团公司|公司|集团|银行)", name))
    if tail and tail[-1].end() < len(name) and not re.match(r"[（(]", name[tail[-1].end():]):
        name = name[:tail[-1].end()]  # "蒙牛集团强强联合" → "蒙牛集团"
    name = LEAD_TRIM.sub("", name) if re.search(r"(是|为|系|由|属于|作为|与|和|及|、).", name) else name
    name = re.sub(r"^(中国企业|我国|全国|国家)", "", name) if not name.startswith("中国") else name
    return name.strip("（）()“”\"'、，,")


def find_founding(text: str) -> list[tuple[int, int, int]]:
    """(year, start, end) for each founding statement in ``text``."""
    out = []
    for pat in FOUNDED:
        for m in pat.finditer(text):
            y = int(m.group(1))
            pre = text[max(0, m.start() - 4):m.start()].replace(" ", "")
            body = text[m.start():m.end()].replace(" ", "")
            if NOT_FOUNDING.search(pre + body.split(str(y))[0]) or "新中国成立" in (pre + body) or not 1800 <= y <= 2030:
                continue
            if "以来" in text[m.end():m.end() + 3]:
                continue
            out.append((y, m.start(1), m.end(1)))
    return sorted(set(out), key=lambda x: x[1])


def find_listings(text: str) -> list[tuple[str | None, str | None, int | None, int, int]]:
    """(exchange, code, year, start, end) for each listing statement in ``text``."""
    out = []
    for s0 in range(len(text)):
        if s0 and text[s0 - 1] not in "。！？\n；;":
            continue
        _, s1 = sentence_bounds(text, s0)
        sent = text[s0:s1]
        if not sent.strip():
            continue
        code_m = CODE.search(sent)
        for m in TICKER.finditer(sent):
            ex = {"nasdaq": "nasdaq", "nyse": "nyse", "hkex": "hkex", "sehk": "hkex", "szse": "szse", "sse": "sse"}[m.group(1).lower()]
            out.append((ex, m.group(2), None, s0 + m.start(), s0 + m.end()))
        if not (LISTED.search(sent) or code_m):
            continue
        # each clause that says where: an exchange name, A股, or a place + 上市 (中国香港上市)
        hits: list[tuple[int, str]] = []
        for ex, (zh, _en, alts_zh, _alts_en) in EXCHANGES.items():
            for lab in (zh, *alts_zh):
                for m in re.finditer(re.escape(lab), sent):
                    hits.append((m.start(), ex))
        for m in re.finditer(r"香港(?:[^，。；]{0,4})?上市", sent):
            hits.append((m.start(), "hkex"))
        for m in A_SHARE.finditer(sent):
            hits.append((m.start(), "a-share"))
        code = code_m.group(1) if code_m else None
        seen = set()
        for pos, ex in sorted(hits):
            a, b = clause_bounds(sent, pos)
            clause = sent[a:b]
            if not (LISTED.search(clause) or code):
                continue
            if ex == "a-share":
                ex = _exchange_of_code(code)
            if ex in seen:
                continue
            seen.add(ex)
            ym = re.search(r"(\d{4})\s*年", clause) or re.search(r"(\d{4})\s*年", sent[:pos])
            out.append((ex, code if ex == _code_exchange_guess(code, ex) else None, int(ym.group(1)) if ym else None,
                        s0 + pos, s0 + pos + 2))
        if code and not hits and LISTED.search(sent) is None:
            out.append((_exchange_of_code(code), code, None, s0 + code_m.start(1), s0 + code_m.end(1)))
        elif code and not any(c == code for _, c, *_ in out):
            out.append((_exchange_of_code(code), code, None, s0 + code_m.start(1), s0 + code_m.end(1)))
    # one listing per exchange; a code without an exchange joins the one listing that lacks one
    merged: dict[str | None, list] = {}
    for ex, code, year, a, b in out:
        if ex in merged:
            merged[ex][1] = merged[ex][1] or code
            merged[ex][2] = merged[ex][2] or year
        else:
            merged[ex] = [ex, code, year, a, b]
    if None in merged and len(merged) == 2:
        lone = merged.pop(None)
        other = next(iter(merged.values()))
        other[1] = other[1] or lone[1]
        other[2] = other[2] or lone[2]
    return [tuple(v) for v in merged.values()]


def _exchange_of_code(code: str | None) -> str | None:
    """Mainland six-digit codes tell their exchange; four/five digits are Hong Kong's."""
    if not code:
        return None
    if len(code) == 6:
        if code.startswith(("60", "68", "90")):
            return "sse"
        if code.startswith(("00", "30", "20")):
            return "szse"
        if code.startswith(("8", "4")):
            return "bse"
        return None
    if len(code) in (4, 5):
        return "hkex"
    return None


def _code_exchange_guess(code: str | None, ex: str | None) -> str | None:
    """The exchange the code belongs with (the code is kept only on a matching listing)."""
    guess = _exchange_of_code(code)
    return ex if guess is None or guess == ex else guess


ORG_NOISE = re.compile(r"(集团|股份|科技|中国|控股|（|）|\(|\))")


def same_org(a: str, b: str) -> bool:
    """Two names of one organisation: the same name without legal form (有限公司 …) and brackets, one inside the
    other (阿里巴巴本地生活 ~ 阿里巴巴本地生活集团), or the same once 集团/科技/股份/中国 are dropped (京东方集团 ~
    京东方科技集团) — but not a group and its unit (阿里巴巴集团 ≁ 阿里巴巴本地生活集团)."""
    ca, cb = _legal_core(a), _legal_core(b)
    if not ca or not cb:
        return False
    if ca == cb or (min(len(ca), len(cb)) >= 3 and (ca in cb or cb in ca)):
        return True
    na, nb = ORG_NOISE.sub("", ca), ORG_NOISE.sub("", cb)
    return len(na) >= 2 and na == nb


def _legal_core(name: str) -> str:
    x = re.sub(r"\s|[（(][^）)]*[）)]$", "", name)
    return re.sub(r"(股份有限公司|有限责任公司|有限公司|公司)$", "", x)


def is_self(name: str, company: str) -> bool:
    """``name`` is the case's organisation itself (晶澳太阳能有限公司 ~ 晶澳太阳能科技股份有限公司), not its group
    (京东方科技集团 for 福州京东方光电科技有限公司, 先正达集团 for 先正达集团中国)."""
    a, b = _legal_core(name), _legal_core(company)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return long_.startswith(short) and not company_parent(company) and len(short) >= 3


SUBJECT = re.compile(rf"({ORG_CHARS}{{2,40}}?(?:股份有限公司|有限责任公司|有限公司|集团公司|公司|集团|银行))(?:成立于|是|为|系|隶属)")


def find_relations(text: str, company: str = "") -> list[tuple[str, str, int, int]]:
    """(relation, organisation name, start, end) for parents and shareholders stated in ``text``; a
    "X是Y的全资子公司" whose Y is ``company`` (the case's organisation) gives X as its subsidiary."""
    out = []
    for rel, pat in PARENT_PATTERNS:
        for m in pat.finditer(text):
            raw = m.group(1)
            a, _ = clause_bounds(text, m.start(1))
            start = max(m.start(1), a)
            if re.search(r"旗下|拥有|下辖|\d|家$|个$|多$|余$|本$|该$|其$", text[start:m.end(1)]):
                continue  # "下辖6家子公司": its subsidiaries, not its parent
            name = clean_org_name(text[start:m.end(1)])
            if len(name) < 2:
                continue
            if not ORG_TAIL.search(name) and not re.search(r"(集团|公司|银行|股份|控股|电力|电网)", name):
                continue
            if "——" in text[m.end(1):m.end(1) + 3] and rel == "parent" and raw.endswith(("子公司",)):
                pass
            if rel == "parent" and company and is_self(name, company):
                s0, _ = sentence_bounds(text, m.start(1))
                subj = SUBJECT.search(text[s0:m.start(1)])
                if subj and not same_org(subj.group(1), company):
                    out.append(("subsidiary", clean_org_name(subj.group(1)), s0 + subj.start(1), m.end(1)))
                continue
            # split "A和B" / "A、B" lists of shareholders
            parts = re.split(r"[、和及与]", name) if rel == "shareholder" else [name]
            for p in parts:
                p = clean_org_name(p)
                if len(p) >= 2 and (ORG_TAIL.search(p) or re.search(r"(集团|公司|银行)", p)):
                    out.append((rel, p, start, m.end(1)))
    uniq: list[tuple[str, str, int, int]] = []
    for rel, name, a, b in out:
        if not any(same_org(name, u[1]) for u in uniq):
            uniq.append((rel, name, a, b))
    return uniq


def company_parent(company: str) -> str | None:
    """'国网浙江省电力有限公司杭州市余杭区供电公司' → '国网浙江省电力有限公司' (a unit named after its parent)."""
    c = re.sub(r"\s+", "", company)
    paren = re.search(r"[（(]([^）)]*)[）)]$", c)
    if paren and re.search(r"(集团|控股)$", paren.group(1)) and not re.search(r"简称|以下", paren.group(1)):
        return paren.group(1)  # 饿了么（阿里巴巴本地生活集团）: the group the brand belongs to
    c = re.sub(r"[（(][^）)]*[）)]$", "", c)
    for m in re.finditer(r"(有限公司|集团公司|集团)", c):
        rest = c[m.end():]
        unit = re.sub(r"(股份有限公司|有限责任公司|有限公司|公司)$", "", rest)
        if len(unit) >= 2 and not rest.startswith(("）", ")")) and re.search(r"(公司|分行|支行|厂|中国|中国区)$", rest):
            return c[:m.end()]
    return None


def extract_org_facts(case: Case) -> OrgFacts:
    facts = OrgFacts()
    for seg in segments(case):
        key, text = seg.part_key, seg.text
        if facts.founded is None and key in ("profile", "overview"):
            for y, a, b in find_founding(text):
                # "北京晶鸿节能科技有限公司成立于2015年" in 晶澳's profile: another organisation's founding
                s0, _ = sentence_bounds(text, a)
                subj = SUBJECT.search(text[s0:a + 6])
                if subj and not any(same_org(subj.group(1), x) for x in (case.company, company_parent(case.company)) if x) \
                        and "前身" not in text[s0:a]:
                    continue
                facts.founded = (y, seg.span(a, b))
                break
        if key in ("profile", "overview"):
            for ex, code, year, a, b in find_listings(text):
                if not any(lst.exchange == ex for lst in facts.listings):
                    facts.listings.append(Listing(ex, code, year, seg.span(a, b)))
            for rel, name, a, b in find_relations(text, case.company):
                if not any(same_org(r[1], name) for r in facts.relations) and not is_self(name, case.company):
                    facts.relations.append((rel, name, seg.span(a, b)))
        if facts.headquarters is None:  # the profile first, then wherever the text says where the head office is
            m = HQ.search(text)
            if m and (key == "profile" or "总部" in text[m.start():m.end() + 16]):
                facts.headquarters = seg.span(m.end(), min(len(text), m.end() + 30))
    parent = company_parent(case.company)
    if parent and not any(same_org(r[1], parent) for r in facts.relations):
        line = Segment("company")
        line.append(-1, Paragraph(case.company, ((0, case.company_line),)))
        facts.relations.append(("parent", parent, line.span(0, len(line.text))))
    # the code of an exchange-less listing goes to the one other listing, if there is exactly one
    loose = [lst for lst in facts.listings if lst.exchange is None]
    named = [lst for lst in facts.listings if lst.exchange is not None]
    if loose and len(named) == 1 and not named[0].code:
        named[0].code = loose[0].code
        facts.listings = named
    return facts
