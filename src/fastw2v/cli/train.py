"""``fastw2v train``: train embeddings on a corpus and write them to a file."""
from __future__ import annotations

import argparse
import dataclasses
import sys
import shlex
from pathlib import Path

from ..base.atomic import check_writable_destination
from ..base.signals import critical, interrupt_signal, signal_name
from ..base.text import count
from ..config import TrainConfig, default_workers
from ..corpus import datasets
from ..errors import FastW2VError
from .options import EXIT_FAILURE, int_option, zero_one

#: TrainConfig fields that have a command-line option of the same name (``sg`` comes from ``cbow``).
_CONFIG_OPTIONS = tuple(f.name for f in dataclasses.fields(TrainConfig) if f.name != "sg")

_EPILOG = """\
word2vec.c spellings are accepted too, e.g.
  fastw2v train -train text8 -output vec.bin -cbow 0 -size 200 -window 5 -negative 5 \\
      -sample 1e-4 -threads 2 -binary 1 -iter 5
Note that the default model is fastw2v's (skip-gram), not word2vec.c's (CBOW): give -cbow 1 to
match word2vec.c. The learning rate defaults as in word2vec.c (0.025 skip-gram, 0.05 CBOW). All of word2vec.c's flags work: -hs 1
-negative 0 (hierarchical softmax), -save-vocab, -read-vocab, -debug and -classes as well.

CORPUS is a text file (optionally .gz, .bz2 or .xz): tokens separated by whitespace, one sentence
per line, lines of any length. The name "text8" (when no file of that name exists) means the text8
corpus: $FASTW2V_TEXT8, else a cached copy, else (where the project's shared data directory exists)
its stand-in wiki100m.txt.gz, else a download (see `fastw2v download --help`).

Output: word2vec format, binary when OUT ends in .bin and text otherwise unless --binary/--no-binary
(or -binary 1/0) says so; --format native writes fastw2v's own directory format instead.

Checkpoints: written to DIR (--checkpoint, default OUT.checkpoint) at every epoch end, every
--checkpoint-every minutes and when a signal stops training (Ctrl-C, SIGTERM, SIGHUP), each
replacing the last in one atomic step; removed only once OUT is durably written. A fresh run
refuses a DIR that holds an interrupted run's checkpoint: continue it with --resume DIR, or start
over with --overwrite-checkpoint.

Exit status: 0 success, 1 download or I/O failure (a full disk), 2 bad usage or input (a damaged
checkpoint), 128 + the signal when stopped by one (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP)."""


def _default(name: str) -> object:
    return {f.name: f.default for f in dataclasses.fields(TrainConfig)}[name]


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
                   help=f"negative samples per positive one, 1..1000, or 0 with --hs "
                        f"(hierarchical softmax alone) (default: {_default('negative')})")
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
                   help="initial learning rate, (0, 10] (default: 0.025 for skip-gram, 0.05 for "
                        "CBOW, as word2vec.c)")
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
    hs = g.add_mutually_exclusive_group()
    hs.add_argument("--hs", dest="hs", action="store_const", const=True, default=S,
                    help="train hierarchical softmax over a Huffman tree of the vocabulary; with "
                         "--negative 0 alone, else together with negative sampling "
                         "(default: off)")
    hs.add_argument("-hs", dest="hs", type=zero_one, default=S, metavar="0|1",
                    help="1 = --hs, 0 = off (word2vec.c spelling)")

    o = t.add_argument_group("input and run")
    o.add_argument("--corpus-path", dest="corpus_path", metavar="PATH",
                   help="local copy of a named corpus such as text8 (skips the look-up and the "
                        "download)")
    o.add_argument("--cache-dir", dest="cache_dir", metavar="DIR",
                   help="cache of token streams and downloaded corpora (default: $FASTW2V_CACHE, "
                        "else $XDG_CACHE_HOME/fastw2v, else ~/.cache/fastw2v)")
    o.add_argument("--checkpoint", metavar="DIR",
                   help="checkpoint directory, written at every epoch end, every "
                        "--checkpoint-every minutes and when Ctrl-C, SIGTERM or SIGHUP stops "
                        "training; removed once OUT is written (default: the --resume DIR, "
                        "else OUT.checkpoint)")
    o.add_argument("--checkpoint-every", dest="checkpoint_every", type=float, metavar="MIN",
                   help="minutes between checkpoints within an epoch (default: only at epoch "
                        "ends and on Ctrl-C)")
    o.add_argument("--resume", metavar="DIR",
                   help="continue an interrupted run from its checkpoint (its training "
                        "parameters are used, and a different value given for one is an "
                        "error; CORPUS must be the same corpus)")
    o.add_argument("--overwrite-checkpoint", dest="overwrite_checkpoint", action="store_true",
                   help="start over even though the checkpoint directory holds an "
                        "interrupted run's checkpoint (default: refuse)")
    o.add_argument("--no-eval-loss", dest="eval_loss", action="store_false",
                   help="skip the evaluation loss on a fixed probe at each epoch's end "
                        "(default: computed, about 1%% of an epoch's work)")
    c = t.add_argument_group("training on a Dask cluster (needs pip install \"fastw2v[dask]\")")
    where = c.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="train on the Dask cluster whose scheduler is at ADDRESS (e.g. "
                            "tcp://host:8786); CORPUS must be a path every worker can read, or "
                            "a URL fsspec opens; --workers is then the threads per Dask worker "
                            "(default: each worker's --nthreads)")
    where.add_argument("--local-cluster", dest="local_cluster", type=int_option(1, 1024),
                       metavar="N",
                       help="start a Dask cluster of N worker processes on this machine and "
                            "train on it (--workers threads each; default: the cores / N)")
    c.add_argument("--sync-words", dest="sync_words", type=int_option(1), metavar="N",
                   help="words each worker trains per round between two model averagings "
                        "(default: 250000); each round sends 2 x vocabulary x dim x 4 bytes "
                        "to every worker and back")
    o.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress line (default: shown when stderr is a terminal)")
    o.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    o.add_argument("--debug", "-debug", dest="debug", type=int_option(0), metavar="N",
                   help="word2vec.c's verbosity: 0 = --quiet --no-progress, 1 = log lines "
                        "without the progress line, 2 = both (the default)")

    v = t.add_argument_group("vocabulary files and word classes (word2vec.c's flags)")
    v.add_argument("--save-vocab", "-save-vocab", dest="save_vocab", metavar="FILE",
                   help="write the vocabulary before training: word2vec.c's 'word count' lines "
                        "('</s>' first), or fastw2v's 'word<TAB>count' when FILE ends in .tsv; "
                        "without OUT only the vocabulary is built")
    v.add_argument("--read-vocab", "-read-vocab", dest="read_vocab", metavar="FILE",
                   help="take the vocabulary from FILE (either format) instead of counting the "
                        "corpus, which is then only encoded; --min-count applies to its counts")
    v.add_argument("--classes", "-classes", dest="classes", type=int_option(0), metavar="K",
                   help="write K word classes (k-means over the trained vectors, 'word class' "
                        "lines as word2vec.c writes them) to OUT instead of the vectors; "
                        "0 writes the vectors (default: 0)")



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
    if args.output is None and args.save_vocab is None:
        parser.error("the output is required (-o/--output/-output OUT), unless --save-vocab "
                     "builds only the vocabulary")
    if args.classes and args.format == "native":
        parser.error("--classes writes word2vec.c's 'word class' text file; it cannot be "
                     "combined with --format native")
    if args.debug is not None:  # word2vec.c's -debug: 0 quiet, 1 no progress line, 2 both
        args.quiet = args.quiet or args.debug == 0
        args.progress = args.progress and args.debug >= 2
    if args.sync_words is not None and args.scheduler is None and args.local_cluster is None:
        parser.error("--sync-words needs --scheduler or --local-cluster")
    on_cluster = args.scheduler is not None or args.local_cluster is not None
    single = [name for name, given in (("--hs", getattr(args, "hs", False)),
                                       ("--read-vocab", args.read_vocab),
                                       ("--save-vocab", args.save_vocab),
                                       ("--classes", args.classes),
                                       ("--no-eval-loss", not args.eval_loss)) if given]
    if on_cluster and single:
        parser.error(f"{', '.join(single)}: not available with --scheduler / --local-cluster "
                     f"(one machine only)")


def _train(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    for given in (args.save_vocab, args.output):
        if given is not None:
            check_writable_destination(Path(given).expanduser())
    if args.output is None:  # -save-vocab without -output: the vocabulary only, as word2vec.c
        corpus = datasets.resolve_corpus(args.corpus, path=args.corpus_path,
                                         cache=args.cache_dir)
        return _vocab_only(args, config, corpus)
    out = Path(args.output).expanduser()
    binary = args.binary if args.binary is not None else out.suffix.lower() == ".bin"
    _check_output(out, "word2vec" if args.classes else args.format)
    checkpoint = Path(args.checkpoint or args.resume or out.with_name(out.name + ".checkpoint"))
    # Deferred: loads numpy (and, below, numba and the kernels), which --help and usage errors
    # do not need.
    from ..training import checkpoint as ckpt

    if args.resume is not None and not Path(args.resume).exists():
        raise FileNotFoundError(f"checkpoint not found: {args.resume}")
    resuming = args.resume is not None and _same_path(checkpoint, Path(args.resume))
    if resuming and args.overwrite_checkpoint:
        raise FastW2VError(f"--overwrite-checkpoint would discard the checkpoint that --resume "
                           f"{args.resume} continues; give one of them")
    if _inside(out, checkpoint):  # removing the checkpoint would remove OUT
        raise FastW2VError(f"the output {out} cannot be inside the checkpoint directory "
                           f"{checkpoint}; choose another --checkpoint")
    try:  # before any download or corpus preparation, as OUT is checked
        ckpt.check_location(checkpoint, overwrite=args.overwrite_checkpoint, resuming=resuming)
    except ckpt.CheckpointExists as exc:
        raise FileExistsError(_refusal(exc, args)) from None
    except FastW2VError as exc:  # a damaged checkpoint
        if resuming:
            raise
        raise FastW2VError(f"{exc}; start over with --overwrite-checkpoint") from None
    earlier = _manifest_bytes(checkpoint)  # another run's, when overwriting
    corpus = datasets.resolve_corpus(args.corpus, path=args.corpus_path, cache=args.cache_dir)

    from ..training.api import ResumeConflict, train_with_config
    from ..training.trainer import TrainingDiverged, TrainingInterrupted

    explicit = {name: getattr(args, name) for name in _CONFIG_OPTIONS if hasattr(args, name)}
    if hasattr(args, "cbow"):
        explicit["sg"] = not args.cbow
    try:
        if args.scheduler is not None or args.local_cluster is not None:
            emb = _train_on_cluster(args, corpus, config, checkpoint)
        else:
            emb = train_with_config(corpus, None if args.resume else config,
                                    cache_dir=args.cache_dir,
                                    progress=None if args.progress else False,
                                    checkpoint=checkpoint,
                                    checkpoint_every=args.checkpoint_every,
                                    resume=args.resume, eval_loss=args.eval_loss,
                                    overwrite_checkpoint=args.overwrite_checkpoint,
                                    explicit=explicit if args.resume else None,
                                    keep_checkpoint=True, read_vocab=args.read_vocab,
                                    save_vocab=args.save_vocab)
    except TrainingDiverged as exc:  # caused by the parameters (learning rate), so a usage error
        raise FastW2VError(exc.template, option=exc.option) from exc
    except ckpt.CheckpointExists as exc:
        raise FileExistsError(_refusal(exc, args)) from None
    except ResumeConflict as exc:
        raise FastW2VError(_conflicts(exc)) from None
    except TrainingInterrupted as exc:
        what = (f"checkpoint written to {exc.checkpoint}" if exc.saved else
                exc.note or "no checkpoint was written")
        print(f"fastw2v: interrupted by {signal_name(exc.signum)}; {what}", file=sys.stderr)
        if exc.checkpoint is not None:
            print(f"fastw2v: resume with: {_resume_hint(args, exc.checkpoint)}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt as exc:  # before training started (e.g. preparing the corpus)
        if args.overwrite_checkpoint and _manifest_bytes(checkpoint) == earlier:
            signum = interrupt_signal(exc)
            print(f"fastw2v: interrupted by {signal_name(signum)} (before the first checkpoint "
                  f"of this run)", file=sys.stderr)
            return 128 + signum
        return _interrupted_outside_training(args, checkpoint, exc, "")
    try:
        if args.classes:
            from ..analysis.classes import word_classes, write_classes
            write_classes(out, emb.words, word_classes(emb, args.classes))
            kind = f"{count(args.classes, 'word class', 'word classes')} of"
        elif args.format == "native":
            emb.save(out)
            kind = "native directory:"
        else:
            emb.save_word2vec_format(out, binary=binary)
            kind = "word2vec " + ("binary:" if binary else "text:")
    except KeyboardInterrupt as exc:
        return _interrupted_outside_training(args, checkpoint, exc, f" while writing {out}; "
                                             f"it was not written")
    except OSError as exc:
        print(f"fastw2v: error: {exc}", file=sys.stderr)
        if checkpoint.exists():
            print(f"fastw2v: the finished training is kept in the checkpoint {checkpoint}; "
                  f"once the problem is fixed, write the vectors with the command below",
                  file=sys.stderr)
            print(f"fastw2v: resume with: {_resume_hint(args, checkpoint)}", file=sys.stderr)
        return EXIT_FAILURE
    # OUT is durably in place: the run is complete, whatever signal comes now.
    with critical("removing the finished run's checkpoint", raise_held=False):
        ckpt.remove_checkpoint(checkpoint)
        # The run is summarised once, by the log (train_with_config); this line is the result.
        shape = count(len(emb), 'word') if args.classes else \
            f"{count(len(emb), 'word')} x {count(emb.dim, 'dimension')}"
        print(f"wrote {out} ({kind} {shape})")
    return 0


def _inside(path: Path, directory: Path) -> bool:
    p, d = path.absolute(), directory.absolute()
    return p == d or d in p.parents


def _manifest_bytes(checkpoint: Path):
    try:
        return (checkpoint / "checkpoint.json").read_bytes()
    except OSError:
        return None


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return a.absolute() == b.absolute()


def _interrupted_outside_training(args, checkpoint: Path, exc: BaseException, where: str) -> int:
    signum = interrupt_signal(exc)
    from ..training.checkpoint import MANIFEST, describe

    if (checkpoint / MANIFEST).is_file():
        print(f"fastw2v: interrupted by {signal_name(signum)}{where}; the checkpoint "
              f"{checkpoint} ({describe(checkpoint)}) is intact", file=sys.stderr)
        print(f"fastw2v: resume with: {_resume_hint(args, checkpoint)}", file=sys.stderr)
    else:
        print(f"fastw2v: interrupted by {signal_name(signum)}{where} (before the first "
              f"checkpoint)", file=sys.stderr)
    return 128 + signum


def _resume_hint(args: argparse.Namespace, checkpoint) -> str:
    """The command that continues this run: the command as given, with ``--resume DIR``
    instead of any ``--resume`` or ``--overwrite-checkpoint``, shell-quoted."""
    argv = list(getattr(args, "argv", None) or [])
    kept = []
    skip = False
    for tok in argv:
        if skip:
            skip = False
            continue
        if tok == "--resume":
            skip = True
            continue
        if tok.startswith("--resume=") or tok == "--overwrite-checkpoint":
            continue
        kept.append(tok)
    if not kept:  # called without the command line (tests calling the handler directly)
        kept = ["train", str(args.corpus), "-o", str(args.output)]
    return "fastw2v " + shlex.join(kept + ["--resume", str(checkpoint)])


def _refusal(exc, args: argparse.Namespace) -> str:
    return (f"{exc.path} holds the checkpoint of an interrupted run ({exc.summary}); continue "
            f"it with --resume {shlex.quote(str(exc.path))}, or start over with "
            f"--overwrite-checkpoint")


#: The command-line spelling of each training parameter, for messages.
_OPTION_NAMES = {"dim": "--dim", "window": "--window", "negative": "--negative",
                 "sample": "--sample", "min_count": "--min-count",
                 "max_vocab_size": "--max-vocab-size", "epochs": "--epochs", "alpha": "--alpha",
                 "min_alpha": "--min-alpha", "sg": "--cbow", "ns_exponent": "--ns-exponent",
                 "workers": "--workers", "seed": "--seed",
                 "shared_negatives": "--shared-negatives", "hs": "--hs"}


def _conflicts(exc) -> str:
    parts = []
    for name, given, have in exc.conflicts:
        option = _OPTION_NAMES.get(name, name)
        if name == "sg":
            parts.append(f"{'--cbow' if not given else 'skip-gram'} (the checkpoint trains "
                         f"{'skip-gram' if have else 'CBOW'})")
        elif isinstance(have, bool):
            parts.append(f"{option if given else '--no-' + option[2:]} (the checkpoint has "
                         f"{option if have else '--no-' + option[2:]})")
        else:
            parts.append(f"{option} {given} (the checkpoint has {option} {have})")
    return (f"--resume {exc.resume}: these options differ from the checkpoint's: "
            f"{'; '.join(parts)}; leave them out to continue with the checkpoint's parameters")


def _vocab_only(args: argparse.Namespace, config: TrainConfig, corpus: Path) -> int:
    """word2vec.c's ``-save-vocab FILE`` without ``-output``: build and write the vocabulary."""
    from ..corpus.cache import prepare_corpus
    from ..corpus.vocab import read_vocab, write_vocab
    given = (None if args.read_vocab is None else
             read_vocab(args.read_vocab, config.min_count, config.max_vocab_size))
    prepared = prepare_corpus(corpus, min_count=config.min_count,
                              max_vocab_size=config.max_vocab_size, cache_dir=args.cache_dir,
                              vocab=given)
    write_vocab(args.save_vocab, prepared.vocab, prepared.n_sentences)
    print(f"wrote {args.save_vocab} (vocabulary of {len(prepared.vocab):,} words; no -output, "
          f"so nothing was trained)")
    return 0


def _train_on_cluster(args: argparse.Namespace, corpus, config: TrainConfig, checkpoint: Path):
    """``--scheduler`` / ``--local-cluster``: the same run on a Dask cluster."""
    try:
        from ..cluster import api
        api.require_dask()
    except ImportError as exc:
        raise FastW2VError(str(exc)) from exc
    threads_given = hasattr(args, "workers")
    kwargs = dict(sync_words=args.sync_words, threads_from_cluster=not threads_given,
                  cache_dir=args.cache_dir, progress=None if args.progress else False,
                  checkpoint=checkpoint, checkpoint_every=args.checkpoint_every,
                  resume=args.resume, keep_checkpoint=True,
                  overwrite_checkpoint=args.overwrite_checkpoint)
    config = None if args.resume else config
    if args.scheduler is not None:
        return api.train_with_config(corpus, config, client=args.scheduler, **kwargs)
    n = args.local_cluster
    threads = args.workers if threads_given else max(1, default_workers() // n)
    with api.local_cluster(n, threads) as client:
        return api.train_with_config(corpus, config, client=client, **kwargs)


def _check_output(out: Path, fmt: str) -> None:
    """Fail now, not after training, if ``out`` cannot be written in format ``fmt``."""
    check_writable_destination(out)
    if fmt == "word2vec" and out.is_dir():
        raise IsADirectoryError(f"output path is a directory: {out}")
    if fmt == "native":
        from ..vectors.native import check_replaceable  # the rule Embeddings.save applies
        check_replaceable(out)
