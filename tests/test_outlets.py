"""Outlet knowledge: the user's outlets file (CSV, JSON, bad files), transliteration-aware matching and
its near misses, the outlets analyzer on constructed articles, the CLI option and the README's recipe.
Every outlet and article here is constructed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from narrascope.analyzers.outlets import add_outlets
from narrascope.cli import main
from narrascope.errors import InputError
from narrascope.model import Document
from narrascope.outlets import Outlet, OutletIndex, load_outlets, name_keys, outlet_name_key, read_outlets
from narrascope.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]

CSV = """name,aliases,country,domains,label,source
Tsargrad TV,Царьград|Tsar'grad,RU,,listed in a test case database (3),https://cases.example.org/list
Tsargrad TV,,,,test label two,https://registry.example.org/t
RT,Russia Today|РТ,RU,rt.com,test state label,https://registry.example.org/rt
TASS,ТАСС,RU,,,
Rossiya 24,Россия 24,RU,,,
Harbour Daily,,XX,harbour-daily.example,,
"""


@pytest.fixture
def outlets_csv(tmp_path: Path) -> Path:
    path = tmp_path / "outlets.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


@pytest.fixture
def index(outlets_csv: Path) -> OutletIndex:
    return load_outlets(outlets_csv)


# -- the file ---------------------------------------------------------------------------------------


def test_csv_rows_with_one_name_are_one_outlet(outlets_csv: Path) -> None:
    outlets = {o.name: o for o in read_outlets(outlets_csv)}
    assert list(outlets) == ["Tsargrad TV", "RT", "TASS", "Rossiya 24", "Harbour Daily"]
    t = outlets["Tsargrad TV"]
    assert t.aliases == ("Царьград", "Tsar'grad") and t.country == "RU"
    assert t.labels == ("listed in a test case database (3)", "test label two")
    assert t.label_sources == {"listed in a test case database (3)": "https://cases.example.org/list",
                               "test label two": "https://registry.example.org/t"}
    assert outlets["RT"].domains == ("rt.com",) and outlets["TASS"].labels == ()


def test_json_file_reads_the_same_outlets(tmp_path: Path, outlets_csv: Path) -> None:
    data = {"outlets": [
        {"name": "Tsargrad TV", "aliases": ["Царьград", "Tsar'grad"], "country": "RU",
         "labels": [{"label": "listed in a test case database (3)", "source": "https://cases.example.org/list"},
                    {"label": "test label two", "source": "https://registry.example.org/t"}]},
        {"name": "RT", "aliases": ["Russia Today", "РТ"], "country": "RU", "domains": ["rt.com"],
         "labels": [{"label": "test state label", "source": "https://registry.example.org/rt"}]},
        {"name": "TASS", "aliases": ["ТАСС"], "country": "RU"},
        {"name": "Rossiya 24", "aliases": ["Россия 24"], "country": "RU"},
        {"name": "Harbour Daily", "country": "XX", "domains": ["harbour-daily.example"]},
    ]}
    path = tmp_path / "outlets.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    as_json = [o.to_dict() for o in read_outlets(path)]
    assert as_json == [o.to_dict() for o in read_outlets(outlets_csv)]
    (tmp_path / "list.json").write_text(json.dumps(data["outlets"]), encoding="utf-8")  # a bare list too
    assert len(read_outlets(tmp_path / "list.json")) == 5


def test_the_documented_examples_load() -> None:
    csv_outlets = [o.to_dict() for o in read_outlets(ROOT / "docs" / "outlets.example.csv")]
    assert csv_outlets == [o.to_dict() for o in read_outlets(ROOT / "docs" / "outlets.example.json")]
    assert [o["name"] for o in csv_outlets] == ["Harbour TV", "Eastgate Wire", "Northwind Daily"]


@pytest.mark.parametrize("name, content, message", [
    ("missing.csv", None, "no such outlets file"),
    ("bad.json", '[{"name": "A",}]', "bad.json:1: not valid JSON"),
    ("shape.json", '{"name": "A"}', "a JSON outlets file is a list"),
    ("noname.json", '[{"aliases": ["x"]}]', "outlet #1: the outlet has no name"),
    ("labels.json", '[{"name": "A", "labels": "state"}]', "labels must be a list"),
    ("header.csv", "outlet,label\nA,x\n", "needs a header with a 'name' column"),
    ("url.csv", "name,label,source\nA,state,javascript:alert(1)\n", "url.csv:2: source 'javascript:alert(1)' is not an http(s) URL"),
    ("nolabel.csv", "name,label,source\nA,,https://example.org/x\n", "nolabel.csv:2: a source without a label"),
    ("domain.csv", "name,domains\nA,not a domain\n", "domain.csv:2: domain"),
    ("country.csv", "name,country\nA,XX\nA,YY\n", "country.csv:3: 'A' is given two countries"),
    ("cells.csv", "name,label\nA,x,extra\n", "cells.csv:2: more cells than header columns"),
    ("empty.csv", "name,label\n", "lists no outlet"),
    ("binary.csv", "name\x00\n", "binary"),
])
def test_bad_files_are_one_clear_input_error(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_outlets(path)
    text = str(err.value)
    assert message in text and "\n" not in text


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name\nCaf\xe9 TV\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_outlets(path)


def test_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("name\nHarbour Daily\n", encoding="utf-8")
    assert load_outlets(path).match("Northwind") is None
    path.write_text("name\nHarbour Daily\nNorthwind Weekly\n", encoding="utf-8")
    assert load_outlets(path).match("Northwind Weekly").name == "Northwind Weekly"


# -- matching ---------------------------------------------------------------------------------------


def test_keys_transliterate_and_drop_generic_words() -> None:
    assert name_keys("Tsargrad TV") == ("tsargradtv", "tsargrad")
    assert outlet_name_key("Царьград ТВ") == outlet_name_key("Tsar'grad") == outlet_name_key("the Tsargrad channel") == "tsargrad"
    assert outlet_name_key("tsargradtv") == "tsargrad"  # a channel handle
    assert name_keys("!!!") == ()


@pytest.mark.parametrize("written", ["Tsargrad", "Tsarigrad", "Tsargrad TV", "Tsarigrad TV", "Царьград", "Царьград ТВ",
                                     "TSARGRAD", "Tsar’grad", "the Tsargrad channel"])
def test_spellings_and_scripts_match(index: OutletIndex, written: str) -> None:
    assert index.match(written).name == "Tsargrad TV"


@pytest.mark.parametrize("written, outlet", [("RT", "RT"), ("Russia Today", "RT"), ("РТ", "RT"), ("TASS", "TASS"),
                                             ("ТАСС", "TASS"), ("Russia 24", "Rossiya 24"), ("Россия 24", "Rossiya 24")])
def test_short_and_numbered_names_match(index: OutletIndex, written: str, outlet: str) -> None:
    assert index.match(written).name == outlet


@pytest.mark.parametrize("near_miss", ["Stargrad", "Tsar", "Grad", "Tsargorodok", "Tsargrad Media Holding", "Zargrad",
                                       "Art", "RTL", "RT News Network", "Tess", "Mass", "Rossiya 1", "Russia", "Harbour",
                                       "Harbour Weekly", "", "T" * 400])
def test_near_misses_do_not_match(index: OutletIndex, near_miss: str) -> None:
    assert index.match(near_miss) is None


def test_how_a_name_matched(index: OutletIndex) -> None:
    assert index.match_how("Царьград")[1] == "name"
    assert index.match_how("Tsarigrad")[1] == "spelling"


def test_an_ambiguous_spelling_matches_nothing() -> None:
    index = OutletIndex([Outlet("Borodino Post"), Outlet("Baradino Post")])
    assert index.match("Borodino Post").name == "Borodino Post"  # exact keys still decide
    assert index.match("Berodino Post") is None  # as close to either: no guess


@pytest.mark.parametrize("url, outlet, matched", [
    ("https://tsargrad.tv/news/2024/05/01/x", "Tsargrad TV", "tsargrad.tv"),
    ("http://www.tsargrad.tv", "Tsargrad TV", "tsargrad.tv"),
    ("https://russian.rt.com/world/1", "RT", "russian.rt.com"),
    ("https://news.harbour-daily.example/a", "Harbour Daily", "news.harbour-daily.example"),
    ("https://t.me/tsargradtv/123", "Tsargrad TV", "tsargradtv"),
    ("https://t.me/s/tsargradtv", "Tsargrad TV", "tsargradtv"),
    ("https://www.youtube.com/@Tsargrad/videos", "Tsargrad TV", "Tsargrad"),
])
def test_links_match_by_domain_site_name_or_channel(index: OutletIndex, url: str, outlet: str, matched: str) -> None:
    found = index.match_url(url)
    assert found is not None and (found[0].name, found[1]) == (outlet, matched)


@pytest.mark.parametrize("url", ["https://art.com/x", "https://rtl.de/", "https://t.me/other_channel", "https://t.me/joinchat/abc",
                                 "https://stargrad.tv/", "https://example.com/tsargrad", "http://[::1", "https://" + "a." * 200 + "com"])
def test_links_that_do_not_match(index: OutletIndex, url: str) -> None:
    assert index.match_url(url) is None


# -- the analyzer -----------------------------------------------------------------------------------

ARTICLE = """Officials deny the ferry deal

The ministry denied it on Monday. For more details, see the report from Tsarigrad. (Screenshot from Telegram channel "Царьград ТВ")

Tsarigrad has mentioned it several times. Russia said nothing, and Stargrad TV was not asked.

Original article: https://www.harbour-daily.example/news/ferry-deal
"""


def analysed(path: Path, text: str = ARTICLE, **metadata) -> Document:
    pipeline = Pipeline.preset("light")
    add_outlets(pipeline, str(path))
    return pipeline(Document(text, metadata={"source": "test", **metadata}))


def test_analyzer_marks_original_source_cited_outlet_and_channel(outlets_csv: Path) -> None:
    doc = analysed(outlets_csv)
    found = [(doc.span_text(s), s.label, s.attrs["role"], s.attrs["how"]) for s in doc.spans("outlets")]
    assert found == [
        ("Tsarigrad", "Tsargrad TV", "cited", "spelling"),
        ("Царьград ТВ", "Tsargrad TV", "channel", "name"),
        ("Tsarigrad", "Tsargrad TV", "cited", "spelling"),
        ("https://www.harbour-daily.example/news/ferry-deal", "Harbour Daily", "original_source", "domain"),
    ]
    first = doc.spans("outlets")[0]
    assert first.attrs["outlet"] == "Tsargrad TV" and first.attrs["matched"] == "Tsarigrad" and first.attrs["country"] == "RU"
    assert first.attrs["labels"] == ["listed in a test case database (3)", "test label two"]
    assert first.attrs["label_sources"]["test label two"] == "https://registry.example.org/t"
    groups = {g.label: g for g in doc.groups["outlets"]}
    assert list(groups) == ["Tsargrad TV", "Harbour Daily"]
    t = groups["Tsargrad TV"].attrs
    assert t["roles"] == ["cited", "channel"] and t["mentions"] == 3 and t["outlet"] == "Tsargrad TV"
    assert set(t) >= {"outlet", "country", "labels", "label_sources", "roles", "mentions"}
    assert groups["Harbour Daily"].attrs["roles"] == ["original_source"]
    assert Document.from_json(doc.to_json()) == doc  # JSON round trip


def test_metadata_site_and_channel_are_the_publisher(outlets_csv: Path) -> None:
    doc = analysed(outlets_csv, "A short note about the ferry timetable.", site_name="Russia Today",
                   url="https://www.harbour-daily.example/a")
    assert doc.spans("outlets") == []
    groups = {g.label: g.attrs for g in doc.groups["outlets"]}
    assert groups["RT"]["roles"] == ["publisher"] and groups["RT"]["mentions"] == 0
    assert groups["Harbour Daily"]["roles"] == ["publisher"]
    doc = analysed(outlets_csv, "A forwarded post.", channel="Царьград", site_name="Царьград", forwarded_from="TASS")
    assert [(g.label, g.attrs["roles"]) for g in doc.groups["outlets"]] == [("Tsargrad TV", ["channel"]), ("TASS", ["channel"])]
    doc = analysed(outlets_csv, "A post with links.", links=["https://t.me/tsargradtv/5", "https://rt.com/news/1", 7, "https://example.org/"])
    assert [(g.label, g.attrs["roles"], g.attrs["names"]) for g in doc.groups["outlets"]] == [
        ("Tsargrad TV", ["channel"], ["tsargradtv"]), ("RT", ["cited"], ["rt.com"])]


def test_no_outlets_file_no_layer(monkeypatch: pytest.MonkeyPatch, outlets_csv: Path) -> None:
    monkeypatch.delenv("NARRASCOPE_OUTLETS", raising=False)
    doc = Pipeline.preset("light")(Document(ARTICLE))
    assert "outlets" not in doc.layers and "outlets" not in doc.groups
    pipeline = Pipeline.preset("light")
    pipeline.add("outlets")  # no path: $NARRASCOPE_OUTLETS
    assert "outlets" not in pipeline(Document(ARTICLE)).layers
    monkeypatch.setenv("NARRASCOPE_OUTLETS", str(outlets_csv))
    pipeline = Pipeline.preset("light")
    pipeline.add("outlets")
    assert pipeline(Document(ARTICLE)).groups["outlets"][0].label == "Tsargrad TV"


def test_pipeline_config_carries_the_path(outlets_csv: Path) -> None:
    pipeline = Pipeline.preset("light")
    add_outlets(pipeline, str(outlets_csv))
    assert pipeline.enabled.index("outlets") == pipeline.enabled.index("citations") + 1
    config = pipeline.config
    assert {"name": "outlets", "options": {"path": str(outlets_csv)}} in config["components"]
    again = Pipeline.from_config(config)(Document(ARTICLE))
    assert [g.label for g in again.groups["outlets"]] == ["Tsargrad TV", "Harbour Daily"]


def test_without_citations_the_links_still_match(outlets_csv: Path) -> None:
    pipeline = Pipeline.preset("light", exclude=("citations",))
    add_outlets(pipeline, str(outlets_csv))
    doc = pipeline(Document(ARTICLE))
    assert [g.label for g in doc.groups["outlets"]] == ["Harbour Daily"]


# -- the command line -------------------------------------------------------------------------------


def test_cli_analyze_with_outlets(tmp_path: Path, outlets_csv: Path, capsys: pytest.CaptureFixture) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "a.json"
    assert main(["analyze", str(article), "--outlets", str(outlets_csv), "--fast", "--disable", "entities",
                 "--json", str(out)]) == 0
    report = capsys.readouterr().out
    assert "Outlets (from your outlets file)" in report and "Tsargrad TV" in report and "test label two" in report
    doc = Document.from_json(out.read_text(encoding="utf-8"))
    assert [g.label for g in doc.groups["outlets"]] == ["Tsargrad TV", "Harbour Daily"]


def test_cli_bad_outlets_file_is_one_line_and_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("outlet\nX\n", encoding="utf-8")
    for argv in (["analyze", str(article), "--outlets", str(bad)],
                 ["ingest", str(article), "--db", str(tmp_path / "c.db"), "--outlets", str(tmp_path / "missing.csv")]):
        assert main(argv) == 3
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "outlets file" in err and "Traceback" not in err
    assert not (tmp_path / "c.db").exists()  # refused before any work


def test_cli_outlets_from_the_environment(tmp_path: Path, outlets_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    monkeypatch.setenv("NARRASCOPE_OUTLETS", str(outlets_csv))
    db = tmp_path / "c.db"
    assert main(["ingest", str(article), "--db", str(db)]) == 0
    assert main(["search", "--db", str(db), "--outlet-label", "test label two", "--json", "--facets"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["total"] == 1
    assert [v["value"] for v in payload["facets"]["outlet_label"]] == ["listed in a test case database (3)", "test label two"]
    assert main(["entity", "Tsarigrad", "--db", str(db)]) == 0
    shown = capsys.readouterr().out
    assert "Tsargrad TV (RU): an outlet in your outlets file" in shown and "https://registry.example.org/t" in shown
    assert main(["entity", "Tsargrad", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outlet"]["outlet"] == "Tsargrad TV"


# -- the README's recipe ----------------------------------------------------------------------------


def test_readme_recipe_builds_a_loadable_file(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    recipe = re.search(r"```python\n(# outlets_from_euvsdisinfo\.py.*?)```", readme, re.S)
    assert recipe, "the README shows the EUvsDisinfo recipe"
    script = tmp_path / "recipe.py"
    script.write_text(recipe.group(1), encoding="utf-8")
    cases = tmp_path / "cases.csv"  # constructed rows in the shape of the database's table
    cases.write_text(
        "date,id,title,outlets\n"
        "2024-01-01,https://cases.example/1,One,Harbour TV - Russian+harbour-tv.example\n"
        "2024-01-02,https://cases.example/2,Two,Harbour TV - YouTube\n"
        '2024-01-03,https://cases.example/3,Three,"Harbour TV; Northwind Daily+Show more"\n'
        "2024-01-04,https://cases.example/4,Four,\n", encoding="utf-8")
    out = tmp_path / "outlets.csv"
    subprocess.run([sys.executable, str(script), str(cases), str(out)], check=True,
                   env={"PYTHONPATH": str(ROOT / "src")})
    outlets = {o.name: o for o in read_outlets(out)}
    assert outlets["Harbour TV"].labels == ("listed in EUvsDisinfo cases (3)",)
    assert outlets["Harbour TV"].domains == ("harbour-tv.example",)
    assert outlets["Harbour TV"].label_sources["listed in EUvsDisinfo cases (3)"] == "https://euvsdisinfo.eu/disinformation-cases/"
    assert outlets["Northwind Daily"].labels == ("listed in EUvsDisinfo cases (1)",)
