"""Trained word vectors: lookup, cosine queries, and saving/loading.

:class:`Embeddings` holds a V x D float32 matrix, the V words (row order; word2vec trainers sort
them by descending frequency), optional counts, the :class:`~fastw2v.config.TrainConfig` that
produced them and training statistics.

The native directory format is :mod:`fastw2v.vectors.native`; the word2vec.c text and binary
formats are :mod:`fastw2v.vectors.word2vec`. Evaluation, probe, bias and plots are functions of an
``Embeddings`` in :mod:`fastw2v.analysis`.
"""
from __future__ import annotations

import collections.abc
import logging
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..base.paths import PathLike
from ..base.validate import check_int
from ..config import TrainConfig
from ..errors import ModelFormatError
from . import native
from . import word2vec as w2vformat

logger = logging.getLogger("fastw2v")

__all__ = ["Embeddings", "unit_rows"]

#: Methods of round 1's Embeddings that are now functions in fastw2v.analysis.
_MOVED_TO_ANALYSIS = {"evaluate_analogies": "evaluate.evaluate_analogies",
                      "evaluate_word_pairs": "evaluate.evaluate_word_pairs",
                      "probe": "probe.probe", "bias_report": "bias.bias_report",
                      "plot_words": "plots.plot_words"}


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows of ``vectors`` scaled to unit length, as float32; zero rows stay zero (no NaN)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64))
    norms[norms == 0.0] = 1.0
    return (vectors / norms[:, None]).astype(np.float32, copy=False)


def _unit(vec: np.ndarray) -> np.ndarray:
    norm = float(np.sqrt(np.dot(vec.astype(np.float64), vec.astype(np.float64))))
    return (vec / (norm if norm > 0.0 else 1.0)).astype(np.float32, copy=False)


class Embeddings:
    """Word vectors with their vocabulary.

    Parameters
    ----------
    vectors : array_like
        V x D matrix. Stored as float32, C-contiguous (converted if needed; a float32 C-contiguous
        array, including a read-only memmap, is kept as is without copying).
    words : sequence of str
        The V words in row order (normally by descending frequency). Must be unique.
    counts : array_like of int, optional
        Corpus frequency of each word (stored as int64).
    config : TrainConfig or mapping, optional
        Parameters of the training run; a mapping is passed to ``TrainConfig.from_dict``.
    stats : mapping, optional
        Training statistics (words/s, seconds, ...); must be JSON-serializable to be saved.

    Attributes
    ----------
    vectors : numpy.ndarray
        The V x D float32 matrix. Assigning a new matrix clears the cached unit vectors; after
        changing it in place, call :meth:`clear_cache`.
    words : list of str
        Row order; do not modify (``index`` would go stale).
    index : dict
        word -> row.
    counts : numpy.ndarray or None
    config : TrainConfig or None
    stats : dict or None
    """

    def __init__(self, vectors: Any, words: Iterable[str], counts: Any = None,
                 config: Union[TrainConfig, Mapping[str, Any], None] = None,
                 stats: Optional[Mapping[str, Any]] = None) -> None:
        words = [str(w) if isinstance(w, str) else w for w in words]
        for i, w in enumerate(words):
            if not isinstance(w, str):
                raise TypeError(f"words must be strings; word #{i} is {w!r}")
        index: Dict[str, int] = {}
        for i, w in enumerate(words):
            if w in index:
                raise ValueError(f"duplicate word {w!r} at rows {index[w]} and {i}")
            index[w] = i
        self.words: List[str] = words
        self.index: Dict[str, int] = index
        self._vectors: np.ndarray = np.empty((0, 0), dtype=np.float32)
        self._unit: Optional[np.ndarray] = None
        self.vectors = vectors  # validated by the setter

        if counts is not None:
            counts = np.asarray(counts)
            if counts.ndim != 1 or counts.shape[0] != len(words):
                raise ValueError(f"counts must be a 1-d array of {len(words)} values, "
                                 f"got shape {counts.shape}")
            if counts.size and not np.issubdtype(counts.dtype, np.integer):
                if not np.all(np.isfinite(counts)) or np.any(counts != np.round(counts)):
                    raise ValueError("counts must be integers")
            counts = np.ascontiguousarray(counts, dtype=np.int64)
        self.counts: Optional[np.ndarray] = counts

        if config is not None and not isinstance(config, TrainConfig):
            if not isinstance(config, collections.abc.Mapping):
                raise TypeError(f"config must be a TrainConfig, a mapping or None, got "
                                f"{type(config).__name__}")
            config = TrainConfig.from_dict(config)
        if config is not None and config.dim != self.dim:
            raise ValueError(f"config.dim is {config.dim} but the vectors have {self.dim} columns")
        self.config: Optional[TrainConfig] = config
        self.stats: Optional[Dict[str, Any]] = dict(stats) if stats is not None else None

    # ----------------------------------------------------------------------------------------- #
    # container protocol
    # ----------------------------------------------------------------------------------------- #
    @property
    def vectors(self) -> np.ndarray:
        """The V x D float32 matrix (C-contiguous)."""
        return self._vectors

    @vectors.setter
    def vectors(self, value: Any) -> None:
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
        if arr.ndim != 2:
            raise ValueError(f"vectors must be a 2-d array (V x D), got shape {arr.shape}")
        if arr.shape[0] != len(self.words):
            raise ValueError(f"{arr.shape[0]} vector rows but {len(self.words)} words")
        if arr.dtype != np.float32 or not arr.flags.c_contiguous:
            if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
                raise TypeError(f"vectors must be real numbers, got dtype {arr.dtype}")
            arr = np.ascontiguousarray(arr, dtype=np.float32)
        self._vectors = arr
        self._unit = None

    @property
    def dim(self) -> int:
        """Dimensionality D of the vectors."""
        return int(self._vectors.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        try:
            return word in self.index
        except TypeError:  # unhashable
            return False

    def __getitem__(self, word: str) -> np.ndarray:
        """The vector of ``word`` (a view into :attr:`vectors`).

        Raises
        ------
        KeyError
            The word is not in the vocabulary (the message names it).
        """
        return self._vectors[self._row(word)]

    def __iter__(self):
        return iter(self.words)

    def __repr__(self) -> str:
        return f"Embeddings(vocab_size={len(self)}, dim={self.dim})"

    def _row(self, word: str) -> int:
        try:
            return self.index[word]
        except (KeyError, TypeError):
            raise KeyError(f"word {word!r} is not in the vocabulary") from None

    # ----------------------------------------------------------------------------------------- #
    # similarity queries
    # ----------------------------------------------------------------------------------------- #
    @property
    def unit_vectors(self) -> np.ndarray:
        """Rows of :attr:`vectors` scaled to unit length (computed once, cached).

        A zero row stays zero (its norm is treated as 1), so it has similarity 0 to everything.
        """
        if self._unit is None:
            self._unit = unit_rows(self._vectors)
        return self._unit

    def clear_cache(self) -> None:
        """Forget the cached unit vectors (call after modifying :attr:`vectors` in place)."""
        self._unit = None

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of the vectors of words ``a`` and ``b`` (0 if either is zero)."""
        unit = self.unit_vectors
        return float(np.dot(unit[self._row(a)].astype(np.float64),
                            unit[self._row(b)].astype(np.float64)))

    def most_similar(self, word_or_vector: Union[str, np.ndarray], topn: Optional[int] = 10,
                     restrict_vocab: Optional[int] = None) -> List[Tuple[str, float]]:
        """Words closest to a word or a vector by cosine similarity.

        Parameters
        ----------
        word_or_vector : str or array_like
            A word of the vocabulary (excluded from the result) or a D-dimensional vector.
        topn : int or None
            How many words to return; None returns all, sorted.
        restrict_vocab : int or None
            Search only the first ``restrict_vocab`` rows (the most frequent words).

        Returns
        -------
        list of (str, float)
            (word, cosine) pairs, best first; ties in row order.
        """
        exclude: List[int] = []
        if isinstance(word_or_vector, str):
            row = self._row(word_or_vector)
            query = self.unit_vectors[row]
            exclude.append(row)
        else:
            query = np.asarray(word_or_vector, dtype=np.float32).reshape(-1)
            if query.shape[0] != self.dim:
                raise ValueError(f"query vector has {query.shape[0]} values, expected {self.dim}")
            query = _unit(query)
        return self._top(query, exclude, topn, restrict_vocab)

    def analogy(self, a: str, b: str, c: str, topn: Optional[int] = 5,
                restrict_vocab: Optional[int] = None) -> List[Tuple[str, float]]:
        """Solve "``a`` is to ``b`` as ``c`` is to ?" with 3CosAdd.

        The query is the unit vector of ``unit(b) - unit(a) + unit(c)``; candidates are ranked by
        cosine to it, as in word2vec.c and gensim. ``a``, ``b`` and ``c`` are never returned.
        (``analogy("man", "king", "woman")`` should give ``queen``.)

        Parameters
        ----------
        a, b, c : str
            Words of the vocabulary.
        topn : int or None
            How many answers to return (None: all).
        restrict_vocab : int or None
            Search only the first ``restrict_vocab`` rows.

        Returns
        -------
        list of (str, float)
        """
        unit = self.unit_vectors
        rows = [self._row(a), self._row(b), self._row(c)]
        query = unit[rows[1]].astype(np.float64) - unit[rows[0]] + unit[rows[2]]
        return self._top(_unit(query), rows, topn, restrict_vocab)

    def _top(self, query: np.ndarray, exclude: Sequence[int], topn: Optional[int],
             restrict_vocab: Optional[int]) -> List[Tuple[str, float]]:
        topn = check_int("topn", topn, 0, allow_none=True)
        limit = check_int("restrict_vocab", restrict_vocab, 0, allow_none=True)
        unit = self.unit_vectors
        n = len(self) if limit is None else min(limit, len(self))
        sims = unit[:n] @ query.astype(np.float32)
        excluded = {r for r in exclude if r < n}
        for r in excluded:
            sims[r] = -np.inf
        k = n - len(excluded) if topn is None else min(topn, n - len(excluded))
        if k <= 0:
            return []
        if k < n:
            part = np.argpartition(-sims, k - 1)[:k]
            # argpartition breaks ties at the boundary arbitrarily: keep every tied candidate
            cand = np.flatnonzero(sims >= sims[part].min())
        else:
            cand = np.arange(n)
        # best first; equal scores in row order
        order = cand[np.lexsort((cand, -sims[cand]))][:k]
        return [(self.words[i], float(sims[i])) for i in order]

    def __getattr__(self, name: str) -> Any:
        # Evaluation, probe, bias and plots are functions of an Embeddings in fastw2v.analysis
        # (the vectors layer never imports the analysis layer); say where they went.
        if name in _MOVED_TO_ANALYSIS:
            raise AttributeError(f"Embeddings.{name} moved: use "
                                 f"fastw2v.analysis.{_MOVED_TO_ANALYSIS[name]}(emb, ...)")
        raise AttributeError(f"'Embeddings' object has no attribute {name!r}")

    # ----------------------------------------------------------------------------------------- #
    # native format (fastw2v.vectors.native)
    # ----------------------------------------------------------------------------------------- #
    def save(self, path: PathLike) -> None:
        """Save to the directory ``path`` in the native format (``vectors.npy``, ``vocab.tsv``,
        ``config.json``); see :func:`fastw2v.vectors.native.save_native` for the guarantees and
        errors."""
        native.save_native(path, self._vectors, self.words, counts=self.counts,
                           config=None if self.config is None else self.config.to_dict(),
                           stats=self.stats)

    @classmethod
    def load(cls, path: PathLike, mmap_mode: Optional[str] = None) -> "Embeddings":
        """Load a directory written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            The model directory.
        mmap_mode : {None, "r", "r+", "c"}
            Passed to ``numpy.load``: with ``"r"`` the vectors are memory-mapped read-only and
            pages are read on demand (several processes share one copy).

        Raises
        ------
        FileNotFoundError
            ``path`` does not exist.
        ModelFormatError
            ``path`` is not a model directory, or a piece is missing, corrupt, of a newer format
            version, or inconsistent (row count, dimension, dtype).
        """
        model = native.load_native(path, mmap_mode)
        config = model.config
        if config is not None:
            try:
                config = TrainConfig.from_dict(config)
            except (TypeError, ValueError) as exc:
                raise ModelFormatError(f"{model.meta_path}: bad training config: {exc}") from None
        try:
            emb = cls(model.vectors, model.words, counts=model.counts, config=config,
                      stats=model.stats)
        except (TypeError, ValueError) as exc:
            raise ModelFormatError(f"{path}: inconsistent model: {exc}") from None
        logger.debug("loaded %d x %d embeddings from %s%s", len(emb), emb.dim, path,
                     f" (mmap_mode={mmap_mode!r})" if mmap_mode else "")
        return emb

    # ----------------------------------------------------------------------------------------- #
    # word2vec formats
    # ----------------------------------------------------------------------------------------- #
    def save_word2vec_format(self, path: PathLike, binary: bool = False) -> None:
        """Write a word2vec.c text (default) or binary file, readable by word2vec.c and gensim.

        Text values are written with ``%.9g`` and read back bit-identical. Counts, config and
        stats are not stored. See :func:`fastw2v.vectors.word2vec.write_word2vec`.
        """
        w2vformat.write_word2vec(path, self.words, self._vectors, binary=binary)

    @classmethod
    def load_word2vec_format(cls, path: PathLike, binary: Optional[bool] = None,
                             limit: Optional[int] = None, *,
                             unicode_errors: str = "strict") -> "Embeddings":
        """Read a word2vec.c text or binary file (``binary=None`` detects which).

        ``limit`` reads only the first rows. See :func:`fastw2v.vectors.word2vec.read_word2vec` for the
        errors raised (:class:`~fastw2v.errors.ModelFormatError` naming file and row).
        """
        words, vectors = w2vformat.read_word2vec(path, binary=binary, limit=limit,
                                                 unicode_errors=unicode_errors)
        return cls(vectors, words)
