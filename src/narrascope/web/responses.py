"""Answering a request: an HTML page from a template, the same data as JSON, its table as CSV.

Pages are Jinja2 templates (``web/templates``, autoescaped: everything from the store is hostile
text) rendered with links that keep a proxy's ``root_path`` and never carry the token. JSON is the
data the page shows, made JSON-safe as the HTML report makes it; CSV cells a spreadsheet would run
as a formula get a ``'``. :func:`error_response` answers an error in the format the request asked for.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any, Callable, Iterable
from urllib.parse import quote, urlencode

import jinja2
from fastapi import Request
from starlette.responses import Response

from ..display_names import label_name, narrative_name, technique_name
from ..render.html_view import json_safe
from ..render.tables import write_csv
from .charts import PALETTE, ROLE_COLORS, role_name
from .params import requested_format

NAV = (("/", "Dashboard"), ("/search", "Search"), ("/clusters", "Clusters"), ("/entities", "Entities"),
       ("/graphs/entities", "Entity graph"), ("/graphs/citations", "Citation graph"))
_SURROGATE = re.compile("[\ud800-\udfff]")


def _day(value: Any) -> str:
    return str(value)[:10] if value else ""


TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("narrascope.web", "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)
TEMPLATES.filters["num"] = lambda v: f"{v:,}" if isinstance(v, (int, float)) else ("" if v is None else str(v))
TEMPLATES.filters["day"] = _day
TEMPLATES.globals.update(role_name=role_name, narrative_name=narrative_name, technique_name=technique_name,
                         label_name=label_name, PALETTE=PALETTE, ROLE_COLORS=ROLE_COLORS, NAV=NAV)


# -- links ----------------------------------------------------------------------------------------


def root(request: Request) -> str:
    """The prefix a proxy serves the app under (its ``root_path``), or ''."""
    return request.scope.get("root_path", "") or ""


def linker(request: Request) -> Callable[..., str]:
    """``link(path, params, **more)``: an address in this app, without empty parameters or the token."""
    prefix = root(request)

    def link(path: str, params: dict[str, Any] | None = None, **more: Any) -> str:
        items = {**(params or {}), **more}
        pairs = [(k, v) for k, v in items.items() if v is not None and v != "" and k != "token"]
        return prefix + path + ("?" + urlencode(pairs) if pairs else "")

    return link


def local_path(request: Request) -> str:
    """The request's path inside the app (without a proxy's root_path)."""
    path, prefix = request.url.path, root(request)
    return (path[len(prefix):] if prefix and path.startswith(prefix) else path) or "/"


# -- answers --------------------------------------------------------------------------------------


def render(request: Request, template: str, http_status: int = 200, **context: Any) -> Response:
    link = linker(request)
    current = {k: v for k, v in request.query_params.items() if k not in ("token", "format")}
    here = local_path(request)
    html = TEMPLATES.get_template(template).render(
        link=link, static=lambda name: root(request) + "/static/" + quote(name),
        doc_href=lambda doc_id, **kw: link("/documents/" + quote(str(doc_id), safe=""), kw),
        entity_href=lambda name, **more: link("/entities/" + quote(str(name), safe=""), **more),
        format_href=lambda fmt: link(quote(here), current, format=fmt), path=here, **context)
    return Response(_SURROGATE.sub("\ufffd", html), status_code=http_status, media_type="text/html; charset=utf-8")


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(json_safe(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    # lone surrogates (allowed in Document text) as \u escapes: valid JSON, exact, and UTF-8 can carry it
    body = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)
    return Response(body.encode("utf-8"), status_code=status, media_type="application/json")


def csv_response(name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "narrascope"
    return Response(buffer.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="narrascope-{safe}.csv"'})


def respond(request: Request, fmt: str, template: str, data: dict[str, Any], table: Callable[[], tuple],
            **view: Any) -> Response:
    """A page in ``fmt``: ``data`` as JSON, ``table()`` (name, header, rows) as CSV, or the template
    rendered with ``data`` and the ``view`` values only the HTML needs."""
    if fmt == "json":
        return json_response(data)
    if fmt == "csv":
        name, header, rows = table()
        return csv_response(name, header, rows)
    return render(request, template, data=data, **view)


def error_response(request: Request, status: int, message: str) -> Response:
    message = " ".join(str(message).split()) or "error"
    fmt = requested_format(request)
    if fmt == "json":
        response = json_response({"error": message, "status": status}, status)
    elif fmt == "csv":
        response = Response(f"error: {message}\n", status_code=status, media_type="text/plain; charset=utf-8")
    else:
        response = render(request, "error.html", http_status=status, title=f"{status}", status=status, message=message)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="narrascope"'
    return response


def segments(text: str, matches: Iterable[tuple[int, int]], base: int = 0) -> list[dict[str, Any]]:
    """``text`` cut into plain and matched pieces; ``matches`` are offsets into a larger text that
    ``text`` starts at ``base`` of. The template escapes each piece."""
    out: list[dict[str, Any]] = []
    pos, n = 0, len(text)
    for a, b in sorted(matches):
        a, b = max(a - base, pos), min(b - base, n)
        if b <= a:
            continue
        if a > pos:
            out.append({"text": text[pos:a], "hit": False})
        out.append({"text": text[a:b], "hit": True})
        pos = b
    if pos < n or not out:
        out.append({"text": text[pos:], "hit": False})
    return out
