"""Narratives, entity roles and persuasion techniques from an LLM backend (optional; see :mod:`narrascope.backends.llm`).

The same analyzers use these functions instead of the shipped models when a backend is given
(``narrascope analyze --llm-url URL --llm-model NAME``). The reply is constrained by a JSON schema whose
labels are enums of the taxonomy; labels outside the taxonomy are dropped (never guessed), and every
evidence quote must occur in the article (:func:`~narrascope.backends.llm_answers.verify_evidence`), else it is
rejected and counted in ``doc.metadata["llm"]["rejected_quotes"]``. An LLM gives no calibrated
probability: its labels get score 1.0 and ``reason`` says where they came from.
"""

from __future__ import annotations

from typing import Any

from .backends.llm_answers import Evidence, label_choice_schema, validate_labels, verify_evidence
from .model import Document

MAX_CHARS = 12000  # the article part sent (title + lead first); keeps one request within small context windows


def _note(doc: Document, key: str, n: int) -> None:
    info = doc.metadata.setdefault("llm", {})
    info[key] = info.get(key, 0) + n


def _sentence_of(doc: Document, start: int, end: int) -> tuple[int, int]:
    for s in doc.spans("sentences"):
        if s.start <= start and end <= s.end:
            return s.start, s.end
    return start, end


def llm_narratives(backend, taxonomy, doc: Document, text: str) -> tuple[list[dict], dict]:
    narratives = [n for n in taxonomy.names("narrative") if n != "Other"]
    subs = [s for s in taxonomy.names("subnarrative") if s != "Other"]
    guide = "\n".join(f"- {lab.name}: {lab.description}" for lab in taxonomy.labels
                      if lab.level in ("narrative", "subnarrative") and lab.name != "Other")
    messages = [
        {"role": "system", "content": "You label news articles with the narratives they push. Choose only labels "
         "from the list, exactly as written. For each label quote one to three short passages copied verbatim "
         "from the article that show it. Return an empty list if no label applies."},
        {"role": "user", "content": f"Labels:\n{guide}\n\nArticle:\n{text[:MAX_CHARS]}"},
    ]
    reply = backend.complete_json(messages, label_choice_schema(narratives + subs, multi=True, with_evidence=True),
                                  name="narratives")
    chosen = [item.get("label") for item in reply.get("labels", []) if isinstance(item, dict)]
    kept, rejected = validate_labels(chosen, narratives + subs)
    _note(doc, "rejected_labels", len(rejected))
    findings: dict[str, dict] = {}
    for item in reply.get("labels", []):
        label = item.get("label") if isinstance(item, dict) else None
        if label not in kept or label in findings:
            continue
        evidence = []
        for ev in verify_evidence(doc.text, item.get("evidence", [])):
            if isinstance(ev, Evidence):
                evidence.append((ev.start, ev.end, 1.0))
            else:
                _note(doc, "rejected_quotes", 1)
        kind = "subnarrative" if label in subs else "narrative"
        findings[label] = {"label": label, "kind": kind, "score": 1.0, "evidence": evidence,
                           "reason": f"chosen by {backend.model}"}
    for label in [f["label"] for f in findings.values() if f["kind"] == "subnarrative"]:
        parent = taxonomy.parent(label, "subnarrative").name
        if parent not in findings:
            findings[parent] = {"label": parent, "kind": "narrative", "score": 1.0, "evidence": [],
                                "reason": f"parent of a subnarrative chosen by {backend.model}"}
    for label in [f["label"] for f in findings.values() if f["kind"] == "narrative"]:
        if not any(f["kind"] == "subnarrative" and f["label"].startswith(label + ": ") for f in findings.values()):
            findings[f"{label}: Other"] = {"label": f"{label}: Other", "kind": "subnarrative", "score": None,
                                          "evidence": []}
    ordered = sorted(findings.values(), key=lambda f: (f["kind"] != "narrative", f["label"]))
    return ordered, {"model": f"LLM {backend.model}", "other": not ordered}


def llm_roles(backend, doc: Document, targets: list) -> list[dict | None]:
    from .taxonomy import load_taxonomy

    tax = load_taxonomy("semeval2025_roles")
    mains = tax.names("main")
    out: list[dict | None] = []
    for group, mentions in targets:
        first = mentions[0]
        labels = mains + [lab.name for lab in tax.labels if lab.level != "main"]
        schema = {"type": "object", "additionalProperties": False, "required": ["main", "fine", "evidence"],
                  "properties": {
                      "main": {"type": "string", "enum": mains},
                      "fine": {"type": "array", "items": {"type": "string", "enum": labels[len(mains):]}},
                      "evidence": {"type": "array", "items": {"type": "string"}}}}
        guide = "\n".join(f"- {lab.name} ({lab.parent or 'main role'}): {lab.description}" for lab in tax.labels)
        messages = [
            {"role": "system", "content": "You say how a news article frames one entity: its main role and its "
             "fine roles (children of the main role) from the list, and one to three passages copied verbatim "
             "from the article that frame it."},
            {"role": "user", "content": f"Roles:\n{guide}\n\nEntity: {group.label} (first mention at characters "
             f"{first.start}-{first.end})\n\nArticle:\n{doc.text[:MAX_CHARS]}"},
        ]
        reply = backend.complete_json(messages, schema, name="entity_role")
        main = reply.get("main")
        if main not in mains:
            _note(doc, "rejected_labels", 1)
            out.append(None)
            continue
        children = {c.name for c in tax.children(main, "main")}
        fines, rejected = validate_labels([f for f in reply.get("fine", [])], sorted(children))
        _note(doc, "rejected_labels", len(rejected))
        evidence = []
        for ev in verify_evidence(doc.text, reply.get("evidence", [])):
            if isinstance(ev, Evidence):
                evidence.append((_sentence_of(doc, ev.start, ev.end), ev.quote))
            else:
                _note(doc, "rejected_quotes", 1)
        scores = {m: float(m == main) for m in mains}
        out.append({"main": main, "score": 1.0, "main_scores": scores,
                    "fine": [{"label": f, "score": 1.0} for f in fines], "evidence": evidence,
                    "mentions": [{"main": main, "fine": fines, "score": 1.0, "main_score": 1.0} for _ in mentions],
                    "model": f"LLM {backend.model}", "reason": f"chosen by {backend.model}"})
    return out


def llm_techniques(backend, taxonomy, doc: Document, ranges: list[tuple[int, int]]) -> list[dict]:
    """Technique spans from the LLM: each quote must occur in the article's prose, else it is rejected."""
    names = [lab.name for lab in taxonomy.labels if lab.level == "technique" and lab.attrs.get("official", True)]
    guide = "\n".join(f"- {lab.name}: {lab.description}" for lab in taxonomy.labels if lab.name in names)
    text = "\n\n".join(doc.text[a:b] for a, b in ranges)
    schema = {"type": "object", "additionalProperties": False, "required": ["techniques"],
              "properties": {"techniques": {"type": "array", "items": {
                  "type": "object", "additionalProperties": False, "required": ["technique", "quote"],
                  "properties": {"technique": {"type": "string", "enum": names},
                                 "quote": {"type": "string"}, "reason": {"type": "string"}}}}}}
    messages = [
        {"role": "system", "content": "You find persuasion techniques in news articles. For every use of a "
         "technique from the list, give the technique exactly as written and the shortest passage that shows it, "
         "copied verbatim from the article, with a one-sentence reason. Return an empty list if there is none."},
        {"role": "user", "content": f"Techniques:\n{guide}\n\nArticle:\n{text[:MAX_CHARS]}"},
    ]
    reply = backend.complete_json(messages, schema, name="techniques")
    items = [it for it in reply.get("techniques", []) if isinstance(it, dict)]
    kept, rejected = validate_labels([it.get("technique") for it in items], names)
    _note(doc, "rejected_labels", len(rejected))
    found = []
    for it in items:
        if it.get("technique") not in kept:
            continue
        hits = [ev for ev in verify_evidence(doc.text, [it.get("quote", "")]) if isinstance(ev, Evidence)
                and any(a <= ev.start and ev.end <= b for a, b in ranges)]
        if not hits:
            _note(doc, "rejected_quotes", 1)
            continue
        ev = hits[0]
        paragraph = next(k for k, (a, b) in enumerate(ranges) if a <= ev.start and ev.end <= b)
        reason = str(it.get("reason") or "").strip()[:300]
        found.append({"label": it["technique"], "start": ev.start, "end": ev.end, "score": 1.0, "threshold": 1.0,
                      "reason": (reason + " " if reason else "") + f"(chosen by {backend.model})", "source": "llm",
                      "paragraph": paragraph})
    return found


def usage(backend) -> dict[str, Any]:
    return backend.usage.as_dict()
