"""Measure the fact extractors (places, organisation facts, recognitions, targets) against the blind set.

The gold (data/eval/blind/facts-{dev,test}.jsonl) was written from the source text alone. Predictions
come either from the extractors run on the parsed text with no curated metadata (``predict_extracted``)
or from a built graph (``predict_graph``: the graph before these extractors only had ckg:locatedIn for
every place it named, and the curated organisation facts).

Matching, per case, each gold item used at most once:
- places: the same place when one name contains the other once the administrative suffixes are dropped
  (济南经济开发区 ~ 济南市; 北京市西城区 ~ 西城区); provinces likewise;
- founding year: equal years; listings: the same exchange (a gold "A-share (exchange not named)" accepts
  the mainland exchange that the stock code implies), and the code where both give one;
- parents / shareholders / groups: the same organisation (one name contains the other's core) and the
  same direction (a subsidiary of the case's organisation is not its parent);
- recognitions: the same title (character-bigram Dice ≥ 0.5 on the titles without quotes, brackets and
  spaces, or one contains the other); issuer and year are scored on the matched ones;
- targets: the same target year and a compatible kind, or — for gold targets without a year — the same
  source line (±2); scope, baseline and percentage are scored on the matched ones.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .orgfacts import same_org

PLACE_SUFFIX = re.compile(r"(维吾尔自治区|壮族自治区|回族自治区|特别行政区|自治区|经济技术开发区|经济开发区|高新技术产业园区|"
                          r"省|市|区|县|镇)$")
KIND_WORDS = {  # our target kinds → words a gold kind may use
    "net-zero": ("net zero", "net-zero"),
    "carbon-neutrality": ("neutral",),
    "carbon-peak": ("peak",),
    "emission-reduction": ("emission", "reduction", "ghg", "carbon"),
    "carbon-intensity": ("intensity",),
    "renewable-share": ("renewable", "green electricity", "clean"),
    "renewable-energy": ("renewable", "green electricity", "clean", "biomass", "biogas", "solar"),
    "energy-intensity": ("energy",),
    "capacity": ("capacity", "solar", "pv", "install"),
}
EXCHANGE_WORDS = {"nasdaq": ("nasdaq", "纳斯达克"), "nyse": ("new york", "nyse", "纽约"), "hkex": ("hong kong", "hkex", "港"),
                  "sse": ("shanghai", "上海", "sse"), "szse": ("shenzhen", "深圳", "szse"), "bse": ("beijing", "北京证券")}


@dataclass
class Pred:
    sites: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)
    founded: int | None = None
    listings: list[tuple[str | None, str | None]] = field(default_factory=list)  # (exchange id, code)
    relations: list[tuple[str, str]] = field(default_factory=list)  # (relation, name)
    headquarters: str | None = None
    recognitions: list[tuple[str, str | None, int | None]] = field(default_factory=list)
    targets: list[tuple[str, int | None, str | None, int | None, float | None, int]] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)


@dataclass
class Count:
    tp_pred: int = 0
    pred: int = 0
    tp_gold: int = 0
    gold: int = 0

    @property
    def precision(self):
        return self.tp_pred / self.pred if self.pred else None

    @property
    def recall(self):
        return self.tp_gold / self.gold if self.gold else None

    @property
    def f1(self):
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p and r else 0.0

    def add(self, tp_pred, pred, tp_gold, gold):
        self.tp_pred += tp_pred
        self.pred += pred
        self.tp_gold += tp_gold
        self.gold += gold


@dataclass
class FactScore:
    counts: dict[str, Count]
    attributes: dict[str, list[int]]  # name → [agree, scored]
    details: list[str]


def load_gold(path: Path) -> dict[str, dict]:
    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out[f"case-{int(d['case']):02d}"] = d
    return out


def norm_place(s: str) -> str:
    s = re.sub(r"[\s（）()]", "", s or "")
    prev = None
    while prev != s and len(s) > 2:
        prev, s = s, PLACE_SUFFIX.sub("", s) if len(PLACE_SUFFIX.sub("", s)) >= 2 else s
    return s


def same_place(a: str, b: str) -> bool:
    a, b = norm_place(a), norm_place(b)
    return bool(a and b) and (a == b or (len(a) >= 2 and a in b) or (len(b) >= 2 and b in a))


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)}


def norm_title(s: str) -> str:
    s = re.sub(r"[（(][^）)]*[）)]", "", s or "")
    return re.sub(r"[\s“”\"《》‘’「」]|^(入选|获得|荣获)", "", s)


def same_title(a: str, b: str) -> bool:
    a, b = norm_title(a), norm_title(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return min(len(a), len(b)) >= 3
    ba, bb = _bigrams(a), _bigrams(b)
    return bool(ba and bb) and 2 * len(ba & bb) / (len(ba) + len(bb)) >= 0.5


def _match(gold: list, pred: list, same) -> list[tuple[int, int]]:
    """Greedy one-to-one matching in order: (gold index, pred index)."""
    used, pairs = set(), []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if pi not in used and same(g, p):
                used.add(pi)
                pairs.append((gi, pi))
                break
    return pairs


def _exchange_ok(gold_ex: str, pred_ex: str | None) -> bool:
    g = (gold_ex or "").lower()
    if pred_ex is None:
        return False
    if "a-share" in g or "a股" in g:
        return pred_ex in ("sse", "szse", "bse")
    return any(w in g for w in EXCHANGE_WORDS.get(pred_ex, ()))


def _kind_ok(gold_kind: str, pred_kind: str) -> bool:
    g = (gold_kind or "").lower()
    return any(w in g for w in KIND_WORDS.get(pred_kind, ()))


def score(gold: dict[str, dict], preds: dict[str, Pred], verbose: bool = False) -> FactScore:
    counts = {k: Count() for k in ("project site", "site province", "mentioned place", "founding year", "listing",
                                  "parent/shareholder", "headquarters", "recognition", "target", "partner")}
    attrs = {k: [0, 0] for k in ("listing code", "recognition issuer", "recognition year", "target scope",
                                "target baseline", "target percentage", "site province of matched site")}
    details: list[str] = []
    for cid, g in sorted(gold.items()):
        p = preds.get(cid, Pred())
        o = g["organisation"]

        def note(kind, what):
            if verbose:
                details.append(f"{cid} {kind}: {what}")

        # places
        gs = [s["place_zh"] for s in g["project_sites"]]
        pairs = _match(gs, p.sites, same_place)
        counts["project site"].add(len(pairs), len(p.sites), len(pairs), len(gs))
        for gi, g_site in enumerate(g["project_sites"]):
            hit = next((pi for a, pi in pairs if a == gi), None)
            if hit is not None and p.provinces:
                attrs["site province of matched site"][1] += 1
                attrs["site province of matched site"][0] += any(same_place(g_site["province_zh"], x) for x in p.provinces)
        note("sites", f"gold {gs} pred {p.sites}")
        gp = list(dict.fromkeys(norm_place(s["province_zh"]) for s in g["project_sites"] if s.get("province_zh")))
        pp = list(dict.fromkeys(norm_place(x) for x in p.provinces))
        pairs = _match(gp, pp, same_place)
        counts["site province"].add(len(pairs), len(pp), len(pairs), len(gp))
        gm = [m["place_zh"] for m in g["mentioned_places"]]
        pairs = _match(gm, p.mentioned, same_place)
        counts["mentioned place"].add(len(pairs), len(p.mentioned), len(pairs), len(gm))
        note("mentioned", f"gold {gm} pred {p.mentioned}")
        # organisation
        gf, pf = o.get("founded"), p.founded
        counts["founding year"].add(int(pf is not None and pf == gf), int(pf is not None), int(gf is not None and pf == gf),
                                    int(gf is not None))
        note("founded", f"gold {gf} pred {pf}")
        gl = o.get("listing") or []
        pairs = _match(gl, p.listings, lambda a, b: _exchange_ok(a.get("exchange"), b[0]))
        counts["listing"].add(len(pairs), len(p.listings), len(pairs), len(gl))
        for gi, pi in pairs:
            if gl[gi].get("code"):
                attrs["listing code"][1] += 1
                attrs["listing code"][0] += (p.listings[pi][1] or "") == str(gl[gi]["code"])
        note("listing", f"gold {[(x.get('exchange'), x.get('code')) for x in gl]} pred {p.listings}")
        gr = o.get("parents_shareholders") or []
        pairs = _match(gr, p.relations, lambda a, b: same_org(a["name_zh"], b[1])
                       and (a.get("relation") == "subsidiary") == (b[0] == "subsidiary"))
        counts["parent/shareholder"].add(len(pairs), len(p.relations), len(pairs), len(gr))
        note("relations", f"gold {[(x['relation'], x['name_zh']) for x in gr]} pred {p.relations}")
        gh = (o.get("headquarters") or {}).get("place_zh") if o.get("headquarters") else None
        ok = bool(gh and p.headquarters and same_place(gh, p.headquarters))
        counts["headquarters"].add(int(ok), int(p.headquarters is not None), int(ok), int(gh is not None))
        note("hq", f"gold {gh} pred {p.headquarters}")
        # recognitions
        grec = g["recognitions"]
        pairs = _match(grec, p.recognitions, lambda a, b: same_title(a["what_zh"], b[0]))
        counts["recognition"].add(len(pairs), len(p.recognitions), len(pairs), len(grec))
        for gi, pi in pairs:
            gi_, pi_ = grec[gi], p.recognitions[pi]
            if gi_.get("issuer_zh"):
                attrs["recognition issuer"][1] += 1
                attrs["recognition issuer"][0] += bool(pi_[1]) and same_org(gi_["issuer_zh"], pi_[1])
            if gi_.get("year"):
                attrs["recognition year"][1] += 1
                attrs["recognition year"][0] += pi_[2] == gi_["year"]
        matched_p = {pi for _, pi in pairs}
        matched_g = {gi for gi, _ in pairs}
        for gi, x in enumerate(grec):
            if gi not in matched_g:
                note("recognition MISS", f"{x['what_zh']} / {x.get('issuer_zh')} / {x.get('year')}")
        for pi, x in enumerate(p.recognitions):
            if pi not in matched_p:
                note("recognition EXTRA", f"{x}")
        # targets
        gt = g["targets"]

        def same_target(a, b):
            if a.get("year"):
                return b[1] == a["year"] and (_kind_ok(a.get("kind"), b[0]) or abs(b[5] - int(a.get("line") or 0)) <= 2)
            return abs(b[5] - int(a.get("line") or 0)) <= 2

        pairs = _match(gt, p.targets, same_target)
        counts["target"].add(len(pairs), len(p.targets), len(pairs), len(gt))
        for gi, pi in pairs:
            a, b = gt[gi], p.targets[pi]
            if a.get("scope"):
                attrs["target scope"][1] += 1
                attrs["target scope"][0] += bool(b[2]) and any(w in a["scope"].lower() for w in re.split(r"[ ,]+(?:and )?", b[2]) if len(w) > 1)
            if a.get("baseline_year"):
                attrs["target baseline"][1] += 1
                attrs["target baseline"][0] += b[3] == a["baseline_year"]
            if a.get("percentage") is not None:
                attrs["target percentage"][1] += 1
                attrs["target percentage"][0] += b[4] is not None and abs(b[4] - float(a["percentage"])) < 1e-6
        note("targets", f"gold {[(x['kind'], x.get('year'), x.get('line')) for x in gt]} pred {[(x[0], x[1], x[5]) for x in p.targets]}")
        # partners
        gpn = [x["name_zh"] for x in g.get("partners", [])]
        pairs = _match(gpn, p.partners, same_partner)
        counts["partner"].add(len(pairs), len(p.partners), len(pairs), len(gpn))
        note("partners", f"gold {gpn} pred {p.partners}")
    return FactScore(counts, attrs, details)


def same_partner(a: str, b: str) -> bool:
    """One organisation: graph/orgfacts.py's same_org, or the same name once a bracketed abbreviation is dropped
    (公众环境研究中心（IPE） ~ 公众环境研究中心)."""
    def core(x):
        return re.sub(r"[（(][^）)]*[）)]?|\s", "", x)

    return same_org(a, b) or (bool(core(a)) and core(a) == core(b))


# -- predictions --------------------------------------------------------------------------------------------

def predict_extracted(collection, gazetteer) -> dict[str, Pred]:
    """What the extractors read from the text alone (no curated metadata, no hand-built vocabulary)."""
    from .orgfacts import extract_org_facts
    from .partners import extract_partners
    from .places import case_places, headquarters_place
    from .recognitions import extract_recognitions
    from .targets import extract_targets

    out = {}
    for case in collection.cases:
        cp = case_places(case, gazetteer)
        of = extract_org_facts(case)
        hq = headquarters_place(of, gazetteer)
        p = Pred(
            sites=[gazetteer.get(c).name for c in cp.finest_sites(gazetteer)],
            provinces=[gazetteer.get(c).name for c in cp.site_provinces(gazetteer)],
            mentioned=[gazetteer.get(c).name for c in cp.mentioned],
            founded=of.founded[0] if of.founded else None,
            listings=[(x.exchange, x.code) for x in of.listings],
            relations=[(rel, name) for rel, name, _ in of.relations],
            headquarters=hq.name if hq else None,
            recognitions=[(r.what, r.issuer, r.year) for r in extract_recognitions(case)],
            targets=[(t.kind, t.year, t.scope, t.baseline_year, t.percentage, t.span.para.line_at(t.span.start))
                     for t in extract_targets(case)],
            partners=[x.name for x in extract_partners(case)],
        )
        out[case.id] = p
    return out


def predict_graph(graph) -> dict[str, Pred]:
    """What a built graph states (ckg:projectSite / ckg:mentionsPlace when present, else every ckg:locatedIn
    as a site; organisation facts; recognitions with their labels; targets)."""
    from .namespace import CKG, SCHEMA
    from rdflib.namespace import RDFS

    def zh(node):
        labs = [str(o) for o in graph.objects(node, RDFS.label) if getattr(o, "language", None) == "zh"]
        return labs[0] if labs else str(node).rsplit("/", 1)[-1]

    def province_of(place):
        """The ancestor directly under 中国 (a province-level division), or None."""
        node = place
        for _ in range(8):
            parent = next(iter(graph.objects(node, SCHEMA.containedInPlace)), None)
            if parent is None:
                return None
            if str(next(iter(graph.objects(parent, CKG.placeKind)), "")) == "country":
                return node if zh(parent) == "中国" else None
            node = parent
        return None

    out = {}
    for case in graph.subjects(CKG.caseId, None):
        cid = str(next(graph.objects(case, CKG.caseId)))
        p = Pred()
        sites = list(graph.objects(case, CKG.projectSite)) if (None, CKG.projectSite, None) in graph else \
            list(graph.objects(case, CKG.locatedIn))
        p.sites = [zh(s) for s in sites]
        p.provinces = list(dict.fromkeys(zh(pr) for pr in (province_of(s) for s in sites) if pr is not None))
        p.mentioned = [zh(s) for s in graph.objects(case, CKG.mentionsPlace)]
        org = next(graph.objects(case, CKG.organisation))
        fd = next(graph.objects(org, SCHEMA.foundingDate), None)
        p.founded = int(str(fd)[:4]) if fd is not None else None
        for lst in graph.objects(org, CKG.listing):
            ex = next(graph.objects(lst, CKG.exchange), None)
            code = next(graph.objects(lst, CKG.stockCode), None)
            p.listings.append((str(ex).rsplit("/", 1)[-1] if ex else None, str(code) if code else None))
        for lit in graph.objects(org, CKG.listedOn):
            s = str(lit).lower()
            ex = next((k for k, ws in EXCHANGE_WORDS.items() if any(w in s for w in ws)), None)
            code = re.search(r"\d{4,6}|[A-Z]{3,5}$", str(lit))
            if not any(e == ex for e, _ in p.listings):
                p.listings.append((ex, code.group(0) if code else None))
        for par in graph.objects(org, CKG.parentOrganisation):
            p.relations.append(("parent", zh(par)))
        for sh in graph.objects(org, CKG.shareholder):
            p.relations.append(("shareholder", zh(sh)))
        for sub in graph.subjects(CKG.parentOrganisation, org):
            p.relations.append(("subsidiary", zh(sub)))
        hq = next(graph.objects(org, CKG.headquarters), None)
        if hq is not None:
            p.headquarters = zh(hq)
        else:
            loc = [str(o) for o in graph.objects(org, SCHEMA.location) if getattr(o, "language", None) == "zh"]
            p.headquarters = loc[0] if loc else None
        events = list(graph.objects(case, CKG.receivedRecognition))
        if events:
            for ev in events:
                what = next(graph.objects(ev, CKG.recognitionTitle), None)
                issuer = next(graph.objects(ev, CKG.issuerName), None)
                year = next(graph.objects(ev, CKG.year), None)
                p.recognitions.append((str(what), str(issuer) if issuer else None, int(str(year)[:4]) if year else None))
        else:
            p.recognitions = [(zh(r), None, None) for r in graph.objects(case, CKG.recognition)]
        for t in graph.objects(case, CKG.statesTarget):
            kind = next(graph.objects(t, CKG.targetKind), None)
            year = next(graph.objects(t, CKG.targetYear), None)
            scope = next(graph.objects(t, CKG.targetScope), None)
            base = next(graph.objects(t, CKG.baselineYear), None)
            pct = next(graph.objects(t, CKG.targetPercentage), None)
            line = next(graph.objects(t, CKG.startLine), None)
            p.targets.append((str(kind).rsplit("/", 1)[-1] if kind else "other", int(str(year)[:4]) if year else None,
                              str(scope) if scope else None, int(str(base)[:4]) if base else None,
                              float(pct) if pct is not None else None, int(line) if line else 0))
        p.partners = [zh(o) for o in graph.objects(case, CKG.partner)]
        out[cid] = p
    return out
