"""Trainable classifiers (narratives, ...). Nothing here ships trained weights yet."""

from .narratives_fast import NarrativeClassifierFast

__all__ = ["NarrativeClassifierFast"]
