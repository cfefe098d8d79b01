"""Whom roles are about: the entities the article frames, and why the others get no role.

:func:`role_targets` splits the people, organisations, countries and groups of the ``entities`` layer into
those the roles analyzer casts (with their mentions in the article's prose) and those it does not, each with a
reason. It reads only layers that earlier analyzers wrote (a missing layer simply gives no reason of its kind)
and cue lists that are data (``data/provenance.json``, ``data/orgs.json``):

* **byline author** (``structure``, metadata): a person or organisation with a mention inside the byline's
  ``author`` span, or a person whose name matches ``metadata["author"]`` (transliteration-aware surnames).
  The article does not frame its own writer.
* **platform** / **aggregator** (``provenance``, ``citations``): an entity that names a platform or aggregator of
  ``provenance.json`` (its ``platforms`` and ``aggregators``) or an organisation that ``orgs.json`` marks
  ``"kind": "platform"``, *when the article uses it as a medium*: a citation or provenance link names that
  platform ("Screenshot from Telegram channel …", a ``t.me`` link), one of its mentions lies in a citation or
  provenance span, is followed by a channel noun ("Telegram channel") or follows a medium preposition
  ("on YouTube"). A platform the article only talks about ("the EU fined Facebook") is an actor and is cast.
  An aggregator is a service whose kind is in ``aggregator_kinds``; every other one is a platform.
* **the article's own source** (``citations``, ``provenance``): an organisation the article cites as its
  source (a ``cited_sources`` group whose citation names it: "according to X", "the report from X", a caption,
  a named channel; matched by offsets or by name) *and that is an outlet*: ``orgs.json`` marks it
  ``"kind": "media"``, the citation calls it by a medium ("newspaper «X»", 'Telegram channel "X"') or its name
  carries an outlet word (``outlet_name_words``: "Fox News", "Kyiv Post"); or the organisation whose name
  is the domain of the article's ``original_source`` link. An institution speaking through its own channel
  (a state body such as a defence ministry; the owner of "its Telegram channel") stays an actor.
* **outside the article's prose**: no mention in the title, headings or paragraphs (only in a caption or a
  source line).
* **named only as a modifier**: every prose mention is a demonym qualifying the next word ("Russian soldiers",
  "British intelligence": a demonym mention followed by a lower-case word). Such a mention names whom the phrase
  is about (the soldiers), not the state acting, and casts no role for the state; it does not vote either when
  the entity has other mentions. SemEval-2025's annotators agree: of 1,253 attributive demonyms ("Russian",
  "Ukrainian", "British", "American", "Western", … followed by a lower-case word) in the English training
  articles, 2 are role-annotated mentions. Without a parser, a demonym used as a noun before a verb ("the
  British refused") reads the same way; annotators hardly ever cast demonyms at all, so little is lost.

The reasons are checked in that order; the first that applies is the one given. :func:`mark_not_cast` writes
them on the entity groups (``attrs["not_cast"]``: the reason, ``attrs["not_cast_why"]``: its evidence).

Bounded work: one pass over the entity groups and their mentions; offsets are looked up by bisection
(:class:`~narrascope.text.Intervals`, :class:`~narrascope.text.SpanIndex`), names by dictionary.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

import regex

from ..model import Document, Group, Span
from ..resources import load_json, phrase_alternation
from ..text import Intervals, SpanIndex, word_key
from .entities import surnames_match
from .entities.gazetteer import is_state_institution
from .prose import body_ranges

ENTITY_KINDS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC")

BYLINE_AUTHOR = "byline author"
PLATFORM = "platform"
AGGREGATOR = "aggregator"
OWN_SOURCE = "the article's own source"
OUTSIDE_PROSE = "outside the article's prose"
MODIFIER_ONLY = "named only as a modifier"
REASONS = (BYLINE_AUTHOR, PLATFORM, AGGREGATOR, OWN_SOURCE, OUTSIDE_PROSE, MODIFIER_ONLY)

EVIDENCE_CHARS = 120
_AUTHOR_SPLIT = regex.compile(r"\s*(?:[,;/&|]|\band\b|\bи\b|\bта\b)\s*", regex.IGNORECASE)
_PARENS = regex.compile(r"[()（）]")
_LAST_WORD = regex.compile(r"(\w+)\W*$")
_CJK = regex.compile(r"\p{Han}")
_QUALIFIED_WORD = regex.compile(r"[ \t\u00a0]+\p{Ll}")  # "Russian| soldiers": the next word, lower case


@dataclass(frozen=True)
class NotCast:
    """Why an entity gets no role: one of :data:`REASONS`, and the evidence in words."""

    reason: str
    why: str


class _Named(NamedTuple):
    start: int
    end: int
    group: Group


# -- the cue tables (data) ----------------------------------------------------------------------------------

@functools.cache
def _services() -> dict[str, tuple[str, str, frozenset[str]]]:
    """word key -> (service name, PLATFORM or AGGREGATOR, every key of that service), from provenance.json's
    platforms and aggregators and orgs.json's platforms."""
    cues = load_json("provenance.json")
    aggregator_kinds = {word_key(k) for k in cues.get("aggregator_kinds", [])}
    entries: list[tuple[str, str, set[str]]] = []
    for plat in cues["platforms"]:
        entries.append((plat["name"], PLATFORM, {word_key(plat["name"])} | {word_key(p) for p in plat["patterns"]}))
    for agg in cues["aggregators"]:
        kind = AGGREGATOR if word_key(agg.get("kind", "")) in aggregator_kinds else PLATFORM
        entries.append((agg["name"], kind, _name_keys(agg["name"]) | {word_key(agg["domain"])}))
    for org in load_json("orgs.json")["orgs"]:
        if org.get("kind") == "platform":
            names = [org["name"], *org.get("aliases", []), *org.get("acronyms", [])]
            entries.append((org["name"], PLATFORM, {word_key(n) for n in names}))
    table: dict[str, tuple[str, str, frozenset[str]]] = {}
    for name, kind, keys in entries:
        keys.discard("")
        for key in keys:
            table.setdefault(key, (name, kind, frozenset(keys)))
    return table


def _name_keys(name: str) -> set[str]:
    """"X (Twitter)" -> {"x twitter", "x", "twitter"}: the whole name and each part around parentheses."""
    parts = [p for p in _PARENS.split(name) if p.strip()]
    return {word_key(name)} | {word_key(p) for p in parts}


@functools.cache
def _media_orgs() -> frozenset[str]:
    """Word keys of the organisations orgs.json marks as news outlets."""
    keys = set()
    for org in load_json("orgs.json")["orgs"]:
        if org.get("kind") == "media":
            keys.update(word_key(n) for n in [org["name"], *org.get("aliases", []), *org.get("acronyms", [])])
    return frozenset(keys)


@functools.cache
def _patterns() -> dict[str, Any]:
    cues = load_json("provenance.json")
    # "channel", "channels", "канала", "канале": the noun, an English plural or a short Cyrillic ending (not
    # "posted": "Telegram posted a statement" is the company acting)
    channel = regex.compile(
        rf"^[\s-]*(?:{phrase_alternation(cues['channel_nouns'])})(?:s|\p{{Cyrillic}}{{1,3}})?\b", regex.IGNORECASE)
    return {
        "channel_after": channel,
        "prepositions": frozenset(w.lower() for w in cues.get("medium_prepositions", [])),
        "outlet_words": frozenset(word_key(w) for w in cues.get("outlet_name_words", [])),
    }


# -- the selection ------------------------------------------------------------------------------------------

def role_targets(doc: Document, kinds: tuple[str, ...] = ENTITY_KINDS) -> tuple[list[tuple[Group, list[Span]]], dict[str, NotCast]]:
    """``(cast, not_cast)``: the entity groups of ``kinds`` that get roles, each with its mentions in the
    article's prose, most-mentioned first; and, by entity group id, why each other one gets none."""
    spans = {s.id: s for s in doc.spans("entities")}
    prose = Intervals(body_ranges(doc))
    cues = _DocumentCues(doc)
    cast: list[tuple[Group, list[Span]]] = []
    not_cast: dict[str, NotCast] = {}
    for g in doc.groups.get("entities", []):
        if g.kind not in kinds:
            continue
        mentions = [spans[i] for i in g.span_ids if i in spans]
        verdict = cues.exclusion(g, mentions)
        in_prose = [m for m in mentions if prose.covers(m.start, m.end)]
        if verdict is None and not in_prose:
            verdict = NotCast(OUTSIDE_PROSE, "mentioned only outside the title, headings and paragraphs")
        framing = [m for m in in_prose if not _qualifies_next_word(doc.text, m)]
        if verdict is None and not framing:
            m = in_prose[0]
            phrase = doc.text[m.start:m.end + 40].split("\n")[0]
            verdict = NotCast(MODIFIER_ONLY, f"only as a demonym qualifying a noun ({_quote(' '.join(phrase.split()[:2]))})")
        in_prose = framing
        if verdict is not None:
            not_cast[g.id] = verdict
        else:
            cast.append((g, in_prose))
    cast.sort(key=lambda gm: -len(gm[1]))
    return cast, not_cast


def _qualifies_next_word(text: str, m: Span) -> bool:
    """A demonym mention directly followed by a lower-case word ("Russian soldiers"): it qualifies that word."""
    return m.attrs.get("mention_kind") == "demonym" and _QUALIFIED_WORD.match(text, m.end) is not None


def mark_not_cast(doc: Document, not_cast: dict[str, NotCast]) -> None:
    """Write each reason on its entity group (``not_cast``, ``not_cast_why``), clearing those of an earlier run."""
    for g in doc.groups.get("entities", []):
        g.attrs.pop("not_cast", None)
        g.attrs.pop("not_cast_why", None)
        verdict = not_cast.get(g.id)
        if verdict is not None:
            g.attrs["not_cast"] = verdict.reason
            g.attrs["not_cast_why"] = verdict.why


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"\u201c{text[:EVIDENCE_CHARS]}{'…' if len(text) > EVIDENCE_CHARS else ''}\u201d"


class _DocumentCues:
    """What the earlier layers say about one document, read once."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.text = doc.text
        structure = doc.spans("structure")
        self.author_spans = [s for s in structure if s.label == "author"]
        self.authors = Intervals((s.start, s.end) for s in self.author_spans)
        self.author_names = _author_names(doc.metadata.get("author"))
        citations = doc.spans("citations")
        provenance = [s for s in doc.spans("provenance") if s.label in ("original_source", "aggregator_url", "url")]
        self.media_spans = Intervals((s.start, s.end) for s in [*citations, *provenance])
        # platforms the citations and links name: word key -> evidence
        self.platforms_used: dict[str, str] = {}
        for s in [*citations, *provenance]:
            platform = s.attrs.get("platform")
            if isinstance(platform, str) and platform:
                for key in _name_keys(platform):
                    self.platforms_used.setdefault(key, _quote(self.text[s.start:s.end]))
        # cited sources: by the offsets of the name each citation gives, and by name
        by_span = {sid: g for g in doc.groups.get("cited_sources", []) for sid in g.span_ids}
        named = []
        for s in citations:
            g = by_span.get(s.id)
            ns = s.attrs.get("name_span")
            if g is None or s.attrs.get("kind") == "own_channel":  # an owner speaking through its channel
                continue
            if isinstance(ns, (list, tuple)) and len(ns) == 2 and ns[1] > ns[0]:
                named.append(_Named(int(ns[0]), int(ns[1]), g))
        self.cited_names = SpanIndex(named)
        self.cited_keys: dict[str, Group] = {}
        for g in doc.groups.get("cited_sources", []):
            if g.attrs.get("owner"):
                continue
            for name in [g.label, *g.attrs.get("names", [])]:
                self.cited_keys.setdefault(word_key(str(name)), g)
        self.citation_text = {s.id: self.text[s.start:s.end] for s in citations}
        # the original source's site: "rt.com" -> "rt"
        self.source_sites = {}
        for s in provenance:
            domain = s.attrs.get("domain")
            if s.label == "original_source" and isinstance(domain, str):
                site = _site_key(domain)
                if site:
                    self.source_sites.setdefault(site, domain)

    # .. the reasons, in order ...........................................................................
    def exclusion(self, g: Group, mentions: list[Span]) -> NotCast | None:
        return (self._byline(g, mentions) or self._service(g, mentions) or self._own_source(g, mentions))

    def _byline(self, g: Group, mentions: list[Span]) -> NotCast | None:
        if g.kind not in ("PERSON", "ORG"):
            return None
        for m in mentions:
            if self.authors.covers(m.start, m.end):
                line = next((a for a in self.author_spans if a.start <= m.start and m.end <= a.end), None)
                return NotCast(BYLINE_AUTHOR, f"named in the byline ({_quote(self.text[line.start:line.end]) if line else g.label})")
        if g.kind == "PERSON":
            for author in self.author_names:
                if any(_same_person(author, name) for name in _names(g)):
                    return NotCast(BYLINE_AUTHOR, f"the document's author ({_quote(author)})")
        return None

    def _service(self, g: Group, mentions: list[Span]) -> NotCast | None:
        table = _services()
        hit = next((table[k] for k in _entity_keys(g) if k in table), None)
        if hit is None:
            return None
        name, reason, keys = hit
        kind = "an aggregator" if reason == AGGREGATOR else "a platform"
        used = next((self.platforms_used[k] for k in keys if k in self.platforms_used), None)
        if used is not None:
            return NotCast(reason, f"{name}, {kind} the article uses as a medium ({used})")
        for m in mentions:
            evidence = self._medium_use(m)
            if evidence:
                return NotCast(reason, f"{name}, {kind} the article uses as a medium ({evidence})")
        return None

    def _medium_use(self, m: Span) -> str | None:
        """Evidence that this mention is a medium: inside a citation or link, "<platform> channel", "on <platform>"."""
        if self.media_spans.covers(m.start, m.end):
            return _quote(self.text[m.start:m.end])
        pats = _patterns()
        after = pats["channel_after"].match(self.text, m.end, min(len(self.text), m.end + 40))
        if after:
            return _quote(self.text[m.start:after.end()])
        lo = max(0, m.start - 30)
        before = _LAST_WORD.search(self.text[lo:m.start])
        if before:
            word = before.group(1).lower()
            if _CJK.match(word[-1:]):
                word = word[-1]
            if word in pats["prepositions"]:
                return _quote(self.text[lo + before.start(1):m.end])
        return None

    def _own_source(self, g: Group, mentions: list[Span]) -> NotCast | None:
        if g.kind != "ORG" or g.attrs.get("qualifier") or is_state_institution(word_key(g.label).split()):
            return None
        keys = _entity_keys(g)
        for key in keys:
            compact = key.replace(" ", "")
            if compact in self.source_sites:
                return NotCast(OWN_SOURCE, f"the article's original source is {self.source_sites[compact]}")
        cited = [n.group for m in mentions for n in self.cited_names.overlapping(m.start, m.end)]
        cited += [self.cited_keys[k] for k in sorted(keys) if k in self.cited_keys]
        for c in cited:
            if self._is_outlet(g, c, keys):
                first = next((self.citation_text[i] for i in c.span_ids if i in self.citation_text), c.label)
                return NotCast(OWN_SOURCE, f"cited as the article's source ({_quote(first)})")
        return None

    @staticmethod
    def _is_outlet(g: Group, cited: Group, keys: set[str]) -> bool:
        if keys & _media_orgs():
            return True
        if cited.attrs.get("platform") or cited.attrs.get("medium"):
            return True
        words = _patterns()["outlet_words"]
        return any(set(k.split()) & words for k in keys)


# -- names ---------------------------------------------------------------------------------------------------

def _entity_keys(g: Group) -> set[str]:
    names = [g.label.split(" (")[0], g.label, *[str(v) for v in g.attrs.get("variants", [])]]
    if g.attrs.get("acronym"):
        names.append(str(g.attrs["acronym"]))
    return {k for k in (word_key(n) for n in names) if k}


def _names(g: Group) -> list[str]:
    return [g.label, *[str(v) for v in g.attrs.get("variants", [])]]


def _author_names(value: Any) -> list[str]:
    values = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for v in values:
        if isinstance(v, str):
            out.extend(p.strip() for p in _AUTHOR_SPLIT.split(v) if p.strip())
    return out


def _same_person(a: str, b: str) -> bool:
    """Same surname (transliteration-aware), and the same first initial when both give a first name."""
    wa, wb = regex.findall(r"\w+", a), regex.findall(r"\w+", b)
    if not wa or not wb or not surnames_match(wa[-1], wb[-1]):
        return False
    return len(wa) == 1 or len(wb) == 1 or wa[0][:1].lower() == wb[0][:1].lower()


def _site_key(domain: str) -> str:
    """The name part of a domain: "www.rt.com" -> "rt", "bbc.co.uk" -> "bbc", "tsargrad.tv" -> "tsargrad"."""
    labels = [p for p in domain.lower().split(".") if p]
    if len(labels) < 2:
        return ""
    labels = labels[:-1]  # the top-level domain
    if len(labels) > 1 and labels[-1] in ("co", "com", "org", "net", "gov", "ac", "edu"):
        labels = labels[:-1]  # "co.uk", "com.ua"
    return labels[-1] if labels[-1] not in ("www", "m") else ""
