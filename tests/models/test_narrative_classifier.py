"""NarrativeClassifier and the grouped cross-validation, on synthetic documents made here."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("sklearn")

from conftest import SHARED  # noqa: E402

from narrascope.tasks.semeval2025.crossval import cross_validate_narratives  # noqa: E402
from narrascope.models.narratives import NarrativeClassifier  # noqa: E402
from narrascope.models.training import group_folds, text_key  # noqa: E402

N1, N2 = "URW: Discrediting Ukraine", "CC: Amplifying Climate Fears"
S1 = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"
S1_OTHER = "URW: Discrediting Ukraine: Other"
S2 = "CC: Amplifying Climate Fears: Earth will be uninhabitable soon"
S2_OTHER = "CC: Amplifying Climate Fears: Other"

# Made-up nonsense words per label, so each label is separable by its own vocabulary.
WORDS = {
    S1: "zorblat quimbex varnok plimzo trudex kalvor",
    S1_OTHER: "mendrik sollopa gravunt hessiko brumwal ticcora",
    S2: "flonquist yarvedo prenzik wumbolo skarth ethrinel",
    S2_OTHER: "dravolin quenmark opastri lurvekon gimbatha sorrelid",
}
FILLER = "the a of and in to with on for at by from news report today people".split()


def _doc(rng: random.Random, subs: list[str], idx: int) -> str:
    words = [rng.choice(FILLER) for _ in range(40)]
    for s in subs:
        words += rng.sample(WORDS[s].split(), 4)
    rng.shuffle(words)
    return f"doc{idx} " + " ".join(words)


def _corpus(n: int = 160, seed: int = 1):
    rng = random.Random(seed)
    kinds = [[S1], [S1_OTHER], [S2], [S2_OTHER], [S1, S2], []]
    texts, labels = [], []
    for i in range(n):
        subs = kinds[i % len(kinds)]
        texts.append(_doc(rng, subs, i))
        narr = sorted({s.rsplit(": ", 1)[0] for s in subs}) or ["Other"]
        labels.append((narr, sorted(subs) or ["Other"]))
    return texts, labels


@pytest.fixture(scope="module")
def trained():
    texts, labels = _corpus()
    clf = NarrativeClassifier(n_features=2**16, seed=0).fit(texts, labels, languages=["EN"] * len(texts))
    return clf, texts, labels


def test_learns_separable_labels(trained):
    clf, _, _ = trained
    texts, labels = _corpus(60, seed=7)
    pred = clf.predict(texts)
    exact = sum(set(p[0]) == set(g[0]) and set(p[1]) == set(g[1]) for p, g in zip(pred, labels))
    assert exact / len(texts) >= 0.9
    proba = clf.predict_proba(texts)
    assert proba.shape == (60, len(clf.classes_)) and np.all((proba >= 0) & (proba <= 1))


def test_hierarchy_consistency_and_other(trained):
    clf, _, _ = trained
    rng = random.Random(3)
    texts = [_doc(rng, [S1], 1), _doc(rng, [S2, S2_OTHER], 2), "the of and in to news report today people"]
    for narr, subs in clf.predict(texts):
        if narr == ["Other"]:
            assert subs == ["Other"]
            continue
        assert "Other" not in narr and "Other" not in subs
        for s in subs:
            assert s.rsplit(": ", 1)[0] in narr  # a subnarrative implies its narrative
        for n in narr:
            assert any(s.startswith(n + ": ") for s in subs)  # every narrative has a subnarrative
    assert clf.predict([texts[2]]) == [(["Other"], ["Other"])]  # nothing fires -> Other


def test_narrative_without_sub_gets_its_other(trained):
    clf, _, _ = trained
    P = np.zeros((1, len(clf.classes_)))
    P[0, clf.classes_.index(N1)] = 1.0
    assert clf.decode(P) == [([N1], [S1_OTHER])]
    P = np.zeros((1, len(clf.classes_)))
    P[0, len(clf.narrative_classes_) + clf.subnarrative_classes_.index(S2)] = 1.0
    assert clf.decode(P) == [([N2], [S2])]  # the sub brings its narrative


def test_deterministic():
    texts, labels = _corpus(90)
    a = NarrativeClassifier(n_features=2**14, seed=5).fit(texts, labels)
    b = NarrativeClassifier(n_features=2**14, seed=5).fit(texts, labels)
    np.testing.assert_array_equal(a.predict_proba(texts), b.predict_proba(texts))
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)


def test_save_load_round_trip_holds_no_text(trained, tmp_path):
    clf, texts, _ = trained
    path = tmp_path / "model.npz"
    clf.save(path)
    loaded = NarrativeClassifier.load(path)
    probe, _ = _corpus(30, seed=11)
    assert loaded.predict(probe) == clf.predict(probe)
    np.testing.assert_array_equal(loaded.predict_proba(probe), clf.predict_proba(probe))
    assert loaded.taxonomy_name_ == "semeval2025_narratives" and loaded.languages_ == ["EN"]
    assert loaded.trained_ and loaded.n_train_ == len(texts)
    for raw in (path.read_bytes(), _uncompressed(path, tmp_path)):
        for word in {w for ws in WORDS.values() for w in ws.split()} | {"doc17", "report"}:
            assert word.encode() not in raw


def _uncompressed(path, tmp_path):
    plain = tmp_path / "plain.npz"
    with np.load(path) as archive:  # the same entries without compression, so the grep sees every byte
        np.savez(plain, **{k: archive[k] for k in archive.files})
    return plain.read_bytes()


def test_load_rejects_other_files(tmp_path):
    import joblib

    joblib.dump({"format": "something else"}, tmp_path / "x.joblib")
    with pytest.raises(ValueError):
        NarrativeClassifier.load(tmp_path / "x.joblib")


def test_group_folds_keeps_duplicates_together():
    keys = [f"k{i % 7}" for i in range(40)]
    strata = ["EN" if i % 2 else "BG" for i in range(40)]
    folds = group_folds(keys, 3, seed=0, strata=strata)
    for k in set(keys):
        assert len({folds[i] for i, key in enumerate(keys) if key == k}) == 1
    assert set(folds) == {0, 1, 2}


def test_cross_validation_groups_duplicates():
    texts, labels = _corpus(60)
    texts += texts[:12]  # 12 duplicated texts (with their labels)
    labels += labels[:12]
    samples = [SimpleNamespace(text=t, language="EN" if i % 3 else "PT", narratives=n, subnarratives=s)
               for i, (t, (n, s)) in enumerate(zip(texts, labels))]
    result = cross_validate_narratives(samples, folds=3, seed=0, n_features=2**14)
    folds = result["fold_ids"]
    for i in range(12):
        assert folds[i] == folds[60 + i]
    assert result["duplicate_documents"] == 12
    assert sorted(result["model"]["narratives"]) == ["ALL", "EN", "PT"]
    assert result["model"]["narratives"]["ALL"]["mean"] > result["other_baseline"]["narratives"]["ALL"]["mean"]
    assert len(result["model"]["subnarratives"]["ALL"]["folds"]) == 3


def test_text_key_ignores_surrounding_whitespace():
    assert text_key(" a b \n") == text_key("a b")


@pytest.mark.skipif(not (SHARED / "data" / "semeval2025_task10" / "train").is_dir(),
                    reason="../shared/data/semeval2025_task10 is not present")
def test_real_data_smoke():
    from narrascope.tasks.semeval2025.data import load_semeval2025

    data = load_semeval2025(SHARED / "data" / "semeval2025_task10", "train", languages=("RU",))
    data = [s for s in data if s.narratives is not None][:60]
    clf = NarrativeClassifier(n_features=2**16, inner_folds=2).fit([s.text for s in data],
                                                                       [(s.narratives, s.subnarratives) for s in data])
    for narr, subs in clf.predict([s.text for s in data[:10]]):
        assert narr and subs


def test_other_gate_round_trip(tmp_path):
    texts, labels = _corpus(120)
    clf = NarrativeClassifier(n_features=2**14, other_gate=True).fit(texts, labels)
    assert clf.classes_[-1] == "Other" and "Other" not in clf.subnarrative_classes_
    probe, gold = _corpus(30, seed=5)
    pred = clf.predict(probe)
    assert sum(p == (["Other"], ["Other"]) for p in pred) == sum(g[0] == ["Other"] for g in gold)
    clf.save(tmp_path / "m.npz")
    assert NarrativeClassifier.load(tmp_path / "m.npz").predict(probe) == pred
