"""Loaders for SemEval-2023 Task 3 subtask 3 (persuasion techniques) and SemEval-2020 Task 11 (PTC) spans.

Layout read (``DATA`` is ``../shared/data``)::

    DATA/semeval2023_task3/<lang>/train-articles-subtask-3/article<ID>.txt
    DATA/semeval2023_task3/<lang>/train-labels-subtask-3-spans/article<ID>-labels-subtask-3.txt  id TAB technique TAB start TAB end
    DATA/semeval2023_task3/<lang>/train-labels-subtask-3.txt       id TAB line TAB t1,t2,...  (paragraph gold)
    DATA/semeval2023_task3/<lang>/<split>-labels-subtask-3.template id TAB line TAB text
    DATA/semeval2020_task11_ptc/datasets/train-articles/article<ID>.txt, train-task2-TC.labels
    DATA/semeval2020_task11_ptc/dev_gold_from_PeerDA/dev-task-TC.labels

Articles are read as UTF-8 with newlines untouched (span offsets count every character, ``\\r`` included).
A paragraph is a line of the article; line numbers start at 1 (the title). Span ends are exclusive.

Traps handled here: one gold label has a stray character (``Appeal_to_Fear-Prejudi-čce``), normalised
to the nearest official name; PTC's merged classes map to several SemEval-2023 techniques (ambiguous, so
they are dropped from span training); the 446 SemEval-2023 English training articles ARE the PTC train
(371) and dev (75) articles, so PTC spans are used only for articles without a 2023 span file, and the
SemEval-2023 English dev articles are PTC's test articles (never loaded for training).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ...taxonomy import load_taxonomy

TAXONOMY = "semeval2023_techniques"


def official_techniques() -> list[str]:
    tax = load_taxonomy(TAXONOMY)
    return [lab.name for lab in tax.labels if lab.level == "technique" and lab.attrs.get("official", True)]


def normalise_label(name: str) -> str | None:
    """The official technique for a gold string, repairing stray characters; None when nothing is close."""
    names = official_techniques()
    name = name.strip()
    if name in names:
        return name
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.85)
    return close[0] if close else None


@dataclass
class Article:
    id: str
    lang: str
    text: str
    spans: list[tuple[str, int, int]] = field(default_factory=list)  # (technique, start, end)
    paragraph_labels: dict[int, set[str]] = field(default_factory=dict)  # line -> techniques

    def lines(self) -> list[tuple[int, int, int]]:
        """(line number, start, end) of every non-blank line; end excludes the newline."""
        out, pos = [], 0
        for number, line in enumerate(self.text.split("\n"), start=1):
            if line.strip():
                out.append((number, pos, pos + len(line.rstrip("\r"))))
            pos += len(line) + 1
        return out


def read_article(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _article_id(path: Path) -> str:
    return path.name.split("-")[0].removeprefix("article").removesuffix(".txt")


def read_spans(path: Path) -> list[tuple[str, int, int]]:
    out = []
    for row in path.read_text(encoding="utf-8").splitlines():
        parts = row.split("\t")
        if len(parts) < 4:
            continue
        label = normalise_label(parts[1])
        if label is not None:
            out.append((label, int(parts[2]), int(parts[3])))
    return out


def read_paragraph_labels(path: Path) -> dict[str, dict[int, set[str]]]:
    out: dict[str, dict[int, set[str]]] = {}
    for row in path.read_text(encoding="utf-8").splitlines():
        parts = row.split("\t")
        if len(parts) < 2 or not parts[1].strip().isdigit():
            continue
        labels = {lab for lab in (normalise_label(x) for x in (parts[2] if len(parts) > 2 else "").split(",") if x.strip()) if lab}
        out.setdefault(parts[0].strip(), {})[int(parts[1])] = labels
    return out


def read_template(path: Path) -> list[tuple[str, int, str]]:
    """Rows ``(id, line, text)`` of a ``*-labels-subtask-3.template`` file, in file order."""
    rows = []
    for row in path.read_text(encoding="utf-8").splitlines():
        parts = row.split("\t", 2)
        if len(parts) >= 2 and parts[1].strip().isdigit():
            rows.append((parts[0].strip(), int(parts[1]), parts[2] if len(parts) > 2 else ""))
    return rows


def load_ptc_spans(ptc_root: Path) -> dict[str, list[tuple[str, int, int]]]:
    """PTC train + dev technique spans mapped to SemEval-2023 names; merged (ambiguous) classes dropped."""
    mapping = load_taxonomy(TAXONOMY).mappings["semeval2020_ptc"]["map"]
    files = [ptc_root / "datasets" / "train-task2-TC.labels", ptc_root / "dev_gold_from_PeerDA" / "dev-task-TC.labels"]
    out: dict[str, list[tuple[str, int, int]]] = {}
    for path in files:
        if not path.is_file():
            continue
        for row in path.read_text(encoding="utf-8").splitlines():
            parts = row.split("\t")
            if len(parts) < 4:
                continue
            targets = mapping.get(parts[1].strip(), [])
            if len(targets) == 1:
                out.setdefault(parts[0].strip(), []).append((targets[0], int(parts[2]), int(parts[3])))
    return out


def load_training(data_root: Path, langs: tuple[str, ...] = ("en", "ru")) -> list[Article]:
    """The labelled TRAINING articles of SemEval-2023 subtask 3 (and PTC spans where 2023 has none)."""
    data_root = Path(data_root)
    base = data_root / "semeval2023_task3" if (data_root / "semeval2023_task3").is_dir() else data_root
    if not base.is_dir() or not any((base / lang).is_dir() for lang in langs):
        raise FileNotFoundError(f"{data_root}: no semeval2023_task3/<lang>/ folders (looked for {', '.join(langs)})")
    ptc = load_ptc_spans(data_root / "semeval2020_task11_ptc") if (data_root / "semeval2020_task11_ptc").is_dir() else {}
    articles: list[Article] = []
    for lang in langs:
        folder = base / lang
        if not folder.is_dir():
            continue
        paragraphs = read_paragraph_labels(folder / "train-labels-subtask-3.txt") if (folder / "train-labels-subtask-3.txt").is_file() else {}
        span_dir = folder / "train-labels-subtask-3-spans"
        for path in sorted((folder / "train-articles-subtask-3").glob("article*.txt")):
            art_id = _article_id(path)
            span_file = span_dir / f"article{art_id}-labels-subtask-3.txt"
            spans = read_spans(span_file) if span_file.is_file() else []
            if not spans and lang == "en":
                spans = ptc.get(art_id, [])
            articles.append(Article(art_id, lang, read_article(path), spans, paragraphs.get(art_id, {})))
    return articles
