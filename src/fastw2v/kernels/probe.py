"""The njit kernel of the evaluation loss (:mod:`fastw2v.training.evalloss`).

It scores the fixed probe examples with the exact sigmoid in float64, reading the weights in
place: no temporary array grows with the window, the dimension or the probe (one float64 vector
of ``dim`` for CBOW's hidden vector). It releases the GIL, so the trainer splits the probe
between its worker threads.
"""
from __future__ import annotations

import math

import numpy as np

from .options import inline_kernel, kernel


@inline_kernel
def softplus(x):
    """``log(1 + exp(x))`` without overflow: the loss of a score ``x`` of the wrong sign."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@inline_kernel
def row_dot(a, i, b, j, dim):
    """``a[i, :dim] . b[j, :dim]`` accumulated in float64."""
    s = 0.0
    for d in range(dim):
        s += np.float64(a[i, d]) * np.float64(b[j, d])
    return s


@kernel
def probe_loss_sums(weights, probe, dim, sg, lo, hi):
    """Summed loss and number of examples of probe centers ``lo..hi-1``.

    Skip-gram (``sg``): every (context, center) pair is an example with the center as the positive
    target and the center's negatives; CBOW: every center is one example whose hidden vector is
    the mean of its context vectors. Returns ``(loss_sum, n_examples)``.
    """
    syn0, syn1 = weights.syn0, weights.syn1
    centers, contexts, negatives = probe.centers, probe.contexts, probe.negatives
    n_ctx, n_neg = contexts.shape[1], negatives.shape[1]
    hidden = np.zeros(dim, dtype=np.float64)
    total = 0.0
    count = 0
    for i in range(lo, hi):
        c = centers[i]
        if sg:
            for j in range(n_ctx):
                w = contexts[i, j]
                if w < 0:
                    continue
                total += softplus(-row_dot(syn0, w, syn1, c, dim))
                for k in range(n_neg):
                    total += softplus(row_dot(syn0, w, syn1, negatives[i, k], dim))
                count += 1
            continue
        m = 0
        for d in range(dim):
            hidden[d] = 0.0
        for j in range(n_ctx):
            w = contexts[i, j]
            if w < 0:
                continue
            m += 1
            for d in range(dim):
                hidden[d] += np.float64(syn0[w, d])
        if m == 0:
            continue
        for d in range(dim):
            hidden[d] /= m
        for k in range(n_neg + 1):
            t = c if k == 0 else negatives[i, k - 1]
            s = 0.0
            for d in range(dim):
                s += hidden[d] * np.float64(syn1[t, d])
            total += softplus(-s if k == 0 else s)
        count += 1
    return total, count
