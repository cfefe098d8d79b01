"""The corpus after a plain ingest, in a real browser (Debian's chromium driven by Playwright, against a real
uvicorn server): the dashboard says how many documents are undated and left out of the charts, and the
Clusters page, with no `narrascope clusters` run, shows the text stored once under three file names with its
sightings and the near-duplicate cluster ingest found. tests/browser_support.py says when it is skipped."""

from __future__ import annotations

import random

import pytest

from browser_support import RecordedPage, browser, require_browser  # noqa: E402, F401  (the fixture)

pytestmark = pytest.mark.browser
require_browser()
from playwright.sync_api import expect  # noqa: E402


from narrascope.cli import main  # noqa: E402
from narrascope.web import create_app  # noqa: E402
from narrascope.web.live import LiveServer  # noqa: E402

WORDS = ("harbour council ferry timber quarry lantern valley orchard signal meadow copper river bridge market "
         "festival engine railway station tunnel harvest weather schedule workers union strike budget museum").split()
COPY_NAMES = ("2025-06-14_original.txt", "mirror-one.txt", "mirror-two.txt")


def _text(seed: int, n: int = 120) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A plain ingest (no --analyze, no `clusters`): one text under three names, a near-duplicate pair,
    two undated notes among six documents."""
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "in"
    folder.mkdir()
    same = "Harbour strike\n\n" + _text(1)
    for name in COPY_NAMES:
        (folder / name).write_text(same, encoding="utf-8")
    wire = _text(2)
    words = wire.split()
    words[10], words[60] = "lantern", "copper"
    (folder / "2025-06-10_wire.txt").write_text("Ferry timetable\n\n" + wire, encoding="utf-8")
    (folder / "2025-06-12_repost.txt").write_text("Ferry timetable, reposted\n\n" + " ".join(words), encoding="utf-8")
    (folder / "2025-06-20_bridge.txt").write_text("Bridge reopens\n\n" + _text(3), encoding="utf-8")
    (folder / "valley.txt").write_text("Valley note\n\n" + _text(4), encoding="utf-8")
    (folder / "orchard.txt").write_text("Orchard note\n\n" + _text(5), encoding="utf-8")
    db = root / "corpus.db"
    assert main(["ingest", str(folder), "--db", str(db), "--jobs", "1"]) == 0
    return str(db)


@pytest.fixture(scope="module")
def server(corpus):
    with LiveServer(create_app(corpus, allowed_hosts={"127.0.0.1", "localhost"})) as url:
        yield url


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    recorded = RecordedPage(context.new_page())
    yield recorded, server
    assert recorded.errors == [] and recorded.dialogs == []
    context.close()


def test_dashboard_says_how_many_documents_are_undated(page):
    recorded, base = page
    recorded.page.goto(base + "/")
    note = recorded.page.locator("#undated-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("2 of 6 documents are undated and left out of the charts over time")
    expect(note).to_contain_text("--date")


def test_clusters_page_after_a_plain_ingest_shows_exact_copies_and_near_duplicates(page):
    recorded, base = page
    recorded.page.goto(base + "/clusters")
    expect(recorded.page.locator("body")).not_to_contain_text("No stored clusters")
    listed = recorded.page.locator("table.list").first
    expect(listed.locator("tbody tr")).to_have_count(1)
    expect(listed).to_contain_text("near-duplicate")
    expect(listed).to_contain_text("Ferry timetable")
    copies = recorded.page.locator("#exact-copies")
    expect(copies).to_be_visible()
    expect(copies).to_contain_text("Harbour strike")
    expect(copies).to_contain_text("3×")
    for name in COPY_NAMES:
        expect(copies.locator("ul.sightings li", has_text=name)).to_have_count(1)
    # the near-duplicate cluster opens with the wire copy (the earliest) first
    listed.locator("tbody tr a").first.click()
    recorded.page.wait_for_load_state("load")
    expect(recorded.page.locator("body")).to_contain_text("2025-06-12")
    expect(recorded.page.locator("table").last.locator("tbody tr").first).to_contain_text("Ferry timetable")
