"""The ``store`` fixture of the store tests (``from store_backends import store``): each test runs on SQLite
with FTS5, on SQLite without it (the fallback where a build lacks FTS5) and on PostgreSQL (a fresh database on
the session's throwaway server, ``pg_url``), so the backends are held to one behaviour. A module rather than a
tests/store/conftest.py, which would shadow the top-level ``conftest`` the tests import names from."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.store import open_store
from narrascope.store.sqlite import fts5_available

BACKENDS = ["sqlite", "sqlite-plain", "postgresql"]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path: Path):
    if request.param == "sqlite":
        if not fts5_available():
            pytest.skip("this SQLite has no FTS5")
        s = open_store(tmp_path / "corpus.db")
    elif request.param == "sqlite-plain":  # the fallback where SQLite lacks FTS5
        s = open_store(tmp_path / "corpus.db", fts=False)
    elif request.param == "postgresql":  # a fresh database on the session's throwaway server
        s = open_store(request.getfixturevalue("pg_url"))
    else:  # pragma: no cover
        raise AssertionError(request.param)
    with s:
        yield s
