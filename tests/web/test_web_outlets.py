"""Outlets in the web UI: an entity page that is an outlet of the user's outlets file shows its labels
with their sources (escaped; links only to http(s)), the outlet_label facet filters the search, and the
document page lists the outlets' labels. Documents are constructed, with a hand-made outlets group."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from narrascope.model import Document, Group  # noqa: E402
from narrascope.store import open_store  # noqa: E402
from narrascope.web import create_app  # noqa: E402

SCRIPT = "<script>alert(1)</script>"


def article(text: str, outlet: str, written: str, labels: dict[str, str], entity: str | None = None) -> Document:
    doc = Document(text, metadata={"source": "test", "site_name": "Coast Post", "title": text[:30]})
    start = text.index(written)
    span = doc.add_span("outlets", start, start + len(written), outlet, attrs={"outlet": outlet, "matched": written})
    doc.add_group("outlets", Group("O1", outlet, "outlet", [span.id], source="outlets", attrs={
        "outlet": outlet, "country": "XX", "labels": list(labels), "label_sources": labels, "roles": ["cited"],
        "mentions": 1, "names": [written]}))
    if entity:
        e = doc.add_span("entities", start, start + len(written), "ORG")
        doc.add_group("entities", Group("E1", entity, "ORG", [e.id], attrs={"mentions": 1}))
    return doc


DOCS = [
    article("According to Harbor TV, the ferry deal was signed.", "Harbour TV", "Harbor TV",
            {"state label": "https://registry.example.org/harbour"}, entity="Harbor TV"),
    article("The report from Harbour TV says the ferry is late.", "Harbour TV", "Harbour TV",
            {"state label": "https://registry.example.org/harbour"}),
    article(f"Evil Wire wrote {SCRIPT} about the ferry.", f"Evil {SCRIPT}", "Evil Wire",
            {f"label {SCRIPT}": "javascript:alert(1)"}),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("web-outlets") / "web.db"
    with open_store(path) as store:
        for doc in DOCS:
            store.add(doc)
    with TestClient(create_app(str(path), warm=False)) as c:
        yield c


def test_entity_page_of_an_outlet_shows_its_labels(client) -> None:
    html = client.get("/entities/Harbor%20TV").text
    box = re.search(r'<section class="outlet-profile">.*?</section>', html, re.S).group(0)
    assert "Outlet: Harbour TV" in box and "state label" in box
    assert 'href="https://registry.example.org/harbour"' in box and 'rel="noopener noreferrer"' in box
    assert 'href="/search?outlet_label=state+label"' in box
    data = client.get("/entities/Harbor%20TV?format=json").json()
    assert data["documents"] == 1  # the entity
    assert data["outlet"]["outlet"] == "Harbour TV" and data["outlet"]["documents"] == 2
    assert data["outlet"]["labels"] == [{"label": "state label", "source": "https://registry.example.org/harbour",
                                         "documents": 2, "href": "https://registry.example.org/harbour"}]


def test_outlet_without_an_entity_still_has_a_page(client) -> None:
    response = client.get("/entities/Harbour%20TV")
    assert response.status_code == 200 and "Outlet: Harbour TV" in response.text
    assert client.get("/entities/Harbour%20Weekly").status_code == 404


def test_hostile_outlet_is_escaped_and_not_linked(client) -> None:
    html = client.get("/entities/Evil%20Wire").text
    box = re.search(r'<section class="outlet-profile">.*?</section>', html, re.S).group(0)
    assert "<script>" not in box and "&lt;script&gt;" in box
    assert "javascript:" not in box.replace("(javascript:alert(1))", "")  # shown as text, never as a link
    assert 'href="javascript' not in html


def test_outlet_label_facet_filters_the_search(client) -> None:
    data = client.get("/search?format=json").json()
    assert {"value": "state label", "documents": 2} in data["facets"]["outlet_label"]
    hits = client.get("/search?outlet_label=state+label&format=json").json()
    assert hits["total"] == 2 and hits["filters"] == {"outlet_label": "state label"}
    assert "outlet_label" in client.get("/search").text


def test_document_page_lists_outlet_labels(client) -> None:
    html = client.get(f"/documents/{DOCS[0].id}").text
    assert re.search(r'<p class="outlet-labels">.*Harbour TV: state label', html)
