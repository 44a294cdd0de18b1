"""``GET /openapi.json``: the OpenAPI 3.1 description of every route of the service.

Written by hand next to the routes it describes; ``tests/test_openapi.py``
checks that every rule in the app's URL map (except ``static``) is documented
here with its methods, so a route added without documentation fails the tests.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify

from climatekg.corpus.model import CASE_ID_PATTERN
from climatekg.embeddings.search import MAX_QUERY_CHARS, MAX_TEXT_CHARS, SEARCH_K, SIMILAR_K

from .api_search import MAX_FILTER_CHARS

bp = Blueprint("openapi", __name__)

VERSION = "0.1.0"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _json(schema: dict | str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema) if isinstance(schema, str) else schema}}}


def _param(name: str, where: str, schema: dict, description: str, required: bool = False, **extra) -> dict:
    return {"name": name, "in": where, "required": required or where == "path", "description": description,
            "schema": schema, **extra}


STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
LINES = {"start_line": {**INT, "description": "first line in the source file (1-based, blank lines count)"},
         "end_line": {**INT, "description": "last line in the source file"}}
PART = {"part": {**STR, "enum": ["overview", "profile", "results", "highlights", "implementation", "impact", "expert"]},
        "part_zh": STR, "part_en": STR}

CASE_ID = _param("case_id", "path", {**STR, "pattern": CASE_ID_PATTERN, "examples": ["case-01"]},
                 "a case id, case-01 … case-26")
RDF_MEDIA = ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]
JSONLD = {"type": ["object", "array"], "description": "a JSON-LD document (expanded or compacted)"}


def _rdf_content() -> dict:
    """Response content in each RDF format: JSON-LD is JSON, the others are text."""
    return {m: {"schema": JSONLD if m == "application/ld+json" else STR} for m in RDF_MEDIA}

FORMAT = _param("format", "query", {**STR, "enum": ["html", "ttl", "jsonld", "nt", "rdf"]},
                "overrides the Accept header (turtle, json-ld, ntriples and xml are accepted as aliases)")

SCHEMAS: dict = {
    "Error": {
        "type": "object", "required": ["error"],
        "description": "Every 4xx/5xx response of the service has this shape.",
        "properties": {"error": {"type": "object", "required": ["status", "code", "message"], "properties": {
            "status": {**INT, "examples": [400]},
            "code": {**STR, "examples": ["bad_request", "not_found", "method_not_allowed", "unsupported_media_type"]},
            "message": {**STR, "description": "what was wrong and how to fix it"},
            "detail": {"type": "object", "additionalProperties": True},
        }}},
    },
    "Section": {"type": "object", "required": ["id", "zh", "en"],
                "properties": {"id": {**STR, "examples": ["s3"]}, "zh": STR, "en": STR}},
    "Urls": {"type": "object", "properties": {"self": STR, "similar": STR, "page": STR}},
    "CaseSummary": {
        "type": "object",
        "required": ["id", "number", "iri", "title_zh", "title_en", "company_zh", "company_en", "section", "summary_en"],
        "properties": {
            "id": {**STR, "examples": ["case-15"]}, "number": INT, "iri": {**STR, "format": "iri"},
            "title_zh": STR, "title_en": STR,
            "company_zh": {**STR, "examples": ["北京银行"]}, "company_en": {**STR, "examples": ["Bank of Beijing"]},
            "company_full_zh": STR, "company_full_en": STR,
            "section": _ref("Section"), "summary_en": STR, "urls": _ref("Urls"),
        },
    },
    "CaseList": {"type": "object", "required": ["count", "cases"],
                 "properties": {"count": INT, "cases": {"type": "array", "items": _ref("CaseSummary")}}},
    "Paragraph": {"type": "object", "required": ["n", "iri", "text", "start_line", "end_line"],
                  "properties": {"n": INT, "iri": STR, "text": STR, **LINES}},
    "Part": {"type": "object", "required": ["key", "heading_zh", "heading_en", "paragraphs"],
             "properties": {"key": PART["part"], "heading_zh": STR, "heading_en": STR, "iri": STR, **LINES,
                            "paragraphs": {"type": "array", "items": _ref("Paragraph")}}},
    "Outcome": {
        "type": "object", "description": "A quantified outcome read from the text, normalised to a base unit.",
        "required": ["iri", "value", "unit", "indicator", "surface", "quote", "start_line", "end_line", "part"],
        "properties": {
            "iri": STR, "value": {**NUM, "examples": [13260]},
            "unit": {**STR, "description": "base unit symbol (t, kWh, kW, CNY, %, count …)", "examples": ["kW"]},
            "unit_zh": STR, "unit_en": STR, "unit_iri": NULLABLE_STR,
            "indicator": {"type": "object", "properties": {"id": {**STR, "examples": ["capacity"]}, "iri": STR,
                                                           "zh": NULLABLE_STR, "en": NULLABLE_STR}},
            "measure": {"type": "object", "description": "what is measured, for a reader: the thing counted "
                        "(number of suppliers), the thing a share or change is of (share of suppliers) or the indicator", "properties": {"zh": NULLABLE_STR, "en": NULLABLE_STR}},
            "period": {"type": ["string", "null"], "enum": ["annual", "cumulative", None]},
            "year": NULLABLE_INT, "approximate": BOOL,
            "projected": {**BOOL, "description": "a projection or target rather than a figure achieved"},
            "surface": {**STR, "description": "the figure as printed", "examples": ["13.26 MWp"]},
            "quote": STR, **LINES, **PART,
        },
    },
    "Evidence": {"type": "object", "required": ["iri", "quote", "start_line", "end_line", "mention_count"],
                 "properties": {"iri": STR, "quote": STR, **LINES, "mention_count": INT, **PART}},
    "LinkedEntity": {"type": "object", "required": ["id", "iri", "zh", "en", "evidence"],
                     "properties": {"id": STR, "iri": {**NULLABLE_STR, "description": "null for years"},
                                    "zh": NULLABLE_STR, "en": NULLABLE_STR, "year": INT,
                                    "evidence": _ref("Evidence")}},
    "Case": {
        "type": "object",
        "required": ["id", "number", "iri", "title", "company", "section", "summary", "keywords", "parts", "outcomes",
                     "links"],
        "properties": {
            "id": STR, "number": INT, "iri": STR,
            "title": {"type": "object", "properties": {"zh": STR, "en": STR,
                                                       "lines": {"type": "array", "items": INT}}},
            "company": {"type": "object", "properties": {
                "id": STR, "zh": STR, "en": STR, "full_zh": STR, "full_en": STR,
                "as_printed": {**STR, "description": "the company line as printed in the source"}, "line": INT}},
            "section": {"type": "object", "properties": {
                "id": STR, "number": INT, "zh": STR, "en": STR, "iri": STR,
                "inferred": {**BOOL, "description": "true when no margin label on the case's pages names the section"},
                "evidence": STR, "name_inferred": {**BOOL, "description": "the section's name is our inference"}}},
            "summary": {"type": "object", "properties": {"zh": NULLABLE_STR, "en": STR}},
            "keywords": {"type": "object", "properties": {"zh": {"type": "array", "items": STR},
                                                          "en": {"type": "array", "items": STR}}},
            **LINES,
            "parts": {"type": "array", "items": _ref("Part"), "minItems": 7, "maxItems": 7},
            "outcomes": {"type": "array", "items": _ref("Outcome")},
            "links": {"type": "object", "properties": {
                k: {"type": "array", "items": _ref("LinkedEntity")}
                for k in ("technologies", "places", "partners", "recognitions", "standards", "years")}},
            "counts": {"type": "object", "additionalProperties": INT},
            "urls": _ref("Urls"),
        },
    },
    "Ranks": {"type": "object", "description": "rank of the result in each leg of the hybrid search (null: not found)",
              "properties": {"dense": NULLABLE_INT, "lexical": NULLABLE_INT, "entity": NULLABLE_INT}},
    "Passage": {"type": "object", "properties": {
        "chunk_id": INT, **PART, **LINES, "text": STR,
        "highlighted": {**STR, "description": "HTML-escaped text with the matched terms in <mark>"},
        "ranks": _ref("Ranks")}},
    "SearchResult": {"type": "object", "required": ["case_id", "title_zh", "title_en", "score", "ranks", "passages"],
                     "properties": {"case_id": STR, "title_zh": STR, "title_en": STR, "company_zh": STR,
                                    "company_en": STR, "section": _ref("Section"), "score": NUM,
                                    "ranks": _ref("Ranks"), "passages": {"type": "array", "items": _ref("Passage")}}},
    "SearchResponse": {"type": "object", "required": ["query", "lang", "entities", "results"], "properties": {
        "query": STR, "lang": {**STR, "enum": ["zh", "en"]},
        "entities": {"type": "array", "description": "graph entities named in the query", "items": {
            "type": "object", "properties": {"kind": STR, "id": STR, "iri": STR, "zh": STR, "en": STR,
                                             "matched": STR}}},
        "filters": {"type": "object", "additionalProperties": True},
        "results": {"type": "array", "items": _ref("SearchResult")}}},
    "Labelled": {"type": "object", "properties": {"id": STR, "zh": STR, "en": STR}},
    "SimilarResult": {"type": "object", "required": ["case_id", "title_zh", "title_en", "score", "scores", "shared"],
                      "properties": {
                          "case_id": STR, "title_zh": STR, "title_en": STR, "company_zh": STR, "company_en": STR,
                          "section": _ref("Section"), "score": NUM,
                          "scores": {"type": "object", "properties": {"embedding": NUM, "graph": NUM}},
                          "shared": {"type": "object", "properties": {
                              "technologies": {"type": "array", "items": _ref("Labelled")},
                              "section": {"oneOf": [_ref("Section"), {"type": "null"}]},
                              "indicators": {"type": "array", "items": _ref("Labelled")},
                              "places": {"type": "array", "items": _ref("Labelled")},
                              "partners": {"type": "array", "items": _ref("Labelled")}}},
                          "reason_zh": STR, "reason_en": STR}},
    "SimilarResponse": {"type": "object", "required": ["query", "results"], "properties": {
        "query": {"type": "object", "additionalProperties": True},
        "results": {"type": "array", "items": _ref("SimilarResult")}}},
    "SimilarRequest": {"type": "object", "required": ["text"], "additionalProperties": False, "properties": {
        "text": {**STR, "minLength": 1, "maxLength": MAX_TEXT_CHARS, "description": "Chinese or English text"},
        "k": {**INT, "minimum": SIMILAR_K[0], "maximum": SIMILAR_K[1], "default": 5}}},
    "CaseRef": {"type": "object", "required": ["case_id", "title_zh", "title_en"],
                "properties": {"case_id": STR, "title_zh": STR, "title_en": STR, "company_zh": STR, "company_en": STR}},
    "Citation": {"type": "object", "required": ["case_id", "quote", "start_line", "end_line"],
                 "properties": {"case_id": STR, "title_zh": STR, "title_en": STR, **PART, **LINES, "quote": STR}},
    "AskResponse": {"type": "object", "required": ["query", "lang", "answered", "answer", "cases", "citations"],
                    "properties": {
                        "query": STR, "lang": {**STR, "enum": ["zh", "en"]},
                        "answered": {**BOOL, "description": "false when the collection cannot answer the question"},
                        "answer": {**STR, "description": "in the question's language"},
                        "cases": {"type": "array", "items": _ref("CaseRef")},
                        "citations": {"type": "array", "items": _ref("Citation")},
                        "sparql": {**NULLABLE_STR, "description": "the SPARQL query behind a structured answer"},
                        "rows": {"type": ["object", "null"], "properties": {
                            "vars": {"type": "array", "items": STR},
                            "rows": {"type": "array", "items": {"type": "array"}}}},
                        "intent": STR,
                        "fact": {"type": ["object", "null"], "description": "a one-fact answer's fact, stated first "
                                 "in the answer: kind (quantity, organisation, date, place) and its zh/en wording",
                                 "properties": {"kind": STR, "zh": STR, "en": STR}},
                        "figures": {"type": "array", "description": "comparisons and 'which cases report …': the "
                                    "figures asked for, largest first, one row per case (or per figure)",
                                    "items": {"type": "object", "properties": {
                                        "case_id": STR, "company": {**STR, "description": "in the question's language"},
                                        "value": {"type": "number", "description": "in the base unit"},
                                        "unit": {**STR, "description": "base unit symbol (t, kW, kWh, CNY, m3, …)"},
                                        "figure": {**STR, "description": "the figure for the reader (as printed in zh, "
                                                                       "in the base unit in en)"},
                                        "as_printed": STR, "year": {"type": ["integer", "null"]},
                                        "period": {**NULLABLE_STR, "description": "annual, cumulative or projected"},
                                        "measures": NULLABLE_STR}}},
                        "unknown": {"type": "array", "items": STR}}},
    "OutcomeSource": {"type": "object", "required": ["case_id", "title_zh", "title_en", "start_line", "end_line"],
                      "properties": {"case_id": STR, "number": INT, "iri": STR, "title_zh": STR, "title_en": STR,
                                     "company_id": STR, "company_zh": STR, "company_en": STR, "section": STR,
                                     "section_zh": STR, "section_en": STR, **LINES,
                                     "outcomes": {**INT, "description": "outcomes of this case in the response"}}},
    "OutcomeList": {"type": "object", "required": ["count", "filters", "outcomes", "cases", "source"], "properties": {
        "count": INT, "total": INT, "truncated": BOOL,
        "filters": {"type": "object", "description": "the filters as resolved (ids, IRIs and labels)",
                    "additionalProperties": True},
        "outcomes": {"type": "array", "items": _ref("OutcomeRow")},
        "cases": {"type": "array", "items": _ref("OutcomeSource")},
        "source": {"type": "object", "properties": {"file": STR, "sha256": STR, "title_zh": STR, "title_en": STR}},
        "urls": {"type": "object", "description": "the same selection as json, csv and xlsx",
                 "additionalProperties": STR}}},
    "SparqlResults": {"type": "object", "description": "SPARQL 1.1 Query Results JSON Format",
                      "properties": {"head": {"type": "object"}, "results": {"type": "object"}, "boolean": BOOL}},
}

SCHEMAS["OutcomeRow"] = {
    **SCHEMAS["Outcome"], "description": "An outcome with the id of its case (GET /api/outcomes).",
    "required": [*SCHEMAS["Outcome"]["required"], "case_id", "projected"],
    "properties": {**SCHEMAS["Outcome"]["properties"], "case_id": {**STR, "examples": ["case-07"]}}}

BAD = _error("a malformed or unknown parameter, or a path or query string that is not valid UTF-8 or contains NUL")
NOT_FOUND = _error("no such resource")
NOT_ALLOWED = _error("wrong method; the Allow header lists the right ones")
TOO_LARGE = _error("a parameter or body over its limit")
NO_INDEX = _error("the search index is missing or out of date (the message names the command to run)")


SPARQL_FORMATS = ["json", "xml", "csv", "tsv", "turtle", "jsonld", "ntriples", "rdfxml", "html"]


def _sparql_params() -> list[dict]:
    return [
        _param("query", "query", {**STR, "maxLength": 20000},
               "the SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE; updates are refused with 403); the common "
               "prefixes (ckg:, rdfs:, skos:, schema:, case: …) are predeclared. Without it, GET answers the SPARQL "
               "Service Description"),
        _param("default-graph-uri", "query", {"type": "array", "items": STR},
               "SPARQL protocol dataset parameter: only this endpoint's own dataset IRI is accepted", explode=True),
        _param("named-graph-uri", "query", {"type": "array", "items": STR},
               "SPARQL protocol dataset parameter: only this endpoint's own dataset IRI is accepted", explode=True),
        _param("format", "query", {**STR, "examples": SPARQL_FORMATS},
               "result format, overriding the Accept header: a key (json, xml, csv, tsv for SELECT/ASK; turtle, "
               "jsonld, ntriples, rdfxml for CONSTRUCT/DESCRIBE and the service description; html for the "
               "description page) or a media type"),
        _param("timeout", "query", {**NUM, "exclusiveMinimum": 0},
               "seconds; capped at the service's sparql_timeout setting"),
    ]


SPARQL_RESPONSES = {
    "200": {"description": "query results (or, for GET without a query, the service description); a result cut at "
                           "sparql_max_rows says so in the header X-Result-Truncated: true",
            "headers": {"X-Result-Truncated": {"schema": {**STR, "enum": ["true", "false"]}}},
            "content": {
                "application/sparql-results+json": {"schema": _ref("SparqlResults")},
                "application/sparql-results+xml": {"schema": STR},
                "text/csv": {"schema": STR}, "text/tab-separated-values": {"schema": STR},
                **_rdf_content(), "text/html": {"schema": STR}}},
    "400": _error("not valid SPARQL (the message gives line and column), an empty query, an unknown format or "
                  "timeout, a dataset other than this one, or a query string that is not valid UTF-8"),
    "403": _error("a query the service refuses: SPARQL Update, SERVICE, FROM another dataset"),
    "405": NOT_ALLOWED, "406": _error("no acceptable result format (the message lists them)"),
    "413": _error("the query (or the body, chunked or not) is larger than sparql_max_query_bytes"),
    "415": _error("a POST body that is neither application/sparql-query nor a form"),
    "429": {**_error("this client already has sparql_client_queries queries running or waiting (code "
                     "too_many_requests)"), "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
    "503": {**_error("the query ran past the time limit (code timeout) or the memory limit (out_of_memory), or "
                     "every query worker stayed busy past sparql_queue_wait (busy, with Retry-After)"),
            "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
}


def _download_params() -> list[dict]:
    return [
        _param("query", "query", {**STR, "maxLength": 20000}, "the SPARQL query (common prefixes predeclared)",
               required=True),
        _param("format", "query", {**STR, "enum": ["csv", "xlsx"], "default": "csv"}, "the file format"),
        _param("timeout", "query", {**NUM, "exclusiveMinimum": 0}, "seconds; capped at sparql_timeout"),
    ]


DOWNLOAD_RESPONSES = {
    "200": {"description": "the result table as an attachment; X-Result-Truncated says whether sparql_max_rows cut it",
            "headers": {"X-Result-Truncated": {"schema": {**STR, "enum": ["true", "false"]}}},
            "content": {"text/csv": {"schema": STR},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                            "schema": {**STR, "format": "binary"}}}},
    "400": _error("no query, a syntax error, an unknown parameter or format"),
    "403": _error("a query the service refuses: SPARQL Update, SERVICE, FROM another dataset"),
    "405": NOT_ALLOWED, "413": _error("the query is larger than sparql_max_query_bytes"),
    "503": _error("the query ran past the time limit"),
}


ASK_RESPONSES = {"200": _json("AskResponse"), "400": _error("no question, or a malformed body"),
                 "405": NOT_ALLOWED, "413": _error(f"a question longer than {MAX_QUERY_CHARS} characters"), "503": NO_INDEX}


def _ui_pages() -> dict:
    """The HTML pages and other routes blueprints describe themselves: a blueprint's ``pages`` (rule, endpoint,
    summary) and ``openapi_paths`` (service/ui sets both) — read from the app, so this module imports no
    blueprint."""
    pages, extra = [], {}
    for blueprint in current_app.blueprints.values():
        pages += getattr(blueprint, "pages", [])
        extra.update(getattr(blueprint, "openapi_paths", {}))
    out = {}
    for rule, endpoint, summary in pages:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
        params = [_param(name, "path", STR, name.replace("_", " ")) for name in re.findall(r"{([^}]+)}", path)]
        params.append(_param("lang", "query", {**STR, "enum": ["zh", "en"]},
                             "page language (remembered in a cookie; default: Accept-Language, else Chinese)"))
        is_json = rule.endswith(".json")
        out[path] = {"get": {
            "operationId": "ui_" + endpoint.split(".")[-1], "tags": ["web interface"], "summary": summary,
            "parameters": params,
            "responses": {"200": _json({"type": "object"}) if is_json else
                          {"description": "an HTML page", "content": {"text/html": {"schema": STR}}},
                          "400": _error("a lang other than zh or en, or a query string that is not valid UTF-8"),
                          "405": NOT_ALLOWED}}}
        if "{" in path and not is_json:
            out[path]["get"]["responses"]["404"] = {"description": "an HTML page saying what was not found",
                                                    "content": {"text/html": {"schema": STR}}}
    out.update(extra)
    return out


def _edge_errors(max_target: int) -> dict:
    """Errors any request can get from the front (service/front.py) before it reaches a route."""
    return {
        "408": _error("the request's headers or body did not arrive in time (10 s for the headers, 30 s for the "
                      "body)"),
        "414": _error(f"the request target (path and query string) is longer than {max_target} bytes: room for a "
                      "percent-encoded query of sparql_max_query_bytes — send longer input in a POST body"),
        "431": _error("the request's header fields are larger than 16 KiB"),
    }


def _with_edge_errors(paths: dict) -> dict:
    from .front import target_limit

    import copy

    edge = _edge_errors(target_limit(current_app.config["SETTINGS"]))
    paths = copy.deepcopy(paths)  # never the shared route tables: the same document, in the same order, every time
    for operations in paths.values():
        for op in operations.values():
            for status, response in edge.items():
                op["responses"].setdefault(status, response)
            if "requestBody" in op:
                op["responses"].setdefault("413", _error("a body over the route's limit (at most 1 MiB on any "
                                                         "route)"))
    return paths


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "climatekg",
            "version": VERSION,
            "summary": "Bilingual (zh/en) knowledge graph and semantic search over the 2023 China Corporate Climate "
                       "Action case collection (26 cases).",
            "license": {"name": "MIT", "identifier": "MIT"},
            "description": "`climatekg serve` also offers a Model Context Protocol server (streamable HTTP, "
                           "stateless) at /mcp, with the tools search, ask, sparql, get_case, similar_cases and "
                           "list_outcomes; `climatekg mcp` offers the same over stdio.",
        },
        "paths": _with_edge_errors({
            "/api/cases": {"get": {
                "operationId": "listCases", "tags": ["cases"], "summary": "All 26 cases, with titles, companies "
                "and sections in Chinese and English",
                "responses": {"200": _json("CaseList"), "400": BAD, "405": NOT_ALLOWED}}},
            "/api/cases/{case_id}": {"get": {
                "operationId": "getCase", "tags": ["cases"],
                "summary": "One case: its seven parts with source lines, bilingual metadata, quantified outcomes "
                           "and linked entities with their evidence",
                "parameters": [CASE_ID],
                "responses": {"200": _json("Case"), "400": BAD, "404": _error("unknown case id (the message and "
                              "detail.valid_ids name the valid ones)"), "405": NOT_ALLOWED}}},
            "/api/cases/{case_id}/similar": {"get": {
                "operationId": "similarCases", "tags": ["search"],
                "summary": "The cases most like this one, with what they share in the graph and why",
                "parameters": [CASE_ID, _param("k", "query", {**INT, "minimum": SIMILAR_K[0], "maximum": SIMILAR_K[1], "default": 5},
                                               "how many cases")],
                "responses": {"200": _json("SimilarResponse"), "400": BAD, "404": _error("unknown case id"),
                              "405": NOT_ALLOWED, "503": NO_INDEX}}},
            "/api/similar": {"post": {
                "operationId": "similarToText", "tags": ["search"],
                "summary": "The cases most like a piece of text (Chinese or English)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("SimilarRequest")}}},
                "responses": {"200": _json("SimilarResponse"), "400": _error("empty text, bad k, malformed JSON or "
                              "a body that is not UTF-8"), "405": NOT_ALLOWED, "413": TOO_LARGE,
                              "415": _error("the body is not application/json"), "503": NO_INDEX}}},
            "/api/search": {"get": {
                "operationId": "search", "tags": ["search"],
                "summary": "Hybrid (dense + BM25 + entity) search over the cases, in Chinese or English",
                "parameters": [
                    _param("q", "query", {**STR, "minLength": 1, "maxLength": MAX_QUERY_CHARS}, "the query", required=True,
                           examples={"zh": {"value": "达能屋顶光伏装机容量"},
                                     "en": {"value": "Bank of Beijing carbon finance"}}),
                    _param("k", "query", {**INT, "minimum": SEARCH_K[0], "maximum": SEARCH_K[1], "default": 10}, "how many cases"),
                    _param("section", "query", {**STR, "maxLength": MAX_FILTER_CHARS},
                           "only cases of this section: an id (s1 … s5) or its zh/en name"),
                    _param("technology", "query", {**STR, "maxLength": MAX_FILTER_CHARS},
                           "only cases using this technology (or a narrower one): an id such as solar-pv or a label"),
                    _param("location", "query", {**STR, "maxLength": MAX_FILTER_CHARS},
                           "only cases linked to this place: an id such as zhejiang or a label"),
                    _param("year", "query", {**INT, "minimum": 1900, "maximum": 2100},
                           "only cases that mention this year"),
                ],
                "responses": {"200": _json("SearchResponse"), "400": BAD, "405": NOT_ALLOWED,
                              "413": _error(f"q longer than {MAX_QUERY_CHARS} characters"), "503": NO_INDEX}}},
            "/api/ask": {
                "get": {"operationId": "askGet", "tags": ["ask"],
                        "summary": "Answer a question in Chinese or English, in the same language, with citations "
                                   "(source lines) — or say that the collection cannot answer it",
                        "parameters": [_param("q", "query", {**STR, "minLength": 1, "maxLength": MAX_QUERY_CHARS},
                                              "the question", required=True,
                                              examples={"zh": {"value": "达能的屋顶光伏装机容量是多少？"},
                                                        "en": {"value": "Which cases use biogas?"}})],
                        "responses": ASK_RESPONSES},
                "post": {"operationId": "askPost", "tags": ["ask"], "summary": "As GET, with the question in the body",
                         "requestBody": {"required": True, "content": {
                             "application/json": {"schema": {"type": "object", "required": ["q"],
                                                             "properties": {"q": {**STR, "maxLength": MAX_QUERY_CHARS}}}},
                             "application/x-www-form-urlencoded": {"schema": {
                                 "type": "object", "required": ["q"], "properties": {"q": STR}}}}},
                         "responses": {**ASK_RESPONSES, "415": _error("a body that is neither JSON nor a form")}},
            },
            "/api/outcomes": {"get": {
                "operationId": "listOutcomes", "tags": ["cases"],
                "summary": "Quantified outcomes (value in a base unit, unit, indicator, period, year, projected, the "
                           "figure as printed, quote and source lines), filtered; as JSON or as a CSV or XLSX "
                           "download",
                "description": "Filter values are ids or zh/en labels. XLSX has number cells with the unit in its own "
                               "column, a frozen header row and a second sheet 'Sources' with the cases and the "
                               "source text's sha256; CSV is UTF-8 with a BOM and prefixes text that would start a "
                               "formula (=, +, -, @) with an apostrophe. An empty selection is an empty table.",
                "parameters": [
                    _param("case", "query", {**STR, "examples": ["case-07", "case-07,case-12"]},
                           "only these cases (ids separated by commas)"),
                    _param("indicator", "query", {**STR, "examples": ["capacity", "装机容量"]},
                           "only this indicator: an id or its zh/en label"),
                    _param("section", "query", {**STR, "examples": ["s4"]}, "only cases of this section: s1 … s5 "
                           "or its zh/en name"),
                    _param("technology", "query", {**STR, "examples": ["solar-pv"]},
                           "only cases using this technology or a narrower one: an id or a label"),
                    _param("place", "query", {**STR, "examples": ["zhejiang"]},
                           "only cases linked to this place or a place inside it: an id or a label"),
                    _param("year", "query", {**INT, "minimum": 1900, "maximum": 2100},
                           "only figures that refer to this year"),
                    _param("projected", "query", {"type": "boolean"},
                           "true: only projections and targets; false: only figures reported as achieved"),
                    _param("format", "query", {**STR, "enum": ["json", "csv", "xlsx"], "default": "json"},
                           "json, or a csv / xlsx download (Content-Disposition: attachment)"),
                ],
                "responses": {"200": {"description": "the outcomes", "content": {
                    "application/json": {"schema": _ref("OutcomeList")},
                    "text/csv": {"schema": STR},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {**STR, "format": "binary"}}}},
                    "400": _error("a filter value that names nothing (detail.parameter and detail.valid say which "
                                  "and what is accepted), an unknown parameter or format"),
                    "405": NOT_ALLOWED}}},
            "/api/sparql/download": {
                "get": {"operationId": "sparqlDownloadGet", "tags": ["sparql"],
                        "summary": "A SPARQL query's results as a CSV or XLSX download — run exactly as /sparql runs "
                                   "it (read-only, same limits); numeric literals become number cells",
                        "parameters": _download_params(),
                        "responses": DOWNLOAD_RESPONSES},
                "post": {"operationId": "sparqlDownloadPost", "tags": ["sparql"],
                         "summary": "As GET, with the query in a form body (long queries)",
                         "requestBody": {"required": True, "content": {
                             "application/x-www-form-urlencoded": {"schema": {
                                 "type": "object", "required": ["query"],
                                 "properties": {p["name"]: p["schema"] for p in _download_params()}}}}},
                         "responses": {**DOWNLOAD_RESPONSES, "415": _error("a body that is not a form")}},
            },
            "/sparql": {
                "get": {"operationId": "sparqlGet", "tags": ["sparql"],
                        "summary": "SPARQL 1.1 Protocol query via GET (read-only, common prefixes predeclared); "
                                   "without a query: the service description",
                        "parameters": _sparql_params(), "responses": SPARQL_RESPONSES},
                "post": {"operationId": "sparqlPost", "tags": ["sparql"],
                         "summary": "SPARQL 1.1 Protocol query via POST: a form or a direct application/sparql-query "
                                    "body",
                         "parameters": _sparql_params()[1:],
                         "requestBody": {"required": True, "content": {
                             "application/x-www-form-urlencoded": {"schema": {
                                 "type": "object", "required": ["query"],
                                 "properties": {p["name"]: p["schema"] for p in _sparql_params()}}},
                             "application/sparql-update": {"schema": {
                                 **STR, "description": "SPARQL Update: always refused with 403 (read-only)"}},
                             "application/sparql-query": {"schema": STR}}},
                         "responses": SPARQL_RESPONSES},
            },
            "/id/{rest}": {"get": {
                "operationId": "dereference", "tags": ["linked data"],
                "summary": "Dereference an IRI minted under <base_iri>id/: its description as a small HTML page or "
                           "as RDF (content negotiation)",
                "parameters": [
                    _param("rest", "path", {**STR, "examples": ["case/case-01", "technology/solar-pv",
                                                                "case/case-01/outcome/0181-cebf8e"]},
                           "the IRI's path after id/ (may contain slashes)"),
                    FORMAT],
                "responses": {
                    "200": {"description": "the resource's outgoing triples, its neighbours' labels and the triples "
                                           "pointing at it", "content": {"text/html": {"schema": STR},
                                                                        **_rdf_content()}},
                    "400": _error("unknown format"), "404": _error("no such IRI in the graph"),
                    "405": NOT_ALLOWED, "406": _error("no acceptable format")}}},
            "/ontology": {"get": {
                "operationId": "ontology", "tags": ["linked data"],
                "summary": "The climatekg ontology (ontology/climatekg.ttl): Turtle, other RDF formats or HTML",
                "parameters": [FORMAT],
                "responses": {"200": {"description": "the ontology", "content": {
                    "text/html": {"schema": STR}, **_rdf_content()}},
                    "400": _error("unknown format"), "405": NOT_ALLOWED, "406": _error("no acceptable format")}}},
            "/health": {"get": {
                "operationId": "health", "tags": ["meta"],
                "summary": "This web worker is serving; which of its resources (store, cases, search, answerer, "
                           "SPARQL pool) are loaded. Never waits for one.",
                "responses": {"200": _json({"type": "object", "required": ["status", "pid", "ready", "loaded"],
                                            "properties": {
                    "status": {**STR, "enum": ["ok"]}, "pid": INT,
                    "ready": {**BOOL, "description": "every resource is loaded"},
                    "loaded": {"type": "object", "additionalProperties": BOOL}}}),
                    "400": BAD, "405": NOT_ALLOWED}}},
            "/openapi.json": {"get": {
                "operationId": "openapi", "tags": ["meta"], "summary": "This document",
                "responses": {"200": _json({"type": "object"}), "405": NOT_ALLOWED}}},
            **_ui_pages(),
        }),
        "components": {"schemas": SCHEMAS},
        "tags": [{"name": "cases"}, {"name": "search"}, {"name": "ask"}, {"name": "sparql"},
                 {"name": "linked data"}, {"name": "web interface"}, {"name": "meta"}],
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
