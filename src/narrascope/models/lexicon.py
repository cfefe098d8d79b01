"""Word valence from the VADER sentiment lexicon (Hutto & Gilbert 2014; MIT; PyPI ``vaderSentiment``).

Only the lexicon file inside the installed package is read (the module itself is not imported). Emotionally
charged words are what "loaded language" is made of, so the technique models use the strength of a word's
valence as a feature; English only (other languages simply get no valence).
"""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def valence() -> dict[str, float]:
    """Lower-cased word -> mean valence (-4 .. +4); empty when the package is missing."""
    try:
        text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    out = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isalpha():
            try:
                out[parts[0].lower()] = float(parts[1])
            except ValueError:
                continue
    return out


def strength_bucket(value: float) -> int:
    """0: not in the lexicon or mild (< 1.0); 1: < 2.0; 2: < 3.0; 3: ≥ 3.0 (absolute valence)."""
    v = abs(value)
    return 0 if v < 1.0 else 1 if v < 2.0 else 2 if v < 3.0 else 3
