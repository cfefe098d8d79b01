"""Outlet knowledge in a document: which outlets of the user's outlets file (:mod:`narrascope.outlets`)
the document's original source, aggregator, cited outlets and channels are, and the labels the file
gives them ("state-affiliated", "listed in a disinformation case database") with their sources.

Only where the document names an outlet as one is a name compared (provenance URLs, the citations
layer's cited names, and the metadata's site, channel, feed and links), never any word of the text, so a
country or a person that shares a name with an outlet is not taken for it.

Layer ``outlets``: one span per match, on the words or the link that name the outlet, labelled with
the outlet's name; attrs ``outlet``, ``matched`` (the text compared), ``role`` (original_source,
aggregator, cited or channel), ``how`` (name, spelling, domain or channel link), ``country``, ``labels``,
``label_sources``. ``groups["outlets"]``: each outlet once, with its ``roles``, ``mentions`` (spans) and
``names`` (the texts matched). What only the metadata names has no span: the site or feed the document
was read from (role ``publisher``), its Telegram channel or the channel it forwards (``channel``), and
links a reader kept apart from the text (``cited``, or ``channel`` for a t.me link). Absent without an
outlets file.

Configured by a path (``options={"path": FILE}``; default $NARRASCOPE_OUTLETS): the file is read once
per process (and again when it changes).
"""

from __future__ import annotations

from typing import Any

from ..model import Document, Group
from ..outlets import Outlet, OutletIndex, default_outlets_path, load_outlets
from ..pipeline import Pipeline, register_analyzer
from .base import Analyzer

ROLES = ("original_source", "aggregator", "cited", "channel")
PUBLISHER = "publisher"  # the group role of an outlet known from the metadata only (no words to point at)

# metadata keys that name the document's own outlet, and the role a match there has
_METADATA_NAMES = (("channel", "channel"), ("forwarded_from", "channel"), ("site_name", PUBLISHER),
                   ("feed_title", PUBLISHER))


def add_outlets(pipeline: Pipeline, path: str) -> None:
    """Add the outlets analyzer for the outlets file at ``path`` to ``pipeline``, after the citations (or
    the provenance) analyzer it reads."""
    names = pipeline.names
    after = "citations" if "citations" in names else "provenance" if "provenance" in names else None
    pipeline.add("outlets", options={"path": str(path)}, after=after)


@register_analyzer("outlets")
class OutletsAnalyzer(Analyzer):
    name = "outlets"
    requires = ("provenance",)
    produces = ("outlets",)
    version = "1"

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self.index: OutletIndex | None = None

    def setup(self) -> None:
        path = default_outlets_path(self.path)
        self.index = load_outlets(path) if path else None

    def __call__(self, doc: Document) -> Document:
        if self.index is None:
            return doc
        found: list[tuple[int, int, Outlet, dict[str, Any]]] = []
        publisher: list[tuple[Outlet, str, str]] = []  # (outlet, role, matched) from the metadata: no span

        for span in doc.spans("provenance"):
            url = span.attrs.get("url")
            if not isinstance(url, str):
                continue
            hit = self.index.match_url(url)
            if hit is None:
                continue
            outlet, matched = hit
            by_handle = matched != span.attrs.get("domain") and "." not in matched
            role = {"original_source": "original_source", "aggregator_url": "aggregator"}.get(span.label, "cited")
            if by_handle and role != "original_source":
                role = "channel"
            found.append((span.start, span.end, outlet, {"matched": matched, "role": role,
                                                         "how": "channel link" if by_handle else "domain"}))

        for span in doc.spans("citations"):
            name_span = span.attrs.get("name_span")
            if not (isinstance(name_span, list) and len(name_span) == 2 and all(isinstance(x, int) for x in name_span)):
                continue
            ns, ne = name_span
            if not 0 <= ns < ne <= len(doc.text):
                continue
            kind = span.attrs.get("kind")
            written = span.attrs.get("owner") if kind == "own_channel" else span.attrs.get("name")
            written = written if isinstance(written, str) and written else doc.text[ns:ne]
            hit = self.index.match_how(written)
            if hit is None:
                continue
            outlet, how = hit
            channel = kind in ("channel", "own_channel") or (kind == "caption" and bool(span.attrs.get("platform") or span.attrs.get("medium")))
            found.append((ns, ne, outlet, {"matched": written, "role": "channel" if channel else "cited", "how": how}))

        meta = doc.metadata
        seen: set[str] = set()
        for key, role in _METADATA_NAMES:
            value = meta.get(key)
            # a Telegram post's channel is also its site_name: one role, the first (channel)
            if isinstance(value, str) and value.strip() and value.strip() not in seen:
                seen.add(value.strip())
                outlet = self.index.match(value)
                if outlet is not None:
                    publisher.append((outlet, role, value.strip()))
        url = meta.get("url")
        if isinstance(url, str) and url.strip():
            hit = self.index.match_url(url.strip())
            if hit is not None:
                publisher.append((hit[0], PUBLISHER, hit[1]))
        # links a reader kept apart from the text (a Telegram post's): cited, or a channel by its t.me link
        links = meta.get("links") if isinstance(meta.get("links"), list) else []
        for link in links[:500]:
            hit = self.index.match_url(link) if isinstance(link, str) else None
            if hit is not None:
                publisher.append((hit[0], "channel" if "." not in hit[1] else "cited", hit[1]))

        self._emit(doc, found, publisher)
        return doc

    def _emit(self, doc: Document, found: list, publisher: list) -> None:
        groups: dict[str, Group] = {}

        def group_of(outlet: Outlet) -> Group:
            group = groups.get(outlet.name)
            if group is None:
                group = groups[outlet.name] = Group(
                    id=f"O{len(groups) + 1}", label=outlet.name, kind="outlet", source=self.name,
                    attrs={"outlet": outlet.name, "country": outlet.country, "labels": list(outlet.labels),
                           "label_sources": dict(outlet.label_sources), "roles": [], "mentions": 0, "names": []})
            return group

        seen: set[tuple[int, int, str]] = set()
        for start, end, outlet, extra in sorted(found, key=lambda f: (f[0], f[1])):
            if (start, end, outlet.name) in seen:
                continue
            seen.add((start, end, outlet.name))
            span = doc.add_span("outlets", start, end, outlet.name, score=1.0 if extra["how"] != "spelling" else 0.9,
                                source=self.name, attrs={"outlet": outlet.name, **extra, "country": outlet.country,
                                                         "labels": list(outlet.labels),
                                                         "label_sources": dict(outlet.label_sources)})
            group = group_of(outlet)
            group.span_ids.append(span.id)
            _note(group, extra["role"], extra["matched"])
        for outlet, role, matched in publisher:
            _note(group_of(outlet), role, matched)
        for group in groups.values():
            group.attrs["mentions"] = len(group.span_ids)
            doc.add_group("outlets", group)


def _note(group: Group, role: str, matched: str) -> None:
    if role not in group.attrs["roles"]:
        group.attrs["roles"].append(role)
    if matched not in group.attrs["names"]:
        group.attrs["names"].append(matched)
