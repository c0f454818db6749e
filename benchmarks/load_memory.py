"""Peak memory of loading a word2vec binary file: fastw2v next to gensim.

    python benchmarks/load_memory.py [--rows 1000000] [--dim 300] [--dir DIR] [--keep]

Writes a binary word2vec file of ``rows x dim`` random float32 vectors (words ``w0000000``...;
1M x 300 is 1.2 GB of floats, 1.21 GB on disk) unless it exists, then loads it in fresh child
processes (``fastw2v.bench.child.run_in_child``, each reporting its own peak RSS, ``VmHWM``):

* the interpreter with numpy and the system's package imported, nothing loaded (the baselines;
  gensim imports scipy and more, so its baseline is higher);
* ``fastw2v.KeyedVectors.load_word2vec_format(path, binary=True)``;
* ``fastw2v.Embeddings.load_word2vec_format(path)`` (format detected);
* ``gensim.models.KeyedVectors.load_word2vec_format(path, binary=True)``;
* the same file gzip-compressed (``.bin.gz``, as GoogleNews-vectors-negative300.bin.gz is
  distributed), with fastw2v and gensim, when ``--gzip`` is given (compressing 1.2 GB takes a
  minute).

The array itself is ``rows * dim * 4`` bytes; "over the array" is peak minus baseline minus the
array: the words, the dict and the reader's buffers. Prints a markdown table.
"""
from __future__ import annotations

import argparse
import gzip
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastw2v.bench.child import run_in_child  # noqa: E402

#: Rows generated and written per step.
_WRITE_ROWS = 50_000


def write_file(path: str, rows: int, dim: int) -> None:
    """A binary word2vec file of random vectors, written block by block."""
    import numpy as np
    rng = np.random.default_rng(0)
    with open(path, "wb") as fh:
        fh.write(f"{rows} {dim}\n".encode())
        for start in range(0, rows, _WRITE_ROWS):
            stop = min(rows, start + _WRITE_ROWS)
            vec = rng.standard_normal((stop - start, dim), dtype=np.float32)
            parts = []
            for i, row in zip(range(start, stop), vec):
                parts.append(b"w%07d " % i)
                parts.append(row.astype("<f4").tobytes())
                parts.append(b"\n")
            fh.write(b"".join(parts))


def baseline(system: str) -> dict:
    """The interpreter with what ``system``'s loader imports, nothing loaded."""
    import numpy  # noqa: F401
    if system.startswith("gensim"):
        import gensim.models  # noqa: F401
    else:
        import fastw2v.compat.keyedvectors  # noqa: F401
        import fastw2v.vectors.embeddings  # noqa: F401
    return {}


def load(path: str, system: str) -> dict:
    t0 = time.perf_counter()
    if system == "fastw2v KeyedVectors":
        from fastw2v.compat.keyedvectors import KeyedVectors
        kv = KeyedVectors.load_word2vec_format(path, binary=True)
        shape = kv.vectors.shape
    elif system == "fastw2v Embeddings":
        from fastw2v.vectors.embeddings import Embeddings
        emb = Embeddings.load_word2vec_format(path)
        shape = emb.vectors.shape
    else:
        import logging
        logging.getLogger("gensim").setLevel(logging.WARNING)
        from gensim.models import KeyedVectors
        kv = KeyedVectors.load_word2vec_format(path, binary=True)
        shape = kv.vectors.shape
    return dict(seconds=time.perf_counter() - t0, shape=list(shape))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--dir", default=None, help="where the file goes (default: a temporary dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    ap.add_argument("--gzip", action="store_true", help="also load the file gzip-compressed")
    args = ap.parse_args(argv)
    directory = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="fastw2v-load-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"vectors-{args.rows}x{args.dim}.bin"
    try:
        if not path.exists():
            print(f"writing {path} ...", file=sys.stderr)
            write_file(str(path), args.rows, args.dim)
        files = [(path, "")]
        if args.gzip:
            gz = path.with_suffix(".bin.gz")
            if not gz.exists():
                print(f"compressing to {gz} ...", file=sys.stderr)
                with open(path, "rb") as src, gzip.open(gz, "wb", compresslevel=1) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            files.append((gz, " (.bin.gz)"))
        systems = ("fastw2v KeyedVectors", "fastw2v Embeddings", "gensim KeyedVectors")
        base = {s: run_in_child(baseline, system=s)["peak_rss_mb"] for s in systems}
        array_mb = args.rows * args.dim * 4 / 2**20
        print(f"{args.rows:,} x {args.dim} float32: the array is {array_mb:,.0f} MB; "
              f"file {path.stat().st_size / 2**20:,.0f} MB\n")
        print("| system | seconds | peak RSS MB | over baseline MB | over the array MB |")
        print("|---|---|---|---|---|")
        print(f"| baseline: interpreter with fastw2v imported | – | "
              f"{base[systems[0]]:,.0f} | – | – |")
        print(f"| baseline: interpreter with gensim imported | – | {base[systems[2]]:,.0f} | – "
              f"| – |")
        for f, label in files:
            for system in systems:
                if label and system == "fastw2v Embeddings":
                    continue
                r = run_in_child(load, path=str(f), system=system)
                over = r["peak_rss_mb"] - base[system]
                print(f"| {system}{label} | {r['seconds']:.1f} | {r['peak_rss_mb']:,.0f} | "
                      f"{over:,.0f} | {over - array_mb:,.0f} |", flush=True)
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
