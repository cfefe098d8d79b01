"""Near-duplicate clusters: planted families of copies and light edits, unrelated texts, the earliest copy as
the probable original, and the pairwise scorer. Texts are generated here from a made-up vocabulary."""

from __future__ import annotations

import random

import pytest

from narrascope.clusters import near_duplicate_clusters, pairwise_scores, shingles

WORDS = ("harbour council ferry timber quarry lantern valley orchard signal meadow copper river bridge "
         "market festival engine railway station tunnel harvest weather schedule workers union strike "
         "budget museum library garden island north south east west morning evening report minister").split()


def _text(rng: random.Random, n: int = 90) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def _edit(rng: random.Random, text: str, changes: int = 3) -> str:
    words = text.split()
    for _ in range(changes):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words) + " Reposted with a new closing line."


def test_planted_families_are_found_with_the_earliest_as_original():
    rng = random.Random(7)
    items, truth = [], {}
    for fam in range(5):
        base = _text(rng)
        for copy in range(3):
            doc_id = f"f{fam}c{copy}"
            text = base if copy == 0 else _edit(rng, base)
            items.append((doc_id, text, f"2024-05-{10 + 3 - copy:02d}"))  # the last copy is the earliest
            truth[doc_id] = f"f{fam}"
    for k in range(20):
        items.append((f"u{k}", _text(rng), "2024-05-01"))
    rng.shuffle(items)
    clusters = near_duplicate_clusters(items, threshold=0.5)
    assert len(clusters) == 5
    for c in clusters:
        fam = truth[c.original]
        assert sorted(c.members) == sorted(f"{fam}c{i}" for i in range(3))
        assert c.original == f"{fam}c2"  # dated 2024-05-11, earlier than c1 (12th) and c0 (13th)
        assert all(j >= 0.5 for j in c.similarity.values())
    scores = pairwise_scores(clusters, truth)
    assert scores["precision"] == 1.0 and scores["recall"] == 1.0


def test_unrelated_texts_make_no_cluster_and_ids_must_be_unique():
    rng = random.Random(3)
    assert near_duplicate_clusters([(f"d{i}", _text(rng), None) for i in range(30)]) == []
    with pytest.raises(ValueError, match="duplicate id"):
        near_duplicate_clusters([("a", "one two three four five six", None), ("a", "x y z", None)])
    with pytest.raises(ValueError, match="threshold"):
        near_duplicate_clusters([], threshold=1.5)


def test_short_texts_and_empty_texts():
    assert shingles("Breaking news") == {b"breaking news"}
    assert shingles("   ") == set()
    clusters = near_duplicate_clusters([("a", "Port closed today", "2024-01-02"), ("b", "Port closed today!", "2024-01-01"),
                                        ("c", "", None)])
    assert len(clusters) == 1 and clusters[0].original == "b" and clusters[0].members == ["b", "a"]


def test_pairwise_scores_count_pairs():
    from narrascope.clusters import Cluster

    truth = {"a": "F", "b": "F", "c": "F", "d": "G", "e": "G"}
    clusters = [Cluster(["a", "b"], "a"), Cluster(["c", "d"], "c")]
    s = pairwise_scores(clusters, truth)
    assert s["true_pairs"] == 4 and s["predicted_pairs"] == 2
    assert s["precision"] == pytest.approx(0.5) and s["recall"] == pytest.approx(0.25)


# -- cross-language copies ------------------------------------------------------------------------------

from narrascope.clusters import cross_language_clusters, document_anchors  # noqa: E402
from narrascope.model import Document  # noqa: E402

EN = ("Harbour strike: 1,250 dockers walk out in Odessa. Union leader Viktor Marchenko said 37 ships were "
      "waiting and losses reached 4.5 million hryvnias a day. Details: https://portnews.example/strike/2024")
RU = ("Забастовка в порту: 1 250 докеров покинули работу в Одессе. Лидер профсоюза Виктор Марченко заявил, что "
      "37 судов ждут разгрузки, а потери достигли 4,5 миллиона гривен в день. Подробнее: https://portnews.example/strike/2024/")
RU_OTHER = ("Забастовка в порту Одессы продолжается. Лидер профсоюза Виктор Марченко заявил, что 12 судов ждут, "
            "а 800 докеров вышли на работу. Источник: https://othernews.example/a")


def _doc(text: str, lang: str, published: str | None = "2024-03-01") -> Document:
    meta = {"language": lang}
    if published:
        meta["published"] = published
    return Document(text, metadata=meta)


def test_anchors_survive_translation():
    en, ru = document_anchors(_doc(EN, "en")), document_anchors(_doc(RU, "ru"))
    shared = set(en) & set(ru)
    assert {"#1250", "#37", "#4.5", "/portnews.example/strike/2024", "@march", "@odess"} <= shared
    assert "#1" not in en  # single digits say nothing


def test_translation_is_linked_and_same_topic_is_not():
    en, ru, other = _doc(EN, "en", "2024-03-02"), _doc(RU, "ru", "2024-03-01"), _doc(RU_OTHER, "uk")
    noise = [_doc(f"Market report number {i}: prices of {100 + i} goods rose in Lviv and Kharkiv.", "en") for i in range(30)]
    clusters = cross_language_clusters([en, ru, other, *noise])
    assert len(clusters) == 1
    c = clusters[0]
    assert c.members == [ru.id, en.id] and c.original == ru.id  # the earlier one
    evidence = c.evidence[next(iter(c.evidence))]
    assert any("1,250" in e and "1 250" in e for e in evidence) and c.to_dict()["pairs"][0]["anchor_score"] >= 0.3


def test_cross_language_needs_different_languages_and_close_dates():
    assert cross_language_clusters([_doc(EN, "en"), _doc(EN + " Updated.", "en")]) == []
    assert cross_language_clusters([_doc(EN, "en", "2020-01-01"), _doc(RU, "ru", "2024-03-01")]) == []
    assert cross_language_clusters([_doc(EN, "en"), _doc(RU, "ru", None)])  # undated: not excluded
    assert cross_language_clusters([_doc(EN, None), _doc(RU, "ru")]) == []  # unknown language: not compared


def test_small_numbers_and_years_do_not_make_a_copy():
    """Same topic, shared years and two-digit figures, shared names: not a translation of one text."""
    en = _doc("In 2019 and 2021 the Odessa union counted 46 strikes and 44 protests; Marchenko spoke twice.", "en")
    ru = _doc("В 2019 и 2021 годах профсоюз Одессы провёл 46 забастовок и 44 протеста, Марченко выступал дважды.", "ru")
    assert cross_language_clusters([en, ru]) == []
