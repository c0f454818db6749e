"""Thread orchestration: the only module that starts threads.

``workers`` Python threads each run one nogil kernel call over a contiguous shard of the
memory-mapped token stream per epoch. The weights are shared without locks (Hogwild; where and why
races are tolerated is documented in :class:`fastw2v.kernels.state.Weights`). Every thread owns its
:class:`fastw2v.kernels.state.ThreadState` (scratch buffers, RNG state, statistics row, cursor) and
its progress slot; all of them are built by :mod:`fastw2v.kernels.state`'s constructors. The main
thread only waits, draws the progress line, checks for divergence between epochs and re-raises any
worker exception.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from . import evalloss

from ..kernels import tables
from ..kernels.blocks import (PROGRESS_STRIDE, STAT_EXAMPLES, STAT_LOSS, STAT_WORDS_KEPT, STATS_WIDTH,
                              linear_alpha)
from ..config import TrainConfig
from ..corpus.stream import release_pages
from ..errors import HintedError
from ..kernels.driver import model_code, train_shard
from ..kernels.state import (CURSOR_POS, CURSOR_SIZE, allocate_thread_state, make_params,
                             make_shared, make_tables, make_weights, token_stream, weights_from)
from ..base.progress import ProgressArg, Stage, as_progress
from ..base.signals import critical, interrupt_signal, signal_name
from ..base.text import count

logger = logging.getLogger("fastw2v")

#: Loading the driver from the kernels' compile cache takes well under a second; longer means it
#: was compiled (the first run after installing or upgrading, about 15 s on 2 cores), which is
#: worth a log line.
COMPILE_NOTE_SECONDS = 2.0

#: Seconds between two looks of the main thread at the workers (progress line, Ctrl-C response).
POLL_SECONDS = 0.25

#: Seconds between two releases of the token stream's pages from the resident set while training
#: (:func:`fastw2v.corpus.stream.release_pages`). The threads read the stream at ~4 bytes per raw
#: word, about 12 MB/s on 2 threads here, so about 6 MB of it is resident at a time instead of the
#: whole file; a release costs well under a millisecond and the pages come back by minor faults
#: from the page cache.
RELEASE_SECONDS = 0.5


class TrainingDiverged(HintedError, RuntimeError):
    """The weights became NaN or infinite (typically a learning rate far too large); ``option``
    names the learning rate (see :class:`fastw2v.errors.HintedError`)."""


class TrainingInterrupted(KeyboardInterrupt):
    """A signal (Ctrl-C, SIGTERM, SIGHUP) stopped training.

    Attributes
    ----------
    checkpoint : path or None
        The checkpoint to ``resume`` from: the one just written (``saved``), or the previous one
        when the new one could not be written; None when there is none.
    saved : bool
        Whether the checkpoint holds the state at the interruption.
    signum : int
        The signal (``signal.SIGINT`` for Ctrl-C).
    note : str
        What happened to the checkpoint, when it is not simply "written".
    """

    def __init__(self, checkpoint, saved: bool = True, signum: int = 2, note: str = ""):
        self.checkpoint, self.saved, self.signum, self.note = checkpoint, saved, signum, note
        what = (f"checkpoint written to {checkpoint}" if saved else
                note or "no checkpoint was written")
        super().__init__(f"training interrupted by {signal_name(signum)}; {what}")


@dataclass
class EpochStats:
    """What one epoch did, summed over threads."""

    epoch: int
    words: int            # in-vocabulary tokens read (word2vec.c's count)
    words_kept: int       # after subsampling
    examples: int         # (center, context) examples (skip-gram) or center words (CBOW)
    loss: float           # mean negative-sampling loss per example, measured while training
    seconds: float
    alpha: float          # learning rate at the end of the epoch
    eval_loss: float = float("nan")  # loss on a fixed probe at the epoch's end (fastw2v.training.evalloss)
    raw_words: int = 0    # tokens of the corpus read, out-of-vocabulary ones included: the words
                          # of every words/s fastw2v shows (0 when restored from an older run)


@dataclass
class TrainStats:
    """Summary of a training run, stored with the model (``Embeddings.stats``)."""

    epochs: List[EpochStats] = field(default_factory=list)
    seconds: float = 0.0
    words: int = 0
    raw_words: int = 0

    @property
    def raw_words_per_sec(self) -> float:
        """Raw words (every token of the corpus, all epochs) per second of training."""
        return self.raw_words / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        words_per_sec = self.words / self.seconds if self.seconds > 0 else 0.0
        raw_per_sec = self.raw_words / self.seconds if self.seconds > 0 else 0.0
        return {
            "train_seconds": self.seconds,
            "words": self.words,
            "raw_words": self.raw_words,
            "words_per_sec": words_per_sec,
            "raw_words_per_sec": raw_per_sec,
            "epochs": [vars(e).copy() for e in self.epochs],
        }


class Trainer:
    """Owns the shared weights and the per-thread state of one training run.

    Parameters
    ----------
    config : TrainConfig
    tokens : int32 array (usually a read-only ``np.memmap``)
        The encoded corpus, ``SENTENCE_END`` (-1) between sentences.
    counts : int64 array
        Vocabulary counts, indexed by word id, sorted descending.
    raw_tokens_per_epoch : int
        Whitespace tokens in the corpus file including out-of-vocabulary ones, for raw words/s.
    eval_loss : bool
        Compute the evaluation loss (:mod:`fastw2v.training.evalloss`) at every epoch's end.
    initial_weights : (syn0, syn1), optional
        Continue training from these ``(n_words, dim)`` input and output vectors (copied) instead
        of a fresh initialisation; the learning rate still decays from ``config.alpha`` to
        ``config.min_alpha`` over this run's ``config.epochs``.
    """

    def __init__(self, config: TrainConfig, tokens: np.ndarray, counts: np.ndarray,
                 raw_tokens_per_epoch: Optional[int] = None, eval_loss: bool = True,
                 initial_weights: Optional[Tuple[np.ndarray, np.ndarray]] = None):
        self.config = config
        self.tokens = token_stream(tokens)  # read-only view, no copy
        self.n_words = int(len(counts))
        self.words_per_epoch = len(tokens) - _count_sentence_ends(self.tokens)
        self.raw_tokens_per_epoch = (int(raw_tokens_per_epoch) if raw_tokens_per_epoch is not None
                                     else self.words_per_epoch)
        self.total_words = max(1, self.words_per_epoch * config.epochs)

        if initial_weights is None:
            self.weights = make_weights(self.n_words, config.dim, config.seed, hs=config.hs)
        else:
            if np.shape(initial_weights[0]) != (self.n_words, config.dim):
                raise ValueError(f"initial weights have shape {np.shape(initial_weights[0])}, "
                                 f"expected {(self.n_words, config.dim)}")
            self.weights = weights_from(*initial_weights, hs=config.hs)
        self.tables = make_tables(counts, config.sample, config.ns_exponent, hs=config.hs)
        self.loss_probe = None
        if eval_loss:
            ns_weights = tables.negative_weights(counts, config.ns_exponent)
            kept = float(np.dot(np.asarray(counts, dtype=np.float64),
                                np.minimum(self.tables.keep_threshold, 1 << 32) / 2.0**32))
            self.loss_probe = evalloss.make_probe(
                tokens, ns_weights / ns_weights.sum(), config.window, config.negative,
                config.seed, evalloss.probe_centers(kept, config.window, config.negative))
        self.params = make_params(model_code(config.sg, config.shared_negatives, config.hs),
                                  config.window,
                                  config.negative, config.alpha, config.min_alpha,
                                  self.total_words)

        n = config.workers
        self.shards = shard_bounds(len(tokens), n)
        self.shared = make_shared(n)
        width = self.syn0.shape[1]  # dim padded, see tables.ROW_ALIGN_FLOATS
        self.threads = [allocate_thread_state(t, self.params, width, config.seed)
                        for t in range(n)]
        # Where the run stands (all of it goes into a checkpoint):
        self.epoch = 0                    # the epoch being (or next to be) trained, 0-based
        self.in_epoch = False             # True while an epoch is paused half way
        self.epoch_base = np.zeros(STATS_WIDTH + 1)  # stats sums and words at the epoch's start
        self.epoch_seconds = 0.0          # time spent in the current epoch so far
        self.elapsed = 0.0                # training time of the whole run so far
        self.history: List[EpochStats] = []
        self._pool: Optional[ThreadPoolExecutor] = None

    # -- one thread's work -------------------------------------------------------------------
    def _run_shard(self, t: int) -> None:
        start, end = self.shards[t]
        train_shard(self.weights, self.tables, self.params, self.shared, self.threads[t],
                    self.tokens, start, end)

    @property
    def syn0(self) -> np.ndarray:
        """The input vectors as the kernels hold them (padded rows, see :class:`Weights`)."""
        return self.weights.syn0

    @property
    def syn1(self) -> np.ndarray:
        """The output vectors as the kernels hold them (padded rows)."""
        return self.weights.syn1

    @property
    def syn1hs(self) -> np.ndarray:
        """The inner-node vectors of hierarchical softmax (no row without it; padded rows)."""
        return self.weights.syn1hs

    @property
    def stats(self) -> np.ndarray:
        """Every thread's statistics row, ``(workers, STATS_WIDTH)`` float64 (a copy)."""
        return np.stack([th.stats for th in self.threads])

    @property
    def vectors(self) -> np.ndarray:
        """The trained input vectors, ``(n_words, dim)`` float32, without the padding columns."""
        return np.ascontiguousarray(self.syn0[:, :self.config.dim])

    def take_vectors(self) -> np.ndarray:
        """:attr:`vectors` made in place in the input matrix's memory, for a finished run: the
        trainer gives up its weights (the output and inner-node matrices are freed at once) and
        cannot train or checkpoint any more.

        :attr:`vectors` copies, so at the end of a run the process would hold both matrices and
        the copy at once: its peak memory (+27 MB at dim 100 on wiki100m). Here the rows are
        moved to the front of the buffer, ``dim`` floats each, in blocks of
        :data:`_COMPACT_ROWS`; a block's destination ends before the first row not yet moved, so
        nothing unread is overwritten. The result is a view of that buffer.
        """
        syn0, dim = self.weights.syn0, self.config.dim
        self.weights = None
        n, width = syn0.shape
        if width == dim:
            return syn0
        flat = syn0.reshape(-1)
        for a in range(0, n, _COMPACT_ROWS):
            b = min(n, a + _COMPACT_ROWS)
            flat[a * dim:b * dim] = syn0[a:b, :dim].ravel()  # a copy of the block, then moved
        return flat[:n * dim].reshape(n, dim)

    # -- helpers for the main thread ----------------------------------------------------------
    def words_done(self) -> int:
        return int(self.shared.progress[::PROGRESS_STRIDE].sum())

    def current_alpha(self) -> float:
        p = self.params
        return float(linear_alpha(p.alpha0, p.min_alpha, self.words_done(), p.total_words))

    def _check_finite(self) -> None:
        """Raise :class:`TrainingDiverged` rather than continue (or checkpoint) NaN weights."""
        for name, w in (("input", self.syn0), ("output", self.syn1),
                        ("inner-node", self.syn1hs)):
            if not np.isfinite(w).all():
                raise TrainingDiverged(
                    f"training diverged in epoch {self.epoch + 1}: the {name} vectors contain "
                    f"NaN or infinite values ({{option}} is probably too large)",
                    option=("alpha", self.config.alpha))

    # -- the run -------------------------------------------------------------------------------
    def _load_kernels(self) -> None:
        """Compile the driver for this run's types (or load it from the kernels' compile cache)
        before the first epoch, so that epoch 1's time and words/s are training only. A call over
        an empty shard with a scratch thread state of its own changes no weight, counter or RNG
        state."""
        t0 = time.perf_counter()
        scratch = allocate_thread_state(0, self.params, self.syn0.shape[1], self.config.seed)
        train_shard(self.weights, self.tables, self.params, self.shared, scratch, self.tokens,
                    0, 0)
        seconds = time.perf_counter() - t0
        if seconds >= COMPILE_NOTE_SECONDS:
            logger.info("compiled the training kernels in %.1f s (once: later runs load them "
                        "from the compile cache)", seconds)

    def run(self, progress: ProgressArg = None, callbacks: Sequence[Any] = (),
            checkpoint: Optional[Callable[["Trainer"], Any]] = None,
            checkpoint_every: Optional[float] = None) -> TrainStats:
        """Train the remaining epochs; returns the run's statistics.

        Parameters
        ----------
        progress : bool or Progress, optional
            Progress line on stderr (None: only when stderr is a terminal), or a
            :class:`fastw2v.base.progress.Progress`.
        callbacks : sequence
            Objects with optional ``on_epoch_end(epoch, stats)`` and ``on_train_end(stats)``.
        checkpoint : callable, optional
            ``checkpoint(trainer, interrupt)`` writes a checkpoint; called with ``interrupt=None``
            at every epoch end and every ``checkpoint_every`` minutes, and with the
            ``KeyboardInterrupt`` when a signal stops training: it must then raise
            :class:`TrainingInterrupted` saying what became of the checkpoint.

        Worker exceptions are re-raised here; on a signal the workers stop within one block.
        """
        c = self.config
        period = checkpoint_every * 60.0 if checkpoint and checkpoint_every else None
        logger.info("training %s%s (%d dimensions, %s): %s of %s, %s of them in the vocabulary",
                    "skip-gram" if c.sg else "CBOW",
                    " with hierarchical softmax" if c.hs else "", c.dim, count(c.workers, "worker"),
                    count(c.epochs, "epoch"), count(self.raw_tokens_per_epoch, "word"),
                    f"{self.words_per_epoch:,}")
        self._load_kernels()
        # The line counts raw words (every token of the corpus), like every words/s fastw2v shows.
        line = as_progress(progress).stage("training", self.raw_tokens_per_epoch * c.epochs,
                                           "words")
        try:
            with ThreadPoolExecutor(max_workers=c.workers,
                                    thread_name_prefix="fastw2v-worker") as pool:
                self._pool = pool  # also scores the evaluation loss in parallel
                while self.epoch < c.epochs:
                    if not self.in_epoch:
                        self._start_epoch()
                    while True:  # segments of the epoch, cut by periodic checkpoints
                        t0 = time.perf_counter()
                        deadline = t0 + period if period else None
                        futures = [pool.submit(self._run_shard, t) for t in range(c.workers)]
                        try:
                            finished = self._wait(futures, line, deadline)
                        finally:
                            spent = time.perf_counter() - t0
                            self.epoch_seconds += spent
                            self.elapsed += spent
                        self.shared.stop_flag[0] = 0
                        if finished:
                            break
                        self._check_finite()
                        checkpoint(self, None)
                    self._end_epoch(callbacks)
                    if checkpoint:
                        checkpoint(self, None)
        except KeyboardInterrupt as exc:
            line.abandon()
            if checkpoint is None:
                raise
            self._check_finite()
            checkpoint(self, exc)
            raise TrainingInterrupted(None, saved=False, signum=interrupt_signal(exc)) from None
        except BaseException:
            line.abandon()
            raise
        finally:
            self._pool = None
        result = self.summary()
        self._show(line)
        line.finish(rate=result.raw_words_per_sec, seconds=result.seconds)
        for cb in callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end(result.as_dict())
        return result

    def summary(self) -> TrainStats:
        """Statistics of the epochs trained so far."""
        return TrainStats(epochs=list(self.history), seconds=self.elapsed,
                          words=self.words_done(),
                          raw_words=self.raw_tokens_per_epoch * len(self.history))

    def _start_epoch(self) -> None:
        # A signal must not land between these updates: a checkpoint would hold half of them.
        with critical("starting an epoch"):
            for th in self.threads:
                th.cursor[CURSOR_POS] = -1
            self.epoch_base[:STATS_WIDTH] = self.stats.sum(axis=0)
            self.epoch_base[STATS_WIDTH] = self.words_done()
            self.epoch_seconds = 0.0
            self.in_epoch = True

    def _end_epoch(self, callbacks) -> None:
        c = self.config
        delta = self.stats.sum(axis=0) - self.epoch_base[:STATS_WIDTH]
        examples = int(delta[STAT_EXAMPLES])
        es = EpochStats(epoch=self.epoch + 1,
                        words=self.words_done() - int(self.epoch_base[STATS_WIDTH]),
                        words_kept=int(delta[STAT_WORDS_KEPT]), examples=examples,
                        loss=float(delta[STAT_LOSS] / examples) if examples else float("nan"),
                        seconds=self.epoch_seconds, alpha=self.current_alpha(),
                        raw_words=self.raw_tokens_per_epoch)
        self._check_finite()
        if self.loss_probe is not None:
            es.eval_loss = evalloss.probe_loss(self.loss_probe, self.syn0, self.syn1, c.dim, c.sg,
                                               pool=self._pool, parts=c.workers,
                                               hs=self._hs_probe_arrays())
        with critical("ending an epoch"):  # the three updates go into a checkpoint together
            self.history.append(es)
            self.epoch += 1
            self.in_epoch = False
        raw_rate = es.raw_words / max(es.seconds, 1e-9)
        logger.info("epoch %d/%d: %s words/s, training loss %.4f, evaluation loss %.4f, "
                    "alpha %.5f, %.1f s", es.epoch, c.epochs, f"{raw_rate:,.0f}", es.loss,
                    es.eval_loss, es.alpha, es.seconds)
        info = dict(vars(es), words_per_sec=es.words / max(es.seconds, 1e-9),
                    raw_words_per_sec=raw_rate, elapsed=self.elapsed)
        for cb in callbacks:
            if hasattr(cb, "on_epoch_end"):
                cb.on_epoch_end(es.epoch, info)

    def _hs_probe_arrays(self) -> Optional[tuple]:
        """What the evaluation loss needs of hierarchical softmax, or None without it."""
        if not self.config.hs:
            return None
        t = self.tables
        return self.syn1hs, t.hs_codes, t.hs_points, t.hs_offsets

    def _show(self, line: Stage) -> None:
        """Tell the progress line where the run stands: raw words done, epoch, rate, loss of the
        current epoch so far."""
        c = self.config
        done = self.words_done()
        raw = done * self.raw_tokens_per_epoch / max(1, self.words_per_epoch)
        delta = self.stats.sum(axis=0) - self.epoch_base[:STATS_WIDTH]
        loss = delta[STAT_LOSS] / delta[STAT_EXAMPLES] if delta[STAT_EXAMPLES] else None
        line.update(raw, epoch=f"{min(self.epoch + 1, c.epochs)}/{c.epochs}",
                    alpha=f"{self.current_alpha():.5f}",
                    loss="-" if loss is None else f"{loss:.4f}")

    def _wait(self, futures, line: Stage, deadline: Optional[float]) -> bool:
        """Wait for the workers. True when they finished their shards; False when they were
        paused at ``deadline`` (for a checkpoint). A worker error or Ctrl-C stops all of them
        first and is then re-raised."""
        paused = False
        next_release = time.perf_counter() + RELEASE_SECONDS
        try:
            pending = futures
            while pending:
                done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_EXCEPTION)
                if any(f.exception() is not None for f in done):
                    break
                self._show(line)
                if time.perf_counter() >= next_release:
                    release_pages(self.tokens)
                    next_release = time.perf_counter() + RELEASE_SECONDS
                if deadline is not None and pending and time.perf_counter() >= deadline:
                    self.shared.stop_flag[0] = 1
                    paused = True
        except BaseException:  # KeyboardInterrupt included: stop the workers before leaving
            self.shared.stop_flag[0] = 1
            wait(futures)
            raise
        errors = [f.exception() for f in futures if f.done() and f.exception() is not None]
        if errors:
            self.shared.stop_flag[0] = 1
            wait(futures)
            raise errors[0]
        wait(futures)
        return not paused or all(th.cursor[CURSOR_POS] >= end
                                 for th, (_, end) in zip(self.threads, self.shards))

    # -- checkpoints ---------------------------------------------------------------------------
    def state_arrays(self) -> dict:
        """The per-run arrays a checkpoint holds (besides the weights)."""
        return dict(progress=self.shared.progress, stats=self.stats,
                    rng_states=np.stack([th.rng for th in self.threads]),
                    cursors=np.stack([th.cursor for th in self.threads]),
                    buffers=np.stack([th.buf for th in self.threads]))

    def state_meta(self) -> dict:
        """The per-run scalars a checkpoint holds."""
        return dict(epoch=self.epoch, in_epoch=self.in_epoch,
                    epoch_base=self.epoch_base.tolist(), epoch_seconds=self.epoch_seconds,
                    elapsed=self.elapsed, history=[vars(e) for e in self.history],
                    n_tokens=int(len(self.tokens)), raw_tokens_per_epoch=self.raw_tokens_per_epoch)

    def restore(self, syn0: np.ndarray, syn1: np.ndarray, arrays: dict, meta: dict,
                syn1hs: Optional[np.ndarray] = None) -> None:
        """Continue from a checkpoint's state (same config, corpus and vocabulary); ``syn1hs``,
        the inner-node vectors, is required with hierarchical softmax."""
        if int(meta["n_tokens"]) != len(self.tokens):
            raise ValueError(f"the checkpoint was made on a token stream of {meta['n_tokens']} "
                             f"tokens, this corpus has {len(self.tokens)}: not the same corpus")
        n = len(self.threads)
        expected = {"progress": self.shared.progress.shape, "stats": (n, STATS_WIDTH),
                    "rng_states": (n, 1), "cursors": (n, CURSOR_SIZE),
                    "buffers": (n, len(self.threads[0].buf))}
        for name, shape in expected.items():
            if arrays[name].shape != shape:
                raise ValueError(f"checkpoint array {name} has shape {arrays[name].shape}, "
                                 f"expected {shape}")
        if syn0.shape != self.syn0.shape:
            raise ValueError(f"checkpoint weights have shape {syn0.shape}, expected "
                             f"{self.syn0.shape}")
        if self.syn1hs.shape[0] and (syn1hs is None or syn1hs.shape != self.syn1hs.shape):
            raise ValueError(f"checkpoint inner-node weights have shape "
                             f"{None if syn1hs is None else syn1hs.shape}, expected "
                             f"{self.syn1hs.shape}")
        self.syn0[:] = syn0
        self.syn1[:] = syn1
        if self.syn1hs.shape[0]:
            self.syn1hs[:] = syn1hs
        self.shared.progress[:] = arrays["progress"]
        for t, th in enumerate(self.threads):
            th.stats[:] = arrays["stats"][t]
            th.rng[:] = arrays["rng_states"][t]
            th.cursor[:] = arrays["cursors"][t]
            th.buf[:] = arrays["buffers"][t]
        self.epoch = int(meta["epoch"])
        self.in_epoch = bool(meta["in_epoch"])
        self.epoch_base[:] = meta["epoch_base"]
        self.epoch_seconds = float(meta["epoch_seconds"])
        self.elapsed = float(meta["elapsed"])
        self.history = [EpochStats(**e) for e in meta["history"]]


#: Rows moved per step by :meth:`Trainer.take_vectors` (a temporary copy of at most 4,096 rows).
_COMPACT_ROWS = 4096

#: Tokens examined per step when counting sentence markers: bounded memory (1M int32 = 4 MB of
#: the memory-mapped stream, released after each step, and a 1 MB boolean temporary) whatever the
#: corpus size.
_COUNT_CHUNK = 1 << 20


def _count_sentence_ends(tokens: np.ndarray) -> int:
    """Number of ``SENTENCE_END`` markers (negative ids) in the stream, in bounded memory."""
    n = 0
    for i in range(0, len(tokens), _COUNT_CHUNK):
        n += int(np.count_nonzero(tokens[i:i + _COUNT_CHUNK] < 0))
        release_pages(tokens)
    return n


def shard_bounds(n_tokens: int, n_shards: int) -> list:
    """Split ``range(n_tokens)`` into ``n_shards`` contiguous, nearly equal pieces.

    A shard boundary acts as a sentence boundary (no window crosses it); with a few shards over
    millions of tokens this affects a negligible number of windows, as in word2vec.c.
    """
    edges = np.linspace(0, n_tokens, n_shards + 1).astype(np.int64)
    return [(int(edges[i]), int(edges[i + 1])) for i in range(n_shards)]
