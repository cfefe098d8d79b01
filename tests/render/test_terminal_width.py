"""Terminal tables stay readable at 80 columns: the analyze report's sections and the corpus commands' tables
(search hits, clusters, and the generic rows of trends, entity and graph) keep their text columns wide enough
to read, and no line runs past the console. The report opens with its summary. Constructed documents only."""

from __future__ import annotations

import re
from types import SimpleNamespace

from rich.console import Console
from rich.text import Text

from narrascope.cli.corpus import _clusters_table, _hits_table
from narrascope.cli.output import print_rows
from narrascope.clusters import Cluster
from narrascope.model import Document, Group
from narrascope.render.terminal import render_terminal

SPEAKER = "Deputy Chairwoman of the Harbour Oversight Committee Ingrid Halvorsen-Castellanos"
SENTENCES = [
    f"\u201cWe will not reopen the eastern pier until every crane has been inspected twice,\u201d said {SPEAKER}.",
    "The Northern Alliance closed the eastern pier to 420 ships last winter, according to the Westport Daily Courier.",
    "Critics asked whether the so-called \u201crepairs\u201d had ever taken place at all, and who had paid for them.",
    "The ministry called it the worst blow to the regional economy in a decade.",
]


def wide_doc() -> Document:
    """One finding in every section, each with long names and long evidence."""
    text = "Harbour dispute\n\n" + " ".join(SENTENCES) + "\n"
    doc = Document(text, metadata={"title": "Harbour dispute", "language": "en", "source_url": "https://aggregator.example/a/1",
                                   "provenance": {"original_source_domain": "aggregator.example", "aggregator": "Example Aggregator"}})
    q = SENTENCES[0]
    qs = text.index(q)
    doc.add_span("quotes", qs, qs + q.index("\u201d") + 1, "quote", attrs={"speaker": SPEAKER, "cue": "said"})
    sp = text.index(SPEAKER)
    doc.add_span("quotes", sp, sp + len(SPEAKER), "speaker")
    c = text.index("according to the Westport Daily Courier")
    cit = doc.add_span("citations", c, c + len("according to the Westport Daily Courier"), "cited_source", attrs={"name": "Westport Daily Courier"})
    doc.add_group("cited_sources", Group("S1", "Westport Daily Courier and Shipping Gazette", "outlet", [cit.id],
                                         attrs={"platform": "Telegram channel of the Courier"}))
    p = text.index("https") if "https" in text else 0
    doc.add_span("provenance", 0, len("Harbour dispute"), "original_source",
                 attrs={"note": "the cited original is hosted on Example Aggregator (news aggregator), not a primary outlet"})
    doc.add_span("mt_residue", text.index("worst"), text.index("worst") + 5, "foreign_script",
                 attrs={"reason": "Han characters inside a Latin-script paragraph: likely left untranslated"})
    ents = []
    for name, kind in (("Northern Alliance", "ORG"), ("Westport Daily Courier", "ORG")):
        s = text.index(name)
        span = doc.add_span("entities", s, s + len(name), kind)
        ents.append(span)
        doc.add_group("entities", Group(f"E-{name}", name, kind, [span.id], attrs={"variants": [name]}))
    for sent in SENTENCES[1:]:
        s = text.index(sent)
        doc.add_span("claims", s, s + len(sent), "claim", score=0.7,
                     attrs={"claimant": "Northern Alliance press office", "reason": "a figure and a named organisation"})
    roles = []
    for role, span, uncertain in (("Antagonist", ents[0], False), ("Innocent", ents[1], True)):
        r = doc.add_span("roles", span.start, span.end, role, score=0.8, attrs={"kind": "framing_sentence"})
        roles.append(r)
        doc.add_group("roles", Group(f"R-{role}", role, "ORG", [r.id], score=0.8, attrs={
            "entity": span and doc.span_text(span), "mentions": 3, "salient": True, "uncertain": uncertain, "prior": 0.7,
            "fine_roles": [{"label": "Saboteur", "score": 0.61}, {"label": "Conspirator", "score": 0.4}]}))
    t = text.index("the worst blow")
    tech = doc.add_span("techniques", t, t + len("the worst blow to the regional economy in a decade"), "Loaded_Language", score=0.7)
    doc.add_group("techniques", Group("T1", "Appeal_to_Fear-Prejudice", "technique", [tech.id], score=0.7,
                                      attrs={"count": 1, "short_name": "Appeal to fear and prejudice"}))
    doc.add_span("odd_layer", t, t + 9, "an_unusually_long_label_name_for_a_layer", score=0.5)
    doc.sort_layers()
    return doc


def render(doc: Document, width: int) -> str:
    console = Console(record=True, width=width)
    render_terminal(doc, console)
    return console.export_text()


def columns(text: str) -> list[dict[str, int]]:
    """Each Rich table's columns as {header: width between the borders}, read from its top border and header."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        if "\u250f" not in line:
            continue
        a, b = line.index("\u250f"), line.index("\u2513")
        widths = [len(part) for part in line[a + 1 : b].split("\u2533")]
        heads, pos = {}, a + 1
        for w in widths:
            # a header may wrap over two lines: join what stands in the column on the header lines
            name = " ".join(lines[j][pos : pos + w].strip() for j in (i + 1, i + 2) if "\u2503" in lines[j]).strip()
            heads[name] = w
            pos += w + 1
        out.append(heads)
    return out


def _check_lines(text: str, width: int) -> None:
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert not too_long, too_long[:3]


def test_report_at_80_columns_keeps_its_text_columns_readable():
    text = render(wide_doc(), 80)
    _check_lines(text, 80)
    tables = columns(text)
    widths = {name: w for t in tables for name, w in t.items()}
    assert widths["quote"] >= 32, tables  # the quote itself, not one word per line (was ~9)
    assert widths["claim \u00b7 who claims \u00b7 why check it"] >= 40
    assert widths["framing sentence"] >= 32
    assert widths["cited as"] >= 32
    assert widths["evidence \u00b7 note"] >= 32 and widths["evidence \u00b7 why"] >= 32
    assert widths["where (strongest first)"] >= 30
    assert widths["evidence"] >= 30  # the generic table of an unknown layer
    for table in tables:  # and no column shrinks to a sliver (a one-letter figure column may be narrow)
        for name, w in table.items():
            assert w >= min(6, len(name) + 2), (name, table)
    # what merged columns hold is still shown: the speaker's cue, the role, the note
    assert "quote (said)" in text and "Antagonist 0.80" in text and "uncertain (leans Innocent" in text
    assert "not a primary outlet" in text and "Telegram channel of" in text


def test_report_on_a_wide_console_keeps_separate_columns():
    text = render(wide_doc(), 160)
    _check_lines(text, 160)
    names = {name for t in columns(text) for name in t}
    assert {"speaker", "kind", "quote", "main role", "fine roles", "note", "why", "platform"} <= names, names


def test_report_opens_with_the_summary():
    text = render(wide_doc(), 80)
    head, summary = text.index("narrascope"), text.index("Summary")
    first_section = min(text.index(t) for t in ("Entity framing", "Persuasion techniques", "Claims worth checking"))
    assert head < summary < first_section
    block = text[summary:first_section]
    flat = " ".join(re.sub(r"[\u2502\u256d\u256e\u2570\u256f\u2500]", " ", block).split())
    assert "Northern Alliance as the villain" in flat
    assert "Westport Daily Courier" not in flat.split("Who is cast as what")[1].split(".")[0]  # the uncertain role is left out
    assert "Appeal to fear / prejudice \u00d71" in flat and "3 claims worth checking" in flat


def _hit(**kw):
    snippet = "the Harbour Authority said on Monday that the Northern Alliance had closed the eastern pier to 420 ships"
    return SimpleNamespace(doc_id="d58521534504a3b2", date="2025-06-14T10:00:00", source="Example Aggregator News Agency",
                           language="en", title="Harbour dispute deepens as the ministry says it is the worst blow",
                           snippet=snippet, snippet_start=0, matches=[(4, 12)], **kw)


def _print(renderable, width: int) -> str:
    console = Console(record=True, width=width)
    console.print(renderable)
    return console.export_text()


def test_search_hits_at_80_columns():
    text = _print(_hits_table([_hit(), _hit()], 2, 0, 80), 80)
    _check_lines(text, 80)
    (table,) = columns(text)
    assert table["title / snippet"] >= 40, table
    assert "2025-06-14" in text and "d585215345" in text
    wide = _print(_hits_table([_hit()], 1, 0, 160), 160)
    assert {"id", "date", "source", "lang", "title / snippet"} <= set(columns(wide)[0])


def test_clusters_at_80_columns():
    members = ["d58521534504a3b2"] + [c * 16 for c in "abcdef"]
    found = [Cluster(members=members, original=members[0])]
    listed = {members[0]: {"id": 3, "title": "Harbour dispute deepens as the ministry says it is the worst blow in a decade"}}
    text = _print(_clusters_table("near-duplicate", found, listed), 80)
    _check_lines(text, 80)
    (table,) = columns(text)
    assert table["title"] >= 20 and table["copies"] >= 14 and table["id"] >= 3, table


def test_rows_tables_at_80_columns(capsys, monkeypatch):
    """trends, entity and graph print their rows through print_rows: figures never fold, names wrap."""
    monkeypatch.setenv("COLUMNS", "80")
    rows = [{"source": "Kandelaki's Telegram channel about the harbour", "target": "North Atlantic Treaty Organization",
             "relation": "cast as Antagonist", "documents": 12, "weight": 0.53}] * 3
    print_rows(rows, "table", "entities graph")
    text = capsys.readouterr().out
    _check_lines(text, 80)
    (table,) = columns(text)
    assert all(table[name] >= 16 for name in ("source", "target", "relation")), table
    assert re.search(r"\u2502\s+12 \u2502\s+0\.53 \u2502", text)  # right-aligned, whole
