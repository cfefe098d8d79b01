"""What the LLM backend's answers must look like, and the checks they pass before they count.

A small JSON Schema validator for the subset of JSON Schema that the schemas here use
(:data:`SUPPORTED_KEYWORDS`): a schema using anything else is refused up front rather than
half-checked; :class:`~narrascope.backends.llm.LLMBackend` validates every reply with it. For the
analyzers that ask a model (see ``llm_labelling``): the schema for choosing taxonomy labels
(:func:`label_choice_schema`), and the checks of an answer against the article and the taxonomy
(:func:`verify_evidence`, :func:`validate_labels`): a label the taxonomy does not have, or a quote
the article does not contain, never becomes a span.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

__all__ = [
    "ANNOTATION_KEYWORDS",
    "SUPPORTED_KEYWORDS",
    "Evidence",
    "RejectedQuote",
    "check_schema",
    "label_choice_schema",
    "schema_errors",
    "validate_labels",
    "verify_evidence",
]

log = logging.getLogger("narrascope.llm")


# --------------------------------------------------------------------------------------------
# a small JSON Schema validator (the subset the backend's schemas use)

#: keywords that are checked; annotation keywords are accepted and ignored
SUPPORTED_KEYWORDS = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "enum", "const",
    "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "anyOf",
})
ANNOTATION_KEYWORDS = frozenset({"title", "description", "$schema", "$comment", "default", "examples"})
_TYPES = {"object", "array", "string", "integer", "number", "boolean", "null"}


def check_schema(schema: Any, path: str = "#") -> None:
    """Raise ValueError when ``schema`` uses a keyword this module does not check, or is malformed."""
    if not isinstance(schema, dict):
        raise ValueError(f"schema at {path} must be an object")
    unknown = set(schema) - SUPPORTED_KEYWORDS - ANNOTATION_KEYWORDS
    if unknown:
        raise ValueError(f"schema at {path} uses unsupported keyword(s) {sorted(unknown)}; "
                         f"supported: {sorted(SUPPORTED_KEYWORDS)}")
    types = schema.get("type")
    if types is not None:
        for t in [types] if isinstance(types, str) else types:
            if t not in _TYPES:
                raise ValueError(f"schema at {path}: unknown type {t!r}")
    for key, sub in (schema.get("properties") or {}).items():
        check_schema(sub, f"{path}/properties/{key}")
    if isinstance(schema.get("additionalProperties"), dict):
        check_schema(schema["additionalProperties"], f"{path}/additionalProperties")
    if "items" in schema:
        check_schema(schema["items"], f"{path}/items")
    for i, sub in enumerate(schema.get("anyOf") or []):
        check_schema(sub, f"{path}/anyOf/{i}")
    if "enum" in schema and not isinstance(schema["enum"], list):
        raise ValueError(f"schema at {path}: enum must be a list")


def _is_type(value: Any, t: str) -> bool:
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "null":
        return value is None
    if t == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return False


def _show(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> Iterator[str]:
    """Yield one message per violation of ``schema`` by ``value`` (the subset in SUPPORTED_KEYWORDS)."""
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, t) for t in types):
            yield f"{path}: expected {' or '.join(types)}, got {_show(value)}"
            return
    if "enum" in schema and value not in schema["enum"]:
        allowed = schema["enum"]
        shown = ", ".join(_show(v, 40) for v in allowed[:8]) + (f", … ({len(allowed)} in all)" if len(allowed) > 8 else "")
        yield f"{path}: {_show(value)} is not one of the allowed values ({shown})"
    if "const" in schema and value != schema["const"]:
        yield f"{path}: must be {_show(schema['const'])}"
    if "anyOf" in schema and not any(not list(schema_errors(value, sub, path)) for sub in schema["anyOf"]):
        yield f"{path}: {_show(value)} matches none of the allowed alternatives"
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key in schema.get("required") or []:
            if key not in value:
                yield f"{path}: missing required property {key!r}"
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                yield from schema_errors(item, props[key], f"{path}.{key}")
            elif extra is False:
                yield f"{path}: unexpected property {key!r}"
            elif isinstance(extra, dict):
                yield from schema_errors(item, extra, f"{path}.{key}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            yield f"{path}: needs at least {schema['minItems']} item(s), got {len(value)}"
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            yield f"{path}: allows at most {schema['maxItems']} item(s), got {len(value)}"
        if isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                yield from schema_errors(item, schema["items"], f"{path}[{i}]")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            yield f"{path}: shorter than {schema['minLength']} character(s)"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            yield f"{path}: longer than {schema['maxLength']} character(s)"
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            yield f"{path}: {value} is below the minimum {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            yield f"{path}: {value} is above the maximum {schema['maximum']}"


# --------------------------------------------------------------------------------------------
# helpers for analyzers


def label_choice_schema(labels: Sequence[str], *, multi: bool, with_evidence: bool) -> dict[str, Any]:
    """A strict-mode JSON schema for choosing taxonomy labels.

    ============  ==============  ============================================================
    multi         with_evidence   reply shape
    ============  ==============  ============================================================
    False         False           ``{"label": L}``
    False         True            ``{"label": L, "evidence": [quote, ...]}``
    True          False           ``{"labels": [L, ...]}``
    True          True            ``{"labels": [{"label": L, "evidence": [quote, ...]}, ...]}``
    ============  ==============  ============================================================

    Every ``L`` is an enum of ``labels`` (duplicates dropped, order kept); every quote is meant to be
    copied verbatim from the article — check them with :func:`verify_evidence`.
    """
    names = list(dict.fromkeys(labels))
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError("label_choice_schema needs a non-empty list of non-empty label strings")
    label = {"type": "string", "enum": names, "description": "A label from the taxonomy, written exactly as listed."}
    evidence = {
        "type": "array",
        "description": "Exact quotes copied character for character from the article text that support "
                       "the label; do not paraphrase, shorten inside a quote or translate.",
        "items": {"type": "string", "description": "A verbatim substring of the article."},
    }

    def obj(props: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}

    item = obj({"label": label, "evidence": evidence}) if with_evidence else None
    if not multi:
        return item if item is not None else obj({"label": label})
    return obj({"labels": {"type": "array", "items": item if item is not None else label,
                           "description": "Every label that applies; an empty list if none does."}})


@dataclass(frozen=True)
class Evidence:
    """A quote found in the text: ``text[start:end]`` is its evidence. ``match`` is ``"exact"`` or
    ``"normalized"`` (found after folding whitespace, quotation marks, apostrophes and dashes);
    ``occurrences`` counts matches (the first is reported). Unpacks as ``quote, start, end``."""

    quote: str
    start: int
    end: int
    match: str = "exact"
    occurrences: int = 1
    ok: bool = field(default=True, init=False)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.quote, self.start, self.end))


@dataclass(frozen=True)
class RejectedQuote:
    """A quote that does not occur in the text (or is empty/too short to be evidence)."""

    quote: str
    reason: str
    ok: bool = field(default=False, init=False)


_FOLD = {
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e\uff02", '"'),
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u2039\u203a\uff07`\u00b4", "'"),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
}
_DROP = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


def _normalize(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each of its characters, the index of the original character it came from:
    whitespace runs become one space, curly/angle quotes and apostrophes become ' or ", dashes become -,
    … becomes ..., soft hyphens and zero-width characters vanish."""
    out: list[str] = []
    where: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch in _DROP:
            continue
        if ch.isspace():
            if not in_space:
                out.append(" ")
                where.append(i)
            in_space = True
            continue
        in_space = False
        for c in _FOLD.get(ch, ch):
            out.append(c)
            where.append(i)
    return "".join(out), where


def _find_all(haystack: str, needle: str) -> list[int]:
    hits, pos = [], haystack.find(needle)
    while pos != -1:
        hits.append(pos)
        pos = haystack.find(needle, pos + 1)
    return hits


def verify_evidence(text: str, quotes: Iterable[str], *, min_chars: int = 3) -> list[Evidence | RejectedQuote]:
    """Anchor each quoted evidence string in ``text``, in input order.

    Exact match first; then a match after folding whitespace, quotation marks, apostrophes, dashes
    and ellipses in both strings, mapped back to offsets in the original ``text`` (so
    ``text[start:end]`` is the article's own wording). Quotes that do not occur, or have fewer than
    ``min_chars`` non-space characters, come back as :class:`RejectedQuote` and are logged — never
    turned into spans. Leading/trailing whitespace of a quote is ignored.
    """
    results: list[Evidence | RejectedQuote] = []
    folded: tuple[str, list[int]] | None = None
    for quote in quotes:
        if not isinstance(quote, str):
            results.append(RejectedQuote(str(quote), "not a string"))
            continue
        needle = quote.strip()
        if len(re.sub(r"\s+", "", needle)) < min_chars:
            results.append(RejectedQuote(quote, f"shorter than {min_chars} characters"))
            continue
        hits = _find_all(text, needle)
        if hits:
            results.append(Evidence(quote, hits[0], hits[0] + len(needle), "exact", len(hits)))
            continue
        if folded is None:
            folded = _normalize(text)
        ftext, where = folded
        fneedle = _normalize(needle)[0].strip()
        hits = _find_all(ftext, fneedle) if fneedle else []
        if hits:
            first = hits[0]
            start, end = where[first], where[first + len(fneedle) - 1] + 1
            results.append(Evidence(quote, start, end, "normalized", len(hits)))
            continue
        results.append(RejectedQuote(quote, "does not occur in the text"))
        log.info("evidence rejected (not in the text): %s", _show(quote))
    return results


def validate_labels(predicted: Iterable[str], taxonomy_labels: Any) -> tuple[list[str], list[str]]:
    """Split ``predicted`` into (labels the taxonomy has, labels it does not), each in first-seen
    order without duplicates. ``taxonomy_labels`` is a list of names or a
    :class:`narrascope.taxonomy.Taxonomy`. Rejected labels are logged; drop them, never guess."""
    known = set(taxonomy_labels.names()) if hasattr(taxonomy_labels, "names") else set(taxonomy_labels)
    kept: list[str] = []
    rejected: list[str] = []
    for label in predicted:
        bucket = kept if isinstance(label, str) and label in known else rejected
        if label not in bucket:
            bucket.append(label)
    if rejected:
        log.info("labels outside the taxonomy dropped: %s", ", ".join(map(_show, rejected)))
    return kept, rejected
