"""``narrascope train techniques|narratives --mode default``: heads on the frozen shared encoder, cross-validated
on the training split, written into the shared artifact (needs torch: the ``train`` extra).

Both read the token states of ``encoder-default``'s encoder (cached once per document:
:mod:`narrascope.encoder.state_cache`), train with :mod:`narrascope.encoder.head_training`, choose epochs,
thresholds and decoding by ``cv``-fold cross-validation over training documents (identical texts in one
fold, stratified by language), then fit on all of train and add the head to the artifact beside the roles and
check-worthiness heads. Dev and test are never read.

Techniques: folds over SemEval-2023 EN+RU training articles; per epoch of a grid, out-of-fold paragraph scores
(the strongest token per technique); per-technique thresholds by coordinate ascent on paragraph micro-F1,
*chosen on the other folds* for the reported figure; the span run ratio by cross-validated span F1
(SemEval-2020 partial overlap, labelled) on articles with gold spans.

Narratives: folds over SemEval-2025 training documents; per-label thresholds (F1 of the label), per-language
threshold factors and the hierarchy rule by F1-samples (mean of coarse and fine), the reported figure again
from thresholds chosen on the other folds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["train_narrative_head", "train_technique_head"]

TECHNIQUES_METHOD = (
    "technique spans: a one-hidden-layer MLP over each token's state (the shared encoder, frozen) and its "
    "paragraph's mean state gives one probability per technique and token; trained on SemEval-2023 EN+RU and PTC "
    "spans (token BCE) plus each paragraph's strongest token against its labels (multiple-instance BCE); a "
    "paragraph's techniques are those whose strongest token reaches the technique's threshold (coordinate ascent "
    "on out-of-fold paragraph micro-F1); spans: runs of tokens over run_ratio x threshold, widened to words, "
    "without leading/trailing function words")
NARRATIVES_METHOD = (
    "narratives: [mean token state ; mean of the first 64 tokens ; (chosen by CV) the maximum over 64-token chunk "
    "means ; language one-hot] of the shared encoder's (frozen) pass through a shared hidden layer into narrative, "
    "subnarrative and 'no narrative' sigmoids, blended with the fast "
    "n-gram model's calibrated probabilities (weight by CV); per-label thresholds, per-language factors and the "
    "hierarchy rule by out-of-fold F1-samples; evidence: the head's probability for each sentence read alone")
EPOCH_GRID_TECHNIQUES = (8, 10, 12, 14)
# The tagger reads each token and its paragraph. Reading its neighbours' states too (``neighbours=1``) scored
# 0.406 paragraph micro-F1 in 3-fold CV (EN 0.394) against 0.393 (EN 0.376), same folds and seed, but its spans
# sprawl (a whole 10-word sentence as Name_Calling in tests/analyzers/test_techniques.py's constructed article,
# where this tagger marks "corrupt clique"): the spans are what a reader is shown, so it is not the default.
TAGGER_PARAMS: dict = {}
EPOCH_GRID_NARRATIVES = (40, 60, 80)
CHUNK_GRID = (0, 64)  # narrative features: 0 = whole-text and lead means; k = also the max over k-token chunk means
BLEND_WEIGHTS = (1.0, 0.75, 0.5)  # the head's share for narratives (and the gate), then for subnarratives  # the head's share; the rest is the fast n-gram model's calibrated probability
RUN_RATIOS = (0.3, 0.5, 0.7)
CLAUSE_WORDS = (1000, 12, 8, 5)  # median gold span words from which a technique is shown as its sentence
EXTRA_FACTORS = (1.0, 1.5, 2.0, 3.0)
LANGUAGE_FACTORS = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.35, 1.5)


def _load_heads(artifact: str | Path):
    from .heads import EncoderHeads

    return EncoderHeads.load(artifact)


# ---- techniques ---------------------------------------------------------------------------------------------
def _paragraph_scores(units, probs: dict[int, np.ndarray], idx) -> np.ndarray:
    return np.vstack([probs[i].max(axis=0) for i in idx])


def _thresholds(S: np.ndarray, Y: np.ndarray) -> np.ndarray:
    from ..models.training import f1_threshold, micro_f1_thresholds

    start = np.array([f1_threshold(S[:, j], Y[:, j], lo=0.05)[0] if Y[:, j].any() else 1.01 for j in range(Y.shape[1])])
    return micro_f1_thresholds(S, Y, start)


def _micro(S: np.ndarray, Y: np.ndarray, t: np.ndarray) -> dict:
    pred = S >= t
    tp = float((pred & (Y == 1)).sum())
    fp = float(pred.sum()) - tp
    fn = float(Y.sum()) - tp
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"micro_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "precision": round(p, 4), "recall": round(r, 4)}


def _fair(S: np.ndarray, Y: np.ndarray, fold: np.ndarray) -> np.ndarray:
    """Each fold's paragraphs decided with thresholds chosen on the other folds' out-of-fold scores."""
    pred = np.zeros(S.shape, bool)
    for f in np.unique(fold):
        t = _thresholds(S[fold != f], Y[fold != f])
        pred[fold == f] = S[fold == f] >= t
    return pred


def _micro_pred(pred: np.ndarray, Y: np.ndarray) -> dict:
    return _micro(pred.astype(float), Y, np.full(Y.shape[1], 0.5))


def _span_f1(units, probs, thresholds, run_ratio, extra_factor, idx_articles, labelled: bool = True,
             clause_level: frozenset[int] = frozenset()) -> dict:
    from ..tasks.semeval2023.metrics import span_f1
    from ..text import sentences
    from .technique_head import decode_spans

    gold, pred = {}, {}
    texts = units.article_texts
    for i in range(len(units)):
        k = units.article[i]
        if k not in idx_articles:
            continue
        a, b = units.tokens[i]
        offs = units.offsets[k][a:b]
        for j, s, e, _ in decode_spans(texts[k], offs, probs[i], thresholds, run_ratio, extra_factor,
                                       bounds=units.chars[i], sentences=sentences(texts[k], *units.chars[i]),
                                       clause_level=clause_level):
            pred.setdefault(k, []).append((units.labels[j], s, e))
    for k in idx_articles:
        gold[k] = units.article_spans[k]
    return span_f1(gold, pred, labelled)


def train_technique_head(data: str | Path, artifact: str | Path, out: str | Path, *, cv: int = 3, seed: int = 0,
                         epochs: tuple[int, ...] = EPOCH_GRID_TECHNIQUES, say: Callable[[str], None] = print,
                         **fit_params) -> dict:
    """Cross-validate, fit and write the techniques head into a copy of ``artifact`` at ``out``; the card's
    evaluation section. ``fit_params`` go to :func:`~narrascope.encoder.head_training.fit_tagger` (over
    ``TAGGER_PARAMS``)."""
    from ..models.training import group_folds
    from ..tasks.semeval2023.data import load_training, official_techniques
    from ..tasks.semeval2023.workflow import typical_span_words
    from .head_data import technique_units
    from .head_training import fit_tagger, tagger_proba
    from .state_cache import StateCache
    from .training import export_layers

    fit_params = {**TAGGER_PARAMS, **fit_params}
    t0 = time.monotonic()
    heads = _load_heads(artifact)
    cache = StateCache(heads)
    articles = load_training(Path(data), ("en", "ru"))
    cache.fill([a.text for a in articles], "techniques: encoding training articles", say=say)
    labels = official_techniques()
    units = technique_units(articles, cache, labels)
    say(f"techniques: {len(articles)} articles, {len(units)} paragraphs, "
        f"{sum(b - a for a, b in units.tokens)} tokens")
    Y = np.vstack(units.para_y).astype(int)
    art_fold = group_folds(units.article_keys, cv, seed, units.article_language)
    fold = art_fold[np.asarray(units.article)]
    lang = np.asarray(units.language)
    oof: dict[int, dict[int, np.ndarray]] = {e: {} for e in epochs}
    grid: dict[int, dict] = {}
    preds: dict[int, np.ndarray] = {}
    for f in range(cv):
        train_idx = np.flatnonzero(fold != f).tolist()
        test_idx = np.flatnonzero(fold == f).tolist()

        def record(epoch, model, test_idx=test_idx):
            if epoch in oof:
                oof[epoch].update(tagger_proba(model, units, test_idx))

        t = time.monotonic()
        fit_tagger(units, train_idx, epochs=max(epochs), seed=seed, on_epoch=record, **fit_params)
        say(f"techniques: fold {f + 1}/{cv} trained in {time.monotonic() - t:.0f} s")
    everything = list(range(len(units)))
    for e in epochs:
        S = _paragraph_scores(units, oof[e], everything)
        pred = preds[e] = _fair(S, Y, fold)
        grid[e] = {"all": _micro_pred(pred, Y), **{lg: _micro_pred(pred[lang == lg], Y[lang == lg]) for lg in ("en", "ru")}}
        say(f"techniques: {e} epochs: paragraph micro-F1 (thresholds from the other folds) {grid[e]}")
    best = max(epochs, key=lambda e: (grid[e]["all"]["micro_f1"], -e))
    S = _paragraph_scores(units, oof[best], everything)
    thresholds = _thresholds(S, Y)
    with_spans = {k for k, has in enumerate(units.article_has_spans) if has}
    ratios = {(r, x): _span_f1(units, oof[best], thresholds, r, x, with_spans) for r in RUN_RATIOS
              for x in EXTRA_FACTORS}
    run_ratio, extra_factor = max(ratios, key=lambda k: ratios[k]["f1"])
    say(f"techniques: best {best} epochs; span F1 by (run ratio, extra factor) "
        f"{ {k: round(v['f1'], 4) for k, v in ratios.items()} }")
    typical = typical_span_words(articles)
    clause_grid = {}
    for words in CLAUSE_WORDS:
        level = frozenset(j for j, lab in enumerate(labels) if typical.get(lab, 0) >= words)
        clause_grid[words] = (level, _span_f1(units, oof[best], thresholds, run_ratio, extra_factor, with_spans,
                                              clause_level=level))
    clause_words = max(clause_grid, key=lambda w: (clause_grid[w][1]["f1"], w))
    clause_level, span_scores = clause_grid[clause_words]
    say(f"techniques: span F1 by clause length {({w: round(v[1]['f1'], 4) for w, v in clause_grid.items()})}")
    t = time.monotonic()
    model = fit_tagger(units, everything, epochs=best, seed=seed, **fit_params)
    say(f"techniques: final fit in {time.monotonic() - t:.0f} s")
    positives = Y.sum(axis=0)
    best_pred = preds[best]
    languages = {}
    for lg in ("en", "ru"):
        arts = {k for k in with_spans if units.article_language[k] == lg}
        rows = lang == lg
        languages[lg] = {"articles": int(sum(1 for x in units.article_language if x == lg)),
                         "paragraph": _micro_pred(best_pred[rows], Y[rows]),
                         "span": _rounded(_span_f1(units, oof[best], thresholds, run_ratio, extra_factor, arts,
                                                   clause_level=clause_level)),
                         "span_unlabelled": _rounded(_span_f1(units, oof[best], thresholds, run_ratio, extra_factor,
                                                              arts, False, clause_level))}
    evaluation = {
        "protocol": f"{cv}-fold CV over SemEval-2023 training articles (EN+RU; identical texts in one fold, "
                    f"stratified by language); paragraph labels derived from spans (the strongest token per "
                    f"technique against its threshold); thresholds chosen on the other folds; span F1 = "
                    f"SemEval-2020 partial overlap, labelled, on articles with gold spans",
        "paragraph_micro_f1": grid[best],
        "languages": languages,
        "span_f1": _rounded(span_scores),
        "epoch_grid": {str(e): g["all"]["micro_f1"] for e, g in grid.items()},
        "span_grid": {f"run ratio {r}, extra factor {x}": round(v["f1"], 4) for (r, x), v in ratios.items()},
        "clause_grid": {str(w): round(v[1]["f1"], 4) for w, v in clause_grid.items()},
        "clause_level": [labels[j] for j in sorted(clause_level)],
    }
    head = {"layers": export_layers(model.net), "labels": labels, "thresholds": thresholds.astype(np.float32),
            "run_ratio": run_ratio, "extra_factor": extra_factor, "gap": 2, "epochs": best, "fit": fit_params,
            "clause_level": sorted(clause_level), "clause_words": clause_words,
            "positives": {lab: int(p) for lab, p in zip(labels, positives)}}
    _write_head(heads, "techniques", head, out)
    evaluation["training_seconds"] = round(time.monotonic() - t0, 1)
    return evaluation


# ---- narratives ---------------------------------------------------------------------------------------------
def _narrative_targets(samples, taxonomy: str = "semeval2025_narratives"):
    from ..taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy)
    narr = sorted({n for s in samples for n in s.narratives if n != "Other"})
    subs = sorted({x for s in samples for x in s.subnarratives if x != "Other" and not x.endswith(": Other")})

    def parent(x: str) -> str:
        try:
            p = tax.parent(x, "subnarrative")
            return p.name if p else x.rsplit(": ", 1)[0]
        except KeyError:
            return x.rsplit(": ", 1)[0]

    narr = sorted(set(narr) | {parent(x) for x in subs})
    classes = narr + subs + ["Other"]  # the last column: the document conveys no narrative (the gate)
    parents = [narr.index(parent(x)) for x in subs]
    Y = np.zeros((len(samples), len(classes)), dtype=np.int8)
    for i, s in enumerate(samples):
        for n in s.narratives:
            if n in narr:
                Y[i, narr.index(n)] = 1
        for x in s.subnarratives:
            if x in subs:
                Y[i, len(narr) + subs.index(x)] = 1
                Y[i, parents[subs.index(x)]] = 1
    Y[:, -1] = Y[:, :len(narr)].sum(axis=1) == 0
    return classes, len(narr), parents, Y, tax.name


def _f1_samples(P, T, classes, n_narr, parents, rule, gold, rows) -> tuple[float, float]:
    from ..tasks.semeval2025.metrics import score_subtask2
    from .narrative_head import decode

    pred = decode(P[rows], T[rows] if T.ndim == 2 else T, classes, n_narr, parents, *rule)
    g = {i: gold[i] for i in rows}
    p = {i: v for i, v in zip(rows, pred)}
    s = score_subtask2(g, p)
    return s["f1_coarse"], s["f1_fine"]


def _choose_decoding(P, Y, languages, classes, n_narr, parents, gold, rows):
    """Per-label thresholds, per-language factors and the rule ``(require_parent, gate)``, chosen on ``rows``."""
    from ..models.training import f1_threshold

    base = np.array([f1_threshold(P[rows, j], Y[rows, j], lo=0.05)[0] if Y[rows, j].sum() >= 3 else 0.5
                     for j in range(Y.shape[1])])
    from .narrative_head import scaled_thresholds

    n_sub = len(parents)
    best = None
    langs = sorted(set(languages[rows]))
    for rule in ((False, False), (True, False), (False, True), (True, True)):  # (require_parent, gate)
        factors = {}
        for lg in langs:
            lrows = [i for i in rows if languages[i] == lg]
            pair = [1.0, 1.0]
            for level in (0, 1):  # the narratives' factor, then the subnarratives' given it
                scored = []
                for fac in LANGUAGE_FACTORS:
                    trial = list(pair)
                    trial[level] = fac
                    c, f = _f1_samples(P, scaled_thresholds(base, trial, n_narr, n_sub), classes, n_narr, parents,
                                       rule, gold, lrows)
                    scored.append(((c + f) / 2, -abs(fac - 1.0), fac))
                pair[level] = max(scored)[2]
            factors[str(lg)] = pair
        T = np.vstack([scaled_thresholds(base, factors[str(languages[i])], n_narr, n_sub) for i in range(len(P))])
        c, f = _f1_samples(P, T, classes, n_narr, parents, rule, gold, rows)
        if best is None or (c + f) / 2 > best[0]:
            best = ((c + f) / 2, base, factors, rule)
    return best[1], best[2], best[3]


def linear_oof(samples, fold: np.ndarray, classes: list[str], seed: int = 0) -> np.ndarray:
    """Out-of-fold calibrated probabilities of the fast n-gram model (``narratives-fast``'s parameters), per
    fold fitted on the other folds, in the columns ``classes`` (zeros for a class it does not know)."""
    from ..models.narratives import NarrativeClassifier
    from ..models.registry import load_model
    from ..models.training import text_key

    params = {k: getattr(load_model("narratives", "fast"), k) for k in NarrativeClassifier.PARAMS}
    clf = NarrativeClassifier(**params)
    X = clf.hash_counts([s.text for s in samples])
    labels = [(list(s.narratives), list(s.subnarratives or [])) for s in samples]
    keys = [text_key(s.text) for s in samples]
    langs = [s.language for s in samples]
    out = np.zeros((len(samples), len(classes)))
    for f in np.unique(fold):
        tr, te = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        clf.fit_counts(X[tr], [labels[i] for i in tr], [langs[i] for i in tr], [keys[i] for i in tr])
        C = clf.calibrated(clf.predict_proba_counts(X[te]))
        cols = {c: j for j, c in enumerate(clf.classes_)}
        for k, c in enumerate(classes):
            if c in cols:
                out[te, k] = C[:, cols[c]]
    return out


def train_narrative_head(semeval: str | Path, artifact: str | Path, out: str | Path, *, cv: int = 3, seed: int = 0,
                         epochs: tuple[int, ...] = EPOCH_GRID_NARRATIVES, say: Callable[[str], None] = print,
                         chunk_grid: tuple[int, ...] = CHUNK_GRID) -> dict:
    """Cross-validate, fit and write the narratives head into a copy of ``artifact`` at ``out``; the card's
    evaluation section. The grid: features (``chunk_grid``: 0 = whole-text and lead means only; k = also the
    maximum over k-token chunk means) × ``epochs`` × the blend weights."""
    from ..models.training import fit_probability_platt, group_folds, sigmoid, text_key
    from ..tasks.semeval2025.data import load_semeval2025
    from .head_data import document_features
    from .head_training import fit_narratives, narrative_logits
    from .training import export_layers
    from .narrative_head import blend_weights
    from .state_cache import StateCache

    t0 = time.monotonic()
    heads = _load_heads(artifact)
    cache = StateCache(heads)
    samples = [s for s in load_semeval2025(semeval, "train") if s.narratives is not None]
    cache.fill([s.text for s in samples], "narratives: encoding training documents", say=say)
    classes, n_narr, parents, Y, taxonomy = _narrative_targets(samples)
    languages = np.asarray([s.language for s in samples])
    gold = {i: (sorted(s.narratives), sorted(s.subnarratives)) for i, s in enumerate(samples)}
    fold = group_folds([text_key(s.text) for s in samples], cv, seed, list(languages))
    say(f"narratives: {len(samples)} documents, {n_narr} narratives, {len(parents)} subnarratives")
    t = time.monotonic()
    lin_path = cache.directory.parent / f"narratives-linear-oof-{cv}-{seed}-{len(samples)}-{len(classes)}.npz"
    if lin_path.is_file():
        L = np.load(lin_path)["P"]
    else:
        L = linear_oof(samples, fold, classes, seed)
        np.savez(lin_path, P=L)
    say(f"narratives: the fast n-gram model's out-of-fold probabilities in {time.monotonic() - t:.0f} s")
    features, grid, oofs = {}, {}, {}
    for chunk in chunk_grid:
        X = features[chunk] = np.vstack([document_features(cache.get(s.text).states, None, s.language, chunk)
                                         for s in samples])
        oof = {e: np.zeros(Y.shape) for e in epochs}
        for f in range(cv):
            tr, te = fold != f, fold == f

            def record(epoch, model, te=te, oof=oof, X=X):
                if epoch in oof:
                    oof[epoch][te] = sigmoid(narrative_logits(model, X[te]))

            fit_narratives(X[tr], Y[tr], epochs=max(epochs), seed=seed, on_epoch=record)
        for e in epochs:
            oofs[(chunk, e)] = oof[e]
            for w in ((a, b) for a in BLEND_WEIGHTS for b in BLEND_WEIGHTS):
                W = blend_weights(w, n_narr, len(parents), len(classes))
                grid[(chunk, e, w)] = _fair_narratives(W * oof[e] + (1 - W) * L, Y, languages, classes, n_narr,
                                                       parents, gold, fold, cv)
                say(f"narratives: chunk max {chunk}, {e} epochs, head weights {w}: F1 samples (decoding chosen on "
                    f"the other folds) {grid[(chunk, e, w)]}")
    chunk, best, blend = max(grid, key=lambda k: (grid[k]["ALL"]["coarse"] + grid[k]["ALL"]["fine"], -k[1], k[2]))
    W = blend_weights(blend, n_narr, len(parents), len(classes))
    P = W * oofs[(chunk, best)] + (1 - W) * L
    everything = list(range(len(P)))
    base, factors, (require_parent, gate) = _choose_decoding(P, Y, languages, classes, n_narr, parents, gold,
                                                             everything)
    calibration = fit_probability_platt(P, Y)
    model = fit_narratives(features[chunk], Y, epochs=best, seed=seed)
    head = {"layers": export_layers(model.net), "classes": classes, "n_narratives": n_narr, "parents": parents,
            "thresholds": base.astype(np.float32), "language_factors": factors, "require_parent": require_parent,
            "gate": gate, "calibration": calibration, "taxonomy": taxonomy, "epochs": best, "blend": list(blend),
            "chunk_max": chunk}
    _write_head(heads, "narratives", head, out)
    return {"protocol": f"{cv}-fold CV over SemEval-2025 training documents (all five languages; identical texts in "
                        f"one fold, stratified by language); thresholds, language factors, the hierarchy rule and "
                        f"the gate chosen on the other folds; metric: F1 samples (SemEval-2025 subtask 2)",
            "f1_samples": grid[(chunk, best, blend)], "chunk_max": chunk, "epochs": best, "head_weights": list(blend),
            "grid": {f"chunk max {c}, {e} epochs, head weights {list(w)}": g["ALL"] for (c, e, w), g in grid.items()},
            "require_parent": require_parent, "gate": gate, "language_factors": factors,
            "training_seconds": round(time.monotonic() - t0, 1)}


def _fair_narratives(P, Y, languages, classes, n_narr, parents, gold, fold, cv) -> dict:
    """F1 samples per language, each fold decoded with thresholds, factors and rule chosen on the others."""
    from ..tasks.semeval2025.metrics import score_subtask2
    from .narrative_head import decode, scaled_thresholds

    pred = {}
    for f in range(cv):
        base, factors, rp = _choose_decoding(P, Y, languages, classes, n_narr, parents, gold,
                                             np.flatnonzero(fold != f).tolist())
        rows = np.flatnonzero(fold == f).tolist()
        T = np.vstack([scaled_thresholds(base, factors.get(str(languages[i]), (1.0, 1.0)), n_narr, len(parents))
                       for i in rows])
        for i, v in zip(rows, decode(P[rows], T, classes, n_narr, parents, *rp)):
            pred[i] = v
    scores = {}
    for lg in sorted(set(languages)) + ["ALL"]:
        rows = [i for i in range(len(P)) if lg == "ALL" or languages[i] == lg]
        sc = score_subtask2({i: gold[i] for i in rows}, {i: pred[i] for i in rows})
        scores[str(lg)] = {"coarse": round(sc["f1_coarse"], 4), "fine": round(sc["f1_fine"], 4)}
    return scores


def _rounded(d: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}


def record_in_card(artifact: str | Path, task: str, evaluation: dict, method: str) -> dict:
    """Add a head's evaluation and method to the card beside ``artifact`` (the shared encoder's card)."""
    from ..models.registry import read_card, write_card

    card = read_card(artifact) or {}
    card.setdefault("evaluation", {})
    if not isinstance(card["evaluation"], dict):
        card["evaluation"] = {}
    card["evaluation"][task] = evaluation
    card.setdefault("heads", {})[task] = method
    tasks = [t for t in ("roles", "checkworthiness", "techniques", "narratives")
             if t in ("roles", "checkworthiness") or t in card["heads"]]
    card["task"] = "+".join(tasks)
    card["model"] = f"narrascope {card['task']} (default)"
    write_card(artifact, card)
    return card


def _write_head(heads, task: str, head: dict, out: str | Path) -> None:
    from .heads import write_heads

    state = dict(heads.state)
    state["heads"] = {**state["heads"], task: head}
    write_heads(out, state)
