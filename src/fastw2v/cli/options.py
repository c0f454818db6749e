"""What the subcommands share: exit codes and argparse types."""
from __future__ import annotations

import argparse
from typing import Callable, Optional

from ..base.validate import check_int

#: Exit status of bad usage or input (the message is one line on stderr).
EXIT_USAGE = 2
#: Exit status of a failed download or another I/O failure.
EXIT_FAILURE = 1
#: Exit status after Ctrl-C (128 + SIGINT, as shells report it); any termination signal exits
#: with 128 + its number (SIGTERM 143, SIGHUP 129).
EXIT_INTERRUPTED = 130


def zero_one(text: str) -> bool:
    """word2vec.c's ``0``/``1`` switches."""
    if text not in ("0", "1"):
        raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text!r}")
    return text == "1"


def int_option(low: int, high: Optional[int] = None) -> Callable[[str], int]:
    """An argparse type: an integer in ``[low, high]``, checked by
    :func:`fastw2v.base.validate.check_int` so the CLI says what the API says."""
    def parse(text: str) -> int:
        try:
            value: object = int(text)
        except ValueError:
            value = text
        try:
            return check_int("the value", value, low, high)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).replace("the value must be", "must be"))
    return parse
