"""Claims: the sentences of an article worth fact-checking, with who claims them and what can be checked.

Every sentence of the article's own prose (title, headings, paragraphs; never disclaimers, links or
boilerplate) is scored by the check-worthiness model, trained on CheckThat! 2024 Task 1: by default a head on
the shared fine-tuned encoder, reading each sentence in its article (:mod:`narrascope.encoder.heads`; the
encoder's pass over the document is shared with the roles head), with ``--fast`` the linear model
(:mod:`narrascope.models.checkworthiness`). Sentences at or above the model's threshold become spans in
layer ``claims``:

* ``label`` ``"claim"``, ``score`` the calibrated probability that the sentence is check-worthy;
* ``attrs.reason``: a short plain-English reason from the strongest cues ("states a quantity (390 soldiers);
  attributes to the ministry; names an organisation (NATO)");
* ``attrs.claimant``: the speaker of the quote the sentence lies in (from the ``quotes`` layer), else the
  article's author (``doc.metadata["author"]`` or the structure layer's author line), else "the author";
  ``attrs.claimant_source``: ``"quote"``, ``"attribution"`` or ``"author"``;
* ``attrs.parts``: ``quantities`` (numbers with their unit noun, percentages, fractions, money), ``dates``,
  ``entities`` (spans of the ``entities`` layer overlapping the sentence: text, label, group), and
  ``attributions`` ("according to …", "said", "reported"), each ``{"text", "start", "end", ...}`` with
  offsets into ``doc.text``;
* ``attrs.threshold`` and ``attrs.model``.

``groups["claims"]`` is not written: a claim is one sentence; cross-document matching lives in
:mod:`narrascope.claim_matching`.

Bounded work: the sentences are bounded units of the analysed prose (:func:`narrascope.text.analysis_text`),
scored by one encoder pass over at most the document's first 400 windows (the rest by the linear model:
:mod:`narrascope.encoder.documents`), or with ``--fast`` in one linear pass of hashed n-grams; a claim's entities and quote are found by bisection over indexes
built once per document (a scan of every entity per claim was quadratic).
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Document
from ..pipeline import register_analyzer
from ..text import SpanIndex, analysis_text
from .base import Analyzer
from .quantities import parse_dates, parse_numbers

LAYER = "claims"
_ATTRIBUTION = re.compile(
    r"\b(?:(?i:according)\s+to\s+(?P<src>(?:the\s+)?[A-Z\u0400-\u04ff][\w\u0400-\u04ff'’.-]*(?:\s+(?:of\s+(?:the\s+)?)?"
    r"[A-Z\u0400-\u04ff][\w\u0400-\u04ff'’.-]*){0,5}|(?:the\s+)?[a-z]+(?:\s+[a-z]+)?)"
    r"|(?:said|says|stated|reported|reports|claimed|claims|announced|told|confirmed|revealed|alleged|insisted|"
    r"wrote|writes|estimated|estimates)\b)")
_ENTITY_REASONS = {"ORG": "names an organisation", "PERSON": "names a person", "GPE": "names a place",
                   "LOC": "names a place", "NORP": "names a group", "EVENT": "names an event"}
_CHANGE = re.compile(r"\b(?:increased?|decreased?|rose|risen|fell|fallen|grew|doubled|tripled|halved|more\s+than|"
                     r"less\s+than|fewer\s+than|highest|lowest|largest|biggest|record|most|least)\b", re.I)
_VERBS_OF_FACT = re.compile(r"\b(?:is|are|was|were|has|have|had|belongs?|owns?|controls?|sent|killed|signed|"
                            r"planned|involved|funded|paid|cost|voted)\b", re.I)


def _clip(s: str, n: int = 40) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "\u2026"


class _EntityIndex:
    """The entity layer sorted by start, with each span's group: built once per document, so that a claim
    finds its entities by bisection instead of scanning every entity of the document."""

    def __init__(self, doc: Document) -> None:
        group_of = {}
        for g in doc.groups.get("entities", []):
            for sid in g.span_ids:
                group_of[sid] = g
        self.group_of = group_of
        self.index = SpanIndex(doc.spans("entities"))

    def overlapping(self, start: int, end: int) -> list:
        return self.index.overlapping(start, end)


def claim_parts(doc: Document, start: int, end: int, index: _EntityIndex | None = None) -> dict[str, list[dict[str, Any]]]:
    """Quantities, dates, entities and attribution phrases inside ``doc.text[start:end]`` (doc offsets)."""
    text = analysis_text(doc.text)
    quantities = []
    for n in parse_numbers(text, start, end):
        if n.year:
            continue
        q: dict[str, Any] = {"text": text[n.start:n.end], "start": n.start, "end": n.end, "kind": n.kind,
                             "value": n.value}
        if n.unit and n.extra.get("unit_span"):
            us, ue = n.extra["unit_span"]
            q.update(unit=n.unit, text=text[n.start:ue], end=ue)
        if n.hedge:
            q["hedge"] = n.hedge
        quantities.append(q)
    dates = [{"text": d.text, "start": d.start, "end": d.end,
              "value": "-".join(str(x) for x in (d.year, d.month, d.day) if x is not None)}
             for d in parse_dates(text, start, end)]
    index = index or _EntityIndex(doc)
    entities = []
    for s in index.overlapping(start, end):
        if s.start < end and start < s.end:
            e = {"text": text[s.start:s.end], "start": s.start, "end": s.end, "label": s.label}
            g = index.group_of.get(s.id)
            if g is not None:
                e["entity"] = g.label
                e["group"] = g.id
            entities.append(e)
    attributions = []
    for m in _ATTRIBUTION.finditer(text, start, end):
        a = {"text": m.group(0), "start": m.start(), "end": m.end()}
        if m.group("src"):
            a["source"] = m.group("src").rstrip(".,")
            a["text"] = a["text"].rstrip(".,")
            a["end"] = a["start"] + len(a["text"])
        attributions.append(a)
    return {"quantities": quantities, "dates": dates, "entities": entities, "attributions": attributions}


def reason_for(parts: dict[str, list[dict]], sentence: str, claimant: str, claimant_source: str) -> str:
    """A short plain-English reason: the strongest cues first, at most three."""
    reasons: list[str] = []
    qs = parts["quantities"]
    if any(q["kind"] in ("percent", "fraction") for q in qs):
        q = next(q for q in qs if q["kind"] in ("percent", "fraction"))
        reasons.append(f"states a share ({_clip(q['text'], 24)})")
    elif qs:
        reasons.append(f"states a quantity ({_clip(qs[0]['text'], 24)})")
    src = next((a.get("source") for a in parts["attributions"] if a.get("source")), None)
    if src:
        reasons.append(f"attributes to {_clip(src, 30)}")
    elif claimant_source == "quote":
        reasons.append(f"quotes {_clip(claimant, 30)}")
    elif parts["attributions"]:
        reasons.append(f"reports what someone {parts['attributions'][0]['text'].split()[0].lower()}")
    if parts["dates"]:
        reasons.append(f"gives a date ({_clip(parts['dates'][0]['text'], 20)})")
    seen = set()
    for e in parts["entities"]:
        r = _ENTITY_REASONS.get(e["label"])
        if r and r not in seen and len(reasons) < 3:
            seen.add(r)
            reasons.append(f"{r} ({_clip(e.get('entity') or e['text'], 30)})")
    if len(reasons) < 3 and _CHANGE.search(sentence):
        reasons.append("states a change or comparison")
    if not reasons:
        reasons.append("makes a factual assertion" if _VERBS_OF_FACT.search(sentence) else
                       "reads like a checkable statement")
    return "; ".join(reasons[:3])


def _author(doc: Document) -> str:
    author = doc.metadata.get("author")
    if isinstance(author, list):
        author = ", ".join(str(a) for a in author if a)
    if author:
        return str(author).strip()
    for s in doc.spans("structure"):
        if s.label == "author":
            name = doc.text[s.start:s.end].strip()
            if 0 < len(name) <= 80:
                return name
    return "the author"


class ClaimsAnalyzer(Analyzer):
    name = "claims"
    requires = ("structure",)
    produces = (LAYER,)
    version = "1"

    def __init__(self, model: Any = "default", threshold: float | None = None, max_claims: int | None = None) -> None:
        self.model_name = model  # "default", "fast", a path, or a fitted CheckworthinessModel
        self.threshold = threshold
        self.max_claims = max_claims
        self.options = {"model": model if isinstance(model, str) else type(model).__name__,
                        "threshold": threshold, "max_claims": max_claims}
        self._model = None

    def setup(self) -> None:
        if isinstance(self.model_name, str):
            from ..models.registry import load_model

            self._model = load_model("checkworthiness", self.model_name)
        else:
            self._model = self.model_name

    def __call__(self, doc: Document) -> Document:
        from .prose import prose, prose_sentences

        self.ensure_ready()
        doc.layers[LAYER] = []
        text, ranges = prose(doc)
        if not text.strip():
            return doc
        view = analysis_text(doc.text)
        sents = [(a, b) for a, b in prose_sentences(doc, ranges) if view[a:b].strip()]
        if not sents:
            return doc
        m = self._model
        # each sentence read in its article: the default model's encoder pass over the text is shared with
        # the roles head (narrascope.encoder.documents); a model without predict_spans reads sentences alone
        probs = (m.predict_spans(view, sents) if hasattr(m, "predict_spans")
                 else m.predict_proba([view[a:b] for a, b in sents]))
        threshold = self.threshold if self.threshold is not None else m.threshold_
        chosen = [(p, a, b) for p, (a, b) in zip(probs, sents) if p >= threshold]
        if self.max_claims:
            chosen = sorted(chosen, key=lambda x: -x[0])[: self.max_claims]
        quotes = [q for q in doc.spans("quotes") if q.label in ("quote", "reported_speech") and q.attrs.get("speaker")]
        quote_index = SpanIndex(quotes)
        entities = _EntityIndex(doc)
        author = _author(doc)
        model_label = f"{type(m).__name__} ({self.model_name if isinstance(self.model_name, str) else 'custom'})"
        for p, a, b in sorted(chosen, key=lambda x: x[1]):
            sentence = view[a:b]
            parts = claim_parts(doc, a, b, entities)
            quote = max(quote_index.overlapping(a, b), key=lambda q: min(b, q.end) - max(a, q.start), default=None)
            if quote is not None:
                claimant = quote.attrs.get("speaker_name") or quote.attrs["speaker"]
                source = "quote"
            else:
                src = next((x.get("source") for x in parts["attributions"] if x.get("source")), None)
                claimant, source = (src, "attribution") if src else (author, "author")
            attrs = {"reason": reason_for(parts, sentence, claimant, source), "claimant": claimant,
                     "claimant_source": source, "parts": parts, "threshold": round(float(threshold), 4),
                     "model": model_label}
            if quote is not None:
                attrs["quote_id"] = quote.id
            doc.add_span(LAYER, a, b, "claim", score=round(float(p), 4), source=self.name, attrs=attrs)
        doc.sort_layers()
        return doc


register_analyzer("claims")(ClaimsAnalyzer)
