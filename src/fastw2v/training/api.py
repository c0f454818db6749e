"""The public entry point :func:`train`: validate, prepare the corpus, train, return vectors.

The checkpoint lifecycle lives here (:func:`train_with_config`): the checkpoint directory is
checked, created and locked before the corpus is read; a resumed run is checked against the
checkpoint (parameters, vocabulary, token-stream fingerprint) before training starts; a signal
during training writes a checkpoint; the checkpoint is removed only once the run is complete (the
CLI: once OUT is durably written).
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from ..base.paths import PathLike
from ..base.progress import ProgressArg, as_progress
from ..base.text import count
from ..base.signals import critical, interrupt_signal, signals_as_interrupts
from ..base.validate import check_bool
from ..config import TrainConfig, default_workers
from ..vectors.embeddings import Embeddings  # numpy, not numba: the kernels load on first use

logger = logging.getLogger("fastw2v")

#: The keyword arguments the current :func:`train` call was given explicitly (for ``resume``).
_EXPLICIT: contextvars.ContextVar = contextvars.ContextVar("fastw2v_explicit",
                                                           default=frozenset())
#: TrainConfig fields, i.e. the training parameters a checkpoint fixes.
TRAINING_PARAMETERS = tuple(f.name for f in dataclasses.fields(TrainConfig))


class ResumeConflict(ValueError):
    """Training parameters given with ``resume`` differ from the checkpoint's.

    ``conflicts`` lists ``(name, given, checkpoint's value)``.
    """

    def __init__(self, resume, conflicts):
        self.resume, self.conflicts = resume, list(conflicts)
        listed = ", ".join(f"{n}={g!r} (the checkpoint has {n}={c!r})" for n, g, c in conflicts)
        super().__init__(f"cannot resume from {resume} with different training parameters: "
                         f"{listed}; leave them out to continue with the checkpoint's")


#: gensim's (and word2vec.c's) names of train()'s parameters, for the hint an unknown keyword gets.
GENSIM_NAMES = {"vector_size": "dim", "size": "dim", "iter": "epochs", "sentences": "corpus",
                "corpus_iterable": "corpus", "corpus_file": "corpus", "threads": "workers",
                "cbow": "sg (sg=False trains CBOW)", "start_alpha": "alpha",
                "end_alpha": "min_alpha"}
#: gensim Word2Vec parameters that fastw2v.train does not take (fastw2v.Word2Vec does).
GENSIM_ONLY = {"cbow_mean", "max_final_vocab", "null_word", "trim_rule", "sorted_vocab",
               "batch_words", "compute_loss", "hashfxn", "comment", "shrink_windows"}


def unknown_keyword_error(func: str, name: str) -> TypeError:
    """The TypeError for an unexpected keyword, naming fastw2v's spelling when there is one."""
    hint = ""
    if name in GENSIM_NAMES:
        hint = (f"; fastw2v.train calls it {GENSIM_NAMES[name]} (or use fastw2v.Word2Vec, which "
                f"takes gensim's parameter names)")
    elif name in GENSIM_ONLY:
        hint = f"; {name} is a gensim Word2Vec parameter: use fastw2v.Word2Vec, which takes it"
    return TypeError(f"{func}() got an unexpected keyword argument {name!r}{hint}")


def _records_explicit_arguments(fn: Callable) -> Callable:
    """Let ``fn`` know which keyword arguments its caller gave (``inspect.signature`` and
    ``help`` still show ``fn``'s own signature)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        token = _EXPLICIT.set(frozenset(kwargs))
        try:
            return fn(*args, **kwargs)
        finally:
            _EXPLICIT.reset(token)
    return wrapper


@_records_explicit_arguments
def train(corpus: Any, *, dim: int = 100, window: int = 5, negative: int = 5,
          sample: float = 1e-3, min_count: int = 5, max_vocab_size: Optional[int] = None,
          epochs: int = 5, alpha: Optional[float] = None, min_alpha: float = 0.0001,
          sg: bool = True,
          ns_exponent: float = 0.75, workers: Optional[int] = None, seed: int = 1,
          shared_negatives: bool = True, hs: bool = False,
          cache_dir: Optional[PathLike] = None, use_cache: bool = True,
          progress: ProgressArg = None, callbacks: Sequence[Any] = (),
          checkpoint: Optional[PathLike] = None, checkpoint_every: Optional[float] = None,
          resume: Optional[PathLike] = None, eval_loss: bool = True,
          overwrite_checkpoint: bool = False, read_vocab: Optional[PathLike] = None,
          save_vocab: Optional[PathLike] = None, **unknown: Any) -> Embeddings:
    """Train word2vec embeddings on a text corpus or on sentences in memory.

    Parameters
    ----------
    corpus : str or path, iterable of token lists, or text stream
        A UTF-8 text file (optionally ``.gz``, ``.bz2`` or ``.xz``): tokens separated by ASCII
        whitespace, one sentence per line; lines may be arbitrarily long (text8 is one line).
        A pipe (``/dev/stdin``, ``<(zcat ...)``) is copied once to a temporary file, which is
        removed afterwards (and never cached).
        A MediaWiki XML dump (``...pages-articles.xml.bz2``) is recognised, converted to text8-style
        text once (:func:`fastw2v.wiki.dump.ensure_text_corpus`, cached) and trained on.
        Or sentences in memory (:mod:`fastw2v.corpus.sentences`): a list (or re-iterable object,
        or a generator, read once) of token lists such as ``[["the", "cat"], ...]``, or a text
        stream (``io.StringIO``, an open file) read like a corpus file. They are streamed into a
        temporary token stream (not cached), so training on them is the same as on the
        equivalent file: with ``workers=1`` the vectors are identical.
    dim, window, negative, sample, min_count, max_vocab_size, epochs, alpha, min_alpha, sg, \
ns_exponent, workers, seed, shared_negatives, hs
        Training parameters; see :class:`fastw2v.config.TrainConfig` for meanings and allowed
        ranges. ``workers=None`` uses every core available to the process. ``sg=False`` trains CBOW.
        ``hs=True`` trains hierarchical softmax (with ``negative=0`` alone, as word2vec.c's
        ``-hs 1 -negative 0``).
    cache_dir : str or path, optional
        Where the encoded token stream is cached (default ``$FASTW2V_CACHE``, else
        ``$XDG_CACHE_HOME/fastw2v``, else ``~/.cache/fastw2v``). It is reused while the corpus
        file (path, size, modification and change times, inode, device) and ``min_count`` /
        ``max_vocab_size`` are unchanged, and only after its checksums verify
        (:mod:`fastw2v.corpus.cache`).
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
        minutes, and when a signal stops training (Ctrl-C; SIGTERM and SIGHUP too while they have
        their default handlers): then :class:`fastw2v.training.trainer.TrainingInterrupted` is
        raised, naming the checkpoint and the signal. Checked, created and locked before the
        corpus is read; each checkpoint replaces the previous one in one atomic step
        (:mod:`fastw2v.training.checkpoint`); removed after a successful run. A directory that
        holds another run's checkpoint is refused (``FileExistsError``) unless ``resume`` names
        it or ``overwrite_checkpoint`` is true.
    checkpoint_every : float, optional
        Minutes between checkpoints within an epoch (needs ``checkpoint``).
    resume : str or path, optional
        Continue from this checkpoint. The training parameters are the checkpoint's: one given
        explicitly with a different value raises :class:`ResumeConflict` naming it (the other
        arguments apply). The corpus must be the one the checkpoint was made on (same
        vocabulary, length and token-stream SHA-256). With one worker the result is
        bit-identical to a run that was never interrupted. Unless ``checkpoint`` names another
        directory, checkpoints keep going to ``resume``.
    eval_loss : bool
        Compute the evaluation loss on a fixed probe at every epoch's end (``stats["epochs"]``,
        ``eval_loss``; see :mod:`fastw2v.training.evalloss`); False skips it (the value is NaN).
    overwrite_checkpoint : bool
        Start over in a ``checkpoint`` directory that holds an interrupted run's checkpoint
        (replaced by this run's first checkpoint).
    read_vocab : str or path, optional
        Take the vocabulary from this file instead of counting the corpus, which is then only
        encoded (word2vec.c's ``-read-vocab``): word2vec.c's ``word count`` format or fastw2v's
        ``word<TAB>count`` (:func:`fastw2v.corpus.vocab.read_vocab`; ``min_count`` and
        ``max_vocab_size`` apply to its counts). Corpus words missing from it are dropped.
    save_vocab : str or path, optional
        Write the vocabulary before training starts (word2vec.c's ``-save-vocab``): word2vec.c's
        ``word count`` format, or fastw2v's ``word<TAB>count`` when the name ends in ``.tsv``
        (:func:`fastw2v.corpus.vocab.write_vocab`).

    Returns
    -------
    Embeddings
        The input vectors with their vocabulary, the config and the training statistics.

    Raises
    ------
    ValueError
        A parameter is out of range (the message names it and the allowed range).
    TypeError
        An unknown keyword (gensim's names, such as ``vector_size``, get a hint naming fastw2v's),
        or ``corpus`` is neither a path nor sentences.
    FileNotFoundError
        ``corpus`` does not exist.
    fastw2v.errors.CorpusError
        ``corpus`` is a directory, empty, whitespace only, or no word reaches ``min_count``; a
        token of the sentences is empty or contains whitespace.
    fastw2v.training.trainer.TrainingDiverged
        The weights became NaN/infinite (learning rate too large).
    FileExistsError
        ``checkpoint`` holds an interrupted run's checkpoint (see ``overwrite_checkpoint``), or
        another running fastw2v process writes it.
    fastw2v.errors.ModelFormatError
        The ``resume`` checkpoint is damaged (the message names the file and what is wrong).
    """
    if unknown:
        raise unknown_keyword_error("train", sorted(unknown)[0])
    given = _EXPLICIT.get()
    values = dict(dim=dim, window=window, negative=negative, sample=sample, min_count=min_count,
                  max_vocab_size=max_vocab_size, epochs=epochs, alpha=alpha, min_alpha=min_alpha,
                  sg=sg, ns_exponent=ns_exponent, workers=workers, seed=seed,
                  shared_negatives=shared_negatives, hs=hs)
    explicit = {k: v for k, v in values.items()
                if k in given and not (k in ("workers", "alpha") and v is None)}
    if resume is not None:
        return train_with_config(corpus, None, cache_dir=cache_dir, use_cache=use_cache,
                                 progress=progress, callbacks=callbacks, checkpoint=checkpoint,
                                 checkpoint_every=checkpoint_every, resume=resume,
                                 eval_loss=eval_loss, overwrite_checkpoint=overwrite_checkpoint,
                                 explicit=explicit, read_vocab=read_vocab, save_vocab=save_vocab)
    config = TrainConfig(dim=dim, window=window, negative=negative, sample=sample,
                         min_count=min_count, max_vocab_size=max_vocab_size, epochs=epochs,
                         alpha=alpha, min_alpha=min_alpha, sg=sg, ns_exponent=ns_exponent,
                         workers=default_workers() if workers is None else workers, seed=seed,
                         shared_negatives=shared_negatives, hs=hs)
    return train_with_config(corpus, config, cache_dir=cache_dir, use_cache=use_cache,
                             progress=progress, callbacks=callbacks, checkpoint=checkpoint,
                             checkpoint_every=checkpoint_every, eval_loss=eval_loss,
                             overwrite_checkpoint=overwrite_checkpoint, read_vocab=read_vocab,
                             save_vocab=save_vocab)


def _same_directory(a: PathLike, b: PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).absolute() == Path(b).absolute()


def _check_explicit(resume: PathLike, saved: TrainConfig, explicit: Mapping[str, Any]) -> None:
    """Raise :class:`ResumeConflict` for given parameters that differ from the checkpoint's."""
    conflicts = []
    for name, value in explicit.items():
        have = getattr(saved, name)
        try:
            same = type(have)(value) == have if value is not None or have is None else False
        except (TypeError, ValueError):
            same = False
        if not same:
            conflicts.append((name, value, have))
    if conflicts:
        raise ResumeConflict(resume, conflicts)


def train_with_config(corpus: Any, config: Optional[TrainConfig], *,
                      cache_dir: Optional[PathLike] = None, use_cache: bool = True,
                      progress: ProgressArg = None, callbacks: Sequence[Any] = (),
                      checkpoint: Optional[PathLike] = None,
                      checkpoint_every: Optional[float] = None,
                      resume: Optional[PathLike] = None, eval_loss: bool = True,
                      overwrite_checkpoint: bool = False,
                      explicit: Optional[Mapping[str, Any]] = None,
                      keep_checkpoint: bool = False, read_vocab: Optional[PathLike] = None,
                      save_vocab: Optional[PathLike] = None) -> Embeddings:
    """:func:`train` with a ready :class:`TrainConfig` (used by the CLI and the benchmarks).

    ``config`` may be None when ``resume`` is given (the checkpoint's config is used);
    ``explicit`` holds the training parameters the caller gave explicitly, which must agree with
    the checkpoint's. ``keep_checkpoint=True`` leaves the checkpoint of a complete run in place
    (the CLI removes it once the output file is durably written).
    """
    if checkpoint_every is not None and (checkpoint is None or not checkpoint_every > 0):
        raise ValueError("checkpoint_every must be a positive number of minutes and needs "
                         f"checkpoint (a directory), got {checkpoint_every!r}")
    eval_loss = check_bool("eval_loss", eval_loss)
    guard = signals_as_interrupts(only_defaults=True) if checkpoint is not None \
        else contextlib.nullcontext()
    with guard:
        return _train(corpus, config, cache_dir=cache_dir, use_cache=use_cache,
                      progress=progress, callbacks=callbacks, checkpoint=checkpoint,
                      checkpoint_every=checkpoint_every, resume=resume, eval_loss=eval_loss,
                      overwrite_checkpoint=overwrite_checkpoint, explicit=explicit or {},
                      keep_checkpoint=keep_checkpoint, read_vocab=read_vocab,
                      save_vocab=save_vocab)


def _train(corpus, config, *, cache_dir, use_cache, progress, callbacks, checkpoint,
           checkpoint_every, resume, eval_loss, overwrite_checkpoint, explicit, keep_checkpoint,
           read_vocab, save_vocab):
    from .checkpoint import CheckpointDir, describe, load_checkpoint
    from ..base.memory import release_free_memory
    from ..corpus import reader
    from ..corpus.cache import prepare_corpus
    from ..corpus.sentences import check_sentences, is_path, prepare_sentences
    from ..corpus.vocab import read_vocab as read_vocab_file, write_vocab
    from .trainer import Trainer, TrainingInterrupted
    from ..wiki.dump import ensure_text_corpus, is_wiki_dump

    if not is_path(corpus):
        check_sentences(corpus)  # a TypeError with a hint before any work
        if read_vocab is not None:
            raise ValueError("read_vocab needs a corpus file; with sentences in memory the "
                             "vocabulary is counted from them")
    if resume is not None and not os.path.exists(resume):
        raise FileNotFoundError(f"checkpoint not found: {resume}")
    store = None
    if checkpoint is not None:
        same = resume is not None and _same_directory(checkpoint, resume)
        store = CheckpointDir(checkpoint, overwrite=overwrite_checkpoint, resuming=same).open()
    spooled = None
    try:
        saved = load_checkpoint(resume) if resume is not None else None
        if saved is not None and "cluster" in saved.meta:
            raise ValueError(f"cannot resume {resume} on this machine alone: it was written by "
                             "a run on a Dask cluster (resume it with client= / --scheduler)")
        if saved is not None:
            _check_explicit(resume, saved.config, explicit)
            config = saved.config
            logger.info("resuming from %s: epoch %d of %d", resume,
                        saved.meta["epoch"] + (1 if saved.meta["epoch"] < config.epochs else 0),
                        config.epochs)
        if config is None:
            raise ValueError("config is required unless resume is given")
        shown = as_progress(progress)
        t0 = time.perf_counter()
        if not is_path(corpus):
            prepared = prepare_sentences(corpus, min_count=config.min_count,
                                         max_vocab_size=config.max_vocab_size)
            corpus = "the sentences"  # how messages below name it
        else:
            if reader.needs_spooling(corpus):  # a pipe: read it once into a temporary file
                spooled = reader.spool(corpus, cache_dir)
                corpus, use_cache = spooled, False
            if is_wiki_dump(corpus):  # a MediaWiki XML dump: converted once, then cached
                corpus = ensure_text_corpus(corpus, cache_dir=cache_dir, progress=shown)
            given_vocab = (None if read_vocab is None else
                           read_vocab_file(read_vocab, config.min_count, config.max_vocab_size))
            prepared = prepare_corpus(corpus, min_count=config.min_count,
                                      max_vocab_size=config.max_vocab_size, cache_dir=cache_dir,
                                      use_cache=use_cache, progress=shown, vocab=given_vocab)
        release_free_memory()  # what counting the corpus freed, for the rest of the run
        if save_vocab is not None:
            write_vocab(save_vocab, prepared.vocab, prepared.n_sentences)
            logger.info("vocabulary of %d words written to %s", len(prepared.vocab), save_vocab)
        prepare_seconds = time.perf_counter() - t0
        if saved is not None:
            _check_same_corpus(corpus, resume, saved, prepared)
        trainer = Trainer(config, prepared.tokens, prepared.vocab.counts,
                          raw_tokens_per_epoch=prepared.n_raw_tokens, eval_loss=eval_loss)
        last = [None]  # the progress the checkpoint in ``store`` holds
        if saved is not None:
            trainer.restore(saved.syn0, saved.syn1, saved.arrays, saved.meta,
                            syn1hs=saved.syn1hs)
            del saved
            if store is not None and store.resuming:
                last[0] = _progress(trainer)
        abandoned = []  # set when a signal abandoned a checkpoint being written

        def previous() -> str:
            if store.has_checkpoint():
                return f"the previous checkpoint {store.path} ({describe(store.path)}) is intact"
            return "there is no earlier checkpoint"

        def write_checkpoint(tr: Trainer, interrupt: Optional[BaseException]):
            signum = interrupt_signal(interrupt) if interrupt is not None else None
            now = _progress(tr)
            if last[0] == now:
                if interrupt is not None:
                    raise TrainingInterrupted(store.path, saved=True, signum=signum) from None
                return store.path
            if interrupt is not None and abandoned:
                raise TrainingInterrupted(store.path if store.has_checkpoint() else None,
                                          saved=False, signum=signum,
                                          note=f"the checkpoint being written was abandoned; "
                                               f"{previous()}") from None
            try:
                with critical("writing the checkpoint", raise_held=interrupt is None):
                    store.save(config=config, vocab=prepared.vocab, syn0=tr.syn0, syn1=tr.syn1,
                               arrays=tr.state_arrays(), meta=tr.state_meta(),
                               fingerprint=prepared.tokens_sha256, syn1hs=tr.syn1hs)
                    last[0] = now
            except KeyboardInterrupt as again:
                abandoned.append(True)
                if interrupt is None:
                    raise
                raise TrainingInterrupted(store.path if store.has_checkpoint() else None,
                                          saved=False, signum=interrupt_signal(again),
                                          note=f"the checkpoint being written was abandoned; "
                                               f"{previous()}") from None
            except OSError as exc:
                if interrupt is None:
                    logger.warning("could not write a checkpoint (%s); %s; training goes on",
                                   exc, previous())
                    return None
                raise TrainingInterrupted(store.path if store.has_checkpoint() else None,
                                          saved=False, signum=signum,
                                          note=f"could not write the checkpoint ({exc}); "
                                               f"{previous()}") from None
            logger.debug("checkpoint written to %s", store.path)
            if interrupt is not None:
                raise TrainingInterrupted(store.path, saved=True, signum=signum) from None
            return store.path

        run = trainer.run(progress=shown, callbacks=callbacks,
                          checkpoint=write_checkpoint if store is not None else None,
                          checkpoint_every=checkpoint_every)
        stats = run.as_dict()
        stats["prepare_seconds"] = prepare_seconds
        stats["prepare_from_cache"] = bool(prepared.from_cache)
        stats["total_seconds"] = time.perf_counter() - t0
        logger.info("trained %s in %.1f s: %s words/s (%s of %s); %.1f s in all, corpus "
                    "preparation included",
                    count(len(prepared.vocab), "vector"), run.seconds,
                    f"{stats['raw_words_per_sec']:,.0f}", count(len(run.epochs), "epoch"),
                    count(prepared.n_raw_tokens, "word"), stats["total_seconds"])
        emb = Embeddings(trainer.take_vectors(), list(prepared.vocab.words),
                         counts=prepared.vocab.counts, config=config, stats=stats)
        if store is not None and not keep_checkpoint:
            with critical("removing the finished run's checkpoint", raise_held=False):
                store.remove()  # the run is complete: its checkpoint is no longer needed
        return emb
    finally:
        if store is not None:
            store.close()
        if spooled is not None:
            with contextlib.suppress(OSError):
                os.unlink(spooled)


def _progress(trainer) -> tuple:
    """Where a trainer stands: equal values mean a checkpoint of it would be the same."""
    return trainer.epoch, trainer.in_epoch, trainer.words_done()


def _check_same_corpus(corpus, resume, saved, prepared) -> None:
    """Raise ValueError unless ``prepared`` is the corpus the checkpoint was made on."""
    if saved.vocab != prepared.vocab:
        raise ValueError(f"cannot resume: {corpus} is not the corpus checkpoint {resume} was "
                         "made on (the vocabularies differ)")
    if int(saved.meta["n_tokens"]) != len(prepared.tokens):
        raise ValueError(f"cannot resume: {corpus} is not the corpus checkpoint {resume} was "
                         f"made on (its token stream has {len(prepared.tokens)} tokens, the "
                         f"checkpoint's {saved.meta['n_tokens']})")
    if saved.fingerprint is not None and saved.fingerprint != prepared.tokens_sha256:
        raise ValueError(f"cannot resume: {corpus} is not the corpus checkpoint {resume} was "
                         f"made on (same words and length, but a different text: the token "
                         f"streams' SHA-256 differ)")
