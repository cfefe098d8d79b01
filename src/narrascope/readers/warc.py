"""WARC web archives (``.warc``, ``.warc.gz``): every successful HTML or plain-text response is a Document.

Read with ``warcio``, one record at a time, so an archive of any size streams. A ``response`` record
with HTTP status 200 and an HTML (or text/plain) payload goes through the same HTML reader as a page
on disk; every other record (requests, metadata, redirects, errors, images, revisits) is skipped.
The document's ``url`` is the record's WARC-Target-URI, ``published`` the page's own date when it
states one, else the WARC-Date (kept as ``crawled`` either way), ``source_format`` is ``"warc"``.

A payload over ``max_bytes`` or one that cannot be read as text is a problem for that record
(``item`` "record N", counting every record of the file from 1); the rest of the archive is still
read. A truncated or corrupt archive keeps the documents before the damage and adds one problem for
the rest.
"""

from __future__ import annotations

import sys
import threading
import zlib
from email.message import Message
from typing import Any, BinaryIO

from ..errors import InputError, printable
from ..model import Document
from .base import Options, ReadProblem, ReadResult, human_size
from .encoding import decode
from .html import declared_charset, html_document, looks_like_html

__all__ = ["looks_like_warc", "read_warc"]

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml+xhtml"})
_TEXT_TYPES = frozenset({"text/plain"})


def looks_like_warc(sample: bytes) -> bool:
    """A WARC record header at the top, plain or in a gzip member."""
    if sample.startswith(b"WARC/"):
        return True
    if sample.startswith(b"\x1f\x8b\x08"):
        try:
            return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(sample[:8192], 16).startswith(b"WARC/")
        except zlib.error:
            return False
    return False


# -- warcio's own notes ----------------------------------------------------------------------------

_local = threading.local()


class _Notes:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        shown = _reason_text(str(text))
        if shown:
            self.lines.append(shown)
        return len(text)

    def flush(self) -> None:
        pass


class _WarcioSys:
    """Stands in for ``sys`` inside warcio's parser, which writes its warnings (a bad Content-Length,
    a broken gzip member) straight to stderr: while this reader runs they become its problems instead
    of lines in the middle of the terminal output; anywhere else they go to stderr as before."""

    def __getattr__(self, name: str) -> Any:
        return getattr(sys, name)

    @property
    def stderr(self) -> Any:
        notes = getattr(_local, "notes", None)
        return notes if notes is not None else sys.stderr


_installed = False


def _archive_iterator() -> type:
    global _installed
    from warcio import archiveiterator, bufferedreaders
    from warcio.archiveiterator import ArchiveIterator
    from warcio.bufferedreaders import DecompressingBufferedReader

    if not _installed:
        for module in (archiveiterator, bufferedreaders):
            if getattr(module, "sys", None) is sys:
                module.sys = _WarcioSys()  # type: ignore[attr-defined]
        _installed = True

    class Reader(DecompressingBufferedReader):
        """Notes a gzip member that ends before its end marker (the archive was cut inside it)."""

        cut_member = False

        def close_decompressor(self) -> None:
            d = self.decompressor
            if d is not None and self.num_block_read > 0 and not d.eof:
                self.cut_member = True
            super().close_decompressor()

    class Iterator(ArchiveIterator):
        def __init__(self, fileobj: Any) -> None:
            super().__init__(fileobj)
            self.reader = Reader(self.fh, block_size=self.reader.block_size)

    return Iterator


class _Counting:
    """Counts the bytes read (and gives warcio the tell() it needs on an unseekable stream)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data

    def tell(self) -> int:
        return self.count


class _Cut(Exception):
    """The archive ends (or breaks) inside a record."""


# -- reading ---------------------------------------------------------------------------------------


def read_warc(stream: BinaryIO, *, name: str, opts: Options) -> ReadResult:
    """Documents from the HTML and plain-text 200 responses of a WARC (or WARC.gz) stream."""
    result = ReadResult()
    iterator_type = _archive_iterator()
    counted = _Counting(stream)
    notes = _Notes()
    previous = getattr(_local, "notes", None)
    _local.notes = notes
    whole = 0  # records read to their end
    noted = 0  # warcio's notes already reported
    damage: str | None = None
    inside = False  # the damage is inside record whole + 1 (else after record whole)
    try:
        iterator = iterator_type(counted)
        reader = iterator.reader
        end = 0  # where the last whole record ended
        try:
            for record in iterator:
                try:
                    doc = _record_document(record, iterator, whole + 1, name, opts)
                except InputError as exc:
                    # the message names the page's URL, which is input: escaped (InputError) and cut here
                    result.problems.append(ReadProblem(name, None, printable(str(exc), 400), item=f"record {whole + 1}"))
                    doc = None
                whole += 1
                end = iterator.offset
                if len(notes.lines) > noted:  # warcio found no blank line where this record should end
                    noted = len(notes.lines)
                    result.problems.append(ReadProblem(
                        name, None, "the record does not end where its Content-Length says: its page may be cut short "
                                    "or carry bytes of the next record", item=f"record {whole}"))
                if doc is not None:
                    result.documents.append(doc)
        except _Cut as exc:
            damage, inside = str(exc), True
        except InputError as exc:  # the stream itself (a size cap on stdin)
            damage = str(exc).removeprefix(f"{name}: ")
        except Exception as exc:  # warcio on a broken header or gzip member
            damage = _reason(exc)
        if damage is None:
            if reader.cut_member:
                damage = "it ends inside a compressed record"
            elif counted.count > end:
                damage = "what follows is not a WARC record" if whole else "no WARC record in it"
            elif notes.lines and not whole:
                damage = notes.lines[0]
    finally:
        _local.notes = previous
    if damage is not None:
        note = f" ({notes.lines[0]})" if notes.lines and notes.lines[0] not in damage else ""
        if not whole:
            raise InputError(f"{name}: not a readable WARC archive ({damage}{note})")
        if not result.documents and not result.problems:
            raise InputError(f"{name}: the archive is truncated or corrupt after record {whole} ({damage}{note}), "
                             "with no page before it")
        kept = len(result.documents)
        result.problems.append(ReadProblem(
            name, None, f"the archive is truncated or corrupt: {damage}{note}; the rest is skipped, "
                        f"{kept} document{'' if kept == 1 else 's'} before it kept",
            item=f"record {whole + 1}" if inside else f"after record {whole}"))
    elif not result.documents and not result.problems:
        raise InputError(f"{name}: no HTML or text page with status 200 in this web archive ({whole} records)")
    return result


def _reason(exc: BaseException) -> str:
    text = _reason_text(str(exc))
    if not text or isinstance(exc, (AttributeError, TypeError, KeyError, IndexError)):
        return f"unreadable record header ({type(exc).__name__})"
    return text


def _reason_text(text: str) -> str:
    """A warcio message without the input it quotes ("Unknown archive format, first line: [...]"
    echoes the archive's first bytes): bytes of the input are never shown, the rest is escaped and short."""
    text = " ".join(text.split())
    for quoting in (", first line:", " first line:", "first line:"):
        if quoting in text:
            text = text.split(quoting, 1)[0].rstrip(" ,:")
            break
    if text.startswith("Unknown archive format"):
        return "no WARC record header where one should start"
    return printable(text, 120)


def _header(headers: Any, key: str) -> str:
    value = headers.get_header(key) if headers is not None else None
    return value.strip() if isinstance(value, str) else ""


def _record_document(record: Any, iterator: Any, index: int, name: str, opts: Options) -> Document | None:
    """The record's Document, None to skip it quietly; InputError for a page that cannot be read.
    Raises _Cut when the record itself is incomplete."""
    if getattr(record, "format", "warc") != "warc":
        raise _Cut(f"record {index} is not a WARC record (it reads as {printable(getattr(record, 'format', 'something else'), 40)})")
    if not _header(record.rec_headers, "Content-Length").isdigit():
        raise _Cut(f"record {index} has no Content-Length (its header is cut short or broken)")
    payload = b""
    keep = False
    url = _header(record.rec_headers, "WARC-Target-URI")
    mime, charset = "", None
    if record.rec_type == "response" and record.http_headers is not None and _status(record) == "200":
        content_type = Message()
        content_type["content-type"] = _header(record.http_headers, "Content-Type")
        declared = bool(_header(record.http_headers, "Content-Type"))
        mime = content_type.get_content_type().lower() if declared else ""
        found = content_type.get_param("charset") if declared else None
        charset = found if isinstance(found, str) else None
        keep = not declared or mime in _HTML_TYPES or mime in _TEXT_TYPES
    over = False
    if keep:
        try:
            payload = record.content_stream().read(opts.max_bytes + 1)
        except Exception as exc:  # a broken chunked or compressed body
            raise _maybe_cut(record, iterator) or InputError(f"{url or name}: cannot read the page ({_reason(exc)})") from None
        over = len(payload) > opts.max_bytes
        if over:
            payload = b""
    iterator.read_to_end()  # the rest of the record: is it all there?
    left = getattr(record.raw_stream, "limit", 0)
    if isinstance(left, int) and left > 0:
        raise _Cut(f"record {index} ({printable(url or record.rec_type, 100)}) ends {human_size(left)} short")
    if not keep:
        return None
    if over:
        raise InputError(f"{url or name}: the page is over the {human_size(opts.max_bytes)} limit for one article "
                         "(raise it with max_bytes / --max-bytes)")
    if not payload.strip():
        return None
    if not mime:  # no Content-Type: only a page that looks like HTML is an article
        head = payload[:65536].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
        if not looks_like_html(head):
            return None
        mime = "text/html"
    source = url or name
    crawled = _header(record.rec_headers, "WARC-Date")
    if mime in _HTML_TYPES:
        text, encoding = decode(payload, source, hint=charset or declared_charset(payload))
        if not text.strip():
            return None
        doc = html_document(text, source=source, encoding=encoding, url=url or None)
        meta = doc.metadata
        page_url = meta.get("url")
        if url and page_url and page_url != url:
            meta["canonical_url"] = page_url
    else:
        text, encoding = decode(payload, source, hint=charset)
        if not text.strip():
            return None
        doc = Document(text, metadata={"source": source, "encoding": encoding})
        meta = doc.metadata
    meta["source_format"] = "warc"
    if url:
        meta["url"] = url
    if crawled:
        meta["crawled"] = crawled
        meta.setdefault("published", crawled)
    meta["warc_file"] = name
    meta["record_index"] = index - 1  # "record N" in messages counts from 1
    record_id = _header(record.rec_headers, "WARC-Record-ID")
    if record_id:
        meta["warc_record_id"] = record_id
    return doc


def _status(record: Any) -> str:
    try:
        return str(record.http_headers.get_statuscode() or "").strip()
    except Exception:
        return ""


def _maybe_cut(record: Any, iterator: Any) -> _Cut | None:
    try:
        iterator.read_to_end()
    except Exception as exc:
        return _Cut(_reason(exc))
    left = getattr(record.raw_stream, "limit", 0)
    return _Cut("a record is cut short") if isinstance(left, int) and left > 0 else None
