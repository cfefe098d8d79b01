"""SemEval-2025 Task 10 metrics and prediction-file formats, implemented from the task definition.

Subtask 2 (narratives): "F1 samples" = for each document the F1 of the predicted against the gold label
set, averaged over the gold documents; computed separately for narratives (coarse) and subnarratives
(fine). "Other" is an ordinary label, as in the official scorer: a document with no narrative is labelled
``Other`` / ``Other``, and a narrative conveyed outside its listed subnarratives is ``D: N: Other``; so
``Other`` scores like any other label. Labels are compared as sets (repeats ignored). A document whose
gold and predicted sets are both empty scores 1, one side empty scores 0; a gold document without a
prediction counts as an empty prediction (``strict=True`` raises instead). The standard deviation of the
per-document F1 is reported too.

Subtask 1 (entity framing): mentions are matched on (doc id, start, end). Exact match ratio (EMR) = share
of gold mentions whose predicted fine-role set equals the gold set; main-role accuracy; micro
precision/recall/F1 of the fine roles over all (mention, role) pairs.

File formats (tab separated, UTF-8, one line per document/mention)::

    subtask 2:  id <TAB> narr1;narr2 <TAB> sub1;sub2
    subtask 1:  id <TAB> mention <TAB> start <TAB> end <TAB> main <TAB> fine1 [<TAB> fine2 ...]

Subtask-1 files keep the official INCLUSIVE end offsets; :func:`read_subtask1` returns them as in the
file (use ``end + 1`` for narrascope's exclusive spans).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

Labels = Mapping[str, Iterable[str]]
MentionKey = tuple[str, int, int]  # doc id, start, end (as in the files)


@dataclass(frozen=True)
class RolePrediction:
    mention: str
    main_role: str
    fine_roles: tuple[str, ...]


def set_f1(gold: Iterable[str], pred: Iterable[str]) -> float:
    g, p = set(gold), set(pred)
    if not g and not p:
        return 1.0
    tp = len(g & p)
    if not tp:
        return 0.0
    return 2 * tp / (len(g) + len(p))


def f1_samples(gold: Labels, pred: Labels, strict: bool = False) -> dict[str, float]:
    """Mean and standard deviation (population) of the per-document F1 over the documents of ``gold``."""
    if strict:
        missing = [d for d in gold if d not in pred]
        if missing:
            raise ValueError(f"{len(missing)} gold documents have no prediction, e.g. {missing[0]!r}")
    scores = [set_f1(gold[d], pred.get(d, ())) for d in gold]
    if not scores:
        return {"f1_samples": 0.0, "f1_std": 0.0, "documents": 0}
    mean = sum(scores) / len(scores)
    std = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
    return {"f1_samples": mean, "f1_std": std, "documents": len(scores)}


def score_subtask2(gold: Mapping[str, tuple[list[str], list[str]]], pred: Mapping[str, tuple[list[str], list[str]]],
                   strict: bool = False) -> dict[str, float]:
    """``{doc: (narratives, subnarratives)}`` for gold and prediction -> coarse and fine F1 samples."""
    coarse = f1_samples({d: v[0] for d, v in gold.items()}, {d: v[0] for d, v in pred.items()}, strict)
    fine = f1_samples({d: v[1] for d, v in gold.items()}, {d: v[1] for d, v in pred.items()}, strict)
    return {"f1_coarse": coarse["f1_samples"], "f1_coarse_std": coarse["f1_std"],
            "f1_fine": fine["f1_samples"], "f1_fine_std": fine["f1_std"], "documents": coarse["documents"]}


def score_subtask1(gold: Mapping[MentionKey, RolePrediction], pred: Mapping[MentionKey, RolePrediction],
                   strict: bool = False) -> dict[str, float]:
    """EMR over fine-role sets, main-role accuracy and fine-role micro P/R/F1 over the gold mentions."""
    if strict:
        missing = [k for k in gold if k not in pred]
        if missing:
            raise ValueError(f"{len(missing)} gold mentions have no prediction, e.g. {missing[0]!r}")
    exact = main_ok = tp = n_pred = n_gold = 0
    for key, g in gold.items():
        p = pred.get(key)
        gf = set(g.fine_roles)
        pf = set(p.fine_roles) if p else set()
        exact += gf == pf
        main_ok += p is not None and p.main_role == g.main_role
        tp += len(gf & pf)
        n_gold += len(gf)
        n_pred += len(pf)
    n = len(gold)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"emr": exact / n if n else 0.0, "main_accuracy": main_ok / n if n else 0.0,
            "micro_precision": precision, "micro_recall": recall, "micro_f1": f1, "mentions": n}


def _lines(path: str | Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [line.split("\t") for line in fh.read().splitlines() if line.strip()]


def _split_labels(field: str) -> list[str]:
    return list(dict.fromkeys(x.strip() for x in field.split(";") if x.strip()))


def read_subtask2(path: str | Path) -> dict[str, tuple[list[str], list[str]]]:
    out = {}
    for i, row in enumerate(_lines(path), 1):
        if len(row) < 3:
            raise ValueError(f"{path}:{i}: expected 3 tab-separated fields, got {len(row)}")
        out[row[0].strip()] = (_split_labels(row[1]), _split_labels(row[2]))
    return out


def write_subtask2(path: str | Path, predictions: Mapping[str, tuple[Iterable[str], Iterable[str]]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for doc, (narr, sub) in predictions.items():
            fh.write(f"{doc}\t{';'.join(narr)}\t{';'.join(sub)}\n")


def read_subtask1(path: str | Path) -> dict[MentionKey, RolePrediction]:
    out = {}
    for i, row in enumerate(_lines(path), 1):
        if len(row) < 6:
            raise ValueError(f"{path}:{i}: expected at least 6 tab-separated fields, got {len(row)}")
        try:
            key = (row[0].strip(), int(row[2]), int(row[3]))
        except ValueError:
            raise ValueError(f"{path}:{i}: start/end must be integers") from None
        fine = tuple(dict.fromkeys(r.strip() for r in row[5:] if r.strip()))
        out[key] = RolePrediction(row[1], row[4].strip(), fine)
    return out


def write_subtask1(path: str | Path, predictions: Mapping[MentionKey, RolePrediction]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for (doc, start, end), p in predictions.items():
            fh.write("\t".join([doc, p.mention, str(start), str(end), p.main_role, *p.fine_roles]) + "\n")
