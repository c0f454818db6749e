"""Skip-gram with negative sampling: the njit driver that trains one shard of the token stream.

For every kept center word ``w`` a reduced window ``b`` is drawn uniformly from ``1..window``
(word2vec.c's "shrunk" window, which weights near contexts more). Each context word ``c`` within
``b`` positions of ``w`` in the same sentence forms one example, trained exactly as word2vec.c does:
the hidden vector is ``c``'s input vector ``syn0[c]``, the positive target is ``w`` and ``negative``
targets are drawn fresh for this example from the alias table. The loss and gradient are derived in
:mod:`fastw2v.sgd`; ``syn0[c]`` receives the accumulated gradient after all targets are updated.

Hogwild races (see :mod:`fastw2v.sgd`) are tolerated on both ``syn0`` and ``syn1``: another thread
may update ``syn0[c]`` between our read and our write-back, losing one small update at worst.
"""
from __future__ import annotations

import numpy as np

from ._numba import inline_kernel, kernel
from .blocks import (STAT_EXAMPLES, STAT_LOSS, STAT_WORDS_KEPT, carry_over, draw_targets,
                     fill_block, publish_progress)
from .rng import below, next_u64
from .sgd import ns_update


@inline_kernel
def skipgram_update(syn0, syn1, context, targets, n_targets, alpha, sig_table, logsig_table,
                    neu1e):
    """One skip-gram example: input vector ``syn0[context]`` against ``targets[:n_targets]``.

    Returns the example's loss.
    """
    dim = syn0.shape[1]
    for d in range(dim):
        neu1e[d] = 0.0
    loss = ns_update(syn0[context], syn1, targets, n_targets, alpha, sig_table, logsig_table,
                     neu1e)
    for d in range(dim):
        syn0[context, d] += neu1e[d]
    return loss


@kernel
def train_skipgram_shard(tokens, start, end, syn0, syn1,
                         sig_table, logsig_table, keep_threshold, ns_threshold, ns_alias,
                         window, negative, alpha0, min_alpha, total_words,
                         progress, slot, stop_flag, stats, state, buf, targets, neu1e):
    """Train skip-gram on ``tokens[start:end]``; see the module docstring for the algorithm.

    Parameters
    ----------
    tokens : int32[:]
        The memory-mapped token stream (ids, ``SENTENCE_END`` = -1 between sentences).
    start, end : int
        This thread's shard.
    syn0, syn1 : float32[:, ::1]
        Input and output vectors, shared by all threads (updated in place, lock-free).
    sig_table, logsig_table : float32[:]
        Tabulated sigmoid and log-sigmoid (:func:`fastw2v.tables.sigmoid_tables`).
    keep_threshold : uint64[:]
        Subsampling thresholds (:func:`fastw2v.tables.keep_thresholds`).
    ns_threshold, ns_alias : uint64[:], int32[:]
        Alias table of the negative-sampling distribution.
    window, negative : int
        Maximum window and negatives per example.
    alpha0, min_alpha, total_words : float, float, int
        Learning-rate schedule over ``total_words`` words read by all threads in all epochs.
    progress : int64[:]
        Shared progress counters, one cache line per thread; ``slot`` is this thread's.
    stop_flag : int64[:]
        Set ``stop_flag[0] != 0`` from another thread to stop at the next block.
    stats : float64[:]
        This thread's statistics row (words kept, examples, loss), accumulated.
    state : uint64[:]
        This thread's RNG state.
    buf, targets, neu1e : int32[:], int64[:], float32[:]
        This thread's scratch: block buffer, target ids (``negative + 1``), gradient accumulator.
    """
    pos = start
    n = 0
    first = 0
    loss = 0.0
    examples = 0
    kept = 0
    while pos < end and stop_flag[0] == 0:
        pos, n_new, sentence_over, words = fill_block(tokens, pos, end, buf, n, keep_threshold,
                                                      state)
        kept += n_new - n
        n = n_new
        alpha = publish_progress(progress, slot, words, alpha0, min_alpha, total_words)
        stop = n if sentence_over else n - window
        for i in range(first, stop):
            word = buf[i]
            b = 1 + below(next_u64(state), window)
            lo = max(0, i - b)
            hi = min(n, i + b + 1)
            for j in range(lo, hi):
                if j == i:
                    continue
                n_targets = draw_targets(targets, word, negative, state, ns_threshold, ns_alias)
                loss += skipgram_update(syn0, syn1, buf[j], targets, n_targets, alpha,
                                        sig_table, logsig_table, neu1e)
                examples += 1
        if sentence_over:
            n = 0
            first = 0
        else:
            n, first = carry_over(buf, n, stop, window)
    stats[STAT_WORDS_KEPT] += kept
    stats[STAT_EXAMPLES] += examples
    stats[STAT_LOSS] += loss
