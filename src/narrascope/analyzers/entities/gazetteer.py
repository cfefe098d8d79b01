"""The gazetteer: places (every state with its aliases and demonyms, regions, cities and capitals, seats of
government) and well-known organisations with their acronyms, read from ``data/places.json`` and
``data/orgs.json`` (``scripts/build_places.py`` regenerates the first); and the words that make a name an
organisation or a generic state institution.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from ...resources import load_json
from .names import normalize_surface, text_key

_SCAN_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Place:
    id: str  # "country:GB", "city:Astana", "region:Crimea", "seat:Kremlin"
    name: str
    kind: str  # country, region, city, seat
    type: str  # GPE, LOC, FAC
    code: str | None = None  # ISO alpha-2 of a country
    country: str | None = None  # country code of a city, region or seat
    capital: bool = False


@dataclass(frozen=True)
class Org:
    name: str
    acronyms: tuple[str, ...]
    country: str | None = None


class Gazetteer:
    def __init__(self, places: dict[str, Any], orgs: dict[str, Any]) -> None:
        self.exact: dict[str, tuple[Place, str]] = {}
        self.folded: dict[str, tuple[Place, str]] = {}
        self.countries: dict[str, Place] = {}
        self.ambiguous = frozenset(places.get("ambiguous", ()))

        def add(surface: str, place: Place, form: str) -> None:
            s = normalize_surface(surface)
            self.exact.setdefault(s, (place, form))
            if not s.isupper():
                self.folded.setdefault(s.casefold(), (place, form))

        for c in places["countries"]:
            p = Place(f"country:{c['code']}", c["name"], "country", "GPE", code=c["code"])
            self.countries[c["code"]] = p
            add(c["name"], p, "name")
            for a in c["aliases"]:
                add(a, p, "alias")
        for r in places["regions"]:
            country = r["countries"][0] if len(r["countries"]) == 1 else None
            p = Place(f"region:{r['name']}", r["name"], "region", r["type"], country=country)
            add(r["name"], p, "name")
            for a in r["aliases"]:
                add(a, p, "alias")
        for c in places["cities"]:
            p = Place(f"city:{c['name']}", c["name"], "city", "GPE", country=c["country"], capital=c["capital"])
            add(c["name"], p, "name")
            for a in c["aliases"]:
                add(a, p, "alias")
        for s in places["seats"]:
            p = Place(f"seat:{s['name']}", s["name"], "seat", s["type"], country=s["country"])
            add(s["name"], p, "name")
            for a in s["aliases"]:
                add(a, p, "alias")
        # demonyms last: a name wins over a demonym with the same spelling
        for c in places["countries"]:
            for d in c["demonyms"]:
                add(d, self.countries[c["code"]], "demonym")
        for r in places["regions"]:
            p = self.exact[normalize_surface(r["name"])][0]
            for d in r["demonyms"]:
                add(d, p, "demonym")

        self.org_exact: dict[str, tuple[Org, str]] = {}
        self.org_folded: dict[str, tuple[Org, str]] = {}
        for o in orgs["orgs"]:
            org = Org(o["name"], tuple(o.get("acronyms", ())), o.get("country"))
            for a in org.acronyms:
                self.org_exact.setdefault(normalize_surface(a), (org, "acronym"))
            self.org_folded.setdefault(text_key(o["name"]), (org, "name"))
            for a in o.get("aliases", ()):
                self.org_folded.setdefault(text_key(a), (org, "alias"))

        # "Brussels decided" is the EU, not Belgium
        by_name = {o.name: o for o, _ in list(self.org_folded.values()) + list(self.org_exact.values())}
        self.metonym_org: dict[str, Org] = {}
        for city, org_name in places.get("metonym_overrides", {}).items():
            if org_name in by_name and normalize_surface(city) in self.exact:
                self.metonym_org[self.exact[normalize_surface(city)][0].id] = by_name[org_name]

        # Forms the scan over tokens may add without the NER: not ambiguous, capitalised,
        # not starting with "the".
        self.scan: dict[str, tuple[Place, str]] = {}
        self.scan_first: set[str] = set()
        self.scan_max_tokens = 1
        for s, hit in self.exact.items():
            if s in self.ambiguous or not s[:1].isupper() or s.lower().startswith("the "):
                continue
            if len(s) < 2 or (len(s) < 3 and not s.isupper()):
                continue
            self.scan[s] = hit
            toks = _SCAN_TOKEN.findall(s)
            self.scan_first.add(toks[0])
            self.scan_max_tokens = max(self.scan_max_tokens, len(toks))

    def place(self, surface: str) -> tuple[Place, str] | None:
        s = normalize_surface(surface)
        hit = self.exact.get(s)
        if hit is None and (not s.isupper() or len(s) >= 5):
            hit = self.folded.get(s.casefold())
        return hit

    def org(self, surface: str) -> tuple[Org, str] | None:
        s = normalize_surface(surface)
        hit = self.org_exact.get(s)
        if hit is None and not (s.isupper() and len(s) <= 4):
            hit = self.org_folded.get(text_key(s))
        return hit


@functools.cache
def load_gazetteer() -> Gazetteer:
    """The gazetteer, built once per process."""
    return Gazetteer(load_json("places.json"), load_json("orgs.json"))


def can_qualify(place: Place) -> bool:
    """Countries and political regions qualify institutions; continents and seas do not."""
    return place.kind == "country" or (place.kind == "region" and place.type == "GPE")


# -- words of organisation names ------------------------------------------------------------------

# Words that, first or last in a span, make it an organisation.
ORG_HEADS = frozenset(
    """ministry ministries service services council party union organization organisation
    committee commission bank company corporation corp inc ltd llc plc group fund institute
    university academy foundation forces army navy guard parliament assembly court office
    department bureau alliance front movement association federation directorate administration
    authority agency cabinet government duma senate congress police brigade battalion regiment
    division command club society league coalition tv channel radio news times post gazette
    telegraph journal tribune herald media press broadcasting network daily insider holding
    holdings concern airlines railways""".split()
)

# Words of generic state institutions, which need a country qualifier to identify them.
GENERIC_ORG_WORDS = frozenset(
    """ministry ministries of the and for defense defence foreign affairs interior internal
    justice finance finances economy economic development health education energy emergency
    emergencies situations trade industry agriculture culture transport security national state
    federal general staff armed forces force air navy army naval military intelligence service
    services office embassy consulate government parliament cabinet council committee central
    bank prosecutor prosecutors supreme court constitutional guard border police investigative
    presidential administration department foreign-affairs special operations""".split()
)
# One of these must be among the generic words: "Development Bank" is no state institution.
STATE_HEADS = frozenset(
    """ministry ministries office embassy consulate government parliament cabinet forces army
    navy staff service services guard police court prosecutor committee council administration
    department directorate intelligence""".split()
)


def is_state_institution(words: list[str]) -> bool:
    """Generic words only ("ministry of defense", "armed forces", "central bank")."""
    if not words or not all(w in GENERIC_ORG_WORDS for w in words):
        return False
    return any(w in STATE_HEADS for w in words) or ("central" in words and "bank" in words)
