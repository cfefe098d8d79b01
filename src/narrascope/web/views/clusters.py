"""``/clusters``: stored clusters, largest first, by kind and page; ``/clusters/{id}``: one cluster's
members, earliest first, the probable original marked."""

from __future__ import annotations

import asyncio
import math

from fastapi import APIRouter, Request
from starlette.responses import Response

from ...store.base import CLUSTER_KINDS
from ..corpus import Corpus
from ..params import choice_param, int_param, not_found, output_format
from ..responses import linker, respond
from ..settings import CLUSTERS_PAGE

router = APIRouter()
EXACT_COPIES_SHOWN = 50


async def _nothing() -> None:
    return None


@router.get("/clusters")
async def clusters(request: Request) -> Response:
    fmt = output_format(request)
    kind = choice_param(request, "kind", CLUSTER_KINDS, None)
    page = int_param(request, "page", 1, 1, 100_000)
    corpus: Corpus = request.app.state.corpus
    with_copies = kind is None and page == 1  # exact copies head the first page of all clusters
    items, total, counts, copies, copy_count = await asyncio.gather(
        corpus.call("clusters", kind, limit=CLUSTERS_PAGE, offset=(page - 1) * CLUSTERS_PAGE),
        corpus.call("cluster_count", kind), corpus.call("overview"),
        corpus.call("exact_copies", limit=EXACT_COPIES_SHOWN) if with_copies else _nothing(),
        corpus.call("exact_copy_count") if with_copies else _nothing())
    pages = max(1, math.ceil(total / CLUSTERS_PAGE))
    data = {"kind": kind, "page": page, "pages": pages, "page_size": CLUSTERS_PAGE, "total": total, "clusters": items}
    if with_copies:
        data["exact_copies"] = copies  # one text stored once, seen under several names (its sightings)
        data["exact_copy_count"] = copy_count

    def table():
        cols = ["id", "kind", "size", "original", "title", "source", "published", "language"]
        return (f"clusters-{kind or 'all'}", cols, [[c[k] for k in cols] for c in items])

    link = linker(request)
    view = {"title": "Clusters", "kinds": CLUSTER_KINDS, "counts": counts["clusters"],
            "window": list(range(max(1, page - 4), min(pages, page + 4) + 1)),
            "page_href": lambda p: link("/clusters", kind=kind, page=p if p > 1 else None)}
    return respond(request, fmt, "clusters.html", data, table, **view)


@router.get("/clusters/{cluster_id}")
async def cluster(request: Request, cluster_id: str) -> Response:
    fmt = output_format(request)
    if not cluster_id.isascii() or not cluster_id.isdigit() or len(cluster_id) > 18:
        raise not_found(f"no such cluster: {cluster_id[:40]}")
    corpus: Corpus = request.app.state.corpus
    data = await corpus.call("cluster", int(cluster_id))
    if data is None:
        raise not_found(f"no such cluster: {cluster_id}")

    def table():
        cols = ["position", "doc_id", "original", "title", "source", "published", "language", "similarity", "evidence", "url"]
        return (f"cluster-{cluster_id}", cols,
                [(m["position"], m["doc_id"], m["doc_id"] == data["original"], m["title"], m["source"], m["published"],
                  m["language"], m["similarity"], "; ".join(m["evidence"]), m["url"]) for m in data["members"]])

    return respond(request, fmt, "cluster.html", data, table, title=f"Cluster {cluster_id}")
