"""Counting adjacent word pairs of a token stream in bounded memory.

The counting loop is the compiled :func:`fastw2v.kernels.pairs.count_pairs`; this module owns the
table: it starts small, doubles while the number of distinct pairs is below ``max_pairs``, and
once ``max_pairs`` distinct pairs are held it prunes the rarest ones as the vocabulary is pruned
(:func:`fastw2v.corpus.reader.prune_counts`, word2vec.c's scheme): every pair counted
``threshold + 1`` times or fewer is dropped and the threshold rises by one, until there is room.
So memory stays below ``max_pairs / MAX_LOAD`` table slots of 16 bytes whatever the corpus.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..kernels.pairs import EMPTY, count_pairs, insert_counts
from ..kernels.state import token_stream

logger = logging.getLogger("fastw2v")

#: Slots of a fresh table (16 bytes each: 16 MiB), grown by doubling.
INITIAL_SLOTS = 1 << 20

#: Largest share of occupied slots: linear probing stays at a few probes per look-up up to ~0.7.
MAX_LOAD = 0.7


@dataclass
class PairCounts:
    """Counts of adjacent pairs of a token stream.

    Attributes
    ----------
    first, second : int32 arrays
        The ids of each counted pair, sorted by ``(first, second)``.
    counts : int64 array
        How often each pair occurs.
    prune_threshold : int
        0 when ``max_pairs`` never forced pruning; else pairs counted that many times or fewer
        were dropped at some point (their counts are unreliable; none of them is in the result).
    peak_pairs : int
        The most distinct pairs held at any time.
    """

    first: np.ndarray
    second: np.ndarray
    counts: np.ndarray
    prune_threshold: int = 0
    peak_pairs: int = 0


def _table(slots: int):
    return np.full(slots, EMPTY, dtype=np.int64), np.zeros(slots, dtype=np.int64)


def _rebuild(keys: np.ndarray, counts: np.ndarray, slots: int, keep_above: int = 0):
    """A table of ``slots`` slots holding the entries of ``keys``/``counts`` whose count exceeds
    ``keep_above``."""
    used = (keys != EMPTY) & (counts > keep_above)
    new_keys, new_counts = _table(slots)
    n = insert_counts(keys[used], counts[used], new_keys, new_counts)
    return new_keys, new_counts, int(n)


def _prune_threshold(held: np.ndarray, max_pairs: int, threshold: int) -> int:
    """The threshold :func:`fastw2v.corpus.reader.prune_counts` would reach: raised by one at a
    time from ``threshold`` until fewer than ``max_pairs`` of the ``held`` counts exceed it.

    Fewer than ``max_pairs`` counts exceed ``t`` exactly when ``t`` is at least the
    ``max_pairs``-th largest count, so the loop's result is computed at once.
    """
    kth_largest = int(np.partition(held, len(held) - max_pairs)[len(held) - max_pairs])
    return max(threshold + 1, kth_largest)


def count_adjacent_pairs(tokens: np.ndarray, max_pairs: int) -> PairCounts:
    """Count every pair of ids ``(tokens[i - 1], tokens[i])`` that are both ``>= 0`` (no sentence
    end between them), holding at most ``max_pairs`` distinct pairs (module docstring)."""
    max_pairs = max(int(max_pairs), 1)
    slots = INITIAL_SLOTS
    keys, counts = _table(slots)
    filled = np.zeros(1, dtype=np.int64)
    threshold = 0
    peak = 0
    tokens = token_stream(tokens)  # the read-only int32 view the kernels take
    pos, end = 1, len(tokens)
    while pos < end:
        limit = min(max_pairs, int(MAX_LOAD * slots))
        pos = count_pairs(tokens, pos, end, keys, counts, filled, limit)
        if pos >= end:
            break
        n = int(filled[0])
        peak = max(peak, n)
        if n < max_pairs:  # the table is full, the bound is not reached: grow
            slots *= 2
            keys, counts, n = _rebuild(keys, counts, slots)
        else:  # prune as the vocabulary is pruned, until there is room for a new pair
            before = n
            threshold = _prune_threshold(counts[keys != EMPTY], max_pairs, threshold)
            keys, counts, n = _rebuild(keys, counts, slots, keep_above=threshold)
            logger.debug("pruned pair counts from %d to %d (threshold %d)", before, n, threshold)
        filled[0] = n
    peak = max(peak, int(filled[0]))
    used = keys != EMPTY
    if threshold:
        used &= counts > threshold
        logger.info("max_vocab_size=%d pruned word pairs counted %d times or fewer", max_pairs,
                    threshold)
    found, found_counts = keys[used], counts[used]
    order = np.argsort(found, kind="stable")
    found, found_counts = found[order], found_counts[order]
    return PairCounts(first=(found >> 32).astype(np.int32),
                      second=(found & 0xFFFFFFFF).astype(np.int32), counts=found_counts,
                      prune_threshold=threshold, peak_pairs=peak)
