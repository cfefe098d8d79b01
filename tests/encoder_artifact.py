"""A small synthetic encoder-heads artifact for the tests (no training, no torch, no data set).

Random LoRA pairs of rank 2 on the top layer and random heads, in the layout the training code exports
(:func:`narrascope.encoder.training.export_state`): enough to exercise the run-time path (assembly with
deltas, windows, heads, the shared per-document pass, the registry, the analyzers) in CI without torch.
Fixed seed: the assembled graph is cached once per machine (``~/.cache/narrascope/encoder/``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from narrascope.encoder.heads import LANGUAGES, write_heads
from narrascope.encoder.tokenizer import PASSAGE
from narrascope.encoder.training_data import role_labels
from narrascope.encoder.weights import LAYER_MATRICES, read_model
from narrascope.encoder.windows import STRIDE, WINDOW


def synthetic_state(seed: int = 0, hidden: int = 16) -> dict:
    rng = np.random.RandomState(seed)
    w = read_model()
    tensors = {}
    for name in LAYER_MATRICES:
        out_f, in_f = w.tensor(f"l11.{name}.w").shape
        tensors[f"l11.{name}"] = {"a": (rng.randn(2, in_f) * 0.05).astype(np.float16),
                                  "b": (rng.randn(out_f, 2) * 0.05).astype(np.float16)}
    mains, fines, parents = role_labels()
    H = w.config.hidden

    def layer(n_out: int, n_in: int, scale: float) -> dict:
        return {"w": (rng.randn(n_out, n_in) * scale).astype(np.float32), "b": np.zeros(n_out, np.float32)}

    priors = {"ALL": {"Protagonist": 0.33, "Antagonist": 0.47, "Innocent": 0.2}}
    return {
        "base_digest": w.digest([n for n in w.names() if n != "emb.word"]),
        "windows": {"window": WINDOW, "stride": STRIDE, "prefix": PASSAGE},
        "lora": {"rank": 2, "alpha": 4.0, "layers": [11], "tensors": tensors},
        "heads": {
            "roles": {"layers": [layer(hidden, 2 * H + len(LANGUAGES), 0.2), layer(len(mains) + len(fines), hidden, 1.0)],
                      "main_classes": mains, "fine_classes": fines, "fine_parent": parents,
                      "languages": list(LANGUAGES), "taxonomy": "semeval2025_roles", "temperature": 1.0,
                      "threshold": 0.5, "priors": priors},
            "checkworthiness": {"layers": [layer(hidden, H, 0.2), layer(1, hidden, 1.0)], "platt": [1.0, 0.0],
                                "threshold": 0.5},
        },
        "setting": {"layers": 1, "rank": 2},
    }


def write_synthetic_artifact(path: Path, seed: int = 0) -> Path:
    write_heads(path, synthetic_state(seed))
    return path
