"""Structured inputs holding many articles: JSON, JSONL, CSV and Telegram Desktop exports.

Each record becomes one Document whose text is the record's text field, untouched;
the other scalar fields travel along in ``metadata["record"]``. A bad record is a
ReadProblem, never the end of the read: only an input with no good record at all fails.

Some records are mended and kept, with a problem line marked ``kept`` that says what changed:
a lone surrogate (a JSON "\\ud800" escape) becomes U+FFFD, NUL characters are removed, a number
literal of more than 40 characters stays its text, a Telegram message without a date stays undated.
A CSV row that cannot be read (a field over the size limit, a line too long for any row) is skipped
to its end, and the rows after it are read.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO, Iterator

from ..errors import InputError, printable
from ..model import Document
from .base import Options, ReadProblem, ReadResult, Mended, human_size
from .encoding import DAMAGED_UTF8, decode

__all__ = ["read_json", "read_jsonl", "read_csv", "looks_like_jsonl", "parse_json", "parse_date"]

TEXT_KEYS = ("text", "content", "body", "article", "full_text", "maintext", "message", "description")
TITLE_KEYS = ("title", "headline")
ID_KEYS = ("id", "_id", "uuid", "guid", "doc_id", "article_id")
URL_KEYS = ("url", "link", "canonical_url", "source_url", "permalink")
DATE_KEYS = ("published", "published_at", "date_publish", "publish_date", "pubdate", "date", "datetime", "created_at", "timestamp")
AUTHOR_KEYS = ("author", "authors", "byline", "creator")
SITE_KEYS = ("site_name", "sitename", "site", "outlet", "publisher", "source_name")
LANGUAGE_KEYS = ("language", "lang")
# Keys under which a JSON object keeps its list of articles.
LIST_KEYS = ("items", "articles", "data", "results", "records", "documents", "docs", "posts", "entries", "news", "rows")

_MAX_RECORD_STRING = 2000  # longer strings (raw HTML, second copies of the text) stay out of metadata
# A JSON number literal longer than this is kept as its text: no article field needs a bigger number,
# and Python refuses to turn more than 4,300 digits into an int (a 100,000-digit number was a crash).
_MAX_NUMBER_CHARS = 40


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
    date = _first(record, DATE_KEYS)
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


# -- JSON -----------------------------------------------------------------------


class _Numbers:
    """json.loads hooks that keep a number literal too long to be a useful number as its text
    (``longest`` says how long the longest such literal was, for the problem line)."""

    def __init__(self) -> None:
        self.count = 0
        self.longest = 0

    def _keep(self, literal: str) -> str:
        self.count += 1
        self.longest = max(self.longest, len(literal))
        return literal

    def parse_int(self, literal: str) -> int | str:
        return int(literal) if len(literal) <= _MAX_NUMBER_CHARS else self._keep(literal)

    def parse_float(self, literal: str) -> float | str:
        return float(literal) if len(literal) <= _MAX_NUMBER_CHARS else self._keep(literal)

    def note(self, tail: str = "; the record is kept") -> str | None:
        if not self.count:
            return None
        n = self.count
        return (f"{n} number{'s' if n > 1 else ''} too long to read as a number (up to {self.longest:,} characters) "
                f"kept as text{tail}")


def _loads(text: str, numbers: _Numbers | None = None) -> Any:
    """json.loads with huge numbers kept as text; raises ValueError (JSONDecodeError included)
    or RecursionError."""
    numbers = numbers or _Numbers()
    # strict=False: a raw control character (a tab, a NUL) inside a string is kept (NULs are then
    # removed and reported with the record) instead of costing the whole record or file.
    return json.loads(text, parse_int=numbers.parse_int, parse_float=numbers.parse_float, strict=False)


def _json_msg(exc: json.JSONDecodeError) -> str:
    return exc.msg.removesuffix(" at")  # "Invalid control character at"


def parse_json(text: str, source: str, numbers: _Numbers | None = None) -> Any:
    try:
        return _loads(text, numbers)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON ({_json_msg(exc)} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"{source}: JSON nested too deeply to read") from None
    except ValueError as exc:  # a hook or the decoder refusing a value; not expected, still one line
        raise InputError(f"{source}: not valid JSON ({printable(exc, 80)})") from None


def _telegram_chats(obj: Any, *, told: bool = False) -> list[dict[str, Any]]:
    """The chats of a Telegram Desktop export: one channel (result.json of a chat export)
    or the "chats"/"left_chats" lists of a full account export. ``told``: the caller said
    the input is a Telegram export, so dates are not needed to recognise it."""
    if not isinstance(obj, dict):
        return []
    if _is_telegram_chat(obj, told=told):
        return [obj]
    chats = []
    for key in ("chats", "left_chats"):
        inner = obj.get(key)
        listed = inner.get("list") if isinstance(inner, dict) else None
        if isinstance(listed, list):
            chats += [c for c in listed if _is_telegram_chat(c, told=told)]
    return chats


def _is_telegram_chat(obj: Any, *, told: bool = False) -> bool:
    """A "messages" list whose first 50 objects all have a "type" (message, service), and (unless
    ``told``) dates: some messages of a real export may lack one, so one dated message is enough."""
    if not isinstance(obj, dict):
        return False
    messages = obj.get("messages")
    if not isinstance(messages, list):
        return False
    sample = [m for m in messages[:50] if isinstance(m, dict)]
    if not sample or not all("type" in m for m in sample):
        return False
    return told or any(isinstance(m, dict) and ("date" in m or "date_unixtime" in m) for m in messages)


def _telegram_text(value: Any) -> str:
    """Telegram keeps formatted text as a list of plain strings and {"type", "text"} entities."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else str(v.get("text", "")) if isinstance(v, dict) else "" for v in value)
    return ""


def _telegram_links(*parts: Any) -> list[str]:
    """URLs a message links to: "link" entities (the URL is the text) and "text_link" ones (an href)."""
    links: list[str] = []
    for part in parts:
        for ent in part if isinstance(part, list) else []:
            if not isinstance(ent, dict):
                continue
            url = ent.get("href") if ent.get("type") == "text_link" else ent.get("text") if ent.get("type") == "link" else None
            if isinstance(url, str) and url.strip() and url.strip() not in links:
                links.append(url.strip())
    return links[:100]


def _telegram(chats: list[dict[str, Any]], *, source: str, encoding: str | None, opts: Options, mend: bool = True) -> ReadResult:
    result = ReadResult()
    undated: list[str] = []
    for chat in chats:
        channel = chat.get("name") if isinstance(chat.get("name"), str) else None
        username = chat.get("username") if isinstance(chat.get("username"), str) else None
        # the chat's own strings are mended once here, not reported again with every message
        chat_id = chat.get("id") if isinstance(chat.get("id"), (int, str)) and not isinstance(chat.get("id"), bool) else None
        mended_chat = Mended()
        channel, username, chat_id = (mended_chat.value(k, v) for k, v in (("name", channel), ("username", username), ("id", chat_id)))
        note = mended_chat.note(tail="; its messages are read")
        if note:
            result.problems.append(ReadProblem(source, None, f"chat {_printable(channel or chat_id or '?')}: {note}", kept=True))
        is_channel = "channel" in str(chat.get("type", "channel"))
        for index, msg in enumerate(chat.get("messages") or []):
            if not isinstance(msg, dict) or msg.get("type") != "message":
                continue  # service messages: joins, pins, title changes
            mended = Mended()
            text = _telegram_text(msg.get("text"))
            if mend:
                text = mended.text(text)
            if not text.strip():
                continue  # a photo or sticker without a caption: nothing to analyse
            msg_id = msg.get("id")
            if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
                msg_id = None
            name = f"message {_printable(msg_id)}" if msg_id is not None else f"message {index + 1} of the list"
            size = len(text.encode("utf-8", "surrogatepass"))
            if size > opts.max_bytes:
                result.problems.append(ReadProblem(
                    source, None, f"{name}: text is {human_size(size)}, over the {human_size(opts.max_bytes)} limit "
                                  "(raise max_bytes)"))
                continue
            meta: dict[str, Any] = {"source": source, "source_format": "telegram"}
            if encoding:
                meta["encoding"] = encoding
            if channel:
                meta["channel"] = channel
                meta["site_name"] = channel
            if chat_id is not None:
                meta["channel_id"] = chat_id
            if msg_id is not None:
                meta["message_id"] = msg_id
                if username:
                    meta["url"] = f"https://t.me/{username.lstrip('@')}/{msg_id}"
            published = parse_date(msg.get("date")) or parse_date(_to_int(msg.get("date_unixtime")))
            if published:
                meta["published"] = published
            else:
                undated.append(_printable(msg_id) if msg_id is not None else f"#{index + 1}")
            # In a channel "from" is the channel itself; only a signed post names a person.
            author = msg.get("author") if is_channel else msg.get("author") or msg.get("from")
            if isinstance(author, str) and author.strip():
                meta["author"] = author.strip()
            forwarded = msg.get("forwarded_from")
            if isinstance(forwarded, str) and forwarded.strip():
                meta["forwarded_from"] = forwarded.strip()
            links = _telegram_links(msg.get("text"), msg.get("text_entities"))
            if links:
                meta["links"] = links
            meta["record"] = _scalar_fields(msg, "text")
            if mend:
                meta = mended.meta(meta)
                note = mended.note()
                if note:
                    result.problems.append(ReadProblem(source, None, f"{name}: {note}", kept=True))
            meta["record_index"] = index
            result.documents.append(Document(text, metadata=meta))
    if not result.documents:
        raise InputError(f"{source}: this Telegram export holds no messages with text")
    if undated:
        n = len(undated)
        shown = ", ".join(undated[:10]) + (", …" if n > 10 else "")
        result.problems.append(ReadProblem(
            source, None, f"{n} message{'s' if n > 1 else ''} without a date (id {shown}) kept undated", kept=True))
    return result


def _to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def read_json(text: str, *, source: str, encoding: str | None, opts: Options, telegram: bool = False) -> ReadResult:
    """A JSON file: one article object, a list of them, an object holding such a list,
    or a Telegram Desktop channel export."""
    numbers = _Numbers()
    obj = parse_json(text, source, numbers)
    mend = _suspect(text)
    chats = _telegram_chats(obj, told=telegram)
    if chats:
        result = _telegram(chats, source=source, encoding=encoding, opts=opts, mend=mend)
    elif telegram:
        raise InputError(f"{source}: not a Telegram Desktop export (no \"messages\" list)")
    else:
        result = _json_records(obj, source=source, encoding=encoding, opts=opts, mend=mend)
    note = numbers.note(tail="")
    if note:
        result.problems.append(ReadProblem(source, None, note, kept=True))
    return result


def _json_records(obj: Any, *, source: str, encoding: str | None, opts: Options, mend: bool = True) -> ReadResult:
    records: list[Any]
    if isinstance(obj, list):
        records = obj
    elif isinstance(obj, dict):
        fields = _Fields(opts)
        if fields.text_field(obj) is not None and (opts.text_field or not _list_of_objects(obj)):
            records = [obj]
        else:
            records = _list_of_objects(obj) or [obj]
    else:
        raise InputError(f"{source}: the JSON holds {_type_name(obj)}, not an article object or a list of them")
    return _collect(
        ((i, None, r) for i, r in enumerate(records)), source=source, source_format="json", encoding=encoding, opts=opts,
        mend=mend,
    )


def _list_of_objects(obj: dict[str, Any]) -> list[Any] | None:
    """The article list inside a wrapper object: under a usual key, else the only list of objects."""
    for name in LIST_KEYS:
        found = _lookup(obj, name)
        if found and isinstance(found[1], list) and any(isinstance(v, dict) for v in found[1]):
            return found[1]
    lists = [v for v in obj.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
    return lists[0] if len(lists) == 1 else None


# -- JSONL ----------------------------------------------------------------------


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


def _byte_lines(stream: BinaryIO, encoding: str, limit: int, source: str) -> Iterator[tuple[int, str | ReadProblem]]:
    """(line number, decoded line or a problem), never holding more than ``limit`` bytes of one line."""
    lineno = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while chunk := stream.readline(1 << 20):  # skip the rest of the oversized line
                if chunk.endswith(b"\n"):
                    break
            yield lineno, ReadProblem(source, lineno, f"record is over the {human_size(limit)} limit (raise max_bytes)")
            continue
        try:
            yield lineno, raw.decode(*_codec(encoding))
        except UnicodeDecodeError:
            try:  # one line in another encoding (concatenated dumps): detect it on its own
                yield lineno, decode(raw, f"{source}:{lineno}")[0]
            except InputError:
                yield lineno, ReadProblem(source, lineno, f"cannot decode the text as {encoding}")


def _text_lines(stream: BinaryIO, encoding: str, limit: int, source: str) -> Iterator[tuple[int, str | ReadProblem]]:
    codec, errors = _codec(encoding)
    wrapper = io.TextIOWrapper(stream, encoding=codec, errors=errors, newline="")
    lineno = 0
    try:
        while True:
            line = wrapper.readline(limit + 1)
            if not line:
                return
            lineno += 1
            if len(line) > limit and not line.endswith(("\n", "\r")):
                while chunk := wrapper.readline(1 << 20):
                    if chunk.endswith(("\n", "\r")):
                        break
                yield lineno, ReadProblem(source, lineno, f"record is over the {human_size(limit)} limit (raise max_bytes)")
                continue
            yield lineno, line
    except UnicodeDecodeError:
        yield lineno + 1, ReadProblem(source, lineno + 1, f"cannot decode the text as {encoding}; stopped reading")
    finally:
        wrapper.detach()


def _jsonl_records(stream: BinaryIO, encoding: str, opts: Options, source: str) -> Iterator[tuple[int, int | None, Any]]:
    lines = (_text_lines if _wide(encoding) else _byte_lines)(stream, encoding, opts.max_bytes, source)
    index = 0
    for lineno, line in lines:
        if isinstance(line, ReadProblem):
            yield index, lineno, line
            index += 1
            continue
        if lineno == 1:
            line = line.lstrip("\ufeff")  # a BOM is not JSON whitespace
        if not line.strip():
            continue
        numbers = _Numbers()
        try:
            record = _loads(line, numbers)
        except json.JSONDecodeError as exc:
            yield index, lineno, ReadProblem(source, lineno, f"not valid JSON ({_json_msg(exc)}, column {exc.colno})")
        except RecursionError:
            yield index, lineno, ReadProblem(source, lineno, "JSON nested too deeply")
        except ValueError as exc:
            yield index, lineno, ReadProblem(source, lineno, f"not valid JSON ({printable(exc, 80)})")
        else:
            note = numbers.note()
            suspect = _suspect(line)
            yield index, lineno, _Noted(record, note, suspect) if note or suspect else record
        index += 1


def read_jsonl(stream: BinaryIO, *, source: str, encoding: str, opts: Options) -> ReadResult:
    """JSON Lines, streamed: a bad line is a ReadProblem with its 1-based line number."""
    return _collect(
        _jsonl_records(stream, encoding, opts, source), source=source, source_format="jsonl", encoding=encoding, opts=opts,
        mend=False,  # each line says whether it may need mending
    )


def looks_like_jsonl(sample: str, *, complete: bool) -> bool:
    """Every non-empty line (of the first 20) is a JSON object, and there are at least two
    (one object on one line is plain JSON). The last line of an incomplete sample is ignored."""
    lines = sample.splitlines()
    if not complete and lines:
        lines = lines[:-1]
    lines = [line for line in lines[:20] if line.strip()]
    if len(lines) < 2:
        return False
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("{"):
            return False
        try:
            if not isinstance(_loads(stripped), dict):
                return False
        except (ValueError, RecursionError):
            return False
    return True


# -- CSV ------------------------------------------------------------------------


_SNIFF_CSV_CHARS = 4096


def _delimiter(sample: str, tsv: bool) -> str:
    if tsv:
        return "\t"
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    # The sniffer's patterns take time quadratic in the length of a line: a few KB are enough.
    shown = "\n".join(lines[:20])
    if len(shown) > _SNIFF_CSV_CHARS:
        cut = shown.rfind("\n", 0, _SNIFF_CSV_CHARS)
        shown = shown[: cut if cut > 0 else _SNIFF_CSV_CHARS]
    try:
        return csv.Sniffer().sniff(shown, delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    header = lines[0] if lines else ""
    counts = {d: header.count(d) for d in ",;\t|"}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


class _Oversized(Exception):
    """A physical line longer than a CSV row may be (it was skipped to its end)."""


class _CsvLines:
    """The lines the csv module parses: counted, bounded in length, NUL-free, and followed by
    quote parity so that after a broken row the rest of that row can be skipped. The csv module
    starts a fresh row on the next call after an error, so the rows after a bad one are read."""

    def __init__(self, wrapper: io.TextIOWrapper, limit: int) -> None:
        self._wrapper = wrapper
        self._limit = limit
        self.line = 0  # physical lines handed out or skipped
        self.inside = False  # a quoted field is still open at the end of the last line
        self.nuls = 0  # NUL characters removed so far

    def __iter__(self) -> "_CsvLines":
        return self

    def __next__(self) -> str:
        chunk = self._wrapper.readline(self._limit + 1)
        if not chunk:
            raise StopIteration
        self.line += 1
        if len(chunk) > self._limit and not chunk.endswith(("\n", "\r")):
            self._quotes(chunk)
            while more := self._wrapper.readline(1 << 20):
                self._quotes(more)
                if more.endswith(("\n", "\r")):
                    break
            raise _Oversized
        if "\x00" in chunk:  # a NUL is no text; older csv modules even refuse the line
            self.nuls += chunk.count("\x00")
            chunk = chunk.replace("\x00", "")
        self._quotes(chunk)
        return chunk

    def _quotes(self, text: str) -> None:
        if text.count('"') % 2:
            self.inside = not self.inside

    def skip_row(self) -> None:
        """After an error inside a row: drop lines until its open quoted field closes."""
        while self.inside:
            try:
                next(self)
            except StopIteration:
                return
            except _Oversized:
                continue


def _csv_records(
    reader: Any, lines: _CsvLines, header: list[str], source: str, limit: int, wide: bool
) -> Iterator[tuple[int, int | None, Any]]:
    index = 0
    while True:
        start = lines.line + 1  # the row starts on the next physical line
        nuls = lines.nuls
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, _Oversized) as exc:
            lines.skip_row()
            span = f" (lines {start}-{lines.line})" if lines.line > start else ""
            if isinstance(exc, _Oversized):
                why = f"a line is over the {human_size(4 * limit)} a row may hold (raise max_bytes)"
            elif "field limit" in str(exc):
                why = f"a field is over the {human_size(limit)} limit for one article (raise max_bytes)"
            else:
                why = _short(exc)
            yield index, start, ReadProblem(source, start, f"{why}; row skipped{span}, the rows after it are read")
            index += 1
            if lines.line < start:  # nothing consumed: cannot go on
                return
            continue
        except UnicodeDecodeError as exc:
            yield index, start, ReadProblem(source, start, f"cannot decode the text as {exc.encoding}; stopped reading")
            return
        if not any(cell.strip() for cell in row):
            continue
        record = {name: (row[i] if i < len(row) else None) for i, name in enumerate(header)}
        mended = Mended()
        mended.nuls = lines.nuls - nuls  # removed from the line already
        note = mended.note(unit="the row")
        suspect = wide and any(_suspect(cell) for cell in row)  # surrogatepass lets lone ones through
        yield index, start, _Noted(record, note, suspect) if note or suspect else record
        index += 1


def read_csv(stream: BinaryIO, *, source: str, encoding: str, sample: str, opts: Options, tsv: bool = False) -> ReadResult:
    """CSV/TSV with a header row, streamed; the delimiter is sniffed from ``sample``. A row that
    cannot be read (a field over the size limit, broken quoting) is a problem; the rows after it are read."""
    delimiter = _delimiter(sample.replace("\x00", ""), tsv)
    codec, errors = _codec(encoding)
    wrapper = io.TextIOWrapper(stream, encoding=codec, errors=errors, newline="")
    old_limit = csv.field_size_limit()
    # Articles are long; one field may be as large as one article may be, a line a few times that.
    field_limit = max(opts.max_bytes, 1024)
    csv.field_size_limit(field_limit)
    lines = _CsvLines(wrapper, 4 * field_limit)
    try:
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            header_row = next(reader)
        except StopIteration:
            raise InputError(f"{source}: holds no rows") from None
        except _Oversized:
            raise InputError(f"{source}: cannot read the CSV header (its line is over the size limit)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"{source}: cannot read the CSV header ({_short(exc)})") from None
        header = []
        for i, name in enumerate(header_row):
            name = name.strip().lstrip("\ufeff") or f"column_{i + 1}"
            header.append(name if name not in header else f"{name}_{i + 1}")
        return _collect(
            _csv_records(reader, lines, header, source, field_limit, _wide(encoding)),
            source=source,
            source_format="csv",
            encoding=encoding,
            opts=opts,
            mend=any(_suspect(name) for name in header),  # a bare row is clean but for its field names
        )
    finally:
        csv.field_size_limit(old_limit)
        wrapper.detach()


def _short(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid {exc.encoding}"
    return printable(str(exc).splitlines()[0], 120) if str(exc).strip() else type(exc).__name__

