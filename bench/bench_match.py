"""Wall time of ``narrascope match ARTICLES --against REFERENCES`` end to end (a fresh process, as a user runs
it: start-up, reading, analysis, matching), with a cold reference cache and then a warm one; the CPU seconds
of each run too (all its threads), a figure other work on the same cores does not inflate as much.

The default reference list is the EUvsDisinfo case titles (``../shared/data/euvsdisinfo_cases/posts.csv``,
10,892 titles, read from its ``title`` column) and the default articles are the seeds (``../shared/seeds``);
the cache lives in a temporary folder (``$NARRASCOPE_CACHE``), removed at the end.

    python bench/bench_match.py                          # the seeds against the EUvsDisinfo titles
    python bench/bench_match.py --against refs.csv a.txt b.txt --cpus 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NARRASCOPE_SHARED", ROOT.parent / "shared"))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(articles: list[Path], against: Path, cache: Path, out: Path, cpus: int, fast: bool) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, all threads) of one run."""
    env = {**os.environ, "NARRASCOPE_CACHE": str(cache), "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "narrascope", "match", *map(str, articles), "--against", str(against),
           "--quiet", "--json", str(out)] + (["--fast"] if fast else [])
    if cpus and hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", ",".join(str(c) for c in sorted(os.sched_getaffinity(0))[:cpus]), *cmd]
    t0, c0 = time.perf_counter(), _children_cpu()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    took, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if r.returncode != 0:
        sys.exit(f"match failed ({r.returncode}): {r.stderr[-2000:]}")
    return took, cpu


def paraphrase_recall(against: Path, cache: Path) -> dict:
    """The constructed paraphrases and distractors added to the reference list; each constructed claim matched
    against it (default mode, top 1): how many find their paraphrase, how many find anything else."""
    import numpy as np

    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
    from paraphrase_pairs import DISTRACTORS, PAIRS

    from narrascope.claim_matching import Reference, cached_vectors, load_references, match_references, sentence_encoder

    refs = load_references(against)
    extra = [Reference(p, url=f"pair:{i}") for i, (_, p) in enumerate(PAIRS)] + \
            [Reference(d, url=f"distractor:{i}") for i, d in enumerate(DISTRACTORS)]
    encoder = sentence_encoder()
    listed, _ = cached_vectors([r.claim for r in refs], encoder, cache / "match")  # warm: the timed runs filled it
    R = np.vstack([listed, encoder.encode([r.claim for r in extra])])
    found = match_references([c for c, _ in PAIRS], refs + extra, mode="default", top_k=1, reference_vectors=R)
    hits = {int(m["claim"]["doc_id"][4:]): m["reference"]["url"] for m in found}
    right = sum(1 for i, url in hits.items() if url == f"pair:{i}")
    return {"pairs": len(PAIRS), "references": len(refs) + len(extra), "found_paraphrase": right,
            "recall": round(right / len(PAIRS), 3), "matched_something_else": len(hits) - right}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("articles", nargs="*", type=Path)
    parser.add_argument("--against", type=Path, default=SHARED / "data" / "euvsdisinfo_cases" / "posts.csv")
    parser.add_argument("--cpus", type=int, default=2, help="run on this many cores (taskset)")
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--paraphrases", action="store_true",
                        help="also: recall of the constructed paraphrases (tests/paraphrase_pairs.py) hidden in the list")
    args = parser.parse_args()
    articles = args.articles or sorted((SHARED / "seeds").glob("*.txt"))
    if not articles or not args.against.is_file():
        sys.exit("no articles or no reference file (give them, or put ../shared in place)")
    with tempfile.TemporaryDirectory() as tmp:
        cache, out = Path(tmp) / "cache", Path(tmp) / "matches.json"
        load = os.getloadavg()[0]
        cold, cold_cpu = run_once(articles, args.against, cache, out, args.cpus, args.fast)
        warm, warm_cpu = run_once(articles, args.against, cache, out, args.cpus, args.fast)
        data = json.loads(out.read_text(encoding="utf-8"))
        cached = sum(p.stat().st_size for p in (cache / "match").glob("*.npy")) if (cache / "match").is_dir() else 0
        recall = paraphrase_recall(args.against, cache) if args.paraphrases and not args.fast else None
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = {"articles": len(articles), "references": args.against.name, "mode": "fast" if args.fast else "default",
               "cpus": args.cpus, "load_before": round(load, 2), "cold_s": round(cold, 1), "cold_cpu_s": round(cold_cpu, 1),
               "warm_s": round(warm, 1), "warm_cpu_s": round(warm_cpu, 1),
               "shared_pairs": len(data["documents"]), "reference_matches": len(data["references"]),
               "cache_mb": round(cached / 2**20, 1), "peak_rss_mb": round(peak)}
    print(json.dumps(figures, indent=1))
    for m in data["references"][:15]:
        print(f"  {m['score']:.3f} {m['method']:9s} {m['claim']['text'][:70]!r} -> {m['reference']['claim'][:70]!r}")
    if recall is not None:
        figures["paraphrases_in_list"] = recall
        print(json.dumps(recall, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
