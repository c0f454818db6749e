"""``fastw2v phrases``: join frequent collocations of a corpus (word2vec.c's word2phrase)."""
from __future__ import annotations

import argparse

from .options import int_option

#: word2phrase's and fastw2v's defaults, repeated here so that --help does not import numpy.
_DEFAULT_THRESHOLDS = "100 for default scoring (word2phrase's), 0.5 for npmi"
_DEFAULT_MAX_VOCAB = 40_000_000

_EPILOG = """\
word2phrase's spellings are accepted too:
  fastw2v phrases -train text8 -output text8-phrase -threshold 100 -min-count 5 -debug 2
Run twice (--passes 2, or the command twice) to find phrases of up to four words, such as
new_york_times; word2vec.c's demo lowers the threshold for the second run (-threshold 200, then 100).

The output is plain UTF-8 text with the input's lines, tokens separated by single spaces, written
atomically. Exit status: 0 success, 1 I/O failure, 2 bad usage or input, 130 interrupted."""


def register(sub) -> None:
    """Add ``fastw2v phrases`` to the ``fastw2v`` command's subparsers."""
    p = sub.add_parser(
        "phrases", allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        help="join frequent word pairs (new york -> new_york), as word2phrase does",
        description="Count adjacent word pairs of CORPUS, score them and write the corpus to OUT "
                    "with the pairs that score above the threshold joined by the delimiter.",
        epilog=_EPILOG)
    p.set_defaults(handler=_phrases, check_usage=_check_usage)
    p.add_argument("corpus", nargs="?", metavar="CORPUS", help="corpus file")
    p.add_argument("-train", dest="train_file", metavar="CORPUS",
                   help="same as CORPUS (word2phrase spelling)")
    p.add_argument("-o", "--output", "-output", dest="output", metavar="OUT",
                   help="where to write the phrased corpus (required)")
    p.add_argument("--min-count", "-min-count", dest="min_count", type=int_option(1), default=5,
                   metavar="N", help="words and pairs counted fewer times are never joined "
                                     "(default: 5)")
    p.add_argument("--threshold", "-threshold", type=float, metavar="F",
                   help=f"join pairs scoring above F (default: {_DEFAULT_THRESHOLDS}); npmi "
                        f"thresholds are in [-1, 1]")
    p.add_argument("--scoring", choices=("default", "npmi"), default="default",
                   help="default: word2phrase's (n_ab - min_count) * N / (n_a * n_b); npmi: "
                        "gensim's normalised pointwise mutual information (default: default)")
    p.add_argument("--delimiter", default="_", metavar="TEXT",
                   help="joins the words of a phrase, no whitespace (default: _)")
    p.add_argument("--passes", type=int_option(1, 10), default=1, metavar="N",
                   help="rewrite N times, each over the previous output: 2 finds phrases of up "
                        "to four words (default: 1, as one word2phrase run)")
    p.add_argument("--max-vocab-size", dest="max_vocab_size", type=int_option(1),
                   default=_DEFAULT_MAX_VOCAB, metavar="N",
                   help="hold at most N distinct words and N distinct pairs while counting, "
                        f"pruning the rarest (bounded memory; default: {_DEFAULT_MAX_VOCAB:,})")
    p.add_argument("--top", type=int_option(0), default=10, metavar="N",
                   help="print the N most frequent phrases found (default: 10)")
    p.add_argument("--cache-dir", dest="cache_dir", metavar="DIR",
                   help="token-stream cache (default: as for fastw2v train)")
    p.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    p.add_argument("--debug", "-debug", dest="debug", type=int_option(0), metavar="N",
                   help="word2phrase's verbosity: 0 = --quiet, 1 or more = log lines (default)")


def _check_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.corpus is not None and args.train_file is not None:
        parser.error("give the corpus once: as CORPUS or with -train, not both")
    if args.corpus is None:
        args.corpus = args.train_file
    if args.corpus is None:
        parser.error("the corpus is required (CORPUS or -train)")
    if args.output is None:
        parser.error("the output is required (-o/--output/-output OUT)")
    if args.debug == 0:
        args.quiet = True


def _phrases(args: argparse.Namespace) -> int:
    # Deferred: loads numpy, numba and the kernels, which --help and usage errors do not need.
    from ..phrases.api import find_phrases
    result = find_phrases(args.corpus, args.output, min_count=args.min_count,
                          threshold=args.threshold, scoring=args.scoring,
                          delimiter=args.delimiter, passes=args.passes,
                          max_vocab_size=args.max_vocab_size, cache_dir=args.cache_dir)
    for r in result.passes:
        print(f"pass {r.number}: {len(r.phrases):,} phrases, {r.joins:,} joined in "
              f"{r.tokens_in:,} tokens")
    if args.top:
        for p in result.top(args.top):
            print(f"  {p.text}\t{p.count}\t{p.score:.4g}")
    print(f"wrote {result.output} ({result.seconds:.1f} s)")
    return 0
