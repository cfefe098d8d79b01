"""RSS 2.0, Atom 1.0 (and 0.3) and RDF (RSS 1.0) feeds: one Document per item or entry.

The XML is parsed with lxml under a locked-down parser: no entity substitution, no DTD
loading, no network, no huge-tree mode (lifted only for a text node over libxml2's 10 MB
limit, so one giant item does not cost the feed's others). An XML bomb or an external entity
therefore stays an unexpanded reference and is never fetched. The bytes go to lxml as they are, so it
honours the XML declaration (or BOM); when the declaration lies and lxml cannot decode the
bytes, the project's ``decode()`` detects the encoding instead.

Each item's text is its title, a blank line and its body: the longest of content:encoded,
Atom content, description and summary, turned from HTML into plain text with paragraph
breaks (script and style never contribute text).
"""

from __future__ import annotations

import codecs
import re
import urllib.parse
from html.entities import name2codepoint
from typing import Any, Iterator

from lxml import etree

from ..errors import InputError
from ..model import Document
from .base import Options, ReadProblem, ReadResult, human_size
from .encoding import decode
from .records import _language, parse_date

__all__ = ["looks_like_feed", "read_feed"]

ATOM = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
RSS1 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_PLAIN = (None, RSS1, RSS090)  # namespaces of the RSS elements (none in RSS 2.0)
_ATOMS = (ATOM, ATOM03)

_ROOT_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(rss|feed|RDF)[\s>/]")

_BLOCK = frozenset(
    "address article aside blockquote body dd details div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section summary table tbody thead tfoot tr ul caption html".split()
)
_SKIP = frozenset("script style noscript template head iframe object embed svg math select button".split())
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_CELL = frozenset(("td", "th"))


def looks_like_feed(sample: str) -> bool:
    """The text starts (after an XML declaration, comments, processing instructions and a
    doctype, whose internal subset is skipped unread) with <rss>, <feed> or <rdf:RDF>.
    A plain scan, not a regular expression: nested lazy patterns backtrack exponentially."""
    text = sample[: 64 * 1024]
    pos = 0
    for _ in range(1000):
        while pos < len(text) and text[pos] in "\ufeff \t\r\n":
            pos += 1
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            pos = end + 3
        elif text[pos : pos + 9].upper() == "<!DOCTYPE":
            close = text.find(">", pos)
            subset = text.find("[", pos)
            if subset != -1 and (close == -1 or subset < close):
                end = text.find("]", subset)
                close = text.find(">", end) if end != -1 else -1
            end = close
            pos = close + 1
        else:
            break
        if end == -1:
            return False
    return bool(_ROOT_TAG.match(text, pos))


def _parser(recover: bool, huge: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=huge,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        recover=recover,
    )


def _one_line(text: str, limit: int = 160) -> str:
    """Whitespace (newlines included) collapsed, cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse(data: bytes, name: str, hint: str | None) -> tuple[Any, str | None]:
    """(root element, encoding) or InputError. Bytes first, so lxml reads the declaration;
    then the project's decoder (a lying or missing declaration) with the usual slips of
    hand-made feeds mended; then recover mode, accepted only for those slips."""
    try:
        root = _fromstring(data)
        encoding = root.getroottree().docinfo.encoding
        return root, _codec_name(encoding) if encoding else None
    except etree.XMLSyntaxError as exc:
        error = _syntax_error(exc)
    except ValueError as exc:  # lxml refuses some inputs outright
        error = _one_line(str(exc))
    text, encoding = decode(data, name, hint=hint, stray_nuls=True)  # _mend removes control characters
    # lxml refuses str input that still carries an encoding declaration; the text is decoded already.
    text = _mend(re.sub(r"^\ufeff?\s*<\?xml\b[^>]*?\?>", "", text, count=1))
    try:
        return _fromstring(text), encoding
    except etree.XMLSyntaxError as exc:
        error = _syntax_error(exc)
    except ValueError:
        pass
    parser = _parser(True)
    try:
        root = etree.fromstring(text, parser)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is not None and all(e.type in _TOLERATED for e in parser.error_log):
        return root, encoding
    raise InputError(f"{name}: not well-formed XML ({error})")


def _fromstring(source: bytes | str) -> Any:
    """Parse strictly; when only a text node over libxml2's 10 MB limit stops the parse (one giant
    item), parse again with that limit lifted, so the feed's other items are read and the giant one
    is a problem of its own. Entities stay unexpanded and nothing is fetched either way."""
    try:
        return etree.fromstring(source, _parser(False))
    except etree.XMLSyntaxError as exc:
        if not _text_too_long(exc):
            raise
    return etree.fromstring(source, _parser(False, huge=True))


def _text_too_long(exc: etree.XMLSyntaxError) -> bool:
    message = (exc.msg or str(exc)).lower()
    return "text node too long" in message or "huge text node" in message


_TOLERATED = frozenset(
    getattr(etree.ErrorTypes, t)
    for t in ("ERR_DOCUMENT_END", "ERR_UNDECLARED_ENTITY", "WAR_UNDECLARED_ENTITY", "ERR_ENTITYREF_SEMICOL_MISSING",
              "ERR_NAME_REQUIRED", "ERR_INVALID_CHAR", "ERR_INVALID_CHARREF", "ERR_INVALID_DEC_CHARREF",
              "ERR_INVALID_HEX_CHARREF")
    if hasattr(etree.ErrorTypes, t)
)
_BARE_AMP = re.compile(r"&(?!(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z_][\w.-]*);)")
_NAMED = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_NAMED = frozenset(("amp", "lt", "gt", "quot", "apos"))
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,64})|([0-9]{1,64}));")


def _xml_char(code: int) -> bool:
    """Whether XML 1.0 allows the character (a reference to any other one is not well-formed)."""
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _char_ref(m: re.Match[str]) -> str:
    digits = m.group(1) or m.group(2)
    if len(digits.lstrip("0")) > 8:
        return "&#xFFFD;"
    code = int(digits, 16 if m.group(1) else 10)
    return m.group(0) if _xml_char(code) else "&#xFFFD;"


def _mend(text: str) -> str:
    """Mend what hand-made feeds get wrong: a bare "&", HTML entities (&nbsp;) that XML does
    not define, control characters. A document with a DTD keeps its entity references as they are."""
    text = _CONTROL.sub("", text)
    text = _BARE_AMP.sub("&amp;", text)
    # a reference to a surrogate, NUL or control character: lxml's recover mode kept &#xD800; as bytes
    # it then could not decode (UnicodeDecodeError on the item's text)
    text = _CHAR_REF.sub(_char_ref, text)
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return text

    def named(m: re.Match[str]) -> str:
        entity = m.group(1)
        if entity in _XML_NAMED or entity not in name2codepoint:
            return m.group(0)
        return f"&#{name2codepoint[entity]};"

    return _NAMED.sub(named, text)


def _syntax_error(exc: etree.XMLSyntaxError) -> str:
    message = _one_line(exc.msg or str(exc) or "syntax error")
    line = exc.position[0] if getattr(exc, "position", None) else None
    return f"{message}" if not line or f"line {line}" in message else f"{message}, line {line}"


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def _local(el: Any) -> tuple[str | None, str]:
    tag = el.tag
    if not isinstance(tag, str):
        return None, ""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def _children(el: Any, local: str, namespaces: tuple[str | None, ...]) -> Iterator[Any]:
    for child in el:
        ns, name = _local(child)
        if name == local and ns in namespaces:
            yield child


def _child(el: Any, local: str, namespaces: tuple[str | None, ...]) -> Any:
    return next(_children(el, local, namespaces), None)


def _string(el: Any) -> str:
    """An element's string value, leaving out unexpanded entity references (they stay unexpanded)."""
    parts = [el.text or ""]
    for node in el.iterdescendants():
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        if node.tail:
            parts.append(node.tail)
    return "".join(parts)


def _plain(el: Any) -> str:
    """Text of an element as plain text: its string value, whitespace collapsed."""
    if el is None:
        return ""
    return _SPACES.sub(" ", _string(el)).strip()


# -- HTML to text -----------------------------------------------------------------------


def _walk_text(root: Any) -> str:
    """Paragraph-broken text of an (X)HTML tree, iteratively (no recursion limit)."""
    paragraphs: list[str] = []
    line: list[str] = []
    lines: list[str] = []

    def flush_line() -> None:
        joined = _SPACES.sub(" ", "".join(line)).strip()
        line.clear()
        if joined:
            lines.append(joined)

    def flush_block() -> None:
        flush_line()
        if lines:
            paragraphs.append("\n".join(lines))
            lines.clear()

    skipping = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = _local(el)[1].lower()
        if event == "start":
            if skipping or not tag or tag in _SKIP:
                skipping += 1
                continue
            if tag in _BLOCK:
                flush_block()
            elif tag == "br":
                flush_line()
            elif tag in _CELL and line:
                line.append(" ")
            if el.text:
                line.append(el.text)
        else:
            if skipping:
                skipping -= 1
                if skipping:
                    continue  # still inside a skipped element: its tail is skipped too
            elif tag in _BLOCK:
                flush_block()
            if el is not root and el.tail:
                line.append(el.tail)
    flush_block()
    return "\n\n".join(paragraphs)


def _html_parser() -> etree.HTMLParser:
    return etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, recover=True, default_doctype=False)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment, with blank lines between paragraphs and no script/style text."""
    if not html or not html.strip():
        return ""
    if "<" not in html and "&" not in html:
        return _plain_paragraphs(html)
    try:
        doc = etree.fromstring(html, _html_parser())
    except (etree.XMLSyntaxError, etree.ParserError, ValueError):
        doc = None
    if doc is None:
        return _plain_paragraphs(html)
    return _walk_text(doc)


def _plain_paragraphs(text: str) -> str:
    blocks = re.split(r"\n[ \t\r\f\v]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    out = []
    for block in blocks:
        lines = [_SPACES.sub(" ", ln).strip() for ln in block.split("\n")]
        joined = "\n".join(ln for ln in lines if ln)
        if joined:
            out.append(joined)
    return "\n\n".join(out)


def _atom_text(el: Any) -> str:
    """An Atom text construct (title, summary, content) by its type: text, html or xhtml."""
    if el is None:
        return ""
    kind = (el.get("type") or "text").strip().lower()
    if kind == "xhtml" or (len(el) and kind not in ("text", "html", "text/plain", "text/html")):
        return _walk_text(el)
    text = _string(el)
    if kind in ("html", "text/html"):
        return html_to_text(text)
    return _plain_paragraphs(text)


def _rss_text(el: Any) -> str:
    """An RSS description or content:encoded: escaped (or CDATA) HTML."""
    if el is None:
        return ""
    if len(el):  # unescaped XHTML markup inside the element
        return _walk_text(el)
    return html_to_text(el.text or "")


# -- items ------------------------------------------------------------------------------


def _absolute(href: str | None, base: str | None) -> str | None:
    if not href or not href.strip():
        return None
    href = href.strip()
    if base and not href.lower().startswith(("http://", "https://")):
        try:
            href = urllib.parse.urljoin(base, href)
        except ValueError:
            return None
    return href if href.lower().startswith(("http://", "https://")) else None


def _atom_link(el: Any, base: str | None) -> str | None:
    """rel=alternate (or no rel) link, preferring text/html; else nothing."""
    best = None
    for link in _children(el, "link", _ATOMS):
        rel = (link.get("rel") or "alternate").strip().lower()
        if rel != "alternate":
            continue
        href = _absolute(link.get("href"), base)
        if href is None:
            continue
        kind = (link.get("type") or "").lower()
        if kind in ("", "text/html", "application/xhtml+xml"):
            return href
        best = best or href
    return best


def _authors(item: Any) -> str | None:
    names: list[str] = []
    for el in _children(item, "author", _PLAIN):
        names.append(_plain(el))
    for el in _children(item, "creator", (DC,)):
        names.append(_plain(el))
    for el in _children(item, "author", _ATOMS):
        name = _child(el, "name", _ATOMS)
        names.append(_plain(name) if name is not None else _plain(el))
    seen: dict[str, None] = {}
    for name in names:
        if name:
            seen.setdefault(name, None)
    return ", ".join(seen) or None


def _categories(item: Any) -> list[str]:
    found: dict[str, None] = {}
    for el in _children(item, "category", _PLAIN):
        found.setdefault(_plain(el), None)
    for el in _children(item, "subject", (DC,)):
        found.setdefault(_plain(el), None)
    for el in _children(item, "category", _ATOMS):
        found.setdefault(_one_line(el.get("term") or el.get("label") or "", 200), None)
    return [c for c in found if c]


def _published(item: Any) -> str | None:
    for local, namespaces in (
        ("pubDate", _PLAIN), ("published", _ATOMS), ("date", (DC,)), ("issued", _ATOMS),
        ("updated", _ATOMS), ("modified", _ATOMS), ("created", _ATOMS),
    ):
        for el in _children(item, local, namespaces):
            date = parse_date(_plain(el))
            if date:
                return date
    return None


def _item_document(
    item: Any, index: int, kind: str, feed_meta: dict[str, Any], *, source: str, encoding: str | None, opts: Options
) -> Document | ReadProblem:
    line = item.sourceline if isinstance(item.sourceline, int) else None
    where = f"item {index + 1}: "
    atom = kind == "atom"
    base = feed_meta.get("feed_url")

    title_el = _child(item, "title", _ATOMS if atom else _PLAIN + (DC,))
    title = _SPACES.sub(" ", _atom_text(title_el) if atom else _rss_text(title_el)).strip()
    bodies = []
    for el in _children(item, "encoded", (CONTENT,)):
        bodies.append(_rss_text(el))
    for el in _children(item, "description", _PLAIN + (DC,)):
        bodies.append(_rss_text(el))
    for local in ("content", "summary"):
        for el in _children(item, local, _ATOMS):
            if el.get("src") is None:
                bodies.append(_atom_text(el))
    body = max(bodies, key=len, default="").strip()
    parts = [p for p in (title, body) if p]
    if not parts:
        return ReadProblem(source, line, f"{where}no title or text")
    text = "\n\n".join(parts)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > opts.max_bytes:
        return ReadProblem(source, line, f"{where}text is {human_size(size)}, over the {human_size(opts.max_bytes)} limit (raise max_bytes)")

    meta: dict[str, Any] = {"source": source, "source_format": "feed", "feed_format": kind}
    if encoding:
        meta["encoding"] = encoding
    if title:
        meta["title"] = title
    url = _atom_link(item, base) if atom else None
    if url is None:
        url = _absolute(_plain(_child(item, "link", _PLAIN)), base) or _absolute(item.get(f"{{{RDF}}}about"), base)
    guid_el = _child(item, "guid", _PLAIN)
    guid = _plain(guid_el) or _plain(_child(item, "id", _ATOMS)) or (item.get(f"{{{RDF}}}about") or "").strip()
    if url is None and guid_el is not None and (guid_el.get("isPermaLink") or "true").strip().lower() != "false":
        url = _absolute(guid, base)
    if url:
        meta["url"] = url
    published = _published(item)
    if published:
        meta["published"] = published
    author = _authors(item)
    if author:
        meta["author"] = author
    for key in ("feed_title", "feed_url", "site_name", "language"):
        if feed_meta.get(key):
            meta[key] = feed_meta[key]
    lang = _language(item.get(XML_LANG))
    if lang:
        meta["language"] = lang
    categories = _categories(item)
    if categories:
        meta["categories"] = categories
    if guid:
        meta["guid"] = _one_line(guid, 2000)
        meta["record_id"] = meta["guid"]
    if line is not None:
        meta["line"] = line
    meta["record_index"] = index
    return Document(text, metadata=meta)


def _feed_parts(root: Any) -> tuple[str, Any, list[Any]]:
    """(kind, element holding the feed's own title/link, items) for a feed root."""
    ns, local = _local(root)
    if local == "feed":
        return "atom", root, list(_children(root, "entry", _ATOMS))
    if local == "RDF":
        channel = _child(root, "channel", _PLAIN)
        items = list(_children(root, "item", _PLAIN))
        if channel is not None:
            items = items or list(_children(channel, "item", _PLAIN))
        return "rdf", channel, items
    channel = _child(root, "channel", _PLAIN)
    items = list(_children(channel, "item", _PLAIN)) if channel is not None else []
    return "rss", channel, items or list(_children(root, "item", _PLAIN))


def _feed_meta(kind: str, head: Any, root: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if head is None:
        return meta
    title = _child(head, "title", _ATOMS if kind == "atom" else _PLAIN + (DC,))
    feed_title = _SPACES.sub(" ", _atom_text(title) if kind == "atom" else _plain(title)).strip()
    if feed_title:
        meta["feed_title"] = feed_title
        meta["site_name"] = feed_title
    if kind == "atom":
        url = _atom_link(head, None)
        lang = _language(root.get(XML_LANG))
    else:
        url = _absolute(_plain(_child(head, "link", _PLAIN)), None)
        lang = _language(_plain(_child(head, "language", _PLAIN)) or _plain(_child(head, "language", (DC,))))
    if url:
        meta["feed_url"] = url
    if lang:
        meta["language"] = lang
    return meta


def read_feed(data: bytes, *, source: str, name: str, opts: Options, hint: str | None = None) -> ReadResult:
    """One Document per item; a bad item is a ReadProblem; a feed with no usable item is an InputError."""
    root, encoding = _parse(data, name, hint)
    ns, local = _local(root)
    if local not in ("rss", "feed", "RDF"):
        shown = _one_line(local or "?", 40)
        raise InputError(f"{name}: is XML but not an RSS, Atom or RDF feed (its root element is <{shown}>)")
    kind, head, items = _feed_parts(root)
    try:
        feed_meta = _feed_meta(kind, head, root)
    except ValueError:  # UnicodeDecodeError from lxml on text it kept undecodable: no feed title then
        feed_meta = {}
    result = ReadResult()
    for index, item in enumerate(items):
        try:
            out = _item_document(item, index, kind, feed_meta, source=source, encoding=encoding, opts=opts)
        except ValueError:  # the same, inside one item: that item is the problem, the others are read
            line = item.sourceline if isinstance(item.sourceline, int) else None
            out = ReadProblem(source, line, f"item {index + 1}: holds text the XML parser cannot decode; item skipped")
        if isinstance(out, ReadProblem):
            result.problems.append(out)
        else:
            result.documents.append(out)
    if not result.documents:
        if result.problems:
            first = result.problems[0]
            more = f", and {len(result.problems) - 1} more problems" if len(result.problems) > 1 else ""
            raise InputError(f"{name}: no usable items in this feed ({first.message}{more})")
        raise InputError(f"{name}: this {kind.upper() if kind != 'atom' else 'Atom'} feed holds no items")
    return result
