"""Reading a text corpus: streaming byte blocks, tokenising, counting words.

Corpus format
-------------
* UTF-8 text. Tokens are separated by **ASCII whitespace** (space, ``\\t``, ``\\n``, ``\\r``,
  ``\\v``, ``\\f``: exactly what :meth:`bytes.split` splits on). Unicode spaces such as U+00A0 are
  part of a token. Splitting bytes on ASCII whitespace never cuts a multi-byte UTF-8 character,
  because every byte of such a character is >= 0x80.
* A newline (``\\n``) ends a sentence. Lines may be arbitrarily long: a text8-style corpus that is
  one 100 MB line works and is never truncated.
* ``.gz``, ``.bz2`` and ``.xz`` files are decompressed on the fly. The format is recognised by the
  file's magic bytes, and by its suffix when the magic bytes match no known format (so a corrupt
  ``.gz`` file is reported as corrupt gzip data rather than read as text).

The file is read in blocks of :data:`CHUNK_BYTES` bytes; a block always ends on a whitespace byte
(the partial token at the end of a read is carried over to the next block), so no token is cut in
two. The corpus is never held in memory as a whole. Words are kept as ``bytes`` while counting and
decoded once at the end; words that are not valid UTF-8 are decoded with ``errors="replace"`` (so
distinct invalid byte strings may become the same word; their counts are then added up) and their
number is logged as a warning.
"""
from __future__ import annotations

import bz2
import contextlib
import gzip
import itertools
import logging
import lzma
import os
import queue
import threading
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Dict, Iterator, List, Optional, Sequence, Tuple

from ..base.paths import PathLike
from ..base.progress import SILENT, Progress
from ..base.validate import check_int
from ..errors import CorpusError

logger = logging.getLogger("fastw2v")

#: Bytes decompressed and read per step. Measured on wiki100m (100 MB): 1, 2 and 4 MiB blocks
#: prepare the corpus equally fast (16 MiB ones ~10% slower: a block's token list fits worse in
#: cache), and peak RSS grows with the block (183 / 201 / 224 MB), because a block's tokens are
#: ~350k ``bytes`` objects per MiB. 2 MiB keeps the per-block Python overhead negligible.
CHUNK_BYTES = 2 << 20

#: Blocks decompressed ahead by the reader thread. Two keep the decompressor busy while the main
#: thread tokenises (zlib, bz2 and lzma release the GIL) and cost only 2 * CHUNK_BYTES of memory.
PREFETCH_BLOCKS = 2

#: The bytes ``bytes.split()`` treats as whitespace.
ASCII_WHITESPACE = b" \t\n\r\x0b\x0c"

#: Stands for a newline among the tokens of a block. ``bytes.split()`` never returns a token that
#: contains whitespace, so this key can never collide with a real word.
NEWLINE_TOKEN = b"\n"

#: Single bytes tried, in order, as an in-band newline marker: :func:`split_with_newlines`
#: replaces each newline by `` X `` for the first ``X`` that does not occur in the block and
#: splits once, which is much faster than splitting line by line. All are non-whitespace
#: control bytes that real text almost never contains.
_MARKER_CANDIDATES = tuple(bytes([b]) for b in itertools.chain(range(0, 9), range(14, 32)))

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".xz": "xz", ".lzma": "xz"}
_OPENERS = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}
#: Decompressing readers over an already open binary file, whose own position then tells how much
#: of the compressed file has been consumed.
_WRAPPERS = {"gzip": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
             "bzip2": lambda raw: bz2.BZ2File(raw, "rb"),
             "xz": lambda raw: lzma.LZMAFile(raw, "rb")}


# --------------------------------------------------------------------------------------------
# Opening and reading
# --------------------------------------------------------------------------------------------

def check_corpus_path(path: PathLike) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` after checking that it is a readable file.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    CorpusError
        ``path`` is a directory.
    """
    p = Path(os.fspath(path)).expanduser()
    if p.is_dir():
        raise CorpusError(f"corpus path is a directory, not a file: {p}")
    if not p.exists():
        raise FileNotFoundError(f"corpus file not found: {p}")
    return p


def compression_of(path: PathLike) -> Optional[str]:
    """The compression of a file: ``"gzip"``, ``"bzip2"``, ``"xz"`` or None (plain text).

    The magic bytes decide; the suffix (``.gz``, ``.bz2``, ``.xz``, ``.lzma``) is used only when
    they match no known format.
    """
    p = Path(path)
    with open(p, "rb") as fh:
        head = fh.read(8)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return _SUFFIXES.get(p.suffix.lower())


def open_corpus(path: PathLike) -> IO[bytes]:
    """Open a corpus file for binary reading, decompressing it if it is compressed.

    Reads from the returned object may raise the decompressor's own errors on corrupt data;
    :func:`iter_chunks` turns those into :class:`CorpusError`.
    """
    p = check_corpus_path(path)
    kind = compression_of(p)
    if kind is None:
        return open(p, "rb")
    return _OPENERS[kind](p, "rb")


def _is_corrupt_data_error(exc: BaseException) -> bool:
    """True for the errors decompressors raise on corrupt or truncated input.

    ``OSError`` with an ``errno`` is a system error (disk, permissions) and is left alone.
    """
    if isinstance(exc, (EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile)):
        return True
    return isinstance(exc, OSError) and exc.errno is None


class ReadPosition:
    """How far a reader has got in its file, for progress displays.

    ``offset`` counts bytes of the file as stored: for a compressed file the compressed bytes
    consumed, so it ends at ``size`` whatever the compression ratio. It is set by
    :func:`iter_blocks` as blocks are handed out (not as they are read ahead).
    """

    __slots__ = ("offset", "size")

    def __init__(self, size: int = 0) -> None:
        self.offset = 0
        self.size = size


def _read_pieces(p: Path, chunk_bytes: int) -> Iterator[Tuple[bytes, int]]:
    """``(piece, offset)``: decompressed pieces of at most ``chunk_bytes`` bytes, each with the
    position in the file as stored after it was read (see :class:`ReadPosition`)."""
    kind = compression_of(p)
    try:
        with open(p, "rb") as raw:
            fh = raw if kind is None else _WRAPPERS[kind](raw)
            try:
                while True:
                    piece = fh.read(chunk_bytes)
                    if not piece:
                        return
                    yield piece, raw.tell()
            finally:
                if fh is not raw:
                    fh.close()
    except Exception as exc:
        if kind is not None and _is_corrupt_data_error(exc):
            raise CorpusError(f"{p}: corrupt or truncated {kind} data ({exc})") from exc
        raise


def iter_chunks(path: PathLike, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Yield the decompressed content of ``path`` in pieces of at most ``chunk_bytes`` bytes.

    Pieces are cut at arbitrary byte positions (see :func:`iter_blocks` for whole tokens).

    Raises
    ------
    FileNotFoundError, CorpusError
        As :func:`check_corpus_path`; ``CorpusError`` also for corrupt or truncated compressed data.
    """
    chunk_bytes = check_int("chunk_bytes", chunk_bytes, 1)
    p = check_corpus_path(path)
    for piece, _ in _read_pieces(p, chunk_bytes):
        yield piece


def _prefetched(make_iter, depth: int) -> Iterator[bytes]:
    """Run the iterator ``make_iter()`` in a background thread, ``depth`` items ahead.

    Exceptions of the producer are re-raised in the consumer. When the consumer stops early (an
    exception, ``close()``), the producer is told to stop and joined.
    """
    q: "queue.Queue" = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            it = make_iter()
            try:
                for item in it:
                    if not put((None, item)):
                        return
            finally:
                close = getattr(it, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # handed to the consumer
            put((exc, None))
            return
        put((done, None))

    thread = threading.Thread(target=produce, name="fastw2v-corpus-reader", daemon=True)
    thread.start()
    try:
        while True:
            exc, item = q.get()
            if exc is done:
                return
            if exc is not None:
                raise exc
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                q.get_nowait()
        thread.join()


def _last_whitespace(block: bytes) -> int:
    """Index of the last ASCII whitespace byte in ``block``, or -1."""
    # Text almost always has a space near the end, so try it first and only search the tail
    # after it for the rarer whitespace bytes.
    pos = block.rfind(b" ")
    for ws in b"\n\t\r\x0b\x0c":
        p = block.find(bytes([ws]), pos + 1)
        if p != -1:
            pos = block.rfind(bytes([ws]))
    return pos


def iter_blocks(path: PathLike, chunk_bytes: int = CHUNK_BYTES, *,
                prefetch: bool = True, position: Optional[ReadPosition] = None) -> Iterator[bytes]:
    """Yield the corpus in blocks that never cut a token in two.

    Each block but the last ends with an ASCII whitespace byte; the partial token at the end of a
    read is carried over to the next block. A token longer than ``chunk_bytes`` makes its block
    longer. Decompression runs in a reader thread ``PREFETCH_BLOCKS`` blocks ahead when
    ``prefetch`` is true.

    Parameters
    ----------
    path : str or path
        The corpus file (plain, ``.gz``, ``.bz2`` or ``.xz``).
    chunk_bytes : int
        Bytes read per step.
    prefetch : bool
        Read and decompress in a background thread.
    position : ReadPosition, optional
        Set to the file's size, and its ``offset`` to where the reading stands each time a block
        is yielded (for a progress display).

    Raises
    ------
    FileNotFoundError, CorpusError
        As :func:`iter_chunks`.
    """
    chunk_bytes = check_int("chunk_bytes", chunk_bytes, 1)
    p = check_corpus_path(path)
    where = position if position is not None else ReadPosition()
    where.size = p.stat().st_size

    def make():
        return _read_pieces(p, chunk_bytes)

    source = _prefetched(make, PREFETCH_BLOCKS) if prefetch else make()
    # The unfinished token: pieces with no whitespace are collected and joined once, when its end
    # is found, so a token (or whitespace-free junk) of any length costs linear time, and only
    # the new piece is searched for whitespace.
    carry: List[bytes] = []
    try:
        for piece, offset in source:
            cut = _last_whitespace(piece)
            if cut == -1:
                carry.append(piece)
                continue
            head = piece[:cut + 1] if cut + 1 < len(piece) else piece
            block = b"".join(carry + [head]) if carry else head
            carry = [piece[cut + 1:]] if cut + 1 < len(piece) else []
            where.offset = offset
            yield block
        where.offset = where.size
        if carry:
            yield b"".join(carry)
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


# --------------------------------------------------------------------------------------------
# Tokenising
# --------------------------------------------------------------------------------------------

def split_with_newlines(block: bytes) -> Tuple[List[bytes], Optional[bytes]]:
    """Split ``block`` on ASCII whitespace, keeping each newline as a marker token.

    Returns
    -------
    tokens : list of bytes
        The tokens of ``block`` with one marker token in place of every ``\\n``.
    marker : bytes or None
        The marker token: a single byte that does not occur in ``block`` (or
        :data:`NEWLINE_TOKEN` when every candidate byte occurs); None when ``block`` has no
        newline (and ``tokens`` then holds no marker).
    """
    if b"\n" not in block:
        return block.split(), None
    for marker in _MARKER_CANDIDATES:
        if marker not in block:
            return block.replace(b"\n", b" " + marker + b" ").split(), marker
    # Every candidate byte occurs in this block (binary junk): go line by line.
    tokens: List[bytes] = []
    for line in block.split(b"\n"):
        tokens.extend(line.split())
        tokens.append(NEWLINE_TOKEN)
    tokens.pop()  # the piece after the last newline is not followed by one
    return tokens, NEWLINE_TOKEN


def _has_token(piece: bytes) -> bool:
    return bool(piece) and not piece.isspace()


def count_line_ends(block: bytes, in_line: bool) -> Tuple[int, bool]:
    """Count the non-empty lines that end in ``block``.

    Parameters
    ----------
    block : bytes
        The next piece of the corpus.
    in_line : bool
        Whether the line that is open at the start of ``block`` already holds a token.

    Returns
    -------
    n : int
        Newlines in ``block`` that end a line holding at least one token.
    in_line : bool
        Whether the line open at the end of ``block`` holds a token.
    """
    if b"\n" not in block:
        return 0, in_line or _has_token(block)
    lines = block.split(b"\n")
    n = int(in_line or _has_token(lines[0]))
    middle = lines[1:-1]
    # bytes.isspace() is False for b"", so empty and whitespace-only lines are counted once each.
    n += len(middle) - middle.count(b"") - sum(map(bytes.isspace, middle))
    return n, _has_token(lines[-1])


def decode_words(words: Sequence[bytes]) -> Tuple[List[str], int]:
    """Decode byte words as UTF-8.

    Returns
    -------
    strings : list of str
        The decoded words, in the order of ``words``; invalid sequences become U+FFFD.
    n_errors : int
        How many words were not valid UTF-8 and needed replacement.
    """
    if not words:
        return [], 0
    try:
        # One decode of the joined words is ~20x faster than one per word; words hold no "\n".
        return b"\n".join(words).decode("utf-8").split("\n"), 0
    except UnicodeDecodeError:
        pass
    out: List[str] = []
    n_errors = 0
    for w in words:
        try:
            out.append(w.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(w.decode("utf-8", errors="replace"))
            n_errors += 1
    return out, n_errors


def merge_decoded(strings: Sequence[str], counts: Sequence[int]) -> Dict[str, int]:
    """``{word: count}`` from parallel lists, adding up the counts of words that decoded alike."""
    if len(set(strings)) == len(strings):
        return dict(zip(strings, map(int, counts)))
    merged: Dict[str, int] = {}
    for s, c in zip(strings, counts):
        merged[s] = merged.get(s, 0) + int(c)
    return merged


def log_decode_errors(path: PathLike, n_errors: int) -> None:
    """Warn (once per corpus read) about words that were not valid UTF-8."""
    if n_errors:
        logger.warning("%s: %d distinct word(s) are not valid UTF-8; decoded with U+FFFD "
                       "replacement characters", path, n_errors)


# --------------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------------

@dataclass
class CorpusCounts:
    """Word counts of a corpus, as returned by :func:`count_words`.

    Attributes
    ----------
    counts : dict of str to int
        Occurrences of every word (after pruning, see ``prune_threshold``).
    n_tokens : int
        All whitespace-separated tokens of the corpus.
    n_sentences : int
        Lines holding at least one token.
    n_decode_errors : int
        Distinct words that were not valid UTF-8 (decoded with U+FFFD replacement).
    prune_threshold : int
        0 when ``max_vocab_size`` never forced pruning; otherwise the highest pruning threshold
        applied: words with a count at or below it were dropped at some point, so their counts
        are unreliable, and the final ``counts`` hold no such word.
    peak_distinct : int
        The most distinct words held at any time while counting.
    """

    counts: Dict[str, int]
    n_tokens: int
    n_sentences: int
    n_decode_errors: int = 0
    prune_threshold: int = 0
    peak_distinct: int = 0


def prune_counts(counter: Dict[bytes, int], max_vocab_size: int,
                 threshold: int) -> Tuple[Dict[bytes, int], int]:
    """Drop rare words until at most ``max_vocab_size`` distinct words remain.

    Each round drops every word counted ``threshold + 1`` times or fewer and raises the threshold
    by one (word2vec.c's scheme), so words pruned once are held to the stricter bar afterwards.

    Returns
    -------
    counter : dict
        A new, smaller dict (rebuilding it also frees the memory of the dropped entries).
    threshold : int
        The highest threshold applied so far.
    """
    while len(counter) > max_vocab_size:
        threshold += 1
        counter = Counter({w: c for w, c in counter.items() if c > threshold})
    return counter, threshold


def count_words(path: PathLike, *, max_vocab_size: Optional[int] = None,
                chunk_bytes: int = CHUNK_BYTES, progress: Progress = SILENT) -> CorpusCounts:
    """Count the words of a corpus in one streaming pass.

    Parameters
    ----------
    path : str or path
        The corpus file (plain, ``.gz``, ``.bz2`` or ``.xz``).
    max_vocab_size : int, optional
        Keep memory bounded: whenever more than this many distinct words are held, drop the
        rarest ones (see :func:`prune_counts`). Tokens are added in batches of ``max_vocab_size``,
        so at most ``2 * max_vocab_size`` distinct words are ever held. None: no limit.
    chunk_bytes : int
        Bytes read per step.
    progress : Progress, optional
        Where to report the bytes read (default: nowhere).

    Returns
    -------
    CorpusCounts

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    CorpusError
        ``path`` is a directory, holds no token, or is corrupt compressed data.
    """
    max_vocab_size = check_int("max_vocab_size", max_vocab_size, 1, allow_none=True)
    p = check_corpus_path(path)
    counter: Dict[bytes, int] = Counter()
    threshold = 0
    peak = 0
    n_tokens = 0
    n_sentences = 0
    in_line = False
    where = ReadPosition()
    with progress.stage(f"counting words in {p.name}", p.stat().st_size, "B") as stage, \
            contextlib.closing(iter_blocks(p, chunk_bytes, position=where)) as blocks:
        for block in blocks:
            ended, in_line = count_line_ends(block, in_line)
            n_sentences += ended
            tokens = block.split()
            n_tokens += len(tokens)
            stage.update(where.offset, words=n_tokens)
            if max_vocab_size is None:
                counter.update(tokens)
                continue
            for i in range(0, len(tokens), max_vocab_size):
                counter.update(tokens[i:i + max_vocab_size])
                if len(counter) > max_vocab_size:
                    peak = max(peak, len(counter))
                    before = len(counter)
                    counter, threshold = prune_counts(counter, max_vocab_size, threshold)
                    logger.debug("pruned vocabulary from %d to %d words (threshold %d)",
                                 before, len(counter), threshold)
    n_sentences += int(in_line)
    peak = max(peak, len(counter))
    if n_tokens == 0:
        raise CorpusError(f"corpus file {p} contains no tokens (it is empty or whitespace only)")
    if threshold:
        counter = {w: c for w, c in counter.items() if c > threshold}
        logger.info("%s: max_vocab_size=%d pruned words counted %d times or fewer",
                    p, max_vocab_size, threshold)
    words = list(counter)
    strings, n_errors = decode_words(words)
    log_decode_errors(p, n_errors)
    merged = merge_decoded(strings, [counter[w] for w in words])
    return CorpusCounts(merged, n_tokens, n_sentences, n_errors, threshold, peak)
