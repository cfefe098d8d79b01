"""Direct quotes, reported speech and their speakers.

Quotation marks are paired per paragraph (straight "…", curly “…”, guillemets «…», „…“, 「…」),
then each quoted stretch is classified:

- ``quote``: speech — attributed by a speech verb next to it ('"…," Smith wrote',
  'said Smith: "…"', 'X is convinced'), or long enough to be a statement;
- ``scare_quote``: a short phrase in quotes with no speaker (irony, distancing: so-called "experts");
- ``name``: a quoted proper name or title ("Kazakhstan National Atomic Energy Company", a nickname);
- ``reported_speech``: a sentence closed by ', speculates military blogger X.' or opened by 'X said that'.

Speakers get their own ``speaker`` span; a pronoun speaker ("she wrote") is resolved to the last
person named before it. A quote standing alone as a pull quote inherits the speaker of the
attributed quote that repeats its words. A speaker is a name or nothing: a pronoun left unresolved, a
conjunction or preposition ("And", "In"), a bare demonym ("Russian") is never stored as one
(:func:`narrascope.naming.clean_name`). ``groups["speakers"]`` lists who said what.

Bounded work: quotes are paired per paragraph unit of :func:`narrascope.text.analysis_text` (at most
``MAX_QUOTE_DEPTH`` levels of nesting, so the insides read add up to at most that many times the text);
attribution patterns read ``CONTEXT_CHARS`` either side of a quote; a pull quote is compared with the
``PULL_QUOTE_WINDOW`` attributed quotes around it; speakers, persons and covering quotes are found by
bisection. So the time is linear in the analysed text, times those constants.
"""

from __future__ import annotations

import bisect
import functools

import regex

from ..model import Document, Group, Span
from ..naming import clean_name
from ..pipeline import register_analyzer
from ..resources import load_json
from ..text import MAX_WORD_CHARS, Intervals, SpanIndex, analysis_text, word_key
from .base import Analyzer
from .prose import body_ranges

_PAIRS = {"“": "”", "«": "»", "„": "“", "「": "」", "『": "』", "‹": "›"}
_SPEECH_VERBS = (
    "said says say stated states added adds noted notes told tells wrote writes claimed claims argued argues "
    "explained explains stressed stresses emphasized emphasised declared declares announced announces insisted "
    "insists asked asks replied replies commented comments tweeted posted posts warned warns admitted admits "
    "recalled recalls concluded concludes believes believed thinks thought speculates speculated suggested "
    "suggests observed observes remarked remarks responded responds continued continues confirmed confirms "
    "denied denies acknowledged acknowledges reiterated reiterates explained points pointed shared shares "
    "assured assures complained complains quipped joked"
).split()
_SPEECH_PHRASES = ["is convinced", "was convinced", "is sure", "was sure", "pointed out", "points out",
                   "according to", "reminded", "wrote in", "said in", "told reporters", "said on", "spoke up"]
_RU_SPEECH = "сказал сказала заявил заявила написал написала отметил отметила подчеркнул подчеркнула считает уверен уверена пишет сообщил сообщила".split()
_VERB_ALT = "|".join(sorted(map(regex.escape, _SPEECH_VERBS + _SPEECH_PHRASES + _RU_SPEECH), key=len, reverse=True)).replace("\\ ", r"\s+")
_PRONOUN = r"(?:he|she|they|он|она|они)"
_CAPWORD = rf"\p{{Lu}}[\p{{L}}\p{{M}}'’-]{{0,{MAX_WORD_CHARS}}}"  # bounded: see MAX_WORD_CHARS
_NICK = r"(?:\s+[\"“«][^\"”»\n]{1,30}[\"”»])?"
_NAME = rf"{_CAPWORD}(?:{_NICK}\s+{_CAPWORD}){{0,3}}"
# Descriptors that may stand between a verb and a name: "argues military analyst John Doe".
_DESCRIPTOR = r"(?:(?:the\s+)?(?:\p{Ll}[\p{L}-]*\s+){0,4})"

# '"…," Name verb' / '"…" verb Name' / '"…" pronoun verb'
_AFTER = regex.compile(
    rf"""^[\s,.:;—–-]*(?:
        (?:(?:{_CAPWORD}['’]s\s+)?(?:\p{{Ll}}[\p{{L}}-]*\s+){{0,3}}(?=\p{{Lu}}))?  # "Vatamanu's predecessor", "military blogger"
        (?P<name>{_NAME}|{_PRONOUN})\s+(?:(?:has|had|also|then|later)\s+)?(?P<verb>{_VERB_ALT})\b
      | (?P<verb2>{_VERB_ALT})\s+{_DESCRIPTOR}(?P<name2>{_NAME})
    )""",
    regex.VERSION1 | regex.VERBOSE,
)
# 'Name verb: "…"' / 'Name verb that "…"' / 'according to Name, "…"'
_BEFORE = regex.compile(
    rf"""(?:
        (?P<name>{_NAME}|{_PRONOUN})\s+(?:(?:has|had|also|then|later)\s+)?(?P<verb>{_VERB_ALT})\b[^"“«.!?]{{0,60}}?
      | according\s+to\s+(?P<name2>{_NAME})\s*,?\s*
    )[:,]?\s*(?:that\s+)?$""",
    regex.VERSION1 | regex.VERBOSE,
)
# Reported speech closing a sentence: ', argues military analyst John "Jack" Doe.'
_REPORTED_TAIL = regex.compile(
    rf",\s*(?P<verb>{_VERB_ALT})\s+{_DESCRIPTOR}(?P<name>{_NAME})\s*[.!]?$",
    regex.VERSION1,
)
_REPORTED_HEAD = regex.compile(
    rf"^(?P<name>{_NAME})\s+(?P<verb>{_VERB_ALT})\s+that\s+",
    regex.VERSION1,
)
_SO_CALLED = regex.compile(r"(?:so-called|so called|supposed|alleged|так называем\w+|пресловут\w+)\s*$", regex.IGNORECASE)

_ENDS_WITH_NAME = regex.compile(rf"{_CAPWORD}\s*$")
_STARTS_WITH_NAME = regex.compile(r"\s+\p{Lu}")
MIN_STATEMENT_WORDS = 8  # an unattributed quote this long is still speech, not a scare quote
# Every attribution pattern reads at most a few names and words next to the quote; this many characters
# each side hold any of them (the longest, '"…," Vatamanu's predecessor, military blogger John "Jack" Doe
# said', is under 150).
CONTEXT_CHARS = 400
# A pull quote is looked for among this many attributed quotes on either side of it.
PULL_QUOTE_WINDOW = 100
# Quotes inside quotes inside quotes: deeper openers are not paired. Every level reads its whole inside, so
# 2,000 nested «…» made the work quadratic; real text nests two or three deep.
MAX_QUOTE_DEPTH = 8


def _pair_quotes(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(open, close) index pairs of quotation marks inside [start, end)."""
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    straight_open: int | None = None
    for i in range(start, end):
        c = text[i]
        if c == '"':
            if straight_open is None:
                straight_open = i
            else:
                pairs.append((straight_open, i))
                straight_open = None
        elif c in _PAIRS and not (c == "“" and stack and stack[-1][0] == "„"):
            if len(stack) < MAX_QUOTE_DEPTH:
                stack.append((c, i))
        elif stack and c == _PAIRS[stack[-1][0]]:
            _, o = stack.pop()
            pairs.append((o, i))
    return sorted(pairs)


@functools.cache
def _title_prefix() -> regex.Pattern:
    titles = sorted(load_json("provenance.json")["person_titles"], key=len, reverse=True)
    return regex.compile(rf"(?:{'|'.join(map(regex.escape, titles))})\.?\s+(?=\p{{Lu}})", regex.IGNORECASE)


def strip_title(name: str, start: int) -> tuple[str, int]:
    """'Mayor Tom Brandt' -> ('Tom Brandt', start + 6): honorifics are not part of the name."""
    while (m := _title_prefix().match(name)) and len(name) > m.end():
        name, start = name[m.end():], start + m.end()
    return name, start


def _words(s: str) -> int:
    return len(s.split())


def _looks_like_name(s: str) -> bool:
    words = regex.findall(r"[\p{L}\p{N}'’-]+", s)
    if not words or len(words) > 8:
        return False
    small = {"of", "the", "and", "for", "de", "in", "on", "at"}
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in small for w in words) and s.strip()[-1:] not in ".!?,"


@register_analyzer("quotes")
class QuoteAnalyzer(Analyzer):
    name = "quotes"
    requires = ("structure",)
    produces = ("quotes",)
    version = "1"

    def __call__(self, doc: Document) -> Document:
        text = analysis_text(doc.text)
        persons = [s for s in doc.spans("entities") if s.label == "PERSON"]
        citations = Intervals((cs.start, cs.end) for cs in doc.spans("citations"))
        quotes: list[dict] = []
        for start, end in body_ranges(doc):
            for o, c in _pair_quotes(text, start, end):
                inner_s, inner_e = o + 1, c
                inner = text[inner_s:inner_e]
                if not inner.strip():
                    continue
                q = {"start": o, "end": c + 1, "inner": [inner_s, inner_e], "para": [start, end]}
                # The cues sit right next to the quote: a window of CONTEXT_CHARS each side (a slice of the
                # whole rest of the paragraph per quote made a paragraph with many quotes quadratic).
                before = text[max(start, o - CONTEXT_CHARS):o]
                after = text[c + 1 : min(end, c + 1 + CONTEXT_CHARS)]
                q.update(self._attribute(before, after, o, c + 1, text, start))
                quoted_name = citations.covers(o, c + 1)
                nickname = bool(_ENDS_WITH_NAME.search(before)) and bool(_STARTS_WITH_NAME.match(after)) and _words(inner) <= 3
                if nickname:
                    q["kind"] = "name"
                    q["role"] = "nickname"
                elif q.get("speaker"):
                    q["kind"] = "quote"
                elif quoted_name or (_looks_like_name(inner) and not _SO_CALLED.search(before)):
                    q["kind"] = "name"
                elif _SO_CALLED.search(before) or _words(inner) < MIN_STATEMENT_WORDS:
                    q["kind"] = "scare_quote"
                else:
                    q["kind"] = "quote"
                quotes.append(q)

        self._inherit_pull_quote_speakers(quotes, text)
        reported = self._reported_speech(doc, quotes)
        self._resolve_pronouns(quotes + reported, persons, text)
        self._emit(doc, self._clean_speakers(quotes + reported))
        return doc

    @staticmethod
    def _clean_speakers(quotes: list[dict]) -> list[dict]:
        """A speaker is a name or nothing: the words around it that are no name go ("And Smith" -> "Smith"), and
        a speaker that is a pronoun left unresolved, a function word or a bare demonym ("Russian") is dropped
        (:func:`narrascope.naming.clean_name`); so is reported speech left without a speaker."""
        out = []
        for q in quotes:
            sp = q.get("speaker")
            if sp:
                name = clean_name(sp)
                if name is None:
                    q.pop("speaker")
                    q.pop("speaker_span", None)
                elif name != sp:
                    at = max(0, sp.find(name))
                    s0 = q["speaker_span"][0] + at
                    q.update(speaker=name, speaker_span=[s0, s0 + len(name)])
            if q["kind"] == "reported_speech" and not q.get("speaker"):
                continue
            out.append(q)
        return out

    def _attribute(self, before: str, after: str, qs: int, qe: int, text: str, para_start: int) -> dict:
        """Speaker of a quote from the words right after or right before it."""
        m = _AFTER.match(after)
        if m:
            group = "name" if m.group("name") else "name2"
            verb = m.group("verb") or m.group("verb2")
            name, s = strip_title(m.group(group), qe + m.start(group))
            return {"speaker": name, "speaker_span": [s, s + len(name)], "cue": verb, "attribution": "after"}
        tail = before[-160:]
        offset = qs - len(tail)
        m = _BEFORE.search(tail)
        if m:
            group = "name" if m.group("name") else "name2"
            verb = m.group("verb") or "according to"
            name, s = strip_title(m.group(group), offset + m.start(group))
            return {"speaker": name, "speaker_span": [s, s + len(name)], "cue": verb, "attribution": "before"}
        # 'Subject … verb-phrase: "…"' — the sentence's subject says it ("X dissects the details: '…'")
        if tail.rstrip().endswith(":"):
            sent_start = max(tail.rfind(". "), tail.rfind("! "), tail.rfind("? "))
            subject = tail[sent_start + 2 if sent_start >= 0 else 0 :]
            sm = regex.match(rf"\s*((?:{_CAPWORD}(?:['’]s)?\s+)?(?:[\"“«][^\"”»]{{1,40}}[\"”»]|{_NAME}))", subject)
            if sm and _words(tail) > 2:
                base = offset + (sent_start + 2 if sent_start >= 0 else 0)
                return {"speaker": sm.group(1), "speaker_span": [base + sm.start(1), base + sm.end(1)],
                        "cue": ":", "attribution": "colon", "speaker_score": 0.6}
        return {}

    @staticmethod
    def _inherit_pull_quote_speakers(quotes: list[dict], text: str) -> None:
        """A quote with no speaker whose words occur inside an attributed quote is a pull quote of it."""
        def norm(q):
            s, e = q["inner"]
            return word_key(text[s:e])

        attributed = [q for q in quotes if q.get("speaker") and q["kind"] == "quote"]
        keys = [norm(src) for src in attributed]  # once each, not once per candidate pull quote
        starts = [src["start"] for src in attributed]  # quotes come in text order
        for q in quotes:
            if q.get("speaker") or q["kind"] == "name":
                continue
            words = norm(q)
            if len(words.split()) < 4:
                continue
            # the attributed quotes around it (all of them in any article: it has far fewer than the window)
            i = bisect.bisect_left(starts, q["start"])
            lo = max(0, i - PULL_QUOTE_WINDOW)
            for src, key in zip(attributed[lo:i + PULL_QUOTE_WINDOW], keys[lo:i + PULL_QUOTE_WINDOW]):
                if src is not q and words in key:
                    q.update(kind="quote", speaker=src["speaker"], speaker_span=src["speaker_span"],
                             cue=src.get("cue", ""), attribution="pull_quote", pull_quote_of=[src["start"], src["end"]],
                             speaker_score=0.8)
                    break

    @staticmethod
    def _resolve_pronouns(quotes: list[dict], persons: list[Span], text: str) -> None:
        # "the last person (in layer order) ending before the quote", by bisection when the layer is sorted by
        # start (as the entity analyzer writes it): a later person starts later, so the answer is among those
        # starting before the quote, scanned back only past those that end after it
        ordered = all(persons[k].start <= persons[k + 1].start for k in range(len(persons) - 1))
        starts = [p.start for p in persons]
        for q in quotes:
            sp = q.get("speaker")
            if not sp or not regex.fullmatch(_PRONOUN, sp, regex.IGNORECASE):
                continue
            if ordered:
                k = bisect.bisect_right(starts, q["start"]) - 1
                while k >= 0 and persons[k].end > q["start"]:
                    k -= 1
                prior = [persons[k]] if k >= 0 else []
            else:
                prior = [p for p in persons if p.end <= q["start"]]
            if prior:
                p = prior[-1]
                q.update(speaker=text[p.start : p.end], speaker_span=[p.start, p.end], pronoun=sp,
                         speaker_score=0.6, attribution=q.get("attribution", "") + "+pronoun")
            else:
                q.pop("speaker")
                q.pop("speaker_span")

    @staticmethod
    def _reported_speech(doc: Document, quotes: list[dict]) -> list[dict]:
        out = []
        text = analysis_text(doc.text)
        covering = Intervals((q["start"], q["end"]) for q in quotes)
        for sent in doc.spans("sentences"):
            s_text = text[sent.start : sent.end]
            m = _REPORTED_TAIL.search(s_text)
            head = None if m else _REPORTED_HEAD.match(s_text)
            if not (m or head):
                continue
            mm = m or head
            name, name_start = strip_title(mm.group("name"), sent.start + mm.start("name"))
            # a quote already covering this sentence is handled as a direct quote
            if covering.covers(sent.start, sent.end):
                continue
            content_end = sent.start + (m.start() if m else len(s_text))
            content_start = sent.start + (head.end() if head else 0)
            out.append({
                "start": content_start, "end": content_end, "inner": [content_start, content_end],
                "kind": "reported_speech", "speaker": name,
                "speaker_span": [name_start, name_start + len(name)],
                "cue": mm.group("verb"), "attribution": "reported", "speaker_score": 0.8,
            })
        return out

    def _emit(self, doc: Document, quotes: list[dict]) -> None:
        speakers: dict[str, Group] = {}
        speaker_spans: dict[tuple[int, int], Span] = {}
        entity_of = {}
        for g in doc.groups.get("entities", []):
            for sid in g.span_ids:
                entity_of[sid] = g
        linkable = SpanIndex(s for s in doc.spans("entities") if s.id in entity_of and s.label in ("PERSON", "ORG"))
        for q in sorted(quotes, key=lambda q: q["start"]):
            attrs = {k: v for k, v in q.items() if k in ("kind", "role", "speaker", "cue", "attribution", "pronoun", "pull_quote_of")}
            attrs["content_span"] = q["inner"]
            speaker_span = None
            if q.get("speaker"):
                ss, se = q["speaker_span"]
                # Link the speaker to a person or organisation that IS the speaker's words, not one merely
                # inside them ('Kazakhstan's "number one enemy"' is not Kazakhstan).
                group = next((entity_of[es.id] for es in linkable.overlapping(ss, se)
                              if (min(se, es.end) - max(ss, es.start)) >= 0.6 * (se - ss)), None)
                if group is not None:
                    attrs["speaker_entity"] = group.id
                    attrs["speaker_name"] = group.label
            label = q["kind"]
            span = doc.add_span("quotes", q["start"], q["end"], label, score=q.get("speaker_score", 1.0) if q.get("speaker") else 0.7,
                                source=self.name, attrs=attrs)
            if q.get("speaker"):
                ss, se = q["speaker_span"]
                speaker_span = speaker_spans.get((ss, se))
                if speaker_span is None:  # one speaker span per place in the text, shared by its quotes
                    speaker_span = speaker_spans[(ss, se)] = doc.add_span(
                        "quotes", ss, se, "speaker", score=q.get("speaker_score", 1.0), source=self.name,
                        attrs={"quote_ids": [], "name": q["speaker"]})
                speaker_span.attrs["quote_ids"].append(span.id)
                span.attrs["speaker_span_id"] = speaker_span.id
                key = attrs.get("speaker_entity") or " ".join(q["speaker"].lower().split())
                grp = speakers.get(key)
                if grp is None:
                    grp = speakers[key] = Group(id=f"Q{len(speakers) + 1}", label=attrs.get("speaker_name", q["speaker"]), kind="speaker",
                                                source=self.name, attrs={"entity": attrs.get("speaker_entity", ""), "quotes": 0})
                grp.span_ids += [span.id] + ([speaker_span.id] if speaker_span.id not in grp.span_ids else [])
                grp.attrs["quotes"] += 1
        for grp in speakers.values():
            doc.add_group("speakers", grp)
