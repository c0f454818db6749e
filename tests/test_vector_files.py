"""Every common vector file loads (fastw2v.vectors.word2vec_read, filekind, modelfile): word2vec
text and binary, GloVe without a header, fastText .vec, gzip/bzip2/xz by magic bytes, a UTF-8 BOM,
limit=; files of other programs (gensim pickles, fastText .bin models, .npy, zip) get an error
that says what they are; loading needs about one copy of the array; the native model file."""
from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

import fastw2v
from fastw2v.bench.child import run_in_child
from fastw2v.errors import ModelFormatError
from fastw2v.vectors.embeddings import Embeddings
from fastw2v.vectors.load import load_vectors
from fastw2v.vectors.word2vec import read_word2vec, write_word2vec
from fastw2v.vectors.word2vec_read import file_layout, is_vector_line

WORDS = ["the", "of", "café", "日本", "x"]
COMPRESSORS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}


def _vectors(n=len(WORDS), dim=6, seed=0):
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def _file_bytes(tmp_path, binary, header=True, words=WORDS, vec=None):
    vec = _vectors(len(words)) if vec is None else vec
    path = tmp_path / "tmp.vec"
    write_word2vec(path, words, vec, binary=binary, header=header)
    data = path.read_bytes()
    path.unlink()
    return data


def _glove_text(words=WORDS, vec=None):
    vec = _vectors(len(words)) if vec is None else vec
    return "".join(f"{w} " + " ".join("%.6f" % x for x in row) + "\n"
                   for w, row in zip(words, vec.tolist()))


# ------------------------------------------------------------------------------------------- #
# GloVe: no header
# ------------------------------------------------------------------------------------------- #
def test_glove_file_is_detected_and_read(tmp_path):
    vec = _vectors()
    path = tmp_path / "glove.6B.6d.txt"
    path.write_text(_glove_text(vec=vec), encoding="utf-8")
    words, got = read_word2vec(path)
    assert words == WORDS
    np.testing.assert_allclose(got, vec, atol=5e-7)
    assert file_layout(path).describe() == "text without header (GloVe)"
    assert read_word2vec(path, no_header=True)[0] == WORDS
    assert read_word2vec(path, limit=2)[0] == WORDS[:2]
    with pytest.raises(ModelFormatError, match="bad header at line 1"):
        read_word2vec(path, no_header=False)


def test_glove_with_blank_lines_at_the_end_and_without_last_newline(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text(_glove_text() + "\n\n", encoding="utf-8")
    assert read_word2vec(path)[0] == WORDS
    path.write_text(_glove_text().rstrip("\n"), encoding="utf-8")
    assert read_word2vec(path)[0] == WORDS


def test_glove_errors_name_the_row(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("a 0.5 1.5\nb 0.25\n", encoding="utf-8")
    with pytest.raises(ModelFormatError, match=r"row 2 \(line 2, word 'b'\): expected 2 values, "
                                               r"found 1"):
        read_word2vec(path)
    path.write_text("a 0.5 1.5\n\nb 0.25 1\n", encoding="utf-8")
    with pytest.raises(ModelFormatError, match=r"row 2 \(line 2\) is empty"):
        read_word2vec(path)
    with pytest.raises(ValueError, match="no_header=True works only for text files"):
        read_word2vec(path, no_header=True, binary=True)


@pytest.mark.parametrize("line, vector", [
    (b"the 0.418 0.24968 -0.41242\n", True), (b"x 1e-3\n", True), (b"3 4\n", False),
    (b"3 4 5\n", False), (b"400000 300\n", False), (b"hello world\n", False),
    (b"\xff\xfe 0.5 0.5\n", False), (b"word\n", False), (b"", False)])
def test_what_counts_as_a_vector_line(line, vector):
    assert is_vector_line(line) is vector


def test_headerless_text_written_by_gensim_reads(tmp_path):
    from gensim.models import KeyedVectors  # the bench extra, installed in CI
    vec = _vectors()
    kv = KeyedVectors(vector_size=vec.shape[1])
    kv.add_vectors(WORDS, vec)
    path = tmp_path / "noheader.txt"
    kv.save_word2vec_format(str(path), write_header=False)
    words, got = read_word2vec(path)
    assert words == WORDS and np.array_equal(got, vec)


# ------------------------------------------------------------------------------------------- #
# fastText .vec
# ------------------------------------------------------------------------------------------- #
def test_fasttext_vec_file(tmp_path):
    # fastText writes "V D", then "word v1 ... vD " with a trailing space; </s> is a word
    vec = _vectors(3)
    words = ["</s>", ",", "the"]
    body = "".join(f"{w} " + " ".join("%.4f" % x for x in row) + " \n"
                   for w, row in zip(words, vec.tolist()))
    path = tmp_path / "wiki.en.vec"
    path.write_text(f"3 6\n{body}", encoding="utf-8")
    got_words, got = read_word2vec(path)
    assert got_words == words
    np.testing.assert_allclose(got, vec, atol=5e-5)


# ------------------------------------------------------------------------------------------- #
# compression, BOM, limit
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("comp", sorted(COMPRESSORS))
@pytest.mark.parametrize("layout", ["binary", "text", "glove"])
@pytest.mark.parametrize("name", ["vectors.{layout}.{comp}", "no-suffix"])
def test_compressed_files_by_magic_bytes(tmp_path, comp, layout, name):
    vec = _vectors()
    data = (_glove_text(vec=vec).encode() if layout == "glove"
            else _file_bytes(tmp_path, layout == "binary", vec=vec))
    path = tmp_path / name.format(layout=layout, comp=comp)
    path.write_bytes(COMPRESSORS[comp](data))
    words, got = read_word2vec(path)
    assert words == WORDS
    if layout == "glove":
        np.testing.assert_allclose(got, vec, atol=5e-7)
    else:
        assert got.tobytes() == vec.tobytes()
    assert read_word2vec(path, limit=2)[0] == WORDS[:2]
    assert file_layout(path).compression == {"gz": "gzip", "bz2": "bzip2", "xz": "xz"}[comp]
    emb, kind = load_vectors(path)
    assert emb.words == WORDS and kind.endswith({"gz": "gzip", "bz2": "bzip2", "xz": "xz"}[comp])


def test_googlenews_style_bin_gz_loads_with_the_gensim_call(tmp_path):
    vec = _vectors()
    path = tmp_path / "GoogleNews-vectors-negative300.bin.gz"
    path.write_bytes(gzip.compress(_file_bytes(tmp_path, True, vec=vec)))
    kv = fastw2v.KeyedVectors.load_word2vec_format(path, binary=True, limit=4)
    assert kv.index_to_key == WORDS[:4] and kv.vectors.tobytes() == vec[:4].tobytes()


def test_corrupt_gzip_is_named(tmp_path):
    path = tmp_path / "v.bin.gz"
    path.write_bytes(gzip.compress(_file_bytes(tmp_path, True))[:-30])
    with pytest.raises(ModelFormatError, match=r"v\.bin\.gz: corrupt or truncated gzip data"):
        read_word2vec(path)


@pytest.mark.parametrize("layout", ["binary", "text", "glove"])
def test_a_utf8_bom_is_ignored(tmp_path, layout):
    vec = _vectors()
    data = (_glove_text(vec=vec).encode() if layout == "glove"
            else _file_bytes(tmp_path, layout == "binary", vec=vec))
    path = tmp_path / "bom.vec"
    path.write_bytes(b"\xef\xbb\xbf" + data)
    words, got = read_word2vec(path)
    assert words == WORDS
    np.testing.assert_allclose(got, vec, atol=5e-7)


# ------------------------------------------------------------------------------------------- #
# files of other programs
# ------------------------------------------------------------------------------------------- #
def _gensim_pickle(tmp_path) -> Path:
    from gensim.models import KeyedVectors
    kv = KeyedVectors(4)
    kv.add_vectors(["a", "b"], np.ones((2, 4), np.float32))
    path = tmp_path / "model.kv"
    kv.save(str(path))
    return path


def _fasttext_bin(tmp_path) -> Path:
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model
    model = FastText(vector_size=4, min_count=1, epochs=1, workers=1)
    sents = [["hello", "world"], ["hello", "there"]]
    model.build_vocab(sents)
    model.train(sents, total_examples=2, epochs=1)
    path = tmp_path / "cc.en.300.bin"
    save_facebook_model(model, str(path))
    return path


def _gensim_model_gz(tmp_path) -> Path:
    from gensim.models import Word2Vec
    path = tmp_path / "w2v.model.gz"
    Word2Vec([["a", "b"]], vector_size=4, min_count=1).save(str(path))
    return path


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("glove.6B.50d.txt", _glove_text())
    return path


OTHER_FILES = {
    "gensim KeyedVectors.save pickle": (_gensim_pickle, [
        "is a gensim model saved with pickle", "never unpickles",
        "save_word2vec_format('vectors.bin', binary=True)", "KeyedVectors.from_gensim"]),
    "gensim Word2Vec.save, gzip-compressed": (_gensim_model_gz, [
        "is a gensim model saved with pickle"]),
    "fastText .bin model": (_fasttext_bin, [
        "is a fastText binary model", "the .vec text file", "load_facebook_vectors"]),
    "numpy .npy": (lambda d: (np.save(d / "model.wv.vectors.npy", np.ones((2, 3))),
                              d / "model.wv.vectors.npy")[1],
                   ["is a NumPy array file", "no words"]),
    "zip archive": (lambda d: _zip(d / "glove.6B.zip"), ["is a zip archive: unzip it"]),
    "empty zip archive": (lambda d: (zipfile.ZipFile(d / "e.zip", "w").close(), d / "e.zip")[1],
                          ["is a zip archive: unzip it"]),
}


@pytest.mark.parametrize("case", sorted(OTHER_FILES))
def test_files_of_other_programs_say_what_they_are(tmp_path, case):
    make, needles = OTHER_FILES[case]
    path = make(tmp_path)
    loaders = [lambda: read_word2vec(path), lambda: Embeddings.load_word2vec_format(path),
               lambda: fastw2v.KeyedVectors.load_word2vec_format(path, binary=True),
               lambda: load_vectors(path), lambda: Embeddings.load(path)]
    if "pickle" in case:
        loaders += [lambda: fastw2v.KeyedVectors.load(path), lambda: fastw2v.Word2Vec.load(path)]
    for load in loaders:
        with pytest.raises(ModelFormatError) as info:
            load()
        assert str(path) in str(info.value)
        for needle in needles:
            assert needle in str(info.value), str(info.value)


def test_binary_file_read_as_text_says_pass_binary_true(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(_file_bytes(tmp_path, True))
    with pytest.raises(ModelFormatError, match=r"v\.bin is a binary word2vec file: pass "
                                               r"binary=True"):
        fastw2v.KeyedVectors.load_word2vec_format(path)
    assert fastw2v.KeyedVectors.load_word2vec_format(path, binary=True).index_to_key == WORDS


# ------------------------------------------------------------------------------------------- #
# memory: about one copy of the array
# ------------------------------------------------------------------------------------------- #
ROWS, DIM = 200_000, 100  # a 76 MB array


def _load_and_measure(path: str) -> dict:
    """In a child: peak RSS growth while loading (VmHWM reset first)."""
    import numpy  # noqa: F401
    from fastw2v.bench.child import peak_rss_mb
    from fastw2v.vectors.embeddings import Embeddings
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset VmHWM to the current RSS
    before = peak_rss_mb()
    emb = Embeddings.load_word2vec_format(path)
    return dict(grew=peak_rss_mb() - before, rows=len(emb))


def test_loading_needs_about_one_copy_of_the_array(tmp_path):
    """Reading 200,000 x 100 floats (76 MB) grows the peak RSS by the array, the words and the
    index, never by the file too (mapping the whole file while building the array cost about
    twice the array)."""
    rng = np.random.default_rng(1)
    path = tmp_path / "big.bin"
    with open(path, "wb") as fh:
        fh.write(b"%d %d\n" % (ROWS, DIM))
        vec = rng.standard_normal((ROWS, DIM), dtype=np.float32)
        fh.write(b"".join(b"w%07d " % i + row.tobytes() + b"\n" for i, row in enumerate(vec)))
    array_mb = ROWS * DIM * 4 / 2**20
    result = run_in_child(_load_and_measure, path=str(path))
    assert result["rows"] == ROWS
    # words (~60 bytes each) and the index dict: ~35 MB for 200k words
    assert result["grew"] < array_mb + 60, result


# ------------------------------------------------------------------------------------------- #
# the native model file
# ------------------------------------------------------------------------------------------- #
def test_native_file_round_trip_and_memory_map(tmp_path):
    vec = _vectors()
    kv = fastw2v.KeyedVectors.from_embeddings(Embeddings(vec, WORDS, counts=[5, 4, 3, 2, 1]))
    path = tmp_path / "vectors.kv"
    kv.save(path)
    with tarfile.open(path) as tar:  # any tar tool reads it
        assert tar.getnames() == ["config.json", "vocab.tsv", "vectors.npy"]
    for mmap in (None, "r"):
        back = fastw2v.KeyedVectors.load(path, mmap=mmap)
        assert back.index_to_key == WORDS and back.vectors.tobytes() == vec.tobytes()
        assert back.get_vecattr("café", "count") == 3
    mapped = fastw2v.KeyedVectors.load(path, mmap="r").vectors
    assert isinstance(mapped, np.memmap) and not mapped.flags.writeable
    assert mapped.ctypes.data % 64 == 0  # the matrix lies aligned inside the archive
    emb, kind = load_vectors(path)
    assert kind == "native file" and emb.words == WORDS
    assert Embeddings.load(path).counts.tolist() == [5, 4, 3, 2, 1]


def test_native_file_replaces_only_model_files(tmp_path):
    kv = fastw2v.KeyedVectors.from_embeddings(Embeddings(_vectors(), WORDS))
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    kv.save(empty)  # an empty file (tempfile.NamedTemporaryFile) is replaced
    kv.save(empty)  # and so is a model file
    other = tmp_path / "notes.txt"
    other.write_text("keep me")
    with pytest.raises(FileExistsError, match=r"notes\.txt exists and is not a fastw2v model "
                                              r"file; refusing to replace it"):
        kv.save(other)
    assert other.read_text() == "keep me"
    with pytest.raises(FileExistsError, match="is a directory"):
        kv.save(tmp_path)


@pytest.mark.parametrize("cut", [100, 600, 1000, 3000, -10])
def test_damaged_native_file_is_a_clear_error(tmp_path, cut):
    kv = fastw2v.KeyedVectors.from_embeddings(Embeddings(_vectors(2000, 8), [f"w{i}" for i in
                                                                             range(2000)]))
    path = tmp_path / "m.kv"
    kv.save(path)
    data = path.read_bytes()
    # the tar's end-of-archive blocks are padding: cut into the data itself
    end = data.rstrip(b"\0")
    path.write_bytes(end[:cut] if cut > 0 else end[:cut])
    with pytest.raises(ModelFormatError) as info:
        fastw2v.KeyedVectors.load(path)
    assert "m.kv" in str(info.value)
    assert any(w in str(info.value) for w in ("truncated", "not a readable model file",
                                              "missing", "not a fastw2v model directory or "
                                              "file")), str(info.value)


def test_old_model_directories_still_load(tmp_path):
    vec = _vectors()
    Embeddings(vec, WORDS, counts=[5, 4, 3, 2, 1]).save(tmp_path / "model")
    assert not (tmp_path / "model" / "syn1neg.npy").exists()
    back = fastw2v.KeyedVectors.load(tmp_path / "model")
    assert back.index_to_key == WORDS and back.vectors.tobytes() == vec.tobytes()


def test_keyedvectors_loader_detects_glove_by_default(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text(_glove_text(), encoding="utf-8")
    assert fastw2v.KeyedVectors.load_word2vec_format(path).index_to_key == WORDS
    assert fastw2v.KeyedVectors.load_word2vec_format(path, no_header=True).index_to_key == WORDS
    with pytest.raises(ModelFormatError, match="bad header at line 1"):
        fastw2v.KeyedVectors.load_word2vec_format(path, no_header=False)
