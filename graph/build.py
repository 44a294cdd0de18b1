"""Cases → RDF: the knowledge graph, its validation and its deterministic exports.

``build_graph`` turns the parsed collection, the metadata and the vocabularies
into one rdflib graph. Every link found in the text (technology, place,
partner, recognition, standard, year) gets a ``ckg:Evidence`` node — an
rdf:Statement with the case part, source lines and the quoted sentence — and
every quantified outcome carries the same provenance itself.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from climatekg.corpus.clean import squash
from climatekg.corpus.metadata import Metadata
from climatekg.corpus.model import PART_EN, PART_KEYS, PART_ZH, Case, Collection, Paragraph
from .namespace import CKG, CUR, PROV, QUDT, SCHEMA, UNIT
from .factgraph import FactWriter
from .gazetteer import Gazetteer
from .extracted import Extractions
from .quantities import YEAR, Quantity, outcome_ids, sentence_span
from .sparql_text import id_base
from .units import UNIT_IRIS, indicator_id, measure_label
from .vocab import Entity, Matcher, Vocabulary

MAX_QUOTE = 240


@dataclass
class Iris:
    base: str

    def __post_init__(self):
        self.id = id_base(self.base)

    def case(self, cid): return URIRef(f"{self.id}case/{cid}")
    def part(self, cid, key): return URIRef(f"{self.id}case/{cid}/part/{key}")
    def para(self, cid, n): return URIRef(f"{self.id}case/{cid}/para/{n:03d}")
    def outcome(self, cid, oid): return URIRef(f"{self.id}case/{cid}/outcome/{oid}")  # oid: quantities.outcome_ids
    def evidence(self, cid, pred, oid): return URIRef(f"{self.id}case/{cid}/evidence/{pred}/{oid}")
    def collection(self, cid="ccca-2023"): return URIRef(f"{self.id}collection/{cid}")
    def section(self, sid): return URIRef(f"{self.id}section/{sid}")
    def part_type(self, key): return URIRef(f"{self.id}part-type/{key}")
    def org(self, oid): return URIRef(f"{self.id}org/{oid}")
    def place(self, pid): return URIRef(f"{self.id}place/{pid}")
    def technology(self, tid): return URIRef(f"{self.id}technology/{tid}")
    def award(self, aid): return URIRef(f"{self.id}award/{aid}")
    def standard(self, sid): return URIRef(f"{self.id}standard/{sid}")
    def indicator(self, code): return URIRef(f"{self.id}indicator/{indicator_id(code)}")
    def unit(self, sym): return URIRef(f"{self.id}unit/{sym}")

    def entity(self, e: Entity) -> URIRef:
        return {"technology": self.technology, "place": self.place, "org": self.org,
                "award": self.award, "standard": self.standard}[e.kind](e.id)


def _quote(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The sentence around [start, end) — trimmed to MAX_QUOTE characters around the match."""
    s0, s1 = sentence_span(text, start)
    s0 = max(s0, 0)
    q0, q1 = s0, s1
    if q1 - q0 > MAX_QUOTE:
        q0 = max(s0, start - MAX_QUOTE // 2)
        q1 = min(s1, q0 + MAX_QUOTE)
    return text[q0:q1].strip(), q0, q1


class GraphBuilder:
    def __init__(self, collection: Collection, metadata: Metadata, vocab: Vocabulary, base_iri: str,
                 gazetteer: Gazetteer | None = None, extractions: Extractions | None = None):
        self.c, self.meta, self.vocab = collection, metadata, vocab
        self.x = extractions or Extractions(gazetteer)  # what the text-only extractors read (graph/extracted.py)
        self.iri = Iris(base_iri)
        self.g = Graph()
        for prefix, ns in (("ckg", str(CKG)), ("schema", str(SCHEMA)), ("prov", str(PROV)), ("qudt", str(QUDT)),
                           ("unit", str(UNIT)), ("cur", str(CUR)), ("skos", str(SKOS)), ("dcterms", str(DCTERMS)),
                           ("owl", str(OWL))):
            self.g.bind(prefix, ns)
        for name in ("case", "org", "place", "technology", "award", "standard", "section", "indicator"):
            self.g.bind(name, f"{self.iri.id}{name}/")
        self.counts: dict[str, int] = defaultdict(int)
        # facts read from the text: places, organisation facts, recognitions, targets (graph/factgraph.py)
        self.facts = FactWriter(self, gazetteer) if gazetteer is not None else None

    # -- helpers ---------------------------------------------------------------
    def add(self, s, p, o):
        self.g.add((s, p, o))

    def labels(self, s, zh: str | None, en: str | None):
        if zh:
            self.add(s, RDFS.label, Literal(zh, lang="zh"))
        if en:
            self.add(s, RDFS.label, Literal(en, lang="en"))

    def provenance(self, node, case: Case, part_key: str, para_iri, para: Paragraph, start: int, end: int):
        quote, q0, q1 = _quote(para.text, start, end)
        l0, l1 = para.lines_of(q0, max(q0 + 1, q1))
        m0, m1 = para.lines_of(start, end)
        self.add(node, CKG.inPart, self.iri.part(case.id, part_key))
        self.add(node, PROV.wasDerivedFrom, para_iri)
        self.add(node, CKG.startLine, Literal(m0))
        self.add(node, CKG.endLine, Literal(m1))
        self.add(node, CKG.quote, Literal(quote, lang="zh"))
        return (l0, l1)

    # -- the graph -------------------------------------------------------------
    def build(self) -> Graph:
        self.collection_node()
        self.vocabularies()
        if self.facts:
            self.facts.vocabulary()
        self.organisations()
        for case in self.c.cases:
            self.case(case)
        return self.g

    def collection_node(self):
        col = self.iri.collection()
        self.add(col, RDF.type, CKG.CaseCollection)
        self.add(col, DCTERMS.title, Literal("2023 中国企业气候行动", lang="zh"))
        self.add(col, DCTERMS.title, Literal("China Corporate Climate Action 2023", lang="en"))
        self.labels(col, "2023 中国企业气候行动案例集", "China Corporate Climate Action 2023 case collection")
        self.add(col, CKG.sourceSha256, Literal(self.c.source_sha256))
        self.add(col, DCTERMS.source, Literal("data/source/ccca-2023-cases.txt"))
        for sid, src in self.c.sources.items():  # documents added with 'climatekg add'
            s = self.iri.collection(sid)
            self.add(s, RDF.type, CKG.CaseCollection)
            self.labels(s, None, f"added source {src.original}")
            self.add(s, DCTERMS.title, Literal(src.original))
            self.add(s, CKG.sourceSha256, Literal(src.text_sha256))
            self.add(s, DCTERMS.source, Literal(src.file))
        for n, para in enumerate(self.c.foreword + self.c.closing, start=1):
            p = URIRef(f"{col}/para/{n:03d}")
            self.add(p, RDF.type, CKG.Paragraph)
            self.add(p, DCTERMS.isPartOf, col)
            self.add(p, CKG.text, Literal(para.text, lang="zh"))
            self.add(p, CKG.startLine, Literal(para.start_line))
            self.add(p, CKG.endLine, Literal(para.end_line))
        for sid, sec in self.meta.sections.items():
            s = self.iri.section(sid)
            self.add(s, RDF.type, CKG.Section)
            self.add(s, SKOS.inScheme, CKG.SectionScheme)
            self.add(s, SKOS.prefLabel, Literal(sec.zh, lang="zh"))
            self.add(s, SKOS.prefLabel, Literal(sec.en, lang="en"))
            self.add(s, SKOS.notation, Literal(sid))
            self.add(s, CKG.sectionNumber, Literal(sec.number))
            self.add(s, CKG.sectionInferred, Literal(sec.inferred))
            labels = [lab for lab in self.c.section_labels if lab.number == sec.number]
            ev = (f"margin label '{labels[0].number} {labels[0].name}' at source line {labels[0].line}" if labels
                  else "name inferred: no margin label survives in the extracted text; the foreword (lines 11–13) names "
                       "the fields 制造业转型、交通结构调整、能源清洁化、绿色金融、可持续消费")
            self.add(s, CKG.sectionEvidence, Literal(ev))
        for key in PART_KEYS:
            pt = self.iri.part_type(key)
            self.add(pt, RDF.type, CKG.PartType)
            self.add(pt, SKOS.inScheme, CKG.PartTypeScheme)
            self.add(pt, SKOS.prefLabel, Literal(PART_ZH[key], lang="zh"))
            self.add(pt, SKOS.prefLabel, Literal(PART_EN[key], lang="en"))
            self.add(pt, SKOS.notation, Literal(key))

    def vocabularies(self):
        self.g += self.vocab.technology_graph
        for e in self.vocab.places.values():
            p = self.iri.place(e.id)
            self.add(p, RDF.type, CKG.Place)
            self.labels(p, e.zh, e.en)
            for alt in e.labels_zh[1:]:
                self.add(p, SKOS.altLabel, Literal(alt, lang="zh"))
            self.add(p, CKG.placeKind, Literal(e.extra.get("kind", "place")))
            if e.extra.get("parent"):
                self.add(p, SCHEMA.containedInPlace, self.iri.place(e.extra["parent"]))
            if "lat" in e.extra and "lon" in e.extra:
                self.add(p, SCHEMA.latitude, Literal(e.extra["lat"], datatype=XSD.decimal))
                self.add(p, SCHEMA.longitude, Literal(e.extra["lon"], datatype=XSD.decimal))
        for e in self.vocab.awards.values():
            a = self.iri.award(e.id)
            kind = e.extra.get("kind", "award")
            self.add(a, RDF.type, CKG.Award if kind == "award" else CKG.Certification)
            self.labels(a, e.zh, e.en)
            self.add(a, SCHEMA.additionalType, Literal(kind))
            if e.extra.get("note_en"):
                self.add(a, RDFS.comment, Literal(e.extra["note_en"], lang="en"))
        for e in self.vocab.standards.values():
            s = self.iri.standard(e.id)
            self.add(s, RDF.type, CKG.Standard)
            self.labels(s, e.zh, e.en)
            self.add(s, SCHEMA.additionalType, Literal(e.extra.get("kind", "standard")))
            if e.extra.get("issuer"):
                self.add(s, DCTERMS.publisher, Literal(e.extra["issuer"]))
            if e.extra.get("note_en"):
                self.add(s, RDFS.comment, Literal(e.extra["note_en"], lang="en"))

    def _line_evidence(self, subject, pred_name, pred, obj, oid, line: int | None):
        """Evidence for a metadata fact stated at one source line."""
        if not line:
            return
        for case in self.c.cases:
            if case.start_line <= line <= case.end_line:
                for n, (part, para) in enumerate(case.paragraphs(), start=1):
                    if para.start_line <= line <= para.end_line:
                        off = next(o for o in range(len(para.text)) if para.line_at(o) >= line)
                        ev = URIRef(f"{subject}/evidence/{pred_name}/{oid}")
                        self.add(ev, RDF.type, CKG.Evidence)
                        self.add(ev, RDF.subject, subject)
                        self.add(ev, RDF.predicate, pred)
                        self.add(ev, RDF.object, obj)
                        self.add(ev, CKG.evidenceFor, self.iri.case(case.id))
                        self.provenance(ev, case, part.key, self.iri.para(case.id, n), para, off, off + 1)
                        return

    def organisations(self):
        for e in self.vocab.orgs.values():
            o = self.iri.org(e.id)
            meta = e.extra.get("meta")
            kind = meta.kind if meta else e.extra.get("kind", "organisation")
            self.add(o, RDF.type, CKG.Organisation)
            if meta and (e.id in self.vocab.case_orgs or kind in ("company", "bank", "platform", "utility",
                                                                     "state-owned-enterprise")):
                self.add(o, RDF.type, CKG.Company)
            if kind == "bank":
                self.add(o, RDF.type, CKG.Bank)
            self.labels(o, e.zh, e.en)
            self.add(o, CKG.orgKind, Literal(kind))
            if meta:
                self.add(o, SCHEMA.name, Literal(meta.name_zh, lang="zh"))
                self.add(o, SCHEMA.name, Literal(meta.name_en, lang="en"))
                for alt in meta.alt_en:
                    self.add(o, SCHEMA.alternateName, Literal(alt, lang="en"))
                for alt in dict.fromkeys((meta.short_zh, *meta.alt_zh)):
                    if alt != e.zh:
                        self.add(o, SCHEMA.alternateName, Literal(alt, lang="zh"))
                if meta.industry_en:
                    self.add(o, CKG.industry, Literal(meta.industry_en, lang="en"))
                if meta.industry_zh:
                    self.add(o, CKG.industry, Literal(meta.industry_zh, lang="zh"))
                if meta.founded:
                    self.add(o, SCHEMA.foundingDate, Literal(str(meta.founded), datatype=XSD.gYear))
                    self._line_evidence(o, "foundingDate", SCHEMA.foundingDate,
                                        Literal(str(meta.founded), datatype=XSD.gYear), str(meta.founded), meta.founded_line)
                for ex in meta.listed:
                    self.add(o, CKG.listedOn, Literal(ex))
                if meta.hq_zh:
                    self.add(o, SCHEMA.location, Literal(meta.hq_zh, lang="zh"))
                if meta.hq_en:
                    self.add(o, SCHEMA.location, Literal(meta.hq_en, lang="en"))
                if meta.parent:
                    self.add(o, CKG.parentOrganisation, self.iri.org(meta.parent))
                    self._line_evidence(o, "parentOrganisation", CKG.parentOrganisation, self.iri.org(meta.parent),
                                        meta.parent, meta.parent_line)
                for sh in meta.shareholders:
                    self.add(o, CKG.shareholder, self.iri.org(sh))
                    self._line_evidence(o, "shareholder", CKG.shareholder, self.iri.org(sh), sh, meta.shareholders_line)
            else:
                for alt in e.labels_en[1:]:
                    self.add(o, SCHEMA.alternateName, Literal(alt, lang="en"))
                for alt in e.labels_zh[1:]:
                    self.add(o, SCHEMA.alternateName, Literal(alt, lang="zh"))
                if e.extra.get("note_en"):
                    self.add(o, RDFS.comment, Literal(e.extra["note_en"], lang="en"))

    def case(self, case: Case):
        cm = self.meta.cases[case.id]
        sec = self.meta.sections[cm.section]
        c = self.iri.case(case.id)
        add = self.add
        add(c, RDF.type, CKG.Case)
        add(c, CKG.caseId, Literal(case.id))
        add(c, CKG.caseNumber, Literal(case.number))
        add(c, CKG.inCollection, self.iri.collection(case.collection))
        add(c, DCTERMS.title, Literal(case.title, lang="zh"))
        add(c, DCTERMS.title, Literal(cm.title_en, lang="en"))
        self.labels(c, case.title, cm.title_en)
        add(c, DCTERMS.abstract, Literal(cm.summary_en, lang="en"))
        if cm.summary_zh:
            add(c, DCTERMS.abstract, Literal(cm.summary_zh, lang="zh"))
        for kw in cm.keywords_en:
            add(c, SCHEMA.keywords, Literal(kw, lang="en"))
        add(c, CKG.organisation, self.iri.org(cm.org))
        add(c, CKG.inSection, self.iri.section(sec.id))
        if cm.origin == "automatic":
            add(c, CKG.sectionInferred, Literal(not case.section_labels))
            add(c, CKG.sectionEvidence, Literal(cm.evidence.get("section", "automatic")))
        elif case.section_labels:
            lab = case.section_labels[0]
            add(c, CKG.sectionInferred, Literal(False))
            add(c, CKG.sectionEvidence, Literal(f"margin label '{lab.number} {lab.name}' on one of its pages (source line {lab.line})"))
        else:
            add(c, CKG.sectionInferred, Literal(True))
            add(c, CKG.sectionEvidence, Literal(
                "inferred: no margin label survives on this case's pages; sections run in document order and the case "
                "was assigned by its position between printed labels and by its topic"))
        add(c, CKG.startLine, Literal(case.start_line))
        add(c, CKG.endLine, Literal(case.end_line))
        self.counts["cases"] += 1

        own = {cm.org}
        o = self.meta.orgs[cm.org]
        while o.parent:  # the case's own group is not its partner
            own.add(o.parent)
            o = self.meta.orgs[o.parent]
        if cm.origin == "automatic":  # no curated parent: the group the company line and the text name is not a partner
            import jieba.posseg as pseg

            from .partners import group_names, own_group

            groups = group_names(case, [n for rel, n, _ in self.x.get(case, "org_facts").relations if rel == "parent"])
            own |= {e.id for e in self.vocab.orgs.values() if own_group(e.labels_zh, groups, pseg.cut)}
        linkable = [e for e in self.vocab.all() if not (e.kind == "org" and e.id in own)]
        matcher = Matcher(linkable)
        seen: dict[tuple, list] = {}
        n = 0
        for key in PART_KEYS:
            part = case.parts[key]
            p = self.iri.part(case.id, key)
            add(c, CKG.hasPart, p)
            add(p, RDF.type, CKG.CasePart)
            add(p, CKG.partType, self.iri.part_type(key))
            add(p, DCTERMS.isPartOf, c)
            add(p, CKG.startLine, Literal(part.heading_line))
            add(p, CKG.endLine, Literal(part.end_line))
            self.labels(p, f"{case.id} {PART_ZH[key]}", f"{case.id} {PART_EN[key]}")
            for para in part.paragraphs:
                n += 1
                pi = self.iri.para(case.id, n)
                add(p, CKG.hasParagraph, pi)
                add(pi, RDF.type, CKG.Paragraph)
                add(pi, DCTERMS.isPartOf, p)
                add(pi, CKG.text, Literal(para.text, lang="zh"))
                add(pi, CKG.startLine, Literal(para.start_line))
                add(pi, CKG.endLine, Literal(para.end_line))
                add(pi, SCHEMA.position, Literal(n))
                for start, end, e in matcher.find(para.text):
                    if e.kind == "place" and e.extra.get("kind") == "country" and e.id == "china":
                        continue  # every case is in China; the country adds no information
                    seen.setdefault((e.kind, e.id), []).append((key, pi, para, start, end, e))
                for ym in YEAR.finditer(para.text):
                    y = int(ym.group(1))
                    if 2000 <= y <= 2060:
                        seen.setdefault(("year", str(y)), []).append((key, pi, para, ym.start(1), ym.end(1), y))
        figures = self.x.get(case, "figures")
        for oid, f in zip(outcome_ids(figures), figures):
            self.outcome(case, c, f.part, self.iri.para(case.id, f.para_index), f.paragraph, f.quantity, oid)

        preds = {"technology": ("usesTechnology", CKG.usesTechnology), "place": ("locatedIn", CKG.locatedIn),
                 "org": ("partner", CKG.partner), "award": ("recognition", CKG.recognition),
                 "standard": ("refersToStandard", CKG.refersToStandard), "year": ("mentionsYear", CKG.mentionsYear)}
        for (kind, oid), mentions in sorted(seen.items()):
            pname, pred = preds[kind]
            if kind == "year":
                obj = Literal(oid, datatype=XSD.gYear)
            else:
                obj = self.iri.entity(mentions[0][5])
            add(c, pred, obj)
            self.counts[f"links:{pname}"] += 1
            key, pi, para, start, end, _ = mentions[0]
            ev = self.iri.evidence(case.id, pname, oid)
            add(ev, RDF.type, CKG.Evidence)
            add(ev, RDF.subject, c)
            add(ev, RDF.predicate, pred)
            add(ev, RDF.object, obj)
            add(ev, CKG.evidenceFor, c)
            add(ev, CKG.mentionCount, Literal(len(mentions)))
            self.provenance(ev, case, key, pi, para, start, end)
        if self.facts:
            self.facts.case(case, c, cm.org)

    def outcome(self, case: Case, c, key, pi, para: Paragraph, q: Quantity, oid: str):
        o = self.iri.outcome(case.id, oid)
        add = self.add
        add(c, CKG.reportsOutcome, o)
        add(o, RDF.type, CKG.QuantifiedOutcome)
        add(o, SCHEMA.value, Literal(_decimal(q.value), datatype=XSD.decimal))
        add(o, CKG.unitSymbol, Literal(q.unit))
        if q.unit in UNIT_IRIS:
            add(o, QUDT.unit, UNIT_IRIS[q.unit])
        elif q.unit == "tce":
            add(o, QUDT.unit, self.iri.unit("tce"))
        add(o, CKG.measures, self.iri.indicator(q.indicator))
        counted = (q.counted_zh, q.counted_en)
        if q.counted_zh:
            add(o, CKG.countedThing, Literal(q.counted_zh, lang="zh"))
        if q.counted_en:
            add(o, CKG.countedThing, Literal(q.counted_en, lang="en"))
        of = (q.of_zh, q.of_en)
        if q.of_zh:
            add(o, CKG.rateOf, Literal(q.of_zh, lang="zh"))
        if q.of_en:
            add(o, CKG.rateOf, Literal(q.of_en, lang="en"))
        add(o, CKG.measureLabel, Literal(measure_label(q.indicator, counted, "zh", of), lang="zh"))
        add(o, CKG.measureLabel, Literal(measure_label(q.indicator, counted, "en", of), lang="en"))
        add(o, CKG.surface, Literal(q.surface))
        add(o, CKG.period, PERIODS[q.period_kind])
        if q.year:
            add(o, CKG.year, Literal(str(q.year), datatype=XSD.gYear))
        if q.baseline_year:
            add(o, CKG.baselineYear, Literal(str(q.baseline_year), datatype=XSD.gYear))
        if q.as_of:
            add(o, CKG.asOf, Literal(q.as_of, datatype=XSD.gYearMonth if "-" in q.as_of else XSD.gYear))
        add(o, CKG.approximate, Literal(q.approximate))
        add(o, CKG.projected, Literal(q.projected))
        self.provenance(o, case, key, pi, para, q.start, q.end)
        self.labels(o, q.surface, None)
        self.counts["outcomes"] += 1


PERIODS = {"annual": CKG.Annual, "cumulative": CKG.Cumulative, "point": CKG.Point, "projected": CKG.Projected}


def _decimal(v: float) -> str:
    s = f"{v:.6f}".rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def unit_node_triples(g: Graph, iris: Iris):
    """The one unit QUDT lacks: tonne of standard coal equivalent."""
    u = iris.unit("tce")
    g.add((u, RDF.type, QUDT.Unit))
    g.add((u, RDFS.label, Literal("吨标准煤", lang="zh")))
    g.add((u, RDFS.label, Literal("tonne of coal equivalent", lang="en")))
    g.add((u, QUDT.symbol, Literal("tce")))
    g.add((u, QUDT.conversionMultiplier, Literal("29307600000", datatype=XSD.decimal)))
    g.add((u, RDFS.comment, Literal("1 tce = 29.3076 GJ (Chinese national standard GB/T 2589).", lang="en")))


def build_graph(collection: Collection, metadata: Metadata, vocab: Vocabulary, base_iri: str,
                ontology_graphs: list[Graph], gazetteer: Gazetteer | None = None,
                extractions: Extractions | None = None) -> tuple[Graph, dict[str, int]]:
    b = GraphBuilder(collection, metadata, vocab, base_iri, gazetteer, extractions)
    g = b.build()
    unit_node_triples(g, b.iri)
    for og in ontology_graphs:
        g += og
    return g, dict(b.counts)
