"""Acceptance on the two real seed articles (skipped when ../shared/seeds is absent).

Expected strings come from reading the seeds; no analyzer rule refers to them.
"""

import pytest

from conftest import needs_seeds, seed

pytestmark = [needs_seeds, pytest.mark.seeds]


def _text(prefix):
    return seed(prefix).read_text(encoding="utf-8")


def _only(doc, layer, label):
    spans = [s for s in doc.spans(layer) if s.label == label]
    assert len(spans) == 1, [doc.span_text(s) for s in spans]
    return spans[0]


def _at(text, needle, nth=0):
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(needle, pos + 1)
    return pos, pos + len(needle)


@pytest.mark.parametrize("prefix,title,author,url", [
    ("000", "Kazakhstan stabs Russia in the back. The secret of the missing Defense Minister is revealed",
     "Oleg Belikov", "https://www.toutiao.com/article/7514142068961313291/"),
    ("002", "The Setback of the Special Military Operation: The Fatal Blow Unknown to Many Behind Russia",
     "Valentin Filippov", "https://www.toutiao.com/article/7516866293434237481/"),
])
def test_title_author_source_disclaimer(analysed_seeds, prefix, title, author, url):
    doc = analysed_seeds[prefix]
    text = _text(prefix)
    assert doc.text == text  # byte-for-byte
    t = _only(doc, "structure", "title")
    assert (t.start, t.end) == _at(text, title)
    a = _only(doc, "structure", "author")
    assert (a.start, a.end) == _at(text, author)
    assert doc.metadata["title"] == title and doc.metadata["author"] == author
    src = _only(doc, "provenance", "original_source")
    assert (src.start, src.end) == _at(text, url)
    assert src.attrs["platform"].startswith("Toutiao")
    assert doc.metadata["source_url"] == url
    disc = _only(doc, "structure", "disclaimer")
    assert text[disc.start:disc.end].startswith("Disclaimer:") and disc.end == len(text.rstrip())
    # boilerplate is not body
    body = [s for s in doc.spans("structure") if s.label == "paragraph"]
    assert all(s.end <= src.start for s in body)


@pytest.mark.parametrize("prefix,fragments", [("000", ["一贯"]), ("002", ["善意"])])
def test_untranslated_chinese_fragments(analysed_seeds, prefix, fragments):
    doc = analysed_seeds[prefix]
    text = _text(prefix)
    found = [(s.start, s.end) for s in doc.spans("mt_residue") if s.label == "foreign_script"]
    assert found == [_at(text, f) for f in fragments]
    assert all(s.attrs["script"] == "Han" for s in doc.spans("mt_residue") if s.label == "foreign_script")


def test_every_cited_telegram_channel(analysed_seeds):
    doc = analysed_seeds["000"]
    text = _text("000")
    groups = {g.label: g for g in doc.groups["cited_sources"]}
    for channel in ("Fox Z and Raven", "Russian Ministry of Defense", "Tsarigrad TV"):
        assert channel in groups, groups.keys()
        assert groups[channel].attrs["platform"] == "Telegram"
        caption = next(s for s in doc.spans("citations") if s.attrs["name"] == channel)
        ns, ne = caption.attrs["name_span"]
        assert text[ns:ne] == channel
    own = [s for s in doc.spans("citations") if s.attrs["kind"] == "own_channel"]
    assert len(own) == 1 and doc.span_text(own[0]) == "her Telegram channel"
    assert own[0].attrs["owner"] in ("Kandelaki", "Tina Kandelaki")
    # "the report from Tsarigrad" and "Tsarigrad has mentioned it" are the same outlet as "Tsarigrad TV"
    assert len(groups["Tsarigrad TV"].span_ids) == 3


def test_every_quoted_speaker(analysed_seeds):
    doc = analysed_seeds["000"]
    text = _text("000")
    speech = [s for s in doc.spans("quotes") if s.label in ("quote", "reported_speech") and s.attrs.get("speaker")]
    by_start = {doc.span_text(s)[:25]: s for s in speech}
    kandelaki = [s for s in speech if "Kandelaki" in s.attrs["speaker"] or "Kandelaki" in s.attrs.get("speaker_name", "")]
    assert len(kandelaki) == 3  # two attributed quotes and the pull quote that repeats one of them
    entity_ids = {s.attrs.get("speaker_entity") for s in kandelaki}
    assert len(entity_ids) == 1 and None not in entity_ids  # one entity: "Tina Kandelaki" == "Kandelaki"
    zv = [s for s in speech if s.label == "reported_speech"]
    assert zv and zv[0].attrs["speaker"] == 'Mikhail "Fisherman" Zvintchuk'
    for s in doc.spans("quotes"):
        if s.label == "speaker":
            assert text[s.start:s.end] == s.attrs["name"]
    assert '"Therefore, when the news' in by_start


def test_second_seed_has_no_invented_speakers(analysed_seeds):
    doc = analysed_seeds["002"]
    assert not [s for s in doc.spans("quotes") if s.label == "speaker"]
    scare = [doc.span_text(s) for s in doc.spans("quotes") if s.label == "scare_quote"]
    assert '"cannon fodder"' in scare


def test_repeated_sentences_in_second_seed(analysed_seeds):
    doc = analysed_seeds["002"]
    reps = [s for s in doc.spans("mt_residue") if s.label == "repeated_sentence"]
    assert len(reps) == 2
    for s in reps:
        fs, fe = s.attrs["first_occurrence"]
        assert fe <= s.start


def test_descriptive_speaker_is_not_linked_to_a_country(analysed_seeds):
    doc = analysed_seeds["000"]
    q = next(s for s in doc.spans("quotes") if s.label == "quote" and doc.span_text(s) == '"Professionals are at work."')
    assert q.attrs["speaker"] == 'Kazakhstan\'s "number one enemy"'
    assert "speaker_entity" not in q.attrs
