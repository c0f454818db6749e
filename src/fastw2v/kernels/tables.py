"""Lookup tables built once per training run with NumPy (never inside a kernel).

* the sigmoid and log-sigmoid tables the kernels read instead of calling ``exp``/``log``;
* the alias table for O(1) negative sampling from ``count ** ns_exponent``;
* the integer keep-thresholds of frequent-word subsampling;
* the initial weights.
"""
from __future__ import annotations

import numpy as np

#: The sigmoid is tabulated on [-MAX_EXP, MAX_EXP]; outside it sigma(x) is within 2.5e-3 of 0 or 1
#: and the kernels saturate, exactly as word2vec.c does with the same bound.
MAX_EXP = 6.0

#: 4096 float32 entries (16 KiB, two tables fit in L1 together) give a bin width of 12/4096, so the
#: tabulated sigmoid is within 0.25 * 6/4096 ~= 3.7e-4 of the exact value: far below SGD noise, and
#: four times finer than word2vec.c's 1000-entry table.
SIGMOID_TABLE_SIZE = 4096

#: Random draws are 32-bit fractions: probabilities are stored as integer thresholds on [0, 2**32].
#: A threshold of 2**32 means "always" (every 32-bit draw is below it).
PROB_ONE = np.uint64(1) << np.uint64(32)


def sigmoid_tables(size: int = SIGMOID_TABLE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Sigmoid and log-sigmoid sampled at the centres of ``size`` equal bins over [-MAX_EXP, MAX_EXP].

    Returns
    -------
    sigmoid, log_sigmoid : float32 arrays of length ``size``
        ``sigmoid[i] = 1 / (1 + exp(-x_i))`` and ``log_sigmoid[i] = log(sigmoid[i])`` with
        ``x_i = -MAX_EXP + (i + 0.5) * 2 * MAX_EXP / size``.
    """
    if size < 2:
        raise ValueError(f"size must be >= 2, got {size}")
    x = -MAX_EXP + (np.arange(size, dtype=np.float64) + 0.5) * (2.0 * MAX_EXP / size)
    sig = 1.0 / (1.0 + np.exp(-x))
    return sig.astype(np.float32), np.log(sig).astype(np.float32)


def alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table for drawing index ``i`` with probability ``weights[i] / sum(weights)``.

    A draw takes one 64-bit random number: its high 32 bits pick a column ``i`` uniformly, its low
    32 bits ``u`` keep ``i`` when ``u < threshold[i]`` and otherwise return ``alias[i]``.

    Returns
    -------
    threshold : uint64 array
        Keep-probability of each column scaled to [0, 2**32].
    alias : int32 array
        The other index stored in each column.
    """
    w = np.asarray(weights, dtype=np.float64)
    n = w.shape[0]
    if n == 0 or w.ndim != 1:
        raise ValueError("weights must be a non-empty 1-D array")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    scaled = w * (n / w.sum())
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s = small.pop()
        g = large[-1]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        if scaled[g] < 1.0:
            large.pop()
            small.append(g)
    # Whatever is left is 1 up to rounding: those columns always keep their own index.
    threshold = np.minimum(np.round(prob * float(PROB_ONE)), float(PROB_ONE)).astype(np.uint64)
    return threshold, alias


def alias_probabilities(threshold: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The exact distribution an alias table draws from (for tests and sanity checks)."""
    n = threshold.shape[0]
    keep = threshold.astype(np.float64) / float(PROB_ONE)
    p = keep / n
    np.add.at(p, alias, (1.0 - keep) / n)
    return p


def negative_weights(counts: np.ndarray, ns_exponent: float) -> np.ndarray:
    """Unnormalised negative-sampling weights ``count ** ns_exponent``."""
    return np.power(np.asarray(counts, dtype=np.float64), ns_exponent)


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec.c's subsampling keep probability ``min(1, (sqrt(f/t) + 1) * t / f)``.

    ``f`` is the word's share of all (in-vocabulary) tokens and ``t = sample``; ``sample == 0``
    keeps every word.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    threshold_count = sample * counts.sum()
    p = (np.sqrt(counts / threshold_count) + 1.0) * threshold_count / counts
    return np.minimum(p, 1.0)


def keep_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """:func:`keep_probabilities` as integer thresholds on [0, 2**32] (uint64) for the kernels."""
    p = keep_probabilities(counts, sample)
    return np.minimum(np.round(p * float(PROB_ONE)), float(PROB_ONE)).astype(np.uint64)


#: Weight rows are stored padded to a multiple of this many float32 (64 bytes: one cache line and
#: one AVX-512 register). The kernels' loops then have no scalar remainder (measured: 12% faster
#: at dim 100) and every row starts on a cache line. Padding columns start at 0 and stay exactly 0:
#: every update of a padding entry multiplies by another padding entry.
ROW_ALIGN_FLOATS = 16


def padded_width(dim: int) -> int:
    """``dim`` rounded up to a multiple of :data:`ROW_ALIGN_FLOATS`."""
    return -(-dim // ROW_ALIGN_FLOATS) * ROW_ALIGN_FLOATS


#: Bytes of a cache line (x86-64 and most ARM64 cores).
CACHE_LINE_BYTES = 64


def aligned_zeros(shape, dtype=np.float32) -> np.ndarray:
    """A zeroed C-contiguous array that starts on a cache line and owns its last line.

    Used for the weights (rows on cache-line boundaries) and for every thread's scratch and RNG
    state, so no two threads ever write to the same cache line (no false sharing).
    """
    shape = (shape,) if np.isscalar(shape) else tuple(shape)
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    padded = -(-nbytes // CACHE_LINE_BYTES) * CACHE_LINE_BYTES
    raw = np.zeros(padded + CACHE_LINE_BYTES, dtype=np.uint8)
    offset = (-raw.ctypes.data) % CACHE_LINE_BYTES
    return raw[offset:offset + nbytes].view(dtype).reshape(shape)


def initial_weights(n_words: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Input vectors uniform in [-0.5/dim, 0.5/dim) and output vectors zero, as in word2vec.c.

    Both are ``(n_words, padded_width(dim))`` with zero padding columns (see
    :data:`ROW_ALIGN_FLOATS`); the first ``dim`` columns are the vectors.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    width = padded_width(dim)
    syn0 = aligned_zeros((n_words, width))
    syn0[:, :dim] = ((rng.random((n_words, dim), dtype=np.float32) - np.float32(0.5))
                     / np.float32(dim))
    return syn0, aligned_zeros((n_words, width))
