"""Near-duplicate and republication clusters: which articles are copies (or light edits) of one original.

Method: each text becomes the set of its word 5-gram shingles (lower-cased, punctuation dropped); a MinHash
signature (``datasketch``, 128 permutations) estimates the Jaccard similarity of two sets, and MinHash LSH
(banded, tuned for ``threshold``) proposes candidate pairs in time linear in the number of texts. Each
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
    similarity: dict[tuple[str, str], float] = field(default_factory=dict)  # confirmed pairs -> Jaccard estimate

    def to_dict(self) -> dict:
        return {"original": self.original, "members": self.members, "size": len(self.members),
                "pairs": [{"a": a, "b": b, "jaccard": round(j, 3)} for (a, b), j in sorted(self.similarity.items())]}


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
    from datasketch import MinHash, MinHashLSH

    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be between 0 and 1")
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    signatures: dict[str, MinHash] = {}
    order: dict[str, tuple[str, int]] = {}
    uf = _UnionFind()
    confirmed: dict[tuple[str, str], float] = {}
    for n, (doc_id, text, when) in enumerate(items):
        if doc_id in signatures:
            raise ValueError(f"duplicate id {doc_id!r}")
        grams = shingles(text, k)
        if not grams:
            continue
        m = MinHash(num_perm=num_perm, seed=seed)
        m.update_batch(list(grams))
        for other in lsh.query(m):
            j = float(m.jaccard(signatures[other]))
            if j >= threshold:
                uf.union(other, doc_id)
                confirmed[(other, doc_id)] = j
        lsh.insert(doc_id, m)
        signatures[doc_id] = m
        order[doc_id] = (when or "9999", n)
    groups: dict[str, list[str]] = {}
    for doc_id in signatures:
        groups.setdefault(uf.find(doc_id), []).append(doc_id)
    clusters = []
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda d: order[d])
        inside = set(members)
        pairs = {p: j for p, j in confirmed.items() if p[0] in inside}
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
