"""Optional backends that analyzers call through one interface (off by default).

``LLMBackend`` talks to any OpenAI-compatible chat-completions server; see ``docs/llm-backend.md``.
"""

from .llm import LLMBackend, LLMError, LLMUsage, default_cache_dir
from .llm_answers import (
    Evidence,
    RejectedQuote,
    check_schema,
    label_choice_schema,
    schema_errors,
    validate_labels,
    verify_evidence,
)

__all__ = [
    "Evidence",
    "LLMBackend",
    "LLMError",
    "LLMUsage",
    "RejectedQuote",
    "check_schema",
    "default_cache_dir",
    "label_choice_schema",
    "schema_errors",
    "validate_labels",
    "verify_evidence",
]
