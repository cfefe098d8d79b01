"""Search, the part both backends share: the query language, the filters, snippets and matches.

A query is parsed here, never passed through (:func:`parse_query`: ``"exact phrase"``, ``word``,
``pref*``), so no query is an SQL or full-text syntax error; each backend turns the
:class:`Term` list into its own full-text condition (SQLite: :func:`fts_query`). The search
filters become the same WHERE clauses on both (:func:`filter_clauses`). Snippets and match offsets
are found in the stored text by :func:`find_matches`, which folds case and diacritics as the
indexes do (:func:`fold`), so a hit's offsets index ``Document.text`` exactly.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

from .base import SearchHit, StoreError
from .rows import bound_from, bound_to

SEARCH_FILTERS = ("language", "source", "date_from", "date_to", "narrative", "technique", "entity", "role", "outlet_label")


def filter_clauses(filters: dict[str, Any], mark: str = "?") -> tuple[list[str], list[Any]]:
    """The WHERE conditions of the search filters over ``documents d`` (labels through ``doc_labels``),
    with ``mark`` as the parameter placeholder of the backend, and their parameters."""
    unknown = set(filters) - set(SEARCH_FILTERS)
    if unknown:
        raise TypeError(f"unknown search filter(s): {', '.join(sorted(unknown))}")
    clauses: list[str] = []
    params: list[Any] = []
    if filters.get("language"):
        clauses.append(f"d.language = {mark}")
        params.append(str(filters["language"]).lower())
    if filters.get("source"):
        clauses.append(f"d.source = {mark}")
        params.append(filters["source"])
    if filters.get("date_from") is not None:
        low = bound_from(filters["date_from"])
        if low is None:
            raise StoreError(f"date_from: not a date: {filters['date_from']!r}")
        clauses.append(f"d.published >= {mark}")
        params.append(low)
    if filters.get("date_to") is not None:
        high = bound_to(filters["date_to"])
        if high is None:
            raise StoreError(f"date_to: not a date: {filters['date_to']!r}")
        clauses.append(f"d.published <= {mark}" if high[1] else f"d.published < {mark}")
        params.append(high[0])
    has_label = "EXISTS (SELECT 1 FROM doc_labels l WHERE l.doc_id = d.id AND l.kind = {kind} AND l.label = {mark}{more})"
    for kind in ("narrative", "technique", "outlet_label"):
        if filters.get(kind):
            clauses.append(has_label.format(kind=mark, mark=mark, more=""))
            params += [kind, filters[kind]]
    entity, role = filters.get("entity"), filters.get("role")
    if entity and role:
        clauses.append(has_label.format(kind="'role'", mark=mark, more=f" AND l.entity = {mark}"))
        params += [role, entity]
    elif entity:
        clauses.append(has_label.format(kind="'entity'", mark=mark, more=""))
        params.append(entity)
    elif role:
        clauses.append(has_label.format(kind="'role'", mark=mark, more=""))
        params.append(role)
    return clauses, params


# Scripts written without spaces between words: each character is indexed as its own token, so a
# search for 北京 is the phrase "北 京" and finds it inside 我爱北京天安门.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_CJK_RE = re.compile(f"([{_CJK}])")
_WORD_RE = re.compile(r"[^\W_]+")
_QUERY_RE = re.compile(r'"([^"]*)"?|(\S+)')


def split_cjk(text: str) -> str:
    """Spaces around CJK characters, for the full-text index only (the stored text is untouched)."""
    return _CJK_RE.sub(r" \1 ", text) if _CJK_RE.search(text) else text


@dataclass(frozen=True)
class Term:
    """All words in order (a phrase when more than one); ``prefix``: the last word is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


def parse_query(query: str | None) -> list[Term]:
    """``"exact phrase"``, ``word``, ``pref*``; punctuation separates words as the index does.
    FTS syntax in the query is never passed through, so no query is an SQL or FTS error."""
    terms: list[Term] = []
    for phrase, bare in _QUERY_RE.findall(query or ""):
        chunk = phrase if phrase else bare
        prefix = not phrase and chunk.endswith("*")
        words = tuple(w for part in _WORD_RE.findall(chunk) for w in split_cjk(part).split())
        if words:
            terms.append(Term(words, prefix and not _CJK_RE.fullmatch(words[-1])))
    return terms


def fts_query(terms: list[Term]) -> str:
    """An FTS5 MATCH expression: every term required; words hold only letters and digits."""
    return " ".join('"' + " ".join(t.words) + '"' + ("*" if t.prefix else "") for t in terms)


def fold(text: str) -> str:
    """Case- and diacritics-insensitive form of a word (what the index compares)."""
    return "".join(_fold_char(c) for c in text)


_FOLD_CACHE: dict[str, str] = {}


def _fold_char(c: str) -> str:
    out = _FOLD_CACHE.get(c)
    if out is None:
        out = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch)).casefold()
        if len(_FOLD_CACHE) < 100_000:
            _FOLD_CACHE[c] = out
    return out


def folded_with_map(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, unless it is the identity, the original index of each folded char."""
    if text.isascii():
        return text.lower(), None
    parts: list[str] = []
    index: list[int] = []
    for i, c in enumerate(text):
        f = _fold_char(c)
        parts.append(f)
        index.extend([i] * len(f))
    return "".join(parts), index


def _term_pattern(term: Term) -> re.Pattern[str]:
    pieces = []
    for w in term.words:
        fw = re.escape(fold(w))
        pieces.append(fw)
    # between words: separators, or nothing next to a CJK character (each is a token of its own)
    glue = [r"[\W_]*" if _CJK_RE.fullmatch(a) or _CJK_RE.fullmatch(b) else r"[\W_]+"
            for a, b in zip(term.words, term.words[1:])]
    body = pieces[0] + "".join(g + p for g, p in zip(glue, pieces[1:]))
    letter = f"[^\\W_{_CJK}]"  # a word character that is not CJK
    before = "" if _CJK_RE.fullmatch(term.words[0]) else f"(?<!{letter})"
    after = "" if _CJK_RE.fullmatch(term.words[-1]) else (f"{letter}*" if term.prefix else f"(?!{letter})")
    return re.compile(before + body + after)


SCAN_CHUNK = 50_000  # characters folded at a time while looking for a snippet
SCAN_OVERLAP = 1_000
MAX_SCAN = 1_000_000  # a snippet is looked for in the first million characters


def find_matches(text: str, terms: list[Term], limit: int = 200, *, first_chunk: bool = False) -> list[tuple[int, int]]:
    """Offsets into ``text`` of the terms' occurrences, sorted, at most ``limit``. The text is
    folded chunk by chunk; with ``first_chunk``, the scan stops at the first chunk with a match
    (enough for a snippet, and fast on a long article)."""
    if not terms or not text:
        return []
    patterns = [_term_pattern(t) for t in terms]
    found: set[tuple[int, int]] = set()
    pos = 0
    while pos < min(len(text), MAX_SCAN):
        lo = max(0, pos - 1)  # one character before, for the word-boundary look-behind
        hi = min(len(text), pos + SCAN_CHUNK + SCAN_OVERLAP)
        folded, index = folded_with_map(text[lo:hi])
        for pattern in patterns:
            for m in pattern.finditer(folded):
                if m.end() == m.start():
                    continue
                a, b = (m.start(), m.end()) if index is None else (index[m.start()], index[m.end() - 1] + 1)
                if pos <= lo + a < pos + SCAN_CHUNK:  # the chunk's own; the overlap only completes them
                    found.add((lo + a, lo + b))
                if len(found) >= limit * 4:
                    break
        if found and (first_chunk or len(found) >= limit):
            break
        pos += SCAN_CHUNK
    return sorted(found)[:limit]


def make_snippet(
    text: str, terms: list[Term], *, width: int = 240
) -> tuple[str, int, int, list[tuple[int, int]]]:
    """(snippet, start, end, matches inside it): the region around the first match (or the start
    of the text), cut at spaces where possible; ``text[start:end] == snippet``."""
    matches = find_matches(text, terms, first_chunk=True)
    if matches:
        first_start, first_end = matches[0]
        start = max(0, first_start - width // 3)
        end = min(len(text), max(first_end, start + width))
    else:
        start, end = 0, min(len(text), width)
    if start > 0:  # begin after a space, if one is near and before the match
        cut = text.rfind(" ", start, start + 30)
        limit_ = matches[0][0] if matches else end
        if cut != -1 and cut + 1 <= limit_:
            start = cut + 1
    if end < len(text):
        cut = text.rfind(" ", end - 30, end)
        need = matches[0][1] if matches else start
        if cut != -1 and cut >= need:
            end = cut
    inside = [(a, b) for a, b in matches if a >= start and b <= end]
    return text[start:end], start, end, inside


def search_hits(rows: Iterable[tuple], terms: list[Term]) -> list[SearchHit]:
    """SearchHits from rows of (id, title, published, source, language, url, Document JSON, score):
    the snippet and match offsets come from the stored text."""
    hits = []
    for doc_id, title, published, source, language, url, payload, score in rows:
        text = json.loads(payload)["text"]
        snippet, start, end, matches = make_snippet(text, terms)
        hits.append(SearchHit(doc_id, title, snippet, start, end, matches, round(float(score), 6),
                              published, source, language, url))
    return hits

