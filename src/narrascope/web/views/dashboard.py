"""``/``: the dashboard. Corpus totals, narratives and techniques over time, the top sources,
languages, entities, narratives, techniques and roles, and the largest clusters; for one source
with ``?source=``."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from ...store.base import PERIODS, facet_values
from ...display_names import narrative_name, technique_name
from ...readers.dates import undated_note
from ..charts import bars, line_chart, role_name
from ..corpus import Corpus
from ..params import choice_param, output_format, param
from ..responses import linker, respond

router = APIRouter()


async def _none() -> None:
    return None


def store_calls(corpus: Corpus, period: str, source: str | None):
    """The page's store calls, side by side (the app warms them at startup)."""
    return asyncio.gather(
        corpus.call("overview"), corpus.call("facets", None, limit=12, source=source),
        corpus.call("counts_over_time", "narrative", period, source=source),
        corpus.call("counts_over_time", "technique", period, source=source),
        corpus.call("clusters", None, limit=10),
        corpus.call("search_count", None, source=source) if source else _none(),
        corpus.call("undated_count", source=source),
    )


@router.get("/")
async def dashboard(request: Request) -> Response:
    fmt = output_format(request)
    period = choice_param(request, "period", PERIODS, "week")
    source = param(request, "source", 300)
    corpus: Corpus = request.app.state.corpus
    overview, facets, narratives, techniques, clusters, in_source, (undated, counted) = await store_calls(corpus, period, source)
    shaped = facet_values(facets)
    top = {name: shaped.get(key, []) for name, key in (("sources", "source"), ("languages", "language"), ("entities", "entity"),
                                                       ("narratives", "narrative"), ("techniques", "technique"), ("roles", "role"))}
    data = {
        "overview": overview, "period": period, "source": source, "documents_in_source": in_source,
        "narratives_over_time": [{"period": p, "label": lab, "documents": n} for p, lab, n in narratives],
        "techniques_over_time": [{"period": p, "label": lab, "documents": n} for p, lab, n in techniques],
        "top": top, "largest_clusters": clusters,
        "undated": {"undated": undated, "documents": counted},  # left out of the charts over time
    }

    def table():
        rows = [("narrative", p, lab, n) for p, lab, n in narratives] + [("technique", p, lab, n) for p, lab, n in techniques]
        return f"over-time-{period}", ["kind", "period", "label", "documents"], rows

    link = linker(request)
    view = {
        "title": "Dashboard", "narrative_chart": line_chart(narratives, name=narrative_name),
        "technique_chart": line_chart(techniques, name=technique_name),
        "bars": {
            "sources": bars(facets.get("source", []), lambda v: link("/search", source=v)),
            "languages": bars(facets.get("language", []), lambda v: link("/search", language=v)),
            "entities": bars(facets.get("entity", []), lambda v: link("/entities/" + quote(v, safe=""))),
            "narratives": bars(facets.get("narrative", []), lambda v: link("/search", narrative=v, source=source),
                               label=narrative_name),
            "techniques": bars(facets.get("technique", []), lambda v: link("/search", technique=v, source=source),
                               label=technique_name),
            "roles": bars(facets.get("role", []), lambda v: link("/search", role=v, source=source), label=role_name),
        },
        "sources": [k for k, _ in facets.get("source", [])],
        "undated_note": undated_note(undated, counted, "the charts over time"),
    }
    return respond(request, fmt, "dashboard.html", data, table, **view)
