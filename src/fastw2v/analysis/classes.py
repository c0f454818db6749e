"""Word classes: k-means over trained vectors, as word2vec.c's ``-classes K`` computes them.

word2vec.c's ``-classes K`` writes, instead of the vectors, one ``word class`` line per vocabulary
word (classes ``0..K-1``, words in vocabulary order), after a spherical k-means that starts from
the round-robin assignment ``class(w) = w mod K`` and runs 10 iterations of:

1. each centroid is the mean of its words' vectors, scaled to unit length;
2. each word joins the class whose centroid has the largest dot product with its (unscaled)
   vector.

:func:`word_classes` does exactly this, vectorised: no random start, so the same vectors always
give the same classes. A class that loses all its words stays empty (word2vec.c's centroid
becomes NaN and is never chosen again); ties go to the lowest class number.
"""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from ..base.paths import PathLike
from ..base.validate import check_int
from ..base.vocabfile import write_vocab_file
from ..vectors.embeddings import Embeddings

#: word2vec.c's number of k-means iterations for ``-classes``.
KMEANS_ITERATIONS = 10

#: Words scored against all centroids at once: bounds the ``rows x K`` score matrix (8192 x 1000
#: float32 is 32 MB) whatever the vocabulary size.
_SCORE_ROWS = 8192


def word_classes(vectors: Union[Embeddings, np.ndarray], k: int,
                 iterations: int = KMEANS_ITERATIONS) -> np.ndarray:
    """Cluster word vectors into ``k`` classes with word2vec.c's k-means (module docstring).

    Parameters
    ----------
    vectors : Embeddings or array of shape (V, D)
        The word vectors, one row per word.
    k : int
        Number of classes, >= 1.
    iterations : int
        k-means iterations, >= 1 (word2vec.c: 10).

    Returns
    -------
    numpy.ndarray of int64, shape (V,)
        The class of every word, in ``0..k-1``.
    """
    k = check_int("k", k, 1)
    iterations = check_int("iterations", iterations, 1)
    x = np.asarray(vectors.vectors if isinstance(vectors, Embeddings) else vectors,
                   dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {x.shape}")
    n = x.shape[0]
    labels = np.arange(n, dtype=np.int64) % k
    for _ in range(iterations):
        sums = np.zeros((k, x.shape[1]), dtype=np.float64)
        np.add.at(sums, labels, x)
        norms = np.linalg.norm(sums, axis=1)  # the mean's direction is the sum's
        usable = norms > 0
        centroids = np.zeros_like(sums, dtype=np.float32)
        centroids[usable] = sums[usable] / norms[usable, None]
        for start in range(0, n, _SCORE_ROWS):
            scores = x[start:start + _SCORE_ROWS] @ centroids.T
            scores[:, ~usable] = -np.inf
            labels[start:start + _SCORE_ROWS] = np.argmax(scores, axis=1)
    return labels


def write_classes(path: PathLike, words: Sequence[str], classes: np.ndarray) -> None:
    """Write ``word class`` lines (word2vec.c's ``-classes`` output) atomically to ``path``."""
    classes = np.asarray(classes)
    if len(words) != len(classes):
        raise ValueError(f"{len(words)} words but {len(classes)} classes")
    write_vocab_file(path, list(words), classes.tolist(), sep=" ")
