"""A mention, and the steps that find, trim, split and type mentions one at a time: the NER's spans cut to
the name itself, lists of places split, a label checked against the gazetteer and the context words,
bylines the NER missed, country-qualified institutions split in two, and gazetteer places the NER missed.

**Span edges.** A mention covers the name only: no leading "the"/quotes, no possessive 's, no
trailing " - both"-style tail; "pro-Russian" is a "Russian" mention with ``attrs["prefix"]``.
An NER span listing gazetteer places ("Kiev, Ukraine") gives one mention per place; "UK
Ministry of Defense" / "Ministry of Defence of the United Kingdom" give a country mention and
a qualified ORG mention. Lone generic words ("Defense" of "Defense Minister") and -ization
coinages are dropped, and so are labels on mostly non-Latin script (the English model's
output there is noise). A byline "author" span of the structure layer that the NER missed
becomes a PERSON mention (score 0.7).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from ...model import Document
from ...naming import event_heads, leading_non_name_words
from ...text import Intervals
from .gazetteer import GENERIC_ORG_WORDS, ORG_HEADS, Gazetteer, Org, Place, can_qualify, is_state_institution
from .names import normalize_surface
from .tokens import Occupancy, Tokens, is_cap

# how sure a mention's label is (the package docstring's "Scores")
SCORE_NER = 1.0
SCORE_GAZETTEER = 0.9
SCORE_CONTEXT = 0.8
SCORE_ADDED = 0.7

# -- words the rules read ---------------------------------------------------------------------------

# dropped before and after a person's name
TITLES = frozenset(
    """mr mrs ms miss mister madam dr prof professor sir dame lord lady president vice minister
    premier chancellor general gen colonel col lieutenant lt major maj captain capt sergeant sgt
    admiral adm marshal commander senator sen rep representative governor gov mayor secretary
    ambassador judge justice pope king queen prince princess sheikh emir comrade deputy
    spokesman spokeswoman spokesperson chairman chairwoman director chief head patriarch
    metropolitan father archbishop bishop rabbi imam ayatollah""".split()
)
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# a lone generic word ("Defense" of "Defense Minister") is no entity
GENERIC_STANDALONE = GENERIC_ORG_WORDS - {"of", "the", "and", "for"}
# a name followed by one of these is a weapon ("Iskander missiles")
WEAPON_NOUNS = frozenset(
    """missile missiles system systems tank tanks rocket rockets drone drones jet jets fighter
    fighters aircraft helicopter helicopters howitzer howitzers launcher launchers complex
    complexes rifle rifles submarine submarines warship warships cruiser frigate destroyer
    bomber bombers interceptor interceptors mlrs artillery vehicles shells""".split()
)
_TRAILING_FUNCTION_WORDS = frozenset({"of", "the", "and", "for", "in", "on", "at", "to", "a", "an", "&"})
_NON_LATIN = re.compile("[\u0370-\u1dbf\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff]")
_CLOSING = frozenset({'"', "”", "'", "’", "»", ")"})
# labels whose names are proper nouns only, never a phrase starting with a function word ("All India Radio")
_NAMED_BY_PROPER_NOUNS = frozenset({"PERSON", "GPE", "LOC", "NORP"})
# labels the NER gives events that it mistakes for something else
_EVENT_RETYPE = frozenset({"ORG", "PRODUCT", "FAC", "WORK_OF_ART", "NORP", "PERSON", "LAW"})

# -- mentions ---------------------------------------------------------------------------------------


@dataclass
class Mention:
    start: int
    end: int
    label: str
    t0: int  # first token index
    t1: int  # token index after the last
    ner_label: str | None = None
    score: float = SCORE_NER
    source: str = "ner"
    kind: str = "name"
    place: Place | None = None
    org: Org | None = None
    strong: bool = False  # type comes from evidence other than the NER
    prefix: str = ""
    qualifier: str | None = None
    qualifier_name: str | None = None
    given: list[str] = field(default_factory=list)
    surname: str = ""
    norm: str = ""
    key: tuple = ()
    cue: str | None = None
    alias_of: "Mention | None" = None
    short_of: "Mention | None" = None

    def relabel(self, label: str, score: float) -> None:
        if label != self.label:
            if self.ner_label is None and self.source == "ner":
                self.ner_label = self.label
            self.label = label
            self.score = min(self.score, score)


def clean_span(gaz: Gazetteer, label: str, t0: int, t1: int, toks: Tokens, text: str) -> list[Mention]:
    """Trim an NER span to the name itself: no leading 'the'/quotes/'pro-', no possessive,
    no trailing punctuation or ' - lowercase words' tail."""
    tx = toks.text
    # cut at a spaced dash or punctuation followed by lower case or nothing
    for i in range(t0 + 1, t1):
        w = tx[i]
        if w in ("-", "–", "—", ",", ";", ":", "(", ")", '"', "“", "”") and (
            w in ",;:()\"“”" or (i > 0 and toks.start[i] > toks.end[i - 1])
        ):
            nxt = toks.next_index(i + 1)
            if nxt >= t1 or not is_cap(tx[nxt]) or w in "()":
                t1 = i
                break
    prefix = ""
    while t0 < t1:
        w = tx[t0]
        if w.isspace() or w in ("'", '"', "“", "”", "‘", "’", "«", "»", "(", "[", "-", "–", "—"):
            t0 += 1
        elif w.lower() in ("the",) and t1 - t0 > 1:
            # keep "The Hague", "The Bahamas"
            if gaz.place(text[toks.start[t0] : toks.end[t1 - 1]]) is not None:
                break
            t0 += 1
        elif w.islower() and t1 - t0 > 1 and w.isalpha() and t0 + 1 < t1 and tx[t0 + 1] == "-":
            prefix = w + "-"
            t0 += 2
        elif w.islower() and t1 - t0 > 1 and w.isalpha() and w in ("a", "an", "this", "that", "our", "their"):
            t0 += 1
        elif (t1 - t0 > 1 and w.istitle() and w.casefold() in leading_non_name_words()
              and (label in _NAMED_BY_PROPER_NOUNS or toks.next_index(t0 + 1) == t1 - 1)
              and toks.sentence_initial(t0, text)):
            # "And Lopez added", "Later Brandt said", "In Valletta": capitalised by the sentence, not by the name
            # (an organisation keeps such a word unless one word would be left: "All India Radio")
            t0 += 1
        else:
            break
    while t1 > t0:
        w = tx[t1 - 1]
        if (w in _TRAILING_FUNCTION_WORDS and t1 - 1 > t0) or w.isspace() or w in ("'s", "’s", "'", "’", '"', "“", "”", ".", ",", ";", ":", "-", "–", "—", ")", "]", "!", "?", "»", "«"):
            # keep the dot of "U.S." style tokens (those are one token, so only lone dots go)
            t1 -= 1
        else:
            break
    if t1 <= t0:
        return []
    start, end = toks.start[t0], toks.end[t1 - 1]
    surface = text[start:end]
    if not any(c.isalpha() for c in surface):
        return []
    if _NON_LATIN.search(surface):
        # the English model's labels on Cyrillic, CJK or Arabic script are noise
        letters = [c for c in surface if c.isalpha()]
        if sum(1 for c in letters if _NON_LATIN.match(c)) * 2 > len(letters):
            return []
    if label in ("GPE", "LOC", "ORG", "PERSON", "NORP") and ("," in tx[t0:t1] or "and" in tx[t0:t1]):
        parts = _split_list(gaz, t0, t1, toks, text)
        if parts:
            return parts
    m = Mention(start, end, label, t0, t1)
    m.prefix = prefix
    m.norm = normalize_surface(surface)
    return [m]

def _split_list(gaz: Gazetteer, t0: int, t1: int, toks: Tokens, text: str) -> list[Mention] | None:
    """"Kiev, Ukraine" or "Donetsk and Luhansk" as one NER span: one mention per place,
    when every part is in the gazetteer."""
    parts: list[tuple[int, int]] = []
    start = t0
    for i in range(t0, t1 + 1):
        if i == t1 or toks.text[i] in (",", "and"):
            j = i
            while j > start and toks.text[j - 1].isspace():
                j -= 1
            if j > start:
                parts.append((start, j))
            start = toks.next_index(i + 1)
    if len(parts) < 2:
        return None
    out = []
    for a, b in parts:
        surface = text[toks.start[a] : toks.end[b - 1]]
        if gaz.place(surface) is None:
            return None
        m = Mention(toks.start[a], toks.end[b - 1], "GPE", a, b)
        m.norm = normalize_surface(surface)
        out.append(m)
    return out


def type_mention(gaz: Gazetteer, m: Mention, toks: Tokens, text: str) -> None:
    """A second opinion on the NER's label: the gazetteer, then the context words; ``_DROP`` for no entity."""
    surface = m.norm
    # the gazetteer, trying "the X" when the span had its article removed
    hit = gaz.place(surface)
    if hit is None and m.t0 > 0 and toks.at(toks.prev_index(m.t0)).lower() == "the":
        hit = gaz.place("the " + surface)
    if hit is not None:
        place, form = hit
        m.place = place
        m.kind = "demonym" if form == "demonym" else ("alias" if form == "alias" else "name")
        m.relabel("NORP" if form == "demonym" else place.type, SCORE_GAZETTEER)
        m.strong = True
        return
    org = gaz.org(surface)
    if org is not None:
        m.org, form = org
        m.kind = "acronym" if form == "acronym" else ("alias" if form == "alias" else "name")
        m.relabel("ORG", SCORE_GAZETTEER)
        m.strong = True
        return
    words = surface.split()
    low = [w.lower().strip(".,") for w in words]
    # a lone generic word ("Defense" of "Defense Minister") or an -ization noun is no entity
    if len(words) == 1 and (
        low[0] in GENERIC_STANDALONE or re.search(r"i[sz]ation$", low[0]) and m.label != "PERSON"
    ):
        m.label = "_DROP"
        return
    # events and operations are no organisations: "Special Military Operation", "Operation X", "NATO Summit"
    # (the cue words are data: data/name_words.json), unless a word makes it one ("Institute for the Study of War")
    last_words, first_words = event_heads()
    if (m.label in _EVENT_RETYPE and len(words) > 1 and (low[-1] in last_words or low[0] in first_words)
            and not any(w in ORG_HEADS for w in low)):
        m.relabel("EVENT", SCORE_CONTEXT)
        m.strong = True
        return
    if m.label != "ORG" and (low[-1] in ORG_HEADS or (len(words) > 1 and low[0] in ORG_HEADS)):
        if len(words) > 1 or m.label in ("WORK_OF_ART", "PRODUCT"):
            m.relabel("ORG", SCORE_CONTEXT)
            m.strong = True
            return
    if m.label == "ORG" and len(words) > 1 and low[-1] in ORG_HEADS:
        m.strong = True
    # weapons: "Iskander missiles", '"Iskander" missiles'
    nxt = toks.next_index(m.t1)
    while toks.at(nxt) in _CLOSING:
        nxt = toks.next_index(nxt + 1)
    if toks.at(nxt).lower() in WEAPON_NOUNS and m.label in ("WORK_OF_ART", "ORG", "PERSON", "PRODUCT", "GPE", "NORP"):
        m.relabel("PRODUCT", SCORE_CONTEXT)
        m.strong = True
        return
    if m.label == "PERSON":
        parse_person(m)


def parse_person(m: Mention) -> None:
    """A PERSON mention's surname and given names, without titles, suffixes and quoted nicknames."""
    # drop quoted nicknames and titles; keep name tokens
    s = re.sub(r"\"[^\"]*\"|'[^']*'|\([^)]*\)", " ", m.norm)
    words = [w for w in s.replace(",", " ").split() if w]
    while len(words) > 1 and words[0].lower().rstrip(".") in TITLES:
        words.pop(0)
    while len(words) > 1 and words[-1].lower().rstrip(".") in NAME_SUFFIXES:
        words.pop()
    if not words:
        return
    m.surname = words[-1]
    m.given = [w for w in words[:-1] if w[:1].isupper()]
    m.norm = " ".join(words)
    if not m.given:
        m.kind = "surname"


def add_authors(doc: Document, mentions: list[Mention], toks: Tokens) -> None:
    """An "author" span of the structure layer that looks like a name and that the NER
    missed becomes a PERSON mention."""
    authors = [s for s in doc.spans("structure") if s.label == "author"]
    if not authors:
        return
    taken = Occupancy(mentions)
    for a in authors:
        surface = doc.text[a.start : a.end]
        words = surface.split()
        if not 2 <= len(words) <= 4 or taken.overlaps(a.start, a.end):
            continue
        if not all(w[:1].isupper() and w.replace("-", "").replace(".", "").replace("'", "").isalpha() for w in words):
            continue
        t0 = bisect_left(toks.start, a.start)
        t1 = bisect_left(toks.start, a.end)
        if t0 >= toks.n or toks.start[t0] != a.start or toks.end[t1 - 1] != a.end:
            continue
        m = Mention(a.start, a.end, "PERSON", t0, t1, score=SCORE_ADDED, source="structure")
        m.norm, m.strong = normalize_surface(surface), True
        parse_person(m)
        mentions.append(m)
    mentions.sort(key=lambda m: m.start)


def split_qualified_orgs(gaz: Gazetteer, mentions: list[Mention], toks: Tokens, text: str) -> list[Mention]:
    """"UK Ministry of Defense", "Russian Ministry of Defense": a country mention and an institution mention."""
    out: list[Mention] = []
    for m in mentions:
        parts = _split_one(gaz, m, toks, text) if m.label == "ORG" and m.org is None and m.t1 - m.t0 >= 2 else None
        out.extend(parts or (m,))
    return out


def _split_one(gaz: Gazetteer, m: Mention, toks: Tokens, text: str) -> tuple[Mention, ...] | None:
    """A country word followed only by generic institution words becomes two mentions:
    the country (GPE/NORP) and the institution (ORG, qualified later); so does an
    institution followed by "of (the) <country>"."""
    words = toks.text
    for i in range(m.t1 - 2, m.t0, -1):
        if words[i] != "of":
            continue
        j = toks.next_index(i + 1)
        if words[j].lower() == "the":
            j = toks.next_index(j + 1)
        if j >= m.t1:
            break
        hit = gaz.place(text[toks.start[j] : m.end])
        head_words = [w.lower() for w in words[m.t0 : i] if not w.isspace()]
        if hit is None or not can_qualify(hit[0]) or not is_state_institution(head_words):
            break
        place, form = hit
        h_end = toks.prev_index(i) + 1
        r = Mention(m.start, toks.end[h_end - 1], "ORG", m.t0, h_end)
        r.norm = normalize_surface(text[r.start : r.end])
        q = Mention(toks.start[j], m.end, "NORP" if form == "demonym" else place.type, j, m.t1)
        q.ner_label, q.score = m.label, SCORE_GAZETTEER
        q.place, q.strong, q.norm = place, True, normalize_surface(text[q.start : q.end])
        q.kind = "demonym" if form == "demonym" else ("alias" if form == "alias" else "name")
        return r, q
    for k in range(min(4, m.t1 - m.t0 - 1), 0, -1):
        head_end = m.t0 + k
        head = text[m.start : toks.end[head_end - 1]]
        hit = gaz.place(head)
        if hit is None or not can_qualify(hit[0]):
            continue
        rest = head_end
        if toks.at(rest) in ("'s", "’s"):
            rest += 1
        rest = toks.next_index(rest)
        rest_words = [w.lower() for w in toks.text[rest : m.t1] if not w.isspace()]
        if not is_state_institution(rest_words):
            return None
        place, form = hit
        q = Mention(m.start, toks.end[head_end - 1], "NORP" if form == "demonym" else place.type, m.t0, head_end)
        q.ner_label, q.score = m.label, SCORE_GAZETTEER
        q.place, q.strong, q.norm = place, True, normalize_surface(head)
        q.kind = "demonym" if form == "demonym" else ("alias" if form == "alias" else "name")
        r = Mention(toks.start[rest], m.end, "ORG", rest, m.t1)
        r.norm = normalize_surface(text[r.start : r.end])
        if r.norm.islower():
            return (q,)  # "the Kazakh government": the country, no named organisation
        return q, r
    return None


def scan_places(gaz: Gazetteer, mentions: list[Mention], toks: Tokens, text: str, skip: Intervals) -> list[Mention]:
    """Gazetteer places the NER missed: a capitalised form not part of a longer name and not in ``skip``."""
    taken = Occupancy(mentions)
    added: list[Mention] = []
    tx = toks.text
    i = 0
    while i < toks.n:
        w = tx[i]
        if w not in gaz.scan_first or not is_cap(w):
            i += 1
            continue
        found = None
        for n in range(min(gaz.scan_max_tokens * 2, toks.n - i), 0, -1):
            s = text[toks.start[i] : toks.end[i + n - 1]]
            hit = gaz.scan.get(s)
            if hit is not None:
                found = (n, hit)
                break
        if found is None:
            i += 1
            continue
        n, (place, form) = found
        start, end = toks.start[i], toks.end[i + n - 1]
        j = i + n
        if taken.overlaps(start, end) or skip.overlaps(start, end):
            i = j
            continue
        p = toks.prev_index(i)
        if p >= 0 and is_cap(tx[p]) and tx[p].isalpha() and not toks.sentence_initial(p, text):
            i = j
            continue
        nx = toks.next_index(j)
        if nx < toks.n and is_cap(tx[nx]) and tx[nx].isalpha() and not taken.starts_at(toks.start[nx]):
            i = j
            continue
        if nx < toks.n and tx[nx] == "-" and toks.start[nx] == end:  # "Moscow-based"
            i = j
            continue
        m = Mention(start, end, "NORP" if form == "demonym" else place.type, i, j)
        m.ner_label, m.score, m.source = None, SCORE_ADDED, "gazetteer"
        m.place, m.strong, m.norm = place, True, normalize_surface(text[start:end])
        m.kind = "demonym" if form == "demonym" else ("alias" if form == "alias" else "name")
        added.append(m)
        i = j
    if added:
        mentions = sorted(mentions + added, key=lambda m: m.start)
    return mentions
