"""Awards, certifications and designations as events: what was received, from whom, in which year.

A recognition is read from a clause with a receiving verb (获得, 荣获, 获评, 被评为, 入选, 被认定为,
取得, 通过…认证): what follows the verb is what was received — a quoted title (“灯塔工厂”,
《碳中和证书》) or the phrase up to the end of the clause, split where it lists several (、); the issuer
is the organisation before 颁发/授予/签发/发布/评选/组织评审 (or the name right before the quoted title,
获中国欧盟商会“杰出环境表现奖”); the year is the one stated in the clause, else in the sentence, else
in the list item's lead (2023年，获…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from climatekg.corpus.model import Case
from .clauses import clauses, sentence_bounds
from .orgfacts import Segment, Span, segments

RECEIVE = re.compile(r"(荣获|获评|获得|获颁|荣登|蝉联|被评为|评为|被认定为|认定为|成功入选|入选|取得|通过了|通过|全面实现|实现|成为|"
                     r"获(?![取悉知得益]))")
# verbs that say receiving only with a certificate-like object (通过…认证, 实现…认证, 成为…500强)
WEAK_VERBS = {"通过": r"(认证|证书|标识|评价)", "通过了": r"(认证|证书|标识|评价)", "取得": r"(认证|证书|标识|资格)",
              "实现": r"认证$", "全面实现": r"认证$", "成为": r"(\d+强|榜)$"}
RANKING = re.compile(r"在(?P<issuer>[^，。；“”]{2,24}?)\s*[“\"《](?P<what>[^”\"》]{2,40})[”\"》]\s*(?:榜单|排名|排行榜)?中"
                     r"(?:排|居|位列|位居|排名|名列)第\s*(?P<rank>\d+)\s*(?:位|名)")
ISSUER_LIST = re.compile(r"^\s*(?:\d{1,2}[.．、]\s*)?(?P<issuer>[\u4e00-\u9fffA-Za-z（）()]{2,20}?(?:会|委|厅|局|政府|部|院|协会|中心|集团|公司|组织))\s*[:：]\s*"
                         r"(?P<what>[^:：]{2,50})$")
# what is received ends with one of these (after its quotes): a title, certificate, award, list …
CERT_END = re.compile(r"(认证|证书|标识|称号|奖|大奖|荣誉|评级|评价|榜|榜单|强|案例|工厂|企业|示范|试点|基地|单位|先锋|领袖|"
                      r"之星|冠军|样板|场景|成果|名录|目录|报告|伙伴|服务商|品牌|示范区|示范工程|标杆|项目|工程|建筑|"
                      r"第一|第一的位置|首位|成分股)$")
CERT_WORD = re.compile(r"(认证|证书|证|标识|称号|奖|荣誉|评级|榜|强|案例|工厂|企业|示范|试点|基地|单位|先锋|领袖|之星|冠军|样板|场景|成果|名录|目录|资格|报告|伙伴|服务商)")
ISSUE = re.compile(r"(颁发|授予|签发|发布|评选|组织评审|评审|认定|编发|认证|举办|主办)(?:的)?$")
QUOTED = re.compile(r"[“\"《]([^”\"》]{2,40})[”\"》]")
YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:年|年度)")
NOT_RECOGNITION = re.compile(r"(收益|补贴|资金|扶持|专利|积分|减碳量|奖励|认可|关注|支持|曝光|流量|增长|效益|成效|授权|许可|资质|审批)")
LEADING_ISSUER = re.compile(r"^([\u4e00-\u9fffA-Za-z]{1,8}?(?:网|部|社|报|杂志|组织|协会|委员会|联合会|商会|厅|局|财经|论坛)"
                            r"|[\u4e00-\u9fffA-Za-z]{2,6}?(?<![省市县区国级])(?=(?:19|20)\d{2}\s*年))")
ISSUER_CHARS = r"[\u4e00-\u9fffA-Za-zÜü0-9（）()·&\- ]"


@dataclass
class Recognition:
    what: str
    issuer: str | None
    year: int | None
    span: Span  # the clause the recognition is read from
    kind: str  # award | certification | designation


#: the kinds of recognition as concepts of the graph (id/recognition-kind/…), with the labels a question may use
KINDS = {  # kind → (zh, en, alternative labels zh, alternative labels en)
    "award": ("奖项", "award", ("获奖", "奖", "大奖", "荣获"), ("prize", "awards", "won")),
    "certification": ("认证", "certification", ("证书", "认证证书", "标识", "评级", "获得认证"),
                      ("certificate", "certified", "certifications", "label", "rating")),
    "designation": ("入选或称号", "designation", ("入选", "称号", "评为", "典型案例", "示范"),
                    ("selected", "named", "designated", "listed as")),
}


def _kind(what: str) -> str:
    if re.search(r"(认证|证书|标识|评级)", what):
        return "certification"
    if re.search(r"(奖|榜|强)", what):
        return "award"
    return "designation"


ENUMERATOR = re.compile(r"(?<![\d.A-Za-z])\d{1,2}(?:[.．](?=\s|[\u4e00-\u9fff“]|(?:19|20)\d{2}\s*年)|、)")


def _issuer_before(before: str) -> str | None:
    """The organisation right before an issuing verb: '由国际检测认证机构SGS颁发的' → 'SGS'."""
    m = ISSUE.search(before)
    if not m:
        return None
    head = before[: m.start()]
    head = re.sub(r"^.*(?:由|获得|荣获|取得|入选|获评)", "", head)
    head = re.sub(r"^(有|国际|国内|权威|第三方)+", "", head)
    m2 = re.search(rf"{ISSUER_CHARS}{{2,30}}$", head)
    if not m2:
        return None
    name = m2.group(0).strip()
    # 国际检测认证机构SGS → SGS: a descriptive noun phrase before a Latin name is not the name
    latin = re.search(r"[A-Za-zÜü][A-Za-zÜü0-9 &.\-]*$", name)
    if latin and len(latin.group(0).strip()) >= 2 and re.search(r"(机构|公司|组织)", name[: latin.start()]):
        name = latin.group(0).strip()
    return name or None


def _split_items(obj: str) -> list[str]:
    obj = re.sub(r"(等多个影响力榜单|等荣誉称号|等荣誉|等奖项|等称号|等多项荣誉|等)$", "", obj)
    quoted = QUOTED.findall(obj)
    if len(quoted) >= 2 and len("".join(quoted)) >= 0.6 * len(re.sub(r"[“”\"《》、]", "", obj)):
        return quoted
    items, depth, cur = [], 0, ""
    for ch in obj:  # split on 、 and 以及 outside quotes and brackets
        depth += ch in "“《（(" and 1 or 0
        depth -= ch in "”》）)" and 1 or 0
        cur += ch
        if depth <= 0 and (ch == "、" or cur.endswith("以及")):
            items.append(cur[:-2] if cur.endswith("以及") else cur[:-1])
            cur, depth = "", 0
    items.append(cur)
    items = [x for x in items if x.strip()]
    return items if all(len(x) <= 40 for x in items) else [obj]


def extract_recognitions(case: Case) -> list[Recognition]:
    out: list[Recognition] = []
    for seg in segments(case):
        text = seg.text
        item_year = None
        carried = False  # the previous clause was a recognition: a verb-less clause after it can continue its list
        for a, b in clauses(text, ENUMERATOR):
            clause = text[a:b]
            ly = re.match(r"^\s*(?:\d+[.、．]\s*)?((?:19|20)\d{2})\s*年(?:\s*\d{1,2}\s*月)?\s*$", clause)
            if ly:  # "2023年，获…": the year leads the next clause
                item_year = int(ly.group(1))
                continue
            lm = ISSUER_LIST.match(clause) if seg.part_key in ("highlights", "results") else None
            if lm and CERT_END.search(lm.group("what").strip().rstrip("”\"》")):  # 省发改委：山东省重大项目
                sp = seg.span(a, b)
                out.append(Recognition(lm.group("what").strip("“”\"《》 "), lm.group("issuer"), item_year, sp,
                                       _kind(lm.group("what"))))
                item_year = None
                continue
            m = RECEIVE.search(clause)
            if not m and carried and not clause.lstrip().startswith("成为") and CERT_END.search(clause.strip().rstrip("”\"》")) and len(clause.strip()) <= 40:
                m = re.match(r"\s*", clause)  # "…二等奖，中国酒业协会科技进步三等奖": the list goes on
            carried = False
            if not m:
                continue
            obj = clause[m.end():].strip()
            if not obj or NOT_RECOGNITION.search(obj[:12]) and not QUOTED.search(obj):
                continue
            if not (CERT_WORD.search(obj) or QUOTED.search(obj)):
                continue
            # the issuer: "SGS颁发的PAS2060碳中和认证证书" inside the object, or "经X组织评审" before the verb
            issuer = None
            q = QUOTED.search(obj)
            inner = re.search(r"^(.{0,40}?)(颁发|授予|签发|发布|评选|编发|举办|主办)的", obj)
            if inner:
                issuer = _issuer_before(obj[: inner.end(2)])
                obj = obj[inner.end():]
            elif q and 2 <= q.start() <= 20 and not re.search(r"[的在于]", obj[: q.start()]) \
                    and re.search(r"(会|社|部|局|厅|委|院|组织|协会|集团|公司|网|报|杂志|机构|大学|政府|中心)$", obj[: q.start()]):
                issuer = obj[: q.start()]
                obj = obj[q.start():]
            if issuer is None:
                s0, _ = sentence_bounds(text, a)
                pre = text[s0:a + m.start()]
                ev = re.search(r"经(.{2,30}?)(组织评审|评审|评选|认定|认证)", pre)
                by = re.search(r"由(.{2,30}?)(颁发|授予|签发|认证|评选)", pre + clause[: m.start()])
                if ev:
                    issuer = ev.group(1)
                elif by:
                    issuer = _issuer_before(by.group(0))
            obj = re.sub(r"^(了|成为|为|的)", "", obj).strip()
            ym = YEAR.search(clause)
            before = list(YEAR.finditer(text[max(0, a - 200):a]))
            year = int(ym.group(1)) if ym else item_year or (int(before[-1].group(1)) if before else None)
            verb = m.group(0).strip()
            if re.match(r"^(此|该|这|其|的|更|首家|第一)", obj) or (verb in WEAK_VERBS and not re.search(WEAK_VERBS[verb], obj)):
                continue
            for item in _split_items(obj):
                item = item.strip()
                q = QUOTED.search(item)
                if q and q.end() >= len(item) - 4:
                    lead = item[: q.start()]
                    if issuer is None and 2 <= len(lead) <= 20 and re.search(
                            r"(会|社|部|局|厅|委|院|论坛|组织|协会|集团|公司|网|报|杂志|机构|大学|政府|中心)$", lead):
                        issuer = lead
                    what = q.group(1) + item[q.end():]
                else:
                    what = item.strip("“”\"《》 ")
                what = re.sub(r"(荣誉称号|称号)$", "", what) if q else what
                lead_issuer = None
                if issuer is None:  # 福布斯2023年碳中和年度行动企业, 新华网信用杯ESG优秀案例: the issuer leads the title
                    lm2 = LEADING_ISSUER.match(what)
                    if lm2 and len(what) - lm2.end() >= 4:
                        lead_issuer = lm2.group(1)
                if len(what) < 2 or not (CERT_END.search(what.strip("“”\"《》")) or q):
                    continue
                out.append(Recognition(what, issuer or lead_issuer, year, seg.span(a, b), _kind(what)))
                carried = True
            item_year = None
        for rm in RANKING.finditer(text):
            what = f"{rm.group('what')}第{rm.group('rank')}位"
            out.append(Recognition(what, rm.group("issuer").strip(), None, seg.span(rm.start(), rm.end()), "award"))
    # one recognition per title: repeated mentions fill in each other's issuer and year
    uniq: dict[str, Recognition] = {}
    for r in out:
        key = re.sub(r"[\s“”\"《》]|(荣誉称号|称号|认证)$", "", r.what)
        key = next((k for k in uniq if len(k) >= 4 and len(key) >= 4 and (k in key or key in k)), key)
        old = uniq.get(key)
        if old is None:
            uniq[key] = r
        elif old.year and r.year and old.year != r.year:
            uniq[f"{key}@{r.year}"] = r  # the same title in another year is another event
        else:
            old.issuer = old.issuer or r.issuer
            old.year = old.year or r.year
    return list(uniq.values())
