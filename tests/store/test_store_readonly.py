"""Read-only stores: reading commands work on read-only media and files; any write says so in one line.

Read-only media is a read-only bind mount (root can write through file permissions, so a chmod
proves nothing here); where mounting is not allowed those tests skip, and the ``read_only=True``
behaviour is tested on an ordinary file.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from narrascope.cli import main
from narrascope.model import Document
from narrascope.store import StoreError, StoreReadOnlyError, open_store


def _fill(path: Path) -> list[str]:
    docs = [
        Document("Ferry fares rise again on the northern route, islanders say.", metadata={"source": "a.txt", "title": "Fares"}),
        Document("The harbour council approved the new ferry timetable on Monday.", metadata={"source": "b.txt"}),
    ]
    with open_store(path) as store:
        for doc in docs:
            store.add(doc)
    return [d.id for d in docs]


@pytest.fixture
def read_only_media(tmp_path: Path):
    """A folder with a store in it, mounted read-only at another path (skips where mounting is refused)."""
    source, mount = tmp_path / "disk", tmp_path / "media"
    source.mkdir()
    mount.mkdir()
    ids = _fill(source / "corpus.db")
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    bind = subprocess.run(["mount", "--bind", str(source), str(mount)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip("bind mounts are not allowed here")
    try:
        remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], capture_output=True)
        if remount.returncode != 0:
            pytest.skip("read-only remounts are not allowed here")
        yield mount / "corpus.db", ids
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)  # lazy: a closed store may linger a moment


def test_reading_commands_work_on_read_only_media(read_only_media, capsys) -> None:
    db, ids = read_only_media
    assert main(["search", "ferry", "--db", str(db), "--json"]) == 0
    assert '"total": 2' in capsys.readouterr().out
    for argv in (["trends", "--db", str(db), "--format", "json"], ["graph", "entities", "--db", str(db), "--format", "json"]):
        assert main(argv) == 0, argv
    with open_store(db, read_only=True) as store:
        assert store.count() == 2 and sorted(store.ids()) == sorted(ids)
    assert not any(p.name.endswith(("-wal", "-shm")) for p in db.parent.iterdir())


def test_web_ui_serves_a_store_on_read_only_media(read_only_media) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from narrascope.web import create_app

    db, _ = read_only_media
    with TestClient(create_app(str(db), warm=False)) as client:
        assert client.get("/search?q=ferry&format=json").json()["total"] == 2


def test_writing_to_read_only_media_says_so_in_one_line(read_only_media, tmp_path: Path, capsys) -> None:
    db, _ = read_only_media
    article = tmp_path / "new.txt"
    article.write_text("A new article about the ferry strike that nobody saw coming this winter.", encoding="utf-8")
    for argv in (["ingest", str(article), "--db", str(db), "--raw"], ["clusters", "--db", str(db)]):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "read-only" in err, err
    with open_store(db, read_only=True) as store:
        assert store.count() == 2  # nothing stored was lost


def test_read_only_refuses_every_write(tmp_path: Path) -> None:
    db = tmp_path / "corpus.db"
    _fill(db)
    with open_store(db, read_only=True) as store:
        assert store.search_count("ferry") == 2
        for write in (lambda: store.add(Document("another text", metadata={"source": "c"})),
                      lambda: store.record_error("x", None, "boom"), lambda: store.mark_done("k"),
                      lambda: store.replace_clusters("near-duplicate", [])):
            with pytest.raises(StoreReadOnlyError, match="read-only"):
                write()
    with open_store(db) as store:
        assert store.count() == 2 and store.errors() == []


def test_read_only_never_creates_or_migrates(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(StoreError, match="no such store"):
        open_store(missing, read_only=True)
    assert not missing.exists()
    old = tmp_path / "old.db"
    open_store(old, migrate_to=1).close()
    with pytest.raises(StoreError, match="older"):
        open_store(old, read_only=True)
    other = tmp_path / "other.db"
    import sqlite3

    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not a narrascope store"):
        open_store(other, read_only=True)


def test_postgres_read_only_session(pg_url) -> None:
    with open_store(pg_url) as store:
        store.add(Document("Ferry fares rise again on the northern route.", metadata={"source": "a"}))
    with open_store(pg_url, read_only=True) as store:
        assert store.count() == 1
        with pytest.raises(StoreReadOnlyError):
            store.add(Document("another text entirely", metadata={"source": "b"}))
        with pytest.raises(StoreReadOnlyError):
            store.record_error("x", None, "boom")
