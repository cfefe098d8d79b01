"""Throughput, load time and memory of the model-based analyzers over ~1,000-word articles.

The upstream layers they need (structure, sentences, language, entities, quotes) are computed first and are
not timed: the figure is what the named analyzers add. Articles are synthesised from the bundled
constructed example (bench_analyze.synthesise), so no data set is needed.

    python bench/bench_analyzers.py                              # narratives + roles, default mode
    python bench/bench_analyzers.py --components techniques      # persuasion techniques
    python bench/bench_analyzers.py --components claims,consistency --fast
    python bench/bench_analyzers.py -n 50 -j 1                   # one process
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import peak_rss_mb, report, synthesise  # noqa: E402

_MODEL_COMPONENTS = ("narratives", "roles", "techniques", "claims", "consistency")
_timed: tuple[str, ...] = ("narratives", "roles")
_worker = None


def _init(mode: str, workers: int = 1, components: tuple[str, ...] = ("narratives", "roles")) -> None:
    global _worker, _timed
    from narrascope import Pipeline
    from narrascope.models.embeddings import single_threaded_engine

    if workers > 1:
        single_threaded_engine()  # as Pipeline.pipe's workers do

    _timed = components
    _worker = Pipeline.default(options={n: {"model": mode} for n in ("narratives", "roles", "techniques", "claims")})
    for name in _timed:
        _worker.get(name).ensure_ready()


def _run(doc_json: str) -> tuple[float, dict[str, int]]:
    from narrascope import Document

    doc = Document.from_json(doc_json)
    t0 = time.perf_counter()
    for name in _timed:
        doc = _worker.get(name)(doc)
    return time.perf_counter() - t0, {name: len(doc.layers.get(name, [])) for name in _timed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--articles", type=int, default=200)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--components", default="narratives,roles",
                        help="comma-separated analyzers to time (from: %s)" % ", ".join(_MODEL_COMPONENTS))
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    mode = "fast" if args.fast else "default"
    components = tuple(c.strip() for c in args.components.split(",") if c.strip())
    unknown = [c for c in components if c not in _MODEL_COMPONENTS]
    if unknown:
        parser.error(f"unknown component(s): {', '.join(unknown)}")

    from narrascope import Document, Pipeline

    # upstream layers, untimed
    upstream = Pipeline.default(exclude=_MODEL_COMPONENTS + ("citations", "mt_residue", "provenance"))
    texts = synthesise(args.articles, args.words)
    docs = [upstream(Document(t)).to_json(indent=None) for t in texts]
    words = sum(len(t.split()) for t in texts) / len(texts)

    # load time in a fresh process state: models are loaded lazily on first use
    # load time = model files + embedding engine start; the engine starts on first use, so the first
    # article is included (an upper bound)
    t0 = time.perf_counter()
    _init(mode, 1, components)
    _run(docs[0])
    load_s = time.perf_counter() - t0

    if args.jobs <= 1:
        t0 = time.perf_counter()
        results = [_run(d) for d in docs]
    else:
        import concurrent.futures as cf
        import multiprocessing

        # spawn, not fork: a fork after the embedding engine has started its threads can deadlock.
        # Workers load their models and warm up before the clock starts.
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(args.jobs, mp_context=ctx, initializer=_init, initargs=(mode, args.jobs, components)) as pool:
            list(pool.map(_run, docs[: 2 * args.jobs], chunksize=1))
            t0 = time.perf_counter()
            results = list(pool.map(_run, docs, chunksize=4))
    wall = time.perf_counter() - t0
    per_doc = sorted(r[0] for r in results)
    figures = {
        "components": list(components), "mode": mode, "articles": len(docs), "mean_words": round(words), "processes": args.jobs,
        "articles_per_s": round(len(docs) / wall, 2),
        "ms_per_article_in_worker_median": round(1000 * per_doc[len(per_doc) // 2], 1),
        "model_load_s": round(load_s, 2), "peak_rss_mb": round(peak_rss_mb()),
        "spans_per_article": {c: round(sum(r[1][c] for r in results) / len(results), 2) for c in components},
        "cpu_count": os.cpu_count(),
    }
    report(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
