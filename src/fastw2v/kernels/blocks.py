"""Inline njit helpers that walk a shard of the memory-mapped token stream in blocks.

A kernel keeps a small buffer of *kept* (post-subsampling) word ids. It fills the buffer from the
stream, trains every center word whose whole window lies in the buffer, then moves the last
``2 * window`` ids to the front and fills again. So a sentence of any length (text8 is one 17M-token
line) is trained without truncation and without holding it in memory, and windows never cross a
sentence boundary (``SENTENCE_END`` in the stream) or a shard boundary.

Between blocks the kernel publishes how many words it has read to its own slot of a shared progress
array and recomputes the learning rate from the sum over all slots.
"""
from __future__ import annotations

import numpy as np

from .options import inline_kernel
from .rng import below, draw_alias, keep_word, next_u64

#: Kept tokens per block. A block is the granularity of learning-rate updates, progress reports
#: and stop checks: 8192 kept tokens is ~20k raw tokens at sample=1e-4 (word2vec.c updates its
#: rate every 10k words) and a few milliseconds of work, so Ctrl-C is answered promptly.
BLOCK_TOKENS = 8192

#: int64 slots per thread in the shared progress array: 8 * 8 bytes = one 64-byte cache line, so a
#: thread publishing its count never invalidates the line another thread writes (no false sharing).
PROGRESS_STRIDE = 8

#: Indices into a thread's row of the float64 statistics array (each row is one cache line).
STAT_WORDS_KEPT = 0
STAT_EXAMPLES = 1
STAT_LOSS = 2
STATS_WIDTH = 8


def block_buffer_size(window: int) -> int:
    """Length of a thread's block buffer: a full block plus the carried-over ``2 * window`` ids."""
    return BLOCK_TOKENS + 2 * window


@inline_kernel
def fill_block(tokens, pos, end, buf, n, keep_threshold, state):
    """Append kept ids from ``tokens[pos:end]`` to ``buf[n:]``.

    Stops when the buffer is full, after a ``SENTENCE_END`` (any negative id), or at ``end``.
    Returns ``(pos, n, sentence_over, words_read)``: the next stream position, the new fill level,
    whether the current sentence ended (or the shard did), and how many words were read.

    An id at or above the vocabulary size (a damaged stream: the cache checks its streams before
    use, so this never happens in training) is read as a sentence end, so no file can make a
    kernel index out of bounds; the check costs one comparison per token.
    """
    cap = buf.shape[0]
    n_words = keep_threshold.shape[0]
    words = 0
    while pos < end and n < cap:
        w = tokens[pos]
        pos += 1
        if w < 0 or w >= n_words:
            return pos, n, True, words
        words += 1
        if keep_word(state, keep_threshold, w):
            buf[n] = w
            n += 1
    return pos, n, pos >= end, words


@inline_kernel
def carry_over(buf, n, stop, window):
    """Move the ids still needed (left context of the untrained centers) to the buffer's front.

    Centers ``stop..n-1`` are untrained; they need ``window`` ids of left context. Returns the new
    fill level and the index of the first untrained center.
    """
    keep_from = stop - window
    if keep_from < 0:
        keep_from = 0
    for j in range(keep_from, n):
        buf[j - keep_from] = buf[j]
    return n - keep_from, stop - keep_from


@inline_kernel
def publish_progress(progress, slot, words, alpha0, min_alpha, total_words):
    """Add ``words`` to this thread's progress slot; return the learning rate for the work done.

    The rate decays linearly from ``alpha0`` to ``min_alpha`` over ``total_words`` (all epochs).
    Other threads' slots are read without synchronisation: a stale count only delays the decay by
    one block, which is harmless.
    """
    progress[slot * PROGRESS_STRIDE] += words
    done = 0
    for t in range(0, progress.shape[0], PROGRESS_STRIDE):
        done += progress[t]
    return np.float32(linear_alpha(alpha0, min_alpha, done, total_words))


@inline_kernel
def linear_alpha(alpha0, min_alpha, done, total_words):
    """The learning rate after ``done`` of ``total_words`` words: linear from ``alpha0`` down to
    ``min_alpha``, and ``min_alpha`` from then on. Also called from Python (progress, statistics)."""
    alpha = alpha0 - (alpha0 - min_alpha) * (done / total_words)
    if alpha < min_alpha:
        alpha = min_alpha
    return alpha


@inline_kernel
def window_bounds(state, i, n, window):
    """Draw center ``i``'s shrunk window ``b`` uniformly from ``1..window`` (word2vec.c) and
    return the context positions ``lo..hi-1`` it covers in a buffer of ``n`` ids (``i`` itself
    included; callers skip it)."""
    b = 1 + below(next_u64(state), window)
    lo = i - b
    if lo < 0:
        lo = 0
    hi = i + b + 1
    if hi > n:
        hi = n
    return lo, hi


@inline_kernel
def draw_targets(targets, positive, negative, state, ns_threshold, ns_alias):
    """Write the positive id and up to ``negative`` sampled negatives into ``targets``.

    A negative that equals the positive word is dropped rather than redrawn (word2vec.c and gensim
    do the same), so the count returned can be smaller than ``negative + 1``.
    """
    targets[0] = positive
    n = 1
    for _ in range(negative):
        neg = draw_alias(state, ns_threshold, ns_alias)
        if neg != positive:
            targets[n] = neg
            n += 1
    return n
