"""Persuasion techniques: which devices the article uses, and where (SemEval-2023 Task 3 taxonomy).

Adds layer ``techniques``: one span per phrase found, ``label`` = the official technique name, ``score`` = the
model's probability, and ``attrs``: ``category``, ``threshold`` (the decision is ``score >= threshold``),
``paragraph`` (index of the prose paragraph: title, headings and paragraphs alike), ``reason`` (one sentence
saying what carried the decision) and ``origin`` (``model``, ``rule`` or ``llm``). Overlapping spans of
different techniques are all kept.

The default model is the encoder head (:mod:`narrascope.encoder.technique_head`): phrases from the token
states of the encoder pass the other heads share, on word boundaries, never only function words; a
paragraph's techniques are those of its phrases. ``--fast`` uses the n-gram model
(:class:`narrascope.models.techniques.TechniqueClassifier`): paragraph decisions, evidence from its token
tagger or word weights; it also reads the paragraphs of a huge document past the encoder's window budget.

Adds ``groups["techniques"]``: one group per technique with its spans (``attrs.count``, ``attrs.paragraphs``,
``attrs.description``, ``attrs.category``). :func:`paragraph_labels` derives the paragraph-level labels from
the spans, as SemEval-2023 subtask 3 scores them.

Besides the trained model, one rule from narrascope's own extension of the taxonomy: a *rhetorical question*
is a question in the author's voice (a prose sentence ending in "?" outside any quote). It is labelled
``Rhetorical_Question`` and never mixed into SemEval outputs.

Only the article's own prose is read (title, headings, paragraphs). Bounded work: the paragraphs are bounded
processing units of :func:`narrascope.text.analysis_text` (at most ``MAX_PARAGRAPH_CHARS`` each and
``MAX_ANALYSED_CHARS`` in all), and the model featurizes them in batches of at most
``models.techniques.BATCH_CHARS`` characters, so time is linear in the analysed prose and memory bounded by a
batch. With an LLM backend (``backend=``) the
techniques and their quotes come from the LLM instead, validated against the taxonomy and the text.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Document, Group
from ..pipeline import register_analyzer
from ..text import Intervals, SpanIndex, analysis_text
from ..text import sentences as split_sentences
from .base import Analyzer
from .prose import body_ranges

LAYER = "techniques"
TAXONOMY = "semeval2023_techniques"
RHETORICAL = "Rhetorical_Question"
_WORD = re.compile(r"\w+")


def paragraph_labels(doc: Document) -> list[tuple[int, int, list[str]]]:
    """``(start, end, techniques)`` for every prose paragraph, techniques from the spans inside it."""
    out = []
    spans = SpanIndex(doc.spans(LAYER))
    for a, b in body_ranges(doc):
        labels = sorted({s.label for s in spans.overlapping(a, b)})
        out.append((a, b, labels))
    return out


def technique_counts(doc: Document) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in doc.spans(LAYER):
        counts[s.label] = counts.get(s.label, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


class TechniquesAnalyzer(Analyzer):
    name = "techniques"
    requires = ("structure",)
    produces = (LAYER,)
    version = "1"

    def __init__(self, model: str = "default", backend: Any = None, rhetorical_questions: bool = True) -> None:
        self.model_name = model  # "default", "fast" or a path to an artifact
        self.backend = backend
        self.rhetorical_questions = rhetorical_questions
        self.options = {"model": model, "rhetorical_questions": rhetorical_questions}
        self._model = None
        self._taxonomy = None

    def setup(self) -> None:
        from ..taxonomy import load_taxonomy

        self._taxonomy = load_taxonomy(TAXONOMY)
        if self.backend is None:
            from ..models.registry import load_model

            self._model = load_model("techniques", self.model_name)

    def _label_info(self, label: str) -> tuple[str, str, str]:
        try:
            lab = self._taxonomy.label(label, "technique")
            return lab.parent or "", lab.description, lab.short_name
        except KeyError:
            return "", "", label

    def __call__(self, doc: Document) -> Document:
        self.ensure_ready()
        doc.layers[LAYER] = []
        doc.groups[LAYER] = []
        view = analysis_text(doc.text)
        ranges = [(a, b) for a, b in body_ranges(doc) if view[a:b].strip()]
        if not ranges:
            return doc
        if self.backend is not None:
            from ..llm_labelling import llm_techniques

            found = llm_techniques(self.backend, self._taxonomy, doc, ranges)
        else:
            found = self._model_findings(doc, ranges)
        if self.rhetorical_questions:
            found.extend(self._rhetorical_questions(doc, ranges))
        self._add(doc, found, ranges)
        return doc

    # -- the trained model ------------------------------------------------------------------------------
    def _model_findings(self, doc: Document, ranges: list[tuple[int, int]]) -> list[dict]:
        m = self._model
        if not hasattr(m, "find"):
            return self._linear_findings(m, doc, ranges, list(range(len(ranges))))
        # the encoder head: spans from token states of the pass shared with the other heads
        found, skipped = m.find(analysis_text(doc.text), ranges)
        for f in found:
            short = self._label_info(f["label"])[2]
            f["source"] = "model"
            f["reason"] = (f"{short}: the phrase scores {f['score']:.2f}, over the threshold {f['threshold']:.2f} "
                           f"chosen by cross-validation; the paragraph's techniques are those of its phrases")
        if skipped:  # paragraphs past the document's window budget: the fast model reads them
            from ..models.registry import load_model

            found.extend(self._linear_findings(load_model("techniques", "fast"), doc, [ranges[k] for k in skipped],
                                               skipped))
        return found

    def _linear_findings(self, m, doc: Document, ranges: list[tuple[int, int]], indices: list[int]) -> list[dict]:
        """Findings of the fast (n-gram) model in ``ranges``, whose paragraph numbers are ``indices``."""
        view = analysis_text(doc.text)
        texts = [view[a:b] for a, b in ranges]
        titles = {s.start for s in doc.spans("structure") if s.label == "title"}
        P, tok = m.predict_with_tokens(texts, [a in titles for a, _ in ranges])
        found, pos = [], 0
        for k, ((a, b), labels) in enumerate(zip(ranges, m.decide(P))):
            para = texts[k]
            para_tok = None
            if tok is not None:
                n = len(tok[0][k])
                para_tok = (tok[0][k], tok[1][pos:pos + n])
                pos += n
            sents = [(s - a, e - a) for s, e in split_sentences(view, a, b)] or [(0, len(para))]
            for label in labels:
                j = m.labels.index(label)
                short = self._label_info(label)[2]
                for s, e, weight in m.evidence_spans(para, label, sents, para_tok):
                    how = ("its words" if label not in getattr(m, "tagged_", []) else
                           f"the phrase itself scores {weight:.2f} as {short.lower()}")
                    reason = (f"{short}: paragraph score {P[k, j]:.2f} clears the threshold {m.thresholds_[j]:.2f}; "
                              f"evidence picked by {how}")
                    found.append({"label": label, "start": a + s, "end": a + e, "score": float(P[k, j]),
                                  "threshold": float(m.thresholds_[j]), "reason": reason, "source": "model",
                                  "paragraph": indices[k]})
        return found

    # -- rule: rhetorical questions ------------------------------------------------------------------------
    def _rhetorical_questions(self, doc: Document, ranges: list[tuple[int, int]]) -> list[dict]:
        quotes = Intervals((q.start, q.end) for q in doc.spans("quotes"))
        view = analysis_text(doc.text)
        found = []
        for k, (a, b) in enumerate(ranges):
            for s, e in split_sentences(view, a, b):
                sent = view[s:e].rstrip()
                if not sent.endswith("?") or len(_WORD.findall(sent)) < 3:
                    continue
                end = s + len(sent)
                if quotes.holds(s) or quotes.holds_end(end):
                    continue  # someone else's question, quoted
                found.append({"label": RHETORICAL, "start": s, "end": end, "score": 1.0, "threshold": 1.0,
                              "reason": "a question in the author's own voice, asked for effect (narrascope rule, "
                                        "not a SemEval-2023 label)", "source": "rule", "paragraph": k})
        return found

    # -- writing the layer --------------------------------------------------------------------------------
    def _add(self, doc: Document, found: list[dict], ranges: list[tuple[int, int]]) -> None:
        by_label: dict[str, list] = {}
        for f in sorted(found, key=lambda f: (f["start"], f["label"])):
            category, _, _ = self._label_info(f["label"])
            span = doc.add_span(LAYER, f["start"], f["end"], f["label"], score=round(f["score"], 4), source=self.name,
                                attrs={"category": category, "threshold": round(f["threshold"], 4),
                                       "paragraph": f["paragraph"], "reason": f["reason"], "origin": f["source"]})
            by_label.setdefault(f["label"], []).append((span, f["paragraph"]))
        for n, (label, items) in enumerate(sorted(by_label.items(), key=lambda kv: (-len(kv[1]), kv[0])), 1):
            category, description, short = self._label_info(label)
            doc.add_group(LAYER, Group(f"T{n}", label, "technique", [s.id for s, _ in items],
                                       score=round(max(s.score for s, _ in items), 4), source=self.name,
                                       attrs={"count": len(items), "paragraphs": sorted({p for _, p in items}),
                                              "category": category, "description": description,
                                              "short_name": short}))
        doc.sort_layers()


register_analyzer("techniques")(TechniquesAnalyzer)
