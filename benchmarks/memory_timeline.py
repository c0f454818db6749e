"""Where one training run's memory goes: RSS, anonymous and file-backed, phase by phase.

    python benchmarks/memory_timeline.py [CORPUS] [--dim 100] [--epochs 1] [--workers 2]

Runs ``fastw2v.train_with_config`` on CORPUS (default: ``wiki100m.txt.gz`` of the shared data
directory) uncached, as ``fastw2v bench`` does, in this process, sampling ``VmRSS``, ``RssAnon``
and ``RssFile`` of ``/proc/self/status`` every 20 ms. The phases are cut at fastw2v's own log
lines (corpus read, training started, training done). Prints a markdown table: for each phase the
sample at its end and the highest sample in it (Linux only).
"""
from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

FIELDS = ("VmRSS", "RssAnon", "RssFile")


def sample() -> dict:
    with open("/proc/self/status") as fh:
        return {k: int(v.split()[0]) / 1024 for k, _, v in (line.partition(":") for line in fh)
                if k in FIELDS}


def main(argv=None) -> int:
    from fastw2v.base.paths import data_dir
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?",
                    default=str((data_dir() or REPO.parent / "shared" / "data")
                                / "wiki100m.txt.gz"))
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)

    samples, marks = [], []
    done = threading.Event()

    def sampler():
        while not done.is_set():
            samples.append((time.perf_counter(), sample()))
            time.sleep(0.02)

    class Marks(logging.Handler):
        def emit(self, record):
            marks.append((time.perf_counter(), record.getMessage()))

    log = logging.getLogger("fastw2v")
    log.setLevel(logging.INFO)
    log.addHandler(Marks())
    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    from fastw2v.config import TrainConfig
    from fastw2v.kernels import driver  # noqa: F401  (numba and the cached kernels' module)
    from fastw2v.training.api import train_with_config
    imported = (time.perf_counter(), sample())
    config = TrainConfig(dim=args.dim, epochs=args.epochs, workers=args.workers, sample=1e-4,
                         min_count=5)
    train_with_config(args.corpus, config, use_cache=False, progress=False)
    end = time.perf_counter()
    time.sleep(0.05)
    done.set()
    thread.join()

    def first(prefix):
        return next((t for t, m in marks if m.startswith(prefix)), None)

    cuts = [("Python, NumPy, Numba and fastw2v imported", imported[0]),
            ("corpus read, counted and encoded", first("corpus ")),
            ("weights made, training started", first("training ")),
            ("training done", first("trained ")),
            ("the vectors returned", end)]
    print(f"{args.corpus}, dim {args.dim}, {args.epochs} epoch(s), {args.workers} workers, "
          f"uncached; MB\n")
    print("| phase, until | at its end: RSS / anon / file | highest RSS in it (anon / file) |")
    print("|---|---|---|")
    start = 0.0
    for label, t in cuts:
        if t is None:
            continue
        inside = [s for ts, s in samples if start <= ts <= t] or [imported[1]]
        last = inside[-1]
        top = max(inside, key=lambda s: s["VmRSS"])
        print(f"| {label} | {last['VmRSS']:.0f} / {last['RssAnon']:.0f} / "
              f"{last['RssFile']:.0f} | {top['VmRSS']:.0f} ({top['RssAnon']:.0f} / "
              f"{top['RssFile']:.0f}) |")
        start = t
    return 0


if __name__ == "__main__":
    sys.exit(main())
