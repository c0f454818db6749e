"""Cost of a checkpoint against one epoch of training: time, and what it adds to the peak RSS.

    python benchmarks/checkpoint_cost.py [--corpus PATH] [--dims 100,300] [--workers 2]
                                         [--repeats 3] [--dir DIR]

For each dimension, in a fresh child process: prepare the corpus (default ``wiki100m.txt.gz`` of
the shared data directory; the token cache is used when present), train one epoch (skip-gram,
sample 1e-4, min_count 5), then write ``--repeats`` checkpoints of that run into a directory
under ``--dir`` (default: the system's temporary directory) exactly as ``fastw2v train
--checkpoint`` does at every epoch's end (``CheckpointDir.save``: both weight matrices, the
run's state, the vocabulary, SHA-256 of every file, fsync, the atomic switch). Reports the
median seconds of a checkpoint, its share of the epoch, the bytes written, and how much writing
them grows the peak RSS (``VmHWM`` reset through ``/proc/self/clear_refs`` before the first one)
and the RSS left after them. Prints a markdown table.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastw2v.base.paths import data_dir  # noqa: E402
from fastw2v.bench.child import run_in_child  # noqa: E402


def measure(corpus: str, dim: int, workers: int, repeats: int, where: str) -> dict:
    """Child process: one epoch, then ``repeats`` checkpoints of it."""
    import os
    import time

    from fastw2v.config import TrainConfig
    from fastw2v.corpus.cache import prepare_corpus
    from fastw2v.training.checkpoint import CheckpointDir
    from fastw2v.training.trainer import Trainer

    def status(field):
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(field))

    prepared = prepare_corpus(corpus, min_count=5)
    config = TrainConfig(dim=dim, epochs=1, sample=1e-4, workers=workers, seed=1)
    trainer = Trainer(config, prepared.tokens, prepared.vocab.counts)
    trainer.run(progress=False)
    epoch = trainer.history[0].seconds
    seconds = []
    with tempfile.TemporaryDirectory(prefix="fastw2v-ckcost-", dir=where) as tmp:
        store = CheckpointDir(Path(tmp) / "ck").open()
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            rss = status("VmRSS:")
            for _ in range(repeats):
                t0 = time.perf_counter()
                store.save(config=config, vocab=prepared.vocab, syn0=trainer.syn0,
                           syn1=trainer.syn1, arrays=trainer.state_arrays(),
                           meta=trainer.state_meta(), fingerprint=prepared.tokens_sha256,
                           syn1hs=trainer.syn1hs)
                seconds.append(time.perf_counter() - t0)
            growth = status("VmHWM:") - rss
            after = status("VmRSS:") - rss
            written = sum(f.stat().st_size for f in store.path.rglob("*") if f.is_file())
        finally:
            store.close()
    return {"epoch_s": epoch, "checkpoint_s": statistics.median(seconds),
            "written_mb": written / 1e6, "growth_mb": growth / 1e6, "after_mb": after / 1e6,
            "filesystem": os.path.realpath(where)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str((data_dir() or REPO.parent / "shared" / "data")
                                            / "wiki100m.txt.gz"))
    ap.add_argument("--dims", default="100,300")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", default=tempfile.gettempdir(),
                    help="where the checkpoints are written (default: %(default)s)")
    args = ap.parse_args(argv)
    print(f"{args.corpus}, skip-gram, sample 1e-4, min_count 5, {args.workers} workers, one "
          f"epoch, then {args.repeats} checkpoints into {args.dir} (median)\n")
    print("| dim | epoch s | checkpoint s | checkpoint / epoch | MB on disk | peak RSS growth MB "
          "| RSS after MB |")
    print("|---|---|---|---|---|---|---|")
    for dim in (int(d) for d in args.dims.split(",")):
        r = run_in_child(measure, corpus=args.corpus, dim=dim, workers=args.workers,
                         repeats=args.repeats, where=args.dir)
        print(f"| {dim} | {r['epoch_s']:.2f} | {r['checkpoint_s']:.3f} | "
              f"{100 * r['checkpoint_s'] / r['epoch_s']:.1f}% | {r['written_mb']:.0f} | "
              f"{r['growth_mb']:.1f} | {r['after_mb']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
