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
3. Context: a name ending with War, Summit, Olympics, Operation... or starting with Operation, Battle...
   (``data/name_words.json``) is an EVENT unless a word of it makes an organisation ("Special Military
   Operation", "NATO Summit"; not "Institute for the Study of War"); a last/first word such as Ministry,
   Agency, Party, Union, TV, Channel, News makes an ORG; a following weapon noun ("Iskander missiles") makes a PRODUCT; a token in
   parentheses right after an entity is an alias of it ("... Company (Kazatomprom)").
4. A document-level vote among same-text lone tokens whose type only the NER gave.

A span's first word that only the sentence capitalised and that is no name ("And Lopez added", "Later
Brandt said": function words and sentence adverbs, :func:`narrascope.naming.leading_non_name_words`) is trimmed.

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

**Where things live.**

* :mod:`.names`: surface normalisation, organisation keys, transliteration-aware name keys and surname
  matching;
* :mod:`.gazetteer`: places (states with aliases and demonyms, regions, cities and capitals, seats of
  government) and organisations from ``data/places.json`` and ``data/orgs.json``, and the words of
  organisation names;
* :mod:`.tokens`: spaCy's tokens as plain lists, the NER's bounded pieces, occupied ranges;
* :mod:`.mentions`: a mention, and the steps that find, trim, split and type mentions one at a time (span
  edges);
* :mod:`.propagation`: the steps that read the whole document: surname propagation, aliases and short
  names, the vote, country qualifiers of institutions;
* :mod:`.metonymy`: is a capital (or a seat of government) the place or its state;
* :mod:`.grouping`: the union-find that merges mentions into one group per referent, and each group's label;
* :mod:`.analyzer`: :class:`EntityAnalyzer` (registered as ``"entities"``), which runs the steps in order
  and writes the layer (boilerplate skipped, bounded work).
"""

from .analyzer import EntityAnalyzer
from .gazetteer import load_gazetteer
from .names import name_key, surnames_match

__all__ = ["EntityAnalyzer", "load_gazetteer", "name_key", "surnames_match"]
