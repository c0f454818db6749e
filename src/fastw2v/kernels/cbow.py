"""CBOW with negative sampling: one example per center word, the mean of its context vectors.

For every kept center word ``w`` a reduced window ``b`` is drawn uniformly from ``1..window``. The
hidden vector is the *mean* ``h = (1/m) sum_c syn0[c]`` of the ``m`` context vectors within ``b``
positions in the same sentence; the positive target is ``w`` and ``negative`` targets are drawn
from the alias table. Loss and gradient ``dL/dh`` are derived in :mod:`fastw2v.kernels.sgd`.

The exact gradient of each context vector would be ``(1/m) dL/dh``. Like word2vec.c and gensim
(``cbow_mean=1``) we add the full ``-alpha dL/dh`` to every context vector instead; keeping the
reference implementations' update means their learning rates carry over unchanged.

Hogwild races are tolerated on ``syn0`` and ``syn1`` (the rule is documented once, in
:class:`fastw2v.kernels.state.Weights`).
"""
from __future__ import annotations

import numpy as np

from .options import inline_kernel
from .blocks import draw_targets, window_bounds
from .prefetch import prefetch_rows
from .sgd import ns_update


@inline_kernel
def cbow_update(weights, context_ids, lo, hi, skip, targets, n_targets, alpha,
                sig_table, logsig_table, neu1, neu1e):
    """One CBOW example: contexts ``context_ids[lo:hi]`` except position ``skip``; returns the loss.

    ``weights`` is a :class:`fastw2v.kernels.state.Weights`, updated in place (Hogwild); ``neu1``
    and ``neu1e`` are float32 scratch of the row width. Returns 0 and changes nothing when there
    is no context word.
    """
    syn0, syn1 = weights.syn0, weights.syn1
    dim = syn0.shape[1]
    m = 0
    for d in range(dim):
        neu1[d] = 0.0
        neu1e[d] = 0.0
    for j in range(lo, hi):
        if j == skip:
            continue
        c = context_ids[j]
        for d in range(dim):
            neu1[d] += syn0[c, d]
        m += 1
    if m == 0:
        return 0.0
    inv_m = np.float32(1.0) / np.float32(m)
    for d in range(dim):
        neu1[d] *= inv_m
    loss = ns_update(neu1, syn1, targets, n_targets, alpha, sig_table, logsig_table, neu1e)
    for j in range(lo, hi):
        if j == skip:
            continue
        c = context_ids[j]
        for d in range(dim):
            syn0[c, d] += neu1e[d]
    return loss


@inline_kernel
def _prepare(weights, buf, i, n, window, negative, state, ns_threshold, ns_alias, targets):
    """Draw center ``i``'s window and (when it has a context) its targets, prefetching their
    output rows; returns ``(lo, hi, n_targets)``, ``n_targets == 0`` for a one-word sentence."""
    lo, hi = window_bounds(state, i, n, window)
    if hi - lo <= 1:
        return lo, hi, 0  # a one-word sentence has no context
    n_targets = draw_targets(targets, buf[i], negative, state, ns_threshold, ns_alias)
    prefetch_rows(weights.syn1, targets, n_targets)
    return lo, hi, n_targets


@inline_kernel
def cbow_block(weights, tables, params, thread, n, first, stop, alpha):
    """Train the centers ``buf[first:stop]`` of a block (contexts from ``buf[:n]``).

    The arguments are the named tuples of :mod:`fastw2v.kernels.state` (``buf`` is
    ``thread.buf``), the block's bounds and its learning rate. Returns ``(loss, examples)``; an
    example is one center word with its window.
    """
    buf, state, targets2 = thread.buf, thread.rng, thread.targets
    neu1, neu1e = thread.neu1, thread.neu1e
    window, negative = params.window, params.negative
    sig_table, logsig_table = tables.sig, tables.logsig
    ns_threshold, ns_alias = tables.ns_threshold, tables.ns_alias
    loss = 0.0
    examples = 0
    if first >= stop:
        return loss, examples
    # The next center's window and targets are drawn (in the order of one center at a time) and
    # its output rows prefetched before the current center trains: two rows of targets alternate.
    cur = 0
    lo, hi, n_targets = _prepare(weights, buf, first, n, window, negative, state, ns_threshold,
                                 ns_alias, targets2[cur])
    for i in range(first, stop):
        nxt = 1 - cur
        lo_next, hi_next, t_next = 0, 0, 0
        if i + 1 < stop:
            lo_next, hi_next, t_next = _prepare(weights, buf, i + 1, n, window, negative, state,
                                                ns_threshold, ns_alias, targets2[nxt])
        if n_targets > 0:
            loss += cbow_update(weights, buf, lo, hi, i, targets2[cur], n_targets, alpha,
                                sig_table, logsig_table, neu1, neu1e)
            examples += 1
        cur = nxt
        lo, hi, n_targets = lo_next, hi_next, t_next
    return loss, examples
