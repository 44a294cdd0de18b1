"""Measure the quantity extractor against the hand-checked sample.

The sample (data/eval/quantities_gold.tsv) lists every figure in the 项目成果
part of all 26 cases and in the 项目实施 part of six of them. A figure counts
as found when the extractor reports, in the same case, within one source line,
the same value (±0.5 %) in the same base unit. Precision is measured on what
the extractor reports inside the same parts.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from climatekg.corpus.model import Collection
from .quantities import ARABIC, case_figures, extract
from .units import UNITS, indicator_id

FIRST_INDICATORS = {  # the 22 indicators the sample was written against
    "co2-reduction", "emissions", "carbon-intensity", "energy-saved", "energy-consumption", "power-generation",
    "green-power", "renewable-share", "capacity", "storage-capacity", "investment", "cost-saving", "revenue",
    "financing", "water", "waste", "area", "users", "production", "reduction-rate", "other"}
SCOPE_EXTRA = {"case-01", "case-07", "case-17", "case-20", "case-23", "case-26"}


@dataclass
class ExtractionScore:
    gold: int
    extracted: int
    matched_gold: int
    matched_extracted: int
    indicator_agree: int
    period_agree: int
    misses: list[dict] = field(default_factory=list)
    false_positives: list[dict] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched_gold / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.matched_extracted / self.extracted if self.extracted else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_gold(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(1e-6, 0.005 * max(abs(a), abs(b)))


def evaluate(collection: Collection, gold_path: Path) -> ExtractionScore:
    gold = load_gold(gold_path)
    found: list[dict] = []
    for case in collection.cases:
        keys = ["results"] + (["implementation"] if case.id in SCOPE_EXTRA else [])
        for key in keys:
            for para in case.parts[key].paragraphs:
                for q in extract(para.text):
                    found.append(
                        {"case": case.id, "line": para.line_at(q.start), "surface": q.surface, "value": q.value,
                         "unit": q.unit, "measure": q.indicator, "period": q.period_kind}
                    )
    used: set[int] = set()
    matched_gold, ind_ok, per_ok = 0, 0, 0
    misses = []
    for g in gold:
        gv = float(g["value"])
        hit = None
        for i, x in enumerate(found):
            if i in used or x["case"] != g["case"] or abs(x["line"] - int(g["line"])) > 1:
                continue
            # one unit however it is spelled: the sample writes rates as printed (元/㎡), the graph in base symbols
            xv, xu = _quantity(x["value"], x["unit"])
            gq, gu = _quantity(gv, g["unit"])
            if xu == gu and _close(xv, gq):
                hit = i
                break
        if hit is None:
            misses.append(g)
            continue
        used.add(hit)
        matched_gold += 1
        got, want = found[hit]["measure"], indicator_id(g["measure"])
        # the sample predates the indicators added for its "count" and "other" figures: those agree with any
        # indicator the sample did not know
        ind_ok += got == want or (want in ("count", "other") and got not in FIRST_INDICATORS)
        per_ok += found[hit]["period"] in ((g["period"] or "point"), "projected" if not g["period"] else None)
    fps = [x for i, x in enumerate(found) if i not in used]
    return ExtractionScore(
        gold=len(gold), extracted=len(found), matched_gold=matched_gold, matched_extracted=len(used),
        indicator_agree=ind_ok, period_agree=per_ok, misses=misses, false_positives=fps,
    )


# -- the blind figure set ----------------------------------------------------------------
#
# data/eval/blind/figures-{dev,test}.jsonl: figures written from the source text alone by someone who never
# saw the extractor (value in a base unit, what is measured in zh/en and the thing counted, year, baseline
# year, period). A gold figure is aligned with the outcome of the same case, within one source line of where
# the number starts — or whose number wrapped onto the next text line of the quote's paragraph (the source
# separates its lines by blank ones, and a writer cites the line the quote begins on) — that has the same
# value (±0.5 %), or, failing that, the outcome that read the same printed number (a wrong reading of the
# right figure). Per field, over the 156 figures:
#   precision = right / figures for which the system states the field (aligned, non-empty)
#   recall    = right / gold figures for which the field is non-empty
# so a year left empty costs recall, a wrong year costs both. What is measured is right when
#   * the gold figure counts things and the outcome names a counted thing whose Chinese name occurs in the
#     gold description or whose English head noun is the gold's (factories ~ factory), or
#   * the outcome's indicator is the one the gold description names, read with the indicator scheme's own
#     labels and alternative labels (graph.units.classify_measure, restricted to indicators reported in the
#     gold unit); an indicator and its broader or narrower indicator agree, or
#   * in percent, the gold names a change of one direction and the outcome names it by the change (reduction-rate,
#     growth-rate) — or the gold names the change (…能耗降幅, …排放量减少比例) and the outcome names the thing's
#     change as the scheme's labels name it (减少能耗: energy-saved; 减少碳排放: co2-reduction): writers and
#     indicators name one change both ways.
# Units: the gold writers' base units have no tonne of coal equivalent, so a gold "t" accepts "tce"; a mass of
# CO₂ is a mass (gCO2/p.km = g/pkm: the writers spell passenger-km p.km or pkm);
# compound units compare as printed (kWh/㎡ = kWh/m2, 元/㎡ = CNY/m2). Values compare as one quantity: the
# writers' base units have no metre, kilogram, mu or hour, so they wrote 7.2 米 as 0.0072 km, 60kg as 0.06 t and kept 6000 亩 as
# "other:mu" — both sides are read in the same unit (km, m², h, yr) before they are compared; a multiple (倍,
# "times", ×) and degrees Celsius (℃, "°C") are one unit whichever way it is spelled.

BLIND_FIELDS = ("value", "unit", "measure", "year", "baseline_year", "period")


@dataclass
class FieldScore:
    right: int = 0
    stated: int = 0  # aligned figures for which the system states the field
    gold: int = 0  # gold figures for which the field is non-empty

    @property
    def precision(self) -> float:
        return self.right / self.stated if self.stated else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.gold if self.gold else 0.0


@dataclass
class BlindScore:
    figures: int
    aligned: int
    fields: dict[str, FieldScore]
    rows: list[dict] = field(default_factory=list)  # per gold figure: gold, system, which fields are right


def load_blind(path: Path) -> list[dict]:
    import json

    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _norm_unit(u: str | None) -> str:
    u = (u or "").removeprefix("other:").lower().replace("㎡", "m2").replace("m²", "m2").replace("m³", "m3")
    u = re.sub(r"/\s*(yr|year|a|年)$", "/yr", u.replace(" ", ""))
    u = re.sub(r"(?:万元|元)(?=/)", "cny", u) if "/" in u else u
    # a mass of CO₂ is a mass (gCO2 = g, tCO2e = t); a passenger-km is one unit however it is spelled (p.km, pkm)
    u = re.sub(r"(?<![a-z])(t|kg|g)co[2₂](?:e|eq)?(?![a-z])", r"\1", u).replace("p.km", "pkm")
    return {"tce": "t"}.get(u, u)


# units the two sides may state one quantity in: (unit, factor) to the unit compared
_SAME_QUANTITY = {"m": ("km", 1e-3), "kg": ("t", 1e-3), "mu": ("m2", 10000 / 15), "亩": ("m2", 10000 / 15), "hours": ("h", 1.0),
                  "hour": ("h", 1.0), "minutes": ("h", 1 / 60), "minute": ("h", 1 / 60), "min": ("h", 1 / 60),
                  "years": ("yr", 1.0), "year": ("yr", 1.0), "a": ("yr", 1.0), "v": ("kv", 1e-3),
                  # one unit, three spellings: the graph's symbol, its English label and the writers' word
                  "倍": ("times", 1.0), "×": ("times", 1.0), "℃": ("°c", 1.0), "degc": ("°c", 1.0)}


def _quantity(value: float, unit: str | None) -> tuple[float, str]:
    """(value, unit) in the unit both sides are compared in."""
    u = _norm_unit(unit)
    to, f = _SAME_QUANTITY.get(u, (u, 1.0))
    return value * f, to


def _first_number(s: str) -> str | None:
    m = re.search(ARABIC, s or "")
    return m.group(0).replace(",", "") if m else None


def _head(en: str | None) -> str:
    from .units import _norm_en

    words = re.sub(r"\(.*?\)", "", _norm_en(en or "")).split()
    return words[-1] if words else ""


def system_view(f) -> dict:
    """What the graph states about one figure, in the blind set's terms."""
    q = f.quantity
    period = q.period_kind
    line = f.line
    prev = max((b[1] for b in f.paragraph.breaks if b[1] < line), default=None)  # the text line before it
    return {"line": line, "prev_line": prev, "surface": q.surface, "value": q.value, "unit": q.unit, "indicator": indicator_id(q.indicator),
            "counted_zh": getattr(q, "counted_zh", None), "counted_en": getattr(q, "counted_en", None),
            "year": q.year, "baseline_year": getattr(q, "baseline_year", None), "period": period}


# the head of a Chinese description is its last word: …的X比例 / X占Y比重 names a part of a whole — unless it names
# the change the part measures (已减少比例, 降低…比例, 节电比例 is a reduction)
SHARE_HEAD = re.compile(r"(?:比例|占比|比重)$")
CHANGE_WORD = re.compile(r"降低|减少|下降|[削消]减|节省|节约|提升|提高|增长|增加|降幅|增幅|减幅|[节省][能电水肥药煤油气]量?(?:比例|占比|比重)$")
# a change of something in percent (X用量降低比率, X产量提高, X增幅): the writers name it by the change
# (reduction-rate, growth-rate) or by the thing that changed (energy-saved, production, co2-reduction) — two writers
# named the same sentence one way and the other — and the indicator scheme defines reduction-rate and growth-rate
# as the relative decrease or increase "of some quantity": the change of the description's direction is right too
CHANGE_DOWN = re.compile(r"降幅|降低|下降|减少|[削消]减|减幅|[节省][能电水肥药煤油气]")  # 节电, 省水: a use cut
CHANGE_UP = re.compile(r"增幅|增速|增长|增加|提高|提升|上升")


def _names_a_share(measure_zh: str) -> bool:
    """Whether a description's head names a share: 已实现X覆盖的Y比例 is a share of Y, not the X it covers."""
    head = re.sub(r"[（(][^）)]*[）)]\s*$", "", measure_zh or "").strip()
    return bool(SHARE_HEAD.search(head)) and not CHANGE_WORD.search(head)


def _change_of(measure_zh: str) -> str | None:
    """The change a description names, when it names one direction only: reduction-rate or growth-rate."""
    head = re.sub(r"[（(][^）)]*[）)]\s*$", "", measure_zh or "").strip()
    down, up = CHANGE_DOWN.search(head), CHANGE_UP.search(head)
    if bool(down) == bool(up):
        return None
    return "reduction-rate" if down else "growth-rate"


def _changes_of_what_changed(measure_zh: str) -> set[str]:
    """The indicators that name the change a description names, by the thing that changed: …能耗降幅 is a cut of
    energy use, which the scheme names energy-saved (its label 减少能耗); …排放量减少比例 a cut of emissions,
    co2-reduction (减少碳排放). The thing is the indicator the description's words name once its words of change
    are taken out; its cut is the indicator the scheme's labels name for 减少/增加 + each of the thing's labels.
    A thing whose change the scheme names by the thing itself (water, reported in percent) is that thing. The
    converse of the rule above (a description naming the thing, a system naming the change)."""
    from .units import classify_measure, indicators

    change = _change_of(measure_zh)
    if change is None:
        return set()
    head = re.sub(r"[（(][^）)]*[）)]\s*$", "", measure_zh).strip()
    thing = classify_measure(CHANGE_WORD.sub("", re.sub(r"(?:比例|比率|幅度|比重)$", "", head)), "", None)
    if thing is None or thing in ("reduction-rate", "growth-rate"):
        return set()
    verb = "减少" if change == "reduction-rate" else "增加"
    ind = indicators()[thing]
    cuts = {c for label in (ind.zh, *ind.alt_zh) if (c := classify_measure(verb + label, "", "%")) not in (None, thing)}
    # a thing whose change has no indicator of its own (water: 节水, 水耗下降) is named by the thing, in percent
    return cuts or ({thing} if "%" in ind.units else set())


def measure_right(gold: dict, sys: dict) -> bool:
    from .units import classify_measure, indicators

    if gold.get("counted") and sys.get("counted_zh"):
        if sys["counted_zh"] in gold["measure_zh"] or _head(sys.get("counted_en")) == _head(gold["counted"]):
            return True
    unit = _norm_unit(gold["base_unit"])
    if _quantity(1.0, gold["base_unit"])[1] == _quantity(1.0, sys["unit"])[1]:
        unit = sys["unit"]  # the same unit under the gold writers' base units (t for tce, other:mu for m²)
    want = classify_measure(gold["measure_zh"], gold["measure_en"], unit if unit in UNITS else None)
    if want is None and unit != _norm_unit(gold["base_unit"]) and _norm_unit(gold["base_unit"]) in UNITS:
        # no indicator is reported in the system's spelling of the unit (kg): read the description in the gold's (t)
        want = classify_measure(gold["measure_zh"], gold["measure_en"], _norm_unit(gold["base_unit"]))
    inds = indicators()
    if want is not None and _names_a_share(gold["measure_zh"]) and set(inds[want].units) - {"%"}:
        want = "share"  # the head names a part of a whole; the indicator its modifier names is what it is a part of
    got = sys["indicator"]
    if unit == "%" and not _names_a_share(gold["measure_zh"]) and got == _change_of(gold["measure_zh"]):
        return True
    if unit == "%" and not _names_a_share(gold["measure_zh"]) and got in _changes_of_what_changed(gold["measure_zh"]):
        return True
    if want is None:
        return False

    def chain(i):
        seen = []
        while i and i not in seen:
            seen.append(i)
            i = inds[i].broader if i in inds else None
        return seen

    return got in chain(want) or want in chain(got)


def evaluate_blind(collection: Collection, path: Path) -> BlindScore:
    gold = load_blind(path)
    figs_by_case = {c.number: [system_view(f) for f in case_figures(c)] for c in collection.cases}
    fields = {k: FieldScore() for k in BLIND_FIELDS}
    rows = []
    aligned = 0
    for g in gold:
        gl = int(g["line"])
        cands = [s for s in figs_by_case.get(int(g["case"]), []) if abs(s["line"] - gl) <= 1 or s["prev_line"] == gl]
        cands.sort(key=lambda s: abs(s["line"] - gl))
        gv, gu = _quantity(float(g["value"]), g["base_unit"])
        sys = next((s for s in cands if _close(_quantity(s["value"], s["unit"])[0], gv)), None)
        if sys is None:
            num = _first_number(g.get("printed", ""))
            sys = next((s for s in cands if num and _first_number(s["surface"]) == num), None)
        right = {}
        if sys is not None:
            aligned += 1
            right = {
                "value": _close(_quantity(sys["value"], sys["unit"])[0], gv),
                "unit": _quantity(sys["value"], sys["unit"])[1] == gu,
                "measure": measure_right(g, sys),
                "year": sys["year"] is not None and sys["year"] == g["year"],
                "baseline_year": sys["baseline_year"] is not None and sys["baseline_year"] == g["baseline_year"],
                "period": sys["period"] == g["period"],
            }
            for k in ("value", "unit", "measure", "period"):
                fields[k].stated += 1
            fields["year"].stated += sys["year"] is not None
            fields["baseline_year"].stated += sys["baseline_year"] is not None
        for k in ("value", "unit", "measure", "period"):
            fields[k].gold += 1
        fields["year"].gold += g["year"] is not None
        fields["baseline_year"].gold += g["baseline_year"] is not None
        for k, ok in right.items():
            fields[k].right += ok
        rows.append({"gold": g, "system": sys, "right": right})
    return BlindScore(figures=len(gold), aligned=aligned, fields=fields, rows=rows)
