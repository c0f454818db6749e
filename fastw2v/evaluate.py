"""Intrinsic evaluation of word vectors: analogies (3CosAdd) and word-pair similarity.

Conventions follow word2vec.c's ``compute-accuracy`` and gensim's ``evaluate_word_analogies`` /
``evaluate_word_pairs``:

* Analogy questions ``a b c d`` ("a is to b as c is to d") are answered with the word whose unit
  vector is closest (cosine) to ``unit(b) - unit(a) + unit(c)``, never ``a``, ``b`` or ``c``.
  Only the first ``restrict_vocab`` words of the vocabulary (the most frequent ones) are used, as
  candidates and as question words; a question with any word outside them is *skipped* and does
  not count in the accuracy.
* Case-insensitive matching upper-cases words; when several vocabulary words fold to the same key,
  the most frequent (first) one represents it, and every case variant of a question word is
  excluded from the answers.
* Word pairs are scored by the Spearman rank correlation (average ranks for ties) between human
  scores and cosine similarities over the pairs whose two words are in the vocabulary.
"""
from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple, Union

import numpy as np

from .embeddings import Embeddings

logger = logging.getLogger("fastw2v")

PathLike = Union[str, "os.PathLike[str]"]

ANALOGIES_FILE = "questions-words.txt"
WORD_PAIRS_FILE = "wordsim353.tsv"
#: Upper bound on the number of scores (questions x candidates) held at once.
_MAX_BATCH_SCORES = 1 << 23
_NO_SECTION = "(no section)"

__all__ = [
    "AnalogyResult",
    "PairsResult",
    "EvalFiles",
    "evaluate_analogies",
    "evaluate_word_pairs",
    "standard_eval_files",
    "spearman",
    "pearson",
    "rankdata",
]


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
    """

    accuracy: float
    correct: int
    seen: int
    skipped: int
    sections: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    restrict_vocab: int = 0
    invalid: int = 0

    @property
    def total(self) -> int:
        """Questions read (seen + skipped)."""
        return self.seen + self.skipped

    def section_accuracy(self) -> Dict[str, float]:
        """section name -> accuracy (NaN for a section where nothing was seen)."""
        return {name: (c / s if s else float("nan")) for name, (c, s) in self.sections.items()}

    def to_dict(self) -> dict:
        """A JSON-friendly dict (sections as ``[correct, seen]`` lists)."""
        d = asdict(self)
        d["sections"] = {k: list(v) for k, v in self.sections.items()}
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
    """

    spearman: float
    pearson: float
    n_pairs: int
    n_oov: int
    oov_ratio: float
    invalid: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


class EvalFiles(NamedTuple):
    """Paths of the standard evaluation files; None for one that was not found."""

    analogies: Optional[Path]
    word_pairs: Optional[Path]


# --------------------------------------------------------------------------------------------- #
# vocabulary folding
# --------------------------------------------------------------------------------------------- #
def _key_function(case_insensitive: bool) -> Callable[[str], str]:
    return str.upper if case_insensitive else (lambda w: w)


def _restricted_vocab(emb: Embeddings, limit: int, key: Callable[[str], str]):
    """key -> representative row (the first row with that key) and each row's representative."""
    lookup: Dict[str, int] = {}
    rep = np.empty(limit, dtype=np.int64)
    for i, w in enumerate(emb.words[:limit]):
        rep[i] = lookup.setdefault(key(w), i)
    return lookup, rep


def _resolve_limit(emb: Embeddings, restrict_vocab: Optional[int]) -> int:
    if restrict_vocab is None:
        return len(emb)
    if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)) \
            or restrict_vocab < 0:
        raise ValueError(f"restrict_vocab must be a non-negative integer or None, "
                         f"got {restrict_vocab!r}")
    return min(int(restrict_vocab), len(emb))


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
                       case_insensitive: bool = True) -> AnalogyResult:
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

    Returns
    -------
    AnalogyResult

    Notes
    -----
    Scores are computed in batches with one matrix product per batch (float32), so the 19,544
    Google questions against 30,000 words take about a second.
    """
    limit = _resolve_limit(emb, restrict_vocab)
    key = _key_function(case_insensitive)
    section_names, questions, invalid = read_analogy_file(path)
    lookup, rep = _restricted_vocab(emb, limit, key)

    q_rows: List[Tuple[int, int, int, int]] = []
    q_section: List[int] = []
    skipped = 0
    for sec, _, words in questions:
        rows = [lookup.get(key(w)) for w in words]
        if any(r is None for r in rows):
            skipped += 1
            continue
        q_rows.append(tuple(rows))  # type: ignore[arg-type]
        q_section.append(sec)

    n_sec = len(section_names)
    correct_by_sec = np.zeros(n_sec, dtype=np.int64)
    seen_by_sec = np.zeros(n_sec, dtype=np.int64)
    if q_rows:
        q = np.asarray(q_rows, dtype=np.int64)
        secs = np.asarray(q_section, dtype=np.int64)
        hits = _answer_batches(emb.unit_vectors[:limit], rep, q)
        np.add.at(seen_by_sec, secs, 1)
        np.add.at(correct_by_sec, secs, hits.astype(np.int64))

    correct = int(correct_by_sec.sum())
    seen = int(seen_by_sec.sum())
    sections: Dict[str, Tuple[int, int]] = {}
    for i, name in enumerate(section_names):
        c, s = sections.get(name, (0, 0))  # a repeated header name merges
        sections[name] = (c + int(correct_by_sec[i]), s + int(seen_by_sec[i]))
    result = AnalogyResult(accuracy=correct / seen if seen else 0.0, correct=correct, seen=seen,
                           skipped=skipped, sections=sections, restrict_vocab=limit,
                           invalid=invalid)
    for name, (c, s) in sections.items():
        if s:
            logger.info("analogies %s: %.1f%% (%d/%d)", name, 100.0 * c / s, c, s)
    logger.info("analogies total: %.2f%% (%d/%d), %d questions skipped (outside the top %d words)",
                100.0 * result.accuracy, correct, seen, skipped, limit)
    return result


def _answer_batches(unit: np.ndarray, rep: np.ndarray, q: np.ndarray) -> np.ndarray:
    """For each question row ``(a, b, c, d)`` (representative rows): is 3CosAdd's answer ``d``?"""
    n = unit.shape[0]
    # case variants: representative row -> all rows folding to it (only where there are several)
    variants: Dict[int, np.ndarray] = {}
    if n:
        counts = np.bincount(rep, minlength=n)
        multi = np.flatnonzero(counts > 1)
        if multi.size:
            order = np.argsort(rep, kind="stable")
            starts = np.concatenate(([0], np.cumsum(counts)))
            for r in multi:
                variants[int(r)] = order[starts[r]:starts[r + 1]]
    batch = max(1, min(4096, _MAX_BATCH_SCORES // max(1, n)))
    hits = np.zeros(len(q), dtype=bool)
    for start in range(0, len(q), batch):
        qb = q[start:start + batch]
        target = unit[qb[:, 1]].astype(np.float32) - unit[qb[:, 0]] + unit[qb[:, 2]]
        scores = target @ unit.T  # (batch, n); normalizing target would not change the argmax
        rows = np.arange(len(qb))
        for col in range(3):
            scores[rows, qb[:, col]] = -np.inf
        if variants:
            for i, (a, b, c) in enumerate(qb[:, :3].tolist()):
                for r in (a, b, c):
                    extra = variants.get(r)
                    if extra is not None:
                        scores[i, extra] = -np.inf
        predicted = np.argmax(scores, axis=1)
        hits[start:start + len(qb)] = rep[predicted] == qb[:, 3]
    return hits


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
                         invalid=invalid)
    logger.info("word pairs %s: Spearman %.4f, Pearson %.4f over %d pairs, %d OOV (%.1f%%)",
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
    from .datasets import data_dir as shared_data_dir
    if data_dir is not None:
        return [Path(data_dir)]
    found = shared_data_dir()
    return [found] if found is not None else []


def standard_eval_files(data_dir: Optional[PathLike] = None) -> EvalFiles:
    """Find ``eval/questions-words.txt`` and ``eval/wordsim353.tsv``.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Look only here. By default the shared data directory of
        :func:`fastw2v.datasets.data_dir` (``$FASTW2V_DATA`` or ``../shared/data``).
        In each directory the files may be in ``eval/`` or directly in it.

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
