"""The outlets in the reports: the HTML report's outlets box (escaped, links only to http(s) sources) and
the terminal report's Outlets section; both absent without the layer."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from rich.console import Console

from narrascope.model import Document, Group
from narrascope.render.html import render_html
from narrascope.render.outlets_view import outlets_view, safe_href
from narrascope.render.terminal import render_terminal

SCRIPT = "<script>window.__pwned=1</script>"


def with_outlet(name: str = "Harbour TV", labels=("state label",), sources=None, country="XX") -> Document:
    text = "According to Harbor TV, the ferry deal was signed in secret."
    doc = Document(text, metadata={"title": "Ferry deal"})
    start = text.index("Harbor TV")
    sources = {"state label": "https://registry.example.org/harbour?a=1&b=2"} if sources is None else sources
    attrs = {"outlet": name, "country": country, "labels": list(labels), "label_sources": sources}
    span = doc.add_span("outlets", start, start + 9, name, source="outlets",
                        attrs={**attrs, "matched": "Harbor TV", "role": "cited", "how": "spelling"})
    doc.add_group("outlets", Group("O1", name, "outlet", [span.id], source="outlets",
                                   attrs={**attrs, "roles": ["cited", "original_source"], "mentions": 1, "names": ["Harbor TV"]}))
    return doc


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href"]


def outlets_box(html: str) -> str:
    found = re.search(r'<div class="outlets-box".*?</div>', html, re.S)
    return found.group(0) if found else ""


def test_html_report_shows_outlet_labels_and_source_links() -> None:
    box = outlets_box(render_html(with_outlet()))
    assert "Harbour TV" in box and "(XX)" in box and "cited, original source" in box and "state label" in box
    parser = Links()
    parser.feed(box)
    assert parser.hrefs == ["https://registry.example.org/harbour?a=1&b=2"]
    assert 'href="https://registry.example.org/harbour?a=1&amp;b=2"' in box  # escaped in the attribute
    assert 'rel="noopener noreferrer"' in box


def test_html_report_escapes_outlet_names_and_labels() -> None:
    doc = with_outlet(name=SCRIPT, labels=(SCRIPT, 'x" onmouseover="alert(1)'), country=SCRIPT,
                      sources={SCRIPT: "https://registry.example.org/\"><script>alert(1)</script>"})
    html = render_html(doc)
    box = outlets_box(html)
    assert box and "<script>" not in box and "&lt;script&gt;" in box
    assert 'onmouseover="' not in box
    assert html.count("<script") == 2  # the report's own data block and script, nothing more


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<b>x</b>", "//evil.example/x",
                                 "/relative", "https://", "https://exa mple.org/", "https://example.org/\x1b[31m",
                                 "ftp://example.org/x", "", None, 42])
def test_only_http_sources_become_links(url) -> None:
    assert safe_href(url) is None
    doc = with_outlet(sources={"state label": url} if url is not None else {})
    parser = Links()
    parser.feed(outlets_box(render_html(doc)))
    assert parser.hrefs == []


def test_http_and_https_sources_are_links() -> None:
    assert safe_href("http://example.org/a?b=c") == "http://example.org/a?b=c"
    assert safe_href("HTTPS://example.org/") == "HTTPS://example.org/"


def test_no_outlets_no_box() -> None:
    doc = Document("A plain note.", metadata={"title": "Plain"})
    assert outlets_view(doc) == [] and outlets_box(render_html(doc)) == ""


def test_outlets_view_tolerates_odd_attrs() -> None:
    doc = Document("x")
    doc.add_group("outlets", Group("O1", "Odd", "outlet", attrs={"labels": ["a", 3, None], "label_sources": "nope", "roles": None}))
    assert outlets_view(doc) == [{"outlet": "Odd", "country": None, "roles": "", "mentions": 0,
                                  "labels": [{"label": "a", "source": None, "href": None}]}]


def test_terminal_report_has_an_outlets_section() -> None:
    buf = io.StringIO()
    render_terminal(with_outlet(name="Harbour TV\x1b[2J"), Console(file=buf, width=120, color_system=None))
    out = buf.getvalue()
    assert "Outlets (from your outlets file) (1)" in out and "state label" in out
    assert "https://registry.example.org/harbour?a=1&b=2" in out and "cited, original source" in out
    assert "\x1b" not in out  # a control character in a name is shown, not sent


def test_terminal_report_without_outlets_has_no_section() -> None:
    buf = io.StringIO()
    render_terminal(Document("A plain note."), Console(file=buf, width=120, color_system=None))
    assert "Outlets" not in buf.getvalue()
