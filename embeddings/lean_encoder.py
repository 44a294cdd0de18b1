"""A BERT sentence encoder in numpy, for serving: the same vectors as sentence-transformers, without torch.

The embedding process of `climatekg serve` (``encoder_service.py``) encodes one
short query at a time. Loading torch, transformers and sentence-transformers
for that takes most of its start-up (10–25 s) and memory (~1 GB, 384 MB of it
the 250k-row word-embedding table). This module runs the same forward pass —
BERT embeddings, ``num_hidden_layers`` post-LayerNorm encoder layers with
exact (erf) GELU, mean pooling over the tokens, L2 normalisation — with
numpy on the weights of ``model.safetensors`` mapped read-only from disk, so
start-up is a fraction of a second and only the rows of the tables a text
touches are ever read into memory. Tokenisation is the model's own
``tokenizer.json`` through the ``tokenizers`` library (what the "fast"
tokenizer of transformers runs), truncated at ``max_seq_length`` as
sentence-transformers does. Each text is encoded on its own (no padding), so
the result equals the padded batch's.

It takes a model folder that sentence-transformers would load as
Transformer (BERT, absolute positions) → mean Pooling → Normalize, in
float32 — the default multilingual-e5-small is one; ``lean_encoder`` returns
None for anything else, and the caller loads the model with
sentence-transformers instead.

    encoder = lean_encoder(path, name)   # or None
    encoder.encode_queries(["光伏"])      # (1, 384) float32, normalised
"""

from __future__ import annotations

import json
import mmap
import struct
from pathlib import Path
from typing import Sequence

import numpy as np

from .encoder import PASSAGE_PROMPT, QUERY_PROMPT, PromptedEncoder

_DTYPES = {"F32": np.float32}


def _read_json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def supported(folder: Path) -> str | None:
    """None when the folder is a model this module runs, else why not."""
    modules = _read_json(folder / "modules.json")
    if not isinstance(modules, list):
        return "no sentence-transformers modules.json"
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        return f"modules {kinds} (needs Transformer, Pooling, Normalize)"
    pooling = _read_json(folder / modules[1].get("path", "") / "config.json") or {}
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True]
    if modes != ["pooling_mode_mean_tokens"] or pooling.get("include_prompt", True) is not True:
        return f"pooling {modes} (needs mean over all tokens)"
    config = _read_json(folder / "config.json") or {}
    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu" \
            or config.get("position_embedding_type", "absolute") != "absolute":
        return "not a BERT model with GELU and absolute positions"
    if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        return "no model.safetensors or tokenizer.json"
    return None


class _Weights:
    """The tensors of a .safetensors file as numpy arrays over a read-only memory map of it."""

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        (n,) = struct.unpack_from("<Q", self._map, 0)
        self.header = json.loads(self._map[8:8 + n])
        self.header.pop("__metadata__", None)
        self._start = 8 + n

    def __contains__(self, name: str) -> bool:
        return name in self.header

    def __getitem__(self, name: str) -> np.ndarray:
        entry = self.header[name]
        dtype = _DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"tensor {name} is {entry['dtype']}; only float32 is supported")
        begin, end = entry["data_offsets"]
        count = (end - begin) // np.dtype(dtype).itemsize
        return np.frombuffer(self._map, dtype=dtype, count=count, offset=self._start + begin).reshape(entry["shape"])


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


class LeanBertEncoder(PromptedEncoder):
    """The ``Encoder`` interface (embeddings/encoder.py) for a BERT + mean pooling + normalise model folder."""

    def __init__(self, folder: Path | str, name: str | None = None, query_prompt: str = QUERY_PROMPT,
                 passage_prompt: str = PASSAGE_PROMPT):
        super().__init__(query_prompt, passage_prompt)
        from scipy.special import erf
        from tokenizers import Tokenizer

        folder = Path(folder)
        why = supported(folder)
        if why:
            raise ValueError(f"{folder} cannot be run without torch: {why}")
        self._erf = erf
        config = _read_json(folder / "config.json")
        st = _read_json(folder / "sentence_bert_config.json") or {}
        self.name = name or str(folder)
        self.dimension = int(config["hidden_size"])
        self.max_tokens = int(st.get("max_seq_length") or config.get("max_position_embeddings", 512))
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()  # count_tokens counts every token; _ids truncates

        w = _Weights(folder / "model.safetensors")
        p = "bert." if "bert.embeddings.word_embeddings.weight" in w else ""
        self.word = w[p + "embeddings.word_embeddings.weight"]
        self.position = w[p + "embeddings.position_embeddings.weight"]
        self.token_type0 = w[p + "embeddings.token_type_embeddings.weight"][0]
        self.embedding_norm = (w[p + "embeddings.LayerNorm.weight"], w[p + "embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            q = f"{p}encoder.layer.{i}."
            self.layers.append({k: w[q + path] for k, path in (
                ("wq", "attention.self.query.weight"), ("bq", "attention.self.query.bias"),
                ("wk", "attention.self.key.weight"), ("bk", "attention.self.key.bias"),
                ("wv", "attention.self.value.weight"), ("bv", "attention.self.value.bias"),
                ("wo", "attention.output.dense.weight"), ("bo", "attention.output.dense.bias"),
                ("ln1w", "attention.output.LayerNorm.weight"), ("ln1b", "attention.output.LayerNorm.bias"),
                ("wi", "intermediate.dense.weight"), ("bi", "intermediate.dense.bias"),
                ("wf", "output.dense.weight"), ("bf", "output.dense.bias"),
                ("ln2w", "output.LayerNorm.weight"), ("ln2b", "output.LayerNorm.bias"))})
        self._weights = w  # keeps the map open

    def _ids(self, text: str) -> list[int]:
        ids = self.tokenizer.encode(text.strip(), add_special_tokens=True).ids  # sentence-transformers strips
        if len(ids) > self.max_tokens:  # sentence-transformers: truncate the text, keep the closing token
            ids = ids[: self.max_tokens - 1] + ids[-1:]
        return ids

    def _forward(self, ids: list[int]) -> np.ndarray:
        n, d, h = len(ids), self.dimension, self.heads
        x = self.word[ids] + self.position[:n] + self.token_type0
        x = _layer_norm(x, *self.embedding_norm, self.eps)
        scale = np.float32(1.0 / np.sqrt(d // h))
        for L in self.layers:
            q = (x @ L["wq"].T + L["bq"]).reshape(n, h, -1).transpose(1, 0, 2)
            k = (x @ L["wk"].T + L["bk"]).reshape(n, h, -1).transpose(1, 2, 0)
            v = (x @ L["wv"].T + L["bv"]).reshape(n, h, -1).transpose(1, 0, 2)
            scores = (q @ k) * scale
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, d)
            x = _layer_norm(context @ L["wo"].T + L["bo"] + x, L["ln1w"], L["ln1b"], self.eps)
            inner = x @ L["wi"].T + L["bi"]
            inner = inner * np.float32(0.5) * (np.float32(1.0) + self._erf(inner * np.float32(0.7071067811865476)))
            x = _layer_norm(inner @ L["wf"].T + L["bf"] + x, L["ln2w"], L["ln2b"], self.eps)
        pooled = x.mean(0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype="float32")
        for i, text in enumerate(texts):
            out[i] = self._forward(self._ids(text))
        return out

    def _token_ids(self, text: str) -> list[int]:
        # as transformers' tokenizer call counts them: trailing whitespace makes no token
        return self.tokenizer.encode(text.rstrip(), add_special_tokens=True).ids


def lean_encoder(model: str, name: str | None = None) -> LeanBertEncoder | None:
    """A LeanBertEncoder for the model folder ``model``, or None when it is not a local folder of a model this
    module runs (then load it with sentence-transformers)."""
    folder = Path(model)
    if not folder.is_dir() or supported(folder) is not None:
        return None
    return LeanBertEncoder(folder, name)
