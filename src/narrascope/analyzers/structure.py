"""Layout of the article: title, byline, body paragraphs, headings, media placeholders,
source links, disclaimers and boilerplate; plus the sentence layer every later analyzer uses.

Works on any plain text (the shape of scraped and aggregator-reposted articles: a title line,
an ``Author:`` line, paragraphs, ``Original source: URL``, a trailing disclaimer) and on the text
the HTML and record readers produce. Metadata a reader already found (HTML <title>, JSON fields)
wins over what is guessed here; guessed values are marked in ``metadata["guessed"]``.

Bounded work: the layout is read from :func:`narrascope.text.analysis_text` (at most
``MAX_ANALYSED_CHARS`` characters, ``MAX_ANALYSED_LINES`` lines and ``MAX_ANALYSED_TOKENS`` tokens,
pathological runs read as spaces; ``metadata["analysis_limits"]`` says what was left out), and a paragraph
longer than ``MAX_PARAGRAPH_CHARS`` becomes several ``paragraph`` spans (``attrs.unit``, ``attrs.unit_of``:
the line it was cut from), so every later analyzer that works per paragraph or per sentence inherits a bound
per unit. Time and memory: linear in the analysed prefix.
"""

from __future__ import annotations

import functools

import regex

from .. import text as seg
from ..model import Document
from ..pipeline import register_analyzer
from ..resources import load_json, phrase_alternation
from ..text import analysis_limits, analysis_text
from .base import Analyzer
from .prose import URL_RE, clean_url_end

# Title heuristics: a headline is short and does not end like a body sentence.
_MAX_TITLE_CHARS = 300
_MAX_TITLE_WORDS = 40
_MAX_HEADING_WORDS = 12


@functools.cache
def _patterns() -> dict[str, regex.Pattern]:
    cues = load_json("provenance.json")
    colon = r"\s*[:：]"
    return {
        # "Author:" alone, or "Author: Name", or "By Name" (no colon needed for "by")
        "author": regex.compile(
            rf"^\s*(?:(?P<label>{phrase_alternation(cues['author_label'])}){colon}\s*(?P<name>.*)|(?P<label>by|von|par)\s+(?P<name>\p{{Lu}}.*))$",
            regex.IGNORECASE,
        ),
        "source": regex.compile(
            rf"^\s*(?P<label>{phrase_alternation(cues['source_label'])}){colon}\s*(?P<rest>.*)$",
            regex.IGNORECASE,
        ),
        "date": regex.compile(
            rf"^\s*(?P<label>{phrase_alternation(cues['date_label'])}){colon}\s*(?P<rest>.{{4,60}}?)\s*$",
            regex.IGNORECASE,
        ),
        "disclaimer": regex.compile("|".join(f"(?:{p})" for p in cues["disclaimer"]), regex.IGNORECASE),
        "boilerplate": regex.compile("|".join(f"(?:{p})" for p in cues["boilerplate"]), regex.IGNORECASE),
        # A paragraph that is only a bracketed caption naming a medium: "(Screenshot from ...)", "[Photo: ...]"
        "media": regex.compile(
            rf"^\s*[(\[【（]\s*(?:{phrase_alternation(cues['media_placeholder_words'])})(?![\p{{Latin}}\p{{Cyrillic}}])[^()\[\]【】（）]{{0,300}}[)\]】）]\s*$",
            regex.IGNORECASE,
        ),
    }


def _words(s: str) -> int:
    return len(s.split())


def _ends_like_sentence(s: str) -> bool:
    return s.rstrip().endswith((".", "…", ";", ",", "。"))


@register_analyzer("structure")
class StructureAnalyzer(Analyzer):
    name = "structure"
    produces = ("structure", "sentences")
    version = "1"

    def __call__(self, doc: Document) -> Document:
        text = analysis_text(doc.text)
        limits = analysis_limits(doc.text)
        if limits:
            doc.metadata["analysis_limits"] = limits
        pats = _patterns()
        paras: list[tuple[int, int]] = []
        unit_of: dict[int, tuple[int, int]] = {}
        for s, e in seg.paragraphs(text):
            if e - s <= seg.MAX_PARAGRAPH_CHARS:
                paras.append((s, e))
                continue
            # a paragraph this long is no paragraph (a whole dump on one line): bounded processing units
            for u in seg.units(text, s, e, seg.MAX_PARAGRAPH_CHARS):
                unit_of[len(paras)] = (s, e)
                paras.append(u)
        labels: list[str | None] = [None] * len(paras)
        attrs: list[dict] = [{} for _ in paras]
        guessed: list[str] = []

        def add(start: int, end: int, label: str, score: float = 1.0, **extra) -> None:
            doc.add_span("structure", start, end, label, score=score, source=self.name, attrs=extra)

        # 1. Lines recognised by their own words, anywhere: byline, source link, disclaimer, boilerplate, media.
        pending_author_label: int | None = None
        for i, (s, e) in enumerate(paras):
            line = text[s:e]
            if pending_author_label is not None and i == pending_author_label + 1 and _words(line) <= 6 and not _ends_like_sentence(line):
                labels[i] = "author"
                pending_author_label = None
                continue
            pending_author_label = None
            if i < 8 and _words(line) <= 10 and (m := pats["author"].match(line)):
                name = m.group("name")
                labels[i] = "byline"
                attrs[i] = {"cue": m.group("label")}
                if name:
                    attrs[i]["name_span"] = [s + m.start("name"), s + m.end("name")]
                else:
                    pending_author_label = i  # "Author:" on its own line; the name follows
                continue
            if (m := pats["source"].match(line)) and URL_RE.search(m.group("rest") or ""):
                labels[i] = "source_link"
                attrs[i] = {"cue": m.group("label")}
                continue
            if i < 8 and _words(line) <= 10 and (m := pats["date"].match(line)):
                labels[i] = "dateline"
                attrs[i] = {"cue": m.group("label"), "value": m.group("rest")}
                continue
            if pats["media"].match(line):
                labels[i] = "media_placeholder"
                continue
            if pats["disclaimer"].search(line):
                labels[i] = "disclaimer"
                continue
            if pats["boilerplate"].search(line) and _words(line) <= 40:
                labels[i] = "boilerplate"

        # 2. Title: a reader-supplied title located in the text, else the first short unlabeled
        #    paragraph before the body that does not read like a body sentence.
        title_index: int | None = None
        meta_title = (doc.metadata.get("title") or "").strip()
        if meta_title:
            pos = text.find(meta_title)
            if pos >= 0:
                for i, (s, e) in enumerate(paras):
                    if s <= pos < e and labels[i] is None:
                        title_index = i
                        break
                else:
                    add(pos, pos + len(meta_title), "title", 0.9)
        else:
            for i, (s, e) in enumerate(paras[:4]):
                if labels[i] is not None:
                    continue
                line = text[s:e]
                if len(line) <= _MAX_TITLE_CHARS and _words(line) <= _MAX_TITLE_WORDS and not _ends_like_sentence(line):
                    title_index = i
                    doc.metadata["title"] = line.strip()
                    guessed.append("title")
                break
        if title_index is not None:
            labels[title_index] = "title"

        # 3. Body: the rest. Short unterminated lines inside the body are headings (subheads, pull quotes).
        for i, (s, e) in enumerate(paras):
            if labels[i] is None:
                line = text[s:e]
                if _words(line) <= _MAX_HEADING_WORDS and not _ends_like_sentence(line) and not line.rstrip().endswith(("!", "?")):
                    labels[i] = "heading"
                else:
                    labels[i] = "paragraph"

        # A trailing run of short lines after the source link / disclaimer is boilerplate too.
        # (the first such line, found once: asking "is there one before?" per line was quadratic in lines)
        first_link = next((j for j, lab in enumerate(labels) if lab in ("disclaimer", "source_link")), len(paras))
        tail = len(paras) - 1
        while tail >= 0 and labels[tail] in ("disclaimer", "source_link", "boilerplate", "heading"):
            if labels[tail] == "heading" and first_link < tail:
                labels[tail] = "boilerplate"
            tail -= 1

        for i, (s, e) in enumerate(paras):
            if i in unit_of:
                attrs[i]["unit"] = True
                attrs[i]["unit_of"] = list(unit_of[i])
            add(s, e, labels[i] or "paragraph", **attrs[i])
            if labels[i] == "byline" and "name_span" in attrs[i]:
                ns, ne = attrs[i]["name_span"]
                if ne > ns:
                    add(ns, ne, "author")
                    if not doc.metadata.get("author"):
                        doc.metadata["author"] = text[ns:ne]
                        guessed.append("author")
            elif labels[i] == "author" and not doc.metadata.get("author"):
                doc.metadata["author"] = text[s:e].strip()
                guessed.append("author")
            elif labels[i] == "source_link" and not doc.metadata.get("source_url"):
                m = URL_RE.search(text, s, e)
                if m:
                    doc.metadata["source_url"] = text[m.start() : clean_url_end(text, m.start(), m.end())]
        if guessed:
            doc.metadata["guessed"] = sorted(set(doc.metadata.get("guessed", [])) | set(guessed))

        # 4. Sentences of everything that is prose (title, headings, paragraphs).
        for i, (s, e) in enumerate(paras):
            if labels[i] in ("title", "heading", "paragraph"):
                for ss, se in seg.sentences(text, s, e):
                    doc.add_span("sentences", ss, se, "sentence", source=self.name, attrs={"paragraph": i})
        return doc
