"""What every reader shares: results, problems, options, limits and the format table."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, BinaryIO

from ..errors import printable
from ..model import Document

DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # one article; anything bigger is almost surely not one
MAX_JSON_BYTES = 256 * 1024 * 1024  # a JSON file is parsed whole, so it needs a ceiling of its own
MAX_DUMP_BYTES = 2 * 1024 * 1024 * 1024  # JSONL/CSV are streamed; this only stops runaway inputs
SNIFF_BYTES = 64 * 1024

FORMATS = ("text", "html", "json", "jsonl", "csv", "telegram", "feed", "warc")

_ALIASES = {
    "txt": "text",
    "md": "text",
    "markdown": "text",
    "plain": "text",
    "htm": "html",
    "xhtml": "html",
    "ndjson": "jsonl",
    "json-lines": "jsonl",
    "jsonlines": "jsonl",
    "tsv": "csv",
    "rss": "feed",
    "atom": "feed",
    "rdf": "feed",
}

EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",  # the feed reader says so when an .xml file is some other XML
    ".warc": "warc",
}
# Extensions of more than one suffix, looked at before EXTENSIONS (a .gz is only known as one of these).
COMPOUND_EXTENSIONS = {
    ".warc.gz": "warc",
}


def format_for_name(name: str) -> str | None:
    """The format a file name's extension says, or None ("crawl.warc.gz" is warc)."""
    path = PurePath(str(name).lower())
    for ending, fmt in COMPOUND_EXTENSIONS.items():
        if path.name.endswith(ending) and path.name != ending:
            return fmt
    return EXTENSIONS.get(path.suffix)


@dataclass
class ReadProblem:
    """Something in the input that was skipped, such as a malformed JSONL line; ``item`` names it
    when a line number does not ("record 7" of a web archive). ``kept``: the record was read all
    the same, mended (a lone surrogate replaced, NULs removed, a huge number kept as text, a
    message without a date kept undated): a warning rather than a loss."""

    source: str
    line: int | None
    message: str
    item: str | None = None
    kept: bool = False

    def __post_init__(self) -> None:
        # Printed as it is by the CLI and by ingest: no control character or lone surrogate
        # from a file name, URL or record may reach the terminal raw.
        self.source = printable(self.source, limit=None)
        self.message = printable(self.message, limit=None)
        if self.item is not None:
            self.item = printable(self.item, limit=None)

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        if self.line is None and self.item:
            where = f"{self.source}:{self.item}"
        return f"{where}: {self.message}"


@dataclass
class ReadResult:
    documents: list[Document] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)


@dataclass(frozen=True)
class Options:
    text_field: str | None = None
    title_field: str | None = None
    id_field: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    date_field: str | None = None  # the records' publication date field (else the usual names, records.DATE_KEYS)


_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str, *, nul: bool = True) -> tuple[str, int, int]:
    """(text, lone surrogates replaced, NULs removed): lone surrogates (a JSON "\\ud800" escape
    decodes to one; UTF-8 cannot encode it, so writing the text would fail) become U+FFFD,
    NUL characters are removed when ``nul``. Text that needs neither comes back as it is."""
    if text.isascii() and (not nul or "\x00" not in text):
        return text, 0, 0
    surrogates = 0
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text, surrogates = _SURROGATE.subn("\ufffd", text)
    nuls = text.count("\x00") if nul else 0
    if nuls:
        text = text.replace("\x00", "")
    return text, surrogates, nuls


def scrub_value(value: Any, counts: list[int], depth: int = 0) -> Any:
    """``scrub`` applied to every string (keys too) of a metadata value; ``counts`` collects
    [surrogates, NULs]. Lists and dicts deeper than a few levels are dropped (metadata is shallow)."""
    if isinstance(value, str):
        value, surrogates, nuls = scrub(value)
        counts[0] += surrogates
        counts[1] += nuls
        return value
    if depth > 8:
        return None
    if isinstance(value, list):
        return [scrub_value(v, counts, depth + 1) for v in value]
    if isinstance(value, dict):
        return {scrub_value(k, counts, depth + 1): scrub_value(v, counts, depth + 1) for k, v in value.items()}
    return value


class Mended:
    """What ``scrub`` changed in one record: how many characters of its text, and which fields,
    for the problem line that says so (and that the record was kept)."""

    def __init__(self) -> None:
        self.surrogates = 0  # in the text
        self.nuls = 0
        self.surrogate_fields: list[str] = []
        self.nul_fields: list[str] = []

    def text(self, text: str) -> str:
        text, surrogates, nuls = scrub(text)
        self.surrogates += surrogates
        self.nuls += nuls
        return text

    def value(self, name: str, value: Any) -> Any:
        counts = [0, 0]
        value = scrub_value(value, counts, 1)
        if counts[0] and name not in self.surrogate_fields:
            self.surrogate_fields.append(name)
        if counts[1] and name not in self.nul_fields:
            self.nul_fields.append(name)
        return value

    def meta(self, meta: dict[str, Any]) -> dict[str, Any]:
        """A Document's metadata mended, except "source": the input's own name is the caller's
        (a file name may hold undecodable bytes), not something the record carried. The record's
        own fields ("record") are named one by one."""
        out: dict[str, Any] = {}
        for key, value in meta.items():
            if key == "source":
                out[key] = value
            elif key == "record" and isinstance(value, dict):
                out[key] = {self.value(str(k), k): self.value(str(k), v) for k, v in value.items()}
            else:
                out[key] = self.value(key, value)
        return out

    def note(self, tail: str = "; the record is kept", unit: str = "the text") -> str | None:
        """The problem line, or None when nothing was mended."""

        def place(count: int, fields: list[str]) -> str:
            bits = [f"{count} in {unit}"] if count else []
            if fields:
                shown = ", ".join(printable(f, 40) for f in fields[:5]) + (", …" if len(fields) > 5 else "")
                bits.append(f"in {shown}")
            return " and ".join(bits)

        parts = []
        if self.surrogates or self.surrogate_fields:
            parts.append("lone surrogates (\\ud800-\\udfff without a pair) replaced with U+FFFD "
                         f"({place(self.surrogates, self.surrogate_fields)})")
        if self.nuls or self.nul_fields:
            parts.append(f"NUL characters removed ({place(self.nuls, self.nul_fields)})")
        return f"{' and '.join(parts)}{tail}" if parts else None


def normalize_format(fmt: str | None) -> str | None:
    """Canonical format name; None means "decide by extension or content"."""
    from ..errors import UsageError

    if fmt is None:
        return None
    key = fmt.strip().lower().lstrip(".")
    if key in ("", "auto"):
        return None
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise UsageError(f"unknown input format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return key


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    value = float(n)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024:
            break
    return f"{value:.1f} {unit}"


class _Prefixed(io.RawIOBase):
    """A stream that first replays bytes already read (the sniffing sample), then the rest."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def replay(prefix: bytes, rest: BinaryIO) -> io.BufferedReader:
    return io.BufferedReader(_Prefixed(prefix, rest), buffer_size=1 << 16)
