"""The corpus store interface, and what every backend shares.

A store holds analysed Documents keyed by ``Document.id`` (the content hash, so ingesting the
same text twice adds nothing), a full-text index over title + text, and facet rows derived from
each Document's layers and groups at insert time, so that search filters, facets and counts over
time are plain queries. SQLite is the embedded backend (``narrascope.store.sqlite``); a PostgreSQL
backend implements the same abstract methods and joins the same test suite.

Everything a backend needs that is not SQL lives here: the row derived from a Document
(:func:`document_row`), the facet rows (:func:`document_labels`), date normalisation, query
parsing (:func:`parse_query`) and snippets with exact offsets (:func:`make_snippet`).
"""

from __future__ import annotations

import abc
import contextlib
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Literal

from ..errors import NarrascopeError
from ..model import Document

FACETS = ("language", "source", "narrative", "technique", "entity", "role")
LABEL_KINDS = ("narrative", "technique", "entity", "role")
PERIODS = ("day", "week", "month")
OTHER_NARRATIVE = "Other"


class StoreError(NarrascopeError):
    """The store cannot be opened or used: not a store, a newer schema, an unknown URL."""

    exit_code = 1


class StoreVersionError(StoreError):
    """The store file was written by a newer narrascope (its schema version is unknown here)."""


class StoreNotBuiltError(StoreError):
    """A backend the interface allows but this build does not have yet (PostgreSQL)."""

    exit_code = 2


@dataclass
class SearchHit:
    """One search result. ``snippet == text[snippet_start:snippet_end]`` of the stored Document's
    text, and each ``(start, end)`` in ``matches`` indexes that text too (the query's terms inside
    the snippet), so a UI can highlight without searching again."""

    doc_id: str
    title: str | None
    snippet: str
    snippet_start: int
    snippet_end: int
    matches: list[tuple[int, int]] = field(default_factory=list)
    score: float = 0.0
    date: str | None = None
    source: str | None = None
    language: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id, "title": self.title, "snippet": self.snippet,
            "snippet_start": self.snippet_start, "snippet_end": self.snippet_end,
            "matches": [list(m) for m in self.matches], "score": self.score, "date": self.date,
            "source": self.source, "language": self.language, "url": self.url,
        }


@dataclass
class ErrorRecord:
    """A per-item ingest failure: ``source`` is the file or URL, ``item`` the line/record or ''."""

    source: str
    item: str
    message: str
    count: int = 1
    first_seen: str = ""
    last_seen: str = ""


class Store(abc.ABC):
    """The corpus store. Use as a context manager, or call :meth:`close`.

    Writes made inside ``with store.batch():`` are one transaction (committed at the end, rolled
    back on an exception); outside a batch every write commits by itself.
    """

    url: str = ""

    # -- writing ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def add(self, doc: Document, source: str | None = None) -> bool:
        """Store ``doc``; False (and nothing changes but a sighting) when its id is already stored.
        ``source`` is the outlet for facets; by default it comes from the metadata (see
        :func:`document_row`)."""

    def add_many(self, docs: Iterable[Document], source: str | None = None) -> tuple[int, int]:
        """Add documents in one transaction; returns (added, skipped)."""
        added = skipped = 0
        with self.batch():
            for doc in docs:
                if self.add(doc, source):
                    added += 1
                else:
                    skipped += 1
        return added, skipped

    @abc.abstractmethod
    def batch(self) -> contextlib.AbstractContextManager[None]:
        """One transaction around several writes (nestable; the outermost commits)."""

    @abc.abstractmethod
    def record_error(self, source: str, item: str | None, message: str) -> None:
        """Log a per-item failure; the same (source, item, message) again only bumps its count."""

    @abc.abstractmethod
    def errors(self) -> list[ErrorRecord]:
        """The error log, oldest first."""

    @abc.abstractmethod
    def mark_done(self, source_key: str) -> None:
        """Remember that an ingest source (file path + size + mtime, or URL) is fully stored."""

    @abc.abstractmethod
    def is_done(self, source_key: str) -> bool: ...

    # -- reading ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def get(self, doc_id: str) -> Document | None: ...

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self.get(doc_id) is not None

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def ids(self) -> list[str]:
        """Every stored document id, in insertion order."""

    @abc.abstractmethod
    def search(
        self,
        query: str | None = None,
        *,
        language: str | None = None,
        source: str | None = None,
        date_from: str | date | datetime | None = None,
        date_to: str | date | datetime | None = None,
        narrative: str | None = None,
        technique: str | None = None,
        entity: str | None = None,
        role: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[SearchHit]:
        """Full-text search (all terms must occur; ``"a phrase"``, ``prefix*``) with filters.
        No query: the filtered documents, newest first. ``date_to`` given as a day includes that
        day. ``entity`` with ``role``: the entity cast in that role."""

    @abc.abstractmethod
    def search_count(self, query: str | None = None, **filters: Any) -> int:
        """How many documents :meth:`search` would find without limit and offset."""

    @abc.abstractmethod
    def facets(self, query: str | None = None, *, limit: int = 50, **filters: Any) -> dict[str, list[tuple[str, int]]]:
        """For each of FACETS, the values and their document counts among the documents that
        match ``query`` and ``filters`` (the search filters), most frequent first."""

    @abc.abstractmethod
    def counts_over_time(
        self,
        kind: Literal["narrative", "technique", "role", "entity"],
        period: Literal["day", "week", "month"] = "week",
        source: str | None = None,
        entity: str | None = None,
    ) -> list[tuple[str, str, int]]:
        """(period start as YYYY-MM-DD, label, number of documents) for documents with a
        publication date; weeks start on Monday. With ``entity`` (kind "role"): that entity's roles."""

    # -- lifecycle --------------------------------------------------------------------------------
    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.count()


# -- rows derived from a Document ----------------------------------------------------------------


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
        from ..readers.records import _as_date  # the readers' own date parsing, one place

        iso = _as_date(raw)
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
    """The outlet: site name, Telegram channel, feed title, else the URL's host; None if unknown."""
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


def document_labels(doc: Document) -> list[tuple[str, str, str, int]]:
    """Facet rows (kind, label, entity, count): narratives (groups, not "Other", not overruled
    candidates), techniques (spans of the "techniques" layer), entities (groups), roles (groups:
    the main role, with the entity's name)."""
    counts: dict[tuple[str, str, str], int] = {}

    def bump(kind: str, label: Any, entity: Any = "", n: int = 1) -> None:
        label = _clean(label, 500)
        if label:
            key = (kind, label, _clean(entity, 500) or "")
            counts[key] = counts.get(key, 0) + n

    for g in doc.groups.get("narratives", []):
        if g.label != OTHER_NARRATIVE and g.kind != "candidate":
            bump("narrative", g.label)
    for s in doc.layers.get("techniques", []):
        bump("technique", s.label)
    for g in doc.groups.get("entities", []):
        mentions = g.attrs.get("mentions")
        bump("entity", g.label, n=mentions if isinstance(mentions, int) and mentions > 0 else max(1, len(g.span_ids)))
    for g in doc.groups.get("roles", []):
        bump("role", g.label, g.attrs.get("entity") or "")
    return [(kind, label, entity, n) for (kind, label, entity), n in counts.items()]


# -- queries and snippets ------------------------------------------------------------------------

# Scripts written without spaces between words: each character is indexed as its own token, so a
# search for 北京 is the phrase "北 京" and finds it inside 我爱北京天安门.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_CJK_RE = re.compile(f"([{_CJK}])")
_WORD_RE = re.compile(r"[^\W_]+")
_QUERY_RE = re.compile(r'"([^"]*)"?|(\S+)')


def split_cjk(text: str) -> str:
    """Spaces around CJK characters, for the full-text index only (the stored text is untouched)."""
    return _CJK_RE.sub(r" \1 ", text) if _CJK_RE.search(text) else text


@dataclass(frozen=True)
class Term:
    """All words in order (a phrase when more than one); ``prefix``: the last word is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


def parse_query(query: str | None) -> list[Term]:
    """``"exact phrase"``, ``word``, ``pref*``; punctuation separates words as the index does.
    FTS syntax in the query is never passed through, so no query is an SQL or FTS error."""
    terms: list[Term] = []
    for phrase, bare in _QUERY_RE.findall(query or ""):
        chunk = phrase if phrase else bare
        prefix = not phrase and chunk.endswith("*")
        words = tuple(w for part in _WORD_RE.findall(chunk) for w in split_cjk(part).split())
        if words:
            terms.append(Term(words, prefix and not _CJK_RE.fullmatch(words[-1])))
    return terms


def fts_query(terms: list[Term]) -> str:
    """An FTS5 MATCH expression: every term required; words hold only letters and digits."""
    return " ".join('"' + " ".join(t.words) + '"' + ("*" if t.prefix else "") for t in terms)


def fold(text: str) -> str:
    """Case- and diacritics-insensitive form of a word (what the index compares)."""
    return "".join(_fold_char(c) for c in text)


_FOLD_CACHE: dict[str, str] = {}


def _fold_char(c: str) -> str:
    out = _FOLD_CACHE.get(c)
    if out is None:
        out = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch)).casefold()
        if len(_FOLD_CACHE) < 100_000:
            _FOLD_CACHE[c] = out
    return out


def folded_with_map(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, unless it is the identity, the original index of each folded char."""
    if text.isascii():
        return text.lower(), None
    parts: list[str] = []
    index: list[int] = []
    for i, c in enumerate(text):
        f = _fold_char(c)
        parts.append(f)
        index.extend([i] * len(f))
    return "".join(parts), index


def _term_pattern(term: Term) -> re.Pattern[str]:
    pieces = []
    for w in term.words:
        fw = re.escape(fold(w))
        pieces.append(fw)
    # between words: separators, or nothing next to a CJK character (each is a token of its own)
    glue = [r"[\W_]*" if _CJK_RE.fullmatch(a) or _CJK_RE.fullmatch(b) else r"[\W_]+"
            for a, b in zip(term.words, term.words[1:])]
    body = pieces[0] + "".join(g + p for g, p in zip(glue, pieces[1:]))
    letter = f"[^\\W_{_CJK}]"  # a word character that is not CJK
    before = "" if _CJK_RE.fullmatch(term.words[0]) else f"(?<!{letter})"
    after = "" if _CJK_RE.fullmatch(term.words[-1]) else (f"{letter}*" if term.prefix else f"(?!{letter})")
    return re.compile(before + body + after)


SCAN_CHUNK = 50_000  # characters folded at a time while looking for a snippet
SCAN_OVERLAP = 1_000
MAX_SCAN = 1_000_000  # a snippet is looked for in the first million characters


def find_matches(text: str, terms: list[Term], limit: int = 200, *, first_chunk: bool = False) -> list[tuple[int, int]]:
    """Offsets into ``text`` of the terms' occurrences, sorted, at most ``limit``. The text is
    folded chunk by chunk; with ``first_chunk``, the scan stops at the first chunk with a match
    (enough for a snippet, and fast on a long article)."""
    if not terms or not text:
        return []
    patterns = [_term_pattern(t) for t in terms]
    found: set[tuple[int, int]] = set()
    pos = 0
    while pos < min(len(text), MAX_SCAN):
        lo = max(0, pos - 1)  # one character before, for the word-boundary look-behind
        hi = min(len(text), pos + SCAN_CHUNK + SCAN_OVERLAP)
        folded, index = folded_with_map(text[lo:hi])
        for pattern in patterns:
            for m in pattern.finditer(folded):
                if m.end() == m.start():
                    continue
                a, b = (m.start(), m.end()) if index is None else (index[m.start()], index[m.end() - 1] + 1)
                if pos <= lo + a < pos + SCAN_CHUNK:  # the chunk's own; the overlap only completes them
                    found.add((lo + a, lo + b))
                if len(found) >= limit * 4:
                    break
        if found and (first_chunk or len(found) >= limit):
            break
        pos += SCAN_CHUNK
    return sorted(found)[:limit]


def make_snippet(
    text: str, terms: list[Term], *, width: int = 240
) -> tuple[str, int, int, list[tuple[int, int]]]:
    """(snippet, start, end, matches inside it): the region around the first match (or the start
    of the text), cut at spaces where possible; ``text[start:end] == snippet``."""
    matches = find_matches(text, terms, first_chunk=True)
    if matches:
        first_start, first_end = matches[0]
        start = max(0, first_start - width // 3)
        end = min(len(text), max(first_end, start + width))
    else:
        start, end = 0, min(len(text), width)
    if start > 0:  # begin after a space, if one is near and before the match
        cut = text.rfind(" ", start, start + 30)
        limit_ = matches[0][0] if matches else end
        if cut != -1 and cut + 1 <= limit_:
            start = cut + 1
    if end < len(text):
        cut = text.rfind(" ", end - 30, end)
        need = matches[0][1] if matches else start
        if cut != -1 and cut >= need:
            end = cut
    inside = [(a, b) for a, b in matches if a >= start and b <= end]
    return text[start:end], start, end, inside


def batch_iter(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
