"""Narratives and subnarratives from the shared encoder's document windows, at run time (numpy, no torch).

The head (trained by :mod:`narrascope.encoder.head_training` on SemEval-2025 Task 10 subtask 2, all five
languages) reads a document as ``[mean token state ; mean state of its first 64 tokens (title and lead) ;
with ``chunk_max`` = k, the element-wise maximum over the means of its k-token chunks (the passage that
pushes hardest) ; language one-hot]`` (:func:`narrascope.encoder.head_data.document_features`), the token states coming from
the one encoder pass the roles and check-worthiness heads read too. A shared hidden layer feeds narrative
and subnarrative outputs (sigmoid), and a "no narrative" output.

With ``blend`` < 1 (chosen by cross-validation, one weight for the narratives and the gate, one for the
subnarratives) the probability of each label is ``blend`` × the head's plus (1 − ``blend``) × the calibrated
probability of the fast n-gram model (``narratives-fast``: hashed n-grams of
the same prose, no second encoder pass), which carries the wording cues the pooled states average away.

Decoding (:func:`decode`) is hierarchical: a narrative is assigned when its probability reaches its
threshold; a subnarrative when it reaches its own *and* its narrative is assigned (``require_parent``) or,
without that rule, it brings its narrative along; a narrative without an assigned subnarrative gets
``"<narrative>: Other"``; a document with no narrative is ``Other``, and so is one whose "no narrative" output
clears its threshold by a larger margin than every narrative (``gate``). Thresholds are per label, times a
factor per language for the narratives and another for the subnarratives; they, the hierarchy rule and whether the gate is used are all chosen by
cross-validation on the training documents for F1-samples: the gate is calibrated, not a fixed veto.

Evidence (:meth:`NarrativeHeads.sentence_scores`): each sentence is read through the same head on its own
(its token states as the whole document and as its lead): the head's own attribution of the label to the
sentence, strongest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..models.training import calibrate_probabilities, sigmoid

__all__ = ["OTHER", "NarrativeHeads", "decode"]

OTHER = "Other"


def decode(P: np.ndarray, thresholds: np.ndarray, classes: Sequence[str], n_narratives: int, parents: Sequence[int],
           require_parent: bool, gate: bool = False) -> list[tuple[list[str], list[str]]]:
    """Hierarchy-consistent ``(narratives, subnarratives)`` per row of probabilities ``P`` (narrative columns,
    then subnarrative columns, then, when ``classes`` has one more, the "no narrative" column); ``parents[k]``
    is the narrative column of subnarrative ``k``; ``thresholds`` per row and column or per column. With
    ``gate`` a row is Other when the "no narrative" column clears its threshold by a larger margin than every
    narrative."""
    n_sub = len(parents)
    gate_col = n_narratives + n_sub if gate and P.shape[1] > n_narratives + n_sub else None
    fired = P >= thresholds
    margin = P - thresholds
    out = []
    for r, row in enumerate(fired):
        narr = set(np.flatnonzero(row[:n_narratives]).tolist())
        subs = [k for k in np.flatnonzero(row[n_narratives:n_narratives + n_sub]).tolist()
                if not require_parent or parents[k] in narr]
        narr |= {parents[k] for k in subs}
        gated = gate_col is not None and row[gate_col] and margin[r, gate_col] >= margin[r, :n_narratives].max(initial=-1.0)
        if not narr or gated:
            out.append(([OTHER], [OTHER]))
            continue
        covered = {parents[k] for k in subs}
        names = sorted(classes[j] for j in narr)
        sub_names = {classes[n_narratives + k] for k in subs} | {f"{classes[j]}: {OTHER}" for j in narr - covered}
        out.append((names, sorted(sub_names)))
    return out


def blend_weights(blend, n_narratives: int, n_sub: int, n_columns: int) -> np.ndarray:
    """The head's share per column: ``blend`` is one weight, or ``[narratives (and gate), subnarratives]``."""
    pair = [float(x) for x in np.atleast_1d(blend)]
    w_n, w_s = pair[0], pair[-1]
    w = np.full(n_columns, w_n)
    w[n_narratives:n_narratives + n_sub] = w_s
    return w


def scaled_thresholds(base: np.ndarray, factors: Sequence[float], n_narratives: int, n_sub: int) -> np.ndarray:
    """``base`` thresholds with the narrative columns times ``factors[0]`` and the subnarrative columns times
    ``factors[1]`` (a language's factors), clipped to [0.01, 0.99]; the gate column unchanged."""
    t = np.asarray(base, dtype=np.float64).copy()
    t[:n_narratives] *= factors[0]
    t[n_narratives:n_narratives + n_sub] *= factors[1]
    return np.clip(t, 0.01, 0.99)


class NarrativeHeads:
    """Narratives from the shared encoder, with the prediction API of
    :class:`narrascope.models.narratives.NarrativeClassifier` (``classes_``, ``thresholds_``, ``calibrated``,
    ``decode``, ``predict``) and :meth:`predict_document` for an analysed document."""

    reads_context = True

    def __init__(self, heads, state: dict[str, Any]):
        self.heads = heads
        self.layers = state["layers"]
        self.classes_ = list(state["classes"])
        n = int(state["n_narratives"])
        self.parent_index = np.asarray(state["parents"], dtype=np.int64)
        self.narrative_classes_ = self.classes_[:n]
        self.subnarrative_classes_ = self.classes_[n:n + len(self.parent_index)]
        self.gate = bool(state.get("gate", False))  # the last column: "this document conveys no narrative"
        self.parents_ = {s: self.classes_[int(p)] for s, p in zip(self.subnarrative_classes_, self.parent_index)}
        self.thresholds_ = np.asarray(state["thresholds"], dtype=np.float64)
        self.language_factors = {k: [float(x) for x in np.atleast_1d(v)] * (2 if np.ndim(v) == 0 else 1)
                                 for k, v in state["language_factors"].items()}  # language: [narratives, subs]
        self.require_parent = bool(state["require_parent"])
        self.calibration_ = np.asarray(state["calibration"], dtype=np.float64)
        self.taxonomy_name_ = state.get("taxonomy", "semeval2025_narratives")
        self.chunk_max = int(state.get("chunk_max", 0))
        self.blend = blend_weights(state.get("blend", 1.0), n, len(self.parent_index), len(self.classes_))
        self._ngram = None

    def _ngram_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The fast n-gram model's calibrated probabilities in this head's columns (zeros where it has none)."""
        if self._ngram is None:
            from ..models.registry import load_model

            m = load_model("narratives", "fast")
            cols = {c: j for j, c in enumerate(m.classes_)}
            self._ngram = (m, [cols.get(c, -1) for c in self.classes_])
        m, index = self._ngram
        C = m.calibrated(m.predict_proba(list(texts)))
        out = np.zeros((len(texts), len(self.classes_)))
        for k, j in enumerate(index):
            if j >= 0:
                out[:, k] = C[:, j]
        return out

    def _blended(self, P: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        if np.all(self.blend >= 1.0):
            return P
        return self.blend * P + (1.0 - self.blend) * self._ngram_proba(texts)

    # -- features and probabilities ---------------------------------------------------------------------------
    def _features(self, text: str, ranges: Sequence[tuple[int, int]] | None, language: str | None) -> np.ndarray:
        from .head_data import document_features, token_range

        doc = self.heads.document(text)
        states, encodable = doc.token_states()
        offsets = doc.windows.tokens.offsets
        spans = [token_range(offsets, a, b) for a, b in ranges] if ranges is not None else [(0, len(states))]
        spans = [(a, b) for a, b in spans if b > a]
        spans = [(a, a + int(encodable[a:b].sum())) for a, b in spans if encodable[a]]  # within the window budget
        return document_features(states, spans, language, self.chunk_max)

    def proba_features(self, X: np.ndarray) -> np.ndarray:
        from .heads import mlp

        return sigmoid(mlp(np.atleast_2d(X), self.layers))

    def thresholds_for(self, language: str | None) -> np.ndarray:
        code = (language or "").upper()[:2]
        return scaled_thresholds(self.thresholds_, self.language_factors.get(code, (1.0, 1.0)),
                                 len(self.narrative_classes_), len(self.subnarrative_classes_))

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> np.ndarray:
        """Raw probabilities of whole texts, ``(len(texts), len(classes_))``."""
        languages = list(languages) if languages is not None else [None] * len(texts)
        if not len(texts):
            return np.zeros((0, len(self.classes_)))
        P = np.vstack([self.proba_features(self._features(t, None, lang)) for t, lang in zip(texts, languages)])
        return self._blended(P, texts)

    def calibrated(self, P: np.ndarray) -> np.ndarray:
        return calibrate_probabilities(P, self.calibration_)

    def decode(self, P: np.ndarray, languages: Sequence[str | None] | None = None) -> list[tuple[list[str], list[str]]]:
        languages = list(languages) if languages is not None else [None] * len(P)
        T = np.vstack([self.thresholds_for(lang) for lang in languages]) if len(P) else self.thresholds_
        return decode(P, T, self.classes_, len(self.narrative_classes_), self.parent_index, self.require_parent,
                      self.gate)

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None):
        return self.decode(self.predict_proba(texts, languages), languages)

    # -- an analysed document -----------------------------------------------------------------------------------
    def predict_document(self, text: str, ranges: Sequence[tuple[int, int]], language: str | None) -> np.ndarray:
        """Probabilities ``(len(classes_),)`` of the prose ``ranges`` of ``text`` (the thresholds apply to these)."""
        P = self.proba_features(self._features(text, ranges, language))
        return self._blended(P, ["\n\n".join(text[a:b] for a, b in ranges)])[0]

    def sentence_scores(self, text: str, sentences: Sequence[tuple[int, int]], language: str | None,
                        columns: Sequence[int]) -> np.ndarray:
        """The head's logit for each of ``columns`` with each sentence read on its own, ``(n, len(columns))``."""
        from .head_data import document_features, token_range
        from .heads import mlp

        if not sentences or not columns:
            return np.zeros((len(sentences), len(columns)))
        doc = self.heads.document(text)
        states, encodable = doc.token_states()
        offsets = doc.windows.tokens.offsets
        rows = []
        for a, b in sentences:
            ta, tb = token_range(offsets, a, b)
            ok = tb > ta and bool(encodable[ta:tb].all())
            rows.append(document_features(states, [(ta, tb)] if ok else [], language, self.chunk_max))
        return mlp(np.vstack(rows), self.layers)[:, list(columns)]
