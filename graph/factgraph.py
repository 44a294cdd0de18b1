"""The facts read from a case's text, as triples: project sites and mentioned places (with their provinces),
organisation facts (founding year, listings, parents and shareholders, headquarters), recognitions as
events, stated targets and — for cases without curated metadata — partners — each with the part, lines and quote it was read from.

Called by graph/build.py's GraphBuilder. The curated metadata stays an override: where it already states
an organisation's founding year or parent, the extracted value is not added a second time.
"""

from __future__ import annotations

import re

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from climatekg.corpus.model import Case
from .gazetteer import Division, Gazetteer, romanise
from .namespace import CKG, PROV, SCHEMA
from .orgfacts import EXCHANGES, Span
from .places import headquarters_place
from .recognitions import KINDS as RECOGNITION_KINDS
from .targets import KIND_LABELS

TARGET_KIND_ALT = {  # alternative labels of the target kinds (zh, en) — the question lexicon
    "net-zero": (("净零", "净零碳排放", "净零目标"), ("net-zero emissions", "net zero target")),
    "carbon-neutrality": (("碳中和目标", "实现碳中和"), ("carbon neutral", "carbon-neutral target", "climate neutrality")),
    "carbon-peak": (("碳排放达峰", "达峰"), ("emissions peak", "peak emissions", "peaking")),
    "emission-reduction": (("减碳", "减排目标", "温室气体减排"), ("emissions reduction", "GHG reduction", "cut emissions")),
    "carbon-intensity": (("单位碳排放", "碳排放强度"), ("carbon intensity", "emission intensity")),
    "renewable-share": (("绿电占比", "清洁能源占比", "可再生能源比例"), ("renewable share", "green electricity share")),
    "energy-intensity": (("单位能耗", "能耗强度"), ("energy intensity", "energy efficiency")),
    "capacity": (("装机容量", "产能目标"), ("installed capacity", "production capacity")),
    "renewable-energy": (("绿电", "绿色电力", "沼气", "生物质能"), ("green electricity", "biogas", "biomass energy")),
    "other": ((), ()),
}
PLACE_KIND = {"country": "country", "province": "province", "prefecture": "city", "county": "county"}


class FactWriter:
    """Adds the extracted facts of each case to a GraphBuilder's graph."""

    def __init__(self, builder, gazetteer: Gazetteer):
        self.b, self.gaz = builder, gazetteer
        self.id = builder.iri.id
        self.place_iris: dict[str, URIRef] = {}  # division code → IRI
        self.used_slugs: dict[str, str] = {}  # slug → code
        by_label: dict[str, str] = {}
        for e in builder.vocab.places.values():
            for lab in e.labels_zh:
                by_label.setdefault(re.sub(r"\s", "", lab), e.id)
        self.vocab_place_by_label = by_label
        self.org_labels = [(lab, e) for e in builder.vocab.orgs.values() for lab in e.labels_zh if len(lab) >= 2]

    # -- vocabulary ----------------------------------------------------------------------------------------
    def vocabulary(self):
        add = self.b.add
        for ex, (zh, en, alts_zh, alts_en) in EXCHANGES.items():
            x = URIRef(f"{self.id}exchange/{ex}")
            add(x, RDF.type, CKG.StockExchange)
            self.b.labels(x, zh, en)
            for a in alts_zh:
                add(x, SKOS.altLabel, Literal(a, lang="zh"))
            for a in alts_en:
                add(x, SKOS.altLabel, Literal(a, lang="en"))
        for kind, (zh, en, alts_zh, alts_en) in RECOGNITION_KINDS.items():
            k = URIRef(f"{self.id}recognition-kind/{kind}")
            add(k, RDF.type, CKG.RecognitionKind)
            add(k, SKOS.prefLabel, Literal(zh, lang="zh"))
            add(k, SKOS.prefLabel, Literal(en, lang="en"))
            add(k, SKOS.notation, Literal(kind))
            for a in alts_zh:
                add(k, SKOS.altLabel, Literal(a, lang="zh"))
            for a in alts_en:
                add(k, SKOS.altLabel, Literal(a, lang="en"))
        for kind, (zh, en) in KIND_LABELS.items():
            k = URIRef(f"{self.id}target-kind/{kind}")
            add(k, RDF.type, CKG.TargetKind)
            add(k, SKOS.inScheme, CKG.TargetKindScheme)
            add(k, SKOS.prefLabel, Literal(zh, lang="zh"))
            add(k, SKOS.prefLabel, Literal(en, lang="en"))
            add(k, SKOS.notation, Literal(kind))
            alts_zh, alts_en = TARGET_KIND_ALT.get(kind, ((), ()))
            for a in alts_zh:
                add(k, SKOS.altLabel, Literal(a, lang="zh"))
            for a in alts_en:
                add(k, SKOS.altLabel, Literal(a, lang="en"))

    # -- places --------------------------------------------------------------------------------------------
    def place(self, d: Division) -> URIRef:
        if d.code in self.place_iris:
            return self.place_iris[d.code]
        add = self.b.add
        vocab_id = self.vocab_place_by_label.get(d.name) or (self.vocab_place_by_label.get(d.short) if d.short else None)
        if vocab_id:  # the curated entry is the same place: one node, its curated labels and parent kept
            iri = self.b.iri.place(vocab_id)
            self.place_iris[d.code] = iri
            if d.level == "country":
                return iri
            add(iri, CKG.adminCode, Literal(d.code))
            if d.level != "province":
                add(iri, CKG.inProvince, self.place(self.gaz.province_of(d)))
            return iri
        slug = d.slug
        if slug in self.b.vocab.places or self.used_slugs.get(slug, d.code) != d.code:
            slug = f"{slug}-{d.code}"
        self.used_slugs[slug] = d.code
        iri = self.b.iri.place(slug)
        self.place_iris[d.code] = iri
        self.b.labels(iri, d.name, d.en)
        if d.short and d.short != d.name:
            add(iri, SKOS.altLabel, Literal(d.short, lang="zh"))
        if d.en_source == "pinyin":
            add(iri, CKG.nameSource, Literal("pinyin"))
        else:
            add(iri, CKG.nameSource, Literal("conventional"))
            rom = romanise(d.short or d.name)
            if rom and rom.lower() != d.en.lower():
                add(iri, SKOS.altLabel, Literal(rom, lang="en"))  # 内蒙古: Inner Mongolia, also Neimenggu
        add(iri, RDF.type, CKG.Place)
        add(iri, CKG.placeKind, Literal(PLACE_KIND[d.level]))
        if d.level == "country":
            return iri
        add(iri, CKG.adminCode, Literal(d.code))
        if d.lat is not None and d.lon is not None:
            add(iri, SCHEMA.latitude, Literal(f"{d.lat:.2f}", datatype=XSD.decimal))
            add(iri, SCHEMA.longitude, Literal(f"{d.lon:.2f}", datatype=XSD.decimal))
        if d.parent and d.parent in self.gaz.divisions:
            add(iri, SCHEMA.containedInPlace, self.place(self.gaz.get(d.parent)))
        elif d.level == "province" and "china" in self.b.vocab.places:
            add(iri, SCHEMA.containedInPlace, self.b.iri.place("china"))
        if d.level != "province":
            add(iri, CKG.inProvince, self.place(self.gaz.province_of(d)))
        return iri

    def evidence(self, case: Case, c, subject, pname: str, pred, obj, oid: str, span: Span, **extra):
        ev = URIRef(f"{self.b.iri.evidence(case.id, pname, oid)}")
        add = self.b.add
        add(ev, RDF.type, CKG.Evidence)
        add(ev, RDF.subject, subject)
        add(ev, RDF.predicate, pred)
        add(ev, RDF.object, obj)
        add(ev, CKG.evidenceFor, c)
        for p, o in extra.items():
            add(ev, getattr(CKG, p), o)
        self._provenance(ev, case, span)
        return ev

    def _provenance(self, node, case: Case, span: Span):
        if span.part_key in ("title", "company"):  # the case's title or company line is the paragraph quoted
            c = self.b.iri.case(case.id)
            text, (l0, l1) = (case.title, case.title_lines) if span.part_key == "title" else \
                (case.company, (case.company_line, case.company_line))
            t = URIRef(f"{c}/{span.part_key}")
            add = self.b.add
            add(t, RDF.type, CKG.Paragraph)
            add(t, DCTERMS.isPartOf, c)
            add(t, CKG.text, Literal(text, lang="zh"))
            add(t, CKG.startLine, Literal(l0))
            add(t, CKG.endLine, Literal(l1))
            add(node, CKG.inPart, self.b.iri.part(case.id, "overview"))
            add(node, PROV.wasDerivedFrom, t)
            add(node, CKG.startLine, Literal(l0))
            add(node, CKG.endLine, Literal(l1))
            add(node, CKG.quote, Literal(text, lang="zh"))
            return
        self.b.provenance(node, case, span.part_key, self.b.iri.para(case.id, span.para_no), span.para, span.start,
                          max(span.start + 1, span.end))

    def places(self, case: Case, c):
        cp = self.b.x.get(case, "places")
        finest = set(cp.finest_sites(self.gaz))
        for code in sorted(finest):
            ms = cp.sites[code]
            d = self.gaz.get(code)
            p = self.place(d)
            self.b.add(c, CKG.projectSite, p)
            self.evidence(case, c, c, "projectSite", CKG.projectSite, p, d.code, _span(ms[0]),
                          placeRole=Literal("site"), mentionCount=Literal(len(ms)))
            self.b.counts["links:projectSite"] += 1
        for prov, ms in sorted(cp.site_provinces(self.gaz).items()):
            p = self.place(self.gaz.get(prov))
            self.b.add(c, CKG.projectProvince, p)
            self.evidence(case, c, c, "projectProvince", CKG.projectProvince, p, prov, _span(ms[0]),
                          placeRole=Literal("site"))
            self.b.counts["links:projectProvince"] += 1
        for code, ms in sorted(cp.mentioned.items()):
            d = self.gaz.get(code)
            p = self.place(d)
            roles = [m.role for m in ms]
            role = next((r for r in roles if r != "other"), "other")
            first = next(m for m in ms if m.role == role)
            self.b.add(c, CKG.mentionsPlace, p)
            self.evidence(case, c, c, "mentionsPlace", CKG.mentionsPlace, p, d.code, _span(first),
                          placeRole=Literal(role), mentionCount=Literal(len(ms)))
            self.b.counts["links:mentionsPlace"] += 1

    # -- organisations -------------------------------------------------------------------------------------
    def org_for(self, name: str, exclude: set[str]) -> URIRef:
        """A known organisation with this name (a case's organisation, a group, a partner), else a new node."""
        bare = re.sub(r"\s", "", name)
        best = None
        for lab, e in self.org_labels:
            if e.id in exclude:
                continue
            lab0 = re.sub(r"\s", "", lab)
            if lab0 == bare or (len(lab0) >= 4 and lab0 in bare and len(lab0) >= 0.6 * len(bare)) or \
                    (len(bare) >= 4 and bare in lab0 and len(bare) >= 0.6 * len(lab0)):
                if best is None or len(lab0) > len(best[0]):
                    best = (lab0, e)
        if best:
            return self.b.iri.org(best[1].id)
        core = re.sub(r"(股份有限公司|有限责任公司|有限公司|公司)$", "", bare)
        slug = re.sub(r"[^a-z0-9]+", "-", romanise(core).lower()).strip("-")[:60] or "org"
        iri = self.b.iri.org(f"text-{slug}")
        if (iri, RDF.type, CKG.Organisation) not in self.b.g:
            self.b.add(iri, RDF.type, CKG.Organisation)
            self.b.labels(iri, bare, romanise(core))
            self.b.add(iri, CKG.nameSource, Literal("pinyin"))
            self.b.add(iri, CKG.orgKind, Literal("bank" if "银行" in bare else "company"))
        return iri

    def organisation(self, case: Case, c, org_id: str):
        o = self.b.iri.org(org_id)
        meta = self.b.meta.orgs.get(org_id)
        facts = self.b.x.get(case, "org_facts")
        add = self.b.add
        if facts.founded and not (meta and meta.founded):
            year, span = facts.founded
            lit = Literal(str(year), datatype=XSD.gYear)
            add(o, SCHEMA.foundingDate, lit)
            self.evidence(case, c, o, "foundingDate", SCHEMA.foundingDate, lit, str(year), span)
            self.b.counts["facts:foundingDate"] += 1
        for lst in facts.listings:
            key = lst.exchange or (lst.code or "unknown")
            node = URIRef(f"{o}/listing/{key}")
            if (o, CKG.listing, node) in self.b.g:
                continue
            add(o, CKG.listing, node)
            add(node, RDF.type, CKG.Listing)
            ex_label = EXCHANGES[lst.exchange] if lst.exchange in EXCHANGES else None
            self.b.labels(node, f"{ex_label[0] if ex_label else ''}上市{('（' + lst.code + '）') if lst.code else ''}",
                          f"listed on {ex_label[1] if ex_label else 'an exchange'}{(' (' + lst.code + ')') if lst.code else ''}")
            if lst.exchange in EXCHANGES:
                add(node, CKG.exchange, URIRef(f"{self.id}exchange/{lst.exchange}"))
            if lst.code:
                add(node, CKG.stockCode, Literal(lst.code))
            if lst.year:
                add(node, CKG.listingYear, Literal(str(lst.year), datatype=XSD.gYear))
            self._provenance(node, case, lst.span)
            self.b.counts["facts:listing"] += 1
        own = {org_id}
        for rel, name, span in facts.relations:
            other = self.org_for(name, own)
            if other == o:
                continue
            if rel == "shareholder":
                if (o, CKG.shareholder, other) in self.b.g:
                    continue  # the curated link has its evidence already
                add(o, CKG.shareholder, other)
                self.evidence(case, c, o, "shareholder", CKG.shareholder, other, str(other).rsplit("/", 1)[-1], span)
            elif rel == "subsidiary":
                if next(self.b.g.objects(other, CKG.parentOrganisation), None) is None:
                    add(other, CKG.parentOrganisation, o)
                    self.evidence(case, c, other, "parentOrganisation", CKG.parentOrganisation, o,
                                  str(o).rsplit("/", 1)[-1], span)
            elif rel == "parent":
                if (meta and meta.parent) or next(self.b.g.objects(o, CKG.parentOrganisation), None) is not None:
                    continue  # one parent: the curated one, or the first the text names
                add(o, CKG.parentOrganisation, other)
                self.evidence(case, c, o, "parentOrganisation", CKG.parentOrganisation, other,
                              str(other).rsplit("/", 1)[-1], span)
            self.b.counts[f"facts:{rel}"] += 1
        hq = headquarters_place(facts, self.gaz)
        if hq is not None and next(self.b.g.objects(o, CKG.headquarters), None) is None:
            p = self.place(hq)
            add(o, CKG.headquarters, p)
            self.evidence(case, c, o, "headquarters", CKG.headquarters, p, hq.code, facts.headquarters)
            self.b.counts["facts:headquarters"] += 1

    # -- recognitions and targets --------------------------------------------------------------------------
    def recognitions(self, case: Case, c):
        add = self.b.add
        awards = [(re.sub(r"\s", "", lab), e) for e in self.b.vocab.awards.values() for lab in e.labels_zh if len(lab) >= 3]
        for n, r in enumerate(self.b.x.get(case, "recognitions"), start=1):
            ev = URIRef(f"{c}/recognition/{n:03d}")
            add(c, CKG.receivedRecognition, ev)
            add(ev, RDF.type, CKG.RecognitionEvent)
            add(ev, CKG.recognitionTitle, Literal(r.what, lang="zh"))
            add(ev, CKG.recognitionKind, Literal(r.kind))
            add(ev, CKG.recognitionType, URIRef(f"{self.id}recognition-kind/{r.kind}"))
            title = re.sub(r"[\s“”\"《》]", "", r.what)
            known = [e for lab, e in awards if lab in title or (len(title) >= 4 and title in lab)]
            en = known[0].en if known else None
            self.b.labels(ev, r.what, en)
            for e in dict.fromkeys(known):
                add(ev, CKG.recognises, self.b.iri.award(e.id))
            if r.issuer:
                add(ev, CKG.issuerName, Literal(r.issuer, lang="zh"))
                issuer = self._known_org(r.issuer)
                if issuer is not None:
                    add(ev, CKG.issuer, issuer)
            if r.year:
                add(ev, CKG.year, Literal(str(r.year), datatype=XSD.gYear))
            self._provenance(ev, case, r.span)
            self.b.counts["facts:recognitionEvent"] += 1

    def _known_org(self, name: str) -> URIRef | None:
        bare = re.sub(r"\s", "", name)
        for lab, e in self.org_labels:
            if re.sub(r"\s", "", lab) == bare:
                return self.b.iri.org(e.id)
        return None

    def targets(self, case: Case, c):
        add = self.b.add
        for n, t in enumerate(self.b.x.get(case, "targets"), start=1):
            node = URIRef(f"{c}/target/{n:03d}")
            add(c, CKG.statesTarget, node)
            add(node, RDF.type, CKG.Target)
            add(node, CKG.targetKind, URIRef(f"{self.id}target-kind/{t.kind}"))
            add(node, CKG.targetYear, Literal(str(t.year), datatype=XSD.gYear))
            add(node, CKG.targetYearText, Literal(t.year_text))
            zh, en = KIND_LABELS[t.kind]
            pct = f" {t.percentage:g}%" if t.percentage is not None else ""
            self.b.labels(node, f"{t.year}年{zh}{pct}目标", f"{en}{pct} by {t.year}")
            if t.scope:
                add(node, CKG.targetScope, Literal(t.scope))
            if t.baseline_year:
                add(node, CKG.baselineYear, Literal(str(t.baseline_year), datatype=XSD.gYear))
            if t.percentage is not None:
                add(node, CKG.targetPercentage, Literal(f"{t.percentage:g}", datatype=XSD.decimal))
            self._provenance(node, case, t.span)
            self.b.counts["facts:target"] += 1

    def partners(self, case: Case, c, org_id: str):
        """Partners read from the text (graph/partners.py) — for cases without curated metadata, whose
        partners the curated dictionary cannot know; each link cites the clause it was read from."""
        own = {org_id}
        o = self.b.meta.orgs.get(org_id)
        while o is not None and o.parent:
            own.add(o.parent)
            o = self.b.meta.orgs.get(o.parent)
        own_iris = {self.b.iri.org(x) for x in own}
        linked = set(self.b.g.objects(c, CKG.partner))
        for p in self.b.x.get(case, "partners"):
            other = self.org_for(p.name, own)
            if other in linked or other in own_iris:
                continue
            linked.add(other)
            self.b.add(c, CKG.partner, other)
            self.evidence(case, c, c, "partner", CKG.partner, other, str(other).rsplit("/", 1)[-1], p.span)
            self.b.counts["facts:partner"] += 1

    def case(self, case: Case, c, org_id: str):
        self.places(case, c)
        self.organisation(case, c, org_id)
        self.recognitions(case, c)
        self.targets(case, c)
        if self.b.meta.cases[case.id].origin == "automatic":
            self.partners(case, c, org_id)


def _span(m) -> Span:
    return Span(m.part_key, m.para_no, m.para, m.start, m.end)

