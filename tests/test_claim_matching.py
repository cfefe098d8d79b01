"""Claim matching: reference files (ClaimReview JSON-LD, CSV) and matching on constructed claims."""

from __future__ import annotations

import json

import pytest

from narrascope import Document
from narrascope.claim_matching import (Reference, load_references, match_documents, match_references,
                                       parse_claimreview)
from narrascope.errors import NarrascopeError

from conftest import SHARED

REVIEW = {"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://checker.example/r/1",
          "claimReviewed": "The harbour bridge was sold to a private fund for one euro.",
          "author": {"@type": "Organization", "name": "Example Checks"},
          "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "alternateName": "False"}}


def test_claimreview_single_list_graph_and_nested(tmp_path):
    second = dict(REVIEW, claimReviewed="Wind farms raised household bills by half.", url="https://checker.example/r/2")
    for payload in (REVIEW, [REVIEW, second], {"@graph": [REVIEW, second]},
                    {"@type": "WebPage", "mainEntity": {"review": [REVIEW]}}):
        refs = parse_claimreview(payload)
        assert refs[0].claim.startswith("The harbour bridge") and refs[0].verdict == "False"
        assert refs[0].url == "https://checker.example/r/1" and refs[0].source == "Example Checks"
    p = tmp_path / "reviews.jsonld"
    p.write_text(json.dumps({"@graph": [REVIEW, second]}), encoding="utf-8")
    assert len(load_references(p)) == 2


def test_csv_references(tmp_path):
    p = tmp_path / "refs.csv"
    p.write_text("\ufeffclaim,verdict,url,source\n\"Wind farms raised bills, by half.\",Misleading,https://x.example/1,"
                 "Checker\nSecond claim here about ports,,,\n", encoding="utf-8")
    refs = load_references(p)
    assert refs[0] == Reference("Wind farms raised bills, by half.", "Misleading", "https://x.example/1", "Checker")
    assert refs[1].verdict == ""


def test_bad_reference_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,rating\nx,y\n")
    with pytest.raises(NarrascopeError, match="no 'claim' column"):
        load_references(bad)
    js = tmp_path / "bad.json"
    js.write_text("{not json")
    with pytest.raises(NarrascopeError, match="not valid JSON"):
        load_references(js)
    with pytest.raises(NarrascopeError, match="no such file"):
        load_references(tmp_path / "nope.csv")


def test_match_references_paraphrase_and_no_false_match():
    refs = [Reference(REVIEW["claimReviewed"], "False", REVIEW["url"]),
            Reference("Bread prices doubled in the capital last winter.", "True", "https://x.example/b")]
    doc = Document("Officials admit it now. The harbour bridge was quietly sold to a private fund for just one euro. "
                   "The mayor opened a new school on Monday.")
    ms = match_references([doc], refs)
    assert len(ms) == 1
    m = ms[0]
    assert m["reference"]["verdict"] == "False" and m["reference"]["url"] == REVIEW["url"]
    assert doc.text[m["claim"]["start"]:m["claim"]["end"]].startswith("The harbour bridge")
    assert m["method"] in ("char", "words") and m["score"] >= 0.5


def test_match_documents_near_duplicates():
    a = Document("Two-thirds of the country's farmland already belongs to foreign investors. The weather was fine.")
    b = Document("Critics say foreign investors already own two-thirds of the country's farmland. Trains were late.")
    ms = match_documents([a, b])
    assert len(ms) == 1
    assert {ms[0]["a"]["doc_id"], ms[0]["b"]["doc_id"]} == {a.id, b.id}
    assert "farmland" in ms[0]["a"]["text"] and "farmland" in ms[0]["b"]["text"]


@pytest.mark.skipif(not (SHARED / "data" / "euvsdisinfo_cases" / "posts.csv").exists(), reason="EUvsDisinfo list absent")
def test_real_reference_list_loads():
    refs = load_references(SHARED / "data" / "euvsdisinfo_cases" / "posts.csv")
    assert len(refs) > 1000 and refs[0].url.startswith("http")
