"""word2vec.c text/binary formats: round trips, tolerance of variants, errors, gensim interop."""
from __future__ import annotations

import logging
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastw2v.vectors.embeddings import Embeddings
from fastw2v.errors import ModelFormatError
from fastw2v.vectors.word2vec import is_binary_word2vec, read_word2vec, write_word2vec
from work import assert_linear, python_lines

WORDS = ["the", "of", "café", "日本", "naïve", "x"]


def _vectors(n=len(WORDS), dim=7, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, dim)).astype(np.float32)
    # values that are hard to print: tiny, huge, negative zero, subnormal, many digits
    v[0, :5] = [1e-38, -3.4028235e38, -0.0, 1.4e-45, 0.1]
    return v


def _binary_bytes(words, vectors, newline=True):
    out = [f"{len(words)} {vectors.shape[1]}\n".encode()]
    for w, row in zip(words, vectors):
        end = b"\n" if newline else b""
        out.append(w.encode("utf-8") + b" " + row.astype("<f4").tobytes() + end)
    return b"".join(out)


# ------------------------------------------------------------------------------------------- #
# round trips
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("binary", [False, True])
def test_round_trip_is_bit_exact(tmp_path, binary):
    vec = _vectors()
    path = tmp_path / ("v.bin" if binary else "v.txt")
    write_word2vec(path, WORDS, vec, binary=binary)
    words, got = read_word2vec(path, binary=binary)
    assert words == WORDS
    assert got.dtype == np.float32 and got.flags.c_contiguous
    assert got.tobytes() == vec.tobytes()  # bitwise, including -0.0 and the subnormal


@pytest.mark.parametrize("binary", [False, True])
def test_auto_detects_format(tmp_path, binary):
    vec = _vectors()
    path = tmp_path / "v"
    write_word2vec(path, WORDS, vec, binary=binary)
    assert is_binary_word2vec(path) is binary
    words, got = read_word2vec(path)  # binary=None
    assert words == WORDS and np.array_equal(got, vec)


def test_auto_detect_small_dim_binary(tmp_path):
    # with dim 1 a binary row is short; detection must still not call it text
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(50)]
    vec = rng.standard_normal((50, 1)).astype(np.float32)
    path = tmp_path / "v.bin"
    write_word2vec(path, words, vec, binary=True)
    assert is_binary_word2vec(path)
    assert np.array_equal(read_word2vec(path)[1], vec)


def test_file_layout_matches_word2vec_c(tmp_path):
    vec = np.array([[1.0, -2.5], [0.125, 3.0]], dtype=np.float32)
    write_word2vec(tmp_path / "v.bin", ["a", "bé"], vec, binary=True)
    assert (tmp_path / "v.bin").read_bytes() == _binary_bytes(["a", "bé"], vec)
    write_word2vec(tmp_path / "v.txt", ["a", "bé"], vec)
    assert (tmp_path / "v.txt").read_text("utf-8") == "2 2\na 1 -2.5\nbé 0.125 3\n"


def test_binary_without_trailing_newlines(tmp_path):
    vec = _vectors()
    path = tmp_path / "v.bin"
    path.write_bytes(_binary_bytes(WORDS, vec, newline=False))
    for binary in (True, None):
        words, got = read_word2vec(path, binary=binary)
        assert words == WORDS and np.array_equal(got, vec)


def test_text_written_by_word2vec_c_style(tmp_path):
    # word2vec.c writes "%lf " after every value (trailing space); CRLF and blank tail tolerated
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 3\r\nfoo 0.100000 -1.000000 2.500000 \r\nbar 1e-3 4 5 \r\n\n")
    words, got = read_word2vec(path)
    assert words == ["foo", "bar"]
    assert np.array_equal(got, np.array([[0.1, -1, 2.5], [1e-3, 4, 5]], dtype=np.float32))


@pytest.mark.parametrize("binary", [False, True])
def test_limit_reads_first_rows(tmp_path, binary):
    vec = _vectors()
    path = tmp_path / "v"
    write_word2vec(path, WORDS, vec, binary=binary)
    words, got = read_word2vec(path, limit=2)
    assert words == WORDS[:2] and np.array_equal(got, vec[:2])
    words, got = read_word2vec(path, limit=100)
    assert words == WORDS
    assert read_word2vec(path, limit=0)[1].shape == (0, vec.shape[1])
    with pytest.raises(ValueError, match="limit must be None or an integer >= 0, got -1"):
        read_word2vec(path, limit=-1)


def test_limit_does_not_need_rest_of_file(tmp_path):
    vec = _vectors()
    data = _binary_bytes(WORDS, vec)
    path = tmp_path / "v.bin"
    path.write_bytes(data[: len(data) - 5])  # last row truncated
    words, _ = read_word2vec(path, binary=True, limit=3)
    assert words == WORDS[:3]
    with pytest.raises(ModelFormatError, match=r"v\.bin: row 6 .*truncated file"):
        read_word2vec(path, binary=True)


@pytest.mark.parametrize("binary", [False, True])
def test_empty_vocabulary(tmp_path, binary):
    path = tmp_path / "v"
    write_word2vec(path, [], np.zeros((0, 4), np.float32), binary=binary)
    words, got = read_word2vec(path)
    assert words == [] and got.shape == (0, 4)


@pytest.mark.parametrize("binary", [False, True])
def test_duplicate_words_keep_first(tmp_path, binary, caplog):
    vec = _vectors(3)
    path = tmp_path / "v"
    if binary:
        path.write_bytes(_binary_bytes(["a", "b", "a"], vec))
    else:
        path.write_text("3 7\n" + "".join(f"{w} " + " ".join("%.9g" % x for x in r) + "\n"
                                           for w, r in zip(["a", "b", "a"], vec)))
    with caplog.at_level(logging.WARNING, logger="fastw2v"):
        words, got = read_word2vec(path)
    assert words == ["a", "b"] and np.array_equal(got, vec[:2])
    assert "repeats the word 'a'" in caplog.text


def test_extra_rows_are_ignored_with_warning(tmp_path, caplog):
    path = tmp_path / "v.txt"
    path.write_text("1 2\na 1 2\nb 3 4\n")
    with caplog.at_level(logging.WARNING, logger="fastw2v"):
        words, _ = read_word2vec(path)
    assert words == ["a"] and "ignored" in caplog.text


def test_invalid_utf8_word(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(b"1 2\nab\xff " + np.ones(2, "<f4").tobytes() + b"\n")
    with pytest.raises(ModelFormatError,
                       match=r"row 1 .*UTF-8.*; pass unicode_errors='replace' to accept it"):
        read_word2vec(path, binary=True)
    words, _ = read_word2vec(path, binary=True, unicode_errors="replace")
    assert words == ["ab\ufffd"]


# ------------------------------------------------------------------------------------------- #
# errors
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("content", [b"", b"hello world\n", b"3\n", b"3 4 5\n", b"-1 3\n",
                                     b"3 0\n", b"3 x\n", b"12 100" * 300])
@pytest.mark.parametrize("binary", [False, True, None])
def test_bad_header(tmp_path, content, binary):
    path = tmp_path / "bad.vec"
    path.write_bytes(content)
    with pytest.raises(ModelFormatError, match=r"bad\.vec.*(header|empty)"):
        read_word2vec(path, binary=binary)


def test_binary_truncated_inside_vector(tmp_path):
    vec = _vectors()
    data = _binary_bytes(WORDS, vec)
    path = tmp_path / "t.bin"
    path.write_bytes(data[:-10])
    with pytest.raises(ModelFormatError, match=r"t\.bin: row 6 \(byte offset \d+\): truncated"):
        read_word2vec(path, binary=True)


def test_binary_fewer_rows_than_header(tmp_path):
    vec = _vectors()
    data = _binary_bytes(WORDS, vec).replace(b"6 7\n", b"9 7\n", 1)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    with pytest.raises(ModelFormatError, match=r"f\.bin: fewer rows .* after 6 of 9 rows"):
        read_word2vec(path, binary=True)


def test_binary_missing_space(tmp_path):
    path = tmp_path / "m.bin"
    path.write_bytes(b"1 2\n" + b"x" * 70000)
    with pytest.raises(ModelFormatError, match=r"m\.bin: row 1 \(byte offset 4\): no space"):
        read_word2vec(path, binary=True)


def test_text_fewer_rows_than_header(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("3 2\na 1 2\nb 3 4\n")
    with pytest.raises(ModelFormatError, match=r"f\.txt: fewer rows .* after 2 of 3 rows"):
        read_word2vec(path, binary=False)


def test_text_wrong_value_count(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("3 2\na 1 2\nb 3 4 5\nc 1 1\n")
    with pytest.raises(ModelFormatError, match=r"w\.txt: row 2 \(line 3, word 'b'\): expected 2 "
                                               r"values, found 3"):
        read_word2vec(path)


def test_text_truncated_row(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("2 3\na 1 2 3\nb 3 4")
    with pytest.raises(ModelFormatError, match=r"row 2 \(line 3.*found 2 \(truncated"):
        read_word2vec(path)


def test_text_non_numeric(tmp_path):
    path = tmp_path / "n.txt"
    path.write_text("2 2\na 1 2\nb 3 abc\n")
    with pytest.raises(ModelFormatError, match=r"n\.txt: row 2 \(line 3, word 'b'\): non-numeric "
                                               r"value b?'abc'"):
        read_word2vec(path)


def test_text_empty_row(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("2 2\na 1 2\n\nb 3 4\n")
    with pytest.raises(ModelFormatError, match=r"e\.txt: row 2 \(line 3\) is empty"):
        read_word2vec(path, binary=False)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.bin"):
        read_word2vec(tmp_path / "nope.bin")


@pytest.mark.parametrize("word, match", [
    ("a b", "word #1 'a b' contains whitespace"),
    ("a\tb", r"word #1 'a\\tb' contains whitespace"),
    ("new\nline", r"word #1 'new\\nline' contains whitespace"),
    ("", "word #1 is empty; word2vec files cannot store an empty word"),
    ("cr\r", r"word #1 'cr\\r' contains whitespace"),
])
def test_write_rejects_unrepresentable_words(tmp_path, word, match):
    with pytest.raises(ValueError, match=match):
        write_word2vec(tmp_path / "v.txt", ["ok", word], np.zeros((2, 3), np.float32))
    assert not (tmp_path / "v.txt").exists()


def test_write_shape_errors(tmp_path):
    with pytest.raises(ValueError, match="1 words but 2 vector rows"):
        write_word2vec(tmp_path / "v", ["a"], np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"vectors must be a 2-d array, got shape \(3,\)"):
        write_word2vec(tmp_path / "v", ["a"], np.zeros(3))


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "v.bin"
    path.write_bytes(b"old")

    class Boom(Exception):
        pass

    vec = _vectors()
    with pytest.raises(ValueError, match="'a b' contains whitespace"):  # nothing written
        write_word2vec(path, ["a b"] + WORDS[1:], vec, binary=True)
    monkeypatch.setattr("fastw2v.vectors.word2vec._WRITE_CHUNK_ROWS", 2)
    real = np.ascontiguousarray
    calls = {"n": 0}

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Boom("disk full")
        return real(*a, **k)

    monkeypatch.setattr("fastw2v.vectors.word2vec.np.ascontiguousarray", flaky)
    with pytest.raises(Boom, match="disk full"):
        write_word2vec(path, WORDS, vec, binary=True)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["v.bin"]


def test_embeddings_methods_delegate(tmp_path):
    vec = _vectors()
    emb = Embeddings(vec, WORDS)
    emb.save_word2vec_format(tmp_path / "v.bin", binary=True)
    back = Embeddings.load_word2vec_format(tmp_path / "v.bin")
    assert back.words == WORDS and np.array_equal(back.vectors, vec)
    assert back.counts is None and back.config is None
    back = Embeddings.load_word2vec_format(tmp_path / "v.bin", binary=True, limit=2)
    assert len(back) == 2


def test_binary_read_costs_python_work_per_row_not_per_value(tmp_path):
    """Reading a binary file costs the same Python work per row whatever the dimension (a row's
    vector is one slice of the file, not a loop over values), and twice the rows cost twice the
    work. Counted by tests/work.py, not timed; benchmarks/ times 100,000 x 100."""
    def work(n, dim):
        rng = np.random.default_rng(n + dim)
        vec = rng.standard_normal((n, dim)).astype(np.float32)
        words = [f"word{i}" for i in range(n)]
        path = tmp_path / f"{n}x{dim}.bin"
        write_word2vec(path, words, vec, binary=True)
        (got_words, got), lines = python_lines(read_word2vec, path)
        assert got_words == words and got.tobytes() == vec.tobytes()
        return lines

    per_row = work(2000, 10)
    assert work(2000, 300) <= per_row + 200  # format detection reads a little more
    assert_linear(lambda n: work(n, 10), 2000)


# ------------------------------------------------------------------------------------------- #
# gensim interop
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_our_files(tmp_path, binary):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    vec = _vectors()
    path = tmp_path / "ours"
    write_word2vec(path, WORDS, vec, binary=binary)
    kv = gensim_kv.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert list(kv.index_to_key) == WORDS
    assert np.array_equal(kv.vectors, vec)


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_gensim_files(tmp_path, binary):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    vec = _vectors()
    kv = gensim_kv.KeyedVectors(vector_size=vec.shape[1])
    kv.add_vectors(WORDS, vec)
    path = tmp_path / "theirs"
    kv.save_word2vec_format(str(path), binary=binary)
    words, got = read_word2vec(path)  # auto-detect
    assert words == WORDS
    if binary:
        assert got.tobytes() == vec.tobytes()
    else:  # gensim writes repr() of each float32: shortest round-trip digits
        assert np.array_equal(got, vec)


def test_struct_layout_is_little_endian(tmp_path):
    write_word2vec(tmp_path / "v.bin", ["a"], np.array([[1.0]], np.float32), binary=True)
    assert (tmp_path / "v.bin").read_bytes() == b"1 1\na " + struct.pack("<f", 1.0) + b"\n"


# ------------------------------------------------------------------------------------------- #
# property: any representable vocabulary and float32 values round-trip
# ------------------------------------------------------------------------------------------- #
_word = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",),
                           blacklist_characters=" \t\n\r\x0b\x0c"),
    min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(words=st.lists(_word, min_size=0, max_size=8, unique=True),
       dim=st.integers(1, 5), binary=st.booleans(), data=st.data())
def test_round_trip_property(tmp_path_factory, words, dim, binary, data):
    values = data.draw(st.lists(st.floats(width=32, allow_nan=False), min_size=len(words) * dim,
                                max_size=len(words) * dim))
    vec = np.array(values, dtype=np.float32).reshape(len(words), dim)
    path = tmp_path_factory.mktemp("prop") / "v"
    write_word2vec(path, words, vec, binary=binary)
    got_words, got = read_word2vec(path)  # auto-detect too
    assert got_words == words
    assert got.tobytes() == vec.tobytes()


def test_a_row_that_reads_both_ways_is_settled_by_the_whole_file(tmp_path):
    """A 1-dimensional binary row can look like text ("0 0" then bytes) and a text row can have
    the shape of a binary one ("0 0.5" is word, space and four bytes): each file reads back as
    what was written."""
    binary = tmp_path / "v.bin"
    value = np.frombuffer(b"0\n\x0e[", dtype=np.float32).reshape(1, 1)  # bytes that read as text
    write_word2vec(binary, ["0"], value, binary=True)
    assert read_word2vec(binary)[1].tobytes() == value.tobytes()
    text = tmp_path / "v.txt"
    write_word2vec(text, ["0"], np.array([[0.5]], dtype=np.float32), binary=False)
    assert text.read_bytes() == b"1 1\n0 0.5\n"
    assert read_word2vec(text)[1].tolist() == [[0.5]]
