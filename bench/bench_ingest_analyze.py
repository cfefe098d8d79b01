"""`narrascope ingest --analyze` end to end on every usable core (the default --jobs), default models and --fast.

Articles are synthesised from the bundled constructed example as in bench_analyze.py (paragraphs shuffled
with a fixed seed until ~1,000 words), written as plain-text files named with a date; the command is run as
a user runs it (`narrascope.cli.main`), so the time includes starting the worker processes, loading the
models in each, storing, and the near-duplicate cluster update at the end.

    python bench/bench_ingest_analyze.py            # 40 articles, default models then --fast
    python bench/bench_ingest_analyze.py -n 200 --modes fast
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import peak_rss_mb, report, synthesise  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--articles", type=int, default=40)
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--modes", default="default,fast", help="comma-separated: default, fast")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from narrascope.cli import main as cli
    from narrascope.cli.options import usable_cores
    from narrascope.store import open_store

    figures: dict = {"articles": args.articles, "words_per_article": args.words, "jobs": usable_cores()}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for i, text in enumerate(synthesise(args.articles, args.words)):
            (src / f"2025-06-{1 + i % 28:02d}_article{i:04d}.txt").write_text(text, encoding="utf-8")
        for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
            db = Path(tmp) / f"{mode}.db"
            command = ["ingest", str(src), "--db", str(db), "--analyze"] + (["--fast"] if mode == "fast" else [])
            t0 = time.perf_counter()
            code = cli(command)
            wall = time.perf_counter() - t0
            with open_store(db) as store:
                stored = store.count()
                undated = store.undated_count()[0]
                clusters = store.cluster_count("near-duplicate")
            figures[mode] = {"exit": code, "stored": stored, "undated": undated, "wall_s": round(wall, 2),
                             "docs_per_s": round(stored / wall, 2), "s_per_doc": round(wall / max(1, stored), 3),
                             "near_duplicate_clusters": clusters}
    figures["peak_rss_mb"] = round(peak_rss_mb())
    report(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
