"""Skip-gram with negative sampling, exact: every (context, center) pair has its own negatives.

For every kept center word ``w`` a reduced window ``b`` is drawn uniformly from ``1..window``
(word2vec.c's "shrunk" window, which weights near contexts more). Each context word ``c`` within
``b`` positions of ``w`` in the same sentence forms one example, trained exactly as word2vec.c does:
the hidden vector is ``c``'s input vector ``syn0[c]``, the positive target is ``w`` and ``negative``
targets are drawn fresh for this example from the alias table. The loss and gradient are derived in
:mod:`fastw2v.kernels.sgd`; ``syn0[c]`` receives the accumulated gradient after all targets are updated.

Hogwild races (see :mod:`fastw2v.kernels.sgd`) are tolerated on both ``syn0`` and ``syn1``: another thread
may update ``syn0[c]`` between our read and our write-back, losing one small update at worst.
"""
from __future__ import annotations

from .options import inline_kernel
from .blocks import draw_targets, window_bounds
from .sgd import ns_update


@inline_kernel
def skipgram_update(syn0, syn1, context, targets, n_targets, alpha, sig_table, logsig_table,
                    neu1e):
    """One skip-gram example: input vector ``syn0[context]`` against ``targets[:n_targets]``.

    Returns the example's loss.
    """
    dim = syn0.shape[1]
    for d in range(dim):
        neu1e[d] = 0.0
    loss = ns_update(syn0[context], syn1, targets, n_targets, alpha, sig_table, logsig_table,
                     neu1e)
    for d in range(dim):
        syn0[context, d] += neu1e[d]
    return loss


@inline_kernel
def skipgram_block(syn0, syn1, buf, n, first, stop, window, negative, alpha, state,
                   sig_table, logsig_table, ns_threshold, ns_alias, targets, neu1e):
    """Train the centers ``buf[first:stop]`` of a block (contexts from ``buf[:n]``).

    Returns ``(loss, examples)``; an example is one (context, center) pair.
    """
    loss = 0.0
    examples = 0
    for i in range(first, stop):
        word = buf[i]
        lo, hi = window_bounds(state, i, n, window)
        for j in range(lo, hi):
            if j == i:
                continue
            n_targets = draw_targets(targets, word, negative, state, ns_threshold, ns_alias)
            loss += skipgram_update(syn0, syn1, buf[j], targets, n_targets, alpha,
                                    sig_table, logsig_table, neu1e)
            examples += 1
    return loss, examples
