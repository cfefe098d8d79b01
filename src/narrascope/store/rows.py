"""What the store derives from a Document: its row, its facet labels, and dates made comparable.

Both backends store the same columns: :func:`document_row` (title, author, outlet, origin, URL,
language, publication date) and :func:`document_labels` (the facet rows: narratives, techniques,
entities, roles, cited outlets, quoted speakers). Dates are stored as text that sorts and compares
as dates (:func:`normalize_date`); :func:`bound_from` and :func:`bound_to` turn a search's date
filters into bounds on that text.
"""

from __future__ import annotations

import contextlib
import re
import urllib.parse
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

from ..model import Document
from ..outlets import outlet_name_key
from ..naming import demonym_places, is_name, looks_like_organisation, person_parts

# what the narratives analyzer assigns when nothing applies: a facet value (the documents with no narrative),
# stored only when it is the verdict, and left out of the narratives over time (see counts_over_time)
OTHER_NARRATIVE = "Other"


def _clean(value: Any, limit: int = 2000) -> str | None:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if isinstance(v, (str, int, float)))
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:limit] or None


def normalize_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` for a date, ``YYYY-MM-DDTHH:MM:SS`` in UTC for a date-time (naive means UTC),
    None for anything else; both forms sort and compare as text."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        return value.isoformat()
    elif isinstance(value, str) and value.strip():
        raw = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            try:
                return date.fromisoformat(raw).isoformat()
            except ValueError:
                return None
        # the readers' date parsing, imported here so that opening a store does not load the readers
        from ..readers.records import parse_date

        iso = parse_date(raw)
        if iso is None:
            return None
        dt = datetime.fromisoformat(iso)
    else:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.replace(microsecond=0).isoformat()


def bound_from(value: Any) -> str | None:
    return normalize_date(value)


def bound_to(value: Any) -> tuple[str, bool] | None:
    """(bound, inclusive): a day bound is exclusive of the next day, so the whole day counts."""
    norm = normalize_date(value)
    if norm is None:
        return None
    if len(norm) == 10:
        return (date.fromisoformat(norm) + timedelta(days=1)).isoformat(), False
    return norm, True


def default_source(doc: Document) -> str | None:
    """The outlet: site name, Telegram channel, feed title, else the URL's host, else the aggregator or
    original-source domain found in the text (``metadata.provenance``); None if unknown."""
    meta = doc.metadata
    for key in ("site_name", "channel", "feed_title"):
        value = _clean(meta.get(key), 300)
        if value:
            return value
    url = meta.get("url")
    if isinstance(url, str):
        try:
            host = urllib.parse.urlsplit(url.strip()).hostname
        except ValueError:
            host = None
        if host:
            return host[4:] if host.startswith("www.") else host
    # a plain-text repost: where the provenance analyzer says it was posted (the aggregator), else the
    # domain of the original-source link it gives
    provenance = meta.get("provenance")
    if isinstance(provenance, dict):
        for key in ("aggregator", "original_source_domain"):
            value = _clean(provenance.get(key), 300)
            if value:
                return value
    return None


def document_row(doc: Document, source: str | None = None) -> dict[str, Any]:
    meta = doc.metadata
    published = None
    for key in ("published", "date", "pubDate", "datePublished"):
        published = normalize_date(meta.get(key))
        if published:
            break
    language = _clean(meta.get("language"), 35)
    return {
        "id": doc.id,
        "title": _clean(meta.get("title")),
        "author": _clean(meta.get("author"), 500),
        "source": _clean(source, 300) if source else default_source(doc),
        "origin": _clean(meta.get("source"), 2000),
        "url": _clean(meta.get("url"), 2000),
        "language": language.lower() if language else None,
        "published": published,
    }


def document_labels(doc: Document, names: Mapping[str, str] | None = None) -> list[tuple[str, str, str, int]]:
    """Facet rows (kind, label, entity, count): narratives (groups, not candidates; "Other" only when it
    is the verdict, i.e. the document has no other narrative), techniques (spans of the "techniques" layer), entities (groups), roles (groups:
    the main role, with the entity's name; not the roles marked ``uncertain``, whose score sat near the prior of
    that role: corpus counts count findings only), cited sources and quoted speakers (groups; never a label that
    is no name, such as a pronoun, a bare demonym or a photo credit: :func:`narrascope.naming.clean_name`).
    ``names`` maps a person's name as written to its corpus-wide name (:func:`person_forms`, the store's
    name index): entity labels, the entity of a role and speakers are stored under it; an entity that is a bare
    demonym ("Western", from documents analysed before the entity analyzer joined it to its place) is stored
    under its place ("West")."""
    counts: dict[tuple[str, str, str], int] = {}
    names = names or {}

    def bump(kind: str, label: Any, entity: Any = "", n: int = 1) -> None:
        label = _clean(label, 500)
        if label and kind in ("cited", "speaker") and not is_name(label):
            return
        if label:
            entity = _clean(entity, 500) or ""
            if kind == "entity":
                label = names.get(label) or demonym_places().get(label.casefold(), label)
            elif kind == "speaker":
                label = names.get(label, label)
            elif kind == "role" and entity:
                entity = names.get(entity) or demonym_places().get(entity.casefold(), entity)
            key = (kind, label, entity)
            counts[key] = counts.get(key, 0) + n

    narratives = [g for g in doc.groups.get("narratives", []) if g.kind != "candidate"]
    for g in narratives:
        if g.label != OTHER_NARRATIVE:
            bump("narrative", g.label)
    if narratives and all(g.label == OTHER_NARRATIVE for g in narratives):
        bump("narrative", OTHER_NARRATIVE)
    for s in doc.layers.get("techniques", []):
        bump("technique", s.label)
    for g in doc.groups.get("entities", []):
        mentions = g.attrs.get("mentions")
        bump("entity", g.label, n=mentions if isinstance(mentions, int) and mentions > 0 else max(1, len(g.span_ids)))
    for g in doc.groups.get("roles", []):
        if g.attrs.get("uncertain") is not True:
            bump("role", g.label, g.attrs.get("entity") or "")
    for g in doc.groups.get("cited_sources", []):
        bump("cited", g.label, n=max(1, len(g.span_ids)))
    forwarded = doc.metadata.get("forwarded_from")
    if isinstance(forwarded, str):
        bump("cited", forwarded)
    for link in doc.metadata.get("links") or []:
        if isinstance(link, str):
            with contextlib.suppress(ValueError):
                host = urllib.parse.urlsplit(link.strip()).hostname
                if host:
                    bump("cited", host[4:] if host.startswith("www.") else host)
    for g in doc.groups.get("speakers", []):
        bump("speaker", g.label, n=max(1, len(g.span_ids)))
    # outlets of the user's outlets file: "outlet" rows keep the key of each name it was written as
    # (Store.outlet_profile finds "Tsarigrad" by it), "outlet_label" rows its labels (the facet)
    for g in doc.groups.get("outlets", []):
        names = [n for n in g.attrs.get("names") or [] if isinstance(n, str)] or [g.label]
        for key in {outlet_name_key(n) for n in names} - {""}:
            bump("outlet", g.label, key, n=max(1, len(g.span_ids)))
        for label in g.attrs.get("labels") or []:
            bump("outlet_label", label, g.label)
    return [(kind, label, entity, n) for (kind, label, entity), n in counts.items()]



def person_forms(doc: Document) -> dict[str, tuple[str, tuple[str, ...]]]:
    """People's names as this document writes them (its PERSON entities, the people cast in roles, speakers that
    are no other kind of entity), each with its (surname key, given names) (:func:`narrascope.naming.person_parts`):
    what the store's name index merges across the corpus."""
    kinds = {g.label: g.kind for g in doc.groups.get("entities", [])}
    forms: list[Any] = [g.label for g in doc.groups.get("entities", []) if g.kind == "PERSON"]
    forms += [g.attrs.get("entity") for g in doc.groups.get("roles", []) if g.kind == "PERSON"]
    forms += [g.label for g in doc.groups.get("speakers", []) if g.label in kinds and kinds[g.label] == "PERSON"
              or g.label not in kinds and not looks_like_organisation(g.label)]
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for form in forms:
        form = _clean(form, 500)
        if form and form not in out:
            parts = person_parts(form)
            if parts is not None:
                out[form] = parts
    return out
