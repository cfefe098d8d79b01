"""The commands of a corpus store: ``ingest`` fills it; ``search``, ``clusters``, ``trends``, ``entity``
and ``graph`` read it on the terminal (``clusters`` also stores what it finds); ``serve`` opens it in a
web browser."""

from __future__ import annotations

import contextlib
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..errors import UsageError, printable
from ..render.terminal import SafeText
from .options import (
    AllowPrivate,
    Db,
    Format,
    IdField,
    MaxBytes,
    Scheduler,
    SchedulerTimeout,
    TextField,
    TitleField,
    check_engine,
    dask_engine,
    engine_option,
    existing_store,
    fast_option,
    model_mode,
    reader_options,
)
from .output import EXIT_INPUT, TABLE_FORMATS, clip, err, error, print_json, print_rows, print_table, table, warn


def ingest(
    sources: List[str] = typer.Argument(..., metavar="PATH|GLOB|URL|-", help="Files, folders (recursive), globs, URLs, or - for stdin."),
    db: str = typer.Option(..., "--db", metavar="FILE|URL", help="The corpus store: an SQLite file (created when missing), sqlite:///FILE, or postgresql://USER@HOST/DB."),
    fmt: Format = None,
    text_field: TextField = None,
    title_field: TitleField = None,
    id_field: IdField = None,
    max_bytes: MaxBytes = None,
    analyze: bool = typer.Option(False, "--analyze", help="Run the full default pipeline (narratives, roles, techniques, ...); slower."),
    raw: bool = typer.Option(False, "--raw", help="Store documents as read, without any analyzer."),
    disable: List[str] = typer.Option([], "--disable", "-d", help="With --analyze: skip an analyzer (repeatable)."),
    fast: bool = fast_option("With --analyze: the linear models instead of the fine-tuned encoder (~7x faster, for large corpora)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes for analysis (per batch)."),
    batch_size: int = typer.Option(50, "--batch-size", help="Documents per transaction."),
    source: Optional[str] = typer.Option(None, "--source", help="Outlet name for every document (default: from the metadata)."),
    allow_private: AllowPrivate = False,
    no_resume: bool = typer.Option(False, "--no-resume", help="Re-read sources an earlier run already finished."),
    engine: str = engine_option("; reading and storing stay here"),
    scheduler: Scheduler = None,
    scheduler_timeout: SchedulerTimeout = 10.0,
) -> None:
    """Add articles to a corpus store: resumable, idempotent (keyed by content hash), errors logged in the store."""
    from ..ingest import ingest as run_ingest
    from ..pipeline import Pipeline
    from ..store import open_store

    if analyze and raw:
        raise UsageError("--analyze and --raw exclude each other")
    options = reader_options(fmt, text_field, title_field, id_field, max_bytes)
    if jobs < 1 or batch_size < 1:
        raise UsageError("--jobs and --batch-size must be at least 1")
    if fast and not analyze:
        raise UsageError("--fast chooses the models of --analyze: give --analyze too")
    pipeline = False if raw else (Pipeline.preset("default", mode=model_mode(fast), exclude=disable) if analyze else None)
    check_engine(engine, scheduler)
    chosen = "local"
    if engine == "dask" and not raw:
        chosen, pipeline = dask_engine(pipeline or Pipeline.preset("light"), scheduler, scheduler_timeout), None
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
                            progress=tick, reader_options=options, resume=not no_resume, source=source,
                            n_process=jobs, engine=chosen)
        total = store.count()
        shown_db = db if "://" not in db else store.url  # a database URL is shown with its password masked
    for line in report.errors[:20]:
        if line.startswith("warning: "):
            warn(line[len("warning: "):])
        else:
            error(line)
    if report.failed + report.warnings > 20:
        error(f"... and {report.failed + report.warnings - 20} more (all in the store's error log)")
    mended = f", {report.warnings} mended" if report.warnings else ""
    err.print(Text(f"{report.added} added, {report.skipped} already stored, {report.failed} failed{mended}, "
                   f"{report.sources_resumed} sources already done; {total} documents in {shown_db} "
                   f"({report.docs_per_s:.0f} docs/s)", style="dim"), soft_wrap=True)
    if report.failed:
        raise typer.Exit(EXIT_INPUT)


def _hits_table(hits: list, total: int, offset: int) -> Table:
    """Search hits, the matched words highlighted in each snippet."""
    found = table(f"{total} documents" + (f" (showing {offset + 1}-{offset + len(hits)})" if hits else ""),
                  ("id", "date", "source", "lang", "title / snippet"), no_wrap=True)
    found.columns[-1].no_wrap = False
    for h in hits:
        snippet = SafeText(h.snippet.replace("\n", " "))  # same length: the match offsets still hold
        for a, b in h.matches:
            snippet.stylize("bold yellow", a - h.snippet_start, b - h.snippet_start)
        cell = SafeText(clip(h.title or "", 80) + "\n", style="bold") + snippet if h.title else snippet
        found.add_row(h.doc_id[:10], Text((h.date or "")[:10]), Text(printable(h.source or "")), Text(printable(h.language or "")), cell)
    return found


def search(
    query: str = typer.Argument("", metavar="QUERY", help='Words (all must occur), "a phrase", prefix*; empty: newest first.'),
    db: Db = ...,
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
    from ..store import open_store

    filters = {"language": language, "source": source, "date_from": date_from, "date_to": date_to,
               "narrative": narrative, "technique": technique, "entity": entity, "role": role}
    with open_store(existing_store(db), read_only=True) as store:
        hits = store.search(query, limit=limit, offset=offset, **filters)
        total = store.search_count(query, **filters)
        counts = store.facets(query, **filters) if facets else None
    if json_out:
        payload = {"total": total, "hits": [h.to_dict() for h in hits]}
        if counts is not None:
            payload["facets"] = {k: [list(v) for v in vals] for k, vals in counts.items()}
        print_json(payload, indent=2)
        return
    console = Console(highlight=False)
    console.print(_hits_table(hits, total, offset))
    if counts is not None:
        for name, values in counts.items():
            if values:
                console.print(Text(f"{name}: ", style="bold") + Text(", ".join(f"{v} ({n})" for v, n in values[:10])))


def _clusters_table(kind: str, found: list, listed: dict) -> Table:
    """The clusters of one kind as stored (``listed``: by original), earliest copy first."""
    shown = table(f"{len(found)} {kind} cluster(s)", ("id", "size", "probable original", "title", "copies"), overflow="fold")
    for c in found:
        row = listed[c.original]
        shown.add_row(str(row["id"]), str(len(c.members)), c.original[:12], SafeText(clip(row["title"] or "", 70)),
                      ", ".join(m[:12] for m in c.members[1:]))
    return shown


def clusters_cmd(
    db: Db = ...,
    threshold: float = typer.Option(0.5, "--threshold", help="Estimated Jaccard similarity of word 5-gram sets that makes two texts copies (0-1)."),
    kind: str = typer.Option("all", "--kind", help="near-duplicate, cross-language, or all."),
    json_out: bool = typer.Option(False, "--json", help="Print the clusters as JSON."),
) -> None:
    """Find near-duplicate clusters (MinHash LSH) and cross-language copies (shared figures, links, names) in a
    corpus store, store them (replacing the previous result of each kind), and print them, earliest copy first."""
    from ..clusters import cross_language_clusters, near_duplicate_clusters
    from ..store import open_store
    from ..store.base import CLUSTER_KINDS
    from ..store.rows import document_row

    if not 0.0 < threshold < 1.0:
        raise UsageError("--threshold must be between 0 and 1")
    if kind not in (*CLUSTER_KINDS, "all"):
        raise UsageError(f"--kind must be one of {', '.join(CLUSTER_KINDS)}, all")
    kinds = CLUSTER_KINDS if kind == "all" else (kind,)
    found: dict[str, list] = {}
    with open_store(existing_store(db)) as store:
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
        print_json({k: [{**c.to_dict(), "id": listed[k][c.original]["id"], "title": listed[k][c.original]["title"]}
                        for c in found[k]] for k in kinds})
        return
    for k in kinds:
        print_table(_clusters_table(k, found[k], listed[k]))


def trends_cmd(
    db: Db = ...,
    kind: str = typer.Option("narrative", "--kind", help="narrative, technique, entity, role, cited or speaker."),
    period: str = typer.Option("week", "--period", help="day, week (from Monday) or month."),
    source: Optional[str] = typer.Option(None, "--source", help="Only this outlet's documents."),
    entity: Optional[str] = typer.Option(None, "--entity", help="With --kind role: the roles of this entity."),
    fmt: str = typer.Option("table", "--format", help="table, json or csv."),
) -> None:
    """Documents per label over time (dated documents only)."""
    from ..store import open_store
    from ..store.base import LABEL_KINDS, PERIODS

    if kind not in LABEL_KINDS or period not in PERIODS or fmt not in TABLE_FORMATS:
        raise UsageError(f"--kind: {', '.join(LABEL_KINDS)}; --period: {', '.join(PERIODS)}; --format: {', '.join(TABLE_FORMATS)}")
    with open_store(existing_store(db), read_only=True) as store:
        rows = [{"period": p, kind: label, "documents": n}
                for p, label, n in store.counts_over_time(kind, period, source=source, entity=entity)]
    print_rows(rows, fmt, f"{kind} per {period} in dated documents" + (f" of {source}" if source else ""))


def entity_cmd(
    name: str = typer.Argument(..., help="The entity's canonical name, as search facets show it."),
    db: Db = ...,
    period: str = typer.Option("month", "--period", help="Bucket of the roles over time: day, week, month."),
    source: Optional[str] = typer.Option(None, "--source", help="Only this outlet's documents."),
    json_out: bool = typer.Option(False, "--json", help="Print the whole profile as JSON."),
) -> None:
    """One entity across the corpus: how often, cast in which roles, by which outlets, since when."""
    from ..store import open_store
    from ..store.base import PERIODS

    if period not in PERIODS:
        raise UsageError(f"--period must be one of {', '.join(PERIODS)}")
    with open_store(existing_store(db), read_only=True) as store:
        profile = store.entity_profile(name, period=period, source=source)
    if profile is None:
        where = f" from {source}" if source else ""
        raise UsageError(f"{name}: no document{where} mentions this entity (see narrascope search --facets)")
    if json_out:
        print_json(profile)
        return
    console = Console(highlight=False)
    roles = ", ".join(f"{r} ({n})" for r, n in profile["roles"]) or "no roles"
    console.print(Text(f"{profile['entity']}: ", style="bold") + Text(f"{profile['documents']} documents; cast as {roles}"))
    if profile.get("also_written_as"):
        console.print(Text("also written as: ", style="bold") + Text(", ".join(profile["also_written_as"][:15])))
    print_rows(profile["roles_by_source"][:30], "table", "cast as ROLE by SOURCE")
    print_rows([{"period": p, "role": r, "documents": n} for p, r, n in profile["roles_over_time"]], "table", "roles over time")
    console.print(Text("appears with: ", style="bold") + Text(", ".join(f"{e} ({n})" for e, n in profile["co_occurring"][:15])))


def graph_cmd(
    which: str = typer.Argument(..., metavar="entities|citations"),
    db: Db = ...,
    limit: int = typer.Option(60, "--limit", help="entities: how many entities (most mentioned first); citations: edges."),
    min_documents: int = typer.Option(2, "--min-documents", help="entities: fewest shared documents for a co-occurrence edge."),
    source: Optional[str] = typer.Option(None, "--source", help="entities: only this outlet's documents."),
    fmt: str = typer.Option("table", "--format", help="table or csv (the edges), json (nodes and edges)."),
) -> None:
    """The entity graph (co-occurrence, and "cast as ROLE by SOURCE") or the citation graph (outlet -> what it cites or quotes)."""
    from ..store import open_store

    if which not in ("entities", "citations") or fmt not in TABLE_FORMATS:
        raise UsageError(f"graph: entities or citations; --format: {', '.join(TABLE_FORMATS)}")
    with open_store(existing_store(db), read_only=True) as store:
        if which == "entities":
            graph = store.entity_graph(limit=limit, min_documents=min_documents, source=source)
            edges = graph["edges"] + graph["cast"]
        else:
            graph = store.citation_graph(limit=limit)
            edges = graph["edges"]
    if fmt == "json":
        print_json(graph)
        return
    print_rows(edges, fmt, f"{which} graph: {len(graph['nodes'])} nodes, {len(edges)} edges")


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


def serve_cmd(
    db: Db = ...,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; anything but loopback needs --token."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    token: Optional[str] = typer.Option(None, "--token", metavar="TOKEN", envvar="NARRASCOPE_TOKEN", show_envvar=False,
                                        help="Require this token on every request (Authorization: Bearer TOKEN, or open ?token=TOKEN once in a browser); default $NARRASCOPE_TOKEN."),
) -> None:
    """Browse a corpus store in a web browser: dashboard, search, documents, clusters, entities, graphs (read-only)."""
    import socket

    if not 0 < port < 65536:
        raise UsageError("--port must be between 1 and 65535")
    existing_store(db)
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

    from ..web import create_app

    # without a token, answer only to this machine's own names (no DNS rebinding)
    allowed = None if token else {"localhost", "127.0.0.1", "::1", host.strip("[]").lower()}
    web_app = create_app(db, token=token, allowed_hosts=allowed)
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    err.print(Text(f"narrascope: serving {db} on http://{shown}:{port}/"
                   + (" (token required: open the page once with ?token=TOKEN)" if token else "") + "; Ctrl+C stops"),
              soft_wrap=True)
    # no access log: it would print ?token= addresses
    uvicorn.run(web_app, host=host.strip("[]"), port=port, log_level="warning", access_log=False)
