"""Persuasion techniques per paragraph, with evidence spans: a text-free model trained on SemEval-2023 Task 3.

Unit: a paragraph (a line of the article, as in SemEval-2023 subtask 3). Features: hashed word 1-2 grams and
character 2-5 grams (``char_wb``) with sublinear tf-idf, plus a few layout cues (length, question and
exclamation marks, quotation marks, capitals, digits, title line), and in the default mode the paragraph's
multilingual-e5-small embedding. One logistic regression per technique (liblinear, class-balanced); each
technique's threshold maximises its F1 on out-of-fold scores of an inner cross-validation over training
articles. A saved model (:mod:`.artifacts`) holds column indices, idf, weights, thresholds and label names,
never text.

Spans. For each technique found in a paragraph, the model's own linear n-gram score is computed per word
(a word's unigram weight plus half of each bigram it is in, times idf); the evidence span is the window of
about the technique's typical gold length (median words, learned from the training spans) with the highest
total, inside the sentence that scores highest. Short-span techniques (loaded words, labels) so get a
phrase; argumentative ones (doubt, causal oversimplification) a clause or sentence.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .artifacts import read_artifact, write_artifact
from .features import TOKEN_PATTERN, fit_idf, sublinear_tfidf, word_char_counts
from .lexicon import valence
from .token_tagger import TokenTagger, paragraph_token_max, token_subset
from .training import f1_threshold_on_scores, group_folds, keep_largest_weights, logit, micro_f1_thresholds, sigmoid

FORMAT = "narrascope.TechniqueClassifier"
VERSION = 2  # 2: token features without character 3-grams
_WORD = re.compile(TOKEN_PATTERN)
_CAPS = re.compile(r"\b[A-Z\u0410-\u042f]{3,}\b")
_QUOTES = re.compile("[\"\u201c\u201d\u00ab\u00bb\u201e]")
N_CUES = 10
LONG_SPAN_WORDS = 8  # techniques whose median gold span has this many words get whole sentences as evidence


def layout_cues(texts: Sequence[str], is_title: Sequence[bool]) -> np.ndarray:
    """Per paragraph: log length, '?', '!', quotation marks, capitalised words, digits, title line, colon,
    and how many (and how strongly) emotionally charged words it has (VADER valence)."""
    lex = valence()
    out = np.zeros((len(texts), N_CUES), dtype=np.float32)
    for i, (t, title) in enumerate(zip(texts, is_title)):
        words = max(1, len(t.split()))
        charged = [abs(lex.get(w.lower(), 0.0)) for w in _WORD.findall(t)]
        strong = sum(v >= 2.0 for v in charged)
        out[i] = (np.log1p(words) / 5.0, min(t.count("?"), 3) / 3.0, min(t.count("!"), 3) / 3.0,
                  min(len(_QUOTES.findall(t)), 6) / 6.0, min(len(_CAPS.findall(t)), 3) / 3.0,
                  min(sum(c.isdigit() for c in t), 10) / 10.0, float(title), float(":" in t),
                  min(strong, 4) / 4.0, max(charged, default=0.0) / 4.0)
    return out


class TechniqueClassifier:
    """Paragraph-level multi-label technique classifier. See the module docstring."""

    def __init__(self, labels: Sequence[str] = (), n_features: int = 2**20, C: float = 0.5, min_df: int = 2,
                 inner_folds: int = 3, min_positives: int = 8, cue_weight: float = 0.5, embedder: str | None = None,
                 dense_weight: float = 1.0, max_weights: int | None = 20000, article_context: bool = False,
                 tagger_min_spans: int | None = 150, seed: int = 0):
        self.labels = list(labels)
        self.n_features = n_features
        self.C = C
        self.min_df = min_df
        self.inner_folds = inner_folds
        self.min_positives = min_positives
        self.cue_weight = cue_weight
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.max_weights = max_weights
        self.article_context = article_context  # stack each label's article-mean score onto the paragraph's
        self.tagger_min_spans = tagger_min_spans  # techniques with this many gold spans get a token tagger; None: off
        self.seed = seed

    # ---- features ------------------------------------------------------------------------------------
    def hash_counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        return word_char_counts(texts, self.n_features)

    @staticmethod
    def _tfidf(X: sp.csr_matrix, columns: np.ndarray, idf: np.ndarray) -> sp.csr_matrix:
        return sublinear_tfidf(X, columns, idf)

    def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        if not self.embedder:
            return None
        from .embeddings import get_embedder

        return get_embedder(self.embedder).passages([" ".join(t.split()[:96]) for t in texts])

    def _design(self, X, cues, E, params) -> sp.csr_matrix:
        blocks = [self._tfidf(X, params["columns"], params["idf"]), sp.csr_matrix(self.cue_weight * cues)]
        if E is not None and params.get("mu") is not None:
            Z = E - params["mu"]
            Z /= np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-9)
            blocks.append(sp.csr_matrix(self.dense_weight * Z))
        return sp.hstack(blocks, format="csr")

    # ---- fit / predict on prepared inputs --------------------------------------------------------------
    def _fit_core(self, X, cues, E, Y) -> dict:
        from sklearn.linear_model import LogisticRegression

        columns, idf = fit_idf(X, self.min_df)
        params = {"columns": columns, "idf": idf, "mu": None if E is None else E.mean(axis=0)}
        D = self._design(X, cues, E, params)
        coef = np.zeros((Y.shape[1], D.shape[1]), dtype=np.float32)
        intercept = np.full(Y.shape[1], -10.0, dtype=np.float32)
        for j in range(Y.shape[1]):
            if Y[:, j].sum() < self.min_positives:
                continue
            lr = LogisticRegression(C=self.C, solver="liblinear", class_weight="balanced", max_iter=200)
            lr.fit(D, Y[:, j])
            coef[j] = lr.coef_[0]
            intercept[j] = lr.intercept_[0]
        params["coef"] = coef
        params["intercept"] = intercept
        return params

    def _scores(self, X, cues, E, params) -> np.ndarray:
        D = self._design(X, cues, E, params)
        coef = params["coef"]
        if sp.issparse(coef):
            cache = self.__dict__.setdefault("_coef_t", {})
            if id(coef) not in cache:  # transposed once per process (not saved)
                cache.clear()
                cache[id(coef)] = coef.T.tocsr()
            Z = (D @ cache[id(coef)]).toarray()
        else:
            Z = np.asarray(D @ coef.T)
        return sigmoid(Z + params["intercept"])

    def _prune(self, params: dict) -> dict:
        """Keep each label's ``max_weights`` strongest n-gram weights (cues and embedding weights all kept)."""
        coef = params["coef"]
        n_ngram = len(params["columns"])
        if self.max_weights is None or n_ngram <= self.max_weights:
            return params
        params["coef"] = sp.csr_matrix(keep_largest_weights(coef.copy(), self.max_weights, n_ngram))
        return params

    def fit(self, texts: Sequence[str], label_sets: Sequence[Sequence[str]], groups: Sequence[str],
            is_title: Sequence[bool] | None = None, X: sp.csr_matrix | None = None, E: np.ndarray | None = None,
            span_words: dict[str, float] | None = None,
            spans: Sequence[Sequence[tuple[str, int, int]]] | None = None, tokens=None) -> "TechniqueClassifier":
        """Fit on paragraphs; ``groups`` (article ids) keep an article's paragraphs in one inner fold.
        ``spans`` (gold technique spans per paragraph, offsets into the paragraph) train the token tagger;
        ``tokens`` is its prepared input (:meth:`TokenTagger.featurize` of ``texts``), to share across fits."""
        if not self.labels:
            self.labels = sorted({lab for s in label_sets for lab in s})
        index = {lab: j for j, lab in enumerate(self.labels)}
        Y = np.zeros((len(texts), len(self.labels)), dtype=np.int8)
        for i, labs in enumerate(label_sets):
            for lab in labs:
                if lab in index:
                    Y[i, index[lab]] = 1
        is_title = list(is_title) if is_title is not None else [False] * len(texts)
        X = self.hash_counts(texts) if X is None else X
        cues = layout_cues(texts, is_title)
        if E is None:
            E = self.embed(texts)
        groups = list(groups)
        # thresholds from inner CV
        folds = group_folds(list(groups), self.inner_folds, seed=self.seed)
        tagged = self._tagged_labels(spans)
        if tagged and tokens is None:
            tokens = TokenTagger(tagged, seed=self.seed).featurize(texts)
        oof = np.zeros(Y.shape, dtype=np.float64)
        oof_tok = np.zeros((len(texts), len(tagged)))
        for f in range(self.inner_folds):
            tr, te = folds != f, folds == f
            sub = (lambda M, m: None if M is None else M[m])
            params = self._fit_core(X[tr], cues[tr], sub(E, tr), Y[tr])
            oof[te] = self._scores(X[te], cues[te], sub(E, te), params)
            if tagged:
                tagger = TokenTagger(tagged, seed=self.seed).fit(
                    None, [spans[i] for i in np.flatnonzero(tr)], prepared=token_subset(tokens, np.flatnonzero(tr)))
                part = token_subset(tokens, np.flatnonzero(te))
                oof_tok[te] = paragraph_token_max(tagger.token_proba(part), part[1])
        self.tagged_ = tagged
        self.stack_ = self._fit_stack(oof, oof_tok, Y, groups)
        combined = self._combine(oof, oof_tok, groups)
        self.thresholds_ = micro_f1_thresholds(combined, Y, np.array([f1_threshold_on_scores(combined[:, j], Y[:, j])
                                                                       for j in range(Y.shape[1])]))
        self.params_ = self._prune(self._fit_core(X, cues, E, Y))
        self.tagger_ = TokenTagger(tagged, seed=self.seed).fit(None, spans, prepared=tokens) if tagged else None
        self.span_words_ = dict(span_words or {})
        self.trained_ = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.n_train_ = len(texts)
        return self

    def _tagged_labels(self, spans) -> list[str]:
        if self.tagger_min_spans is None or spans is None:
            return []
        counts: dict[str, int] = {}
        for sps in spans:
            for lab, _, _ in sps:
                counts[lab] = counts.get(lab, 0) + 1
        return [lab for lab in self.labels if counts.get(lab, 0) >= self.tagger_min_spans]

    def _stack_features(self, P: np.ndarray, M: np.ndarray, groups: Sequence[str], j: int) -> np.ndarray | None:
        """Second-level inputs for label ``j``: the paragraph score, the strongest token (tagged labels) and
        the article's mean paragraph score (with ``article_context``), as logits."""
        label = self.labels[j]
        cols = [logit(P[:, j])]
        if label in self.tagged_:
            cols.append(logit(M[:, self.tagged_.index(label)]))
        if self.article_context:
            cols.append(logit(_group_mean(P[:, j], groups)))
        return np.column_stack(cols) if len(cols) > 1 else None

    def _fit_stack(self, P: np.ndarray, M: np.ndarray, Y: np.ndarray, groups: Sequence[str]) -> dict:
        """Per label, a small logistic regression on :meth:`_stack_features`, fitted on out-of-fold scores."""
        from sklearn.linear_model import LogisticRegression

        out = {}
        for j, lab in enumerate(self.labels):
            F = self._stack_features(P, M, groups, j)
            if F is None or Y[:, j].sum() < 5:
                continue
            lr = LogisticRegression(C=1.0, max_iter=200).fit(F, Y[:, j])
            out[lab] = (lr.coef_[0].astype(float).tolist(), float(lr.intercept_[0]))
        return out

    def _combine(self, P: np.ndarray, M: np.ndarray, groups: Sequence[str]) -> np.ndarray:
        out = P.copy()
        for lab, (w, b) in self.stack_.items():
            j = self.labels.index(lab)
            out[:, j] = sigmoid(self._stack_features(P, M, groups, j) @ np.asarray(w) + b)
        return out

    def token_scores(self, texts: Sequence[str]):
        """Token offsets per text and the tagger's per-token probabilities (None without a tagger)."""
        if not getattr(self, "tagger_", None):
            return None
        prepared = self.tagger_.featurize(texts)
        return prepared[1], self.tagger_.token_proba(prepared)

    def predict_proba(self, texts: Sequence[str], is_title: Sequence[bool] | None = None,
                      groups: Sequence[str] | None = None, E: np.ndarray | None = None) -> np.ndarray:
        """Scores per paragraph; ``groups`` names each paragraph's article (default: all one article)."""
        return self.predict_with_tokens(texts, is_title, groups, E)[0]

    def predict_with_tokens(self, texts: Sequence[str], is_title: Sequence[bool] | None = None,
                            groups: Sequence[str] | None = None, E: np.ndarray | None = None):
        """``(scores, tokens)``: :meth:`predict_proba` and the :meth:`token_scores` it used (None without a
        tagger), so that evidence spans need no second pass.

        Paragraphs are featurized in batches of at most :data:`BATCH_CHARS` characters (each paragraph's
        features are its own, so the scores are those of one pass), which bounds memory by a batch: the token
        features of a whole 5 MB dump at once would take gigabytes."""
        texts = list(texts)
        is_title = list(is_title) if is_title is not None else [False] * len(texts)
        if not texts:
            return np.zeros((0, len(self.labels))), None
        groups = list(groups) if groups is not None else [""] * len(texts)
        if self.article_context or E is not None:  # article means (or given embeddings) need one pass
            return self._predict_batch(texts, is_title, groups, E)
        parts = [self._predict_batch(texts[a:b], is_title[a:b], groups[a:b], None) for a, b in _batches(texts)]
        P = np.vstack([p for p, _ in parts])
        if parts[0][1] is None:
            return P, None
        offsets = [o for _, tok in parts for o in tok[0]]
        return P, (offsets, np.vstack([tok[1] for _, tok in parts]))

    def _predict_batch(self, texts, is_title, groups, E):
        if E is None:
            E = self.embed(texts)
        P = self._scores(self.hash_counts(texts), layout_cues(texts, is_title), E, self.params_)
        tok = self.token_scores(texts)
        M = paragraph_token_max(tok[1], tok[0]) if tok is not None else np.zeros((len(texts), 0))
        return self._combine(P, M, groups), tok

    def decide(self, P: np.ndarray) -> list[list[str]]:
        return [[self.labels[j] for j in np.flatnonzero(row >= self.thresholds_)] for row in P]

    def predict(self, texts: Sequence[str], is_title: Sequence[bool] | None = None,
                groups: Sequence[str] | None = None) -> list[list[str]]:
        return self.decide(self.predict_proba(texts, is_title, groups))

    # ---- evidence ---------------------------------------------------------------------------------------
    def word_weights(self, text: str, label: str) -> list[tuple[int, int, float]]:
        """``(start, end, weight)`` per word of ``text``: the label's linear score carried by that word
        (its unigram weight plus half of each bigram it belongs to, times idf)."""
        j = self.labels.index(label)
        tokens = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
        if not tokens:
            return []
        grams = [t[2] for t in tokens] + [f"{x[2]} {y[2]}" for x, y in zip(tokens, tokens[1:])]
        cols = _single_feature_hasher(self.n_features).transform(grams).indices  # one column per gram, in order
        lookup = self._column_weights(j)
        vals = np.array([lookup.get(int(c), 0.0) for c in cols])
        n = len(tokens)
        out = vals[:n].copy()
        for k in range(n - 1):
            out[k] += vals[n + k] / 2
            out[k + 1] += vals[n + k] / 2
        return [(s, e, float(w)) for (s, e, _), w in zip(tokens, out)]

    def _column_weights(self, j: int) -> dict[int, float]:
        cache = self.__dict__.setdefault("_weights_cache", {})
        if j not in cache:
            coef = self.params_["coef"]
            row = coef.getrow(j).toarray().ravel() if sp.issparse(coef) else coef[j]
            cols = self.params_["columns"]
            n = len(cols)
            nz = np.flatnonzero(row[:n])
            # only word-block columns (hashed index < n_features) carry word evidence
            cache[j] = {int(cols[k]): float(row[k] * self.params_["idf"][k]) for k in nz if cols[k] < self.n_features}
        return cache[j]

    def evidence_spans(self, text: str, label: str, sentences: Sequence[tuple[int, int]],
                       tokens: tuple[list[tuple[int, int]], np.ndarray] | None = None) -> list[tuple[int, int, float]]:
        """Evidence for ``label`` in paragraph ``text``: ``(start, end, weight)`` offsets into ``text``.

        With a token tagger for the label: every run of tokens whose probability clears the tagger's
        threshold (a gap of one token is bridged), else the strongest token widened to the label's typical
        length. Otherwise: the best window of about the typical length by the paragraph model's word weights,
        inside the best-scoring sentence. ``tokens`` = (offsets, probabilities) from :meth:`token_scores`."""
        tagged = getattr(self, "tagged_", [])
        if label in tagged:
            if tokens is None:
                offs, probs = self.token_scores([text])
                tokens = (offs[0], probs)
            offs, probs = tokens
            if len(offs):
                k = tagged.index(label)
                p = probs[:, k].copy()
                wordy = np.array([any(ch.isalnum() for ch in text[a:b]) for a, b in offs])
                p[~wordy] = np.minimum(p[~wordy], self.tagger_.thresholds_[k] * 0.999)  # no punctuation-only runs
                runs = [(i, j) for i, j in _runs(p >= self.tagger_.thresholds_[k], gap=1) if wordy[i:j + 1].any()]
                if not runs:
                    i = int(np.argmax(np.where(wordy, p, -1.0)))
                    half = max(0, int(round(self.span_words_.get(label, 1))) - 1) // 2
                    runs = [(max(0, i - half), min(len(offs) - 1, i + half))]
                out = []
                holding = _Holder(sentences)
                for i, j in runs:
                    while i < j and not wordy[i]:
                        i += 1
                    while j > i and not wordy[j]:
                        j -= 1
                    a, b = offs[i][0], offs[j][1]
                    if self.span_words_.get(label, 1) >= LONG_SPAN_WORDS:
                        # argumentative techniques are annotated on clauses: the sentence is the evidence
                        a, b = holding.first_holding(a) or (a, b)
                        b = max(b, offs[j][1])
                    out.append((a, b, float(p[i:j + 1].max())))
                best: dict[tuple[int, int], float] = {}
                for a, b, w in out:  # runs widened to the same sentence collapse into one span
                    best[(a, b)] = max(w, best.get((a, b), w))
                return [(a, b, w) for (a, b), w in sorted(best.items())]
        return [self.evidence_span(text, label, sentences)]

    def evidence_span(self, text: str, label: str, sentences: Sequence[tuple[int, int]]) -> tuple[int, int, float]:
        """The best window (offsets into ``text``) for ``label`` by the paragraph model's word weights: inside
        the best-scoring sentence, about the label's typical span length in words."""
        weights = self.word_weights(text, label)
        if not weights:
            return 0, len(text), 0.0
        best = None
        starts = [w[0] for w in weights]  # words are sorted and disjoint: a sentence's words are a slice
        for a, b in sentences or [(0, len(text))]:
            k = bisect.bisect_left(starts, a)
            stop = k
            while stop < len(weights) and weights[stop][1] <= b:
                stop += 1
            ws = weights[k:stop]
            if not ws:
                continue
            total = sum(w[2] for w in ws)
            if best is None or total > best[0]:
                best = (total, ws)
        if best is None:
            return 0, len(text), 0.0
        ws = best[1]
        k = max(1, min(len(ws), int(round(self.span_words_.get(label, len(ws))))))
        sums = np.convolve([w[2] for w in ws], np.ones(k), mode="valid")
        i = int(np.argmax(sums))
        return ws[i][0], ws[i + k - 1][1], float(sums[i])

    # ---- persistence ----------------------------------------------------------------------------------
    # constructor parameters: saved in the artifact, listed in the model card
    PARAMS = ("n_features", "C", "min_df", "inner_folds", "min_positives", "cue_weight", "embedder", "dense_weight",
               "max_weights", "article_context", "tagger_min_spans", "seed")
    FITTED = ("tagged_", "stack_", "thresholds_", "params_", "span_words_", "trained_", "n_train_")

    def save(self, path: str | Path) -> None:
        """An artifact (:mod:`.artifacts`) with weights, thresholds and label names only (no text)."""
        state = {"labels": self.labels, "params": {k: getattr(self, k) for k in self.PARAMS},
                 **{k: getattr(self, k) for k in self.FITTED},
                 "tagger": self.tagger_.state() if self.tagger_ is not None else None}
        write_artifact(path, FORMAT, VERSION, state)

    @classmethod
    def load(cls, path: str | Path) -> "TechniqueClassifier":
        _, state = read_artifact(path, FORMAT, (VERSION,))
        self = cls(labels=state["labels"], **state["params"])
        for k in cls.FITTED:
            setattr(self, k, state[k])
        self.tagger_ = TokenTagger.from_state(state["tagger"]) if state["tagger"] is not None else None
        return self


BATCH_CHARS = 50_000  # paragraphs featurized together: ~10,000 tokens, a few tens of MB of features


def _batches(texts: Sequence[str], limit: int = BATCH_CHARS) -> list[tuple[int, int]]:
    """Consecutive index ranges of ``texts`` holding at most ``limit`` characters each (or one text)."""
    out, start, size = [], 0, 0
    for i, t in enumerate(texts):
        if i > start and size + len(t) > limit:
            out.append((start, i))
            start, size = i, 0
        size += len(t)
    out.append((start, len(texts)))
    return out


def _group_mean(values: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """Each item's group mean of ``values``."""
    keys = {g: k for k, g in enumerate(dict.fromkeys(groups))}
    idx = np.array([keys[g] for g in groups])
    sums = np.bincount(idx, weights=values, minlength=len(keys))
    counts = np.bincount(idx, minlength=len(keys))
    return (sums / np.maximum(counts, 1))[idx]


def _runs(mask: np.ndarray, gap: int = 1) -> list[tuple[int, int]]:
    """Index ranges (inclusive) of True runs, bridging gaps of up to ``gap`` False items."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return []
    out, start, prev = [], int(idx[0]), int(idx[0])
    for i in idx[1:]:
        if i - prev > gap + 1:
            out.append((start, prev))
            start = int(i)
        prev = int(i)
    out.append((start, prev))
    return out


class _Holder:
    """"The first sentence (in the given order) with sa <= pos < sb", by bisection when the sentences are
    sorted and disjoint (as the segmenter makes them), else by the plain scan."""

    def __init__(self, sentences: Sequence[tuple[int, int]]) -> None:
        self.sentences = list(sentences)
        self.starts = [a for a, _ in self.sentences]
        self.simple = all(self.sentences[k][1] <= self.sentences[k + 1][0] for k in range(len(self.sentences) - 1))

    def first_holding(self, pos: int) -> tuple[int, int] | None:
        if not self.simple:
            return next(((sa, sb) for sa, sb in self.sentences if sa <= pos < sb), None)
        k = bisect.bisect_right(self.starts, pos) - 1
        if k >= 0 and pos < self.sentences[k][1]:
            return self.sentences[k]
        return None


def _one_feature(gram: str) -> list[str]:
    return [gram]


def _single_feature_hasher(n_features: int):
    """Hashes a whole string as ONE feature, into the same columns the word n-gram vectorizer uses."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer=_one_feature, n_features=n_features, alternate_sign=False, norm=None)
