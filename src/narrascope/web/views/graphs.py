"""``/graphs/entities``: entities linked by the documents that mention both, coloured by their main
role; ``/graphs/citations``: outlets linked to what they cite or forward and whom they quote.

The page draws the ``top`` most connected nodes (their weighted degree), every one labelled, on a
canvas of fixed height (an SVG laid out on the server); ``?view=table`` lists every node and edge the
store gave, and JSON and CSV give them too. Documents with no known outlet are no node of the
citation graph: the page says how many there were."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from ...display_names import role_name
from ...store.analytics import citation_ends, citation_node, most_connected
from ..charts import NEUTRAL, PALETTE, ROLE_COLORS, graph_svg
from ..corpus import Corpus
from ..params import choice_param, int_param, output_format, param
from ..responses import linker, render, respond

router = APIRouter()

TOP = 25  # nodes drawn by default: each can carry its label
MAX_TOP = 60
LABEL_CHARS = 48  # a drawn label longer than this is cut (the tooltip and the table have it whole)
VIEWS = ("graph", "table")


def entity_pool(top: int) -> int:
    """How many entities (in most documents) the most connected ``top`` are chosen from by default."""
    return min(150, max(60, 3 * top))


def entity_graph_calls(corpus: Corpus, limit: int, min_documents: int, source: str | None):
    """The entity graph's store call: the ``limit`` entities in most documents (the app warms the
    default one at startup)."""
    return corpus.call("entity_graph", limit=limit, min_documents=min_documents, source=source)


def citation_graph_calls(corpus: Corpus, limit: int):
    """The citation graph's store call (the app warms the default one at startup)."""
    return corpus.call("citation_graph", limit=limit)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "\u2026"


async def _draw(nodes, edges, directed: bool = False):
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: graph_svg(nodes, edges, directed=directed, labelled=len(nodes)))


@router.get("/graphs/entities")
async def entity_graph(request: Request) -> Response:
    fmt = output_format(request)
    top = int_param(request, "top", TOP, 1, MAX_TOP)
    limit = int_param(request, "limit", entity_pool(top), 1, 150)
    min_documents = int_param(request, "min_documents", 2, 1, 1_000_000)
    source = param(request, "source", 300)
    view = choice_param(request, "view", VIEWS, "graph")
    graph = await entity_graph_calls(request.app.state.corpus, limit, min_documents, source)
    shown, shown_edges = most_connected(graph["nodes"], graph["edges"], top)
    data = {"top": top, "limit": limit, "min_documents": min_documents, "source": source, **graph,
            "most_connected": [{"id": n["id"], "connections": n["connections"]} for n in shown]}

    def table():
        rows = [("co-occurrence", e["source"], e["target"], "", e["documents"]) for e in graph["edges"]]
        rows += [("cast-as", c["source"], c["entity"], c["role"], c["documents"]) for c in graph["cast"]]
        return "entity-graph", ["kind", "source", "target", "role", "documents"], rows

    if fmt != "html":
        return respond(request, fmt, "graph.html", data, table)
    link = linker(request)
    chosen_limit = limit if param(request, "limit", 20) else None  # the default follows top
    here = {"top": top, "limit": chosen_limit, "min_documents": min_documents, "source": source}
    hrefs = {"graph": link("/graphs/entities", here), "table": link("/graphs/entities", here, view="table")}
    if view == "table":
        degree = {n["id"]: n["connections"] for n in most_connected(graph["nodes"], graph["edges"], len(graph["nodes"]))[0]}
        return render(request, "graph.html", title="Entity graph: all nodes and edges", data=data, svg=None, legend=[],
                      kind="entities", view=view, hrefs=hrefs, degree=degree)
    index = {n["id"]: i for i, n in enumerate(shown)}
    nodes = []
    for n in shown:
        main = max(n["roles"].items(), key=lambda kv: (kv[1], kv[0]))[0] if n["roles"] else None
        roles = ", ".join(f"{role_name(r)} {c:,}" for r, c in sorted(n["roles"].items(), key=lambda kv: -kv[1]))
        nodes.append({"label": _short(n["id"]), "documents": n["documents"], "color": ROLE_COLORS.get(main, NEUTRAL),
                      "href": link("/entities/" + quote(n["id"], safe="")),
                      "title": f"{n['id']}: {n['documents']:,} documents, {n['connections']:,} shared with the others"
                               + (f"; cast as {roles}" if roles else "")})
    edges = [(index[e["source"]], index[e["target"]], e["documents"],
              f"{e['source']} \u2014 {e['target']}: {e['documents']:,} documents") for e in shown_edges]
    svg = await _draw(nodes, edges)
    legend = [(role_name(r), c) for r, c in ROLE_COLORS.items()] + [("no main role", NEUTRAL)]
    return render(request, "graph.html", title="Entity graph", data=data, svg=svg, legend=legend, kind="entities",
                  view=view, hrefs=hrefs, degree={})


@router.get("/graphs/citations")
async def citation_graph(request: Request) -> Response:
    fmt = output_format(request)
    limit = int_param(request, "limit", 300, 1, 1000)
    top = int_param(request, "top", TOP, 1, MAX_TOP)
    view = choice_param(request, "view", VIEWS, "graph")
    graph = await citation_graph_calls(request.app.state.corpus, limit)
    shown, shown_edges = most_connected(graph["nodes"], graph["edges"], top, key=citation_node, ends=citation_ends)
    data = {"limit": limit, "top": top, **graph,
            "most_connected": [{"id": n["id"], "kind": n["kind"], "connections": n["connections"]} for n in shown]}

    def table():
        return ("citation-graph", ["source", "target", "kind", "documents"],
                [(e["source"], e["target"], e["kind"], e["documents"]) for e in graph["edges"]])

    if fmt != "html":
        return respond(request, fmt, "graph.html", data, table)
    link = linker(request)
    here = {"limit": limit, "top": top}
    hrefs = {"graph": link("/graphs/citations", here), "table": link("/graphs/citations", here, view="table")}
    if view == "table":
        return render(request, "graph.html", title="Citation graph: all edges", data=data, svg=None, legend=[],
                      kind="citations", view=view, hrefs=hrefs, degree={})
    colors = {"outlet": PALETTE[0], "cited": PALETTE[1], "speaker": PALETTE[4]}
    index = {citation_node(n): i for i, n in enumerate(shown)}
    nodes = [{"label": _short(n["id"]), "documents": n["documents"], "color": colors.get(n["kind"], NEUTRAL),
              "href": link("/search", source=n["id"]) if n["kind"] == "outlet" else None,
              "title": f"{n['id']} ({n['kind']}): {n['documents']:,} documents"} for n in shown]
    edges = []
    for e in shown_edges:
        a, b = citation_ends(e)
        edges.append((index[a], index[b], e["documents"], f"{e['source']} {e['kind']} {e['target']}: {e['documents']:,} documents",
                      colors["cited"] if e["kind"] == "cites" else colors["speaker"]))
    svg = await _draw(nodes, edges, directed=True)
    legend = [("outlet (a document's source)", colors["outlet"]), ("cited or forwarded", colors["cited"]),
              ("quoted speaker", colors["speaker"])]
    return render(request, "graph.html", title="Citation graph", data=data, svg=svg, legend=legend, kind="citations",
                  view=view, hrefs=hrefs, degree={})
