"""Attributes as words: a span's or group's ``attrs`` as (label, value) pairs a reader takes in at a glance,
for the HTML report's findings, its side panel and anything else that shows them.

Keys become labels ("speaker_name" -> "speaker name", a few known ones spelt out); lists are joined with
commas; empty values (None, "", [], {}) are left out; a nested dict becomes one pair per key with the
parent's label in front ("parts · entities"); a dict inside a list is named by its most name-like field
("Victim 0.97", "139 (part)"); numbers get two decimals; an offset pair shows as "711–720".
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["attr_words", "value_words"]

# Labels that the plain "underscores to spaces" rule would spell poorly.
KEY_LABELS = {
    "url": "URL",
    "urls": "URLs",
    "iso": "ISO code",
    "raw_score": "raw score",
    "fine_roles": "fine roles",
    "main_scores": "main-role scores",
    "name_span": "name at",
    "content_span": "content at",
    "first_occurrence": "first seen at",
    "claimant_source": "claimant from",
    "language_guess": "language guess",
    "paragraph_script": "paragraph script",
    "paragraph_share": "share of the paragraph",
    "platform_kind": "platform kind",
    "platform_country": "platform country",
    "below_threshold": "below threshold",
    "candidate_note": "note",
    "label_sources": "label sources",
}
_NAME_FIELDS = ("text", "name", "label", "entity", "outlet", "url", "value")
_QUALIFIER_FIELDS = ("role", "label", "kind", "type")
MAX_ITEMS = 12  # list items shown before "+N more"
_IDENTIFIER = re.compile(r"[a-z]+(?:_[a-z]+)+")  # "scare_quote", "framing_sentence": a code, shown as words


def _label(key: str) -> str:
    key = str(key)
    return KEY_LABELS.get(key, key.replace("_", " ").strip())


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _number(value: float | int) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if not math.isfinite(value):
        return str(value)
    return f"{value:.2f}"


def _offsets(value: Any) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value) and 0 <= value[0] <= value[1])


def _item(value: Any) -> str:
    """One list item as a short phrase."""
    if isinstance(value, dict):
        name = next((value[k] for k in _NAME_FIELDS if not _empty(value.get(k)) and not isinstance(value.get(k), (dict, list))), None)
        if name is None:
            return "; ".join(f"{_label(k)} {value_words(v)}" for k, v in value.items() if not _empty(v))
        out = str(name)
        qualifier = next((value[k] for k in _QUALIFIER_FIELDS if k in value and value[k] != name
                          and isinstance(value[k], str) and value[k]), None)
        score = value.get("score")
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            out += " " + _number(score)
        if qualifier:
            out += f" ({qualifier})"
        return out
    return value_words(value)


def value_words(value: Any) -> str:
    """A value as words: strings as they are, numbers rounded, lists joined, dicts as "key value" pairs."""
    if isinstance(value, str):
        return value.replace("_", " ") if _IDENTIFIER.fullmatch(value) else value
    if value is None:
        return ""
    if isinstance(value, (bool, int, float)):
        return _number(value)
    if _offsets(value):
        return f"{value[0]}\u2013{value[1]}"
    if isinstance(value, (list, tuple)):
        items = [_item(v) for v in value if not _empty(v)]
        items = [i for i in items if i]
        more = f", +{len(items) - MAX_ITEMS} more" if len(items) > MAX_ITEMS else ""
        return ", ".join(items[:MAX_ITEMS]) + more
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)} {value_words(v)}" for k, v in value.items() if not _empty(v))
    return str(value)


def attr_words(attrs: Any, *, limit: int | None = None, _prefix: str = "") -> list[tuple[str, str]]:
    """``attrs`` as (label, words) pairs in their order, empty ones left out, nested dicts flattened
    ("parts · entities"). ``limit`` shortens each value to that many characters (an ellipsis shows where)."""
    if not isinstance(attrs, dict):
        return []
    out: list[tuple[str, str]] = []
    for key, value in attrs.items():
        if _empty(value):
            continue
        label = f"{_prefix}{_label(key)}"
        if isinstance(value, dict) and not all(_empty(v) for v in value.values()):
            # a dict of scalars reads best on one line ("Protagonist 0.21; Antagonist 0.58");
            # one holding lists or dicts gets a pair per key
            if any(isinstance(v, (dict, list)) and not _offsets(v) for v in value.values()):
                out.extend(attr_words(value, limit=limit, _prefix=label + " \u00b7 "))
                continue
        elif isinstance(value, dict):
            continue
        words = value_words(value)
        if not words:
            continue
        if limit is not None and len(words) > limit:
            words = words[: limit - 1] + "\u2026"
        out.append((label, words))
    return out
