"""The web UI's label names, facet shape and graphs (TestClient): technique and narrative names shown
as words (the stored name in the tooltip), the Other verdict as a narrative facet but no trend line,
one facet shape in the web JSON and ``search --json``, a labelled top-N graph with the full tables
behind ``?view=table``, no citation-graph node for documents without an outlet, and CSS that breaks
words only where it must. :func:`build_long_label_corpus` is also the browser layout test's corpus."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from narrascope.cli import main  # noqa: E402
from narrascope.model import Document, Group  # noqa: E402
from narrascope.store import open_store  # noqa: E402
from narrascope.web import create_app  # noqa: E402
from test_web import article  # noqa: E402

NARRATIVES = ["URW: Discrediting Ukraine: Ukraine is a puppet of the West",
              "URW: Blaming the war on others rather than the invader: The West are the aggressors",
              "CC: Hidden plots by secret schemes of powerful groups: Climate agenda has hidden motives",
              "URW: Discrediting Ukraine: Other"]
TECHNIQUES = ["Name_Calling-Labeling", "Loaded_Language", "Appeal_to_Fear-Prejudice",
              "Obfuscation-Vagueness-Confusion", "Consequential_Oversimplification", "False_Dilemma-No_Choice"]
ENTITIES = ["Ministry of Foreign Affairs of the Northern Federation", "Organisation for Security and Co-operation",
            "Supercalifragilisticexpialidociouslyunbreakable Holdings"] + [f"Harbour Council {i}" for i in range(30)]
OUTLETS = ["extraordinarily-long-regional-news-outlet-name.example.com", "Coast Post", "Valley Herald"]
ROLES = ["Antagonist", "Protagonist", "Innocent"]


def labelled(text: str, *, title: str, site: str | None, published: str, narratives=(), other=False, **layers) -> Document:
    """test_web's article, with subnarratives ("A: B: C") kept as such and, with ``other``, the Other verdict."""
    doc = article(text, title=title, site=site, published=published, **layers)
    for n, label in enumerate(narratives, 1):
        doc.add_group("narratives", Group(f"N{n}", label, "subnarrative" if label.count(": ") > 1 else "narrative"))
    if other:
        doc.add_group("narratives", Group("N0", "Other", "narrative"))
    return doc


def build_long_label_corpus(path: str) -> dict:
    """40 constructed documents with long official label names, long entity and outlet names, documents
    whose verdict is Other, some with no outlet, and a cluster."""
    docs = []
    for i in range(40):
        ents = [ENTITIES[i % 3], ENTITIES[3 + i % 30], ENTITIES[3 + (i * 7 + 1) % 30]]
        other = i % 5 == 0
        docs.append(labelled(
            f"Constructed note {i}: the council discussed the ferry timetable and the budget for the harbour.",
            title=f"Constructed note {i} about the harbour council and its remarkably long-winded budget deliberations",
            site=None if i % 8 == 3 else OUTLETS[i % 3], published=f"2024-0{1 + i % 3}-{1 + i % 27:02d}",
            narratives=[] if other else [NARRATIVES[i % 4]], other=other,
            techniques=TECHNIQUES[i % 6: i % 6 + 2], entities=ents,
            roles=[(ROLES[i % 3], ents[0]), (ROLES[(i + 1) % 3], ents[1])],
            cited=[OUTLETS[(i + 1) % 3], "Wire Service"], speakers=["Spokesperson Adelheid Montgomery-Fairweather"],
            url=None if i % 8 == 3 else f"https://{OUTLETS[0]}/2024/{i}/a-very-long-path-segment-without-a-break-{i}"))
    with open_store(path) as store:
        store.add_many(docs)
        store.replace_clusters("near-duplicate", [{"members": [docs[0].id, docs[1].id, docs[2].id],
                                                   "pairs": [{"a": docs[0].id, "b": docs[1].id, "jaccard": 0.9}]}])
        cluster = store.clusters()[0]["id"]
    return {"path": path, "docs": docs, "cluster": cluster,
            "without_outlet": sum(1 for i in range(40) if i % 8 == 3),
            "other": [d.id for i, d in enumerate(docs) if i % 5 == 0]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_long_label_corpus(str(tmp_path_factory.mktemp("labels") / "labels.db"))


@pytest.fixture(scope="module")
def client(corpus):
    with TestClient(create_app(corpus["path"], warm=False)) as c:
        yield c


def test_names_are_shown_as_words_with_the_stored_name_in_the_tooltip(client, corpus):
    dashboard = client.get("/").text
    assert "Name calling / labeling" in dashboard and "Appeal to fear / prejudice" in dashboard
    assert ">Name_Calling-Labeling<" not in dashboard and 'title="Name_Calling-Labeling"' in dashboard
    assert "URW: Discrediting Ukraine \u203a Ukraine is a puppet of the West" in dashboard
    search = client.get("/search?technique=Loaded_Language").text
    assert "technique: Loaded language" in search  # the active filter
    doc = client.get(f"/documents/{corpus['docs'][1].id}").text
    assert re.search(r'title="Name_Calling-Labeling">Name calling / labeling', doc) or "Loaded language" in doc
    # JSON and CSV keep the stored names
    data = client.get("/?format=json").json()
    assert "Name_Calling-Labeling" in {t["value"] for t in data["top"]["techniques"]}


def test_other_is_a_narrative_facet_but_no_trend_line(client, corpus):
    data = client.get("/search?format=json").json()
    assert {"value": "Other", "documents": len(corpus["other"])} in data["facets"]["narrative"]
    found = client.get("/search?narrative=Other&format=json").json()
    assert found["total"] == len(corpus["other"]) and {h["doc_id"] for h in found["hits"]} == set(corpus["other"])
    assert "Other (no narrative found)" in client.get("/search").text
    dashboard = client.get("/?format=json").json()
    assert "Other" not in {r["label"] for r in dashboard["narratives_over_time"]}
    assert {"value": "Other", "documents": len(corpus["other"])} in dashboard["top"]["narratives"]


def test_one_facet_shape_in_the_web_json_and_search_json(client, corpus, capsys):
    web = client.get("/search?q=council&format=json").json()["facets"]
    for values in web.values():
        assert all(set(v) == {"value", "documents"} for v in values)
    assert main(["search", "council", "--db", corpus["path"], "--json", "--facets"]) == 0
    cli = json.loads(capsys.readouterr().out)["facets"]
    assert {k: v[:12] for k, v in cli.items()} == web  # the web asks for 12 per facet


def test_entity_graph_draws_the_most_connected_with_labels(client):
    html = client.get("/graphs/entities").text
    labels = re.findall(r'<text [^>]*class="nodelabel">([^<]*)</text>', html)
    assert len(labels) == html.count('stroke="#fff" stroke-width="1.5"><title>') == 25  # every node drawn, labelled
    assert "<table" not in html and 'href="/graphs/entities?top=25&amp;min_documents=2&amp;view=table"' in html
    assert any(label.endswith("\u2026") for label in labels)  # the 55-character name, cut (its tooltip has it whole)
    data = client.get("/graphs/entities?format=json").json()
    assert len(data["most_connected"]) == 25 and len(data["nodes"]) == 33
    table = client.get("/graphs/entities?view=table").text
    assert table.count('<tr><td class="label"><a href="/entities/') >= 33 and "<circle" not in table
    assert client.get("/graphs/entities?top=5").text.count('class="nodelabel"') == 5
    assert client.get("/graphs/entities?top=61").status_code == 400


def test_citation_graph_has_no_node_for_documents_without_an_outlet(client, corpus):
    html = client.get("/graphs/citations").text
    assert "(no source)" not in html and 'id="without-outlet"' in html
    assert f"{corpus['without_outlet']} documents citing or quoting someone had no known outlet" in html
    data = client.get("/graphs/citations?format=json").json()
    assert data["without_outlet"] == corpus["without_outlet"]
    assert all(n["id"] for n in data["nodes"]) and all(e["source"] for e in data["edges"])
    assert "(no source)" not in client.get("/graphs/citations?view=table").text
    assert ",," not in client.get("/graphs/citations?format=csv").text


def test_graph_command_lists_the_most_connected(corpus, capsys):
    assert main(["graph", "citations", "--db", corpus["path"], "--top", "3"]) == 0
    out, err = capsys.readouterr()
    assert "the 3 most connected" in out and "(no source)" not in out
    assert f"{corpus['without_outlet']} documents that cite or quote had no known outlet" in err


def test_stylesheet_breaks_words_only_where_it_must():
    css = resources.files("narrascope.web").joinpath("static", "app.css").read_text(encoding="utf-8")
    assert "break-all" not in css
    for rule in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        if "anywhere" in rule[1]:
            assert all("url" in selector for selector in rule[0].split(",")), rule[0]


def test_facets_as_csv_in_the_same_columns(client):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(client.get("/search?q=council&format=csv&table=facets").text)))
    assert rows[0] == ["facet", "value", "documents"] and ["narrative", "Other", "8"] in rows
    assert "table=facets" in client.get("/search?q=council").text
    assert client.get("/search?format=csv&table=nope").status_code == 400
