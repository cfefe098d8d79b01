"""Roles in the reports: a role whose score sits near its prior (``attrs["uncertain"]``) is shown neutral, as
"uncertain", never in the red or green of a finding; the entities that are named but not framed are listed with
the reason. Hand-made Documents, as the roles analyzer leaves them."""

from __future__ import annotations

import re

from rich.console import Console

from narrascope.model import Document, Group
from narrascope.render.html import render_html
from narrascope.render.terminal import render_terminal

TEXT = ("Harbour dispute\n\nThe Northern Alliance sabotaged the harbour, the Harbour Authority said. "
        "The Northern Alliance denied it on Telegram. The Harbour Authority repaired the cranes.")


def roles_doc() -> Document:
    doc = Document(TEXT, metadata={"title": "Harbour dispute", "language": "en"})
    doc.add_span("structure", 0, len("Harbour dispute"), "title")
    doc.add_span("structure", TEXT.index("The Northern"), len(TEXT), "paragraph")
    groups = [("E1", "Northern Alliance", "ORG"), ("E2", "Harbour Authority", "ORG"), ("E3", "Telegram", "ORG")]
    for gid, label, kind in groups:
        ids = [doc.add_span("entities", m.start(), m.end(), kind, attrs={"entity_id": gid}).id
               for m in re.finditer(label, TEXT)]
        doc.add_group("entities", Group(gid, label, kind, ids, attrs={"mentions": len(ids)}))
    telegram = doc.groups["entities"][2]
    telegram.attrs.update(not_cast="platform", not_cast_why="Telegram, a platform the article uses as a medium")
    # a confident villain, and a "villain" whose score is the prior of Antagonist: no finding
    for rid, (gid, label), role, score, uncertain in (("R1", groups[0][:2], "Antagonist", 0.93, False),
                                                     ("R2", groups[1][:2], "Antagonist", 0.72, True)):
        mentions = [s for s in doc.spans("entities") if s.attrs["entity_id"] == gid]
        ids = [doc.add_span("roles", m.start, m.end, role, score=score,
                            attrs={"kind": "mention", "entity_id": gid, "uncertain": uncertain, "prior": 0.6953}).id
               for m in mentions]
        doc.add_group("roles", Group(rid, role, "ORG", ids, score=score, attrs={
            "entity_id": gid, "entity": label, "fine_roles": [{"label": "Saboteur", "score": 0.5}],
            "main_scores": {"Antagonist": score, "Protagonist": (1 - score) / 2, "Innocent": (1 - score) / 2},
            "mentions": len(ids), "salient": True, "prior": 0.6953, "uncertain": uncertain}))
    doc.sort_layers()
    return doc


def _terminal_lines(doc: Document) -> list[str]:
    console = Console(record=True, width=200, force_terminal=True, color_system="truecolor")
    render_terminal(doc, console)
    return console.export_text(styles=True).splitlines()


def test_terminal_shows_uncertain_roles_dim_not_red():
    lines = _terminal_lines(roles_doc())
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    confident = next(i for i, line in enumerate(plain) if "Northern Alliance ×2" in line)
    uncertain = next(i for i, line in enumerate(plain) if "Harbour Authority ×2" in line)
    assert "Antagonist 0.93" in plain[confident]
    assert "uncertain (leans Antagonist 0.72, prior 0.70)" in plain[uncertain]
    red = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:31|91|38;2;(?:128|170|205|255);0;0)(?:;[0-9;]*)?m")
    assert red.search(lines[confident])  # the finding keeps its colour
    cell = lines[uncertain][lines[uncertain].index("uncertain") - 20:]
    assert not red.search(cell) and "\x1b[2m" in lines[uncertain]  # dim, not red
    # named, not framed: listed with its reason
    assert any("not cast" in line and "Telegram (platform)" in line for line in plain)


def test_html_report_shows_uncertain_roles_neutral():
    html = render_html([roles_doc()])
    table = html[html.index("Who is cast as what"):]
    table = table[:table.index("</table>")]
    rows = {re.search(r"<td>([^<]+)</td>", row).group(1): row for row in table.split("<tr>")[2:]}
    assert 'class="role-Antagonist"' in rows["Northern Alliance"] and "uncertain" not in rows["Northern Alliance"]
    row = rows["Harbour Authority"]
    assert 'class="role-uncertain"' in row and 'class="swatch sw-uncertain"' in row and ">uncertain <" in row
    assert "role-Antagonist" not in row and "leans Antagonist" in row and "prior 0.70" in row
    assert "Not cast (named, not framed)" in html and "Telegram (platform)" in html
    assert ".role-uncertain{color:#64748b}" in html  # a neutral colour, not the role's
