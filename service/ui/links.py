"""Where the pages link to: our IRIs → our pages, quotes → the case page at their line, queries → the editor,
and the one rule for links built from data: only ``http``/``https`` (or a path on this service) becomes an href."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode, urlsplit

from flask import url_for

from climatekg.corpus.model import CASE_ID_PATTERN

ENTITY_KINDS = ("org", "technology", "place", "award", "standard")
ENTITY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
CASE_ID = re.compile(CASE_ID_PATTERN)
MAX_HL = 600  # characters of ?hl= used
SAFE_SCHEMES = ("http", "https")


def safe_href(url) -> str | None:
    """``url`` if following it cannot run script: an http(s) URL or a path on this service; else None.

    Data (an IRI in a query result, a literal in the graph) may hold ``javascript:alert(1)`` or
    ``data:text/html,…``; such a value is shown as text, never as a link."""
    if not isinstance(url, str) or not url:
        return None
    text = url.strip()
    if text.startswith("/") and not text.startswith("//"):
        return text
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return None
    return text if scheme in SAFE_SCHEMES else None


def id_base() -> str:
    from ..deref import graph_ids

    return graph_ids()


def hl_link(case_id: str, quote_text: str | None, line: int | None) -> str:
    """The case page with a quoted sentence highlighted, anchored at its line."""
    url = url_for("ui.case_page", case_id=case_id)
    if quote_text:
        url += "?" + urlencode({"hl": quote_text[:MAX_HL]})
    if line:
        url += f"#L{line}"
    return url


def page_for_iri(iri: str | None) -> str | None:
    """The page of this interface for one of our IRIs (else its /id/ description), or None."""
    if not iri:
        return None
    ids = id_base()
    if not iri.startswith(ids):
        return None
    rest = iri[len(ids):]
    parts = rest.split("/")
    if len(parts) == 2:
        kind, ident = parts
        if kind == "case" and CASE_ID.match(ident):
            return url_for("ui.case_page", case_id=ident)
        if kind in ENTITY_KINDS:
            return url_for("ui.entity_page", kind=kind, entity_id=ident)
        if kind == "section":
            return url_for("ui.cases_page") + f"#{ident}"
    return "/id/" + rest


def editor_link(query: str) -> str:
    return url_for("ui.sparql_editor") + "?query=" + quote(query, safe="")
