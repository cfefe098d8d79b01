"""JSON and JSON Lines inputs holding articles: one object, a list of them, an object holding such a
list, or one object a line (streamed). A JSON file that is a Telegram Desktop export is handed to
``telegram``; each record becomes a Document through ``records``.

A number literal of more than 40 characters stays its text (the record is kept, with a problem line).
"""

from __future__ import annotations

import io
import json
from typing import Any, BinaryIO, Iterator

from ..errors import InputError, printable
from .base import Options, ReadProblem, ReadResult, human_size
from .encoding import decode
from .records import _codec, _collect, _Fields, _lookup, _Noted, _suspect, _type_name, _wide
from .telegram import read_telegram, telegram_chats

__all__ = ["read_json", "read_jsonl", "looks_like_jsonl", "parse_json"]

# Keys under which a JSON object keeps its list of articles.
LIST_KEYS = ("items", "articles", "data", "results", "records", "documents", "docs", "posts", "entries", "news", "rows")

# A JSON number literal longer than this is kept as its text: no article field needs a bigger number,
# and Python refuses to turn more than 4,300 digits into an int (a 100,000-digit number was a crash).
_MAX_NUMBER_CHARS = 40


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


def read_json(text: str, *, source: str, encoding: str | None, opts: Options, telegram: bool = False) -> ReadResult:
    """A JSON file: one article object, a list of them, an object holding such a list,
    or a Telegram Desktop channel export."""
    numbers = _Numbers()
    obj = parse_json(text, source, numbers)
    mend = _suspect(text)
    chats = telegram_chats(obj, told=telegram)
    if chats:
        result = read_telegram(chats, source=source, encoding=encoding, opts=opts, mend=mend)
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
