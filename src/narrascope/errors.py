"""Errors that reach the user as one line and an exit code, never a traceback."""

from __future__ import annotations

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(s: object, limit: int | None = 200) -> str:
    """``s`` made safe for one line of a terminal or log: every character that is not printable
    (controls such as newline and ESC, so no escape sequence reaches the terminal; format characters
    such as bidi overrides; lone surrogates, which cannot even be encoded) is written as a Python
    escape (``\\n``, ``\\x1b``, ``\\u202e``, ``\\ud800``), and the result is cut to ``limit``
    characters with "…" (``None``: no cut). Use it for every file name, URL, field name or snippet
    of input that goes into a message; applying it twice changes nothing more."""
    if not isinstance(s, str):
        s = str(s)
    if s.isprintable():
        return s if limit is None or len(s) <= limit else s[: max(limit - 1, 0)] + "…"
    out: list[str] = []
    size = 0
    for i, ch in enumerate(s):
        shown = ch if ch.isprintable() else _ESCAPES.get(ch) or ascii(ch)[1:-1]
        if limit is not None and size + len(shown) > limit - (i + 1 < len(s)):
            out.append("…")  # cut between characters, never inside an escape
            break
        out.append(shown)
        size += len(shown)
    return "".join(out)


class NarrascopeError(Exception):
    """Base class; ``exit_code`` is what the CLI returns. A message is one line: it is passed
    through ``printable`` (no cut), so a file name with a newline or an escape sequence in it
    cannot break the line or reach the terminal raw."""

    exit_code = 1

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (printable(args[0], limit=None),)
        super().__init__(*args)


class InputError(NarrascopeError):
    """The input cannot be read as an article: missing, empty, binary, undecodable, malformed."""

    exit_code = 3


class UsageError(NarrascopeError):
    exit_code = 2


class DiskFullError(NarrascopeError):
    """The disk (or quota) ran out while writing. The message says what was kept: writes are atomic
    (reports) or transactional (stores), so nothing written before is lost and nothing is half-written."""

    exit_code = 4


def is_disk_full(exc: BaseException) -> bool:
    """True for "no space left" from the OS (ENOSPC, EDQUOT), SQLite (SQLITE_FULL) or PostgreSQL
    (SQLSTATE 53100 disk_full), looked up along the exception's causes."""
    import errno

    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, DiskFullError):
            return True
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return True
        if getattr(exc, "sqlite_errorcode", None) == 13:  # SQLITE_FULL
            return True
        if getattr(exc, "sqlstate", None) == "53100":
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
