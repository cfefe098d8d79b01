"""Loader for CheckThat! 2024 Task 1 (check-worthiness of English sentences).

Layout read (``DATA`` is ``../shared/data``)::

    DATA/checkthat2024_task1_en/CT24_checkworthy_english_train.tsv      Sentence_id TAB Text TAB class_label
    DATA/checkthat2024_task1_en/CT24_checkworthy_english_dev.tsv        (labelled)
    DATA/checkthat2024_task1_en/CT24_checkworthy_english_dev-test.tsv   (labelled)
    DATA/checkthat2024_task1_en/CT24_checkworthy_english_test.tsv       Sentence_id TAB Text (gold withheld)

The files are tab-separated with CSV-style quoting (a text field that starts with ``"`` is quoted, inner
quotes doubled). Some end lines with CRLF, some start with a BOM. The train file has one place where two
rows were joined (a label directly followed by the next row's id: ``No29286``); such rows are split back.
Labels are ``Yes`` / ``No``; a file without a ``class_label`` column gives ``label=None``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError

SPLITS = {"train": "CT24_checkworthy_english_train.tsv", "dev": "CT24_checkworthy_english_dev.tsv",
          "dev-test": "CT24_checkworthy_english_dev-test.tsv", "test": "CT24_checkworthy_english_test.tsv"}
ID, TEXT, LABEL = "Sentence_id", "Text", "class_label"
_JOINED = re.compile(r"^(Yes|No)(\S+)$")

csv.field_size_limit(1 << 24)


class CheckThatFormatError(InputError):
    """A CheckThat! TSV file that cannot be read: missing, undecodable, or without the needed columns."""


@dataclass(frozen=True)
class Sentence:
    id: str
    text: str
    label: str | None  # "Yes", "No" or None (gold withheld)

    @property
    def y(self) -> int | None:
        return None if self.label is None else int(self.label == "Yes")


def read_rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a tab-separated file (BOM and CRLF tolerated; CSV quoting honoured)."""
    p = Path(path)
    if not p.is_file():
        raise CheckThatFormatError(f"{p}: no such file")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise CheckThatFormatError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CheckThatFormatError(f"{p}: not UTF-8 text") from None
    if "\x00" in text:
        raise CheckThatFormatError(f"{p}: binary data, not a TSV file")
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter="\t") if any(c.strip() for c in r)]
    if not rows:
        raise CheckThatFormatError(f"{p}: empty file")
    header = [h.strip().lstrip("\ufeff") for h in rows[0]]
    return header, rows[1:]


def _columns(path: Path, header: list[str], need: tuple[str, ...]) -> dict[str, int]:
    lower = {h.lower(): i for i, h in enumerate(header)}
    missing = [c for c in need if c.lower() not in lower]
    if missing:
        raise CheckThatFormatError(f"{path}: missing column(s) {', '.join(missing)} "
                                   f"(found: {', '.join(header) or 'none'}; need a header row with "
                                   f"{', '.join(need)} separated by tabs)")
    return {c: lower[c.lower()] for c in (ID, TEXT, LABEL) if c.lower() in lower}


def load_tsv(path: str | Path, require_labels: bool = False) -> list[Sentence]:
    """Sentences of one CheckThat! TSV file, in file order. Extra columns are ignored."""
    p = Path(path)
    header, rows = read_rows(p)
    cols = _columns(p, header, (ID, TEXT, LABEL) if require_labels else (ID, TEXT))
    i_id, i_text, i_label = cols[ID], cols[TEXT], cols.get(LABEL)
    out: list[Sentence] = []
    for n, row in enumerate(rows, 2):
        # repair a joined pair of rows: [id, text, "No29286", text2, label2]
        if i_label is not None and len(row) >= 2 * len(header) - 1 and i_label == len(header) - 1:
            m = _JOINED.match(row[i_label].strip())
            if m:
                first = row[:i_label] + [m.group(1)]
                second = [m.group(2)] + row[i_label + 1:]
                for r in (first, second):
                    out.append(_sentence(p, n, r, i_id, i_text, i_label, require_labels))
                continue
        out.append(_sentence(p, n, row, i_id, i_text, i_label, require_labels))
    return out


def _sentence(p: Path, n: int, row: list[str], i_id: int, i_text: int, i_label: int | None,
              require_labels: bool) -> Sentence:
    if len(row) <= max(i_id, i_text):
        raise CheckThatFormatError(f"{p}:{n}: expected at least {max(i_id, i_text) + 1} tab-separated fields, "
                                   f"found {len(row)}")
    label = row[i_label].strip() if i_label is not None and len(row) > i_label else None
    if label is not None and label not in ("Yes", "No"):
        if label == "" and not require_labels:
            label = None
        else:
            raise CheckThatFormatError(f"{p}:{n}: class_label must be Yes or No, found {label[:20]!r}")
    if require_labels and label is None:
        raise CheckThatFormatError(f"{p}:{n}: no class_label")
    return Sentence(row[i_id].strip(), row[i_text], label)


def split_path(data_dir: str | Path, split: str) -> Path:
    if split not in SPLITS:
        raise CheckThatFormatError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    return Path(data_dir) / SPLITS[split]


def load_checkthat2024(data_dir: str | Path, split: str = "train") -> list[Sentence]:
    """One split of ``data_dir`` (the ``checkthat2024_task1_en`` folder). Train, dev and dev-test are
    labelled; the test file's gold is withheld (labels are None)."""
    root = Path(data_dir)
    if not root.is_dir():
        raise CheckThatFormatError(f"{root}: no such folder (expected the checkthat2024_task1_en data folder)")
    return load_tsv(split_path(root, split), require_labels=split == "train")


MAX_ID_GAP = 100  # consecutive Sentence_ids further apart than this are taken to be from different debates


def sentence_order(sentences: list[Sentence]) -> list[list[int]]:
    """Indices of ``sentences`` in ``Sentence_id`` order (numeric ids numerically, others after them in file
    order), cut into runs wherever consecutive ids lie more than ``MAX_ID_GAP`` apart: the runs whose
    sentences are packed together into pseudo-articles, so that a sentence is read in its debate's context
    (ids number the sentences of a debate consecutively)."""
    numeric = [(int(s.id), i) for i, s in enumerate(sentences) if s.id.isdigit()]
    numeric.sort()
    runs: list[list[int]] = []
    last = None
    for sid, i in numeric:
        if last is None or sid - last > MAX_ID_GAP:
            runs.append([])
        runs[-1].append(i)
        last = sid
    other = [i for i, s in enumerate(sentences) if not s.id.isdigit()]
    if other:
        runs.append(other)
    return runs
