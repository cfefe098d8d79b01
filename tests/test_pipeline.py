import json

import pytest

from narrascope import Document, Pipeline
from narrascope.analyzers.base import Analyzer
from narrascope.pipeline import DEFAULT_COMPONENTS, HEAVY_ANALYZERS, available_analyzers, model_options


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


def test_config_describes_the_enabled_components_and_builds_them_again():
    p = Pipeline.preset("default", mode="fast", exclude=("entities",))
    assert "roles" not in p.names  # it frames entities: dropped with them
    p.disable("consistency")
    config = p.config
    assert json.loads(json.dumps(config)) == config
    assert [c["name"] for c in config["components"]] == p.enabled
    assert {c["name"]: c["options"] for c in config["components"]}["narratives"] == {"model": "fast"}
    again = Pipeline.from_config(config)
    assert again.names == p.enabled and again.config == config
    assert again.get("narratives").model_name == "fast"


def test_presets_and_model_modes():
    light = Pipeline.preset("light")
    assert light.names == [n for n in DEFAULT_COMPONENTS if n not in HEAVY_ANALYZERS]
    assert all(c["options"] == {} for c in light.config["components"])
    assert model_options("fast")["claims"] == {"model": "fast"}
    backend = object()
    assert model_options(backend=backend)["roles"] == {"model": "default", "backend": backend}
    assert "backend" not in model_options(backend=backend)["claims"]
    with pytest.raises(ValueError, match="unknown model mode"):
        Pipeline.preset("default", mode="slow")
    with pytest.raises(ValueError, match="unknown pipeline preset"):
        Pipeline.preset("heavy")


def test_config_refuses_what_cannot_be_built_by_name():
    with pytest.raises(ValueError, match="'shout' is not a registered analyzer"):
        Pipeline(["structure", Shout()]).config
    with pytest.raises(ValueError, match="options that cannot be sent to workers \\(backend\\)"):
        Pipeline.preset("default", backend=object()).config
    with pytest.raises(ValueError, match="options go with a component given by name"):
        Pipeline().add(Shout(), options={"x": 1})
    with pytest.raises(ValueError, match="a pipeline config is"):
        Pipeline.from_config({"components": ["structure"]})


def test_pipe_in_two_processes_with_a_component_that_travels_as_it_is():
    p = Pipeline(["structure", Shout()])  # Shout is not registered: it goes to the workers pickled
    docs = [Document(f"LOUD LINE {i}\n\nquiet line {i} here.") for i in range(4)]
    serial = [p(Document(d.text)) for d in docs]
    parallel = list(p.pipe([Document(d.text) for d in docs], n_process=2, chunksize=1))
    assert [d.to_dict() for d in parallel] == [d.to_dict() for d in serial]
