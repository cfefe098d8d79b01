"""No text overflows its cell (Playwright and Debian's chromium, tests/browser_support.py says when it is
skipped): every page of the web UI, on a corpus with long official label names, long entity, outlet and
URL names, at 1,400 px and at 800 px. In each table cell, label, chip and facet, the content fits its
box (scrollWidth <= clientWidth + 1), the page itself never scrolls sideways, and no word of a label
(up to 30 characters: every word of a readable name) is wider than its cell, so none is broken."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from browser_support import browser, require_browser  # noqa: E402, F401  (the fixture)

pytestmark = pytest.mark.browser
require_browser()


from narrascope.web import create_app  # noqa: E402
from narrascope.web.live import LiveServer  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from test_web_labels import build_long_label_corpus  # noqa: E402

WIDTHS = (1400, 800)

# the boxes whose text must fit; ones inside a scrolling box (the charts' number tables) scroll on purpose
OVERFLOWS = """() => {
  const bad = [];
  const boxes = document.querySelectorAll('td, th, caption, dt, dd, h1, h2, .label, .chip, .facets li, li.hit, .meta, p');
  for (const el of boxes) {
    if (el.closest('.scroll') || getComputedStyle(el).display === 'inline') continue;
    if (el.scrollWidth > el.clientWidth + 1)
      bad.push(`${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}: ${el.textContent.trim().slice(0, 60)}`);
  }
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + 1) bad.push(`the page: ${page.scrollWidth} > ${window.innerWidth}`);
  return bad;
}"""

# a label's words (up to 30 characters) each fit the width of its cell, so the browser breaks none of them
BROKEN_WORDS = """() => {
  const bad = [];
  const ctx = document.createElement('canvas').getContext('2d');
  for (const el of document.querySelectorAll('td, th, .facets li a, .chip, ul.legend li')) {
    if (el.closest('.scroll') || el.classList.contains('url')) continue;  // URLs may break anywhere
    const style = getComputedStyle(el);
    if (style.display === 'inline') continue;
    ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const word of el.textContent.split(/\\s+/)) {
      if (word && word.length <= 30 && ctx.measureText(word).width > room + 1)
        bad.push(`${el.tagName.toLowerCase()}.${el.className}: "${word}" ${Math.round(ctx.measureText(word).width)} > ${Math.round(room)}`);
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_long_label_corpus(str(tmp_path_factory.mktemp("layout") / "layout.db"))


@pytest.fixture(scope="module")
def server(corpus):
    with LiveServer(create_app(corpus["path"], allowed_hosts={"127.0.0.1", "localhost"}, warm=False)) as url:
        yield url


def pages(corpus) -> list[str]:
    doc = corpus["docs"][1].id
    return ["/", "/?period=day", "/search", "/search?q=council", "/search?technique=Name_Calling-Labeling",
            f"/documents/{doc}", "/entities", "/entities/Ministry%20of%20Foreign%20Affairs%20of%20the%20Northern%20Federation",
            "/clusters", f"/clusters/{corpus['cluster']}", "/graphs/entities", "/graphs/entities?view=table",
            "/graphs/citations", "/graphs/citations?view=table"]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_text_overflows_its_cell(browser, server, corpus, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = {}
    try:
        for path in pages(corpus):
            response = page.goto(server + path)
            assert response.status == 200, path
            page.wait_for_load_state("load")
            found = page.evaluate(OVERFLOWS) + page.evaluate(BROKEN_WORDS)
            if found:
                problems[path] = found[:12]
    finally:
        context.close()
    assert not problems, "\n".join(f"{path}: {found}" for path, found in problems.items())


def test_graph_canvas_has_a_fixed_height(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        for path in ("/graphs/entities", "/graphs/citations"):
            page.goto(server + path)
            height = page.evaluate("document.querySelector('svg.graph').getBoundingClientRect().height")
            assert 300 <= height <= 700, (path, height)
            assert page.evaluate("document.documentElement.scrollHeight") < 2000, path  # the tables are a link away
    finally:
        context.close()
