"""The question lexicon: the graph's own bilingual labels of what can be asked about.

Every class, property, indicator, period and descriptive concept (a kind of target or of recognition) the graph declares (``rdfs:label``, ``skos:prefLabel``,
``skos:altLabel`` in zh and en, from ``ontology/*.ttl`` and whatever the build adds) becomes a term the
question parser can find in a question. Nothing here names a particular indicator or relation: adding one
to the ontology with its labels makes questions about it parse (and compile to SPARQL) without code.

Instances (companies, technologies, places, awards, standards, sections) are linked by the search engine's
entity linker; the lexicon covers the schema.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

TERMS_QUERY = """SELECT ?term ?kind ?label ?pref ?range ?domain WHERE {
  { ?term a ckg:Indicator . BIND("indicator" AS ?kind) }
  UNION { ?term a <http://www.w3.org/2002/07/owl#Class> . BIND("class" AS ?kind) }
  UNION { ?term a <http://www.w3.org/2002/07/owl#ObjectProperty> . BIND("property" AS ?kind) }
  UNION { ?term a <http://www.w3.org/2002/07/owl#DatatypeProperty> . BIND("property" AS ?kind) }
  UNION { ?term a ckg:Period . BIND("period" AS ?kind) }
  { ?term rdfs:label|skos:prefLabel ?label . BIND(true AS ?pref) } UNION { ?term skos:altLabel ?label . BIND(false AS ?pref) }
  FILTER(lang(?label) IN ("zh", "en"))
  OPTIONAL { ?term rdfs:range ?range }
  OPTIONAL { ?term rdfs:domain ?domain }
}"""

# concepts that describe what a case links to (a target's kind, a recognition's kind): classes of skos:Concept that
# are the range of a property of a class a case links to (not indicators: they are terms of their own)
CONCEPT_CLASSES_QUERY = """SELECT DISTINCT ?cls WHERE {
  ?cls rdfs:subClassOf skos:Concept . ?cp rdfs:range ?cls ; rdfs:domain ?cd .
  ?lp rdfs:domain ckg:Case ; rdfs:range ?cd . FILTER(?cd != ckg:Case && ?cls != ckg:Indicator)
}"""
CONCEPTS_QUERY = """SELECT ?term ?label ?pref ?cls WHERE {{
  VALUES ?cls {{ {classes} }}
  ?term a ?cls .
  {{ ?term rdfs:label|skos:prefLabel ?label . BIND(true AS ?pref) }} UNION {{ ?term skos:altLabel ?label . BIND(false AS ?pref) }}
  FILTER(lang(?label) IN ("zh", "en"))
}}"""

SUPER_QUERY = """SELECT ?term ?super WHERE { ?term rdfs:subClassOf ?super . FILTER(isIRI(?super)) }"""

UNITS_QUERY = """SELECT ?term ?unit (COUNT(?o) AS ?n) WHERE {
  ?o ckg:measures ?term ; ckg:unitSymbol ?unit .
} GROUP BY ?term ?unit"""

# the statements a case makes that questions ask about as such (its targets, its awards): classes of things read
# from the text (prov:Entity, with quotes) that a case links to and that a concept describes (a kind of target)
NODES_QUERY = """SELECT DISTINCT ?cls ?link WHERE {
  ?cls rdfs:subClassOf <http://www.w3.org/ns/prov#Entity> . ?link rdfs:domain ckg:Case ; rdfs:range ?cls .
  ?cp rdfs:domain ?cls ; rdfs:range ?kc . ?kc rdfs:subClassOf skos:Concept . FILTER(?kc != ckg:Indicator)
  FILTER EXISTS { ?x a ?cls ; ckg:quote ?q }
}"""

CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Term:
    iri: str
    kind: str  # indicator | class | property | period | concept
    cls: str | None = None  # concepts: their class (a target kind, a recognition kind: what a case's target or award is)
    labels_zh: list[str] = field(default_factory=list)
    labels_en: list[str] = field(default_factory=list)
    range: str | None = None
    domain: str | None = None
    units: list[str] = field(default_factory=list)  # indicators: the units its outcomes are stated in, most used first
    unit_counts: dict = field(default_factory=dict)
    supers: list[str] = field(default_factory=list)  # classes: direct superclasses

    @property
    def key(self) -> str:
        """The local name (``co2-reduction``, ``shareholder``, ``Bank``)."""
        return re.split(r"[#/]", self.iri)[-1]

    @property
    def code(self) -> str:
        """The indicator code the extractor uses (``co2-reduction``: the scheme's own ids, graph/units.py)."""
        return self.key

    def label(self, lang: str) -> str:
        labels = self.labels_zh if lang == "zh" else self.labels_en
        return labels[0] if labels else self.key


@dataclass
class Match:
    term: Term
    label: str
    start: int
    end: int


EN_FUNCTION = {"of", "the", "a", "an", "and", "or", "in", "on", "from", "by", "for", "to", "per", "with", "at"}


def _stem(word: str) -> str:
    """A crude English stem: the word without an inflection or a -ion/-ation ending ("generated", "generation" →
    "generat")."""
    for suf in ("ations", "ation", "ions", "ion", "ings", "ing", "ies", "ed", "es", "s", "e"):
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            return word[:-len(suf)]
    return word


def _same_stem(a: str, b: str) -> bool:
    """Two stems of one word: equal, or the shorter (of at least 4 letters) begins the longer ("reduc", "reduct")."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 2


class Lexicon:
    def __init__(self, terms: list[Term], tokenize=None):
        self.terms = terms
        self.tokenize = tokenize  # the Chinese word segmenter of the search index (for by_tokens)
        self.by_iri = {t.iri: t for t in terms}
        self.by_code = {t.code: t for t in terms if t.kind == "indicator"}
        self.node_links: dict[str, str] = {}  # statement class → the case property that links to it (NODES_QUERY)
        pairs = []
        for t in terms:
            for lab in t.labels_zh + t.labels_en:
                norm = lab.strip().lower()
                if len(norm) >= 2:
                    pairs.append((norm, t))
        # longest label first: "碳排放强度" before "碳排放", "green credit" before "credit"
        self._pairs = sorted(pairs, key=lambda p: (-len(p[0]), p[1].kind, p[1].iri))
        # a space or a hyphen between the words of a label ("net zero", "net-zero")
        self._re = {lab: re.compile(r"(?<![a-z0-9])" + re.sub(r"(\\ |\\-)", r"[\\s-]", re.escape(lab)) + r"(?:s|es|ed|d|ing)?(?![a-z0-9])")
                    for lab, _ in self._pairs if not CJK.search(lab)}

    @classmethod
    def from_store(cls, run, tokenize=None) -> "Lexicon":
        """From the graph: ``run(sparql)`` returns a list of row dicts."""
        terms: dict[tuple[str, str], Term] = {}
        order: list[tuple[str, str]] = []
        rows = list(run(TERMS_QUERY))
        classes = [r["cls"] for r in run(CONCEPT_CLASSES_QUERY)]
        if classes:
            rows += [dict(r, kind="concept") for r in run(CONCEPTS_QUERY.format(classes=" ".join(f"<{c}>" for c in classes)))]
        for r in rows:
            key = (r["term"], r["kind"])
            if key not in terms:
                terms[key] = Term(r["term"], r["kind"], range=r.get("range"), domain=r.get("domain"),
                                  cls=r.get("cls") if r["kind"] == "concept" else None)
                order.append(key)
            t = terms[key]
            label = str(r["label"])
            bucket = t.labels_zh if CJK.search(label) else t.labels_en
            if label not in bucket:
                bucket.insert(0, label) if r.get("pref") in (True, "true") else bucket.append(label)
        units: dict[str, Counter] = {}
        for r in run(UNITS_QUERY):
            units.setdefault(r["term"], Counter())[r["unit"]] += int(r["n"])
        for (iri, kind), t in terms.items():
            if kind == "indicator" and iri in units:
                t.units = [u for u, _ in units[iri].most_common()]
                t.unit_counts = dict(units[iri])
        for r in run(SUPER_QUERY):
            for kind in ("class",):
                if (r["term"], kind) in terms:
                    terms[(r["term"], kind)].supers.append(r["super"])
        lex = cls([terms[k] for k in order], tokenize)
        lex.node_links = {r["cls"]: r["link"] for r in run(NODES_QUERY)}
        return lex

    def node_class(self, term: Term) -> str | None:
        """The statement class (NODES_QUERY) a term names: the class itself, a property of it or linking to it, or a
        concept that describes it (the "certification" kind of a recognition)."""
        if term.kind == "class":
            return term.iri if term.iri in self.node_links else None
        if term.kind == "property":
            for x in (term.range, term.domain):
                if x in self.node_links:
                    return x
            return None
        if term.kind == "concept":
            for t in self.terms:
                if t.kind == "property" and t.range == term.cls and t.domain in self.node_links:
                    return t.domain
        return None

    def concept_property(self, node_cls: str, concept: Term) -> Term | None:
        """The property of a statement class whose values are the concept's class (a target's kind)."""
        return next((t for t in self.terms if t.kind == "property" and t.domain == node_cls and t.range == concept.cls), None)

    def text_words(self, text: str) -> list[str]:
        """The Chinese words of a text (the search index's segmenter), at least two characters long."""
        return [w for w in (self.tokenize(text) if self.tokenize else []) if len(w) >= 2 and CJK.search(w)]

    def is_subclass(self, term: Term | None, local_name: str) -> bool:
        """Is ``term`` the class ``local_name`` (e.g. "Organisation") or below it?"""
        seen, todo = set(), [term.iri] if term is not None else []
        while todo:
            iri = todo.pop()
            if re.split(r"[#/]", iri)[-1] == local_name:
                return True
            seen.add(iri)
            t = self.by_iri.get(iri)
            todo += [x for x in (t.supers if t else []) if x not in seen]
        return False

    def path_from(self, class_name: str, prop: Term) -> list[Term] | None:
        """The properties leading from instances of ``class_name`` to ``prop``'s values: [prop] when its domain is
        that class (or above it), [link, prop] when an object property links the class to ``prop``'s domain."""
        dom = self.by_iri.get(prop.domain) if prop.domain else None
        if dom is None:
            return None
        if self.is_subclass(dom, class_name) or any(self.is_subclass(t, dom.key) for t in self.terms
                                                    if t.kind == "class" and t.key == class_name):
            return [prop]
        for t in self.terms:
            if t.kind == "property" and t.range == prop.domain and t.domain and \
                    self.is_subclass(self.by_iri.get(t.domain), class_name):
                return [t, prop]
        return None

    def has_subclass(self, term: Term) -> bool:
        return any(term.iri in t.supers for t in self.terms if t.kind == "class")

    def main_indicator(self, unit: str) -> Term | None:
        """The indicator most often stated in a unit ("more than 10 MW" asks about the one usually in kW)."""
        best = max((t for t in self.terms if t.kind == "indicator"), key=lambda t: t.unit_counts.get(unit, 0), default=None)
        return best if best is not None and best.unit_counts.get(unit, 0) > 0 else None

    def find(self, text: str, kinds: tuple[str, ...] | None = None) -> list[Match]:
        """Terms named in a text, longest first, non-overlapping (Chinese as substrings, English as words)."""
        low = text.lower()
        taken = [False] * len(text)
        out: list[Match] = []
        # concepts (kinds of targets, of recognitions) are found on their own: a word may name a concept and a schema
        # term at once ("认证": a recognition event, and the certification kind of it)
        concepts = False
        for lab, t in sorted(self._pairs, key=lambda p: p[1].kind == "concept"):
            if kinds and t.kind not in kinds:
                continue
            if t.kind == "concept" and not concepts:
                concepts, taken = True, [False] * len(text)
            spans = ([(m.start(), m.end()) for m in self._re[lab].finditer(low)] if lab in self._re else
                     [(m.start(), m.start() + len(lab)) for m in re.finditer(re.escape(lab), low)])
            for s, e in spans:
                if not any(taken[s:e]):
                    for i in range(s, e):
                        taken[i] = True
                    out.append(Match(t, text[s:e], s, e))
        out.sort(key=lambda m: m.start)
        return out

    def by_tokens(self, tokens: list[str], kind: str) -> list[Term]:
        """Terms of a kind whose Chinese label's words all occur among ``tokens`` (the question's words), most
        words first: a label split by other words in the question still names its term."""
        if self.tokenize is None or not tokens:
            return []
        have = set(tokens)
        hits = []
        for t in self.terms:
            if t.kind != kind:
                continue
            for lab in t.labels_zh:
                words = [w for w in self.tokenize(lab) if w.strip()]
                if len(words) >= 2 and all(w in have for w in words):
                    hits.append((len(words), t))
        return _most_words_first(hits)

    def by_words(self, text: str, kind: str, window: int = 6) -> list[Term]:
        """Terms of a kind whose English label's words all occur, inflected and in any order, within ``window`` words
        of the question ("generated more electricity" names "electricity generated"), most words first."""
        words = [_stem(w) for w in re.findall(r"[a-z][a-z0-9-]*", text.lower())]
        hits = []
        for t in self.terms:
            if t.kind != kind:
                continue
            for lab in t.labels_en:
                need = [_stem(w) for w in re.findall(r"[a-z][a-z0-9-]*", lab.lower()) if w not in EN_FUNCTION]
                if len(need) < 2:
                    continue
                for i in range(len(words)):  # a window that starts on one of the label's words
                    span = words[i:i + window]
                    if any(_same_stem(n, span[0]) for n in need) and all(any(_same_stem(n, w) for w in span) for n in need):
                        hits.append((len(need), t))
                        break
        return _most_words_first(hits)

    def zh_words(self, text: str) -> list[str]:
        """The Chinese labels of every term an English text names (cross-lingual expansion of a question)."""
        out = []
        for m in self.find(text):
            out += [x for x in m.term.labels_zh if x not in out]
        return out


def _most_words_first(hits: list[tuple[int, "Term"]]) -> list["Term"]:
    """Each term once, those matched by more label words first (a stable sort: ties keep the lexicon's order)."""
    out: list[Term] = []
    for _, t in sorted(hits, key=lambda h: -h[0]):
        if all(x is not t for x in out):
            out.append(t)
    return out
