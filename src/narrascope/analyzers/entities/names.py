"""Keys that say when two written names are the same name: surface normalisation, keys of organisation
and place names, and the transliteration-aware keys and matching of people's names (the package
docstring's "Keys and merging" says the rules). Pure functions of strings, cached.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

# -- text normalisation ---------------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "«": '"', "»": '"', "\u00a0": " "})
_WS = re.compile(r"\s+")


def normalize_surface(text: str) -> str:
    return _WS.sub(" ", text.translate(_QUOTES)).strip()


_SPELLING = [
    (re.compile(r"\bdefence\b"), "defense"),
    (re.compile(r"\borganisation"), "organization"),
    (re.compile(r"\bprogramme\b"), "program"),
    (re.compile(r"\bcentre\b"), "center"),
    (re.compile(r"\blabour\b"), "labor"),
]


@lru_cache(maxsize=8192)
def text_key(text: str) -> str:
    """Key for non-person names: ASCII, lower case, American spelling, no 'the', no punctuation."""
    s = anyascii(normalize_surface(text)).lower()
    s = re.sub(r"^the\s+", "", s)
    for pat, rep in _SPELLING:
        s = pat.sub(rep, s)
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    return s


_NONALPHA = re.compile(r"[^a-z]")
_DOUBLE = re.compile(r"(.)\1+")
_AFTER_CONS_YE = re.compile(r"(?<=[bcdfgklmnprstvzCSZTh])ye")
_GLIDE = re.compile(r"(?<=[aeiou])[yij](?=e)")
_YO = re.compile(r"[yj]o")
_YU = re.compile(r"[yij]u")
_END_I = re.compile(r"(?:iy|ij|ii|yi|yy|y)$")
_HARD_C = re.compile(r"c(?=[aou]|[bdfgklmnprstvz]|$)")
_FOLD = str.maketrans({"S": "s", "C": "c", "Z": "z", "T": "c"})

# Looks like a romanised East-European / Central-Asian / Caucasian name.
_ROMANISED = re.compile(
    r"(?:shch|zh|kh|ts|tch|ye|yo|yu|ya|iy|yy|ii$|yi|ij)"
    r"|(?:ov|ova|ev|eva|in|ina|yn|sky|ski|skiy|skyi|skii|skaya|enko|chuk|uk|yuk|ich|vich|ych|yan|ian|"
    r"dze|shvili|bek|bekov|ko|gu|ly|uly|kyzy|zade|ayev|iyev|aev|iev)$"
)


@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """Transliteration-folded key of a (romanised Cyrillic) name token. Upper-case letters are
    placeholders: S=sh/shch/sch, C=ch/tch, Z=zh, T=ts/tz."""
    s = _NONALPHA.sub("", anyascii(name).lower())
    if not s:
        return s
    s = s.replace("shch", "S").replace("sch", "S").replace("sh", "S")
    s = s.replace("tch", "C").replace("ch", "C").replace("zh", "Z").replace("kh", "h")
    s = s.replace("tz", "T").replace("ts", "T")
    s = s.replace("ph", "f").replace("gh", "g").replace("ck", "k").replace("q", "k")
    s = s.replace("x", "ks").replace("w", "v").replace("ou", "u")
    s = _AFTER_CONS_YE.sub("e", s)
    if s.startswith("ye"):
        s = s[1:]
    s = _GLIDE.sub("", s)
    s = _YO.sub("e", s)
    s = _YU.sub("u", s)
    s = _END_I.sub("i", s)
    s = s.replace("y", "i").replace("j", "i")
    s = _HARD_C.sub("k", s)
    return _DOUBLE.sub(r"\1", s)


@lru_cache(maxsize=4096)
def plain_key(name: str) -> str:
    return _NONALPHA.sub("", anyascii(name).lower())


def looks_romanised(name: str) -> bool:
    return bool(_ROMANISED.search(plain_key(name)))


FUZZY_MIN_LEN = 7
FUZZY_MIN_SIMILARITY = 0.85


@lru_cache(maxsize=8192)
def surnames_match(a: str, b: str) -> str | None:
    """'exact', 'fuzzy' or None: are two surname tokens the same name in different romanisations?"""
    pa, pb = plain_key(a), plain_key(b)
    if not pa or not pb:
        return None
    if pa == pb:
        return "exact"
    if not (looks_romanised(a) or looks_romanised(b)):
        return None
    ka, kb = name_key(a), name_key(b)
    if ka == kb:
        return "exact"
    sa, sb = ka.translate(_FOLD), kb.translate(_FOLD)
    if (
        len(sa) == len(sb) >= FUZZY_MIN_LEN
        and sa[0] == sb[0]
        and sa[-1] == sb[-1]
        and Levenshtein.normalized_similarity(sa, sb) >= FUZZY_MIN_SIMILARITY
    ):
        return "fuzzy"
    return None


class SurnameIndex:
    """Ids (clusters, names) by the keys :func:`surnames_match` compares: two surnames can only match when
    their plain keys, their folded keys, or the length and first and last letters of their folded keys (the
    fuzzy rule) agree. Asking for the candidates first, and the full test only of them, gives the answers of
    a scan over all ids (in the same order) at the cost of a few lookups: a list of 10,000 different names
    took minutes by scanning."""

    def __init__(self) -> None:
        self._ids: dict[tuple, list] = {}

    @staticmethod
    def keys(surname: str) -> list[tuple]:
        folded = name_key(surname).translate(_FOLD)
        out = [("plain", plain_key(surname)), ("folded", name_key(surname))]
        if len(folded) >= FUZZY_MIN_LEN:
            out.append(("fuzzy", len(folded), folded[0], folded[-1]))
        return out

    def add(self, surname: str, ident) -> None:
        for key in self.keys(surname):
            ids = self._ids.setdefault(key, [])
            if ident not in ids[-1:]:
                ids.append(ident)

    def candidates(self, surname: str, exact_only: bool = False) -> list:
        """Ids that may match ``surname``, sorted (ids are added in increasing order, or compare as such)."""
        found: set = set()
        for key in self.keys(surname):
            if exact_only and key[0] == "fuzzy":
                continue
            found.update(self._ids.get(key, ()))
        return sorted(found)


def first_names_compatible(a: list[str], b: list[str]) -> bool:
    """Given names (possibly initials) of two mentions; empty means unknown (compatible)."""
    if not a or not b:
        return True
    x, y = a[0].rstrip("."), b[0].rstrip(".")
    if len(x) == 1 or len(y) == 1:
        return plain_key(x)[:1] == plain_key(y)[:1] or name_key(x)[:1] == name_key(y)[:1]
    kx, ky = name_key(x), name_key(y)
    if kx == ky:
        return True
    return Levenshtein.normalized_similarity(kx.translate(_FOLD), ky.translate(_FOLD)) >= FUZZY_MIN_SIMILARITY


# An acronym as written ("NATO", "U.S.", "OSCE").
ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.\-]{1,7}$")
