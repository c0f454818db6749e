"""Hierarchical softmax (Morin & Bengio 2005, as word2vec.c and gensim train it) for skip-gram
and CBOW, alone (``negative=0``) or together with negative sampling.

Model, loss and gradient
------------------------
Word ``w`` is a leaf of the Huffman tree of :mod:`fastw2v.kernels.huffman`; its path visits the
inner nodes ``n_1 .. n_L`` (root first) and turns to child ``c_k`` in {0, 1} at node ``n_k``.
Each inner node has an output vector ``u_n`` (a row of ``syn1hs``). For a hidden vector ``h`` (a
context word's input vector in skip-gram, the mean of the context vectors in CBOW) the model is::

    P(w | h) = prod_{k=1..L} s(y_k * h . u_{n_k}),     y_k = 1 - 2 c_k,   s(x) = 1 / (1 + exp(-x))

Since ``s(x) + s(-x) = 1`` at every node, the leaf probabilities sum to 1 over the vocabulary: a
normalised softmax whose cost is ``L ~ log2 V`` dot products instead of ``V``. The loss of one
example is::

    L = -log P(w | h) = -sum_k log s(y_k h . u_{n_k})

With the label ``t_k = 1 - c_k`` (so ``y_k = 2 t_k - 1``) and ``d/dx log s(x) = 1 - s(x)``::

    dL/du_{n_k} = -(t_k - s(h . u_{n_k})) h
    dL/dh       = -sum_k (t_k - s(h . u_{n_k})) u_{n_k}

so with ``g_k = alpha * (1 - c_k - s(h . u_{n_k}))`` one SGD step is ``u_{n_k} += g_k h`` and
``h += sum_k g_k u_{n_k}`` -- word2vec.c's ``g = (1 - code - f) * alpha`` -- with every ``g_k`` and
the sum computed from the node vectors *before* their own update (``neu1e`` accumulates before
``syn1`` moves), exactly in word2vec.c's order. This is the same form as negative sampling
(:mod:`fastw2v.kernels.sgd`) with the path's nodes as targets and ``1 - c_k`` as labels.

As in word2vec.c and gensim, a node whose score lies outside ``[-MAX_EXP, MAX_EXP]`` is skipped
(no update: its sigmoid is saturated); its term still counts in the reported loss.

With ``negative > 0`` an example is trained by both objectives from the same ``h``: the
hierarchical-softmax step, then the negative-sampling step, both accumulating into ``neu1e``,
which is added to the input vector(s) at the end (word2vec.c's ``hs=1 negative=5``). The two
objectives have separate output matrices (``syn1hs`` and ``syn1``). Skip-gram with hierarchical
softmax trains every (context, center) pair with its own negatives: shared negatives
(:mod:`fastw2v.kernels.hogbatch`) do not apply.

Hogwild races are tolerated on ``syn0``, ``syn1`` and ``syn1hs`` (the rule is documented once, in
:class:`fastw2v.kernels.state.Weights`). The root and the nodes near it are on every path, so
their rows are the most contended; like the most frequent words' rows in negative sampling, they
receive so many updates that a lost one does not matter.
"""
from __future__ import annotations

import numpy as np

from .options import inline_kernel
from .blocks import draw_targets, window_bounds
from .sgd import ns_update, sigmoid_and_logs
from .tables import MAX_EXP


@inline_kernel
def hs_update(h, syn1hs, codes, points, begin, end, alpha, sig_table, logsig_table, neu1e):
    """One hierarchical-softmax step of hidden vector ``h`` along the path
    ``codes[begin:end]`` / ``points[begin:end]``.

    The node rows of ``syn1hs`` are updated in place (Hogwild); the gradient for ``h`` is
    *accumulated* into ``neu1e`` (the caller zeroes it and applies it). Returns the example's
    loss ``-log P(w | h)`` (float64, tabulated sigmoid).
    """
    dim = h.shape[0]
    loss = 0.0
    for k in range(begin, end):
        node = points[k]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * syn1hs[node, d]
        s, log_s, log_s_neg = sigmoid_and_logs(f, sig_table, logsig_table)
        if codes[k] == 0:
            loss -= log_s
        else:
            loss -= log_s_neg
        if f <= -MAX_EXP or f >= MAX_EXP:
            continue  # saturated: word2vec.c and gensim skip the update
        g = (np.float32(1.0) - np.float32(codes[k]) - s) * alpha
        for d in range(dim):
            neu1e[d] += g * syn1hs[node, d]
        for d in range(dim):
            syn1hs[node, d] += g * h[d]
    return loss


@inline_kernel
def hs_example(weights, tables, h, word, targets, n_targets, alpha, neu1e):
    """Both objectives for hidden vector ``h`` and output word ``word``: the hierarchical-softmax
    step along ``word``'s path, then (when ``n_targets > 0``) negative sampling against
    ``targets[:n_targets]`` (``targets[0] == word``). Accumulates into ``neu1e``; returns the
    summed loss."""
    begin, end = tables.hs_offsets[word], tables.hs_offsets[word + 1]
    loss = hs_update(h, weights.syn1hs, tables.hs_codes, tables.hs_points, begin, end, alpha,
                     tables.sig, tables.logsig, neu1e)
    if n_targets > 0:
        loss += ns_update(h, weights.syn1, targets, n_targets, alpha, tables.sig, tables.logsig,
                          neu1e)
    return loss


@inline_kernel
def skipgram_hs_block(weights, tables, params, thread, n, first, stop, alpha):
    """Skip-gram with hierarchical softmax (and negatives when ``params.negative > 0``): train
    the centers ``buf[first:stop]`` of a block (contexts from ``buf[:n]``).

    Every (context, center) pair is one example, as in :func:`fastw2v.kernels.skipgram.
    skipgram_block`: the context's input vector predicts the center word. Returns
    ``(loss, examples)``.
    """
    buf, state, targets, neu1e = thread.buf, thread.rng, thread.targets[0], thread.neu1e
    window, negative = params.window, params.negative
    syn0 = weights.syn0
    dim = syn0.shape[1]
    loss = 0.0
    examples = 0
    for i in range(first, stop):
        word = buf[i]
        lo, hi = window_bounds(state, i, n, window)
        for j in range(lo, hi):
            if j == i:
                continue
            n_targets = 0
            if negative > 0:
                n_targets = draw_targets(targets, word, negative, state, tables.ns_threshold,
                                         tables.ns_alias)
            context = buf[j]
            for d in range(dim):
                neu1e[d] = 0.0
            loss += hs_example(weights, tables, syn0[context], word, targets, n_targets, alpha,
                               neu1e)
            for d in range(dim):
                syn0[context, d] += neu1e[d]
            examples += 1
    return loss, examples


@inline_kernel
def cbow_hs_block(weights, tables, params, thread, n, first, stop, alpha):
    """CBOW with hierarchical softmax (and negatives when ``params.negative > 0``): train the
    centers ``buf[first:stop]`` of a block (contexts from ``buf[:n]``).

    The hidden vector is the mean of the context vectors and every context vector receives the
    full ``neu1e``, as in :mod:`fastw2v.kernels.cbow` (word2vec.c's and gensim's
    ``cbow_mean=1``). Returns ``(loss, examples)``; an example is one center word.
    """
    buf, state, targets = thread.buf, thread.rng, thread.targets[0]
    neu1, neu1e = thread.neu1, thread.neu1e
    window, negative = params.window, params.negative
    syn0 = weights.syn0
    dim = syn0.shape[1]
    loss = 0.0
    examples = 0
    for i in range(first, stop):
        lo, hi = window_bounds(state, i, n, window)
        if hi - lo <= 1:
            continue  # a one-word sentence has no context
        word = buf[i]
        n_targets = 0
        if negative > 0:
            n_targets = draw_targets(targets, word, negative, state, tables.ns_threshold,
                                     tables.ns_alias)
        for d in range(dim):
            neu1[d] = 0.0
            neu1e[d] = 0.0
        for j in range(lo, hi):
            if j != i:
                c = buf[j]
                for d in range(dim):
                    neu1[d] += syn0[c, d]
        inv_m = np.float32(1.0) / np.float32(hi - lo - 1)
        for d in range(dim):
            neu1[d] *= inv_m
        loss += hs_example(weights, tables, neu1, word, targets, n_targets, alpha, neu1e)
        for j in range(lo, hi):
            if j != i:
                c = buf[j]
                for d in range(dim):
                    syn0[c, d] += neu1e[d]
        examples += 1
    return loss, examples
