"""Fine-tuning the shared encoder on CPU: LoRA on the top layers plus the heads, both tasks at once.

torch is imported with this module (the ``train`` extra: ``pip install 'narrascope[train]'``); nothing at run
time imports it. What lives here:

- :class:`Setting`: one training configuration (top layers adapted, LoRA rank/alpha, epochs, rates, ...);
- :class:`BottomStates`: the frozen bottom ``12 - layers`` layers' output for every training window,
  computed ONCE (no gradients) and kept as float16 on disk in the training cache
  (``$XDG_CACHE_HOME/narrascope/train/``, outside the repository), so an epoch runs only the top layers
  forward and backward;
- :class:`SharedModel`: the top layers with LoRA adapters on every attention and feed-forward matrix, the
  roles head and the check-worthiness head (the same arithmetic as :mod:`narrascope.encoder.heads`);
- :func:`train_run`: one seeded, resumable run: windows of both tasks mixed in shuffled batches
  (loss-weighted), AdamW with a linear warm-up then a constant rate (so the model after epoch ``e`` of a
  longer run IS the model of an ``e``-epoch run: cross-validation reads every epoch count off one run),
  checkpoints every ``checkpoint_every`` steps and at each epoch's end (weights, optimizer, RNG, position
  in the epoch's fixed order), a clean stop after a checkpoint when the deadline passes, head outputs on
  held-out windows after each epoch, seconds per epoch;
- :func:`export_state`: the LoRA pairs (fp16) and heads as the artifact state read by
  :class:`narrascope.encoder.heads.EncoderHeads`.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .heads import LANGUAGES
from .tokenizer import PASSAGE
from .torch_model import E5Module, build
from .weights import LAYER_MATRICES, read_model
from .windows import STRIDE, WINDOW

__all__ = ["BottomStates", "Setting", "SharedModel", "export_layers", "export_state", "head_mlp", "train_cache", "train_run"]


def train_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "narrascope" / "train"


@dataclass(frozen=True)
class Setting:
    layers: int = 4  # top layers with LoRA adapters; the others are frozen and cached
    epochs: int = 3
    rank: int = 16
    alpha: float = 32.0
    batch: int = 8  # windows per step
    lr: float = 5e-4  # adapters
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: int = 100  # steps of linear warm-up, then constant
    dropout: float = 0.1  # on the heads' inputs and hidden layer
    hidden: int = 256
    role_weight: float = 1.0
    sentence_weight: float = 1.0
    fine_weight: float = 0.5  # of the fine roles' binary cross-entropy (summed over the 22 roles) in the roles loss

    def as_dict(self) -> dict:
        return asdict(self)


def _digest(*parts: Any) -> str:
    return hashlib.blake2b(json.dumps(parts, sort_keys=True, default=str).encode(), digest_size=10).hexdigest()


def _save(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


# ---- the frozen bottom, once -----------------------------------------------------------------------------
class BottomStates:
    """Token states after the bottom ``frozen`` layers for each window (float16 chunks of ``CHUNK`` windows)."""

    CHUNK = 64

    def __init__(self, directory: Path, lengths: list[int]):
        self.directory = directory
        self.lengths = lengths
        self._chunks: dict[int, np.ndarray] = {}
        self._offset = []
        for c in range(0, len(lengths), self.CHUNK):
            self._offset.extend(np.concatenate([[0], np.cumsum(lengths[c:c + self.CHUNK])[:-1]]).tolist())

    def _chunk_path(self, c: int) -> Path:
        return self.directory / f"chunk-{c:05d}.npy"

    @classmethod
    def build(cls, e5: E5Module, windows: list[np.ndarray], frozen: int, key: str, *, batch: int = 16,
              say: Callable[[str], None] = print, deadline: float | None = None) -> "BottomStates | None":
        """The states, computing the chunks not yet cached; None when ``deadline`` passed first."""
        directory = train_cache() / f"bottom-{key}"
        directory.mkdir(parents=True, exist_ok=True)
        self = cls(directory, [len(w) for w in windows])
        n_chunks = (len(windows) + cls.CHUNK - 1) // cls.CHUNK
        todo = [c for c in range(n_chunks) if not self._chunk_path(c).exists()]
        if todo:
            say(f"caching the frozen bottom {frozen} layers' output for {len(windows)} windows "
                f"({len(todo)} of {n_chunks} chunks to compute) in {directory}")
        t0 = time.perf_counter()
        for done, c in enumerate(todo, 1):
            if deadline is not None and time.monotonic() > deadline:
                return None
            part = windows[c * cls.CHUNK:(c + 1) * cls.CHUNK]
            out = []
            with torch.no_grad():
                for i in range(0, len(part), batch):
                    ids, mask = _pad(part[i:i + batch])
                    x = e5.emb_ln(e5.word(ids) + e5.pos_type[:ids.shape[1]])
                    keep = mask[:, None, None, :]
                    for ly in e5.layers[:frozen]:
                        x = ly(x, keep)
                    out.extend(x[r, :len(w)].to(torch.float16).numpy() for r, w in enumerate(part[i:i + batch]))
            tmp = directory / f".chunk-{c:05d}.tmp.npy"
            np.save(tmp, np.concatenate(out))
            os.replace(tmp, self._chunk_path(c))
            if done % 8 == 0 or done == len(todo):
                rate = done * cls.CHUNK / (time.perf_counter() - t0)
                say(f"  bottom states: {done}/{len(todo)} chunks, {rate:.1f} windows/s")
        return self

    def window(self, i: int) -> np.ndarray:
        c = i // self.CHUNK
        if c not in self._chunks:
            self._chunks[c] = np.load(self._chunk_path(c), mmap_mode="r")
        o = self._offset[i]
        return self._chunks[c][o:o + self.lengths[i]]

    def batch(self, idx: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        L = max(self.lengths[i] for i in idx)
        x = np.zeros((len(idx), L, 384), dtype=np.float32)
        mask = torch.zeros(len(idx), L, dtype=torch.bool)
        for r, i in enumerate(idx):
            n = self.lengths[i]
            x[r, :n] = self.window(i)
            mask[r, :n] = True
        return torch.from_numpy(x), mask


def _pad(seqs: list[np.ndarray], pad: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    L = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), L), pad, dtype=torch.long)
    mask = torch.zeros(len(seqs), L, dtype=torch.bool)
    for r, s in enumerate(seqs):
        ids[r, :len(s)] = torch.from_numpy(np.asarray(s, np.int64))
        mask[r, :len(s)] = True
    return ids, mask


# ---- the trained part ------------------------------------------------------------------------------------
class _GeluTanh(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(x, approximate="tanh")


def head_mlp(n_in: int, hidden: int, n_out: int, dropout: float) -> nn.Sequential:
    """A head: dropout, one hidden layer with tanh GELU, dropout, output (what :func:`heads.mlp` computes)."""
    return nn.Sequential(nn.Dropout(dropout), nn.Linear(n_in, hidden), _GeluTanh(), nn.Dropout(dropout),
                         nn.Linear(hidden, n_out))


class SharedModel(nn.Module):
    """The top ``setting.layers`` encoder layers with LoRA adapters, and the two heads."""

    def __init__(self, e5: E5Module, setting: Setting, n_main: int, n_fine: int):
        super().__init__()
        L = len(e5.layers)
        self.frozen = L - setting.layers
        e5.add_lora(setting.rank, setting.alpha, 0.0, layers=range(self.frozen, L))
        self.top = nn.ModuleList(e5.layers[self.frozen:])
        H = e5.config.hidden
        self.n_main = n_main
        self.role_head = head_mlp(2 * H + len(LANGUAGES), setting.hidden, n_main + n_fine, setting.dropout)
        self.sentence_head = head_mlp(H, setting.hidden, 1, setting.dropout)

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask[:, None, None, :]
        for ly in self.top:
            x = ly(x, keep)
        return x

    def trainable(self) -> dict[str, torch.Tensor]:
        return {k: v for k, v in self.named_parameters() if v.requires_grad}


def _pool(states: torch.Tensor, rows: torch.Tensor, spans: torch.Tensor) -> torch.Tensor:
    """Mean of ``states[rows[i], lo:hi]`` for each unit ``i`` (``spans[i] = (lo, hi)``)."""
    B, L, H = states.shape
    lens = (spans[:, 1] - spans[:, 0]).clamp_min(1)
    unit = torch.repeat_interleave(torch.arange(len(rows)), lens)
    starts = rows * L + spans[:, 0]
    within = torch.arange(int(lens.sum())) - torch.repeat_interleave(torch.cumsum(lens, 0) - lens, lens)
    pos = torch.repeat_interleave(starts, lens) + within
    out = torch.zeros(len(rows), H, dtype=states.dtype).index_add_(0, unit, states.reshape(B * L, H)[pos])
    return out / lens[:, None].to(states.dtype)


class _Units:
    """Per window, the role and sentence units it holds (indices into the unit tables)."""

    def __init__(self, a: dict[str, np.ndarray], n_windows: int):
        self.a = a
        self.roles = [[] for _ in range(n_windows)]
        self.sentences = [[] for _ in range(n_windows)]
        for i, w in enumerate(a["role_window"]):
            self.roles[w].append(i)
        for i, w in enumerate(a["sentence_window"]):
            self.sentences[w].append(i)

    def gather(self, idx: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(role units, their row in the batch, sentence units, their row)."""
        r_units, r_rows, s_units, s_rows = [], [], [], []
        for row, w in enumerate(idx):
            r_units += self.roles[w]
            r_rows += [row] * len(self.roles[w])
            s_units += self.sentences[w]
            s_rows += [row] * len(self.sentences[w])
        return (np.asarray(r_units, np.int64), np.asarray(r_rows, np.int64), np.asarray(s_units, np.int64),
                np.asarray(s_rows, np.int64))


def _heads_forward(model: SharedModel, states: torch.Tensor, units: _Units, idx: list[int]):
    a = units.a
    r_units, r_rows, s_units, s_rows = units.gather(idx)
    role_out = sent_out = None
    if len(r_units):
        rows = torch.from_numpy(r_rows)
        m = _pool(states, rows, torch.from_numpy(a["role_mention"][r_units]))
        c = _pool(states, rows, torch.from_numpy(a["role_context"][r_units]))
        lang = torch.zeros(len(r_units), len(LANGUAGES))
        li = a["role_language"][r_units]
        lang[np.flatnonzero(li >= 0), li[li >= 0]] = 1.0
        role_out = model.role_head(torch.cat([m, c, lang], dim=1))
    if len(s_units):
        s = _pool(states, torch.from_numpy(s_rows), torch.from_numpy(a["sentence_span"][s_units]))
        sent_out = model.sentence_head(s)[:, 0]
    return r_units, role_out, s_units, sent_out


def _loss(model: SharedModel, setting: Setting, a: dict, r_units, role_out, s_units, sent_out) -> torch.Tensor:
    loss = torch.zeros(())
    if role_out is not None:
        main = torch.from_numpy(a["role_main"][r_units])
        fine = torch.from_numpy(a["role_fine"][r_units])
        k = model.n_main
        l_role = F.cross_entropy(role_out[:, :k], main) + setting.fine_weight * F.binary_cross_entropy_with_logits(
            role_out[:, k:], fine, reduction="sum") / len(r_units)
        loss = loss + setting.role_weight * l_role
    if sent_out is not None:
        y = torch.from_numpy(a["sentence_y"][s_units])
        loss = loss + setting.sentence_weight * F.binary_cross_entropy_with_logits(sent_out, y)
    return loss


@torch.no_grad()
def evaluate(model: SharedModel, bottom: BottomStates, units: _Units, windows: list[int], batch: int = 16) -> dict:
    """Head outputs for every unit of ``windows``: role logits (main then fine) and sentence logits."""
    model.eval()
    r_idx, r_out, s_idx, s_out = [], [], [], []
    for i in range(0, len(windows), batch):
        idx = windows[i:i + batch]
        x, mask = bottom.batch(idx)
        ru, ro, su, so = _heads_forward(model, model.encode(x, mask), units, idx)
        if ro is not None:
            r_idx.append(ru)
            r_out.append(ro.numpy())
        if so is not None:
            s_idx.append(su)
            s_out.append(so.numpy())
    model.train()
    cat = lambda xs, shape: np.concatenate(xs) if xs else np.zeros(shape)  # noqa: E731
    return {"role_units": cat(r_idx, (0,)).astype(np.int64), "role_logits": cat(r_out, (0, 0)).astype(np.float32),
            "sentence_units": cat(s_idx, (0,)).astype(np.int64), "sentence_logits": cat(s_out, (0,)).astype(np.float32)}


# ---- one run ---------------------------------------------------------------------------------------------
def _progress(total: int, start: int, description: str):
    """A Rich progress bar with rate and ETA on a terminal; None otherwise (plain log lines instead)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return None
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]} windows/s"), TextColumn("loss {task.fields[loss]}"),
                   TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=True)
    bar.start()
    bar.add_task(description, total=total, completed=start, rate="–", loss="–")
    return bar


def train_run(name: str, weights, bottom: BottomStates, a: dict[str, np.ndarray], train_windows: list[int],
              eval_windows: list[int], setting: Setting, seed: int, key: str, *, n_main: int, n_fine: int,
              deadline: float | None = None, checkpoint_every: int = 100, resume: bool = True,
              say: Callable[[str], None] = print) -> tuple[str, Path]:
    """Train (or continue) one run; returns ``("done" | "stopped", run directory)``. The directory holds
    ``checkpoint.pt``, ``eval-<epoch>.npz`` (held-out head outputs) and ``done.json`` (epoch seconds).
    The rate is constant after warm-up and each epoch's order fixed by ``(seed, epoch)``, so a run asked
    for more epochs than it has done simply continues (its key leaves ``epochs`` out: :func:`run_key`)."""
    run_dir = train_cache() / "runs" / key
    run_dir.mkdir(parents=True, exist_ok=True)
    done = run_dir / "done.json"
    if done.exists() and resume and len(json.loads(done.read_text())["epoch_seconds"]) >= setting.epochs:
        return "done", run_dir
    torch.manual_seed(seed)
    model = SharedModel(build(weights), setting, n_main, n_fine)
    heads = [p for n, p in model.trainable().items() if "head" in n]
    adapters = [p for n, p in model.trainable().items() if "head" not in n]
    opt = torch.optim.AdamW([{"params": adapters, "lr": setting.lr}, {"params": heads, "lr": setting.head_lr}],
                            weight_decay=setting.weight_decay)
    base_lr = [setting.lr, setting.head_lr]
    steps_per_epoch = (len(train_windows) + setting.batch - 1) // setting.batch
    state = {"epoch": 0, "step": 0, "global_step": 0, "epoch_seconds": [], "seconds": 0.0}
    ckpt = run_dir / "checkpoint.pt"
    if ckpt.exists() and resume:
        saved = torch.load(ckpt, weights_only=True)
        model.load_state_dict(saved["model"], strict=False)
        opt.load_state_dict(saved["optim"])
        torch.set_rng_state(saved["rng"])
        state = saved["state"]
        say(f"{name}: resuming at epoch {state['epoch'] + 1}, step {state['step']}/{steps_per_epoch}")
    units = _Units(a, len(bottom.lengths))

    def checkpoint() -> None:
        _save({"model": model.trainable(), "optim": opt.state_dict(), "rng": torch.get_rng_state(),
               "state": state}, ckpt)

    model.train()
    while state["epoch"] < setting.epochs:
        e = state["epoch"]
        order = np.random.RandomState([seed, e]).permutation(len(train_windows))
        bar = _progress(steps_per_epoch, state["step"], f"{name} epoch {e + 1}/{setting.epochs}")
        t_mark, seen, loss_avg = time.perf_counter(), 0, None
        try:
            while state["step"] < steps_per_epoch:
                s = state["step"]
                idx = [train_windows[j] for j in order[s * setting.batch:(s + 1) * setting.batch]]
                g = state["global_step"]
                for group, lr in zip(opt.param_groups, base_lr):
                    group["lr"] = lr * min(1.0, (g + 1) / max(1, setting.warmup))
                x, mask = bottom.batch(idx)
                loss = _loss(model, setting, a, *_heads_forward(model, model.encode(x, mask), units, idx))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_([p for grp in opt.param_groups for p in grp["params"]], 1.0)
                opt.step()
                state["step"] += 1
                state["global_step"] += 1
                seen += len(idx)
                value = float(loss.detach())
                loss_avg = value if loss_avg is None else 0.98 * loss_avg + 0.02 * value
                now = time.perf_counter()
                rate = seen / max(now - t_mark, 1e-9)
                if bar is not None:
                    bar.update(bar.task_ids[0], completed=state["step"], rate=f"{rate:.1f}", loss=f"{loss_avg:.3f}")
                elif state["step"] % 50 == 0 or state["step"] == steps_per_epoch:
                    left = (steps_per_epoch - state["step"]) * setting.batch / max(rate, 1e-9)
                    say(f"{name} epoch {e + 1}/{setting.epochs} step {state['step']}/{steps_per_epoch} loss "
                        f"{loss_avg:.3f} {rate:.1f} windows/s ETA {left / 60:.1f} min")
                if state["step"] % checkpoint_every == 0 or (deadline is not None and time.monotonic() > deadline):
                    state["seconds"] += now - t_mark
                    t_mark, seen = now, 0
                    checkpoint()
                    if deadline is not None and time.monotonic() > deadline and state["step"] < steps_per_epoch:
                        return "stopped", run_dir
        finally:
            if bar is not None:
                bar.stop()
        state["seconds"] += time.perf_counter() - t_mark
        state["epoch_seconds"].append(round(state["seconds"], 1))
        state["seconds"] = 0.0
        if eval_windows:
            out = evaluate(model, bottom, units, eval_windows)
            np.savez(run_dir / f"eval-{e + 1}.npz", **out)
        state["epoch"] += 1
        state["step"] = 0
        checkpoint()
        say(f"{name}: epoch {e + 1} done in {state['epoch_seconds'][-1] / 60:.1f} min")
        if deadline is not None and time.monotonic() > deadline and state["epoch"] < setting.epochs:
            return "stopped", run_dir
    (run_dir / "done.json").write_text(json.dumps({"epoch_seconds": state["epoch_seconds"],
                                                   "windows": len(train_windows), "setting": setting.as_dict()}))
    return "done", run_dir


def load_trained(run_dir: Path, weights, setting: Setting, n_main: int, n_fine: int) -> SharedModel:
    model = SharedModel(build(weights), setting, n_main, n_fine)
    saved = torch.load(run_dir / "checkpoint.pt", weights_only=True)
    model.load_state_dict(saved["model"], strict=False)
    model.eval()
    return model


def export_layers(head: nn.Sequential) -> list[dict]:
    """A head's linear layers as ``[{"w", "b"}, ...]`` (float32), the layout :func:`heads.mlp` reads."""
    return [{"w": m.weight.detach().numpy().astype(np.float32), "b": m.bias.detach().numpy().astype(np.float32)}
            for m in head if isinstance(m, nn.Linear)]


def export_state(model: SharedModel, setting: Setting, weights, role_head: dict, sentence_head: dict,
                 extra: dict | None = None) -> dict:
    """The artifact state of :class:`narrascope.encoder.heads.EncoderHeads`: LoRA pairs as float16, the heads'
    layers as float32, with the calibrations and thresholds given in ``role_head`` / ``sentence_head``."""
    tensors = {}
    for k, ly in enumerate(model.top):
        i = model.frozen + k
        for name in LAYER_MATRICES:
            lin = getattr(ly, name)
            tensors[f"l{i}.{name}"] = {"a": lin.lora_a.detach().numpy().astype(np.float16),
                                       "b": lin.lora_b.detach().numpy().astype(np.float16)}

    w = weights if not isinstance(weights, (str, type(None))) else read_model(weights)
    return {"base_digest": w.digest([n for n in w.names() if n != "emb.word"]),
            "windows": {"window": WINDOW, "stride": STRIDE, "prefix": PASSAGE},
            "lora": {"rank": setting.rank, "alpha": setting.alpha,
                     "layers": list(range(model.frozen, model.frozen + len(model.top))), "tensors": tensors},
            "heads": {"roles": {**role_head, "layers": export_layers(model.role_head)},
                      "checkworthiness": {**sentence_head, "layers": export_layers(model.sentence_head)}},
            "setting": setting.as_dict(), **(extra or {})}


def torch_threads() -> int:
    return torch.get_num_threads()


def run_key(*parts: Any) -> str:
    """A run's cache key; a :class:`Setting` in ``parts`` counts without its ``epochs``."""
    return _digest(*[{k: v for k, v in p.as_dict().items() if k != "epochs"} if isinstance(p, Setting) else p
                     for p in parts])

