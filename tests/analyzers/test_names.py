"""What may be a name (issue 16, item 4), on constructed sentences: no pronoun, conjunction, preposition,
determiner or bare demonym is a speaker or a cited source, a photo agency's credit is no cited source, a name
never runs over a sentence end, events are no organisations, and "Western" joins "the West"; plus the rules of
:mod:`narrascope.naming` by themselves (person-name variants, surnames two people share)."""

from __future__ import annotations

import pytest

from narrascope import Document, Pipeline
from narrascope.naming import clean_name, is_name, person_labels, person_parts

ANALYZERS = ["structure", "language", "entities", "citations", "quotes"]


@pytest.fixture(scope="module")
def analyse():
    pipeline = Pipeline(ANALYZERS)
    return lambda text: pipeline(Document(text))


def speakers(doc: Document) -> list[str]:
    """Every speaker name the document stores: the groups, the speaker spans and the quotes' attributes."""
    names = [g.label for g in doc.groups.get("speakers", [])]
    names += [s.attrs["name"] for s in doc.spans("quotes") if s.label == "speaker"]
    return names + [s.attrs["speaker"] for s in doc.spans("quotes") if s.attrs.get("speaker")]


def cited(doc: Document) -> list[str]:
    return [g.label for g in doc.groups.get("cited_sources", [])] + [s.attrs["name"] for s in doc.spans("citations")]


def entities(doc: Document) -> dict[str, str]:
    return {g.label: g.kind for g in doc.groups.get("entities", [])}


# -- speakers -----------------------------------------------------------------------------------------

def test_an_unresolved_capitalised_pronoun_is_no_speaker(analyse) -> None:
    doc = analyse('The harbour was quiet on Sunday.\n\n"We will rebuild the pier," He said.')
    assert speakers(doc) == []


def test_a_pronoun_speaker_is_resolved_to_the_person_named_before_it(analyse) -> None:
    doc = analyse('Lena Park reported from the port.\n\n"The ships are leaving," she said.')
    assert set(speakers(doc)) == {"Lena Park"}
    quote = next(s for s in doc.spans("quotes") if s.attrs.get("speaker"))
    assert quote.attrs["pronoun"] == "she"


@pytest.mark.parametrize("text, expected", [
    ('Maria Lopez chairs the harbour board.\n\n"The ferries will run," she said. And Lopez added that the fares stay.',
     {"Maria Lopez", "Lopez"}),
    ('Tom Brandt runs the port.\n\n"We will win," Later Brandt said.', {"Tom Brandt", "Brandt"}),
    ('The talks were long.\n\n"Nothing has changed," In Valletta said.', {"Valletta"}),
])
def test_conjunctions_prepositions_and_adverbs_are_no_part_of_a_speaker(analyse, text, expected) -> None:
    doc = analyse(text)
    assert set(speakers(doc)) == expected
    assert not any(w in name.split() for name in speakers(doc) for w in ("And", "Later", "In"))
    assert "Later Brandt" not in entities(doc) and "And Lopez" not in entities(doc)


@pytest.mark.parametrize("text", [
    'The plan was criticised.\n\n"We are not afraid of them," Another added.',
    'The report was published.\n\n"The sanctions will fail," Russian officials said on Monday.',
    'The report was published. The Russian said: "We are ready for anything that comes our way, whatever it is."',
    'The report was published.\n\n"The harbour deal is dead and buried for good," Western said.',
])
def test_determiners_and_bare_demonyms_are_no_speakers(analyse, text) -> None:
    assert speakers(analyse(text)) == []


def test_speaker_spans_point_at_the_cleaned_name(analyse) -> None:
    doc = analyse('Maria Lopez chairs the harbour board.\n\n"The ferries will run on time," And Lopez said.')
    for s in doc.spans("quotes"):
        if s.label == "speaker":
            assert doc.span_text(s) == s.attrs["name"] == "Lopez"


# -- cited sources ------------------------------------------------------------------------------------

def test_photo_agency_credits_are_no_cited_sources(analyse) -> None:
    doc = analyse("A crowd gathered in the square (Photo: Getty Images). The mayor spoke (Photo: Jane Doe/Getty Images). "
                  "Ships left the port (Image: Shutterstock).")
    assert cited(doc) == []


def test_a_cited_name_never_runs_over_a_sentence_end(analyse) -> None:
    doc = analyse("The report was shared on his Telegram Channel. Feel free to subscribe to it.")
    assert cited(doc) == []
    doc = analyse('The video was posted by the Telegram channel "Harbour Watch". Later it was removed.')
    assert set(cited(doc)) == {"Harbour Watch"}


# -- entities -----------------------------------------------------------------------------------------

def test_events_and_operations_are_no_organisations(analyse) -> None:
    doc = analyse("According to the ministry, the Special Military Operation continues. Operation Barbarossa began "
                  "in 1941. The NATO Summit opened in Vilnius. The Cold War ended long ago. "
                  "The Institute for the Study of War published a map.")
    kinds = entities(doc)
    for name in ("Special Military Operation", "Operation Barbarossa", "NATO Summit", "Cold War"):
        assert kinds.get(name) == "EVENT", (name, kinds)
    assert kinds["Institute for the Study of War"] == "ORG"  # a word of it makes it an organisation


def test_western_joins_the_west(analyse) -> None:
    doc = analyse("Western diplomats left. The West did not respond, and Western media were silent.")
    groups = [g for g in doc.groups["entities"] if g.label == "West"]
    assert len(groups) == 1 and set(groups[0].attrs["variants"]) == {"West", "Western"}
    assert "Western" not in entities(doc)


# -- the rules by themselves --------------------------------------------------------------------------

@pytest.mark.parametrize("raw, name", [
    ("He", None), ("In", None), ("And", None), ("Another", None), ("Russian", None), ("Western", None),
    ("Getty Images", None), ("John Doe/Getty Images", None), ("they", None),
    ("And Carter", "Carter"), ("Later Putin", "Putin"), ("Channel. Feel", "Channel"),
    ("U.S. Army", "U.S. Army"), ("UBA.", "UBA"), ("the U.S.", "U.S."), ("Gen. Smith", "Gen. Smith"), ("Harbour TV", "Harbour TV"),
    ('Norland\'s "worst rival"', 'Norland\'s "worst rival"'), ("Sean O'Brien", "Sean O'Brien"),
])
def test_clean_name(raw, name) -> None:
    assert clean_name(raw) == name


@pytest.mark.parametrize("label", ['Norland\'s "worst rival"', "the «grey cardinal»"])
def test_is_name_refuses_a_description_holding_a_quoted_phrase(label) -> None:
    assert clean_name(label) is not None and not is_name(label)


def test_is_name_refuses_a_label_that_runs_over_a_sentence_end() -> None:
    assert not is_name("Channel. Feel") and is_name("Harbour TV") and is_name("U.S. Navy") and not is_name("He")
    assert is_name("UBA.") and is_name("U.S.")


def test_person_parts_drop_titles() -> None:
    assert person_parts("President Vladimir Putin") == ("putin", ("Vladimir",))
    assert person_parts("Prime Minister Boris Johnson") == ("johnson", ("Boris",))
    assert person_parts("V. Putin") == ("putin", ("V.",))
    assert person_parts("the harbour") is None


def test_person_labels_merge_one_person_under_the_fullest_common_form() -> None:
    labels = person_labels([("Putin", (), 5), ("Vladimir Putin", ("Vladimir",), 3), ("V. Putin", ("V.",), 1),
                            ("President Putin", (), 2), ("Vladimir Vladimirovich Putin", ("Vladimir", "Vladimirovich"), 1)])
    assert set(labels.values()) == {"Vladimir Putin"}
    # no full name yet: the initialled form names the person
    assert person_labels([("Putin", (), 5), ("V. Putin", ("V.",), 1)]) == {"Putin": "V. Putin", "V. Putin": "V. Putin"}
    # an initial that fits nobody written in full is somebody else
    assert person_labels([("Putin", (), 1), ("Vladimir Putin", ("Vladimir",), 1), ("J. Putin", ("J.",), 1)])["J. Putin"] == "J. Putin"


def test_person_labels_leave_a_surname_two_people_share() -> None:
    labels = person_labels([("Johnson", (), 5), ("Boris Johnson", ("Boris",), 3), ("Lyndon Johnson", ("Lyndon",), 1),
                            ("B. Johnson", ("B.",), 1), ("Mr. Johnson", (), 1)])
    assert labels == {"Johnson": "Johnson", "Boris Johnson": "Boris Johnson", "Lyndon Johnson": "Lyndon Johnson",
                      "B. Johnson": "Boris Johnson", "Mr. Johnson": "Mr. Johnson"}


def test_person_labels_settle_instead_of_flipping() -> None:
    forms = [("Vladimir Putin", ("Vladimir",), 3), ("Vladimir V. Putin", ("Vladimir", "V."), 4)]
    # the label held so far stays until another form is in twice as many documents
    assert set(person_labels(forms, current={"Vladimir Putin": "Vladimir Putin", "Vladimir V. Putin": "Vladimir Putin"}).values()) == {"Vladimir Putin"}
    forms[1] = ("Vladimir V. Putin", ("Vladimir", "V."), 6)
    assert set(person_labels(forms, current={"Vladimir Putin": "Vladimir Putin", "Vladimir V. Putin": "Vladimir Putin"}).values()) == {"Vladimir V. Putin"}


def test_person_parts_drop_the_country_before_a_title_and_fold_romanised_surnames() -> None:
    assert person_parts("Russian President Vladimir Putin") == ("putin", ("Vladimir",))
    assert person_parts("Ruritania's President Ivan Petrov")[1] == ("Ivan",)  # an unknown country is a word
    assert person_parts("Jordan Peterson") == ("peterson", ("Jordan",))  # a country that is also a given name
    assert person_parts("Zelensky")[0] == person_parts("Volodymyr Zelenskyy")[0] == person_parts("Zelenskiy")[0]
    assert person_parts("Smith")[0] != person_parts("Smyth")[0]  # English names are not folded


def test_person_labels_prefer_the_bare_full_name_and_join_spellings_of_a_given_name() -> None:
    labels = person_labels([("Polish President Andrzej Duda", ("Andrzej",), 1), ("Andrzej Duda", ("Andrzej",), 1)])
    assert set(labels.values()) == {"Andrzej Duda"}
    labels = person_labels([("Zelensky", (), 4), ("Volodymyr Zelensky", ("Volodymyr",), 4), ("Volodymy Zelenskyy", ("Volodymy",), 1)])
    assert set(labels.values()) == {"Volodymyr Zelensky"}


def test_person_parts_start_after_the_last_title() -> None:
    assert person_parts("Foreign Minister Sergey Ryabkov") == person_parts("Sergey Ryabkov")
    assert person_parts("German Vice-Chancellor Robert Habeck") == ("habeck", ("Robert",))
    assert clean_name("West Antarctica’s") == "West Antarctica" and clean_name("Given") is None


def test_an_organisation_keeps_a_leading_function_word(analyse) -> None:
    doc = analyse("All India Radio reported the storm. And Lopez added more.")
    assert entities(doc).get("All India Radio") == "ORG"
    assert "And Lopez" not in entities(doc)
