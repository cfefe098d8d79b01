"""Training the technique and narrative heads on the frozen encoder (narrascope.encoder.head_training): needs
torch (the ``train`` extra), skipped where it is not installed (CI, the run-time venv). Random states, no data
set: the arithmetic the run-time numpy code must reproduce, and that training learns a planted signal."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from narrascope.encoder.head_data import TechniqueUnits, token_range  # noqa: E402
from narrascope.encoder.head_training import (NarrativeHead, TokenTagger, fit_narratives, fit_tagger,  # noqa: E402
                                              narrative_logits, tagger_proba)
from narrascope.encoder.training import export_layers  # noqa: E402
from narrascope.encoder.heads import mlp  # noqa: E402
from narrascope.encoder.technique_head import tagger_proba as numpy_tagger_proba  # noqa: E402


@pytest.mark.parametrize("neighbours", [0, 1])
def test_numpy_tagger_equals_the_torch_tagger(neighbours):
    torch.manual_seed(0)
    model = TokenTagger(384, 16, 3, 0.0, neighbours).eval()
    x = torch.randn(1, 7, 384)
    with torch.no_grad():
        want = torch.sigmoid(model(x, torch.ones(1, 7, dtype=torch.bool)))[0].numpy()
    got = numpy_tagger_proba(export_layers(model.net), x[0].numpy(), neighbours)
    assert np.allclose(got, want, atol=1e-4)


def test_numpy_narrative_head_equals_the_torch_head():
    torch.manual_seed(1)
    model = NarrativeHead(20, 8, 5, 0.0).eval()
    x = np.random.RandomState(0).randn(4, 20).astype(np.float32)
    assert np.allclose(mlp(x, export_layers(model.net)), narrative_logits(model, x), atol=1e-4)


def _planted_units(n_par: int = 60, seed: int = 0) -> TechniqueUnits:
    """Paragraphs of random states where technique 0 sits on tokens whose first coordinate is large."""
    rng = np.random.RandomState(seed)
    u = TechniqueUnits(["A", "B"])
    for p in range(n_par):
        n = rng.randint(5, 20)
        st = rng.randn(n, 8).astype(np.float32)
        y = np.zeros((n, 2), np.int8)
        if p % 2 == 0:
            k = rng.randint(0, n)
            st[k, 0] = 6.0
            y[k, 0] = 1
        y[:, 1] = -1  # technique B: unknown where (masked), never a paragraph label
        u.states.append(st.astype(np.float16))
        u.offsets.append(np.stack([np.arange(n) * 2, np.arange(n) * 2 + 1], axis=1))
        u.article.append(p)
        u.tokens.append((0, n))
        u.chars.append((0, 2 * n - 1))
        u.token_y.append(y)
        u.para_y.append(np.array([int(p % 2 == 0), 0], np.int8))
        u.language.append("en")
    return u


def test_the_tagger_learns_a_planted_technique_and_its_paragraphs():
    u = _planted_units()
    seen = []
    model = fit_tagger(u, list(range(40)), epochs=30, hidden=16, dropout=0.0, seed=0, max_tokens=64,
                       on_epoch=lambda e, m: seen.append(e))
    assert seen == list(range(1, 31))
    probs = tagger_proba(model, u, list(range(40, 60)))
    pos = [i for i in range(40, 60) if u.para_y[i][0]]
    neg = [i for i in range(40, 60) if not u.para_y[i][0]]
    strongest = {i: probs[i][:, 0].max() for i in pos + neg}
    assert np.mean([strongest[i] for i in pos]) > np.mean([strongest[i] for i in neg]) + 0.3
    hits = [probs[i][:, 0].argmax() == int(np.flatnonzero(u.token_y[i][:, 0])[0]) for i in pos]
    assert np.mean(hits) >= 0.9  # the strongest token is the planted one


def test_token_range_covers_overlapping_tokens():
    offs = np.array([[0, 3], [4, 9], [9, 10], [11, 15]])
    assert token_range(offs, 4, 10) == (1, 3)
    assert token_range(offs, 5, 6) == (1, 2)
    assert token_range(offs, 10, 11) == (3, 3)  # only the space between tokens: empty


def test_narrative_head_learns_a_planted_label():
    rng = np.random.RandomState(2)
    X = rng.randn(200, 6).astype(np.float32)
    Y = np.zeros((200, 3), np.float32)
    Y[:, 0] = X[:, 0] > 0.5
    Y[:, 2] = Y[:, 0] == 0
    model = fit_narratives(X[:150], Y[:150], epochs=100, hidden=16, dropout=0.0, seed=0)
    p = 1 / (1 + np.exp(-narrative_logits(model, X[150:])))
    assert ((p[:, 0] > 0.5) == (Y[150:, 0] == 1)).mean() >= 0.85


def _toy_semeval2023(root):
    """SemEval-2023 subtask 3 training layout, EN and RU, with spans and paragraph labels (written here)."""
    lines = {"Loaded_Language": "The shameless traitors betrayed the honest people again.",
             "Doubt": "Can anyone really trust the numbers the ministry published?",
             None: "The committee met on Tuesday to discuss the budget."}
    for lang, n in (("en", 6), ("ru", 4)):
        base = root / "semeval2023_task3" / lang
        (base / "train-articles-subtask-3").mkdir(parents=True)
        (base / "train-labels-subtask-3-spans").mkdir()
        para_rows = []
        for i in range(n):
            art = f"{800 + i}"
            chosen = [None, "Loaded_Language", None, "Doubt", "Loaded_Language"][: 3 + i % 3]
            text, spans, pos = "", [], 0
            for k, lab in enumerate(chosen, start=1):
                line = lines[lab]
                if lab:
                    word = "shameless traitors" if lab == "Loaded_Language" else "really trust the numbers"
                    a = pos + line.index(word)
                    spans.append(f"{art}\t{lab}\t{a}\t{a + len(word)}")
                para_rows.append(f"{art}\t{k}\t{lab or ''}")
                text += line + "\n"
                pos += len(line) + 1
            (base / "train-articles-subtask-3" / f"article{art}.txt").write_text(text, encoding="utf-8")
            (base / "train-labels-subtask-3-spans" / f"article{art}-labels-subtask-3.txt").write_text(
                "\n".join(spans) + "\n", encoding="utf-8")
        (base / "train-labels-subtask-3.txt").write_text("\n".join(para_rows) + "\n", encoding="utf-8")
    return root


def test_train_technique_head_cross_validates_and_writes_the_head(tmp_path, monkeypatch):
    from encoder_artifact import write_synthetic_artifact
    from narrascope.encoder.head_finetune import record_in_card, train_technique_head
    from narrascope.encoder.heads import EncoderHeads

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = _toy_semeval2023(tmp_path / "data")
    src = write_synthetic_artifact(tmp_path / "encoder.npz")
    out = tmp_path / "encoder-out.npz"
    ev = train_technique_head(data, src, out, cv=2, epochs=(1, 2), say=lambda s: None)
    assert set(ev["languages"]) == {"en", "ru"} and ev["languages"]["en"]["articles"] == 6
    assert 0 <= ev["paragraph_micro_f1"]["all"]["micro_f1"] <= 1 and "span_f1" in ev
    assert list((tmp_path / "cache" / "narrascope" / "train").glob("states-*/*/*.npz"))  # the states, cached
    view = EncoderHeads.load(out).view("techniques")
    assert view.neighbours == 0 and len(view.thresholds_) == len(view.labels)
    assert EncoderHeads.load(out).view("roles")  # the other heads kept
    card = record_in_card(out, "techniques", ev, "a method")
    assert card["evaluation"]["techniques"] is ev and "techniques" in card["task"]
