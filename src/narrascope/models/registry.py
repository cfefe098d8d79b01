"""The models narrascope ships, where they live, and how they are loaded (lazily, once per process).

Artifacts sit in the package under ``narrascope/data/models/``: ``<task>-<mode>.joblib`` (numbers and label
names only) with a model card ``<task>-<mode>.card.json`` beside it (training data, split, cross-validated
scores, date, terms). They are written by ``narrascope train`` from ``../shared/data`` and are never
downloaded. A user may point an analyzer at another artifact by path.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import NarrascopeError

TASKS = ("narratives", "roles", "techniques", "checkworthiness")
_TRAIN_DATA = {"narratives": "../shared/data/semeval2025_task10", "roles": "../shared/data/semeval2025_task10",
               "techniques": "../shared/data", "checkworthiness": "../shared/data/checkthat2024_task1_en"}
MODES = ("default", "fast")
# These models have no transformer (sentence embeddings did not pay for their cost: docs/experiments/), so
# their fast mode is their default model: one artifact, not two copies.
_SAME_ARTIFACT = {("roles", "fast"): "default", ("techniques", "fast"): "default",
                  ("checkworthiness", "fast"): "default"}


class ModelUnavailable(NarrascopeError):
    """No trained model where one was expected."""


def models_dir() -> Path:
    return Path(str(resources.files("narrascope") / "data" / "models"))


def artifact_path(task: str, mode: str = "default") -> Path:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    return models_dir() / f"{task}-{_SAME_ARTIFACT.get((task, mode), mode)}.joblib"


def card_path(artifact: str | Path) -> Path:
    p = Path(artifact)
    return p.with_name(p.name.removesuffix(".joblib") + ".card.json")


def read_card(artifact: str | Path) -> dict[str, Any] | None:
    p = card_path(artifact)
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def _class_for(task: str):
    if task == "narratives":
        from .narratives_fast import NarrativeClassifierFast

        return NarrativeClassifierFast
    if task == "techniques":
        from .techniques import TechniqueClassifier

        return TechniqueClassifier
    if task == "checkworthiness":
        from .checkworthiness import CheckworthinessModel

        return CheckworthinessModel
    from .roles_fast import RoleClassifierFast

    return RoleClassifierFast


@functools.lru_cache(maxsize=8)
def _load(task: str, path: str):
    p = Path(path)
    if not p.exists():
        raise ModelUnavailable(
            f"no {task} model at {p}: train one with 'narrascope train {task} --data {_TRAIN_DATA[task]}'")
    try:
        return _class_for(task).load(p)
    except ValueError as exc:
        raise ModelUnavailable(str(exc)) from None


def load_model(task: str, mode_or_path: str = "default"):
    """The shipped model for ``task`` in ``mode`` ("default" or "fast"), or the artifact at a path."""
    path = artifact_path(task, mode_or_path) if mode_or_path in MODES else Path(mode_or_path)
    return _load(task, str(path))
