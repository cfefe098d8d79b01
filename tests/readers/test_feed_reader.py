"""Feeds: RSS 2.0, Atom 1.0 and RDF (RSS 1.0), one Document per item; safe XML parsing."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.errors import InputError, UsageError
from narrascope.readers import ReadResult, read_bytes, read_path
from narrascope.readers.feeds import looks_like_feed

RU_TITLE = "Кремль ответил на заявление Киева"
RU_BODY = 'Пресс-секретарь Кремля Дмитрий Песков заявил, что "переговоры зашли в тупик". Ёлки и щётки тоже на месте.'

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="style.xsl"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Example News</title>
  <link>https://news.example.org/</link>
  <atom:link href="https://news.example.org/feed.rss" rel="self" type="application/rss+xml"/>
  <language>en-us</language>
  <description>All the news</description>
  <item>
    <title>Minister resigns after scandal</title>
    <link>https://news.example.org/a/1</link>
    <description>Short teaser.</description>
    <content:encoded><![CDATA[<p>The minister resigned on <b>Monday</b>, officials said.</p>
<script>alert("never in the text")</script><style>p { color: red }</style>
<p>Critics called the move<br/>long overdue.</p>]]></content:encoded>
    <pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>
    <dc:creator>Jane Doe</dc:creator>
    <category>Politics</category>
    <category>Europe</category>
    <guid isPermaLink="false">item-1</guid>
  </item>
  <item>
    <title>Second story</title>
    <description>&lt;p&gt;HTML in the &lt;i&gt;description&lt;/i&gt; &amp;amp; an entity.&lt;/p&gt;&lt;p&gt;Second paragraph.&lt;/p&gt;</description>
    <author>editor@example.org (Ed Itor)</author>
    <guid>https://news.example.org/a/2</guid>
    <pubDate>Wed, 11 Jun 2003 09:30:00 +0200</pubDate>
  </item>
  <item>
    <link>https://news.example.org/a/3</link>
    <description>   </description>
  </item>
</channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Atom Example</title>
  <link href="https://atom.example.org/feed" rel="self"/>
  <link href="https://atom.example.org/"/>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2003-12-13T18:30:02Z</updated>
  <entry>
    <title type="html">Atom &lt;em&gt;powered&lt;/em&gt; robots</title>
    <link rel="edit" href="https://atom.example.org/edit/1"/>
    <link rel="enclosure" href="https://atom.example.org/audio.mp3" type="audio/mpeg"/>
    <link rel="alternate" type="text/html" href="/2003/12/13/atom03"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <published>2003-12-13T08:29:29-04:00</published>
    <updated>2003-12-14T10:00:00Z</updated>
    <author><name>John Doe</name><email>john@example.org</email></author>
    <author><name>Mary Roe</name></author>
    <category term="robots"/><category term="tech" label="Technology"/>
    <summary>A short summary.</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Robots <strong>run</strong> amok.</p><p>Second paragraph of the entry.</p><script>bad()</script></div></content>
  </entry>
  <entry>
    <title>Only a summary</title>
    <link href="https://atom.example.org/2"/>
    <id>tag:atom.example.org,2003:2</id>
    <updated>2003-12-15T10:00:00+01:00</updated>
    <summary type="html">&lt;p&gt;Summary &lt;b&gt;with&lt;/b&gt; markup.&lt;/p&gt;</summary>
  </entry>
</feed>
"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.org/rss">
    <title>RDF Site</title>
    <link>https://rdf.example.org/</link>
    <description>An RSS 1.0 feed</description>
    <dc:language>de</dc:language>
    <items><rdf:Seq><rdf:li resource="https://rdf.example.org/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://rdf.example.org/1">
    <title>RDF item one</title>
    <link>https://rdf.example.org/1</link>
    <description>Body of the first RDF item.</description>
    <dc:date>2004-02-03T10:20:30+01:00</dc:date>
    <dc:creator>Anna Schmidt</dc:creator>
    <dc:subject>Science</dc:subject>
  </item>
  <item rdf:about="https://rdf.example.org/2">
    <title>RDF item two</title>
    <description>Body of the second.</description>
  </item>
</rdf:RDF>
"""


def ru_feed(encoding: str, declared: str | None = None) -> bytes:
    declared = declared or encoding
    xml = (
        f'<?xml version="1.0" encoding="{declared}"?>\n<rss version="2.0"><channel><title>Новости</title>'
        f"<link>https://ru.example.org/</link><item><title>{RU_TITLE}</title>"
        f"<description>{RU_BODY}</description><link>https://ru.example.org/1</link></item></channel></rss>"
    )
    return xml.encode(encoding)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- RSS / Atom / RDF ----------------------------------------------------------


def test_rss2_items_become_documents(tmp_path: Path) -> None:
    result = read_path(write(tmp_path, "news.rss", RSS))
    assert len(result.documents) == 2
    first, second = result.documents
    assert first.text == (
        "Minister resigns after scandal\n\nThe minister resigned on Monday, officials said.\n\n"
        "Critics called the move\nlong overdue."
    )
    assert "alert" not in first.text and "color" not in first.text and "teaser" not in first.text
    m = first.metadata
    assert m["source_format"] == "feed" and m["feed_format"] == "rss"
    assert m["title"] == "Minister resigns after scandal"
    assert m["url"] == "https://news.example.org/a/1"
    assert m["published"] == "2003-06-10T04:00:00+00:00"
    assert m["author"] == "Jane Doe"
    assert m["feed_title"] == "Example News" and m["feed_url"] == "https://news.example.org/"
    assert m["categories"] == ["Politics", "Europe"]
    assert m["guid"] == m["record_id"] == "item-1"
    assert m["record_index"] == 0 and m["language"] == "en"
    assert m["encoding"] == "utf-8"
    # HTML in the description: markup gone, entities decoded once, paragraphs kept.
    assert second.text == "Second story\n\nHTML in the description & an entity.\n\nSecond paragraph."
    assert second.metadata["url"] == "https://news.example.org/a/2"  # permalink guid
    assert second.metadata["published"] == "2003-06-11T09:30:00+02:00"
    assert second.metadata["author"] == "editor@example.org (Ed Itor)"
    assert second.metadata["record_index"] == 1
    for doc in result.documents:
        json.dumps(doc.to_json())


def test_item_without_text_is_a_problem_with_its_index(tmp_path: Path) -> None:
    result = read_path(write(tmp_path, "news.rss", RSS))
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert "item 3" in problem.message and problem.line is not None
    assert str(problem).startswith(str(tmp_path / "news.rss"))


def test_atom_links_xhtml_content_and_authors(tmp_path: Path) -> None:
    result = read_path(write(tmp_path, "feed.atom", ATOM))
    assert len(result.documents) == 2 and not result.problems
    doc = result.documents[0]
    assert doc.text == "Atom powered robots\n\nRobots run amok.\n\nSecond paragraph of the entry."
    m = doc.metadata
    assert m["feed_format"] == "atom"
    assert m["url"] == "https://atom.example.org/2003/12/13/atom03"  # rel=alternate, resolved
    assert m["published"] == "2003-12-13T08:29:29-04:00"
    assert m["author"] == "John Doe, Mary Roe"
    assert m["categories"] == ["robots", "tech"]
    assert m["record_id"] == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert m["feed_title"] == "Atom Example" and m["feed_url"] == "https://atom.example.org/"
    assert m["language"] == "en"
    second = result.documents[1]
    assert second.text == "Only a summary\n\nSummary with markup."
    assert second.metadata["url"] == "https://atom.example.org/2"
    assert second.metadata["published"] == "2003-12-15T10:00:00+01:00"  # updated when nothing else


def test_rdf_rss1(tmp_path: Path) -> None:
    result = read_path(write(tmp_path, "site.xml", RDF))
    assert [d.text for d in result.documents] == [
        "RDF item one\n\nBody of the first RDF item.",
        "RDF item two\n\nBody of the second.",
    ]
    m = result.documents[0].metadata
    assert m["feed_format"] == "rdf" and m["feed_title"] == "RDF Site"
    assert m["published"] == "2004-02-03T10:20:30+01:00"
    assert m["author"] == "Anna Schmidt" and m["categories"] == ["Science"]
    assert m["language"] == "de"
    assert result.documents[1].metadata["url"] == "https://rdf.example.org/2"  # rdf:about


def test_sniffed_without_extension() -> None:
    for data, kind in ((RSS, "rss"), (ATOM, "atom"), (RDF, "rdf")):
        result = read_bytes(data, name="<stdin>")
        assert result.documents and all(d.metadata["feed_format"] == kind for d in result.documents)
    bare = b'<rss version="2.0"><channel><item><title>T</title><description>Body</description></item></channel></rss>'
    assert read_bytes(bare, name="download").documents[0].text == "T\n\nBody"


def test_sniffing_is_linear_on_hostile_prologues() -> None:
    start = time.monotonic()
    for prologue in ("<?x?>" * 3000, "<!--a-->" * 3000, "<!DOCTYPE x [" + "]" * 3000, "<?xml " + "<!--" * 5000):
        assert not looks_like_feed(prologue + "Z")
    assert time.monotonic() - start < 2
    assert looks_like_feed('\ufeff<?xml version="1.0"?>\n<?xml-stylesheet href="s"?><!-- c --><!DOCTYPE rss [<!ENTITY a "b">]>\n<rss>')
    assert not looks_like_feed("<rssx>") and not looks_like_feed('<?xml version="1.0"?><catalog/>')


def test_format_feed_forced(tmp_path: Path) -> None:
    path = write(tmp_path, "feed.txt", RSS)
    assert read_path(path).documents[0].metadata["source_format"] == "text"
    assert len(read_path(path, format="feed").documents) == 2
    assert len(read_path(path, format="rss").documents) == 2
    with pytest.raises(UsageError):
        read_path(path, format="podcast")


# -- encodings -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r", "utf-16"])
def test_declared_encoding_is_honoured(tmp_path: Path, encoding: str) -> None:
    declared = {"cp1251": "windows-1251", "koi8-r": "KOI8-R", "utf-16": "UTF-16"}[encoding]
    result = read_path(write(tmp_path, "ru.rss", ru_feed(encoding, declared)))
    doc = result.documents[0]
    assert doc.text == f"{RU_TITLE}\n\n{RU_BODY}"
    assert doc.metadata["feed_title"] == "Новости"


def test_lying_declaration_falls_back_to_detection(tmp_path: Path) -> None:
    data = ru_feed("cp1251", "utf-8")  # says UTF-8, is cp1251
    doc = read_path(write(tmp_path, "ru.rss", data)).documents[0]
    assert doc.text == f"{RU_TITLE}\n\n{RU_BODY}"
    assert doc.metadata["encoding"] == "cp1251"
    undeclared = ru_feed("cp1251").split(b"?>", 1)[1]
    assert read_bytes(undeclared, name="ru.rss").documents[0].text == f"{RU_TITLE}\n\n{RU_BODY}"


# -- bad input ---------------------------------------------------------------------


def test_malformed_xml_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_path(write(tmp_path, "bad.rss", b"<rss><channel><item><title>x</item>"))
    message = str(exc.value)
    assert message.startswith(str(tmp_path / "bad.rss")) and "\n" not in message


def test_slightly_broken_feed_is_mended(tmp_path: Path) -> None:
    data = b"<rss><channel><item><title>AT&T &nbsp;wins</title><description>a &mdash; b \x01</description></item></channel></rss>"
    assert read_path(write(tmp_path, "sloppy.rss", data)).documents[0].text == "AT&T wins\n\na \u2014 b"
    trailing = b"<rss><channel><item><title>x</title></item></channel></rss><junk/>"
    assert read_path(write(tmp_path, "trailing.rss", trailing)).documents[0].text == "x"


def test_xml_that_is_not_a_feed(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is XML but not an RSS, Atom or RDF feed.*<catalog>"):
        read_path(write(tmp_path, "books.xml", b'<?xml version="1.0"?><catalog><book>x</book></catalog>'))
    with pytest.raises(InputError, match="not a"):
        read_path(write(tmp_path, "page.xml", b"<html><body><p>Hello</p></body></html>"))
    # Sniffing leaves other XML alone: it is text (or HTML), not a feed error.
    result = read_bytes(b'<?xml version="1.0"?><catalog><book>x</book></catalog>', name="<stdin>")
    assert result.documents[0].metadata["source_format"] != "feed"


def test_feed_without_usable_items(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds no items"):
        read_path(write(tmp_path, "empty.rss", b"<rss><channel><title>Nothing</title></channel></rss>"))
    with pytest.raises(InputError, match="no usable items.*item 1"):
        read_path(write(tmp_path, "blank.rss", b"<rss><channel><item><link>https://x.org/</link></item></channel></rss>"))


def test_size_limit_is_per_item(tmp_path: Path) -> None:
    big = "word " * 400
    items = "".join(f"<item><title>t{i}</title><description>{big if i == 1 else 'small'}</description></item>" for i in range(3))
    data = f"<rss><channel>{items}</channel></rss>".encode()
    assert len(data) > 1500
    result = read_path(write(tmp_path, "many.rss", data), max_bytes=1000)
    assert [d.metadata["title"] for d in result.documents] == ["t0", "t2"]
    assert len(result.problems) == 1 and "over the" in result.problems[0].message and "item 2" in result.problems[0].message


# -- safety ------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>Bomb &lol9;</title><description>Before &lol9; after.</description></item>
</channel></rss>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> ]>
<rss version="2.0"><channel><title>t</title>
<item><title>Leak &xxe;</title><description>Secret: &xxe; end.</description></item>
</channel></rss>
"""


def test_billion_laughs_does_not_expand(tmp_path: Path) -> None:
    start = time.monotonic()
    try:
        result = read_path(write(tmp_path, "bomb.rss", BILLION_LAUGHS))
    except InputError:
        result = ReadResult()
    assert time.monotonic() - start < 10
    for doc in result.documents:
        assert "lol" not in doc.text and len(doc.text) < 200
        assert "lol" not in json.dumps(doc.to_json())


def test_external_entity_is_not_fetched(tmp_path: Path) -> None:
    try:
        result = read_path(write(tmp_path, "xxe.rss", XXE))
    except InputError:
        return
    for doc in result.documents:
        assert "root:" not in doc.text and "/bin/" not in doc.text
        assert doc.text == "Leak\n\nSecret: end."


# -- CLI ---------------------------------------------------------------------------


def test_cli_writes_one_document_per_item(tmp_path: Path) -> None:
    clean = RSS.replace(b"<item>\n    <link>https://news.example.org/a/3</link>", b"<item>\n    <title>Third</title><link>https://news.example.org/a/3</link>")
    feed = write(tmp_path, "feed.rss", clean)
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "narrascope", "analyze", str(feed), "--json", str(out), "--disable", "entities"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == 3
    assert [d["metadata"]["title"] for d in lines] == ["Minister resigns after scandal", "Second story", "Third"]
    assert all(d["metadata"]["source_format"] == "feed" for d in lines)


# -- fuzz --------------------------------------------------------------------------

_FRAGMENTS = [
    b'<?xml version="1.0" encoding="windows-1251"?>', b'<?xml version="1.0"?>', b"<rss>", b"</rss>", b"<channel>",
    b"</channel>", b"<item>", b"</item>", b"<title>", b"</title>", b"<description>", b"</description>",
    b'<feed xmlns="http://www.w3.org/2005/Atom">', b"</feed>", b"<entry>", b"</entry>", b'<content type="xhtml">',
    b"</content>", b"<![CDATA[", b"]]>", b"&lt;p&gt;", b"&amp;", b"&x;", b"<!DOCTYPE rss [<!ENTITY x \"y\">]>",
    b"\xef\xf0\xe8", b"\xd0\xbf", b"\x00", b"\xff\xfe", b"<", b">", b"text ", b"<p>", b"<script>",
]
feed_bytes = st.binary(max_size=400) | st.lists(st.sampled_from(_FRAGMENTS) | st.binary(max_size=6), max_size=40).map(b"".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=feed_bytes)
def test_any_bytes_as_feed_give_documents_or_input_error(data: bytes) -> None:
    try:
        result = read_bytes(data, name="fuzz", format="feed")
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz")
        return
    assert isinstance(result, ReadResult)
    for doc in result.documents:
        assert isinstance(doc.text, str) and doc.text.strip()
        json.dumps(doc.to_json())
