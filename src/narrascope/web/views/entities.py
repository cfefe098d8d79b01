"""``/entities``: the entities in most documents with their roles; ``/entities/{name}``: one entity's
roles, who casts it as what, its roles over time and the entities it appears with (for one source
with ``?source=``)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from ...render.outlets_view import safe_href
from ...readers.dates import undated_note
from ...store.base import PERIODS
from ..charts import bars, line_chart, role_name
from ..corpus import Corpus
from ..params import choice_param, int_param, not_found, output_format, param
from ..responses import linker, respond

router = APIRouter()


def store_calls(corpus: Corpus, limit: int, source: str | None):
    """The list's store call (the app warms it at startup)."""
    return corpus.call("entity_graph", limit=limit, min_documents=2, source=source)


@router.get("/entities")
async def entities(request: Request) -> Response:
    fmt = output_format(request)
    limit = int_param(request, "limit", 100, 1, 500)
    source = param(request, "source", 300)
    graph = await store_calls(request.app.state.corpus, limit, source)
    items = [{"entity": n["id"], "documents": n["documents"],
              "roles": dict(sorted(n["roles"].items(), key=lambda kv: (-kv[1], kv[0])))} for n in graph["nodes"]]
    roles = sorted({r for item in items for r in item["roles"]})
    data = {"source": source, "limit": limit, "entities": items}

    def table():
        return ("entities", ["entity", "documents"] + [f"role:{r}" for r in roles],
                [[i["entity"], i["documents"]] + [i["roles"].get(r, 0) for r in roles] for i in items])

    top = max((i["documents"] for i in items), default=1) or 1
    rows = [{**i, "w": max(1, round(160 * i["documents"] / top))} for i in items]
    return respond(request, fmt, "entities.html", data, table, title="Entities", rows=rows)


def _no_profile(name: str, source: str | None) -> dict:
    """The profile of an outlet that no entity layer names (documents analysed without entities)."""
    return {"entity": name, "source": source, "documents": 0, "roles": [], "roles_by_source": [], "roles_over_time": [],
            "co_occurring": [], "recent": [], "also_written_as": []}


def outlet_data(outlet: dict | None) -> dict | None:
    """Store.outlet_profile with each label's source as an ``href`` where it is safe to link."""
    if outlet is None:
        return None
    return {**outlet, "labels": [{**lab, "href": safe_href(lab.get("source"))} for lab in outlet["labels"]]}


@router.get("/entities/{name:path}")
async def entity(request: Request, name: str) -> Response:
    fmt = output_format(request)
    period = choice_param(request, "period", PERIODS, "month")
    source = param(request, "source", 300)
    if not name or len(name) > 500:
        raise not_found("no such entity")
    corpus: Corpus = request.app.state.corpus
    data, outlet, (undated, mentioning) = await asyncio.gather(
        corpus.call("entity_profile", name, period=period, source=source),
        corpus.call("outlet_profile", name),
        corpus.call("undated_count", source=source, entity=name))
    if data is None and outlet is None:
        where = f" from {source[:80]!r}" if source else ""
        raise not_found(f"no document{where} mentions the entity {name[:80]!r}")
    data = {**(data or _no_profile(name, source)), "period": period, "outlet": outlet_data(outlet),
            "undated": {"undated": undated, "documents": mentioning}}

    def table():
        return (f"entity-{name}", ["source", "role", "documents"],
                [(r["source"], r["role"], r["documents"]) for r in data["roles_by_source"]])

    link = linker(request)
    view = {"title": data["entity"], "roles_chart": line_chart(data["roles_over_time"]),
            "role_bars": bars(data["roles"], lambda r: link("/search", entity=name, role=r), label=role_name),
            "together": bars(data["co_occurring"], lambda e: link("/entities/" + quote(e, safe=""))),
            "undated_note": undated_note(undated, mentioning, "the roles over time")}
    return respond(request, fmt, "entity.html", data, table, **view)
