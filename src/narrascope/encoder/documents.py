"""One encoder pass per document, shared by every head that reads it.

:func:`document_states` hands out a :class:`DocumentStates` per (encoder, text), kept in a small LRU keyed by
a hash of the text: the roles and check-worthiness heads ask for the windows they need, the technique and
narrative heads for every token's state (:meth:`DocumentStates.token_states`, each token from the window
where it is most central); the windows not yet encoded are encoded in one batch, and a window encoded for one
head is reused by the next. Windows are :mod:`narrascope.encoder.windows`' (the same function training used).

Bounded work: only the first ``max_windows`` windows of a document are ever encoded (400 windows of 256
tokens, ~90,000 tokens: 60 long articles' worth, ~20 s on 2 cores); a unit past them is reported as not
encodable (:meth:`DocumentStates.encodable`) and its head falls back to the linear model.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np

from .windows import STRIDE, WINDOW, Unit, Windows, make_windows, tokenize

__all__ = ["MAX_WINDOWS", "DocumentStates", "document_states"]

MAX_WINDOWS = 400
LRU_SIZE = 4  # documents kept; the analyzers of one document run back to back
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


class DocumentStates:
    """The windows of one text and the token states of those encoded so far."""

    def __init__(self, encoder, text: str, window: int = WINDOW, stride: int = STRIDE,
                 max_windows: int = MAX_WINDOWS):
        self.encoder = encoder
        self.text = text
        self.windows: Windows = make_windows(encoder.tokenizer, tokenize(encoder.tokenizer, text), window, stride)
        self.max_windows = max_windows
        self._states: dict[int, np.ndarray] = {}
        self._token_states: tuple[np.ndarray, np.ndarray] | None = None
        self.passes = 0  # encoder calls made for this document (for tests and benches)

    def encodable(self, unit: Unit) -> bool:
        return unit.window < self.max_windows

    def states(self, which: Iterable[int]) -> dict[int, np.ndarray]:
        """Token states ``(len, H)`` of the given windows, encoding the missing ones in one batch."""
        want = sorted({w for w in which if w < self.max_windows})
        missing = [w for w in want if w not in self._states]
        if missing:
            out = self.encoder.encode(self.windows.sequences(missing))
            for k, w in enumerate(missing):
                n = int(out.mask[k].sum())
                self._states[w] = out.states[k, :n]
            self.passes += 1
        return {w: self._states[w] for w in want}

    def token_states(self) -> tuple[np.ndarray, np.ndarray]:
        """Every content token's state, read from the window where it is most central
        (:meth:`Windows.owner`), and which tokens lie within the first ``max_windows`` windows:
        ``(states (n, H) float32, encodable (n,) bool)``. Token-level heads (technique spans) read these;
        the states of a token past the window budget are zeros."""
        if self._token_states is not None:  # the heads of one document ask in turn: assembled once
            return self._token_states
        w = self.windows
        n = len(w.tokens.ids)
        out = np.zeros((n, self.encoder.config.hidden), dtype=np.float32)
        if n == 0:
            return out, np.zeros(0, dtype=bool)
        owner = w.owner()
        states = self.states(range(min(len(w), self.max_windows)))
        for k, s in states.items():
            rows = np.flatnonzero(owner == k)
            if len(rows):
                out[rows] = s[rows - w.runs[k][0] + w.head]
        self._token_states = (out, owner < self.max_windows)
        return self._token_states

    def pooled(self, units: Sequence[Unit]) -> np.ndarray:
        """Mean token state of each unit ``(n, H)`` (zeros for a unit past ``max_windows``)."""
        states = self.states(u.window for u in units)
        out = np.zeros((len(units), self.encoder.config.hidden), dtype=np.float32)
        for i, u in enumerate(units):
            s = states.get(u.window)
            if s is not None:
                out[i] = s[u.lo:u.hi].mean(axis=0)
        return out


def document_states(encoder, text: str, **options) -> DocumentStates:
    """The shared :class:`DocumentStates` of ``text`` under ``encoder`` (made on first request)."""
    key = (id(encoder), hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(),
           tuple(sorted(options.items())))
    with _lock:
        doc = _cache.get(key)
        if doc is not None and doc.encoder is encoder:
            _cache.move_to_end(key)
            return doc
    doc = DocumentStates(encoder, text, **options)
    with _lock:
        _cache[key] = doc
        while len(_cache) > LRU_SIZE:
            _cache.popitem(last=False)
    return doc
