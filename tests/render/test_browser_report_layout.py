"""The HTML report's layout in a real browser (Debian's chromium driven by Playwright; tests/browser_support.py
says when it is skipped): it opens with the summary, its long findings list starts closed (with or without
JavaScript), and a long, heavily annotated article gives a page not much taller than its own text."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from narrascope.model import Document, Group
from narrascope.render.html import render_html

sys.path.insert(0, str(Path(__file__).parent))
from browser_support import browser, require_browser  # noqa: E402, F401  (the fixture)

pytestmark = pytest.mark.browser
require_browser()

WIDTH = 1400
PARAGRAPH = ("The Harbour Authority said on Monday that the Northern Alliance had closed the eastern pier "
             "to 420 ships, a decision the ministry called \u201cthe worst blow in a decade\u201d. "
             "Critics in Westport asked whether the cranes were ever repaired. ")


def long_article(paragraphs: int = 40) -> Document:
    """A constructed article of ``paragraphs`` paragraphs with findings in many layers: many more rows in the
    findings list than lines of text."""
    text = "Harbour dispute deepens\n\n" + "\n\n".join(f"{i + 1}. {PARAGRAPH}" for i in range(paragraphs)) + "\n"
    doc = Document(text, metadata={"title": "Harbour dispute deepens", "author": "A. Writer",
                                   "source_url": "https://aggregator.example/item/1",
                                   "provenance": {"original_source_domain": "aggregator.example",
                                                  "aggregator": "Example Aggregator"}})
    doc.add_span("structure", 0, len("Harbour dispute deepens"), "title")
    ents: dict[str, list[str]] = {}
    for name, kind in (("Harbour Authority", "ORG"), ("Northern Alliance", "ORG"), ("Westport", "GPE")):
        for m in re.finditer(name, text):
            ents.setdefault(name, []).append(doc.add_span("entities", m.start(), m.end(), kind,
                                                          attrs={"parts": {"quantities": [], "mentions": [name]}}).id)
    for name, ids in ents.items():
        doc.add_group("entities", Group(f"E-{name}", name, "ORG", ids, attrs={"mentions": len(ids)}))
    for m in re.finditer(r"[^.\n]+\.", text):
        if "420 ships" in m.group():
            doc.add_span("claims", m.start(), m.end(), "claim", score=0.8,
                         attrs={"reason": "a figure", "claimant": "Harbour Authority", "parts": {"quantities": [{"text": "420"}], "dates": []}})
    techs = []
    for m in re.finditer("the worst blow in a decade", text):
        techs.append(doc.add_span("techniques", m.start(), m.end(), "Loaded_Language", score=0.7).id)
    doc.add_group("techniques", Group("T1", "Loaded_Language", "technique", techs, score=0.7,
                                      attrs={"count": len(techs), "short_name": "Loaded Language"}))
    roles = [doc.add_span("roles", doc.span_by_id(i).start, doc.span_by_id(i).end, "Antagonist", score=0.9,
                          attrs={"kind": "mention"}).id for i in ents["Northern Alliance"]]
    doc.add_group("roles", Group("R1", "Antagonist", "ORG", roles, score=0.9,
                                 attrs={"entity": "Northern Alliance", "mentions": len(roles), "salient": True, "uncertain": False}))
    doc.sort_layers()
    return doc


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("layout") / "report.html"
    path.write_text(render_html([long_article()]), encoding="utf-8")
    return path


def _open(browser, path: Path, javascript: bool = True):
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return context, page


def test_summary_comes_first_and_links_to_its_sections(browser, report_file):
    context, page = _open(browser, report_file)
    try:
        first = page.evaluate("document.querySelector('#doc-0 header.doc-head').nextElementSibling.className")
        assert first.split()[0] == "summary"
        statements = page.locator("#doc-0 section.summary a.stmt")
        assert statements.count() >= 4  # source, narratives are absent here; roles, techniques, claims
        targets = page.evaluate("Array.from(document.querySelectorAll('#doc-0 section.summary a.stmt')).map(a => a.getAttribute('href'))")
        for href in targets:
            assert page.evaluate("id => !!document.getElementById(id)", href[1:]), href
        text = page.inner_text("#doc-0 section.summary")
        assert "Northern Alliance as the villain" in text and "Loaded language" in text and "Example Aggregator" in text
        assert "{" not in text and "[" not in text
        # the first screen shows the summary without scrolling
        box = page.locator("#doc-0 section.summary").bounding_box()
        assert box is not None and box["y"] < 900
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_findings_start_closed_and_the_page_stays_short(browser, report_file, javascript):
    context, page = _open(browser, report_file, javascript)
    try:
        assert page.evaluate("document.querySelector('#doc-0 details.findings').open") is False
        assert not page.locator("#doc-0 details.findings table.rows").first.is_visible()
        text_height = page.evaluate("document.getElementById('text-0').getBoundingClientRect().height")
        closed = page.evaluate("document.body.scrollHeight")
        # the page is the article's own text plus a bounded head (summary, boxes): not its findings list
        assert closed < text_height + 2500, (closed, text_height)
        # opening it is one click on its summary, and works without JavaScript (a plain <details>)
        page.locator("#doc-0 details.findings > summary").click()
        assert page.evaluate("document.querySelector('#doc-0 details.findings').open") is True
        page.evaluate("document.querySelectorAll('#doc-0 details.findings details').forEach(d => { d.open = true; })")
        opened = page.evaluate("document.body.scrollHeight")
        assert opened > closed + 2500, (opened, closed)  # the list closed is what keeps the page short
    finally:
        context.close()


def test_attributes_read_as_words(browser, report_file):
    context, page = _open(browser, report_file)
    try:
        page.locator("#doc-0 details.findings > summary").click()
        page.evaluate("document.querySelectorAll('#doc-0 details.findings details').forEach(d => { d.open = true; })")
        cells = page.inner_text("#doc-0 details.findings")
        assert "parts \u00b7 quantities" in cells and "parts \u00b7 mentions" in cells
        assert '"quantities"' not in cells and "[]" not in cells
        # the side panel: a definition list, not JSON
        page.locator("#text-0 .seg.hl").filter(has_text="420").first.click()
        panel = page.locator("#doc-0 .panel-body")
        panel.locator("dl.attrs").first.wait_for(state="visible")
        assert "{" not in panel.inner_text() and "claimant" in panel.inner_text()
    finally:
        context.close()
