"""Search, similar-case and evaluation sub-commands (registered by cli.main)."""

from __future__ import annotations

import json
import re
import sys

from climatekg.corpus.model import CASE_ID_PATTERN
from .cli_common import Failed


def _engine(settings):
    from climatekg.embeddings.search import IndexMismatch, SearchEngine

    try:
        return SearchEngine.load(settings)
    except IndexMismatch as e:
        raise Failed(str(e)) from None


def _call(fn, *args, **kwargs):
    """``fn(...)``; a caller's mistake (empty or too long a query, an unknown filter or case) ends the command, and so
    does a graph query the runner stops (past ``sparql_timeout``, refused by the policy, no worker)."""
    from climatekg.embeddings.search import SearchInputError, UnknownCase
    from climatekg.graph.query import (FormNotAcceptable, QueryFailed, QueryOutOfMemory, QueryRefused, QueryTimeout,
                                       RunnerUnavailable)

    try:
        return fn(*args, **kwargs)
    except (SearchInputError, UnknownCase) as e:
        raise Failed(str(e)) from None
    except QueryTimeout as e:
        raise Failed(f"a graph query for the answer did not finish within {e.timeout:g} s (the limit: setting "
                     "sparql_timeout)", status=1) from None
    except (QueryRefused, FormNotAcceptable, QueryOutOfMemory, RunnerUnavailable, QueryFailed) as e:
        raise Failed(f"a graph query for the answer failed: {e}", status=1) from None


def _printed_json(args, res) -> bool:
    """With --json: the result as JSON on stdout (and True)."""
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    return args.json


def _answerer(settings, engine):
    """The answerer of the command line: graph answers through a query worker of its own, with /sparql's policy,
    time limit and row limit (``ask.answer.pool_runner``)."""
    from climatekg.ask.answer import Answerer

    return _call(Answerer.load, settings, engine=engine)


_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#x27": "'"}


def _terminal(highlighted: str) -> str:
    """The highlighted passage for a terminal: <mark> as bold yellow on a tty, [brackets] otherwise."""
    bold = sys.stdout.isatty()
    s = highlighted.replace("<mark>", "\033[1;33m" if bold else "[").replace("</mark>", "\033[0m" if bold else "]")
    return re.sub(r"&(amp|lt|gt|quot|#x27);", lambda m: _ENTITIES[m.group(1)], s)


def cmd_search(args, settings) -> int:
    res = _call(_engine(settings).search, args.query, k=args.k, section=args.section, technology=args.technology,
                location=args.location, year=args.year)
    if _printed_json(args, res):
        return 0
    if res["entities"]:
        print("linked: " + ", ".join(f"{m['matched']} → {m['kind']}:{m['id']}" for m in res["entities"]))
    for n, r in enumerate(res["results"], start=1):
        ranks = " ".join(f"{leg}={r['ranks'][leg] or '-'}" for leg in ("dense", "lexical", "entity"))
        print(f"\n{n}. {r['case_id']}  {r['title_zh']}\n    {r['title_en']} — {r['company_en']}   [{ranks}]")
        for p in r["passages"]:
            print(f"    · {p['part_zh']} (lines {p['start_line']}–{p['end_line']}): {_terminal(p['highlighted'])[:300]}")
    return 0


def cmd_similar(args, settings) -> int:
    target = "case_id" if re.match(CASE_ID_PATTERN, args.target) else "text"
    res = _call(_engine(settings).similar, **{target: args.target}, k=args.k)
    if _printed_json(args, res):
        return 0
    for n, r in enumerate(res["results"], start=1):
        print(f"{n}. {r['case_id']}  {r['title_zh']} / {r['title_en']}  (score {r['score']:.2f})")
        print(f"    {r['reason_zh']}\n    {r['reason_en']}")
    return 0


def blind_sets() -> tuple[str, ...]:
    """"default" and the blind question sets' halves on disk: qa-dev.jsonl is "blind-dev", qaN-test.jsonl is
    "blindN-test"."""
    import re

    from climatekg.config import ROOT

    found = (re.fullmatch(r"qa(\d*)-(dev|test)\.jsonl", f.name) for f in (ROOT / "data" / "eval" / "blind").iterdir())
    return ("default",) + tuple(sorted((f"blind{m.group(1)}-{m.group(2)}" for m in found if m),
                                       key=lambda s: (len(s.split("-")[0]), s)))


def cmd_eval_blind(args, settings) -> int:
    """A blind question set's half: blind-<half> is data/eval/blind/qa-<half>.jsonl (round 1), blindN-<half> is
    qaN-<half>.jsonl (round N, written later by another blind writer); scores by language and family."""
    from climatekg.ask.blind import evaluate, format_report, load
    from climatekg.config import ROOT

    prefix, half = args.set.split("-")
    name = "qa" + prefix.removeprefix("blind") + f"-{half}"
    engine = _engine(settings)
    qs = load(ROOT / "data" / "eval" / "blind" / f"{name}.jsonl")
    res = _call(evaluate, _answerer(settings, engine), qs, engine.entities)
    if not _printed_json(args, res):
        # the test half is held out: its questions are not printed unless asked for
        print(format_report(res, f"{name} ({len(qs)} questions)", show_failures=half == "dev" or args.failures))
    return 0


def cmd_eval(args, settings) -> int:
    if args.leave_out:
        return cmd_leave_out(args, settings)
    from climatekg.config import ROOT
    from climatekg.embeddings.evaluate import evaluate, format_report, load_questions

    from climatekg.ask.evaluate import run_cli as ask_eval

    if args.set.startswith("blind"):
        return cmd_eval_blind(args, settings)
    engine = _engine(settings)
    qs = load_questions(args.questions or ROOT / "data" / "eval" / "search_questions.toml")
    res = evaluate(engine, qs)
    if not _printed_json(args, res):
        print(f"retrieval evaluation: {len(qs)} questions, model {engine.manifest['model']}, {engine.manifest['chunks']} chunks")
        print(format_report(res))
    return ask_eval(args, settings)


def cmd_leave_out(args, settings) -> int:
    from climatekg.leaveout import HEADER, format_report, run

    print(" | ".join(HEADER), file=sys.stderr)
    res = run(settings, args.leave_out, progress=lambda m: print(m, file=sys.stderr, flush=True),
              only_folds=args.fold or None)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1, default=list))
    else:
        print(format_report(res))
    return 0


def cmd_ask(args, settings) -> int:
    engine = _engine(settings)
    query = _call(engine.analyse, args.question, "question")  # checked and analysed once, then answered
    res = _call(_answerer(settings, engine).ask, query)
    if _printed_json(args, res):
        return 0
    print(res["answer"])
    for c in res["citations"]:
        print(f"  [{c['case_id']} · {c['part_zh']} / {c['part_en']} · lines {c['start_line']}–{c['end_line']}] {c['quote'][:200]}")
    if res["sparql"]:
        print("\nSPARQL (edit and run with `climatekg query -`):\n" + res["sparql"])
    return 0


def register(sub) -> None:
    a = sub.add_parser("ask", help="ask a question in Chinese or English; answer with citations")
    a.add_argument("question")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_ask)

    s = sub.add_parser("search", help="hybrid search: cases with their best passages")
    s.add_argument("query")
    s.add_argument("--k", type=int, default=10)
    s.add_argument("--section")
    s.add_argument("--technology")
    s.add_argument("--location")
    s.add_argument("--year", type=int)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_search)

    m = sub.add_parser("similar", help="the cases most similar to a case id (case-07) or to a text, with what they share")
    m.add_argument("target", help="a case id such as case-07, or free text")
    m.add_argument("--k", type=int, default=5)
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=cmd_similar)

    e = sub.add_parser("eval", help="retrieval (and question-answering) evaluation on the evaluation sets")
    e.add_argument("--questions", help="search question set (default data/eval/search_questions.toml)")
    e.add_argument("--set", default="default", choices=blind_sets(),
                   help="default: the older retrieval and QA sets; blind-dev / blind-test: the first blind QA set's "
                        "halves; blindN-dev / blindN-test: the N-th set's")
    e.add_argument("--failures", action="store_true", help="list the failing questions of blind-test too")
    e.add_argument("--json", action="store_true")
    e.add_argument("--leave-out", type=int, metavar="K", help="hide the curated metadata (and the vocabulary only "
                   "they use) of K cases at a time, in folds covering all cases, and score the automatic metadata")
    e.add_argument("--fold", type=int, action="append", help="with --leave-out: run only this fold (repeatable)")
    e.set_defaults(func=cmd_eval)
