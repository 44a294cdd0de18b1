"""Added case collections: the files in ``sources_dir`` and the registry that lists them.

``sources_dir`` (default ``data/sources/``) holds each added document as it was given (``<id>.txt`` or
``<id>.pdf``), the text the parser reads (``<id>.txt``, extracted from a PDF where needed) and
``sources.json``: per source its id, original file name, sha256 of the file as given and of the text, the
ids of the cases it contributed and the cases that were skipped with their reason. The vendored collection is
not in the registry; it stays pinned by its hash in the settings.

A source's id is a slug of its file name (made unique); its cases are ``case-<id>-01`` … numbered by
position in the file, so ids never depend on what else was added or removed.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .model import Collection
from .parse import CorpusError, SkippedCase, parse_document, parse_file

REGISTRY = "sources.json"
SLUG_MAX = 32


class SourceError(CorpusError):
    """An added source is missing, changed on disk, or cannot be read."""


@dataclass
class Source:
    id: str
    file: str  # the text the parser reads, relative to sources_dir
    sha256: str  # of the file as given (the PDF for a PDF) — what makes adding it twice a no-op
    text_sha256: str
    original: str  # the name it was added under
    format: str  # "text" | "pdf"
    cases: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"line", "reason"}
    stored: str = ""  # the file as given, relative to sources_dir (the PDF for a PDF)

    @property
    def collection_id(self) -> str:
        return f"source-{self.id}"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_registry(sources_dir: Path) -> list[Source]:
    path = Path(sources_dir) / REGISTRY
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise SourceError(f"{path}: not valid JSON ({e}) — restore it or remove {sources_dir}") from None
    return [Source(**s) for s in data.get("sources", [])]


def write_registry(sources_dir: Path, sources: list[Source]) -> None:
    path = Path(sources_dir) / REGISTRY
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"format": 1, "sources": [asdict(s) for s in sources]}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def slugify(name: str) -> str:
    """An ascii id from a file name: ``CCCA 2024 案例集.txt`` → ``ccca-2024``; Chinese names go through pinyin."""
    stem = Path(name).stem
    if any(ord(ch) > 127 for ch in stem):
        try:
            from pypinyin import lazy_pinyin

            stem = "-".join(lazy_pinyin(stem))
        except ImportError:
            pass
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug[:SLUG_MAX].strip("-") or "source"


def unique_id(slug: str, taken: set[str], digest: str) -> str:
    if slug not in taken:
        return slug
    return f"{slug}-{digest[:6]}"


def pdf_text(path: Path) -> str:
    """The text of a PDF (PDFium, via pypdfium2), page by page, in the layout of the vendored text: one text
    line per line with a blank line after each, a page's first line starting with a space."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - declared as a dependency
        raise SourceError("reading PDFs needs pypdfium2 — pip install pypdfium2") from None
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        raise SourceError(f"{path}: not a readable PDF ({e})") from None
    out: list[str] = []
    try:
        for page in doc:
            text = page.get_textpage().get_text_range()
            lines = [t for t in re.split(r"\r\n|\r|\n", text) if t.strip()]
            for i, t in enumerate(lines):
                out += [(" " + t.lstrip()) if i == 0 else t, ""]
    finally:
        doc.close()
    return "\n".join(out)


def parse_source(sources_dir: Path, src: Source) -> tuple[Collection, list[SkippedCase]]:
    path = Path(sources_dir) / src.file
    if not path.is_file():
        raise SourceError(f"{path}: added source '{src.id}' is missing — add it again or 'climatekg remove {src.id}'")
    data = path.read_bytes()
    if sha256_bytes(data) != src.text_sha256:
        raise SourceError(f"{path}: sha256 does not match {REGISTRY} — the added text was modified; "
                          f"'climatekg remove {src.id}' and add it again")
    return parse_document(path, src.id, src.collection_id, display=src.original)


def load_collection(settings) -> Collection:
    """The vendored collection (hash-pinned) followed by every added source, as one collection."""
    base = parse_file(settings.source, settings.source_sha256)
    sources = read_registry(settings.sources_dir)
    if not sources:
        return base
    cases = list(base.cases)
    for src in sources:
        coll, _ = parse_source(settings.sources_dir, src)
        cases.extend(coll.cases)
    return Collection(source_sha256=base.source_sha256, line_count=base.line_count, foreword=base.foreword,
                      closing=base.closing, cases=cases, section_labels=base.section_labels, removed=base.removed,
                      sources={s.collection_id: s for s in sources})


def source_files(settings) -> list[Path]:
    """Every file the collection is read from (for build fingerprints and the raw-text check in ask)."""
    out = [Path(settings.source)]
    reg = Path(settings.sources_dir) / REGISTRY
    if reg.is_file():
        out.append(reg)
        out += [Path(settings.sources_dir) / s.file for s in read_registry(settings.sources_dir)]
    return out


def sources_fingerprint(settings) -> str:
    """A digest of the added sources (the registry lists each text's sha256, checked when it is read);
    independent of where sources_dir is, so a staged build stays valid once swapped in."""
    reg = Path(settings.sources_dir) / REGISTRY
    return sha256_bytes(reg.read_bytes())[:16] if reg.is_file() else "none"
