"""Near-duplicate and republication clusters: which articles are copies (or light edits) of one original.

Method: each text becomes the set of its word 5-gram shingles (lower-cased, punctuation dropped); a MinHash
signature (``datasketch``, 128 permutations) estimates the Jaccard similarity of two sets, and LSH banding
(datasketch's optimal bands × rows for ``threshold``; band keys sorted, not hashed into tables) proposes
candidate pairs in time linear in the number of texts. Each
candidate pair is confirmed on its estimated Jaccard similarity (≥ ``threshold``), and confirmed pairs are
joined into clusters with a union-find. In every cluster the member with the earliest date (ties: the first
seen) is marked the probable original.

Short texts (fewer words than one shingle) are compared by their whole word sequence. Cross-language copies
have no shingles in common and are not found here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_WORD = re.compile(r"\w+")


@dataclass
class Cluster:
    """A group of near-duplicate texts. ``members`` are ids, earliest first; ``original`` is the first."""

    members: list[str]
    original: str
    similarity: dict[tuple[str, str], float] = field(default_factory=dict)  # confirmed pairs -> similarity
    evidence: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # cross-language: shared specifics
    measure: str = "jaccard"  # what the similarity is: "jaccard" (near-duplicates) or "anchor_score"

    def to_dict(self) -> dict:
        return {"original": self.original, "members": self.members, "size": len(self.members),
                "pairs": [{"a": a, "b": b, self.measure: round(j, 3), **({"evidence": self.evidence[(a, b)]} if (a, b) in self.evidence else {})}
                          for (a, b), j in sorted(self.similarity.items())]}


def shingles(text: str, k: int = 5) -> set[bytes]:
    """Word ``k``-grams of ``text`` (lower-cased), as bytes; the whole text when it is shorter than ``k`` words."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < k:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + k]).encode("utf-8") for i in range(len(words) - k + 1)}


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def near_duplicate_clusters(items: Iterable[tuple[str, str, str | None]], threshold: float = 0.5,
                            num_perm: int = 128, k: int = 5, seed: int = 1) -> list[Cluster]:
    """Clusters of near-duplicates among ``items`` = ``(id, text, date or None)``; only clusters of two or
    more members are returned, largest first. Ids must be unique."""
    import numpy as np
    from datasketch import MinHash
    from datasketch.lsh import _optimal_param

    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be between 0 and 1")
    # One pass: a MinHash signature per text (datasketch; the permutations are drawn once, not per text).
    # Only the signatures are kept (num_perm × 4 bytes a text): memory grows by them alone.
    template = MinHash(num_perm=num_perm, seed=seed)
    permutations, scheme = template.permutations, template.scheme
    ids: list[str] = []
    order: dict[str, tuple[str, int]] = {}
    rows: list[np.ndarray] = []
    for n, (doc_id, text, when) in enumerate(items):
        if doc_id in order:
            raise ValueError(f"duplicate id {doc_id!r}")
        order[doc_id] = (when or "9999", n)
        grams = shingles(text, k)
        if not grams:
            continue
        m = MinHash(num_perm=num_perm, seed=seed, permutations=permutations, scheme=scheme)
        m.update_batch(list(grams))
        ids.append(doc_id)
        rows.append(m.hashvalues.astype(np.uint32))  # affine32 values fit in 32 bits
    if len(ids) < 2:
        return []
    sig = np.vstack(rows)
    del rows
    # LSH banding with datasketch's optimal (bands, rows) for the threshold: texts whose signatures agree
    # on a whole band are candidates. Band keys are sorted instead of hashed into tables, so the index
    # costs one 8-byte key per text and band.
    bands, per_band = _optimal_param(threshold, num_perm, 0.5, 0.5)
    mult = np.random.default_rng(seed).integers(1, 2**63, size=per_band, dtype=np.uint64) | np.uint64(1)
    uf = _UnionFind()
    confirmed: dict[tuple[str, str], float] = {}
    checked: set[tuple[int, int]] = set()

    def confirm(i: int, j: int) -> None:
        a, b = (i, j) if i < j else (j, i)
        if (a, b) in checked:
            return
        checked.add((a, b))
        jac = float(np.count_nonzero(sig[a] == sig[b])) / num_perm
        if jac >= threshold:
            uf.union(ids[a], ids[b])
            confirmed[(ids[a], ids[b])] = jac

    with np.errstate(over="ignore"):
        for band in range(bands):
            block = sig[:, band * per_band:(band + 1) * per_band].astype(np.uint64)
            keys = (block * mult).sum(axis=1)  # wraps modulo 2**64: a hash of the band
            sorted_idx = np.argsort(keys, kind="stable")
            sorted_keys = keys[sorted_idx]
            breaks = np.flatnonzero(np.diff(sorted_keys)) + 1
            for group in np.split(sorted_idx, breaks):
                if len(group) < 2:
                    continue
                members = group.tolist()
                if len(members) <= 40:
                    for x in range(len(members)):
                        for y in range(x + 1, len(members)):
                            confirm(members[x], members[y])
                else:  # a crowded band (boilerplate): chain neighbours and the first, not every pair
                    for x in range(1, len(members)):
                        confirm(members[0], members[x])
                        confirm(members[x - 1], members[x])
    groups: dict[str, list[str]] = {}
    for doc_id in ids:
        groups.setdefault(uf.find(doc_id), []).append(doc_id)
    by_member: dict[str, list[tuple[tuple[str, str], float]]] = {}
    for pair, j in confirmed.items():
        by_member.setdefault(pair[0], []).append((pair, j))
    clusters = []
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda d: order[d])
        pairs = {p: j for d in members for p, j in by_member.get(d, [])}
        clusters.append(Cluster(members, members[0], pairs))
    clusters.sort(key=lambda c: (-len(c.members), c.original))
    return clusters


def pairwise_scores(clusters: list[Cluster], truth: dict[str, str]) -> dict[str, float]:
    """Pairwise precision/recall/F1 of ``clusters`` against planted families (``truth``: id -> family;
    ids without a family are singletons). Counts pairs, so it scales with family sizes, not corpus size."""
    from collections import Counter

    predicted = {d: i for i, c in enumerate(clusters) for d in c.members}
    fam_sizes = Counter(truth.values())
    true_pairs = sum(n * (n - 1) // 2 for n in fam_sizes.values())
    pred_pairs = sum(len(c.members) * (len(c.members) - 1) // 2 for c in clusters)
    both = Counter((predicted[d], truth[d]) for d in predicted if d in truth)
    tp = sum(n * (n - 1) // 2 for n in both.values())
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "predicted_pairs": int(pred_pairs), "true_pairs": int(true_pairs)}


# -- cross-language copies --------------------------------------------------------------------------------
# A translation shares no word shingles with its original, but it keeps the specifics: figures, links, and
# names (which transliterate: Лавров -> Lavrov). Two documents in different languages that share several
# rare specifics, at least two of them links or distinctive figures, are linked as probable translations.

_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_FIGURE = re.compile(r"(?<![\w.,])\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d+)?(?![\w])|(?<![\w.,])\d+(?:[.,]\d+)?(?![\w])")
_NAME = re.compile(r"(?<![\w])[^\W\d_][^\W\d_'’-]{3,}")


def _figure_key(raw: str) -> str | None:
    digits = re.sub(r"[ \u00a0\u202f]", "", raw)
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):  # 12,500 / 12.500 / 12 500: thousands
        digits = re.sub(r"[.,]", "", digits)
    digits = digits.replace(",", ".")
    if len(digits.replace(".", "").lstrip("0")) < 2:
        return None  # single digits are everywhere
    return "#" + digits


def _name_key(word: str) -> str | None:
    from anyascii import anyascii

    if not word[0].isupper():
        return None
    latin = re.sub(r"[^a-z]", "", anyascii(word).lower())
    # the first five letters: Odessa / Odesse, Kazakhstan / Kazakhstana (inflected forms) are one name
    return "@" + latin[:5] if len(latin) >= 4 else None


def _is_specific(key: str) -> bool:
    """A link, or a figure that few texts share by chance: three or more significant digits or a decimal
    part, and not a year (1900-2099). "46" or "2019" are everywhere; "1250", "4.5" and "336.9" are not."""
    if key[0] == "/":
        return True
    if key[0] != "#":
        return False
    digits = key[1:]
    if re.fullmatch(r"(19|20)\d\d", digits):
        return False
    return "." in digits or len(digits.lstrip("0")) >= 3


def document_anchors(doc) -> dict[str, str]:
    """The specifics of a Document that survive translation: figures (``#12500``), links (``/host/path``)
    and capitalised names transliterated to Latin (``@lavrov``), each with its first surface form."""
    text = doc.text
    out: dict[str, str] = {}
    urls = [m.group(0).rstrip(".,;:") for m in _URL.finditer(text)]
    urls += [u for u in doc.metadata.get("links") or [] if isinstance(u, str)]
    for u in urls:
        m = re.match(r"https?://(?:www\.)?([^/?#]+)([^?#]*)", u.strip(), re.IGNORECASE)
        if m:
            out.setdefault("/" + m.group(1).lower() + m.group(2).rstrip("/"), u)
    no_urls = _URL.sub(" ", text)
    for m in _FIGURE.finditer(no_urls):
        key = _figure_key(m.group(0))
        if key:
            out.setdefault(key, m.group(0))
    for m in _NAME.finditer(no_urls):
        key = _name_key(m.group(0))
        if key:
            out.setdefault(key, m.group(0))
    return out


def cross_language_clusters(docs: Iterable, *, min_shared: int = 4, min_specific: int = 2, min_score: float = 0.3,
                            max_days: int = 90, max_df: int = 100) -> list[Cluster]:
    """Clusters of probable translations among ``docs`` (Documents with ``metadata["language"]``).

    Two documents in different languages are linked when they share at least ``min_shared`` anchors
    (:func:`document_anchors`) of which ``min_specific`` are links or distinctive figures (:func:`_is_specific`), the shared anchors carry at least
    ``min_score`` of the smaller document's anchor weight (weights: inverse document frequency), and, when
    both are dated, they are at most ``max_days`` apart. Anchors in more than ``max_df`` documents are too
    common to tell anything and are ignored, which keeps the candidate pairs linear in the corpus size.
    Each link's shared anchors are its evidence."""
    import math
    from collections import Counter, defaultdict
    from datetime import date

    from .store.rows import document_row

    rows: list[tuple[str, str, str | None, dict[str, str]]] = []
    for doc in docs:
        row = document_row(doc)
        if row["language"]:
            rows.append((doc.id, row["language"].split("-")[0], row["published"], document_anchors(doc)))
    df = Counter(key for *_, anchors in rows for key in anchors)
    n = max(1, len(rows))
    idf = {key: math.log(1 + n / c) for key, c in df.items() if c <= max_df}
    postings: dict[str, list[int]] = defaultdict(list)
    for i, (_, _, _, anchors) in enumerate(rows):
        for key in anchors:
            if key in idf and df[key] > 1:
                postings[key].append(i)
    shared: dict[tuple[int, int], list[str]] = defaultdict(list)
    for key, members in postings.items():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                a, b = members[x], members[y]
                if rows[a][1] != rows[b][1]:
                    shared[(a, b)].append(key)

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value[:10]) if value else None

    weight = [sum(idf.get(k, 0.0) for k in anchors) for *_, anchors in rows]
    uf = _UnionFind()
    confirmed: dict[tuple[str, str], float] = {}
    evidence: dict[tuple[str, str], list[str]] = {}
    for (a, b), keys in shared.items():
        specific = sum(1 for k in keys if _is_specific(k))
        if len(keys) < min_shared or specific < min_specific:
            continue
        score = sum(idf[k] for k in keys) / max(1e-9, min(weight[a], weight[b]))
        if score < min_score:
            continue
        da, db = day(rows[a][2]), day(rows[b][2])
        if da and db and abs((da - db).days) > max_days:
            continue
        ida, idb = rows[a][0], rows[b][0]
        uf.union(ida, idb)
        confirmed[(ida, idb)] = min(1.0, score)
        keys.sort(key=lambda k: (k[0] != "#" and k[0] != "/", -idf[k], k))
        evidence[(ida, idb)] = [f"{rows[a][3][k]} = {rows[b][3][k]}" if rows[a][3][k] != rows[b][3][k] else rows[a][3][k]
                                for k in keys[:12]]
    order = {doc_id: ((published or "9999"), i) for i, (doc_id, _, published, _) in enumerate(rows)}
    groups: dict[str, list[str]] = {}
    for pair in confirmed:
        for doc_id in pair:
            root = uf.find(doc_id)
            if doc_id not in groups.setdefault(root, []):
                groups[root].append(doc_id)
    clusters = []
    for members in groups.values():
        members.sort(key=lambda d: order[d])
        inside = set(members)
        pairs = {p: s for p, s in confirmed.items() if p[0] in inside}
        clusters.append(Cluster(members, members[0], pairs, {p: evidence[p] for p in pairs}, "anchor_score"))
    clusters.sort(key=lambda c: (-len(c.members), c.original))
    return clusters


# -- incremental near-duplicate clusters (after each ingest) ---------------------------------------------------
# Each stored document keeps its MinHash signature (store.put_signatures), so that new documents are compared
# with the stored ones by their signatures alone: the stored texts are never shingled again, and only the
# clusters a new document joins or merges are rewritten.


class Signer:
    """MinHash signatures of texts, as :func:`near_duplicate_clusters` makes them (same shingles, permutations
    and seed), with ``scheme`` naming those parameters for the store."""

    def __init__(self, num_perm: int = 128, k: int = 5, seed: int = 1) -> None:
        from datasketch import MinHash

        self.num_perm, self.k, self.seed = num_perm, k, seed
        self.scheme = f"minhash-{num_perm}-k{k}-s{seed}"
        template = MinHash(num_perm=num_perm, seed=seed)
        self._permutations, self._scheme = template.permutations, template.scheme

    def sign(self, text: str):
        """The signature (a uint32 numpy array), or None for a text without words."""
        import numpy as np
        from datasketch import MinHash

        grams = shingles(text, self.k)
        if not grams:
            return None
        m = MinHash(num_perm=self.num_perm, seed=self.seed, permutations=self._permutations, scheme=self._scheme)
        m.update_batch(list(grams))
        return m.hashvalues.astype(np.uint32)

    @staticmethod
    def encode(signature) -> str:
        import base64

        return "" if signature is None else base64.b64encode(signature.astype("<u4").tobytes()).decode("ascii")

    @staticmethod
    def decode(value: str):
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(value), dtype="<u4").astype(np.uint32) if value else None


def new_near_duplicate_pairs(new: dict[str, object], old: dict[str, object], threshold: float = 0.5,
                             num_perm: int = 128, seed: int = 1) -> dict[tuple[str, str], float]:
    """Confirmed near-duplicate pairs ``(new id, other id) -> estimated Jaccard`` between the signatures
    ``new`` and those of ``old`` or another new one, found by the same LSH banding as
    :func:`near_duplicate_clusters`; pairs of two old documents are not looked at."""
    import numpy as np
    from datasketch.lsh import _optimal_param

    if not new:
        return {}
    bands, per_band = _optimal_param(threshold, num_perm, 0.5, 0.5)
    mult = np.random.default_rng(seed).integers(1, 2**63, size=per_band, dtype=np.uint64) | np.uint64(1)
    new_ids, old_ids = list(new), [d for d in old if d not in new]
    new_sig = np.vstack([new[d] for d in new_ids])
    old_sig = np.vstack([old[d] for d in old_ids]) if old_ids else np.zeros((0, num_perm), dtype=np.uint32)
    confirmed: dict[tuple[str, str], float] = {}
    checked: set[tuple[str, str]] = set()

    def confirm(a: str, sa, b: str, sb) -> None:
        key = (a, b) if a < b else (b, a)
        if key in checked:
            return
        checked.add(key)
        jac = float(np.count_nonzero(sa == sb)) / num_perm
        if jac >= threshold:
            confirmed[(a, b)] = jac

    with np.errstate(over="ignore"):
        for band in range(bands):
            cols = slice(band * per_band, (band + 1) * per_band)
            new_keys = (new_sig[:, cols].astype(np.uint64) * mult).sum(axis=1)
            old_keys = (old_sig[:, cols].astype(np.uint64) * mult).sum(axis=1)
            index: dict[int, list[tuple[str, object]]] = {}
            for i in np.flatnonzero(np.isin(old_keys, new_keys)).tolist():
                index.setdefault(int(old_keys[i]), []).append((old_ids[i], old_sig[i]))
            for j, key in enumerate(new_keys.tolist()):
                bucket = index.setdefault(int(key), [])
                for other, sig in bucket[:40]:  # a crowded band (boilerplate): the first few, not every pair
                    confirm(new_ids[j], new_sig[j], other, sig)
                bucket.append((new_ids[j], new_sig[j]))
    return confirmed


def _merge_into_stored(store, pairs: dict[tuple[str, str], float], new_ids: list[str],
                       published: dict[str, str | None]) -> int:
    """Write the clusters that ``pairs`` (new confirmed pairs) create, grow or merge: each joins the stored
    near-duplicate clusters of its members; members earliest first (ties: stored members in their order,
    then new documents in insertion order)."""
    from .store.rows import document_row

    uf = _UnionFind()
    best: dict[str, float] = {}
    for (a, b), jac in pairs.items():
        uf.union(a, b)
        for m in (a, b):
            best[m] = max(best.get(m, 0.0), jac)
    rank: dict[str, tuple[int, int, int]] = {doc_id: (1, n, 0) for n, doc_id in enumerate(new_ids)}
    touched: list[int] = []
    for other in sorted({m for pair in pairs for m in pair} - set(rank)):
        for c in store.clusters_of(other):
            if c["kind"] == "near-duplicate" and c["id"] not in touched:
                touched.append(c["id"])
    members_seen = {m for pair in pairs for m in pair}
    for cid in touched:
        stored = store.cluster(cid)
        for m in stored["members"]:
            uf.union(stored["members"][0]["doc_id"], m["doc_id"])
            members_seen.add(m["doc_id"])
            published[m["doc_id"]] = m["published"]
            rank.setdefault(m["doc_id"], (0, cid, m["position"]))
            if m["similarity"] is not None:
                best[m["doc_id"]] = max(best.get(m["doc_id"], 0.0), float(m["similarity"]))
    for doc_id in members_seen - set(published):  # a stored document in no cluster yet: its date
        doc = store.get(doc_id)
        published[doc_id] = document_row(doc)["published"] if doc is not None else None
    groups: dict[str, list[str]] = {}
    for doc_id in sorted(members_seen):
        groups.setdefault(uf.find(doc_id), []).append(doc_id)
    clusters = []
    for members in groups.values():
        members.sort(key=lambda d: (published.get(d) or "9999", rank.get(d, (0, 0, 0))))
        clusters.append({"members": members, "similarity": {m: best.get(m) for m in members}})
    return store.update_clusters("near-duplicate", clusters, replacing=touched)


def sign_documents(store, documents, signer: Signer | None = None) -> int:
    """Store the signatures of ``documents`` (just stored; not yet clustered): what ingest does as it
    writes each batch, so that the update at its end reads no text back. Returns how many."""
    signer = signer or Signer()
    rows = [(doc.id, signer.encode(signer.sign(doc.text))) for doc in documents]
    store.put_signatures(signer.scheme, rows)
    return len(rows)


def update_stored_clusters(store, *, threshold: float = 0.5, signer: Signer | None = None) -> dict[str, int]:
    """Bring the store's near-duplicate clusters up to date with the documents added since the last update.

    Documents without a stored signature (stored before signatures were kept) are read and signed once;
    the documents not yet clustered are compared, by signature, with every stored one (the stored texts
    are not read again). A new document that matches joins its match's cluster (merging the clusters it
    links), or forms a new one with it; only the clusters that change are rewritten. Returns
    {"signed": documents read and signed here, "compared": new documents, "pairs": new confirmed pairs,
    "clusters": clusters written}."""
    signer = signer or Signer()
    unsigned = store.unsigned_ids(signer.scheme)
    for start in range(0, len(unsigned), 500):
        docs = [d for d in (store.get(doc_id) for doc_id in unsigned[start:start + 500]) if d is not None]
        sign_documents(store, docs, signer)
    pending = store.signatures(signer.scheme, unclustered=True)
    if not pending:
        return {"signed": len(unsigned), "compared": 0, "pairs": 0, "clusters": 0}
    new = {d: signer.decode(v) for d, v in pending.items() if v}
    old = {d: signer.decode(v) for d, v in store.signatures(signer.scheme).items() if v and d not in pending}
    pairs = new_near_duplicate_pairs(new, old, threshold, signer.num_perm, signer.seed)
    written = 0
    with store.batch():  # the clusters, and that their documents were compared, together
        if pairs:
            order = {doc_id: n for n, doc_id in enumerate(store.ids()) if doc_id in new}
            written = _merge_into_stored(store, pairs, sorted(new, key=lambda d: order.get(d, 0)), {})
        store.mark_clustered(signer.scheme, list(pending))
    return {"signed": len(unsigned), "compared": len(pending), "pairs": len(pairs), "clusters": written}
