"""The shared encoder's token states of training documents, computed once and kept on disk (no torch here).

Heads trained on the *frozen* shared encoder (technique spans, narratives) read exactly what run time reads:
:meth:`narrascope.encoder.documents.DocumentStates.token_states` of the artifact's encoder (onnxruntime, the
same windows). Encoding the training articles is the expensive part (~0.1 s per 256-token window on
2 cores), so each document's states are written once, as float16, to
``<train cache>/states-<encoder key>/<text hash>.npz`` and read back on every later run: a run that stops
resumes where it left off, and cross-validation, the final fit and later experiments never encode twice.

The cache lives outside the repository (``$XDG_CACHE_HOME/narrascope/train``); nothing here is packaged.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["DocumentTokenStates", "StateCache"]


class DocumentTokenStates(NamedTuple):
    """One document's content tokens: ``states`` ``(n, H)`` float16, ``offsets`` ``(n, 2)`` character spans."""

    states: np.ndarray
    offsets: np.ndarray


def _train_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "narrascope" / "train"


class StateCache:
    """Token states of documents under one encoder (an :class:`~narrascope.encoder.heads.EncoderHeads`)."""

    def __init__(self, heads, directory: str | os.PathLike | None = None):
        self.heads = heads
        h = hashlib.blake2b(digest_size=10)
        for name, d in sorted(heads.deltas().items()):
            h.update(name.encode())
            h.update(np.ascontiguousarray(d, np.float32).tobytes())
        h.update(f"{heads.window}/{heads.stride}".encode())
        self.directory = Path(directory) if directory else _train_cache() / f"states-{h.hexdigest()}"

    def _path(self, text: str) -> Path:
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        return self.directory / key[:2] / f"{key}.npz"

    def get(self, text: str) -> DocumentTokenStates:
        """The states of ``text``, encoding and storing them first when absent."""
        path = self._path(text)
        if path.is_file():
            with np.load(path) as z:
                return DocumentTokenStates(z["states"], z["offsets"])
        doc = self.heads.document(text)
        states, _ = doc.token_states()
        out = DocumentTokenStates(states.astype(np.float16), doc.windows.tokens.offsets.astype(np.int32))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".writing-", suffix=".npz", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, states=out.states, offsets=out.offsets)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return out

    def missing(self, texts: Sequence[str]) -> list[int]:
        return [i for i, t in enumerate(texts) if not self._path(t).is_file()]

    def fill(self, texts: Sequence[str], description: str = "encoding",
             say: Callable[[str], None] = print, deadline: float | None = None) -> bool:
        """Encode every text not cached yet, with a progress bar; False when ``deadline`` (``time.monotonic``)
        came first (run again to continue)."""
        import time

        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        todo = self.missing(texts)
        if not todo:
            return True
        say(f"{description}: {len(todo)} of {len(texts)} documents to encode into {self.directory}")
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeRemainingColumn()) as bar:
            task = bar.add_task(description, total=len(todo))
            for i in todo:
                if deadline is not None and time.monotonic() > deadline:
                    return False
                self.get(texts[i])
                bar.advance(task)
        return True
