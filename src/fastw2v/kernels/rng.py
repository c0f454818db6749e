"""Per-thread random numbers for the kernels: xorshift64* streams and the draws built on them.

Each worker thread owns a one-element ``uint64`` state array, seeded from ``(seed, thread id)``
with splitmix64, so threads never share or contend for RNG state and a run with one worker and a
fixed seed is bit-for-bit reproducible. The state lives in an array (not a local) so it survives
from one kernel call (epoch) to the next and can be checkpointed.
"""
from __future__ import annotations

import numpy as np

from .options import inline_kernel, kernel

_MASK64 = (1 << 64) - 1
#: The odd constant of xorshift64* (Vigna 2016); it scrambles the low bits of the xorshift state.
XORSHIFT_MULTIPLIER = np.uint64(0x2545F4914F6CDD1D)
_LOW32 = np.uint64(0xFFFFFFFF)
_U32 = np.uint64(32)
_ONE32 = np.uint64(1) << _U32
_S12, _S25, _S27 = np.uint64(12), np.uint64(25), np.uint64(27)


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def thread_states(seed: int, n_threads: int) -> np.ndarray:
    """Independent, non-zero xorshift states for threads ``0..n_threads-1``, shape (n_threads, 1)."""
    states = np.empty((n_threads, 1), dtype=np.uint64)
    for t in range(n_threads):
        s = _splitmix64(_splitmix64(int(seed) & _MASK64) ^ (t + 1))
        states[t, 0] = s or 1  # xorshift must never be seeded with 0
    return states


@inline_kernel
def next_u64(state):
    """Advance ``state[0]`` (xorshift64*) and return the next 64-bit random number."""
    x = state[0]
    x ^= x >> _S12
    x ^= x << _S25
    x ^= x >> _S27
    state[0] = x
    return x * XORSHIFT_MULTIPLIER


@inline_kernel
def below(r, n):
    """Map the high 32 bits of random ``r`` to ``0..n-1`` by a multiply-shift (no division)."""
    return np.int64(((r >> _U32) * np.uint64(n)) >> _U32)


@inline_kernel
def draw_alias(state, threshold, alias):
    """One O(1) draw from an alias table (see :func:`fastw2v.kernels.tables.alias_table`)."""
    r = next_u64(state)
    i = below(r, threshold.shape[0])
    if (r & _LOW32) < threshold[i]:
        return i
    return np.int64(alias[i])


@inline_kernel
def keep_word(state, keep_threshold, word):
    """Subsampling: True with probability ``keep_threshold[word] / 2**32``.

    A word that is always kept (threshold ``2**32``, every word when ``sample=0``) consumes no
    random number: that saves the draw for the many rare words and keeps the random stream
    independent of how the stream is cut into blocks.
    """
    t = keep_threshold[word]
    if t >= _ONE32:
        return True
    return (next_u64(state) >> _U32) < t


@kernel
def draw_alias_many(state, threshold, alias, out):
    """Fill ``out`` with alias-table draws (for tests and the sampler benchmark)."""
    for k in range(out.shape[0]):
        out[k] = draw_alias(state, threshold, alias)
