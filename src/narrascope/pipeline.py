"""The pipeline: an ordered list of analyzers a Document flows through, one way.

Components can be listed, added, removed and disabled, as with spaCy's ``nlp.pipe_names``.
Analyzers register a factory under a name, with ``@register_analyzer("narratives")`` or through
the ``narrascope.analyzers`` entry point group.

This module also owns what a pipeline is made of:

- the presets: ``Pipeline.preset("default")`` (every analyzer) and ``Pipeline.preset("light")``
  (without the model-based analyzers: what ``ingest`` runs by default), each in a model mode,
  "default" or "fast" (n-grams only, no transformer), optionally with an LLM backend;
- its configuration: ``Pipeline.config`` is JSON (the enabled components in order, each with the
  options its factory was called with) and ``Pipeline.from_config`` builds the same pipeline again,
  which is how worker processes and Dask workers get theirs.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import copy
import importlib
import json
import multiprocessing
import os
from importlib.metadata import entry_points
from typing import Any, Callable, Iterable, Iterator

from .analyzers.base import Analyzer
from .model import Document

_FACTORIES: dict[str, Callable[[], Analyzer]] = {}

# The default order; each name is registered by narrascope.analyzers.<name>.
DEFAULT_COMPONENTS: tuple[str, ...] = (
    "structure",
    "language",
    "mt_residue",
    "provenance",
    "entities",
    "citations",
    "quotes",
    "narratives",
    "roles",
    "techniques",
    "claims",
    "consistency",
)

# What the light preset leaves out: the analyzers that load models (they run later, or on demand).
HEAVY_ANALYZERS: tuple[str, ...] = ("entities", "narratives", "roles", "techniques", "claims", "consistency")
PRESETS: tuple[str, ...] = ("default", "light")

# Model modes: "default" (the shipped models) or "fast" (n-grams only, no transformer); a mode picks the
# model of MODEL_ANALYZERS, and an LLM backend can stand in for the models of LLM_ANALYZERS.
MODEL_MODES: tuple[str, ...] = ("default", "fast")
MODEL_ANALYZERS: tuple[str, ...] = ("narratives", "roles", "techniques", "claims")
LLM_ANALYZERS: tuple[str, ...] = ("narratives", "roles", "techniques")

# Built-in analyzers that are not in the default order, added when asked for ("outlets": with an outlets file).
OPTIONAL_COMPONENTS: tuple[str, ...] = ("outlets",)

# Built-in analyzers by name -> module that registers them. A module is imported only when its
# analyzer is asked for, so a pipeline without "entities" never loads spaCy.
_BUILTIN_MODULES = {name: f"narrascope.analyzers.{name}" for name in DEFAULT_COMPONENTS + OPTIONAL_COMPONENTS}
_loaded_all = False


def register_analyzer(name: str) -> Callable[[Callable[[], Analyzer]], Callable[[], Analyzer]]:
    """Decorator: register a zero-argument factory (usually the Analyzer class) under ``name``."""

    def wrap(factory: Callable[[], Analyzer]) -> Callable[[], Analyzer]:
        _FACTORIES[name] = factory
        return factory

    return wrap


def _load_factories(name: str | None = None) -> None:
    """Import the module that registers ``name``; with None, every built-in and plug-in."""
    global _loaded_all
    if name is not None and name in _FACTORIES:
        return
    if name is not None and name in _BUILTIN_MODULES:
        importlib.import_module(_BUILTIN_MODULES[name])
        return
    if _loaded_all:
        return
    for module in _BUILTIN_MODULES.values():
        importlib.import_module(module)
    for ep in entry_points(group="narrascope.analyzers"):
        _FACTORIES.setdefault(ep.name, ep.load())
    _loaded_all = True


def available_analyzers() -> list[str]:
    _load_factories()
    return sorted(_FACTORIES)


def create_analyzer(name: str, **options) -> Analyzer:
    """A new analyzer from its registered factory; ``options`` go to the factory (e.g. ``model="fast"``)."""
    _load_factories(name)
    if name not in _FACTORIES:
        _load_factories()
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise KeyError(f"no analyzer named {name!r}; available: {', '.join(sorted(_FACTORIES))}") from None
    analyzer = factory(**options)
    if not analyzer.name:
        analyzer.name = name  # type: ignore[misc]
    return analyzer


def model_options(mode: str = "default", backend: Any = None) -> dict[str, dict[str, Any]]:
    """The options of each model-based analyzer for a model mode (and an LLM backend, if any):
    ``Pipeline.default(options=model_options("fast"))``."""
    if mode not in MODEL_MODES:
        raise ValueError(f"unknown model mode {mode!r}: use {' or '.join(MODEL_MODES)}")
    options: dict[str, dict[str, Any]] = {name: {"model": mode} for name in MODEL_ANALYZERS}
    if backend is not None:
        for name in LLM_ANALYZERS:
            options[name]["backend"] = backend
    return options


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


class Pipeline:
    """Runs analyzers in order over Documents."""

    def __init__(self, components: Iterable[Analyzer | str] = ()) -> None:
        self._components: list[Analyzer] = []
        self._disabled: set[str] = set()
        # component name -> (registered name, options) for the components this pipeline built by name:
        # what its config says, so other processes can build the same components
        self._built: dict[str, tuple[str, dict[str, Any]]] = {}
        for component in components:
            self.add(component)

    @classmethod
    def default(cls, exclude: Iterable[str] = (), options: dict[str, dict] | None = None) -> "Pipeline":
        """The default components minus ``exclude``; ``options[name]`` configures a component
        (``{"narratives": {"model": "fast"}}``)."""
        skip = set(exclude)
        options = options or {}
        pipeline = cls()
        for name in DEFAULT_COMPONENTS:
            if name not in skip:
                pipeline.add(name, options=options.get(name))
        # leaving out "entities" leaves out "roles", which frames entities: drop what lost its input
        produced: set[str] = set()
        for component in list(pipeline._components):
            if all(r in produced for r in component.requires):
                produced.update(component.produces)
            else:
                pipeline.remove(component.name)
        return pipeline

    @classmethod
    def preset(cls, name: str = "default", *, mode: str = "default", backend: Any = None,
               exclude: Iterable[str] = ()) -> "Pipeline":
        """A named pipeline: "default" (every default component) or "light" (without HEAVY_ANALYZERS, what
        ingest runs by default), its models in ``mode`` ("default" or "fast"), narratives, roles and
        techniques from ``backend`` (an LLM) when given, minus ``exclude``."""
        if name not in PRESETS:
            raise ValueError(f"unknown pipeline preset {name!r}: use {' or '.join(PRESETS)}")
        skip = set(exclude) | (set(HEAVY_ANALYZERS) if name == "light" else set())
        return cls.default(exclude=skip, options=model_options(mode, backend))

    # -- configuration ----------------------------------------------------------
    @property
    def config(self) -> dict[str, Any]:
        """The enabled components in order, each with the options its factory was called with, as JSON-able
        data: ``{"components": [{"name": "structure", "options": {}}, ...]}``. :meth:`from_config` builds
        the same pipeline again, in any process where the same analyzers are registered.

        ValueError for a component that cannot be built again by name: one given to the pipeline as an
        object rather than by its registered name, or built with options that are not JSON (such as an
        LLM backend object)."""
        entries = []
        for name in self.enabled:
            entry = self._config_entry(name)
            if entry is None:
                raise ValueError(self._why_not_portable(name))
            entries.append(entry)
        return {"components": entries}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Pipeline":
        """The pipeline a :attr:`config` describes (KeyError for an analyzer not registered here)."""
        components = config.get("components") if isinstance(config, dict) else None
        if not isinstance(components, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("options", {}), dict)
            for c in components
        ):
            raise ValueError('a pipeline config is {"components": [{"name": NAME, "options": {...}}, ...]}')
        return cls._from_parts([{"name": c["name"], "options": c.get("options", {})} for c in components])

    @classmethod
    def _from_parts(cls, parts: Iterable[dict[str, Any] | Analyzer]) -> "Pipeline":
        """Config entries built by name, and components that came as they are, in order."""
        pipeline = cls()
        for part in parts:
            if isinstance(part, Analyzer):
                pipeline.add(part)
            else:
                pipeline.add(part["name"], options=part["options"])
        return pipeline

    def _config_entry(self, name: str) -> dict[str, Any] | None:
        """The config entry that builds component ``name`` again, or None when it cannot be built by name."""
        built = self._built.get(name)
        if built is None or not _is_json(built[1]):
            return None
        registered, options = built
        return {"name": registered, "options": copy.deepcopy(options)}

    def _why_not_portable(self, name: str) -> str:
        """Why component ``name`` has no config entry (only asked when a config is refused)."""
        built = self._built.get(name)
        if built is not None:
            odd = ", ".join(k for k, v in built[1].items() if not _is_json(v)) or "its options"
            return f"component {name!r} was built with options that cannot be sent to workers ({odd})"
        _load_factories(name)
        if name not in _FACTORIES:
            _load_factories()
        if name not in _FACTORIES:
            return (f"component {name!r} is not a registered analyzer, so workers cannot build it "
                    "(register it with @register_analyzer or the narrascope.analyzers entry point)")
        return (f"component {name!r} was given to the pipeline as an object, so workers cannot build it "
                f"(add it by name: pipeline.add({name!r}, options={{...}}))")

    # -- composition ----------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """All component names in order, enabled or not."""
        return [c.name for c in self._components]

    @property
    def enabled(self) -> list[str]:
        return [c.name for c in self._components if c.name not in self._disabled]

    def get(self, name: str) -> Analyzer:
        for component in self._components:
            if component.name == name:
                return component
        raise KeyError(f"pipeline has no component {name!r}; it has: {', '.join(self.names)}")

    def add(
        self,
        component: Analyzer | str,
        *,
        options: dict[str, Any] | None = None,
        before: str | None = None,
        after: str | None = None,
        first: bool = False,
    ) -> Analyzer:
        """Add a component: a registered analyzer's name (built here with ``options``, which the pipeline's
        config records) or an Analyzer object (kept as it is)."""
        if isinstance(component, str):
            options = dict(options or {})
            analyzer = create_analyzer(component, **options)
        elif options:
            raise ValueError("options go with a component given by name, not with an Analyzer object")
        else:
            analyzer = component
        if not analyzer.name:
            raise ValueError(f"{analyzer!r} has no name")
        if analyzer.name in self.names:
            raise ValueError(f"pipeline already has a component named {analyzer.name!r}")
        if sum(x is not None and x is not False for x in (before, after, first)) > 1:
            raise ValueError("give at most one of before, after, first")
        if first:
            index = 0
        elif before is not None:
            index = self.names.index(self.get(before).name)
        elif after is not None:
            index = self.names.index(self.get(after).name) + 1
        else:
            index = len(self._components)
        self._components.insert(index, analyzer)
        if isinstance(component, str):
            self._built[analyzer.name] = (component, options)
        return analyzer

    def remove(self, name: str) -> Analyzer:
        component = self.get(name)
        self._components.remove(component)
        self._disabled.discard(name)
        self._built.pop(name, None)
        return component

    def disable(self, *names: str, cascade: bool = False) -> list[str]:
        """Disable components; with ``cascade``, also every later component that needs a layer only they
        produce (``--disable entities`` takes ``roles`` with it). Returns the names disabled."""
        for name in names:
            self.get(name)
            self._disabled.add(name)
        done = list(names)
        if cascade:
            produced: set[str] = set()
            for component in self._components:
                if component.name in self._disabled:
                    continue
                if any(r not in produced for r in component.requires):
                    self._disabled.add(component.name)
                    done.append(component.name)
                else:
                    produced.update(component.produces)
        return done

    def enable(self, *names: str) -> None:
        for name in names:
            self.get(name)
            self._disabled.discard(name)

    @contextlib.contextmanager
    def disabled(self, *names: str) -> Iterator["Pipeline"]:
        """Temporarily disable components: ``with nlp.disabled("entities"): ...``."""
        before = set(self._disabled)
        self.disable(*names)
        try:
            yield self
        finally:
            self._disabled = before

    def check(self) -> None:
        """Every enabled component's required layers are produced by an earlier enabled one."""
        produced: set[str] = set()
        for component in self._components:
            if component.name in self._disabled:
                continue
            missing = [r for r in component.requires if r not in produced]
            if missing:
                raise ValueError(
                    f"component {component.name!r} needs {', '.join(missing)} from an earlier component"
                )
            produced.update(component.produces)

    # -- running ---------------------------------------------------------------
    def __call__(self, doc: Document) -> Document:
        self.check()
        for component in self._components:
            if component.name in self._disabled:
                continue
            component.ensure_ready()
            doc = component(doc)
        doc.sort_layers()
        doc.metadata.setdefault("pipeline", [])
        doc.metadata["pipeline"] = [
            {"name": c.name, "version": c.version} for c in self._components if c.name not in self._disabled
        ]
        return doc

    def pipe(self, docs: Iterable[Document], n_process: int = 1, chunksize: int = 4) -> Iterator[Document]:
        """Analyse many documents, in order. ``n_process`` > 1 uses that many worker
        processes (-1: one per core), each building this pipeline's component list once.
        The first failure is raised; :class:`narrascope.engines.LocalEngine` reports failures per document."""
        if n_process == -1:
            n_process = os.cpu_count() or 1
        if n_process <= 1:
            for doc in docs:
                yield self(doc)
            return
        with self.process_pool(n_process) as pool:
            yield from pool.map(_run_worker, docs, chunksize=chunksize)

    def process_pool(self, n_process: int) -> cf.ProcessPoolExecutor:
        """``n_process`` worker processes, each holding a copy of this pipeline's enabled components (built
        once per worker). Submit :func:`analyse_in_worker` to them; the caller shuts the pool down."""
        # each worker builds from the config what can be built by name; the rest (components given as
        # objects, or built with options that are not JSON, such as an LLM backend) travel pickled
        parts = [self._config_entry(name) or self.get(name) for name in self.enabled]
        from .models.embeddings import engine_started

        # fork is fastest, but not once the embedding engine's OpenMP threads exist in this process
        ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") and not engine_started() else "spawn")
        return cf.ProcessPoolExecutor(n_process, mp_context=ctx, initializer=_init_worker, initargs=(parts,))

    def __repr__(self) -> str:
        parts = [n + (" (disabled)" if n in self._disabled else "") for n in self.names]
        return f"Pipeline([{', '.join(parts)}])"


_worker_pipeline: Pipeline | None = None


def _init_worker(parts: list[dict[str, Any] | Analyzer]) -> None:
    global _worker_pipeline
    from .models.embeddings import single_threaded_engine

    single_threaded_engine()  # n workers already share the cores
    _worker_pipeline = Pipeline._from_parts(parts)


def _run_worker(doc: Document) -> Document:
    assert _worker_pipeline is not None
    return _worker_pipeline(doc)


def analyse_in_worker(doc: Document) -> Document | tuple[str, str]:
    """In a :meth:`Pipeline.process_pool` worker: the analysed Document, or (error type, message) when an
    analyzer raised, so one bad document costs only itself (an exception would also travel, but a
    pickled exception of a plug-in's own class may not unpickle in the parent)."""
    try:
        return _run_worker(doc)
    except Exception as exc:  # noqa: BLE001 - reported per document by the engine
        return (type(exc).__name__, str(exc))
