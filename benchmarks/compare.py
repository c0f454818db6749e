"""fastw2v vs gensim (corpus_file and iterable modes) vs word2vec.c, side by side.

    python benchmarks/compare.py [CORPUS] [--threads 1,2] [--repeats 3] [--systems ...]

The same as ``fastw2v bench``; see :mod:`fastw2v.bench.suite` for what is measured and how.
"""
import sys

from fastw2v.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
