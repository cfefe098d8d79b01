"""The encoder heads at run time (narrascope.encoder.heads / documents), torch-free, on a synthetic artifact.

The artifact (tests/encoder_artifact.py) holds random LoRA pairs and random heads: these tests check the
plumbing (loading without pickle, the registry, windows, the shared per-document pass, decoding under the
taxonomy, the fallback past the window budget, the analyzers), not the quality of a trained model.
All texts are written for this test.
"""

from __future__ import annotations

import numpy as np
import pytest

from narrascope import Document, Pipeline
from narrascope.encoder import documents
from narrascope.encoder.heads import FORMAT, EncoderHeads, decode_roles, mlp
from narrascope.models.artifacts import artifact_format
from narrascope.models.registry import ENCODER_FORMAT, load_model

from encoder_artifact import artifact, count_encoder_calls, heads  # noqa: F401  (the fixtures)

ARTICLE = ("Ministers in Varnatown accused the Coastal Union of blocking the harbour for a third week. "
           "The Coastal Union said the blockade protected fishermen, who had lost 40 percent of their income. "
           "Observers from the Lake Council called on both sides to talk. ") * 12


def test_artifact_format_is_known_to_the_registry(artifact):
    assert FORMAT == ENCODER_FORMAT
    assert artifact_format(artifact) == FORMAT
    assert artifact_format(artifact.with_suffix(".missing")) is None


def test_registry_loads_both_heads_on_one_encoder(artifact):
    roles = load_model("roles", str(artifact))
    cw = load_model("checkworthiness", str(artifact))
    assert roles.heads is cw.heads
    assert load_model("roles", str(artifact)) is roles


def test_roles_decode_respects_the_taxonomy(heads):
    roles = heads.view("roles")
    items = [(ARTICLE, m.start(), m.end()) for m in __import__("re").finditer("Coastal Union|Varnatown", ARTICLE)]
    out = roles.predict_scored(items, languages=["EN"] * len(items))
    assert len(out) == len(items)
    for r in out:
        assert r["main"] in roles.main_classes_
        assert abs(sum(r["main_proba"].values()) - 1) < 1e-6
        assert r["fine"], "at least one fine role"
        kids = {f for f, p in zip(roles.fine_classes_, roles.parents) if roles.main_classes_[p] == r["main"]}
        assert set(r["fine"]) <= kids and set(r["fine_proba"]) == kids
    again = roles.predict(items, languages=["EN"] * len(items))
    assert again == [(r["main"], r["fine"]) for r in out]
    assert roles.main_priors_["ALL"]["Antagonist"] == pytest.approx(0.47)


def test_one_encoder_pass_per_document_shared_by_both_heads(heads, monkeypatch):
    calls = count_encoder_calls(heads, monkeypatch)
    enc = heads.encoder
    text = ARTICLE + " A new paragraph closes the piece."
    start = text.index("Lake Council")
    heads.view("roles").predict_scored([(text, start, start + 12)], ["EN"])
    doc = documents.document_states(enc, text, window=heads.window, stride=heads.stride, max_windows=heads.max_windows)
    spans = [(m.start(), m.end()) for m in __import__("re").finditer(r"[^.]+\.", text)]
    p = heads.view("checkworthiness").predict_spans(text, spans)
    assert p.shape == (len(spans),) and np.all((p >= 0) & (p <= 1))
    n_windows = len(doc.windows)
    assert n_windows > 1 and sum(calls) == n_windows  # every window encoded once, whichever head asked first
    heads.view("roles").predict_scored([(text, start, start + 12)], ["EN"])
    assert sum(calls) == n_windows


def test_past_the_window_budget_the_linear_model_answers(artifact):
    h = EncoderHeads.load(artifact)
    h.max_windows = 1
    text = ARTICLE * 3
    late = text.rindex("Varnatown")
    out = h.view("roles").predict_scored([(text, 0, 9), (text, late, late + 9)], ["EN", "EN"])
    linear = load_model("roles", "fast").predict_scored([(text, late, late + 9)], languages=["EN"])[0]
    assert out[1]["main_proba"] == linear["main_proba"]
    spans = [(0, 80), (len(text) - 80, len(text))]
    p = h.view("checkworthiness").predict_spans(text, spans)
    assert p[1] == pytest.approx(load_model("checkworthiness", "fast").predict_proba([text[-80:]])[0])


def test_sentences_without_an_article_are_packed_in_order(heads):
    cw = heads.view("checkworthiness")
    texts = [f"Speaker {i} said exports rose by {i} percent." for i in range(40)]
    p = cw.predict_proba(texts)
    assert p.shape == (40,)
    assert cw.predict(texts).tolist() == (p >= cw.threshold_).astype(int).tolist()
    assert cw.predict_proba([]).shape == (0,)


def test_decode_and_mlp_arithmetic():
    parents = np.array([0, 0, 1, 1, 1])
    main = np.array([[2.0, 0.0], [0.0, 3.0]])
    fine = np.array([[-5.0, -4.0, 9.0, 9.0, 9.0], [-5.0, -5.0, 3.0, 0.5, -1.0]])
    idx, pm, pf, chosen = decode_roles(main, fine, parents, 1.0, 0.6)
    assert idx.tolist() == [0, 1]
    assert chosen == [[1], [2, 3]]  # the top child even under the threshold; other children only above it
    assert pm[0, 0] == pytest.approx(1 / (1 + np.exp(-2)))
    layers = [{"w": np.eye(2, dtype=np.float32), "b": np.zeros(2, np.float32)},
              {"w": np.ones((1, 2), np.float32), "b": np.ones(1, np.float32)}]
    assert mlp(np.array([[1.0, -1.0]]), layers)[0, 0] == pytest.approx(1 + 0.8411920 - 0.1588080, abs=1e-4)


def test_analyzers_read_the_encoder_heads(artifact):
    opts = {"roles": {"model": str(artifact)}, "claims": {"model": str(artifact)}}
    pipe = Pipeline.default(options=opts, exclude=("narratives", "techniques", "consistency"))
    doc = pipe(Document(text=ARTICLE[:1500], metadata={"language": "en"}))
    groups = doc.groups.get("roles", [])
    assert groups and all(g.attrs["model"].startswith("RoleHeads") for g in groups)
    assert all(0 <= s.score <= 1 for s in doc.spans("claims"))
    assert all(s.attrs["model"].startswith("CheckworthinessHeads") for s in doc.spans("claims"))
