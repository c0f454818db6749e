"""Train one slice of a token stream from given weights: the unit of work of data-parallel
training (:mod:`fastw2v.distributed`), run with the same numba driver and Hogwild threads as
:class:`fastw2v.training.trainer.Trainer`.

A slice ``tokens[start:end]`` is cut into one contiguous shard per thread; every thread runs one
:func:`fastw2v.kernels.driver.train_shard` call over its shard, all updating ``weights`` in place
without locks. The learning rate follows a schedule that the caller places in a larger run:
``progress_offset`` words are counted as already done before the slice, and ``params.total_words``
is the length of the whole schedule in this slice's own words (see :func:`scaled_schedule`). With
one thread and a fixed seed the result is bit-for-bit reproducible.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..kernels.blocks import PROGRESS_STRIDE, STAT_EXAMPLES, STAT_LOSS, STAT_WORDS_KEPT
from ..kernels.driver import train_shard
from ..kernels.rng import thread_states
from ..kernels.state import Params, Tables, Weights, allocate_thread_state, make_shared


@dataclass
class SliceResult:
    """What :func:`train_slice` did, summed over its threads."""

    words: int          # in-vocabulary tokens read
    words_kept: int     # after subsampling
    examples: int       # training examples
    loss: float         # summed loss of those examples (divide by ``examples`` for the mean)
    seconds: float      # wall time of the kernel calls


def scaled_schedule(done: int, total: int, share: float) -> tuple:
    """``(progress_offset, total_words)`` of a slice that is ``share`` of the words trained at once.

    When ``n`` workers train slices side by side, a worker that has read ``w`` words of its slice
    stands at ``done + w / share`` words of the global schedule, ``share`` being its slice's
    fraction of all the words trained in this step. The driver's rate is
    ``alpha0 - (alpha0 - min_alpha) * (offset + w) / total_words``; with
    ``offset = done * share`` and ``total_words = total * share`` that is the global rate.
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1], got {share}")
    return int(round(done * share)), max(1, int(round(total * share)))


def slice_seed(seed: int, step: int, part: int) -> int:
    """The RNG seed of slice ``step`` of part ``part`` of a run seeded ``seed``: a pure function of
    the three, so a slice trained again (on another machine, after a failure) draws the same
    numbers. Derived with the kernels' own seeding (splitmix64), never 0."""
    a = int(thread_states(seed, 1)[0, 0])
    b = int(thread_states(a ^ step, 1)[0, 0])
    return int(thread_states(b ^ part, 1)[0, 0]) >> 1  # 63 bits: a valid TrainConfig seed


def train_slice(weights: Weights, tables: Tables, params: Params, tokens: np.ndarray, start: int,
                end: int, *, threads: int, seed: int, progress_offset: int = 0) -> SliceResult:
    """Train ``tokens[start:end]`` with ``threads`` Hogwild threads, updating ``weights`` in place.

    Parameters
    ----------
    weights, tables, params
        As for :func:`fastw2v.kernels.driver.train_shard` (built by :mod:`fastw2v.kernels.state`).
    tokens : int32[:] (read only)
        The token stream, as :func:`fastw2v.kernels.state.token_stream` returns it.
    start, end : int
        The slice (stream positions).
    threads : int
        Worker threads; each trains a contiguous shard of the slice.
    seed : int
        Seed of the threads' RNG streams (thread ``t`` gets stream ``t`` of it).
    progress_offset : int
        Words of the learning-rate schedule counted as done before the slice.

    Returns
    -------
    SliceResult
    """
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if not 0 <= start <= end <= len(tokens):
        raise ValueError(f"slice [{start}, {end}) is not inside a stream of {len(tokens)} tokens")
    shared = make_shared(threads)
    shared.progress[0] = progress_offset
    width = weights.syn0.shape[1]
    states = [allocate_thread_state(t, params, width, seed) for t in range(threads)]
    edges = np.linspace(start, end, threads + 1).astype(np.int64)

    def run(t: int) -> None:
        train_shard(weights, tables, params, shared, states[t], tokens, int(edges[t]),
                    int(edges[t + 1]))

    t0 = time.perf_counter()
    if threads == 1:
        run(0)
    else:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fastw2v-slice") as pool:
            for future in [pool.submit(run, t) for t in range(threads)]:
                future.result()  # a worker's exception is re-raised here
    seconds = time.perf_counter() - t0
    stats = np.sum([th.stats for th in states], axis=0)
    return SliceResult(words=int(shared.progress[::PROGRESS_STRIDE].sum()) - progress_offset,
                       words_kept=int(stats[STAT_WORDS_KEPT]), examples=int(stats[STAT_EXAMPLES]),
                       loss=float(stats[STAT_LOSS]), seconds=seconds)
