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
# "cited": outlets, channels and accounts a document cites or forwards; "speaker": whom it quotes
LABEL_KINDS = ("narrative", "technique", "entity", "role", "cited", "speaker")
CLUSTER_KINDS = ("near-duplicate", "cross-language")
PERIODS = ("day", "week", "month")
OTHER_NARRATIVE = "Other"


# Tables both backends create the same way (their own migrations run this DDL): the latest stored
# result of each cluster kind; ids are assigned by the store, not by the database.
CLUSTER_TABLES_SQL = """
CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                -- near-duplicate | cross-language
    original TEXT NOT NULL,            -- document id of the probable original (the earliest member)
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX clusters_kind_size ON clusters(kind, size);
CREATE TABLE cluster_members (
    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    doc_id TEXT NOT NULL,
    position INTEGER NOT NULL,         -- 0 = the probable original, then by date
    similarity REAL,                   -- best similarity estimate to another member
    evidence TEXT,                     -- shared specifics, one per line (cross-language links)
    PRIMARY KEY (cluster_id, doc_id)
);
CREATE INDEX cluster_members_doc ON cluster_members(doc_id);
"""


# Schema version 4, both backends: covering index for the date/source/language of a document id, and
# the newest-first order of a search without words.
RECENT_INDEXES_SQL = """
CREATE INDEX documents_id_published ON documents(id, published, source, language);
CREATE INDEX documents_recent ON documents((published IS NULL), published DESC)
"""


class StoreError(NarrascopeError):
    """The store cannot be opened or used: not a store, a newer schema, an unknown URL."""

    exit_code = 1


class StoreVersionError(StoreError):
    """The store file was written by a newer narrascope (its schema version is unknown here)."""


class StoreReadOnlyError(StoreError):
    """A write to a store that is open read-only, or that sits on read-only media or files."""

    exit_code = 1


class StoreNotBuiltError(StoreError):
    """A backend the interface allows but this build does not have (kept for callers that catch it)."""

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

    # -- SQL every backend speaks -------------------------------------------------------------------
    # The corpus analytics below (clusters, graphs, entity pages, overview) are written once, in SQL
    # that SQLite and PostgreSQL both accept, with "?" placeholders; a backend runs it through these.
    @abc.abstractmethod
    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        """Run a query, return all rows."""

    @abc.abstractmethod
    def _run(self, sql: str, params: Iterable[Any] = ()) -> None:
        """Run one write statement (inside the current batch, else committed by itself)."""

    @abc.abstractmethod
    def _run_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Run one write statement for each row of parameters."""

    @abc.abstractmethod
    def sightings(self, doc_id: str) -> list[dict[str, Any]]:
        """Every (source, url, origin, published, seen_at) the text was seen with, first seen first."""

    # -- clusters -----------------------------------------------------------------------------------
    def replace_clusters(self, kind: str, clusters: Iterable[Any]) -> int:
        """Store the clusters of one kind (CLUSTER_KINDS), replacing that kind's earlier result.
        Each cluster is a :class:`narrascope.clusters.Cluster` (or its ``to_dict()``): members
        earliest first, the first the probable original. Returns how many were stored."""
        if kind not in CLUSTER_KINDS:
            raise StoreError(f"cluster kind must be one of {', '.join(CLUSTER_KINDS)}, not {kind!r}")
        now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        stored = 0
        with self.batch():
            self._run("DELETE FROM cluster_members WHERE cluster_id IN (SELECT id FROM clusters WHERE kind = ?)", (kind,))
            self._run("DELETE FROM clusters WHERE kind = ?", (kind,))
            next_id = int(self._rows("SELECT coalesce(max(id), 0) FROM clusters")[0][0]) + 1
            for c in clusters:
                c = c.to_dict() if hasattr(c, "to_dict") else dict(c)
                members = list(c["members"])
                if len(members) < 2:
                    continue
                best: dict[str, float] = {}
                evidence: dict[str, list[str]] = {}
                for pair in c.get("pairs", []):
                    score = float(next((pair[k] for k in ("jaccard", "anchor_score", "score") if k in pair), 0.0))
                    for m in (pair["a"], pair["b"]):
                        best[m] = max(best.get(m, 0.0), score)
                        if pair.get("evidence"):
                            evidence.setdefault(m, [])
                            evidence[m] += [e for e in pair["evidence"] if e not in evidence[m]]
                self._run("INSERT INTO clusters (id, kind, original, size, created_at) VALUES (?, ?, ?, ?, ?)",
                          (next_id, kind, members[0], len(members), now))
                self._run_many(
                    "INSERT INTO cluster_members (cluster_id, doc_id, position, similarity, evidence) VALUES (?, ?, ?, ?, ?)",
                    [(next_id, m, i, best.get(m), "\n".join(evidence.get(m, [])[:20]) or None) for i, m in enumerate(members)],
                )
                next_id += 1
                stored += 1
        return stored

    _CLUSTER_COLUMNS = ("id", "kind", "original", "size", "title", "source", "published", "language")

    def clusters(self, kind: str | None = None, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Stored clusters, largest first, with the probable original's title, source, date, language."""
        sql = ("SELECT c.id, c.kind, c.original, c.size, d.title, d.source, d.published, d.language"
               " FROM clusters c LEFT JOIN documents d ON d.id = c.original")
        params: list[Any] = []
        if kind:
            sql += " WHERE c.kind = ?"
            params.append(kind)
        sql += " ORDER BY c.size DESC, c.id LIMIT ? OFFSET ?"
        return [dict(zip(self._CLUSTER_COLUMNS, r)) for r in self._rows(sql, params + [max(0, int(limit)), max(0, int(offset))])]

    def cluster_count(self, kind: str | None = None) -> int:
        if kind:
            return int(self._rows("SELECT count(*) FROM clusters WHERE kind = ?", (kind,))[0][0])
        return int(self._rows("SELECT count(*) FROM clusters")[0][0])

    def cluster(self, cluster_id: int) -> dict[str, Any] | None:
        """One cluster with its members (earliest first): id, title, source, url, published, language,
        similarity (best estimate to another member), evidence (shared specifics, cross-language)."""
        rows = self._rows(
            "SELECT c.id, c.kind, c.original, c.size, d.title, d.source, d.published, d.language"
            " FROM clusters c LEFT JOIN documents d ON d.id = c.original WHERE c.id = ?", (int(cluster_id),))
        if not rows:
            return None
        out = dict(zip(self._CLUSTER_COLUMNS, rows[0]))
        keys = ("doc_id", "position", "similarity", "evidence", "title", "source", "url", "published", "language")
        out["members"] = [
            {**dict(zip(keys, r)), "evidence": r[3].split("\n") if r[3] else []}
            for r in self._rows(
                "SELECT m.doc_id, m.position, m.similarity, m.evidence, d.title, d.source, d.url, d.published, d.language"
                " FROM cluster_members m LEFT JOIN documents d ON d.id = m.doc_id WHERE m.cluster_id = ? ORDER BY m.position",
                (int(cluster_id),))
        ]
        return out

    def clusters_of(self, doc_id: str) -> list[dict[str, Any]]:
        """The clusters a document belongs to (id, kind, original, size, its position)."""
        rows = self._rows(
            "SELECT c.id, c.kind, c.original, c.size, m.position FROM cluster_members m JOIN clusters c ON c.id = m.cluster_id"
            " WHERE m.doc_id = ? ORDER BY c.kind, c.id", (doc_id,))
        return [dict(zip(("id", "kind", "original", "size", "position"), r)) for r in rows]

    # -- overview, entities, graphs -------------------------------------------------------------------
    def overview(self) -> dict[str, Any]:
        """Corpus totals for a dashboard: documents, sources, languages, dated span, clusters, errors."""
        docs, sources, languages, first, last, dated = self._rows(
            "SELECT count(*), count(DISTINCT source), count(DISTINCT language), min(published), max(published),"
            " count(published) FROM documents")[0]
        return {
            "documents": int(docs), "sources": int(sources), "languages": int(languages),
            "first_published": first, "last_published": last, "dated": int(dated),
            "clusters": {k: self.cluster_count(k) for k in CLUSTER_KINDS},
            "errors": int(self._rows("SELECT count(*) FROM ingest_errors")[0][0]),
        }

    def top_labels(self, kind: str, *, limit: int = 20, source: str | None = None) -> list[tuple[str, int]]:
        """The labels of one kind (LABEL_KINDS) in most documents: (label, documents)."""
        if kind not in LABEL_KINDS:
            raise StoreError(f"kind must be one of {', '.join(LABEL_KINDS)}, not {kind!r}")
        if source:
            # CROSS JOIN: the source's documents first, then their labels (SQLite keeps that order)
            rows = self._rows(
                "SELECT l.label, count(DISTINCT l.doc_id) AS n FROM documents d CROSS JOIN doc_labels l"
                " WHERE l.doc_id = d.id AND l.kind = ? AND d.source = ? GROUP BY l.label ORDER BY n DESC, l.label LIMIT ?",
                (kind, source, limit))
        else:
            rows = self._rows(
                "SELECT label, count(DISTINCT doc_id) AS n FROM doc_labels WHERE kind = ?"
                " GROUP BY label ORDER BY n DESC, label LIMIT ?", (kind, limit))
        return [(label, int(n)) for label, n in rows]

    def entity_profile(self, name: str, *, period: str = "month", source: str | None = None) -> dict[str, Any] | None:
        """Everything about one entity (its canonical name): documents, roles (main roles and the
        documents casting it so), who casts it as what (role by source), roles over time, the entities
        it appears with, and its most recent documents; with ``source``, in that outlet's documents only.
        None when no document (of that source) mentions it."""
        # "in the source's documents": a join to documents only when a source is asked for
        src = (" JOIN documents d ON d.id = l.doc_id", " AND d.source = ?", [source]) if source else ("", "", [])
        docs = int(self._rows(
            f"SELECT count(DISTINCT l.doc_id) FROM doc_labels l{src[0]} WHERE l.kind = 'entity' AND l.label = ?{src[1]}",
            [name] + src[2])[0][0])
        roles = [(r, int(n)) for r, n in self._rows(
            f"SELECT l.label, count(DISTINCT l.doc_id) AS n FROM doc_labels l{src[0]} WHERE l.kind = 'role' AND l.entity = ?{src[1]}"
            " GROUP BY l.label ORDER BY n DESC, l.label", [name] + src[2])]
        if not docs and not roles:
            return None
        by_source = [
            {"source": s, "role": r, "documents": int(n)} for s, r, n in self._rows(
                "SELECT coalesce(d.source, ''), l.label, count(DISTINCT l.doc_id) AS n FROM doc_labels l"
                f" JOIN documents d ON d.id = l.doc_id WHERE l.kind = 'role' AND l.entity = ?{src[1]}"
                " GROUP BY d.source, l.label ORDER BY n DESC, coalesce(d.source, ''), l.label LIMIT 200", [name] + src[2])
        ]
        # with a source: that source's documents first (CROSS JOIN keeps SQLite to this order)
        together = [(e, int(n)) for e, n in self._rows(
            "SELECT b.label, count(DISTINCT b.doc_id) AS n FROM "
            + ("documents d CROSS JOIN doc_labels l CROSS JOIN doc_labels b WHERE l.doc_id = d.id AND d.source = ? AND"
               if source else "doc_labels l CROSS JOIN doc_labels b WHERE")
            + " b.doc_id = l.doc_id AND l.kind = 'entity' AND l.label = ? AND b.kind = 'entity' AND b.label <> l.label"
            " GROUP BY b.label ORDER BY n DESC, b.label LIMIT 30", src[2] + [name])]
        recent = [
            dict(zip(("doc_id", "title", "source", "published", "language"), r)) for r in self._rows(
                "SELECT d.id, d.title, d.source, d.published, d.language FROM documents d WHERE d.id IN"
                " (SELECT doc_id FROM doc_labels WHERE kind IN ('entity', 'role') AND (label = ? OR entity = ?))"
                + (" AND d.source = ?" if source else "")
                + " ORDER BY d.published IS NULL, d.published DESC, d.id LIMIT 20", [name, name] + src[2])
        ]
        return {
            "entity": name, "source": source, "documents": docs, "roles": roles, "roles_by_source": by_source,
            "roles_over_time": self.counts_over_time("role", period, source=source, entity=name),
            "co_occurring": together, "recent": recent,
        }

    def entity_graph(self, *, limit: int = 60, min_documents: int = 2, source: str | None = None) -> dict[str, Any]:
        """Entities as nodes (the ``limit`` in most documents, with their roles), co-occurrence edges
        (documents mentioning both, at least ``min_documents``), and "cast as ROLE by SOURCE" edges."""
        src_join, src_where, src_params = "", "", []
        if source:
            src_join, src_where, src_params = " JOIN documents d ON d.id = l.doc_id", " AND d.source = ?", [source]
        top = self._rows(
            f"SELECT l.label, count(DISTINCT l.doc_id) AS n FROM doc_labels l{src_join} WHERE l.kind = 'entity'{src_where}"
            " GROUP BY l.label ORDER BY n DESC, l.label LIMIT ?", src_params + [limit])
        names = [r[0] for r in top]
        if not names:
            return {"nodes": [], "edges": [], "cast": []}
        marks = ", ".join("?" * len(names))
        role_rows = self._rows(
            f"SELECT l.entity, l.label, count(DISTINCT l.doc_id) FROM doc_labels l{src_join}"
            f" WHERE l.kind = 'role' AND l.entity IN ({marks}){src_where} GROUP BY l.entity, l.label", names + src_params)
        roles: dict[str, dict[str, int]] = {}
        for entity, role, n in role_rows:
            roles.setdefault(entity, {})[role] = int(n)
        nodes = [{"id": name, "documents": int(n), "roles": roles.get(name, {})} for name, n in top]
        edge_src = (" JOIN documents d ON d.id = a.doc_id", " AND d.source = ?") if source else ("", "")
        edges = [
            {"source": a, "target": b, "kind": "co-occurrence", "documents": int(n)} for a, b, n in self._rows(
                f"SELECT a.label, b.label, count(DISTINCT a.doc_id) AS n FROM doc_labels a"
                f" JOIN doc_labels b ON b.doc_id = a.doc_id AND b.kind = 'entity' AND a.label < b.label{edge_src[0]}"
                f" WHERE a.kind = 'entity' AND a.label IN ({marks}) AND b.label IN ({marks}){edge_src[1]}"
                " GROUP BY a.label, b.label HAVING count(DISTINCT a.doc_id) >= ? ORDER BY n DESC, a.label, b.label LIMIT 500",
                names + names + src_params + [max(1, int(min_documents))])
        ]
        cast = [
            {"source": s, "entity": e, "role": r, "kind": "cast-as", "documents": int(n)} for s, e, r, n in self._rows(
                "SELECT coalesce(d.source, ''), l.entity, l.label, count(DISTINCT l.doc_id) AS n FROM doc_labels l"
                f" JOIN documents d ON d.id = l.doc_id WHERE l.kind = 'role' AND l.entity IN ({marks})"
                + (" AND d.source = ?" if source else "")
                + " GROUP BY d.source, l.entity, l.label ORDER BY n DESC, l.entity, l.label, coalesce(d.source, '') LIMIT 500",
                names + src_params)
        ]
        return {"nodes": nodes, "edges": edges, "cast": cast}

    def citation_graph(self, *, limit: int = 300) -> dict[str, Any]:
        """Who leans on whom: an edge from each outlet (a document's source) to what its documents cite
        or forward ("cites") and to whom they quote ("quotes"), weighted by documents."""
        edges = [
            {"source": s, "target": t, "kind": "cites" if k == "cited" else "quotes", "documents": int(n)}
            for s, t, k, n in self._rows(
                "SELECT coalesce(d.source, ''), l.label, l.kind, count(DISTINCT l.doc_id) AS n FROM doc_labels l"
                " JOIN documents d ON d.id = l.doc_id WHERE l.kind IN ('cited', 'speaker')"
                " GROUP BY d.source, l.label, l.kind ORDER BY n DESC, l.label, l.kind, coalesce(d.source, '') LIMIT ?", (limit,))
        ]
        nodes: dict[tuple[str, str], int] = {}
        for e in edges:
            nodes[("outlet", e["source"])] = nodes.get(("outlet", e["source"]), 0) + e["documents"]
            kind = "cited" if e["kind"] == "cites" else "speaker"
            nodes[(kind, e["target"])] = nodes.get((kind, e["target"]), 0) + e["documents"]
        return {"nodes": [{"id": name, "kind": kind, "documents": n} for (kind, name), n in
                          sorted(nodes.items(), key=lambda kv: (-kv[1], kv[0]))],
                "edges": edges}

    def iter_documents(self, page: int = 500) -> Iterator[Document]:
        """Every stored Document in insertion order, read ``page`` at a time (memory stays flat)."""
        for chunk in batch_iter(self.ids(), page):
            marks = ", ".join("?" * len(chunk))
            found = dict(self._rows(f"SELECT id, json FROM documents WHERE id IN ({marks})", chunk))
            for doc_id in chunk:
                if doc_id in found:
                    yield Document.from_json(found[doc_id])

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
    return [(kind, label, entity, n) for (kind, label, entity), n in counts.items()]


# -- queries and snippets ------------------------------------------------------------------------

SEARCH_FILTERS = ("language", "source", "date_from", "date_to", "narrative", "technique", "entity", "role")


def filter_clauses(filters: dict[str, Any], mark: str = "?") -> tuple[list[str], list[Any]]:
    """The WHERE conditions of the search filters over ``documents d`` (labels through ``doc_labels``),
    with ``mark`` as the parameter placeholder of the backend, and their parameters."""
    unknown = set(filters) - set(SEARCH_FILTERS)
    if unknown:
        raise TypeError(f"unknown search filter(s): {', '.join(sorted(unknown))}")
    clauses: list[str] = []
    params: list[Any] = []
    if filters.get("language"):
        clauses.append(f"d.language = {mark}")
        params.append(str(filters["language"]).lower())
    if filters.get("source"):
        clauses.append(f"d.source = {mark}")
        params.append(filters["source"])
    if filters.get("date_from") is not None:
        low = bound_from(filters["date_from"])
        if low is None:
            raise StoreError(f"date_from: not a date: {filters['date_from']!r}")
        clauses.append(f"d.published >= {mark}")
        params.append(low)
    if filters.get("date_to") is not None:
        high = bound_to(filters["date_to"])
        if high is None:
            raise StoreError(f"date_to: not a date: {filters['date_to']!r}")
        clauses.append(f"d.published <= {mark}" if high[1] else f"d.published < {mark}")
        params.append(high[0])
    has_label = "EXISTS (SELECT 1 FROM doc_labels l WHERE l.doc_id = d.id AND l.kind = {kind} AND l.label = {mark}{more})"
    for kind in ("narrative", "technique"):
        if filters.get(kind):
            clauses.append(has_label.format(kind=mark, mark=mark, more=""))
            params += [kind, filters[kind]]
    entity, role = filters.get("entity"), filters.get("role")
    if entity and role:
        clauses.append(has_label.format(kind="'role'", mark=mark, more=f" AND l.entity = {mark}"))
        params += [role, entity]
    elif entity:
        clauses.append(has_label.format(kind="'entity'", mark=mark, more=""))
        params.append(entity)
    elif role:
        clauses.append(has_label.format(kind="'role'", mark=mark, more=""))
        params.append(role)
    return clauses, params


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


def search_hits(rows: Iterable[tuple], terms: list[Term]) -> list[SearchHit]:
    """SearchHits from rows of (id, title, published, source, language, url, Document JSON, score):
    the snippet and match offsets come from the stored text."""
    import json

    hits = []
    for doc_id, title, published, source, language, url, payload, score in rows:
        text = json.loads(payload)["text"]
        snippet, start, end, matches = make_snippet(text, terms)
        hits.append(SearchHit(doc_id, title, snippet, start, end, matches, round(float(score), 6),
                              published, source, language, url))
    return hits


def batch_iter(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
