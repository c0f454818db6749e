"""Byte ranges of a corpus that split it into parts at whitespace, for training on several machines.

A corpus of ``size`` bytes is cut into ``parts`` nearly equal byte ranges ``[start, end)``
(:func:`split_ranges`). A range owns every token whose **first byte** lies in it: reading a range
skips the tail of a token that began before ``start`` and reads past ``end`` to finish the token
that began before it (Hadoop's rule for text splits). So the ranges' tokens, concatenated in order,
are exactly the corpus's tokens (tested), whatever the cut points, and no reader needs to know
where another range ends. A range boundary inside a line acts as a sentence boundary, as a shard
boundary does (:func:`fastw2v.training.trainer._shard_bounds`).

The reader takes an open binary file object, so the file may come from anywhere (a local path, an
fsspec URL). A seekable, uncompressed file is read from ``start - 1`` on; a decompressing stream
cannot seek, so the bytes before the range are read and dropped (a compressed corpus therefore
costs every reader the decompression of the data before its range).
"""
from __future__ import annotations

import re
from typing import IO, Iterator, List, Tuple

from ..base.compression import UTF8_BOM
from ..base.validate import check_int
from .reader import CHUNK_BYTES, whole_token_blocks

#: One ASCII whitespace byte: the token separators (see :mod:`fastw2v.corpus.reader`).
_WHITESPACE = re.compile(rb"[ \t\n\r\x0b\x0c]")


def split_ranges(size: int, parts: int) -> List[Tuple[int, int]]:
    """``parts`` contiguous, nearly equal byte ranges ``(start, end)`` covering ``[0, size)``."""
    size = check_int("size", size, 0)
    parts = check_int("parts", parts, 1)
    edges = [size * i // parts for i in range(parts + 1)]
    return [(edges[i], edges[i + 1]) for i in range(parts)]


def _first_whitespace(piece: bytes) -> int:
    m = _WHITESPACE.search(piece)
    return -1 if m is None else m.start()


def _skip(fh: IO[bytes], n: int, chunk_bytes: int, seekable: bool) -> int:
    """Move ``fh`` forward by ``n`` bytes from its start; returns the bytes actually passed."""
    if seekable:
        fh.seek(n)
        return n
    done = 0
    while done < n:
        got = len(fh.read(min(chunk_bytes, n - done)))
        if not got:
            break
        done += got
    return done


def iter_range_pieces(fh: IO[bytes], start: int, end: int, *, seekable: bool,
                      chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The bytes of the tokens that begin in ``[start, end)`` of the file ``fh`` (opened at its
    start), in pieces of about ``chunk_bytes``, which may cut tokens (see
    :func:`iter_range_blocks` for whole ones).

    Parameters
    ----------
    fh : binary file object
        The (decompressed) corpus, positioned at offset 0.
    start, end : int
        The byte range, ``0 <= start <= end``.
    seekable : bool
        ``fh.seek`` may be used (uncompressed files); otherwise the bytes before the range are
        read and dropped.
    chunk_bytes : int
        Bytes read per step.
    """
    start = check_int("start", start, 0)
    end = check_int("end", end, start)
    chunk_bytes = check_int("chunk_bytes", chunk_bytes, 1)
    if start == end:
        return
    pos = 0
    last = b""
    skipping = False  # dropping the tail of a token that began before ``start``
    if start > 0:
        pos = _skip(fh, start - 1, chunk_bytes, seekable)
        before = fh.read(1)
        pos += len(before)
        if not before:
            return  # the file is shorter than the range's start
        skipping = _WHITESPACE.match(before) is None
    while pos < end:
        piece = fh.read(min(chunk_bytes, end - pos))
        if not piece:
            return
        pos += len(piece)
        if skipping:
            cut = _first_whitespace(piece)
            if cut == -1:
                continue
            piece = piece[cut:]
            skipping = False
        yield piece
        last = piece[-1:]
    if skipping or _WHITESPACE.match(last):
        return
    # The range's last token goes on after ``end``: read until it ends.
    while True:
        piece = fh.read(chunk_bytes)
        if not piece:
            return
        cut = _first_whitespace(piece)
        if cut != -1:
            yield piece[:cut]
            return
        yield piece


def iter_range_blocks(fh: IO[bytes], start: int, end: int, *, seekable: bool,
                      chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """:func:`iter_range_pieces` re-cut into blocks that never cut a token in two, as
    :func:`fastw2v.corpus.reader.iter_blocks` yields them (input of
    :func:`fastw2v.corpus.reader.count_blocks` and :func:`fastw2v.corpus.stream.encode_blocks`).
    The range that starts the file drops a UTF-8 byte-order mark before the first word, as the
    one-machine reader does."""
    blocks = whole_token_blocks(iter_range_pieces(fh, start, end, seekable=seekable,
                                                  chunk_bytes=chunk_bytes))
    return _without_bom(blocks) if start == 0 else blocks


def _without_bom(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` with a leading UTF-8 byte-order mark removed. The first whole-token block holds
    the whole first token, so a mark in front of it is at the start of that block."""
    first = True
    for block in blocks:
        if first:
            first = False
            if block.startswith(UTF8_BOM):
                block = block[len(UTF8_BOM):]
                if not block:
                    continue
        yield block
