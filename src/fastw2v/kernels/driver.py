"""The njit driver that trains one shard of the token stream, for every model.

One kernel call per thread per epoch runs :func:`train_shard`. It walks the shard in blocks
(:mod:`fastw2v.kernels.blocks`): fill the block buffer with kept words, publish progress and get the current
learning rate, let the model's block helper train every center whose window lies in the buffer,
carry the still-needed words over. The per-center work is the model's own:

* :data:`MODEL_SKIPGRAM` -- exact skip-gram, :func:`fastw2v.kernels.skipgram.skipgram_block`;
* :data:`MODEL_HOGBATCH` -- skip-gram with negatives shared across the window,
  :func:`fastw2v.kernels.hogbatch.hogbatch_block`;
* :data:`MODEL_CBOW` -- CBOW, :func:`fastw2v.kernels.cbow.cbow_block`.

The model is chosen once per block by an integer, so the branch costs nothing measurable, and all
the bookkeeping (progress, learning rate, stop requests, statistics) exists once.

A stop request (``shared.stop_flag``) is honoured between blocks, where the whole state of the walk
is the thread's ``cursor`` (stream position, buffer fill, first untrained center) plus its buffer
and RNG state. The driver saves the cursor when it returns and continues from it on the next call,
so an epoch can be paused (for a checkpoint, or Ctrl-C) and resumed, even in another process, with
exactly the result of an uninterrupted run.
"""
from __future__ import annotations

from .options import kernel
from .blocks import (STAT_EXAMPLES, STAT_LOSS, STAT_WORDS_KEPT, carry_over, fill_block,
                     publish_progress)
from .cbow import cbow_block
from .hogbatch import hogbatch_block
from .skipgram import skipgram_block
# The cursor's layout belongs to the thread state; re-exported here for the driver's readers.
from .state import CURSOR_FILL, CURSOR_FIRST, CURSOR_POS, CURSOR_SIZE  # noqa: F401

MODEL_SKIPGRAM = 0
MODEL_HOGBATCH = 1
MODEL_CBOW = 2


def model_code(sg: bool, shared_negatives: bool) -> int:
    """The driver's model code for a configuration."""
    if not sg:
        return MODEL_CBOW
    return MODEL_HOGBATCH if shared_negatives else MODEL_SKIPGRAM


@kernel
def train_shard(weights, tables, params, shared, thread, tokens, start, end):
    """Train ``params.model`` on ``tokens[start:end]``.

    Every argument but the stream and the shard bounds is a named tuple of
    :mod:`fastw2v.kernels.state`, whose fields are documented (shape, dtype, who writes them)
    there; build them only with that module's constructors, which fix the sizes this function
    relies on (numba checks no bounds) and the types (one compiled specialisation for everyone).

    Parameters
    ----------
    weights : Weights
        ``syn0``, ``syn1``, updated in place without locks (the Hogwild rule is documented in
        :class:`fastw2v.kernels.state.Weights`).
    tables : Tables
        Sigmoid, subsampling and negative-sampling tables (read only).
    params : Params
        Model code (:data:`MODEL_SKIPGRAM`, :data:`MODEL_HOGBATCH` or :data:`MODEL_CBOW`),
        window, negatives, and the learning-rate schedule: linear from ``alpha0`` to
        ``min_alpha`` over ``total_words`` words read by all threads in all epochs.
    shared : Shared
        Progress counters (this thread writes slot ``thread.slot`` only) and the stop flag: set
        ``stop_flag[0] != 0`` from another thread to stop at the next block.
    thread : ThreadState
        This thread's RNG state, cursor, statistics row and scratch. ``cursor`` is
        ``(pos, n, first)`` where the walk stopped last time; ``pos < 0`` starts at ``start``. It
        is written on return (``pos == end`` once the shard is done); ``stats`` is added to
        after every block.
    tokens : int32[:] (read only)
        The token stream (ids, ``SENTENCE_END`` = -1 between sentences), as
        :func:`fastw2v.kernels.state.token_stream` returns it.
    start, end : int
        This thread's shard.
    """
    model, window = params.model, params.window
    buf, state, cursor, stats = thread.buf, thread.rng, thread.cursor, thread.stats
    if cursor[CURSOR_POS] < 0:
        pos = start
        n = 0
        first = 0
    else:
        pos = cursor[CURSOR_POS]
        n = cursor[CURSOR_FILL]
        first = cursor[CURSOR_FIRST]
    while pos < end and shared.stop_flag[0] == 0:
        pos, n_new, sentence_over, words = fill_block(tokens, pos, end, buf, n,
                                                      tables.keep_threshold, state)
        # Statistics are added per block, not at the end of the call, so that the main thread's
        # progress line shows the loss of the epoch while it runs.
        stats[STAT_WORDS_KEPT] += n_new - n
        n = n_new
        alpha = publish_progress(shared.progress, thread.slot, words, params.alpha0,
                                 params.min_alpha, params.total_words)
        stop = n if sentence_over else n - window
        if model == MODEL_HOGBATCH:
            block_loss, block_examples = hogbatch_block(weights, tables, params, thread, n,
                                                        first, stop, alpha)
        elif model == MODEL_SKIPGRAM:
            block_loss, block_examples = skipgram_block(weights, tables, params, thread, n,
                                                        first, stop, alpha)
        else:
            block_loss, block_examples = cbow_block(weights, tables, params, thread, n, first,
                                                    stop, alpha)
        stats[STAT_LOSS] += block_loss
        stats[STAT_EXAMPLES] += block_examples
        if sentence_over:
            n = 0
            first = 0
        else:
            n, first = carry_over(buf, n, stop, window)
    cursor[CURSOR_POS] = pos
    cursor[CURSOR_FILL] = n
    cursor[CURSOR_FIRST] = first
