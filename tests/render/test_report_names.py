"""The HTML and terminal reports show technique and narrative names as words, like the web UI
(``narrascope.display_names``); the stored labels stay in the titles, the toggles and the JSON."""

from __future__ import annotations

import html
import json
import re

from rich.console import Console

from narrascope.model import Document, Group
from narrascope.render.html import render_html
from narrascope.render.terminal import render_terminal

NARRATIVE = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"
NARRATIVE_SHOWN = "URW: Discrediting Ukraine \u203a Ukraine is a puppet of the West"


def named_doc() -> Document:
    """A constructed sentence with one technique span and one narrative."""
    text = "The harbour board called the plan a disgraceful act of treachery. Nobody asked the fishermen."
    doc = Document(text, metadata={"title": "Names test"})
    start = text.index("disgraceful")
    span = doc.add_span("techniques", start, start + len("disgraceful act of treachery"), "Loaded_Language",
                        score=0.9, source="techniques")
    doc.add_group("techniques", Group("T0", "Loaded_Language", "technique", [span.id], score=0.9, attrs={"count": 1}))
    sentence = doc.add_span("narratives", 0, text.index(".") + 1, NARRATIVE, score=0.7, source="narratives")
    doc.add_group("narratives", Group("N0", NARRATIVE, "narrative", [sentence.id], score=0.7,
                                      attrs={"explanation": "constructed"}))
    return doc


def visible_text(page: str) -> str:
    """The report's text a reader sees: no script, no style, no tags, no attributes."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_html_report_shows_technique_and_narrative_names_as_words():
    page = render_html([named_doc()])
    shown = visible_text(page)
    assert "Loaded language" in shown
    assert "Loaded_Language" not in shown
    assert NARRATIVE_SHOWN in shown
    # the stored labels stay where a tool or a filter reads them: titles and the JSON
    assert 'title="Loaded_Language"' in page
    raw = re.search(r'<script type="application/json" id="ns-data">(.*?)</script>', page, re.S).group(1)
    spans = json.loads(raw)["docs"][0]["spans"]
    labels = {s["label"] for s in spans}
    assert "Loaded_Language" in labels


def test_terminal_report_shows_the_names_as_words():
    console = Console(record=True, width=120)
    render_terminal(named_doc(), console)
    text = " ".join(console.export_text().split())
    assert "Loaded language" in text and "Loaded_Language" not in text
    assert "Ukraine is a puppet of the West" in text and "URW: Discrediting Ukraine \u203a" in text
