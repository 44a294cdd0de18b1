"""Clauses and sentences of a Chinese text: the one scanner the fact extractors share.

A clause runs between two of ，；。！？ (and a line break); a sentence between two of 。！？； (and a line
break). The place extractor also ends a clause at a colon (“基地：山东济南” names a site after it); the
recognition extractor also cuts before a list number (“…认证2. 2023年获…”) — both pass their extra cuts.
"""

from __future__ import annotations

import re
from typing import Iterator

CLAUSE_END = "，,；;。！？!?\n"
SENTENCE_END = "。！？!?\n；;"


def clause_bounds(text: str, i: int, ends: str = CLAUSE_END) -> tuple[int, int]:
    """(start, end) of the clause around position ``i``."""
    a = i
    while a > 0 and text[a - 1] not in ends:
        a -= 1
    b = i
    while b < len(text) and text[b] not in ends:
        b += 1
    return a, b


def sentence_bounds(text: str, i: int) -> tuple[int, int]:
    """(start, end) of the sentence around position ``i``."""
    return clause_bounds(text, i, SENTENCE_END)


def clauses(text: str, cut_before: re.Pattern | None = None, ends: str = CLAUSE_END) -> Iterator[tuple[int, int]]:
    """(start, end) of each non-blank clause; ``cut_before`` adds cuts before each of its matches."""
    cuts = {i for i, ch in enumerate(text) if ch in ends}
    if cut_before is not None:
        cuts |= {m.start() for m in cut_before.finditer(text)}
    start = 0
    for i in sorted(cuts) + [len(text)]:
        if i > start and text[start:i].strip():
            yield start, i
        start = i + 1 if i < len(text) and text[i] in ends else i
