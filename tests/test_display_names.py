"""Label names as shown (narrascope.display_names): techniques, narratives, roles; stored labels unchanged."""

from __future__ import annotations

import pytest

from narrascope.display_names import label_name, narrative_name, role_name, technique_name
from narrascope.taxonomy import load_taxonomy


@pytest.mark.parametrize("raw, shown", [
    ("Loaded_Language", "Loaded language"),
    ("Name_Calling-Labeling", "Name calling / labeling"),
    ("Appeal_to_Fear-Prejudice", "Appeal to fear / prejudice"),
    ("Obfuscation-Vagueness-Confusion", "Obfuscation / vagueness / confusion"),
    ("Whataboutism", "Whataboutism"),
    ("Rhetorical_Question", "Rhetorical question"),
    ("A technique written in words", "A technique written in words"),  # not an identifier: as it is
])
def test_technique_names(raw, shown):
    assert technique_name(raw) == shown


def test_every_packaged_technique_reads_as_words():
    for raw in load_taxonomy("semeval2023_techniques").names("technique"):
        shown = technique_name(raw)
        assert "_" not in shown and not any(c.isupper() for c in shown[1:]), (raw, shown)


@pytest.mark.parametrize("raw, shown", [
    ("URW: Discrediting Ukraine: Ukraine is a puppet of the West", "URW: Discrediting Ukraine \u203a Ukraine is a puppet of the West"),
    ("URW: Discrediting Ukraine: Other", "URW: Discrediting Ukraine \u203a other"),
    ("URW: Discrediting Ukraine", "URW: Discrediting Ukraine"),
    ("Other", "Other (no narrative found)"),
    ("Blaming others", "Blaming others"),
])
def test_narrative_names(raw, shown):
    assert narrative_name(raw) == shown


def test_packaged_narratives_stay_distinct_once_shown():
    names = load_taxonomy("semeval2025_narratives").names()
    assert len({narrative_name(n) for n in names}) == len(set(names))


def test_roles_and_label_name():
    assert role_name("Antagonist") == "Antagonist (villain)" and role_name("Guardian") == "Guardian"
    assert label_name("technique", "Loaded_Language") == "Loaded language"
    assert label_name("narrative", "Other") == "Other (no narrative found)"
    assert label_name("role", "Innocent") == "Innocent (victim)"
    assert label_name("entity", "Jean-Luc_Picard") == "Jean-Luc_Picard"  # entities and sources as stored
