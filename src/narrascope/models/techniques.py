"""Persuasion techniques per paragraph, with evidence spans: a text-free model trained on SemEval-2023 Task 3.

Unit: a paragraph (a line of the article, as in SemEval-2023 subtask 3). Features: hashed word 1-2 grams and
character 2-5 grams (``char_wb``) with sublinear tf-idf, plus a few layout cues (length, question and
exclamation marks, quotation marks, capitals, digits, title line), and in the default mode the paragraph's
multilingual-e5-small embedding. One logistic regression per technique (liblinear, class-balanced); each
technique's threshold maximises its F1 on out-of-fold scores of an inner cross-validation over training
articles. A saved model holds column indices, idf, weights, thresholds and label names, never text.

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

from .features import TOKEN_PATTERN, fit_idf, sublinear_tfidf, word_char_counts
from .lexicon import strength_bucket, valence
from .narratives_fast import _sigmoid, group_folds

FORMAT = "narrascope.TechniqueClassifier"
VERSION = 2  # 2: token features without character 3-grams
_WORD = re.compile(TOKEN_PATTERN)
_CAPS = re.compile(r"\b[A-Z\u0410-\u042f]{3,}\b")
_QUOTES = re.compile("[\"\u201c\u201d\u00ab\u00bb\u201e]")
N_CUES = 10
LONG_SPAN_WORDS = 8  # techniques whose median gold span has this many words get whole sentences as evidence


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

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

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
            p = _sigmoid(np.asarray(X @ self.coef_[j]).ravel() + self.intercept_[j])
            # prior matching: as many tokens above the threshold as there are gold span tokens
            self.thresholds_[j] = float(np.quantile(p, 1 - y.mean()))
        self._prune()
        return self

    def _prune(self, keep: int = 60000) -> None:
        coef = self.coef_.copy()
        for j in range(coef.shape[0]):
            w = np.abs(coef[j])
            if np.count_nonzero(w) > keep:
                coef[j][w < np.partition(w, -keep)[-keep]] = 0.0
        self.coef_ = sp.csr_matrix(coef)

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
        return _sigmoid(Z + self.intercept_)


def paragraph_token_max(P_tok: np.ndarray, offsets: Sequence[Sequence]) -> np.ndarray:
    """Per paragraph, the strongest token probability per tagged label."""
    out = np.zeros((len(offsets), P_tok.shape[1]))
    pos = 0
    for i, offs in enumerate(offsets):
        if offs:
            out[i] = P_tok[pos:pos + len(offs)].max(axis=0)
        pos += len(offs)
    return out


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
        return _sigmoid(Z + params["intercept"])

    def _prune(self, params: dict) -> dict:
        """Keep each label's ``max_weights`` strongest n-gram weights (cues and embedding weights all kept)."""
        coef = params["coef"]
        n_ngram = len(params["columns"])
        if self.max_weights is None or n_ngram <= self.max_weights:
            return params
        pruned = coef.copy()
        for j in range(coef.shape[0]):
            w = np.abs(coef[j, :n_ngram])
            if np.count_nonzero(w) > self.max_weights:
                cut = np.partition(w, -self.max_weights)[-self.max_weights]
                pruned[j, :n_ngram][w < cut] = 0.0
        params["coef"] = sp.csr_matrix(pruned)
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
                    None, [spans[i] for i in np.flatnonzero(tr)], prepared=_token_subset(tokens, np.flatnonzero(tr)))
                part = _token_subset(tokens, np.flatnonzero(te))
                oof_tok[te] = paragraph_token_max(tagger.token_proba(part), part[1])
        self.tagged_ = tagged
        self.stack_ = self._fit_stack(oof, oof_tok, Y, groups)
        combined = self._combine(oof, oof_tok, groups)
        self.thresholds_ = _micro_thresholds(combined, Y, np.array([_best_threshold(combined[:, j], Y[:, j])
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
        cols = [_logit(P[:, j])]
        if label in self.tagged_:
            cols.append(_logit(M[:, self.tagged_.index(label)]))
        if self.article_context:
            cols.append(_logit(_group_mean(P[:, j], groups)))
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
            out[:, j] = _sigmoid(self._stack_features(P, M, groups, j) @ np.asarray(w) + b)
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
    def save(self, path: str | Path, card: dict | None = None) -> None:
        import joblib

        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        joblib.dump({"format": FORMAT, "version": VERSION, "state": state, "card": card or {}}, path, compress=3)

    @classmethod
    def load(cls, path: str | Path) -> "TechniqueClassifier":
        import joblib

        blob = joblib.load(path)
        if not isinstance(blob, dict) or blob.get("format") != FORMAT:
            raise ValueError(f"{path}: not a narrascope technique model")
        if blob.get("version") != VERSION:
            raise ValueError(f"{path}: technique model version {blob.get('version')}, this narrascope reads {VERSION}")
        obj = cls.__new__(cls)
        obj.__dict__.update(blob["state"])
        obj.card_ = blob.get("card", {})
        return obj


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


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


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


def _token_subset(prepared, rows: np.ndarray):
    """The token matrix and offsets of some paragraphs (``rows``) out of a prepared whole."""
    X, offsets = prepared
    starts = np.concatenate([[0], np.cumsum([len(o) for o in offsets])])
    idx = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in rows]) if len(rows) else np.zeros(0, int)
    return X[idx.astype(int)], [offsets[i] for i in rows]


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


def _micro_thresholds(scores: np.ndarray, Y: np.ndarray, start: np.ndarray, passes: int = 3) -> np.ndarray:
    """Coordinate ascent on the thresholds for the MICRO F1 over all labels (the official metric); a label
    whose every threshold lowers it is switched off (threshold > 1)."""
    t = start.copy()
    pred = scores >= t
    tp = (pred & (Y == 1)).sum(axis=0).astype(float)
    fp = pred.sum(axis=0) - tp
    pos = Y.sum(axis=0).astype(float)
    for _ in range(passes):
        for j in range(Y.shape[1]):
            if pos[j] == 0:
                t[j] = 1.01
                continue
            TP, FP, FN = tp.sum() - tp[j], fp.sum() - fp[j], (pos - tp).sum() - (pos[j] - tp[j])
            cands = np.unique(np.concatenate([np.quantile(scores[:, j], np.linspace(0.5, 0.999, 60)), [1.01]]))
            best = (-1.0, t[j], tp[j], fp[j])
            for c in cands:
                pj = scores[:, j] >= c
                tpj = float((pj & (Y[:, j] == 1)).sum())
                fpj = float(pj.sum()) - tpj
                f = 2 * (TP + tpj) / max(1e-9, 2 * (TP + tpj) + FP + fpj + FN + pos[j] - tpj)
                if f > best[0] + 1e-12:
                    best = (f, float(c), tpj, fpj)
            _, t[j], tp[j], fp[j] = best
    return t


def _best_threshold(scores: np.ndarray, y: np.ndarray, floor: float = 0.05) -> float:
    if y.sum() == 0:
        return 1.01
    grid = np.unique(np.round(scores, 3))
    best_t, best_f = 0.5, -1.0
    pos = y.sum()
    for t in grid[grid >= floor]:
        pred = scores >= t
        tp = float((pred & (y == 1)).sum())
        fp = float(pred.sum()) - tp
        f = 2 * tp / (2 * tp + fp + (pos - tp)) if tp else 0.0
        if f > best_f:
            best_t, best_f = float(t), f
    return best_t
