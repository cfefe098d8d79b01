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
