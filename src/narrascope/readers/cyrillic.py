"""Telling the Russian/Ukrainian single-byte code pages apart.

cp1251, KOI8-R, KOI8-U, cp866 and mac-cyrillic map the same bytes to different Cyrillic
letters, so every decoding "looks Cyrillic" and charset-normalizer confuses them on short
text. Each decoding is scored instead with what real Russian and Ukrainian look like:

* common words (jusText's Russian and Ukrainian stop lists, installed with trafilatura)
  and letter pairs counted over them, with the word edges as pseudo-letters;
* the case pattern: KOI8-R read as cp1251 turns "Привет" into "рТЙЧЕФ" (a lowercase letter
  followed by capitals), and cp1251 read as mac-cyrillic turns "Я" mid-sentence into "я";
* punctuation in its place: guillemets in pairs, dashes between words, never "операци€";
* Latin and Cyrillic letters never mixed inside one word ("Grцяe" is Latin-1 misread).

The best total wins; a small prior makes the rare DOS and Mac code pages prove themselves.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from typing import NamedTuple

import regex

__all__ = ["CODECS", "Guess", "Score", "best_cyrillic", "score"]

# Order matters only for ties: the more common code page wins.
CODECS = ("cp1251", "koi8-r", "koi8-u", "cp866", "mac-cyrillic")
_PRIOR = {"cp1251": 0.0, "koi8-r": 0.0, "koi8-u": -0.5, "cp866": -1.0, "mac-cyrillic": -1.5}

ALPHABET = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ")

# Punctuation a Cyrillic code page legitimately produces in news text, and where it may stand.
_PUNCT_OK = frozenset("«»„“”‘’‚—–…№•·°±§©®™€‰\u00a0\u00ad")
_OPENING = frozenset("«„“‘‚")
_CLOSING = frozenset("»”…")
_SPACED = frozenset("—–•·°±§©®™‰№")
_CURRENCY = frozenset("€")

_PUNCT_COST = -8.0  # about one letter pair's worth, so turning letters into marks does not pay
_GLUED_COST = -20.0  # a mark inside a word: "операци€", "’отеть", "—еловек"
_FOREIGN_LETTER_COST = -20.0  # a letter, but not Russian/Ukrainian (Serbian ђ, Latin é, ...)
_JUNK_COST = -30.0  # box drawing, math symbols, controls
_KNOWN_WORD_BONUS = 3.0
_YO_COST = -3.0  # the word lists write ё as е; ё itself is rare (and "Ёксперты" is a misread "Эксперты")  # per letter of a word found in the word list
_CASE_FLIP_COST = -10.0  # lowercase followed by uppercase inside a word: "рТЙЧЕФ"
_MIXED_SCRIPT_COST = -8.0  # Latin and Cyrillic in one word
# One-letter words (я, и, в, с, к, у, о, а) are capitalised only at a sentence start or as an
# initial ("А. С."): a lone "Я" after a lowercase word is mac-cyrillic "я" read as cp1251.
_LONE_CAPITAL_COST = -4.0
_UNPAIRED_QUOTE_COST = -6.0
_MAX_WORD = 24
# Per non-ASCII character. 99% of decodings of short Russian/Ukrainian phrases score above it;
# CJK and Latin text read as Cyrillic scores below, except two-character words.
_CONVINCING = -7.5  # 25+ letters without a space is CJK or random bytes read as Cyrillic

_WORD = regex.compile(r"\p{L}+")
_CYR = regex.compile(r"\p{Script=Cyrillic}")
_LAT = regex.compile(r"[A-Za-z]")
_CASE_FLIP = regex.compile(r"\p{Ll}\p{Lu}")

# Used only when jusText's stop lists cannot be loaded.
_FALLBACK_WORDS = """
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него
до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы
тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому
этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех
никогда можно при наконец два об другой хоть после над больше тот через эти нас про всего них
какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя
такой им более всегда конечно всю между россии россия украины украина москвы москве
і в не на що він з та це як але до його я у за від вона для про був ми так вони їх бути
ще коли може то все там де чи її було які який мені вже щоб або тому також ти тільки були
є цей ця ці цього цієї який яка яке якого які їх їм нас вас вам нам після через під над між
без при україни україна києва київ росії росія війни війна
"""


@functools.cache
def _lexicon() -> tuple[frozenset[str], dict[str, float], float]:
    """(known words, letter-pair log-probabilities, log-probability of an unseen pair)."""
    words: set[str] = set()
    try:
        import justext

        for language in ("Russian", "Ukrainian"):
            for raw in justext.get_stoplist(language):
                word = raw.strip(".,:;!?\"()«»").lower().replace("ё", "е")
                if word and all(ch in ALPHABET or ch == "-" for ch in word):
                    words.add(word)
    except Exception:  # jusText comes with trafilatura; without it, a smaller built-in list
        pass
    if len(words) < 500:
        words |= set(_FALLBACK_WORDS.split())
    pairs: Counter[str] = Counter()
    for word in words:
        for part in word.split("-"):
            padded = f"^{part}$"
            pairs.update(padded[i : i + 2] for i in range(len(padded) - 1))
    total = sum(pairs.values())
    logp = {pair: math.log(count / total) for pair, count in pairs.items()}
    return frozenset(words), logp, math.log(0.3 / total)


def _after_lowercase_word(text: str, start: int) -> bool:
    """Mid-sentence: only spaces between ``start`` and a lowercase letter before it."""
    i = start - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    return i < start - 1 and i >= 0 and text[i].islower()


def _initial(text: str, end: int) -> bool:
    """'А. С. Пушкин': a capital letter, a period, then another capital."""
    rest = text[end : end + 4]
    return rest.startswith(".") and rest[1:].lstrip(" \u00a0")[:1].isupper()


def _punct_cost(text: str, i: int) -> float:
    """Punctuation between words is normal; glued inside one it is a misread letter."""
    ch = text[i]
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if ch in _OPENING:  # «слово: nothing glued before, a word after
        bad = prev.isalpha() or nxt.isspace()
    elif ch in _CLOSING:  # слово»: a word before, nothing glued after
        bad = nxt.isalpha() or (prev.isspace() and ch != "…")
    elif ch == "’":  # a closing quote, and the Ukrainian apostrophe: "п’ять"
        bad = nxt.isalpha() and not prev.isalpha()
    elif ch in _CURRENCY:  # 100 €, €100
        bad = not (_digit_near(text, i))
    elif ch in _SPACED:  # Russian typography spaces its dashes
        bad = prev.isalpha() or nxt.isalpha()
    else:  # no-break space, soft hyphen
        bad = prev.isalpha() and nxt.isalpha() and ch != "\u00ad"
    return _GLUED_COST if bad else _PUNCT_COST


def _digit_near(text: str, i: int) -> bool:
    around = text[max(0, i - 2) : i] + text[i + 1 : i + 3]
    return any(ch.isdigit() for ch in around)


def _word_score(word: str, known: frozenset[str], logp: dict[str, float], floor: float) -> float:
    """Letter-pair log-probabilities of the word (edges included), plus a bonus when the
    whole word is a known one. A pair with a letter outside the alphabet costs the floor,
    so that misread letters ("Њама") are not cheaper than real ones."""
    low = word.lower().replace("ё", "е")  # word lists mostly write ё as е
    padded = f"^{low}$"
    total = sum(logp.get(padded[i : i + 2], floor) for i in range(len(padded) - 1))
    if low in known and (len(low) > 1 or low == word.lower()):  # "ё" alone is no word
        total += _KNOWN_WORD_BONUS * len(low)
    return total


class Score(NamedTuple):
    per_char: float  # total per non-ASCII character; higher is better
    letter_share: float  # share of non-ASCII characters that are Russian/Ukrainian letters
    bad_words: float  # share of Cyrillic words that break the case or script pattern
    clean: bool  # every non-ASCII character is such a letter or well-placed punctuation


def score(text: str, prior: float = 0.0) -> Score:
    """How much ``text`` looks like Russian or Ukrainian (see the module docstring)."""
    known, logp, floor = _lexicon()
    total = prior
    high = letters = 0
    clean = True
    for i, ch in enumerate(text):
        if ord(ch) < 0x80:
            continue
        high += 1
        if ch.lower() in ALPHABET:
            letters += 1  # scored with its word below
            if ch in "ёЁ":
                total += _YO_COST
        elif ch in _PUNCT_OK:
            cost = _punct_cost(text, i)
            total += cost
            clean = clean and cost == _PUNCT_COST
        else:
            total += _FOREIGN_LETTER_COST if ch.isalpha() else _JUNK_COST
            clean = False
    if not high:
        return Score(0.0, 0.0, 0.0, True)
    # Quotes come in pairs: «…», “…”, „…“. A lone one is a capital letter of another code page.
    total += abs(text.count("«") - text.count("»")) * _UNPAIRED_QUOTE_COST
    total += (sum(text.count(q) for q in "“”„") % 2) * _UNPAIRED_QUOTE_COST
    total += max(0, text.count("‘") + text.count("‚") - text.count("’")) * _UNPAIRED_QUOTE_COST
    words = bad_words = 0
    for m in _WORD.finditer(text):
        word = m.group()
        if not _CYR.search(word):
            continue
        words += 1
        if _LAT.search(word):
            total += _MIXED_SCRIPT_COST * len(word)
            bad_words += 1
            continue
        total += _word_score(word, known, logp, floor)
        flips = len(_CASE_FLIP.findall(word))
        total += flips * _CASE_FLIP_COST
        if len(word) == 1 and word.isupper() and _after_lowercase_word(text, m.start()) and not _initial(text, m.end()):
            total += _LONE_CAPITAL_COST
        bad_words += bool(flips) or len(word) > _MAX_WORD
    return Score(total / high, letters / high, bad_words / words if words else 1.0, clean)


class Guess(NamedTuple):
    codec: str
    convincing: bool  # take it without asking a general-purpose detector
    plausible: bool  # all letters, no broken words: better than a Latin code page's mojibake


def best_cyrillic(data: bytes) -> Guess | None:
    """The best-scoring Russian/Ukrainian code page for ``data`` and how sure that is."""
    best: tuple[Score, str] | None = None
    for codec in CODECS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        result = score(text, _PRIOR[codec])
        if best is None or result.per_char > best[0].per_char:
            best = (result, codec)
    if best is None:
        return None
    result, codec = best
    return Guess(
        codec,
        convincing=result.letter_share >= 0.8 and result.bad_words <= 0.15 and result.per_char > _CONVINCING,
        plausible=result.clean and result.letter_share > 0 and result.bad_words == 0,
    )
