"""Peak memory as the corpus grows: preparing and training one epoch on wiki100m vs wiki400m.

    python benchmarks/scale.py [--corpora wiki100m.txt.gz,wiki400m.txt.gz] [--dim 100]
                               [--workers 2] [--max-vocab-size 250000] [--repeat 4] [--cbow]

Each corpus runs in a fresh child process: ``fastw2v.train(corpus, epochs=1, ...)`` (count the
words, build the vocabulary, write the int32 token stream to a temporary file, memory-map it,
train one epoch, return the vectors). The child reports

* peak RSS (``VmHWM``): every resident page, including those of the memory-mapped token stream
  that are mapped at the time. Training drops the pages it has read twice a second
  (:func:`fastw2v.corpus.stream.release_pages`), so only a few MB of the stream are resident at a
  time and the peak RSS does not grow with the corpus (before that change the whole stream was:
  the file-backed pages grew with the tokens, though the kernel could reclaim them);
* peak anonymous RSS (``RssAnon``, sampled every 20 ms): the memory the process really owns
  (Python objects, word counts, the weight matrices). This is what must not grow with the corpus
  beyond the vocabulary's share;
* the vocabulary size V and the weight matrices' share, 2 x V x dim x 4 bytes (input and output
  vectors, float32).

The vocabulary's share has two parts: the weight matrices (V words) and, while counting, a
``bytes -> int`` dict entry (~100-150 bytes) per distinct word seen, which grows with the number
of distinct words (``distinct`` column, counted in a separate child), not with the tokens. Each
corpus runs twice: without a bound, and with ``max_vocab_size`` (which prunes the rarest words
whenever more distinct words are held, so the counting share is bounded too). The column "anon −
matrices" is what is left once the matrices are taken out.

A last row isolates the token count: the first corpus repeated ``--repeat`` N times (gzip members
concatenated into a temporary file) and trained with ``min_count`` N x 5, so that it has the same
distinct words and the same vocabulary as the first corpus, and N times its tokens. Its peak
anonymous RSS should equal the first corpus's. Prints a markdown table. Takes a few minutes on 2 cores (run under
``flock /tmp/fastw2v-bench.lock`` on shared machines).
"""
from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastw2v.bench.child import run_in_child  # noqa: E402

#: Seconds between samples of the anonymous RSS.
SAMPLE_SECONDS = 0.02

#: min_count of every run (the repeated corpus: this times the repetitions).
MIN_COUNT = 5


def data_dir() -> Path:
    env = os.environ.get("FASTW2V_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class AnonSampler(threading.Thread):
    """Samples this process's RssAnon and RssFile; the training kernels release the GIL."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_anon = self.peak_file = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak_anon = max(self.peak_anon, _status_kb("RssAnon"))
            self.peak_file = max(self.peak_file, _status_kb("RssFile"))
            self.stop.wait(SAMPLE_SECONDS)


def train_one_epoch(corpus: str, dim: int, workers: int, min_count: int, max_vocab_size: int,
                    cbow: bool) -> dict:
    """Prepare and train one epoch; runs in a child process (``measure``), which adds its peak
    RSS (``VmHWM``) as ``peak_rss_mb``."""
    import fastw2v
    sampler = AnonSampler()
    sampler.start()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fastw2v-scale-") as cache:
        emb = fastw2v.train(corpus, dim=dim, epochs=1, workers=workers, min_count=min_count,
                            sg=not cbow, max_vocab_size=max_vocab_size or None,
                            cache_dir=cache, use_cache=False, progress=False)
        seconds = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        stats = emb.stats or {}
        return dict(vocab=len(emb), dim=dim, seconds=seconds,
                    raw_tokens=int(stats.get("raw_words", 0) or 0),
                    prepare_seconds=stats.get("prepare_seconds"),
                    peak_anon_mb=sampler.peak_anon / 1024,
                    peak_file_mb=sampler.peak_file / 1024)


def repeat_file(src: Path, dst: Path, n: int) -> None:
    """``n`` copies of ``src``, one per line: gzip members (or plain text) concatenated."""
    data = src.read_bytes()
    gz = data[:2] == b"\x1f\x8b"
    newline = gzip.compress(b"\n") if gz else b"\n"
    with open(dst, "wb") as fh:
        for _ in range(n):
            fh.write(data)
            fh.write(newline)


def count_distinct(corpus: str) -> dict:
    """Distinct words and tokens of ``corpus``; runs in a child process (``measure``)."""
    from fastw2v.corpus.reader import count_words
    cc = count_words(corpus)
    return dict(distinct=len(cc.counts), tokens=cc.n_tokens)


def measure(corpus: Path, args, max_vocab_size: int, min_count: int = MIN_COUNT) -> dict:
    """One epoch on ``corpus`` in a fresh child process."""
    return run_in_child(train_one_epoch, corpus=str(corpus), dim=args.dim, workers=args.workers,
                        min_count=min_count, max_vocab_size=max_vocab_size, cbow=args.cbow)


def count(corpus: Path) -> dict:
    """``count_distinct`` in a fresh child process."""
    return run_in_child(count_distinct, corpus=str(corpus))


def table(rows) -> str:
    head = ["corpus", "max_vocab_size", "tokens", "distinct", "vocab V", "matrices 2·V·dim·4 MB",
            "token stream MB", "peak RSS MB", "peak anon RSS MB", "peak file RSS MB",
            "anon − matrices MB", "seconds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        matrices = 2 * r["vocab"] * r["dim"] * 4 / 2**20
        stream = r["tokens"] * 4 / 2**20
        cap = f"{r['max_vocab_size']:,}" if r["max_vocab_size"] else "-"
        cells = [r["corpus"], cap, f"{r['tokens']:,}", f"{r['distinct']:,}", f"{r['vocab']:,}",
                 f"{matrices:,.0f}",
                 f"{stream:,.0f}", f"{r['peak_rss_mb']:,.0f}", f"{r['peak_anon_mb']:,.0f}",
                 f"{r['peak_file_mb']:,.0f}", f"{r['peak_anon_mb'] - matrices:,.0f}",
                 f"{r['seconds']:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", default="wiki100m.txt.gz,wiki400m.txt.gz",
                    help="comma-separated files (names are looked up in the data directory)")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-vocab-size", type=int, default=250_000,
                    help="the bound of the second run of each corpus; 0: no second run")
    ap.add_argument("--repeat", type=int, default=4,
                    help="also run the first corpus repeated this many times (0: no such run)")
    ap.add_argument("--cbow", action="store_true", help="train CBOW (faster) instead of skip-gram")
    args = ap.parse_args(argv)
    rows = []
    paths = []
    for name in args.corpora.split(","):
        p = Path(name)
        if not p.is_file():
            p = data_dir() / name
        if not p.is_file():
            sys.exit(f"corpus not found: {name} (set FASTW2V_DATA)")
        paths.append(p)
        counted = count(p)
        for cap in (0, args.max_vocab_size) if args.max_vocab_size else (0,):
            r = measure(p, args, cap)
            rows.append(dict(r, corpus=p.name, max_vocab_size=cap, tokens=counted["tokens"],
                             distinct=counted["distinct"]))
    if args.repeat > 1:
        first = paths[0]
        with tempfile.TemporaryDirectory(prefix="fastw2v-scale-") as tmp:
            rep = Path(tmp) / f"{args.repeat}x-{first.name}"
            repeat_file(first, rep, args.repeat)
            counted = count(rep)
            r = measure(rep, args, 0, min_count=MIN_COUNT * args.repeat)
            rows.append(dict(r, corpus=f"{first.name} x{args.repeat} (min_count "
                                       f"{MIN_COUNT * args.repeat})", max_vocab_size=0,
                             tokens=counted["tokens"], distinct=counted["distinct"]))
    print(table(rows))
    print()
    print(f"1 epoch, dim {args.dim}, {'CBOW' if args.cbow else 'skip-gram'}, {args.workers} "
          f"workers, min_count {MIN_COUNT}, token stream in a temporary file "
          f"(use_cache=False); python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d')}")
    for cap in sorted({r["max_vocab_size"] for r in rows}):
        same = [r for r in rows if r["max_vocab_size"] == cap and " x" not in r["corpus"]]
        if len(same) < 2:
            continue
        a, b = same[0], same[-1]
        ma = 2 * a["vocab"] * a["dim"] * 4 / 2**20
        mb = 2 * b["vocab"] * b["dim"] * 4 / 2**20
        print(f"max_vocab_size {cap or None}: {b['corpus']} has {b['tokens'] / a['tokens']:.1f}x "
              f"the tokens and {b['distinct'] / a['distinct']:.1f}x the distinct words of "
              f"{a['corpus']}: peak anonymous RSS {b['peak_anon_mb'] - a['peak_anon_mb']:+,.0f} "
              f"MB, of which the weight matrices {mb - ma:+,.0f} MB and the rest "
              f"{(b['peak_anon_mb'] - mb) - (a['peak_anon_mb'] - ma):+,.0f} MB.")
    reps = [r for r in rows if " x" in r["corpus"]]
    if reps:
        a, b = rows[0], reps[0]
        print(f"{b['corpus']}: {b['tokens'] / a['tokens']:.1f}x the tokens, the same vocabulary "
              f"({b['vocab']:,} vs {a['vocab']:,} words): peak anonymous RSS "
              f"{b['peak_anon_mb'] - a['peak_anon_mb']:+,.0f} MB, peak RSS "
              f"{b['peak_rss_mb'] - a['peak_rss_mb']:+,.0f} MB (the token stream file: "
              f"{(b['tokens'] - a['tokens']) * 4 / 2**20:+,.0f} MB).")


if __name__ == "__main__":
    main()
