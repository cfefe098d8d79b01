"""spaCy's tokens as plain lists of offsets and texts (fast to index, no Token objects), the bounded pieces
the NER reads, and the ranges already taken by mentions.
"""

from __future__ import annotations

import re
from typing import Any

from ...text import Intervals, token_end

_SENT_BREAK = re.compile(r"^[.!?…:;\"“”«»()\[\]]+$")


class Tokens:
    """Plain lists of the spaCy tokens' offsets and texts (fast to index)."""

    __slots__ = ("start", "end", "text", "n", "_source")

    def __init__(self, text: str) -> None:
        self.start: list[int] = []
        self.end: list[int] = []
        self.text: list[str] = []
        self.n = 0
        self._source = text

    def extend(self, sdoc: Any, offset: int) -> int:
        """Append a spaCy doc's tokens (for text starting at ``offset``); returns the token offset."""
        from spacy.attrs import IDX, LENGTH  # no Token objects: to_array is much faster

        base = self.n
        if len(sdoc):
            text = self._source
            for a, b in sdoc.to_array([IDX, LENGTH]).tolist():
                a += offset
                self.start.append(a)
                self.end.append(a + b)
                self.text.append(text[a : a + b])
        self.n = len(self.text)
        return base

    def at(self, i: int) -> str:
        return self.text[i] if 0 <= i < self.n else ""

    def prev_index(self, i: int) -> int:
        j = i - 1
        while j >= 0 and self.text[j].isspace():
            j -= 1
        return j

    def next_index(self, i: int) -> int:
        j = i
        while j < self.n and self.text[j].isspace():
            j += 1
        return j

    def sentence_initial(self, i: int, text: str) -> bool:
        j = self.prev_index(i)
        if j < 0:
            return True
        if _SENT_BREAK.match(self.text[j]):
            return True
        return "\n" in text[self.end[j] : self.start[i]]


def is_cap(tok: str) -> bool:
    """Starts with a capital and has a letter."""
    return bool(tok) and tok[0].isupper() and any(c.isalpha() for c in tok)


def nlp_pieces(text: str, size: int, max_tokens: int) -> list[tuple[int, int]]:
    """Split long texts at paragraph (else line, else space) breaks into pieces of about ``size``
    characters and at most ``max_tokens`` tokens (:func:`narrascope.text.token_end`), so that spaCy's memory
    stays bounded: it grows with tokens, and punctuation-dense text has one per character. One piece for
    ordinary articles."""
    if len(text) <= size and token_end(text, 0, max_tokens) >= len(text):
        return [(0, len(text))]
    out = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size, token_end(text, start, max_tokens))
        if end < len(text):
            cut = -1
            half = start + (end - start) // 2
            for sep in ("\n\n", "\n", ". ", " "):
                cut = text.rfind(sep, half, end)
                if cut != -1:
                    end = cut + len(sep)
                    break
        out.append((start, end))
        start = end
    return out


class Occupancy(Intervals):
    """The (start, end) of mentions found so far: does a candidate overlap one, does one start at a position."""

    def __init__(self, mentions) -> None:
        super().__init__((m.start, m.end) for m in mentions)
        self.start_set = set(self.starts)

    def starts_at(self, pos: int) -> bool:
        return pos in self.start_set
