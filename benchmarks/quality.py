"""Quality check: fastw2v (both skip-gram kernels) and gensim trained with the same settings.

    python benchmarks/quality.py [CORPUS] [--cbow] [--threads 2] [--out DIR]

Default: ``wiki100m.txt.gz`` from the shared data directory (text8's twin), skip-gram, dim 100,
window 5, negative 5, sample 1e-4, min_count 5, 5 epochs. All models are scored by the same
evaluator (analogy accuracy within the 30,000 most frequent words, with the number of questions
seen, and WordSim-353 Spearman). One run each; ``fastw2v bench`` does repeated, interleaved runs.
"""
import argparse
import sys

from fastw2v.cli.main import main

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?")
    ap.add_argument("--cbow", action="store_true")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--out", default="bench-results/quality")
    a = ap.parse_args()
    systems = "fastw2v,gensim-iter" if a.cbow else "fastw2v,fastw2v-exact,gensim-iter"
    argv = ["bench"] + ([a.corpus] if a.corpus else []) + [
        "--systems", systems, "--repeats", "1", "--threads", a.threads, "--no-plot",
        "--out", a.out] + (["--cbow"] if a.cbow else [])
    sys.exit(main(argv))
