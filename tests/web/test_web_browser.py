"""The corpus web UI in a real browser (Debian's chromium driven by Playwright) against a real
uvicorn server: dashboard, the search form, a result with its highlighted report, a cluster, and
hostile documents that must stay inert text.
 tests/browser_support.py says when it is
skipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from browser_support import RecordedPage, browser, require_browser  # noqa: E402, F401  (the fixture)

pytestmark = pytest.mark.browser
require_browser()
from playwright.sync_api import expect  # noqa: E402


from narrascope.store import open_store  # noqa: E402
from narrascope.web import create_app  # noqa: E402
from narrascope.web.live import LiveServer  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from test_web import article  # noqa: E402

PWN_SCRIPT = "<script>window.__pwned=1</script>"
PWN_IMG = '<img src=x onerror="window.__pwned=1">'
TOKEN = "browser-test-token"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("webui") / "corpus.db"
    original = article("The Harbour Authority announced a new ferry timetable for the winter season.",
                       title="Ferry timetable changes", published="2024-01-01T09:00:00", site="Coast Post",
                       narratives=["Economy: Prices rise"], techniques=["Loaded_Language"],
                       entities=["Harbour Authority"], roles=[("Protagonist", "Harbour Authority")])
    copy = article("The Harbour Authority announced a new ferry timetable for the winter season, a partner said.",
                   title="Ferry timetable changes (republished)", published="2024-01-04", site="Valley Herald",
                   narratives=["Economy: Prices rise"], entities=["Harbour Authority"])
    blame = article("Officials blamed the Northern Alliance for the blackout, calling it sabotage.",
                    title="Blackout blamed on alliance", published="2024-01-10", site="Coast Post",
                    narratives=["Blaming others"], techniques=["Name_Calling-Labeling"],
                    entities=["Northern Alliance"], roles=[("Antagonist", "Northern Alliance")])
    hostile = article(f"Pwn attempt {PWN_SCRIPT} then {PWN_IMG} inside the quarantine text.",
                      title=f"Quarantine {PWN_SCRIPT} {PWN_IMG}", published="2024-01-12", site=f"Outlet {PWN_IMG}",
                      narratives=[f"Narrative {PWN_SCRIPT}"], entities=[f"Entity {PWN_IMG}"],
                      roles=[("Antagonist", f"Entity {PWN_IMG}")])
    docs = [original, copy, blame, hostile]
    with open_store(path) as store:
        for doc in docs:
            assert store.add(doc)
        store.replace_clusters("near-duplicate", [{"members": [original.id, copy.id, hostile.id],
                                                   "pairs": [{"a": original.id, "b": copy.id, "jaccard": 0.9}]}])
        cluster_id = store.clusters()[0]["id"]
    return {"path": str(path), "original": original, "copy": copy, "hostile": hostile, "cluster": cluster_id}


@pytest.fixture(scope="module")
def server(corpus):
    with LiveServer(create_app(corpus["path"], allowed_hosts={"127.0.0.1", "localhost"})) as url:
        yield url


class Watched(RecordedPage):
    """A page of the web UI with console errors (CSP violations among them), page errors, dialogs and requests
    recorded."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        super().__init__(self.context.new_page())
        self.base = base

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        return response

    def check_clean(self):
        self.page.wait_for_timeout(150)
        assert self.errors == [] and self.dialogs == []
        assert all(u.startswith(self.base) for u in self.requests), self.requests  # nothing from elsewhere
        for frame in self.page.frames:
            assert frame.evaluate("typeof window.__pwned") == "undefined", frame.url

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser, server):
    w = Watched(browser, server)
    yield w
    w.close()


def report_frame(w: Watched):
    w.page.wait_for_selector("iframe.report")
    for _ in range(100):
        frames = [f for f in w.page.frames if f.url.endswith("/report")]
        if frames and frames[0].query_selector("#text-0"):
            return frames[0]
        w.page.wait_for_timeout(50)
    raise AssertionError("the report frame did not load")


def test_dashboard_shows_totals_and_charts(watched):
    watched.goto("/")
    totals = watched.page.locator("#totals")
    expect(totals).to_be_visible()
    expect(totals).to_contain_text("documents")
    assert "4" in totals.locator("dd").first.inner_text()
    chart = watched.page.locator("#chart-narratives svg.linechart")
    expect(chart).to_be_visible()
    assert chart.locator("polyline").count() >= 1
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    watched.check_clean()


def test_search_form_result_and_highlighted_report(watched, corpus):
    watched.goto("/search")
    watched.page.fill("#search-q", "timetable")
    watched.page.click("#search-go")
    watched.page.wait_for_url("**/search?q=timetable*")
    expect(watched.page.locator("#result-count")).to_contain_text("2 documents")
    mark = watched.page.locator("li.hit .snippet mark").first
    expect(mark).to_be_visible()
    assert mark.inner_text().lower() == "timetable"
    watched.page.locator(f'li.hit a.title[href^="/documents/{corpus["original"].id}"]').click()
    watched.page.wait_for_url(f"**/documents/{corpus['original'].id}?q=timetable")
    expect(watched.page.locator("#doc-title")).to_have_text("Ferry timetable changes")
    expect(watched.page.locator("section.kwic mark").first).to_be_visible()  # the search's words in context
    frame = report_frame(watched)
    text = frame.locator("#text-0")
    assert "announced a new ferry timetable" in text.inner_text()
    highlight = frame.locator('#text-0 .seg[data-spans*="entities"]').first
    expect(highlight).to_be_visible()
    covered = frame.evaluate("""() => Array.from(document.querySelectorAll('#text-0 .seg'))
        .filter(s => (s.getAttribute('data-spans') || '').includes('entities')).map(s => s.textContent).join('')""")
    assert covered == "Harbour Authority"
    color = highlight.evaluate("e => getComputedStyle(e).backgroundColor")
    assert color not in ("rgba(0, 0, 0, 0)", "transparent")  # highlighted by the report's own script
    watched.check_clean()


def test_cluster_page_marks_the_original(watched, corpus):
    watched.goto(f"/clusters/{corpus['cluster']}")
    row = watched.page.locator("tr.original")
    expect(row).to_have_count(1)
    expect(row.locator(".badge.original")).to_have_text("probable original")
    expect(row).to_contain_text("Ferry timetable changes")
    expect(watched.page.locator("tr.copy")).to_have_count(2)
    row.locator("a").first.click()
    watched.page.wait_for_url(f"**/documents/{corpus['original'].id}")
    expect(watched.page.locator(".clusters-of")).to_contain_text("this is the probable original")
    watched.check_clean()


def test_hostile_document_stays_text(watched, corpus):
    hostile = corpus["hostile"]
    watched.goto(f"/documents/{hostile.id}")
    expect(watched.page.locator("#doc-title")).to_have_text(f"Quarantine {PWN_SCRIPT} {PWN_IMG}")
    frame = report_frame(watched)
    assert f"Pwn attempt {PWN_SCRIPT} then {PWN_IMG} inside" in frame.locator("#text-0").inner_text()
    assert watched.page.evaluate("document.querySelectorAll('img, script').length") == 0
    assert frame.evaluate("document.querySelectorAll('img').length") == 0
    for path in ("/search?q=quarantine", "/search?q=pwn", "/", "/entities", "/graphs/entities?min_documents=1",
                 f"/clusters/{corpus['cluster']}", f"/documents/{hostile.id}/report"):
        watched.goto(path)
        assert watched.page.evaluate("document.querySelectorAll('img').length") == 0, path
    watched.goto("/search?q=pwn")
    expect(watched.page.locator("li.hit .snippet").first).to_contain_text(PWN_SCRIPT)
    watched.check_clean()


def test_token_cookie_lets_the_browser_in(browser, corpus):
    s = LiveServer(create_app(corpus["path"], token=TOKEN))
    s.start()
    w = Watched(browser, s.url)
    try:
        assert w.goto("/").status == 401
        w.page.wait_for_timeout(300)
        w.errors.clear()  # the 401s (the page, its stylesheet, its icon) are logged by the browser
        response = w.goto(f"/clusters/{corpus['cluster']}?token={TOKEN}")
        assert response.status == 200 and "token" not in w.page.url
        cookies = w.context.cookies()
        assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [("narrascope_session", True, "Strict")]
        assert TOKEN not in cookies[0]["value"]
        w.goto(f"/documents/{corpus['original'].id}")
        frame = report_frame(w)  # the sandboxed frame is let in too
        assert "ferry timetable" in frame.locator("#text-0").inner_text()
        assert w.page.evaluate("document.cookie") == ""  # HttpOnly: not readable by any script
        w.check_clean()
    finally:
        w.close()
        s.stop()
