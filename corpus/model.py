"""Plain data classes for the parsed collection: cases, parts, paragraphs.

Every paragraph remembers, for each of its characters, the source line it came
from, so any quote or figure found in the clean text can cite its lines.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

# The seven parts of every case, in document order: (key, Chinese heading, English name).
PARTS: tuple[tuple[str, str, str], ...] = (
    ("overview", "案例概述", "Case overview"),
    ("profile", "机构简介", "Organisation profile"),
    ("results", "项目成果", "Results"),
    ("highlights", "项目亮点", "Highlights"),
    ("implementation", "项目实施", "Implementation"),
    ("impact", "项目影响力、可推广性与可持续性", "Impact, replicability and sustainability"),
    ("expert", "专家点评", "Expert review"),
)
PART_KEYS = tuple(p[0] for p in PARTS)

#: a case id: case-NN for the vendored collection, case-<source>-NN for added sources (NN: 2 digits or more)
CASE_ID_PATTERN = r"^case-(?:[a-z0-9-]+-)?[0-9]{2,}$"
PART_BY_HEADING = {p[1]: p[0] for p in PARTS}
PART_ZH = {p[0]: p[1] for p in PARTS}
PART_EN = {p[0]: p[2] for p in PARTS}


@dataclass(frozen=True)
class Paragraph:
    """A clean paragraph and the source line of each run of its characters.

    ``breaks`` is a sorted list of (offset, line): the characters from ``offset``
    up to the next break come from source line ``line``.
    """

    text: str
    breaks: tuple[tuple[int, int], ...]

    @property
    def start_line(self) -> int:
        return self.breaks[0][1]

    @property
    def end_line(self) -> int:
        return self.breaks[-1][1]

    def line_at(self, offset: int) -> int:
        """Source line of the character at ``offset``."""
        offsets = [b[0] for b in self.breaks]
        i = bisect.bisect_right(offsets, offset) - 1
        return self.breaks[max(i, 0)][1]

    def lines_of(self, start: int, end: int) -> tuple[int, int]:
        """First and last source line of the characters ``text[start:end]``."""
        return self.line_at(start), self.line_at(max(start, end - 1))


@dataclass
class Part:
    key: str
    heading_line: int
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def heading_zh(self) -> str:
        return PART_ZH[self.key]

    @property
    def heading_en(self) -> str:
        return PART_EN[self.key]

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def end_line(self) -> int:
        return self.paragraphs[-1].end_line if self.paragraphs else self.heading_line


@dataclass
class Case:
    id: str  # case-01 … case-26
    number: int
    title: str
    title_lines: tuple[int, int]
    company: str
    company_line: int
    start_line: int
    end_line: int
    parts: dict[str, Part]
    section_labels: list["SectionLabel"] = field(default_factory=list)
    collection: str = "ccca-2023"  # the document it comes from: the vendored collection or an added source

    def paragraphs(self):
        """(part, paragraph) pairs in document order."""
        for key in PART_KEYS:
            for para in self.parts[key].paragraphs:
                yield self.parts[key], para


@dataclass(frozen=True)
class SectionLabel:
    """A vertical section label printed in the page margin (e.g. "2 绿色制造")."""

    number: int
    name: str
    line: int


@dataclass
class Collection:
    source_sha256: str
    line_count: int
    foreword: list[Paragraph]
    closing: list[Paragraph]
    cases: list[Case]
    section_labels: list[SectionLabel]
    removed: dict[str, list[int]]  # artifact kind -> source lines removed
    sources: dict = field(default_factory=dict)  # collection id -> the added Source (corpus/sources.py)

    def case(self, case_id: str) -> Case:
        for c in self.cases:
            if c.id == case_id:
                return c
        raise KeyError(case_id)


SENTENCE = re.compile(r"[^。！？；!?;]*(?:[。！？；!?;]+[”’」』）)]*|$)")


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text`` (ends on 。！？；, keeping closing quotes)."""
    out = []
    for m in SENTENCE.finditer(text):
        if m.end() > m.start() and text[m.start():m.end()].strip():
            out.append((m.start(), m.end()))
    return out
