"""Persuasion techniques: taxonomy, official scorers, train/predict/eval on a toy corpus, the analyzer with the
shipped models, the rhetorical-question rule, the LLM backend, reports, and the seed articles.

Every text here is written for these tests (no dataset text, no seed text)."""

from __future__ import annotations

import json

import pytest

from narrascope import Document, Pipeline, analyze
from narrascope.cli import main
from narrascope.taxonomy import TaxonomyError, load_taxonomy

ARTICLE = """Traitors in the capital sell out the nation again

The corrupt clique in the ministry has betrayed every honest worker. These shameless thieves lie, and lie, and lie again.

Why should anyone believe a government that hides its own reports? Who profits from this silence?

Experts warn that the crisis will spread to every town within weeks unless the borders are closed now.

"Is there any plan at all?" asked Maria Petrova, a teacher from the north.

The ministry published its annual budget on Tuesday. It lists spending on schools and roads.
"""


# ---- taxonomy ------------------------------------------------------------------------------------------------

def test_taxonomy_has_the_23_official_techniques_and_the_2020_mapping():
    tax = load_taxonomy("semeval2023_techniques")
    official = [lab for lab in tax.labels if lab.level == "technique" and lab.attrs.get("official", True)]
    assert len(official) == 23
    assert {lab.parent for lab in official} == {"Attack on reputation", "Justification", "Simplification",
                                                "Distraction", "Call", "Manipulative wording"}
    assert all(lab.description and lab.attrs.get("examples") for lab in official)
    ptc = tax.mappings["semeval2020_ptc"]["map"]
    assert ptc["Black-and-White_Fallacy"] == ["False_Dilemma-No_Choice"]
    assert ptc["Thought-terminating_Cliches"] == ["Conversation_Killer"]
    assert tax.label("Rhetorical_Question", "technique").attrs["official"] is False


def test_a_mapping_to_an_unknown_label_is_rejected(tmp_path):
    data = json.loads((load_taxonomy.__globals__["resources"].files("narrascope") / "data" / "taxonomies" /
                       "semeval2023_techniques.json").read_text(encoding="utf-8"))
    data["mappings"]["semeval2020_ptc"]["map"]["Doubt"] = ["No_Such_Technique"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="No_Such_Technique"):
        load_taxonomy(path)


def test_gold_label_with_a_stray_character_is_repaired():
    from narrascope.tasks.semeval2023.data import normalise_label

    assert normalise_label("Appeal_to_Fear-Prejudi-\u010dce") == "Appeal_to_Fear-Prejudice"
    assert normalise_label("Loaded_Language") == "Loaded_Language"
    assert normalise_label("Something else entirely") is None


# ---- scorers ---------------------------------------------------------------------------------------------------

def test_paragraph_micro_f1_counts_triples():
    from narrascope.tasks.semeval2023.metrics import paragraph_micro_f1

    gold = {("a", 1): ["Doubt", "Slogans"], ("a", 3): [], ("b", 1): ["Loaded_Language"]}
    pred = {("a", 1): ["Doubt"], ("a", 3): ["Repetition"], ("b", 1): ["Loaded_Language"]}
    r = paragraph_micro_f1(gold, pred)
    assert (r["tp"], r["fp"], r["fn"]) == (2, 1, 1)
    assert r["micro_f1"] == pytest.approx(2 / 3)
    assert paragraph_micro_f1(gold, pred, labels=["Doubt"])["micro_f1"] == 1.0


def test_span_f1_gives_partial_overlap_credit():
    from narrascope.tasks.semeval2023.metrics import span_f1

    gold = {"a": [("Loaded_Language", 10, 20)]}
    pred = {"a": [("Loaded_Language", 15, 25), ("Doubt", 10, 20)]}
    r = span_f1(gold, pred)
    assert r["precision"] == pytest.approx((5 / 10) / 2)
    assert r["recall"] == pytest.approx(5 / 10)
    unlabelled = span_f1(gold, pred, labelled=False)  # overlapping predictions merge into [10, 25)
    assert unlabelled["recall"] == pytest.approx(1.0) and unlabelled["precision"] == pytest.approx(10 / 15)
    doubled = span_f1(gold, {"a": [("Loaded_Language", 10, 20), ("Loaded_Language", 12, 18)]})
    assert doubled["recall"] == pytest.approx(1.0) and doubled["precision"] == pytest.approx(1.0)
    assert span_f1({}, {})["f1"] == 0.0


# ---- train / predict / eval on a toy corpus --------------------------------------------------------------------

_LOADED = ["The shameless gang of crooks", "These vile traitors", "A disgraceful, rotten deal", "The evil regime"]
_DOUBT = ["Can anyone trust the minister", "Nobody can believe the report", "Who really trusts these numbers"]
_PLAIN = ["The council met on Monday", "Rain is expected in the west", "The report has ten chapters",
          "Trains run every hour", "The museum opens at nine"]


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    import random

    rng = random.Random(3)
    root = tmp_path_factory.mktemp("toy") / "semeval2023_task3" / "en"
    (root / "train-articles-subtask-3").mkdir(parents=True)
    (root / "train-labels-subtask-3-spans").mkdir()
    paragraph_rows, template_rows = [], []
    for n in range(24):
        art_id = str(700000 + n)
        lines, labels, spans, pos = [], [], [], 0
        for k in range(6):
            kind = rng.choice(["loaded", "doubt", "plain", "plain"])
            if kind == "loaded":
                line = f"{rng.choice(_LOADED)} did it again in town {n}."
                lab = ["Loaded_Language"]
                spans.append(("Loaded_Language", pos, pos + len(line.split(" did")[0])))
            elif kind == "doubt":
                line = f"{rng.choice(_DOUBT)} about case {k}?"
                lab = ["Doubt"]
                spans.append(("Doubt", pos, pos + len(line)))
            else:
                line = f"{rng.choice(_PLAIN)} in district {k}."
                lab = []
            lines.append(line)
            labels.append(lab)
            pos += len(line) + 2
        text = "\n\n".join(lines) + "\n"
        (root / "train-articles-subtask-3" / f"article{art_id}.txt").write_text(text, encoding="utf-8")
        (root / "train-labels-subtask-3-spans" / f"article{art_id}-labels-subtask-3.txt").write_text(
            "".join(f"{art_id}\t{lab}\t{a}\t{b}\n" for lab, a, b in spans), encoding="utf-8")
        for k, (line, lab) in enumerate(zip(lines, labels)):
            paragraph_rows.append(f"{art_id}\t{2 * k + 1}\t{','.join(lab)}\n")
            template_rows.append(f"{art_id}\t{2 * k + 1}\t{line}\n")
    (root / "train-labels-subtask-3.txt").write_text("".join(paragraph_rows), encoding="utf-8")
    (root / "toy.template").write_text("".join(template_rows), encoding="utf-8")
    return root.parent.parent


@pytest.fixture(scope="module")
def toy_model(toy_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("model") / "techniques-toy.joblib"
    assert main(["train", "techniques", "--data", str(toy_data), "--out", str(out), "--mode", "fast"]) == 0
    return out


def test_train_writes_artifact_and_card_without_text(toy_model):
    card = json.loads(toy_model.with_suffix(".card.json").read_text(encoding="utf-8"))
    assert card["task"] == "techniques" and card["training_data"]["articles"] == {"en": 24}
    assert "research use only" in card["terms"]
    from narrascope.models.artifacts import read_artifact
    from narrascope.models.techniques import FORMAT, VERSION

    blob = json.dumps(read_artifact(toy_model, FORMAT, (VERSION,))[1], default=lambda o: "array")
    assert "shameless" not in blob and "council" not in blob


def test_predict_writes_one_line_per_template_row(toy_data, toy_model, tmp_path):
    folder = toy_data / "semeval2023_task3" / "en"
    out = tmp_path / "pred.txt"
    assert main(["predict", "semeval2023-techniques", "--articles", str(folder / "train-articles-subtask-3"),
                 "--template", str(folder / "toy.template"), "--out", str(out), "--model", str(toy_model)]) == 0
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    template = [line.split("\t") for line in (folder / "toy.template").read_text(encoding="utf-8").splitlines()]
    assert [r[:2] for r in rows] == [t[:2] for t in template]
    loaded = [r for r, t in zip(rows, template) if any(t[2].startswith(x) for x in _LOADED)]
    assert sum("Loaded_Language" in r[2] for r in loaded) >= len(loaded) * 0.8
    plain = [r for r, t in zip(rows, template) if any(t[2].startswith(x) for x in _PLAIN)]
    assert sum(r[2] == "" for r in plain) >= len(plain) * 0.8


def test_eval_cross_validates(toy_data, capsys, tmp_path):
    out = tmp_path / "cv.json"
    assert main(["eval", "techniques", "--data", str(toy_data), "--cv", "3", "--fast", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    en = result["languages"]["EN"]
    assert en["paragraph"]["micro_f1"] > 0.8
    assert 0 < en["span"]["f1"] <= 1
    assert "Persuasion techniques" in capsys.readouterr().out


def test_token_tagger_finds_the_loaded_phrase(toy_data, tmp_path):
    from narrascope.tasks.semeval2023.data import load_training, official_techniques
    from narrascope.models.techniques import TechniqueClassifier
    from narrascope.tasks.semeval2023.workflow import paragraphs, typical_span_words

    articles = load_training(toy_data, ("en",))
    rows = paragraphs(articles)
    model = TechniqueClassifier(labels=official_techniques(), tagger_min_spans=10, min_positives=3).fit(
        rows["text"], rows["labels"], rows["article"], is_title=rows["is_title"],
        span_words=typical_span_words(articles), spans=rows["spans"])
    assert "Loaded_Language" in model.tagged_
    text = "The evil regime did it again in town 99. Trains run every hour."
    spans = model.evidence_spans(text, "Loaded_Language", [(0, 40), (41, len(text))])
    assert any("evil regime" in text[a:b] and b <= 40 for a, b, _ in spans)
    path = tmp_path / "m.joblib"
    model.save(path)
    again = TechniqueClassifier.load(path)
    assert again.evidence_spans(text, "Loaded_Language", [(0, 40)]) == spans[:1] or again.tagged_ == model.tagged_


@pytest.mark.parametrize("argv, message", [
    (["predict", "semeval2023-techniques", "--articles", "/nonexistent", "--template", "/nonexistent", "--out", "x"],
     "not a folder"),
    (["train", "techniques", "--data", "/nonexistent", "--mode", "fast", "--out", "/tmp/x.joblib"], "semeval2023_task3"),
    (["eval", "techniques", "--cv", "1"], "at least 2"),
])
def test_bad_arguments_are_one_line_errors(argv, message, capsys):
    assert main(argv) != 0
    err = capsys.readouterr().err.strip()
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1


# ---- the analyzer with the shipped models ---------------------------------------------------------------------

@pytest.fixture(scope="module", params=["default", "fast"])
def article_doc(request):
    pipe = Pipeline.default(exclude=("narratives", "roles", "claims", "consistency"),
                            options={"techniques": {"model": request.param}})
    return analyze(ARTICLE, pipeline=pipe)


def test_technique_spans_with_reasons(article_doc):
    doc = article_doc
    spans = doc.spans("techniques")
    model_spans = [s for s in spans if s.attrs["origin"] == "model"]
    assert model_spans
    tax = load_taxonomy("semeval2023_techniques")
    for s in spans:
        assert s.label in tax and 0 <= s.start < s.end <= len(doc.text)
        assert s.attrs["reason"] and s.attrs["category"]
    for s in model_spans:
        assert s.score >= s.attrs["threshold"]
    # the insults of the second paragraph are found as phrases, not as whole paragraphs
    para = doc.text.index("The corrupt clique"), doc.text.index("Why should")
    lexical = [s for s in model_spans if s.label in ("Loaded_Language", "Name_Calling-Labeling")
               and para[0] <= s.start < para[1]]
    assert lexical and all(len(doc.text[s.start:s.end].split()) < 10 for s in lexical)  # the sentences have 10+
    assert len({(s.label, s.start, s.end) for s in spans}) == len(spans)  # no duplicate spans
    # groups: one per technique with counts; paragraph labels derive from the spans
    from narrascope.analyzers.techniques import paragraph_labels, technique_counts

    counts = technique_counts(doc)
    assert {g.label: g.attrs["count"] for g in doc.groups["techniques"]} == counts
    para = paragraph_labels(doc)
    assert {lab for _, _, labs in para for lab in labs} == set(counts)


def test_rhetorical_questions_in_the_authors_voice_only(article_doc):
    doc = article_doc
    rq = [doc.text[s.start:s.end] for s in doc.spans("techniques") if s.label == "Rhetorical_Question"]
    assert "Why should anyone believe a government that hides its own reports?" in rq
    assert "Who profits from this silence?" in rq
    assert not any("any plan at all" in q for q in rq)  # Maria Petrova's question is quoted, not the author's


def test_no_techniques_on_empty_prose():
    pipe = Pipeline.default(exclude=("narratives", "roles", "claims", "consistency"))
    doc = pipe(Document("   \n\n  "))
    assert doc.spans("techniques") == [] and doc.groups.get("techniques", []) == []


def test_reports_show_techniques_with_legend_and_counts(article_doc):
    from rich.console import Console

    from narrascope.render.html import render_html
    from narrascope.render.terminal import render_terminal

    html = render_html([article_doc])
    assert "How it persuades" in html and 'data-layer="techniques"' in html
    console = Console(record=True, width=140)
    render_terminal(article_doc, console)
    out = console.export_text()
    assert "Persuasion techniques" in out and "Rhetorical question" in out


def test_hostile_text_in_technique_spans_is_escaped():
    from narrascope.render.html import render_html

    pipe = Pipeline.default(exclude=("narratives", "roles", "claims", "consistency"), options={"techniques": {"model": "fast"}})
    doc = analyze(ARTICLE.replace("The corrupt clique", "<img src=x onerror=alert(1)> The corrupt clique"), pipeline=pipe)
    assert any(s.end > doc.text.index("<img") for s in doc.spans("techniques"))
    html = render_html([doc])
    assert "<img src=x onerror=alert(1)>" not in html


def test_llm_backend_for_techniques(tmp_path, monkeypatch):
    from llm_server import ChatServer, completion

    from narrascope.backends import LLMBackend

    for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    srv = ChatServer()
    try:
        srv.default = completion({"techniques": [
            {"technique": "Name_Calling-Labeling", "quote": "shameless thieves", "reason": "an insult as argument"},
            {"technique": "Loaded_Language", "quote": "words the article never used"},
        ]})
        backend = LLMBackend(srv.url, "test-model", cache_dir=tmp_path / "cache", timeout=2)
        pipe = Pipeline.default(exclude=("narratives", "roles", "claims", "consistency"),
                                options={"techniques": {"backend": backend}})
        doc = analyze(ARTICLE, pipeline=pipe)
    finally:
        srv.close()
    llm = [s for s in doc.spans("techniques") if s.attrs["origin"] == "llm"]
    assert [(s.label, doc.text[s.start:s.end]) for s in llm] == [("Name_Calling-Labeling", "shameless thieves")]
    assert "test-model" in llm[0].attrs["reason"]
    assert doc.metadata["llm"]["rejected_quotes"] == 1


# ---- the seed articles --------------------------------------------------------------------------------------

from conftest import needs_seeds  # noqa: E402


@needs_seeds
def test_seed_titles_and_rhetorical_questions_are_highlighted(analysed_seeds):
    from narrascope.render.html import render_html

    titles_flagged = 0
    for name, doc in analysed_seeds.items():
        title = next(s for s in doc.spans("structure") if s.label == "title")
        spans = doc.spans("techniques")
        assert [s for s in spans if s.attrs["origin"] == "model" and s.label == "Loaded_Language"], name
        titles_flagged += any(s.start < title.end and title.start < s.end and s.attrs["origin"] == "model"
                              for s in spans)
        questions = [s for s in spans if s.label == "Rhetorical_Question"]
        assert questions, f"{name}: no rhetorical question"
        assert all(doc.text[s.start:s.end].rstrip().endswith("?") for s in questions)
        assert "How it persuades" in render_html([doc])
    # The model flags one of the two titles; the other ("... stabs Russia in the back") stays below its
    # threshold: an honest miss, reported in the README, not patched with a rule.
    assert titles_flagged >= 1
