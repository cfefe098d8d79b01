"""Narratives: which stories of a two-level taxonomy (SemEval-2025 Task 10 by default) the article pushes.

For every narrative and subnarrative the model assigns (multi-label; "Other" when nothing applies) the
analyzer adds:

* a group in ``groups["narratives"]``: ``label`` (full name, "Domain: Narrative[: Subnarrative]"), ``kind``
  ``"narrative"`` or ``"subnarrative"`` (or ``"candidate"``: a narrative that cleared its own threshold in
  an article the model's "no narrative" gate judged as Other; reported for a closer look, not as a finding), ``score`` (calibrated probability), ``span_ids`` (its evidence), and
  ``attrs``: ``parent``, ``raw_score`` and ``threshold`` (the decision is ``raw_score >= threshold``),
  ``description`` (from the taxonomy file), ``explanation`` (≤ 80 words assembled from the evidence) and
  ``model``;
* its evidence: the sentences that push the label hardest, as spans in layer ``narratives``. A sentence's
  weight is the label's linear n-gram score of that sentence alone; up to ``max_evidence`` sentences with a
  positive weight are kept, strongest first (``attrs.rank``).

Only the article's own prose is read: title, headings and paragraphs, never disclaimers, source links or
boilerplate. Bounded work: that prose is at most :data:`narrascope.text.MAX_ANALYSED_CHARS` characters
(hashed n-grams: linear in it; the default mode's encoder sees two chunks of 120 words, each at most one
512-token window) and its sentences are bounded units, so the evidence pass is linear too. With an LLM backend (``backend=``) the labels and the evidence quotes come from the model
instead, checked against the taxonomy and the text (see :mod:`narrascope.llm_labelling`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model import Document, Group
from ..pipeline import register_analyzer
from ..text import analysis_text
from .base import Analyzer
from .prose import prose, prose_sentences

LAYER = "narratives"
OTHER = "Other"
MAX_EXPLANATION_WORDS = 80


def clip_words(text: str, limit: int) -> str:
    words = text.split()
    return text.strip() if len(words) <= limit else " ".join(words[:limit]).rstrip(",;:") + " …"


def short_name(label: str) -> str:
    """The last level of a full label name ("URW: Blaming the war on others: Ukraine is the aggressor" ->
    "Ukraine is the aggressor")."""
    return label.rsplit(": ", 1)[-1]


def explanation(label: str, score: float, evidence: list[str], level: str) -> str:
    """One paragraph, at most 80 words, built only from the label and its evidence sentences."""
    verb = "may push the" if level.startswith("candidate") else "pushes the"
    head = f"The article {verb} {level} \u201c{short_name(label)}\u201d (confidence {score:.2f})"
    if not evidence:
        return clip_words(head + ", from its overall wording; no single sentence stands out.", MAX_EXPLANATION_WORDS)
    quoted = "; ".join(f"\u201c{clip_words(e, 22)}\u201d" for e in evidence)
    return clip_words(f"{head}. Strongest evidence: {quoted}", MAX_EXPLANATION_WORDS)


class NarrativesAnalyzer(Analyzer):
    name = "narratives"
    requires = ("structure",)
    produces = (LAYER,)
    version = "1"

    def __init__(self, model: str = "default", backend: Any = None, max_evidence: int = 3,
                 taxonomy: str | None = None) -> None:
        self.model_name = model  # "default", "fast" or a path to an artifact
        self.backend = backend
        self.max_evidence = max_evidence
        self.taxonomy_name = taxonomy
        self.options = {"model": model, "max_evidence": max_evidence}
        self._model = None
        self._taxonomy = None

    def setup(self) -> None:
        from ..taxonomy import load_taxonomy

        if self.backend is None:
            from ..models.registry import load_model

            self._model = load_model("narratives", self.model_name)
            self._taxonomy = load_taxonomy(self.taxonomy_name or self._model.taxonomy_name_)
        else:
            self._taxonomy = load_taxonomy(self.taxonomy_name or "semeval2025_narratives")

    def _description(self, label: str) -> str:
        try:
            return self._taxonomy.description(label)
        except (KeyError, AttributeError):
            return ""

    def __call__(self, doc: Document) -> Document:
        self.ensure_ready()
        text, ranges = prose(doc)
        doc.layers.setdefault(LAYER, [])
        doc.groups[LAYER] = []
        if not text.strip():
            return doc
        sents = prose_sentences(doc, ranges)
        if self.backend is not None:
            from ..llm_labelling import llm_narratives

            findings, info = llm_narratives(self.backend, self._taxonomy, doc, text)
        else:
            findings, info = self._model_findings(doc, text, sents)
        self._add(doc, findings, info)
        return doc

    # -- the trained model ------------------------------------------------------------------------------
    def _model_findings(self, doc: Document, text: str, sents: list[tuple[int, int]]):
        m = self._model
        P = m.predict_proba([text])
        C = m.calibrated(P)[0]
        narr, subs = m.decode(P)[0]
        index = {c: j for j, c in enumerate(m.classes_)}
        n_narr = len(m.narrative_classes_)
        labels = [x for x in narr + subs if x != OTHER and x in index]
        info: dict[str, Any] = {"model": f"{m.__class__.__name__} ({self.model_name})", "other": not labels}
        candidates: list[str] = []
        if not labels:
            # The verdict is Other. Narratives that cleared their own threshold but were overruled by the
            # "no narrative" gate are still worth a look: they are reported as candidates, never as findings.
            fired = [j for j in range(n_narr) if P[0, j] >= m.thresholds_[j]]
            candidates = [m.classes_[j] for j in sorted(fired, key=lambda j: -C[j])][:3]
            j = int(np.argmax(C[:n_narr])) if n_narr else None
            info["closest"] = None if j is None else {"label": m.classes_[j], "score": round(float(C[j]), 4)}
            if self.other_gate_column(m) is not None:
                info["other_score"] = round(float(C[self.other_gate_column(m)]), 4)
        wanted = labels + candidates
        view = analysis_text(doc.text)
        weights = (m.ngram_contributions([view[s:e] for s, e in sents], [index[x] for x in wanted])
                   if wanted and sents else np.zeros((len(sents), len(wanted))))
        findings = []
        for k, label in enumerate(wanted):
            j = index[label]
            order = np.argsort(-weights[:, k], kind="stable")[: self.max_evidence] if len(sents) else []
            evidence = [(sents[i][0], sents[i][1], float(weights[i, k])) for i in order if weights[i, k] > 0]
            kind = "candidate" if label in candidates else ("narrative" if j < n_narr else "subnarrative")
            findings.append({"label": label, "kind": kind, "score": float(C[j]), "raw_score": float(P[0, j]),
                             "threshold": float(m.thresholds_[j]), "evidence": evidence})
        for label in subs:  # "<narrative>: Other": no trained column, the parent's evidence stands for it
            if label != OTHER and label not in index:
                findings.append({"label": label, "kind": "subnarrative", "score": None, "evidence": []})
        return findings, info

    @staticmethod
    def other_gate_column(m) -> int | None:
        return len(m.classes_) - 1 if getattr(m, "other_gate", False) else None

    # -- writing the layer --------------------------------------------------------------------------------
    def _add(self, doc: Document, findings: list[dict], info: dict) -> None:
        scores = {f["label"]: f["score"] for f in findings if f["score"] is not None}
        n = 0
        if not any(f["kind"] in ("narrative", "subnarrative") for f in findings):
            n += 1
            closest = info.get("closest")
            note = "None of the taxonomy's narratives applies, by the model's judgement"
            if info.get("other_score") is not None:
                note += f" (\u201cno narrative\u201d scored {info['other_score']:.2f})"
            cands = [f for f in findings if f["kind"] == "candidate"]
            if cands:
                note += "; candidates it overruled: " + ", ".join(
                    f"\u201c{short_name(f['label'])}\u201d {f['score']:.2f}" for f in cands)
            elif closest:
                note += f"; the closest was \u201c{short_name(closest['label'])}\u201d at {closest['score']:.2f}"
            attrs = {"explanation": clip_words(note + ".", MAX_EXPLANATION_WORDS), "model": info.get("model", "")}
            if closest:
                attrs["closest"] = closest
            doc.add_group(LAYER, Group("N1", OTHER, "narrative", [], score=float(info.get("other_score", 1.0)),
                                       source=self.name, attrs=attrs))
        for f in findings:
            n += 1
            label, kind = f["label"], f["kind"]
            parent = label.rsplit(": ", 1)[0] if kind == "subnarrative" else None
            score = f["score"] if f["score"] is not None else scores.get(parent or "", 0.0)
            span_ids = []
            for rank, (start, end, weight) in enumerate(f["evidence"], 1):
                span = doc.add_span(LAYER, start, end, label, score=round(min(1.0, max(0.0, weight)), 4),
                                    source=self.name, attrs={"level": kind, "rank": rank, "weight": round(weight, 4),
                                                             "group": f"N{n}"})
                span_ids.append(span.id)
            ev_text = [analysis_text(doc.text)[s:e] for s, e, _ in f["evidence"]]
            level = "candidate narrative (overruled)" if kind == "candidate" else kind
            attrs: dict[str, Any] = {
                "explanation": explanation(label, score, ev_text, level), "description": self._description(label),
                "model": info.get("model", ""),
            }
            if parent:
                attrs["parent"] = parent
            for key in ("raw_score", "threshold", "reason"):
                if f.get(key) is not None:
                    attrs[key] = f[key]
            doc.add_group(LAYER, Group(f"N{n}", label, kind, span_ids, score=round(float(score), 4),
                                       source=self.name, attrs=attrs))
        doc.sort_layers()


register_analyzer("narratives")(NarrativesAnalyzer)
