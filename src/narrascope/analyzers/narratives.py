"""Narratives: which stories of a two-level taxonomy (SemEval-2025 Task 10 by default) the article pushes.

For every narrative and subnarrative the model assigns (multi-label; "Other" when nothing applies) the
analyzer adds:

* a group in ``groups["narratives"]``: ``label`` (full name, "Domain: Narrative[: Subnarrative]"), ``kind``
  ``"narrative"`` or ``"subnarrative"``, ``score`` (calibrated probability), ``span_ids`` (its evidence), and
  ``attrs``: ``parent``, ``raw_score`` and ``threshold`` (the decision is ``raw_score >= threshold``),
  ``description`` (from the taxonomy file), ``explanation`` (≤ 80 words assembled from the evidence) and
  ``model``;
* its evidence: the sentences that push the label hardest, as spans in layer ``narratives``. The default
  model (the encoder head, :mod:`narrascope.encoder.narrative_head`) weighs a sentence by the head's own
  probability for the label with that sentence read alone; the fast model by the label's linear n-gram score
  of the sentence. Up to ``max_evidence`` sentences with a positive weight are kept, strongest first
  (``attrs.rank``).

When no narrative reaches its threshold the article is "Other", and the groups say so without hiding what
came closest: first the ``MAX_CANDIDATES`` strongest narratives as ``kind`` ``"candidate"`` (score,
``raw_score``, ``threshold``, ``below_threshold``, evidence; for a closer look, never counted as findings),
then the "Other" group whose explanation names them with their scores and thresholds. A candidate's
``attrs.candidate_note`` says in words why it is not a finding, for the renderers.

Only the article's own prose is read: title, headings and paragraphs, never disclaimers, source links or
boilerplate. Bounded work: that prose is at most :data:`narrascope.text.MAX_ANALYSED_CHARS` characters; the
default model reads the encoder pass shared with the other heads (at most ``MAX_WINDOWS`` windows, see
:mod:`narrascope.encoder.documents`), the fast model hashed n-grams (linear in it), and the sentences are
bounded units, so the evidence pass is linear too. With an LLM backend (``backend=``) the labels and the
evidence quotes come from the model instead, checked against the taxonomy and the text (see
:mod:`narrascope.llm_labelling`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model import Document, Group
from ..pipeline import register_analyzer
from ..text import analysis_text
from ..models.training import sigmoid
from .base import Analyzer, model_language
from .prose import prose, prose_sentences

LAYER = "narratives"
OTHER = "Other"
MAX_EXPLANATION_WORDS = 80
MAX_CANDIDATES = 3  # narratives shown, with their scores, when none reaches its threshold


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
            findings, info = self._model_findings(doc, text, sents, ranges)
        self._add(doc, findings, info)
        return doc

    # -- the trained model ------------------------------------------------------------------------------
    def _model_findings(self, doc: Document, text: str, sents: list[tuple[int, int]], ranges: list[tuple[int, int]]):
        m = self._model
        view = analysis_text(doc.text)
        lang = model_language(doc)
        in_context = getattr(m, "reads_context", False)  # the encoder head: reads the shared encoder pass
        if in_context:
            P = m.predict_document(view, ranges, lang)[None, :]
            narr, subs = m.decode(P, [lang])[0]
            thresholds = m.thresholds_for(lang)
        else:
            P = m.predict_proba([text])
            narr, subs = m.decode(P)[0]
            thresholds = m.thresholds_
        C = m.calibrated(P)[0]
        index = {c: j for j, c in enumerate(m.classes_)}
        n_narr = len(m.narrative_classes_)
        labels = [x for x in narr + subs if x != OTHER and x in index]
        info: dict[str, Any] = {"model": f"{m.__class__.__name__} ({self.model_name})", "other": not labels}
        candidates: list[str] = []
        if not labels:
            # The verdict is Other: the report still leads with the strongest narratives and their scores,
            # each below its threshold (or overruled by the linear model's "no narrative" gate), never as findings.
            order = sorted(range(n_narr), key=lambda j: -C[j])
            candidates = [m.classes_[j] for j in order[:MAX_CANDIDATES]]
            if order:
                info["closest"] = {"label": m.classes_[order[0]], "score": round(float(C[order[0]]), 4)}
            if self.other_gate_column(m) is not None:
                info["other_score"] = round(float(C[self.other_gate_column(m)]), 4)
        wanted = labels + candidates
        if not wanted or not sents:
            weights = np.zeros((len(sents), len(wanted)))
        elif in_context:  # the head's own reading of each sentence alone
            weights = sigmoid(m.sentence_scores(view, sents, lang, [index[x] for x in wanted]))
        else:
            weights = m.ngram_contributions([view[s:e] for s, e in sents], [index[x] for x in wanted])
        findings = []
        for k, label in enumerate(wanted):
            j = index[label]
            order = np.argsort(-weights[:, k], kind="stable")[: self.max_evidence] if len(sents) else []
            evidence = [(sents[i][0], sents[i][1], float(weights[i, k])) for i in order if weights[i, k] > 0]
            kind = "candidate" if label in candidates else ("narrative" if j < n_narr else "subnarrative")
            findings.append({"label": label, "kind": kind, "score": float(C[j]), "raw_score": float(P[0, j]),
                             "threshold": float(thresholds[j]), "evidence": evidence})
        for label in subs:  # "<narrative>: Other": no trained column, the parent's evidence stands for it
            if label != OTHER and label not in index:
                findings.append({"label": label, "kind": "subnarrative", "score": None, "evidence": []})
        return findings, info

    @staticmethod
    def other_gate_column(m) -> int | None:
        """The model's "no narrative" column, when it has a gate."""
        if getattr(m, "reads_context", False):
            return len(m.classes_) - 1 if getattr(m, "gate", False) else None
        return len(m.classes_) - 1 if getattr(m, "other_gate", False) else None

    # -- writing the layer --------------------------------------------------------------------------------
    def _add(self, doc: Document, findings: list[dict], info: dict) -> None:
        scores = {f["label"]: f["score"] for f in findings if f["score"] is not None}
        n = 0
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
            level = "candidate narrative (below its threshold)" if kind == "candidate" else kind
            if kind == "subnarrative" and label.endswith(f": {OTHER}"):
                said = (f"The article pushes the narrative \u201c{short_name(parent or '')}\u201d, but none of its "
                        f"subnarratives in particular.")
            else:
                said = explanation(label, score, ev_text, level)
            attrs: dict[str, Any] = {
                "explanation": said, "description": self._description(label),
                "model": info.get("model", ""),
            }
            if parent:
                attrs["parent"] = parent
            for key in ("raw_score", "threshold", "reason"):
                if f.get(key) is not None:
                    attrs[key] = f[key]
            if kind == "candidate" and f.get("threshold") is not None:
                below = f["raw_score"] < f["threshold"]
                attrs["below_threshold"] = bool(below)
                attrs["candidate_note"] = (f"candidate, {f['raw_score']:.2f} below its threshold {f['threshold']:.2f}"
                                           if below else "candidate, overruled by the \u201cno narrative\u201d gate")
            doc.add_group(LAYER, Group(f"N{n}", label, kind, span_ids, score=round(float(score), 4),
                                       source=self.name, attrs=attrs))
        if not any(f["kind"] in ("narrative", "subnarrative") for f in findings):
            # after the candidates: the plain statement that none of them reaches its threshold
            n += 1
            closest = info.get("closest")
            cands = [f for f in findings if f["kind"] == "candidate"]
            if cands:
                note = "No narrative reaches its threshold. Strongest candidates: " + "; ".join(
                    f"\u201c{short_name(f['label'])}\u201d {f['raw_score']:.2f} (threshold {f['threshold']:.2f})"
                    for f in cands)
            else:
                note = "None of the taxonomy's narratives applies, by the model's judgement"
            if info.get("other_score") is not None:
                note += f" (\u201cno narrative\u201d scored {info['other_score']:.2f})"
            attrs = {"explanation": clip_words(note + ".", MAX_EXPLANATION_WORDS), "model": info.get("model", "")}
            if closest:
                attrs["closest"] = closest
            doc.add_group(LAYER, Group(f"N{n}", OTHER, "narrative", [], score=float(info.get("other_score", 1.0)),
                                       source=self.name, attrs=attrs))
        doc.sort_layers()


register_analyzer("narratives")(NarrativesAnalyzer)
