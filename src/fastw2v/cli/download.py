"""``fastw2v download``: fetch a named corpus (verified, cached) and print its path."""
from __future__ import annotations

import argparse

from ..corpus import datasets


def register(sub) -> None:
    """Add ``fastw2v download`` to the ``fastw2v`` command's subparsers."""
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


def _download(args: argparse.Namespace) -> int:
    print(datasets.fetch(args.name, dest=args.dest, cache=args.cache_dir))
    return 0
