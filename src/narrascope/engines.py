"""Analysis engines: where the pipeline runs when many documents are analysed.

An engine takes Documents and gives them back analysed, in the same order, with a failure for a
document reported as an :class:`AnalysisFailure` in its place instead of raised. Reading and storing
stay with the caller (``ingest`` is the single writer to the store), so resumability, dedup by
content hash and the error log do not depend on the engine.

- :class:`LocalEngine`: this process, or ``n_process`` worker processes (``Pipeline.pipe``). The default.
- :class:`DaskEngine`: the workers of an existing Dask distributed cluster.

    from narrascope.engines import DaskEngine
    from narrascope.pipeline import Pipeline
    with DaskEngine("tcp://10.0.0.5:8786", Pipeline.preset("light")) as engine:
        for result in engine.imap(documents):   # analysed Documents (or AnalysisFailure), in order
            ...

The Dask workers must run the same environment as the client: narrascope (same version) and its
models installed, ``pip install 'narrascope[dask]'``. Documents travel as JSON in chunks; a worker
builds the pipeline once (from its ``Pipeline.config``: component names and their options as JSON,
never a pickled pipeline) and keeps it for every later chunk; a bounded number of chunks is in flight at a
time, so memory stays flat however big the corpus. One thread per worker suits the analyzers
(``dask worker ADDRESS --nthreads 1 --nworkers N``): they hold the GIL, and a worker with more
threads runs its chunks one at a time anyway. A worker process raises glibc's mmap and trim
thresholds once before its first chunk, undoing the ``MALLOC_TRIM_THRESHOLD_`` Dask's nanny sets,
which slows the analyzers 1.6x (``NARRASCOPE_KEEP_MALLOC_TRIM=1`` keeps it).
"""

from __future__ import annotations

import abc
import concurrent.futures as cf
import contextlib
import json
import logging
import math
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence, Sized

from .errors import NarrascopeError
from .model import Document
from .pipeline import Pipeline, analyse_in_worker

__all__ = [
    "AnalysisEngine",
    "AnalysisFailure",
    "DaskEngine",
    "EngineError",
    "LocalEngine",
]

DEFAULT_DASK_CHUNK = 8
DEFAULT_DASK_TIMEOUT = 10.0


class EngineError(NarrascopeError):
    """The engine cannot run at all: the scheduler is unreachable or lost, the workers lack narrascope."""

    exit_code = 1


@dataclass
class AnalysisFailure:
    """Stands in the results for a document the pipeline failed on (the document as it was given)."""

    document: Document
    error_type: str
    message: str

    def __str__(self) -> str:
        return f"{self.error_type}: {self.message}"

    @classmethod
    def of(cls, document: Document, exc: BaseException) -> "AnalysisFailure":
        return cls(document, type(exc).__name__, str(exc))


# -- the interface ---------------------------------------------------------------------------------


class AnalysisEngine(abc.ABC):
    """Analyses Documents in order; per-document failures come back as AnalysisFailure, never raised.

    Subclasses implement :meth:`_submit` (start analysing a chunk), :meth:`_collect` (its results)
    and, when chunks run concurrently, :meth:`_wait` (which are done); this class keeps at most
    ``max_in_flight`` chunks of ``chunk_size`` documents under way and puts the results back in order.
    """

    chunk_size: int = 1
    max_in_flight: int = 1

    def map_documents(self, docs: Sequence[Document]) -> list[Document | AnalysisFailure]:
        """Every document analysed, in order; a failure stands in place of a document it failed on."""
        return list(self.imap(docs))

    def imap(self, items: Iterable[Any]) -> Iterator[Any]:
        """Lazily: each Document comes back analysed (or as an AnalysisFailure) and anything that is not
        a Document comes back unchanged, all in the order given (callers thread markers through).
        Reads ahead only as far as the chunks in flight, so memory does not grow with the input."""
        chunk_size = self._chunk_size_for(items)
        source = iter(items)
        # items read but not yet given back: room for every chunk in flight, with the markers callers
        # thread between documents (ingest sends about four per document), and no more
        limit = max(64, 8 * chunk_size * self.max_in_flight)
        ready: dict[int, Any] = {}
        inflight: list[tuple[Any, list[int], list[Document]]] = []
        chunk_seqs: list[int] = []
        chunk_docs: list[Document] = []
        seq = next_out = 0
        exhausted = False

        def submit() -> None:
            inflight.append((self._submit(list(chunk_docs)), list(chunk_seqs), list(chunk_docs)))
            chunk_seqs.clear()
            chunk_docs.clear()

        try:
            while True:
                while not exhausted and len(inflight) < self.max_in_flight and seq - next_out < limit:
                    try:
                        item = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    if isinstance(item, Document):
                        chunk_seqs.append(seq)
                        chunk_docs.append(item)
                        if len(chunk_docs) >= chunk_size:
                            submit()
                    else:
                        ready[seq] = item
                    seq += 1
                    while next_out in ready:
                        yield ready.pop(next_out)
                        next_out += 1
                if chunk_docs and len(inflight) < self.max_in_flight:
                    submit()  # the input ended or paused: do not hold a part chunk back
                if not inflight:
                    if exhausted and not chunk_docs:
                        break
                    continue
                done = set(self._wait([handle for handle, _, _ in inflight]))
                for index in sorted(done):
                    handle, seqs, docs = inflight[index]
                    results = self._collect(handle, docs)
                    if len(results) != len(docs):
                        raise EngineError(f"the engine returned {len(results)} results for {len(docs)} documents")
                    ready.update(zip(seqs, results))
                inflight[:] = [entry for i, entry in enumerate(inflight) if i not in done]
                while next_out in ready:
                    yield ready.pop(next_out)
                    next_out += 1
        finally:
            for handle, _, _ in inflight:
                self._cancel(handle)

    # -- for subclasses -----------------------------------------------------------------------------
    @abc.abstractmethod
    def _submit(self, docs: list[Document]) -> Any:
        """Start analysing ``docs``; returns a handle for :meth:`_collect`."""

    @abc.abstractmethod
    def _collect(self, handle: Any, docs: list[Document]) -> list[Document | AnalysisFailure]:
        """The results of a handle that :meth:`_wait` reported done, one per document of its chunk."""

    def _chunk_size_for(self, items: Iterable[Any]) -> int:
        return self.chunk_size

    def _wait(self, handles: list[Any]) -> list[int]:
        """Indexes of the handles that are done; blocks until at least one is. The default: the oldest."""
        return [0]

    def _cancel(self, handle: Any) -> None:
        """Give up a handle whose results are no longer wanted."""

    def close(self) -> None:
        """Release what the engine holds (connections, processes)."""

    def __enter__(self) -> "AnalysisEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- local ----------------------------------------------------------------------------------------


class LocalEngine(AnalysisEngine):
    """This process (``n_process`` 1), or a pool of ``n_process`` worker processes kept for the engine's
    life (each builds the pipeline once). A document an analyzer fails on comes back as an
    :class:`AnalysisFailure`; a document that kills its worker (a crash, the OOM killer) is found by
    running the documents of that chunk again one at a time in a fresh pool, and only it fails.
    ``pipeline`` may be any callable Document -> Document; without ``process_pool`` it runs here."""

    def __init__(self, pipeline: Any, n_process: int = 1, chunk_size: int | None = None) -> None:
        self.pipeline = pipeline
        self.n_process = n_process if hasattr(pipeline, "process_pool") else 1
        # a few documents per worker per chunk and a few chunks in flight keep every worker busy
        # while results still come back (and progress moves) in small steps
        self.chunk_size = 1 if self.n_process <= 1 else max(1, int(chunk_size or 2 * self.n_process))
        self.max_in_flight = 1 if self.n_process <= 1 else 3
        self._pool: Any = None

    def _get_pool(self) -> Any:
        if self._pool is None:
            self._pool = self.pipeline.process_pool(self.n_process)
        return self._pool

    def _submit(self, docs: list[Document]) -> Any:
        if self.n_process <= 1:
            return [self._here(doc) for doc in docs]
        pool = self._get_pool()
        try:
            return [pool.submit(analyse_in_worker, doc) for doc in docs]
        except cf.BrokenExecutor:
            self._reset_pool()
            return [self._alone(doc) for doc in docs]

    def _here(self, doc: Document) -> Document | AnalysisFailure:
        try:
            return self.pipeline(doc)
        except Exception as exc:  # an analyzer bug must not stop the corpus
            return AnalysisFailure.of(doc, exc)

    def _collect(self, handle: Any, docs: list[Document]) -> list[Document | AnalysisFailure]:
        if self.n_process <= 1 or all(isinstance(r, (Document, AnalysisFailure)) for r in handle):
            return handle
        out: list[Document | AnalysisFailure] = []
        for future, doc in zip(handle, docs):
            if isinstance(future, (Document, AnalysisFailure)):
                out.append(future)
                continue
            try:
                out.append(self._result(future.result(), doc))
            except cf.BrokenExecutor:
                # a worker died under this chunk (or a neighbour): find which document kills it
                self._reset_pool()
                out.append(self._alone(doc))
        return out

    def _alone(self, doc: Document) -> Document | AnalysisFailure:
        """``doc`` by itself in the pool; a failure if it kills the worker again."""
        try:
            return self._result(self._get_pool().submit(analyse_in_worker, doc).result(), doc)
        except cf.BrokenExecutor:
            self._reset_pool()
            return AnalysisFailure(doc, "WorkerDied", "the worker process analysing it died (a crash, or out of memory)")

    @staticmethod
    def _result(value: Any, doc: Document) -> Document | AnalysisFailure:
        if isinstance(value, Document):
            return value
        error_type, message = value
        return AnalysisFailure(doc, error_type, message)

    def _reset_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# -- Dask ------------------------------------------------------------------------------------------

# On a worker: the pipelines built so far, by their config's JSON, each with a lock (a worker with
# several threads runs one chunk at a time through a pipeline, since analyzers keep state).
_WORKER_PIPELINES: dict[str, tuple[Any, threading.Lock]] = {}
_WORKER_BUILD_LOCK = threading.Lock()


_malloc_tuned = False


def _tune_worker_malloc() -> None:
    """Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 (to hand freed memory back to the
    OS), which also turns off glibc's sliding mmap threshold: every numpy temporary over 128 KB is then
    mapped and unmapped again, and the analyzers run about 1.6x slower (116 instead of 73 ms of CPU per
    article, full pipeline with --fast models, measured). Raise both thresholds in this worker process,
    once; NARRASCOPE_KEEP_MALLOC_TRIM=1 leaves Dask's setting as it is."""
    global _malloc_tuned
    if _malloc_tuned:
        return
    _malloc_tuned = True
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or os.environ.get("NARRASCOPE_KEEP_MALLOC_TRIM"):
        return
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: 32 MB
        libc.mallopt(-1, 128 << 20)  # M_TRIM_THRESHOLD: 128 MB
    except (OSError, AttributeError):  # not glibc
        pass


def _config_of(pipeline: Pipeline | dict[str, Any]) -> dict[str, Any]:
    """What the workers build: a Pipeline's config (ValueError for a component they cannot build), or a
    config given as such (checked on the workers, where its analyzers must be registered)."""
    if isinstance(pipeline, Pipeline):
        return pipeline.config
    if isinstance(pipeline, dict):
        try:
            json.dumps(pipeline, allow_nan=False)
        except (TypeError, ValueError):
            raise ValueError("a pipeline config sent to workers must be JSON") from None
        return pipeline
    raise ValueError(f"a {type(pipeline).__name__} cannot be sent to workers: give a Pipeline or its config")


def _worker_pipeline(key: str) -> tuple[Any, threading.Lock]:
    with _WORKER_BUILD_LOCK:
        entry = _WORKER_PIPELINES.get(key)
        if entry is None:
            _tune_worker_malloc()
            pipeline = Pipeline.from_config(json.loads(key))
            pipeline.check()
            for name in pipeline.enabled:  # load the models now: a missing one fails the run, not each document
                pipeline.get(name).ensure_ready()
            entry = _WORKER_PIPELINES[key] = (pipeline, threading.Lock())
        return entry


def _analyse_chunk(key: str, payloads: list[str]) -> list[tuple[str, ...]]:
    """Runs on a worker: ("ok", document JSON) or ("error", type, message) per document, or one
    ("fatal", message) when the pipeline cannot be built there."""
    try:
        pipeline, lock = _worker_pipeline(key)
    except Exception as exc:
        return [("fatal", f"{type(exc).__name__}: {exc}")]
    out: list[tuple[str, ...]] = []
    with lock:
        for payload in payloads:
            try:
                out.append(("ok", pipeline(Document.from_json(payload)).to_json(indent=None)))
            except Exception as exc:
                out.append(("error", type(exc).__name__, str(exc)))
    return out


def _worker_version() -> str:
    from . import __version__

    return __version__


def _short_reason(exc: BaseException, timeout: float) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, TimeoutError) or "timed out" in text.lower():
        return f"no answer within {timeout:g} s"
    return (text[:200] + "…" if len(text) > 200 else text) or type(exc).__name__


class DaskEngine(AnalysisEngine):
    """The workers of an existing Dask distributed cluster, reached through its scheduler.

    Workers need narrascope installed (the same version as here) with its models. Documents go to
    them as JSON in chunks of ``chunk_size``; each worker builds ``pipeline`` (a Pipeline, or a
    ``Pipeline.config``, which may name analyzers registered only on the workers) from its config once
    and caches it; at most ``max_in_flight`` chunks (default: two per worker
    thread) are under way. Raises EngineError when the scheduler cannot be reached within ``timeout``
    seconds, has no workers, or the workers lack narrascope."""

    def __init__(self, scheduler_address: str, pipeline: Pipeline | dict[str, Any], *, chunk_size: int = DEFAULT_DASK_CHUNK,
                 max_in_flight: int | None = None, timeout: float = DEFAULT_DASK_TIMEOUT) -> None:
        try:
            import distributed
        except ImportError:
            raise EngineError("--engine dask needs dask's distributed package: pip install 'narrascope[dask]'") from None
        self._distributed = distributed
        self.config = _config_of(pipeline)
        self._key = json.dumps(self.config, sort_keys=True, separators=(",", ":"), allow_nan=False)
        self.address = scheduler_address
        self.chunk_size = max(1, int(chunk_size))
        self.timeout = timeout
        self._finished = threading.Event()
        self.client = None
        try:
            # a malformed or unresolvable address fails here, before a half-made Client complains at exit
            from distributed.comm import resolve_address

            resolve_address(scheduler_address)
            self.client = distributed.Client(scheduler_address, timeout=timeout, set_as_default=False)
        except Exception as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler_address} ({_short_reason(exc, timeout)})") from None
        try:
            self._check_workers()
            threads = sum(self.client.nthreads().values()) or 1
        except BaseException:
            self.close()
            raise
        self.max_in_flight = max(1, int(max_in_flight)) if max_in_flight else max(2, 2 * threads)

    def _check_workers(self) -> None:
        from . import __version__

        try:
            self.client.wait_for_workers(1, timeout=self.timeout)
        except Exception:
            raise EngineError(f"the Dask cluster at {self.address} has no workers (none joined within {self.timeout:g} s)") from None
        try:
            versions = self.client.run(_worker_version)
        except Exception as exc:
            raise EngineError(f"the Dask workers at {self.address} cannot run narrascope ({_short_reason(exc, self.timeout)}); "
                              "install narrascope, the same version as here, on every worker") from None
        other = sorted({v for v in versions.values() if v != __version__})
        if other:
            raise EngineError(f"the Dask workers at {self.address} run narrascope {', '.join(other)}, this is {__version__}; "
                              "install the same version everywhere")

    def _chunk_size_for(self, items: Iterable[Any]) -> int:
        # a short list is spread over every slot instead of filling one chunk (one worker)
        if isinstance(items, Sized):
            return max(1, min(self.chunk_size, math.ceil(len(items) / self.max_in_flight)))
        return self.chunk_size

    @property
    def workers(self) -> int:
        return len(self.client.nthreads())

    def _submit(self, docs: list[Document]) -> Any:
        payloads = [doc.to_json(indent=None) for doc in docs]
        future = self.client.submit(_analyse_chunk, self._key, payloads, pure=False)
        future.add_done_callback(lambda _: self._finished.set())
        return future

    def _wait(self, handles: list[Any]) -> list[int]:
        while True:
            self._finished.clear()
            done = [i for i, handle in enumerate(handles) if handle.done()]
            if done:
                return done
            if self.client is None or self.client.status in ("closing", "closed", "failed"):
                raise EngineError(f"lost the Dask scheduler at {self.address}")
            self._finished.wait(1.0)

    def _collect(self, handle: Any, docs: list[Document], _retries: int = 0) -> list[Document | AnalysisFailure]:
        status = handle.status
        if status == "error":
            exc = handle.exception()
            handle.release()
            if type(exc).__name__ == "KilledWorker":  # a document that crashes workers
                if len(docs) == 1:
                    return [AnalysisFailure(docs[0], "KilledWorker", "the Dask worker died analysing this document")]
                # find it: analyse the chunk again in halves, so only the culprit is lost (rare, so slow is fine)
                out: list[Document | AnalysisFailure] = []
                for part in (docs[:len(docs) // 2], docs[len(docs) // 2:]):
                    again = self._submit(part)
                    with contextlib.suppress(Exception):
                        again.exception()  # waits for the task to end, however it ends
                    out += self._collect(again, part)
                return out
            raise EngineError(f"the Dask workers at {self.address} failed ({type(exc).__name__}: {_short_reason(exc, self.timeout)}); "
                              "they need narrascope installed, the same version as here")
        if status == "lost" and self.client is not None and self.client.status == "running" and _retries < 3:
            # the result was held by a worker that has since died (say, killed by another chunk): redo it
            handle.release()
            again = self._submit(docs)
            with contextlib.suppress(Exception):
                again.exception()
            return self._collect(again, docs, _retries + 1)
        if status != "finished":
            raise EngineError(f"lost the Dask scheduler at {self.address} (a task was {status})")
        try:
            rows = handle.result()
        except Exception as exc:
            raise EngineError(f"lost the Dask scheduler at {self.address} ({_short_reason(exc, self.timeout)})") from None
        handle.release()
        if len(rows) == 1 and rows[0][0] == "fatal":
            raise EngineError(f"the Dask workers cannot build the pipeline ({rows[0][1]}); "
                              "they need narrascope installed, the same version and models as here")
        out: list[Document | AnalysisFailure] = []
        for doc, row in zip(docs, rows):
            if row[0] == "ok":
                out.append(Document.from_json(row[1]))
            else:
                out.append(AnalysisFailure(doc, row[1], row[2]))
        return out

    def _cancel(self, handle: Any) -> None:
        try:
            handle.cancel()
        except Exception:
            pass

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is None:
            return
        self.client = None
        # closing a client that lost its scheduler cuts its reconnect short, which distributed logs
        # with a traceback; the EngineError already said what happened, in one line
        log = logging.getLogger("distributed.client")
        level = log.level
        if client.status != "running":
            log.setLevel(logging.CRITICAL)
        try:
            client.close(timeout=self.timeout)
        except Exception:
            pass
        finally:
            log.setLevel(level)
