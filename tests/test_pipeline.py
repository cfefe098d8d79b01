import pytest

from narrascope import Document, Pipeline
from narrascope.analyzers.base import Analyzer
from narrascope.pipeline import DEFAULT_COMPONENTS, available_analyzers


class Shout(Analyzer):
    name = "shout"
    requires = ("structure",)
    produces = ("shout",)

    def __call__(self, doc):
        for s in doc.spans("structure"):
            if doc.span_text(s).isupper():
                doc.add_span("shout", s.start, s.end, "all_caps", source=self.name)
        return doc


def test_default_components_are_registered_and_listed():
    assert set(DEFAULT_COMPONENTS) <= set(available_analyzers())
    p = Pipeline.default()
    assert p.names == list(DEFAULT_COMPONENTS)


def test_add_disable_remove_custom_component():
    p = Pipeline(["structure"])
    p.add(Shout(), after="structure")
    assert p.names == ["structure", "shout"]
    doc = p(Document("LOUD LINE\n\nquiet line here."))
    assert [doc.span_text(s) for s in doc.spans("shout")] == ["LOUD LINE"]
    assert doc.metadata["pipeline"] == [{"name": "structure", "version": "1"}, {"name": "shout", "version": "1"}]
    with p.disabled("shout"):
        assert "shout" not in p(Document("LOUD\n")).layers
    assert p.enabled == ["structure", "shout"]
    p.remove("shout")
    assert p.names == ["structure"]
    with pytest.raises(ValueError):
        p.add("structure")


def test_requirements_are_checked():
    p = Pipeline([Shout()])
    with pytest.raises(ValueError, match="needs structure"):
        p(Document("x"))
    q = Pipeline(["structure", Shout()])
    q.disable("structure")
    with pytest.raises(ValueError):
        q(Document("x"))


def test_unknown_component_names_fail_clearly():
    with pytest.raises(KeyError, match="no analyzer named"):
        Pipeline(["nope"])
    with pytest.raises(KeyError):
        Pipeline(["structure"]).disable("nope")


def test_pipe_in_two_processes_matches_serial():
    p = Pipeline(["structure", "mt_residue", "provenance"])
    docs = [Document(f"Title {i}\n\nThe the body {i} is here. See https://example.org/{i}.") for i in range(6)]
    serial = [p(Document(d.text)) for d in docs]
    parallel = list(p.pipe([Document(d.text) for d in docs], n_process=2, chunksize=2))
    assert [d.to_dict() for d in parallel] == [d.to_dict() for d in serial]
