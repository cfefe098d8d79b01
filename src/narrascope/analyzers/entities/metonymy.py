"""Capitals and seats of government: the place, or the state that acts from it?

A capital merges into its country's group (mention_kind
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
"""

from __future__ import annotations

from .mentions import Mention
from .tokens import Tokens, is_cap

# -- words the cues read ----------------------------------------------------------------------------

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
# words ending in -ed that are no past tense
ED_NOUNS = frozenset({"red", "bed", "need", "speed", "seed", "feed", "creed", "shed", "hundred", "bred", "sled", "breed", "greed", "steed", "weed", "reed", "bled", "fled"})


def locative_before(m: Mention, toks: Tokens) -> bool:
    p = toks.prev_index(m.t0)
    w = toks.at(p).lower()
    if w == "the":
        w = toks.at(toks.prev_index(p)).lower()
    return w in LOC_PREPS


def government_cue(m: Mention, toks: Tokens, text: str) -> str | None:
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
    if after and is_cap(after) and after.isalpha():
        return None  # part of a longer name ("London Bridge")
    if nx < toks.n and toks.start[nx] == m.end and after in ("-", "–"):
        return None  # "Moscow-based"
    # coordination: "Moscow and Beijing have agreed" -> look past "and <capitalised>"
    j = nx
    if after in ("and", ",") and j + 1 < toks.n:
        k = toks.next_index(j + 1)
        if is_cap(toks.at(k)):
            j = toks.next_index(k + 1)
            after = toks.at(j)
    return _verb_after(toks, j)


def _verb_after(toks: Tokens, j: int) -> str | None:
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
            is_cap(nxt) and nxt.isalpha()
        ):
            return "verb"
    return None
