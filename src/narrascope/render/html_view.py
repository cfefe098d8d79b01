"""The HTML report's view model: analysed Documents to the plain, JSON-safe dicts that the template
shows and the page's script reads (``render.html`` renders them).

``report_view(docs)`` builds it: the layers in display order with their colours, and per document
its header, headline findings, text segments, findings per layer and groups.

How the text is cut
    Offsets are Python ``str`` indices, so the text is cut into segments here,
    in Python, never in JavaScript (which counts UTF-16 units). Every start and
    end offset of every span is a boundary; each piece between two boundaries
    becomes one ``<span class="seg" data-spans="entities:3 quotes:1">`` that
    lists every span covering it, so overlapping and nested spans need no
    nesting in the markup. Zero-length spans become empty anchor elements.
    Concatenating the segments' text gives back ``doc.text`` exactly.

Also here: ``json_safe``, the JSON-serialisable copy of metadata and attrs that the report's
embedded data and the web UI's JSON answers both go through.
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import math
import re
from collections import defaultdict
from typing import Any, Iterable, Sequence

from ..display_names import narrative_name, technique_name
from ..model import Document
from .outlets_view import outlets_view
from .summary import summarise
from .words import attr_words

__all__ = [
    "DEFAULT_HIDDEN",
    "LAYER_COLORS",
    "json_safe",
    "layer_color",
    "report_view",
    "segment_text",
]

# Display order of the layers known today; any other layer follows, alphabetically.
KNOWN_LAYERS: tuple[str, ...] = (
    "structure",
    "language",
    "mt_residue",
    "provenance",
    "outlets",
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
    "outlets": "#b91c1c",
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
LIST_VALUE_CHARS = 160  # an attribute's words in the findings list
PANEL_VALUE_CHARS = 600  # and in the side panel
OPEN_LAYER_ROWS = 12  # a layer with at most this many findings starts unfolded in the findings list


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


# -- values as text -----------------------------------------------------------
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


def _shown(layer: str, label: str) -> str:
    """A technique or narrative label as the reader sees it ("Loaded language"); the stored label stays in the
    data, the titles and the toggles (``display_names`` is shared with the web UI)."""
    if layer == "techniques":
        return technique_name(label)
    if layer == "narratives":
        return narrative_name(label)
    return label


def _display(value: Any, limit: int | None = None) -> str:
    """A value as one readable string: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(json_safe(value), ensure_ascii=False, allow_nan=False)
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"\u2026 ({len(text):,} chars)"
    return text


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
                    "shown": _shown(layer, str(span.label)),
                    "score": span.score,
                    "source": str(span.source or ""),
                    "start": start,
                    "end": end,
                    "text": text[start:end],
                    "attrs": json_safe(span.attrs or {}),
                    "words": attr_words(json_safe(span.attrs or {}), limit=PANEL_VALUE_CHARS),
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
                    "shown": _shown(str(name), str(group.label)),
                    "kind": str(group.kind or ""),
                    "score": group.score,
                    "source": str(group.source or ""),
                    "attrs": json_safe(group.attrs or {}),
                    "words": attr_words(json_safe(group.attrs or {}), limit=PANEL_VALUE_CHARS),
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
            {"name": label, "shown": _shown(layer, label), "count": count, "checked": (layer, label) not in hidden_labels}
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
                    "shown": s["shown"],
                    "evidence": short,
                    "truncated": len(ev) - len(short),
                    "start": s["start"],
                    "end": s["end"],
                    "score": _format_score(s["score"]),
                    "source": s["source"],
                    "attrs": attr_words(s["attrs"], limit=LIST_VALUE_CHARS),
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
                # the list sits inside the closed "Findings by layer"; once opened, only short layers unfold
                "open": (not layer_hidden) and bool(visible_labels) and len(layer_spans) <= OPEN_LAYER_ROWS,
            }
        )

    groups_view = []
    for gi, g in enumerate(groups):
        groups_view.append(
            {
                "index": gi,
                "name": g["name"],
                "label": g["label"],
                "shown": g["shown"],
                "kind": g["kind"],
                "score": _format_score(g["score"]),
                "source": g["source"],
                "mentions": [
                    {"ref": spans[m]["ref"], "text": _display(spans[m]["text"], 80), "start": spans[m]["start"], "end": spans[m]["end"]}
                    for m in g["members"]
                ],
                "missing": g["missing"],
                "attrs": attr_words(g["attrs"], limit=LIST_VALUE_CHARS),
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
    meta_rows = attr_words(json_safe(md), limit=META_VALUE_CHARS)

    view = {
        "summary": _summary(doc),
        "outlets": outlets_view(doc),  # the outlets box (templates/outlets.html.j2)
        # the opening paragraph (render.summary): each sentence links to its section, "d<index>-<anchor>"
        "statements": [st.to_dict() for st in summarise(doc)],
        "provenance": _provenance(doc),
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
        {"label": _display((g.attrs.get("candidate_note", "candidate") + ": " if g.kind == "candidate" else "") + narrative_name(g.label), 300),
         "stored": _display(g.label, 300), "kind": g.kind, "score": _format_score(g.score),
         "explanation": _display(g.attrs.get("explanation", ""), 800)}
        for g in doc.groups.get("narratives", [])
    ]
    roles = []
    # the findings first, then the roles too close to their prior to count, each by mentions
    for g in sorted(doc.groups.get("roles", []), key=lambda g: (g.attrs.get("uncertain") is True, -int(g.attrs.get("mentions", 0) or 0))):
        if not g.attrs.get("salient"):
            continue
        fines = ", ".join(str(f.get("label", "")) for f in g.attrs.get("fine_roles", []) if isinstance(f, dict))
        # a role whose score sits near its prior is no finding: shown neutral, as "uncertain"
        uncertain = g.attrs.get("uncertain") is True
        roles.append({"entity": _display(g.attrs.get("entity", ""), 120), "role": _display(g.label, 40),
                      "fine": _display(fines, 200), "score": _format_score(g.score), "mentions": g.attrs.get("mentions", 0),
                      "uncertain": uncertain, "prior": _format_score(g.attrs["prior"]) if "prior" in g.attrs else ""})
    # the entities the article names but does not frame (the roles analyzer says why): its byline author, ...
    not_cast = [{"entity": _display(g.label, 120), "reason": _display(g.attrs["not_cast"], 60),
                 "why": _display(g.attrs.get("not_cast_why", ""), 300)}
                for g in doc.groups.get("entities", []) if g.attrs.get("not_cast")]
    techniques = [
        {"label": _display(technique_name(g.label), 80), "stored": _display(g.label, 80), "count": g.attrs.get("count", len(g.span_ids)),
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
    return {"narratives": narratives, "roles": roles[:12], "not_cast": not_cast[:12], "techniques": techniques,
            "claims": claims, "n_claims": len(doc.spans("claims")), "consistency": consistency,
            "any": bool(narratives or roles or techniques or claims or consistency)}


def _provenance(doc: Document) -> dict[str, Any]:
    """Where the article comes from: the original source it names, the aggregator, the publisher's notes,
    traces of machine translation and the sources it cites (the "Source and provenance" box)."""
    md = doc.metadata if isinstance(doc.metadata, dict) else {}
    prov = md.get("provenance") if isinstance(md.get("provenance"), dict) else {}
    original = prov.get("original_source_url") or md.get("source_url")
    facts = []
    if original:
        facts.append(("original source", _display(original, 300)))
    if prov.get("aggregator"):
        facts.append(("aggregator", _display(prov["aggregator"], 200)))
    for s in doc.spans("provenance"):
        note = s.attrs.get("note") if isinstance(s.attrs, dict) else None
        if note:
            facts.append(("note", _display(note, 300)))
    residue = [{"label": s.label.replace("_", " "), "text": _display(doc.text[s.start:s.end], 80),
                "reason": _display(s.attrs.get("reason", "") if isinstance(s.attrs, dict) else "", 300)}
               for s in doc.spans("mt_residue")[:8]]
    cited = [{"name": _display(g.label, 120), "platform": _display(g.attrs.get("platform") or g.attrs.get("medium") or g.kind or "", 60),
              "count": len(g.span_ids)}
             for g in sorted(doc.groups.get("cited_sources", []), key=lambda g: -len(g.span_ids))[:10]]
    return {"facts": facts, "residue": residue, "n_residue": len(doc.spans("mt_residue")), "cited": cited,
            "n_cited": len(doc.groups.get("cited_sources", [])),
            "any": bool(facts or residue or cited or doc.groups.get("outlets") or "provenance" in doc.layers)}


def report_view(docs: Sequence[Document], hidden: Iterable[str] | None = None) -> dict[str, Any]:
    """The view model of the report for ``docs``: what the template shows (``docs``, ``layers``,
    ``static_hidden``) and the data the page's script reads (``payload``). ``hidden`` lists layers
    or layer/label pairs whose highlights start switched off; default ``DEFAULT_HIDDEN``."""
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

    payload = {
        "layers": {name: {"cls": info["cls"], "color": info["color"], "rgb": info["rgb"], "subtle": info["subtle"]} for name, info in layer_info.items()},
        "layerOrder": all_layers,
        "structureStyles": sorted(STRUCTURE_STYLES),
        "docs": data_docs,
    }
    return {
        "docs": views,
        "layers": [{"name": name, **info} for name, info in layer_info.items()],
        "payload": payload,
        "static_hidden": sorted(hidden_sets[0]),
    }
