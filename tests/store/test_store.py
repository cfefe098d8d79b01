"""The corpus store: one suite for every backend (the ``store`` fixture: SQLite with FTS5, SQLite
without it, PostgreSQL on a throwaway server from tests/pg_server.py, skipped where PostgreSQL is
not installed outside CI)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from narrascope.errors import NarrascopeError
from narrascope.model import Document, Group
from narrascope.store import StoreError, StoreNotBuiltError, StoreVersionError, open_store
from narrascope.store.query import make_snippet, parse_query
from narrascope.store.rows import normalize_date
from narrascope.store.sqlite import SCHEMA_VERSION, SQLiteStore

from store_backends import store  # noqa: E402, F401  (the fixture: SQLite with and without FTS5, PostgreSQL)


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


def test_sightings_keep_every_copy(store) -> None:
    text = "The same message forwarded by two channels."
    store.add(Document(text, metadata={"channel": "Channel A", "url": "https://t.me/a/1"}))
    store.add(Document(text, metadata={"channel": "Channel B", "url": "https://t.me/b/7"}))
    store.add(Document(text, metadata={"channel": "Channel B", "url": "https://t.me/b/7"}))  # the same again: no new row
    assert store.count() == 1
    seen = store.sightings(Document(text).id)
    assert [(x["source"], x["url"]) for x in seen] == [("Channel A", "https://t.me/a/1"), ("Channel B", "https://t.me/b/7")]


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
    for query in ['"', "AND", "OR NOT", "NEAR(", "*", "a:b", "^x", "'; DROP TABLE x", "(((", "-", "  ",
                  "'", "\\", "a'b\\c", "x:*", "<-> !a & b | c", "%s %(x)s ?", "ferry\x00", "a" * 3000]:
        store.search(query)
        store.facets(query)
        store.search_count(query)
    assert store.count() == len(corpus)


def test_any_query_is_answered_with_offsets_into_the_text(store, corpus) -> None:
    """Hypothesis: arbitrary text as a query never raises, and every hit's snippet and matches index the
    stored text exactly (checked on every backend)."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    texts = {d.id: d.text for d in corpus}
    words = st.sampled_from(["ferry", "Ferry*", '"new ferry"', "паромов", "北京", "blackout", "café", "the"])

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.one_of(words, st.text(max_size=12)), max_size=4).map(" ".join))
    def check(query: str) -> None:
        hits = store.search(query, limit=10)
        assert store.search_count(query) >= len(hits)
        for h in hits:
            text = texts[h.doc_id]
            assert text[h.snippet_start:h.snippet_end] == h.snippet
            assert all(h.snippet_start <= a < b <= h.snippet_end for a, b in h.matches)

    check()


def test_phrases_and_prefixes_in_long_texts(store) -> None:
    """Phrases late in a long text are found (PostgreSQL keeps 256 positions per word and none past
    16,383: the store must not lose them), and a phrase never runs from the title into the text."""
    many_the = article(" ".join(["the pier"] * 300) + " and then the lighthouse keeper waved.", title="Piers")
    huge = article(" ".join(f"w{i}" for i in range(20_000)) + " final harbour words zyxwv", title="Huge")
    split = article("gamma delta epsilon", title="Alpha beta")
    for doc in (many_the, huge, split):
        assert store.add(doc) is True
    assert ids(store.search('"the lighthouse keeper"')) == {many_the.id}
    assert ids(store.search('"then the"')) == {many_the.id}
    assert store.search('"pier the lighthouse"') == []
    assert ids(store.search('"final harbour words"')) == {huge.id}
    assert ids(store.search("zyxwv")) == {huge.id} and ids(store.search("zyx*")) == {huge.id}
    assert ids(store.search('"w19998 w19999"')) == {huge.id} and store.search('"w19999 w19998"') == []
    assert ids(store.search('"final harb*')) == set()  # a quoted phrase is not a prefix
    assert ids(store.search("w1999*")) == {huge.id}
    assert ids(store.search('"alpha beta"')) == {split.id} and ids(store.search('"gamma delta"')) == {split.id}
    assert store.search('"beta gamma"') == []
    assert store.search_count("harbour pier") == 0 and store.search_count("the") == 1
    hit = store.search('"final harbour words"')[0]
    assert huge.text[hit.matches[0][0]:hit.matches[0][1]] == "final harbour words"


def test_odd_strings_in_columns_and_filters(store) -> None:
    """NUL and lone surrogates in metadata, labels, error log and filters: stored, never a crash;
    the Document itself comes back exact."""
    doc = article("Text with a nul\x00inside and more words.", title="Ti\x00tle", site="Site\x00One",
                  narratives=["Nar\x00rative"], entities=["Ent\ud800ity"], roles=[("Hero", "Ent\ud800ity")])
    assert store.add(doc) is True
    back = store.get(doc.id)
    assert back == doc and back.to_json() == doc.to_json()
    assert ids(store.search("nul inside")) == {doc.id} and ids(store.search("inside")) == {doc.id}
    assert store.facets()["narrative"] and store.top_labels("entity")
    assert store.search(source="x\x00y") == [] and store.search_count(entity="x\x00y") == 0
    for value in ("x\x00y", "z\ud800y"):
        store.record_error(value, value, value)
        store.mark_done(value)
        assert store.is_done(value)
    assert len(store.errors()) == 2
    assert store.get("no\x00such") is None and "no\x00such" not in store


def test_a_failed_inner_batch_is_undone_alone(store) -> None:
    kept, dropped = article("Kept in the outer batch."), article("Written in a failed inner batch.")
    with store.batch():
        store.add(kept)
        with pytest.raises(RuntimeError):
            with store.batch():
                store.add(dropped)
                raise RuntimeError("the analyzer failed half way")
    assert kept.id in store and dropped.id not in store and store.count() == 1
    assert store.search("failed") == []


def test_labels_equal_once_sanitised_are_merged(store) -> None:
    doc = article("Two entity names that differ only by unpaired surrogates.",
                  entities=["x\ud800", "x\ufffd\ufffd\ufffd", "x\ufffd"])
    assert store.add(doc) is True and store.get(doc.id) == doc


def test_lone_surrogates_in_filters(store) -> None:
    store.add(article("Some words.", site="Site\ud800"))
    assert store.search(source="x\ud800y") == [] and store.search_count(entity="x\ud800y") == 0
    assert store.facets(language="x\ud800")["source"] == []
    assert store.get("no\ud800such") is None and "no\ud800such" not in store and store.sightings("\ud800") == []


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
    assert set(f) == {"language", "source", "narrative", "technique", "entity", "role", "outlet_label"}
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
    assert issubclass(StoreNotBuiltError, StoreError) and issubclass(StoreNotBuiltError, NarrascopeError)  # still exported
    with pytest.raises(StoreError) as info:  # nothing listens on port 1 (or psycopg is missing): one line, no password
        open_store("postgresql://user:pw1234@127.0.0.1:1/corpus")
    assert "pw1234" not in str(info.value) and "\n" not in str(info.value)
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


def assert_migrated(s, doc: Document) -> None:
    """A store just migrated to the current schema: the old document, derived labels and the new tables work."""
    assert s.schema_version() == SCHEMA_VERSION == 7
    assert s.get(doc.id) == doc and s.search("schema")[0].doc_id == doc.id
    assert s.top_labels("cited") == [("Harbour TV", 1)]  # version 3 derived the labels it added
    assert s.clusters() == []
    s.record_error("x", None, "works after the migration")
    assert s.errors()[0].message == "works after the migration"


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
        assert_migrated(s, doc)


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
    from narrascope.store import query

    text = " ".join(["ab", "xab", "Ábc", "ab-cd", "北Ab", "straße", "ﬁab", "ab,"] * 30)
    queries = ["ab", "ab*", '"ab cd"', "北", "strasse", "abc"]
    whole = {q: query.find_matches(text, parse_query(q), limit=10_000) for q in queries}
    monkeypatch.setattr(query, "SCAN_CHUNK", 7)
    monkeypatch.setattr(query, "SCAN_OVERLAP", 50)
    for q in queries:
        assert query.find_matches(text, parse_query(q), limit=10_000) == whole[q], q
        assert whole[q] and all(text[a:b] for a, b in whole[q])


# -- corpus analytics (written once in analytics.py, run by every backend) -------------------------


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
    herald = store.entity_profile("Northern Alliance", period="month", source="Valley Herald")
    assert herald["documents"] == 2 and herald["roles"] == [("Antagonist", 1), ("Protagonist", 1)]
    assert herald["roles_over_time"] == [("2024-01-01", "Protagonist", 1), ("2024-03-01", "Antagonist", 1)]
    assert {r["source"] for r in herald["roles_by_source"]} == {"Valley Herald"}
    assert herald["co_occurring"] == [("Harbour Authority", 1)] and len(herald["recent"]) == 2
    assert store.entity_profile("Harbour Authority", source="Nowhere") is None
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


# -- PostgreSQL: URLs, migrations, transactions, ingest and the CLI against a throwaway server ------


def test_postgres_reopen_keeps_data_and_url_forms(pg_url: str) -> None:
    from narrascope.store.postgres import PostgresStore

    doc = article("Persisted across a reopen.", title="Kept", published="2024-04-01")
    with open_store(pg_url) as s:
        assert isinstance(s, PostgresStore) and s.schema_version() == SCHEMA_VERSION
        assert s.add(doc) is True
    rest = pg_url.split("://", 1)[1]
    for url in (f"postgres://{rest}", f"postgresql+psycopg://{rest}", f"  POSTGRESQL://{rest}  "):
        with open_store(url) as s:
            assert s.ids() == [doc.id] and s.get(doc.id) == doc and s.search("reopen")[0].doc_id == doc.id
            assert s.add(doc) is False
    user, _, hostpart = rest.partition("@")
    with_password = f"postgresql://{user}:s3cret@{hostpart}"  # trust auth: the password is not needed
    with open_store(with_password) as s:
        assert "s3cret" not in repr(s) and "s3cret" not in s.url and s.count() == 1


def test_postgres_bad_urls_and_servers(pg_url: str, monkeypatch) -> None:
    from narrascope.store.postgres import PostgresStore, mask_url

    for url in ("postgresql://reader:s3cret@127.0.0.1:1/corpus",  # nothing listens on port 1
                "postgresql://reader:s3cret@localhost:notaport/corpus",
                "postgresql://reader:s3cret@127.0.0.1/corpus?sslmode=bogus"):
        with pytest.raises(StoreError) as info:
            open_store(url)
        message = str(info.value)
        assert "s3cret" not in message and "\n" not in message and "reader:***@" in message, message
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(StoreError, match="cannot connect"):
        open_store(missing)
    with pytest.raises(StoreError, match="not a PostgreSQL URL"):
        PostgresStore("mysql://x/y")
    assert mask_url("postgresql://u:p@h/db?password=p2&x=1") == "postgresql://u:***@h/db?password=***&x=1"
    monkeypatch.setitem(__import__("sys").modules, "psycopg", None)  # as if the extra were not installed
    with pytest.raises(StoreError, match=r"install narrascope\[postgres\]"):
        open_store(pg_url)


def test_postgres_migrates_an_old_schema(pg_url: str) -> None:
    from narrascope.store.postgres import PostgresStore

    doc = article("Stored by schema version one.", title="Old", published="2023-12-31")
    doc.add_group("cited_sources", Group("S1", "Harbour TV", "telegram"))
    with PostgresStore(pg_url, migrate_to=1) as old:
        assert old.schema_version() == 1
        old.add(doc)
        tables = {r[0] for r in old._rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
        assert {"documents", "doc_labels", "sightings"} <= tables and tables.isdisjoint({"ingest_errors", "ingest_done", "clusters"})
        old._run("DELETE FROM doc_labels WHERE kind IN ('cited', 'speaker')")  # as narrascope then stored it
        assert old.top_labels("cited") == []
    with PostgresStore(pg_url, migrate_to=2) as mid:
        assert mid.schema_version() == 2
    with open_store(pg_url) as s:
        assert_migrated(s, doc)
        assert [r[0] for r in s._rows("SELECT version FROM schema_version ORDER BY version")] == [1, 2, 3, 4, 5, 6, 7]


def test_postgres_newer_schema_and_foreign_databases_are_refused(pg_url: str, pg_server) -> None:
    with open_store(pg_url) as s:
        s._run("INSERT INTO schema_version VALUES (?, '2099-01-01')", (SCHEMA_VERSION + 5,))
    with pytest.raises(StoreVersionError, match=f"schema version {SCHEMA_VERSION + 5} is newer"):
        open_store(pg_url)
    other = pg_server.create_database()
    try:
        import psycopg

        with psycopg.connect(pg_server.url(other), autocommit=True) as con:
            con.execute("CREATE TABLE invoices (a int)")
        with pytest.raises(StoreError, match="not a narrascope store"):
            open_store(pg_server.url(other))
        # a schema of its own in that database is fine
        with psycopg.connect(pg_server.url(other), autocommit=True) as con:
            con.execute("CREATE SCHEMA corpus")
        with open_store(pg_server.url(other) + "?options=-csearch_path%3Dcorpus") as s:
            s.add(article("In a schema of its own."))
            assert s.count() == 1
    finally:
        pg_server.drop_database(other)


def test_postgres_failed_statement_inside_a_batch(pg_url: str, monkeypatch) -> None:
    """ingest's pattern: one add() fails inside a batch, the caller catches it and goes on; the rest
    of the batch is committed (the failed add is a savepoint rolled back)."""
    from narrascope.store import postgres

    good1, bad, good2 = article("First good one."), article("The bad one."), article("Second good one.")
    real = postgres.build_index
    monkeypatch.setattr(postgres, "build_index",
                        lambda title, text: ("'broken", None, False) if "bad" in text else real(title, text))
    with open_store(pg_url) as s:
        with s.batch():
            assert s.add(good1)
            with pytest.raises(Exception):
                s.add(bad)  # PostgreSQL rejects the malformed vector
            assert s.add(good2)
            s.record_error("x", "1", "logged after the failure")
        assert sorted(s.ids()) == sorted([good1.id, good2.id]) and bad.id not in s
        assert s.sightings(bad.id) == [] and len(s.errors()) == 1
        # a failure the caller swallows without a nested batch: the batch is refused, not half-committed
        with pytest.raises(StoreError, match="rolled back"):
            with s.batch():
                s.add(article("Lost with the batch."))
                with pytest.raises(Exception):
                    s._exec("SELECT * FROM no_such_table")
        assert s.count() == 2
        with s.batch():  # usable again
            s.add(article("After the refused batch."))
        assert s.count() == 3


def test_postgres_two_connections_share_the_store(pg_url: str) -> None:
    doc = article("Seen by two writers at once.")
    with open_store(pg_url) as a, open_store(pg_url) as b:
        with a.batch():
            assert a.add(doc) is True
            assert doc.id not in b  # not committed yet
        assert b.add(doc) is False and b.count() == 1


def test_postgres_long_text_index_falls_back_to_tokens(pg_url: str) -> None:
    from narrascope.store.postgres_text import MAX_POSITION, build_index, tokens

    assert tokens("Ça COÛTE 北京Beijing ﬁne_tuned l'été") == ["ca", "coute", "北", "京", "beijing", "fine", "tuned", "l", "ete"]
    vector, fts_text, partial = build_index("Title", "a b a")
    assert vector == "'title':1A 'a':3B,5B 'b':4B" and fts_text is None and not partial
    words = " ".join(f"w{i}" for i in range(MAX_POSITION + 10))
    vector, fts_text, partial = build_index("", words)
    assert fts_text is not None and fts_text.endswith(f" w{MAX_POSITION + 9} ") and not partial
    vector, fts_text, partial = build_index("", "x" * 3000 + " short")
    assert partial and "short" in vector and "xxx" not in vector
    with open_store(pg_url) as s:
        doc = article("x" * 3000 + " and a short tail")
        s.add(doc)
        assert ids(s.search("x" * 3000)) == {doc.id} and ids(s.search("tail")) == {doc.id}
        assert s.search("x" * 2999) == [] and ids(s.search("x" * 2999 + "*")) == {doc.id}


def test_postgres_ingest_twice_adds_nothing(pg_url: str, tmp_path: Path) -> None:
    import json

    from narrascope.ingest import ingest

    source = tmp_path / "feed.jsonl"
    rows = [{"title": f"Item {i}", "text": f"Harbour report number {i} about ferries and cranes."} for i in range(7)]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n", encoding="utf-8")
    with open_store(pg_url) as s:
        first = ingest([source], s, pipeline=False)
        assert (first.added, first.failed) == (7, 1) and s.count() == 7
        again = ingest([source], s, pipeline=False, resume=False)
        assert again.added == 0 and again.skipped == 7 and s.count() == 7
        assert ingest([source], s, pipeline=False).sources_resumed == 1
        assert s.search_count("ferries") == 7 and [e.count for e in s.errors()] == [2]


def test_postgres_cli_ingest_and_search(pg_url: str, tmp_path: Path, capsys) -> None:
    import json

    from narrascope.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Harbour strike closes the port\n\nDock workers stopped the cranes.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Ferry timetable changes\n\nThe island ferry will run twice a day.\n", encoding="utf-8")
    assert main(["ingest", str(folder), "--db", pg_url]) == 0
    assert "2 added" in capsys.readouterr().err
    assert main(["ingest", str(folder), "--db", pg_url, "--no-resume"]) == 0
    assert "0 added, 2 already stored" in capsys.readouterr().err
    assert main(["search", "ferry", "--db", pg_url, "--json", "--facets"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 1 and "ferry" in out["hits"][0]["snippet"].lower()
    assert main(["search", "cranes", "--db", pg_url]) == 0
    assert "Harbour strike" in capsys.readouterr().out


def test_postgres_finds_what_sqlite_finds(pg_url: str, tmp_path: Path) -> None:
    """The same documents and queries on PostgreSQL and on SQLite's plain index (which folds the
    text as the snippets do): the same hits, in scripts and forms that tokenizers treat differently."""
    import random

    rng = random.Random(11)
    words = ["café", "CAFE", "naïve", "Zürich", "straße", "Ärger", "über", "the", "of", "ferry", "Ferry's", "e-mail",
             "x_y", "O'Brien", "Москва", "москве", "Ёлка", "елка", "北京", "天安门", "東京", "서울", "١٢٣", "ﬁne",
             "İstanbul", "ΣΊΣΥΦΟΣ", "σίσυφος", "mañana", "co-op", "3.14", "2024-01-01", "🙂"]
    seps = [" ", " ", ", ", "-", "", "/", "'", "_", "\n", "。"]
    docs = [Document("".join(rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(3, 30))) + f" doc{i}",
                     metadata={"title": " ".join(rng.choices(words, k=3))} if i % 2 else {}) for i in range(120)]
    queries = [q for w in words for q in (w, w.upper(), w[:2] + "*", f'"{w} {rng.choice(words)}"')]
    queries += [" ".join(rng.choices(words, k=2)) for _ in range(60)] + ['"' + " ".join(rng.choices(words, k=2)) + '"' for _ in range(60)]
    with open_store(pg_url) as pg, open_store(tmp_path / "plain.db", fts=False) as plain:
        assert pg.add_many(docs) == plain.add_many(docs)
        differ = [q for q in queries if ids(pg.search(q, limit=200)) != ids(plain.search(q, limit=200))
                  or pg.search_count(q) != plain.search_count(q)]
        assert differ == []
        assert pg.facets("ferry") == plain.facets("ferry")


def test_postgres_read_only_user(pg_url: str) -> None:
    """A user who may only read opens a store (nothing to migrate) and searches; a write is a StoreError."""
    import urllib.parse

    doc = article("Readable by the reader.", title="Public")
    with open_store(pg_url) as s:
        s.add(doc)
        role = f"reader_{doc.id[:8]}"
        s._run(f"CREATE ROLE {role} LOGIN")
        s._run(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    parts = urllib.parse.urlsplit(pg_url)
    reader_url = parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}").geturl()
    try:
        with open_store(reader_url) as r:
            assert r.search("reader")[0].doc_id == doc.id and r.overview()["documents"] == 1
            with pytest.raises(StoreError, match="permission denied"):
                r.add(article("Not allowed."))
            with pytest.raises(StoreError, match="permission denied"):
                r.record_error("x", None, "not allowed either")
            assert r.count() == 1
    finally:
        with open_store(pg_url) as s:
            s._run(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
            s._run(f"DROP ROLE {role}")


def test_outlet_of_a_plain_text_repost_comes_from_its_provenance() -> None:
    from narrascope.store.rows import default_source

    doc = Document("Body.", metadata={"provenance": {"aggregator": "Example Aggregator", "original_source_domain": "example.org"}})
    assert default_source(doc) == "Example Aggregator"
    doc.metadata["provenance"] = {"original_source_domain": "example.org"}
    assert default_source(doc) == "example.org"
    doc.metadata["url"] = "https://www.news.example/a"  # the document's own address wins
    assert default_source(doc) == "news.example"
    assert default_source(Document("Body.")) is None
