"""Functions that tests/test_limits.py runs in child processes (``run_in_child``), which
measure their own peak memory. Only fastw2v and numpy are imported here."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fastw2v.training import evalloss


def probe_memory(dim: int, window: int, negative: int, n_tokens: int, sg: bool) -> dict:
    """Child process: growth of the peak RSS while the probe is built and scored."""
    from concurrent.futures import ThreadPoolExecutor

    from fastw2v.kernels import tables
    from fastw2v.kernels.state import make_tables, make_weights

    def status(field):
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(field))

    rng = np.random.default_rng(0)
    tokens = (rng.zipf(1.2, n_tokens) % 1000).astype(np.int32)
    tokens[::500] = -1
    counts = np.bincount(tokens[tokens >= 0], minlength=1000)
    w = make_weights(1000, dim, 1)
    w.syn1[:, :dim] = w.syn0[:, :dim]
    keep = make_tables(counts, 1e-3).keep_threshold
    kept = float(np.dot(counts, np.minimum(keep, 1 << 32) / 2.0**32))
    ns = tables.negative_weights(counts, 0.75)
    evalloss.probe_loss(evalloss.make_probe(tokens[:5000], ns / ns.sum(), 2, 2, 1, 10),
                        w.syn0, w.syn1, dim, sg)  # compile outside the measurement
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak
    before = status("VmRSS:")
    probe = evalloss.make_probe(tokens, ns / ns.sum(), window, negative, 1,
                                evalloss.probe_centers(kept, window, negative))
    with ThreadPoolExecutor(2) as pool:
        loss = evalloss.probe_loss(probe, w.syn0, w.syn1, dim, sg, pool=pool, parts=2)
    return {"growth_mb": (status("VmHWM:") - before) / 1e6, "loss": loss,
            "centers": len(probe.centers),
            "ids": int(probe.centers.size + probe.contexts.size + probe.negatives.size)}


def big_window_run(corpus: str) -> dict:
    """Child process: the CLI with the largest window at dim 300, one epoch."""
    from fastw2v.cli import main as cli
    out = str(Path(corpus).with_name("big-window.bin"))
    code = cli.main(["train", corpus, "-o", out, "--window", "1000", "--dim", "300",
                     "--min-count", "1", "--epochs", "1", "--workers", "1", "--no-progress",
                     "-q"])
    return {"code": code}
