"""Search, similar-case, ask, eval and serve sub-commands (registered by cli.main)."""

from __future__ import annotations


def register(sub) -> None:
    """Add the sub-commands that need the search stack."""
    return None
