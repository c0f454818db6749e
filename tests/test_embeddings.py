"""Embeddings: lookup, cosine queries, native save/load and its error handling."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from fastw2v.config import TrainConfig
from fastw2v.vectors.embeddings import Embeddings
from fastw2v.vectors.native import FORMAT_NAME
from fastw2v.errors import ModelFormatError


def small():
    """Hand-built 3-d vectors with known cosine order around 'cat'."""
    words = ["cat", "dog", "kitten", "car", "zero", "neg"]
    vec = np.array([
        [1.0, 0.0, 0.0],   # cat
        [0.8, 0.6, 0.0],   # dog     cos(cat) = 0.8
        [2.0, 0.2, 0.0],   # kitten  cos(cat) = 2/sqrt(4.04) = 0.995
        [0.0, 0.0, 3.0],   # car     cos(cat) = 0
        [0.0, 0.0, 0.0],   # zero
        [-1.0, 0.0, 0.0],  # neg     cos(cat) = -1
    ], dtype=np.float32)
    return Embeddings(vec, words, counts=[60, 50, 40, 30, 20, 10])


# ------------------------------------------------------------------------------------------- #
# container protocol
# ------------------------------------------------------------------------------------------- #
def test_basic_attributes():
    e = small()
    assert len(e) == 6 and e.dim == 3
    assert e.index == {w: i for i, w in enumerate(e.words)}
    assert "cat" in e and "lion" not in e and 3 not in e and ["cat"] not in e
    assert np.array_equal(e["dog"], np.array([0.8, 0.6, 0.0], dtype=np.float32))
    assert e.vectors.dtype == np.float32 and e.vectors.flags.c_contiguous
    assert e.counts.dtype == np.int64
    assert list(e) == e.words
    assert "vocab_size=6" in repr(e)


def test_missing_word_keyerror_names_word():
    e = small()
    with pytest.raises(KeyError, match="lion"):
        e["lion"]
    for call in (lambda: e.most_similar("lion"), lambda: e.similarity("cat", "lion"),
                 lambda: e.analogy("cat", "lion", "dog")):
        with pytest.raises(KeyError, match="lion"):
            call()


def test_input_is_converted():
    e = Embeddings(np.asfortranarray(np.ones((2, 3), dtype=np.float64)), ("a", "b"))
    assert e.vectors.dtype == np.float32 and e.vectors.flags.c_contiguous
    assert e.words == ["a", "b"]


def test_float32_input_is_not_copied():
    vec = np.ones((2, 3), dtype=np.float32)
    assert Embeddings(vec, ["a", "b"]).vectors is vec


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(vectors=np.ones((2, 3)), words=["a"]), ValueError, "2 vector rows but 1 words"),
    (dict(vectors=np.ones(3), words=["a", "b", "c"]), ValueError,
     r"vectors must be a 2-d array .*got shape \(3,\)"),
    (dict(vectors=np.ones((2, 3)), words=["a", "a"]), ValueError,
     "duplicate word 'a' at rows 0 and 1"),
    (dict(vectors=np.ones((2, 3)), words=["a", 7]), TypeError,
     "words must be strings; word #1 is 7"),
    (dict(vectors=np.ones((2, 3)), words=["a", "b"], counts=[1]), ValueError,
     r"counts must be a 1-d array of 2 values, got shape \(1,\)"),
    (dict(vectors=np.ones((2, 3)), words=["a", "b"], counts=[1.5, 2]), ValueError,
     "counts must be integers"),
    (dict(vectors=np.ones((2, 3)), words=["a", "b"], config=TrainConfig(dim=4, workers=1)),
     ValueError, "config.dim is 4 but the vectors have 3 columns"),
])
def test_constructor_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Embeddings(**kwargs)


def test_config_from_mapping():
    e = Embeddings(np.ones((1, 4)), ["a"], config={"dim": 4, "workers": 1})
    assert e.config == TrainConfig(dim=4, workers=1)


# ------------------------------------------------------------------------------------------- #
# similarity queries
# ------------------------------------------------------------------------------------------- #
def test_most_similar_order_and_exclusion():
    e = small()
    got = e.most_similar("cat", topn=10)
    assert [w for w, _ in got] == ["kitten", "dog", "car", "zero", "neg"]
    sims = dict(got)
    assert sims["kitten"] == pytest.approx(2 / math.sqrt(4.04), abs=1e-6)
    assert sims["dog"] == pytest.approx(0.8, abs=1e-6)
    assert sims["car"] == 0.0 and sims["zero"] == 0.0  # tie kept in row order
    assert sims["neg"] == pytest.approx(-1.0, abs=1e-6)
    assert [w for w, _ in e.most_similar("cat", topn=2)] == ["kitten", "dog"]
    assert [w for w, _ in e.most_similar("cat", topn=3)] == ["kitten", "dog", "car"]
    assert e.most_similar("cat", topn=0) == []
    assert len(e.most_similar("cat", topn=None)) == 5


def test_most_similar_vector_query_includes_all_words():
    e = small()
    got = e.most_similar(np.array([3.0, 0.0, 0.0]), topn=2)
    assert [w for w, _ in got] == ["cat", "kitten"]
    assert got[0][1] == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="query vector has 4 values, expected 3"):
        e.most_similar(np.ones(4))


def test_most_similar_restrict_vocab():
    e = small()
    assert [w for w, _ in e.most_similar("cat", restrict_vocab=2)] == ["dog"]
    assert [w for w, _ in e.most_similar("neg", restrict_vocab=3)] == ["dog", "kitten", "cat"]
    assert [w for w, _ in e.most_similar("cat", restrict_vocab=3, topn=5)] == ["kitten", "dog"]
    with pytest.raises(ValueError, match="restrict_vocab must be None or an integer >= 0"):
        e.most_similar("cat", restrict_vocab=-1)


def test_zero_vector_gives_no_nan():
    e = small()
    assert e.similarity("zero", "cat") == 0.0
    assert e.similarity("zero", "zero") == 0.0
    got = e.most_similar("zero", topn=None)
    assert all(np.isfinite(s) and s == 0.0 for _, s in got)
    assert np.all(np.isfinite(e.unit_vectors))
    assert all(np.isfinite(s) for _, s in e.most_similar(np.zeros(3)))


def test_similarity_values():
    e = small()
    assert e.similarity("cat", "dog") == pytest.approx(0.8, abs=1e-6)
    assert e.similarity("cat", "car") == 0.0
    assert e.similarity("cat", "cat") == pytest.approx(1.0, abs=1e-6)


def test_analogy_excludes_inputs():
    words = ["man", "woman", "king", "queen", "apple"]
    vec = np.array([
        [1.0, 0.0, 0.0, 0.1],
        [1.0, 1.0, 0.0, 0.1],
        [1.0, 0.0, 1.0, 0.0],
        [1.0, 1.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ], dtype=np.float32)
    e = Embeddings(vec, words)
    got = e.analogy("man", "king", "woman", topn=5)
    assert got[0][0] == "queen"
    assert {w for w, _ in got} == {"queen", "apple"}  # inputs never returned
    # the query is normalized: scores are cosines
    unit = vec / np.linalg.norm(vec, axis=1, keepdims=True)
    q = unit[2] - unit[0] + unit[1]
    q /= np.linalg.norm(q)
    assert got[0][1] == pytest.approx(float(unit[3] @ q), abs=1e-6)


def test_analogy_where_an_input_would_win():
    # b - a + c lands closest to c itself; the answer must be the best non-input word
    words = ["a", "b", "c", "d"]
    vec = np.array([[1, 0, 0], [1, 0.01, 0], [0, 1, 0], [0.2, 1, 0.3]], dtype=np.float32)
    e = Embeddings(vec, words)
    assert e.most_similar(e.unit_vectors[1] - e.unit_vectors[0] + e.unit_vectors[2],
                          topn=1)[0][0] == "c"
    assert e.analogy("a", "b", "c", topn=1)[0][0] == "d"


def test_unit_cache_is_invalidated():
    e = small()
    before = e.similarity("cat", "car")
    e.vectors = np.eye(6, 3, dtype=np.float32) + np.array([0, 0, 1], dtype=np.float32)
    assert e.similarity("cat", "car") != before
    e.vectors[0] = [0.0, 0.0, 5.0]
    e.clear_cache()
    assert e.similarity("cat", "car") == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="2 vector rows but 6 words"):
        e.vectors = np.ones((2, 3))


# ------------------------------------------------------------------------------------------- #
# native format
# ------------------------------------------------------------------------------------------- #
def full(tmp_words=("le", "café", "日本語", "naïve")):
    rng = np.random.default_rng(0)
    vec = rng.standard_normal((len(tmp_words), 5)).astype(np.float32)
    cfg = TrainConfig(dim=5, workers=2, epochs=3)
    stats = {"words_per_sec": np.float64(123456.5), "seconds": 1.5, "epochs": np.int64(3),
             "loss": [1.0, 0.5]}
    return Embeddings(vec, list(tmp_words), counts=[9, 7, 5, 2], config=cfg, stats=stats)


@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_native_round_trip(tmp_path, mmap_mode):
    e = full()
    path = tmp_path / "model"
    e.save(path)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "vectors.npy", "vocab.tsv"]
    meta = json.loads((path / "config.json").read_text("utf-8"))
    assert meta["format"] == FORMAT_NAME and meta["version"] == 1
    assert (path / "vocab.tsv").read_text("utf-8").splitlines()[1] == "café\t7"
    back = Embeddings.load(path, mmap_mode=mmap_mode)
    assert back.words == e.words
    assert back.vectors.dtype == np.float32
    assert np.array_equal(back.vectors, e.vectors)
    assert np.array_equal(back.counts, e.counts)
    assert back.config == e.config
    assert back.stats == {"words_per_sec": 123456.5, "seconds": 1.5, "epochs": 3,
                          "loss": [1.0, 0.5]}
    if mmap_mode == "r":
        assert isinstance(back.vectors, np.memmap)
        assert not back.vectors.flags.writeable
    assert back.most_similar("café", topn=2) == e.most_similar("café", topn=2)


def test_native_round_trip_without_counts_config_stats(tmp_path):
    e = Embeddings(np.ones((2, 3), np.float32), ["a", "b"])
    e.save(tmp_path / "m")
    assert (tmp_path / "m" / "vocab.tsv").read_text() == "a\nb\n"
    back = Embeddings.load(tmp_path / "m")
    assert back.counts is None and back.config is None and back.stats is None
    assert back.words == ["a", "b"]


def test_native_empty_model(tmp_path):
    e = Embeddings(np.zeros((0, 3), np.float32), [])
    e.save(tmp_path / "m")
    back = Embeddings.load(tmp_path / "m")
    assert len(back) == 0 and back.dim == 3


def test_save_replaces_existing_model(tmp_path):
    path = tmp_path / "m"
    full().save(path)
    small_e = Embeddings(np.ones((1, 2), np.float32), ["z"])
    small_e.save(path)
    assert Embeddings.load(path).words == ["z"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_save_refuses_to_clobber_other_things(tmp_path):
    e = small()
    other = tmp_path / "docs"
    other.mkdir()
    (other / "thesis.tex").write_text("precious")
    with pytest.raises(FileExistsError, match="non-empty directory that is not a fastw2v "
                                               "model; refusing to replace it"):
        e.save(other)
    assert (other / "thesis.tex").read_text() == "precious"
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(FileExistsError, match="exists and is not a model directory; refusing"):
        e.save(f)
    empty = tmp_path / "empty"
    empty.mkdir()
    e.save(empty)
    assert Embeddings.load(empty).words == e.words


def test_save_rejects_tab_in_word(tmp_path):
    e = Embeddings(np.ones((1, 2), np.float32), ["a\tb"])
    with pytest.raises(ValueError, match="tab"):
        e.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_save_rejects_unserializable_stats(tmp_path):
    e = Embeddings(np.ones((1, 2), np.float32), ["a"], stats={"obj": object()})
    with pytest.raises(ValueError, match="JSON"):
        e.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


# ---- corrupt native directories --------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model"
    full().save(path)
    return path


def test_load_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such model directory: .*nope"):
        Embeddings.load(tmp_path / "nope")


def test_load_file_instead_of_directory(tmp_path):
    (tmp_path / "v.txt").write_text("1 1\na 1\n")
    with pytest.raises(ModelFormatError, match="load_word2vec_format"):
        Embeddings.load(tmp_path / "v.txt")


@pytest.mark.parametrize("name", ["vectors.npy", "vocab.tsv", "config.json"])
def test_load_missing_piece(saved, name):
    (saved / name).unlink()
    with pytest.raises(ModelFormatError, match=f"missing {name}"):
        Embeddings.load(saved)


@pytest.mark.parametrize("text, match", [
    ("{not json", "corrupt JSON"),
    ("[1, 2]", "JSON object"),
    ('{"format": "other", "version": 1}', "format"),
    ('{"format": "fastw2v-embeddings", "version": 99}', "newer"),
    ('{"format": "fastw2v-embeddings", "version": "1"}', "version"),
    ('{"format": "fastw2v-embeddings", "version": 1, "config": {"dim": -5}}', "config"),
    ('{"format": "fastw2v-embeddings", "version": 1, "config": {"bogus": 1}}', "config"),
    ('{"format": "fastw2v-embeddings", "version": 1, "dim": 7}', "dim"),
    ('{"format": "fastw2v-embeddings", "version": 1, "vocab_size": 3}', "vocab_size"),
    ('{"format": "fastw2v-embeddings", "version": 1, "stats": 5}', "stats"),
])
def test_load_bad_config_json(saved, text, match):
    (saved / "config.json").write_text(text)
    with pytest.raises(ModelFormatError, match=match):
        Embeddings.load(saved)


@pytest.mark.parametrize("text, match", [
    ("le\t9\ncafé\t7\n", r"4 rows but .*2 words"),
    ("le\t9\ncafé\t7\n日本語\t5\nnaïve\t2\nextra\t1\n", r"4 rows but .*5 words"),
    ("le\t9\ncafé\tmany\n日本語\t5\nnaïve\t2\n", r"line 2: the count is not a non-negative integer"),
    ("le\t9\ncafé\n日本語\t5\nnaïve\t2\n", r"line 2: 0 tab\(s\) instead of 1 \(expected 'word<TAB>count'\)"),
    ("le\t9\nle\t7\n日本語\t5\nnaïve\t2\n", "line 2: word 'le' already defined on line 1"),
    ("le\t9\ncafé\t7\n日本語\t5\nnaïve\t2", "truncated"),
])
def test_load_bad_vocab(saved, text, match):
    (saved / "vocab.tsv").write_text(text, encoding="utf-8")
    with pytest.raises(ModelFormatError, match=match):
        Embeddings.load(saved)


def test_load_vocab_not_utf8(saved):
    (saved / "vocab.tsv").write_bytes(b"le\t9\ncaf\xe9\t7\nx\t5\ny\t2\n")
    with pytest.raises(ModelFormatError, match="line 2: the word is not valid UTF-8"):
        Embeddings.load(saved)


@pytest.mark.parametrize("array, match", [
    (np.ones((4, 5), dtype=np.float64), "dtype float64"),
    (np.ones((4, 5, 1), dtype=np.float32), "3 dimensions"),
    (np.ones((3, 5), dtype=np.float32), "3 rows but"),
    (np.ones((4, 6), dtype=np.float32), "dim 5"),
])
def test_load_bad_vectors(saved, array, match):
    np.save(saved / "vectors.npy", array)
    with pytest.raises(ModelFormatError, match=match):
        Embeddings.load(saved)


@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_load_truncated_or_garbage_npy(saved, mmap_mode):
    data = (saved / "vectors.npy").read_bytes()
    (saved / "vectors.npy").write_bytes(data[:-7])
    with pytest.raises(ModelFormatError, match="vectors.npy"):
        Embeddings.load(saved, mmap_mode=mmap_mode)
    (saved / "vectors.npy").write_bytes(b"this is not numpy")
    with pytest.raises(ModelFormatError, match="vectors.npy"):
        Embeddings.load(saved, mmap_mode=mmap_mode)


class _TouchOnUnpickle:
    """Unpickling it creates the file ``path``: proof that a load ran code from the file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_load_refuses_to_unpickle_an_object_array(saved, tmp_path):
    """A vectors.npy holding pickled objects is refused before unpickling (loading a pickle runs
    code from the file): the error is numpy's refusal, and the pickle's code never ran. A later
    check (the dtype must be float32) would raise ModelFormatError too, so the type alone
    cannot tell a refusal from an executed pickle."""
    canary = tmp_path / "unpickled"
    np.save(saved / "vectors.npy", np.array([_TouchOnUnpickle(canary)], dtype=object),
            allow_pickle=True)
    refusals = {None: "Object arrays cannot be loaded when allow_pickle=False",
                "r": "Array can't be memory-mapped: Python objects in dtype"}
    for mmap_mode, refusal in refusals.items():
        with pytest.raises(ModelFormatError, match=r"vectors\.npy: .*" + re.escape(refusal)):
            Embeddings.load(saved, mmap_mode=mmap_mode)
        assert not canary.exists(), "loading the model unpickled the file's objects"


def test_load_bad_mmap_mode(saved):
    with pytest.raises(ValueError, match="mmap_mode must be None, 'r', 'r\\+' or 'c', got 'w\\+'"):
        Embeddings.load(saved, mmap_mode="w+")


def test_most_similar_ties_in_row_order():
    vec = np.zeros((50, 2), dtype=np.float32)
    vec[:, 0] = 1.0
    vec[0] = [0.0, 1.0]
    e = Embeddings(vec, [f"w{i}" for i in range(50)])
    for topn in (1, 3, 10, 49):
        got = e.most_similar("w0", topn=topn)
        assert [w for w, _ in got] == [f"w{i}" for i in range(1, topn + 1)]
    got = e.most_similar("w5", topn=4)
    assert [w for w, _ in got] == ["w1", "w2", "w3", "w4"]
