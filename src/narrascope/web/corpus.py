"""The store as the web UI uses it: worker threads that own its connections, and a result cache.

SQLite connections cannot cross threads, so the store is used only by a few worker threads
(:class:`StoreWorkers`) that each open their own read-only connection (the UI never writes); async
endpoints hand store calls to them and await the result, and independent calls of one page run side
by side. Every call runs under the store's :meth:`~narrascope.store.Store.time_limit`, so a
statement past the budget ends as :class:`QueryTimeout` (a 503) instead of holding a worker.
:class:`Corpus` is what the views use: store results cached per corpus state (documents, clusters
and error counts, :meth:`~narrascope.store.Store.corpus_state`), so a page seen once is instant
until the corpus changes, and the same call made once at a time.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from typing import Any, Callable

from ..store import Store, StoreTimeoutError, open_store
from .settings import CACHE_SIZE, CACHE_TTL, EXTRA_BUDGET, QUERY_BUDGET, STATE_INTERVAL, WORKERS


class QueryTimeout(Exception):
    """A store statement ran past its time budget (and was interrupted)."""

    def __init__(self, budget: float) -> None:
        super().__init__(f"the store took longer than {budget:g} s")
        self.budget = budget


class StoreWorkers:
    """A few threads, each with its own store connection, that run ``fn(store, *args)`` jobs.

    Connections are opened lazily in the thread that uses them and closed by that same thread when
    :meth:`close` sends each worker its stop signal, as SQLite requires."""

    def __init__(self, url: str, workers: int = WORKERS) -> None:
        self.url = url
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._loop, name=f"narrascope-web-store-{i}", daemon=True)
                         for i in range(max(1, workers))]
        self._closed = False
        for thread in self._threads:
            thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

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
                try:
                    if store is None:
                        store = open_store(self.url, read_only=True)  # works on read-only media; refuses every write
                    # closing the workers stops a running statement too (where the backend can ask)
                    with store.time_limit(budget, stop=lambda: self._closed):
                        future.set_result(fn(store, *args))
                except StoreTimeoutError:
                    future.set_exception(QueryTimeout(budget))
                except BaseException as exc:  # handed to the awaiting request
                    future.set_exception(exc)
        finally:
            if store is not None:
                store.close()

    async def run(self, fn: Callable[..., Any], *args: Any, budget: float | None = None) -> Any:
        """``fn(store, *args)`` on a worker; :class:`QueryTimeout` when a statement runs past ``budget`` s
        (default :data:`QUERY_BUDGET`), or the workers are closing."""
        if self._closed:
            raise RuntimeError("the store workers are closed")
        future: Future = Future()
        self._jobs.put((fn, args, future, QUERY_BUDGET if budget is None else budget))
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

    def __init__(self, size: int = CACHE_SIZE, ttl: float = CACHE_TTL) -> None:
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


def _corpus_state(store: Store) -> tuple:
    return store.corpus_state()


class Corpus:
    """What the endpoints use: store calls cached per store state, the same call made once at a time."""

    def __init__(self, url: str, workers: int = WORKERS, extra_budget: float = EXTRA_BUDGET,
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
            if self._workers is None or self._workers.closed:
                self._workers = StoreWorkers(self.url, self.n_workers)
            return self._workers

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(store, *args)`` on a worker thread, uncached."""
        return await self.workers.run(fn, *args, budget=self.query_budget)

    async def state(self) -> tuple:
        now = time.monotonic()
        if now - self._state_at > STATE_INTERVAL:
            self._state = await self.run(_corpus_state)
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
