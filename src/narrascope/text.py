"""Offset-preserving segmentation: paragraphs and sentences as (start, end) pairs, and the bounds that keep
every analyzer's work bounded whatever the layout of the text.

Nothing here changes the text; every function returns offsets into the string it was given.

**Bounded work.** Analyzers read :func:`analysis_text` of ``doc.text`` instead of the text itself: a string
whose offsets are the text's offsets, equal to the text for any ordinary article (the very same object), and
otherwise

* cut to its first :data:`MAX_ANALYSED_CHARS` characters, :data:`MAX_ANALYSED_LINES` lines and
  :data:`MAX_ANALYSED_TOKENS` tokens (at a line break or a space where there is one), so that the models'
  work, which is linear at best, has a ceiling;
* with pathological runs collapsed (:func:`analysis_view`): beyond the first :data:`MAX_RUN` characters of a
  run of one repeated character or of characters that are neither letters, digits nor spaces (quotes, dashes,
  emoji), and beyond the first :data:`MAX_MARKS` combining marks on one character, the characters are
  replaced by spaces. Tokenizers (spaCy's affix rules, the encoder's) are quadratic or worse on such runs;
  no real text has them (the longest in 2,090 SemEval articles: 99 dashes of a separator line).

Sentences longer than :data:`MAX_SENTENCE_CHARS` and paragraphs longer than :data:`MAX_PARAGRAPH_CHARS` are
cut into processing units (:func:`units`), at a space where there is one, so that per-sentence and
per-paragraph work is bounded too. The longest sentence in those 2,090 articles has 1,861 characters, the
longest paragraph 7,478.
"""

from __future__ import annotations

import bisect
import functools
import re
import statistics

import regex

_WORDS = re.compile(r"\w+")


def word_key(s: str) -> str:
    """Lower-cased words joined by single spaces: a key that ignores case, punctuation and spacing."""
    return " ".join(_WORDS.findall(s.lower()))


# A line break, possibly Windows or old-Mac style.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")

_TERMINAL = tuple('.!?…:;»"”’)。！？')


def lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line's content, excluding its line break."""
    out = []
    for m in _LINE.finditer(text):
        if m.start() == len(text) and m.end() == len(text):
            break
        content = m.group(0).rstrip("\r\n")
        out.append((m.start(), m.start() + len(content)))
    return out


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _looks_hard_wrapped(text: str, block: list[tuple[int, int]]) -> bool:
    """A block of several lines of similar width that mostly do not end a sentence
    is one paragraph wrapped at a fixed column (e-mail, Project Gutenberg style)."""
    if len(block) < 3:
        return len(block) == 2 and not text[block[0][0] : block[0][1]].rstrip().endswith(_TERMINAL)
    lengths = [e - s for s, e in block[:-1]]
    open_ends = sum(1 for s, e in block[:-1] if not text[s:e].rstrip().endswith(_TERMINAL))
    return 30 <= statistics.median(lengths) <= 100 and open_ends >= 0.6 * (len(block) - 1)


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph spans. Blank lines separate blocks; inside a block each line is its own
    paragraph (the seeds' and most scraped text's shape) unless the block is hard-wrapped."""
    result: list[tuple[int, int]] = []
    block: list[tuple[int, int]] = []

    def flush() -> None:
        if not block:
            return
        if _looks_hard_wrapped(text, block):
            result.append(_strip(text, block[0][0], block[-1][1]))
        else:
            for s, e in block:
                s, e = _strip(text, s, e)
                if s < e:
                    result.append((s, e))
        block.clear()

    for s, e in lines(text):
        if text[s:e].strip():
            block.append((s, e))
        else:
            flush()
    flush()
    return result


# Abbreviations after which a period does not end a sentence (lower-cased, without the dot).
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt gen col lt sgt capt maj adm gov sen rep rev hon pres
    vs etc e.g i.e cf al approx dept est fig inc ltd co corp no nos vol pp p ed eds
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u
    г гг т.е т.д т.п им ул д стр см""".split()
)

_SENT_END = re.compile(
    r"""(?:[.!?…]+|[。！？]+)          # terminal punctuation
        [\"'”’»)\]]*                  # closing quotes or brackets
        (?=\s+|$|[\"“«(\[]?[A-ZА-ЯЁ0-9]) # followed by space, end, or a capital (missing space)
    """,
    re.VERBOSE,
)


# No abbreviation or initial is longer than this: the walk back from a dot stops here, so that "A.A.A.A…"
# costs linear time, not quadratic.
_MAX_ABBREVIATION_CHARS = 32


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at index ``dot`` ends an abbreviation or an initial."""
    if text[dot] != ".":
        return False
    start = dot
    floor = max(0, dot - _MAX_ABBREVIATION_CHARS)
    while start > floor and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    if start == floor and floor > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        return False  # a "word" this long is no abbreviation
    word = text[start:dot].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    # A single capital letter: an initial ("J. Smith"), not a sentence end.
    return len(word) == 1 and text[start].isupper()


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end] (use per paragraph); one longer than :data:`MAX_SENTENCE_CHARS`
    is returned as several processing units (:func:`units`)."""
    found = _sentences(text, start, end)
    if all(e - s <= MAX_SENTENCE_CHARS for s, e in found):
        return found
    out: list[tuple[int, int]] = []
    for s, e in found:
        out.extend(units(text, s, e, MAX_SENTENCE_CHARS) if e - s > MAX_SENTENCE_CHARS else [(s, e)])
    return out


def _sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    cur = start
    for m in _SENT_END.finditer(text, start, end):
        if _is_abbreviation(text, m.start()):
            continue
        nxt = m.end()
        # "... 3.5 ..." is a number, not a sentence end
        if text[m.start()] == "." and nxt < end and text[nxt].isdigit() and m.start() > 0 and text[m.start() - 1].isdigit():
            continue
        # A lowercase continuation after the break means the sentence goes on ("e.g. this").
        after = nxt
        while after < end and text[after].isspace():
            after += 1
        if after < end and text[after].islower() and text[m.start()] in ".…":
            continue
        s, e = _strip(text, cur, nxt)
        if s < e:
            out.append((s, e))
        cur = nxt
    s, e = _strip(text, cur, end)
    if s < e:
        out.append((s, e))
    return out


# -- bounded work --------------------------------------------------------------------------------------------
MAX_RUN = 256  # characters kept of a run of one repeated character, or of non-letters/digits/spaces
MAX_MARKS = 16  # combining marks kept on one character
MAX_ANALYSED_CHARS = 300_000  # about 50,000 words: ten times a long feature article
MAX_ANALYSED_LINES = 20_000
# Tokens as a tokenizer would cut them (a word, or one punctuation mark or symbol): the models' cost grows with
# tokens, and punctuation-dense text has one per character where prose has one per five. 300,000 characters
# of prose have ~70,000.
MAX_ANALYSED_TOKENS = 100_000
MAX_SENTENCE_CHARS = 5_000
MAX_PARAGRAPH_CHARS = 50_000
# The longest word a pattern reads as one (a name, a doubled word): patterns with an unbounded word that can
# fail after it backtrack through all of it, at every start, which is quadratic on a paragraph-long "word".
MAX_WORD_CHARS = 100

# Whitespace is left alone (a run of blank lines is layout, and costs nothing).
_SAME_RUN = regex.compile(r"([^\s])\1{%d,}" % MAX_RUN)
_SYMBOL_RUN = regex.compile(r"[^\p{L}\p{N}\s]{%d,}" % (MAX_RUN + 1))
_MARK_RUN = regex.compile(r"\p{M}{%d,}" % (MAX_MARKS + 1))
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def analysis_view(text: str) -> str:
    """``text`` with pathological runs collapsed, same length, same offsets (see the module docstring); the
    very same object when there is nothing to collapse."""
    cuts = [(m.start() + MAX_RUN, m.end()) for m in _SAME_RUN.finditer(text)]
    cuts += [(m.start() + MAX_RUN, m.end()) for m in _SYMBOL_RUN.finditer(text)]
    cuts += [(m.start() + MAX_MARKS, m.end()) for m in _MARK_RUN.finditer(text)]
    if not cuts:
        return text
    pieces: list[str] = []
    pos = 0
    for s, e in sorted(cuts):
        s = max(s, pos)
        if e <= s:
            continue
        pieces.append(text[pos:s])
        pieces.append(" " * (e - s))
        pos = e
    pieces.append(text[pos:])
    return "".join(pieces)


# A word, a punctuation mark or symbol, or whitespace other than one space (spaCy makes a token of a line break)
_TOKEN = regex.compile(r"\w+|[^\w\s]|\s{2,}|[^\S ]")


def token_end(text: str, start: int, max_tokens: int) -> int:
    """Where the first ``max_tokens`` tokens (a word, one other non-space character, or whitespace other than
    one space) after ``start`` end; ``len(text)`` when there are no more than that."""
    if len(text) - start <= max_tokens:  # no more characters than allowed tokens
        return len(text)
    n = 0
    for m in _TOKEN.finditer(text, start):
        n += 1
        if n >= max_tokens:
            return m.end()
    return len(text)


@functools.lru_cache(maxsize=2)
def analysis_extent(text: str, max_chars: int | None = None, max_lines: int | None = None,
                    max_tokens: int | None = None) -> int:
    """How much of ``text`` is analysed: all of it, or a prefix of at most ``max_chars`` characters,
    ``max_lines`` lines and ``max_tokens`` tokens (by default the module's limits, read at call time),
    ending at a line break (else a space) in its second half where there is one."""
    max_chars = MAX_ANALYSED_CHARS if max_chars is None else max_chars
    max_lines = MAX_ANALYSED_LINES if max_lines is None else max_lines
    max_tokens = MAX_ANALYSED_TOKENS if max_tokens is None else max_tokens
    limit = min(len(text), max_chars, token_end(text[:max_chars], 0, max_tokens))
    n = 0
    for m in _LINE_BREAK.finditer(text, 0, limit):
        n += 1
        if n >= max_lines:
            return m.end()
    if limit == len(text):
        return limit
    for cut in (text.rfind("\n", limit // 2, limit), max(text.rfind(" ", limit // 2, limit), text.rfind("\t", limit // 2, limit))):
        if cut >= 0:
            return cut + 1
    return limit


@functools.lru_cache(maxsize=2)
def analysis_text(text: str) -> str:
    """What analyzers read instead of ``text``: its analysed prefix (:func:`analysis_extent`) with
    pathological runs collapsed (:func:`analysis_view`). Offsets into it are offsets into ``text``; for an
    ordinary article it IS ``text``. Cached (two entries), as every analyzer of a pipeline asks for it
    (:func:`clear_caches` after changing a limit)."""
    return analysis_view(text[: analysis_extent(text)])


def clear_caches() -> None:
    """Forget cached analysis texts (tests change the limits)."""
    analysis_text.cache_clear()
    analysis_extent.cache_clear()


def analysis_limits(text: str) -> dict | None:
    """What :func:`analysis_text` left out of ``text``, for ``doc.metadata["analysis_limits"]``; None when
    nothing."""
    extent = analysis_extent(text)
    view = analysis_text(text)
    collapsed = view is not text[:extent] and view != text[:extent]
    if extent == len(text) and not collapsed:
        return None
    out: dict = {"analysed_chars": extent, "text_chars": len(text)}
    if extent < len(text):
        out["reason"] = (f"only the first {extent:,} characters were analysed (at most {MAX_ANALYSED_CHARS:,} "
                         f"characters, {MAX_ANALYSED_LINES:,} lines and {MAX_ANALYSED_TOKENS:,} words and marks)")
    if collapsed:
        out["collapsed_runs"] = (f"runs of one character or of symbols longer than {MAX_RUN}, and more than "
                                 f"{MAX_MARKS} combining marks on one character, were read as spaces")
    return out


def units(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """``text[start:end]`` as processing units of at most ``max_chars`` characters, each cut at the last
    whitespace of its second half, else (no whitespace there) hard; whitespace at the edges is dropped."""
    out: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        stop = min(end, pos + max_chars)
        if stop < end:
            cut = max(text.rfind(" ", pos + max_chars // 2, stop), text.rfind("\n", pos + max_chars // 2, stop))
            if cut > pos:
                stop = cut + 1
        s, e = _strip(text, pos, stop)
        if s < e:
            out.append((s, e))
        pos = stop
    return out


class Intervals:
    """(start, end) intervals for "is this inside / overlapping any of them" questions by bisection, so that
    asking once per sentence, mention or quote stays O(log n) instead of scanning them all (which, over the
    20,000 lines a document may have, is what made such loops quadratic)."""

    def __init__(self, intervals) -> None:
        pairs = sorted((int(a), int(b)) for a, b in intervals)
        self.starts = [a for a, _ in pairs]
        self._max_end: list[int] = []
        running = -1
        for _, b in pairs:
            running = max(running, b)
            self._max_end.append(running)

    def __len__(self) -> int:
        return len(self.starts)

    def _reach(self, i: int) -> int:
        """The largest end among the first ``i`` intervals (by start); -1 for none."""
        return self._max_end[i - 1] if i > 0 else -1

    def covers(self, start: int, end: int) -> bool:
        """Some interval holds [start, end): a <= start and end <= b."""
        return self._reach(bisect.bisect_right(self.starts, start)) >= end

    def overlaps(self, start: int, end: int) -> bool:
        """Some interval shares a character with [start, end): a < end and start < b."""
        return self._reach(bisect.bisect_left(self.starts, end)) > start

    def holds(self, pos: int) -> bool:
        """Some interval has a <= pos < b."""
        return self._reach(bisect.bisect_right(self.starts, pos)) > pos

    def holds_end(self, pos: int) -> bool:
        """Some interval has a < pos <= b (``pos`` an exclusive end)."""
        return self._reach(bisect.bisect_left(self.starts, pos)) >= pos


class SpanIndex:
    """Objects with ``start`` and ``end`` (spans, mentions), for "which of them overlap [start, end)" by
    bisection on their starts; the answer keeps the objects' own order, as the full scan it replaces did.
    Only objects starting within the longest object's length before ``start`` are looked at."""

    def __init__(self, items) -> None:
        self.items = list(items)
        self.order = sorted(range(len(self.items)), key=lambda i: self.items[i].start)
        self.starts = [self.items[i].start for i in self.order]
        self.longest = max((x.end - x.start for x in self.items), default=0)

    def overlapping(self, start: int, end: int) -> list:
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_left(self.starts, end)
        hits = sorted(i for i in self.order[lo:hi] if self.items[i].start < end and start < self.items[i].end)
        return [self.items[i] for i in hits]
