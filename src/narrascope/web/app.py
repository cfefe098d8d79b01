"""The corpus web UI behind ``narrascope serve``: the app factory, access control and error answers.

Pages (one module each in :mod:`.views`): ``/`` (dashboard), ``/search``, ``/documents/{id}`` (+
``/report``, the article's own HTML report in a sandboxed frame), ``/clusters``, ``/clusters/{id}``,
``/entities``, ``/entities/{name}``, ``/graphs/entities``, ``/graphs/citations``. Each page is also
JSON (``?format=json``, the data the page shows) and its main table CSV (``?format=csv``). The
store is read through worker threads and a result cache (:mod:`.corpus`); the tunable numbers are
one table in :mod:`.settings`.

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
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from contextlib import asynccontextmanager
from importlib import resources
from typing import Callable, Iterable
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from ..errors import UsageError
from ..store import StoreError, open_store
from .corpus import Corpus, QueryTimeout
from .params import WebError
from .responses import error_response, root
from .settings import EXTRA_BUDGET, MIN_TOKEN_LENGTH, PAGE_SIZE, QUERY_BUDGET, WORKERS
from .views import clusters, dashboard, documents, entities, graphs, search

log = logging.getLogger("narrascope.web")

COOKIE = "narrascope_session"
APP_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self';"
           " base-uri 'none'; frame-ancestors 'none'")


def create_app(store_url: str, token: str | None = None, *, allowed_hosts: Iterable[str] | None = None,
               workers: int = WORKERS, warm: bool = True, extra_budget: float = EXTRA_BUDGET,
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
    access = Access(token, allowed_hosts)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        task = asyncio.create_task(_warm(corpus)) if warm else None
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
    static_dir = resources.files("narrascope.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    _add_error_handlers(app)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable) -> Response:
        refused = access.check(request)
        return _secure(request, refused if refused is not None else await call_next(request))

    for view in (dashboard, search, documents, clusters, entities, graphs):
        app.include_router(view.router)
    return app


async def _warm(corpus: Corpus) -> None:
    """The default pages' store calls, once, so the first visitor does not wait for them."""
    try:
        # the search page's count and facets in full (the page itself waits for them only briefly)
        await asyncio.gather(dashboard.store_calls(corpus, "week", None),
                             corpus.call("search", None, limit=PAGE_SIZE, offset=0), corpus.call("search_count", None),
                             corpus.call("facets", None, limit=12),
                             entities.store_calls(corpus, 100, None), graphs.entity_graph_calls(corpus, graphs.entity_pool(graphs.TOP), 2, None),
                             graphs.citation_graph_calls(corpus, 300))
        for period in ("month", "day"):
            await dashboard.store_calls(corpus, period, None)
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001 - warming is best effort; the page itself reports errors
        log.exception("warming the page cache failed")


# -- access: token, host, headers -------------------------------------------------------------------


class Access:
    """Who may ask: with a token, only requests that carry it (header, or the session cookie that
    ``?token=`` trades it for); with ``allowed_hosts``, only requests addressed to those names."""

    def __init__(self, token: str | None, allowed_hosts: Iterable[str] | None) -> None:
        self.secret = token.encode("utf-8") if token else None
        self.session = hmac.new(self.secret, b"narrascope-web-session", hashlib.sha256).hexdigest() if self.secret else None
        self.hosts = {h.lower().strip("[]") for h in allowed_hosts} if allowed_hosts is not None else None

    def _token_ok(self, value: str | None) -> bool:
        return bool(value) and self.secret is not None and hmac.compare_digest(
            value.encode("utf-8", "surrogatepass"), self.secret)

    def _session_ok(self, value: str | None) -> bool:
        return bool(value) and self.session is not None and hmac.compare_digest(
            value.encode("utf-8", "surrogatepass"), self.session.encode())

    def check(self, request: Request) -> Response | None:
        """None when the request may go on, else the answer to send instead."""
        host = _host_name(request.headers.get("host") or "")
        if not host:  # HTTP/1.1 requires it; a request without one was not made by a browser for this page
            return error_response(request, 400, "missing or empty Host header")
        if self.hosts is not None and host not in self.hosts:
            return error_response(request, 400, "unexpected Host header (this server answers on its own address only)")
        if self.secret is None:
            return None
        given = request.query_params.get("token")
        header = request.headers.get("authorization") or ""
        bearer = header[7:].strip() if header[:7].lower() == "bearer " else None
        if given is not None:
            if not self._token_ok(given):
                return error_response(request, 401, "wrong token")
            # once: trade the token for a cookie and drop it from the address
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(COOKIE, self.session, httponly=True, samesite="strict", path=root(request) or "/",
                                secure=request.url.scheme == "https")
            return response
        if not (self._token_ok(bearer) or self._session_ok(request.cookies.get(COOKIE))):
            return error_response(
                request, 401, "this server needs a token: send Authorization: Bearer TOKEN, or open a link with ?token=TOKEN once")
        return None


def _host_name(host: str) -> str:
    """The name in a Host header, without port or IPv6 brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end != -1 else host
    return host.split(":", 1)[0]


def _secure(request: Request, response: Response) -> Response:
    """The headers every answer carries: the UI's CSP (unless the answer has its own), no sniffing,
    no framing, no referrer, and no caching except of the static files."""
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


# -- errors: one line, in the format the request asked for --------------------------------------------


def _add_error_handlers(app: FastAPI) -> None:
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
