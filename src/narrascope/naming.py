"""What may be stored as a name: the checks a speaker, a cited source and a person's name pass, shared by the
analyzers that find them and the store that keeps them.

* :func:`clean_name`: a written name without the words around it that are no name ("And", "In", "The",
  "Later"), cut where a sentence ends ("Channel. Feel" -> "Channel"); None when nothing is left, or when what
  is left is a pronoun, a function word, a bare demonym or adjective ("Russian", "Western") or a photo
  agency's credit ("Getty Images"). The word lists are data: ``data/function_words.json`` (closed-class words
  of 8 languages), ``data/name_words.json`` (sentence adverbs, picture agencies) and the demonyms of
  ``data/places.json``. :func:`is_name` is the store's check of a stored label (no sentence end inside).
* :func:`demonym_places` ("Western" -> "West") and :func:`event_heads` (the cue words that make a name an
  event) serve the entity analyzer and the store alike.
* :func:`person_parts` and :func:`person_labels`: the corpus-wide name of each written form of a person's
  name. Forms share a surname key ("Putin", "President Putin", "V. Putin", "Vladimir Putin"); when the full
  forms among them all name one person (their given names agree, initials included), every form takes the
  fullest common form ("Vladimir Putin"); when they name several people ("Boris Johnson", "Lyndon Johnson"),
  each full form keeps its own name, initials join the one person they fit, and the bare surname stays as
  written.

Pure functions of strings; the lists are read once per process.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable

import regex
from anyascii import anyascii

from .resources import load_json

_WS = re.compile(r"\s+")
# A word ending a sentence inside a written name: at least two lower-case letters before the stop, so
# "U.S.", "St." and "Dr." stay inside names while "Channel. Feel" is cut after "Channel".
_SENTENCE_END = regex.compile(r"(?P<word>[\p{L}\p{M}'’-]*\p{Ll}\p{Ll})[.!?…]+(?=\s|$)")
_EDGE_PUNCT = " \t,;:-–—'‘’()[]/"
_QUOTE_MARKS = "\"“”«»„"


@functools.cache
def function_words() -> frozenset[str]:
    """Closed-class words of every language (pronouns, articles, prepositions, conjunctions), lower-cased."""
    data = load_json("function_words.json")
    words = {w.casefold() for lang, ws in data.items() if not lang.startswith("_") for w in ws}
    words.update(w.casefold() for w in load_json("provenance.json").get("function_words", ()))
    return frozenset(words)


@functools.cache
def _name_words() -> dict:
    return load_json("name_words.json")


@functools.cache
def not_name_words() -> frozenset[str]:
    """Words that never name a speaker or a source: function words, sentence adverbs, time words."""
    return function_words() | frozenset(w.casefold() for w in _name_words()["not_names"])


@functools.cache
def leading_non_name_words() -> frozenset[str]:
    """Words that, capitalised at a sentence's start, are no part of the name after them ("And Lopez", "Later
    Brandt"): :func:`not_name_words` less the given names among them ("Will Smith")."""
    return not_name_words() - {w.casefold() for w in _name_words()["given_names_also_words"]}


@functools.cache
def demonyms() -> frozenset[str]:
    """Demonyms and adjectives of places ("Russian", "British", "Western"), lower-cased."""
    places = load_json("places.json")
    out = {d.casefold() for c in places["countries"] for d in c.get("demonyms", ())}
    out.update(d.casefold() for r in places["regions"] for d in r.get("demonyms", ()))
    return frozenset(out)


@functools.cache
def demonym_places() -> dict[str, str]:
    """A place's name for each of its demonyms and adjectives ("western" -> "West", "russian" -> "Russia"):
    the entity analyzer labels a demonym's entity so, and the store reads older documents' labels so."""
    places = load_json("places.json")
    out: dict[str, str] = {}
    for c in places["countries"]:
        for d in c.get("demonyms", ()):
            out.setdefault(d.casefold(), c["name"])
    for r in places["regions"]:
        for d in r.get("demonyms", ()):
            out.setdefault(d.casefold(), r["name"])
    return out


@functools.cache
def _photo_credit() -> re.Pattern:
    names = sorted(_name_words()["photo_agencies"], key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)", re.IGNORECASE)


def is_photo_credit(text: str) -> bool:
    """Names a picture agency or stock library ("Getty Images", "John Doe/AFP Photo")."""
    return bool(_photo_credit().search(text))


@functools.cache
def event_heads() -> tuple[frozenset[str], frozenset[str]]:
    """(last words, first words) that make a name an event ("... Summit", "Operation ...")."""
    data = _name_words()
    return frozenset(w.casefold() for w in data["event_heads"]), frozenset(w.casefold() for w in data["event_first_words"])


def cut_at_sentence_end(text: str) -> str:
    """The part of ``text`` before a sentence ends or a line breaks inside it."""
    text = text.split("\n", 1)[0]
    for m in _SENTENCE_END.finditer(text):
        if m.group("word").casefold() not in _abbreviations():  # "Gen. Smith", "Acme Corp. Ltd" go on
            return text[: m.end("word")]
    return text


@functools.cache
def _abbreviations() -> frozenset[str]:
    return _titles() | frozenset(w.casefold() for w in _name_words()["abbreviations"])


def _word_key(word: str) -> str:
    return word.strip(_EDGE_PUNCT + _QUOTE_MARKS).removesuffix("'s").removesuffix("’s").rstrip(".").casefold()


def _strip_edges(name: str) -> str:
    """Punctuation and spaces off both ends; a quotation mark only when it is unpaired inside the name (so
    'Norland's "worst rival"' keeps its closing mark)."""
    while True:
        stripped = name.strip(_EDGE_PUNCT)
        if stripped != name:
            name = stripped
            continue
        if name[:1] in _QUOTE_MARKS and sum(name.count(q) for q in _QUOTE_MARKS) % 2:
            name = name[1:]
        elif name[-1:] in _QUOTE_MARKS and sum(name.count(q) for q in _QUOTE_MARKS) % 2:
            name = name[:-1]
        else:
            return name


# double quotation marks of the scripts we read; an apostrophe ("O'Brien") is part of names
_QUOTATION_MARKS = frozenset('"“”„‟«»「」『』')


def clean_name(text: str | None) -> str | None:
    """``text`` as a name (see the module's docstring), or None when it is no name."""
    if not text:
        return None
    name = _strip_edges(_WS.sub(" ", cut_at_sentence_end(text.strip())))
    words = name.split()
    stop = not_name_words()
    while words and _word_key(words[0]) in stop:
        words.pop(0)
    while words and _word_key(words[-1]) in stop:
        words.pop()
    if not words:
        return None
    name = _strip_edges(" ".join(words))
    name = re.sub(r"['’]s$", "", name)  # "West Antarctica's": the owner is the name
    last = name.split()[-1]
    if last.endswith(".") and len(last) > 2 and "." not in last[:-1]:
        name = name[:-1]  # "according to UBA.": the sentence's full stop ("U.S." keeps its own)
    if not any(c.isalpha() for c in name):
        return None
    if name.casefold() in demonyms() or is_photo_credit(name):
        return None
    return name


def is_name(text: str | None) -> bool:
    """``text`` as stored may be a speaker's or a source's name: :func:`clean_name` keeps something of it, and it
    runs over no sentence end ("Channel. Feel")."""
    if clean_name(text) is None:
        return False
    if any(c in _QUOTATION_MARKS for c in text):
        # a description holding a quoted phrase ('the country's "worst enemy"') may say who spoke in one
        # quote's attributes, but it is no name to count and draw across the corpus
        return False
    text = text.strip()
    return cut_at_sentence_end(text).rstrip(".!?…") == text.rstrip(".!?…")


# -- people across the corpus ------------------------------------------------------------------------

@functools.cache
def _titles() -> frozenset[str]:
    return frozenset(t.casefold() for t in load_json("provenance.json")["person_titles"])


@functools.cache
def _place_words() -> frozenset[str]:
    """Countries' names, aliases and demonyms, lower-cased, but those the gazetteer marks ambiguous:
    "Russian President Vladimir Putin", "Ukraine's Volodymyr Zelensky" name the person after them."""
    places = load_json("places.json")
    out = {c["name"].casefold() for c in places["countries"]}
    out.update(a.casefold() for c in places["countries"] for a in c.get("aliases", ()))
    # "Jordan Peterson", "Chad Smith": names that are also given names stay
    return (frozenset(out) | demonyms()) - {a.casefold() for a in places.get("ambiguous", ())}


def surname_key(word: str) -> str:
    """A surname as compared across documents: ASCII, lower case, letters only; a romanised East-European or
    Central-Asian surname folded over its spellings ("Zelensky", "Zelenskyy", "Zelenskiy"), as the entity
    analyzer folds them (:func:`narrascope.analyzers.entities.name_key`)."""
    from .analyzers.entities.names import looks_romanised, name_key  # pure string functions

    plain = re.sub(r"[^a-z]", "", anyascii(word).lower())
    return name_key(word).lower() if plain and looks_romanised(word) else plain


def person_parts(name: str) -> tuple[str, tuple[str, ...]] | None:
    """(surname key, given names) of a person's written name, titles and the country before them dropped
    ("Russian President Vladimir Putin" -> ("putin", ("Vladimir",))); None when it does not look like a person's
    name."""
    text = re.sub(r"\"[^\"]*\"|\([^)]*\)|[\[\]{}]", " ", name).replace(",", " ")
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    # "Ruritania's President Ivan Petrov": a possessive is no part of the name after it
    owners = [i for i, w in enumerate(words[:-1]) if w.endswith(("'s", "’s"))]
    if owners:
        words = words[owners[-1] + 1:]
    titles, places = _titles(), _place_words()

    def head(n: int) -> str:
        return " ".join(words[:n]).removesuffix("'s").removesuffix("’s").rstrip(".").casefold()

    while len(words) > 1:
        if len(words) > 2 and head(2) in titles | places:
            words = words[2:]
        elif head(1) in titles or head(1) in places:
            words = words[1:]
        else:
            break
    # "Foreign Minister Sergey Ryabkov", "German Vice-Chancellor Robert Habeck": the name follows the last title
    last_title = [i for i, w in enumerate(words[:-1])
                  if any(part in titles for part in w.rstrip(".").casefold().split("-"))]
    if last_title:
        words = words[last_title[-1] + 1:]
    while len(words) > 1 and words[-1].rstrip(".").casefold() in ("jr", "sr", "ii", "iii", "iv"):
        words.pop()
    if not words or len(words) > 5 or not all(w[:1].isupper() for w in words):
        return None
    key = surname_key(words[-1])
    if len(key) < 2:
        return None
    return key, tuple(words[:-1])


def looks_like_organisation(name: str) -> bool:
    """An acronym ("CNN") or a name whose first or last word makes an organisation ("BBC News", "Energy
    Information Administration"; the entity analyzer's words): no person's name, whatever its capitals."""
    from .analyzers.entities.gazetteer import ORG_HEADS  # a word list

    words = name.split()
    return not words or name.isupper() or words[0].casefold() in ORG_HEADS or words[-1].casefold() in ORG_HEADS


def _initial(given: tuple[str, ...]) -> str:
    return surname_key(given[0])[:1] if given else ""


def _same_given(a: str, b: str) -> bool:
    from .analyzers.entities.names import first_names_compatible  # pure string functions

    return surname_key(a) == surname_key(b) or first_names_compatible([a], [b])


def _is_initial(word: str) -> bool:
    return len(word.rstrip(".")) == 1


# A person's label gives way to another written form only once that form is in this many times as many
# documents: labels settle instead of flipping between two forms of similar counts (every change rewrites the
# labels of the documents that write the person's name).
LABEL_SWITCH_RATIO = 2


def person_labels(forms: Iterable[tuple[str, tuple[str, ...], int]],
                  current: dict[str, str] | None = None) -> dict[str, str]:
    """The corpus-wide label of each written form of one surname: ``forms`` are (form, given names,
    documents) sharing a surname key (see the module's docstring); ``current`` their labels so far, kept while
    still right (see LABEL_SWITCH_RATIO)."""
    forms = list(forms)
    current = current or {}
    documents = {f[0]: f[2] for f in forms}

    def settled(fs: list[tuple[str, tuple[str, ...], int]], label: str) -> str:
        names = {f[0] for f in fs}
        held = {current.get(f[0]) for f in fs} & names
        if len(held) == 1:
            (old,) = held
            if old != label and documents[label] < LABEL_SWITCH_RATIO * documents[old]:
                return old
        return label

    # people: full forms (a written given name, not an initial) whose first given names are compatible (the
    # same, or one spelling of it: "Volodymyr"/"Volodymy"; the entity analyzer's rule), keyed by the first seen
    people: dict[str, list[tuple[str, tuple[str, ...], int]]] = {}
    for f in sorted(forms, key=lambda f: (-f[2], f[0])):
        if f[1] and not _is_initial(f[1][0]):
            first = next((p for p in people if _same_given(p, f[1][0])), f[1][0])
            people.setdefault(first, []).append(f)
    person_of = {f[0]: first for first, fs in people.items() for f in fs}

    def best(fs: list[tuple[str, tuple[str, ...], int]]) -> str:
        # the most common full form; ties: the fuller, then the one with fewer words that are no name (titles,
        # countries), then the longer, then the first alphabetically
        return min(fs, key=lambda f: (-f[2], -len(f[1]), len(f[0].split()) - len(f[1]), -len(f[0]), f[0]))[0]

    out: dict[str, str] = {}
    if len(people) == 1:
        (first, full), = people.items()
        label = settled(full, best(full))
        for f in forms:
            # an initial that does not fit ("J. Putin" beside "Vladimir Putin") is somebody else
            out[f[0]] = f[0] if f[1] and _is_initial(f[1][0]) and _initial(f[1]) != _initial((first,)) else label
        return out
    if not people:
        initials = {_initial(f[1]) for f in forms if f[1]}
        if len(initials) > 1:
            return {f[0]: f[0] for f in forms}  # "A. Smith" and "J. Smith": nothing to merge
        # an initialled form ("V. Putin") names the person best, else the commonest form
        label = settled(forms, min(forms, key=lambda f: (not f[1], -f[2], -len(f[0]), f[0]))[0])
        return {f[0]: label for f in forms}
    labels = {first: settled(fs, best(fs)) for first, fs in people.items()}
    for f in forms:
        if f[0] in person_of:
            out[f[0]] = labels[person_of[f[0]]]
        elif f[1]:
            fits = [first for first in labels if _initial((first,)) == _initial(f[1])]
            out[f[0]] = labels[fits[0]] if len(fits) == 1 else f[0]
        else:
            out[f[0]] = f[0]  # a bare surname of several people stays as written
    return out
