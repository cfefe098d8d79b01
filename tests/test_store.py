"""The corpus store: one suite for every backend (the ``store`` fixture; PostgreSQL joins it later)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from narrascope.errors import NarrascopeError
from narrascope.model import Document, Group
from narrascope.store import StoreError, StoreNotBuiltError, StoreVersionError, open_store
from narrascope.store.base import make_snippet, normalize_date, parse_query
from narrascope.store.sqlite import SCHEMA_VERSION, SQLiteStore, fts5_available

BACKENDS = ["sqlite", "sqlite-plain"]  # "postgresql" goes here once it is built


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path: Path):
    if request.param == "sqlite":
        if not fts5_available():
            pytest.skip("this SQLite has no FTS5")
        s = open_store(tmp_path / "corpus.db")
    elif request.param == "sqlite-plain":  # the fallback where SQLite lacks FTS5
        s = open_store(tmp_path / "corpus.db", fts=False)
    else:  # pragma: no cover
        raise AssertionError(request.param)
    with s:
        yield s


def article(text: str, *, title: str | None = None, language: str | None = "en", site: str | None = "Daily Example",
            published: str | None = None, narratives=(), techniques=(), entities=(), roles=()) -> Document:
    """A Document with hand-made layers and groups, as the analyzers would leave them."""
    meta = {"source": "test"}
    if title:
        meta["title"] = title
    if language:
        meta["language"] = language
    if site:
        meta["site_name"] = site
    if published:
        meta["published"] = published
    doc = Document(text, metadata=meta)
    for n, label in enumerate(narratives, 1):
        doc.add_group("narratives", Group(f"N{n}", label, "narrative"))
    for label in techniques:
        doc.add_span("techniques", 0, min(5, len(text)), label)
    for n, label in enumerate(entities, 1):
        doc.add_group("entities", Group(f"E{n}", label, "ORG", attrs={"mentions": 2}))
    for n, (role, entity) in enumerate(roles, 1):
        doc.add_group("roles", Group(f"R{n}", role, "ORG", attrs={"entity": entity, "entity_id": f"E{n}"}))
    return doc


@pytest.fixture
def corpus(store):
    docs = [
        article("The harbour authority announced a new ferry timetable for the winter season.",
                title="Ferry timetable changes", published="2024-01-01T09:00:00", site="Coast Post",
                narratives=["Economy: Prices rise"], techniques=["Loaded_Language", "Loaded_Language"],
                entities=["Harbour Authority"], roles=[("Protagonist", "Harbour Authority")]),
        article("Officials blamed the Northern Alliance for the blackout, calling it sabotage.",
                title="Blackout blamed on alliance", published="2024-01-03T12:30:00+02:00", site="Coast Post",
                narratives=["Blaming others", "Other"], techniques=["Name_Calling-Labeling"],
                entities=["Northern Alliance"], roles=[("Antagonist", "Northern Alliance")]),
        article("The Northern Alliance delivered generators to three villages after the blackout.",
                title="Generators delivered", published="2024-01-09", site="Valley Herald",
                narratives=["Aid and relief"], entities=["Northern Alliance"],
                roles=[("Protagonist", "Northern Alliance")]),
        article("Власти Приморья объявили о новом расписании паромов на зиму.", title="Паромы",
                language="ru", published="2024-02-05T08:00:00", site="Приморские вести",
                narratives=["Economy: Prices rise"], techniques=["Loaded_Language"]),
        article("我爱北京天安门，港口管理局宣布了新的渡轮时刻表。", title="渡轮时刻表", language="zh",
                published="2024-02-20", site="海港日报"),
        article("An undated note about the café opening near the harbour.", title=None, site=None),
    ]
    for doc in docs:
        assert store.add(doc) is True
    return docs


# -- basics --------------------------------------------------------------------------------------


def test_add_get_and_idempotent_re_add(store) -> None:
    doc = article("A plain article about bridges and tunnels.", title="Bridges", published="2024-05-01")
    assert store.add(doc) is True
    assert store.add(doc) is False
    assert store.add(Document(doc.text)) is False  # same text, other metadata: same content hash
    assert store.count() == len(store) == 1
    assert store.ids() == [doc.id]
    assert doc.id in store and "0" * 16 not in store
    back = store.get(doc.id)
    assert back == doc and back.to_json() == doc.to_json()
    assert store.get("nope") is None


def test_add_many_is_one_transaction(store) -> None:
    docs = [article(f"Article number {i} about trains.") for i in range(5)]
    assert store.add_many(docs + docs[:2]) == (5, 2)
    assert sorted(store.ids()) == sorted(d.id for d in docs)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with store.batch():
            store.add(article("Rolled back article one."))
            raise Boom
    assert store.count() == 5


def test_hostile_text_is_stored_byte_for_byte(store) -> None:
    text = 'Breaking: <script>alert("x")</script> <img src=x onerror="steal()"> \u202e \x00 end & "quotes" \'; DROP TABLE documents; --'
    doc = article(text, title='<b onmouseover="x()">T</b>')
    store.add(doc)
    back = store.get(doc.id)
    assert back.text == text and back.metadata["title"] == '<b onmouseover="x()">T</b>'
    hit = store.search("onerror")[0]
    assert hit.snippet == text[hit.snippet_start:hit.snippet_end]
    assert store.search("DROP TABLE documents") and store.count() == 1


def test_sightings_keep_every_copy(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db") as s:
        text = "The same message forwarded by two channels."
        s.add(Document(text, metadata={"channel": "Channel A", "url": "https://t.me/a/1"}))
        s.add(Document(text, metadata={"channel": "Channel B", "url": "https://t.me/b/7"}))
        assert s.count() == 1
        assert [x["source"] for x in s.sightings(Document(text).id)] == ["Channel A", "Channel B"]


# -- search --------------------------------------------------------------------------------------


def test_full_text_search_with_snippet_offsets(store, corpus) -> None:
    hits = store.search("ferry timetable")
    assert [h.doc_id for h in hits] == [corpus[0].id]
    hit = hits[0]
    text = corpus[0].text
    assert hit.snippet == text[hit.snippet_start:hit.snippet_end]
    assert [text[a:b] for a, b in hit.matches] == ["ferry", "timetable"]
    assert hit.title == "Ferry timetable changes" and hit.source == "Coast Post" and hit.language == "en"
    assert hit.date == "2024-01-01T09:00:00"
    # every term must occur; case and diacritics do not matter; prefixes and phrases
    assert store.search("ferry blackout") == []
    assert {h.doc_id for h in store.search("BLACKOUT")} == {corpus[1].id, corpus[2].id}
    assert [h.doc_id for h in store.search("cafe")] == [corpus[5].id]
    assert [h.doc_id for h in store.search("gener*")] == [corpus[2].id]
    assert [h.doc_id for h in store.search('"calling it sabotage"')] == [corpus[1].id]
    assert store.search('"sabotage calling"') == []
    assert store.search_count("northern alliance") == 2
    # title-only match: found, snippet from the start of the text
    hit = store.search("changes")[0]
    assert hit.doc_id == corpus[0].id and hit.snippet_start == 0 and hit.matches == []


def test_query_syntax_is_never_an_error(store, corpus) -> None:
    for query in ['"', "AND", "OR NOT", "NEAR(", "*", "a:b", "^x", "'; DROP TABLE x", "(((", "-", "  "]:
        store.search(query)
        store.facets(query)
        store.search_count(query)
    assert store.count() == len(corpus)


def test_unicode_search(store, corpus) -> None:
    hit = store.search("расписании")[0]
    assert hit.doc_id == corpus[3].id
    assert corpus[3].text[hit.matches[0][0]:hit.matches[0][1]] == "расписании"
    assert [h.doc_id for h in store.search("ПАРОМОВ")] == [corpus[3].id]
    hit = store.search("北京")[0]  # inside a run of characters without spaces
    assert hit.doc_id == corpus[4].id
    a, b = hit.matches[0]
    assert corpus[4].text[a:b] == "北京" and hit.snippet == corpus[4].text[hit.snippet_start:hit.snippet_end]
    assert [h.doc_id for h in store.search("渡轮时刻表")] == [corpus[4].id]
    assert store.search("北海") == []


def test_snippet_of_a_long_text_is_a_window() -> None:
    text = ("filler words here " * 100) + "the needle sits here " + ("more filler " * 100)
    snippet, start, end, matches = make_snippet(text, parse_query("needle"))
    assert snippet == text[start:end] and 0 < start and end < len(text) and len(snippet) <= 240
    assert [text[a:b] for a, b in matches] == ["needle"]
    text = "Ça coûte cher: l'été à Zürich, straße."
    _, _, _, matches = make_snippet(text, parse_query("ETE zurich strasse"))
    assert [text[a:b] for a, b in matches] == ["été", "Zürich", "straße"]


# -- filters, facets, counts over time -----------------------------------------------------------


def ids(hits) -> set[str]:
    return {h.doc_id for h in hits}


def test_filters(store, corpus) -> None:
    c = corpus
    assert ids(store.search(language="ru")) == {c[3].id}
    assert ids(store.search(language="EN")) == {c[0].id, c[1].id, c[2].id, c[5].id}
    assert ids(store.search(source="Coast Post")) == {c[0].id, c[1].id}
    assert ids(store.search(date_from="2024-01-02", date_to="2024-01-09")) == {c[1].id, c[2].id}
    assert ids(store.search(date_to="2024-01-01")) == {c[0].id}  # a day bound includes the whole day
    assert ids(store.search(date_from="2024-02-01")) == {c[3].id, c[4].id}
    assert ids(store.search(technique="Loaded_Language")) == {c[0].id, c[3].id}
    assert ids(store.search(narrative="Economy: Prices rise")) == {c[0].id, c[3].id}
    assert store.search(narrative="Other") == []  # "Other" is no narrative
    assert ids(store.search(entity="Northern Alliance")) == {c[1].id, c[2].id}
    assert ids(store.search(role="Antagonist")) == {c[1].id}
    assert ids(store.search(entity="Northern Alliance", role="Protagonist")) == {c[2].id}
    assert ids(store.search("blackout", entity="Northern Alliance", role="Antagonist", source="Coast Post")) == {c[1].id}
    assert store.search("ferry", language="ru") == []
    # no query: newest first, undated last; limit and offset page through
    assert [h.doc_id for h in store.search(limit=3)] == [c[4].id, c[3].id, c[2].id]
    assert [h.doc_id for h in store.search(limit=3, offset=3)] == [c[1].id, c[0].id, c[5].id]
    with pytest.raises(StoreError, match="not a date"):
        store.search(date_from="soon")
    with pytest.raises(TypeError):
        store.search(colour="red")


def test_facets(store, corpus) -> None:
    f = store.facets()
    assert set(f) == {"language", "source", "narrative", "technique", "entity", "role"}
    assert f["language"] == [("en", 4), ("ru", 1), ("zh", 1)]
    assert f["source"][0] == ("Coast Post", 2) and ("海港日报", 1) in f["source"]
    assert f["narrative"] == [("Economy: Prices rise", 2), ("Aid and relief", 1), ("Blaming others", 1)]
    assert f["technique"] == [("Loaded_Language", 2), ("Name_Calling-Labeling", 1)]
    assert f["entity"] == [("Northern Alliance", 2), ("Harbour Authority", 1)]
    assert f["role"] == [("Protagonist", 2), ("Antagonist", 1)]
    f = store.facets("blackout")
    assert f["language"] == [("en", 2)] and f["role"] == [("Antagonist", 1), ("Protagonist", 1)]
    f = store.facets(source="Coast Post")
    assert f["narrative"] == [("Blaming others", 1), ("Economy: Prices rise", 1)]


def test_counts_over_time(store, corpus) -> None:
    assert store.counts_over_time("narrative", "day") == [
        ("2024-01-01", "Economy: Prices rise", 1),
        ("2024-01-03", "Blaming others", 1),  # 12:30 at +02:00 is 10:30 UTC, the same day
        ("2024-01-09", "Aid and relief", 1),
        ("2024-02-05", "Economy: Prices rise", 1),
    ]
    # weeks start on Monday: 2024-01-01 was a Monday, 2024-01-03 is in its week
    assert store.counts_over_time("narrative", "week") == [
        ("2024-01-01", "Blaming others", 1),
        ("2024-01-01", "Economy: Prices rise", 1),
        ("2024-01-08", "Aid and relief", 1),
        ("2024-02-05", "Economy: Prices rise", 1),
    ]
    assert store.counts_over_time("technique", "month") == [
        ("2024-01-01", "Loaded_Language", 1),
        ("2024-01-01", "Name_Calling-Labeling", 1),
        ("2024-02-01", "Loaded_Language", 1),
    ]
    assert store.counts_over_time("role", "month") == [("2024-01-01", "Antagonist", 1), ("2024-01-01", "Protagonist", 2)]
    assert store.counts_over_time("role", "week", entity="Northern Alliance") == [
        ("2024-01-01", "Antagonist", 1), ("2024-01-08", "Protagonist", 1)]
    assert store.counts_over_time("narrative", "month", source="Valley Herald") == [("2024-01-01", "Aid and relief", 1)]
    with pytest.raises(StoreError, match="period"):
        store.counts_over_time("narrative", "year")
    with pytest.raises(StoreError, match="kind"):
        store.counts_over_time("colour", "day")


def test_dates_are_normalised() -> None:
    assert normalize_date("2024-01-03T12:30:00+02:00") == "2024-01-03T10:30:00"
    assert normalize_date("Tue, 10 Jun 2003 04:00:00 GMT") == "2003-06-10T04:00:00"
    assert normalize_date("2024-01-09") == "2024-01-09"
    assert normalize_date("yesterday") is None and normalize_date(None) is None


# -- error log, ingest progress ------------------------------------------------------------------


def test_error_log_and_done_marks(store) -> None:
    store.record_error("a.jsonl", "line 3", "not valid JSON")
    store.record_error("b.txt", None, "b.txt: the file is empty")
    store.record_error("a.jsonl", "line 3", "not valid JSON")
    errors = store.errors()
    assert [(e.source, e.item, e.message, e.count) for e in errors] == [
        ("a.jsonl", "line 3", "not valid JSON", 2), ("b.txt", "", "b.txt: the file is empty", 1)]
    assert not store.is_done("file:a|1|2")
    store.mark_done("file:a|1|2")
    assert store.is_done("file:a|1|2")


# -- files, URLs, migrations ---------------------------------------------------------------------


def test_survives_reopen_and_is_wal(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    doc = article("Persisted across a reopen.")
    with open_store(f"sqlite:///{path}") as s:
        s.add(doc)
    with open_store(path) as s:
        assert s.ids() == [doc.id] and s.schema_version() == SCHEMA_VERSION
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_store_urls(tmp_path: Path) -> None:
    with pytest.raises(StoreNotBuiltError, match="PostgreSQL store not built yet"):
        open_store("postgresql://user@localhost/corpus")
    assert issubclass(StoreNotBuiltError, NarrascopeError)
    with pytest.raises(StoreError, match="unknown store URL scheme"):
        open_store("mysql://x/y")
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "missing" / "c.db")
    with open_store("sqlite://") as s:
        assert s.count() == 0


def test_not_a_store(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not an SQLite file at all, just words " * 50)
    with pytest.raises(StoreError, match="not a narrascope store"):
        open_store(junk)
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE x (a)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not a narrascope store"):
        open_store(other)


def test_migrates_an_old_file(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    doc = article("Stored by schema version one.", title="Old", published="2023-12-31")
    doc.add_group("cited_sources", Group("S1", "Harbour TV", "telegram"))
    with SQLiteStore(path, migrate_to=1) as old:
        assert old.schema_version() == 1
        old.add(doc)
    con = sqlite3.connect(path)
    assert {r[0] for r in con.execute("SELECT name FROM sqlite_master")} .isdisjoint({"ingest_errors", "ingest_done"})
    con.close()
    with open_store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION == 3
        assert s.get(doc.id) == doc and s.search("schema")[0].doc_id == doc.id
        assert s.top_labels("cited") == [("Harbour TV", 1)]  # version 3 derived the labels it added
        assert s.clusters() == []
        s.record_error("x", None, "works after the migration")
        assert s.errors()[0].message == "works after the migration"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with open_store(path):
        pass
    con = sqlite3.connect(path)
    con.execute("INSERT INTO schema_version VALUES (?, '2099-01-01')", (SCHEMA_VERSION + 5,))
    con.commit()
    con.close()
    with pytest.raises(StoreVersionError, match=f"schema version {SCHEMA_VERSION + 5} is newer"):
        open_store(path)


def test_lone_surrogates_and_cjk_next_to_latin(store) -> None:
    doc = Document("A broken escape \ud800 inside, and 北京Beijing side by side.", metadata={"title": "t\udc00"})
    assert store.add(doc) is True
    back = store.get(doc.id)
    assert back.text == doc.text and back.metadata["title"] == "t\udc00"
    hit = store.search("beijing")[0]  # a CJK character is a token of its own, so Beijing is a word
    assert doc.text[hit.matches[0][0]:hit.matches[0][1]] == "Beijing"
    assert store.search("escape inside")[0].doc_id == doc.id


def test_snippet_scan_in_chunks_finds_the_same(monkeypatch) -> None:
    from narrascope.store import base

    text = " ".join(["ab", "xab", "Ábc", "ab-cd", "北Ab", "straße", "ﬁab", "ab,"] * 30)
    queries = ["ab", "ab*", '"ab cd"', "北", "strasse", "abc"]
    whole = {q: base.find_matches(text, parse_query(q), limit=10_000) for q in queries}
    monkeypatch.setattr(base, "SCAN_CHUNK", 7)
    monkeypatch.setattr(base, "SCAN_OVERLAP", 50)
    for q in queries:
        assert base.find_matches(text, parse_query(q), limit=10_000) == whole[q], q
        assert whole[q] and all(text[a:b] for a, b in whole[q])


# -- corpus analytics (written once in base.py, run by every backend) ------------------------------


def test_clusters_are_stored_replaced_and_found(store, corpus) -> None:
    from narrascope.clusters import Cluster

    a, b, c = corpus[0].id, corpus[3].id, corpus[1].id
    assert store.replace_clusters("near-duplicate", [Cluster([a, b], a, {(a, b): 0.8})]) == 1
    store.replace_clusters("cross-language", [{"members": [a, c], "original": a,
                                              "pairs": [{"a": a, "b": c, "score": 0.6, "evidence": ["#139", "@harbour"]}]}])
    assert store.cluster_count() == 2 and store.cluster_count("near-duplicate") == 1
    listed = store.clusters("near-duplicate")
    assert [(x["original"], x["size"], x["title"]) for x in listed] == [(a, 2, "Ferry timetable changes")]
    whole = store.cluster(listed[0]["id"])
    assert [m["doc_id"] for m in whole["members"]] == [a, b]
    assert whole["members"][1]["similarity"] == pytest.approx(0.8) and whole["members"][1]["title"] == "Паромы"
    cross = store.clusters("cross-language")[0]
    assert store.cluster(cross["id"])["members"][1]["evidence"] == ["#139", "@harbour"]
    assert {x["kind"] for x in store.clusters_of(a)} == {"near-duplicate", "cross-language"}
    # a new run replaces only its own kind; singletons are not clusters
    assert store.replace_clusters("near-duplicate", [Cluster([c], c)]) == 0
    assert store.cluster_count("near-duplicate") == 0 and store.cluster_count("cross-language") == 1
    assert store.cluster(10_000) is None
    with pytest.raises(StoreError, match="cluster kind"):
        store.replace_clusters("nonsense", [])


def test_overview_and_top_labels(store, corpus) -> None:
    info = store.overview()
    assert info["documents"] == 6 and info["sources"] == 4 and info["languages"] == 3
    assert info["first_published"] == "2024-01-01T09:00:00" and info["last_published"] == "2024-02-20"
    assert info["dated"] == 5 and info["errors"] == 0
    assert store.top_labels("entity") == [("Northern Alliance", 2), ("Harbour Authority", 1)]
    assert store.top_labels("technique", source="Coast Post") == [("Loaded_Language", 1), ("Name_Calling-Labeling", 1)]
    with pytest.raises(StoreError):
        store.top_labels("bogus")


def test_entity_profile_and_graph(store, corpus) -> None:
    extra = article("The Northern Alliance and the Harbour Authority signed a deal.", site="Valley Herald",
                    published="2024-03-02", entities=["Northern Alliance", "Harbour Authority"],
                    roles=[("Antagonist", "Northern Alliance")])
    store.add(extra)
    p = store.entity_profile("Northern Alliance", period="month")
    assert p["documents"] == 3
    assert p["roles"] == [("Antagonist", 2), ("Protagonist", 1)]
    assert {"source": "Coast Post", "role": "Antagonist", "documents": 1} in p["roles_by_source"]
    assert ("2024-01-01", "Antagonist", 1) in p["roles_over_time"] and ("2024-03-01", "Antagonist", 1) in p["roles_over_time"]
    assert p["co_occurring"] == [("Harbour Authority", 1)]
    assert p["recent"][0]["doc_id"] == extra.id
    assert store.entity_profile("Nobody") is None
    g = store.entity_graph(min_documents=1)
    assert [n["id"] for n in g["nodes"]] == ["Northern Alliance", "Harbour Authority"]
    assert g["nodes"][0]["roles"] == {"Antagonist": 2, "Protagonist": 1}
    assert g["edges"] == [{"source": "Harbour Authority", "target": "Northern Alliance", "kind": "co-occurrence", "documents": 1}]
    assert {"source": "Valley Herald", "entity": "Northern Alliance", "role": "Protagonist", "kind": "cast-as", "documents": 1} in g["cast"]
    assert store.entity_graph(min_documents=2)["edges"] == []
    only = store.entity_graph(source="Coast Post", min_documents=1)
    assert [n["id"] for n in only["nodes"]] == ["Harbour Authority", "Northern Alliance"] and only["edges"] == []


def test_citation_graph(store) -> None:
    post = article("As the channel wrote, the minister said it was over.", site="Channel One")
    post.metadata["forwarded_from"] = "Rybar"
    post.metadata["links"] = ["https://www.example.org/a", "not a url"]
    post.add_group("cited_sources", Group("S1", "Readovka", "telegram"))
    post.add_group("speakers", Group("Q1", "Sergei Lavrov", "speaker"))
    store.add(post)
    g = store.citation_graph()
    edges = {(e["source"], e["target"], e["kind"]) for e in g["edges"]}
    assert edges == {("Channel One", "Rybar", "cites"), ("Channel One", "Readovka", "cites"),
                     ("Channel One", "example.org", "cites"), ("Channel One", "Sergei Lavrov", "quotes")}
    assert {"id": "Channel One", "kind": "outlet", "documents": 4} in g["nodes"]
    assert store.top_labels("speaker") == [("Sergei Lavrov", 1)]
