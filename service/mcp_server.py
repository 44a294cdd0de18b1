"""A Model Context Protocol server over the collection, for AI assistants (the official ``mcp`` SDK).

    climatekg mcp                       # stdio: what an assistant launches (see README, "Use it from an assistant")
    POST /mcp  on `climatekg serve`     # streamable HTTP, mounted by service/asgi.py

Tools (each with a JSON schema from its signature; every result carries case ids, and the ones that read
text carry the quotes with their source lines):

    search          hybrid search — as GET /api/search
    ask             a question answered with citations — as /api/ask
    sparql          read-only SPARQL — as /sparql: same worker pool, refusals (update, SERVICE, foreign
                    FROM), size limit, timeout and row cap
    get_case        one case: parts with source lines, metadata, outcomes, linked entities — as /api/cases/<id>
    similar_cases   cases like a case or like a text — as /api/cases/<id>/similar and POST /api/similar
    list_outcomes   quantified outcomes, filtered — as GET /api/outcomes

Resources: ``climatekg://ontology`` (and its two SKOS schemes) as Turtle, ``climatekg://case/<id>`` per case
as JSON.

Every tool runs inside the Flask app's context and calls the function its HTTP route calls, with the
route's validation and limits, so the two can never disagree. A caller's mistake (an ``ApiError``) becomes a
tool error the model can read and correct; anything else is reported by the SDK as a generic failure.

(No ``from __future__ import annotations`` here: the SDK reads the tools' annotations, which use names local
to ``create_mcp_server``, to build their JSON schemas.)
"""

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from climatekg import __version__
from climatekg.corpus.model import CASE_ID_PATTERN

from .errors import ApiError, BadRequest

SERVER_NAME = "climatekg"
TOOL_OUTCOME_LIMIT = (1, 1000)
TOOL_SPARQL_ROWS = 200  # default rows for an assistant (the configured sparql_max_rows is the cap)
INSTRUCTIONS = """\
climatekg answers questions about the 26 cases of the 2023 China Corporate Climate Action collection
(2023 中国企业气候行动, in Chinese; English metadata is provided). Every fact comes from the source text and
carries a quote and its source line numbers: cite them as (case id, lines a–b).
Use `ask` for a question in Chinese or English, `search` to find cases and passages, `get_case` for a whole
case, `similar_cases` for related cases, `list_outcomes` for quantified figures (value, unit, indicator,
year, annual/cumulative/projected) and `sparql` for anything else (read-only; prefixes ckg:, schema:, skos:,
dcterms:, case:, technology:, place:, indicator: … are predeclared; read climatekg://ontology first).
"""
ONTOLOGY_FILES = {"ontology": ("climatekg.ttl", "The climatekg OWL ontology (classes and properties)"),
                  "ontology/indicators": ("indicators.ttl", "SKOS scheme of the outcome indicators"),
                  "ontology/technologies": ("technologies.ttl", "SKOS scheme of technologies and measures")}


def create_mcp_server(app):
    """The MCP server of a Flask app made by ``create_app`` (tools and resources use its resources)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceError, ToolError
    from mcp.server.mcpserver.resources import FunctionResource
    from mcp.types import ToolAnnotations

    from . import api_outcomes
    from .api_cases import case_detail
    from climatekg.embeddings.search import MAX_QUERY_CHARS, MAX_TEXT_CHARS, SEARCH_K, SIMILAR_K

    from .api_search import MAX_FILTER_CHARS, engine
    from .api_search import call_mapped as search_call
    from .params import int_param, text_param

    settings = app.config["SETTINGS"]
    server = MCPServer(SERVER_NAME, title="China corporate climate action cases (climatekg)",
                       version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    def call(fn, *args, **kwargs):
        """Run ``fn`` in the app's context; a caller's mistake becomes a tool error with the API's message."""
        with app.app_context():
            try:
                return fn(*args, **kwargs)
            except ApiError as e:
                raise ToolError(f"{e.message} ({e.code}, HTTP {e.status})") from None

    Text = Annotated[str | None, Field(max_length=MAX_FILTER_CHARS)]

    @server.tool(annotations=read_only)
    def search(
        query: Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS,
                                    description="keywords or a question, Chinese or English")],
        k: Annotated[int, Field(ge=SEARCH_K[0], le=SEARCH_K[1], description="how many cases")] = 10,
        section: Annotated[Text, Field(description="only this section: s1 … s5 or its zh/en name")] = None,
        technology: Annotated[Text, Field(description="only cases using this technology (id such as solar-pv, "
                                                      "or a zh/en label; narrower ones count)")] = None,
        location: Annotated[Text, Field(description="only cases linked to this place (id such as zhejiang, "
                                                    "or a label)")] = None,
        year: Annotated[int | None, Field(ge=1900, le=2100, description="only cases mentioning this year")] = None,
    ) -> dict[str, Any]:
        """Hybrid (semantic + keyword + entity) search over the 26 cases. Returns ranked cases (case_id,
        titles, company, section) with their best passages: text, case part and source lines."""
        def run():
            q = text_param("query", MAX_QUERY_CHARS, required=True, value=query)
            kk = int_param("k", 10, *SEARCH_K, value=k)
            filters = {name: text_param(name, MAX_FILTER_CHARS, value=value)
                       for name, value in (("section", section), ("technology", technology), ("location", location))}
            return search_call(engine().search, q, k=kk, year=year, **filters)

        return call(run)

    @server.tool(annotations=read_only)
    def ask(question: Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS,
                                           description="a question in Chinese or English")]) -> dict[str, Any]:
        """Answer a question from the collection, in the question's language, with citations (case id, quote,
        source lines). Structured questions are answered from the graph and return the SPARQL used and its
        rows. `answered` is false when the collection does not answer the question."""
        from .api_ask import answer

        return call(lambda: answer(text_param("question", MAX_QUERY_CHARS, required=True, value=question)))

    @server.tool(annotations=read_only)
    def sparql(
        query: Annotated[str, Field(min_length=1, description="a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or "
                                                              "DESCRIBE); the common prefixes are predeclared")],
        max_rows: Annotated[int, Field(ge=1, le=settings.sparql_max_rows,
                                       description="rows to return at most (truncated says if more exist)")]
        = min(TOOL_SPARQL_ROWS, settings.sparql_max_rows),
        timeout: Annotated[float | None, Field(gt=0, le=settings.sparql_timeout,
                                               description="seconds; at most the service's limit")] = None,
    ) -> dict[str, Any]:
        """Run a read-only SPARQL query on the knowledge graph, with the limits and refusals of the /sparql
        endpoint (no SPARQL Update, SERVICE or foreign FROM). Outcomes (ckg:QuantifiedOutcome) carry
        ckg:quote, ckg:startLine and ckg:endLine; links carry ckg:Evidence nodes with the same. Rows come
        as {variable: value}; numbers as numbers."""
        from climatekg.graph.tables import term_value

        result = call(api_outcomes.run_sparql, query, timeout=timeout, max_rows=max_rows)
        out = {"form": result["form"], "truncated": result["truncated"], "engine": result["engine"]}
        if result["kind"] == "ASK":
            out["boolean"] = result["boolean"]
        else:
            out["variables"] = result["variables"]
            out["rows"] = [{v: term_value(t) for v, t in zip(result["variables"], row) if t is not None}
                           for row in result["rows"]]
        return out

    @server.tool(annotations=read_only)
    def get_case(case_id: Annotated[str, Field(pattern=CASE_ID_PATTERN, description="case-01 … case-26")]
                 ) -> dict[str, Any]:
        """One case in full: titles and summary (zh/en), company, section, its seven parts as paragraphs with
        source lines, its quantified outcomes (with quotes) and linked entities with their evidence."""
        return call(case_detail, case_id)

    @server.tool(annotations=read_only)
    def similar_cases(
        case_id: Annotated[str | None, Field(pattern=CASE_ID_PATTERN, description="a case id, or leave out and "
                                                                                   "give text")] = None,
        text: Annotated[str | None, Field(max_length=MAX_TEXT_CHARS, description="Chinese or English text to "
                                                                                 "match instead of a case")] = None,
        k: Annotated[int, Field(ge=SIMILAR_K[0], le=SIMILAR_K[1], description="how many cases")] = 5,
    ) -> dict[str, Any]:
        """The cases most like one case (case_id) or like a piece of text: each with its case id, titles, a
        text and a graph score, what it shares (technologies, section, indicators, places, partners) and why."""
        from .api_cases import find_case

        def run():
            if (case_id is None) == (text is None or not text.strip()):
                raise BadRequest("give exactly one of case_id and text")
            kk = int_param("k", 5, *SIMILAR_K, value=k)
            if case_id is not None:
                find_case(case_id)  # a NotFound naming the valid ids
                return search_call(engine().similar, case_id=case_id, k=kk)
            return search_call(engine().similar, text=text_param("text", MAX_TEXT_CHARS, required=True, value=text),
                               k=kk)

        return call(run)

    @server.tool(annotations=read_only)
    def list_outcomes(
        case: Annotated[list[Annotated[str, Field(pattern=CASE_ID_PATTERN)]] | None,
                        Field(max_length=100, description="only these cases")] = None,
        indicator: Annotated[Text, Field(description="indicator id (capacity, co2-reduction, power-generation, "
                                                     "energy-saved, …) or its zh/en label")] = None,
        section: Annotated[Text, Field(description="section id s1 … s5 or its zh/en name")] = None,
        technology: Annotated[Text, Field(description="technology id or label (the cases using it)")] = None,
        place: Annotated[Text, Field(description="place id or label (the cases linked to it or a place in it)")]
        = None,
        year: Annotated[int | None, Field(ge=1900, le=2100, description="the year a figure refers to")] = None,
        projected: Annotated[bool | None, Field(description="true: only projections/targets; false: only "
                                                            "figures achieved")] = None,
        limit: Annotated[int, Field(ge=TOOL_OUTCOME_LIMIT[0], le=TOOL_OUTCOME_LIMIT[1],
                                    description="outcomes to return at most (total says how many match)")] = 100,
    ) -> dict[str, Any]:
        """Quantified outcomes read from the case texts (value in a base unit, unit, indicator, period, year,
        approximate, projected, the figure as printed, the quote and its source lines), filtered; also the
        cases they come from and links to download the same selection as CSV or XLSX from the service."""
        args = {"case": case, "indicator": indicator, "section": section, "technology": technology,
                "place": place, "year": year, "projected": projected}
        table = call(api_outcomes.outcomes_table, args, limit=limit)
        return {**table.to_json(), "download": api_outcomes.download_paths(args)}

    # -- resources ---------------------------------------------------------------------------------------
    ontology_dir = Path(settings.ontology_dir)
    for path, (filename, description) in ONTOLOGY_FILES.items():
        file = ontology_dir / filename
        server.add_resource(FunctionResource.from_function(
            fn=lambda file=file: file.read_text(encoding="utf-8"), uri=f"climatekg://{path}",
            name=path.replace("/", "-"), description=description, mime_type="text/turtle"))

    from climatekg.graph.outcomes import vocabulary

    from .resources import get_store

    with app.app_context():
        cases = vocabulary(get_store()).cases

    def read_case(case_id: str) -> str:
        with app.app_context():
            try:
                return json.dumps(case_detail(case_id), ensure_ascii=False)
            except ApiError as e:
                raise ResourceError(e.message) from None

    for cid, rec in cases.items():
        server.add_resource(FunctionResource.from_function(
            fn=lambda cid=cid: read_case(cid), uri=f"climatekg://case/{cid}", name=cid,
            title=f"{cid}: {rec['title_en']} — {rec['company_en']}",
            description=f"{rec['title_zh']} ({rec['company_zh']}): the case's text by part with source lines, "
                        f"metadata, outcomes and linked entities", mime_type="application/json"))
    return server


def run_stdio(settings) -> int:
    """``climatekg mcp``: check the build, then serve MCP over stdin/stdout until the client closes it."""
    from .app import create_app
    from .serve import report_build

    if not report_build(settings):
        return 2
    server = create_mcp_server(create_app(settings))
    server.run("stdio")  # the SPARQL worker processes are stopped at exit (QueryRunner's finalizer)
    return 0
