"""What the sub-commands share: a terminal table, and the error that ends a command with a message."""

from __future__ import annotations

import unicodedata


class Failed(Exception):
    """A command cannot go on: ``climatekg`` prints ``error: <message>`` and exits with ``status``."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int) -> str:
    return s + " " * max(0, w - _width(s))


def format_table(variables: list[str], rows: list[list], max_col: int = 60) -> str:
    def cell(v):
        s = "" if v is None else str(v)
        s = s.replace("\n", " ")
        if _width(s) > max_col:
            out, w = "", 0
            for ch in s:
                w += _width(ch)
                if w > max_col - 1:
                    break
                out += ch
            s = out + "…"
        return s

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(variables)]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [" | ".join(_pad(h, w) for h, w in zip(variables, widths)), line]
    out += [" | ".join(_pad(c, w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join(out)
