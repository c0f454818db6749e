"""The Huffman tree of hierarchical softmax, built once per run (never inside a training kernel).

Hierarchical softmax (Morin & Bengio 2005; word2vec.c's ``-hs 1``) predicts a word by walking from
the root of a binary tree to the word's leaf; every inner node has an output vector and every step
is one binary logistic decision (:mod:`fastw2v.kernels.hs`). With a Huffman tree over the word
counts (Mikolov et al. 2013) frequent words get short paths, so the expected number of decisions
per example is the entropy of the unigram distribution plus less than one bit.

Layout
------
Leaves are the word ids ``0..V-1``; the ``V - 1`` inner nodes are numbered ``0..V-2`` in the order
they are created (the root, created last, is ``V - 2``); inner node ``i`` owns row ``i`` of the
output matrix ``syn1hs``. The paths of all words are stored flat:

* ``offsets`` (int64, ``V + 1``): word ``w``'s path is ``offsets[w]:offsets[w + 1]``;
* ``points`` (int32): the inner nodes on the path, root first;
* ``codes`` (uint8): at each of them, 0 when the path goes to the first (lighter) child and 1 for
  the second, as word2vec.c numbers them.

A vocabulary of one word has no inner node and empty paths.

Code length bound
-----------------
Paths are at most :data:`MAX_CODE_LENGTH` = 64 steps. Counts are clamped to at least 1 for the
tree, and a Huffman code whose longest word needs ``L`` bits has a total weight of at least the
Fibonacci number ``F(L + 2)`` (Katona & Nemetz 1976); a 65-bit code would need more than
``F(67) ~ 4.4e13`` tokens, far beyond any corpus. :func:`huffman_codes` checks the bound anyway
(``ValueError``), so code that pads paths to a fixed width (the evaluation probe) is bounded.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .options import kernel

#: Longest path (code length) allowed; see the module docstring for why 64 is never reached.
MAX_CODE_LENGTH = 64


class HuffmanCodes(NamedTuple):
    """Every word's path through the tree, flat (see the module docstring)."""

    codes: np.ndarray    # uint8[total path length]
    points: np.ndarray   # int32[total path length]
    offsets: np.ndarray  # int64[n_words + 1]


@kernel
def _merge(weights, order, parent, bit):
    """Build the tree by the two-queue method over leaves sorted by ascending weight.

    ``order`` lists the leaves by ascending weight; inner nodes are created with non-decreasing
    weights, so the two lightest nodes are always at the heads of the two queues. Node ids:
    leaves ``0..V-1``, inner node ``a`` is ``V + a``. Writes each node's ``parent`` and the
    ``bit`` of the edge to it (1 for the second node of a merge, as word2vec.c does).
    """
    n = order.shape[0]
    inner = np.empty(max(n - 1, 0), dtype=np.int64)  # weights of the inner nodes
    leaf = 0   # head of the leaf queue (index into order)
    head = 0   # head of the inner-node queue
    for a in range(n - 1):
        pick0 = -1
        pick1 = -1
        w_pair = 0
        for k in range(2):
            # a leaf wins ties, so equal weights give a deterministic, shallow tree
            take_leaf = leaf < n and (head >= a or weights[order[leaf]] <= inner[head])
            if take_leaf:
                node = order[leaf]
                w_pair += weights[node]
                leaf += 1
            else:
                node = n + head
                w_pair += inner[head]
                head += 1
            if k == 0:
                pick0 = node
            else:
                pick1 = node
        inner[a] = w_pair
        parent[pick0] = n + a
        parent[pick1] = n + a
        bit[pick0] = 0
        bit[pick1] = 1


def huffman_codes(counts: np.ndarray) -> HuffmanCodes:
    """The Huffman paths of a vocabulary with ``counts`` (any order; counts below 1 count as 1).

    Returns
    -------
    HuffmanCodes
        ``codes``, ``points`` and ``offsets`` as described in the module docstring.

    Raises
    ------
    ValueError
        ``counts`` is empty or not 1-D, or a path would exceed :data:`MAX_CODE_LENGTH`.
    """
    counts = np.asarray(counts)
    if counts.ndim != 1 or counts.shape[0] == 0:
        raise ValueError("counts must be a non-empty 1-D array")
    n = counts.shape[0]
    weights = np.maximum(counts.astype(np.int64), 1)
    order = np.argsort(weights, kind="stable").astype(np.int64)
    parent = np.full(max(2 * n - 1, 1), -1, dtype=np.int64)
    bit = np.zeros(max(2 * n - 1, 1), dtype=np.uint8)
    _merge(weights, order, parent, bit)
    root = 2 * n - 2  # == 0 when n == 1: the only word is the root and has an empty path
    # Path lengths: walk up from every leaf at once (at most MAX_CODE_LENGTH + 1 steps).
    length = np.zeros(n, dtype=np.int64)
    node = np.arange(n, dtype=np.int64)
    active = node != root
    while active.any():
        length[active] += 1
        if length.max() > MAX_CODE_LENGTH:
            raise ValueError(f"a Huffman code is longer than MAX_CODE_LENGTH={MAX_CODE_LENGTH} "
                             f"bits: the counts are too skewed for hierarchical softmax")
        node[active] = parent[node[active]]
        active = node != root
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(length, out=offsets[1:])
    codes = np.zeros(int(offsets[-1]), dtype=np.uint8)
    points = np.zeros(int(offsets[-1]), dtype=np.int32)
    # Second walk: the step taken ``step`` edges above the leaf is the path's entry
    # ``length - 1 - step`` (the path is stored root first).
    node = np.arange(n, dtype=np.int64)
    step = 0
    active = node != root
    while active.any():
        words = np.flatnonzero(active)
        at = offsets[words] + length[words] - 1 - step
        codes[at] = bit[node[words]]
        points[at] = parent[node[words]] - n
        node[words] = parent[node[words]]
        step += 1
        active = node != root
    return HuffmanCodes(codes=codes, points=points, offsets=offsets)
