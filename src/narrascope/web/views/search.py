"""``/search``: full-text search with filters and facets, highlighted snippets, pages.

The hits are awaited; the count and the facets only for ``EXTRA_BUDGET`` seconds (they go on in
the background and are cached, and the page says what it left out)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ...store.base import facet_values
from ...store.query import find_matches, parse_query
from ...display_names import label_name
from ..corpus import Corpus
from ..params import choice_param, date_param, int_param, output_format, param
from ..responses import linker, respond, segments
from ..settings import MAX_PAGE, MAX_QUERY, PAGE_SIZE

router = APIRouter()

LABEL_FILTERS = ("narrative", "technique", "entity", "role", "outlet_label")
TEXT_FILTERS = ("language", "source") + LABEL_FILTERS


def store_calls(corpus: Corpus, query: str | None, filters: dict[str, Any], page: int):
    """The page's store calls, side by side: the hits, and the count and facets for at most
    ``extra_budget`` seconds (None when they take longer)."""
    return asyncio.gather(
        corpus.call("search", query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters),
        corpus.optional("search_count", query, **filters),
        corpus.optional("facets", query, limit=12, **filters),
    )


@router.get("/search")
async def search(request: Request) -> Response:
    fmt = output_format(request)
    query = param(request, "q", MAX_QUERY)
    filters: dict[str, Any] = {name: param(request, name, 500) for name in TEXT_FILTERS}
    filters["date_from"] = date_param(request, "date_from")
    filters["date_to"] = date_param(request, "date_to")
    filters = {k: v for k, v in filters.items() if v is not None}
    page = int_param(request, "page", 1, 1, MAX_PAGE)
    which = choice_param(request, "table", ("hits", "facets"), "hits")  # what ?format=csv gives
    corpus: Corpus = request.app.state.corpus
    hits, total, facets = await store_calls(corpus, query, filters, page)
    # the count and the facets are skipped (None) when the store takes longer than EXTRA_BUDGET
    if total is None:
        pages = min(MAX_PAGE, page + 1 if len(hits) == PAGE_SIZE else page)
    else:
        pages = min(MAX_PAGE, max(1, math.ceil(total / PAGE_SIZE)))
    skipped = [name for name, value in (("total", total), ("facets", facets)) if value is None]
    data = {"query": query, "filters": filters, "page": page, "page_size": PAGE_SIZE, "pages": pages,
            "total": total, "hits": [h.to_dict() for h in hits],
            "facets": None if facets is None else facet_values(facets),
            "skipped": skipped}

    def table():
        if which == "facets":  # the facet counts, in the columns of their JSON shape
            return ("search-facets", ["facet", "value", "documents"],
                    [(kind, f["value"], f["documents"]) for kind, values in (data["facets"] or {}).items() for f in values])
        return ("search", ["doc_id", "title", "source", "date", "language", "score", "snippet", "url"],
                [(h.doc_id, h.title, h.source, h.date, h.language, h.score, h.snippet, h.url) for h in hits])

    terms = parse_query(query)
    params = {"q": query, **{k: filters.get(k) for k in TEXT_FILTERS + ("date_from", "date_to")}}
    view_hits = [{
        "hit": h,
        "title": segments(h.title or "", find_matches(h.title or "", terms, limit=20)) if h.title else None,
        "snippet": segments(h.snippet, h.matches, h.snippet_start),
        "lead": h.snippet_start > 0,
    } for h in hits]
    link = linker(request)
    facet_view = {}
    for kind, values in (facets or {}).items():
        facet_view[kind] = [{"value": v, "n": n, "active": filters.get(kind) == v,
                             "label": label_name(kind, v),
                             "href": link("/search", {**params, kind: None if filters.get(kind) == v else v})}
                            for v, n in values]
    active = [{"name": k, "value": label_name(k, v), "href": link("/search", {**params, k: None})} for k, v in filters.items()]
    window = [p for p in range(max(1, page - 4), min(pages, page + 4) + 1)]
    view = {"title": f"Search: {query}" if query else "Search", "params": params, "view_hits": view_hits,
            "facet_view": facet_view, "active": active, "window": window,
            "facets_csv": link("/search", params, format="csv", table="facets"),
            "page_href": lambda p: link("/search", params, page=p if p > 1 else None),
            "capped": total is not None and math.ceil(total / PAGE_SIZE) > MAX_PAGE, "budget": corpus.extra_budget}
    return respond(request, fmt, "search.html", data, table, **view)
