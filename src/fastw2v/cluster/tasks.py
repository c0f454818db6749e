"""The functions a Dask worker runs: describe the corpus, count a part, encode a part, train a round.

Every task is a pure function of its arguments: the same arguments give the same result (bit for
bit with one thread per worker), wherever and however often it runs, so Dask may re-run a task
whose worker died. What a worker keeps between tasks is only a cache:

* each part's token stream, encoded once into ``<cache>/parts/`` (key: corpus URL and identity,
  byte range, vocabulary fingerprint, stream format), written atomically and re-encoded from the
  corpus whenever it is missing (a replacement worker, another machine);
* the lookup tables of a vocabulary (sigmoid, subsampling, alias table), built once per process.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple

import numpy as np

from .._version import __version__
from ..base import paths
from ..corpus import reader
from ..corpus.stream import FORMAT_VERSION, TOKEN_DTYPE, encode_blocks, open_tokens
from ..corpus.vocab import Vocab
from ..kernels import tables as _tables
from ..kernels.state import as_weights, make_params, make_tables, token_stream
from ..training import evalloss
from ..training.slices import scaled_schedule, slice_seed, train_slice
from .source import CorpusSource, describe, range_blocks

logger = logging.getLogger("fastw2v")

#: Vocabularies whose tables a worker process keeps (one run uses one; a second covers a
#: resumed or concurrent run without rebuilding the alias table every round).
_TABLES_KEPT = 2

_lock = threading.Lock()
_tables_cache: Dict[tuple, object] = {}
_streams: Dict[str, np.ndarray] = {}


# --------------------------------------------------------------------------------------------
# What travels
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VocabPayload:
    """The merged vocabulary, sent once to every worker (``client.scatter``)."""

    words: Tuple[str, ...]
    counts: np.ndarray
    fingerprint: str

    @classmethod
    def of(cls, vocab: Vocab) -> "VocabPayload":
        h = hashlib.sha256("\n".join(vocab.words).encode("utf-8"))
        h.update(np.ascontiguousarray(vocab.counts, dtype=np.int64).tobytes())
        return cls(tuple(vocab.words), np.asarray(vocab.counts), h.hexdigest()[:24])

    def vocab(self) -> Vocab:
        return Vocab(self.words, self.counts)


@dataclass(frozen=True)
class Part:
    """Byte range ``[start, end)`` of the corpus: part ``index`` of the run."""

    index: int
    start: int
    end: int


@dataclass(frozen=True)
class StreamSpec:
    """Where workers keep encoded parts: ``cache_dir`` (None: each worker's own fastw2v cache,
    see :func:`fastw2v.base.paths.cache_dir`) or, with ``use_cache=False``, the Dask worker's
    scratch directory, which is removed with the worker."""

    cache_dir: Optional[str] = None
    use_cache: bool = True


class Weights2D:
    """The model as it travels: input and output vectors, ``(n_words, dim)`` float32 each
    (no padding columns), so ``2 * n_words * dim * 4`` bytes. One object, so that
    ``client.scatter`` sends it as one piece of data."""

    __slots__ = ("syn0", "syn1")

    def __init__(self, syn0: np.ndarray, syn1: np.ndarray) -> None:
        self.syn0 = syn0
        self.syn1 = syn1

    def __getstate__(self):
        return (self.syn0, self.syn1)

    def __setstate__(self, state) -> None:
        self.syn0, self.syn1 = state

    @property
    def nbytes(self) -> int:
        return int(self.syn0.nbytes + self.syn1.nbytes)


@dataclass(frozen=True)
class RoundJob:
    """Everything a round task needs besides the weights and the vocabulary.

    ``step`` is the round's number in the whole run (0-based); its slice of the part is slice
    ``step % rounds_per_epoch`` of ``rounds_per_epoch`` equal slices. ``done`` words of the
    ``total`` of the learning-rate schedule were trained before this round by all parts; ``share``
    is this part's fraction of every round's words (see
    :func:`fastw2v.training.slices.scaled_schedule`).
    """

    source: CorpusSource
    part: Part
    streams: StreamSpec
    step: int
    rounds_per_epoch: int
    model: int
    window: int
    negative: int
    alpha: float
    min_alpha: float
    sample: float
    ns_exponent: float
    dim: int
    seed: int
    threads: Optional[int]
    done: int
    total: int
    share: float


@dataclass
class PartCounts:
    """Result of :func:`count_part`."""

    index: int
    counts: Dict[str, int]
    n_tokens: int
    prune_threshold: int
    seconds: float
    worker: str
    version: str


@dataclass
class PartInfo:
    """Result of :func:`encode_part`: the part's stream and its piece of the evaluation probe."""

    index: int
    n_ids: int
    n_words: int
    seconds: float
    from_cache: bool
    worker: str
    probe: evalloss.LossProbe


@dataclass
class RoundResult:
    """Result of :func:`train_round`."""

    index: int
    weights: Weights2D
    words: int
    words_kept: int
    examples: int
    loss: float
    train_seconds: float
    task_seconds: float
    encode_seconds: float
    worker: str
    threads: int


# --------------------------------------------------------------------------------------------
# Worker identity
# --------------------------------------------------------------------------------------------

def _worker():
    """The Dask worker running this task, or None (called outside a worker, e.g. in tests)."""
    try:
        from distributed import get_worker
        return get_worker()
    except (ImportError, ValueError):
        return None


def worker_address() -> str:
    w = _worker()
    return w.address if w is not None else f"local-{os.getpid()}"


def worker_threads() -> int:
    """The worker's thread count (``dask worker --nthreads``), else this process's cores."""
    w = _worker()
    n = getattr(getattr(w, "state", None), "nthreads", None) or getattr(w, "nthreads", None)
    return int(n) if n else paths.available_cores()


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------

def describe_corpus(url: str) -> Tuple[CorpusSource, str]:
    """:func:`fastw2v.cluster.source.describe`, and this worker's fastw2v version."""
    return describe(url), __version__


def count_part(source: CorpusSource, part: Part, max_vocab_size: Optional[int]) -> PartCounts:
    """Count the words of one part (pruned as ``max_vocab_size`` says, as on one machine)."""
    t0 = time.perf_counter()
    with range_blocks(source, part.start, part.end) as blocks:
        cc = reader.count_blocks(blocks, f"{source.url}[{part.start}:{part.end}]",
                                 max_vocab_size=max_vocab_size)
    return PartCounts(part.index, cc.counts, cc.n_tokens, cc.prune_threshold,
                      time.perf_counter() - t0, worker_address(), __version__)


def encode_part(source: CorpusSource, part: Part, vocab: VocabPayload, streams: StreamSpec,
                window: int, negative: int, ns_exponent: float, seed: int,
                probe_centers: int) -> PartInfo:
    """Encode a part into this worker's cache (or find it there) and draw its probe piece."""
    t0 = time.perf_counter()
    tokens, from_cache = _stream(source, part, vocab, streams)
    n_words = int(len(tokens) - _count_markers(tokens))
    weights = _tables.negative_weights(vocab.counts, ns_exponent)
    probe = evalloss.make_probe(tokens, weights / weights.sum(), window, negative,
                                seed + part.index, n_centers=probe_centers)
    return PartInfo(part.index, int(len(tokens)), n_words, time.perf_counter() - t0, from_cache,
                    worker_address(), probe)


def train_round(weights: Weights2D, vocab: VocabPayload, job: RoundJob) -> RoundResult:
    """Train this round's slice of a part from ``weights``; return the new weights.

    The slice is ``job.step % job.rounds_per_epoch`` of the part's stream cut in
    ``rounds_per_epoch`` equal pieces; the RNG seed is :func:`slice_seed` of
    ``(seed, step, part)``; the learning rate follows the global schedule (``done``, ``total``,
    ``share``). Threads: ``job.threads``, else the worker's own count.
    """
    t0 = time.perf_counter()
    tokens, from_cache = _stream(job.source, job.part, vocab, job.streams)
    encode_seconds = 0.0 if from_cache else time.perf_counter() - t0
    tables = _tables_for(vocab, job.sample, job.ns_exponent)
    offset, total_words = scaled_schedule(job.done, job.total, job.share)
    params = make_params(job.model, job.window, job.negative, job.alpha, job.min_alpha,
                         total_words)
    n = len(tokens)
    j = job.step % job.rounds_per_epoch
    start = n * j // job.rounds_per_epoch
    end = n * (j + 1) // job.rounds_per_epoch
    n_words, dim = weights.syn0.shape
    width = _tables.padded_width(dim)
    syn0 = _tables.aligned_zeros((n_words, width))
    syn1 = _tables.aligned_zeros((n_words, width))
    syn0[:, :dim] = weights.syn0
    syn1[:, :dim] = weights.syn1
    threads = job.threads or worker_threads()
    res = train_slice(as_weights(syn0, syn1), tables, params, tokens, start, end,
                      threads=threads, seed=slice_seed(job.seed, job.step, job.part.index),
                      progress_offset=offset)
    out = Weights2D(np.ascontiguousarray(syn0[:, :dim]), np.ascontiguousarray(syn1[:, :dim]))
    return RoundResult(job.part.index, out, res.words, res.words_kept, res.examples, res.loss,
                       res.seconds, time.perf_counter() - t0, encode_seconds, worker_address(),
                       threads)


# --------------------------------------------------------------------------------------------
# The worker's cache
# --------------------------------------------------------------------------------------------

def _count_markers(tokens: np.ndarray) -> int:
    step = 1 << 24  # bounded temporaries, as fastw2v.training.trainer counts them
    return sum(int(np.count_nonzero(tokens[i:i + step] < 0)) for i in range(0, len(tokens), step))


def _tables_for(vocab: VocabPayload, sample: float, ns_exponent: float):
    key = (vocab.fingerprint, sample, ns_exponent)
    with _lock:
        found = _tables_cache.get(key)
    if found is None:
        found = make_tables(vocab.counts, sample, ns_exponent)
        with _lock:
            while len(_tables_cache) >= _TABLES_KEPT:
                _tables_cache.pop(next(iter(_tables_cache)))
            _tables_cache[key] = found
    return found


def _stream_dir(streams: StreamSpec) -> Path:
    if streams.use_cache:
        d = paths.cache_dir(streams.cache_dir) / "parts"
        try:
            d.mkdir(parents=True, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            pass
        logger.warning("cache directory %s is not writable; keeping parts in the worker's "
                       "scratch directory", d)
    w = _worker()
    base = Path(w.local_directory) if w is not None else Path(tempfile.gettempdir())
    d = base / "fastw2v-parts"
    d.mkdir(parents=True, exist_ok=True)
    return d


def stream_name(source: CorpusSource, part: Part, vocab: VocabPayload) -> str:
    """The cache file of a part's token stream (everything the stream depends on is in it)."""
    key = {"corpus": source.url, "identity": source.identity, "start": part.start,
           "end": part.end, "vocab": vocab.fingerprint, "format_version": FORMAT_VERSION}
    return paths.cache_entry_name(Path(source.name), key) + ".part.i32"


def _stream(source: CorpusSource, part: Part, vocab: VocabPayload,
            streams: StreamSpec) -> Tuple[np.ndarray, bool]:
    """The part's token stream (read-only, memory-mapped) and whether it was already there."""
    path = _stream_dir(streams) / stream_name(source, part, vocab)
    key = str(path)
    with _lock:
        tokens = _streams.get(key)
    if tokens is not None and path.exists():
        return tokens, True
    from_cache = path.exists()
    if not from_cache:
        _encode_to(path, source, part, vocab)
    tokens = token_stream(open_tokens(path)) if path.stat().st_size else \
        token_stream(np.empty(0, dtype=TOKEN_DTYPE))
    with _lock:
        _streams[key] = tokens
    return tokens, from_cache


def _encode_to(path: Path, source: CorpusSource, part: Part, vocab: VocabPayload) -> None:
    """Encode the part into ``path`` atomically (temporary file, fsync, rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            with range_blocks(source, part.start, part.end) as blocks:
                encode_blocks(blocks, vocab.vocab(), out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def forget_streams() -> int:
    """Drop this process's open streams and tables (a long-lived worker between runs)."""
    with _lock:
        n = len(_streams)
        _streams.clear()
        _tables_cache.clear()
    return n
