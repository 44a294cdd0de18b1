"""The build's second process: the passage encoder, loaded once, beside the graph build.

`climatekg build` and `climatekg add` / `remove` start it first. It loads the passage encoder (torch and
sentence-transformers: most of a process's start-up), embeds the collection's chunks and sentences into the
vector cache — they depend on the source text alone, so this runs while the graph is built — and then
answers the index build's requests for the texts that need the graph (the cases' cards and summaries) from
that cache or by embedding them. The build process itself never loads torch: it sizes chunks with the model's
own tokenizer (``lean_encoder``; through the worker for models it does not read) and gets its vectors here.

    worker = PassageWorker.start(settings)   # spawned: loads the model, embeds the source text
    ...                                      # build the graph
    build_indexes(settings, encoder=worker.encoder())
    worker.close()

A worker that fails or dies costs only time: its client raises ``WorkerGone`` and the caller embeds in process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

class WorkerGone(RuntimeError):
    """The passage worker exited or failed; the message says why."""


def _serve(settings, conn, prefetch: bool) -> None:  # the child process
    from .build import passage_cache_name, prefetch_vectors
    from .encoder import VectorCache, load_encoder, resolve_model

    try:
        encoder = load_encoder(settings, passages=True)
        cache = VectorCache(Path(settings.cache_dir) / "vectors", passage_cache_name(settings, resolve_model(settings)[1]))
        prefetched = prefetch_vectors(settings, encoder) if prefetch else 0
        conn.send(("ready", {"name": encoder.name, "dimension": encoder.dimension, "prefetched": prefetched}))
    except BaseException as e:  # noqa: BLE001 — reported to the parent, which embeds in process instead
        conn.send(("error", f"{type(e).__name__}: {e}"))
        return
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        op, texts = msg
        try:
            if op == "passages":
                conn.send(("ok", cache.encode_passages(encoder, texts)))
            elif op == "count_tokens":
                conn.send(("ok", [encoder.count_tokens(t) for t in texts]))
            else:
                conn.send(("error", f"unknown request {op!r}"))
        except Exception as e:  # noqa: BLE001 — the parent raises it
            conn.send(("error", f"{type(e).__name__}: {e}"))


class PassageWorker:
    """The process and the parent's end of its pipe."""

    def __init__(self, proc, conn):
        self.proc, self.conn = proc, conn
        self._hello: dict | None = None

    @classmethod
    def start(cls, settings, prefetch: bool = True) -> "PassageWorker":
        """Spawn the worker; ``prefetch``: embed the collection's chunks and sentences first."""
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # never fork a process that may hold threads or a graph
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(settings, child, prefetch), name="climatekg-passages", daemon=True)
        proc.start()
        child.close()
        return cls(proc, parent)

    def _recv(self):
        try:
            status, payload = self.conn.recv()
        except (EOFError, OSError):
            raise WorkerGone(f"the passage worker exited (code {self.proc.exitcode})") from None
        if status == "error":
            raise WorkerGone(f"the passage worker failed: {payload}")
        return payload

    def hello(self) -> dict:
        """Waits until the model is loaded and the prefetch done."""
        if self._hello is None:
            self._hello = self._recv()
        return self._hello

    def call(self, op: str, texts: Sequence[str]):
        self.hello()
        try:
            self.conn.send((op, list(texts)))
        except (OSError, ValueError):
            raise WorkerGone(f"the passage worker exited (code {self.proc.exitcode})") from None
        return self._recv()

    def encoder(self, settings) -> "WorkerEncoder":
        return WorkerEncoder(self, settings)

    def close(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


class WorkerEncoder:
    """The ``Encoder`` interface for passages, answered by the worker (which looks in the vector cache first);
    tokens are counted in process with the model's tokenizer where ``lean_encoder`` reads the model."""

    def __init__(self, worker: PassageWorker, settings):
        from .encoder import resolve_model
        from .lean_encoder import lean_encoder

        self.worker = worker
        model, self.name = resolve_model(settings)
        self._tokens = lean_encoder(model, self.name)

    @property
    def dimension(self) -> int:
        return int(self.worker.hello()["dimension"])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        return np.asarray(self.worker.call("passages", texts), dtype="float32")

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError("the passage worker embeds passages only")

    def count_tokens(self, text: str) -> int:
        if self._tokens is not None:
            return self._tokens.count_tokens(text)
        return int(self.worker.call("count_tokens", [text])[0])


__all__ = ["PassageWorker", "WorkerEncoder", "WorkerGone"]
