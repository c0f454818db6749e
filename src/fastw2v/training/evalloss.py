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
is comparable from epoch to epoch and decreases as the model fits the corpus. With hierarchical
softmax the objective trained is the path loss of :mod:`fastw2v.kernels.hs` (plus negative
sampling when ``negative > 0``), and the probe scores that.

Runs once per epoch in vectorized NumPy (a few milliseconds), outside the kernels.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

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


def probe_loss(probe: LossProbe, syn0: np.ndarray, syn1: np.ndarray, dim: int, sg: bool,
               hs: Optional[Tuple[np.ndarray, ...]] = None) -> float:
    """Mean loss per example on the probe (exact sigmoid, float64): the negative-sampling loss,
    plus the hierarchical-softmax loss when ``hs`` is given.

    Skip-gram: every (context, center) pair of the probe is an example. CBOW: every center word,
    with the mean of its context vectors as the hidden vector.

    ``hs`` is ``(syn1hs, codes, points, offsets)`` (:class:`fastw2v.kernels.state.Weights` and
    :class:`~fastw2v.kernels.state.Tables`); each example then adds ``-log P(center | h)`` along
    the center's Huffman path. A probe drawn with ``negative=0`` has no negative-sampling part
    (hierarchical softmax alone), so its loss is the hierarchical-softmax loss only.
    """
    if len(probe.centers) == 0:
        return float("nan")
    if hs is not None:
        return _hs_probe_loss(probe, syn0, syn1, dim, sg, hs)
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


#: Probe centers scored at once by the hierarchical-softmax loss: bounds its temporaries
#: (``chunk x 2 window x MAX_CODE_LENGTH`` scores, ``chunk x path x dim`` node vectors: ~20 MB at
#: dim 100) whatever the probe size.
_HS_CHUNK = 1000


def _hs_probe_loss(probe: LossProbe, syn0: np.ndarray, syn1: np.ndarray, dim: int, sg: bool,
                   hs: Tuple[np.ndarray, ...]) -> float:
    """:func:`probe_loss` with hierarchical softmax: the path loss of every example, plus the
    negative-sampling loss when the probe has negatives; computed in chunks of centers."""
    syn1hs, codes, points, offsets = hs
    with_ns = probe.negatives.shape[1] > 0
    total = 0.0
    n_examples = 0
    for lo in range(0, len(probe.centers), _HS_CHUNK):
        part = LossProbe(probe.centers[lo:lo + _HS_CHUNK], probe.contexts[lo:lo + _HS_CHUNK],
                         probe.negatives[lo:lo + _HS_CHUNK])
        mask = part.contexts >= 0
        h = syn0[np.where(mask, part.contexts, 0), :dim].astype(np.float64)   # (n, 2W, D)
        if not sg:
            h = ((h * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1)[:, None])[:, None, :]
            mask = np.ones((len(part.centers), 1), dtype=bool)
        # the centers' paths, padded to the longest: nodes (n, L), signs y = 1 - 2 code, valid
        begin, length = offsets[part.centers], offsets[part.centers + 1] - offsets[part.centers]
        loss = np.zeros(h.shape[:2])                                          # (n, 2W)
        steps = np.arange(int(length.max()))
        if len(steps):  # a one-word vocabulary has empty paths
            on_path = steps[None, :] < length[:, None]
            at = np.where(on_path, begin[:, None] + steps[None, :], 0)
            nodes = syn1hs[points[at], :dim].astype(np.float64)               # (n, L, D)
            sign = np.where(on_path, 1.0 - 2.0 * codes[at], 0.0)
            score = np.einsum("nwd,nld->nwl", h, nodes) * sign[:, None, :]
            loss += (np.logaddexp(0.0, -score) * on_path[:, None, :]).sum(axis=2)
        if with_ns:
            out_pos = syn1[part.centers, :dim].astype(np.float64)
            out_neg = syn1[part.negatives, :dim].astype(np.float64)
            pos = np.einsum("nwd,nd->nw", h, out_pos)
            neg = np.einsum("nwd,nkd->nwk", h, out_neg)
            loss = loss + np.logaddexp(0.0, -pos) + np.logaddexp(0.0, neg).sum(axis=2)
        total += float(loss[mask].sum())
        n_examples += int(mask.sum())
    return total / n_examples
