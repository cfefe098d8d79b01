"""Cross-validation on the SemEval-2025 Task 10 training split: narratives (subtask 2) and entity roles (subtask 1).

Only the *training* split is used (dev/test gold is withheld and must never be tuned on). Documents with
identical text (after stripping) always share a fold, so a duplicate is never seen in training and scored in
testing; folds are stratified by language (:func:`narrascope.models.training.group_folds`). One model is
trained per fold on ALL languages and scored per language and overall with the official metrics
(:mod:`.metrics`), mean and sample standard deviation over folds (:func:`fold_stats`).

* :func:`cross_validate_narratives`: F1 samples of narratives and subnarratives
  (:func:`.metrics.score_subtask2`), beside the "predict Other everywhere" baseline on the same folds.
* :func:`cross_validate_roles`: folds are dealt per document (all mentions of a document share a fold);
  exact-match ratio of the fine-role set, main-role accuracy and fine-role micro F1
  (:func:`.metrics.score_subtask1`), beside two baselines on the same folds: ``majority`` (the training
  folds' most frequent main role and most frequent fine role, each on its own, so the pair may be
  inconsistent) and ``majority_language`` (the same, per language of the mention).

``narrascope eval semeval2025`` runs these; from Python::

    from narrascope.tasks.semeval2025.crossval import cross_validate_roles
    from narrascope.tasks.semeval2025.data import load_semeval2025
    result = cross_validate_roles(load_semeval2025(ROOT, "train"), folds=5, seed=0, window=200)
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .metrics import RolePrediction, score_subtask1, score_subtask2

OTHER_PAIR = (["Other"], ["Other"])
METRICS = ("emr", "main_accuracy", "micro_f1")
SYSTEMS = ("model", "majority", "majority_language")


def fold_stats(values: list[float]) -> dict:
    """Mean, sample standard deviation and the per-fold values (rounded) of one score over folds."""
    arr = np.asarray(values, dtype=float)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
            "folds": [round(float(v), 4) for v in arr]}


def fold_timing(unit: str, hash_s: float, n_hashed: int, fit_s: list[float], n_fit: int, pred_s: list[float],
                n_pred: int) -> dict:
    """Seconds per fold and throughput in ``unit`` (docs, mentions) per second, end to end: hashing is done once
    for all folds, so its per-item cost is added back to training and prediction."""
    hash_per = hash_s / n_hashed
    return {"hash_s": round(hash_s, 2), "fit_s": [round(x, 2) for x in fit_s],
            "predict_s": [round(x, 3) for x in pred_s],
            f"train_{unit}_per_s": round(n_fit / (sum(fit_s) + n_fit * hash_per), 1),
            f"predict_{unit}_per_s": round(n_pred / (sum(pred_s) + n_pred * hash_per), 1),
            f"hash_{unit}_per_s": round(n_hashed / hash_s, 1)}


def cross_validate_narratives(samples: Sequence, folds: int = 5, seed: int = 0, embedding_cache: str | None = None,
                              **model_params) -> dict:
    """Grouped, language-stratified ``folds``-fold CV of :class:`NarrativeClassifier` (``model_params`` go
    to its constructor; its ``seed`` defaults to ``seed``). ``samples`` need ``.text``, ``.language``,
    ``.narratives`` and ``.subnarratives`` (samples whose narratives are None are ignored). With
    ``embedder=...`` every document is embedded once (``embedding_cache``: a folder reused across runs).

    Returns ``{"model"|"other_baseline": {"narratives"|"subnarratives": {LANG|"ALL": {"mean", "std", "folds"}}},
    "timing": {...}, "fold_ids": [...], ...}``; std is the sample standard deviation over folds.
    """
    from ...models.narratives import NarrativeClassifier
    from ...models.training import group_folds, text_key

    samples = [s for s in samples if s.narratives is not None]
    if not samples:
        raise ValueError("no labelled samples")
    keys = [text_key(s.text) for s in samples]
    langs = [s.language for s in samples]
    fold_ids = group_folds(keys, folds, seed, langs)
    labels = [(list(s.narratives), list(s.subnarratives or [])) for s in samples]
    model_params.setdefault("seed", seed)
    clf = NarrativeClassifier(**model_params)

    t0 = time.perf_counter()
    X = clf.hash_counts([s.text for s in samples])
    hash_s = time.perf_counter() - t0
    E = None
    if clf.embedder:
        from ...models.embeddings import cached_documents

        E = cached_documents([s.text for s in samples], embedding_cache, clf.embedder)

    languages = sorted(set(langs))
    scopes = languages + ["ALL"]
    scores = {name: {lvl: {sc: [] for sc in scopes} for lvl in ("narratives", "subnarratives")}
              for name in ("model", "other_baseline")}
    fit_s, pred_s, n_fit, n_pred = [], [], 0, 0
    for f in range(folds):
        test = np.flatnonzero(fold_ids == f)
        train = np.flatnonzero(fold_ids != f)
        if not len(test):
            continue
        t0 = time.perf_counter()
        clf.fit_counts(X[train], [labels[i] for i in train], [langs[i] for i in train], [keys[i] for i in train],
                       dense=None if E is None else E[train])
        fit_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        pred = clf.predict_counts(X[test], None if E is None else E[test])
        pred_s.append(time.perf_counter() - t0)
        n_fit += len(train)
        n_pred += len(test)
        for scope in scopes:
            rows = [k for k, i in enumerate(test) if scope == "ALL" or langs[i] == scope]
            if not rows:
                continue
            gold = {k: labels[test[k]] for k in rows}
            for name, predictions in (("model", {k: pred[k] for k in rows}), ("other_baseline", {k: OTHER_PAIR for k in rows})):
                s = score_subtask2(gold, predictions, strict=True)
                scores[name]["narratives"][scope].append(s["f1_coarse"])
                scores[name]["subnarratives"][scope].append(s["f1_fine"])

    result = {
        "folds": folds, "seed": seed, "documents": len(samples),
        "documents_per_language": {lang: langs.count(lang) for lang in languages},
        "text_groups": len(set(keys)), "duplicate_documents": len(samples) - len(set(keys)),
        "fold_sizes": [int((fold_ids == f).sum()) for f in range(folds)],
        "fold_ids": fold_ids.tolist(),
        "model_params": {k: getattr(clf, k) for k in NarrativeClassifier.PARAMS},
        "model": {}, "other_baseline": {},
        "timing": fold_timing("docs", hash_s, len(samples), fit_s, n_fit, pred_s, n_pred),
    }
    for name in scores:
        for lvl in scores[name]:
            result[name][lvl] = {sc: fold_stats(v) for sc, v in scores[name][lvl].items() if v}
    return result


def mention_table(samples: Sequence) -> list[dict]:
    """One row per labelled mention: sample index, document key, language, item ``(text, start, end)``, gold."""
    from ...models.training import text_key

    rows = []
    for si, s in enumerate(samples):
        key = text_key(s.text)
        for m in s.mentions:
            if m.main_role and m.fine_roles:
                rows.append({"sample": si, "key": key, "language": s.language, "item": (s.text, m.start, m.end),
                             "main": m.main_role, "fines": list(m.fine_roles)})
    return rows


def document_folds(samples: Sequence, rows: list[dict], folds: int, seed: int = 0) -> dict[int, int]:
    """Fold of each sample holding a row of :func:`mention_table` (sample index -> fold): documents with
    identical text share a fold, folds stratified by language. The fine-tuned encoder's cross-validation
    (:mod:`narrascope.encoder.finetune`) deals its documents with this too."""
    from ...models.training import group_folds, text_key

    doc_idx = sorted({r["sample"] for r in rows})
    doc_fold = group_folds([text_key(samples[i].text) for i in doc_idx], folds, seed,
                           [samples[i].language for i in doc_idx])
    return dict(zip(doc_idx, doc_fold.tolist()))


def _majority(mains: list[str], fines: list[list[str]]) -> tuple[str, list[str]]:
    # most_common breaks ties by first occurrence; sort first so the result does not depend on the order
    main = Counter(sorted(mains)).most_common(1)[0][0]
    fine = Counter(sorted(f for fs in fines for f in fs)).most_common(1)[0][0]
    return main, [fine]


def cross_validate_roles(samples: Sequence, folds: int = 5, seed: int = 0, **model_params) -> dict:
    """Document-grouped, language-stratified ``folds``-fold CV of :class:`RoleClassifier` (``model_params`` go
    to its constructor; its ``seed`` defaults to ``seed``). ``samples`` need ``.text``, ``.language`` and
    ``.mentions`` (with ``start``, exclusive ``end``, ``main_role``, ``fine_roles``); unlabelled mentions are
    ignored.

    Returns ``{"model"|"majority"|"majority_language": {"emr"|"main_accuracy"|"micro_f1": {LANG|"ALL":
    {"mean", "std", "folds"}}}, "timing": {...}, "mention_folds": [...], ...}``; std is the sample standard
    deviation over folds.
    """
    from ...models.roles import RoleClassifier

    rows = mention_table(samples)
    if not rows:
        raise ValueError("no labelled mentions")
    fold_of_sample = document_folds(samples, rows, folds, seed)
    doc_idx = sorted(fold_of_sample)
    doc_fold = np.array([fold_of_sample[i] for i in doc_idx])
    mention_folds = np.array([fold_of_sample[r["sample"]] for r in rows])
    langs = [r["language"] for r in rows]
    mains = [r["main"] for r in rows]
    fines = [r["fines"] for r in rows]
    keys = [r["key"] for r in rows]
    gold = {(str(i), 0, 0): RolePrediction("", mains[i], tuple(fines[i])) for i in range(len(rows))}

    model_params.setdefault("seed", seed)
    clf = RoleClassifier(**model_params)
    t0 = time.perf_counter()
    X = clf.hash_counts([r["item"] for r in rows], langs)
    hash_s = time.perf_counter() - t0

    languages = sorted(set(langs))
    scopes = languages + ["ALL"]
    scores = {name: {m: {sc: [] for sc in scopes} for m in METRICS} for name in SYSTEMS}
    fit_s, pred_s, n_fit, n_pred, ratios, inner_emr = [], [], 0, 0, [], []
    for f in range(folds):
        test = np.flatnonzero(mention_folds == f)
        train = np.flatnonzero(mention_folds != f)
        if not len(test):
            continue
        t0 = time.perf_counter()
        clf.fit_counts(X[train], [mains[i] for i in train], [fines[i] for i in train], [langs[i] for i in train],
                       [keys[i] for i in train])
        fit_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        pred = clf.predict_counts(X[test])
        pred_s.append(time.perf_counter() - t0)
        n_fit += len(train)
        n_pred += len(test)
        ratios.append(clf.ratio_)
        inner_emr.append(clf.inner_emr_)
        overall = _majority([mains[i] for i in train], [fines[i] for i in train])
        per_lang = {lang: _majority([mains[i] for i in train if langs[i] == lang],
                                    [fines[i] for i in train if langs[i] == lang]) if any(langs[i] == lang for i in train)
                    else overall for lang in languages}
        predictions = {
            "model": {str(i): p for i, p in zip(test, pred)},
            "majority": {str(i): overall for i in test},
            "majority_language": {str(i): per_lang[langs[i]] for i in test},
        }
        for scope in scopes:
            idx = [i for i in test if scope == "ALL" or langs[i] == scope]
            if not idx:
                continue
            g = {(str(i), 0, 0): gold[(str(i), 0, 0)] for i in idx}
            for name in SYSTEMS:
                p = {(str(i), 0, 0): RolePrediction("", predictions[name][str(i)][0], tuple(predictions[name][str(i)][1]))
                     for i in idx}
                s = score_subtask1(g, p, strict=True)
                for m in METRICS:
                    scores[name][m][scope].append(s[m])

    result = {
        "folds": folds, "seed": seed, "mentions": len(rows),
        "mentions_per_language": {lang: langs.count(lang) for lang in languages},
        "documents": len(doc_idx), "text_groups": len(set(keys)),
        "fold_sizes_mentions": [int((mention_folds == f).sum()) for f in range(folds)],
        "fold_sizes_documents": [int((doc_fold == f).sum()) for f in range(folds)],
        "mention_folds": mention_folds.tolist(),
        "model_params": {k: getattr(clf, k) for k in RoleClassifier.PARAMS},
        "ratios": ratios, "inner_emr": [round(x, 4) for x in inner_emr if x is not None],
        "timing": fold_timing("mentions", hash_s, len(rows), fit_s, n_fit, pred_s, n_pred),
    }
    for name in SYSTEMS:
        result[name] = {m: {sc: fold_stats(v) for sc, v in scores[name][m].items() if v} for m in METRICS}
    return result
