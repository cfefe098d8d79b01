"""Errors that reach the user as one line and an exit code, never a traceback."""


class NarrascopeError(Exception):
    """Base class; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class InputError(NarrascopeError):
    """The input cannot be read as an article: missing, empty, binary, undecodable, malformed."""

    exit_code = 3


class UsageError(NarrascopeError):
    exit_code = 2
