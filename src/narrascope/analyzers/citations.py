"""Cited media and channels: which outlets, channels and accounts the article leans on.

Finds, with their spans:
- captions for embedded media: "(Screenshot from Telegram channel "X")", "[Photo: Reuters]";
- named channels and outlets: 'the Telegram channel "X"', 'newspaper «Y»';
- someone's own channel: "Smith wrote in her Telegram channel" (owner resolved to the
  nearest preceding person in the sentence);
- attributions: "according to X", "the report from X", "as reported by X"; and later bare
  mentions of an outlet already cited ("X has mentioned it") — only for names already known
  as sources, so countries and people are not mistaken for media.

Each finding is one span in layer ``citations`` (the whole cue phrase is the evidence, the name
has its own offsets in ``attrs.name_span``); ``groups["cited_sources"]`` merges repeat citations
of the same source ("Harbour TV" and "Harbour").

Bounded work: the patterns run once per paragraph unit of :func:`narrascope.text.analysis_text`, with
names of at most ``MAX_WORD_CHARS``-character words (an unbounded word made "A.A.A.…" quadratic); overlaps
between findings, a pronoun's sentence and its person are found by bisection, not by scans.
"""

from __future__ import annotations

import bisect
import functools

import regex

from ..model import Document, Group
from ..naming import clean_name, cut_at_sentence_end, is_photo_credit
from ..pipeline import register_analyzer
from ..resources import load_json, phrase_alternation
from ..text import MAX_WORD_CHARS, analysis_text, word_key
from .base import Analyzer
from .prose import body_ranges

_QUOTED = r"""(?:"[^"\n]{1,80}"|“[^”\n]{1,80}”|«[^»\n]{1,80}»|„[^“”\n]{1,80}[“”]|'[^'\n]{1,60}')"""
# A word is at most MAX_WORD_CHARS long: unbounded, every capital of "A.A.A.…" started a match that ran to the
# end of the paragraph and backtracked all the way (quadratic). No name has a word this long.
_CAPWORD = rf"\p{{Lu}}[\p{{L}}\p{{M}}\p{{N}}'’.&-]{{0,{MAX_WORD_CHARS}}}"
# Case-sensitive even inside IGNORECASE patterns: a name starts with a capital letter.
_CAPNAME = rf"(?-i:{_CAPWORD}(?:\s+(?:(?:of|the|and|for|de|del|von|van|al|el|&)\s+)?{_CAPWORD}){{0,5}})"
# A name followed by a reporting verb: counts as a citation only for names already cited.
_SOURCE_VERB = regex.compile(
    rf"(?P<name>{_CAPNAME})\s+(?:has |had )?(?:mentioned|reported|wrote|writes|reports|said|says|noted|published|claims|claimed|stated)\b"
)
_PRONOUNS = {"his", "her", "their", "its", "my", "our", "свой", "своём", "своем", "своей", "его", "её", "ее", "их"}


@functools.cache
def _patterns() -> dict[str, regex.Pattern]:
    cues = load_json("provenance.json")
    platform_words = [p for plat in cues["platforms"] for p in plat["patterns"]]
    platform = rf"(?:{phrase_alternation(platform_words)})"
    # \w* takes inflected forms: "канала", "канале", "channels", "агентства"
    channel = rf"(?:{phrase_alternation(cues['channel_nouns'])})\w*"
    outlet = rf"(?:{phrase_alternation(cues['outlet_nouns'])})\w*"
    media = phrase_alternation(cues["media_placeholder_words"])
    medium = rf"(?P<medium>(?P<platform>{platform})(?:[\s-]*{channel})?|{channel}|{outlet})"
    name = rf"(?P<name>{_QUOTED}|{_CAPNAME})"
    flags = regex.IGNORECASE | regex.VERSION1
    return {
        "caption": regex.compile(
            rf"[(\[（【]\s*(?P<kind>{media})(?![\p{{Latin}}\p{{Cyrillic}}])\s*(?:[:：—–-]\s*)?(?:(?:from|by|via|of|courtesy of|credit|source|из|с|от|来自)\s*[:：]?\s*)?(?:the\s+)?"
            rf"(?:{medium}\s*)?{name}?(?P<tail>[^()\[\]（）【】\n]{{0,120}})[)\]）】]",
            flags,
        ),
        "named": regex.compile(rf"\b(?:the\s+)?{medium}\s+{name}", flags),
        "named_after": regex.compile(rf"(?P<name>{_QUOTED})\s+{medium}\b", flags),
        "own_channel": regex.compile(
            rf"\b(?P<owner>his|her|their|its|свое[мй]?|своём|его|её|ее|их|{_CAPNAME}(?:'s|’s))\s+(?:own\s+)?(?P<medium>(?P<platform>{platform})(?:[\s-]*{channel})?|blog|{channel})\b",
            flags,
        ),
        "attribution": regex.compile(
            rf"\b(?P<cue>according to|as reported by|reported by|the report (?:from|by)|a report (?:from|by)|report (?:from|by)|cited by|quoted by|citing|по данным|по словам|как сообщает|как пишет|со ссылкой на)\s+(?:the\s+)?(?:{medium}\s+)?{name}",
            flags,
        ),
    }


@functools.cache
def _medium_words() -> frozenset[str]:
    """Words that say what kind of medium a source is ("channel", "newspaper", "photo"): alone, no name."""
    cues = load_json("provenance.json")
    return frozenset(w.casefold() for key in ("channel_nouns", "outlet_nouns", "media_placeholder_words") for w in cues[key])


def _unquote(name: str) -> str:
    name = name.strip()
    if name.endswith(".") and len(name) > 2 and name[-2].islower():
        name = name[:-1]  # sentence full stop, not part of the name ("U.S." keeps its dot)
    if len(name) >= 2 and name[0] in "\"“«„'" and name[-1] in "\"”»“'":
        name = name[1:-1]
    return name.strip()


def _in_order(spans) -> bool:
    """Sorted by start and not overlapping (as the segmenter and the entity analyzer write their layers)."""
    return all(spans[k].end <= spans[k + 1].start for k in range(len(spans) - 1))


class _Sentences:
    """The sentence layer, for "where does the sentence before the one holding ``pos`` start" by bisection
    (the scan it replaces ran once per pronoun, over every sentence of the document)."""

    def __init__(self, sentences) -> None:
        self.sentences = list(sentences)
        self.ordered = _in_order(self.sentences)
        self.starts = [s.start for s in self.sentences]

    def start_of_previous(self, pos: int) -> int:
        if self.ordered:
            k = bisect.bisect_right(self.starts, pos) - 1
            hit = k if k >= 0 and pos < self.sentences[k].end else None
        else:
            hit = next((i for i, s in enumerate(self.sentences) if s.start <= pos < s.end), None)
        if hit is None:
            return 0
        return self.sentences[hit - 1].start if hit > 0 else self.sentences[hit].start


class _People:
    """PERSON spans, for "the last one (in layer order) inside [lo, hi)" by bisection when the layer is in
    order; else the plain scan."""

    def __init__(self, persons) -> None:
        self.persons = list(persons)
        self.ordered = _in_order(self.persons)
        self.starts = [p.start for p in self.persons]

    def last_inside(self, lo: int, hi: int):
        if not self.ordered:
            inside = [p for p in self.persons if lo <= p.start and p.end <= hi]
            return inside[-1] if inside else None
        k = bisect.bisect_right(self.starts, hi) - 1
        while k >= 0 and self.persons[k].start >= lo:
            if self.persons[k].end <= hi:
                return self.persons[k]
            k -= 1
        return None


class _Disjoint:
    """Intervals no two of which overlap (the findings kept so far), for "does [start, end) overlap a kept
    one" by bisection instead of a scan of all of them. Empty intervals are kept aside (there are none in
    practice) and scanned, as they do not fit the sorted order."""

    def __init__(self, intervals=()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.empty: list[int] = []
        for s, e in sorted(intervals):
            self.add(s, e)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end)  # kept intervals starting before end; the last reaches furthest
        if i > 0 and self.ends[i - 1] > start:
            return True
        return any(start < p < end for p in self.empty)

    def add(self, start: int, end: int) -> None:
        if start >= end:
            self.empty.append(start)
            return
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


@register_analyzer("citations")
class CitationAnalyzer(Analyzer):
    name = "citations"
    requires = ("structure",)
    produces = ("citations",)
    version = "1"

    def __call__(self, doc: Document) -> Document:
        pats = _patterns()
        text = analysis_text(doc.text)
        found: list[dict] = []
        persons = _People(s for s in doc.spans("entities") if s.label == "PERSON")
        sentences = _Sentences(doc.spans("sentences"))

        for start, end in body_ranges(doc, ("title", "heading", "paragraph", "media_placeholder")):
            for m in pats["caption"].finditer(text, start, end):
                found.append(self._finding(m, "caption", text, media=m.group("kind").lower()))
            for kind in ("named", "named_after"):
                for m in pats[kind].finditer(text, start, end):
                    if kind == "named" and not m.group("name").startswith(tuple("\"“«„'")) and not m.group("platform"):
                        continue  # 'newspaper Kommersant' needs quotes or a platform word to be sure
                    found.append(self._finding(m, "channel", text))
            for m in pats["attribution"].finditer(text, start, end):
                f = self._finding(m, "attribution", text)
                f["cue"] = m.group("cue")
                found.append(f)
            for m in pats["own_channel"].finditer(text, start, end):
                owner_text = m.group("owner")
                owner_span = [m.start("owner"), m.end("owner")]
                if owner_text.lower() in _PRONOUNS:
                    resolved = self._previous_person(m.start(), persons, sentences, text)
                    if resolved is None:
                        continue
                    owner_span, owner_text = resolved
                else:
                    owner_text = regex.sub(r"['’]s$", "", owner_text)
                    owner = clean_name(owner_text)
                    if owner is None:  # "Russian's channel", "And's blog": no owner named
                        continue
                    at = max(0, owner_text.find(owner))
                    owner_text, owner_span = owner, [owner_span[0] + at, owner_span[0] + at + len(owner)]
                medium = m.group("medium")
                found.append({
                    "start": m.start(), "end": m.end(), "kind": "own_channel",
                    "name": f"{owner_text}'s {medium}", "name_span": owner_span,
                    "medium": medium, "platform": self._platform(m.group("platform")), "owner": owner_text,
                })

        found = self._dedupe(found)
        # Later bare mentions of an outlet already cited: "Harbour has mentioned it".
        known = {word_key(f["name"]) for f in found if f["kind"] != "own_channel"}
        bases = known | {k.rsplit(" ", 1)[0] for k in known if " " in k}
        if bases:
            taken = _Disjoint((f["start"], f["end"]) for f in found)
            for start, end in body_ranges(doc):
                for m in _SOURCE_VERB.finditer(text[start:end]):
                    if word_key(m.group("name")) in bases:
                        s, e = start + m.start(), start + m.end()
                        if not taken.overlaps(s, e):
                            taken.add(s, e)
                            found.append({"start": s, "end": e, "kind": "mention", "name": m.group("name"),
                                          "name_span": [start + m.start("name"), start + m.end("name")],
                                          "medium": "", "platform": "", "owner": ""})
        found.sort(key=lambda f: f["start"])
        self._emit(doc, found)
        return doc

    @staticmethod
    def _platform(raw: str | None) -> str:
        if not raw:
            return ""
        low = raw.lower()
        for plat in load_json("provenance.json")["platforms"]:
            if low in plat["patterns"]:
                return plat["name"]
        return raw

    def _finding(self, m: regex.Match, kind: str, text: str, **extra) -> dict:
        raw_name = m.group("name") or ""
        name = _unquote(raw_name)
        ns, ne = (m.start("name"), m.end("name")) if raw_name else (m.start(), m.start())
        if raw_name and raw_name[0] in "\"“«„'":
            ns, ne = ns + 1, ne - 1
        elif raw_name.endswith(".") and name != raw_name:
            ne -= 1
        medium = (m.groupdict().get("medium") or "").strip()
        tail = (m.groupdict().get("tail") or "").strip()
        if kind == "caption" and is_photo_credit(m.group(0)):
            name = tail = ""  # "(Photo: Getty Images)", "(Photo: J. Doe/AFP Photo)": a credit, not a source
        elif name:
            name, ns, ne = self._as_name(name, ns, quoted=bool(raw_name) and raw_name[0] in "\"“«„'")
        return {
            "start": m.start(), "end": m.end(), "kind": kind, "name": name or tail, "name_span": [ns, ne],
            "medium": medium, "platform": self._platform(m.groupdict().get("platform")), "owner": "",
            **({"content": tail} if tail else {}), **extra,
        }

    @staticmethod
    def _as_name(name: str, start: int, quoted: bool) -> tuple[str, int, int]:
        """The cited name as stored: cut where a sentence ends ("Channel. Feel" is no name), the words around it
        that are no name dropped (a quoted title keeps them); "" when nothing is left that names a source (a
        pronoun, a demonym, a photo agency, or a bare medium word such as "Channel")."""
        cleaned = clean_name(name)
        if cleaned is None or cleaned.casefold() in _medium_words():
            return "", start, start
        if quoted and cut_at_sentence_end(name) == name:
            return name, start, start + len(name)
        at = max(0, name.find(cleaned))
        return cleaned, start + at, start + at + len(cleaned)

    @staticmethod
    def _previous_person(pos: int, persons: "_People", sentences: "_Sentences", text: str):
        """The last person named before ``pos`` in the same sentence (or the one before)."""
        sent_start = sentences.start_of_previous(pos)
        p = persons.last_inside(sent_start, pos)
        if p is not None:
            return [p.start, p.end], text[p.start : p.end]
        # No NER layer: the last capitalised name before the pronoun in the sentence.
        names = list(regex.finditer(_CAPNAME, text[sent_start:pos]))
        function_words = set(load_json("provenance.json")["function_words"])
        names = [n for n in names if n.group(0).split()[0].lower() not in function_words]
        if names:
            n = names[-1]
            return [sent_start + n.start(), sent_start + n.end()], n.group(0)
        return None

    @staticmethod
    def _dedupe(found: list[dict]) -> list[dict]:
        """Overlapping findings: keep the most specific (caption > channel > own > attribution), then the longest."""
        rank = {"caption": 0, "channel": 1, "own_channel": 2, "attribution": 3, "mention": 4}
        kept: list[dict] = []
        taken = _Disjoint()
        for f in sorted(found, key=lambda f: (rank[f["kind"]], -(f["end"] - f["start"]))):
            if not f["name"]:
                continue
            if taken.overlaps(f["start"], f["end"]):
                continue
            taken.add(f["start"], f["end"])
            kept.append(f)
        return kept

    def _emit(self, doc: Document, found: list[dict]) -> None:
        groups: dict[str, Group] = {}
        order: list[str] = []
        for f in found:
            attrs = {k: v for k, v in f.items() if k not in ("start", "end") and v not in ("", None)}
            span = doc.add_span("citations", f["start"], f["end"], "cited_source", score=1.0 if f["kind"] != "mention" else 0.8,
                                source=self.name, attrs=attrs)
            key = word_key(f["name"])
            # "Harbour" and "Harbour TV" are one outlet: group by the shorter name when one extends the other.
            target = next((k for k in order if key == k or key.startswith(k + " ") or k.startswith(key + " ")), None)
            if target is None:
                target = key
                order.append(key)
                groups[key] = Group(id=f"S{len(order)}", label=f["name"], kind=f["platform"] or f["medium"] or "source",
                                    source=self.name, attrs={"platform": f["platform"], "medium": f["medium"], "owner": f["owner"], "names": []})
            group = groups[target]
            group.span_ids.append(span.id)
            if f["name"] not in group.attrs["names"]:
                group.attrs["names"].append(f["name"])
            if not group.attrs["platform"] and f["platform"]:
                group.attrs["platform"] = f["platform"]
                group.kind = f["platform"]
        for key in order:
            g = groups[key]
            g.attrs["citations"] = len(g.span_ids)
            g.label = max(g.attrs["names"], key=len)  # "Harbour TV" names the outlet better than "Harbour"
            doc.add_group("cited_sources", g)
