"""The `serve` sub-command (registered by cli.main)."""

from __future__ import annotations


def register(sub) -> None:
    return None
