"""Inline njit helpers that do one SGD update of negative sampling, shared by skip-gram and CBOW.

Loss and gradient
-----------------
For a hidden vector ``h`` (a word's input vector in skip-gram, the mean of the context vectors in
CBOW), a positive target ``t_0`` and negatives ``t_1..t_K`` with output vectors ``v_t``, the
negative-sampling loss is::

    L = -log s(h . v_{t_0}) - sum_{k=1..K} log s(-h . v_{t_k}),      s(x) = 1 / (1 + exp(-x))

With labels ``y_0 = 1``, ``y_k = 0`` and ``s'(x) = s(x)(1 - s(x))`` the gradients are::

    dL/dv_{t_k} = -(y_k - s(h . v_{t_k})) h
    dL/dh       = -sum_k (y_k - s(h . v_{t_k})) v_{t_k}

so with ``g_k = alpha * (y_k - s(h . v_{t_k}))`` one SGD step is ``v_{t_k} += g_k h`` and
``h += sum_k g_k v_{t_k}``, where every ``g_k`` and the sum use the output vectors *before* their
own update, exactly as word2vec.c orders it (``neu1e`` accumulates before ``syn1neg`` moves).

Hogwild
-------
Output rows ``v_t`` are read and written by all threads without locks; where and why such races are
tolerated is documented once, in :class:`fastw2v.kernels.state.Weights`.
"""
from __future__ import annotations

import numpy as np

from .options import inline_kernel
from .tables import MAX_EXP


@inline_kernel
def sigmoid_and_logs(f, sig_table, logsig_table):
    """Tabulated ``s(f)``, ``log s(f)`` and ``log s(-f)``, saturating outside [-MAX_EXP, MAX_EXP].

    Beyond the bound ``s`` is 0 or 1 as in word2vec.c; the log terms stay finite (``log s(f) ~ f``
    for very negative ``f``) so the reported loss is honest even for confident mistakes.
    """
    if f >= MAX_EXP:
        return np.float32(1.0), np.float32(0.0), -f
    if f <= -MAX_EXP:
        return np.float32(0.0), f, np.float32(0.0)
    size = sig_table.shape[0]
    i = np.int64((f + MAX_EXP) * (size / (2.0 * MAX_EXP)))
    if i >= size:  # f a hair below MAX_EXP can round up to size
        i = size - 1
    # log s(-f) = log s(f) - f
    return sig_table[i], logsig_table[i], logsig_table[i] - f


@inline_kernel
def ns_update(h, syn1, targets, n_targets, alpha, sig_table, logsig_table, neu1e):
    """Negative-sampling step of hidden vector ``h`` against ``targets[:n_targets]``.

    ``targets[0]`` is the positive word, the rest are negatives. Output rows are updated in place
    (Hogwild, see :class:`fastw2v.kernels.state.Weights`);
    the gradient for ``h`` is *accumulated* into ``neu1e`` (the caller zeroes it and applies it), so
    skip-gram and CBOW share this code. Returns the loss of this example (float64).
    """
    dim = h.shape[0]
    loss = 0.0
    for j in range(n_targets):
        t = targets[j]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * syn1[t, d]
        s, log_s, log_s_neg = sigmoid_and_logs(f, sig_table, logsig_table)
        if j == 0:
            g = (np.float32(1.0) - s) * alpha
            loss -= log_s
        else:
            g = (np.float32(0.0) - s) * alpha
            loss -= log_s_neg
        for d in range(dim):
            neu1e[d] += g * syn1[t, d]
        for d in range(dim):
            syn1[t, d] += g * h[d]
    return loss
