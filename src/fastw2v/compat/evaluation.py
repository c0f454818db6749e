"""gensim's ``evaluate_word_analogies`` and ``evaluate_word_pairs``: its rules and result shapes.

These are the evaluations gensim users already have numbers from, so they follow gensim 4's
conventions exactly, which differ from fastw2v's own report (:mod:`fastw2v.analysis.evaluate`:
the 30,000 most frequent words, top-1 answer, accuracy over the questions seen):

* **analogies**: questions are answered among the first ``restrict_vocab`` words (300,000 by
  default); the answer is the first of the 5 best candidates whose (case-folded) form is none of
  the question's words; with ``case_insensitive`` words are upper-cased (one rule for fastw2v:
  :func:`fastw2v.analysis.words.fold_case`) and each folded form stands for its most frequent
  spelling. The result is ``(score, sections)``: a list of ``{"section", "correct",
  "incorrect"}`` dicts with the question tuples (upper-cased when case-insensitive), in file
  order, ending with a ``"Total accuracy"`` section. Questions with a word outside the vocabulary
  are skipped, or counted as incorrect with ``dummy4unknown``.
* **word pairs**: ``(pearson, spearman, oov_ratio)``: two ``(statistic, pvalue)`` results (the
  p-values of the two-sided t-test scipy computes) and the share of pairs with an unknown word,
  in percent.

Speed: the candidates of many questions are scored with one matrix product (blocks of
:data:`QUESTION_BLOCK` questions); a question whose best candidates are closer than
:data:`TIE_TOLERANCE` -- where the summation order of a matrix product could swap them -- is
scored again alone, with gensim's exact arithmetic, so the answers are gensim's.
"""
from __future__ import annotations

import logging
import math
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from ..analysis.evaluate import pearson as _pearson
from ..analysis.evaluate import spearman as _spearman
from ..analysis.words import fold_case
from ..base.paths import PathLike

logger = logging.getLogger("fastw2v")

#: Questions scored by one matrix product (bounds the ``block x vocab`` score matrix: 64 MB for
#: 256 questions over 65,000 words).
QUESTION_BLOCK = 256
#: Candidates gensim looks at per question.
ANALOGY_TOPN = 5
#: Scores closer than this (relative) may be ordered differently by a matrix product than by
#: gensim's one-query product; such questions are scored again alone.
TIE_TOLERANCE = 1e-5
#: gensim's section of all questions.
TOTAL_SECTION = "Total accuracy"
#: gensim's constant in 3CosMul's denominator.
COSMUL_EPSILON = 1e-6

__all__ = ["PearsonResult", "SpearmanResult", "evaluate_word_analogies", "evaluate_word_pairs",
           "t_test_pvalue"]


class PearsonResult(NamedTuple):
    """Pearson correlation and its two-sided p-value (unpacks like scipy's result)."""

    statistic: float
    pvalue: float


class SpearmanResult(NamedTuple):
    """Spearman correlation and its two-sided p-value (unpacks like scipy's result)."""

    statistic: float
    pvalue: float

    @property
    def correlation(self) -> float:
        """The correlation (scipy's older name for :attr:`statistic`)."""
        return self.statistic


# --------------------------------------------------------------------------------------------- #
# vocabulary
# --------------------------------------------------------------------------------------------- #
def _ok_vocab(kv: Any, restrict_vocab: int, case_insensitive: bool) -> Dict[str, int]:
    """Key (folded when case-insensitive) -> row, among the first ``restrict_vocab`` rows; a
    folded form stands for its most frequent (first) spelling."""
    ok_keys = kv.index_to_key[:restrict_vocab]
    if case_insensitive:
        return {fold_case(k): i for i, k in reversed(list(enumerate(ok_keys)))}
    return {k: i for i, k in enumerate(ok_keys)}


# --------------------------------------------------------------------------------------------- #
# analogies
# --------------------------------------------------------------------------------------------- #
def evaluate_word_analogies(kv: Any, analogies: PathLike, restrict_vocab: int = 300000,
                            case_insensitive: bool = True, dummy4unknown: bool = False,
                            similarity_function: str = "most_similar"):
    """gensim's analogy evaluation of a :class:`~fastw2v.compat.keyedvectors.KeyedVectors`.

    Parameters
    ----------
    kv : KeyedVectors
    analogies : str or path
        ``: section`` lines and ``a b c d`` questions (``questions-words.txt``).
    restrict_vocab : int
        Only the first words are question words and candidates (default 300,000).
    case_insensitive : bool
        Compare upper-cased words (default).
    dummy4unknown : bool
        Count questions with an unknown word as incorrect (and in the score) instead of skipping
        them.
    similarity_function : {"most_similar", "most_similar_cosmul"}
        3CosAdd (default) or 3CosMul, answered as :meth:`KeyedVectors.most_similar_cosmul` ranks
        (like gensim's, every row whatever ``restrict_vocab``; an answer outside it is skipped).
        gensim 4.4 documents this argument but ignores it (it always uses 3CosAdd); fastw2v does
        what the documentation says, so only with "most_similar_cosmul" may the two differ.

    Returns
    -------
    (float, list of dict)
        The accuracy and the sections (see the module docstring).

    Raises
    ------
    ValueError
        A question comes before any section header, or ``similarity_function`` is unknown.
    """
    if similarity_function not in ("most_similar", "most_similar_cosmul"):
        raise ValueError(f"similarity_function must be 'most_similar' or "
                         f"'most_similar_cosmul', got {similarity_function!r}")
    ok_vocab = _ok_vocab(kv, restrict_vocab, case_insensitive)
    sections: List[Dict[str, Any]] = []
    entries: List[Tuple[Dict[str, Any], Tuple[str, ...], bool]] = []  # section, question, known
    quadruplets_no = 0
    oov = 0
    with open(analogies, "rb") as fin:
        section = None
        for line_no, raw in enumerate(fin):
            line = raw.decode("utf-8")
            if line.startswith(": "):
                section = {"section": line.lstrip(": ").strip(), "correct": [], "incorrect": []}
                sections.append(section)
                continue
            if section is None:
                raise ValueError(f"Missing section header before line #{line_no} in "
                                 f"{analogies}")
            words = line.split()
            if len(words) != 4:
                logger.info("Skipping invalid line #%i in %s", line_no, analogies)
                continue
            question = tuple(fold_case(w) for w in words) if case_insensitive else tuple(words)
            quadruplets_no += 1
            known = all(w in ok_vocab for w in question)
            oov += not known
            entries.append((section, question, known))
    asked = [q for _, q, known in entries if known]
    answers = _answer(kv, ok_vocab, asked, restrict_vocab, case_insensitive,
                      similarity_function == "most_similar_cosmul")
    it = iter(answers)
    for section, question, known in entries:
        if not known:
            if dummy4unknown:
                section["incorrect"].append(question)
            continue
        section["correct" if next(it) == question[3] else "incorrect"].append(question)
    total = {"section": TOTAL_SECTION,
             "correct": [q for s in sections for q in s["correct"]],
             "incorrect": [q for s in sections for q in s["incorrect"]]}
    n_correct, n_incorrect = len(total["correct"]), len(total["incorrect"])
    if quadruplets_no:
        logger.info("Quadruplets with out-of-vocabulary words: %.1f%%",
                    100.0 * oov / quadruplets_no)
    if dummy4unknown:
        score = n_correct / quadruplets_no if quadruplets_no else 0.0
    else:
        score = n_correct / (n_correct + n_incorrect) if n_correct + n_incorrect else 0.0
    logger.info("%s: %.1f%% (%d/%d)", TOTAL_SECTION, 100.0 * score, n_correct,
                n_correct + n_incorrect)
    sections.append(total)
    return score, sections


def _answer(kv: Any, ok_vocab: Dict[str, int], questions: List[Tuple[str, ...]],
            restrict_vocab: int, case_insensitive: bool, cosmul: bool) -> List[Optional[str]]:
    """The (folded) answer gensim gives to each question."""
    out: List[Optional[str]] = []
    if not questions:
        return out
    vectors, norms = kv.vectors, kv.norms
    limit = len(vectors) if cosmul else min(restrict_vocab, len(vectors))
    cand = vectors[:limit]
    cand_norms = norms[:limit]
    words = kv.index_to_key
    fold = fold_case if case_insensitive else (lambda w: w)
    rows = np.array([[ok_vocab[q[1]], ok_vocab[q[2]], ok_vocab[q[0]]] for q in questions],
                    dtype=np.int64)  # b, c, a: gensim's order (positive, then negative)
    for start in range(0, len(questions), QUESTION_BLOCK):
        block = rows[start:start + QUESTION_BLOCK]
        if cosmul:
            scores = _cosmul_scores(kv, cand, cand_norms, block)
        else:
            means = np.stack([_mean(kv, r) for r in block])
            scores = (means @ cand.T) / cand_norms  # one contiguous row per question
        for j, r in enumerate(block):
            col = scores[j]
            order = _top(col, r, ANALOGY_TOPN + 1)
            if _has_near_tie(col[order]):
                col = _exact_scores(kv, cand, cand_norms, r, cosmul)
                order = _top(col, r, ANALOGY_TOPN + 1)
            q = questions[start + j]
            ignore = {q[0], q[1], q[2]}
            predicted = None
            for i in order[:ANALOGY_TOPN]:
                predicted = fold(words[i])
                if predicted in ok_vocab and predicted not in ignore:
                    break
            out.append(predicted)
    return out


def _mean(kv: Any, r: np.ndarray) -> np.ndarray:
    """gensim's query of ``b + c - a`` (rows ``r = (b, c, a)``): the normalised weighted mean
    of the unit vectors."""
    return kv.get_mean_vector([int(r[0]), int(r[1]), int(r[2])], np.array([1.0, 1.0, -1.0]),
                              pre_normalize=True, post_normalize=True, ignore_missing=False)


def _cosmul_scores(kv: Any, cand: np.ndarray, cand_norms: np.ndarray,
                   block: np.ndarray) -> np.ndarray:
    uniq, inverse = np.unique(block, return_inverse=True)
    inverse = inverse.reshape(block.shape)
    units = np.stack([kv.get_vector(int(u), norm=True) for u in uniq])
    shifted = (1 + (units @ cand.T) / cand_norms) / 2
    pos = shifted[inverse[:, 0]] * shifted[inverse[:, 1]]
    return pos / (shifted[inverse[:, 2]] + COSMUL_EPSILON)


def _exact_scores(kv: Any, cand: np.ndarray, cand_norms: np.ndarray, r: np.ndarray,
                  cosmul: bool) -> np.ndarray:
    """One question's scores with gensim's arithmetic (one matrix-vector product per term)."""
    if not cosmul:
        return np.dot(cand, _mean(kv, r)) / cand_norms
    pos = [(1 + np.dot(cand, kv.get_vector(int(x), norm=True)) / cand_norms) / 2 for x in r[:2]]
    neg = [(1 + np.dot(cand, kv.get_vector(int(r[2]), norm=True)) / cand_norms) / 2]
    return np.prod(pos, axis=0) / (np.prod(neg, axis=0) + COSMUL_EPSILON)


def _top(col: np.ndarray, exclude: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best rows of ``col`` leaving out ``exclude``, best first (ties: row order)."""
    col = col.copy()
    col[exclude[exclude < len(col)]] = -np.inf
    k = min(k, len(col))
    part = np.argpartition(-col, k - 1)[:k] if k < len(col) else np.arange(len(col))
    order = part[np.lexsort((part, -col[part]))]
    return order[np.isfinite(col[order])]


def _has_near_tie(best: np.ndarray) -> bool:
    if best.size < 2:
        return False
    gaps = best[:-1] - best[1:]
    return bool(np.any(gaps <= TIE_TOLERANCE * np.maximum(1.0, np.abs(best[:-1]))))


# --------------------------------------------------------------------------------------------- #
# word pairs
# --------------------------------------------------------------------------------------------- #
def evaluate_word_pairs(kv: Any, pairs: PathLike, delimiter: str = "\t", encoding: str = "utf8",
                        restrict_vocab: int = 300000, case_insensitive: bool = True,
                        dummy4unknown: bool = False):
    """gensim's word-pair evaluation (WordSim-353 and the like).

    Lines are ``word1<delimiter>word2<delimiter>score``; ``#`` lines are comments, other lines that
    do not parse are skipped. A pair with a word outside the first ``restrict_vocab`` words is
    out of vocabulary: skipped, or scored 0 with ``dummy4unknown``.

    Returns
    -------
    (PearsonResult, SpearmanResult, float)
        The correlations with their p-values, and the out-of-vocabulary pairs in percent.
    """
    ok_vocab = _ok_vocab(kv, restrict_vocab, case_insensitive)
    gold: List[float] = []
    model: List[float] = []
    oov = 0
    with open(pairs, "rb") as fin:
        for line_no, raw in enumerate(fin):
            line = raw.decode(encoding)
            if not line or line.startswith("#"):
                continue
            try:
                parts = line.split(delimiter)
                if case_insensitive:
                    parts = [fold_case(p) for p in parts]
                a, b, sim_text = parts
                sim = float(sim_text)
            except (ValueError, TypeError):
                logger.info("Skipping invalid line #%d in %s", line_no, pairs)
                continue
            if a not in ok_vocab or b not in ok_vocab:
                oov += 1
                if dummy4unknown:
                    model.append(0.0)
                    gold.append(sim)
                continue
            gold.append(sim)
            model.append(float(kv.similarity(ok_vocab[a], ok_vocab[b])))
    n = len(gold)
    r_p = _pearson(gold, model) if n >= 2 else float("nan")
    r_s = _spearman(gold, model) if n >= 2 else float("nan")
    denominator = n if dummy4unknown else n + oov
    oov_ratio = float(oov) / denominator * 100 if denominator else float("nan")
    result = (PearsonResult(r_p, t_test_pvalue(r_p, n)),
              SpearmanResult(r_s, t_test_pvalue(r_s, n)), oov_ratio)
    logger.info("Pearson correlation coefficient against %s: %.4f", pairs, r_p)
    logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs, r_s)
    logger.info("Pairs with unknown words ratio: %.1f%%", oov_ratio)
    return result


# --------------------------------------------------------------------------------------------- #
# p-values
# --------------------------------------------------------------------------------------------- #
#: Continued-fraction iterations and tolerance of the incomplete beta function.
_BETA_MAX_ITER = 300
_BETA_EPS = 1e-15
_BETA_TINY = 1e-300


def t_test_pvalue(r: float, n: int) -> float:
    """Two-sided p-value of a correlation ``r`` over ``n`` pairs under the null hypothesis of no
    correlation: Student's t with ``n - 2`` degrees of freedom, ``t = r sqrt((n-2)/(1-r^2))``
    (what scipy's ``pearsonr`` and ``spearmanr`` report). NaN for NaN ``r`` or ``n < 2``."""
    if not math.isfinite(r) or n < 2:
        return float("nan")
    if n == 2:
        return 1.0
    df = n - 2
    x = max(0.0, 1.0 - r * r)  # = df / (df + t^2)
    if x == 0.0:
        return 0.0
    return min(1.0, _regularized_beta(x, df / 2.0, 0.5))


def _regularized_beta(x: float, a: float, b: float) -> float:
    """The regularized incomplete beta function ``I_x(a, b)`` (continued fraction, evaluated
    by the modified Lentz method on the side of ``x`` where it converges fast)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(1.0 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of the incomplete beta function (terms d_1, d_2, ...)."""
    f = 1.0
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _BETA_TINY else _BETA_TINY)
    f = d
    for m in range(1, _BETA_MAX_ITER + 1):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _BETA_TINY else _BETA_TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _BETA_TINY else _BETA_TINY
            delta = c * d
            f *= delta
        if abs(delta - 1.0) < _BETA_EPS:
            break
    return f
