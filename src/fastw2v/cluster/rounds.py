"""Synchronous rounds of data-parallel training with model averaging, driven from the client.

The corpus is cut into ``K`` parts (byte ranges), one per Dask worker when the run starts; each
part's token stream is cut into ``R`` equal slices per epoch, ``R`` chosen so that a slice holds
about ``sync_words`` words. Round ``s`` (``s = epoch * R + j``):

1. the client sends the current weights, ``2 * V * D * 4`` bytes, to every worker
   (``client.scatter(..., broadcast=True)``);
2. each part's task (:func:`fastw2v.cluster.tasks.train_round`) trains slice ``j`` of its part
   from those weights, with the numba driver and all the worker's threads, at the learning rate of
   the global schedule, and returns its new weights (``2 * V * D * 4`` bytes back);
3. the client averages the returned weights, weighted by the words each part trained.

A task is a pure function of (weights, part, round, seed), so Dask re-runs the task of a worker that
died on another worker (which encodes the part again if it lacks its stream), and the round ends as
it would have. Tasks prefer the worker that holds their part's stream. Ctrl-C cancels the round's
tasks and writes a checkpoint of the weights at the last round's end.
"""
from __future__ import annotations

import logging
import math
import time
import uuid
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from ..base.progress import ProgressArg, Stage, as_progress
from ..config import TrainConfig
from ..kernels import tables as _tables
from ..kernels.driver import model_code
from ..kernels.blocks import linear_alpha
from ..training import evalloss
from ..training.trainer import EpochStats, TrainingDiverged, TrainingInterrupted, TrainStats
from .source import CorpusSource
from .tasks import Part, RoundJob, RoundResult, StreamSpec, VocabPayload, Weights2D, train_round

logger = logging.getLogger("fastw2v")

#: Seconds between two looks of the client at a round's tasks (progress line, Ctrl-C response).
POLL_SECONDS = 0.25

#: Times a round's unfinished parts are sent (again) to live workers: after a worker was found
#: gone while the model was sent, or died holding a task's inputs. (A task whose worker dies
#: after it got its inputs elsewhere is re-run by Dask itself, up to
#: ``distributed.scheduler.allowed-failures``.)
ROUND_ATTEMPTS = 5

#: Seconds to try to reach a worker when sending it the model: a worker that died just now is
#: given up after this, not after Dask's default connect timeout (30 s).
SEND_TIMEOUT_SECONDS = 5
#: Pause before a round is sent again after a worker was found gone (the scheduler drops a dead
#: worker within a second).
SCATTER_PAUSE_SECONDS = 0.5

#: Seconds to wait for a worker when none is left (the cluster's nannies or autoscaler bring
#: replacements; a minute covers a worker restart).
WORKER_WAIT_SECONDS = 60.0

#: Default words per worker per round: the largest measured value at which 2 workers keep the
#: quality of one machine (wiki100m, 5 epochs: analogy 0.371 against 0.370, WordSim-353 0.679
#: against 0.672; at 1,000,000 words the analogy score was 1.0 and 1.4 points lower in two seeds).
#: benchmarks/README.md, "Training on a cluster", has the table and the transfer it costs.
DEFAULT_SYNC_WORDS = 250_000


def _scheduler_workers(dask_scheduler) -> List[str]:
    """Run on the scheduler: the addresses of its workers now."""
    return list(dask_scheduler.workers)


class _WorkerGone(Exception):
    """A worker could not be sent its inputs (it died since the scheduler listed it)."""

    def __init__(self, worker: str) -> None:
        super().__init__(worker)
        self.worker = worker


class ClusterError(OSError):
    """The cluster could not finish the work: no worker left, workers lost too often, or the
    scheduler unreachable. An ``OSError``, so the command line exits with status 1."""


@dataclass
class Plan:
    """How the corpus is split: parts, their words, and the rounds of an epoch."""

    parts: List[Part]
    part_words: List[int]
    part_ids: List[int]
    raw_tokens_per_epoch: int
    rounds_per_epoch: int
    sync_words: int

    @property
    def words_per_epoch(self) -> int:
        return int(sum(self.part_words))

    @staticmethod
    def rounds_for(part_words: Sequence[int], sync_words: int) -> int:
        """Rounds per epoch: slices of about ``sync_words`` words of the mean part."""
        mean = sum(part_words) / max(1, len(part_words))
        return max(1, math.ceil(mean / sync_words))


@dataclass
class _WorkerFigures:
    address: str
    threads: int = 0
    rounds: int = 0
    words: int = 0
    train_seconds: float = 0.0
    task_seconds: float = 0.0
    encodes: int = 0
    encode_seconds: float = 0.0

    def as_dict(self) -> dict:
        d = dict(vars(self))
        d["words_per_sec"] = self.words / self.train_seconds if self.train_seconds > 0 else 0.0
        return d


@dataclass
class _Totals:
    """Sums over the rounds: wall time, the slowest task's training time, averaging time."""

    rounds: int = 0
    wall: float = 0.0
    compute: float = 0.0
    average: float = 0.0
    bytes_sent: int = 0
    epoch: np.ndarray = field(default_factory=lambda: np.zeros(5))  # words, kept, ex, loss, s


class ClusterTrainer:
    """The client side of one data-parallel run (state, rounds, statistics, checkpoint state).

    Parameters
    ----------
    client : distributed.Client
    config : TrainConfig
        ``config.workers`` is the thread count of every round task.
    source : CorpusSource
    plan : Plan
    vocab : VocabPayload
    streams : StreamSpec
    probe : LossProbe
        The evaluation probe, drawn from the parts' streams.
    homes : list of str
        The worker address each part prefers (where its stream was encoded).
    """

    def __init__(self, client, config: TrainConfig, source: CorpusSource, plan: Plan,
                 vocab: VocabPayload, streams: StreamSpec, probe: evalloss.LossProbe,
                 homes: List[str]):
        self.client = client
        self.config = config
        self.source = source
        self.plan = plan
        self.vocab = vocab
        self.streams = streams
        self.probe = probe
        self.homes = list(homes)
        syn0, _ = _tables.initial_weights(len(vocab.words), config.dim, config.seed)
        self.syn0 = np.ascontiguousarray(syn0[:, :config.dim])  # the single-machine init
        self.syn1 = np.zeros_like(self.syn0)
        self.step = 0
        self.words_done = 0
        self.elapsed = 0.0
        self.history: List[EpochStats] = []
        self.totals = _Totals()
        self.workers: Dict[str, _WorkerFigures] = {}
        self.run_id = uuid.uuid4().hex[:12]
        self._vocab_on: Dict[str, Any] = {}  # worker -> the vocabulary sent to it
        self._inflight: list = []
        self._last_loss = 0.0

    # -- schedule --------------------------------------------------------------------------------
    @property
    def total_rounds(self) -> int:
        return self.config.epochs * self.plan.rounds_per_epoch

    @property
    def total_words(self) -> int:
        return max(1, self.plan.words_per_epoch * self.config.epochs)

    @property
    def epoch(self) -> int:
        return self.step // self.plan.rounds_per_epoch

    def current_alpha(self) -> float:
        c = self.config
        return float(linear_alpha(c.alpha, c.min_alpha, self.words_done, self.total_words))

    # -- the run ---------------------------------------------------------------------------------
    def run(self, progress: ProgressArg = None, callbacks: Sequence[Any] = (),
            checkpoint: Optional[Callable[["ClusterTrainer"], Any]] = None,
            checkpoint_every: Optional[float] = None) -> dict:
        """Train the remaining rounds; returns the statistics dict (``Embeddings.stats``).

        ``checkpoint(trainer)`` is called at every epoch end, every ``checkpoint_every`` minutes
        (at the next round's end) and after Ctrl-C (then :class:`TrainingInterrupted` is raised
        with its return value), as on one machine.
        """
        c = self.config
        # The status line counts raw words (every token of the corpus), as on one machine.
        line = as_progress(progress).stage("training on the cluster",
                                           self.plan.raw_tokens_per_epoch * c.epochs, "words")
        period = checkpoint_every * 60.0 if checkpoint and checkpoint_every else None
        last_checkpoint = time.perf_counter()
        logger.info("training %s on %d parts (%d workers): %d words in vocabulary, %d words per "
                    "epoch, %d epochs of %d rounds, sync_words %d, %d threads per task",
                    "skip-gram" if c.sg else "CBOW", len(self.plan.parts),
                    len(self._live_workers()), len(self.vocab.words), self.plan.words_per_epoch,
                    c.epochs, self.plan.rounds_per_epoch, self.plan.sync_words, c.workers)
        try:
            while self.step < self.total_rounds:
                self._round(line)
                if self.step % self.plan.rounds_per_epoch == 0:
                    self._end_epoch(callbacks)
                    if checkpoint:
                        checkpoint(self)
                        last_checkpoint = time.perf_counter()
                elif period and time.perf_counter() - last_checkpoint >= period:
                    self._check_finite()
                    checkpoint(self)
                    last_checkpoint = time.perf_counter()
        except KeyboardInterrupt:
            self._cancel()
            line.abandon()
            if checkpoint is None:
                raise
            self._check_finite()
            raise TrainingInterrupted(checkpoint(self)) from None
        except BaseException:
            line.abandon()
            raise
        finally:
            self._vocab_on = {}
        self._draw(line, 0.0)  # the final round, alpha and loss
        result = self.stats()
        line.finish(rate=result["raw_words_per_sec"], seconds=result["train_seconds"])
        for cb in callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end(result)
        return result

    def _live_workers(self) -> List[str]:
        """The workers the scheduler knows now (asked, not its cached identity, so that a worker
        that just died is not sent the model)."""
        try:
            return sorted(self.client.run_on_scheduler(_scheduler_workers))
        except Exception:  # noqa: BLE001 -- a scheduler without run_on_scheduler: the cache
            return sorted(self.client.scheduler_info().get("workers", {}))

    def _assign_homes(self) -> List[str]:
        """Give every part whose preferred worker is gone the live worker with fewest parts;
        returns the live workers."""
        live = self._live_workers()
        if not live:
            try:
                self.client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
            except Exception as exc:  # dask raises its own TimeoutError types
                raise ClusterError(f"no Dask worker is left (waited {WORKER_WAIT_SECONDS:.0f} s "
                                   f"for one): {exc}") from exc
            live = self._live_workers()
        load = {w: 0 for w in live}
        for home in self.homes:
            if home in load:
                load[home] += 1
        for k, home in enumerate(self.homes):
            if home not in load:
                best = min(load, key=lambda w: (load[w], w))
                self.homes[k] = best
                load[best] += 1
        for gone in set(self._vocab_on) - set(live):
            del self._vocab_on[gone]
        return live

    def _jobs(self) -> List[RoundJob]:
        c, plan = self.config, self.plan
        total_part_words = max(1, plan.words_per_epoch)
        scale = self.rate_scale
        return [RoundJob(source=self.source, part=part, streams=self.streams, step=self.step,
                         rounds_per_epoch=plan.rounds_per_epoch,
                         model=model_code(c.sg, c.shared_negatives), window=c.window,
                         negative=c.negative, alpha=c.alpha * scale,
                         min_alpha=c.min_alpha * scale, sample=c.sample,
                         ns_exponent=c.ns_exponent, dim=c.dim, seed=c.seed, threads=c.workers,
                         done=self.words_done, total=self.total_words,
                         share=plan.part_words[k] / total_part_words if plan.part_words[k]
                         else 1.0)
                for k, part in enumerate(plan.parts)]

    @property
    def rate_scale(self) -> int:
        """Factor of every task's learning rate: the number of parts that hold words.

        Averaging ``K`` models that started from the same weights divides each one's update by
        ``K``; training each at ``K`` times the rate makes the averaged model move at the
        single-machine rate (measured: unscaled averaging over 2 workers trains like one machine
        at half the rate, and loses as much quality; benchmarks/README.md).
        """
        return max(1, sum(1 for w in self.plan.part_words if w))

    def _round(self, line: Stage) -> None:
        """One round: every part's task from the current weights, then the average.

        The model goes to each worker that runs a part, straight from the client (no broadcast
        by the scheduler, which would wait for a worker that died). A part whose task failed
        because its worker died with the model (a lost input) is sent again to a live worker:
        its task is a pure function of its inputs, so the round ends as it would have.
        """
        t0 = time.perf_counter()
        jobs = self._jobs()
        done: Dict[int, RoundResult] = {}
        for attempt in range(ROUND_ATTEMPTS):
            self._assign_homes()
            pending = [job for job in jobs if job.part.index not in done]
            model = {}
            futures = {}
            try:
                for job in pending:
                    home = self.homes[job.part.index]
                    if home not in model:
                        model[home] = self._send(Weights2D(self.syn0, self.syn1), home)
                        if home not in self._vocab_on:
                            self._vocab_on[home] = self._send(self.vocab, home)
                    futures[job.part.index] = self.client.submit(
                        train_round, model[home], self._vocab_on[home], job,
                        key=f"fastw2v-round-{self.run_id}-{self.step}-{job.part.index}-"
                            f"{attempt}", workers=[home], allow_other_workers=True, pure=False)
            except _WorkerGone as gone:  # its parts go to live workers in the next attempt
                self.client.cancel(list(futures.values()))
                self._vocab_on.pop(gone.worker, None)
                time.sleep(SCATTER_PAUSE_SECONDS)
                continue
            self._inflight = list(futures.values())
            try:
                self._wait(line, t0)
                for k, fut in futures.items():
                    try:
                        done[k] = fut.result()
                    except CancelledError as exc:  # its inputs were lost with their worker
                        logger.warning("round %d, part %d lost its inputs (%s); sending it "
                                       "again", self.step + 1, k, exc)
                        self._vocab_on.clear()
            finally:  # (on Ctrl-C, run() cancels the tasks still in self._inflight)
                del model, futures
            self._inflight = []
            if len(done) == len(jobs):
                break
        else:
            raise ClusterError(f"round {self.step + 1} failed {ROUND_ATTEMPTS} times: its inputs "
                               "were lost with the workers that held them")
        results = [done[k] for k in sorted(done)]
        t1 = time.perf_counter()
        self._average(results)
        t2 = time.perf_counter()
        self._account(results, t0, t1, t2)

    def _send(self, data, worker: str):
        """``client.scatter`` of ``data`` straight to ``worker`` (not through the scheduler).

        Raises :class:`_WorkerGone` when the worker died since the scheduler listed it, within
        :data:`SEND_TIMEOUT_SECONDS`, not Dask's 30 s connect timeout.
        """
        import dask  # the dask extra: only this path needs it
        try:
            with dask.config.set({"distributed.comm.timeouts.connect": SEND_TIMEOUT_SECONDS}):
                return self.client.scatter(data, workers=[worker], hash=False, direct=True,
                                           timeout=SEND_TIMEOUT_SECONDS)
        except (KeyError, OSError, ValueError) as exc:  # gone: unknown, unreachable, no worker
            logger.warning("sending data to %s failed (%s)", worker, exc)
            raise _WorkerGone(worker) from exc

    def _wait(self, line: Stage, t0: float) -> None:
        from distributed import wait  # the dask extra: only this path needs it
        while True:
            try:
                wait(self._inflight, timeout=POLL_SECONDS)
                break
            except TimeoutError:
                pass
            self._draw(line, self.elapsed + time.perf_counter() - t0)
        for fut in self._inflight:
            if fut.status == "error":
                exc = fut.exception()
                if type(exc).__name__ == "KilledWorker":
                    raise ClusterError(f"round {self.step + 1}: {exc} (workers died while "
                                       "running it more often than the scheduler allows)") \
                        from exc

    def _cancel(self) -> None:
        if self._inflight:
            self.client.cancel(self._inflight)
            self._inflight = []

    def _draw(self, line: Stage, elapsed: float) -> None:
        """Tell the status line where the run stands: raw words done, round, workers, alpha,
        the last round's loss (``elapsed`` is kept for the signature the round loop uses)."""
        raw_per_word = self.plan.raw_tokens_per_epoch / max(1, self.plan.words_per_epoch)
        line.update(self.words_done * raw_per_word, round=f"{self.step}/{self.total_rounds}",
                    workers=len(self.client.scheduler_info().get("workers", {})),
                    alpha=f"{self.current_alpha():.5f}", loss=f"{self._last_loss:.4f}")

    def _average(self, results: List[RoundResult]) -> None:
        """The new weights: the tasks' weights averaged, weighted by the words each trained."""
        results = sorted(results, key=lambda r: r.index)  # a fixed order: reproducible sums
        words = sum(r.words for r in results)
        if words == 0:
            return
        acc0 = np.zeros_like(self.syn0)
        acc1 = np.zeros_like(self.syn1)
        for r in results:
            f = np.float32(r.words / words)
            acc0 += f * r.weights.syn0
            acc1 += f * r.weights.syn1
        self.syn0, self.syn1 = acc0, acc1

    def _account(self, results: List[RoundResult], t0: float, t1: float, t2: float) -> None:
        wall = t2 - t0
        self.elapsed += wall
        self.step += 1
        words = sum(r.words for r in results)
        self.words_done += words
        examples = sum(r.examples for r in results)
        loss = sum(r.loss for r in results)
        self._last_loss = loss / examples if examples else 0.0
        t = self.totals
        t.rounds += 1
        t.wall += wall
        t.compute += max(r.train_seconds for r in results)
        t.average += t2 - t1
        t.bytes_sent += 2 * len(results) * Weights2D(self.syn0, self.syn1).nbytes
        t.epoch += [words, sum(r.words_kept for r in results), examples, loss, wall]
        for r in results:
            w = self.workers.setdefault(r.worker, _WorkerFigures(r.worker))
            w.threads = r.threads
            w.rounds += 1
            w.words += r.words
            w.train_seconds += r.train_seconds
            w.task_seconds += r.task_seconds
            if r.encode_seconds:
                w.encodes += 1
                w.encode_seconds += r.encode_seconds
            self.homes[r.index] = r.worker

    def _end_epoch(self, callbacks) -> None:
        c = self.config
        words, kept, examples, loss, seconds = self.totals.epoch
        es = EpochStats(epoch=len(self.history) + 1, words=int(words), words_kept=int(kept),
                        examples=int(examples), loss=float(loss / examples) if examples else
                        float("nan"), seconds=float(seconds), alpha=self.current_alpha(),
                        raw_words=int(self.plan.raw_tokens_per_epoch))
        self._check_finite()
        es.eval_loss = evalloss.probe_loss(self.probe, self.syn0, self.syn1, c.dim, c.sg)
        self.history.append(es)
        self.totals.epoch = np.zeros(5)
        # As on one machine: raw words/s (every token of the corpus), with separators.
        logger.info("epoch %d/%d: %s words/s, training loss %.4f, evaluation loss %.4f, "
                    "alpha %.5f, %.1f s", es.epoch, c.epochs,
                    f"{es.raw_words / max(es.seconds, 1e-9):,.0f}", es.loss, es.eval_loss,
                    es.alpha, es.seconds)
        info = dict(vars(es), words_per_sec=es.words / max(es.seconds, 1e-9),
                    elapsed=self.elapsed)
        for cb in callbacks:
            if hasattr(cb, "on_epoch_end"):
                cb.on_epoch_end(es.epoch, info)

    def _check_finite(self) -> None:
        for name, w in (("input", self.syn0), ("output", self.syn1)):
            if not np.isfinite(w).all():
                raise TrainingDiverged(
                    f"training diverged in epoch {self.epoch + 1}: the {name} vectors contain "
                    f"NaN or infinite values (alpha={self.config.alpha} is probably too large)")

    # -- results ---------------------------------------------------------------------------------
    def stats(self) -> dict:
        """The run's statistics: those of one machine, plus ``cluster`` (rounds, transfer,
        communication share, per-worker figures)."""
        run = TrainStats(epochs=list(self.history), seconds=self.elapsed, words=self.words_done,
                         raw_words=self.plan.raw_tokens_per_epoch * len(self.history))
        out = run.as_dict()
        t = self.totals
        out["cluster"] = {
            "parts": len(self.plan.parts),
            "sync_words": self.plan.sync_words,
            "rounds_per_epoch": self.plan.rounds_per_epoch,
            "rounds": t.rounds,
            "bytes_per_round_per_worker_each_way": Weights2D(self.syn0, self.syn1).nbytes,
            "bytes_transferred": t.bytes_sent,
            "round_seconds": t.wall,
            "compute_seconds": t.compute,
            "average_seconds": t.average,
            "communication_share": (t.wall - t.compute) / t.wall if t.wall > 0 else 0.0,
            "workers": [w.as_dict() for w in sorted(self.workers.values(),
                                                      key=lambda w: w.address)],
        }
        return out

    # -- checkpoints -----------------------------------------------------------------------------
    def state_arrays(self) -> dict:
        """The arrays a checkpoint holds besides the weights (the layout of
        :mod:`fastw2v.training.checkpoint`; parts take the place of threads)."""
        k = len(self.plan.parts)
        return dict(progress=np.array([self.words_done], dtype=np.int64),
                    stats=np.array(self.totals.epoch, dtype=np.float64)[None, :],
                    rng_states=np.zeros((k, 1), dtype=np.uint64),
                    cursors=np.array([[p.start, p.end, self.step] for p in self.plan.parts],
                                     dtype=np.int64),
                    buffers=np.zeros((k, 0), dtype=np.int32))

    def state_meta(self) -> dict:
        """The scalars a checkpoint holds; ``cluster`` marks it as a cluster run's."""
        plan = self.plan
        return dict(epoch=self.epoch, in_epoch=self.step % plan.rounds_per_epoch != 0,
                    elapsed=self.elapsed, history=[vars(e) for e in self.history],
                    n_tokens=int(sum(plan.part_ids)),
                    raw_tokens_per_epoch=plan.raw_tokens_per_epoch,
                    cluster=dict(step=self.step, sync_words=plan.sync_words,
                                 rounds_per_epoch=plan.rounds_per_epoch,
                                 parts=[[p.start, p.end] for p in plan.parts],
                                 part_words=list(plan.part_words), part_ids=list(plan.part_ids),
                                 source=dict(url=self.source.url, size=self.source.size,
                                             identity=self.source.identity)))

    def restore(self, syn0: np.ndarray, syn1: np.ndarray, arrays: dict, meta: dict) -> None:
        """Continue from a cluster checkpoint (same corpus, vocabulary, parts and rounds)."""
        if syn0.shape != self.syn0.shape or syn1.shape != self.syn1.shape:
            raise ValueError(f"checkpoint weights have shape {syn0.shape}, expected "
                             f"{self.syn0.shape}")
        self.syn0 = np.ascontiguousarray(syn0, dtype=np.float32)
        self.syn1 = np.ascontiguousarray(syn1, dtype=np.float32)
        self.words_done = int(arrays["progress"][0])
        self.totals.epoch = np.array(arrays["stats"][0], dtype=np.float64)
        self.step = int(meta["cluster"]["step"])
        self.elapsed = float(meta["elapsed"])
        self.history = [EpochStats(**e) for e in meta["history"]]
