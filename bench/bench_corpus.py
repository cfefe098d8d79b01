"""Corpus benchmark: ingest a generated corpus of short articles with planted near-duplicate families into an
SQLite store, then cluster it; prints docs/s, peak memory and cluster precision/recall against the families.

Articles are generated from a made-up vocabulary (no data set needed). A family is one original plus copies
republished with light edits: up to ``--edits`` words changed and a different closing line, dated later.

    python bench/bench_corpus.py                   # 100,000 articles, 10 % in families of 3
    python bench/bench_corpus.py -n 20000 --raw    # no analyzers at all while ingesting
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import peak_rss_mb, report  # noqa: E402


def generate(n: int, family_share: float, family_size: int, edits: int, seed: int, out: Path, per_file: int = 5000
             ) -> dict[str, str]:
    """Write ``n`` articles as JSONL files under ``out``; returns record id -> family id for family members."""
    rng = random.Random(seed)
    vocab = [f"{a}{b}" for a in ("ka", "lo", "mi", "ne", "so", "tu", "ve", "ri", "da", "po")
             for b in ("ran", "tel", "mos", "vik", "lan", "dor", "pes", "gut", "hal", "zin", "bor", "fen")]
    closings = ["Read more on our site.", "Shared from a partner outlet.", "Follow us for updates.",
                "Originally published elsewhere.", "Subscribe to the channel."]
    n_family_docs = int(n * family_share) // family_size * family_size
    truth: dict[str, str] = {}
    records = []
    k = 0
    for fam in range(n_family_docs // family_size):
        words = [rng.choice(vocab) for _ in range(rng.randint(50, 90))]
        for c in range(family_size):
            w = list(words)
            if c:
                for _ in range(rng.randint(0, edits)):
                    w[rng.randrange(len(w))] = rng.choice(vocab)
            rid = f"r{k}"
            truth[rid] = f"F{fam}"
            records.append({"id": rid, "title": f"Story {fam}", "date": f"2024-{1 + fam % 12:02d}-{1 + c:02d}",
                            "text": " ".join(w).capitalize() + ". " + rng.choice(closings)})
            k += 1
    while k < n:
        words = [rng.choice(vocab) for _ in range(rng.randint(50, 90))]
        records.append({"id": f"r{k}", "title": f"Item {k}", "date": f"2024-{1 + k % 12:02d}-15",
                        "text": " ".join(words).capitalize() + ". " + rng.choice(closings)})
        k += 1
    rng.shuffle(records)
    for i in range(0, len(records), per_file):
        with open(out / f"part{i // per_file:04d}.jsonl", "w", encoding="utf-8") as fh:
            for r in records[i:i + per_file]:
                fh.write(json.dumps(r) + "\n")
    return truth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--articles", type=int, default=100_000)
    parser.add_argument("--family-share", type=float, default=0.1)
    parser.add_argument("--family-size", type=int, default=3)
    parser.add_argument("--edits", type=int, default=2, help="most words changed in a copy")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--raw", action="store_true", help="ingest without any analyzer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from narrascope.clusters import near_duplicate_clusters, pairwise_scores
    from narrascope.ingest import ingest
    from narrascope.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        truth_by_record = generate(args.articles, args.family_share, args.family_size, args.edits, args.seed, src)
        db = Path(tmp) / "corpus.db"
        mem0 = peak_rss_mb()
        with open_store(db) as store:
            t0 = time.perf_counter()
            done = ingest([str(src)], store, pipeline=False if args.raw else None, batch_size=500,
                            reader_options={"id_field": "id"})
            ingest_s = time.perf_counter() - t0
            mem_ingest = peak_rss_mb()
            # map stored documents back to the generator's record ids through their metadata
            truth: dict[str, str] = {}
            t0 = time.perf_counter()

            def items():
                for doc_id in store.ids():
                    doc = store.get(doc_id)
                    rid = str(doc.metadata.get("id") or doc.metadata.get("record_id") or "")
                    if rid in truth_by_record:
                        truth[doc_id] = truth_by_record[rid]
                    yield doc_id, doc.text, str(doc.metadata.get("date") or "")

            clusters = near_duplicate_clusters(items(), threshold=args.threshold)
            cluster_s = time.perf_counter() - t0
            stored = store.count()
    scores = pairwise_scores(clusters, truth)
    figures = {
        "articles": args.articles, "stored": stored, "failed": done.failed,
        "ingest_docs_per_s": round(stored / ingest_s, 1), "ingest_s": round(ingest_s, 1),
        "analyzers": "none (--raw)" if args.raw else "light default (no NER or models)",
        "cluster_docs_per_s": round(stored / cluster_s, 1), "cluster_s": round(cluster_s, 1),
        "clusters": len(clusters), "planted_families": len(set(truth_by_record.values())),
        "family_members_mapped": len(truth),
        "precision": round(scores["precision"], 4), "recall": round(scores["recall"], 4), "f1": round(scores["f1"], 4),
        "peak_rss_mb_start": round(mem0), "peak_rss_mb_after_ingest": round(mem_ingest),
        "peak_rss_mb_end": round(peak_rss_mb()),
    }
    report(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
