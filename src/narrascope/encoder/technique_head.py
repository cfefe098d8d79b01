"""Persuasion-technique spans from the shared encoder's token states, at run time (numpy, no torch).

The head (trained by :mod:`narrascope.encoder.head_training` on SemEval-2023 EN+RU and PTC spans) reads every
token of a paragraph as ``[token state ; mean state of the paragraph]`` and gives one probability per
technique and token. From those, :func:`decode_spans`:

1. a technique is found in a paragraph when its strongest token reaches the technique's threshold (chosen by
   cross-validation on the training articles for paragraph micro-F1): the paragraph's labels are derived
   from its spans, never decided apart from them;
2. each span is a run of tokens scoring at least ``run_ratio`` × the threshold (gaps of up to ``gap`` tokens
   bridged), cut at sentence ends; the strongest run decides, a further run of the same technique in the
   paragraph is a span when its peak reaches ``extra_factor`` × the threshold (both chosen by cross-validated
   span F1); a technique annotated on whole clauses in the training data (median gold span of at least
   ``clause_words`` words, chosen by cross-validation) is shown as the sentence holding its run;
3. a span is a phrase on word boundaries: widened to whole words, then stripped of leading and trailing
   function words and punctuation (``data/function_words.json``); a run of function words only is widened to
   the nearest content word in its paragraph, and dropped when there is none.

Every span keeps its score (the run's peak probability), the threshold and a reason.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import regex

from ..models.training import sigmoid

__all__ = ["TechniqueHeads", "decode_spans", "function_words", "tagger_proba"]

_WORD = regex.compile(r"\w+(?:['’]\w+)*")
MAX_WIDEN_WORDS = 3  # a function-word-only run borrows at most this many words to reach a content word


@functools.lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """Function words of every language in ``data/function_words.json``, lower-cased."""
    from ..resources import load_json

    data = load_json("function_words.json")
    return frozenset(w.lower() for k, words in data.items() if not k.startswith("_") for w in words)


def _content(word: str, fw: frozenset[str]) -> bool:
    return word.lower() not in fw and any(ch.isalpha() for ch in word)


def _runs(mask: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Inclusive ``(first, last)`` index runs of True, bridging up to ``gap`` False between them."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return []
    out = [[int(idx[0]), int(idx[0])]]
    for i in idx[1:]:
        if i - out[-1][1] - 1 <= gap:
            out[-1][1] = int(i)
        else:
            out.append([int(i), int(i)])
    return [(a, b) for a, b in out]


def phrase(text: str, start: int, end: int, lo: int, hi: int, fw: frozenset[str] | None = None) -> tuple[int, int] | None:
    """``[start, end)`` as a phrase on word boundaries inside ``[lo, hi)``: widened to whole words, leading and
    trailing function words and punctuation stripped; a stretch without a content word takes the nearest one
    (within ``MAX_WIDEN_WORDS`` words); None when there is none."""
    fw = function_words() if fw is None else fw
    words = [(m.start() + lo, m.end() + lo, m.group()) for m in _WORD.finditer(text[lo:hi])]
    if not words:
        return None
    inside = [k for k, (a, b, _) in enumerate(words) if a < end and b > start]
    if not inside:
        after = [k for k, (a, _, _) in enumerate(words) if a >= end]
        inside = [after[0]] if after else [len(words) - 1]
    i, j = inside[0], inside[-1]
    while i <= j and not _content(words[i][2], fw):
        i += 1
    while j >= i and not _content(words[j][2], fw):
        j -= 1
    if i > j:  # only function words: the nearest content word on either side
        left = next((k for k in range(inside[0] - 1, max(-1, inside[0] - 1 - MAX_WIDEN_WORDS), -1)
                     if _content(words[k][2], fw)), None)
        right = next((k for k in range(inside[-1] + 1, min(len(words), inside[-1] + 1 + MAX_WIDEN_WORDS))
                      if _content(words[k][2], fw)), None)
        if right is not None and (left is None or right - inside[-1] <= inside[0] - left):
            i, j = inside[0], right
        elif left is not None:
            i, j = left, inside[-1]
        else:
            return None
        while not _content(words[i][2], fw):
            i += 1
        while not _content(words[j][2], fw):
            j -= 1
    return words[i][0], words[j][1]


def _sentence_pieces(a: int, b: int, offsets: np.ndarray, sentence_ends: Sequence[int]) -> list[tuple[int, int]]:
    """Token run ``[a, b]`` (inclusive) cut where a sentence ends: a span never crosses sentences."""
    out, start = [], a
    for i in range(a + 1, b + 1):
        k = bisect.bisect_right(sentence_ends, int(offsets[i - 1, 1]) - 1)
        if k < len(sentence_ends) and sentence_ends[k] <= offsets[i, 0]:
            out.append((start, i - 1))
            start = i
    out.append((start, b))
    return out


def decode_spans(text: str, offsets: np.ndarray, probs: np.ndarray, thresholds: np.ndarray, run_ratio: float,
                 extra_factor: float = 1.0, gap: int = 2, bounds: tuple[int, int] | None = None,
                 sentences: Sequence[tuple[int, int]] | None = None,
                 clause_level: frozenset[int] = frozenset()) -> list[tuple[int, int, int, float]]:
    """Spans ``(technique index, start, end, score)`` of one paragraph from its tokens' character ``offsets``
    ``(n, 2)`` and probabilities ``(n, T)``; ``bounds``: the paragraph's characters (default: its tokens');
    ``sentences``: its sentences (a span never crosses one's end). The strongest span of a technique decides
    the paragraph's label; a further span needs ``extra_factor`` × the threshold. A technique in
    ``clause_level`` (one annotated on whole clauses, such as Doubt) is shown as the sentence holding its run."""
    if not len(offsets):
        return []
    lo, hi = bounds if bounds is not None else (int(offsets[0, 0]), int(offsets[-1, 1]))
    ends = sorted(e for _, e in sentences) if sentences else []
    fw = function_words()
    best: dict[tuple[int, int, int], float] = {}
    for j in np.flatnonzero(probs.max(axis=0) >= thresholds):
        p = probs[:, j]
        runs = []
        for a, b in _runs(p >= thresholds[j] * run_ratio, gap):
            runs.extend(_sentence_pieces(a, b, offsets, ends) if ends else [(a, b)])
        scored = sorted(((float(p[a:b + 1].max()), a, b) for a, b in runs), reverse=True)
        for rank, (score, a, b) in enumerate(scored):
            if score < thresholds[j] * (1.0 if rank == 0 else extra_factor):
                continue
            s, e = int(offsets[a, 0]), int(offsets[b, 1])
            if j in clause_level and sentences:
                k = bisect.bisect_right(ends, s)  # the sentence holding the run's start
                if k < len(ends):
                    holder = next(((x, y) for x, y in sentences if y == ends[k]), None)
                    if holder is not None:
                        s, e = max(lo, holder[0]), min(hi, max(e, holder[1]))
            span = phrase(text, s, e, lo, hi, fw)
            if span is None:
                continue
            key = (int(j), *span)
            best[key] = max(score, best.get(key, 0.0))
    return [(j, s, e, sc) for (j, s, e), sc in sorted(best.items(), key=lambda kv: (kv[0][1], kv[0][0]))]


def tagger_proba(layers: Sequence[dict], states: np.ndarray, neighbours: int = 0) -> np.ndarray:
    """Token probabilities ``(n, T)`` of one paragraph's token states ``(n, H)``: each token read as
    ``[its state ; the paragraph's mean state]``, with ``neighbours`` = 1 also the previous and next tokens'
    states (zeros past the paragraph's ends), as :class:`narrascope.encoder.head_training.TokenTagger`."""
    from .heads import mlp

    if not len(states):
        return np.zeros((0, len(layers[-1]["b"])), np.float32)
    x = np.asarray(states, np.float32)
    parts = [x, np.broadcast_to(x.mean(axis=0, keepdims=True), x.shape)]
    if neighbours:
        zero = np.zeros((1, x.shape[1]), np.float32)
        parts += [np.vstack([zero, x[:-1]]), np.vstack([x[1:], zero])]
    return sigmoid(mlp(np.hstack(parts), layers))


class TechniqueHeads:
    """Technique spans and paragraph labels from the shared encoder (one pass per window, shared with the other
    heads)."""

    reads_context = True

    def __init__(self, heads, state: dict[str, Any]):
        self.heads = heads
        self.layers = state["layers"]
        self.labels = list(state["labels"])
        self.thresholds_ = np.asarray(state["thresholds"], dtype=np.float64)
        self.run_ratio = float(state["run_ratio"])
        self.extra_factor = float(state.get("extra_factor", 1.0))
        self.gap = int(state.get("gap", 2))
        self.clause_level = frozenset(int(j) for j in state.get("clause_level", []))
        self.neighbours = int((state.get("fit") or {}).get("neighbours", 0))

    def find(self, text: str, ranges: Sequence[tuple[int, int]]) -> tuple[list[dict], list[int]]:
        """Spans in paragraphs ``ranges`` (character ranges of ``text``): ``[{"label", "start", "end", "score",
        "threshold", "paragraph"}]``, and the indices of paragraphs past the document's window budget (not
        read here: the caller's fallback)."""
        from ..text import sentences
        from .head_data import token_range

        doc = self.heads.document(text)
        states, encodable = doc.token_states()
        offsets = doc.windows.tokens.offsets
        found, skipped = [], []
        for k, (a, b) in enumerate(ranges):
            ta, tb = token_range(offsets, a, b)
            if tb <= ta:
                continue
            if not encodable[ta:tb].all():
                skipped.append(k)
                continue
            probs = tagger_proba(self.layers, states[ta:tb], self.neighbours)
            for j, s, e, score in decode_spans(text, offsets[ta:tb], probs, self.thresholds_, self.run_ratio,
                                               self.extra_factor, self.gap, (a, b), sentences(text, a, b),
                                               self.clause_level):
                found.append({"label": self.labels[j], "start": s, "end": e, "score": score,
                              "threshold": float(self.thresholds_[j]), "paragraph": k})
        return found, skipped

    def paragraph_labels(self, text: str, ranges: Sequence[tuple[int, int]]) -> list[list[str]]:
        """The techniques of each paragraph, derived from its spans (SemEval-2023 subtask 3's view)."""
        found, _ = self.find(text, ranges)
        out: list[set[str]] = [set() for _ in ranges]
        for f in found:
            out[f["paragraph"]].add(f["label"])
        return [sorted(s) for s in out]
