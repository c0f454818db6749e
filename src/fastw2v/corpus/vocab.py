"""The vocabulary: words, their counts and their integer ids.

Word ``i`` of a :class:`Vocab` has id ``i``. A vocabulary built from counts is sorted by
descending count, ties broken by the word itself (ascending code points), so the same corpus
always gives the same ids. A vocabulary loaded from a file keeps the file's order.

File format (``Vocab.save`` / ``Vocab.load``): UTF-8 text, one ``word<TAB>count`` line per word,
in id order. Words never contain whitespace because the corpus is split on whitespace.

word2vec.c's ``-save-vocab`` / ``-read-vocab`` files (``word count`` lines, its newline token
``</s>`` first) are read by :func:`read_vocab`, which also reads fastw2v's own files, and written by
:func:`write_vocab`.
"""
from __future__ import annotations

import re
from operator import itemgetter
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Mapping, Optional

import numpy as np

from ..base.paths import PathLike
from ..base.vocabfile import read_vocab_file, write_vocab_file
from ..base.validate import check_choice, check_int
from ..errors import ModelFormatError

#: ASCII whitespace, the separators of the corpus, which therefore never occur inside a word.
_WHITESPACE = re.compile(r"[ \t\n\r\x0b\x0c]")


class Vocab:
    """Words with their corpus counts; the position of a word is its id.

    Parameters
    ----------
    words : iterable of str
        Distinct, non-empty words without ASCII whitespace, in id order.
    counts : array-like of int
        The count of each word (>= 0), same length as ``words``.

    Attributes
    ----------
    words : list of str
        Word of each id.
    counts : numpy.ndarray of int64
        Count of each id (read-only).
    index : dict of str to int
        Id of each word.

    Raises
    ------
    ValueError
        Lengths differ, a word repeats, is empty or holds whitespace, or a count is negative.
    """

    __slots__ = ("words", "counts", "index")

    def __init__(self, words: Iterable[str], counts) -> None:
        words = list(words)
        counts = np.array(counts, dtype=np.int64).reshape(-1)
        if len(words) != len(counts):
            raise ValueError(f"{len(words)} words but {len(counts)} counts")
        index = {w: i for i, w in enumerate(words)}
        if len(index) != len(words):
            seen: Dict[str, int] = {}
            for w in words:
                seen[w] = seen.get(w, 0) + 1
            dup = next(w for w, n in seen.items() if n > 1)
            raise ValueError(f"word {dup!r} occurs more than once in the vocabulary")
        if not all(isinstance(w, str) for w in words):
            bad = next(w for w in words if not isinstance(w, str))
            raise ValueError(f"vocabulary words must be str, got {type(bad).__name__} {bad!r}")
        if "" in index:
            raise ValueError("the empty string cannot be a vocabulary word")
        if _WHITESPACE.search("".join(words)):
            bad = next(w for w in words if _WHITESPACE.search(w))
            raise ValueError(f"vocabulary word {bad!r} contains whitespace")
        if len(counts) and counts.min() < 0:
            i = int(np.argmin(counts))
            raise ValueError(f"count of {words[i]!r} is negative: {int(counts[i])}")
        counts.flags.writeable = False
        self.words: List[str] = words
        self.counts: np.ndarray = counts
        self.index: Dict[str, int] = index

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_counts(cls, counts: Mapping[str, int], min_count: int,
                    max_vocab_size: Optional[int] = None) -> "Vocab":
        """Build a vocabulary from word counts.

        Parameters
        ----------
        counts : mapping of str to int
            Occurrences of each word.
        min_count : int
            Words counted fewer times are left out (>= 1).
        max_vocab_size : int, optional
            Keep at most this many words (the most frequent ones, in the order below).

        Returns
        -------
        Vocab
            Sorted by descending count; equal counts in ascending order of the words (Python
            ``str`` ordering, i.e. by code point). May be empty.
        """
        min_count = check_int("min_count", min_count, 1)
        max_vocab_size = check_int("max_vocab_size", max_vocab_size, 1, allow_none=True)
        items = [(w, int(c)) for w, c in counts.items() if c >= min_count]
        # Two stable sorts: by word, then by descending count (reverse=True keeps stability).
        items.sort(key=itemgetter(0))
        items.sort(key=itemgetter(1), reverse=True)
        if max_vocab_size is not None:
            del items[max_vocab_size:]
        return cls([w for w, _ in items], [c for _, c in items])

    def compacted(self) -> "Vocab":
        """An equal vocabulary whose word strings are new objects, made one after another.

        For a vocabulary picked out of many more words that were then freed (see
        :func:`fastw2v.corpus.stream.build_stream`): the copies sit together in memory, so the
        pages the originals shared with the freed words can go back to the operating system.
        """
        return Vocab("\n".join(self.words).split("\n") if self.words else [], self.counts)

    # -- container protocol ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __iter__(self) -> Iterator[str]:
        return iter(self.words)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return self.words == other.words and np.array_equal(self.counts, other.counts)

    __hash__ = None  # mutable-looking container: not hashable

    def __repr__(self) -> str:
        head = ", ".join(f"{w!r}: {int(c)}" for w, c in zip(self.words[:3], self.counts[:3]))
        more = ", ..." if len(self) > 3 else ""
        return f"Vocab({len(self)} words, total {self.total}: {{{head}{more}}})"

    @property
    def total(self) -> int:
        """Sum of all counts."""
        return int(self.counts.sum())

    # -- files -------------------------------------------------------------------------------

    def save(self, path: PathLike) -> None:
        """Write ``word<TAB>count`` lines (UTF-8) atomically to ``path``."""
        write_vocab_file(path, self.words, self.counts.tolist())

    @classmethod
    def load(cls, path: PathLike) -> "Vocab":
        """Read a vocabulary written by :meth:`save`; ids follow the line order.

        The rules are :func:`fastw2v.base.vocabfile.read_vocab_file`'s, and a word may not
        contain whitespace (the corpus is split on it).

        Raises
        ------
        FileNotFoundError
            ``path`` does not exist.
        ModelFormatError
            The file is empty, truncated, or a line breaks the rules; the message names the file
            and the line number.
        """
        words, counts = read_vocab_file(path, counts=True)
        if not words:
            raise ModelFormatError(f"{path}: vocabulary file is empty")
        if _WHITESPACE.search("".join(words)):
            line = next(i for i, w in enumerate(words, 1) if _WHITESPACE.search(w))
            raise ModelFormatError(f"{path}: line {line}: the word {words[line - 1]!r} contains "
                                   f"whitespace")
        return cls(words, counts)


# --------------------------------------------------------------------------------------------
# word2vec.c's vocabulary files (-save-vocab / -read-vocab)
# --------------------------------------------------------------------------------------------

#: word2vec.c's token for a newline: the first entry of every vocabulary it writes. fastw2v has no
#: such word (a newline ends a sentence), so :func:`read_vocab` skips it in word2vec.c's format
#: and :func:`write_vocab` writes it first, with the number of sentences as its count, so that
#: word2vec.c, which takes whatever comes first as its newline token, reads the file correctly.
W2V_SENTENCE_END = "</s>"

#: The vocabulary file formats: word2vec.c's ``word count`` and fastw2v's ``word<TAB>count``.
VOCAB_FORMATS = ("word2vec", "tsv")


def vocab_format_of(path: PathLike) -> str:
    """The format :func:`write_vocab` uses for ``path``: ``tsv`` (fastw2v's own) for a name
    ending in ``.tsv``, else ``word2vec`` (word2vec.c's ``-save-vocab`` format)."""
    return "tsv" if Path(path).suffix.lower() == ".tsv" else "word2vec"


def read_vocab(path: PathLike, min_count: int = 1,
               max_vocab_size: Optional[int] = None) -> Vocab:
    """Read a vocabulary file written by word2vec.c's ``-save-vocab`` or by fastw2v.

    The format is recognised by the first line: a tab means fastw2v's ``word<TAB>count``, a
    space word2vec.c's ``word count`` (whose newline token ``</s>`` is skipped). As word2vec.c's
    ``-read-vocab`` does, words counted fewer than ``min_count`` times are left out and the rest
    sorted by descending count (ties: by word); ``max_vocab_size`` keeps the most frequent.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ModelFormatError
        The file is empty, truncated or malformed (the message names the file and the line), or
        a word holds whitespace.
    ValueError
        ``min_count`` or ``max_vocab_size`` is out of range.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        first = fh.readline()
    if not first.strip():
        raise ModelFormatError(f"{path}: vocabulary file is empty (or its first line is)")
    sep = "\t" if b"\t" in first else " "
    words, counts = read_vocab_file(path, counts=True, sep=sep)
    if _WHITESPACE.search("".join(words)):
        line = next(i for i, w in enumerate(words, 1) if _WHITESPACE.search(w))
        raise ModelFormatError(f"{path}: line {line}: the word {words[line - 1]!r} contains "
                               f"whitespace")
    pairs = dict(zip(words, counts))
    if sep == " ":
        pairs.pop(W2V_SENTENCE_END, None)
    vocab = Vocab.from_counts(pairs, min_count, max_vocab_size)
    if len(vocab) == 0:
        raise ModelFormatError(f"{path}: no word of the vocabulary file has a count of at least "
                               f"min_count={min_count}")
    return vocab


def write_vocab(path: PathLike, vocab: Vocab, n_sentences: int = 0,
                fmt: Optional[str] = None) -> None:
    """Write ``vocab`` atomically as word2vec.c's ``-save-vocab`` file or fastw2v's own.

    Parameters
    ----------
    path : str or path
    vocab : Vocab
    n_sentences : int
        The count written for word2vec.c's newline token ``</s>`` (its first line; word2vec.c
        counts one per line of the corpus). Not used by the ``tsv`` format.
    fmt : {"word2vec", "tsv"}, optional
        Default: by the file name (:func:`vocab_format_of`).
    """
    fmt = vocab_format_of(path) if fmt is None else check_choice("fmt", fmt, VOCAB_FORMATS)
    if fmt == "tsv":
        vocab.save(path)
        return
    n_sentences = check_int("n_sentences", n_sentences, 0)
    words, counts = vocab.words, vocab.counts.tolist()
    if W2V_SENTENCE_END in vocab:  # a literal "</s>" in the corpus: word2vec.c's newline token
        at = vocab.index[W2V_SENTENCE_END]
        n_sentences += counts[at]
        words, counts = words[:at] + words[at + 1:], counts[:at] + counts[at + 1:]
    write_vocab_file(path, [W2V_SENTENCE_END, *words], [n_sentences, *counts], sep=" ")
