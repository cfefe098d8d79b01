"""Throughput and memory of `analyze` over many ~1,000-word articles.

Articles are synthesised from the bundled constructed example (paragraphs shuffled and repeated
with a fixed seed until ~1,000 words), so the benchmark needs no data set and no network.

    python bench/bench_analyze.py                 # 200 articles, 2 processes, default models
    python bench/bench_analyze.py -n 50 -j 1      # single process
    python bench/bench_analyze.py --fast          # the linear models (no transformer)

The default models include the fine-tuned encoder (roles, check-worthiness, technique and narrative heads
on one pass per window); its ONNX graph is assembled into the user's cache on first use, before the timing starts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def synthesise(n: int, words: int = 1000, seed: int = 13) -> list[str]:
    text = (ROOT / "examples" / "constructed_example.txt").read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    head, body, tail = blocks[:3], blocks[3:-2], blocks[-2:]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        paras: list[str] = []
        while sum(len(p.split()) for p in paras) < words:
            paras.append(rng.choice(body))
        # vary the numbers so that documents differ (distinct ids, no accidental caching)
        out.append("\n\n".join(head + paras + tail).replace("45 of", f"{i % 97} of"))
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process or its largest child, in MB (the other benches use it too)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def report(figures: dict, json_path: Path | None) -> None:
    """Print the figures as JSON, and write them to ``json_path`` when given."""
    text = json.dumps(figures, indent=1)
    print(text)
    if json_path:
        json_path.write_text(text + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--articles", type=int, default=200)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--disable", action="append", default=[], help="analyzer to leave out (repeatable)")
    parser.add_argument("--fast", action="store_true", help="the fast (linear) models instead of the default ones")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()

    from narrascope import Document, Pipeline

    texts = synthesise(args.articles, args.words)
    mean_words = sum(len(t.split()) for t in texts) / len(texts)

    start = time.perf_counter()
    pipeline = Pipeline.preset("default", mode="fast" if args.fast else "default", exclude=args.disable)
    for name in pipeline.names:  # load models up front so the timing below is steady-state work
        pipeline.get(name).ensure_ready()
    load_s = time.perf_counter() - start

    start = time.perf_counter()
    docs = list(pipeline.pipe((Document(t) for t in texts), n_process=args.jobs, chunksize=8))
    elapsed = time.perf_counter() - start

    figures = {
        "articles": len(docs),
        "mean_words": round(mean_words),
        "mode": "fast" if args.fast else "default",
        "processes": args.jobs,
        "components": pipeline.enabled,
        "model_load_s": round(load_s, 2),
        "seconds": round(elapsed, 2),
        "articles_per_s": round(len(docs) / elapsed, 2),
        "seconds_per_article": round(elapsed / len(docs), 3),
        "peak_rss_mb_per_process": round(peak_rss_mb(), 1),
        "entities_per_article": round(sum(len(d.groups.get("entities", [])) for d in docs) / len(docs), 1),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    for key, value in figures.items():
        print(f"{key:>26}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
