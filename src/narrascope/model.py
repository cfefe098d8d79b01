"""The one data model: a Document with typed layers of Spans.

Offsets are Python string indices (Unicode code points) into ``Document.text``,
end exclusive, so ``doc.text[span.start:span.end]`` is always the evidence.
The text is never altered after reading; analyzers only add layers and groups.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

SCHEMA_NAME = "narrascope.document"
SCHEMA_VERSION = 1


def content_id(text: str) -> str:
    """Stable document id: the first 16 hex digits of SHA-256 over the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _check_json_value(value: Any, where: str) -> None:
    """Attributes must survive a JSON round trip unchanged, so only JSON types are allowed."""
    if value is None or isinstance(value, (bool, str, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: non-finite float {value!r} is not JSON")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_json_value(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: key {key!r} is not a string")
            _check_json_value(item, f"{where}.{key}")
        return
    raise ValueError(f"{where}: {type(value).__name__} is not a JSON type (use list, dict, str, number)")


@dataclass
class Span:
    """One finding anchored in the text: ``text[start:end]`` is its evidence."""

    start: int
    end: int
    label: str
    score: float = 1.0
    source: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "score": self.score,
            "source": self.source,
            "attrs": self.attrs,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Span":
        return cls(
            start=data["start"],
            end=data["end"],
            label=data["label"],
            score=data.get("score", 1.0),
            source=data.get("source", ""),
            attrs=data.get("attrs", {}),
            id=data.get("id", ""),
        )


@dataclass
class Group:
    """A document-level finding that gathers spans: an entity with its mentions,
    a cited source cited several times. ``span_ids`` point into the layers."""

    id: str
    label: str
    kind: str
    span_ids: list[str] = field(default_factory=list)
    score: float = 1.0
    source: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "kind": self.kind,
            "span_ids": self.span_ids,
            "score": self.score,
            "source": self.source,
            "attrs": self.attrs,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Group":
        return cls(
            id=data["id"],
            label=data["label"],
            kind=data.get("kind", ""),
            span_ids=list(data.get("span_ids", [])),
            score=data.get("score", 1.0),
            source=data.get("source", ""),
            attrs=data.get("attrs", {}),
        )


class Document:
    """An article: its original text, metadata, span layers and groups.

    ``layers`` maps a layer name ("structure", "entities", "quotes", ...) to a list
    of spans sorted by offset; ``groups`` maps a name ("entities", "cited_sources")
    to document-level findings that refer to spans by id.
    """

    def __init__(
        self,
        text: str,
        metadata: dict[str, Any] | None = None,
        layers: dict[str, list[Span]] | None = None,
        groups: dict[str, list[Group]] | None = None,
        id: str | None = None,
    ) -> None:
        if not isinstance(text, str):
            raise TypeError("Document text must be str")
        self.text = text
        self.id = id or content_id(text)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.layers: dict[str, list[Span]] = {}
        self.groups: dict[str, list[Group]] = {}
        self._span_ids: dict[str, set[str]] = {}  # per layer, so add_span stays O(1)
        for name, spans in (layers or {}).items():
            self.layers[name] = []
            for span in spans:
                self.add_span(name, span)
        for name, items in (groups or {}).items():
            self.groups[name] = list(items)

    # -- building -----------------------------------------------------------
    def add_span(
        self,
        layer: str,
        span_or_start: Span | int,
        end: int | None = None,
        label: str | None = None,
        *,
        score: float = 1.0,
        source: str = "",
        attrs: dict[str, Any] | None = None,
    ) -> Span:
        """Add a span to ``layer`` (created on first use) and return it with its id.

        Accepts a Span or (start, end, label, ...). Offsets are validated against the text.
        """
        if isinstance(span_or_start, Span):
            span = span_or_start
        else:
            if end is None or label is None:
                raise TypeError("add_span needs a Span or start, end and label")
            span = Span(span_or_start, end, label, score=score, source=source, attrs=dict(attrs or {}))
        if not (0 <= span.start <= span.end <= len(self.text)):
            raise ValueError(
                f"span {span.label!r} [{span.start}, {span.end}) is outside the text (length {len(self.text)})"
            )
        _check_json_value(span.attrs, f"span {span.label!r} attrs")
        if not math.isfinite(span.score):
            raise ValueError(f"span {span.label!r} has a non-finite score")
        spans = self.layers.setdefault(layer, [])
        used = self._span_ids.setdefault(layer, set())
        if len(used) != len(spans):  # the list was edited directly: re-index
            used.clear()
            used.update(s.id for s in spans)
        if not span.id:
            n = len(spans)
            while f"{layer}:{n}" in used:  # ids stay unique after removals
                n += 1
            span.id = f"{layer}:{n}"
        elif span.id in used:
            raise ValueError(f"span id {span.id!r} is already used in layer {layer!r}")
        used.add(span.id)
        spans.append(span)
        return span

    def add_group(self, name: str, group: Group) -> Group:
        _check_json_value(group.attrs, f"group {group.label!r} attrs")
        self.groups.setdefault(name, []).append(group)
        return group

    def sort_layers(self) -> None:
        for spans in self.layers.values():
            spans.sort(key=lambda s: (s.start, -s.end, s.label))

    # -- reading ------------------------------------------------------------
    def spans(self, layer: str) -> list[Span]:
        return self.layers.get(layer, [])

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def span_by_id(self, span_id: str) -> Span | None:
        layer = span_id.split(":", 1)[0]
        for span in self.layers.get(layer, []):
            if span.id == span_id:
                return span
        return None

    def iter_spans(self) -> Iterator[tuple[str, Span]]:
        for name, spans in self.layers.items():
            for span in spans:
                yield name, span

    @property
    def title(self) -> str | None:
        return self.metadata.get("title")

    # -- serialisation ------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_NAME,
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "text": self.text,
            "metadata": self.metadata,
            "layers": {name: [s.to_dict() for s in spans] for name, spans in self.layers.items()},
            "groups": {name: [g.to_dict() for g in items] for name, items in self.groups.items()},
        }

    def to_json(self, indent: int | None = 2) -> str:
        # ensure_ascii keeps lone surrogates and odd code points representable
        return json.dumps(self.to_dict(), ensure_ascii=True, indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        if data.get("schema") != SCHEMA_NAME:
            raise ValueError(f"not a narrascope document (schema={data.get('schema')!r})")
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"unsupported document schema version {version!r} (this build reads {SCHEMA_VERSION})")
        doc = cls(text=data["text"], metadata=data.get("metadata", {}), id=data.get("id"))
        for name, spans in data.get("layers", {}).items():
            doc.layers[name] = []
            for raw in spans:
                doc.add_span(name, Span.from_dict(raw))
        for name, items in data.get("groups", {}).items():
            doc.groups[name] = [Group.from_dict(raw) for raw in items]
        return doc

    @classmethod
    def from_json(cls, payload: str) -> "Document":
        return cls.from_dict(json.loads(payload))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Document) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self.layers.items())
        return f"Document(id={self.id!r}, chars={len(self.text)}, layers[{counts}])"


def spans_overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def covering(spans: Iterable[Span], start: int, end: int) -> list[Span]:
    """Spans of ``spans`` that overlap [start, end)."""
    return [s for s in spans if s.start < end and start < s.end]
