"""The one implementation of the similarity-query machinery: norms, unit vectors, top-k selection.

:class:`fastw2v.vectors.embeddings.Embeddings` (fastw2v's own queries) and
:class:`fastw2v.compat.keyedvectors.KeyedVectors` (gensim's) both rank with :func:`best_rows` and
normalise with :func:`row_norms` / :func:`unit_rows`; they differ only in how a query's scores are
formed, which each documents.
"""
from __future__ import annotations

from typing import Iterable, Optional

import numpy as np

from ..base.validate import check_int

__all__ = ["best_rows", "row_norms", "unit_rows", "unit_vector"]


def row_norms(vectors: np.ndarray) -> np.ndarray:
    """Euclidean length of every row, in the vectors' own precision (``np.linalg.norm``)."""
    return np.linalg.norm(vectors, axis=1)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows of ``vectors`` scaled to unit length, as float32; zero rows stay zero (no NaN).

    The norms are accumulated in float64, so the result does not depend on the summation order of
    a float32 reduction.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64))
    norms[norms == 0.0] = 1.0
    return (vectors / norms[:, None]).astype(np.float32, copy=False)


def unit_vector(vec: np.ndarray, *, divide_in_float64: bool = False) -> np.ndarray:
    """``vec`` scaled to unit length (its norm in float64), in ``vec``'s float type; a zero
    vector is returned unchanged.

    ``divide_in_float64``: divide the float64 values and round the quotients once to ``vec``'s
    type (what gensim's ``matutils.unitvec`` computes, bit for bit); by default a float32 vector
    is divided in float32.
    """
    vec = np.asarray(vec)
    v64 = vec.astype(np.float64)
    norm = float(np.sqrt(np.dot(v64, v64)))
    dtype = vec.dtype if np.issubdtype(vec.dtype, np.floating) else np.float64
    if norm <= 0.0:
        return vec.astype(dtype, copy=False)
    return ((v64 if divide_in_float64 else vec) / norm).astype(dtype, copy=False)


def best_rows(scores: np.ndarray, topn: Optional[int], exclude: Iterable[int] = ()) -> np.ndarray:
    """Indices of the ``topn`` highest ``scores``, best first, leaving out the rows ``exclude``.

    Equal scores come in row order. ``topn=None`` ranks every row that is not excluded. The
    selection is ``O(n)`` (``argpartition``) plus a sort of the candidates, so asking for 10 of a
    million rows does not sort the million.

    Parameters
    ----------
    scores : 1-d float array
        One score per row; not modified.
    topn : int or None
        How many rows to return (>= 0).
    exclude : iterable of int
        Rows never returned (indices outside ``scores`` are ignored).
    """
    topn = check_int("topn", topn, 0, allow_none=True)
    n = scores.shape[0]
    excluded = sorted({int(r) for r in exclude if 0 <= int(r) < n})
    if excluded:
        scores = scores.copy()
        scores[excluded] = -np.inf
    k = n - len(excluded) if topn is None else min(topn, n - len(excluded))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k < n:
        part = np.argpartition(-scores, k - 1)[:k]
        # argpartition breaks ties at the boundary arbitrarily: keep every tied candidate
        cand = np.flatnonzero(scores >= scores[part].min())
    else:
        cand = np.arange(n)
    # best first; equal scores in row order
    return cand[np.lexsort((cand, -scores[cand]))][:k]
