"""Controlled vocabularies used to link case text to graph entities.

Technologies come from the SKOS scheme in ontology/technologies.ttl; places,
partner organisations, awards/certifications and standards from
data/vocab/entities.toml; the case organisations from the metadata. Each entry
carries its Chinese labels (matched as exact substrings of the whitespace-free
text) and English labels (for English questions).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from climatekg.corpus.metadata import Metadata
from climatekg.corpus.parse import CorpusError
from .namespace import CKG
from .sparql_text import PREFIX_MAP

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class VocabError(CorpusError):
    """A vocabulary file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Entity:
    kind: str  # technology | place | org | award | standard
    id: str
    zh: str
    en: str
    labels_zh: tuple[str, ...]
    labels_en: tuple[str, ...]
    extra: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Vocabulary:
    technologies: dict[str, Entity]
    places: dict[str, Entity]
    orgs: dict[str, Entity]  # case organisations, their groups, and partners
    awards: dict[str, Entity]
    standards: dict[str, Entity]
    technology_graph: Graph
    case_orgs: set[str] = field(default_factory=set)

    def all(self):
        for d in (self.technologies, self.places, self.orgs, self.awards, self.standards):
            yield from d.values()


def _lit(g: Graph, s, p, lang: str) -> list[str]:
    return sorted(str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language == lang)


def load_technologies(path: Path) -> tuple[dict[str, Entity], Graph]:
    g = Graph()
    try:
        g.parse(path, format="turtle")
    except Exception as e:  # rdflib raises several parser exception types
        raise VocabError(f"{path}: not valid Turtle: {e}") from None
    prefix = PREFIX_MAP["technology"]  # the scheme file is written under the default base; the build rebases
    out: dict[str, Entity] = {}
    for s in sorted(set(g.subjects(RDF.type, SKOS.Concept))):
        iri = str(s)
        if not iri.startswith(prefix):
            continue
        tid = iri[len(prefix):]
        zh = _lit(g, s, SKOS.prefLabel, "zh")
        en = _lit(g, s, SKOS.prefLabel, "en")
        if len(zh) != 1 or len(en) != 1:
            raise VocabError(f"{path}: technology '{tid}' needs exactly one @zh and one @en skos:prefLabel")
        labels_zh = tuple(dict.fromkeys(zh + _lit(g, s, SKOS.altLabel, "zh") + _lit(g, s, SKOS.hiddenLabel, "zh")))
        labels_en = tuple(dict.fromkeys(en + _lit(g, s, SKOS.altLabel, "en") + _lit(g, s, SKOS.hiddenLabel, "en")))
        broader = sorted(str(b)[len(prefix):] for b in g.objects(s, SKOS.broader))
        out[tid] = Entity("technology", tid, zh[0], en[0], labels_zh, labels_en, {"broader": broader})
    for s in list(g.subjects(RDF.type, SKOS.Concept)):
        g.add((s, RDF.type, CKG.Technology))
    return out, g


def _entries(data: dict, key: str, path: Path) -> list[dict]:
    items = data.get(key, [])
    for it in items:
        if "id" not in it or not SLUG.match(str(it["id"])):
            raise VocabError(f"{path}: a [[{key}]] entry has a missing or malformed id: {it.get('id')!r}")
        for k in ("zh", "en"):
            if not it.get(k):
                raise VocabError(f"{path}: [[{key}]] '{it['id']}': '{k}' is missing")
    return items


def _entity(kind: str, it: dict) -> Entity:
    labels_zh = tuple(dict.fromkeys([it["zh"], *it.get("alt_zh", [])]))
    labels_en = tuple(dict.fromkeys([it["en"], *it.get("alt_en", [])]))
    extra = {k: v for k, v in it.items() if k not in ("id", "zh", "en", "alt_zh", "alt_en")}
    return Entity(kind, it["id"], it["zh"], it["en"], labels_zh, labels_en, extra)


def load_vocabulary(entities_path: Path, technologies_path: Path, metadata: Metadata) -> Vocabulary:
    technologies, tgraph = load_technologies(technologies_path)
    try:
        data = tomllib.loads(Path(entities_path).read_text(encoding="utf-8"))
    except FileNotFoundError:  # the hand-built dictionaries are optional
        data = {}
    except tomllib.TOMLDecodeError as e:
        raise VocabError(f"{entities_path}: not valid TOML: {e}") from None

    places = {it["id"]: _entity("place", it) for it in _entries(data, "place", entities_path)}
    for p in places.values():
        parent = p.extra.get("parent")
        if parent and parent not in places:
            raise VocabError(f"{entities_path}: place '{p.id}' has unknown parent '{parent}'")
    awards = {it["id"]: _entity("award", it) for it in _entries(data, "award", entities_path)}
    standards = {it["id"]: _entity("standard", it) for it in _entries(data, "standard", entities_path)}

    orgs: dict[str, Entity] = {}
    for o in metadata.orgs.values():
        labels_zh = tuple(dict.fromkeys(x for x in (o.name_zh, o.short_zh, *o.alt_zh) if x))
        labels_en = tuple(dict.fromkeys(x for x in (o.short_en, o.name_en, *o.alt_en) if x))
        orgs[o.id] = Entity("org", o.id, o.short_zh, o.short_en, labels_zh, labels_en, {"meta": o})
    by_label = {lab: e.id for e in orgs.values() for lab in e.labels_zh}
    for it in _entries(data, "partner", entities_path):
        e = _entity("org", it)
        same = it["id"] if it["id"] in orgs else next((by_label[lab] for lab in e.labels_zh if lab in by_label), None)
        if same:
            # a partner that is also one of the metadata organisations: one entity, labels merged
            old = orgs[same]
            orgs[same] = Entity("org", same, old.zh, old.en, tuple(dict.fromkeys(old.labels_zh + e.labels_zh)),
                                tuple(dict.fromkeys(old.labels_en + e.labels_en)), {**e.extra, **old.extra})
        else:
            orgs[e.id] = e
    for kind, items in (("place", data.get("place", [])), ("award", data.get("award", [])), ("standard", data.get("standard", []))):
        ids = [it["id"] for it in items]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise VocabError(f"{entities_path}: {kind} id(s) defined twice: {', '.join(dup)}")
    return Vocabulary(technologies, places, orgs, awards, standards, tgraph,
                      case_orgs={c.org for c in metadata.cases.values()})


class Matcher:
    """Longest-first, non-overlapping matching of Chinese labels in clean text."""

    def __init__(self, entities, min_len: int = 2):
        pairs = []
        for e in entities:
            for lab in e.labels_zh:
                lab = "".join(lab.split())
                if len(lab) >= min_len:
                    pairs.append((lab, e))
        # longest label first; ties broken by id for determinism
        self.pairs = sorted(pairs, key=lambda p: (-len(p[0]), p[1].kind, p[1].id, p[0]))

    def find(self, text: str):
        """Yield (start, end, entity) over ``text`` (offsets into ``text``)."""
        squashed, back = [], []
        for i, ch in enumerate(text):
            if not ch.isspace():
                squashed.append(ch)
                back.append(i)
        s = "".join(squashed)
        taken = bytearray(len(s))
        hits = []
        for lab, e in self.pairs:
            start = s.find(lab)
            while start != -1:
                end = start + len(lab)
                if not any(taken[start:end]):
                    taken[start:end] = b"\x01" * (end - start)
                    hits.append((back[start], back[end - 1] + 1, e))
                start = s.find(lab, start + 1)
        hits.sort(key=lambda h: (h[0], h[1]))
        return hits
