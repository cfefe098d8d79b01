"""Hostile input to the readers (issue 12, part 3 and the reader side of part 6): one bad record is a
problem line naming it, every other record is read; nothing but InputError or a ReadResult comes out;
no message echoes binary input or prints a control character raw."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.errors import InputError, UsageError, printable
from narrascope.readers import ReadProblem, ReadResult, read_bytes, read_path

# -- the escape helper ----------------------------------------------------------------------------


def test_printable_escapes_controls_format_characters_and_surrogates() -> None:
    assert printable("plain name.txt") == "plain name.txt"
    assert printable("Привет, 世界 ✓") == "Привет, 世界 ✓"  # printable Unicode stays as it is
    assert printable("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert printable("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m"
    assert printable("evil\u202etxt.exe") == "evil\\u202etxt.exe"  # a bidi override
    assert printable("bad\ud800") == "bad\\ud800"
    assert printable("\x00\x07\x7f") == "\\x00\\x07\\x7f"
    shown = printable("a\nb\x1b\ud800\u202e")
    assert shown.isprintable() and shown.isascii()
    assert printable(shown) == shown  # applying it twice changes nothing more


def test_printable_cuts_long_input_between_characters() -> None:
    assert printable("x" * 300) == "x" * 199 + "…"
    assert len(printable("x" * 300, 20)) == 20
    assert printable("x" * 300, None) == "x" * 300
    cut = printable("\x00" * 50, 14)
    assert cut == "\\x00\\x00\\x00…" and len(cut) <= 14  # never inside an escape
    assert printable("abc\x00", 7) == "abc\\x00"
    assert printable(12345) == "12345"


def test_errors_and_problems_are_printable() -> None:
    assert str(InputError("a\nb.txt: no such file")) == "a\\nb.txt: no such file"
    assert str(UsageError("bad \x1b[2J option")) == "bad \\x1b[2J option"
    problem = ReadProblem("dump\x1b[31m.jsonl", 3, "field 'x\ny' is empty", item=None)
    assert str(problem) == "dump\\x1b[31m.jsonl:3: field 'x\\ny' is empty"
    assert problem.message == "field 'x\\ny' is empty"  # ingest prints .message on its own


def test_a_file_name_with_a_newline_and_an_escape_sequence_is_escaped(tmp_path: Path) -> None:
    evil = tmp_path / "evil\n\x1b[31mname.txt"
    with pytest.raises(InputError) as missing:
        read_path(evil)
    assert "\n" not in str(missing.value) and "\x1b" not in str(missing.value)
    assert "evil\\n\\x1b[31mname.txt: no such file" in str(missing.value)
    evil.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(InputError) as binary:
        read_path(evil)
    assert str(binary.value) == f"{printable(str(evil))}: this is a PNG image, not text"


# -- JSON: lone surrogates, huge numbers, deep nesting ---------------------------------------------


def check(result: ReadResult) -> None:
    """What every result must satisfy: str texts that encode as UTF-8, printable problem lines."""
    assert isinstance(result, ReadResult)
    for doc in result.documents:
        assert isinstance(doc.text, str) and doc.text.strip()
        doc.text.encode("utf-8")  # no lone surrogate
        doc.to_json()
    for problem in result.problems:
        assert str(problem).isprintable() and problem.message.isprintable()


def test_lone_surrogate_in_json_is_replaced_reported_and_the_record_kept(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'[{"text": "First article, fine."}, {"text": "Broken \\ud800 here", "title": "T \\udfff"}]')
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"text": "Another file, fine."}), encoding="utf-8")
    result = read_path(bad)
    check(result)
    assert [d.text for d in result.documents] == ["First article, fine.", "Broken \ufffd here"]
    assert result.documents[1].metadata["title"] == "T \ufffd"
    assert [str(p) for p in result.problems] == [
        f"{bad}: record 2: lone surrogates (\\ud800-\\udfff without a pair) replaced with U+FFFD (1 in the text and in title); the record is kept"
    ]
    assert result.problems[0].kept  # a warning: the record was read all the same
    # the other file of the same run is read as usual
    assert [d.text for d in read_path(good).documents] == ["Another file, fine."]


def test_lone_surrogate_in_jsonl_names_the_line() -> None:
    data = b'{"text": "one"}\n{"text": "two \\udc80 x"}\n{"text": "three"}\n'
    result = read_bytes(data, name="s.jsonl")
    check(result)
    assert [d.text for d in result.documents] == ["one", "two \ufffd x", "three"]
    assert [(p.line, p.message) for p in result.problems] == [
        (2, "lone surrogates (\\ud800-\\udfff without a pair) replaced with U+FFFD (1 in the text); the record is kept")
    ]


def test_a_raw_lone_surrogate_far_into_utf16_records_costs_nothing() -> None:
    lines = "".join('{"text": "row %d"}\n' % i for i in range(5000))
    bad = '{"text": "lone \ud800 raw"}\n'.encode("utf-16-le", "surrogatepass")
    result = read_bytes(b"\xff\xfe" + lines.encode("utf-16-le") + bad + lines.encode("utf-16-le"), name="w.jsonl")
    check(result)
    assert len(result.documents) == 10_001 and result.documents[5000].text == "lone \ufffd raw"
    assert [(p.line, p.kept) for p in result.problems] == [(5001, True)]


def test_a_pair_of_surrogate_escapes_is_one_character_not_a_problem() -> None:
    result = read_bytes(b'[{"text": "smile \\ud83d\\ude00"}]', name="pair.json")
    assert result.documents[0].text == "smile \U0001f600" and not result.problems


def test_huge_integer_in_json_is_read_as_text() -> None:
    digits = "7" * 100_000
    data = b'[{"text": "Good article.", "id": ' + digits.encode() + b', "n": 12}, {"text": "Second."}]'
    result = read_bytes(data, name="big.json")
    check(result)
    assert [d.text for d in result.documents] == ["Good article.", "Second."]
    assert result.documents[0].metadata["record_id"] == digits  # kept, as text
    assert result.documents[0].metadata["record"]["n"] == 12
    assert [str(p) for p in result.problems] == [
        "big.json: 1 number too long to read as a number (up to 100,000 characters) kept as text"
    ]


def test_huge_numbers_in_jsonl_name_their_line_and_dates_do_not_overflow() -> None:
    data = (
        b'{"text": "a", "n": ' + b"1" * 100_000 + b"}\n"
        b'{"text": "b", "date": ' + b"9" * 40 + b"}\n"  # an int, but far beyond any date
        b'{"text": "c", "date": -1e308, "x": 1' + b"0" * 5000 + b".5}\n"
        b'{"text": "d", "date": 1e999}\n'
    )
    result = read_bytes(data, name="n.jsonl")
    check(result)
    assert [d.text for d in result.documents] == ["a", "b", "c", "d"]
    assert all("published" not in d.metadata for d in result.documents)
    assert [(p.line, p.message) for p in result.problems] == [
        (1, "1 number too long to read as a number (up to 100,000 characters) kept as text; the record is kept"),
        (3, "1 number too long to read as a number (up to 5,003 characters) kept as text; the record is kept"),
    ]


def test_a_huge_number_in_the_sniffing_sample_does_not_crash() -> None:
    data = b'{"text": "a", "n": ' + b"1" * 10_000 + b'}\n{"text": "b"}\n'
    result = read_bytes(data, name="<stdin>")
    check(result)
    assert [d.text for d in result.documents] == ["a", "b"]


def test_deeply_nested_json_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^deep\.json: JSON nested too deeply to read$"):
        read_bytes(b"[" * 100_000 + b"]" * 100_000, name="deep.json")
    with pytest.raises(InputError, match="nested too deeply"):
        read_bytes(b'{"messages": ' + b"[" * 100_000, name="t.json", format="telegram")
    # JSON Lines: that line is the problem, the others are read
    data = b'{"text": "ok"}\n' + b"[" * 100_000 + b"]" * 100_000 + b'\n{"text": "also ok"}\n'
    result = read_bytes(data, name="deep.jsonl")
    assert [d.text for d in result.documents] == ["ok", "also ok"]
    assert [(p.line, p.message) for p in result.problems] == [(2, "JSON nested too deeply")]


def test_deep_values_in_a_record_do_not_recurse() -> None:
    data = b'[{"text": "a", "author": ' + b"[" * 900 + b"]" * 900 + b', "title": {"x": ' + b"{}" + b"}}]"
    result = read_bytes(data, name="deepvalue.json")
    check(result)
    assert [d.text for d in result.documents] == ["a"]


def test_nul_and_control_characters_inside_json_strings() -> None:
    data = b'{"text": "tab\there"}\n{"text": "raw\x00nul and \\u0000 escaped"}\n{"text": "fine"}\n'
    result = read_bytes(data, name="c.jsonl")
    check(result)
    assert [d.text for d in result.documents] == ["tab\there", "rawnul and  escaped", "fine"]
    assert [(p.line, p.message) for p in result.problems] == [(2, "NUL characters removed (2 in the text); the record is kept")]


# -- CSV: NULs and oversized fields ----------------------------------------------------------------


def test_nul_in_a_csv_field_is_removed_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b'text,id\n"first \x00row",1\n"second row",2\nthird row,3\n')
    result = read_path(path)
    check(result)
    assert [d.text for d in result.documents] == ["first row", "second row", "third row"]
    assert [str(p) for p in result.problems] == [f"{path}:2: NUL characters removed (1 in the row); the record is kept"]


def test_nul_far_into_a_csv_and_in_a_tsv() -> None:
    rows = b"".join(b'"row %d text",%d\n' % (i, i) for i in range(5000))
    data = b"text,id\n" + rows[:70_000] + b'"late \x00 nul",x\n' + rows[70_000:]
    result = read_bytes(data, name="late.csv")
    check(result)
    assert len(result.documents) == 5001 and [p.message for p in result.problems] == [
        "NUL characters removed (1 in the row); the record is kept"
    ]
    tsv = b"text\tid\nfirst\t1\nsec\x00\x00ond\t2\nthird\t3\n"
    result = read_bytes(tsv, name="n.tsv")
    assert [d.text for d in result.documents] == ["first", "second", "third"]
    assert [(p.line, p.message) for p in result.problems] == [(3, "NUL characters removed (2 in the row); the record is kept")]


def test_a_nul_does_not_make_a_text_file_utf16() -> None:
    # The NUL made the sample look like UTF-16: the file became gibberish that "holds no records".
    with pytest.raises(InputError, match="looks like a binary file"):
        read_bytes(b"hello \x00 world, a plain text file", name="n.txt")
    assert read_bytes("Привет".encode("utf-16-le") * 20, name="u.txt").documents[0].text == "Привет" * 20


def test_rows_after_an_oversized_csv_field_are_kept() -> None:
    big = "a" * 3000
    data = f'text,id\nfirst,1\n"{big}",2\nthird,3\n"quoted\nfourth",4\n'.encode()
    result = read_bytes(data, name="big.csv", max_bytes=1024)
    check(result)
    assert [d.text for d in result.documents] == ["first", "third", "quoted\nfourth"]
    assert [(p.line, p.message) for p in result.problems] == [
        (3, "a field is over the 1.0 KB limit for one article (raise max_bytes); row skipped, the rows after it are read")
    ]
    assert not result.problems[0].kept


def test_an_oversized_multiline_field_skips_to_its_closing_quote() -> None:
    big = "\n".join(["line of the long field, with a comma"] * 100)  # 100 lines, over 1 KB
    data = f'text,id\nfirst,1\n"{big}",2\nthird,3\n'.encode()
    result = read_bytes(data, name="ml.csv", max_bytes=1024)
    assert [d.text for d in result.documents] == ["first", "third"]
    [problem] = result.problems
    assert problem.line == 3 and "row skipped (lines 3-102)" in problem.message


def test_a_line_longer_than_any_row_is_skipped_without_reading_it_whole() -> None:
    data = b"text,id\nfirst,1\n" + b"b" * 20_000 + b",2\nthird,3\n"
    result = read_bytes(data, name="long.csv", max_bytes=1024)
    assert [d.text for d in result.documents] == ["first", "third"]
    assert [(p.line, p.message.split(";")[0]) for p in result.problems] == [
        (3, "a line is over the 4.0 KB a row may hold (raise max_bytes)")
    ]


def test_csv_header_problems_stay_input_errors() -> None:
    with pytest.raises(InputError, match="cannot read the CSV header"):
        read_bytes(b'"' + b"h" * 5000 + b'",x\nrow,1\n', name="h.csv", max_bytes=1024)


def test_csv_delimiter_sniffing_is_bounded() -> None:
    start = time.perf_counter()
    with pytest.raises(InputError):
        read_bytes(b"text,id\n" + b',"a' * 20_000 + b"\n", name="sniff.csv")
    assert time.perf_counter() - start < 5  # 8 s before the sample was capped


# -- Telegram --------------------------------------------------------------------------------------


def telegram_export(messages: list[dict]) -> bytes:
    return json.dumps({"name": "Harbour news", "type": "public_channel", "id": 77, "messages": messages}).encode()


@pytest.mark.parametrize("fmt", [None, "telegram"])
def test_telegram_messages_without_a_date_are_kept_undated(fmt: str | None) -> None:
    data = telegram_export([
        {"id": 1, "type": "message", "text": "No date on this one."},
        {"id": 2, "type": "message", "date": "2024-03-01T10:00:00", "text": "Dated message."},
        {"id": 3, "type": "service", "action": "pin_message"},
        {"id": 4, "type": "message", "text": ["Entity ", {"type": "bold", "text": "text"}]},
    ])
    result = read_bytes(data, name="result.json", format=fmt)
    check(result)
    assert [d.text for d in result.documents] == ["No date on this one.", "Dated message.", "Entity text"]
    assert {d.metadata["source_format"] for d in result.documents} == {"telegram"}
    assert [d.metadata.get("published") for d in result.documents] == [None, "2024-03-01T10:00:00", None]
    assert [str(p) for p in result.problems] == ["result.json: 2 messages without a date (id 1, 4) kept undated"]
    assert result.problems[0].kept


def test_telegram_with_no_date_at_all_needs_the_format_said() -> None:
    data = telegram_export([{"id": 1, "type": "message", "text": "Undated."}])
    assert read_bytes(data, name="r.json", format="telegram").documents[0].metadata["source_format"] == "telegram"
    assert read_bytes(data, name="r.json").documents[0].metadata["source_format"] == "json"  # an ordinary list


def test_telegram_hostile_ids_surrogates_and_huge_numbers() -> None:
    data = (
        b'{"name": "Chan \\ud800", "type": "public_channel", "id": 5, "messages": ['
        b'{"id": "\\u001b[2J", "type": "message", "date_unixtime": "' + b"9" * 5000 + b'", "text": "' + b"x" * 2000 + b'"},'
        b'{"id": ' + b"3" * 100_000 + b', "type": "message", "date": "2024-01-01T00:00:00", "text": "lone \\udfff"},'
        b'{"id": [1], "type": "message", "date": 1e999, "text": "odd id"}]}'
    )
    result = read_bytes(data, name="tg.json", max_bytes=1024)
    check(result)
    assert [d.text for d in result.documents] == ["lone \ufffd", "odd id"]
    assert result.documents[0].metadata["channel"] == "Chan \ufffd"
    assert result.documents[0].metadata["message_id"] == "3" * 100_000
    messages = [p.message for p in result.problems]
    assert messages[0] == "chat Chan \ufffd: lone surrogates (\\ud800-\\udfff without a pair) replaced with U+FFFD (in name); its messages are read"
    assert messages[1] == "message \\x1b[2J: text is 2.0 KB, over the 1.0 KB limit (raise max_bytes)"
    assert messages[2].startswith("message 3333") and "…: lone surrogates" in messages[2]
    assert messages[3] == "1 message without a date (id #3) kept undated"
    assert messages[4] == "1 number too long to read as a number (up to 100,000 characters) kept as text"


# -- WARC, feeds, HTML -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\x1f\x8b\x08\x00" + bytes(range(256)) * 3,  # not gzip after the magic
        gzip.compress(bytes(range(256)) * 4),  # gzip of garbage
        gzip.compress(b"NOT A WARC \x1b[31m" + bytes(range(32)) * 10),
        b"WARC/1.0\r\n" + bytes(range(256)) * 2,
    ],
    ids=["bad-gzip", "gzip-garbage", "gzip-text", "warc-garbage"],
)
def test_a_garbage_warc_never_echoes_its_bytes(data: bytes) -> None:
    with pytest.raises(InputError) as exc:
        read_bytes(data, name="crawl.warc.gz")
    message = str(exc.value)
    assert message.startswith("crawl.warc.gz: not a readable WARC archive (")
    assert message.isprintable() and len(message) < 250
    assert "\\x0" not in message and "\\x1b" not in message  # not even escaped: no input bytes at all


def test_a_warc_record_with_a_hostile_url_is_a_printable_problem() -> None:
    pytest.importorskip("warcio")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for url, body in (
        ("https://example.org/\x1b[31mred" + "p" * 1000, b"<html><body><p>" + b"word " * 400 + b"</p></body></html>"),
        ("https://example.org/ok", b"<html><body><article><p>A fine page with enough words in it to read "
                                   b"as an article, said the harbour master on Monday.</p></article></body></html>"),
    ):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    result = read_bytes(buf.getvalue(), name="c.warc.gz", max_bytes=1024)
    check(result)
    assert [d.metadata["url"] for d in result.documents] == ["https://example.org/ok"]
    [problem] = result.problems
    assert problem.item == "record 1" and "\\x1b[31mred" in problem.message and len(problem.message) <= 400


def test_feed_items_with_nul_and_control_characters_are_read() -> None:
    data = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
            b"<item><title>First \x1b[31m</title><description>one\x00two</description></item>"
            b"<item><title>Second</title><description>fine</description></item></channel></rss>")
    result = read_bytes(data, name="f.rss")
    check(result)
    assert [d.text for d in result.documents] == ["First [31m\n\nonetwo", "Second\n\nfine"]


def test_feed_references_to_surrogates_and_nul_are_replaced() -> None:
    # recover mode kept &#xd800; as bytes lxml then could not decode: UnicodeDecodeError, a crash
    data = (b"<rss><channel><item><title>t &#xd800; x &#0; &#99999999999999999999999; &#x41;</title>"
            b"<description>&lt;p&gt;a &amp;#xdfff; b&lt;/p&gt;</description></item>"
            b"<item><title>Second</title></item></channel></rss>")
    result = read_bytes(data, name="refs.rss")
    check(result)
    assert [d.text for d in result.documents] == ["t \ufffd x \ufffd \ufffd A\n\na \ufffd b", "Second"]


def test_an_oversized_feed_item_is_one_problem() -> None:
    data = (b"<rss><channel><item><title>big</title><description>" + b"w " * 2000 + b"</description></item>"
            b"<item><title>small</title></item></channel></rss>")
    result = read_bytes(data, name="f.xml", max_bytes=1024)
    assert [d.text for d in result.documents] == ["small"]
    assert [str(p) for p in result.problems] == ["f.xml:1: item 1: text is 3.9 KB, over the 1.0 KB limit (raise max_bytes)"]


def test_a_feed_item_over_the_xml_text_node_limit_costs_only_itself() -> None:
    # libxml2 stops at a text node over 10 MB: the whole feed was "not well-formed XML"
    data = (b"<rss><channel><item><title>big</title><description>" + b"word " * (11 * 1024 * 1024 // 5)
            + b"</description></item><item><title>small one</title><description>fine</description></item></channel></rss>")
    result = read_bytes(data, name="big.rss")
    assert [d.text for d in result.documents] == ["small one\n\nfine"]
    assert [str(p) for p in result.problems] == ["big.rss:1: item 1: text is 11.0 MB, over the 5.0 MB limit (raise max_bytes)"]


@pytest.mark.parametrize(
    "sample",
    ["<!--a-->" * 5000 + "x", "<html " * 13000, "<meta http-equiv=content-language " * 1900, "<meta " * 12000],
    ids=["comments", "html-attrs", "content-language", "meta"],
)
def test_html_sniffing_is_linear(sample: str) -> None:
    from narrascope.readers.html import _stated_language, declared_charset, looks_like_html

    start = time.perf_counter()
    looks_like_html(sample)
    _stated_language(sample)
    declared_charset(sample.encode())
    assert time.perf_counter() - start < 2  # exponential (comments) or seconds (the others) before


# -- Hypothesis: random records to every reader ----------------------------------------------------

HOSTILE = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

_SPECIAL = ["\ud800", "\udfff", "\ud83d", "\x00", "\x1b[31m", "\u202e", "\n", "\r", "\t", '"', ",", ";", "\\", "\ufeff",
            "\ufffd", "&", "<", ">", "]]>", "é", "ж", "世"]
hostile_text = st.lists(st.sampled_from(_SPECIAL) | st.text(max_size=6), max_size=12).map("".join)
_BIG = "\u2063BIG\u2063"  # stands for a number too big for json.dumps; put into the JSON text afterwards
_DEEP = "\u2063DEEP\u2063"
json_scalars = (
    st.none() | st.booleans() | st.integers() | st.sampled_from([10**45, -(10**60), 1e308, 2**63]) | st.floats()
    | hostile_text | st.just(_BIG) | st.just(_DEEP)
)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3), max_leaves=10
)
FIELDS = ["text", "Text", "title", "id", "date", "url", "author", "language", "site_name", "x", "body"]
json_records = st.dictionaries(st.sampled_from(FIELDS) | hostile_text, json_values, max_size=6)


def _json_bytes(value: object, *, ascii_escapes: bool) -> bytes:
    text = json.dumps(value, ensure_ascii=ascii_escapes)
    text = text.replace(json.dumps(_BIG, ensure_ascii=ascii_escapes), "1" * 5000)
    text = text.replace(json.dumps(_DEEP, ensure_ascii=ascii_escapes), "[" * 3000 + "]" * 3000)
    # without ASCII escapes a lone surrogate is written as its (invalid) UTF-8 bytes
    return text.encode("utf-8", "surrogatepass")


def read_any(data: bytes, name: str, fmt: str | None = None, max_bytes: int | None = None) -> ReadResult | None:
    """The contract: a ReadResult whose texts encode as UTF-8 and whose problems are printable, or an
    InputError of one printable line; nothing else."""
    kwargs = {"max_bytes": max_bytes} if max_bytes else {}
    try:
        result = read_bytes(data, name=name, format=fmt, **kwargs)
    except InputError as exc:
        assert str(exc).isprintable() and str(exc)
        return None
    check(result)
    return result


@HOSTILE
@given(records=st.lists(json_records | json_values, min_size=1, max_size=6), ascii_escapes=st.booleans(),
       wrap=st.sampled_from(["list", "items", "one"]))
def test_random_json_records(records: list, ascii_escapes: bool, wrap: str) -> None:
    value = {"list": records, "items": {"items": records}, "one": records[0]}[wrap]
    read_any(_json_bytes(value, ascii_escapes=ascii_escapes), "r.json")


@HOSTILE
@given(lines=st.lists(json_records.map(lambda r: ("json", r)) | hostile_text.map(lambda t: ("raw", t)), min_size=1, max_size=8),
       ascii_escapes=st.booleans())
def test_random_jsonl_lines(lines: list, ascii_escapes: bool) -> None:
    parts = [_json_bytes(v, ascii_escapes=ascii_escapes) if kind == "json" else v.encode("utf-8", "surrogatepass")
             for kind, v in lines]
    data = b"\n".join(p.replace(b"\n", b" ").replace(b"\r", b" ") for p in parts)
    result = read_any(data, "r.jsonl")
    if result is not None:  # every good line became a document, every other one is a problem naming its line
        assert all(1 <= p.line <= len(lines) for p in result.problems if p.line is not None)


@HOSTILE
@given(rows=st.lists(st.lists(hostile_text | st.sampled_from(["x" * 3000, "y\n" * 700]), min_size=1, max_size=4),
                     min_size=1, max_size=8),
       delimiter=st.sampled_from([",", ";", "\t"]), raw=st.booleans(), small=st.booleans())
def test_random_csv_rows(rows: list, delimiter: str, raw: bool, small: bool) -> None:
    if raw:  # no quoting at all: stray quotes, delimiters and line breaks as they come
        body = "\n".join(delimiter.join(row) for row in rows)
    else:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter).writerows(rows)
        body = buf.getvalue()
    data = ("text" + delimiter + "title\n" + body).encode("utf-8", "surrogatepass")
    read_any(data, "r.tsv" if delimiter == "\t" else "r.csv", max_bytes=1024 if small else None)


telegram_messages = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.integers() | hostile_text | st.just(_BIG),
            "type": st.sampled_from(["message", "service", ""]),
            "date": st.sampled_from(["2024-01-01T00:00:00", "", "garbage"]) | st.integers() | st.floats(),
            "date_unixtime": st.sampled_from(["1700000000", "9" * 5000, "x"]),
            "text": hostile_text | st.lists(hostile_text | st.fixed_dictionaries({"type": st.sampled_from(["bold", "link", "text_link"]),
                                                                                  "text": hostile_text,
                                                                                  "href": hostile_text}), max_size=3),
            "from": hostile_text,
            "forwarded_from": hostile_text,
        },
    )
    | json_values,
    max_size=6,
)


@HOSTILE
@given(messages=telegram_messages, name=hostile_text, told=st.booleans(), ascii_escapes=st.booleans())
def test_random_telegram_exports(messages: list, name: str, told: bool, ascii_escapes: bool) -> None:
    export = {"name": name, "type": "public_channel", "id": 1, "messages": messages}
    read_any(_json_bytes(export, ascii_escapes=ascii_escapes), "result.json", "telegram" if told else None)


def _xml_text(text: str) -> str:
    return escape(text.encode("utf-8", "replace").decode("utf-8"))


@HOSTILE
@given(items=st.lists(st.tuples(hostile_text, hostile_text, st.booleans()), max_size=5), atom=st.booleans(),
       control=st.sampled_from(["", "\x00", "\x1b", "&nbsp;", "&bogus;", "<b>", "]]>", "&#xd800;", "&#0;", "&amp;#xdfff;",
                                "&#1114112;", "&#" + "9" * 5000 + ";"]))
def test_random_feeds(items: list, atom: bool, control: str) -> None:
    parts = []
    for title, body, raw in items:
        body = (body if raw else _xml_text(body)) + control
        if atom:
            parts.append(f"<entry><title>{_xml_text(title)}</title><content type='html'>{body}</content></entry>")
        else:
            parts.append(f"<item><title>{_xml_text(title)}</title><description>{body}</description></item>")
    if atom:
        doc = f"<feed xmlns='http://www.w3.org/2005/Atom'><title>F</title>{''.join(parts)}</feed>"
    else:
        doc = f"<rss version='2.0'><channel><title>F</title>{''.join(parts)}</channel></rss>"
    read_any(doc.encode("utf-8", "surrogatepass"), "f.rss")


FORMATS = [None, "text", "html", "json", "jsonl", "csv", "telegram", "feed", "warc"]
_FRAGMENTS = [b"{", b"}", b"[", b"]", b'"text":', b'"messages"', b"\\ud800", b"1" * 5000, b"\x00", b"\n", b",", b'"',
              b"<rss>", b"<item>", b"<html>", b"<!--a-->", b"WARC/1.0\r\n", b"\x1f\x8b\x08", b"\xff\xfe", b"\xed\xa0\x80",
              b"\x1b[31m", b"\xd0\xbf", b"text,title\n", b"&#xd800;", b"<title>"]
random_bytes = st.binary(min_size=1, max_size=300) | st.lists(st.sampled_from(_FRAGMENTS) | st.binary(max_size=6), min_size=1,
                                                               max_size=30).map(b"".join)


@pytest.mark.parametrize("fmt", FORMATS, ids=[f or "sniff" for f in FORMATS])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=random_bytes, name=st.sampled_from(["in\x1b[31m.bin", "x\ny", "plain", "a.csv", "b.jsonl", "c.warc.gz"]))
def test_random_bytes_to_every_reader(fmt: str | None, data: bytes, name: str) -> None:
    read_any(data, name, fmt)
