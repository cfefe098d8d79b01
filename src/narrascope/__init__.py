"""narrascope: what a news article is doing, with the exact words behind every finding."""

from __future__ import annotations

import os
from pathlib import Path

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


def _looks_like_path(value: str) -> bool:
    """An existing file, or a single token shaped like a path (so a missing file is reported as
    missing instead of being analysed as a one-word article)."""
    if len(value) >= 4096 or "\n" in value:
        return False
    if os.path.exists(value):
        return True
    return not any(c.isspace() for c in value) and (os.path.sep in value or Path(value).suffix.lower() in _PATH_SUFFIXES)


_PATH_SUFFIXES = {".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".json", ".jsonl", ".ndjson", ".csv", ".tsv"}


def _read(source: str | os.PathLike[str] | bytes, **reader_options) -> list[Document]:
    from . import readers

    if isinstance(source, bytes):
        return readers.read_bytes(source, name="<bytes>", **reader_options).documents
    if isinstance(source, os.PathLike):
        return readers.read_path(Path(source), **reader_options).documents
    if readers.is_url(source):
        return readers.read_url(source, **reader_options).documents
    if _looks_like_path(source):
        return readers.read_path(Path(source), **reader_options).documents
    return [readers.read_text(source, **reader_options)]


def analyze(source: str | os.PathLike[str] | bytes, *, pipeline: Pipeline | None = None, **reader_options) -> Document:
    """Analyse one article: pasted text, a path, a URL or raw bytes. Returns the Document.

    For inputs that hold several records (JSONL, CSV) use ``analyze_all``.
    """
    docs = _read(source, **reader_options)
    if len(docs) != 1:
        raise InputError(f"input holds {len(docs)} documents; use analyze_all() for several")
    return (pipeline or default_pipeline())(docs[0])


def analyze_all(source: str | os.PathLike[str] | bytes, *, pipeline: Pipeline | None = None, n_process: int = 1, **reader_options) -> list[Document]:
    """Analyse every document an input holds (one for a text file, many for JSONL/CSV)."""
    docs = _read(source, **reader_options)
    return list((pipeline or default_pipeline()).pipe(docs, n_process=n_process))
