"""Claim matching: the same claim in several documents, and claims that were already checked elsewhere.

Two uses:

* :func:`match_documents` — near-duplicate and paraphrased claims across a set of analysed documents
  (their ``claims`` layer, or every prose sentence when a document has none);
* :func:`match_references` — claims of the documents against a user-supplied list of previously checked
  claims, read by :func:`load_references` from ClaimReview JSON-LD (schema.org ``ClaimReview``:
  ``claimReviewed``, ``reviewRating.alternateName``, ``url``, ``author``; one object, a list, or an
  ``@graph``; ``ClaimReview`` nested in other objects is found too) or from a simple CSV with a ``claim``
  column (or ``title``) and optional ``verdict``, ``url``, ``source`` (or ``id``/``outlets``) columns.

Similarity (``method``):

* ``"char"`` — cosine of hashed character 3-5-gram tf vectors (``char_wb``, lower-cased, digits kept) after
  light normalisation (quotes, dashes, whitespace). Near-duplicates score > 0.8, light edits 0.6–0.8.
* ``"words"`` — cosine of hashed word uni+bigrams over content words (stop words removed): catches reordered
  paraphrases sharing their key words.
* ``"embedding"`` (mode ``"default"``) — cosine of multilingual-e5-small sentence embeddings (``query:``-free
  ``passage:`` vectors from :mod:`narrascope.models.embeddings`), for paraphrases with different wording
  and other languages. Only pairs whose lexical score is at least ``embedding_floor`` are embedded when the
  candidate list is large, so matching stays cheap.

A pair is a match when ``char ≥ CHAR_THRESHOLD`` (0.55) or ``words ≥ WORD_THRESHOLD`` (0.5), or, in default
mode, ``embedding ≥ EMBED_THRESHOLD`` (0.93; e5 cosines between unrelated English sentences sit around
0.75–0.85, so the bar is high) together with some lexical overlap (``words ≥ 0.2``).
``score`` is the highest of the method scores that passed, ``method`` names it. The thresholds were set on
constructed paraphrase pairs written for the tests (never on a data set) and favour precision.

Between documents, a second tier catches the same claim retold in other words: ``"anchors"`` — the two
sentences share at least ``MIN_SHARED_ANCHORS`` specifics (numbers, and the *canonical* names of the
entities the ``entities`` layer found, so "Britain" and "the UK" are one anchor; quoted phrases), and are
close in meaning (e5 cosine ≥ ``ANCHORED_EMBED_THRESHOLD`` = 0.88, above the 0.75–0.85 band of unrelated
sentences, in default mode; content-word cosine ≥ ``ANCHORED_WORD_THRESHOLD`` = 0.25 in fast mode). Such a
match is reported with ``tier: "related"`` (the same event or claim, retold) rather than ``"same"``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError

CHAR_THRESHOLD = 0.55
WORD_THRESHOLD = 0.50
EMBED_THRESHOLD = 0.93
EMBED_MIN_WORDS = 0.20
MIN_SHARED_ANCHORS = 2
ANCHORED_EMBED_THRESHOLD = 0.88
ANCHORED_WORD_THRESHOLD = 0.25

_STOP = set("""a an the of in on at to for from by with and or but is are was were be been being has have had
this that these those it its their his her they he she we our you your as than then so such which who whom
whose what when where there here not no also only just will would can could should may might must do does did
said says according""".split())


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


@dataclass
class ClaimItem:
    """A claim in a document: its text and offsets."""

    doc_id: str
    start: int
    end: int
    text: str
    score: float = 1.0
    anchors: frozenset = frozenset()


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
                                 f"claim[,verdict,url,source])")
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


# ---- similarity -------------------------------------------------------------------------------------------------
def normalise(text: str) -> str:
    t = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    t = re.sub(r"[\u2010-\u2015]", "-", t)
    t = re.sub(r"\s+", " ", t).strip().lower()
    return t


def _content(text: str) -> str:
    return " ".join(w for w in re.findall(r"[\w'-]+", normalise(text)) if w not in _STOP and len(w) > 1)


def _vectors(texts: Sequence[str], kind: str):
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.preprocessing import normalize

    if kind == "char":
        v = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), n_features=2**20, alternate_sign=False,
                              norm=None, lowercase=False)
        X = v.transform([normalise(t) for t in texts])
    else:
        v = HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=2**20, alternate_sign=False,
                              norm=None, lowercase=False, token_pattern=r"\S+")
        X = v.transform([_content(t) for t in texts])
    X.data = np.log1p(X.data)
    return normalize(X)


def similarity_matrices(a: Sequence[str], b: Sequence[str], embeddings: bool = False,
                        embed_pairs_limit: int = 20000, embedding_floor: float = 0.15) -> dict[str, np.ndarray]:
    """Cosine matrices (len(a) × len(b)) for each method. With ``embeddings`` the e5 cosine is computed for
    every pair when ``len(a) * len(b) <= embed_pairs_limit``, else only for texts in pairs whose best lexical
    score reaches ``embedding_floor`` (others get 0)."""
    a, b = list(a), list(b)
    if not a or not b:
        z = np.zeros((len(a), len(b)))
        return {"char": z, "words": z.copy(), **({"embedding": z.copy()} if embeddings else {})}
    Ca, Cb = _vectors(a, "char"), _vectors(b, "char")
    Wa, Wb = _vectors(a, "words"), _vectors(b, "words")
    out = {"char": (Ca @ Cb.T).toarray(), "words": (Wa @ Wb.T).toarray()}
    if embeddings:
        from .models.embeddings import get_embedder

        E = np.zeros((len(a), len(b)), dtype=np.float64)
        lex = np.maximum(out["char"], out["words"])
        if len(a) * len(b) <= embed_pairs_limit:
            ia, ib = np.arange(len(a)), np.arange(len(b))
        else:
            ia = np.flatnonzero(lex.max(1) >= embedding_floor)
            ib = np.flatnonzero(lex.max(0) >= embedding_floor)
        if len(ia) and len(ib):
            emb = get_embedder()
            Va = emb.passages([a[i] for i in ia])
            Vb = emb.passages([b[j] for j in ib])
            E[np.ix_(ia, ib)] = Va @ Vb.T
        out["embedding"] = E
    return out


def _decide(sims: dict[str, np.ndarray], i: int, j: int) -> tuple[float, str] | None:
    passed = []
    if sims["char"][i, j] >= CHAR_THRESHOLD:
        passed.append((float(sims["char"][i, j]), "char"))
    if sims["words"][i, j] >= WORD_THRESHOLD:
        passed.append((float(sims["words"][i, j]), "words"))
    if "embedding" in sims and sims["embedding"][i, j] >= EMBED_THRESHOLD and sims["words"][i, j] >= EMBED_MIN_WORDS:
        passed.append((float(sims["embedding"][i, j]), "embedding"))
    return max(passed) if passed else None


# ---- claims of documents ----------------------------------------------------------------------------------------
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_QUOTED = re.compile(r"[\"\u201c\u00ab]([^\"\u201d\u00bb]{6,80})[\"\u201d\u00bb]")


def claim_anchors(doc, start: int, end: int) -> frozenset:
    """Specifics of ``doc.text[start:end]``: numbers, canonical entity names (from ``groups.entities``) and
    quoted phrases, lower-cased."""
    text = doc.text[start:end]
    out = {"#" + n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}
    by_span = {sid: g.label for g in doc.groups.get("entities", []) for sid in g.span_ids}
    for s in doc.spans("entities"):
        if start <= s.start and s.end <= end:
            out.add("@" + by_span.get(s.id, doc.text[s.start:s.end]).lower())
    out.update("\"" + normalise(q) for q in _QUOTED.findall(text))
    return frozenset(out)


def document_claims(doc, all_sentences: bool = False) -> list[ClaimItem]:
    """The claims of an analysed document (its ``claims`` layer), or its prose sentences when it has none
    (or with ``all_sentences``)."""
    spans = [] if all_sentences else doc.spans("claims")
    if spans:
        return [ClaimItem(doc.id, s.start, s.end, doc.text[s.start:s.end], s.score,
                          claim_anchors(doc, s.start, s.end)) for s in spans]
    from .analyzers.prose import prose, prose_sentences

    _, ranges = prose(doc)
    return [ClaimItem(doc.id, a, b, doc.text[a:b], anchors=claim_anchors(doc, a, b))
            for a, b in prose_sentences(doc, ranges) if len(doc.text[a:b].split()) >= 4]


def _decide_anchored(sims: dict[str, np.ndarray], i: int, j: int, shared: int) -> tuple[float, str] | None:
    if shared < MIN_SHARED_ANCHORS:
        return None
    if "embedding" in sims and sims["embedding"][i, j] >= ANCHORED_EMBED_THRESHOLD:
        return float(sims["embedding"][i, j]), "anchors+embedding"
    if sims["words"][i, j] >= ANCHORED_WORD_THRESHOLD:
        return float(sims["words"][i, j]), "anchors+words"
    return None


def _min_words_ok(a: str, b: str) -> bool:
    return len(_content(a).split()) >= 3 and len(_content(b).split()) >= 3


def match_documents(docs: Sequence, mode: str = "fast", all_sentences: bool = False) -> list[dict[str, Any]]:
    """Claims shared by two different documents. Each match: ``score``, ``method``, ``scores`` (all
    methods), and ``a``/``b``: ``{doc_id, start, end, text}`` (offsets into each document's text)."""
    items = [c for d in docs for c in document_claims(d, all_sentences)]
    texts = [c.text for c in items]
    sims = similarity_matrices(texts, texts, embeddings=(mode == "default"))
    out = []
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if items[i].doc_id == items[j].doc_id or not _min_words_ok(texts[i], texts[j]):
                continue
            d = _decide(sims, i, j)
            tier = "same"
            shared = items[i].anchors & items[j].anchors
            if d is None:
                d = _decide_anchored(sims, i, j, len(shared))
                tier = "related"
            if d is None:
                continue
            out.append({"score": round(d[0], 4), "method": d[1], "tier": tier,
                        "shared": sorted(x.lstrip("#@\"") for x in shared),
                        "scores": {k: round(float(v[i, j]), 4) for k, v in sims.items()},
                        "a": _item_dict(items[i]), "b": _item_dict(items[j])})
    out.sort(key=lambda m: (m["tier"] != "same", -m["score"]))
    return out


def _item_dict(c: ClaimItem) -> dict[str, Any]:
    return {"doc_id": c.doc_id, "start": c.start, "end": c.end, "text": c.text}


def match_references(docs_or_texts: Sequence, references: Sequence[Reference] | str | Path, mode: str = "fast",
                     top_k: int = 3, all_sentences: bool = False) -> list[dict[str, Any]]:
    """Claims of ``docs_or_texts`` (analysed Documents, or plain strings taken as claims) that match
    previously checked claims (a list of :class:`Reference` or a path for :func:`load_references`).
    Each match: ``score``, ``method``, ``scores``, ``claim`` (``{doc_id, start, end, text}``; offsets into
    the document, or into the string) and ``reference`` (``{claim, verdict, url, source}``); at most
    ``top_k`` references per claim, best first."""
    refs = load_references(references) if isinstance(references, (str, Path)) else list(references)
    items: list[ClaimItem] = []
    for k, d in enumerate(docs_or_texts):
        if isinstance(d, str):
            items.append(ClaimItem(f"text{k}", 0, len(d), d))
        else:
            items.extend(document_claims(d, all_sentences))
    if not items or not refs:
        return []
    sims = similarity_matrices([c.text for c in items], [r.claim for r in refs], embeddings=(mode == "default"))
    out = []
    for i, c in enumerate(items):
        lex = np.maximum(sims["char"][i], sims["words"][i])
        if "embedding" in sims:
            lex = np.maximum(lex, sims["embedding"][i])
        found = []
        for j in np.argsort(-lex, kind="stable")[: max(top_k * 5, 10)]:
            if not _min_words_ok(c.text, refs[j].claim):
                continue
            d = _decide(sims, i, int(j))
            if d is not None:
                found.append((d, int(j)))
        found.sort(key=lambda x: -x[0][0])
        for (score, method), j in found[:top_k]:
            out.append({"score": round(score, 4), "method": method,
                        "scores": {k: round(float(v[i, j]), 4) for k, v in sims.items()},
                        "claim": _item_dict(c), "reference": refs[j].to_dict()})
    out.sort(key=lambda m: -m["score"])
    return out
