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
``tokenizer.json``: for a Unigram model (the XLM-R family, e5's) its normaliser and pre-tokeniser run in the
``tokenizers`` library and the model's Viterbi search here, over a plain dictionary of the pieces
(``UnigramTokenizer``: the same ids as the library, ~80 MB instead of the ~280 MB the library's byte trie of
250k pieces keeps); any other tokenizer runs in the library whole (what the "fast" tokenizer of transformers
runs). Texts are truncated at ``max_seq_length`` as sentence-transformers does. Each text is encoded on its own (no padding), so
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
import re
import struct
from array import array
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


class UnigramTokenizer:
    """A ``tokenizer.json`` whose model is Unigram, without the library's trie: the added tokens are split off the
    raw text, each piece between them is normalised and pre-tokenised by the file's own normaliser and
    pre-tokeniser (the library's objects, built with a one-piece vocabulary), each word is cut by the Viterbi
    search of the library's ``Unigram.encode_optimized`` — best total score over the pieces that start at each
    character, a character no piece covers an ``<unk>`` scored ``min score − 10``, runs of those fused into one
    — and the template's special tokens go around. ``ids`` gives what the library's
    ``encode(text, add_special_tokens=True).ids`` gives (tests/test_encoder_service.py compares them)."""

    UNK_PENALTY = 10.0

    def __init__(self, doc: dict):
        from tokenizers import Tokenizer

        model = doc["model"]
        self.piece_ids = {piece: i for i, (piece, _) in enumerate(model["vocab"])}
        self.scores = array("d", (score for _, score in model["vocab"]))
        self.unk_id = int(model["unk_id"])
        self.unk_score = min(self.scores) - self.UNK_PENALTY
        self.longest = max(len(piece) for piece in self.piece_ids)
        self.added = {t["content"]: int(t["id"]) for t in doc.get("added_tokens") or ()}
        self._split = re.compile("|".join(map(re.escape, sorted(self.added, key=len, reverse=True)))) \
            if self.added else None
        template = doc["post_processor"]["single"]
        special = doc["post_processor"]["special_tokens"]
        where = [i for i, step in enumerate(template) if "Sequence" in step][0]
        self.before = [i for step in template[:where] for i in special[step["SpecialToken"]["id"]]["ids"]]
        self.after = [i for step in template[where + 1:] for i in special[step["SpecialToken"]["id"]]["ids"]]
        shell = dict(doc, model={"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]})
        shell = Tokenizer.from_str(json.dumps(shell))
        self.normalizer, self.pre_tokenizer = shell.normalizer, shell.pre_tokenizer

    @classmethod
    def supports(cls, doc: dict) -> bool:
        """Whether ``doc`` (a parsed tokenizer.json) is one this class reproduces: a Unigram model without byte
        fallback, added tokens matched on the raw text as whole strings, a single-sequence template."""
        model, post = doc.get("model") or {}, doc.get("post_processor") or {}
        return (model.get("type") == "Unigram" and not model.get("byte_fallback") and model.get("unk_id") is not None
                and post.get("type") == "TemplateProcessing"
                and sum("Sequence" in step for step in post.get("single", ())) == 1
                and all(not (t.get("normalized") or t.get("lstrip") or t.get("rstrip") or t.get("single_word"))
                        for t in doc.get("added_tokens") or ()))

    def ids(self, text: str) -> list[int]:
        out = list(self.before)
        pos = 0
        for m in (self._split.finditer(text) if self._split is not None else ()):
            self._text_ids(text[pos:m.start()], out)
            out.append(self.added[m.group()])
            pos = m.end()
        self._text_ids(text[pos:], out)
        out += self.after
        return out

    def _text_ids(self, text: str, out: list[int]) -> None:
        if not text:
            return
        for word, _ in self.pre_tokenizer.pre_tokenize_str(self.normalizer.normalize_str(text)):
            self._word_ids(word, out)

    def _word_ids(self, word: str, out: list[int]) -> None:
        n, get, scores, longest = len(word), self.piece_ids.get, self.scores, self.longest
        best = [0.0] * (n + 1)  # best score of a path ending at each character
        start = [-1] * (n + 1)  # where the last piece of that path starts
        piece = [0] * (n + 1)
        for i in range(n):
            base, single = best[i], False
            for j in range(i + 1, min(n, i + longest) + 1):
                k = get(word[i:j])
                if k is None:
                    continue
                score = base + scores[k]
                if start[j] < 0 or score > best[j]:
                    best[j], start[j], piece[j] = score, i, k
                single = single or j == i + 1
            if not single:
                score = base + self.unk_score
                if start[i + 1] < 0 or score > best[i + 1]:
                    best[i + 1], start[i + 1], piece[i + 1] = score, i, self.unk_id
        found: list[str] = []
        unknown: list[str] = []  # a run of <unk> pieces, fused into one (read backwards)
        end = n
        while end > 0:
            begin = start[end]
            if piece[end] == self.unk_id:
                unknown.append(word[begin:end])
            else:
                if unknown:
                    found.append("".join(reversed(unknown)))
                    unknown = []
                found.append(word[begin:end])
            end = begin
        if unknown:
            found.append("".join(reversed(unknown)))
        out.extend(get(s, self.unk_id) for s in reversed(found))


class _LibraryTokenizer:
    """The ``tokenizers`` library's own tokenizer, behind the ``ids`` of UnigramTokenizer."""

    def __init__(self, path: Path):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(path))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    def ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=True).ids


def load_tokenizer(path: Path) -> "UnigramTokenizer | _LibraryTokenizer":
    """The tokenizer of ``tokenizer.json`` at ``path``: UnigramTokenizer where it reproduces the library, else the
    library's own. ``.ids(text)``: the ids with the special tokens, never truncated nor padded."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if UnigramTokenizer.supports(doc):
        return UnigramTokenizer(doc)
    del doc
    return _LibraryTokenizer(path)


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
        self.tokenizer = load_tokenizer(folder / "tokenizer.json")  # never truncates: count_tokens counts all

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
        ids = self.tokenizer.ids(text.strip())  # sentence-transformers strips
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
        return self.tokenizer.ids(text.rstrip())


def lean_encoder(model: str, name: str | None = None) -> LeanBertEncoder | None:
    """A LeanBertEncoder for the model folder ``model``, or None when it is not a local folder of a model this
    module runs (then load it with sentence-transformers)."""
    folder = Path(model)
    if not folder.is_dir() or supported(folder) is not None:
        return None
    return LeanBertEncoder(folder, name)
