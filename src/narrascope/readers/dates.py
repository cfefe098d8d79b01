"""Where a document's publication date comes from, and the dates a reader can add when the content has none.

The content's own date always wins: HTML metadata, a record's date field, a feed item's or a Telegram
message's date. A document without one takes, in this order, the date its file name starts with or
carries as a clear token (``2025-06-14_slug.txt``, ``2025-06-14T10-30_x.html``, ``20250614-x.txt``),
then the date given for the whole batch (``--date``), or, only when asked, the file's modification time
(``--date-from-mtime``; the two exclude each other). ``metadata["date_source"]`` records which it was,
so a page can say "date from the file's modification time":

    html, field, feed, telegram, archive, crawl   the content's own date (by input format)
    file_name, batch, mtime                       added here
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import PurePath
from typing import Any, Iterable

from ..errors import UsageError
from ..model import Document

DATE_KEYS = ("published", "date", "pubDate", "datePublished")  # the keys the store reads a date from
CONTENT_SOURCES = {"html": "html", "json": "field", "jsonl": "field", "csv": "field", "feed": "feed",
                   "telegram": "telegram", "warc": "archive"}

# A date at the start of a file name, or one standing alone between separators (not inside a longer
# number): 2025-06-14, 2025_06_14, 2025.06.14 or 20250614, optionally with a time (T10-30, T103000, _10-30-00).
_SEP = r"[-_.]"
_NAME_DATE = re.compile(
    r"(?<![0-9A-Za-z])(?P<y>(?:19|20)\d\d)(?:(?P<s>" + _SEP + r")(?P<m>\d\d)(?P=s)(?P<d>\d\d)|(?P<m2>\d\d)(?P<d2>\d\d))"
    r"(?:[T_ ](?P<H>[01]\d|2[0-3])[-:.h]?(?P<M>[0-5]\d)(?:[-:.]?(?P<S>[0-5]\d))?)?"
    r"(?![0-9])")


def date_from_name(name: str) -> str | None:
    """The date (``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM[:SS]`` with a time) a file name carries as a token;
    None when it has none or the digits are no calendar date (``20251399``)."""
    stem = PurePath(str(name)).name
    for m in _NAME_DATE.finditer(stem):
        month, day = (m.group("m"), m.group("d")) if m.group("m") else (m.group("m2"), m.group("d2"))
        try:
            day_value = date(int(m.group("y")), int(month), int(day))
        except ValueError:
            continue
        if m.group("H") is not None:
            return datetime(day_value.year, day_value.month, day_value.day, int(m.group("H")), int(m.group("M")),
                            int(m.group("S") or 0)).isoformat()
        return day_value.isoformat()
    return None


def parse_batch_date(value: str | None) -> str | None:
    """A ``--date`` value checked: ``YYYY-MM-DD`` (a real day), or a UsageError in one line."""
    if value is None:
        return None
    raw = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            pass
    raise UsageError(f"--date {value!r}: give a day as YYYY-MM-DD (e.g. 2025-06-15)")


def has_date(meta: dict[str, Any]) -> bool:
    """True when the metadata holds a date the store can read (see ``store.rows.document_row``)."""
    from ..store.rows import normalize_date

    return any(normalize_date(meta.get(key)) for key in DATE_KEYS)


def mark_content_date(meta: dict[str, Any]) -> None:
    """Say where a date the reader found came from (the input's own date), unless already said."""
    if "date_source" in meta or not has_date(meta):
        return
    fmt = meta.get("source_format")
    source = CONTENT_SOURCES.get(fmt, "metadata") if isinstance(fmt, str) else "metadata"
    if fmt == "warc" and meta.get("crawled") and meta.get("published") == meta.get("crawled"):
        source = "crawl"  # the archive's capture date stands in for the page's own
    meta["date_source"] = source


def fill_dates(documents: Iterable[Document], *, file_name: str | None = None, batch_date: str | None = None,
               mtime: float | None = None) -> None:
    """Give each undated document a date, in place: from ``file_name``, else ``batch_date``
    (``YYYY-MM-DD``), else ``mtime`` (seconds since the epoch, kept as a UTC date-time); dated ones
    only get their ``date_source``."""
    named = date_from_name(file_name) if file_name else None
    touched = (datetime.fromtimestamp(mtime, tz=timezone.utc).replace(microsecond=0, tzinfo=None).isoformat()
               if mtime is not None else None)
    for doc in documents:
        meta = doc.metadata
        if has_date(meta):
            mark_content_date(meta)
            continue
        for value, source in ((named, "file_name"), (batch_date, "batch"), (touched, "mtime")):
            if value:
                meta["published"] = value
                meta["date_source"] = source
                break


def undated_note(undated: int, documents: int, what: str = "this chart") -> str | None:
    """The line a chart over time shows when some documents have no date (None when all have one)."""
    if not undated:
        return None
    verb = "is" if undated == 1 else "are"
    return (f"{undated:,} of {documents:,} document{'' if documents == 1 else 's'} {verb} undated and left out of {what}; "
            "ingest with --date, --date-field or --date-from-mtime to date them")
