"""Training, prediction and evaluation for persuasion techniques (SemEval-2023 Task 3 subtask 3, PTC spans).

Backs ``narrascope train techniques``, ``narrascope predict semeval2023-techniques`` and
``narrascope eval techniques``. Training and cross-validation read only the *train* splits (EN and RU) and
PTC train + dev spans; the SemEval-2023 dev and test articles are only ever predicted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ...errors import InputError, UsageError
from ...models.training import text_key

DATA_TERMS = ("SemEval-2023 Task 3 data (Piskorski et al.) and the SemEval-2020 Task 11 Propaganda Techniques "
              "Corpus (Da San Martino et al.), research use only. The artifact holds hashed-feature weights, "
              "thresholds, typical span lengths and label names; no text or vocabulary from the data.")
# The linear model is the fast mode (stacking the article-mean score and e5 embeddings did not pay for
# themselves: docs/experiments/techniques.md). The default techniques model is a head on the shared encoder
# (narrascope.encoder.technique_head, trained by narrascope.encoder.head_finetune).
MODES = {
    "fast": {},
}
LANGS = ("en", "ru")


def paragraphs(articles) -> dict:
    """Flatten articles into paragraph rows: text, labels, article id, language, line, title flag, offsets."""
    rows: dict[str, list] = {k: [] for k in ("text", "labels", "article", "lang", "line", "is_title", "start", "key",
                                             "spans")}
    for art in articles:
        key = text_key(art.text)
        for number, start, end in art.lines():
            rows["text"].append(art.text[start:end])
            rows["labels"].append(sorted(art.paragraph_labels.get(number, set())))
            rows["article"].append(f"{art.lang}:{art.id}")
            rows["lang"].append(art.lang)
            rows["line"].append(number)
            rows["is_title"].append(number == 1)
            rows["start"].append(start)
            rows["key"].append(key)
            rows["spans"].append([(lab, max(s, start) - start, min(e, end) - start) for lab, s, e in art.spans
                                  if s < end and start < e])
    return rows


def typical_span_words(articles) -> dict[str, float]:
    """Median gold span length in words, per technique."""
    lengths: dict[str, list[int]] = {}
    for art in articles:
        for lab, s, e in art.spans:
            lengths.setdefault(lab, []).append(max(1, len(art.text[s:e].split())))
    return {lab: float(np.median(v)) for lab, v in lengths.items()}


def _load(data: str | Path, langs=LANGS):
    from .data import load_training

    try:
        return load_training(Path(data), tuple(lang.lower() for lang in langs))
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from None


def _model(mode: str, seed: int):
    from .data import official_techniques
    from ...models.techniques import TechniqueClassifier

    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r} (choose from {', '.join(MODES)})")
    return TechniqueClassifier(labels=official_techniques(), seed=seed, **MODES[mode])


def _embeddings(model, texts: list[str], cache: str | None):
    if not model.embedder:
        return None
    if cache:
        from ...models.embeddings import cached_documents

        return cached_documents([" ".join(t.split()[:96]) for t in texts], Path(cache), chunks=1, words=96)
    return model.embed(texts)


def predict_spans(model, text: str, start: int, end: int, labels: list[str], probs: np.ndarray,
                  tokens=None) -> list[tuple[str, int, int, float]]:
    """Evidence spans (absolute offsets) for the techniques predicted in paragraph ``text[start:end]``;
    ``tokens`` = (offsets, probabilities) of the paragraph from ``model.token_scores``."""
    from ...text import sentences

    para = text[start:end]
    sents = [(a - start, b - start) for a, b in sentences(text, start, end)] or [(0, len(para))]
    out = []
    for lab in labels:
        for a, b, _ in model.evidence_spans(para, lab, sents, tokens):
            out.append((lab, start + a, start + b, float(probs[model.labels.index(lab)])))
    return out


def techniques_cv_from_card() -> dict:
    """The cross-validated figures the default techniques head recorded in the shared encoder's card when it was
    trained, in the layout of :func:`evaluate_cv`."""
    from ...models.registry import card_evaluation

    ev, folds = card_evaluation("techniques", "techniques", "languages")
    return {"folds": folds, "from_card": True, "protocol": ev["protocol"], "languages": ev["languages"]}


def evaluate_cv(data: str | Path, folds: int = 5, mode: str = "fast", seed: int = 0, langs=LANGS,
                embedding_cache: str | None = None, progress: Callable[[str], None] = print) -> dict:
    """Paragraph micro-F1 (official) and label-aware partial-overlap span F1, per language and overall,
    from ``folds``-fold cross-validation over training articles (duplicate texts kept in one fold); for the
    default model, the figures recorded when it was trained (:func:`techniques_cv_from_card`)."""
    if mode == "default":
        base = Path(data) / "semeval2023_task3" if (Path(data) / "semeval2023_task3").is_dir() else Path(data)
        if not any((base / lang.lower()).is_dir() for lang in langs):  # figures from the card; the folder still checked
            raise InputError(f"{data}: no semeval2023_task3/<lang>/ folders (looked for {', '.join(langs)})")
        return techniques_cv_from_card()
    from .data import official_techniques
    from .metrics import paragraph_micro_f1, per_label_f1, span_f1
    from ...models.token_tagger import TokenTagger, token_subset
    from ...models.training import group_folds

    if folds < 2:
        raise UsageError("--cv must be at least 2")
    articles = _load(data, langs)
    rows = paragraphs(articles)
    model0 = _model(mode, seed)
    X = model0.hash_counts(rows["text"])
    E = _embeddings(model0, rows["text"], embedding_cache)
    tokens = TokenTagger([]).featurize(rows["text"]) if model0.tagger_min_spans is not None else None
    art_keys = {f"{a.lang}:{a.id}": text_key(a.text) for a in articles}
    art_list = [f"{a.lang}:{a.id}" for a in articles]
    art_fold = dict(zip(art_list, group_folds([art_keys[a] for a in art_list], folds, seed=seed,
                                              strata=[a.split(":")[0] for a in art_list])))
    fold_of = np.array([art_fold[a] for a in rows["article"]])
    pred_labels: list[list[str]] = [[] for _ in rows["text"]]
    pred_spans: dict[str, list] = {}
    by_article = {f"{a.lang}:{a.id}": a for a in articles}
    for f in range(folds):
        t0 = time.perf_counter()
        tr, te = np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)
        model = _model(mode, seed)
        model.fit([rows["text"][i] for i in tr], [rows["labels"][i] for i in tr], [rows["article"][i] for i in tr],
                  is_title=[rows["is_title"][i] for i in tr], X=X[tr], E=None if E is None else E[tr],
                  span_words=typical_span_words([by_article[a] for a in set(rows["article"][i] for i in tr)]),
                  spans=[rows["spans"][i] for i in tr], tokens=None if tokens is None else token_subset(tokens, tr))
        te_texts = [rows["text"][i] for i in te]
        P, tok = model.predict_with_tokens(te_texts, [rows["is_title"][i] for i in te],
                                           [rows["article"][i] for i in te], E=None if E is None else E[te])
        pos = 0
        for k, i in enumerate(te):
            labs = model.decide(P[k:k + 1])[0]
            pred_labels[i] = labs
            art = by_article[rows["article"][i]]
            start = rows["start"][i]
            end = start + len(rows["text"][i])
            para_tok = None
            if tok is not None:
                n = len(tok[0][k])
                para_tok = (tok[0][k], tok[1][pos:pos + n])
                pos += n
            for lab, a, b, _ in predict_spans(model, art.text, start, end, labs, P[k], para_tok):
                pred_spans.setdefault(rows["article"][i], []).append((lab, a, b))
        progress(f"fold {f + 1}/{folds}: {len(te)} paragraphs, {time.perf_counter() - t0:.0f} s")
    official = official_techniques()
    report: dict = {"protocol": f"{folds}-fold CV over training articles (identical texts in one fold, stratified "
                                f"by language); official metrics", "mode": mode, "languages": {}}
    for scope in [*sorted(set(rows["lang"])), "all"]:
        idx = [i for i, lang in enumerate(rows["lang"]) if scope in ("all", lang)]
        gold = {(rows["article"][i], rows["line"][i]): rows["labels"][i] for i in idx}
        pred = {(rows["article"][i], rows["line"][i]): pred_labels[i] for i in idx}
        arts = {rows["article"][i] for i in idx}
        gspans = {a: by_article[a].spans for a in arts}
        pspans = {a: pred_spans.get(a, []) for a in arts}
        report["languages"][scope.upper()] = {
            "articles": len(arts), "paragraphs": len(idx),
            "paragraph": paragraph_micro_f1(gold, pred, official),
            "span": span_f1(gspans, pspans), "span_unlabelled": span_f1(gspans, pspans, labelled=False),
            "per_technique": per_label_f1(gold, pred) if scope == "all" else None,
        }
    return report


def train_techniques(data: str | Path, out: str | Path, mode: str = "default", cv: int = 0, seed: int = 0,
                     embedding_cache: str | None = None, progress: Callable[[str], None] = print) -> dict:
    """Fit on all training paragraphs (EN + RU) and save the model and its card (``out`` with ``.card.json``)."""
    from ...models.registry import model_card, write_card

    t0 = time.perf_counter()
    articles = _load(data)
    rows = paragraphs(articles)
    model = _model(mode, seed)
    X = model.hash_counts(rows["text"])
    E = _embeddings(model, rows["text"], embedding_cache)
    progress(f"training on {len(rows['text'])} paragraphs of {len(articles)} articles")
    model.fit(rows["text"], rows["labels"], rows["article"], is_title=rows["is_title"], X=X, E=E,
              span_words=typical_span_words(articles), spans=rows["spans"])
    seconds = time.perf_counter() - t0
    evaluation = None
    if cv:
        evaluation = evaluate_cv(data, cv, mode, seed, embedding_cache=embedding_cache, progress=progress)
        for scope in evaluation["languages"].values():
            scope.pop("per_technique", None)
    per_lang = {lang: sum(1 for a in articles if a.lang == lang) for lang in sorted({a.lang for a in articles})}
    card = model_card(
        "techniques", mode, model,
        method="Paragraph-level one-vs-rest logistic regression over hashed word/char n-grams + layout cues"
               + (" + the article's mean score per technique, stacked" if model.article_context else "")
               + (" + multilingual-e5-small paragraph embeddings" if model.embedder else "")
               + (", stacked with a token tagger (SGD logistic regression on hashed token features) for the "
                  f"techniques with >= {model.tagger_min_spans} gold spans" if model.tagger_min_spans else "")
               + "; per-technique thresholds for micro-F1 from inner CV; evidence spans from the token tagger "
                 "or per-word model weights.",
        training_data={"dataset": "SemEval-2023 Task 3 subtask 3 train (EN, RU) paragraphs and spans; PTC "
                                  "(SemEval-2020 Task 11) train+dev spans only where an article lacks 2023 spans "
                                  "(the 446 EN training articles are the PTC train+dev articles)",
                       "split": "train only (SemEval-2023 dev = PTC test articles, never used)",
                       "articles": per_lang, "paragraphs": len(rows["text"])},
        terms=DATA_TERMS, evaluation=evaluation, seconds=seconds)
    model.save(out)
    write_card(out, card)
    return card


def predict_semeval2023(articles_dir: str | Path, template: str | Path, out: str | Path, model) -> int:
    """Write ``id<TAB>line<TAB>t1,t2,...`` for every template row; returns the number of rows."""
    from .data import official_techniques, read_article, read_template

    articles_dir, template = Path(articles_dir), Path(template)
    if not articles_dir.is_dir():
        raise InputError(f"{articles_dir}: not a folder of article<ID>.txt files")
    if not template.is_file():
        raise InputError(f"{template}: template file not found")
    rows = read_template(template)
    if not rows:
        raise InputError(f"{template}: no 'id<TAB>line<TAB>text' rows")
    official = set(official_techniques())
    if hasattr(model, "paragraph_labels"):  # the encoder head: each article read whole, labels from its spans
        return _predict_in_context(articles_dir, rows, out, model, official)
    texts, cache = [], {}
    for art_id, line, _ in rows:
        if art_id not in cache:
            path = articles_dir / f"article{art_id}.txt"
            if not path.is_file():
                raise InputError(f"{path}: article of template row {art_id} not found")
            cache[art_id] = read_article(path).split("\n")
        lines = cache[art_id]
        texts.append(lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else "")
    P = model.predict_proba(texts, [line == 1 for _, line, _ in rows], [art_id for art_id, _, _ in rows])
    labels = model.decide(P)
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        for (art_id, line, _), labs in zip(rows, labels):
            fh.write(f"{art_id}\t{line}\t{','.join(lab for lab in labs if lab in official)}\n")
    return len(rows)


def _predict_in_context(articles_dir: Path, rows, out: str | Path, model, official: set[str]) -> int:
    from .data import Article, read_article

    labels: dict[tuple[str, int], list[str]] = {}
    for art_id in dict.fromkeys(r[0] for r in rows):
        path = articles_dir / f"article{art_id}.txt"
        if not path.is_file():
            raise InputError(f"{path}: article of template row {art_id} not found")
        text = read_article(path)
        lines = Article(art_id, "", text).lines()
        for (number, _, _), labs in zip(lines, model.paragraph_labels(text, [(a, b) for _, a, b in lines])):
            labels[(art_id, number)] = labs
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        for art_id, line, _ in rows:
            fh.write(f"{art_id}\t{line}\t{','.join(lab for lab in labels.get((art_id, line), []) if lab in official)}\n")
    return len(rows)
