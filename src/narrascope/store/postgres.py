"""The PostgreSQL store: ``open_store("postgresql://user:password@host/db")``.

The same store as :mod:`narrascope.store.sqlite` (the shared test suite runs on both): documents
keyed by content hash, sightings, facet rows, the ingest error log and progress marks, stored
clusters, versioned migrations in ``schema_version`` (versions 1..7 mean what they mean for SQLite; :mod:`.postgres_schema`).

Full-text search uses PostgreSQL's own ``tsvector`` with a GIN index. The vector is built in
Python (:func:`.postgres_text.build_index`), title with weight A and text with weight B, from the
tokens the snippet matcher and SQLite's plain index see: the text folded by :func:`.query.fold`
(case, diacritics, compatibility forms), then words of letters and digits, CJK characters one token
each (:func:`.query.split_cjk`); so results do not depend on the server's locale or text-search
configuration. (SQLite's FTS5 tokenizer folds less: it keeps ß, ligatures and superscripts, and
reads symbols outside the BMP, emoji, as letters.) Queries are built from :func:`.query.parse_query`
terms only, as tsquery values (phrases with ``<->``, prefixes with ``:*``): user syntax is never
passed through, so no query is an error. Ranking is ``ts_rank`` (normalised by length).

PostgreSQL keeps at most 256 positions per word and none past 16,383, and a vector under 1 MB: for
a document beyond those limits (long texts) the folded token string is stored too (``fts_text``)
and phrases are checked in it, so a phrase late in a long article is found as SQLite finds it.

PostgreSQL text cannot hold NUL or lone surrogates: in the columns and the index they become
U+FFFD; the Document JSON (text, with JSON escapes) keeps them exactly. Text columns use the "C"
collation, so ordering and comparisons (dates stored as ISO text, labels) match SQLite's.

Needs psycopg 3: ``pip install 'narrascope[postgres]'``.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Callable, Iterable, Iterator

from ..errors import DiskFullError, NarrascopeError, is_disk_full
from ..model import Document
from .analytics import SQLStore
from .base import (
    FACETS,
    ErrorRecord,
    SearchHit,
    StoreError,
    StoreReadOnlyError,
    StoreTimeoutError,
    StoreVersionError,
)
from .postgres_text import RANK_WEIGHTS, build_index, document_json, pg_text, text_key, tsqueries
from .query import Term, filter_clauses, parse_query, search_hits
from .postgres_schema import INSERT_LABELS, MIGRATION_LOCK, MIGRATIONS, SCHEMA_VERSION, label_rows, label_rows_of, now_iso, translate
from .rows import document_row


# -- URLs and messages -----------------------------------------------------------------------------


def mask_url(url: str) -> str:
    """The URL without its password (user:***@host, password=***)."""
    url = re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", url)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", url)


def _one_line(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class PostgresStore(SQLStore):
    """The store in a PostgreSQL database (its current schema; an empty one, or one of ours)."""

    def __init__(self, url: str, *, migrate_to: int | None = None, connect_timeout: int = 10, read_only: bool = False) -> None:
        """``url``: ``postgresql://`` or ``postgres://`` (``postgresql+psycopg://`` is accepted);
        libpq query parameters and environment (PGPASSWORD, ~/.pgpass, sslmode...) apply.
        ``migrate_to``: stop at that schema version (tests build old stores with it).
        ``read_only``: a read-only session that never migrates (a standby or a read-only role works)."""
        self.read_only = read_only
        raw = url.strip()
        scheme, sep, rest = raw.partition("://")
        if not sep or not re.fullmatch(r"(?i)postgres(ql)?(\+\w+)?", scheme):
            raise StoreError(f"{mask_url(raw)}: not a PostgreSQL URL (postgresql://user@host/database)")
        self.url = mask_url(f"postgresql://{rest}")
        self._conninfo = f"postgresql://{rest}"
        self._depth = 0
        self._con: Any = None
        self._statement_timeout: int | None = None  # milliseconds, as time_limit last set it
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                "the PostgreSQL store needs psycopg: install narrascope[postgres] (pip install 'narrascope[postgres]')"
            ) from None
        self._psycopg = psycopg
        self._pipelines = psycopg.Pipeline.is_supported()
        secrets: list[str] = []
        try:
            params = psycopg.conninfo.conninfo_to_dict(self._conninfo)
            secrets = [str(params.get("password") or "")]
            params.setdefault("connect_timeout", str(connect_timeout))
            params.setdefault("application_name", "narrascope")
            self._con = psycopg.connect(psycopg.conninfo.make_conninfo(**params), autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"{self.url}: cannot connect to PostgreSQL ({_one_line(exc, secrets)})") from None
        try:
            if read_only:
                self._con.execute("SET default_transaction_read_only = on")
                self._check_version_read_only()
            else:
                self._migrate(migrate_to)
        except psycopg.Error as exc:  # from a migration's own statements
            self.close()
            raise StoreError(f"{self.url}: cannot open the store ({_one_line(exc, secrets)})") from None
        except BaseException:
            self.close()
            raise

    # -- running SQL ----------------------------------------------------------------------------------
    def _exec(self, sql: str, params: Iterable[Any] | None = None, *, clean: bool = True) -> Any:
        """Run one statement (``%s`` placeholders); str parameters made storable unless ``clean`` is False."""
        args = None if params is None else [pg_text(p) for p in params] if clean else list(params)
        try:
            return self._con.execute(sql, args)
        except self._psycopg.Error as exc:  # one line for the user (lost connection, permissions...)
            raise self._error(exc) from exc

    def _exec_many(self, sql: str, rows: list[Any]) -> None:
        try:
            with self._con.cursor() as cur:
                cur.executemany(sql, rows)
        except self._psycopg.Error as exc:
            raise self._error(exc) from exc

    def _error(self, exc: BaseException) -> NarrascopeError:
        if is_disk_full(exc):
            return DiskFullError(f"{self.url}: the database server's disk is full; the current transaction was "
                                 "rolled back and everything committed before it is kept")
        if isinstance(exc, self._psycopg.errors.QueryCanceled):  # statement_timeout (see time_limit)
            return StoreTimeoutError(f"{self.url}: {_one_line(exc)}")
        return StoreError(f"{self.url}: {_one_line(exc)}")

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        return self._exec(translate(sql), list(params)).fetchall()

    def _run(self, sql: str, params: Iterable[Any] = ()) -> None:
        """In the current batch, else a transaction by itself (the connection autocommits)."""
        self._refuse_write()
        self._exec(translate(sql), list(params))

    def _run_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        rows = [[pg_text(v) for v in row] for row in rows]
        if not rows:
            return
        with self.batch():
            self._exec_many(translate(sql), rows)

    # -- schema ---------------------------------------------------------------------------------------
    def schema_version(self) -> int:
        return self._version()

    def _version(self) -> int:
        has = self._exec("SELECT to_regclass(quote_ident(current_schema()) || '.schema_version') IS NOT NULL").fetchone()[0]
        if not has:
            return 0
        return int(self._exec("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0])

    def _newer(self, version: int) -> StoreVersionError:
        return StoreVersionError(f"{self.url}: store schema version {version} is newer than this narrascope knows "
                                 f"({SCHEMA_VERSION}); upgrade narrascope to open it")

    def _check_version_read_only(self) -> None:
        version = self._version()
        if version == 0:
            raise StoreError(f"{self.url}: not a narrascope store (no schema_version table)")
        if version > SCHEMA_VERSION:
            raise self._newer(version)
        if version < SCHEMA_VERSION:
            raise StoreError(f"{self.url}: store schema version {version} is older than this narrascope's ({SCHEMA_VERSION}) "
                             "and open read-only; open it once writable (narrascope ingest) to upgrade it")

    def _refuse_write(self) -> None:
        if self.read_only:
            raise StoreReadOnlyError(f"{self.url}: the store is open read-only; nothing was written")

    def _migrate(self, upto: int | None) -> None:
        target = SCHEMA_VERSION if upto is None else upto
        version = self._version()
        if version > SCHEMA_VERSION:
            raise self._newer(version)
        if version >= target:
            return  # nothing to write: a read-only user or a standby opens the store too
        with self.batch():
            self._exec("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            version = self._version()  # again, under the lock: another process may have migrated
            if version == 0:
                schema = self._exec("SELECT current_schema()").fetchone()[0]
                if schema is None:
                    raise StoreError(f"{self.url}: no schema to create the store in (check search_path)")
                other = self._exec(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')").fetchone()[0]
                if other:
                    raise StoreError(
                        f"{self.url}: a PostgreSQL database (schema {schema}) with other tables, not a narrascope store;"
                        " use an empty database, or a schema of its own (?options=-csearch_path%3Dnarrascope)")
                self._exec("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)")
            elif version > SCHEMA_VERSION:
                raise self._newer(version)
            cur = self._con.cursor()
            for n in range(version + 1, target + 1):
                MIGRATIONS[n - 1](cur)
                cur.execute("INSERT INTO schema_version VALUES (%s, %s)", (n, now_iso()))

    # -- transactions ---------------------------------------------------------------------------------
    @staticmethod
    def _begin_sql(depth: int) -> str:
        return "BEGIN" if depth == 0 else f"SAVEPOINT batch_{depth}"

    @staticmethod
    def _end_sql(depth: int) -> str:
        return "COMMIT" if depth == 0 else f"RELEASE SAVEPOINT batch_{depth}"

    def _abort(self, depth: int) -> None:
        """Undo the transaction (depth 0) or the savepoint; never raises (the caller is raising)."""
        with contextlib.suppress(Exception):
            if depth == 0:
                self._con.execute("ROLLBACK")
            else:
                self._con.execute(f"ROLLBACK TO SAVEPOINT batch_{depth}")
                self._con.execute(f"RELEASE SAVEPOINT batch_{depth}")

    def _pipeline(self) -> contextlib.AbstractContextManager[Any]:
        """Queue statements and send them together (libpq >= 14), else one by one."""
        return self._con.pipeline() if self._pipelines else contextlib.nullcontext()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction; a nested batch is a savepoint, so a failed inner batch (an add() whose
        exception the caller catches) leaves the outer transaction usable, without its writes."""
        self._refuse_write()
        depth = self._depth
        self._exec(self._begin_sql(depth))
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth = depth
            self._abort(depth)
            raise
        self._depth = depth
        if self._con.info.transaction_status == self._psycopg.pq.TransactionStatus.INERROR:
            # a statement failed and its error was swallowed: COMMIT would silently roll back
            self._abort(depth)
            raise StoreError(f"{self.url}: a statement in the batch failed; its writes were rolled back")
        self._exec(self._end_sql(depth))

    # -- writing --------------------------------------------------------------------------------------
    def add(self, doc: Document, source: str | None = None) -> bool:
        """Its own transaction, or a savepoint inside a batch (like a nested batch), sent in two
        round trips where libpq pipelines: begin + "is it stored?", then the inserts + commit."""
        self._refuse_write()
        row = {k: pg_text(v) for k, v in document_row(doc, source).items()}
        now = now_iso()
        sighting = (row["source"] or "", row["url"] or "", row["origin"] or "")
        depth = self._depth
        self._depth += 1
        try:
            with self._pipeline():
                self._exec(self._begin_sql(depth))
                cur = None
                if self._exec("SELECT 1 FROM documents WHERE id = %s", (row["id"],)).fetchone() is None:
                    title = doc.metadata.get("title") if isinstance(doc.metadata.get("title"), str) else ""
                    vector, fts_text, partial = build_index(title, doc.text)
                    cur = self._exec(
                        "INSERT INTO documents (id, title, author, source, origin, url, language, published, added_at, json,"
                        " fts, fts_text, fts_partial) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector, %s, %s)"
                        " ON CONFLICT (id) DO NOTHING RETURNING rowid",
                        (row["id"], row["title"], row["author"], row["source"], row["origin"], row["url"], row["language"],
                         row["published"], now, document_json(doc), vector, fts_text, partial), clean=False)
                self._exec(
                    "INSERT INTO sightings (doc_id, source, url, origin, published, seen_at, key)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (doc_id, key) DO NOTHING",
                    (row["id"], *sighting, row["published"], now, text_key(*sighting)), clean=False)
                if cur is not None:
                    # people's names under their corpus-wide names (store.names), then the labels
                    labels = label_rows(row["id"], doc, names=self._index_names(row["id"], doc))
                    if labels:  # a concurrent writer may have stored the same document: then these are its labels
                        self._exec_many("INSERT INTO doc_labels (doc_id, kind, label, entity, count, key)"
                                        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (doc_id, key) DO NOTHING", labels)
                self._exec(self._end_sql(depth))
                added = cur is not None and cur.fetchone() is not None
        except self._psycopg.Error as exc:  # raised where the pipeline syncs
            self._depth = depth
            self._abort(depth)
            raise self._error(exc) from exc
        except BaseException:
            self._depth = depth
            self._abort(depth)
            raise
        self._depth = depth
        return added

    def _table_exists(self, name: str) -> bool:
        return bool(self._exec("SELECT to_regclass(quote_ident(current_schema()) || '.' || %s) IS NOT NULL", (name,)).fetchone()[0])

    def _write_labels(self, doc_id: str, labels: list[tuple[str, str, str, int]]) -> None:
        rows = label_rows_of(doc_id, labels)
        if rows:
            with self.batch():
                self._exec_many(INSERT_LABELS, rows)

    def record_error(self, source: str, item: str | None, message: str) -> None:
        self._refuse_write()
        now = now_iso()
        source, item, message = pg_text(str(source)), pg_text(str(item or "")), pg_text(str(message))
        self._exec(
            "INSERT INTO ingest_errors (source, item, message, count, first_seen, last_seen, key)"
            " VALUES (%s, %s, %s, 1, %s, %s, %s) ON CONFLICT (key) DO UPDATE"
            " SET count = ingest_errors.count + 1, last_seen = excluded.last_seen",
            (source, item, message, now, now, text_key(source, item, message)))

    def errors(self) -> list[ErrorRecord]:
        rows = self._exec("SELECT source, item, message, count, first_seen, last_seen FROM ingest_errors ORDER BY id")
        return [ErrorRecord(*r) for r in rows.fetchall()]

    def clear_errors(self) -> None:
        self._refuse_write()
        self._exec("DELETE FROM ingest_errors")

    def mark_done(self, source_key: str) -> None:
        self._refuse_write()
        source_key = pg_text(source_key)
        self._exec(
            "INSERT INTO ingest_done (key, source_key, done_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (key) DO UPDATE SET done_at = excluded.done_at",
            (text_key(source_key), source_key, now_iso()))

    def is_done(self, source_key: str) -> bool:
        return self._exec("SELECT 1 FROM ingest_done WHERE key = %s", (text_key(pg_text(source_key)),)).fetchone() is not None

    # -- reading --------------------------------------------------------------------------------------
    def get(self, doc_id: str) -> Document | None:
        row = self._exec("SELECT json FROM documents WHERE id = %s", (doc_id,)).fetchone()
        return Document.from_json(row[0]) if row else None

    def __contains__(self, doc_id: object) -> bool:
        if not isinstance(doc_id, str):
            return False
        return self._exec("SELECT 1 FROM documents WHERE id = %s", (doc_id,)).fetchone() is not None

    def count(self) -> int:
        return int(self._exec("SELECT count(*) FROM documents").fetchone()[0])

    def ids(self) -> list[str]:
        return [r[0] for r in self._exec("SELECT id FROM documents ORDER BY rowid").fetchall()]

    def sightings(self, doc_id: str) -> list[dict[str, Any]]:
        rows = self._exec(
            "SELECT source, url, origin, published, seen_at FROM sightings WHERE doc_id = %s ORDER BY seen_at, source, url",
            (doc_id,)).fetchall()
        keys = ("source", "url", "origin", "published", "seen_at")
        return [dict(zip(keys, r)) for r in rows]

    # -- search ---------------------------------------------------------------------------------------
    def _where(self, terms: list[Term], filters: dict[str, Any]) -> tuple[str, list[Any], list[Any] | None]:
        """FROM + WHERE over ``documents d``, its parameters, and the rank's parameters (None: no
        full-text condition)."""
        filter_clauses(filters)  # unknown filters are an error before any SQL runs
        clauses: list[str] = []
        params: list[Any] = []
        rank: list[Any] | None = None
        if terms:
            built = tsqueries(terms)
            if built is None:
                clauses.append("false")
            else:
                phrase_q, and_q, needles, too_long = built
                strpos = "(SELECT bool_and(strpos(d.fts_text, n) > 0) FROM unnest(%s::text[]) AS n)"
                if too_long:  # only a document whose vector lacks words can hold such a word
                    clauses.append(f"d.fts_partial AND {strpos}")
                    params += [needles]
                else:
                    clauses.append("(d.fts @@ %s::tsquery OR d.fts_partial) AND CASE WHEN d.fts_text IS NULL"
                                   f" THEN d.fts @@ %s::tsquery ELSE {strpos} END")
                    params += [and_q, phrase_q, needles]
                    rank = [and_q]
        more, more_params = filter_clauses(self._with_canonical_entity(filters), "%s")
        clauses += more
        params += more_params
        sql = " FROM documents d"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        return sql, params, rank

    def search(self, query: str | None = None, *, limit: int = 20, offset: int = 0, **filters: Any) -> list[SearchHit]:
        terms = parse_query(query)
        if query and query.strip() and not terms:
            return []  # only punctuation: nothing can match
        where, params, rank = self._where(terms, filters)
        if rank is not None:
            select = f"SELECT d.id, d.title, d.published, d.source, d.language, d.url, d.json, ts_rank('{RANK_WEIGHTS}', d.fts, %s::tsquery, 1) AS score"
            order = " ORDER BY score DESC, d.rowid"
            params = rank + params
        else:
            select = "SELECT d.id, d.title, d.published, d.source, d.language, d.url, d.json, 0.0 AS score"
            order = " ORDER BY d.published IS NULL, d.published DESC, d.rowid"
        rows = self._exec(select + where + order + " LIMIT %s OFFSET %s",
                          params + [max(0, int(limit)), max(0, int(offset))]).fetchall()
        return search_hits(rows, terms)

    def search_count(self, query: str | None = None, **filters: Any) -> int:
        terms = parse_query(query)
        if query and query.strip() and not terms:
            return 0
        where, params, _ = self._where(terms, filters)
        return int(self._exec("SELECT count(*)" + where, params).fetchone()[0])

    def facets(self, query: str | None = None, *, limit: int = 50, **filters: Any) -> dict[str, list[tuple[str, int]]]:
        terms = parse_query(query)
        out: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        if query and query.strip() and not terms:
            return out
        where, params, _ = self._where(terms, filters)
        matching = "SELECT d.id" + where
        for column in ("language", "source"):
            out[column] = [(v, int(n)) for v, n in self._exec(
                f"SELECT d.{column}, count(*) AS n{where} {'AND' if ' WHERE ' in where else 'WHERE'} d.{column} IS NOT NULL"
                f" GROUP BY d.{column} ORDER BY n DESC, d.{column} LIMIT %s", params + [limit]).fetchall()]
        for kind in FACETS[2:]:  # the label facets
            out[kind] = [(v, int(n)) for v, n in self._exec(
                f"SELECT l.label, count(DISTINCT l.doc_id) AS n FROM doc_labels l WHERE l.kind = %s AND l.doc_id IN ({matching})"
                " GROUP BY l.label ORDER BY n DESC, l.label LIMIT %s", [kind] + params + [limit]).fetchall()]
        return out

    def _period_start(self, period: str) -> str:
        day = "to_date(left(d.published, 10), 'YYYY-MM-DD')"
        return {
            "day": "left(d.published, 10)",
            "week": f"to_char(date_trunc('week', {day}::timestamp), 'YYYY-MM-DD')",  # the Monday of the week
            "month": "left(d.published, 7) || '-01'",
        }[period]

    @contextlib.contextmanager
    def time_limit(self, seconds: float, stop: Callable[[], bool] | None = None) -> Iterator[None]:
        """The server stops each statement past ``seconds`` (``statement_timeout``); ``stop`` cannot be
        asked while a statement runs. The limit is set only when it changes and stays on the session
        after the block, so a worker running every request under the same limit pays no round trip."""
        ms = max(1, int(seconds * 1000))
        if ms != self._statement_timeout:
            self._exec(f"SET statement_timeout = {ms}")
            self._statement_timeout = ms
        yield

    # -- lifecycle ------------------------------------------------------------------------------------
    def close(self) -> None:
        con = self._con
        if con is not None:
            self._con = None
            with contextlib.suppress(Exception):
                con.close()  # an open transaction is rolled back by the server

    def __repr__(self) -> str:
        return f"PostgresStore({self.url!r})"
