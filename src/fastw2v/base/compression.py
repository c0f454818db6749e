"""Compressed input files: which compression a file uses, and opening it decompressed.

One rule for every reader (corpora, vector files, Wikipedia dumps): the file's **header** decides
(its magic bytes and the fields after them must be valid, so a text that happens to start with
``BZh`` is text); the suffix (``.gz``, ``.bz2``, ``.xz``, ``.lzma``) is used only when they match no known
format, so a corrupt ``.gz`` file is reported as corrupt gzip data rather than read as text, and a
gzip file without the suffix is still decompressed.

Also here: the UTF-8 byte-order mark, which some editors put at the start of a text file and which
is never part of the text's first word or header.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import zlib
from pathlib import Path
from typing import IO, Optional

from .paths import PathLike

#: Magic bytes at the start of a compressed file, and the compression they mean.
MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
)
#: Suffixes that name a compression, consulted only when the magic bytes match none.
SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".xz": "xz", ".lzma": "xz"}
#: How each compression is opened for binary reading.
OPENERS = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}
#: Decompressing readers over an already open binary file, whose own position then tells how much
#: of the compressed file has been consumed.
WRAPPERS = {"gzip": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
            "bzip2": lambda raw: bz2.BZ2File(raw, "rb"),
            "xz": lambda raw: lzma.LZMAFile(raw, "rb")}
#: Bytes of a file's start that :func:`compression_of` reads: enough for every header it checks.
HEAD_BYTES = 16

#: The UTF-8 encoding of U+FEFF, the byte-order mark. At the start of a UTF-8 file it only marks
#: the encoding; it is skipped, never read as part of the first word or line.
UTF8_BOM = b"\xef\xbb\xbf"


def _valid_header(kind: str, head: bytes) -> bool:
    """Whether ``head`` starts with a complete, valid ``kind`` header, not merely its magic."""
    if kind == "gzip":  # ID1 ID2, CM = 8 (deflate), no reserved flag bit (RFC 1952)
        return len(head) >= 10 and head[2] == 8 and head[3] & 0xE0 == 0
    if kind == "bzip2":  # "BZh", a level 1-9, then a block or end-of-stream magic
        return (len(head) >= 10 and 0x31 <= head[3] <= 0x39
                and head[4:10] in (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90"))
    if kind == "xz":  # magic, stream flags (0, a check type 0-15) and their CRC32
        return (len(head) >= 12 and head[6] == 0 and head[7] & 0xF0 == 0
                and zlib.crc32(head[6:8]).to_bytes(4, "little") == head[8:12])
    return False


def compression_from_head(head: bytes) -> Optional[str]:
    """The compression whose complete, valid header starts ``head`` (at least
    :data:`HEAD_BYTES` bytes of the file, or all of it), or None."""
    for magic, kind in MAGIC:
        if head.startswith(magic) and _valid_header(kind, head):
            return kind
    return None


def compression_of_head(head: bytes, name: str) -> Optional[str]:
    """:func:`compression_of` for a file whose first :data:`HEAD_BYTES` bytes ``head`` and name
    are known (a file that is not on the local disk)."""
    kind = compression_from_head(head)
    return kind if kind is not None else SUFFIXES.get(Path(name).suffix.lower())


def compression_of(path: PathLike) -> Optional[str]:
    """The compression of a file: ``"gzip"``, ``"bzip2"``, ``"xz"`` or None (not compressed).

    A complete, valid header decides (a text that merely starts with ``BZh`` is text); the
    suffix (``.gz``, ``.bz2``, ``.xz``, ``.lzma``) only when no header matches.
    """
    p = Path(path)
    with open(p, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    return compression_of_head(head, p.name)


def open_decompressed(path: PathLike, kind: Optional[str] = None) -> IO[bytes]:
    """Open ``path`` for binary reading, decompressing it when it is compressed.

    ``kind`` is the file's :func:`compression_of` when the caller knows it already. Reads from the
    returned object may raise the decompressor's own errors on corrupt data (see
    :func:`is_corrupt_data_error`).
    """
    kind = compression_of(path) if kind is None else kind
    if kind is None:
        return open(path, "rb")
    return OPENERS[kind](path, "rb")


def is_corrupt_data_error(exc: BaseException) -> bool:
    """True for the errors decompressors raise on corrupt or truncated input.

    ``OSError`` with an ``errno`` is a system error (disk, permissions) and is left alone.
    """
    if isinstance(exc, (EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile)):
        return True
    return isinstance(exc, OSError) and exc.errno is None
