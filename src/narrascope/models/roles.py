"""The role classifier: SemEval-2025 Task 10 subtask 1 (entity framing: main and fine roles per mention).

The linear model, no transformer: the ``--fast`` roles model (the default is the roles head on the fine-tuned
encoder, :mod:`narrascope.encoder.heads`), and the fallback for mentions past a huge document's window budget.

Input items are ``(text, start, end[, main, fines])`` with narrascope's EXCLUSIVE ``end``; the language of
each item is given separately (``languages=``) and is a feature.

Features, each in its own hashed space (``HashingVectorizer``, ``alternate_sign=False``) so that the same word
left of, right of or inside the mention is a different column:

* ``left`` / ``right``: word 1-2 grams of the ``window`` characters before / after the mention (cut at the
  text's edges, not at sentence ends);
* ``sentence``: word 1-2 grams of the sentence holding the mention (split at ``. ! ? ; । ॥ …`` and line
  breaks, at most ``max_sentence`` characters either side of the mention);
* ``mention``: word 1-2 grams and ``char_wb`` 2-4 grams of the mention string;
* ``language``: one token per language.

Counts are restricted to the hashed columns seen in at least ``min_df`` training mentions, weighted with
sublinear tf and idf fitted on the hashed training counts (``TfidfTransformer``), and L2-normalised **per
block**, so a long sentence does not drown out the mention string. A saved model holds only numbers (column
indices, idf, weights, the threshold), label names from the taxonomy and metadata; never a vocabulary or text.

Classifiers:

* main role: multinomial logistic regression (lbfgs, ``class_weight=main_class_weight``, default
  ``"balanced"``) over the main roles;
* fine roles: for each main role, a multinomial logistic regression over ITS fine roles (taxonomy children),
  trained on the mentions of that main role (a mention with k fine roles counts once per role, weight 1/k).

Decoding: the main role is the arg-max; the fine roles are the top child of that main role plus every other
child whose probability is at least ``ratio_`` times the top one. ``ratio_`` is chosen on out-of-fold
predictions of an inner cross-validation over the *training* mentions only (mentions of one document, and
documents with identical text, share an inner fold) to maximise the exact-match ratio; ties go to the
higher ratio (fewer extra roles). Fine roles therefore always belong to the predicted main role.

Usage::

    clf = RoleClassifier(seed=0).fit([(text, start, end, "Antagonist", ["Instigator"]), ...], languages=langs)
    clf.predict([(text, start, end)], languages=["EN"])   # [("Antagonist", ["Instigator"])]
    clf.predict_scored(...)                               # adds the probabilities
    clf.save("roles-default.npz"); RoleClassifier.load("roles-default.npz")
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..taxonomy import Taxonomy, load_taxonomy
from .artifacts import read_artifact, write_artifact
from .features import fit_idf, hashed_ngrams
from .training import group_folds, text_key

FORMAT = "narrascope.RoleClassifier"
VERSION = 2
BLOCKS = ("left", "right", "sentence", "mention_word", "mention_char", "language")
EXTRA_BLOCKS = ("position", "others", "document")  # optional, appended after BLOCKS when switched on
V1_OFF = {"positions": 0, "others_window": 0, "doc_chars": 0, "main_mix": 0.0, "joint_decode": False}  # what a version-1 file meant
WORD = re.compile(r"(?u)[\w\u0900-\u0963\u0966-\u097f]+")
SENTENCE_END = re.compile(r"[.!?;\u0964\u0965\u2026\n\r]")
RATIO_GRID = tuple(np.round(np.arange(0.05, 1.0, 0.05), 2)) + (1.01,)  # 1.01: the top fine role only


def sentence_bounds(text: str, start: int, end: int, max_chars: int = 400) -> tuple[int, int]:
    """``(s, e)`` of the sentence holding ``text[start:end]``: after the last sentence end before ``start`` and
    up to (inclusive) the first one at or after ``end``; never more than ``max_chars`` either side."""
    lo = max(0, start - max_chars)
    s = lo
    for m in SENTENCE_END.finditer(text, lo, start):
        s = m.end()
    hi = min(len(text), end + max_chars)
    m = SENTENCE_END.search(text, end, hi)
    e = m.end() if m else hi
    return s, e


def _softmax_rows(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)


class RoleClassifier:
    """Hashed context features + hierarchical logistic regression for entity roles. See the module docstring."""

    # constructor parameters: saved in the artifact, listed in the model card
    PARAMS = ("n_features", "window", "max_sentence", "C", "C_fine", "min_df", "inner_folds", "main_class_weight",
               "fine_class_weight", "seed", "positions", "others_window", "doc_chars", "main_mix", "joint_decode")

    def __init__(self, taxonomy: str | Taxonomy = "semeval2025_roles", n_features: int = 2**18, window: int = 100,
                 max_sentence: int = 400, C: float = 4.0, C_fine: float = 4.0, min_df: int = 2, inner_folds: int = 3,
                 main_class_weight: str | None = "balanced", fine_class_weight: str | None = None, seed: int = 0,
                 positions: int = 3, others_window: int = 0, doc_chars: int = 0, main_mix: float = 0.5,
                 joint_decode: bool = False):
        self.taxonomy = taxonomy
        self.n_features = n_features
        self.window = window
        self.max_sentence = max_sentence
        self.C = C
        self.C_fine = C_fine
        self.min_df = min_df
        self.inner_folds = inner_folds
        self.main_class_weight = main_class_weight
        self.fine_class_weight = fine_class_weight
        self.seed = seed
        self.positions = positions
        self.others_window = others_window
        self.doc_chars = doc_chars
        self.main_mix = main_mix
        self.joint_decode = joint_decode

    # ---- features -------------------------------------------------------------------------------------
    def _vectorizers(self):
        word = hashed_ngrams("word", (1, 2), self.n_features)
        char = hashed_ngrams("char_wb", (2, 4), self.n_features)
        lang = hashed_ngrams("word", (1, 1), self.n_features, token_pattern=r"\S+")
        return word, char, lang

    def blocks(self) -> tuple[str, ...]:
        """Names of the hashed blocks, in column order (``BLOCKS`` plus the switched-on ``EXTRA_BLOCKS``)."""
        on = {"position": self.positions > 0, "others": self.others_window > 0, "document": self.doc_chars > 0}
        return BLOCKS + tuple(b for b in EXTRA_BLOCKS if on[b])

    @staticmethod
    def _position_tokens(left: str, right: str, sent_left: str, k: int) -> str:
        """Space-joined tokens for the ``k`` words either side of the mention, by distance (``l1=word``,
        ``r2=word``), the adjacent word bigrams (``l21=a_b``, ``r12=a_b``) and how far into its sentence the
        mention starts (``spos=0..3``, 3 meaning 3 or more words)."""
        lw = [w.lower() for w in WORD.findall(left)][-k:][::-1]
        rw = [w.lower() for w in WORD.findall(right)][:k]
        toks = [f"l{i + 1}={w}" for i, w in enumerate(lw)] + [f"r{i + 1}={w}" for i, w in enumerate(rw)]
        if len(lw) >= 2:
            toks.append(f"l21={lw[1]}_{lw[0]}")
        if len(rw) >= 2:
            toks.append(f"r12={rw[0]}_{rw[1]}")
        toks.append(f"spos={min(3, len(WORD.findall(sent_left)))}")
        if not lw:
            toks.append("l1=<s>")
        if not rw:
            toks.append("r1=</s>")
        return " ".join(toks)

    def _other_mentions(self, text: str, start: int, end: int, cache: dict) -> str:
        """Text around the OTHER occurrences in the document of the mention string (case-insensitive), and of its
        last word when that has 4+ characters: ``others_window`` characters either side of each, up to 20."""
        key = (id(text), text[start:end].lower())
        if key not in cache:
            low = cache.setdefault(("low", id(text)), text.lower())
            needles = [text[start:end].strip().lower()]
            words = WORD.findall(needles[0])
            if len(words) > 1 and len(words[-1]) >= 4:
                needles.append(words[-1])
            spans = set()
            for nd in needles:
                if not nd:
                    continue
                i = low.find(nd)
                while i >= 0 and len(spans) < 40:
                    spans.add((i, i + len(nd)))
                    i = low.find(nd, i + 1)
            cache[key] = sorted(spans)
        w = self.others_window
        parts = []
        for s, e in cache[key]:
            if s < end and e > start:  # this mention itself
                continue
            parts.append(text[max(0, s - w):s] + " " + text[e:e + w])
            if len(parts) >= 20:
                break
        return " \n ".join(parts)

    def contexts(self, items: Sequence[tuple]) -> dict[str, list[str]]:
        """The strings hashed for each block (for inspection; never stored)."""
        out = {b: [] for b in BLOCKS[:5] + EXTRA_BLOCKS}
        cache: dict = {}
        for item in items:
            text, start, end = item[0], int(item[1]), int(item[2])
            if not 0 <= start <= end <= len(text):
                raise ValueError(f"mention span {start}:{end} outside a text of {len(text)} characters")
            s, e = sentence_bounds(text, start, end, self.max_sentence)
            out["left"].append(text[max(0, start - self.window):start])
            out["right"].append(text[end:end + self.window])
            out["sentence"].append(text[s:start] + " " + text[end:e])  # the mention itself has its own block
            out["mention_word"].append(text[start:end])
            out["mention_char"].append(text[start:end])
            if self.positions > 0:
                out["position"].append(self._position_tokens(text[s:start], text[end:e], text[s:start],
                                                             self.positions))
            if self.others_window > 0:
                out["others"].append(self._other_mentions(text, start, end, cache))
            if self.doc_chars > 0:
                out["document"].append(text[:self.doc_chars])
        return out

    def hash_counts(self, items: Sequence[tuple], languages: Sequence[str] | None = None) -> sp.csr_matrix:
        """Hashed counts, one block of ``n_features`` columns per entry of ``BLOCKS`` (stateless)."""
        items = list(items)
        if languages is not None and len(languages) != len(items):
            raise ValueError(f"{len(items)} mentions but {len(languages)} languages")
        word, char, lang = self._vectorizers()
        ctx = self.contexts(items)
        langs = [f"lang_{(x or 'none').lower()}" for x in (languages or ["none"] * len(items))]
        blocks = [word.transform(ctx["left"]), word.transform(ctx["right"]), word.transform(ctx["sentence"]),
                  word.transform(ctx["mention_word"]), char.transform(ctx["mention_char"]), lang.transform(langs)]
        for b in self.blocks()[len(BLOCKS):]:
            blocks.append((lang if b == "position" else word).transform(ctx[b]))
        return sp.hstack(blocks, format="csr")

    def _select_fit(self, X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        return fit_idf(X, self.min_df)

    def _tfidf(self, X: sp.csr_matrix, columns: np.ndarray, idf: np.ndarray) -> sp.csr_matrix:
        Xs = X[:, columns].astype(np.float64).tocsr()
        Xs.sort_indices()
        np.log(Xs.data, out=Xs.data)
        Xs.data += 1.0
        Xs.data *= idf.astype(np.float64)[Xs.indices]
        block = (columns[Xs.indices] // self.n_features).astype(np.int64)  # block of each stored value
        rows = np.repeat(np.arange(Xs.shape[0]), np.diff(Xs.indptr))
        sq = np.zeros((Xs.shape[0], len(self.blocks())))
        np.add.at(sq, (rows, block), Xs.data ** 2)
        norms = np.sqrt(sq)
        norms[norms == 0] = 1.0
        Xs.data /= norms[rows, block]
        return Xs

    # ---- core fit / predict on count matrices ---------------------------------------------------------
    @staticmethod
    def _logreg(X, y, C, class_weight, sample_weight=None) -> dict:
        from sklearn.linear_model import LogisticRegression

        classes = sorted(set(y))
        if len(classes) == 1:
            return {"classes": classes, "coef": np.zeros((1, X.shape[1]), np.float32), "intercept": np.zeros(1)}
        lr = LogisticRegression(C=C, class_weight=class_weight, max_iter=2000, tol=1e-4)
        lr.fit(X, y, sample_weight=sample_weight)
        coef, intercept = lr.coef_, lr.intercept_
        if len(lr.classes_) == 2:  # binary: sklearn keeps one row (for classes_[1]); make it a 2-way softmax
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        return {"classes": [str(c) for c in lr.classes_], "coef": coef.astype(np.float32),
                "intercept": intercept.astype(np.float64)}

    @staticmethod
    def _proba(Xt, model) -> np.ndarray:
        if len(model["classes"]) == 1:
            return np.ones((Xt.shape[0], 1))
        z = np.asarray(Xt @ model["coef"].T.astype(np.float64)) + model["intercept"]
        return _softmax_rows(z)

    def _fit_core(self, X: sp.csr_matrix, mains: list[str], fines: list[list[str]]) -> dict:
        columns, idf = self._select_fit(X)
        Xt = self._tfidf(X, columns, idf)
        params = {"columns": columns, "idf": idf, "main": self._logreg(Xt, mains, self.C, self.main_class_weight), "fine": {}}
        for main in sorted(set(mains)):
            rows, ys, ws = [], [], []
            for i, (m, fs) in enumerate(zip(mains, fines)):
                if m == main:
                    for f in fs:
                        rows.append(i)
                        ys.append(f)
                        ws.append(1.0 / len(fs))
            if rows:
                params["fine"][main] = self._logreg(Xt[rows], ys, self.C_fine, self.fine_class_weight, np.asarray(ws))
        params["flat"] = None
        if self.main_mix > 0:
            rows, ys, ws = [], [], []
            for i, fs in enumerate(fines):
                for f in fs:
                    rows.append(i)
                    ys.append(f)
                    ws.append(1.0 / len(fs))
            flat = self._logreg(Xt[rows], ys, self.C_fine, self.fine_class_weight, np.asarray(ws))
            parent = {f: m for m, fs in zip(mains, fines) for f in fs}
            main_index = {m: k for k, m in enumerate(params["main"]["classes"])}
            params["flat"] = flat
            params["flat_parent"] = np.array([main_index[parent[f]] for f in flat["classes"]], dtype=np.int64)
        return params

    def _scores(self, X: sp.csr_matrix, params: dict) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Main-role probabilities and, per main class, the child probabilities (None where not trained)."""
        Xt = self._tfidf(X, params["columns"], params["idf"])
        pm = self._proba(Xt, params["main"])
        if params.get("flat") is not None:  # mix in the main-role marginals of the flat fine-role model
            pflat = self._proba(Xt, params["flat"])
            marg = np.zeros_like(pm)
            np.add.at(marg.T, np.asarray(params["flat_parent"]), pflat.T)
            pm = (1.0 - self.main_mix) * pm + self.main_mix * marg
        pf = [self._proba(Xt, params["fine"][m]) if m in params["fine"] else None for m in params["main"]["classes"]]
        return pm, pf

    def _main_choice(self, pm, pf) -> np.ndarray:
        """Index of the predicted main role per row: the arg-max of p(main), or with ``joint_decode`` the parent of
        the arg-max of p(main) * max p(fine | main)."""
        if not self.joint_decode:
            return pm.argmax(axis=1)
        best = np.stack([pm[:, k] * (pf[k].max(axis=1) if pf[k] is not None else 1.0) for k in range(pm.shape[1])], 1)
        return best.argmax(axis=1)

    def _decode(self, pm, pf, params, ratio: float) -> list[tuple[str, list[str]]]:
        mains = params["main"]["classes"]
        out = []
        for i, k in enumerate(self._main_choice(pm, pf)):
            main = mains[k]
            if pf[k] is None:
                out.append((main, []))
                continue
            p = pf[k][i]
            names = params["fine"][main]["classes"]
            top = int(p.argmax())
            extra = [j for j in np.argsort(-p, kind="stable") if j != top and p[j] >= ratio * p[top]]
            out.append((main, [names[top]] + [names[j] for j in extra]))
        return out

    # ---- public API ------------------------------------------------------------------------------------
    def fit(self, items: Sequence[tuple], languages: Sequence[str] | None = None,
            groups: Sequence[str] | None = None) -> "RoleClassifier":
        """``items[i] = (text, start, end, main_role, fine_roles)`` (exclusive end, official role names).
        ``groups`` (default: the hash of each item's text) keeps mentions of one document in one inner fold."""
        items = list(items)
        if groups is None:
            groups = [text_key(it[0]) for it in items]
        return self.fit_counts(self.hash_counts(items, languages), [it[3] for it in items],
                               [list(it[4]) for it in items], languages, groups)

    def fit_counts(self, X: sp.csr_matrix, mains: Sequence[str], fines: Sequence[Sequence[str]],
                   languages: Sequence[str] | None = None, groups: Sequence[str] | None = None) -> "RoleClassifier":
        """:meth:`fit` on :meth:`hash_counts` output (lets cross-validation hash each mention once)."""
        tax = self.taxonomy if isinstance(self.taxonomy, Taxonomy) else load_taxonomy(self.taxonomy)
        mains, fines = [str(m) for m in mains], [list(dict.fromkeys(f)) for f in fines]
        if X.shape[0] != len(mains) or len(mains) != len(fines):
            raise ValueError(f"{X.shape[0]} mentions, {len(mains)} main roles, {len(fines)} fine-role lists")
        if not mains:
            raise ValueError("no training mentions")
        for m, fs in zip(mains, fines):
            tax.label(m, "main")
            if not fs:
                raise ValueError(f"a {m} mention has no fine role")
            for f in fs:
                parent = tax.parent(f, "fine")
                if parent is None or parent.name != m:
                    raise ValueError(f"fine role {f!r} is not under main role {m!r} in {tax.name}")
        groups = list(groups) if groups is not None else [str(i) for i in range(len(mains))]
        folds = group_folds(groups, self.inner_folds, self.seed, list(languages) if languages is not None else None)
        cand = []  # per out-of-fold mention: (child probs under the predicted main, params, main index, gold set)
        for f in range(self.inner_folds):
            test = np.flatnonzero(folds == f)
            train = np.flatnonzero(folds != f)
            if not len(test) or not len(train):
                continue
            params = self._fit_core(X[train], [mains[i] for i in train], [fines[i] for i in train])
            pm, pf = self._scores(X[test], params)
            choice = self._main_choice(pm, pf)
            for r, i in enumerate(test):
                k = int(choice[r])
                cand.append((pf[k][r] if pf[k] is not None else None, params, k, set(fines[i])))
        best_ratio, best_emr = RATIO_GRID[-1], -1.0
        if cand:
            for ratio in sorted(RATIO_GRID, reverse=True):  # ties go to the higher ratio
                ok = 0
                for p, params, k, gold in cand:
                    if p is None:
                        continue
                    names = params["fine"][params["main"]["classes"][k]]["classes"]
                    top = p.max()
                    ok += {names[j] for j in np.flatnonzero(p >= ratio * top)} | {names[int(p.argmax())]} == gold
                emr = ok / len(cand)
                if emr > best_emr:
                    best_ratio, best_emr = ratio, emr
        self.ratio_ = float(best_ratio)
        self.inner_emr_ = float(best_emr) if cand else None
        self.params_ = self._fit_core(X, mains, fines)
        self.main_classes_ = list(self.params_["main"]["classes"])
        self.taxonomy_name_ = tax.name
        self.languages_ = sorted(set(languages)) if languages is not None else []
        self.n_train_ = len(mains)
        self.trained_ = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        return self

    def predict_proba_counts(self, X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """``(main_proba, fine_proba, fine_names)``: main probabilities (columns ``main_classes_``) and the joint
        probability p(main) * p(fine | main) of each trained fine role (rows sum to 1 over trained roles)."""
        pm, pf = self._scores(X, self.params_)
        names, cols = [], []
        for k, m in enumerate(self.main_classes_):
            if pf[k] is None:
                continue
            names += self.params_["fine"][m]["classes"]
            cols.append(pf[k] * pm[:, [k]])
        return pm, (np.hstack(cols) if cols else np.zeros((X.shape[0], 0))), names

    def predict_proba(self, items: Sequence[tuple], languages: Sequence[str] | None = None):
        return self.predict_proba_counts(self.hash_counts(list(items), languages))

    def predict_counts(self, X: sp.csr_matrix) -> list[tuple[str, list[str]]]:
        pm, pf = self._scores(X, self.params_)
        return self._decode(pm, pf, self.params_, self.ratio_)

    def predict(self, items: Sequence[tuple], languages: Sequence[str] | None = None) -> list[tuple[str, list[str]]]:
        """``[(main_role, [fine_role, ...]), ...]`` for items ``(text, start, end, ...)``; fine roles are
        ordered by probability and always children of the main role."""
        return self.predict_counts(self.hash_counts(list(items), languages))

    def predict_scored(self, items: Sequence[tuple], languages: Sequence[str] | None = None) -> list[dict]:
        """Like :meth:`predict` with probabilities: ``{"main", "fine", "main_proba": {role: p},
        "fine_proba": {child: p(child | main)}}`` (children of the predicted main role only)."""
        X = self.hash_counts(list(items), languages)
        pm, pf = self._scores(X, self.params_)
        out = []
        for i, (main, fines) in enumerate(self._decode(pm, pf, self.params_, self.ratio_)):
            k = self.main_classes_.index(main)
            children = self.params_["fine"].get(main, {"classes": []})["classes"]
            out.append({"main": main, "fine": fines,
                        "main_proba": {m: float(pm[i, j]) for j, m in enumerate(self.main_classes_)},
                        "fine_proba": {c: float(pf[k][i, j]) for j, c in enumerate(children)} if pf[k] is not None else {}})
        return out

    # ---- persistence ----------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """An artifact (:mod:`.artifacts`) with numbers, label names and metadata only (no vocabulary, no text)."""
        p = self.params_
        state = {"taxonomy": self.taxonomy_name_, "languages": self.languages_, "trained": self.trained_,
                 "n_train": self.n_train_, "params": {k: getattr(self, k) for k in self.PARAMS},
                 "ratio": self.ratio_, "inner_emr": self.inner_emr_, "columns": p["columns"], "idf": p["idf"],
                 "main": p["main"], "fine": p["fine"], "flat": p.get("flat"), "flat_parent": p.get("flat_parent")}
        write_artifact(path, FORMAT, VERSION, state)

    @classmethod
    def load(cls, path: str | Path) -> "RoleClassifier":
        version, state = read_artifact(path, FORMAT, (1, VERSION))
        params = dict(V1_OFF) if version == 1 else {}  # version 1 had none of the optional blocks
        params.update(state["params"])
        self = cls(taxonomy=state["taxonomy"], **params)
        self.params_ = {k: state.get(k) for k in ("columns", "idf", "main", "fine", "flat", "flat_parent")}
        self.main_classes_ = list(state["main"]["classes"])
        self.ratio_ = state["ratio"]
        self.inner_emr_ = state["inner_emr"]
        self.taxonomy_name_ = state["taxonomy"]
        self.languages_ = list(state["languages"])
        self.n_train_ = state["n_train"]
        self.trained_ = state["trained"]
        return self
