"""Cross-validated evaluation of entity-role classifiers (SemEval-2025 Task 10 subtask 1) on the training split.

Only the *training* split is used (dev/test gold is withheld and must never be tuned on). Folds are dealt per
document: all mentions of a document, and all documents with identical text (after stripping), share a fold;
folds are stratified by language (:func:`narrascope.models.training.group_folds`). One model per fold
is trained on ALL languages of the training folds and scored per language and overall with the official
metrics (:func:`..semeval2025.score_subtask1`: exact-match ratio of the fine-role set, main-role accuracy,
fine-role micro F1). Two baselines are scored on the same folds: ``majority`` (the training folds' most
frequent main role and most frequent fine role, each on its own, so the pair may be inconsistent) and
``majority_language`` (the same, per language of the mention).

Python::

    from narrascope.datasets.semeval2025 import load_semeval2025
    from narrascope.evaluation.cv_roles import cross_validate_roles, format_report
    result = cross_validate_roles(load_semeval2025(ROOT, "train"), folds=5, seed=0)
    print(format_report(result))

Command line (not part of the ``narrascope`` CLI)::

    python -m narrascope.evaluation.cv_roles ROOT [--folds 5] [--seed 0] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .semeval2025 import RolePrediction, score_subtask1

METRICS = ("emr", "main_accuracy", "micro_f1")
SYSTEMS = ("model", "majority", "majority_language")


def _stats(values: list[float]) -> dict:
    arr = np.asarray(values, dtype=float)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
            "folds": [round(float(v), 4) for v in arr]}


def mention_table(samples: Sequence) -> list[dict]:
    """One row per labelled mention: sample index, document key, language, item ``(text, start, end)``, gold."""
    from ..models.training import text_key

    rows = []
    for si, s in enumerate(samples):
        key = text_key(s.text)
        for m in s.mentions:
            if m.main_role and m.fine_roles:
                rows.append({"sample": si, "key": key, "language": s.language, "item": (s.text, m.start, m.end),
                             "main": m.main_role, "fines": list(m.fine_roles)})
    return rows


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
    from ..models.training import group_folds, text_key
    from ..models.roles import RoleClassifier

    rows = mention_table(samples)
    if not rows:
        raise ValueError("no labelled mentions")
    doc_idx = sorted({r["sample"] for r in rows})
    doc_fold = group_folds([text_key(samples[i].text) for i in doc_idx], folds, seed,
                           [samples[i].language for i in doc_idx])
    fold_of_sample = dict(zip(doc_idx, doc_fold.tolist()))
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

    hash_per = hash_s / len(rows)
    result = {
        "folds": folds, "seed": seed, "mentions": len(rows),
        "mentions_per_language": {lang: langs.count(lang) for lang in languages},
        "documents": len(doc_idx), "text_groups": len(set(keys)),
        "fold_sizes_mentions": [int((mention_folds == f).sum()) for f in range(folds)],
        "fold_sizes_documents": [int((doc_fold == f).sum()) for f in range(folds)],
        "mention_folds": mention_folds.tolist(),
        "model_params": {k: getattr(clf, k) for k in RoleClassifier._PARAMS},
        "ratios": ratios, "inner_emr": [round(x, 4) for x in inner_emr if x is not None],
        "timing": {
            "hash_s": round(hash_s, 2), "fit_s": [round(x, 2) for x in fit_s], "predict_s": [round(x, 3) for x in pred_s],
            # end to end, hashing included (hashing is done once in CV, so its per-mention cost is added back)
            "train_mentions_per_s": round(n_fit / (sum(fit_s) + n_fit * hash_per), 1),
            "predict_mentions_per_s": round(n_pred / (sum(pred_s) + n_pred * hash_per), 1),
            "hash_mentions_per_s": round(len(rows) / hash_s, 1),
        },
    }
    for name in SYSTEMS:
        result[name] = {m: {sc: _stats(v) for sc, v in scores[name][m].items() if v} for m in METRICS}
    return result


def format_report(result: dict) -> str:
    """Markdown table: each metric's mean ± std over folds, model vs the majority baselines."""
    head = "| scope | mentions | " + " | ".join(f"{m} ({n})" for m in METRICS for n in ("model", "maj", "maj/lang")) + " |"
    lines = [head, "|---|---:|" + "---:|" * (3 * len(METRICS))]
    for sc in result["model"]["emr"]:
        n = result["mentions"] if sc == "ALL" else result["mentions_per_language"][sc]
        cells = [f"{result[name][m][sc]['mean']:.3f} ± {result[name][m][sc]['std']:.3f}" for m in METRICS for name in SYSTEMS]
        lines.append(f"| {sc} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from ..datasets.semeval2025 import load_semeval2025

    ap = argparse.ArgumentParser(prog="python -m narrascope.evaluation.cv_roles", description=__doc__.splitlines()[0])
    ap.add_argument("root", help="SemEval-2025 Task 10 data root (the folder holding train/)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--languages", default="EN,BG,HI,PT,RU")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="RoleClassifier constructor argument (repeatable), e.g. --param window=200")
    ap.add_argument("--json", help="write the full result here")
    args = ap.parse_args(argv)
    params = {}
    for kv in args.param:
        name, _, value = kv.partition("=")
        try:
            params[name] = json.loads(value)
        except json.JSONDecodeError:
            params[name] = value
    data = load_semeval2025(args.root, "train", languages=tuple(args.languages.split(",")))
    result = cross_validate_roles(data, folds=args.folds, seed=args.seed, **params)
    print(format_report(result))
    t = result["timing"]
    print(f"\n{result['mentions']} mentions in {result['documents']} documents ({result['text_groups']} distinct texts); "
          f"fold sizes (mentions) {result['fold_sizes_mentions']}, (documents) {result['fold_sizes_documents']}")
    print(f"ratio thresholds per fold {result['ratios']} (inner-CV EMR {result['inner_emr']})")
    print(f"hashing {t['hash_mentions_per_s']} mentions/s; training {t['train_mentions_per_s']} mentions/s (inner CV "
          f"included); prediction {t['predict_mentions_per_s']} mentions/s; fit seconds per fold {t['fit_s']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({k: v for k, v in result.items() if k != "mention_folds"}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
