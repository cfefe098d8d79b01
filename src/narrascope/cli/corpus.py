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

from ..display_names import label_name
from ..errors import UsageError, printable
from ..render.terminal import NARROW_BELOW, SafeText
from .options import (
    AllowPrivate,
    BatchDate,
    DateField,
    DateFromMtime,
    Db,
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
    existing_store,
    fast_option,
    jobs_option,
    model_mode,
    outlets_file,
    reader_options,
)
from .output import EXIT_INPUT, TABLE_FORMATS, clip, err, error, note, print_json, print_rows, print_table, table, warn


def ingest(
    sources: List[str] = typer.Argument(..., metavar="PATH|GLOB|URL|-", help="Files, folders (recursive), globs, URLs, or - for stdin."),
    db: str = typer.Option(..., "--db", metavar="FILE|URL", help="The corpus store: an SQLite file (created when missing), sqlite:///FILE, or postgresql://USER@HOST/DB."),
    fmt: Format = None,
    text_field: TextField = None,
    title_field: TitleField = None,
    id_field: IdField = None,
    max_bytes: MaxBytes = None,
    date_field: DateField = None,
    date: BatchDate = None,
    date_from_mtime: DateFromMtime = False,
    analyze: bool = typer.Option(False, "--analyze", help="Run the full default pipeline (narratives, roles, techniques, ...); slower."),
    raw: bool = typer.Option(False, "--raw", help="Store documents as read, without any analyzer."),
    disable: List[str] = typer.Option([], "--disable", "-d", help="With --analyze: skip an analyzer (repeatable)."),
    fast: bool = fast_option("With --analyze: the linear models instead of the fine-tuned encoder (~7x faster, for large corpora)."),
    jobs: int = jobs_option(),
    batch_size: int = typer.Option(50, "--batch-size", help="Documents per transaction."),
    source: Optional[str] = typer.Option(None, "--source", help="Outlet name for every document (default: from the metadata)."),
    allow_private: AllowPrivate = False,
    no_resume: bool = typer.Option(False, "--no-resume", help="Re-read sources an earlier run already finished."),
    engine: str = engine_option("; reading and storing stay here"),
    scheduler: Scheduler = None,
    scheduler_timeout: SchedulerTimeout = 10.0,
    outlets: Outlets = None,
) -> None:
    """Add articles to a corpus store: resumable, idempotent (keyed by content hash), errors logged in the store."""
    from ..ingest import ingest as run_ingest
    from ..pipeline import Pipeline
    from ..store import open_store

    if analyze and raw:
        raise UsageError("--analyze and --raw exclude each other")
    options = reader_options(fmt, text_field, title_field, id_field, max_bytes, date_field=date_field, date=date,
                             date_from_mtime=date_from_mtime)
    jobs = check_jobs(jobs)
    if batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    if fast and not analyze:
        raise UsageError("--fast chooses the models of --analyze: give --analyze too")
    pipeline = False if raw else (Pipeline.preset("default", mode=model_mode(fast), exclude=disable) if analyze else None)
    outlets_path = None if raw else outlets_file(outlets)  # --raw runs no analyzer, outlets included
    if outlets_path:
        from ..analyzers.outlets import add_outlets

        pipeline = pipeline or Pipeline.preset("light")
        add_outlets(pipeline, outlets_path)
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
    near = report.near_duplicates
    if near.get("compared"):
        err.print(Text(f"near-duplicate clusters updated: {near['compared']} new documents compared, {near['pairs']} new "
                       f"near-duplicate pair(s), {near['clusters']} cluster(s) written", style="dim"), soft_wrap=True)
    if report.failed:
        raise typer.Exit(EXIT_INPUT)


def _hits_table(hits: list, total: int, offset: int, width: int = 120) -> Table:
    """Search hits, the matched words highlighted in each snippet. On a console narrower than
    ``NARROW_BELOW`` the date and language go under the id, so the snippet keeps room to read."""
    narrow = width < NARROW_BELOW
    heads = ("document", "source", "title / snippet") if narrow else ("id", "date", "source", "lang", "title / snippet")
    found = table(f"{total} documents" + (f" (showing {offset + 1}-{offset + len(hits)})" if hits else ""), heads, no_wrap=True)
    found.columns[heads.index("source")].no_wrap = False  # an outlet's name wraps, within bounds
    found.columns[heads.index("source")].overflow = "fold"
    found.columns[heads.index("source")].max_width = 16 if narrow else 24
    found.columns[-1].no_wrap = False
    found.columns[-1].min_width = 30
    for h in hits:
        snippet = SafeText(h.snippet.replace("\n", " "))  # same length: the match offsets still hold
        for a, b in h.matches:
            snippet.stylize("bold yellow", a - h.snippet_start, b - h.snippet_start)
        cell = SafeText(clip(h.title or "", 80) + "\n", style="bold") + snippet if h.title else snippet
        date, lang = (h.date or "")[:10], printable(h.language or "")
        if narrow:
            found.add_row(Text("\n".join(x for x in (h.doc_id[:10], date, lang) if x)), Text(printable(h.source or "")), cell)
        else:
            found.add_row(h.doc_id[:10], Text(date), Text(printable(h.source or "")), Text(lang), cell)
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
    outlet_label: Optional[str] = typer.Option(None, "--outlet-label", help="Documents citing or coming from an outlet your outlets file gives this label (see ingest --outlets)."),
    limit: int = typer.Option(20, "--limit", "-n"),
    offset: int = typer.Option(0, "--offset"),
    facets: bool = typer.Option(False, "--facets", help="Also print the facet counts."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (hits, total, facets) instead of a table."),
) -> None:
    """Full-text and faceted search over a corpus store."""
    from ..store import open_store
    from ..store.base import facet_values

    filters = {"language": language, "source": source, "date_from": date_from, "date_to": date_to,
               "narrative": narrative, "technique": technique, "entity": entity, "role": role, "outlet_label": outlet_label}
    with open_store(existing_store(db), read_only=True) as store:
        hits = store.search(query, limit=limit, offset=offset, **filters)
        total = store.search_count(query, **filters)
        counts = store.facets(query, **filters) if facets else None
    if json_out:
        payload = {"total": total, "hits": [h.to_dict() for h in hits]}
        if counts is not None:
            payload["facets"] = facet_values(counts)
        print_json(payload, indent=2)
        return
    console = Console(highlight=False)
    console.print(_hits_table(hits, total, offset, console.width))
    if counts is not None:
        for name, values in counts.items():
            if values:
                # shown as words ("Loaded language"); --json keeps the stored labels
                console.print(Text(f"{name}: ", style="bold") + Text(", ".join(f"{label_name(name, v)} ({n})" for v, n in values[:10])))


def _clusters_table(kind: str, found: list, listed: dict) -> Table:
    """The clusters of one kind as stored (``listed``: by original), earliest copy first."""
    shown = table(f"{len(found)} {kind} cluster(s)", ("id", "size", "probable original", "title", "copies"), overflow="fold")
    for column in shown.columns[:3]:  # figures and ids: never folded
        column.no_wrap = True
    shown.columns[3].min_width = 20
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
    from ..readers.dates import undated_note

    with open_store(existing_store(db), read_only=True) as store:
        rows = [{"period": p, kind: label, "documents": n}
                for p, label, n in store.counts_over_time(kind, period, source=source, entity=entity)]
        undated = store.undated_count(source=source, entity=entity)
    print_rows(rows, fmt, f"{kind} per {period} in dated documents" + (f" of {source}" if source else ""))
    said = undated_note(*undated, "these counts")
    if said:
        note(said)  # on stderr: JSON and CSV on stdout stay as they are


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
    from ..readers.dates import undated_note

    with open_store(existing_store(db), read_only=True) as store:
        profile = store.entity_profile(name, period=period, source=source)
        outlet = store.outlet_profile(name)  # the entity is an outlet of the user's outlets file
        undated, mentioning = store.undated_count(source=source, entity=name)
    if profile is not None:
        profile["undated"] = {"undated": undated, "documents": mentioning}
    if profile is None and outlet is None:
        where = f" from {source}" if source else ""
        raise UsageError(f"{name}: no document{where} mentions this entity (see narrascope search --facets)")
    if json_out:
        print_json({**(profile or {"entity": name}), "outlet": outlet})
        return
    console = Console(highlight=False)
    if outlet is not None:
        _print_outlet(console, outlet)
    if profile is None:
        return
    roles = ", ".join(f"{r} ({n})" for r, n in profile["roles"]) or "no roles"
    console.print(Text(f"{profile['entity']}: ", style="bold") + Text(f"{profile['documents']} documents; cast as {roles}"))
    if profile.get("also_written_as"):
        console.print(Text("also written as: ", style="bold") + Text(", ".join(profile["also_written_as"][:15])))
    # a document with no known outlet is counted as such, not as an empty name (as on the web entity page)
    print_rows([{**r, "source": r["source"] or "unknown outlet"} for r in profile["roles_by_source"][:30]], "table",
               "cast as ROLE by SOURCE")
    print_rows([{"period": p, "role": r, "documents": n} for p, r, n in profile["roles_over_time"]], "table", "roles over time")
    said = undated_note(undated, mentioning, "roles over time")
    if said:
        console.print(Text(said, style="dim"))
    console.print(Text("appears with: ", style="bold") + Text(", ".join(f"{e} ({n})" for e, n in profile["co_occurring"][:15])))


def _print_outlet(console: Console, outlet: dict) -> None:
    """An outlet's labels with their sources, as the documents analysed with an outlets file carry them."""
    head = SafeText(f"{outlet['outlet']}", style="bold") + SafeText(f" ({outlet['country']})" if outlet.get("country") else "")
    console.print(head + SafeText(f": an outlet in your outlets file, matched in {outlet['documents']} documents"))
    for lab in outlet["labels"] or [{"label": "no labels", "source": None, "documents": 0}]:
        line = SafeText("  " + lab["label"], style="bold yellow")
        if lab.get("source"):
            line.append(f"  {lab['source']}", style="dim")
        console.print(line, soft_wrap=True)


def graph_cmd(
    which: str = typer.Argument(..., metavar="entities|citations"),
    db: Db = ...,
    limit: int = typer.Option(60, "--limit", help="entities: how many entities (most mentioned first); citations: edges."),
    min_documents: int = typer.Option(2, "--min-documents", help="entities: fewest shared documents for a co-occurrence edge."),
    source: Optional[str] = typer.Option(None, "--source", help="entities: only this outlet's documents."),
    fmt: str = typer.Option("table", "--format", help="table or csv (the edges), json (nodes and edges)."),
    top: int = typer.Option(25, "--top", help="table: first list the TOP most connected nodes (0: none)."),
) -> None:
    """The entity graph (co-occurrence, and "cast as ROLE by SOURCE") or the citation graph (outlet -> what it cites or
    quotes; documents with no known outlet are no node, only counted)."""
    from ..store import open_store
    from ..store.analytics import citation_ends, citation_node, most_connected

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
    if fmt == "table" and top > 0:
        if which == "entities":
            shown, _ = most_connected(graph["nodes"], graph["edges"], top)
            rows = [{"entity": n["id"], "documents": n["documents"], "shared": n["connections"]} for n in shown]
        else:
            shown, _ = most_connected(graph["nodes"], graph["edges"], top, key=citation_node, ends=citation_ends)
            rows = [{"node": n["id"], "kind": n["kind"], "documents": n["documents"]} for n in shown]
        print_rows(rows, fmt, f"the {len(rows)} most connected of {len(graph['nodes'])} nodes")
    print_rows(edges, fmt, f"{which} graph: {len(graph['nodes'])} nodes, {len(edges)} edges")
    if which == "citations" and graph.get("without_outlet") and fmt == "table":
        err.print(Text(f"{graph['without_outlet']} documents that cite or quote had no known outlet (no node)", style="dim"))


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
