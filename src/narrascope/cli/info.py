"""The commands that describe narrascope itself: ``pipeline`` (the analyzers, in order) and ``schema``
(the JSON Schema of the Document format)."""

from __future__ import annotations

import typer
from rich.console import Console

from .output import table


def pipeline_cmd() -> None:
    """List the analyzers of the default pipeline, in order, and any others installed."""
    from ..pipeline import DEFAULT_COMPONENTS, Pipeline, available_analyzers, create_analyzer

    p = Pipeline.default()
    listed = table(None, ("#", "analyzer", "needs", "adds", "in default"))
    names = list(DEFAULT_COMPONENTS) + [n for n in available_analyzers() if n not in DEFAULT_COMPONENTS]
    for i, name in enumerate(names, 1):
        component = p.get(name) if name in p.names else create_analyzer(name)
        listed.add_row(str(i), name, ", ".join(component.requires), ", ".join(component.produces), "yes" if name in p.names else "no")
    Console().print(listed)


def schema() -> None:
    """Print the JSON Schema of the Document format."""
    from importlib import resources

    typer.echo(resources.files("narrascope").joinpath("schema", "document.schema.json").read_text(encoding="utf-8"))
