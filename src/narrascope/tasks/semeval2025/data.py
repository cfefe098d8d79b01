"""Loader for the SemEval-2025 Task 10 data (entity framing, narratives) as distributed by the organisers.

Layout read (``root`` is the folder holding ``train/``, ``dev/``, ``test/``)::

    train/<LANG>/raw-documents/<doc>.txt
    train/<LANG>/subtask-1-annotations.txt   doc, mention, start, end (INCLUSIVE), main role, fine role...
    train/<LANG>/subtask-2-annotations.txt   doc, narr1;narr2, sub1;sub2
    dev|test/<LANG>/subtask-{1,2,3}-documents/<doc>.txt, subtask-1-entity-mentions.txt (doc, mention, start, end)

Texts are read as UTF-8 with ``newline=''`` (``\\r\\n`` kept), which is the reading the offsets count in.
Mention ends are converted to narrascope's EXCLUSIVE convention. A mention whose text does not sit at its
offsets is repaired: first on the hypothesis that the offsets were counted with CRLF line ends (one
extra character per earlier newline), then by the nearest occurrence of the mention text within
``REPAIR_WINDOW`` characters. Unrepairable mentions are dropped. Everything done is in the report.
Nothing from the data is copied into the package.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ...models.training import text_key

LANGUAGES = ("EN", "BG", "HI", "PT", "RU")
REPAIR_WINDOW = 200


@dataclass
class Mention:
    entity: str
    start: int
    end: int  # exclusive
    main_role: str | None = None
    fine_roles: list[str] = field(default_factory=list)
    original_start: int | None = None  # as given in the file, when repaired


@dataclass
class Sample:
    doc_id: str
    language: str
    text: str
    narratives: list[str] | None = None  # None: no gold (dev/test, or document absent from subtask 2)
    subnarratives: list[str] | None = None
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class LoadReport:
    split: str
    documents: Counter = field(default_factory=Counter)  # per language
    mentions: Counter = field(default_factory=Counter)
    exact: Counter = field(default_factory=Counter)  # mentions whose offsets matched as given
    repaired_crlf: Counter = field(default_factory=Counter)
    repaired_search: Counter = field(default_factory=Counter)
    dropped: list[tuple[str, str, str, int]] = field(default_factory=list)  # (lang, doc, mention, start)
    missing_documents: list[tuple[str, str]] = field(default_factory=list)  # annotated but no file
    crlf_documents: Counter = field(default_factory=Counter)
    repeated_labels: int = 0  # label lists that named the same label twice (deduplicated)
    duplicates: list[list[str]] = field(default_factory=list)  # groups of doc ids with identical text
    conflicts: list[list[str]] = field(default_factory=list)  # duplicate groups whose narrative labels differ

    @property
    def repairs(self) -> Counter:
        return self.repaired_crlf + self.repaired_search

    def summary(self) -> str:
        lines = [f"split {self.split}"]
        for lang in self.documents:
            lines.append(f"  {lang}: {self.documents[lang]} docs, {self.mentions[lang]} mentions, "
                         f"{self.exact[lang]} exact, {self.repaired_crlf[lang]} repaired (CRLF offsets), "
                         f"{self.repaired_search[lang]} repaired (nearby search), {self.crlf_documents[lang]} CRLF docs")
        lines.append(f"  dropped mentions: {len(self.dropped)}; missing documents: {len(self.missing_documents)}; "
                     f"repeated labels: {self.repeated_labels}")
        lines.append(f"  duplicate-text groups: {len(self.duplicates)}; with conflicting labels: {len(self.conflicts)}")
        return "\n".join(lines)


class SemEvalDataset(list):
    """A list of :class:`Sample` with the loader's :class:`LoadReport` as ``.report``."""

    report: LoadReport


def read_text(path: Path) -> str:
    """A text file as UTF-8 with its line ends untouched (the reading the offsets count in)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _rows(path: Path):
    if not path.is_file():
        return
    for line in read_text(path).splitlines():
        if line.strip():
            yield line.split("\t")


def _unique(items: list[str]) -> tuple[list[str], bool]:
    seen = list(dict.fromkeys(x.strip() for x in items if x.strip()))
    return seen, len(seen) != len([x for x in items if x.strip()])


def locate(text: str, mention: str, start: int, end_inclusive: int) -> tuple[int, str] | None:
    """Where ``mention`` really starts in ``text``: (start, how) with how in exact/crlf/search, or None."""
    if text[start:end_inclusive + 1] == mention:
        return start, "exact"
    # Offsets counted with CRLF line ends: subtract the newlines before the (LF) position.
    pos = start
    for _ in range(3):
        shifted = start - text.count("\n", 0, max(pos, 0))
        if shifted == pos:
            break
        pos = shifted
    if 0 <= pos and text[pos:pos + len(mention)] == mention:
        return pos, "crlf"
    best = None
    lo = max(0, start - REPAIR_WINDOW)
    i = text.find(mention, lo)
    while i != -1 and i <= start + REPAIR_WINDOW:
        if best is None or abs(i - start) < abs(best - start):
            best = i
        i = text.find(mention, i + 1)
    return (best, "search") if best is not None else None


def _documents(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(folder.glob("*.txt"))} if folder.is_dir() else {}


def load_semeval2025(root: str | Path, split: str = "train", languages=LANGUAGES) -> SemEvalDataset:
    """Samples of one split. ``train`` has gold narratives/subnarratives and mentions with roles; ``dev`` and
    ``test`` have texts and (where given) the mentions to classify, with no labels."""
    root = Path(root)
    if split not in ("train", "dev", "test"):
        raise ValueError(f"split must be train, dev or test, not {split!r}")
    if not (root / split).is_dir():
        raise FileNotFoundError(f"{root / split}: no such folder (expected the SemEval-2025 Task 10 data root)")
    report = LoadReport(split)
    out = SemEvalDataset()
    for lang in languages:
        base = root / split / lang
        if not base.is_dir():
            continue
        if split == "train":
            docs = _documents(base / "raw-documents")
        else:
            docs = {}
            for sub in ("subtask-1-documents", "subtask-2-documents", "subtask-3-documents"):
                docs.update({k: v for k, v in _documents(base / sub).items() if k not in docs})
        samples = {name: Sample(name, lang, read_text(path)) for name, path in docs.items()}
        report.documents[lang] = len(samples)
        report.crlf_documents[lang] = sum("\r\n" in s.text for s in samples.values())
        if split == "train":
            for row in _rows(base / "subtask-2-annotations.txt"):
                doc = row[0]
                if doc not in samples:
                    report.missing_documents.append((lang, doc))
                    continue
                narr, r1 = _unique(row[1].split(";")) if len(row) > 1 else ([], False)
                subs, r2 = _unique(row[2].split(";")) if len(row) > 2 else ([], False)
                report.repeated_labels += r1 + r2
                samples[doc].narratives, samples[doc].subnarratives = narr, subs
        mention_file = base / ("subtask-1-annotations.txt" if split == "train" else "subtask-1-entity-mentions.txt")
        for row in _rows(mention_file):
            doc, entity, start, end = row[0], row[1], int(row[2]), int(row[3])
            if doc not in samples:
                report.missing_documents.append((lang, doc))
                continue
            report.mentions[lang] += 1
            found = locate(samples[doc].text, entity, start, end)
            if found is None:
                report.dropped.append((lang, doc, entity, start))
                continue
            pos, how = found
            {"exact": report.exact, "crlf": report.repaired_crlf, "search": report.repaired_search}[how][lang] += 1
            main = row[4].strip() if len(row) > 4 else None
            fine = list(dict.fromkeys(r.strip() for r in row[5:] if r.strip()))
            samples[doc].mentions.append(Mention(entity, pos, pos + len(entity), main or None, fine,
                                                 None if how == "exact" else start))
        out.extend(samples.values())
    _find_duplicates(out, report)
    out.report = report
    return out


def _find_duplicates(samples: list[Sample], report: LoadReport) -> None:
    groups: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        groups[text_key(s.text)].append(s)
    for group in groups.values():
        if len(group) < 2:
            continue
        ids = [f"{s.language}/{s.doc_id}" for s in group]
        report.duplicates.append(ids)
        labels = {(tuple(sorted(s.narratives or [])), tuple(sorted(s.subnarratives or []))) for s in group
                  if s.narratives is not None}
        if len(labels) > 1:
            report.conflicts.append(ids)
