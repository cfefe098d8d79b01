"""What the analyzers read of an article, shared by all of them: the article's own prose (title, headings,
paragraphs) and its sentences as the structure layer marked them, the regions that are not the author's
(disclaimers, source links, boilerplate), and URLs in the text.

Every range is an offset pair into ``doc.text``, read from :func:`narrascope.text.analysis_text` (so at
most its bounded prefix). Analyzers import these from here, never from a sibling analyzer.
"""

from __future__ import annotations

import regex

from ..model import Document
from ..text import Intervals, analysis_text
from ..text import sentences as split_sentences

# -- prose ----------------------------------------------------------------------------------------------


def body_ranges(doc: Document, labels: tuple[str, ...] = ("title", "heading", "paragraph")) -> list[tuple[int, int]]:
    """(start, end) of the prose paragraphs; the whole analysed text when there is no structure layer."""
    spans = doc.spans("structure")
    if not spans:
        return [(0, len(analysis_text(doc.text)))]
    return [(s.start, s.end) for s in spans if s.label in labels]


def excluded_ranges(doc: Document) -> list[tuple[int, int]]:
    """Regions that are not the article's own prose: disclaimers, source links, boilerplate."""
    return [(s.start, s.end) for s in doc.spans("structure") if s.label in ("disclaimer", "source_link", "boilerplate")]


def prose(doc: Document) -> tuple[str, list[tuple[int, int]]]:
    """The article's own prose (title, headings, paragraphs) joined by blank lines, and its ranges (read from
    :func:`~narrascope.text.analysis_text`, so at most its bounded prefix)."""
    text = analysis_text(doc.text)
    ranges = body_ranges(doc) or [(0, len(text))]
    return "\n\n".join(text[s:e] for s, e in ranges), ranges


def prose_sentences(doc: Document, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence offsets inside the prose ranges (the structure layer's, else split here)."""
    within = Intervals(ranges)  # by bisection: documents can have 20,000 ranges and as many sentences
    inside = [(s.start, s.end) for s in doc.spans("sentences") if within.covers(s.start, s.end)]
    if inside:
        return inside
    out: list[tuple[int, int]] = []
    text = analysis_text(doc.text)
    for a, b in ranges:
        out.extend(split_sentences(text, a, b))
    return out


# -- URLs -----------------------------------------------------------------------------------------------

URL_RE = regex.compile(
    r"""(?:https?://|www\.)[^\s<>"'«»“”()\[\]{}]+(?:\([^\s()]*\)[^\s<>"'«»“”()\[\]{}]*)*""",
    regex.IGNORECASE,
)
_TRAILING_URL_PUNCT = ".,;:!?…'\"»”’)"


def clean_url_end(text: str, start: int, end: int) -> int:
    """Drop sentence punctuation glued to the end of a URL."""
    while end > start and text[end - 1] in _TRAILING_URL_PUNCT:
        end -= 1
    return end
