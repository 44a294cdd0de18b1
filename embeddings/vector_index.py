"""Dense vector index over normalised embeddings (inner product = cosine), FAISS backed.

``make_index(kind, dim)`` picks the FAISS structure: ``flat`` (exact; the
default at this size), ``hnsw`` or ``ivf`` for a larger corpus. The interface
is the same for all: ``add``, ``search``, ``save``, ``load``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _faiss():
    try:
        import faiss
    except ImportError as e:  # pragma: no cover - faiss-cpu is a hard dependency
        raise ImportError("FAISS is not available — install faiss-cpu") from e
    return faiss


class VectorIndex:
    def __init__(self, index, kind: str):
        self.index = index
        self.kind = kind

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        if self.kind == "ivf" and not self.index.is_trained:
            self.index.train(vectors)
        self.index.add(vectors)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) arrays of shape (n_queries, k); ids are -1 where fewer than k exist."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype="float32")
        k = max(1, min(k, self.size))
        return self.index.search(queries, k)

    def reconstruct_all(self) -> np.ndarray:
        return np.vstack([self.index.reconstruct(i) for i in range(self.size)]) if self.size else np.zeros((0, self.dimension), "float32")

    def save(self, path: Path) -> None:
        _faiss().write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str) -> "VectorIndex":
        return cls(_faiss().read_index(str(path)), kind)


def make_index(kind: str, dim: int, n_vectors: int = 0, threads: int = 2) -> VectorIndex:
    faiss = _faiss()
    faiss.omp_set_num_threads(max(1, threads))
    if kind == "flat":
        return VectorIndex(faiss.IndexFlatIP(dim), kind)
    if kind == "hnsw":
        idx = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        idx.hnsw.efSearch = 64
        return VectorIndex(idx, kind)
    if kind == "ivf":
        nlist = max(1, min(1024, int(np.sqrt(max(n_vectors, 1)))))
        quantizer = faiss.IndexFlatIP(dim)
        idx = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        idx.nprobe = max(1, nlist // 8)
        return VectorIndex(idx, kind)
    raise ValueError(f"unknown index type {kind!r} (flat, hnsw or ivf)")
