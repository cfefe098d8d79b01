"""Label names as a reader should see them, in one place for the web UI and the renderers.

The stored labels stay the official strings (``Loaded_Language``, ``URW: Discrediting Ukraine: Ukraine is a
puppet of the West``): they are what filters, JSON and CSV carry. Only what is shown changes:

- techniques: ``Loaded_Language`` -> "Loaded language", ``Name_Calling-Labeling`` -> "Name calling / labeling"
  (underscores are spaces, hyphens between words are alternatives, sentence case);
- narratives: the domain kept as a short tag, the levels joined by " › " and the taxonomy's "Other" said in
  words (``URW: Discrediting Ukraine: Other`` -> "URW: Discrediting Ukraine › other");
- roles: the three main roles with their plain word ("Antagonist (villain)").

A label that is not an identifier (it holds a space, or no underscore or hyphen) is shown as it is.
"""

from __future__ import annotations

import re

OTHER = "Other"
# the taxonomy's "Other" narrative: the verdict when no narrative applies
OTHER_NARRATIVE_NAME = "Other (no narrative found)"
ROLE_WORDS = {"Protagonist": "hero", "Antagonist": "villain", "Innocent": "victim"}
LEVEL_SEPARATOR = " \u203a "  # " › "
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)+")


def technique_name(label: str) -> str:
    """"Loaded language" for ``Loaded_Language``, "Appeal to fear / prejudice" for ``Appeal_to_Fear-Prejudice``."""
    if not _IDENTIFIER.fullmatch(label):
        return label
    words = " / ".join(part.replace("_", " ") for part in label.split("-"))
    return words[:1].upper() + words[1:].lower()


def narrative_name(label: str) -> str:
    """"URW: Discrediting Ukraine › Ukraine is a puppet of the West" for the official
    ``URW: Discrediting Ukraine: Ukraine is a puppet of the West``; "Other (no narrative found)" for ``Other``."""
    if label == OTHER:
        return OTHER_NARRATIVE_NAME
    parts = label.split(": ")
    if len(parts) < 3:
        return label
    domain, levels = parts[0], parts[1:]
    if levels[-1] == OTHER:
        levels[-1] = "other"
    return f"{domain}: " + LEVEL_SEPARATOR.join(levels)


def role_name(role: str) -> str:
    """"Antagonist (villain)" for the three main roles, the label itself otherwise."""
    plain = ROLE_WORDS.get(role)
    return f"{role} ({plain})" if plain else role


def label_name(kind: str, label: str) -> str:
    """The shown name of a stored label of ``kind`` (a facet or label kind: narrative, technique, role, ...)."""
    if kind == "technique":
        return technique_name(label)
    if kind == "narrative":
        return narrative_name(label)
    if kind == "role":
        return role_name(label)
    return label
