"""A fast, text-free baseline for SemEval-2025 Task 10 subtask 2 (narratives and subnarratives per document).

Features: hashed word 1-2 grams and character 2-5 grams within word boundaries (``char_wb``), counts with
``alternate_sign=False``, restricted to the hashed columns seen in at least ``min_df`` training documents,
sublinear tf and idf from a :class:`~sklearn.feature_extraction.text.TfidfTransformer` fitted on the hashed
counts, L2 normalised. A saved model therefore holds only numbers (column indices, idf, weights,
thresholds) and label names from the taxonomy, never a vocabulary or any training text.

Classifiers: one binary logistic regression per label (liblinear, dual, ``class_weight="balanced"``), for the
narratives and the subnarratives alike ("Other" is not a trained label: it is what a document gets when
nothing fires). Each label's decision threshold is the one maximising that label's F1 on out-of-fold
probabilities from an inner cross-validation over the *training* documents only (identical texts kept in
one fold), never below ``min_threshold``; labels with too few positives keep ``default_threshold``.
With ``other_gate=True`` a further classifier learns "this document conveys no narrative"; when it fires by a
larger margin over its threshold than every narrative, the document is ``Other`` / ``Other``.

Decoding keeps the hierarchy consistent: a predicted subnarrative implies its narrative; a narrative without
a predicted subnarrative gets ``"<narrative>: Other"``; a document where nothing fires is ``Other`` / ``Other``.

Usage::

    clf = NarrativeClassifierFast(seed=0).fit(texts, [(narratives, subnarratives), ...], languages=langs)
    clf.predict(["some article ..."])        # [(["URW: ..."], ["URW: ...: ..."])]
    clf.save("narratives-fast.joblib"); NarrativeClassifierFast.load("narratives-fast.joblib")
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..taxonomy import Taxonomy, load_taxonomy
from .features import fit_idf, sublinear_tfidf, word_char_counts

FORMAT = "narrascope.NarrativeClassifierFast"
VERSION = 2  # 2: optional embedding block (``embedder``), Platt calibration
OTHER = "Other"
# \w misses Devanagari vowel signs (Mc/Mn), which would split Hindi words; danda (U+0964/5) stays a separator.


def text_key(text: str) -> str:
    """Identity of a document's text, for keeping duplicates together (same hashing as the SemEval loader)."""
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()


def group_folds(keys: Sequence[str], folds: int, seed: int = 0, strata: Sequence[str] | None = None) -> np.ndarray:
    """Fold number (0..folds-1) for each item; items sharing a key share a fold. Groups are shuffled with
    ``seed`` and dealt, stratum by stratum (a group's stratum is its first member's), to the fold holding
    the fewest items of that stratum (ties: fewest items overall, then lowest number)."""
    if folds < 2:
        raise ValueError("folds must be at least 2")
    members: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        members.setdefault(key, []).append(i)
    by_stratum: dict[str, list[str]] = {}
    for key, idx in members.items():
        by_stratum.setdefault(strata[idx[0]] if strata is not None else "", []).append(key)
    rng = np.random.RandomState(seed)
    out = np.full(len(keys), -1, dtype=int)
    total = np.zeros(folds, dtype=int)
    for stratum in sorted(by_stratum):
        groups = by_stratum[stratum]
        order = rng.permutation(len(groups))
        local = np.zeros(folds, dtype=int)
        for g in order:
            idx = members[groups[g]]
            fold = min(range(folds), key=lambda f: (local[f], total[f], f))
            out[idx] = fold
            local[fold] += len(idx)
            total[fold] += len(idx)
    return out


def _dense(m) -> np.ndarray:
    return m.toarray() if sp.issparse(m) else np.asarray(m)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


class NarrativeClassifierFast:
    """Hashed n-grams + one-vs-rest logistic regression with inner-CV thresholds. See the module docstring."""

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
        return {"columns": columns, "idf": idf, "mu": mu, "coef": self._prune(coef, len(columns)), "intercept": intercept}

    def _prune(self, coef: np.ndarray, n_ngram: int) -> sp.csr_matrix:
        """Keep each label's ``max_weights`` largest n-gram weights (by magnitude) and its whole embedding
        block; the rest become 0. This keeps the shipped artifact small (a few MB instead of ~150), and since
        it runs inside the inner cross-validation too, the thresholds are tuned for the pruned model."""
        if self.max_weights and n_ngram > self.max_weights:
            ngram = np.abs(coef[:, :n_ngram])
            cut = -np.partition(-ngram, self.max_weights - 1, axis=1)[:, self.max_weights - 1:self.max_weights]
            coef[:, :n_ngram][ngram < cut] = 0.0
        return sp.csr_matrix(coef)

    def _proba_core(self, X: sp.csr_matrix, params: dict, E: np.ndarray | None = None) -> np.ndarray:
        Xt = self._features(X, params["columns"], params["idf"], E, params.get("mu"))
        z = _dense(Xt @ sp.csr_matrix(params["coef"], dtype=np.float64).T) + params["intercept"]
        return _sigmoid(z)

    def _thresholds(self, P: np.ndarray, Y: np.ndarray) -> np.ndarray:
        grid = np.round(np.arange(self.min_threshold, 0.951, 0.01), 4)
        out = np.full(Y.shape[1], self.default_threshold)
        for j in range(Y.shape[1]):
            y = Y[:, j].astype(bool)
            if y.sum() < self.min_positives_tune:
                continue
            fired = P[:, j][:, None] >= grid[None, :]
            tp = (fired & y[:, None]).sum(0)
            f1 = 2 * tp / (fired.sum(0) + y.sum())
            if f1.max() > 0:
                best = np.flatnonzero(f1 == f1.max())
                out[j] = grid[best[len(best) // 2]]  # middle of the best plateau
        return out

    @staticmethod
    def _calibrate(P: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Platt scaling per label, fitted on the inner-CV out-of-fold probabilities: ``(a, b)`` rows so that
        ``sigmoid(a * logit(p) + b)`` estimates P(label | document). Labels with too few positives keep (1, 0)."""
        from sklearn.linear_model import LogisticRegression

        out = np.tile(np.array([1.0, 0.0]), (Y.shape[1], 1))
        logits = np.log(np.clip(P, 1e-6, 1 - 1e-6) / np.clip(1 - P, 1e-6, 1))
        for j in range(Y.shape[1]):
            pos = int(Y[:, j].sum())
            if pos < 4 or pos > len(Y) - 4:
                continue
            lr = LogisticRegression(C=100.0).fit(logits[:, j:j + 1], Y[:, j])
            out[j] = (lr.coef_[0, 0], lr.intercept_[0])
        return out

    def calibrated(self, P: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for a matrix of raw model probabilities (same columns)."""
        logits = np.log(np.clip(P, 1e-6, 1 - 1e-6) / np.clip(1 - P, 1e-6, 1))
        return _sigmoid(logits * self.calibration_[:, 0] + self.calibration_[:, 1])

    def fit(self, texts: Sequence[str], label_sets: Sequence[tuple[Sequence[str], Sequence[str]]],
            languages: Sequence[str] | None = None) -> "NarrativeClassifierFast":
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
                   dense: np.ndarray | None = None) -> "NarrativeClassifierFast":
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
        self.calibration_ = self._calibrate(P, Y)
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
    _PARAMS = ("n_features", "C", "min_df", "inner_folds", "min_threshold", "default_threshold", "min_positives",
               "min_positives_tune", "other_gate", "seed", "embedder", "dense_weight", "max_weights")

    def save(self, path: str | Path) -> None:
        """joblib file with numbers and label names only (no vocabulary, no text)."""
        import joblib

        from .. import __version__ as narrascope_version

        state = {"format": FORMAT, "version": VERSION, "narrascope_version": narrascope_version,
                 "taxonomy": self.taxonomy_name_, "languages": self.languages_, "trained": self.trained_,
                 "n_train": self.n_train_, "params": {k: getattr(self, k) for k in self._PARAMS},
                 "classes": self.classes_, "n_narratives": len(self.narrative_classes_), "parents": self.parents_,
                 "positives": self.positives_, "thresholds": self.thresholds_, "calibration": self.calibration_,
                 "columns": self.params_["columns"], "idf": self.params_["idf"], "mu": self.params_["mu"],
                 "coef": self.params_["coef"], "intercept": self.params_["intercept"]}
        joblib.dump(state, path, compress=3)

    @classmethod
    def load(cls, path: str | Path) -> "NarrativeClassifierFast":
        import joblib

        state = joblib.load(path)
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} file")
        if state["version"] != VERSION:
            raise ValueError(f"{path}: model format version {state['version']}, this narrascope reads {VERSION}")
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
