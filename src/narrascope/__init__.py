"""narrascope: what a news article is doing, with the exact words behind every finding."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# The NER model multiplies small matrices; OpenBLAS threads cost more than they give there, and
# with one worker process per core they fight each other (measured on 2 cores: 13.3 -> 15.7
# articles/s; one article alone 105 -> 84 ms). Only takes effect if numpy is not loaded yet, and a
# value the user set wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .errors import InputError, NarrascopeError
from .model import Document, Group, Span
from .pipeline import Pipeline, register_analyzer

__version__ = "0.1.0"

__all__ = [
    "Document",
    "Group",
    "InputError",
    "NarrascopeError",
    "Pipeline",
    "Span",
    "analyze",
    "analyze_all",
    "analyze_all_url",
    "analyze_url",
    "default_pipeline",
    "register_analyzer",
    "__version__",
]

_default_pipeline: Pipeline | None = None


def default_pipeline() -> Pipeline:
    """The shared default pipeline (models load lazily on first use)."""
    global _default_pipeline
    if _default_pipeline is None:
        _default_pipeline = Pipeline.default()
    return _default_pipeline


def _read(source: str | os.PathLike[str] | bytes, **reader_options: Any) -> list[Document]:
    """A str is text, always; a path is an os.PathLike (pathlib.Path); bytes are a file's bytes.
    Nothing here opens a file named by a str or fetches a URL (that is ``analyze_url``)."""
    from . import readers

    if isinstance(source, str):
        return [readers.read_text(source, **reader_options)]
    if isinstance(source, (bytes, bytearray, memoryview)):
        return readers.read_bytes(bytes(source), name="<bytes>", **reader_options).documents
    if isinstance(source, os.PathLike):
        return readers.read_path(Path(source), **reader_options).documents
    raise InputError(f"expected text (str), a path (pathlib.Path) or bytes, not {type(source).__name__}; "
                     "for a URL use narrascope.analyze_url()")


def _read_url(url: str, allow_private: bool, timeout: float | None, deadline: float | None,
              max_download_bytes: int | None, reader_options: dict[str, Any]) -> list[Document]:
    from . import readers

    if not isinstance(url, str):
        raise InputError(f"expected a URL (str), not {type(url).__name__}")
    if not isinstance(allow_private, bool):
        raise InputError(f"allow_private must be True or False, not {type(allow_private).__name__}")
    fetcher = readers.Fetcher(allow_private=allow_private,
                              **{k: v for k, v in (("timeout", timeout), ("deadline", deadline),
                                                   ("max_bytes", max_download_bytes)) if v is not None})
    return readers.read_url(url, fetcher=fetcher, **reader_options).documents


def _one(docs: list[Document], pipeline: Pipeline | None, hint: str) -> Document:
    if len(docs) != 1:
        raise InputError(f"input holds {len(docs)} documents; use {hint}() for several")
    return (pipeline or default_pipeline())(docs[0])


def analyze(source: str | os.PathLike[str] | bytes, *, pipeline: Pipeline | None = None, **reader_options: Any) -> Document:
    """Analyse one article and return the Document.

    ``source`` is the article's text (a ``str`` is always text: ``analyze("/etc/passwd")`` analyses
    those eleven characters, it never opens a file or fetches a URL), a path (``pathlib.Path`` or
    any ``os.PathLike``) or a file's ``bytes``. For a URL use ``analyze_url``; for inputs that
    hold several records (JSONL, CSV, feeds) use ``analyze_all``. Anything else: InputError.
    """
    return _one(_read(source, **reader_options), pipeline, "analyze_all")


def analyze_all(source: str | os.PathLike[str] | bytes, *, pipeline: Pipeline | None = None, n_process: int = 1,
                **reader_options: Any) -> list[Document]:
    """Analyse every document an input holds (one for a text file, many for JSONL/CSV); ``source``
    as for ``analyze``."""
    docs = _read(source, **reader_options)
    return list((pipeline or default_pipeline()).pipe(docs, n_process=n_process))


def analyze_url(url: str, *, allow_private: bool = False, timeout: float | None = None, deadline: float | None = None,
                max_download_bytes: int | None = None, pipeline: Pipeline | None = None, **reader_options: Any) -> Document:
    """Fetch one article from an http(s) URL through the guarded fetcher and analyse it.

    Private and loopback addresses are refused unless ``allow_private``; link-local and cloud
    metadata addresses always, on every redirect hop and after DNS resolution. ``timeout`` (20 s)
    bounds each socket operation, ``deadline`` (60 s) the whole download, ``max_download_bytes``
    (20 MB) its size; see ``narrascope.readers.fetch``. A page holding several records (a feed):
    ``analyze_all_url``.
    """
    docs = _read_url(url, allow_private, timeout, deadline, max_download_bytes, reader_options)
    return _one(docs, pipeline, "analyze_all_url")


def analyze_all_url(url: str, *, allow_private: bool = False, timeout: float | None = None, deadline: float | None = None,
                    max_download_bytes: int | None = None, pipeline: Pipeline | None = None, n_process: int = 1,
                    **reader_options: Any) -> list[Document]:
    """Every document a URL holds (an RSS/Atom feed, JSONL, CSV), analysed; fetched as by ``analyze_url``."""
    docs = _read_url(url, allow_private, timeout, deadline, max_download_bytes, reader_options)
    return list((pipeline or default_pipeline()).pipe(docs, n_process=n_process))
