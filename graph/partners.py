"""Partner organisations named in a case's text, with no dictionary: who the case works with, is certified or
supported by.

Three readings, each keeping the span it was read from:

* a cooperation frame — 与/和/跟/联合/携手/依托/委托 X（、Y 以及 Z）合作/共同/达成/启动/签署/开发…, and
  在 X（、Y）等机构的支持下 / 获得 X、Y 等部门的扶持 — gives every listed X;
* an issuing frame — X 颁发/签发/发布/授予/认证 的… (also the issuers of graph/recognitions.py);
* a name with an institutional ending (大学, 研究院, 协会, 联合会, 基金会, 交易所, 委员会, 人民政府 …),
  extended leftwards over whole nouns of the clause (jieba's part-of-speech tags);
* a coverage frame — X、Y 等（主流 / 多家 / 行业）媒体（报道）— gives the media listed.

What is not a partner: the case's own organisation (its names on the company line) and its group — a parent
the text states (graph/orgfacts.py) or a group of the same brand (京东方科技集团 for 福州京东方光电科技,
正泰集团 for 正泰新能科技, 阿里巴巴集团 for 饿了么（阿里巴巴本地生活集团）); and a description rather than a
name — only common words before the institutional ending (甲级设计院, 管理咨询公司, 重点实验室, 工业园区),
where a name has a proper noun, a place, a rare word or Latin letters in it. Parents and shareholders come
from graph/orgfacts.py and are added by the graph writer on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from climatekg.corpus.model import Case
from .clauses import clause_bounds
from .orgfacts import Segment, Span, clean_org_name, is_self, same_org, segments

ITEM = r"[\u4e00-\u9fffA-Za-zÜü0-9（）()·&\-]{2,24}?"
SEP = r"(?:、|，|以及|和|及|与|跟)"
LIST = rf"{ITEM}(?:{SEP}{ITEM})*?"
TRIGGER = (r"(?:合作|共同|联合(?!会|国|体)|一起|一道|达成|签署|签订|开展|启动|发起(?!人)|推出|打造|开发(?!区|银行)|"
           r"建立|成立(?!于)|共建|携手|联手|研发|探索|实施|完成|制定|编制|举办|建设(?!银行|集团|局|厅))")
COOPERATE = re.compile(rf"(?:与|和|跟|同|联合|携手|联手|会同|协同|依托|委托|邀请|牵手)(?P<list>{LIST})"
                       rf"(?:等(?:机构|部门|单位|企业|伙伴|合作伙伴|方))?(?:[“\"][^”\"]{{1,20}}[”\"])?(?={TRIGGER})")
SUPPORT = re.compile(rf"(?:在|获得|得到|获)(?P<list>{LIST})(?:等?(?:部门|机构|单位)[、和及]?)*(?:的)?(?:大力|鼎力)?"
                     r"(?:资金|技术|政策)?(?:支持|扶持|指导|帮助|资助)")
ISSUE = re.compile(r"(?:颁发|签发|授予|核证|评定)的")
MEDIA = re.compile(rf"(?P<list>{LIST})等[\u4e00-\u9fff]{{0,6}}?媒体")
MEDIA_END = re.compile(r"(网|报|社|新闻|日报|晚报|周刊|周末|杂志|电视台|频道|头条)$")
NOT_MEDIA = re.compile(r"^(当地|地方|公司|企业|本|各|市|省|县|区|行业|官方|社会|主流|多家|国内|国外)")
GOVERNMENT_END = re.compile(r"(部|厅|局|委|署|人民政府|委员会|银行)$")
DESCRIPTIVE = re.compile(r"(地方政府|当地政府|相关部门|有关部门|主管部门)")
INSTITUTION = re.compile(r"(大学|学院|研究院|研究所|研究中心|设计院|科学院|协会|联合会|商会|基金会|交易所|委员会|发改委|"
                         r"人民政府|实验室|联盟)(?![\u4e00-\u9fff]{0,1}(?:成员|会员|标准))")
NOUN_FLAGS = ("n", "nr", "ns", "nt", "nz", "j", "eng", "vn", "an", "l", "nrt", "b")
ORG_END = re.compile(r"(公司|集团|银行|中心|平台|网|社|报|杂志|所|院|局|厅|委|部|会|组织|联盟|实验室|大学|学院|政府|企业|基金)$")
PROPER_FLAGS = ("nz", "nt", "nr", "nrt", "eng", "j")
NAME_FLAGS = PROPER_FLAGS + ("n", "ns", "vn", "b", "an", "a", "x")
THING_END = re.compile(r"(技术|系统|调度|服务|质能|电网|设备|工艺|模式|方案|管理|化|能源|材料|产品|项目)$")
RARE = 50  # a plain noun rarer than this in jieba's dictionary (or absent from it) may be a brand: 金典
NOT_NAME = re.compile(r"^(该|本|其|各|多家|一家|相关|有关|我们|企业|公司|集团|政府|用户|客户|消费者|供应商|合作伙伴|伙伴|机构|部门|"
                      r"单位|行业|产业|社会|国内|国际|全球|地方|当地|各地|上下游|多方|双方|三方|第三方|政府部门|专家|团队|平台|"
                      r"项目|工厂|门店|员工|居民|农户|商家|骑手|品牌|产品|技术|联合|共同|一起)")
GENERIC = {"公司", "集团", "银行", "政府", "协会", "大学", "学院", "研究院", "研究所", "委员会", "组织", "联盟", "实验室", "中心",
           "基金会", "交易所", "联合会", "商会", "发改委", "人民政府", "科研院所", "高校", "院校", "行业协会", "国际组织"}


@dataclass(frozen=True)
class Partner:
    name: str
    how: str  # cooperation | support | issuer | institution
    span: Span


def _items(text: str) -> list[tuple[str, int]]:
    """The names of a listed group (X、Y以及Z) with their offsets in ``text``."""
    out, pos = [], 0
    for piece in re.split(r"(、|，|以及|和|及|与|跟)", text):
        if piece and not re.fullmatch(r"、|，|以及|和|及|与|跟", piece):
            out.append((piece, pos))
        pos += len(piece)
    return out


def _clean(name: str) -> str:
    name = re.sub(r"^.*的(?=.{2,})", "", name)  # 专注于碳捕捉的创新公司LanzaTech: the name follows the description
    latin = re.search(r"[A-Za-zÜü][A-Za-zÜü0-9&.\-]+$", name)
    if latin and re.search(r"(机构|公司|组织|企业|平台)$", name[: latin.start()]):
        name = latin.group(0)  # 创新公司LanzaTech → LanzaTech
    name = clean_org_name(name)
    name = re.sub(r"^(中国企业|由|经|在|获得|得到|与|和|跟|同|联合|携手|通过|依托|委托|邀请|是|为|向|对|被)", "", name)
    name = re.sub(r"(等|的|共同|联合|一起|合作|支持|大力|鼎力|分别|签署|签订|等机构|等部门|等单位)+$", "", name)
    name = name.strip("“”\"'《》（）() ·")
    return name + "）" if name.count("（") > name.count("）") else name  # 公众环境研究中心（IPE）


def _plausible(name: str) -> bool:
    if name.count("《") != name.count("》") or name.count("“") != name.count("”"):
        return False
    if len(name) < 2 or len(name) > 30 or name in GENERIC or NOT_NAME.match(name):
        return False
    if re.fullmatch(r"[\d.%％]+|[A-Za-z]{1}", name) or re.search(r"\d{3,}|[%％]|年|月|万|亿|吨|千瓦", name):
        return False
    if re.search(r"[A-Za-z]", name) and not re.search(r"[\u4e00-\u9fff]", name):
        return bool(re.fullmatch(r"[A-Z][A-Za-zÜü&.\- ]{1,24}", name))  # SGS, LanzaTech
    return bool(re.search(r"[\u4e00-\u9fff]{2,}", name))


def namelike(name: str, pseg_cut, freq: dict) -> bool:
    """Does ``name`` read as an organisation's name: an institutional ending, or a proper noun (jieba's nz/nt/
    nr/eng tags, or a noun too rare to be a common word), with only nouns in it and not only place names?"""
    words = list(pseg_cut(name))
    if not words or not all(w.flag.startswith(NAME_FLAGS) or re.fullmatch(r"[A-Za-zÜü0-9&.\-]+", w.word) for w in words):
        return False
    if all(w.flag == "ns" for w in words):
        return False  # a place: 济南, 宁夏
    if ORG_END.search(name) or INSTITUTION.search(name):
        return True
    if THING_END.search(name):
        return False  # 微电网, V2G技术, 应用服务: a technology or a service, not who provides it
    if len(words) == 1:
        w = words[0]
        return w.flag.startswith(PROPER_FLAGS) or (w.flag in ("n", "x") and freq.get(w.word, 0) < RARE)
    return any(w.flag.startswith(PROPER_FLAGS) for w in words) and not any(w.flag.startswith(("v", "a")) for w in words)


def _noun_run(lead: str, pseg_cut) -> str:
    """The longest run of whole nouns (jieba tags) that ends ``lead``."""
    name = ""
    for w in reversed(list(pseg_cut(lead))):
        if w.flag.startswith(NOUN_FLAGS) or re.fullmatch(r"[A-Za-zÜü]+", w.word):
            name = w.word + name
            continue
        break
    return name


def _institution_names(seg: Segment, pseg_cut) -> list[tuple[str, str, int, int]]:
    """(how, name, start, end): names ending in an institutional word, extended leftwards over the nouns
    before it; and the issuer right before 颁发的 / 签发的 …"""
    text, out = seg.text, []
    for m in INSTITUTION.finditer(text):
        a, _ = clause_bounds(text, m.start())
        name = _noun_run(text[max(a, m.start() - 22):m.start()], pseg_cut) + m.group(1)
        if name != m.group(1):
            out.append(("institution", name, m.end() - len(name), m.end()))
    for m in ISSUE.finditer(text):
        a, _ = clause_bounds(text, m.start())
        name = _noun_run(text[max(a, m.start() - 24):m.start()], pseg_cut)
        latin = re.search(r"[A-Za-zÜü][A-Za-zÜü0-9&.\-]+$", name)
        if latin and re.search(r"(机构|公司|组织)", name):  # 检测认证机构SGS颁发的: the name is SGS
            name = latin.group(0)
        if name:
            out.append(("issuer", name, m.start() - len(name), m.start()))
    return out


def _strip_place(name: str, pseg_cut) -> str:
    """The name without 中国 and a leading place word (jieba's ns tag): 福州京东方光电 → 京东方光电."""
    name = re.sub(r"^中国", "", re.sub(r"\s", "", name))
    words = list(pseg_cut(name))
    if len(words) > 1 and words[0].flag == "ns":
        name = name[len(words[0].word):]
    return name


def same_brand_group(name: str, company: str, pseg_cut) -> bool:
    """``name`` is a group or company of the brand ``company`` starts with: they share their first two
    characters or more once 中国 and place words are dropped, and ``name`` is a company or group name
    (京东方科技集团 ~ 福州京东方光电科技有限公司, 通威集团 ~ 通威股份有限公司)."""
    if not re.search(r"(集团|集团公司|控股|有限公司|有限责任公司|股份公司|公司)$", name):
        return False
    a, b = _strip_place(name, pseg_cut), _strip_place(company, pseg_cut)
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n >= 2 and re.fullmatch(r"[\u4e00-\u9fff]{2,}", a[:n]) is not None


def group_names(case: Case, parents: list[str]) -> list[str]:
    """The names of the case's organisation and its group: the company line (with and without the group or
    short name in brackets after it) and the parents its text states (graph/orgfacts.py)."""
    company = case.company
    names = [n for n in (company, re.sub(r"[（(][^）)]*[）)]$", "", company)) if n]
    names += re.findall(r"[（(](?:简称|以下简称)?[:：]?([^）)]+)[）)]", company)
    return names + list(parents)


def own_group(labels, groups: list[str], pseg_cut) -> bool:
    """One of ``labels`` names the case's own group (``groups``: :func:`group_names`): the same organisation as
    one of them, a group or company of the same brand, or the brand itself (国网 for 国网浙江省电力…)."""
    cores = [_strip_place(g, pseg_cut) for g in groups]
    for lab in labels:
        if any(same_org(lab, g) or same_brand_group(lab, g, pseg_cut) for g in groups):
            return True
        b = _strip_place(lab, pseg_cut)
        if len(b) >= 2 and b not in GENERIC and re.fullmatch(r"[\u4e00-\u9fff]+", b) and any(c.startswith(b) for c in cores):
            return True
    return False


def descriptive(name: str, pseg_cut, freq: dict) -> bool:
    """Only common words before its ending (a description such as 甲级设计院, 管理咨询公司, 工程技术研究中心,
    北京地方政府): no proper noun, place, word outside jieba's dictionary or Latin letters that would make
    it a name. The institutional ending itself (联盟, 文学院, 交易所) does not count."""
    if DESCRIPTIVE.search(name):
        return True
    if re.search(r"[A-Za-z]", name) or GOVERNMENT_END.search(name):
        return False  # a ministry or bureau is named by its remit: 生态环境部, 住建厅
    words = list(pseg_cut(name))
    if len(words) > 1 and (INSTITUTION.search(words[-1].word) or ORG_END.search(words[-1].word)):
        words = words[:-1]
    for w in words:
        if w.flag.startswith(PROPER_FLAGS) or w.flag == "ns" or (len(w.word) >= 2 and w.word not in freq):
            return False
    return True


def _media(item: str, pseg_cut, freq: dict, first: bool) -> str | None:
    """A medium listed in a coverage frame, or None: the first item is cut to the nouns that end it
    (先后被北极星 → 北极星); an item ending in 网/报/社/新闻… is a medium's name unless it starts with a
    determiner or generic word (当地电视台, 公司网站); other items need a proper part."""
    name = re.sub(r"\s", "", _noun_run(item, pseg_cut) if first else item)
    name = re.sub(r"^(?:先后被|被|在|由|经由|通过)+", "", name).strip("“”\"'《》")
    if not _plausible(name) or NOT_MEDIA.match(name):
        return None
    if MEDIA_END.search(name) and len(MEDIA_END.sub("", name)) >= 2:
        return name
    return None if descriptive(name, pseg_cut, freq) else name


def extract_partners(case: Case) -> list[Partner]:
    """Partners named in the case, first mention first; never the case's own organisation."""
    import jieba
    import jieba.posseg as pseg

    from .orgfacts import extract_org_facts
    from .recognitions import extract_recognitions

    jieba.initialize()
    freq = jieba.dt.FREQ

    found: list[Partner] = []
    for seg in segments(case):
        text = seg.text
        for how, pat in (("cooperation", COOPERATE), ("support", SUPPORT)):
            for m in pat.finditer(text):
                for item, off in _items(m.group("list")):
                    name = _clean(item)
                    named = re.search(r"等(?:机构|部门|单位)", m.group(0))  # 在 X、Y 等机构的支持下: names
                    if _plausible(name) and namelike(name, pseg.cut, freq) and \
                            (named or not descriptive(name, pseg.cut, freq)):
                        a = m.start("list") + off
                        found.append(Partner(name, how, seg.span(a, a + len(item))))
        for how, name, a, b in _institution_names(seg, pseg.cut):
            name = _clean(name)
            if _plausible(name) and not descriptive(name, pseg.cut, freq):
                found.append(Partner(name, how, seg.span(a, b)))
        for m in MEDIA.finditer(text):
            clause = re.split(r"[，；：]", m.group("list"))[-1]  # the list of this clause only
            start = m.end("list") - len(clause)
            for k, (item, off) in enumerate(_items(clause)):
                name = _media(item, pseg.cut, freq, first=k == 0)
                if name:
                    a = start + off
                    found.append(Partner(name, "media", seg.span(a, a + len(item))))
    for r in extract_recognitions(case):
        name = _clean(r.issuer) if r.issuer else ""
        if name and _plausible(name) and not descriptive(name, pseg.cut, freq):
            found.append(Partner(name, "issuer", r.span))
    own = [n for n in (case.company, re.sub(r"[（(][^）)]*[）)]$", "", case.company)) if n]
    groups = group_names(case, [name for rel, name, _ in extract_org_facts(case).relations if rel == "parent"])
    out: list[Partner] = []
    for p in found:
        if any(is_self(p.name, o) or same_org(p.name, o) for o in own):
            continue
        if own_group([p.name], groups, pseg.cut):
            continue  # the case's own group: 正泰集团 for 正泰新能科技
        if any(same_org(p.name, q.name) for q in out):
            continue
        out.append(p)
    return out
