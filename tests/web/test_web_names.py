"""A person's page in the web UI under name variants: "/entities/Putin" shows "Vladimir Putin" with the other
spellings ("also written as"), escaped like every article text."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from narrascope.model import Document, Group  # noqa: E402
from narrascope.store import open_store  # noqa: E402
from narrascope.web import create_app  # noqa: E402


def test_entity_page_of_a_name_as_written(tmp_path) -> None:
    path = tmp_path / "names.db"
    with open_store(path) as store:
        for n, name in enumerate(["Putin", "Vladimir Putin", "President <b>Putin</b>"]):
            doc = Document(f"Document {n}.", metadata={"site_name": "Coast Post"})
            doc.add_group("entities", Group("E1", name, "PERSON", attrs={"mentions": 1}))
            store.add(doc)
    with TestClient(create_app(str(path), warm=False)) as client:
        data = client.get("/entities/Putin?format=json").json()
        assert data["entity"] == "Vladimir Putin" and data["documents"] == 2
        assert data["also_written_as"] == ["Putin"]
        html = client.get("/entities/Putin").text
        assert "<h1>Vladimir Putin</h1>" in html and "Also written as: Putin." in html
        # "President <b>Putin</b>" is no person's name as written (its words are not all capitalised): its own page
        html = client.get("/entities/President%20%3Cb%3EPutin%3C%2Fb%3E").text
        assert "&lt;b&gt;" in html and "<b>Putin</b>" not in html
