"""Analyse one constructed example of every input format with an installed `narrascope` command.

Run by .ci/run right after the README's own install (plain pip, fresh venv), so an import that only a
newer pip or the test extras would bring in (lxml_html_clean once was one) fails CI instead of a user.

    python scripts/smoke_formats.py [--narrascope PATH] [--examples DIR]

Each example must exit 0 and come back as the expected number of documents in the expected format.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# example file (relative to the examples folder) -> (metadata.source_format, number of documents)
EXAMPLES = {
    "constructed_example.txt": ("text", 1),
    "formats/article.html": ("html", 1),
    "formats/records.json": ("json", 2),
    "formats/records.jsonl": ("jsonl", 2),
    "formats/records.csv": ("csv", 2),
    "formats/telegram_export/result.json": ("telegram", 2),
    "formats/feed.rss": ("feed", 2),
    "formats/feed.atom": ("feed", 1),
    "formats/archive.warc": ("warc", 2),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--narrascope", default=str(Path(sys.executable).with_name("narrascope")), help="the command to run")
    parser.add_argument("--examples", default=str(ROOT / "examples"), help="the examples folder")
    parser.add_argument("--fast", action="store_true", help="analyse with --fast")
    args = parser.parse_args(argv)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (fmt, count) in EXAMPLES.items():
            out = Path(tmp) / (Path(name).stem + ".jsonl")
            cmd = [args.narrascope, "analyze", str(Path(args.examples) / name), "--quiet", "--json", str(out)]
            if args.fast:
                cmd.append("--fast")
            started = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            seconds = time.perf_counter() - started
            problem = ""
            if proc.returncode != 0:
                problem = f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:] or ''}"
            else:
                text = out.read_text(encoding="utf-8")
                # one document is written as one JSON object, several as JSON Lines
                docs = [json.loads(text)] if count == 1 else [json.loads(line) for line in text.splitlines() if line.strip()]
                formats = {d["metadata"].get("source_format") for d in docs}
                if len(docs) != count or formats != {fmt}:
                    problem = f"expected {count} {fmt} document(s), got {len(docs)} {sorted(map(str, formats))}"
            failed += bool(problem)
            print(f"{'FAIL' if problem else 'ok  '} {name:40} {fmt:9} {seconds:5.1f} s {problem}", flush=True)
    print(f"smoke: {len(EXAMPLES) - failed} of {len(EXAMPLES)} formats analysed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
