"""The adversarial suite, end to end through the command line: every hostile input the hostile-input
issue lists, each given together with a good article in the same run, with its exit code and its one
message, and a check that the good article (and every good record) is still analysed and written.

The pieces have their own, finer tests: readers (test_readers_hostile.py), bounded work
(test_bounded_work.py), fetching (test_fetch.py), read-only stores (test_store_readonly.py), a full
disk and the umask (test_disk_full.py), serve's Host and token checks (test_web.py), one failing
document among many (test_local_engine.py). No test here sends traffic outside loopback: refused URLs
are refused before any connection.
"""

from __future__ import annotations

import gzip
import json
import socket
from pathlib import Path

import pytest

from narrascope.cli import main

GOOD_TEXT = ("The harbour council of Veloria approved the new ferry timetable on Monday evening. "
             "Islanders said the change came too late for the winter season.")
# every analyzer that needs no trained model: fast, and still the whole read -> analyze -> write path
LIGHT = ["--fast", "--quiet", "--jobs", "1", "--disable", "narratives", "--disable", "techniques", "--disable", "claims"]


def _written(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{\n"):  # one document: one JSON object
        return [json.loads(text)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _jsonl(path: Path, records: list[str]) -> Path:
    path.write_text("".join(r + "\n" for r in records), encoding="utf-8")
    return path


def _cases(tmp: Path) -> list[tuple[str, list[str], int, str, int]]:
    """(case, argv inputs, exit code, a piece of the message, documents written in all)."""
    good_record = json.dumps({"id": "good", "text": GOOD_TEXT})
    cases = []

    p = tmp / "surrogate.json"
    p.write_text('[{"id": "s", "text": "Lone \\ud800 surrogate in an otherwise ordinary article text."}]', encoding="utf-8")
    cases.append(("lone surrogate in JSON", [str(p)], 0, "lone surrogates", 2))

    p = tmp / "huge.json"
    p.write_text('{"id": 1' + "0" * 100_000 + ', "text": "' + GOOD_TEXT + '"}', encoding="utf-8")
    cases.append(("100,000-digit integer in JSON", [str(p)], 0, "kept as text", 2))

    p = tmp / "nul.csv"
    p.write_text("id,text\nn1,\"Text with a \x00 NUL inside, and the rest of the field.\"\nn2," + GOOD_TEXT + "\n",
                 encoding="utf-8")
    cases.append(("NUL in a CSV field", [str(p)], 0, "NUL characters removed", 3))

    p = tmp / "oversized.csv"
    p.write_text("id,text\nbig,\"" + "word " * 400 + "\"\nafter," + GOOD_TEXT + "\n", encoding="utf-8")
    cases.append(("oversized CSV field, valid rows after it", [str(p), "--max-bytes", "1024"], 3, "row skipped", 2))

    p = tmp / "telegram" / "result.json"
    p.parent.mkdir()
    p.write_text(json.dumps({"name": "Channel", "type": "public_channel", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2025-01-02T10:00:00", "text": GOOD_TEXT},
        {"id": 2, "type": "message", "text": "A message that came without its date, but is otherwise fine to read."},
    ]}), encoding="utf-8")
    cases.append(("Telegram messages without a date", [str(p)], 0, "kept undated", 3))

    p = tmp / "deep.json"
    p.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    cases.append(("JSON nested 100,000 deep", [str(p)], 3, "nested too deeply", 1))

    p = tmp / "garbage.warc.gz"
    p.write_bytes(gzip.compress(bytes(range(256)) * 40))
    cases.append(("garbage .warc.gz", [str(p)], 3, "not a readable WARC archive", 1))

    p = tmp / "picture.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    cases.append(("binary input", [str(p)], 3, "PNG image, not text", 1))

    p = tmp / "bad-lines.jsonl"
    _jsonl(p, [good_record.replace('"good"', '"g2"'), "{not json", '{"id": "x", "text": 12}'])
    cases.append(("malformed JSONL lines", [str(p)], 3, "bad-lines.jsonl:2", 2))

    cases.append(("loopback URL without --allow-private", ["http://127.0.0.1:9/article"], 3, "refusing", 1))
    cases.append(("metadata address even with --allow-private",
                  ["http://169.254.169.254/latest/meta-data/", "--allow-private"], 3, "169.254.169.254", 1))
    cases.append(("missing file", [str(tmp / "missing.txt")], 3, "no such file", 1))
    return cases


@pytest.fixture(autouse=True)
def no_traffic(monkeypatch):
    """Refused URLs are refused before any connection: a connection attempt fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_each_hostile_input_costs_only_itself(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.txt"
    good.write_text(GOOD_TEXT, encoding="utf-8")
    failures = []
    for n, (case, inputs, code, message, count) in enumerate(_cases(tmp_path)):
        out = tmp_path / f"out{n}.jsonl"
        first_flag = next((i for i, a in enumerate(inputs) if a.startswith("--")), len(inputs))
        paths, options = inputs[:first_flag], inputs[first_flag:]
        got = main(["analyze", *paths, str(good), "--json", str(out), *LIGHT, *options])
        err = capsys.readouterr().err
        problems = [line for line in err.splitlines() if line.startswith("narrascope: ")]
        docs = _written(out) if out.exists() else []
        sources = [d["metadata"]["source"] for d in docs]
        if got != code or message not in err or len(docs) != count or str(good) not in sources \
                or "Traceback" in err or "internal error" in err or "\x1b" in err or not problems:
            failures.append(f"{case}: rc {got} (want {code}), {len(docs)} docs (want {count}), stderr: {err!r:.300}")
    assert not failures, "\n".join(failures)


def test_names_with_control_characters_are_escaped(tmp_path: Path, capsys) -> None:
    evil = tmp_path / "evil\nname\x1b[31m.txt"
    evil.write_bytes(b"\x00\x01\x02binary")
    good = tmp_path / "good.txt"
    good.write_text(GOOD_TEXT, encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["analyze", str(evil), str(good), "--json", str(out), *LIGHT]) == 3
    captured = capsys.readouterr()
    assert "\x1b" not in captured.err + captured.out
    error_lines = [line for line in captured.err.splitlines() if "error" in line]
    assert len(error_lines) == 1 and "evil\\nname\\x1b[31m.txt" in error_lines[0], captured.err
    assert _written(out)[0]["metadata"]["source"] == str(good)


def test_usage_errors_are_rc_2_before_any_work(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.txt"
    good.write_text(GOOD_TEXT, encoding="utf-8")
    for argv, message in (
        (["analyze", str(good), "--json", str(tmp_path), *LIGHT], "is a folder"),
        (["analyze", str(good), "--html", str(tmp_path / "no" / "such" / "r.html"), *LIGHT], "does not exist"),
        (["analyze", str(good), "--format", "bogus", *LIGHT], "unknown input format"),
        (["analyze", str(good), "--max-bytes", "0", *LIGHT], "--max-bytes"),
        (["ingest", str(good), "--db", str(tmp_path / "c.db"), "--batch-size", "0"], "--batch-size"),
        (["search", "x", "--db", str(tmp_path / "missing.db")], "no such store"),
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, (argv, err)
    assert not (tmp_path / "c.db").exists()


def test_the_python_api_refuses_wrong_types_and_never_reads_a_string_as_a_path_or_url() -> None:
    import narrascope
    from narrascope.pipeline import Pipeline

    for value in (None, 42, ["a"], {"text": "x"}):
        with pytest.raises(narrascope.InputError):
            narrascope.analyze(value)  # type: ignore[arg-type]
    light = Pipeline(["structure", "language"])
    assert narrascope.analyze("/etc/passwd", pipeline=light).text == "/etc/passwd"
    assert narrascope.analyze("http://169.254.169.254/latest/meta-data/", pipeline=light).text.startswith("http://")
    with pytest.raises(narrascope.InputError, match="169.254.169.254"):
        narrascope.analyze_url("http://169.254.169.254/latest/meta-data/", allow_private=True, pipeline=light)


def test_a_text_analysed_in_part_says_so(tmp_path: Path, capsys) -> None:
    big = tmp_path / "big.txt"
    big.write_text("word " * 80_000, encoding="utf-8")  # 400,000 characters, past the analysis bound
    html = tmp_path / "r.html"
    assert main(["analyze", str(big), "--html", str(html), *LIGHT]) == 0
    err = capsys.readouterr().err
    assert "only the first 300,000 characters were analysed" in err
    assert "Analysed in part" in html.read_text(encoding="utf-8")
