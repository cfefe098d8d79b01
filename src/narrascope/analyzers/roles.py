"""Entity framing: whom the article casts as protagonist, antagonist or innocent (SemEval-2025 Task 10 roles).

Every mention of a person, organisation, country or group found by the ``entities`` analyzer is classified
in its context (main role + fine roles, with probabilities). Per entity, the main role is a
confidence-weighted vote of its mentions' roles, its score the mentions' average probability of that
role, and its fine roles those of its most confident mention with that role. Only mentions in the
article's prose count, and only of the entities the article frames: the byline author, platforms and aggregators
the article uses as media and the outlet it names as its source are not cast (:mod:`.role_targets`; their
entity groups say why, in ``attrs["not_cast"]`` and ``attrs["not_cast_why"]``). A role whose score sits within
a margin of that role's prior in the model's training data is marked ``uncertain`` (:mod:`.role_uncertainty`).
Output:

* layer ``roles``: one span per classified mention (``label`` = main role, ``attrs``: ``entity_id``,
  ``fine_roles``, ``main_scores``, ``kind="mention"``) and, per entity, the sentences that frame it most
  strongly (``kind="framing_sentence"``, up to ``max_sentences``, the mentions' sentences ranked by the
  confidence of the entity's role there);
* ``groups["roles"]``: one group per entity, ``label`` = main role, ``kind`` = the entity's type,
  ``span_ids`` = its framing sentences then its mentions, ``attrs``: ``entity_id``, ``entity`` (name),
  ``fine_roles`` ``[{label, score}]``, ``main_scores``, ``mentions``, ``salient`` and, when the prior of the
  role is known, ``prior`` and ``uncertain`` (also on the layer's spans).

``salient`` marks entities an analyst should look at first: named in the title, or mentioned at least
twice. :func:`frame_mention` classifies any given span, for mentions that the entity layer did not find.

Bounded work: at most ``max_mentions`` mentions are classified (most-mentioned entities first), each from
windows of at most a few hundred characters of :func:`narrascope.text.analysis_text`; mentions are placed in
the prose and in their sentences by bisection.
"""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np

from ..model import Document, Group
from ..pipeline import register_analyzer
from ..text import analysis_text
from .base import Analyzer, model_language
from .prose import body_ranges, prose_sentences
from .role_targets import ENTITY_KINDS, mark_not_cast, role_targets
from .role_uncertainty import model_priors, prior_for, uncertainty_attrs

LAYER = "roles"


def _language(doc: Document) -> str:
    return model_language(doc)


def frame_mention(doc: Document, start: int, end: int, model: str = "default") -> dict:
    """Main and fine roles of ``doc.text[start:end]`` (exclusive end) in its context."""
    from ..models.registry import load_model

    clf = load_model("roles", model)
    return clf.predict_scored([(doc.text, start, end)], languages=[_language(doc)])[0]


class RolesAnalyzer(Analyzer):
    name = "roles"
    requires = ("entities",)
    produces = (LAYER,)
    version = "2"

    def __init__(self, model: str = "default", backend: Any = None, max_sentences: int = 3,
                 max_mentions: int = 400) -> None:
        self.model_name = model
        self.backend = backend
        self.max_sentences = max_sentences
        self.max_mentions = max_mentions  # a huge dump is capped, most-mentioned entities first
        self.options = {"model": model, "max_sentences": max_sentences}
        self._model = None

    def setup(self) -> None:
        if self.backend is None:
            from ..models.registry import load_model

            self._model = load_model("roles", self.model_name)

    def _targets(self, doc: Document) -> list[tuple[Group, list]]:
        # whom roles are about: mentions in the article's own prose, of the entities it frames (role_targets)
        out, not_cast = role_targets(doc, ENTITY_KINDS)
        mark_not_cast(doc, not_cast)
        budget, kept = self.max_mentions, []
        for g, ms in out:
            if budget <= 0:
                break
            kept.append((g, ms[:budget]))
            budget -= len(ms[:budget])
        return kept

    def __call__(self, doc: Document) -> Document:
        self.ensure_ready()
        doc.layers.setdefault(LAYER, [])
        doc.groups[LAYER] = []
        targets = self._targets(doc)
        if not targets:
            return doc
        if self.backend is not None:
            from ..llm_labelling import llm_roles

            results = llm_roles(self.backend, doc, targets)
        else:
            results = self._model_results(doc, targets)
        title = [(s.start, s.end) for s in doc.spans("structure") if s.label == "title"]
        ranges = body_ranges(doc)
        sents = sorted(prose_sentences(doc, ranges))
        # a model's scores are compared with its training priors (an LLM's are not probabilities)
        prior = prior_for(model_priors(self._model), _language(doc)) if self.backend is None else {}
        for n, ((group, mentions), res) in enumerate(zip(targets, results), 1):
            if res is None:
                continue
            self._add(doc, n, group, mentions, res, sents, title, prior)
        doc.sort_layers()
        return doc

    def _model_results(self, doc: Document, targets) -> list[dict]:
        text = analysis_text(doc.text)
        items = [(text, m.start, m.end) for _, ms in targets for m in ms]
        scored = self._model.predict_scored(items, languages=[_language(doc)] * len(items))
        out, k = [], 0
        mains = self._model.main_classes_
        for _, ms in targets:
            per = scored[k:k + len(ms)]
            k += len(ms)
            avg = {r: float(np.mean([p["main_proba"][r] for p in per])) for r in mains}
            # the entity's role: a confidence-weighted vote of its mentions (so some mention carries it, with
            # fine roles), ties broken by the average probability
            votes: dict[str, float] = {}
            for p in per:
                votes[p["main"]] = votes.get(p["main"], 0.0) + p["main_proba"][p["main"]]
            main = max(votes, key=lambda r: (votes[r], avg[r]))
            # fine roles: from the mention most confident in the entity's main role
            best = max((p for p in per if p["main"] == main), key=lambda p: p["main_proba"][main], default=None)
            fines = [{"label": f, "score": round(best["fine_proba"].get(f, 0.0), 4)} for f in best["fine"]] if best else []
            out.append({"main": main, "score": avg[main], "main_scores": avg, "fine": fines,
                        "mentions": [{"main": p["main"], "fine": p["fine"], "score": p["main_proba"][p["main"]],
                                      "main_score": p["main_proba"][main]} for p in per],
                        "model": f"{self._model.__class__.__name__} ({self.model_name})"})
        return out

    def _add(self, doc, n, group, mentions, res, sents, title, prior=None) -> None:
        mention_ids, sentence_conf = [], {}
        starts = [a for a, _ in sents]
        certainty = uncertainty_attrs(res["main"], res["score"], prior or {})
        for m, r in zip(mentions, res["mentions"]):
            span = doc.add_span(LAYER, m.start, m.end, r["main"], score=round(r["score"], 4), source=self.name,
                                attrs={"kind": "mention", "entity_id": group.id, "fine_roles": list(r["fine"]),
                                       "group": f"R{n}", **uncertainty_attrs(r["main"], r["score"], prior or {})})
            mention_ids.append(span.id)
            sent = _holding(sents, starts, m.start, m.end)
            if sent is not None:
                sentence_conf[sent] = max(sentence_conf.get(sent, 0.0), r["main_score"])
        for sent, quote in res.get("evidence", []):  # an LLM's verified quotes
            sentence_conf[sent] = max(sentence_conf.get(sent, 0.0), 1.0)
        framing = sorted(sentence_conf, key=lambda s: (-sentence_conf[s], s))[: self.max_sentences]
        frame_ids = []
        for rank, (a, b) in enumerate(sorted(framing), 1):
            span = doc.add_span(LAYER, a, b, res["main"], score=round(sentence_conf[(a, b)], 4), source=self.name,
                                attrs={"kind": "framing_sentence", "entity_id": group.id, "entity": group.label,
                                       "group": f"R{n}", **certainty})
            frame_ids.append(span.id)
        in_title = any(a <= m.start and m.end <= b for m in mentions for a, b in title)
        attrs = {"entity_id": group.id, "entity": group.label, "fine_roles": res["fine"],
                 "main_scores": {k: round(v, 4) for k, v in res["main_scores"].items()},
                 "mentions": len(mentions), "salient": bool(in_title or len(mentions) >= 2),
                 "model": res.get("model", ""), **certainty}
        if res.get("reason"):
            attrs["reason"] = res["reason"]
        doc.add_group(LAYER, Group(f"R{n}", res["main"], group.kind, frame_ids + mention_ids,
                                   score=round(res["score"], 4), source=self.name, attrs=attrs))


def _holding(sents: list[tuple[int, int]], starts: list[int], start: int, end: int) -> tuple[int, int] | None:
    """The sentence holding [start, end). Sentences are sorted and do not overlap, so it can only be the last
    one starting at or before ``start``: found by bisection, not by a scan of the 20,000 a document may have."""
    i = bisect.bisect_right(starts, start) - 1
    if i >= 0 and end <= sents[i][1]:
        return sents[i]
    return None


register_analyzer("roles")(RolesAnalyzer)
