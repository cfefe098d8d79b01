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


def test_ingest_analyze_fast_stores_the_linear_models_findings(tmp_path, capsys):
    from narrascope.store import open_store

    folder, db = _corpus(tmp_path), tmp_path / "corpus.db"
    (folder / "empty.txt").unlink()
    assert main(["ingest", str(folder), "--db", str(db), "--fast"]) == 2  # --fast without --analyze
    assert "--analyze" in capsys.readouterr().err
    assert main(["ingest", str(folder), "--db", str(db), "--analyze", "--fast"]) == 0
    with open_store(db) as store:
        models = {g.attrs["model"] for doc_id in store.ids() for g in store.get(doc_id).groups.get("roles", [])}
    assert models and all("(fast)" in m for m in models)


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
    found = json.loads(capsys.readouterr().out)
    clusters = found["near-duplicate"]
    assert len(clusters) == 1 and clusters[0]["size"] == 2 and clusters[0]["title"] == "Ferry timetable approved"
    assert found["cross-language"] == []
    assert main(["clusters", "--db", str(db), "--threshold", "2"]) == 2
    assert main(["clusters", "--db", str(db), "--kind", "nonsense"]) == 2
    # the result is stored: the store (and the web UI) lists it without clustering again
    from narrascope.store import open_store

    with open_store(db) as store:
        stored = store.clusters("near-duplicate")
        assert [c["id"] for c in stored] == [clusters[0]["id"]] and stored[0]["size"] == 2
    capsys.readouterr()
    assert main(["clusters", "--db", str(db)]) == 0  # the table; running again replaces, not adds
    assert "1 near-duplicate cluster(s)" in capsys.readouterr().out
    with open_store(db) as store:
        assert store.cluster_count() == 1


def _labelled_store(path):
    from narrascope.model import Document, Group
    from narrascope.store import open_store

    with open_store(path) as store:
        for i, (site, role, day) in enumerate([("Coast Post", "Antagonist", "2024-01-02"), ("Coast Post", "Antagonist", "2024-01-20"),
                                               ("=Valley Herald", "Protagonist", "2024-02-03")]):
            doc = Document(f"Report {i} on the Northern Alliance and the Harbour Board.",
                           metadata={"site_name": site, "published": day, "language": "en"})
            doc.add_group("entities", Group("E1", "Northern Alliance", "ORG"))
            doc.add_group("entities", Group("E2", "Harbour Board", "ORG"))
            doc.add_group("roles", Group("R1", role, "ORG", attrs={"entity": "Northern Alliance"}))
            doc.add_group("narratives", Group("N1", "Blaming others", "narrative"))
            doc.add_group("cited_sources", Group("S1", "Harbour TV", "telegram"))
            store.add(doc)


def test_trends_entity_and_graph_commands(tmp_path, capsys):
    db = tmp_path / "l.db"
    _labelled_store(db)
    assert main(["trends", "--db", str(db), "--period", "month", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"period": "2024-01-01", "narrative": "Blaming others", "documents": 2},
        {"period": "2024-02-01", "narrative": "Blaming others", "documents": 1}]
    assert main(["trends", "--db", str(db), "--kind", "role", "--entity", "Northern Alliance", "--period", "month", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "period,role,documents" and "2024-01-01,Antagonist,2" in lines
    assert main(["trends", "--db", str(db), "--kind", "bogus"]) == 2
    assert main(["entity", "Northern Alliance", "--db", str(db), "--json"]) == 0
    profile = json.loads(capsys.readouterr().out)
    assert profile["documents"] == 3 and profile["roles"] == [["Antagonist", 2], ["Protagonist", 1]]
    assert main(["entity", "Northern Alliance", "--db", str(db)]) == 0
    assert "cast as Antagonist (2), Protagonist (1)" in capsys.readouterr().out
    assert main(["entity", "Nobody", "--db", str(db)]) == 2
    assert main(["entity", "Northern Alliance", "--db", str(db), "--source", "Coast Post", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["roles"] == [["Antagonist", 2]]
    assert main(["graph", "entities", "--db", str(db), "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "source,target,kind,documents" and "Harbour Board,Northern Alliance,co-occurrence,3" in out
    assert "'=Valley Herald,Northern Alliance,Protagonist,cast-as,1" in out  # a formula-looking cell is defused
    assert main(["graph", "citations", "--db", str(db), "--format", "json"]) == 0
    graph = json.loads(capsys.readouterr().out)
    assert {"source": "Coast Post", "target": "Harbour TV", "kind": "cites", "documents": 2} in graph["edges"]
    assert main(["graph", "nonsense", "--db", str(db)]) == 2
    assert main(["graph", "entities", "--db", str(tmp_path / "missing.db")]) == 2
