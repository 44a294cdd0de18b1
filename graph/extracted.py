"""What the text-only extractors read from each case, computed once per case text and code version.

The quantities (graph/quantities.py), places (graph/places.py), organisation facts, recognitions, targets and
partners of a case depend on nothing but its text, the gazetteer and the code — not on the vocabularies, the
metadata or the other cases. ``Extractions`` runs each extractor at most once per case in a process (the graph
builder and the automatic metadata share the results) and, given a folder, keeps the results on disk keyed by
the sha256 of the case (its text, lines and position in its source) and of the code and data the extractors
read (:func:`extraction_version`). So an add (`climatekg add`) reads only the new cases: the vendored
collection and the sources added before come from the cache. Linking the text to the vocabularies, merging
the graph and validating it stay global (graph/build.py): a new source's organisation can be a partner of an
old case.

A cache entry that cannot be read is computed again; entries are written atomically, so concurrent builds
(a staged add next to a serving checkout) never see half a file.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Callable

from climatekg.corpus.model import Case

FORMAT = 3  # bumped with every change of what an extractor returns (the code digest covers it too): 3 = the
# figures' base-symbol rates, tallies and head-noun measures together with the partners' own-group rule


def _extractors(gazetteer) -> dict[str, Callable[[Case], object]]:
    from .orgfacts import extract_org_facts
    from .partners import extract_partners
    from .places import case_places
    from .quantities import case_figures
    from .recognitions import extract_recognitions
    from .targets import extract_targets

    return {
        "figures": case_figures,
        "places": lambda case: case_places(case, gazetteer),
        "org_facts": extract_org_facts,
        "recognitions": extract_recognitions,
        "targets": extract_targets,
        "partners": extract_partners,
    }


def extraction_version(paths: list[Path]) -> str:
    """A digest of the files the extractors' results depend on (code, ontology, gazetteer data)."""
    h = hashlib.sha256(f"format {FORMAT}".encode())
    for p in sorted(set(paths)):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:20]


class Extractions:
    """``get(case, "figures" | "places" | "org_facts" | "recognitions" | "targets" | "partners")``."""

    def __init__(self, gazetteer, folder: Path | None = None, version: str = ""):
        self.gazetteer = gazetteer
        self.run = _extractors(gazetteer)
        self.folder = Path(folder) / version if folder is not None else None
        self.version = version
        self._keys: dict[int, tuple[Case, str]] = {}  # id(case) → (case, key): the case is kept so ids stay unique
        self._entries: dict[str, dict] = {}
        self._dirty: set[str] = set()
        self.computed = 0  # extractor runs in this process (what the cache did not have)
        self.loaded = 0  # cases whose entry came from disk

    def key(self, case: Case) -> str:
        hit = self._keys.get(id(case))
        if hit is None or hit[0] is not case:
            digest = hashlib.sha256(self.version.encode() + pickle.dumps(case, protocol=5)).hexdigest()
            hit = self._keys[id(case)] = (case, digest)
        return hit[1]

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.pickle"

    def _entry(self, key: str, case: bool = True) -> dict:
        entry = self._entries.get(key)
        if entry is None:
            entry = {}
            if self.folder is not None:
                try:
                    with open(self._path(key), "rb") as f:
                        entry = pickle.load(f)
                    self.loaded += case
                except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
                    entry = {}
            self._entries[key] = entry
        return entry

    def get(self, case: Case, what: str):
        key = self.key(case)
        entry = self._entry(key)
        if what not in entry:
            entry[what] = self.run[what](case)
            self.computed += 1
            self._dirty.add(key)
        return entry[what]

    def prefill(self, jobs: list[tuple[Case, tuple[str, ...]]], processes: int = 2) -> int:
        """Compute what the cache lacks of ``jobs`` ((case, extractor names)) in ``processes`` forked processes,
        one case at a time, largest first — the extractors are pure functions of the case text, so the results
        are those ``get`` would compute. In process where fork is unavailable or there is one case to do.
        Returns how many extractor runs were done."""
        import multiprocessing

        todo = []
        for case, whats in jobs:
            entry = self._entry(self.key(case))
            missing = tuple(w for w in whats if w not in entry)
            if missing:
                todo.append((case, missing))
        if len(todo) < 2 or processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
            for case, whats in todo:
                for what in whats:
                    self.get(case, what)
            return sum(len(w) for _, w in todo)
        import jieba
        import jieba.posseg  # noqa: F401 — loaded once here, shared by the forked processes

        jieba.setLogLevel(60)
        jieba.initialize()
        todo.sort(key=lambda cw: -sum(len(p.text) for _, p in cw[0].paragraphs()))
        global _PREFILL
        _PREFILL = (self, todo)
        try:
            with multiprocessing.get_context("fork").Pool(min(processes, len(todo)), initializer=_die_with_parent) as pool:
                for i, results in pool.imap_unordered(_prefill_one, range(len(todo))):
                    case, _ = todo[i]
                    key = self.key(case)
                    self._entry(key).update(results)
                    self.computed += len(results)
                    self._dirty.add(key)
        finally:
            _PREFILL = None
        return sum(len(w) for _, w in todo)

    def derived(self, name: str, inputs: object, compute: Callable[[], object]):
        """A result computed from ``inputs`` alone (their pickle is the key), kept beside the case entries — the
        section classifier's calibration over the curated cases, which every build with automatic cases needs."""
        key = hashlib.sha256(f"{self.version}:{name}:".encode() + pickle.dumps(inputs, protocol=5)).hexdigest()
        entry = self._entry(key, case=False)
        if "value" not in entry:
            entry["value"] = compute()
            self._dirty.add(key)
        return entry["value"]

    def save(self) -> int:
        """Write the entries that gained results; returns how many."""
        if self.folder is None:
            self._dirty.clear()
            return 0
        n = 0
        for key in sorted(self._dirty):
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp-{os.getpid()}")
            with open(tmp, "wb") as f:
                pickle.dump(self._entries[key], f, protocol=5)
            os.replace(tmp, path)
            n += 1
        self._dirty.clear()
        return n


_PREFILL: tuple[Extractions, list] | None = None  # what a forked prefill process reads (set by the parent)


def _die_with_parent() -> None:
    """A forked prefill process ends with the build that forked it (Linux), were that killed: it waits on the
    pool's queue, which its own copy of the pipe keeps open."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _prefill_one(i: int) -> tuple[int, dict]:
    x, todo = _PREFILL
    case, whats = todo[i]
    return i, {what: x.run[what](case) for what in whats}


__all__ = ["Extractions", "extraction_version"]
