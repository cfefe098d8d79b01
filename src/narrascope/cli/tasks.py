"""The commands of the shared tasks: ``train`` a shipped model, ``predict`` in a task's official file
format, ``eval`` with its official metrics (cross-validated on the training split)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..errors import UsageError
from ..pipeline import MODEL_MODES
from .options import fast_option, model_mode
from .output import note, print_table, table, write_atomic


def train(
    task: str = typer.Argument(..., metavar="narratives|roles|techniques|checkworthiness", help="Which model to train."),
    data: Path = typer.Option(..., "--data", help="Training data: ../shared/data/semeval2025_task10 (narratives, roles), ../shared/data (techniques), ../shared/data/checkthat2024_task1_en (checkworthiness)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Artifact to write (default: the model shipped in the package)."),
    mode: str = typer.Option("default", "--mode", help="default or fast (see the README for what each mode uses)."),
    cv: int = typer.Option(0, "--cv", help="Also cross-validate with this many folds and record the scores in the model card."),
    seed: int = typer.Option(0, "--seed"),
    embedding_cache: Optional[Path] = typer.Option(None, "--embedding-cache", help="Folder to cache document embeddings between runs."),
    epochs: int = typer.Option(3, "--epochs", help="Fine-tuning epochs (default mode of roles and checkworthiness); with --cv, the most tried."),
    layers: str = typer.Option("4", "--layers", help="Top encoder layers adapted with LoRA; several, comma-separated, are a grid for --cv."),
    max_minutes: Optional[float] = typer.Option(None, "--max-minutes", help="Stop cleanly after a checkpoint once this long has passed; the same command continues."),
    resume: bool = typer.Option(True, "--resume/--no-resume", help="Continue from the last checkpoint of a run with the same arguments."),
    other_data: Optional[Path] = typer.Option(None, "--other-data", help="The other task's data folder, when not beside --data (default mode of roles and checkworthiness)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Train on at most this many documents and pseudo-articles (trials)."),
) -> None:
    """Train a shipped model from the training split only, with a model card beside it.

    The default roles and check-worthiness models share one fine-tuned encoder: either task trains both
    (needs torch: pip install 'narrascope[train]')."""
    from ..models.registry import ENCODER_TASKS, TASKS, artifact_path

    if task not in TASKS:
        raise UsageError(f"unknown task {task!r}: use {', '.join(TASKS)}")
    if mode not in MODEL_MODES:
        raise UsageError(f"unknown --mode {mode!r}: use {' or '.join(MODEL_MODES)}")
    if cv == 1 or cv < 0:
        raise UsageError("--cv needs at least 2 folds (or 0 for none)")
    target = out or artifact_path(task, mode)
    say = note  # progress lines, dim on stderr
    cache = str(embedding_cache) if embedding_cache else None
    if mode == "default" and task in ("techniques", "narratives"):
        _train_head(task, data, target, cv, seed)
        return
    if mode == "default" and task in ENCODER_TASKS:
        _train_shared_encoder(data, other_data, target, cv, seed, epochs, layers, max_minutes, resume, limit)
        return
    if task == "narratives":
        from ..tasks.semeval2025 import workflow as wf

        card = wf.train_narratives(data, target, mode, cv, seed, cache, say)
    elif task == "roles":
        from ..tasks.semeval2025 import workflow as wf

        card = wf.train_roles(data, target, mode, cv, seed, say)
    elif task == "techniques":
        from ..tasks.semeval2023.workflow import train_techniques

        card = train_techniques(data, target, mode, cv, seed, cache, say)
    else:
        from ..tasks.checkthat2024.workflow import train_checkworthiness

        card = train_checkworthiness(data, target, mode, cv, seed, progress=say)
    note(f"wrote {target} and its model card")
    if isinstance(card.get("evaluation"), dict):
        typer.echo(json.dumps(card["evaluation"], indent=1))


def _train_head(task: str, data: Path, target: Path, cv: int, seed: int) -> None:
    """A head on the frozen shared encoder (techniques, narratives), added to the shared artifact."""
    from ..encoder import head_finetune as hf
    from ..encoder.finetune import require_torch

    require_torch()
    if not target.is_file():
        raise UsageError(f"{target}: no shared encoder to add the {task} head to: train it first with "
                         f"'narrascope train roles --mode default --data ../shared/data/semeval2025_task10'")
    folds = cv or 3  # the head's thresholds come from cross-validation: it always cross-validates
    if task == "techniques":
        evaluation = hf.train_technique_head(data, target, target, cv=folds, seed=seed, say=note)
        method = hf.TECHNIQUES_METHOD
    else:
        evaluation = hf.train_narrative_head(data, target, target, cv=folds, seed=seed, say=note)
        method = hf.NARRATIVES_METHOD
    hf.record_in_card(target, task, evaluation, method)
    note(f"wrote the {task} head into {target} and its model card")
    typer.echo(json.dumps(evaluation, indent=1, default=str))


def _train_shared_encoder(data: Path, other_data: Optional[Path], target: Path, cv: int, seed: int, epochs: int,
                          layers: str, max_minutes: Optional[float], resume: bool, limit: Optional[int]) -> None:
    from ..encoder.finetune import SHARED_NOTE, find_data, require_torch, train_shared_encoder

    try:
        grid = tuple(int(x) for x in layers.split(",") if x.strip())
    except ValueError:
        raise UsageError(f"--layers takes numbers of layers, comma-separated, not {layers!r}") from None
    if not grid or any(not 1 <= k <= 12 for k in grid):
        raise UsageError("--layers must name 1 to 12 top layers")
    if epochs < 1:
        raise UsageError("--epochs must be at least 1")
    if max_minutes is not None and max_minutes <= 0:
        raise UsageError("--max-minutes must be positive")
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    require_torch()
    semeval, checkthat = find_data(data, other_data)
    note(f"{SHARED_NOTE}: training both from {semeval} and {checkthat}")
    card = train_shared_encoder(semeval, checkthat, target, cv=cv, seed=seed, epochs=epochs, layers=grid,
                                max_minutes=max_minutes, resume=resume, limit=limit, say=note)
    if card is None:
        return
    note(f"wrote {target} and its model card ({SHARED_NOTE})")
    if isinstance(card.get("evaluation"), dict):
        typer.echo(json.dumps({k: v for k, v in card["evaluation"].items() if k != "grid"}, indent=1))


# -- predict ---------------------------------------------------------------------------------------

predict_app = typer.Typer(help="Predict in a shared task's official file format.", no_args_is_help=True)


@predict_app.command("semeval2025-narratives")
def predict_narratives(
    docs: Path = typer.Option(..., "--docs", help="Folder of .txt documents."),
    out: Path = typer.Option(..., "--out", help="Output: id<TAB>narratives<TAB>subnarratives per document."),
    fast: bool = fast_option("Use the fast (n-gram only) model."),
    model: Optional[Path] = typer.Option(None, "--model", help="Another trained artifact."),
) -> None:
    """SemEval-2025 Task 10 subtask 2: narratives and subnarratives per document."""
    from ..tasks.semeval2025.workflow import predict_narratives as run

    n = run(docs, out, str(model) if model else model_mode(fast))
    note(f"wrote {n} predictions to {out}")


@predict_app.command("semeval2025-roles")
def predict_roles(
    docs: Path = typer.Option(..., "--docs", help="Folder of .txt documents."),
    mentions: Path = typer.Option(..., "--mentions", help="id<TAB>mention<TAB>start<TAB>end per line (end inclusive)."),
    out: Path = typer.Option(..., "--out", help="Output: the mention line, then main role and fine roles."),
    fast: bool = fast_option("Use the fast model."),
    model: Optional[Path] = typer.Option(None, "--model", help="Another trained artifact."),
) -> None:
    """SemEval-2025 Task 10 subtask 1: the role of every given entity mention."""
    from ..tasks.semeval2025.workflow import predict_roles as run

    n = run(docs, mentions, out, str(model) if model else model_mode(fast))
    note(f"wrote {n} predictions to {out}")


@predict_app.command("semeval2023-techniques")
def predict_techniques(
    articles: Path = typer.Option(..., "--articles", help="Folder of article<ID>.txt files."),
    template: Path = typer.Option(..., "--template", help="A *-labels-subtask-3.template file: id<TAB>line<TAB>text."),
    out: Path = typer.Option(..., "--out", help="Output: id<TAB>line<TAB>t1,t2,... for every template line."),
    fast: bool = fast_option("Use the fast model."),
    model: Optional[Path] = typer.Option(None, "--model", help="Another trained artifact."),
) -> None:
    """SemEval-2023 Task 3 subtask 3: persuasion techniques per paragraph."""
    from ..models.registry import load_model
    from ..tasks.semeval2023.workflow import predict_semeval2023

    n = predict_semeval2023(articles, template, out, load_model("techniques", str(model) if model else model_mode(fast)))
    note(f"wrote {n} predictions to {out}")


@predict_app.command("checkthat2024")
def predict_checkthat(
    input_tsv: Path = typer.Option(..., "--input", help="TSV with columns Sentence_id and Text."),
    out: Path = typer.Option(..., "--out", help="Output: Sentence_id<TAB>Yes|No for every input row."),
    fast: bool = fast_option("Use the fast model."),
    model: Optional[Path] = typer.Option(None, "--model", help="Another trained artifact."),
    header: bool = typer.Option(False, "--header/--no-header", help="Write a 'Sentence_id<TAB>class_label' header line first."),
) -> None:
    """CheckThat! 2024 Task 1: is each sentence worth fact-checking?"""
    from ..tasks.checkthat2024.workflow import predict_checkthat2024

    n = predict_checkthat2024(input_tsv, out, str(model) if model else model_mode(fast), header=header)
    note(f"wrote {n} predictions to {out}")


# -- eval ------------------------------------------------------------------------------------------

eval_app = typer.Typer(help="Score models with a shared task's official metrics.", no_args_is_help=True)


FROM_CARD = ("default mode: the figures the fine-tuned model recorded when it was cross-validated in training "
             "(narrascope train ... --mode default --cv 3); --fast cross-validates the linear model now")


def _check_folds(cv: int) -> None:
    if cv < 2:
        raise UsageError("--cv needs at least 2 folds")


def _semeval2025_table(result: dict, task: str, cv: int, mode: str, languages: list[str]) -> Table:
    """Mean ± std over folds per language (and ALL), next to the baselines."""
    metric = ("F1-samples; (Other): predicting Other everywhere" if task == "narratives" else
              "EMR: exact match of the fine-role set; main acc: main-role accuracy; fine µF1: fine-role micro-F1")
    if task == "narratives":
        cols = [("narratives", "model"), ("narratives", "other_baseline"), ("subnarratives", "model"),
                ("subnarratives", "other_baseline")]
        heads = ["narratives", "(Other)", "subnarratives", "(Other)"]
        get = lambda lvl, name, sc: result[name][lvl].get(sc)  # noqa: E731
    else:
        cols = [("emr", "model"), ("main_accuracy", "model"), ("micro_f1", "model"), ("main_accuracy", "majority")]
        heads = ["EMR", "main acc", "fine µF1", "(majority main acc)"]
        get = lambda metric, name, sc: result[name][metric].get(sc)  # noqa: E731
    scores = table(f"SemEval-2025 {task}, {cv}-fold CV on train ({mode} mode)", ["language", *heads],
                   caption=f"mean ± std over folds (pooled out-of-fold figures: no ±). {metric}", right_from=1)
    for scope in languages + ["ALL"]:
        cells = []
        for a, b in cols:
            st = get(a, b, scope)
            cells.append("–" if not st else f"{st['mean']:.3f}" if st.get("std") is None
                         else f"{st['mean']:.3f} ± {st['std']:.3f}")
        scores.add_row(scope, *cells)
    return scores


@eval_app.command("semeval2025")
def eval_semeval2025(
    task: str = typer.Option(..., "--task", help="narratives or roles."),
    data: Path = typer.Option(..., "--data", help="SemEval-2025 Task 10 data folder (holding train/)."),
    lang: str = typer.Option("EN,BG,HI,PT,RU", "--lang", help="Languages to evaluate, comma-separated (the model trains on all of them)."),
    cv: int = typer.Option(5, "--cv", help="Cross-validation folds on the training split."),
    seed: int = typer.Option(0, "--seed"),
    fast: bool = fast_option("Evaluate the fast configuration."),
    embedding_cache: Optional[Path] = typer.Option(None, "--embedding-cache", help="Folder to cache document embeddings."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the full result here."),
) -> None:
    """Cross-validated official metrics: F1-samples (subtask 2) or EMR / main-role accuracy / fine micro-F1 (subtask 1).

    Every language trains each fold's model; --lang only picks the rows of the report."""
    from ..tasks.semeval2025 import workflow as wf

    _check_folds(cv)
    wanted = [x.strip().upper() for x in lang.split(",") if x.strip()]
    bad = [x for x in wanted if x not in wf.LANGS]
    if bad:
        raise UsageError(f"unknown language {', '.join(bad)}: use {', '.join(wf.LANGS)}")
    result = wf.evaluate_cv(task, data, wf.LANGS, cv, seed, model_mode(fast),
                            str(embedding_cache) if embedding_cache else None)
    if result.get("from_card"):
        note(FROM_CARD)
    print_table(_semeval2025_table(result, task, result.get("folds") or cv, model_mode(fast), wanted))
    if json_out is not None:
        write_atomic(json_out, json.dumps({k: v for k, v in result.items() if k != "fold_ids"}, indent=1) + "\n")


def _techniques_table(result: dict, cv: int, mode: str) -> Table:
    scores = table(f"Persuasion techniques, {cv}-fold CV on train ({mode} mode)",
                   ("language", "articles", "paragraph µF1", "precision", "recall", "span F1", "span F1 (any)"),
                   caption="paragraph: official micro-F1; span: label-aware partial-overlap F1; span (any): ignoring the label",
                   right_from=1)
    for lang, r in result["languages"].items():
        scores.add_row(lang, str(r["articles"]), f"{r['paragraph']['micro_f1']:.3f}", f"{r['paragraph']['precision']:.3f}",
                       f"{r['paragraph']['recall']:.3f}", f"{r['span']['f1']:.3f}", f"{r['span_unlabelled']['f1']:.3f}")
    return scores


@eval_app.command("techniques")
def eval_techniques(
    data: Path = typer.Option(Path("../shared/data"), "--data", help="Folder holding semeval2023_task3/ (and semeval2020_task11_ptc/)."),
    cv: int = typer.Option(5, "--cv", help="Cross-validation folds over training articles."),
    seed: int = typer.Option(0, "--seed"),
    fast: bool = fast_option("Evaluate the fast configuration."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the full result here."),
) -> None:
    """Cross-validated paragraph micro-F1 (SemEval-2023 subtask 3) and span F1 with partial-overlap credit (SemEval-2020)."""
    from ..tasks.semeval2023.workflow import evaluate_cv

    _check_folds(cv)
    mode = model_mode(fast)
    say = note  # progress lines, dim on stderr
    result = evaluate_cv(data, cv, mode, seed, progress=say)
    if result.get("from_card"):
        note(FROM_CARD)
    print_table(_techniques_table(result, result.get("folds") or cv, mode))
    if json_out is not None:
        write_atomic(json_out, json.dumps(result, indent=1) + "\n")


def _checkthat_table(result: dict, cv: int, mode: str) -> Table:
    scores = table(f"Check-worthiness, CheckThat! 2024 English ({mode} mode)",
                   ("split", "F1 (Yes)", "precision", "recall", "accuracy"), right_from=1)
    rows = [(f"{cv}-fold CV on train", result["cv"])] + [(k, v) for k, v in (result.get("heldout") or {}).items() if isinstance(v, dict)]
    for name, r in rows:
        scores.add_row(name, *(f"{r.get(k, float('nan')):.3f}" for k in ("f1_yes", "precision_yes", "recall_yes", "accuracy")))
    return scores


@eval_app.command("checkthat2024")
def eval_checkthat(
    data: Path = typer.Option(Path("../shared/data/checkthat2024_task1_en"), "--data", help="CheckThat! 2024 Task 1 English folder."),
    cv: int = typer.Option(5, "--cv", help="Cross-validation folds on the training file."),
    seed: int = typer.Option(0, "--seed"),
    fast: bool = fast_option("Evaluate the fast configuration."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the full result here."),
) -> None:
    """Cross-validated F1 of class Yes (the official metric) on the training file; labelled dev files for information."""
    from ..tasks.checkthat2024.workflow import evaluate_cv

    _check_folds(cv)
    result = evaluate_cv(data, cv, model_mode(fast), seed)
    if result.get("from_card"):
        note(FROM_CARD)
    print_table(_checkthat_table(result, result.get("folds") or cv, model_mode(fast)))
    if json_out is not None:
        write_atomic(json_out, json.dumps(result, indent=1, default=str) + "\n")
