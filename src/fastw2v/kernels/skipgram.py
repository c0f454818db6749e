"""Skip-gram with negative sampling, exact: every (context, center) pair has its own negatives.

For every kept center word ``w`` a reduced window ``b`` is drawn uniformly from ``1..window``
(word2vec.c's "shrunk" window, which weights near contexts more). Each context word ``c`` within
``b`` positions of ``w`` in the same sentence forms one example, trained exactly as word2vec.c does:
the hidden vector is ``c``'s input vector ``syn0[c]``, the positive target is ``w`` and ``negative``
targets are drawn fresh for this example from the alias table. The loss and gradient are derived in
:mod:`fastw2v.kernels.sgd`; ``syn0[c]`` receives the accumulated gradient after all targets are updated.

Hogwild races are tolerated on both ``syn0`` and ``syn1`` (the rule is documented once, in
:class:`fastw2v.kernels.state.Weights`): another thread may update ``syn0[c]`` between our read and
our write-back, losing one small update at worst.
"""
from __future__ import annotations

from .options import inline_kernel
from .blocks import draw_targets, window_bounds
from .sgd import ns_update


@inline_kernel
def skipgram_update(weights, context, targets, n_targets, alpha, sig_table, logsig_table, neu1e):
    """One skip-gram example: input vector ``syn0[context]`` against ``targets[:n_targets]``.

    ``weights`` is a :class:`fastw2v.kernels.state.Weights`, updated in place (Hogwild);
    ``neu1e`` is float32 scratch of the row width. Returns the example's loss.
    """
    syn0, syn1 = weights.syn0, weights.syn1
    dim = syn0.shape[1]
    for d in range(dim):
        neu1e[d] = 0.0
    loss = ns_update(syn0[context], syn1, targets, n_targets, alpha, sig_table, logsig_table,
                     neu1e)
    for d in range(dim):
        syn0[context, d] += neu1e[d]
    return loss


@inline_kernel
def skipgram_block(weights, tables, params, thread, n, first, stop, alpha):
    """Train the centers ``buf[first:stop]`` of a block (contexts from ``buf[:n]``).

    The arguments are the named tuples of :mod:`fastw2v.kernels.state` (``buf`` is
    ``thread.buf``), the block's bounds and its learning rate. Returns ``(loss, examples)``; an
    example is one (context, center) pair.
    """
    buf, state, targets, neu1e = thread.buf, thread.rng, thread.targets[0], thread.neu1e
    window, negative = params.window, params.negative
    sig_table, logsig_table = tables.sig, tables.logsig
    ns_threshold, ns_alias = tables.ns_threshold, tables.ns_alias
    loss = 0.0
    examples = 0
    for i in range(first, stop):
        word = buf[i]
        lo, hi = window_bounds(state, i, n, window)
        for j in range(lo, hi):
            if j == i:
                continue
            n_targets = draw_targets(targets, word, negative, state, ns_threshold, ns_alias)
            loss += skipgram_update(weights, buf[j], targets, n_targets, alpha,
                                    sig_table, logsig_table, neu1e)
            examples += 1
    return loss, examples
