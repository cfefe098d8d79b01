"""Training examples and cross-validated scoring of the shared encoder (torch-free parts), on toy data."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.encoder import E5Tokenizer
from narrascope.encoder.heads import role_units
from narrascope.encoder.selection import (
    calibrate,
    fine_threshold,
    fit_temperature,
    main_priors,
    score_roles,
    score_sentences,
)
from narrascope.encoder.training_data import ROLES, SENTENCES, build_training_set, role_labels
from narrascope.encoder.windows import make_windows, tokenize
from narrascope.tasks.checkthat2024.data import Sentence, load_checkthat2024, sentence_order
from narrascope.tasks.semeval2025.data import load_semeval2025
from toy_datasets import toy_tasks  # noqa: F401  (the fixture)


@pytest.fixture(scope="module")
def data(toy_tasks):
    semeval, checkthat = toy_tasks
    return load_semeval2025(semeval, "train"), load_checkthat2024(checkthat, "train")


@pytest.fixture(scope="module")
def tok():
    return E5Tokenizer()


def test_units_read_what_run_time_reads(data, tok):
    samples, sentences = data
    ts = build_training_set(samples, sentences, folds=3, seed=0, tokenizer=tok)
    a = ts.arrays()
    assert len(a["role_main"]) == sum(len(s.mentions) for s in samples)
    assert set(a["kind"].tolist()) == {ROLES, SENTENCES}
    # the first mention, placed again as run time places it: the same ids at the same positions
    s = next(s for s in samples if s.mentions)
    m = s.mentions[0]
    w = make_windows(tok, tokenize(tok, s.text))
    unit, context = role_units(w, s.text, m.start, m.end)
    win = ts.windows[a["role_window"][0]]  # row 0: the first mention of the first document with mentions
    lo, hi = a["role_mention"][0]
    assert win[lo:hi].tolist() == w.sequence(unit.window)[unit.lo:unit.hi].tolist()
    assert tuple(a["role_context"][0]) == (context.lo, context.hi)
    # labels: main index and fine roles under it
    mains, fines, parents = role_labels()
    for k, f in zip(a["role_main"], a["role_fine"]):
        assert all(parents[j] == k for j in np.flatnonzero(f)) and f.sum() >= 1
    assert ts.fingerprint() == build_training_set(samples, sentences, 3, 0, tokenizer=tok).fingerprint()


def test_folds_keep_documents_and_debate_blocks_together(data, tok):
    samples, sentences = data
    ts = build_training_set(samples, sentences, folds=3, seed=0, tokenizer=tok)
    a = ts.arrays()
    fold_of_doc = {}
    for w, doc in zip(a["role_window"], ts.role_document):
        fold_of_doc.setdefault(doc, set()).add(int(a["fold"][w]))
    assert all(len(f) == 1 for f in fold_of_doc.values())
    # check-worthiness: folds are contiguous blocks in Sentence_id order
    order = np.argsort([int(x) for x in ts.sentence_id])
    folds = a["fold"][a["sentence_window"]][order]
    assert np.all(np.diff(folds) >= 0) and set(folds.tolist()) == {0, 1, 2}
    small = build_training_set(samples, sentences, folds=3, seed=0, limit=4, tokenizer=tok)
    assert len(set(small.role_document)) == 4 and len(small.windows) < len(ts.windows)


def test_sentence_order_sorts_ids_and_cuts_at_gaps():
    rows = [Sentence("30", "c", None), Sentence("10", "a", None), Sentence("11", "b", None),
            Sentence("500", "d", None), Sentence("x1", "e", None)]
    assert sentence_order(rows) == [[1, 2, 0], [3], [4]]


def test_role_scoring_thresholds_and_calibration():
    mains, fines, parents = role_labels()
    parents = np.asarray(parents)
    rng = np.random.RandomState(0)
    n = 60
    main = rng.randint(0, 3, n)
    fine = np.zeros((n, len(fines)), np.float32)
    for i, k in enumerate(main):
        fine[i, rng.choice(np.flatnonzero(parents == k))] = 1
    logits = np.hstack([np.eye(3)[main] * 4 - 2, fine * 8 - 4]).astype(np.float32)
    a = {"role_main": main, "role_fine": fine, "role_window": np.arange(n), "fold": np.arange(n) % 3,
         "sentence_y": (rng.rand(90) < 0.3).astype(np.float32)}
    langs = ["EN"] * 30 + ["BG"] * 30
    r = score_roles(logits, a, parents, mains, fines, langs)
    assert r["emr"]["ALL"]["mean"] == 1.0 and r["main_accuracy"]["EN"]["mean"] == 1.0
    assert set(r["emr"]) == {"EN", "BG", "ALL"} and len(r["fine_thresholds"]) == 3
    assert 0 < r["majority_main_accuracy"]["ALL"]["mean"] < 1
    assert fine_threshold(logits, main, fine, parents, 3) >= 0.5
    noisy = np.where(rng.rand(n) < 0.3, (main + 1) % 3, main)  # 30% wrong: confident logits are cooled
    assert fit_temperature(logits[:, :3] * 3, noisy) > 1 > fit_temperature(logits[:, :3] / 3, main)
    z = np.where(a["sentence_y"] > 0, 2.0, -2.0) + rng.randn(90) * 0.5
    s = score_sentences(z, a["sentence_y"].astype(int), np.arange(90) % 3)
    assert s["f1_yes"]["mean"] > 0.9
    roles, sent = calibrate(logits, z, a, parents, mains, langs)
    assert set(roles["priors"]) == {"BG", "EN", "ALL"} and sent["threshold"] > 0
    assert main_priors(main, langs, mains)["ALL"] == pytest.approx(
        {m: float(np.mean(main == k)) for k, m in enumerate(mains)}, abs=1e-3)
