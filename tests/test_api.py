from pathlib import Path

import pytest

import narrascope
from conftest import EXAMPLE


def test_analyze_path_text_and_bytes_agree():
    nlp = narrascope.Pipeline.default(exclude=["entities"])
    by_path = narrascope.analyze(EXAMPLE, pipeline=nlp)
    by_str = narrascope.analyze(str(EXAMPLE), pipeline=nlp)  # a str is text, always; paths are pathlib.Path
    by_text = narrascope.analyze(EXAMPLE.read_text(encoding="utf-8"), pipeline=nlp)
    by_bytes = narrascope.analyze(EXAMPLE.read_bytes(), pipeline=nlp)
    assert by_str.text == str(EXAMPLE)
    assert by_path.id == by_text.id == by_bytes.id
    assert by_path.layers.keys() == by_text.layers.keys()
    assert by_path.metadata["title"].startswith("Moldova hands its energy")


def test_pasted_text_with_slashes_is_text_and_missing_paths_are_errors():
    nlp = narrascope.Pipeline(["structure"])
    doc = narrascope.analyze("The 50/50 deal was signed in Brussels on Friday.", pipeline=nlp)
    assert doc.text.startswith("The 50/50 deal")
    with pytest.raises(narrascope.InputError, match="no such file"):
        narrascope.analyze(Path("missing/article.txt"), pipeline=nlp)
    with pytest.raises(narrascope.InputError):
        narrascope.analyze("   ", pipeline=nlp)


def test_analyze_all_reads_every_record(tmp_path: Path):
    path = tmp_path / "two.jsonl"
    path.write_text('{"text": "First article body with enough words in it."}\n{"text": "Second article body, also long enough."}\n')
    docs = narrascope.analyze_all(path, pipeline=narrascope.Pipeline(["structure"]))
    assert [d.text[:6] for d in docs] == ["First ", "Second"]
    with pytest.raises(narrascope.InputError, match="analyze_all"):
        narrascope.analyze(path, pipeline=narrascope.Pipeline(["structure"]))


def test_full_pipeline_output_is_schema_valid_and_round_trips(pipeline):
    import json
    from importlib import resources

    import jsonschema

    doc = narrascope.analyze(EXAMPLE, pipeline=pipeline)
    schema = json.loads(resources.files("narrascope").joinpath("schema", "document.schema.json").read_text())
    jsonschema.validate(json.loads(doc.to_json()), schema)
    assert narrascope.Document.from_json(doc.to_json()) == doc
    span_ids = {s.id for _, s in doc.iter_spans()}
    for groups in doc.groups.values():
        for g in groups:
            assert set(g.span_ids) <= span_ids, g.label
    for _, s in doc.iter_spans():
        assert 0 <= s.start <= s.end <= len(doc.text)
