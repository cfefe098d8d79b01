"""The corpus web UI (narrascope serve) through FastAPI's TestClient: every page in HTML, JSON and CSV,
hostile text kept inert, errors as one line (404, 400), the token, search highlights and pages."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from narrascope.cli import main  # noqa: E402
from narrascope.model import Document, Group  # noqa: E402
from narrascope.store import open_store  # noqa: E402
from narrascope.web import create_app  # noqa: E402
from narrascope.render.tables import csv_cell  # noqa: E402
from narrascope.web.corpus import QueryTimeout, StoreWorkers  # noqa: E402
from narrascope.web.responses import segments  # noqa: E402

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def article(text, *, title=None, language="en", site="Daily Example", published=None, narratives=(), techniques=(),
            entities=(), roles=(), cited=(), speakers=(), url=None):
    """A Document with hand-made layers and groups, as the analyzers would leave them."""
    meta = {"source": "test"}
    for key, value in (("title", title), ("language", language), ("site_name", site), ("published", published),
                       ("url", url)):
        if value:
            meta[key] = value
    doc = Document(text, metadata=meta)
    for n, label in enumerate(narratives, 1):
        doc.add_group("narratives", Group(f"N{n}", label, "narrative"))
    for label in techniques:
        doc.add_span("techniques", 0, min(5, len(text)), label)
    for n, label in enumerate(entities, 1):
        start = text.find(label)
        if start >= 0:
            span = doc.add_span("entities", start, start + len(label), "ORG")
            doc.add_group("entities", Group(f"E{n}", label, "ORG", [span.id], attrs={"mentions": 1}))
        else:
            doc.add_group("entities", Group(f"E{n}", label, "ORG", attrs={"mentions": 2}))
    for n, (role, entity) in enumerate(roles, 1):
        doc.add_group("roles", Group(f"R{n}", role, "ORG", attrs={"entity": entity, "entity_id": f"E{n}"}))
    for n, label in enumerate(cited, 1):
        doc.add_group("cited_sources", Group(f"C{n}", label, "outlet"))
    for n, label in enumerate(speakers, 1):
        doc.add_group("speakers", Group(f"S{n}", label, "person"))
    return doc


HOSTILE = article(f"Breaking: {SCRIPT} and {IMG} were found in the harbour ferry report.",
                  title=f"Hostile {SCRIPT} {IMG} ferry", site=f"Evil {IMG} Outlet", published="2024-01-05",
                  narratives=[f"Narrative {SCRIPT}"], techniques=["Loaded_Language"],
                  entities=[f"Entity {IMG}", "Northern Alliance"], roles=[("Antagonist", f"Entity {IMG}")],
                  cited=[f"Cited {SCRIPT}"], url="javascript:alert(1)")
FORMULA = article("A quiet note about cranes and the ferry timetable.", title="=HYPERLINK(\"http://evil\",\"x\")",
                  site="+Formula Site", published="2024-01-06")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "web.db"
    return build_corpus(str(path))


def build_corpus(url: str) -> dict:
    """A small store: ferry stories over two months, a hostile document, a formula title, clusters."""
    path = url
    docs = [
        article("The harbour authority announced a new ferry timetable for the winter season.",
                title="Ferry timetable changes", published="2024-01-01T09:00:00", site="Coast Post",
                narratives=["Economy: Prices rise"], techniques=["Loaded_Language", "Loaded_Language"],
                entities=["Harbour Authority"], roles=[("Protagonist", "Harbour Authority")], cited=["TASS"],
                speakers=["Maria Zakharova"]),
        article("Officials blamed the Northern Alliance for the blackout, calling it sabotage.",
                title="Blackout blamed on alliance", published="2024-01-03T12:30:00+02:00", site="Coast Post",
                narratives=["Blaming others"], techniques=["Name_Calling-Labeling"],
                entities=["Northern Alliance", "Harbour Authority"], roles=[("Antagonist", "Northern Alliance")]),
        article("The Northern Alliance delivered generators to three villages after the blackout.",
                title="Generators delivered", published="2024-02-09", site="Valley Herald",
                narratives=["Aid and relief"], entities=["Northern Alliance", "Harbour Authority"],
                roles=[("Protagonist", "Northern Alliance")], cited=["Reuters"]),
        article("Власти Приморья объявили о новом расписании паромов на зиму.", title="Паромы", language="ru",
                published="2024-02-05T08:00:00", site="Приморские вести", narratives=["Economy: Prices rise"]),
        HOSTILE,
        FORMULA,
    ]
    # 45 more ferry notes for the pages of results
    docs += [article(f"Ferry note number {i}: the ferry left the harbour on time.", title=f"Ferry note {i}",
                     published=f"2024-03-{1 + i % 28:02d}", site="Note Wire") for i in range(45)]
    with open_store(path) as store:
        for doc in docs:
            assert store.add(doc)
        store.replace_clusters("near-duplicate", [
            {"members": [docs[0].id, docs[2].id, HOSTILE.id], "pairs": [{"a": docs[0].id, "b": docs[2].id, "jaccard": 0.8},
                                                                       {"a": docs[0].id, "b": HOSTILE.id, "jaccard": 0.6}]}])
        store.replace_clusters("cross-language", [
            {"members": [docs[0].id, docs[3].id], "pairs": [{"a": docs[0].id, "b": docs[3].id, "score": 0.7,
                                                            "evidence": [f"name: {SCRIPT}", "number: 42"]}]}])
        cluster_ids = {c["kind"]: c["id"] for c in store.clusters()}
    return {"path": str(path), "docs": docs, "clusters": cluster_ids}


@pytest.fixture(scope="module")
def client(corpus):
    with TestClient(create_app(corpus["path"], warm=False)) as c:
        yield c


def pages(corpus):
    docs = corpus["docs"]
    return [
        "/", "/?period=day", "/?period=month&source=Coast+Post", "/search", "/search?q=ferry",
        "/search?q=ferry&page=2", "/search?narrative=Aid+and+relief", "/search?entity=Northern+Alliance&role=Antagonist",
        "/search?language=ru", "/search?date_from=2024-01-01&date_to=2024-01-31",
        f"/documents/{docs[0].id}", f"/documents/{HOSTILE.id}", f"/documents/{HOSTILE.id}?q=ferry",
        "/clusters", "/clusters?kind=near-duplicate", f"/clusters/{corpus['clusters']['near-duplicate']}",
        f"/clusters/{corpus['clusters']['cross-language']}", "/entities", "/entities?source=Coast+Post",
        "/entities/Northern%20Alliance", "/entities/Northern%20Alliance?period=week",
        "/graphs/entities", "/graphs/entities?min_documents=1", "/graphs/citations",
    ]


def with_format(url, fmt):
    return url + ("&" if "?" in url else "?") + f"format={fmt}"


# -- every page, three ways -------------------------------------------------------------------------


def test_every_page_in_html_json_and_csv(client, corpus):
    for url in pages(corpus):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        assert r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in r.text.lower()  # the UI's pages carry no script at all
        assert not re.search(r"\son[a-z]+\s*=", r.text.replace(IMG.replace("<", "&lt;").replace(">", "&gt;"), ""))

        j = client.get(with_format(url, "json"))
        assert j.status_code == 200 and j.headers["content-type"] == "application/json", url
        assert isinstance(json.loads(j.text), dict)

        c = client.get(with_format(url, "csv"))
        assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv"), url
        assert re.fullmatch(r'attachment; filename="narrascope-[A-Za-z0-9._-]+\.csv"', c.headers["content-disposition"])
        rows = list(csv.reader(io.StringIO(c.text)))
        assert rows and rows[0], url


def test_static_stylesheet(client):
    r = client.get("/static/app.css")
    assert r.status_code == 200 and "text/css" in r.headers["content-type"]


# -- hostile text -------------------------------------------------------------------------------


def assert_inert(html: str) -> None:
    assert SCRIPT not in html and IMG not in html
    assert "<script" not in html.lower()
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")  # only ever as escaped text


def test_hostile_text_is_escaped_everywhere(client, corpus):
    escaped_script = "&lt;script&gt;alert(1)&lt;/script&gt;"
    escaped_img = "&lt;img src=x onerror=alert(1)&gt;"
    for url in ["/search?q=harbour", "/search?q=breaking", f"/documents/{HOSTILE.id}", f"/documents/{HOSTILE.id}?q=script",
                f"/clusters/{corpus['clusters']['near-duplicate']}", f"/clusters/{corpus['clusters']['cross-language']}",
                "/", "/entities", "/graphs/entities?min_documents=1", "/graphs/citations", "/clusters",
                "/search?source=" + "Evil%20%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%20Outlet"]:
        r = client.get(url)
        assert r.status_code == 200, url
        assert_inert(r.text)
    doc_page = client.get(f"/documents/{HOSTILE.id}").text
    assert escaped_script in doc_page and escaped_img in doc_page
    assert "javascript:alert(1)" in doc_page and 'href="javascript' not in doc_page  # the URL is text, never a link
    search = client.get("/search?q=breaking").text
    assert escaped_script in search and escaped_img in search
    entity = client.get("/entities/" + "Entity%20%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert entity.status_code == 200
    assert_inert(entity.text)
    assert escaped_img in entity.text


def test_hostile_document_in_json_is_exact(client):
    data = client.get(f"/documents/{HOSTILE.id}?format=json").json()
    assert data["title"] == f"Hostile {SCRIPT} {IMG} ferry"
    assert data["document"]["text"] == HOSTILE.text
    assert data["labels"]["narrative"][0]["label"] == f"Narrative {SCRIPT}"
    hits = client.get("/search?q=breaking&format=json").json()["hits"]
    assert hits[0]["title"] == HOSTILE.metadata["title"]


def test_report_frame_is_sandboxed_and_escaped(client):
    page = client.get(f"/documents/{HOSTILE.id}").text
    assert f'src="/documents/{HOSTILE.id}/report" sandbox="allow-scripts"' in page
    r = client.get(f"/documents/{HOSTILE.id}/report")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "sandbox allow-scripts" in csp and "frame-ancestors 'self'" in csp and "script-src 'sha256-" in csp
    assert "allow-same-origin" not in csp
    assert SCRIPT not in r.text and IMG not in r.text
    assert client.get("/documents/0000000000000000/report").status_code == 404


def test_csv_cells_that_look_like_formulas_are_guarded(client):
    rows = list(csv.reader(io.StringIO(client.get("/search?q=cranes&format=csv").text)))
    header, first = rows[0], rows[1]
    assert first[header.index("title")] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert first[header.index("source")] == "'+Formula Site"
    for value, expected in (("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
                            ("\tx", "'\tx"), ("plain", "plain"), (-1, -1), (None, "")):
        assert csv_cell(value) == expected


# -- search -------------------------------------------------------------------------------------


def test_search_highlights_matches_escaped(client, corpus):
    html = client.get("/search?q=blackout").text
    assert "<mark>blackout</mark>" in html
    assert "Blackout</mark>" in html  # the title too
    html = client.get("/search?q=script").text  # a match inside hostile text stays text
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in html
    data = client.get("/search?q=blackout&format=json").json()
    assert data["total"] == 2 and data["skipped"] == []
    for hit in data["hits"]:
        for a, b in hit["matches"]:
            piece = hit["snippet"][a - hit["snippet_start"]:b - hit["snippet_start"]]
            assert piece.lower() == "blackout"


def test_segments_cut_text_at_matches():
    assert segments("abc def", [(10, 13)], base=10) == [{"text": "abc", "hit": True}, {"text": " def", "hit": False}]
    assert segments("abc", [(0, 10)]) == [{"text": "abc", "hit": True}]
    assert segments("", []) == [{"text": "", "hit": False}]


def test_search_pages_and_facets(client):
    first = client.get("/search?q=ferry&format=json").json()
    total = first["total"]
    assert total >= 47 and first["pages"] == (total + 19) // 20 and len(first["hits"]) == 20
    last = client.get(f"/search?q=ferry&page={first['pages']}&format=json").json()
    assert len(last["hits"]) == total - 20 * (first["pages"] - 1)
    seen = {h["doc_id"] for p in range(1, first["pages"] + 1)
            for h in client.get(f"/search?q=ferry&page={p}&format=json").json()["hits"]}
    assert len(seen) == total
    html = client.get("/search?q=ferry&page=2").text
    assert 'rel="prev"' in html and 'rel="next"' in html and f"<strong>{total}</strong> documents" in html
    assert 'href="/search?q=ferry&amp;page=3"' in html
    sources = dict((f["value"], f["documents"]) for f in first["facets"]["source"])
    assert sources["Note Wire"] == 45
    # a facet value is a link that adds the filter; an active one, a link that removes it
    assert 'href="/search?q=ferry&amp;source=Note+Wire"' in html
    narrowed = client.get("/search?q=ferry&source=Note+Wire")
    assert 'href="/search?q=ferry"' in narrowed.text and "source: Note Wire" in narrowed.text
    assert client.get("/search?q=ferry&source=Note+Wire&format=json").json()["total"] == 45
    ru = client.get("/search?language=ru&format=json").json()
    assert ru["total"] == 1 and ru["hits"][0]["title"] == "Паромы"


def test_search_count_and_facets_skipped_when_too_slow(corpus, monkeypatch):
    from narrascope.store.sqlite import SQLiteStore

    def slow(self, *args, **kwargs):
        self._rows("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000000) SELECT count(*) FROM c")
        return 0

    monkeypatch.setattr(SQLiteStore, "search_count", slow)
    monkeypatch.setattr(SQLiteStore, "facets", slow)
    with TestClient(create_app(corpus["path"], warm=False, extra_budget=0.05, query_budget=0.5)) as c:
        data = c.get("/search?q=ferry&format=json").json()
        assert data["total"] is None and data["facets"] is None and data["skipped"] == ["total", "facets"]
        assert len(data["hits"]) == 20 and data["pages"] == 2  # there may be more: a next page
        html = c.get("/search?q=ferry").text
        assert "takes longer than 0.05 s" in html and 'rel="next"' in html and 'id="facets-pending"' in html
        assert c.get("/?format=json").status_code == 503  # the dashboard needs its facets: past query_budget


def test_slow_counts_finish_in_the_background(corpus, monkeypatch):
    import time as time_module

    from narrascope.store.sqlite import SQLiteStore

    real = SQLiteStore.search_count

    def slow(self, *args, **kwargs):
        time_module.sleep(0.3)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SQLiteStore, "search_count", slow)
    with TestClient(create_app(corpus["path"], warm=False, extra_budget=0.05)) as c:
        assert c.get("/search?q=blackout&format=json").json()["total"] is None
        deadline = time_module.monotonic() + 10
        while (total := c.get("/search?q=blackout&format=json").json()["total"]) is None:
            assert time_module.monotonic() < deadline, "the count never arrived"
            time_module.sleep(0.1)
        assert total == 2  # counted in the background meanwhile, then cached


# -- the other pages ----------------------------------------------------------------------------


def test_dashboard_totals_and_charts(client, corpus):
    data = client.get("/?format=json").json()
    assert data["overview"]["documents"] == len(corpus["docs"])
    assert data["overview"]["clusters"] == {"near-duplicate": 1, "cross-language": 1}
    assert data["period"] == "week"
    assert {"period": "2024-01-01", "label": "Economy: Prices rise", "documents": 1} in data["narratives_over_time"]
    assert data["top"]["sources"][0] == {"value": "Note Wire", "documents": 45}
    html = client.get("/").text
    assert 'class="linechart"' in html and "<polyline" in html and "<title>" in html
    assert "Numbers</summary>" in html  # every chart has its table
    month = client.get("/?period=month&format=json").json()
    assert {r["period"] for r in month["narratives_over_time"]} <= {"2024-01-01", "2024-02-01", "2024-03-01"}
    coast = client.get("/?source=Coast+Post&format=json").json()
    assert coast["documents_in_source"] == 2
    rows = list(csv.reader(io.StringIO(client.get("/?format=csv").text)))
    assert rows[0] == ["kind", "period", "label", "documents"] and len(rows) > 1


def test_document_page(client, corpus):
    doc = corpus["docs"][0]
    html = client.get(f"/documents/{doc.id}?q=ferry").text
    assert "Ferry timetable changes" in html and "Coast Post" in html
    assert f'href="/clusters/{corpus["clusters"]["near-duplicate"]}"' in html and "probable original" in html
    assert "<mark>ferry</mark>" in html  # the search's matches in context
    data = client.get(f"/documents/{doc.id}?format=json").json()
    assert data["sightings"][0]["source"] == "Coast Post"
    assert {c["kind"] for c in data["clusters"]} == {"near-duplicate", "cross-language"}
    assert data["labels"]["technique"] == [{"label": "Loaded_Language", "entity": None, "count": 2}]
    rows = list(csv.reader(io.StringIO(client.get(f"/documents/{doc.id}?format=csv").text)))
    assert rows[0] == ["layer", "span_id", "label", "start", "end", "score", "text"]
    assert ["techniques", "Loaded_Language"] == rows[1][::2][:1] + [rows[1][2]]


def test_cluster_pages(client, corpus):
    docs = corpus["docs"]
    cid = corpus["clusters"]["near-duplicate"]
    data = client.get(f"/clusters/{cid}?format=json").json()
    assert data["original"] == docs[0].id and [m["doc_id"] for m in data["members"]] == [docs[0].id, docs[2].id, HOSTILE.id]
    html = client.get(f"/clusters/{cid}").text
    assert html.count("probable original</span>") == 1
    assert re.search(r'<tr class="original">.*?Ferry timetable changes', html, re.S)
    rows = list(csv.reader(io.StringIO(client.get(f"/clusters/{cid}?format=csv").text)))
    assert rows[1][2] == "true" and rows[2][2] == "false"
    cross = client.get(f"/clusters/{corpus['clusters']['cross-language']}").text
    assert "number: 42" in cross and "&lt;script&gt;" in cross
    listing = client.get("/clusters?kind=cross-language&format=json").json()
    assert listing["total"] == 1 and listing["clusters"][0]["kind"] == "cross-language"


def test_entity_pages_and_graphs(client):
    entities = client.get("/entities?format=json").json()["entities"]
    alliance = next(e for e in entities if e["entity"] == "Northern Alliance")
    assert alliance["documents"] == 3 and alliance["roles"] == {"Antagonist": 1, "Protagonist": 1}
    profile = client.get("/entities/Northern%20Alliance?format=json").json()
    assert profile["documents"] == 3 and dict(map(tuple, profile["roles"])) == {"Antagonist": 1, "Protagonist": 1}
    html = client.get("/entities/Northern%20Alliance").text
    assert "Antagonist (villain)" in html and "Protagonist (hero)" in html and 'class="linechart"' in html
    graph = client.get("/graphs/entities?min_documents=1").text
    assert "<svg" in graph and "<circle" in graph and 'href="/entities/Northern%20Alliance"' in graph
    data = client.get("/graphs/entities?min_documents=1&format=json").json()
    assert {"source": "Harbour Authority", "target": "Northern Alliance", "kind": "co-occurrence", "documents": 2} in data["edges"]
    cites = client.get("/graphs/citations?format=json").json()
    assert {"source": "Coast Post", "target": "TASS", "kind": "cites", "documents": 1} in cites["edges"]
    assert "marker-end" in client.get("/graphs/citations").text


def test_layout_is_deterministic():
    from narrascope.web.charts import force_layout

    edges = [(0, 1, 3.0), (1, 2, 1.0), (3, 4, 1.0)]
    a, b = force_layout(6, edges), force_layout(6, edges)
    assert (a == b).all() and a.min() >= 0 and a.max() <= 1
    assert force_layout(0, []).shape == (0, 2) and force_layout(1, []).tolist() == [[0.5, 0.5]]


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/documents/0123456789abcdef", "/clusters/999999", "/clusters/abc", "/clusters/-1",
                                 "/entities/Nobody%20At%20All", "/no/such/page"])
def test_unknown_ids_are_404(client, url):
    r = client.get(url)
    assert r.status_code == 404 and "Traceback" not in r.text
    assert '<p class="error">' in r.text
    j = client.get(with_format(url, "json"))
    assert j.status_code == 404 and j.headers["content-type"] == "application/json"
    body = j.json()
    assert body["status"] == 404 and "\n" not in body["error"]


@pytest.mark.parametrize("url", ["/?period=year", "/search?page=0", "/search?page=abc", "/search?page=101",
                                 "/search?date_from=yesterday", "/search?date_to=2024-13-45", "/clusters?kind=bogus",
                                 "/graphs/entities?limit=100000", "/entities?limit=x", "/search?format=xml",
                                 "/search?q=" + "a" * 600, "/search?q=%00"])
def test_bad_parameters_are_400_with_one_line(client, url):
    r = client.get(url)
    assert r.status_code == 400, (url, r.status_code)
    assert "Traceback" not in r.text
    j = client.get(with_format(url, "json") if "format=" not in url else url.replace("xml", "json") + "&format=json")
    if "format=xml" not in url:
        assert j.status_code == 400 and "\n" not in j.json()["error"]


# -- access -------------------------------------------------------------------------------------


def test_token_is_required(corpus):
    app = create_app(corpus["path"], token="s3cret-token-for-tests", warm=False)
    with TestClient(app) as c:
        for url in ("/", "/search?q=ferry", "/static/app.css", f"/documents/{HOSTILE.id}/report", "/no/such"):
            r = c.get(url)
            assert r.status_code == 401, url
            assert "Bearer" in r.headers["www-authenticate"]
        assert c.get("/?format=json").json()["status"] == 401
        assert c.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/", headers={"Authorization": "Bearer s3cret-token-for-tests"}).status_code == 200
        assert c.get("/", headers={"Authorization": "bearer s3cret-token-for-tests"}).status_code == 200
        assert c.get("/?token=wrong").status_code == 401
        # ?token= once: a cookie (HttpOnly, SameSite=Strict, not the token itself) and the address without it
        r = c.get("/search?q=ferry&token=s3cret-token-for-tests", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/search?q=ferry"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "s3cret-token-for-tests" not in cookie
        assert c.get("/search?q=ferry").status_code == 200  # the client kept the cookie
        assert c.get("/static/app.css").status_code == 200
    with TestClient(app) as fresh:
        fresh.cookies.set("narrascope_session", "forged")
        assert fresh.get("/").status_code == 401


def test_allowed_hosts(corpus):
    with TestClient(create_app(corpus["path"], allowed_hosts={"localhost", "127.0.0.1"}, warm=False),
                    base_url="http://127.0.0.1:8000") as c:
        assert c.get("/").status_code == 200
        assert c.get("/", headers={"Host": "localhost:8000"}).status_code == 200
        assert c.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_store_is_read_only_and_threads_close(corpus):
    workers = StoreWorkers(corpus["path"], workers=2)

    async def go():
        count = await workers.run(lambda store: store.count())
        from narrascope.store import StoreReadOnlyError

        with pytest.raises(StoreReadOnlyError, match="read-only"):
            await workers.run(lambda store: store._run("DELETE FROM documents"))
        with pytest.raises(QueryTimeout):
            await workers.run(lambda store: store._rows(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000000) SELECT count(*) FROM c"),
                budget=0.05)
        return count

    assert asyncio.run(go()) == len(corpus["docs"])
    workers.close()
    assert not any(t.is_alive() for t in workers._threads)
    with open_store(corpus["path"]) as store:
        assert store.count() == len(corpus["docs"])


def test_missing_or_bad_store_fails_at_creation(tmp_path):
    from narrascope.store import StoreError

    bad = tmp_path / "bad.db"
    bad.write_text("not a database", encoding="utf-8")
    with pytest.raises(StoreError):
        create_app(str(bad))


# -- the serve command --------------------------------------------------------------------------


def test_serve_command_checks(tmp_path, corpus, capsys, monkeypatch):
    assert main(["serve", "--db", str(tmp_path / "missing.db")]) == 2
    assert "no such store" in capsys.readouterr().err
    monkeypatch.delenv("NARRASCOPE_TOKEN", raising=False)
    assert main(["serve", "--db", corpus["path"], "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "--token" in err and len(err.strip().splitlines()) == 1
    assert main(["serve", "--db", corpus["path"], "--port", "70000"]) == 2

    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.setenv("NARRASCOPE_TOKEN", "from-env")
    assert main(["serve", "--db", corpus["path"], "--host", "0.0.0.0", "--port", "8799"]) == 2  # too short
    assert "at least 16 characters" in capsys.readouterr().err
    monkeypatch.setenv("NARRASCOPE_TOKEN", "from-env-long-enough-token")
    assert main(["serve", "--db", corpus["path"], "--host", "0.0.0.0", "--port", "0"]) == 2  # port 0 is refused
    assert main(["serve", "--db", corpus["path"], "--host", "0.0.0.0", "--port", "8799"]) == 0
    assert calls[-1]["host"] == "0.0.0.0" and calls[-1]["port"] == 8799 and calls[-1]["access_log"] is False
    monkeypatch.delenv("NARRASCOPE_TOKEN")
    assert main(["serve", "--db", corpus["path"], "--port", "8798"]) == 0
    assert calls[-1]["host"] == "127.0.0.1"


def test_the_ui_on_postgresql_shows_what_it_shows_on_sqlite(corpus, client, pg_url):
    """The same documents in a PostgreSQL store: every page answers, and the JSON of the pages whose data
    does not depend on cluster ids or cache timing equals the SQLite UI's."""
    pg = build_corpus(pg_url)
    with TestClient(create_app(pg_url, warm=False)) as pg_client:
        for url in pages(pg):
            for fmt in (None, "json"):
                r = pg_client.get(url if fmt is None else with_format(url, fmt))
                assert r.status_code == 200, (url, fmt, r.text[:200])
        for url in ["/entities/Northern%20Alliance", "/graphs/entities?min_documents=1", "/graphs/citations",
                    "/search?q=ferry&page=2", f"/documents/{HOSTILE.id}"]:
            a = client.get(with_format(url, "json")).json()
            b = pg_client.get(with_format(url, "json")).json()
            for volatile in ("store", "clusters", "skipped", "url"):
                a.pop(volatile, None), b.pop(volatile, None)
            for hit in a.get("hits", []) + b.get("hits", []):
                hit.pop("score")  # bm25 (SQLite) and ts_rank (PostgreSQL) rank on different scales
            for seen in a.get("sightings", []) + b.get("sightings", []):
                seen.pop("seen_at")  # when each store was written
            assert a == b, url


def test_postgresql_statements_past_the_budget_are_stopped(pg_url, monkeypatch):
    import asyncio

    from narrascope.web import corpus as web_app

    build_corpus(pg_url)
    monkeypatch.setattr(web_app, "QUERY_BUDGET", 0.3)
    workers = web_app.StoreWorkers(pg_url, workers=1)
    try:
        assert asyncio.run(workers.run(lambda store: store._rows("SHOW statement_timeout")[0][0])) == "300ms"
        with pytest.raises(web_app.QueryTimeout):
            asyncio.run(workers.run(lambda store: store._rows("SELECT pg_sleep(2)")))
        with pytest.raises(Exception, match="read-only"):  # the UI never writes
            asyncio.run(workers.run(lambda store: store._run("DELETE FROM documents")))
    finally:
        workers.close()


def test_entity_page_for_one_source(client):
    r = client.get("/entities/Northern%20Alliance?source=Coast+Post&format=json")
    assert r.status_code == 200
    data = r.json()
    assert data["source"] == "Coast Post" and data["documents"] == 1 and data["roles"] == [["Antagonist", 1]]
    html = client.get("/entities/Northern%20Alliance?source=Coast+Post").text
    assert "from <strong>Coast Post</strong>" in html and 'name="source" value="Coast Post"' in html
    whole = client.get("/entities/Northern%20Alliance").text
    assert "/entities/Northern%20Alliance?source=Valley+Herald" in whole  # each outlet links to its own view
    assert client.get("/entities/Northern%20Alliance?source=Nowhere").status_code == 404


def test_empty_or_missing_host_is_refused(corpus):
    for app in (create_app(corpus["path"], warm=False),
                create_app(corpus["path"], warm=False, token="a-token-of-sixteen+", allowed_hosts=None)):
        with TestClient(app) as c:
            for host in ("", " ", ":8000"):
                r = c.get("/", headers={"Host": host})
                assert r.status_code == 400 and "Host" in r.text, (host, r.status_code)


def test_short_tokens_are_refused(corpus):
    from narrascope.errors import UsageError

    for token in ("x", "fifteen-chars!!"):
        with pytest.raises(UsageError, match="at least 16"):
            create_app(corpus["path"], token=token, warm=False)
