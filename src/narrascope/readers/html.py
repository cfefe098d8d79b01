"""HTML pages to one Document: the main article text (via trafilatura) and its metadata."""

from __future__ import annotations

import re
import warnings
from typing import Any

from ..errors import InputError
from ..model import Document

__all__ = ["declared_charset", "html_document", "looks_like_html"]

SNIFF_CHARS = 64 * 1024  # markup sniffing and <html lang> look no further

# <meta charset="windows-1251">, <meta http-equiv="Content-Type" content="text/html; charset=koi8-r">,
# <?xml version="1.0" encoding="...">. Browsers look only at the first 1024 bytes; be a little kinder.
# Tags are found first (a tag cannot hold "<", so finding them is linear), then their attributes:
# one pattern spanning tag and attribute backtracked quadratically or worse on "<html <html <html ...".
_META_TAG = re.compile(rb"<meta\b[^<>]*", re.IGNORECASE)
_CHARSET_ATTR = re.compile(rb"""\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HTML_TAG = re.compile(r"<html\b[^<>]*", re.IGNORECASE)
_LANG_ATTR = re.compile(r"""\blang\s*=\s*["']?\s*([A-Za-z]{2,3})(?![A-Za-z])""", re.IGNORECASE)
_META_TEXT_TAG = re.compile(r"<meta\b[^<>]*", re.IGNORECASE)
_HTTP_EQUIV_LANGUAGE = re.compile(r"""http-equiv\s*=\s*["']?content-language["']?""", re.IGNORECASE)
_CONTENT_ATTR = re.compile(r"""content\s*=\s*["']?\s*([A-Za-z]{2,3})(?![A-Za-z])""", re.IGNORECASE)
_DOCUMENT_TAG = re.compile(r"<(?:!doctype\s+html|html)\b", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"<\?xml\b[^>]*>", re.IGNORECASE)
_COMMON_TAG = re.compile(
    r"</?(?:html|head|body|p|div|span|a|br|h[1-6]|article|section|header|footer|nav|main|ul|ol|li|table|tr|td|meta|link|script|style|title|img|strong|em|b|i)\b[^<>]*>",
    re.IGNORECASE,
)


def declared_charset(data: bytes) -> str | None:
    """The charset the page declares for itself, if any (looked for in the first 4 KB)."""
    head = data[:4096]
    m = _XML_ENCODING.search(head)
    if m is None:
        for tag in _META_TAG.finditer(head):
            m = _CHARSET_ATTR.search(tag.group(0))
            if m:
                break
    return m.group(1).decode("ascii").lower() if m else None


def _document_start(sample: str) -> bool:
    """A doctype or <html> at the top, after whitespace, comments and one XML declaration.
    A plain scan: the regular expression it replaces backtracked exponentially on many comments."""
    pos = 0
    declared = False
    while True:
        while pos < len(sample) and sample[pos].isspace():
            pos += 1
        if sample.startswith("<!--", pos):
            end = sample.find("-->", pos + 4)
            if end == -1:
                return False
            pos = end + 3
            continue
        if not declared:
            m = _XML_DECLARATION.match(sample, pos)
            if m:
                declared = True
                pos = m.end()
                continue
        return bool(_DOCUMENT_TAG.match(sample, pos))


def looks_like_html(sample: str) -> bool:
    """A doctype or <html> at the top, or markup that is mostly HTML tags."""
    if _document_start(sample):
        return True
    tags = _COMMON_TAG.findall(sample[:SNIFF_CHARS])
    if len(tags) >= 20:
        return True
    return len(tags) >= 5 and sample.lstrip().startswith("<")


def _stated_language(html: str) -> str | None:
    head = html[:SNIFF_CHARS]
    for tag in _HTML_TAG.finditer(head):
        m = _LANG_ATTR.search(tag.group(0))
        if m:
            return m.group(1).lower()
    for tag in _META_TEXT_TAG.finditer(head):
        equiv = _HTTP_EQUIV_LANGUAGE.search(tag.group(0))
        m = _CONTENT_ATTR.search(tag.group(0), equiv.end()) if equiv else None
        if m:
            return m.group(1).lower()
    return None


def _extract(html: str, url: str | None) -> tuple[str, dict[str, Any]]:
    """(main text, metadata) from trafilatura, falling back to its simpler extractors
    for fragments and broken pages that the main algorithm gives up on."""
    import trafilatura

    meta: dict[str, Any] = {}
    text = ""
    with warnings.catch_warnings():
        # lxml deprecation chatter from inside trafilatura is not the user's business
        warnings.simplefilter("ignore")
        try:
            result = trafilatura.bare_extraction(
                html, url=url, with_metadata=True, include_comments=False, include_tables=True,
                # Dates only from the page's markup (meta tags, <time>, URL), never guessed from
                # body text: a footer "© 2024" must not become a publication date.
                date_extraction_params={"extensive_search": False, "original_date": True},
            )
        except Exception:  # a parser crash on hostile markup is "no text", not a traceback
            result = None
        if result is not None:
            data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
            text = data.get("text") or ""
            meta = {
                "title": data.get("title"),
                "author": data.get("author"),
                "published": data.get("date"),
                "url": data.get("url"),
                "site_name": data.get("sitename"),
            }
        for fallback in (_baseline, _html2txt):
            if text.strip():
                break
            text = fallback(html)
    return text, {k: v.strip() for k, v in meta.items() if isinstance(v, str) and v.strip()}


def _baseline(html: str) -> str:
    import trafilatura

    try:
        return trafilatura.baseline(html)[1] or ""
    except Exception:
        return ""


def _html2txt(html: str) -> str:
    import trafilatura

    try:
        return trafilatura.html2txt(html) or ""
    except Exception:
        return ""


def _starts_with_title(text: str, title: str) -> bool:
    def squash(s: str) -> str:
        return " ".join(s.split()).casefold()

    return squash(text[: len(title) * 2 + 20]).startswith(squash(title))


def html_document(html: str, *, source: str, encoding: str | None, url: str | None = None) -> Document:
    """One Document from an HTML page. The text is the title, a blank line and the main
    text, so that the title has offsets too (unless the main text already begins with it)."""
    # lxml refuses str input that carries an XML encoding declaration; the bytes are decoded already.
    cleaned = re.sub(r"^\s*<\?xml\b[^>]*>", "", html, count=1)
    body, meta = _extract(cleaned, url)
    if not body.strip():
        raise InputError(f"{source}: no article text found in this HTML page")
    title = meta.get("title")
    text = body if not title or _starts_with_title(body, title) else f"{title}\n\n{body}"
    metadata: dict[str, Any] = {"source": source, "source_format": "html"}
    if encoding:
        metadata["encoding"] = encoding
    metadata.update(meta)
    if url and "url" not in metadata:
        metadata["url"] = url
    language = _stated_language(html)
    if language:
        metadata["language"] = language
    return Document(text, metadata=metadata)
