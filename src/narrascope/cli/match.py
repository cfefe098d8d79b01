"""``narrascope match``: the same claims across articles, and claims already checked elsewhere.

The articles are analysed (entities and claims only), their claims compared with each other and, with
``--against``, with a file of previously checked claims (:mod:`narrascope.claim_matching`). Long work (the
analysis, encoding thousands of reference claims on a first run) shows a progress bar on stderr, unless
``--quiet`` or stderr is not a terminal. Every claim is shown with the input it comes from and its offsets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..errors import InputError, UsageError, printable
from ..render.terminal import SafeText
from .analyze import read_sources
from .options import fast_option, model_mode
from .output import EXIT_INPUT, check_output, err, note, print_table, table, write_atomic


def _claim_cell(claim: dict) -> Text:
    """The claim's words, then (dim) the input it comes from and its offsets there."""
    name = str(claim.get("document") or claim["doc_id"])
    if "://" not in name:  # a file: its name is enough here (--json has the path)
        name = Path(name).name
    cell = SafeText(claim["text"])
    cell.append(f"\n{name} [{claim['start']}:{claim['end']}]", style="dim")
    return cell


def _widths(t: Table, ratios: tuple[int, ...]) -> Table:
    """The score column as narrow as its figures, the text columns sharing the rest by ``ratios`` (readable at 80
    columns: no column shrinks to a word a line)."""
    t.expand = True  # ratios apply to an expanded table
    t.columns[0].no_wrap = True
    for column, ratio in zip(t.columns[1:], ratios):
        column.ratio = ratio
    return t


def shared_claims_table(pairs: list[dict], articles: int) -> Table:
    shared = _widths(table(f"{len(pairs)} shared claim(s) across {articles} article(s)",
                           ("score", "how", "claim in one article", "claim in another"), overflow="fold"), (2, 3, 3))
    for m in pairs:
        how = f"{m.get('tier', 'same')} ({m['method']})" + (f"; shared: {', '.join(m['shared'])}" if m.get("shared") else "")
        shared.add_row(f"{m['score']:.2f}", SafeText(how), _claim_cell(m["a"]), _claim_cell(m["b"]))
    return shared


def checked_claims_table(checked: list[dict], references: int, against: Path) -> Table:
    found = _widths(table(f"{len(checked)} claim(s) matching {references} checked claim(s) in {printable(against)}",
                          ("score", "claim in the article", "checked claim", "verdict, url"), overflow="fold"), (3, 3, 2))
    for m in checked:
        r = m["reference"]
        found.add_row(f"{m['score']:.2f}", _claim_cell(m["claim"]), SafeText(r.get("claim", "")),
                      SafeText("\n".join(x for x in (r.get("verdict") or "", r.get("url") or "") if x)))
    return found


class _Bars:
    """One Rich progress bar per stage ("analysing", "encoding references", ...), on stderr, gone when done."""

    def __init__(self, quiet: bool) -> None:
        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=err, transient=True,
                                 disable=quiet or not err.is_terminal)
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> "_Bars":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def match_cmd(
    sources: List[str] = typer.Argument(..., metavar="PATH|URL", help="Articles to compare with each other (and with --against)."),
    against: Optional[Path] = typer.Option(None, "--against", help="Previously checked claims: ClaimReview JSON-LD or CSV (a claim or title column; optional verdict, url, source)."),
    fast: bool = fast_option("No embeddings: character and word n-grams only."),
    top: int = typer.Option(3, "--top", min=1, help="At most this many checked claims per claim of an article."),
    json_out: Optional[Path] = typer.Option(None, "--json", metavar="FILE", help="Write the matches as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No tables and no progress bar (with --json: only the file)."),
) -> None:
    """Find the same or paraphrased claims across articles, and claims already checked elsewhere."""
    from ..claim_matching import document_name, load_references, match_documents, match_references
    from ..pipeline import Pipeline

    if json_out is not None:
        check_output(json_out)
    refs = load_references(against) if against is not None else None
    docs, failures = read_sources(sources, {})
    if not docs:
        raise InputError("nothing to compare" if failures else "no documents in the input")
    if len(docs) < 2 and refs is None:
        raise UsageError("give two or more articles to compare, or --against a file of checked claims")
    mode = model_mode(fast)
    pipeline = Pipeline.preset("default", mode=mode, exclude=("narratives", "roles", "techniques", "consistency"))
    with _Bars(quiet) as bars:
        analysed = []
        bars("analysing", 0, len(docs))
        for k, d in enumerate(docs):
            analysed.append(pipeline(d))
            bars("analysing", k + 1, len(docs))
        pairs = match_documents(analysed, mode=mode, progress=bars) if len(analysed) > 1 else []
        checked = match_references(analysed, refs, mode=mode, top_k=top, progress=bars) if refs else []
    if not quiet:
        if len(analysed) > 1:
            print_table(shared_claims_table(pairs, len(analysed)))
        if refs is not None:
            print_table(checked_claims_table(checked, len(refs), against))
    if json_out is not None:
        # "documents": the pairs across articles (the key kept from earlier versions), "inputs": what was read
        payload = {"documents": pairs, "references": checked,
                   "inputs": [{"doc_id": d.id, "document": document_name(d)} for d in analysed]}
        write_atomic(json_out, json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
        note(f"wrote {printable(json_out)}")
    if failures:
        raise typer.Exit(EXIT_INPUT)
