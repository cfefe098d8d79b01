"""Narratives and entity framing: analyzers in the pipeline, train/predict/eval commands, the LLM path.

The train/predict/eval tests build a tiny SemEval-2025-shaped corpus from constructed sentences (no dataset
text), so they run without ../shared. The analyzer tests use the models shipped in the package.
"""

from __future__ import annotations

import json
import random

import pytest

from narrascope import Document, Pipeline, analyze
from narrascope.cli import main
from narrascope.taxonomy import load_taxonomy

NARR = load_taxonomy("semeval2025_narratives")
ROLES = load_taxonomy("semeval2025_roles")
# two real label paths of the taxonomy (names only)
SUB_A = next(s for s in NARR.names("subnarrative") if s.startswith("URW: Discrediting Ukraine"))
SUB_B = next(s for s in NARR.names("subnarrative") if s.startswith("CC: Criticism of climate movement"))
NARR_A, NARR_B = (NARR.parent(s, "subnarrative").name for s in (SUB_A, SUB_B))

WAR = ["The regime in Kyiv is corrupt and its generals steal the weapons aid.", "Officials in Kyiv sold tanks on the black market.",
       "The Ukrainian government lies to its own people about the front.", "Corrupt ministers in Kyiv enrich themselves from the war."]
CLIMATE = ["Climate activists glued themselves to a road again and blocked ambulances.", "The protesters from the climate movement are hypocrites who fly to conferences.",
           "Young activists threw soup at a painting in the museum.", "Climate campaigners want to ban cars while flying private jets."]
FILLER = ["The weather was mild on Tuesday.", "Markets opened slightly higher.", "A local team won the cup final.",
          "The council met to discuss the budget."]


def _doc(rng: random.Random, pool: list[str], n: int = 6) -> str:
    return "Report\n\n" + " ".join(rng.choice(pool) for _ in range(n)) + " " + " ".join(rng.sample(FILLER, 2))


@pytest.fixture(scope="module")
def toy_semeval(tmp_path_factory):
    """train/EN/raw-documents + subtask-2-annotations.txt + subtask-1-annotations.txt, SemEval layout."""
    root = tmp_path_factory.mktemp("semeval")
    base = root / "train" / "EN"
    (base / "raw-documents").mkdir(parents=True)
    rng = random.Random(7)
    st2, st1 = [], []
    for i in range(40):
        kind = i % 3
        name = f"EN_T_{i:03d}.txt"
        if kind == 0:
            text = _doc(rng, WAR)
            st2.append(f"{name}\t{NARR_A}\t{SUB_A}")
            who, main, fine = "Kyiv", "Antagonist", "Corrupt"
        elif kind == 1:
            text = _doc(rng, CLIMATE)
            st2.append(f"{name}\t{NARR_B}\t{SUB_B}")
            who, main, fine = "activists", "Antagonist", "Deceiver"
        else:
            text = "Report\n\n" + " ".join(rng.sample(FILLER, 4)) + " The mayor helped the victims of the flood."
            st2.append(f"{name}\tOther\tOther")
            who, main, fine = "mayor", "Protagonist", "Guardian"
        (base / "raw-documents" / name).write_text(text, encoding="utf-8")
        pos = text.find(who)
        if pos >= 0:
            st1.append(f"{name}\t{who}\t{pos}\t{pos + len(who) - 1}\t{main}\t{fine}")
    (base / "subtask-2-annotations.txt").write_text("\n".join(st2) + "\n", encoding="utf-8")
    (base / "subtask-1-annotations.txt").write_text("\n".join(st1) + "\n", encoding="utf-8")
    # a "dev" folder: documents and mentions only
    dev = root / "dev" / "EN"
    (dev / "subtask-2-documents").mkdir(parents=True)
    (dev / "subtask-1-documents").mkdir(parents=True)
    texts = {"EN_D_1.txt": _doc(rng, WAR), "EN_D_2.txt": _doc(rng, CLIMATE), "EN_D_3.txt": "Nothing happened at all today."}
    mentions = []
    for name, text in texts.items():
        (dev / "subtask-2-documents" / name).write_text(text, encoding="utf-8")
        (dev / "subtask-1-documents" / name).write_text(text, encoding="utf-8")
        for who in ("Kyiv", "activists"):
            pos = text.find(who)
            if pos >= 0:
                mentions.append(f"{name}\t{who}\t{pos}\t{pos + len(who) - 1}")
    (dev / "subtask-1-entity-mentions.txt").write_text("\n".join(mentions) + "\n", encoding="utf-8")
    return root


# ---- train / predict / eval on the toy corpus ---------------------------------------------------------------

@pytest.fixture(scope="module")
def toy_models(toy_semeval, tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    narr, roles = out / "narratives.joblib", out / "roles.joblib"
    assert main(["train", "narratives", "--data", str(toy_semeval), "--mode", "fast", "--out", str(narr), "--cv", "2"]) == 0
    assert main(["train", "roles", "--data", str(toy_semeval), "--mode", "fast", "--out", str(roles)]) == 0
    return narr, roles


def test_train_writes_artifact_and_card_without_text(toy_semeval, toy_models):
    narr, roles = toy_models
    for path in (narr, roles):
        card = json.loads(path.with_name(path.name.replace(".joblib", ".card.json")).read_text())
        assert card["training_data"]["split"].startswith("train")
        assert "research" in card["terms"] and card["trained"] and card["narrascope_version"]
        if path == narr:  # trained with --cv 2: the card carries the cross-validated scores
            assert 0 <= card["evaluation"]["narratives_f1_samples"]["EN"] <= 1
        blob = path.read_bytes()
        from narrascope.models import narratives, roles
        from narrascope.models.artifacts import read_artifact

        module = narratives if path == narr else roles
        _, state = read_artifact(path, module.FORMAT, (module.VERSION,))
        assert "vocabulary" not in json.dumps(sorted(map(str, state)))
        # no training sentence survives in the artifact (it is compressed: check the loaded state too)
        assert b"black market" not in blob and "black market" not in repr(state)


def test_predict_narratives_format(toy_semeval, toy_models, tmp_path):
    out = tmp_path / "st2.txt"
    docs = toy_semeval / "dev" / "EN" / "subtask-2-documents"
    assert main(["predict", "semeval2025-narratives", "--docs", str(docs), "--out", str(out),
                 "--model", str(toy_models[0])]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [x.split("\t")[0] for x in lines] == ["EN_D_1.txt", "EN_D_2.txt", "EN_D_3.txt"]
    pred = {x.split("\t")[0]: x.split("\t") for x in lines}
    assert all(len(v) == 3 for v in pred.values())
    assert NARR_A in pred["EN_D_1.txt"][1].split(";") and SUB_A in pred["EN_D_1.txt"][2].split(";")
    assert NARR_B in pred["EN_D_2.txt"][1].split(";")
    for _, narrs, subs in pred.values():  # hierarchy: every subnarrative's narrative is predicted too
        for s in subs.split(";"):
            assert s == "Other" or s.rsplit(": ", 1)[0] in narrs.split(";")


def test_predict_roles_echoes_offsets(toy_semeval, toy_models, tmp_path):
    out = tmp_path / "st1.txt"
    dev = toy_semeval / "dev" / "EN"
    assert main(["predict", "semeval2025-roles", "--docs", str(dev / "subtask-1-documents"),
                 "--mentions", str(dev / "subtask-1-entity-mentions.txt"), "--out", str(out),
                 "--model", str(toy_models[1])]) == 0
    given = (dev / "subtask-1-entity-mentions.txt").read_text().splitlines()
    got = out.read_text().splitlines()
    assert len(got) == len(given) > 0
    for g, p in zip(given, got):
        cols = p.split("\t")
        assert cols[:4] == g.split("\t")
        assert cols[4] in ROLES.names("main") and len(cols) >= 6
        assert all(c in {x.name for x in ROLES.children(cols[4], "main")} for c in cols[5:])


def test_eval_cross_validates_on_train(toy_semeval, capsys, tmp_path):
    out = tmp_path / "cv.json"
    assert main(["eval", "semeval2025", "--task", "narratives", "--data", str(toy_semeval), "--lang", "EN",
                 "--cv", "2", "--fast", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["model"]["narratives"]["EN"]["mean"] > result["other_baseline"]["narratives"]["EN"]["mean"]
    assert "F1-samples" in capsys.readouterr().out
    assert main(["eval", "semeval2025", "--task", "roles", "--data", str(toy_semeval), "--lang", "EN", "--cv", "2",
                 "--fast"]) == 0
    assert "EMR" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["eval", "semeval2025", "--task", "narratives", "--data", "/nonexistent", "--cv", "5"], "not a SemEval-2025"),
    (["eval", "semeval2025", "--task", "colours", "--data", "/nonexistent", "--cv", "5"], "not a SemEval-2025"),
    (["train", "sentiment", "--data", "/tmp"], "unknown task"),
    (["predict", "semeval2025-narratives", "--docs", "/nonexistent", "--out", "/tmp/x"], "no .txt documents"),
])
def test_bad_arguments_are_one_line_errors(argv, message, capsys):
    assert main(argv) in (2, 3)
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


# ---- the analyzers with the shipped models ------------------------------------------------------------------

ARTICLE = """Kyiv regime steals Western aid while soldiers starve

By Staff Writer

The corrupt government in Kyiv has again been caught selling weapons sent by Western taxpayers on the black market. Ministers buy villas abroad while soldiers at the front go without food.

NATO keeps sending money that vanishes. Ordinary Ukrainians are the victims of this theft, says analyst John Miller. The Kremlin has warned for months that the aid fuels corruption.
"""


@pytest.fixture(scope="module")
def article_doc():
    return analyze(ARTICLE)


@pytest.mark.parametrize("mode", ["default", "fast"])
def test_narratives_layer_with_evidence(mode):
    doc = analyze(ARTICLE, pipeline=Pipeline.default(options={"narratives": {"model": mode}, "roles": {"model": mode}}))
    groups = doc.groups["narratives"]
    assert groups, "a narrative group (or Other) is always present"
    spans = {s.id: s for s in doc.spans("narratives")}
    for g in groups:
        assert 0.0 <= g.score <= 1.0
        assert len(g.attrs["explanation"].split()) <= 80
        if g.label == "Other":
            assert g.kind == "narrative" and not g.span_ids
            continue
        assert g.label in NARR or g.label.endswith(": Other")
        if g.kind == "subnarrative":
            assert any(p.label == g.attrs["parent"] for p in groups if p.kind == "narrative")
        for sid in g.span_ids:
            s = spans[sid]
            assert s.label == g.label and doc.text[s.start:s.end].strip()
            # evidence is a sentence of the article's prose, quoted in the explanation
            assert doc.text[s.start:s.end][:30].split()[0] in g.attrs["explanation"]
    # this article is about the war: the model's best guess (a finding, or the closest label when its
    # verdict is Other) is a URW narrative, never a climate one
    top = max((g for g in groups if g.kind in ("narrative", "candidate")), key=lambda g: g.score)
    best = top.attrs["closest"]["label"] if top.label == "Other" else top.label
    assert best.startswith("URW:"), [g.label for g in groups]


def test_other_when_nothing_applies():
    doc = analyze("Recipe of the week\n\nMix flour, butter and sugar. Bake the cake for forty minutes at 180 degrees. "
                  "Serve it warm with cream and fresh strawberries from the garden.")
    groups = doc.groups["narratives"]
    # the verdict comes last, after the strongest candidates with their scores (never findings)
    assert groups[-1].label == "Other" and groups[-1].kind == "narrative", [g.label for g in groups]
    assert groups[:-1] and all(g.kind == "candidate" for g in groups[:-1])
    assert all(g.attrs["candidate_note"].startswith("candidate") for g in groups[:-1])
    assert "closest" in groups[-1].attrs


def test_roles_layer(article_doc):
    doc = article_doc
    groups = doc.groups["roles"]
    entities = {g.id: g for g in doc.groups["entities"]}
    spans = {s.id: s for s in doc.spans("roles")}
    assert groups
    for g in groups:
        assert g.label in ROLES.names("main")
        assert g.attrs["entity_id"] in entities and g.attrs["entity"] == entities[g.attrs["entity_id"]].label
        children = {c.name for c in ROLES.children(g.label, "main")}
        assert all(f["label"] in children for f in g.attrs["fine_roles"])
        assert abs(sum(g.attrs["main_scores"].values()) - 1) < 1e-3
        kinds = [spans[i].attrs["kind"] for i in g.span_ids]
        assert kinds.count("mention") == g.attrs["mentions"]
        for i in g.span_ids:
            if spans[i].attrs["kind"] == "framing_sentence":
                s = spans[i]
                mentions = [spans[j] for j in g.span_ids if spans[j].attrs["kind"] == "mention"]
                assert any(s.start <= m.start and m.end <= s.end for m in mentions)
        assert g.attrs["fine_roles"], g.attrs["entity"]  # the entity's role is carried by some mention
    title = next(s for s in doc.spans("structure") if s.label == "title")
    in_title = [g for g in groups if any(title.start <= spans[i].start < title.end for i in g.span_ids)]
    assert in_title and all(g.attrs["salient"] for g in in_title)
    assert "Staff Writer" not in {g.attrs["entity"] for g in groups}  # the byline is not framed


def test_frame_any_mention(article_doc):
    from narrascope.analyzers.roles import frame_mention

    start = ARTICLE.index("Ordinary Ukrainians")
    result = frame_mention(article_doc, start, start + len("Ordinary Ukrainians"))
    assert result["main"] in ROLES.names("main") and set(result["main_proba"]) == set(ROLES.names("main"))


def test_disabling_entities_takes_roles_with_it(capsys, tmp_path):
    src = tmp_path / "a.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "a.json"
    assert main(["analyze", str(src), "--disable", "entities", "--fast", "--quiet", "--json", str(out)]) == 0
    assert "roles is off too" in capsys.readouterr().err
    doc = Document.from_json(out.read_text())
    assert "roles" not in doc.layers and doc.groups["narratives"]


def test_reports_show_narratives_and_roles(article_doc):
    from rich.console import Console

    from narrascope.render.html import render_html
    from narrascope.render.terminal import render_terminal

    console = Console(record=True, width=160)
    render_terminal(article_doc, console)
    out = console.export_text()
    assert "Narratives" in out and "Entity framing" in out
    html = render_html([article_doc])
    assert "Who is cast as what" in html and 'data-layer="narratives"' in html and 'data-layer="roles"' in html


def test_hostile_text_in_narrative_evidence_is_escaped():
    from narrascope.render.html import render_html

    doc = analyze(ARTICLE.replace("The corrupt government", "<script>alert(1)</script> The corrupt government"))
    html = render_html([doc])
    assert "<script>alert(1)</script>" not in html


# ---- the LLM backend behind the same analyzers -----------------------------------------------------------------

def test_llm_backend_for_narratives_and_roles(tmp_path, monkeypatch):
    from llm_server import ChatServer, completion

    from narrascope.backends import LLMBackend

    for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    srv = ChatServer()
    try:
        sub = next(s for s in NARR.names("subnarrative") if s.startswith("URW: Discrediting Ukraine: Ukraine is a"))
        srv.then(body=completion({"labels": [
            {"label": sub, "evidence": ["Ministers buy villas abroad", "a sentence the article does not contain"]},
        ]}))  # (a label outside the taxonomy cannot pass the reply's JSON-schema enum: see test_llm_backend)
        srv.default = completion({"main": "Antagonist", "fine": ["Corrupt", "Guardian"],
                                  "evidence": ["The corrupt government in Kyiv"]})
        backend = LLMBackend(srv.url, "test-model", cache_dir=tmp_path / "cache", timeout=2)
        pipe = Pipeline.default(options={"narratives": {"backend": backend}, "roles": {"backend": backend}})
        doc = analyze(ARTICLE, pipeline=pipe)
    finally:
        srv.close()
    labels = {g.label: g for g in doc.groups["narratives"]}
    parent = NARR.parent(sub, "subnarrative").name
    assert set(labels) == {sub, parent}  # the parent is added
    ev = [s for s in doc.spans("narratives") if s.label == sub]
    assert [doc.text[s.start:s.end] for s in ev] == ["Ministers buy villas abroad"]
    assert doc.metadata["llm"]["rejected_quotes"] == 1
    assert doc.metadata["llm"]["rejected_labels"] >= 1  # "Guardian" is no child of Antagonist
    roles = doc.groups["roles"]
    assert roles and all(g.label == "Antagonist" for g in roles)
    assert all([f["label"] for f in g.attrs["fine_roles"]] == ["Corrupt"] for g in roles)  # Guardian is no antagonist
    assert backend.usage.requests >= 2 and backend.usage.prompt_tokens > 0


# ---- the seed articles ------------------------------------------------------------------------------------------

from conftest import needs_seeds  # noqa: E402


@needs_seeds
def test_seed_reports_show_narratives_and_roles_with_evidence(analysed_seeds):
    from narrascope.render.html import render_html

    with_evidence = 0
    for name, doc in analysed_seeds.items():
        html = render_html([doc])
        salient = [g for g in doc.groups["roles"] if g.attrs["salient"]]
        assert len(salient) >= 3, name
        assert "Who is cast as what" in html and "Narratives" in html
        # findings, or (when the verdict is Other) the strongest candidates with their scores: either way the
        # section opens with narratives, not with "Other", and their evidence is highlighted
        narratives = [g for g in doc.groups["narratives"] if g.label != "Other"]
        assert narratives and doc.groups["narratives"][0].label != "Other", name
        assert all(g.label.startswith("URW:") for g in narratives if g.kind == "narrative"), name
        for g in narratives:
            for sid in g.span_ids:
                assert sid in html  # a highlighted segment of the text refers to it
        with_evidence += any(g.span_ids for g in narratives)
    assert with_evidence >= 1
