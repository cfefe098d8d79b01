"""The corpus store: ``open_store("corpus.db")`` (SQLite) or ``open_store("postgresql://...")``.

    from narrascope.store import open_store
    with open_store("corpus.db") as store:
        store.add(doc)
        hits = store.search("ceasefire", language="en", date_from="2024-01-01")

Both backends behave the same (one test suite runs on both); PostgreSQL needs the ``postgres``
extra (``pip install 'narrascope[postgres]'``, psycopg 3).

Modules: ``base`` (the :class:`Store` interface, its errors and results), ``rows`` (what is derived
from a Document: its row, facet labels, dates), ``query`` (query language, filters, snippets),
``analytics`` (the analytics written once in SQL both backends speak), ``sqlite``, ``postgres`` and
``postgres_text`` (PostgreSQL's storable text and full-text vector).
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import (
    FACETS,
    ErrorRecord,
    SearchHit,
    Store,
    StoreError,
    StoreNotBuiltError,
    StoreReadOnlyError,
    StoreTimeoutError,
    StoreVersionError,
)

__all__ = [
    "FACETS",
    "ErrorRecord",
    "SearchHit",
    "Store",
    "StoreError",
    "StoreNotBuiltError",
    "StoreReadOnlyError",
    "StoreTimeoutError",
    "StoreVersionError",
    "open_store",
]


def open_store(url_or_path: str | os.PathLike[str], **options) -> Store:
    """A store from a path (SQLite file, created when missing), ``sqlite:///relative.db``,
    ``sqlite:////absolute.db``, ``:memory:``, or a ``postgresql://`` / ``postgres://`` URL
    (:class:`~narrascope.store.postgres.PostgresStore`; an empty database or one of ours; the
    password may come from the URL, PGPASSWORD or ~/.pgpass). ``options`` go to the backend.

    ``read_only=True`` opens an existing store for reading only (search, the web UI, trends): it works
    on read-only media and files, never migrates, and any write raises :class:`StoreReadOnlyError`."""
    if isinstance(url_or_path, Path) or not isinstance(url_or_path, str):
        target = os.fspath(url_or_path)
    else:
        target = url_or_path.strip()
    if not target:
        raise StoreError("no store given: pass a file path or a database URL")
    lowered = target.lower()
    if lowered.startswith(("postgresql://", "postgres://", "postgresql+", "postgres+")):
        from .postgres import PostgresStore  # imports psycopg only when it connects

        return PostgresStore(target, **options)
    if lowered.startswith("sqlite:"):
        rest = target[len("sqlite:"):]
        if rest in ("", "//", "///", "///:memory:"):
            target = ":memory:"
        elif rest.startswith("///"):
            target = rest[3:]
        else:
            raise StoreError(f"{target}: write an SQLite URL as sqlite:///relative/path or sqlite:////absolute/path")
    elif "://" in target:
        scheme = target.split("://", 1)[0]
        raise StoreError(f"{target}: unknown store URL scheme {scheme!r}; use a file path, sqlite:/// or postgresql://")
    from .sqlite import SQLiteStore

    return SQLiteStore(target, **options)
