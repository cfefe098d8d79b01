"""Reading a request's query parameters: every bad value is a 400 with one line that names it.

A view calls :func:`param`, :func:`int_param`, :func:`choice_param`, :func:`date_param` and
:func:`output_format`; each raises :class:`WebError`, which the app answers as an error page (or
JSON, or a line of text, in the format the request asked for).
"""

from __future__ import annotations

from typing import Iterable

from fastapi import Request

from ..store.rows import normalize_date

FORMATS = ("html", "json", "csv")


class WebError(Exception):
    """An answer other than 200: ``status`` and a one-line ``message`` for the user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = " ".join(str(message).split())


def bad_request(message: str) -> WebError:
    return WebError(400, message)


def not_found(message: str) -> WebError:
    return WebError(404, message)


def param(request: Request, name: str, limit: int = 500) -> str | None:
    """The parameter stripped, None when absent or empty; too long or holding NUL is a 400."""
    value = request.query_params.get(name)
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise bad_request(f"{name} is too long (at most {limit} characters)")
    if "\x00" in value:
        raise bad_request(f"{name} contains a NUL character")
    return value or None


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = param(request, name, 20)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}, not {value}")
    return value


def choice_param(request: Request, name: str, choices: Iterable[str], default: str | None) -> str | None:
    raw = param(request, name, 50)
    if raw is None:
        return default
    choices = tuple(choices)
    if raw not in choices:
        raise bad_request(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def date_param(request: Request, name: str) -> str | None:
    raw = param(request, name, 40)
    if raw is not None and normalize_date(raw) is None:
        raise bad_request(f"{name} must be a date (YYYY-MM-DD) or an ISO date-time, not {raw!r}")
    return raw


def output_format(request: Request) -> str:
    """``?format=``: html (the default), json or csv."""
    raw = request.query_params.get("format")
    if raw is None or raw == "":
        return "html"
    if raw not in FORMATS:
        raise bad_request(f"format must be one of {', '.join(FORMATS)}, not {raw[:40]!r}")
    return raw


def requested_format(request: Request) -> str:
    """The format for an error answer: never raises."""
    raw = request.query_params.get("format")
    return raw if raw in FORMATS else "html"
