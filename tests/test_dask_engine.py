"""Scale-out over a Dask cluster: a real LocalCluster (two worker processes) analyses what ingest and
analyze read here; the stored corpus, the JSON output, resuming and the error log equal the local path."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from narrascope.cli import main
from narrascope.engines import AnalysisEngine, AnalysisFailure, DaskEngine, EngineError
from narrascope.ingest import ingest
from narrascope.model import Document
from narrascope.pipeline import Pipeline
from narrascope.store import open_store

TOPICS = ["harbour", "ferry", "council", "school", "bridge", "market", "railway", "library"]


def write_corpus(root: Path) -> Path:
    """16 plain-text articles and a JSONL file (one exploding record, one bad line, one repeat)."""
    folder = root / "corpus"
    (folder / "txt").mkdir(parents=True)
    for i in range(16):
        topic = TOPICS[i % len(TOPICS)]
        (folder / "txt" / f"a{i:02d}.txt").write_text(
            f"The {topic} question, part {i}\n\nOfficials in Valmara said on Monday that the {topic} plan number {i} "
            f"would go ahead. \"We will not wait any longer,\" said Mayor Anna Berg, according to Reuters. "
            f"Critics called it a disaster for the town.\n", encoding="utf-8")
    records = [{"title": f"Record {k}", "text": f"Record {k}: the regional budget for the {TOPICS[k]} grew by {k} percent, "
                                                 "the ministry said on Tuesday.", "date": f"2024-03-0{k + 1}"} for k in range(4)]
    records.append({"title": "Boom", "text": "This record will explode the fragile analyzer on the worker."})
    lines = [json.dumps(r) for r in records]
    lines.insert(2, "{not json")
    lines.append(json.dumps({"text": (folder / "txt" / "a03.txt").read_text(encoding="utf-8")}))  # a repeat
    (folder / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def snapshot(db: Path) -> tuple[dict[str, dict], list[tuple[str, str, str]]]:
    with open_store(db) as store:
        docs = {doc_id: store.get(doc_id).to_dict() for doc_id in store.ids()}
        errors = sorted((Path(e.source).name, e.item, e.message) for e in store.errors())
    return docs, errors


@pytest.fixture(scope="module")
def scheduler():
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("dask.distributed is not installed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers need not import this test module
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster, set_as_default=False) as client:
            client.run(_register_fragile)
        yield cluster.scheduler_address


def _register_fragile() -> None:
    """On a worker: an analyzer that fails on one document."""
    from narrascope.analyzers.base import Analyzer
    from narrascope.pipeline import register_analyzer

    class Fragile(Analyzer):
        name = "fragile"
        requires = ("structure",)

        def __call__(self, doc):
            if "explode" in doc.text:
                raise RuntimeError("analyzer bug")
            doc.metadata["fragile_ok"] = True
            return doc

    register_analyzer("fragile")(Fragile)


def test_dask_ingest_equals_local_and_resumes(tmp_path: Path, scheduler: str) -> None:
    folder = write_corpus(tmp_path)
    with open_store(tmp_path / "local.db") as store:
        local = ingest([str(folder)], store, batch_size=7)
    with open_store(tmp_path / "dask.db") as store:
        seen = []
        remote = ingest([str(folder)], store, batch_size=7, engine="dask", scheduler=scheduler, progress=seen.append)
    counts = lambda r: (r.added, r.skipped, r.failed, r.sources)  # noqa: E731
    assert counts(remote) == counts(local) == (21, 1, 1, 17)
    assert [p.sources_done for p in seen] == list(range(1, 18))
    local_docs, local_errors = snapshot(tmp_path / "local.db")
    remote_docs, remote_errors = snapshot(tmp_path / "dask.db")
    assert set(remote_docs) == set(local_docs) and len(local_docs) == 21
    for doc_id, doc in local_docs.items():
        assert remote_docs[doc_id] == doc  # text, metadata, every layer and group
    assert {"structure", "sentences", "language"} <= set(next(iter(remote_docs.values()))["layers"])
    assert remote_errors == local_errors == [("records.jsonl", "line 3", local_errors[0][2])]

    with open_store(tmp_path / "dask.db") as store:  # resumable: finished sources are not read again
        again = ingest([str(folder)], store, engine="dask", scheduler=scheduler)
        assert (again.added, again.skipped, again.sources_resumed) == (0, 0, 17)
        forced = ingest([str(folder)], store, engine="dask", scheduler=scheduler, resume=False)
        assert (forced.added, forced.skipped) == (0, 22)  # dedup by content hash
        assert store.count() == 21


def test_cli_ingest_and_usage_errors(tmp_path: Path, scheduler: str, capsys) -> None:
    folder = write_corpus(tmp_path) / "txt"
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    run = subprocess.run([sys.executable, "-m", "narrascope", "ingest", str(folder), "--db", str(tmp_path / "c.db"),
                          "--engine", "dask", "--scheduler", scheduler], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert "16 added, 0 already stored, 0 failed" in run.stderr and "Traceback" not in run.stderr
    with open_store(tmp_path / "c.db") as store:
        assert store.count() == 16

    assert main(["ingest", str(folder), "--db", str(tmp_path / "x.db"), "--engine", "dask"]) == 2
    assert main(["analyze", str(folder / "a00.txt"), "--engine", "dask"]) == 2
    assert main(["ingest", str(folder), "--db", str(tmp_path / "x.db"), "--engine", "spark"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert errors[0] == "narrascope: error: --engine dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)"
    assert len(errors) == 3 and not (tmp_path / "x.db").exists()


def test_analyze_json_equals_local(tmp_path: Path, scheduler: str, capsys) -> None:
    folder = write_corpus(tmp_path) / "txt"
    a, b = folder / "a00.txt", folder / "a01.txt"
    local, remote = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    assert main(["analyze", str(a), str(b), "--fast", "-j", "1", "-q", "--json", str(local)]) == 0
    assert main(["analyze", str(a), str(b), "--fast", "-q", "--json", str(remote), "--engine", "dask",
                 "--scheduler", scheduler]) == 0
    assert remote.read_text(encoding="utf-8") == local.read_text(encoding="utf-8")
    docs = [json.loads(line) for line in remote.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == 2 and docs[0]["groups"].get("entities")  # the full pipeline ran on the workers
    assert "Traceback" not in capsys.readouterr().err


def test_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "a.txt").write_text("A short article about the harbour.", encoding="utf-8")
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "narrascope", "ingest", str(tmp_path / "a.txt"), "--db", str(tmp_path / "c.db"),
                          "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}", "--scheduler-timeout", "1"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [f"narrascope: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port} "
                                               "(no answer within 1 s)"]
    assert time.monotonic() - started < 30 and not (tmp_path / "c.db").exists()
    with pytest.raises(EngineError, match="cannot reach the Dask scheduler at nonsense"):
        DaskEngine("nonsense", Pipeline.preset("light"), timeout=1)


def test_failing_analyzer_on_a_worker_is_one_logged_error(tmp_path: Path, scheduler: str) -> None:
    folder = write_corpus(tmp_path)
    config = {"components": Pipeline.preset("light").config["components"] + [{"name": "fragile", "options": {}}]}
    with DaskEngine(scheduler, config) as engine, open_store(tmp_path / "c.db") as store:
        report = ingest([str(folder)], store, engine=engine, batch_size=5)
        assert (report.added, report.skipped, report.failed) == (20, 1, 2)
        messages = {(Path(e.source).name, e.item): e.message for e in store.errors()}
        assert messages[("records.jsonl", "line 6")] == "analysis failed (RuntimeError: analyzer bug)"
        assert ("records.jsonl", "line 3") in messages  # the bad JSON line
        assert all(store.get(i).metadata["fragile_ok"] for i in store.ids())
        # a plain list through the engine: order kept, the failure in its place, not raised
        docs = [Document(f"Line {i}: the harbour reopened.") for i in range(5)]
        docs.insert(2, Document("This one will explode."))
        results = engine.map_documents(docs)
        assert [type(r).__name__ for r in results] == ["Document"] * 2 + ["AnalysisFailure"] + ["Document"] * 3
        assert [r.id if isinstance(r, Document) else r.document.id for r in results] == [d.id for d in docs]
        assert str(results[2]) == "RuntimeError: analyzer bug"


class _Shuffled(AnalysisEngine):
    """Chunks finish in reverse order of submission; counts how far the input was read ahead."""

    chunk_size = 3
    max_in_flight = 4

    def __init__(self) -> None:
        self.read = 0
        self.inflight_peak = 0
        self.pending: list[int] = []

    def _submit(self, docs):
        self.pending.append(id(docs))
        self.inflight_peak = max(self.inflight_peak, len(self.pending))
        return (id(docs), [Document(d.text.upper()) if "bad" not in d.text else AnalysisFailure(d, "ValueError", "bad")
                           for d in docs])

    def _wait(self, handles):
        return [len(handles) - 1]  # the newest first

    def _collect(self, handle, docs):
        self.pending.remove(handle[0])
        return handle[1]


def test_engine_keeps_order_markers_and_bounds_read_ahead() -> None:
    engine = _Shuffled()

    def items():
        for i in range(1000):
            engine.read += 1
            yield ("marker", i)
            engine.read += 1
            yield Document(f"doc {i}" + (" bad" if i % 97 == 0 else ""))

    out = []
    for result in engine.imap(items()):
        out.append(result)
        assert engine.read - len(out) <= 8 * 3 * 4  # memory does not grow with the input
    assert len(out) == 2000 and engine.inflight_peak == 4
    assert [m for m in out[0::2]] == [("marker", i) for i in range(1000)]
    for i, result in enumerate(out[1::2]):
        if i % 97 == 0:
            assert isinstance(result, AnalysisFailure) and result.document.text == f"doc {i} bad"
        else:
            assert result.text == f"DOC {i}"


class _RegisterKiller:
    """A worker plugin (runs on every worker, restarted ones too): an analyzer that kills its worker process
    on one document, as a segfaulting native library would."""

    name = "narrascope-test-killer"

    def setup(self, worker) -> None:
        from narrascope.analyzers.base import Analyzer
        from narrascope.pipeline import register_analyzer

        class Killer(Analyzer):
            name = "killer"

            def __call__(self, doc):
                if "segfault" in doc.text:
                    os._exit(1)
                doc.metadata["killer_ok"] = True
                return doc

        register_analyzer("killer")(Killer)


def test_a_document_that_kills_workers_is_the_only_one_lost() -> None:
    """A chunk whose worker dies is analysed again in halves: only the culprit is reported."""
    from distributed import Client, LocalCluster
    from distributed.diagnostics.plugin import WorkerPlugin

    plugin = type("RegisterKiller", (_RegisterKiller, WorkerPlugin), {})()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster, set_as_default=False) as client:
            client.register_plugin(plugin)
        docs = [Document(f"Note {i}: the ferry left on time.") for i in range(8)]
        docs[5] = Document("This note will segfault the worker.")
        with DaskEngine(cluster.scheduler_address, {"components": [{"name": "killer", "options": {}}]}, chunk_size=8) as engine:
            results = engine.map_documents(docs)
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["Document"] * 5 + ["AnalysisFailure"] + ["Document"] * 2
    assert results[5].document.id == docs[5].id and "died" in str(results[5])
    assert all(r.metadata["killer_ok"] for r in results if isinstance(r, Document))
