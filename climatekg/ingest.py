"""`climatekg add / remove / sources`: manage added case collections and rebuild incrementally.

An add or a remove is a transaction: the new ``sources_dir`` and ``build_dir`` are made next to the current
ones (copies, then the change, then the build) and swapped in only when the build has succeeded, so a failing
add leaves the previous build and sources untouched. Rebuilding is incremental: the vendored collection is
read as before (hash-pinned), unchanged texts are not embedded again (the vector cache is keyed by model and
text), and only the graph — seconds — is made afresh.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from climatekg.corpus.parse import CorpusError, NotACaseCollection, parse_document
from climatekg.corpus.sources import (
    Source, SourceError, pdf_text, read_registry, sha256_bytes, slugify, unique_id, write_registry,
)


class IngestError(CorpusError):
    """An add or remove that could not be done; nothing was changed."""


@dataclass
class AddResult:
    added: list[Source] = field(default_factory=list)
    unchanged: list[tuple[str, Source]] = field(default_factory=list)  # (file given, the source it already is)
    report: list[dict] = field(default_factory=list)  # automatic metadata of the new cases
    seconds: float = 0.0


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _text_of(path: Path, data: bytes) -> tuple[str, str]:
    """(format, text) of a file given to add: a PDF is extracted, anything else must be UTF-8 text."""
    if data[:5] == b"%PDF-":
        return "pdf", pdf_text(path)
    if b"\x00" in data[:4096]:
        raise NotACaseCollection(f"{path}: a binary file, not text or PDF — expected the text of a case collection "
                                 "(as extracted from its PDF) or the PDF itself")
    try:
        return "text", data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise NotACaseCollection(f"{path}:{line}: not UTF-8 text (byte {e.start}) — expected the UTF-8 text of a "
                                 "case collection or its PDF") from None


class _Transaction:
    """Staged copies of sources_dir and build_dir, swapped in by commit() or thrown away."""

    def __init__(self, settings):
        self.settings = settings
        tag = f"{os.getpid()}-{time.monotonic_ns()}"
        self.src = Path(settings.sources_dir)
        self.build = Path(settings.build_dir)
        self.src_new = self.src.parent / f".{self.src.name}.new-{tag}"
        self.build_new = self.build.parent / f".{self.build.name}.new-{tag}"
        if self.src.is_dir():
            shutil.copytree(self.src, self.src_new)
        else:
            self.src_new.mkdir(parents=True)
        if self.build.is_dir():
            shutil.copytree(self.build, self.build_new, symlinks=True)
        self.staged = replace(settings, sources_dir=self.src_new, build_dir=self.build_new)

    def commit(self) -> None:
        for new, cur in ((self.build_new, self.build), (self.src_new, self.src)):
            old = cur.parent / f".{cur.name}.old-{os.getpid()}"
            if cur.exists():
                os.replace(cur, old)
            os.replace(new, cur)
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.src_new, ignore_errors=True)
        shutil.rmtree(self.build_new, ignore_errors=True)


def _rebuild(staged, progress) -> None:
    from climatekg.build import build_graph_and_index
    from climatekg.graph.pipeline import BuildError

    try:
        build_graph_and_index(staged)
    except BuildError as e:
        raise IngestError(str(e)) from None


def add_files(settings, files: list[str | Path], progress=_progress) -> AddResult:
    """Add documents to ``sources_dir`` and rebuild; a file already added (same sha256) is a no-op."""
    t0 = time.perf_counter()
    res = AddResult()
    registry = read_registry(settings.sources_dir)
    by_sha = {s.sha256: s for s in registry}
    new: list[tuple[Path, bytes, str, str, str]] = []  # (path, data, digest, format, text)
    for f in files:
        path = Path(f)
        if not path.is_file():
            raise IngestError(f"{path}: no such file")
        data = path.read_bytes()
        digest = sha256_bytes(data)
        if digest in by_sha:
            res.unchanged.append((str(path), by_sha[digest]))
            continue
        if any(digest == d for _, _, d, _, _ in new):
            continue
        if settings.source_sha256 and digest == settings.source_sha256:
            raise IngestError(f"{path}: this is the vendored collection ({Path(settings.source).name}); it is always included")
        fmt, text = _text_of(path, data)
        new.append((path, data, digest, fmt, text))
    if not new:
        res.seconds = time.perf_counter() - t0
        return res

    tx = _Transaction(settings)
    try:
        taken = {s.id for s in registry}
        added: list[Source] = []
        for path, data, digest, fmt, text in new:
            sid = unique_id(slugify(path.name), taken, digest)
            taken.add(sid)
            text_bytes = text.encode("utf-8")
            src = Source(id=sid, file=f"{sid}.txt", sha256=digest, text_sha256=sha256_bytes(text_bytes),
                         original=path.name, format=fmt, stored=f"{sid}.pdf" if fmt == "pdf" else f"{sid}.txt")
            (tx.src_new / src.file).write_bytes(text_bytes)
            if fmt == "pdf":
                (tx.src_new / src.stored).write_bytes(data)
            coll, skipped = parse_document(tx.src_new / src.file, sid, src.collection_id, display=path.name)
            src.cases = [c.id for c in coll.cases]
            src.skipped = [{"line": s.line, "reason": s.reason} for s in skipped]
            for s in skipped:
                progress(f"skipped: {s}")
            progress(f"{path.name}: {len(coll.cases)} case(s) as {src.cases[0]} … {src.cases[-1]}"
                     + (f", {len(skipped)} skipped" if skipped else ""))
            added.append(src)
        write_registry(tx.src_new, registry + added)
        _rebuild(tx.staged, progress)
        from climatekg.graph.automatic import automatic_report
        from climatekg.graph.pipeline import load_inputs

        _, metadata, _ = load_inputs(tx.staged)
        res.report = automatic_report(metadata, [c for s in added for c in s.cases])
        tx.commit()
    except BaseException:
        tx.abort()
        raise
    res.added = added
    res.seconds = time.perf_counter() - t0
    return res


def find_source(settings, name: str) -> Source:
    registry = read_registry(settings.sources_dir)
    for s in registry:
        if name in (s.id, s.original, s.file, s.stored, s.collection_id) or Path(name).name == s.original:
            return s
    known = ", ".join(s.id for s in registry) or "none — 'climatekg add FILE' adds one"
    raise IngestError(f"no added source '{name}' (added sources: {known})")


def remove_source(settings, name: str, progress=_progress) -> Source:
    src = find_source(settings, name)
    tx = _Transaction(settings)
    try:
        registry = [s for s in read_registry(tx.src_new) if s.id != src.id]
        for f in {src.file, src.stored} - {""}:
            (tx.src_new / f).unlink(missing_ok=True)
        write_registry(tx.src_new, registry)
        _rebuild(tx.staged, progress)
        tx.commit()
    except BaseException:
        tx.abort()
        raise
    return src


def list_sources(settings) -> list[Source]:
    return read_registry(settings.sources_dir)


__all__ = ["AddResult", "IngestError", "SourceError", "add_files", "list_sources", "remove_source"]
