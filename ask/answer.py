"""Answers in the question's language, with citations to the case text.

Structured questions become a SPARQL query over the graph (returned with its
rows so the user can edit it); other questions are answered extractively — the
best supporting sentence of the top passages, preferring one with a figure for
"how much" questions. A question about a company or topic the collection does
not contain is recognised and answered as such, instead of returning the
nearest case as if it answered.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from climatekg.corpus.model import PART_EN, PART_ZH
from climatekg.embeddings.lexical import CJK
from climatekg.embeddings.search import Query, SearchEngine
from climatekg.graph.quantities import parse_amount

from .glossary import Glossary
from .glossary import default_path as glossary_path
from .hops import follow_bridge, follow_description, follow_property
from .intents import FOUNDED, Question, parse
from .lexicon import Lexicon
from .select import Selector, asked_measures, format_value, line_span, load_graph_facts
from .shared import SharedFact, asks_shared
from .subjects import resolve as resolve_subjects
from .sweep import concept_in_text, industry_words, narrower_in_text

SELECT_HEAD = """SELECT DISTINCT ?id ?title_zh ?title_en{extra} WHERE {{
  ?case ckg:caseId ?id ; dcterms:title ?title_zh, ?title_en .
  FILTER(lang(?title_zh) = "zh" && lang(?title_en) = "en")
{body}}}
ORDER BY {order}"""

XSD_NUMBERS = ("integer", "int", "long", "decimal", "double", "float", "nonNegativeInteger", "gYear")


@dataclass
class Rows:
    """A SELECT result as the query runner returns it (SPARQL JSON terms), read as Python values."""

    variables: list[str]
    rows: list[list[dict | None]]

    @classmethod
    def of(cls, result: dict) -> "Rows":
        return cls(list(result["variables"]), [list(r) for r in result["rows"]])

    @staticmethod
    def value(t: dict | None):
        if t is None:
            return None
        v, dt = t["value"], t.get("datatype", "").rsplit("#", 1)[-1]
        try:
            if dt in XSD_NUMBERS:
                return int(v) if dt in ("integer", "int", "long", "nonNegativeInteger", "gYear") else float(v)
            if dt == "boolean":
                return v == "true"
        except ValueError:
            pass
        return v

    def dicts(self) -> list[dict]:
        return [{v: self.value(t) for v, t in zip(self.variables, row)} for row in self.rows]

    def table(self) -> dict:
        return {"vars": self.variables, "rows": [[t["value"] if t else None for t in row] for row in self.rows]}


#: the query forms a graph answer runs (a refusal for any other, before evaluation)
ANSWER_FORMS = frozenset({"SELECT"})


def graph_runner(run: Callable[..., dict], settings) -> Callable[[str], dict]:
    """SPARQL → rows for graph answers, through ``run`` (a ``QueryPool.run`` or the service's
    ``SparqlService.run``): /sparql's policy, its time limit (``sparql_timeout``) and row limit
    (``sparql_max_rows``), SELECT only. The one way answers query the graph, in the service and on the command line."""

    def query(sparql: str) -> dict:
        return run(sparql, timeout=settings.sparql_timeout, max_rows=settings.sparql_max_rows, forms=ANSWER_FORMS)

    return query


def pool_runner(settings) -> Callable[[str], dict]:
    """``graph_runner`` over a pool of one worker process of its own (the command line, evaluations, benchmarks):
    the store is loaded in a process the time limit can kill, as in the service. With no other client to be fair
    to, a query waits for the worker however long it takes to (re)load the store — after a query killed at the
    time limit, the next one waits for the replacement instead of being refused. The worker stops with the
    runner (or at exit)."""
    from functools import partial

    from climatekg.graph.query import QueryPool

    pool = QueryPool.for_settings(settings, size=1).start()
    run = graph_runner(partial(pool.run, wait=pool.start_timeout), settings)
    run.pool = pool  # type: ignore[attr-defined]  # kept alive with the runner; tests and callers may stop it
    return run


MEASURE_WORDS = "个家台辆吨项座次户人度亩米元倍种条所名张块套片只头"  # Chinese measure words (classifiers)


def names_unit(word: str) -> bool:
    """A word that names the unit a figure is asked in (吨数, 千瓦时数, 亩数): what is asked, not what about."""
    if len(word) < 2 or word[-1] not in "数量":
        return False
    got = parse_amount("1 " + word[:-1])
    return bool(got and got[1] and got[2][1] == len(word) + 1)


def _sparql_str(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _has_founded(text: str) -> bool:
    return re.search(FOUNDED + r"|older|oldest|earlier|first|历史|更早|最早", text, re.I) is not None


def _fold(s: str) -> str:
    """Accents removed (Nestle = Nestlé)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


@dataclass
class Answerer:
    engine: SearchEngine
    run: Callable[[str], dict]  # SPARQL → the query runner's result (the same runner and policy as /sparql)
    lexicon: Lexicon
    corpus_text: str  # whitespace-free source text, for "is this name in the collection at all?"
    english_text: str  # the English cards and labels, lower-cased
    selector: Selector = field(init=False, repr=False)
    shared: SharedFact = field(init=False, repr=False)

    threshold: float = 0.80  # dense similarity below which a question nothing else links is not about the collection
    refuse_below: float = 0.0  # best one-fact evidence score below which the evidence does not answer (fit on dev)
    # how far below the best sentence the best one that holds the asked kind may score and still answer; fit on the
    # three blind dev halves together (0.01 → 0.03: one more English lookup right and no wrong refusal, one zh
    # unanswerable less recognised; 1.0 loses another unanswerable and gains nothing)
    type_margin: float = 0.03
    # how far below the best sentence one whose figure is of the asked kind may score and still answer (``Measure``)
    measure_margin: float = 0.10

    def __post_init__(self):
        # the syllables of the characters the collection uses (from the index): what a romanised name can be made of
        self._syllables = self.engine.syllables
        facts = load_graph_facts(lambda q: self.query(q).dicts(), self.lexicon)
        # English question words in Chinese (CC-CEDICT, read in reverse), only the words the collection uses
        grams = {self.corpus_text[i:i + n] for n in range(1, 5) for i in range(len(self.corpus_text) - n + 1)}
        glossary = Glossary(glossary_path(), keep=grams.__contains__)
        levels = {r["p"]: r["k"] for r in self.query("SELECT ?p ?k WHERE { ?p ckg:placeKind ?k }").dicts()}
        parents = {r["p"]: r["up"] for r in self.query(
            "SELECT ?p ?up WHERE { ?p ckg:placeKind ?k ; schema:containedInPlace ?up }").dicts()}
        self.selector = Selector(self.engine, self.lexicon, graph_facts=facts, glossary=glossary, place_levels=levels,
                                 place_parents=parents)
        self.shared = SharedFact(self)

    @classmethod
    def load(cls, settings, engine: SearchEngine | None = None, run: Callable[[str], dict] | None = None) -> "Answerer":
        engine = engine or SearchEngine.load(settings)
        run = run or pool_runner(settings)
        lexicon = Lexicon.from_store(lambda q: Rows.of(run(q)).dicts(), engine.tokenizer.tokens)
        raw = "".join(settings.source.read_text(encoding="utf-8").split())
        english = "\n".join(engine.cards + [x for e in engine.entities for x in e["labels_en"]]).lower()
        answerer = cls(engine, run, lexicon, raw, english)
        # the first answer would read jieba's part-of-speech tables (tagging questions, reading figures): read them
        # at load time, so that a loaded answerer is all the memory it will take
        engine.tokenizer.tagged("预热")
        answerer.selector.quantities("预热1吨")
        return answerer

    def query(self, sparql: str) -> Rows:
        return Rows.of(self.run(sparql))

    # -- entry point ---------------------------------------------------------------
    def ask(self, text: "str | Query", hops: int = 1) -> dict:
        """Answer a question (a text, or a Query the search engine has analysed); ``hops``: how many relations it may
        follow to another organisation (``hops.py``)."""
        query = self.engine.analyse(text, "question")
        q = parse(query, self.lexicon)
        q.query = query
        unknown = self.unknown_names(q.text, q.lang, q.mentions)
        if not unknown and q.lang == "zh" and not any(m.entity["kind"] in ("org", "place") for m in q.mentions) \
                and not (q.kind and q.constraints) and q.kind not in ("compare", "superlative"):
            # no company or place to anchor the question, and its subject is a word the text never uses
            unknown = self.unknown_nouns(q.text, q.mentions)
        if unknown:
            return self._refuse(q, unknown)
        if asks_shared(q):
            res = self.shared.answer(q)  # "A 和 B 都…哪个…": what each named case states, intersected
            if res is not None:
                return res
        if hops and q.kind is None and q.orgs and q.prop is not None:
            res = follow_property(self, q)  # "<company>'s shareholder … <a fact>": the fact of the shareholder
            if res is not None:
                return res
        if hops and q.kind is None and not q.orgs:
            res = follow_description(self, q)  # "<the company that did X> — when was it founded": that company's
            if res is not None:
                return res
        if q.comparative and q.kind in (None, "superlative", "compare", "report", "list", "oldest") and not q.within:
            q = resolve_subjects(self, q)  # subjects named by their projects or parks rather than their companies
        if q.comparative and len(q.named_cases) >= 2 and q.kind in (None, "superlative", "compare", "report", "list", "oldest") \
                and not q.within:
            res = self.compare_named(q)
            if res is not None:
                return res
        if q.kind:
            res = self.structured(q)
            if res is not None:
                return res
        res = self.extractive(q)
        return follow_bridge(self, q, res) if hops else res

    # -- "is it in the collection?" -------------------------------------------------
    def _known_zh(self, word: str) -> bool:
        """A Chinese word the collection uses: it occurs, or it does without one edge character (the segmenter
        may take a character of the next word: 潘安湖全电能源站 → 湖|全电)."""
        return word in self.corpus_text or any(len(w) >= 2 and w in self.corpus_text for w in (word[1:], word[:-1]))

    def _known_at(self, text: str, start: int, word: str) -> bool:
        """A Chinese word of the question the collection uses, read in place: the segmenter may also split a
        name so that its last character opens the next word (潘安|湖畔: 潘安湖 is known)."""
        if self._known_zh(word):
            return True
        return start >= 0 and any(len(x) >= 3 and x in self.corpus_text for x in
                                  (text[max(0, start - 2):start + 1], text[max(0, start - 3):start + 1]))

    @staticmethod
    def grammar_spans(text: str) -> list[tuple[int, int]]:
        """Where the question's own grammar is (asking for a count, a list, an order, a comparison, a kind of
        answer): words there say how to answer, not what about, so they are never an absent subject."""
        from . import intents, select

        patterns = [intents.COUNT, intents.LIST, intents.RANK, intents.ORDINAL, intents.COMPARATIVE, intents.CMP_GT,
                    intents.CMP_LT, intents.SUPER_MAX, intents.SUPER_MIN, intents.OLDEST, intents.FOUNDED, intents.LISTED,
                    intents.ANNUAL, intents.CUMULATIVE]
        spans = [m.span() for p in patterns for m in re.finditer(p, text, re.I)]
        return spans + [m.span() for rx in (select.DATE, select.PLACE, select.ORG, select.AMOUNT) for m in rx.finditer(text)]

    def _known_en(self, word: str) -> bool:
        if not hasattr(self, "_en_vocab"):
            text = _fold(self.english_text + "\n" + self.corpus_text.lower())
            self._en_vocab = set(re.findall(r"[a-z0-9]+", text))
        parts = [p for p in re.split(r"[^a-z0-9]+", _fold(word.lower())) if len(p) >= 2]
        return all(p in self._en_vocab for p in parts)

    def unknown_names(self, text: str, lang: str, mentions) -> list[str]:
        """Names in the question (companies, products, places) that the collection never mentions.

        An English name is a capitalised word inside a sentence (the first word of a sentence is capitalised by
        grammar) or an acronym; it is unknown when no word of it occurs in the source text or the English cards
        and labels. A question that names a company of the collection is about that company: a capitalised
        word beside it is a description (a project's name), not another subject. Chinese names are the
        segmenter's proper nouns and organisation-like nouns that the collection does not use."""
        grammar = self.grammar_spans(text)
        covered = [(m.start, m.end) for m in mentions] + grammar
        inside = lambda a, b: any(s <= a and b <= e for s, e in covered)  # noqa: E731
        known_lexicon = [(m.start, m.end) for m in self.lexicon.find(text)]
        anchored = any(m.entity["kind"] == "org" for m in mentions)
        out = []
        for m in re.finditer(r"[A-Z][A-Za-zÀ-ÿ0-9&.-]*[A-Za-zÀ-ÿ0-9]|[A-Z]{2,}", text):
            word = m.group(0).strip(".")
            before = text[:m.start()].rstrip()
            if (not before or before[-1] in ".?!:;\"“‘'(（") and not word.isupper():
                continue
            if inside(m.start(), m.end()) or len(word) < 2 or self._known_en(word):
                continue
            # beside a company of the collection a capitalised word may be the romanised name of its project or
            # site (a romanised park or town name): only a word that is no romanisation names something absent
            # (nor one in quotes: the asker's own rendering of a name, "the 'Green Hub'")
            quoted = re.search(r"['‘“\"][^'’”\"]*$", text[:m.start()]) is not None
            if anchored and (not re.fullmatch(r"[A-Za-z]{3,}", word) or word.isupper() or quoted or self.romanisable(word)):
                continue
            out.append(word)
        if lang == "zh":
            for start, w in self._tagged_at(text):
                proper = w.flag in ("nt", "nz", "nr", "nrt", "ns", "nrfg")
                orgish = w.flag.startswith("n") and re.search(r"(公司|集团|银行|汽车|时代|石化|石油|钢铁|航空|电池)$", w.word)
                if (proper or orgish) and len(w.word) >= 2 and CJK.search(w.word):
                    # a word that takes in the question's grammar ("哪些项目": which + projects) is no name either
                    end = start + len(w.word)
                    if start >= 0 and (inside(start, end) or any(s < end and start < e for s, e in grammar) or
                                       any(s <= start and end <= e for s, e in known_lexicon)):
                        continue
                    if not self._known_at(text, start, w.word):
                        out.append(w.word)
            out += [x for x in self.unwritten_names(text, covered, known_lexicon) if x not in out]
        return out

    def names_elsewhere(self, q: Question, cid: str) -> list[str]:
        """The organisation-like proper nouns of a Chinese question (jieba's nt, nz) that no entity, lexicon term or grammar
        covers, which the collection writes but the case ``cid`` never does (a company another case names in passing)."""
        if q.lang != "zh":
            return []
        covered = [(m.start, m.end) for m in q.mentions] + self.grammar_spans(q.text) + \
            [(m.start, m.end) for m in self.lexicon.find(q.text)]
        case = self.case_text(cid)
        out = []
        for start, w in self._tagged_at(q.text):
            if start < 0 or w.flag not in ("nt", "nz") or len(w.word) < 2 or not CJK.search(w.word) or \
                    any(s < start + len(w.word) and start < e for s, e in covered):
                continue
            if w.word in self.corpus_text and w.word not in case:
                out.append(w.word)
        return out

    # jieba's tags of the words a name is made of (nouns, proper nouns, abbreviations, Latin words, words it lacks)
    NAME_POS = ("n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "j", "x", "eng", "vn")
    # what an organisation's name ends with; a word that only ends with one (子公司, 母公司) is a relation, no name
    ORG_SUFFIXES = ("集团", "公司", "银行", "协会", "研究院", "大学", "交易所", "联合会", "基金会", "控股")

    def unwritten_names(self, text: str, covered: list[tuple[int, int]], terms: list[tuple[int, int]] = ()) -> list[str]:
        """Chinese names the collection never writes, beyond the words the segmenter tags as names:

        * a one-character proper noun whose character the collection never uses, with the one-character words after it
          (a brand the segmenter cuts into characters: 蔚|来);
        * an organisation's name — nouns before an organisation suffix (…集团, …公司, …银行) — whose last word and suffix
          the collection never writes together, unless a quantifier or a demonstrative before it makes it a
          description ("一家物流集团", "哪家设计公司") rather than a name.

        ``covered``: the spans of the entities the question names and of its grammar; ``terms``: of the lexicon's terms
        (an ordinary word of the schema — 能源 — may be a word of a name, not a character of one)."""
        words = list(self._tagged_at(text))
        inside = lambda a, b, spans=covered: any(s < b and a < e for s, e in spans)  # noqa: E731
        out = []
        for i, (start, w) in enumerate(words):
            if start < 0 or inside(start, start + len(w.word)):
                continue
            if len(w.word) == 1 and not inside(start, start + 1, list(terms)) and CJK.search(w.word) and w.flag in self.PROPER_POS and w.word not in self.corpus_text:
                name = w.word
                for s2, w2 in words[i + 1:i + 3]:
                    if len(w2.word) != 1 or not CJK.search(w2.word) or w2.flag[:1] in ("p", "u", "c", "d", "r", "m", "q", "f"):
                        break
                    name += w2.word
                out.append(name)
            elif w.word in self.ORG_SUFFIXES and i > 0:
                j = i
                while j > 0 and words[j - 1][1].flag.startswith(self.NAME_POS) and CJK.search(words[j - 1][1].word):
                    j -= 1
                if j == i or (j > 0 and words[j - 1][1].flag[:1] in ("m", "r", "q")):
                    continue  # no name before the suffix, or a description ("一家物流集团")
                first = words[j][0]
                if first < 0 or inside(first, start):
                    continue
                name = text[first:start + len(w.word)]
                tail = words[i - 1][1].word + w.word
                if name not in self.corpus_text and tail not in self.corpus_text:
                    out.append(name)
        return out

    def romanisable(self, word: str) -> bool:
        """Can a Latin word be read as Hanyu Pinyin syllables (of the characters the collection uses)? "Qingzhou",
        "Cainiao" can; "Tesla", "Superchargers" cannot."""
        w = _fold(word.lower())
        ok = [True] + [False] * len(w)  # ok[i]: w[:i] splits into syllables
        for i in range(1, len(w) + 1):
            ok[i] = any(ok[j] and w[j:i] in self._syllables for j in range(max(0, i - 6), i))
        return ok[-1]

    def industries(self) -> dict[str, str]:
        """Each case's organisation's stated industry, its labels in both languages lower-cased (read once)."""
        if "_industries" not in self.__dict__:
            rows = self.query("SELECT ?id ?ind WHERE { ?c ckg:caseId ?id ; ckg:organisation/ckg:industry ?ind }").dicts()
            out: dict[str, str] = {}
            for r in rows:
                out[r["id"]] = (out.get(r["id"], "") + " | " + str(r["ind"]).lower()).strip(" |")
            self.__dict__["_industries"] = out
        return self.__dict__["_industries"]

    def case_text(self, cid: str) -> str:
        """The whitespace-free text of a case (its indexed chunks)."""
        if not hasattr(self, "_case_text"):
            texts: dict[str, list[str]] = {}
            for ch in self.engine.chunks:
                texts.setdefault(ch["case_id"], []).append("".join(ch["text"].split()))
            self._case_text = {c: "\n".join(v) for c, v in texts.items()}
        return self._case_text.get(cid, "")

    def absent_things(self, q: Question, case_ids: list[str]) -> list[str]:
        """The technologies a question names besides its company that the cases of its company never mention: in
        neither their text (a label of it, of a narrower or of the broader technology) nor their links."""
        out = []
        terms = [(t.start, t.end) for t in self.lexicon.find(q.text)]
        for m in q.mentions:
            e = m.entity
            if e["kind"] != "technology" or any(c in e.get("cases", {}) for c in case_ids):
                continue
            if any(s <= m.start and m.end <= t and t - s > m.end - m.start for s, t in terms):
                continue  # part of a term of the schema ("greenhouse" of "greenhouse gas emissions"), not a technology
            # the technology, a narrower one or the one it specialises ("光伏" for "rooftop solar") counts
            family = [e["id"]] + list(e.get("broader", []))
            labels = [x for t in family for x in self._tech_labels(t) if len(x) >= 2]
            if not any(x in self.case_text(c) for c in case_ids for x in labels) and m.label not in out:
                out.append(m.label)
        return out

    def absent_measure(self, q: Question, case_ids: list[str]) -> str | None:
        """A Chinese "多少个X" question's X when the collection never writes it and the cases that answer share not
        one pair of its characters ("多少个<thing>" of a case that never speaks of that thing)."""
        m = re.search(r"多少|几", q.text)
        if q.lang != "zh" or m is None:
            return None
        rest = re.split(r"[？?，,。；;！!、]", q.text[m.end():])[0]
        # the thing counted follows a measure word ("多少个X"), or is itself a word that opens with one ("多少人次")
        # (the segmenter says which: 人工 is a word, 个城 is not)
        stripped = re.sub(r"^\s*[" + MEASURE_WORDS + "]", "", rest)
        first = next(iter(self.engine.tokenizer.tokens(rest.strip())), "")
        forms = [stripped] + ([rest] if stripped != rest and len(first) >= 2 and first[0] == rest.strip()[:1] else [])
        found = [self._absent_counted(q, x, case_ids) for x in forms]
        return found[0] if all(found) else None

    def _absent_counted(self, q: Question, rest: str, case_ids: list[str]) -> str | None:
        head = re.match(r"[\u4e00-\u9fff]{2,6}", rest)
        if head is None:
            return None
        word = head.group(0)
        for x in sorted({lab for mm in q.mentions for lab in mm.entity["labels_zh"] if len(lab) >= 2}, key=len, reverse=True):
            word = word.replace(x, "")
        unit = parse_amount("1" + word[:2])
        if len(word) < 2 or word in self.corpus_text or (unit is not None and unit[1]):  # a unit, not a thing
            return None
        pairs = {word[i:i + 2] for i in range(len(word) - 1)}
        return None if any(p in self.case_text(c) for c in case_ids for p in pairs) else word

    # jieba's parts of speech of a thing asked about: nouns (not the proper names: the name check's), verbal nouns,
    # abbreviations; a verb or an adjective of the question is too often the asker's paraphrase of the text's
    THING_POS = ("n", "vn", "j", "ng")
    PROPER_POS = ("nr", "ns", "nt", "nz", "nrt", "nrfg")
    # the collection itself, as a question names it ("案例集中…": in the collection)
    # and asking for a name ("叫什么名字")
    COLLECTION = re.compile(r"(?:这份|本|该)?案例集(?:中|里|内)?|(?:这份|本)?(?:报告|材料)(?:中|里)|名字|名称")

    def unsupported_words(self, q: Question, case_ids: list[str], sentence: str) -> list[str]:
        """The things a Chinese question asks about that neither the text of its answering cases nor the chosen
        sentence supports: a noun the cases never write (a longer one: not one pair of its characters), none of whose
        characters the sentence holds either ("营业收入" of a case that never states a revenue, "开业" of one that
        never speaks of an opening). The question's grammar and the entities it names are not asked about here, nor
        units; a word naming what the sentence's figures measure is supported by them (功率 by a figure in kW)."""
        if q.lang != "zh" or not case_ids:
            return []
        from climatekg.graph.units import dimension

        from .select import ZH_ASKING

        text = q.text
        covered = [(m.start, m.end) for m in q.mentions] + self.grammar_spans(text) + \
            [m.span() for rx in (ZH_ASKING, self.COLLECTION) for m in rx.finditer(text)]
        cases = [self.case_text(c) for c in case_ids]
        squashed = "".join(sentence.split())
        glossary = self.selector.glossary
        measured = {zh for qn in self.selector.quantities(sentence) if qn.unit
                    for zh in (glossary.zh(dimension(qn.unit).split("/")[0]) if glossary else ())}
        out = []
        for start, w in self._tagged_at(text):
            if start < 0:
                continue
            end, word = start + len(w.word), w.word
            if len(word) < 2 or not CJK.search(word) or not w.flag.startswith(self.THING_POS) or \
                    any(s < end and start < e for s, e in covered):
                continue
            got = parse_amount("1" + word)
            if got is not None and got[1]:  # a unit (兆瓦, 千瓦时): the asked unit, not a subject
                continue
            if word[0] in "单每各" and word[1] in MEASURE_WORDS:  # "单台", "每座": per unit, grammar of the figure asked
                continue
            if w.flag in self.PROPER_POS and word in self.corpus_text:
                continue
            pairs = [word] if len(word) == 2 else [word[i:i + 2] for i in range(len(word) - 1)]
            # a longer word is also written shortened to its first and last characters (标准煤 → 标煤)
            short = word[0] + word[-1] if len(word) >= 3 else word
            if any(x in c for c in cases for x in pairs + [short]) or all(ch in squashed for ch in word) or word in measured:
                continue
            out.append(word)
        return out

    # the words that make a question of a sentence (any of them: the question says what kind of answer it asks)
    QUESTION_WORD = re.compile(r"\b(?:what|which|who|whom|whose|where|when|why|how|is|are|was|were|do|does|did|can|could)\b|"
                               r"什么|哪|谁|怎|如何|为何|为什么|是否|吗|多少|多大|多长|多高|多重|多远|多久|几|何", re.I)

    def asks_figure_without_question_word(self, q: Question) -> bool:
        """A request with no question word ("The farm's yearly biogas output?", "investment of the pilot, please") that
        names an indicator or a period of the lexicon (savings, investment, annual,
        cumulative) asks for the figure of it."""
        if q.lang != "en" or self.QUESTION_WORD.search(q.text):
            return False
        return q.indicator_term is not None or q.asked_unit is not None or \
            any(m.term.kind == "period" for m in self.lexicon.find(q.text))

    def asks_for_indicator(self, q: Question) -> bool:
        """Is the indicator the question names the thing asked for — its label next to the question word ("<indicator>是
        多少", "what was X's <indicator>") — rather than a word elsewhere in it (a "工厂" before "…多少<other thing>")?"""
        if q.indicator_term is None:
            return False
        asking = [m.span() for m in re.finditer(r"多少|几|多大|多高|多长|\bhow (?:much|many|large|big|high)\b|\bwhat\b", q.text, re.I)]
        for m in self.lexicon.find(q.text):
            if m.term is not q.indicator_term:
                continue
            for s, e in asking:
                gap = q.text[m.end:s] if m.end <= s else q.text[e:m.start]
                if (len(gap.strip()) <= 2 if q.lang == "zh" else len(gap.split()) <= 2) and not re.search(r"[，,。？?；;]", gap):
                    return True
        return False

    def _tagged_at(self, text: str):
        """(where it starts in ``text`` or -1, the word with its part-of-speech flag) for each word of ``text``."""
        pos = 0
        for w in self.engine.tokenizer.tagged(text):
            start = text.find(w.word, pos)
            if start >= 0:
                pos = start + len(w.word)
            yield start, w

    def unknown_nouns(self, text: str, mentions) -> list[str]:
        covered = [(m.start, m.end) for m in mentions] + [(m.start, m.end) for m in self.lexicon.find(text)] + \
            self.grammar_spans(text)
        out = []
        for start, w in self._tagged_at(text):
            if any(s <= start < e for s, e in covered):
                continue
            if w.flag.startswith("n") and len(w.word) >= 2 and CJK.search(w.word) and not self._known_at(text, start, w.word) \
                    and not names_unit(w.word):
                out.append(w.word)
        return out

    def _refuse(self, q: Question, unknown: list[str], subject: str | None = None, missing: list[str] = (),
                closest=None, asked: str | None = None, elsewhere: bool = False) -> dict:
        """Say why the question cannot be answered: names it uses that the collection lacks, or — when the
        subject is there — that its text does not state what is asked."""
        zh = q.lang == "zh"
        if unknown:
            names = "、".join(unknown) if zh else ", ".join(unknown)
            answer = (f"案例集中没有关于“{names}”的内容，无法回答这个问题。本案例集收录了 26 家企业的气候行动案例。" if zh else
                      f"The collection does not mention {names}, so it cannot answer this question. It covers the climate "
                      f"actions of 26 companies in China.")
        else:
            what = {"quantity": ("这个数字", "that figure"), "organisation": ("这个机构", "that organisation"),
                    "date": ("这个时间", "that date"), "place": ("这个地点", "that place")}.get(q.answer_type, ("答案", "the answer"))
            if subject and elsewhere:
                answer = (f"案例集中没有{subject}的案例（只有别的案例提到它），无法回答这个问题。" if zh else
                          f"The collection has no case of {subject} (only other cases mention it), so it cannot answer this "
                          f"question.")
            elif subject and asked:
                answer = (f"案例集中{subject}的案例没有写明{asked}，无法回答这个问题。" if zh else
                          f"The collection's text about {subject} does not state {asked}, so it cannot answer this question.")
            elif subject and missing:
                what_missing = "、".join(f"“{x}”" for x in missing) if zh else ", ".join(f"“{x}”" for x in missing)
                answer = (f"案例集中{subject}的案例没有提到{what_missing}，无法回答这个问题。" if zh else
                          f"The collection's text about {subject} does not mention {what_missing}, so it cannot answer this "
                          f"question.")
            elif subject:
                answer = (f"案例集中{subject}的案例没有写明{what[0]}，无法回答这个问题。" if zh else
                          f"The collection's text about {subject} does not state {what[1]}, so it cannot answer this question.")
            else:
                answer = ("案例集中没有与这个问题相关的内容，无法回答。本案例集收录了 26 家企业的气候行动案例。" if zh else
                          "Nothing in the collection answers this question. It covers the climate actions of 26 companies in China.")
        citations = []
        if closest is not None:  # what the case does state that comes closest, as evidence of the refusal
            r, fact = closest.row, closest.fact
            lines = line_span(r)
            if zh:
                said = f"{fact.zh}，" if fact is not None and fact.zh else ""
                answer += f"它最接近的内容是{said}见{r['case_id']}第{lines}行：“{r['text']}”"
            else:
                said = f"{fact.en} (" if fact is not None and fact.en else ""
                answer += (f" The closest it states is {said}{r['case_id']}, lines {lines}{')' if said else ''}, in "
                           f"Chinese: “{r['text']}”")
            citations.append(self._cite_sentence(r))
        return {"query": q.text, "lang": q.lang, "answered": False, "answer": answer, "cases": [], "citations": citations,
                "sparql": None, "rows": None, "intent": "unanswerable", "unknown": unknown}

    # -- structured: SPARQL over the graph --------------------------------------------
    def build_sparql(self, q: Question) -> tuple[str, str]:
        """(query, what the rows are) for a structured question."""
        body, extra, order = [], "", "?id"
        if q.within:  # a comparison among the cases the question names
            body.append("  VALUES ?id { " + " ".join(f'"{c}"' for c in q.within) + " }")
        if q.text_cases:  # the cases whose text writes what the question names more narrowly than a technology
            body.append("  # the cases whose text writes " + ", ".join(f"“{f}”" for f in q.text_forms) + "\n"
                        "  VALUES ?id { " + " ".join(f'"{c}"' for c in q.text_cases) + " }")
        patterns = {
            "technology": "?case ckg:usesTechnology/skos:broader* <{iri}> .",
            # the project's site, rolled up through the gazetteer (a city site is in its province); a question that
            # asks what the text mentions (the ontology's labels of ckg:mentionsPlace) takes any mention
            "place": ("?case ckg:locatedIn/schema:containedInPlace* <{iri}> ." if q.place_mentions else
                      "?case ckg:projectSite/schema:containedInPlace* <{iri}> ."),
            "section": "?case ckg:inSection <{iri}> .",
            "org": "{{ ?case ckg:partner <{iri}> }} UNION {{ ?case ckg:organisation/ckg:parentOrganisation* <{iri}> }}",
            "award": "?case ckg:recognition <{iri}> .",
            "standard": "?case ckg:refersToStandard <{iri}> .",
        }
        keep = {id(e) for e in q.technologies + q.places + q.sections + q.orgs + q.awards + q.standards}
        groups = [(k, [e for e in g if id(e) in keep]) for k, g in q.groups]
        groups = [(k, g) for k, g in groups if g and not (k == "org" and q.within)]  # the named companies are `within`
        # a technology and a narrower one ("PV" and "rooftop PV"): the narrower says more
        narrower_of = {e["id"]: self.engine.narrower(e["id"]) for k, g in groups if k == "technology" for e in g}
        mentioned = set(narrower_of)
        groups = [(k, [e for e in g if not (k == "technology" and narrower_of[e["id"]] & mentioned)]) for k, g in groups]
        groups = [(k, g) for k, g in groups if g]
        if q.any_of:  # "flexible panels or flexible mounting": the technology mentions are alternatives
            techs = [e for kind, g in groups if kind == "technology" for e in g]
            groups = [(k, g) for k, g in groups if k != "technology"] + ([("technology", techs)] if techs else [])
        if q.org_kind or q.target == "companies":
            groups = [(k, g) for k, g in groups if not (k == "org" and q.kind in ("list", "count") and q.org_kind)]
        if q.of_companies and any(k == "technology" for k, _ in groups):
            # what the companies are: their stated industry names the technology ("光伏电池组件", "photovoltaics")
            labels = [x.lower() for k, g in groups if k == "technology" for e in g
                      for x in self._own_labels(e["id"]) if len(x) >= 2]
            groups = [(k, g) for k, g in groups if k != "technology"]
            body.append("  ?case ckg:organisation ?org . ?org ckg:industry ?ind . FILTER(" +
                        " || ".join(f'CONTAINS(LCASE(STR(?ind)), "{_sparql_str(x)}")' for x in dict.fromkeys(labels)) + ")")
        if q.of_companies and q.industry_words and not any(k == "technology" for k, _ in groups):
            body.append("  ?case ckg:organisation ?org . ?org ckg:industry ?ind . FILTER(" +
                        " || ".join(f'CONTAINS(LCASE(STR(?ind)), "{_sparql_str(x.lower())}")' for x in q.industry_words) + ")")
        for kind, group in groups:
            alts = [patterns[e["kind"]].format(iri=e["iri"]) for e in group]
            if len(alts) == 1:
                body.append("  " + alts[0])
            else:
                body.append("  { " + " } UNION { ".join(alts) + " }")
        if q.kind in ("list", "count") and not q.constraints and q.indicator_term is not None and not q.node_class:
            # "how many cases express a reduction as trees planted": the cases reporting a figure of that indicator
            body.append(f"  ?case ckg:reportsOutcome ?o . ?o ckg:measures <{q.indicator_term.iri}> ; ckg:quote ?quote ; ckg:startLine ?line ;"
                        " ckg:surface ?figure .")
            extra += " ?quote ?line ?figure"
        if q.node_class:
            body.append(self._node_pattern(q, "?case", "?x", "?score"))
            body.append("  { SELECT (MAX(?s2) AS ?best) WHERE {\n" + self._node_pattern(q, "?c2", "?x2", "?s2") +
                        "\n  } }\n  FILTER(?score = ?best)")
            body.append(f'  OPTIONAL {{ ?x rdfs:label ?what . FILTER(lang(?what) = "{q.lang}") }}')
            body.append("  OPTIONAL { ?x ckg:quote ?quote ; ckg:startLine ?line }")
            extra += " ?what ?quote ?line"
        if q.org_class is not None:
            body.append(f"  ?case ckg:organisation ?org . ?org a <{q.org_class.iri}> .")
        elif q.org_kind == "grid":
            body.append('  ?case ckg:organisation ?org . ?org ckg:industry ?ind . FILTER(CONTAINS(LCASE(STR(?ind)), "grid") || CONTAINS(LCASE(STR(?ind)), "power supply"))')
        if q.target == "companies" or q.kind in ("oldest", "compare", "superlative", "report") or q.founded_year is not None or q.exchange:
            if not any("ckg:organisation ?org" in b for b in body):
                body.append("  ?case ckg:organisation ?org .")
            body.append("  ?org rdfs:label ?company . FILTER(lang(?company) = \"" + q.lang + "\")")
            extra += " ?company"
        if q.founded_year is not None:
            until = q.founded_year if q.founded_until is None else q.founded_until
            span = f'STR(?founded) = "{q.founded_year}"' if until == q.founded_year else \
                f'STR(?founded) >= "{q.founded_year:04d}" && STR(?founded) <= "{until:04d}"'
            body.append(f"  ?org schema:foundingDate ?founded . FILTER({span})")
            extra += " ?founded"
        if q.exchange:
            code, zh = q.exchange
            body.append(f'  ?org ckg:listedOn ?listed . FILTER(CONTAINS(UCASE(?listed), "{code.upper()}") || CONTAINS(?listed, "{zh}"))')
            extra += " ?listed"
        if q.kind == "oldest":
            body.append("  ?org schema:foundingDate ?founded .")
            extra += " ?founded"
            order = "?founded ?id"
        if q.kind in ("compare", "superlative", "report"):
            term = q.indicator_term
            unit = q.unit or (term.units[0] if term is not None and term.units else "t")
            lines = ["  ?case ckg:reportsOutcome ?o .",
                     "  ?o schema:value ?value ; ckg:unitSymbol ?unit ; ckg:surface ?surface ; ckg:quote ?quote ; ckg:startLine ?line .",
                     "  OPTIONAL { ?o ckg:year ?year } OPTIONAL { ?o ckg:period ?period } OPTIONAL { ?o ckg:projected ?projected }"]
            if term is not None:
                lines.append(f"  ?o ckg:measures <{term.iri}> .")
            if q.kind != "report" or q.asked_unit:  # figures compared must share a unit
                lines.append(f'  FILTER(?unit = "{unit}")')
            if q.kind != "report" and not re.search(r"目标|预计|计划|target|plan|forecast|expect|project", q.text, re.I):
                lines.append("  FILTER NOT EXISTS { ?o ckg:projected true }")  # reported results, not targets
            if q.period == "annual":  # a figure for one year: anything the text does not call cumulative
                lines.append("  FILTER NOT EXISTS { ?o ckg:period ckg:Cumulative }")
            elif q.period == "cumulative":
                lines.append("  ?o ckg:period ckg:Cumulative .")
            for t in q.technologies:  # a figure about that technology: its quote names it
                labels = [x for x in self._tech_labels(t["id"]) if len(x) >= 2][:12]
                if labels:
                    lines.append("  FILTER(" + " || ".join(f'CONTAINS(?quote, "{x}")' for x in labels) + ")")
            if q.kind == "compare":
                lines.append(f"  FILTER(?value {q.comparator} {q.amount:.6g})")
            order = ("?value" if q.superlative == "min" else "DESC(?value)") + " ?id"
            body += lines
            extra += " ?value ?unit ?surface ?year ?period ?projected ?quote ?line"
        sparql = SELECT_HEAD.format(extra=extra, body="\n".join(body) + "\n", order=order)
        if q.kind in ("superlative",):
            sparql += "\nLIMIT 10"
        return sparql, q.kind or "list"

    def _node_pattern(self, q: Question, case: str, x: str, score: str) -> str:
        """The case's statements of the asked class (its targets, its awards) that satisfy the question: the concepts
        it names (alternatives), its year, and a score — how many of the question's other words (groups of alternatives)
        the label contains: the query keeps the statements that contain the most (all of them when none contains any)."""
        link = self.lexicon.node_links[q.node_class]
        lines = [f"  {case} <{link}> {x} ."]
        by_prop: dict[str, list[str]] = {}
        for c in q.node_concepts:
            prop = self.lexicon.concept_property(q.node_class, c)
            by_prop.setdefault(prop.iri, []).append(c.iri)
        for n, (prop, iris) in enumerate(by_prop.items()):
            lines.append(f"  {x} <{prop}> {x}k{n} . FILTER({x}k{n} IN (" + ", ".join(f"<{i}>" for i in iris) + "))")
        if q.node_year:
            lines.append(f'  {x} ?{x[1:]}yp ?{x[1:]}y . FILTER(datatype(?{x[1:]}y) = xsd:gYear && STR(?{x[1:]}y) = "{q.node_year}")')
        if q.node_keys:
            lines.append(f'  {x} rdfs:label {x}t . FILTER(lang({x}t) = "zh")')
            terms = " + ".join("IF(" + " || ".join(f'CONTAINS({x}t, "{_sparql_str(k)}")' for k in g[:16]) + ", 1, 0)"
                               for g in self._node_keys(q)[:8])
            lines.append(f"  BIND({terms} AS {score})")
        else:
            lines.append(f"  BIND(0 AS {score})")
        return "\n".join(lines)

    def _node_keys(self, q: Question) -> list[list[str]]:
        """The question's word groups a statement's label may contain, a technology's group widened by its narrower
        technologies' labels ("zero-carbon" certificates include a zero-carbon factory's)."""
        out = []
        for g in q.node_keys:
            wider = list(g)
            for t in q.node_techs:
                e = self.engine.entity_by_key.get(("technology", t))
                if e and set(g) & set(e["labels_zh"]):
                    wider += [x for x in self._tech_labels(t) if len(x) >= 2 and x not in wider]
            out.append(wider)
        # a group whose words are inside a widened group's ("零碳" of "零碳工厂") says the same thing once
        widened = [w for w, g in zip(out, q.node_keys) if len(w) > len(g)]
        return [w for w, g in zip(out, q.node_keys) if len(w) > len(g) or not any(
            all(any(k in x for x in v) for k in g) for v in widened)]

    def _own_labels(self, tech_id: str) -> list[str]:
        """A technology's own labels in both languages (not those of narrower technologies)."""
        e = self.engine.entity_by_key.get(("technology", tech_id))
        return list(e["labels_zh"]) + list(e["labels_en"]) if e else []

    def _tech_labels(self, tech_id: str) -> list[str]:
        ids = {tech_id} | self.engine.narrower(tech_id)
        out = []
        for i in ids:
            e = self.engine.entity_by_key.get(("technology", i))
            if e:
                out += e["labels_zh"]
        return sorted(set(out), key=len)

    @staticmethod
    def unlinked(q: Question) -> bool:
        """A list or count of cases that nothing in the graph constrains: no entity, indicator, statement class,
        kind of company or industry (its SPARQL would list every case)."""
        return q.kind in ("list", "count") and not q.constraints and q.indicator_term is None and not q.node_class \
            and not q.industry_words and not q.of_companies and q.org_class is None

    def structured(self, q: Question) -> dict | None:
        if q.kind == "attribute":
            return self.attribute(q)
        if q.kind == "property":
            return self.property(q)
        if q.kind == "facet":
            return self.facet(q)
        swept = narrower_in_text(self, q) if q.kind in ("list", "count") and not q.node_class else None
        if swept is None and self.unlinked(q):
            words = industry_words(self, q)
            if words:  # "cases from dairy companies": what the companies are, by their stated industry
                q = dataclasses.replace(q, of_companies=True, industry_words=words)
        if swept is None and self.unlinked(q):
            # nothing the graph holds narrows it ("robots", "cow manure"): the cases whose text writes the thing
            swept = concept_in_text(self, q)
            if swept is None and q.open_list:
                return None  # no narrower set in the text either: answered from the text
        if swept is not None:  # "solar street lights", not every solar case: the cases whose text writes it
            forms, evidence = swept
            q = dataclasses.replace(q, technologies=[], groups=[g for g in q.groups if g[0] != "technology"],
                                    text_cases=list(evidence), text_forms=forms)
        sparql, _ = self.build_sparql(q)
        res = self.query(sparql)
        rows = res.dicts()
        mentioned_only = not rows and q.places and not q.place_mentions
        if mentioned_only:
            # no project site there: the cases whose text mentions the place (the answer says so)
            q = dataclasses.replace(q, place_mentions=True)
            sparql, _ = self.build_sparql(q)
            res = self.query(sparql)
            rows = res.dicts()
        if q.kind in ("superlative", "oldest") and rows:  # the first (or the first n: "second and third", "rank")
            key = "value" if q.kind == "superlative" else "founded"
            firsts = list(dict.fromkeys(r[key] for r in rows))
            keep = set(firsts[:q.top_n] if q.top_n else firsts)
            rows = [r for r in rows if r[key] in keep]
        ids = list(dict.fromkeys(r["id"] for r in rows))
        if not ids and (q.kind in ("superlative", "compare", "report") and not q.constraints
                        or any(m.entity["kind"] == "org" for m in q.mentions)):
            return None  # the graph has no such figure, or nothing about the company it names: try the text
        answer = self._structured_text(q, rows, ids)
        unstated = [c for c in q.within if c not in ids] if q.kind == "oldest" else []
        if unstated:  # a named company whose founding the graph lacks: said, not dropped
            names = ("、" if q.lang == "zh" else "; ").join(self._name(c, q.lang) for c in unstated)
            answer += f"未写明成立时间：{names}。" if q.lang == "zh" else f" Founding not stated: {names}."
            ids += unstated
        if mentioned_only and ids:
            where = "、".join(p["zh"] for p in q.places) if q.lang == "zh" else ", ".join(p["en"] for p in q.places)
            answer = (f"没有项目地点在{where}的案例；提到{where}的案例：" if q.lang == "zh" else
                      f"No case has a project site in {where}; cases that mention it: ") + answer
        citations = self._citations(q, rows, ids)
        if swept is not None:  # each case with the sentence that writes it, marked as read from the text
            citations = [self._cite_sentence(swept[1][c]) for c in ids if c in swept[1]][:10]
            said = "、".join(swept[0]) if q.lang == "zh" else ", ".join(swept[0])
            answer += f"（据原文中的“{said}”）" if q.lang == "zh" else f" (found in the text: {said})"
        out = {"query": q.text, "lang": q.lang, "answered": True, "answer": answer,
               "cases": [self._case_ref(c) for c in ids], "citations": citations,
               "sparql": sparql, "rows": res.table(), "intent": q.kind}
        if q.kind in ("compare", "superlative", "report"):
            out["figures"] = self._figures(q, rows)
        return out

    def _figures(self, q: Question, rows: list[dict]) -> list[dict]:
        """The figures of what was asked, sorted by value: one per case (its largest) for comparisons, every
        distinct figure for "which cases report …" questions."""
        if q.kind == "report":
            seen, keep = set(), []
            for r in rows:
                if (r["id"], r["value"], r["unit"]) not in seen:
                    seen.add((r["id"], r["value"], r["unit"]))
                    keep.append(r)
        else:
            best: dict[str, dict] = {}
            for r in rows:
                if r["id"] not in best or (r["value"] or 0) > (best[r["id"]]["value"] or 0):
                    best[r["id"]] = r
            keep = list(best.values())
        ordered = sorted(keep, key=lambda r: -(r["value"] or 0) if q.superlative != "min" else (r["value"] or 0))
        return [{"case_id": r["id"], "company": r.get("company") or self._company(r["id"], q.lang),
                 "value": r["value"], "unit": r["unit"],
                 "figure": r["surface"] if q.lang == "zh" else format_value(r["value"], r["unit"]),
                 "as_printed": r["surface"], "year": r.get("year"),
                 "period": ("projected" if r.get("projected") else
                            (str(r["period"]).rsplit("#", 1)[-1].lower() if r.get("period") else None)),
                 "measures": q.indicator_term.label(q.lang) if q.indicator_term is not None else None} for r in ordered]

    def _company(self, cid: str, lang: str) -> str:
        c = self.engine.case_by_id[cid]
        return c["company_zh"] if lang == "zh" else c["company_en"]

    def _case_ref(self, cid: str) -> dict:
        c = self.engine.case_by_id[cid]
        return {"case_id": cid, "title_zh": c["title_zh"], "title_en": c["title_en"], "company_zh": c["company_zh"],
                "company_en": c["company_en"]}

    def _name(self, cid: str, lang: str) -> str:
        c = self.engine.case_by_id[cid]
        return f"{c['company_zh']}（{cid}）" if lang == "zh" else f"{c['company_en']} ({cid})"

    def _structured_text(self, q: Question, rows: list[dict], ids: list[str]) -> str:
        zh = q.lang == "zh"
        names = ("、" if zh else "; ").join(self._name(c, q.lang) for c in ids)
        if any(r.get("figure") for r in rows):  # cases counted by a figure they report: each with its figures, as printed
            figures: dict[str, list[str]] = {}
            for r in rows:
                if r.get("figure") and r["figure"] not in figures.setdefault(r["id"], []):
                    figures[r["id"]].append(r["figure"])
            names = ("；" if zh else "; ").join(
                self._name(c, q.lang) + (f"：{'、'.join(figures[c][:3])}" if zh else f": {', '.join(figures[c][:3])}")
                for c in ids)
        stated = [k for k in ("founded", "listed") if any(r.get(k) for r in rows)]
        if stated and q.kind in ("list", "count"):  # companies by their founding or listing: each with its own
            said: dict[str, list[str]] = {}
            for r in rows:
                for k in stated:
                    v = r.get(k)
                    v = (f"{v}年成立" if zh else f"founded {v}") if k == "founded" and v else v
                    if v and v not in said.setdefault(r["id"], []):
                        said[r["id"]].append(str(v))
            names = ("；" if zh else "; ").join(
                f"{self._name(c, q.lang)}{'：' if zh else ': '}{('、' if zh else ', ').join(said.get(c, []))}" for c in ids)
        if q.node_class and any(r.get("what") for r in rows):  # each case with the statements that make it match
            said: dict[str, list[str]] = {}
            for r in rows:
                if r.get("what") and r["what"] not in said.setdefault(r["id"], []):
                    said[r["id"]].append(r["what"])
            names = ("；" if zh else "; ").join(
                f"{self._name(c, q.lang)}{'：' if zh else ': '}{('、' if zh else ', ').join(said.get(c, [])[:4])}" for c in ids)
        if not ids:
            return "图谱中没有符合条件的案例。" if zh else "No case in the graph matches."
        if q.kind == "count":
            return f"共有 {len(ids)} 个：{names}。" if zh else f"{len(ids)}: {names}."
        if q.kind in ("compare", "superlative", "report"):
            figs = self._figures(q, rows)

            def fig(f):
                return self._fig_text(f, q.lang)

            if q.kind == "report":  # grouped by case, in the order of each case's largest figure
                by_case: dict[str, list[str]] = {}
                for f in figs:
                    by_case.setdefault(f["case_id"], []).append(fig(f))
                parts = [f"{self._name(c, q.lang)} {('、' if zh else '; ').join(v[:4])}" for c, v in by_case.items()]
                what = q.indicator_term.label(q.lang)
                return (f"报告了{what}的案例有 {len(by_case)} 个：" + "；".join(parts) + "。") if zh else \
                    (f"{len(by_case)} cases report {what.lower()}: " + " | ".join(parts) + ".")
            parts = [f"{self._name(f['case_id'], q.lang)} {fig(f)}" for f in figs]
            what = (q.indicator_term.label(q.lang) if q.indicator_term is not None else "")
            if q.kind == "superlative" and len(parts) > 1:  # "the top three", "rank them"
                order = "从大到小" if q.superlative != "min" else "从小到大"
                return (f"{what}{order}：" + "；".join(f"{i}. {p}" for i, p in enumerate(parts, 1)) + "。") if zh else \
                    (f"{what} ({'largest' if q.superlative != 'min' else 'smallest'} first): " +
                     "; ".join(f"{i}. {p}" for i, p in enumerate(parts, 1)) + ".")
            if q.kind == "superlative":
                lead = ("最大的是" if q.superlative != "min" else "最小的是") if zh else ("The largest is" if q.superlative != "min" else "The smallest is")
                return f"{what}{lead} {parts[0]}。" if zh else f"{lead} {parts[0]}" + (f" ({what.lower()})." if what else ".")
            return (f"符合条件的有 {len(figs)} 个（{what}，按数值从大到小）：" + "；".join(parts) + "。") if zh else \
                (f"{len(figs)} match ({what.lower()}, largest first): " + "; ".join(parts) + ".")
        if q.kind == "oldest":
            seen = list(dict.fromkeys((r["id"], r["founded"]) for r in rows))
            if len(seen) > 1:  # "the second and third oldest"
                return ("按成立时间从早到晚：" + "；".join(f"{i}. {self._name(c, 'zh')}，{y} 年" for i, (c, y) in enumerate(seen, 1)) + "。"
                        if zh else "By founding year, oldest first: " +
                        "; ".join(f"{i}. {self._name(c, 'en')}, {y}" for i, (c, y) in enumerate(seen, 1)) + ".")
            r = rows[0]
            return (f"成立最早的是{self._name(r['id'], 'zh')}，成立于 {r['founded']} 年。" if zh
                    else f"The oldest is {self._name(r['id'], 'en')}, founded in {r['founded']}.")
        return f"共 {len(ids)} 个：{names}。" if zh else f"{len(ids)}: {names}."

    @staticmethod
    def _fig_text(f: dict, lang: str) -> str:
        """One figure as the answer states it: as printed (zh), or in base units with the printed form (en)."""
        year, period = f.get("year"), f.get("period")
        if lang == "zh":
            period_zh = {"annual": "年度", "cumulative": "累计", "projected": "预期"}
            notes = [x for x in (f"{year}年" if year else "", period_zh.get(period or "", "")) if x]
            return f"{f['as_printed']}" + (f"（{'，'.join(notes)}）" if notes else "")
        shown = f["figure"] + (f" ({f['as_printed']})" if f["as_printed"].replace(" ", "") != f["figure"].replace(" ", "") else "")
        notes = [x for x in (str(year) if year else "", period or "") if x]
        return shown + (f", {', '.join(notes)}" if notes else "")

    # -- every company's value of a property, in order ---------------------------------------
    def facet(self, q: Question) -> dict | None:
        """"Which companies state a listing year? In order": the cases whose organisation has a value of the named
        datatype property (through the object property that leads to its domain), ordered by that value, with
        what the value belongs to (its label: "listed on Nasdaq") and where the text says it."""
        path = self.lexicon.path_from("Organisation", q.prop)
        if path is None:
            return None
        hop = f"?org <{path[0].iri}> ?n . ?n <{q.prop.iri}> ?value ." if len(path) == 2 else f"?org <{q.prop.iri}> ?value . BIND(?org AS ?n)"
        sparql = f"""SELECT ?id ?title_zh ?title_en ?company ?value ?what ?quote ?line WHERE {{
  ?case ckg:caseId ?id ; dcterms:title ?title_zh, ?title_en ; ckg:organisation ?org .
  FILTER(lang(?title_zh) = "zh" && lang(?title_en) = "en")
  ?org rdfs:label ?company . FILTER(lang(?company) = "{q.lang}")
  {hop}
  OPTIONAL {{ ?n rdfs:label ?what . FILTER(lang(?what) = "{q.lang}" && ?n != ?org) }}
  OPTIONAL {{ ?n ckg:quote ?quote ; ckg:startLine ?line }}
}}
ORDER BY ?value ?id"""
        res = self.query(sparql)
        rows = res.dicts()
        if not rows:
            return None
        zh = q.lang == "zh"
        per: dict[str, list[str]] = {}
        for r in rows:
            item = f"{r['value']}" + (f"（{r['what']}）" if zh and r.get("what") else f" ({r['what']})" if r.get("what") else "")
            if item not in per.setdefault(r["id"], []):
                per[r["id"]].append(item)
        ids = list(per)
        what = q.prop.label(q.lang)
        parts = [f"{self._name(c, q.lang)} {('、' if zh else ', ').join(v)}" for c, v in per.items()]
        answer = (f"写明{what}的有 {len(ids)} 个（按{what}先后）：" + "；".join(parts) + "。") if zh else \
            (f"{len(ids)} state a {what} (in order of it): " + "; ".join(parts) + ".")
        cites, seen = [], set()
        for r in rows:
            if r.get("quote") and r["id"] not in seen:
                seen.add(r["id"])
                cites.append(self._cite(r["id"], r["quote"], r["line"]))
        return {"query": q.text, "lang": q.lang, "answered": True, "answer": answer,
                "cases": [self._case_ref(c) for c in ids], "citations": cites[:10],
                "sparql": sparql, "rows": res.table(), "intent": "facet"}

    # -- comparisons among the companies a question names ------------------------------------
    def compare_named(self, q: Question) -> dict | None:
        """"Which of A and B …", "谁的…更多", "rank A, B and C": each named company's figures of the indicator asked
        (from the graph, restricted to their cases), or each one's best evidence sentence of the asked kind, and
        their founding years when the question asks which is older."""
        cases = q.named_cases
        zh = q.lang == "zh"
        statements: dict[str, list[str]] = {c: [] for c in cases}
        citations, sparql, table, best = [], None, None, {}
        measure = q.indicator_term
        if q.indicator_term is not None:
            sub, sparql, res, rows = self._comparable(q, cases)
            measure = sub.indicator_term
            table = res.table()
            for f in self._comparable_figures(sub, rows, cases):
                if len(statements[f["case_id"]]) < 3:
                    statements[f["case_id"]].append(self._fig_text(f, q.lang))
                    best.setdefault(f["case_id"], f["value"] or 0)
            citations += self._citations(sub, rows, list(statements))
        kind = "quantity" if q.indicator_term is not None or q.asks_amount else q.answer_type
        kind = "text" if kind == "organisation" else kind  # "which of them": each one's fact, not another name
        subject = {lab for m in q.mentions for lab in m.entity["labels_zh"] + [m.entity["en"].lower()]}
        for cid in cases:
            if statements[cid]:
                continue
            ranked = self.selector.rank(q.query, [cid], kind, q.asked_unit if kind == "quantity" else None,
                                        q.indicator_term if kind == "quantity" else None, {cid: 1.0}, subject)
            if ranked and (kind == "text" or ranked[0].type_ok):
                top = ranked[0]
                fact = top.fact
                said = (fact.zh if zh else fact.en) if fact is not None and fact.zh else ""
                statements[cid].append(said or f"“{top.row['text']}”")
                citations.append(self._cite_sentence(top.row))
        if _has_founded(q.text):
            for cid in cases:
                org = next((o for o in q.orgs if o["cases"].get(cid, 0) >= 10), None)
                rows = self.query(f"""SELECT ?founded WHERE {{ <{org['iri']}> schema:foundingDate ?founded }}""").dicts() if org else []
                if rows:
                    statements[cid].append(f"成立于 {rows[0]['founded']} 年" if zh else f"founded {rows[0]['founded']}")
        if not any(statements.values()):
            return None
        order = sorted(cases, key=lambda c: -best.get(c, float("-inf")))
        sep = "；" if zh else "; "
        parts = [f"{self._name(c, q.lang)}：{'，'.join(statements[c]) or '案例未写明'}" if zh else
                 f"{self._name(c, q.lang)}: {', '.join(statements[c]) or 'not stated in its case'}" for c in order]
        what = measure.label(q.lang) if measure is not None else ""
        answer = (f"{what}比较（按数值从大到小）：" if zh and best else "比较：" if zh else
                  f"Compared ({what.lower()}, largest first): " if best else "Compared: ") + sep.join(parts) + ("。" if zh else ".")
        return {"query": q.text, "lang": q.lang, "answered": True, "answer": answer,
                "cases": [self._case_ref(c) for c in order], "citations": citations[:10],
                "sparql": sparql, "rows": table, "intent": "compare_named"}

    def _comparable(self, q: Question, cases: list[str]):
        """The figures that compare the named cases: of the indicator the question names that the most of them report
        (the likeliest first on a tie: "rooftop PV capacity: A's factories, …" compares capacities, not factories),
        every figure of it, the technology the question names preferred but not required (a case may state its
        rooftop plant's output without writing "rooftop" in that sentence)."""
        got = None
        first = min((m.start for m in q.mentions if m.entity["kind"] == "org"), default=len(q.text))
        shared = {id(m.term) for m in self.lexicon.find(q.text, ("indicator",)) if m.end <= first}
        terms = sorted((q.indicator_terms or [q.indicator_term])[:4], key=lambda t: id(t) not in shared)
        for term in terms:
            sub = dataclasses.replace(q, kind="report", within=cases, superlative=q.superlative or "max",
                                      indicator_term=term, unit=term.units[0] if term.units else q.unit, technologies=[],
                                      places=[], sections=[], awards=[], standards=[])
            sparql, _ = self.build_sparql(sub)
            res = self.query(sparql)
            rows = res.dicts()
            n = len({r["id"] for r in rows})
            if got is None or n > got[0]:
                got = (n, sub, sparql, res, rows)
            if n == len(cases):
                break
        return got[1:]

    def _comparable_figures(self, q: Question, rows: list[dict], cases: list[str]) -> list[dict]:
        """Each named case's figures, the one its own words in the question describe best first ("Mengniu's factory
        rooftop": the figure whose sentence writes 工厂 and 屋顶 before a larger one of its suppliers' farms), then
        by value; cases ordered by that first figure."""
        figs = self._figures(q, rows)
        quotes: dict[tuple, list[str]] = {}
        for r in rows:
            quotes.setdefault((r["id"], r["value"], r["unit"]), []).append(self._in_context(r["id"], r["quote"]))
        out = []
        for cid in cases:
            asked = self._describing(q, cid)
            mine = [f for f in figs if f["case_id"] == cid]
            scored = [(max((asked.score(x) for x in quotes.get((cid, f["value"], f["unit"]), [])), default=0.0)
                       if asked else 0.0, f) for f in mine]
            # then a reported result before a plan (unless the question asks for plans), then the larger
            plans = re.search(r"目标|预计|计划|target|plan|forecast|expect|project", q.text, re.I) is not None
            # (descriptions scored within a tenth of each other describe the figures alike)
            out += [f for _, f in sorted(scored, key=lambda x: (-round(x[0], 1), (x[1]["period"] == "projected") != plans,
                                                                 -(x[1]["value"] or 0)))]
        return out

    def _in_context(self, cid: str, quote: str) -> str:
        """A figure's sentence with the one before it in its case (the sentence that names the plant a figure is
        of: "盐城…屋顶电站…。电站预计每年产生1118万度…")."""
        rows, _ = self.engine.sentences()
        key = "".join(quote.split())[:24]
        mine = [r for r in rows if r["case_id"] == cid]
        for i, r in enumerate(mine):
            if key and key in "".join(r["text"].split()):
                return (mine[i - 1]["text"] if i else "") + r["text"]
        return quote

    def _describing(self, q: Question, cid: str):
        """What the question says about one named case, as ``Selector.asked`` units weighted by rarity among the case's
        sentences: the words of its clause ("Astronergy's Yancheng rooftop") and those before the first company named
        ("Rank by rooftop PV capacity:"); the company names themselves are no description."""
        spans = [(m.start, m.end) for m in q.mentions if m.entity["kind"] == "org" and m.entity["cases"].get(cid, 0) >= 10]
        if q.subject_spans:  # subjects named by their projects: the words that name this one
            spans = [q.subject_spans[cid]] if cid in q.subject_spans else []
        if not spans or q.query is None:
            return None
        text = q.text
        marks = "，,、；;：:？?。"
        a = max(text.rfind(c, 0, spans[0][0]) for c in marks) + 1
        ends = [i for i in (text.find(c, spans[0][1]) for c in marks) if i >= 0]
        b = min(ends, default=len(text))
        if q.subject_spans:
            a, b = spans[0]
        first = min((m.start for m in q.mentions if m.entity["kind"] == "org"), default=0)
        if q.subject_spans:
            first = min(s for s, _ in q.subject_spans.values())
        keep = [(a, b), (0, first)]
        sub = "".join(ch if any(s <= i < e for s, e in keep) else " " for i, ch in enumerate(text))
        query = dataclasses.replace(q.query, text=sub, _vector=q.query.vector)
        rows, _ = self.engine.sentences()
        return self.selector.asked(query).fit([r["text"] for r in rows if r["case_id"] == cid])

    def _citations(self, q: Question, rows: list[dict], ids: list[str]) -> list[dict]:
        out = []
        seen = set()
        for r in rows:
            if "quote" in r and r["id"] not in seen:
                seen.add(r["id"])
                out.append(self._cite(r["id"], r["quote"], r["line"]))
        if out:
            return out[:10]
        # otherwise the evidence of the first constraint that links the case
        preds = [("ckg:usesTechnology", t["iri"]) for t in q.technologies[:1]] + \
                [("ckg:locatedIn" if q.place_mentions else "ckg:projectSite", p["iri"]) for p in q.places[:1]] + [("ckg:partner", o["iri"]) for o in q.orgs[:1]] + \
                [("ckg:recognition", a["iri"]) for a in q.awards[:1]]
        for cid in ids[:10]:
            for pred, iri in preds:
                ev = self.query(f"""SELECT ?quote ?line WHERE {{ ?c ckg:caseId "{cid}" . ?e rdf:subject ?c ; rdf:predicate {pred} ;
                    rdf:object ?o ; ckg:quote ?quote ; ckg:startLine ?line . ?o skos:broader*|schema:containedInPlace* <{iri}> }}
                    ORDER BY ?line LIMIT 1""").dicts()
                if ev:
                    out.append(self._cite(cid, ev[0]["quote"], ev[0]["line"]))
                    break
            else:
                # no link evidence (e.g. "which companies are banks"): the sentence of the case that best supports it
                sent = self._best_sentence(q, [cid])
                if sent:
                    out.append(self._cite_sentence(sent))
        return out

    def _cite(self, cid: str, quote: str, line: int) -> dict:
        part = self._part_at(cid, int(line))
        c = self.engine.case_by_id[cid]
        return {"case_id": cid, "title_zh": c["title_zh"], "title_en": c["title_en"], "part": part,
                "part_zh": PART_ZH.get(part, ""), "part_en": PART_EN.get(part, ""), "start_line": int(line),
                "end_line": int(line) + quote.count("\n"), "quote": quote}

    def _part_at(self, cid: str, line: int) -> str:
        best = None
        for ch in self.engine.chunks:
            if ch["case_id"] == cid and ch["start_line"] <= line <= ch["end_line"]:
                return ch["part"]
            if ch["case_id"] == cid and ch["start_line"] <= line:
                best = ch["part"]
        return best or "overview"

    # -- facts about a company ---------------------------------------------------------
    def attribute(self, q: Question) -> dict | None:
        org = q.orgs[0]
        if q.attribute == "founded":
            sparql = f"""SELECT ?company ?founded ?quote ?line WHERE {{
  <{org['iri']}> rdfs:label ?company ; schema:foundingDate ?founded .
  FILTER(lang(?company) = "{q.lang}")
  OPTIONAL {{ ?e rdf:subject <{org['iri']}> ; rdf:predicate schema:foundingDate ; ckg:quote ?quote ; ckg:startLine ?line }}
}}"""
        else:
            sparql = f"""SELECT ?company ?listed WHERE {{
  <{org['iri']}> rdfs:label ?company ; ckg:listedOn ?listed .
  FILTER(lang(?company) = "{q.lang}")
}}"""
        res = self.query(sparql)
        rows = res.dicts()
        case_ids = [c for c, n in org["cases"].items() if n >= 10] or list(org["cases"])[:1]
        # the text says more than the graph (dates of listings, predecessors): cite the sentence that says it
        keyword = r"成立|创立|创建|创办|始建|前身" if q.attribute == "founded" else r"上市|股票代码|证券代码|交易所"
        sent = self._best_sentence(q, case_ids, must=keyword)
        if not rows and sent is None:
            return None
        zh = q.lang == "zh"
        if rows and q.attribute == "founded":
            r = rows[0]
            answer = f"{r['company']}成立于 {r['founded']} 年。" if zh else f"{r['company']} was founded in {r['founded']}."
        elif rows:
            listed = "、".join(r["listed"] for r in rows)
            answer = f"{rows[0]['company']}上市信息：{listed}。" if zh else f"{rows[0]['company']} is listed: {', '.join(r['listed'] for r in rows)}."
        else:
            answer = ""
        citations = []
        if sent:
            citations.append(self._cite_sentence(sent))
            answer = (answer + f"原文：“{sent['text']}”") if zh else (answer + f" The text says: “{sent['text']}”")
        return {"query": q.text, "lang": q.lang, "answered": True, "answer": answer.strip(),
                "cases": [self._case_ref(c) for c in case_ids], "citations": citations,
                "sparql": sparql if rows else None, "rows": res.table() if rows else None, "intent": "attribute"}

    def property(self, q: Question) -> dict | None:
        """The value of an organisation's relation that the ontology declares ("X's shareholder", "X的母公司")."""
        org, prop = q.orgs[0], q.prop
        sparql = f"""SELECT ?value ?name_zh ?name_en ?quote ?line WHERE {{
  <{org['iri']}> <{prop.iri}> ?value .
  OPTIONAL {{ ?value rdfs:label ?name_zh FILTER(lang(?name_zh) = "zh") }}
  OPTIONAL {{ ?value rdfs:label ?name_en FILTER(lang(?name_en) = "en") }}
  OPTIONAL {{ ?e rdf:subject <{org['iri']}> ; rdf:predicate <{prop.iri}> ; rdf:object ?value ; ckg:quote ?quote ; ckg:startLine ?line }}
}}"""
        res = self.query(sparql)
        rows = res.dicts()
        if not rows:
            return None  # the graph does not hold it: the text may
        zh = q.lang == "zh"
        names = list(dict.fromkeys((r["name_zh"] or r["value"], r["name_en"] or r["value"]) for r in rows))
        subject = org["zh"] if zh else org["en"]
        what = prop.label(q.lang)
        if zh:
            answer = f"{subject}的{what}：" + "、".join(n[0] for n in names) + "。"
        else:
            answer = f"{what[:1].upper() + what[1:]} of {subject}: " + "; ".join(f"{n[1]} ({n[0]})" if n[0] != n[1] else n[1] for n in names) + "."
        case_ids = [c for c, n in org["cases"].items() if n >= 10] or list(org["cases"])[:1]
        citations = [self._cite(case_ids[0] if case_ids else "case-01", r["quote"], r["line"]) for r in rows if r.get("quote")][:3]
        if citations:
            c = citations[0]
            answer += (f"原文（第{c['start_line']}行）：“{c['quote']}”" if zh else f" The text (Chinese, line {c['start_line']}): “{c['quote']}”")
        return {"query": q.text, "lang": q.lang, "answered": True, "answer": answer,
                "cases": [self._case_ref(c) for c in case_ids], "citations": citations,
                "sparql": sparql, "rows": res.table(), "intent": "property"}

    # -- extractive answers ----------------------------------------------------------------
    def _best_sentence(self, q: Question, case_ids: list[str], must: str | None = None):
        rows, vecs = self.engine.sentences()
        cand = [i for i, r in enumerate(rows) if r["case_id"] in case_ids and (must is None or re.search(must, r["text"]))]
        if not cand:
            return None
        sims = vecs[[rows[i]["vec"] for i in cand]] @ q.query.vector
        return rows[cand[int(np.argmax(sims))]]

    def _cite_sentence(self, r: dict) -> dict:
        c = self.engine.case_by_id[r["case_id"]]
        return {"case_id": r["case_id"], "title_zh": c["title_zh"], "title_en": c["title_en"], "part": r["part"],
                "part_zh": PART_ZH[r["part"]], "part_en": PART_EN[r["part"]], "start_line": r["start_line"],
                "end_line": r["end_line"], "quote": r["text"]}

    @staticmethod
    def describes(text: str, m) -> bool:
        """Does the question name ``m`` only to describe another organisation, its subject ("与X合作的企业…",
        "拿到X认证的企业", "the company that partnered with X")?"""
        after = re.split(r"[，,。？?；;]", text[m.end:])[0]
        if re.search(r"的(?:那家|那个|这家)?(?:企业|公司|机构|协会|集团|单位|银行|平台)", after):
            return True
        return re.search(r"\b(?:company|companies|firm|organi[sz]ation|group|bank|association|partner)\s+(?:that|which|who|whose)\b",
                         text[:m.start], re.I) is not None

    def extractive(self, q: Question) -> dict:
        res = self.engine.search(q.query, k=5)
        results = res["results"]
        if not results:
            return self._refuse(q, [])
        top = results[0]
        # is the collection really about this? a question no leg links well is not answered by the nearest case
        weak = top["ranks"].get("entity") is None and not res["entities"] and self._max_dense(q) < self.threshold
        if weak:
            return self._refuse(q, [])
        top_ids = [r["case_id"] for r in results[:3]]
        # a question that names a company of the collection is about its case(s)
        own = [cid for m in q.mentions if m.entity["kind"] == "org" for cid, n in m.entity["cases"].items() if n >= 10]
        # an organisation the question names that has no case of its own (a partner, a customer, a company the text
        # names in passing): only a sentence that names it can state something about it
        # (unless the question only describes its subject by it: "与X合作的企业", "the company that X certified")
        passing = [] if own else [m.entity for m in q.mentions if m.entity["kind"] == "org" and not self.describes(q.text, m)]
        if own:
            top_ids = [c for c in top_ids if c in own] or list(dict.fromkeys(own))[:3]
        elif passing:
            named_in = [c for e in passing for c in e["cases"]]
            top_ids = list(dict.fromkeys([c for c in top_ids if c in named_in] + named_in))[:3]
        elif q.org_class is not None:
            # "the bank that …": the subject is an organisation of that class; its cases, best ranked first
            of_class = {r["id"] for r in self.query(f"""SELECT ?id WHERE {{ ?case ckg:caseId ?id ; ckg:organisation ?org .
  ?org a <{q.org_class.iri}> }}""").dicts()}
            ranked_ids = [r["case_id"] for r in results if r["case_id"] in of_class]
            top_ids = ranked_ids[:3] or top_ids
        if own or passing or q.answer_type == "quantity":
            # the subject is in the collection, but not what the question asks of it
            missing = self.absent_things(q, top_ids) if own or passing else []
            measure = self.absent_measure(q, top_ids[:1] if not own else top_ids)
            if measure and not own:  # the collection never writes it (the search's best case is no subject)
                return self._refuse(q, [measure])
            if missing or measure:
                orgs = [m.entity for m in q.mentions if m.entity["kind"] == "org"]
                name = (orgs[0]["zh"] if q.lang == "zh" else orgs[0]["en"]) if orgs else self._company(top_ids[0], q.lang)
                return self._refuse(q, [], subject=name, missing=missing or [measure])
        prior = {cid: 1.0 - i / 3 for i, cid in enumerate(top_ids)}
        subject = {lab for m in q.mentions for lab in m.entity["labels_zh"] + [m.entity["en"].lower()]}
        kind = q.answer_type if q.answer_type != "text" or not q.asks_amount else "quantity"
        if kind == "text" and self.asks_figure_without_question_word(q):
            kind = "quantity"
        # the kind of figure asked (a unit's dimension, money, a share, a count of a thing): one of another kind is no answer
        measures = asked_measures(q.text, q.asked_unit, q.indicator_term if self.asks_for_indicator(q) else None,
                                  self.selector.glossary, self.engine.tokenizer.tokens) if kind == "quantity" else []
        measure = measures[0] if measures else None
        ranked = self.selector.rank(q.query, top_ids, kind, q.asked_unit if kind == "quantity" else None,
                                    q.indicator_term if kind == "quantity" else None, prior, subject,
                                    # the graph records no figure of that indicator: only one the text states of it answers
                                    strict=q.asks_indicator and not q.indicator_term.units, measure=measure)
        if not ranked:
            return self._refuse(q, [])
        best = ranked[0]
        if kind != "text":
            # the best sentence that holds the asked kind (a figure, a name, a date), if it is nearly as good
            # (a figure stated for another year than the one asked does not answer: the text lacks that year's)
            # (the asked kind weighs in the score already: the best that holds it answers, unless far below the best)
            typed = next((x for x in ranked if x.type_ok and not x.year_conflict), None)
            best = typed if typed is not None and ranked[0].score - typed.score <= self.type_margin else None
            near = [x for x in ranked if ranked[0].score - x.score <= self.type_margin]
            if best is not None and kind == "quantity" and q.asked_unit is None and self.asks_for_indicator(q):
                # a figure of another dimension (kWh for an investment, a count for a revenue) does not answer
                fits = [x for x in near if x.type_ok and not x.year_conflict
                        and self.selector.fits_dimension(x.row["text"], q.indicator_term)]
                best = fits[0] if fits else None
        if best is not None and measure and not best.fits:
            # the figure read is of another kind than the one asked: a sentence nearly as good with one of the asked
            # kind answers; else the case does not state it, and the refusal quotes what it states instead
            # (of the same case: the search ranked it first for the question's subject)
            fitting = next((x for x in ranked if x.fits and not x.year_conflict and x.row["case_id"] == best.row["case_id"]
                            and best.score - x.score <= self.measure_margin), None)
            # a question asking several things is answered when one of its further asks is (its sentences are found
            # by ``further_asks``)
            further = any(m and any(m.fits(x.row["text"], qn) for x in ranked if best.score - x.score <= self.measure_margin
                                    for qn in self.selector.quantities(x.row["text"])) for m in measures[1:])
            if fitting is None and not further:
                orgs = [m.entity for m in q.mentions if m.entity["kind"] == "org"]
                name = (orgs[0]["zh"] if q.lang == "zh" else orgs[0]["en"]) if orgs else self._company(best.row["case_id"], q.lang)
                return self._refuse(q, [], subject=name, closest=best, asked=measure.describe(q.lang))
            best = fitting or best
        if best is None or (kind != "text" and best.score < self.refuse_below):
            # the subject is in the collection but no sentence of its cases holds what is asked
            orgs = [m.entity for m in q.mentions if m.entity["kind"] == "org"]
            name = (orgs[0]["zh"] if q.lang == "zh" else orgs[0]["en"]) if orgs else self._company(top["case_id"], q.lang)
            return self._refuse(q, [], subject=name)
        if best is not None and kind == "quantity":
            # the question asks for the exact figure and the text closest to it gives only an indefinite one (数百家)
            vague = next((x for x in ranked if ranked[0].score - x.score <= self.type_margin and x.fact is not None
                          and x.fact.indefinite), None)
            if vague is not None:
                orgs = [m.entity for m in q.mentions if m.entity["kind"] == "org"]
                name = (orgs[0]["zh"] if q.lang == "zh" else orgs[0]["en"]) if orgs else self._company(top["case_id"], q.lang)
                return self._refuse(q, [], subject=name, closest=vague)
        if passing and best is not None:
            labels = [x for e in passing for x in e["labels_zh"] + e.get("labels_en", []) if len(x) >= 2]
            names_it = lambda x: any(lab in x.row["text"] for lab in labels)  # noqa: E731
            if not names_it(best):
                best = next((x for x in ranked if names_it(x) and x.fits is not False
                             and (kind == "text" or (x.type_ok and not x.year_conflict))), None) or best
            if not names_it(best):
                e = passing[0]
                return self._refuse(q, [], subject=e["zh"] if q.lang == "zh" else e["en"], closest=best)
        if not own and not passing:
            # a name the question gives (a company, a brand) that the collection writes only in other cases: the fact
            # read from this case is not about it
            elsewhere = self.names_elsewhere(q, best.row["case_id"])
            if elsewhere:
                return self._refuse(q, [], subject=elsewhere[0], closest=best, elsewhere=True)
        if kind != "text" and not own and not passing:
            # no company anchors the question: its cases are the search's guess. When they never write what it asks
            # about, the fact read is of another thing (a question naming a company of the collection is left to
            # the checks above: its case may well paraphrase the question's words — fit on the dev halves, where
            # the anchored form refused answerable questions)
            absent = self.unsupported_words(q, top_ids, best.row["text"])
            if absent:
                orgs = [m.entity for m in q.mentions if m.entity["kind"] == "org"]
                name = (orgs[0]["zh"] if q.lang == "zh" else orgs[0]["en"]) if orgs else self._company(best.row["case_id"], q.lang)
                return self._refuse(q, [], subject=name, missing=absent, closest=best)
        sent, fact = best.row, best.fact
        cid = sent["case_id"]
        c = self.engine.case_by_id[cid]
        lines = line_span(sent)
        if q.lang == "zh":
            lead = f"{fact.zh}。" if fact is not None and fact.zh else ""
            answer = f"{lead}据{c['company_zh']}案例（{cid}，{PART_ZH[sent['part']]}，第{lines}行）：“{sent['text']}”"
        else:
            lead = ""
            if fact is not None and fact.en:
                lead = fact.en if fact.kind in ("quantity", "date") or fact.zh == fact.en else f"{fact.en} ({fact.zh})"
                lead = lead[:1].upper() + lead[1:] + ". "
            names = [f"{a} = {b}" for a, b in (fact.names if fact is not None else []) if a != b and b]
            answer = (f"{lead}Source: the {c['company_en']} case ({cid}, {PART_EN[sent['part']]}, lines {lines}), "
                      f"in Chinese: “{sent['text']}”" + (f" (names: {'; '.join(dict.fromkeys(names))})" if names else ""))
        citations = [self._cite_sentence(sent)]
        for extra in self.further_asks(q, top_ids, prior, subject, best, ranked):
            r, f = extra.row, extra.fact
            lines = line_span(r)
            if q.lang == "zh":
                answer += f"；{f.zh + '，' if f is not None and f.zh else ''}见第{lines}行：“{r['text']}”"
            else:
                answer += f"; {f.en + ', ' if f is not None and f.en else ''}lines {lines}: “{r['text']}”"
            citations.append(self._cite_sentence(r))
        ordered = [cid] + [r["case_id"] for r in results if r["case_id"] != cid]
        return {"query": q.text, "lang": q.lang, "answered": True, "answer": answer,
                "fact": {"kind": fact.kind, "zh": fact.zh, "en": fact.en} if fact is not None and fact.zh else None,
                "cases": [self._case_ref(x) for x in ordered[:5]],
                "citations": citations, "sparql": None, "rows": None, "intent": "extractive"}

    def further_asks(self, q: Question, case_ids, prior, subject, best, ranked) -> list:
        """The other sentences a question asking for several facts needs: one per further question word ("投入多少，
        多久回本"; "how much … and how many …"), each ranked with the question's other asks blanked out; and for
        "各/分别/each/respectively" the neighbouring sentences of the same case that state a figure of the same
        kind as the one read (the parallel items of a list)."""
        from .select import AMOUNT, DATE, answer_type

        out, seen = [], {best.row["text"]}
        asks = [m for m in re.finditer(r"多少|多大|多高|多长|多久|多远|几(?=[个台座项次年家辆])|哪一?年|何时|什么时候|"
                                       r"\bhow (?:much|many|long|large|big|high)\b|\bwhen\b|\bwhat year\b", q.text, re.I)]
        spans = []  # each ask's own part of the question: from the mark before it to the mark after it
        for prev, m in zip(asks, asks[1:]):
            gap = q.text[prev.end():m.start()]
            cut = max((gap.rfind(c) for c in ("，", ",", "、", "；", ";", "？", "?", "和", "及", " and ")), default=-1)
            if cut >= 0:
                if not spans:
                    spans.append((0, prev.end() + cut))  # the first ask, with the question's subject before it
                spans.append((prev.end() + cut, m.end()))
        for a, b in spans:
            nxt = re.search(r"[，,、；;？?]", q.text[b:])
            b = b + nxt.start() if nxt else len(q.text)
            # the further ask alone, the names the question gives its subject kept (same length: spans stay valid)
            keep = [(x.start, x.end) for x in q.mentions] + [(a, b)]
            sub = "".join(ch if any(s <= i < e for s, e in keep) else " " for i, ch in enumerate(q.text))
            part = q.text[a:b]
            kind = answer_type(part)
            kind = "quantity" if kind == "text" and AMOUNT.search(part) else kind
            kind = "date" if DATE.search(part) else kind
            query = dataclasses.replace(q.query, text=sub, _vector=q.query.vector)
            got = self.selector.rank(query, case_ids, kind, None, None, prior, subject)
            pick = next((x for x in got if (kind == "text" or x.type_ok) and not x.year_conflict), None)
            if pick is not None and pick.row["text"] not in seen:
                seen.add(pick.row["text"])
                out.append(pick)
        if re.search(r"各(?:是|为|自|有)?多少|分别|各.{0,4}多少|\beach\b|\brespectively\b|\bapiece\b", q.text, re.I) and \
                best.fact is not None and best.fact.kind == "quantity":
            unit = lambda x: {qn.unit for qn in self.selector.quantities(x.row["text"])}  # noqa: E731
            want = unit(best)
            for x in ranked:
                r = x.row
                if len(out) >= 4 or r["text"] in seen or r["case_id"] != best.row["case_id"]:
                    continue
                if abs(r["start_line"] - best.row["start_line"]) <= 8 and x.type_ok and unit(x) & want:
                    seen.add(r["text"])
                    out.append(x)
        return out

    def _max_dense(self, q: Question) -> float:
        chunk, _ = self.engine.dense_scores(q.query.vector)
        return float(np.max(chunk))
