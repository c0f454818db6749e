#!/usr/bin/env python3
"""Download a named corpus (text8), verify it and print its path.

    python data/download.py              # -> the fastw2v cache, where `fastw2v train text8` finds it
    python data/download.py text8 DIR    # -> DIR/text8

The same as ``fastw2v download text8 [--dest DIR]``; all logic lives in fastw2v.corpus.datasets.
Downloaded corpora are never committed (see data/README.md).
"""
import argparse
import logging
import sys

from fastw2v.corpus.datasets import DATASETS, fetch


def main() -> int:
    parser = argparse.ArgumentParser(description="Download a named corpus and print its path.")
    parser.add_argument("name", nargs="?", default="text8", choices=sorted(DATASETS))
    parser.add_argument("dest", nargs="?", default=None,
                        help="directory to put it in (default: the fastw2v cache)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        print(fetch(args.name, dest=args.dest))
    except OSError as exc:  # DownloadError is an OSError
        print(f"download.py: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
