"""A toy copy of both training data sets, in their distributed layouts, written for the tests (no data set text).

A module the tests import the fixture from, not a conftest.py: a second conftest.py would shadow
`from conftest import ...` in every test collected after it (pytest puts its folder first on sys.path)."""

from __future__ import annotations

import random

import pytest

PEOPLE = [("Varnatown", "Antagonist", "Instigator"), ("Coastal Union", "Innocent", "Victim"),
          ("Lake Council", "Protagonist", "Peacemaker")]
FRAMES = {"Antagonist": "{e} blocked the harbour and threatened the fishermen again.",
          "Innocent": "{e} lost its boats and its income in the storm.",
          "Protagonist": "{e} brought both sides to the table and calmed the dispute."}
FILLER = ["The weather was mild on Tuesday.", "Markets opened slightly higher.", "A local team won the cup final.",
          "The council met to discuss the budget.", "Trains ran on time for most of the week."]
YES = ["Exports rose by {n} percent in {y}.", "The city spent {n} million dollars on the bridge in {y}.",
       "According to the ministry, {n} workers lost their jobs in {y}."]
NO = ["Thank you all for coming tonight.", "I think we can do better, folks.", "Let me say something about hope."]


@pytest.fixture(scope="session")
def toy_tasks(tmp_path_factory):
    """``(semeval root, checkthat folder)``: 24 documents in EN and BG with mentions, 240 debate sentences."""
    root = tmp_path_factory.mktemp("toy_data")
    semeval = root / "semeval2025_task10"
    rng = random.Random(3)
    for lang in ("EN", "BG"):
        base = semeval / "train" / lang
        (base / "raw-documents").mkdir(parents=True)
        rows = []
        for i in range(12):
            name = f"{lang}_{i:03d}.txt"
            parts, mentions = [], []
            for k in range(rng.randint(3, 25)):
                if k % 4 == 1:
                    who, main, fine = rng.choice(PEOPLE)
                    sentence = FRAMES[main].format(e=who)
                    start = len(" ".join(parts)) + (1 if parts else 0)
                    mentions.append((who, start, main, fine))
                    parts.append(sentence)
                else:
                    parts.append(rng.choice(FILLER))
            text = " ".join(parts)
            (base / "raw-documents" / name).write_text(text, encoding="utf-8")
            for who, start, main, fine in mentions:
                assert text[start:start + len(who)] == who
                rows.append(f"{name}\t{who}\t{start}\t{start + len(who) - 1}\t{main}\t{fine}")
        (base / "subtask-1-annotations.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    checkthat = root / "checkthat2024_task1_en"
    checkthat.mkdir()
    lines = ["Sentence_id\tText\tclass_label"]
    for i in range(240):
        sid = 1000 + i + (500 if i >= 120 else 0)  # two debates
        if rng.random() < 0.4:
            lines.append(f"{sid}\t{rng.choice(YES).format(n=rng.randint(2, 90), y=rng.randint(1990, 2020))}\tYes")
        else:
            lines.append(f"{sid}\t{rng.choice(NO)}\tNo")
    (checkthat / "CT24_checkworthy_english_train.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dev = ["Sentence_id\tText\tclass_label", "9001\tExports rose by 12 percent in 2011.\tYes",
           "9003\tThank you all for coming tonight.\tNo"]
    (checkthat / "CT24_checkworthy_english_dev.tsv").write_text("\n".join(dev) + "\n", encoding="utf-8")
    return semeval, checkthat
