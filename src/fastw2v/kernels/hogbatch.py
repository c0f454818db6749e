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

Hogwild races are tolerated on ``syn0`` and ``syn1`` as in the exact kernel (the rule is documented
once, in :class:`fastw2v.kernels.state.Weights`); within one thread the batch is computed from a
consistent snapshot.
"""
from __future__ import annotations

import numpy as np

from .options import inline_kernel
from .blocks import draw_targets, window_bounds
from .sgd import sigmoid_and_logs


@inline_kernel
def hogbatch_update(weights, contexts, m, targets, n_targets, alpha, sig_table, logsig_table,
                    grad, grad_in):
    """One window: input rows ``contexts[:m]`` against shared ``targets[:n_targets]``.

    ``weights`` is a :class:`fastw2v.kernels.state.Weights`, updated in place (Hogwild).
    ``grad`` (float32, at least ``m * n_targets``) and ``grad_in`` (float32 ``[>=m, dim]``) are
    scratch. Returns the summed loss of the ``m`` examples.
    """
    syn0, syn1 = weights.syn0, weights.syn1
    dim = syn0.shape[1]
    loss = 0.0
    # S = C T^T and G = alpha * (Y - s(S))
    for a in range(m):
        ca = contexts[a]
        for j in range(n_targets):
            t = targets[j]
            f = np.float32(0.0)
            for d in range(dim):
                f += syn0[ca, d] * syn1[t, d]
            s, log_s, log_s_neg = sigmoid_and_logs(f, sig_table, logsig_table)
            if j == 0:
                grad[a * n_targets + j] = (np.float32(1.0) - s) * alpha
                loss -= log_s
            else:
                grad[a * n_targets + j] = -s * alpha
                loss -= log_s_neg
    # input gradients G T, from the output rows before their update
    for a in range(m):
        for d in range(dim):
            grad_in[a, d] = 0.0
        for j in range(n_targets):
            g = grad[a * n_targets + j]
            t = targets[j]
            for d in range(dim):
                grad_in[a, d] += g * syn1[t, d]
    # output update T += G^T C, from the input rows before their update
    for j in range(n_targets):
        t = targets[j]
        for a in range(m):
            g = grad[a * n_targets + j]
            ca = contexts[a]
            for d in range(dim):
                syn1[t, d] += g * syn0[ca, d]
    for a in range(m):
        ca = contexts[a]
        for d in range(dim):
            syn0[ca, d] += grad_in[a, d]
    return loss


@inline_kernel
def hogbatch_block(weights, tables, params, thread, n, first, stop, alpha):
    """Train the centers ``buf[first:stop]`` of a block (contexts from ``buf[:n]``).

    The arguments are the named tuples of :mod:`fastw2v.kernels.state` (``buf`` is
    ``thread.buf``), the block's bounds and its learning rate. Returns ``(loss, examples)``; an
    example is one (context, center) pair, as in exact skip-gram.
    """
    buf, state, targets = thread.buf, thread.rng, thread.targets
    contexts, grad, grad_in = thread.contexts, thread.grad, thread.grad_in
    window, negative = params.window, params.negative
    sig_table, logsig_table = tables.sig, tables.logsig
    ns_threshold, ns_alias = tables.ns_threshold, tables.ns_alias
    loss = 0.0
    examples = 0
    for i in range(first, stop):
        lo, hi = window_bounds(state, i, n, window)
        m = 0
        for j in range(lo, hi):
            if j != i:
                contexts[m] = buf[j]
                m += 1
        if m == 0:
            continue
        n_targets = draw_targets(targets, buf[i], negative, state, ns_threshold, ns_alias)
        loss += hogbatch_update(weights, contexts, m, targets, n_targets, alpha,
                                sig_table, logsig_table, grad, grad_in)
        examples += m
    return loss, examples
