"""The pipeline: an ordered list of analyzers a Document flows through, one way.

Components can be listed, added, removed and disabled, as with spaCy's ``nlp.pipe_names``.
Analyzers register a factory under a name; later issues add theirs with
``@register_analyzer("narratives")`` or through the ``narrascope.analyzers`` entry point group.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import importlib
import multiprocessing
import os
from importlib.metadata import entry_points
from typing import Callable, Iterable, Iterator

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

# Built-in analyzers by name -> module that registers them. A module is imported only when its
# analyzer is asked for, so a pipeline without "entities" never loads spaCy.
_BUILTIN_MODULES = {name: f"narrascope.analyzers.{name}" for name in DEFAULT_COMPONENTS}
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
    analyzer.created_with = dict(options)  # so worker processes can build the same component
    return analyzer


class Pipeline:
    """Runs analyzers in order over Documents."""

    def __init__(self, components: Iterable[Analyzer | str] = ()) -> None:
        self._components: list[Analyzer] = []
        self._disabled: set[str] = set()
        for component in components:
            self.add(component)

    @classmethod
    def default(cls, exclude: Iterable[str] = (), options: dict[str, dict] | None = None) -> "Pipeline":
        """The default components minus ``exclude``; ``options[name]`` configures a component
        (``{"narratives": {"model": "fast"}}``)."""
        skip = set(exclude)
        options = options or {}
        pipeline = cls(create_analyzer(name, **options.get(name, {})) for name in DEFAULT_COMPONENTS if name not in skip)
        # leaving out "entities" leaves out "roles", which frames entities: drop what lost its input
        produced: set[str] = set()
        for component in list(pipeline._components):
            if all(r in produced for r in component.requires):
                produced.update(component.produces)
            else:
                pipeline.remove(component.name)
        return pipeline

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
        before: str | None = None,
        after: str | None = None,
        first: bool = False,
    ) -> Analyzer:
        analyzer = create_analyzer(component) if isinstance(component, str) else component
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
        return analyzer

    def remove(self, name: str) -> Analyzer:
        component = self.get(name)
        self._components.remove(component)
        self._disabled.discard(name)
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
        """``n_process`` worker processes, each holding a copy of this pipeline (built once per worker).
        Submit :func:`analyse_in_worker` to them; the caller shuts the pool down."""
        # components that are not built-in by name, or were built with options, travel as they are
        custom = [c for c in self._components if c.name not in _FACTORIES or getattr(c, "created_with", None)]
        config = (self.names, sorted(self._disabled), custom)
        from .models.embeddings import engine_started

        # fork is fastest, but not once the embedding engine's OpenMP threads exist in this process
        ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") and not engine_started() else "spawn")
        return cf.ProcessPoolExecutor(n_process, mp_context=ctx, initializer=_init_worker, initargs=(config,))

    def __repr__(self) -> str:
        parts = [n + (" (disabled)" if n in self._disabled else "") for n in self.names]
        return f"Pipeline([{', '.join(parts)}])"


_worker_pipeline: Pipeline | None = None


def _init_worker(config: tuple[list[str], list[str], list[Analyzer]]) -> None:
    global _worker_pipeline
    from .models.embeddings import single_threaded_engine

    single_threaded_engine()  # n workers already share the cores
    names, disabled, custom = config
    by_name = {c.name: c for c in custom}
    _worker_pipeline = Pipeline(by_name.get(n, n) for n in names)
    _worker_pipeline.disable(*disabled)


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
