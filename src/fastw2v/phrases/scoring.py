"""Scoring word pairs: word2vec.c's word2phrase score and gensim's normalised PMI.

For a pair ``a b`` counted ``n_ab`` times, its words ``n_a`` and ``n_b`` times, in a corpus of
``N`` tokens:

* ``default`` (word2phrase, Mikolov et al. 2013)::

      score = (n_ab - min_count) * N / (n_a * n_b)

  a pair is a phrase when ``score > threshold`` (word2phrase's default threshold: 100). It is
  word2phrase's formula with its ``N`` = all words of the training file (gensim's
  ``original_scorer`` uses the vocabulary size there instead, so its thresholds differ).
* ``npmi`` (normalised pointwise mutual information, Bouma 2009; gensim's ``scoring="npmi"``)::

      p_x = n_x / N,   score = log(p_ab / (p_a p_b)) / -log(p_ab)     in [-1, 1]

  1 for words that only ever occur together; thresholds are in ``[-1, 1]`` (default here: 0.5).

Either way a pair is a candidate only when ``n_a``, ``n_b`` and ``n_ab`` are all at least
``min_count`` (word2phrase treats rarer words as unknown).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..base.validate import check_choice, check_float

SCORINGS = ("default", "npmi")

#: Default threshold of each scoring: word2phrase's 100, and the middle of npmi's (0, 1] range of
#: positive association.
DEFAULT_THRESHOLDS = {"default": 100.0, "npmi": 0.5}


def check_threshold(scoring: str, threshold: Optional[float]) -> float:
    """The threshold for ``scoring`` (its default when None), checked for the scoring's range."""
    scoring = check_choice("scoring", scoring, SCORINGS)
    if threshold is None:
        return DEFAULT_THRESHOLDS[scoring]
    if scoring == "npmi":
        return check_float("threshold", threshold, -1.0, 1.0)
    return check_float("threshold", threshold, 0.0, None)


def score_pairs(pair_counts: np.ndarray, first_counts: np.ndarray, second_counts: np.ndarray,
                n_tokens: int, min_count: int, scoring: str) -> np.ndarray:
    """The score of every pair (float64); ``-inf`` for a pair that is not a candidate."""
    scoring = check_choice("scoring", scoring, SCORINGS)
    n_ab = pair_counts.astype(np.float64)
    n_a = first_counts.astype(np.float64)
    n_b = second_counts.astype(np.float64)
    candidate = (pair_counts >= min_count) & (first_counts >= min_count) \
        & (second_counts >= min_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        if scoring == "default":
            score = (n_ab - min_count) * float(n_tokens) / (n_a * n_b)
        else:
            p_ab = n_ab / n_tokens
            score = np.log(p_ab / ((n_a / n_tokens) * (n_b / n_tokens))) / -np.log(p_ab)
            # a pair that is the whole corpus (p_ab = 1) is as associated as can be
            score = np.where(p_ab >= 1.0, 1.0, score)
    return np.where(candidate, score, -np.inf)
