"""Carrying hierarchical softmax's inner-node vectors from one Huffman tree to another.

The tree is built from the word counts (:mod:`fastw2v.kernels.huffman`), so when the vocabulary
changes (``Word2Vec.build_vocab(update=True)``) or the vectors come from another implementation
(gensim, whose tree may break ties differently), the inner nodes of the new tree need not be those
of the old one: row ``i`` of the old ``syn1`` can belong to a node over quite other words. gensim
keeps the rows by index anyway. Here an inner node of the new tree takes the vector of the old
node **with the same two children** (matched bottom-up, so: with the same subtree of words);
when the two children swapped sides, the vector is negated (a node's vector gives the
probability of its first child, ``sigmoid(h . v)``, and of the second, ``sigmoid(-h . v)``).
Every other inner node starts at zero, as a fresh model's do.
"""
from __future__ import annotations

from typing import Dict, Sequence, Tuple

import numpy as np

from ..kernels.huffman import HuffmanCodes

__all__ = ["carry_inner_vectors", "children", "codes_from_paths"]


def children(tree: HuffmanCodes) -> np.ndarray:
    """The two children of every inner node, ``int64[n_words - 1, 2]``: column 0 the child on
    code 0, column 1 the child on code 1; a leaf is its word id, inner node ``i`` is
    ``n_words + i``."""
    n = tree.offsets.shape[0] - 1
    table = np.full((max(n - 1, 0), 2), -1, dtype=np.int64)
    total = int(tree.offsets[-1])
    if total == 0:
        return table
    lengths = np.diff(tree.offsets)
    word = np.repeat(np.arange(n, dtype=np.int64), lengths)
    entry = np.arange(total, dtype=np.int64)
    last = entry == tree.offsets[word + 1] - 1
    below = np.where(last, word, tree.points[np.minimum(entry + 1, total - 1)].astype(np.int64) + n)
    table[tree.points.astype(np.int64), tree.codes.astype(np.int64)] = below
    return table


def carry_inner_vectors(old: HuffmanCodes, old_vectors: np.ndarray,
                        new: HuffmanCodes) -> Tuple[np.ndarray, int]:
    """The inner-node vectors of ``new`` taken from ``old_vectors`` (the vectors of ``old``'s
    inner nodes) where a node has the same subtree (see the module docstring).

    Word ``w`` of ``old`` is word ``w`` of ``new`` (a vocabulary update appends new words);
    ``new`` may have more words.

    Returns
    -------
    (numpy.ndarray, int)
        float32 ``(new words - 1, dim)`` and how many inner nodes were carried over.
    """
    n_old = old.offsets.shape[0] - 1
    n_new = new.offsets.shape[0] - 1
    old_vectors = np.asarray(old_vectors)
    out = np.zeros((max(n_new - 1, 0), old_vectors.shape[1]), dtype=np.float32)
    by_children: Dict[Tuple[int, int], int] = {
        (int(a), int(b)): i for i, (a, b) in enumerate(children(old))}
    # new inner node -> the old node id (n_old + old inner index) it equals, or -1
    same = np.full(out.shape[0], -1, dtype=np.int64)
    carried = 0
    for i, (a, b) in enumerate(children(new).tolist()):
        # a node's children are created before it, so ``same`` is known for inner children
        a = a if a < n_new and a < n_old else (-1 if a < n_new else int(same[a - n_new]))
        b = b if b < n_new and b < n_old else (-1 if b < n_new else int(same[b - n_new]))
        if a < 0 or b < 0:
            continue
        j = by_children.get((a, b))
        sign = 1.0
        if j is None:
            j, sign = by_children.get((b, a)), -1.0
        if j is None:
            continue
        same[i] = n_old + j
        out[i] = sign * old_vectors[j]
        carried += 1
    return out, carried


def codes_from_paths(codes: Sequence[Sequence[int]],
                     points: Sequence[Sequence[int]]) -> HuffmanCodes:
    """A :class:`~fastw2v.kernels.huffman.HuffmanCodes` from per-word code and point lists (as
    gensim stores them in ``wv``'s ``code`` and ``point`` attributes; the same numbering)."""
    lengths = np.array([len(c) for c in codes], dtype=np.int64)
    offsets = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat_codes = np.concatenate([np.asarray(c, dtype=np.uint8) for c in codes] or
                                [np.zeros(0, np.uint8)]).astype(np.uint8)
    flat_points = np.concatenate([np.asarray(p, dtype=np.int64) for p in points] or
                                 [np.zeros(0, np.int64)]).astype(np.int32)
    return HuffmanCodes(codes=flat_codes, points=flat_points, offsets=offsets)
