"""The outlets a document was matched with (layer and group ``outlets``, from the user's outlets file) as
the HTML report shows them: a short box near the provenance, each outlet with its labels and the links
that back them.

The labels' sources come from a file, and through a stored Document from anyone: a source becomes a
link only when it is an http(s) URL with a host and no space or control character (no ``javascript:``,
``data:`` or relative URL); otherwise it is shown as text. The template escapes every value.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..model import Document

MAX_LABELS = 20
MAX_CHARS = 300


def safe_href(url: Any) -> str | None:
    """``url`` when it is fit for an ``href``: http or https, a host, no whitespace or control character."""
    if not isinstance(url, str) or not url or len(url) > 2000:
        return None
    if any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def _text(value: Any, limit: int = MAX_CHARS) -> str:
    text = value if isinstance(value, str) else "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def outlets_view(doc: Document) -> list[dict[str, Any]]:
    """One dict per matched outlet: ``outlet``, ``country``, ``roles`` (as words), ``mentions``,
    ``labels`` (each ``label``, ``source`` as text and ``href`` or None). Empty without the layer."""
    out = []
    for g in doc.groups.get("outlets", []):
        attrs = g.attrs if isinstance(g.attrs, dict) else {}
        sources = attrs.get("label_sources") if isinstance(attrs.get("label_sources"), dict) else {}
        labels = [lab for lab in attrs.get("labels") or [] if isinstance(lab, str)][:MAX_LABELS]
        roles = [str(r).replace("_", " ") for r in attrs.get("roles") or [] if isinstance(r, str)]
        out.append({
            "outlet": _text(g.label, 200),
            "country": _text(attrs.get("country"), 60) or None,
            "roles": ", ".join(roles),
            "mentions": len(g.span_ids),
            "labels": [{"label": _text(lab), "source": _text(sources.get(lab), 500) or None,
                        "href": safe_href(sources.get(lab))} for lab in labels],
        })
    return out
