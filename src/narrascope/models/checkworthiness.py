"""Sentence check-worthiness (CheckThat! 2024 Task 1 style): does a sentence state something worth checking?

Features (all stateless or numeric, so a saved model holds no training text and no vocabulary):

* hashed word n-grams and character n-grams within word boundaries (``char_wb``), counts restricted to the
  hashed columns seen in at least ``min_df`` training sentences, sublinear tf-idf, L2-normalised per block;
* a small block of dense *cues* (:func:`cue_vector`): numbers, percentages, money, years and dates,
  capitalised name-like tokens inside the sentence, quantity/unit words, attribution verbs ("said",
  "according to"), comparison and change words ("increased", "more than", "the highest"), and the
  opinion/hedge markers and questions that tend to mark a sentence as *not* check-worthy;
* optionally (``embedder=``) a frozen multilingual-e5-small sentence vector. It is not used by the shipped
  models: at ~0.1 s a sentence on 2 cores it costs ~5 s per 50-sentence article, far under the 2 articles/s
  the default mode must keep (see docs/experiments/checkworthiness.md).

Classifier: one logistic regression (liblinear, ``class_weight="balanced"``). The decision threshold is the
one maximising F1 of class "Yes" on out-of-fold probabilities from an inner cross-validation over the
*training* sentences only (duplicates kept in one fold); the same out-of-fold probabilities fit a Platt
calibration, so :meth:`predict_proba` returns a calibrated P(check-worthy) and :attr:`threshold_` lives on
that calibrated scale.

Usage::

    clf = CheckworthinessModel(mode="fast").fit(texts, labels)      # labels: 0/1 or "No"/"Yes"
    clf.predict_proba(["The tax rose by 12 percent in 2023."])      # array([0.83])
    clf.predict([...])                                              # array([1])
    clf.save("checkworthiness-fast.npz"); CheckworthinessModel.load("checkworthiness-fast.npz")
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .artifacts import read_artifact, write_artifact
from .features import bounded_transform, fit_idf, hashed_ngrams, sublinear_tfidf
from .training import f1_threshold, fit_platt, group_folds, keep_largest_weights, platt, text_key

FORMAT = "narrascope.CheckworthinessModel"
VERSION = 1

# The linear configurations, chosen by 5-fold CV F1(Yes) on train only (docs/experiments/checkworthiness.md):
# no variant beat the fast one by more than the fold-to-fold noise, so both presets hold the same settings. The
# shipped linear model is the ``--fast`` one; the default check-worthiness model is the head on the fine-tuned
# encoder (narrascope.encoder.heads), which reads each sentence in its article.
MODES: dict[str, dict] = {
    "fast": {"word_ngrams": (1, 2), "char_ngrams": (2, 5), "n_features": 2**20, "C": 1.0, "cues": True,
             "cue_weight": 0.5, "min_df": 2},
    "default": {"word_ngrams": (1, 2), "char_ngrams": (2, 5), "n_features": 2**20, "C": 1.0, "cues": True,
                "cue_weight": 0.5, "min_df": 2},
}

# ---- dense cues -------------------------------------------------------------------------------------------
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                 "hundred|hundreds|thousand|thousands|million|millions|billion|billions|trillion|dozen|dozens|"
                 "half|third|thirds|quarter|quarters|double|doubled|triple|tripled")
_UNITS = ("percent|per cent|%|dollars?|\\$|€|£|euros?|pounds?|jobs|people|soldiers|troops|deaths|casualties|"
          "votes|tons?|tonnes?|barrels|miles|kilometres?|kilometers?|km|acres|years|months|days|times|"
          "members|workers|students|children|families|cases|rate|budget|deficit|debt|tax|taxes|gdp")
_RE = {
    "digit": re.compile(r"\d"),
    "number": re.compile(r"(?<![\w.])\d[\d,.]*\b"),
    "percent": re.compile(r"\d\s*(?:%|percent\b|per cent\b)|\bpercent(?:age)?\b", re.I),
    "money": re.compile(r"[$€£]\s*\d|\b\d[\d,.]*\s*(?:dollars|euros|pounds|billion|million|trillion)\b", re.I),
    "year": re.compile(r"\b(?:1[89]\d\d|20\d\d)s?\b"),
    "date": re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\s+(?:{_MONTHS})\b|\b(?:yesterday|last "
                       rf"(?:year|month|week)|this year|since)\b", re.I),
    "number_word": re.compile(rf"\b(?:{_NUMBER_WORDS})\b", re.I),
    "unit": re.compile(rf"(?:\d|\b(?:{_NUMBER_WORDS}))\s*(?:{_UNITS})", re.I),
    "attribution": re.compile(r"\b(?:said|says|say|according to|reported|reports|announced|claimed|claims|"
                              r"stated|told|confirmed|revealed|showed|shows|found|estimated)\b", re.I),
    "change": re.compile(r"\b(?:increase[ds]?|decrease[ds]?|rose|risen|rise|fell|fallen|drop(?:ped)?|cut|"
                         r"raised?|lowered?|grew|grown|doubled|tripled|more than|less than|fewer than|"
                         r"higher|lower|highest|lowest|largest|biggest|smallest|record|most|least|only|every|"
                         r"never|first|last)\b", re.I),
    "law": re.compile(r"\b(?:voted?|votes|bill|law|legislation|act|tax(?:es)?|budget|deficit|spent|spending|"
                      r"paid|cost|costs|fund(?:s|ed|ing)?|program|unemployment|jobs|economy|insurance|medicare|"
                      r"social security)\b", re.I),
    "opinion": re.compile(r"\b(?:I think|I believe|I feel|I hope|I want|we need|we must|we should|we will|"
                          r"I will|let me|let's|thank you|thanks|going to|gonna|maybe|perhaps|probably|"
                          r"wonderful|great|terrible|folks)\b", re.I),
    "pronoun_start": re.compile(r"^\W*(?:I|we|you|and|but|so|well|now|look|oh|yes|no)\b", re.I),
    "question": re.compile(r"\?\s*\W*$"),
}
_CAP = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
_WORD = re.compile(r"\w+")
CUE_NAMES = tuple(_RE) + ("names", "words_short", "words_long", "numbers_many")


def cue_vector(text: str) -> np.ndarray:
    """The dense cues of one sentence: mostly 0/1 indicators (see ``CUE_NAMES``)."""
    v = [1.0 if rx.search(text) else 0.0 for rx in _RE.values()]
    words = len(_WORD.findall(text))
    body = text.lstrip("\"'\u201c\u2018 ")
    names = [m.group(0) for m in _CAP.finditer(body) if m.start() > 0 and m.group(0) not in ("I",)]
    v.append(min(len(names), 3) / 3.0)
    v.append(1.0 if words <= 6 else 0.0)
    v.append(1.0 if words >= 25 else 0.0)
    v.append(1.0 if len(_RE["number"].findall(text)) >= 2 else 0.0)
    return np.asarray(v, dtype=np.float32)


def cue_matrix(texts: Sequence[str]) -> np.ndarray:
    return np.vstack([cue_vector(t) for t in texts]) if texts else np.zeros((0, len(CUE_NAMES)), np.float32)


def cue_reasons(text: str) -> list[str]:
    """Names of the cues present in ``text`` (for explanations)."""
    return [n for n, x in zip(CUE_NAMES, cue_vector(text)) if x > 0]


def yes_no_labels(labels: Sequence) -> np.ndarray:
    """0/1 per label, from 0/1 (or truthy) values or "No"/"Yes"."""
    out = []
    for x in labels:
        if isinstance(x, str):
            if x not in ("Yes", "No"):
                raise ValueError(f"label must be Yes or No, found {x!r}")
            out.append(int(x == "Yes"))
        else:
            out.append(int(bool(x)))
    return np.asarray(out, dtype=np.int8)


class CheckworthinessModel:
    """Hashed n-grams + dense cues (+ optional sentence embedding), logistic regression, CV threshold."""

    # constructor parameters: saved in the artifact, listed in the model card
    PARAMS = ("mode", "word_ngrams", "char_ngrams", "n_features", "C", "min_df", "cues", "cue_weight",
               "inner_folds", "seed", "embedder", "dense_weight", "max_weights")

    def __init__(self, mode: str | None = None, word_ngrams: tuple[int, int] = (1, 2),
                 char_ngrams: tuple[int, int] | None = (2, 5), n_features: int = 2**20, C: float = 1.0,
                 min_df: int = 2, cues: bool = True, cue_weight: float = 0.5, inner_folds: int = 5, seed: int = 0,
                 embedder: str | None = None, dense_weight: float = 1.0, max_weights: int | None = 200000):
        if mode is not None:
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
            preset = MODES[mode]
            word_ngrams = preset.get("word_ngrams", word_ngrams)
            char_ngrams = preset.get("char_ngrams", char_ngrams)
            n_features = preset.get("n_features", n_features)
            C = preset.get("C", C)
            cues = preset.get("cues", cues)
            cue_weight = preset.get("cue_weight", cue_weight)
            min_df = preset.get("min_df", min_df)
            embedder = preset.get("embedder", embedder)
        self.mode = mode or "custom"
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = tuple(char_ngrams) if char_ngrams else None
        self.n_features = n_features
        self.C = C
        self.min_df = min_df
        self.cues = cues
        self.cue_weight = cue_weight
        self.inner_folds = inner_folds
        self.seed = seed
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.max_weights = max_weights

    # ---- features -------------------------------------------------------------------------------------
    def hash_counts(self, texts: Sequence[str]) -> list[sp.csr_matrix]:
        """Stateless hashed counts, one matrix per n-gram block (word, then char if any)."""
        texts = list(texts)
        # bounded_transform: at most FEATURE_PIECE_CHARS hashed per call (identical rows, bounded memory)
        blocks = [bounded_transform(hashed_ngrams("word", self.word_ngrams, self.n_features), texts)]
        if self.char_ngrams:
            blocks.append(bounded_transform(hashed_ngrams("char_wb", self.char_ngrams, self.n_features), texts))
        return blocks

    def raw_features(self, texts: Sequence[str]) -> dict:
        """Everything that does not depend on training: hashed counts, cues, embeddings."""
        texts = list(texts)
        return {"counts": self.hash_counts(texts), "cues": cue_matrix(texts) if self.cues else None,
                "dense": self._embed(texts)}

    def _embed(self, texts: list[str]) -> np.ndarray | None:
        if not self.embedder:
            return None
        from .embeddings import get_embedder

        return get_embedder(self.embedder).passages(texts)

    @staticmethod
    def _tfidf(X: sp.csr_matrix, columns: np.ndarray, idf: np.ndarray) -> sp.csr_matrix:
        return sublinear_tfidf(X, columns, idf)

    def _design(self, raw: dict, rows, params: dict) -> sp.csr_matrix:
        parts = []
        for X, (columns, idf) in zip(raw["counts"], params["blocks"]):
            parts.append(self._tfidf(X[rows], columns, idf))
        if self.cues:
            parts.append(sp.csr_matrix(raw["cues"][rows] * self.cue_weight))
        if params.get("mu") is not None:
            D = np.asarray(raw["dense"][rows], dtype=np.float64) - params["mu"]
            D /= np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-9)
            parts.append(sp.csr_matrix(D * self.dense_weight))
        return sp.hstack(parts, format="csr")

    @staticmethod
    def _rows(raw: dict, n: int):
        return np.arange(n)

    # ---- fit ------------------------------------------------------------------------------------------
    def _fit_core(self, raw: dict, rows: np.ndarray, y: np.ndarray) -> dict:
        from sklearn.linear_model import LogisticRegression

        blocks = [fit_idf(X[rows], self.min_df) for X in raw["counts"]]
        mu = None if raw.get("dense") is None else np.asarray(raw["dense"][rows], dtype=np.float64).mean(0)
        params = {"blocks": blocks, "mu": mu}
        Xt = self._design(raw, rows, params)
        lr = LogisticRegression(solver="liblinear", dual=True, C=self.C, class_weight="balanced",
                                random_state=self.seed, max_iter=2000)
        lr.fit(Xt, y)
        coef = lr.coef_[0].astype(np.float32)
        n_ngram = sum(len(c) for c, _ in blocks)
        keep_largest_weights(coef[None, :], self.max_weights, n_ngram)  # in place: the largest n-gram weights only
        params["coef"] = sp.csr_matrix(coef[None, :])
        params["intercept"] = float(lr.intercept_[0])
        return params

    def _score_core(self, raw: dict, rows, params: dict) -> np.ndarray:
        Xt = self._design(raw, rows, params)
        z = np.asarray((Xt @ sp.csr_matrix(params["coef"], dtype=np.float64).T).todense()).ravel()
        return z + params["intercept"]

    def oof_scores(self, raw: dict, y: np.ndarray, groups: Sequence[str], folds: int, seed: int) -> np.ndarray:
        """Out-of-fold raw decision scores over ``folds`` group folds stratified by label."""
        fold = group_folds(list(groups), folds, seed, [str(v) for v in y])
        z = np.zeros(len(y), dtype=np.float64)
        for f in range(folds):
            test = np.flatnonzero(fold == f)
            train = np.flatnonzero(fold != f)
            if len(test) == 0 or len(train) == 0:
                continue
            z[test] = self._score_core(raw, test, self._fit_core(raw, train, y[train]))
        return z

    def fit(self, texts: Sequence[str], labels: Sequence, groups: Sequence[str] | None = None,
            raw: dict | None = None) -> "CheckworthinessModel":
        """Fit on sentences and labels (0/1 or "No"/"Yes"); ``raw`` may pass precomputed :meth:`raw_features`."""
        texts = list(texts)
        y = yes_no_labels(labels)
        if len(texts) != len(y):
            raise ValueError(f"{len(texts)} texts but {len(y)} labels")
        if y.sum() == 0 or y.sum() == len(y):
            raise ValueError("training needs both Yes and No sentences")
        raw = raw if raw is not None else self.raw_features(texts)
        groups = list(groups) if groups is not None else [text_key(t) for t in texts]
        folds = max(2, min(self.inner_folds, int(y.sum()), int(len(y) - y.sum())))
        z = self.oof_scores(raw, y, groups, folds, self.seed)
        self.calibration_ = fit_platt(z, y)
        p = self._calibrate(z)
        self.threshold_, self.inner_f1_ = f1_threshold(p, y)
        self.params_ = self._fit_core(raw, np.arange(len(y)), y)
        self.n_train_ = int(len(y))
        self.positives_ = int(y.sum())
        self.trained_ = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        return self

    def _calibrate(self, z: np.ndarray) -> np.ndarray:
        return platt(z, *self.calibration_)

    # ---- predict --------------------------------------------------------------------------------------
    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros(0)
        raw = self.raw_features(texts)
        return self._score_core(raw, np.arange(len(texts)), self.params_)

    def predict_proba_raw(self, raw: dict) -> np.ndarray:
        """Calibrated P(check-worthy) per row of precomputed :meth:`raw_features` (cross-validation computes
        them once for all folds)."""
        n = raw["counts"][0].shape[0]
        return self._calibrate(self._score_core(raw, np.arange(n), self.params_))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated P(check-worthy) per text, shape ``(n,)``."""
        return self._calibrate(self.decision_function(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """1 (check-worthy, "Yes") or 0 per text."""
        return (self.predict_proba(texts) >= self.threshold_).astype(int)

    def predict_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """P(check-worthy) of each sentence ``text[start:end]`` (read alone: this model sees no context)."""
        return self.predict_proba([text[a:b] for a, b in spans]) if len(spans) else np.zeros(0)

    def contributions(self, text: str) -> dict[str, float]:
        """Linear contribution of each cue to the score of ``text`` (positive = towards check-worthy)."""
        if not self.cues:
            return {}
        n_ngram = sum(len(c) for c, _ in self.params_["blocks"])
        w = np.asarray(self.params_["coef"].todense()).ravel()[n_ngram:n_ngram + len(CUE_NAMES)]
        return {n: float(x * wi * self.cue_weight) for n, x, wi in zip(CUE_NAMES, cue_vector(text), w) if x}

    # ---- persistence ----------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """An artifact (:mod:`.artifacts`) with numbers only (hashed column indices, idf, weights, threshold,
        calibration)."""
        state = {"params": {k: getattr(self, k) for k in self.PARAMS}, "trained": self.trained_,
                 "n_train": self.n_train_, "positives": self.positives_, "threshold": self.threshold_,
                 "inner_f1": self.inner_f1_, "calibration": self.calibration_,
                 "blocks": [(c.astype(np.int32), i.astype(np.float32)) for c, i in self.params_["blocks"]],
                 "mu": self.params_["mu"], "coef": self.params_["coef"], "intercept": self.params_["intercept"],
                 "cue_names": list(CUE_NAMES)}
        write_artifact(path, FORMAT, VERSION, state)

    @classmethod
    def load(cls, path: str | Path) -> "CheckworthinessModel":
        _, state = read_artifact(path, FORMAT, (VERSION,))
        if list(state.get("cue_names", [])) != list(CUE_NAMES):
            raise ValueError(f"{path}: trained with other cue features; retrain it with this narrascope")
        params = dict(state["params"])
        mode = params.pop("mode")
        self = cls(**params)
        self.mode = mode
        self.params_ = {"blocks": list(state["blocks"]), "mu": state["mu"], "coef": state["coef"],
                        "intercept": state["intercept"]}
        self.threshold_ = state["threshold"]
        self.inner_f1_ = state["inner_f1"]
        self.calibration_ = tuple(state["calibration"])
        self.n_train_ = state["n_train"]
        self.positives_ = state["positives"]
        self.trained_ = state["trained"]
        return self
