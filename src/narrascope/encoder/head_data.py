"""Training examples of the heads that read the *frozen* shared encoder: technique spans and narratives.

No torch here. Both read token states from :class:`~narrascope.encoder.state_cache.StateCache` (the artifact's
encoder over the whole training text, each token from the window where it is most central: exactly what
:meth:`~narrascope.encoder.documents.DocumentStates.token_states` gives at run time).

* techniques (:func:`technique_units`): SemEval-2023 Task 3 subtask 3 *training* articles (EN, RU; PTC spans
  where an English article has no 2023 span file, as :func:`narrascope.tasks.semeval2023.data.load_training`
  reads them). One unit per non-blank line (a paragraph, the title included): its tokens, token targets
  (token overlaps a gold span of the technique) and paragraph targets (the official paragraph labels). Where
  a paragraph is labelled with a technique but none of its tokens is (an article without span files, a PTC
  class that maps to several techniques), that technique's token targets are masked in that paragraph rather
  than taught as negatives.
* narratives (:func:`narrative_features`): SemEval-2025 Task 10 *training* documents with subtask-2 labels,
  all five languages: :func:`document_features` of their token states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .heads import language_onehot

__all__ = ["LEAD_TOKENS", "TechniqueUnits", "document_features", "technique_units", "token_range"]

LEAD_TOKENS = 64  # the title and lead: the first content tokens, pooled apart from the whole text


def token_range(offsets: np.ndarray, start: int, end: int) -> tuple[int, int]:
    """Tokens ``[a, b)`` whose characters overlap ``[start, end)`` (offsets sorted, end exclusive)."""
    if not len(offsets):
        return 0, 0
    a = int(np.searchsorted(offsets[:, 1], start, side="right"))
    b = int(np.searchsorted(offsets[:, 0], end, side="left"))
    return a, max(a, b)


def document_features(states: np.ndarray, ranges: Sequence[tuple[int, int]] | None, language: str | None,
                      chunk_max: int = 0) -> np.ndarray:
    """A document's narrative features: ``[mean of its tokens ; mean of its first LEAD_TOKENS tokens ;
    (with ``chunk_max`` = k: the element-wise maximum of the means of its consecutive k-token chunks ;)
    language one-hot]`` over the tokens of ``ranges`` (token index ranges; None: all). Zeros for no tokens."""
    H = states.shape[1] if states.ndim == 2 else 384
    if ranges is None:
        rows = states
    else:
        idx = np.concatenate([np.arange(a, b) for a, b in ranges]) if ranges else np.zeros(0, np.int64)
        rows = states[idx]
    rows = np.asarray(rows, dtype=np.float32)
    whole = rows.mean(axis=0) if len(rows) else np.zeros(H, np.float32)
    lead = rows[:LEAD_TOKENS].mean(axis=0) if len(rows) else np.zeros(H, np.float32)
    parts = [whole, lead]
    if chunk_max:  # the passage that pushes hardest, which a whole-document mean dilutes
        means = [rows[i:i + chunk_max].mean(axis=0) for i in range(0, len(rows), chunk_max)]
        parts.append(np.max(means, axis=0) if means else np.zeros(H, np.float32))
    return np.concatenate(parts + [language_onehot([language])[0]]).astype(np.float32)


@dataclass
class TechniqueUnits:
    """Paragraph units of the technique training articles, token states concatenated."""

    labels: list[str]
    states: list[np.ndarray] = field(default_factory=list)  # per article (n, H) float16
    offsets: list[np.ndarray] = field(default_factory=list)  # per article (n, 2)
    article: list[int] = field(default_factory=list)  # per unit: article index
    tokens: list[tuple[int, int]] = field(default_factory=list)  # per unit: token range in its article
    chars: list[tuple[int, int]] = field(default_factory=list)  # per unit: character range in its article
    token_y: list[np.ndarray] = field(default_factory=list)  # per unit (len, T) int8: 1 in a span, 0 not, -1 masked
    para_y: list[np.ndarray] = field(default_factory=list)  # per unit (T,) int8
    language: list[str] = field(default_factory=list)  # per unit
    article_ids: list[str] = field(default_factory=list)  # per article "lang:id"
    article_texts: list[str] = field(default_factory=list)
    article_keys: list[str] = field(default_factory=list)  # per article: text key (duplicates share a fold)
    article_language: list[str] = field(default_factory=list)
    article_spans: list[list[tuple[str, int, int]]] = field(default_factory=list)
    article_has_spans: list[bool] = field(default_factory=list)
    article_lines: list[list[int]] = field(default_factory=list)  # per article: its units' line numbers

    def __len__(self) -> int:
        return len(self.tokens)

    def unit_states(self, i: int) -> np.ndarray:
        a, b = self.tokens[i]
        return self.states[self.article[i]][a:b]


def technique_units(articles: Sequence, cache, labels: Sequence[str], max_tokens: int = 512) -> TechniqueUnits:
    """Units of ``articles`` (:class:`narrascope.tasks.semeval2023.data.Article`) with states from ``cache``
    (a :class:`~narrascope.encoder.state_cache.StateCache`). A paragraph longer than ``max_tokens`` tokens is
    cut into pieces, each a unit with the paragraph's labels masked where it holds no span of them."""
    from ..models.training import text_key

    index = {lab: j for j, lab in enumerate(labels)}
    out = TechniqueUnits(list(labels))
    T = len(labels)
    for art in articles:
        st = cache.get(art.text)
        k = len(out.states)
        out.states.append(st.states)
        out.offsets.append(st.offsets)
        out.article_ids.append(f"{art.lang}:{art.id}")
        out.article_texts.append(art.text)
        out.article_keys.append(text_key(art.text))
        out.article_language.append(art.lang)
        spans = [(lab, s, e) for lab, s, e in art.spans if lab in index]
        out.article_spans.append(spans)
        out.article_has_spans.append(bool(spans))
        out.article_lines.append([])
        tok_spans = [(index[lab], *token_range(st.offsets, s, e)) for lab, s, e in spans]
        for number, start, end in art.lines():
            a, b = token_range(st.offsets, start, end)
            if b <= a:
                continue
            y = np.zeros((b - a, T), dtype=np.int8)
            for j, ta, tb in tok_spans:
                lo, hi = max(a, ta), min(b, tb)
                if hi > lo:
                    y[lo - a:hi - a, j] = 1
            py = np.zeros(T, dtype=np.int8)
            for lab in art.paragraph_labels.get(number, ()):
                if lab in index:
                    py[index[lab]] = 1
            for piece in range(a, b, max_tokens):
                pa, pb = piece, min(b, piece + max_tokens)
                yy = y[pa - a:pb - a].copy()
                # labelled paragraph, no labelled token here: unknown where, so neither taught as 0 nor 1
                unknown = (py == 1) & (yy.max(axis=0) < 1)
                yy[:, unknown] = -1
                out.article.append(k)
                out.tokens.append((pa, pb))
                out.chars.append((int(st.offsets[pa, 0]), int(st.offsets[pb - 1, 1])))
                out.token_y.append(yy)
                out.para_y.append(py if b - a <= max_tokens else np.where(yy.max(axis=0) > 0, 1, 0).astype(np.int8))
                out.language.append(art.lang)
                out.article_lines[k].append(number)
    return out
