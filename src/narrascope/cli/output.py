"""What the command line writes: one-line errors and warnings on stderr, output files written whole
(or not at all), and rows or tables on stdout as a Rich table, JSON or CSV.

Everything shown comes from input someone else wrote (titles, names, file names), so it goes through
``printable`` or ``SafeText``: control characters and markup never reach the terminal raw.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import DiskFullError, InputError, NarrascopeError, UsageError, is_disk_full, printable

err = Console(stderr=True, highlight=False)

EXIT_INPUT = InputError.exit_code  # some input could not be read or analysed; the rest was still done

# what --format takes where a command prints rows
TABLE_FORMATS = ("table", "json", "csv")

_debug = False


def set_debug(on: bool) -> None:
    """``--debug``: full tracebacks for internal errors, and the Dask client's own logging."""
    global _debug
    _debug = on


def debugging() -> bool:
    return _debug


def error(message: str) -> None:
    # one line, never wrapped; names and input in it cannot reach the terminal raw
    err.print(Text(f"narrascope: error: {printable(message, limit=None)}", style="red"), soft_wrap=True)


def warn(message: str) -> None:
    err.print(Text(f"narrascope: warning: {printable(message, limit=None)}", style="yellow"), soft_wrap=True)


def note(message: str) -> None:
    """A dim line on stderr: what was written, how it went."""
    err.print(Text(message, style="dim"))


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; put it back at once
    os.umask(mask)
    return mask


def check_output(path: Path) -> Path:
    """A usage error now, before any work, for an output path that cannot be a file we write."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"cannot write {printable(path)}: it is a folder; give a file name")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"cannot write {printable(path)}: folder {printable(directory)} does not exist")
    return path


def write_atomic(path: Path, content: str) -> None:
    """Write via a temporary file and rename, so a failure never leaves a half-written file
    or clobbers what was there. The file gets the mode a plain open() would give it (0666 less
    the umask; an existing file keeps its own), not mkstemp's private 0600, so a report can be
    shared from a web folder."""
    path = check_output(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)
        # a lone surrogate cannot be UTF-8: "?" in its place keeps every offset (readers already replace them)
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if is_disk_full(exc):
            kept = "the earlier file is kept as it was" if path.exists() else "no file was created"
            raise DiskFullError(f"disk full writing {printable(path)}: nothing was written there ({kept})") from None
        if isinstance(exc, OSError):
            raise NarrascopeError(f"cannot write {printable(path)} ({exc.strerror or type(exc).__name__})") from None
        raise


def clip(title: str, limit: int) -> str:
    """``title`` cut to ``limit`` characters, an ellipsis showing where."""
    return title if len(title) <= limit else title[: limit - 1] + "…"


def table(title: str | None, heads: Iterable[str], *, caption: str | None = None, right_from: int | None = None,
          **column_options: Any) -> Table:
    """A Rich table with bold headers; columns from index ``right_from`` on hold figures (right-aligned)."""
    out = Table(title=title, caption=caption, header_style="bold")
    for i, head in enumerate(heads):
        justify = "right" if right_from is not None and i >= right_from else "left"
        out.add_column(head, justify=justify, **column_options)
    return out


def print_table(rich_table: Table) -> None:
    Console(highlight=False).print(rich_table)


def print_json(value: Any, indent: int = 1, **options: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=indent, **options))


def print_rows(rows: list[dict], fmt: str, title: str) -> None:
    """Rows as a Rich table, JSON, or CSV on stdout (cells a spreadsheet would run as a formula get a leading ')."""
    if fmt == "json":
        print_json(rows)
        return
    columns = list(rows[0]) if rows else []
    if fmt == "csv":
        from ..render.tables import write_csv

        write_csv(sys.stdout, columns, (r.values() for r in rows), lineterminator="\n")
        return
    if not rows:
        Console(highlight=False).print(Text(f"{title}: none", style="dim"))
        return
    shown = table(title, columns, overflow="fold")
    for column, name in zip(shown.columns, columns):  # figures: right-aligned, never folded
        if all(isinstance(r.get(name), (int, float)) and not isinstance(r.get(name), bool) for r in rows):
            column.justify, column.no_wrap = "right", True
    for r in rows:
        shown.add_row(*(Text("" if v is None else printable(str(v), limit=None)) for v in r.values()))  # never markup
    print_table(shown)
