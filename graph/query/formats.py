"""Query result formats: the SPARQL results formats and the RDF formats, by the keys the endpoint negotiates.

Two ways to write a result: the engine writes it itself (``ENGINE_RESULTS`` /
``ENGINE_GRAPHS``: pyoxigraph serialises its solutions and triples in Rust,
no Python object per row), or, for a result already held as rows of
SPARQL-JSON-shaped terms (the rdflib engine, a remote store, a result cut at
the row limit), the writers below.
"""

from __future__ import annotations

import csv
import io
import json
import re
from xml.sax.saxutils import escape, quoteattr

from ..sparql_text import PREFIX_MAP

RESULT_KEYS = ("json", "xml", "csv", "tsv")  # SELECT / ASK
GRAPH_KEYS = ("turtle", "jsonld", "ntriples", "rdfxml")  # CONSTRUCT / DESCRIBE
RESULT_FORMS, GRAPH_FORMS = {"SELECT", "ASK"}, {"CONSTRUCT", "DESCRIBE"}

#: the fewest bytes the engine's writer spends on one row (solution or triple) in each format: a result
#: shorter than ``ROW_BYTES[key] * (max_rows + 1)`` cannot hold more than ``max_rows`` rows
ROW_BYTES = {"json": 2, "xml": 9, "csv": 2, "turtle": 2, "jsonld": 2, "ntriples": 8, "rdfxml": 2}


def engine_results_format(key: str):
    """pyoxigraph's QueryResultsFormat for a results key it writes the way we promise, else None (TSV: our
    writer keeps numbers as typed literals, pyoxigraph shortens them)."""
    import pyoxigraph as ox

    return {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
            "csv": ox.QueryResultsFormat.CSV}.get(key)


def engine_graph_format(key: str):
    import pyoxigraph as ox

    return {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "ntriples": ox.RdfFormat.N_TRIPLES,
            "rdfxml": ox.RdfFormat.RDF_XML}[key]


# --------------------------------------------------------------------------- writers for rows


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(s: str) -> str:
    return escape(_XML_INVALID.sub("\ufffd", s))


def results_json(result: dict) -> bytes:
    if result["kind"] == "ASK":
        doc = {"head": {}, "boolean": result["boolean"]}
    else:
        variables = result["variables"]
        doc = {"head": {"vars": variables},
               "results": {"bindings": [{v: t for v, t in zip(variables, row) if t is not None}
                                        for row in result["rows"]]}}
    if result["truncated"]:
        doc["truncated"] = True
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _xml_term(t: dict) -> str:
    if t["type"] == "uri":
        return f"<uri>{_xml_text(t['value'])}</uri>"
    if t["type"] == "bnode":
        return f"<bnode>{_xml_text(t['value'])}</bnode>"
    attrs = ""
    if "xml:lang" in t:
        attrs = f" xml:lang={quoteattr(t['xml:lang'])}"
    elif "datatype" in t:
        attrs = f" datatype={quoteattr(t['datatype'])}"
    return f"<literal{attrs}>{_xml_text(t['value'])}</literal>"


def results_xml(result: dict) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n']
    if result["kind"] == "ASK":
        out.append(f"  <head/>\n  <boolean>{'true' if result['boolean'] else 'false'}</boolean>\n")
    else:
        variables = result["variables"]
        out.append("  <head>\n" + "".join(f"    <variable name={quoteattr(v)}/>\n" for v in variables) + "  </head>\n")
        out.append("  <results>\n")
        for row in result["rows"]:
            out.append("    <result>")
            out.extend(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                       for v, t in zip(variables, row) if t is not None)
            out.append("</result>\n")
        out.append("  </results>\n")
    out.append("</sparql>\n")
    return "".join(out).encode("utf-8")


def _csv_value(t: dict | None) -> str:
    if t is None:
        return ""
    return "_:" + t["value"] if t["type"] == "bnode" else t["value"]


def results_csv(result: dict) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if result["kind"] == "ASK":
        w.writerow(["true" if result["boolean"] else "false"])
    else:
        w.writerow(result["variables"])
        w.writerows([_csv_value(t) for t in row] for row in result["rows"])
    return buf.getvalue().encode("utf-8")


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _tsv_value(t: dict | None) -> str:
    if t is None:
        return ""
    if t["type"] == "uri":
        return f"<{t['value']}>"
    if t["type"] == "bnode":
        return f"_:{t['value']}"
    s = '"' + t["value"].translate(_TSV_ESCAPES) + '"'
    if "xml:lang" in t:
        return f"{s}@{t['xml:lang']}"
    if "datatype" in t:
        return f"{s}^^<{t['datatype']}>"
    return s


def results_tsv(result: dict) -> bytes:
    if result["kind"] == "ASK":
        return b"true\n" if result["boolean"] else b"false\n"
    lines = ["\t".join("?" + v for v in result["variables"])]
    lines += ["\t".join(_tsv_value(t) for t in row) for row in result["rows"]]
    return ("\n".join(lines) + "\n").encode("utf-8")


RESULT_WRITERS = {"json": results_json, "xml": results_xml, "csv": results_csv, "tsv": results_tsv}


def _ox_term(ox, t: dict):
    if t["type"] == "uri":
        return ox.NamedNode(t["value"])
    if t["type"] == "bnode":
        return ox.BlankNode(t["value"])
    if "xml:lang" in t:
        return ox.Literal(t["value"], language=t["xml:lang"])
    if "datatype" in t:
        return ox.Literal(t["value"], datatype=ox.NamedNode(t["datatype"]))
    return ox.Literal(t["value"])


def graph_body(result: dict, key: str, prefixes: dict[str, str] = PREFIX_MAP) -> bytes:
    """CONSTRUCT/DESCRIBE rows ([s, p, o] terms) written by pyoxigraph (Turtle, JSON-LD, N-Triples, RDF/XML), with
    ``prefixes`` (the store's predeclared ones, under the graph's base)."""
    import pyoxigraph as ox

    triples = [ox.Triple(_ox_term(ox, s), _ox_term(ox, p), _ox_term(ox, o)) for s, p, o in result["rows"]]
    prefixes = None if key == "ntriples" else prefixes
    return ox.serialize(triples, format=engine_graph_format(key), prefixes=prefixes) or b""


def write_rows(result: dict, key: str, prefixes: dict[str, str] = PREFIX_MAP) -> bytes:
    """A rows result in the format ``key`` (a RESULT_KEYS key for SELECT/ASK, a GRAPH_KEYS key otherwise)."""
    if result["kind"] in ("SELECT", "ASK"):
        return RESULT_WRITERS[key](result)
    return graph_body(result, key, prefixes)
