"""The PostgreSQL store's schema: its versioned migrations (versions 1..7 mean what they mean for SQLite), the
``?``-to-``%s`` placeholder translation, and the doc_labels rows of a document, shared by the migrations and
:class:`narrascope.store.postgres.PostgresStore`."""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from ..model import Document
from .analytics import CLUSTER_TABLES_SQL, OTHER_VERDICT_CANDIDATES_SQL, OTHER_VERDICT_PATTERN, RECENT_INDEXES_SQL, SIGNATURE_TABLES_SQL
from .names import NAME_TABLES_SQL, index_stored_names
from .postgres_text import pg_text, text_key
from .rows import OTHER_NARRATIVE, document_labels


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """``?`` placeholders (outside quotes) to ``%s``; a literal ``%`` to ``%%``."""
    out: list[str] = []
    quote = ""
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append("%%" if ch == "%" else ch)
    return "".join(out)


# -- schema migrations -----------------------------------------------------------------------------
# Each migration runs inside the migration's transaction; the list index + 1 is the schema version
# it produces. Append new migrations; never edit a released one.

_V1 = """
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- insertion order
    id TEXT COLLATE "C" NOT NULL UNIQUE,                     -- content hash (Document.id)
    title TEXT COLLATE "C", author TEXT COLLATE "C", source TEXT COLLATE "C", origin TEXT COLLATE "C",
    url TEXT COLLATE "C", language TEXT COLLATE "C",
    published TEXT COLLATE "C",        -- YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC), compared as text
    added_at TEXT NOT NULL,
    json TEXT NOT NULL,                -- the full Document, Document.from_json reads it
    fts TSVECTOR NOT NULL,             -- title (A) + text (B), built by narrascope (postgres.build_index)
    fts_text TEXT COLLATE "C",         -- folded tokens, only where fts lacks positions (long texts)
    fts_partial BOOLEAN NOT NULL DEFAULT false  -- fts lacks some words too: fts_text decides
);
CREATE INDEX documents_published ON documents(published);
CREATE INDEX documents_source ON documents(source);
CREATE INDEX documents_language ON documents(language);
CREATE INDEX documents_fts ON documents USING gin (fts);
CREATE INDEX documents_fts_partial ON documents(fts_partial) WHERE fts_partial;
CREATE TABLE doc_labels (
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    kind TEXT COLLATE "C" NOT NULL,    -- narrative | technique | entity | role | cited | speaker
    label TEXT COLLATE "C" NOT NULL,
    entity TEXT COLLATE "C" NOT NULL DEFAULT '',  -- roles: the entity cast in the role
    count INTEGER NOT NULL DEFAULT 1,
    key TEXT NOT NULL,                 -- hash of (kind, label, entity): long labels fit the index
    PRIMARY KEY (doc_id, key)
);
CREATE INDEX doc_labels_kind_label ON doc_labels(kind, label, doc_id);
CREATE INDEX doc_labels_kind_entity ON doc_labels(kind, entity, doc_id);
-- every place a stored text was seen (the same text from several channels or URLs)
CREATE TABLE sightings (
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    source TEXT COLLATE "C" NOT NULL DEFAULT '', url TEXT COLLATE "C" NOT NULL DEFAULT '',
    origin TEXT COLLATE "C" NOT NULL DEFAULT '',
    published TEXT COLLATE "C", seen_at TEXT COLLATE "C" NOT NULL,
    key TEXT NOT NULL,                 -- hash of (source, url, origin)
    PRIMARY KEY (doc_id, key)
);
"""

_V2 = """
CREATE TABLE ingest_errors (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source TEXT COLLATE "C" NOT NULL, item TEXT COLLATE "C" NOT NULL DEFAULT '', message TEXT COLLATE "C" NOT NULL,
    count INTEGER NOT NULL DEFAULT 1, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE           -- hash of (source, item, message)
);
CREATE TABLE ingest_done (key TEXT PRIMARY KEY, source_key TEXT NOT NULL, done_at TEXT NOT NULL);
"""


def _script(cur: Any, sql: str) -> None:
    for statement in sql.split(";"):
        if statement.strip():
            cur.execute(statement)


def _m1_documents(cur: Any) -> None:
    _script(cur, _V1)
    cur.execute("INSERT INTO store_meta VALUES ('fts', 'tsvector')")


def _m2_ingest(cur: Any) -> None:
    _script(cur, _V2)


def _m3_clusters(cur: Any) -> None:
    """Stored cluster results, and the "cited" / "speaker" labels for documents already stored."""
    # SQLite's REAL is 8 bytes; PostgreSQL's is 4: keep similarities as SQLite stores them
    _script(cur, CLUSTER_TABLES_SQL.replace(" REAL", " DOUBLE PRECISION"))
    last = 0
    while True:
        page = cur.execute("SELECT rowid, id, json FROM documents WHERE rowid > %s ORDER BY rowid LIMIT 500",
                           (last,)).fetchall()
        if not page:
            break
        last = page[-1][0]
        rows = []
        for _, doc_id, payload in page:
            rows += label_rows(doc_id, Document.from_json(payload), kinds=("cited", "speaker"))
        if rows:
            cur.executemany(
                "INSERT INTO doc_labels (doc_id, kind, label, entity, count, key) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (doc_id, key) DO NOTHING", rows)


def _m4_indexes(cur: Any) -> None:
    _script(cur, RECENT_INDEXES_SQL)


INSERT_LABELS = ("INSERT INTO doc_labels (doc_id, kind, label, entity, count, key) VALUES (%s, %s, %s, %s, %s, %s)"
                  " ON CONFLICT (doc_id, key) DO NOTHING")


def _m7_person_names(cur: Any) -> None:
    """The person-name index (store.names), filled from the stored documents, whose people's names, roles and
    speakers are relabelled with their corpus-wide names."""
    _script(cur, NAME_TABLES_SQL.replace("TEXT", 'TEXT COLLATE "C"'))
    index_stored_names(lambda sql, p: cur.execute(translate(sql), [pg_text(x) for x in p]),
                       lambda sql, rows: cur.executemany(translate(sql), [[pg_text(v) for v in r] for r in rows]),
                       lambda doc_id, labels: cur.executemany(INSERT_LABELS, label_rows_of(doc_id, labels)))


def _m6_signatures(cur: Any) -> None:
    _script(cur, SIGNATURE_TABLES_SQL.replace("doc_id TEXT", 'doc_id TEXT COLLATE "C"'))


def _m5_other_narrative(cur: Any) -> None:
    """The "Other" narrative facet row for the documents already stored whose verdict is Other."""
    last = 0
    while True:
        page = cur.execute(OTHER_VERDICT_CANDIDATES_SQL.format(mark="%s"), (last, OTHER_VERDICT_PATTERN)).fetchall()
        if not page:
            break
        last = page[-1][0]
        rows = [r for _, doc_id, payload in page for r in label_rows(doc_id, Document.from_json(payload), kinds=("narrative",))
                if r[2] == OTHER_NARRATIVE]
        if rows:
            cur.executemany(
                "INSERT INTO doc_labels (doc_id, kind, label, entity, count, key) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (doc_id, key) DO NOTHING", rows)


MIGRATIONS: list[Callable[[Any], None]] = [_m1_documents, _m2_ingest, _m3_clusters, _m4_indexes, _m5_other_narrative,
                                           _m6_signatures, _m7_person_names]
SCHEMA_VERSION = len(MIGRATIONS)
MIGRATION_LOCK = 0x6E617272  # pg_advisory_xact_lock key: one migration at a time per database


def label_rows(doc_id: str, doc: Document, kinds: Iterable[str] | None = None,
                names: dict[str, str] | None = None) -> list[tuple]:
    """doc_labels rows; labels that become equal once made storable are merged (counts added)."""
    return label_rows_of(doc_id, document_labels(doc, names), kinds)


def label_rows_of(doc_id: str, labels: list[tuple[str, str, str, int]], kinds: Iterable[str] | None = None) -> list[tuple]:
    merged: dict[tuple[str, str, str], int] = {}
    for kind, label, entity, n in labels:
        if kinds is not None and kind not in kinds:
            continue
        k = (kind, pg_text(label), pg_text(entity))
        merged[k] = merged.get(k, 0) + n
    return [(doc_id, kind, label, entity, n, text_key(kind, label, entity)) for (kind, label, entity), n in merged.items()]
