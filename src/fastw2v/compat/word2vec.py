"""``fastw2v.Word2Vec``: gensim's ``Word2Vec`` API over fastw2v's engine.

``from gensim.models import Word2Vec`` becomes ``from fastw2v import Word2Vec``: the same
parameter names and defaults (CBOW, ``vector_size=100``, ``window=5``, ``min_count=5``,
``workers=3``, ...), the same three steps (``Word2Vec()``, :meth:`Word2Vec.build_vocab`,
:meth:`Word2Vec.train`), ``save``/``load`` and continued training, ``wv`` a
:class:`~fastw2v.compat.keyedvectors.KeyedVectors`. Training is fastw2v's (Numba kernels, the
memory-mapped token stream): ``Word2Vec(sentences, ...)`` trains exactly what
``fastw2v.train(sentences, ...)`` trains with the same settings -- with ``workers=1`` and the same
seed the vectors are identical.

What differs from gensim, on purpose:

* the sentences are read **once per call** (gensim reads them once per epoch) and streamed to a
  temporary token stream on disk (:mod:`fastw2v.corpus.sentences`): a generator therefore works
  for ``Word2Vec(generator)`` and for ``build_vocab(gen)`` followed by ``train(gen)`` (the stream
  written by ``build_vocab`` is what ``train`` trains on); a generator that was already used up
  is an error saying so;
* sentences are never cut at 10,000 words (gensim's ``MAX_WORDS_IN_BATCH`` truncates them);
* skip-gram uses fastw2v's shared-negatives kernel by default (``shared_negatives=True``: about
  twice as fast at equal quality, benchmarks/README.md); ``shared_negatives=False`` trains every
  pair with its own negatives, as gensim does;
* ``train()`` needs neither ``total_examples``/``total_words`` (the counts are exact) nor
  ``epochs`` (default: the model's ``epochs``), but accepts them;
* features fastw2v does not have raise ``ValueError`` naming the parameter
  (:mod:`fastw2v.compat.params`): ``cbow_mean=0``, ``trim_rule``, ``sorted_vocab=0``,
  ``shrink_windows=False``, ``null_word``, a custom ``hashfxn``. ``batch_words`` has no effect
  (the kernels walk the stream in their own blocks);
* hierarchical softmax (``hs=1``, alone with ``negative=0`` or with negative sampling) keeps its
  inner-node vectors in ``syn1`` as gensim does (``len(wv)`` rows, the last one unused); they are
  saved, loaded and trained on by later ``train()`` calls. ``build_vocab(update=True)`` rebuilds
  the Huffman tree over the new counts, as gensim does, but where gensim keeps ``syn1``'s rows by
  index (so a row may now belong to a node over other words), an inner node here keeps its
  vector only if its subtree of words is unchanged and starts at zero otherwise
  (:mod:`fastw2v.compat.hstree`). ``hs=0, negative=0`` is a ``ValueError`` when the model
  is made (gensim raises it when training starts);
  ``predict_output_word`` needs negative sampling, as in gensim; with ``negative=0``,
  ``syn1neg`` is all zeros (gensim has none).

The learning rate of each ``train()`` call decays linearly from ``start_alpha`` (default
``alpha``) to ``end_alpha`` (default ``min_alpha``) over that call's epochs, as gensim documents.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..base.paths import PathLike
from ..base.validate import check_int
from ..config import MAX_COUNT, TrainConfig
from ..corpus import reader as corpus_reader
from ..corpus.cache import prepare_corpus
from ..corpus.sentences import (build_sentence_vocab, encode_sentences, encode_text_file,
                                is_one_shot, read_sentences)
from ..corpus.vocab import Vocab
from ..errors import CorpusError, ModelFormatError
from ..kernels.blocks import STAT_LOSS, STAT_WORDS_KEPT
from ..kernels.huffman import huffman_codes
from ..kernels.tables import initial_weights
from ..training.trainer import Trainer
from ..vectors import native
from .hstree import carry_inner_vectors, codes_from_paths
from .keyedvectors import KeyedVectors
from .params import check_supported

logger = logging.getLogger("fastw2v")

#: What the state of a saved Word2Vec is called in its model file (``config.json``'s ``extra``).
MODEL_KIND = "fastw2v.Word2Vec"
#: The constructor's parameters saved with a model and restored by :meth:`Word2Vec.load`.
_SAVED_PARAMS = ("vector_size", "alpha", "window", "min_count", "max_vocab_size", "sample",
                 "seed", "workers", "min_alpha", "sg", "hs", "negative", "ns_exponent",
                 "cbow_mean", "epochs", "null_word", "sorted_vocab", "batch_words",
                 "compute_loss", "comment", "max_final_vocab", "shrink_windows",
                 "shared_negatives")
#: Training state saved with a model.
_SAVED_STATE = ("corpus_count", "corpus_total_words", "train_count", "total_train_time",
                "effective_min_count", "running_training_loss")
#: train() keywords of gensim that change nothing here (progress reporting, job queues).
_NO_EFFECT = {"word_count", "queue_factor", "report_delay"}

__all__ = ["Word2Vec"]


class _Pending:
    """A stream read by build_vocab that the next train() may use instead of reading again."""

    def __init__(self, source: Any, counts: Any = None, prepared: Any = None) -> None:
        self.source = source      # the sentences object, or the corpus file's resolved path
        self.counts = counts      # SentenceCounts with a buffer (sentences)
        self.prepared = prepared  # PreparedCorpus (a corpus file, vocabulary unchanged since)

    def discard(self) -> None:
        if self.counts is not None:
            self.counts.discard()


class Word2Vec:
    """Train word2vec with gensim's API (see the module docstring).

    Parameters
    ----------
    sentences : iterable of token lists, or a text stream, optional
        E.g. ``[["the", "cat", "sat"], ...]``, an object whose ``__iter__`` yields such lists, a
        generator, or ``io.StringIO`` text. Given here, the model is built and trained at once.
    corpus_file : str or path, optional
        A text file (one sentence per line, tokens separated by whitespace; ``.gz``/``.bz2``/
        ``.xz`` too), trained through fastw2v's cached token stream.
    vector_size, alpha, window, min_count, max_vocab_size, sample, seed, workers, min_alpha, \
sg, negative, ns_exponent, epochs
        As in gensim (``sg=0``: CBOW, the default; ``sg=1``: skip-gram).
    hs : {0, 1}
        1: hierarchical softmax over a Huffman tree of the counts
        (:mod:`fastw2v.kernels.hs`), alone with ``negative=0`` or together with negative
        sampling; ``hs=0, negative=0`` is a ``ValueError`` (nothing would be trained).
    max_final_vocab : int, optional
        Keep at most this many words by raising ``min_count`` (``effective_min_count``).
    callbacks : sequence
        Objects with gensim's ``on_train_begin/on_epoch_begin/on_epoch_end/on_train_end(model)``.
    compute_loss : bool
        Report the training loss through :meth:`get_latest_training_loss`.
    cbow_mean, null_word, trim_rule, sorted_vocab, hashfxn, shrink_windows
        Only gensim's defaults are supported (``ValueError`` otherwise; see
        :mod:`fastw2v.compat.params`).
    batch_words, comment
        Accepted; ``batch_words`` has no effect, ``comment`` is stored.
    shared_negatives : bool
        fastw2v's skip-gram kernel choice (see :class:`fastw2v.config.TrainConfig`).
    progress : bool, optional
        Progress line on stderr (None: only when stderr is a terminal).
    cache_dir : str or path, optional
        Token-stream cache for ``corpus_file`` (as :func:`fastw2v.train`).

    Attributes
    ----------
    wv : KeyedVectors
        The word vectors.
    syn1neg : numpy.ndarray
        The output weights of negative sampling (``len(wv) x vector_size``; zeros with
        ``negative=0``, where gensim has no ``syn1neg``).
    syn1 : numpy.ndarray
        Only with ``hs=1``, as in gensim: the inner-node vectors of hierarchical softmax,
        ``len(wv) x vector_size`` like gensim's, rows ``0..len(wv)-2`` the tree's inner nodes
        (numbered as gensim and word2vec.c number them) and the last row unused.
    corpus_count, corpus_total_words : int
        Sentences and tokens of the corpus of the last :meth:`build_vocab`.
    """

    def __init__(self, sentences: Any = None, corpus_file: Optional[PathLike] = None,
                 vector_size: int = 100, alpha: float = 0.025, window: int = 5,
                 min_count: int = 5, max_vocab_size: Optional[int] = None, sample: float = 1e-3,
                 seed: int = 1, workers: int = 3, min_alpha: float = 0.0001, sg: int = 0,
                 hs: int = 0, negative: int = 5, ns_exponent: float = 0.75, cbow_mean: int = 1,
                 hashfxn: Any = hash, epochs: int = 5, null_word: int = 0, trim_rule: Any = None,
                 sorted_vocab: int = 1, batch_words: int = 10000, compute_loss: bool = False,
                 callbacks: Sequence[Any] = (), comment: Optional[str] = None,
                 max_final_vocab: Optional[int] = None, shrink_windows: bool = True, *,
                 shared_negatives: bool = True, progress: Optional[bool] = None,
                 cache_dir: Optional[PathLike] = None) -> None:
        check_supported(dict(hs=hs, cbow_mean=cbow_mean, null_word=null_word, sg=sg,
                             trim_rule=trim_rule, sorted_vocab=sorted_vocab, hashfxn=hashfxn,
                             shrink_windows=shrink_windows))
        if hs in (0, False) and negative in (0, False):
            raise ValueError("hs=0 and negative=0 train nothing: set hs=1 (hierarchical softmax), "
                             "negative > 0 (negative sampling) or both")
        self.vector_size, self.alpha, self.window = vector_size, alpha, window
        self.min_count, self.max_vocab_size, self.sample = min_count, max_vocab_size, sample
        self.seed, self.workers, self.min_alpha, self.sg = seed, workers, min_alpha, int(sg)
        self.hs, self.negative, self.ns_exponent = hs, negative, ns_exponent
        self.cbow_mean, self.hashfxn, self.epochs, self.null_word = cbow_mean, hashfxn, epochs, \
            null_word
        self.sorted_vocab, self.batch_words = sorted_vocab, batch_words
        self.compute_loss, self.callbacks, self.comment = compute_loss, tuple(callbacks), comment
        self.max_final_vocab = check_int("max_final_vocab", max_final_vocab, 1, allow_none=True)
        self.shrink_windows, self.shared_negatives = shrink_windows, shared_negatives
        self.progress, self.cache_dir = progress, cache_dir
        self._config()  # every value checked now, before any work
        self.wv = KeyedVectors(vector_size)
        self.syn1neg = np.zeros((0, vector_size), dtype=np.float32)
        self._vocab: Optional[Vocab] = None
        self._pending: Optional[_Pending] = None
        self.corpus_count = 0
        self.corpus_total_words = 0
        self.effective_min_count = min_count
        self.train_count = 0
        self.total_train_time = 0.0
        self.running_training_loss = 0.0
        self.stats: Optional[Dict[str, Any]] = None
        if sentences is not None and corpus_file is not None:
            raise TypeError("pass either sentences or corpus_file, not both")
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences, corpus_file=corpus_file, _constructor=True)
            self.train(sentences, corpus_file=corpus_file, total_examples=self.corpus_count,
                       epochs=self.epochs, start_alpha=self.alpha, end_alpha=self.min_alpha,
                       compute_loss=compute_loss)

    # -- configuration ----------------------------------------------------------------------
    def _config(self, epochs: Optional[int] = None, alpha: Optional[float] = None,
                min_alpha: Optional[float] = None, seed: Optional[int] = None) -> TrainConfig:
        """The engine's configuration for a run (validates every parameter)."""
        return TrainConfig(dim=self.vector_size, window=self.window, negative=self.negative,
                           sample=self.sample, min_count=max(1, self.min_count),
                           max_vocab_size=self.max_vocab_size,
                           epochs=self.epochs if epochs is None else epochs,
                           alpha=self.alpha if alpha is None else alpha,
                           min_alpha=self.min_alpha if min_alpha is None else min_alpha,
                           sg=bool(self.sg), ns_exponent=self.ns_exponent, workers=self.workers,
                           seed=self.seed if seed is None else seed,
                           shared_negatives=self.shared_negatives, hs=self.hs)

    def __str__(self) -> str:
        return (f"{type(self).__name__}<vocab={len(self.wv)}, vector_size={self.vector_size}, "
                f"alpha={self.alpha}>")

    __repr__ = __str__

    # -- vocabulary ---------------------------------------------------------------------------
    def build_vocab(self, corpus_iterable: Any = None, corpus_file: Optional[PathLike] = None,
                    update: bool = False, progress_per: int = 10000,
                    keep_raw_vocab: bool = False, trim_rule: Any = None, *,
                    sentences: Any = None, _constructor: bool = False, **kwargs: Any) -> None:
        """Count the corpus and build the vocabulary (``update=True``: add to it).

        With ``update=True`` the existing words keep their vectors and rows and their counts grow
        by the new counts; new words reaching ``min_count`` (``effective_min_count``) are appended
        in descending count order, their vectors initialised as in a new model. The input and
        output weights of a new model are initialised here (gensim's behaviour), so ``wv`` can be
        queried before training.

        ``corpus_iterable`` (or ``sentences=``, gensim 3's name) is read once; a generator's
        stream is kept for the next :meth:`train`. ``progress_per`` and ``keep_raw_vocab`` have
        no effect.
        """
        check_supported({"trim_rule": trim_rule})
        if kwargs:
            raise TypeError(f"build_vocab() got an unexpected keyword argument "
                            f"{sorted(kwargs)[0]!r}")
        corpus_iterable = _one_of(corpus_iterable, sentences, "corpus_iterable", "sentences")
        if (corpus_iterable is None) == (corpus_file is None):
            raise TypeError("build_vocab needs either corpus_iterable (sentences) or corpus_file")
        if update and self._vocab is None:
            raise RuntimeError("cannot update a vocabulary that was never built: call "
                               "build_vocab without update=True first")
        self._drop_pending()
        if corpus_file is not None and not update:
            self._build_from_file(Path(corpus_file))
            return
        if corpus_file is not None:
            cc = corpus_reader.count_words(corpus_file, max_vocab_size=self.max_vocab_size)
            counts, n_raw, n_sentences = cc.counts, cc.n_tokens, cc.n_sentences
            threshold = cc.prune_threshold
        else:
            sc = read_sentences(corpus_iterable, max_vocab_size=self.max_vocab_size)
            counts, n_raw, n_sentences, threshold = (sc.counts, sc.n_raw_tokens, sc.n_sentences,
                                                     sc.prune_threshold)
            if sc.buffer is not None and (_constructor or is_one_shot(corpus_iterable)):
                self._pending = _Pending(corpus_iterable, counts=sc)
            else:
                sc.discard()
        try:
            if update:
                self._update_vocab(counts)
            else:
                self._set_vocab(self._new_vocab(counts, threshold))
        except BaseException:
            self._drop_pending()
            raise
        self.corpus_count, self.corpus_total_words = n_sentences, n_raw

    def build_vocab_from_freq(self, word_freq: Dict[str, int], keep_raw_vocab: bool = False,
                              corpus_count: Optional[int] = None, trim_rule: Any = None,
                              update: bool = False) -> None:
        """Build (or update) the vocabulary from ``{word: count}``."""
        check_supported({"trim_rule": trim_rule})
        self._drop_pending()
        counts = {str(w): int(c) for w, c in word_freq.items()}
        if update:
            self._update_vocab(counts)
        else:
            self._set_vocab(self._new_vocab(counts, 0))
        self.corpus_count = int(corpus_count or 0)
        self.corpus_total_words = int(sum(counts.values()))

    def _effective_min_count(self, counts: Dict[str, int]) -> int:
        """``min_count``, raised so that at most ``max_final_vocab`` words remain (gensim)."""
        min_count = max(1, self.min_count)
        if self.max_final_vocab is None:
            return min_count
        kept = sorted((c for c in counts.values() if c >= min_count), reverse=True)
        if len(kept) <= self.max_final_vocab:
            return min_count
        return max(min_count, kept[self.max_final_vocab] + 1)

    def _new_vocab(self, counts: Dict[str, int], threshold: int) -> Vocab:
        self.effective_min_count = self._effective_min_count(counts)
        return build_sentence_vocab(counts, self.effective_min_count, self.max_vocab_size,
                                    prune_threshold=threshold, name="the corpus")

    def _set_vocab(self, vocab: Vocab) -> None:
        """A fresh model on ``vocab``: weights initialised as the engine does for a new run."""
        syn0, _ = initial_weights(len(vocab), self.vector_size, self.seed)
        vectors = np.ascontiguousarray(syn0[:, :self.vector_size])
        self._vocab = vocab
        self.wv._replace(vectors, list(vocab.words), np.array(vocab.counts))
        self.syn1neg = np.zeros_like(vectors)
        if self.hs:
            self.syn1 = np.zeros_like(vectors)
        self.train_count = 0

    def _update_vocab(self, counts: Dict[str, int]) -> None:
        old = self._vocab
        assert old is not None
        old_counts = np.array(old.counts, dtype=np.int64)
        for w, c in counts.items():
            row = old.index.get(w)
            if row is not None:
                old_counts[row] = min(MAX_COUNT, int(old_counts[row]) + int(c))
        min_count = self.effective_min_count
        new = [(w, c) for w, c in counts.items() if w not in old.index and c >= min_count]
        new.sort(key=lambda wc: (-wc[1], wc[0]))
        words = list(old.words) + [w for w, _ in new]
        vocab = Vocab(words, list(old_counts) + [c for _, c in new])
        n_old, n = len(old), len(words)
        vectors = np.empty((n, self.vector_size), dtype=np.float32)
        vectors[:n_old] = self.wv.vectors
        syn1 = np.zeros((n, self.vector_size), dtype=np.float32)
        syn1[:n_old] = self.syn1neg
        if n > n_old:
            fresh, _ = initial_weights(n, self.vector_size, self.seed)
            vectors[n_old:] = fresh[n_old:, :self.vector_size]
        if self.hs:  # the Huffman tree follows the new counts: carry the unchanged subtrees
            inner, carried = carry_inner_vectors(huffman_codes(old.counts), self._inner(),
                                                 huffman_codes(vocab.counts))
            self.syn1 = _gensim_syn1(inner, n)
            logger.info("Huffman tree rebuilt: %d of %d inner nodes kept their vectors, the "
                        "others start at zero", carried, max(n - 1, 0))
        self._vocab = vocab
        self.wv._replace(vectors, words, np.array(vocab.counts))
        self.syn1neg = syn1
        logger.info("vocabulary updated: %d new words, %d in all", n - n_old, n)

    def _inner(self) -> Optional[np.ndarray]:
        """The inner-node vectors as the engine holds them (``syn1`` without its unused last
        row), or None without hierarchical softmax."""
        if not self.hs:
            return None
        return self.syn1[:max(len(self.syn1) - 1, 0)]

    def _build_from_file(self, path: Path) -> None:
        prepared = self._prepare_file(path, max(1, self.min_count))
        if self.max_final_vocab is not None and len(prepared.vocab) > self.max_final_vocab:
            counts = dict(zip(prepared.vocab.words, prepared.vocab.counts.tolist()))
            effective = self._effective_min_count(counts)
            prepared = self._prepare_file(path, effective)
        self.effective_min_count = max(1, self.min_count) if self.max_final_vocab is None \
            else self._effective_min_count(dict(zip(prepared.vocab.words,
                                                    prepared.vocab.counts.tolist())))
        self._set_vocab(prepared.vocab)
        self._pending = _Pending(path.resolve(), prepared=prepared)
        self.corpus_count, self.corpus_total_words = prepared.n_sentences, prepared.n_raw_tokens

    def _prepare_file(self, path: Path, min_count: int):
        return prepare_corpus(path, min_count=min_count, max_vocab_size=self.max_vocab_size,
                              cache_dir=self.cache_dir)

    def _drop_pending(self) -> None:
        if self._pending is not None:
            self._pending.discard()
            self._pending = None

    # -- training -----------------------------------------------------------------------------
    def train(self, corpus_iterable: Any = None, corpus_file: Optional[PathLike] = None,
              total_examples: Optional[int] = None, total_words: Optional[int] = None,
              epochs: Optional[int] = None, start_alpha: Optional[float] = None,
              end_alpha: Optional[float] = None, word_count: int = 0, queue_factor: int = 2,
              report_delay: float = 1.0, compute_loss: bool = False,
              callbacks: Sequence[Any] = (), *, sentences: Any = None,
              **kwargs: Any) -> Tuple[int, int]:
        """Train on a corpus, continuing from the current weights.

        The learning rate decays linearly from ``start_alpha`` (default ``alpha``) to
        ``end_alpha`` (default ``min_alpha``) over this call's ``epochs`` (default ``epochs``);
        words outside the vocabulary are skipped. ``total_examples`` / ``total_words`` are
        accepted (gensim needs them for its schedule; fastw2v counts exactly).

        Returns
        -------
        (int, int)
            Words trained on (in the vocabulary, kept by subsampling) and raw words read, over
            all epochs (gensim's ``(trained_word_count, raw_word_count)``).
        """
        unknown = set(kwargs) - _NO_EFFECT
        if unknown:
            raise TypeError(f"train() got an unexpected keyword argument {sorted(unknown)[0]!r}")
        corpus_iterable = _one_of(corpus_iterable, sentences, "corpus_iterable", "sentences")
        if (corpus_iterable is None) == (corpus_file is None):
            raise TypeError("train needs either corpus_iterable (sentences) or corpus_file")
        if self._vocab is None:
            raise RuntimeError("you must first build vocabulary before training the model "
                               "(build_vocab)")
        epochs = self.epochs if epochs is None else epochs
        start = self.alpha if start_alpha is None else start_alpha
        end = self.min_alpha if end_alpha is None else end_alpha
        seed = self.seed if self.train_count == 0 else _call_seed(self.seed, self.train_count)
        config = self._config(epochs=epochs, alpha=start, min_alpha=end, seed=seed)
        tokens, n_raw = self._stream(corpus_iterable, corpus_file)
        callbacks = tuple(self.callbacks) + tuple(callbacks)
        compute_loss = compute_loss or self.compute_loss
        self.running_training_loss = 0.0
        t0 = time.perf_counter()
        _call(callbacks, "on_train_begin", self)
        _call(callbacks, "on_epoch_begin", self)
        if len(tokens) == 0:  # nothing of the corpus is in the vocabulary
            logger.warning("no word of the corpus is in the vocabulary: nothing to train")
            for epoch in range(epochs):
                _call(callbacks, "on_epoch_end", self)
                if epoch + 1 < epochs:
                    _call(callbacks, "on_epoch_begin", self)
            _call(callbacks, "on_train_end", self)
            return 0, n_raw * epochs
        weights = (self.wv.vectors, self.syn1neg) + ((self._inner(),) if self.hs else ())
        trainer = Trainer(config, tokens, self._vocab.counts, raw_tokens_per_epoch=n_raw,
                          initial_weights=weights)
        hooks = _EpochHooks(self, trainer, callbacks, epochs, compute_loss)
        run = trainer.run(progress=self.progress, callbacks=[hooks])
        hooks.sync()
        self.train_count += 1
        self.total_train_time += time.perf_counter() - t0
        self.stats = run.as_dict()
        _call(callbacks, "on_train_end", self)
        kept = int(trainer.stats[:, STAT_WORDS_KEPT].sum())
        return kept, n_raw * epochs

    def _stream(self, corpus_iterable: Any, corpus_file: Optional[PathLike]) -> Tuple[Any, int]:
        """The token stream to train on, and the corpus's raw tokens per epoch."""
        vocab = self._vocab
        pending, self._pending = self._pending, None
        if corpus_file is not None:
            path = Path(corpus_file)
            if pending is not None and pending.prepared is not None \
                    and pending.source == path.resolve() and pending.prepared.vocab == vocab:
                return pending.prepared.tokens, pending.prepared.n_raw_tokens
            if pending is not None:
                pending.discard()
            encoded = encode_text_file(corpus_reader.check_corpus_path(path), vocab)
            return encoded.tokens, encoded.n_raw_tokens
        if pending is not None and pending.counts is not None \
                and pending.source is corpus_iterable:
            encoded = pending.counts.encode(vocab)
            return encoded.tokens, encoded.n_raw_tokens
        if pending is not None:
            pending.discard()
        encoded = encode_sentences(corpus_iterable, vocab)
        if encoded.n_raw_tokens == 0:
            hint = (" (a generator or iterator can be read only once: pass a list or an object "
                    "with __iter__)" if is_one_shot(corpus_iterable) else "")
            raise CorpusError(f"the sentences given to train() contain no token{hint}")
        return encoded.tokens, encoded.n_raw_tokens

    def get_latest_training_loss(self) -> float:
        """The training loss summed over the examples of the latest :meth:`train` call so far
        (at an epoch's end: of the epochs trained), when ``compute_loss`` is set; else 0."""
        return self.running_training_loss

    def predict_output_word(self, context_words_list: Sequence[str],
                            topn: int = 10) -> Optional[List[Tuple[str, float]]]:
        """The words most probable at the center of ``context_words_list``, by the softmax of
        the output weights over the (mean) context vector, as gensim computes it (negative
        sampling only, as in gensim: ``RuntimeError`` with ``negative=0``)."""
        if not self.negative:
            raise RuntimeError("predict_output_word needs the output word vectors of negative "
                               "sampling (negative > 0); this model trained hierarchical softmax "
                               "alone (hs=1, negative=0), as gensim requires too")
        rows = [self.wv.get_index(w) for w in context_words_list if w in self.wv]
        if not rows:
            logger.warning("All the input context words are out-of-vocabulary for the current "
                           "model.")
            return None
        l1 = np.sum(self.wv.vectors[rows], axis=0)
        if self.cbow_mean:
            l1 /= len(rows)
        prob = np.exp(np.dot(l1, self.syn1neg.T))
        prob /= np.sum(prob)
        top = np.argsort(-prob, kind="stable")[:topn]
        return [(self.wv.index_to_key[i], prob[i]) for i in top]

    # -- files ----------------------------------------------------------------------------------
    def save(self, fname_or_handle: PathLike, *args: Any, **kwargs: Any) -> None:
        """Save the whole model to one file: both weight matrices, the vocabulary with counts,
        the parameters and the training state (a native model file,
        :mod:`fastw2v.vectors.modelfile`; ``Embeddings.load`` and ``KeyedVectors.load`` read its
        vectors). gensim's extra arguments are accepted and have no effect; callbacks are not
        saved."""
        if self._vocab is None:
            raise RuntimeError("nothing to save: the vocabulary was never built")
        extra = {"kind": MODEL_KIND,
                 "params": {k: getattr(self, k) for k in _SAVED_PARAMS},
                 "state": {k: getattr(self, k) for k in _SAVED_STATE}}
        native.save_native(Path(fname_or_handle), self.wv.vectors, self.wv.index_to_key,
                           counts=self._vocab.counts, config=self._config().to_dict(),
                           stats=self.stats, output_vectors=self.syn1neg, extra=extra,
                           single_file=True, inner_vectors=self._inner())

    @classmethod
    def load(cls, fname: PathLike, mmap: Optional[str] = None) -> "Word2Vec":
        """Load a model written by :meth:`save`; ``mmap='r'`` maps the weights read-only (training
        then works on copies)."""
        model = native.load_native(fname, mmap)
        extra = model.extra or {}
        if extra.get("kind") != MODEL_KIND or model.output_vectors is None:
            raise ModelFormatError(f"{fname} holds word vectors without a Word2Vec model's "
                                   f"output weights and state (saved by KeyedVectors.save, "
                                   f"Embeddings.save or fastw2v train): load it with "
                                   f"KeyedVectors.load to query it; it cannot be trained on")
        if model.counts is None:
            raise ModelFormatError(f"{fname}: a Word2Vec model needs its word counts")
        params = dict(extra.get("params", {}))
        try:
            self = cls(**params)
        except (TypeError, ValueError) as exc:
            raise ModelFormatError(f"{fname}: bad model parameters: {exc}") from None
        for k, v in extra.get("state", {}).items():
            if k in _SAVED_STATE:
                setattr(self, k, v)
        self._vocab = Vocab(model.words, model.counts)
        self.wv._replace(model.vectors, list(model.words), model.counts)
        self.syn1neg = model.output_vectors
        if self.hs:
            if model.inner_vectors is None:
                raise ModelFormatError(f"{fname}: a hierarchical-softmax model (hs=1) needs its "
                                       f"inner-node vectors ({native.INNER_FILE}), which the "
                                       f"file lacks")
            self.syn1 = _gensim_syn1(model.inner_vectors, len(model.words))
        self.stats = model.stats
        return self

    # -- gensim ---------------------------------------------------------------------------------
    @classmethod
    def from_gensim(cls, model: Any) -> "Word2Vec":
        """A fastw2v model with the weights, vocabulary and parameters of a gensim ``Word2Vec``
        (negative sampling, hierarchical softmax or both), to continue training or save without
        pickles. With ``hs=1`` the inner-node vectors are carried over to fastw2v's Huffman tree
        of the same counts (:mod:`fastw2v.compat.hstree`: nodes over the same words keep their
        vectors; the trees are the same unless gensim broke a tie between equal counts
        differently)."""
        params = {k: getattr(model, k) for k in ("vector_size", "alpha", "window", "min_count",
                                                 "max_vocab_size", "sample", "seed", "workers",
                                                 "min_alpha", "sg", "hs", "negative",
                                                 "ns_exponent", "cbow_mean", "epochs",
                                                 "max_final_vocab")
                  if hasattr(model, k)}
        self = cls(**params)
        kv = KeyedVectors.from_gensim(model.wv)
        counts = kv.embeddings.counts
        if counts is None:
            counts = np.arange(len(kv), 0, -1, dtype=np.int64)
        self._vocab = Vocab(kv.index_to_key, counts)
        self.wv._replace(np.array(kv.vectors), list(kv.index_to_key), counts)
        if self.negative:
            self.syn1neg = np.array(model.syn1neg, dtype=np.float32)
        else:  # gensim has no syn1neg without negative sampling
            self.syn1neg = np.zeros_like(self.wv.vectors)
        if self.hs:
            n = len(kv)
            theirs = codes_from_paths([model.wv.get_vecattr(i, "code") for i in range(n)],
                                      [model.wv.get_vecattr(i, "point") for i in range(n)])
            inner, carried = carry_inner_vectors(theirs, np.asarray(model.syn1)[:max(n - 1, 0)],
                                                 huffman_codes(counts))
            self.syn1 = _gensim_syn1(inner, n)
            if carried < n - 1:
                logger.warning("gensim's Huffman tree differs from fastw2v's in %d of %d inner "
                               "nodes (ties between equal counts): those start at zero",
                               n - 1 - carried, n - 1)
        self.corpus_count = int(getattr(model, "corpus_count", 0))
        self.corpus_total_words = int(getattr(model, "corpus_total_words", 0) or 0)
        self.train_count = max(1, int(getattr(model, "train_count", 1)))
        return self


class _EpochHooks:
    """The engine's epoch callback: bring the model's weights and loss up to date and call the
    gensim-style callbacks with the model."""

    def __init__(self, model: Word2Vec, trainer: Trainer, callbacks: Sequence[Any], epochs: int,
                 compute_loss: bool) -> None:
        self.model, self.trainer, self.callbacks = model, trainer, callbacks
        self.epochs, self.compute_loss = epochs, compute_loss

    def sync(self) -> None:
        dim = self.model.vector_size
        self.model.wv.vectors = self.trainer.vectors
        self.model.syn1neg = np.ascontiguousarray(self.trainer.syn1[:, :dim])
        if self.model.hs:
            self.model.syn1 = _gensim_syn1(self.trainer.syn1hs[:, :dim], len(self.model.wv))
        if self.compute_loss:
            self.model.running_training_loss = float(self.trainer.stats[:, STAT_LOSS].sum())

    def on_epoch_end(self, epoch: int, stats: Dict[str, Any]) -> None:
        if not self.callbacks and not self.compute_loss:
            return
        self.sync()
        _call(self.callbacks, "on_epoch_end", self.model)
        if epoch < self.epochs:
            _call(self.callbacks, "on_epoch_begin", self.model)


def _call(callbacks: Sequence[Any], name: str, model: Word2Vec) -> None:
    for cb in callbacks:
        method = getattr(cb, name, None)
        if method is not None:
            method(model)


def _gensim_syn1(inner: np.ndarray, n_words: int) -> np.ndarray:
    """gensim's ``syn1``: one row per word (``n_words x dim``), the inner nodes' vectors in rows
    ``0..n_words-2`` and the last row unused (a tree over ``n`` words has ``n - 1`` inner nodes)."""
    syn1 = np.zeros((n_words, inner.shape[1]), dtype=np.float32)
    syn1[:inner.shape[0]] = inner
    return syn1


def _one_of(a: Any, b: Any, name_a: str, name_b: str) -> Any:
    if a is not None and b is not None:
        raise TypeError(f"pass {name_a} or {name_b}, not both")
    return a if a is not None else b


def _call_seed(seed: int, call: int) -> int:
    """The engine's seed for the ``call``-th train() of a model (0: the model's seed, so a first
    call trains exactly what fastw2v.train does): later calls draw fresh negatives, windows and
    subsampling instead of repeating the first call's."""
    state = np.random.SeedSequence([int(seed), int(call)]).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))
