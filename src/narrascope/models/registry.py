"""The models narrascope ships, where they live, how they are loaded, and their model cards.

Artifacts sit in the package under ``narrascope/data/models/``: ``<task>-<mode>.npz`` (arrays plus JSON, no
pickle: :mod:`narrascope.models.artifacts`) with a model card ``<task>-<mode>.card.json`` beside it (training
data, split, cross-validated scores, date, terms). They are written by ``narrascope train`` from
``../shared/data`` and are never downloaded. A user may point an analyzer or a command at another artifact
by path.

:func:`load_model` is the one way a model is loaded (analyzers, predict and eval alike): by task and mode or
by path, lazily, once per process. A fine-tuned encoder's artifact (:mod:`narrascope.encoder.heads`) holds
the heads of several tasks: it is loaded once and each task gets its head. :func:`model_card` is the one card
format, :func:`write_card` and :func:`read_card` its one reader and writer.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import platform
from importlib import import_module, resources
from pathlib import Path
from typing import Any

from ..errors import NarrascopeError
from .artifacts import SUFFIX, artifact_format

ENCODER_FORMAT = "narrascope.EncoderHeads"  # narrascope.encoder.heads.FORMAT, named here to import nothing heavy

TASKS = ("narratives", "roles", "techniques", "checkworthiness")
MODES = ("default", "fast")
# module and class of each task's model
MODEL_CLASSES = {"narratives": ("narratives", "NarrativeClassifier"), "roles": ("roles", "RoleClassifier"),
                 "techniques": ("techniques", "TechniqueClassifier"),
                 "checkworthiness": ("checkworthiness", "CheckworthinessModel")}
TRAINING_DATA = {"narratives": "../shared/data/semeval2025_task10", "roles": "../shared/data/semeval2025_task10",
                 "techniques": "../shared/data", "checkworthiness": "../shared/data/checkthat2024_task1_en"}
# Which file serves a task in a mode. Every default model is a head on one fine-tuned encoder
# (narrascope.encoder.heads): one file, loaded once, one encoder pass per document window shared by every
# head; each task's fast mode is its linear model, ``<task>-fast``.
SHARED_ENCODER = "encoder-default"
ENCODER_TASKS = ("roles", "checkworthiness", "techniques", "narratives")
SAME_ARTIFACT = {(task, "default"): SHARED_ENCODER for task in ENCODER_TASKS}
NOT_CROSS_VALIDATED = "not cross-validated (train with --cv 5 to record scores)"


class ModelUnavailable(NarrascopeError):
    """No trained model where one was expected."""


def models_dir() -> Path:
    return Path(str(resources.files("narrascope") / "data" / "models"))


def artifact_path(task: str, mode: str = "default") -> Path:
    """Where the shipped model for ``task`` in ``mode`` lives."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    return models_dir() / f"{SAME_ARTIFACT.get((task, mode), f'{task}-{mode}')}{SUFFIX}"


def model_class(task: str) -> type:
    """The class whose ``load`` reads ``task``'s artifacts (imported on first use)."""
    module, name = MODEL_CLASSES[task]
    return getattr(import_module(f"{__package__}.{module}"), name)


@functools.lru_cache(maxsize=4)
def _load_encoder(path: str):
    from ..encoder.heads import EncoderHeads

    return EncoderHeads.load(path)


@functools.lru_cache(maxsize=8)
def _load(task: str, path: str):
    p = Path(path)
    if not p.exists():
        how = (f"--mode default --data {TRAINING_DATA[task]} ({SHARED_ENCODER} serves {', '.join(ENCODER_TASKS)})"
               if p.name == f"{SHARED_ENCODER}{SUFFIX}" else f"--data {TRAINING_DATA[task]}")
        raise ModelUnavailable(f"no {task} model at {p}: train one with 'narrascope train {task} {how}'")
    try:
        if task in ENCODER_TASKS and artifact_format(p) == ENCODER_FORMAT:
            return _load_encoder(str(p)).view(task)  # one encoder, loaded once, for every head
        return model_class(task).load(p)
    except ValueError as exc:
        raise ModelUnavailable(str(exc)) from None


def load_model(task: str, mode_or_path: str | Path = "default"):
    """The shipped model for ``task`` in ``mode`` ("default" or "fast"), or the artifact at a path; loaded once
    per process. ModelUnavailable when there is none or the file is not a ``task`` model."""
    path = artifact_path(task, mode_or_path) if mode_or_path in MODES else Path(mode_or_path)
    return _load(task, str(path))


# ---- model cards ---------------------------------------------------------------------------------------------
def card_path(artifact: str | Path) -> Path:
    """The card beside an artifact: ``x.npz`` -> ``x.card.json``."""
    return Path(artifact).with_suffix(".card.json")


def model_card(task: str, mode: str, model: Any, *, method: str, training_data: dict, terms: str,
               evaluation: Any, seconds: float, parameters: dict | None = None, **extra: Any) -> dict[str, Any]:
    """The model card of a freshly trained ``model`` (the same fields for every task, in the same order):
    what it is, how it was made (``method``, its constructor ``parameters``), from what (``training_data``,
    under which ``terms``), how well it does (``evaluation``: cross-validated scores, or None when not
    cross-validated), then task-specific ``extra`` fields. ``parameters`` default to the model's ``PARAMS``."""
    from .. import __version__

    return {
        "model": f"narrascope {task} ({mode})", "task": task, "mode": mode, "format": type(model).__name__,
        "narrascope_version": __version__, "trained": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "method": method, "parameters": parameters if parameters is not None else {k: getattr(model, k) for k in model.PARAMS},
        "training_data": training_data, "terms": terms, "evaluation": evaluation or NOT_CROSS_VALIDATED,
        **extra, "training_seconds": round(seconds, 1), "python": platform.python_version(),
    }


def write_card(artifact: str | Path, card: dict[str, Any]) -> Path:
    """Write ``card`` beside ``artifact``; returns its path."""
    path = card_path(artifact)
    path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def card_evaluation(task: str, section: str | None, needs: str) -> tuple[dict[str, Any], int]:
    """The cross-validated figures the default ``task`` model recorded in its card when it was trained (the
    card's ``evaluation``, or its ``section`` of it), holding the key ``needs``, and the number of folds its
    protocol names; ModelUnavailable, saying how to train it, when there are none."""
    card = read_card(artifact_path(task, "default")) or {}
    ev = card.get("evaluation")
    if section is not None and isinstance(ev, dict):
        ev = ev.get(section)
    if not isinstance(ev, dict) or needs not in ev:
        raise ModelUnavailable(f"the default {task} model records no cross-validated figures: train it with "
                               f"'narrascope train {task} --mode default --data {TRAINING_DATA[task]} --cv 3'")
    protocol = str(ev.get("protocol", ""))
    return ev, int(protocol.split("-fold")[0]) if "-fold" in protocol else 0


def read_card(artifact: str | Path) -> dict[str, Any] | None:
    """The card beside ``artifact``, or None."""
    p = card_path(artifact)
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None
