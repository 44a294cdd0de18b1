"""Undo the PDF extraction's damage to the text, one source line at a time.

The functions here know nothing about cases; they turn a run of source lines
into clean text whose every character is tagged with the line it came from.
"""

from __future__ import annotations

import re
import unicodedata

from .model import Paragraph

# A page header such as "2023 中国企业气候行动  24" (en-spaces before the page number).
PAGE_HEADER = re.compile(r"^\s*2023\s*中国企业气候行动[\s\u2002\u3000]*\d+\s*$")
# A list item marker at the start of a line: "1.\t", "2、", "（3）", "(4)", "①", "•".
LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.．、](?!\d)|（\d{1,2}）|\(\d{1,2}\)|[①-⑳]|[•●▪■◆])")
# Punctuation that ends a sentence or a clause that may end a paragraph.
PARA_END = set("。！？：；…”」』）)!?:;")

_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u3000]+")


def is_cjk(ch: str) -> bool:
    """True for Chinese characters and full-width punctuation (no spaces around them)."""
    if not ch:
        return False
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= o <= 0x4DBF
        or 0x3000 <= o <= 0x303F  # CJK punctuation
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
        or o in (0x201C, 0x201D, 0x2018, 0x2019, 0x2014, 0x2026, 0x00B7, 0x2022)  # “ ” ‘ ’ — … · •
        or 0x2460 <= o <= 0x24FF  # circled numbers
        or 0x3300 <= o <= 0x33FF  # CJK compatibility (㎡)
    )


def display_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s.strip())


def is_page_header(line: str) -> bool:
    return bool(PAGE_HEADER.match(line))


def clean_lines(lines: list[tuple[int, str]]) -> Paragraph:
    """Join source lines (line number, raw text) into one clean paragraph.

    - leading indentation and the PDF's stray leading space are dropped;
    - runs of white space become one space, and a space next to a Chinese
      character or full-width punctuation is removed (this undoes spaced-out
      characters such as ``能 链 智 电`` and ``2022 年`` alike);
    - lines are joined without a space, except between two Latin/digit tokens
      where the line ended in a space (``13.26 `` + ``MWp`` → ``13.26 MWp``).
    """
    chars: list[str] = []
    tags: list[int] = []
    for i, (lineno, raw) in enumerate(lines):
        text = raw.replace("\r", "")
        if i == 0:
            text = text.lstrip()
        else:
            text = text.lstrip(" \t\u3000")
        for ch in text:
            chars.append(ch)
            tags.append(lineno)
        # a line break acts as a potential space; it is dropped below unless it
        # separates two Latin/digit tokens
        if i < len(lines) - 1:
            chars.append("\n")
            tags.append(lineno)

    out_c: list[str] = []
    out_t: list[int] = []
    n = len(chars)
    i = 0
    while i < n:
        ch = chars[i]
        if ch in " \t\u00a0\u2002\u2003\u3000\n":
            j = i
            had_space = False
            while j < n and chars[j] in " \t\u00a0\u2002\u2003\u3000\n":
                had_space = had_space or chars[j] != "\n"
                j += 1
            prev = out_c[-1] if out_c else ""
            nxt = chars[j] if j < n else ""
            keep = prev and nxt and not is_cjk(prev) and not is_cjk(nxt)
            if keep and "\n" in chars[i:j] and not had_space:
                # a word or number broken across lines: rejoin without a space
                keep = False
            if keep and (prev in "(（[" or nxt in ")）],，.。:："):
                keep = False
            if keep:
                out_c.append(" ")
                out_t.append(tags[i])
            i = j
            continue
        out_c.append(ch)
        out_t.append(tags[i])
        i += 1

    text = "".join(out_c).strip()
    # strip() may only have removed spaces we never emit at the ends, so tags align
    breaks: list[tuple[int, int]] = []
    for off, line in enumerate(out_t[: len(text)]):
        if not breaks or breaks[-1][1] != line:
            breaks.append((off, line))
    if not breaks and lines:
        breaks.append((0, lines[0][0]))
    return Paragraph(text=text, breaks=tuple(breaks))


def normalise(s: str) -> str:
    """The clean form of a short string (title, company name) given as raw text."""
    return clean_lines([(0, s)]).text


def split_paragraphs(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Group the content lines of one part into paragraphs.

    The extraction lost paragraph breaks; they are recovered from layout: a new
    paragraph starts at a list marker, and after a line that ends a sentence
    while falling clearly short of the column's width (measured on its
    neighbours, since columns differ between parts and pages).
    """
    if not lines:
        return []
    widths = [display_width(t) for _, t in lines]
    groups: list[list[tuple[int, str]]] = [[lines[0]]]
    for i in range(1, len(lines)):
        prev = lines[i - 1][1].rstrip()
        cur = lines[i][1]
        lo, hi = max(0, i - 4), min(len(lines), i + 4)
        column = max(widths[lo:hi])
        short = widths[i - 1] <= column - 4
        new = False
        if LIST_MARKER.match(cur):
            new = True
        elif prev and prev[-1] in PARA_END and short:
            new = True
        elif LIST_MARKER.match(prev) and widths[i - 1] <= 24 and prev[-1] not in "，、,":
            new = True  # a short numbered heading such as "1.\t绿色能源" or "1.\t源"
        if new:
            groups.append([lines[i]])
        else:
            groups[-1].append(lines[i])
    return groups


def squash(s: str) -> str:
    """Remove all white space (used to compare hand-written strings with parsed ones)."""
    return _SPACES.sub("", s).replace("\n", "").replace(" ", "")
