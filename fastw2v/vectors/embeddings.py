"""Trained word vectors: lookup, cosine queries, and saving/loading.

:class:`Embeddings` holds a V x D float32 matrix, the V words (row order; word2vec trainers sort
them by descending frequency), optional counts, the :class:`~fastw2v.config.TrainConfig` that
produced them and training statistics.

Native format (:meth:`Embeddings.save` / :meth:`Embeddings.load`): a directory with

* ``vectors.npy`` -- the float32 matrix (``numpy.save``; loadable with ``mmap_mode``),
* ``vocab.tsv`` -- one ``word<TAB>count`` line per row (just ``word`` when there are no counts),
* ``config.json`` -- ``{"format": "fastw2v-embeddings", "version": 1, "vocab_size", "dim",
  "has_counts", "config": {...} | null, "stats": {...} | null}``.

The word2vec.c text and binary formats are handled by :mod:`fastw2v.vectors.word2vec`.
"""
from __future__ import annotations

import collections.abc
import json
import logging
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..base.paths import PathLike
from . import word2vec as w2vformat
from ..base.atomic import atomic_directory
from ..base.jsonutil import json_default
from ..base.validate import check_int
from ..config import TrainConfig
from ..errors import ModelFormatError

logger = logging.getLogger("fastw2v")

FORMAT_NAME = "fastw2v-embeddings"
FORMAT_VERSION = 1
VECTORS_FILE = "vectors.npy"
VOCAB_FILE = "vocab.tsv"
META_FILE = "config.json"

__all__ = ["Embeddings", "FORMAT_NAME", "FORMAT_VERSION"]


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

    # ----------------------------------------------------------------------------------------- #
    # evaluation and pictures (thin wrappers; see fastw2v.analysis.evaluate, .probe, .bias, .plots)
    # ----------------------------------------------------------------------------------------- #
    def evaluate_analogies(self, path: PathLike, restrict_vocab: Optional[int] = 30000,
                           case_insensitive: bool = True, method: str = "3cosadd"):
        """Analogy accuracy on a ``questions-words.txt``-format file (3CosAdd or 3CosMul).

        See :func:`fastw2v.analysis.evaluate.evaluate_analogies`; returns an
        :class:`~fastw2v.analysis.evaluate.AnalogyResult` (overall, semantic/syntactic and per-section
        accuracy, questions seen and skipped).
        """
        from ..analysis.evaluate import evaluate_analogies
        return evaluate_analogies(self, path, restrict_vocab=restrict_vocab,
                                  case_insensitive=case_insensitive, method=method)

    def evaluate_word_pairs(self, path: PathLike, restrict_vocab: Optional[int] = None,
                            case_insensitive: bool = True):
        """Spearman and Pearson correlation with a word-pair similarity file (e.g. WordSim-353).

        See :func:`fastw2v.analysis.evaluate.evaluate_word_pairs`; returns a
        :class:`~fastw2v.analysis.evaluate.PairsResult`.
        """
        from ..analysis.evaluate import evaluate_word_pairs
        return evaluate_word_pairs(self, path, restrict_vocab=restrict_vocab,
                                   case_insensitive=case_insensitive)

    def probe(self, words: Sequence[str] = (), **kwargs: Any):
        """Embedding health report (canonical analogies, neighbours of ``words``, symmetry,
        degenerate norms). See :func:`fastw2v.analysis.probe.probe`; ``print(emb.probe([...]).format())``.
        """
        from ..analysis.probe import probe
        return probe(self, words, **kwargs)

    def bias_report(self, axis1: Any = None, axis2: Any = None,
                    occupations: Optional[Iterable[str]] = None, top: int = 10):
        """Occupation words projected on two bias axes (default ``he - she``, ``doctor - nurse``).

        See :func:`fastw2v.analysis.bias.bias_report`.
        """
        from ..analysis import bias
        return bias.bias_report(self, axis1=bias.DEFAULT_AXIS1 if axis1 is None else axis1,
                                axis2=bias.DEFAULT_AXIS2 if axis2 is None else axis2,
                                occupations=occupations, top=top)

    def plot_words(self, words: Sequence[str], path: PathLike, **kwargs: Any):
        """Save a labelled 2-D PCA scatter of ``words`` (needs matplotlib).

        See :func:`fastw2v.analysis.plots.plot_words`.
        """
        from ..analysis.plots import plot_words
        return plot_words(self, words, path, **kwargs)

    # ----------------------------------------------------------------------------------------- #
    # native format
    # ----------------------------------------------------------------------------------------- #
    def save(self, path: PathLike) -> None:
        """Save to the directory ``path`` (``vectors.npy``, ``vocab.tsv``, ``config.json``).

        The directory is written beside ``path`` and renamed into place, so ``path`` always holds
        either the old or the new complete model. An existing ``path`` is replaced only if it is a
        fastw2v model directory or an empty directory.

        Raises
        ------
        ValueError
            A word contains a tab or a line break, or is empty (it cannot be stored in
            ``vocab.tsv``), or ``stats`` is not JSON-serializable.
        FileExistsError
            ``path`` exists and is a file or a non-empty directory that is not a fastw2v model.
        """
        path = Path(path)
        for i, w in enumerate(self.words):
            if not w or "\t" in w or "\n" in w or "\r" in w:
                raise ValueError(f"word #{i} {w!r} is empty or contains a tab or line break; "
                                 f"it cannot be saved in {VOCAB_FILE}")
        _check_replaceable(path)
        meta = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "vocab_size": len(self),
            "dim": self.dim,
            "has_counts": self.counts is not None,
            "config": self.config.to_dict() if self.config is not None else None,
            "stats": self.stats,
        }
        try:
            meta_text = json.dumps(meta, indent=2, default=json_default, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"cannot save stats as JSON: {exc}") from None
        if self.counts is None:
            vocab_text = "".join(f"{w}\n" for w in self.words)
        else:
            vocab_text = "".join(f"{w}\t{c}\n" for w, c in zip(self.words, self.counts.tolist()))
        with atomic_directory(path) as tmp:
            with open(tmp / VECTORS_FILE, "wb") as fh:
                np.save(fh, np.ascontiguousarray(self._vectors, dtype=np.float32),
                        allow_pickle=False)
            with open(tmp / VOCAB_FILE, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(vocab_text)
            with open(tmp / META_FILE, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(meta_text + "\n")
        logger.info("saved %d x %d embeddings to %s", len(self), self.dim, path)

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
        path = Path(path)
        if mmap_mode not in (None, "r", "r+", "c"):
            raise ValueError(f"mmap_mode must be None, 'r', 'r+' or 'c', got {mmap_mode!r}")
        if not path.exists():
            raise FileNotFoundError(f"no such model directory: {path}")
        if not path.is_dir():
            raise ModelFormatError(f"{path}: not a fastw2v model directory (for a word2vec "
                                   f".txt/.bin file use Embeddings.load_word2vec_format)")
        for name in (META_FILE, VOCAB_FILE, VECTORS_FILE):
            if not (path / name).is_file():
                raise ModelFormatError(f"{path}: missing {name}; not a complete fastw2v model")
        meta = _read_meta(path / META_FILE)
        words, counts = _read_vocab(path / VOCAB_FILE, meta.get("has_counts"))
        vectors = _read_vectors(path / VECTORS_FILE, mmap_mode)
        if vectors.shape[0] != len(words):
            raise ModelFormatError(f"{path}: {VECTORS_FILE} has {vectors.shape[0]} rows but "
                                   f"{VOCAB_FILE} has {len(words)} words")
        if "vocab_size" in meta and meta["vocab_size"] != len(words):
            raise ModelFormatError(f"{path}: {META_FILE} says vocab_size {meta['vocab_size']} but "
                                   f"{VOCAB_FILE} has {len(words)} words")
        if "dim" in meta and meta["dim"] != vectors.shape[1]:
            raise ModelFormatError(f"{path}: {META_FILE} says dim {meta['dim']} but "
                                   f"{VECTORS_FILE} has {vectors.shape[1]} columns")
        config = meta.get("config")
        if config is not None:
            if not isinstance(config, dict):
                raise ModelFormatError(f"{path / META_FILE}: 'config' must be an object or null")
            try:
                config = TrainConfig.from_dict(config)
            except (TypeError, ValueError) as exc:
                raise ModelFormatError(f"{path / META_FILE}: bad training config: {exc}") from None
        stats = meta.get("stats")
        if stats is not None and not isinstance(stats, dict):
            raise ModelFormatError(f"{path / META_FILE}: 'stats' must be an object or null")
        try:
            emb = cls(vectors, words, counts=counts, config=config, stats=stats)
        except (TypeError, ValueError) as exc:
            raise ModelFormatError(f"{path}: inconsistent model: {exc}") from None
        logger.info("loaded %d x %d embeddings from %s%s", len(emb), emb.dim, path,
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


# --------------------------------------------------------------------------------------------- #
# helpers of the native format
# --------------------------------------------------------------------------------------------- #
def _check_replaceable(path: Path) -> None:
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a model directory; refusing to replace it")
    if not any(path.iterdir()):
        return
    meta = path / META_FILE
    try:
        with open(meta, encoding="utf-8") as fh:
            ok = json.load(fh).get("format") == FORMAT_NAME
    except (OSError, ValueError, AttributeError):
        ok = False
    if not ok:
        raise FileExistsError(f"{path} is a non-empty directory that is not a fastw2v model; "
                              f"refusing to replace it")


def _read_meta(path: Path) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            meta = json.load(fh)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{path}: corrupt JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise ModelFormatError(f"{path}: expected a JSON object")
    if meta.get("format") != FORMAT_NAME:
        raise ModelFormatError(f"{path}: format is {meta.get('format')!r}, "
                               f"expected {FORMAT_NAME!r}")
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFormatError(f"{path}: bad format version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFormatError(f"{path}: format version {version} is newer than this fastw2v "
                               f"supports ({FORMAT_VERSION}); upgrade fastw2v")
    for key in ("vocab_size", "dim"):
        if key in meta and (isinstance(meta[key], bool) or not isinstance(meta[key], int)):
            raise ModelFormatError(f"{path}: {key!r} must be an integer, got {meta[key]!r}")
    return meta


def _read_vocab(path: Path, has_counts: Optional[bool]) -> Tuple[List[str], Optional[np.ndarray]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ModelFormatError(f"{path}: line {line}: not valid UTF-8") from None
    if text and not text.endswith("\n"):
        raise ModelFormatError(f"{path}: last line is incomplete (truncated file?)")
    lines = text.split("\n")[:-1] if text else []
    words: List[str] = []
    counts: List[int] = []
    if has_counts is None:  # infer from the first line
        has_counts = bool(lines) and "\t" in lines[0]
    for lineno, line in enumerate(lines, 1):
        fields = line.split("\t")
        if len(fields) != (2 if has_counts else 1) or not fields[0]:
            want = "word<TAB>count" if has_counts else "word"
            raise ModelFormatError(f"{path}: line {lineno}: expected '{want}', got {line[:80]!r}")
        words.append(fields[0])
        if has_counts:
            try:
                counts.append(int(fields[1]))
            except ValueError:
                raise ModelFormatError(f"{path}: line {lineno}: count {fields[1][:40]!r} is not an "
                                       f"integer") from None
            if not -2**63 <= counts[-1] < 2**63:
                raise ModelFormatError(f"{path}: line {lineno}: count {fields[1][:40]!r} does not "
                                       f"fit in 64 bits")
    if len(set(words)) != len(words):
        seen = set()
        for lineno, w in enumerate(words, 1):
            if w in seen:
                raise ModelFormatError(f"{path}: line {lineno}: duplicate word {w!r}")
            seen.add(w)
    return words, (np.array(counts, dtype=np.int64) if has_counts else None)


def _check_npy_size(path: Path) -> None:
    """Raise ModelFormatError if the .npy header declares more data than the file holds.

    Checked before loading: numpy would otherwise allocate the declared size first (a corrupt
    header declaring terabytes ends in MemoryError instead of a clear message).
    """
    with open(path, "rb") as fh:
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version in ((2, 0), (3, 0)):
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                return  # let np.load report it
        except Exception as exc:  # numpy's header parser lets SyntaxError, TokenError... through
            raise ModelFormatError(f"{path}: corrupt .npy header: {exc}") from None
        start = fh.tell()
        size = os.fstat(fh.fileno()).st_size
    if dtype.hasobject:
        return  # np.load refuses it (allow_pickle=False) with its own message
    need = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if size - start < need:
        raise ModelFormatError(f"{path}: truncated .npy file: the header declares shape "
                               f"{tuple(shape)} of {dtype} ({need} bytes of data), but only "
                               f"{size - start} bytes follow")


def _read_vectors(path: Path, mmap_mode: Optional[str]) -> np.ndarray:
    _check_npy_size(path)
    try:
        vectors = np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ModelFormatError(f"{path}: corrupt or truncated .npy file: {exc}") from None
    if not isinstance(vectors, np.ndarray):
        raise ModelFormatError(f"{path}: expected one array, got {type(vectors).__name__}")
    if vectors.dtype != np.float32:
        raise ModelFormatError(f"{path}: vectors have dtype {vectors.dtype}, expected float32")
    if vectors.ndim != 2:
        raise ModelFormatError(f"{path}: vectors have {vectors.ndim} dimensions, expected 2 "
                               f"(shape {vectors.shape})")
    if vectors.shape[1] < 1:
        raise ModelFormatError(f"{path}: vectors have zero columns (shape {vectors.shape})")
    return vectors
