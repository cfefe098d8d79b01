#!/usr/bin/env python3
"""Screenshots of the web UI for the README: docs/dashboard.png (the dashboard) and docs/article.png (an
article page), from a small corpus built only from this repository's constructed examples.

The corpus: ``examples/constructed_example.txt`` under dated file names (``2025-06-14_...``, so the weekly
charts have points), once more under a second name (an exact copy for the Clusters page), a lightly edited
variant under an undated name (a near copy, and the dashboard's undated count), and every file in
``examples/formats/``; ingested with ``--analyze`` (some ten seconds) and
``--outlets docs/outlets.example.csv`` into a temporary SQLite store, served on a free loopback port and
photographed with Playwright driving Debian's Chromium (scripts/install_browser.sh; never ``playwright
install``). No dataset or seed text is read.

    .venv/bin/python scripts/screenshot_corpus.py                  # docs/dashboard.png, docs/article.png
    .venv/bin/python scripts/screenshot_corpus.py --report         # and docs/report.png (screenshot_report.py)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from narrascope.render.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

EXAMPLE = ROOT / "examples" / "constructed_example.txt"
FORMATS = ROOT / "examples" / "formats"
OUTLETS = ROOT / "docs" / "outlets.example.csv"
MAX_BYTES = 400_000
# the edit that makes the variant a near copy rather than an exact one (constructed, like the example)
VARIANT_LINE = "Reposted with a new headline: Moldova's grid deal, one week on.\n\n"
# a cited channel named in docs/outlets.example.csv (invented, like the example), so an outlet and its labels show
OUTLET_LINE = '(Screenshot from Telegram channel "Harbour TV")\n\n'


def build_corpus(folder: Path) -> None:
    """The constructed example (citing one more channel) under dated names (one an exact copy), an undated edited variant, examples/formats."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("Original source:", OUTLET_LINE + "Original source:", 1)
    (folder / "2025-06-14_moldova-energy.txt").write_text(text, encoding="utf-8")
    (folder / "2025-06-16_moldova-energy-repost.txt").write_text(text, encoding="utf-8")
    (folder / "moldova-energy-week-on.txt").write_text(VARIANT_LINE + text, encoding="utf-8")
    shutil.copytree(FORMATS, folder / "formats")


def ingest(folder: Path, db: Path, *, fast: bool) -> None:
    cmd = [sys.executable, "-m", "narrascope", "ingest", str(folder), "--db", str(db), "--analyze",
           "--outlets", str(OUTLETS)]
    if fast:
        cmd.append("--fast")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run(cmd, check=True, env=env)


def serve(db: Path):
    """``narrascope serve``'s app for ``db`` on a free loopback port (``with serve(db) as base:``)."""
    from narrascope.web import create_app
    from narrascope.web.live import LiveServer

    return LiveServer(create_app(str(db), allowed_hosts={"127.0.0.1", "localhost"}))


def article_path(base: str) -> str:
    """The page of the constructed example (the document with the most findings would do; this one is known)."""
    with urllib.request.urlopen(base + "/search?q=Moldova&format=json", timeout=30) as response:
        data = json.load(response)
    for hit in data.get("hits", []):
        if hit.get("date") == "2025-06-14":  # the example under its first file name
            return f"/documents/{hit['doc_id']}"
    raise RuntimeError("the constructed example is not in the corpus")


def shoot(base: str, pages: list[tuple[str, Path]], *, width: int, height: int, max_height: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
            for path, out in pages:
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(base + path, wait_until="networkidle")
                page.wait_for_timeout(300)
                full = page.evaluate("document.documentElement.scrollHeight")
                clip_height = max(height, min(full, max_height))
                # a frame (the article's report) is painted only inside the viewport: make it the whole shot
                page.set_viewport_size({"width": width, "height": clip_height})
                for frame in page.frames[1:]:
                    frame.wait_for_load_state("load")
                page.wait_for_timeout(500)
                page.screenshot(path=str(out), clip={"x": 0, "y": 0, "width": width, "height": clip_height})
                if errors:
                    print(f"screenshot_corpus: page errors on {path}: " + "; ".join(errors), file=sys.stderr)
                page.close()
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", type=Path, default=ROOT / "docs")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=900)
    ap.add_argument("--max-height", type=int, default=1500, help="clip each page at this height (px)")
    ap.add_argument("--fast", action="store_true", help="ingest with --fast (the linear models; fewer findings)")
    ap.add_argument("--report", action="store_true", help="also regenerate docs/report.png (screenshot_report.py)")
    ap.add_argument("--keep", type=Path, help="keep the corpus store here")
    args = ap.parse_args(argv)

    if not Path(CHROMIUM).exists():
        print(f"screenshot_corpus: {CHROMIUM} is missing; run scripts/install_browser.sh", file=sys.stderr)
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)
    outs = [args.out_dir / "dashboard.png", args.out_dir / "article.png"]
    with tempfile.TemporaryDirectory(prefix="narrascope-") as tmp:
        folder = Path(tmp) / "examples"
        folder.mkdir()
        build_corpus(folder)
        db = args.keep or Path(tmp) / "corpus.db"
        ingest(folder, db, fast=args.fast)
        with serve(db) as base:
            shoot(base, [("/", outs[0]), (article_path(base), outs[1])],
                  width=args.width, height=args.height, max_height=args.max_height)
    status = 0
    for out in outs:
        size = out.stat().st_size
        print(f"screenshot_corpus: wrote {out} ({size:,} bytes)")
        if size > MAX_BYTES:
            print(f"screenshot_corpus: warning: {out} is over {MAX_BYTES:,} bytes; try a smaller --max-height",
                  file=sys.stderr)
            status = 1
    if args.report:
        report = subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshot_report.py"),
                                 "-o", str(args.out_dir / "report.png")])
        status = status or report.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
