"""Cross-validated figures, calibration and thresholds of the shared encoder's heads (numpy, no torch).

Training (:mod:`narrascope.encoder.training`) leaves, per fold and epoch, the heads' outputs on that fold's
held-out windows. From these out-of-fold outputs:

* :func:`score_roles`: SemEval-2025 subtask-1 metrics (EMR, main-role accuracy, fine-role micro-F1:
  :func:`narrascope.tasks.semeval2025.metrics.score_subtask1`) per language and overall, mean ± std over
  folds. The fine-role threshold scored on fold ``f`` is chosen on the other folds' outputs only, so the
  figure is not tuned on what it scores;
* :func:`score_sentences`: F1 of class Yes per fold, with the Platt calibration and threshold fitted on the
  other folds;
* :func:`calibrate`: what the shipped heads use, fitted on all out-of-fold outputs: the main-role
  temperature (least log-loss), the fine-role threshold (best EMR), the Platt pair and F1(Yes) threshold, the
  main-role priors per language (:func:`main_priors`), and how the roles analyzer's ``uncertain`` margin
  splits the mentions (accuracy of each side);
* :func:`selection_score`: the one number settings and epoch counts are compared by: the mean of overall
  EMR, overall main-role accuracy and F1(Yes).
"""

from __future__ import annotations

import numpy as np

from ..models.training import f1_threshold, fit_platt, platt
from ..tasks.semeval2025.crossval import fold_stats
from ..tasks.semeval2025.metrics import RolePrediction, score_subtask1
from .heads import LANGUAGES, decode_roles

__all__ = ["MARGIN", "calibrate", "main_priors", "score_roles", "score_sentences", "selection_score"]

THRESHOLDS = tuple(np.round(np.arange(0.05, 0.96, 0.05), 2))
TEMPERATURES = tuple(np.exp(np.linspace(np.log(0.25), np.log(4.0), 81)))
MARGIN = 0.10  # the roles analyzer's: a role less than this above its prior is shown as uncertain


def _emr(pred: list[list[int]], gold: np.ndarray) -> float:
    return float(np.mean([set(p) == set(np.flatnonzero(g)) for p, g in zip(pred, gold)])) if len(gold) else 0.0


def fine_threshold(logits: np.ndarray, main_gold: np.ndarray, fine_gold: np.ndarray, parents: np.ndarray,
                   n_main: int) -> float:
    """The threshold (on a 0.05 grid) with the best EMR; ties go to the higher one (fewer extra roles)."""
    best_t, best = THRESHOLDS[-1], -1.0
    for t in sorted(THRESHOLDS, reverse=True):
        _, _, _, chosen = decode_roles(logits[:, :n_main], logits[:, n_main:], parents, 1.0, t)
        emr = _emr(chosen, fine_gold)
        if emr > best + 1e-12:
            best_t, best = t, emr
    return float(best_t)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature with the least log-loss on a log grid from 0.25 to 4."""
    best, best_t = np.inf, 1.0
    for t in TEMPERATURES:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        nll = float(-(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1))).mean())
        if nll < best:
            best, best_t = nll, float(t)
    return best_t


def score_roles(logits: np.ndarray, a: dict[str, np.ndarray], parents: np.ndarray, main_classes: list[str],
                fine_classes: list[str], languages: list[str]) -> dict:
    """Subtask-1 figures of out-of-fold role ``logits`` (one row per mention, main then fine), per language
    and ``ALL``: ``{"emr"|"main_accuracy"|"micro_f1": {scope: fold_stats}}`` plus the thresholds used."""
    k = len(main_classes)
    fold = a["fold"][a["role_window"]]
    mains, fines = a["role_main"], a["role_fine"]
    scopes = sorted(set(languages), key=lambda x: LANGUAGES.index(x) if x in LANGUAGES else 99) + ["ALL"]
    out = {m: {sc: [] for sc in scopes} for m in ("emr", "main_accuracy", "micro_f1")}
    majority = {sc: [] for sc in scopes}  # main-role accuracy of the training folds' most frequent main role
    used = []
    for f in sorted(set(fold.tolist())):
        test, rest = np.flatnonzero(fold == f), np.flatnonzero(fold != f)
        t = fine_threshold(logits[rest], mains[rest], fines[rest], parents, k) if len(rest) else 0.5
        used.append(t)
        pm_idx, _, _, chosen = decode_roles(logits[test, :k], logits[test, k:], parents, 1.0, t)
        for scope in scopes:
            rows = [j for j, i in enumerate(test) if scope == "ALL" or languages[i] == scope]
            if not rows:
                continue
            gold = {(str(test[j]), 0, 0): RolePrediction("", main_classes[mains[test[j]]],
                                                          tuple(fine_classes[x] for x in np.flatnonzero(fines[test[j]])))
                    for j in rows}
            pred = {(str(test[j]), 0, 0): RolePrediction("", main_classes[pm_idx[j]],
                                                          tuple(fine_classes[x] for x in chosen[j])) for j in rows}
            s = score_subtask1(gold, pred, strict=True)
            for m in out:
                out[m][scope].append(s[m])
            most = int(np.bincount(mains[rest], minlength=k).argmax()) if len(rest) else 0
            majority[scope].append(float(np.mean(mains[test[rows]] == most)))
    result = {m: {sc: fold_stats(v) for sc, v in by.items() if v} for m, by in out.items()}
    result["majority_main_accuracy"] = {sc: fold_stats(v) for sc, v in majority.items() if v}
    result["fine_thresholds"] = used
    return result


def score_sentences(z: np.ndarray, y: np.ndarray, fold: np.ndarray) -> dict:
    """F1(Yes) per fold with the Platt pair and threshold fitted on the other folds' outputs; the pooled
    precision/recall/F1 of those predictions."""
    from ..tasks.checkthat2024.metrics import scores

    pred = np.zeros(len(y), dtype=int)
    per = []
    for f in sorted(set(fold.tolist())):
        test, rest = np.flatnonzero(fold == f), np.flatnonzero(fold != f)
        if len(rest) and 0 < y[rest].sum() < len(rest):
            a, b = fit_platt(z[rest], y[rest])
            t, _ = f1_threshold(platt(z[rest], a, b), y[rest])
            pred[test] = (platt(z[test], a, b) >= t).astype(int)
        else:
            pred[test] = (z[test] >= 0).astype(int)
        per.append(scores(y[test], pred[test])["f1_yes"])
    return {"f1_yes": fold_stats(per), "pooled": scores(y, pred)}


def main_priors(mains: np.ndarray, languages: list[str], main_classes: list[str]) -> dict[str, dict[str, float]]:
    """Shares of each main role among training mentions, per language and over all (``"ALL"``)."""
    out = {}
    langs = np.asarray(languages)
    for scope in sorted(set(languages)) + ["ALL"]:
        m = mains if scope == "ALL" else mains[langs == scope]
        counts = np.bincount(m, minlength=len(main_classes))
        out[scope] = {c: round(float(n) / max(1, len(m)), 4) for c, n in zip(main_classes, counts)}
    return out


def calibrate(role_logits: np.ndarray, sentence_logits: np.ndarray, a: dict[str, np.ndarray],
              parents: np.ndarray, main_classes: list[str], languages: list[str],
              margin: float = MARGIN) -> tuple[dict, dict]:
    """The shipped heads' calibration from all out-of-fold outputs: ``(roles, checkworthiness)`` fields, with
    how the analyzer's ``uncertain`` margin splits the out-of-fold mentions."""
    n_main = len(main_classes)
    mains, fines = a["role_main"], a["role_fine"]
    temperature = fit_temperature(role_logits[:, :n_main], mains)
    threshold = fine_threshold(role_logits, mains, fines, parents, n_main)
    priors = main_priors(mains, languages, main_classes)
    idx, pm, _, _ = decode_roles(role_logits[:, :n_main], role_logits[:, n_main:], parents, temperature, threshold)
    top = pm[np.arange(len(idx)), idx]
    prior = np.array([priors[lang][main_classes[k]] for lang, k in zip(languages, idx)])
    unsure = top - prior < margin
    right = idx == mains
    roles = {"temperature": temperature, "threshold": threshold, "priors": priors, "margin": margin,
             "uncertain_share": round(float(unsure.mean()), 4) if len(unsure) else 0.0,
             "accuracy_confident": round(float(right[~unsure].mean()), 4) if (~unsure).any() else None,
             "accuracy_uncertain": round(float(right[unsure].mean()), 4) if unsure.any() else None}
    y = a["sentence_y"].astype(int)
    pa, pb = fit_platt(sentence_logits, y)
    t, f1 = f1_threshold(platt(sentence_logits, pa, pb), y)
    sentences = {"platt": [pa, pb], "threshold": t, "oof_f1_yes_at_threshold": round(f1, 4)}
    return roles, sentences


def selection_score(roles: dict, sentences: dict) -> float:
    return float(np.mean([roles["emr"]["ALL"]["mean"], roles["main_accuracy"]["ALL"]["mean"],
                          sentences["f1_yes"]["mean"]]))
