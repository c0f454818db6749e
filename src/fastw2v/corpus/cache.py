"""The prepared corpus: a cache of token streams, and :func:`prepare_corpus`, which builds an entry
(:mod:`fastw2v.corpus.stream`) or reuses it.

An entry is ``<key>.tokens.i32``, ``<key>.vocab.tsv`` and ``<key>.json`` in the cache directory
(:func:`fastw2v.base.paths.cache_dir`), named by :func:`fastw2v.base.paths.cache_entry_name` from
everything the stream depends on. The metadata file is written last, so an interrupted preparation
is never mistaken for a complete one; an entry whose files disagree with its metadata is rebuilt.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from ..base import paths
from ..base.atomic import atomic_write
from ..base.paths import PathLike, cache_entry_name
from ..base.progress import SILENT, Progress
from ..base.text import count, size
from ..base.validate import check_int
from ..errors import ModelFormatError
from . import reader as _corpus
from .stream import FORMAT_VERSION, TOKEN_DTYPE, build_stream, open_tokens
from .vocab import Vocab

logger = logging.getLogger("fastw2v")


# --------------------------------------------------------------------------------------------
# The prepared corpus
# --------------------------------------------------------------------------------------------

@dataclass
class PreparedCorpus:
    """A corpus ready for training.

    Attributes
    ----------
    vocab : Vocab
        The vocabulary; id ``i`` in ``tokens`` is ``vocab.words[i]``.
    tokens : numpy.memmap of int32
        The token stream (read-only): vocabulary ids and :data:`SENTENCE_END` markers.
    n_raw_tokens : int
        Every whitespace-separated token of the corpus, out-of-vocabulary ones included (the
        basis of "raw words per second").
    n_sentences : int
        Lines of the corpus that hold at least one token (out-of-vocabulary ones included). The
        number of :data:`SENTENCE_END` markers in ``tokens`` can be smaller: lines whose words are
        all out of vocabulary leave no marker.
    tokens_path : Path
        The file behind ``tokens``. Without a cache it is a temporary file, deleted when
        ``tokens`` (and every view of it) is garbage collected.
    from_cache : bool
        True when the files were found in the cache and nothing was recomputed.
    seconds_count : float
        Time spent reading and counting the corpus and building the vocabulary (0 from cache).
        Without ``max_vocab_size`` the single pass that reads the corpus also writes provisional
        ids, and that time is counted here.
    seconds_encode : float
        Time spent producing the final stream (0 from cache).
    n_decode_errors : int
        Distinct words that were not valid UTF-8.
    corpus_path : Path or None
        The corpus file.
    """

    vocab: Vocab
    tokens: np.memmap
    n_raw_tokens: int
    n_sentences: int
    tokens_path: Path
    from_cache: bool
    seconds_count: float = 0.0
    seconds_encode: float = 0.0
    n_decode_errors: int = 0
    corpus_path: Optional[Path] = field(default=None)


# --------------------------------------------------------------------------------------------
# Cache
# --------------------------------------------------------------------------------------------

def _writable_dir(d: Path) -> Optional[Path]:
    """``d`` (created if needed) when files can be written there, else None with a warning."""
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=d)
        os.close(fd)
        os.unlink(probe)
        return d
    except OSError as exc:
        logger.warning("cache directory %s is not writable (%s); using a temporary file instead",
                       d, exc)
        return None


def _key_fields(path: Path, st: os.stat_result, min_count: int,
                max_vocab_size: Optional[int]) -> dict:
    return {"corpus": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "min_count": min_count, "max_vocab_size": max_vocab_size,
            "format_version": FORMAT_VERSION}


def cache_key(path: PathLike, min_count: int, max_vocab_size: Optional[int] = None) -> str:
    """Cache file stem for a corpus and its preparation settings.

    A hash of the absolute path, size, modification time (ns), ``min_count``,
    ``max_vocab_size`` and :data:`FORMAT_VERSION`, after a readable part of the file name.
    """
    p = Path(path).resolve()
    fields = _key_fields(p, p.stat(), min_count, max_vocab_size)
    return cache_entry_name(p, fields)


def _cache_files(cache: Path, key: str) -> Tuple[Path, Path, Path]:
    return (cache / f"{key}.tokens.i32", cache / f"{key}.vocab.tsv", cache / f"{key}.json")


def _load_cached(cache: Path, key: str, fields: dict, path: Path) -> Optional[PreparedCorpus]:
    tokens_path, vocab_path, meta_path = _cache_files(cache, key)
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("key") != fields:
            raise ValueError("settings differ")
        n_tokens = int(meta["n_tokens"])
        size = tokens_path.stat().st_size
        if n_tokens < 1 or size != n_tokens * TOKEN_DTYPE.itemsize:
            raise ValueError(f"token file holds {size} bytes, expected {n_tokens} ids")
        vocab = Vocab.load(vocab_path)
        if len(vocab) != int(meta["vocab_size"]) or vocab.total != int(meta["vocab_total"]):
            raise ValueError("vocabulary file does not match the metadata")
        tokens = open_tokens(tokens_path)
    except (OSError, ValueError, KeyError, TypeError, ModelFormatError) as exc:
        logger.warning("ignoring inconsistent cache entry %s (%s); rebuilding", meta_path, exc)
        return None
    logger.debug("using cached token stream %s", tokens_path)
    return PreparedCorpus(vocab=vocab, tokens=tokens, n_raw_tokens=int(meta["n_raw_tokens"]),
                          n_sentences=int(meta["n_sentences"]), tokens_path=tokens_path,
                          from_cache=True, n_decode_errors=int(meta.get("n_decode_errors", 0)),
                          corpus_path=path)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

def prepare_corpus(path: PathLike, *, min_count: int = 5, max_vocab_size: Optional[int] = None,
                   cache_dir: Optional[PathLike] = None, use_cache: bool = True,
                   chunk_bytes: int = _corpus.CHUNK_BYTES,
                   progress: Progress = SILENT) -> PreparedCorpus:
    """Count a corpus, build its vocabulary and encode it as a memory-mapped int32 stream.

    Parameters
    ----------
    path : str or path
        UTF-8 text (plain, ``.gz``, ``.bz2`` or ``.xz``), whitespace-separated tokens, one
        sentence per line; see :mod:`fastw2v.corpus.reader`.
    min_count : int
        Words occurring fewer times are left out of the vocabulary and the stream.
    max_vocab_size : int, optional
        Bound the distinct words held while counting (rare words are pruned) and the vocabulary
        size. None: no bound.
    cache_dir : str or path, optional
        Where prepared corpora are cached. Default: ``$FASTW2V_CACHE``, else
        ``$XDG_CACHE_HOME/fastw2v``, else ``~/.cache/fastw2v``. An unwritable directory is
        reported as a warning and a temporary file is used instead.
    use_cache : bool
        False: neither read nor write the cache; the stream goes to a temporary file.
    chunk_bytes : int
        Bytes of corpus read per step.
    progress : fastw2v.base.progress.Progress, optional
        Where reading and encoding report their progress (bytes read of the file, for a
        compressed file its compressed bytes; default: nowhere).

    Returns
    -------
    PreparedCorpus

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    CorpusError
        ``path`` is a directory, holds no token, is corrupt compressed data, or no word occurs
        ``min_count`` times.
    ValueError
        ``min_count`` or ``max_vocab_size`` is out of range.

    Notes
    -----
    Cache entries are ``<key>.tokens.i32``, ``<key>.vocab.tsv`` and ``<key>.json``, where the key
    hashes the absolute corpus path, its size and modification time, ``min_count``,
    ``max_vocab_size`` and :data:`FORMAT_VERSION`. The metadata file is written last, so an
    interrupted preparation is never mistaken for a complete one; an entry whose files disagree
    with its metadata is rebuilt.
    """
    min_count = check_int("min_count", min_count, 1)
    max_vocab_size = check_int("max_vocab_size", max_vocab_size, 1, allow_none=True)
    given = _corpus.check_corpus_path(path)  # how messages name it: as the caller gave it
    p = given.resolve()
    st = p.stat()

    cache: Optional[Path] = None
    if use_cache:
        cache = _writable_dir(paths.cache_dir(cache_dir).absolute())
    fields = _key_fields(p, st, min_count, max_vocab_size)
    key = cache_entry_name(p, fields)
    if cache is not None:
        hit = _load_cached(cache, key, fields, p)
        if hit is not None:
            _corpus.log_decode_errors(given, hit.n_decode_errors)  # as a fresh read would
            _log_prepared(given, hit, min_count)
            return hit
        # Only the metadata marks an entry complete: removing it is enough to make sure a crash
        # during the rebuild never leaves an entry that looks valid. The data files are replaced
        # by rename, so another process still mapping them keeps its (identical) data.
        _unlink_quietly(_cache_files(cache, key)[2])

    out_dir = cache if cache is not None else Path(tempfile.gettempdir())
    fd, tmp_name = tempfile.mkstemp(prefix=f".{key}." if cache is not None else "fastw2v-",
                                    suffix=".tmp" if cache is not None else ".tokens.i32",
                                    dir=out_dir)
    tmp = Path(tmp_name)
    try:
        logger.info("reading %s (%s) to count its words and encode it%s", given,
                    _describe_size(p, st.st_size),
                    f"; the result is cached in {cache}" if cache is not None else "")
        with os.fdopen(fd, "w+b") as fh:
            built = build_stream(p, fh, min_count, max_vocab_size, chunk_bytes, progress)
            fh.flush()
            if cache is not None:
                os.fsync(fh.fileno())
        tokens_path = tmp
        if cache is not None:
            tokens_path, vocab_path, meta_path = _cache_files(cache, key)
            os.replace(tmp, tokens_path)
            built.vocab.save(vocab_path)
            st_after = p.stat()
            if (st_after.st_size, st_after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
                logger.warning("%s changed while it was being read; not caching the result",
                               given)
            else:
                meta = {"key": fields, "n_tokens": built.n_ids, "n_raw_tokens": built.n_raw_tokens,
                        "n_sentences": built.n_sentences, "vocab_size": len(built.vocab),
                        "vocab_total": built.vocab.total, "n_decode_errors": built.n_decode_errors,
                        "seconds_count": built.seconds_count,
                        "seconds_encode": built.seconds_encode}
                with atomic_write(meta_path, "w", encoding="utf-8") as mf:
                    json.dump(meta, mf, indent=1)
        tokens = open_tokens(tokens_path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    if cache is None:
        weakref.finalize(tokens, _unlink_quietly, tokens_path)
    prepared = PreparedCorpus(vocab=built.vocab, tokens=tokens, n_raw_tokens=built.n_raw_tokens,
                              n_sentences=built.n_sentences, tokens_path=tokens_path,
                              from_cache=False, seconds_count=built.seconds_count,
                              seconds_encode=built.seconds_encode,
                              n_decode_errors=built.n_decode_errors, corpus_path=p)
    _log_prepared(given, prepared, min_count)
    return prepared


def _describe_size(p: Path, n_bytes: int) -> str:
    kind = _corpus.compression_of(p)
    return f"{size(n_bytes)}{', ' + kind if kind else ''}"


def _log_prepared(given: Path, pc: PreparedCorpus, min_count: int) -> None:
    """One line: what the corpus holds and the vocabulary built from it."""
    # One figure: the status lines split the time differently (reading; vocabulary and encoding).
    how = ("from the cache" if pc.from_cache else
           f"prepared in {pc.seconds_count + pc.seconds_encode:.1f} s")
    logger.info("corpus %s: %s in %s; vocabulary: %s occurring at least %s (%s)", given,
                count(pc.n_raw_tokens, "word"), count(pc.n_sentences, "line"),
                count(len(pc.vocab), "word"), count(min_count, "time"), how)
