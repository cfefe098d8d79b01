import json
from importlib import resources

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.model import Document, Group, Span, content_id


def _schema():
    return json.loads(resources.files("narrascope").joinpath("schema", "document.schema.json").read_text())


def test_id_is_content_hash_and_text_is_kept():
    text = "Title\r\n\r\nBody with\ttabs and ünïcödé 一贯 \u2028 end"
    doc = Document(text)
    assert doc.text == text
    assert doc.id == content_id(text) and len(doc.id) == 16
    assert Document(text + " ").id != doc.id


def test_span_offsets_are_validated():
    doc = Document("abc")
    with pytest.raises(ValueError):
        doc.add_span("x", 2, 5, "too_long")
    with pytest.raises(ValueError):
        doc.add_span("x", 2, 1, "reversed")
    with pytest.raises(ValueError):
        doc.add_span("x", 0, 1, "bad_attrs", attrs={"t": (1, 2)})
    span = doc.add_span("x", 0, 3, "ok")
    assert span.id == "x:0" and doc.span_text(span) == "abc"


def test_round_trip_is_lossless_and_schema_valid():
    doc = Document("Hello “world” — 世界", metadata={"title": "Hello", "nested": {"a": [1, 2.5, None, True]}})
    a = doc.add_span("entities", 0, 5, "PERSON", score=0.25, source="test", attrs={"k": [1, "x"], "span": [0, 5]})
    b = doc.add_span("quotes", 6, 13, "quote", attrs={})
    doc.add_group("entities", Group(id="E1", label="Hello", kind="PERSON", span_ids=[a.id, b.id], attrs={"variants": ["Hello"]}))
    payload = doc.to_json()
    jsonschema.validate(json.loads(payload), _schema())
    back = Document.from_json(payload)
    assert back == doc
    assert back.to_json() == payload
    assert back.span_text(back.spans("quotes")[0]) == "“world”"


def test_rejects_other_schema_versions():
    data = Document("x").to_dict()
    data["schema_version"] = 99
    with pytest.raises(ValueError, match="version"):
        Document.from_dict(data)


span_strategy = st.tuples(st.integers(0, 40), st.integers(0, 40), st.text(min_size=1, max_size=8),
                          st.floats(0, 1, allow_nan=False), st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=10), st.booleans(), st.none()), max_size=3))


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=40), spans=st.lists(span_strategy, max_size=8))
def test_round_trip_property(text, spans):
    doc = Document(text)
    for start, end, label, score, attrs in spans:
        start, end = sorted((min(start, len(text)), min(end, len(text))))
        doc.add_span("layer", start, end, label, score=score, attrs=attrs)
    back = Document.from_json(doc.to_json())
    assert back == doc
    assert [back.span_text(s) for s in back.spans("layer")] == [doc.span_text(s) for s in doc.spans("layer")]


def test_span_ids_stay_unique_after_edits_and_duplicates_are_refused():
    doc = Document("abcdef")
    for i in range(3):
        doc.add_span("x", i, i + 1, "c")
    doc.layers["x"].pop(0)  # an analyzer filtered its layer directly
    new = doc.add_span("x", 4, 5, "c")
    ids = [s.id for s in doc.spans("x")]
    assert len(set(ids)) == len(ids) and new.id not in ("x:1", "x:2")
    with pytest.raises(ValueError, match="already used"):
        doc.add_span("x", Span(0, 1, "c", id=new.id))
