"""The corpus as a flat, memory-mapped stream of int32 word ids.

The corpus is encoded once: every in-vocabulary token becomes its vocabulary id, out-of-vocabulary
tokens are dropped (as word2vec.c does), and :data:`SENTENCE_END` (-1) follows the last kept word of
every line. The stream never starts with a marker and never holds two in a row, so a line whose
words are all out of vocabulary (or that is empty) leaves no trace; a non-empty stream always ends
with a marker. Training opens the file with ``np.memmap(path, dtype=np.int32, mode="r")``.

:func:`build_stream` counts, builds the vocabulary and encodes, in bounded memory;
:func:`fastw2v.corpus.cache.prepare_corpus` caches what it builds.

How the encoding is done
------------------------
Without ``max_vocab_size`` the corpus is read **once**: each token gets a provisional id in order
of first appearance (the compiled split and hash look-up of :mod:`fastw2v.kernels.tokens`), the
provisional ids are written to the output file and counted with ``np.bincount``; once the
vocabulary is known a lookup array maps provisional to final ids and the file is rewritten in
place, shorter (OOV dropped). On wiki100m this is ~2x faster than counting in one pass and
encoding in a second. Encoding with a known vocabulary uses the same compiled look-up.
With ``max_vocab_size`` the distinct words of the corpus may not fit in memory, so the corpus is
counted with pruning (:func:`fastw2v.corpus.reader.count_words`) and then encoded in a second pass
(:func:`encode_corpus`).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import logging
import mmap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np

from ..base.paths import PathLike
from ..base.progress import SILENT, Progress
from ..base.text import count
from . import reader as _corpus
from ..errors import CorpusError, ModelFormatError
from .vocab import Vocab

logger = logging.getLogger("fastw2v")

#: Marks the end of a sentence in the token stream. Negative, so it can never be a vocabulary id.
SENTENCE_END = -1

#: Element type of the token stream: 2**31 - 1 distinct words is far beyond any real vocabulary,
#: and 4 bytes per token halve the memory traffic of int64.
TOKEN_DTYPE = np.dtype(np.int32)

#: Version of the cached files' layout and meaning. Part of the cache key: bump it whenever the
#: encoding or the entry's metadata changes so that stale caches are rebuilt rather than misread.
#: 2: the metadata holds checksums and the key the corpus file's inode, device and ctime.
#: 3: a UTF-8 byte-order mark at the start of a corpus is skipped (before, it was part of the
#: first word).
FORMAT_VERSION = 3

#: Marks an out-of-vocabulary token in intermediate arrays; never written to the stream.
_OOV = -2

#: Token ids processed per step when rewriting a stream (1 MiB of int32). A step makes about six
#: temporaries of its size (the mapped ids, masks, the compacted piece), so this bounds the
#: rewrite's memory to a few MB; with 4M ids a step it added ~70 MB to preparation's peak RSS, and
#: 256k ids are already large enough for numpy's per-call overhead not to show.
_REWRITE_IDS = 1 << 18

#: Token ids hashed and range-checked per step by :func:`scan_tokens` (1 MiB of int32, reused).
_SCAN_IDS = 1 << 18


def open_tokens(path: PathLike) -> np.memmap:
    """Memory-map a token stream file read-only."""
    return np.memmap(path, dtype=TOKEN_DTYPE, mode="r")


def _read_only_mapping(tokens: np.ndarray) -> Optional[mmap.mmap]:
    """The read-only file mapping under ``tokens`` (a memory map or a view of one), or None."""
    base = tokens
    while isinstance(base, np.ndarray):
        base = base.base
    if not isinstance(base, mmap.mmap) or base.closed:
        return None
    with memoryview(base) as view:  # an ACCESS_READ mapping (MAP_SHARED) exports read-only
        return base if view.readonly else None


def release_pages(tokens: np.ndarray) -> bool:
    """Drop the pages of a memory-mapped token stream from this process's resident set.

    A stream opened by :func:`open_tokens` is read front to back, once per epoch, and every page
    read stays resident until the mapping is closed: without this the stream's share of the
    process's RSS grows to the whole file (68 MB on wiki100m, gigabytes on Wikipedia).
    ``MADV_DONTNEED`` on a read-only shared file mapping only unmaps the pages: they stay in the
    operating system's page cache (reclaimable, shared, not re-read from disk while memory is
    free) and the next read maps them again by a minor fault, so what the array holds never
    changes. Safe while other threads read the array. Callers release at bounded intervals, so the
    stream's resident share is what was read since the last release.

    Returns False, doing nothing, where ``tokens`` is not backed by a read-only file mapping (an
    array in memory, whose pages ``MADV_DONTNEED`` would zero) or the platform has no
    ``madvise``.
    """
    mapping = _read_only_mapping(tokens)
    if mapping is None or not hasattr(mmap, "MADV_DONTNEED") or len(mapping) == 0:
        return False
    try:
        mapping.madvise(mmap.MADV_DONTNEED)
    except (OSError, ValueError):  # closed meanwhile, or refused: the pages simply stay resident
        return False
    return True


def scan_tokens(path: PathLike, n_words: int) -> str:
    """SHA-256 of the token stream file ``path``, after checking that every id is a word id
    below ``n_words`` or :data:`SENTENCE_END`.

    The file is read in pieces of :data:`_SCAN_IDS` ids into one buffer (plain reads, not a
    memory map, so the scan adds nothing to the process's resident memory whatever the size).

    Raises
    ------
    ModelFormatError
        An id is out of range, or the file is not a whole number of ids (the message names
        ``path`` and the position).
    """
    h = hashlib.sha256()
    buf = np.empty(_SCAN_IDS, dtype=TOKEN_DTYPE)
    start = 0
    with open(path, "rb") as fh:
        while True:
            got = fh.readinto(memoryview(buf).cast("B"))
            if not got:
                return h.hexdigest()
            if got % TOKEN_DTYPE.itemsize:
                raise ModelFormatError(f"{path}: the file is not a whole number of token ids")
            piece = buf[:got // TOKEN_DTYPE.itemsize]
            if int(piece.min()) < SENTENCE_END or int(piece.max()) >= n_words:
                bad = int(np.flatnonzero((piece < SENTENCE_END) | (piece >= n_words))[0])
                raise ModelFormatError(f"{path}: token id {int(piece[bad])} at position "
                                       f"{start + bad} is outside the vocabulary of {n_words} "
                                       f"words")
            h.update(piece.data)
            start += piece.size


# --------------------------------------------------------------------------------------------
# Stream post-processing
# --------------------------------------------------------------------------------------------

class _Compactor:
    """Drops OOV ids and redundant markers from consecutive pieces of a stream.

    A marker is dropped at the very start and right after another marker (after dropping OOV
    ids), so every sentence in the output holds at least one word.
    """

    def __init__(self) -> None:
        self.after_marker = True  # True at the start: no leading marker

    def feed(self, ids: np.ndarray) -> np.ndarray:
        oov = ids == _OOV
        if oov.any():
            ids = ids[~oov]
        if ids.size == 0:
            return ids
        marker = ids == SENTENCE_END
        drop = marker.copy()
        drop[0] &= self.after_marker
        drop[1:] &= marker[:-1]
        self.after_marker = bool(marker[-1])
        return ids[~drop] if drop.any() else ids

    def finish(self) -> np.ndarray:
        """The final marker when the stream ends with a word."""
        if self.after_marker:
            return np.empty(0, dtype=TOKEN_DTYPE)
        self.after_marker = True
        return np.array([SENTENCE_END], dtype=TOKEN_DTYPE)


class _LineCounter:
    """Counts non-empty lines in a raw stream of ids where ``marker_id`` stands for a newline."""

    def __init__(self, marker_id: int) -> None:
        self.marker_id = marker_id
        self.after_marker = True
        self.n = 0

    def feed(self, ids: np.ndarray) -> None:
        if ids.size == 0:
            return
        marker = ids == self.marker_id
        ends = marker.copy()
        ends[0] &= not self.after_marker
        ends[1:] &= ~marker[:-1]
        self.n += int(np.count_nonzero(ends))
        self.after_marker = bool(marker[-1])

    def finish(self) -> int:
        return self.n + int(not self.after_marker)


# --------------------------------------------------------------------------------------------
# Encoding with a known vocabulary (second pass)
# --------------------------------------------------------------------------------------------

def _vocab_lookup(vocab: Vocab) -> Dict[bytes, int]:
    lookup = {w.encode("utf-8"): i for i, w in enumerate(vocab.words)}
    lookup[_corpus.NEWLINE_TOKEN] = SENTENCE_END
    return lookup


def _resolve_undecodable(tokens: List[bytes], ids: np.ndarray, vocab: Vocab) -> None:
    """Look up OOV tokens that are invalid UTF-8 by their U+FFFD-replaced form, in place."""
    for pos in np.flatnonzero(ids == _OOV).tolist():
        tok = tokens[pos]
        if tok.isascii():
            continue
        try:
            tok.decode("utf-8")
        except UnicodeDecodeError:
            ids[pos] = vocab.index.get(tok.decode("utf-8", errors="replace"), _OOV)


def lookup_ids(tokens: List[bytes], marker: Optional[bytes], lookup: Dict[bytes, int],
               newline: int, missing: int) -> np.ndarray:
    """int32 ids of the tokens :func:`fastw2v.corpus.reader.split_with_newlines` gave: ``lookup``'s
    id for a known token, ``newline`` for the block's newline ``marker``, ``missing`` otherwise.
    ``lookup`` is left as it was."""
    restore = None
    if marker is not None and marker != _corpus.NEWLINE_TOKEN:
        # ``marker`` does not occur in this block, so all its tokens are newlines.
        restore = (marker in lookup, lookup.get(marker))
        lookup[marker] = newline
    try:
        return np.fromiter(map(lookup.get, tokens, itertools.repeat(missing)), dtype=TOKEN_DTYPE,
                           count=len(tokens))
    finally:
        if restore is not None:
            if restore[0]:
                lookup[marker] = restore[1]
            else:
                del lookup[marker]


def _encode_block(block: bytes, lookup: Dict[bytes, int], vocab: Vocab) -> np.ndarray:
    """Ids of a block's tokens: vocabulary ids, SENTENCE_END for newlines, _OOV otherwise; a
    token that is not valid UTF-8 is looked up in its U+FFFD-replaced form (in Python)."""
    tokens, marker = _corpus.split_with_newlines(block)
    ids = lookup_ids(tokens, marker, lookup, SENTENCE_END, _OOV)
    _resolve_undecodable(tokens, ids, vocab)
    return ids


def encode_corpus(path: PathLike, vocab: Vocab, out: BinaryIO, *,
                  chunk_bytes: int = _corpus.CHUNK_BYTES, progress: Progress = SILENT,
                  oov_ends_sentence: bool = False) -> int:
    """Encode a corpus with a given vocabulary and write the int32 stream to ``out``.

    Parameters
    ----------
    path : str or path
        The corpus file.
    vocab : Vocab
        Words of the vocabulary; every other token is dropped.
    out : binary file
        Receives the stream (native-endian int32), written block by block.
    chunk_bytes : int
        Bytes of corpus read per step.
    progress : Progress, optional
        Where to report the bytes read (default: nowhere).
    oov_ends_sentence : bool
        An out-of-vocabulary token ends the sentence (a :data:`SENTENCE_END` takes its place)
        instead of being dropped, so the words around it are never adjacent in the stream
        (phrase detection counts adjacent pairs).

    Returns
    -------
    int
        Number of ids written.
    """
    return _encode(path, vocab, out, chunk_bytes, oov_ends_sentence, progress)[0]


def _encode(path: PathLike, vocab: Vocab, out: BinaryIO, chunk_bytes: int,
            oov_ends_sentence: bool = False,
            progress: Progress = SILENT) -> Tuple[int, int, int]:
    """:func:`encode_corpus`; returns ``(ids written, raw tokens, non-empty lines)``."""
    where = _corpus.ReadPosition()
    with progress.stage(f"encoding {Path(path).name}", Path(path).stat().st_size, "B") as stage, \
            contextlib.closing(_corpus.iter_blocks(path, chunk_bytes, position=where)) as blocks:
        return _encode_blocks(blocks, vocab, out, oov_ends_sentence,
                              lambda: stage.update(where.offset))


def encode_blocks(blocks: Iterable[bytes], vocab: Vocab, out: BinaryIO) -> int:
    """:func:`encode_corpus` over blocks that never cut a token
    (:func:`fastw2v.corpus.reader.whole_token_blocks`); returns the number of ids written."""
    return _encode_blocks(blocks, vocab, out)[0]


def _encode_blocks(blocks: Iterable[bytes], vocab: Vocab, out: BinaryIO,
                   oov_ends_sentence: bool = False,
                   on_block: Optional[Callable[[], None]] = None) -> Tuple[int, int, int]:
    """Encode ``blocks``; returns ``(ids written, raw tokens, non-empty lines)``."""
    # Words that were not valid UTF-8 are in the vocabulary in replaced form (U+FFFD), so their
    # original bytes need a slower second look-up (in Python, token by token); the compiled
    # look-up serves every vocabulary without a U+FFFD.
    replaced_words = any("\ufffd" in w for w in vocab.words)
    if replaced_words:
        lookup = _vocab_lookup(vocab)
        encode = functools.partial(_encode_block, lookup=lookup, vocab=vocab)
    else:
        from ..kernels.tokens import WordIds  # see _first_pass
        word_ids = WordIds((w.encode("utf-8") for w in vocab.words), insert=False,
                           newline_id=SENTENCE_END, missing_id=_OOV)
        encode = word_ids.encode
    compactor = _Compactor()
    lines = _LineCounter(SENTENCE_END)
    n = n_raw = 0
    for block in blocks:
        ids = encode(block)
        n_raw += ids.size - int(np.count_nonzero(ids == SENTENCE_END))
        lines.feed(ids)
        if oov_ends_sentence:
            ids[ids == _OOV] = SENTENCE_END
        ids = compactor.feed(ids)
        out.write(ids.tobytes())
        n += ids.size
        if on_block is not None:
            on_block()
    tail = compactor.finish()
    out.write(tail.tobytes())
    return n + tail.size, n_raw, lines.finish()


# --------------------------------------------------------------------------------------------
# Single pass: provisional ids, then remap in place
# --------------------------------------------------------------------------------------------

@dataclass
class _FirstPass:
    words: List[bytes]     # word of provisional id i + 1 (id 0 is the newline marker)
    counts: np.ndarray     # int64 count of each provisional id (index 0: newlines)
    n_ids: int             # ids written


def _first_pass(path: Path, out: BinaryIO, chunk_bytes: int,
                progress: Progress = SILENT) -> _FirstPass:
    """Write provisional ids (first-seen order, 0 = newline) of every token to ``out``."""
    # Imported here, not at the top: opening a cached stream needs no numba (~65 MB and half a
    # second to import).
    from ..kernels.tokens import WordIds
    word_ids = WordIds(insert=True, first_id=1, newline_id=0)  # compiled split and look-up
    counts = np.zeros(1 << 16, dtype=np.int64)
    n_ids = 0
    n_words = 0
    where = _corpus.ReadPosition()
    with progress.stage(f"reading {path.name}", path.stat().st_size, "B") as stage, \
            contextlib.closing(_corpus.iter_blocks(path, chunk_bytes, position=where)) as blocks:
        for block in blocks:
            ids = word_ids.encode(block)
            binc = np.bincount(ids)
            if binc.size > counts.size:
                counts = np.concatenate([counts, np.zeros(max(binc.size, 2 * counts.size)
                                                          - counts.size, dtype=np.int64)])
            counts[:binc.size] += binc
            out.write(memoryview(ids).cast("B"))
            n_ids += ids.size
            n_words += ids.size - int(binc[0]) if binc.size else 0
            stage.update(where.offset, words=n_words)
    words = word_ids.words()
    del word_ids
    return _FirstPass(words, counts[:len(words) + 1].copy(), n_ids)


def _remap_in_place(fh: BinaryIO, n_ids: int, lut: np.ndarray, stage=None) -> Tuple[int, int]:
    """Map provisional ids through ``lut`` and compact the file in place.

    The output of a piece is never longer than the piece (apart from the one final marker), so
    writing at or behind the read position never overwrites unread data.

    Returns
    -------
    n_out : int
        Ids in the final stream.
    n_sentences : int
        Non-empty lines of the corpus (from the provisional ids, before OOV dropping).

    ``stage`` (a :class:`fastw2v.base.progress.Stage`) is told the ids done.
    """
    compactor = _Compactor()
    lines = _LineCounter(0)
    buf = np.empty(min(_REWRITE_IDS, max(n_ids, 1)), dtype=TOKEN_DTYPE)
    read_pos = write_pos = 0  # in ids
    while read_pos < n_ids:
        n = min(buf.size, n_ids - read_pos)
        fh.seek(read_pos * TOKEN_DTYPE.itemsize)
        got = fh.readinto(memoryview(buf[:n]).cast("B"))
        if got != n * TOKEN_DTYPE.itemsize:
            raise OSError(f"short read from the token file at id {read_pos}")
        piece = buf[:n]
        lines.feed(piece)
        out = compactor.feed(lut[piece])
        fh.seek(write_pos * TOKEN_DTYPE.itemsize)
        fh.write(memoryview(np.ascontiguousarray(out)).cast("B"))
        read_pos += n
        write_pos += out.size
        if stage is not None:
            stage.update(read_pos)
    tail = compactor.finish()
    fh.seek(write_pos * TOKEN_DTYPE.itemsize)
    fh.write(tail.tobytes())
    write_pos += tail.size
    fh.truncate(write_pos * TOKEN_DTYPE.itemsize)
    return write_pos, lines.finish()


# --------------------------------------------------------------------------------------------
# Building (no cache logic)
# --------------------------------------------------------------------------------------------


@dataclass
class BuiltStream:
    """What :func:`build_stream` produced: the vocabulary and the counts of the stream it wrote."""

    vocab: Vocab
    n_ids: int
    n_raw_tokens: int
    n_sentences: int
    n_decode_errors: int
    seconds_count: float
    seconds_encode: float


def _no_word_error(path: Path, counts: Dict[str, int], min_count: int,
                   prune_threshold: int = 0) -> CorpusError:
    if not counts:
        return CorpusError(f"no word of {path} is left for the vocabulary: max_vocab_size pruning "
                           f"dropped every word (all were counted {count(prune_threshold, 'time')} "
                           f"or fewer when pruned); raise {{option}}",
                           option=("max_vocab_size", None))
    best_word, best = max(counts.items(), key=lambda wc: (wc[1], wc[0]))
    pruned = (f"; max_vocab_size pruning dropped words counted "
              f"{count(prune_threshold, 'time')} or fewer" if prune_threshold else "")
    return CorpusError(f"no word in {path} occurs at least {count(min_count, 'time')} "
                       f"({{option}}): the most frequent word, {best_word!r}, occurs "
                       f"{count(best, 'time')}{pruned}", option=("min_count", None))


def build_stream(path: Path, fh: BinaryIO, min_count: int, max_vocab_size: Optional[int],
                  chunk_bytes: int, progress: Progress = SILENT, *,
                  vocab: Optional[Vocab] = None, oov_ends_sentence: bool = False) -> BuiltStream:
    """Write the final stream of ``path`` to the open, empty file ``fh``; tell ``progress`` how
    the reading and the encoding go.

    With ``vocab`` (a vocabulary read from a file) the corpus is not counted, only encoded:
    ``min_count`` and ``max_vocab_size`` were applied when the vocabulary was read. With
    ``oov_ends_sentence`` out-of-vocabulary tokens end sentences instead of being dropped
    (see :func:`encode_corpus`).
    """
    t0 = time.perf_counter()
    if vocab is not None:
        n_ids, n_raw, n_sentences = _encode(path, vocab, fh, chunk_bytes, oov_ends_sentence,
                                            progress)
        if n_raw == 0:
            raise CorpusError(f"corpus file {path} contains no tokens (it is empty or whitespace "
                              f"only)")
        if n_ids == 0:  # the stream never holds a marker without a word before it
            raise CorpusError(f"no word of the given vocabulary ({len(vocab)} words) occurs in "
                              f"{path}")
        return BuiltStream(vocab, n_ids, n_raw, n_sentences, 0, 0.0, time.perf_counter() - t0)
    if max_vocab_size is None:
        built = _build_in_one_pass(path, fh, min_count, chunk_bytes, progress, oov_ends_sentence,
                                   t0)
    else:
        built = _build_with_pruning(path, fh, min_count, max_vocab_size, chunk_bytes, progress,
                                    oov_ends_sentence, t0)
    # Counting decoded every distinct word and kept the few that reached min_count: those are
    # scattered over memory pages that the dropped words also used, and CPython returns a page to
    # the operating system only once all its objects are gone. Now that the counting's objects
    # are gone, the vocabulary's strings are made anew, side by side (17 MB less resident memory
    # for the rest of a run on wiki100m).
    built.vocab = built.vocab.compacted()
    return built


def _build_in_one_pass(path: Path, fh: BinaryIO, min_count: int, chunk_bytes: int,
                       progress: Progress, oov_ends_sentence: bool, t0: float) -> BuiltStream:
    """:func:`build_stream` without ``max_vocab_size``: provisional ids, then the remap."""
    first = _first_pass(path, fh, chunk_bytes, progress)
    n_raw = int(first.counts[1:].sum())
    if n_raw == 0:
        raise CorpusError(f"corpus file {path} contains no tokens (it is empty or whitespace "
                          f"only)")
    # The vocabulary is built within the encoding stage: on a large corpus it takes seconds.
    with progress.stage("building the vocabulary and encoding", first.n_ids) as stage:
        strings, n_errors = _corpus.decode_words(first.words)
        _corpus.log_decode_errors(path, n_errors)
        counts = _corpus.merge_decoded(strings, first.counts[1:].tolist())
        vocab = Vocab.from_counts(counts, min_count)
        if len(vocab) == 0:
            raise _no_word_error(path, counts, min_count)
        lut = np.empty(first.counts.size, dtype=TOKEN_DTYPE)
        lut[0] = SENTENCE_END
        lut[1:] = np.fromiter(
            map(vocab.index.get, strings,
                itertools.repeat(SENTENCE_END if oov_ends_sentence else _OOV)),
            dtype=TOKEN_DTYPE, count=len(strings))
        del strings, counts
        t1 = time.perf_counter()
        fh.flush()
        n_ids, n_sentences = _remap_in_place(fh, first.n_ids, lut, stage)
    t2 = time.perf_counter()
    return BuiltStream(vocab, n_ids, n_raw, n_sentences, n_errors, t1 - t0, t2 - t1)


def _build_with_pruning(path: Path, fh: BinaryIO, min_count: int, max_vocab_size: int,
                        chunk_bytes: int, progress: Progress, oov_ends_sentence: bool,
                        t0: float) -> BuiltStream:
    """:func:`build_stream` with ``max_vocab_size``: a pruned count, then an encoding pass."""
    cc = _corpus.count_words(path, max_vocab_size=max_vocab_size, chunk_bytes=chunk_bytes,
                             progress=progress)
    vocab = Vocab.from_counts(cc.counts, min_count, max_vocab_size)
    if len(vocab) == 0:
        raise _no_word_error(path, cc.counts, min_count, cc.prune_threshold)
    n_tokens, n_sentences, n_errors = cc.n_tokens, cc.n_sentences, cc.n_decode_errors
    del cc  # the counts of up to 2 * max_vocab_size words: not needed to encode
    t1 = time.perf_counter()
    n_ids = encode_corpus(path, vocab, fh, chunk_bytes=chunk_bytes, progress=progress,
                          oov_ends_sentence=oov_ends_sentence)
    t2 = time.perf_counter()
    return BuiltStream(vocab, n_ids, n_tokens, n_sentences, n_errors, t1 - t0, t2 - t1)
