"""The command line as a user meets it: exit codes, one-line errors, outputs."""

import http.server
import json
import os
import subprocess
import sys
import threading

import pytest

from conftest import EXAMPLE

FAST = ["--disable", "entities"]  # most CLI tests are about I/O, not NER; skip loading spaCy


def run(*args, stdin=None, cwd=None):
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "narrascope", *map(str, args)], input=stdin, capture_output=True,
                          text=True, timeout=180, env=env, cwd=cwd)


def assert_one_line_error(result, code=3):
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("narrascope: error:")]
    assert len(errors) >= 1
    return errors


def test_version_and_help():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("narrascope ")
    for cmd in ([], ["analyze"], ["pipeline"], ["schema"]):
        r = run(*cmd, "--help")
        assert r.returncode == 0 and "Usage" in r.stdout, (cmd, r.stderr)


def test_analyze_example_report_json_html(tmp_path):
    out_json, out_html = tmp_path / "doc.json", tmp_path / "report.html"
    r = run("analyze", EXAMPLE, "--json", out_json, "--html", out_html)
    assert r.returncode == 0, r.stderr
    assert "Moldova hands its energy to Brussels" in r.stdout
    assert "Dniester Observer" in r.stdout and "Grigore Lungu" in r.stdout
    from narrascope import Document

    doc = Document.from_json(out_json.read_text())
    assert doc.text == EXAMPLE.read_text(encoding="utf-8")
    assert doc.groups["entities"]
    html = out_html.read_text()
    assert html.startswith("<!DOCTYPE html") or html.lower().startswith("<!doctype html")


def test_usage_errors_exit_2():
    assert run("analyze").returncode == 2
    assert run("analyze", EXAMPLE, "--nope").returncode == 2
    r = run("analyze", EXAMPLE, "--disable", "no_such_analyzer")
    assert r.returncode == 2 and "no_such_analyzer" in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


@pytest.mark.parametrize("name,content", [
    ("empty.txt", b""),
    ("blank.txt", b"  \n\n\t \n"),
    ("binary.bin", bytes(range(256)) * 40),
    ("image.png", b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 500),
    ("soup.html", b"<html><head><script>var a=1;</script></head><body><div></div></body></html>"),
])
def test_bad_files_exit_3(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    errors = assert_one_line_error(run("analyze", path, *FAST))
    assert name in errors[0]


def test_missing_path_directory_and_huge_file(tmp_path):
    assert "does-not-exist" in assert_one_line_error(run("analyze", tmp_path / "does-not-exist.txt"))[0]
    assert_one_line_error(run("analyze", tmp_path))
    big = tmp_path / "big.txt"
    with big.open("w") as handle:
        line = "This is a very long article that never ends. " * 20 + "\n"
        while handle.tell() < 20 * 1024 * 1024:
            handle.write(line)
    assert "MB" in assert_one_line_error(run("analyze", big, *FAST))[0]


def test_cp1251_and_broken_html_are_read(tmp_path):
    ru = "Министр обороны заявил, что учения пройдут в Казахстане. Это решение вызвало споры в обществе."
    path = tmp_path / "ru.txt"
    path.write_bytes(ru.encode("cp1251"))
    out = tmp_path / "ru.json"
    r = run("analyze", path, "--json", out, *FAST)
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert data["text"] == ru and data["metadata"]["encoding"] in ("cp1251", "windows-1251")
    assert data["metadata"]["language"] == "ru"
    broken = tmp_path / "broken.html"
    broken.write_text("<html><head><title>Port deal</title></head><body><article><p>The harbour agreement was signed on Friday "
                      "night, and critics say the timing was no accident at all.<p>Officials denied it. <div><b>unclosed", encoding="utf-8")
    r = run("analyze", broken, "--json", tmp_path / "b.json", *FAST)
    assert r.returncode == 0, r.stderr
    assert "harbour agreement" in json.loads((tmp_path / "b.json").read_text())["text"]


def test_jsonl_bad_lines_reported_good_lines_analysed(tmp_path):
    path = tmp_path / "dump.jsonl"
    good = {"id": "a1", "title": "First", "text": "The first article is long enough to be analysed properly today."}
    path.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({**good, "id": "a2", "text": "Second article text here."}) + "\n")
    out = tmp_path / "out.jsonl"
    r = run("analyze", path, "--json", out, "-j", "1", *FAST)
    errors = assert_one_line_error(r)
    assert ":2:" in errors[0]
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(docs) == 2


def test_existing_output_survives_bad_input(tmp_path):
    out = tmp_path / "keep.json"
    out.write_text("precious")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert_one_line_error(run("analyze", empty, "--json", out))
    assert out.read_text() == "precious"


def test_stdin_and_several_paths(tmp_path):
    r = run("analyze", "-", *FAST, stdin="A Short Headline\n\nSome body text that says something about the harbour deal today.\n")
    assert r.returncode == 0, r.stderr and "A Short Headline" in r.stdout
    other = tmp_path / "other.txt"
    other.write_text("Another Headline\n\nAnother body of text about a completely different thing entirely.\n")
    out = tmp_path / "many.json"
    r = run("analyze", EXAMPLE, other, "--json", out, *FAST)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(out.read_text())) == 2


def test_url_from_local_server(tmp_path):
    (tmp_path / "a.html").write_text("<html><head><title>Local page</title></head><body><article><p>"
                                     + "A paragraph served from a local test server, long enough to count as text. " * 3
                                     + "</p></article></body></html>", encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(tmp_path), **kw)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        r = run("analyze", f"http://127.0.0.1:{port}/a.html", "--allow-private", *FAST)  # a loopback server
        assert r.returncode == 0, r.stderr
        assert "Local page" in r.stdout
        assert_one_line_error(run("analyze", f"http://127.0.0.1:{port}/missing.html", "--allow-private", *FAST))
    finally:
        server.shutdown()
