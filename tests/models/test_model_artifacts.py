"""Model artifacts (arrays plus JSON, never pickle) and the one model loader."""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from narrascope.models.artifacts import read_artifact, write_artifact
from narrascope.models.registry import MODES, TASKS, artifact_path, card_path, load_model, models_dir, read_card

FMT = "narrascope.Test"


class _TouchOnUnpickle:
    """Unpickling this creates a file: proof that a loader ran code from a model file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_state_round_trips_exactly(tmp_path):
    state = {"none": None, "flag": True, "n": 3, "x": 0.1, "s": "Ünïcode", "pair": (1, "a"), "list": [1, (2.5, None)],
             "f32": np.arange(5, dtype=np.float32), "i64": np.array([[1, 2], [3, 4]]), "scalar": np.float32(1.5),
             "csr": sp.csr_matrix(np.array([[0, 1.5], [2, 0]], dtype=np.float32)),
             "nested": {"Antagonist": {"classes": ["a", "b"], "coef": np.ones((2, 3))}}}
    path = tmp_path / "model"  # no suffix: nothing is appended
    write_artifact(path, FMT, 3, state)
    assert path.exists() and zipfile.is_zipfile(path)
    version, back = read_artifact(path, FMT, (3,))
    assert version == 3 and list(back) == list(state)
    for k in ("none", "flag", "n", "x", "s", "pair", "list"):
        assert back[k] == state[k] and type(back[k]) is type(state[k])
    for k in ("f32", "i64"):
        assert back[k].dtype == state[k].dtype and np.array_equal(back[k], state[k])
    assert type(back["scalar"]) is np.float32 and back["scalar"] == 1.5
    assert isinstance(back["csr"], sp.csr_matrix) and back["csr"].dtype == np.float32
    assert (back["csr"] != state["csr"]).nnz == 0
    assert back["nested"]["Antagonist"]["classes"] == ["a", "b"]


def test_the_same_state_gives_the_same_bytes(tmp_path):
    state = {"w": np.linspace(0, 1, 50), "labels": ["x", "y"]}
    write_artifact(tmp_path / "a.npz", FMT, 1, state)
    write_artifact(tmp_path / "b.npz", FMT, 1, state)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_other_formats_and_versions_are_refused(tmp_path):
    path = tmp_path / "m.npz"
    write_artifact(path, FMT, 1, {"w": np.zeros(2)})
    with pytest.raises(ValueError, match="not a narrascope.Other file"):
        read_artifact(path, "narrascope.Other", (1,))
    with pytest.raises(ValueError, match="model format version 1, this narrascope reads 2"):
        read_artifact(path, FMT, (2,))
    (tmp_path / "text.npz").write_text("hello", encoding="utf-8")
    with pytest.raises(ValueError, match="not a narrascope.Test file"):
        read_artifact(tmp_path / "text.npz", FMT, (1,))


def test_unsaveable_values_are_refused(tmp_path):
    with pytest.raises(TypeError):
        write_artifact(tmp_path / "m.npz", FMT, 1, {"obj": object()})
    with pytest.raises(TypeError):
        write_artifact(tmp_path / "m.npz", FMT, 1, {"arr": np.array([object()], dtype=object)})


def test_a_pickle_never_runs(tmp_path):
    from narrascope.models.narratives import NarrativeClassifier

    marker = tmp_path / "ran"
    evil = tmp_path / "evil.joblib"
    evil.write_bytes(pickle.dumps({"format": "narrascope.NarrativeClassifier", "x": _TouchOnUnpickle(marker)}))
    with pytest.raises(ValueError, match="not a narrascope.NarrativeClassifier file"):
        NarrativeClassifier.load(evil)
    # an archive whose array entry is a pickled object array
    header = {"format": FMT, "version": 1, "state": {"w": {"$array": "a0"}}}
    buf = io.BytesIO()
    np.savez(buf, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
             a0=np.array([_TouchOnUnpickle(marker)], dtype=object))
    (tmp_path / "evil.npz").write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="not a narrascope.Test file"):
        read_artifact(tmp_path / "evil.npz", FMT, (1,))
    assert not marker.exists()


def test_every_shipped_model_loads_once_per_process():
    assert not list(models_dir().glob("*.joblib"))
    for task in TASKS:
        for mode in MODES:
            path = artifact_path(task, mode)
            assert path.suffix == ".npz" and task in read_card(path)["task"].split("+")  # "roles+checkworthiness": one shared encoder
            assert card_path(path).name == path.name.replace(".npz", ".card.json")
            assert load_model(task, mode) is load_model(task, str(path))
