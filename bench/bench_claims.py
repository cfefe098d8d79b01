"""Throughput, load time and memory of the claims analyzer (+ consistency) over ~1,000-word articles.

The upstream layers they use (structure, sentences, language, entities, quotes) are computed first and are
not timed: the figure is what claims + consistency add. Articles are synthesised from the bundled
constructed example (bench_analyze.synthesise), so no data set is needed.

    python bench/bench_claims.py                  # default mode, 200 articles, 2 processes
    python bench/bench_claims.py --fast           # fast mode
    python bench/bench_claims.py -n 50 -j 1       # one process
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import peak_rss_mb, report, synthesise  # noqa: E402

_worker: dict = {}


def _init(mode: str) -> None:
    from narrascope.analyzers.claims import ClaimsAnalyzer
    from narrascope.analyzers.consistency import ConsistencyAnalyzer

    _worker["claims"] = ClaimsAnalyzer(model=mode)
    _worker["consistency"] = ConsistencyAnalyzer()
    _worker["claims"].ensure_ready()


def _run(doc_json: str) -> tuple[float, int, int]:
    from narrascope import Document

    doc = Document.from_json(doc_json)
    t0 = time.perf_counter()
    doc = _worker["consistency"](_worker["claims"](doc))
    bad = sum(g.label == "inconsistent" for g in doc.groups.get("consistency", []))
    return time.perf_counter() - t0, len(doc.spans("claims")), bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--articles", type=int, default=200)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    mode = "fast" if args.fast else "default"

    from narrascope import Document, Pipeline

    upstream = Pipeline.default(exclude=("narratives", "roles", "citations", "mt_residue", "provenance"))
    texts = synthesise(args.articles, args.words)
    docs = [upstream(Document(t)).to_json(indent=None) for t in texts]
    words = sum(len(t.split()) for t in texts) / len(texts)
    sents = sum(len(Document.from_json(d).spans("sentences")) for d in docs[:20]) / min(20, len(docs))

    t0 = time.perf_counter()
    _init(mode)
    _run(docs[0])
    load_s = time.perf_counter() - t0

    if args.jobs <= 1:
        t0 = time.perf_counter()
        results = [_run(d) for d in docs]
    else:
        import concurrent.futures as cf
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(args.jobs, mp_context=ctx, initializer=_init, initargs=(mode,)) as pool:
            list(pool.map(_run, docs[: 2 * args.jobs], chunksize=1))
            t0 = time.perf_counter()
            results = list(pool.map(_run, docs, chunksize=4))
    wall = time.perf_counter() - t0
    per_doc = sorted(r[0] for r in results)
    from narrascope.models.registry import artifact_path, read_card

    card = read_card(artifact_path("checkworthiness", mode)) or {}
    ev = card.get("evaluation") if isinstance(card.get("evaluation"), dict) else {}
    figures = {
        "mode": mode, "articles": len(docs), "mean_words": round(words), "mean_sentences": round(sents, 1),
        "processes": args.jobs, "articles_per_s": round(len(docs) / wall, 2),
        "ms_per_article_in_worker_median": round(1000 * per_doc[len(per_doc) // 2], 1),
        "model_load_s": round(load_s, 2), "peak_rss_mb": round(peak_rss_mb()),
        "claims_per_article": round(sum(r[1] for r in results) / len(results), 2),
        "inconsistencies_per_article": round(sum(r[2] for r in results) / len(results), 2),
        "checkworthiness_cv_f1_yes": (ev.get("cv_train") or {}).get("f1_yes"),
        "checkworthiness_dev_test_f1_yes": (card.get("heldout_for_information", {}).get("dev-test") or {}).get("f1_yes"),
        "cpu_count": os.cpu_count(),
    }
    report(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
