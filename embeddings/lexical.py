"""Lexical retrieval: Chinese segmentation as a named choice, and BM25 (bm25s) over the tokens.

Segmenters (as spaCy's Chinese support names them): ``jieba`` — jieba's
search-mode cut with a user dictionary made from the graph's labels, so
饿了么, 光储直柔, 渔光一体 stay whole; a word jieba does not know is also
indexed as character bigrams — and ``char`` — character bigrams only.
English text is lower-cased words without stop words.
"""

from __future__ import annotations

import enum
import json
import logging
import re
from pathlib import Path
from typing import Iterable

import numpy as np

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.+&'-]*[A-Za-z0-9+]|[A-Za-z]|\d+(?:\.\d+)?")

ZH_STOP = set("的 了 和 与 及 或 是 在 对 为 将 把 被 等 中 其 并 也 由 从 以 于 之 而 且 这 那 有 个 一 上 下 "
              "哪些 哪个 什么 如何 怎么 怎样 多少 是否 吗 呢 吧 啊 请问 请 介绍 一下 案例 项目 公司 企业 相关 通过".split())
EN_STOP = set("""a an the of in on at to for from by with and or but not no is are was were be been being do does did
has have had this that these those it its it's which what who whom whose how when where why there their they them
we our you your i me my can could should would will shall may might than then so as about into over under above
below per more most less least any all some each other such only own same very much many also just up down out off
case cases company companies firm firms project projects did does year years annual annually tell me show list give
which ones one get got use used using make made china chinese""".split())


class Segmenter(enum.Enum):
    JIEBA = "jieba"
    CHAR = "char"


def _stem(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def english_tokens(text: str) -> list[str]:
    return [_stem(w) for w in (m.group(0).lower() for m in LATIN_WORD.finditer(text)) if w not in EN_STOP and len(w) > 1]


class WordOverlay(dict):
    """A word → frequency table of its own over a base table that it never changes: what is set here (added words
    and their prefixes) is read first, everything else from the base. jieba reads its dictionary through ``in``,
    ``[]`` and ``get`` only."""

    __slots__ = ("base",)

    def __init__(self, base: dict):
        super().__init__()
        self.base = base

    def __missing__(self, key):
        return self.base[key]

    def __contains__(self, key) -> bool:
        return dict.__contains__(self, key) or key in self.base

    def get(self, key, default=None):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return self.base.get(key, default)


class ChineseTokenizer:
    """jieba (own instance, own user dictionary) or character bigrams; Latin words kept lower-cased."""

    def __init__(self, segmenter: Segmenter = Segmenter.JIEBA, user_words: Iterable[str] = ()):
        self.segmenter = Segmenter(segmenter)
        self.user_words = sorted({w for w in user_words if len(w) >= 2 and CJK.search(w)})
        self._jieba = None
        self._pos = None
        if self.segmenter is Segmenter.JIEBA:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.dt.check_initialized()  # jieba's own dictionary, read once per process
            tk = jieba.Tokenizer()
            # this tokenizer's words over jieba's dictionary, not a second copy of it (~46 MB a process): the figure
            # reader (graph.quantities) segments with jieba's dictionary as it is, this one adds the collection's words
            tk.FREQ, tk.total, tk.initialized = WordOverlay(jieba.dt.FREQ), jieba.dt.total, True
            for w in self.user_words:
                tk.add_word(w, freq=max(2000, 100 * len(w)))
            tk.lcut("预热")  # warm-up: builds the prefix dictionary once, not on the first query
            self._jieba = tk

    def tagged(self, text: str) -> list:
        """jieba's part-of-speech pairs (``.word``, ``.flag``) over this tokenizer's dictionary (jieba's own plus the
        collection's words). Importing ``jieba.posseg`` reads jieba's word → tag table once; the tagger here shares
        that table. Words of the collection added to this dictionary are tagged ``x`` (no tag of their own), as
        jieba tags words it lacks."""
        if self._pos is None:
            import jieba.posseg as pseg

            if self._jieba is None:
                self._pos = pseg.dt
            else:  # (POSTokenizer's constructor would read the tag table again: set its two fields instead)
                pos = pseg.POSTokenizer.__new__(pseg.POSTokenizer)
                pos.tokenizer, pos.word_tag_tab = self._jieba, pseg.dt.word_tag_tab
                self._pos = pos
        return self._pos.lcut(text)

    def _known(self, w: str) -> bool:
        return bool(self._jieba and self._jieba.FREQ.get(w))

    def tokens(self, text: str) -> list[str]:
        out: list[str] = []
        if self.segmenter is Segmenter.CHAR:
            for run in re.findall(r"[\u3400-\u9fff]+", text):
                out += [run[i:i + 2] for i in range(len(run) - 1)] or [run]
        else:
            for w in self._jieba.lcut_for_search(text):
                w = w.strip().lower()
                if not w or w in ZH_STOP:
                    continue
                if CJK.search(w):
                    out.append(w)
                    if len(w) >= 3 and not self._known(w):
                        out += [w[i:i + 2] for i in range(len(w) - 1)]
                elif LATIN_WORD.fullmatch(w) and w not in EN_STOP:
                    out.append(w)
        return out


class BM25Index:
    """bm25s over pre-tokenised documents; scores for every document at once."""

    def __init__(self, retriever, size: int):
        self.retriever = retriever
        self.size = size
        self.vocab = set(retriever.vocab_dict) if hasattr(retriever, "vocab_dict") else set()

    @classmethod
    def build(cls, docs: list[list[str]]) -> "BM25Index":
        import bm25s

        r = bm25s.BM25(k1=1.2, b=0.75)
        r.index([d if d else [""] for d in docs], show_progress=False)
        return cls(r, len(docs))

    def scores(self, tokens: list[str]) -> np.ndarray:
        tokens = [t for t in tokens if t in self.vocab]
        if not tokens:
            return np.zeros(self.size, dtype="float32")
        return np.asarray(self.retriever.get_scores(tokens), dtype="float32")

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), show_progress=False)
        (Path(folder) / "size.json").write_text(json.dumps({"size": self.size}))

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        import bm25s

        r = bm25s.BM25.load(str(folder))
        size = json.loads((Path(folder) / "size.json").read_text())["size"]
        return cls(r, size)


def detect_language(text: str) -> str:
    """"zh" when the text is mostly Chinese (a CJK character counts as three Latin letters), else "en"."""
    cjk = len(CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk and cjk * 3 >= latin else "en"
