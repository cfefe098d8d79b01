"""The HTML report in a real browser (Debian's chromium driven by Playwright; tests/browser_support.py says when
it is skipped)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from narrascope.render.html import demo_document, render_html

sys.path.insert(0, str(Path(__file__).parent))
from test_html_report import HOSTILE_IMG, HOSTILE_SCRIPT, hostile_doc, overlapping_doc  # noqa: E402

from browser_support import RecordedPage, browser, require_browser  # noqa: E402, F401  (the fixture)

pytestmark = pytest.mark.browser
require_browser()


class Watched(RecordedPage):
    """A report opened from its file, with every console error, page error, dialog and request recorded."""

    def __init__(self, browser, path: Path):
        super().__init__(browser.new_page(viewport={"width": 1400, "height": 900}))
        self.failed: dict[str, str] = {}
        self.page.on("requestfailed", lambda r: self.failed.__setitem__(r.url, r.failure or ""))
        self.done: list[str] = []
        self.page.on("requestfinished", lambda r: self.done.append(r.url))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_load_state("load")

    def check_clean(self):
        self.page.wait_for_timeout(100)
        assert self.errors == []
        assert self.dialogs == []
        assert self.requests == [self.url]  # nothing but the report itself was loaded
        assert self.page.evaluate("typeof window.__pwned") == "undefined"

    def seg_of(self, doc_index: int, ref: str):
        """The first segment of span ``ref`` in document ``doc_index``."""
        handle = self.page.evaluate_handle(
            """([i, ref]) => Array.from(document.querySelectorAll('#text-' + i + ' .seg'))
                 .find(s => (s.getAttribute('data-spans') || '').split(' ').includes(ref)) || null""",
            [doc_index, ref],
        )
        el = handle.as_element()
        assert el is not None, ref
        return el

    def style_of(self, el) -> dict:
        return el.evaluate("e => { const c = getComputedStyle(e); return {bg: c.backgroundColor, shadow: c.boxShadow}; }")


@pytest.fixture
def open_report(browser, tmp_path):
    pages = []

    def _open(docs, name="report.html"):
        path = tmp_path / name
        path.write_text(render_html(docs), encoding="utf-8")
        w = Watched(browser, path)
        pages.append(w)
        return w

    yield _open
    for w in pages:
        w.page.close()


def test_hostile_document_runs_nothing_and_shows_text(open_report):
    doc = hostile_doc()
    w = open_report([doc, demo_document()])
    page = w.page
    w.check_clean()
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.evaluate("Array.from(document.querySelectorAll('*')).some(e => Array.from(e.attributes).some(a => a.name.startsWith('on')))") is False
    assert page.evaluate("document.scripts.length") == 2
    # the hostile strings are visible text
    text = page.inner_text("#text-0")
    assert HOSTILE_SCRIPT in text and HOSTILE_IMG in text
    assert page.evaluate("document.getElementById('text-0').textContent") == doc.text
    assert HOSTILE_SCRIPT in page.inner_text("#doc-0 .doc-title")
    assert HOSTILE_IMG in page.inner_text("#doc-0 .author")
    assert page.is_visible("#doc-0 .doc-title")
    # clicking the hostile span puts its hostile label, source and attrs in the panel, as text
    w.seg_of(0, "entities:0").click()
    panel = page.inner_text("#doc-0 .panel-body")
    assert f"LBL{HOSTILE_SCRIPT}" in panel and HOSTILE_IMG in panel
    assert f"G{HOSTILE_SCRIPT}" in panel  # its group
    w.seg_of(0, "quotes:0").click()
    page.locator("#doc-0 .findings summary").first.click()
    w.check_clean()
    assert page.evaluate("document.querySelectorAll('img, iframe').length") == 0
    assert page.evaluate("document.scripts.length") == 2


def test_click_entity_shows_evidence_and_group(open_report):
    doc = demo_document()
    w = open_report([doc])
    page = w.page
    kz = next(g for g in doc.groups["entities"] if g.label == "Kazakhstan")
    second = kz.span_ids[1]
    span = doc.span_by_id(second)
    w.seg_of(0, second).click()
    card = page.locator("#doc-0 .panel-body .finding").first
    card.wait_for(state="visible")
    assert card.locator(".chip").inner_text() == "entities"
    assert card.locator(".f-label").inner_text() == "GPE"
    assert card.locator(".evidence").inner_text() == "Kazakhstan"
    assert f"[{span.start}, {span.end})" in card.inner_text()
    assert "Kazakhstan" in card.locator(".group-head").inner_text()
    mentions = card.locator(".mention")
    assert mentions.count() == 3
    # the clicked span is selected in the text
    assert w.seg_of(0, second).evaluate("e => e.classList.contains('sel')")
    # clicking another mention scrolls to it and selects it
    third = kz.span_ids[2]
    mentions.nth(2).click()
    target = w.seg_of(0, third)
    assert target.evaluate("e => e.classList.contains('sel')")
    page.wait_for_timeout(600)  # smooth scroll
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] <= 900
    # the findings list (closed until opened) jump buttons select a span too
    page.evaluate("document.querySelectorAll('#doc-0 details.findings, #doc-0 details.findings details').forEach(d => { d.open = true; })")
    page.locator(f'#doc-0 .findings button.jump[data-ref="{kz.span_ids[0]}"]').first.click()
    assert w.seg_of(0, kz.span_ids[0]).evaluate("e => e.classList.contains('sel')")
    assert page.locator("#doc-0 .panel-body .finding.current .evidence").inner_text() == "Kazakhstan"
    w.check_clean()


def test_toggle_layer_hides_its_highlights(open_report):
    doc = demo_document()
    w = open_report([doc])
    page = w.page
    moscow = next(s for s in doc.spans("entities") if doc.span_text(s) == "Moscow")
    seg = w.seg_of(0, moscow.id)
    on = w.style_of(seg)
    assert on["bg"] != "rgba(0, 0, 0, 0)" and on["shadow"] != "none"
    assert seg.evaluate("e => e.classList.contains('hl')")
    page.locator('#doc-0 input.tog-layer[data-layer="entities"]').uncheck()
    off = w.style_of(seg)
    assert off["bg"] == "rgba(0, 0, 0, 0)" and off["shadow"] == "none"
    assert not seg.evaluate("e => e.classList.contains('hl')")
    # every entity-only segment lost its highlight; quotes are still highlighted
    quote = doc.spans("quotes")[0]
    assert w.style_of(w.seg_of(0, quote.id))["shadow"] != "none"
    page.locator('#doc-0 input.tog-layer[data-layer="entities"]').check()
    assert w.style_of(seg) == on
    # a label toggle hides only that label
    page.locator('#doc-0 input.tog-label[data-layer="entities"][data-label="GPE"]').uncheck()
    assert w.style_of(seg)["shadow"] == "none"
    person = next(s for s in doc.spans("entities") if s.label == "PERSON")
    assert w.style_of(w.seg_of(0, person.id))["shadow"] != "none"
    # hidden by default: sentences and language layers, structure paragraphs
    assert not page.locator('#doc-0 input.tog-layer[data-layer="sentences"]').is_checked()
    assert not page.locator('#doc-0 input.tog-layer[data-layer="language"]').is_checked()
    plain = next(s for s in doc.spans("sentences") if doc.span_text(s).startswith("Analysts"))
    assert w.style_of(w.seg_of(0, plain.id)) == {"bg": "rgba(0, 0, 0, 0)", "shadow": "none"}
    page.locator('#doc-0 input.tog-layer[data-layer="sentences"]').check()
    assert w.style_of(w.seg_of(0, plain.id))["shadow"] != "none"
    page.locator("#doc-0 [data-act=reset]").click()
    assert not page.locator('#doc-0 input.tog-layer[data-layer="sentences"]').is_checked()
    assert w.style_of(seg) == on
    w.check_clean()


def test_offsets_survive_astral_characters_and_crlf(open_report):
    doc = overlapping_doc()
    w = open_report([doc])
    page = w.page
    assert page.evaluate("document.getElementById('text-0').textContent") == doc.text
    # the DOM text of each span's segments is exactly its evidence
    got = page.evaluate(
        """() => {
            const out = {};
            for (const s of document.querySelectorAll('#text-0 .seg')) {
                for (const ref of (s.getAttribute('data-spans') || '').split(' ').filter(Boolean)) {
                    out[ref] = (out[ref] || '') + s.textContent;
                }
            }
            return out;
        }"""
    )
    for _, span in doc.iter_spans():
        assert got.get(span.id, "") == doc.span_text(span), span.id
    # a click on a nested spot lists every finding covering it, innermost first
    kz = doc.spans("entities")[1]
    w.seg_of(0, kz.id).click()
    cards = page.locator("#doc-0 .panel-body .finding")
    labels = [cards.nth(i).locator(".chip").inner_text() for i in range(cards.count())]
    assert {"entities", "narratives", "quotes"} <= set(labels)
    assert "sentences" not in labels[: labels.index("quotes") + 1]  # hidden layers come last, folded
    w.check_clean()


def test_document_selector(open_report):
    docs = [demo_document(), overlapping_doc()]
    w = open_report(docs)
    page = w.page
    assert page.is_visible("#doc-0") and not page.is_visible("#doc-1")
    page.locator('.doc-tab[data-doc="1"]').click()
    assert page.is_visible("#doc-1") and not page.is_visible("#doc-0")
    assert page.get_attribute('.doc-tab[data-doc="1"]', "aria-selected") == "true"
    assert page.inner_text("#doc-1 .doc-title") == "Overlap test"
    w.check_clean()


def test_csp_blocks_markup_injected_into_the_page(browser, tmp_path):
    """Defence in depth: even markup spliced into the file by hand cannot run or load anything."""
    html = render_html([demo_document()])
    injected = html.replace(
        "<main>",
        "<main><script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"
        "<img src=\"https://example.com/x.png\"><style>body{background:red}</style>",
        1,
    )
    path = tmp_path / "injected.html"
    path.write_text(injected, encoding="utf-8")
    w = Watched(browser, path)
    try:
        w.page.wait_for_timeout(200)
        assert w.page.evaluate("typeof window.__pwned") == "undefined"
        assert any("Content Security Policy" in e for e in w.errors)  # the browser refused them
        # Chromium reports the image request, then blocks it before it leaves
        assert [u for u in w.requests if u.startswith("http")] == ["https://example.com/x.png"]
        assert "csp" in w.failed["https://example.com/x.png"].lower()
        assert not [u for u in w.done if u.startswith("http")]
        assert w.page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
        # the report's own hashed script still ran
        assert w.page.evaluate("document.documentElement.classList.contains('js')")
    finally:
        w.page.close()
