"""Time and peak memory of `analyze` on hostile text layouts, every case in its own process.

Each family is text an article reader can hand the pipeline (it is under the 5 MiB limit), laid out to hit a
weak spot: no spaces at all, one character repeated, combining marks or emoji by the thousand, one line of
millions of words, millions of line breaks, nested quotation marks, a URL of megabytes, right-to-left and
zero-width characters, dense numbers, and a plain 5 MiB article. Everything is generated here (the normal
article from the bundled constructed example), so the benchmark needs no data set and no network.

    python bench/bench_adversarial.py                       # every family, both modes, table printed
    python bench/bench_adversarial.py --write-results       # ... and the table into bench/RESULTS.md
    python bench/bench_adversarial.py -f quotes -m fast     # one family, one mode
    python bench/bench_adversarial.py --scale 0.1           # everything at a tenth of the size

Targets (issue 12): ≤ 30 s with ``--fast``, ≤ 120 s by default, peak RSS ≤ 1.5 GB, on 2 cores. "seconds" is
the whole run of the child process as a user waits for it (start, model loading, analysis); "analyse" is the
pipeline call alone. Peak RSS is the child's (models included).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import ROOT, peak_rss_mb, report  # noqa: E402

LIMIT = 5 * 1024 * 1024  # the readers' DEFAULT_MAX_BYTES: the largest article accepted
FAST = {name: {"model": "fast"} for name in ("narratives", "roles", "techniques", "claims")}
TARGET_S = {"fast": 30.0, "default": 120.0}
TARGET_MB = 1536.0

_WORDS = ("the government said on monday that its forces had taken control of the region after weeks of "
          "fighting while officials in the capital denied any role in the attacks and called for talks with "
          "all sides according to a statement published by the ministry which also warned of new sanctions "
          "against companies that supply weapons to the rebels").split()
_NAMES = ("Anna Keller", "the Ministry of Defence", "NATO", "Kazakhstan", "Tom Brandt", "Harbour TV", "Moscow",
          "the European Union", "Ivan Petrov", "Reuters")


def _fit(text: str, size: int) -> str:
    """``text`` cut to at most ``size`` bytes of UTF-8 (on a character boundary)."""
    data = text.encode("utf-8")
    if len(data) <= size:
        return text
    return data[:size].decode("utf-8", "ignore")


def _repeat(unit: str, size: int) -> str:
    n = size // max(1, len(unit.encode("utf-8"))) + 1
    return _fit(unit * n, size)


def _prose(size: int, seed: int, stops: bool = True, newlines: bool = False) -> str:
    """Real-looking sentences from a fixed word list, with names, numbers and quotes."""
    rng = random.Random(seed)
    out, n = [], 0
    while n < size:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 30))]
        words.insert(rng.randrange(len(words)), rng.choice(_NAMES))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), f"{rng.randint(2, 900)} soldiers")
        sentence = " ".join(words)
        if rng.random() < 0.2:
            sentence = f'"{sentence}," {rng.choice(_NAMES)} said'
        sentence = sentence[0].upper() + sentence[1:]
        sentence += ". " if stops else (", " if rng.random() < 0.5 else " ")
        if newlines and rng.random() < 0.15:
            sentence += "\n\n"
        out.append(sentence)
        n += len(sentence)
    return _fit("".join(out), size)


def _article(size: int, seed: int = 13) -> str:
    """A normal multi-paragraph article: the constructed example's paragraphs, shuffled and repeated."""
    text = (ROOT / "examples" / "constructed_example.txt").read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    head, body = blocks[:3], blocks[3:-2]
    rng = random.Random(seed)
    out, n = list(head), sum(len(b) for b in head)
    while n < size:
        b = rng.choice(body)
        out.append(b)
        n += len(b) + 2
    return _fit("\n\n".join(out), size)


def _emoji(size: int) -> str:
    # different emoji (not one repeated character), some with skin tones and ZWJ sequences
    rng = random.Random(5)
    units = [chr(c) for c in range(0x1F600, 0x1F64F)] + ["\U0001F44D\U0001F3FD", "\U0001F469\u200D\U0001F4BB",
                                                          "\U0001F1FA\U0001F1E6", "\u2764\uFE0F"]
    out, n = [], 0
    while n < size:
        u = rng.choice(units)
        out.append(u)
        n += len(u.encode("utf-8"))
    return _fit("".join(out), size)


def _zalgo(size: int) -> str:
    rng = random.Random(7)
    marks = [chr(c) for c in range(0x0300, 0x036F)]
    out, n = [], 0
    while n < size:
        word = "".join(ch + "".join(rng.choice(marks) for _ in range(rng.randint(20, 60))) for ch in rng.choice(_WORDS))
        out.append(word + " ")
        n += len(word.encode("utf-8")) + 1
    return _fit("".join(out), size)


def _rtl(size: int) -> str:
    unit = ("שלום\u200f עולם\u200e hello\u200b مرحبا\u200d بالعالم \u202eevil\u202c Kazakhstan\u2066 said\u2069 "
            "\u200b\u200c\u200d\ufeff ")
    return _repeat(unit, size)


def _nested_guillemets(size: int) -> str:
    depth = 2000
    unit = "«a " * depth + "word" + " b»" * depth + " "
    return _repeat(unit, size)


def _url(size: int) -> str:
    rng = random.Random(3)
    parts, n = ["https://www.example-news.ru/"], 0
    while n < size:
        p = f"{rng.choice(_WORDS)}-{rng.randint(0, 99)}/?id={rng.randint(0, 10**6)}&x=(a){rng.choice(_WORDS)}."
        parts.append(p)
        n += len(p)
    return _fit("Original source: " + "".join(parts), size)


def _names(size: int) -> str:
    """A list of thousands of different people (a casualty or sanctions list)."""
    rng = random.Random(11)
    syl = "ka lo mi ra den vo ste pan bor lin ger tsu ma ri no vel dan kor".split()

    def name() -> str:
        return "".join(rng.choice(syl) for _ in range(3)).capitalize()

    out, n = [], 0
    while n < size:
        line = f"{name()} {name()}ov met {name()} {name()} in {rng.choice(['Moscow', 'Kyiv', 'Astana'])}.\n"
        out.append(line)
        n += len(line)
    return _fit("".join(out), size)


# family -> (what it is, generator(size), sizes in bytes). The first size is the one the issue measured
# on main, where there is one; LIMIT is always there.
FAMILIES = {
    "no_spaces": ("one line of 'a', no spaces (main: >180 s at 1 MB)", lambda n: "a" * n, [1 << 20, LIMIT]),
    "quotes": ('straight quotation marks only (main: >150 s at 100,000)', lambda n: '"' * n, [100_000, LIMIT]),
    "words_line": ("one line of words, sentences with full stops (main: 70 s / 3.5 GB at 1 MB; MemoryError at 4.5 MB)",
                   lambda n: _prose(n, 1), [1 << 20, 4_500_000, LIMIT]),
    "no_full_stops": ("one paragraph of real-looking sentences without full stops",
                      lambda n: _prose(n, 2, stops=False), [LIMIT]),
    "combining": ("one letter and combining marks (main: 62 s at 50,000)", lambda n: _fit("a" + "\u0301" * n, n),
                  [100_000, LIMIT]),
    "zalgo": ("words with 20-60 combining marks on every letter", _zalgo, [LIMIT]),
    "emoji": ("different emoji, skin tones and ZWJ sequences (main: 25 s at 10,000)", _emoji, [40_000, LIMIT]),
    "newlines": ("line breaks only", lambda n: "\n" * n, [LIMIT]),
    "tiny_lines": ("'a' on millions of lines", lambda n: _repeat("a\n", n), [LIMIT]),
    "guillemets": ("«» nested 2,000 deep, repeated", _nested_guillemets, [LIMIT]),
    "long_url": ("one URL of megabytes after 'Original source:'", _url, [LIMIT]),
    "rtl_zero_width": ("Hebrew, Arabic, bidi controls and zero-width characters", _rtl, [LIMIT]),
    "numbers": ("numbers, fractions and dates in one run-on line",
                lambda n: _repeat("12 of the 34 soldiers, one-third (11 people), a total of 90: 40, 30 and 20 "
                                  "from 5 May 2023 to 2 May 2023 then 3 May ", n), [LIMIT]),
    "initials": ("'A.' repeated without spaces", lambda n: _repeat("A.", n), [LIMIT]),
    "spaced_label": ("'Source: x', megabytes of spaces, 'y' on one line",
                     lambda n: _fit("Source: x" + " " * n + "y", n), [LIMIT]),
    "apostrophes": ("'a'' repeated without spaces", lambda n: _repeat("a'", n), [LIMIT]),
    "boilerplate_lines": ("a title, then one boilerplate line repeated (\\r line ends)",
                          lambda n: _fit("Title\r\n" + "Subscribe to our Telegram channel @news\r" * (n // 40), n), [LIMIT]),
    "names": ("a list of thousands of different people's names", _names, [LIMIT]),
    "article": ("a normal multi-paragraph article, 5 MiB", _article, [LIMIT]),
}


def case(family: str, size: int, mode: str) -> dict:
    """Run one case in this process and return its figures."""
    start = time.perf_counter()
    text = FAMILIES[family][1](size)
    from narrascope import Document, Pipeline

    pipeline = Pipeline.default(options=FAST if mode == "fast" else None)
    for name in pipeline.names:
        pipeline.get(name).ensure_ready()
    ready = time.perf_counter()
    doc = pipeline(Document(text))
    done = time.perf_counter()
    spans = [s for layer in doc.layers.values() for s in layer]
    return {
        "family": family, "mode": mode, "bytes": len(text.encode("utf-8")), "chars": len(text),
        "load_s": round(ready - start, 2), "analyse_s": round(done - ready, 2),
        "spans": len(spans), "offsets_valid": all(0 <= s.start <= s.end <= len(text) for s in spans),
        "analysed_chars": (doc.metadata.get("analysis_limits") or {}).get("analysed_chars", len(text)),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def run_child(family: str, size: int, mode: str, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--child", family, str(size), mode]
    start = time.perf_counter()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"family": family, "mode": mode, "bytes": size, "error": f"over {timeout:.0f} s",
                "seconds": round(time.perf_counter() - start, 1)}
    seconds = round(time.perf_counter() - start, 2)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"family": family, "mode": mode, "bytes": size, "seconds": seconds,
                "error": (out.stderr.strip().splitlines() or [f"rc {out.returncode}"])[-1][:200]}
    figures = json.loads(lines[-1])
    figures["seconds"] = seconds
    return figures


def table(rows: list[dict]) -> str:
    head = ("| family | size | mode | seconds (analyse) | peak RSS | analysed chars | spans | within target |\n"
            "|---|---:|---|---:|---:|---:|---:|---|\n")
    body = []
    for r in rows:
        size = f"{r['bytes'] / (1 << 20):.2f} MiB" if r["bytes"] >= 1 << 20 else f"{r['bytes'] / 1000:.0f} kB"
        if "error" in r:
            body.append(f"| {r['family']} | {size} | {r['mode']} | {r['seconds']} | — | — | — | **no: {r['error']}** |")
            continue
        ok = (r["seconds"] <= TARGET_S[r["mode"]] and r["peak_rss_mb"] <= TARGET_MB and r["offsets_valid"])
        body.append(f"| {r['family']} | {size} | {r['mode']} | {r['seconds']:.1f} ({r['analyse_s']:.1f}) | "
                    f"{r['peak_rss_mb']:.0f} MB | {r['analysed_chars']:,} | {r['spans']:,} | {'yes' if ok else '**no**'} |")
    return head + "\n".join(body) + "\n"


SECTION = "## Adversarial layouts (issue 12, bounded work)"


def write_results(markdown: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text(encoding="utf-8")
    if SECTION in text:  # replace our section, keep the others
        before, rest = text.split(SECTION, 1)
        after = rest[rest.find("\n## "):] if "\n## " in rest else ""
        text = before.rstrip("\n") + "\n\n" + markdown.rstrip("\n") + "\n" + after
    else:
        text = text.rstrip("\n") + "\n\n" + markdown
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-f", "--family", action="append", choices=sorted(FAMILIES), help="family (repeatable)")
    parser.add_argument("-m", "--mode", action="append", choices=("fast", "default"), help="mode (repeatable)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (0.1: a tenth)")
    parser.add_argument("--limit-only", action="store_true", help="only the 5 MiB size of each family")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a case counts as hung")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--write-results", action="store_true", help="put the table into bench/RESULTS.md")
    parser.add_argument("--from-json", type=Path, help="make the table from figures written by --json, run nothing")
    parser.add_argument("--child", nargs=3, metavar=("FAMILY", "SIZE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        family, size, mode = args.child
        print(json.dumps(case(family, int(size), mode)), flush=True)
        return 0

    rows = []
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        rows, load = saved["rows"], saved.get("load_average")
    for family in [] if args.from_json else args.family or list(FAMILIES):
        sizes = FAMILIES[family][2][-1:] if args.limit_only else FAMILIES[family][2]
        for size in sizes:
            for mode in args.mode or ["fast", "default"]:
                r = run_child(family, max(1, int(size * args.scale)), mode, args.timeout)
                rows.append(r)
                print(f"{family:>15} {r['bytes']:>9} {mode:>7}: " + (r.get("error") or
                      f"{r['seconds']:6.1f} s (analyse {r['analyse_s']:.1f}), {r['peak_rss_mb']:.0f} MB"), flush=True)
    from narrascope import text as seg

    markdown = (f"{SECTION}\n\n`python bench/bench_adversarial.py` — each case in its own process (the seconds "
                f"are its whole run: start, model loading, analysis; peak RSS is the process's), {os.cpu_count()} "
                f"cores, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}"
                + (f", load average {load:.1f} when it started (the machine is shared)" if load is not None else "")
                + f". Targets: ≤ {TARGET_S['fast']:.0f} s `--fast`, ≤ {TARGET_S['default']:.0f} s default, "
                f"≤ {TARGET_MB:.0f} MB.\n\n"
                + "\n".join(f"- **{name}**: {what}" for name, (what, _, _) in FAMILIES.items()
                            if any(r["family"] == name for r in rows))
                + "\n\n" + table(rows)
                + f"\nThe bound: every analyzer reads `narrascope.text.analysis_text(doc.text)`, at most "
                f"{seg.MAX_ANALYSED_CHARS:,} characters, {seg.MAX_ANALYSED_TOKENS:,} tokens and "
                f"{seg.MAX_ANALYSED_LINES:,} lines of the text (\"analysed chars\"; `metadata[\"analysis_limits\"]` "
                f"says what was left out), with runs of more than {seg.MAX_RUN} repeated or symbol characters and "
                f"more than {seg.MAX_MARKS} combining marks read as spaces (offsets unchanged), in sentence units of "
                f"at most {seg.MAX_SENTENCE_CHARS:,} and paragraph units of at most {seg.MAX_PARAGRAPH_CHARS:,} "
                f"characters; for an ordinary article it is the text itself, so results on it do not change.\n")
    print()
    print(markdown)
    if args.write_results:
        write_results(markdown)
    if args.json:
        report({"rows": rows, "load_average": load}, args.json)
    return 0 if all("error" not in r and r["offsets_valid"] and r["seconds"] <= TARGET_S[r["mode"]]
                    and r["peak_rss_mb"] <= TARGET_MB for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
