"""Roles in the corpus web UI: a role marked ``uncertain`` (its score sat near the prior of that role) is no
finding. The document page shows it apart, neutral and worded "uncertain"; corpus counts (entity pages, the
entity list, search facets) leave it out; entities named but not framed are listed with their reason."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from narrascope.model import Document, Group  # noqa: E402
from narrascope.store import open_store  # noqa: E402
from narrascope.web import create_app  # noqa: E402


def article(text: str, title: str, roles: list[tuple[str, str, float, bool]], not_cast: dict[str, str] | None = None) -> Document:
    """roles: (entity, main role, score, uncertain); not_cast: entity -> reason."""
    doc = Document(text, metadata={"title": title, "language": "en", "site_name": "Coast Post",
                                   "published": "2024-01-02"})
    names = [entity for entity, *_ in roles] + list(not_cast or {})
    for n, name in enumerate(names, 1):
        start = text.index(name)
        span = doc.add_span("entities", start, start + len(name), "ORG")
        attrs: dict = {"mentions": 1}
        if not_cast and name in not_cast:
            attrs.update(not_cast=not_cast[name], not_cast_why=f"{name}: {not_cast[name]}")
        doc.add_group("entities", Group(f"E{n}", name, "ORG", [span.id], attrs=attrs))
    for n, (entity, role, score, uncertain) in enumerate(roles, 1):
        doc.add_group("roles", Group(f"R{n}", role, "ORG", score=score, attrs={
            "entity": entity, "entity_id": f"E{n}", "prior": 0.6953, "uncertain": uncertain}))
    return doc


DOCS = [
    article("The Northern Alliance blew up the dam, the Harbour Authority said on Telegram.", "Dam attack",
            [("Northern Alliance", "Antagonist", 0.93, False), ("Harbour Authority", "Antagonist", 0.71, True)],
            {"Telegram": "platform"}),
    article("The Harbour Authority stole the relief funds, the Northern Alliance said.", "Funds stolen",
            [("Harbour Authority", "Antagonist", 0.95, False), ("Northern Alliance", "Antagonist", 0.70, True)]),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("web-roles") / "roles.db"
    with open_store(str(path)) as store:
        for doc in DOCS:
            assert store.add(doc)
    with TestClient(create_app(str(path), warm=False)) as c:
        yield c


def test_document_page_shows_uncertain_roles_apart_and_neutral(client):
    doc = DOCS[0]
    html = client.get(f"/documents/{doc.id}").text
    roles = html[html.index("<strong>Roles:</strong>"):]
    roles = roles[:roles.index("</p>")]
    assert "Northern Alliance as Antagonist" in roles and "Harbour Authority" not in roles  # findings only
    uncertain = html[html.index("<strong>Uncertain roles:</strong>"):]
    uncertain = uncertain[:uncertain.index("</p>")]
    assert 'class="chip role-uncertain"' in uncertain and "role-antagonist" not in uncertain
    assert "Harbour Authority: uncertain (leans Antagonist 0.71, prior 0.70)" in uncertain
    assert "Telegram (platform)" in html and "Not cast (named, not framed)" in html
    data = client.get(f"/documents/{doc.id}?format=json").json()
    assert data["labels"]["role"] == [{"label": "Antagonist", "entity": "Northern Alliance", "count": 1}]
    assert data["uncertain_roles"] == [{"entity": "Harbour Authority", "label": "Antagonist", "score": 0.71, "prior": 0.6953}]
    assert data["not_cast"] == [{"entity": "Telegram", "reason": "platform", "why": "Telegram: platform"}]


def test_corpus_counts_leave_uncertain_roles_out(client):
    entities = {e["entity"]: e for e in client.get("/entities?format=json").json()["entities"]}
    assert entities["Northern Alliance"]["documents"] == 2 and entities["Northern Alliance"]["roles"] == {"Antagonist": 1}
    assert entities["Harbour Authority"]["roles"] == {"Antagonist": 1}
    profile = client.get("/entities/Harbour%20Authority?format=json").json()
    assert profile["documents"] == 2 and dict(map(tuple, profile["roles"])) == {"Antagonist": 1}
    page = client.get("/entities/Harbour%20Authority").text
    assert "uncertain castings are shown on each document" in page
    found = client.get("/search?entity=Harbour+Authority&role=Antagonist&format=json").json()
    assert found["total"] == 1
