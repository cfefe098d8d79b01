"""The local engine: per-document failures, in this process and in a pool of worker processes, and the
analyze command built on it (one failing document never costs the others their report)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from narrascope.analyzers.base import Analyzer
from narrascope.cli import main
from narrascope.engines import AnalysisFailure, LocalEngine
from narrascope.model import Document
from narrascope.pipeline import Pipeline, register_analyzer


@register_analyzer("test_fragile")
class Fragile(Analyzer):
    """Raises on one kind of document, kills its process on another (as a crashing native library would)."""

    name = "test_fragile"

    def __call__(self, doc: Document) -> Document:
        if "explode" in doc.text:
            raise ValueError("this analyzer cannot read it")
        if "segfault" in doc.text and str(os.getpid()) != os.environ[PARENT]:
            os._exit(1)
        doc.metadata["fragile_ok"] = True
        return doc


class Travelling(Fragile):
    """The same, not registered by name: it travels to the workers as it is (pickled by reference to this
    module), so the pool works whether its workers fork or spawn."""

    name = "test_fragile_travelling"


PARENT = "NARRASCOPE_TEST_PARENT_PID"  # the environment reaches spawned workers, which import this module anew
os.environ.setdefault(PARENT, str(os.getpid()))


def _docs() -> list[Document]:
    docs = [Document(f"Note {i}: the ferry left on time.") for i in range(9)]
    docs[2] = Document("This note will explode in the analyzer.")
    docs[6] = Document("This note will segfault the worker.")
    return docs


@pytest.mark.parametrize("n_process", [1, 2])
def test_failures_stand_in_place_and_the_rest_is_analysed(n_process: int) -> None:
    docs = _docs()
    if n_process == 1:
        docs[6] = Document("Note 6 stays here.")  # killing this process would end the test run
    with LocalEngine(Pipeline([Travelling()]), n_process=n_process) as engine:
        results = engine.map_documents(docs)
    kinds = ["F" if isinstance(r, AnalysisFailure) else "D" for r in results]
    expected = ["D"] * 9
    expected[2] = "F"
    if n_process == 2:
        expected[6] = "F"
        assert "died" in str(results[6])
    assert kinds == expected
    assert "ValueError" in str(results[2]) and results[2].document.id == docs[2].id
    assert all(r.metadata["fragile_ok"] for r in results if isinstance(r, Document))
    assert [r.id if isinstance(r, Document) else r.document.id for r in results] == [d.id for d in docs]


def test_analyze_reports_one_failed_document_and_writes_the_others(tmp_path: Path, capsys, monkeypatch) -> None:
    good = tmp_path / "good.txt"
    good.write_text("The harbour council approved the new ferry timetable on Monday evening.", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("This article will explode in one analyzer, and only it.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    original = Pipeline.default

    def with_fragile(*args, **kwargs):
        pipeline = original(*args, **kwargs)
        pipeline.add("test_fragile", first=True)
        return pipeline

    monkeypatch.setattr(Pipeline, "default", classmethod(lambda cls, *a, **k: with_fragile(*a, **k)))
    code = main(["analyze", str(bad), str(good), "--fast", "--quiet", "--jobs", "1", "--json", str(out),
                 "--disable", "entities", "--disable", "narratives", "--disable", "techniques", "--disable", "claims"])
    err = capsys.readouterr().err
    assert code == 3
    assert f"{bad}: analysis failed (ValueError: this analyzer cannot read it)" in err
    written = json.loads(out.read_text(encoding="utf-8"))  # one document analysed: one JSON object
    assert written["metadata"]["source"] == str(good)
