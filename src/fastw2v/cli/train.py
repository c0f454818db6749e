"""``fastw2v train``: train embeddings on a corpus and write them to a file."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from ..base.atomic import check_writable_destination
from ..base.text import count
from ..config import TrainConfig, default_workers
from ..corpus import datasets
from ..errors import FastW2VError
from .options import EXIT_INTERRUPTED, zero_one

#: TrainConfig fields that have a command-line option of the same name (``sg`` comes from ``cbow``).
_CONFIG_OPTIONS = tuple(f.name for f in dataclasses.fields(TrainConfig) if f.name != "sg")

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


def _hs(text: str) -> int:
    if text != "0":
        raise argparse.ArgumentTypeError(
            "hierarchical softmax is not supported; fastw2v trains with negative sampling "
            "(use -hs 0 or leave it out)")
    return 0


def register(sub) -> None:
    """Add ``fastw2v train`` to the ``fastw2v`` command's subparsers."""
    t = sub.add_parser(
        "train", allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        help="train embeddings on a corpus and write them to a file",
        description="Train word2vec embeddings on CORPUS and write them to OUT.", epilog=_EPILOG)
    t.set_defaults(handler=_train, check_usage=_check_train_usage)
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
    b.add_argument("-binary", dest="binary", type=zero_one, metavar="0|1",
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
    arch.add_argument("-cbow", dest="cbow", type=zero_one, default=S, metavar="0|1",
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



def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The validated TrainConfig the parsed ``train`` options ask for (ValueError if invalid)."""
    given = {name: getattr(args, name) for name in _CONFIG_OPTIONS if hasattr(args, name)}
    if hasattr(args, "cbow"):
        given["sg"] = not args.cbow
    return TrainConfig(**given)


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
    try:
        emb = train_with_config(corpus, None if args.resume else config,
                                cache_dir=args.cache_dir,
                                progress=None if args.progress else False,
                                checkpoint=checkpoint, checkpoint_every=args.checkpoint_every,
                                resume=args.resume)
    except TrainingDiverged as exc:  # caused by the parameters (learning rate), so a usage error
        raise FastW2VError(exc.template, option=exc.option) from exc
    except TrainingInterrupted as exc:
        print(f"fastw2v: interrupted; checkpoint written to {exc.checkpoint}\n"
              f"fastw2v: resume with: fastw2v train {args.corpus} -o {out} --resume "
              f"{exc.checkpoint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.format == "native":
        emb.save(out)
        kind = "native directory"
    else:
        emb.save_word2vec_format(out, binary=binary)
        kind = "word2vec " + ("binary" if binary else "text")
    # The run is summarised once, by the log (train_with_config); this line is the result.
    print(f"wrote {out} ({kind}: {count(len(emb), 'word')} x "
          f"{count(emb.dim, 'dimension')})")
    return 0


def _check_output(out: Path, fmt: str) -> None:
    """Fail now, not after training, if ``out`` cannot be written in format ``fmt``."""
    check_writable_destination(out)
    if fmt == "word2vec" and out.is_dir():
        raise IsADirectoryError(f"output path is a directory: {out}")
    if fmt == "native":
        from ..vectors.native import check_replaceable  # the rule Embeddings.save applies
        check_replaceable(out)
