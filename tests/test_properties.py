"""Property-based tests (hypothesis): arbitrary bytes never crash the readers with anything but
fastw2v's documented errors, and what they accept they read consistently.

* the corpus reader, tokenizer and vocabulary builder (``prepare_corpus``): any file either gives a
  token stream that agrees with a plain-Python reference, whatever the chunk size and with or
  without ``max_vocab_size``, or raises :class:`~fastw2v.errors.CorpusError`;
* ``Vocab.from_counts`` orders and filters any counts as documented; ``Vocab.load`` reads any bytes
  or raises :class:`~fastw2v.errors.ModelFormatError`;
* the word2vec reader (``read_word2vec``, text, binary and detected) returns consistent arrays or
  raises ``ModelFormatError``, and the native ``Embeddings.load`` does the same for a damaged
  ``vectors.npy``; writing then reading any words and float32 vectors is exact.

The example counts are sized so that the module runs in about 10 s on one core.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fastw2v.corpus.reader import compression_of
from fastw2v.vectors.embeddings import Embeddings
from fastw2v.errors import CorpusError, ModelFormatError
from fastw2v.corpus.cache import prepare_corpus
from fastw2v.corpus.stream import SENTENCE_END
from fastw2v.corpus.vocab import Vocab
from fastw2v.vectors.word2vec import read_word2vec, write_word2vec

#: Function-scoped fixtures (tmp_path) are fine here: every example writes its own file name.
FIXTURE_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


# ------------------------------------------------------------------------------------------- #
# corpus bytes
# ------------------------------------------------------------------------------------------- #
#: Pieces that hit the tokenizer's special cases: every kind of ASCII whitespace, newline runs,
#: the control bytes the fast path uses as in-band newline markers, invalid UTF-8 (lone
#: continuation bytes, cut multi-byte sequences), a valid U+FFFD (which collides with replaced
#: words), multi-byte characters and non-ASCII spaces (which are not separators).
_PIECES = [b"a", b"b", b"ab", b"the", b" ", b"  ", b"\t", b"\n", b"\n\n", b"\r\n", b"\x0b",
           b"\x0c", b"\x00", b"\x01", b"\x1f", b"\x1c", b"\xff", b"\xfe", b"\x80", b"\xc3",
           b"\xe2\x82", "é".encode(), "€".encode(), "\ufffd".encode(), "\u00a0".encode(),
           "\u2028".encode()]

corpus_bytes = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from(_PIECES), max_size=120).map(b"".join),
    st.lists(st.sampled_from(_PIECES[:8]), max_size=60).map(b"".join),  # mostly words
)

_COMPRESS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}


def _reference(data: bytes):
    """What prepare_corpus(min_count=1) must produce, computed the obvious way."""
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark at the start is skipped
        data = data[3:]
    tokens = data.split()
    counts = Counter(t.decode("utf-8", "replace") for t in tokens)
    vocab = Vocab.from_counts(counts, 1)
    stream = []
    n_sentences = 0
    for line in data.split(b"\n"):
        words = line.split()
        if words:
            n_sentences += 1
            stream += [vocab.index[w.decode("utf-8", "replace")] for w in words]
            stream.append(SENTENCE_END)

    def invalid(t: bytes) -> bool:
        try:
            t.decode("utf-8")
            return False
        except UnicodeDecodeError:
            return True
    n_errors = sum(map(invalid, set(tokens)))
    return vocab, stream, len(tokens), n_sentences, n_errors


def _prepare(path, **kw):
    """prepare_corpus(min_count=1) as comparable plain values, or the CorpusError raised."""
    try:
        pc = prepare_corpus(path, min_count=1, use_cache=False, **kw)
    except CorpusError as exc:
        return exc
    return (pc.vocab, pc.tokens.tolist(), pc.n_raw_tokens, pc.n_sentences, pc.n_decode_errors)


def _check_stream(result) -> None:
    """Invariants of any prepared stream (min_count=1: no token is out of vocabulary)."""
    vocab, stream, n_raw, n_sentences, _ = result
    ids = np.array(stream, dtype=np.int64)
    assert ids.size > 0 and ids[0] != SENTENCE_END and ids[-1] == SENTENCE_END
    assert ids.min() >= SENTENCE_END and ids.max() < len(vocab)
    marker = ids == SENTENCE_END
    assert not np.any(marker[1:] & marker[:-1])  # never two markers in a row
    words = ids[~marker]
    assert words.size == n_raw == vocab.total  # every token kept, each counted once
    assert np.array_equal(np.bincount(words, minlength=len(vocab)), vocab.counts)
    assert np.count_nonzero(marker) == n_sentences


def _assert_as_reference(got, data: bytes) -> None:
    """``got`` (from ``_prepare``) is what the reference says for the plain bytes ``data``."""
    vocab, stream, n_raw, n_sentences, n_errors = _reference(data)
    if n_raw == 0:
        assert isinstance(got, CorpusError) and "no tokens" in str(got)
        return
    assert not isinstance(got, Exception), got
    _check_stream(got)
    assert got == (vocab, stream, n_raw, n_sentences, n_errors)


@settings(max_examples=400, deadline=None, suppress_health_check=FIXTURE_OK)
@given(data=corpus_bytes, chunk=st.integers(1, 9))
@example(data=b"", chunk=1)
@example(data=b" \n\t\r\x0b\x0c", chunk=1)
@example(data=bytes(range(256)), chunk=3)
@example(data=b"\xef\xbb\xbf", chunk=1)  # a byte-order mark alone: no token
@example(data=b"\xef\xbb\xbfa\xef\xbb\xbf b\n", chunk=2)  # only the leading one is skipped
@example(data=b"\x1f\x8b\x08 junk that looks like gzip", chunk=4)
@example(data=b"BZh9 junk that looks like bzip2", chunk=4)
def test_prepare_corpus_on_arbitrary_bytes(tmp_path, data, chunk):
    """Any bytes: the reference result, for every chunk size and both encoders, or CorpusError."""
    path = tmp_path / "corpus.txt"
    path.write_bytes(data)
    big = _prepare(path)
    small = _prepare(path, chunk_bytes=chunk)  # tokens and newlines cut across reads
    pruned = _prepare(path, max_vocab_size=10**6)  # the two-pass encoder
    if compression_of(path) is not None:
        # Random bytes after a magic number are corrupt compressed data.
        for res in (big, small, pruned):
            assert isinstance(res, CorpusError) and "corrupt or truncated" in str(res), res
        return
    _assert_as_reference(big, data)
    if not isinstance(big, CorpusError):
        assert small == big
        assert pruned == big


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURE_OK)
@given(data=corpus_bytes, kind=st.sampled_from(sorted(_COMPRESS)),
       cut=st.one_of(st.none(), st.floats(0.0, 1.0, exclude_max=True)))
def test_compressed_corpus_whole_or_truncated(tmp_path, data, kind, cut):
    """A compressed corpus reads as its content; cut short it raises CorpusError (or, cut to
    fewer bytes than the magic number, it is plain bytes)."""
    packed = _COMPRESS[kind](data)
    if cut is not None:
        packed = packed[:int(cut * len(packed))]
    path = tmp_path / "corpus.txt"  # no telling suffix: the magic bytes decide
    path.write_bytes(packed)
    got = _prepare(path, chunk_bytes=7)
    if compression_of(path) is None:
        _assert_as_reference(got, packed)
    elif cut is not None:
        assert isinstance(got, CorpusError) and "corrupt or truncated" in str(got), got
    else:
        _assert_as_reference(got, data)


# ------------------------------------------------------------------------------------------- #
# vocabulary
# ------------------------------------------------------------------------------------------- #
_word = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=" \t\n\r\x0b\x0c"),
                min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(counts=st.dictionaries(_word, st.integers(-3, 40), max_size=30),
       min_count=st.integers(1, 12), max_vocab_size=st.none() | st.integers(1, 30))
def test_vocab_from_counts(counts, min_count, max_vocab_size):
    vocab = Vocab.from_counts(counts, min_count, max_vocab_size)
    kept = sorted(((w, c) for w, c in counts.items() if c >= min_count),
                  key=lambda wc: (-wc[1], wc[0]))
    if max_vocab_size is not None:
        kept = kept[:max_vocab_size]
    assert vocab.words == [w for w, _ in kept]
    assert vocab.counts.tolist() == [c for _, c in kept]
    assert vocab.counts.dtype == np.int64
    assert all(vocab.index[w] == i for i, w in enumerate(vocab.words))
    # descending counts, ties in ascending code-point order of the words
    for (w1, c1), (w2, c2) in zip(kept, kept[1:]):
        assert c1 > c2 or (c1 == c2 and w1 < w2)
    assert all(c >= min_count for c in vocab.counts.tolist())


@settings(max_examples=50, deadline=None)
@given(counts=st.dictionaries(_word, st.integers(1, 5), max_size=5),
       bad=st.sampled_from([" a", "a\tb", "x\n", "\r", "a\x0bb", "\x0c"]))
def test_vocab_rejects_words_with_whitespace(counts, bad):
    with pytest.raises(ValueError, match="whitespace"):
        Vocab.from_counts({**counts, bad: 5}, 1)


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURE_OK)
@given(data=st.one_of(
    st.binary(max_size=200),
    st.lists(st.tuples(st.sampled_from([b"a", b"b", b"", b"a b", b"\xff", "é".encode()]),
                       st.sampled_from([b"\t", b"", b"\t\t", b" "]),
                       st.sampled_from([b"1", b"0", b"-1", b"x", b"", b"99999999999999999999",
                                        b"9" * 5000, "١".encode()])),
             max_size=6).map(lambda rows: b"".join(w + s + c + b"\n" for w, s, c in rows))))
def test_vocab_load_arbitrary_bytes(tmp_path, data):
    path = tmp_path / "vocab.tsv"
    path.write_bytes(data)
    try:
        vocab = Vocab.load(path)
    except ModelFormatError as exc:
        assert str(path) in str(exc)
        return
    vocab.save(tmp_path / "again.tsv")
    assert Vocab.load(tmp_path / "again.tsv") == vocab


# ------------------------------------------------------------------------------------------- #
# word2vec files
# ------------------------------------------------------------------------------------------- #
_HEADER_INT = st.one_of(st.integers(0, 6), st.sampled_from([10**6, 2**40, 10**30]),
                        st.just(-1))
_ROW_BYTES = st.one_of(
    st.binary(max_size=60),
    st.lists(st.sampled_from([b"w", b"\xff", b" ", b"\n", b"1", b"-2.5e3", b"nan", b"x", b"\t",
                              b"\x00\x00\x80?", b"1e999", b"0x1p3"]), max_size=25).map(b"".join),
)
w2v_bytes = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda n, d, body: b"%d %d\n" % (n, d) + body, _HEADER_INT, _HEADER_INT,
              _ROW_BYTES),
)


def _declared(data: bytes):
    first = data.split(b"\n", 1)[0].split()
    return int(first[0]), int(first[1])


@settings(max_examples=1000, deadline=None, suppress_health_check=FIXTURE_OK)
@given(data=w2v_bytes, binary=st.sampled_from([None, False, True]),
       limit=st.none() | st.integers(0, 3))
@example(data=b"99999999999999 5\nx 1 2 3 4 5\n", binary=False, limit=None)
@example(data=b"99999999999999 5\nx 1 2 3 4 5\n", binary=True, limit=None)
@example(data=b"1 99999999999999\nx 1 2 3 4 5\n", binary=None, limit=None)
@example(data=b"1 4611686018427387904\nx 1\n", binary=True, limit=0)
def test_read_word2vec_arbitrary_bytes(tmp_path, data, binary, limit):
    path = tmp_path / "vectors.bin"
    path.write_bytes(data)
    try:
        words, vectors = read_word2vec(path, binary=binary, limit=limit)
    except ModelFormatError as exc:
        assert str(path) in str(exc)
        return
    n, dim = _declared(data)
    assert isinstance(vectors, np.ndarray) and vectors.dtype == np.float32
    assert vectors.flags.c_contiguous and vectors.shape == (len(words), dim)
    assert all(isinstance(w, str) and w for w in words)
    assert len(set(words)) == len(words)  # repeated words are dropped
    assert len(words) <= (n if limit is None else min(n, limit))


_float32 = st.floats(width=32)
_rt_word = st.text(st.characters(blacklist_categories=("Cs",),
                                 blacklist_characters=" \t\n\r\x0b\x0c"), min_size=1, max_size=10)


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURE_OK)
@given(words=st.lists(_rt_word, max_size=10, unique=True), dim=st.integers(1, 6),
       binary=st.booleans(), data=st.data())
def test_word2vec_round_trip(tmp_path, words, dim, binary, data):
    """Text keeps every float32 but NaN payloads bit for bit; binary keeps every bit."""
    values = data.draw(st.lists(_float32 if binary else _float32.filter(lambda x: x == x),
                                min_size=len(words) * dim, max_size=len(words) * dim))
    vectors = np.array(values, dtype=np.float32).reshape(len(words), dim)
    path = tmp_path / ("v.bin" if binary else "v.txt")
    write_word2vec(path, words, vectors, binary=binary)
    for mode in (binary, None):
        got_words, got = read_word2vec(path, binary=mode)
        assert got_words == words
        assert got.shape == vectors.shape and got.tobytes() == vectors.tobytes()
    emb = Embeddings.load_word2vec_format(path)
    assert emb.words == words and emb.vectors.tobytes() == vectors.tobytes()


# ------------------------------------------------------------------------------------------- #
# native model directory: a damaged vectors.npy
# ------------------------------------------------------------------------------------------- #
def _flip(data: bytes, flips) -> bytes:
    out = bytearray(data)
    for pos, value in flips:
        out[pos] = value
    return bytes(out)


@settings(max_examples=400, deadline=None, suppress_health_check=FIXTURE_OK)
@given(data=st.data())
def test_native_load_damaged_vectors_file(tmp_path_factory, data):
    model = tmp_path_factory.mktemp("model")
    Embeddings(np.arange(12, dtype=np.float32).reshape(3, 4), ["a", "b", "c"]).save(model)
    good = (model / "vectors.npy").read_bytes()
    header_end = good.index(b"\n") + 1
    damaged = data.draw(st.one_of(
        st.binary(max_size=200),
        st.lists(st.tuples(st.integers(0, header_end - 1), st.integers(0, 255)), min_size=1,
                 max_size=4).map(lambda flips: _flip(good, flips)),
        st.builds(lambda a, b: good[:a] + b, st.integers(0, len(good)), st.binary(max_size=20)),
        st.builds(lambda shape, tail: re.sub(rb"\(3, 4\), }\s*", b"%b, }" % shape, good[:header_end])
                  .ljust(header_end - 1) + b"\n" + tail,
                  st.sampled_from([b"(3, 4)", b"(4, 4)", b"(3, 5)", b"(3000000000000, 4)", b"(3,)",
                                   b"(-1, 4)", b"()", b"(3, 4, 1)", b"'x'"]),
                  st.sampled_from([good[header_end:], good[header_end:-1], b""]))))
    (model / "vectors.npy").write_bytes(damaged)
    for mmap_mode in (None, "r"):
        try:
            emb = Embeddings.load(model, mmap_mode=mmap_mode)
        except ModelFormatError as exc:
            assert "vectors.npy" in str(exc) or str(model) in str(exc)
            continue
        assert emb.vectors.shape == (3, 4) and emb.vectors.dtype == np.float32
        del emb
