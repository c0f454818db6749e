"""Exceptions fastw2v raises for bad input. All derive from ``ValueError`` so callers that catch
ValueError keep working; the CLI turns them into a one-line message and exit code 2."""


class FastW2VError(ValueError):
    """Base class of fastw2v's input errors."""


class CorpusError(FastW2VError):
    """The corpus cannot be trained on: a directory, empty, whitespace only, no word >= min_count."""


class ModelFormatError(FastW2VError):
    """A model or vector file is corrupt, truncated, or not in the expected format."""
