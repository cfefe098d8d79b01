"""A self-contained HTML report: one file, inline CSS and JS, no network loads.

``render_html(docs)`` returns the page as a string, ``write_html(docs, path)``
writes it. The page shows each document's text with its spans highlighted, a
legend with a toggle per layer (and per label), a side panel that explains any
clicked passage, and a findings list per layer that reads without any clicking.

How the text is rendered
    Offsets are Python ``str`` indices, so the text is cut into segments here,
    in Python, never in JavaScript (which counts UTF-16 units). Every start and
    end offset of every span is a boundary; each piece between two boundaries
    becomes one ``<span class="seg" data-spans="entities:3 quotes:1">`` that
    lists every span covering it, so overlapping and nested spans need no
    nesting in the markup. Zero-length spans become empty anchor elements.
    Concatenating the segments' text gives back ``doc.text`` exactly (carriage
    returns, NULs and lone surrogates are written as character references so the
    HTML parser keeps them).

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
import colorsys
import hashlib
import json
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Sequence

import jinja2
from markupsafe import Markup

from ..model import Document, Group, Span

__all__ = [
    "DEFAULT_HIDDEN",
    "LAYER_COLORS",
    "demo_document",
    "json_safe",
    "layer_color",
    "render_html",
    "segment_text",
    "write_html",
]

# Display order of the layers known today; any other layer follows, alphabetically.
KNOWN_LAYERS: tuple[str, ...] = (
    "structure",
    "language",
    "mt_residue",
    "provenance",
    "citations",
    "quotes",
    "entities",
    "claims",
    "narratives",
    "roles",
    "techniques",
    "framing",
    "sentences",
)

LAYER_COLORS: dict[str, str] = {
    "structure": "#64748b",
    "language": "#0f766e",
    "mt_residue": "#ea580c",
    "provenance": "#7c3aed",
    "citations": "#2563eb",
    "quotes": "#16a34a",
    "entities": "#d97706",
    "claims": "#0891b2",
    "narratives": "#e11d48",
    "roles": "#9333ea",
    "techniques": "#c026d3",
    "framing": "#4f46e5",
    "sentences": "#94a3b8",
}

# Hidden until the reader ticks them: "layer" hides a whole layer, "layer/label" one label.
DEFAULT_HIDDEN: tuple[str, ...] = ("structure/paragraph", "language", "sentences")

# Layers drawn as typography (bold title, muted boilerplate...) rather than colour.
SUBTLE_LAYERS = frozenset({"structure"})
STRUCTURE_STYLES = frozenset(
    {"title", "author", "byline", "heading", "paragraph", "disclaimer", "source_link", "boilerplate", "media_placeholder"}
)

# Metadata keys shown in the article header.
_URL_KEYS = ("url", "source_url", "canonical_url", "link", "source")
_DATE_KEYS = ("date", "published", "published_at", "date_published")
_AUTHOR_KEYS = ("author", "authors", "byline")

EVIDENCE_LIST_CHARS = 320  # evidence longer than this is shortened in the findings list (never in the panel)
META_VALUE_CHARS = 600
CONTEXT_CHARS = 32  # context shown around group mentions


# -- colours -----------------------------------------------------------------
def layer_color(name: str) -> str:
    """The layer's colour as ``#rrggbb``: from the palette, else derived from the name."""
    if name in LAYER_COLORS:
        return LAYER_COLORS[name]
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    sat = 0.55 + (digest[2] / 255) * 0.2
    light = 0.38 + (digest[3] / 255) * 0.1
    r, g, b = colorsys.hls_to_rgb(hue, light, sat)
    return "#{:02x}{:02x}{:02x}".format(round(r * 255), round(g * 255), round(b * 255))


def _rgb(hex_color: str) -> list[int]:
    return [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]


def _layer_sort_key(name: str) -> tuple[int, str]:
    """Known layers in their order, then unknown ones alphabetically, "sentences" last."""
    if name == "sentences":
        return (len(KNOWN_LAYERS) + 1, name)
    if name in KNOWN_LAYERS:
        return (KNOWN_LAYERS.index(name), name)
    return (len(KNOWN_LAYERS), name)


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


def json_safe(value: Any) -> Any:
    """A JSON-serialisable copy of ``value`` (metadata is not validated by the model): non-finite
    floats as text, objects with ``to_dict`` as their dict, anything else unknown as ``str``. The
    report's embedded data and the web UI's JSON answers both go through it."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if hasattr(value, "to_dict"):
        return json_safe(value.to_dict())
    return str(value)


def _display(value: Any, limit: int | None = None) -> str:
    """A value as one readable string: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(json_safe(value), ensure_ascii=False, allow_nan=False)
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"\u2026 ({len(text):,} chars)"
    return text


def _csp_hash(value: Any) -> str:
    digest = hashlib.sha256(str(value).encode("utf-8")).digest()
    return Markup("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")


def _format_score(score: Any) -> str:
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        return str(score)
    if not math.isfinite(score):
        return str(score)
    return f"{score:.2f}"


# -- segmentation -------------------------------------------------------------
def segment_text(length: int, spans: Iterable[tuple[Any, int, int]]) -> list[tuple[int, int, list[Any]]]:
    """Cut ``[0, length)`` at every span boundary.

    ``spans`` holds ``(key, start, end)``. Returns ``(start, end, keys)`` pieces in
    text order that tile the text exactly, each with the keys of every span
    covering it (in the order the spans were given). A zero-length span yields an
    empty piece ``(pos, pos, [key])`` placed before the text starting at ``pos``.
    """
    starts: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    ends: dict[int, list[Any]] = defaultdict(list)
    empties: dict[int, list[Any]] = defaultdict(list)
    bounds = {0, length}
    for order, (key, start, end) in enumerate(spans):
        if start == end:
            empties[start].append(key)
            bounds.add(start)
            continue
        starts[start].append((order, key))
        ends[end].append(order)
        bounds.add(start)
        bounds.add(end)
    ordered = sorted(bounds)
    active: dict[int, Any] = {}
    pieces: list[tuple[int, int, list[Any]]] = []
    for i, pos in enumerate(ordered):
        for order in ends.get(pos, ()):
            active.pop(order, None)
        for order, key in starts.get(pos, ()):
            active[order] = key
        if pos in empties:
            pieces.append((pos, pos, list(empties[pos])))
        if i + 1 < len(ordered):
            pieces.append((pos, ordered[i + 1], [active[o] for o in sorted(active)]))
    return pieces


# -- view model ---------------------------------------------------------------
_REF_UNSAFE = re.compile(r"[\s%]")


def _make_ref(span_id: str, layer: str, index: int, taken: set[str]) -> str:
    """A whitespace-free, per-document unique token for a span (its id when possible)."""
    ref = span_id or f"{layer}:{index}"
    ref = _REF_UNSAFE.sub(lambda m: "%{:02X}".format(ord(m.group())) if ord(m.group()) < 256 else "%u{:04X}".format(ord(m.group())), ref)
    if ref in taken:
        n = 2
        while f"{ref}#{n}" in taken:
            n += 1
        ref = f"{ref}#{n}"
    taken.add(ref)
    return ref


def _parse_hidden(hidden: Iterable[str]) -> tuple[set[str], set[tuple[str, str]]]:
    layers: set[str] = set()
    labels: set[tuple[str, str]] = set()
    for item in hidden:
        if "/" in item:
            layer, label = item.split("/", 1)
            labels.add((layer, label))
        else:
            layers.add(item)
    return layers, labels


def _first(metadata: dict[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        value = metadata.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _looks_like_url(value: Any) -> bool:
    return isinstance(value, str) and bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://|^www\.", value.strip()))


def _doc_view(doc: Document, index: int, layer_info: dict[str, dict[str, Any]], hidden: tuple[set[str], set[tuple[str, str]]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Everything the template and the script need for one document."""
    text = doc.text
    n = len(text)
    hidden_layers, hidden_labels = hidden

    # spans, clamped to the text (layers can be edited by hand), in display order
    spans: list[dict[str, Any]] = []
    taken: set[str] = set()
    id_to_idx: dict[str, int] = {}
    layer_names = sorted(doc.layers, key=_layer_sort_key)
    for layer in layer_names:
        for i, span in enumerate(doc.layers[layer]):
            start = max(0, min(int(span.start), n))
            end = max(start, min(int(span.end), n))
            ref = _make_ref(str(span.id or ""), layer, i, taken)
            idx = len(spans)
            if span.id and span.id not in id_to_idx:
                id_to_idx[span.id] = idx
            spans.append(
                {
                    "ref": ref,
                    "id": str(span.id or ""),
                    "layer": layer,
                    "label": str(span.label),
                    "score": span.score,
                    "source": str(span.source or ""),
                    "start": start,
                    "end": end,
                    "text": text[start:end],
                    "attrs": json_safe(span.attrs or {}),
                    "groups": [],
                }
            )

    # groups: resolve span ids; remember which groups each span belongs to
    groups: list[dict[str, Any]] = []
    for name in sorted(doc.groups, key=_layer_sort_key):
        for group in doc.groups[name]:
            members = []
            missing = 0
            for sid in group.span_ids:
                idx = id_to_idx.get(sid)
                if idx is None:
                    missing += 1
                elif idx not in members:
                    members.append(idx)
            gi = len(groups)
            for idx in members:
                spans[idx]["groups"].append(gi)
            groups.append(
                {
                    "name": str(name),
                    "id": str(group.id),
                    "label": str(group.label),
                    "kind": str(group.kind or ""),
                    "score": group.score,
                    "source": str(group.source or ""),
                    "attrs": json_safe(group.attrs or {}),
                    "members": members,
                    "missing": missing,
                }
            )
    # context around group mentions, so the panel can list them readably
    for s in spans:
        if s["groups"]:
            s["before"] = text[max(0, s["start"] - CONTEXT_CHARS) : s["start"]]
            s["after"] = text[s["end"] : s["end"] + CONTEXT_CHARS]

    # segments
    order_key = {name: k for k, name in enumerate(layer_names)}
    pieces = segment_text(n, ((k, s["start"], s["end"]) for k, s in enumerate(spans)))
    segments = []
    for start, end, keys in pieces:
        keys = sorted(keys, key=lambda k: (order_key[spans[k]["layer"]], spans[k]["start"], -spans[k]["end"], k))
        seg_layers = []
        static: list[str] = []
        for k in keys:
            s = spans[k]
            cls = layer_info[s["layer"]]["cls"]
            if cls not in seg_layers:
                seg_layers.append(cls)
            shown = s["layer"] not in hidden_layers and (s["layer"], s["label"]) not in hidden_labels
            if shown and s["layer"] in SUBTLE_LAYERS:
                st = "st-" + (s["label"] if s["label"] in STRUCTURE_STYLES else "other")
                if st not in static:
                    static.append(st)
            elif shown and "hl" not in static:
                static.append("hl")
        segments.append(
            {
                "text": text[start:end],
                "empty": start == end,
                "refs": " ".join(spans[k]["ref"] for k in keys),
                "classes": " ".join(seg_layers + static),
            }
        )

    # legend and findings, per layer
    layers_view = []
    for layer in layer_names:
        layer_spans = [s for s in spans if s["layer"] == layer]
        label_counts: dict[str, int] = {}
        for s in layer_spans:
            label_counts[s["label"]] = label_counts.get(s["label"], 0) + 1
        layer_hidden = layer in hidden_layers
        labels = [
            {"name": label, "count": count, "checked": (layer, label) not in hidden_labels}
            for label, count in label_counts.items()
        ]
        rows = []
        for s in layer_spans:
            ev = s["text"]
            short = ev if len(ev) <= EVIDENCE_LIST_CHARS else ev[:EVIDENCE_LIST_CHARS]
            rows.append(
                {
                    "ref": s["ref"],
                    "id": s["id"],
                    "label": s["label"],
                    "evidence": short,
                    "truncated": len(ev) - len(short),
                    "start": s["start"],
                    "end": s["end"],
                    "score": _format_score(s["score"]),
                    "source": s["source"],
                    "attrs": [(str(k), _display(v, 160)) for k, v in s["attrs"].items()] if isinstance(s["attrs"], dict) else [],
                }
            )
        visible_labels = [lab for lab in labels if lab["checked"]]
        layers_view.append(
            {
                "name": layer,
                "cls": layer_info[layer]["cls"],
                "count": len(layer_spans),
                "checked": not layer_hidden,
                "labels": labels,
                "rows": rows,
                "open": (not layer_hidden) and bool(visible_labels) and len(layer_spans) <= 400,
            }
        )

    groups_view = []
    for gi, g in enumerate(groups):
        groups_view.append(
            {
                "index": gi,
                "name": g["name"],
                "label": g["label"],
                "kind": g["kind"],
                "score": _format_score(g["score"]),
                "source": g["source"],
                "mentions": [
                    {"ref": spans[m]["ref"], "text": _display(spans[m]["text"], 80), "start": spans[m]["start"], "end": spans[m]["end"]}
                    for m in g["members"]
                ],
                "missing": g["missing"],
                "attrs": [(str(k), _display(v, 160)) for k, v in g["attrs"].items()] if isinstance(g["attrs"], dict) else [],
            }
        )

    md = doc.metadata or {}
    title = md.get("title")
    if not title:
        title_span = next((s for s in spans if s["layer"] == "structure" and s["label"] == "title" and s["text"].strip()), None)
        title = title_span["text"].strip() if title_span else None
    author = _first(md, _AUTHOR_KEYS)
    url = _first(md, _URL_KEYS)
    if url is not None and not _looks_like_url(url) and _first(md, _URL_KEYS[:-1]) is None:
        url = None  # "source" may be a publication name rather than a URL
    date = _first(md, _DATE_KEYS)
    meta_rows = [(str(k), _display(v, META_VALUE_CHARS)) for k, v in md.items()]

    view = {
        "summary": _summary(doc),
        "index": index,
        "id": doc.id,
        "title": _display(title, 300) if title else None,
        "author": _display(author, 300) if author else None,
        "url": _display(url, 500) if url else None,
        "date": _display(date, 100) if date else None,
        "meta": meta_rows,
        # a text past the analysis bounds was analysed only in part: the report says so up front
        "limits": _display(md["analysis_limits"].get("reason", ""), 400) if isinstance(md.get("analysis_limits"), dict) else None,
        "chars": n,
        "n_spans": len(spans),
        "n_groups": len(groups),
        "segments": segments,
        "layers": layers_view,
        "groups": groups_view,
    }
    data = {"id": doc.id, "chars": n, "spans": spans, "groups": groups}
    return view, data


def _summary(doc: Document) -> dict[str, Any]:
    """The headline findings: narratives with their explanation, and the salient entities' roles."""
    narratives = [
        {"label": _display(("candidate, overruled: " if g.kind == "candidate" else "") + g.label, 300), "kind": g.kind, "score": _format_score(g.score),
         "explanation": _display(g.attrs.get("explanation", ""), 800)}
        for g in doc.groups.get("narratives", [])
    ]
    roles = []
    for g in sorted(doc.groups.get("roles", []), key=lambda g: -int(g.attrs.get("mentions", 0) or 0)):
        if not g.attrs.get("salient"):
            continue
        fines = ", ".join(str(f.get("label", "")) for f in g.attrs.get("fine_roles", []) if isinstance(f, dict))
        roles.append({"entity": _display(g.attrs.get("entity", ""), 120), "role": _display(g.label, 40),
                      "fine": _display(fines, 200), "score": _format_score(g.score), "mentions": g.attrs.get("mentions", 0)})
    techniques = [
        {"label": _display(g.attrs.get("short_name") or g.label, 80), "count": g.attrs.get("count", len(g.span_ids)),
         "category": _display(g.attrs.get("category", ""), 60), "description": _display(g.attrs.get("description", ""), 300)}
        for g in doc.groups.get("techniques", [])
    ]
    claims = [
        {"text": _display(doc.text[s.start:s.end], 300), "score": _format_score(s.score),
         "reason": _display(s.attrs.get("reason", ""), 300), "claimant": _display(s.attrs.get("claimant", ""), 120)}
        for s in sorted(doc.spans("claims"), key=lambda s: -s.score)[:8]
    ]
    consistency = [
        {"rule": _display(g.kind, 40), "explanation": _display(g.attrs.get("explanation", ""), 600)}
        for g in doc.groups.get("consistency", []) if g.label == "inconsistent"
    ]
    return {"narratives": narratives, "roles": roles[:12], "techniques": techniques, "claims": claims,
            "consistency": consistency, "any": bool(narratives or roles or techniques or claims or consistency)}


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
    whose highlights start switched off; default ``DEFAULT_HIDDEN``.
    """
    if isinstance(docs, Document):
        docs = [docs]
    docs = list(docs)
    hidden_sets = _parse_hidden(DEFAULT_HIDDEN if hidden is None else hidden)

    all_layers = sorted({name for d in docs for name in d.layers}, key=_layer_sort_key)
    layer_info: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(all_layers):
        color = layer_color(name)
        layer_info[name] = {"cls": f"L{i}", "color": color, "rgb": _rgb(color), "subtle": name in SUBTLE_LAYERS}

    views = []
    data_docs = []
    for i, doc in enumerate(docs):
        view, data = _doc_view(doc, i, layer_info, hidden_sets)
        views.append(view)
        data_docs.append(data)

    if title is None:
        if len(views) == 1:
            title = f"{views[0]['title'] or 'Untitled article'} \u2014 narrascope report"
        else:
            title = f"narrascope report \u2014 {len(views)} articles"

    payload = {
        "layers": {name: {"cls": info["cls"], "color": info["color"], "rgb": info["rgb"], "subtle": info["subtle"]} for name, info in layer_info.items()},
        "layerOrder": all_layers,
        "structureStyles": sorted(STRUCTURE_STYLES),
        "docs": data_docs,
    }
    template = _environment().get_template("report.html.j2")
    html = template.render(
        title=title,
        docs=views,
        layers=[{"name": name, **info} for name, info in layer_info.items()],
        payload=payload,
        version=_version(),
        static_hidden=sorted(hidden_sets[0]),
    )
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
