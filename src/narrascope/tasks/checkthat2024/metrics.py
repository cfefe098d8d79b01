"""The CheckThat! 2024 Task 1 metric: F1 of class "Yes" (check-worthy), with its precision, recall and accuracy."""

from __future__ import annotations

import numpy as np

METRIC = "F1 of class Yes (official CheckThat! 2024 Task 1 metric)"


def scores(y_true, y_pred) -> dict[str, float]:
    """F1/precision/recall of class Yes and accuracy."""
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(y_pred, dtype=int)
    tp = int(((y_true == 1) & (y_pred == 1)).sum())
    fp = int(((y_true == 0) & (y_pred == 1)).sum())
    fn = int(((y_true == 1) & (y_pred == 0)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    acc = float((y_true == y_pred).mean()) if len(y_true) else 0.0
    return {"f1_yes": round(f1, 4), "precision_yes": round(p, 4), "recall_yes": round(r, 4),
            "accuracy": round(acc, 4), "n": int(len(y_true))}
