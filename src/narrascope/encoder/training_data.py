"""The shared encoder's training examples: windows, and the units its heads read in them (no torch here).

Built from the tasks' own loaders, with the windowing of :mod:`narrascope.encoder.windows` and the unit
placement of :mod:`narrascope.encoder.heads`, so training reads exactly what run time reads:

* roles: every SemEval-2025 Task 10 *training* article with labelled mentions (all five languages), cut
  into windows; a mention is read in the window that holds it most centrally, with its sentence as far as
  that window holds it (:func:`narrascope.encoder.heads.role_units`). Only windows holding a mention are
  trained on. Folds: documents dealt by :func:`narrascope.tasks.semeval2025.crossval.document_folds`
  (identical texts in one fold, stratified by language);
* check-worthiness: the CheckThat! 2024 *training* sentences in ``Sentence_id`` order
  (:func:`narrascope.tasks.checkthat2024.data.sentence_order`), packed into pseudo-articles of one window
  (:func:`narrascope.encoder.windows.pack`); each sentence is a unit. Folds: contiguous blocks of
  pseudo-articles in id order (a block of debates is never seen in training and scored in testing).

Nothing here is written into the package: the examples live in memory and in the training cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from collections.abc import Sequence

import numpy as np

from .heads import LANGUAGES, role_units
from .tokenizer import E5Tokenizer
from .windows import WINDOW, make_windows, pack, tokenize

__all__ = ["ROLES", "SENTENCES", "TrainingSet", "build_training_set", "role_labels"]

ROLES, SENTENCES = 0, 1  # kinds of window


@dataclass
class TrainingSet:
    """Windows (id sequences) with their kind and fold, and the units of each head in them."""

    windows: list[np.ndarray] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    fold: list[int] = field(default_factory=list)
    # roles: one row per labelled mention
    role_window: list[int] = field(default_factory=list)
    role_mention: list[tuple[int, int]] = field(default_factory=list)  # positions [lo, hi) in the window
    role_context: list[tuple[int, int]] = field(default_factory=list)
    role_language: list[str] = field(default_factory=list)
    role_main: list[int] = field(default_factory=list)
    role_fine: list[list[int]] = field(default_factory=list)
    role_document: list[str] = field(default_factory=list)  # language/doc id
    # check-worthiness: one row per sentence
    sentence_window: list[int] = field(default_factory=list)
    sentence_span: list[tuple[int, int]] = field(default_factory=list)
    sentence_y: list[int] = field(default_factory=list)
    sentence_id: list[str] = field(default_factory=list)
    main_classes: list[str] = field(default_factory=list)
    fine_classes: list[str] = field(default_factory=list)
    fine_parent: list[int] = field(default_factory=list)

    def arrays(self) -> dict[str, np.ndarray]:
        """The unit tables as arrays (what training and scoring index)."""
        F = len(self.fine_classes)
        fine = np.zeros((len(self.role_main), F), dtype=np.float32)
        for i, fs in enumerate(self.role_fine):
            fine[i, fs] = 1.0
        return {
            "kind": np.asarray(self.kind, np.int64), "fold": np.asarray(self.fold, np.int64),
            "role_window": np.asarray(self.role_window, np.int64),
            "role_mention": np.asarray(self.role_mention, np.int64).reshape(-1, 2),
            "role_context": np.asarray(self.role_context, np.int64).reshape(-1, 2),
            "role_language": np.asarray([LANGUAGES.index(x) if x in LANGUAGES else -1 for x in self.role_language],
                                        np.int64),
            "role_main": np.asarray(self.role_main, np.int64), "role_fine": fine,
            "sentence_window": np.asarray(self.sentence_window, np.int64),
            "sentence_span": np.asarray(self.sentence_span, np.int64).reshape(-1, 2),
            "sentence_y": np.asarray(self.sentence_y, np.float32),
        }

    def fingerprint(self) -> str:
        """A hash of everything training reads (windows, units, labels, folds): part of every run's key."""
        h = hashlib.blake2b(digest_size=12)
        for w in self.windows:
            h.update(np.asarray(w, np.int64).tobytes())
            h.update(b"|")
        for name, a in sorted(self.arrays().items()):
            h.update(name.encode())
            h.update(np.ascontiguousarray(a).tobytes())
        h.update(repr((self.main_classes, self.fine_classes, self.fine_parent)).encode())
        return h.hexdigest()

    def summary(self) -> dict:
        kind = np.asarray(self.kind)
        langs = sorted(set(self.role_language))
        return {"windows": len(self.windows), "role_windows": int((kind == ROLES).sum()),
                "sentence_windows": int((kind == SENTENCES).sum()), "mentions": len(self.role_main),
                "mentions_per_language": {lg: self.role_language.count(lg) for lg in langs},
                "role_documents": len(set(self.role_document)), "sentences": len(self.sentence_y),
                "sentences_yes": int(sum(self.sentence_y))}


def role_labels(taxonomy: str = "semeval2025_roles") -> tuple[list[str], list[str], list[int]]:
    """``(main classes, fine classes, parent index of each fine class)`` in the taxonomy's order."""
    from ..taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy)
    mains = tax.names("main")
    fines = tax.names("fine")
    return mains, fines, [mains.index(tax.parent(f, "fine").name) for f in fines]


def _add_roles(ts: TrainingSet, tokenizer: E5Tokenizer, samples: Sequence, folds: int, seed: int,
               limit: int | None) -> None:
    from ..tasks.semeval2025.crossval import document_folds, mention_table

    rows = mention_table(samples)
    fold_of = document_folds(samples, rows, max(folds, 2), seed) if rows else {}
    chosen = sorted(fold_of)
    if limit is not None:
        chosen = sorted(np.random.RandomState(seed).permutation(chosen)[:limit].tolist())
    main_index = {m: i for i, m in enumerate(ts.main_classes)}
    fine_index = {f: i for i, f in enumerate(ts.fine_classes)}
    by_sample: dict[int, list[dict]] = {}
    for r in rows:
        by_sample.setdefault(r["sample"], []).append(r)
    for si in chosen:
        s = samples[si]
        windows = make_windows(tokenizer, tokenize(tokenizer, s.text))
        placed = [(r, role_units(windows, s.text, r["item"][1], r["item"][2])) for r in by_sample[si]]
        used = sorted({m.window for _, (m, _) in placed})
        index = {}
        for w in used:
            index[w] = len(ts.windows)
            ts.windows.append(windows.sequence(w))
            ts.kind.append(ROLES)
            ts.fold.append(fold_of[si] if folds >= 2 else 0)
        for r, (m, c) in placed:
            ts.role_window.append(index[m.window])
            ts.role_mention.append((m.lo, m.hi))
            ts.role_context.append((c.lo, c.hi))
            ts.role_language.append(r["language"])
            ts.role_main.append(main_index[r["main"]])
            ts.role_fine.append([fine_index[f] for f in r["fines"]])
            ts.role_document.append(f"{s.language}/{s.doc_id}")


def _add_sentences(ts: TrainingSet, tokenizer: E5Tokenizer, sentences: Sequence, folds: int, seed: int,
                   limit: int | None) -> None:
    from ..tasks.checkthat2024.data import sentence_order

    articles = []  # (text, spans, sentence indices)
    for run in sentence_order(list(sentences)):
        start = 0
        for text, spans in pack(tokenizer, [sentences[i].text for i in run], window=WINDOW):
            articles.append((text, spans, run[start:start + len(spans)]))
            start += len(spans)
    if limit is not None:  # a contiguous stretch, as a fold would be
        first = np.random.RandomState(seed).randint(0, max(1, len(articles) - limit + 1))
        articles = articles[first:first + limit]
    n = len(articles)
    for k, (text, spans, idx) in enumerate(articles):
        fold = min(folds - 1, k * folds // n) if folds >= 2 else 0
        windows = make_windows(tokenizer, tokenize(tokenizer, text))
        units = [windows.unit(a, b) for a, b in spans]
        index = {}
        for w in sorted({u.window for u in units}):
            index[w] = len(ts.windows)
            ts.windows.append(windows.sequence(w))
            ts.kind.append(SENTENCES)
            ts.fold.append(fold)
        for u, i in zip(units, idx):
            ts.sentence_window.append(index[u.window])
            ts.sentence_span.append((u.lo, u.hi))
            ts.sentence_y.append(int(sentences[i].label == "Yes"))
            ts.sentence_id.append(sentences[i].id)


def build_training_set(role_samples: Sequence, sentences: Sequence, folds: int = 3, seed: int = 0,
                       limit: int | None = None, tokenizer: E5Tokenizer | None = None) -> TrainingSet:
    """Windows and units of both tasks. ``role_samples``: SemEval-2025 training samples
    (:func:`narrascope.tasks.semeval2025.data.load_semeval2025`); ``sentences``: CheckThat! 2024 training
    sentences (:func:`narrascope.tasks.checkthat2024.data.load_checkthat2024`). ``folds`` < 2 puts everything
    in fold 0 (no cross-validation). ``limit``: at most this many documents and pseudo-articles (trials)."""
    tokenizer = tokenizer or E5Tokenizer()
    ts = TrainingSet()
    ts.main_classes, ts.fine_classes, ts.fine_parent = role_labels()
    _add_roles(ts, tokenizer, role_samples, folds, seed, limit)
    _add_sentences(ts, tokenizer, sentences, folds, seed, limit)
    return ts
