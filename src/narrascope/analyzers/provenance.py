"""Where the article came from: original-source and aggregator URLs, other links, disclaimers
and boilerplate, summarised in ``metadata["provenance"]``.

The structure analyzer has already classified lines (source_link, disclaimer, boilerplate);
this one turns them into provenance findings with their evidence and resolves URLs to domains
and known aggregators/platforms (``data/provenance.json``).

Bounded work: URLs are read from :func:`narrascope.text.analysis_text` in one linear regex pass, each
looked up in the source lines by bisection; a host longer than a DNS name can be (253 characters) is no
domain, so the parent-domain walk is bounded too.
"""

from __future__ import annotations

import bisect
import functools
from urllib.parse import urlsplit

from ..model import Document
from ..pipeline import register_analyzer
from ..resources import load_json
from ..text import analysis_text
from .base import Analyzer
from .prose import URL_RE, clean_url_end


@functools.cache
def _aggregators() -> dict[str, dict]:
    return {a["domain"]: a for a in load_json("provenance.json")["aggregators"]}


MAX_HOST_CHARS = 253  # the longest DNS name


def url_domain(url: str) -> str:
    """Host of a URL without 'www.' (URLs without a scheme are read as http); "" when there is none, or when
    it is longer than any DNS name (so that looking up its parents stays bounded)."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = (parts.hostname or "").lower()
    except ValueError:  # "http://[::1" and other malformed hosts
        return ""
    if len(host) > MAX_HOST_CHARS:
        return ""
    return host[4:] if host.startswith("www.") else host


def aggregator_for(domain: str) -> dict | None:
    """The known aggregator/platform whose domain is ``domain`` or a parent of it."""
    table = _aggregators()
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in table:
            return table[candidate]
    return None


@register_analyzer("provenance")
class ProvenanceAnalyzer(Analyzer):
    name = "provenance"
    requires = ("structure",)
    produces = ("provenance",)
    version = "1"

    def __call__(self, doc: Document) -> Document:
        text = analysis_text(doc.text)
        structure = doc.spans("structure")
        source_lines = [s for s in structure if s.label == "source_link"]
        ordered = all(a.end <= b.start for a, b in zip(source_lines, source_lines[1:]))
        line_starts = [s.start for s in source_lines]
        summary: dict = {"urls": []}

        for m in URL_RE.finditer(text):
            start, end = m.start(), clean_url_end(text, m.start(), m.end())
            url = text[start:end]
            domain = url_domain(url)
            if not domain or "." not in domain:
                continue
            if ordered:  # the line holding the URL, by bisection (lines are sorted and disjoint)
                k = bisect.bisect_right(line_starts, start) - 1
                line = source_lines[k] if k >= 0 and start < source_lines[k].end else None
            else:
                line = next((s for s in source_lines if s.start <= start < s.end), None)
            agg = aggregator_for(domain)
            attrs = {"url": url, "domain": domain}
            if agg:
                attrs.update(platform=agg["name"], platform_kind=agg["kind"], platform_country=agg["country"])
            if line is not None:
                label = "original_source"
                attrs["cue"] = line.attrs.get("cue", "")
                attrs["reason"] = f"link given after '{attrs['cue']}'"
                if agg:
                    # The "original" the repost points to is itself on an aggregator: the chain goes on.
                    attrs["note"] = f"the cited original is hosted on {agg['name']} ({agg['kind']}), not a primary outlet"
            elif agg:
                label = "aggregator_url"
                attrs["reason"] = f"{domain} is {agg['name']}, a {agg['kind']}"
            else:
                label = "url"
            doc.add_span("provenance", start, end, label, score=1.0, source=self.name, attrs=attrs)
            summary["urls"].append({"url": url, "role": label, "domain": domain})
            if label == "original_source" and "original_source_url" not in summary:
                summary["original_source_url"] = url
                summary["original_source_domain"] = domain
                if agg:
                    summary["aggregator"] = agg["name"]

        for span in structure:
            if span.label in ("disclaimer", "boilerplate"):
                doc.add_span(
                    "provenance", span.start, span.end, span.label, score=span.score, source=self.name,
                    attrs={"reason": "publisher or aggregator text, not the author's" if span.label == "disclaimer"
                           else "site furniture (subscribe, share, related links)"},
                )
                summary.setdefault(span.label + "s", []).append(text[span.start : span.end])

        for key in ("title", "author", "published", "site_name", "url"):
            if doc.metadata.get(key):
                summary[key] = doc.metadata[key]
        doc.metadata["provenance"] = summary
        return doc
