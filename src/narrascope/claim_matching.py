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
* ``"embedding"`` (mode ``"default"``) — cosine of multilingual-e5-small ``passage:`` vectors
  (:class:`SentenceEncoder`: the encoder package's onnxruntime model, base weights, batched), the best over
  each sentence's :func:`clauses` (the sentence, its clauses, its quoted phrases): for paraphrases with other
  words and other languages. Both lexical matrices are one sparse product each; all pairs are decided with
  matrix masks, so thousands of sentences or references cost seconds.

A pair is ``same`` when ``char ≥ CHAR_THRESHOLD`` (0.55) or ``words ≥ WORD_THRESHOLD`` (0.5), or, in default
mode, ``embedding ≥ EMBED_THRESHOLD`` (0.90: e5 cosines between unrelated sentences sit around 0.75–0.85,
same-topic ones reach 0.89). ``score`` is the highest of the method scores that passed, ``method`` names it.

Between documents (:func:`match_documents`) one side of a pair is a claim of its document, the other any of
its prose sentences (:func:`document_statements`: claims come back as questions and quotations). Two articles
on one topic have many sentence pairs at 0.85–0.91, so an embedding match also needs one side to be the
other's *closest* sentence in its article, and a shared anchor (below) unless the cosine reaches
``EMBED_ALONE_THRESHOLD`` (0.93). A second tier, ``related`` (the same claim or event retold),
catches the rest: the two share specifics (:func:`claim_anchors`: numbers; the *canonical* names of the
entities the ``entities`` layer found, so "Britain" and "the UK" are one anchor and a city anchors its
country; quoted phrases) and are close in meaning: two shared and e5 ≥ ``ANCHORED_EMBED_THRESHOLD`` (0.87,
one side the other's closest) or content words ≥ ``ANCHORED_WORD_THRESHOLD`` (0.25, fast mode too); one
shared and e5 ≥ ``NEAREST_EMBED_THRESHOLD`` (0.88, one side the other's closest) or ≥
``MUTUAL_EMBED_THRESHOLD`` (0.85, each the other's closest).

Against references (:func:`match_references`) each claim keeps its ``top_k`` best (``np.argpartition``); in a
list of ``POOL_MIN_REFERENCES`` (200) or more an embedding match must also stand out from the claim's cosines
to the whole list (z-score ≥ ``POOL_MIN_Z``, 5.5). The references are embedded once and kept on disk
(:func:`cached_vectors`: ``$NARRASCOPE_CACHE`` or ``$XDG_CACHE_HOME/narrascope``, ``match/``, keyed by the
model and the list's texts).

Every threshold was chosen on the constructed claim/paraphrase pairs and distractors of
``tests/paraphrase_pairs.py`` (never on a data set); the tests there hold the recall and precision bars.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# the reference file's reader lives in its own module; its names stay importable from here
from .claim_references import Reference, ReferenceFileError, load_references, parse_claimreview, parse_csv  # noqa: F401


CHAR_THRESHOLD = 0.55
WORD_THRESHOLD = 0.50
EMBED_THRESHOLD = 0.90
EMBED_ALONE_THRESHOLD = 0.93
MIN_SHARED_ANCHORS = 2
ANCHORED_EMBED_THRESHOLD = 0.87
MUTUAL_EMBED_THRESHOLD = 0.85
NEAREST_EMBED_THRESHOLD = 0.88
POOL_MIN_REFERENCES = 200
POOL_MIN_Z = 5.5
ANCHORED_WORD_THRESHOLD = 0.25

_STOP = set("""a an the of in on at to for from by with and or but is are was were be been being has have had
this that these those it its their his her they he she we our you your as than then so such which who whom
whose what when where there here not no also only just will would can could should may might must do does did
said says according""".split())


@dataclass
class ClaimItem:
    """A claim in a document: its text and offsets."""

    doc_id: str
    start: int
    end: int
    text: str
    score: float = 1.0
    anchors: frozenset = frozenset()
    document: str = ""  # which input it came from (file or URL, and record), for the reader of a match
    is_claim: bool = True  # False: another prose sentence of the document (see document_statements)



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
                              norm=None, lowercase=False, dtype=np.float32)
        X = v.transform([normalise(t) for t in texts])
    else:
        v = HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=2**20, alternate_sign=False,
                              norm=None, lowercase=False, token_pattern=r"\S+", dtype=np.float32)
        X = v.transform([_content(t) for t in texts])
    X.data = np.log1p(X.data)
    return normalize(X)


def lexical_matrices(a: Sequence[str], b: Sequence[str]) -> dict[str, np.ndarray]:
    """``char`` and ``words`` cosine matrices (len(a) × len(b), float32): sparse products, one each."""
    out = {}
    for kind in ("char", "words"):
        A, B = _vectors(a, kind), _vectors(b, kind)
        out[kind] = np.asarray((A @ B.T).toarray(), dtype=np.float32)
    return out


# ---- sentence embeddings -----------------------------------------------------------------------------------------
_QUOTED = re.compile(r"[\"\u201c\u00ab]([^\"\u201d\u00bb]{6,80})[\"\u201d\u00bb]")
_CLAUSE = re.compile(r"\s*(?:;|:\s|\s[-\u2013\u2014]\s|,\s+(?:and\s+|but\s+|while\s+|whereas\s+|so\s+)?(?:then\s+)?"
                     r"(?=\w+\s+\w+\s+\w+))\s*")


def clauses(text: str) -> list[str]:
    """``text``, then, when it strings several statements together (split at ``;``, ``:``, a dash or a comma
    before a new clause), its clauses of five content words or more, then its quoted phrases of four or more:
    one sentence often carries two claims, another article may retell only one of them, lead with "According
    to ...", or put the claim in quotation marks ("the so-called ...")."""
    parts = _CLAUSE.split(text)
    if len(parts) > 1:  # a clause says something of its own: five content words ("according to a new study" not)
        out = [text] + [p for p in parts if p != text and len(_content(p).split()) >= 5]
    else:
        out = [text]
    out += [q for q in _QUOTED.findall(text) if len(_content(q).split()) >= 4 and q not in out]
    return out


class SentenceEncoder:
    """e5 sentence vectors (multilingual-e5-small, ``passage:`` prefix, mean-pooled, L2-normalised) from the
    encoder package's onnxruntime model with the *base* weights, batched by length. The base model, not the
    fine-tuned one: e5 was trained for sentence similarity, and the deltas trained for the classification heads
    pull paraphrases apart (on the constructed pairs of ``tests/paraphrase_pairs.py`` the paraphrases' lowest
    cosine is 0.89 with the base weights and 0.54 with the deltas)."""

    def __init__(self) -> None:
        self._encoder = None

    @property
    def encoder(self):
        if self._encoder is None:
            from .encoder.runtime import Encoder

            self._encoder = Encoder()
        return self._encoder

    @property
    def model_id(self) -> str:
        """Names the model and its weights (part of the cache key)."""
        from .encoder.runtime import model_key

        return f"e5-small-{model_key(self.encoder.weights)}"

    def encode(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None,
               batch: int = 256) -> np.ndarray:
        """One vector per text. Each distinct text is encoded once, shortest first (the encoder pads a batch to
        its longest text, so texts of one length go together), ``batch`` at a time between progress reports."""
        unique: dict[str, int] = {}
        where = np.array([unique.setdefault(t if t.strip() else " ", len(unique)) for t in texts], dtype=np.int64)
        distinct = list(unique)
        order = sorted(range(len(distinct)), key=lambda k: len(distinct[k]))
        vectors = np.zeros((len(distinct), self.encoder.config.hidden), dtype=np.float32)
        if progress is not None:
            progress(0, len(order))
        for b in range(0, len(order), batch):
            rows = order[b:b + batch]
            vectors[rows] = self.encoder.pooled([distinct[k] for k in rows])
            if progress is not None:
                progress(min(b + batch, len(order)), len(order))
        return vectors[where] if len(texts) else vectors


_ENCODERS: dict[str, SentenceEncoder] = {}


def sentence_encoder() -> SentenceEncoder:
    """The one :class:`SentenceEncoder` of this process (loaded on first use)."""
    return _ENCODERS.setdefault("e5", SentenceEncoder())


def cache_root() -> Path:
    """``$NARRASCOPE_CACHE``, else ``$XDG_CACHE_HOME/narrascope``, else ``~/.cache/narrascope`` (where the
    encoder package keeps its assembled model too)."""
    if os.environ.get("NARRASCOPE_CACHE"):
        return Path(os.environ["NARRASCOPE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "narrascope"


def reference_cache_path(texts: Sequence[str], model_id: str, directory: str | Path | None = None) -> Path:
    """Where the vectors of ``texts`` under ``model_id`` are kept: ``<cache>/match/<model>-<hash>.npy``, the
    hash over the model id and every text in order (no text is stored)."""
    h = hashlib.sha256(model_id.encode())
    for t in texts:
        h.update(b"\0")
        h.update(t.encode("utf-8", "surrogatepass"))
    d = Path(directory) if directory is not None else cache_root() / "match"
    return d / f"{model_id}-{h.hexdigest()[:32]}.npy"


def cached_vectors(texts: Sequence[str], encoder: SentenceEncoder | None = None, directory: str | Path | None = None,
                   progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, bool]:
    """The vectors of ``texts`` (a reference list), and whether they came from the cache. A missing, unreadable
    or malformed cache file is (re)built; written to a temporary file and renamed, so a concurrent or
    interrupted run never leaves half a file; a cache that cannot be written only costs the next run time."""
    encoder = encoder or sentence_encoder()
    texts = list(texts)
    path = reference_cache_path(texts, encoder.model_id, directory)
    try:
        V = np.load(path, allow_pickle=False)
        if V.dtype == np.float32 and V.shape == (len(texts), encoder.encoder.config.hidden) and np.isfinite(V).all():
            return V, True
    except (OSError, ValueError, EOFError):
        pass
    V = encoder.encode(texts, progress)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".writing-", suffix=".npy", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, V, allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass
    return V, False


def _piece_vectors(texts: Sequence[str], encoder: SentenceEncoder,
                   progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Vectors of every text's :func:`clauses`, and the start of each text's rows (for ``np.maximum.reduceat``)."""
    pieces: list[str] = []
    starts = []
    for t in texts:
        starts.append(len(pieces))
        pieces.extend(clauses(t))
    return encoder.encode(pieces, progress), np.asarray(starts, dtype=np.int64)


def _best_piece_cosines(Va: np.ndarray, sa: np.ndarray, Vb: np.ndarray, sb: np.ndarray | None,
                        block: int = 1024) -> np.ndarray:
    """For texts ``a`` (piece vectors ``Va``, each text's first row in ``sa``) and ``b`` (likewise; ``sb`` None:
    one row per text), the best cosine over their pieces (len(a) × len(b), float32), ``block`` texts of ``a``
    at a time so that memory stays bounded by ``block`` rows of pieces."""
    n = len(sa)
    ends = np.append(sa[1:], len(Va))
    out = np.empty((n, len(sb) if sb is not None else len(Vb)), dtype=np.float32)
    for i0 in range(0, n, block):
        i1 = min(i0 + block, n)
        M = Va[sa[i0]:ends[i1 - 1]] @ Vb.T
        M = np.maximum.reduceat(M, sa[i0:i1] - sa[i0], axis=0)
        out[i0:i1] = np.maximum.reduceat(M, sb, axis=1) if sb is not None else M
    return out


def similarity_matrices(a: Sequence[str], b: Sequence[str], embeddings: bool = False,
                        encoder: SentenceEncoder | None = None) -> dict[str, np.ndarray]:
    """Cosine matrices (len(a) × len(b)) for each method; with ``embeddings`` the e5 cosine too, the best over
    the :func:`clauses` of each side."""
    a, b = list(a), list(b)
    if not a or not b:
        z = np.zeros((len(a), len(b)), dtype=np.float32)
        return {"char": z, "words": z.copy(), **({"embedding": z.copy()} if embeddings else {})}
    out = lexical_matrices(a, b)
    if embeddings:
        encoder = encoder or sentence_encoder()
        Va, sa = _piece_vectors(a, encoder)
        Vb, sb = _piece_vectors(b, encoder)
        out["embedding"] = _best_piece_cosines(Va, sa, Vb, sb)
    return out


# ---- claims of documents ----------------------------------------------------------------------------------------
_NUMBER = re.compile(r"(?<![\w.,-])\d(?:[\d,.]*\d)?(?![\w])")  # a figure, not the "2" of "CO2" or the "19" of "COVID-19"


@functools.cache
def _country_names() -> dict[str, str]:
    from .resources import load_json

    return {c["code"]: c["name"] for c in load_json("places.json").get("countries", []) if c.get("code")}


def claim_anchors(doc, start: int, end: int) -> frozenset:
    """Specifics of ``doc.text[start:end]``: numbers, canonical entity names (from ``groups.entities``; a city
    anchors its country too, so "Oslo" and "Norway" share one) and quoted phrases, lower-cased."""
    text = doc.text[start:end]
    out = {"#" + n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}
    groups = {sid: g for g in doc.groups.get("entities", []) for sid in g.span_ids}
    for s in doc.spans("entities"):
        if start <= s.start and s.end <= end:
            g = groups.get(s.id)
            out.add("@" + (g.label if g is not None else doc.text[s.start:s.end]).lower())
            country = g.attrs.get("capital_of") or _country_names().get(g.attrs.get("in_country") or "") if g else None
            if country:
                out.add("@" + str(country).lower())
    out.update("\"" + normalise(q) for q in _QUOTED.findall(text))
    return frozenset(out)


def document_name(doc) -> str:
    """Which input a document came from: its source (file or URL) and the record within it, else its id."""
    meta = getattr(doc, "metadata", {}) or {}
    name = str(meta.get("source") or doc.id)
    for key, shown in (("line", "line {}"), ("record_id", "record {}"), ("record_index", "record #{}")):
        if meta.get(key) is not None:
            return f"{name}:{shown.format(meta[key])}"
    return name


def document_claims(doc, all_sentences: bool = False) -> list[ClaimItem]:
    """The claims of an analysed document (its ``claims`` layer), or its prose sentences when it has none
    (or with ``all_sentences``)."""
    spans = [] if all_sentences else doc.spans("claims")
    name = document_name(doc)
    if spans:
        return [ClaimItem(doc.id, s.start, s.end, doc.text[s.start:s.end], s.score,
                          claim_anchors(doc, s.start, s.end), name) for s in spans]
    return _sentences(doc, name, is_claim=True)


def _sentences(doc, name: str, is_claim: bool, skip: Iterable[tuple[int, int]] = ()) -> list[ClaimItem]:
    from .analyzers.prose import prose, prose_sentences

    _, ranges = prose(doc)
    taken = list(skip)
    return [ClaimItem(doc.id, a, b, doc.text[a:b], anchors=claim_anchors(doc, a, b), document=name,
                      is_claim=is_claim)
            for a, b in prose_sentences(doc, ranges)
            if len(doc.text[a:b].split()) >= 4 and not any(a < e and s < b for s, e in taken)]


def document_statements(doc, all_sentences: bool = False) -> list[ClaimItem]:
    """What :func:`match_documents` compares: the document's claims and, marked ``is_claim=False``, its other
    prose sentences, because another article may retell a claim as a question ("Why do ... need ...?"), a
    quotation or a headline that the claims layer does not keep."""
    claims = document_claims(doc, all_sentences)
    if all_sentences or not doc.spans("claims"):
        return claims
    return claims + _sentences(doc, claims[0].document if claims else document_name(doc), is_claim=False,
                               skip=[(c.start, c.end) for c in claims])


def _min_words(texts: Sequence[str]) -> np.ndarray:
    return np.array([len(_content(t).split()) >= 3 for t in texts], dtype=bool)


def _shared_anchor_counts(a: Sequence[frozenset], b: Sequence[frozenset]) -> np.ndarray:
    """How many anchors each pair shares (len(a) × len(b)), as one sparse product."""
    from scipy.sparse import csr_matrix

    vocab: dict[str, int] = {}

    def matrix(sets):
        rows, cols = [], []
        for i, s in enumerate(sets):
            for x in s:
                rows.append(i)
                cols.append(vocab.setdefault(x, len(vocab)))
        return rows, cols

    ra, ca = matrix(a)
    rb, cb = matrix(b)
    n = max(len(vocab), 1)
    A = csr_matrix((np.ones(len(ra), np.float32), (ra, ca)), shape=(len(a), n))
    B = csr_matrix((np.ones(len(rb), np.float32), (rb, cb)), shape=(len(b), n))
    return np.asarray((A @ B.T).toarray(), dtype=np.int32)


def _same_masks(sims: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per method, the pairs that pass its "same claim" threshold."""
    out = {"char": sims["char"] >= CHAR_THRESHOLD, "words": sims["words"] >= WORD_THRESHOLD}
    if "embedding" in sims:
        out["embedding"] = sims["embedding"] >= EMBED_THRESHOLD
    return out


def _best_passed(sims: dict[str, np.ndarray], masks: dict[str, np.ndarray], i: int, j: int) -> tuple[float, str] | None:
    passed = [(float(sims[k][i, j]), k) for k, m in masks.items() if m[i, j]]
    return max(passed) if passed else None


def _stands_out(E: np.ndarray) -> np.ndarray:
    """``out[i, j]``: ``E[i, j]`` is at least ``POOL_MIN_Z`` standard deviations above row ``i``'s mean."""
    return (E - E.mean(axis=1, keepdims=True)) / np.maximum(E.std(axis=1, keepdims=True), 1e-6) >= POOL_MIN_Z


def _nearest_in_document(E: np.ndarray, doc_of: np.ndarray) -> np.ndarray:
    """``out[i, j]``: item ``j`` is the closest (by ``E``) to item ``i`` among the items of ``j``'s document."""
    out = np.zeros(E.shape, dtype=bool)
    rows = np.arange(E.shape[0])
    for d in np.unique(doc_of):
        cols = np.flatnonzero(doc_of == d)
        out[rows, cols[E[:, cols].argmax(axis=1)]] = True
    return out


def _item_dict(c: ClaimItem) -> dict[str, Any]:
    return {"doc_id": c.doc_id, "document": c.document, "start": c.start, "end": c.end, "text": c.text,
            "is_claim": c.is_claim}


def _noop(stage: str, done: int, total: int) -> None:
    return None


def match_documents(docs: Sequence, mode: str = "fast", all_sentences: bool = False,
                    progress: Callable[[str, int, int], None] | None = None) -> list[dict[str, Any]]:
    """Claims shared by two different documents. Each match: ``score``, ``method``, ``tier`` ("same" claim or
    "related": the same claim or event retold), ``shared`` anchors, ``scores`` (all methods), and ``a``/``b``:
    ``{doc_id, document, start, end, text, is_claim}`` (offsets into each document's text). At least one side
    of a pair is a claim of its document; the other may be any of its prose sentences
    (:func:`document_statements`). ``progress(stage, done, total)`` hears how the encoding goes."""
    progress = progress or _noop
    items = [c for d in docs for c in document_statements(d, all_sentences)]
    n = len(items)
    if n < 2:
        return []
    texts = [c.text for c in items]
    embed = mode == "default"
    sims = lexical_matrices(texts, texts)
    if embed:
        V, starts = _piece_vectors(texts, sentence_encoder(), lambda d, t: progress("encoding sentences", d, t))
        sims["embedding"] = _best_piece_cosines(V, starts, V, starts)
    doc_of = np.unique([c.doc_id for c in items], return_inverse=True)[1]
    claim = np.array([c.is_claim for c in items], dtype=bool)
    ok = (doc_of[:, None] != doc_of[None, :]) & (claim[:, None] | claim[None, :])
    ok &= np.triu(np.ones((n, n), dtype=bool), 1)
    words_ok = _min_words(texts)
    ok &= words_ok[:, None] & words_ok[None, :]
    shared = _shared_anchor_counts([c.anchors for c in items], [c.anchors for c in items])
    masks = _same_masks(sims)
    if embed:
        # Two articles on one topic have many sentence pairs at e5 cosines of 0.85-0.91; only a pair where one
        # side is the other's closest sentence in its article counts (and, for the weakest evidence, both ways).
        nearest = _nearest_in_document(sims["embedding"], doc_of)
        nearest_either = nearest | nearest.T
        # and a claim is about something: without a shared anchor, the cosine alone must be very high
        masks["embedding"] &= nearest_either & ((shared >= 1) | (sims["embedding"] >= EMBED_ALONE_THRESHOLD))
    same = ok & np.logical_or.reduce(list(masks.values()))
    related = ok & ~same & (shared >= MIN_SHARED_ANCHORS) & (sims["words"] >= ANCHORED_WORD_THRESHOLD)
    if embed:
        E = sims["embedding"]
        related |= ok & ~same & nearest_either & (shared >= MIN_SHARED_ANCHORS) & (E >= ANCHORED_EMBED_THRESHOLD)
        related |= ok & ~same & nearest & nearest.T & (shared >= 1) & (E >= MUTUAL_EMBED_THRESHOLD)
        related |= ok & ~same & nearest_either & (shared >= 1) & (E >= NEAREST_EMBED_THRESHOLD)
    out = []
    for i, j in zip(*np.nonzero(same | related)):
        i, j = int(i), int(j)
        if same[i, j]:
            score, method = _best_passed(sims, masks, i, j)
            tier = "same"
        else:
            tier = "related"
            if embed and sims["embedding"][i, j] >= MUTUAL_EMBED_THRESHOLD:
                score, method = float(sims["embedding"][i, j]), "anchors+embedding"
            else:
                score, method = float(sims["words"][i, j]), "anchors+words"
        out.append({"score": round(score, 4), "method": method, "tier": tier,
                    "shared": sorted(x.lstrip("#@\"") for x in items[i].anchors & items[j].anchors),
                    "scores": {k: round(float(v[i, j]), 4) for k, v in sims.items()},
                    "a": _item_dict(items[i]), "b": _item_dict(items[j])})
    out.sort(key=lambda m: (m["tier"] != "same", -m["score"]))
    return out


def match_references(docs_or_texts: Sequence, references: Sequence[Reference] | str | Path, mode: str = "fast",
                     top_k: int = 3, all_sentences: bool = False, cache_dir: str | Path | None = None,
                     progress: Callable[[str, int, int], None] | None = None,
                     reference_vectors: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Claims of ``docs_or_texts`` (analysed Documents, or plain strings taken as claims) that match
    previously checked claims (a list of :class:`Reference` or a path for :func:`load_references`).
    Each match: ``score``, ``method``, ``scores``, ``claim`` (``{doc_id, document, start, end, text}``;
    offsets into the document, or into the string) and ``reference`` (``{claim, verdict, url, source}``); at
    most ``top_k`` references per claim, best first. In default mode every reference is embedded once and kept
    on disk (:func:`cached_vectors`, under ``cache_dir`` if given); ``progress(stage, done, total)`` hears how
    the encoding goes. ``reference_vectors`` (one row per reference, from :func:`cached_vectors`) skips that."""
    progress = progress or _noop
    refs = load_references(references) if isinstance(references, (str, Path)) else list(references)
    items: list[ClaimItem] = []
    for k, d in enumerate(docs_or_texts):
        if isinstance(d, str):
            items.append(ClaimItem(f"text{k}", 0, len(d), d, document=f"text{k}"))
        else:
            items.extend(document_claims(d, all_sentences))
    if not items or not refs:
        return []
    texts, ref_texts = [c.text for c in items], [r.claim for r in refs]
    sims = lexical_matrices(texts, ref_texts)
    if mode == "default":
        encoder = sentence_encoder()
        R = reference_vectors if reference_vectors is not None else \
            cached_vectors(ref_texts, encoder, cache_dir, lambda d, t: progress("encoding references", d, t))[0]
        V, starts = _piece_vectors(texts, encoder, lambda d, t: progress("encoding claims", d, t))
        sims["embedding"] = _best_piece_cosines(V, starts, R, None)
    masks = _same_masks(sims)
    if "embedding" in sims and len(refs) >= POOL_MIN_REFERENCES:
        # In a long list some reference sits at 0.90 from almost any sentence on its topic: an embedding match
        # must also stand out from the claim's cosines to the whole list (z-score over the references).
        masks["embedding"] &= _stands_out(sims["embedding"])
    best = np.maximum(sims["char"], sims["words"])
    if "embedding" in sims:
        best = np.maximum(best, sims["embedding"])
    k = min(len(refs), max(top_k * 5, 10))
    ref_words_ok = _min_words(ref_texts)
    words_ok = _min_words(texts)
    out = []
    for i, c in enumerate(items):
        if not words_ok[i]:
            continue
        cand = np.argpartition(-best[i], k - 1)[:k] if k < len(refs) else np.arange(len(refs))
        found = []
        for j in cand[np.argsort(-best[i, cand], kind="stable")]:
            j = int(j)
            d = _best_passed(sims, masks, i, j) if ref_words_ok[j] else None
            if d is not None:
                found.append((d, j))
        found.sort(key=lambda x: -x[0][0])
        for (score, method), j in found[:top_k]:
            out.append({"score": round(score, 4), "method": method,
                        "scores": {m: round(float(v[i, j]), 4) for m, v in sims.items()},
                        "claim": _item_dict(c), "reference": refs[j].to_dict()})
    out.sort(key=lambda m: -m["score"])
    return out
