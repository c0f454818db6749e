"""The one reader and writer of vocabulary files: one word per line, optionally with its count.

Formats (UTF-8, one entry per line, every line ended by ``\\n``, or ``\\r\\n``):

* ``word<TAB>count`` -- fastw2v's own (the token-stream cache, checkpoints, native models);
* ``word count`` -- word2vec.c's ``-save-vocab`` / ``-read-vocab`` (``sep=" "``);
* ``word`` -- a native model saved without counts (``counts=False``).

The rules are the same for every caller: a word is non-empty and holds neither the separator nor a
line break, a count is a decimal integer in ``[0, 2**63 - 1]``, no word appears twice, and a last
line without its ``\\n`` is a truncated file: a count cut short would otherwise be read as a
smaller count. Errors are :class:`~fastw2v.errors.ModelFormatError`
naming the file and the line.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

from ..errors import ModelFormatError
from .atomic import atomic_write
from .paths import PathLike

#: Largest count a file may hold: counts are int64 in memory.
MAX_COUNT = 2**63 - 1

#: Lines formatted per write: bounds the memory of the text (~2 MB) for millions of words.
_WRITE_BATCH = 100_000


def _error(path: Path, lineno: int, raw: bytes, why: str, want: str) -> ModelFormatError:
    return ModelFormatError(f"{path}: line {lineno}: {why} (expected '{want}'): {raw[:80]!r}")


def read_vocab_file(path: PathLike, *, counts: Optional[bool] = True,
                    sep: str = "\t") -> Tuple[List[str], Optional[List[int]]]:
    """Read a vocabulary file; returns ``(words, counts)`` in file order.

    Parameters
    ----------
    path : str or path
    counts : bool or None
        True: every line is ``word<sep>count``; False: every line is ``word``; None: decided by
        the first line (a separator in it means counts).
    sep : str
        The separator between word and count: ``"\\t"`` (fastw2v) or ``" "`` (word2vec.c).

    Returns
    -------
    (list of str, list of int or None)
        ``counts`` is None for a file without counts.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ModelFormatError
        A line breaks the rules above (the message names the file and the line).
    """
    path = Path(path)
    with open(path, "rb") as fh:
        data = fh.read()
    return parse_vocab(data, path, counts=counts, sep=sep)


def parse_vocab(data: bytes, path: PathLike, *, counts: Optional[bool] = True,
                sep: str = "\t") -> Tuple[List[str], Optional[List[int]]]:
    """:func:`read_vocab_file` on the file's content ``data`` (``path`` names it in errors): for
    a vocabulary that is one member of a model file."""
    bsep = sep.encode()
    raw_lines = data.split(b"\n")
    if raw_lines[-1]:  # every line fastw2v and word2vec.c write ends with a newline
        raise ModelFormatError(f"{path}: line {len(raw_lines)}: the last line is incomplete "
                               f"(truncated file?)")
    raw_lines.pop()
    if counts is None:
        counts = bool(raw_lines) and bsep in raw_lines[0]
    sep_name = "tab" if sep == "\t" else "space" if sep == " " else repr(sep)
    want = f"word{'<TAB>' if sep == chr(9) else sep}count" if counts else "word"
    words: List[str] = []
    values: List[int] = []
    first_line = {}
    for lineno, raw in enumerate(raw_lines, 1):
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if counts:
            parts = line.split(bsep)
            if len(parts) != 2:
                raise _error(path, lineno, raw, f"{len(parts) - 1} {sep_name}(s) instead of 1",
                             want)
            wbytes, cbytes = parts
        else:
            wbytes, cbytes = line, b""
            if b"\t" in wbytes:
                raise _error(path, lineno, raw, "a tab in a file without counts", want)
        try:
            word = wbytes.decode("utf-8")
        except UnicodeDecodeError:
            raise _error(path, lineno, raw, "the word is not valid UTF-8", want) from None
        if not word:
            raise _error(path, lineno, raw, "empty word", want)
        if "\r" in word:
            raise _error(path, lineno, raw, "the word contains a line break", want)
        if counts:
            if not cbytes.isdigit() or not cbytes.isascii():
                raise _error(path, lineno, raw, "the count is not a non-negative integer", want)
            if len(cbytes.lstrip(b"0")) > 19 or int(cbytes) > MAX_COUNT:
                raise _error(path, lineno, raw, "the count is larger than 2**63 - 1", want)
            values.append(int(cbytes))
        if word in first_line:
            raise _error(path, lineno, raw,
                         f"word {word!r} already defined on line {first_line[word]}", want)
        first_line[word] = lineno
        words.append(word)
    return words, (values if counts else None)


def check_vocab_word(word: str, sep: str = "\t") -> None:
    """Raise ``ValueError`` when ``word`` cannot be stored in a vocabulary file with ``sep``."""
    if not word or sep in word or "\n" in word or "\r" in word:
        raise ValueError(f"word {word!r} is empty or contains {'a tab' if sep == chr(9) else repr(sep)}"
                         f" or a line break; it cannot be stored in a vocabulary file")


def write_vocab_file(path: PathLike, words: Sequence[str], counts: Optional[Iterable[int]] = None,
                     *, sep: str = "\t") -> None:
    """Write ``word<sep>count`` lines (or ``word`` lines without counts) atomically to ``path``."""
    with atomic_write(path, "wb") as fh:
        for piece in format_vocab(words, counts, sep=sep):
            fh.write(piece)


def format_vocab(words: Sequence[str], counts: Optional[Iterable[int]] = None, *,
                 sep: str = "\t") -> Iterator[bytes]:
    """The content of a vocabulary file, in pieces of :data:`_WRITE_BATCH` lines (checked first:
    ``ValueError`` for a word or count a file cannot hold, before any piece is produced)."""
    for w in words:
        check_vocab_word(w, sep)
    values = None if counts is None else [int(c) for c in counts]
    if values is not None:
        if len(values) != len(words):
            raise ValueError(f"{len(words)} words but {len(values)} counts")
        bad = next((i for i, c in enumerate(values) if not 0 <= c <= MAX_COUNT), None)
        if bad is not None:
            raise ValueError(f"count of {words[bad]!r} is {values[bad]}: a vocabulary file holds "
                             f"counts in [0, 2**63 - 1]")
    return _vocab_pieces(list(words), values, sep)


def _vocab_pieces(words: List[str], values: Optional[List[int]], sep: str) -> Iterator[bytes]:
    for start in range(0, len(words), _WRITE_BATCH):
        chunk = words[start:start + _WRITE_BATCH]
        if values is None:
            text = "".join(f"{w}\n" for w in chunk)
        else:
            text = "".join(f"{w}{sep}{c}\n"
                           for w, c in zip(chunk, values[start:start + _WRITE_BATCH]))
        yield text.encode("utf-8")
