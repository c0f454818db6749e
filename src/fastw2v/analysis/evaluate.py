"""Intrinsic evaluation of word vectors: analogies (3CosAdd, 3CosMul) and word-pair similarity.

Conventions follow word2vec.c's ``compute-accuracy`` and gensim's ``evaluate_word_analogies`` /
``evaluate_word_pairs``:

* Analogy questions ``a b c d`` ("a is to b as c is to d") are answered with the vocabulary word
  ``x`` that maximizes

  - **3CosAdd** (Mikolov et al. 2013): ``cos(x, b) - cos(x, a) + cos(x, c)``, i.e. the word whose
    unit vector is closest to ``unit(b) - unit(a) + unit(c)``;
  - **3CosMul** (Levy & Goldberg 2014, eq. 4): ``cos'(x, b) * cos'(x, c) / (cos'(x, a) + eps)``
    with cosines shifted to [0, 1], ``cos' = (cos + 1) / 2``, and ``eps = 1e-3``;

  never ``a``, ``b`` or ``c``. Only the first ``restrict_vocab`` words of the vocabulary (the most
  frequent ones) are used, as candidates and as question words; a question with any word outside
  them is *skipped* and does not count in the accuracy.
* Case-insensitive matching upper-cases words; when several vocabulary words fold to the same key,
  the most frequent (first) one represents it, and every case variant of a question word is
  excluded from the answers.
* In the Google set (``questions-words.txt``) the sections whose names start with ``gram`` are the
  *syntactic* ones, the others *semantic*; :class:`AnalogyResult` reports both subtotals.
* Word pairs are scored by the Spearman rank correlation (average ranks for ties) and the Pearson
  correlation between human scores and cosine similarities over the pairs whose two words are in
  the vocabulary.
"""
from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import (Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple)

import numpy as np

from ..base.paths import PathLike
from ..base.jsonutil import jsonable
from ..base.validate import check_int, check_positive_number
from ..vectors.embeddings import Embeddings
from .words import fold_case

logger = logging.getLogger("fastw2v")

ANALOGIES_FILE = "questions-words.txt"
WORD_PAIRS_FILE = "wordsim353.tsv"
#: Where the copies of the standard sets installed with the package live (``data/NOTICE`` there
#: gives their sources, licences and citations).
PACKAGED_DATA = Path(__file__).resolve().parent / "data"
#: The analogy methods, in the order reports list them.
ANALOGY_METHODS = ("3cosadd", "3cosmul")
#: Display names of the analogy methods.
METHOD_NAMES = {"3cosadd": "3CosAdd", "3cosmul": "3CosMul"}
#: Levy & Goldberg's epsilon in the denominator of 3CosMul.
COSMUL_EPSILON = 1e-3
#: Section names starting with this prefix are syntactic (the Google set's convention).
SYNTACTIC_PREFIX = "gram"
#: Upper bound on the number of similarities (question words x candidates) held at once.
_MAX_BLOCK_SIMS = 1 << 22
#: Upper bound on the number of scores (questions x candidates) in one step (cache-sized).
_MAX_BLOCK_SCORES = 1 << 18
_NO_SECTION = "(no section)"

__all__ = [
    "ANALOGY_METHODS",
    "AnalogyResult",
    "PairsResult",
    "EvalFiles",
    "answer_analogies",
    "evaluate_analogies",
    "evaluate_analogy_methods",
    "evaluate_word_pairs",
    "is_syntactic_section",
    "read_analogy_file",
    "standard_eval_files",
    "spearman",
    "pearson",
    "rankdata",
]


def is_syntactic_section(name: str) -> bool:
    """Whether an analogy section is syntactic: its name starts with ``gram`` (Google set)."""
    return name.strip().lower().startswith(SYNTACTIC_PREFIX)


@dataclass
class AnalogyResult:
    """Outcome of :func:`evaluate_analogies`.

    Attributes
    ----------
    accuracy : float
        ``correct / seen`` (0.0 when no question was seen, as gensim reports it).
    correct : int
        Questions answered correctly.
    seen : int
        Questions whose four words are all within the restricted vocabulary.
    skipped : int
        Questions with a word outside the restricted vocabulary.
    sections : dict
        section name -> ``(correct, seen)``, in file order (sections with nothing seen included).
    restrict_vocab : int
        Number of vocabulary words actually used (``min(restrict_vocab, len(emb))``).
    invalid : int
        Malformed lines (not four words), ignored with a warning.
    method : str
        ``"3cosadd"`` or ``"3cosmul"``.
    section_skipped : dict
        section name -> questions skipped in it.
    path : str or None
        The questions file.
    """

    accuracy: float
    correct: int
    seen: int
    skipped: int
    sections: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    restrict_vocab: int = 0
    invalid: int = 0
    method: str = "3cosadd"
    section_skipped: Dict[str, int] = field(default_factory=dict)
    path: Optional[str] = None

    @property
    def total(self) -> int:
        """Questions read (seen + skipped)."""
        return self.seen + self.skipped

    def section_accuracy(self) -> Dict[str, float]:
        """section name -> accuracy (NaN for a section where nothing was seen)."""
        return {name: (c / s if s else float("nan")) for name, (c, s) in self.sections.items()}

    def _subtotal(self, syntactic: bool) -> Tuple[int, int]:
        c = s = 0
        for name, (sc, ss) in self.sections.items():
            if is_syntactic_section(name) == syntactic:
                c += sc
                s += ss
        return c, s

    @property
    def semantic(self) -> Tuple[int, int]:
        """``(correct, seen)`` over the semantic sections (names not starting with ``gram``)."""
        return self._subtotal(False)

    @property
    def syntactic(self) -> Tuple[int, int]:
        """``(correct, seen)`` over the syntactic sections (names starting with ``gram``)."""
        return self._subtotal(True)

    @property
    def semantic_accuracy(self) -> float:
        """Accuracy over the semantic sections (NaN when none was seen)."""
        c, s = self.semantic
        return c / s if s else float("nan")

    @property
    def syntactic_accuracy(self) -> float:
        """Accuracy over the syntactic sections (NaN when none was seen)."""
        c, s = self.syntactic
        return c / s if s else float("nan")

    @property
    def has_syntactic_sections(self) -> bool:
        """Whether the file has both kinds of sections, so that the split means something."""
        kinds = {is_syntactic_section(name) for name in self.sections}
        return kinds == {True, False}

    def to_dict(self) -> dict:
        """A JSON-friendly dict (sections as ``[correct, seen]`` lists, subtotals added)."""
        d = asdict(self)
        d["sections"] = {k: list(v) for k, v in self.sections.items()}
        d["semantic"] = list(self.semantic)
        d["syntactic"] = list(self.syntactic)
        d["semantic_accuracy"] = jsonable(self.semantic_accuracy)
        d["syntactic_accuracy"] = jsonable(self.syntactic_accuracy)
        return d


@dataclass
class PairsResult:
    """Outcome of :func:`evaluate_word_pairs`.

    Attributes
    ----------
    spearman : float
        Spearman rank correlation (NaN with fewer than 2 pairs or constant scores).
    pearson : float
        Pearson correlation of the raw scores (NaN likewise).
    n_pairs : int
        Pairs scored (both words in the vocabulary).
    n_oov : int
        Pairs with a word outside the vocabulary (not scored).
    oov_ratio : float
        ``n_oov / (n_pairs + n_oov)`` as a fraction in [0, 1] (gensim reports it in percent).
    invalid : int
        Malformed lines, ignored with a warning.
    path : str or None
        The pairs file.
    """

    spearman: float
    pearson: float
    n_pairs: int
    n_oov: int
    oov_ratio: float
    invalid: int = 0
    path: Optional[str] = None

    def to_dict(self) -> dict:
        """A JSON-friendly dict (NaN correlations as None)."""
        d = asdict(self)
        d["spearman"] = jsonable(self.spearman)
        d["pearson"] = jsonable(self.pearson)
        return d


class EvalFiles(NamedTuple):
    """Paths of the standard evaluation files; None for one that was not found."""

    analogies: Optional[Path]
    word_pairs: Optional[Path]


# --------------------------------------------------------------------------------------------- #
# vocabulary folding
# --------------------------------------------------------------------------------------------- #
def _key_function(case_insensitive: bool) -> Callable[[str], str]:
    return fold_case if case_insensitive else (lambda w: w)


def _restricted_vocab(emb: Embeddings, limit: int, key: Callable[[str], str]):
    """key -> representative row (the first row with that key) and each row's representative."""
    lookup: Dict[str, int] = {}
    rep = np.empty(limit, dtype=np.int64)
    for i, w in enumerate(emb.words[:limit]):
        rep[i] = lookup.setdefault(key(w), i)
    return lookup, rep


def _resolve_limit(emb: Embeddings, restrict_vocab: Optional[int]) -> int:
    limit = check_int("restrict_vocab", restrict_vocab, 0, allow_none=True)
    return len(emb) if limit is None else min(limit, len(emb))


def _check_methods(methods: Iterable[str]) -> Tuple[str, ...]:
    if isinstance(methods, str):
        methods = (methods,)
    out: List[str] = []
    for m in methods:
        name = str(m).lower()
        if name not in ANALOGY_METHODS:
            raise ValueError(f"unknown analogy method {m!r}; choose from "
                             f"{', '.join(ANALOGY_METHODS)}")
        if name not in out:
            out.append(name)
    if not out:
        raise ValueError("no analogy method given")
    return tuple(out)


# --------------------------------------------------------------------------------------------- #
# analogies
# --------------------------------------------------------------------------------------------- #
def read_analogy_file(
        path: PathLike) -> Tuple[List[str], List[Tuple[int, int, Tuple[str, ...]]], int]:
    """Parse a questions file: ``: section`` headers and ``a b c d`` lines.

    Returns
    -------
    sections : list of str
        Section names in file order.
    questions : list of (section index, line number, (a, b, c, d))
    invalid : int
        Lines that are not four words (ignored with a warning).
    """
    sections: List[str] = []
    questions: List[Tuple[int, int, Tuple[str, ...]]] = []
    invalid = 0
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                sections.append(line[1:].strip())
                continue
            parts = line.split()
            if len(parts) != 4:
                invalid += 1
                logger.warning("%s:%d: expected 4 words, got %r; line ignored", path, lineno, line)
                continue
            if not sections:
                sections.append(_NO_SECTION)
            questions.append((len(sections) - 1, lineno, tuple(parts)))
    return sections, questions, invalid


def evaluate_analogies(emb: Embeddings, path: PathLike, restrict_vocab: Optional[int] = 30000,
                       case_insensitive: bool = True, method: str = "3cosadd",
                       epsilon: float = COSMUL_EPSILON) -> AnalogyResult:
    """Accuracy on an analogy questions file (Google ``questions-words.txt`` format).

    Parameters
    ----------
    emb : Embeddings
        Vectors whose vocabulary is sorted by descending frequency.
    path : str or os.PathLike
        Questions file: ``: section`` header lines and ``a b c d`` question lines.
    restrict_vocab : int or None
        Use only the first ``restrict_vocab`` words (default 30000, word2vec.c's convention);
        None uses all.
    case_insensitive : bool
        Compare words upper-cased (default, as gensim does).
    method : {"3cosadd", "3cosmul"}
        How answers are chosen (see the module docstring).
    epsilon : float
        3CosMul's denominator offset (default 1e-3, Levy & Goldberg's; gensim uses 1e-6).

    Returns
    -------
    AnalogyResult

    Notes
    -----
    The cosines between the distinct question words and the candidates are computed with matrix
    products in blocks (float32) and each question's score is assembled from them, so the 19,544
    Google questions against 30,000 words take a few seconds, with both methods.
    See :func:`evaluate_analogy_methods` to score several methods in one pass.
    """
    return evaluate_analogy_methods(emb, path, restrict_vocab=restrict_vocab,
                                    case_insensitive=case_insensitive, methods=(method,),
                                    epsilon=epsilon)[_check_methods(method)[0]]


def evaluate_analogy_methods(emb: Embeddings, path: PathLike,
                             restrict_vocab: Optional[int] = 30000, case_insensitive: bool = True,
                             methods: Sequence[str] = ANALOGY_METHODS,
                             epsilon: float = COSMUL_EPSILON) -> Dict[str, AnalogyResult]:
    """:func:`evaluate_analogies` with several methods at once, sharing the cosine computations.

    Returns
    -------
    dict
        method name (``"3cosadd"``, ``"3cosmul"``) -> :class:`AnalogyResult`, in the order given.
    """
    methods = _check_methods(methods)
    epsilon = check_positive_number("epsilon", epsilon)
    limit = _resolve_limit(emb, restrict_vocab)
    key = _key_function(case_insensitive)
    section_names, questions, invalid = read_analogy_file(path)
    lookup, rep = _restricted_vocab(emb, limit, key)

    q_rows: List[Tuple[int, int, int, int]] = []
    q_section: List[int] = []
    skipped_by_sec = np.zeros(len(section_names), dtype=np.int64)
    for sec, _, words in questions:
        rows = [lookup.get(key(w)) for w in words]
        if any(r is None for r in rows):
            skipped_by_sec[sec] += 1
            continue
        q_rows.append(tuple(rows))  # type: ignore[arg-type]
        q_section.append(sec)

    n_sec = len(section_names)
    q = np.asarray(q_rows, dtype=np.int64).reshape(-1, 4)
    secs = np.asarray(q_section, dtype=np.int64)
    seen_by_sec = np.bincount(secs, minlength=n_sec).astype(np.int64)
    predicted = _predict(emb.unit_vectors[:limit], rep, q[:, :3], methods, epsilon)

    results: Dict[str, AnalogyResult] = {}
    for m in methods:
        pred = predicted[m]
        hits = (pred >= 0) & (rep[np.maximum(pred, 0)] == q[:, 3]) if len(q) else \
            np.zeros(0, dtype=bool)
        correct_by_sec = np.bincount(secs, weights=hits, minlength=n_sec).astype(np.int64)
        sections: Dict[str, Tuple[int, int]] = {}
        section_skipped: Dict[str, int] = {}
        for i, name in enumerate(section_names):
            c, s = sections.get(name, (0, 0))  # a repeated header name merges
            sections[name] = (c + int(correct_by_sec[i]), s + int(seen_by_sec[i]))
            section_skipped[name] = section_skipped.get(name, 0) + int(skipped_by_sec[i])
        correct = int(correct_by_sec.sum())
        seen = int(seen_by_sec.sum())
        skipped = int(skipped_by_sec.sum())
        result = AnalogyResult(accuracy=correct / seen if seen else 0.0, correct=correct,
                               seen=seen, skipped=skipped, sections=sections,
                               restrict_vocab=limit, invalid=invalid, method=m,
                               section_skipped=section_skipped, path=os.fspath(path))
        results[m] = result
        label = METHOD_NAMES[m]
        for name, (c, s) in sections.items():
            if s:
                logger.debug("analogies %s %s: %.1f%% (%d/%d)", label, name, 100.0 * c / s, c, s)
        # The result is returned (and printed by the CLI); the log repeats it only for debugging.
        logger.debug("analogies %s: %.2f%% (%d/%d), %d questions skipped (outside the top %d "
                     "words)", label, 100.0 * result.accuracy, correct, seen, skipped, limit)
    return results


def answer_analogies(emb: Embeddings, questions: Iterable[Sequence[str]],
                     restrict_vocab: Optional[int] = 30000, case_insensitive: bool = True,
                     method: str = "3cosadd",
                     epsilon: float = COSMUL_EPSILON) -> List[Optional[str]]:
    """The answer to each question ``(a, b, c)`` ("a is to b as c is to ?"), batched.

    Parameters
    ----------
    emb : Embeddings
    questions : iterable of (a, b, c) or (a, b, c, d)
        A fourth word, if present, is ignored.
    restrict_vocab, case_insensitive, method, epsilon
        As in :func:`evaluate_analogies`.

    Returns
    -------
    list of str or None
        The answering vocabulary word (the representative of its case-folded key when
        ``case_insensitive``), or None where a question word is outside the restricted vocabulary
        (or no candidate is left).
    """
    (m,) = _check_methods(method)
    epsilon = check_positive_number("epsilon", epsilon)
    limit = _resolve_limit(emb, restrict_vocab)
    key = _key_function(case_insensitive)
    lookup, rep = _restricted_vocab(emb, limit, key)
    rows: List[Tuple[int, int, int]] = []
    where: List[int] = []
    out: List[Optional[str]] = []
    for i, question in enumerate(questions):
        if len(question) not in (3, 4):
            raise ValueError(f"question #{i} must have 3 or 4 words, got {question!r}")
        r = [lookup.get(key(w)) for w in question[:3]]
        out.append(None)
        if all(x is not None for x in r):
            rows.append(tuple(r))  # type: ignore[arg-type]
            where.append(i)
    if rows:
        pred = _predict(emb.unit_vectors[:limit], rep, np.asarray(rows, dtype=np.int64), (m,),
                        epsilon)[m]
        for i, p in zip(where, pred.tolist()):
            out[i] = emb.words[int(rep[p])] if p >= 0 else None
    return out


def _predict(unit: np.ndarray, rep: np.ndarray, abc: np.ndarray, methods: Sequence[str],
             epsilon: float) -> Dict[str, np.ndarray]:
    """Row of the best candidate for each question ``(a, b, c)`` and each method (-1: none).

    ``unit`` holds the n candidate unit vectors, ``rep`` each candidate's representative row and
    ``abc`` the representative rows of the question words. A candidate is excluded when its
    representative is that of ``a``, ``b`` or ``c``. Ties go to the lowest row (as ``argmax``).

    The work is blocked over candidates: for each block of columns, the cosines between the
    distinct question words and the block are one matrix product; each question's scores are
    gathered from them, in blocks of questions small enough to stay in the cache.
    """
    n_q = len(abc)
    n = unit.shape[0]
    best_val = {m: np.full(n_q, -np.inf, dtype=np.float32) for m in methods}
    best_row = {m: np.full(n_q, -1, dtype=np.int64) for m in methods}
    if n_q == 0 or n == 0:
        return best_row
    uniq, inverse = np.unique(abc, return_inverse=True)
    inverse = inverse.reshape(n_q, 3)
    qwords = np.ascontiguousarray(unit[uniq], dtype=np.float32)
    col_block = max(1, min(n, _MAX_BLOCK_SIMS // max(1, len(uniq))))
    q_block = max(1, _MAX_BLOCK_SCORES // col_block)
    eps = np.float32(epsilon)
    half = np.float32(0.5)
    for cs in range(0, n, col_block):
        ce = min(n, cs + col_block)
        sims = qwords @ np.ascontiguousarray(unit[cs:ce], dtype=np.float32).T  # (U, w)
        shifted = (sims + np.float32(1.0)) * half if "3cosmul" in methods else None
        rep_block = rep[cs:ce]
        for qs in range(0, n_q, q_block):
            qe = min(n_q, qs + q_block)
            ia, ib, ic = inverse[qs:qe, 0], inverse[qs:qe, 1], inverse[qs:qe, 2]
            qa, qb, qc = abc[qs:qe, 0, None], abc[qs:qe, 1, None], abc[qs:qe, 2, None]
            excluded = (rep_block == qa) | (rep_block == qb) | (rep_block == qc)
            for m in methods:
                if m == "3cosadd":
                    scores = sims[ib] - sims[ia]
                    scores += sims[ic]
                else:
                    scores = shifted[ib] * shifted[ic]  # type: ignore[index]
                    scores /= shifted[ia] + eps  # type: ignore[index]
                scores[excluded] = -np.inf
                arg = np.argmax(scores, axis=1)
                val = scores[np.arange(qe - qs), arg]
                better = val > best_val[m][qs:qe]  # strict: earlier rows win ties
                best_val[m][qs:qe][better] = val[better]
                best_row[m][qs:qe][better] = arg[better] + cs
    return best_row


# --------------------------------------------------------------------------------------------- #
# word pairs
# --------------------------------------------------------------------------------------------- #
def evaluate_word_pairs(emb: Embeddings, path: PathLike, restrict_vocab: Optional[int] = None,
                        case_insensitive: bool = True) -> PairsResult:
    """Correlation between human similarity scores and cosine similarities (e.g. WordSim-353).

    Parameters
    ----------
    emb : Embeddings
    path : str or os.PathLike
        Lines ``word1 word2 score``, tab-separated (or whitespace-separated when a line has no
        tab); lines starting with ``#`` and blank lines are ignored.
    restrict_vocab : int or None
        Look words up only among the first ``restrict_vocab`` words (None: all).
    case_insensitive : bool
        Compare words upper-cased (default).

    Returns
    -------
    PairsResult
    """
    limit = _resolve_limit(emb, restrict_vocab)
    key = _key_function(case_insensitive)
    lookup, _ = _restricted_vocab(emb, limit, key)
    unit = emb.unit_vectors
    gold: List[float] = []
    model: List[float] = []
    n_oov = 0
    invalid = 0
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            parts = [p.strip() for p in stripped.split("\t")] if "\t" in stripped \
                else stripped.split()
            try:
                if len(parts) != 3 or not parts[0] or not parts[1]:
                    raise ValueError
                a, b, score = parts[0], parts[1], float(parts[2])
            except ValueError:
                invalid += 1
                logger.warning("%s:%d: expected 'word1 word2 score', got %r; line ignored",
                               path, lineno, stripped)
                continue
            ra, rb = lookup.get(key(a)), lookup.get(key(b))
            if ra is None or rb is None:
                n_oov += 1
                continue
            gold.append(score)
            model.append(float(np.dot(unit[ra], unit[rb])))
    n = len(gold)
    result = PairsResult(spearman=spearman(gold, model), pearson=pearson(gold, model), n_pairs=n,
                         n_oov=n_oov, oov_ratio=n_oov / (n + n_oov) if n + n_oov else 0.0,
                         invalid=invalid, path=os.fspath(path))
    logger.debug("word pairs %s: Spearman %.4f, Pearson %.4f over %d pairs, %d OOV (%.1f%%)",
                 path, result.spearman, result.pearson, n, n_oov, 100.0 * result.oov_ratio)
    return result


def rankdata(values) -> np.ndarray:
    """1-based ranks of ``values``; tied values get the average of their ranks."""
    x = np.asarray(values, dtype=np.float64).ravel()
    n = x.size
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    # boundaries of runs of equal values in sorted order
    new_run = np.empty(n, dtype=bool)
    if n:
        new_run[0] = True
        new_run[1:] = xs[1:] != xs[:-1]
    starts = np.flatnonzero(new_run)
    ends = np.append(starts[1:], n)  # exclusive
    avg = (starts + ends + 1) / 2.0  # mean of 1-based positions starts+1 .. ends
    run_id = np.cumsum(new_run) - 1
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = avg[run_id]
    return ranks


def pearson(x, y) -> float:
    """Pearson correlation of two equal-length sequences (NaN if < 2 values or one is constant)."""
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"sequences differ in length: {a.size} and {b.size}")
    if a.size < 2:
        return float("nan")
    a = a - a.mean()
    b = b - b.mean()
    denom = np.sqrt(np.dot(a, a) * np.dot(b, b))
    if denom == 0.0 or not np.isfinite(denom):
        return float("nan")
    return float(np.clip(np.dot(a, b) / denom, -1.0, 1.0))


def spearman(x, y) -> float:
    """Spearman rank correlation (Pearson correlation of average ranks)."""
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"sequences differ in length: {a.size} and {b.size}")
    return pearson(rankdata(a), rankdata(b))


# --------------------------------------------------------------------------------------------- #
# standard files
# --------------------------------------------------------------------------------------------- #
def _candidate_dirs(data_dir: Optional[PathLike]) -> List[Path]:
    from ..base.paths import data_dir as shared_data_dir
    if data_dir is not None:
        return [Path(data_dir)]
    found = shared_data_dir()
    return ([found] if found is not None else []) + [PACKAGED_DATA]


def standard_eval_files(data_dir: Optional[PathLike] = None) -> EvalFiles:
    """Find the standard sets, ``questions-words.txt`` and ``wordsim353.tsv``.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Look only here (in ``eval/`` or directly in it). By default: the shared data directory
        of :func:`fastw2v.base.paths.data_dir` (``$FASTW2V_DATA``, else ``../shared/data``),
        where a project may keep its own copies, and then the copies installed with fastw2v
        (:data:`PACKAGED_DATA`), so the sets are always found.

    Returns
    -------
    EvalFiles
        ``(analogies, word_pairs)``; an entry is None when that file was not found.
    """
    dirs = _candidate_dirs(data_dir)

    def find(name: str) -> Optional[Path]:
        for d in dirs:
            for candidate in (d / "eval" / name, d / name):
                if candidate.is_file():
                    return candidate
        return None

    return EvalFiles(find(ANALOGIES_FILE), find(WORD_PAIRS_FILE))
