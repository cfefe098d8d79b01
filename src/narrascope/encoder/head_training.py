"""Training the heads that read the frozen shared encoder: technique spans and narratives (needs torch).

The encoder (LoRA deltas of ``encoder-default``) stays as it is: these heads read its token states, cached
once per training document (:mod:`narrascope.encoder.state_cache`), so a head trains in minutes on 2 cores
and the roles and check-worthiness heads it shares the artifact with are untouched.

* :class:`TokenTagger`: per token, ``[token state ; mean state of its paragraph]`` through a one-hidden-layer
  MLP gives one logit per technique. Loss: token BCE against the gold spans (masked where unknown, see
  :mod:`narrascope.encoder.head_data`) plus a multiple-instance BCE of each paragraph's *maximum* token
  logit against the paragraph's labels, so the strongest phrase of a paragraph is what decides its label,
  which is exactly how run time derives paragraph labels from spans.
* :class:`NarrativeHead`: a document's features (:func:`narrascope.encoder.head_data.document_features`)
  through a shared hidden layer into narrative logits and subnarrative logits (the hierarchy is enforced at
  decoding: a subnarrative needs its narrative).

Both are :func:`narrascope.encoder.training.head_mlp` heads, exported with
:func:`~narrascope.encoder.training.export_layers` for :func:`narrascope.encoder.heads.mlp` (tanh GELU).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .training import export_layers, head_mlp

__all__ = ["NarrativeHead", "TokenTagger", "fit_narratives", "fit_tagger", "narrative_logits", "tagger_proba"]


def _train(model: nn.Module, epochs: int, batches: Callable[[], list], loss_of: Callable[[object], torch.Tensor],
           lr: float, weight_decay: float, on_epoch: Callable | None) -> nn.Module:
    """AdamW over ``epochs`` passes of ``batches()`` (called once per epoch, so each shuffles anew);
    ``on_epoch(epoch, model)`` after each, the model in eval mode."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    for epoch in range(1, epochs + 1):
        model.train()
        for batch in batches():
            loss = loss_of(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if on_epoch is not None:
            model.eval()
            on_epoch(epoch, model)
    model.eval()
    return model


# ---- technique spans -------------------------------------------------------------------------------------------
class TokenTagger(nn.Module):
    """``neighbours`` = 1 adds the previous and next tokens' states (zeros past the paragraph's ends)."""

    def __init__(self, hidden_in: int, hidden: int, n_labels: int, dropout: float, neighbours: int = 0):
        super().__init__()
        self.neighbours = neighbours
        self.net = head_mlp((2 + 2 * neighbours) * hidden_in, hidden, n_labels, dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask.unsqueeze(-1).float()
        x = x * m
        ctx = x.sum(1) / m.sum(1).clamp_min(1.0)
        parts = [x, ctx.unsqueeze(1).expand_as(x)]
        if self.neighbours:
            parts += [F.pad(x, (0, 0, 1, 0))[:, :-1], F.pad(x, (0, 0, 0, 1))[:, 1:]]
        return self.net(torch.cat(parts, dim=-1))


def _batches(lengths: Sequence[int], idx: Sequence[int], max_tokens: int, rng: np.random.RandomState | None):
    """Units grouped by similar length into batches of at most ``max_tokens`` padded tokens."""
    order = sorted(idx, key=lambda i: lengths[i])
    out, cur, longest = [], [], 0
    for i in order:
        L = max(longest, lengths[i])
        if cur and L * (len(cur) + 1) > max_tokens:
            out.append(cur)
            cur, L = [], lengths[i]
        cur.append(i)
        longest = L
    if cur:
        out.append(cur)
    if rng is not None:
        rng.shuffle(out)
    return out


def _pad(units, batch: list[int]):
    L = max(units.tokens[i][1] - units.tokens[i][0] for i in batch)
    H = units.states[0].shape[1]
    T = len(units.labels)
    x = np.zeros((len(batch), L, H), np.float32)
    mask = np.zeros((len(batch), L), bool)
    y = np.full((len(batch), L, T), -1, np.int8)
    for r, i in enumerate(batch):
        s = units.unit_states(i)
        n = len(s)
        x[r, :n] = s
        mask[r, :n] = True
        y[r, :n] = units.token_y[i]
    py = np.stack([units.para_y[i] for i in batch])
    return torch.from_numpy(x), torch.from_numpy(mask), torch.from_numpy(y), torch.from_numpy(py)


def fit_tagger(units, train_idx: Sequence[int], *, epochs: int, hidden: int = 256, dropout: float = 0.1,
               lr: float = 1e-3, weight_decay: float = 0.01, paragraph_weight: float = 1.0, neighbours: int = 0,
               seed: int = 0,
               max_tokens: int = 4096, on_epoch: Callable[[int, TokenTagger], None] | None = None) -> TokenTagger:
    """Train a :class:`TokenTagger` on units ``train_idx``; ``on_epoch(epoch, model)`` after each epoch."""
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    H = units.states[0].shape[1]
    model = TokenTagger(H, hidden, len(units.labels), dropout, neighbours)
    lengths = [b - a for a, b in units.tokens]

    def loss_of(batch: list[int]) -> torch.Tensor:
        x, mask, y, py = _pad(units, batch)
        z = model(x, mask)
        known = (y >= 0) & mask.unsqueeze(-1)
        tok = F.binary_cross_entropy_with_logits(z, y.clamp_min(0).float(), reduction="none")
        loss = (tok * known).sum() / known.sum().clamp_min(1)
        zmax = z.masked_fill(~mask.unsqueeze(-1), -1e4).max(dim=1).values
        return loss + paragraph_weight * F.binary_cross_entropy_with_logits(zmax, py.float())

    return _train(model, epochs, lambda: _batches(lengths, train_idx, max_tokens, rng), loss_of, lr, weight_decay,
                  on_epoch)


@torch.no_grad()
def tagger_proba(model: TokenTagger, units, idx: Sequence[int], max_tokens: int = 8192) -> dict[int, np.ndarray]:
    """Token probabilities ``(len, T)`` of each unit in ``idx``."""
    out = {}
    lengths = [b - a for a, b in units.tokens]
    for batch in _batches(lengths, idx, max_tokens, None):
        x, mask, _, _ = _pad(units, batch)
        p = torch.sigmoid(model(x, mask)).numpy()
        for r, i in enumerate(batch):
            out[i] = p[r, : lengths[i]]
    return out


# ---- narratives ------------------------------------------------------------------------------------------------
class NarrativeHead(nn.Module):
    def __init__(self, n_in: int, hidden: int, n_out: int, dropout: float):
        super().__init__()
        self.net = head_mlp(n_in, hidden, n_out, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def fit_narratives(X: np.ndarray, Y: np.ndarray, *, epochs: int, hidden: int = 256, dropout: float = 0.2,
                   lr: float = 1e-3, weight_decay: float = 0.01, batch: int = 32, seed: int = 0,
                   on_epoch: Callable[[int, NarrativeHead], None] | None = None) -> NarrativeHead:
    """Train a :class:`NarrativeHead` on features ``X`` and 0/1 targets ``Y`` (narratives then subnarratives)."""
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    model = NarrativeHead(X.shape[1], hidden, Y.shape[1], dropout)
    Xt, Yt = torch.from_numpy(np.asarray(X, np.float32)), torch.from_numpy(np.asarray(Y, np.float32))

    def batches() -> list[torch.Tensor]:
        order = rng.permutation(len(X))
        return [torch.from_numpy(order[s:s + batch]) for s in range(0, len(order), batch)]

    return _train(model, epochs, batches, lambda b: F.binary_cross_entropy_with_logits(model(Xt[b]), Yt[b]), lr,
                  weight_decay, on_epoch)


@torch.no_grad()
def narrative_logits(model: NarrativeHead, X: np.ndarray) -> np.ndarray:
    return model(torch.from_numpy(np.asarray(X, np.float32))).numpy()
