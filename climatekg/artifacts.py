"""Build outputs verified, not trusted: every manifest lists its files with their sha256 (like a wheel's RECORD).

The graph (``graph-manifest.json`` in the build dir) and the search index
(``index/manifest.json``) each record ``"sha256": {relative path: digest}``.
``climatekg build`` checks them and rebuilds what is damaged or missing;
``climatekg serve`` checks them before it starts and names the command that
repairs a damaged build.
"""

from __future__ import annotations

import json
from pathlib import Path

from climatekg.corpus.parse import sha256_file

CHECKSUMS = "sha256"  # the manifest key


def digests(folder: Path, exclude: tuple[str, ...] = ()) -> dict[str, str]:
    """{path relative to folder: sha256} of every file under ``folder`` (sorted), except ``exclude``."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() not in exclude}


def problems(folder: Path, manifest_name: str) -> list[str]:
    """What is wrong with the files ``folder/manifest_name`` lists (empty: all present and intact).

    Each entry names a file and what is wrong with it: the manifest missing or unreadable, a manifest
    without checksums (an older build), a listed file missing, or a file whose sha256 differs.
    """
    folder = Path(folder)
    path = folder / manifest_name
    if not path.is_file():
        return [f"{manifest_name} is missing"]
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return [f"{manifest_name} is not readable JSON"]
    listed = manifest.get(CHECKSUMS) if isinstance(manifest, dict) else None
    if not isinstance(listed, dict) or not listed:
        return [f"{manifest_name} lists no checksums (made by an older version)"]
    out = []
    for name, expected in sorted(listed.items()):
        file = folder / name
        if not file.is_file():
            out.append(f"{name} is missing")
        elif sha256_file(file) != expected:
            out.append(f"{name} is damaged (its sha256 differs from {manifest_name})")
    return out
