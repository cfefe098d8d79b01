"""Readers: formats, encodings, limits and the one-line errors for bad input."""

from __future__ import annotations

import gzip
import http.server
import io
import json
import random
import sys
import threading
import time
from pathlib import Path

import pytest

from narrascope.errors import InputError, UsageError
from narrascope.readers import (
    DEFAULT_MAX_BYTES,
    ReadProblem,
    ReadResult,
    is_url,
    read_bytes,
    read_path,
    read_stdin,
    read_text,
    read_url,
)
from narrascope.readers.encoding import decode

from conftest import SEEDS  # one place that knows where ../shared is

RU_SHORT = "Москва заявила, что переговоры с Киевом зашли в тупик."
RU_LONG = (
    "Президент России Владимир Путин провёл совещание с постоянными членами Совета безопасности. "
    "По словам пресс-секретаря Кремля Дмитрия Пескова, участники обсудили ситуацию на Украине, "
    "а также отношения с западными странами, которые, как заявил он, «продолжают политику давления».\n\n"
    "Эксперты считают, что новые санкции не окажут серьёзного влияния на экономику страны. "
    "Тем не менее в правительстве признают, что цены на ряд товаров могут вырасти уже в этом году.\n"
)
UK_SHORT = "Київ відповів на заяву Кремля щодо переговорів."
UK_LONG = (
    "Україна отримала нову партію озброєння від європейських партнерів, повідомив міністр оборони. "
    "За його словами, техніка вже прямує до районів, де тривають найзапекліші бої.\n"
    "Водночас у Брюсселі заявили, що підтримка України залишатиметься незмінною, "
    "попри тиск з боку Москви та її союзників. Експерти наголошують на єдності Європи.\n"
)
ZH_SHORT = "中华人民共和国外交部发言人今天表示，中方坚决反对。"
ZH_LONG = (
    "中华人民共和国外交部发言人今天在例行记者会上表示，中方坚决反对任何形式的干涉内政行为，"
    "并呼吁各方保持克制，通过对话协商解决分歧。发言人还指出，有关国家应当停止散布虚假信息。\n"
) * 3


def encodable(text: str, enc: str) -> str:
    """KOI8 and cp866 have no guillemets; such texts use straight quotes there."""
    try:
        text.encode(enc)
        return text
    except UnicodeEncodeError:
        return text.replace("«", '"').replace("»", '"')


def one(result: ReadResult):
    assert isinstance(result, ReadResult)
    assert len(result.documents) == 1, result
    return result.documents[0]


def assert_one_line_naming(exc: pytest.ExceptionInfo, name: str) -> None:
    message = str(exc.value)
    assert "\n" not in message
    assert name in message
    assert "Traceback" not in message


# -- encodings ------------------------------------------------------------------

CYRILLIC_CASES = [
    (text, enc)
    for text in (RU_SHORT, RU_LONG)
    for enc in ("utf-8", "utf-8-sig", "cp1251", "koi8-r", "cp866", "mac-cyrillic", "utf-16", "utf-16-le", "utf-16-be", "utf-32")
] + [
    (text, enc)
    for text in (UK_SHORT, UK_LONG)
    for enc in ("utf-8", "cp1251", "koi8-u", "utf-16", "utf-16-le", "utf-16-be")
]


@pytest.mark.parametrize(("text", "enc"), CYRILLIC_CASES, ids=[f"{e}-{len(t)}" for t, e in CYRILLIC_CASES])
def test_cyrillic_decodes_exactly(tmp_path: Path, text: str, enc: str) -> None:
    text = encodable(text, enc)
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode(enc))
    doc = one(read_path(path))
    assert doc.text == text
    assert doc.metadata["source_format"] == "text"
    assert doc.metadata["source"] == str(path)


@pytest.mark.parametrize(
    ("text", "enc", "expected"),
    [
        (RU_SHORT, "cp1251", "cp1251"),
        (RU_LONG, "cp1251", "cp1251"),
        (RU_SHORT, "koi8-r", "koi8-r"),
        (RU_LONG, "koi8-r", "koi8-r"),
        (UK_SHORT, "koi8-u", "koi8-u"),
        (RU_SHORT, "cp866", "cp866"),
        (RU_LONG, "mac-cyrillic", "mac-cyrillic"),
        (RU_SHORT, "utf-16", "utf-16"),
        (RU_SHORT, "utf-16-le", "utf-16-le"),
        (RU_SHORT, "utf-16-be", "utf-16-be"),
        (RU_SHORT, "utf-8-sig", "utf-8-sig"),
        (RU_SHORT, "utf-8", "utf-8"),
    ],
)
def test_encoding_is_named(text: str, enc: str, expected: str) -> None:
    text = encodable(text, enc)
    decoded, name = decode(text.encode(enc), "x")
    assert decoded == text
    assert name == expected


@pytest.mark.parametrize("text", [ZH_SHORT, ZH_LONG])
@pytest.mark.parametrize("enc", ["gb18030", "utf-16", "utf-16-le"])
def test_chinese(text: str, enc: str) -> None:
    doc = one(read_bytes(text.encode(enc), name="zh.txt"))
    assert doc.text == text
    if enc == "gb18030":
        assert doc.metadata["encoding"] == "gb18030"


def test_big5() -> None:
    text = "中華民國外交部發言人今天表示，政府堅決反對任何干涉。"
    assert one(read_bytes(text.encode("big5"), name="tw.txt")).text == text


@pytest.mark.parametrize(
    ("text", "enc"),
    [
        ("L'élève a été très intéressé par les événements de l'été à Montréal.", "latin-1"),
        ("Die Größe der Übung war überraschend für alle Beteiligten.", "cp1252"),
        ("He said “no” — twice…", "cp1252"),
    ],
)
def test_western_single_byte(text: str, enc: str) -> None:
    assert one(read_bytes(text.encode(enc), name="x.txt")).text == text


def test_text_is_not_normalised() -> None:
    text = "Line one\r\nLine two\rLine three\n\n\tindented  \u00a0 trailing   \n"
    doc = one(read_bytes(text.encode("utf-8"), name="x.txt"))
    assert doc.text == text
    assert doc.metadata["encoding"] == "utf-8"


def test_utf8_with_a_damaged_byte_is_still_utf8() -> None:
    text = RU_LONG
    data = text.encode("utf-8")
    damaged = data[:40] + b"\xff" + data[40:]
    doc = one(read_bytes(damaged, name="x.txt"))
    assert doc.metadata["encoding"].startswith("utf-8")
    assert doc.text.replace("\ufffd", "") == text


@pytest.mark.skipif(not SEEDS.is_dir() or not list(SEEDS.glob("*.txt")), reason="needs ../shared/seeds")
@pytest.mark.seeds
def test_seeds_read_exactly() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        doc = one(read_path(path))
        assert doc.text == path.read_bytes().decode("utf-8-sig"), path.name
        assert doc.metadata["source_format"] == "text"


# -- bad input ------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_path(tmp_path / "nope.txt")
    assert_one_line_naming(exc, "nope.txt")
    assert "no such file" in str(exc.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_path(tmp_path)
    assert_one_line_naming(exc, str(tmp_path))
    assert "directory" in str(exc.value)


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", "  \n ".encode("utf-16")])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_path(path)
    assert_one_line_naming(exc, "empty.txt")


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (gzip.compress(b"hello world"), "gzip"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"\x7fELF\x02\x01\x01\x00", "ELF"),
    ],
)
def test_binary_magic(tmp_path: Path, content: bytes, what: str) -> None:
    path = tmp_path / "file.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_path(path)
    assert_one_line_naming(exc, "file.txt")
    assert what in str(exc.value)


def test_random_binary_with_nuls(tmp_path: Path) -> None:
    rng = random.Random(7)
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(rng.randrange(256) for _ in range(4096)) + b"\x00\x00\x01")
    with pytest.raises(InputError) as exc:
        read_path(path)
    assert_one_line_naming(exc, "blob.bin")


def test_control_bytes_are_binary() -> None:
    with pytest.raises(InputError, match="binary"):
        read_bytes(b"abc\x01\x02\x03\x04\x05\x06def\x07\x08\x0e\x0f\x10\x11", name="ctl")


@pytest.mark.parametrize("name", ["huge.txt", "huge"])
def test_twenty_megabytes_fail_fast(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    line = ("Это очень длинная строка текста для проверки ограничения размера. " * 4 + "\n").encode()
    with path.open("wb") as out:
        out.write(line * (20 * 1024 * 1024 // len(line) + 1))
    start = time.perf_counter()
    with pytest.raises(InputError) as exc:
        read_path(path)
    assert time.perf_counter() - start < 2.0
    assert_one_line_naming(exc, name)
    message = str(exc.value)
    assert "20.0 MB" in message and "5.0 MB" in message and "max_bytes" in message


def test_max_bytes_can_be_raised(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("word " * 100, encoding="utf-8")
    with pytest.raises(InputError, match="limit"):
        read_path(path, max_bytes=100)
    assert one(read_path(path, max_bytes=1000)).text == "word " * 100
    assert DEFAULT_MAX_BYTES == 5 * 1024 * 1024


def test_undecodable_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # Bytes that are no Cyrillic text, when the general detector finds nothing either.
    from narrascope.readers import encoding

    monkeypatch.setattr(encoding, "_charset_normalizer", lambda data: None)
    with pytest.raises(InputError) as exc:
        read_bytes(bytes([0x98, 0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xB1]) * 3, name="bad.txt", format="text")
    assert_one_line_naming(exc, "bad.txt")
    assert "encoding" in str(exc.value)


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        read_bytes(b"hello", name="x", format="docx")


# -- pasted text, URLs, stdin ---------------------------------------------------


def test_read_text() -> None:
    doc = read_text("  Some pasted text.\n", name="<paste>", format="ignored")
    assert doc.text == "  Some pasted text.\n"
    assert doc.metadata == {"source": "<paste>", "source_format": "text"}
    with pytest.raises(InputError):
        read_text(" \n\t")
    with pytest.raises(InputError):
        read_text("")


def test_is_url() -> None:
    assert is_url("https://example.com/a?b=c")
    assert is_url("http://localhost:8000/")
    assert not is_url("ftp://example.com/")
    assert not is_url("example.com")
    assert not is_url("https://exa mple.com")
    assert not is_url("see https://example.com")
    assert not is_url("https://")


def test_read_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeStdin:
        buffer = io.BytesIO('{"text": "из stdin"}\n{"text": "второй"}\n'.encode("cp1251"))

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    result = read_stdin()
    assert [d.text for d in result.documents] == ["из stdin", "второй"]
    assert result.documents[0].metadata["source"] == "<stdin>"
    assert result.documents[0].metadata["source_format"] == "jsonl"


class _Handler(http.server.BaseHTTPRequestHandler):
    pages: dict[str, tuple[int, str, bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        status, ctype, body = self.pages.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_read_url(server: str) -> None:
    html = (
        "<html><head><title>Новости дня</title></head><body><article><h1>Новости дня</h1>"
        f"<p>{RU_LONG}</p></article></body></html>"
    ).encode("cp1251")
    _Handler.pages = {
        "/news": (200, "text/html; charset=windows-1251", html),
        "/data": (200, "application/json", json.dumps({"text": "из json"}).encode()),
    }
    doc = one(read_url(server + "/news", allow_private=True))  # the local server is on loopback
    assert doc.metadata["source"] == server + "/news"
    assert doc.metadata["encoding"] == "cp1251"
    assert doc.metadata["title"] == "Новости дня"
    assert "Владимир Путин" in doc.text
    assert one(read_url(server + "/data", allow_private=True)).text == "из json"
    with pytest.raises(InputError) as exc:
        read_url(server + "/missing", allow_private=True)
    assert "404" in str(exc.value) and "\n" not in str(exc.value)


def test_read_url_network_error() -> None:
    with pytest.raises(InputError) as exc:
        read_url("http://127.0.0.1:9/", timeout=2, allow_private=True)  # discard port: connection refused
    assert_one_line_naming(exc, "127.0.0.1")


# -- HTML -----------------------------------------------------------------------

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="ru-RU"><head>
<meta charset="utf-8">
<title>Большая новость - Сайт</title>
<meta property="og:site_name" content="Сайт Новостей">
<meta property="og:title" content="Большая новость">
<link rel="canonical" href="https://example.com/news/big">
<meta name="author" content="Иван Петров">
<meta property="article:published_time" content="2024-03-01T10:00:00Z">
</head><body>
<nav><a href="/">Главная</a> | <a href="/about">О нас</a></nav>
<article>
<p>Первый абзац статьи, в котором рассказывается о событиях прошедшей недели и их последствиях для региона.</p>
<script>alert(1); var secretTracking = "do-not-extract";</script>
<style>p { color: red; }</style>
<p>Второй абзац статьи продолжает рассказ и приводит мнения экспертов, политиков и простых жителей.</p>
</article>
<footer>© 2024 Сайт Новостей</footer>
</body></html>
"""


def test_html_article_and_metadata() -> None:
    doc = one(read_bytes(ARTICLE_HTML.encode("utf-8"), name="page.html"))
    meta = doc.metadata
    assert meta["source_format"] == "html"
    assert meta["encoding"] == "utf-8"
    assert meta["title"] == "Большая новость"
    assert meta["author"] == "Иван Петров"
    assert meta["published"].startswith("2024-03-01")
    assert meta["url"] == "https://example.com/news/big"
    assert meta["site_name"] == "Сайт Новостей"
    assert meta["language"] == "ru"
    assert "Первый абзац статьи" in doc.text and "Второй абзац статьи" in doc.text
    # The title is part of the text, so it has offsets.
    assert doc.text.startswith("Большая новость")
    assert "alert(1)" not in doc.text and "secretTracking" not in doc.text and "color: red" not in doc.text


def test_html_sniffed_without_extension() -> None:
    doc = one(read_bytes(ARTICLE_HTML.encode("utf-8"), name="<bytes>"))
    assert doc.metadata["source_format"] == "html"


def test_html_script_only_text_is_dropped() -> None:
    page = b"<html><body><p>Visible text of the article.</p><script>alert(1)</script></body></html>"
    doc = one(read_bytes(page, name="p.html"))
    assert "Visible text of the article." in doc.text
    assert "alert" not in doc.text


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>T</title><body><div><p>Первый абзац статьи о событиях в Москве, достаточно длинный."
        "<p>Второй абзац без закрытия тегов тоже должен быть прочитан<div>",
        "<html><body><article><h1>Headline here</h1><p>Some real article text that goes on for a while "
        "and then the file is cut off in the mid",
        "<html><body><p>Some real article text that goes on for a while.</p><p>More text here <a hre",
    ],
    ids=["unclosed", "truncated-text", "truncated-tag"],
)
def test_broken_html_still_yields_text(page: str) -> None:
    doc = one(read_bytes(page.encode("utf-8"), name="broken.html"))
    assert len(doc.text.strip()) > 20
    assert "<" not in doc.text


def test_tag_soup_without_text() -> None:
    with pytest.raises(InputError) as exc:
        read_bytes(b"<html><body><div><span></span><img src='x.png'></div></body></html>", name="soup.html")
    assert_one_line_naming(exc, "soup.html")


def test_html_meta_charset_windows_1251(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1251"><title>Заголовок</title></head>'
        f"<body><p>{RU_SHORT}</p><p>{RU_LONG}</p></body></html>"
    )
    path = tmp_path / "ru.html"
    path.write_bytes(page.encode("cp1251"))
    doc = one(read_path(path))
    assert doc.metadata["encoding"] == "cp1251"
    assert RU_SHORT in doc.text


def test_html_http_equiv_koi8(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head>'
        f"<body><p>{RU_SHORT}</p></body></html>"
    )
    doc = one(read_bytes(page.encode("koi8-r"), name="k.htm"))
    assert RU_SHORT in doc.text
    assert doc.metadata["encoding"] == "koi8-r"


# -- JSON -----------------------------------------------------------------------


def test_json_single_object() -> None:
    record = {"headline": "Заголовок", "Body": "Текст статьи.", "published_at": "2024-01-02T03:04:05Z",
              "authors": ["A. One", "B. Two"], "link": "https://ex.com/a", "id": 42, "views": 10, "nested": {"x": 1}}
    doc = one(read_bytes(json.dumps(record, ensure_ascii=False).encode(), name="a.json"))
    assert doc.text == "Текст статьи."
    meta = doc.metadata
    assert meta["source_format"] == "json"
    assert meta["title"] == "Заголовок"
    assert meta["author"] == "A. One, B. Two"
    assert meta["published"] == "2024-01-02T03:04:05+00:00"
    assert meta["url"] == "https://ex.com/a"
    assert meta["record_id"] == "42"
    assert meta["record_index"] == 0
    assert meta["record"]["views"] == 10 and "nested" not in meta["record"] and "Body" not in meta["record"]
    json.dumps(meta)


def test_json_list_and_wrapper() -> None:
    items = [{"content": "first"}, {"content": "second"}, {"content": ""}, "not an object"]
    for payload in (items, {"total": 4, "articles": items}, {"meta": {}, "whatever": items[:2]}):
        result = read_bytes(json.dumps(payload).encode(), name="list.json")
        assert [d.text for d in result.documents] == ["first", "second"]
    result = read_bytes(json.dumps(items).encode(), name="list.json")
    assert len(result.problems) == 2
    assert all(isinstance(p, ReadProblem) and p.line is None for p in result.problems)


def test_json_without_text_field_lists_fields() -> None:
    with pytest.raises(InputError) as exc:
        read_bytes(json.dumps([{"foo": 1, "bar": "x"}]).encode(), name="odd.json")
    message = str(exc.value)
    assert_one_line_naming(exc, "odd.json")
    assert "foo" in message and "bar" in message and "text_field" in message


def test_json_text_field_option() -> None:
    payload = [{"foo": "the text", "name": "T", "key": "k1"}]
    doc = one(read_bytes(json.dumps(payload).encode(), name="a.json", text_field="FOO", title_field="name", id_field="key"))
    assert doc.text == "the text"
    assert doc.metadata["title"] == "T"
    assert doc.metadata["record_id"] == "k1"
    with pytest.raises(InputError, match="'missing'"):
        read_bytes(json.dumps(payload).encode(), name="a.json", text_field="missing")


def test_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"text": "unterminated', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_path(path)
    assert_one_line_naming(exc, "broken.json")
    assert "not valid JSON" in str(exc.value)


def test_telegram_export(tmp_path: Path) -> None:
    export = {
        "name": "Новостной канал",
        "type": "public_channel",
        "id": 1234567,
        "username": "newschan",
        "messages": [
            {"id": 1, "type": "service", "date": "2024-01-01T00:00:00", "actor": "X", "action": "create_channel", "text": ""},
            {"id": 2, "type": "message", "date": "2024-01-01T10:00:00", "from": "Новостной канал", "text": "Простое сообщение"},
            {"id": 3, "type": "message", "date": "2024-01-01T11:00:00", "author": "Редактор",
             "text": ["Жирный: ", {"type": "bold", "text": "важно"}, " и ", {"type": "link", "text": "https://t.me/x"}]},
            {"id": 4, "type": "message", "date": "2024-01-01T12:00:00", "text": "", "photo": "photos/1.jpg"},
        ],
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    result = read_path(path)
    assert [d.text for d in result.documents] == ["Простое сообщение", "Жирный: важно и https://t.me/x"]
    first, second = result.documents
    assert first.metadata["source_format"] == "telegram"
    assert first.metadata["channel"] == "Новостной канал"
    assert first.metadata["message_id"] == 2
    assert first.metadata["published"] == "2024-01-01T10:00:00"
    assert first.metadata["url"] == "https://t.me/newschan/2"
    assert "author" not in first.metadata  # a channel's "from" is the channel, not a person
    assert second.metadata["author"] == "Редактор"
    # format="telegram" insists on the export structure
    with pytest.raises(InputError, match="Telegram"):
        read_bytes(b'{"text": "x"}', name="x.json", format="telegram")


# -- JSONL ----------------------------------------------------------------------


def test_jsonl_bad_lines_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl"
    lines = [
        json.dumps({"text": "первая", "title": "A"}, ensure_ascii=False),
        '{"text": "broken',
        "",
        json.dumps({"text": "вторая"}, ensure_ascii=False),
        "[1, 2]",
        json.dumps({"text": "   "}),
        json.dumps({"text": "третья"}, ensure_ascii=False),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_path(path)
    assert [d.text for d in result.documents] == ["первая", "вторая", "третья"]
    assert [d.metadata["line"] for d in result.documents] == [1, 4, 7]
    assert result.documents[0].metadata["source_format"] == "jsonl"
    assert result.documents[0].metadata["title"] == "A"
    assert [p.line for p in result.problems] == [2, 5, 6]
    assert all(p.source == str(path) for p in result.problems)
    assert "not valid JSON" in result.problems[0].message


def test_jsonl_all_bad_fails(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": \n{oops}\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_path(path)
    assert_one_line_naming(exc, "bad.jsonl")
    assert "line 1" in str(exc.value)


def test_jsonl_sniffed_and_oversized_record(tmp_path: Path) -> None:
    path = tmp_path / "dump"  # no extension: sniffed
    big = "слово " * 100
    path.write_text("\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in ["малая", big, "ещё"]) + "\n", encoding="utf-8")
    result = read_path(path, max_bytes=300)
    assert [d.text for d in result.documents] == ["малая", "ещё"]
    assert [p.line for p in result.problems] == [2]
    assert "limit" in result.problems[0].message


def test_jsonl_cp1251_and_utf16(tmp_path: Path) -> None:
    content = "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in (RU_SHORT, UK_SHORT)) + "\n"
    for enc in ("cp1251", "utf-16"):
        path = tmp_path / f"d-{enc}.jsonl"
        path.write_bytes(content.encode(enc))
        result = read_path(path)
        assert [d.text for d in result.documents] == [RU_SHORT, UK_SHORT], enc
        assert result.documents[0].metadata["encoding"] == enc


def test_large_jsonl_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    line = json.dumps({"text": RU_LONG}, ensure_ascii=False) + "\n"
    with path.open("w", encoding="utf-8") as out:
        for _ in range(7 * 1024 * 1024 // len(line.encode()) + 1):
            out.write(line)
    assert path.stat().st_size > DEFAULT_MAX_BYTES
    result = read_path(path)
    assert len(result.documents) > 1000 and not result.problems


# -- CSV ------------------------------------------------------------------------


def test_csv_custom_text_field(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text('id,headline,post_body,date\n1,First,"Hello, world",2024-05-01\n2,Second,"Line one\nline two",01.06.2024\n', encoding="utf-8")
    result = read_path(path, text_field="post_body")
    assert [d.text for d in result.documents] == ["Hello, world", "Line one\nline two"]
    first, second = result.documents
    assert first.metadata["source_format"] == "csv"
    assert first.metadata["title"] == "First"
    assert first.metadata["record_id"] == "1"
    assert first.metadata["published"] == "2024-05-01T00:00:00"
    assert second.metadata["published"] == "2024-06-01T00:00:00"
    assert [d.metadata["line"] for d in result.documents] == [2, 3]
    assert first.metadata["record"] == {"id": "1", "headline": "First", "date": "2024-05-01"}


def test_csv_auto_field_semicolon_cp1251(tmp_path: Path) -> None:
    path = tmp_path / "ru.csv"
    rows = "id;title;text\n1;Первый;Текст первой статьи\n2;Второй;\n3;Третий;Текст третьей\n"
    path.write_bytes(rows.encode("cp1251"))
    result = read_path(path)
    assert [d.text for d in result.documents] == ["Текст первой статьи", "Текст третьей"]
    assert [p.line for p in result.problems] == [3]
    assert result.documents[0].metadata["encoding"] == "cp1251"


def test_tsv(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_text("title\tcontent\nA\tone, two; three\n", encoding="utf-8")
    assert one(read_path(path)).text == "one, two; three"


def test_csv_without_text_field(tmp_path: Path) -> None:
    path = tmp_path / "nums.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_path(path)
    assert_one_line_naming(exc, "nums.csv")
    assert "a, b" in str(exc.value) and "text_field" in str(exc.value)


def test_csv_huge_field_within_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    body = "слово " * 50_000  # ~600 KB, over csv's default 128 KB field limit
    path.write_text(f'text\n"{body}"\n', encoding="utf-8")
    assert one(read_path(path)).text == body


def test_html_dates_come_from_markup_not_from_body_text():
    page = ("<html><head><title>Port deal</title>{meta}</head><body><article><p>The harbour agreement was signed on "
            "Friday night, and critics say the timing was no accident at all.</p></article><footer>© 2024</footer></body></html>")
    undated = read_bytes(page.format(meta="").encode(), name="a.html").documents[0]
    assert "published" not in undated.metadata or not undated.metadata["published"]
    dated = read_bytes(page.format(meta='<meta property="article:published_time" content="2025-06-10T08:00:00+00:00">').encode(),
                       name="b.html").documents[0]
    assert dated.metadata["published"] == "2025-06-10"
