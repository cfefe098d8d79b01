"""The outlet facet, filter and profile in every store backend (SQLite with and without FTS5,
PostgreSQL): documents with a hand-made ``outlets`` group, as the outlets analyzer leaves it."""

from __future__ import annotations


import pytest

from narrascope.model import Document, Group
from narrascope.store.rows import document_labels

SOURCES = {"state label": "https://registry.example.org/harbour", "case label (4)": "https://cases.example.org/"}


from store_backends import store  # noqa: E402, F401  (the fixture: SQLite with and without FTS5, PostgreSQL)


def article(text: str, outlets: dict[str, tuple[list[str], list[str]]]) -> Document:
    """``outlets``: name -> (names it was written as, labels)."""
    doc = Document(text, metadata={"source": "test", "site_name": "Coast Post"})
    for n, (name, (written, labels)) in enumerate(outlets.items(), 1):
        start = text.find(written[0])
        span = doc.add_span("outlets", start, start + len(written[0]), name, attrs={"outlet": name, "matched": written[0]})
        doc.add_group("outlets", Group(f"O{n}", name, "outlet", [span.id], source="outlets", attrs={
            "outlet": name, "country": "XX", "labels": labels, "label_sources": {k: SOURCES[k] for k in labels if k in SOURCES},
            "roles": ["cited"], "mentions": 1, "names": written}))
    return doc


@pytest.fixture
def corpus(store):
    store.add(article("According to Harbor TV, the ferry deal was signed.", {"Harbour TV": (["Harbor TV"], ["state label", "case label (4)"])}))
    store.add(article("The report from Харбор ТВ says the ferry is late.", {"Harbour TV": (["Харбор ТВ"], ["state label", "case label (4)"])}))
    store.add(article("Northwind Daily wrote about the bridge.", {"Northwind Daily": (["Northwind Daily"], ["case label (4)"])}))
    store.add(article("Nothing about outlets in this ferry note.", {}))
    return store


def test_labels_rows_of_an_outlets_group() -> None:
    rows = document_labels(article("According to Harbor TV, the deal.", {"Harbour TV": (["Harbor TV"], ["state label"])}))
    assert ("outlet", "Harbour TV", "harbor", 1) in rows and ("outlet_label", "state label", "Harbour TV", 1) in rows


def test_outlet_label_facet_and_filter(corpus) -> None:
    facets = corpus.facets()
    assert facets["outlet_label"] == [("case label (4)", 3), ("state label", 2)]
    assert corpus.facets("ferry")["outlet_label"] == [("case label (4)", 2), ("state label", 2)]
    assert corpus.facets(None, outlet_label="state label")["outlet_label"] == [("case label (4)", 2), ("state label", 2)]
    assert corpus.search_count(outlet_label="state label") == 2
    assert corpus.search_count("bridge", outlet_label="case label (4)") == 1
    assert corpus.search_count(outlet_label="no such label") == 0
    assert all(isinstance(v, str) and isinstance(n, int) for v, n in facets["outlet_label"])


@pytest.mark.parametrize("name", ["Harbour TV", "Harbor TV", "Харбор ТВ", "Harbor"])
def test_outlet_profile_by_any_written_name(corpus, name: str) -> None:
    profile = corpus.outlet_profile(name)
    assert profile == {"outlet": "Harbour TV", "country": "XX", "documents": 2, "labels": [
        {"label": "case label (4)", "source": "https://cases.example.org/", "documents": 2},
        {"label": "state label", "source": "https://registry.example.org/harbour", "documents": 2}]}


def test_outlet_profile_of_what_is_no_outlet(corpus) -> None:
    assert corpus.outlet_profile("Coast Post") is None
    assert corpus.outlet_profile("Harbour Weekly") is None
    assert corpus.outlet_profile("") is None
