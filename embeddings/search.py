"""Hybrid search and similar cases over the built indexes.

Three legs rank the 26 cases for a query:

* **dense** — the multilingual model's query vector against every chunk (and
  each case's English card); a case ranks by its best row;
* **lexical** — BM25 over jieba tokens of the Chinese chunks (CJK and Latin
  query words), and for English queries BM25 over the English case cards
  (stop words removed, so "a" or "year" cannot push a case up);
* **entity** — mentions in the query, in either language, of graph entities
  (companies and their groups, technologies, places, partners, awards,
  standards, sections) linked through their labels; a case scores the
  specificity (IDF) of the entities it is linked to.

They are fused by weighted reciprocal rank fusion. Each result shows its best
passages with the matched terms marked, their source lines, and its rank in
each leg. ``similar`` (from ``similar.py``) combines several embedding views of
the cases with what they share in the graph.
"""

from __future__ import annotations

import html
import json
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from climatekg.config import Settings
from climatekg.corpus.model import PART_EN, PART_ZH
from .build import check_index
from .errors import IndexMismatch, SearchInputError, UnknownCase
from .lexical import CJK, EN_STOP, BM25Index, ChineseTokenizer, detect_language, english_tokens
from .similar import MAX_TEXT_CHARS, SIMILAR_K, SimilarCases

# what callers import from here: the engine's errors, the language of a text, the limits
__all__ = ["SearchEngine", "Query", "Weights", "IndexMismatch", "SearchInputError", "UnknownCase", "detect_language",
           "validate_query", "check_index", "highlight", "MAX_QUERY_CHARS", "MAX_TEXT_CHARS", "SEARCH_K", "SIMILAR_K"]
from .vector_index import VectorIndex

LEGS = ("dense", "lexical", "entity")
SECTION_ALIASES = {"s1": ["consumption"], "s2": ["manufacturing"], "s3": ["finance", "bank"], "s4": ["energy"],
                   "s5": ["transport"]}


# the limits of a search or a question (those of similar cases are in similar.py) — the one place they live: the
# HTTP routes, the MCP tools and the OpenAPI description read them from here
MAX_QUERY_CHARS = 1000  # the longest question or search query
SEARCH_K = (1, 50)  # how many cases a search returns


def validate_query(text, what: str = "query") -> str:
    """The query stripped, or SearchInputError when it is empty or longer than MAX_QUERY_CHARS."""
    if text is None or not str(text).strip():
        raise SearchInputError(f"the {what} is empty")
    text = str(text).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise SearchInputError(f"the {what} is longer than {MAX_QUERY_CHARS} characters")
    return text


@dataclass
class Query:
    """A query analysed once — its language, the graph entities it names, its vector (computed on first use) —
    and shared by everything that reads it (search, question answering)."""

    text: str
    lang: str
    mentions: list
    _embed: object = field(repr=False, default=None)
    _tokenize: object = field(repr=False, default=None)
    _vector: np.ndarray | None = field(repr=False, default=None)

    @property
    def vector(self) -> np.ndarray:
        if self._vector is None:
            self._vector = self._embed(self.text)
        return self._vector

    @property
    def tokens(self) -> list[str]:
        """The words of the query as the Chinese lexical index segments them (Latin words kept whole)."""
        return self._tokenize(self.text) if self._tokenize is not None else []


@dataclass
class Weights:
    """The fusion's leg weights and RRF constant; the defaults are the settings' (``weight_*``, ``rrf_k``)."""

    dense: float = Settings.weight_dense
    lexical: float = Settings.weight_lexical
    entity: float = Settings.weight_entity
    rrf_k: float = Settings.rrf_k

    @classmethod
    def from_settings(cls, settings) -> "Weights":
        return cls(settings.weight_dense, settings.weight_lexical, settings.weight_entity, settings.rrf_k)


@dataclass
class EntityMention:
    entity: dict
    label: str
    start: int
    end: int


GENERIC_EN = {"china", "group", "company", "bank", "power", "energy", "green", "carbon", "technology", "international",
              "report", "award", "prize", "standard", "project", "industry", "association", "government", "city", "province"}
_SUFFIX = re.compile(r"\s*(,?\s*(co\.?,? ?ltd\.?|ltd\.?|limited|inc\.?|corporation|corp\.?|company|group|holdings?|china))+$", re.I)


def name_variants(label: str, proper_name: bool = True) -> list[str]:
    """Forms a user may type for an English label: "Forbes / Forbes China" → forbes, forbes china;
    "United Nations Global Compact (UNGC)" → united nations global compact, ungc; "Nestlé China" → nestlé."""
    out = []
    for part in re.split(r"\s+/\s+|;\s*", label):
        part = part.strip()
        inner = re.findall(r"\(([^)]+)\)", part)
        base = re.sub(r"\s*\([^)]*\)", "", part).strip()
        lead = re.match(r"([A-Z][\w&.'-]*(?:\s[A-Z][\w&.'-]*)*?)(?=\s+(?:\d|[a-z'‘“]|China\b))", base)
        leads = [lead.group(1)] if lead and proper_name else []  # "Forbes 2023 …" → Forbes; not "Zero-carbon building"
        for v in [base, _SUFFIX.sub("", base)] + [i for i in inner if len(i) >= 2] + leads:
            v = v.strip(" ,.'\"“”").lower()
            if v and v not in out:
                out.append(v)
    return out


class EntityLinker:
    """Finds graph entities named in a query: Chinese labels as substrings, English labels as whole words."""

    def __init__(self, entities: list[dict]):
        self.entities = entities
        zh, en = [], []
        for e in entities:
            for lab in e["labels_zh"]:
                lab = "".join(lab.split())
                if len(lab) >= 2 and re.search(r"[^\d\W]", lab):  # not a bare number or year
                    zh.append((lab, e))
            for lab in e["labels_en"]:
                for norm in name_variants(lab, proper_name=e["kind"] in ("org", "award", "standard")):
                    # a variant without a letter ("2022" of an award's year) names a date, not the entity
                    if len(norm) >= 3 and norm not in EN_STOP and norm not in GENERIC_EN and re.search(r"[a-z]", norm):
                        en.append((norm, e))
        self.zh = sorted(zh, key=lambda p: (-len(p[0]), p[1]["kind"], p[1]["id"]))
        self.en = sorted(en, key=lambda p: (-len(p[0]), p[1]["kind"], p[1]["id"]))
        self.same_label: dict[str, list[dict]] = {}
        for lab, e in self.zh + self.en:
            group = self.same_label.setdefault(lab, [])
            if all(x is not e for x in group):
                group.append(e)
        # a label in the plural names it too ("charging piles", "wind farms")
        self._en_re = {lab: re.compile(r"(?<![a-z0-9])" + re.escape(lab) + (r"(?:e?s)?" if re.search(r"[a-z]$", lab) else "") +
                                       r"(?![a-z0-9])") for lab, _ in self.en}

    def link(self, text: str) -> list[EntityMention]:
        out: list[EntityMention] = []
        taken = [False] * len(text)
        squashed = text
        for lab, e in self.zh:
            start = squashed.find(lab)
            while start != -1:
                end = start + len(lab)
                if not any(taken[start:end]):
                    for i in range(start, end):
                        taken[i] = True
                    out += [EntityMention(x, lab, start, end) for x in self.same_label[lab]]
                start = squashed.find(lab, start + 1)
        low = text.lower()
        for lab, e in self.en:
            for m in self._en_re[lab].finditer(low):
                if not any(taken[m.start():m.end()]):
                    for i in range(m.start(), m.end()):
                        taken[i] = True
                    out += [EntityMention(x, text[m.start():m.end()], m.start(), m.end()) for x in self.same_label[lab]]
        out.sort(key=lambda m: m.start)
        return out


@dataclass
class SearchEngine(SimilarCases):
    folder: Path
    manifest: dict
    chunks: list[dict]
    cards: list[str]
    cases: list[dict]
    entities: list[dict]
    features: dict
    index: VectorIndex
    views: dict
    maxsim: np.ndarray
    indicator_labels: dict
    syllables: frozenset  # the pinyin syllables of the collection's characters (a romanised name is made of them)
    bm25_zh: BM25Index
    bm25_en: BM25Index
    tokenizer: ChineseTokenizer
    encoder: object
    weights: Weights = field(default_factory=Weights)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- loading ------------------------------------------------------------------
    @classmethod
    def load(cls, settings, encoder=None, weights: Weights | None = None) -> "SearchEngine":
        from .encoder import load_encoder

        folder, manifest, _ = check_index(settings)
        chunks = [json.loads(line) for line in (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line]
        entities = json.loads((folder / "entities.json").read_text(encoding="utf-8"))
        index = VectorIndex.load(folder / "vectors.faiss", manifest["index_type"])
        if index.size != manifest["vectors"] or len(chunks) != manifest["chunks"]:
            raise IndexMismatch(f"index files in {folder} disagree with its manifest — run 'climatekg build --only index --force'")
        words = (folder / "user_words.txt").read_text(encoding="utf-8").split("\n")
        return cls(
            folder=folder, manifest=manifest, chunks=chunks,
            cards=json.loads((folder / "cards.json").read_text(encoding="utf-8")),
            cases=json.loads((folder / "cases.json").read_text(encoding="utf-8")),
            entities=entities, features=json.loads((folder / "features.json").read_text(encoding="utf-8")),
            index=index, views=dict(np.load(folder / "case_vectors.npz")), maxsim=np.load(folder / "maxsim.npy"),
            indicator_labels=json.loads((folder / "indicators.json").read_text(encoding="utf-8")),
            syllables=frozenset((folder / "syllables.txt").read_text(encoding="utf-8").split()),
            bm25_zh=BM25Index.load(folder / "bm25_zh"), bm25_en=BM25Index.load(folder / "bm25_en"),
            tokenizer=ChineseTokenizer(user_words=[w for w in words if w]),
            encoder=encoder or load_encoder(settings), weights=weights or Weights.from_settings(settings),
        )

    def __post_init__(self):
        self.case_ids = [c["case_id"] for c in self.cases]
        self.case_pos = {c: i for i, c in enumerate(self.case_ids)}
        self.case_by_id = {c["case_id"]: c for c in self.cases}
        self.chunk_case = np.array([self.case_pos[c["case_id"]] for c in self.chunks], dtype=np.int32)
        self.linker = EntityLinker(self.entities)
        self.embed("预热 warm-up")  # the first encode pays one-off costs; pay them at load time
        n = len(self.cases)
        self.idf = {(e["kind"], e["id"]): math.log(1 + n / max(1, len(e["cases"]))) for e in self.entities}
        self.entity_by_key = {(e["kind"], e["id"]): e for e in self.entities}
        self.entity_by_iri = {e["iri"]: e for e in self.entities if e.get("iri")}
        self.tech_children: dict[str, list[str]] = {}
        for e in self.entities:
            for b in e.get("broader", []):
                self.tech_children.setdefault(b, []).append(e["id"])

    # -- the query pipeline ---------------------------------------------------------
    def analyse(self, text, what: str = "query") -> Query:
        """Validate a query once, detect its language and link the entities it names; its vector follows on use."""
        if isinstance(text, Query):
            return text
        text = validate_query(text, what)
        # "zero-carbon" and "zero carbon" name the same thing: link over the spaced form (same offsets)
        mentions = self.entity_mentions(re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text, flags=re.I))
        return Query(text, detect_language(text), mentions, self.embed, self.tokenizer.tokens)

    def embed(self, q: str) -> np.ndarray:
        """The model's query vector for a text (cached)."""
        cache = self.__dict__.setdefault("_qcache", {})
        v = cache.get(q)
        if v is None:
            with self._lock:  # torch on 2 pinned threads: one query at a time per process
                v = self.encoder.encode_queries([q])[0]
            if len(cache) > 512:
                cache.clear()
            cache[q] = v
        return v

    def sentences(self) -> tuple[list[dict], np.ndarray]:
        """Every indexed sentence (case, part, chunk, lines, text) and its vectors (loaded on first use)."""
        if "_sentences" not in self.__dict__:
            rows = [json.loads(x) for x in (self.folder / "sentences.jsonl").read_text(encoding="utf-8").splitlines() if x]
            self.__dict__["_sentences"] = (rows, np.load(self.folder / "sentence_vectors.npy"))
        return self.__dict__["_sentences"]

    def best_sentence(self, case_id: str, forms: list[str], qvec: np.ndarray) -> dict | None:
        """The sentence of ``case_id`` that writes one of ``forms`` (spacing ignored) closest to ``qvec``, or None."""
        rows, vecs = self.sentences()
        cand = [i for i, r in enumerate(rows)
                if r["case_id"] == case_id and any(f in "".join(r["text"].split()) for f in forms)]
        if not cand:
            return None
        return rows[cand[int(np.argmax(vecs[[rows[i]["vec"] for i in cand]] @ qvec))]]

    def dense_scores(self, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(per-chunk scores, per-case scores: best chunk or card)."""
        n_rows = self.index.size
        scores, ids = self.index.search(qvec[None, :], n_rows)
        row = np.full(n_rows, -1.0, dtype="float32")
        row[ids[0][ids[0] >= 0]] = scores[0][ids[0] >= 0]
        chunk = row[: len(self.chunks)]
        case = np.full(len(self.cases), -1.0, dtype="float32")
        np.maximum.at(case, self.chunk_case, chunk)
        card = row[len(self.chunks):]
        if len(card) == len(self.cases):
            case = np.maximum(case, card)
        return chunk, case

    def lexical_scores(self, q: str, lang: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        zh_tokens = self.tokenizer.tokens(q) if lang == "zh" else [t for t in english_tokens(q) if t in self.bm25_zh.vocab]
        chunk = self.bm25_zh.scores(zh_tokens)
        case = np.zeros(len(self.cases), dtype="float32")
        np.maximum.at(case, self.chunk_case, chunk)
        if case.max() > 0:
            case = case / case.max()
        terms = list(zh_tokens)
        if lang == "en":
            en_tokens = english_tokens(q)
            card = self.bm25_en.scores(en_tokens)
            if card.max() > 0:
                case = np.maximum(case * 0.5, card / card.max())
            terms += en_tokens
        return chunk, case, terms

    def entity_scores(self, mentions: list[EntityMention]) -> np.ndarray:
        case = np.zeros(len(self.cases), dtype="float32")
        seen = set()
        for m in mentions:
            key = (m.entity["kind"], m.entity["id"])
            if key in seen:
                continue
            seen.add(key)
            idf = self.idf.get(key, 0.0)
            for cid, n in m.entity["cases"].items():
                case[self.case_pos[cid]] += idf * (1.0 + 0.15 * math.log(1 + n))
        return case

    # -- search -------------------------------------------------------------------
    def _filters(self, section, technology, location, year) -> np.ndarray | None:
        mask = np.ones(len(self.cases), dtype=bool)
        used = False
        if section:
            used = True
            s = str(section).strip().lower()
            ok = {c["case_id"] for c in self.cases
                  if s in (c["section"]["id"], c["section"]["zh"].lower(), c["section"]["en"].lower())}
            if not ok:
                valid = ", ".join(sorted({f"{c['section']['id']} ({c['section']['en']})" for c in self.cases}))
                raise SearchInputError(f"unknown section {section!r}; use one of: {valid}")
            mask &= np.array([c in ok for c in self.case_ids])
        for value, kind, name in ((technology, "technology", "technology"), (location, "place", "location")):
            if not value:
                continue
            used = True
            v = str(value).strip()
            ents = [e for e in self.entities if e["kind"] == kind and
                    (e["id"] == v or v in e["labels_zh"] or v.lower() in (x.lower() for x in e["labels_en"]))]
            if not ents:
                raise SearchInputError(f"unknown {name} {value!r}; give an id (e.g. "
                                       f"{'solar-pv' if kind == 'technology' else 'zhejiang'}) or a zh/en label")
            ok = set()
            for e in ents:
                ok |= set(e["cases"])
                if kind == "technology":  # narrower technologies count too
                    for nid in self.narrower(e["id"]):
                        ok |= set(self.entity_by_key.get(("technology", nid), {}).get("cases", {}))
            mask &= np.array([c in ok for c in self.case_ids])
        if year is not None and year != "":
            used = True
            try:
                y = int(year)
            except (TypeError, ValueError):
                raise SearchInputError(f"year must be a number, got {year!r}") from None
            mask &= np.array([y in c["years"] for c in self.cases])
        return mask if used else None

    def narrower(self, tech_id: str) -> set[str]:
        """All technologies below ``tech_id`` in the SKOS hierarchy (that any case links to)."""
        out, todo = set(), [tech_id]
        while todo:
            t = todo.pop()
            for child in self.tech_children.get(t, ()):
                if child not in out:
                    out.add(child)
                    todo.append(child)
        return out

    def search(self, q: "str | Query", k: int = 10, section=None, technology=None, location=None, year=None,
               legs: tuple[str, ...] = LEGS, passages: int = 2) -> dict:
        """The k best cases for a query (a text, or a Query already analysed by ``analyse``)."""
        query = self.analyse(q)
        if not isinstance(k, int) or not SEARCH_K[0] <= k <= SEARCH_K[1]:
            raise SearchInputError(f"k must be an integer from {SEARCH_K[0]} to {SEARCH_K[1]}")
        mask = self._filters(section, technology, location, year)
        q, lang, mentions = query.text, query.lang, query.mentions
        per_leg: dict[str, np.ndarray] = {}
        chunk_scores: dict[str, np.ndarray] = {}
        terms: list[str] = []
        if "dense" in legs:
            qvec = query.vector
            chunk_scores["dense"], per_leg["dense"] = self.dense_scores(qvec)
        if "lexical" in legs:
            chunk_scores["lexical"], per_leg["lexical"], terms = self.lexical_scores(q, lang)
        if "entity" in legs:
            per_leg["entity"] = self.entity_scores(mentions)
        ranks = {leg: self._ranks(s, positive_only=(leg != "dense"), mask=mask) for leg, s in per_leg.items()}
        w = self.weights
        # naming a company is as precise as a filter: the entity leg counts double when the query names
        # the organisation behind a case (or its group), as in "达能屋顶光伏装机容量"
        names_org = any(m.entity["kind"] == "org" and max(m.entity["cases"].values(), default=0) >= 10 for m in mentions)
        weight = {"dense": w.dense, "lexical": w.lexical, "entity": w.entity * (2.0 if names_org else 1.0)}
        fused = np.zeros(len(self.cases), dtype="float64")
        for leg, r in ranks.items():
            for i, rank in enumerate(r):
                if rank is not None:
                    fused[i] += weight[leg] / (w.rrf_k + rank)
        order = [i for i in np.argsort(-fused, kind="stable") if fused[i] > 0 and (mask is None or mask[i])][:k]
        highlight_terms = self._highlight_terms(terms, mentions)
        results = []
        for i in order:
            rec = self.case_by_id[self.case_ids[i]]
            results.append({
                "case_id": rec["case_id"], "title_zh": rec["title_zh"], "title_en": rec["title_en"],
                "company_zh": rec["company_zh"], "company_en": rec["company_en"], "section": rec["section"],
                "score": round(float(fused[i]), 6),
                "ranks": {leg: ranks[leg][i] if leg in ranks else None for leg in LEGS},
                "passages": self._passages(i, chunk_scores, highlight_terms, passages),
            })
        return {"query": q, "lang": lang,
                "entities": [{"kind": m.entity["kind"], "id": m.entity["id"], "iri": m.entity["iri"],
                              "zh": m.entity["zh"], "en": m.entity["en"], "matched": m.label} for m in mentions],
                "filters": {"section": section, "technology": technology, "location": location, "year": year},
                "results": results}

    def entity_mentions(self, q: str) -> list[EntityMention]:
        return self.linker.link(q)

    @staticmethod
    def _ranks(scores: np.ndarray, positive_only: bool, mask) -> list[int | None]:
        idx = [i for i in np.argsort(-scores, kind="stable") if (not positive_only or scores[i] > 0)
               and (mask is None or mask[i])]
        r: list[int | None] = [None] * len(scores)
        for rank, i in enumerate(idx, start=1):
            r[i] = rank
        return r

    def _passages(self, case_pos: int, chunk_scores: dict, terms: list[str], n: int) -> list[dict]:
        rows = np.where(self.chunk_case == case_pos)[0]
        if len(rows) == 0:
            return []
        fused = np.zeros(len(rows))
        chunk_ranks: dict[str, dict[int, int]] = {}
        for leg, s in chunk_scores.items():
            order = [r for r in rows[np.argsort(-s[rows], kind="stable")] if leg == "dense" or s[r] > 0]
            chunk_ranks[leg] = {int(r): k for k, r in enumerate(order, start=1)}
            for k, r in enumerate(order, start=1):
                fused[np.where(rows == r)[0][0]] += 1.0 / (self.weights.rrf_k + k)
        best = rows[np.argsort(-fused, kind="stable")][:n]
        out = []
        for r in best:
            c = self.chunks[int(r)]
            out.append({"chunk_id": int(r), "part": c["part"], "part_zh": PART_ZH[c["part"]], "part_en": PART_EN[c["part"]],
                        "start_line": c["start_line"], "end_line": c["end_line"], "text": c["text"],
                        "highlighted": highlight(c["text"], terms),
                        "ranks": {leg: chunk_ranks.get(leg, {}).get(int(r)) for leg in ("dense", "lexical")}})
        return out

    @staticmethod
    def _highlight_terms(terms: list[str], mentions: list[EntityMention]) -> list[str]:
        out = set()
        for t in terms:
            if (CJK.search(t) and len(t) >= 2) or (not CJK.search(t) and len(t) >= 3):
                out.add(t)
        for m in mentions:
            for lab in m.entity["labels_zh"]:
                if len(lab) >= 2:
                    out.add(lab)
        return sorted(out, key=len, reverse=True)


def highlight(text: str, terms: list[str]) -> str:
    """HTML-escaped text with every occurrence of the terms wrapped in <mark>."""
    if not terms:
        return html.escape(text)
    low = text.lower()
    marks = [False] * len(text)
    for t in terms:
        tl = t.lower()
        start = low.find(tl)
        while start != -1 and tl:
            for i in range(start, start + len(tl)):
                marks[i] = True
            start = low.find(tl, start + 1)
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        seg = html.escape(text[i:j])
        out.append(f"<mark>{seg}</mark>" if marks[i] else seg)
        i = j
    return "".join(out)
