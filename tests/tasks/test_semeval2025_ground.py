"""SemEval-2025 Task 10 groundwork: packaged taxonomies, the data loader, the official scorers and file formats.

Scorer tests use tiny hand-made examples with hand-computed values. Tests on the real data skip when
../shared/data is absent; no data text is stored here.
"""

from __future__ import annotations

import json
import math

import pytest
from conftest import SHARED

from narrascope.tasks.semeval2025.metrics import (
    RolePrediction,
    f1_samples,
    read_subtask1,
    read_subtask2,
    score_subtask1,
    score_subtask2,
    set_f1,
    write_subtask1,
    write_subtask2,
)
from narrascope.taxonomy import TaxonomyError, load_taxonomy

DATA = SHARED / "data" / "semeval2025_task10"
LABELS = DATA / "labels"
needs_data = pytest.mark.skipif(not (DATA / "train").is_dir(), reason="../shared/data/semeval2025_task10 is not present")


# ---------------------------------------------------------------- scorers (hand-computed)

def test_set_f1_by_hand():
    assert set_f1(["A", "B"], ["A", "C"]) == 0.5  # tp 1, 2*1/(2+2)
    assert set_f1(["A"], ["A", "A"]) == 1.0  # repeats ignored
    assert set_f1([], []) == 1.0
    assert set_f1(["A"], []) == 0.0
    assert set_f1(["A", "B", "C"], ["A"]) == 0.5  # 2*1/(3+1)


def test_subtask2_f1_samples_by_hand():
    gold = {
        "d1": (["URW: Praise of Russia", "URW: Russia is the Victim"],
               ["URW: Praise of Russia: Other", "URW: Russia is the Victim: The West is russophobic"]),
        "d2": (["Other"], ["Other"]),
        "d3": (["CC: Downplaying climate change"], ["CC: Downplaying climate change: Ice is not melting"]),
    }
    pred = {
        "d1": (["URW: Praise of Russia", "URW: Distrust towards Media"],  # coarse 0.5
               ["URW: Praise of Russia: Other"]),  # fine 2*1/(2+1) = 2/3
        "d2": (["Other"], ["Other"]),  # "Other" is an ordinary label: 1, 1
        # d3 missing: empty prediction, 0 and 0
        "extra": (["Other"], ["Other"]),  # documents not in gold are ignored
    }
    s = score_subtask2(gold, pred)
    assert s["documents"] == 3
    assert s["f1_coarse"] == pytest.approx(0.5)  # (0.5 + 1 + 0) / 3
    assert s["f1_fine"] == pytest.approx((2 / 3 + 1 + 0) / 3)  # 0.5555...
    assert s["f1_coarse_std"] == pytest.approx(math.sqrt(1 / 6))  # deviations 0, .5, -.5
    with pytest.raises(ValueError, match="no prediction"):
        score_subtask2(gold, pred, strict=True)
    assert f1_samples({}, {})["f1_samples"] == 0.0


def test_subtask2_other_subnarrative_is_not_the_narrative():
    gold = {"d": (["URW: Discrediting Ukraine"], ["URW: Discrediting Ukraine: Other"])}
    pred = {"d": (["URW: Discrediting Ukraine"], ["Other"])}
    s = score_subtask2(gold, pred)
    assert (s["f1_coarse"], s["f1_fine"]) == (1.0, 0.0)


def test_subtask1_by_hand():
    gold = {
        ("a.txt", 0, 4): RolePrediction("Alpha", "Antagonist", ("Deceiver", "Corrupt")),
        ("a.txt", 10, 13): RolePrediction("Beta", "Protagonist", ("Guardian",)),
        ("b.txt", 5, 9): RolePrediction("Gamma", "Innocent", ("Victim",)),
        ("b.txt", 20, 22): RolePrediction("Delta", "Antagonist", ("Spy",)),
    }
    pred = {
        ("a.txt", 0, 4): RolePrediction("Alpha", "Antagonist", ("Deceiver",)),
        ("a.txt", 10, 13): RolePrediction("Beta", "Protagonist", ("Guardian", "Virtuous")),
        ("b.txt", 5, 9): RolePrediction("Gamma", "Innocent", ("Victim",)),
        # Delta missing
    }
    s = score_subtask1(gold, pred)
    assert s["mentions"] == 4
    assert s["emr"] == 0.25  # only Gamma
    assert s["main_accuracy"] == 0.75
    assert s["micro_precision"] == pytest.approx(3 / 4)  # tp 3 of 4 predicted roles
    assert s["micro_recall"] == pytest.approx(3 / 5)  # tp 3 of 5 gold roles
    assert s["micro_f1"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        score_subtask1(gold, pred, strict=True)


def test_prediction_files_round_trip(tmp_path):
    sub2 = {"EN_1.txt": (["URW: Praise of Russia", "Other"], ["URW: Praise of Russia: Other", "Other"]),
            "EN_2.txt": (["CC: Amplifying Climate Fears"], ["CC: Amplifying Climate Fears: Doomsday scenarios for humans"])}
    write_subtask2(tmp_path / "s2.txt", sub2)
    assert (tmp_path / "s2.txt").read_text(encoding="utf-8").splitlines()[0] == (
        "EN_1.txt\tURW: Praise of Russia;Other\tURW: Praise of Russia: Other;Other")
    assert read_subtask2(tmp_path / "s2.txt") == sub2
    sub1 = {("EN_1.txt", 3, 9): RolePrediction("Kremlin", "Antagonist", ("Deceiver", "Foreign Adversary")),
            ("EN_1.txt", 40, 41): RolePrediction("EU", "Innocent", ("Victim",))}
    write_subtask1(tmp_path / "s1.txt", sub1)
    assert (tmp_path / "s1.txt").read_text(encoding="utf-8").splitlines()[0] == (
        "EN_1.txt\tKremlin\t3\t9\tAntagonist\tDeceiver\tForeign Adversary")
    assert read_subtask1(tmp_path / "s1.txt") == sub1
    assert score_subtask1(sub1, read_subtask1(tmp_path / "s1.txt"))["emr"] == 1.0
    (tmp_path / "bad.txt").write_text("EN_1.txt\tonly two\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.txt:1"):
        read_subtask2(tmp_path / "bad.txt")


# ---------------------------------------------------------------- taxonomies

def test_packaged_taxonomies_load_and_navigate():
    narr = load_taxonomy("semeval2025_narratives")
    assert len(narr.names("narrative")) == 22 and len(narr.names("subnarrative")) == 96
    assert all(lab.description.strip() for lab in narr.labels)
    sub = "URW: Discrediting Ukraine: Ukraine is associated with nazism"
    assert narr.parent(sub).name == "URW: Discrediting Ukraine"
    assert narr.label(sub).domain == "URW" and narr.label(sub).short_name == "Ukraine is associated with nazism"
    assert "URW: Discrediting Ukraine: Other" in [c.name for c in narr.children("URW: Discrediting Ukraine")]
    # "Other" exists on both levels: name lookups default to the coarsest level.
    assert narr.label("Other").level == "narrative"
    assert narr.parent("Other", level="subnarrative").name == "Other"
    assert narr.full_name("cc/amplifying-climate-fears") == "CC: Amplifying Climate Fears"
    for lab in narr.labels:  # official "Domain: Narrative: Sub" strings
        if lab.level == "subnarrative" and lab.domain:
            assert lab.name == f"{lab.parent}: {lab.short_name}"

    roles = load_taxonomy("semeval2025_roles")
    assert roles.names("main") == ["Protagonist", "Antagonist", "Innocent"]
    assert len(roles.names("fine")) == 22
    assert roles.parent("Foreign Adversary").name == "Antagonist"
    assert [c.name for c in roles.children("Innocent")] == ["Forgotten", "Exploited", "Victim", "Scapegoat"]
    assert roles.description("Scapegoat")
    with pytest.raises(KeyError):
        roles.label("Hero")


def test_user_taxonomy_is_validated(tmp_path):
    good = {"name": "mine", "levels": ["a", "b"], "domains": {},
            "labels": [{"id": "x", "name": "X", "parent": None, "domain": None, "level": "a", "description": "d"},
                       {"id": "x/y", "name": "Y", "parent": "X", "domain": None, "level": "b", "description": "d"}]}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(good), encoding="utf-8")
    assert load_taxonomy(path).parent("Y").name == "X"
    bad = json.loads(json.dumps(good))
    bad["labels"][1]["parent"] = "Nope"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="parent 'Nope'"):
        load_taxonomy(path)
    del bad["labels"][0]["description"]
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="lacks description"):
        load_taxonomy(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(path)
    with pytest.raises(TaxonomyError, match="not a packaged taxonomy"):
        load_taxonomy(tmp_path / "missing.json")


@pytest.mark.skipif(not LABELS.is_dir(), reason="../shared/data/semeval2025_task10/labels is not present")
def test_taxonomies_match_official_label_files():
    narr = load_taxonomy("semeval2025_narratives")
    official = json.loads((LABELS / "narratives_taxonomy.json").read_text(encoding="utf-8"))
    names = {f"{d}: {n}" for d, ns in official.items() for n in ns}
    subs = {f"{d}: {n}: {s}" for d, ns in official.items() for n, ss in ns.items() for s in [*ss, "Other"]}
    assert set(narr.names("narrative")) == names | {"Other"}
    assert set(narr.names("subnarrative")) == subs | {"Other"}
    listed_n = {x for x in (LABELS / "subtask2_narratives.txt").read_text(encoding="utf-8").splitlines() if x}
    listed_s = {x for x in (LABELS / "subtask2_subnarratives.txt").read_text(encoding="utf-8").splitlines() if x}
    assert listed_n == set(narr.names("narrative"))
    # The .txt list omits a few subnarratives that the JSON taxonomy (and the training data) has.
    assert listed_s <= set(narr.names("subnarrative"))
    roles = load_taxonomy("semeval2025_roles")
    tree = json.loads((LABELS / "entity_roles_taxonomy.json").read_text(encoding="utf-8"))
    assert roles.names("main") == [m["name"] for m in tree["children"]]
    assert roles.names("fine") == [c["name"] for m in tree["children"] for c in m["children"]]


# ---------------------------------------------------------------- loader on the real data

@pytest.fixture(scope="module")
def train():
    from narrascope.tasks.semeval2025.data import load_semeval2025

    return load_semeval2025(DATA, "train")


@needs_data
def test_train_loads_with_repaired_offsets(train):
    report = train.report
    assert dict(report.documents) == {"EN": 399, "BG": 401, "HI": 366, "PT": 400, "RU": 133}
    assert sum(report.mentions.values()) == 686 + 627 + 2331 + 1251 + 367
    assert not report.dropped and not report.missing_documents
    assert report.repairs["EN"] == 11 and report.repairs["RU"] == 303
    for s in train:
        for m in s.mentions:
            assert s.text[m.start:m.end] == m.entity, (s.doc_id, m.entity)
    en = [s for s in train if s.language == "EN"]
    assert sum(len(s.mentions) for s in en) == 686
    assert all(s.narratives for s in train)
    narr, roles = load_taxonomy("semeval2025_narratives"), load_taxonomy("semeval2025_roles")
    for s in train:
        assert all(narr.label(n, "narrative") for n in s.narratives)
        assert all(narr.label(n, "subnarrative") for n in s.subnarratives)
        for m in s.mentions:
            assert roles.label(m.main_role, "main")
            assert all(roles.parent(f, "fine").name == m.main_role for f in m.fine_roles)


@needs_data
def test_train_duplicates_are_reported(train):
    report = train.report
    assert len(report.duplicates) == 21 and len(report.conflicts) == 16
    assert all(c in report.duplicates for c in report.conflicts)


@needs_data
def test_dev_and_test_load_without_labels():
    from narrascope.tasks.semeval2025.data import load_semeval2025

    for split in ("dev", "test"):
        data = load_semeval2025(DATA, split)
        assert data and all(s.narratives is None for s in data)
        mentions = [m for s in data for m in s.mentions]
        assert mentions and all(m.main_role is None and not m.fine_roles for m in mentions)
        assert not data.report.dropped
        for s in data:
            assert all(s.text[m.start:m.end] == m.entity for m in s.mentions)
    with pytest.raises(ValueError):
        load_semeval2025(DATA, "validation")


def test_document_language_from_its_file_name_or_folder():
    # SemEval-2025's dev and test names put the language after a prefix (A9_BG_2569.txt); the encoder heads
    # read the language, so a misread name would read Bulgarian as English
    from narrascope.tasks.semeval2025.workflow import _guess_language

    assert _guess_language("A9_BG_2569.txt") == "BG"
    assert _guess_language("EN_UA_DEV_100012.txt") == "EN"
    assert _guess_language("RU-URW-1080.txt") == "RU"
    assert _guess_language("article7.txt", "/data/dev/PT/subtask-2-documents") == "PT"
    assert _guess_language("article7.txt") == "EN"
