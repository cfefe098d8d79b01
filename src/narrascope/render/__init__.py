"""Renderers: turn analysed Documents into something a person reads (HTML report, terminal)."""
