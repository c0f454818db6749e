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

A stop request (``stop_flag``) is honoured between blocks, where the whole state of the walk is the
thread's ``cursor`` (stream position, buffer fill, first untrained center) plus its buffer and RNG
state. The driver saves the cursor when it returns and continues from it on the next call, so an
epoch can be paused (for a checkpoint, or Ctrl-C) and resumed, even in another process, with
exactly the result of an uninterrupted run.
"""
from __future__ import annotations

from .options import kernel
from .blocks import (STAT_EXAMPLES, STAT_LOSS, STAT_WORDS_KEPT, carry_over, fill_block,
                     publish_progress)
from .cbow import cbow_block
from .hogbatch import hogbatch_block
from .skipgram import skipgram_block

MODEL_SKIPGRAM = 0
MODEL_HOGBATCH = 1
MODEL_CBOW = 2

#: Fields of a thread's cursor: next stream position, ids held in the buffer, first untrained one.
CURSOR_POS = 0
CURSOR_FILL = 1
CURSOR_FIRST = 2
CURSOR_SIZE = 3


def model_code(sg: bool, shared_negatives: bool) -> int:
    """The driver's model code for a configuration."""
    if not sg:
        return MODEL_CBOW
    return MODEL_HOGBATCH if shared_negatives else MODEL_SKIPGRAM


@kernel
def train_shard(model, tokens, start, end, syn0, syn1,
                sig_table, logsig_table, keep_threshold, ns_threshold, ns_alias,
                window, negative, alpha0, min_alpha, total_words,
                progress, slot, stop_flag, stats, state, cursor,
                buf, targets, neu1, neu1e, contexts, grad, grad_in):
    """Train ``model`` on ``tokens[start:end]``.

    Parameters
    ----------
    model : int
        :data:`MODEL_SKIPGRAM`, :data:`MODEL_HOGBATCH` or :data:`MODEL_CBOW`.
    tokens : int32[:]
        The memory-mapped token stream (ids, ``SENTENCE_END`` = -1 between sentences).
    start, end : int
        This thread's shard.
    syn0, syn1 : float32[:, ::1]
        Input and output vectors, shared by all threads (updated in place, lock-free; rows padded
        to :data:`fastw2v.kernels.tables.ROW_ALIGN_FLOATS`).
    sig_table, logsig_table : float32[:]
        Tabulated sigmoid and log-sigmoid (:func:`fastw2v.kernels.tables.sigmoid_tables`).
    keep_threshold : uint64[:]
        Subsampling thresholds (:func:`fastw2v.kernels.tables.keep_thresholds`).
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
    cursor : int64[:]
        ``(pos, n, first)`` where the walk stopped last time; ``pos < 0`` starts at ``start``.
        Written on return (``pos == end`` once the shard is done).
    buf, targets : int32[:], int64[:]
        This thread's block buffer (:func:`fastw2v.kernels.blocks.block_buffer_size`) and target ids
        (``negative + 1``).
    neu1, neu1e : float32[:]
        Hidden-vector and gradient scratch (row width).
    contexts, grad, grad_in : int64[:], float32[:], float32[:, ::1]
        Shared-negatives scratch: ``2 * window`` ids, ``2 * window * (negative + 1)`` gradients,
        ``(2 * window, width)`` input gradients.
    """
    if cursor[CURSOR_POS] < 0:
        pos = start
        n = 0
        first = 0
    else:
        pos = cursor[CURSOR_POS]
        n = cursor[CURSOR_FILL]
        first = cursor[CURSOR_FIRST]
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
        if model == MODEL_HOGBATCH:
            block_loss, block_examples = hogbatch_block(
                syn0, syn1, buf, n, first, stop, window, negative, alpha, state, sig_table,
                logsig_table, ns_threshold, ns_alias, targets, contexts, grad, grad_in)
        elif model == MODEL_SKIPGRAM:
            block_loss, block_examples = skipgram_block(
                syn0, syn1, buf, n, first, stop, window, negative, alpha, state, sig_table,
                logsig_table, ns_threshold, ns_alias, targets, neu1e)
        else:
            block_loss, block_examples = cbow_block(
                syn0, syn1, buf, n, first, stop, window, negative, alpha, state, sig_table,
                logsig_table, ns_threshold, ns_alias, targets, neu1, neu1e)
        loss += block_loss
        examples += block_examples
        if sentence_over:
            n = 0
            first = 0
        else:
            n, first = carry_over(buf, n, stop, window)
    cursor[CURSOR_POS] = pos
    cursor[CURSOR_FILL] = n
    cursor[CURSOR_FIRST] = first
    stats[STAT_WORDS_KEPT] += kept
    stats[STAT_EXAMPLES] += examples
    stats[STAT_LOSS] += loss
