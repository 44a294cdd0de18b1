"""The project's vocabulary as code: a typo in a term is an AttributeError.

The terms mirror ontology/climatekg.ttl (a test checks both ways).
"""

from rdflib import Namespace
from rdflib.namespace import DefinedNamespace
from rdflib.term import URIRef

from .sparql_text import ONTOLOGY_IRI, prefix_map

_PREFIXES = prefix_map()  # the fixed vocabularies: one table, graph/sparql_text.py

SCHEMA = Namespace(_PREFIXES["schema"])
PROV = Namespace(_PREFIXES["prov"])
QUDT = Namespace(_PREFIXES["qudt"])
UNIT = Namespace("http://qudt.org/vocab/unit/")
CUR = Namespace("http://qudt.org/vocab/currency/")


class CKG(DefinedNamespace):
    """climatekg ontology terms."""

    _NS = Namespace(ONTOLOGY_IRI)
    _fail = True

    # classes
    Annual: URIRef
    Award: URIRef
    Bank: URIRef
    Case: URIRef
    CaseCollection: URIRef
    CasePart: URIRef
    Certification: URIRef
    Company: URIRef
    Cumulative: URIRef
    Evidence: URIRef
    Indicator: URIRef
    Listing: URIRef
    Organisation: URIRef
    Paragraph: URIRef
    PartType: URIRef
    Period: URIRef
    Point: URIRef
    Projected: URIRef
    Place: URIRef
    QuantifiedOutcome: URIRef
    Recognition: URIRef
    RecognitionEvent: URIRef
    Section: URIRef
    Standard: URIRef
    StockExchange: URIRef
    Target: URIRef
    TargetKind: URIRef
    RecognitionKind: URIRef
    Technology: URIRef
    # concept schemes
    SectionScheme: URIRef
    PartTypeScheme: URIRef
    TargetKindScheme: URIRef
    # properties
    approximate: URIRef
    asOf: URIRef
    baselineYear: URIRef
    countedThing: URIRef
    rateOf: URIRef
    measureLabel: URIRef
    reportedInUnit: URIRef
    caseId: URIRef
    caseNumber: URIRef
    endLine: URIRef
    evidenceFor: URIRef
    hasParagraph: URIRef
    hasPart: URIRef
    inCollection: URIRef
    inPart: URIRef
    inSection: URIRef
    industry: URIRef
    listedOn: URIRef
    locatedIn: URIRef
    measures: URIRef
    mentionCount: URIRef
    mentionsYear: URIRef
    orgKind: URIRef
    organisation: URIRef
    parentOrganisation: URIRef
    partType: URIRef
    partner: URIRef
    period: URIRef
    placeKind: URIRef
    projected: URIRef
    quote: URIRef
    recognition: URIRef
    refersToStandard: URIRef
    reportsOutcome: URIRef
    sectionEvidence: URIRef
    sectionInferred: URIRef
    sectionNumber: URIRef
    shareholder: URIRef
    sourceSha256: URIRef
    startLine: URIRef
    surface: URIRef
    text: URIRef
    unitSymbol: URIRef
    usesTechnology: URIRef
    year: URIRef
    # facts read from the text (places, organisation facts, recognitions, targets)
    adminCode: URIRef
    baselineYear: URIRef
    exchange: URIRef
    headquarters: URIRef
    inProvince: URIRef
    issuer: URIRef
    issuerName: URIRef
    listing: URIRef
    listingYear: URIRef
    mentionsPlace: URIRef
    nameSource: URIRef
    placeRole: URIRef
    projectProvince: URIRef
    projectSite: URIRef
    receivedRecognition: URIRef
    recognises: URIRef
    recognitionKind: URIRef
    recognitionTitle: URIRef
    statesTarget: URIRef
    stockCode: URIRef
    targetKind: URIRef
    recognitionType: URIRef
    targetPercentage: URIRef
    targetScope: URIRef
    targetYear: URIRef
    targetYearText: URIRef
