"""``fastw2v.KeyedVectors``: gensim's word-vector API over fastw2v's :class:`Embeddings`.

What ``Word2Vec.wv`` is and what the loaders return. The methods take gensim's parameters and
return gensim's shapes and answers: on the same vectors every query gives the same words in the
same order as gensim 4, with scores equal to float32 rounding (tested against gensim). Scores are
formed with gensim's arithmetic -- the mean of the query's unit vectors (weights +1/-1, or as given
in ``(key, weight)`` pairs; vectors passed as arrays are used as they are), normalised, its dot
product with every raw vector divided by that vector's norm -- so near-equal candidates come out
in gensim's order. The selection of the best rows and the norms are the shared machinery of
:mod:`fastw2v.vectors.query`. One exception: keys with bit-identical scores are listed in row order
(most frequent first); gensim lists them in whatever order numpy's unstable partition leaves.

Design: has-a, not is-a. A KeyedVectors *holds* an :class:`~fastw2v.vectors.embeddings.Embeddings`
(:attr:`KeyedVectors.embeddings`, the same arrays, no copy) instead of subclassing it, because the
two APIs disagree on shared names: ``Embeddings.most_similar(word_or_vector, topn)`` takes ``topn``
second where gensim's takes ``negative``, ``Embeddings.save`` writes a directory where gensim's
``save`` writes one file, and ``Embeddings.similarity`` returns a Python float where gensim returns
``numpy.float32``. A subclass would have to break one of the contracts; holding one keeps both:
pass ``kv.embeddings`` to :mod:`fastw2v.analysis` or the CLI's functions, and
:meth:`KeyedVectors.from_embeddings` wraps any Embeddings.
"""
from __future__ import annotations

import logging
from numbers import Integral
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import numpy as np

from ..base.paths import PathLike
from ..base.validate import check_int
from ..vectors import native
from ..vectors.embeddings import Embeddings
from ..vectors.query import best_rows, row_norms, unit_vector
from ..vectors.word2vec import write_word2vec
from ..vectors.word2vec_read import file_layout, read_word2vec
from ..base.vocabfile import read_vocab_file, write_vocab_file
from ..errors import ModelFormatError
from . import evaluation

logger = logging.getLogger("fastw2v")

#: What gensim accepts as a key: a word, or an integer row.
_KEY_TYPES = (str, int, np.integer)
#: A key, or a vector given in its place.
_EXTENDED_KEY_TYPES = (str, int, np.integer, np.ndarray)
#: gensim's additive constant in most_similar_cosmul's denominator.
COSMUL_EPSILON = 1e-6

#: gensim KeyedVectors attributes fastw2v does not provide, and what to use instead.
_NOT_PROVIDED = {
    "vocab": "gensim 4 removed it too: use key_to_index, index_to_key and get_vecattr(key, "
             "'count')",
    "wmdistance": "needs the POT library; use to_gensim().wmdistance(...)",
    "intersect_word2vec_format": "use to_gensim().intersect_word2vec_format(...)",
    "vectors_lockf": "fastw2v trains every vector (no per-word lock factors)",
}

__all__ = ["KeyedVectors"]


def _unitvec(vec: np.ndarray) -> np.ndarray:
    """A unit vector with gensim's arithmetic (float64 quotients rounded once)."""
    return unit_vector(vec, divide_in_float64=True)


def _ensure_list(value: Any) -> list:
    """gensim's reading of ``positive``/``negative``: one key or vector, or a list of them."""
    if value is None:
        return []
    if isinstance(value, _KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return list(value)
    return list(value)


class KeyedVectors:
    """Word vectors with gensim's ``KeyedVectors`` API (see the module docstring).

    Parameters
    ----------
    vector_size : int
        Dimensionality of an empty set of vectors (fill it with :meth:`add_vectors`), as in
        gensim's ``KeyedVectors(vector_size)``.
    count, dtype, mapfile_path
        Accepted for gensim compatibility; vectors are always float32 (``dtype`` must be float32).

    Attributes
    ----------
    vectors : numpy.ndarray
        ``(len(kv), vector_size)`` float32.
    index_to_key : list of str
        Row order (most frequent first in trained or word2vec files).
    key_to_index : dict of str to int
    vector_size : int
    embeddings : Embeddings
        The same data as fastw2v's :class:`~fastw2v.vectors.embeddings.Embeddings`.
    """

    def __init__(self, vector_size: int, count: int = 0, dtype: Any = np.float32,
                 mapfile_path: Any = None) -> None:
        vector_size = check_int("vector_size", vector_size, 1)
        if np.dtype(dtype) != np.float32:
            raise ValueError(f"fastw2v stores vectors as float32, got dtype={dtype!r}")
        if mapfile_path is not None:
            raise ValueError("mapfile_path is not supported: load a saved model with "
                             "KeyedVectors.load(path, mmap='r') to memory-map it")
        self._emb = Embeddings(np.zeros((0, vector_size), dtype=np.float32), [])
        self._norms: Optional[np.ndarray] = None
        self._attrs: Dict[str, np.ndarray] = {}

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_embeddings(cls, emb: Embeddings) -> "KeyedVectors":
        """Wrap an :class:`Embeddings` (shares its arrays; no copy)."""
        kv = cls.__new__(cls)
        kv._emb = emb
        kv._norms = None
        kv._attrs = {}
        return kv

    @property
    def embeddings(self) -> Embeddings:
        """The same vectors as fastw2v's :class:`Embeddings` (for :mod:`fastw2v.analysis`)."""
        return self._emb

    def _replace(self, vectors: np.ndarray, words: List[str],
                 counts: Optional[np.ndarray]) -> None:
        """Swap in a new vocabulary (Word2Vec's build_vocab(update=True), add_vectors)."""
        self._emb = Embeddings(vectors, words, counts=counts)
        self._norms = None
        self._attrs = {}

    # -- container protocol ---------------------------------------------------------------------
    @property
    def vectors(self) -> np.ndarray:
        return self._emb.vectors

    @vectors.setter
    def vectors(self, value: Any) -> None:
        self._emb.vectors = value
        self._norms = None

    @property
    def index_to_key(self) -> List[str]:
        return self._emb.words

    @property
    def key_to_index(self) -> Dict[str, int]:
        return self._emb.index

    @property
    def vector_size(self) -> int:
        return self._emb.dim

    def __len__(self) -> int:
        return len(self._emb)

    def __contains__(self, key: Any) -> bool:
        return self.has_index_for(key)

    def __getitem__(self, key_or_keys: Any) -> np.ndarray:
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(key) for key in key_or_keys])

    def __setitem__(self, keys: Any, weights: Any) -> None:
        if not isinstance(keys, list):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def __str__(self) -> str:
        return f"{type(self).__name__}<vector_size={self.vector_size}, {len(self)} keys>"

    __repr__ = __str__

    def __getattr__(self, name: str) -> Any:
        if name in _NOT_PROVIDED:
            raise AttributeError(f"KeyedVectors.{name} is not provided by fastw2v: "
                                 f"{_NOT_PROVIDED[name]}")
        raise AttributeError(f"'KeyedVectors' object has no attribute {name!r}")

    # -- keys and vectors -----------------------------------------------------------------------
    def get_index(self, key: Any, default: Optional[int] = None) -> int:
        """Row of ``key``; an integer in range is its own row; else ``default`` or KeyError."""
        val = self._emb.index.get(key, -1) if isinstance(key, str) else -1
        if val >= 0:
            return val
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) \
                and 0 <= key < len(self):
            return int(key)
        if default is not None:
            return default
        raise KeyError(f"Key '{key}' not present")

    def has_index_for(self, key: Any) -> bool:
        try:
            return self.get_index(key, -1) >= 0
        except TypeError:  # unhashable
            return False

    def get_vector(self, key: Any, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (a view), or its unit vector with ``norm=True``."""
        index = self.get_index(key)
        if norm:
            return self.vectors[index] / self.norms[index]
        return self.vectors[index]

    word_vec = get_vector

    @property
    def norms(self) -> np.ndarray:
        """The length of every vector (float32), computed once (:meth:`fill_norms`)."""
        self.fill_norms()
        return self._norms  # type: ignore[return-value]

    def fill_norms(self, force: bool = False) -> None:
        """Compute the norms (again with ``force``, after changing :attr:`vectors` in place)."""
        if self._norms is None or force or len(self._norms) != len(self):
            self._norms = row_norms(self.vectors)

    def get_normed_vectors(self) -> np.ndarray:
        """Every vector scaled to unit length (a new array)."""
        return self.vectors / self.norms[..., np.newaxis]

    def unit_normalize_all(self) -> None:
        """Scale every vector to unit length in place (irreversible)."""
        self.vectors = self.get_normed_vectors().astype(np.float32)
        self._norms = np.ones(len(self), dtype=np.float32)

    def init_sims(self, replace: bool = False) -> None:
        """Deprecated in gensim 4: computes the norms (``replace=True``: unit-normalises)."""
        self.fill_norms()
        if replace:
            self.unit_normalize_all()

    def get_vecattr(self, key: Any, attr: str) -> Any:
        """A per-key attribute; ``"count"`` is the corpus frequency (for vectors loaded without
        counts, gensim's stand-in ``len - row``)."""
        index = self.get_index(key)
        if attr == "count":
            counts = self._emb.counts
            return counts[index] if counts is not None else np.int64(len(self) - index)
        try:
            return self._attrs[attr][index]
        except KeyError:
            raise KeyError(f"no attribute {attr!r} is set") from None

    def set_vecattr(self, key: Any, attr: str, val: Any) -> None:
        index = self.get_index(key)
        if attr == "count":
            if self._emb.counts is None:
                self._emb.counts = np.arange(len(self), 0, -1, dtype=np.int64)
            self._emb.counts[index] = val
            return
        if attr not in self._attrs:
            self._attrs[attr] = np.zeros(len(self), dtype=np.asarray(val).dtype)
        self._attrs[attr][index] = val

    def add_vectors(self, keys: Sequence[str], weights: Any, extras: Optional[dict] = None,
                    replace: bool = False) -> None:
        """Append ``keys`` with their ``weights`` (rows); existing keys are kept unless
        ``replace``. ``extras`` may hold ``{"count": [...]}``."""
        keys = list(keys)
        weights = np.asarray(weights, dtype=np.float32).reshape(len(keys), -1)
        counts_in = None if not extras or "count" not in extras else \
            np.asarray(extras["count"], dtype=np.int64)
        vectors = self.vectors.copy()
        words = list(self.index_to_key)
        counts = None if self._emb.counts is None else self._emb.counts.copy()
        new_words, new_rows, new_counts = [], [], []
        for i, k in enumerate(keys):
            row = self._emb.index.get(k)
            if row is not None:
                if replace:
                    vectors[row] = weights[i]
                    if counts is not None and counts_in is not None:
                        counts[row] = counts_in[i]
                continue
            new_words.append(k)
            new_rows.append(weights[i])
            new_counts.append(0 if counts_in is None else int(counts_in[i]))
        if new_words:
            vectors = np.vstack([vectors, np.asarray(new_rows, dtype=np.float32)])
            words += new_words
            if counts is not None or counts_in is not None:
                old = counts if counts is not None else np.arange(len(self), 0, -1,
                                                                  dtype=np.int64)
                counts = np.concatenate([old, np.asarray(new_counts, dtype=np.int64)])
        self._replace(vectors, words, counts)

    def add_vector(self, key: str, vector: Any) -> int:
        """Add one key (an existing key keeps its vector, as in gensim); returns its row."""
        self.add_vectors([key], np.asarray(vector).reshape(1, -1))
        return self.get_index(key)

    # -- similarity queries ---------------------------------------------------------------------
    def get_mean_vector(self, keys: Any, weights: Any = None, pre_normalize: bool = True,
                        post_normalize: bool = False, ignore_missing: bool = True) -> np.ndarray:
        """Weighted mean of the (unit, with ``pre_normalize``) vectors of ``keys``; arrays in
        ``keys`` are used as they are. Missing keys are skipped unless ``ignore_missing=False``
        (then KeyError)."""
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        # Python numbers (None, a list) keep float32 arithmetic; a float64 array makes the
        # weighted sum float64, as NumPy's promotion rules (and gensim) have it.
        if weights is None:
            weights = [1.0] * len(keys)
        if len(keys) != len(weights):
            raise ValueError("keys and weights array must have same number of elements")
        mean = np.zeros(self.vector_size, self.vectors.dtype)
        total_weight = 0
        for idx, key in enumerate(keys):
            if isinstance(key, np.ndarray):
                mean += weights[idx] * key
                total_weight += abs(weights[idx])
            elif self.__contains__(key):
                vec = self.get_vector(key, norm=pre_normalize)
                mean += weights[idx] * vec
                total_weight += abs(weights[idx])
            elif not ignore_missing:
                raise KeyError(f"Key '{key}' not present in vocabulary")
        if total_weight > 0:
            mean = mean / total_weight  # NumPy's result type, as in gensim
        if post_normalize:
            mean = _unitvec(mean).astype(self.vectors.dtype)
        return mean

    def most_similar(self, positive: Any = None, negative: Any = None, topn: Optional[int] = 10,
                     clip_start: int = 0, clip_end: Optional[int] = None,
                     restrict_vocab: Optional[int] = None, indexer: Any = None):
        """The ``topn`` keys most similar to the mean of ``positive`` minus ``negative`` (keys,
        vectors, or ``(key, weight)`` pairs), by cosine; the input keys are never returned.

        Returns a list of ``(key, similarity)``; ``topn=None`` returns every similarity as an
        array (rows ``clip_start:clip_end``, or the first ``restrict_vocab``).
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive = _ensure_list(positive)
        negative = _ensure_list(negative)
        clip_end = clip_end or len(self.vectors)
        if restrict_vocab:
            clip_start, clip_end = 0, restrict_vocab
        keys = []
        weight = np.concatenate((np.ones(len(positive)), -1.0 * np.ones(len(negative))))
        for idx, item in enumerate(positive + negative):
            if isinstance(item, _EXTENDED_KEY_TYPES):
                keys.append(item)
            else:
                keys.append(item[0])
                weight[idx] = item[1]
        mean = self.get_mean_vector(keys, weight, pre_normalize=True, post_normalize=True,
                                    ignore_missing=False)
        all_keys = [self.get_index(key) for key in keys
                    if isinstance(key, _KEY_TYPES) and self.has_index_for(key)]
        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(mean, topn)
        dists = np.dot(self.vectors[clip_start:clip_end], mean) / self.norms[clip_start:clip_end]
        if not topn:
            return dists
        rows = best_rows(dists, int(topn), [k - clip_start for k in all_keys])
        return [(self.index_to_key[r + clip_start], float(dists[r])) for r in rows]

    def similar_by_word(self, word: Any, topn: Optional[int] = 10,
                        restrict_vocab: Optional[int] = None):
        """:meth:`most_similar` of one key."""
        return self.most_similar(word, topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(self, vector: np.ndarray, topn: Optional[int] = 10,
                          restrict_vocab: Optional[int] = None):
        """:meth:`most_similar` of one vector (no key is excluded)."""
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive: Any = None, negative: Any = None,
                            topn: Optional[int] = 10, restrict_vocab: Optional[int] = None):
        """3CosMul (Levy & Goldberg 2014): rank by the product of the positive similarities
        divided by the product of the negative ones (cosines shifted to [0, 1]), as gensim 4 does
        -- which searches every row whatever ``restrict_vocab`` says."""
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive = _ensure_list(positive)
        negative = _ensure_list(negative)
        all_words = {self.get_index(word) for word in positive + negative
                     if not isinstance(word, np.ndarray) and word in self.key_to_index}
        positive = [self.get_vector(word, norm=True) if isinstance(word, str) else word
                    for word in positive]
        negative = [self.get_vector(word, norm=True) if isinstance(word, str) else word
                    for word in negative]
        if not positive:
            raise ValueError("cannot compute similarity with no input")
        norms = self.norms
        pos_dists = [((1 + np.dot(self.vectors, term) / norms) / 2) for term in positive]
        neg_dists = [((1 + np.dot(self.vectors, term) / norms) / 2) for term in negative]
        dists = np.prod(pos_dists, axis=0) / (np.prod(neg_dists, axis=0) + COSMUL_EPSILON)
        if not topn:
            return dists
        rows = best_rows(dists, int(topn), all_words)
        return [(self.index_to_key[r], float(dists[r])) for r in rows]

    def similarity(self, w1: Any, w2: Any) -> np.float32:
        """Cosine similarity of two keys."""
        return np.dot(_unitvec(self[w1]), _unitvec(self[w2]))

    def n_similarity(self, ws1: Sequence[Any], ws2: Sequence[Any]) -> np.float32:
        """Cosine similarity of the mean vectors of two lists of keys."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        mean1 = self.get_mean_vector(ws1, pre_normalize=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False)
        return np.dot(_unitvec(mean1), _unitvec(mean2))

    def distance(self, w1: Any, w2: Any) -> np.float32:
        """``1 - similarity(w1, w2)``."""
        return 1 - self.similarity(w1, w2)

    @staticmethod
    def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
        """Cosine similarity of one vector to each row of ``vectors_all``."""
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        dot_products = np.dot(vectors_all, vector_1)
        return dot_products / (norm * all_norms)

    def distances(self, word_or_vector: Any, other_words: Sequence[Any] = ()) -> np.ndarray:
        """Cosine distances (``1 - similarity``) from a key or vector to ``other_words`` (all
        keys when empty)."""
        if isinstance(word_or_vector, _KEY_TYPES):
            input_vector = self.get_vector(word_or_vector)
        else:
            input_vector = word_or_vector
        if not other_words:
            other_vectors = self.vectors
        else:
            other_vectors = self.vectors[[self.get_index(w) for w in other_words]]
        return 1 - self.cosine_similarities(input_vector, other_vectors)

    def closer_than(self, key1: Any, key2: Any) -> List[str]:
        """Keys closer to ``key1`` than ``key2`` is (in row order)."""
        all_distances = self.distances(key1)
        e1_index = self.get_index(key1)
        e2_index = self.get_index(key2)
        closer = np.where(all_distances < all_distances[e2_index])[0]
        return [self.index_to_key[i] for i in closer if i != e1_index]

    words_closer_than = closer_than

    def rank(self, key1: Any, key2: Any) -> int:
        """Rank of ``key2`` among the neighbours of ``key1`` (1 = nearest)."""
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1: Any, keys_list: Sequence[Any]) -> Any:
        """The key of ``keys_list`` most similar to ``key1``."""
        return keys_list[int(np.argmax([self.similarity(key1, key) for key in keys_list]))]

    def doesnt_match(self, words: Iterable[Any]) -> Any:
        """The key furthest from the mean of the unit vectors (unknown keys ignored, with a
        warning). With two keys both are equally far from their mean, and float rounding picks
        one (not always the one gensim picks)."""
        words = list(words)
        used_words = [word for word in words if word in self]
        if len(used_words) != len(words):
            ignored = set(words) - set(used_words)
            logger.warning("vectors for words %s are not present in the model, ignoring these "
                           "words", ignored)
        if not used_words:
            raise ValueError("cannot select a word from an empty list")
        vectors = np.vstack([self.get_vector(word, norm=True) for word in used_words])
        vectors = vectors.astype(np.float32)
        mean = self.get_mean_vector(vectors, pre_normalize=True, post_normalize=True)
        dists = np.dot(vectors, mean)
        return sorted(zip(dists, used_words))[0][1]

    # -- evaluation (gensim's result shapes; see fastw2v.compat.evaluation) ----------------------
    def evaluate_word_analogies(self, analogies: PathLike, restrict_vocab: int = 300000,
                                case_insensitive: bool = True, dummy4unknown: bool = False,
                                similarity_function: str = "most_similar"):
        """Accuracy on an analogy file, as gensim computes and returns it: ``(score, sections)``,
        each section ``{"section": name, "correct": [(a, b, c, d), ...], "incorrect": [...]}``
        and a last ``"Total accuracy"`` section. See :func:`fastw2v.compat.evaluation.
        evaluate_word_analogies`; :func:`fastw2v.analysis.evaluate.evaluate_analogies` is
        fastw2v's own report (30k words, 3CosAdd/3CosMul)."""
        return evaluation.evaluate_word_analogies(
            self, analogies, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
            dummy4unknown=dummy4unknown, similarity_function=similarity_function)

    def evaluate_word_pairs(self, pairs: PathLike, delimiter: str = "\t", encoding: str = "utf8",
                            restrict_vocab: int = 300000, case_insensitive: bool = True,
                            dummy4unknown: bool = False):
        """Correlation with human similarity scores, as gensim returns it: ``(pearson,
        spearman, oov_ratio)`` -- ``(statistic, pvalue)`` results and the out-of-vocabulary
        share in percent. See :func:`fastw2v.compat.evaluation.evaluate_word_pairs`."""
        return evaluation.evaluate_word_pairs(
            self, pairs, delimiter=delimiter, encoding=encoding, restrict_vocab=restrict_vocab,
            case_insensitive=case_insensitive, dummy4unknown=dummy4unknown)

    # -- files ----------------------------------------------------------------------------------
    def save(self, fname: PathLike, *args: Any, **kwargs: Any) -> None:
        """Save to one file (fastw2v's native model file: a tar of ``vectors.npy``,
        ``vocab.tsv`` and ``config.json``; :mod:`fastw2v.vectors.modelfile`).

        gensim's extra arguments (``separately``, ``sep_limit``, ``pickle_protocol``, ...) are
        accepted and have no effect: nothing is pickled. An existing file is replaced only if it
        is empty or a fastw2v model file.
        """
        native.save_native(Path(fname), self.vectors, self.index_to_key, counts=self._emb.counts,
                           config=None if self._emb.config is None else
                           self._emb.config.to_dict(), stats=self._emb.stats, single_file=True)

    @classmethod
    def load(cls, fname: PathLike, mmap: Optional[str] = None) -> "KeyedVectors":
        """Load what :meth:`save` wrote (or a native model directory); ``mmap='r'`` maps the
        vectors read-only instead of reading them. A gensim pickle gets an error saying how to
        convert it."""
        return cls.from_embeddings(Embeddings.load(fname, mmap_mode=mmap))

    def save_word2vec_format(self, fname: PathLike, fvocab: Optional[PathLike] = None,
                             binary: bool = False, total_vec: Optional[int] = None,
                             write_header: bool = True, prefix: str = "", append: bool = False,
                             sort_attr: str = "count") -> None:
        """Write a word2vec.c text or binary file (``write_header=False``: no header line, as
        GloVe's files), in descending count order when counts are known; ``fvocab`` also writes
        ``word count`` lines. ``append`` and ``total_vec`` are not supported."""
        if append:
            raise ValueError("append=True is not supported: write the whole file at once")
        if total_vec is not None and total_vec != len(self):
            raise ValueError("total_vec is not supported (the header always counts every vector)")
        if sort_attr != "count":
            raise ValueError(f"sort_attr={sort_attr!r} is not supported (only 'count')")
        order = np.arange(len(self))
        counts = self._emb.counts
        if counts is not None:
            order = np.argsort(-counts, kind="stable")
        words = [prefix + self.index_to_key[i] for i in order]
        vectors = self.vectors[order] if counts is not None and \
            not np.array_equal(order, np.arange(len(self))) else self.vectors
        if fvocab is not None:
            fake = np.arange(len(self), 0, -1, dtype=np.int64)
            write_vocab_file(fvocab, words, (counts[order] if counts is not None else fake),
                             sep=" ")
        write_word2vec(fname, words, vectors, binary=binary, header=write_header)

    @classmethod
    def load_word2vec_format(cls, fname: PathLike, fvocab: Optional[PathLike] = None,
                             binary: bool = False, encoding: str = "utf8",
                             unicode_errors: str = "strict", limit: Optional[int] = None,
                             datatype: Any = np.float32,
                             no_header: Optional[bool] = None) -> "KeyedVectors":
        """Read word2vec text or binary vectors, GloVe files, fastText ``.vec``, compressed or
        not (:func:`fastw2v.vectors.word2vec_read.read_word2vec`).

        ``binary`` must say the truth as in gensim (a binary file read with ``binary=False`` is an
        error that says so). ``no_header``: None (the default here; gensim's is False) detects a
        file without a header line (GloVe) by its first line being a vector; True / False say
        so. ``fvocab`` reads gensim's ``word count`` file for the counts.
        """
        if np.dtype(datatype) != np.float32:
            raise ValueError(f"fastw2v stores vectors as float32, got datatype={datatype!r}")
        if not binary and no_header is not True:
            layout = file_layout(fname, no_header=no_header)
            if layout.binary:
                raise ModelFormatError(f"{fname} is a binary word2vec file: pass binary=True")
        words, vectors = read_word2vec(fname, binary=bool(binary), limit=limit,
                                       unicode_errors=unicode_errors, no_header=no_header,
                                       encoding=encoding)
        counts = None
        if fvocab is not None:
            vwords, vcounts = read_vocab_file(fvocab, counts=True, sep=" ")
            table = dict(zip(vwords, vcounts))
            missing = [w for w in words if w not in table]
            if missing:
                logger.warning("vocabulary file is incomplete: %r is missing", missing[0])
            counts = np.array([table.get(w, 0) for w in words], dtype=np.int64)
        return cls.from_embeddings(Embeddings(vectors, words, counts=counts))

    # -- gensim ---------------------------------------------------------------------------------
    def to_gensim(self):
        """The same vectors as a ``gensim.models.KeyedVectors`` (needs gensim; copies the
        arrays, counts as its ``"count"`` attribute)."""
        gensim_kv = _gensim_keyedvectors()
        kv = gensim_kv(self.vector_size, count=0)
        kv.add_vectors(list(self.index_to_key), np.array(self.vectors, dtype=np.float32))
        if self._emb.counts is not None:
            kv.allocate_vecattrs(attrs=["count"], types=[np.int64])
            kv.expandos["count"][:] = self._emb.counts
        return kv

    @classmethod
    def from_gensim(cls, kv: Any) -> "KeyedVectors":
        """A copy of gensim's ``KeyedVectors`` (or of a gensim model's ``.wv``)."""
        kv = getattr(kv, "wv", kv)
        words = [str(w) for w in kv.index_to_key]
        counts = None
        expandos = getattr(kv, "expandos", {}) or {}
        if "count" in expandos:
            counts = np.asarray(expandos["count"], dtype=np.int64)[:len(words)]
        return cls.from_embeddings(Embeddings(np.array(kv.vectors, dtype=np.float32), words,
                                              counts=counts))


def _gensim_keyedvectors():
    try:
        from gensim.models import KeyedVectors as GensimKeyedVectors
    except ImportError:
        raise ImportError("to_gensim() needs gensim: pip install gensim (or the bench extra: "
                          "pip install 'fastw2v[bench]')") from None
    return GensimKeyedVectors
