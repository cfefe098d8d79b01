"""The shared path from a structured record to a Document, for the JSON, JSONL, CSV and Telegram readers.

Each record becomes one Document whose text is the record's text field, untouched;
the other scalar fields travel along in ``metadata["record"]``. A bad record is a
ReadProblem, never the end of the read: only an input with no good record at all fails.

Some records are mended and kept, with a problem line marked ``kept`` that says what changed:
a lone surrogate (a JSON "\\ud800" escape) becomes U+FFFD and NUL characters are removed.

Also here: :func:`parse_date`, the one parser of dates as inputs write them (records, feeds, the
store), and the codec choice for streamed inputs (JSONL, CSV). The formats themselves live in
``json_records`` (JSON, JSONL), ``csv_records`` (CSV/TSV) and ``telegram`` (Telegram Desktop exports).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Iterator

from ..errors import InputError, printable
from ..model import Document
from .base import Options, ReadProblem, ReadResult, Mended, human_size
from .encoding import DAMAGED_UTF8

__all__ = ["parse_date"]

TEXT_KEYS = ("text", "content", "body", "article", "full_text", "maintext", "message", "description")
TITLE_KEYS = ("title", "headline")
ID_KEYS = ("id", "_id", "uuid", "guid", "doc_id", "article_id")
URL_KEYS = ("url", "link", "canonical_url", "source_url", "permalink")
DATE_KEYS = ("published", "published_at", "date_publish", "publish_date", "pubdate", "date", "datetime", "created_at", "timestamp")
AUTHOR_KEYS = ("author", "authors", "byline", "creator")
SITE_KEYS = ("site_name", "sitename", "site", "outlet", "publisher", "source_name")
LANGUAGE_KEYS = ("language", "lang")

_MAX_RECORD_STRING = 2000  # longer strings (raw HTML, second copies of the text) stay out of metadata


# -- fields -------------------------------------------------------------------


def _lookup(record: dict[str, Any], name: str) -> tuple[str, Any] | None:
    """(actual key, value) for ``name``: exact, then case-insensitive, then a dotted path."""
    if name in record:
        return name, record[name]
    folded = name.casefold()
    for key, value in record.items():
        if key.casefold() == folded:
            return key, value
    if "." in name:
        value: Any = record
        for part in name.split("."):
            if not isinstance(value, dict):
                return None
            found = _lookup(value, part)
            if found is None:
                return None
            value = found[1]
        return name, value
    return None


def _first(record: dict[str, Any], names: tuple[str, ...], explicit: str | None = None) -> tuple[str, Any] | None:
    """The first of ``names`` present with a non-empty value (or only ``explicit`` when given)."""
    for name in (explicit,) if explicit else names:
        found = _lookup(record, name)
        if found is not None and found[1] not in (None, "", [], {}):
            return found
    return None


def _as_text(value: Any) -> str | None:
    """Text from a string or a list of strings (paragraphs); None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    return None


def _where(index: int, line: int | None) -> str:
    """Message prefix for a record without a line number (ReadProblem.line says it otherwise)."""
    return "" if line is not None else f"record {index + 1}: "


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _as_author(value: Any, depth: int = 0) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if depth > 3:  # [[[...]]] nested hundreds deep is not an author list
        return None
    if isinstance(value, dict):
        return _as_author(value.get("name"), depth + 1)
    if isinstance(value, list):
        names = [a for a in (_as_author(v, depth + 1) for v in value[:100]) if a]
        return ", ".join(names) or None
    return None


def parse_date(value: Any) -> str | None:
    """ISO 8601 from an ISO string, an RFC 2822 date, a common day-first date or a Unix time; None
    for anything else. The one parser of dates as inputs write them: the feed reader and the store
    (:func:`narrascope.store.rows.normalize_date`) use it too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            if not math.isfinite(value):
                return None
            seconds = value / 1000 if value > 1e11 else value  # milliseconds are common in dumps
            return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    raw = value.strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw).isoformat()
    except ValueError:
        pass
    for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S %z"):
        try:
            return datetime.strptime(raw, fmt).isoformat()
        except ValueError:
            pass
    try:
        return parsedate_to_datetime(raw).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _language(value: Any) -> str | None:
    if isinstance(value, str):
        primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
        if 2 <= len(primary) <= 3 and primary.isalpha() and primary.isascii():
            return primary
    return None


def _scalar_fields(record: dict[str, Any], skip: str) -> dict[str, Any]:
    """The record's JSON scalars, minus the text, for ``metadata["record"]``."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key == skip or not isinstance(key, str):
            continue
        if value is None or isinstance(value, (bool, int)):
            out[key] = value
        elif isinstance(value, float) and math.isfinite(value):
            out[key] = value
        elif isinstance(value, str) and len(value) <= _MAX_RECORD_STRING:
            out[key] = value
    return out


def _printable(name: Any, limit: int = 40) -> str:
    """A field name fit for a one-line message: control characters escaped, long names cut."""
    return printable(name, limit)


class _Fields:
    """Chooses the text field once per input, from the first record that has one, so
    every record of a dump is read the same way; remembers the field names it saw."""

    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.text_key: str | None = opts.text_field
        self.seen: dict[str, None] = {}  # ordered set
        self.missing = 0  # records without the text field

    def text_field(self, record: dict[str, Any]) -> str | None:
        if len(self.seen) < 60:
            for key in record:
                self.seen.setdefault(str(key), None)
        if self.text_key is None:
            for name in TEXT_KEYS:
                found = _lookup(record, name)
                if found is not None:
                    self.text_key = found[0]
                    break
        return self.text_key

    def missing_message(self, source: str) -> str:
        seen = ", ".join(_printable(name) for name in list(self.seen)[:30]) or "none"
        if self.opts.text_field:
            return f"{source}: no field {_printable(self.opts.text_field)!r} in the records (fields seen: {seen})"
        return (
            f"{source}: no text field found (looked for {', '.join(TEXT_KEYS)}; fields seen: {seen}); "
            "name the field with text_field"
        )


def _record_document(
    record: dict[str, Any],
    *,
    source: str,
    source_format: str,
    encoding: str | None,
    index: int,
    line: int | None,
    fields: _Fields,
    notes: list[ReadProblem],
    mend: bool = True,
) -> Document | ReadProblem | None:
    """A Document for one record, a ReadProblem saying why not, or None when the input
    has no text field at all (the caller reports that once, with the fields it saw).
    A lone surrogate or a NUL in the text or the fields is mended, and said in ``notes``
    (``mend`` False: the caller knows the record holds neither, and the look is skipped)."""
    opts = fields.opts
    where = _where(index, line)
    key = fields.text_field(record)
    if key is None:
        fields.missing += 1
        return None
    found = _lookup(record, key)
    if found is None:
        fields.missing += 1
        return ReadProblem(source, line, f"{where}no {_printable(key)!r} field")
    text = _as_text(found[1])
    if text is None:
        return ReadProblem(source, line, f"{where}{_printable(key)!r} is {_type_name(found[1])}, not text")
    mended = Mended()
    if mend:
        text = mended.text(text)
    if not text.strip():
        return ReadProblem(source, line, f"{where}{_printable(key)!r} is empty")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > opts.max_bytes:
        return ReadProblem(
            source, line, f"{where}text is {human_size(size)}, over the {human_size(opts.max_bytes)} limit (raise max_bytes)"
        )

    meta: dict[str, Any] = {"source": source, "source_format": source_format}
    if encoding:
        meta["encoding"] = encoding
    title = _first(record, TITLE_KEYS, opts.title_field)
    if title and isinstance(title[1], str) and title[1].strip():
        meta["title"] = title[1].strip()
    author = _first(record, AUTHOR_KEYS)
    if author and _as_author(author[1]):
        meta["author"] = _as_author(author[1])
    date = _first(record, DATE_KEYS, opts.date_field)
    if date and parse_date(date[1]):
        meta["published"] = parse_date(date[1])
    url = _first(record, URL_KEYS)
    if url and isinstance(url[1], str) and url[1].strip().lower().startswith(("http://", "https://")):
        meta["url"] = url[1].strip()
    site = _first(record, SITE_KEYS)
    if site and isinstance(site[1], str) and site[1].strip():
        meta["site_name"] = site[1].strip()
    lang = _first(record, LANGUAGE_KEYS)
    if lang and _language(lang[1]):
        meta["language"] = _language(lang[1])
    ident = _first(record, ID_KEYS, opts.id_field)
    if ident and isinstance(ident[1], (str, int)) and not isinstance(ident[1], bool):
        meta["record_id"] = str(ident[1])
    meta["record"] = _scalar_fields(record, found[0])
    note = None
    if mend:
        meta = mended.meta(meta)
        note = mended.note()
    if note:
        notes.append(ReadProblem(source, line, f"{where}{note}", kept=True))
    if line is not None:
        meta["line"] = line
    meta["record_index"] = index
    return Document(text, metadata=meta)


# What may need mending: a lone surrogate or a NUL, raw or as a JSON escape. Looked for once in the
# raw text (C speed); only records where it may be are mended, string by string.
_SUSPECT = re.compile(r"[\ud800-\udfff\x00]|\\u(?:[dD][89a-fA-F]|0000)")


def _suspect(text: str) -> bool:
    return _SUSPECT.search(text) is not None


class _Noted:
    """A record with a remark (a number kept as text) that becomes a problem line if the record
    is kept, and whether it may need mending (see ``_SUSPECT``)."""

    __slots__ = ("value", "note", "mend")

    def __init__(self, value: Any, note: str | None, mend: bool = True) -> None:
        self.value = value
        self.note = note
        self.mend = mend


def _collect(
    records: Iterator[tuple[int, int | None, Any]],
    *,
    source: str,
    source_format: str,
    encoding: str | None,
    opts: Options,
    mend: bool = True,
) -> ReadResult:
    """Turn (index, line, record-or-problem) triples into a ReadResult; fail only when nothing is usable.
    ``mend``: whether a bare record may hold a lone surrogate or a NUL (a ``_Noted`` one says itself)."""
    fields = _Fields(opts)
    result = ReadResult()
    no_field = 0
    for index, line, record in records:
        if isinstance(record, ReadProblem):
            result.problems.append(record)
            continue
        noted = None
        mend_this = mend
        if isinstance(record, _Noted):
            record, noted, mend_this = record.value, record.note, record.mend
        if not isinstance(record, dict):
            result.problems.append(ReadProblem(source, line, f"{_where(index, line)}{_type_name(record)}, not a JSON object"))
            continue
        notes: list[ReadProblem] = []
        out = _record_document(
            record, source=source, source_format=source_format, encoding=encoding, index=index, line=line, fields=fields,
            notes=notes, mend=mend_this,
        )
        if out is None:
            no_field += 1
        elif isinstance(out, ReadProblem):
            result.problems.append(out)
        else:
            result.documents.append(out)
            if noted:
                result.problems.append(ReadProblem(source, line, f"{_where(index, line)}{noted}", kept=True))
            result.problems.extend(notes)
    if not result.documents:
        if fields.missing:
            raise InputError(fields.missing_message(source))
        if result.problems:
            first = result.problems[0]
            where = f"line {first.line}: " if first.line is not None else ""
            more = f", and {len(result.problems) - 1} more problems" if len(result.problems) > 1 else ""
            raise InputError(f"{source}: no readable records ({where}{first.message}{more})")
        raise InputError(f"{source}: holds no records")
    if no_field:
        # Records before the text field was first seen had no text; say so once.
        result.problems.append(ReadProblem(source, None, f"{no_field} records had no {_printable(fields.text_key)!r} field"))
    return result


# -- streamed text ------------------------------------------------------------


def _codec(encoding: str) -> tuple[str, str]:
    """(codec, error handler) for streaming: damaged UTF-8 is read with U+FFFD replacements; in
    UTF-16/32 a lone surrogate is let through (and then replaced and reported with its record)
    rather than stopping the read there."""
    if encoding == DAMAGED_UTF8:
        return "utf-8", "replace"
    return encoding, "surrogatepass" if _wide(encoding) else "strict"


def _wide(encoding: str) -> bool:
    """UTF-16/32 cannot be split on the byte b"\\n"."""
    return encoding.replace("_", "-").lower().startswith(("utf-16", "utf-32"))
