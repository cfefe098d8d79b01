"""Official-style scorers for persuasion techniques.

* :func:`paragraph_micro_f1` — SemEval-2023 Task 3 subtask 3: micro-averaged F1 over (article, paragraph,
  technique) triples; a paragraph with no technique contributes nothing but its false positives.
* :func:`span_f1` — SemEval-2020 Task 11 style partial-overlap credit, label-aware: a predicted span ``s``
  and a gold span ``t`` of the same technique in the same article earn ``|s ∩ t| / |s|`` towards precision
  and ``|s ∩ t| / |t|`` towards recall; precision is the sum over predicted spans divided by their number,
  recall the sum over gold spans divided by theirs. ``labelled=False`` ignores the technique (task SI).
  As in the official SI scorer, overlapping spans (of the same technique, when labelled) are first merged
  on each side, so one gold span cannot be credited twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def paragraph_micro_f1(gold: Mapping[tuple[str, int], Iterable[str]], pred: Mapping[tuple[str, int], Iterable[str]],
                       labels: Iterable[str] | None = None) -> dict[str, float]:
    """Micro P/R/F1 over ``(article, line) -> techniques``; keys missing from ``pred`` predict nothing.
    ``labels`` restricts the count to those techniques (e.g. the official 23)."""
    keep = set(labels) if labels is not None else None
    tp = fp = fn = 0
    for key in set(gold) | set(pred):
        g = set(gold.get(key, ()))
        p = set(pred.get(key, ()))
        if keep is not None:
            g &= keep
            p &= keep
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"micro_f1": _f1(precision, recall), "precision": precision, "recall": recall,
            "tp": tp, "fp": fp, "fn": fn}


def per_label_f1(gold: Mapping[tuple[str, int], Iterable[str]], pred: Mapping[tuple[str, int], Iterable[str]]
                 ) -> dict[str, dict[str, float]]:
    counts: dict[str, list[int]] = {}
    for key in set(gold) | set(pred):
        g, p = set(gold.get(key, ())), set(pred.get(key, ()))
        for lab in g | p:
            c = counts.setdefault(lab, [0, 0, 0])
            c[0] += lab in g and lab in p
            c[1] += lab in p and lab not in g
            c[2] += lab in g and lab not in p
    out = {}
    for lab, (tp, fp, fn) in sorted(counts.items()):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        out[lab] = {"f1": _f1(p, r), "precision": p, "recall": r, "support": tp + fn}
    return out


def _merged(spans: Iterable[tuple[str, int, int]], labelled: bool) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for lab, s, e in sorted(((lab if labelled else "", s, e) for lab, s, e in spans)):
        if out and out[-1][0] == lab and s < out[-1][2]:
            out[-1] = (lab, out[-1][1], max(out[-1][2], e))
        else:
            out.append((lab, s, e))
    return out


def span_f1(gold: Mapping[str, Iterable[tuple[str, int, int]]], pred: Mapping[str, Iterable[tuple[str, int, int]]],
            labelled: bool = True) -> dict[str, float]:
    """Partial-overlap span P/R/F1 over articles; spans are ``(technique, start, end)`` with exclusive ends."""
    p_sum = r_sum = 0.0
    n_pred = n_gold = 0
    for art in set(gold) | set(pred):
        g = _merged(gold.get(art, ()), labelled)
        p = _merged(pred.get(art, ()), labelled)
        n_pred += len(p)
        n_gold += len(g)
        for lab_s, s0, s1 in p:
            for lab_t, t0, t1 in g:
                if lab_s != lab_t:
                    continue
                inter = min(s1, t1) - max(s0, t0)
                if inter > 0:
                    p_sum += inter / max(1, s1 - s0)
                    r_sum += inter / max(1, t1 - t0)
    precision = p_sum / n_pred if n_pred else 0.0
    recall = r_sum / n_gold if n_gold else 0.0
    return {"f1": _f1(precision, recall), "precision": precision, "recall": recall,
            "predicted": n_pred, "gold": n_gold}
