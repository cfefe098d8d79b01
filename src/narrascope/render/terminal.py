"""Rich terminal report: one section per layer, each finding with its quoted evidence and offsets.

Article text is hostile: it is only ever put into ``SafeText`` objects, never parsed as markup, and
every control character in it is shown as an escape (Rich passes ESC through, so an article could
otherwise recolour, clear or retitle the user's terminal).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Callable

from rich.console import Console, Group as RichGroup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..display_names import narrative_name, technique_name
from ..model import Document, Span
from .summary import summarise

# C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings/overrides/isolates that
# can make a line read differently from what it holds ("Trojan Source").
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match) -> str:
    code = ord(match.group())
    # U+2400 "Control Pictures" show C0 controls (ESC as ␛) and DEL; the rest becomes U+FFFD
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"


def visible(s: str) -> str:
    """``s`` with every terminal control character replaced by one visible character (ESC shows as ␛),
    so offsets into ``s`` still hold; newlines and tabs are kept."""
    return _CONTROLS.sub(_picture, s) if isinstance(s, str) else s


class SafeText(Text):
    """A Rich Text whose text, and anything appended to it, has its control characters escaped."""

    def __init__(self, text: str = "", *args, **kwargs) -> None:
        super().__init__(visible(text), *args, **kwargs)

    def append(self, text, style=None):  # type: ignore[override]
        return super().append(visible(text) if isinstance(text, str) else text, style)

EVIDENCE_CHARS = 110
# Below this console width the tables merge their low-value columns into the first one, so the text
# columns keep room to read (a quote at 80 columns gets about 45 characters, not 9).
NARROW_BELOW = 100
ROLES_NARROW_BELOW = 140  # the roles table has four columns, one of them a phrase kept on one line

# Sections with a dedicated view; any other layer gets the generic table.
_TITLES = {
    "provenance": "Provenance",
    "outlets": "Outlets (from your outlets file)",
    "mt_residue": "Machine-translation residue",
    "citations": "Cited sources",
    "quotes": "Quotes and speakers",
    "entities": "Entities",
    "language": "Language",
    "narratives": "Narratives",
    "roles": "Entity framing (roles)",
    "techniques": "Persuasion techniques",
    "claims": "Claims worth checking",
    "consistency": "Internal consistency",
}
_HIDDEN = {"structure", "sentences"}


def _clip(s: str, limit: int = EVIDENCE_CHARS) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def evidence(doc: Document, span: Span, limit: int = EVIDENCE_CHARS) -> SafeText:
    out = SafeText()
    out.append("“" + _clip(doc.span_text(span), limit) + "”", style="italic")
    out.append(f" [{span.start}:{span.end}]", style="dim")
    return out


def _below(main: SafeText | str, extra: str, style: str = "dim") -> SafeText:
    """``main`` with ``extra`` on a line of its own below it (a merged column on a narrow console)."""
    out = main.copy() if isinstance(main, Text) else SafeText(main)
    if extra:
        out.append("\n")
        out.append(extra, style=style)
    return out


def _summary(doc: Document) -> Panel | None:
    """The report's opening sentences (render.summary), one paragraph each, the topic in bold."""
    statements = summarise(doc)
    if not statements:
        return None
    body = SafeText()
    for i, st in enumerate(statements):
        if i:
            body.append("\n")
        if st.lead:
            body.append(st.lead + ": ", style="bold")
        body.append(st.body)
    return Panel(body, title="Summary", title_align="left", border_style="cyan")


def _header(doc: Document) -> Panel:
    meta = doc.metadata
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, label in (("title", "Title"), ("author", "Author"), ("published", "Published"), ("source_url", "Original source"),
                       ("url", "URL"), ("source", "Read from"), ("language", "Language")):
        value = meta.get(key)
        if value:
            table.add_row(label, SafeText(str(value)))
    prov = meta.get("provenance", {})
    if prov.get("aggregator"):
        table.add_row("Aggregator", SafeText(prov["aggregator"]))
    table.add_row("Document id", SafeText(doc.id))
    counts = ", ".join(f"{k} {len(v)}" for k, v in doc.layers.items() if k not in _HIDDEN)
    table.add_row("Layers", SafeText(counts or "none"))
    return Panel(table, title="narrascope", title_align="left", border_style="cyan")


def _section_provenance(doc: Document, width: int = 120) -> Table:
    narrow = width < NARROW_BELOW
    t = Table(show_header=True, header_style="bold", expand=True)
    t.add_column("finding", ratio=1, overflow="fold")
    t.add_column("evidence" + (" · note" if narrow else ""), ratio=3 if narrow else 3)
    if not narrow:
        t.add_column("note", style="dim", ratio=2)
    for s in doc.spans("provenance"):
        note = str(s.attrs.get("note") or s.attrs.get("reason") or s.attrs.get("domain", ""))
        cells = [_below(evidence(doc, s), note)] if narrow else [evidence(doc, s), SafeText(note)]
        t.add_row(s.label.replace("_", " "), *cells)
    return t


def _section_outlets(doc: Document, width: int = 120) -> Table:
    """Each matched outlet once: its labels with their sources (as the user's outlets file gives them), the
    roles it plays in the document, and the words that name it."""
    t = Table(show_header=True, header_style="bold", expand=True)
    t.add_column("outlet", no_wrap=True)
    t.add_column("labels (source)", overflow="fold")
    t.add_column("as")
    by_id = {s.id: s for s in doc.spans("outlets")}
    for g in doc.groups.get("outlets", []):
        name = SafeText(g.label, style="bold")
        if g.attrs.get("country"):
            name.append(f" ({g.attrs['country']})", style="dim")
        sources = g.attrs.get("label_sources") if isinstance(g.attrs.get("label_sources"), dict) else {}
        labels = SafeText("\n").join(
            SafeText(str(label), style="bold yellow") + SafeText(f" ({sources[label]})" if sources.get(label) else "", style="dim")
            for label in g.attrs.get("labels") or []) or SafeText("no labels", style="dim")
        roles = SafeText(", ".join(str(r).replace("_", " ") for r in g.attrs.get("roles") or []))
        ev = [evidence(doc, by_id[i], 60) for i in g.span_ids if i in by_id]
        t.add_row(name, labels, SafeText("\n").join([roles, *ev]))
    return t


def _section_mt(doc: Document, width: int = 120) -> Table:
    narrow = width < NARROW_BELOW
    t = Table(show_header=True, header_style="bold", expand=True)
    t.add_column("residue", ratio=1, overflow="fold")
    t.add_column("evidence" + (" · why" if narrow else ""), ratio=3 if narrow else 2)
    if not narrow:
        t.add_column("why", style="dim", ratio=3)
    for s in doc.spans("mt_residue"):
        why = s.attrs.get("reason", "")
        if s.label == "repeated_sentence":
            fs, fe = s.attrs["first_occurrence"]
            why += f" [{fs}:{fe}]"
        cells = [_below(evidence(doc, s), why)] if narrow else [evidence(doc, s), SafeText(why)]
        t.add_row(s.label.replace("_", " "), *cells)
    return t


def _section_citations(doc: Document, width: int = 120) -> Table:
    narrow = width < NARROW_BELOW
    t = Table(show_header=True, header_style="bold", expand=True)
    t.leading = 1 if narrow else 0
    t.add_column("source" + (" · platform" if narrow else ""), ratio=2, overflow="fold")
    if not narrow:
        t.add_column("platform", ratio=1, overflow="fold")
    t.add_column("cited as", ratio=4)
    by_id = {s.id: s for s in doc.spans("citations")}
    for g in doc.groups.get("cited_sources", []):
        ev = SafeText("\n").join(evidence(doc, by_id[i]) for i in g.span_ids if i in by_id)
        platform = str(g.attrs.get("platform") or g.attrs.get("medium") or "")
        name = SafeText(g.label, style="bold")
        cells = [_below(name, platform)] if narrow else [name, SafeText(platform)]
        t.add_row(*cells, ev)
    return t


def _section_quotes(doc: Document, width: int = 120) -> Table:
    narrow = width < NARROW_BELOW
    t = Table(show_header=True, header_style="bold", expand=True)
    t.leading = 1 if narrow else 0
    t.add_column("speaker" + (" · kind" if narrow else ""), ratio=2, overflow="fold")
    if not narrow:
        t.add_column("kind", ratio=1, overflow="fold")
    t.add_column("quote", ratio=5 if narrow else 6)

    def row(who: SafeText, kind: str, quote: SafeText) -> None:
        t.add_row(_below(who, kind), quote) if narrow else t.add_row(who, SafeText(kind), quote)

    scare = Counter()
    for s in doc.spans("quotes"):
        if s.label == "speaker":
            continue
        if s.label in ("scare_quote", "name"):
            scare[s.label] += 1
            continue
        speaker = s.attrs.get("speaker_name") or s.attrs.get("speaker") or "—"
        cue = s.attrs.get("cue")
        row(SafeText(speaker, style="bold"), s.label.replace("_", " ") + (f" ({cue})" if cue else ""), evidence(doc, s))
    if scare:
        phrases = [_clip(doc.span_text(s), 40) for s in doc.spans("quotes") if s.label == "scare_quote"]
        row(SafeText("—"), f"{scare['scare_quote']} scare quotes", SafeText(", ".join(phrases), style="italic"))
    return t


def _section_entities(doc: Document, width: int = 120) -> Table:
    t = Table(show_header=True, header_style="bold", expand=True)
    t.add_column("entity", ratio=2, overflow="fold")
    t.add_column("type", no_wrap=True)
    t.add_column("n", justify="right", no_wrap=True)
    t.add_column("as written (first mentions)", ratio=3)
    by_id = {s.id: s for s in doc.spans("entities")}
    groups = sorted(doc.groups.get("entities", []), key=lambda g: -len(g.span_ids))
    for g in groups:
        spans = [by_id[i] for i in g.span_ids if i in by_id]
        variants = ", ".join(g.attrs.get("variants", [])) or ""
        first = SafeText(variants + "  ", style="")
        for s in spans[:3]:
            first.append(f"[{s.start}:{s.end}] ", style="dim")
        t.add_row(SafeText(g.label, style="bold"), SafeText(g.kind), str(len(spans)), first)
    return t


def _section_narratives(doc: Document, width: int = 120) -> Table:
    t = Table(show_header=True, header_style="bold", expand=True)
    t.add_column("narrative / subnarrative", ratio=2)
    t.add_column("score", justify="right", no_wrap=True)
    t.add_column("evidence and explanation", ratio=3)
    by_id = {s.id: s for s in doc.spans("narratives")}
    for g in doc.groups.get("narratives", []):
        if g.kind == "subnarrative":
            name = SafeText("  ↳ " + g.label.rsplit(": ", 1)[-1])
        elif g.kind == "candidate":
            name = SafeText(g.attrs.get("candidate_note", "candidate") + ": " + narrative_name(g.label), style="italic")
        else:
            name = SafeText(narrative_name(g.label), style="bold")
        body = SafeText()
        for sid in g.span_ids:
            if sid in by_id:
                body.append_text(evidence(doc, by_id[sid], 160))
                body.append("\n")
        if not body:  # the explanation quotes the evidence; show it only where there is none to show
            body.append(g.attrs.get("explanation", ""), style="dim")
        t.add_row(name, f"{g.score:.2f}", body)
    return t


def _section_roles(doc: Document, width: int = 120) -> Table:
    t = Table(show_header=True, header_style="bold", expand=True)
    narrow = width < ROLES_NARROW_BELOW  # the main role ("uncertain (leans …)") is kept on one line
    t.leading = 1 if narrow else 0  # merged cells run over several lines: a blank line between rows
    if narrow:  # entity, main role and fine roles in one cell, one line each
        t.add_column("entity · role · fine roles", ratio=2, overflow="fold")
    else:
        t.add_column("entity", ratio=2)
        t.add_column("main role", no_wrap=True)
        t.add_column("fine roles", ratio=2)
    t.add_column("framing sentence", ratio=3 if narrow else 5)

    def row(who: SafeText, role: SafeText, fines: SafeText, frame: SafeText) -> None:
        if narrow:
            cell = who.copy()
            for part in (role, fines):
                if part.plain:
                    cell.append("\n")
                    cell.append_text(part)
            t.add_row(cell, frame)
        else:
            t.add_row(who, role, fines, frame)

    by_id = {s.id: s for s in doc.spans("roles")}
    groups = sorted(doc.groups.get("roles", []), key=lambda g: (not g.attrs.get("salient"), -g.attrs.get("mentions", 0)))
    shown = [g for g in groups if g.attrs.get("salient")] or groups[:5]
    style = {"Antagonist": "red", "Protagonist": "green", "Innocent": "yellow"}
    for g in shown:
        fines = ", ".join(f"{f['label']} {f['score']:.2f}" for f in g.attrs.get("fine_roles", []))
        frame = next((by_id[i] for i in g.span_ids if i in by_id and by_id[i].attrs.get("kind") == "framing_sentence"), None)
        row(SafeText(f"{g.attrs.get('entity', '')} ×{g.attrs.get('mentions', 0)}", style="bold"),
            _role_cell(g, style), SafeText(fines, style="dim" if g.attrs.get("uncertain") is True else ""),
            evidence(doc, frame, 140) if frame else SafeText("—"))
    if len(shown) < len(groups):
        row(SafeText(f"+{len(groups) - len(shown)} entities mentioned once", style="dim"), SafeText(""), SafeText(""), SafeText(""))
    not_cast = [g for g in doc.groups.get("entities", []) if g.attrs.get("not_cast")]
    if not_cast:
        names = ", ".join(f"{g.label} ({g.attrs['not_cast']})" for g in not_cast[:12])
        more = f" +{len(not_cast) - 12} more" if len(not_cast) > 12 else ""
        row(SafeText("not cast (named, not framed)", style="dim"), SafeText(""), SafeText(""),
            SafeText(names + more, style="dim"))
    return t


def _role_cell(g, style: dict[str, str]) -> SafeText:
    """The main role in its colour; a role whose score sits near its training prior is no finding: dim, "uncertain"."""
    if g.attrs.get("uncertain") is True:
        prior = g.attrs.get("prior")
        near = f", prior {prior:.2f}" if isinstance(prior, (int, float)) else ""
        return SafeText(f"uncertain (leans {g.label} {g.score:.2f}{near})", style="dim")
    return SafeText(f"{g.label} {g.score:.2f}", style=style.get(g.label, ""))


def _section_techniques(doc: Document, width: int = 120) -> Table:
    t = Table(show_header=True, header_style="bold", expand=True)
    t.add_column("technique", ratio=2)
    t.add_column("spans", justify="right", no_wrap=True)
    t.add_column("where (strongest first)", ratio=6)
    by_id = {s.id: s for s in doc.spans("techniques")}
    for g in doc.groups.get("techniques", []):
        spans = sorted((by_id[i] for i in g.span_ids if i in by_id), key=lambda s: -s.score)
        body = SafeText()
        for s in spans[:3]:
            body.append_text(evidence(doc, s, 100))
            body.append("\n")
        if len(spans) > 3:
            body.append(f"+{len(spans) - 3} more", style="dim")
        t.add_row(SafeText(technique_name(g.label), style="bold"), str(len(spans)), body)
    return t


def _section_claims(doc: Document, width: int = 120) -> Table:
    narrow = width < NARROW_BELOW
    t = Table(show_header=True, header_style="bold", expand=True)
    t.leading = 1 if narrow else 0
    t.add_column("claim" + (" · who claims · why check it" if narrow else ""), ratio=5)
    t.add_column("score", justify="right", no_wrap=True)
    if not narrow:
        t.add_column("who claims · why check it", ratio=3)
    for s in sorted(doc.spans("claims"), key=lambda s: -s.score):
        who = f"{s.attrs.get('claimant', '')} · {s.attrs.get('reason', '')}"
        if narrow:
            t.add_row(_below(evidence(doc, s, 160), "— " + who), f"{s.score:.2f}")
        else:
            t.add_row(evidence(doc, s, 160), f"{s.score:.2f}", SafeText(who))
    return t


def _section_consistency(doc: Document, width: int = 120) -> Table:
    t = Table(show_header=True, header_style="bold", expand=True)
    t.add_column("check", no_wrap=True)
    t.add_column("verdict", no_wrap=True)
    t.add_column("explanation", ratio=5)
    for g in sorted(doc.groups.get("consistency", []), key=lambda g: g.label != "inconsistent"):
        t.add_row(SafeText(g.kind), SafeText(g.label, style="bold red" if g.label == "inconsistent" else "green"),
                  SafeText(str(g.attrs.get("explanation", ""))))
    return t


def _section_language(doc: Document, width: int = 120) -> SafeText:
    counts = Counter(s.label for s in doc.spans("language") if not s.attrs.get("inherited"))
    text = SafeText(f"Document: {doc.metadata.get('language', 'und')}  ·  paragraphs: ")
    text.append(", ".join(f"{k} {v}" for k, v in counts.most_common()) or "none long enough to tell")
    return text


def _section_generic(doc: Document, layer: str, width: int = 120) -> Table:
    t = Table(show_header=True, header_style="bold", expand=True)
    t.add_column("label", ratio=1, overflow="fold")
    t.add_column("score", justify="right", no_wrap=True)
    t.add_column("evidence", ratio=3)
    for s in doc.spans(layer):
        t.add_row(SafeText(s.label), f"{s.score:.2f}", evidence(doc, s))
    return t


_SECTIONS: dict[str, Callable[..., object]] = {
    "provenance": _section_provenance,
    "outlets": _section_outlets,
    "mt_residue": _section_mt,
    "citations": _section_citations,
    "quotes": _section_quotes,
    "entities": _section_entities,
    "language": _section_language,
    "narratives": _section_narratives,
    "roles": _section_roles,
    "techniques": _section_techniques,
    "claims": _section_claims,
    "consistency": _section_consistency,
}


def render_terminal(doc: Document, console: Console | None = None) -> None:
    console = console or Console()
    console.print(_header(doc))
    summary = _summary(doc)
    if summary is not None:
        console.print(summary)
    width = console.width
    limits = doc.metadata.get("analysis_limits")
    if isinstance(limits, dict) and limits.get("reason"):
        console.print(SafeText(f"Analysed in part: {limits['reason']}.", style="bold yellow"))
    order = ["narratives", "roles", "techniques", "claims", "consistency", "provenance", "outlets", "language", "mt_residue", "citations", "quotes", "entities"]
    order += [name for name in doc.layers if name not in order and name not in _HIDDEN]
    for name in order:
        if not doc.layers.get(name) and not doc.groups.get(name):
            continue
        build = _SECTIONS.get(name) or (lambda d, width, n=name: _section_generic(d, n, width))
        body = build(doc, width=width)
        title = _TITLES.get(name, name.replace("_", " ").capitalize())
        count = len(doc.groups.get(name, [])) if name in ("narratives", "roles", "consistency", "outlets") else len(doc.layers.get(name, []))
        console.print(Panel(RichGroup(body), title=f"{title} ({count})", title_align="left", border_style="blue"))
