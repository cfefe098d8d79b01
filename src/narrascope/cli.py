"""Command line: ``narrascope analyze PATH|URL|- [...]``.

Exit codes: 0 ok, 2 usage error, 3 bad input (some input could not be read; the rest is still
analysed and written). Errors are one line on stderr, never a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from . import __version__
from .errors import InputError, NarrascopeError, UsageError
from .model import Document

app = typer.Typer(
    name="narrascope",
    help="What a news article is doing — narratives, framing, persuasion, claims and provenance — with the exact words behind every finding.",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
err = Console(stderr=True, highlight=False)
_debug = False

EXIT_INPUT = InputError.exit_code


def _version(value: bool) -> None:
    if value:
        typer.echo(f"narrascope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on internal errors."),
) -> None:
    global _debug
    _debug = debug


def _error(message: str) -> None:
    err.print(Text(f"narrascope: error: {message}", style="red"), soft_wrap=True)  # one line, never wrapped


def _warn(message: str) -> None:
    err.print(Text(f"narrascope: warning: {message}", style="yellow"), soft_wrap=True)


def write_atomic(path: Path, content: str) -> None:
    """Write via a temporary file and rename, so a failure never leaves a half-written file
    or clobbers what was there."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"cannot write {path}: folder {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read_sources(sources: list[str], options: dict) -> tuple[list[Document], int]:
    from . import readers

    docs: list[Document] = []
    failures = 0
    for source in sources:
        try:
            if source == "-":
                result = readers.read_stdin(**options)
            elif readers.is_url(source):
                result = readers.read_url(source, **options)
            else:
                result = readers.read_path(Path(source), **options)
        except InputError as exc:
            _error(str(exc))
            failures += 1
            continue
        for problem in result.problems:
            where = f"{problem.source}:{problem.line}" if problem.line else problem.source
            _error(f"{where}: {problem.message}")
            failures += 1
        docs.extend(result.documents)
    return docs, failures


def _clip_title(title: str, limit: int) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def _summary_table(docs: list[Document]) -> Table:
    table = Table(title=f"{len(docs)} documents", header_style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column("title", no_wrap=True)
    for col in ("lang", "ents", "quotes", "cited", "mt"):
        table.add_column(col, no_wrap=True, justify="right", min_width=len(col))
    for d in docs:
        table.add_row(
            d.id[:10],
            Text(_clip_title(d.metadata.get("title") or "", 24)),
            d.metadata.get("language", ""),
            str(len(d.groups.get("entities", []))),
            str(sum(1 for s in d.spans("quotes") if s.label in ("quote", "reported_speech"))),
            str(len(d.groups.get("cited_sources", []))),
            str(len(d.spans("mt_residue"))),
        )
    return table


@app.command()
def analyze(
    sources: List[str] = typer.Argument(..., metavar="PATH|URL|-", help="Article files (txt, html, json, jsonl, csv, Telegram export), URLs, or - for stdin."),
    json_out: Optional[Path] = typer.Option(None, "--json", metavar="FILE", help="Write the analysed Document as JSON (several: a JSON array, or JSON Lines if FILE ends in .jsonl)."),
    html_out: Optional[Path] = typer.Option(None, "--html", metavar="FILE", help="Write one self-contained HTML report."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Force the input format: text, html, json, jsonl, csv, telegram, feed."),
    text_field: Optional[str] = typer.Option(None, "--text-field", help="Field holding the article text in JSON/CSV records."),
    title_field: Optional[str] = typer.Option(None, "--title-field", help="Field holding the title in JSON/CSV records."),
    id_field: Optional[str] = typer.Option(None, "--id-field", help="Field holding the record id in JSON/CSV records."),
    max_bytes: Optional[int] = typer.Option(None, "--max-bytes", help="Largest article accepted, in bytes (default 5 MB)."),
    disable: List[str] = typer.Option([], "--disable", "-d", help="Skip an analyzer (repeatable); see `narrascope pipeline`."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes for several articles (0: one per core)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No terminal report."),
) -> None:
    """Analyse articles and print an evidence-backed report."""
    from . import readers
    from .pipeline import Pipeline
    from .render.terminal import render_terminal

    options = {k: v for k, v in {"format": fmt, "text_field": text_field, "title_field": title_field, "id_field": id_field,
                                  "max_bytes": max_bytes}.items() if v is not None}
    if fmt is not None and fmt not in ("text", "html", "json", "jsonl", "csv", "telegram", "feed"):
        raise UsageError(f"unknown --format {fmt!r}: use text, html, json, jsonl, csv, telegram or feed")
    try:
        pipeline = Pipeline.default()
        pipeline.disable(*disable)
    except KeyError as exc:
        raise UsageError(str(exc).strip("'\"")) from None

    docs, failures = _read_sources(sources, options)
    if not docs:
        raise InputError("nothing to analyse" if failures else "no documents in the input")

    n_process = jobs if jobs > 0 else (os.cpu_count() or 1)
    n_process = min(n_process, len(docs))
    if len(docs) == 1:
        analysed = [pipeline(docs[0])]
    else:
        analysed = []
        with Progress(TextColumn("[bold]analysing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task("analyse", total=len(docs))
            for doc in pipeline.pipe(docs, n_process=n_process):
                analysed.append(doc)
                progress.advance(task)

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
        err.print(Text(f"wrote {json_out}", style="dim"))
    if html_out is not None:
        from .render.html import render_html

        write_atomic(html_out, render_html(analysed))
        err.print(Text(f"wrote {html_out}", style="dim"))
    if failures:
        raise typer.Exit(EXIT_INPUT)


@app.command("pipeline")
def pipeline_cmd() -> None:
    """List the analyzers of the default pipeline, in order, and any others installed."""
    from .pipeline import DEFAULT_COMPONENTS, Pipeline, available_analyzers

    p = Pipeline.default()
    table = Table(header_style="bold")
    for col in ("#", "analyzer", "needs", "adds", "in default"):
        table.add_column(col)
    names = list(DEFAULT_COMPONENTS) + [n for n in available_analyzers() if n not in DEFAULT_COMPONENTS]
    for i, name in enumerate(names, 1):
        component = p.get(name) if name in p.names else None
        from .pipeline import create_analyzer

        component = component or create_analyzer(name)
        table.add_row(str(i), name, ", ".join(component.requires), ", ".join(component.produces), "yes" if name in p.names else "no")
    Console().print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the Document format."""
    from importlib import resources

    typer.echo(resources.files("narrascope").joinpath("schema", "document.schema.json").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps every failure to a one-line message and an exit code."""
    try:
        # Without standalone mode click returns the code of a typer.Exit instead of raising it.
        code = app(args=argv, standalone_mode=False)
        return code if isinstance(code, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except NarrascopeError as exc:
        _error(str(exc))
        return exc.exit_code
    except typer.Abort:
        _error("aborted")
        return 130
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the promise is: no tracebacks for users
        # Typer vendors its own click, so usage errors are recognised by shape, not by class.
        if type(exc).__name__ == "NoArgsIsHelpError":
            ctx = getattr(exc, "ctx", None)
            typer.echo(ctx.get_help() if ctx else "")
            return 0
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            return exc.exit_code
        if _debug or os.environ.get("NARRASCOPE_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
