"""What a read-only, offline endpoint refuses, decided from the query's tokens in microseconds.

SPARQL Update, ``SERVICE`` and ``FROM``/``FROM NAMED`` naming anything but
this dataset are refused (``QueryRefused``) — Oxigraph and rdflib would both
fetch a SERVICE endpoint over HTTP. A prefix neither declared nor predeclared
(``graph.sparql_text.prefix_map``) is a syntax error.

How: the text is first made canonical (line ends, codepoint escapes:
``canonical_query``, in ``graph/sparql_text.py`` with the lexer) so the check
and the engine read the same characters. Then one pass of a lexer built from
the SPARQL 1.1 grammar's terminals
(IRIs, strings, comments, prefixed names with their escapes, variables, blank
nodes, numbers, keywords, punctuation) yields the tokens; the decision is made
on them: ``SERVICE`` as a keyword anywhere, the dataset clauses (``FROM``
[``NAMED``] followed by an IRI or a prefixed name, resolved against the
query's ``BASE`` and prefixes), the first keyword after the prologue (the
query form, or an update operation), and every prefixed name used. A word in a
string, a comment or an IRI is never a token, so ``"SERVICE"`` or
``# FROM <x>`` is fine. Where a grammar-level SERVICE could hide from a
token scan — it cannot: a keyword is a keyword wherever it stands — the
engine's own parser would still have to accept the query, and it only accepts
queries (``Store.query`` never runs an update).

Anything the lexer does not recognise (a character outside the grammar's
terminals, an unterminated string…) is not guessed at: the query goes to the
thorough check, rdflib's full parser and a walk of its syntax tree
(``parse_query``, 1–17 ms), which is also what turns an engine syntax error
into a message with the caller's line and column. The result is cached per
query text (``query_info``); errors are not cached.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from ..sparql_text import (FORMS, PREFIX_MAP, PREFIXES, QuerySyntaxError, Unrecognised, canonical_query,  # noqa: F401
                           prefix_map, token_list, tokens)
from .errors import QueryRefused


#: the first keyword of each SPARQL Update operation
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
UPDATE_OPERATIONS = {  # rdflib's parse-tree names (the thorough check)
    "Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE", "Add": "ADD", "Move": "MOVE",
    "Copy": "COPY", "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
}
_TREE_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


@dataclass
class QueryInfo:
    """What the policy needs to know about a query."""

    form: str
    base: str | None = None
    declared: dict[str, str] = field(default_factory=dict)  # PREFIX declarations of the query itself
    used_prefixes: set[str] = field(default_factory=set)
    from_graphs: list[tuple[str, str]] = field(default_factory=list)  # ("FROM" | "FROM NAMED", IRI)
    from_spans: list[tuple[int, int]] = field(default_factory=list)  # where each dataset clause is in the text
    services: list[str] = field(default_factory=list)  # SERVICE targets (IRI, prefixed name or ?var)
    checked_by: str = "tokens"  # tokens | parser


def _pname_parts(token: str) -> tuple[str, str]:
    prefix, _, local = token.partition(":")
    return prefix, local


def analyse(text: str, toks: list | None = None) -> QueryInfo:
    """QueryInfo from the tokens of a canonical query (``toks``: ``list(tokens(text))`` when the caller has
    them); raises QueryRefused for SPARQL Update, or Unrecognised when the tokens do not read as a query's
    outline (the thorough check decides then)."""
    if toks is None:
        toks = token_list(text)
    i, n = 0, len(toks)
    base, declared = None, {}
    while i < n:  # the prologue
        kind, tok, _ = toks[i]
        upper = tok.upper() if kind == "word" else ""
        if upper == "BASE" and i + 1 < n and toks[i + 1][0] == "iri":
            base = toks[i + 1][1][1:-1]
            i += 2
        elif upper == "PREFIX" and i + 2 < n and toks[i + 1][0] == "pname" and toks[i + 1][1].endswith(":") \
                and toks[i + 2][0] == "iri":
            declared[toks[i + 1][1][:-1]] = toks[i + 2][1][1:-1]
            i += 3
        else:
            break
    if i == n or toks[i][0] != "word":
        raise Unrecognised(i)
    first = toks[i][1].upper()
    if first in UPDATE_KEYWORDS:
        second = toks[i + 1][1].upper() if i + 1 < n and toks[i + 1][0] == "word" else ""
        op = f"{first} {second}" if second in ("DATA", "WHERE") else first
        raise QueryRefused("update", f"SPARQL Update ({op}) is not allowed: this endpoint is read-only")
    if first not in FORMS:
        raise Unrecognised(i)
    info = QueryInfo(form=FORMS[first], base=base, declared=declared)
    for j in range(i, n):
        kind, tok, start = toks[j]
        if kind == "pname":
            info.used_prefixes.add(_pname_parts(tok)[0])
        elif kind == "word":
            upper = tok.upper()
            if upper == "SERVICE":
                k = j + 1
                if k < n and toks[k][0] == "word" and toks[k][1].upper() == "SILENT":
                    k += 1
                info.services.append(toks[k][1] if k < n else "")
            elif upper == "FROM":
                k, clause = j + 1, "FROM"
                if k < n and toks[k][0] == "word" and toks[k][1].upper() == "NAMED":
                    k, clause = k + 1, "FROM NAMED"
                if k >= n or toks[k][0] not in ("iri", "pname"):
                    raise Unrecognised(j)
                kind_k, term, term_start = toks[k]
                if kind_k == "pname":
                    prefix, local = _pname_parts(term)
                    ns = declared.get(prefix, PREFIX_MAP.get(prefix))
                    iri = ns + local if ns is not None and "\\" not in local and "%" not in local else term
                else:
                    iri = term[1:-1]
                    if base and not urlsplit(iri).scheme:
                        iri = urljoin(base, iri)
                info.from_graphs.append((clause, iri))
                info.from_spans.append((start, term_start + len(term)))
    return info


# --------------------------------------------------------------------------- the thorough check (rdflib)


def _syntax_error(e) -> QuerySyntaxError:
    msg = getattr(e, "msg", None) or str(e)
    found = ""
    loc, text = getattr(e, "loc", None), getattr(e, "pstr", None)
    if isinstance(loc, int) and isinstance(text, str):
        found = f", found {text[loc:loc + 20]!r}" if loc < len(text) else ", found end of query"
    return QuerySyntaxError(f"{msg}{found}", getattr(e, "lineno", None), getattr(e, "col", None))


_RDFLIB_SPARQL_IMPORT = threading.Lock()


def rdflib_sparql():
    """rdflib's SPARQL package, imported once under one lock. Its modules import each other in a cycle: two
    threads importing them at once (the worker's background grammar load and a job) can each get a
    half-initialised module and an ImportError. Every import of it in this package goes through here."""
    with _RDFLIB_SPARQL_IMPORT:
        import rdflib.plugins.sparql as package
        from rdflib.plugins.sparql import parser, parserutils, processor  # noqa: F401
    return package


def _walk(node):
    """Every CompValue of an rdflib SPARQL parse tree (iterative: trees can be deep)."""
    from pyparsing import ParseResults

    CompValue = rdflib_sparql().parserutils.CompValue

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, CompValue):
            yield n
            stack.extend(dict.values(n))
        elif isinstance(n, (ParseResults, list, tuple)):
            stack.extend(n)


def _pname(comp) -> tuple[str, str]:
    return (dict.get(comp, "prefix") or ""), (dict.get(comp, "localname") or "")


def _show_term(term) -> str:
    from rdflib import URIRef, Variable

    if getattr(term, "name", None) == "pname":
        return ":".join(_pname(term))
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    return str(term)


def parse_query(query: str):
    """(rdflib parse tree, QueryInfo) of a canonical_query text: the thorough check. Raises QuerySyntaxError,
    or QueryRefused for SPARQL Update. rdflib's parser recurses once per triple pattern: call it on a thread
    with a deep stack (the query workers do)."""
    from pyparsing import ParseBaseException

    parser = rdflib_sparql().parser
    parseQuery, parseUpdate = parser.parseQuery, parser.parseUpdate

    try:
        tree = parseQuery(query)
    except ParseBaseException as e:
        try:
            update = parseUpdate(query)
        except (ParseBaseException, RecursionError):
            raise _syntax_error(e) from None
        ops = [UPDATE_OPERATIONS.get(op.name, op.name) for op in dict.get(update, "request") or []
               if getattr(op, "name", None)]
        if not ops:  # e.g. only a comment or a prologue: an empty update, not a query
            raise _syntax_error(e) from None
        raise QueryRefused("update", f"SPARQL Update ({', '.join(dict.fromkeys(ops))}) is not allowed: "
                                     "this endpoint is read-only") from None
    except RecursionError:
        raise QuerySyntaxError("query is nested too deeply to be checked — simplify it") from None
    prologue, body = tree[0], tree[1]
    info = QueryInfo(form=_TREE_FORMS.get(body.name, body.name), checked_by="parser")
    for decl in prologue:
        if decl.name == "Base":
            info.base = str(dict.get(decl, "iri"))
        elif decl.name == "PrefixDecl":
            info.declared[dict.get(decl, "prefix") or ""] = str(dict.get(decl, "iri"))
    for comp in _walk(body):
        if comp.name == "pname":
            info.used_prefixes.add(_pname(comp)[0])
        elif comp.name == "ServiceGraphPattern":
            info.services.append(_show_term(dict.get(comp, "term")))
    for clause in dict.get(body, "datasetClause") or []:
        kind, term = ("FROM", dict.get(clause, "default")) if "default" in clause else \
            ("FROM NAMED", dict.get(clause, "named"))
        if getattr(term, "name", None) == "pname":
            prefix, local = _pname(term)
            ns = info.declared.get(prefix, PREFIX_MAP.get(prefix))
            iri = ns + local if ns is not None else f"{prefix}:{local}"
        else:
            iri = str(term)
            if info.base and not urlsplit(iri).scheme:
                iri = urljoin(info.base, iri)
        info.from_graphs.append((kind, iri))
    return tree, info


def syntax_error_of(query: str) -> QuerySyntaxError | QueryRefused | None:
    """The thorough check's verdict on a query an engine rejected: its syntax error (with the caller's line and
    column), a refusal (an update), or None when rdflib's parser accepts it."""
    try:
        parse_query(query)
    except (QuerySyntaxError, QueryRefused) as e:
        return e
    return None


# --------------------------------------------------------------------------- the decision


@functools.lru_cache(maxsize=1024)
def tokens_info(query: str) -> QueryInfo | None:
    """QueryInfo of a canonical query from its tokens alone (microseconds), cached per text; None when the
    tokens are not conclusive. Raises QueryRefused for SPARQL Update (errors are not cached)."""
    try:
        return analyse(query)
    except Unrecognised:
        return None


@functools.lru_cache(maxsize=256)
def _parsed_info(query: str) -> QueryInfo:
    return parse_query(query)[1]


def query_info(query: str) -> QueryInfo:
    """QueryInfo of a canonical query, cached per text: from its tokens (microseconds), or from rdflib's full
    parse when the tokens are not conclusive. Errors are not cached. Treat the result as read-only."""
    info = tokens_info(query)
    return info if info is not None else _parsed_info(query)


def check_policy(info: QueryInfo, dataset_iris=()) -> None:
    """Refuse what a read-only endpoint closed to the network must not run (see the module docstring)."""
    undefined = sorted(p for p in info.used_prefixes if p not in info.declared and p not in PREFIX_MAP)
    if undefined:
        names = ", ".join(f"'{p}:'" for p in undefined)
        raise QuerySyntaxError(f"undefined prefix {names} — declare it (PREFIX {undefined[0]}: <…>) or use one of "
                               f"the predeclared prefixes: {', '.join(PREFIX_MAP)}")
    if info.services:
        raise QueryRefused("service", f"SERVICE {info.services[0]} is not allowed: federated queries are disabled "
                                      "(this endpoint never fetches remote data)")
    for kind, iri in info.from_graphs:
        if iri not in dataset_iris:
            allowed = " or ".join(f"<{d}>" for d in sorted(dataset_iris)) or "none"
            raise QueryRefused("from", f"{kind} <{iri}> is not allowed: queries run on this endpoint's own dataset "
                                       f"only (allowed: {allowed}; or leave out {kind})")


def checked(query: str, dataset_iris=(), forms=None) -> tuple[str, QueryInfo]:
    """(canonical text, QueryInfo) of a query that passed the policy; raises QuerySyntaxError, QueryRefused or
    FormNotAcceptable (when ``forms`` is given and the query's form is not in it)."""
    from .errors import FormNotAcceptable

    text = canonical_query(query)
    info = query_info(text)
    check_policy(info, dataset_iris)
    if forms is not None and info.form not in forms:
        raise FormNotAcceptable(info.form)
    return text, info


def without_dataset_clauses(text: str, info: QueryInfo) -> str:
    """The query with its (allowed) FROM / FROM NAMED clauses cut out, for a store whose default graph is the
    dataset (a remote server would otherwise read FROM <dataset> as a named graph it does not have)."""
    if not info.from_spans:
        return text
    out, pos = [], 0
    for start, end in info.from_spans:
        out.append(text[pos:start])
        out.append(" " * (end - start))  # keep positions (error columns) unchanged
        pos = end
    out.append(text[pos:])
    return "".join(out)
