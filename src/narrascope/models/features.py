"""Text features shared by the models: hashed n-gram counts, min-df/idf statistics, sublinear tf-idf.

Hashing keeps saved models free of any training text (no vocabulary is stored, only weights).

Bounded memory: scikit-learn's hashing vectorizers hold every n-gram of a call at once (~330 MB per million
characters for word + char counts; a 4.5 MB line ended in MemoryError). :func:`bounded_transform` hashes at
most :data:`FEATURE_PIECE_CHARS` characters per call, cutting a longer text at spaces and summing its pieces'
counts. The analyzers never pass that much (their input is bounded by ``narrascope.text.analysis_text``), so
for them it is one call, as before; the bound protects direct callers.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# Words of two or more characters; Devanagari vowel signs count as word characters (Hindi).
TOKEN_PATTERN = r"(?u)[\w\u0900-\u0963\u0966-\u097f]{2,}"


def hashed_ngrams(analyzer: str, ngram_range: tuple[int, int], n_features: int, token_pattern: str = TOKEN_PATTERN):
    """A stateless HashingVectorizer giving raw counts (weighting is done by ``fit_idf``)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer=analyzer, ngram_range=ngram_range, token_pattern=token_pattern,
                             n_features=n_features, alternate_sign=False, norm=None, lowercase=True, dtype=np.float64)


def fit_idf(X: sp.csr_matrix, min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns seen in at least ``min_df`` rows, and their sublinear-tf idf weights."""
    from sklearn.feature_extraction.text import TfidfTransformer

    df = np.bincount(X.indices, minlength=X.shape[1])
    columns = np.flatnonzero(df >= min_df).astype(np.int32)
    idf = TfidfTransformer(sublinear_tf=True).fit(X[:, columns]).idf_.astype(np.float32)
    return columns, idf


def select_columns(X: sp.csr_matrix, columns: np.ndarray) -> sp.csr_matrix:
    """``X[:, columns]`` as float64 CSR (``columns`` sorted), by index remapping: much faster than fancy
    indexing on a matrix with millions of hashed columns."""
    lookup = np.full(X.shape[1], -1, dtype=np.int64)
    lookup[columns] = np.arange(len(columns))
    X = X.tocsr()
    new = lookup[X.indices]
    keep = new >= 0
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    counts = np.bincount(rows[keep], minlength=X.shape[0])
    indptr = np.concatenate([[0], np.cumsum(counts)])
    out = sp.csr_matrix((X.data[keep].astype(np.float64), new[keep], indptr), shape=(X.shape[0], len(columns)))
    out.sort_indices()
    return out


def sublinear_tfidf(X: sp.csr_matrix, columns: np.ndarray, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf-idf (1 + log tf) of the kept ``columns`` (from :func:`fit_idf`), L2-normalised rows."""
    Xs = select_columns(X, columns)
    np.log(Xs.data, out=Xs.data)
    Xs.data += 1.0
    Xs.data *= idf.astype(np.float64)[Xs.indices]
    norms = np.sqrt(np.asarray(Xs.multiply(Xs).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ Xs)


# Above what an analyzer ever passes in one text (analysed prose: 300,000 characters, plus a blank line between
# each of up to 20,000 paragraphs); ~170 MB of n-grams at a time.
FEATURE_PIECE_CHARS = 500_000


def bounded_transform(vectorizer, texts) -> sp.csr_matrix:
    """``vectorizer.transform(texts)`` (a stateless hashing vectorizer: counts add up over pieces of a text),
    hashing at most :data:`FEATURE_PIECE_CHARS` characters per call. A text longer than that is cut at spaces
    (hard, where it has none) and its row is the sum of its pieces' (only the word bigram across a cut is
    lost); shorter texts are hashed whole, in batches, so their rows are exactly those of a single call."""
    from ..text import units

    texts = list(texts)
    if sum(map(len, texts)) <= FEATURE_PIECE_CHARS:
        return vectorizer.transform(texts).tocsr()
    pieces: list[str] = []
    owner: list[int] = []
    for i, t in enumerate(texts):
        parts = [t] if len(t) <= FEATURE_PIECE_CHARS else [t[a:b] for a, b in units(t, 0, len(t), FEATURE_PIECE_CHARS)]
        pieces.extend(parts or [""])
        owner.extend([i] * len(parts or [""]))
    blocks, start, size = [], 0, 0
    for k, piece in enumerate(pieces):
        if k > start and size + len(piece) > FEATURE_PIECE_CHARS:
            blocks.append(vectorizer.transform(pieces[start:k]))
            start, size = k, 0
        size += len(piece)
    blocks.append(vectorizer.transform(pieces[start:]))
    X = sp.vstack(blocks, format="csr")
    if len(pieces) == len(texts):
        return X
    S = sp.csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))), shape=(len(texts), len(pieces)))
    return sp.csr_matrix(S @ X)


def word_char_counts(texts, n_features: int) -> sp.csr_matrix:
    """Hashed counts of word 1-2-grams then char_wb 2-5-grams (``2 * n_features`` columns, stateless), in
    bounded memory (:func:`bounded_transform`)."""
    texts = list(texts)
    word = hashed_ngrams("word", (1, 2), n_features)
    char = hashed_ngrams("char_wb", (2, 5), n_features)
    return sp.hstack([bounded_transform(word, texts), bounded_transform(char, texts)], format="csr")
