"""Names across the corpus, in every backend: a person's name variants in different documents are one entity
named by its fullest common form ("Putin", "President Putin", "V. Putin" -> "Vladimir Putin"), unless two
people share the surname ("Boris Johnson", "Lyndon Johnson": a bare "Johnson" stays as written); pronouns,
bare demonyms and photo credits are never stored as speakers or cited sources. Constructed documents only.
"""

from __future__ import annotations

from pathlib import Path


from narrascope.model import Document, Group
from narrascope.store import open_store
from narrascope.store.sqlite import SQLiteStore

from store_backends import store  # noqa: E402, F401  (the fixture: SQLite with and without FTS5, PostgreSQL)


def article(text: str, people=(), speakers=(), cited=(), site: str | None = "Daily Example") -> Document:
    """A Document with the groups the entity, roles, quotes and citations analyzers would leave."""
    doc = Document(text, metadata={"source": "test", **({"site_name": site} if site else {})})
    for n, name in enumerate(people, 1):
        doc.add_group("entities", Group(f"E{n}", name, "PERSON", attrs={"mentions": 1}))
        doc.add_group("roles", Group(f"R{n}", "Antagonist", "PERSON", attrs={"entity": name, "entity_id": f"E{n}"}))
    for n, name in enumerate(speakers, 1):
        doc.add_group("speakers", Group(f"Q{n}", name, "speaker", attrs={"entity": "", "quotes": 1}))
    for n, name in enumerate(cited, 1):
        doc.add_group("cited_sources", Group(f"S{n}", name, "source", attrs={"names": [name]}))
    return doc


def facet_values(facet) -> list[str]:
    """A facet's values, whichever shape its entries have ((value, count) or {"value": ..., ...})."""
    return [f["value"] if isinstance(f, dict) else f[0] for f in facet]


def labels(store, kind: str) -> dict[str, int]:
    return dict(store.top_labels(kind, limit=100))


def test_surname_and_full_name_in_two_documents_are_one_person(store) -> None:
    store.add(article("A bare surname comes first.", people=["Putin"], speakers=["Putin"]))
    assert labels(store, "entity") == {"Putin": 1}
    # the full name arrives later: the earlier document's labels follow it
    store.add(article("The full name comes second.", people=["Vladimir Putin"]))
    store.add(article("A title and an initial.", people=["President Putin", "V. Putin"]))
    assert labels(store, "entity") == {"Vladimir Putin": 3}
    assert labels(store, "speaker") == {"Vladimir Putin": 1}
    assert [(c["entity"], c["documents"]) for c in store.entity_graph(min_documents=1)["cast"]] == [("Vladimir Putin", 3)]
    assert store.search_count(entity="Vladimir Putin") == 3
    assert store.search_count(entity="Vladimir Putin", role="Antagonist") == 3
    assert store.search_count(entity="Putin") == 3 and len(store.search(entity="President Putin")) == 3
    assert facet_values(store.facets(entity="Putin")["entity"]) == ["Vladimir Putin"]
    profile = store.entity_profile("Putin")  # a written form opens the page of the corpus-wide name
    assert profile["entity"] == "Vladimir Putin" and profile["documents"] == 3
    assert profile["roles"] == [("Antagonist", 3)]
    assert set(profile["also_written_as"]) == {"Putin", "President Putin", "V. Putin"}
    assert [n["id"] for n in store.entity_graph(min_documents=1)["nodes"]] == ["Vladimir Putin"]


def test_a_surname_two_people_share_is_not_merged(store) -> None:
    store.add(article("One Johnson.", people=["Boris Johnson"]))
    store.add(article("A bare surname.", people=["Johnson"]))
    assert labels(store, "entity") == {"Boris Johnson": 2}  # one person so far: merged
    store.add(article("Another Johnson.", people=["Lyndon Johnson", "B. Johnson"]))
    # two people share the surname: the bare one is left as written, the initial joins the person it fits
    assert labels(store, "entity") == {"Boris Johnson": 2, "Johnson": 1, "Lyndon Johnson": 1}
    assert store.entity_profile("Johnson")["entity"] == "Johnson"
    assert store.entity_profile("Boris Johnson")["also_written_as"] == ["B. Johnson"]


def test_no_pronoun_demonym_or_photo_credit_is_stored_as_a_speaker_or_source(store) -> None:
    store.add(article("Words with no names.", speakers=["He", "In", "And", "Another", "Russian", "Western", "Maria Lopez"],
                      cited=["Getty Images", "Channel. Feel", "Harbour TV", "they"]))
    assert labels(store, "speaker") == {"Maria Lopez": 1}
    assert labels(store, "cited") == {"Harbour TV": 1}
    graph = store.citation_graph()
    assert {n["id"] for n in graph["nodes"] if n["kind"] != "outlet"} == {"Maria Lopez", "Harbour TV"}


def test_documents_with_no_outlet_are_no_node_of_the_citation_graph(store) -> None:
    # a document with no known outlet is counted apart, never drawn as an empty outlet
    store.add(article("No outlet here.", cited=["Harbour TV"], site=None))
    graph = store.citation_graph()
    assert graph["edges"] == [] and all(n["id"] for n in graph["nodes"])
    assert graph["without_outlet"] == 1


def test_demonym_entities_join_their_place(store) -> None:
    doc = article("Stored from an older analysis.", people=["Lena Park"])
    doc.add_group("entities", Group("E9", "Western", "NORP", attrs={"mentions": 2}))
    doc.add_group("roles", Group("R9", "Antagonist", "NORP", attrs={"entity": "Western", "entity_id": "E9"}))
    store.add(doc)
    store.add(article("A newer one.", people=["Lena Park"]))
    assert labels(store, "entity") == {"Lena Park": 2, "West": 1}
    assert store.entity_profile("West")["roles"] == [("Antagonist", 1)]


def old_documents() -> list[Document]:
    old = [article("Stored before the name index.", people=["Putin"], speakers=["Putin", "He"], cited=["Getty Images"]),
           article("Also before it.", people=["Vladimir Putin"])]
    old[1].add_group("entities", Group("E9", "Western", "NORP", attrs={"mentions": 1}))
    return old


def assert_names_migrated(s) -> None:
    assert labels(s, "entity") == {"Vladimir Putin": 2, "West": 1}
    assert labels(s, "speaker") == {"Vladimir Putin": 1} and labels(s, "cited") == {}
    assert s.name_forms("Vladimir Putin") == ["Putin"]


def test_an_older_sqlite_store_is_migrated_with_its_names_merged(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with SQLiteStore(path, migrate_to=4) as old:
        for doc in old_documents():
            old.add(doc)
        # as narrascope then stored them
        old._run("UPDATE doc_labels SET label = 'Western' WHERE label = 'West'")
        old._run("INSERT INTO doc_labels (doc_id, kind, label, entity, count) SELECT doc_id, 'speaker', 'He', '', 1"
                 " FROM doc_labels WHERE kind = 'speaker'")
        old._run("INSERT INTO doc_labels (doc_id, kind, label, entity, count) SELECT doc_id, 'cited', 'Getty Images', '', 1"
                 " FROM doc_labels WHERE kind = 'speaker' AND label = 'Putin'")
        assert labels(old, "entity") == {"Putin": 1, "Vladimir Putin": 1, "Western": 1}
        assert labels(old, "speaker") == {"He": 1, "Putin": 1}
    with open_store(path) as s:
        assert_names_migrated(s)


def test_an_older_postgres_store_is_migrated_with_its_names_merged(pg_url: str) -> None:
    from narrascope.store.postgres import PostgresStore

    with PostgresStore(pg_url, migrate_to=4) as old:
        for doc in old_documents():
            old.add(doc)
        old._run("UPDATE doc_labels SET label = 'Western' WHERE label = 'West'")  # as narrascope then stored it
        assert labels(old, "entity") == {"Putin": 1, "Vladimir Putin": 1, "Western": 1}
    with open_store(pg_url) as s:
        assert_names_migrated(s)


def test_speakers_that_name_organisations_are_not_indexed_as_people(store) -> None:
    store.add(article("Two outlets speak.", speakers=["BBC News", "CNN", "News"]))
    assert store.name_forms("BBC News") == [] and store.canonical_name("News") == "News"
    assert labels(store, "speaker") == {"BBC News": 1, "CNN": 1, "News": 1}


def test_names_that_no_database_holds_as_written_are_not_indexed(store) -> None:
    store.add(article("Odd characters.", people=["Jo\ud800 Smith", "Smith"], speakers=["Ann\x00 Lee"]))
    assert store.canonical_name("Jo\ud800 Smith") == "Jo\ud800 Smith" and store.name_forms("Smith") == []
    assert store.search_count(entity="Smith") == 1
