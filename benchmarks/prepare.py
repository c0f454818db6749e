"""Cost of corpus preparation: fastw2v (count + encode) next to gensim's ``build_vocab``.

    python benchmarks/prepare.py [--corpus PATH] [--min-count 5] [--max-vocab-size N] [--no-gensim]

Default corpus: ``$FASTW2V_DATA/wiki100m.txt.gz``, else ``../shared/data/wiki100m.txt.gz``.
Each measurement runs in a fresh child process, so its peak RSS is its own. Rows:

* fastw2v ``prepare_corpus`` without cache: count, build the vocabulary, write the int32 stream;
* fastw2v ``prepare_corpus`` with ``max_vocab_size`` (two passes), when ``--max-vocab-size`` is set;
* fastw2v ``prepare_corpus`` from a warm cache (load the vocabulary and map the stream);
* gensim ``Word2Vec(...).build_vocab(corpus_iterable=...)``, fed the same file in sentences of at
  most 10,000 tokens (gensim truncates longer ones), streamed block by block. ``build_vocab`` also
  sorts the vocabulary, computes the subsampling and negative-sampling tables and allocates the
  weights (not part of fastw2v's preparation), while fastw2v also writes the token stream.

Prints a markdown table.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastw2v.bench.child import run_in_child  # noqa: E402
from fastw2v.bench.suite import ChunkedLines  # noqa: E402
from fastw2v.base.paths import data_dir  # noqa: E402


def default_corpus() -> Path:
    return (data_dir() or REPO.parent / "shared" / "data") / "wiki100m.txt.gz"


def run_fastw2v(corpus: str, min_count: int, max_vocab_size, cache_dir) -> dict:
    """Runs in a child process (``measure``), which adds its peak RSS as ``peak_rss_mb``."""
    from fastw2v.corpus.cache import prepare_corpus
    t0 = time.perf_counter()
    pc = prepare_corpus(corpus, min_count=min_count, max_vocab_size=max_vocab_size,
                        cache_dir=cache_dir, use_cache=cache_dir is not None)
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, seconds_count=pc.seconds_count,
                seconds_encode=pc.seconds_encode, vocab=len(pc.vocab),
                raw_tokens=pc.n_raw_tokens, stream=int(pc.tokens.size),
                from_cache=pc.from_cache)


def run_gensim(corpus: str, min_count: int, max_vocab_size) -> dict:
    """Runs in a child process (``measure``), which adds its peak RSS as ``peak_rss_mb``."""
    import logging
    logging.getLogger("gensim").setLevel(logging.WARNING)
    from gensim.models import Word2Vec
    t0 = time.perf_counter()
    model = Word2Vec(vector_size=100, window=5, negative=5, sample=1e-4, min_count=min_count,
                     max_vocab_size=max_vocab_size, sg=1, workers=1)
    model.build_vocab(corpus_iterable=ChunkedLines(corpus))
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, vocab=len(model.wv), raw_tokens=int(model.corpus_total_words))


def measure(kind: str, args, cache_dir=None, max_vocab_size=None) -> dict:
    """One row's figures, measured in a fresh child process (``kind``: fastw2v, fastw2v-cache
    or gensim)."""
    if kind == "gensim":
        return run_in_child(run_gensim, corpus=str(args.corpus), min_count=args.min_count,
                            max_vocab_size=max_vocab_size)
    return run_in_child(run_fastw2v, corpus=str(args.corpus), min_count=args.min_count,
                        max_vocab_size=max_vocab_size,
                        cache_dir=str(cache_dir) if kind == "fastw2v-cache" else None)


def table(rows) -> str:
    cols = [("system", "system", "{}"), ("what", "what", "{}"), ("seconds", "seconds", "{:.2f}"),
            ("count s", "seconds_count", "{:.2f}"), ("encode s", "seconds_encode", "{:.2f}"),
            ("peak RSS MB", "peak_rss_mb", "{:,.0f}"), ("raw tokens", "raw_tokens", "{:,}"),
            ("vocab", "vocab", "{:,}")]
    lines = ["| " + " | ".join(c[0] for c in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = [fmt.format(r[k]) if r.get(k) is not None else "-" for _, k, fmt in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--max-vocab-size", type=int, default=None)
    ap.add_argument("--no-gensim", action="store_true")
    args = ap.parse_args(argv)
    args.corpus = args.corpus or default_corpus()
    if not args.corpus.is_file():
        sys.exit(f"corpus not found: {args.corpus} (set FASTW2V_DATA or pass --corpus)")

    rows = []
    r = measure("fastw2v", args)
    rows.append(dict(r, system="fastw2v", what="prepare_corpus, no cache (1 pass)"))
    if args.max_vocab_size is not None:
        r = measure("fastw2v", args, max_vocab_size=args.max_vocab_size)
        rows.append(dict(r, system="fastw2v",
                         what=f"prepare_corpus, max_vocab_size={args.max_vocab_size} (2 passes)"))
    with tempfile.TemporaryDirectory(prefix="fastw2v-bench-") as cache:
        measure("fastw2v-cache", args, cache_dir=cache)  # fill the cache
        r = measure("fastw2v-cache", args, cache_dir=cache)
        assert r["from_cache"], "the second run should have hit the cache"
        rows.append(dict(r, system="fastw2v", what="prepare_corpus, from cache"))
    if not args.no_gensim:
        r = measure("gensim", args, max_vocab_size=args.max_vocab_size)
        rows.append(dict(r, system="gensim", what="Word2Vec().build_vocab(corpus_iterable)"))

    print(table(rows))
    print()
    print(f"corpus {args.corpus.name}, min_count {args.min_count}, max_vocab_size "
          f"{args.max_vocab_size}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d')}")


if __name__ == "__main__":
    main()
