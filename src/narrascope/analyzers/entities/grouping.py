"""Merging mentions into one group per real-world referent (the package docstring's "Keys and merging"):
places on their gazetteer entry (capitals and seats read as their state by :mod:`.metonymy`), organisations
on a key, acronyms with their expansions, people by surname and given names; and each group's kind, label and
attributes.
"""

from __future__ import annotations

import re
from typing import Any

from .gazetteer import Gazetteer
from .mentions import SCORE_CONTEXT, Mention
from .metonymy import government_cue, locative_before
from .names import ACRONYM, SurnameIndex, first_names_compatible, surnames_match, text_key
from .tokens import Tokens

# words left out of an organisation's initials ("Organization for Security and Co-operation in Europe": OSCE)
STOP_LOWER = frozenset({"of", "the", "and", "for", "on", "in", "de", "du", "des", "la", "le", "al", "&", "to", "at"})


class UnionFind:
    """Disjoint sets of mention indexes, merged as evidence that two mentions share a referent is found."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the earlier index stays the root
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _label_class(label: str) -> str:
    # one-word names typed PERSON/ORG/WORK_OF_ART by the NER share a key; the vote settles them
    return "ORG" if label in ("ORG", "WORK_OF_ART") else label


_MINISTRY_OF = {
    "foreign": "ministry of foreign affairs",
    "defense": "ministry of defense",
    "interior": "ministry of internal affairs",
    "finance": "ministry of finance",
    "justice": "ministry of justice",
    "economy": "ministry of economy",
    "energy": "ministry of energy",
    "health": "ministry of health",
    "education": "ministry of education",
    "emergencies": "ministry of emergency situations",
}


def _org_base(key: str) -> str:
    """'defense ministry' -> 'ministry of defense'; 'foreign ministry' -> 'ministry of foreign affairs'."""
    words = key.split()
    if len(words) == 2 and words[1] == "ministry" and words[0] in _MINISTRY_OF:
        return _MINISTRY_OF[words[0]]
    if key == "ministry of internal affairs" or key == "interior ministry":
        return "ministry of internal affairs"
    return key


def group_mentions(gaz: Gazetteer, mentions: list[Mention], toks: Tokens, text: str) -> list[list[Mention]]:
    """The mentions merged into one list per referent, in order of first mention (sets ``key``, and the
    metonymy reading of capitals and seats)."""
    uf = UnionFind(len(mentions))
    index = {id(m): i for i, m in enumerate(mentions)}
    keyed: dict[tuple, int] = {}

    def join_key(i: int, key: tuple) -> None:
        if key in keyed:
            uf.union(keyed[key], i)
        else:
            keyed[key] = i

    people: list[int] = []
    generic_bases: dict[str, set[str]] = {}
    for i, m in enumerate(mentions):
        if m.place is not None:
            place = m.place
            key: tuple = ("place", place.id)
            if place.kind == "city" and place.capital:
                cue = government_cue(m, toks, text)
                if cue:
                    m.cue = cue
                    m.kind = "capital_metonym"
                    m.score = min(m.score, SCORE_CONTEXT)
                    key = ("place", f"country:{place.country}")
                    org = gaz.metonym_org.get(place.id)
                    if org is not None:
                        m.place, m.org, m.key = None, org, ("org", org.name)
                        m.relabel("ORG", SCORE_CONTEXT)
                        join_key(i, m.key)
                        continue
            elif place.kind == "seat":
                if not locative_before(m, toks):
                    m.cue = "seat"
                    m.kind = "seat_metonym"
                    m.relabel("ORG", SCORE_CONTEXT)
                    key = ("place", f"country:{place.country}")
            m.key = key
            join_key(i, key)
        elif m.label == "PERSON" and m.surname:
            people.append(i)
        elif m.org is not None:
            m.key = ("org", m.org.name)
            join_key(i, m.key)
        else:
            k = text_key(m.norm)
            if m.label == "ORG":
                k = _org_base(k)
                if m.qualifier:
                    generic_bases.setdefault(k, set()).add(m.qualifier)
                    k = f"{k}|{m.qualifier}"
            m.key = ("text", _label_class(m.label), k)
            join_key(i, m.key)
    # an unqualified generic institution joins the one qualified group with its base
    for i, m in enumerate(mentions):
        if m.key and m.key[0] == "text" and m.label == "ORG" and not m.qualifier:
            quals = generic_bases.get(m.key[2])
            if quals and len(quals) == 1:
                (q,) = quals
                other = keyed.get(("text", "ORG", f"{m.key[2]}|{q}"))
                if other is not None:
                    uf.union(other, i)
    # aliases, acronyms, short names
    for i, m in enumerate(mentions):
        target = m.alias_of or m.short_of
        if target is not None and id(target) in index:
            uf.union(index[id(target)], i)
    _join_acronyms(mentions, uf)
    _join_people(mentions, people, uf)
    # groups in order of first mention
    buckets: dict[int, list[Mention]] = {}
    for i, m in enumerate(mentions):
        buckets.setdefault(uf.find(i), []).append(m)
    return sorted(buckets.values(), key=lambda ms: ms[0].start)


def _join_acronyms(mentions: list[Mention], uf: UnionFind) -> None:
    initials: dict[str, int] = {}
    for i, m in enumerate(mentions):
        if m.label != "ORG" or m.t1 - m.t0 < 2:
            continue
        words = [w for w in re.split(r"[\s\-]+", m.norm) if w and w.lower() not in STOP_LOWER]
        if len(words) >= 2 and all(w[:1].isupper() for w in words):
            initials.setdefault("".join(w[0] for w in words).upper(), i)
    if not initials:
        return
    for i, m in enumerate(mentions):
        if m.label == "ORG" and ACRONYM.match(m.norm):
            j = initials.get(m.norm.replace(".", "").replace("-", ""))
            if j is not None:
                uf.union(j, i)
                if m.kind == "name":
                    m.kind = "acronym"


def _join_people(mentions: list[Mention], people: list[int], uf: UnionFind) -> None:
    full = [i for i in people if mentions[i].given]
    lone = [i for i in people if not mentions[i].given]
    # full names: same surname (by key) and compatible given names
    # (clusters are compared by their first member: indexed by its surname, looked up, not scanned)
    clusters: list[list[int]] = []
    heads = SurnameIndex()
    for i in full:
        m = mentions[i]
        for k in heads.candidates(m.surname):
            c = clusters[k]
            r = mentions[c[0]]
            if surnames_match(m.surname, r.surname) and first_names_compatible(m.given, r.given):
                c.append(i)
                uf.union(c[0], i)
                break
        else:
            heads.add(m.surname, len(clusters))
            clusters.append([i])
    members = SurnameIndex()  # clusters by every member's surname
    given_first: dict[str, list[int]] = {}  # clusters by their members' first given names
    for k, c in enumerate(clusters):
        for j in c:
            members.add(mentions[j].surname, k)
            if mentions[j].given and k not in given_first.get(mentions[j].given[0], [])[-1:]:
                given_first.setdefault(mentions[j].given[0], []).append(k)
    # surname-only mentions: the one matching person, or the nearest preceding one
    lone_clusters: list[list[int]] = []
    lone_heads = SurnameIndex()
    for i in lone:
        m = mentions[i]
        cands = [clusters[k] for k in members.candidates(m.surname)
                 if any(surnames_match(m.surname, mentions[j].surname) for j in clusters[k])]
        if cands:
            if len(cands) == 1:
                c = cands[0]
            else:
                def last_before(c: list[int]) -> int:
                    starts = [mentions[j].start for j in c if mentions[j].start < m.start]
                    return max(starts) if starts else -1

                before = [c for c in cands if last_before(c) >= 0]
                c = max(before, key=last_before) if before else min(cands, key=lambda c: mentions[c[0]].start)
            uf.union(c[0], i)
            if m.kind == "name":
                m.kind = "surname"
            continue
        # a lone given name of exactly one person ("Anna" after "Anna Keller")
        by_given = [clusters[k] for k in given_first.get(m.surname, [])]
        if len(by_given) == 1:
            uf.union(by_given[0][0], i)
            m.kind = "first_name"
            continue
        for k in lone_heads.candidates(m.surname):
            c = lone_clusters[k]
            if surnames_match(m.surname, mentions[c[0]].surname):
                c.append(i)
                uf.union(c[0], i)
                break
        else:
            lone_heads.add(m.surname, len(lone_clusters))
            lone_clusters.append([i])


def describe(ms: list[Mention], gaz: Gazetteer) -> tuple[str, str, dict[str, Any]]:
    """A group's kind, label and attributes, from its mentions."""
    attrs: dict[str, Any] = {}
    places = [m.place for m in ms if m.place is not None]
    if places:
        key = ms[0].key[1] if ms[0].key else places[0].id
        kind_id, _, ident = key.partition(":")
        if kind_id == "country":
            country = gaz.countries.get(ident)
            if country is not None:
                attrs["country_code"] = country.code
                return "GPE", country.name, attrs
        place = next((p for p in places if p.id == key), places[0])
        if place.country:
            attrs["in_country"] = place.country
        if place.kind == "city" and place.capital and place.country in gaz.countries:
            attrs["capital_of"] = gaz.countries[place.country].name
        elif place.kind == "seat" and place.country in gaz.countries:
            attrs["seat_of"] = gaz.countries[place.country].name
        return place.type, place.name, attrs
    orgs = [m.org for m in ms if m.org is not None]
    labels: dict[str, int] = {}
    for m in ms:
        labels[m.label] = labels.get(m.label, 0) + 1
    kind = max(labels, key=lambda lab: (labels[lab], lab == "ORG"))
    if orgs:
        if orgs[0].country:
            attrs["country_code"] = orgs[0].country
        if orgs[0].acronyms:
            attrs["acronym"] = orgs[0].acronyms[0]
        return "ORG", orgs[0].name, attrs
    if kind == "PERSON":
        full = [m for m in ms if m.given]
        if not full:
            # lone surnames only: the most frequent spelling
            counts: dict[str, int] = {}
            for m in ms:  # insertion order = first occurrence, which wins ties
                counts[m.norm] = counts.get(m.norm, 0) + 1
            return "PERSON", max(counts, key=counts.__getitem__), attrs
        best = max(full or ms, key=lambda m: (len(m.given), len(m.norm)))
        return "PERSON", best.norm, attrs
    acr = [m for m in ms if ACRONYM.match(m.norm) and m.kind in ("acronym", "alias")]
    non_acr = [m for m in ms if m not in acr and m.kind != "short_name"] or ms
    best = max(non_acr, key=lambda m: (m.t1 - m.t0, len(m.norm)))
    label = best.norm
    if acr:
        attrs["acronym"] = acr[0].norm
    quals = [m for m in ms if m.qualifier_name]
    if quals:
        q = quals[0].qualifier_name
        attrs["qualifier"] = q
        label = f"{best.norm} ({q})"
    return kind, label, attrs
