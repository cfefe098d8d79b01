"""Package data (taxonomies, cue lists, gazetteers) loaded once, on first use."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def load_json(name: str) -> Any:
    """Load ``narrascope/data/<name>`` (a JSON file shipped with the package)."""
    return json.loads(resources.files("narrascope").joinpath("data", name).read_text(encoding="utf-8"))


def phrase_alternation(phrases: list[str]) -> str:
    """A regex alternation of literal phrases, longest first so that 'original article' beats 'original'.
    Spaces match any run of whitespace."""
    import regex

    ordered = sorted(set(phrases), key=len, reverse=True)
    return "|".join(regex.escape(p).replace("\\ ", r"\s+") for p in ordered)
