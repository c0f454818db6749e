"""Reading and writing the word2vec.c vector file formats (text and binary).

Both formats start with an ASCII header line ``"V D\\n"`` (vocabulary size, dimensionality), then
one row per word:

* **text**: ``word v1 v2 ... vD\\n`` with space-separated decimal numbers. We write every value with
  ``%.9g``: nine significant digits identify every float32 uniquely, so a text file written here
  reads back to *bit-identical* float32 vectors (word2vec.c's ``%lf`` keeps only six decimals, which
  is lossy for small values). The reader accepts any decimal notation Python's ``float`` accepts and
  trailing spaces at the end of rows (word2vec.c writes one after the last value).
* **binary**: ``word`` + ``b" "`` + ``D`` little-endian float32 values + ``b"\\n"``, exactly as
  word2vec.c and gensim write it. The reader also accepts rows without the trailing newline (some
  gensim versions) because it skips ASCII whitespace before each word, like word2vec.c's
  ``fscanf("%s")``.

Words are UTF-8. A word cannot contain ASCII whitespace in either format (it would end the word),
so writing such a word raises ``ValueError`` instead of producing an unreadable file.

Every problem in a file raises :class:`~fastw2v.errors.ModelFormatError` naming the file and the
row (and, for binary files, the byte offset). Writes are atomic
(:func:`~fastw2v.base.atomic.atomic_write`).
"""
from __future__ import annotations

import logging
import mmap
import os
import re
import stat
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..base.paths import PathLike
from ..base.atomic import atomic_write
from ..base.validate import check_int
from ..errors import ModelFormatError

logger = logging.getLogger("fastw2v")

#: Bytes that end a word in both formats (word2vec.c splits on these too).
_WHITESPACE = b" \t\n\r\x0b\x0c"
_WHITESPACE_STR = " \t\n\r\x0b\x0c"
#: Whitespace other than the space that ends it, found inside a binary row's word: misaligned rows.
_WHITESPACE_IN_WORD = re.compile(b"[\t\n\r\x0b\x0c]")
#: Longest header line we look at before declaring the header bad.
_MAX_HEADER_BYTES = 1024
#: A binary row whose word has no space after it within this many bytes is reported as corrupt.
_MAX_WORD_BYTES = 1 << 16
#: Largest dimension a header may declare. One row of a larger one would take 8 GiB or more, so a
#: bigger number is a corrupt header, not a real file (and numpy could not even describe the array).
_MAX_DIM = (1 << 31) - 1
#: Most bytes of the first row that format detection reads (enough for the whole first row of a
#: binary file up to ~20,000 dimensions; a corrupt header must not make it read gigabytes).
_MAX_SAMPLE_BYTES = 1 << 20
#: Rows formatted per write call when writing.
_WRITE_CHUNK_ROWS = 4096
_FLOAT_FMT = "%.9g"
_LE_FLOAT32 = np.dtype("<f4")

__all__ = [
    "read_word2vec",
    "write_word2vec",
    "is_binary_word2vec",
    "check_word2vec_words",
]


# --------------------------------------------------------------------------------------------- #
# writing
# --------------------------------------------------------------------------------------------- #
def check_word2vec_words(words: Sequence[str]) -> None:
    """Raise ``ValueError`` if some word cannot be stored in a word2vec file.

    A word must be a non-empty string without ASCII whitespace (space, tab, newline, CR, VT, FF).
    """
    for i, w in enumerate(words):
        if not isinstance(w, str):
            raise ValueError(f"word #{i} is not a string: {w!r}")
        if not w:
            raise ValueError(f"word #{i} is empty; word2vec files cannot store an empty word")
        if any(ch in w for ch in _WHITESPACE_STR):
            raise ValueError(f"word #{i} {w!r} contains whitespace; word2vec files cannot store it")


def write_word2vec(path: PathLike, words: Sequence[str], vectors: np.ndarray, *,
                   binary: bool = False) -> None:
    """Write ``vectors`` (V x D) with their ``words`` as a word2vec.c text or binary file.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file. Written atomically: on error, an existing file is left untouched.
    words : sequence of str
        The V words, in row order. Non-empty, no ASCII whitespace.
    vectors : numpy.ndarray
        V x D real array; stored as float32.
    binary : bool
        False for the text format (values as ``%.9g``, round-trip exact for float32), True for
        the binary format (little-endian float32).

    Raises
    ------
    ValueError
        Shapes do not match or a word cannot be represented.
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a 2-d array, got shape {vectors.shape}")
    words = list(words)
    if len(words) != vectors.shape[0]:
        raise ValueError(f"{len(words)} words but {vectors.shape[0]} vector rows")
    if vectors.shape[1] < 1:
        raise ValueError("vectors must have at least one dimension")
    check_word2vec_words(words)
    n, dim = vectors.shape
    header = f"{n} {dim}\n".encode("ascii")
    row_fmt = " ".join([_FLOAT_FMT] * dim)  # one %-format per row is faster than per value
    with atomic_write(path, "wb") as fh:
        fh.write(header)
        for start in range(0, n, _WRITE_CHUNK_ROWS):
            stop = min(n, start + _WRITE_CHUNK_ROWS)
            block = np.ascontiguousarray(vectors[start:stop], dtype=_LE_FLOAT32)
            if binary:
                parts = []
                for w, row in zip(words[start:stop], block):
                    parts.append(w.encode("utf-8"))
                    parts.append(b" ")
                    parts.append(row.tobytes())
                    parts.append(b"\n")
                fh.write(b"".join(parts))
            else:
                lines = [f"{w} {row_fmt % tuple(row)}\n"
                         for w, row in zip(words[start:stop], block.tolist())]
                fh.write("".join(lines).encode("utf-8"))
    logger.debug("wrote %d x %d vectors to %s (%s word2vec format)", n, dim, path,
                 "binary" if binary else "text")


# --------------------------------------------------------------------------------------------- #
# reading
# --------------------------------------------------------------------------------------------- #
#: Largest file whose rows are walked to settle a row that reads both as text and as binary (a
#: file of 1- or 2-dimensional vectors); larger ambiguous files are read as text.
_MAX_AMBIGUOUS_BYTES = 64 << 20


def _parse_header(path: PathLike, head: bytes) -> Tuple[int, int, int]:
    """Parse ``"V D\\n"`` at the start of ``head``; return (V, D, offset of the first row)."""
    nl = head.find(b"\n", 0, _MAX_HEADER_BYTES)
    if nl < 0:
        shown = head[:60]
        if not head:
            raise ModelFormatError(f"{path}: empty file, expected a 'VOCAB_SIZE DIM' header line")
        raise ModelFormatError(f"{path}: bad header at line 1 (byte offset 0): no end of line "
                               f"in the first bytes {shown!r}; expected 'VOCAB_SIZE DIM'")
    line = head[:nl]
    parts = line.split()
    try:
        if len(parts) != 2:
            raise ValueError
        n, dim = int(parts[0]), int(parts[1])
    except ValueError:
        raise ModelFormatError(f"{path}: bad header at line 1 (byte offset 0): {line[:80]!r}; "
                               f"expected two integers 'VOCAB_SIZE DIM'") from None
    if n < 0 or dim < 1:
        raise ModelFormatError(f"{path}: bad header at line 1: vocabulary size {n} and dimension "
                               f"{dim} must be >= 0 and >= 1")
    if dim > _MAX_DIM:
        raise ModelFormatError(f"{path}: bad header at line 1: dimension {dim} is implausibly "
                               f"large (more than {_MAX_DIM}); the header is corrupt")
    return n, dim, nl + 1


def _rows_to_allocate(fh, n: int, start: int, min_row_bytes: int) -> int:
    """Rows to allocate for ``n`` declared rows: no more than the rest of the file can hold.

    Each row takes at least ``min_row_bytes`` bytes, so a corrupt header that declares billions of
    rows costs no memory; reading then stops at the end of the file with "fewer rows than the
    header says". For a file that is not a regular file the size is unknown and ``n`` is used.
    """
    st = os.fstat(fh.fileno())
    if not stat.S_ISREG(st.st_mode):
        return n
    return min(n, max(0, st.st_size - start) // min_row_bytes)


def _looks_like_text_row(sample: bytes, dim: int) -> bool:
    """Guess from the first data row (``sample`` starts at it) whether the file is text."""
    if not sample.strip():
        return True  # no rows at all: either reader works
    nl = sample.find(b"\n")
    line = sample if nl < 0 else sample[:nl]
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    parts = line.split()
    if len(parts) >= 2:
        try:
            for p in parts[1:]:
                float(p)
            return True  # word followed by numbers: text (even with a wrong count)
        except ValueError:
            pass
    # Not a clean text row. A binary row has the end of the row (newline or next word) right after
    # ``word + " " + 4*dim`` bytes; a text row rarely does. If the row is printable text, call it a
    # malformed text file unless its structure fits a binary row.
    if any(b < 32 and b not in (9, 13) for b in line):
        return False
    sp = sample.find(b" ")
    end = sp + 1 + 4 * dim
    if sp >= 0 and (end == len(sample) or (end < len(sample) and sample[end:end + 1] == b"\n")):
        return False
    return True


def is_binary_word2vec(path: PathLike) -> bool:
    """Guess whether ``path`` is a binary (True) or text (False) word2vec file.

    The header must be valid. The first data row decides: a word followed by decimal numbers is
    text; a row that is not valid UTF-8, holds control bytes, or has the shape of a binary row is
    binary. (Only a contrived 1-dimensional file can fool this; pass ``binary`` explicitly then.)

    Raises
    ------
    ModelFormatError
        The header is missing or malformed.
    """
    with open(path, "rb") as fh:
        head = fh.read(_MAX_HEADER_BYTES)
        n, dim, start = _parse_header(path, head)
        fh.seek(start)
        sample = fh.read(min(64 + 48 * dim, _MAX_SAMPLE_BYTES))
        if not _looks_like_text_row(sample, dim):
            return True
        # Text, unless the row also has the exact shape of a binary row (float bytes that happen
        # to read as "word 0.5"): then the whole file decides, by whether it is exactly n binary
        # rows. Only tiny dimensions get here, so the walk over the rows is cheap and rare.
        sp = sample.find(b" ")
        end = sp + 1 + 4 * dim
        if sp < 0 or end > len(sample) or sample[end:end + 1] not in (b"\n", b""):
            return False
        return _is_exactly_binary(fh, n, dim, start)


def _is_exactly_binary(fh, n: int, dim: int, start: int) -> bool:
    """True when the file from ``start`` is exactly ``n`` binary rows (word, space, 4*dim bytes,
    an optional newline) and nothing else, and is not also exactly ``n`` text rows: a file that
    reads cleanly both ways is text, the format that is meant to be read by eye."""
    fh.seek(start)
    data = fh.read(_MAX_AMBIGUOUS_BYTES + 1)
    if len(data) > _MAX_AMBIGUOUS_BYTES:
        return False  # too large to walk here: read as text; pass binary=True to override
    if _fits_text(data, n, dim):
        return False
    pos = 0
    for _ in range(n):
        while data[pos:pos + 1] == b"\n":
            pos += 1
        sp = data.find(b" ", pos)
        if sp <= pos:
            return False
        pos = sp + 1 + 4 * dim
        if pos > len(data):
            return False
    return data[pos:].strip(b"\n") == b""


def _fits_text(data: bytes, n: int, dim: int) -> bool:
    """True when ``data`` is exactly ``n`` text rows of a word and ``dim`` numbers."""
    lines = data.split(b"\n")
    rows = [line for line in lines if line.strip()]
    if len(rows) != n:
        return False
    for line in rows:
        parts = line.split()
        if len(parts) != dim + 1 or not all(_is_number(p) for p in parts[1:]):
            return False
    return True


def read_word2vec(path: PathLike, *, binary: Optional[bool] = None, limit: Optional[int] = None,
                  unicode_errors: str = "strict") -> Tuple[List[str], np.ndarray]:
    """Read a word2vec.c text or binary vector file.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    binary : bool or None
        True for binary, False for text, None (default) to detect it from the first row.
    limit : int or None
        Read only the first ``limit`` rows (the most frequent words in files written by
        word2vec.c/gensim/fastw2v). The rest of the file is not read.
    unicode_errors : str
        How to treat words that are not valid UTF-8: ``"strict"`` (default) raises
        ``ModelFormatError``; ``"replace"`` or ``"ignore"`` are passed to ``bytes.decode``
        (word2vec.c may cut a long word in the middle of a UTF-8 sequence).

    Returns
    -------
    words : list of str
    vectors : numpy.ndarray
        float32, C-contiguous, ``len(words) x D``.

    Raises
    ------
    ModelFormatError
        Bad header, truncated file, fewer rows than the header says, a row with the wrong number of
        values or a non-numeric value, undecodable word. The message names the file and the row
        (1-based; the header is line 1, so text row ``r`` is on line ``r + 1``).
    FileNotFoundError, OSError
        The file cannot be read.

    Notes
    -----
    A word repeated in the file keeps its first vector; later rows are dropped with a warning
    (word2vec.c never writes duplicates, but hand-made files sometimes contain them).
    """
    limit = check_int("limit", limit, 0, allow_none=True)
    if binary is None:
        binary = is_binary_word2vec(path)
        logger.debug("%s: detected %s word2vec format", path, "binary" if binary else "text")
    if binary:
        words, vectors = _read_binary(path, limit, unicode_errors)
    else:
        words, vectors = _read_text(path, limit, unicode_errors)
    words, vectors = _drop_duplicates(path, words, vectors)
    logger.debug("read %d x %d vectors from %s (%s word2vec format)", vectors.shape[0],
                 vectors.shape[1], path, "binary" if binary else "text")
    return words, vectors


def _drop_duplicates(path, words: List[str], vectors: np.ndarray):
    if len(set(words)) == len(words):
        return words, vectors
    seen = set()
    keep = []
    for i, w in enumerate(words):
        if w in seen:
            logger.warning("%s: row %d repeats the word %r; keeping its first vector only",
                           path, i + 1, w)
            continue
        seen.add(w)
        keep.append(i)
    return [words[i] for i in keep], np.ascontiguousarray(vectors[keep])


def _decode_word(path, raw: bytes, row: int, where: str, errors: str) -> str:
    try:
        return raw.decode("utf-8", errors=errors)
    except UnicodeDecodeError as exc:
        raise ModelFormatError(f"{path}: row {row} ({where}): word {raw[:60]!r} is not valid "
                               f"UTF-8 ({exc.reason}); pass {{option}} to accept it",
                               option=("unicode_errors", "replace")) from None


def _read_binary(path, limit, unicode_errors):
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        mm = None
        try:
            if size > 0:
                mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                buf = mm
            else:
                buf = fh.read()
        except (OSError, ValueError):  # not mappable (pipe, special file): read it whole
            buf = fh.read()
            size = len(buf)
        try:
            return _parse_binary(path, buf, size, limit, unicode_errors)
        finally:
            if mm is not None:
                mm.close()


def _parse_binary(path, buf, size: int, limit, unicode_errors):
    n_header, dim, pos = _parse_header(path, buf[:_MAX_HEADER_BYTES])
    n = n_header if limit is None else min(n_header, limit)
    nbytes = 4 * dim
    # A row is at least a 1-byte word, a space and the vector; ``size`` is what ``buf`` holds.
    out = np.empty((min(n, max(0, size - pos) // (nbytes + 2)), dim), dtype=np.float32)
    words: List[str] = []
    ws = _WHITESPACE
    for row in range(n):
        while pos < size and buf[pos] in ws:
            pos += 1
        if pos >= size:
            raise ModelFormatError(f"{path}: fewer rows than the header says: file ends after "
                                   f"{row} of {n_header} rows (byte offset {pos}); truncated?")
        sp = buf.find(b" ", pos, min(size, pos + _MAX_WORD_BYTES))
        if sp < 0:
            raise ModelFormatError(f"{path}: row {row + 1} (byte offset {pos}): no space after "
                                   f"the word; the file is truncated or not a binary word2vec file")
        raw = bytes(buf[pos:sp])
        if _WHITESPACE_IN_WORD.search(raw):
            # Whitespace ends a word, so the row did not start where it should have: the rows
            # before it hold a different number of values than the header says.
            raise ModelFormatError(f"{path}: row {row + 1} (byte offset {pos}): the word "
                                   f"{raw[:40]!r} contains whitespace: the rows do not hold the "
                                   f"{dim} float32 values the header declares, or the file is "
                                   f"corrupt")
        end = sp + 1 + nbytes
        if end > size:
            raise ModelFormatError(f"{path}: row {row + 1} (byte offset {pos}): truncated file: "
                                   f"the row needs {nbytes} bytes of vector data ({dim} float32), "
                                   f"only {size - sp - 1} remain")
        words.append(_decode_word(path, raw, row + 1, f"byte offset {pos}", unicode_errors))
        out[row] = np.frombuffer(buf, dtype=_LE_FLOAT32, count=dim, offset=sp + 1)
        pos = end
    if n == n_header:
        tail = bytes(buf[pos:pos + 64]).strip(_WHITESPACE)
        if tail:
            logger.warning("%s: data after the %d rows the header declares (byte offset %d) is "
                           "ignored", path, n_header, pos)
    return words, out


def _read_text(path, limit, unicode_errors):
    with open(path, "rb") as fh:
        head = fh.readline(_MAX_HEADER_BYTES)
        n_header, dim, _ = _parse_header(path, head)
        n = n_header if limit is None else min(n_header, limit)
        # A text row is at least a 1-byte word and ``dim`` values of 1 byte, each after a space.
        out = np.empty((_rows_to_allocate(fh, n, len(head), 2 * dim + 1), dim), dtype=np.float32)
        words: List[str] = []
        for row in range(n):
            line = fh.readline()
            lineno = row + 2
            if not line:
                raise ModelFormatError(f"{path}: fewer rows than the header says: file ends after "
                                       f"{row} of {n_header} rows (line {lineno}); truncated?")
            parts = line.split()
            if not parts:
                raise ModelFormatError(f"{path}: row {row + 1} (line {lineno}) is empty")
            word = _decode_word(path, parts[0], row + 1, f"line {lineno}", unicode_errors)
            if len(parts) - 1 != dim:
                truncated = "" if line.endswith(b"\n") else " (truncated file?)"
                raise ModelFormatError(f"{path}: row {row + 1} (line {lineno}, word {word!r}): "
                                       f"expected {dim} values, found {len(parts) - 1}{truncated}")
            try:
                out[row] = list(map(float, parts[1:]))
            except ValueError:
                bad = next(p for p in parts[1:] if not _is_number(p))
                raise ModelFormatError(f"{path}: row {row + 1} (line {lineno}, word {word!r}): "
                                       f"non-numeric value {bad[:40]!r}") from None
            words.append(word)
        if n == n_header:
            for extra in fh:
                if extra.strip():
                    logger.warning("%s: rows after the %d the header declares (line %d on) are "
                                   "ignored", path, n_header, n_header + 2)
                    break
    return words, out


def _is_number(token: bytes) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False
