"""Training, prediction and evaluation for CheckThat! 2024 Task 1 (English check-worthiness).

These functions back ``narrascope train checkworthiness``, ``narrascope predict checkthat2024`` and
``narrascope eval checkthat2024``. Model selection and threshold tuning use the *train* file only
(cross-validation); the labelled dev and dev-test files are scored for information, never used to choose.
The official metric is F1 of class "Yes".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import InputError, UsageError
from .metrics import METRIC, scores

DATA_TERMS = ("CheckThat! 2024 Task 1 English data (CLEF CheckThat! Lab), research use only. The artifact holds "
              "hashed-feature weights, idf, a threshold and a calibration; no text or vocabulary from the data.")


def _model_class():
    from ...models.checkworthiness import CheckworthinessModel

    return CheckworthinessModel


def _load(data_dir: str | Path, split: str):
    from .data import load_checkthat2024

    return load_checkthat2024(data_dir, split)


def evaluate_cv(data_dir: str | Path, cv: int = 5, mode: str = "fast", seed: int = 0, params: dict | None = None,
                heldout: bool = True, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """``cv``-fold cross-validation on the train file (duplicate sentences in one fold, stratified by label;
    each fold's model picks its own threshold by inner CV on its training part). With ``heldout`` the model
    trained on all of train is also scored on the labelled dev and dev-test files, for information only.
    ``params`` overrides the mode's settings (for experiments)."""
    from ...models.checkworthiness import yes_no_labels
    from ...models.training import group_folds, text_key

    if cv < 2:
        raise UsageError("cv must be at least 2")
    if mode == "default" and not params:
        return cv_from_card()
    Model = _model_class()
    train = _load(data_dir, "train")
    texts = [s.text for s in train]
    y = yes_no_labels([s.label for s in train])
    groups = [text_key(t) for t in texts]
    make = (lambda: Model(**{"seed": seed, **params})) if params else (lambda: Model(mode=mode, seed=seed))
    proto = make()
    raw = proto.raw_features(texts)
    fold = group_folds(groups, cv, seed, [str(v) for v in y])
    pred = np.zeros(len(y), dtype=int)
    proba = np.zeros(len(y))
    per_fold = []
    t0 = time.perf_counter()
    for f in range(cv):
        te, tr = np.flatnonzero(fold == f), np.flatnonzero(fold != f)
        sub = _subset(raw, tr)
        m = make().fit([texts[i] for i in tr], y[tr], [groups[i] for i in tr], raw=sub)
        p = m.predict_proba_raw(_subset(raw, te))
        proba[te] = p
        pred[te] = (p >= m.threshold_).astype(int)
        per_fold.append({**scores(y[te], pred[te]), "threshold": m.threshold_})
        if progress:
            progress(f"fold {f + 1}/{cv}: F1(Yes) {per_fold[-1]['f1_yes']:.4f}")
    f1s = [r["f1_yes"] for r in per_fold]
    out: dict[str, Any] = {
        "protocol": f"{cv}-fold CV on train (duplicates grouped, stratified by label; threshold by inner CV on "
                    f"each fold's training part)", "metric": METRIC, "mode": mode if not params else "custom",
        "params": {k: getattr(proto, k) for k in proto.PARAMS},
        "cv": {**scores(y, pred), "f1_yes_mean": round(float(np.mean(f1s)), 4),
               "f1_yes_std": round(float(np.std(f1s)), 4), "folds": per_fold},
        "cv_seconds": round(time.perf_counter() - t0, 1),
    }
    if heldout:
        m = make().fit(texts, y, groups, raw=raw)
        out["threshold"] = m.threshold_
        out["heldout"] = evaluate_heldout(m, data_dir)
    return out


def cv_from_card(artifact: str | Path | None = None) -> dict[str, Any]:
    """The cross-validated figures the default (fine-tuned) model recorded in its card when it was trained
    (``narrascope train checkworthiness --mode default --cv 3``), in the layout of :func:`evaluate_cv`."""
    from ...models.registry import ModelUnavailable, artifact_path, read_card

    card = read_card(artifact or artifact_path("checkworthiness", "default")) or {}
    ev = card.get("evaluation")
    if not isinstance(ev, dict) or "checkworthiness" not in ev:
        raise ModelUnavailable("the default check-worthiness model records no cross-validated figures: train it "
                               "with 'narrascope train checkworthiness --mode default --data ../shared/data --cv 3'")
    cw = ev["checkworthiness"]
    folds = int(str(ev["protocol"]).split("-fold")[0]) if "-fold" in str(ev.get("protocol")) else 0
    return {"protocol": ev["protocol"], "metric": METRIC, "mode": "default", "from_card": True, "folds": folds,
            "cv": {**cw["pooled"], "f1_yes_mean": cw["f1_yes"]["mean"], "f1_yes_std": cw["f1_yes"]["std"]},
            "heldout": card.get("checkworthiness_heldout_for_information", {})}


def _subset(raw: dict, rows: np.ndarray) -> dict:
    return {"counts": [X[rows] for X in raw["counts"]],
            "cues": None if raw.get("cues") is None else raw["cues"][rows],
            "dense": None if raw.get("dense") is None else raw["dense"][rows]}


def predict_rows(model, rows: list) -> np.ndarray:
    """0/1 per row, in row order. A model that reads sentences in context (the default one: its encoder reads
    consecutive sentences together) gets them in ``Sentence_id`` order, in runs of one debate
    (:func:`.data.sentence_order`), as in its training; the linear model reads each sentence alone."""
    if not getattr(model, "reads_context", False):
        return np.asarray(model.predict([r.text for r in rows]), dtype=int)
    from .data import sentence_order

    out = np.zeros(len(rows), dtype=int)
    for run in sentence_order(rows):
        out[run] = model.predict([rows[i].text for i in run])
    return out


def evaluate_heldout(model, data_dir: str | Path) -> dict[str, Any]:
    """Scores on the labelled dev and dev-test files (for information: never used for selection)."""
    out = {}
    for split in ("dev", "dev-test"):
        try:
            rows = _load(data_dir, split)
        except InputError:
            continue
        rows = [r for r in rows if r.label is not None]
        if rows:
            out[split] = scores([r.y for r in rows], predict_rows(model, rows))
    return out


def train_checkworthiness(data_dir: str | Path, out: str | Path, mode: str = "default", cv: int = 0, seed: int = 0,
                          progress: Callable[[str], None] = print) -> dict:
    """Train on the train file, save the artifact at ``out`` and its model card beside it; returns the card.
    With ``cv`` ≥ 2 the card records ``cv``-fold CV scores on train and dev/dev-test scores for information."""
    from ...models.checkworthiness import MODES, yes_no_labels
    from ...models.registry import model_card, write_card
    from ...models.training import text_key

    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}: use default or fast")
    Model = _model_class()
    train = _load(data_dir, "train")
    texts = [s.text for s in train]
    y = yes_no_labels([s.label for s in train])
    progress(f"fitting the {mode} check-worthiness model on {len(texts)} training sentences")
    t0 = time.perf_counter()
    clf = Model(mode=mode, seed=seed).fit(texts, y, [text_key(t) for t in texts])
    seconds = time.perf_counter() - t0
    clf.save(out)
    evaluation = None
    if cv:
        progress(f"{cv}-fold cross-validation on the training split")
        res = evaluate_cv(data_dir, cv=cv, mode=mode, seed=seed, heldout=False, progress=progress)
        evaluation = {"protocol": res["protocol"], "metric": METRIC,
                      "cv_train": {k: v for k, v in res["cv"].items() if k != "folds"},
                      "cv_folds_f1_yes": [r["f1_yes"] for r in res["cv"]["folds"]]}
    heldout = evaluate_heldout(clf, data_dir)
    card = model_card(
        "checkworthiness", mode, clf,
        method=("hashed word {}-{} grams + char_wb {}-{} grams (tf-idf) + {} dense cues (numbers, "
                "percentages, money, years/dates, name-like capitalised tokens, quantities with units, "
                "attribution verbs, change/comparison words, opinion markers, questions); logistic "
                "regression (liblinear, balanced); threshold maximising F1(Yes) and Platt calibration from "
                "{}-fold inner CV on train").format(*clf.word_ngrams, *(clf.char_ngrams or (0, 0)),
                                                   "with" if clf.cues else "no", clf.inner_folds),
        training_data={"dataset": "CheckThat! 2024 Task 1 (check-worthiness estimation), English",
                       "split": "train (CT24_checkworthy_english_train.tsv); dev, dev-test and test never used "
                                "for training or selection", "sentences": len(texts),
                       "yes": int(y.sum()), "no": int(len(y) - y.sum())},
        terms=DATA_TERMS, evaluation=evaluation, seconds=seconds,
        threshold=clf.threshold_, inner_cv_f1_yes=round(clf.inner_f1_, 4), heldout_for_information=heldout)
    write_card(out, card)
    return card


def predict_checkthat2024(input_tsv: str | Path, out_path: str | Path, model: Any = "default",
                          header: bool = True) -> int:
    """Write one ``Sentence_id<TAB>Yes|No`` line for every input row, in input order (after a
    ``Sentence_id<TAB>class_label`` header line, the layout of the gold files, unless ``header=False``);
    returns the number of rows. ``model``: "default", "fast", a path to an artifact, or a fitted model.
    The input needs columns ``Sentence_id`` and ``Text`` (extra columns, CRLF and a BOM are fine)."""
    from .data import load_tsv

    rows = load_tsv(input_tsv)
    if isinstance(model, (str, Path)):
        from ...models.registry import load_model

        model = load_model("checkworthiness", model)
    labels = predict_rows(model, rows) if rows else []
    out = Path(out_path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="\n") as fh:
            if header:
                fh.write("Sentence_id\tclass_label\n")
            for r, v in zip(rows, labels):
                fh.write(f"{r.id}\t{'Yes' if v else 'No'}\n")
    except OSError as exc:
        raise InputError(f"{out}: cannot write ({exc.strerror or exc})") from None
    return len(rows)
