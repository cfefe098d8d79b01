"""Loaders for external research data sets (never bundled with the package)."""
