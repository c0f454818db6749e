"""Thread orchestration: the only module that starts threads.

``workers`` Python threads each run one nogil kernel call over a contiguous shard of the
memory-mapped token stream per epoch. The weights are shared without locks (Hogwild; where and why
races are tolerated is documented in :mod:`fastw2v.sgd`). Every thread owns its scratch buffers, RNG
state, statistics row and progress slot. The main thread only waits, draws the progress line, checks
for divergence between epochs and re-raises any worker exception.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable, List, Optional

import numpy as np

from . import tables
from .blocks import (PROGRESS_STRIDE, STAT_EXAMPLES, STAT_LOSS, STAT_WORDS_KEPT, STATS_WIDTH,
                     block_buffer_size)
from .config import TrainConfig
from .driver import model_code, train_shard
from .progress import ProgressLine
from .rng import thread_states

logger = logging.getLogger("fastw2v")

#: Seconds between two looks of the main thread at the workers (progress line, Ctrl-C response).
POLL_SECONDS = 0.25


class TrainingDiverged(RuntimeError):
    """The weights became NaN or infinite (typically a learning rate far too large)."""


@dataclass
class EpochStats:
    """What one epoch did, summed over threads."""

    epoch: int
    words: int            # in-vocabulary tokens read (word2vec.c's count)
    words_kept: int       # after subsampling
    examples: int         # (center, context) examples (skip-gram) or center words (CBOW)
    loss: float           # mean negative-sampling loss per example
    seconds: float
    alpha: float          # learning rate at the end of the epoch


@dataclass
class TrainStats:
    """Summary of a training run, stored with the model (``Embeddings.stats``)."""

    epochs: List[EpochStats] = field(default_factory=list)
    seconds: float = 0.0
    words: int = 0
    raw_words: int = 0

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
    """

    def __init__(self, config: TrainConfig, tokens: np.ndarray, counts: np.ndarray,
                 raw_tokens_per_epoch: Optional[int] = None):
        self.config = config
        self.tokens = tokens
        self.n_words = int(len(counts))
        self.words_per_epoch = int(len(tokens) - np.count_nonzero(np.asarray(tokens) < 0))
        self.raw_tokens_per_epoch = (int(raw_tokens_per_epoch) if raw_tokens_per_epoch is not None
                                     else self.words_per_epoch)
        self.total_words = max(1, self.words_per_epoch * config.epochs)

        self.syn0, self.syn1 = tables.initial_weights(self.n_words, config.dim, config.seed)
        self.sig_table, self.logsig_table = tables.sigmoid_tables()
        self.keep_threshold = tables.keep_thresholds(counts, config.sample)
        self.ns_threshold, self.ns_alias = tables.alias_table(
            tables.negative_weights(counts, config.ns_exponent))

        n = config.workers
        self.shards = _shard_bounds(len(tokens), n)
        self.progress = np.zeros(n * PROGRESS_STRIDE, dtype=np.int64)
        self.stats = np.zeros((n, STATS_WIDTH), dtype=np.float64)
        self.stop_flag = np.zeros(1, dtype=np.int64)
        # Everything a thread writes in its hot loop lives on cache lines of its own.
        width = self.syn0.shape[1]  # dim padded, see tables.ROW_ALIGN_FLOATS
        private = tables.aligned_zeros
        self.rng_states = [private(1, np.uint64) for _ in range(n)]
        for t, s in enumerate(thread_states(config.seed, n)):
            self.rng_states[t][:] = s
        self._buffers = [private(block_buffer_size(config.window), np.int32) for _ in range(n)]
        self._targets = [private(config.negative + 1, np.int64) for _ in range(n)]
        self._neu1 = [private(width) for _ in range(n)]
        self._neu1e = [private(width) for _ in range(n)]
        w, k = 2 * config.window, config.negative + 1
        self._contexts = [private(w, np.int64) for _ in range(n)]
        self._grad = [private(w * k) for _ in range(n)]
        self._grad_in = [private((w, width)) for _ in range(n)]
        self.model = model_code(config.sg, config.shared_negatives)

    # -- one thread's work -------------------------------------------------------------------
    def _run_shard(self, t: int) -> None:
        c = self.config
        start, end = self.shards[t]
        train_shard(self.model, self.tokens, start, end, self.syn0, self.syn1,
                    self.sig_table, self.logsig_table, self.keep_threshold,
                    self.ns_threshold, self.ns_alias,
                    c.window, c.negative, c.alpha, c.min_alpha, self.total_words,
                    self.progress, t, self.stop_flag, self.stats[t], self.rng_states[t],
                    self._buffers[t], self._targets[t], self._neu1[t], self._neu1e[t],
                    self._contexts[t], self._grad[t], self._grad_in[t])

    @property
    def vectors(self) -> np.ndarray:
        """The trained input vectors, ``(n_words, dim)`` float32, without the padding columns."""
        return np.ascontiguousarray(self.syn0[:, :self.config.dim])

    # -- helpers for the main thread ----------------------------------------------------------
    def words_done(self) -> int:
        return int(self.progress[::PROGRESS_STRIDE].sum())

    def current_alpha(self) -> float:
        c = self.config
        frac = min(1.0, self.words_done() / self.total_words)
        return max(c.min_alpha, c.alpha - (c.alpha - c.min_alpha) * frac)

    def _check_finite(self, epoch: int) -> None:
        for name, w in (("input", self.syn0), ("output", self.syn1)):
            if not np.isfinite(w).all():
                raise TrainingDiverged(
                    f"training diverged in epoch {epoch + 1}: the {name} vectors contain NaN or "
                    f"infinite values (alpha={self.config.alpha} is probably too large)")

    # -- the run -------------------------------------------------------------------------------
    def run(self, progress: Optional[bool] = None,
            on_epoch_end: Optional[Callable[[EpochStats], None]] = None) -> TrainStats:
        """Train all epochs; returns the run's statistics. Worker exceptions are re-raised here."""
        c = self.config
        line = ProgressLine(enabled=progress)
        result = TrainStats()
        logger.info("training %s: %d words in vocabulary, %d words per epoch, %d epochs, "
                    "%d workers", "skip-gram" if c.sg else "CBOW", self.n_words,
                    self.words_per_epoch, c.epochs, c.workers)
        t0 = time.perf_counter()
        try:
            with ThreadPoolExecutor(max_workers=c.workers,
                                    thread_name_prefix="fastw2v-worker") as pool:
                for epoch in range(c.epochs):
                    e0 = time.perf_counter()
                    before = self.stats.sum(axis=0)
                    words_before = self.words_done()
                    futures = [pool.submit(self._run_shard, t) for t in range(c.workers)]
                    self._wait(futures, line, t0)
                    after = self.stats.sum(axis=0)
                    examples = int(after[STAT_EXAMPLES] - before[STAT_EXAMPLES])
                    loss = after[STAT_LOSS] - before[STAT_LOSS]
                    es = EpochStats(epoch=epoch + 1,
                                    words=self.words_done() - words_before,
                                    words_kept=int(after[STAT_WORDS_KEPT] - before[STAT_WORDS_KEPT]),
                                    examples=examples,
                                    loss=float(loss / examples) if examples else float("nan"),
                                    seconds=time.perf_counter() - e0,
                                    alpha=self.current_alpha())
                    result.epochs.append(es)
                    self._check_finite(epoch)
                    logger.info("epoch %d/%d: %.0f words/s, loss %.4f, alpha %.5f, %.1f s",
                                es.epoch, c.epochs, es.words / max(es.seconds, 1e-9), es.loss,
                                es.alpha, es.seconds)
                    if on_epoch_end is not None:
                        on_epoch_end(es)
        finally:
            line.close()
        result.seconds = time.perf_counter() - t0
        result.words = self.words_done()
        result.raw_words = self.raw_tokens_per_epoch * c.epochs
        return result

    def _wait(self, futures, line: ProgressLine, t0: float) -> None:
        """Wait for one epoch's workers; stop them all on a worker error or Ctrl-C, then re-raise."""
        try:
            pending = futures
            while pending:
                done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_EXCEPTION)
                if any(f.exception() is not None for f in done):
                    break
                st = self.stats.sum(axis=0)
                loss = st[STAT_LOSS] / st[STAT_EXAMPLES] if st[STAT_EXAMPLES] else 0.0
                line.update(self.words_done(), self.total_words, time.perf_counter() - t0,
                            self.current_alpha(), loss)
        except BaseException:  # KeyboardInterrupt included: stop the workers before leaving
            self.stop_flag[0] = 1
            wait(futures)
            raise
        errors = [f.exception() for f in futures if f.done() and f.exception() is not None]
        if errors:
            self.stop_flag[0] = 1
            wait(futures)
            raise errors[0]


def _shard_bounds(n_tokens: int, n_shards: int) -> list:
    """Split ``range(n_tokens)`` into ``n_shards`` contiguous, nearly equal pieces.

    A shard boundary acts as a sentence boundary (no window crosses it); with a few shards over
    millions of tokens this affects a negligible number of windows, as in word2vec.c.
    """
    edges = np.linspace(0, n_tokens, n_shards + 1).astype(np.int64)
    return [(int(edges[i]), int(edges[i + 1])) for i in range(n_shards)]
