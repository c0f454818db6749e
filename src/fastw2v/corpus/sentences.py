"""Sentences given in memory, streamed into the int32 token stream without being held as objects.

What is accepted as ``sentences`` (:func:`fastw2v.train`, :class:`fastw2v.Word2Vec`):

* **token lists**: an iterable of sentences, each a list (or tuple, or any iterable) of ``str``
  tokens -- what gensim calls ``sentences``/``corpus_iterable``: a list, or an object whose
  ``__iter__`` yields them afresh on every call (a "restartable iterable", e.g. a class reading
  a file line by line). Tokens are taken as they are: no splitting, lower-casing or BOM handling.
  A token must be a non-empty ``str`` without ASCII whitespace (space, ``\\t``, ``\\n``, ``\\r``,
  ``\\v``, ``\\f``: the separators of the corpus format, :mod:`fastw2v.corpus.reader`), because a
  vector file could not store it; a token breaking this rule is an error naming it. Split lines
  with :func:`fastw2v.corpus.reader.tokenize`, not ``str.split()``, to get exactly the tokens the
  file reader finds (``str.split`` also splits on U+00A0, U+3000 and other non-ASCII spaces).
* **a text stream**: ``io.StringIO``, ``open(path)`` in text or binary mode, ``io.BytesIO``:
  anything with a ``read`` method. Its text is copied once to a temporary file and read by the
  corpus reader itself, so it is tokenised exactly as a corpus file (one sentence per line, ASCII
  whitespace between tokens, a leading BOM skipped).

Reading happens once per call, in bounded memory: sentences are gathered in batches of
:data:`BATCH_TOKENS` tokens, each token gets a provisional id (first-seen order) that is written to
a temporary file and counted; once the vocabulary is known the file is rewritten in place with the
final ids (out-of-vocabulary tokens dropped, :data:`fastw2v.corpus.stream.SENTENCE_END` after each
sentence), as :mod:`fastw2v.corpus.stream` does for a file. Only the distinct words are held in
memory, as when counting a file. The temporary file is removed when the token array is garbage
collected.

A **one-shot iterator** (a generator, ``iter(list)``, ``map(...)``) can be read only once. It is
accepted wherever one pass is enough -- the pass writes it to disk, which is the buffer every later
step reads -- and :func:`is_one_shot` lets callers that would need a second pass say so clearly.
With ``max_vocab_size`` the words are counted with pruning first and encoded in a second pass (as
for a file), so token lists must then be re-iterable.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import tempfile
import weakref
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Dict, Iterable, Iterator, List, Optional, Tuple

import numpy as np

from ..base.paths import PathLike
from ..base.validate import check_int
from ..errors import CorpusError
from . import reader as _reader
from .cache import PreparedCorpus
from .stream import (SENTENCE_END, TOKEN_DTYPE, _Compactor, _LineCounter, _OOV, _no_word_error,
                     _remap_in_place, encode_corpus, open_tokens, scan_tokens)
from .vocab import Vocab

logger = logging.getLogger("fastw2v")

#: Tokens gathered before their ids are looked up and written: 512 KiB of int32 ids and a list of
#: 128k references, so memory stays bounded whatever the corpus, while the per-batch overhead
#: (one ``np.fromiter``, one ``bincount``, one write) stays negligible.
BATCH_TOKENS = 1 << 17

#: Characters read from a text stream per step when it is copied to a temporary file.
STREAM_CHUNK = 1 << 20

#: Stands for the end of a sentence among the tokens of a batch. It is ``bytes``, so it can never
#: be equal to a ``str`` token.
_END = _reader.NEWLINE_TOKEN

#: The corpus separators (ASCII whitespace), which a token may not contain.
_SEPARATOR = re.compile(r"[ \t\n\r\x0b\x0c]")

#: How a set of sentences is named in messages.
SENTENCES_NAME = "the sentences"

__all__ = ["BATCH_TOKENS", "EncodedStream", "SentenceCounts", "build_sentence_vocab",
           "encode_sentences", "encode_text_file", "is_one_shot", "is_text_stream",
           "prepare_sentences", "read_sentences"]


# --------------------------------------------------------------------------------------------
# What the input is
# --------------------------------------------------------------------------------------------

def is_path(obj: Any) -> bool:
    """True for a file name (``str``, ``bytes``, ``os.PathLike``): a corpus file, not sentences."""
    return isinstance(obj, (str, bytes, os.PathLike))


def is_text_stream(obj: Any) -> bool:
    """True for a readable stream (``StringIO``, ``BytesIO``, an open file): it is read as text."""
    return callable(getattr(obj, "read", None)) and not is_path(obj)


def is_one_shot(obj: Any) -> bool:
    """True when ``obj`` can be iterated only once (a generator or another iterator), or is a
    stream (read once too)."""
    if is_text_stream(obj):
        return True
    try:
        return iter(obj) is obj
    except TypeError:
        return False


def check_sentences(obj: Any) -> None:
    """Raise ``TypeError`` with a hint unless ``obj`` is something :func:`read_sentences` reads."""
    if is_path(obj):
        raise TypeError(f"sentences must be token lists or a text stream; got a path-like "
                        f"{type(obj).__name__}: pass a file as corpus_file= (Word2Vec) or as "
                        f"the corpus argument of fastw2v.train")
    if is_text_stream(obj):
        return
    try:
        iter(obj)
    except TypeError:
        raise TypeError(f"sentences must be an iterable of token lists (a list of lists of str, "
                        f"or an object with __iter__) or a text stream, got "
                        f"{type(obj).__name__}") from None


def _sentence_error(i: int, sentence: Any) -> TypeError:
    if isinstance(sentence, (str, bytes)):
        shown = sentence[:40]
        return TypeError(f"sentence #{i} is a {type(sentence).__name__} ({shown!r}), not a list "
                         f"of tokens: split it first, e.g. with "
                         f"fastw2v.corpus.reader.tokenize(line)")
    return TypeError(f"sentence #{i} is a {type(sentence).__name__}, not a list of str tokens")


def _batches(sentences: Iterable, batch_tokens: int) -> Iterator[Tuple[List[Any], int]]:
    """Yield ``(tokens, n_sentences)``: the tokens of consecutive sentences, each sentence
    followed by :data:`_END`, in lists of about ``batch_tokens`` tokens."""
    batch: List[Any] = []
    n = 0
    i = -1
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)):
            raise _sentence_error(i, sentence)
        try:
            batch.extend(sentence)
        except TypeError:
            raise _sentence_error(i, sentence) from None
        batch.append(_END)
        n += 1
        if len(batch) >= batch_tokens:
            yield batch, n
            batch, n = [], 0
    if batch:
        yield batch, n


def _check_tokens(words: List[Any]) -> None:
    """Every distinct token must be a non-empty ``str`` without ASCII whitespace."""
    bad = next((w for w in words if not isinstance(w, str)), None)
    if bad is not None:
        raise TypeError(f"tokens must be str, got {type(bad).__name__} {bad!r}")
    if "" in words:
        raise CorpusError("the empty string is not a token (a sentence holds '')")
    # One search of the joined words ("\x00" is no separator); the culprit only if one is found.
    if _SEPARATOR.search("\x00".join(words)):
        w = next(w for w in words if _SEPARATOR.search(w))
        raise CorpusError(f"token {w!r} contains whitespace; tokens are separated by ASCII "
                          f"whitespace in every corpus and vector file, so it cannot be stored: "
                          f"split it or join its parts (e.g. with '_')")


def _ids(mapped: Iterator[int], batch: List[Any]) -> np.ndarray:
    """``np.fromiter`` of the ids ``mapped`` yields for ``batch``, with a clear error for an
    unhashable token."""
    try:
        return np.fromiter(mapped, dtype=TOKEN_DTYPE, count=len(batch))
    except TypeError:
        bad = next(t for t in batch if not _hashable(t))
        raise TypeError(f"tokens must be str, got {type(bad).__name__} {bad!r} (sentences must "
                        f"be lists of str tokens)") from None


def _hashable(x: Any) -> bool:
    try:
        hash(x)
        return True
    except TypeError:
        return False


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

@dataclass
class EncodedStream:
    """A token stream written from sentences.

    Attributes
    ----------
    tokens : numpy.memmap of int32
        Vocabulary ids and ``SENTENCE_END`` markers (read-only). Its temporary file is removed when
        the array (and every view of it) is garbage collected.
    path : Path
        The temporary file.
    n_raw_tokens : int
        Every token read, out-of-vocabulary ones included.
    n_sentences : int
        Sentences (lines of a stream) holding at least one token.
    """

    tokens: np.memmap
    path: Path
    n_raw_tokens: int
    n_sentences: int


@dataclass
class SentenceCounts:
    """What one pass over sentences found (:func:`read_sentences`).

    Attributes
    ----------
    counts : dict of str to int
        Occurrences of every word (after ``max_vocab_size`` pruning).
    n_raw_tokens, n_sentences : int
        Tokens, and sentences holding at least one token.
    prune_threshold : int
        0 unless ``max_vocab_size`` pruned words (see :class:`fastw2v.corpus.reader.CorpusCounts`).
    buffer : object or None
        What the pass wrote to disk, from which :meth:`encode` builds the stream without reading
        the sentences again; None when a second pass over them is needed (token lists with
        ``max_vocab_size``).
    """

    counts: Dict[str, int]
    n_raw_tokens: int
    n_sentences: int
    prune_threshold: int = 0
    buffer: Optional["_Buffer"] = None

    def encode(self, vocab: Vocab) -> EncodedStream:
        """The token stream of the sentences read, with ``vocab``'s ids (once: the buffer is
        consumed)."""
        if self.buffer is None:
            raise RuntimeError("these sentences were not buffered; read them again with "
                               "encode_sentences")
        buffer, self.buffer = self.buffer, None
        return buffer.encode(vocab)

    def discard(self) -> None:
        """Remove the buffer's temporary file now."""
        if self.buffer is not None:
            self.buffer.discard()
            self.buffer = None


class _Buffer:
    """Base of the on-disk buffers of a pass."""

    path: Path

    def encode(self, vocab: Vocab) -> EncodedStream:  # pragma: no cover - abstract
        raise NotImplementedError

    def discard(self) -> None:
        _unlink_quietly(self.path)


class _IdsBuffer(_Buffer):
    """Provisional ids (first-seen order, 0 = end of sentence) of every token, on disk."""

    def __init__(self, path: Path, n_ids: int, words: List[str], word_ids: np.ndarray,
                 n_provisional: int, n_raw: int) -> None:
        self.path, self.n_ids, self.words, self.word_ids = path, n_ids, words, word_ids
        self.n_provisional, self.n_raw = n_provisional, n_raw

    def encode(self, vocab: Vocab) -> EncodedStream:
        lut = np.full(self.n_provisional, _OOV, dtype=TOKEN_DTYPE)
        lut[0] = SENTENCE_END
        lut[self.word_ids] = np.fromiter(map(vocab.index.get, self.words, itertools.repeat(_OOV)),
                                         dtype=TOKEN_DTYPE, count=len(self.words))
        try:
            with open(self.path, "r+b") as fh:
                _, n_sentences = _remap_in_place(fh, self.n_ids, lut)
            tokens = open_tokens(self.path)
        except BaseException:
            self.discard()
            raise
        weakref.finalize(tokens, _unlink_quietly, self.path)
        return EncodedStream(tokens, self.path, self.n_raw, n_sentences)


class _TextBuffer(_Buffer):
    """A stream's text copied to a temporary file: encoded by the corpus reader."""

    def __init__(self, path: Path, tmp_dir: Optional[PathLike]) -> None:
        self.path, self.tmp_dir = path, tmp_dir

    def encode(self, vocab: Vocab) -> EncodedStream:
        try:
            return encode_text_file(self.path, vocab, self.tmp_dir)
        finally:
            self.discard()


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _temp_file(tmp_dir: Optional[PathLike], suffix: str) -> Tuple[BinaryIO, Path]:
    directory = tmp_dir if tmp_dir is not None else tempfile.gettempdir()
    fd, name = tempfile.mkstemp(prefix="fastw2v-sentences-", suffix=suffix, dir=directory)
    return os.fdopen(fd, "w+b"), Path(name)


# --------------------------------------------------------------------------------------------
# Streams: copied once, then read as a corpus file
# --------------------------------------------------------------------------------------------

def _spool(stream: Any, tmp_dir: Optional[PathLike]) -> Path:
    """Copy a text or binary stream to a temporary file (UTF-8) and return its path."""
    fh, path = _temp_file(tmp_dir, ".txt")
    try:
        with fh:
            while True:
                piece = stream.read(STREAM_CHUNK)
                if not piece:
                    break
                if isinstance(piece, str):
                    try:
                        piece = piece.encode("utf-8", "surrogateescape")
                    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
                        piece = piece.encode("utf-8", "replace")
                fh.write(piece)
    except BaseException:
        _unlink_quietly(path)
        raise
    return path


def encode_text_file(path: PathLike, vocab: Vocab,
                     tmp_dir: Optional[PathLike] = None) -> EncodedStream:
    """Encode a corpus file with a known vocabulary into a temporary token stream (no cache), with
    its raw token and sentence counts."""
    path = Path(path)
    fh, out = _temp_file(tmp_dir, ".tokens.i32")
    try:
        with fh:
            encode_corpus(path, vocab, fh)
        tokens = open_tokens(out)
    except BaseException:
        _unlink_quietly(out)
        raise
    weakref.finalize(tokens, _unlink_quietly, out)
    n_raw, n_sentences = _raw_counts(path)
    return EncodedStream(tokens, out, n_raw, n_sentences)


def _raw_counts(path: Path) -> Tuple[int, int]:
    """Tokens and non-empty lines of a text file (what the corpus reader counts)."""
    n_tokens = n_lines = 0
    in_line = False
    with contextlib.closing(_reader.iter_blocks(path)) as blocks:
        for block in blocks:
            ended, in_line = _reader.count_line_ends(block, in_line)
            n_lines += ended
            n_tokens += len(block.split())
    return n_tokens, n_lines + int(in_line)


# --------------------------------------------------------------------------------------------
# Token lists
# --------------------------------------------------------------------------------------------

def _first_pass(sentences: Iterable, out: BinaryIO, out_path: Path) -> SentenceCounts:
    """Write the provisional id of every token to ``out`` and count them (no pruning)."""
    next_id = itertools.count(1)
    ids_of: Dict[Any, int] = defaultdict(next_id.__next__)
    ids_of[_END] = 0
    counts = np.zeros(1 << 16, dtype=np.int64)
    lines = _LineCounter(0)
    n_ids = n_raw = 0
    for batch, n in _batches(sentences, BATCH_TOKENS):
        ids = _ids(map(ids_of.__getitem__, batch), batch)
        binc = np.bincount(ids)
        if binc.size > counts.size:
            counts = np.concatenate([counts, np.zeros(max(binc.size, 2 * counts.size)
                                                      - counts.size, dtype=np.int64)])
        counts[:binc.size] += binc
        lines.feed(ids)
        out.write(ids.tobytes())
        n_ids += ids.size
        n_raw += ids.size - n
    words = list(ids_of)[1:]
    del ids_of
    _check_tokens(words)
    n_provisional = len(words) + 1
    word_counts = dict(zip(words, counts[1:n_provisional].tolist()))
    word_ids = np.arange(1, n_provisional, dtype=np.int64)
    buffer = _IdsBuffer(out_path, n_ids, words, word_ids, n_provisional, n_raw)
    return SentenceCounts(word_counts, n_raw, lines.finish(), buffer=buffer)


def _count_pruned(sentences: Iterable, max_vocab_size: int) -> SentenceCounts:
    """Count with ``max_vocab_size`` pruning (word2vec.c's scheme, as for a file)."""
    counter: Dict[Any, int] = {}
    threshold = 0
    n_raw = n_sentences = 0
    for batch, _ in _batches(sentences, max_vocab_size):
        tokens = [t for t in batch if t is not _END]
        n_raw += len(tokens)
        n_sentences += _non_empty_sentences(batch)
        for t in tokens:
            try:
                counter[t] = counter.get(t, 0) + 1
            except TypeError:
                raise TypeError(f"tokens must be str, got {type(t).__name__} {t!r}") from None
        if len(counter) > max_vocab_size:
            counter, threshold = _reader.prune_counts(counter, max_vocab_size, threshold)
    if threshold:
        counter = {w: c for w, c in counter.items() if c > threshold}
    _check_tokens(list(counter))
    return SentenceCounts(dict(counter), n_raw, n_sentences, threshold)


def _non_empty_sentences(batch: List[Any]) -> int:
    n = 0
    prev_end = True
    for t in batch:
        if t is _END:
            n += not prev_end
            prev_end = True
        else:
            prev_end = False
    return n


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------

def read_sentences(sentences: Any, *, max_vocab_size: Optional[int] = None,
                   tmp_dir: Optional[PathLike] = None) -> SentenceCounts:
    """Read sentences once: count their words and, when possible, buffer them on disk.

    Parameters
    ----------
    sentences : iterable of token lists, or a text stream
        See the module docstring.
    max_vocab_size : int, optional
        Prune the rarest words while counting whenever more are held (as for a file). Token lists
        are then not buffered (:meth:`SentenceCounts.encode` is unavailable) and must be
        re-iterable, since encoding reads them a second time.
    tmp_dir : str or path, optional
        Where temporary files go (default: the system's temporary directory).

    Returns
    -------
    SentenceCounts

    Raises
    ------
    TypeError
        ``sentences`` is not token lists or a stream, a sentence is a string, or a token is not a
        ``str``.
    CorpusError
        No token at all, or a token is empty or contains ASCII whitespace.
    """
    check_sentences(sentences)
    max_vocab_size = check_int("max_vocab_size", max_vocab_size, 1, allow_none=True)
    if is_text_stream(sentences):
        path = _spool(sentences, tmp_dir)
        try:
            cc = _reader.count_words(path, max_vocab_size=max_vocab_size)
        except CorpusError as exc:
            _unlink_quietly(path)
            raise CorpusError(str(exc).replace(f"corpus file {path}", "the text stream")
                              .replace(str(path), "the text stream")) from None
        except BaseException:
            _unlink_quietly(path)
            raise
        return SentenceCounts(cc.counts, cc.n_tokens, cc.n_sentences, cc.prune_threshold,
                              buffer=_TextBuffer(path, tmp_dir))
    if max_vocab_size is not None:
        if is_one_shot(sentences):
            raise TypeError("max_vocab_size needs two passes over the sentences (count with "
                            "pruning, then encode) but a generator or iterator can be read only "
                            "once: pass a list or an object with __iter__, or a text file")
        result = _count_pruned(sentences, max_vocab_size)
    else:
        fh, path = _temp_file(tmp_dir, ".tokens.i32")
        try:
            with fh:
                result = _first_pass(sentences, fh, path)
        except BaseException:
            _unlink_quietly(path)
            raise
    if result.n_raw_tokens == 0:
        result.discard()
        raise CorpusError(f"{SENTENCES_NAME} contain no token (an empty list, empty sentences, "
                          f"or a generator that was already used up?)")
    return result


def encode_sentences(sentences: Any, vocab: Vocab, *,
                     tmp_dir: Optional[PathLike] = None) -> EncodedStream:
    """Encode sentences with a known vocabulary (one pass; other tokens are dropped).

    Raises as :func:`read_sentences`; a CorpusError also when nothing at all was read.
    """
    check_sentences(sentences)
    if is_text_stream(sentences):
        path = _spool(sentences, tmp_dir)
        try:
            return encode_text_file(path, vocab, tmp_dir)
        finally:
            _unlink_quietly(path)
    lookup: Dict[Any, int] = {w: i for i, w in enumerate(vocab.words)}
    lookup[_END] = SENTENCE_END
    fh, path = _temp_file(tmp_dir, ".tokens.i32")
    compactor = _Compactor()
    lines = _LineCounter(SENTENCE_END)
    n_raw = 0
    try:
        with fh:
            for batch, n in _batches(sentences, BATCH_TOKENS):
                ids = _ids(map(lookup.get, batch, itertools.repeat(_OOV)), batch)
                n_raw += len(batch) - n
                lines.feed(ids)
                fh.write(compactor.feed(ids).tobytes())
            fh.write(compactor.finish().tobytes())
        tokens = open_tokens(path) if os.path.getsize(path) else np.zeros(0, TOKEN_DTYPE)
    except BaseException:
        _unlink_quietly(path)
        raise
    if isinstance(tokens, np.memmap):
        weakref.finalize(tokens, _unlink_quietly, path)
    else:
        _unlink_quietly(path)
    return EncodedStream(tokens, path, n_raw, lines.finish())


def build_sentence_vocab(counts: Dict[str, int], min_count: int,
                         max_vocab_size: Optional[int] = None, *, prune_threshold: int = 0,
                         name: str = SENTENCES_NAME) -> Vocab:
    """The vocabulary of counted words (as for a file); ``CorpusError`` naming ``name`` when no
    word reaches ``min_count``."""
    vocab = Vocab.from_counts(counts, min_count, max_vocab_size)
    if len(vocab) == 0:
        raise _no_word_error(name, counts, min_count, prune_threshold)
    return vocab


def prepare_sentences(sentences: Any, *, min_count: int = 5,
                      max_vocab_size: Optional[int] = None,
                      tmp_dir: Optional[PathLike] = None) -> PreparedCorpus:
    """Count sentences, build the vocabulary and encode them: :func:`fastw2v.train`'s input.

    The counterpart of :func:`fastw2v.corpus.cache.prepare_corpus` for sentences in memory (no
    cache: the stream is a temporary file). Raises as :func:`read_sentences`, and
    ``CorpusError`` when no word occurs ``min_count`` times.
    """
    min_count = check_int("min_count", min_count, 1)
    counts = read_sentences(sentences, max_vocab_size=max_vocab_size, tmp_dir=tmp_dir)
    try:
        vocab = build_sentence_vocab(counts.counts, min_count, max_vocab_size,
                                     prune_threshold=counts.prune_threshold)
        if counts.buffer is not None:
            encoded = counts.encode(vocab)
        else:
            encoded = encode_sentences(sentences, vocab, tmp_dir=tmp_dir)
    finally:
        counts.discard()
    logger.info("prepared %s: %d tokens, %d sentences, %d words with count >= %d, %d ids in "
                "the stream", SENTENCES_NAME, counts.n_raw_tokens, counts.n_sentences,
                len(vocab), min_count, len(encoded.tokens))
    return PreparedCorpus(vocab=vocab, tokens=encoded.tokens, n_raw_tokens=counts.n_raw_tokens,
                          n_sentences=counts.n_sentences, tokens_path=encoded.path,
                          from_cache=False, corpus_path=None,
                          tokens_sha256=scan_tokens(encoded.path, len(vocab)))
