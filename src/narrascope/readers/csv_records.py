"""CSV and TSV inputs with a header row, streamed: each row becomes a Document through ``records``.

A row that cannot be read (a field over the size limit, a line too long for any row, broken quoting)
is skipped to its end, and the rows after it are read. (Not ``csv.py``: that would shadow the
standard library's csv module for the modules of this package.)
"""

from __future__ import annotations

import csv
import io
from typing import Any, BinaryIO, Iterator

from ..errors import InputError, printable
from .base import Options, ReadProblem, ReadResult, Mended, human_size
from .records import _codec, _collect, _Noted, _suspect, _wide

__all__ = ["read_csv"]


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
