"""Command line: ``narrascope analyze PATH|URL|- [...]`` and the other commands.

Exit codes: 0 ok, 2 usage error, 3 bad input (some input could not be read; the rest is still
analysed and written). Errors are one line on stderr, never a traceback (``--debug`` shows it).

One module per group of commands: ``analyze`` (analyze), ``match``, ``corpus`` (ingest, search, clusters,
trends, entity, graph, serve), ``tasks`` (train, predict, eval), ``info`` (pipeline, schema); the
options they share in ``options``, and what they write (messages, files, tables) in ``output``.
This module holds the app, the order ``--help`` lists the commands in, and :func:`main`, which turns
every failure into a message and an exit code.
"""

from __future__ import annotations

import os

import typer

from .. import __version__
from ..errors import DiskFullError, NarrascopeError, is_disk_full, printable
from . import analyze, corpus, info, match, tasks
from .output import debugging, error, set_debug

app = typer.Typer(
    name="narrascope",
    help="What a news article is doing — narratives, framing, persuasion, claims and provenance — with the exact words behind every finding.",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"narrascope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on internal errors."),
) -> None:
    set_debug(debug)


# the commands, in the order --help lists them (command groups come last)
app.command("analyze")(analyze.analyze)
app.command("train")(tasks.train)
app.add_typer(tasks.predict_app, name="predict")
app.add_typer(tasks.eval_app, name="eval")
app.command("match")(match.match_cmd)
app.command("ingest")(corpus.ingest)
app.command("search")(corpus.search)
app.command("clusters")(corpus.clusters_cmd)
app.command("trends")(corpus.trends_cmd)
app.command("entity")(corpus.entity_cmd)
app.command("graph")(corpus.graph_cmd)
app.command("serve")(corpus.serve_cmd)
app.command("pipeline")(info.pipeline_cmd)
app.command("schema")(info.schema)


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps every failure to a one-line message and an exit code."""
    try:
        # Without standalone mode click returns the code of a typer.Exit instead of raising it.
        code = app(args=argv, standalone_mode=False)
        return code if isinstance(code, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except NarrascopeError as exc:
        error(str(exc))
        return exc.exit_code
    except typer.Abort:
        error("aborted")
        return 130
    except KeyboardInterrupt:
        error("interrupted")
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
        if debugging() or os.environ.get("NARRASCOPE_DEBUG"):
            raise
        if is_disk_full(exc):
            error("the disk is full (no space left on the device); what was written before is kept, "
                  "nothing is half-written; free space and run the command again")
            return DiskFullError.exit_code
        error(f"internal error: {type(exc).__name__}: {printable(exc)} (run with --debug for details)")
        return 1
