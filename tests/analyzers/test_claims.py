"""Check-worthiness model, CheckThat! 2024 I/O and the claims analyzer, on constructed sentences only."""

from __future__ import annotations

import json

import pytest

from narrascope import Document
from narrascope.errors import NarrascopeError

from conftest import SHARED

CT24 = SHARED / "data" / "checkthat2024_task1_en"

YES = [
    "The unemployment rate fell to {n} percent last year.",
    "According to the ministry, {n} soldiers were sent abroad in 2021.",
    "The city spent {n} million dollars on the new bridge.",
    "Taxes on small firms rose by {n} percent under the new law.",
    "The agency reported {n} deaths in the northern region in March.",
]
NO = [
    "I think we can do better than this, folks.",
    "Thank you all for coming tonight.",
    "What do you want to hear from me?",
    "We need to work together and look forward.",
    "Well, let me tell you something about hope.",
]


def toy(n: int = 6):
    texts, labels = [], []
    for k in range(n):
        for t in YES:
            texts.append(t.format(n=10 + 7 * k))
            labels.append("Yes")
        for t in NO:
            texts.append(t if k == 0 else f"{t} Really, number {k}.")
            labels.append("No")
    return texts, labels


def toy_model():
    from narrascope.models.checkworthiness import CheckworthinessModel

    texts, labels = toy()
    return CheckworthinessModel(n_features=2**14, inner_folds=3).fit(texts, labels)


def write_tsv(path, rows, header=("Sentence_id", "Text", "class_label"), crlf=False, bom=False):
    nl = "\r\n" if crlf else "\n"
    body = nl.join("\t".join(r) for r in [header, *rows]) + nl
    path.write_bytes(("\ufeff" if bom else "").encode() + body.encode("utf-8"))
    return path


def test_model_fit_predict_save_load(tmp_path):
    from narrascope.models.checkworthiness import CheckworthinessModel

    m = toy_model()
    p = m.predict_proba(["Prices rose by 40 percent last year.", "Thank you, folks."])
    assert p[0] > p[1] and 0 <= p.min() and p.max() <= 1
    path = tmp_path / "cw.npz"
    m.save(path)
    m2 = CheckworthinessModel.load(path)
    assert (m2.predict_proba(["Prices rose by 40 percent."]) == m.predict_proba(["Prices rose by 40 percent."])).all()
    assert m2.threshold_ == m.threshold_
    from narrascope.models.artifacts import read_artifact
    from narrascope.models.checkworthiness import FORMAT, VERSION

    assert "Thank you all" not in json.dumps(read_artifact(path, FORMAT, (VERSION,)), default=str)  # numbers only, no text


def test_train_predict_round_trip(tmp_path):
    from narrascope.tasks.checkthat2024.workflow import evaluate_cv, predict_checkthat2024, train_checkworthiness

    texts, labels = toy()
    data = tmp_path / "data"
    data.mkdir()
    write_tsv(data / "CT24_checkworthy_english_train.tsv",
              [(str(i), t, y) for i, (t, y) in enumerate(zip(texts, labels))])
    write_tsv(data / "CT24_checkworthy_english_dev.tsv", [("d1", "Exports fell by 12 percent in 2020.", "Yes"),
                                                          ("d2", "Thank you all, folks.", "No")], crlf=True, bom=True)
    out = tmp_path / "m" / "checkworthiness-fast.joblib"
    import narrascope.models.checkworthiness as cw

    small = dict(cw.MODES["fast"], n_features=2**14)
    old = cw.MODES["fast"]
    cw.MODES["fast"] = small
    try:
        card = train_checkworthiness(data, out, mode="fast", cv=2, progress=lambda s: None)
        res = evaluate_cv(data, cv=2, mode="fast")
    finally:
        cw.MODES["fast"] = old
    assert out.exists() and (tmp_path / "m" / "checkworthiness-fast.card.json").exists()
    assert card["terms"].startswith("CheckThat!") and "research use only" in card["terms"]
    assert card["training_data"]["sentences"] == len(texts)
    assert "dev" in card["heldout_for_information"]
    assert set(res["cv"]) >= {"f1_yes", "precision_yes", "recall_yes", "accuracy"}
    # predict: extra column, CRLF, BOM, no labels
    inp = write_tsv(tmp_path / "in.tsv", [("7", "Crime rose by 30 percent in 2019.", "x"), ("8", "Thanks, folks.", "y")],
                    header=("Sentence_id", "Text", "extra"), crlf=True, bom=True)
    n = predict_checkthat2024(inp, tmp_path / "pred.tsv", model=str(out))
    lines = (tmp_path / "pred.tsv").read_text().splitlines()
    assert n == 2 and lines[0] == "Sentence_id\tclass_label"
    assert [ln.split("\t")[0] for ln in lines[1:]] == ["7", "8"]
    assert all(ln.split("\t")[1] in ("Yes", "No") for ln in lines[1:])


def test_predict_errors_are_one_line(tmp_path):
    from narrascope.tasks.checkthat2024.workflow import predict_checkthat2024

    m = toy_model()
    with pytest.raises(NarrascopeError, match="missing column"):
        predict_checkthat2024(write_tsv(tmp_path / "a.tsv", [("1", "x")], header=("id", "Sentence")),
                              tmp_path / "o.tsv", model=m)
    with pytest.raises(NarrascopeError, match="no such file"):
        predict_checkthat2024(tmp_path / "missing.tsv", tmp_path / "o.tsv", model=m)
    (tmp_path / "b.tsv").write_bytes(b"\xff\xfe\x00\x01binary")
    with pytest.raises(NarrascopeError) as exc:
        predict_checkthat2024(tmp_path / "b.tsv", tmp_path / "o.tsv", model=m)
    assert "\n" not in str(exc.value)


def test_loader_repairs_joined_rows(tmp_path):
    from narrascope.tasks.checkthat2024.data import load_tsv

    p = tmp_path / "t.tsv"
    p.write_text("Sentence_id\tText\tclass_label\n1\tFirst one.\tNo2\tSecond one.\tYes\n3\t\"Quoted \"\"x\"\".\"\tNo\n")
    rows = load_tsv(p, require_labels=True)
    assert [(r.id, r.label) for r in rows] == [("1", "No"), ("2", "Yes"), ("3", "No")]
    assert rows[2].text == 'Quoted "x".'


def test_claims_analyzer_parts_and_claimant():
    from narrascope.analyzers.claims import ClaimsAnalyzer

    text = ("Bridge costs\n\nThe council spent 40 million dollars on the bridge in 2021, according to the Audit "
            "Office.\n\nThank you all, folks.\n\n\"Taxes rose by 30 percent in March,\" Maria Ivanova said.")
    from narrascope.pipeline import create_analyzer

    doc = create_analyzer("structure")(Document(text, metadata={"author": "Jan Novak"}))
    doc.add_span("quotes", text.index('"Taxes'), text.index(' Maria'), "quote",
                 attrs={"speaker": "Maria Ivanova"})
    doc = ClaimsAnalyzer(model=toy_model(), threshold=0.3)(doc)
    claims = {doc.text[s.start:s.end]: s for s in doc.spans("claims")}
    first = next(s for t, s in claims.items() if t.startswith("The council"))
    assert first.attrs["claimant"] == "the Audit Office" and first.attrs["claimant_source"] == "attribution"
    parts = first.attrs["parts"]
    assert any(q["text"].startswith("40 million") for q in parts["quantities"])
    assert [d["text"] for d in parts["dates"]] == ["2021"]
    assert parts["attributions"][0]["text"].startswith("according to")
    for group in parts.values():
        for p in group:
            assert doc.text[p["start"]:p["end"]] == p["text"]
    assert "attributes to" in first.attrs["reason"]
    quoted = next((s for t, s in claims.items() if "Taxes" in t), None)
    assert quoted is not None and quoted.attrs["claimant"] == "Maria Ivanova"
    assert all("Thank you" not in t for t in claims)
    Document.from_json(doc.to_json())


def test_claims_analyzer_author_fallback():
    from narrascope.analyzers.claims import ClaimsAnalyzer

    doc = ClaimsAnalyzer(model=toy_model(), threshold=0.0)(Document("Prices rose by 20 percent in 2020."))
    assert [s.attrs["claimant"] for s in doc.spans("claims")] == ["the author"]


@pytest.mark.skipif(not (CT24 / "CT24_checkworthy_english_dev.tsv").exists(), reason="CheckThat! 2024 data absent")
def test_shipped_models_load_and_read_the_real_files():
    from narrascope.tasks.checkthat2024.data import load_checkthat2024
    from narrascope.models.registry import load_model

    rows = load_checkthat2024(CT24, "dev")
    assert rows and all(r.label in ("Yes", "No") for r in rows)
    for mode in ("fast", "default"):
        m = load_model("checkworthiness", mode)
        assert len(m.predict([r.text for r in rows[:20]])) == 20
