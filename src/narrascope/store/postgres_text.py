"""Text as PostgreSQL holds and searches it: storable text, the full-text vector built in Python,
and the tsquery values a search asks with.

PostgreSQL text cannot hold NUL or lone surrogates: :func:`pg_text` makes them U+FFFD in the
columns, :func:`document_json` keeps them exact as JSON escapes, and :func:`text_key` hashes text
too long for a btree index into a fixed-size key. The ``tsvector`` of a document is built here
(:func:`build_index`), title with weight A and text with weight B, from the tokens the snippet
matcher and SQLite's plain index see (:func:`tokens`), so results do not depend on the server's
locale or text-search configuration. A search's terms become tsquery values here
(:func:`tsqueries`), never the user's own syntax.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from ..model import Document
from .query import Term, fold, split_cjk

# -- text PostgreSQL can hold ----------------------------------------------------------------------

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def pg_text(value: Any) -> Any:
    """NUL and lone surrogates (which PostgreSQL text cannot hold) become U+FFFD, one each."""
    if isinstance(value, str) and UNSTORABLE.search(value):
        return UNSTORABLE.sub("\ufffd", value)
    return value


def document_json(doc: Document) -> str:
    """Compact JSON, non-ASCII kept as is; escaped where the text holds lone surrogates. JSON
    escapes control characters, so NUL is stored as \\u0000 and the Document comes back exact."""
    payload = json.dumps(doc.to_dict(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if UNSTORABLE.search(payload):  # only lone surrogates can be left: NUL is always escaped
        payload = json.dumps(doc.to_dict(), ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return payload


def text_key(*parts: Any) -> str:
    """A fixed-size key for uniqueness over long text (PostgreSQL btree entries are limited to ~2.7 kB)."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=True).encode("ascii")).hexdigest()[:32]


# -- the full-text index, built in Python ----------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
MAX_POSITION = 16383  # PostgreSQL's limits for a tsvector
MAX_POSITIONS = 256
MAX_LEXEME_BYTES = 2046
MAX_VECTOR_BYTES = 1_000_000  # of 1,048,575: lexemes (2-byte aligned) + 2 + 2 per position
RANK_WEIGHTS = "{0.1, 0.2, 0.33, 1.0}"  # D, C, B (text), A (title): a title match counts 3x


def tokens(text: str) -> list[str]:
    """The index's tokens: the text folded (case, diacritics, compatibility forms: :func:`base.fold`,
    as the snippet matcher and SQLite's plain index fold it), then split into words of letters and
    digits, CJK characters one by one. Whitespace separates before and after folding, so the text
    is folded a piece at a time (ASCII pieces only lower-cased)."""
    if text.isascii():
        return _WORD.findall(text.lower())
    out: list[str] = []
    for piece in text.split():
        out += _WORD.findall(piece.lower() if piece.isascii() else split_cjk(fold(piece)))
    return out


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


_POSITIONS = {w: [""] + [f"{p}{w}" for p in range(1, MAX_POSITION + 1)] for w in "AB"}  # "17B", built once


def build_index(title: str, text: str) -> tuple[str, str | None, bool]:
    """(tsvector literal, fts_text, partial). ``fts_text`` (the folded tokens, title and text apart)
    is None unless the vector lacks positions (long texts); ``partial``: it lacks words too."""
    title_tokens, text_tokens = tokens(pg_text(title or "")), tokens(pg_text(text or ""))
    positions: dict[str, list[str]] = {}
    lossy = False
    pos = 0
    for weight, toks in (("A", title_tokens), ("B", text_tokens)):
        table = _POSITIONS[weight]
        room = max(0, MAX_POSITION - pos)
        for tok in toks[:room]:
            pos += 1
            plist = positions.get(tok)
            if plist is None:
                positions[tok] = [table[pos]]
            elif len(plist) < MAX_POSITIONS:
                plist.append(table[pos])
            else:
                lossy = True
        if len(toks) > room:  # past PostgreSQL's last position: the words, without positions
            lossy = True
            for tok in toks[room:]:
                if tok not in positions:
                    positions[tok] = []
        pos += len(toks) - min(room, len(toks)) + 1  # + a gap: a phrase cannot run from the title into the text
    parts: list[str] = []
    size = 0
    partial = False
    for tok, plist in positions.items():
        n = len(tok) if tok.isascii() else len(tok.encode("utf-8"))
        if n > MAX_LEXEME_BYTES:
            partial = True
            continue
        base = n + (n & 1)
        cost = base + (2 + 2 * len(plist) if plist else 0)
        if size + cost > MAX_VECTOR_BYTES:
            lossy = True
            if size + base > MAX_VECTOR_BYTES:
                partial = True
                continue
            plist, cost = [], base
        size += cost
        # a token holds only letters and digits: no quote or backslash to escape
        parts.append(f"'{tok}':" + ",".join(plist) if plist else f"'{tok}'")
    fts_text = None
    if lossy or partial:
        fts_text = " " + " ".join(title_tokens) + " | " + " ".join(text_tokens) + " "
    return " ".join(parts), fts_text, partial



def tsqueries(terms: list[Term]) -> tuple[str, str, list[str], bool] | None:
    """(query with phrases, every word ANDed, needles for fts_text, whether a word is too long for
    the vector); None when no term has a token (nothing can match)."""
    phrases: list[str] = []
    words: list[str] = []
    needles: list[str] = []
    too_long = False
    for term in terms:
        toks = [t for w in term.words for t in tokens(w)]
        if not toks:
            continue
        too_long = too_long or any(len(t.encode("utf-8")) > MAX_LEXEME_BYTES for t in toks)
        lexemes = [_lexeme(t) for t in toks]
        if term.prefix:
            lexemes[-1] += ":*"
        phrases.append("(" + " <-> ".join(lexemes) + ")")
        words += lexemes
        needles.append(" " + " ".join(toks) + ("" if term.prefix else " "))
    if not needles:
        return None
    return " & ".join(phrases), " & ".join(words), needles, too_long
