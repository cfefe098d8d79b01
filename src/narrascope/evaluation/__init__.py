"""Metrics and prediction-file formats for shared tasks."""
