"""A full disk: its own one-line message and exit code (4), naming what was kept; nothing stored is lost.

The full disk is a small tmpfs mounted for the test (skipped where mounting is not allowed).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from narrascope.cli import main
from narrascope.errors import DiskFullError
from narrascope.store import open_store

TEXT = "The harbour council met again on Monday to discuss the ferry timetable and the winter fares. "


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=640k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs is not allowed here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _records(path: Path, n: int, start: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            fh.write(json.dumps({"id": f"r{i}", "text": f"Record {i}. " + TEXT * 8}) + "\n")
    return path


def test_ingest_into_a_full_disk_keeps_what_was_stored(small_disk: Path, tmp_path: Path, capsys) -> None:
    db = small_disk / "corpus.db"
    assert main(["ingest", str(_records(tmp_path / "first.jsonl", 5)), "--db", str(db), "--raw"]) == 0
    capsys.readouterr()
    code = main(["ingest", str(_records(tmp_path / "many.jsonl", 3000, start=5)), "--db", str(db), "--raw",
                 "--batch-size", "20"])
    err = capsys.readouterr().err.strip()
    assert code == DiskFullError.exit_code, err
    assert len(err.splitlines()) == 1 and "disk is full" in err and "documents added by this run" in err, err
    assert "Traceback" not in err and "internal error" not in err
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with open_store(db, read_only=False) as store:
        assert {f"r{i}" for i in range(5)} <= {store.get(i).metadata.get("record_id") for i in store.ids()}


def test_a_report_on_a_full_disk_keeps_the_earlier_file(small_disk: Path, tmp_path: Path, capsys) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TEXT * 40, encoding="utf-8")
    report = small_disk / "report.json"
    report.write_text('{"earlier": true}', encoding="utf-8")
    fd = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT)  # fill the disk to the last block
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    code = main(["analyze", str(article), "--json", str(report), "--quiet", "--disable", "entities",
                 "--disable", "narratives", "--disable", "roles", "--disable", "techniques", "--disable", "claims"])
    err = capsys.readouterr().err.strip()
    assert code == DiskFullError.exit_code, err
    assert "disk full writing" in err and "earlier file is kept" in err and len(err.splitlines()) == 1, err
    assert report.read_text(encoding="utf-8") == '{"earlier": true}'
    assert [p.name for p in small_disk.iterdir() if p.name.startswith(".")] == []  # no temporary left behind


def test_reports_respect_the_umask(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TEXT * 3, encoding="utf-8")
    old = os.umask(0o022)
    try:
        assert main(["analyze", str(article), "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"),
                     "--quiet", "--fast", "--disable", "entities"]) == 0
    finally:
        os.umask(old)
    for name in ("r.json", "r.html"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644, name


def test_an_output_naming_a_folder_is_a_usage_error(tmp_path: Path, capsys) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TEXT * 3, encoding="utf-8")
    for option in ("--json", "--html"):
        assert main(["analyze", str(article), option, str(tmp_path), "--quiet", "--fast"]) == 2
        err = capsys.readouterr().err.strip()
        assert "is a folder" in err and len(err.splitlines()) == 1, err
