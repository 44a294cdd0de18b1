"""The `export` and `mcp` sub-commands (registered by cli.main): thin layers over graph/outcomes.py and
service/mcp_server.py.

    climatekg export outcomes --format xlsx --indicator capacity --place zhejiang -o capacity.xlsx
    climatekg export outcomes --case case-07,case-12 > outcomes.csv
    climatekg mcp                       # an MCP server on stdin/stdout, for an AI assistant
"""

from __future__ import annotations

import sys
from pathlib import Path

FORMATS = ("csv", "xlsx", "json")


def cmd_export(args, settings) -> int:
    import json

    from climatekg.graph.outcomes import FilterError, export, query_outcomes, resolve_filters
    from climatekg.graph.store import GraphMissing, open_store

    fmt = args.format or (Path(args.output).suffix.lstrip(".").lower() if args.output else "csv")
    if fmt not in FORMATS:
        print(f"error: cannot tell the format from {args.output!r}; give --format {'|'.join(FORMATS)}", file=sys.stderr)
        return 2
    if fmt == "xlsx" and not args.output:
        print("error: an xlsx file is binary — give -o FILE.xlsx", file=sys.stderr)
        return 2
    try:
        store = open_store(settings.build_dir, settings.sparql_engine)
        filters = resolve_filters(store, case=",".join(args.case) if args.case else None, indicator=args.indicator,
                                  section=args.section, technology=args.technology, place=args.place,
                                  year=args.year, projected=args.projected)
    except GraphMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except FilterError as e:
        print(f"error: --{e.parameter}: {e.message}", file=sys.stderr)
        return 2
    table = query_outcomes(store, filters)
    if fmt == "json":
        body = (json.dumps(table.to_json(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    else:
        body = export(table, fmt)
    if args.output:
        Path(args.output).write_bytes(body)
        print(f"{len(table.outcomes)} outcomes from {len(table.cases)} cases → {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0


def cmd_mcp(args, settings) -> int:
    from climatekg.service.mcp_server import run_stdio

    return run_stdio(settings)


def register(sub) -> None:
    e = sub.add_parser("export", help="write the quantified outcomes as CSV, XLSX or JSON")
    what = e.add_subparsers(dest="what", required=True)
    o = what.add_parser(
        "outcomes", help="outcomes with value, unit, indicator, year, period, quote and source lines",
        description="Filter values are ids or zh/en labels (as /api/outcomes takes them). XLSX has number cells, "
                    "the unit in its own column, a frozen header and a second sheet with the sources; CSV is "
                    "UTF-8 with a BOM, and text that looks like a formula is prefixed with an apostrophe.")
    o.add_argument("--format", choices=FORMATS, help="default: from the -o file's extension, else csv")
    o.add_argument("-o", "--output", help="file to write (default: standard output; required for xlsx)")
    o.add_argument("--case", action="append", help="case id(s), comma-separated or repeated (case-07)")
    o.add_argument("--indicator", help="indicator id or label (capacity, 装机容量 …)")
    o.add_argument("--section", help="section id or name (s4, Energy transition …)")
    o.add_argument("--technology", help="technology id or label; narrower technologies count")
    o.add_argument("--place", help="place id or label; places inside it count")
    o.add_argument("--year", help="the year a figure refers to")
    o.add_argument("--projected", choices=["true", "false"],
                   help="true: only projections and targets; false: only figures achieved")
    o.set_defaults(func=cmd_export)

    m = sub.add_parser(
        "mcp", help="serve the Model Context Protocol on stdin/stdout (for AI assistants; run 'climatekg build' first)",
        description="Tools search, ask, sparql, get_case, similar_cases, list_outcomes and resources for the "
                    "ontology and each case, over stdio. `climatekg serve` offers the same at /mcp (streamable HTTP).")
    m.set_defaults(func=cmd_mcp)
