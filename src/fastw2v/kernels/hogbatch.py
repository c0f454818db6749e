"""Skip-gram with negatives shared across a window ("HogBatch", Ji et al. 2016, pWord2Vec).

Exact skip-gram (:mod:`fastw2v.kernels.skipgram`) trains each (context, center) pair separately with
freshly drawn negatives: for a center with ``m`` contexts that is ``m * (K + 1)`` scattered
output-row reads and writes and ``m * K`` random draws. Here one set of targets
``T = [w, n_1 .. n_K]`` (the center word and ``K`` negatives drawn once per center) is shared by all
``m`` context words of the window, so the work of one center becomes three small dense products
over rows that stay in L1:

* scores ``S = C T^T`` (``m x (K+1)``, ``C`` = the context words' input vectors);
* ``G = alpha * (Y - s(S))`` with ``Y[:, 0] = 1`` and ``Y[:, 1:] = 0``;
* ``C += G T`` and ``T += G^T C``, both computed from the vectors as they were before this center.

The loss is the same negative-sampling loss as in :mod:`fastw2v.kernels.sgd`, summed over the ``m`` pairs;
``G`` is its exact gradient at the snapshot (a mini-batch step instead of ``m`` sequential steps).
What changes statistically is only that the ``m`` pairs of one window share their negatives.
Every output row is read once and written once per center instead of once per pair, which removes
most cache misses; this is where the speed comes from.

How the products are computed (measured in benchmarks/README.md, "kernel"): a single dot product
is a chain of dependent multiply-adds ending in a horizontal sum, so it is bound by latency, not by
arithmetic. ``S`` is computed in tiles of 2 contexts x 3 targets (six independent sums, every
loaded element used two or three times), ``G T`` and ``G^T C`` two rows per pass (half the loads
and stores of the accumulating row). And while one center trains, the next center's window and
targets are already drawn and its output rows prefetched (``llvm.prefetch``): the negatives are
random rows of a matrix far larger than the caches. The draws happen in the same order as one
center at a time, so the random streams, and the trained model, do not depend on this.

Hogwild races are tolerated on ``syn0`` and ``syn1`` as in the exact kernel (the rule is documented
once, in :class:`fastw2v.kernels.state.Weights`); within one thread the batch is computed from a
consistent snapshot.
"""
from __future__ import annotations

import numpy as np

from .options import inline_kernel
from .blocks import draw_targets, window_bounds
from .prefetch import prefetch_rows
from .sgd import sigmoid_and_logs



@inline_kernel
def _tile_dots(syn0, syn1, c0, c1, t0, t1, t2, dim):
    """The 2 x 3 dot products of input rows ``c0, c1`` with output rows ``t0, t1, t2``.

    One pass over the rows: each loaded element feeds two or three multiply-adds, and the six
    independent sums hide the latency of a single dot product's chain of multiply-adds.
    """
    f00 = np.float32(0.0)
    f01 = np.float32(0.0)
    f02 = np.float32(0.0)
    f10 = np.float32(0.0)
    f11 = np.float32(0.0)
    f12 = np.float32(0.0)
    for d in range(dim):
        x0 = syn0[c0, d]
        x1 = syn0[c1, d]
        y0 = syn1[t0, d]
        y1 = syn1[t1, d]
        y2 = syn1[t2, d]
        f00 += x0 * y0
        f01 += x0 * y1
        f02 += x0 * y2
        f10 += x1 * y0
        f11 += x1 * y1
        f12 += x1 * y2
    return f00, f01, f02, f10, f11, f12


@inline_kernel
def _scores(syn0, syn1, contexts, m, targets, n_targets, grad):
    """``grad[a * n_targets + j] = syn0[contexts[a]] . syn1[targets[j]]`` (``S = C T^T``).

    Tiles of 2 contexts x 3 targets; a tile that runs past the last row repeats a row and its
    extra scores are not stored.
    """
    dim = syn0.shape[1]
    for a in range(0, m, 2):
        c1 = contexts[a + 1] if a + 1 < m else contexts[a]
        for j in range(0, n_targets, 3):
            t1 = targets[j + 1] if j + 1 < n_targets else targets[j]
            t2 = targets[j + 2] if j + 2 < n_targets else targets[j]
            f00, f01, f02, f10, f11, f12 = _tile_dots(syn0, syn1, contexts[a], c1, targets[j],
                                                      t1, t2, dim)
            k = a * n_targets + j
            grad[k] = f00
            if j + 1 < n_targets:
                grad[k + 1] = f01
            if j + 2 < n_targets:
                grad[k + 2] = f02
            if a + 1 < m:
                k += n_targets
                grad[k] = f10
                if j + 1 < n_targets:
                    grad[k + 1] = f11
                if j + 2 < n_targets:
                    grad[k + 2] = f12


@inline_kernel
def _errors(grad, m, n_targets, alpha, sig_table, logsig_table):
    """Scores to scaled errors in place, ``G = alpha * (Y - s(S))``; returns the summed loss."""
    loss = 0.0
    for a in range(m):
        for j in range(n_targets):
            k = a * n_targets + j
            s, log_s, log_s_neg = sigmoid_and_logs(grad[k], sig_table, logsig_table)
            if j == 0:
                grad[k] = (np.float32(1.0) - s) * alpha
                loss -= log_s
            else:
                grad[k] = -s * alpha
                loss -= log_s_neg
    return loss


@inline_kernel
def _input_gradients(syn1, m, targets, n_targets, grad, grad_in):
    """``grad_in = G T`` from the output rows before their update, two targets per pass."""
    dim = syn1.shape[1]
    for a in range(m):
        k = a * n_targets
        t, g = targets[0], grad[k]
        for d in range(dim):
            grad_in[a, d] = g * syn1[t, d]
        for j in range(1, n_targets - 1, 2):
            t0, t1, g0, g1 = targets[j], targets[j + 1], grad[k + j], grad[k + j + 1]
            for d in range(dim):
                grad_in[a, d] += g0 * syn1[t0, d] + g1 * syn1[t1, d]
        if n_targets % 2 == 0:
            t, g = targets[n_targets - 1], grad[k + n_targets - 1]
            for d in range(dim):
                grad_in[a, d] += g * syn1[t, d]


@inline_kernel
def _output_update(syn0, syn1, contexts, m, targets, n_targets, grad):
    """``T += G^T C`` from the input rows before their update, two contexts per pass."""
    dim = syn0.shape[1]
    for j in range(n_targets):
        t = targets[j]
        for a in range(0, m - 1, 2):
            c0, c1 = contexts[a], contexts[a + 1]
            g0, g1 = grad[a * n_targets + j], grad[(a + 1) * n_targets + j]
            for d in range(dim):
                syn1[t, d] += g0 * syn0[c0, d] + g1 * syn0[c1, d]
        if m % 2 == 1:
            c, g = contexts[m - 1], grad[(m - 1) * n_targets + j]
            for d in range(dim):
                syn1[t, d] += g * syn0[c, d]


@inline_kernel
def hogbatch_update(weights, contexts, m, targets, n_targets, alpha, sig_table, logsig_table,
                    grad, grad_in):
    """One window: input rows ``contexts[:m]`` against shared ``targets[:n_targets]``.

    ``weights`` is a :class:`fastw2v.kernels.state.Weights`, updated in place (Hogwild).
    ``grad`` (float32, at least ``m * n_targets``) and ``grad_in`` (float32 ``[>=m, dim]``) are
    scratch. Returns the summed loss of the ``m`` examples.
    """
    syn0, syn1 = weights.syn0, weights.syn1
    _scores(syn0, syn1, contexts, m, targets, n_targets, grad)
    loss = _errors(grad, m, n_targets, alpha, sig_table, logsig_table)
    _input_gradients(syn1, m, targets, n_targets, grad, grad_in)
    _output_update(syn0, syn1, contexts, m, targets, n_targets, grad)
    dim = syn0.shape[1]
    for a in range(m):
        c = contexts[a]
        for d in range(dim):
            syn0[c, d] += grad_in[a, d]
    return loss


@inline_kernel
def _prepare(weights, buf, i, n, window, negative, state, ns_threshold, ns_alias, contexts,
             targets):
    """Draw center ``i``'s window and targets into ``contexts``/``targets`` and prefetch the rows
    its update will use; returns ``(m, n_targets)`` (``m == 0``: no context, nothing drawn)."""
    lo, hi = window_bounds(state, i, n, window)
    m = 0
    for j in range(lo, hi):
        if j != i:
            contexts[m] = buf[j]
            m += 1
    if m == 0:
        return 0, 0
    n_targets = draw_targets(targets, buf[i], negative, state, ns_threshold, ns_alias)
    prefetch_rows(weights.syn1, targets, n_targets)
    return m, n_targets


@inline_kernel
def hogbatch_block(weights, tables, params, thread, n, first, stop, alpha):
    """Train the centers ``buf[first:stop]`` of a block (contexts from ``buf[:n]``).

    The arguments are the named tuples of :mod:`fastw2v.kernels.state` (``buf`` is
    ``thread.buf``), the block's bounds and its learning rate. Returns ``(loss, examples)``; an
    example is one (context, center) pair, as in exact skip-gram.

    The next center's window and targets are drawn (in the same order as one center at a time,
    so the random streams are unchanged) before the current one is trained, and its output rows
    are prefetched meanwhile: two sets of ``contexts``/``targets`` scratch alternate.
    """
    buf, state = thread.buf, thread.rng
    contexts2, targets2, grad, grad_in = thread.contexts, thread.targets, thread.grad, thread.grad_in
    window, negative = params.window, params.negative
    sig_table, logsig_table = tables.sig, tables.logsig
    ns_threshold, ns_alias = tables.ns_threshold, tables.ns_alias
    loss = 0.0
    examples = 0
    if first >= stop:
        return loss, examples
    cur = 0
    m, n_targets = _prepare(weights, buf, first, n, window, negative, state, ns_threshold,
                            ns_alias, contexts2[cur], targets2[cur])
    for i in range(first, stop):
        nxt = 1 - cur
        m_next = 0
        t_next = 0
        if i + 1 < stop:
            m_next, t_next = _prepare(weights, buf, i + 1, n, window, negative, state,
                                      ns_threshold, ns_alias, contexts2[nxt], targets2[nxt])
        if m > 0:
            loss += hogbatch_update(weights, contexts2[cur], m, targets2[cur], n_targets, alpha,
                                    sig_table, logsig_table, grad, grad_in)
            examples += m
        cur = nxt
        m = m_next
        n_targets = t_next
    return loss, examples
