"""When a role is no finding: its score sits near the prior of that role.

A role model's score for "Antagonist" means little when Antagonist is what most training mentions were anyway:
in the SemEval-2025 English training data 70% of the labelled mentions are antagonists, so an English mention
scored 0.72 Antagonist is the base rate, not a reading of the text. The roles analyzer marks a role
``uncertain`` when its score is less than ``MARGIN`` above the prior of that role in the model's training data
(the share of the role among the training mentions of the document's language; of all languages when the
language was not in the training data), and keeps the score.

``MARGIN = 0.10``, from out-of-fold predictions of the shipped role model (3-fold cross-validation on the
training split, grouped by document, priors from the training folds): predictions whose score exceeded their
role's prior by less than 0.10 were right 55-57% of the time, as often as the prior share of the role they
named (56%), i.e. no better than guessing from the base rate; from 0.10 on they beat the prior by 8 points
(0.10-0.15), 18-24 points (0.15-0.30) and 51 points (above 0.40). About 18% of all training mentions, and 44% of
the English ones, fall under the margin.

Where the priors come from, first found wins:

* the model's ``main_priors_``: ``{language: {role: share}}`` (with an ``"ALL"`` entry) or ``{role: share}``, for
  a model that carries its own (the fine-tuned encoder's artifact may);
* ``data/role_priors.json``: main-role counts of the training data of the model's taxonomy
  (``taxonomy_name_``, default ``semeval2025_roles``), per language, written by ``scripts/build_role_priors.py``.

With neither, no role is marked (``uncertain`` is left out rather than guessed).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ..resources import load_json

MARGIN = 0.10
ALL = "ALL"
DEFAULT_TAXONOMY = "semeval2025_roles"

Priors = dict[str, dict[str, float]]  # language (or "ALL") -> role -> share


def _shares(counts: Mapping[str, Any]) -> dict[str, float]:
    total = sum(float(v) for v in counts.values())
    return {str(k): float(v) / total for k, v in counts.items()} if total > 0 else {}


@functools.cache
def shipped_priors(taxonomy: str = DEFAULT_TAXONOMY) -> Priors:
    """Shares of each main role in the training data of ``taxonomy``, per language and over all (``"ALL"``);
    empty when ``data/role_priors.json`` has no such taxonomy."""
    entry = load_json("role_priors.json").get(taxonomy)
    if not isinstance(entry, dict) or not isinstance(entry.get("counts"), dict):
        return {}
    counts = {str(lang): c for lang, c in entry["counts"].items() if isinstance(c, dict)}
    out = {lang: _shares(c) for lang, c in counts.items()}
    pooled: dict[str, float] = {}
    for c in counts.values():
        for role, n in c.items():
            pooled[str(role)] = pooled.get(str(role), 0.0) + float(n)
    out[ALL] = _shares(pooled)
    return out


def model_priors(model: Any) -> Priors:
    """The priors for ``model`` (see the module docstring); ``{}`` when none are known."""
    own = getattr(model, "main_priors_", None)
    if isinstance(own, Mapping) and own:
        if all(isinstance(v, Mapping) for v in own.values()):
            return {str(k): {str(r): float(p) for r, p in v.items()} for k, v in own.items()}
        return {ALL: {str(r): float(p) for r, p in own.items()}}
    taxonomy = getattr(model, "taxonomy_name_", None) or DEFAULT_TAXONOMY
    return shipped_priors(str(taxonomy))


def prior_for(priors: Priors, language: str) -> dict[str, float]:
    """The priors of ``language`` (upper-case code), else of all languages; ``{}`` when none are known."""
    return priors.get(language) or priors.get(ALL) or {}


def is_uncertain(role: str, score: float, prior: Mapping[str, float], margin: float = MARGIN) -> bool | None:
    """True when ``score`` is less than ``margin`` above the prior of ``role``; None when that prior is unknown."""
    if role not in prior:
        return None
    return float(score) - float(prior[role]) < margin


def uncertainty_attrs(role: str, score: float, prior: Mapping[str, float], margin: float = MARGIN) -> dict[str, Any]:
    """``{"uncertain": bool, "prior": share}`` for a role and its score; ``{}`` when its prior is unknown."""
    verdict = is_uncertain(role, score, prior, margin)
    if verdict is None:
        return {}
    return {"uncertain": verdict, "prior": round(float(prior[role]), 4)}
