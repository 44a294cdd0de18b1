"""Similar cases: the cases most like a case or a text, and what they share.

Several embedding views of the cases (chunk MaxSim, overview, summaries, English card) and the weighted overlap
of their graph features (technologies, indicators, places, partners, section, industry) are standardised and
summed; each result says what it shares, in prose in both languages. ``SearchEngine`` (``search.py``) has these
methods from ``SimilarCases``; they read the engine's indexes.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import SearchInputError, UnknownCase
from .lexical import detect_language, english_tokens

MAX_TEXT_CHARS = 5000  # the longest text whose similar cases are asked for
SIMILAR_K = (1, 25)  # how many similar cases (there are 25 other cases)


class SimilarCases:
    """The similar-case methods of ``SearchEngine``."""

    def _feature_weights(self) -> dict:
        if not hasattr(self, "_fw"):
            df: dict[tuple[str, str], int] = {}
            for f in self.features.values():
                for kind, vals in f.items():
                    for v in vals:
                        df[(kind, v)] = df.get((kind, v), 0) + 1
            n = len(self.cases)
            self._fw = {k: math.log(1 + n / d) for k, d in df.items()}
        return self._fw

    def _case_features(self, cid: str) -> dict[str, set]:
        f = {k: set(v) for k, v in self.features[cid].items()}
        f["section"] = {self.case_by_id[cid]["section"]["id"]}
        return f

    def _text_features(self, text: str) -> dict[str, set]:
        f = {"technologies": set(), "technology_groups": set(), "indicators": set(), "places": set(), "partners": set(),
             "section": set(), "industry": set(english_tokens(text))}
        for m in self.entity_mentions(text):
            kind = m.entity["kind"]
            key = {"technology": "technologies", "place": "places", "org": "partners", "section": "section"}.get(kind)
            if key:
                f[key].add(m.entity["id"])
        return f

    def _graph_similarity(self, a: dict[str, set], b: dict[str, set]) -> float:
        fw = self._feature_weights()
        kind_weight = {"technologies": 1.0, "technology_groups": 0.3, "section": 0.5, "indicators": 0.5, "places": 0.4,
                       "partners": 0.3, "industry": 0.5}
        num = den = 0.0
        for kind, kw in kind_weight.items():
            sa, sb = a.get(kind, set()), b.get(kind, set())
            wt = lambda v: kw * (fw.get((kind, v), 1.0) if kind != "section" else 2.0)  # noqa: E731
            num += sum(wt(v) for v in sa & sb)
            den += sum(wt(v) for v in sa | sb)
        return num / den if den else 0.0

    SIMILAR_VIEWS = ("overview", "summary_en", "summary_zh", "card")

    def similar(self, case_id: str | None = None, text: str | None = None, k: int = 5) -> dict:
        """The k cases most like a case (or a text): text similarity from several views, plus shared graph facts.

        Each signal — chunk-level MaxSim, overview, English and Chinese summaries, English card, and the
        weighted overlap of graph features — is standardised over the candidates (z-score) and summed, so no
        single signal's scale dominates; "scores" reports the raw cosine and graph overlap for reading.
        """
        if not isinstance(k, int) or not SIMILAR_K[0] <= k <= SIMILAR_K[1]:
            raise SearchInputError(f"k must be an integer from {SIMILAR_K[0]} to {SIMILAR_K[1]}")
        if case_id is not None:
            if case_id not in self.case_pos:
                raise UnknownCase(f"unknown case {case_id!r}; ids run from case-01 to case-{len(self.cases):02d}")
            ci = self.case_pos[case_id]
            signals = [self.maxsim[ci]] + [self.views[v] @ self.views[v][ci] for v in self.SIMILAR_VIEWS]
            qf = self._case_features(case_id)
            query = {"case_id": case_id, "title_zh": self.case_by_id[case_id]["title_zh"],
                     "title_en": self.case_by_id[case_id]["title_en"]}
        else:
            if text is None or not str(text).strip():
                raise SearchInputError("give a case id or a non-empty text")
            if len(text) > MAX_TEXT_CHARS:
                raise SearchInputError(f"the text is longer than {MAX_TEXT_CHARS} characters")
            qvec = self.embed(str(text))
            chunk_scores, _ = self.dense_scores(qvec)
            best = np.full(len(self.cases), -1.0, dtype="float32")
            np.maximum.at(best, self.chunk_case, chunk_scores)
            signals = [best] + [self.views[v] @ qvec for v in self.SIMILAR_VIEWS]
            qf = self._text_features(str(text))
            query = {"text": text, "lang": detect_language(text)}
        others = np.array([i for i in range(len(self.cases)) if self.case_ids[i] != case_id])
        graph = np.array([self._graph_similarity(qf, self._case_features(self.case_ids[i])) for i in range(len(self.cases))])
        emb_raw = np.mean([s for s in signals[1:]], axis=0)
        combined = sum(_z(s, others) for s in signals) + _z(graph, others)
        order = sorted(others, key=lambda i: (-combined[i], self.case_ids[i]))[:k]
        out = []
        for i in order:
            cid = self.case_ids[i]
            rec = self.case_by_id[cid]
            shared = self._shared(qf, self._case_features(cid))
            out.append({"case_id": cid, "title_zh": rec["title_zh"], "title_en": rec["title_en"],
                        "company_zh": rec["company_zh"], "company_en": rec["company_en"], "section": rec["section"],
                        "score": round(float(combined[i]), 4),
                        "scores": {"embedding": round(float(emb_raw[i]), 4), "graph": round(float(graph[i]), 4)},
                        "shared": shared, "reason_zh": _reason(shared, "zh", float(emb_raw[i])),
                        "reason_en": _reason(shared, "en", float(emb_raw[i]))})
        return {"query": query, "results": out}

    def _indicator_label(self, code: str) -> dict:
        zh, en = self.indicator_labels.get(code, (code, code.replace("_", " ")))
        return {"id": code, "zh": zh, "en": en}

    def _shared(self, a: dict[str, set], b: dict[str, set]) -> dict:
        fw = self._feature_weights()

        def ent(kind, i):
            e = self.entity_by_key.get((kind, i))
            return {"id": i, "zh": e["zh"], "en": e["en"]} if e else {"id": i, "zh": i, "en": i}

        techs = sorted(a["technologies"] & b["technologies"], key=lambda v: -fw.get(("technologies", v), 0))
        places = sorted(a["places"] & b["places"], key=lambda v: -fw.get(("places", v), 0))
        sec = a["section"] & b["section"]
        secrec = None
        if sec:
            s = next(iter(sec))
            rec = next(c["section"] for c in self.cases if c["section"]["id"] == s)
            secrec = rec
        return {"technologies": [ent("technology", t) for t in techs],
                "section": secrec,
                "indicators": [self._indicator_label(i) for i in sorted(a["indicators"] & b["indicators"])],
                "places": [ent("place", p) for p in places],
                "partners": [ent("org", p) for p in sorted(a["partners"] & b["partners"])]}


#: language → (same section, shared technologies, indicators, places, nothing shared, separator, list separator,
#: text similarity) — the prose of a similar case's reason
_REASON = {
    "zh": ("同属「{}」栏目", "共同的技术与措施：{}", "都报告了{}", "涉及相同地点：{}", "文本内容相近", "；", "、",
           "（文本相似度 {:.2f}）"),
    "en": ("same section ({})", "shared technologies and measures: {}", "both report {}", "same places: {}",
           "similar text", "; ", ", ", " (text similarity {:.2f})"),
}


def _reason(shared: dict, lang: str, emb: float) -> str:
    section, techs, indicators, places, nothing, sep, list_sep, similarity = _REASON[lang]
    bits = [section.format(shared["section"][lang])] if shared["section"] else []
    for key, phrase, most in (("technologies", techs, 5), ("indicators", indicators, 4), ("places", places, 3)):
        if shared[key]:
            bits.append(phrase.format(list_sep.join(x[lang] for x in shared[key][:most])))
    return sep.join(bits or [nothing]) + similarity.format(emb)


def _z(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype="float64")
    sub = v[among]
    sd = sub.std()
    return (v - sub.mean()) / sd if sd > 0 else np.zeros_like(v)
