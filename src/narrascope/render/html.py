"""A self-contained HTML report: one file, inline CSS and JS, no network loads.

``render_html(docs)`` returns the page as a string, ``write_html(docs, path)``
writes it. The page opens each document with a summary paragraph (``render.summary``)
whose sentences link to the boxes holding their evidence, then shows the text with
its spans highlighted, a legend with a toggle per layer (and per label), a side panel
that explains any clicked passage, and a findings list per layer, folded until opened.
What the page shows is built by ``render.html_view`` (the text cut into segments,
the layers, findings and groups as plain dicts); this module escapes it and fills
the Jinja2 template. ``demo_document()`` is a hand-annotated sample for previews and tests.

Escaping the text
    Concatenating the segments' text gives back ``doc.text`` exactly: carriage
    returns, NULs and lone surrogates are written as character references so the
    HTML parser keeps them.

Security
    Document text, metadata, labels and attrs are treated as hostile. The
    template is rendered with autoescaping; the data the script needs is
    embedded as JSON in ``<script type="application/json">`` with ``<``, ``>``,
    ``&``, U+2028 and U+2029 escaped; the script reads it with ``JSON.parse``
    and writes to the page with ``textContent``/``createElement`` only. A
    Content-Security-Policy meta tag allows only the report's own inline script
    and stylesheet (by SHA-256 hash) and forbids every network load. Source URLs
    are shown as text, never as links.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Sequence

import jinja2
from markupsafe import Markup

from ..model import Document, Group
from .html_view import json_safe, report_view

__all__ = [
    "demo_document",
    "escape_text",
    "json_for_script",
    "render_html",
    "write_html",
]


# -- escaping ----------------------------------------------------------------
_TEXT_SPECIAL = re.compile("[&<>\"'\r\x00\ud800-\udfff]")
_TEXT_REPL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;", "\r": "&#13;"}


def escape_text(value: Any) -> Markup:
    """HTML-escape text so that the parsed DOM gives back exactly the same characters.

    Besides the usual five, carriage returns (which the parser would fold into
    line feeds) and NULs/lone surrogates (which cannot be written as UTF-8) become
    numeric character references.
    """
    text = str(value)
    return Markup(_TEXT_SPECIAL.sub(lambda m: _TEXT_REPL.get(m.group()) or f"&#x{ord(m.group()):X};", text))


_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_SPECIAL = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def json_for_script(value: Any) -> Markup:
    """JSON safe to place inside ``<script type="application/json">``."""
    raw = json.dumps(json_safe(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(_JSON_SPECIAL.sub(lambda m: _JSON_ESCAPES.get(m.group()) or f"\\u{ord(m.group()):04x}", raw))


def _csp_hash(value: Any) -> str:
    digest = hashlib.sha256(str(value).encode("utf-8")).digest()
    return Markup("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")


# -- rendering ----------------------------------------------------------------
_env: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    global _env
    if _env is None:
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("narrascope.render", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["text"] = escape_text
        env.filters["tojson_script"] = json_for_script
        env.filters["csp_hash"] = _csp_hash
        env.filters["num"] = lambda v: f"{v:,}"
        _env = env
    return _env


def _version() -> str:
    try:
        from .. import __version__

        return __version__
    except Exception:  # pragma: no cover - partial installs
        return ""


def render_html(docs: Document | Sequence[Document], *, title: str | None = None, hidden: Iterable[str] | None = None) -> str:
    """Render one self-contained HTML page for ``docs``.

    ``title`` is the page title (default: the article's title, or a count).
    ``hidden`` lists layers ("language") or layer/label pairs ("structure/paragraph")
    whose highlights start switched off; default ``DEFAULT_HIDDEN`` (``render.html_view``).
    """
    if isinstance(docs, Document):
        docs = [docs]
    view = report_view(list(docs), hidden)

    if title is None:
        views = view["docs"]
        if len(views) == 1:
            title = f"{views[0]['title'] or 'Untitled article'} \u2014 narrascope report"
        else:
            title = f"narrascope report \u2014 {len(views)} articles"

    template = _environment().get_template("report.html.j2")
    html = template.render(title=title, version=_version(), **view)
    # Lone surrogates (allowed in Document text and labels) cannot be written as UTF-8;
    # as character references they decode to U+FFFD in text and attribute values alike.
    # The JSON block has already escaped its own, and the hashed CSS/JS contain none.
    return _SURROGATE.sub(lambda m: f"&#x{ord(m.group()):X};", html)


def write_html(docs: Document | Sequence[Document], path: str | Path, *, title: str | None = None, hidden: Iterable[str] | None = None) -> Path:
    """Write the report for ``docs`` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_html(docs, title=title, hidden=hidden), encoding="utf-8")
    return path


# -- a sample for previews and tests -------------------------------------------
_DEMO_TEXT = """\
Western Media Silent as Kazakhstan Turns Its Back on Washington

By Ivan Petrov | 14 March 2024

Kazakhstan has quietly ended its cooperation with American laboratories, according to sources cited by the Kazakh portal Orda.kz. The decision, officials say, came after "years of pressure and broken promises" from Washington.

\u201cWe will no longer allow foreign biolabs on our soil,\u201d said Marat Akhmetov, a spokesman for the Ministry of Health in Astana. Analysts in Moscow called the move a turning point for the whole region.

According to TASS, the United States spent more than $200 million on the the laboratories since 2005. The \u0432\u0430\u0448\u0438\u043d\u0433\u0442\u043e\u043d\u0441\u043a\u0438\u0439 project was never discussed in public, the agency added.

Kazakhstan's president has not commented. Neither has the U.S. embassy.

Source: https://www.example-news.ru/world/kz-labs-2024
The views expressed in this article are the author's own and do not necessarily reflect those of the editorial board.
"""


def demo_document() -> Document:
    """A small hand-annotated article exercising every layer known today (for previews)."""
    text = _DEMO_TEXT
    doc = Document(
        text,
        metadata={
            "title": "Western Media Silent as Kazakhstan Turns Its Back on Washington",
            "author": "Ivan Petrov",
            "url": "https://www.example-news.ru/world/kz-labs-2024",
            "date": "2024-03-14",
            "site_name": "Example News",
            "language": "en",
            "reader": "demo",
        },
    )

    def find(needle: str, nth: int = 0) -> tuple[int, int]:
        """Offsets of the nth whole-word occurrence of ``needle``."""
        pattern = r"(?<!\w)" + re.escape(needle) + r"(?!\w)"
        match = list(re.finditer(pattern, text))[nth]
        return match.start(), match.end()

    # structure: title, author, paragraphs, source link, disclaimer
    doc.add_span("structure", *find("Western Media Silent as Kazakhstan Turns Its Back on Washington"), "title", source="structure")
    doc.add_span("structure", *find("By Ivan Petrov | 14 March 2024"), "author", source="structure")
    paragraphs = [p for p in re.finditer(r"[^\n]+", text)]
    body = paragraphs[2:6]
    for m in body:
        doc.add_span("structure", m.start(), m.end(), "paragraph", source="structure")
    doc.add_span("structure", *find("Source: https://www.example-news.ru/world/kz-labs-2024"), "source_link", source="structure")
    disclaimer = (text.index("The views expressed"), text.index("board.") + len("board."))
    doc.add_span("structure", *disclaimer, "disclaimer", source="structure")
    for m in body:
        doc.add_span("language", m.start(), m.end(), "en", score=0.97, source="language", attrs={"iso": "en"})
    # machine-translation residue
    doc.add_span("mt_residue", *find("the the"), "doubled_word", score=0.9, source="mt_residue", attrs={"word": "the"})
    doc.add_span("mt_residue", *find("\u0432\u0430\u0448\u0438\u043d\u0433\u0442\u043e\u043d\u0441\u043a\u0438\u0439"), "foreign_script", score=0.85, source="mt_residue", attrs={"script": "Cyrillic"})
    # provenance
    doc.add_span("provenance", *find("https://www.example-news.ru/world/kz-labs-2024", 0), "url", source="provenance", attrs={"domain": "example-news.ru"})
    doc.add_span("provenance", *find("The views expressed in this article are the author's own"), "disclaimer", score=0.8, source="provenance")
    # citations
    s_orda = doc.add_span("citations", *find("according to sources cited by the Kazakh portal Orda.kz"), "cited_source", score=0.7, source="citations", attrs={"source": "Orda.kz", "vague": True})
    s_tass = doc.add_span("citations", *find("According to TASS"), "cited_source", score=0.95, source="citations", attrs={"source": "TASS", "state_media": True})
    s_agency = doc.add_span("citations", *find("the agency added"), "cited_source", score=0.6, source="citations", attrs={"source": "TASS", "anaphoric": True})
    doc.add_group("cited_sources", Group("src:tass", "TASS", "cited_source", [s_tass.id, s_agency.id], source="citations"))
    doc.add_group("cited_sources", Group("src:orda", "Orda.kz", "cited_source", [s_orda.id], source="citations"))
    # quotes
    doc.add_span("quotes", *find("\u201cWe will no longer allow foreign biolabs on our soil,\u201d"), "quote", source="quotes", attrs={"speaker": "Marat Akhmetov"})
    doc.add_span("quotes", *find("Marat Akhmetov, a spokesman for the Ministry of Health in Astana"), "speaker", score=0.9, source="quotes")
    doc.add_span("quotes", *find('"years of pressure and broken promises"'), "quote", score=0.8, source="quotes", attrs={"speaker": "officials (unnamed)"})
    # entities, with groups
    mentions: dict[str, list[str]] = defaultdict(list)
    ents = [
        ("Kazakhstan", "GPE", 0), ("Washington", "GPE", 0), ("Kazakhstan", "GPE", 1), ("Kazakh", "NORP", 0),
        ("Orda.kz", "ORG", 0), ("Washington", "GPE", 1), ("Marat Akhmetov", "PERSON", 0),
        ("the Ministry of Health", "ORG", 0), ("Astana", "GPE", 0), ("Moscow", "GPE", 0), ("TASS", "ORG", 0),
        ("the United States", "GPE", 0), ("Kazakhstan", "GPE", 2), ("U.S.", "GPE", 0), ("Ivan Petrov", "PERSON", 0),
    ]
    for needle, label, nth in ents:
        span = doc.add_span("entities", *find(needle, nth), label, score=0.9, source="entities")
        canonical = {"U.S.": "the United States", "Kazakh": "Kazakhstan"}.get(needle, needle)
        if needle != "Kazakh":
            mentions[canonical].append(span.id)
    doc.sort_layers()
    for name, ids in mentions.items():
        label = next(s.label for s in doc.layers["entities"] if s.id == ids[0])
        doc.add_group("entities", Group(f"ent:{name}", name, label, ids, source="entities", attrs={"mentions": len(ids)}))
    # sentences (hidden by default)
    for m in re.finditer(r"[^\n.!?]+(?:[.!?]+|$)", text, flags=re.M):
        if m.group().strip():
            lead = len(m.group()) - len(m.group().lstrip())
            doc.add_span("sentences", m.start() + lead, m.end(), "sentence", source="segmentation")
    return doc
