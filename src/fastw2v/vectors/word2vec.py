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

Reading (:func:`read_word2vec`, also headerless GloVe files and compressed files) is
:mod:`fastw2v.vectors.word2vec_read`; every problem in a file raises
:class:`~fastw2v.errors.ModelFormatError` naming the file and the row (and, for binary files, the
byte offset). Writes are atomic (:func:`~fastw2v.base.atomic.atomic_write`).
"""
from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from ..base.paths import PathLike
from ..base.atomic import atomic_write
from .word2vec_read import is_binary_word2vec, read_word2vec

logger = logging.getLogger("fastw2v")

#: Characters that end a word in both formats (word2vec.c splits on these too).
_WHITESPACE_STR = " \t\n\r\x0b\x0c"
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
                   binary: bool = False, header: bool = True) -> None:
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
    header : bool
        Write the ``"V D"`` header line (default). False writes a headerless text file, as GloVe
        distributes its vectors (binary files always have the header).

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
    if not header and binary:
        raise ValueError("a binary word2vec file needs its header line (header=False is for "
                         "text files)")
    head = f"{n} {dim}\n".encode("ascii") if header else b""
    row_fmt = " ".join([_FLOAT_FMT] * dim)  # one %-format per row is faster than per value
    with atomic_write(path, "wb") as fh:
        fh.write(head)
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
