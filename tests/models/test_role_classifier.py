"""RoleClassifier and the document-grouped role cross-validation, on synthetic mentions made here."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("sklearn")

from conftest import SHARED  # noqa: E402

from narrascope.tasks.semeval2025.crossval import cross_validate_roles, mention_table  # noqa: E402
from narrascope.models.artifacts import read_artifact, write_artifact  # noqa: E402
from narrascope.models.roles import FORMAT, RoleClassifier, sentence_bounds  # noqa: E402
from narrascope.taxonomy import load_taxonomy  # noqa: E402

DATA = SHARED / "data" / "semeval2025_task10"

# Made-up cue words that precede a mention and signal its (main, fines).
CUES = {
    ("Protagonist", ("Guardian",)): "zorblat quimbex",
    ("Protagonist", ("Peacemaker",)): "varnok plimzo",
    ("Antagonist", ("Instigator",)): "trudex kalvor",
    ("Antagonist", ("Corrupt", "Deceiver")): "mendrik sollopa",
    ("Antagonist", ("Terrorist",)): "gravunt hessiko",
    ("Innocent", ("Victim",)): "flonquist yarvedo",
}
NAMES = "Alderan Bexfield Corvina Dunmore Elsworth Fenwick Garrowby Halloran".split()
FILLER = "the a of and in to with on for at by from news report today people".split()


def _sentence(rng: random.Random, cue: str, name: str) -> tuple[str, int]:
    before = " ".join(rng.choice(FILLER) for _ in range(rng.randint(2, 6)))
    after = " ".join(rng.choice(FILLER) for _ in range(rng.randint(2, 6)))
    head = f"{before} {cue} "
    return f"{head}{name} {after}.", len(head)


def _documents(n_docs: int = 60, seed: int = 1):
    """``[(doc_id, text, [(start, end, main, fines), ...])]`` with 3 mentions per document, one per sentence."""
    rng = random.Random(seed)
    labels = list(CUES)
    docs = []
    for d in range(n_docs):
        parts, mentions, offset = [], [], 0
        for k in range(3):
            main, fines = labels[(d * 3 + k) % len(labels)]
            name = rng.choice(NAMES)
            sent, at = _sentence(rng, CUES[(main, fines)], name)
            mentions.append((offset + at, offset + at + len(name), main, list(fines)))
            parts.append(sent)
            offset += len(sent) + 1
        docs.append((f"doc{d}", " ".join(parts), mentions))
    return docs


def _items(docs):
    return [(text, s, e, m, f) for _, text, ms in docs for s, e, m, f in ms]


@pytest.fixture(scope="module")
def trained():
    docs = _documents()
    items = _items(docs)
    clf = RoleClassifier(n_features=2**14, seed=0).fit(items, languages=["EN"] * len(items))
    return clf, docs, items


def test_learns_context_cues(trained):
    clf, _, _ = trained
    test_items = _items(_documents(20, seed=7))
    pred = clf.predict([it[:3] for it in test_items], languages=["EN"] * len(test_items))
    main_acc = np.mean([p[0] == it[3] for p, it in zip(pred, test_items)])
    emr = np.mean([set(p[1]) == set(it[4]) for p, it in zip(pred, test_items)])
    assert main_acc >= 0.95
    assert emr >= 0.9  # includes the two-role (Corrupt + Deceiver) cue: the ratio threshold must admit a 2nd role
    assert clf.ratio_ < 1.0


def test_fine_roles_belong_to_main(trained):
    clf, _, items = trained
    tax = load_taxonomy("semeval2025_roles")
    # odd inputs too: an empty context and a mention at the very start / end of a text
    odd = [("Alderan", 0, 7), ("nothing here", 0, 0), ("x " * 50 + "Bexfield", 100, 108)]
    scored = clf.predict_scored([it[:3] for it in items] + odd)
    for s in scored:
        assert s["fine"], s
        assert all(tax.parent(f, "fine").name == s["main"] for f in s["fine"])
        assert set(s["fine_proba"]) <= {c.name for c in tax.children(s["main"], "main")}
        assert abs(sum(s["main_proba"].values()) - 1) < 1e-6
    pm, pf, names = clf.predict_proba([it[:3] for it in items[:5]])
    assert pm.shape == (5, 3) and pf.shape == (5, len(names))
    assert np.allclose(pf.sum(1), 1.0)


def test_deterministic(trained):
    clf, _, items = trained
    again = RoleClassifier(n_features=2**14, seed=0).fit(items, languages=["EN"] * len(items))
    assert again.ratio_ == clf.ratio_
    assert np.array_equal(again.params_["main"]["coef"], clf.params_["main"]["coef"])


def test_rejects_inconsistent_labels():
    with pytest.raises(ValueError, match="not under main role"):
        RoleClassifier(n_features=2**10).fit([("a b c", 0, 1, "Innocent", ["Guardian"])])


def test_save_load_round_trip_without_text(trained, tmp_path):
    clf, docs, items = trained
    path = tmp_path / "roles.npz"
    clf.save(path)
    loaded = RoleClassifier.load(path)
    query = [it[:3] for it in items]
    assert loaded.predict(query) == clf.predict(query)
    assert loaded.predict_scored(query[:5]) == clf.predict_scored(query[:5])
    assert loaded.taxonomy_name_ == "semeval2025_roles" and loaded.languages_ == ["EN"] and loaded.trained_
    plain = tmp_path / "plain.npz"
    with np.load(path) as archive:  # uncompressed, so the grep sees every byte
        np.savez(plain, **{k: archive[k] for k in archive.files})
    words = {w for _, text, _ in docs for w in text.replace(".", " ").split() if len(w) >= 4}
    for raw in (path.read_bytes(), plain.read_bytes()):
        for w in words:
            assert w.encode() not in raw, w


def test_sentence_bounds():
    text = "First one. Second has Name here! Third."
    s, e = sentence_bounds(text, text.index("Name"), text.index("Name") + 4)
    assert text[s:e].strip() == "Second has Name here!"


def test_cv_keeps_documents_and_duplicates_in_one_fold():
    docs = _documents(40, seed=3)
    samples = [SimpleNamespace(doc_id=d, language="EN" if i % 2 else "BG", text=t,
                               mentions=[SimpleNamespace(start=s, end=e, main_role=m, fine_roles=f) for s, e, m, f in ms])
               for i, (d, t, ms) in enumerate(docs)]
    # a duplicate of document 0 under another id (identical text up to surrounding whitespace)
    samples.append(SimpleNamespace(doc_id="dup0", language="EN", text=docs[0][1] + "\n", mentions=samples[0].mentions))
    result = cross_validate_roles(samples, folds=4, seed=0, n_features=2**12)
    rows = mention_table(samples)
    folds = result["mention_folds"]
    by_doc: dict[int, set] = {}
    for r, f in zip(rows, folds):
        by_doc.setdefault(r["sample"], set()).add(f)
    assert all(len(v) == 1 for v in by_doc.values())
    assert by_doc[0] == by_doc[len(samples) - 1]
    assert set(folds) == {0, 1, 2, 3}
    for name in ("model", "majority", "majority_language"):
        assert set(result[name]["emr"]) == {"BG", "EN", "ALL"}
    assert result["model"]["emr"]["ALL"]["mean"] > result["majority"]["emr"]["ALL"]["mean"]


@pytest.mark.skipif(not (DATA / "train").is_dir(), reason="../shared/data/semeval2025_task10 is not present")
def test_real_data_mentions_sit_in_one_fold():
    from narrascope.tasks.semeval2025.data import load_semeval2025
    from narrascope.tasks.semeval2025.crossval import mention_table as table
    from narrascope.models.training import group_folds, text_key

    data = load_semeval2025(DATA, "train", languages=("EN",))
    rows = table(data)
    assert rows and all(r["item"][0][r["item"][1]:r["item"][2]] for r in rows)
    folds = group_folds([r["key"] for r in rows], 5, 0)
    seen: dict[str, int] = {}
    for r, f in zip(rows, folds):
        assert seen.setdefault(text_key(data[r["sample"]].text), f) == f


def test_position_tokens_stay_in_the_sentence():
    clf = RoleClassifier(n_features=2**12, positions=2)
    text = "Earlier words here. Then by Alderan attacked the town. Later."
    start = text.index("Alderan")
    ctx = clf.contexts([(text, start, start + 7)])
    toks = ctx["position"][0].split()
    assert "l1=by" in toks and "l2=then" in toks and "r1=attacked" in toks and "r2=the" in toks
    assert "l21=then_by" in toks and "r12=attacked_the" in toks and "spos=2" in toks
    assert not any("here" in t or "earlier" in t for t in toks)  # the previous sentence is not used
    first = clf.contexts([(text, 0, 7)])["position"][0].split()
    assert "l1=<s>" in first and "spos=0" in first


def test_other_mentions_and_document_blocks():
    clf = RoleClassifier(n_features=2**12, others_window=10, doc_chars=20)
    text = "Alderan Bexfield spoke. Later Bexfield left town. Alderan Bexfield won."
    ctx = clf.contexts([(text, 0, 16)])
    assert "spoke" not in ctx["others"][0].split()  # its own occurrence is skipped
    assert "won" in ctx["others"][0] and "Later" in ctx["others"][0]  # the same string and its last word elsewhere
    assert ctx["document"][0] == text[:20]
    assert clf.blocks()[-2:] == ("others", "document")
    X = clf.hash_counts([(text, 0, 16)], ["EN"])
    assert X.shape == (1, 2**12 * len(clf.blocks()))


@pytest.mark.parametrize("options", [{"positions": 3, "others_window": 30, "doc_chars": 200},
                                     {"main_mix": 0.5}, {"joint_decode": True}])
def test_options_learn_and_round_trip(trained, options, tmp_path):
    _, _, items = trained
    clf = RoleClassifier(n_features=2**14, seed=0, **options).fit(items, languages=["EN"] * len(items))
    test_items = _items(_documents(20, seed=7))
    pred = clf.predict([it[:3] for it in test_items], languages=["EN"] * len(test_items))
    assert np.mean([p[0] == it[3] for p, it in zip(pred, test_items)]) >= 0.9
    clf.save(tmp_path / "m.npz")
    loaded = RoleClassifier.load(tmp_path / "m.npz")
    assert loaded.predict([it[:3] for it in test_items[:10]]) == pred[:10]


def test_loads_version_1_files_without_the_new_blocks(trained, tmp_path):
    clf, _, items = trained
    path = tmp_path / "v1.npz"
    clf.save(path)
    _, state = read_artifact(path, FORMAT, (2,))
    for k in ("positions", "others_window", "doc_chars", "main_mix", "joint_decode"):
        state["params"].pop(k)
    for k in ("flat", "flat_parent"):
        state.pop(k)
    write_artifact(path, FORMAT, 1, state)
    loaded = RoleClassifier.load(path)
    assert loaded.blocks() == ("left", "right", "sentence", "mention_word", "mention_char", "language")
