"""`climatekg add / remove / sources` (registered by cli.main)."""

from __future__ import annotations

import json
import sys


def _error(e) -> int:
    print(f"error: {e}", file=sys.stderr)
    return 2


def cmd_add(args, settings) -> int:
    from climatekg.corpus.parse import CorpusError

    from .ingest import add_files

    try:
        res = add_files(settings, args.files)
    except CorpusError as e:
        return _error(f"{e}\nnothing was added; the previous build and sources are unchanged")
    if args.json:
        print(json.dumps({"added": [s.__dict__ for s in res.added],
                          "unchanged": [{"file": f, "source": s.id} for f, s in res.unchanged],
                          "cases": res.report, "seconds": round(res.seconds, 2)}, ensure_ascii=False, indent=1))
        return 0
    for f, s in res.unchanged:
        print(f"{f}: already added as source '{s.id}' (same sha256) — nothing to do")
    for s in res.added:
        print(f"added {s.original} as source '{s.id}' ({s.format}, sha256 {s.sha256[:12]}…): {len(s.cases)} case(s)"
              + (f", {len(s.skipped)} skipped" if s.skipped else ""))
        for sk in s.skipped:
            print(f"  skipped {s.original}:{sk['line']}: {sk['reason']}")
    for r in res.report:
        name_flag = {"romanised": " [romanised]", "dictionary": " [known name]"}.get(r["name_en_origin"], "")
        sec = f"{r['section']} (confidence {r['section_confidence']:.2f})" if r["section_confidence"] is not None else r["section"]
        print(f"  {r['case']}: {r['title_zh']}\n    organisation {r['name_zh']} → {r['name_en']}{name_flag}, {r['kind']}"
              f" ({r['org_origin']}); section {sec}")
        if r["candidate_technologies"]:
            print(f"    candidate technology terms not in the scheme: {', '.join(r['candidate_technologies'])}")
    if res.added:
        print(f"built in {res.seconds:.1f}s")
    return 0


def cmd_remove(args, settings) -> int:
    from climatekg.corpus.parse import CorpusError

    from .ingest import remove_source

    try:
        src = remove_source(settings, args.source)
    except CorpusError as e:
        return _error(e)
    print(f"removed source '{src.id}' ({src.original}, {len(src.cases)} case(s))")
    return 0


def cmd_sources(args, settings) -> int:
    from climatekg.corpus.parse import CorpusError, parse_file

    from .ingest import list_sources

    try:
        sources = list_sources(settings)
        vendored = parse_file(settings.source, settings.source_sha256)
    except CorpusError as e:
        return _error(e)
    rows = [{"id": "ccca-2023", "file": str(settings.source.name), "format": "text (vendored)",
             "sha256": vendored.source_sha256, "cases": len(vendored.cases), "skipped": 0}]
    rows += [{"id": s.id, "file": s.original, "format": s.format, "sha256": s.sha256, "cases": len(s.cases),
              "skipped": len(s.skipped)} for s in sources]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    from .cli_common import format_table

    print(format_table(["id", "file", "format", "sha256", "cases", "skipped"],
                       [[r["id"], r["file"], r["format"], r["sha256"][:12], r["cases"], r["skipped"]] for r in rows]))
    print(f"({sum(r['cases'] for r in rows)} cases; added sources in {settings.sources_dir})", file=sys.stderr)
    return 0


def register(sub) -> None:
    a = sub.add_parser("add", help="add case collections (text as extracted from a PDF, or the PDF) and rebuild")
    a.add_argument("files", nargs="+", metavar="FILE")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_add)

    r = sub.add_parser("remove", help="remove an added source (by id or file name) and rebuild")
    r.add_argument("source")
    r.set_defaults(func=cmd_remove)

    s = sub.add_parser("sources", help="list the vendored collection and the added sources with their case counts")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_sources)
