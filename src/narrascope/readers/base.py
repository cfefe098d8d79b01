"""What every reader shares: results, problems, options, limits and the format table."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import BinaryIO

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
    when a line number does not ("record 7" of a web archive)."""

    source: str
    line: int | None
    message: str
    item: str | None = None

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
