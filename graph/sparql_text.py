"""SPARQL as text, shared by the store (``graph/store.py``) and the query policy (``graph/query/``).

- the predeclared prefixes: ``prefix_map(base_iri)`` / ``prefixes_text(base_iri)`` — the ontology's and the
  W3C vocabularies' namespaces are fixed; the namespaces of the resources the graph mints (``case:``,
  ``org:`` …) are under the graph's ``base_iri`` (setting ``base_iri``; ``graph_base_iri`` reads the one a
  build used). ``PREFIXES`` / ``PREFIX_MAP`` are those of the default base;
- ``QueryError`` / ``QuerySyntaxError``: a text that is not valid SPARQL;
- ``canonical_query``: the text every reader (policy check, engine) sees;
- ``tokens``: a lexer built from the SPARQL 1.1 grammar's terminals (§19.8), and ``FORMS``, the query forms.

Nothing here imports rdflib or an engine: it is cheap to import in every process.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from climatekg.config import DEFAULT_BASE_IRI

#: the ontology's namespace: fixed, whatever the base of the minted resources (graph/namespace.py, ONTOLOGY_IRI)
ONTOLOGY_IRI = "https://w3id.org/climatekg/ontology#"
_VOCABULARIES = {
    "ckg": ONTOLOGY_IRI,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "qudt": "http://qudt.org/schema/qudt/",
}
#: prefix → path under ``<base_iri>id/`` of the resources the graph mints
_MINTED = {"case": "case/", "org": "org/", "technology": "technology/", "place": "place/",
           "indicator": "indicator/", "section": "section/"}


def id_base(base_iri: str = DEFAULT_BASE_IRI) -> str:
    """The namespace of the resources a graph minted under ``base_iri`` holds (cases, organisations, …)."""
    return base_iri + "id/"


def prefix_map(base_iri: str = DEFAULT_BASE_IRI) -> dict[str, str]:
    """The predeclared prefixes for a graph minted under ``base_iri``: ``{"ckg": "https://w3id.org/climatekg/
    ontology#", …, "case": "<base_iri>id/case/", …}``."""
    return {**_VOCABULARIES, **{p: id_base(base_iri) + path for p, path in _MINTED.items()}}


def prefixes_text(base_iri: str = DEFAULT_BASE_IRI) -> str:
    """The predeclared prefixes as PREFIX lines (to put before a query)."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefix_map(base_iri).items())


PREFIX_MAP = prefix_map()
PREFIXES = prefixes_text()


def dataset_iri(base_iri: str = DEFAULT_BASE_IRI) -> str:
    """The IRI of the dataset (the graph as a whole) minted under ``base_iri``: the one ``FROM`` may name."""
    return base_iri + "graph"


def graph_base_iri(build_dir: Path | str, fallback: str = DEFAULT_BASE_IRI) -> str:
    """The base IRI the graph in ``build_dir`` was built with (its manifest), else ``fallback``."""
    try:
        base = json.loads((Path(build_dir) / "graph-manifest.json").read_text(encoding="utf-8")).get("base_iri")
    except (OSError, ValueError, AttributeError):
        base = None
    return base if isinstance(base, str) and base else fallback


FORMS = {"SELECT": "SELECT", "ASK": "ASK", "CONSTRUCT": "CONSTRUCT", "DESCRIBE": "DESCRIBE"}


class QueryError(ValueError):
    """The query is not valid SPARQL (message from the parser, with its position)."""


class QuerySyntaxError(QueryError):
    """Not valid SPARQL; ``line``/``column`` (1-based, in the caller's text) when the parser gave them."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


# --------------------------------------------------------------------------- canonical text

_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_RDFLIB_ESCAPE = re.compile(r"\\u[0-9a-f]{4}", flags=re.I)  # what rdflib's parser would expand again
_SURROGATE = re.compile("[\ud800-\udfff]")


def canonical_query(query: str) -> str:
    """The text both the policy check and the engine see: line ends as \\n, \\u/\\U escapes expanded.

    SPARQL expands codepoint escapes before parsing; rdflib does, Oxigraph
    does not, and rdflib ends a ``#`` comment only at \\n where Oxigraph also
    ends it at \\r — differences a query could use to hide a SERVICE from the
    check. So the text is made canonical once, and every reader gets the same.
    """
    text = query
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\\u" in text or "\\U" in text:
        def expand(m: re.Match) -> str:
            code = int(m.group(1) or m.group(2), 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise QuerySyntaxError(f"invalid codepoint escape {m.group(0)}")
            return chr(code)

        text = _CODEPOINT_ESCAPE.sub(expand, text)
        if _RDFLIB_ESCAPE.search(text):
            raise QuerySyntaxError("a codepoint escape spells another escape (\\u005C…) — write the character itself")
    if _SURROGATE.search(text):
        raise QuerySyntaxError("the query contains unpaired surrogate characters — send it as valid UTF-8")
    return text


# --------------------------------------------------------------------------- the lexer (SPARQL 1.1 §19.8)

_BASE_CHARS = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
               "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_U = _BASE_CHARS + "_"  # PN_CHARS_U
_CHARS = _U + "\\-0-9\u00B7\u0300-\u036F\u203F-\u2040"  # PN_CHARS
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_BASE_CHARS}](?:[{_CHARS}.]*[{_CHARS}])?"
_PN_LOCAL = f"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_ECHAR = r"\\[tbnrf\\\"']"

_TOKEN = re.compile("|".join((
    r"(?P<ws>[ \t\n]+)",
    r"(?P<comment>#[^\n]*)",
    r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
    rf"(?P<string>'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}))*'''|\"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|{_ECHAR}))*\"\"\""
    rf"|'(?:[^'\\\n]|{_ECHAR})*'|\"(?:[^\"\\\n]|{_ECHAR})*\")",
    rf"(?P<var>[?$][{_U}0-9][{_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)",
    rf"(?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)",
    rf"(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
    r"(?P<number>[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)",
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
    r"(?P<lang>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",
    r"(?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\],;.=<>!+\-*/|^?])",
)))


class Unrecognised(Exception):
    """The lexer met text outside the grammar's terminals (the policy leaves the decision to its thorough check)."""


#: a whole ``PREFIX name: <iri>`` declaration with the common ASCII prefix names: what the general lexer reads
#: there token by token (word, pname, iri), in one match — queries often begin with a dozen of them
_PREFIX_DECL = re.compile(r"[ \t\n]*(PREFIX)[ \t\n]+((?:[A-Za-z](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)?:)[ \t\n]*"
                          r"(<[^<>\"{}|^`\\\x00-\x20]*>)", re.I)


def tokens(text: str):
    """(kind, text, start) for every significant token of a canonical query (no whitespace, no comments)."""
    pos, end = 0, len(text)
    declaration = _PREFIX_DECL.match
    while m := declaration(text, pos):
        yield "word", m.group(1), m.start(1)
        yield "pname", m.group(2), m.start(2)
        yield "iri", m.group(3), m.start(3)
        pos = m.end()
    match = _TOKEN.match
    while pos < end:
        m = match(text, pos)
        if m is None or m.end() == pos:
            raise Unrecognised(pos)
        kind = m.lastgroup
        if kind != "ws" and kind != "comment":
            yield kind, m.group(), pos
        pos = m.end()


def token_list(text: str) -> list[tuple[str, str, int]]:
    """``list(tokens(text))``, built in one loop (no generator to resume per token: the policy check and the
    inline lane lex every query)."""
    out: list[tuple[str, str, int]] = []
    append = out.append
    pos, end = 0, len(text)
    declaration = _PREFIX_DECL.match
    while m := declaration(text, pos):
        append(("word", m.group(1), m.start(1)))
        append(("pname", m.group(2), m.start(2)))
        append(("iri", m.group(3), m.start(3)))
        pos = m.end()
    match = _TOKEN.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            raise Unrecognised(pos)
        nxt = m.end()
        if nxt == pos:
            raise Unrecognised(pos)
        kind = m.lastgroup
        if kind != "ws" and kind != "comment":
            append((kind, m.group(), pos))
        pos = nxt
    return out
