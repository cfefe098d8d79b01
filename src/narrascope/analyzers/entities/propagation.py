"""The steps that read the whole document's mentions: a surname seen in a full name makes lone tokens and
NER misses PERSON; "X (Y)" makes Y an alias, "Tsargrad" the short name of "Tsargrad TV"; a vote settles lone
tokens only the NER typed; a country written next to a generic institution qualifies it.
"""

from __future__ import annotations

from ...text import Intervals
from .gazetteer import ORG_HEADS, can_qualify, is_state_institution
from .mentions import SCORE_ADDED, SCORE_CONTEXT, SCORE_GAZETTEER, Mention, parse_person
from .names import ACRONYM, SurnameIndex, name_key, surnames_match, text_key
from .tokens import Occupancy, Tokens, is_cap

# labels the NER may give a full name that the surname elsewhere shows to be a person's
_PERSONABLE = frozenset({"ORG", "WORK_OF_ART", "GPE", "NORP", "FAC", "PRODUCT", "LOC"})
# entities whose alias may follow in parentheses ("... Company (Kazatomprom)")
ALIAS_HOLDERS = frozenset({"ORG", "EVENT", "PRODUCT", "FAC", "LAW", "WORK_OF_ART"})
# Trailing words dropped to find an organisation's short name ("Tsargrad TV" -> "Tsargrad").
MEDIA_SUFFIXES = frozenset({"tv", "channel", "radio", "news", "media", "agency", "group", "holding", "network"})


def propagate_surnames(mentions: list[Mention], toks: Tokens, text: str, skip: Intervals) -> None:
    """People: the surname of a full name elsewhere in the document makes a mention PERSON, and adds the
    tokens the NER missed."""
    # a multi-word name the NER typed ORG (etc.) whose last word is a person's surname elsewhere
    lone_people = sorted({m.surname for m in mentions if m.label == "PERSON" and m.surname})
    people_index = SurnameIndex()
    for k, name in enumerate(lone_people):
        people_index.add(name, k)
    for m in mentions:
        if m.strong or m.label not in _PERSONABLE or m.t1 - m.t0 < 2:
            continue
        words = m.norm.split()
        if len(words) < 2 or not all(w[:1].isupper() for w in words):
            continue
        if any(w.lower() in ORG_HEADS for w in words):
            continue
        if any(surnames_match(words[-1], lone_people[k]) == "exact"
               for k in people_index.candidates(words[-1], exact_only=True)):
            m.relabel("PERSON", SCORE_CONTEXT)
            m.strong = True
            parse_person(m)
    full = [m for m in mentions if m.label == "PERSON" and m.given and m.surname]
    if not full:
        return
    surnames = {}
    for m in full:
        surnames.setdefault(m.surname, m)
    names = list(surnames)
    surname_index = SurnameIndex()
    for k, name in enumerate(names):
        surname_index.add(name, k)
    # lone tokens the NER typed otherwise
    for m in mentions:
        if m.label == "PERSON" or m.t1 - m.t0 != 1 or not m.norm[:1].isupper():
            continue
        best = None
        for s in (names[k] for k in surname_index.candidates(m.norm)):
            how = surnames_match(m.norm, s)
            if how == "exact":
                best = how
                break
            if how == "fuzzy":
                best = how
        # gazetteer-typed tokens ("Jordan" with "Michael Jordan" elsewhere) need an exact match
        if best is None or (m.strong and best != "exact"):
            continue
        m.relabel("PERSON", SCORE_GAZETTEER if best == "exact" else SCORE_CONTEXT)
        m.place, m.org, m.strong = None, None, True
        m.surname, m.given, m.kind = m.norm, [], "surname"
    # surnames the NER missed altogether (any romanisation of them)
    keys = {name_key(s) for s in surnames}
    taken = Occupancy(mentions)
    tx = toks.text
    # a surname that is also an English word ("Will", "Rose") is added only if the text
    # never writes that word in lower case
    lower_words = {w for w in tx if w.islower()}
    for i, w in enumerate(tx):
        if w.lower() in lower_words:
            continue
        if w not in surnames:
            if len(w) < 3 or not w.isalpha() or not w[0].isupper() or name_key(w) not in keys:
                continue
            if not any(surnames_match(w, names[k]) == "exact" for k in surname_index.candidates(w, exact_only=True)):
                continue
        if not taken.overlaps(toks.start[i], toks.end[i]):
            s, e = toks.start[i], toks.end[i]
            if skip.overlaps(s, e):
                continue
            p = toks.prev_index(i)
            nx = toks.next_index(i + 1)
            if (p >= 0 and is_cap(tx[p]) and tx[p].isalpha() and not toks.sentence_initial(p, text)) or (
                nx < toks.n and is_cap(tx[nx]) and tx[nx].isalpha()
            ):
                continue
            m = Mention(s, e, "PERSON", i, i + 1, score=SCORE_ADDED, source="surname")
            m.surname, m.kind, m.norm, m.strong = w, "surname", w, True
            mentions.append(m)


def find_aliases(mentions: list[Mention], toks: Tokens, text: str) -> None:
    """Aliases in parentheses after a name, and short names of media and companies."""
    by_start = {m.start: m for m in mentions}
    for m in mentions:
        # X (Y): Y is an alias of X when Y is one capitalised token or an acronym
        j = toks.next_index(m.t1)
        while j < toks.n and toks.text[j] in ('"', "”", "'", "’", "»"):
            j = toks.next_index(j + 1)
        if toks.at(j) != "(" or m.label not in ALIAS_HOLDERS:
            continue
        k = toks.next_index(j + 1)
        y = by_start.get(toks.start[k]) if k < toks.n else None
        close = toks.next_index(k + 1)
        if toks.at(close) != ")":
            continue
        if y is None:
            w = toks.at(k)
            if not is_cap(w) or not w.replace("-", "").isalnum():
                continue
            y = Mention(toks.start[k], toks.end[k], m.label, k, k + 1, score=SCORE_ADDED, source="alias")
            y.norm = w
            mentions.append(y)
            by_start[y.start] = y
        if y.label == "PERSON" and y.given:
            continue
        if y.place is not None or (y.strong and y.label != m.label):
            continue
        if y.org is not None and m.org is not None and y.org != m.org:
            continue
        y.alias_of = m
        y.kind = "acronym" if ACRONYM.match(y.norm) else "alias"
        if y.label != m.label:
            y.relabel(m.label, SCORE_CONTEXT)
        y.strong = True
    mentions.sort(key=lambda m: m.start)
    # short names of media and companies: "Tsargrad" for "Tsargrad TV"
    shorts: dict[str, Mention] = {}
    for m in mentions:
        if m.label == "ORG" and m.t1 - m.t0 >= 2:
            words = m.norm.split()
            if words[-1].lower() in MEDIA_SUFFIXES:
                shorts.setdefault(text_key(" ".join(words[:-1])), m)
    if shorts:
        for m in mentions:
            if m.t1 - m.t0 == 1 and not (m.strong and m.label != "ORG") and m.place is None:
                target = shorts.get(text_key(m.norm))
                if target is not None and target is not m:
                    m.short_of = target
                    m.relabel("ORG", SCORE_CONTEXT)
                    m.kind = "short_name"
                    m.strong = True


# .. vote on lone tokens typed only by the NER ..................................................
def vote(mentions: list[Mention]) -> None:
    """One label for same-text lone tokens that only the NER typed."""
    weak: dict[str, list[Mention]] = {}
    strong_label: dict[str, str] = {}
    for m in mentions:
        k = text_key(m.norm)
        if m.strong:
            strong_label.setdefault(k, m.label)
        elif m.t1 - m.t0 == 1 and not m.given:
            weak.setdefault(k, []).append(m)
    for k, ms in weak.items():
        if k in strong_label:
            label = strong_label[k]
        else:
            counts: dict[str, int] = {}
            for m in ms:
                counts[m.label] = counts.get(m.label, 0) + 1
            # ties: ORG before PERSON before the rest (an organisation named by one word
            # is more common in news than a person named only by a surname nobody gave in full)
            order = {"ORG": 0, "PERSON": 1, "GPE": 2}
            label = min(counts, key=lambda lab: (-counts[lab], order.get(lab, 3), lab))
        for m in ms:
            if m.label != label:
                m.relabel(label, SCORE_CONTEXT)
                if label == "PERSON":
                    m.surname, m.kind = m.norm, "surname"
                else:
                    m.surname, m.given = "", []
                    if m.kind == "surname":
                        m.kind = "name"


def qualify(mentions: list[Mention], toks: Tokens, text: str) -> None:
    """The country that qualifies a generic institution, written right before or after it."""
    by_end = {m.end: m for m in mentions}
    by_start = {m.start: m for m in mentions}
    for m in mentions:
        if m.label != "ORG" or m.org is not None:
            continue
        if not is_state_institution([w.lower() for w in m.norm.split()]):
            continue
        i = toks.prev_index(m.t0)
        if toks.at(i).lower() == "the":
            i = toks.prev_index(i)
        if toks.at(i) in ("'s", "’s", "'", "’"):
            i = toks.prev_index(i)
        q = by_end.get(toks.end[i]) if i >= 0 else None
        if q is None or q.place is None:
            # "Ministry of Defence of the United Kingdom"
            j = toks.next_index(m.t1)
            if toks.at(j) == "of":
                j = toks.next_index(j + 1)
                if toks.at(j).lower() == "the":
                    j = toks.next_index(j + 1)
                after = by_start.get(toks.start[j]) if j < toks.n else None
                if after is not None and after.place is not None:
                    q = after
        if q is None or q is m:
            continue
        if q.place is not None:
            if not can_qualify(q.place):
                continue
            code = q.place.code or q.place.country
            m.qualifier = q.place.id if q.place.kind != "country" else f"country:{code}"
            m.qualifier_name = q.place.name
        elif q.label in ("ORG", "GPE", "NORP"):
            m.qualifier = "text:" + text_key(q.norm)
            m.qualifier_name = q.norm
