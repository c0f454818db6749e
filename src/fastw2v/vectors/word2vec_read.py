"""Reading word2vec-style vector files: text, binary, headerless text (GloVe), compressed.

Layouts (see :mod:`fastw2v.vectors.word2vec` for the formats themselves):

* **text** with a ``"V D"`` header line: word2vec.c's ``-binary 0``, gensim's
  ``save_word2vec_format``, fastText's ``.vec``;
* **binary** with the header: word2vec.c's ``-binary 1`` (``GoogleNews-vectors-negative300.bin``);
* **text without a header**: GloVe (``glove.6B.100d.txt``) and gensim's ``write_header=False``.
  ``no_header=None`` (the default) detects it: the file has no header when its first line is
  clearly a vector -- a word followed by numbers, at least one of which is not an integer (a
  header is two integers). ``no_header=True`` / ``False`` says so explicitly.

Any of them may be compressed with gzip, bzip2 or xz (``.bin.gz``, ``.txt.gz``, ...): the magic
bytes decide (:mod:`fastw2v.base.compression`), not the name. A UTF-8 byte-order mark at the start
is skipped. Files of other programs (gensim pickles, fastText ``.bin`` models, NumPy arrays, zip
archives) are recognised and refused with an error that says what they are
(:mod:`fastw2v.vectors.filekind`).

Memory: the file is **streamed** in blocks of :data:`READ_BLOCK_BYTES` into an array allocated once
for the rows the header declares (bounded by what the file can hold), so reading N x D floats
needs about one copy of the array -- never the file and the array together, which mapping the
whole file would cost. A headerless file is counted in a first pass for the same reason.

Every problem raises :class:`~fastw2v.errors.ModelFormatError` naming the file and the row (and,
for binary files, the byte offset in the uncompressed content).
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
from pathlib import Path
from typing import IO, Iterator, List, NamedTuple, Optional, Tuple

import numpy as np

from ..base.compression import UTF8_BOM, is_corrupt_data_error, open_decompressed
from ..base.paths import PathLike
from ..base.validate import check_bool, check_int
from ..errors import ModelFormatError
from . import filekind

logger = logging.getLogger("fastw2v")

#: Bytes that end a word in both formats (word2vec.c splits on these too).
WHITESPACE = b" \t\n\r\x0b\x0c"
#: Whitespace other than the space that ends it, found inside a binary row's word: misaligned rows.
_WHITESPACE_IN_WORD = re.compile(b"[\t\n\r\x0b\x0c]")
#: Longest header line we look at before declaring the header bad.
MAX_HEADER_BYTES = 1024
#: Bytes of a binary file kept ahead of the reading position: a whole row of any common word
#: (a longer word is read on until its end: words have no length limit, what we write we read).
MAX_WORD_BYTES = 1 << 16
#: Bytes read at a time while looking for the end of a long first word (format detection).
_WORD_READ_BYTES = 1 << 20
#: Largest dimension a header may declare. One row of a larger one would take 8 GiB or more, so a
#: bigger number is a corrupt header, not a real file (and numpy could not even describe the array).
MAX_DIM = (1 << 31) - 1
#: Most bytes of the first row that format detection reads (enough for the whole first row of a
#: binary file up to ~20,000 dimensions; a corrupt header must not make it read gigabytes).
_MAX_SAMPLE_BYTES = 1 << 20
#: Largest file whose rows are walked to settle a row that reads both as text and as binary (a
#: file of 1- or 2-dimensional vectors); larger ambiguous files are read as text.
_MAX_AMBIGUOUS_BYTES = 64 << 20
#: Bytes read per step when streaming rows: a few hundred rows of 300 float32, large enough that
#: the per-block Python work is negligible and small enough to add nothing to the peak memory.
READ_BLOCK_BYTES = 1 << 20
_LE_FLOAT32 = np.dtype("<f4")

__all__ = ["FileLayout", "file_layout", "is_binary_word2vec", "read_word2vec", "parse_header"]


class _Layout(NamedTuple):
    """How a vector file is laid out."""

    binary: bool
    header: bool
    n: int          # rows the header declares (-1 without a header)
    dim: int
    start: int      # byte offset of the first row in the uncompressed content


# --------------------------------------------------------------------------------------------- #
# opening, header, detection
# --------------------------------------------------------------------------------------------- #
@contextlib.contextmanager
def _open(path: Path, compression: Optional[str]) -> Iterator[IO[bytes]]:
    """The uncompressed content, with decompression errors turned into ModelFormatError."""
    fh = open_decompressed(path, compression) if compression else open(path, "rb")
    try:
        yield fh
    except ModelFormatError:
        raise
    except Exception as exc:
        if compression is not None and is_corrupt_data_error(exc):
            raise ModelFormatError(f"{path}: corrupt or truncated {compression} data "
                                   f"({exc})") from None
        raise
    finally:
        fh.close()


def _first_line(fh: IO[bytes], limit: int) -> Tuple[bytes, int]:
    """Up to ``limit`` bytes of the first line with a leading BOM removed, and the BOM's length."""
    line = fh.readline(limit + len(UTF8_BOM))
    if line.startswith(UTF8_BOM):
        return line[len(UTF8_BOM):], len(UTF8_BOM)
    return line, 0


def parse_header(path: PathLike, head: bytes) -> Tuple[int, int, int]:
    """Parse ``"V D\\n"`` at the start of ``head``; return (V, D, offset of the first row)."""
    nl = head.find(b"\n", 0, MAX_HEADER_BYTES)
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
                               f"expected two integers 'VOCAB_SIZE DIM' (a file without a "
                               f"header, such as GloVe's, starts with a vector: a word and "
                               f"decimal numbers)") from None
    if n < 0 or dim < 1:
        raise ModelFormatError(f"{path}: bad header at line 1: vocabulary size {n} and dimension "
                               f"{dim} must be >= 0 and >= 1")
    if dim > MAX_DIM:
        raise ModelFormatError(f"{path}: bad header at line 1: dimension {dim} is implausibly "
                               f"large (more than {MAX_DIM}); the header is corrupt")
    return n, dim, nl + 1


def _is_integer(token: bytes) -> bool:
    return token.lstrip(b"+-").isdigit()


def _is_number(token: bytes) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def is_vector_line(line: bytes) -> bool:
    """Whether a first line is clearly a vector, not a header: valid UTF-8, a word followed by one
    or more decimal numbers, at least one of which is not an integer (``"the 0.418 0.25"``)."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    parts = line.split()
    if len(parts) < 2 or not all(_is_number(p) for p in parts[1:]):
        return False
    return not all(_is_integer(p) for p in parts[1:])


def _layout(path: Path, compression: Optional[str], binary: Optional[bool],
            no_header: Optional[bool]) -> _Layout:
    with _open(path, compression) as fh:
        first, bom = _first_line(fh, MAX_HEADER_BYTES)
        if no_header is not False and not first.endswith(b"\n") \
                and len(first) >= MAX_HEADER_BYTES:
            # A long first line: a headerless row, or a bad header (bounded: junk without
            # newlines must not be read whole).
            first += fh.readline(_MAX_SAMPLE_BYTES)
        if no_header or (no_header is None and is_vector_line(first)):
            if binary:
                raise ModelFormatError(f"{path}: a file without a header line is read as text "
                                       f"only (GloVe); pass binary=False")
            dim = len(first.split()) - 1
            if dim < 1:
                raise ModelFormatError(f"{path}: line 1 {first[:80]!r} is not a vector (a word "
                                       f"followed by numbers), as a file without a header "
                                       f"must start")
            return _Layout(False, False, -1, dim, bom)
        n, dim, start = parse_header(path, first)
        if binary is None:
            sample = fh.read(min(64 + 48 * dim, _MAX_SAMPLE_BYTES))
            # A first word longer than the sample: read on past its end, so that the row's shape
            # (word, space, values) can be seen. Words have no length limit.
            while sample and not _has_word_end(sample):
                more = fh.read(_WORD_READ_BYTES)
                if not more:
                    break
                sample += more
            lead = len(sample) - len(sample.lstrip(WHITESPACE))
            sp = sample.find(b" ", lead)
            if sp >= 0 and len(sample) < sp + 2 + 4 * dim:  # the whole binary row, if it is one
                sample += fh.read(sp + 2 + 4 * dim - len(sample))
            binary = not _looks_like_text_row(sample, dim)
            if not binary and _has_binary_row_shape(sample, dim):
                # Float bytes that happen to read as "word 0.5": the whole file decides, by
                # whether it is exactly n binary rows and not exactly the text writer's n rows.
                # Only tiny dimensions get here.
                data = sample + fh.read(max(0, _MAX_AMBIGUOUS_BYTES + 1 - len(sample)))
                binary = _is_exactly_binary(data, n, dim) and not _is_exactly_text(data, n, dim)
        return _Layout(bool(binary), True, n, dim, bom + start)


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
    if len(parts) >= 2 and all(_is_number(p) for p in parts[1:]):
        return True  # word followed by numbers: text (even with a wrong count)
    # Not a clean text row. A binary row has the end of the row (newline or next word) right after
    # ``word + " " + 4*dim`` bytes; a text row rarely does. If the row is printable text, call it a
    # malformed text file unless its structure fits a binary row.
    if any(b < 32 and b not in (9, 13) for b in line):
        return False
    return not _has_binary_row_shape(sample, dim)


def _has_binary_row_shape(sample: bytes, dim: int) -> bool:
    sp = sample.find(b" ")
    end = sp + 1 + 4 * dim
    return sp >= 0 and (end == len(sample) or (end < len(sample) and
                                                sample[end:end + 1] == b"\n"))


def _has_word_end(sample: bytes) -> bool:
    """Whether the first word of ``sample`` ends inside it (a space or newline after it)."""
    body = sample.lstrip(WHITESPACE)
    return b" " in body or b"\n" in body


def _is_exactly_text(data: bytes, n: int, dim: int) -> bool:
    """True when ``data`` (the content after the header) is exactly what the text writer makes
    of ``n`` rows: ``n`` lines, each a word and ``dim`` numbers, every line ended by a newline,
    no empty line.

    Decides a file that is both (1-dimensional values of four characters such as ``-inf`` or
    ``0.25`` give text rows of a binary row's length): text. A binary file reads as such text
    only if every one of its values has four bytes that spell a number, and its rows do not end
    with a newline of their own (a binary row ending in newline bytes leaves an empty line).
    """
    if len(data) > _MAX_AMBIGUOUS_BYTES or not data.endswith(b"\n") or data.count(b"\n") != n:
        return False
    for line in data.split(b"\n")[:-1]:
        parts = line.split(b" ")
        if len(parts) != dim + 1 or not parts[0] or not all(map(_is_number, parts[1:])):
            return False
    return True


def _is_exactly_binary(data: bytes, n: int, dim: int) -> bool:
    """True when ``data`` (the content after the header) is exactly ``n`` binary rows (word,
    space, 4*dim bytes, an optional newline) and nothing else, with at least one row ended by
    its newline.

    Only files whose first row also reads as text get here. The binary writers (fastw2v,
    word2vec.c) end every row with a newline, while a text file whose rows happen to have the
    length of binary rows (``0 inf``, one dimension) has none after them: that one is text.
    """
    if len(data) > _MAX_AMBIGUOUS_BYTES:
        return False  # too large to walk here: read as text; pass binary=True to override
    pos = 0
    ended = 0
    for _ in range(n):
        while data[pos:pos + 1] == b"\n":
            pos += 1
            ended += 1
        sp = data.find(b" ", pos)
        if sp <= pos:
            return False
        pos = sp + 1 + 4 * dim
        if pos > len(data):
            return False
    ended += data[pos:pos + 1] == b"\n"
    return data[pos:].strip(b"\n") == b"" and (n == 0 or ended > 0)


class FileLayout(NamedTuple):
    """How a vector file is stored (:func:`file_layout`)."""

    binary: bool
    header: bool
    compression: Optional[str]

    def describe(self) -> str:
        """``"word2vec binary"``, ``"word2vec text"`` or ``"text without header (GloVe)"``,
        with the compression after a comma."""
        name = ("word2vec binary" if self.binary else "word2vec text") if self.header \
            else "text without header (GloVe)"
        return name + (f", {self.compression}" if self.compression else "")


def file_layout(path: PathLike, binary: Optional[bool] = None,
                no_header: Optional[bool] = None) -> FileLayout:
    """Binary or text, header or not, compression: what :func:`read_word2vec` will find.

    Raises as :func:`is_binary_word2vec`.
    """
    p = Path(path)
    kind, compression = filekind.kind_of(p)
    if kind != filekind.WORD2VEC:
        raise filekind.not_word2vec_error(p, kind)
    layout = _layout(p, compression, binary, no_header)
    return FileLayout(layout.binary, layout.header, compression)


def is_binary_word2vec(path: PathLike) -> bool:
    """Guess whether ``path`` is a binary (True) or text (False) word2vec file.

    The header must be valid (a file without one is text). The first data row decides: a word
    followed by decimal numbers is text; a row that is not valid UTF-8, holds control bytes, or
    has the shape of a binary row is binary. (Only a contrived 1-dimensional file can fool this;
    pass ``binary`` explicitly then.)

    Raises
    ------
    ModelFormatError
        The header is missing or malformed, or the file is not a word2vec file.
    """
    p = Path(path)
    kind, compression = filekind.kind_of(p)
    if kind != filekind.WORD2VEC:
        raise filekind.not_word2vec_error(p, kind)
    return _layout(p, compression, None, None).binary


# --------------------------------------------------------------------------------------------- #
# reading
# --------------------------------------------------------------------------------------------- #
def read_word2vec(path: PathLike, *, binary: Optional[bool] = None, limit: Optional[int] = None,
                  unicode_errors: str = "strict", no_header: Optional[bool] = None,
                  encoding: str = "utf-8") -> Tuple[List[str], np.ndarray]:
    """Read a word2vec text or binary vector file, a GloVe file, or any of them compressed.

    Parameters
    ----------
    path : str or os.PathLike
        The file (plain, or gzip / bzip2 / xz compressed: detected from its magic bytes).
    binary : bool or None
        True for binary, False for text, None (default) to detect it from the first row.
    limit : int or None
        Read only the first ``limit`` rows (the most frequent words in files written by
        word2vec.c/gensim/fastw2v/GloVe). The rest of the file is not read.
    unicode_errors : str
        How to treat words that are not valid UTF-8: ``"strict"`` (default) raises
        ``ModelFormatError``; ``"replace"`` or ``"ignore"`` are passed to ``bytes.decode``
        (word2vec.c may cut a long word in the middle of a UTF-8 sequence).
    no_header : bool or None
        None (default): detect a file without the ``"V D"`` header line (GloVe) by its first line
        being a vector; True: the file has no header (text only); False: it must have one.
    encoding : str
        Encoding of the words (default UTF-8).

    Returns
    -------
    words : list of str
    vectors : numpy.ndarray
        float32, C-contiguous, ``len(words) x D``.

    Raises
    ------
    ModelFormatError
        Bad header, truncated file, fewer rows than the header says, a row with the wrong number of
        values or a non-numeric value, undecodable word, corrupt compressed data, or a file of
        another kind (a gensim pickle, a fastText ``.bin`` model: the message says how to convert
        it). The message names the file and the row (1-based; with a header, text row ``r`` is on
        line ``r + 1``).
    FileNotFoundError, OSError
        The file cannot be read.

    Notes
    -----
    A word repeated in the file keeps its first vector; later rows are dropped with a warning
    (word2vec.c never writes duplicates, but hand-made files sometimes contain them).
    """
    limit = check_int("limit", limit, 0, allow_none=True)
    if binary is not None:
        binary = check_bool("binary", binary)
    if no_header is not None:
        no_header = check_bool("no_header", no_header)
        if no_header and binary:
            raise ValueError("no_header=True works only for text files (binary=False)")
    p = Path(os.fspath(path))
    if not p.exists():
        raise FileNotFoundError(f"no such vectors file: {p}")
    if p.is_dir():
        raise filekind.not_word2vec_error(p, filekind.NATIVE_DIRECTORY)
    kind, compression = filekind.kind_of(p)
    if kind != filekind.WORD2VEC:
        raise filekind.not_word2vec_error(p, kind)
    layout = _layout(p, compression, binary, no_header)
    logger.debug("%s: %s word2vec format%s%s", p, "binary" if layout.binary else "text",
                 "" if layout.header else " without a header", f", {compression}" if compression
                 else "")
    with _open(p, compression) as fh:
        _skip(fh, layout.start)
        if layout.binary:
            words, vectors = _read_binary(p, fh, layout, limit, compression, unicode_errors,
                                          encoding)
        else:
            if not layout.header:
                n = _count_rows(p, compression) if limit is None else limit
            else:
                n = layout.n if limit is None else min(layout.n, limit)
            words, vectors = _read_text(p, fh, layout, n, compression, unicode_errors, encoding)
    words, vectors = _drop_duplicates(p, words, vectors)
    logger.debug("read %d x %d vectors from %s (%s word2vec format%s)", vectors.shape[0],
                 vectors.shape[1], p, "binary" if layout.binary else "text",
                 "" if layout.header else ", no header")
    return words, vectors


def _skip(fh: IO[bytes], n: int) -> None:
    while n > 0:
        got = len(fh.read(min(n, READ_BLOCK_BYTES)))
        if got == 0:
            return
        n -= got


def _count_rows(path: Path, compression: Optional[str]) -> int:
    """Lines of a headerless file (a last line without its newline counts): its row count, plus
    any blank lines."""
    n = 0
    last = b"\n"
    with _open(path, compression) as fh:
        while True:
            block = fh.read(READ_BLOCK_BYTES)
            if not block:
                break
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def _allocate(path: Path, compression: Optional[str], n: int, dim: int, start: int,
              min_row_bytes: int) -> np.ndarray:
    """The output array for ``n`` declared rows: no more rows than the rest of the file can hold.

    For an uncompressed regular file each row takes at least ``min_row_bytes``, so a corrupt
    header that declares billions of rows costs no memory; reading then stops at the end of the
    file with "fewer rows than the header says". For compressed content the size is unknown: the
    array is allocated for ``n`` rows, which costs memory only as rows are written.
    """
    rows = n
    if compression is None:
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode):
            rows = min(n, max(0, st.st_size - start) // min_row_bytes)
    try:
        return np.empty((rows, dim), dtype=np.float32)
    except (MemoryError, ValueError):
        raise ModelFormatError(f"{path}: the header declares {n} rows of {dim} values, more than "
                               f"can be allocated; the header is corrupt or the file too large "
                               f"(pass limit= to read the first rows)") from None


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


def _decode_word(path, raw: bytes, row: int, where: str, errors: str, encoding: str) -> str:
    try:
        return raw.decode(encoding, errors=errors)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding.lower().replace("-", "").replace("_", "") == "utf8" \
            else encoding
        raise ModelFormatError(f"{path}: row {row} ({where}): word {raw[:60]!r} is not valid "
                               f"{name} ({exc.reason}); pass {{option}} to accept it",
                               option=("unicode_errors", "replace")) from None


def _read_binary(path: Path, fh: IO[bytes], layout: _Layout, limit: Optional[int],
                 compression: Optional[str], unicode_errors: str, encoding: str):
    n_header, dim = layout.n, layout.dim
    n = n_header if limit is None else min(n_header, limit)
    nbytes = 4 * dim
    # A row is at least a 1-byte word, a space and the vector.
    out = _allocate(path, compression, n, dim, layout.start, nbytes + 2)
    words: List[str] = []
    ws = WHITESPACE
    want = MAX_WORD_BYTES + nbytes + 2  # bytes that always hold a whole row (or the file's end)
    buf = b""
    pos = 0
    base = layout.start  # offset of buf[0] in the uncompressed content
    eof = False
    for row in range(n):
        if len(buf) - pos < want and not eof:
            pieces = [buf[pos:]]
            have = len(buf) - pos
            while have < want:
                piece = fh.read(max(READ_BLOCK_BYTES, want - have))
                if not piece:
                    eof = True
                    break
                pieces.append(piece)
                have += len(piece)
            base += pos
            buf = b"".join(pieces)
            pos = 0
        size = len(buf)
        while pos < size and buf[pos] in ws:
            pos += 1
        if pos >= size:
            raise ModelFormatError(f"{path}: fewer rows than the header says: file ends after "
                                   f"{row} of {n_header} rows (byte offset {base + pos}); "
                                   f"truncated?")
        sp = buf.find(b" ", pos)
        while (sp < 0 or sp + 2 + nbytes > len(buf)) and not eof:
            # A word longer than MAX_WORD_BYTES (or its row's end not read yet): read on.
            piece = fh.read(max(READ_BLOCK_BYTES, 2 * (len(buf) - pos)))
            if not piece:
                eof = True
                break
            base += pos
            buf = buf[pos:] + piece
            pos = 0
            size = len(buf)
            sp = buf.find(b" ", pos)
        if sp < 0:
            raise ModelFormatError(f"{path}: row {row + 1} (byte offset {base + pos}): no space "
                                   f"after the word; the file is truncated or not a binary "
                                   f"word2vec file")
        raw = buf[pos:sp]
        if _WHITESPACE_IN_WORD.search(raw):
            # Whitespace ends a word, so the row did not start where it should have: the rows
            # before it hold a different number of values than the header says.
            raise ModelFormatError(f"{path}: row {row + 1} (byte offset {base + pos}): the word "
                                   f"{raw[:40]!r} contains whitespace: the rows do not hold the "
                                   f"{dim} float32 values the header declares, or the file is "
                                   f"corrupt")
        end = sp + 1 + nbytes
        if end > size:
            raise ModelFormatError(f"{path}: row {row + 1} (byte offset {base + pos}): truncated "
                                   f"file: the row needs {nbytes} bytes of vector data ({dim} "
                                   f"float32), only {size - sp - 1} remain")
        words.append(_decode_word(path, raw, row + 1, f"byte offset {base + pos}",
                                  unicode_errors, encoding))
        out[row] = np.frombuffer(buf, dtype=_LE_FLOAT32, count=dim, offset=sp + 1)
        pos = end
    if n == n_header:
        tail = (buf[pos:pos + 64] + (b"" if eof else fh.read(64))).strip(WHITESPACE)
        if tail:
            logger.warning("%s: data after the %d rows the header declares (byte offset %d) is "
                           "ignored", path, n_header, base + pos)
    return words, out[:n] if out.shape[0] > n else out


def _read_text(path: Path, fh: IO[bytes], layout: _Layout, n: int, compression: Optional[str],
               unicode_errors: str, encoding: str):
    """Text rows, after a header (``layout.header``: exactly ``n`` rows must follow) or without
    one (up to ``n`` rows, the file's last blank lines allowed)."""
    dim = layout.dim
    header = layout.header
    first_line = 2 if header else 1  # line number of row 1
    # A text row is at least a 1-byte word and ``dim`` values of 1 byte, each after a space.
    out = _allocate(path, compression, n, dim, layout.start, 2 * dim + 1)
    words: List[str] = []
    row = 0
    for row in range(n):
        line = fh.readline()
        lineno = row + first_line
        if not line:
            if not header:
                break
            raise ModelFormatError(f"{path}: fewer rows than the header says: file ends after "
                                   f"{row} of {layout.n} rows (line {lineno}); truncated?")
        parts = line.split()
        if not parts:
            if not header and _rest_is_blank(fh):
                break  # blank lines at the end of a headerless file
            raise ModelFormatError(f"{path}: row {row + 1} (line {lineno}) is empty")
        word = _decode_word(path, parts[0], row + 1, f"line {lineno}", unicode_errors, encoding)
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
    if header and n == layout.n:
        for extra in fh:
            if extra.strip():
                logger.warning("%s: rows after the %d the header declares (line %d on) are "
                               "ignored", path, layout.n, layout.n + 2)
                break
    rows = len(words)
    return words, out[:rows] if out.shape[0] != rows else out


def _rest_is_blank(fh: IO[bytes]) -> bool:
    for line in fh:
        if line.strip():
            return False
    return True
