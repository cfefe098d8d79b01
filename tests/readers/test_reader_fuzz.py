"""Fuzzing the readers: any bytes give Documents or an InputError, and text round-trips."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from narrascope.errors import InputError
from narrascope.readers import ReadResult, read_bytes

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORMATS = [None, "text", "html", "json", "jsonl", "csv", "telegram"]

# Bytes that look a little like the formats, so the parsers get past their first check.
_FRAGMENTS = [
    b"{", b"}", b"[", b"]", b'"text"', b'"messages"', b'"type": "message"', b":", b",", b"\n", b"\r\n",
    b"<html>", b"<p>", b"</p>", b"<script>", b"<meta charset=koi8-r>", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf",
    b"\xd0\xbf\xd1\x80", b"\xef\xf0\xe8", b"\\ud800", b"1e999", b"NaN", b'"', b";", b"\t", b"text,title\n",
]
structured_bytes = st.lists(st.sampled_from(_FRAGMENTS) | st.binary(max_size=8), max_size=40).map(b"".join)
any_bytes = st.binary(max_size=600) | structured_bytes


def check(result: ReadResult) -> None:
    assert isinstance(result, ReadResult)
    for doc in result.documents:
        assert isinstance(doc.text, str) and doc.text.strip()
        doc.to_json()  # metadata is JSON


@pytest.mark.parametrize("fmt", FORMATS, ids=[f or "sniff" for f in FORMATS])
@FUZZ
@given(data=any_bytes)
def test_any_bytes_give_documents_or_input_error(fmt: str | None, data: bytes) -> None:
    try:
        result = read_bytes(data, name="fuzz", format=fmt)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz")
        return
    check(result)


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
records = st.dictionaries(st.sampled_from(["text", "Title", "id", "date", "url", "author", "x"]), json_values, max_size=6)


@FUZZ
@given(lines=st.lists(records.map(lambda r: json.dumps(r)) | st.text(max_size=30).filter(lambda s: "\n" not in s and "\r" not in s), min_size=1, max_size=12))
def test_jsonl_every_line_is_a_document_or_a_problem(lines: list[str]) -> None:
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    try:
        result = read_bytes(data, name="fuzz.jsonl")
    except InputError:
        return
    check(result)
    seen = [d.metadata["line"] for d in result.documents] + [p.line for p in result.problems if p.line is not None]
    assert len(seen) == len(set(seen))
    assert all(1 <= line <= len(lines) for line in seen)
    for doc in result.documents:
        record = json.loads(lines[doc.metadata["line"] - 1])
        value = next(v for k, v in record.items() if k.lower() == "text")
        assert doc.text == (value if isinstance(value, str) else "\n\n".join(value))


# Text a file can hold: no surrogates, no control characters but tab and line breaks, and no
# leading U+FEFF (which a reader cannot tell from a UTF-8 byte-order mark).
_text_chars = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r ")
plain_text = st.text(_text_chars, min_size=1, max_size=300).filter(lambda s: s.strip() and not s.startswith("\ufeff"))


@pytest.mark.parametrize("enc", ["utf-8", "utf-16", "utf-8-sig"])
@FUZZ
@given(text=plain_text)
def test_unicode_text_round_trips(enc: str, text: str) -> None:
    result = read_bytes(text.encode(enc), name="t.txt", format="text")
    assert [d.text for d in result.documents] == [text]


# Cyrillic-alphabet text: real Russian and Ukrainian words in random order. (A random string
# of Cyrillic letters is equally valid cp1251 and KOI8-R; no reader can tell them apart.)
RU_WORDS = """и в не на я быть он с что а по это она этот к но они мы как из у который то за свой весь год
от так о для ты же все тот мочь вы человек такой его сказать только или ещё бы себя один уже до время
если сам когда другой вот говорить наш мой знать стать при чтобы дело жизнь кто первый очень два день
её новый рука даже во со раз где там под можно ну какой после их работа без самый потом надо хотеть ли
слово идти большой должен место иметь ничто сейчас тут лицо каждый друг нет теперь ни глаз тоже тогда
видеть вопрос через да здесь дом потому сторона думать сделать страна жить чем мир последний случай
голова более делать смотреть ребёнок просто конечно сила российский конец перед несколько вид система
всегда работать между три понять пойти часть спросить город дать также никто понимать получить
отношение лишь второй именно Москва Россия Украина война НАТО президент правительство заявил министр
обороны операция санкции Кремль эксперты переговоры""".split()
UK_WORDS = """і в не на я бути він з що а по це вона цей до але вони ми як із у який то за свій весь рік від так
про для ти все той могти ви людина такий його сказати тільки або ще би себе один вже час якщо сам коли
інший ось говорити наш мій знати стати при щоб справа життя хто перший дуже два день її новий рука навіть
раз де там під можна після їх робота без потім треба хотіти слово йти великий повинен місце мати зараз
тут обличчя кожен друг немає тепер теж тоді бачити питання через дім тому сторона думати зробити країна
жити світ останній випадок голова Київ Україна Європа війна міністр заявив оборони єдність""".split()


def sentences(words: list[str]) -> st.SearchStrategy[str]:
    """One to four sentences of six or more words; each but the first may start lowercase
    only after an ellipsis, as in real text ("…и тогда"). Shorter snippets (a dozen bytes
    of repeated words) are genuinely ambiguous between code pages: a documented limit."""
    sentence = st.lists(st.sampled_from(words), min_size=6, max_size=14).map(" ".join)
    capitalised = sentence.map(lambda s: s[:1].upper() + s[1:])
    first = sentence | capitalised
    more = st.lists(st.tuples(st.sampled_from([". ", "! ", "? "]), capitalised) | st.tuples(st.just("… "), sentence), max_size=3)
    end = st.sampled_from([".", "!", "?", "…", ""])
    return st.tuples(first, more, end).map(lambda t: t[0] + "".join(sep + s for sep, s in t[1]) + t[2])


@pytest.mark.parametrize(
    ("words", "enc"),
    [(RU_WORDS, "cp1251"), (UK_WORDS, "cp1251"), (RU_WORDS, "koi8-r"), (UK_WORDS, "koi8-u"), (RU_WORDS, "utf-16-le")],
    ids=["ru-cp1251", "uk-cp1251", "ru-koi8r", "uk-koi8u", "ru-utf16le"],
)
@FUZZ
@given(data=st.data())
def test_cyrillic_text_round_trips(words: list[str], enc: str, data: st.DataObject) -> None:
    text = data.draw(sentences(words))
    try:
        encoded = text.encode(enc)
    except UnicodeEncodeError:  # "…" is not in KOI8
        assume(False)
    result = read_bytes(encoded, name="ru.txt", format="text")
    assert [d.text for d in result.documents] == [text]
