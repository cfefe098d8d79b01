#!/usr/bin/env python3
"""Render a narrascope HTML report and take a PNG screenshot of it (docs/report.png).

Sources, in order of preference:
  * Document JSON files given on the command line (one document, a list, or JSONL);
  * otherwise ``examples/*.txt`` analysed with ``narrascope.analyze``;
  * otherwise (or when the pipeline fails) the hand-annotated demo document.

Uses Playwright's python package driving Debian's chromium (scripts/install_browser.sh);
it never downloads a browser.

    .venv/bin/python scripts/screenshot_report.py                 # examples or demo
    .venv/bin/python scripts/screenshot_report.py doc.json -o out.png --html out.html
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from narrascope.model import Document  # noqa: E402
from narrascope.render.html import demo_document, render_html  # noqa: E402

from narrascope.render.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
MAX_BYTES = 500_000


def load_json_documents(path: Path) -> list[Document]:
    raw = path.read_text(encoding="utf-8")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return [Document.from_json(line) for line in raw.splitlines() if line.strip()]
    if isinstance(data, list):
        return [Document.from_dict(item) for item in data]
    return [Document.from_dict(data)]


def example_documents() -> list[Document]:
    texts = sorted((ROOT / "examples").glob("*.txt"))
    if not texts:
        return []
    try:
        import narrascope

        return [narrascope.analyze(path) for path in texts]
    except Exception as exc:  # the pipeline may not be complete yet
        print(f"screenshot_report: pipeline failed on examples ({type(exc).__name__}: {exc}); using the demo document", file=sys.stderr)
        return []


def pick_span(doc: Document) -> str | None:
    """The id of an entity mention that belongs to the biggest group (the most telling click)."""
    best: tuple[int, str] | None = None
    for groups in doc.groups.values():
        for group in groups:
            for sid in group.span_ids:
                span = doc.span_by_id(sid)
                if span is not None and span.end > span.start and sid.startswith("entities:"):
                    cand = (len(group.span_ids), sid)
                    if best is None or cand[0] > best[0]:
                        best = cand
                    break
    if best:
        return best[1]
    for layer in ("quotes", "citations", "entities"):
        for span in doc.spans(layer):
            if span.end > span.start:
                return span.id
    return None


def screenshot(html_path: Path, out: Path, *, click: str | None, width: int, height: int, view: str = "top") -> None:
    """``view``: "top" shows the page as it opens (header, summary, the boxes); "text" scrolls to the
    highlighted text with the side panel explaining the clicked passage."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(html_path.resolve().as_uri())
            if click:
                handle = page.evaluate_handle(
                    "ref => Array.from(document.querySelectorAll('.seg')).find(s => (s.getAttribute('data-spans') || '').split(' ').includes(ref)) || null",
                    click,
                )
                element = handle.as_element()
                if element is not None:
                    element.click()
                    page.wait_for_timeout(300)
            if view == "text":
                page.evaluate("(() => { const b = document.querySelector('.doc-body'); if (b) window.scrollTo(0, b.getBoundingClientRect().top + window.scrollY - 12); })()")
            else:
                page.evaluate("window.scrollTo(0, 0)")
            page.mouse.move(0, 0)  # no hover effect where the click was
            page.wait_for_timeout(200)
            page.screenshot(path=str(out), full_page=False)
            if errors:
                print("screenshot_report: page errors: " + "; ".join(errors), file=sys.stderr)
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", nargs="*", type=Path, help="Document JSON files (default: examples/*.txt or the demo)")
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "docs" / "report.png")
    ap.add_argument("--html", type=Path, help="also keep the rendered HTML here")
    ap.add_argument("--demo", action="store_true", help="use the built-in demo document")
    ap.add_argument("--width", type=int, default=1440)
    ap.add_argument("--height", type=int, default=1000)
    ap.add_argument("--view", choices=("top", "text"), default="top",
                    help="top: the page as it opens (summary first); text: the highlighted text and the side panel")
    args = ap.parse_args(argv)

    if not Path(CHROMIUM).exists():
        print(f"screenshot_report: {CHROMIUM} is missing; run scripts/install_browser.sh", file=sys.stderr)
        return 2

    docs: list[Document] = []
    if args.json:
        for path in args.json:
            docs.extend(load_json_documents(path))
    elif not args.demo:
        docs = example_documents()
    if not docs:
        docs = [demo_document()]

    html = render_html(docs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        html_path = Path(tmp) / "report.html"
        html_path.write_text(html, encoding="utf-8")
        if args.html:
            args.html.parent.mkdir(parents=True, exist_ok=True)
            args.html.write_text(html, encoding="utf-8")
        screenshot(html_path, args.out, click=pick_span(docs[0]), width=args.width, height=args.height, view=args.view)

    size = args.out.stat().st_size
    print(f"screenshot_report: wrote {args.out} ({size:,} bytes) from {len(docs)} document(s)")
    if size > MAX_BYTES:
        print(f"screenshot_report: warning: {args.out} is over {MAX_BYTES:,} bytes; try a smaller --height", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
