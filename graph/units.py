"""Units and indicators: the one table every layer uses.

* **Units** — each base unit a figure is normalised to (t, kWh, kW, CNY, m2 …): its QUDT IRI, its zh/en
  label and its dimension (so energy kWh and power kW are never confused).
* **Indicators** — what a figure measures. The scheme lives in ``ontology/indicators.ttl`` (labels and
  alternative labels in both languages, the units an indicator is reported in); this module reads it once.
  An indicator's id is the local name of its IRI (``co2-reduction``) everywhere: extractor, graph,
  questions and pages.
* **Periods** — how a figure relates to time: ``annual`` (a flow per year), ``cumulative`` (a running total
  to a date), ``point`` (a state or one-off figure: a capacity, an area, a share) and ``projected`` (a target,
  forecast or hypothetical figure, never a reported result).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from .namespace import CKG, CUR, UNIT

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"


# -- units ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    symbol: str  # the base-unit symbol stored on outcomes (ckg:unitSymbol)
    zh: str
    en: str
    dimension: str  # mass, energy, power, money, area, volume, … (kWh is energy, kW is power)
    qudt: URIRef | None = None


UNITS: dict[str, Unit] = {
    u.symbol: u
    for u in (
        Unit("t", "吨", "t", "mass", UNIT["TONNE"]),
        Unit("kg", "千克", "kg", "mass", UNIT["KiloGM"]),
        Unit("tce", "吨标准煤", "tce", "energy-coal-equivalent"),
        Unit("kWh", "千瓦时", "kWh", "energy", UNIT["KiloW-HR"]),
        Unit("kW", "千瓦", "kW", "power", UNIT["KiloW"]),
        Unit("kV", "千伏", "kV", "voltage", UNIT["KiloV"]),
        Unit("CNY", "元", "CNY", "money", CUR["CNY"]),
        Unit("USD", "美元", "USD", "money", CUR["USD"]),
        Unit("EUR", "欧元", "EUR", "money", CUR["EUR"]),
        Unit("m2", "平方米", "m²", "area", UNIT["M2"]),
        Unit("m3", "立方米", "m³", "volume", UNIT["M3"]),
        Unit("L", "升", "L", "volume", UNIT["L"]),
        Unit("km", "公里", "km", "length", UNIT["KiloM"]),
        Unit("m", "米", "m", "length", UNIT["M"]),
        Unit("h", "小时", "h", "time", UNIT["HR"]),
        Unit("d", "天", "d", "time", UNIT["DAY"]),
        Unit("%", "%", "%", "ratio", UNIT["PERCENT"]),
        Unit("count", "", "", "count", UNIT["NUM"]),
        Unit("℃", "℃", "°C", "temperature", UNIT["DEG_C"]),
        Unit("倍", "倍", "×", "ratio", UNIT["UNITLESS"]),
    )
}
UNIT_IRIS = {s: u.qudt for s, u in UNITS.items() if u.qudt is not None}
UNIT_LABELS = {s: (u.zh, u.en) for s, u in UNITS.items()}  # (zh, en) names of the base units


def unit_label(unit: str | None, lang: str) -> str:
    """The unit's name in ``lang`` (a compound unit such as kWh/㎡ is shown as printed)."""
    if unit is None:
        return ""
    u = UNITS.get(unit)
    if u is None:
        return unit
    return u.zh if lang == "zh" else u.en


def dimension(unit: str) -> str:
    """mass, energy, power … — or the unit itself for a compound unit (kWh/㎡)."""
    u = UNITS.get(unit)
    return u.dimension if u else unit


# -- indicators ----------------------------------------------------------------------


def indicator_id(code: str) -> str:
    """The one spelling of an indicator id: the local name of its IRI (co2_reduction → co2-reduction)."""
    return code.replace("_", "-")


@dataclass(frozen=True)
class Indicator:
    id: str
    zh: str
    en: str
    alt_zh: tuple[str, ...]
    alt_en: tuple[str, ...]
    units: tuple[str, ...]  # base units it is reported in (empty: any)
    broader: str | None = None

    @property
    def catch_all(self) -> bool:
        return self.id in CATCH_ALL


CATCH_ALL = ("count", "other")


@lru_cache(maxsize=4)
def indicators(path: Path | None = None) -> dict[str, Indicator]:
    """The indicator scheme of ontology/indicators.ttl, by id, in file order of ids."""
    g = Graph()
    g.parse(path or ONTOLOGY_DIR / "indicators.ttl", format="turtle")
    out: dict[str, Indicator] = {}
    for s in sorted(g.subjects(RDF.type, CKG.Indicator)):
        def lits(p, lang):
            return sorted(str(o) for o in g.objects(s, p) if getattr(o, "language", None) == lang)

        zh, en = lits(SKOS.prefLabel, "zh"), lits(SKOS.prefLabel, "en")
        broader = next((str(o).rsplit("/", 1)[-1] for o in g.objects(s, SKOS.broader)), None)
        units = tuple(sorted(str(o) for o in g.objects(s, CKG.unitSymbol)))
        iid = str(s).rsplit("/", 1)[-1]
        out[iid] = Indicator(iid, zh[0] if zh else iid, en[0] if en else iid, tuple(lits(SKOS.altLabel, "zh")),
                             tuple(lits(SKOS.altLabel, "en")), units, broader)
    return out


def indicator_label(iid: str, lang: str) -> str:
    ind = indicators().get(indicator_id(iid))
    if ind is None:
        return iid
    return ind.zh if lang == "zh" else ind.en


def _norm_en(s: str) -> str:
    s = s.lower().replace("co₂", "co2").replace("-", " ")
    return " ".join(re.sub(r"(?<=[a-z]{3})(ies|s)\b", lambda m: "y" if m.group(1) == "ies" else "", w) for w in s.split())


def classify_measure(text_zh: str, text_en: str, unit: str | None) -> str | None:
    """The indicator whose labels (zh or en, preferred or alternative) name ``text`` best.

    Only indicators reported in ``unit`` (when given) compete; the longest label found wins. Used to read a
    free-text description of what a figure measures (a question, a hand-written evaluation record).
    """
    best: tuple[int, str] | None = None
    en = _norm_en(text_en or "")
    for ind in indicators().values():
        if ind.catch_all or (unit and ind.units and unit not in ind.units):
            continue
        for lab in (ind.zh, *ind.alt_zh):
            if lab and lab in (text_zh or ""):
                cand = (len(lab) * 2, ind.id)  # a Chinese character carries about two Latin letters' weight
                best = max(best, cand) if best else cand
        for lab in (ind.en, *ind.alt_en):
            nl = _norm_en(lab)
            if nl and re.search(rf"\b{re.escape(nl)}\b", en):
                cand = (len(nl) // 2, ind.id)
                best = max(best, cand) if best else cand
    return best[1] if best else None


# -- periods -------------------------------------------------------------------------

PERIODS = ("annual", "cumulative", "point", "projected")
PERIOD_LABELS = {"annual": ("年度", "annual"), "cumulative": ("累计", "cumulative"), "point": ("时点", "point in time"),
                 "projected": ("预计", "projected")}

# a question's unit with no indicator named: the indicator it most likely means ("more than 10 MW" is a capacity)
UNIT_DEFAULT_INDICATOR = {"kW": "capacity", "kWh": "power-generation", "t": "co2-reduction", "CNY": "investment",
                          "m2": "area"}
# indicators a case page compares with other cases, in order of preference: (indicator id, unit)
CHART_INDICATORS = [
    ("co2-reduction", "t"), ("capacity", "kW"), ("power-generation", "kWh"), ("green-power", "kWh"),
]
