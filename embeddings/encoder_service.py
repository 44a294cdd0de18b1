"""One embedding model for all the web workers of a service: an encoder process and its clients.

`climatekg serve` starts one encoder process (``python -m
climatekg.embeddings.encoder_service SOCKET``) that loads the model once and
answers on a Unix socket in a private directory; each web worker's search
engine gets a ``RemoteEncoder`` instead of its own copy of torch and the model
(which is most of a worker's memory). For the default model (BERT, mean
pooling, float32) the process runs the forward pass in numpy on the weights
mapped from disk (``lean_encoder.py``: the same vectors, no torch — it is up
in a second or two and holds a fraction of the memory); any other model is
loaded with sentence-transformers. The socket appears only once the model
is loaded, so a client that connects early waits for it (up to
``connect_timeout``). Each client thread keeps its own connection; the
process answers each connection on a thread of its own.

    server = EncoderProcess(settings).start()        # in the serving process
    encoder = RemoteEncoder(server.address)           # in a web worker: the Encoder interface
    encoder.encode_queries(["光伏"])                   # → (1, dimension) float32, normalised
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Sequence

import numpy as np

from .encoder import ModelUnavailable

ENV = "CLIMATEKG_SERVE_ENCODER"  # the socket's path, handed to the web workers


class EncoderUnavailable(ModelUnavailable):
    """The encoder process cannot be reached (not started yet, or gone)."""


# -- the client ------------------------------------------------------------------------------------


class RemoteEncoder:
    """The ``Encoder`` interface, answered by the encoder process at ``address``."""

    def __init__(self, address: str, connect_timeout: float = 120.0):
        self.address = address
        self.connect_timeout = connect_timeout
        self._local = threading.local()
        hello = self._call("hello")
        self.name, self.dimension, self.max_tokens = hello["name"], hello["dimension"], hello["max_tokens"]

    def _connection(self, deadline: float) -> Connection:
        conn = getattr(self._local, "conn", None)
        while conn is None:
            try:
                conn = Client(self.address, family="AF_UNIX")
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise EncoderUnavailable(f"the embedding process at {self.address} did not come up within "
                                             f"{self.connect_timeout:g} s — see the service log") from None
                time.sleep(0.05)
        self._local.conn = conn
        return conn

    def _call(self, op: str, *args):
        deadline = time.monotonic() + self.connect_timeout
        for attempt in range(2):  # one retry on a fresh connection: the process may have been restarted
            conn = self._connection(deadline)
            try:
                conn.send((op, *args))
                status, payload = conn.recv()
            except (EOFError, OSError):
                self._local.conn = None
                conn.close()
                if attempt:
                    raise EncoderUnavailable("the embedding process went away — it is being restarted; "
                                             "try again in a few seconds") from None
                continue
            if status != "ok":
                raise RuntimeError(f"the embedding process failed: {payload}")
            return payload
        raise AssertionError("unreachable")

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._call("encode_queries", list(texts))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._call("encode_passages", list(texts))

    def count_tokens(self, text: str) -> int:
        return self._call("count_tokens", text)


# -- the process -----------------------------------------------------------------------------------


class EncoderProcess:
    """Starts (and restarts, should it die) the encoder process of ``settings``; ``address`` is its socket."""

    def __init__(self, settings, restart: bool = True):
        self.settings = settings
        self.folder = Path(tempfile.mkdtemp(prefix="climatekg-encoder-"))  # mode 0700: only this user connects
        self.address = str(self.folder / "encoder.sock")
        self.restart = restart
        self.proc: subprocess.Popen | None = None
        self._stopping = threading.Event()

    def _spawn(self) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        # one BLAS thread per request: the process answers concurrent requests on threads of their own, and a
        # short query's matrices are too small to gain from more
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        self.proc = subprocess.Popen([sys.executable, "-m", "climatekg.embeddings.encoder_service", self.address],
                                     stdin=subprocess.DEVNULL, env=env)

    def start(self) -> "EncoderProcess":
        self._spawn()
        if self.restart:
            threading.Thread(target=self._watch, name="climatekg-encoder-watch", daemon=True).start()
        return self

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            if self.proc is not None and self.proc.poll() is not None and not self._stopping.is_set():
                print(f"climatekg: the embedding process exited ({self.proc.returncode}); restarting it",
                      file=sys.stderr, flush=True)
                try:
                    os.unlink(self.address)
                except FileNotFoundError:
                    pass
                time.sleep(1.0)
                self._spawn()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def stop(self) -> None:
        self._stopping.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for p in (Path(self.address), self.folder):
            try:
                p.unlink() if p.is_socket() else p.rmdir()
            except OSError:
                pass


def _answer(conn: Connection, encoder) -> None:
    ops = {"encode_queries": encoder.encode_queries, "encode_passages": encoder.encode_passages,
           "count_tokens": encoder.count_tokens,
           "hello": lambda: {"name": encoder.name, "dimension": encoder.dimension, "max_tokens": encoder.max_tokens}}
    with conn:
        while True:
            try:
                op, *args = conn.recv()
            except (EOFError, OSError):
                return
            try:
                reply = ("ok", ops[op](*args))
            except Exception as e:  # noqa: BLE001 - reported to the client, which raises it
                reply = ("error", f"{type(e).__name__}: {e}")
            try:
                conn.send(reply)
            except OSError:
                return


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def serving_encoder(settings):
    """The encoder of the embedding process: the numpy forward pass when it runs the model (float32), else
    sentence-transformers (``load_encoder``)."""
    from .encoder import load_encoder, resolve_model
    from .lean_encoder import lean_encoder

    if getattr(settings, "encoder_precision", "fp32") == "fp32":
        model, name = resolve_model(settings)
        lean = lean_encoder(model, name)
        if lean is not None:
            return lean
    return load_encoder(settings)


def main(address: str) -> None:
    from climatekg.config import load_settings

    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    encoder = serving_encoder(load_settings())
    encoder.encode_queries(["预热 warm-up"])  # one-off costs before the first client
    tmp = address + ".tmp"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    listener = Listener(tmp, family="AF_UNIX")
    os.replace(tmp, address)  # the socket appears, ready, in one step
    while True:
        conn = listener.accept()
        threading.Thread(target=_answer, args=(conn, encoder), daemon=True).start()


if __name__ == "__main__":
    main(sys.argv[1])
