"""Exceptions fastw2v raises for bad input. All derive from ``ValueError`` so callers that catch
ValueError keep working; the CLI turns them into a one-line message and exit code 2.

A message that tells the user which parameter to change (``pass unicode_errors='replace' to
accept it``) names it through ``option``, so that each interface spells it its own way: ``str()``
gives the Python spelling, :meth:`FastW2VError.render` any other (the command line's
``--unicode-errors replace``).
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

#: The ``option`` of an error: a parameter name as the Python API spells it, and the value to give
#: it (None: the parameter alone, as in "raise max_vocab_size").
Option = Tuple[str, Any]


def api_spelling(name: str, value: Any = None) -> str:
    """How the Python API names a parameter in a hint: ``unicode_errors='replace'``, or the bare
    name when no value goes with it."""
    return name if value is None else f"{name}={value!r}"


class HintedError(Exception):
    """An error whose message may name a parameter: ``{option}`` in the message stands for
    ``option``, spelled by :func:`api_spelling` in ``str()`` and by the caller in :meth:`render`.
    """

    def __init__(self, message: str = "", *, option: Optional[Option] = None):
        self.template = message
        self.option = option
        super().__init__(self.render())

    def render(self, spell: Callable[..., str] = api_spelling) -> str:
        """The message with its option spelled by ``spell(name, value)``."""
        if self.option is None:
            return self.template
        return self.template.replace("{option}", spell(*self.option))


class FastW2VError(HintedError, ValueError):
    """Base class of fastw2v's input errors."""


class CorpusError(FastW2VError):
    """The corpus cannot be trained on: a directory, empty, whitespace only, no word >= min_count."""


class ModelFormatError(FastW2VError):
    """A model or vector file is corrupt, truncated, or not in the expected format."""
