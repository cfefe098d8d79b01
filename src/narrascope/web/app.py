"""The corpus web UI behind ``narrascope serve``: FastAPI, Jinja2 pages rendered on the server.

Pages: ``/`` (dashboard), ``/search``, ``/documents/{id}`` (+ ``/report``, the article's own HTML
report in a sandboxed frame), ``/clusters``, ``/clusters/{id}``, ``/entities``, ``/entities/{name}``,
``/graphs/entities``, ``/graphs/citations``. Each page is also JSON (``?format=json``, the data the
page shows) and its main table CSV (``?format=csv``).

Security
    Everything from the store is hostile text: templates autoescape, charts are SVG written by the
    templates (no markup from data), the pages carry no script at all and a strict
    Content-Security-Policy header (``script-src`` falls back to ``'none'``). An article's HTML
    report (its own inline script, pinned by hash in its CSP) is served on its own URL with a CSP
    ``sandbox`` and shown in an ``<iframe sandbox="allow-scripts">``: an opaque origin without
    cookies or access to the UI. CSV cells that a spreadsheet would run as a formula get a ``'``.
    With a token, every request needs ``Authorization: Bearer TOKEN`` or the cookie that
    ``?token=TOKEN`` sets once (HttpOnly, SameSite=Strict; it holds an HMAC of the token, not the
    token); comparisons use :func:`hmac.compare_digest`. Without a token, ``allowed_hosts`` limits the
    Host header (``narrascope serve`` on loopback: localhost names only, against DNS rebinding).

Threads
    SQLite connections cannot cross threads, so the store is used only by a few worker threads
    that each open their own connection (``PRAGMA query_only``: the UI never writes); async endpoints
    hand store calls to them and await the result. Independent calls of one page run side by side.
    Results of the analytics calls are cached per store state (documents, clusters and error
    counts), so a page seen once is instant until the corpus changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html as html_lib
import io
import json
import logging
import math
import queue
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from contextlib import asynccontextmanager
from typing import Any, Callable, Iterable
from urllib.parse import quote, urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from ..errors import UsageError
from ..render.html import _plain  # the JSON-safe copy the HTML report uses
from ..render.tables import write_csv
from ..store import Store, StoreError, open_store
from ..store.base import CLUSTER_KINDS, LABEL_KINDS, PERIODS
from ..store.query import find_matches, parse_query
from ..store.rows import document_labels, document_row, normalize_date
from .charts import NEUTRAL, PALETTE, ROLE_COLORS, bars, graph_svg, line_chart, role_name

log = logging.getLogger("narrascope.web")

PAGE_SIZE = 20
MAX_PAGE = 100  # deep pages cost the store a sort of everything before them; refine the search instead
CLUSTERS_PAGE = 50
MAX_QUERY = 500
QUERY_BUDGET = 30.0  # seconds any store statement may run before it is interrupted (503)
EXTRA_BUDGET = 0.9  # how long a page waits for what it can do without (search count, facets)
COOKIE = "narrascope_session"
MIN_TOKEN_LENGTH = 16  # shorter tokens can be guessed over the network
FORMATS = ("html", "json", "csv")
LABEL_FILTERS = ("narrative", "technique", "entity", "role")
TEXT_FILTERS = ("language", "source") + LABEL_FILTERS
NAV = (("/", "Dashboard"), ("/search", "Search"), ("/clusters", "Clusters"), ("/entities", "Entities"),
       ("/graphs/entities", "Entity graph"), ("/graphs/citations", "Citation graph"))
APP_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self';"
           " base-uri 'none'; frame-ancestors 'none'")
_SURROGATE = re.compile("[\ud800-\udfff]")
_META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


class QueryTimeout(Exception):
    """A store statement ran past its time budget (and was interrupted)."""

    def __init__(self, budget: float) -> None:
        super().__init__(f"the store took longer than {budget:g} s")
        self.budget = budget


class WebError(Exception):
    """An answer other than 200: ``status`` and a one-line ``message`` for the user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = " ".join(str(message).split())


def bad_request(message: str) -> WebError:
    return WebError(400, message)


def not_found(message: str) -> WebError:
    return WebError(404, message)


# -- the store, one connection per worker thread --------------------------------------------------


def _sqlite_connection(store: Store) -> sqlite3.Connection | None:
    con = getattr(store, "_con", None)
    return con if isinstance(con, sqlite3.Connection) else None


class StoreWorkers:
    """A few threads, each with its own store connection, that run ``fn(store, *args)`` jobs.

    Connections are opened lazily in the thread that uses them and closed by that same thread when
    :meth:`close` sends each worker its stop signal, as SQLite requires."""

    def __init__(self, url: str, workers: int = 4) -> None:
        self.url = url
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._loop, name=f"narrascope-web-store-{i}", daemon=True)
                         for i in range(max(1, workers))]
        self._closed = False
        for thread in self._threads:
            thread.start()

    def _open(self) -> Store:
        store = open_store(self.url, read_only=True)  # works on read-only media; refuses every write
        if type(getattr(store, "_con", None)).__module__.startswith("psycopg"):
            # PostgreSQL stops a statement past the budget itself (SQLite: the progress handler below)
            store._con.execute(f"SET statement_timeout = {int(QUERY_BUDGET * 1000)}")
        return store

    def _loop(self) -> None:
        store: Store | None = None
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                fn, args, future, budget = job
                if not future.set_running_or_notify_cancel():
                    continue
                con = None
                try:
                    if store is None:
                        store = self._open()
                    con = _sqlite_connection(store)
                    if con is not None:  # SQLite: stop any statement that runs past the budget
                        deadline = time.monotonic() + budget
                        con.set_progress_handler(lambda: self._closed or time.monotonic() > deadline, 10_000)
                    future.set_result(fn(store, *args))
                except sqlite3.OperationalError as exc:
                    future.set_exception(QueryTimeout(budget) if "interrupt" in str(exc) else exc)
                except StoreError as exc:  # PostgreSQL: statement_timeout ends as a StoreError
                    future.set_exception(QueryTimeout(QUERY_BUDGET) if "statement timeout" in str(exc) else exc)
                except BaseException as exc:  # handed to the awaiting request
                    future.set_exception(exc)
                finally:
                    if con is not None:
                        con.set_progress_handler(None, 0)
        finally:
            if store is not None:
                store.close()

    async def run(self, fn: Callable[..., Any], *args: Any, budget: float = QUERY_BUDGET) -> Any:
        """``fn(store, *args)`` on a worker; :class:`QueryTimeout` when a statement runs past ``budget`` s
        (or the workers are closing)."""
        if self._closed:
            raise RuntimeError("the store workers are closed")
        future: Future = Future()
        self._jobs.put((fn, args, future, budget))
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=30)


class ResultCache:
    """A small LRU of store results keyed by (store state, call); entries also expire after ``ttl``."""

    def __init__(self, size: int = 512, ttl: float = 600.0) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bool, Any]:
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > self.ttl:
                return False, None
            self._items.move_to_end(key)
            return True, item[1]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _state_of(store: Store) -> tuple:
    """What changes when the corpus changes: documents are only ever added, clusters are replaced
    (new ids, new created_at), errors are appended."""
    return tuple(store._rows(
        "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM clusters),"
        " (SELECT max(created_at) FROM clusters), (SELECT coalesce(max(id), 0) FROM clusters),"
        " (SELECT count(*) FROM ingest_errors)")[0])


class Corpus:
    """What the endpoints use: store calls cached per store state, the same call made once at a time."""

    def __init__(self, url: str, workers: int = 4, extra_budget: float = EXTRA_BUDGET,
                 query_budget: float = QUERY_BUDGET) -> None:
        self.url = url
        self.n_workers = workers
        self.extra_budget = extra_budget
        self.query_budget = query_budget
        self._workers: StoreWorkers | None = None
        self._lock = threading.Lock()
        self.cache = ResultCache()
        self._pending: dict[Any, asyncio.Future] = {}
        self._state: tuple = ()
        self._state_at = -1e9

    @property
    def workers(self) -> StoreWorkers:
        with self._lock:
            if self._workers is None or self._workers._closed:
                self._workers = StoreWorkers(self.url, self.n_workers)
            return self._workers

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(store, *args)`` on a worker thread, uncached."""
        return await self.workers.run(fn, *args, budget=self.query_budget)

    async def state(self) -> tuple:
        now = time.monotonic()
        if now - self._state_at > 1.0:  # looked up at most once a second
            self._state = await self.run(_state_of)
            self._state_at = now
        return self._state

    async def _lookup(self, method: str, args: tuple, kwargs: dict[str, Any]) -> tuple[Any, bool, Any]:
        key = (await self.state(), method, args, tuple(sorted(kwargs.items())))
        found, value = self.cache.get(key)
        return key, found, value

    def _start(self, key: Any, method: str, args: tuple, kwargs: dict[str, Any]) -> asyncio.Future:
        """The task computing ``key`` (one per key at a time; it caches its result when done)."""
        loop = asyncio.get_running_loop()
        task = self._pending.get(key)
        if task is not None and task.get_loop() is loop and not task.done():
            return task

        async def compute() -> Any:
            value = await self.run(lambda store: getattr(store, method)(*args, **kwargs))
            self.cache.put(key, value)
            return value

        task = asyncio.ensure_future(compute())
        self._pending[key] = task

        def done(t: asyncio.Future) -> None:
            if self._pending.get(key) is t:
                del self._pending[key]
            if not t.cancelled():
                t.exception()  # marks it retrieved; whoever awaited it has seen it

        task.add_done_callback(done)
        return task

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """``store.method(*args, **kwargs)``, cached for the current store state."""
        key, found, value = await self._lookup(method, args, kwargs)
        if found:
            return value
        return await asyncio.shield(self._start(key, method, args, kwargs))

    async def optional(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Like :meth:`call`, but None when the answer takes longer than ``extra_budget`` seconds;
        the call goes on in the background (up to ``query_budget``) and a later request finds it cached."""
        key, found, value = await self._lookup(method, args, kwargs)
        if found:
            return value
        try:
            return await asyncio.wait_for(asyncio.shield(self._start(key, method, args, kwargs)), self.extra_budget)
        except (asyncio.TimeoutError, QueryTimeout):
            return None

    def cancel_pending(self) -> None:
        for task in list(self._pending.values()):
            task.cancel()
        self._pending.clear()

    def close(self) -> None:
        self.cancel_pending()
        with self._lock:
            if self._workers is not None:
                self._workers.close()
                self._workers = None


async def _none() -> None:
    return None


# -- parameters ---------------------------------------------------------------------------------


def _param(request: Request, name: str, limit: int = 500) -> str | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise bad_request(f"{name} is too long (at most {limit} characters)")
    if "\x00" in value:
        raise bad_request(f"{name} contains a NUL character")
    return value or None


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = _param(request, name, 20)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}, not {value}")
    return value


def _choice(request: Request, name: str, choices: Iterable[str], default: str | None) -> str | None:
    raw = _param(request, name, 50)
    if raw is None:
        return default
    choices = tuple(choices)
    if raw not in choices:
        raise bad_request(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _date(request: Request, name: str) -> str | None:
    raw = _param(request, name, 40)
    if raw is not None and normalize_date(raw) is None:
        raise bad_request(f"{name} must be a date (YYYY-MM-DD) or an ISO date-time, not {raw!r}")
    return raw


def _format(request: Request) -> str:
    raw = request.query_params.get("format")
    if raw is None or raw == "":
        return "html"
    if raw not in FORMATS:
        raise bad_request(f"format must be one of {', '.join(FORMATS)}, not {raw[:40]!r}")
    return raw


def _requested_format(request: Request) -> str:
    """The format for an error answer: never raises."""
    raw = request.query_params.get("format")
    return raw if raw in FORMATS else "html"


# -- output -------------------------------------------------------------------------------------


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(_plain(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    # lone surrogates (allowed in Document text) as \u escapes: valid JSON, exact, and UTF-8 can carry it
    body = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)
    return Response(body.encode("utf-8"), status_code=status, media_type="application/json")


def csv_response(name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "narrascope"
    return Response(buffer.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="narrascope-{safe}.csv"'})


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


def _host_name(host: str) -> str:
    """The name in a Host header, without port or IPv6 brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end != -1 else host
    return host.split(":", 1)[0]


def _day(value: Any) -> str:
    return str(value)[:10] if value else ""


# -- page data (each runs in a store worker or from cached calls) ---------------------------------


def _document_data(store: Store, doc_id: str, query: str | None) -> dict[str, Any] | None:
    doc = store.get(doc_id)
    if doc is None:
        return None
    row = document_row(doc)
    labels: dict[str, list[dict[str, Any]]] = {kind: [] for kind in LABEL_KINDS}
    for kind, label, entity, n in document_labels(doc):
        labels.setdefault(kind, []).append({"label": label, "entity": entity or None, "count": n})
    for items in labels.values():
        items.sort(key=lambda i: (-i["count"], i["label"], i["entity"] or ""))
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
        "length": len(doc.text), "layers": {name: len(items) for name, items in doc.layers.items()},
        "labels": labels, "sightings": sightings, "clusters": store.clusters_of(doc_id),
        "query": query, "matches": kwic, "spans": spans, "document": doc.to_dict(),
    }


def _report(store: Store, doc_id: str) -> str | None:
    from ..render.html import render_html

    doc = store.get(doc_id)
    return None if doc is None else render_html(doc)


# -- the app ------------------------------------------------------------------------------------


def create_app(store_url: str, token: str | None = None, *, allowed_hosts: Iterable[str] | None = None,
               workers: int = 4, warm: bool = True, extra_budget: float = EXTRA_BUDGET,
               query_budget: float = QUERY_BUDGET) -> FastAPI:
    """The web UI over the store at ``store_url`` (a path or URL, as :func:`open_store` takes).

    ``token``: when given, every request must carry it (see the module doc). ``allowed_hosts``: the
    Host header names accepted (None: any). ``workers``: store threads. ``warm``: compute the default
    pages' data in the background at startup. ``extra_budget``: seconds a page waits for the search
    count and facets before it is sent without them (they go on in the background and are cached; the
    page says so). ``query_budget``: seconds any store statement may run (then 503).
    Raises :class:`StoreError` when the store cannot be opened (checked here, once), and
    :class:`~narrascope.errors.UsageError` for a token shorter than :data:`MIN_TOKEN_LENGTH`."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise UsageError(f"the token must be at least {MIN_TOKEN_LENGTH} characters (a short one can be guessed); "
                         "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(24))'")
    with open_store(store_url, read_only=True):  # fail now, not on the first request
        pass
    corpus = Corpus(store_url, workers, extra_budget, query_budget)
    secret = token.encode("utf-8") if token else None
    session = hmac.new(secret, b"narrascope-web-session", hashlib.sha256).hexdigest() if secret else None
    hosts = {h.lower().strip("[]") for h in allowed_hosts} if allowed_hosts is not None else None
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("narrascope.web", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["num"] = lambda v: f"{v:,}" if isinstance(v, (int, float)) else ("" if v is None else str(v))
    env.filters["day"] = _day
    env.globals.update(role_name=role_name, PALETTE=PALETTE, ROLE_COLORS=ROLE_COLORS, NAV=NAV)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        task = asyncio.create_task(_warm()) if warm else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):  # noqa: BLE001 - cancelled, or already logged
                    pass
            corpus.close()

    app = FastAPI(title="narrascope", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.corpus = corpus
    from importlib import resources

    static_dir = resources.files("narrascope.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")

    async def _warm() -> None:
        """The default pages' store calls, once, so the first visitor does not wait for them."""
        try:
            await asyncio.gather(_dashboard_calls("week", None), corpus.call("search", None, limit=PAGE_SIZE, offset=0),
                                 corpus.call("search_count", None), corpus.call("facets", None, limit=12),
                                 _entities_calls(100, None), _entity_graph_calls(40, 2, None),
                                 corpus.call("citation_graph", limit=300))
            for period in ("month", "day"):
                await _dashboard_calls(period, None)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - warming is best effort; the page itself reports errors
            log.exception("warming the page cache failed")

    # -- helpers bound to a request ----------------------------------------------------------------
    def root(request: Request) -> str:
        return request.scope.get("root_path", "") or ""

    def linker(request: Request) -> Callable[..., str]:
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

    def render(request: Request, template: str, http_status: int = 200, **context: Any) -> Response:
        link = linker(request)
        current = {k: v for k, v in request.query_params.items() if k not in ("token", "format")}
        here = local_path(request)
        html = env.get_template(template).render(
            link=link, static=lambda name: root(request) + "/static/" + quote(name),
            doc_href=lambda doc_id, **kw: link("/documents/" + quote(str(doc_id), safe=""), kw),
            entity_href=lambda name, **more: link("/entities/" + quote(str(name), safe=""), **more),
            format_href=lambda fmt: link(quote(here), current, format=fmt), path=here, **context)
        return Response(_SURROGATE.sub("\ufffd", html), status_code=http_status, media_type="text/html; charset=utf-8")

    def error_response(request: Request, status: int, message: str) -> Response:
        message = " ".join(str(message).split()) or "error"
        fmt = _requested_format(request)
        if fmt == "json":
            response = json_response({"error": message, "status": status}, status)
        elif fmt == "csv":
            response = Response(f"error: {message}\n", status_code=status, media_type="text/plain; charset=utf-8")
        else:
            response = render(request, "error.html", http_status=status, title=f"{status}", status=status, message=message)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="narrascope"'
        return response

    def respond(request: Request, fmt: str, template: str, data: dict[str, Any], table: Callable[[], tuple],
                **view: Any) -> Response:
        if fmt == "json":
            return json_response(data)
        if fmt == "csv":
            name, header, rows = table()
            return csv_response(name, header, rows)
        return render(request, template, data=data, **view)

    # -- errors ------------------------------------------------------------------------------------
    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return error_response(request, exc.status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_response(request, 404, f"no such page: {request.url.path}")
        return error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = (exc.errors() or [{}])[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path"))
        return error_response(request, 400, f"{where}: {first.get('msg', 'bad parameter')}" if where else "bad parameter")

    @app.exception_handler(QueryTimeout)
    async def _timeout(request: Request, exc: QueryTimeout) -> Response:
        return error_response(request, 503, f"{exc}: try a narrower query")

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> Response:
        return error_response(request, 400, str(exc))

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> Response:
        log.error("internal error on %s", request.url.path, exc_info=exc)
        return error_response(request, 500, f"internal error ({type(exc).__name__}); see the server log")

    # -- access: token, host, headers ---------------------------------------------------------------
    def _token_ok(value: str | None) -> bool:
        return bool(value) and secret is not None and hmac.compare_digest(value.encode("utf-8", "surrogatepass"), secret)

    def _session_ok(value: str | None) -> bool:
        return bool(value) and session is not None and hmac.compare_digest(value.encode("utf-8", "surrogatepass"), session.encode())

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable) -> Response:
        host = _host_name(request.headers.get("host") or "")
        if not host:  # HTTP/1.1 requires it; a request without one was not made by a browser for this page
            return _secure(request, error_response(request, 400, "missing or empty Host header"))
        if hosts is not None:
            if host not in hosts:
                return _secure(request, error_response(request, 400, "unexpected Host header (this server answers on its own address only)"))
        if secret is not None:
            given = request.query_params.get("token")
            header = request.headers.get("authorization") or ""
            bearer = header[7:].strip() if header[:7].lower() == "bearer " else None
            if given is not None:
                if not _token_ok(given):
                    return _secure(request, error_response(request, 401, "wrong token"))
                # once: trade the token for a cookie and drop it from the address
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                target = request.url.path + ("?" + urlencode(rest) if rest else "")
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(COOKIE, session, httponly=True, samesite="strict", path=root(request) or "/",
                                    secure=request.url.scheme == "https")
                return _secure(request, response)
            if not (_token_ok(bearer) or _session_ok(request.cookies.get(COOKIE))):
                return _secure(request, error_response(
                    request, 401, "this server needs a token: send Authorization: Bearer TOKEN, or open a link with ?token=TOKEN once"))
        return _secure(request, await call_next(request))

    def _secure(request: Request, response: Response) -> Response:
        headers = response.headers
        if "content-security-policy" not in headers:
            headers["Content-Security-Policy"] = APP_CSP
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.url.path.startswith(root(request) + "/static/"):
            headers.setdefault("Cache-Control", "no-store")
        return response

    # -- dashboard ---------------------------------------------------------------------------------
    def _dashboard_calls(period: str, source: str | None):
        return asyncio.gather(
            corpus.call("overview"), corpus.call("facets", None, limit=12, source=source),
            corpus.call("counts_over_time", "narrative", period, source=source),
            corpus.call("counts_over_time", "technique", period, source=source),
            corpus.call("clusters", None, limit=10),
            corpus.call("search_count", None, source=source) if source else _none(),
        )

    @app.get("/")
    async def dashboard(request: Request) -> Response:
        fmt = _format(request)
        period = _choice(request, "period", PERIODS, "week")
        source = _param(request, "source", 300)
        overview, facets, narratives, techniques, clusters, in_source = await _dashboard_calls(period, source)
        top = {name: [{"label": k, "documents": n} for k, n in facets.get(key, [])]
               for name, key in (("sources", "source"), ("languages", "language"), ("entities", "entity"),
                                 ("narratives", "narrative"), ("techniques", "technique"), ("roles", "role"))}
        data = {
            "overview": overview, "period": period, "source": source, "documents_in_source": in_source,
            "narratives_over_time": [{"period": p, "label": lab, "documents": n} for p, lab, n in narratives],
            "techniques_over_time": [{"period": p, "label": lab, "documents": n} for p, lab, n in techniques],
            "top": top, "largest_clusters": clusters,
        }

        def table():
            rows = [("narrative", p, lab, n) for p, lab, n in narratives] + [("technique", p, lab, n) for p, lab, n in techniques]
            return f"over-time-{period}", ["kind", "period", "label", "documents"], rows

        link = linker(request)
        view = {
            "title": "Dashboard", "narrative_chart": line_chart(narratives), "technique_chart": line_chart(techniques),
            "bars": {
                "sources": bars(facets.get("source", []), lambda v: link("/search", source=v)),
                "languages": bars(facets.get("language", []), lambda v: link("/search", language=v)),
                "entities": bars(facets.get("entity", []), lambda v: link("/entities/" + quote(v, safe=""))),
                "narratives": bars(facets.get("narrative", []), lambda v: link("/search", narrative=v, source=source)),
                "techniques": bars(facets.get("technique", []), lambda v: link("/search", technique=v, source=source)),
                "roles": bars(facets.get("role", []), lambda v: link("/search", role=v, source=source), label=role_name),
            },
            "sources": [k for k, _ in facets.get("source", [])],
        }
        return respond(request, fmt, "dashboard.html", data, table, **view)

    # -- search ------------------------------------------------------------------------------------
    def _search_calls(query: str | None, filters: dict[str, Any], page: int):
        return asyncio.gather(
            corpus.call("search", query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters),
            corpus.optional("search_count", query, **filters),
            corpus.optional("facets", query, limit=12, **filters),
        )

    @app.get("/search")
    async def search(request: Request) -> Response:
        fmt = _format(request)
        query = _param(request, "q", MAX_QUERY)
        filters: dict[str, Any] = {name: _param(request, name, 500) for name in TEXT_FILTERS}
        filters["date_from"] = _date(request, "date_from")
        filters["date_to"] = _date(request, "date_to")
        filters = {k: v for k, v in filters.items() if v is not None}
        page = _int(request, "page", 1, 1, MAX_PAGE)
        hits, total, facets = await _search_calls(query, filters, page)
        # the count and the facets are skipped (None) when the store takes longer than EXTRA_BUDGET
        if total is None:
            pages = min(MAX_PAGE, page + 1 if len(hits) == PAGE_SIZE else page)
        else:
            pages = min(MAX_PAGE, max(1, math.ceil(total / PAGE_SIZE)))
        skipped = [name for name, value in (("total", total), ("facets", facets)) if value is None]
        data = {"query": query, "filters": filters, "page": page, "page_size": PAGE_SIZE, "pages": pages,
                "total": total, "hits": [h.to_dict() for h in hits],
                "facets": None if facets is None else
                {k: [{"value": v, "documents": n} for v, n in vals] for k, vals in facets.items()},
                "skipped": skipped}

        def table():
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
                                 "label": role_name(v) if kind == "role" else v,
                                 "href": link("/search", {**params, kind: None if filters.get(kind) == v else v})}
                                for v, n in values]
        active = [{"name": k, "value": v, "href": link("/search", {**params, k: None})} for k, v in filters.items()]
        window = [p for p in range(max(1, page - 4), min(pages, page + 4) + 1)]
        view = {"title": f"Search: {query}" if query else "Search", "params": params, "view_hits": view_hits,
                "facet_view": facet_view, "active": active, "window": window,
                "page_href": lambda p: link("/search", params, page=p if p > 1 else None),
                "capped": total is not None and math.ceil(total / PAGE_SIZE) > MAX_PAGE, "budget": corpus.extra_budget}
        return respond(request, fmt, "search.html", data, table, **view)

    # -- documents ---------------------------------------------------------------------------------
    def _doc_id(doc_id: str) -> str:
        if not doc_id or len(doc_id) > 200:
            raise not_found("no such document")
        return doc_id

    @app.get("/documents/{doc_id}")
    async def document(request: Request, doc_id: str) -> Response:
        fmt = _format(request)
        query = _param(request, "q", MAX_QUERY)
        data = await corpus.run(_document_data, _doc_id(doc_id), query)
        if data is None:
            raise not_found(f"no such document: {doc_id[:80]}")

        def table():
            return (f"document-{data['id']}", ["layer", "span_id", "label", "start", "end", "score", "text"],
                    [(s["layer"], s["id"], s["label"], s["start"], s["end"], s["score"], s["text"]) for s in data["spans"]])

        if fmt == "json":
            data = {k: v for k, v in data.items() if k != "spans"}  # the spans are in "document"
        return respond(request, fmt, "document.html", data, table, title=data["title"] or "Untitled document")

    @app.get("/documents/{doc_id}/report")
    async def document_report(request: Request, doc_id: str) -> Response:
        page = await corpus.run(_report, _doc_id(doc_id))
        if page is None:
            raise not_found(f"no such document: {doc_id[:80]}")
        meta = _META_CSP.search(page)
        policy = html_lib.unescape(meta.group(1)) if meta else "default-src 'none'"
        # the report's own policy (its inline script and style pinned by hash), and more: framed only
        # by this UI, and sandboxed (an opaque origin) even when opened on its own
        headers = {"Content-Security-Policy": f"{policy}; frame-ancestors 'self'; sandbox allow-scripts",
                   "X-Frame-Options": "SAMEORIGIN"}
        return Response(page, media_type="text/html; charset=utf-8", headers=headers)

    # -- clusters ----------------------------------------------------------------------------------
    @app.get("/clusters")
    async def clusters(request: Request) -> Response:
        fmt = _format(request)
        kind = _choice(request, "kind", CLUSTER_KINDS, None)
        page = _int(request, "page", 1, 1, 100_000)
        items, total, counts = await asyncio.gather(
            corpus.call("clusters", kind, limit=CLUSTERS_PAGE, offset=(page - 1) * CLUSTERS_PAGE),
            corpus.call("cluster_count", kind), corpus.call("overview"))
        pages = max(1, math.ceil(total / CLUSTERS_PAGE))
        data = {"kind": kind, "page": page, "pages": pages, "page_size": CLUSTERS_PAGE, "total": total, "clusters": items}

        def table():
            cols = ["id", "kind", "size", "original", "title", "source", "published", "language"]
            return (f"clusters-{kind or 'all'}", cols, [[c[k] for k in cols] for c in items])

        link = linker(request)
        view = {"title": "Clusters", "kinds": CLUSTER_KINDS, "counts": counts["clusters"],
                "window": list(range(max(1, page - 4), min(pages, page + 4) + 1)),
                "page_href": lambda p: link("/clusters", kind=kind, page=p if p > 1 else None)}
        return respond(request, fmt, "clusters.html", data, table, **view)

    @app.get("/clusters/{cluster_id}")
    async def cluster(request: Request, cluster_id: str) -> Response:
        fmt = _format(request)
        if not cluster_id.isascii() or not cluster_id.isdigit() or len(cluster_id) > 18:
            raise not_found(f"no such cluster: {cluster_id[:40]}")
        data = await corpus.call("cluster", int(cluster_id))
        if data is None:
            raise not_found(f"no such cluster: {cluster_id}")

        def table():
            cols = ["position", "doc_id", "original", "title", "source", "published", "language", "similarity", "evidence", "url"]
            return (f"cluster-{cluster_id}", cols,
                    [(m["position"], m["doc_id"], m["doc_id"] == data["original"], m["title"], m["source"], m["published"],
                      m["language"], m["similarity"], "; ".join(m["evidence"]), m["url"]) for m in data["members"]])

        return respond(request, fmt, "cluster.html", data, table, title=f"Cluster {cluster_id}")

    # -- entities ----------------------------------------------------------------------------------
    def _entities_calls(limit: int, source: str | None):
        return corpus.call("entity_graph", limit=limit, min_documents=2, source=source)

    @app.get("/entities")
    async def entities(request: Request) -> Response:
        fmt = _format(request)
        limit = _int(request, "limit", 100, 1, 500)
        source = _param(request, "source", 300)
        graph = await _entities_calls(limit, source)
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

    @app.get("/entities/{name:path}")
    async def entity(request: Request, name: str) -> Response:
        fmt = _format(request)
        period = _choice(request, "period", PERIODS, "month")
        source = _param(request, "source", 300)
        if not name or len(name) > 500:
            raise not_found("no such entity")
        data = await corpus.call("entity_profile", name, period=period, source=source)
        if data is None:
            where = f" from {source[:80]!r}" if source else ""
            raise not_found(f"no document{where} mentions the entity {name[:80]!r}")
        data = {**data, "period": period}

        def table():
            return (f"entity-{name}", ["source", "role", "documents"],
                    [(r["source"], r["role"], r["documents"]) for r in data["roles_by_source"]])

        link = linker(request)
        view = {"title": name, "roles_chart": line_chart(data["roles_over_time"]),
                "role_bars": bars(data["roles"], lambda r: link("/search", entity=name, role=r), label=role_name),
                "together": bars(data["co_occurring"], lambda e: link("/entities/" + quote(e, safe="")))}
        return respond(request, fmt, "entity.html", data, table, **view)

    # -- graphs ------------------------------------------------------------------------------------
    def _entity_graph_calls(limit: int, min_documents: int, source: str | None):
        return corpus.call("entity_graph", limit=limit, min_documents=min_documents, source=source)

    @app.get("/graphs/entities")
    async def entity_graph(request: Request) -> Response:
        fmt = _format(request)
        limit = _int(request, "limit", 40, 1, 150)
        min_documents = _int(request, "min_documents", 2, 1, 1_000_000)
        source = _param(request, "source", 300)
        graph = await _entity_graph_calls(limit, min_documents, source)
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

    @app.get("/graphs/citations")
    async def citation_graph(request: Request) -> Response:
        fmt = _format(request)
        limit = _int(request, "limit", 300, 1, 1000)
        graph = await corpus.call("citation_graph", limit=limit)
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

    return app
