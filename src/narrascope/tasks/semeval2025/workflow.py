"""Training, prediction and evaluation for SemEval-2025 Task 10 (narratives: subtask 2; entity roles: subtask 1).

These functions back ``narrascope train narratives|roles``, ``narrascope predict semeval2025-narratives|roles``
and ``narrascope eval semeval2025``. Training and cross-validation read only the *train* split; dev and test
documents are only ever predicted (their gold labels are withheld).
"""

from __future__ import annotations

import re

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...errors import InputError, UsageError

DATA_TERMS = ("SemEval-2025 Task 10 data (Piskorski et al.), research use only. The artifact holds hashed-feature "
              "weights, thresholds and label names; no text or vocabulary from the data.")
LANGS = ("EN", "BG", "HI", "PT", "RU")

# the linear model (the fast mode; the default narratives model is a head on the shared encoder,
# narrascope.encoder.narrative_head, trained by narrascope.encoder.head_finetune)
NARRATIVE_MODES = {
    "fast": {"other_gate": True},
}
ROLE_MODES = {"default": {}, "fast": {}}


def _check_data(data: str | Path) -> Path:
    root = Path(data)
    if not (root / "train").is_dir():
        raise InputError(f"{root}: not a SemEval-2025 Task 10 data folder (no train/ inside)")
    return root


def _load_train(data: str | Path, languages=LANGS):
    from .data import load_semeval2025

    return load_semeval2025(_check_data(data), "train", languages=tuple(languages))


def _card(task: str, mode: str, model, samples_info: dict, cv: dict | None, seconds: float, method: str) -> dict:
    from ...models.registry import model_card

    return model_card(task, mode, model, method=method, terms=DATA_TERMS, evaluation=cv, seconds=seconds,
                      training_data={"dataset": "SemEval-2025 Task 10 (multilingual characterization and extraction "
                                                "of narratives from online news)",
                                     "split": "train (dev and test never used)", **samples_info})


def train_narratives(data: str | Path, out: str | Path, mode: str = "default", cv: int = 0, seed: int = 0,
                     embedding_cache: str | None = None, progress: Callable[[str], None] = print) -> dict:
    from .crossval import cross_validate_narratives
    from ...models.narratives import NarrativeClassifier
    from ...models.registry import write_card
    from ...models.training import text_key

    if mode not in NARRATIVE_MODES:
        raise UsageError(f"unknown mode {mode!r}: use default or fast")
    params = dict(NARRATIVE_MODES[mode], seed=seed)
    samples = [s for s in _load_train(data) if s.narratives is not None]
    t0 = time.perf_counter()
    clf = NarrativeClassifier(**params)
    texts = [s.text for s in samples]
    dense = None
    if clf.embedder:
        from ...models.embeddings import cached_documents

        progress(f"embedding {len(texts)} training documents (cached in {embedding_cache or 'memory'})")
        dense = cached_documents(texts, embedding_cache, clf.embedder,
                                 progress=lambda d, n: progress(f"  embedded {d}/{n}") if d % 256 == 0 or d == n else None)
    progress(f"fitting on {len(samples)} documents")
    clf.fit_counts(clf.hash_counts(texts), [(s.narratives, s.subnarratives) for s in samples],
                   [s.language for s in samples], [text_key(t) for t in texts], dense=dense)
    seconds = time.perf_counter() - t0
    clf.save(out)
    scores = None
    if cv:
        progress(f"{cv}-fold cross-validation on the training split")
        result = cross_validate_narratives(samples, folds=cv, embedding_cache=embedding_cache, **params)
        scores = {"protocol": f"{cv}-fold CV on train, duplicates grouped, stratified by language, one model on all "
                              f"languages per fold; metric: F1 samples (SemEval-2025 subtask 2)",
                  "narratives_f1_samples": _means(result["model"]["narratives"]),
                  "subnarratives_f1_samples": _means(result["model"]["subnarratives"]),
                  "other_everywhere_baseline": {"narratives": _means(result["other_baseline"]["narratives"]),
                                                "subnarratives": _means(result["other_baseline"]["subnarratives"])}}
    langs = [s.language for s in samples]
    card = _card("narratives", mode, clf, {"documents": len(samples),
                                           "per_language": {lg: langs.count(lg) for lg in sorted(set(langs))}},
                 scores, seconds,
                 "hashed word 1-2 and char 2-5 grams, tf-idf" + (" + multilingual-e5-small embedding of the first "
                 "240 words" if clf.embedder else "") + "; one-vs-rest logistic regression per narrative and "
                 "subnarrative; per-label thresholds and Platt calibration from 3-fold inner CV on train; a "
                 "'no narrative' gate; hierarchy-consistent decoding")
    write_card(out, card)
    return card


def _means(by_scope: dict) -> dict:
    return {scope: round(v["mean"], 4) for scope, v in by_scope.items()}


def train_roles(data: str | Path, out: str | Path, mode: str = "default", cv: int = 0, seed: int = 0,
                progress: Callable[[str], None] = print) -> dict:
    from .crossval import cross_validate_roles, mention_table
    from ...models.registry import write_card
    from ...models.roles import RoleClassifier

    if mode not in ROLE_MODES:
        raise UsageError(f"unknown mode {mode!r}: use default or fast")
    params = dict(ROLE_MODES[mode], seed=seed)
    samples = _load_train(data)
    rows = mention_table(samples)
    progress(f"fitting on {len(rows)} mentions")
    t0 = time.perf_counter()
    clf = RoleClassifier(**params)
    clf.fit([(*r["item"], r["main"], r["fines"]) for r in rows], languages=[r["language"] for r in rows])
    seconds = time.perf_counter() - t0
    clf.save(out)
    scores = None
    if cv:
        progress(f"{cv}-fold cross-validation on the training split")
        result = cross_validate_roles(samples, folds=cv, **params)
        scores = {"protocol": f"{cv}-fold CV on train, mentions of a document (and duplicate documents) in one fold, "
                              f"stratified by language; metrics of SemEval-2025 subtask 1",
                  **{k: _means(v) for k, v in result["model"].items()}}
        if "majority" in result:
            scores["majority_baseline"] = {k: _means(v) for k, v in result["majority"].items()}
    langs = [r["language"] for r in rows]
    card = _card("roles", mode, clf, {"documents": len({r['key'] for r in rows}), "mentions": len(rows),
                                      "per_language": {lg: langs.count(lg) for lg in sorted(set(langs))}},
                 scores, seconds, (clf.__doc__ or "").strip().splitlines()[0])
    write_card(out, card)
    return card


# ---- prediction in the official formats ----------------------------------------------------------------------
def _guess_language(name: str, folder: str | Path | None = None) -> str:
    """A document's language from its file name (``EN_UA_1.txt``, ``A9_BG_2569.txt``: the first part that is a
    language code), else from the folder holding it (``dev/BG/...``), else English."""
    for part in re.split(r"[_\-.]", name):
        if part.upper() in LANGS:
            return part.upper()
    for part in reversed(Path(folder).parts if folder is not None else ()):
        if part.upper() in LANGS:
            return part.upper()
    return "EN"


def predict_narratives(docs_dir: str | Path, out: str | Path, model: str = "default") -> int:
    from .data import read_text
    from .metrics import write_subtask2
    from ...models.registry import load_model

    folder = Path(docs_dir)
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not files:
        raise InputError(f"{folder}: no .txt documents")
    clf = load_model("narratives", model)
    texts = [read_text(p) for p in files]
    # the encoder head reads the document's language (SemEval names files BG_..., EN_..., ...)
    preds = (clf.predict(texts, [_guess_language(p.name, folder) for p in files]) if getattr(clf, "reads_context", False)
             else clf.predict(texts))
    write_subtask2(out, {p.name: pair for p, pair in zip(files, preds)})
    return len(files)


def predict_roles(docs_dir: str | Path, mentions: str | Path, out: str | Path, model: str = "default") -> int:
    from .data import locate, read_text
    from .metrics import RolePrediction, write_subtask1
    from ...models.registry import load_model

    folder = Path(docs_dir)
    rows = []
    mpath = Path(mentions)
    if not mpath.is_file():
        raise InputError(f"{mpath}: no such mentions file")
    for i, line in enumerate(read_text(mpath).splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 4:
            raise InputError(f"{mpath}:{i}: expected 'id<TAB>mention<TAB>start<TAB>end'")
        try:
            start, end = int(parts[-2]), int(parts[-1])
        except ValueError:
            raise InputError(f"{mpath}:{i}: start and end must be integers") from None
        rows.append((parts[0].strip(), "\t".join(parts[1:-2]), start, end))
    texts: dict[str, str] = {}
    items, langs = [], []
    for doc, mention, start, end in rows:
        if doc not in texts:
            p = folder / doc
            if not p.is_file():
                raise InputError(f"{p}: document named in the mentions file is missing")
            texts[doc] = read_text(p)
        text = texts[doc]
        found = locate(text, mention, start, end)
        s = found[0] if found else min(max(start, 0), len(text))
        e = s + len(mention) if found else min(max(end + 1, s), len(text))
        items.append((text, s, e))
        langs.append(_guess_language(doc, folder))
    clf = load_model("roles", model)
    preds = clf.predict(items, languages=langs) if items else []
    write_subtask1(out, {(doc, start, end): RolePrediction(mention, main, tuple(fines))
                         for (doc, mention, start, end), (main, fines) in zip(rows, preds)})
    return len(rows)


def roles_cv_from_card() -> dict[str, Any]:
    """The cross-validated figures the default (fine-tuned) roles model recorded in its card when it was trained
    (``narrascope train roles --mode default --cv 3``: hours of fine-tuning, not redone by ``eval``), in the
    layout of :func:`.crossval.cross_validate_roles`."""
    from ...models.registry import card_evaluation

    ev, folds = card_evaluation("roles", None, "roles")
    return {"folds": folds, "from_card": True, "protocol": ev["protocol"], "model": ev["roles"],
            "majority": {"main_accuracy": ev.get("roles_majority_main_accuracy", {})}, "chosen": ev.get("chosen")}


def narratives_cv_from_card() -> dict[str, Any]:
    """The cross-validated figures the default narratives head recorded in the shared encoder's card when it was
    trained, in the layout of :func:`.crossval.cross_validate_narratives` (one pooled figure per scope: its
    ``std`` is None)."""
    from ...models.registry import card_evaluation

    ev, folds = card_evaluation("narratives", "narratives", "f1_samples")

    def level(key: str) -> dict:
        return {scope: {"mean": v[key], "std": None, "folds": []} for scope, v in ev["f1_samples"].items()}

    return {"folds": folds, "from_card": True, "protocol": ev["protocol"],
            "model": {"narratives": level("coarse"), "subnarratives": level("fine")},
            "other_baseline": {"narratives": {}, "subnarratives": {}}}


def evaluate_cv(task: str, data: str | Path, languages=LANGS, folds: int = 5, seed: int = 0, mode: str = "default",
                embedding_cache: str | None = None) -> dict[str, Any]:
    """Cross-validated official metrics on the train split (the dev/test gold is withheld). For the default
    roles model, the figures recorded when it was trained (:func:`roles_cv_from_card`)."""
    if task in ("roles", "narratives") and mode == "default":
        _check_data(data)  # the figures come from the card, but a wrong folder is still the user's error
        return roles_cv_from_card() if task == "roles" else narratives_cv_from_card()
    samples = _load_train(data, languages)
    if task == "narratives":
        from .crossval import cross_validate_narratives

        return cross_validate_narratives(samples, folds=folds, seed=seed, embedding_cache=embedding_cache,
                                         **NARRATIVE_MODES[mode])
    if task == "roles":
        from .crossval import cross_validate_roles

        return cross_validate_roles(samples, folds=folds, seed=seed, **ROLE_MODES[mode])
    raise UsageError(f"unknown task {task!r}: use narratives or roles")
