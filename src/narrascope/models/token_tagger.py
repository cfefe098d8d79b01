"""The token tagger of the technique model: per token, "inside a span of technique T", for the evidence spans.

Features per token (:func:`token_features`): the word, its affixes, its neighbours and the bigrams with them,
its shape, whether it is inside quotation marks, its VADER valence strength and its place in the paragraph,
hashed (``FeatureHasher``). One SGD logistic regression per technique with enough gold spans; a saved tagger is
part of the technique model's artifact (:meth:`TokenTagger.state`) and holds weights only, never text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .lexicon import strength_bucket, valence
from .training import keep_largest_weights, sigmoid

_TOKEN = re.compile(r"\w+(?:['’-]\w+)*|[^\w\s]")


def _shape(tok: str) -> str:
    if tok.isdigit():
        return "d"
    if tok.isupper() and len(tok) > 1:
        return "X"
    if tok[:1].isupper():
        return "Xx"
    return "x" if tok[:1].isalpha() else "p"


def token_features(text: str) -> tuple[list[tuple[int, int]], list[list[str]]]:
    """Tokens of a paragraph (offsets) and, per token, its hashed-feature strings: the word, its affixes, its
    neighbours and the bigrams with them, shape, quotes, valence and its place in the paragraph. (Character
    3-grams of the word were measured too: no better token-level average precision, 30 % slower.)"""
    toks = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    low = [t[2].lower() for t in toks]
    lex = valence()
    strength = [strength_bucket(lex.get(w, 0.0)) for w in low]
    feats = []
    in_quote = False
    n = len(toks)
    for i, (a, b, tok) in enumerate(toks):
        if tok in "\"“”«»":
            in_quote = not in_quote if tok == '"' else tok in "“«"
        w = low[i]
        prev1 = low[i - 1] if i else "<s>"
        prev2 = low[i - 2] if i > 1 else "<s>"
        next1 = low[i + 1] if i + 1 < n else "</s>"
        next2 = low[i + 2] if i + 2 < n else "</s>"
        f = [f"w={w}", f"p3={w[:3]}", f"s3={w[-3:]}", f"sh={_shape(tok)}", f"w-1={prev1}", f"w+1={next1}",
             f"w-2={prev2}", f"w+2={next2}", f"b-={prev1}_{w}", f"b+={w}_{next1}", f"q={int(in_quote)}",
             f"pos={min(i, 3)}", f"end={min(n - 1 - i, 3)}", f"val={strength[i]}",
             f"val-1={strength[i - 1] if i else 0}", f"val+1={strength[i + 1] if i + 1 < n else 0}"]
        feats.append(f)
    return [(a, b) for a, b, _ in toks], feats


class TokenTagger:
    """Per-token "inside a span of technique T" classifiers (SGD logistic regression on hashed features),
    for the techniques with enough gold spans. Gives phrase-level evidence and a paragraph signal (the
    strongest token) that the paragraph model alone misses (a single loaded word in a long paragraph)."""

    def __init__(self, labels: Sequence[str], n_features: int = 2**20, alpha: float = 2e-6, epochs: int = 8,
                 seed: int = 0):
        self.labels = list(labels)
        self.n_features = n_features
        self.alpha = alpha
        self.epochs = epochs
        self.seed = seed

    PARAMS = ("labels", "n_features", "alpha", "epochs", "seed")
    FITTED = ("coef_", "intercept_", "thresholds_")

    def state(self) -> dict:
        """Parameters and fitted weights, for :meth:`TechniqueClassifier.save`."""
        return {k: getattr(self, k) for k in self.PARAMS + self.FITTED}

    @classmethod
    def from_state(cls, state: dict) -> "TokenTagger":
        self = cls(**{k: state[k] for k in cls.PARAMS})
        for k in cls.FITTED:
            setattr(self, k, state[k])
        return self

    def _hasher(self):
        from sklearn.feature_extraction import FeatureHasher

        return FeatureHasher(n_features=self.n_features, input_type="string", alternate_sign=False)

    def featurize(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, list[list[tuple[int, int]]]]:
        offsets, rows = [], []
        for t in texts:
            o, f = token_features(t)
            offsets.append(o)
            rows.extend(f)
        X = self._hasher().transform(rows) if rows else sp.csr_matrix((0, self.n_features))
        return sp.csr_matrix(X, dtype=np.float32), offsets

    def fit(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[str, int, int]]],
            prepared=None) -> "TokenTagger":
        from sklearn.linear_model import SGDClassifier

        X, offsets = prepared or self.featurize(texts)
        Y = self._targets(offsets, spans)
        self.coef_ = np.zeros((len(self.labels), self.n_features), dtype=np.float32)
        self.intercept_ = np.zeros(len(self.labels), dtype=np.float32)
        self.thresholds_ = np.ones(len(self.labels))
        for j in range(len(self.labels)):
            y = Y[:, j]
            if y.sum() < 20:
                self.intercept_[j] = -10.0
                continue
            clf = SGDClassifier(loss="log_loss", alpha=self.alpha, max_iter=self.epochs, tol=None,
                                random_state=self.seed, average=True)
            clf.fit(X, y)
            self.coef_[j] = clf.coef_[0]
            self.intercept_[j] = clf.intercept_[0]
            p = sigmoid(np.asarray(X @ self.coef_[j]).ravel() + self.intercept_[j])
            # prior matching: as many tokens above the threshold as there are gold span tokens
            self.thresholds_[j] = float(np.quantile(p, 1 - y.mean()))
        self.coef_ = sp.csr_matrix(keep_largest_weights(self.coef_.copy(), 60000))
        return self

    def _targets(self, offsets, spans) -> np.ndarray:
        index = {lab: j for j, lab in enumerate(self.labels)}
        rows = []
        for offs, sps in zip(offsets, spans):
            Y = np.zeros((len(offs), len(self.labels)), dtype=np.int8)
            for lab, s, e in sps:
                j = index.get(lab)
                if j is None:
                    continue
                for k, (a, b) in enumerate(offs):
                    if a < e and s < b:
                        Y[k, j] = 1
            rows.append(Y)
        return np.vstack(rows) if rows else np.zeros((0, len(self.labels)), dtype=np.int8)

    def token_proba(self, prepared) -> np.ndarray:
        X, _ = prepared
        W = self.__dict__.get("_W")
        if W is None:  # transposed once per process (not saved)
            W = self.__dict__["_W"] = self.coef_.T.tocsr() if sp.issparse(self.coef_) else self.coef_.T
        Z = (X @ W).toarray() if sp.issparse(W) else np.asarray(X @ W)
        return sigmoid(Z + self.intercept_)


def paragraph_token_max(P_tok: np.ndarray, offsets: Sequence[Sequence]) -> np.ndarray:
    """Per paragraph, the strongest token probability per tagged label."""
    out = np.zeros((len(offsets), P_tok.shape[1]))
    pos = 0
    for i, offs in enumerate(offsets):
        if offs:
            out[i] = P_tok[pos:pos + len(offs)].max(axis=0)
        pos += len(offs)
    return out


def token_subset(prepared, rows: np.ndarray):
    """The token matrix and offsets of some paragraphs (``rows``) out of a prepared whole."""
    X, offsets = prepared
    starts = np.concatenate([[0], np.cumsum([len(o) for o in offsets])])
    idx = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in rows]) if len(rows) else np.zeros(0, int)
    return X[idx.astype(int)], [offsets[i] for i in rows]
