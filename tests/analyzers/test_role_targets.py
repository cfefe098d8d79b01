"""Whom roles are about (issue 14, section 5): the byline author, a platform used as a medium, an aggregator and
the outlet the article names as its source stay entities but get no role; a role whose score sits near the prior
of that role is marked uncertain.

The documents are hand-made: every layer the selection reads (structure, provenance, citations, entities) is
written here, as the analyzers would leave it, so the tests do not depend on the NER.
"""

from __future__ import annotations

import pytest

from narrascope.analyzers.role_targets import (
    AGGREGATOR,
    BYLINE_AUTHOR,
    MODIFIER_ONLY,
    OUTSIDE_PROSE,
    OWN_SOURCE,
    PLATFORM,
    mark_not_cast,
    role_targets,
)
from narrascope.analyzers.role_uncertainty import (
    MARGIN,
    is_uncertain,
    model_priors,
    prior_for,
    shipped_priors,
    uncertainty_attrs,
)
from narrascope.model import Document, Group

TEXT = (
    "Ferries stop again in the harbour\n\n"
    "Author: Jonas Weller\n\n"
    "The Northern Alliance blamed the Harbour Authority for the blackout, according to Coast Wire TV. "
    "Jonas Weller spent a week in the port. Officials posted the new timetable on Telegram. "
    "The regulator fined Facebook for the leak. Readers found the story on Flipboard (https://flipboard.com/@ferries/1). "
    "Harbour Post first told the story.\n\n"
    "Original source: https://www.harbourpost.example/news/42\n"
)


def _at(needle: str, nth: int = 0) -> tuple[int, int]:
    pos = -1
    for _ in range(nth + 1):
        pos = TEXT.index(needle, pos + 1)
    return pos, pos + len(needle)


def _line(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    end = TEXT.find("\n", start)
    return start, end if end >= 0 else len(TEXT)


ENTITIES = [  # label, kind, the mentions (needle, nth occurrence)
    ("Jonas Weller", "PERSON", [("Jonas Weller", 0), ("Jonas Weller", 1)]),
    ("Northern Alliance", "ORG", [("Northern Alliance", 0)]),
    ("Harbour Authority", "ORG", [("Harbour Authority", 0)]),
    ("Coast Wire TV", "ORG", [("Coast Wire TV", 0)]),
    ("Telegram", "ORG", [("Telegram", 0)]),
    ("Facebook", "ORG", [("Facebook", 0)]),
    ("Flipboard", "ORG", [("Flipboard", 0)]),
    ("Harbour Post", "ORG", [("Harbour Post", 0)]),
]


def hand_made(with_layers: bool = True) -> Document:
    """The article with structure, provenance, citations and entities as the analyzers would write them."""
    doc = Document(TEXT, metadata={"language": "en", "title": "Ferries stop again in the harbour", "author": "Jonas Weller"})
    doc.add_span("structure", *_line("Ferries stop"), "title")
    doc.add_span("structure", *_line("Author:"), "byline", attrs={"cue": "Author", "name_span": list(_at("Jonas Weller"))})
    doc.add_span("structure", *_at("Jonas Weller"), "author")
    doc.add_span("structure", *_line("The Northern Alliance"), "paragraph")
    doc.add_span("structure", *_line("Original source:"), "source_link", attrs={"cue": "Original source"})
    if with_layers:
        url = "https://www.harbourpost.example/news/42"
        doc.add_span("provenance", *_at(url), "original_source", attrs={"url": url, "domain": "harbourpost.example"})
        agg = "https://flipboard.com/@ferries/1"
        doc.add_span("provenance", *_at(agg), "aggregator_url",
                     attrs={"url": agg, "domain": "flipboard.com", "platform": "Flipboard", "platform_kind": "news aggregator"})
        cite = doc.add_span("citations", *_at("according to Coast Wire TV"), "cited_source",
                            attrs={"kind": "attribution", "name": "Coast Wire TV", "name_span": list(_at("Coast Wire TV")),
                                   "cue": "according to"})
        doc.add_group("cited_sources", Group("S1", "Coast Wire TV", "source", [cite.id],
                                             attrs={"platform": "", "medium": "", "owner": "", "names": ["Coast Wire TV"]}))
    for n, (label, kind, mentions) in enumerate(ENTITIES, 1):
        ids = [doc.add_span("entities", *_at(needle, nth), kind, attrs={"entity_id": f"E{n}"}).id for needle, nth in mentions]
        doc.add_group("entities", Group(f"E{n}", label, kind, ids, attrs={"variants": [label], "mentions": len(ids)}))
    doc.sort_layers()
    return doc


def _groups(doc: Document) -> dict[str, Group]:
    return {g.label: g for g in doc.groups["entities"]}


# -- who is cast ------------------------------------------------------------------------------------------

def test_byline_author_platform_aggregator_and_own_source_are_not_cast():
    doc = hand_made()
    cast, not_cast = role_targets(doc)
    ids = {g.label: g.id for g in doc.groups["entities"]}
    reasons = {label: not_cast[gid].reason for label, gid in ids.items() if gid in not_cast}
    assert reasons == {"Jonas Weller": BYLINE_AUTHOR, "Telegram": PLATFORM, "Flipboard": AGGREGATOR,
                       "Coast Wire TV": OWN_SOURCE, "Harbour Post": OWN_SOURCE}
    # the entities the article frames, and a platform it only talks about ("the regulator fined Facebook")
    assert {g.label for g, _ in cast} == {"Northern Alliance", "Harbour Authority", "Facebook"}
    assert all(ms for _, ms in cast)
    why = {label: not_cast[gid].why for label, gid in ids.items() if gid in not_cast}
    assert "byline" in why["Jonas Weller"] and "on Telegram" in why["Telegram"]
    assert "according to Coast Wire TV" in why["Coast Wire TV"] and "harbourpost.example" in why["Harbour Post"]


def test_without_provenance_and_citations_only_what_is_left_decides():
    """Each reason comes from a layer: without provenance and citations the outlets the article cites are unknown,
    but the byline is not, nor are "on Telegram" and "on Flipboard" (a medium by the word before it)."""
    doc = hand_made(with_layers=False)
    _, not_cast = role_targets(doc)
    labels = {g.id: g.label for g in doc.groups["entities"]}
    assert {labels[i]: v.reason for i, v in not_cast.items()} == {
        "Jonas Weller": BYLINE_AUTHOR, "Telegram": PLATFORM, "Flipboard": AGGREGATOR}


def test_byline_author_from_metadata_only_and_entities_outside_prose():
    doc = hand_made()
    doc.layers["structure"] = [s for s in doc.layers["structure"] if s.label not in ("author", "byline")]
    doc.metadata["author"] = "J. Weller and A. Other"  # no byline span: the name in the metadata decides
    _, not_cast = role_targets(doc)
    assert not_cast[_groups(doc)["Jonas Weller"].id].reason == BYLINE_AUTHOR
    # an entity named only in the source line is not in the prose
    doc.add_group("entities", Group("E99", "Harbour Post Archive", "ORG",
                                    [doc.add_span("entities", *_at("harbourpost"), "ORG").id]))
    _, not_cast = role_targets(doc)
    assert not_cast["E99"].reason == OUTSIDE_PROSE


def test_a_demonym_qualifying_a_noun_casts_no_role():
    """"Varnish sailors": the phrase is about the sailors, not the state acting; "the Varnish," and the state's own
    name still frame it. A state named only that way is not cast, with the phrase as the reason."""
    text = ("Varnish sailors closed the strait.\n\nVarnia blocked the harbour. The Varnish, again, refused to talk. "
            "Coastal fishermen met Tolvian officials.\n")
    doc = Document(text, metadata={"language": "en"})
    doc.add_span("structure", 0, text.index("\n"), "title")
    doc.add_span("structure", text.index("Varnia"), len(text) - 1, "paragraph")

    def mention(needle: str, nth: int, kind: str, entity: str):
        start = -1
        for _ in range(nth + 1):
            start = text.index(needle, start + 1)
        return doc.add_span("entities", start, start + len(needle), kind,
                            attrs={"entity_id": entity, "mention_kind": kind == "NORP" and "demonym" or "name"}).id

    varnia = [mention("Varnish", 0, "NORP", "E1"), mention("Varnia", 0, "GPE", "E1"), mention("Varnish", 1, "NORP", "E1")]
    doc.add_group("entities", Group("E1", "Varnia", "GPE", varnia))
    doc.add_group("entities", Group("E2", "Tolvia", "GPE", [mention("Tolvian", 0, "NORP", "E2")]))
    cast, not_cast = role_targets(doc)
    [(group, mentions)] = cast
    assert group.id == "E1" and [text[m.start:m.end + 2] for m in mentions] == ["Varnia b", "Varnish, "]
    assert not_cast["E2"].reason == MODIFIER_ONLY and "Tolvian officials" in not_cast["E2"].why


def test_a_cited_institution_is_no_outlet():
    """"according to the Harbour Authority": a source, but an actor, not an outlet; it stays cast."""
    doc = hand_made()
    cite = doc.add_span("citations", *_at("the Harbour Authority"), "cited_source",
                        attrs={"kind": "attribution", "name": "Harbour Authority", "name_span": list(_at("Harbour Authority"))})
    doc.add_group("cited_sources", Group("S2", "Harbour Authority", "source", [cite.id],
                                         attrs={"platform": "", "medium": "", "owner": "", "names": ["Harbour Authority"]}))
    cast, not_cast = role_targets(doc)
    assert "Harbour Authority" in {g.label for g, _ in cast}


def test_mark_not_cast_writes_and_clears_the_reasons():
    doc = hand_made()
    _, not_cast = role_targets(doc)
    mark_not_cast(doc, not_cast)
    g = _groups(doc)["Telegram"]
    assert g.attrs["not_cast"] == PLATFORM and g.attrs["not_cast_why"]
    assert "not_cast" not in _groups(doc)["Northern Alliance"].attrs
    mark_not_cast(doc, {})
    assert "not_cast" not in g.attrs and "not_cast_why" not in g.attrs


TOY = [  # constructed sentences (no dataset text): who, main role, fine role
    ("The raiders burned the village and shot at the fleeing families.", "The raiders", "Antagonist", "Instigator"),
    ("The smugglers lied to the inspectors and bribed the guards.", "The smugglers", "Antagonist", "Corrupt"),
    ("The volunteers carried the injured to safety through the night.", "The volunteers", "Protagonist", "Guardian"),
    ("The medics treated every wounded child at the camp.", "The medics", "Protagonist", "Guardian"),
    ("The villagers lost their homes and everything they owned.", "The villagers", "Innocent", "Victim"),
    ("The fishermen were left without boats after the storm.", "The fishermen", "Innocent", "Victim"),
]


@pytest.fixture(scope="module")
def toy_model(tmp_path_factory):
    """A small role model trained here on constructed sentences: the analyzer runs a real model, whichever
    models the package ships."""
    from narrascope.models.roles import RoleClassifier

    items = [(text, text.index(who), text.index(who) + len(who), main, [fine])
             for _ in range(4) for text, who, main, fine in TOY]
    path = tmp_path_factory.mktemp("roles") / "roles.npz"
    RoleClassifier(seed=0, min_df=1, inner_folds=2).fit(items, languages=["EN"] * len(items)).save(path)
    return str(path)


@pytest.fixture(scope="module")
def analysed(toy_model):
    from narrascope.pipeline import create_analyzer

    return create_analyzer("roles", model=toy_model)(hand_made())


def test_the_roles_analyzer_casts_only_the_framed(analysed):
    doc = analysed
    cast = {g.attrs["entity"] for g in doc.groups["roles"]}
    assert cast == {"Northern Alliance", "Harbour Authority", "Facebook"}
    entities = _groups(doc)
    # the others keep their entity group, which says why they are not cast
    assert {label: entities[label].attrs.get("not_cast") for label in
            ("Jonas Weller", "Telegram", "Flipboard", "Coast Wire TV", "Harbour Post")} == {
        "Jonas Weller": BYLINE_AUTHOR, "Telegram": PLATFORM, "Flipboard": AGGREGATOR,
        "Coast Wire TV": OWN_SOURCE, "Harbour Post": OWN_SOURCE}
    role_spans = doc.spans("roles")
    for label in ("Jonas Weller", "Telegram", "Flipboard", "Coast Wire TV", "Harbour Post"):
        gid = entities[label].id
        assert not any(s.attrs.get("entity_id") == gid for s in role_spans)


def test_the_roles_analyzer_marks_roles_near_their_prior(analysed):
    prior = shipped_priors()["EN"]
    for g in analysed.groups["roles"]:
        assert g.attrs["prior"] == pytest.approx(prior[g.label], abs=1e-4)
        assert g.attrs["uncertain"] is (g.score - prior[g.label] < MARGIN)  # the score is kept either way
    for s in analysed.spans("roles"):
        if s.attrs["kind"] == "mention":
            assert s.attrs["uncertain"] is (s.score - prior[s.label] < MARGIN)


# -- the prior and the margin ---------------------------------------------------------------------------------

def test_shipped_priors_are_training_shares():
    priors = shipped_priors()
    for shares in priors.values():
        assert set(shares) == {"Antagonist", "Protagonist", "Innocent"} and sum(shares.values()) == pytest.approx(1)
    assert priors["EN"]["Antagonist"] > 0.6 > priors["HI"]["Antagonist"]  # languages differ: per language
    assert prior_for(priors, "ZH") == priors["ALL"]  # a language the model was not trained on: all of them


def test_uncertain_within_the_margin_of_the_prior():
    prior = {"Antagonist": 0.7, "Innocent": 0.1, "Protagonist": 0.2}
    assert is_uncertain("Antagonist", 0.75, prior) and is_uncertain("Antagonist", 0.5, prior)
    assert not is_uncertain("Antagonist", 0.7 + MARGIN + 0.01, prior)
    assert not is_uncertain("Innocent", 0.45, prior)  # a rare role well above its prior is a finding
    assert is_uncertain("Villain", 0.9, prior) is None and uncertainty_attrs("Villain", 0.9, prior) == {}
    assert uncertainty_attrs("Antagonist", 0.72, prior) == {"uncertain": True, "prior": 0.7}


def test_a_model_that_carries_its_own_priors_wins():
    class Model:
        main_priors_ = {"EN": {"Antagonist": 0.5, "Protagonist": 0.3, "Innocent": 0.2}}

    class Flat:
        main_priors_ = {"Antagonist": 0.4, "Protagonist": 0.4, "Innocent": 0.2}

    class Plain:
        taxonomy_name_ = "semeval2025_roles"

    assert prior_for(model_priors(Model()), "EN")["Antagonist"] == 0.5
    assert prior_for(model_priors(Flat()), "BG")["Antagonist"] == 0.4
    assert model_priors(Plain()) == shipped_priors()
    assert model_priors(type("Unknown", (), {"taxonomy_name_": "no such taxonomy"})()) == {}
