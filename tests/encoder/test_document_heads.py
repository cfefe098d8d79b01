"""The technique-span and narrative heads on the shared encoder, at run time, torch-free.

The decoding rules are tested on constructed probabilities (what a span may be, when a paragraph is labelled,
how the hierarchy and the "no narrative" gate decide); the plumbing (one encoder pass for every head, the
registry, the analyzers, the report's lead when nothing reaches its threshold) on the synthetic artifact of
tests/encoder_artifact.py, whose random heads say nothing about quality. All texts are written for this test.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from narrascope import Document, Pipeline
from narrascope.encoder import documents
from narrascope.encoder.narrative_head import decode
from narrascope.encoder.technique_head import decode_spans, function_words, phrase
from narrascope.models.registry import load_model

from encoder_artifact import artifact, count_encoder_calls, heads  # noqa: F401  (the fixtures)

ARTICLE = ("Harbour Watch: the Coastal Union betrays every fisherman\n\n"
           "Ministers in Varnatown accused the Coastal Union of blocking the harbour for a third week. "
           "The Coastal Union said the blockade protected fishermen, who had lost 40 percent of their income. "
           "Observers from the Lake Council called on both sides to talk.\n\n") * 4


def _tokens(text: str):
    """Word and punctuation tokens with offsets, standing in for the encoder's pieces."""
    return np.array([(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)])


# ---- spans: phrases a reader can defend ---------------------------------------------------------------------
def test_a_phrase_is_widened_to_whole_words_and_stripped_of_function_words():
    text = "They said that the traitorous regime of the west is doomed."
    a = text.index("aitor")  # a token inside a word
    assert text[slice(*phrase(text, a, a + 4, 0, len(text)))] == "traitorous"
    s = text.index("the traitorous")
    e = text.index(" west") + 1  # "the traitorous regime of the " ends on function words
    assert text[slice(*phrase(text, s, e, 0, len(text)))] == "traitorous regime"


def test_a_function_word_run_takes_the_nearest_content_word_or_is_dropped():
    text = "It is what it is, and of the lies we heard."
    s = text.index("of the")
    assert text[slice(*phrase(text, s, s + 6, 0, len(text)))] == "lies"
    only = "of the and"
    assert phrase(only, 0, len(only), 0, len(only)) is None
    assert {"of", "the", "и", "в"} <= function_words()


def test_spans_decide_the_paragraph_and_never_cross_a_sentence():
    text = "The invaders burned the village. Nobody came. Then the butchers left."
    offs = _tokens(text)
    words = [text[a:b] for a, b in offs]
    T = 2
    P = np.zeros((len(offs), T))
    for w in ("invaders", "burned", "the", "village", ".", "Nobody"):
        P[words.index(w), 0] = 0.7  # one run over a sentence end
    P[words.index("butchers"), 0] = 0.5
    sents = [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.", text)]
    thr = np.array([0.6, 0.6])
    spans = decode_spans(text, offs, P, thr, run_ratio=0.5, extra_factor=1.0, sentences=sents)
    texts = [text[s:e] for _, s, e, _ in spans]
    assert "invaders burned the village" in texts and "Nobody" in texts
    assert all(". " not in t for t in texts)
    assert "butchers" not in texts  # its peak 0.5 is under the threshold
    assert all(j == 0 for j, *_ in spans)  # technique 1 never reached its threshold: no span, no label
    # a further span of the same technique needs extra_factor x the threshold
    assert len(decode_spans(text, offs, P, thr, 0.5, extra_factor=3.0, sentences=sents)) == 1


# ---- narratives: hierarchy and gate ---------------------------------------------------------------------------
CLASSES = ["N0", "N1", "N0: a", "N1: b", "Other"]


def test_narrative_decoding_is_hierarchical_with_a_calibrated_gate():
    P = np.array([[0.9, 0.1, 0.8, 0.1, 0.1],   # narrative and its subnarrative
                  [0.6, 0.1, 0.1, 0.1, 0.1],   # a narrative without a subnarrative
                  [0.1, 0.1, 0.9, 0.1, 0.1],   # a subnarrative whose narrative is below its threshold
                  [0.55, 0.1, 0.1, 0.1, 0.95],  # the gate clears by a larger margin
                  [0.1, 0.1, 0.1, 0.1, 0.1]])  # nothing
    T = np.full(5, 0.5)
    out = decode(P, T, CLASSES, 2, [0, 1], require_parent=True, gate=True)
    assert out[0] == (["N0"], ["N0: a"])
    assert out[1] == (["N0"], ["N0: Other"])
    assert out[2] == (["Other"], ["Other"])
    assert out[3] == (["Other"], ["Other"])
    assert out[4] == (["Other"], ["Other"])
    loose = decode(P, T, CLASSES, 2, [0, 1], require_parent=False, gate=False)
    assert loose[2] == (["N0"], ["N0: a"]) and loose[3] == (["N0"], ["N0: Other"])


# ---- one pass, the registry, the analyzers -----------------------------------------------------------------------
def test_registry_serves_all_four_heads_from_one_encoder(artifact):
    views = [load_model(task, str(artifact)) for task in ("roles", "checkworthiness", "techniques", "narratives")]
    assert len({id(v.heads) for v in views}) == 1


def test_one_encoder_pass_per_window_for_every_head(heads, monkeypatch):
    calls = count_encoder_calls(heads, monkeypatch)
    enc = heads.encoder
    text = ARTICLE + "A closing line."
    ranges = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    heads.view("techniques").find(text, ranges)
    heads.view("narratives").predict_document(text, ranges, "EN")
    start = text.index("Lake Council")
    heads.view("roles").predict_scored([(text, start, start + 12)], ["EN"])
    heads.view("checkworthiness").predict_spans(text, ranges[:3])
    doc = documents.document_states(enc, text, window=heads.window, stride=heads.stride, max_windows=heads.max_windows)
    assert len(doc.windows) > 1 and sum(calls) == len(doc.windows)


def test_analyzers_read_the_technique_and_narrative_heads(artifact):
    opts = {"techniques": {"model": str(artifact)}, "narratives": {"model": str(artifact)}}
    pipe = Pipeline.default(options=opts, exclude=("roles", "claims", "consistency"))
    doc = pipe(Document(text=ARTICLE, metadata={"language": "en"}))
    fw = function_words()
    model_spans = [s for s in doc.spans("techniques") if s.attrs["origin"] == "model"]
    assert model_spans, "the synthetic head's low thresholds find spans"
    for s in model_spans:
        words = re.findall(r"\w+", doc.text[s.start:s.end])
        assert words and words[0].lower() not in fw and words[-1].lower() not in fw
        assert not doc.text[s.start - 1:s.start].isalnum() and not doc.text[s.end:s.end + 1].isalnum()
        assert s.score >= s.attrs["threshold"] and "cross-validation" in s.attrs["reason"]
    title_end = doc.text.index("\n")
    assert any(s.attrs["paragraph"] == 0 for s in doc.spans("techniques")) or \
        not any(s.start < title_end for s in model_spans)
    groups = doc.groups["narratives"]
    assert groups and all(g.attrs.get("model", "").startswith("NarrativeHeads") for g in groups)


def test_other_verdict_leads_with_the_candidates_and_their_scores(artifact, monkeypatch):
    m = load_model("narratives", str(artifact))
    n = len(m.classes_)
    P = np.full(n, 0.1)
    P[0], P[1] = 0.35, 0.2  # both below their thresholds of 0.5
    monkeypatch.setattr(type(m), "predict_document", lambda self, text, ranges, lang: P.copy())
    pipe = Pipeline.default(options={"narratives": {"model": str(artifact)}},
                            exclude=("roles", "claims", "consistency", "techniques"))
    doc = pipe(Document(text=ARTICLE, metadata={"language": "en"}))
    groups = doc.groups["narratives"]
    assert [g.kind for g in groups[:-1]] == ["candidate"] * 2  # the synthetic taxonomy has two narratives
    assert groups[0].label == m.classes_[0] and groups[0].attrs["below_threshold"] is True
    assert "0.35 below its threshold 0.50" in groups[0].attrs["candidate_note"]
    other = groups[-1]
    assert other.label == "Other" and "No narrative reaches its threshold" in other.attrs["explanation"]
    assert "0.35 (threshold 0.50)" in other.attrs["explanation"]


def test_a_clause_level_technique_is_shown_as_its_sentence():
    text = "Some say the vote was clean. But who really counted the ballots that night? Nobody knows."
    offs = _tokens(text)
    words = [text[a:b] for a, b in offs]
    P = np.zeros((len(offs), 1))
    P[words.index("counted"), 0] = 0.9
    sents = [(m.start(), m.end()) for m in re.finditer(r"[^.?]+[.?]", text)]
    sents = [(s + (text[s] == " "), e) for s, e in sents]
    word = decode_spans(text, offs, P, np.array([0.5]), 0.5, sentences=sents)
    clause = decode_spans(text, offs, P, np.array([0.5]), 0.5, sentences=sents, clause_level=frozenset({0}))
    assert [text[s:e] for _, s, e, _ in word] == ["counted"]
    assert [text[s:e] for _, s, e, _ in clause] == ["really counted the ballots that night"]  # "But who": function words


def test_document_features_pool_the_whole_the_lead_and_the_strongest_chunk():
    from narrascope.encoder.head_data import LEAD_TOKENS, document_features

    states = np.zeros((200, 384), np.float32)
    states[150:160, 0] = 6.4  # one passage that stands out
    plain = document_features(states, None, "EN")
    chunked = document_features(states, None, "EN", chunk_max=64)
    assert plain.shape == (2 * 384 + 5,) and chunked.shape == (3 * 384 + 5,)
    assert plain[0] == pytest.approx(6.4 * 10 / 200) and plain[384] == 0.0  # the lead: first LEAD_TOKENS
    assert chunked[768] == pytest.approx(6.4 * 10 / 64)  # the chunk [128, 192) holds the passage
    assert LEAD_TOKENS == 64 and chunked[-5:].tolist() == [1, 0, 0, 0, 0]
    empty = document_features(states, [], "BG")  # no tokens (all past the window budget): zeros and the language
    assert not empty[:-5].any() and empty[-5:].tolist() == [0, 1, 0, 0, 0]
