"""The HTML report without a browser: structure, escaping, segments, self-containment."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from narrascope.model import Document, Group, Span
from narrascope.render.html import demo_document, render_html, write_html
from narrascope.render.html_view import DEFAULT_HIDDEN, layer_color, segment_text

HOSTILE_SCRIPT = "<script>window.__pwned=1</script>"
HOSTILE_IMG = "<img src=x onerror=\"window.__pwned=2;alert(1)\">"
HOSTILE = HOSTILE_SCRIPT + " " + HOSTILE_IMG


# -- documents ------------------------------------------------------------------
def overlapping_doc() -> Document:
    """Nested and crossing spans over several layers, astral characters, CRLF and a group."""
    text = (
        "Breaking: Kazakhstan 🇰🇿 cuts ties.\r\n\r\n"
        "“Kazakhstan will never bow,” said Minister Āsel Nurova in Astana.\n"
        "Ещё раз: Kazakhstan\u2028end 👍🏽 e\u0301 ok."
    )
    doc = Document(text, metadata={"title": "Overlap test", "author": "Tester", "url": "https://example.org/a"})
    k = [m.start() for m in re.finditer("Kazakhstan", text)]
    e1 = doc.add_span("entities", k[0], k[0] + 10, "GPE", score=0.91, source="entities")
    e2 = doc.add_span("entities", k[1], k[1] + 10, "GPE", source="entities")
    e3 = doc.add_span("entities", k[2], k[2] + 10, "GPE", source="entities")
    q0 = text.index("“")
    q1 = text.index("”") + 1
    doc.add_span("quotes", q0, q1, "quote", source="quotes", attrs={"speaker": "Āsel Nurova"})
    sp = text.index("Minister")
    doc.add_span("quotes", sp, text.index(" in Astana"), "speaker", source="quotes")
    doc.add_span("entities", text.index("Āsel"), text.index(" in Astana"), "PERSON", source="entities")
    # a citation span crossing the quote's end (neither contains the other)
    doc.add_span("citations", text.index("bow"), text.index("Minister") + 8, "cited_source", score=0.5, source="citations")
    # nested span exactly equal to another one
    doc.add_span("narratives", k[1], k[1] + 10, "sovereignty", score=0.42, source="narratives", attrs={"frame": {"a": [1, 2]}})
    # zero-length span
    doc.add_span("techniques", text.index("cuts"), text.index("cuts"), "marker", source="techniques")
    # spans over astral characters and combining marks
    flag = text.index("🇰🇿")
    doc.add_span("mt_residue", flag, flag + 2, "emoji", source="mt_residue")
    thumb = text.index("👍🏽")
    doc.add_span("mt_residue", thumb, thumb + 2, "emoji", source="mt_residue")
    doc.add_span("mt_residue", text.index("Ещё"), text.index("Ещё") + 3, "foreign_script", source="mt_residue")
    doc.add_span("structure", 0, text.index("\r\n"), "title", source="structure")
    para2 = text.index("“")
    doc.add_span("structure", para2, len(text), "paragraph", source="structure")
    doc.add_span("language", 0, len(text), "en", score=0.8, source="language")
    for m in re.finditer(r"[^.\n]+\.?", text):
        doc.add_span("sentences", m.start(), m.end(), "sentence", source="segmentation")
    doc.add_group("entities", Group("ent:kz", "Kazakhstan", "GPE", [e1.id, e2.id, e3.id, "entities:999"], source="entities"))
    return doc


def hostile_doc() -> Document:
    text = f"Intro {HOSTILE_SCRIPT} middle {HOSTILE_IMG} & </div></span> \"quoted\" 'single' end <!-- c --> ]]>"
    doc = Document(
        text,
        metadata={
            "title": f"Title {HOSTILE}",
            "author": f"Author {HOSTILE}",
            "url": f"javascript:alert(1)//{HOSTILE}",
            HOSTILE: HOSTILE,
            "nested": {"x": [HOSTILE, 1.5, None]},
        },
    )
    s1 = doc.add_span("entities", text.index("<script>"), text.index("</script>") + 9, f"LBL{HOSTILE}", source=f"src{HOSTILE}", attrs={HOSTILE: HOSTILE, "list": [HOSTILE]})
    s2 = doc.add_span(f"lay{HOSTILE}", text.index("<img"), text.index("\">") + 2, "img", source="x", attrs={"k": HOSTILE})
    doc.add_span("quotes", text.index("\"quoted\""), text.index("\"quoted\"") + 8, "quote")
    doc.add_group("entities", Group(f"g{HOSTILE}", f"G{HOSTILE}", f"K{HOSTILE}", [s1.id, s2.id], attrs={"h": HOSTILE}))
    return doc


# -- parsing helpers ------------------------------------------------------------
class ReportParser(HTMLParser):
    """Collects tags, scripts and, per article container, the segments in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []
        self.texts: dict[str, list[tuple[str | None, str]]] = {}  # container id -> [(data-spans, text)]
        self._container: str | None = None
        self._depth = 0
        self._seg_stack: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "script":
            self._script = a
            self._script_text = []
        if self._container is not None:
            self._depth += 1
            if tag == "span":
                assert "seg" in (a.get("class") or "").split(), "only segments inside the article text"
                assert not self._seg_stack, "segments never nest"
                self._seg_stack.append(a.get("data-spans"))
                self.texts[self._container].append((a.get("data-spans"), ""))
        elif tag == "div" and "text" in (a.get("class") or "").split():
            self._container = a["id"]
            self._depth = 0
            self.texts[self._container] = []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None
        if self._container is not None:
            if self._depth == 0:
                self._container = None
            else:
                self._depth -= 1
                if tag == "span":
                    self._seg_stack.pop()

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)
        if self._container is not None:
            assert self._seg_stack, f"text outside a segment: {data!r}"
            refs, old = self.texts[self._container][-1]
            self.texts[self._container][-1] = (refs, old + data)


def parse(html: str) -> ReportParser:
    p = ReportParser()
    p.feed(html)
    p.close()
    return p


def payload(parser: ReportParser) -> dict:
    (raw,) = [text for attrs, text in parser.scripts if attrs.get("type") == "application/json"]
    return json.loads(raw)


# -- tests ----------------------------------------------------------------------
def test_segment_text_overlaps_and_nesting():
    spans = [("a", 0, 10), ("b", 5, 15), ("c", 5, 8), ("z", 8, 8), ("d", 20, 20)]
    pieces = segment_text(20, spans)
    assert pieces == [
        (0, 5, ["a"]),
        (5, 8, ["a", "b", "c"]),
        (8, 8, ["z"]),
        (8, 10, ["a", "b"]),
        (10, 15, ["b"]),
        (15, 20, []),
        (20, 20, ["d"]),
    ]
    assert segment_text(0, []) == []


def test_segments_concatenate_to_original_text_and_list_covering_spans():
    doc = overlapping_doc()
    html = render_html([doc])
    p = parse(html)
    segs = p.texts["text-0"]
    assert "".join(t for _, t in segs) == doc.text
    # every segment lists exactly the spans covering it
    data = payload(p)["docs"][0]
    by_ref = {s["ref"]: s for s in data["spans"]}
    pos = 0
    for refs, seg_text in segs:
        listed = set((refs or "").split())
        end = pos + len(seg_text)
        if seg_text:
            expected = {s["ref"] for s in data["spans"] if s["start"] <= pos and s["end"] >= end and s["start"] < s["end"]}
        else:
            expected = {s["ref"] for s in data["spans"] if s["start"] == s["end"] == pos}
        assert listed == expected, (pos, seg_text)
        for ref in listed:
            assert doc.text[by_ref[ref]["start"] : by_ref[ref]["end"]] == by_ref[ref]["text"]
        pos = end
    # overlap classes: a segment under an entity inside the quote carries both layers' classes
    layers = payload(p)["layers"]
    kz_in_quote = next(refs for refs, t in segs if t == "Kazakhstan" and refs and "quotes:0" in refs.split())
    assert "entities:1" in kz_in_quote.split() and "narratives:0" in kz_in_quote.split()
    assert re.search(
        r'class="seg [^"]*\b%s\b[^"]*\b%s\b[^"]*" data-spans="[^"]*quotes:0' % (layers["quotes"]["cls"], layers["entities"]["cls"]),
        html,
    )


def test_every_span_id_appears():
    doc = overlapping_doc()
    html = render_html([doc])
    p = parse(html)
    listed = set()
    for refs, _ in p.texts["text-0"]:
        listed.update((refs or "").split())
    data = payload(p)["docs"][0]
    for _, span in doc.iter_spans():
        assert span.id in listed, span.id
        assert f'data-ref="{span.id}"' in html  # its row in the findings list
        assert any(s["id"] == span.id for s in data["spans"])


def test_groups_resolve_to_spans():
    doc = overlapping_doc()
    data = payload(parse(render_html([doc])))["docs"][0]
    (group,) = data["groups"]
    assert group["label"] == "Kazakhstan" and group["missing"] == 1
    members = [data["spans"][i] for i in group["members"]]
    assert [m["id"] for m in members] == ["entities:0", "entities:1", "entities:2"]
    assert all(m["text"] == "Kazakhstan" for m in members)
    assert all(data["spans"][i]["groups"] == [0] for i in group["members"])
    assert "before" in members[1] and "after" in members[1]


def test_hostile_text_is_escaped_and_runs_nothing():
    doc = hostile_doc()
    html = render_html([doc, overlapping_doc()])
    p = parse(html)
    scripts = [attrs for tag, attrs in p.tags if tag == "script"]
    assert len(scripts) == 2, scripts
    assert scripts[0] == {"type": "application/json", "id": "ns-data"}
    assert scripts[1] == {}
    assert len(re.findall(r"<script", html, flags=re.I)) == 2
    assert len(re.findall(r"</script", html, flags=re.I)) == 2
    # no injected element or handler anywhere
    assert not [t for t, _ in p.tags if t in ("img", "iframe", "object", "embed", "link", "base", "form")]
    for tag, attrs in p.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name == "href" and tag == "a" and re.fullmatch(r"#d\d+-[a-z_]+", value or ""):
                continue  # the summary's links to the report's own sections
            if name in ("href", "src", "action", "formaction"):
                pytest.fail(f"unexpected {name}={value!r} on <{tag}>")
    # the hostile strings are there as text
    escaped = "&lt;script&gt;window.__pwned=1&lt;/script&gt;"
    assert escaped in html
    assert "&lt;img src=x onerror=" in html
    assert "".join(t for _, t in p.texts["text-0"]) == doc.text
    title = re.search(r"<h1 class=\"doc-title\">(.*?)</h1>", html).group(1)
    assert title == "Title " + escaped + " &lt;img src=x onerror=&#34;window.__pwned=2;alert(1)&#34;&gt;"
    assert f'<span class="author">Author {escaped}' in html
    assert "javascript:alert(1)" in html and 'href="javascript' not in html
    # the JSON block has no raw markup characters and round-trips the hostile values
    (raw,) = [text for attrs, text in p.scripts if attrs.get("type") == "application/json"]
    assert not set(raw) & set("<>&\u2028\u2029")
    data = json.loads(raw)
    spans = data["docs"][0]["spans"]
    ent = next(s for s in spans if s["layer"] == "entities")
    assert ent["label"] == f"LBL{HOSTILE}" and ent["attrs"][HOSTILE] == HOSTILE and ent["text"] == HOSTILE_SCRIPT
    assert f"lay{HOSTILE}" in data["layers"]
    assert data["docs"][0]["groups"][0]["label"] == f"G{HOSTILE}"


def test_json_escapes_line_separators_and_surrogates():
    text = "a\u2028b\u2029c </script><!-- \ud800 d"
    doc = Document(text)
    doc.add_span("claims", 0, len(text), "x", attrs={"v": "</script>\u2028"})
    html = render_html([doc])
    p = parse(html)
    (raw,) = [t for a, t in p.scripts if a.get("type") == "application/json"]
    assert "\\u2028" in raw and "\\u2029" in raw and "\\u003c/script\\u003e" in raw and "\\ud800" in raw
    assert json.loads(raw)["docs"][0]["spans"][0]["attrs"]["v"] == "</script>\u2028"
    html.encode("utf-8")  # no lone surrogate left in the page itself
    assert "&#xD800;" in html


def test_lone_surrogates_anywhere_still_encode():
    doc = Document("x\udc80y", metadata={"title": "t\ud800", "k\udfff": "v\ud801"})
    doc.add_span("lay\ud800", 0, 2, "lab\udc00", source="s\ud800", attrs={"a\ud800": "b\udc00"})
    doc.add_group("g\ud800", Group("id\ud800", "G\ud800", "k", [doc.spans("lay\ud800")[0].id]))
    html = render_html([doc])
    html.encode("utf-8")
    p = parse(html)
    assert "".join(t for _, t in p.texts["text-0"]) == "x\ufffdy"  # what an HTML parser makes of it
    assert payload(p)["docs"][0]["spans"][0]["label"] == "lab\udc00"  # exact in the JSON


def test_self_contained_and_strict_csp():
    doc = overlapping_doc()
    doc.metadata["image"] = "https://cdn.example.com/x.png"
    html = render_html([doc])
    assert not re.search(r"""\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", html, flags=re.I)
    # no links or assets at all, but the summary's links to the report's own sections
    assert not re.search(r"(?:src|href)\s*=(?!\"#d\d+-[a-z_]+\")", html, flags=re.I)
    assert "<link" not in html.lower() and "@import" not in html and "url(" not in html
    assert "https://cdn.example.com/x.png" in html  # as text, in the metadata table
    p = parse(html)
    metas = [a for t, a in p.tags if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(metas) == 1
    csp = metas[0]["content"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    for d in ("img-src", "font-src", "connect-src", "object-src", "base-uri", "form-action", "frame-src"):
        assert directives[d] == "'none'", d
    # exactly the report's own script and stylesheet are allowed, by hash
    (js,) = [t for a, t in p.scripts if not a]
    style = re.search(r"<style>(.*?)</style>", html, flags=re.S).group(1)

    def sha(s: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"

    assert directives["script-src"] == sha(js)
    assert directives["style-src"] == sha(style)
    assert "unsafe" not in csp
    # the script only writes text: no innerHTML/outerHTML/insertAdjacentHTML/document.write/eval
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute(\"style"):
        assert sink not in js, sink
    assert 'style="' not in html  # inline style attributes would need 'unsafe-inline'


def test_any_layer_name_renders_with_a_colour():
    doc = Document("one two three four")
    doc.add_span("narratives", 0, 3, "western_decline")
    doc.add_span("techniques", 4, 7, "loaded_language")
    doc.add_span("claims", 8, 13, "claim")
    doc.add_span("brand new layer", 14, 18, "thing")
    html = render_html([doc])
    data = payload(parse(html))
    assert set(data["layers"]) == {"narratives", "techniques", "claims", "brand new layer"}
    colours = {name: info["color"] for name, info in data["layers"].items()}
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours.values())
    assert layer_color("brand new layer") == layer_color("brand new layer") == colours["brand new layer"]
    assert layer_color("narratives") != layer_color("techniques")
    assert 'data-layer="brand new layer"' in html
    # a span id with a space still gets a single whitespace-free token in data-spans
    assert data["docs"][0]["spans"][3]["ref"] == "brand%20new%20layer:0"
    assert 'data-spans="brand%20new%20layer:0"' in html


def test_default_hidden_layers_and_labels():
    doc = overlapping_doc()
    html = render_html([doc])
    assert DEFAULT_HIDDEN == ("structure/paragraph", "language", "sentences")
    p = parse(html)
    boxes = {(a.get("data-layer"), a.get("data-label")): "checked" in a for t, a in p.tags if t == "input"}
    assert boxes[("language", None)] is False
    assert boxes[("sentences", None)] is False
    assert boxes[("structure", None)] is True
    assert boxes[("structure", "paragraph")] is False
    assert boxes[("structure", "title")] is True
    assert boxes[("entities", None)] is True and boxes[("entities", "PERSON")] is True
    # quotes has two labels -> per-label toggles; citations one label -> none
    assert ("quotes", "speaker") in boxes and not any(k[0] == "citations" and k[1] for k in boxes)
    # the structure title is styled, paragraphs and sentences are not highlighted
    segs = parse(html).texts["text-0"]
    first = next(refs for refs, t in segs if t.startswith("Breaking"))
    assert first is not None
    assert re.search(r'class="seg [^"]*st-title[^"]*" data-spans="[^"]*structure:0', html)
    assert "st-paragraph" not in html.split("<body>", 1)[1].split("<script")[0]
    everything_hidden = render_html([doc], hidden=["entities", "quotes", "citations", "narratives", "techniques", "mt_residue", "structure", "language", "sentences"])
    body = everything_hidden.split('<div class="text"', 1)[1].split("</div>", 1)[0]
    assert " hl" not in body


def test_several_documents_and_write_html(tmp_path):
    docs = [overlapping_doc(), hostile_doc(), demo_document(), Document("plain text, no layers")]
    out = write_html(docs, tmp_path / "report.html")
    html = out.read_text(encoding="utf-8")
    p = parse(html)
    tabs = [a for t, a in p.tags if t == "button" and "doc-tab" in (a.get("class") or "")]
    assert [a["data-doc"] for a in tabs] == ["0", "1", "2", "3"]
    for i, doc in enumerate(docs):
        assert "".join(t for _, t in p.texts[f"text-{i}"]) == doc.text
    assert len(payload(p)["docs"]) == 4
    assert "<title>narrascope report \u2014 4 articles</title>" in html
    assert render_html(docs[0], title="Custom <b>").count("<title>Custom &lt;b&gt;</title>") == 1


def test_empty_inputs():
    html = render_html([])
    assert "No documents to show." in html
    empty = render_html([Document("")])
    assert parse(empty).texts["text-0"] == []
    doc = Document("abc")
    doc.layers["entities"] = [Span(1, 99, "X", id="entities:0"), Span(2, 1, "Y", id="entities:1")]  # out of range, by hand
    p = parse(render_html([doc]))
    assert "".join(t for _, t in p.texts["text-0"]) == "abc"


def test_demo_document_is_valid():
    doc = demo_document()
    assert Document.from_json(doc.to_json()) == doc
    assert {"structure", "language", "mt_residue", "provenance", "citations", "quotes", "entities", "sentences"} <= set(doc.layers)
    kz = next(g for g in doc.groups["entities"] if g.label == "Kazakhstan")
    assert [doc.span_text(doc.span_by_id(i)) for i in kz.span_ids] == ["Kazakhstan"] * 3
