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

Bounded cost
------------
The probe holds at most :data:`PROBE_CENTERS` centers, at most :data:`PROBE_MAX_IDS` word ids in
all (so about 2 MB whatever ``window`` and ``negative``), and at most one center per
:data:`PROBE_SHARE` words an epoch keeps after subsampling (:func:`probe_centers`). It is scored by
a nogil kernel (:func:`fastw2v.kernels.probe.probe_loss_sums`) that reads the weights in place, so
scoring allocates nothing that grows with ``dim`` or the probe, and costs well under 1% of an
epoch (``benchmarks/evalloss_cost.py``). ``eval_loss=False`` (``--no-eval-loss``) turns it off.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from ..corpus.stream import release_pages
from ..kernels.probe import probe_loss_sums
from ..kernels.state import Probe, as_weights, make_probe_arrays

#: Most center words in the probe: ~20k windows give a loss with a standard error well below the
#: epoch-to-epoch changes (~1e-3 against ~5e-2 on wiki100m).
PROBE_CENTERS = 20_000

#: Most word ids the probe holds (contexts, centers and negatives): 2**19 int32 ids = 2 MiB, so
#: its memory does not grow with ``window`` or ``negative`` (window 1000 keeps ~260 centers).
PROBE_MAX_IDS = 1 << 19

#: At most one probe center per this many words kept in an epoch. Scoring a center costs about
#: as much arithmetic as training one to two centers (one dot product per target instead of a
#: dot product and two updates, but over the full window instead of the shrunk one), so scoring
#: costs well under 1% of an epoch on as many threads (measured: 0.3-0.7% for skip-gram and
#: CBOW, benchmarks/evalloss_cost.py), and the standard error of the loss stays far below its
#: epoch-to-epoch changes once a corpus has a few million words.
PROBE_SHARE = 400

#: Fewest centers of a probe that has any: a tiny corpus still gets an (imprecise) loss.
PROBE_MIN_CENTERS = 10

#: Center ids handled per step while the probe is built: bounds its temporaries (a few MB).
_BUILD_IDS = 1 << 16

#: Most probe centers read between two releases of the token stream's pages
#: (:func:`fastw2v.corpus.stream.release_pages`): the centers are random positions, so without
#: releases building a 20,000-center probe would make nearly every page of a wiki100m-sized stream
#: resident. 1,024 windows touch at most ~2,048 pages (8 MB).
_RELEASE_CENTERS = 1024

#: Offset of the probe's generator seed from the training seed, so it never replays a training
#: stream.
_SEED_OFFSET = 0x5EED

#: A probe is the kernels' :class:`~fastw2v.kernels.state.Probe` (``centers``, ``contexts``,
#: ``negatives``).
LossProbe = Probe


def probe_centers(words_kept: float, window: int, negative: int) -> int:
    """How many centers the probe of a run gets (see "Bounded cost" above)."""
    by_ids = PROBE_MAX_IDS // (2 * window + negative + 1)
    by_epoch = max(PROBE_MIN_CENTERS, int(words_kept) // PROBE_SHARE)
    return max(0, min(PROBE_CENTERS, by_ids, by_epoch))


def make_probe(tokens: np.ndarray, ns_probabilities: np.ndarray, window: int, negative: int,
               seed: int, n_centers: int = PROBE_CENTERS) -> Probe:
    """Draw the probe: centers at random stream positions, their windows cut at sentence ends.

    ``n_centers`` is capped so that the probe holds at most :data:`PROBE_MAX_IDS` ids; centers
    that are sentence markers or have no context are dropped, so it may hold fewer.
    """
    n_words = len(ns_probabilities)
    n_centers = max(0, min(int(n_centers), PROBE_MAX_IDS // (2 * window + negative + 1)))
    rng = np.random.Generator(np.random.PCG64(seed + _SEED_OFFSET))
    n = len(tokens)
    pos_all = np.sort(rng.integers(0, n, size=n_centers)) if n else np.zeros(0, np.int64)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    step = max(1, min(_BUILD_IDS // (2 * window), _RELEASE_CENTERS))
    centers_parts, ctx_parts = [], []
    for s in range(0, len(pos_all), step):
        pos = pos_all[s:s + step]
        centers = np.asarray(tokens[pos], dtype=np.int32)
        keep = centers >= 0
        pos, centers = pos[keep], centers[keep]
        idx = pos[:, None] + offsets[None, :]
        inside = (idx >= 0) & (idx < n)
        ctx = np.full(idx.shape, -1, dtype=np.int32)
        ctx[inside] = np.asarray(tokens[idx[inside]])
        # Cut each side at the first sentence marker (walking away from the center).
        left = ctx[:, :window][:, ::-1]
        left = np.where(np.cumsum(left < 0, axis=1) > 0, -1, left)[:, ::-1]
        right = ctx[:, window:]
        right = np.where(np.cumsum(right < 0, axis=1) > 0, -1, right)
        ctx = np.concatenate([left, right], axis=1)
        has_context = (ctx >= 0).any(axis=1)
        centers_parts.append(centers[has_context])
        ctx_parts.append(ctx[has_context])
        release_pages(tokens)
    centers = np.concatenate(centers_parts) if centers_parts else np.zeros(0, np.int32)
    ctx = (np.concatenate(ctx_parts) if ctx_parts
           else np.zeros((0, 2 * window), np.int32))
    negatives = rng.choice(n_words, size=(len(centers), negative), p=ns_probabilities)
    return make_probe_arrays(centers, ctx, negatives, n_words)


def probe_loss(probe: Probe, syn0: np.ndarray, syn1: np.ndarray, dim: int, sg: bool,
               pool: Optional[object] = None, parts: int = 1,
               hs: Optional[Tuple[np.ndarray, ...]] = None) -> float:
    """Mean loss per example on the probe (exact sigmoid, float64): the negative-sampling loss,
    plus the hierarchical-softmax loss when ``hs`` is given.

    Skip-gram: every (context, center) pair of the probe is an example. CBOW: every center word,
    with the mean of its context vectors as the hidden vector. With a thread ``pool`` (an
    executor) the probe is split into ``parts`` pieces scored in parallel.

    ``hs`` is ``(syn1hs, codes, points, offsets)`` (:class:`fastw2v.kernels.state.Weights` and
    :class:`~fastw2v.kernels.state.Tables`); each example then adds ``-log P(center | h)`` along
    the center's Huffman path. A probe drawn with ``negative=0`` has no negative-sampling part
    (hierarchical softmax alone), so its loss is the hierarchical-softmax loss only.
    """
    n = len(probe.centers)
    if n == 0:
        return float("nan")
    if hs is not None:
        return _hs_probe_loss(probe, syn0, syn1, dim, sg, hs)
    weights = as_weights(syn0, syn1)
    edges = np.linspace(0, n, max(1, min(parts, n)) + 1).astype(np.int64)
    pieces = [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]

    def score(bounds):
        return probe_loss_sums(weights, probe, np.int64(dim), bool(sg), np.int64(bounds[0]),
                               np.int64(bounds[1]))

    results = list(pool.map(score, pieces)) if pool is not None and len(pieces) > 1 \
        else [score(p) for p in pieces]
    total = sum(r[0] for r in results)
    count = sum(r[1] for r in results)
    return float(total / count) if count else float("nan")


#: Most probe centers scored at once by the hierarchical-softmax loss (~20 MB of temporaries at
#: window 5, dim 100).
_HS_CHUNK = 1000
#: Most float64 values of one temporary of that loss (``chunk x 2 window x max(dim, path)``):
#: 4 Mi values = 32 MB, so a wide window or a large dim shrinks the chunk instead of growing the
#: memory (window 1000 at dim 300 scores 6 centers at a time).
_HS_CHUNK_VALUES = 4 << 20


def _hs_probe_loss(probe: LossProbe, syn0: np.ndarray, syn1: np.ndarray, dim: int, sg: bool,
                   hs: Tuple[np.ndarray, ...]) -> float:
    """:func:`probe_loss` with hierarchical softmax: the path loss of every example, plus the
    negative-sampling loss when the probe has negatives; computed in chunks of centers."""
    syn1hs, codes, points, offsets = hs
    with_ns = probe.negatives.shape[1] > 0
    total = 0.0
    n_examples = 0
    width = probe.contexts.shape[1] * max(dim, 64, probe.negatives.shape[1])
    chunk = max(1, min(_HS_CHUNK, _HS_CHUNK_VALUES // max(width, 1)))
    for lo in range(0, len(probe.centers), chunk):
        part = LossProbe(probe.centers[lo:lo + chunk], probe.contexts[lo:lo + chunk],
                         probe.negatives[lo:lo + chunk])
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
    return total / n_examples if n_examples else float("nan")
