"""Command line: ``narrascope analyze PATH|URL|- [...]``.

Exit codes: 0 ok, 2 usage error, 3 bad input (some input could not be read; the rest is still
analysed and written). Errors are one line on stderr, never a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import contextlib
import json
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
from .errors import DiskFullError, InputError, NarrascopeError, UsageError, is_disk_full, printable
from .model import Document
from .render.terminal import SafeText

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
    # one line, never wrapped; names and input in it cannot reach the terminal raw
    err.print(Text(f"narrascope: error: {printable(message, limit=None)}", style="red"), soft_wrap=True)


def _warn(message: str) -> None:
    err.print(Text(f"narrascope: warning: {printable(message, limit=None)}", style="yellow"), soft_wrap=True)


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


def _read_sources(sources: list[str], options: dict, allow_private: bool = False) -> tuple[list[Document], int]:
    from . import readers

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
            _error(str(exc))
            failures += 1
            continue
        for problem in result.problems:
            if getattr(problem, "kept", False):  # mended and read (a lone surrogate replaced): said, not failed
                _warn(str(problem))
                continue
            _error(str(problem))  # source[:line or item]: message
            failures += 1
        docs.extend(result.documents)
    return docs, failures


def _reader_options(fmt: Optional[str], text_field: Optional[str], title_field: Optional[str], id_field: Optional[str],
                    max_bytes: Optional[int]) -> dict:
    """The readers' options from the command line, checked: a format the readers know (aliases such as
    txt or tsv included), a positive size limit."""
    from .readers.base import normalize_format

    normalize_format(fmt)  # a UsageError naming the formats; the readers take the name as given (tsv)
    if max_bytes is not None and max_bytes < 1:
        raise UsageError("--max-bytes must be a positive number of bytes")
    return {k: v for k, v in {"format": fmt, "text_field": text_field, "title_field": title_field, "id_field": id_field,
                              "max_bytes": max_bytes}.items() if v is not None}


def _document_name(doc: Document) -> str:
    """Which input a document came from, for a message: its source, and the record within it."""
    meta = doc.metadata
    name = str(meta.get("source") or "<input>")
    for key, shown in (("line", "line {}"), ("record_id", "record {}"), ("record_index", "record #{}")):
        if meta.get(key) is not None:
            return f"{name}:{shown.format(meta[key])}"
    return name


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
            Text(printable(_clip_title(d.metadata.get("title") or "", 24))),
            Text(printable(d.metadata.get("language", ""))),
            str(len(d.groups.get("entities", []))),
            str(sum(1 for s in d.spans("quotes") if s.label in ("quote", "reported_speech"))),
            str(len(d.groups.get("cited_sources", []))),
            str(len(d.spans("mt_residue"))),
        )
    return table


def model_mode(fast: bool) -> str:
    """The model mode --fast picks (see ``narrascope.pipeline.MODEL_MODES``)."""
    return "fast" if fast else "default"


def _check_engine(engine: str, scheduler: Optional[str]) -> None:
    if engine not in ("local", "dask"):
        raise UsageError(f"unknown --engine {engine!r}: use local or dask")
    if engine == "dask" and not scheduler:
        raise UsageError("--engine dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    if engine == "local" and scheduler:
        raise UsageError("--scheduler goes with --engine dask")


def _dask_engine(pipeline, scheduler: str, timeout: float):
    """Connect to the cluster (EngineError, exit 1, when it cannot be reached)."""
    from .engines import DaskEngine

    if not _debug:  # distributed logs lost connections with tracebacks; what matters comes as one line
        import logging

        logging.getLogger("distributed").setLevel(logging.CRITICAL)
    try:
        config = pipeline.config  # what the workers build; a component they cannot build is a usage error
    except ValueError as exc:
        raise UsageError(f"--engine dask: {exc}") from None
    return DaskEngine(scheduler, config, timeout=timeout)


@app.command()
def analyze(
    sources: List[str] = typer.Argument(..., metavar="PATH|URL|-", help="Article files (txt, html, json, jsonl, csv, Telegram export, RSS/Atom, WARC web archive), URLs, or - for stdin."),
    json_out: Optional[Path] = typer.Option(None, "--json", metavar="FILE", help="Write the analysed Document as JSON (several: a JSON array, or JSON Lines if FILE ends in .jsonl)."),
    html_out: Optional[Path] = typer.Option(None, "--html", metavar="FILE", help="Write one self-contained HTML report."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Force the input format: text, html, json, jsonl, csv, telegram, feed, warc."),
    text_field: Optional[str] = typer.Option(None, "--text-field", help="Field holding the article text in JSON/CSV records."),
    title_field: Optional[str] = typer.Option(None, "--title-field", help="Field holding the title in JSON/CSV records."),
    id_field: Optional[str] = typer.Option(None, "--id-field", help="Field holding the record id in JSON/CSV records."),
    max_bytes: Optional[int] = typer.Option(None, "--max-bytes", help="Largest article accepted, in bytes (default 5 MB)."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Allow URLs on private or loopback addresses (link-local and cloud metadata addresses stay refused)."),
    disable: List[str] = typer.Option([], "--disable", "-d", help="Skip an analyzer (repeatable); see `narrascope pipeline`."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes for several articles (0: one per core)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No terminal report."),
    fast: bool = typer.Option(False, "--fast", help="Models without a transformer (n-grams only): ~20x faster, a little less accurate."),
    llm_url: Optional[str] = typer.Option(None, "--llm-url", help="OpenAI-compatible API base (e.g. http://127.0.0.1:8000/v1): narratives, roles and techniques come from this LLM instead of the shipped models."),
    llm_model: Optional[str] = typer.Option(None, "--llm-model", help="Model name for --llm-url."),
    llm_key_env: str = typer.Option("NARRASCOPE_LLM_API_KEY", "--llm-key-env", help="Environment variable holding the API key (never stored or cached)."),
    llm_cache: Optional[Path] = typer.Option(None, "--llm-cache", help="Folder for the LLM response cache (default ~/.cache/narrascope/llm)."),
    engine: str = typer.Option("local", "--engine", help="Where the analysis runs: local (this machine, --jobs processes) or dask (an existing Dask cluster, see --scheduler)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS", help="With --engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 (workers need narrascope installed)."),
    scheduler_timeout: float = typer.Option(10.0, "--scheduler-timeout", metavar="SECONDS", help="With --engine dask: how long to wait for the scheduler and a worker."),
) -> None:
    """Analyse articles and print an evidence-backed report."""
    from .pipeline import Pipeline
    from .render.terminal import render_terminal

    for out in (json_out, html_out):  # before any work, not after it
        if out is not None:
            check_output(out)

    options = _reader_options(fmt, text_field, title_field, id_field, max_bytes)
    if jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    _check_engine(engine, scheduler)
    backend = None
    if llm_url or llm_model:
        if not (llm_url and llm_model):
            raise UsageError("--llm-url and --llm-model go together")
        from .backends.llm import LLMBackend

        backend = LLMBackend(llm_url, llm_model, api_key_env=llm_key_env, cache_dir=llm_cache)
    try:
        pipeline = Pipeline.preset("default", mode=model_mode(fast), backend=backend)
        turned_off = pipeline.disable(*disable, cascade=True)
    except KeyError as exc:
        raise UsageError(str(exc).strip("'\"")) from None
    for name in turned_off[len(disable):]:
        _warn(f"{name} is off too: it needs what {', '.join(disable)} adds")
    docs, failures = _read_sources(sources, options, allow_private=allow_private)
    if not docs:
        raise InputError("nothing to analyse" if failures else "no documents in the input")
    if engine == "dask":
        runner = _dask_engine(pipeline, scheduler, scheduler_timeout)
    else:
        from .engines import LocalEngine

        runner = LocalEngine(pipeline, n_process=min(jobs if jobs > 0 else (os.cpu_count() or 1), len(docs)))
    analysed: list[Document] = []
    with runner, Progress(TextColumn("[bold]analysing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True, disable=not err.is_terminal or len(docs) == 1) as progress:
        task = progress.add_task("analyse", total=len(docs))
        for result in runner.imap(docs):
            if isinstance(result, Document):
                analysed.append(result)
                limits = result.metadata.get("analysis_limits")
                if isinstance(limits, dict) and limits.get("reason"):
                    _warn(f"{_document_name(result)}: {limits['reason']}")
            else:  # one document an analyzer failed on; the others are still reported and written
                _error(f"{_document_name(result.document)}: analysis failed ({result})")
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
        err.print(Text(f"wrote {printable(json_out)}", style="dim"))
    if html_out is not None:
        from .render.html import render_html

        write_atomic(html_out, render_html(analysed))
        err.print(Text(f"wrote {printable(html_out)}", style="dim"))
    if backend is not None:
        err.print(Text(f"LLM: {backend.usage_summary()}", style="dim"))
    if failures:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def train(
    task: str = typer.Argument(..., metavar="narratives|roles|techniques|checkworthiness", help="Which model to train."),
    data: Path = typer.Option(..., "--data", help="Training data: ../shared/data/semeval2025_task10 (narratives, roles), ../shared/data (techniques), ../shared/data/checkthat2024_task1_en (checkworthiness)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Artifact to write (default: the model shipped in the package)."),
    mode: str = typer.Option("default", "--mode", help="default or fast (see the README for what each mode uses)."),
    cv: int = typer.Option(0, "--cv", help="Also cross-validate with this many folds and record the scores in the model card."),
    seed: int = typer.Option(0, "--seed"),
    embedding_cache: Optional[Path] = typer.Option(None, "--embedding-cache", help="Folder to cache document embeddings between runs."),
) -> None:
    """Train a shipped model from the training split only, with a model card beside it."""
    from .models.registry import TASKS, artifact_path

    if task not in TASKS:
        raise UsageError(f"unknown task {task!r}: use {', '.join(TASKS)}")
    if mode not in ("default", "fast"):
        raise UsageError(f"unknown --mode {mode!r}: use default or fast")
    if cv == 1 or cv < 0:
        raise UsageError("--cv needs at least 2 folds (or 0 for none)")
    target = out or artifact_path(task, mode)
    say = lambda msg: err.print(Text(msg, style="dim"))  # noqa: E731
    cache = str(embedding_cache) if embedding_cache else None
    if task == "narratives":
        from .workflows import semeval2025 as wf

        card = wf.train_narratives(data, target, mode, cv, seed, cache, say)
    elif task == "roles":
        from .workflows import semeval2025 as wf

        card = wf.train_roles(data, target, mode, cv, seed, say)
    elif task == "techniques":
        from .workflows.semeval2023 import train_techniques

        card = train_techniques(data, target, mode, cv, seed, cache, say)
    else:
        from .workflows.checkthat2024 import train_checkworthiness

        card = train_checkworthiness(data, target, mode, cv, seed, progress=say)
    err.print(Text(f"wrote {target} and its model card", style="dim"))
    if isinstance(card.get("evaluation"), dict):
        typer.echo(json.dumps(card["evaluation"], indent=1))


predict_app = typer.Typer(help="Predict in a shared task's official file format.", no_args_is_help=True)
app.add_typer(predict_app, name="predict")


@predict_app.command("semeval2025-narratives")
def predict_narratives(
    docs: Path = typer.Option(..., "--docs", help="Folder of .txt documents."),
    out: Path = typer.Option(..., "--out", help="Output: id<TAB>narratives<TAB>subnarratives per document."),
    fast: bool = typer.Option(False, "--fast", help="Use the fast (n-gram only) model."),
    model: Optional[Path] = typer.Option(None, "--model", help="Another trained artifact."),
) -> None:
    """SemEval-2025 Task 10 subtask 2: narratives and subnarratives per document."""
    from .workflows.semeval2025 import predict_narratives as run

    n = run(docs, out, str(model) if model else model_mode(fast))
    err.print(Text(f"wrote {n} predictions to {out}", style="dim"))


@predict_app.command("semeval2025-roles")
def predict_roles(
    docs: Path = typer.Option(..., "--docs", help="Folder of .txt documents."),
    mentions: Path = typer.Option(..., "--mentions", help="id<TAB>mention<TAB>start<TAB>end per line (end inclusive)."),
    out: Path = typer.Option(..., "--out", help="Output: the mention line, then main role and fine roles."),
    fast: bool = typer.Option(False, "--fast", help="Use the fast model."),
    model: Optional[Path] = typer.Option(None, "--model", help="Another trained artifact."),
) -> None:
    """SemEval-2025 Task 10 subtask 1: the role of every given entity mention."""
    from .workflows.semeval2025 import predict_roles as run

    n = run(docs, mentions, out, str(model) if model else model_mode(fast))
    err.print(Text(f"wrote {n} predictions to {out}", style="dim"))


@predict_app.command("semeval2023-techniques")
def predict_techniques(
    articles: Path = typer.Option(..., "--articles", help="Folder of article<ID>.txt files."),
    template: Path = typer.Option(..., "--template", help="A *-labels-subtask-3.template file: id<TAB>line<TAB>text."),
    out: Path = typer.Option(..., "--out", help="Output: id<TAB>line<TAB>t1,t2,... for every template line."),
    fast: bool = typer.Option(False, "--fast", help="Use the fast model."),
    model: Optional[Path] = typer.Option(None, "--model", help="Another trained artifact."),
) -> None:
    """SemEval-2023 Task 3 subtask 3: persuasion techniques per paragraph."""
    from .models.registry import load_model
    from .workflows.semeval2023 import predict_semeval2023

    n = predict_semeval2023(articles, template, out, load_model("techniques", str(model) if model else model_mode(fast)))
    err.print(Text(f"wrote {n} predictions to {out}", style="dim"))


@predict_app.command("checkthat2024")
def predict_checkthat(
    input_tsv: Path = typer.Option(..., "--input", help="TSV with columns Sentence_id and Text."),
    out: Path = typer.Option(..., "--out", help="Output: Sentence_id<TAB>Yes|No for every input row."),
    fast: bool = typer.Option(False, "--fast", help="Use the fast model."),
    model: Optional[Path] = typer.Option(None, "--model", help="Another trained artifact."),
    header: bool = typer.Option(False, "--header/--no-header", help="Write a 'Sentence_id<TAB>class_label' header line first."),
) -> None:
    """CheckThat! 2024 Task 1: is each sentence worth fact-checking?"""
    from .workflows.checkthat2024 import predict_checkthat2024

    n = predict_checkthat2024(input_tsv, out, str(model) if model else model_mode(fast), header=header)
    err.print(Text(f"wrote {n} predictions to {out}", style="dim"))


eval_app = typer.Typer(help="Score models with a shared task's official metrics.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("semeval2025")
def eval_semeval2025(
    task: str = typer.Option(..., "--task", help="narratives or roles."),
    data: Path = typer.Option(..., "--data", help="SemEval-2025 Task 10 data folder (holding train/)."),
    lang: str = typer.Option("EN,BG,HI,PT,RU", "--lang", help="Languages to evaluate, comma-separated (the model trains on all of them)."),
    cv: int = typer.Option(5, "--cv", help="Cross-validation folds on the training split."),
    seed: int = typer.Option(0, "--seed"),
    fast: bool = typer.Option(False, "--fast", help="Evaluate the fast configuration."),
    embedding_cache: Optional[Path] = typer.Option(None, "--embedding-cache", help="Folder to cache document embeddings."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the full result here."),
) -> None:
    """Cross-validated official metrics: F1-samples (subtask 2) or EMR / main-role accuracy / fine micro-F1 (subtask 1).

    Every language trains each fold's model; --lang only picks the rows of the report."""
    from .workflows import semeval2025 as wf

    if cv < 2:
        raise UsageError("--cv needs at least 2 folds")
    wanted = [x.strip().upper() for x in lang.split(",") if x.strip()]
    bad = [x for x in wanted if x not in wf.LANGS]
    if bad:
        raise UsageError(f"unknown language {', '.join(bad)}: use {', '.join(wf.LANGS)}")
    result = wf.evaluate_cv(task, data, wf.LANGS, cv, seed, model_mode(fast),
                            str(embedding_cache) if embedding_cache else None)
    metric = ("F1-samples; (Other): predicting Other everywhere" if task == "narratives" else
              "EMR: exact match of the fine-role set; main acc: main-role accuracy; fine µF1: fine-role micro-F1")
    table = Table(title=f"SemEval-2025 {task}, {cv}-fold CV on train ({model_mode(fast)} mode)",
                  caption=f"mean ± std over folds. {metric}", header_style="bold")
    table.add_column("language")
    if task == "narratives":
        cols = [("narratives", "model"), ("narratives", "other_baseline"), ("subnarratives", "model"),
                ("subnarratives", "other_baseline")]
        heads = ["narratives", "(Other)", "subnarratives", "(Other)"]
        get = lambda lvl, name, sc: result[name][lvl].get(sc)  # noqa: E731
    else:
        cols = [("emr", "model"), ("main_accuracy", "model"), ("micro_f1", "model"), ("main_accuracy", "majority")]
        heads = ["EMR", "main acc", "fine µF1", "(majority main acc)"]
        get = lambda metric, name, sc: result[name][metric].get(sc)  # noqa: E731
    for h in heads:
        table.add_column(h, justify="right")
    for scope in wanted + ["ALL"]:
        cells = []
        for a, b in cols:
            st = get(a, b, scope)
            cells.append(f"{st['mean']:.3f} ± {st['std']:.3f}" if st else "–")
        table.add_row(scope, *cells)
    Console(highlight=False).print(table)
    if json_out is not None:
        write_atomic(json_out, json.dumps({k: v for k, v in result.items() if k != "fold_ids"}, indent=1) + "\n")


@eval_app.command("techniques")
def eval_techniques(
    data: Path = typer.Option(Path("../shared/data"), "--data", help="Folder holding semeval2023_task3/ (and semeval2020_task11_ptc/)."),
    cv: int = typer.Option(5, "--cv", help="Cross-validation folds over training articles."),
    seed: int = typer.Option(0, "--seed"),
    fast: bool = typer.Option(False, "--fast", help="Evaluate the fast configuration."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the full result here."),
) -> None:
    """Cross-validated paragraph micro-F1 (SemEval-2023 subtask 3) and span F1 with partial-overlap credit (SemEval-2020)."""
    from .workflows.semeval2023 import evaluate_cv

    if cv < 2:
        raise UsageError("--cv needs at least 2 folds")
    mode = model_mode(fast)
    say = lambda msg: err.print(Text(msg, style="dim"))  # noqa: E731
    result = evaluate_cv(data, cv, mode, seed, progress=say)
    table = Table(title=f"Persuasion techniques, {cv}-fold CV on train ({mode} mode)", header_style="bold",
                  caption="paragraph: official micro-F1; span: label-aware partial-overlap F1; span (any): ignoring the label")
    for head in ("language", "articles", "paragraph µF1", "precision", "recall", "span F1", "span F1 (any)"):
        table.add_column(head, justify="left" if head == "language" else "right")
    for lang, r in result["languages"].items():
        table.add_row(lang, str(r["articles"]), f"{r['paragraph']['micro_f1']:.3f}", f"{r['paragraph']['precision']:.3f}",
                      f"{r['paragraph']['recall']:.3f}", f"{r['span']['f1']:.3f}", f"{r['span_unlabelled']['f1']:.3f}")
    Console(highlight=False).print(table)
    if json_out is not None:
        write_atomic(json_out, json.dumps(result, indent=1) + "\n")


@eval_app.command("checkthat2024")
def eval_checkthat(
    data: Path = typer.Option(Path("../shared/data/checkthat2024_task1_en"), "--data", help="CheckThat! 2024 Task 1 English folder."),
    cv: int = typer.Option(5, "--cv", help="Cross-validation folds on the training file."),
    seed: int = typer.Option(0, "--seed"),
    fast: bool = typer.Option(False, "--fast", help="Evaluate the fast configuration."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the full result here."),
) -> None:
    """Cross-validated F1 of class Yes (the official metric) on the training file; labelled dev files for information."""
    from .workflows.checkthat2024 import evaluate_cv

    if cv < 2:
        raise UsageError("--cv needs at least 2 folds")
    result = evaluate_cv(data, cv, model_mode(fast), seed)
    table = Table(title=f"Check-worthiness, CheckThat! 2024 English ({model_mode(fast)} mode)", header_style="bold")
    for head in ("split", "F1 (Yes)", "precision", "recall", "accuracy"):
        table.add_column(head, justify="left" if head == "split" else "right")
    rows = [(f"{cv}-fold CV on train", result["cv"])] + [(k, v) for k, v in (result.get("heldout") or {}).items() if isinstance(v, dict)]
    for name, r in rows:
        table.add_row(name, *(f"{r.get(k, float('nan')):.3f}" for k in ("f1_yes", "precision_yes", "recall_yes", "accuracy")))
    Console(highlight=False).print(table)
    if json_out is not None:
        write_atomic(json_out, json.dumps(result, indent=1, default=str) + "\n")


@app.command("match")
def match_cmd(
    sources: List[str] = typer.Argument(..., metavar="PATH|URL", help="Articles to compare with each other (and with --against)."),
    against: Optional[Path] = typer.Option(None, "--against", help="Previously checked claims: ClaimReview JSON-LD or CSV (claim[,verdict,url,source])."),
    fast: bool = typer.Option(False, "--fast", help="No embeddings: character and word n-grams only."),
    json_out: Optional[Path] = typer.Option(None, "--json", metavar="FILE", help="Write the matches as JSON."),
) -> None:
    """Find the same or paraphrased claims across articles, and claims already checked elsewhere."""
    from .claim_matching import load_references, match_documents, match_references
    from .pipeline import Pipeline

    refs = load_references(against) if against is not None else None
    docs, failures = _read_sources(sources, {})
    if not docs:
        raise InputError("nothing to compare" if failures else "no documents in the input")
    mode = model_mode(fast)
    pipeline = Pipeline.preset("default", mode=mode, exclude=("narratives", "roles", "techniques", "consistency"))
    analysed = [pipeline(d) for d in docs]
    pairs = match_documents(analysed, mode=mode) if len(analysed) > 1 else []
    checked = match_references(analysed, refs, mode=mode) if refs else []
    console = Console(highlight=False)
    table = Table(title=f"{len(pairs)} shared claim(s) across {len(analysed)} article(s)", header_style="bold")
    for head in ("score", "how", "claim in one article", "claim in another"):
        table.add_column(head, overflow="fold")
    for m in pairs:
        how = f"{m.get('tier', 'same')} ({m['method']})" + (f"; shared: {', '.join(m['shared'])}" if m.get("shared") else "")
        table.add_row(f"{m['score']:.2f}", SafeText(how), SafeText(m["a"]["text"]), SafeText(m["b"]["text"]))
    console.print(table)
    if refs is not None:
        t2 = Table(title=f"{len(checked)} claim(s) matching {len(refs)} checked claim(s) in {against}", header_style="bold")
        for head in ("score", "claim in the article", "checked claim", "verdict", "url"):
            t2.add_column(head, overflow="fold")
        for m in checked:
            r = m["reference"]
            t2.add_row(f"{m['score']:.2f}", *(SafeText(str(v)) for v in (m["claim"]["text"], r.get("claim", ""), r.get("verdict") or "", r.get("url") or "")))
        console.print(t2)
    if json_out is not None:
        write_atomic(json_out, json.dumps({"documents": pairs, "references": checked}, indent=1, ensure_ascii=False) + "\n")
    if failures:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def ingest(
    sources: List[str] = typer.Argument(..., metavar="PATH|GLOB|URL|-", help="Files, folders (recursive), globs, URLs, or - for stdin."),
    db: str = typer.Option(..., "--db", metavar="FILE|URL", help="The corpus store: an SQLite file (created when missing), sqlite:///FILE, or postgresql://USER@HOST/DB."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Force the input format: text, html, json, jsonl, csv, telegram, feed, warc."),
    text_field: Optional[str] = typer.Option(None, "--text-field", help="Field holding the article text in JSON/CSV records."),
    title_field: Optional[str] = typer.Option(None, "--title-field", help="Field holding the title in JSON/CSV records."),
    id_field: Optional[str] = typer.Option(None, "--id-field", help="Field holding the record id in JSON/CSV records."),
    max_bytes: Optional[int] = typer.Option(None, "--max-bytes", help="Largest article accepted, in bytes (default 5 MB)."),
    analyze: bool = typer.Option(False, "--analyze", help="Run the full default pipeline (narratives, roles, techniques, ...); slower."),
    raw: bool = typer.Option(False, "--raw", help="Store documents as read, without any analyzer."),
    disable: List[str] = typer.Option([], "--disable", "-d", help="With --analyze: skip an analyzer (repeatable)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes for analysis (per batch)."),
    batch_size: int = typer.Option(50, "--batch-size", help="Documents per transaction."),
    source: Optional[str] = typer.Option(None, "--source", help="Outlet name for every document (default: from the metadata)."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Allow URLs on private or loopback addresses (link-local and cloud metadata addresses stay refused)."),
    no_resume: bool = typer.Option(False, "--no-resume", help="Re-read sources an earlier run already finished."),
    engine: str = typer.Option("local", "--engine", help="Where the analysis runs: local (this machine, --jobs processes) or dask (an existing Dask cluster, see --scheduler); reading and storing stay here."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS", help="With --engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 (workers need narrascope installed)."),
    scheduler_timeout: float = typer.Option(10.0, "--scheduler-timeout", metavar="SECONDS", help="With --engine dask: how long to wait for the scheduler and a worker."),
) -> None:
    """Add articles to a corpus store: resumable, idempotent (keyed by content hash), errors logged in the store."""
    from .ingest import ingest as run_ingest
    from .pipeline import Pipeline
    from .store import open_store

    if analyze and raw:
        raise UsageError("--analyze and --raw exclude each other")
    reader_options = _reader_options(fmt, text_field, title_field, id_field, max_bytes)
    if jobs < 1 or batch_size < 1:
        raise UsageError("--jobs and --batch-size must be at least 1")
    pipeline = False if raw else (Pipeline.preset("default", exclude=disable) if analyze else None)
    _check_engine(engine, scheduler)
    chosen = "local"
    if engine == "dask" and not raw:
        chosen, pipeline = _dask_engine(pipeline or Pipeline.preset("light"), scheduler, scheduler_timeout), None
    with (contextlib.nullcontext() if chosen == "local" else chosen), open_store(db) as store, Progress(
        TextColumn("[bold]ingesting"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(), TextColumn("ETA {task.fields[eta]}"),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("ingest", total=None, rate="", eta="?")

        def tick(p) -> None:
            eta = "?" if p.eta is None else f"{int(p.eta) // 60}:{int(p.eta) % 60:02d}"
            progress.update(task, total=p.sources_total, completed=p.sources_done, rate=f"{p.docs_per_s:.0f} docs/s", eta=eta)

        report = run_ingest(sources, store, pipeline=pipeline, batch_size=batch_size, allow_private=allow_private,
                            progress=tick, reader_options=reader_options, resume=not no_resume, source=source,
                            n_process=jobs, engine=chosen)
        total = store.count()
        shown_db = db if "://" not in db else store.url  # a database URL is shown with its password masked
    for line in report.errors[:20]:
        if line.startswith("warning: "):
            _warn(line[len("warning: "):])
        else:
            _error(line)
    if report.failed + report.warnings > 20:
        _error(f"... and {report.failed + report.warnings - 20} more (all in the store's error log)")
    mended = f", {report.warnings} mended" if report.warnings else ""
    err.print(Text(f"{report.added} added, {report.skipped} already stored, {report.failed} failed{mended}, "
                   f"{report.sources_resumed} sources already done; {total} documents in {shown_db} "
                   f"({report.docs_per_s:.0f} docs/s)", style="dim"), soft_wrap=True)
    if report.failed:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def search(
    query: str = typer.Argument("", metavar="QUERY", help='Words (all must occur), "a phrase", prefix*; empty: newest first.'),
    db: str = typer.Option(..., "--db", metavar="FILE|URL", help="The corpus store."),
    language: Optional[str] = typer.Option(None, "--language"),
    source: Optional[str] = typer.Option(None, "--source"),
    date_from: Optional[str] = typer.Option(None, "--from", help="YYYY-MM-DD or an ISO date-time."),
    date_to: Optional[str] = typer.Option(None, "--to", help="YYYY-MM-DD (the whole day) or an ISO date-time."),
    narrative: Optional[str] = typer.Option(None, "--narrative"),
    technique: Optional[str] = typer.Option(None, "--technique"),
    entity: Optional[str] = typer.Option(None, "--entity"),
    role: Optional[str] = typer.Option(None, "--role", help="With --entity: that entity cast in this role."),
    limit: int = typer.Option(20, "--limit", "-n"),
    offset: int = typer.Option(0, "--offset"),
    facets: bool = typer.Option(False, "--facets", help="Also print the facet counts."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (hits, total, facets) instead of a table."),
) -> None:
    """Full-text and faceted search over a corpus store."""
    from .store import open_store

    filters = {"language": language, "source": source, "date_from": date_from, "date_to": date_to,
               "narrative": narrative, "technique": technique, "entity": entity, "role": role}
    with open_store(_existing_store(db), read_only=True) as store:
        hits = store.search(query, limit=limit, offset=offset, **filters)
        total = store.search_count(query, **filters)
        counts = store.facets(query, **filters) if facets else None
    if json_out:
        payload = {"total": total, "hits": [h.to_dict() for h in hits]}
        if counts is not None:
            payload["facets"] = {k: [list(v) for v in vals] for k, vals in counts.items()}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    table = Table(title=f"{total} documents" + (f" (showing {offset + 1}-{offset + len(hits)})" if hits else ""), header_style="bold")
    for col in ("id", "date", "source", "lang", "title / snippet"):
        table.add_column(col, no_wrap=col != "title / snippet")
    for h in hits:
        snippet = SafeText(h.snippet.replace("\n", " "))  # same length: the match offsets still hold
        for a, b in h.matches:
            snippet.stylize("bold yellow", a - h.snippet_start, b - h.snippet_start)
        cell = SafeText(_clip_title(h.title or "", 80) + "\n", style="bold") + snippet if h.title else snippet
        table.add_row(h.doc_id[:10], Text((h.date or "")[:10]), Text(printable(h.source or "")), Text(printable(h.language or "")), cell)
    console.print(table)
    if counts is not None:
        for name, values in counts.items():
            if values:
                console.print(Text(f"{name}: ", style="bold") + Text(", ".join(f"{v} ({n})" for v, n in values[:10])))


def _existing_store(db: str) -> str:
    """``db`` when it names a store that exists (a database URL, or an SQLite file); a usage error otherwise."""
    if "://" not in db and not Path(db).is_file():
        raise UsageError(f"{db}: no such store (create one with narrascope ingest)")
    return db


def _print_rows(rows: list[dict], fmt: str, title: str) -> None:
    """Rows as a Rich table, JSON, or CSV on stdout (cells a spreadsheet would run as a formula get a leading ')."""
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    columns = list(rows[0]) if rows else []
    if fmt == "csv":
        import sys

        from .render.tables import write_csv

        write_csv(sys.stdout, columns, (r.values() for r in rows), lineterminator="\n")
        return
    if not rows:
        Console(highlight=False).print(Text(f"{title}: none", style="dim"))
        return
    table = Table(title=title, header_style="bold")
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*(Text("" if v is None else printable(str(v), limit=None)) for v in r.values()))  # never markup
    Console(highlight=False).print(table)


_FORMATS = ("table", "json", "csv")


@app.command("clusters")
def clusters_cmd(
    db: str = typer.Option(..., "--db", metavar="FILE|URL", help="The corpus store."),
    threshold: float = typer.Option(0.5, "--threshold", help="Estimated Jaccard similarity of word 5-gram sets that makes two texts copies (0-1)."),
    kind: str = typer.Option("all", "--kind", help="near-duplicate, cross-language, or all."),
    json_out: bool = typer.Option(False, "--json", help="Print the clusters as JSON."),
) -> None:
    """Find near-duplicate clusters (MinHash LSH) and cross-language copies (shared figures, links, names) in a
    corpus store, store them (replacing the previous result of each kind), and print them, earliest copy first."""
    from .clusters import cross_language_clusters, near_duplicate_clusters
    from .store import open_store
    from .store.base import CLUSTER_KINDS, document_row

    if not 0.0 < threshold < 1.0:
        raise UsageError("--threshold must be between 0 and 1")
    if kind not in (*CLUSTER_KINDS, "all"):
        raise UsageError(f"--kind must be one of {', '.join(CLUSTER_KINDS)}, all")
    kinds = CLUSTER_KINDS if kind == "all" else (kind,)
    found: dict[str, list] = {}
    with open_store(_existing_store(db)) as store:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True, disable=json_out) as bar:
            total = store.count()
            for k in kinds:
                task = bar.add_task(k, total=total)

                def counted(docs):
                    for doc in docs:
                        bar.advance(task)
                        yield doc

                if k == "near-duplicate":
                    found[k] = near_duplicate_clusters(
                        ((d.id, d.text, document_row(d)["published"]) for d in counted(store.iter_documents())),
                        threshold=threshold)
                else:
                    found[k] = cross_language_clusters(counted(store.iter_documents()))
                store.replace_clusters(k, found[k])
        listed = {k: {c["original"]: c for c in store.clusters(k, limit=max(1, len(found[k])))} for k in kinds}
    if json_out:
        typer.echo(json.dumps({k: [{**c.to_dict(), "id": listed[k][c.original]["id"], "title": listed[k][c.original]["title"]}
                                   for c in found[k]] for k in kinds}, indent=1, ensure_ascii=False))
        return
    console = Console(highlight=False)
    for k in kinds:
        table = Table(title=f"{len(found[k])} {k} cluster(s)", header_style="bold")
        for head in ("id", "size", "probable original", "title", "copies"):
            table.add_column(head, overflow="fold")
        for c in found[k]:
            row = listed[k][c.original]
            table.add_row(str(row["id"]), str(len(c.members)), c.original[:12], SafeText(_clip_title(row["title"] or "", 70)),
                          ", ".join(m[:12] for m in c.members[1:]))
        console.print(table)


@app.command("trends")
def trends_cmd(
    db: str = typer.Option(..., "--db", metavar="FILE|URL", help="The corpus store."),
    kind: str = typer.Option("narrative", "--kind", help="narrative, technique, entity, role, cited or speaker."),
    period: str = typer.Option("week", "--period", help="day, week (from Monday) or month."),
    source: Optional[str] = typer.Option(None, "--source", help="Only this outlet's documents."),
    entity: Optional[str] = typer.Option(None, "--entity", help="With --kind role: the roles of this entity."),
    fmt: str = typer.Option("table", "--format", help="table, json or csv."),
) -> None:
    """Documents per label over time (dated documents only)."""
    from .store import open_store
    from .store.base import LABEL_KINDS, PERIODS

    if kind not in LABEL_KINDS or period not in PERIODS or fmt not in _FORMATS:
        raise UsageError(f"--kind: {', '.join(LABEL_KINDS)}; --period: {', '.join(PERIODS)}; --format: {', '.join(_FORMATS)}")
    with open_store(_existing_store(db), read_only=True) as store:
        rows = [{"period": p, kind: label, "documents": n}
                for p, label, n in store.counts_over_time(kind, period, source=source, entity=entity)]
    _print_rows(rows, fmt, f"{kind} per {period} in dated documents" + (f" of {source}" if source else ""))


@app.command("entity")
def entity_cmd(
    name: str = typer.Argument(..., help="The entity's canonical name, as search facets show it."),
    db: str = typer.Option(..., "--db", metavar="FILE|URL", help="The corpus store."),
    period: str = typer.Option("month", "--period", help="Bucket of the roles over time: day, week, month."),
    source: Optional[str] = typer.Option(None, "--source", help="Only this outlet's documents."),
    json_out: bool = typer.Option(False, "--json", help="Print the whole profile as JSON."),
) -> None:
    """One entity across the corpus: how often, cast in which roles, by which outlets, since when."""
    from .store import open_store
    from .store.base import PERIODS

    if period not in PERIODS:
        raise UsageError(f"--period must be one of {', '.join(PERIODS)}")
    with open_store(_existing_store(db), read_only=True) as store:
        profile = store.entity_profile(name, period=period, source=source)
    if profile is None:
        where = f" from {source}" if source else ""
        raise UsageError(f"{name}: no document{where} mentions this entity (see narrascope search --facets)")
    if json_out:
        typer.echo(json.dumps(profile, ensure_ascii=False, indent=1))
        return
    console = Console(highlight=False)
    roles = ", ".join(f"{r} ({n})" for r, n in profile["roles"]) or "no roles"
    console.print(Text(f"{name}: ", style="bold") + Text(f"{profile['documents']} documents; cast as {roles}"))
    _print_rows(profile["roles_by_source"][:30], "table", "cast as ROLE by SOURCE")
    _print_rows([{"period": p, "role": r, "documents": n} for p, r, n in profile["roles_over_time"]], "table", "roles over time")
    console.print(Text("appears with: ", style="bold") + Text(", ".join(f"{e} ({n})" for e, n in profile["co_occurring"][:15])))


@app.command("graph")
def graph_cmd(
    which: str = typer.Argument(..., metavar="entities|citations"),
    db: str = typer.Option(..., "--db", metavar="FILE|URL", help="The corpus store."),
    limit: int = typer.Option(60, "--limit", help="entities: how many entities (most mentioned first); citations: edges."),
    min_documents: int = typer.Option(2, "--min-documents", help="entities: fewest shared documents for a co-occurrence edge."),
    source: Optional[str] = typer.Option(None, "--source", help="entities: only this outlet's documents."),
    fmt: str = typer.Option("table", "--format", help="table or csv (the edges), json (nodes and edges)."),
) -> None:
    """The entity graph (co-occurrence, and "cast as ROLE by SOURCE") or the citation graph (outlet -> what it cites or quotes)."""
    from .store import open_store

    if which not in ("entities", "citations") or fmt not in _FORMATS:
        raise UsageError(f"graph: entities or citations; --format: {', '.join(_FORMATS)}")
    with open_store(_existing_store(db), read_only=True) as store:
        if which == "entities":
            graph = store.entity_graph(limit=limit, min_documents=min_documents, source=source)
            edges = graph["edges"] + graph["cast"]
        else:
            graph = store.citation_graph(limit=limit)
            edges = graph["edges"]
    if fmt == "json":
        typer.echo(json.dumps(graph, ensure_ascii=False, indent=1))
        return
    _print_rows(edges, fmt, f"{which} graph: {len(graph['nodes'])} nodes, {len(edges)} edges")


def _is_loopback(host: str) -> bool:
    """True only for addresses no other machine can reach: localhost, 127.0.0.0/8, ::1."""
    import ipaddress

    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name: it may well resolve to a public address


@app.command("serve")
def serve_cmd(
    db: str = typer.Option(..., "--db", metavar="FILE|URL", help="The corpus store."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; anything but loopback needs --token."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    token: Optional[str] = typer.Option(None, "--token", metavar="TOKEN", envvar="NARRASCOPE_TOKEN", show_envvar=False,
                                        help="Require this token on every request (Authorization: Bearer TOKEN, or open ?token=TOKEN once in a browser); default $NARRASCOPE_TOKEN."),
) -> None:
    """Browse a corpus store in a web browser: dashboard, search, documents, clusters, entities, graphs (read-only)."""
    import socket

    if not 0 < port < 65536:
        raise UsageError("--port must be between 1 and 65535")
    if "://" not in db and not Path(db).is_file():
        raise UsageError(f"{db}: no such store (create one with narrascope ingest)")
    token = (token or "").strip() or None
    loopback = _is_loopback(host)
    if not loopback and token is None:
        raise UsageError(f"--host {host} can be reached from other machines: give --token TOKEN (or set NARRASCOPE_TOKEN)")
    try:
        family = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host.strip("[]"), port))
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    import uvicorn

    from .web import create_app

    # without a token, answer only to this machine's own names (no DNS rebinding)
    allowed = None if token else {"localhost", "127.0.0.1", "::1", host.strip("[]").lower()}
    web_app = create_app(db, token=token, allowed_hosts=allowed)
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    err.print(Text(f"narrascope: serving {db} on http://{shown}:{port}/"
                   + (" (token required: open the page once with ?token=TOKEN)" if token else "") + "; Ctrl+C stops"),
              soft_wrap=True)
    # no access log: it would print ?token= addresses
    uvicorn.run(web_app, host=host.strip("[]"), port=port, log_level="warning", access_log=False)


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
        if is_disk_full(exc):
            _error("the disk is full (no space left on the device); what was written before is kept, "
                   "nothing is half-written; free space and run the command again")
            return DiskFullError.exit_code
        _error(f"internal error: {type(exc).__name__}: {printable(exc)} (run with --debug for details)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
