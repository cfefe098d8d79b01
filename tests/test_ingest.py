"""Ingest: folders of mixed formats, bad files logged, idempotence, resume after SIGKILL, URL guard."""

from __future__ import annotations

import http.server
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path

import pytest

from narrascope.errors import InputError
from narrascope.ingest import (
    IngestProgress,
    PrivateAddressError,
    check_url,
    expand_sources,
    ingest,
    is_public_address,
    source_key,
)
from narrascope.model import Document
from narrascope.readers.fetch import Fetcher
from narrascope.store import open_store

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>https://gazette.example.org/</link>
<language>en</language>
<item><title>Lighthouse repaired</title><link>https://gazette.example.org/1</link>
<description>Engineers finished repairing the old lighthouse on Tuesday.</description>
<pubDate>Tue, 05 Mar 2024 09:00:00 GMT</pubDate></item>
<item><title>Fish market reopens</title><link>https://gazette.example.org/2</link>
<description>The fish market reopened after a month of renovation works.</description>
<pubDate>Wed, 06 Mar 2024 10:00:00 GMT</pubDate></item>
</channel></rss>
"""

TELEGRAM = {
    "name": "Канал Побережья",
    "type": "public_channel",
    "id": 777,
    "username": "coastchan",
    "messages": [
        {"id": 1, "type": "service", "date": "2024-03-01T00:00:00", "actor": "X", "action": "create_channel", "text": ""},
        {"id": 2, "type": "message", "date": "2024-03-02T10:00:00", "from": "Канал Побережья",
         "text": "Паромная переправа закрыта из-за шторма."},
        {"id": 3, "type": "message", "date": "2024-03-02T11:00:00", "forwarded_from": "Другой канал",
         "text": ["Шторм стих, ", {"type": "link", "text": "https://example.org/storm"}]},
    ],
}


def write_corpus(root: Path) -> Path:
    """A folder with every format, a Telegram export with a photo, and bad files."""
    d = root / "corpus"
    (d / "html").mkdir(parents=True)
    (d / "export" / "photos").mkdir(parents=True)
    (d / "plain.txt").write_text("The town council approved a new bicycle lane along the river.", encoding="utf-8")
    (d / "html" / "page.html").write_text(
        "<html><head><title>Bridge news</title></head><body><article><h1>Bridge news</h1>"
        "<p>The old stone bridge will close for two weeks of repairs in April.</p>"
        "<script>alert('x')</script></article></body></html>", encoding="utf-8")
    (d / "records.jsonl").write_text(
        json.dumps({"title": "Rain", "text": "Heavy rain flooded the lower market street.", "date": "2024-03-04"}) + "\n"
        + "{this line is broken\n"
        + json.dumps({"title": "Sun", "text": "Sunshine returned to the coast on Sunday."}) + "\n", encoding="utf-8")
    (d / "table.csv").write_text("title,text\nSchool,The new school building opens in September.\n"
                                 "Park,Volunteers planted forty trees in the central park.\n", encoding="utf-8")
    (d / "feed.rss").write_text(RSS, encoding="utf-8")
    (d / "export" / "result.json").write_text(json.dumps(TELEGRAM, ensure_ascii=False), encoding="utf-8")
    (d / "export" / "photos" / "photo_1.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(200))  # not a known extension
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (d / ".hidden.txt").write_text("Hidden files are not ingested.", encoding="utf-8")
    return d


EXPECTED_DOCS = 1 + 1 + 2 + 2 + 2 + 2  # txt, html, jsonl (one line bad), csv, rss, telegram


def test_ingest_a_folder(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path)
    seen: list[IngestProgress] = []
    with open_store(tmp_path / "c.db") as store:
        report = ingest([str(folder)], store, batch_size=3, progress=seen.append)
        assert report.added == EXPECTED_DOCS == store.count()
        assert report.failed == 3 and report.skipped == 0
        errors = {(Path(e.source).name, e.item): e.message for e in store.errors()}
        assert set(errors) == {("empty.txt", ""), ("binary.txt", ""), ("records.jsonl", "line 2")}
        assert "empty" in errors[("empty.txt", "")] and "binary" in errors[("binary.txt", "")]
        assert len(report.errors) == 3
        assert [p.sources_done for p in seen] == list(range(1, 9)) and seen[-1].sources_total == 8

        # each format arrived with its metadata, analysed by the light pipeline
        hit = store.search("lighthouse")[0]
        assert hit.source == "Harbour Gazette" and hit.date == "2024-03-05T09:00:00" and hit.title == "Lighthouse repaired"
        hit = store.search("шторма")[0]
        assert hit.source == "Канал Побережья" and hit.language  # short texts: the detector may say be or uk
        doc = store.get(hit.doc_id)
        assert doc.metadata["url"] == "https://t.me/coastchan/2" and "structure" in doc.layers
        assert "alert" not in store.get(store.search("bridge")[0].doc_id).text
        assert store.search("school", language="en")
        assert {("Harbour Gazette", 2), ("Канал Побережья", 2)} <= set(store.facets()["source"])

        # twice: nothing new, finished sources are not even re-read; bad ones are tried again
        again = ingest([str(folder)], store)
        assert (again.added, again.skipped, again.sources_resumed) == (0, 0, 6)  # a bad line does not fail its file
        assert store.count() == EXPECTED_DOCS
        counts = {Path(e.source).name: e.count for e in store.errors()}
        assert counts == {"empty.txt": 2, "binary.txt": 2, "records.jsonl": 1}  # counted again, not repeated
        # without resume: everything re-read, still nothing added
        forced = ingest([str(folder)], store, resume=False)
        assert (forced.added, forced.skipped) == (0, EXPECTED_DOCS)


def test_sources_globs_and_duplicates(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path)
    (folder / "copy.txt").write_text((folder / "plain.txt").read_text(encoding="utf-8"), encoding="utf-8")
    items = expand_sources([str(folder / "*.txt"), str(folder / "**" / "*.json"), str(folder / "plain.txt"),
                            "https://example.org/a", "-", str(folder / "nothing*.txt")])
    names = [Path(i).name if not i.startswith("http") else i for i in items]
    assert names == ["binary.txt", "copy.txt", "empty.txt", "plain.txt", "result.json", "https://example.org/a", "-",
                     "nothing*.txt"]
    with open_store(tmp_path / "c.db") as store:
        report = ingest([str(folder / "plain.txt"), str(folder / "copy.txt"), str(folder / "nowhere.txt")], store)
        assert (report.added, report.skipped, report.failed) == (1, 1, 1)
        assert "no such file" in report.errors[0]
        assert len(store.sightings(store.ids()[0])) == 2  # the copy is remembered, not stored twice


def test_source_key_changes_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("first version", encoding="utf-8")
    key = source_key(str(path))
    path.write_text("second, longer version", encoding="utf-8")
    assert source_key(str(path)) != key and key.startswith("file:")
    assert source_key("-") is None and source_key("https://example.org/x") == "url:https://example.org/x"


def test_analysis_failure_is_one_error(tmp_path: Path) -> None:
    class Fragile:
        def __call__(self, doc: Document) -> Document:
            if "explode" in doc.text:
                raise RuntimeError("analyzer bug")
            doc.metadata["analysed"] = True
            return doc

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("A calm article.", encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text("This one will explode the analyzer.", encoding="utf-8")
    with open_store(tmp_path / "c.db") as store:
        report = ingest([str(tmp_path / "in")], store, pipeline=Fragile())
        assert (report.added, report.failed) == (1, 1)
        assert "analysis failed (RuntimeError: analyzer bug)" in store.errors()[0].message
        assert store.get(store.ids()[0]).metadata["analysed"] is True
        raw = ingest([str(tmp_path / "in")], store, pipeline=False, resume=False)
        assert raw.added == 1 and "structure" not in store.get(Document("This one will explode the analyzer.").id).layers


# -- SIGKILL half way ------------------------------------------------------------------------------

CHILD = """
import sys
from narrascope.ingest import ingest
from narrascope.store import open_store
store = open_store(sys.argv[1])
ingest([sys.argv[2]], store, batch_size=7, throttle=float(sys.argv[3]))
store.close()
"""


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(db, timeout=1)
        try:
            return con.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_sigkill_half_way_then_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    src = tmp_path / "gen"
    src.mkdir()
    for i in range(300):
        body = f"Generated article {i}: the coastal road section {i % 17} reopened after repairs number {i * 7}."
        if i % 50 == 0:
            body = "A repeated wire story about the regional budget."  # the same text in several files
        (src / f"a{i:03d}.txt").write_text(body, encoding="utf-8")
    (src / "records.jsonl").write_text("".join(json.dumps({"text": f"Record {k} from a dump about ferries."}) + "\n"
                                               for k in range(40)), encoding="utf-8")

    reference = tmp_path / "reference.db"
    with open_store(reference) as store:
        ingest([str(src)], store, batch_size=7)
        expected = set(store.ids())
    assert len(expected) == 300 - 5 + 40

    db = tmp_path / "killed.db"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(src), "0.01"], env=env)
    try:
        deadline = time.monotonic() + 60
        seen = 0
        while time.monotonic() < deadline and child.poll() is None:
            seen = _count(db)
            if seen >= 60:
                break
            time.sleep(0.02)
        assert child.poll() is None, "the ingest finished before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    with open_store(db) as store:
        survived = store.count()
        assert 60 <= survived < len(expected)  # interrupted half way, nothing committed was lost
        report = ingest([str(src)], store, batch_size=7)
        assert report.sources_resumed > 0 and report.failed == 0
        assert set(store.ids()) == expected
        assert store.count() == len(expected)
        assert survived + report.added == len(expected)


# -- URLs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address, public",
    [
        ("127.0.0.1", False), ("10.0.0.1", False), ("192.168.1.20", False), ("172.16.5.4", False),
        ("::1", False), ("169.254.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
        ("0.0.0.0", False), ("fe80::1%eth0", False), ("fc00::1", False), ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False), ("not an address", False),
        ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_private_urls_are_refused_without_network() -> None:
    for url in ("http://127.0.0.1/x", "http://10.0.0.1:8080/", "http://[::1]/", "http://localhost:9/"):
        with pytest.raises(PrivateAddressError, match="refusing to fetch"):
            check_url(url)
        check_url(url, allow_private=True)
    with pytest.raises(PrivateAddressError, match="never fetched"):  # link-local: not even with allow_private
        check_url("https://169.254.1.1/meta", allow_private=True)
    check_url("http://93.184.216.34/article")  # a public literal address: no lookup, no error
    with pytest.raises(InputError, match="not an http"):
        check_url("ftp://example.org/x")


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = ("<html><head><title>Local page</title></head><body><p>" + "A local test page about tides. " *
                (200 if self.path == "/big" else 3) + "</p></body></html>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if self.path != "/big":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def local_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_ingest_guard_and_size_limit(tmp_path: Path, local_server: str) -> None:
    with open_store(tmp_path / "c.db") as store:
        refused = ingest([local_server + "/page"], store)
        assert refused.added == 0 and "refusing to fetch" in refused.errors[0]
        allowed = ingest([local_server + "/page"], store, allow_private=True)
        assert allowed.added == 1 and store.search("tides")[0].title == "Local page"
        big = ingest([local_server + "/big"], store, allow_private=True, url_max_bytes=1000)
        assert big.added == 0 and "over the" in big.errors[0]
    # the address connected to is checked too (a redirect or DNS answer that turns private)
    with pytest.raises(urllib.error.URLError, match="refusing to connect"):
        Fetcher(max_bytes=10_000).opener().open(local_server + "/page", timeout=5)
