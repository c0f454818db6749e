"""The public entry point :func:`train`: validate, prepare the corpus, train, return vectors."""
from __future__ import annotations

import logging
import shutil
import time
from typing import Any, Optional, Sequence

from ..base.paths import PathLike
from ..base.progress import ProgressArg, as_progress
from ..base.text import count
from ..config import TrainConfig, default_workers
from ..vectors.embeddings import Embeddings  # numpy, not numba: the kernels load on first use

logger = logging.getLogger("fastw2v")


def train(corpus: PathLike, *, dim: int = 100, window: int = 5, negative: int = 5,
          sample: float = 1e-3, min_count: int = 5, max_vocab_size: Optional[int] = None,
          epochs: int = 5, alpha: float = 0.025, min_alpha: float = 0.0001, sg: bool = True,
          ns_exponent: float = 0.75, workers: Optional[int] = None, seed: int = 1,
          shared_negatives: bool = True, cache_dir: Optional[PathLike] = None, use_cache: bool = True,
          progress: ProgressArg = None, callbacks: Sequence[Any] = (),
          checkpoint: Optional[PathLike] = None, checkpoint_every: Optional[float] = None,
          resume: Optional[PathLike] = None) -> Embeddings:
    """Train word2vec embeddings on a text corpus.

    Parameters
    ----------
    corpus : str or path
        A UTF-8 text file (optionally ``.gz``, ``.bz2`` or ``.xz``): tokens separated by
        whitespace, one sentence per line; lines may be arbitrarily long (text8 is one line).
        A MediaWiki XML dump (``...pages-articles.xml.bz2``) is recognised, converted to text8-style
        text once (:func:`fastw2v.wiki.dump.ensure_text_corpus`, cached) and trained on.
    dim, window, negative, sample, min_count, max_vocab_size, epochs, alpha, min_alpha, sg, \
ns_exponent, workers, seed, shared_negatives
        Training parameters; see :class:`fastw2v.config.TrainConfig` for meanings and allowed
        ranges. ``workers=None`` uses every core available to the process. ``sg=False`` trains CBOW.
    cache_dir : str or path, optional
        Where the encoded token stream is cached (default ``$FASTW2V_CACHE``, else
        ``$XDG_CACHE_HOME/fastw2v``, else ``~/.cache/fastw2v``). It is reused while the corpus file and ``min_count`` /
        ``max_vocab_size`` are unchanged.
    use_cache : bool
        False: encode into a temporary file that is removed afterwards.
    progress : bool or fastw2v.base.progress.Progress, optional
        Show progress on stderr while the corpus is read and encoded (bytes read, MB/s, ETA), a
        dump converted and the vectors trained (share done, words/s, learning rate, loss of the
        epoch so far, ETA); each step's line stays with its final figures. None (default) shows
        it only when stderr is a terminal. Log records of the ``fastw2v`` logger erase the line
        before they are written (use :class:`fastw2v.base.progress.TerminalHandler` to have it
        redrawn below them at once).
    callbacks : sequence of objects
        Each may define ``on_epoch_end(epoch, stats)`` (``stats``: words, raw_words, words_kept,
        examples, words_per_sec, raw_words_per_sec, loss, eval_loss, alpha, seconds, elapsed)
        and ``on_train_end(stats)`` (the dict that becomes ``Embeddings.stats``).
    checkpoint : str or path, optional
        Directory to write checkpoints to: at the end of every epoch, every ``checkpoint_every``
        minutes, and when Ctrl-C stops training (then
        :class:`fastw2v.training.trainer.TrainingInterrupted` is raised, naming the checkpoint). Written
        atomically; removed after a successful run.
    checkpoint_every : float, optional
        Minutes between checkpoints within an epoch (needs ``checkpoint``).
    resume : str or path, optional
        Continue from this checkpoint. The training parameters are the checkpoint's (the other
        arguments are ignored, except ``cache_dir``, ``use_cache``, ``progress``, ``callbacks``
        and ``checkpoint``); the corpus must be the one the checkpoint was made on. With one
        worker the result is bit-identical to a run that was never interrupted.

    Returns
    -------
    Embeddings
        The input vectors with their vocabulary, the config and the training statistics.

    Raises
    ------
    ValueError
        A parameter is out of range (the message names it and the allowed range).
    FileNotFoundError
        ``corpus`` does not exist.
    fastw2v.errors.CorpusError
        ``corpus`` is a directory, empty, whitespace only, or no word reaches ``min_count``.
    fastw2v.training.trainer.TrainingDiverged
        The weights became NaN/infinite (learning rate too large).
    """
    config = TrainConfig(dim=dim, window=window, negative=negative, sample=sample,
                         min_count=min_count, max_vocab_size=max_vocab_size, epochs=epochs,
                         alpha=alpha, min_alpha=min_alpha, sg=sg, ns_exponent=ns_exponent,
                         workers=default_workers() if workers is None else workers, seed=seed,
                         shared_negatives=shared_negatives)
    return train_with_config(corpus, config, cache_dir=cache_dir, use_cache=use_cache,
                             progress=progress, callbacks=callbacks, checkpoint=checkpoint,
                             checkpoint_every=checkpoint_every, resume=resume)


def train_with_config(corpus: PathLike, config: Optional[TrainConfig], *,
                      cache_dir: Optional[PathLike] = None, use_cache: bool = True,
                      progress: ProgressArg = None, callbacks: Sequence[Any] = (),
                      checkpoint: Optional[PathLike] = None,
                      checkpoint_every: Optional[float] = None,
                      resume: Optional[PathLike] = None) -> Embeddings:
    """:func:`train` with a ready :class:`TrainConfig` (used by the CLI and the benchmarks).

    ``config`` may be None when ``resume`` is given (the checkpoint's config is used).
    """
    from .checkpoint import load_checkpoint, save_checkpoint
    from ..corpus.cache import prepare_corpus
    from .trainer import Trainer
    from ..wiki.dump import ensure_text_corpus, is_wiki_dump

    if checkpoint_every is not None and (checkpoint is None or not checkpoint_every > 0):
        raise ValueError("checkpoint_every must be a positive number of minutes and needs "
                         f"checkpoint (a directory), got {checkpoint_every!r}")
    saved = load_checkpoint(resume) if resume is not None else None
    if saved is not None:
        config = saved.config
        logger.info("resuming from %s: epoch %d of %d", resume, saved.meta["epoch"] + 1,
                    config.epochs)
    if config is None:
        raise ValueError("config is required unless resume is given")
    shown = as_progress(progress)
    t0 = time.perf_counter()
    if is_wiki_dump(corpus):  # a MediaWiki XML dump: converted to text once, then cached
        corpus = ensure_text_corpus(corpus, cache_dir=cache_dir, progress=shown)
    prepared = prepare_corpus(corpus, min_count=config.min_count,
                              max_vocab_size=config.max_vocab_size, cache_dir=cache_dir,
                              use_cache=use_cache, progress=shown)
    prepare_seconds = time.perf_counter() - t0
    trainer = Trainer(config, prepared.tokens, prepared.vocab.counts,
                      raw_tokens_per_epoch=prepared.n_raw_tokens)
    if saved is not None:
        if saved.vocab != prepared.vocab:
            raise ValueError(f"cannot resume: {corpus} is not the corpus checkpoint {resume} was "
                             "made on (the vocabularies differ)")
        trainer.restore(saved.syn0, saved.syn1, saved.arrays, saved.meta)
        del saved

    def write_checkpoint(tr: Trainer):
        path = save_checkpoint(checkpoint, config=config, vocab=prepared.vocab, syn0=tr.syn0,
                               syn1=tr.syn1, arrays=tr.state_arrays(), meta=tr.state_meta())
        logger.debug("checkpoint written to %s", path)
        return path

    run = trainer.run(progress=shown, callbacks=callbacks,
                      checkpoint=write_checkpoint if checkpoint is not None else None,
                      checkpoint_every=checkpoint_every)
    if checkpoint is not None:  # the run is complete: its checkpoint is no longer needed
        shutil.rmtree(checkpoint, ignore_errors=True)
    stats = run.as_dict()
    stats["prepare_seconds"] = prepare_seconds
    stats["prepare_from_cache"] = bool(prepared.from_cache)
    stats["total_seconds"] = time.perf_counter() - t0
    logger.info("trained %s in %.1f s: %s words/s (%s of %s); %.1f s in all, corpus "
                "preparation included",
                count(len(prepared.vocab), "vector"), run.seconds,
                f"{stats['raw_words_per_sec']:,.0f}", count(len(run.epochs), "epoch"),
                count(prepared.n_raw_tokens, "word"), stats["total_seconds"])
    return Embeddings(trainer.vectors, list(prepared.vocab.words), counts=prepared.vocab.counts,
                      config=config, stats=stats)
