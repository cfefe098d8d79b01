"""WARC web archives: 200 HTML/text responses become documents, everything else is skipped; truncated
archives keep what came before the cut; big pages are per-record errors; hostile HTML stays text."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("warcio")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from narrascope import readers  # noqa: E402
from narrascope.cli import main  # noqa: E402
from narrascope.errors import InputError  # noqa: E402
from narrascope.ingest import expand_sources, ingest  # noqa: E402
from narrascope.store import open_store  # noqa: E402

HARBOUR = """<!DOCTYPE html><html lang="en"><head><title>Harbour strike closes the port</title>
<meta property="article:published_time" content="2024-03-01T08:00:00Z"></head>
<body><nav><a href="/">Home</a></nav><article><h1>Harbour strike closes the port</h1>
<p>Dock workers in Valmara stopped the cranes on Monday over unpaid wages, the union said in a statement.</p>
<p>The port authority said talks would resume on Wednesday. Ships are waiting outside the harbour.</p>
<script>document.title = 'pwned'; alert('pwned')</script><img src=x onerror="alert('img')">
<p>Readers wrote &lt;script&gt;steal()&lt;/script&gt; in the comments, which is shown as text.</p>
</article></body></html>"""

FERRY = """<html><head><title>Ferry timetable changes</title></head><body><article><h1>Ferry timetable changes</h1>
<p>The island ferry will run twice a day from June, the operator said. Commuters criticised the change.</p>
<p>The winter schedule stays the same as last year for all routes, the operator added on Tuesday.</p>
</article></body></html>"""

NOTICE = "Service notice: <script>alert('plain')</script> the ferry office is closed on Friday for the holiday."


def build_warc(*, gzip: bool = True, extra: list[tuple] = ()) -> bytes:
    """warcinfo, a request, two 200 HTML responses around a 404 and an image, then ``extra`` responses."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gzip)
    writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "narrascope tests"}))
    request = StatusAndHeaders("GET /harbour HTTP/1.1", [("Host", "news.example.org")], is_http_request=True)
    writer.write_record(writer.create_warc_record("https://news.example.org/harbour", "request",
                                                  payload=io.BytesIO(b""), http_headers=request))

    def response(url: str, body: bytes, status: str = "200 OK", ctype: str = "text/html; charset=utf-8",
                 date: str = "2024-03-05T09:00:00Z") -> None:
        headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                                      warc_headers_dict={"WARC-Date": date}))

    response("https://news.example.org/harbour", HARBOUR.encode())
    response("https://news.example.org/missing", b"<html><body><p>Not found: this page does not exist.</p></body></html>",
             status="404 Not Found")
    response("https://news.example.org/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(500), ctype="image/png")
    response("https://news.example.org/ferry", FERRY.encode(), date="2024-03-06T10:30:00Z")
    for args in extra:
        response(*args)
    return buf.getvalue()


def test_ingest_keeps_the_200_pages_with_urls_and_dates(tmp_path: Path) -> None:
    (tmp_path / "crawls").mkdir()
    (tmp_path / "crawls" / "crawl.warc.gz").write_bytes(build_warc())
    (tmp_path / "crawls" / "plain.warc").write_bytes(build_warc(gzip=False))
    assert [Path(p).name for p in expand_sources([str(tmp_path / "crawls")])] == ["crawl.warc.gz", "plain.warc"]
    with open_store(tmp_path / "c.db") as store:
        report = ingest([str(tmp_path / "crawls")], store)
        # the same two pages in both archives: stored once, seen twice
        assert (report.added, report.skipped, report.failed) == (2, 2, 0), report.errors
        docs = {d.metadata["url"]: d for d in map(store.get, store.ids())}
        assert set(docs) == {"https://news.example.org/harbour", "https://news.example.org/ferry"}
        harbour, ferry = docs["https://news.example.org/harbour"], docs["https://news.example.org/ferry"]
        assert harbour.metadata["source_format"] == ferry.metadata["source_format"] == "warc"
        assert harbour.metadata["published"] == "2024-03-01"  # the page's own date wins over the crawl date
        assert harbour.metadata["crawled"] == "2024-03-05T09:00:00Z"
        assert ferry.metadata["published"] == "2024-03-06T10:30:00Z"  # no date on the page: the WARC-Date
        assert harbour.metadata["title"] == "Harbour strike closes the port" and harbour.metadata["language"] == "en"
        assert "structure" in harbour.layers  # analysed by the light pipeline like any document
        hit = store.search("ferry")[0]
        assert hit.url == "https://news.example.org/ferry" and hit.date == "2024-03-06T10:30:00" and hit.source == "news.example.org"
        assert store.search("cranes")[0].date == "2024-03-01"
        assert not store.errors()
        again = ingest([str(tmp_path / "crawls")], store)
        assert (again.added, again.sources_resumed) == (0, 2)


def test_hostile_html_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(build_warc(extra=[("https://news.example.org/notice.txt", NOTICE.encode(), "200 OK", "text/plain")]))
    docs = {d.metadata["url"]: d for d in readers.read_path(path).documents}
    assert len(docs) == 3
    harbour = docs["https://news.example.org/harbour"].text
    assert "pwned" not in harbour and "onerror" not in harbour and "<img" not in harbour and "Home" not in harbour
    assert "<script>steal()</script>" in harbour  # escaped markup in the page is text, kept as written
    notice = docs["https://news.example.org/notice.txt"]
    assert notice.text == NOTICE  # a text/plain page is never parsed as HTML
    assert notice.metadata["source_format"] == "warc"


def test_truncated_archive_keeps_the_documents_before_the_cut(tmp_path: Path, capsys) -> None:
    data = build_warc()
    ferry_at = data.index(b"\x1f\x8b", len(data) - 700)  # the gzip member of the last record (the ferry page)
    cut = tmp_path / "in" / "cut.warc.gz"
    cut.parent.mkdir()
    cut.write_bytes(data[: ferry_at + (len(data) - ferry_at) // 2])
    result = readers.read_path(cut)
    assert [d.metadata["url"] for d in result.documents] == ["https://news.example.org/harbour"]
    assert len(result.problems) == 1 and "truncated or corrupt" in result.problems[0].message

    (tmp_path / "in" / "good.txt").write_text("A good article about the harbour and its cranes.", encoding="utf-8")
    db = tmp_path / "c.db"
    assert main(["ingest", str(tmp_path / "in"), "--db", str(db)]) == 3  # as any other bad input
    err = capsys.readouterr().err
    assert "Traceback" not in err and "WARNING" not in err
    assert [line for line in err.splitlines() if line.startswith("narrascope: error:")] == [
        f"narrascope: error: {cut}:{result.problems[0].item}: {result.problems[0].message}"]
    with open_store(db) as store:
        assert store.count() == 2
        errors = store.errors()
        assert len(errors) == 1 and errors[0].source == str(cut) and "truncated" in errors[0].message

    # plain WARC cut inside a record's payload, and an archive cut before any whole record
    plain = build_warc(gzip=False)
    (tmp_path / "plain.warc").write_bytes(plain[: plain.index(b"Ferry timetable changes</title>")])
    result = readers.read_path(tmp_path / "plain.warc")
    assert [d.metadata["url"] for d in result.documents] == ["https://news.example.org/harbour"]
    assert [p.item for p in result.problems] == ["record 6"] and "ends" in result.problems[0].message
    (tmp_path / "stub.warc.gz").write_bytes(data[:40])
    with pytest.raises(InputError, match="not a readable WARC archive"):
        readers.read_path(tmp_path / "stub.warc.gz")


def test_big_pages_are_per_record_errors(tmp_path: Path) -> None:
    big = "<html><body><article><p>" + "A very long article sentence. " * 400 + "</p></article></body></html>"
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(build_warc(extra=[("https://news.example.org/big", big.encode())]))
    with open_store(tmp_path / "c.db") as store:
        report = ingest([str(path)], store, reader_options={"max_bytes": 4000})
        assert (report.added, report.failed) == (2, 1)
        (error,) = store.errors()
        assert error.item == "record 7" and "https://news.example.org/big" in error.message and "limit" in error.message
    assert len(readers.read_path(path).documents) == 3  # under the default limit it is an article like the others


def test_analyze_format_flag_sniffing_and_bad_archives(tmp_path: Path, capsys) -> None:
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(build_warc())
    out = tmp_path / "out.jsonl"
    assert main(["analyze", str(path), "--disable", "entities", "-q", "--json", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["metadata"]["url"] for d in lines] == ["https://news.example.org/harbour", "https://news.example.org/ferry"]

    odd = tmp_path / "download.bin"  # no telling extension: --format warc, or the content sniffed
    odd.write_bytes(path.read_bytes())
    assert len(readers.read_path(odd, format="warc").documents) == 2
    assert len(readers.read_path(odd).documents) == 2
    assert len(readers.read_bytes(build_warc(gzip=False), name="<upload>").documents) == 2

    not_warc = tmp_path / "notes.warc"
    not_warc.write_text("These are notes, not a web archive.\n" * 5, encoding="utf-8")
    with pytest.raises(InputError, match="not a readable WARC archive"):
        readers.read_path(not_warc)
    only_404 = io.BytesIO()
    writer = WARCWriter(only_404, gzip=True)
    headers = StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://x.example/", "response", payload=io.BytesIO(b"<p>gone</p>"),
                                                  http_headers=headers))
    (tmp_path / "404.warc.gz").write_bytes(only_404.getvalue())
    capsys.readouterr()
    assert main(["analyze", str(tmp_path / "404.warc.gz"), "-q"]) == 3
    err = capsys.readouterr().err
    assert re.search(r"no HTML or text page with status 200", err) and "Traceback" not in err
