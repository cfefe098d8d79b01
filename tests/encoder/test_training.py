"""Fine-tuning the shared encoder (narrascope.encoder.training / finetune) on toy data: needs torch (the
``train`` extra); skipped where it is not installed (CI, the run-time venv). Seconds, not minutes: a few
dozen windows, one or two epochs."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from narrascope.encoder import training  # noqa: E402
from narrascope.encoder.finetune import train_shared_encoder  # noqa: E402
from narrascope.encoder.heads import EncoderHeads, mlp  # noqa: E402
from narrascope.encoder.training_data import build_training_set  # noqa: E402
from narrascope.encoder.weights import read_model  # noqa: E402
from narrascope.tasks.checkthat2024.data import load_checkthat2024  # noqa: E402
from narrascope.tasks.semeval2025.data import load_semeval2025  # noqa: E402
from toy_datasets import toy_tasks  # noqa: E402, F401  (the fixture)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture(scope="module")
def toy_set(toy_tasks):
    semeval, checkthat = toy_tasks
    return build_training_set(load_semeval2025(semeval, "train"), load_checkthat2024(checkthat, "train"), folds=2)


def _run(ts, key, deadline=None, epochs=2):
    w = read_model()
    a = ts.arrays()
    e5 = training.build(w)
    bottom = training.BottomStates.build(e5, ts.windows, 10, key + "-bottom", say=lambda s: None)
    setting = training.Setting(layers=2, epochs=epochs, batch=4, warmup=3)
    return training.train_run("t", w, bottom, a, list(range(len(ts.windows))), [0, 1], setting, 0, key,
                              n_main=3, n_fine=22, deadline=deadline, checkpoint_every=2, say=lambda s: None)


def test_a_stopped_run_resumes_where_it_stopped(cache, toy_set):
    status, stopped_dir = _run(toy_set, "stop", deadline=0.0)  # the deadline passed: stop at the first checkpoint
    assert status == "stopped" and (stopped_dir / "checkpoint.pt").exists()
    first = torch.load(stopped_dir / "checkpoint.pt", weights_only=True)["state"]
    assert first["global_step"] < 2 * ((len(toy_set.windows) + 3) // 4)
    assert _run(toy_set, "stop")[0] == "done"
    assert _run(toy_set, "straight")[0] == "done"
    resumed = torch.load(stopped_dir / "checkpoint.pt", weights_only=True)["model"]
    straight = torch.load(cache / "cache" / "narrascope" / "train" / "runs" / "straight" / "checkpoint.pt",
                          weights_only=True)["model"]
    for name in straight:  # same data order, same RNG: the same weights
        assert torch.allclose(resumed[name], straight[name], atol=1e-6), name
    assert json.loads((stopped_dir / "done.json").read_text())["epoch_seconds"]
    assert (stopped_dir / "eval-2.npz").exists()


def test_numpy_heads_equal_the_torch_heads(toy_set):
    w = read_model()
    model = training.SharedModel(training.build(w), training.Setting(layers=1), 3, 22).eval()
    state = training.export_state(model, training.Setting(layers=1), w, {}, {})
    x = torch.randn(5, 2 * 384 + 5)
    with torch.no_grad():
        want = model.role_head(x).numpy()
    assert np.allclose(mlp(x.numpy(), state["heads"]["roles"]["layers"]), want, atol=1e-4)
    assert set(state["lora"]["tensors"]) == {f"l11.{m}" for m in ("q", "k", "v", "ao", "fi", "fo")}
    assert state["lora"]["tensors"]["l11.q"]["a"].dtype == np.float16


def test_train_cross_validate_export_and_load(cache, toy_tasks):
    semeval, checkthat = toy_tasks
    out = cache / "encoder.npz"
    card = train_shared_encoder(semeval, checkthat, out, cv=2, epochs=1, layers=(1,), say=lambda s: None)
    assert card["shared_by"] == ["roles", "checkworthiness"] and card["format"] == "EncoderHeads"
    ev = card["evaluation"]
    assert set(ev["roles"]["emr"]) >= {"EN", "BG", "ALL"} and "f1_yes" in ev["checkworthiness"]
    assert card["training_seconds_per_epoch"] and out.stat().st_size < 5_000_000
    heads = EncoderHeads.load(out)
    text = (semeval / "train" / "EN" / "raw-documents" / "EN_000.txt").read_text(encoding="utf-8")
    r = heads.view("roles").predict_scored([(text, 0, 5)], ["EN"])[0]
    assert r["main"] in ("Protagonist", "Antagonist", "Innocent") and r["fine"]
    assert heads.view("checkworthiness").predict_proba(["Exports rose by 5 percent in 2001."]).shape == (1,)
    # a rerun finds everything done and exports the same numbers
    again = train_shared_encoder(semeval, checkthat, cache / "again.npz", cv=2, epochs=1, layers=(1,),
                                 say=lambda s: None)
    assert again["evaluation"]["roles"] == ev["roles"]
