"""The one embedding process of `climatekg serve`: its clients get the same vectors as a model of their own,
wait for it while it loads, and carry on when it is restarted."""

from __future__ import annotations

import threading

import numpy as np
import pytest


@pytest.fixture(scope="module")
def encoder_process(built_settings):
    from climatekg.embeddings.encoder_service import EncoderProcess

    proc = EncoderProcess(built_settings).start()
    yield proc
    proc.stop()


def test_remote_vectors_equal_local_ones(encoder_process, search_engine):
    from climatekg.embeddings.encoder_service import RemoteEncoder

    remote = RemoteEncoder(encoder_process.address)  # waits for the model to load
    local = search_engine.encoder
    assert (remote.name, remote.dimension) == (local.name, local.dimension)
    texts = ["奶牛场粪污制沼气", "Bank of Beijing carbon finance"]
    np.testing.assert_allclose(remote.encode_queries(texts), local.encode_queries(texts), atol=1e-5)
    np.testing.assert_allclose(remote.encode_passages(texts[:1]), local.encode_passages(texts[:1]), atol=1e-5)
    assert remote.count_tokens(texts[0]) == local.count_tokens(texts[0])


def test_threads_share_the_process_and_survive_its_restart(encoder_process):
    from climatekg.embeddings.encoder_service import RemoteEncoder

    remote = RemoteEncoder(encoder_process.address)
    out = []
    threads = [threading.Thread(target=lambda i=i: out.append(remote.encode_queries([f"光伏 {i}"]).shape))
               for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [(1, remote.dimension)] * 6
    old = encoder_process.pid
    encoder_process.proc.kill()  # the watcher starts a new one; a call meanwhile waits for it
    encoder_process.proc.wait()
    assert remote.encode_queries(["储能"]).shape == (1, remote.dimension)
    assert encoder_process.pid != old
