"""The ``fastw2v`` command: the root parser, dispatch to the subcommands, errors and exit codes.

Each command group lives in its own module (``train``, ``download``, ``evaluation``, ``wiki``,
``bench``) with a ``register(subparsers)`` function; nothing in the library imports this package.

Bad input (a missing or empty corpus, an invalid parameter, an unwritable output) ends with one line
``fastw2v: error: <message>`` on stderr and exit status 2, never with a traceback; failed downloads
and other I/O errors exit with 1, Ctrl-C with 130. A message that names a parameter to change
names the command's option (``--unicode-errors replace``), not the Python argument.

``fastw2v`` without a command lists the commands, one line each, on stderr, ends with the usual
error line and exits with 2: it is a usage error (a script that lost its command must not look
successful), and the list is what the user needs to go on.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from typing import Iterator, Optional, Sequence

from .._version import __version__
from ..base.progress import TerminalHandler
from ..errors import HintedError, api_spelling
from .options import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fastw2v`` command."""
    parser = argparse.ArgumentParser(
        prog="fastw2v", allow_abbrev=False,
        description="Train word2vec embeddings (skip-gram or CBOW with negative sampling).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _command_modules():
        register(sub)
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def command_list(parser: argparse.ArgumentParser) -> str:
    """The commands, one line each with what they do, and the error line (``fastw2v`` without a
    command)."""
    sub = _subparsers(parser)
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    width = max(len(name) for name in sub.choices) + 2
    lines = [parser.format_usage().rstrip(), "", "commands:"]
    lines += [f"  {name:<{width}}{helps.get(name, '')}" for name in sub.choices]
    lines += ["", "Run 'fastw2v COMMAND --help' for a command's options.",
              "fastw2v: error: a command is required"]
    return "\n".join(lines)


def _cli_spelling(parser: argparse.ArgumentParser, command: Optional[str]):
    """``spell(name, value)`` for error hints: the command's option (``--unicode-errors
    replace``) when it has one of that name, else the Python spelling."""
    sub = _subparsers(parser).choices.get(command) if command else None
    flags = {f for a in sub._actions for f in a.option_strings} if sub is not None else set()

    def spell(name: str, value: object = None) -> str:
        flag = "--" + name.replace("_", "-")
        if flag not in flags:
            return api_spelling(name, value)
        return flag if value is None else f"{flag} {value}"
    return spell


def _command_modules():
    """``register(subparsers)`` functions of the subcommands that live in their own modules.

    Each adds its parser (with ``-q/--quiet`` and ``set_defaults(handler=...)``, a function taking
    the parsed args and returning the exit status; optionally ``check_usage=f(parser, args)``,
    which calls ``parser.error`` for a usage error argparse cannot see) and raises the same
    exceptions as ``train``.
    """
    from . import bench, download, evaluation, train, wiki
    return [train.register, download.register, bench.register, evaluation.register,
            wiki.register]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        check_usage = getattr(args, "check_usage", None)
        if check_usage is not None:
            check_usage(parser, args)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        return EXIT_USAGE
    if args.command is None:
        print(command_list(parser), file=sys.stderr)
        return EXIT_USAGE
    spell = _cli_spelling(parser, args.command)
    with _cli_logging(args.quiet):
        try:
            return args.handler(args)
        except KeyboardInterrupt:
            print("fastw2v: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except (ValueError, FileNotFoundError, PermissionError, IsADirectoryError,
                NotADirectoryError, FileExistsError) as exc:  # FastW2VError is a ValueError
            _error(exc, spell)
            return EXIT_USAGE
        except MemoryError:
            _error("out of memory (try a smaller --dim, --min-count above 1 or --max-vocab-size)")
            return EXIT_FAILURE
        except OSError as exc:  # downloads, disk full, ...
            _error(exc)
            return EXIT_FAILURE


def _error(exc: object, spell=api_spelling) -> None:
    print(f"fastw2v: error: {_message(exc, spell)}", file=sys.stderr)


def _message(exc: object, spell=api_spelling) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return f"{exc.strerror}: {os.fsdecode(exc.filename)}"
    text = (exc.render(spell) if isinstance(exc, HintedError) else str(exc)).strip().splitlines()
    return " ".join(line.strip() for line in text) or type(exc).__name__


@contextlib.contextmanager
def _cli_logging(quiet: bool) -> Iterator[None]:
    """Send fastw2v's log records to stderr while the command runs (INFO, or WARNING with -q),
    above the progress line, never on it (:class:`fastw2v.base.progress.TerminalHandler`)."""
    logger = logging.getLogger("fastw2v")
    handler = TerminalHandler(sys.stderr)
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
