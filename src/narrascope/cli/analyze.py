"""The command that analyses articles given on the command line: ``analyze`` (a report, JSON, HTML); its
reader (:func:`read_sources`) serves ``match`` (:mod:`.match`) too."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..errors import InputError, UsageError, printable
from ..model import Document
from .options import (
    AllowPrivate,
    BatchDate,
    DateField,
    DateFromMtime,
    Format,
    IdField,
    MaxBytes,
    Outlets,
    Scheduler,
    SchedulerTimeout,
    TextField,
    TitleField,
    check_engine,
    check_jobs,
    dask_engine,
    engine_option,
    fast_option,
    jobs_option,
    model_mode,
    outlets_file,
    reader_options,
)
from .output import EXIT_INPUT, check_output, clip, err, error, note, warn, write_atomic


def read_sources(sources: list[str], options: dict, allow_private: bool = False) -> tuple[list[Document], int]:
    """The documents of every source, and how many sources or records failed (each said on stderr)."""
    from .. import readers

    docs: list[Document] = []
    failures = 0
    fetcher = readers.Fetcher(allow_private=allow_private)  # the guarded fetcher: every URL goes through it
    for source in sources:
        try:
            if source == "-":
                result = readers.read_stdin(**options)
            elif readers.is_url(source):
                result = readers.read_url(source, fetcher=fetcher, **options)
            else:
                result = readers.read_path(Path(source), **options)
        except InputError as exc:
            error(str(exc))
            failures += 1
            continue
        for problem in result.problems:
            if getattr(problem, "kept", False):  # mended and read (a lone surrogate replaced): said, not failed
                warn(str(problem))
                continue
            error(str(problem))  # source[:line or item]: message
            failures += 1
        docs.extend(result.documents)
    return docs, failures


def _document_name(doc: Document) -> str:
    """Which input a document came from, for a message: its source, and the record within it."""
    meta = doc.metadata
    name = str(meta.get("source") or "<input>")
    for key, shown in (("line", "line {}"), ("record_id", "record {}"), ("record_index", "record #{}")):
        if meta.get(key) is not None:
            return f"{name}:{shown.format(meta[key])}"
    return name


def _summary_table(docs: list[Document]) -> Table:
    """One row per analysed document, for a report on several."""
    summary = Table(title=f"{len(docs)} documents", header_style="bold")
    summary.add_column("id", no_wrap=True)
    summary.add_column("title", no_wrap=True)
    for col in ("lang", "ents", "quotes", "cited", "mt"):
        summary.add_column(col, no_wrap=True, justify="right", min_width=len(col))
    for d in docs:
        summary.add_row(
            d.id[:10],
            Text(printable(clip(d.metadata.get("title") or "", 24))),
            Text(printable(d.metadata.get("language", ""))),
            str(len(d.groups.get("entities", []))),
            str(sum(1 for s in d.spans("quotes") if s.label in ("quote", "reported_speech"))),
            str(len(d.groups.get("cited_sources", []))),
            str(len(d.spans("mt_residue"))),
        )
    return summary


def analyze(
    sources: List[str] = typer.Argument(..., metavar="PATH|URL|-", help="Article files (txt, html, json, jsonl, csv, Telegram export, RSS/Atom, WARC web archive), URLs, or - for stdin."),
    json_out: Optional[Path] = typer.Option(None, "--json", metavar="FILE", help="Write the analysed Document as JSON (several: a JSON array, or JSON Lines if FILE ends in .jsonl)."),
    html_out: Optional[Path] = typer.Option(None, "--html", metavar="FILE", help="Write one self-contained HTML report."),
    fmt: Format = None,
    text_field: TextField = None,
    title_field: TitleField = None,
    id_field: IdField = None,
    max_bytes: MaxBytes = None,
    date_field: DateField = None,
    date: BatchDate = None,
    date_from_mtime: DateFromMtime = False,
    allow_private: AllowPrivate = False,
    disable: List[str] = typer.Option([], "--disable", "-d", help="Skip an analyzer (repeatable); see `narrascope pipeline`."),
    jobs: int = jobs_option(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No terminal report."),
    fast: bool = fast_option("Models without a transformer (n-grams only): ~20x faster, a little less accurate."),
    llm_url: Optional[str] = typer.Option(None, "--llm-url", help="OpenAI-compatible API base (e.g. http://127.0.0.1:8000/v1): narratives, roles and techniques come from this LLM instead of the shipped models."),
    llm_model: Optional[str] = typer.Option(None, "--llm-model", help="Model name for --llm-url."),
    llm_key_env: str = typer.Option("NARRASCOPE_LLM_API_KEY", "--llm-key-env", help="Environment variable holding the API key (never stored or cached)."),
    llm_cache: Optional[Path] = typer.Option(None, "--llm-cache", help="Folder for the LLM response cache (default ~/.cache/narrascope/llm)."),
    engine: str = engine_option(),
    scheduler: Scheduler = None,
    scheduler_timeout: SchedulerTimeout = 10.0,
    outlets: Outlets = None,
) -> None:
    """Analyse articles and print an evidence-backed report."""
    from ..pipeline import Pipeline
    from ..render.terminal import render_terminal

    for out in (json_out, html_out):  # before any work, not after it
        if out is not None:
            check_output(out)

    options = reader_options(fmt, text_field, title_field, id_field, max_bytes, date_field=date_field, date=date,
                             date_from_mtime=date_from_mtime)
    jobs = check_jobs(jobs)
    check_engine(engine, scheduler)
    backend = None
    if llm_url or llm_model:
        if not (llm_url and llm_model):
            raise UsageError("--llm-url and --llm-model go together")
        from ..backends.llm import LLMBackend

        backend = LLMBackend(llm_url, llm_model, api_key_env=llm_key_env, cache_dir=llm_cache)
    outlets_path = outlets_file(outlets)
    try:
        pipeline = Pipeline.preset("default", mode=model_mode(fast), backend=backend)
        if outlets_path:
            from ..analyzers.outlets import add_outlets

            add_outlets(pipeline, outlets_path)
        turned_off = pipeline.disable(*disable, cascade=True)
    except KeyError as exc:
        raise UsageError(str(exc).strip("'\"")) from None
    for name in turned_off[len(disable):]:
        warn(f"{name} is off too: it needs what {', '.join(disable)} adds")
    docs, failures = read_sources(sources, options, allow_private=allow_private)
    if not docs:
        raise InputError("nothing to analyse" if failures else "no documents in the input")
    if engine == "dask":
        runner = dask_engine(pipeline, scheduler, scheduler_timeout)
    else:
        from ..engines import LocalEngine

        runner = LocalEngine(pipeline, n_process=min(jobs, len(docs)))
    analysed: list[Document] = []
    with runner, Progress(TextColumn("[bold]analysing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True, disable=not err.is_terminal or len(docs) == 1) as progress:
        task = progress.add_task("analyse", total=len(docs))
        for result in runner.imap(docs):
            if isinstance(result, Document):
                analysed.append(result)
                limits = result.metadata.get("analysis_limits")
                if isinstance(limits, dict) and limits.get("reason"):
                    warn(f"{_document_name(result)}: {limits['reason']}")
            else:  # one document an analyzer failed on; the others are still reported and written
                error(f"{_document_name(result.document)}: analysis failed ({result})")
                failures += 1
            progress.advance(task)
    if not analysed:
        raise InputError("no document could be analysed")

    if not quiet:
        console = Console(highlight=False)
        if len(analysed) == 1:
            render_terminal(analysed[0], console)
        else:
            console.print(_summary_table(analysed))
    if json_out is not None:
        if len(analysed) == 1:
            payload = analysed[0].to_json()
        elif str(json_out).endswith(".jsonl"):
            payload = "".join(d.to_json(indent=None) + "\n" for d in analysed)
        else:
            payload = "[\n" + ",\n".join(d.to_json() for d in analysed) + "\n]\n"
        write_atomic(json_out, payload)
        note(f"wrote {printable(json_out)}")
    if html_out is not None:
        from ..render.html import render_html

        write_atomic(html_out, render_html(analysed))
        note(f"wrote {printable(html_out)}")
    if backend is not None:
        note(f"LLM: {backend.usage_summary()}")
    if failures:
        raise typer.Exit(EXIT_INPUT)
