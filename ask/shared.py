"""One fact that several named cases share: "A 和 B 都获得了哪个称号？", "Which city are A's factory and B's
terminal both in?", "On which exchange are A, B and C all listed?".

Such a question names two or more companies of the collection and asks, with a word of sharing (both, all,
same, 都, 同一, 共同 …), for the one thing each of their cases states. No single sentence holds it: each case
states it in its own words. The answer is the intersection of what the cases state near the question:

* for each named case, its sentences ranked for the question by the one-fact selector (``select.Selector``),
  restricted to that case;
* from each case's best sentences, the things of the asked kind they hold — a place (a city rolled up to the
  province or country asked for), an organisation, a year — or, when the question asks for a thing without a
  name kind ("which technology", "哪个称号"), the words and word runs of the sentences;
* the candidates every named case holds, less what the question itself says (its own words, the Chinese of
  its English words, the companies it names), scored by how high they sit in each case's ranking and how rare
  they are in the collection (a word every case writes is no answer);
* the answer states the shared thing first (in English from the graph's labels or the dictionary) and quotes,
  for each case, the sentence that states it.

A question whose named cases share nothing of the asked kind near the question is left to the other answerers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from climatekg.corpus.model import PART_EN, PART_ZH

from .select import YEAR_MONTH, asked_place_level, line_span

# grammar of sharing, both languages (not domain words)
SHARED = re.compile(r"都|同一|共同|同样|一样|相同|(?<!平)均|重合|\bboth\b|\ball\b|\bsame\b|\bshare[sd]?\b|\bin common\b|\balso\b"
                    r"|也", re.I)
# a question asking each case's own fact ("分别", "各是", "respectively") is not about a shared one
EACH = re.compile(r"分别|各自|各是|各为|各有|\brespectively\b|\beach\b|\bapiece\b", re.I)
TOP_SENTENCES = 6  # the sentences of each case a shared thing is looked for in
MIN_CHARS = 2
MAX_TOKENS = 3  # word runs of up to this many words are candidates
GRAMMAR = ("p", "c", "d", "r", "m", "q", "y", "e", "o")  # jieba's tags of grammar words
NOUN = ("n", "x", "j", "l", "i")  # jieba's tags a thing's name ends on (x: a word of the collection's dictionary)


@dataclass
class Candidate:
    key: str  # what identifies it across cases (an entity's English name, a year, a word)
    zh: str
    en: str
    kind: str  # place | org | date | word


def named_cases(q) -> list[str]:
    """The distinct cases of the companies a question names, in the order it names them."""
    out = []
    for m in sorted(q.mentions, key=lambda m: m.start):
        if m.entity["kind"] == "org":
            out += [c for c, n in m.entity["cases"].items() if n >= 10 and c not in out]
    return out


# "in the same city", "同一个省": the place, at that level, is what they share
SAME_PLACE = re.compile(r"同一(?:个|座|家)?(城市|市|省|省份|国家|地区)|\bsame (city|province|country|region)\b", re.I)
SAME_LEVEL = {"城市": "city", "市": "city", "省": "province", "省份": "province", "国家": "country", "地区": None,
              "city": "city", "province": "province", "country": "country", "region": None}


# a comparison by degree ("谁更多", "which is larger", "rank"), not one that only names a comparison it reports
DEGREE = re.compile(r"更|最|排名|排序|\b(?:more|less|most|least|larger|largest|bigger|higher|lower|smaller|earlier|older|"
                    r"rank|first)\b|which of the", re.I)


def asks_shared(q) -> bool:
    """Does the question ask for what two or more named companies share? (A comparison among them does not.)"""
    return len(named_cases(q)) >= 2 and SHARED.search(q.text) is not None and not EACH.search(q.text) \
        and not (q.comparative and DEGREE.search(q.text))


class SharedFact:
    def __init__(self, answerer):
        self.a = answerer
        self.sel = answerer.selector
        self._df: dict[str, int] = {}

    def df(self, word: str) -> int:
        """How many cases write ``word``."""
        got = self._df.get(word)
        if got is None:
            got = self._df[word] = sum(1 for cid in self.a.engine.case_by_id if word in self.a.case_text(cid))
        return got

    # -- what the question already says ---------------------------------------------------------------------
    def said(self, q) -> set[str]:
        out = {lab for m in q.mentions for lab in m.entity["labels_zh"] + [m.entity["zh"]] if lab}
        if q.lang == "zh":
            out |= {t for t in self.a.engine.tokenizer.tokens(q.text) if len(t) >= MIN_CHARS}
        else:
            for unit in self.sel.asked(q.query).units:
                out |= {x for x in unit if x}
        return out

    def new(self, q, word: str, said: set[str]) -> bool:
        """Does ``word`` say something the question does not (it is no part of the question's words)?"""
        if q.lang == "zh" and word in "".join(q.text.split()):
            return False
        return not any(word in s for s in said)

    # -- candidates of one sentence ------------------------------------------------------------------------
    def candidates(self, text: str, kind: str, level: str | None) -> list[Candidate]:
        out = []
        if kind in ("place", "organisation"):
            want = "place" if kind == "place" else "org"
            for zh, en, k in self.sel.names_in(text):
                if k != want:
                    continue
                if want == "place" and level is not None and self.sel._place_level.get(zh) != level:
                    # a city of the sentence answers for the province (or country) it is in
                    for up in self.sel._place_up.get(zh, ()):
                        if up[2] == level:
                            out.append(Candidate(up[1].lower(), up[0], up[1], "place"))
                    continue
                out.append(Candidate(en.lower(), zh, en, k))
            return out
        if kind == "date":
            return [Candidate(m.group(1), f"{m.group(1)}年", m.group(1), "date") for m in YEAR_MONTH.finditer(text)]
        # a thing with no name kind: the named things and the runs of words the sentence writes
        out += [Candidate(en.lower(), zh, en, k) for zh, en, k in self.sel.names_in(text)]
        words = [w for w in self.a.engine.tokenizer.tagged("".join(text.split()))]
        for i in range(len(words)):
            run = ""
            for j in range(i, min(i + MAX_TOKENS, len(words))):
                w = words[j]
                if not re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9]+", w.word):
                    break
                if w.flag[:1] in GRAMMAR or w.flag[:1] == "u":
                    break  # a run holds no grammar word ("智能制造的典型" is two things)
                run += w.word
                # a run names a thing: it ends on a noun (or a word of the collection jieba has no tag for)
                if len(run) >= MIN_CHARS and not run.isdigit() and w.flag[:1] in NOUN:
                    out.append(Candidate(run.lower(), run, "", "word"))
        return out

    # -- the answer ----------------------------------------------------------------------------------------
    def answer(self, q) -> dict | None:
        cases = named_cases(q)
        kind = q.answer_type if q.answer_type in ("place", "organisation", "date") else "text"
        level = asked_place_level(q.text) if kind == "place" else None
        same = SAME_PLACE.search(q.text)
        if same:
            kind, level = "place", SAME_LEVEL[(same.group(1) or same.group(2)).lower()]
        said = self.said(q)
        subject = {lab for m in q.mentions if m.entity["kind"] == "org" for lab in m.entity["labels_zh"] + [m.entity["en"].lower()]}
        per_case: list[dict[str, tuple[float, Candidate, dict]]] = []
        for cid in cases:
            ranked = self.sel.rank(q.query, [cid], kind, None, None, {cid: 1.0}, subject)[:TOP_SENTENCES]
            got: dict[str, tuple[float, Candidate, dict]] = {}
            for r, x in enumerate(ranked):
                weight = 1.0 / (1 + r)
                stated = []  # what the graph says the sentence states (a listing's exchange, an issuer), when of the asked kind
                if x.fact is not None and x.fact.kind in ("organisation", "place") and x.fact.en and kind == x.fact.kind:
                    stated = [Candidate(x.fact.en.lower(), x.fact.zh, x.fact.en, "org" if x.fact.kind == "organisation" else "place")]
                for c in stated + self.candidates(x.row["text"], kind, level):
                    if c.key in got or not self.new(q, c.zh, said) or c.zh in subject or c.en.lower() in subject:
                        continue
                    got[c.key] = (weight, c, x.row)
            per_case.append(got)
        common = set(per_case[0])
        for got in per_case[1:]:
            common &= set(got)
        if not common:
            return None
        n = len(self.a.engine.case_by_id)
        asked = self.sel.asked(q.query).fit([row["text"] for got in per_case for _, _, row in got.values()])

        def score(key: str) -> float:
            c = per_case[0][key][1]
            support = sum(got[key][0] for got in per_case) / len(per_case)
            rare = math.log(n / max(1, self.df(c.zh))) / math.log(n) if c.kind == "word" else 0.5
            # a thing whose own name echoes what the question calls it ("national … designation" → 国家…企业) fits
            return support + 0.5 * rare + 0.05 * min(len(c.zh), 6) + 0.5 * asked.score(c.zh)

        best = max(sorted(common), key=score)
        if per_case[0][best][1].kind == "word" and self.df(per_case[0][best][1].zh) > n // 2:
            return None  # a word half the collection writes is no shared fact
        return self.render(q, cases, [got[best] for got in per_case])

    def english(self, c: Candidate) -> str:
        if c.en:
            return c.en
        g = self.sel.glossary
        if c.zh.isascii():
            return c.zh
        if not g:
            return ""
        # the longest words of the dictionary, left to right (a word of the collection's own dictionary — 光伏车棚 — is
        # read as the words it is made of)
        out, i = [], 0
        while i < len(c.zh):
            for n in range(min(4, len(c.zh) - i), 0, -1):
                got = g.en(c.zh[i:i + n])
                if got:
                    out.append(got)
                    i += n
                    break
            else:
                return ""
        return " ".join(out)

    def render(self, q, cases: list[str], found: list[tuple[float, Candidate, dict]]) -> dict:
        c = found[0][1]
        quotes, citations = [], []
        for _, _, row in found:
            cid = row["case_id"]
            case = self.a.engine.case_by_id[cid]
            lines = line_span(row)
            if q.lang == "zh":
                quotes.append(f"据{case['company_zh']}案例（{cid}，{PART_ZH[row['part']]}，第{lines}行）：“{row['text']}”")
            else:
                quotes.append(f"the {case['company_en']} case ({cid}, {PART_EN[row['part']]}, lines {lines}): “{row['text']}”")
            citations.append(self.a._cite_sentence(row))
        names = [self.a.engine.case_by_id[cid]["company_zh" if q.lang == "zh" else "company_en"] for cid in cases]
        if q.lang == "zh":
            answer = f"{c.zh}（{'、'.join(names)}共同）。" + "；".join(quotes)
        else:
            en = self.english(c)
            stated = f"{en} ({c.zh})" if en and en != c.zh else c.zh
            who = ", ".join(names[:-1]) + f" and {names[-1]}"
            answer = f"{stated[:1].upper() + stated[1:]}: shared by {who}. Sources, in Chinese: " + "; ".join(quotes)
        ordered = list(dict.fromkeys([row["case_id"] for _, _, row in found] + cases))
        return {"query": q.text, "lang": q.lang, "answered": True, "answer": answer,
                "fact": {"kind": {"word": "text", "org": "organisation"}.get(c.kind, c.kind), "zh": c.zh, "en": self.english(c)},
                "cases": [self.a._case_ref(x) for x in ordered[:5]],
                "citations": citations, "sparql": None, "rows": None, "intent": "shared"}
