"""Previously checked claims, as ``narrascope match --against FILE`` reads them: ClaimReview JSON-LD
(schema.org ``ClaimReview``: ``claimReviewed``, ``reviewRating.alternateName``, ``url``, ``author``; one
object, a list, or an ``@graph``; nested objects too) or a CSV with a ``claim`` (or ``title``) column and
optional ``verdict``, ``url``, ``source`` (or ``id``/``outlets``) columns. :mod:`narrascope.claim_matching`
matches the documents' claims against them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError


class ReferenceFileError(InputError):
    """A file of previously checked claims that cannot be read."""


@dataclass
class Reference:
    """A previously checked claim."""

    claim: str
    verdict: str = ""
    url: str = ""
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim, "verdict": self.verdict, "url": self.url, "source": self.source}


# ---- reading references --------------------------------------------------------------------------------------
def _as_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, dict):
        return _as_text(v.get("name") or v.get("url") or v.get("@id") or "")
    if isinstance(v, list):
        return ", ".join(t for t in (_as_text(x) for x in v) if t)
    return str(v)


def _is_claim_review(obj: dict) -> bool:
    t = obj.get("@type")
    types = t if isinstance(t, list) else [t]
    return any(isinstance(x, str) and x.split("/")[-1].split(":")[-1] == "ClaimReview" for x in types)


def _walk(obj: Any) -> Iterable[dict]:
    if isinstance(obj, dict):
        if _is_claim_review(obj):
            yield obj
            return
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


def parse_claimreview(data: Any) -> list[Reference]:
    """References from parsed ClaimReview JSON-LD (an object, a list, or an ``@graph``)."""
    out = []
    for obj in _walk(data):
        claim = _as_text(obj.get("claimReviewed"))
        if not claim:
            item = obj.get("itemReviewed")
            if isinstance(item, dict):
                claim = _as_text(item.get("text") or item.get("name"))
        if not claim:
            continue
        rating = obj.get("reviewRating") or {}
        if isinstance(rating, list):
            rating = rating[0] if rating else {}
        verdict = _as_text(rating.get("alternateName") or rating.get("name")) if isinstance(rating, dict) else ""
        if not verdict and isinstance(rating, dict) and rating.get("ratingValue") is not None:
            verdict = f"{rating.get('ratingValue')}/{rating.get('bestRating', '?')}"
        out.append(Reference(claim, verdict, _as_text(obj.get("url")), _as_text(obj.get("author")),
                             {"date": _as_text(obj.get("datePublished"))}))
    return out


_CLAIM_COLS = ("claim", "claimreviewed", "claim_reviewed", "title", "text")
_VERDICT_COLS = ("verdict", "rating", "label", "alternatename")
_URL_COLS = ("url", "link", "id")
_SOURCE_COLS = ("source", "author", "publisher", "outlets")


def parse_csv(text: str, name: str = "<csv>") -> list[Reference]:
    """References from CSV text with a ``claim`` (or ``title``) column and optional verdict/url/source."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ReferenceFileError(f"{name}: empty file")
    header = [h.strip().lower() for h in rows[0]]

    def col(options):
        return next((header.index(c) for c in options if c in header), None)

    ic = col(_CLAIM_COLS)
    if ic is None:
        raise ReferenceFileError(f"{name}: no 'claim' column (found: {', '.join(header) or 'none'}; expected "
                                 f"claim or title[,verdict,url,source])")
    iv, iu, is_ = col(_VERDICT_COLS), col(_URL_COLS), col(_SOURCE_COLS)
    out = []
    for r in rows[1:]:
        get = lambda i: r[i].strip() if i is not None and i < len(r) else ""  # noqa: E731
        claim = get(ic)
        if claim:
            out.append(Reference(claim, get(iv), get(iu), get(is_)))
    return out


def load_references(path: str | Path) -> list[Reference]:
    """Previously checked claims from a ClaimReview JSON-LD file (``.json``/``.jsonld``, or any file whose
    content starts with ``{``/``[``) or a CSV file."""
    p = Path(path)
    if not p.is_file():
        raise ReferenceFileError(f"{p}: no such file")
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReferenceFileError(f"{p}: not UTF-8 text") from None
    except OSError as exc:
        raise ReferenceFileError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReferenceFileError(f"{p}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        refs = parse_claimreview(data)
        if not refs:
            raise ReferenceFileError(f"{p}: no ClaimReview object with a claimReviewed text")
        return refs
    refs = parse_csv(text, str(p))
    if not refs:
        raise ReferenceFileError(f"{p}: no claims in the file")
    return refs
