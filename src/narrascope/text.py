"""Offset-preserving segmentation: paragraphs and sentences as (start, end) pairs.

Nothing here changes the text; every function returns offsets into the string it was given.
"""

from __future__ import annotations

import re
import statistics

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


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at index ``dot`` ends an abbreviation or an initial."""
    if text[dot] != ".":
        return False
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    # A single capital letter: an initial ("J. Smith"), not a sentence end.
    return len(word) == 1 and text[start].isupper()


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end] (use per paragraph)."""
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
