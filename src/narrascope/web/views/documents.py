"""``/documents/{id}``: one stored article (its fields, facet labels, sightings, clusters, spans, and
with ``?q=`` the query's matches in context), and ``/documents/{id}/report``: its own HTML report,
served sandboxed for the article page's frame."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ...render.html import render_html
from ...render.summary import summarise
from ...store import Store
from ...store.base import LABEL_KINDS
from ...store.query import find_matches, parse_query
from ...store.rows import document_labels, document_row
from ..corpus import Corpus
from ..params import not_found, output_format, param
from ..responses import respond
from ..settings import MAX_QUERY

router = APIRouter()

# where a date not the content's own came from, as the page says it (readers.dates)
DATE_SOURCE_NAMES = {"file_name": "date from the file name", "batch": "date given for the batch (--date)",
                     "mtime": "date from the file's modification time", "crawl": "date of the web archive's capture"}

_META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def document_data(store: Store, doc_id: str, query: str | None) -> dict[str, Any] | None:
    """What the page shows (runs in a store worker); None when no such document."""
    doc = store.get(doc_id)
    if doc is None:
        return None
    row = document_row(doc)
    labels: dict[str, list[dict[str, Any]]] = {kind: [] for kind in LABEL_KINDS}
    for kind, label, entity, n in document_labels(doc):
        labels.setdefault(kind, []).append({"label": label, "entity": entity or None, "count": n})
    for items in labels.values():
        items.sort(key=lambda i: (-i["count"], i["label"], i["entity"] or ""))
    # roles whose score sat near their prior are no findings (and not in the counts): listed apart, as uncertain
    uncertain = [{"entity": g.attrs.get("entity") or g.label, "label": g.label, "score": g.score,
                  "prior": g.attrs.get("prior")} for g in doc.groups.get("roles", []) if g.attrs.get("uncertain") is True]
    not_cast = [{"entity": g.label, "reason": g.attrs["not_cast"], "why": g.attrs.get("not_cast_why", "")}
                for g in doc.groups.get("entities", []) if g.attrs.get("not_cast")]
    spans = [{"layer": layer, "id": s.id, "label": s.label, "start": s.start, "end": s.end, "score": s.score,
              "text": doc.text[s.start:s.end][:500]} for layer, s in doc.iter_spans()]
    kwic = []
    terms = parse_query(query)
    if terms:
        for a, b in find_matches(doc.text, terms, limit=50):
            lo, hi = max(0, a - 80), min(len(doc.text), b + 80)
            kwic.append({"start": a, "end": b, "prefix": ("\u2026" if lo else "") + doc.text[lo:a],
                         "match": doc.text[a:b], "suffix": doc.text[b:hi] + ("\u2026" if hi < len(doc.text) else "")})
    sightings = store.sightings(doc_id)
    if sightings and sightings[0]["source"]:  # the outlet it was stored under (ingest --source may set it)
        row["source"] = sightings[0]["source"]
    return {
        "id": doc.id, **{k: row[k] for k in ("title", "author", "source", "origin", "url", "language", "published")},
        "date_source": doc.metadata.get("date_source") if row["published"] else None,
        "length": len(doc.text), "layers": {name: len(items) for name, items in doc.layers.items()},
        "labels": labels, "uncertain_roles": uncertain, "not_cast": not_cast, "sightings": sightings, "clusters": store.clusters_of(doc_id),
        "query": query, "matches": kwic, "spans": spans, "document": doc.to_dict(),
        # the report's opening sentences; each names its section of the report ("#d0-<anchor>")
        "summary": [s.to_dict() for s in summarise(doc)],
    }


def report(store: Store, doc_id: str) -> str | None:
    """The document's HTML report (runs in a store worker); None when no such document."""
    doc = store.get(doc_id)
    return None if doc is None else render_html(doc)


def _doc_id(doc_id: str) -> str:
    if not doc_id or len(doc_id) > 200:
        raise not_found("no such document")
    return doc_id


@router.get("/documents/{doc_id}")
async def document(request: Request, doc_id: str) -> Response:
    fmt = output_format(request)
    query = param(request, "q", MAX_QUERY)
    corpus: Corpus = request.app.state.corpus
    data = await corpus.run(document_data, _doc_id(doc_id), query)
    if data is None:
        raise not_found(f"no such document: {doc_id[:80]}")

    def table():
        return (f"document-{data['id']}", ["layer", "span_id", "label", "start", "end", "score", "text"],
                [(s["layer"], s["id"], s["label"], s["start"], s["end"], s["score"], s["text"]) for s in data["spans"]])

    if fmt == "json":
        data = {k: v for k, v in data.items() if k != "spans"}  # the spans are in "document"
    return respond(request, fmt, "document.html", data, table, title=data["title"] or "Untitled document",
                   date_sources=DATE_SOURCE_NAMES)


@router.get("/documents/{doc_id}/report")
async def document_report(request: Request, doc_id: str) -> Response:
    corpus: Corpus = request.app.state.corpus
    page = await corpus.run(report, _doc_id(doc_id))
    if page is None:
        raise not_found(f"no such document: {doc_id[:80]}")
    meta = _META_CSP.search(page)
    policy = html_lib.unescape(meta.group(1)) if meta else "default-src 'none'"
    # the report's own policy (its inline script and style pinned by hash), and more: framed only
    # by this UI, and sandboxed (an opaque origin) even when opened on its own
    headers = {"Content-Security-Policy": f"{policy}; frame-ancestors 'self'; sandbox allow-scripts",
               "X-Frame-Options": "SAMEORIGIN"}
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)
