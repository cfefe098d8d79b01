"""The report's opening paragraph: a few plain sentences assembled from an analysed Document's findings.

``summarise(doc)`` returns :class:`Statement` objects in reading order: where the article comes from (its
original source, the aggregator that hosts it, traces of machine translation, and the outlets it names when
an outlets file was given), the narratives it pushes, who it casts as hero, villain or victim, its strongest
persuasion techniques, and the claims worth checking. Each statement names the report section
(``anchor``) that holds its evidence, so the HTML report can link it (``#d<index>-<anchor>``) and the
terminal report can print it as it is.

The sentences are plain text (renderers escape them like any article text: names and phrases in them come
from the article). They never state more than the findings do: a low-scoring or below-threshold narrative is
worded as weak or as a candidate, and a role whose score sits near its training prior is left out.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from ..display_names import technique_name
from ..model import Document, Group

__all__ = ["Statement", "summarise", "ROLE_WORDS", "WEAK_NARRATIVE_SCORE"]

# Below this calibrated confidence a narrative that passed its threshold is still called a weak signal.
WEAK_NARRATIVE_SCORE = 0.5
# How the three main roles read in plain words.
ROLE_WORDS = {"Protagonist": "hero", "Antagonist": "villain", "Innocent": "victim"}
_ROLE_PLURALS = {"hero": "heroes", "villain": "villains", "victim": "victims"}
ROLES_PER_KIND = 2  # entities named per role
TOP_TECHNIQUES = 3
TOP_CLAIMS = 2
PHRASE_CHARS = 60  # an example phrase of a technique
CLAIM_CHARS = 140
NAME_CHARS = 60


@dataclass(frozen=True)
class Statement:
    """One sentence of the summary. ``topic`` says what it is about ("provenance", "outlets",
    "narratives", "roles", "techniques", "claims"); ``anchor`` names the report section with its evidence."""

    topic: str
    text: str
    anchor: str

    @property
    def lead(self) -> str:
        """The words before the first colon ("Narratives"), which renderers may set in bold."""
        return self.text.split(": ", 1)[0] if ": " in self.text else ""

    @property
    def body(self) -> str:
        return self.text.split(": ", 1)[1] if ": " in self.text else self.text

    def to_dict(self) -> dict[str, str]:
        return {"topic": self.topic, "text": self.text, "anchor": self.anchor, "lead": self.lead, "body": self.body}


# -- small helpers -------------------------------------------------------------------------------------------
def _clip(text: Any, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters (an ellipsis shows where)."""
    s = " ".join(str(text).split())
    if len(s) <= limit:
        return s
    cut = s[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "\u2026"


_QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e"


def _q(text: Any, limit: int = NAME_CHARS) -> str:
    """``text`` in curly quotes, without the quote marks it may already carry."""
    return "\u201c" + _clip(str(text).strip().strip(_QUOTE_MARKS).strip(), limit) + "\u201d"


def _score(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _attrs(obj: Any) -> dict[str, Any]:
    attrs = getattr(obj, "attrs", None)
    return attrs if isinstance(attrs, dict) else {}


def _short_label(label: str) -> str:
    """The last level of a "Domain: Narrative: Subnarrative" name."""
    return str(label).rsplit(": ", 1)[-1]


def _ran(doc: Document, analyzer: str) -> bool:
    """Whether ``analyzer`` ran on ``doc`` (so that finding nothing means something)."""
    if analyzer in doc.layers:
        return True
    pipeline = doc.metadata.get("pipeline") if isinstance(doc.metadata, dict) else None
    return isinstance(pipeline, list) and any(isinstance(p, dict) and p.get("name") == analyzer for p in pipeline)


# -- the statements ------------------------------------------------------------------------------------------
def _provenance(doc: Document) -> list[Statement]:
    meta = doc.metadata if isinstance(doc.metadata, dict) else {}
    prov = meta.get("provenance") if isinstance(meta.get("provenance"), dict) else {}
    parts: list[str] = []
    original = prov.get("original_source_domain") or prov.get("original_source_url") or meta.get("source_url")
    aggregator = prov.get("aggregator")
    if original and aggregator:
        parts.append(f"the original it names is on {_clip(original, NAME_CHARS)}, the news aggregator "
                     f"{_clip(aggregator, NAME_CHARS)}, not a primary outlet")
    elif original:
        parts.append(f"it names its original source, {_clip(original, NAME_CHARS)}")
    elif aggregator:
        parts.append(f"it comes through the news aggregator {_clip(aggregator, NAME_CHARS)}")
    elif _ran(doc, "provenance"):
        parts.append("it names no original source")
    residue = Counter(str(s.label).replace("_", " ") for s in doc.spans("mt_residue"))
    if residue:
        kinds = _and([f"{label} \u00d7{n}" if n > 1 else label for label, n in residue.most_common(3)])
        parts.append(f"it shows {_plural(sum(residue.values()), 'trace')} of machine translation ({kinds})")
    elif _ran(doc, "mt_residue"):
        parts.append("it shows no trace of machine translation")
    cited = doc.groups.get("cited_sources", [])
    if cited:
        names = [_clip(g.label, 40) for g in sorted(cited, key=lambda g: -len(g.span_ids))[:3]]
        more = ", \u2026" if len(cited) > 3 else ""
        parts.append(f"it cites {_plural(len(cited), 'source')} ({_and(names)}{more})")
    if not parts:
        return []
    text = "Source: " + "; ".join(parts) + "."
    return [Statement("provenance", text, "provenance")]


def _outlets(doc: Document) -> list[Statement]:
    """The outlets the article names, with their labels (only when an outlets file was given)."""
    outlets = [g for g in doc.groups.get("outlets", []) if isinstance(_attrs(g).get("outlet") or g.label, str)]
    if not outlets:
        return []
    labelled = [g for g in outlets if _attrs(g).get("labels")]
    shown = (labelled or outlets)[:3]
    items = []
    for g in shown:
        a = _attrs(g)
        name = _clip(a.get("outlet") or g.label, NAME_CHARS)
        labels = [str(x) for x in a.get("labels") or [] if str(x).strip()] if isinstance(a.get("labels"), list) else []
        items.append(f"{name} ({_clip('; '.join(labels), 120)})" if labels else name)
    more = len(outlets) - len(shown)
    tail = f" and {_plural(more, 'other')}" if more > 0 else ""
    verb = "Outlets with labels in your outlets file" if labelled else "Outlets from your outlets file"
    return [Statement("outlets", f"{verb}: {_and(items)}{tail}.", "provenance")]


def _narratives(doc: Document) -> list[Statement]:
    groups = doc.groups.get("narratives", [])
    if not groups:
        return []
    found = [g for g in groups if g.kind in ("narrative", "subnarrative") and g.label != "Other"]
    if not found:
        candidates = sorted((g for g in groups if g.kind == "candidate"), key=lambda g: -(_score(g.score) or 0.0))
        if candidates:
            names = _and([f"{_q(_short_label(g.label))} ({_score(g.score) or 0.0:.2f})" for g in candidates[:2]])
            text = f"Narratives: none clears its threshold (verdict \u201cOther\u201d); the nearest candidates are {names}."
        else:
            text = "Narratives: none of the taxonomy's narratives applies (verdict \u201cOther\u201d)."
        return [Statement("narratives", text, "narratives")]
    tops = sorted((g for g in found if g.kind == "narrative"), key=lambda g: -(_score(g.score) or 0.0))[:2]
    subs = sorted((g for g in found if g.kind == "subnarrative" and not g.label.endswith(": Other")),
                  key=lambda g: -(_score(g.score) or 0.0))
    items = []
    for g in tops or subs[:2]:
        s = _score(g.score)
        weak = s is not None and s < WEAK_NARRATIVE_SCORE
        items.append(f"{_q(_short_label(g.label))} ({'weak, ' if weak else ''}confidence {s:.2f})" if s is not None
                     else _q(_short_label(g.label)))
    weak_all = all((_score(g.score) or 0.0) < WEAK_NARRATIVE_SCORE for g in (tops or subs[:2]))
    verb = "it may push" if weak_all else "it pushes"
    text = f"Narratives: {verb} {_and(items)}"
    if tops and subs:
        text += f", chiefly that {_q(_short_label(subs[0].label))}"
    if weak_all:
        text += "; a weak signal, worth a reader's check"
    return [Statement("narratives", text + ".", "narratives")]


def _roles(doc: Document) -> list[Statement]:
    groups = [g for g in doc.groups.get("roles", []) if g.label in ROLE_WORDS]
    if not groups:
        return []
    certain = [g for g in groups if _attrs(g).get("uncertain") is not True]
    salient = [g for g in certain if _attrs(g).get("salient")] or certain
    uncertain = len(groups) - len(certain)

    def mentions(g: Group) -> int:
        n = _attrs(g).get("mentions")
        return n if isinstance(n, int) and not isinstance(n, bool) else len(g.span_ids)

    cast = []
    for role, word in ROLE_WORDS.items():
        who = sorted((g for g in salient if g.label == role), key=lambda g: (-mentions(g), -(_score(g.score) or 0.0)))
        names = []
        for g in who:
            name = _clip(_attrs(g).get("entity") or g.kind or "?", NAME_CHARS)
            if name not in names:
                names.append(name)
        if names:
            listed = names[:ROLES_PER_KIND] + ([_plural(len(names) - ROLES_PER_KIND, "more")] if len(names) > ROLES_PER_KIND else [])
            cast.append(f"{_and(listed)} as {'the ' + word if len(names) == 1 else _ROLE_PLURALS[word]}")
    if cast:
        text = f"Who is cast as what: {_and(cast)}"
        if uncertain:
            text += f" ({_plural(uncertain, 'more role')} too close to the model's prior to count)"
        return [Statement("roles", text + ".", "roles")]
    return [Statement("roles", f"Who is cast as what: no entity clearly; {_plural(uncertain, 'role')} "
                               "sit too close to the model's prior to count.", "roles")]


def _techniques(doc: Document) -> list[Statement]:
    groups = doc.groups.get("techniques", [])
    if not groups:
        return []
    by_id = {s.id: s for s in doc.spans("techniques")}

    def count(g: Group) -> int:
        n = _attrs(g).get("count")
        return n if isinstance(n, int) and not isinstance(n, bool) else len(g.span_ids)

    items = []
    for g in sorted(groups, key=lambda g: (-count(g), -(_score(g.score) or 0.0)))[:TOP_TECHNIQUES]:
        name = _clip(technique_name(str(g.label)), 40)
        spans = [s for s in sorted((by_id[i] for i in g.span_ids if i in by_id), key=lambda s: -(_score(s.score) or 0.0))
                 if doc.span_text(s).strip()]
        # the strongest phrase that reads whole, else the strongest one, shortened
        whole = [s for s in spans if len(" ".join(doc.span_text(s).split())) <= PHRASE_CHARS]
        example = f", e.g. {_q(doc.span_text((whole or spans)[0]), PHRASE_CHARS)}" if spans else ""
        items.append(f"{name} \u00d7{count(g)}{example}")
    return [Statement("techniques", f"Strongest techniques: {'; '.join(items)}.", "techniques")]


def _claims(doc: Document) -> list[Statement]:
    claims = sorted(doc.spans("claims"), key=lambda s: -(_score(s.score) or 0.0))
    inconsistent = [g for g in doc.groups.get("consistency", []) if g.label == "inconsistent"]
    if not claims and not inconsistent:
        return []
    parts = []
    if claims:
        tops: list[str] = []
        for s in claims:  # the strongest, each wording once (a repeated sentence is one claim to check)
            quoted = _q(doc.span_text(s), CLAIM_CHARS)
            if doc.span_text(s).strip() and quoted not in tops:
                tops.append(quoted)
            if len(tops) == TOP_CLAIMS:
                break
        head = f"{_plural(len(claims), 'claim')} worth checking"
        parts.append(head + (f", first {'; '.join(tops)}" if tops else ""))
    if inconsistent:
        parts.append(f"{_plural(len(inconsistent), 'set')} of figures that do not add up")
    return [Statement("claims", "Claims to check: " + "; and ".join(parts) + ".", "claims")]


_BUILDERS = (_provenance, _outlets, _narratives, _roles, _techniques, _claims)


def summarise(doc: Document) -> list[Statement]:
    """The summary of ``doc`` as plain sentences in reading order, each with the section it comes from.
    Empty when the document has no findings to speak of."""
    out: list[Statement] = []
    for build in _BUILDERS:
        for st in build(doc):
            if len(st.text) > 3 and st.text.endswith("\u201d.") and st.text[-3] in ".?!\u2026":
                st = Statement(st.topic, st.text[:-1], st.anchor)  # one full stop: the quotation's own
            out.append(st)
    return out


def summary_text(statements: Iterable[Statement]) -> str:
    """The statements as one paragraph."""
    return " ".join(s.text for s in statements)
