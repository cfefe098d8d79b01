"""Readers: files, bytes, pasted text, URLs and stdin to Documents.

Every failure is an InputError with one line that names the input; nothing else
escapes for bad input. Formats: plain text, HTML, JSON, JSONL, CSV/TSV, Telegram
Desktop exports, RSS/Atom/RDF feeds and WARC web archives, chosen by ``format``, else by
extension, else by sniffing the content.
Text is never altered after decoding, because analyzers' offsets index it.
"""

from __future__ import annotations

import codecs
import http.client
import io
import os
import stat
import sys
import urllib.parse
from email.message import Message
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InputError
from ..model import Document
from .base import (
    DEFAULT_MAX_BYTES,
    FORMATS,
    MAX_DUMP_BYTES,
    MAX_JSON_BYTES,
    SNIFF_BYTES,
    Options,
    ReadProblem,
    ReadResult,
    format_for_name,
    human_size,
    normalize_format,
    replay,
)
from .csv_records import read_csv
from .dates import fill_dates
from .encoding import DAMAGED_UTF8, decode, detect_encoding
from .feeds import looks_like_feed, read_feed
from .fetch import Fetcher, shown_url
from .html import declared_charset, html_document, looks_like_html
from .json_records import looks_like_jsonl, parse_json, read_json, read_jsonl
from .warc import looks_like_warc, read_warc

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "Fetcher",
    "ReadProblem",
    "ReadResult",
    "decode",
    "is_url",
    "read_bytes",
    "read_path",
    "read_stdin",
    "read_text",
    "read_url",
]

def is_url(s: str) -> bool:
    """True for an http(s) URL with a host and nothing else around it."""
    if not isinstance(s, str) or len(s) > 8192:
        return False
    s = s.strip()
    if any(ch.isspace() for ch in s) or not s.lower().startswith(("http://", "https://")):
        return False
    try:
        return bool(urllib.parse.urlsplit(s).hostname)
    except ValueError:
        return False


def read_text(text: str, *, name: str = "<text>", **_ignored: Any) -> Document:
    """Pasted text as one Document, exactly as given."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{name}: the text is empty")
    return Document(text, metadata={"source": name, "source_format": "text"})


def read_path(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    text_field: str | None = None,
    title_field: str | None = None,
    id_field: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    date_field: str | None = None,
    date: str | None = None,
    date_from_mtime: bool = False,
) -> ReadResult:
    """Read a file. Big JSONL/CSV dumps are streamed; other formats are capped at ``max_bytes``.

    Dates (see ``readers.dates``): a document without its own takes the date in the file name, else
    ``date`` (``YYYY-MM-DD``, for the whole batch), else, with ``date_from_mtime``, the file's
    modification time; ``date_field`` names the records' date field."""
    path = Path(path)
    name = str(path)
    opts = Options(text_field, title_field, id_field, max_bytes, date_field)
    fmt = normalize_format(format) or format_for_name(path.name)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot open ({exc.strerror or type(exc).__name__})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: is a directory, not a file")
    # FIFOs and character devices report size 0 but may hold data: read them as streams.
    size = info.st_size if stat.S_ISREG(info.st_mode) else None
    if size == 0:
        raise InputError(f"{name}: the file is empty")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"{name}: cannot open ({exc.strerror or type(exc).__name__})") from None
    with handle:
        result = _read_stream(handle, name, size=size, fmt=fmt, opts=opts, tsv=path.suffix.lower() == ".tsv" or _is_tsv(format))
    fill_dates(result.documents, file_name=path.name, batch_date=date, mtime=info.st_mtime if date_from_mtime else None)
    return result


def read_bytes(
    data: bytes,
    *,
    name: str,
    format: str | None = None,
    text_field: str | None = None,
    title_field: str | None = None,
    id_field: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    date_field: str | None = None,
    date: str | None = None,
) -> ReadResult:
    """Read an in-memory file; ``name`` is used in messages, for its extension and for a date it carries."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError(f"{name}: expected bytes, got {type(data).__name__}")
    data = bytes(data)
    opts = Options(text_field, title_field, id_field, max_bytes, date_field)
    suffix = "" if name.startswith("<") else Path(name).suffix.lower()
    fmt = normalize_format(format) or (None if name.startswith("<") else format_for_name(name))
    if not data:
        raise InputError(f"{name}: the input is empty")
    result = _read_stream(io.BytesIO(data), name, size=len(data), fmt=fmt, opts=opts, tsv=suffix == ".tsv" or _is_tsv(format))
    fill_dates(result.documents, file_name=None if name.startswith("<") else name, batch_date=date)
    return result


def read_stdin(
    *,
    format: str | None = None,
    text_field: str | None = None,
    title_field: str | None = None,
    id_field: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    date_field: str | None = None,
    date: str | None = None,
    date_from_mtime: bool = False,
) -> ReadResult:
    """Read standard input (bytes, so the encoding is detected like a file's); ``date`` as for read_path
    (stdin has no file name or modification time)."""
    opts = Options(text_field, title_field, id_field, max_bytes, date_field)
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # stdin replaced by a text stream (tests, embedding)
        stream = io.BytesIO((sys.stdin.read() if sys.stdin else "").encode("utf-8"))
    result = _read_stream(stream, "<stdin>", size=None, fmt=normalize_format(format), opts=opts, tsv=_is_tsv(format))
    fill_dates(result.documents, batch_date=date)
    return result


def read_url(
    url: str,
    *,
    fetcher: Fetcher | None = None,
    allow_private: bool | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    max_download_bytes: int | None = None,
    format: str | None = None,
    text_field: str | None = None,
    title_field: str | None = None,
    id_field: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    date_field: str | None = None,
    date: str | None = None,
    date_from_mtime: bool = False,
) -> ReadResult:
    """Fetch an http(s) URL through the guarded fetcher and read it; the Content-Type picks the format and charset.

    ``fetcher`` (a ``readers.fetch.Fetcher``) does the download; without one, a Fetcher is built from
    ``allow_private`` (False), ``timeout`` (20 s a socket operation), ``deadline`` (60 s the whole
    download) and ``max_download_bytes`` (20 MB). Private and loopback addresses are refused unless
    ``allow_private``; link-local and metadata addresses always (see ``readers.fetch``).
    """
    settings = {"allow_private": allow_private, "timeout": timeout, "deadline": deadline, "max_bytes": max_download_bytes}
    settings = {k: v for k, v in settings.items() if v is not None}
    if fetcher is None:
        fetcher = Fetcher(**settings)
    elif settings:
        raise InputError(f"read_url: give either fetcher or {', '.join(settings)}, not both")
    if not is_url(url):
        raise InputError(f"{shown_url(url)}: not an http(s) URL")
    url = url.strip()
    opts = Options(text_field, title_field, id_field, max_bytes, date_field)
    with fetcher.open(url) as response:
        final_url = response.final_url
        content_type = Message()
        content_type["content-type"] = response.headers.get("Content-Type", "")
        mime = content_type.get_content_type().lower()
        charset = content_type.get_param("charset")
        fmt = normalize_format(format) or _MIME_FORMATS.get(mime)
        if fmt is None and mime not in ("text/plain", "application/octet-stream"):
            fmt = format_for_name(Path(urllib.parse.urlsplit(final_url).path).name)
        try:
            result = _read_stream(
                response, url, size=response.length, fmt=fmt, opts=opts, hint=charset if isinstance(charset, str) else None,
                url=final_url, tsv=mime == "text/tab-separated-values" or _is_tsv(format),
            )
        except (OSError, http.client.HTTPException) as exc:
            raise InputError(f"{shown_url(url)}: the download failed ({type(exc).__name__})") from None
    fill_dates(result.documents, batch_date=date)  # a page has no file name or modification time of its own
    return result


_MIME_FORMATS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "text/csv": "csv",
    "text/tab-separated-values": "csv",
    "text/markdown": "text",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/warc": "warc",
}


def _is_tsv(format: str | None) -> bool:
    return isinstance(format, str) and format.strip().lower().lstrip(".") == "tsv"


def _too_large(name: str, size: int, limit: int, what: str = "") -> InputError:
    return InputError(
        f"{name}: {what or 'the file'} is {human_size(size)}, over the {human_size(limit)} limit for one article "
        f"(raise it with max_bytes / --max-bytes, or give one article per line as JSONL)"
    )


def _read_stream(
    stream: BinaryIO,
    name: str,
    *,
    size: int | None,
    fmt: str | None,
    opts: Options,
    hint: str | None = None,
    url: str | None = None,
    tsv: bool = False,
) -> ReadResult:
    """The shared path: sniff a sample (binary? encoding? format?), then either stream
    records (JSONL, CSV) or read the whole input under its size limit."""
    try:
        sample = stream.read(SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if not sample:
        raise InputError(f"{name}: the file is empty")
    if fmt == "warc" or (fmt is None and looks_like_warc(sample)):
        # a web archive is streamed record by record; only a stream of unknown size is capped
        rest = stream if size is not None else _Capped(stream, MAX_DUMP_BYTES - len(sample), name)
        return read_warc(replay(sample, rest), name=name, opts=opts)
    partial = len(sample) < size if size is not None else len(sample) == SNIFF_BYTES
    if not partial and not sample.strip():
        raise InputError(f"{name}: the file holds only whitespace")
    # Binary and encoding checks on the sample: a 2 GB PNG fails here, before any reading.
    encoding = detect_encoding(sample, name, hint=hint, partial=partial)
    codec = "utf-8" if encoding == DAMAGED_UTF8 else encoding
    sample_text = codecs.getincrementaldecoder(codec)("replace").decode(sample, final=not partial)

    auto = fmt is None
    if auto:
        stripped = sample_text.lstrip("\ufeff \t\r\n")
        if looks_like_feed(stripped):  # before HTML: <title> and <link> look like HTML tags
            fmt = "feed"
        elif looks_like_html(stripped):
            fmt = "html"
        elif looks_like_jsonl(stripped, complete=not partial):
            fmt = "jsonl"
        elif stripped.startswith(("{", "[")):
            fmt = "json"
        else:
            fmt = "text"

    if fmt in ("jsonl", "csv"):
        if size is not None and size > MAX_DUMP_BYTES:
            raise InputError(f"{name}: is {human_size(size)}, over the {human_size(MAX_DUMP_BYTES)} limit for a {fmt.upper()} file")
        rest = replay(sample, _Capped(stream, MAX_DUMP_BYTES - len(sample), name))
        if fmt == "jsonl":
            return read_jsonl(rest, source=name, encoding=encoding, opts=opts)
        return read_csv(rest, source=name, encoding=encoding, sample=sample_text, opts=opts, tsv=tsv)

    # JSON and feeds are parsed whole, so they get their own (larger) ceiling; records are checked one by one.
    limit = max(opts.max_bytes, MAX_JSON_BYTES) if fmt in ("json", "telegram", "feed") else opts.max_bytes
    if size is not None and size > limit:
        raise _too_large(name, size, limit)
    try:
        data = sample + stream.read(limit + 1 - len(sample)) if len(sample) <= limit else sample
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > limit:
        raise _too_large(name, len(data), limit, "the input" if size is None else "")
    return _read_whole(data, name, fmt, opts, hint=hint, url=url, auto=auto)


def _read_whole(data: bytes, name: str, fmt: str, opts: Options, *, hint: str | None, url: str | None, auto: bool) -> ReadResult:
    if fmt == "feed":
        return read_feed(data, source=url or name, name=name, opts=opts, hint=hint)
    if fmt == "html":
        text, encoding = decode(data, name, hint=hint or declared_charset(data))
        _require_text(text, name)
        return ReadResult([html_document(text, source=url or name, encoding=encoding, url=url)])

    text, encoding = decode(data, name, hint=hint)
    _require_text(text, name)
    if fmt in ("json", "telegram"):
        try:
            return read_json(text, source=url or name, encoding=encoding, opts=opts, telegram=fmt == "telegram")
        except InputError:
            # Sniffed as JSON because it starts with "{" or "[", but it is not: read it as text.
            if not auto or _parses(text):
                raise
            if len(data) > opts.max_bytes:
                raise _too_large(name, len(data), opts.max_bytes) from None
    meta: dict[str, Any] = {"source": url or name, "source_format": "text", "encoding": encoding}
    if url:
        meta["url"] = url
    return ReadResult([Document(text, metadata=meta)])


def _parses(text: str) -> bool:
    try:
        parse_json(text, "")
        return True
    except InputError:
        return False


def _require_text(text: str, name: str) -> None:
    if not text.strip():
        raise InputError(f"{name}: the file holds only whitespace")


class _Capped:
    """Read-through wrapper that refuses to go past ``limit`` bytes (a runaway stdin or dump)."""

    def __init__(self, stream: BinaryIO, limit: int, name: str) -> None:
        self._stream = stream
        self._left = limit
        self._name = name

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            if self._stream.read(1):
                raise InputError(f"{self._name}: is over the {human_size(MAX_DUMP_BYTES)} limit for one input")
            return b""
        want = self._left if n is None or n < 0 else min(n, self._left)
        data = self._stream.read(want)
        self._left -= len(data)
        return data
