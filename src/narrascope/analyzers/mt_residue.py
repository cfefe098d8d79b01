"""Machine-translation residue: traces a translation pipeline leaves in the text.

- ``foreign_script``: letters of another script inside a paragraph (Chinese words left in an
  English translation of a Chinese repost, Cyrillic words left in an English text). Judged by the
  Unicode script of each letter against the paragraph's dominant script, so it works for any pair.
- ``repeated_sentence``: a sentence said twice, exactly or almost (fuzzy ratio), as happens when a
  pull quote or a translated subheading duplicates body text.
- ``doubled_word``: "the the" — a word repeated back to back, minus grammatical doubles.

Only signals that can be detected reliably are flagged; each span cites its evidence.

Bounded work: everything reads :func:`narrascope.text.analysis_text`; the script and doubled-word scans are
linear regex passes per paragraph (URLs looked up by bisection); repeated sentences are found exactly by a
dict (linear) and, up to ``MAX_SENTENCES_FUZZY`` sentences, near-exactly by pairwise comparisons that a cheap
LCS bound prunes and ``FUZZY_WORK`` caps.
"""

from __future__ import annotations

import regex
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from ..model import Document
from ..pipeline import register_analyzer
from ..text import MAX_WORD_CHARS, Intervals, analysis_text, word_key
from .base import Analyzer
from .prose import URL_RE, body_ranges

# Scripts we tell apart. Han/Kana/Hangul are grouped as CJK when judging the dominant script.
_SCRIPTS = ("Latin", "Cyrillic", "Han", "Hiragana", "Katakana", "Hangul", "Arabic", "Greek",
            "Hebrew", "Devanagari", "Georgian", "Armenian", "Thai")
_CJK = {"Han", "Hiragana", "Katakana", "Hangul"}
_RUN = regex.compile("|".join(rf"(?P<{s}>\p{{Script={s}}}+(?:[\s·'’-]*\p{{Script={s}}}+)*)" for s in _SCRIPTS))
_LANG_OF_SCRIPT = {"Han": "zh", "Hiragana": "ja", "Katakana": "ja", "Hangul": "ko", "Cyrillic": "ru/uk/bg",
                   "Arabic": "ar/fa/ur", "Greek": "el", "Hebrew": "he", "Devanagari": "hi", "Georgian": "ka",
                   "Armenian": "hy", "Thai": "th", "Latin": "latin"}

# Words of at most MAX_WORD_CHARS letters: an unbounded word made "a'a'a'…" quadratic (a match tried at every
# letter, each running to the end of the paragraph).
_WORD = regex.compile(rf"\b(\p{{L}}[\p{{L}}'’]{{0,{MAX_WORD_CHARS}}})\s+(\1)\b", regex.IGNORECASE)
# English, Russian and Ukrainian doubles that are grammatical, not errors.
_GRAMMATICAL_DOUBLES = frozenset(
    "that had is was do bye so very many really far more ha no yes well now again long".split()
    + "так очень все всё да нет ну еще ещё дa тук-тук пока".split()
)

MIN_REPEAT_WORDS = 6
REPEAT_RATIO = 90.0  # rapidfuzz partial ratio; near-identical wording only
MAX_SENTENCES_FUZZY = 600  # beyond this, exact repeats only (pairwise fuzzy is quadratic)
# partial_ratio(s, l) >= R needs a window w of l with 2 LCS(s, w) / (|s| + |w|) >= R/100, and LCS(s, w) <= |w|,
# LCS(s, l): so LCS(s, l) >= R / (200 - R) * |s|. That bound (a bit-parallel LCS, ~1 µs for two sentences) rules
# out almost every pair before the partial ratio, whose cost grows with the cube of the length (1.7 s for two
# 5,000-character sentences): it changes no result, only the time.
_LCS_FLOOR = REPEAT_RATIO / (200.0 - REPEAT_RATIO) - 1e-6
# Partial ratios that still get computed are charged |s|² |l| (their cost, ~2e-11 s a unit): a document that
# spends this much on them (a few seconds) gets exact repeats only for the rest.
FUZZY_WORK = 1e11


def _script_group(name: str) -> str:
    return "CJK" if name in _CJK else name


@register_analyzer("mt_residue")
class MTResidueAnalyzer(Analyzer):
    name = "mt_residue"
    requires = ("structure",)
    produces = ("mt_residue",)
    version = "1"

    def __call__(self, doc: Document) -> Document:
        self._foreign_script(doc)
        self._repeated_sentences(doc)
        self._doubled_words(doc)
        return doc

    def _foreign_script(self, doc: Document) -> None:
        text = analysis_text(doc.text)
        for start, end in body_ranges(doc):
            urls = Intervals((m.start(), m.end()) for m in URL_RE.finditer(text, start, end))
            runs = []
            counts: dict[str, int] = {}
            for m in _RUN.finditer(text, start, end):
                script = m.lastgroup
                if urls.holds(m.start()):
                    continue
                letters = sum(1 for c in m.group(0) if c.isalpha())
                counts[_script_group(script)] = counts.get(_script_group(script), 0) + letters
                runs.append((m.start(), m.end(), script, letters))
            if not counts:
                continue
            dominant = max(counts, key=counts.get)
            total = sum(counts.values())
            for s, e, script, letters in runs:
                group = _script_group(script)
                if group == dominant:
                    continue
                # Latin inside Cyrillic or CJK text is usually a name, acronym or brand (NATO, iPhone):
                # not residue. Everything else foreign to the paragraph's script is.
                if script == "Latin" and dominant != "Latin":
                    continue
                score = 0.95 if group == "CJK" else 0.8
                if letters < 2 and group != "CJK":
                    continue
                doc.add_span(
                    "mt_residue", s, e, "foreign_script", score=score, source=self.name,
                    attrs={
                        "script": script,
                        "language_guess": _LANG_OF_SCRIPT.get(script, ""),
                        "paragraph_script": dominant,
                        "paragraph_share": round(counts[dominant] / total, 3),
                        "reason": f"{script} characters inside a {dominant}-script paragraph: likely left untranslated",
                    },
                )

    def _repeated_sentences(self, doc: Document) -> None:
        sents = doc.spans("sentences")
        text = analysis_text(doc.text)
        norm = [word_key(text[s.start:s.end]) for s in sents]
        long_enough = [len(n.split()) >= MIN_REPEAT_WORDS for n in norm]
        # Exact repeats: one pass with a dict, so a huge document stays linear.
        first_seen: dict[str, int] = {}
        match: dict[int, tuple[int, float]] = {}
        for j, key in enumerate(norm):
            if not long_enough[j]:
                continue
            if key in first_seen:
                match[j] = (first_seen[key], 100.0)
            else:
                first_seen[key] = j
        # Near repeats: pairwise fuzzy matching, quadratic, so only for article-sized documents.
        work = 0.0
        if len(sents) <= MAX_SENTENCES_FUZZY:
            for j in range(1, len(sents)):
                if work > FUZZY_WORK:
                    break
                if not long_enough[j] or j in match:
                    continue
                for i in range(j):
                    if not long_enough[i] or i in match:
                        continue
                    shorter, longer = sorted((norm[i], norm[j]), key=len)
                    if len(shorter) < 0.5 * len(longer) and len(shorter.split()) < 10:
                        continue  # a short phrase inside a long sentence is a quotation, not a repeat
                    need = int(_LCS_FLOOR * len(shorter))
                    if LCSseq.similarity(shorter, longer, score_cutoff=need) < need:
                        continue  # cannot reach REPEAT_RATIO (see _LCS_FLOOR)
                    work += float(len(shorter)) ** 2 * len(longer)
                    if work > FUZZY_WORK:
                        break
                    ratio = fuzz.partial_ratio(shorter, longer)
                    if ratio >= REPEAT_RATIO:
                        match[j] = (i, ratio)
                        break
        for j, (i, ratio) in sorted(match.items()):
            first, again = sents[i], sents[j]
            exact = norm[i] == norm[j]
            doc.add_span(
                "mt_residue", again.start, again.end, "repeated_sentence",
                score=round(ratio / 100, 3), source=self.name,
                attrs={
                    "first_occurrence": [first.start, first.end],
                    "first_span_id": first.id,
                    "similarity": round(ratio / 100, 3),
                    "exact": exact,
                    "reason": "repeats an earlier sentence" + ("" if exact else " almost word for word"),
                },
            )

    def _doubled_words(self, doc: Document) -> None:
        text = analysis_text(doc.text)
        for start, end in body_ranges(doc):
            for m in _WORD.finditer(text, start, end):
                word = m.group(1).lower()
                if word in _GRAMMATICAL_DOUBLES or word.isdigit():
                    continue
                doc.add_span(
                    "mt_residue", m.start(), m.end(), "doubled_word", score=0.7, source=self.name,
                    attrs={"word": m.group(1), "reason": f"'{m.group(1)}' written twice in a row"},
                )
