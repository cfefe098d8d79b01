"""A small synthetic encoder-heads artifact for the tests (no training, no torch, no data set), and the
``artifact`` and ``heads`` fixtures the encoder tests import from here.

Random LoRA pairs of rank 2 on the top layer and random heads, in the layout the training code exports
(:func:`narrascope.encoder.training.export_state`): enough to exercise the run-time path (assembly with
deltas, windows, heads, the shared per-document pass, the registry, the analyzers) in CI without torch.
Fixed seed: the assembled graph is cached once per machine (``~/.cache/narrascope/encoder/``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrascope.encoder.heads import LANGUAGES, EncoderHeads, write_heads
from narrascope.encoder.tokenizer import PASSAGE
from narrascope.encoder.training_data import role_labels
from narrascope.encoder.weights import LAYER_MATRICES, read_model
from narrascope.encoder.windows import STRIDE, WINDOW
from narrascope.tasks.semeval2023.data import official_techniques


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
    techniques = official_techniques()
    narratives = ["URW: Blaming the war on others", "URW: Discrediting Ukraine"]
    subnarratives = ["URW: Blaming the war on others: Ukraine is the aggressor",
                     "URW: Discrediting Ukraine: Discrediting Ukrainian government and officials and policies"]
    classes = narratives + subnarratives + ["Other"]
    n_doc = 2 * H + len(LANGUAGES)
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
            # thresholds low enough that random heads find spans (the decoding is what is tested)
            "techniques": {"layers": [layer(hidden, 2 * H, 0.2), layer(len(techniques), hidden, 1.0)],
                           "labels": techniques, "thresholds": np.full(len(techniques), 0.6, np.float32),
                           "run_ratio": 0.8, "extra_factor": 1.0, "gap": 2},
            "narratives": {"layers": [layer(hidden, n_doc, 0.2), layer(len(classes), hidden, 1.0)],
                           "classes": classes, "n_narratives": 2, "parents": [0, 1],
                           "thresholds": np.full(len(classes), 0.5, np.float32),
                           "language_factors": {"EN": 1.0}, "require_parent": True, "gate": True,
                           "calibration": np.tile([1.0, 0.0], (len(classes), 1)), "taxonomy": "semeval2025_narratives",
                           "blend": 1.0},
        },
        "setting": {"layers": 1, "rank": 2},
    }


def write_synthetic_artifact(path: Path, seed: int = 0) -> Path:
    write_heads(path, synthetic_state(seed))
    return path


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """The synthetic artifact, written once per test module."""
    return write_synthetic_artifact(tmp_path_factory.mktemp("enc") / "encoder-test.npz")


@pytest.fixture(scope="module")
def heads(artifact):
    return EncoderHeads.load(artifact)


def count_encoder_calls(heads, monkeypatch) -> list[int]:
    """The number of windows of each call to ``heads``' encoder from now on (the list fills as calls come)."""
    calls: list[int] = []
    enc = heads.encoder
    original = enc.encode
    monkeypatch.setattr(enc, "encode", lambda seqs, *a, **k: calls.append(len(seqs)) or original(seqs, *a, **k))
    return calls
