"""The ``fastw2v wiki`` subcommand: a MediaWiki XML dump to a plain-text corpus.

``fastw2v wiki DUMP -o corpus.txt`` converts once, so that later ``fastw2v train corpus.txt`` runs
(with any settings) skip the conversion. ``fastw2v train DUMP`` works too: it converts into the
cache on first use (see :func:`fastw2v.wiki.dump.ensure_text_corpus`).
"""
from __future__ import annotations

import argparse

from ..base.text import count
from .options import int_option

_DESCRIPTION = """\
Convert a Wikipedia (MediaWiki XML) dump into a plain-text training corpus: one article per line,
main-namespace articles only, redirects skipped, markup stripped (templates, tables, references,
files, categories; the visible text of links kept), the text normalised.

DUMP is a pages-articles dump as Wikimedia publishes it: .xml.bz2 (single-stream or multistream;
no index file needed), .xml.gz, .xml.xz or plain .xml. bzip2 dumps are decompressed and cleaned in
parallel; the output does not depend on the number of processes."""

_EPILOG = """\
modes:
  text8    lower-case a-z words, digits spelled out digit by digit ("1939" -> "one nine three
           nine"), accents folded (cafe), everything else a separator: the convention of the
           classic text8 corpus. For English.
  unicode  lower case, letters and digits of every script kept, each punctuation mark a token of
           its own. For other languages.

example:
  fastw2v wiki enwiki-latest-pages-articles.xml.bz2 -o enwiki.txt
  fastw2v train enwiki.txt -o vectors.bin --max-vocab-size 10000000"""


def register(subparsers) -> None:
    """Add the ``wiki`` subcommand to the ``fastw2v`` command's subparsers."""
    w = subparsers.add_parser(
        "wiki", allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        help="convert a Wikipedia XML dump into a plain-text corpus",
        description=_DESCRIPTION, epilog=_EPILOG)
    w.add_argument("dump", metavar="DUMP", help="the MediaWiki XML dump (.xml.bz2, ...)")
    w.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="the text file to write (written atomically)")
    w.add_argument("--mode", choices=("text8", "unicode"), default="text8",
                   help="text normalisation (default: text8; see below)")
    w.add_argument("--min-tokens", dest="min_tokens", type=int_option(0), default=0,
                   metavar="N",
                   help="skip articles with fewer than N tokens after cleaning (default: 0; "
                        "articles left empty are always skipped)")
    w.add_argument("--processes", type=int_option(1), default=None, metavar="N",
                   help="worker processes (default: all cores; 1 runs in this process)")
    w.add_argument("--no-progress", dest="progress", action="store_false", default=None,
                   help="no progress line (default: shown when stderr is a terminal)")
    w.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    w.set_defaults(handler=_wiki)


def _wiki(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..wiki.dump import dump_to_text

    out = Path(args.output).expanduser()
    stats = dump_to_text(args.dump, out, mode=args.mode, min_tokens=args.min_tokens,
                         processes=args.processes, progress=args.progress)
    # The conversion is summarised once, by the log (dump_to_text); this line is the result.
    print(f"wrote {out} ({count(stats.articles, 'article')}, {count(stats.tokens, 'word')})")
    return 0
