"""Text features shared by the fast models: hashed n-gram counts and min-df/idf statistics.

Hashing keeps saved models free of any training text (no vocabulary is stored, only weights).
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
