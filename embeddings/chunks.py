"""Case text → chunks on sentence boundaries, sized in the model's own tokens.

A chunk never crosses a part or a case; it keeps the case id, the part, its
source line span and its text. Sentences are packed until the next one would
pass ``max_tokens`` (prompt and special tokens included); consecutive chunks
share ``overlap`` sentences. A sentence longer than the limit is cut.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Callable

from climatekg.corpus.model import PART_KEYS, Collection, sentences

CHUNKER_VERSION = "sentences-v1"
@dataclass(frozen=True)
class Chunk:
    id: int
    case_id: str
    part: str
    start_line: int
    end_line: int
    text: str

    def to_json(self) -> dict:
        return asdict(self)


def make_chunks(collection: Collection, count_tokens: Callable[[str], int], max_tokens: int = 256,
                overlap: int = 1) -> list[Chunk]:
    chunks: list[Chunk] = []
    for case in collection.cases:
        for key in PART_KEYS:
            units = []  # (text, start_line, end_line, tokens) per sentence, paragraph breaks kept as boundaries
            for para in case.parts[key].paragraphs:
                for s, e in sentences(para.text):
                    text = para.text[s:e].strip()
                    l0, l1 = para.lines_of(s, e)
                    n = count_tokens(text)
                    if n <= max_tokens:
                        units.append((text, l0, l1, n))
                        continue
                    # cut an over-long sentence into pieces that fit
                    step = max(20, int(len(text) * (max_tokens - 8) / n))
                    for i in range(0, len(text), step):
                        piece = text[i:i + step]
                        a, b = para.lines_of(s + i, s + i + len(piece))
                        units.append((piece, a, b, count_tokens(piece)))
            i = 0
            while i < len(units):
                j, total = i, 0
                while j < len(units):
                    add = units[j][3] if j == i else count_tokens("".join(u[0] for u in units[i:j + 1]))
                    if j > i and add > max_tokens:
                        break
                    total = add
                    j += 1
                group = units[i:j]
                chunks.append(Chunk(len(chunks), case.id, key, min(u[1] for u in group), max(u[2] for u in group),
                                    "".join(u[0] for u in group)))
                if j >= len(units):
                    break
                i = max(i + 1, j - overlap)
    return chunks


def chunks_checksum(chunks: list[Chunk]) -> str:
    h = hashlib.sha256(CHUNKER_VERSION.encode())
    for c in chunks:
        h.update(json.dumps(c.to_json(), ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()
