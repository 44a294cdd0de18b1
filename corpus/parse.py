"""Parse the vendored source text into the collection: foreword, 26 cases, closing note.

Structure of the source (PDF-extracted, every text line followed by a blank line):

* a foreword, then for each case: a title of one or two lines (its first line
  begins with the stray space the extraction leaves at the top of a page), the
  company line, and the seven part headings (``案例概述`` … ``专家点评``);
* a closing note about the CCCA network (a page starting with ``中国企业气候行动（CCCA）``);
* artifacts: page headers, vertical section labels (a digit, then one
  character per line), a repeated heading.

Any departure from that structure raises :class:`CorpusError` naming the line.

Other documents in the same format (next year's edition, an analyst's own
write-ups) go through :func:`parse_document`: any number of cases, no closing
note required, page headers learnt from the document itself, and a case that
cannot be parsed is skipped with the reason and line instead of stopping the
whole document.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .clean import PARA_END, clean_lines, is_page_header, split_paragraphs
from .model import PART_BY_HEADING, PART_KEYS, PART_ZH, Case, Collection, Paragraph, Part, SectionLabel

EXPECTED_CASES = 26
CLOSING_START = re.compile(r"^\s*中国企业气候行动（CCCA）")


class CorpusError(ValueError):
    """The source text is not what the parser expects; the message says what and where."""


class NotACaseCollection(CorpusError):
    """The file has none of the structure of a case collection."""


EXPECTED_LAYOUT = (
    "a case collection in the format of the vendored text: for each case a title (one or two lines), the "
    "company line, then the seven part headings on lines of their own: " + "、".join(PART_ZH[k] for k in PART_KEYS)
)


@dataclass(frozen=True)
class SkippedCase:
    """A case of an added document that could not be parsed (the others are kept)."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def read_source(path: Path, expected_sha256: str | None = None) -> tuple[str, list[str]]:
    """Read and check the source file; returns (sha256, lines)."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: source text not found")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if expected_sha256 and digest != expected_sha256:
        raise CorpusError(
            f"{path}: sha256 is {digest}, expected {expected_sha256} "
            f"({len(data):,} bytes) — the vendored source text was modified or truncated; "
            "restore it from shared/corpus (or git checkout data/source)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise CorpusError(f"{path}:{line}: not valid UTF-8 (byte {e.start}: {e.reason})") from None
    return digest, text.split("\n")


def parse_file(path: Path, expected_sha256: str | None = None) -> Collection:
    digest, lines = read_source(path, expected_sha256)
    return parse_lines(lines, digest, source=str(path))


def _section_label(lines: list[str], i: int) -> tuple[SectionLabel, list[int]] | None:
    """A margin label: a lone digit, then single characters one per line."""
    s = lines[i].strip()
    if not (len(s) == 1 and s.isdigit()):
        return None
    chars, used, j = [], [i + 1], i + 1
    while j < len(lines) and len(chars) < 8:
        t = lines[j].strip()
        if not t:
            used.append(j + 1)
            j += 1
            continue
        if len(t) == 1 and not t.isdigit():
            chars.append(t)
            used.append(j + 1)
            j += 1
            continue
        break
    if len(chars) < 2:
        return None
    return SectionLabel(number=int(s), name="".join(chars), line=i + 1), used


def parse_lines(lines: list[str], digest: str = "", source: str = "source") -> Collection:
    """The vendored collection: exactly 26 cases and the closing CCCA note; any departure is an error."""
    return _parse(lines, digest, source, strict=True)


def parse_document(path: Path, prefix: str, collection_id: str, display: str | None = None) -> tuple[Collection, list[SkippedCase]]:
    """An added document: any number of cases with ids ``case-<prefix>-01`` … by position in the file.

    Returns the collection of the cases that parsed and the cases skipped with their reason. A file with no
    case at all raises :class:`NotACaseCollection` naming the layout that was expected.
    """
    digest, lines = read_source(path)
    skipped: list[SkippedCase] = []
    coll = _parse(lines, digest, display or str(path), strict=False, prefix=prefix, collection_id=collection_id,
                  skipped=skipped)
    return coll, skipped


# a line ending in a page number (or starting with one): "2024 中国企业气候行动  12", "12  某某案例集"
_NUMBERED = re.compile(r"^\s*(?:(?P<a>\S.*?\S)[\s\u2002\u3000]+\d{1,3}|\d{1,3}[\s\u2002\u3000]+(?P<b>\S.*?\S))\s*$")


def learnt_page_headers(lines: list[str]) -> set[int]:
    """0-based indexes of running page headers: a short line whose text, page number aside, recurs on 3+ pages."""
    found: dict[str, list[int]] = {}
    for i, raw in enumerate(lines):
        m = _NUMBERED.match(raw)
        if m and len(raw.strip()) <= 40:
            key = "".join((m.group("a") or m.group("b")).split())
            if not key or key[-1] in PARA_END:
                continue
            found.setdefault(key, []).append(i)
    return {i for idx in found.values() if len(idx) >= 3 for i in idx}


def _title_start(content: list[tuple[int, str]], company_idx: int, strict: bool) -> int | None:
    """Index of a case title's first line above the company line.

    In the vendored text a title's first line starts a page with a stray space. Other documents may have lost
    that space: then the title is the one or two lines above the company line that do not end a sentence
    (the line before them ends the previous case's expert review, or the foreword).
    """
    for back in range(1, 4):
        j = company_idx - back
        if j < 0:
            break
        if content[j][1].startswith((" ", "\u3000")):
            return j
    if strict:
        return None
    first = None
    for back in range(1, 3):
        j = company_idx - back
        if j < 0:
            break
        t = content[j][1].strip()
        if not t or t[-1] in "。！？；;!?" or t in PART_BY_HEADING:
            break
        first = j
    return first


def _parse(lines: list[str], digest: str, source: str, strict: bool, prefix: str = "",
           collection_id: str = "ccca-2023", skipped: list[SkippedCase] | None = None) -> Collection:
    removed: dict[str, list[int]] = {"page_header": [], "section_label": [], "repeated_heading": []}
    labels: list[SectionLabel] = []
    content: list[tuple[int, str]] = []  # (1-based line, raw text) of lines that carry text
    skip: set[int] = set()
    headers = set() if strict else learnt_page_headers(lines)
    for i, raw in enumerate(lines):
        lineno = i + 1
        if lineno in skip or not raw.strip():
            continue
        if is_page_header(raw) or i in headers:
            removed["page_header"].append(lineno)
            continue
        lab = _section_label(lines, i)
        if lab:
            label, used = lab
            labels.append(label)
            removed["section_label"].extend(used)
            skip.update(used)
            continue
        content.append((lineno, raw))

    if not content:
        if strict:
            raise CorpusError(f"{source}: no text")
        raise NotACaseCollection(f"{source}: the file has no text — expected {EXPECTED_LAYOUT}")

    # -- case boundaries: every 案例概述 heading opens a case -------------------
    starts = [k for k, (_, t) in enumerate(content) if t.strip() == "案例概述"]
    closing_idx = next((k for k, (_, t) in enumerate(content) if CLOSING_START.match(t)), None)
    if strict and closing_idx is None:
        raise CorpusError(
            f"{source}: the closing CCCA note ('中国企业气候行动（CCCA）…') was not found — "
            f"the text ends at line {content[-1][0]}; is the file truncated?"
        )
    if closing_idx is None:
        closing_idx = len(content)
    if strict and len(starts) != EXPECTED_CASES:
        where = f"last case overview at line {content[starts[-1]][0]}" if starts else "none found"
        raise CorpusError(
            f"{source}: expected {EXPECTED_CASES} cases (one '案例概述' heading each), "
            f"found {len(starts)} ({where}; text ends at line {content[-1][0]})"
        )
    if not starts:
        found = sorted({t.strip() for _, t in content if t.strip() in PART_BY_HEADING})
        raise NotACaseCollection(
            f"{source}: not a case collection — no '案例概述' (case overview) heading in {len(content)} lines of text"
            + (f" (found only {', '.join(found)})" if found else "") + f"; expected {EXPECTED_LAYOUT}"
        )

    heads: list[tuple[int | None, int, int]] = []  # (title_first_idx, company_idx, overview_idx)
    for n, k in enumerate(starts):
        company_idx = k - 1
        first = _title_start(content, company_idx, strict) if company_idx >= 0 else None
        if first is None and strict:
            raise CorpusError(
                f"{source}:{content[k][0]}: case {n + 1}: no title found above the company line "
                f"{content[company_idx][0]} (a title's first line starts a page with a space)"
            )
        heads.append((first, company_idx, k))

    first_start = next((h[0] for h in heads if h[0] is not None), heads[0][2])
    foreword_lines = content[:first_start]
    closing_lines = content[closing_idx:]
    cases: list[Case] = []
    for n, (first, company_idx, k) in enumerate(heads):
        nxt = heads[n + 1] if n + 1 < len(heads) else None
        end = (nxt[0] if nxt[0] is not None else nxt[1]) if nxt else closing_idx
        case_id = f"case-{n + 1:02d}" if strict else f"case-{prefix}-{n + 1:02d}"
        try:
            if first is None:
                raise CorpusError(
                    f"{source}:{content[k][0]}: {case_id}: no title found above the company line "
                    f"{content[company_idx][0] if company_idx >= 0 else '?'} (expected one or two title lines "
                    "that do not end a sentence, then the company line, then 案例概述)"
                )
            title_lines = content[first:company_idx]
            title = clean_lines(title_lines).text
            company = clean_lines([content[company_idx]]).text
            body = content[k:end]
            parts = _parse_parts(case_id, body, removed, source)
        except CorpusError as e:
            if strict:
                raise
            line = int(m.group(1)) if (m := re.match(r"^.*?:(\d+):", str(e))) else content[k][0]
            reason = re.sub(r"^.*?:\d+: (case-[a-z0-9-]+: )?", "", str(e))
            skipped.append(SkippedCase(source, line, f"case {n + 1} ({case_id}): {reason}"))
            continue
        start_line, end_line = content[first][0], content[end - 1][0]
        case_labels = [lab for lab in labels if start_line <= lab.line <= end_line]
        cases.append(
            Case(
                id=case_id,
                number=n + 1,
                title=title,
                title_lines=(title_lines[0][0], title_lines[-1][0]),
                company=company,
                company_line=content[company_idx][0],
                start_line=start_line,
                end_line=end_line,
                parts=parts,
                section_labels=case_labels,
                collection=collection_id,
            )
        )
    if not strict and not cases:
        raise NotACaseCollection(
            f"{source}: none of its {len(starts)} case(s) could be parsed: " + "; ".join(str(x) for x in skipped)
            + f" — expected {EXPECTED_LAYOUT}"
        )

    return Collection(
        source_sha256=digest,
        line_count=len(lines),
        foreword=_paragraphs(foreword_lines),
        closing=_paragraphs(closing_lines),
        cases=cases,
        section_labels=labels,
        removed=removed,
    )


def _paragraphs(lines: list[tuple[int, str]]) -> list[Paragraph]:
    return [p for p in (clean_lines(g) for g in split_paragraphs(lines)) if p.text]


def _parse_parts(case_id: str, body: list[tuple[int, str]], removed, source) -> dict[str, Part]:
    parts: dict[str, Part] = {}
    current: Part | None = None
    buf: list[tuple[int, str]] = []

    def flush():
        if current is not None:
            current.paragraphs = _paragraphs(buf)

    for lineno, raw in body:
        key = PART_BY_HEADING.get(raw.strip())
        if key is not None:
            if current is not None and key == current.key:
                # the same heading printed twice in a row (page break): drop the repeat
                removed["repeated_heading"].append(lineno)
                continue
            if key in parts:
                raise CorpusError(f"{source}:{lineno}: {case_id}: heading '{raw.strip()}' appears twice")
            expected = PART_KEYS[len(parts)]
            if key != expected:
                raise CorpusError(
                    f"{source}:{lineno}: {case_id}: found heading '{raw.strip()}' where "
                    f"'{PART_ZH[expected]}' was expected"
                )
            flush()
            buf = []
            current = Part(key=key, heading_line=lineno)
            parts[key] = current
            continue
        buf.append((lineno, raw))
    flush()
    missing = [k for k in PART_KEYS if k not in parts]
    if missing:
        last = body[-1][0] if body else 0
        raise CorpusError(f"{source}:{last}: {case_id}: parts missing: {', '.join(missing)}")
    for key, part in parts.items():
        if not part.paragraphs:
            raise CorpusError(f"{source}:{part.heading_line}: {case_id}: part '{key}' is empty")
    return parts
