"""``/graphs/entities``: entities linked by the documents that mention both, coloured by their main
role; ``/graphs/citations``: outlets linked to what they cite or forward and whom they quote. The
HTML is an SVG laid out on the server; JSON and CSV give the nodes and edges."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..charts import NEUTRAL, PALETTE, ROLE_COLORS, graph_svg, role_name
from ..corpus import Corpus
from ..params import int_param, output_format, param
from ..responses import linker, render, respond

router = APIRouter()


def entity_graph_calls(corpus: Corpus, limit: int, min_documents: int, source: str | None):
    """The entity graph's store call (the app warms the default one at startup)."""
    return corpus.call("entity_graph", limit=limit, min_documents=min_documents, source=source)


def citation_graph_calls(corpus: Corpus, limit: int):
    """The citation graph's store call (the app warms the default one at startup)."""
    return corpus.call("citation_graph", limit=limit)


@router.get("/graphs/entities")
async def entity_graph(request: Request) -> Response:
    fmt = output_format(request)
    limit = int_param(request, "limit", 40, 1, 150)
    min_documents = int_param(request, "min_documents", 2, 1, 1_000_000)
    source = param(request, "source", 300)
    graph = await entity_graph_calls(request.app.state.corpus, limit, min_documents, source)
    data = {"limit": limit, "min_documents": min_documents, "source": source, **graph}

    def table():
        rows = [("co-occurrence", e["source"], e["target"], "", e["documents"]) for e in graph["edges"]]
        rows += [("cast-as", c["source"], c["entity"], c["role"], c["documents"]) for c in graph["cast"]]
        return "entity-graph", ["kind", "source", "target", "role", "documents"], rows

    if fmt != "html":
        return respond(request, fmt, "graph.html", data, table)
    link = linker(request)
    index = {n["id"]: i for i, n in enumerate(graph["nodes"])}
    nodes = []
    for n in graph["nodes"]:
        main = max(n["roles"].items(), key=lambda kv: (kv[1], kv[0]))[0] if n["roles"] else None
        roles = ", ".join(f"{role_name(r)} {c:,}" for r, c in sorted(n["roles"].items(), key=lambda kv: -kv[1]))
        nodes.append({"label": n["id"], "documents": n["documents"], "color": ROLE_COLORS.get(main, NEUTRAL),
                      "href": link("/entities/" + quote(n["id"], safe="")),
                      "title": f"{n['id']}: {n['documents']:,} documents" + (f"; cast as {roles}" if roles else "")})
    edges = [(index[e["source"]], index[e["target"]], e["documents"],
              f"{e['source']} \u2014 {e['target']}: {e['documents']:,} documents") for e in graph["edges"]
             if e["source"] in index and e["target"] in index]
    svg = await asyncio.get_running_loop().run_in_executor(None, lambda: graph_svg(nodes, edges))
    legend = [(role_name(r), c) for r, c in ROLE_COLORS.items()] + [("no main role", NEUTRAL)]
    return render(request, "graph.html", title="Entity graph", data=data, svg=svg, legend=legend, kind="entities")


@router.get("/graphs/citations")
async def citation_graph(request: Request) -> Response:
    fmt = output_format(request)
    limit = int_param(request, "limit", 300, 1, 1000)
    graph = await citation_graph_calls(request.app.state.corpus, limit)
    data = {"limit": limit, **graph}

    def table():
        return ("citation-graph", ["source", "target", "kind", "documents"],
                [(e["source"], e["target"], e["kind"], e["documents"]) for e in graph["edges"]])

    if fmt != "html":
        return respond(request, fmt, "graph.html", data, table)
    link = linker(request)
    colors = {"outlet": PALETTE[0], "cited": PALETTE[1], "speaker": PALETTE[4]}
    index = {(n["kind"], n["id"]): i for i, n in enumerate(graph["nodes"])}
    nodes = [{"label": n["id"] or "(no source)", "documents": n["documents"], "color": colors.get(n["kind"], NEUTRAL),
              "href": link("/search", source=n["id"]) if n["kind"] == "outlet" and n["id"] else None,
              "title": f"{n['id'] or '(no source)'} ({n['kind']}): {n['documents']:,} documents"} for n in graph["nodes"]]
    edges = []
    for e in graph["edges"]:
        target_kind = "cited" if e["kind"] == "cites" else "speaker"
        i, j = index.get(("outlet", e["source"])), index.get((target_kind, e["target"]))
        if i is not None and j is not None:
            edges.append((i, j, e["documents"], f"{e['source'] or '(no source)'} {e['kind']} {e['target']}: {e['documents']:,} documents",
                          colors["cited"] if e["kind"] == "cites" else colors["speaker"]))
    svg = await asyncio.get_running_loop().run_in_executor(None, lambda: graph_svg(nodes, edges, directed=True))
    legend = [("outlet (a document's source)", colors["outlet"]), ("cited or forwarded", colors["cited"]),
              ("quoted speaker", colors["speaker"])]
    return render(request, "graph.html", title="Citation graph", data=data, svg=svg, legend=legend, kind="citations")
