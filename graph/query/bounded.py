"""Queries whose work is bounded before they run, answered in the calling process (the pool's inline lane).

A query worker exists to stop a query that runs too long or takes too much memory. A query that provably
cannot do either needs no worker: ``Bounded.answer`` evaluates it on the store the serving process holds
anyway (``resources.get_store``), without the two process hops of the pool — the same policy check, the same
engine, the same writers (``worker.evaluate``), so the bytes are those a worker would send.

Provably cheap, decided from the tokens (``graph.sparql_text.tokens``) in microseconds, never by guessing:

* the query is a SELECT, ASK or CONSTRUCT whose WHERE clause is one group of triple patterns and FILTERs — no
  OPTIONAL, UNION, MINUS, sub-query, GRAPH, SERVICE, BIND, VALUES, EXISTS, property path, blank-node
  property list or collection (anything else is left to the workers);
* the expressions (FILTER, projection, GROUP BY, HAVING, ORDER BY) call only functions whose cost and output
  are linear in their input (``FUNCTIONS``): no REPLACE or ENCODE_FOR_URI (nested, they grow a string
  geometrically), no function by IRI but the ``xsd:`` casts, no regular expression with a counted repetition
  (``{``, whose compiled size can explode) or longer than ``REGEX_CHARS``;
* with the store's statistics (a read-only store: exact counts, taken once) the work is small: every
  pattern's own matches (``n``, counted on the store for the pattern's constant IRIs) are at most
  ``SCAN_BOUND``; patterns sharing a variable form a component whose rows are at most ``max(n) × Π fan-out``,
  a pattern's fan-out being the most triples it can match once one of its shared variables is bound (the
  most objects one subject has for its predicate, or subjects one object has); components multiply (a cross
  product), and the product is at most ``ROW_BOUND``. Any join order then builds no intermediate result
  larger than that, and the solution modifiers sort or group at most that many rows. The answer must also be
  one the engine writes whole in at most ``ANSWER_BYTES`` (else a worker writes it).

Everything else goes to the workers as before.
"""

from __future__ import annotations

import functools
from itertools import islice

from ..sparql_text import PREFIX_MAP, QuerySyntaxError, Unrecognised, canonical_query, token_list
from .errors import QueryRefused
from .policy import analyse, check_policy
from .worker import evaluate

#: most triples one pattern of an inline query may match on its own
SCAN_BOUND = 5000
#: most rows any join of an inline query's patterns can hold (see the module docstring)
ROW_BOUND = 20000
#: largest answer the lane writes (bigger ones, e.g. rows of long quotes, are written by a worker)
ANSWER_BYTES = 1 << 20
#: longest regular expression an inline query may use
REGEX_CHARS = 200

#: functions an inline query's expressions may call: time and output linear in the input
FUNCTIONS = {
    "STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL",
    "ISNUMERIC", "SAMETERM", "CONTAINS", "STRSTARTS", "STRENDS", "STRLEN", "LCASE", "UCASE", "SUBSTR",
    "STRBEFORE", "STRAFTER", "CONCAT", "STRLANG", "STRDT", "REGEX", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES",
    "SECONDS", "ABS", "ROUND", "CEIL", "FLOOR", "COALESCE", "IF", "IN", "NOT", "TRUE", "FALSE",
    "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "SEPARATOR", "DISTINCT", "AS",
}
_MODIFIERS = {"GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "LIMIT", "OFFSET"}
_TERM_KINDS = {"iri", "pname", "var", "bnode"}
_PATH_PUNCT = {"/", "|", "^", "*", "+", "?", "!", "("}
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class _NotBounded(Exception):
    pass


def _reject(why: str = "") -> None:
    raise _NotBounded(why)


# --------------------------------------------------------------------------- the outline of a query


def patterns(toks: list, declared: dict[str, str] | None = None) -> list[tuple] | None:
    """The triple patterns of a query's WHERE group (``toks``: the query's ``tokens``) — each (s, p, o), a term
    being ("var", name), ("iri", iri) or ("lit", None) — when the query has the shape an inline query may
    have (see the module docstring), else None."""
    try:
        return _Outline(toks, declared or {}).patterns()
    except (_NotBounded, Unrecognised, IndexError):
        return None


class _Outline:
    def __init__(self, toks: list, declared: dict[str, str]):
        self.toks, self.i, self.declared = toks, 0, declared

    def peek(self, k: int = 0):
        return self.toks[self.i + k]

    def word(self, k: int = 0) -> str:
        kind, tok, _ = self.toks[self.i + k] if self.i + k < len(self.toks) else ("", "", 0)
        return tok.upper() if kind == "word" else ""

    def punct(self, k: int = 0) -> str:
        kind, tok, _ = self.toks[self.i + k] if self.i + k < len(self.toks) else ("", "", 0)
        return tok if kind == "punct" else ""

    def patterns(self) -> list[tuple]:
        while self.word() in ("BASE", "PREFIX"):  # the prologue (its shape was checked by the policy)
            self.i += 2 if self.word() == "BASE" else 3
        form = self.word()
        self.i += 1
        if form == "SELECT":
            self.expression_until(lambda: self.word() == "WHERE" or self.punct() == "{")
        elif form == "CONSTRUCT":
            if self.punct() == "{":  # the template: plain triples (instantiated once per solution)
                self.i += 1
                self.triples_block(template=True)
                if self.punct() != "}":
                    _reject("template")
                self.i += 1
        elif form != "ASK":
            _reject(form)
        if self.word() == "WHERE":
            self.i += 1
        if self.punct() != "{":
            _reject("dataset clause or no group")
        self.i += 1
        found = self.group()
        self.expression_until(lambda: self.i >= len(self.toks), modifiers=True)
        return found

    def group(self) -> list[tuple]:
        found: list[tuple] = []
        while True:
            if self.punct() == "}":
                self.i += 1
                return found
            if self.punct() == ".":
                self.i += 1
            elif self.word() == "FILTER":
                self.i += 1
                self.constraint()
            else:
                found += self.triples_block()

    def constraint(self) -> None:
        """FILTER's argument: ( expression ) or a function call."""
        if self.punct() != "(":
            if self.word() not in FUNCTIONS or self.punct(1) != "(":
                _reject("filter")
            self.i += 1
        depth = 0
        while True:
            self.check_expression_token()
            p = self.punct()
            self.i += 1
            depth += (p == "(") - (p == ")")
            if depth == 0:
                return

    def expression_until(self, done, modifiers: bool = False) -> None:
        while not done():
            self.check_expression_token(modifiers)
            self.i += 1

    def check_expression_token(self, modifiers: bool = False) -> None:
        kind, tok, _ = self.peek()
        if kind == "word":
            upper = tok.upper()
            if upper not in FUNCTIONS and not (modifiers and upper in _MODIFIERS):
                _reject(upper)  # EXISTS, REPLACE, VALUES, …
        elif kind == "punct" and tok in "{}":
            _reject("group in an expression")
        elif kind in ("iri", "pname") and self.punct(1) == "(":
            if not (kind == "pname" and tok.startswith("xsd:") and "xsd" not in self.declared):
                _reject("function by IRI")
        elif kind == "string" and ("{" in tok or len(tok) > REGEX_CHARS + 2):
            _reject("regular expression")

    def triples_block(self, template: bool = False) -> list[tuple]:
        found = []
        while True:
            subject = self.term(subject=True)
            while True:
                verb = self.verb()
                while True:
                    found.append((subject, verb, self.term()))
                    if self.punct() != ",":
                        break
                    self.i += 1
                if self.punct() != ";":
                    break
                while self.punct() == ";":
                    self.i += 1
                if self.punct() in (".", "}") or self.word() == "FILTER":
                    break
            if self.punct() == ".":
                self.i += 1
            elif self.punct() != "}" and self.word() != "FILTER":
                _reject("triples")
            if self.punct() == "}" or self.word() == "FILTER":
                return found

    def verb(self) -> tuple:
        if self.word() == "A" and self.peek()[1] == "a":
            self.i += 1
            term = ("iri", _RDF_TYPE)
        else:
            kind = self.peek()[0]
            if kind not in ("iri", "pname", "var"):
                _reject("path")
            term = self.term()
        if self.punct() in _PATH_PUNCT:
            _reject("path")
        return term

    def term(self, subject: bool = False) -> tuple:
        kind, tok, _ = self.peek()
        self.i += 1
        if kind == "var":
            return ("var", tok[1:])
        if kind == "bnode":
            return ("var", tok)  # a blank node label in a pattern is a variable nobody sees
        if kind == "iri":
            if not tok[1:-1] or ":" not in tok:
                _reject("relative IRI")  # resolved against BASE by the engine: counted as unknown
            return ("iri", tok[1:-1])
        if kind == "pname":
            prefix, _, local = tok.partition(":")
            ns = self.declared.get(prefix, PREFIX_MAP.get(prefix))
            if ns is None or "\\" in local or "%" in local:
                _reject("prefixed name")
            return ("iri", ns + local)
        if subject:
            _reject("subject")
        if kind == "string":
            if self.i < len(self.toks) and self.peek()[0] == "lang":
                self.i += 1
            elif self.punct() == "^^":
                self.i += 1
                if self.peek()[0] not in ("iri", "pname"):
                    _reject("datatype")
                self.i += 1
            return ("lit", None)
        if kind == "number" or (kind == "word" and tok.lower() in ("true", "false")):
            return ("lit", None)
        if kind == "punct" and tok in "+-" and self.peek()[0] == "number":
            self.i += 1
            return ("lit", None)
        _reject(tok)
        return ("", None)


# --------------------------------------------------------------------------- the store's statistics


class Statistics:
    """What bounds a pattern's matches on a read-only store: its triples, and per predicate the count, the most
    objects one subject has and the most subjects one object has — counted when a query first names the
    predicate, one predicate at a time, and kept (grouping the whole store at once would cost the serving
    process ~12 MB it keeps)."""

    def __init__(self, store):
        self.store, self.ox = store.store, store.ox
        self.triples = len(self.store)
        self._predicates: dict[str, tuple[int, int, int] | None] = {}

    def predicate(self, p: str) -> tuple[int, int, int] | None:
        """(count, most objects of one subject, most subjects of one object) of predicate ``p``; None when ``p``
        is not an IRI Oxigraph takes."""
        if p in self._predicates:
            return self._predicates[p]
        try:
            iri = str(self.ox.NamedNode(p))
        except ValueError:
            figures = None
        else:
            q = self.store.query
            (row,) = q(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {iri} ?o }}")
            figures = [int(row["n"].value)]
            for group in ("s", "o"):
                (row,) = q(f"SELECT (MAX(?c) AS ?m) WHERE {{ SELECT (COUNT(*) AS ?c) WHERE {{ ?s {iri} ?o }} "
                           f"GROUP BY ?{group} }}")
                figures.append(int(row["m"].value) if row["m"] is not None else 0)
            figures = tuple(figures)
        self._predicates[p] = figures
        return figures

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one instance per store, kept for the process's life
    def matches(self, s: str | None, p: str | None, o: str | None) -> int:
        """Triples matching the constant IRIs given (None: any), counted up to SCAN_BOUND + 1 (more when that
        is what a predicate's count says)."""
        if s is None and o is None:
            if p is None:
                return self.triples
            figures = self.predicate(p)
            return figures[0] if figures is not None else self.triples
        nn = self.ox.NamedNode
        try:
            found = self.store.quads_for_pattern(None if s is None else nn(s), None if p is None else nn(p),
                                                 None if o is None else nn(o), self.ox.DefaultGraph())
        except ValueError:  # not an IRI Oxigraph takes: counted as unknown
            return self.triples
        return sum(1 for _ in islice(found, SCAN_BOUND + 1))

    def fan_out(self, p: str | None, position: str) -> int | None:
        """Most triples a pattern with predicate ``p`` matches once the term at ``position`` (s or o) is bound;
        None (no bound kept) for a variable predicate."""
        figures = self.predicate(p) if p is not None else None
        if figures is None:
            return None
        return figures[1] if position == "s" else figures[2]


def row_bound(found: list[tuple], stats: Statistics) -> int | None:
    """The bound on the rows any join of ``found`` can hold, or None when it is over ROW_BOUND or a pattern
    alone matches more than SCAN_BOUND triples. Patterns sharing a variable form a component: its rows are at
    most its largest pattern's matches times the fan-out of each of its patterns (see the module docstring);
    components that share nothing multiply (a cross product, bounded all the same)."""
    variables: dict[str, set[int]] = {}
    for k, pattern in enumerate(found):
        for term in pattern:
            if term[0] == "var":
                variables.setdefault(term[1], set()).add(k)
    parent = list(range(len(found)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for members in variables.values():
        first, *rest = members
        for k in rest:
            parent[root(k)] = root(first)
    largest: dict[int, int] = {}
    fans: dict[int, int] = {}
    for k, (s, p, o) in enumerate(found):
        const = [t[1] if t[0] == "iri" else None for t in (s, p, o)]
        n = stats.matches(*const)
        if n > SCAN_BOUND:
            return None
        fan = 1
        for pos, t in zip("spo", (s, p, o)):
            if t[0] == "var" and len(variables[t[1]]) > 1:
                bound = stats.triples if pos == "p" else stats.fan_out(const[1], pos)
                if bound is None:
                    return None
                fan = max(fan, bound)
        r = root(k)
        largest[r] = max(largest.get(r, 1), n)
        fans[r] = fans.get(r, 1) * max(1, min(fan, n))
    bound = 1
    for r in largest:
        bound *= largest[r] * fans[r]
        if bound > ROW_BOUND:
            return None
    return bound


# --------------------------------------------------------------------------- the lane


class Bounded:
    """The inline lane over an Oxigraph store held by this process: ``answer`` gives the pool's result for a
    provably cheap query, or None (the workers answer it: anything else, anything refused or failing)."""

    def __init__(self, store, dataset_iris=()):
        self.store = store
        self.dataset_iris = set(dataset_iris)
        self.stats = Statistics(store)
        self.answered = 0  # queries this lane answered (for tests)

    def answer(self, query: str, max_rows: int | None, forms=None, formats: dict | None = None) -> dict | None:
        if not formats:
            return None
        try:
            text = canonical_query(query)
            toks = token_list(text)
            info = analyse(text, toks)
            if info.from_graphs or info.form not in ("SELECT", "ASK", "CONSTRUCT"):
                return None
            check_policy(info, self.dataset_iris)
        except (QuerySyntaxError, QueryRefused, Unrecognised):
            return None  # the workers decide, and give the error, as always
        if forms is not None and info.form not in forms:
            return None
        found = patterns(toks, info.declared)
        if found is None or row_bound(found, self.stats) is None:
            return None
        try:
            result, body = evaluate(self.store, text, info, max_rows, formats, max_bytes=ANSWER_BYTES)
        except Exception:  # noqa: BLE001 - too large, a syntax error, an engine failure: the workers answer it
            return None
        self.answered += 1
        if body is not None:
            result["body"] = body
        return result
