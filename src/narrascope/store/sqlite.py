"""The SQLite store: one file, WAL journal, FTS5 full-text search, versioned migrations.

Durability: every write happens in a transaction (``batch()`` groups many), the journal is WAL
with ``synchronous=FULL``, so a committed document survives ``kill -9`` and a power cut; an
uncommitted batch is rolled back when the file is next opened.

Full-text search uses an FTS5 table (``unicode61 remove_diacritics 2``; CJK characters indexed one
by one, see :func:`split_cjk`). Where the SQLite library has no FTS5, the store falls back to a
plain table of folded text searched with ``instr`` (correct, slower, no ranking) and says so in
``SQLiteStore.fts``; a file keeps the mode it was created with.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import DiskFullError, is_disk_full
from ..model import Document
from .analytics import CLUSTER_TABLES_SQL, OTHER_VERDICT_CANDIDATES_SQL, OTHER_VERDICT_PATTERN, RECENT_INDEXES_SQL, SIGNATURE_TABLES_SQL, SQLStore
from .names import NAME_TABLES_SQL, index_stored_names
from .base import FACETS, ErrorRecord, SearchHit, StoreError, StoreReadOnlyError, StoreTimeoutError, StoreVersionError
from .query import Term, filter_clauses, fold, fts_query, parse_query, search_hits, split_cjk
from .rows import OTHER_NARRATIVE, document_labels, document_row


def fts5_available() -> bool:
    try:
        con = sqlite3.connect(":memory:")
        try:
            con.execute("CREATE VIRTUAL TABLE t USING fts5(a, tokenize='unicode61 remove_diacritics 2')")
        finally:
            con.close()
        return True
    except sqlite3.OperationalError:
        return False


# -- schema migrations -----------------------------------------------------------------------------
# Each migration takes the connection (inside a transaction) and the FTS mode; the list index + 1
# is the schema version it produces. Append new migrations; never edit a released one.


def _script(con: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one (``executescript`` would commit the migration's transaction)."""
    for statement in sql.split(";"):
        if statement.strip():
            con.execute(statement)


def _m1_documents(con: sqlite3.Connection, fts: bool) -> None:
    _script(
        con,
        """
        CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,          -- content hash (Document.id)
            title TEXT, author TEXT, source TEXT, origin TEXT, url TEXT, language TEXT,
            published TEXT,                   -- YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC)
            added_at TEXT NOT NULL,
            json TEXT NOT NULL                -- the full Document, Document.from_json reads it
        );
        CREATE INDEX documents_published ON documents(published);
        CREATE INDEX documents_source ON documents(source);
        CREATE INDEX documents_language ON documents(language);
        CREATE TABLE doc_labels (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,               -- narrative | technique | entity | role
            label TEXT NOT NULL,
            entity TEXT NOT NULL DEFAULT '',  -- roles: the entity cast in the role
            count INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (doc_id, kind, label, entity)
        ) WITHOUT ROWID;
        CREATE INDEX doc_labels_kind_label ON doc_labels(kind, label, doc_id);
        CREATE INDEX doc_labels_kind_entity ON doc_labels(kind, entity, label, doc_id);
        -- every place a stored text was seen (the same text from several channels or URLs)
        CREATE TABLE sightings (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            source TEXT NOT NULL DEFAULT '', url TEXT NOT NULL DEFAULT '', origin TEXT NOT NULL DEFAULT '',
            published TEXT, seen_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, source, url, origin)
        ) WITHOUT ROWID;
        """
    )
    if fts:
        con.execute(
            "CREATE VIRTUAL TABLE documents_fts USING fts5(title, text, tokenize='unicode61 remove_diacritics 2')"
        )
    else:
        con.execute("CREATE TABLE documents_fts (rowid INTEGER PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL)")
    con.execute("INSERT INTO store_meta VALUES ('fts', ?)", ("fts5" if fts else "plain",))


def _m2_ingest(con: sqlite3.Connection, fts: bool) -> None:
    _script(
        con,
        """
        CREATE TABLE ingest_errors (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL, item TEXT NOT NULL DEFAULT '', message TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 1, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
            UNIQUE (source, item, message)
        );
        CREATE TABLE ingest_done (key TEXT PRIMARY KEY, done_at TEXT NOT NULL) WITHOUT ROWID;
        """
    )


def _m3_clusters(con: sqlite3.Connection, fts: bool) -> None:
    """Stored cluster results, and the "cited" / "speaker" labels for documents already stored."""
    _script(con, CLUSTER_TABLES_SQL)
    for doc_id, payload in con.execute("SELECT id, json FROM documents").fetchall():
        doc = Document.from_json(payload)
        con.executemany(
            "INSERT OR IGNORE INTO doc_labels (doc_id, kind, label, entity, count) VALUES (?, ?, ?, ?, ?)",
            [(doc_id, kind, _sql_text(label), _sql_text(entity), n) for kind, label, entity, n in document_labels(doc)
             if kind in ("cited", "speaker")],
        )


def _m4_indexes(con: sqlite3.Connection, fts: bool) -> None:
    """Indexes for a large corpus: date/source/language read with the id alone (counts over time, facets,
    overview) and the newest-first order of a search without words."""
    _script(con, RECENT_INDEXES_SQL)


def _insert_labels(con: sqlite3.Connection, doc_id: str, labels: list[tuple[str, str, str, int]]) -> None:
    """A document's doc_labels rows; two labels that become one once sanitised are one row (counts added)."""
    merged: dict[tuple[str, str, str], int] = {}
    for kind, label, entity, n in labels:
        key = (kind, _sql_text(label), _sql_text(entity))
        merged[key] = merged.get(key, 0) + n
    con.executemany("INSERT INTO doc_labels (doc_id, kind, label, entity, count) VALUES (?, ?, ?, ?, ?)",
                    [(doc_id, kind, label, entity, n) for (kind, label, entity), n in merged.items()])


def _m7_person_names(con: sqlite3.Connection, fts: bool) -> None:
    """The person-name index (store.names), filled from the stored documents, whose people's names, roles and
    speakers are relabelled with their corpus-wide names."""
    _script(con, NAME_TABLES_SQL)
    index_stored_names(con.execute, con.executemany, lambda doc_id, labels: _insert_labels(con, doc_id, labels))


def _m6_signatures(con: sqlite3.Connection, fts: bool) -> None:
    """MinHash signatures of the stored texts: ingest updates the near-duplicate clusters from them."""
    _script(con, SIGNATURE_TABLES_SQL)


def _m5_other_narrative(con: sqlite3.Connection, fts: bool) -> None:
    """The "Other" narrative facet row for the documents already stored whose verdict is Other."""
    last = 0
    while True:
        page = con.execute(OTHER_VERDICT_CANDIDATES_SQL.format(mark="?"), (last, OTHER_VERDICT_PATTERN)).fetchall()
        if not page:
            break
        last = page[-1][0]
        con.executemany(
            "INSERT OR IGNORE INTO doc_labels (doc_id, kind, label, entity, count) VALUES (?, ?, ?, ?, ?)",
            [(doc_id, kind, label, entity, n) for _, doc_id, payload in page
             for kind, label, entity, n in document_labels(Document.from_json(payload))
             if kind == "narrative" and label == OTHER_NARRATIVE])


MIGRATIONS: list[Callable[[sqlite3.Connection, bool], None]] = [_m1_documents, _m2_ingest, _m3_clusters, _m4_indexes,
                                                                 _m5_other_narrative,
                                                                 _m6_signatures, _m7_person_names]
SCHEMA_VERSION = len(MIGRATIONS)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sql_text(value: Any) -> Any:
    """SQLite stores UTF-8: a lone surrogate (from a JSON escape) becomes U+FFFD in the columns and
    the index; the Document JSON keeps it exactly (escaped)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


def _doc_json(doc: Document) -> str:
    """Compact JSON, non-ASCII kept as is (a third of the size of escaped Cyrillic or Chinese);
    escaped where the text holds lone surrogates, which UTF-8 cannot carry."""
    payload = json.dumps(doc.to_dict(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        payload.encode("utf-8")
    except UnicodeEncodeError:
        payload = json.dumps(doc.to_dict(), ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return payload


_PLAIN_SEP = re.compile(r"[\W_]+")


def _plain_index_text(text: str) -> str:
    """Fallback index form: folded words separated by single spaces, with spaces at both ends."""
    return " " + " ".join(_PLAIN_SEP.split(fold(split_cjk(text)))).strip() + " "


class SQLiteStore(SQLStore):
    """The embedded store in one SQLite file (``":memory:"`` for a throwaway one)."""

    def __init__(self, path: str | os.PathLike[str], *, fts: bool | None = None, migrate_to: int | None = None,
                 read_only: bool = False) -> None:
        """``fts``: force FTS5 on/off for a new file (None: FTS5 when the library has it).
        ``migrate_to``: stop at that schema version (tests build old files with it).
        ``read_only``: open an existing store for reading only (see :meth:`_open_read_only`)."""
        self.path = str(path)
        self.url = f"sqlite:///{self.path}"
        self.read_only = read_only
        name = self.path
        self._depth = 0
        if read_only:
            self._open_read_only()
            return
        if self.path != ":memory:":
            parent = Path(self.path).parent
            if not parent.is_dir():
                raise StoreError(f"{name}: the folder {parent} does not exist")
        try:
            self._con = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        except sqlite3.Error as exc:
            raise self._open_error(exc) from None
        try:
            self._con.execute("PRAGMA foreign_keys=ON")
            self._con.execute("PRAGMA busy_timeout=30000")
            if self.path != ":memory:":
                mode = self._con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StoreError(f"{name}: cannot switch the store to WAL mode (got {mode})")
            self._con.execute("PRAGMA synchronous=FULL")
            self._migrate(fts5_available() if fts is None else fts, migrate_to)
            self.fts = self._con.execute("SELECT value FROM store_meta WHERE key='fts'").fetchone()[0] == "fts5"
        except sqlite3.DatabaseError as exc:
            self._con.close()
            raise self._open_error(exc) from None
        except BaseException:
            self._con.close()
            raise

    def _open_error(self, exc: sqlite3.Error) -> StoreError:
        """What went wrong opening the file for writing, in the user's terms: a store on read-only
        media or without write permission says so (commands that only read open it read-only)."""
        path = Path(self.path)
        if self.path != ":memory:" and (
            (path.exists() and not os.access(path, os.W_OK)) or not os.access(path.parent, os.W_OK)
            or "readonly" in str(exc).replace("-", "").replace(" ", "").lower()
        ):
            return StoreReadOnlyError(f"{self.path}: the store is read-only (its file or folder cannot be written); "
                                      "reading commands (search, serve, trends, entity, graph) still work")
        return StoreError(f"{self.path}: not a narrascope store ({exc})")

    def _open_read_only(self) -> None:
        """Open for reading only, never creating, migrating or writing anything.

        ``mode=ro`` reads the file as it is and still sees committed work in the WAL. On read-only
        media SQLite cannot create the WAL index (``-shm``) that mode needs; then the file is opened
        ``immutable``, which reads the main file alone. That is exact once the last writer closed
        (closing checkpoints the WAL and deletes it); a WAL left beside the file by a crashed writer
        would be ignored, so that case is refused rather than shown incomplete."""
        name = self.path
        if self.path == ":memory:" or not Path(self.path).is_file():
            raise StoreError(f"{name}: no such store (create one with narrascope ingest)")
        uri = "file:" + urllib.parse.quote(os.path.abspath(self.path))
        try:
            try:
                self._con = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None, timeout=30.0)
                self._con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                wal = Path(self.path + "-wal")
                if wal.exists() and wal.stat().st_size > 0:
                    raise StoreError(f"{name}: the store is on read-only media with unsaved changes in {wal.name}; "
                                     "open it once where it can be written (e.g. narrascope search) to fold them in") from None
                self._con = sqlite3.connect(uri + "?immutable=1", uri=True, isolation_level=None)
            self._con.execute("PRAGMA query_only=ON")
            version = self._version()
            if version == 0:
                raise StoreError(f"{name}: not a narrascope store")
            if version > SCHEMA_VERSION:
                raise StoreVersionError(f"{name}: store schema version {version} is newer than this narrascope knows "
                                        f"({SCHEMA_VERSION}); upgrade narrascope to open it")
            if version < SCHEMA_VERSION:
                raise StoreError(f"{name}: store schema version {version} is older than this narrascope's ({SCHEMA_VERSION}) "
                                 "and read-only here; open it once writable (narrascope ingest) to upgrade it")
            self.fts = self._con.execute("SELECT value FROM store_meta WHERE key='fts'").fetchone()[0] == "fts5"
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise StoreError(f"{name}: not a narrascope store ({exc})") from None
        except BaseException:
            self._close_quietly()
            raise

    def _close_quietly(self) -> None:
        con = getattr(self, "_con", None)
        if con is not None:
            con.close()
            self._con = None  # type: ignore[assignment]

    # -- schema ---------------------------------------------------------------------------------------
    def schema_version(self) -> int:
        return self._version()

    def _version(self) -> int:
        has = self._con.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
        ).fetchone()
        if not has:
            return 0
        row = self._con.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _migrate(self, fts: bool, upto: int | None) -> None:
        target = SCHEMA_VERSION if upto is None else upto
        self._con.execute("BEGIN IMMEDIATE")
        try:
            version = self._version()
            if version == 0:
                other = self._con.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()[0]
                if other:
                    raise StoreError(f"{self.path}: an SQLite file with other tables, not a narrascope store")
                self._con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)")
            elif version > SCHEMA_VERSION:
                raise StoreVersionError(
                    f"{self.path}: store schema version {version} is newer than this narrascope knows "
                    f"({SCHEMA_VERSION}); upgrade narrascope to open it"
                )
            else:
                row = self._con.execute("SELECT value FROM store_meta WHERE key='fts'").fetchone()
                fts = bool(row) and row[0] == "fts5"
            for n in range(version + 1, target + 1):
                MIGRATIONS[n - 1](self._con, fts)
                self._con.execute("INSERT INTO schema_version VALUES (?, ?)", (n, _now()))
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise

    # -- transactions ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """The outermost batch is a transaction; a nested one is a savepoint, so a failed inner write
        (one document inside an ingest batch) is undone alone and the batch goes on."""
        if self.read_only:
            raise StoreReadOnlyError(f"{self.path}: the store is open read-only; nothing was written")
        savepoint = f"b{self._depth}"
        self._con.execute("BEGIN IMMEDIATE" if self._depth == 0 else f"SAVEPOINT {savepoint}")
        self._depth += 1
        try:
            yield
        except BaseException as exc:
            self._depth -= 1
            with contextlib.suppress(sqlite3.Error):  # a full disk may refuse the rollback's own bookkeeping
                if self._depth == 0:
                    self._con.execute("ROLLBACK")
                else:
                    self._con.execute(f"ROLLBACK TO {savepoint}")
                    self._con.execute(f"RELEASE {savepoint}")
            if is_disk_full(exc) and not isinstance(exc, DiskFullError):
                raise self._disk_full() from exc
            raise
        self._depth -= 1
        try:
            self._con.execute("COMMIT" if self._depth == 0 else f"RELEASE {savepoint}")
        except sqlite3.Error as exc:
            if self._depth == 0 and self._con.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._con.execute("ROLLBACK")
            if is_disk_full(exc):
                raise self._disk_full() from exc
            raise

    def _disk_full(self) -> DiskFullError:
        return DiskFullError(f"{self.path}: the disk is full; the last batch of writes was rolled back and "
                             "everything committed before it is kept")

    # -- writing --------------------------------------------------------------------------------------
    def add(self, doc: Document, source: str | None = None) -> bool:
        row = {k: _sql_text(v) for k, v in document_row(doc, source).items()}
        with self.batch():
            cur = self._con.execute(
                "INSERT OR IGNORE INTO documents (id, title, author, source, origin, url, language, published, added_at, json)"
                " VALUES (:id, :title, :author, :source, :origin, :url, :language, :published, :added_at, :json)",
                {**row, "added_at": _now(), "json": _doc_json(doc)},
            )
            added = cur.rowcount == 1
            self._con.execute(
                "INSERT OR IGNORE INTO sightings VALUES (?, ?, ?, ?, ?, ?)",
                (row["id"], row["source"] or "", row["url"] or "", row["origin"] or "", row["published"], _now()),
            )
            if not added:
                return False
            rowid = cur.lastrowid
            title = doc.metadata.get("title") if isinstance(doc.metadata.get("title"), str) else ""
            index = (lambda t: split_cjk(_sql_text(t))) if self.fts else (lambda t: _plain_index_text(_sql_text(t)))
            self._con.execute("INSERT INTO documents_fts (rowid, title, text) VALUES (?, ?, ?)",
                              (rowid, index(title), index(doc.text)))
            # people's names under their corpus-wide names (store.names), then the labels
            names = self._index_names(row["id"], doc)
            _insert_labels(self._con, row["id"], document_labels(doc, names))
            return True

    def _table_exists(self, name: str) -> bool:
        return self._con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None

    def _write_labels(self, doc_id: str, labels: list[tuple[str, str, str, int]]) -> None:
        with self.batch():
            _insert_labels(self._con, doc_id, labels)

    def record_error(self, source: str, item: str | None, message: str) -> None:
        now = _now()
        with self.batch():
            self._con.execute(
                "INSERT INTO ingest_errors (source, item, message, count, first_seen, last_seen) VALUES (?, ?, ?, 1, ?, ?)"
                " ON CONFLICT (source, item, message) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen",
                (_sql_text(str(source)), _sql_text(str(item or "")), _sql_text(str(message)), now, now),
            )

    def errors(self) -> list[ErrorRecord]:
        rows = self._con.execute(
            "SELECT source, item, message, count, first_seen, last_seen FROM ingest_errors ORDER BY id"
        ).fetchall()
        return [ErrorRecord(*r) for r in rows]

    def clear_errors(self) -> None:
        with self.batch():
            self._con.execute("DELETE FROM ingest_errors")

    def mark_done(self, source_key: str) -> None:
        with self.batch():
            self._con.execute("INSERT OR REPLACE INTO ingest_done VALUES (?, ?)", (_sql_text(source_key), _now()))

    def is_done(self, source_key: str) -> bool:
        return self._con.execute("SELECT 1 FROM ingest_done WHERE key = ?", (_sql_text(source_key),)).fetchone() is not None

    # -- reading --------------------------------------------------------------------------------------
    def get(self, doc_id: str) -> Document | None:
        row = self._con.execute("SELECT json FROM documents WHERE id = ?", (_sql_text(doc_id),)).fetchone()
        return Document.from_json(row[0]) if row else None

    def __contains__(self, doc_id: object) -> bool:
        if not isinstance(doc_id, str):
            return False
        return self._con.execute("SELECT 1 FROM documents WHERE id = ?", (_sql_text(doc_id),)).fetchone() is not None

    def count(self) -> int:
        return int(self._con.execute("SELECT count(*) FROM documents").fetchone()[0])

    def ids(self) -> list[str]:
        return [r[0] for r in self._con.execute("SELECT id FROM documents ORDER BY rowid")]

    def _rows(self, sql: str, params: Any = ()) -> list[tuple]:
        return self._con.execute(sql, list(params)).fetchall()

    def _run(self, sql: str, params: Any = ()) -> None:
        with self.batch():
            self._con.execute(sql, list(params))

    def _run_many(self, sql: str, rows: Any) -> None:
        with self.batch():
            self._con.executemany(sql, rows)

    def sightings(self, doc_id: str) -> list[dict[str, Any]]:
        rows = self._con.execute(
            "SELECT source, url, origin, published, seen_at FROM sightings WHERE doc_id = ? ORDER BY seen_at, source, url",
            (_sql_text(doc_id),),
        ).fetchall()
        keys = ("source", "url", "origin", "published", "seen_at")
        return [dict(zip(keys, r)) for r in rows]

    def _where(self, terms: list[Term], filters: dict[str, Any]) -> tuple[str, list[Any]]:
        """FROM + WHERE over ``documents d`` (joined to the index as ``f`` when there are terms)."""
        clauses: list[str] = []
        params: list[Any] = []
        sql = " FROM documents d"
        if terms:
            if self.fts:
                # the full-text index first, then the filters on its hits: SQLite would otherwise start
                # from a filter's index (say language) and probe the full-text index once per document
                sql = " FROM documents_fts f CROSS JOIN documents d ON d.rowid = f.rowid"
                clauses.append("documents_fts MATCH ?")
                params.append(fts_query(terms))
            else:
                sql += " JOIN documents_fts f ON f.rowid = d.rowid"
                for t in terms:
                    needle = " " + " ".join(fold(w) for w in t.words) + ("" if t.prefix else " ")
                    clauses.append("(instr(f.text, ?) > 0 OR instr(f.title, ?) > 0)")
                    params += [needle, needle]
        more, more_params = filter_clauses(self._with_canonical_entity(filters))
        clauses += more
        params += more_params
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        return sql, [_sql_text(p) for p in params]

    def search(self, query: str | None = None, *, limit: int = 20, offset: int = 0, **filters: Any) -> list[SearchHit]:
        terms = parse_query(query)
        if query and query.strip() and not terms:
            return []  # only punctuation: nothing can match
        where, params = self._where(terms, filters)
        if terms and self.fts:
            # bm25 weights: a title match counts more than a body match
            select = "SELECT d.id, d.title, d.published, d.source, d.language, d.url, d.json, -bm25(documents_fts, 3.0, 1.0) AS score"
            order = " ORDER BY score DESC, d.rowid"
        else:
            select = "SELECT d.id, d.title, d.published, d.source, d.language, d.url, d.json, 0.0 AS score"
            order = " ORDER BY d.published IS NULL, d.published DESC, d.rowid"
        rows = self._con.execute(select + where + order + " LIMIT ? OFFSET ?",
                                 params + [max(0, int(limit)), max(0, int(offset))]).fetchall()
        return search_hits(rows, terms)

    def search_count(self, query: str | None = None, **filters: Any) -> int:
        terms = parse_query(query)
        if query and query.strip() and not terms:
            return 0
        where, params = self._where(terms, filters)
        return int(self._con.execute("SELECT count(*)" + where, params).fetchone()[0])

    def facets(self, query: str | None = None, *, limit: int = 50, **filters: Any) -> dict[str, list[tuple[str, int]]]:
        terms = parse_query(query)
        out: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        if query and query.strip() and not terms:
            return out
        where, params = self._where(terms, filters)
        matching = "SELECT d.id" + where
        for column in ("language", "source"):
            out[column] = [tuple(r) for r in self._con.execute(
                f"SELECT d.{column}, count(*) AS n{where} {'AND' if ' WHERE ' in where else 'WHERE'} d.{column} IS NOT NULL"
                f" GROUP BY d.{column} ORDER BY n DESC, d.{column} LIMIT ?", params + [limit])]
        everything = not terms and not any(v is not None and v != "" for v in filters.values())
        if everything:  # the whole corpus: no membership test per row (the dashboard's case)
            for kind in FACETS[2:]:
                out[kind] = [tuple(r) for r in self._con.execute(
                    "SELECT l.label, count(DISTINCT l.doc_id) AS n FROM doc_labels l WHERE l.kind = ?"
                    " GROUP BY l.label ORDER BY n DESC, l.label LIMIT ?", [kind, limit])]
            return out
        # one pass from the matching documents to their labels (the primary key starts with doc_id)
        kinds = FACETS[2:]
        rows = self._con.execute(
            f"SELECT l.kind, l.label, count(DISTINCT l.doc_id) AS n FROM ({matching}) m CROSS JOIN doc_labels l"
            f" WHERE l.doc_id = m.id AND l.kind IN ({', '.join('?' * len(kinds))}) GROUP BY l.kind, l.label",
            params + list(kinds)).fetchall()
        for kind, label, n in sorted(rows, key=lambda r: (-r[2], r[1])):
            if len(out[kind]) < limit:
                out[kind].append((label, n))
        return out

    def _period_start(self, period: str) -> str:
        return {
            "day": "date(d.published)",
            "week": "date(d.published, 'weekday 0', '-6 days')",  # the Monday of the week
            "month": "strftime('%Y-%m-01', d.published)",
        }[period]

    @contextlib.contextmanager
    def time_limit(self, seconds: float, stop: Callable[[], bool] | None = None) -> Iterator[None]:
        """SQLite's progress handler asks, every 10,000 virtual-machine steps, whether the block has
        run past ``seconds`` (all its statements together) or ``stop()`` is true, and interrupts."""
        deadline = time.monotonic() + seconds
        if stop is None:
            self._con.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        else:
            self._con.set_progress_handler(lambda: stop() or time.monotonic() > deadline, 10_000)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
            raise StoreTimeoutError(f"{self.path}: a statement ran past {seconds:g} s and was interrupted") from exc
        finally:
            self._con.set_progress_handler(None, 0)

    # -- lifecycle ------------------------------------------------------------------------------------
    def close(self) -> None:
        con = getattr(self, "_con", None)
        if con is not None:
            try:
                if self._depth == 0 and con.in_transaction:
                    con.execute("ROLLBACK")
            finally:
                con.close()
                self._con = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r}, fts={'fts5' if getattr(self, 'fts', False) else 'plain'})"
