"""The one embedding process of `climatekg serve`: its clients get the same vectors as a model of their own,
wait for it while it loads, and carry on when it is restarted."""

from __future__ import annotations

import threading
from pathlib import Path

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


def test_the_default_model_is_served_without_torch(encoder_process):
    """The embedding process runs the default model's forward pass in numpy: torch is never loaded there."""
    from pathlib import Path

    from climatekg.embeddings.encoder_service import RemoteEncoder

    RemoteEncoder(encoder_process.address)  # the process is up
    maps = Path(f"/proc/{encoder_process.pid}/maps").read_text()
    assert "libtorch" not in maps and "_multiarray_umath" in maps


def test_the_numpy_forward_pass_equals_sentence_transformers(built_settings, search_engine):
    """Same tokens (prompt, stripping, truncation at the model's 512) and the same vectors as the model the
    index was built with."""
    from climatekg.embeddings.encoder import resolve_model
    from climatekg.embeddings.lean_encoder import lean_encoder

    lean = lean_encoder(*resolve_model(built_settings))
    reference = search_engine.encoder
    assert lean is not None and (lean.name, lean.dimension) == (reference.name, reference.dimension)
    texts = ["奶牛场粪污制沼气", " Bank of Beijing carbon finance  ", "光储直柔 " * 300, "CO₂ 减排 12.5 万吨"]
    np.testing.assert_allclose(lean.encode_queries(texts), reference.encode_queries(texts), atol=1e-5)
    np.testing.assert_allclose(lean.encode_passages(texts), reference.encode_passages(texts), atol=1e-5)
    assert [lean.count_tokens(t) for t in texts] == [reference.count_tokens(t) for t in texts]


def test_the_unigram_tokenizer_gives_the_librarys_ids(built_settings):
    """The embedding process cuts words with its own Viterbi search over a dictionary of the pieces (a fraction of
    the library's memory): the same ids as the tokenizers library on the collection's sentences, added tokens
    in the text, width and compatibility forms the normaliser rewrites, runs of unknown characters, random
    mixtures of scripts."""
    import json
    import random

    from tokenizers import Tokenizer

    from climatekg.embeddings.encoder import resolve_model
    from climatekg.embeddings.lean_encoder import UnigramTokenizer, load_tokenizer

    path = Path(resolve_model(built_settings)[0]) / "tokenizer.json"
    ours = load_tokenizer(path)
    assert isinstance(ours, UnigramTokenizer)
    library = Tokenizer.from_file(str(path))
    library.no_padding()
    library.no_truncation()
    lines = (Path(built_settings.build_dir) / "index" / "sentences.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines[::7]]
    texts += ["", " ", "  a  b  ", "<s>", "x<s>y", "</s><pad><unk><mask>", "a <mask> b", "Ｈｅｌｌｏ　ｗｏｒｌｄ",
              "邛崃工厂", "𠀀𠀁𠀂 test", "e\u0301", "\t\n tab", "ﬁ ①②③ Ⅻ", "😀😃", "\x00\x01", "a" * 600, "İstanbul ß",
              "\u200b zero width", "query: 光伏"]
    rnd = random.Random(5)
    alphabet = [chr(c) for c in [*range(32, 127), *range(0x4E00, 0x4E40), 0x3000, 0xFF01, 0xFF21, 0x1F600, 0x200D,
                                 0x0301, 0x20000, 0xE000, 0x2028, 0x85, 0xA0]]
    texts += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40))) for _ in range(500)]
    assert [ours.ids(t) for t in texts] == [library.encode(t, add_special_tokens=True).ids for t in texts]


def test_a_model_the_numpy_pass_cannot_run_is_left_to_sentence_transformers(tmp_path):
    import json

    from climatekg.embeddings.lean_encoder import lean_encoder, supported

    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(json.dumps([
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    assert "pooling" in supported(tmp_path) and lean_encoder(str(tmp_path)) is None
    assert lean_encoder("intfloat/multilingual-e5-small") is None  # a hub name, not a folder


def test_passages_in_bf16_only_where_the_cpu_multiplies_bf16(settings):
    from dataclasses import replace

    from climatekg.embeddings.encoder import cpu_has_bf16, passage_precision

    amx = "processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_bf16 amx_tile\n"
    plain = "processor\t: 0\nflags\t\t: fpu avx2 avx512f\nbugs\t\t: amx_bf16\n"  # only the flags line counts
    assert cpu_has_bf16(amx) and not cpu_has_bf16(plain)
    auto = replace(settings, model="", encoder_precision="fp32", index_precision="auto")
    assert passage_precision(auto, amx) == "bf16" and passage_precision(auto, plain) == "fp32"
    assert passage_precision(replace(auto, model="BAAI/bge-m3"), amx) == "fp32"  # measured for the default model only
    assert passage_precision(replace(auto, index_precision="fp32"), amx) == "fp32"
    assert passage_precision(replace(auto, index_precision="bf16"), plain) == "bf16"
    assert passage_precision(replace(auto, encoder_precision="int8"), amx) == "int8"  # one precision for both


def test_vector_cache_says_which_texts_still_need_embedding(tmp_path):
    import numpy as np

    from climatekg.embeddings.encoder import VectorCache

    cache = VectorCache(tmp_path, "model [bf16]")
    path = cache._path("光伏发电")
    path.parent.mkdir(parents=True)
    np.save(path, np.ones(4, dtype="float32"))
    assert cache.missing(["光伏发电", "储能", "储能", "沼气"]) == ["储能", "沼气"]
    assert VectorCache(tmp_path, "model").missing(["光伏发电"]) == ["光伏发电"]  # another precision, another key


@pytest.mark.slow  # loads the model in a second process (~10-20 s)
def test_the_build_passage_worker_embeds_as_the_build_would(built_settings, tmp_path):
    """The passage worker of climatekg build: the vectors and token counts of the passage encoder loaded in
    process, through a pipe; once it is gone, its client says so (the build then embeds in process)."""
    from dataclasses import replace

    from climatekg.build import build_model
    from climatekg.embeddings.encoder import load_encoder
    from climatekg.embeddings.passage_worker import PassageWorker, WorkerGone

    build_model(built_settings)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "models").symlink_to(Path(built_settings.cache_dir) / "models")
    settings = replace(built_settings, cache_dir=cache)
    worker = PassageWorker.start(settings, prefetch=False)
    try:
        remote = worker.encoder(settings)
        local = load_encoder(settings, passages=True)
        texts = ["奶牛场粪污制沼气", "Bank of Beijing carbon finance", "光储直柔 " * 300]
        assert remote.dimension == local.dimension
        np.testing.assert_allclose(remote.encode_passages(texts), local.encode_passages(texts), atol=2e-3)
        assert [remote.count_tokens(t) for t in texts] == [local.count_tokens(t) for t in texts]
        assert worker.hello()["prefetched"] == 0
    finally:
        worker.close()
    with pytest.raises(WorkerGone):
        remote.encode_passages(["光伏"])
