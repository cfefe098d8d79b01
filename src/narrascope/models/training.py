"""What the trainable models share when they are fitted: folds, thresholds, calibration and weight pruning.

* :func:`text_key` and :func:`group_folds`: identical texts (and a document's mentions or paragraphs) always
  land in one fold, so a duplicate is never trained on and scored in the same cross-validation;
* :func:`sigmoid` and :func:`logit`;
* threshold search: :func:`f1_threshold` (a grid, the middle of the best F1 plateau), :func:`f1_threshold_on_scores`
  (the observed scores) and :func:`micro_f1_thresholds` (all labels together, for a micro-F1 metric);
* Platt scaling: :func:`fit_platt` / :func:`platt` on raw scores, :func:`fit_probability_platt` /
  :func:`calibrate_probabilities` on model probabilities, one ``(a, b)`` pair per label;
* :func:`keep_largest_weights`: what keeps the shipped artifacts a few MB.

How a fitted model is written to a file and read back is :mod:`narrascope.models.artifacts`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


# ---- folds ---------------------------------------------------------------------------------------------------
def text_key(text: str) -> str:
    """Identity of a document's text, for keeping duplicates together (SHA-1 of the stripped text)."""
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()


def group_folds(keys: Sequence[str], folds: int, seed: int = 0, strata: Sequence[str] | None = None) -> np.ndarray:
    """Fold number (0..folds-1) for each item; items sharing a key share a fold. Groups are shuffled with
    ``seed`` and dealt, stratum by stratum (a group's stratum is its first member's), to the fold holding
    the fewest items of that stratum (ties: fewest items overall, then lowest number)."""
    if folds < 2:
        raise ValueError("folds must be at least 2")
    members: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        members.setdefault(key, []).append(i)
    by_stratum: dict[str, list[str]] = {}
    for key, idx in members.items():
        by_stratum.setdefault(strata[idx[0]] if strata is not None else "", []).append(key)
    rng = np.random.RandomState(seed)
    out = np.full(len(keys), -1, dtype=int)
    total = np.zeros(folds, dtype=int)
    for stratum in sorted(by_stratum):
        groups = by_stratum[stratum]
        order = rng.permutation(len(groups))
        local = np.zeros(folds, dtype=int)
        for g in order:
            idx = members[groups[g]]
            fold = min(range(folds), key=lambda f: (local[f], total[f], f))
            out[idx] = fold
            local[fold] += len(idx)
            total[fold] += len(idx)
    return out


# ---- link functions ------------------------------------------------------------------------------------------
def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, with ``z`` clipped to ±50 (no overflow warnings)."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def logit(p: np.ndarray) -> np.ndarray:
    """``log(p / (1 - p))`` with ``p`` clipped to [1e-6, 1 - 1e-6]."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


# ---- thresholds ----------------------------------------------------------------------------------------------
def f1_threshold(p: np.ndarray, y: np.ndarray, lo: float = 0.05, hi: float = 0.95) -> tuple[float, float]:
    """The threshold on a grid (``lo`` to ``hi`` by 0.01) maximising F1 of the positive class, taken in the
    middle of the best plateau, and that F1."""
    grid = np.round(np.arange(lo, hi + 1e-9, 0.01), 4)
    y = y.astype(bool)
    fired = p[:, None] >= grid[None, :]
    tp = (fired & y[:, None]).sum(0)
    f1 = 2 * tp / np.maximum(fired.sum(0) + y.sum(), 1)
    best = np.flatnonzero(f1 == f1.max())
    return float(grid[best[len(best) // 2]]), float(f1.max())


def f1_threshold_on_scores(scores: np.ndarray, y: np.ndarray, floor: float = 0.05) -> float:
    """The observed score (rounded to 3 decimals, at least ``floor``) maximising F1 of the positive class,
    the lowest of equals; 1.01 (never fires) without positives."""
    if y.sum() == 0:
        return 1.01
    grid = np.unique(np.round(scores, 3))
    best_t, best_f = 0.5, -1.0
    pos = y.sum()
    for t in grid[grid >= floor]:
        pred = scores >= t
        tp = float((pred & (y == 1)).sum())
        fp = float(pred.sum()) - tp
        f = 2 * tp / (2 * tp + fp + (pos - tp)) if tp else 0.0
        if f > best_f:
            best_t, best_f = float(t), f
    return best_t


def micro_f1_thresholds(scores: np.ndarray, Y: np.ndarray, start: np.ndarray, passes: int = 3) -> np.ndarray:
    """Coordinate ascent on per-label thresholds for the MICRO F1 over all labels, from ``start``; a label
    whose every threshold lowers it is switched off (threshold > 1)."""
    t = start.copy()
    pred = scores >= t
    tp = (pred & (Y == 1)).sum(axis=0).astype(float)
    fp = pred.sum(axis=0) - tp
    pos = Y.sum(axis=0).astype(float)
    for _ in range(passes):
        for j in range(Y.shape[1]):
            if pos[j] == 0:
                t[j] = 1.01
                continue
            TP, FP, FN = tp.sum() - tp[j], fp.sum() - fp[j], (pos - tp).sum() - (pos[j] - tp[j])
            cands = np.unique(np.concatenate([np.quantile(scores[:, j], np.linspace(0.5, 0.999, 60)), [1.01]]))
            best = (-1.0, t[j], tp[j], fp[j])
            for c in cands:
                pj = scores[:, j] >= c
                tpj = float((pj & (Y[:, j] == 1)).sum())
                fpj = float(pj.sum()) - tpj
                f = 2 * (TP + tpj) / max(1e-9, 2 * (TP + tpj) + FP + fpj + FN + pos[j] - tpj)
                if f > best[0] + 1e-12:
                    best = (f, float(c), tpj, fpj)
            _, t[j], tp[j], fp[j] = best
    return t


# ---- Platt scaling -------------------------------------------------------------------------------------------
def fit_platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``(a, b)`` such that ``sigmoid(a * score + b)`` estimates P(y = 1 | score), fitted on out-of-fold
    scores (a nearly unregularised one-feature logistic regression)."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=100.0).fit(np.asarray(scores)[:, None], y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def platt(scores: np.ndarray, a: float | np.ndarray, b: float | np.ndarray) -> np.ndarray:
    """Calibrated probabilities from raw scores (:func:`fit_platt`)."""
    return sigmoid(a * scores + b)


def _probability_logit(P: np.ndarray) -> np.ndarray:
    # Numerator and denominator clipped apart (not 1 - clipped p, as in :func:`logit`): the two differ in the
    # last digits at the extremes, and the shipped narrative calibrations were fitted on this one.
    return np.log(np.clip(P, 1e-6, 1 - 1e-6) / np.clip(1 - P, 1e-6, 1))


def fit_probability_platt(P: np.ndarray, Y: np.ndarray, min_positives: int = 4) -> np.ndarray:
    """Platt scaling per label column on the logits of out-of-fold probabilities: ``(a, b)`` rows so that
    ``sigmoid(a * logit(p) + b)`` estimates P(label). Labels with fewer than ``min_positives`` positives or
    negatives keep (1, 0), the identity."""
    out = np.tile(np.array([1.0, 0.0]), (Y.shape[1], 1))
    logits = _probability_logit(P)
    for j in range(Y.shape[1]):
        pos = int(Y[:, j].sum())
        if pos < min_positives or pos > len(Y) - min_positives:
            continue
        out[j] = fit_platt(logits[:, j], Y[:, j])
    return out


def calibrate_probabilities(P: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    """Calibrated probabilities for a matrix of model probabilities, with :func:`fit_probability_platt` rows."""
    return platt(_probability_logit(P), calibration[:, 0], calibration[:, 1])


# ---- pruning -------------------------------------------------------------------------------------------------
def keep_largest_weights(coef: np.ndarray, keep: int | None, columns: int | None = None) -> np.ndarray:
    """Zero, in place, all but each row's ``keep`` largest weights by magnitude among its first ``columns``
    columns (default: all; later columns, e.g. cues or an embedding block, are all kept). Ties at the cut are
    all kept; ``keep`` None or 0 keeps everything. Returns ``coef``."""
    n = coef.shape[1] if columns is None else columns
    if not keep or n <= keep:
        return coef
    block = np.abs(coef[:, :n])
    cut = -np.partition(-block, keep - 1, axis=1)[:, keep - 1:keep]
    coef[:, :n][block < cut] = 0.0
    return coef
