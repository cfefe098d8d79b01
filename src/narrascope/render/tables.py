"""Tables as CSV, for the command line and the web UI alike.

Cells are hostile text: one a spreadsheet would take for a formula (starting with = + - @, a tab or a
carriage return) gets a leading ``'``, and lone surrogates become U+FFFD so the file is valid UTF-8.
"""

from __future__ import annotations

import csv
import re
from typing import IO, Any, Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SURROGATE = re.compile("[\ud800-\udfff]")


def csv_cell(value: Any) -> Any:
    """A cell as text; one a spreadsheet would take for a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = _SURROGATE.sub("\ufffd", str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(out: IO[str], header: Iterable[Any], rows: Iterable[Iterable[Any]], *, lineterminator: str = "\r\n") -> None:
    """``header`` and ``rows`` as CSV on ``out``, every cell through :func:`csv_cell`."""
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
