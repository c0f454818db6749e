"""Micro-benchmarks of the kernels (pytest-benchmark).

    python -m pytest benchmarks/test_micro.py --benchmark-only

Throughput figures (examples/s, draws/s, GFLOP/s) are attached to each result's ``extra_info``
and printed by ``--benchmark-columns`` / ``--benchmark-json``. Compile time is measured apart from
steady state: ``test_compile_time`` compiles fresh copies of the kernels (no cache) once, and the
steady-state benchmarks run already-compiled code on warm data.

FLOP count of one skip-gram example (a center-context pair) with ``K`` negatives: for each of the
``K + 1`` targets a dot product and two axpy updates of length ``D`` = ``6 * D * (K + 1)`` flops
(the project's convention; bookkeeping not counted).
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from fastw2v.kernels import tables as tables
from fastw2v.kernels.blocks import STAT_EXAMPLES
from fastw2v.kernels.driver import MODEL_HOGBATCH, MODEL_SKIPGRAM, MODEL_SKIPGRAM_HS, train_shard
from fastw2v.kernels.rng import draw_alias_many, thread_states
from fastw2v.kernels.state import (allocate_thread_state, make_params, make_shared, make_tables,
                                   make_weights, token_stream)

VOCAB = 50_000
TOKENS = 400_000
NEGATIVE = 5
WINDOW = 5


def _setup(dim):
    rng = np.random.default_rng(0)
    counts = (1e7 / np.arange(1, VOCAB + 1)).astype(np.int64) + 1  # Zipf, like real text
    tokens = rng.choice(VOCAB, TOKENS, p=counts / counts.sum()).astype(np.int32)
    return token_stream(tokens), make_weights(VOCAB, dim, 1), make_tables(counts, 1e-4)


def _run(kernel, dim, state):
    """One fresh thread over the whole stream, with the state built as training builds it."""
    tokens, weights, tabs = state
    params = make_params(MODEL_SKIPGRAM if kernel == "exact" else MODEL_HOGBATCH, WINDOW,
                         NEGATIVE, 0.025, 0.0001, len(tokens) * 1000)
    thread = allocate_thread_state(0, params, weights.syn0.shape[1], 1)
    train_shard(weights, tabs, params, make_shared(1), thread, tokens, 0, len(tokens))
    return thread.stats[STAT_EXAMPLES]


@pytest.mark.parametrize("dim", [100, 300])
@pytest.mark.parametrize("kernel", ["hogbatch", "exact"])
def test_skipgram_examples_per_second(benchmark, kernel, dim):
    state = _setup(dim)
    _run(kernel, dim, state)  # compile / load from cache, warm the rows
    examples = benchmark.pedantic(_run, args=(kernel, dim, state), rounds=5, iterations=1)
    seconds = benchmark.stats.stats.median
    # what was timed did the work: one example per (kept center, context) pair, on average
    # 2 * (WINDOW + 1) / 2 contexts per kept token (state[0] is the token stream)
    counts = (1e7 / np.arange(1, VOCAB + 1)).astype(np.int64) + 1
    kept = tables.keep_probabilities(counts, 1e-4)[np.asarray(state[0])].sum()
    assert examples == pytest.approx(kept * (WINDOW + 1), rel=0.02)
    benchmark.extra_info.update(
        examples_per_sec=examples / seconds,
        gflops=examples * 6 * dim * (NEGATIVE + 1) / seconds / 1e9)


@pytest.mark.parametrize("dim", [100, 300])
def test_hierarchical_softmax_examples_per_second(benchmark, dim):
    """Skip-gram with hierarchical softmax alone (``hs=1, negative=0``): one example is one
    (center, context) pair, as above; its FLOPs are ``6 * D`` per node of the center's path."""
    rng = np.random.default_rng(0)
    counts = (1e7 / np.arange(1, VOCAB + 1)).astype(np.int64) + 1
    tokens = token_stream(rng.choice(VOCAB, TOKENS, p=counts / counts.sum()).astype(np.int32))
    weights, tabs = make_weights(VOCAB, dim, 1, hs=True), make_tables(counts, 1e-4, hs=True)

    def run():
        params = make_params(MODEL_SKIPGRAM_HS, WINDOW, 0, 0.025, 0.0001, len(tokens) * 1000)
        thread = allocate_thread_state(0, params, weights.syn0.shape[1], 1)
        train_shard(weights, tabs, params, make_shared(1), thread, tokens, 0, len(tokens))
        return thread.stats[STAT_EXAMPLES]

    run()  # compile / load from cache, warm the rows
    examples = benchmark.pedantic(run, rounds=5, iterations=1)
    seconds = benchmark.stats.stats.median
    keep = tables.keep_probabilities(counts, 1e-4)[np.asarray(tokens)]
    path = np.diff(tabs.hs_offsets)[np.asarray(tokens)]
    assert examples == pytest.approx(keep.sum() * (WINDOW + 1), rel=0.02)
    mean_path = float((keep * path).sum() / keep.sum())  # nodes per example, kept centers
    benchmark.extra_info.update(examples_per_sec=examples / seconds, mean_path=mean_path,
                                gflops=examples * 6 * dim * mean_path / seconds / 1e9)


def test_alias_draws_per_second(benchmark):
    counts = (1e7 / np.arange(1, VOCAB + 1)).astype(np.int64) + 1
    thr, alias = tables.alias_table(tables.negative_weights(counts, 0.75))
    out = np.empty(1_000_000, dtype=np.int64)
    state = thread_states(1, 1)[0]
    draw_alias_many(state, thr, alias, out)
    benchmark.pedantic(draw_alias_many, args=(state, thr, alias, out), rounds=10, iterations=1)
    p0 = counts[0] ** 0.75 / np.sum(counts ** 0.75)  # out holds the last round's draws
    assert 0 <= out.min() and out.max() < VOCAB
    assert abs(np.mean(out == 0) - p0) < 5 * np.sqrt(p0 * (1 - p0) / out.size)
    benchmark.extra_info["draws_per_sec"] = out.size / benchmark.stats.stats.median


def test_compile_time(benchmark):
    """One cold compilation of the driver (no cache), reported apart from steady state."""
    from numba import njit
    from fastw2v.kernels.options import NUMBA_OPTIONS

    def compile_fresh():
        t0 = time.perf_counter()
        fresh = njit(**dict(NUMBA_OPTIONS, cache=False))(train_shard.py_func)
        fresh.compile(train_shard.signatures[0])
        seconds = time.perf_counter() - t0
        assert fresh.signatures == [train_shard.signatures[0]]  # it compiled the driver
        return seconds

    _run("exact", 100, _setup(100))  # make sure the dispatcher has a signature
    seconds = benchmark.pedantic(compile_fresh, rounds=1, iterations=1)
    benchmark.extra_info["compile_seconds"] = seconds
