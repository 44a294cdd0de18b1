"""Metadata for cases that have no curated entry in ``data/metadata/cases.toml``.

The curated layer is an override: every case it does not cover gets, from its own text,

* its organisation — names from the company line (full name, the 简称 it gives or the name without legal
  suffix and place prefix), kind from the name (bank, utility, company), an existing organisation reused when
  the name is one we know, and an English name: the curated one where the name is known (cases.toml or the
  partner dictionary), a Latin-script name on the company line, otherwise a pinyin romanisation (one word per
  word, generic words in English) flagged ``name_en_origin = "romanised"``;
* its section — a printed margin label; else document order (sections run in order: a case between two cases
  of one section is in it); else the nearest centroid over the curated cases' character bigrams and
  technologies, among the sections its position allows, with its cosine-softmax confidence — "unassigned"
  below the threshold where the classifier's leave-one-out accuracy on the curated cases reaches
  :data:`TARGET_ACCURACY` (:func:`calibrate`);
* a Chinese extractive summary (central overview sentences, figures preferred, with their source lines);
* an English title and card generated from the facts the graph will hold — organisation and its founding
  year and listings, technologies, project sites and other places (the gazetteer's English names), partners
  and recognitions the dictionaries know, targets and the top quantified outcomes (what they count, value,
  unit) — so that English search finds the case (it says it is generated, never a translation);
* candidate technology terms the SKOS scheme lacks (reported, not linked).

The graph's fact extractors (graph/factgraph.py) add the organisation facts, places, recognitions, targets and
— for these cases — partners read from the text, with their evidence.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from climatekg.corpus.clean import squash
from climatekg.corpus.metadata import CaseMeta, Metadata, OrgMeta, Section
from climatekg.corpus.model import Case, Collection
from .quantities import extract
from .vocab import Matcher, Vocabulary

MIN_CONFIDENCE = 0.4  # twice the uniform chance of one in five sections
TARGET_ACCURACY = 0.8  # the classifier's threshold: where its leave-one-out accuracy on curated cases reaches this
UNASSIGNED = Section(id="s0", number=0, zh="未分类", en="Unassigned", inferred=True, label_line=None, cases=())
LEGAL_SUFFIX = re.compile(r"(股份有限公司|有限责任公司|集团有限公司|控股有限公司|有限公司|股份公司|公司)$")
KINDS = (  # (pattern on the organisation's name, kind) — first match wins
    (re.compile(r"银行|农商行|信用社"), "bank"),
    (re.compile(r"电网|供电|电力公司|燃气|水务"), "utility"),
)
# generic company-name words and their usual English (the rest of a name is romanised)
NAME_WORDS = {
    "集团": "Group", "控股": "Holdings", "科技": "Technology", "技术": "Technology", "能源": "Energy", "电力": "Power",
    "新能源": "New Energy", "环保": "Environmental Protection", "环境": "Environment", "银行": "Bank", "股份": "",
    "实业": "Industrial", "投资": "Investment", "发展": "Development", "国际": "International", "中国": "China",
    "电气": "Electric", "汽车": "Automobile", "物流": "Logistics", "食品": "Food", "饮料": "Beverage", "化工": "Chemical",
    "材料": "Materials", "建设": "Construction", "信息": "Information", "数字": "Digital", "智能": "Smart",
    "绿色": "Green", "低碳": "Low Carbon", "电网": "Power Grid", "光伏": "PV", "储能": "Energy Storage",
    "商业银行": "Commercial Bank", "农村": "Rural", "农商银行": "Rural Commercial Bank", "城市": "City",
    "证券": "Securities", "保险": "Insurance", "基金": "Fund", "电池": "Battery", "风电": "Wind Power",
    "牧业": "Dairy", "乳业": "Dairy", "钢铁": "Steel", "水泥": "Cement", "航空": "Airlines", "交通": "Transport",
    "太阳能": "Solar", "光电": "Optoelectronics", "电子": "Electronics", "电器": "Electric Appliances",
    "家电": "Home Appliances", "啤酒": "Brewery", "酒业": "Liquor", "供电": "Power Supply", "燃气": "Gas",
    "水务": "Water", "在线": "Online", "网络": "Network", "文化": "Culture", "传媒": "Media", "零碳": "Zero Carbon",
    "医药": "Pharmaceutical", "纺织": "Textile", "造纸": "Paper", "地产": "Real Estate", "农业": "Agriculture",
    "机械": "Machinery", "重工": "Heavy Industry", "船舶": "Shipbuilding", "港口": "Port", "零售": "Retail",
}
TECH_SUFFIX = re.compile(r"[\u4e00-\u9fff]{2,8}(?:技术|系统|工艺|装置|设备|平台|储能|发电|电站|热泵|锅炉|燃料|电池|回收|改造)")
ABOUT_TEXT = "Generated from the graph facts of the case text (automatic metadata, not a translation)."


# -- organisation ------------------------------------------------------------------------------------------
def org_names(company: str, place_labels) -> tuple[str, str, list[str]]:
    """(full name, short name, other names) from a company line such as
    ``浙江安吉智电控股有限公司（简称：能链智电）`` or ``饿了么（阿里巴巴本地生活集团）``."""
    text = re.sub(r"(?<=[\u4e00-\u9fff）)])[A-Za-z][A-Za-z0-9.&\-]*$", "", squash(company))  # 携程集团Trip.com Group
    alt: list[str] = []
    full = text
    m = re.search(r"[（(]([^（）()]*)[）)]$", text)
    if m and m.start() > 0:
        inner = m.group(1)
        said = re.match(r"(?:简称|以下简称)[:：]?(.+)", inner)
        full = text[: m.start()]
        if said:
            alt.append(said.group(1))
        elif inner and inner not in ("中国",):
            alt.append(inner)  # the group it belongs to, or a brand
    full = full.replace("(中国)", "（中国）")
    base = LEGAL_SUFFIX.sub("", full.replace("（中国）", "")) or full
    short = alt[0] if alt and re.match(r"(?:简称|以下简称)", (m.group(1) if m else "")) else base
    if len(short) >= 4:
        short = re.sub(r"(集团|控股)$", "", short)
    for p in sorted(place_labels, key=len, reverse=True):
        if short.startswith(p) and len(short) - len(p) >= 2:
            short = short[len(p):]
            break
    names = [x for x in dict.fromkeys([base, *alt]) if x and x not in (full, short)]
    return full, short, names


def org_kind(names: list[str]) -> str:
    for pattern, kind in KINDS:
        if any(pattern.search(n) for n in names):
            return kind
    return "company"


def _glossary_split(word: str) -> list[str]:
    """A word jieba keeps whole split where it starts or ends with a glossary word: 食品饮料 → 食品 / 饮料."""
    for k in sorted(NAME_WORDS, key=len, reverse=True):
        if word != k and word.endswith(k) and len(word) > len(k):
            return _glossary_split(word[: -len(k)]) + [k]
        if word != k and word.startswith(k) and len(word) > len(k):
            return [k] + _glossary_split(word[len(k):])
    return [word]


def romanise(zh: str) -> str:
    """A readable pinyin rendering of a Chinese name, generic words in English: 三快在线科技 → Sankuai Zaixian Technology."""
    from pypinyin import Style, lazy_pinyin

    import jieba

    out: list[str] = []
    brand = ""  # consecutive one-character words outside the glossary form one word: 恒/绿 → Henglv
    words = [w for word in jieba.lcut(zh, HMM=False) for w in _glossary_split(word)]
    for word in words:
        if word in NAME_WORDS or re.fullmatch(r"[A-Za-z0-9.&\- ]+", word):
            if brand:
                out.append(brand.capitalize())
                brand = ""
            out.append(NAME_WORDS.get(word, word.strip()))
            continue
        py = "".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))
        if len(word) == 1:
            brand += py
            continue
        if brand:
            out.append(brand.capitalize())
            brand = ""
        out.append(py.capitalize())  # pinyin orthography: one word per word (京东方 光电 → Jingdongfang Guangdian)
    if brand:
        out.append(brand.capitalize())
    return " ".join(w for w in out if w)


def slug(text: str) -> str:
    from pypinyin import lazy_pinyin

    s = "-".join(lazy_pinyin(text, errors="default"))
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:40] or "org"


def _known_names(metadata: Metadata, partners: dict) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """squashed zh name → curated org id; squashed zh name → (partner id, English name)."""
    curated = {}
    for o in metadata.orgs.values():
        if o.origin != "curated":
            continue
        for n in (o.name_zh, o.short_zh, *o.alt_zh):
            if n and len(squash(n)) >= 2:
                curated.setdefault(squash(n), o.id)
    known = {}
    for e in partners.values():
        for n in e.labels_zh:
            known.setdefault(squash(n), (e.id, e.en))
    return curated, known


def organisation(case: Case, metadata: Metadata, partners: dict, place_labels: dict[str, str]) -> tuple[str, OrgMeta | None]:
    """The org id of the case, and a new OrgMeta when the organisation is not a curated one."""
    full, short, others = org_names(case.company, place_labels)
    curated, known = _known_names(metadata, partners)
    for n in (full, short, *others):
        if squash(n) in curated:
            return curated[squash(n)], None
    ev = {"names": f"company line {case.company_line}: {case.company}"}
    hit = next((known[squash(n)] for n in (full, short, *others) if squash(n) in known), None)
    latin = re.search(r"[A-Za-z][A-Za-z0-9.&\- ]{2,}", case.company)  # 携程集团Trip.com Group
    if latin and not hit:
        hit = (None, latin.group(0).strip())
    if hit and hit[0] is None:
        name_en = short_en = hit[1]
        oid = re.sub(r"[^a-z0-9]+", "-", name_en.lower()).strip("-")[:40]
        origin = "text"
        ev["name_en"] = f"the Latin-script name on the company line {case.company_line}"
    elif hit:
        oid, name_en = hit
        short_en = name_en
        origin = "dictionary"
        ev["name_en"] = f"English name of '{oid}' in the partner dictionary (data/vocab/entities.toml)"
    else:
        short_en = romanise(short)
        oid = re.sub(r"[^a-z0-9]+", "-", short_en.lower()).strip("-")[:40] or slug(short)
        rest, place_en = LEGAL_SUFFIX.sub("", full).replace("（中国）", "中国"), ""
        for p in sorted(place_labels, key=len, reverse=True):  # a place prefix in its English form: 浙江… → Zhejiang …
            if rest.startswith(p) and len(rest) - len(p) >= 2:
                rest, place_en = rest[len(p):], place_labels[p]
                break
        name_en = " ".join(x for x in (place_en, romanise(rest)) if x) or short_en
        suffix = LEGAL_SUFFIX.search(full)
        if suffix:
            name_en += " Co., Ltd." if "有限" in suffix.group(1) else ""
        origin = "romanised"
        ev["name_en"] = "pinyin romanisation of the Chinese name (pypinyin); generic words in English"
    kind = org_kind([full, short, *others])
    ev["kind"] = f"'{kind}' from the name" if kind != "company" else "'company' (no bank or utility word in the name)"
    taken = set(metadata.orgs)
    base_id, n = oid, 2
    while oid in taken and metadata.orgs[oid].origin == "curated":
        oid, n = f"{base_id}-{n}", n + 1
    return oid, OrgMeta(id=oid, name_zh=full, name_en=name_en.strip(), short_zh=short, short_en=short_en,
                        alt_zh=tuple(others), alt_en=(), kind=kind, origin="automatic", name_en_origin=origin,
                        evidence=ev)


def complete_organisations(collection: Collection, metadata: Metadata, partners: dict, place_labels: dict[str, str]) -> dict[str, str]:
    """Add an organisation for every case without curated metadata; returns case id → org id."""
    out = {}
    for case in collection.cases:
        if case.id in metadata.cases:
            continue
        oid, meta = organisation(case, metadata, partners, place_labels)
        if meta is not None:
            metadata.orgs[oid] = _with_group(case, meta, metadata)
        out[case.id] = oid
    return out


def _with_group(case: Case, meta: OrgMeta, metadata: Metadata) -> OrgMeta:
    """The organisation with its group as parent, when the group is a curated organisation of the same brand
    (国网徐州供电公司 → State Grid; 福州京东方光电科技 → BOE Technology Group): the graph links it as the parent,
    the search card names it, and it is not linked as a partner."""
    from dataclasses import replace

    import jieba.posseg as pseg

    from .partners import group_names, own_group

    groups = group_names(case, [])
    for other in metadata.orgs.values():
        if other.origin != "curated" or other.id == meta.id or other.parent:
            continue  # a group is at the top: not a sister unit of the same brand (another 国网… power supplier)
        if own_group([n for n in (other.name_zh, other.short_zh, *other.alt_zh) if n], groups, pseg.cut):
            ev = dict(meta.evidence, parent=f"the company line {case.company_line} names the brand of '{other.id}'")
            return replace(meta, parent=other.id, parent_line=case.company_line, evidence=ev)
    return meta


# -- section classifier ------------------------------------------------------------------------------------
def _bigrams(text: str) -> Counter:
    t = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return Counter(t[i:i + 2] for i in range(len(t) - 1))


class SectionClassifier:
    """Nearest section centroid over TF-IDF character bigrams plus the case's technologies."""

    def __init__(self, docs: dict[str, Counter], labels: dict[str, str]):
        self.df: Counter = Counter()
        for d in docs.values():
            self.df.update(set(d))
        self.n = max(1, len(docs))
        cents: dict[str, Counter] = {}
        for cid, sec in labels.items():
            v = self.vector(docs[cid])
            cents.setdefault(sec, Counter()).update(v)
        self.centroids = {s: _norm(v) for s, v in cents.items()}

    def vector(self, counts: Counter) -> dict[str, float]:
        return _norm({t: (1 + math.log(c)) * math.log((1 + self.n) / (1 + self.df.get(t, 0))) for t, c in counts.items()})

    def predict(self, counts: Counter) -> tuple[str | None, float, dict[str, float]]:
        if not self.centroids:
            return None, 0.0, {}
        v = self.vector(counts)
        sims = {s: sum(w * c.get(t, 0.0) for t, w in v.items()) for s, c in self.centroids.items()}
        z = {s: math.exp(x / 0.05) for s, x in sims.items()}
        total = sum(z.values())
        probs = {s: x / total for s, x in z.items()}
        best = max(probs, key=probs.get)
        return best, probs[best], sims


def _norm(v: dict) -> dict[str, float]:
    n = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {k: x / n for k, x in v.items()}


def case_features(case: Case, matcher: Matcher) -> Counter:
    text = "".join(p.text for _, p in case.paragraphs())
    feats = _bigrams(text)
    for _, _, e in matcher.find(text):
        if e.kind == "technology":
            feats["tech:" + e.id] += 3
            for b in e.extra.get("broader", []):
                feats["tech:" + b] += 1
    return feats


# -- summaries ---------------------------------------------------------------------------------------------
def _sentences(case: Case, keys=("overview", "results")):
    from climatekg.corpus.model import sentences  # the one sentence splitter

    for key in keys:
        for para in case.parts[key].paragraphs:
            for a, b in sentences(para.text):
                t = para.text[a:b].strip()
                if len(t) >= 8:
                    yield key, t, para.lines_of(a, b)


def summary_zh(case: Case, max_chars: int = 200) -> tuple[str, list[tuple[int, int]]]:
    """Central overview sentences (cosine to the whole case's bigrams), figures preferred, in document order."""
    whole = _norm(_bigrams("".join(p.text for _, p in case.paragraphs())))
    cands = list(_sentences(case))
    scored = []
    for i, (key, t, lines) in enumerate(cands):
        v = _norm(_bigrams(t))
        s = sum(w * whole.get(k, 0.0) for k, w in v.items())
        s *= 1.3 if extract(t) else 1.0
        s *= 1.15 if key == "overview" else 1.0
        scored.append((s, i))
    chosen, total = [], 0
    for s, i in sorted(scored, reverse=True):
        t = cands[i][1]
        if total + len(t) > max_chars and chosen:
            continue
        chosen.append(i)
        total += len(t)
        if total >= max_chars * 0.6:
            break
    chosen.sort()
    return "".join(cands[i][1] for i in chosen), [cands[i][2] for i in chosen]


def candidate_terms(case: Case, vocab: Vocabulary) -> list[str]:
    """Technology-like noun phrases in the text that no SKOS label covers (reported for the scheme's curator)."""
    labels = {squash(lab) for e in vocab.technologies.values() for lab in e.labels_zh}
    text = squash("".join(p.text for _, p in case.paragraphs()))
    found = Counter(m.group(0) for m in TECH_SUFFIX.finditer(text))
    out = []
    for term, n in found.most_common():
        core = re.sub(r"^(?:的|和|与|及|等|在|对|将|通过|采用|利用|建设|实施|开展|推进|推广)+", "", term)
        if len(core) >= 4 and not any(lab in core or core in lab for lab in labels if len(lab) >= 2):
            out.append(core)
    return list(dict.fromkeys(out))[:10]


OUTCOME_ORDER = ("co2-reduction", "energy-saved", "power-generation", "capacity", "storage-capacity", "green-power",
                 "renewable-share", "reduction-rate", "carbon-intensity", "emissions", "water", "waste", "financing",
                 "investment", "cost-saving", "revenue", "users", "energy-consumption", "production", "area", "count")
PART_ORDER = ("results", "overview", "implementation", "highlights", "impact", "profile", "expert")


def top_outcomes(case: Case, n: int = 10, figures=None) -> list[str]:
    """The case's quantified outcomes in English — what is measured (the thing counted where the figure counts
    something), value, unit, year — results first, one per measure, projections left out."""
    from .quantities import case_figures
    from .units import UNIT_LABELS, measure_label

    rank = {k: i for i, k in enumerate(OUTCOME_ORDER)}
    part = {k: i for i, k in enumerate(PART_ORDER)}
    found = []
    for f in (case_figures(case) if figures is None else figures):
        q = f.quantity
        if q.projected or q.indicator == "other" or (q.indicator == "count" and not q.counted_en):
            continue
        found.append((part.get(f.part, len(part)), rank.get(q.indicator, len(rank)), -q.value, len(found), q))
    out, seen = [], set()
    for *_, q in sorted(found, key=lambda x: x[:4]):
        label = measure_label(q.indicator, (q.counted_zh, q.counted_en), "en")
        if label in seen:
            continue
        seen.add(label)
        unit = UNIT_LABELS.get(q.unit, ("", q.unit))[1] if q.indicator != "count" else ""
        extra = f" ({q.year})" if q.year else ""
        out.append(f"{label}: {'about ' if q.approximate else ''}{_fmt(q.value)} {unit}".strip() + extra)
        if len(out) >= n:
            break
    return out


def _fmt(v: float) -> str:
    """English number words for large values: 1.4 billion, 2.18 million, 13,260, 72.2."""
    for div, word in ((1e9, "billion"), (1e6, "million")):
        if abs(v) >= div:
            return f"{v / div:.4g} {word}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def calibrate(clf_docs: dict[str, Counter], labels: dict[str, str], target: float = TARGET_ACCURACY) -> float:
    """The confidence above which the classifier's leave-one-out predictions on the curated cases are right at
    least ``target`` of the time (never below :data:`MIN_CONFIDENCE`; 1.0 when no threshold gets there)."""
    preds = []
    for cid in labels:
        rest = {k: v for k, v in labels.items() if k != cid}
        if len(set(rest.values())) < 2:
            continue
        sec, conf, _ = SectionClassifier({k: clf_docs[k] for k in rest}, rest).predict(clf_docs[cid])
        preds.append((conf, sec == labels[cid]))
    for t in sorted({MIN_CONFIDENCE} | {c for c, _ in preds if c >= MIN_CONFIDENCE}):
        above = [ok for c, ok in preds if c >= t]
        if above and sum(above) / len(above) >= target:
            return t
    return 1.0


def order_bounds(collection: Collection, known: dict[str, str], sections: dict[str, Section]) -> dict[str, tuple[int, int]]:
    """Sections run in document order within a collection: for a case without one, the section numbers its nearest
    earlier and later case with a known section allow (a case between two of one section is in it)."""
    out = {}
    by_coll: dict[str, list[Case]] = {}
    for c in collection.cases:
        by_coll.setdefault(c.collection, []).append(c)
    for cases in by_coll.values():
        nums = [sections[known[c.id]].number if c.id in known else None for c in cases]
        for i, c in enumerate(cases):
            if c.id in known:
                continue
            lo = next((x for x in reversed(nums[:i]) if x is not None), None)
            hi = next((x for x in nums[i + 1:] if x is not None), None)
            if lo is not None or hi is not None:
                out[c.id] = (lo if lo is not None else 1, hi if hi is not None else max(s.number for s in sections.values()))
    return out


def english_card(case: Case, org: OrgMeta, sec_en: str | None, techs: list[str], linked: dict[str, list[str]],
                 gazetteer, outcomes: list[str], extractions=None) -> str:
    """An English description of the case from what the graph will hold about it (not a translation)."""
    from .orgfacts import EXCHANGES, extract_org_facts
    from .places import case_places
    from .targets import KIND_LABELS, extract_targets

    group = f"; part of {linked['group'][0]}" if linked.get("group") else ""
    lines = [f"{org.short_en} ({org.name_en}; {org.kind}{group})" + (f", section {sec_en}" if sec_en else "") + "."]
    facts = extractions.get(case, "org_facts") if extractions else extract_org_facts(case)
    said = []
    if facts.founded:
        said.append(f"founded in {facts.founded[0]}")
    for lst in facts.listings:
        if lst.exchange in EXCHANGES:
            said.append(f"listed on the {EXCHANGES[lst.exchange][1]}" + (f" ({lst.code})" if lst.code else ""))
    if said:
        lines.append(f"{org.short_en} was " + ", ".join(said) + ".")
    if techs:
        lines.append("Technologies: " + ", ".join(techs) + ".")
    if gazetteer is not None:
        cp = extractions.get(case, "places") if extractions else case_places(case, gazetteer)
        sites = [gazetteer.get(c).en for c in cp.finest_sites(gazetteer)]
        provinces = [gazetteer.get(c).en for c in cp.site_provinces(gazetteer) if gazetteer.get(c).en not in sites]
        if sites:
            lines.append("Project sites: " + ", ".join(dict.fromkeys(sites + provinces)) + ".")
        others = [gazetteer.get(c).en for c in cp.mentioned if gazetteer.get(c).level != "country"]
        if others:
            lines.append("Other places named: " + ", ".join(dict.fromkeys(others[:10])) + ".")
    elif linked.get("place"):
        lines.append("Places: " + ", ".join(linked["place"][:8]) + ".")
    if linked.get("org"):
        lines.append("Partners: " + ", ".join(linked["org"][:8]) + ".")
    if linked.get("award"):
        lines.append("Recognitions: " + ", ".join(linked["award"][:6]) + ".")
    if linked.get("standard"):
        lines.append("Standards: " + ", ".join(linked["standard"][:6]) + ".")
    targets = [f"{KIND_LABELS[t.kind][1]}{f' {t.percentage:g}%' if t.percentage is not None else ''} by {t.year}"
               for t in (extractions.get(case, "targets") if extractions else extract_targets(case))]
    if targets:
        lines.append("Targets: " + "; ".join(dict.fromkeys(targets)) + ".")
    if outcomes:
        lines.append("Outcomes: " + "; ".join(outcomes) + ".")
    lines.append(ABOUT_TEXT)
    return " ".join(lines)


def complete_cases(collection: Collection, metadata: Metadata, vocab: Vocabulary, case_orgs: dict[str, str],
                   gazetteer=None, extractions=None) -> None:
    """CaseMeta for every case without a curated entry (metadata.cases gains them; sections may gain s0)."""
    todo = [c for c in collection.cases if c.id not in metadata.cases]
    if not todo:
        return
    tech_matcher = Matcher(list(vocab.technologies.values()))
    curated = [c for c in collection.cases if c.id in metadata.cases]
    docs = {c.id: case_features(c, tech_matcher) for c in collection.cases}
    labels = {c.id: metadata.cases[c.id].section for c in curated}
    clf = SectionClassifier({c.id: docs[c.id] for c in curated}, labels)
    labelled = ({c: docs[c] for c in sorted(labels)}, dict(sorted(labels.items())))
    threshold = (extractions.derived("section-calibration", labelled, lambda: calibrate(docs, labels)) if extractions
                 else calibrate(docs, labels))
    known = dict(labels)
    printed: dict[str, str] = {}
    for case in todo:  # a printed margin label beats everything
        lab = case.section_labels[0] if case.section_labels else None
        match = lab and next((s for s in metadata.sections.values() if squash(s.zh) == squash(lab.name)), None)
        if match:
            printed[case.id] = known[case.id] = match.id
    bounds = order_bounds(collection, known, metadata.sections)
    by_number = {s.number: s.id for s in metadata.sections.values()}
    for case in todo:
        org = metadata.orgs[case_orgs[case.id]]
        best, conf, sims = clf.predict(docs[case.id])
        lo, hi = bounds.get(case.id, (None, None))
        if case.id in printed:
            sec, conf = printed[case.id], 1.0
            section_ev = f"the margin label '{case.section_labels[0].name}' printed on its pages"
        elif lo is not None and lo == hi and lo in by_number:
            sec, conf = by_number[lo], 1.0
            section_ev = (f"document order: sections run in order and the cases before and after it are in section "
                          f"{lo}" + (f"; the text classifier says {best}" if best else ""))
        else:
            allowed = {by_number[n] for n in range(lo, hi + 1) if n in by_number} if lo is not None else None
            if allowed and sims:  # the classifier among the sections its position allows
                z = {k: math.exp(v / 0.05) for k, v in sims.items() if k in allowed}
                total = sum(z.values())
                if total:
                    best = max(z, key=z.get)
                    conf = z[best] / total
            sec = best
            section_ev = (f"classifier: nearest section centroid over character bigrams and technologies of the "
                          f"{len(curated)} curated cases" + (f", among sections {lo}–{hi} its position allows" if allowed else "")
                          + f"; confidence {conf:.2f} (threshold {threshold:.2f}: leave-one-out accuracy on the curated "
                          f"cases ≥ {TARGET_ACCURACY:.0%} above it)")
            if sec is None or conf < threshold:
                section_ev += " — below the threshold, unassigned" + (f" (best guess {sec})" if sec else "")
                sec = UNASSIGNED.id
                metadata.sections.setdefault(UNASSIGNED.id, UNASSIGNED)
        summary, summary_lines = summary_zh(case)
        own, o = {org.id}, org
        while o.parent and o.parent not in own:  # the group is named as such, not as a partner
            own.add(o.parent)
            o = metadata.orgs[o.parent]
        others = Matcher([e for e in vocab.all() if not (e.kind == "org" and e.id in own)])
        text = "".join(p.text for _, p in case.paragraphs())
        linked: dict[str, list[str]] = {"group": [metadata.orgs[org.parent].name_en]} if org.parent else {}
        for _, _, e in others.find(text):
            if e.kind == "place" and e.id == "china":
                continue
            linked.setdefault(e.kind, [])
            if e.en not in linked[e.kind]:
                linked[e.kind].append(e.en)
        techs = linked.get("technology", [])
        outcomes = top_outcomes(case, figures=extractions.get(case, "figures") if extractions else None)
        sec_en = metadata.sections[sec].en if sec != UNASSIGNED.id else None
        title_en = f"{org.short_en}: " + (", ".join(techs[:3]) if techs else f"case {case.number} of {case.collection}")
        metadata.cases[case.id] = CaseMeta(
            id=case.id, section=sec, title_zh=case.title, title_en=title_en, org=org.id,
            summary_en=english_card(case, org, sec_en, techs, linked, gazetteer, outcomes, extractions),
            summary_zh=summary, keywords_en=tuple(techs[:8]), origin="automatic",
            section_confidence=round(conf, 3),
            evidence={"title_zh": list(case.title_lines), "company_zh": case.company_line, "section": section_ev,
                      "summary_zh": [list(x) for x in summary_lines],
                      "title_en": "generated from the organisation's English name and the linked technologies",
                      "candidate_technologies": candidate_terms(case, vocab)},
        )
    vocab.case_orgs |= {cm.org for cm in metadata.cases.values()}


def complete(collection: Collection, metadata: Metadata, vocab_loader, partners: dict,
             place_labels: dict[str, str], gazetteer=None, extractions=None) -> Vocabulary:
    """Organisations first (the vocabulary is made from them), then the cases."""
    case_orgs = complete_organisations(collection, metadata, partners, place_labels)
    vocab = vocab_loader(metadata)
    complete_cases(collection, metadata, vocab, case_orgs, gazetteer, extractions)
    return vocab


def automatic_report(metadata: Metadata, case_ids: list[str]) -> list[dict]:
    """What automation decided for these cases (printed by 'climatekg add')."""
    out = []
    for cid in case_ids:
        cm = metadata.cases.get(cid)
        if cm is None:
            continue
        org = metadata.orgs[cm.org]
        out.append({"case": cid, "origin": cm.origin, "title_zh": cm.title_zh, "title_en": cm.title_en,
                    "org": org.id, "org_origin": org.origin, "name_zh": org.name_zh, "name_en": org.name_en,
                    "name_en_origin": org.name_en_origin, "kind": org.kind, "section": cm.section,
                    "section_confidence": cm.section_confidence,
                    "candidate_technologies": cm.evidence.get("candidate_technologies", [])})
    return out


__all__ = ["complete", "complete_cases", "complete_organisations", "automatic_report", "org_names", "romanise",
           "SectionClassifier", "summary_zh", "UNASSIGNED"]
