"""The corpus commands end to end: ingest (idempotent, resumable, errors logged) and search (table, JSON)."""

from __future__ import annotations

import json

from narrascope.cli import main


def _corpus(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Harbour strike closes the port\n\nDock workers in Valmara stopped the cranes on "
                                  "Monday over unpaid wages.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Ferry timetable changes\n\nThe island ferry will run twice a day from June, "
                                  "the operator said.\n", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    return folder


def test_ingest_twice_adds_nothing_and_logs_bad_files(tmp_path, capsys):
    folder, db = _corpus(tmp_path), tmp_path / "corpus.db"
    assert main(["ingest", str(folder), "--db", str(db)]) == 3  # the empty file is an input error
    err = capsys.readouterr().err
    assert "empty.txt" in err and "2 added" in err and "Traceback" not in err
    assert main(["ingest", str(folder), "--db", str(db), "--no-resume"]) == 3
    assert "0 added, 2 already stored" in capsys.readouterr().err


def test_search_table_and_json(tmp_path, capsys):
    folder, db = _corpus(tmp_path), tmp_path / "corpus.db"
    main(["ingest", str(folder), "--db", str(db)])
    capsys.readouterr()
    assert main(["search", "ferry", "--db", str(db), "--json", "--facets"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 1 and "ferry" in out["hits"][0]["snippet"].lower()
    assert main(["search", "cranes", "--db", str(db)]) == 0
    assert "Harbour strike" in capsys.readouterr().out


def test_search_without_a_store_is_a_one_line_error(tmp_path, capsys):
    assert main(["search", "x", "--db", str(tmp_path / "missing.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert "no such store" in err and len(err.splitlines()) == 1


def test_clusters_of_republished_copies(tmp_path, capsys):
    folder = tmp_path / "copies"
    folder.mkdir()
    body = ("The regional council approved a new ferry timetable on Tuesday, adding an evening crossing and "
            "moving the first departure to six in the morning, after months of complaints from island workers.")
    (folder / "orig.txt").write_text("Ferry timetable approved\n\n" + body + "\n", encoding="utf-8")
    (folder / "copy.txt").write_text("Ferry timetable approved\n\n" + body + " Reposted by a local blog.\n",
                                     encoding="utf-8")
    (folder / "other.txt").write_text("Museum reopens\n\nThe town museum reopens next week with a new hall "
                                      "for old maps and railway posters.\n", encoding="utf-8")
    db = tmp_path / "c.db"
    main(["ingest", str(folder), "--db", str(db)])
    capsys.readouterr()
    assert main(["clusters", "--db", str(db), "--json"]) == 0
    clusters = json.loads(capsys.readouterr().out)
    assert len(clusters) == 1 and clusters[0]["size"] == 2 and clusters[0]["title"] == "Ferry timetable approved"
    assert main(["clusters", "--db", str(db), "--threshold", "2"]) == 2
