"""The pages' language, their strings (``strings.toml``), the editor's examples (``examples.toml``), and
numbers and line references written the reader's way.

Language: ``?lang=zh|en`` (remembered in a ``lang`` cookie), else the cookie, else Accept-Language, else
Chinese — the collection's own language.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from urllib.parse import urlencode

from flask import g, request

from ..errors import BadRequest

HERE = Path(__file__).parent
LANGS = ("zh", "en")
LANG_COOKIE = "lang"


def load_data(name: str) -> dict:
    with open(HERE / name, "rb") as f:
        return tomllib.load(f)


#: key → (Chinese, English)
STRINGS: dict[str, tuple[str, str]] = {k: (v[0], v[1]) for k, v in load_data("strings.toml").items()}
_examples = load_data("examples.toml")
#: the SPARQL editor's examples: {"id", "zh", "en", "query"}
EXAMPLES: list[dict] = _examples["example"]
#: questions the ask page offers to try, per language
TRY_QUESTIONS: dict[str, list[str]] = _examples["try"]


def pick_lang() -> tuple[str, bool]:
    """(language, whether ?lang= chose it)."""
    asked = (request.args.get("lang") or "").strip().lower()
    if asked:
        if asked not in LANGS:
            shown = asked if len(asked) <= 20 else asked[:20] + "…"
            raise BadRequest(f"lang must be one of {', '.join(LANGS)}, got {shown!r}", detail={"parameter": "lang"})
        return asked, True
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return cookie, False
    best = request.accept_languages.best_match(LANGS)
    return best or "zh", False


def lang() -> str:
    if "ui_lang" not in g:
        g.ui_lang, g.ui_lang_from_param = pick_lang()
    return g.ui_lang


def t(key: str, **kw) -> str:
    zh, en = STRINGS[key]
    s = zh if lang() == "zh" else en
    return s.format(**kw) if kw else s


def pick(obj, key: str | None = None):
    """The current language's value: obj["zh"|"en"] or obj[f"{key}_zh"|f"{key}_en"], falling back to the other."""
    if obj is None:
        return ""
    other = "en" if lang() == "zh" else "zh"
    if key is None:
        return obj.get(lang()) or obj.get(other) or ""
    return obj.get(f"{key}_{lang()}") or obj.get(f"{key}_{other}") or ""


def lang_url(target: str) -> str:
    args = request.args.to_dict(flat=False)
    args["lang"] = [target]
    return request.path + "?" + urlencode(args, doseq=True)


def js_strings() -> dict[str, str]:
    i = 0 if lang() == "zh" else 1
    return {k: v[i] for k, v in STRINGS.items()}


def fmt_num(v) -> str:
    """13260 → "13,260"; 0.663 → "0.663" (no scientific notation)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        v = int(v)
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,.4f}".rstrip("0").rstrip(".")


def fmt_compact(v) -> str:
    """A short form for charts: 1.85 million / 184.8万."""
    if v is None:
        return ""
    a = abs(float(v))
    if lang() == "zh":
        if a >= 1e8:
            return f"{v / 1e8:.4g}亿"
        if a >= 1e4:
            return f"{v / 1e4:.4g}万"
    else:
        if a >= 1e9:
            return f"{v / 1e9:.3g} billion"
        if a >= 1e6:
            return f"{v / 1e6:.3g} million"
    return fmt_num(round(v, 2) if isinstance(v, float) else v)


def value_label(value, unit_label: str) -> str:
    """"10万千瓦" in Chinese, "100,000 kW" in English."""
    sep = "" if lang() == "zh" and unit_label and not unit_label[0].isascii() else " "
    return f"{fmt_compact(value)}{sep}{unit_label}".strip()


def lines_label(a: int, b: int | None = None) -> str:
    return t("line_one", a=a) if b is None or a == b else t("lines_range", a=a, b=b)
