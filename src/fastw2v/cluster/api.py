"""Training on a Dask cluster: :func:`train` (``fastw2v.train(..., client=...)``) and the helpers
the command line uses (:func:`connect`, :func:`local_cluster`).

Needs the ``dask`` extra (``pip install "fastw2v[dask]"``: ``distributed`` and ``fsspec``); nothing
on the single-machine path imports this module.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from ..base.paths import PathLike
from ..base.validate import check_int
from ..config import TrainConfig
from ..corpus.ranges import split_ranges
from ..corpus.reader import prune_counts
from ..corpus.sentences import is_path
from ..corpus.stream import _no_word_error
from ..corpus.vocab import Vocab
from ..errors import CorpusError
from ..training import evalloss
from ..training.checkpoint import check_location, load_checkpoint, save_checkpoint
from ..vectors.embeddings import Embeddings
from ..wiki.dump import is_wiki_dump
from .rounds import DEFAULT_SYNC_WORDS, ClusterError, ClusterTrainer, Plan
from .tasks import (Part, StreamSpec, VocabPayload, count_part, describe_corpus, encode_part,
                    worker_threads)

logger = logging.getLogger("fastw2v")

#: What to install when ``distributed`` is missing.
INSTALL_HINT = 'training on a Dask cluster needs the dask extra: pip install "fastw2v[dask]"'

#: Seconds to wait for the scheduler when connecting to an address.
CONNECT_TIMEOUT = 30.0

#: Upper bound of ``sync_words``: a typo guard, like the other parameters' bounds.
MAX_SYNC_WORDS = 2**40


def require_dask():
    """The ``distributed`` module; ImportError saying what to install when it is missing."""
    try:
        import distributed
        import fsspec  # noqa: F401 -- the workers open the corpus with it
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return distributed




@contextlib.contextmanager
def connect(client: Any) -> Iterator[Any]:
    """A ``distributed.Client`` for ``client``: the object itself, or a new client connected to
    the scheduler address ``client`` (``"tcp://host:8786"``), closed on exit.

    Raises
    ------
    ClusterError
        The scheduler cannot be reached.
    """
    distributed = require_dask()
    if isinstance(client, distributed.Client):
        yield client
        return
    if not isinstance(client, str):
        raise ValueError(f"client must be a distributed.Client or a scheduler address such as "
                         f"'tcp://host:8786', got {client!r}")
    try:
        c = distributed.Client(client, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot connect to the Dask scheduler at {client}: {exc}") from exc
    try:
        yield c
    finally:
        c.close()


@contextlib.contextmanager
def local_cluster(n_workers: int, threads_per_worker: int) -> Iterator[Any]:
    """A ``distributed.LocalCluster`` of ``n_workers`` worker processes on this machine (loopback
    TCP, no dashboard) and a client connected to it; both closed on exit."""
    distributed = require_dask()
    n_workers = check_int("n_workers", n_workers, 1, 1024)
    threads_per_worker = check_int("threads_per_worker", threads_per_worker, 1, 1024)
    with distributed.LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                                  processes=True, host="127.0.0.1", dashboard_address=None,
                                  # no dashboard; its HTTP endpoints on a free port, not 8787
                                  scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                  silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def train(corpus: PathLike, *, client: Any, sync_words: Optional[int] = None, dim: int = 100,
          window: int = 5, negative: int = 5, sample: float = 1e-3, min_count: int = 5,
          max_vocab_size: Optional[int] = None, epochs: int = 5, alpha: Optional[float] = None,
          min_alpha: float = 0.0001, sg: bool = True, ns_exponent: float = 0.75,
          workers: Optional[int] = None, seed: int = 1, shared_negatives: bool = True,
          cache_dir: Optional[PathLike] = None, use_cache: bool = True,
          progress: Optional[bool] = None, callbacks: Sequence[Any] = (),
          checkpoint: Optional[PathLike] = None, checkpoint_every: Optional[float] = None,
          resume: Optional[PathLike] = None, **others: Any) -> Embeddings:
    """Train on a Dask cluster; ``fastw2v.train(corpus, client=..., ...)`` calls this.

    The parameters are :func:`fastw2v.training.api.train`'s, plus ``client`` and
    ``sync_words`` (documented on ``fastw2v.train``). ``workers`` is the number of threads of each
    round task (None: each Dask worker's own ``nthreads``); ``cache_dir`` is where each worker
    keeps its encoded parts (None: the worker's own fastw2v cache). The single-machine options
    a cluster run does not have (``hs``, ``read_vocab``, ``save_vocab``, ``eval_loss=False``)
    raise ``ValueError`` naming them when given other than their defaults;
    ``overwrite_checkpoint`` works as on one machine.
    """
    defaults = {"hs": False, "read_vocab": None, "save_vocab": None, "eval_loss": True}
    overwrite_checkpoint = bool(others.pop("overwrite_checkpoint", False))
    unknown = sorted(set(others) - set(defaults))
    if unknown:
        raise TypeError(f"train() got an unexpected keyword argument {unknown[0]!r}")
    given = sorted(k for k, v in others.items() if v != defaults[k])
    if given:
        raise ValueError(f"not available when training on a Dask cluster (client=...): "
                         f"{', '.join(f'{k}={others[k]!r}' for k in given)}; train on one "
                         f"machine for these")
    if not is_path(corpus):
        raise TypeError(f"on a Dask cluster the corpus must be a path or URL every worker can "
                        f"read, got {type(corpus).__name__} (sentences in memory train on one "
                        f"machine only)")
    config = TrainConfig(dim=dim, window=window, negative=negative, sample=sample,
                         min_count=min_count, max_vocab_size=max_vocab_size, epochs=epochs,
                         alpha=alpha, min_alpha=min_alpha, sg=sg, ns_exponent=ns_exponent,
                         workers=1 if workers is None else workers, seed=seed,
                         shared_negatives=shared_negatives)
    return train_with_config(corpus, config, client=client, sync_words=sync_words,
                             threads_from_cluster=workers is None, cache_dir=cache_dir,
                             use_cache=use_cache, progress=progress, callbacks=callbacks,
                             checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                             resume=resume, overwrite_checkpoint=overwrite_checkpoint)


def corpus_url(corpus: PathLike) -> str:
    """The corpus as workers open it: URLs as given, local paths made absolute (so a shared
    filesystem mounted at the same place on every machine finds it)."""
    text = os.fspath(corpus)
    if "://" in text:
        return text
    return str(Path(text).expanduser().absolute())


def train_with_config(corpus: PathLike, config: Optional[TrainConfig], *, client: Any,
                      sync_words: Optional[int] = None, threads_from_cluster: bool = False,
                      cache_dir: Optional[PathLike] = None, use_cache: bool = True,
                      progress: Optional[bool] = None, callbacks: Sequence[Any] = (),
                      checkpoint: Optional[PathLike] = None,
                      checkpoint_every: Optional[float] = None,
                      resume: Optional[PathLike] = None,
                      keep_checkpoint: bool = False,
                      overwrite_checkpoint: bool = False) -> Embeddings:
    """:func:`train` with a ready :class:`TrainConfig` (the command line's entry point).

    ``keep_checkpoint=True`` leaves the checkpoint of a complete run in place (the command line
    removes it once the output file is durably written). A ``checkpoint`` directory that holds
    an interrupted run's checkpoint is refused (``FileExistsError``) unless ``resume`` names it
    or ``overwrite_checkpoint`` is true, as on one machine.

    ``threads_from_cluster``: ignore ``config.workers`` and give each round task its Dask
    worker's thread count (recorded in the returned config). ``config`` may be None with
    ``resume``.
    """
    if sync_words is not None:
        sync_words = check_int("sync_words", sync_words, 1, MAX_SYNC_WORDS)
    if checkpoint_every is not None and (checkpoint is None or not checkpoint_every > 0):
        raise ValueError("checkpoint_every must be a positive number of minutes and needs "
                         f"checkpoint (a directory), got {checkpoint_every!r}")
    if checkpoint is not None:
        resuming = resume is not None and os.path.exists(resume) and os.path.exists(checkpoint) \
            and os.path.samefile(checkpoint, resume)
        check_location(checkpoint, overwrite=overwrite_checkpoint, resuming=resuming)
    saved = load_checkpoint(resume) if resume is not None else None
    if saved is not None:
        if "cluster" not in saved.meta:
            raise ValueError(f"cannot resume {resume} on a cluster: it was written by a "
                             "single-machine run (resume it without a client)")
        config = saved.config
        threads_from_cluster = False
    if config is None:
        raise ValueError("config is required unless resume is given")
    if config.hs:
        raise ValueError("hierarchical softmax (hs=True) is not available on a Dask cluster; "
                         "train on one machine, or with negative sampling")
    url = corpus_url(corpus)
    if "://" not in url and Path(url).is_file() and is_wiki_dump(url):
        raise ValueError(f"{url} is a MediaWiki dump: convert it to text first (fastw2v wiki "
                         f"{url} -o corpus.txt) and train on that file")
    with connect(client) as c:
        t0 = time.perf_counter()
        source, version = c.submit(describe_corpus, url, pure=False).result()
        _check_version(version)
        if threads_from_cluster:
            config = config.replace(workers=_cluster_threads(c))
        streams = StreamSpec(None if cache_dir is None else str(cache_dir), bool(use_cache))
        homes = _workers(c)
        if saved is not None:
            plan_parts, vocab, n_raw = _resumed_parts(saved, source, url, resume)
            sync = int(saved.meta["cluster"]["sync_words"])
        else:
            plan_parts = [Part(k, s, e) for k, (s, e) in
                          enumerate(split_ranges(source.size, len(homes)))]
            vocab, n_raw = _vocabulary(c, source, plan_parts, homes, config, url)
            sync = sync_words or DEFAULT_SYNC_WORDS
        payload = VocabPayload.of(vocab)
        infos = _encode(c, source, plan_parts, payload, streams, homes, config)
        plan = Plan(parts=plan_parts, part_words=[i.n_words for i in infos],
                    part_ids=[i.n_ids for i in infos], raw_tokens_per_epoch=n_raw,
                    rounds_per_epoch=Plan.rounds_for([i.n_words for i in infos], sync),
                    sync_words=sync)
        if saved is not None:
            plan.rounds_per_epoch = int(saved.meta["cluster"]["rounds_per_epoch"])
        if plan.words_per_epoch == 0:
            raise CorpusError(f"no word of {url} is in the vocabulary")
        prepare_seconds = time.perf_counter() - t0
        trainer = ClusterTrainer(c, config, source, plan, payload, streams,
                                 _merge_probes([i.probe for i in infos]),
                                 [homes[k % len(homes)] for k in range(len(plan_parts))])
        if saved is not None:
            trainer.restore(saved.syn0, saved.syn1, saved.arrays, saved.meta)
            del saved

        def write_checkpoint(tr: ClusterTrainer):
            path = save_checkpoint(checkpoint, config=config, vocab=vocab, syn0=tr.syn0,
                                   syn1=tr.syn1, arrays=tr.state_arrays(), meta=tr.state_meta())
            logger.info("checkpoint written to %s", path)
            return path

        stats = trainer.run(progress=progress, callbacks=callbacks,
                            checkpoint=write_checkpoint if checkpoint is not None else None,
                            checkpoint_every=checkpoint_every)
        stats["cluster"]["scheduler"] = getattr(c.scheduler, "address", None)
        stats["cluster"]["prepare_seconds"] = prepare_seconds
    if checkpoint is not None and not keep_checkpoint:
        shutil.rmtree(checkpoint, ignore_errors=True)
    stats["prepare_seconds"] = prepare_seconds
    stats["prepare_from_cache"] = all(i.from_cache for i in infos)
    stats["total_seconds"] = time.perf_counter() - t0
    logger.info("trained %s vectors on %d parts in %.1f s (%s raw words/s, communication "
                "%.0f%% of the round time); preparation %.1f s", f"{len(vocab):,}",
                len(plan.parts), stats["train_seconds"], f"{stats['raw_words_per_sec']:,.0f}",
                100 * stats["cluster"]["communication_share"], prepare_seconds)
    return Embeddings(np.ascontiguousarray(trainer.syn0), list(vocab.words), counts=vocab.counts,
                      config=config, stats=stats)


def _check_version(version: str) -> None:
    from .._version import __version__
    if version != __version__:
        raise ClusterError(f"the Dask workers run fastw2v {version}, this client {__version__}: "
                           "install the same version everywhere")


def _workers(client) -> List[str]:
    workers = sorted(client.scheduler_info().get("workers", {}))
    if not workers:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        workers = sorted(client.scheduler_info().get("workers", {}))
    return workers


def _cluster_threads(client) -> int:
    """The most common thread count of the cluster's workers (``dask worker --nthreads``)."""
    counts = Counter(client.nthreads().values())
    return max(counts, key=lambda n: (counts[n], n)) if counts else worker_threads()


def _vocabulary(client, source, parts: List[Part], homes: List[str], config: TrainConfig,
                url: str) -> Tuple[Vocab, int]:
    """Count the parts in parallel and merge the counts into the vocabulary."""
    futures = [client.submit(count_part, source, part, config.max_vocab_size,
                             workers=[homes[part.index % len(homes)]], allow_other_workers=True,
                             pure=False) for part in parts]
    merged: Counter = Counter()
    n_raw = 0
    threshold = 0
    for pc in client.gather(futures):
        _check_version(pc.version)
        merged.update(pc.counts)
        n_raw += pc.n_tokens
        threshold = max(threshold, pc.prune_threshold)
    if n_raw == 0:
        raise CorpusError(f"corpus file {url} contains no tokens (it is empty or whitespace "
                          "only)")
    if config.max_vocab_size is not None and len(merged) > config.max_vocab_size:
        # Bounded as on one machine: the rarest words go, with word2vec.c's rising threshold.
        pruned, threshold = prune_counts(merged, config.max_vocab_size, threshold)
        merged = Counter(pruned)
    vocab = Vocab.from_counts(merged, config.min_count, config.max_vocab_size)
    if len(vocab) == 0:
        raise _no_word_error(Path(url), dict(merged), config.min_count, threshold)
    return vocab, n_raw


def _encode(client, source, parts: List[Part], payload: VocabPayload, streams: StreamSpec,
            homes: List[str], config: TrainConfig) -> list:
    """Every part encoded on its worker (kept there), with its piece of the evaluation probe."""
    n_centers = max(1, evalloss.PROBE_CENTERS // len(parts))
    vocab_future = client.scatter(payload, broadcast=True, hash=False)
    futures = [client.submit(encode_part, source, part, vocab_future, streams, config.window,
                             config.negative, config.ns_exponent, config.seed, n_centers,
                             workers=[homes[part.index % len(homes)]], allow_other_workers=True,
                             pure=False) for part in parts]
    return sorted(client.gather(futures), key=lambda i: i.index)


def _merge_probes(probes: List[evalloss.LossProbe]) -> evalloss.LossProbe:
    return evalloss.LossProbe(centers=np.concatenate([p.centers for p in probes]),
                              contexts=np.concatenate([p.contexts for p in probes]),
                              negatives=np.concatenate([p.negatives for p in probes]))


def _resumed_parts(saved, source, url: str, resume) -> Tuple[List[Part], Vocab, int]:
    meta = saved.meta["cluster"]
    was = meta["source"]
    if (was["size"], was["identity"]) != (source.size, source.identity):
        raise ValueError(f"cannot resume: {url} is not the corpus checkpoint {resume} was made "
                         f"on (size or modification time differ)")
    parts = [Part(k, int(s), int(e)) for k, (s, e) in enumerate(meta["parts"])]
    return parts, saved.vocab, int(saved.meta["raw_tokens_per_epoch"])
