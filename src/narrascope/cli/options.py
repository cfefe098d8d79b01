"""Options that several commands share, declared once, and the checks that go with them.

Options that read the same everywhere are ``Annotated`` aliases (``fmt: Format = None``); those whose
help says what the command does with them are functions (``fast: bool = fast_option("...")``).
The input formats come from the readers (``readers.base.FORMATS``; their aliases such as txt or tsv
are accepted too), so every command takes the same ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import UsageError
from ..readers.base import FORMATS, normalize_format
from .output import debugging

# -- reading input (analyze, ingest) ---------------------------------------------------------------

Format = Annotated[Optional[str], typer.Option("--format", help=f"Force the input format: {', '.join(FORMATS)}.")]
TextField = Annotated[Optional[str], typer.Option("--text-field", help="Field holding the article text in JSON/CSV records.")]
TitleField = Annotated[Optional[str], typer.Option("--title-field", help="Field holding the title in JSON/CSV records.")]
IdField = Annotated[Optional[str], typer.Option("--id-field", help="Field holding the record id in JSON/CSV records.")]
MaxBytes = Annotated[Optional[int], typer.Option("--max-bytes", help="Largest article accepted, in bytes (default 5 MB).")]
DateField = Annotated[Optional[str], typer.Option("--date-field", help="Field holding the publication date in JSON/CSV records (default: published, date, ...).")]
BatchDate = Annotated[Optional[str], typer.Option(
    "--date", metavar="YYYY-MM-DD",
    help="Publication date for every document that has none of its own (from its metadata or file name); never overrides one.")]
DateFromMtime = Annotated[bool, typer.Option(
    "--date-from-mtime", help="Date undated documents by their file's modification time (marked as such; excludes --date).")]
AllowPrivate = Annotated[bool, typer.Option(
    "--allow-private", help="Allow URLs on private or loopback addresses (link-local and cloud metadata addresses stay refused).")]


def reader_options(fmt: Optional[str], text_field: Optional[str], title_field: Optional[str], id_field: Optional[str],
                   max_bytes: Optional[int], *, date_field: Optional[str] = None, date: Optional[str] = None,
                   date_from_mtime: bool = False) -> dict:
    """The readers' options from the command line, checked: a format the readers know (aliases such as
    txt or tsv included), a positive size limit, a real day for ``--date`` (not with ``--date-from-mtime``)."""
    from ..readers.dates import parse_batch_date

    normalize_format(fmt)  # a UsageError naming the formats; the readers take the name as given (tsv)
    if max_bytes is not None and max_bytes < 1:
        raise UsageError("--max-bytes must be a positive number of bytes")
    date = parse_batch_date(date)
    if date and date_from_mtime:
        raise UsageError("--date and --date-from-mtime exclude each other")
    return {k: v for k, v in {"format": fmt, "text_field": text_field, "title_field": title_field, "id_field": id_field,
                              "max_bytes": max_bytes, "date_field": date_field, "date": date,
                              "date_from_mtime": date_from_mtime or None}.items() if v is not None}


# -- outlet knowledge (analyze, ingest, entity, serve) ---------------------------------------------

Outlets = Annotated[Optional[str], typer.Option(
    "--outlets", metavar="FILE", envvar="NARRASCOPE_OUTLETS", show_envvar=False,
    help="Your outlets file (CSV or JSON: names, aliases, labels with their sources; see the README, \"Outlet knowledge\"): "
         "matched against the original source, aggregators, cited outlets and channels; default $NARRASCOPE_OUTLETS.")]


def outlets_file(path: Optional[str]) -> Optional[str]:
    """The outlets file, read now (so a bad one is one line and exit 3 before any work), as an absolute
    path the workers can read again; None without one."""
    if not path:
        return None
    from ..outlets import load_outlets

    return load_outlets(path).path


# -- where the analysis runs (analyze, ingest) -----------------------------------------------------


def engine_option(note: str = "") -> Any:
    """--engine; ``note`` adds what the command keeps here whatever the engine."""
    return typer.Option("local", "--engine", help="Where the analysis runs: local (this machine, --jobs processes) or dask "
                                                  f"(an existing Dask cluster, see --scheduler){note}.")


Scheduler = Annotated[Optional[str], typer.Option(
    "--scheduler", metavar="ADDRESS",
    help="With --engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 (workers need narrascope installed).")]
SchedulerTimeout = Annotated[float, typer.Option(
    "--scheduler-timeout", metavar="SECONDS", help="With --engine dask: how long to wait for the scheduler and a worker.")]


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, a container's cpuset), not all the machine's."""
    import os

    counted = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counted is not None:
        return max(1, counted() or 1)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def jobs_option() -> Any:
    """--jobs: worker processes for the analysis, one per usable core unless told."""
    return typer.Option(0, "--jobs", "-j", help="Worker processes for the analysis (default 0: one per usable core).")


def check_jobs(jobs: int) -> int:
    """The number of processes --jobs asks for (0: one per usable core); a usage error below 0."""
    if jobs < 0:
        raise UsageError("--jobs must be 0 (one per usable core) or more")
    return jobs or usable_cores()


def check_engine(engine: str, scheduler: Optional[str]) -> None:
    if engine not in ("local", "dask"):
        raise UsageError(f"unknown --engine {engine!r}: use local or dask")
    if engine == "dask" and not scheduler:
        raise UsageError("--engine dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    if engine == "local" and scheduler:
        raise UsageError("--scheduler goes with --engine dask")


def dask_engine(pipeline, scheduler: str, timeout: float):
    """Connect to the cluster (EngineError, exit 1, when it cannot be reached)."""
    from ..engines import DaskEngine

    if not debugging():  # distributed logs lost connections with tracebacks; what matters comes as one line
        import logging

        logging.getLogger("distributed").setLevel(logging.CRITICAL)
    try:
        config = pipeline.config  # what the workers build; a component they cannot build is a usage error
    except ValueError as exc:
        raise UsageError(f"--engine dask: {exc}") from None
    return DaskEngine(scheduler, config, timeout=timeout)


# -- models ----------------------------------------------------------------------------------------


def fast_option(help: str) -> Any:
    """--fast, with what it means for the command."""
    return typer.Option(False, "--fast", help=help)


def model_mode(fast: bool) -> str:
    """The model mode --fast picks (see ``narrascope.pipeline.MODEL_MODES``)."""
    return "fast" if fast else "default"


# -- the corpus store ------------------------------------------------------------------------------

Db = Annotated[str, typer.Option("--db", metavar="FILE|URL", help="The corpus store.")]


def existing_store(db: str) -> str:
    """``db`` when it names a store that exists (a database URL, or an SQLite file); a usage error otherwise."""
    if "://" not in db and not Path(db).is_file():
        raise UsageError(f"{db}: no such store (create one with narrascope ingest)")
    return db
