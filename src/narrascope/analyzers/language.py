"""Language of the document and of each paragraph (lingua, offline n-gram models).

Short lines ("Author:", a name) carry too little signal for any detector; they inherit the
document's language and say so (``attrs.inherited``) instead of getting a confident wrong label.

Bounded work: the detector only ever sees samples. A paragraph is judged on its first ``SAMPLE_CHARS``
characters; at most ``MAX_DETECTED`` paragraphs are judged (evenly spread over the document when it has
more; the others inherit the document's language); a document without any paragraph long enough is judged
once, on its first ``FALLBACK_SAMPLE_CHARS`` characters. So detection costs at most ``MAX_DETECTED`` + 1
detector calls on a few hundred characters each, whatever the length and layout of the text; the rest is
linear in the analysed text (:func:`narrascope.text.analysis_text`).
"""

from __future__ import annotations

import functools
from collections import Counter

from ..model import Document
from ..pipeline import register_analyzer
from ..text import analysis_text
from .base import Analyzer
from .prose import body_ranges

# Languages a disinformation desk meets most; lingua only tells apart the ones it is given,
# and a smaller set is faster and less error-prone than all 75.
LANGUAGES = (
    "ENGLISH RUSSIAN UKRAINIAN BELARUSIAN BULGARIAN SERBIAN MACEDONIAN KAZAKH CHINESE JAPANESE KOREAN "
    "HINDI URDU ARABIC PERSIAN TURKISH AZERBAIJANI ARMENIAN GEORGIAN HEBREW GERMAN FRENCH SPANISH "
    "PORTUGUESE ITALIAN DUTCH POLISH CZECH SLOVAK SLOVENE CROATIAN BOSNIAN ROMANIAN HUNGARIAN GREEK "
    "LITHUANIAN LATVIAN ESTONIAN FINNISH SWEDISH DANISH BOKMAL"
).split()

MIN_WORDS = 5  # below this a paragraph inherits the document language
MIN_CHARS = 25
# n-gram language models stop gaining accuracy after a few hundred characters, while their cost
# grows with length: a paragraph is judged on its first SAMPLE_CHARS characters.
SAMPLE_CHARS = 400
# An article has tens of paragraphs; judging more than this many adds cost, not information.
MAX_DETECTED = 300
FALLBACK_SAMPLE_CHARS = 2_000


def _sample(text: str, size: int = SAMPLE_CHARS) -> str:
    if len(text) <= size:
        return text
    cut = text.rfind(" ", 0, size)
    return text[: cut if cut > size // 2 else size]


def _spread(items: list[int], k: int) -> list[int]:
    """At most ``k`` of ``items``, evenly spread (all of them when there are no more than ``k``)."""
    if len(items) <= k:
        return items
    return [items[(j * len(items)) // k] for j in range(k)]


@functools.cache
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in LANGUAGES if hasattr(Language, name)]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


@functools.cache
def _detector_without(excluded: str):
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in LANGUAGES if hasattr(Language, name) and name != excluded]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


# lingua's unique-character rule sends Cyrillic text with "і" but no "ї/є/ґ" to Kazakh with
# certainty (seen on plain Ukrainian sentences). Real Kazakh almost always has its own letters.
_KAZAKH_LETTERS = set("әғқңөұүһӘҒҚҢӨҰҮҺ")


def _second_opinion(text: str, values):
    top = values[0].language.name if values else ""
    if top == "KAZAKH" and not _KAZAKH_LETTERS.intersection(text):
        return _detector_without("KAZAKH").compute_language_confidence_values(text)
    return values


def iso_code(language) -> str:
    return language.iso_code_639_1.name.lower()


def _long_enough(s: str) -> bool:
    # CJK text has no spaces; count characters instead of words for it.
    return len(s) >= MIN_CHARS and (len(s.split()) >= MIN_WORDS or sum(ord(c) > 0x2E80 for c in s) >= 10)


@register_analyzer("language")
class LanguageAnalyzer(Analyzer):
    name = "language"
    produces = ("language",)
    version = "1"

    def setup(self) -> None:
        _detector()

    def __call__(self, doc: Document) -> Document:
        detector = _detector()
        ranges = body_ranges(doc)
        text = analysis_text(doc.text)
        texts = [text[s:e] for s, e in ranges]
        long_idx = _spread([i for i, t in enumerate(texts) if _long_enough(t)], MAX_DETECTED)
        results: dict[int, tuple[str, float]] = {}
        if long_idx:
            # serial: lingua's thread pool only adds contention when the pipeline already runs one process per core
            confidences = [detector.compute_language_confidence_values(_sample(texts[i])) for i in long_idx]
            for i, values in zip(long_idx, confidences):
                values = _second_opinion(_sample(texts[i]), values)
                if values and values[0].value > 0:
                    results[i] = (iso_code(values[0].language), round(values[0].value, 4))

        weights: Counter[str] = Counter()
        for i, (lang, _) in results.items():
            weights[lang] += len(texts[i])
        if weights:
            doc_lang = weights.most_common(1)[0][0]
            share = weights[doc_lang] / sum(weights.values())
        else:
            # Nothing long enough: try the whole text once (its start: a sample, like every other call).
            whole = _sample(" ".join(texts).strip(), FALLBACK_SAMPLE_CHARS)
            lang = detector.detect_language_of(whole) if whole else None
            doc_lang, share = (iso_code(lang), 0.5) if lang else ("und", 0.0)

        for i, (s, e) in enumerate(ranges):
            if i in results:
                lang, score = results[i]
                doc.add_span("language", s, e, lang, score=score, source=self.name, attrs={"scope": "paragraph"})
            elif e > s:
                doc.add_span(
                    "language", s, e, doc_lang, score=0.0, source=self.name,
                    attrs={"scope": "paragraph", "inherited": True},
                )
        stated = doc.metadata.get("language")
        if stated and stated != doc_lang:
            doc.metadata["language_stated"] = stated  # what the source claimed, kept for comparison
        doc.metadata["language"] = doc_lang
        doc.metadata["language_share"] = round(share, 4)
        others = sorted({lang for lang, _ in results.values()} - {doc_lang})
        if others:
            doc.metadata["other_languages"] = others
        return doc
