"""The analyzer interface: a named component that adds layers to a Document."""

from __future__ import annotations

from typing import ClassVar

from ..model import Document


class Analyzer:
    """Subclass, set ``name`` and implement ``__call__``.

    ``requires`` names layers that must exist before this component runs (the
    pipeline checks the order); ``produces`` names the layers and groups it adds.
    Heavy resources (models) are loaded lazily in ``setup`` so that building a
    pipeline, listing it or reading ``--help`` costs nothing.
    """

    name: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    produces: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[str] = "1"

    _ready: bool = False

    def setup(self) -> None:
        """Load models or data; called once before the first document."""

    def ensure_ready(self) -> None:
        if not self._ready:
            self.setup()
            self._ready = True

    def __call__(self, doc: Document) -> Document:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def model_language(doc: Document) -> str:
    """The document's language as the trained heads know it (EN BG HI PT RU; others pass through): Ukrainian
    text is closest to Russian among them; an undetected language is read as English."""
    code = str(doc.metadata.get("language") or "en").upper()[:2]
    return {"UK": "RU"}.get(code, code)
