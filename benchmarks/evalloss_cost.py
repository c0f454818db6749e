"""Cost of the evaluation loss (``fastw2v.training.evalloss``) against one epoch of training.

    python benchmarks/evalloss_cost.py [--corpus PATH] [--mb 40] [--workers 2]

Trains one epoch on the first ``--mb`` MB of the corpus (default ``wiki100m.txt.gz`` of the shared
data directory) for several models and sizes, each in a fresh child process, and times the scoring
of the probe after it on the same worker threads. Reports the probe's size, its build and scoring
time, the ratio of scoring (done at every epoch's end) to the epoch and of building (done once
per run) to the epoch, and how much the probe grows the peak RSS (``VmHWM`` reset before the probe
is built). Prints a markdown table.
"""
from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastw2v.base.paths import data_dir  # noqa: E402
from fastw2v.bench.child import run_in_child  # noqa: E402

#: (label, sg, dim, window, negative)
CONFIGS = [
    ("skip-gram", True, 100, 5, 5),
    ("skip-gram", True, 300, 10, 5),
    ("skip-gram", True, 100, 50, 5),
    ("CBOW", False, 100, 5, 5),
    ("CBOW", False, 300, 10, 5),
]


def measure(corpus: str, sg: bool, dim: int, window: int, negative: int, workers: int) -> dict:
    """Child process: one epoch, then the probe built and scored with the same threads."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from fastw2v.config import TrainConfig
    from fastw2v.corpus.cache import prepare_corpus
    from fastw2v.kernels import tables
    from fastw2v.training import evalloss
    from fastw2v.training.trainer import Trainer

    def status(field):
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(field))

    prepared = prepare_corpus(corpus, min_count=5)
    config = TrainConfig(sg=sg, dim=dim, window=window, negative=negative, epochs=1,
                         sample=1e-4, workers=workers, seed=1)
    trainer = Trainer(config, prepared.tokens, prepared.vocab.counts, eval_loss=False)
    trainer.run(progress=False)
    epoch = trainer.history[0].seconds
    counts = prepared.vocab.counts
    kept = float(np.dot(counts.astype(np.float64),
                        np.minimum(trainer.tables.keep_threshold, 1 << 32) / 2.0**32))
    ns = tables.negative_weights(counts, config.ns_exponent)
    with ThreadPoolExecutor(workers) as pool:
        small = evalloss.make_probe(prepared.tokens[:10_000], ns / ns.sum(), 2, 2, 1, 10)
        evalloss.probe_loss(small, trainer.syn0, trainer.syn1, dim, sg, pool=pool,
                            parts=workers)  # compiled before the measurement
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        rss = status("VmRSS:")
        t0 = time.perf_counter()
        probe = evalloss.make_probe(prepared.tokens, ns / ns.sum(), window, negative,
                                    config.seed, evalloss.probe_centers(kept, window, negative))
        t1 = time.perf_counter()
        loss = evalloss.probe_loss(probe, trainer.syn0, trainer.syn1, dim, sg, pool=pool,
                                   parts=workers)
        t2 = time.perf_counter()
    return {"epoch_s": epoch, "build_s": t1 - t0, "score_s": t2 - t1, "loss": loss,
            "centers": int(len(probe.centers)),
            "ids": int(probe.centers.size + probe.contexts.size + probe.negatives.size),
            "growth_mb": (status("VmHWM:") - rss) / 1e6, "kept": kept}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str((data_dir() or REPO.parent / "shared" / "data")
                                            / "wiki100m.txt.gz"))
    ap.add_argument("--mb", type=float, default=40.0, help="MB of the corpus to use")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fastw2v-evalloss-") as tmp:
        part = Path(tmp) / "corpus.txt"
        opener = gzip.open if args.corpus.endswith(".gz") else open
        with opener(args.corpus, "rb") as fh:
            head = fh.read(int(args.mb * 1e6))
        part.write_bytes(head[:head.rindex(b" ")])
        print(f"{part.stat().st_size / 1e6:.0f} MB of {args.corpus}, sample 1e-4, min_count 5, "
              f"{args.workers} workers, one epoch\n")
        print("| model | dim | window | negative | probe centers | probe ids | build s | "
              "score s | epoch s | score / epoch | build / epoch | probe RSS growth MB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for label, sg, dim, window, negative in CONFIGS:
            r = run_in_child(measure, corpus=str(part), sg=sg, dim=dim, window=window,
                             negative=negative, workers=args.workers)
            print(f"| {label} | {dim} | {window} | {negative} | {r['centers']:,} | "
                  f"{r['ids']:,} | {r['build_s']:.3f} | {r['score_s']:.3f} | "
                  f"{r['epoch_s']:.2f} | {100 * r['score_s'] / r['epoch_s']:.2f}% | "
                  f"{100 * r['build_s'] / r['epoch_s']:.2f}% | {r['growth_mb']:.1f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
