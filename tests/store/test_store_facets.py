"""The narrative verdict "Other" as a facet value, the one facet shape (facet_values), the most
connected nodes of a graph, and the citation graph without a node for unknown outlets; on SQLite and
PostgreSQL alike (PostgreSQL skipped where it is not installed, see tests/pg_server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.model import Document, Group
from narrascope.store import open_store
from narrascope.store.analytics import citation_ends, citation_node, most_connected
from narrascope.store.base import facet_values


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "corpus.db")
    return request.getfixturevalue("pg_url")


def doc(text: str, *, site: str | None = "Coast Post", published: str | None = "2024-01-01", narratives=(),
        other: bool = False, candidates=(), cited=(), speakers=()) -> Document:
    meta = {"source": "test", "language": "en"}
    if site:
        meta["site_name"] = site
    if published:
        meta["published"] = published
    d = Document(text, metadata=meta)
    n = 0
    for label in narratives:
        n += 1
        d.add_group("narratives", Group(f"N{n}", label, "narrative"))
    for label in candidates:  # below their thresholds: never a finding
        n += 1
        d.add_group("narratives", Group(f"N{n}", label, "candidate"))
    if other:  # what the narratives analyzer adds when no narrative reaches its threshold
        d.add_group("narratives", Group(f"N{n + 1}", "Other", "narrative"))
    for k, label in enumerate(cited, 1):
        d.add_group("cited_sources", Group(f"C{k}", label, "outlet"))
    for k, label in enumerate(speakers, 1):
        d.add_group("speakers", Group(f"S{k}", label, "person"))
    return d


NONE_FOUND = doc("The council met and discussed the budget for the coming year.", other=True,
                 candidates=["Economy: Prices rise"], published="2024-01-02")
NONE_FOUND_TOO = doc("The museum opens a new hall for railway posters next week.", other=True, published="2024-01-09")
BLAMING = doc("Officials blamed the alliance for the blackout.", narratives=["Blaming others"], published="2024-01-03")
NOT_ANALYSED = doc("A plain note that no narrative model has read.", published="2024-01-04")


def test_other_is_a_facet_and_a_filter_but_no_trend(url):
    with open_store(url) as store:
        store.add_many([NONE_FOUND, NONE_FOUND_TOO, BLAMING, NOT_ANALYSED])
        facets = store.facets()
        assert facets["narrative"] == [("Other", 2), ("Blaming others", 1)]  # candidates are no finding
        assert {h.doc_id for h in store.search(narrative="Other")} == {NONE_FOUND.id, NONE_FOUND_TOO.id}
        assert store.search_count(narrative="Other") == 2
        assert store.facets("museum")["narrative"] == [("Other", 1)]
        # the narratives over time leave "no narrative found" out, unless asked for
        assert store.counts_over_time("narrative", "month") == [("2024-01-01", "Blaming others", 1)]
        assert ("2024-01-01", "Other", 2) in store.counts_over_time("narrative", "month", include_other=True)
        assert ("Other", 2) in store.top_labels("narrative")


def test_a_document_with_a_narrative_is_never_other(url):
    both = doc("Officials blamed the alliance, and then nothing else happened.", narratives=["Blaming others"], other=True)
    with open_store(url) as store:
        store.add(both)
        assert store.facets()["narrative"] == [("Blaming others", 1)] and store.search(narrative="Other") == []


def test_an_older_store_gets_its_other_rows_on_migration(url):
    if url.startswith("postgresql"):
        from narrascope.store.postgres import PostgresStore as Backend
    else:
        from narrascope.store.sqlite import SQLiteStore as Backend
    with Backend(url, migrate_to=4) as old:
        old.add_many([NONE_FOUND, BLAMING, NOT_ANALYSED])
        old._run("DELETE FROM doc_labels WHERE kind = 'narrative' AND label = 'Other'")  # as narrascope then stored it
        assert old.search(narrative="Other") == []
    with open_store(url) as store:
        assert [h.doc_id for h in store.search(narrative="Other")] == [NONE_FOUND.id]
        assert store.facets()["narrative"] == [("Blaming others", 1), ("Other", 1)]


def test_facet_values_is_the_one_json_shape():
    assert facet_values({"narrative": [("Other", 2)], "language": []}) == {
        "narrative": [{"value": "Other", "documents": 2}], "language": []}


def test_citation_graph_has_no_node_for_unknown_outlets(url):
    known = doc("As the channel wrote, the minister said it was over.", cited=["Rybar"], speakers=["Sergei Lavrov"])
    unknown = doc("A repost that names no outlet cites Rybar and quotes him.", site=None, cited=["Rybar"],
                  speakers=["Sergei Lavrov"])
    unknown_too = doc("Another repost with no outlet cites the wire.", site=None, cited=["Wire"])
    with open_store(url) as store:
        store.add_many([known, unknown, unknown_too])
        g = store.citation_graph()
    assert {(e["source"], e["target"], e["kind"]) for e in g["edges"]} == {
        ("Coast Post", "Rybar", "cites"), ("Coast Post", "Sergei Lavrov", "quotes")}
    assert all(n["id"] for n in g["nodes"]) and {n["kind"] for n in g["nodes"]} == {"outlet", "cited", "speaker"}
    assert g["without_outlet"] == 2


def test_most_connected_keeps_the_best_linked_nodes_and_their_edges():
    nodes = [{"id": name, "documents": n} for name, n in (("Big", 9), ("Hub", 3), ("A", 2), ("B", 2), ("Lone", 8))]
    edges = [{"source": "Hub", "target": t, "documents": 2} for t in ("A", "B", "Big")] + [
        {"source": "A", "target": "B", "documents": 1}]
    shown, kept = most_connected(nodes, edges, 3)
    assert [(n["id"], n["connections"]) for n in shown] == [("Hub", 6), ("A", 3), ("B", 3)]
    assert {(e["source"], e["target"]) for e in kept} == {("Hub", "A"), ("Hub", "B"), ("A", "B")}
    # a node with no edge comes last, by documents
    assert [n["id"] for n in most_connected(nodes, edges, 5)[0]][-1] == "Lone"
    cites = [{"source": "Post", "target": "Post", "kind": "cites", "documents": 3}]  # an outlet that cites itself
    graph_nodes = [{"id": "Post", "kind": "outlet", "documents": 3}, {"id": "Post", "kind": "cited", "documents": 3}]
    shown, kept = most_connected(graph_nodes, cites, 2, key=citation_node, ends=citation_ends)
    assert len(shown) == 2 and kept == cites
