"""The narrative classifier: SemEval-2025 Task 10 subtask 2 (narratives and subnarratives per document).

One linear model serves both modes: the ``--fast`` model is hashed n-grams only, the default model adds a
multilingual-e5-small embedding of the document's title and lead (``embedder=``).

Features: hashed word 1-2 grams and character 2-5 grams within word boundaries (``char_wb``), counts with
``alternate_sign=False``, restricted to the hashed columns seen in at least ``min_df`` training documents,
sublinear tf and idf from a :class:`~sklearn.feature_extraction.text.TfidfTransformer` fitted on the hashed
counts, L2 normalised; with an embedder, the embedding centred on the training mean follows. A saved model
therefore holds only numbers (column indices, idf, weights, thresholds) and label names from the taxonomy,
never a vocabulary or any training text.

Classifiers: one binary logistic regression per label (liblinear, dual, ``class_weight="balanced"``), for the
narratives and the subnarratives alike ("Other" is not a trained label: it is what a document gets when
nothing fires). Each label's decision threshold is the one maximising that label's F1 on out-of-fold
probabilities from an inner cross-validation over the *training* documents only (identical texts kept in
one fold), never below ``min_threshold``; labels with too few positives keep ``default_threshold``. The same
out-of-fold probabilities fit a Platt calibration per label (:meth:`calibrated`).
With ``other_gate=True`` a further classifier learns "this document conveys no narrative"; when it fires by a
larger margin over its threshold than every narrative, the document is ``Other`` / ``Other``.

Decoding keeps the hierarchy consistent: a predicted subnarrative implies its narrative; a narrative without
a predicted subnarrative gets ``"<narrative>: Other"``; a document where nothing fires is ``Other`` / ``Other``.

Usage::

    clf = NarrativeClassifier(seed=0).fit(texts, [(narratives, subnarratives), ...], languages=langs)
    clf.predict(["some article ..."])        # [(["URW: ..."], ["URW: ...: ..."])]
    clf.save("narratives-fast.npz"); NarrativeClassifier.load("narratives-fast.npz")
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..taxonomy import Taxonomy, load_taxonomy
from .artifacts import read_artifact, write_artifact
from .features import fit_idf, sublinear_tfidf, word_char_counts
from .training import (calibrate_probabilities, f1_threshold, fit_probability_platt, group_folds,
                       keep_largest_weights, sigmoid, text_key)

FORMAT = "narrascope.NarrativeClassifier"
VERSION = 2  # 2: optional embedding block (``embedder``), Platt calibration
OTHER = "Other"


def _dense(m) -> np.ndarray:
    return m.toarray() if sp.issparse(m) else np.asarray(m)


class NarrativeClassifier:
    """Hashed n-grams (+ an optional embedding) and one-vs-rest logistic regression with inner-CV thresholds.
    See the module docstring."""

    def __init__(self, taxonomy: str | Taxonomy = "semeval2025_narratives", n_features: int = 2**20, C: float = 1.0,
                 min_df: int = 2, inner_folds: int = 3, min_threshold: float = 0.2, default_threshold: float = 0.5,
                 min_positives: int = 2, min_positives_tune: int = 4, other_gate: bool = False, seed: int = 0,
                 embedder: str | None = None, dense_weight: float = 1.0, max_weights: int | None = 10000):
        self.taxonomy = taxonomy
        self.n_features = n_features
        self.C = C
        self.min_df = min_df
        self.inner_folds = inner_folds
        self.min_threshold = min_threshold
        self.default_threshold = default_threshold
        self.min_positives = min_positives
        self.min_positives_tune = min_positives_tune
        self.other_gate = other_gate
        self.seed = seed
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.max_weights = max_weights

    # ---- features -------------------------------------------------------------------------------------
    def hash_counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Hashed n-gram counts (stateless: word block then char block, ``2 * n_features`` columns)."""
        return word_char_counts(texts, self.n_features)

    @staticmethod
    def _select_fit(X: sp.csr_matrix, min_df: int) -> tuple[np.ndarray, np.ndarray]:
        return fit_idf(X, min_df)

    @staticmethod
    def _tfidf(X: sp.csr_matrix, columns: np.ndarray, idf: np.ndarray) -> sp.csr_matrix:
        return sublinear_tfidf(X, columns, idf)

    # ---- core fit/predict on count matrices ----------------------------------------------------------
    def _features(self, X: sp.csr_matrix, columns: np.ndarray, idf: np.ndarray, E: np.ndarray | None,
                  mu: np.ndarray | None) -> sp.csr_matrix:
        """tf-idf of the kept columns, then (with an embedder) ``dense_weight`` × the embedding centred on the
        training mean and re-normalised (e5 vectors sit in a narrow cone)."""
        Xt = self._tfidf(X, columns, idf)
        if mu is None:
            return Xt
        if E is None:
            raise ValueError("this model was trained with embeddings: pass dense=")
        D = np.asarray(E, dtype=np.float64) - mu
        D /= np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-9)
        return sp.hstack([Xt, sp.csr_matrix(D * self.dense_weight)], format="csr")

    def _fit_core(self, X: sp.csr_matrix, Y: np.ndarray, E: np.ndarray | None = None) -> dict:
        from sklearn.linear_model import LogisticRegression

        columns, idf = self._select_fit(X, self.min_df)
        mu = None if E is None else np.asarray(E, dtype=np.float64).mean(0)
        Xt = self._features(X, columns, idf, E, mu)
        coef = np.zeros((Y.shape[1], Xt.shape[1]), dtype=np.float32)
        intercept = np.full(Y.shape[1], -50.0, dtype=np.float32)  # untrainable: probability ~0
        for j in range(Y.shape[1]):
            pos = int(Y[:, j].sum())
            if pos < self.min_positives or pos == len(Y):
                continue
            lr = LogisticRegression(solver="liblinear", dual=True, C=self.C, class_weight="balanced",
                                    random_state=self.seed, max_iter=1000)
            lr.fit(Xt, Y[:, j])
            coef[j] = lr.coef_[0]
            intercept[j] = lr.intercept_[0]
        # Each label keeps its ``max_weights`` largest n-gram weights and its whole embedding block: a shipped
        # artifact of a few MB instead of ~150, and since this runs inside the inner cross-validation too,
        # the thresholds are tuned for the pruned model.
        coef = keep_largest_weights(coef, self.max_weights, len(columns))
        return {"columns": columns, "idf": idf, "mu": mu, "coef": sp.csr_matrix(coef), "intercept": intercept}

    def _proba_core(self, X: sp.csr_matrix, params: dict, E: np.ndarray | None = None) -> np.ndarray:
        Xt = self._features(X, params["columns"], params["idf"], E, params.get("mu"))
        z = _dense(Xt @ sp.csr_matrix(params["coef"], dtype=np.float64).T) + params["intercept"]
        return sigmoid(z)

    def _thresholds(self, P: np.ndarray, Y: np.ndarray) -> np.ndarray:
        out = np.full(Y.shape[1], self.default_threshold)
        for j in range(Y.shape[1]):
            if Y[:, j].sum() < self.min_positives_tune:
                continue
            threshold, f1 = f1_threshold(P[:, j], Y[:, j], lo=self.min_threshold)
            if f1 > 0:
                out[j] = threshold
        return out

    def calibrated(self, P: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for a matrix of raw model probabilities (same columns)."""
        return calibrate_probabilities(P, self.calibration_)

    def fit(self, texts: Sequence[str], label_sets: Sequence[tuple[Sequence[str], Sequence[str]]],
            languages: Sequence[str] | None = None) -> "NarrativeClassifier":
        """``label_sets[i] = (narratives, subnarratives)`` as full official names; ``languages`` (optional) is
        recorded in the model and stratifies the inner folds."""
        texts = list(texts)
        return self.fit_counts(self.hash_counts(texts), label_sets, languages, groups=[text_key(t) for t in texts],
                               dense=self.embed(texts))

    def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        """The embedding block for ``texts`` (None without an embedder)."""
        if not self.embedder:
            return None
        from .embeddings import get_embedder

        return get_embedder(self.embedder).documents(list(texts))

    def fit_counts(self, X: sp.csr_matrix, label_sets, languages=None, groups=None,
                   dense: np.ndarray | None = None) -> "NarrativeClassifier":
        """:meth:`fit` on :meth:`hash_counts` output (lets cross-validation hash each text once)."""
        if X.shape[0] != len(label_sets):
            raise ValueError(f"{X.shape[0]} documents but {len(label_sets)} label sets")
        tax = self.taxonomy if isinstance(self.taxonomy, Taxonomy) else load_taxonomy(self.taxonomy)
        narr = sorted({n for ns, _ in label_sets for n in ns if n != OTHER})
        subs = sorted({s for _, ss in label_sets for s in ss if s != OTHER})
        parents = {}
        for s in subs:
            try:
                parent = tax.parent(s, "subnarrative")
                parents[s] = parent.name if parent else s.rsplit(": ", 1)[0]
            except KeyError:
                parents[s] = s.rsplit(": ", 1)[0]
        narr = sorted(set(narr) | set(parents.values()))
        classes = narr + subs + ([OTHER] if self.other_gate else [])
        Y = np.zeros((X.shape[0], len(classes)), dtype=np.int8)
        index = {("n", c): j for j, c in enumerate(narr)} | {("s", c): len(narr) + j for j, c in enumerate(subs)}
        for i, (ns, ss) in enumerate(label_sets):
            for n in ns:
                if n != OTHER:
                    Y[i, index[("n", n)]] = 1
            for s in ss:
                if s != OTHER:
                    Y[i, index[("s", s)]] = 1
                    Y[i, index[("n", parents[s])]] = 1
        if self.other_gate:  # last column: the document conveys no narrative
            Y[:, -1] = Y[:, :len(narr)].sum(1) == 0

        groups = list(groups) if groups is not None else [str(i) for i in range(X.shape[0])]
        strata = list(languages) if languages is not None else None
        P = np.zeros(Y.shape, dtype=np.float64)
        folds = group_folds(groups, self.inner_folds, self.seed, strata)
        for f in range(self.inner_folds):
            test = folds == f
            if not test.any() or test.all():
                continue
            E = None if dense is None else np.asarray(dense)
            P[test] = self._proba_core(X[test], self._fit_core(X[~test], Y[~test], None if E is None else E[~test]),
                                       None if E is None else E[test])
        self.thresholds_ = self._thresholds(P, Y)
        self.calibration_ = fit_probability_platt(P, Y)
        self.params_ = self._fit_core(X, Y, dense)
        self.classes_ = classes
        self.narrative_classes_ = narr
        self.subnarrative_classes_ = subs
        self.parents_ = parents
        self.positives_ = Y.sum(0).astype(int)
        self.taxonomy_name_ = tax.name
        self.languages_ = sorted(set(languages)) if languages is not None else []
        self.n_train_ = int(X.shape[0])
        self.trained_ = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        return self

    # ---- prediction -----------------------------------------------------------------------------------
    def predict_proba_counts(self, X: sp.csr_matrix, dense: np.ndarray | None = None) -> np.ndarray:
        return self._proba_core(X, self.params_, dense)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Raw probabilities (the thresholds apply to these), shape ``(len(texts), len(classes_))``; columns:
        narratives, subnarratives, then (with ``other_gate``) the "no narrative" classifier."""
        texts = list(texts)
        return self.predict_proba_counts(self.hash_counts(texts), self.embed(texts))

    def ngram_contributions(self, texts: Sequence[str], label_indices: Sequence[int]) -> np.ndarray:
        """For each text (e.g. each sentence of an article) and each label column, the n-gram part of that
        label's linear score when the text is scored on its own: the evidence ranking. Shape
        ``(len(texts), len(label_indices))``."""
        p = self.params_
        Xt = self._tfidf(self.hash_counts(list(texts)), p["columns"], p["idf"])
        W = sp.csr_matrix(p["coef"], dtype=np.float64)[list(label_indices)][:, :Xt.shape[1]]
        return _dense(Xt @ W.T)

    def decode(self, P: np.ndarray) -> list[tuple[list[str], list[str]]]:
        """Thresholded, hierarchy-consistent label sets from a probability matrix."""
        n_narr, n_sub = len(self.narrative_classes_), len(self.subnarrative_classes_)
        out = []
        margin = P - self.thresholds_
        for row, m in zip(P >= self.thresholds_, margin):
            narr = {self.classes_[j] for j in np.flatnonzero(row[:n_narr])}
            subs = {self.classes_[j] for j in n_narr + np.flatnonzero(row[n_narr:n_narr + n_sub])}
            narr |= {self.parents_[s] for s in subs}
            # other_gate: the "no narrative" classifier wins when it fires by a larger margin than any narrative
            gated = self.other_gate and row[-1] and m[-1] >= m[:n_narr].max(initial=-1.0)
            if not narr or gated:
                out.append(([OTHER], [OTHER]))
                continue
            covered = {self.parents_[s] for s in subs}
            subs |= {f"{n}: {OTHER}" for n in narr - covered}
            out.append((sorted(narr), sorted(subs)))
        return out

    def predict_counts(self, X: sp.csr_matrix, dense: np.ndarray | None = None) -> list[tuple[list[str], list[str]]]:
        return self.decode(self.predict_proba_counts(X, dense))

    def predict(self, texts: Sequence[str]) -> list[tuple[list[str], list[str]]]:
        """``[(narratives, subnarratives), ...]``, one pair per text."""
        return self.decode(self.predict_proba(texts))

    # ---- persistence ----------------------------------------------------------------------------------
    # constructor parameters: saved in the artifact, listed in the model card
    PARAMS = ("n_features", "C", "min_df", "inner_folds", "min_threshold", "default_threshold", "min_positives",
               "min_positives_tune", "other_gate", "seed", "embedder", "dense_weight", "max_weights")

    def save(self, path: str | Path) -> None:
        """An artifact (:mod:`.artifacts`) with numbers and label names only (no vocabulary, no text)."""
        state = {"taxonomy": self.taxonomy_name_, "languages": self.languages_, "trained": self.trained_,
                 "n_train": self.n_train_, "params": {k: getattr(self, k) for k in self.PARAMS},
                 "classes": self.classes_, "n_narratives": len(self.narrative_classes_), "parents": self.parents_,
                 "positives": self.positives_, "thresholds": self.thresholds_, "calibration": self.calibration_,
                 "columns": self.params_["columns"], "idf": self.params_["idf"], "mu": self.params_["mu"],
                 "coef": self.params_["coef"], "intercept": self.params_["intercept"]}
        write_artifact(path, FORMAT, VERSION, state)

    @classmethod
    def load(cls, path: str | Path) -> "NarrativeClassifier":
        _, state = read_artifact(path, FORMAT, (VERSION,))
        self = cls(taxonomy=state["taxonomy"], **state["params"])
        n = state["n_narratives"]
        self.classes_ = list(state["classes"])
        self.narrative_classes_ = self.classes_[:n]
        self.subnarrative_classes_ = self.classes_[n:len(self.classes_) - bool(self.other_gate)]
        self.parents_ = dict(state["parents"])
        self.positives_ = state["positives"]
        self.thresholds_ = state["thresholds"]
        self.params_ = {k: state[k] for k in ("columns", "idf", "mu", "coef", "intercept")}
        self.calibration_ = state["calibration"]
        self.taxonomy_name_ = state["taxonomy"]
        self.languages_ = list(state["languages"])
        self.n_train_ = state["n_train"]
        self.trained_ = state["trained"]
        return self
