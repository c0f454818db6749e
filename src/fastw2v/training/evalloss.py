"""A fixed-sample evaluation loss, computed at the end of every epoch.

The training loss (:mod:`fastw2v.kernels.sgd`) is measured on the fly: each example is scored just before
its own update, right after the updates of the examples next to it in the corpus. While the
learning rate is large those recent updates fit the local context, which lowers the loss of the
following examples; as the rate decays towards 0 that effect fades, and the on-the-fly loss can
rise in the last epochs although the vectors keep improving (measured on wiki100m; gensim users see
the same, e.g. gensim issues #2709 and #2922).

So fastw2v also reports an **evaluation loss**: the same negative-sampling objective, with the exact
sigmoid, on a fixed probe of ``PROBE_CENTERS`` center words drawn once from the token stream, with
their full windows (within the sentence) and ``negative`` negatives each, drawn once. It changes no
weight and draws from its own seeded NumPy generator, so training stays bit-for-bit the same. It
is comparable from epoch to epoch and decreases as the model fits the corpus.

Runs once per epoch in vectorized NumPy (a few milliseconds), outside the kernels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Center words in the probe: ~20k windows give a loss with a standard error well below the
#: epoch-to-epoch changes (~1e-3 against ~5e-2 on wiki100m) in a few milliseconds.
PROBE_CENTERS = 20_000

#: Offset of the probe's generator seed from the training seed, so it never replays a training
#: stream.
_SEED_OFFSET = 0x5EED


@dataclass
class LossProbe:
    """Fixed examples: ``centers`` (N,), ``contexts`` (N, 2W; -1 = none), ``negatives`` (N, K)."""

    centers: np.ndarray
    contexts: np.ndarray
    negatives: np.ndarray


def make_probe(tokens: np.ndarray, ns_probabilities: np.ndarray, window: int, negative: int,
               seed: int, n_centers: int = PROBE_CENTERS) -> LossProbe:
    """Draw the probe: centers at random stream positions, their windows cut at sentence ends."""
    rng = np.random.Generator(np.random.PCG64(seed + _SEED_OFFSET))
    n = len(tokens)
    pos = np.sort(rng.integers(0, n, size=n_centers)) if n else np.zeros(0, np.int64)
    centers = np.asarray(tokens[pos], dtype=np.int64) if n else np.zeros(0, np.int64)
    keep = centers >= 0
    pos, centers = pos[keep], centers[keep]
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    idx = pos[:, None] + offsets[None, :]
    inside = (idx >= 0) & (idx < n)
    ctx = np.full(idx.shape, -1, dtype=np.int64)
    ctx[inside] = np.asarray(tokens[idx[inside]])
    # Cut each side at the first sentence marker (walking away from the center).
    left = ctx[:, :window][:, ::-1]
    left = np.where(np.cumsum(left < 0, axis=1) > 0, -1, left)[:, ::-1]
    right = ctx[:, window:]
    right = np.where(np.cumsum(right < 0, axis=1) > 0, -1, right)
    ctx = np.concatenate([left, right], axis=1)
    has_context = (ctx >= 0).any(axis=1)
    centers, ctx = centers[has_context], ctx[has_context]
    negatives = rng.choice(len(ns_probabilities), size=(len(centers), negative),
                           p=ns_probabilities)
    return LossProbe(centers=centers, contexts=ctx, negatives=negatives)


def probe_loss(probe: LossProbe, syn0: np.ndarray, syn1: np.ndarray, dim: int, sg: bool) -> float:
    """Mean negative-sampling loss per example on the probe (exact sigmoid, float64).

    Skip-gram: every (context, center) pair of the probe is an example. CBOW: every center word,
    with the mean of its context vectors as the hidden vector.
    """
    if len(probe.centers) == 0:
        return float("nan")
    mask = probe.contexts >= 0
    ctx = np.where(mask, probe.contexts, 0)
    h = syn0[ctx, :dim].astype(np.float64)                      # (N, 2W, D)
    out_pos = syn1[probe.centers, :dim].astype(np.float64)      # (N, D)
    out_neg = syn1[probe.negatives, :dim].astype(np.float64)    # (N, K, D)
    if sg:
        pos = np.einsum("nwd,nd->nw", h, out_pos)
        neg = np.einsum("nwd,nkd->nwk", h, out_neg)
        loss = np.logaddexp(0.0, -pos) + np.logaddexp(0.0, neg).sum(axis=2)
        return float(loss[mask].mean())
    hidden = (h * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1)[:, None]
    pos = np.einsum("nd,nd->n", hidden, out_pos)
    neg = np.einsum("nd,nkd->nk", hidden, out_neg)
    return float((np.logaddexp(0.0, -pos) + np.logaddexp(0.0, neg).sum(axis=1)).mean())
