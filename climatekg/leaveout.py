"""`climatekg eval --leave-out K`: how good is automatic metadata, measured on the 26 curated cases.

The 26 cases are split into ceil(26 / K) folds of about K cases (interleaved, so a fold spans sections). For
each fold the curated metadata of its cases is hidden (their [[case]] entries, and the [[org]] entries only
they use), and so are the vocabulary entries only those cases use (places, partners, recognitions, standards
in data/vocab/entities.toml, technology concepts in ontology/technologies.ttl). The whole collection is then
built into a temporary build directory exactly as 'climatekg build' does, and what automation produced for
the hidden cases is compared with the curated build (the normal build_dir):

* organisation: the automatic organisation's Chinese name is one of the curated organisation's names;
* technology, place, partner and recognition links, micro precision / recall / F1. The curated side is the
  dictionary links (ckg:locatedIn, ckg:partner, ckg:recognition); the automatic side adds what the fact
  extractors read from the text — project sites and mentioned places (sub-properties of ckg:locatedIn),
  partners, recognition events. Places are compared by administrative code (else by name without its
  administrative suffix), partners by name (graph/orgfacts.py's same_org), recognitions by title
  (graph/facts_eval.py's same_title); precision counts automatic links that match a curated one, recall
  curated links matched by an automatic one;
* section accuracy; quantified outcomes (value, unit, indicator) precision / recall;
* lookup MRR@10 of the search questions (data/eval/search_questions.toml) about the hidden cases, zh and en.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

LINKS = {"technology": "ckg:usesTechnology", "place": "ckg:locatedIn", "partner": "ckg:partner",
         "recognition": "ckg:recognition"}


def folds(case_ids: list[str], k: int) -> list[list[str]]:
    n = max(1, math.ceil(len(case_ids) / max(1, k)))
    return [case_ids[i::n] for i in range(n)]


# -- hiding the curated layer ------------------------------------------------------------------------------
_BLOCK = re.compile(r"^\[\[(\w+)\]\]\s*$|^\[([\w.]+)\]\s*$", re.M)


def _blocks(text: str) -> list[tuple[str | None, str]]:
    """Split a TOML file into (array-table name or None, text) blocks at [[name]] / [name] headers."""
    out, pos, name = [], 0, None
    for m in _BLOCK.finditer(text):
        out.append((name, text[pos:m.start()]))
        name, pos = m.group(1), m.start()
    out.append((name, text[pos:]))
    return out


def _id(block: str) -> str | None:
    m = re.search(r'^id\s*=\s*"([^"]+)"', block, re.M)
    return m.group(1) if m else None


def hidden_metadata(text: str, hide: set[str], metadata) -> str:
    """cases.toml without the [[case]] entries of ``hide`` and the [[org]] entries only they use."""
    keep_cases = [cm for cid, cm in metadata.cases.items() if cid not in hide]
    needed: set[str] = set()
    todo = [cm.org for cm in keep_cases]
    while todo:
        o = todo.pop()
        if o in needed:
            continue
        needed.add(o)
        om = metadata.orgs[o]
        todo += ([om.parent] if om.parent else []) + list(om.shareholders)
    out = []
    for name, block in _blocks(text):
        if name == "case" and _id(block) in hide:
            continue
        if name == "org" and _id(block) not in needed:
            continue
        out.append(block)
    return "".join(out)


def hidden_entities(text: str, drop: set[tuple[str, str]], vocab) -> str:
    """entities.toml without the entries in ``drop`` ((kind, id); places still someone's parent are kept)."""
    kind_of = {"place": "place", "partner": "org", "award": "award", "standard": "standard"}
    keep_parents = set()
    for p in vocab.places.values():
        if ("place", p.id) not in drop:
            parent = p.extra.get("parent")
            while parent:
                keep_parents.add(parent)
                parent = vocab.places[parent].extra.get("parent") if parent in vocab.places else None
    out = []
    for name, block in _blocks(text):
        if name in kind_of:
            key = (kind_of[name], _id(block))
            if key in drop and not (name == "place" and key[1] in keep_parents):
                continue
        out.append(block)
    return "".join(out)


def hidden_technologies(path: Path, drop: set[str], out_path: Path) -> None:
    from rdflib import Graph, URIRef
    from rdflib.namespace import SKOS

    from climatekg.graph.sparql_text import PREFIX_MAP

    g = Graph().parse(path, format="turtle")
    prefix = PREFIX_MAP["technology"]  # the scheme file's own base (graph/vocab.py reads it alike)
    broader_of_kept = {str(o) for s, o in g.subject_objects(SKOS.broader) if str(s)[len(prefix):] not in drop}
    for tid in drop:
        iri = URIRef(prefix + tid)
        if str(iri) in broader_of_kept:
            continue
        g.remove((iri, None, None))
        g.remove((None, None, iri))
    g.serialize(out_path, format="turtle")


def usage(collection, vocab) -> dict[tuple[str, str], set[str]]:
    """(kind, id) of every vocabulary entry → the cases whose text mentions it."""
    from climatekg.graph.vocab import Matcher

    m = Matcher([e for e in vocab.all() if not (e.kind == "org" and "meta" in e.extra)])
    used: dict[tuple[str, str], set[str]] = defaultdict(set)
    for case in collection.cases:
        for _, para in case.paragraphs():
            for _, _, e in m.find(para.text):
                used[(e.kind, e.id)].add(case.id)
    return used


# -- reading a build ---------------------------------------------------------------------------------------
# what each link kind is in a build: the automatic side also counts what the fact extractors link (project sites
# and mentioned places are sub-properties of ckg:locatedIn; partners and recognition events read from the text)
TRUTH_PATTERNS = {"place": "ckg:locatedIn", "partner": "ckg:partner", "recognition": "ckg:recognition"}
AUTO_PATTERNS = {"place": "ckg:locatedIn|ckg:projectSite|ckg:mentionsPlace", "partner": "ckg:partner",
                 "recognition": "ckg:recognition"}


def _facts(build_dir: Path, cases: set[str], engine: str, automatic: bool = False) -> dict[str, dict]:
    """Per case: technology ids; place keys (admin code, else the name without its administrative suffix);
    partner names; recognition titles; outcomes; the organisation's Chinese names and the section."""
    from climatekg.graph.facts_eval import norm_place
    from climatekg.graph.store import open_store

    store = open_store(build_dir, engine)
    out = {c: {k: set() for k in LINKS} | {"outcomes": set(), "org_names": set(), "section": None} for c in cases}
    values = " ".join(f'"{c}"' for c in sorted(cases))
    for r in store.query(f"SELECT ?id ?o WHERE {{ VALUES ?id {{ {values} }} ?c ckg:caseId ?id ; ckg:usesTechnology ?o }}").dicts():
        out[r["id"]]["technology"].add(r["o"].rsplit("/", 1)[-1])
    patterns = AUTO_PATTERNS if automatic else TRUTH_PATTERNS
    for r in store.query(f"""SELECT ?id ?o (SAMPLE(?code) AS ?k) (SAMPLE(?l) AS ?n) WHERE {{ VALUES ?id {{ {values} }}
            ?c ckg:caseId ?id ; {patterns["place"]} ?o . OPTIONAL {{ ?o ckg:adminCode ?code }}
            OPTIONAL {{ ?o rdfs:label ?l FILTER(lang(?l) = "zh") }} }} GROUP BY ?id ?o""").dicts():
        out[r["id"]]["place"].add(r["k"] or norm_place("".join((r["n"] or r["o"].rsplit("/", 1)[-1]).split())))
    for r in store.query(f"""SELECT ?id ?o (GROUP_CONCAT(DISTINCT ?l; separator="|") AS ?ls) WHERE {{ VALUES ?id {{ {values} }}
            ?c ckg:caseId ?id ; {patterns["partner"]} ?o . {{ ?o rdfs:label ?l }} UNION {{ ?o schema:alternateName ?l }}
            UNION {{ ?o skos:altLabel ?l }} }} GROUP BY ?id ?o""").dicts():
        out[r["id"]]["partner"].add(tuple(sorted({"".join(x.split()) for x in r["ls"].split("|") if x.strip()})))
    for r in store.query(f"""SELECT ?id ?o (GROUP_CONCAT(DISTINCT ?l; separator="|") AS ?ls) WHERE {{ VALUES ?id {{ {values} }}
            ?c ckg:caseId ?id ; {patterns["recognition"]} ?o . {{ ?o rdfs:label ?l }} UNION {{ ?o skos:altLabel ?l }}
            FILTER(lang(?l) = "zh") }} GROUP BY ?id ?o""").dicts():
        out[r["id"]]["recognition"].add(tuple(sorted({"".join(x.split()) for x in r["ls"].split("|") if x.strip()})))
    if automatic:
        for r in store.query(f"""SELECT ?id ?t WHERE {{ VALUES ?id {{ {values} }} ?c ckg:caseId ?id ;
                ckg:receivedRecognition/ckg:recognitionTitle ?t }}""").dicts():
            out[r["id"]]["recognition"].add(("".join(r["t"].split()),))
    for r in store.query(f"""SELECT ?id ?n ?s WHERE {{ VALUES ?id {{ {values} }} ?c ckg:caseId ?id ;
            ckg:inSection ?s ; ckg:organisation ?o . {{ ?o schema:name ?n }} UNION {{ ?o schema:alternateName ?n }}
            UNION {{ ?o rdfs:label ?n }} FILTER(lang(?n) = "zh") }}""").dicts():
        out[r["id"]]["org_names"].add("".join(r["n"].split()))
        out[r["id"]]["section"] = r["s"].rsplit("/", 1)[-1]
    for r in store.query(f"""SELECT ?id ?v ?u ?i WHERE {{ VALUES ?id {{ {values} }} ?c ckg:caseId ?id ;
            ckg:reportsOutcome ?o . ?o schema:value ?v ; ckg:unitSymbol ?u ; ckg:measures ?i }}""").dicts():
        out[r["id"]]["outcomes"].add((float(r["v"]), r["u"], r["i"].rsplit("/", 1)[-1]))
    return out


def _auto_org_name(build_dir: Path, cid: str, engine: str) -> str:
    from climatekg.graph.store import open_store

    rows = open_store(build_dir, engine).query(
        f'SELECT ?n WHERE {{ ?c ckg:caseId "{cid}" ; ckg:organisation/schema:name ?n FILTER(lang(?n) = "zh") }}').dicts()
    return "".join(rows[0]["n"].split()) if rows else ""


def _prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict:
    """Precision over what automation linked, recall over the curated links (the two differ when names, not ids,
    are matched: two extracted names may be one curated partner)."""
    p = tp_pred / n_pred if n_pred else 1.0
    r = tp_gold / n_gold if n_gold else 1.0
    return {"P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0, "tp_pred": tp_pred, "pred": n_pred,
            "tp_gold": tp_gold, "gold": n_gold}


def _same_partner(a: tuple, b: tuple) -> bool:
    from climatekg.graph.orgfacts import same_org

    def core(x):
        return re.sub(r"[（(][^）)]*[）)]", "", x)

    return any(x == y or same_org(x, y) or (core(x) and core(x) == core(y)) for x in a for y in b)


def _same_recognition(a: tuple, b: tuple) -> bool:
    from climatekg.graph.facts_eval import same_title

    return any(same_title(x, y) for x in a for y in b)


MATCH = {"partner": _same_partner, "recognition": _same_recognition}


def _matched(truth: set, auto: set, same) -> tuple[int, int]:
    """(automatic items that match a curated one, curated items matched by an automatic one)."""
    if same is None:
        both = len(truth & auto)
        return both, both
    return sum(any(same(a, t) for t in truth) for a in auto), sum(any(same(t, a) for a in auto) for t in truth)


def compare(truth: dict, auto: dict, auto_build: Path, engine: str) -> dict:
    counts = defaultdict(lambda: [0, 0, 0, 0])
    section_ok = org_ok = 0
    for cid, t in truth.items():
        a = auto[cid]
        for kind in list(LINKS) + ["outcomes"]:
            tp_pred, tp_gold = _matched(t[kind], a[kind], MATCH.get(kind))
            c = counts[kind]
            c[0] += tp_pred
            c[1] += len(a[kind])
            c[2] += tp_gold
            c[3] += len(t[kind])
        section_ok += t["section"] == a["section"]
        org_ok += _org_match(t, _auto_org_name(auto_build, cid, engine))
    n = len(truth)
    res = {k: _prf(*v) for k, v in counts.items()}
    res["organisation"] = _prf(org_ok, n, org_ok, n)
    res["section_accuracy"] = section_ok / n if n else 0.0
    res["links"] = _prf(*(sum(counts[k][i] for k in LINKS) + (org_ok if i % 2 == 0 else n) for i in range(4)))
    return res


def lookup_mrr(settings, questions: list[dict], cases: set[str], misses: list | None = None) -> dict:
    """(sum of reciprocal ranks, questions) per language; questions whose case is not first go to ``misses``."""
    from climatekg.embeddings.evaluate import ranking_metrics
    from climatekg.embeddings.search import SearchEngine

    engine = SearchEngine.load(settings)
    out = {}
    for lang in ("zh", "en"):
        qs = [q for q in questions if q["kind"] == "lookup" and q["lang"] == lang and set(q["relevant"]) <= cases]
        rr = []
        for q in qs:
            ranked = [r["case_id"] for r in engine.search(q["text"], k=10)["results"]]
            rr.append(ranking_metrics(ranked, set(q["relevant"]))["MRR@10"])
            if misses is not None and rr[-1] < 1.0:
                misses.append({"lang": lang, "question": q["text"], "relevant": q["relevant"], "top3": ranked[:3]})
        out[lang] = (sum(rr), len(rr))
    return out


def run(settings, k: int, progress=print, only_folds: list[int] | None = None) -> dict:
    from climatekg.build import build_graph, build_index
    from climatekg.config import ROOT
    from climatekg.embeddings.evaluate import load_questions
    from climatekg.graph.pipeline import load_inputs

    collection, metadata, vocab = load_inputs(settings)
    curated = [c.id for c in collection.cases if metadata.cases[c.id].origin == "curated"]
    used = usage(collection, vocab)
    questions = load_questions(ROOT / "data" / "eval" / "search_questions.toml")
    meta_text = Path(settings.metadata).read_text(encoding="utf-8")
    ent_text = Path(settings.entities).read_text(encoding="utf-8")
    rows = []
    mrr_sum = {"zh": [0.0, 0], "en": [0.0, 0]}
    all_folds = folds(curated, k)
    for i, hide in enumerate(all_folds):
        if only_folds and i + 1 not in only_folds:
            continue
        t0 = time.perf_counter()
        hide_set = set(hide)
        drop = {key for key, cs in used.items() if cs and cs <= hide_set}
        tmp = Path(tempfile.mkdtemp(prefix=f"climatekg-leaveout-{i + 1}-"))
        try:
            onto = tmp / "ontology"
            shutil.copytree(settings.ontology_dir, onto)
            hidden_technologies(settings.ontology_dir / "technologies.ttl", {kid for kind, kid in drop if kind == "technology"},
                                onto / "technologies.ttl")
            (tmp / "cases.toml").write_text(hidden_metadata(meta_text, hide_set, metadata), encoding="utf-8")
            vocab_dir = tmp / "vocab"  # the other vocabulary files (the gazetteer's names) come along unchanged
            shutil.copytree(Path(settings.entities).parent, vocab_dir)
            (vocab_dir / Path(settings.entities).name).write_text(hidden_entities(ent_text, drop, vocab), encoding="utf-8")
            fs = replace(settings, metadata=tmp / "cases.toml", entities=vocab_dir / Path(settings.entities).name,
                         ontology_dir=onto, build_dir=tmp / "build")
            build_graph(fs, force=True)
            build_index(fs, force=True)
            truth = _facts(settings.build_dir, hide_set, settings.sparql_engine)
            auto = _facts(fs.build_dir, hide_set, settings.sparql_engine, automatic=True)
            res = compare(truth, auto, fs.build_dir, settings.sparql_engine)
            res["lookup_misses"] = []
            res["mrr"] = lookup_mrr(fs, questions, hide_set, res["lookup_misses"])
            for lang, (s, n) in res["mrr"].items():
                mrr_sum[lang][0] += s
                mrr_sum[lang][1] += n
            res["cases"] = hide
            res["hidden_vocabulary"] = {kind: sum(1 for kd, _ in drop if kd == kind) for kind in sorted({kd for kd, _ in drop})}
            res["seconds"] = time.perf_counter() - t0
            rows.append(res)
            progress(format_row(f"fold {i + 1}", res))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    total = _total(rows)
    total["mrr"] = {lang: (s, n) for lang, (s, n) in mrr_sum.items()}
    return {"k": k, "folds": rows, "total": total}


def _org_match(t: dict, name: str) -> bool:
    return bool(name) and (name in t["org_names"] or any(name in n or n in name for n in t["org_names"] if len(n) >= 2))


def _total(rows: list[dict]) -> dict:
    out = {}
    for kind in list(LINKS) + ["outcomes", "organisation", "links"]:
        out[kind] = _prf(*(sum(r[kind][f] for r in rows) for f in ("tp_pred", "pred", "tp_gold", "gold")))
    n = sum(len(r["cases"]) for r in rows)
    out["section_accuracy"] = sum(r["section_accuracy"] * len(r["cases"]) for r in rows) / n if n else 0.0
    out["cases"] = [c for r in rows for c in r["cases"]]
    return out


HEADER = ("fold", "cases", "org", "tech P/R", "place P/R", "partner P/R", "recog P/R", "links F1", "section",
          "outcomes P/R", "MRR zh", "MRR en")


def format_row(name: str, r: dict) -> str:
    def pr(x):
        return f"{x['P']:.2f}/{x['R']:.2f}"

    def mrr(lang):
        s, n = r["mrr"][lang]
        return f"{s / n:.2f} ({n})" if n else "–"

    cells = (name, str(len(r["cases"])), f"{r['organisation']['R']:.2f}", pr(r["technology"]), pr(r["place"]),
             pr(r["partner"]), pr(r["recognition"]), f"{r['links']['F1']:.2f}", f"{r['section_accuracy']:.2f}",
             pr(r["outcomes"]), mrr("zh"), mrr("en"))
    return " | ".join(cells)


def format_report(res: dict) -> str:
    lines = [f"leave-out evaluation: {len(res['folds'])} folds of ~{res['k']} cases hidden (curated metadata and "
             "the vocabulary only they use)", " | ".join(HEADER)]
    for i, r in enumerate(res["folds"], start=1):
        lines.append(format_row(f"fold {i}", r) + f"   [{', '.join(r['cases'])}; hidden vocab {r['hidden_vocabulary']}]")
    lines.append(format_row("total", res["total"]))
    return "\n".join(lines)
