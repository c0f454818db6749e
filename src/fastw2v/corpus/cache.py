"""The prepared corpus: a cache of token streams, and :func:`prepare_corpus`, which builds an entry
(:mod:`fastw2v.corpus.stream`) or reuses it.

An entry is ``<key>.tokens.i32``, ``<key>.vocab.tsv`` and ``<key>.json`` in the cache directory
(:func:`fastw2v.base.paths.cache_dir`), named by :func:`fastw2v.base.paths.cache_entry_name` from
everything the stream depends on: the corpus file's identity as git's index records it (path,
size, modification and change times, inode, device) and the preparation settings. The metadata
file is written last, so an interrupted preparation is never mistaken for a complete one; it holds
the SHA-256 of the other two files, which are verified (and every token id range-checked) before
an entry is used. A damaged entry is rebuilt with a warning. See :func:`prepare_corpus`, Notes.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from ..base import paths
from ..base.atomic import (atomic_write, make_temp_file, remove_stale_temporaries, sha256_file,
                           write_errors)
from ..base.paths import PathLike, cache_entry_name
from ..base.progress import SILENT, Progress
from ..base.text import count, size
from ..base.validate import check_int
from ..errors import ModelFormatError
from . import reader as _corpus
from .stream import FORMAT_VERSION, TOKEN_DTYPE, build_stream, open_tokens, scan_tokens
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
    tokens_sha256 : str
        SHA-256 of the token stream (its fingerprint: a checkpoint records it, so a resumed run
        notices another corpus with the same words and length).
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
    tokens_sha256: str = ""


# --------------------------------------------------------------------------------------------
# Cache
# --------------------------------------------------------------------------------------------

#: Nanoseconds around the start of a read within which a corpus change may leave its
#: modification and change times as they were ("racy" entries, as git calls them): file systems
#: keep these times in clock ticks of a few milliseconds (2 s on FAT), and a network file system's
#: clock may be a little off.
RACY_NS = 3_000_000_000


def _writable_dir(d: Path) -> Optional[Path]:
    """``d`` (created if needed) when files can be written there, else None with a warning."""
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, probe = make_temp_file(d, "probe")
        os.close(fd)
        os.unlink(probe)
        return d
    except OSError as exc:
        logger.warning("cache directory %s is not writable (%s); using a temporary file instead",
                       d, exc)
        return None


def _key_fields(path: Path, st: os.stat_result, min_count: int,
                max_vocab_size: Optional[int]) -> dict:
    """What a cache entry depends on. The file's identity is what git's index records to notice
    a change without reading the file: size, modification and change times (ns), inode and
    device. The change time cannot be set back by a program, so a file rewritten in place, by
    ``mv``, by ``cp -p`` or behind a symlink with its modification time restored still gets a
    new key."""
    return {"corpus": str(path), **paths.file_identity(st),
            "min_count": min_count, "max_vocab_size": max_vocab_size,
            "format_version": FORMAT_VERSION}


def cache_key(path: PathLike, min_count: int, max_vocab_size: Optional[int] = None) -> str:
    """Cache file stem for a corpus and its preparation settings.

    A hash of the absolute path, size, modification and change times (ns), inode, device,
    ``min_count``, ``max_vocab_size`` and :data:`FORMAT_VERSION`, after a readable part of the
    file name.
    """
    p = Path(path).resolve()
    fields = _key_fields(p, p.stat(), min_count, max_vocab_size)
    return cache_entry_name(p, fields)


def _cache_files(cache: Path, key: str) -> Tuple[Path, Path, Path]:
    return (cache / f"{key}.tokens.i32", cache / f"{key}.vocab.tsv", cache / f"{key}.json")



def _is_racy(st: os.stat_result, read_start_ns: int) -> bool:
    """Whether a change of the file after ``read_start_ns`` could keep its recorded times."""
    return max(st.st_mtime_ns, st.st_ctime_ns) >= read_start_ns - RACY_NS


_META_INTS = ("n_tokens", "n_raw_tokens", "n_sentences", "vocab_size", "vocab_total",
              "n_decode_errors")


def _check_meta(meta: object, fields: dict) -> dict:
    """The entry's metadata when it is what :func:`prepare_corpus` writes, else ValueError."""
    if not isinstance(meta, dict):
        raise ValueError("the metadata is not a JSON object")
    if meta.get("key") != fields:
        raise ValueError("settings differ")
    for name in _META_INTS:
        v = meta.get(name)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ValueError(f"{name!r} is not a count")
    for name in ("tokens_sha256", "vocab_sha256"):
        v = meta.get(name)
        if not isinstance(v, str) or len(v) != 64:
            raise ValueError(f"{name!r} is not a SHA-256 digest")
    racy = meta.get("corpus_sha256")
    if racy is not None and (not isinstance(racy, str) or len(racy) != 64):
        raise ValueError("'corpus_sha256' is not a SHA-256 digest")
    return meta


def _load_cached(cache: Path, key: str, fields: dict, path: Path) -> Optional[PreparedCorpus]:
    """The entry ``key`` when it is complete and intact, else None (with a warning when it is
    damaged). Every check reads the files: the vocabulary's and the token stream's SHA-256,
    every token id in range, and for a racy entry the corpus file's own SHA-256."""
    tokens_path, vocab_path, meta_path = _cache_files(cache, key)
    if not meta_path.exists():
        return None
    try:
        meta = _check_meta(json.loads(meta_path.read_text(encoding="utf-8")), fields)
        n_tokens = meta["n_tokens"]
        size = tokens_path.stat().st_size
        if n_tokens < 1 or size != n_tokens * TOKEN_DTYPE.itemsize:
            raise ValueError(f"token file holds {size} bytes, expected {n_tokens} ids")
        if sha256_file(vocab_path) != meta["vocab_sha256"]:
            raise ValueError(f"{vocab_path.name} does not match its checksum")
        vocab = Vocab.load(vocab_path)
        if len(vocab) != meta["vocab_size"] or vocab.total != meta["vocab_total"]:
            raise ValueError("vocabulary file does not match the metadata")
        if scan_tokens(tokens_path, len(vocab)) != meta["tokens_sha256"]:
            raise ValueError(f"{tokens_path.name} does not match its checksum")
        tokens = open_tokens(tokens_path)
        if meta.get("corpus_sha256") is not None:  # racy: the times may not show a change
            if sha256_file(path) != meta["corpus_sha256"]:
                logger.info("%s changed since it was cached (same size and times, other "
                            "content); preparing it again", path)
                return None
            if not _is_racy(path.stat(), time.time_ns()):
                meta["corpus_sha256"] = None  # from now on a change moves the times
                with atomic_write(meta_path, "w", encoding="utf-8") as mf:
                    json.dump(meta, mf, indent=1)
    except (OSError, ValueError, KeyError, TypeError, ModelFormatError) as exc:
        logger.warning("damaged cache entry %s (%s); preparing the corpus again", meta_path,
                       str(exc).replace(f"{tokens_path}: ", ""))
        return None
    logger.debug("using cached token stream %s", tokens_path)
    return PreparedCorpus(vocab=vocab, tokens=tokens, n_raw_tokens=meta["n_raw_tokens"],
                          n_sentences=meta["n_sentences"], tokens_path=tokens_path,
                          from_cache=True, n_decode_errors=meta["n_decode_errors"],
                          corpus_path=path, tokens_sha256=meta["tokens_sha256"])


#: The fields of a key that are settings, not the corpus file's identity.
_SETTINGS_KEYS = ("corpus", "min_count", "max_vocab_size", "format_version")


def _remove_older_entries(cache: Path, key: str, fields: dict) -> None:
    """Remove the cache entries of earlier versions of the corpus file (same path, another
    identity): they can never be used again. Entries of other settings stay."""
    prefix = key.rsplit("-", 1)[0]
    identity = {k: v for k, v in fields.items() if k not in _SETTINGS_KEYS}
    for meta_path in cache.glob(f"{prefix}-*.json"):
        stem = meta_path.name[:-len(".json")]
        if stem == key:
            continue
        try:
            other = json.loads(meta_path.read_text(encoding="utf-8"))["key"]
            if other.get("corpus") != fields["corpus"] or all(
                    other.get(k) == v for k, v in identity.items()):
                continue
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        for f in _cache_files(cache, stem)[::-1]:
            _unlink_quietly(f)


def _vocab_digest(vocab: Vocab) -> str:
    """SHA-256 of a vocabulary's words and counts, in id order."""
    h = hashlib.sha256()
    for start in range(0, len(vocab), 100_000):
        chunk = zip(vocab.words[start:start + 100_000], vocab.counts[start:start + 100_000].tolist())
        h.update("".join(f"{w}\t{c}\n" for w, c in chunk).encode("utf-8"))
    return h.hexdigest()


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

def prepare_corpus(path: PathLike, *, min_count: int = 5, max_vocab_size: Optional[int] = None,
                   cache_dir: Optional[PathLike] = None, use_cache: bool = True,
                   chunk_bytes: int = _corpus.CHUNK_BYTES, progress: Progress = SILENT,
                   vocab: Optional[Vocab] = None,
                   oov_ends_sentence: bool = False) -> PreparedCorpus:
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
    vocab : Vocab, optional
        Use this vocabulary (read from a file: :func:`fastw2v.corpus.vocab.read_vocab`) instead
        of counting the corpus, which is then only encoded; ``min_count`` and ``max_vocab_size``
        were applied when it was read. Part of the cache key.
    oov_ends_sentence : bool
        Out-of-vocabulary tokens end sentences instead of being dropped, so no two words that are
        not adjacent in the text are adjacent in the stream (phrase detection). Part of the key.

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
    hashes the absolute corpus path, its size, modification and change times, inode and device,
    ``min_count``, ``max_vocab_size`` and :data:`FORMAT_VERSION`. The metadata file is written
    last, so an interrupted preparation is never mistaken for a complete one. It holds the
    SHA-256 of the vocabulary file and of the token stream; both are verified, and every token
    id is range-checked, before an entry is used; a damaged entry is rebuilt with a warning.
    When the corpus was changed less than :data:`RACY_NS` before it was read, its times might
    not show a later change, so the entry also records the corpus file's SHA-256 and checks it on
    use (until the file's times are old enough).
    """
    min_count = check_int("min_count", min_count, 1)
    max_vocab_size = check_int("max_vocab_size", max_vocab_size, 1, allow_none=True)
    given = _corpus.check_corpus_path(path)  # how messages name it: as the caller gave it
    p = given.resolve()
    st = p.stat()

    cache: Optional[Path] = None
    if use_cache:
        cache = _writable_dir(paths.cache_dir(cache_dir).absolute())
    file_fields = _key_fields(p, st, min_count, max_vocab_size)
    fields = dict(file_fields)
    if vocab is not None:  # added only when used, so every other entry keeps its name
        fields["given_vocab_sha256"] = _vocab_digest(vocab)
    if oov_ends_sentence:
        fields["oov_ends_sentence"] = True
    key = cache_entry_name(p, fields)
    if cache is not None:
        remove_stale_temporaries(cache)
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
    remove_stale_temporaries(tempfile.gettempdir())  # streams of killed uncached runs
    target = _cache_files(cache, key)[0] if cache is not None else out_dir / "tokens.i32"
    read_start = time.time_ns()
    fd, tmp = make_temp_file(out_dir, target.name)
    try:
        logger.info("reading %s (%s) to %s%s", given, _describe_size(p, st.st_size),
                    "count its words and encode it" if vocab is None
                    else "encode it with the given vocabulary",
                    f"; the result is cached in {cache}" if cache is not None else "")
        with write_errors(target):
            with os.fdopen(fd, "w+b") as fh:
                built = build_stream(p, fh, min_count, max_vocab_size, chunk_bytes, progress,
                                     vocab=vocab, oov_ends_sentence=oov_ends_sentence)
                fh.flush()
                if cache is not None:
                    os.fsync(fh.fileno())
        digest = scan_tokens(tmp, len(built.vocab))  # checks our own output too
        tokens = open_tokens(tmp)
        tokens_path = tmp
        if cache is not None:
            tokens_path, vocab_path, meta_path = _cache_files(cache, key)
            with write_errors(tokens_path):
                os.replace(tmp, tokens_path)
            built.vocab.save(vocab_path)
            if _key_fields(p, p.stat(), min_count, max_vocab_size) != file_fields:
                logger.warning("%s changed while it was being read; not caching the result",
                               given)
            else:
                meta = {"key": fields, "n_tokens": built.n_ids, "n_raw_tokens": built.n_raw_tokens,
                        "n_sentences": built.n_sentences, "vocab_size": len(built.vocab),
                        "vocab_total": built.vocab.total, "n_decode_errors": built.n_decode_errors,
                        "seconds_count": built.seconds_count,
                        "seconds_encode": built.seconds_encode, "tokens_sha256": digest,
                        "vocab_sha256": sha256_file(vocab_path),
                        "corpus_sha256": sha256_file(p) if _is_racy(st, read_start) else None}
                with atomic_write(meta_path, "w", encoding="utf-8") as mf:
                    json.dump(meta, mf, indent=1)
                _remove_older_entries(cache, key, fields)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    if cache is None:
        weakref.finalize(tokens, _unlink_quietly, tokens_path)
    prepared = PreparedCorpus(vocab=built.vocab, tokens=tokens, n_raw_tokens=built.n_raw_tokens,
                              n_sentences=built.n_sentences, tokens_path=tokens_path,
                              from_cache=False, seconds_count=built.seconds_count,
                              seconds_encode=built.seconds_encode,
                              n_decode_errors=built.n_decode_errors, corpus_path=p,
                              tokens_sha256=digest)
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
