"""Reading a text corpus: streaming byte blocks, tokenising, counting words.

Corpus format
-------------
* UTF-8 text. Tokens are separated by **ASCII whitespace** and only by it: space, ``\\t``,
  ``\\n``, ``\\r``, ``\\v`` (U+000B) and ``\\f`` (U+000C), exactly what :meth:`bytes.split`
  splits on (:data:`ASCII_WHITESPACE`). Every other character is part of a token, including the
  Unicode spaces that :meth:`str.split` would also split on (U+00A0 no-break space, U+3000
  ideographic space, U+2028 line separator, U+0085, U+001C..U+001F, ...): a corpus cleaned for
  one language can keep them inside words, and the choice does not depend on how the text was
  decoded. Splitting bytes on ASCII whitespace never cuts a multi-byte UTF-8 character, because
  every byte of such a character is >= 0x80. :func:`tokenize` applies the same rule to a ``str``;
  sentences given as text streams (:mod:`fastw2v.corpus.sentences`) are split by this module.
* A newline (``\\n``) ends a sentence. Lines may be arbitrarily long: a text8-style corpus that is
  one 100 MB line works and is never truncated.
* A UTF-8 byte-order mark (``EF BB BF``) at the very start of the (decompressed) text is skipped:
  it marks the encoding and is never part of the first word.
* ``.gz``, ``.bz2`` and ``.xz`` files are decompressed on the fly. The format is recognised by the
  file's header (the magic bytes and the fields after them must be valid, so a text that happens
  to start with ``BZh`` is text), and by its suffix when no header matches (so a corrupt ``.gz``
  file is reported as corrupt gzip data rather than read as text); see
  :mod:`fastw2v.base.compression`.
* A corpus is a regular file; :func:`spool` copies a pipe into one.

The file is read in blocks of :data:`CHUNK_BYTES` bytes; a block always ends on a whitespace byte
(the partial token at the end of a read is carried over to the next block), so no token is cut in
two. The corpus is never held in memory as a whole. Words are kept as ``bytes`` while counting and
decoded once at the end; words that are not valid UTF-8 are decoded with ``errors="replace"`` (so
distinct invalid byte strings may become the same word; their counts are then added up) and their
number is logged as a warning.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import re
import shutil
import stat
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from ..base import paths
from ..base.atomic import make_temp_file, remove_stale_temporaries, write_errors
from ..base.compression import OPENERS as _OPENERS
from ..base.compression import (UTF8_BOM, WRAPPERS, compression_of, is_corrupt_data_error)
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

#: A token of a ``str`` under the corpus rule: a run of characters that are not ASCII whitespace.
_TOKEN = re.compile(r"[^ \t\n\r\x0b\x0c]+")

__all__ = ["ASCII_WHITESPACE", "UTF8_BOM", "compression_of", "tokenize"]


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
        ``path`` is a directory, or not a regular file (a pipe, a device, a socket): it could be
        read only once, and fastw2v reads a corpus more than once (:func:`spool` copies one to a
        file first, as :func:`fastw2v.train` does).
    """
    p = Path(os.fspath(path)).expanduser()
    if p.is_dir():
        raise CorpusError(f"corpus path is a directory, not a file: {p}")
    if not p.exists():
        raise FileNotFoundError(f"corpus file not found: {p}")
    if not p.is_file():
        raise CorpusError(f"corpus {p} is not a regular file (a pipe, device or socket); write "
                          f"it to a file first")
    return p


def needs_spooling(path: PathLike) -> bool:
    """Whether ``path`` exists but is not a regular file or directory (a pipe such as
    ``/dev/stdin`` or ``<(zcat ...)``, a character device), so it can be read only once."""
    try:
        st = os.stat(os.path.expanduser(os.fspath(path)))
    except (OSError, TypeError, ValueError):
        return False
    return not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode))


def spool(path: PathLike, cache_dir: Optional[PathLike] = None) -> Path:
    """Copy a pipe (see :func:`needs_spooling`) into a temporary file and return its path.

    The file goes to the cache directory (:func:`fastw2v.base.paths.cache_dir`), or the system's
    temporary directory when that is not writable; it carries fastw2v's temporary name, so the
    next run removes it should this process be killed. The caller removes it when done.
    """
    src = Path(os.path.expanduser(os.fspath(path)))
    for d in (paths.cache_dir(cache_dir).absolute(), Path(tempfile.gettempdir())):
        try:
            d.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(d)
            fd, tmp = make_temp_file(d, "corpus")
            break
        except OSError:
            continue
    else:
        raise PermissionError(f"no writable directory to copy the corpus {src} into")
    logger.info("%s is not a regular file; copying it to %s first", src, tmp)
    try:
        with write_errors(tmp), os.fdopen(fd, "wb") as out, open(src, "rb") as fh:
            shutil.copyfileobj(fh, out, CHUNK_BYTES)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


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
            fh = raw if kind is None else WRAPPERS[kind](raw)
            try:
                piece = fh.read(chunk_bytes)
                # The first read may be shorter than a BOM (tiny chunk_bytes): complete it.
                while piece and len(piece) < len(UTF8_BOM) and UTF8_BOM.startswith(piece):
                    more = fh.read(chunk_bytes)
                    if not more:
                        break
                    piece += more
                if piece.startswith(UTF8_BOM):
                    piece = piece[len(UTF8_BOM):] or fh.read(chunk_bytes)
                while piece:
                    yield piece, raw.tell()
                    piece = fh.read(chunk_bytes)
            finally:
                if fh is not raw:
                    fh.close()
    except Exception as exc:
        if kind is not None and is_corrupt_data_error(exc):
            raise CorpusError(f"{p}: corrupt or truncated {kind} data ({exc})") from exc
        raise


def iter_chunks(path: PathLike, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Yield the decompressed content of ``path`` in pieces of at most ``chunk_bytes`` bytes.

    Pieces are cut at arbitrary byte positions (see :func:`iter_blocks` for whole tokens). A UTF-8
    byte-order mark at the start of the content is not yielded.

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
    try:
        for block, offset in _cut_blocks(source):
            where.offset = offset if offset >= 0 else where.size
            yield block
        where.offset = where.size
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def whole_token_blocks(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Re-cut consecutive ``pieces`` of a text into blocks that never cut a token in two.

    Each block but the last ends with an ASCII whitespace byte (see :func:`iter_blocks`).
    """
    for block, _ in _cut_blocks((piece, 0) for piece in pieces):
        yield block


def _cut_blocks(pieces: Iterable[Tuple[bytes, int]]) -> Iterator[Tuple[bytes, int]]:
    """:func:`whole_token_blocks` over ``(piece, offset)`` pairs: yields ``(block, offset)``,
    the offset of the piece whose whitespace ended the block (-1 for the last, unended block)."""
    # The unfinished token: pieces with no whitespace are collected and joined once, when its end
    # is found, so a token (or whitespace-free junk) of any length costs linear time, and only
    # the new piece is searched for whitespace.
    carry: List[bytes] = []
    for piece, offset in pieces:
        cut = _last_whitespace(piece)
        if cut == -1:
            carry.append(piece)
            continue
        head = piece[:cut + 1] if cut + 1 < len(piece) else piece
        block = b"".join(carry + [head]) if carry else head
        carry = [piece[cut + 1:]] if cut + 1 < len(piece) else []
        yield block, offset
    if carry:
        yield b"".join(carry), -1


# --------------------------------------------------------------------------------------------
# Tokenising
# --------------------------------------------------------------------------------------------

def tokenize(text: str) -> List[str]:
    """The tokens of ``text`` under the corpus rule: split on ASCII whitespace only.

    ``tokenize(line)`` gives the tokens the file reader finds on that line, which
    :meth:`str.split` does not when the text holds U+00A0, U+3000 or another non-ASCII space
    (``"a\\u00a0b".split()`` is two tokens, the corpus has one). Build token lists for
    ``fastw2v.train(sentences)`` / ``fastw2v.Word2Vec(sentences)`` with it to get the same
    vocabulary as training on the text file.
    """
    return _TOKEN.findall(text)


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
    where = ReadPosition()
    with progress.stage(f"counting words in {p.name}", p.stat().st_size, "B") as stage, \
            contextlib.closing(iter_blocks(p, chunk_bytes, position=where)) as blocks:
        result = count_blocks(blocks, p, max_vocab_size=max_vocab_size,
                              on_block=lambda n: stage.update(where.offset, words=n))
    if result.n_tokens == 0:
        raise CorpusError(f"corpus file {p} contains no tokens (it is empty or whitespace only)")
    return result


def count_blocks(blocks: Iterable[bytes], source: object, *,
                 max_vocab_size: Optional[int] = None,
                 on_block: Optional[Callable[[int], None]] = None) -> CorpusCounts:
    """:func:`count_words` over blocks that never cut a token (:func:`iter_blocks`,
    :func:`whole_token_blocks`); ``source`` names them in log messages; ``on_block`` is told the
    tokens counted so far after each block. No token is no error here (``n_tokens`` is then 0)."""
    p = source
    counter: Dict[bytes, int] = Counter()
    threshold = 0
    peak = 0
    n_tokens = 0
    n_sentences = 0
    in_line = False
    for block in blocks:
        ended, in_line = count_line_ends(block, in_line)
        n_sentences += ended
        tokens = block.split()
        n_tokens += len(tokens)
        if on_block is not None:
            on_block(n_tokens)
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
    if threshold:
        counter = {w: c for w, c in counter.items() if c > threshold}
        logger.info("%s: max_vocab_size=%d pruned words counted %d times or fewer",
                    p, max_vocab_size, threshold)
    words = list(counter)
    strings, n_errors = decode_words(words)
    log_decode_errors(p, n_errors)
    merged = merge_decoded(strings, [counter[w] for w in words])
    return CorpusCounts(merged, n_tokens, n_sentences, n_errors, threshold, peak)
