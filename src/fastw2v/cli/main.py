"""The ``fastw2v`` command: the root parser, dispatch to the subcommands, errors and exit codes.

Each command group lives in its own module (``train``, ``download``, ``evaluation``, ``wiki``,
``bench``) with a ``register(subparsers)`` function; nothing in the library imports this package.

Bad input (a missing or empty corpus, an invalid parameter, an unwritable output) ends with one line
``fastw2v: error: <message>`` on stderr and exit status 2, never with a traceback; failed downloads
and other I/O errors exit with 1, Ctrl-C with 130.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from typing import Iterator, Optional, Sequence

from .._version import __version__
from .compat import unknown_option_message
from .options import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fastw2v`` command."""
    parser = argparse.ArgumentParser(
        prog="fastw2v", allow_abbrev=False,
        description="Train word2vec embeddings (skip-gram or CBOW with negative sampling).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in _command_modules():
        register(sub)
    parser.set_defaults(subcommands=sub.choices)  # for the unknown-option message
    return parser


def _command_modules():
    """``register(subparsers)`` functions of the subcommands that live in their own modules.

    Each adds its parser (with ``-q/--quiet`` and ``set_defaults(handler=...)``, a function taking
    the parsed args and returning the exit status; optionally ``check_usage=f(parser, args)``,
    which calls ``parser.error`` for a usage error argparse cannot see) and raises the same
    exceptions as ``train``.
    """
    from . import bench, download, evaluation, phrases, train, wiki
    return [train.register, phrases.register, download.register, bench.register,
            evaluation.register, wiki.register]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(argv)
        if extras:  # one line naming the nearest option, not argparse's usage block
            _error(unknown_option_message(args.subcommands.get(args.command, parser), extras))
            return EXIT_USAGE
        check_usage = getattr(args, "check_usage", None)
        if check_usage is not None:
            check_usage(parser, args)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        return EXIT_USAGE
    with _cli_logging(args.quiet):
        try:
            return args.handler(args)
        except KeyboardInterrupt:
            print("fastw2v: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except (ValueError, FileNotFoundError, PermissionError, IsADirectoryError,
                NotADirectoryError, FileExistsError) as exc:  # FastW2VError is a ValueError
            _error(exc)
            return EXIT_USAGE
        except MemoryError:
            _error("out of memory (try a smaller --dim, --min-count above 1 or --max-vocab-size)")
            return EXIT_FAILURE
        except OSError as exc:  # downloads, disk full, ...
            _error(exc)
            return EXIT_FAILURE


def _error(exc: object) -> None:
    print(f"fastw2v: error: {_message(exc)}", file=sys.stderr)


def _message(exc: object) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return f"{exc.strerror}: {os.fsdecode(exc.filename)}"
    text = str(exc).strip().splitlines()
    return " ".join(line.strip() for line in text) or type(exc).__name__


@contextlib.contextmanager
def _cli_logging(quiet: bool) -> Iterator[None]:
    """Send fastw2v's log records to stderr while the command runs (INFO, or WARNING with -q)."""
    logger = logging.getLogger("fastw2v")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s fastw2v: %(message)s", "%H:%M:%S"))
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
