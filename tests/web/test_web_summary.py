"""The document page opens with the report's summary (render.summary): each sentence links to its section of
the article's own report; the JSON answer carries the same sentences."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from narrascope.model import Document, Group  # noqa: E402
from narrascope.store import open_store  # noqa: E402
from narrascope.web import create_app  # noqa: E402

HOSTILE = "<script>window.__pwned=1</script>"
TEXT = "The Northern Alliance blew up the dam, the Harbour Authority said. It was a disgraceful act."


def article() -> Document:
    doc = Document(TEXT, metadata={"title": "Dam attack", "language": "en", "published": "2024-01-02"})
    start = TEXT.index("disgraceful")
    tech = doc.add_span("techniques", start, start + len("disgraceful"), "Loaded_Language", score=0.8)
    doc.add_group("techniques", Group("T1", "Loaded_Language", "technique", [tech.id], score=0.8,
                                      attrs={"count": 1, "short_name": "Loaded Language"}))
    doc.add_group("roles", Group("R1", "Antagonist", "ORG", score=0.9, attrs={
        "entity": "Northern Alliance " + HOSTILE, "salient": True, "uncertain": False}))
    return doc


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("web-summary") / "summary.db"
    with open_store(str(path)) as store:
        assert store.add(article())
    with TestClient(create_app(str(path), warm=False)) as c:
        yield c


def test_document_page_shows_the_summary_linked_to_the_report(client):
    doc = article()
    html = client.get(f"/documents/{doc.id}").text
    summary = html[html.index('<section class="summary"'):]
    summary = summary[:summary.index("</section>")]
    assert f'href="/documents/{doc.id}/report#d0-roles"' in summary
    assert f'href="/documents/{doc.id}/report#d0-techniques"' in summary
    assert "Loaded language \u00d71, e.g. \u201cdisgraceful\u201d" in summary
    assert HOSTILE not in html and "&lt;script&gt;" in summary
    assert html.index('<section class="summary"') < html.index('<iframe')
    # the report it links to has those sections
    report = client.get(f"/documents/{doc.id}/report").text
    assert 'id="d0-roles"' in report and 'id="d0-techniques"' in report
    data = client.get(f"/documents/{doc.id}?format=json").json()
    assert [s["topic"] for s in data["summary"]] == ["roles", "techniques"]
