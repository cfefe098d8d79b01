"""The report's opening sentences (render.summary) and attributes as words (render.words), on constructed
Documents as the analyzers leave them."""

from __future__ import annotations

import re

from narrascope.model import Document, Group
from narrascope.render.html import render_html
from narrascope.render.summary import summarise
from narrascope.render.words import attr_words, value_words

TEXT = ("Harbour dispute\n\nThe Northern Alliance sabotaged the harbour, the Harbour Authority said. "
        "It was a disgraceful act of treachery. Was anyone ever punished? The Alliance closed the pier to 420 ships. "
        "Westport suffered for months.\n")


def base_doc() -> Document:
    return Document(TEXT, metadata={"title": "Harbour dispute", "language": "en"})


def _span(doc: Document, layer: str, phrase: str, label: str, **kw):
    start = doc.text.index(phrase)
    return doc.add_span(layer, start, start + len(phrase), label, **kw)


def by_topic(doc: Document) -> dict[str, str]:
    return {s.topic: s.text for s in summarise(doc)}


def test_nothing_found_says_nothing():
    assert summarise(base_doc()) == []


def test_provenance_names_original_aggregator_residue_and_outlets():
    doc = base_doc()
    doc.metadata["provenance"] = {"original_source_domain": "aggregator.example", "aggregator": "Example Aggregator"}
    _span(doc, "mt_residue", "420", "foreign_script")
    _span(doc, "mt_residue", "Westport", "doubled_word")
    _span(doc, "mt_residue", "harbour", "doubled_word")
    cit = _span(doc, "citations", "the Harbour Authority said", "cited_source")
    doc.add_group("cited_sources", Group("S1", "Harbour Authority", "organisation", [cit.id]))
    # the optional outlets layer (the agreed shape): labels shown, an outlet without labels only when none has any
    o = _span(doc, "outlets", "Northern Alliance", "Northern Alliance TV",
              attrs={"outlet": "Northern Alliance TV", "matched": "Northern Alliance", "role": "cited", "country": "XX",
                     "labels": ["state-affiliated"], "label_sources": {"state-affiliated": "https://example.org/l"}})
    doc.add_group("outlets", Group("O1", "Northern Alliance TV", "outlet", [o.id], attrs={
        "outlet": "Northern Alliance TV", "country": "XX", "labels": ["state-affiliated", "listed in a disinformation case database"],
        "label_sources": {}, "roles": ["cited"], "mentions": 1}))
    statements = summarise(doc)
    topics = [s.topic for s in statements]
    assert topics[:2] == ["provenance", "outlets"]
    source = statements[0].text
    assert "aggregator.example" in source and "news aggregator Example Aggregator" in source
    assert "3 traces of machine translation (doubled word \u00d72 and foreign script)" in source
    assert "cites 1 source (Harbour Authority)" in source
    assert statements[1].text == ("Outlets with labels in your outlets file: Northern Alliance TV "
                                  "(state-affiliated; listed in a disinformation case database).")
    assert statements[1].anchor == "provenance"  # the outlets section sits in the provenance box


def test_narratives_strong_weak_and_other():
    doc = base_doc()
    doc.add_group("narratives", Group("N1", "URW: Blaming the war on others", "narrative", [], score=0.81))
    doc.add_group("narratives", Group("N2", "URW: Blaming the war on others: The West are the aggressors", "subnarrative", [], score=0.7))
    assert by_topic(doc)["narratives"] == ("Narratives: it pushes \u201cBlaming the war on others\u201d (confidence 0.81), "
                                           "chiefly that \u201cThe West are the aggressors\u201d.")
    weak = base_doc()
    weak.add_group("narratives", Group("N1", "CC: Criticism of institutions", "narrative", [], score=0.12))
    text = by_topic(weak)["narratives"]
    assert text.startswith("Narratives: it may push \u201cCriticism of institutions\u201d (weak, confidence 0.12)") and "weak signal" in text
    other = base_doc()
    other.add_group("narratives", Group("N1", "URW: Praise of Russia", "candidate", [], score=0.31,
                                        attrs={"candidate_note": "candidate, 0.31 below its threshold 0.40"}))
    other.add_group("narratives", Group("N2", "Other", "narrative", [], score=0.9))
    text = by_topic(other)["narratives"]
    assert "none clears its threshold" in text and "\u201cOther\u201d" in text and "\u201cPraise of Russia\u201d (0.31)" in text
    assert "pushes" not in text


def test_roles_skip_uncertain_ones():
    doc = base_doc()
    for gid, entity, role, uncertain, mentions in (("R1", "Northern Alliance", "Antagonist", False, 3),
                                                   ("R2", "Harbour Authority", "Protagonist", True, 5),
                                                   ("R3", "Westport", "Innocent", False, 1)):
        doc.add_group("roles", Group(gid, role, "ORG", [], score=0.7, attrs={
            "entity": entity, "mentions": mentions, "salient": True, "uncertain": uncertain}))
    text = by_topic(doc)["roles"]
    assert text == ("Who is cast as what: Northern Alliance as the villain and Westport as the victim "
                    "(1 more role too close to the model's prior to count).")
    only_uncertain = base_doc()
    only_uncertain.add_group("roles", Group("R2", "Protagonist", "ORG", [], attrs={"entity": "Harbour Authority", "uncertain": True}))
    assert "no entity clearly" in by_topic(only_uncertain)["roles"]


def test_techniques_top_three_by_count_with_an_example():
    doc = base_doc()
    counts = {"Loaded_Language": ["disgraceful act of treachery", "sabotaged"], "Doubt": ["Was anyone ever punished?"],
              "Exaggeration": ["suffered for months"], "Repetition": []}
    for i, (label, phrases) in enumerate(counts.items()):
        ids = [_span(doc, "techniques", p, label, score=0.9 - 0.1 * j).id for j, p in enumerate(phrases)]
        doc.add_group("techniques", Group(f"T{i}", label, "technique", ids, score=0.5,
                                          attrs={"count": len(ids) if label != "Exaggeration" else 1,
                                                 "short_name": label.replace("_", " ")}))
    text = by_topic(doc)["techniques"]
    assert text.startswith("Strongest techniques: Loaded language \u00d72, e.g. \u201cdisgraceful act of treachery\u201d; ")
    assert "Doubt \u00d71, e.g. \u201cWas anyone ever punished?\u201d" in text and "Repetition" not in text
    assert text.count("\u00d7") == 3


def test_claims_count_and_the_top_two():
    doc = base_doc()
    _span(doc, "claims", "The Alliance closed the pier to 420 ships.", "claim", score=0.9)
    _span(doc, "claims", "Westport suffered for months.", "claim", score=0.6)
    _span(doc, "claims", "Was anyone ever punished?", "claim", score=0.3)
    doc.add_group("consistency", Group("C1", "inconsistent", "arithmetic", []))
    text = by_topic(doc)["claims"]
    assert text == ("Claims to check: 3 claims worth checking, first \u201cThe Alliance closed the pier to 420 ships.\u201d; "
                    "\u201cWestport suffered for months.\u201d; and 1 set of figures that do not add up.")


def test_html_summary_links_each_statement_and_escapes_it():
    doc = base_doc()
    hostile = "<script>window.__pwned=1</script>"
    doc.add_group("roles", Group("R1", "Antagonist", "ORG", [], attrs={"entity": hostile, "salient": True}))
    doc.add_group("techniques", Group("T1", "Doubt", "technique", [], attrs={"count": 2}))
    html = render_html([doc])
    links = re.findall(r'<a class="stmt stmt-(\w+)" href="#d0-(\w+)">', html)
    assert links == [("roles", "roles"), ("techniques", "techniques")]
    for _, anchor in links:
        assert f'id="d0-{anchor}"' in html
    assert hostile not in html and "&lt;script&gt;window.__pwned=1&lt;/script&gt; as the villain" in html


def test_attributes_read_as_words():
    attrs = {"parts": {"quantities": [], "dates": [], "entities": [{"text": "Kazakhstan", "start": 0, "end": 10, "label": "GPE"},
                                                                     {"text": "Russia", "label": "GPE"}], "attributions": []},
             "fine_roles": [{"label": "Victim", "score": 0.9732}], "main_scores": {"Protagonist": 0.37, "Antagonist": 0.21},
             "name_span": [711, 720], "uncertain": False, "speaker": None, "kind": "scare_quote", "empty": {},
             "cited": [{"role": "part", "start": 1, "end": 4, "text": "139"}], "url": "https://example.org/a_b"}
    words = dict(attr_words(attrs))
    assert words == {
        "parts \u00b7 entities": "Kazakhstan (GPE), Russia (GPE)",
        "fine roles": "Victim 0.97",
        "main-role scores": "Protagonist 0.37; Antagonist 0.21",
        "name at": "711\u2013720",
        "uncertain": "no",
        "kind": "scare quote",
        "cited": "139 (part)",
        "URL": "https://example.org/a_b",
    }
    assert all("{" not in v and "[" not in v for v in words.values())
    assert value_words(list(range(20))).endswith(", +8 more")
    assert attr_words({"note": "x" * 50}, limit=10) == [("note", "x" * 9 + "\u2026")]
    assert attr_words("not a dict") == []
