"""Ingest: many sources into a corpus store, resumably, with a per-item error log.

    from narrascope.ingest import ingest
    from narrascope.store import open_store
    with open_store("corpus.db") as store:
        report = ingest(["articles/", "feeds/*.xml", "https://example.org/a"], store)

Sources are files, folders (recursive: files with a known extension, hidden ones skipped), globs,
http(s) URLs and ``-`` (stdin). Each is read by the readers (``narrascope.readers``), analysed by a
light pipeline unless told otherwise, and written in batches, each one transaction. A source is
marked done (file: path + size + mtime; URL: the URL) in the transaction that stores its last
document, so a re-run after an interruption, even ``kill -9``, skips finished sources and re-reads
at most the unfinished ones; documents are keyed by content hash, so re-adding is idempotent and
the final set of documents equals an uninterrupted run's.

The analysis runs here (``n_process`` processes) or on the workers of a Dask cluster
(``engine="dask", scheduler=...``, see ``narrascope.engines``); reading and storing always happen in
this process, the one writer to the store, so all of the above holds with either engine.

URLs are fetched by the one guarded fetcher (``narrascope.readers.fetch``): a socket timeout, an
overall deadline and a size limit, never from private or loopback addresses unless
``allow_private``, and never from link-local or cloud metadata addresses at all; every redirect hop
is checked, and so is the address actually connected to (DNS rebinding).
"""

from __future__ import annotations

import glob
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from . import readers
from .engines import AnalysisEngine, AnalysisFailure, DaskEngine, EngineError, LocalEngine
from .errors import DiskFullError, InputError
from .model import Document
from .pipeline import Pipeline
from .readers.base import format_for_name
from .readers.fetch import (  # noqa: F401 - check_url, is_public_address, PrivateAddressError: re-exported
    DEFAULT_DEADLINE,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_TIMEOUT,
    Fetcher,
    PrivateAddressError,
    check_url,
    is_public_address,
)
from .store.base import Store

DEFAULT_URL_TIMEOUT = DEFAULT_TIMEOUT
DEFAULT_URL_DEADLINE = DEFAULT_DEADLINE
DEFAULT_URL_MAX_BYTES = DEFAULT_MAX_DOWNLOAD_BYTES
MAX_ERRORS_IN_REPORT = 1000


@dataclass
class IngestProgress:
    """Passed to ``progress`` after each source: enough for a bar with rate and ETA."""

    sources_done: int
    sources_total: int
    added: int
    skipped: int
    failed: int
    elapsed: float
    current: str = ""

    @property
    def docs_per_s(self) -> float:
        return (self.added + self.skipped) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left, estimated from the sources done so far."""
        if not self.sources_done or self.elapsed <= 0:
            return None
        return self.elapsed / self.sources_done * (self.sources_total - self.sources_done)


@dataclass
class IngestReport:
    added: int = 0  # new documents stored
    skipped: int = 0  # documents already stored (or repeated within this run)
    failed: int = 0  # sources or items that could not be read or analysed (see errors)
    warnings: int = 0  # records mended and stored (a lone surrogate replaced...), also in errors
    errors: list[str] = field(default_factory=list)  # "where: message" ("warning: where: message"), also in store.errors()
    sources: int = 0  # sources after expanding folders and globs
    sources_resumed: int = 0  # sources skipped because an earlier run finished them
    elapsed: float = 0.0
    near_duplicates: dict[str, int] = field(default_factory=dict)  # what the cluster update did (clusters.update_stored_clusters)

    @property
    def docs_per_s(self) -> float:
        return (self.added + self.skipped) / self.elapsed if self.elapsed > 0 else 0.0


# -- sources ---------------------------------------------------------------------------------------


def _folder_files(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and format_for_name(name) is not None:
                found.append(Path(root) / name)
    return found


def expand_sources(sources: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Files, folders (recursively, known extensions only), globs (``**`` allowed), URLs and ``-``,
    in order, each once. A name that is none of these is kept, so reading it reports why."""
    out: list[str] = []
    seen: set[str] = set()

    def push(item: str) -> None:
        if item not in seen:
            seen.add(item)
            out.append(item)

    for raw in sources:
        source = os.fspath(raw)
        if source == "-" or readers.is_url(source):
            push(source.strip())
            continue
        path = Path(source)
        if path.is_dir():
            for f in _folder_files(path):
                push(str(f))
        elif path.exists() or not glob.has_magic(source):
            push(source)
        else:
            matched = sorted(glob.glob(source, recursive=True))
            if not matched:
                push(source)  # reading it says "no such file"
            for m in matched:
                if Path(m).is_dir():
                    for f in _folder_files(Path(m)):
                        push(str(f))
                else:
                    push(m)
    return out


def source_key(source: str) -> str | None:
    """What marks a source done: a file's absolute path, size and mtime; a URL; None for stdin."""
    if source == "-":
        return None
    if readers.is_url(source):
        return "url:" + source.strip()
    try:
        info = os.stat(source)
    except OSError:
        return None
    return f"file:{os.path.abspath(source)}|{info.st_size}|{info.st_mtime_ns}"


# -- ingest ----------------------------------------------------------------------------------------


def _item_name(doc: Document) -> str:
    meta = doc.metadata
    if meta.get("line") is not None:
        return f"line {meta['line']}"
    if meta.get("message_id") is not None:
        return f"message {meta['message_id']}"
    if meta.get("record_index") is not None:
        return f"record {int(meta['record_index']) + 1}"
    return ""


@dataclass
class _Source:  # the events that flow through the engine with the documents, in reading order
    item: str


@dataclass
class _Keep:  # a document stored as read: already known (a sighting) or --raw
    doc: Document


@dataclass
class _Problem:
    where: str
    item: str
    message: str
    kept: bool = False  # the record was mended and stored: a warning in the error log, not a failure


@dataclass
class _Finished:
    key: str


@dataclass
class _Tick:
    number: int
    item: str


def ingest(
    sources: Iterable[str | os.PathLike[str]],
    store: Store,
    *,
    pipeline: Any = None,
    batch_size: int = 50,
    allow_private: bool = False,
    progress: Callable[[IngestProgress], None] | None = None,
    reader_options: dict[str, Any] | None = None,
    resume: bool = True,
    source: str | None = None,
    n_process: int = 1,
    url_timeout: float = DEFAULT_URL_TIMEOUT,
    url_max_bytes: int = DEFAULT_URL_MAX_BYTES,
    url_deadline: float = DEFAULT_URL_DEADLINE,
    throttle: float = 0.0,
    engine: Any = "local",
    scheduler: str | None = None,
    update_clusters: bool = True,
) -> IngestReport:
    """Read, analyse and store ``sources``; never raises for bad input (see the report and
    ``store.errors()``).

    ``pipeline``: None runs the light preset (``Pipeline.preset("light")``: without the model-based
    analyzers), False stores documents as
    read, a Pipeline runs that. ``resume=False`` re-reads sources an earlier run finished (their
    documents are still not stored twice). ``source`` overrides the outlet name of every document.
    ``n_process`` > 1 analyses each batch in that many processes. ``throttle``: seconds to wait
    after each source (polite crawling; tests use it to interrupt a run half way). URLs go through
    one ``readers.fetch.Fetcher``: ``url_timeout`` a socket operation, ``url_deadline`` a whole
    download, ``url_max_bytes`` its body; ``allow_private`` opens private and loopback addresses.

    ``engine``: where the analysis runs. "local" (this process, or ``n_process`` processes);
    "dask" (the workers of the Dask cluster whose scheduler is at ``scheduler``; the pipeline must be
    built from registered analyzers, see ``narrascope.engines``); or an ``AnalysisEngine``, which then
    brings its own pipeline. Reading and storing always happen here, so resuming, dedup and the
    error log work the same with every engine. Raises ``EngineError`` (exit code 1) when a Dask
    cluster cannot be reached or is lost; what was analysed by then is stored.

    ``update_clusters``: each stored document's MinHash signature is kept, and at the end the new
    documents join the stored near-duplicate clusters (or form new ones) without a full recompute
    (``clusters.update_stored_clusters``; ``report.near_duplicates`` says what it did). A text seen
    again under another name is stored once, with a sighting for each name (``store.exact_copies()``).
    """
    started = time.monotonic()
    options = dict(reader_options or {})
    batch_size = max(1, int(batch_size))
    analysing = pipeline is not False
    owned = None
    if isinstance(engine, AnalysisEngine):
        if pipeline not in (None, False):
            raise ValueError("give the pipeline to the engine, not to ingest, when passing an engine")
        runner: AnalysisEngine | None = engine if analysing else None
    elif engine in (None, "local"):
        runner = owned = LocalEngine(Pipeline.preset("light") if pipeline is None else pipeline, n_process=n_process,
                                     chunk_size=batch_size) if analysing else None
    elif engine == "dask":
        if not scheduler:
            raise ValueError('engine="dask" needs scheduler="tcp://HOST:PORT"')
        runner = owned = DaskEngine(scheduler, Pipeline.preset("light") if pipeline is None else pipeline) if analysing else None
    else:
        raise ValueError(f"unknown engine {engine!r}: use 'local', 'dask' or an AnalysisEngine")

    items = expand_sources(sources)
    report = IngestReport(sources=len(items))
    fetcher = Fetcher(allow_private=allow_private, timeout=url_timeout, deadline=url_deadline, max_bytes=url_max_bytes)

    pending: list[tuple[Document, str]] = []  # analysed (or kept) documents, stored at the next flush
    pending_done: list[str] = []
    pending_errors: list[tuple[str, str, str]] = []
    unsettled: set[str] = set()  # ids read whose first copy is not yet stored (or failed): copies are sightings
    settled: list[str] = []

    def error(where: str, item: str, message: str, kept: bool = False) -> None:
        if kept:
            report.warnings += 1
        else:
            report.failed += 1
        pending_errors.append((where, item, f"warning: {message}" if kept else message))
        if len(report.errors) < MAX_ERRORS_IN_REPORT:
            line = f"{where}{':' + item if item else ''}: {message}" if not message.startswith(where) else message
            report.errors.append(f"warning: {line}" if kept else line)

    signer = None
    if update_clusters:
        from .clusters import Signer, sign_documents, update_stored_clusters

        signer = Signer()

    def flush() -> None:
        added = skipped = 0  # counted into the report once the batch is committed
        fresh: list[Document] = []
        with store.batch():
            for doc, where in pending:
                try:
                    stored = store.add(doc, source)
                except DiskFullError:
                    raise  # every later write would fail too: stop, keeping what was committed
                except Exception as exc:  # one unstorable document is an error, not a lost batch
                    error(where, _item_name(doc), f"could not store ({type(exc).__name__}: {exc})")
                    continue
                if stored:
                    added += 1
                    fresh.append(doc)
                else:
                    skipped += 1
            if signer is not None and fresh:
                sign_documents(store, fresh, signer)  # with the documents: a committed one is always signed
            for where, item, message in pending_errors:
                store.record_error(where, item, message)
            for key in pending_done:
                store.mark_done(key)
        report.added += added
        report.skipped += skipped
        unsettled.difference_update(doc.id for doc, _ in pending)
        unsettled.difference_update(settled)
        pending.clear()
        pending_done.clear()
        pending_errors.clear()
        settled.clear()

    def events() -> Iterator[Any]:
        """Reading, in order: a source, its problems and documents (a Document is analysed on the
        way), that it is finished, a tick. Runs ahead of storing only as far as the engine reads."""
        for number, item in enumerate(items, 1):
            key = source_key(item)
            if resume and key is not None and store.is_done(key):
                report.sources_resumed += 1
            else:
                yield _Source(item)
                try:
                    if item == "-":
                        result = readers.read_stdin(**options)
                    elif readers.is_url(item):
                        result = readers.read_url(item, fetcher=fetcher, **options)
                    else:
                        result = readers.read_path(item, **options)
                except InputError as exc:
                    yield _Problem(item, "", str(exc))
                    result = None
                except Exception as exc:  # a reader bug is one failed source, not a crashed ingest
                    yield _Problem(item, "", f"could not read ({type(exc).__name__}: {exc})")
                    result = None
                if result is not None:
                    for problem in result.problems:
                        where = getattr(problem, "item", None) or (f"line {problem.line}" if problem.line is not None else "")
                        yield _Problem(item, where, problem.message, getattr(problem, "kept", False))
                    documents = result.documents[::-1]  # handed on one by one, not held till the source ends
                    result = None
                    while documents:
                        doc = documents.pop()
                        known = doc.id in unsettled or doc.id in store
                        unsettled.add(doc.id)
                        yield doc if analysing and not known else _Keep(doc)  # known: stored only as a sighting
                    if key is not None:
                        yield _Finished(key)
                if throttle > 0:
                    time.sleep(throttle)
            yield _Tick(number, item)

    where = ""
    stream = runner.imap(events()) if runner is not None else events()
    try:
        for event in stream:
            if isinstance(event, Document):
                pending.append((event, where))
            elif isinstance(event, _Keep):
                pending.append((event.doc, where))
            elif isinstance(event, AnalysisFailure):
                settled.append(event.document.id)
                error(where, _item_name(event.document), f"analysis failed ({event.error_type}: {event.message})")
            elif isinstance(event, _Source):
                where = event.item
            elif isinstance(event, _Problem):
                error(event.where, event.item, event.message, event.kept)
            elif isinstance(event, _Finished):
                pending_done.append(event.key)
            elif isinstance(event, _Tick):
                if len(pending) >= batch_size or len(pending_done) >= batch_size or len(pending_errors) >= batch_size:
                    flush()
                if progress is not None:
                    progress(IngestProgress(event.number, len(items), report.added, report.skipped, report.failed,
                                            time.monotonic() - started, event.item))
                continue
            if len(pending) >= batch_size:
                flush()
        if pending or pending_done or pending_errors:
            flush()
        if signer is not None:
            report.near_duplicates = update_stored_clusters(store, signer=signer)
    except EngineError:
        if pending or pending_done or pending_errors:
            flush()  # everything here was analysed; sources are marked done only after their last document
        raise
    except DiskFullError as exc:
        raise DiskFullError(f"{exc} ({report.added} documents added by this run before it; sources are marked done "
                            "only once stored, so after freeing space the same command resumes)") from None
    finally:
        if owned is not None:
            owned.close()
    report.elapsed = time.monotonic() - started
    return report
