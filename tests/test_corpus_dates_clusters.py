"""Issue 16, items 1-2: where dates come from (file names, --date, --date-field, --date-from-mtime, the
content's own), the undated counts on the pages and commands with charts over time, the near-duplicate
clusters brought up to date at the end of every ingest, exact copies on the Clusters page, and --jobs.
Texts are constructed here from a made-up vocabulary."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from narrascope import clusters as clusters_module
from narrascope.cli import main
from narrascope.ingest import ingest
from narrascope.readers import read_bytes, read_path
from narrascope.readers.dates import date_from_name, parse_batch_date, undated_note
from narrascope.store import open_store

WORDS = ("harbour council ferry timber quarry lantern valley orchard signal meadow copper river bridge market "
         "festival engine railway station tunnel harvest weather schedule workers union strike budget museum").split()


def _text(seed: int, n: int = 120) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def _edited(text: str, seed: int) -> str:
    rng = random.Random(seed)
    words = text.split()
    for _ in range(3):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


# -- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("2025-06-14_slug.txt", "2025-06-14"),
    ("2025-06-14T10-30_report.html", "2025-06-14T10:30:00"),
    ("20250614-ferry.txt", "2025-06-14"),
    ("ferry_2025_06_14.txt", "2025-06-14"),
    ("report-2025.06.14-final.txt", "2025-06-14"),
    ("2025-13-40_not-a-day.txt", None),
    ("article123456789.txt", None),   # digits inside a longer number are no date
    ("notes.txt", None),
    ("v20250614x.txt", None),         # glued to letters: not a clear token
])
def test_dates_in_file_names(name, expected):
    assert date_from_name(name) == expected


def test_a_file_name_dates_a_plain_text_and_is_marked(tmp_path):
    path = tmp_path / "2025-06-14_harbour.txt"
    path.write_text("Harbour strike\n\nDock workers stopped the cranes.\n", encoding="utf-8")
    doc = read_path(path).documents[0]
    assert doc.metadata["published"] == "2025-06-14" and doc.metadata["date_source"] == "file_name"


def test_the_contents_own_date_wins_over_file_name_and_batch():
    html = (b"<html><head><title>Ferry</title><meta property='article:published_time' content='2024-03-02'></head>"
            b"<body><article><p>The island ferry will run twice a day from June, the operator said on Monday.</p>"
            b"</article></body></html>")
    doc = read_bytes(html, name="2025-06-14_ferry.html", date="2025-01-01").documents[0]
    assert doc.metadata["published"].startswith("2024-03-02") and doc.metadata["date_source"] == "html"
    record = b'{"text": "Dock workers stopped the cranes over wages.", "when": "2023-05-06"}\n'
    plain = read_bytes(record, name="2025-06-14_dump.jsonl").documents[0]
    assert plain.metadata["published"] == "2025-06-14" and plain.metadata["date_source"] == "file_name"
    fielded = read_bytes(record, name="2025-06-14_dump.jsonl", date_field="when").documents[0]
    assert fielded.metadata["published"].startswith("2023-05-06") and fielded.metadata["date_source"] == "field"


def test_batch_date_fills_only_missing_dates_and_mtime_is_marked(tmp_path):
    undated, named = tmp_path / "notes.txt", tmp_path / "2025-06-01_notes.txt"
    undated.write_text("The ferry timetable changes in June.\n", encoding="utf-8")
    named.write_text("The bridge reopens in July.\n", encoding="utf-8")
    assert read_path(undated, date="2025-06-15").documents[0].metadata["date_source"] == "batch"
    kept = read_path(named, date="2025-06-15").documents[0].metadata
    assert kept["published"] == "2025-06-01" and kept["date_source"] == "file_name"
    os.utime(undated, (1_700_000_000, 1_700_000_000))
    meta = read_path(undated, date_from_mtime=True).documents[0].metadata
    assert meta["published"] == "2023-11-14T22:13:20" and meta["date_source"] == "mtime"
    assert "date_source" not in read_path(undated).documents[0].metadata  # nothing asked, nothing made up


@pytest.mark.parametrize("value", ["2025-13-01", "15/06/2025", "yesterday", "2025-6-1"])
def test_a_bad_date_is_one_line_and_exit_2(tmp_path, capsys, value):
    (tmp_path / "a.txt").write_text("The ferry runs.\n", encoding="utf-8")
    assert main(["ingest", str(tmp_path / "a.txt"), "--db", str(tmp_path / "c.db"), "--date", value]) == 2
    err = capsys.readouterr().err.strip()
    assert "--date" in err and "YYYY-MM-DD" in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "c.db").exists()
    with pytest.raises(Exception):
        parse_batch_date(value)


def test_date_and_mtime_exclude_each_other(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("The ferry runs.\n", encoding="utf-8")
    assert main(["ingest", str(tmp_path / "a.txt"), "--db", str(tmp_path / "c.db"), "--date", "2025-06-15",
                 "--date-from-mtime"]) == 2
    assert "exclude each other" in capsys.readouterr().err


def test_ingest_with_date_and_the_undated_counts(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2025-06-02_a.txt").write_text(_text(1), encoding="utf-8")
    (folder / "b.txt").write_text(_text(2), encoding="utf-8")
    (folder / "c.txt").write_text(_text(3), encoding="utf-8")
    db = tmp_path / "c.db"
    assert main(["ingest", str(folder), "--db", str(db), "--jobs", "1"]) == 0
    with open_store(db) as store:
        assert store.undated_count() == (2, 3)
    capsys.readouterr()
    assert main(["trends", "--db", str(db), "--kind", "narrative", "--format", "json"]) == 0
    out = capsys.readouterr()
    json.loads(out.out)  # stdout stays JSON; the note goes to stderr
    assert "2 of 3 documents are undated and left out" in out.err and "--date" in out.err
    later = tmp_path / "later"
    later.mkdir()
    (later / "d.txt").write_text(_text(4), encoding="utf-8")
    assert main(["ingest", str(later), "--db", str(db), "--date", "2025-06-15", "--jobs", "1"]) == 0
    with open_store(db) as store:
        assert store.undated_count() == (2, 4)
        dated = [store.get(i).metadata for i in store.ids()]
    assert sorted(m.get("date_source", "") for m in dated) == ["", "", "batch", "file_name"]


def test_undated_note_words():
    assert undated_note(0, 10) is None
    assert undated_note(12, 171).startswith("12 of 171 documents are undated and left out of this chart")
    assert undated_note(1, 1, "x").startswith("1 of 1 document is undated")


# -- undated counts in both stores (source and entity filters) --------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = str(tmp_path / "c.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with open_store(url) as s:
        yield s


def _doc(text, *, site, published=None, entity=None, role=None):
    from narrascope.model import Document, Group

    meta = {"source": "test", "site_name": site, **({"published": published} if published else {})}
    doc = Document(text, metadata=meta)
    if entity:
        doc.add_group("entities", Group("E1", entity, "ORG", attrs={"mentions": 1}))
    if role:
        doc.add_group("roles", Group("R1", role[0], "ORG", attrs={"entity": role[1], "entity_id": "E1"}))
    return doc


def test_undated_count_with_filters(store):
    store.add(_doc("one dated harbour note", site="Coast Post", published="2024-01-01", entity="Harbour Authority"))
    store.add(_doc("two undated harbour note", site="Coast Post", entity="Harbour Authority"))
    store.add(_doc("three undated valley note", site="Valley Herald", role=("Antagonist", "Harbour Authority")))
    store.add(_doc("four undated valley note", site="Valley Herald"))
    assert store.undated_count() == (3, 4)
    assert store.undated_count(source="Coast Post") == (1, 2)
    assert store.undated_count(entity="Harbour Authority") == (2, 3)
    assert store.undated_count(source="Valley Herald", entity="Harbour Authority") == (1, 1)
    assert store.undated_count(source="Nobody") == (0, 0)


def test_exact_copies_and_incremental_clusters_in_both_stores(store):
    base = _text(10)
    first = _doc(base, site="Coast Post", published="2024-01-02")
    assert store.add(first)
    copy = _doc(base, site="Valley Herald")
    assert not store.add(copy)  # the same text: stored once, seen twice
    assert store.exact_copy_count() == 1
    [only] = store.exact_copies()
    assert only["doc_id"] == first.id and only["copies"] == 2
    assert {s["source"] for s in only["sightings"]} == {"Coast Post", "Valley Herald"}
    clusters_module.sign_documents(store, [first])
    assert clusters_module.update_stored_clusters(store)["pairs"] == 0
    near = _doc(_edited(base, 1), site="Note Wire", published="2024-01-05")
    store.add(near)
    clusters_module.sign_documents(store, [near])
    result = clusters_module.update_stored_clusters(store)
    assert result["compared"] == 1 and result["pairs"] == 1 and result["clusters"] == 1
    [stored] = store.clusters("near-duplicate")
    assert stored["original"] == first.id and stored["size"] == 2


# -- near-duplicate clusters after a plain ingest, incrementally ------------------------------------------


def test_a_new_document_joins_the_stored_cluster_without_a_recompute(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    base = _text(20)
    (first / "2024-05-01_original.txt").write_text(base, encoding="utf-8")
    (first / "2024-05-02_copy.txt").write_text(_edited(base, 2), encoding="utf-8")
    for n in range(5):
        (first / f"other{n}.txt").write_text(_text(100 + n), encoding="utf-8")
    db = tmp_path / "c.db"
    with open_store(db) as store:
        report = ingest([first], store, pipeline=False)
        assert report.near_duplicates["pairs"] == 1
        [cluster] = store.clusters("near-duplicate")
        assert cluster["size"] == 2 and store.cluster_count() == 1
        first_id = cluster["id"]

    signed: list[str] = []
    real_sign = clusters_module.Signer.sign

    def counting_sign(self, text):
        signed.append(text)
        return real_sign(self, text)

    def no_full_recompute(*args, **kwargs):
        raise AssertionError("a full recompute ran")

    monkeypatch.setattr(clusters_module.Signer, "sign", counting_sign)
    monkeypatch.setattr(clusters_module, "near_duplicate_clusters", no_full_recompute)
    newcomer = _edited(base, 3)
    (second / "2024-05-09_repost.txt").write_text(newcomer, encoding="utf-8")
    (second / "unrelated.txt").write_text(_text(999), encoding="utf-8")
    with open_store(db) as store:
        report = ingest([second], store, pipeline=False)
        assert sorted(signed) == sorted([newcomer, _text(999)])  # the stored texts were not shingled again
        assert report.near_duplicates["compared"] == 2 and report.near_duplicates["pairs"] >= 1
        [cluster] = store.clusters("near-duplicate")
        assert cluster["size"] == 3 and cluster["id"] != first_id
        members = store.cluster(cluster["id"])["members"]
        assert [m["published"] for m in members] == ["2024-05-01", "2024-05-02", "2024-05-09"]
        # a third run with nothing new compares nothing
        signed.clear()
        assert ingest([second], store, pipeline=False, resume=False).near_duplicates["compared"] == 0
        assert signed == []


def test_two_clusters_merge_when_a_new_document_links_them(tmp_path, monkeypatch):
    a, b = _text(31), _text(32)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2024-01-01_a1.txt").write_text(a, encoding="utf-8")
    (folder / "2024-01-02_a2.txt").write_text(_edited(a, 1), encoding="utf-8")
    (folder / "2024-01-03_b1.txt").write_text(b, encoding="utf-8")
    (folder / "2024-01-04_b2.txt").write_text(_edited(b, 1), encoding="utf-8")
    db = tmp_path / "c.db"
    with open_store(db) as store:
        ingest([folder], store, pipeline=False)
        assert store.cluster_count("near-duplicate") == 2
        a1 = next(i for i in store.ids() if store.get(i).text == a)
        b1 = next(i for i in store.ids() if store.get(i).text == b)
        bridge = tmp_path / "2023-12-31_bridge.txt"
        bridge.write_text(_text(33), encoding="utf-8")
        # the newcomer matches a member of each cluster (as a text quoting both would)
        monkeypatch.setattr(clusters_module, "new_near_duplicate_pairs",
                            lambda new, old, *args: {(n, o): 0.6 for n in new for o in (a1, b1)})
        ingest([bridge], store, pipeline=False)
        [merged] = store.clusters("near-duplicate")
        members = store.cluster(merged["id"])["members"]
    assert merged["size"] == 5 and [m["published"] for m in members][0] == "2023-12-31"
    assert [m["published"] for m in members][1:] == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]


def test_a_store_from_before_signatures_is_signed_once(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    base = _text(40)
    (folder / "a.txt").write_text(base, encoding="utf-8")
    (folder / "b.txt").write_text(_edited(base, 4), encoding="utf-8")
    db = tmp_path / "c.db"
    with open_store(db) as store:
        ingest([folder], store, pipeline=False, update_clusters=False)
        assert store.cluster_count() == 0 and len(store.unsigned_ids(clusters_module.Signer().scheme)) == 2
        result = clusters_module.update_stored_clusters(store)
        assert result["signed"] == 2 and result["pairs"] == 1 and store.cluster_count("near-duplicate") == 1


# -- --jobs -------------------------------------------------------------------------------------------------


def test_jobs_default_is_the_usable_cores(monkeypatch):
    from narrascope.cli import options

    assert options.check_jobs(3) == 3
    if hasattr(os, "sched_getaffinity") and not hasattr(os, "process_cpu_count"):
        assert options.usable_cores() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(options, "usable_cores", lambda: 7)
    assert options.check_jobs(0) == 7
    with pytest.raises(Exception, match="--jobs"):
        options.check_jobs(-1)


def test_ingest_passes_the_default_jobs_on(tmp_path, monkeypatch):
    from narrascope import ingest as ingest_module
    from narrascope.cli import options

    seen = {}
    real = ingest_module.ingest

    def spy(*args, **kwargs):
        seen["n_process"] = kwargs.get("n_process")
        return real(*args, **kwargs)

    monkeypatch.setattr(options, "usable_cores", lambda: 5)
    monkeypatch.setattr(ingest_module, "ingest", spy)
    (tmp_path / "a.txt").write_text("The ferry runs twice a day.\n", encoding="utf-8")
    assert main(["ingest", str(tmp_path / "a.txt"), "--db", str(tmp_path / "c.db"), "--raw"]) == 0
    assert seen["n_process"] == 5


def test_readme_mentions_jobs_and_dates():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for flag in ("--jobs", "--date", "--date-from-mtime", "--date-field"):
        assert flag in readme


# -- the web pages (FastAPI TestClient) ---------------------------------------------------------------------


def _plain_ingest_corpus(tmp_path) -> tuple[str, dict]:
    """Folder of plain texts ingested without analysis and without `narrascope clusters`: one text under
    three file names, a near-duplicate pair, an undated note."""
    folder = tmp_path / "in"
    folder.mkdir()
    same = _text(50)
    for name in ("2025-06-14_original.txt", "mirror-one.txt", "mirror-two.txt"):
        (folder / name).write_text("Harbour strike\n\n" + same, encoding="utf-8")
    near = _text(60)
    (folder / "2025-06-10_wire.txt").write_text("Ferry timetable\n\n" + near, encoding="utf-8")
    (folder / "2025-06-11_repost.txt").write_text("Ferry timetable again\n\n" + _edited(near, 5), encoding="utf-8")
    (folder / "undated.txt").write_text("Valley note\n\n" + _text(70), encoding="utf-8")
    db = str(tmp_path / "c.db")
    assert main(["ingest", str(folder), "--db", db, "--jobs", "1"]) == 0
    return db, {"same": same, "folder": folder}


def test_web_clusters_page_shows_exact_copies_and_near_duplicates_after_plain_ingest(tmp_path):
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from narrascope.web import create_app

    db, info = _plain_ingest_corpus(tmp_path)
    with TestClient(create_app(db, warm=False)) as client:
        page = client.get("/clusters")
        assert page.status_code == 200
        html = page.text
        assert "No stored clusters" not in html and "near-duplicate" in html
        section = html[html.index('id="exact-copies"'):]
        for name in ("2025-06-14_original.txt", "mirror-one.txt", "mirror-two.txt"):
            assert name in section
        assert "3×" in section and "Harbour strike" in section
        data = client.get("/clusters?format=json").json()
        assert data["exact_copy_count"] == 1 and data["exact_copies"][0]["copies"] == 3
        assert data["total"] == 1 and data["clusters"][0]["size"] == 2
        dashboard = client.get("/")
        assert "1 of 4 documents is undated and left out of the charts over time" in dashboard.text
        assert client.get("/?format=json").json()["undated"] == {"undated": 1, "documents": 4}
        doc_id = data["exact_copies"][0]["doc_id"]
        assert "date from the file name" in client.get(f"/documents/{doc_id}").text


def test_web_entity_page_and_cli_entity_say_how_many_are_undated(tmp_path, capsys):
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from narrascope.web import create_app

    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        store.add(_doc("one dated harbour note", site="Coast Post", published="2024-01-01", entity="Harbour Authority"))
        store.add(_doc("two undated harbour note", site="Coast Post", entity="Harbour Authority"))
    with TestClient(create_app(db, warm=False)) as client:
        page = client.get("/entities/Harbour%20Authority")
        assert page.status_code == 200 and "1 of 2 documents is undated and left out of the roles over time" in page.text
        assert client.get("/entities/Harbour%20Authority?format=json").json()["undated"] == {"undated": 1, "documents": 2}
    capsys.readouterr()
    assert main(["entity", "Harbour Authority", "--db", db]) == 0
    assert "1 of 2 documents is undated" in capsys.readouterr().out


def test_analyze_takes_the_same_date_options(tmp_path, capsys):
    article = tmp_path / "note.txt"
    article.write_text("Harbour strike\n\nDock workers in Valmara stopped the cranes on Monday over unpaid wages.\n",
                       encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["analyze", str(article), "--fast", "--quiet", "--jobs", "1", "--disable", "narratives",
                 "--disable", "techniques", "--disable", "roles", "--date", "2025-06-15", "--json", str(out)]) == 0
    meta = json.loads(out.read_text(encoding="utf-8"))["metadata"]
    assert meta["published"] == "2025-06-15" and meta["date_source"] == "batch"
    assert main(["analyze", str(article), "--fast", "--quiet", "--date", "June 15"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
