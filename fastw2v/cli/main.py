"""The ``fastw2v`` command line: ``fastw2v train`` and ``fastw2v download``.

Bad input (a missing or empty corpus, an invalid parameter, an unwritable output) ends with one line
``fastw2v: error: <message>`` on stderr and exit status 2, never with a traceback; failed downloads
and other I/O errors exit with 1, Ctrl-C with 130.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import os
import sys
import time
from pathlib import Path
from typing import Iterator, Optional, Sequence

from .. import __version__

from ..corpus import datasets
from ..base.atomic import check_writable_destination
from ..config import TrainConfig, default_workers
from ..errors import FastW2VError

log = logging.getLogger("fastw2v.cli")

#: TrainConfig fields that have a command-line option of the same name (``sg`` comes from ``cbow``).
_CONFIG_OPTIONS = tuple(f.name for f in dataclasses.fields(TrainConfig) if f.name != "sg")

_EXIT_USAGE = 2
_EXIT_FAILURE = 1
_EXIT_INTERRUPTED = 130

_EPILOG = """\
word2vec.c spellings are accepted too, e.g.
  fastw2v train -train text8 -output vec.bin -cbow 0 -size 200 -window 5 -negative 5 \\
      -sample 1e-4 -threads 2 -binary 1 -iter 5
Note that the defaults are fastw2v's (skip-gram, alpha 0.025), not word2vec.c's (CBOW, alpha 0.05
for CBOW); give -cbow 1 -alpha 0.05 to match word2vec.c.

CORPUS is a text file (optionally .gz, .bz2 or .xz): tokens separated by whitespace, one sentence
per line, lines of any length. The name "text8" (when no file of that name exists) means the text8
corpus: $FASTW2V_TEXT8, else a cached copy, else (where the project's shared data directory exists)
its stand-in wiki100m.txt.gz, else a download (see `fastw2v download --help`).

Output: word2vec format, binary when OUT ends in .bin and text otherwise unless --binary/--no-binary
(or -binary 1/0) says so; --format native writes fastw2v's own directory format instead.

Exit status: 0 success, 1 download or I/O failure, 2 bad usage or input, 130 interrupted."""


def _default(name: str) -> object:
    return {f.name: f.default for f in dataclasses.fields(TrainConfig)}[name]


def _zero_one(text: str) -> bool:
    if text not in ("0", "1"):
        raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text!r}")
    return text == "1"


def _hs(text: str) -> int:
    if text != "0":
        raise argparse.ArgumentTypeError(
            "hierarchical softmax is not supported; fastw2v trains with negative sampling "
            "(use -hs 0 or leave it out)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fastw2v`` command."""
    parser = argparse.ArgumentParser(
        prog="fastw2v", allow_abbrev=False,
        description="Train word2vec embeddings (skip-gram or CBOW with negative sampling).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    t = sub.add_parser(
        "train", allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        help="train embeddings on a corpus and write them to a file",
        description="Train word2vec embeddings on CORPUS and write them to OUT.", epilog=_EPILOG)
    t.set_defaults(handler=_train)
    t.add_argument("corpus", nargs="?", metavar="CORPUS",
                   help="corpus file, or a dataset name (text8)")
    t.add_argument("-train", dest="train_file", metavar="CORPUS",
                   help="same as the positional CORPUS (word2vec.c spelling)")
    t.add_argument("-o", "--output", "-output", dest="output", metavar="OUT",
                   help="where to write the vectors (required)")
    t.add_argument("--format", choices=("word2vec", "native"), default="word2vec",
                   help="word2vec: the word2vec.c text/binary file; native: fastw2v's directory "
                        "(vectors, vocabulary, config) (default: word2vec)")
    b = t.add_mutually_exclusive_group()
    b.add_argument("--binary", dest="binary", action="store_const", const=True,
                   help="write the binary word2vec format (default: when OUT ends in .bin)")
    b.add_argument("--no-binary", "--text", dest="binary", action="store_const", const=False,
                   help="write the text word2vec format (default: when OUT does not end in .bin)")
    b.add_argument("-binary", dest="binary", type=_zero_one, metavar="0|1",
                   help="1 = --binary, 0 = --no-binary (word2vec.c spelling)")

    g = t.add_argument_group("training parameters")
    S = argparse.SUPPRESS
    g.add_argument("--dim", "-size", type=int, default=S, metavar="N",
                   help=f"vector dimensionality, 1..10000 (default: {_default('dim')})")
    g.add_argument("--window", "-window", type=int, default=S, metavar="N",
                   help="maximum context distance; each word's window is drawn from 1..N, "
                        f"1..1000 (default: {_default('window')})")
    g.add_argument("--negative", "-negative", type=int, default=S, metavar="N",
                   help=f"negative samples per positive one, 1..1000 "
                        f"(default: {_default('negative')})")
    g.add_argument("--sample", "-sample", type=float, default=S, metavar="F",
                   help="subsampling threshold for frequent words, 0..1, 0 disables "
                        f"(default: {_default('sample'):g})")
    g.add_argument("--min-count", "-min-count", dest="min_count", type=int, default=S,
                   metavar="N",
                   help=f"drop words rarer than this, >= 1 (default: {_default('min_count')})")
    g.add_argument("--max-vocab-size", dest="max_vocab_size", type=int, default=S, metavar="N",
                   help="while counting, prune the rarest words whenever more than N distinct "
                        "words are held (default: no limit)")
    g.add_argument("--epochs", "-iter", dest="epochs", type=int, default=S, metavar="N",
                   help=f"passes over the corpus, 1..100000 (default: {_default('epochs')})")
    g.add_argument("--alpha", "-alpha", type=float, default=S, metavar="F",
                   help=f"initial learning rate, (0, 10] (default: {_default('alpha')})")
    g.add_argument("--min-alpha", dest="min_alpha", type=float, default=S, metavar="F",
                   help="final learning rate (linear decay), 0..alpha "
                        f"(default: {_default('min_alpha')})")
    arch = g.add_mutually_exclusive_group()
    arch.add_argument("--cbow", dest="cbow", action="store_const", const=True, default=S,
                      help="train CBOW instead of skip-gram (default: skip-gram)")
    arch.add_argument("-cbow", dest="cbow", type=_zero_one, default=S, metavar="0|1",
                      help="1 = CBOW, 0 = skip-gram (word2vec.c spelling)")
    g.add_argument("--ns-exponent", dest="ns_exponent", type=float, default=S, metavar="F",
                   help="negatives are drawn proportionally to count**F, -10..10 "
                        f"(default: {_default('ns_exponent')})")
    g.add_argument("--workers", "-threads", dest="workers", type=int, default=S, metavar="N",
                   help=f"worker threads, 1..1024 (default: all cores, {default_workers()} here)")
    g.add_argument("--shared-negatives", dest="shared_negatives",
                   action=argparse.BooleanOptionalAction, default=S,
                   help="skip-gram: draw one set of negatives per center word and share it across "
                        "the window (about twice as fast); --no-shared-negatives trains every "
                        "pair with its own negatives, exactly as word2vec.c "
                        f"(default: {'on' if _default('shared_negatives') else 'off'})")
    g.add_argument("--seed", type=int, default=S, metavar="N",
                   help=f"random seed, 0..2**63-1 (default: {_default('seed')})")
    g.add_argument("-hs", dest="hs", type=_hs, default=S, metavar="0",
                   help="word2vec.c's hierarchical softmax switch; only 0 is accepted")

    o = t.add_argument_group("input and run")
    o.add_argument("--corpus-path", dest="corpus_path", metavar="PATH",
                   help="local copy of a named corpus such as text8 (skips the look-up and the "
                        "download)")
    o.add_argument("--cache-dir", dest="cache_dir", metavar="DIR",
                   help="cache of token streams and downloaded corpora (default: $FASTW2V_CACHE, "
                        "else $XDG_CACHE_HOME/fastw2v, else ~/.cache/fastw2v)")
    o.add_argument("--checkpoint", metavar="DIR",
                   help="checkpoint directory, written at every epoch end, every "
                        "--checkpoint-every minutes and on Ctrl-C, removed after success "
                        "(default: OUT.checkpoint)")
    o.add_argument("--checkpoint-every", dest="checkpoint_every", type=float, metavar="MIN",
                   help="minutes between checkpoints within an epoch (default: only at epoch "
                        "ends and on Ctrl-C)")
    o.add_argument("--resume", metavar="DIR",
                   help="continue an interrupted run from its checkpoint (its training "
                        "parameters are used; CORPUS must be the same corpus)")
    o.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress line (default: shown when stderr is a terminal)")
    o.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")

    d = sub.add_parser(
        "download", allow_abbrev=False, help="download a named corpus and print its path",
        description="Download a named corpus (verified, cached) and print its local path. An "
                    "existing verified copy is reused.")
    d.add_argument("name", choices=sorted(datasets.DATASETS), help="the corpus")
    d.add_argument("--dest", metavar="DIR",
                   help="directory to put it in (default: <cache dir>/datasets)")
    d.add_argument("--cache-dir", dest="cache_dir", metavar="DIR",
                   help="cache directory (default: $FASTW2V_CACHE, else "
                        "$XDG_CACHE_HOME/fastw2v, else ~/.cache/fastw2v)")
    d.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    d.set_defaults(handler=_download)
    for register in _command_modules():
        register(sub)
    return parser


def _command_modules():
    """``register(subparsers)`` functions of the subcommands that live in their own modules.

    Each adds its parser (with ``-q/--quiet`` and ``set_defaults(handler=...)``, a function taking
    the parsed args and returning the exit status) and raises the same exceptions as ``train``.
    """
    from . import bench
    from . import evaluation as eval_cli
    from . import wiki as wiki_cli
    return [bench.register, eval_cli.register, wiki_cli.register]


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The validated TrainConfig the parsed ``train`` options ask for (ValueError if invalid)."""
    given = {name: getattr(args, name) for name in _CONFIG_OPTIONS if hasattr(args, name)}
    if hasattr(args, "cbow"):
        given["sg"] = not args.cbow
    return TrainConfig(**given)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "train":
            _check_train_usage(parser, args)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        return _EXIT_USAGE
    with _cli_logging(args.quiet):
        try:
            return args.handler(args)
        except KeyboardInterrupt:
            print("fastw2v: interrupted", file=sys.stderr)
            return _EXIT_INTERRUPTED
        except (ValueError, FileNotFoundError, PermissionError, IsADirectoryError,
                NotADirectoryError, FileExistsError) as exc:  # FastW2VError is a ValueError
            _error(exc)
            return _EXIT_USAGE
        except MemoryError:
            _error("out of memory (try a smaller --dim, --min-count above 1 or --max-vocab-size)")
            return _EXIT_FAILURE
        except OSError as exc:  # downloads, disk full, ...
            _error(exc)
            return _EXIT_FAILURE


def _check_train_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.corpus is not None and args.train_file is not None:
        parser.error("give the corpus once: as CORPUS or with -train, not both")
    for given in (args.train_file, args.corpus_path):
        if args.corpus is None:
            args.corpus = given
    if args.corpus is None:
        parser.error("the corpus is required (CORPUS, -train or --corpus-path)")
    if args.output is None:
        parser.error("the output is required (-o/--output/-output OUT)")


def _train(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    out = Path(args.output).expanduser()
    binary = args.binary if args.binary is not None else out.suffix.lower() == ".bin"
    _check_output(out, args.format)
    corpus = datasets.resolve_corpus(args.corpus, path=args.corpus_path, cache=args.cache_dir)

    # Deferred: loads numba and the kernels, which --help and usage errors do not need.
    from ..training.api import train_with_config
    from ..training.trainer import TrainingDiverged, TrainingInterrupted

    checkpoint = Path(args.checkpoint) if args.checkpoint else out.with_name(
        out.name + ".checkpoint")
    if checkpoint.exists() and not (checkpoint / "checkpoint.json").is_file():
        raise FileExistsError(f"checkpoint path exists and is not a checkpoint: {checkpoint}")
    start = time.perf_counter()
    try:
        emb = train_with_config(corpus, None if args.resume else config,
                                cache_dir=args.cache_dir,
                                progress=None if args.progress else False,
                                checkpoint=checkpoint, checkpoint_every=args.checkpoint_every,
                                resume=args.resume)
    except TrainingDiverged as exc:  # caused by the parameters (learning rate), so a usage error
        raise FastW2VError(str(exc)) from exc
    except TrainingInterrupted as exc:
        print(f"fastw2v: interrupted; checkpoint written to {exc.checkpoint}\n"
              f"fastw2v: resume with: fastw2v train {args.corpus} -o {out} --resume "
              f"{exc.checkpoint}", file=sys.stderr)
        return _EXIT_INTERRUPTED
    seconds = time.perf_counter() - start
    if args.format == "native":
        emb.save(out)
        kind = "native directory"
    else:
        emb.save_word2vec_format(out, binary=binary)
        kind = "word2vec " + ("binary" if binary else "text")
    print(_summary(emb, seconds))
    print(f"wrote {out} ({kind})")
    return 0


def _download(args: argparse.Namespace) -> int:
    print(datasets.fetch(args.name, dest=args.dest, cache=args.cache_dir))
    return 0


def _check_output(out: Path, fmt: str) -> None:
    """Fail now, not after training, if ``out`` cannot be written in format ``fmt``."""
    check_writable_destination(out)
    if fmt == "word2vec" and out.is_dir():
        raise IsADirectoryError(f"output path is a directory: {out}")
    if fmt == "native":
        from ..vectors.embeddings import _check_replaceable  # the rule Embeddings.save applies, checked now
        _check_replaceable(out)


def _summary(emb, seconds: float) -> str:
    stats = emb.stats or {}
    parts = [f"vocabulary {len(emb):,} words"]
    rate = stats.get("raw_words_per_sec") or stats.get("words_per_sec")
    if rate:
        parts.append(f"{rate:,.0f} words/s")
    parts.append(f"{seconds:.1f} s in all")
    return "trained: " + ", ".join(parts)


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
