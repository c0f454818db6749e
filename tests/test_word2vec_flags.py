"""word2vec.c's remaining flags on ``fastw2v train``: -hs, -negative 0, -save-vocab, -read-vocab,
-debug and -classes; their file formats, and (where a ``word2vec`` binary is found: $PATH or
$FASTW2V_WORD2VEC) word2vec.c reading our files and we reading its files."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import fastw2v
import reference as ref
from fastw2v.analysis.classes import word_classes, write_classes
from fastw2v.base.vocabfile import read_vocab_file
from fastw2v.corpus import reader as reader_module
from fastw2v.corpus import stream as stream_module
from fastw2v.corpus.cache import prepare_corpus
from fastw2v.corpus.vocab import Vocab, read_vocab, write_vocab
from fastw2v.errors import ModelFormatError
from fastw2v.training import api as api
from cli_helpers import assert_clean_error, run

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "data" / "fixtures" / "tiny.txt"
FAST = ["--dim", "8", "--epochs", "1", "--workers", "1", "--no-progress"]


def _lines(path):
    return Path(path).read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def counted():
    """tiny.txt's vocabulary as fastw2v counts it (word2vec.c's default min_count, 5)."""
    return prepare_corpus(TINY, min_count=5, use_cache=False)


# --- -save-vocab ---------------------------------------------------------------------------------
def test_save_vocab_without_output_builds_only_the_vocabulary(tmp_path, capsys, counted):
    """word2vec.c's ``-train F -save-vocab V`` (no -output): the vocabulary, in its format."""
    vocab_file = tmp_path / "vocab.txt"
    code, out, err = run(capsys, "train", "-train", TINY, "-save-vocab", vocab_file, "-debug", 0)
    assert code == 0, err
    assert f"wrote {vocab_file} (vocabulary of {len(counted.vocab)} words" in out
    lines = _lines(vocab_file)
    assert lines[0] == f"</s> {counted.n_sentences}"  # word2vec.c's newline token comes first
    assert lines[1:] == [f"{w} {c}" for w, c in zip(counted.vocab.words, counted.vocab.counts)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vocab.txt"]


def test_save_vocab_while_training_and_the_tsv_format(tmp_path, capsys, counted):
    out, vocab_file = tmp_path / "vec.txt", tmp_path / "vocab.tsv"
    code, stdout, err = run(capsys, "train", TINY, "-o", out, *FAST, "--save-vocab", vocab_file)
    assert code == 0, err
    assert Vocab.load(vocab_file) == counted.vocab  # fastw2v's word<TAB>count, no </s>
    assert fastw2v.Embeddings.load_word2vec_format(out).words == counted.vocab.words


def test_write_and_read_vocab_round_trip_both_formats(tmp_path, counted):
    for name in ("v.txt", "v.tsv"):
        write_vocab(tmp_path / name, counted.vocab, counted.n_sentences)
        assert read_vocab(tmp_path / name) == counted.vocab
    assert read_vocab(tmp_path / "v.txt", min_count=20).words == \
        [w for w, c in zip(counted.vocab.words, counted.vocab.counts) if c >= 20]
    assert len(read_vocab(tmp_path / "v.tsv", max_vocab_size=3)) == 3


def test_a_literal_end_of_sentence_word_joins_word2vec_cs_newline_token(tmp_path):
    write_vocab(tmp_path / "v.txt", Vocab(["a", "</s>", "b"], [9, 4, 2]), n_sentences=10)
    assert _lines(tmp_path / "v.txt") == ["</s> 14", "a 9", "b 2"]


# --- -read-vocab ---------------------------------------------------------------------------------
@pytest.fixture
def no_counting(monkeypatch):
    """Fail the test if the corpus is counted (reading a vocabulary must skip that)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the corpus was counted")
    monkeypatch.setattr(reader_module, "count_words", refuse)
    monkeypatch.setattr(stream_module, "_first_pass", refuse)


@pytest.mark.parametrize("name", ["vocab.txt", "vocab.tsv"])
def test_read_vocab_encodes_without_counting(tmp_path, capsys, no_counting, name):
    vocab_file = tmp_path / name
    # a vocabulary with counts unlike the corpus's, a word the corpus lacks, and a rare word
    write_vocab(vocab_file, Vocab(["king", "queen", "zebra", "the", "rare"], [50, 40, 30, 20, 1]),
                n_sentences=3)
    out = tmp_path / "vec.txt"
    code, stdout, err = run(capsys, "train", "-train", TINY, "-output", out, *FAST,
                            "-min-count", 2, "-read-vocab", vocab_file)
    assert code == 0, err
    emb = fastw2v.Embeddings.load_word2vec_format(out)
    assert emb.words == ["king", "queen", "zebra", "the"]  # the file's, min_count applied
    assert emb.counts is None or list(emb.counts) == [50, 40, 30, 20]


def test_read_vocab_through_the_api_keeps_the_files_counts(tmp_path, no_counting):
    vocab_file = tmp_path / "v.txt"
    write_vocab(vocab_file, Vocab(["king", "the", "a"], [3, 9, 7]), n_sentences=1)
    emb = fastw2v.train(TINY, dim=8, epochs=1, workers=1, min_count=1, progress=False,
                        read_vocab=vocab_file, use_cache=False)
    assert emb.words == ["the", "a", "king"] and emb.counts.tolist() == [9, 7, 3]


def test_read_vocab_that_matches_no_word_of_the_corpus(tmp_path, capsys):
    vocab_file = tmp_path / "v.txt"
    write_vocab(vocab_file, Vocab(["zebra", "okapi"], [8, 7]))
    code, _, err = run(capsys, "train", TINY, "-o", tmp_path / "vec.txt", *FAST,
                       "-read-vocab", vocab_file)
    assert_clean_error(code, err, "no word of the given vocabulary (2 words) occurs in", str(TINY))


@pytest.mark.parametrize("content, needle", [
    (b"", "vocabulary file is empty"),
    (b"</s> 3\nking 4\nqueen", "line 3: the last line is incomplete"),
    (b"</s> 3\nking four\n", "line 2: the count is not a non-negative integer"),
    (b"</s> 3\nking 4 5\n", "line 2: 2 space(s) instead of 1"),
    (b"king\t4\nqueen 5\n", "line 2: 0 tab(s) instead of 1"),
    (b"a 1\nb 2\n", "no word of the vocabulary file has a count of at least min_count=5"),
])
def test_bad_vocabulary_file_is_one_line_naming_it(tmp_path, capsys, content, needle):
    vocab_file = tmp_path / "bad-vocab.txt"
    vocab_file.write_bytes(content)
    out = tmp_path / "vec.txt"
    code, _, err = run(capsys, "train", TINY, "-o", out, *FAST, "-read-vocab", vocab_file)
    assert_clean_error(code, err, needle, "bad-vocab.txt")
    assert not out.exists()
    with pytest.raises(ModelFormatError, match="bad-vocab.txt"):
        read_vocab(vocab_file, min_count=5)


# --- -debug ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("level, logs, progress", [(0, False, False), (1, True, False),
                                                   (2, True, None)])
def test_debug_levels(tmp_path, capsys, monkeypatch, level, logs, progress):
    seen = {}
    real = api.train_with_config

    def spy(*args, **kwargs):
        seen["progress"] = kwargs["progress"]
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "train_with_config", spy)
    code, _, err = run(capsys, "train", TINY, "-output", tmp_path / "v.txt", "-size", 8,
                       "-iter", 1, "-threads", 1, "-debug", level)
    assert code == 0, err
    assert ("fastw2v: " in err) == logs
    assert seen["progress"] is progress  # None: the line is drawn when stderr is a terminal


# --- -hs / -negative 0 ---------------------------------------------------------------------------
@pytest.mark.parametrize("flags, hs, negative", [
    (["-hs", "1", "-negative", "0"], True, 0),
    (["--hs", "--negative", "0"], True, 0),
    (["-hs", "1"], True, 5),
    (["-hs", "0"], False, 5),
])
def test_hierarchical_softmax_flags(tmp_path, capsys, flags, hs, negative):
    out = tmp_path / "v.bin"
    code, stdout, err = run(capsys, "train", TINY, "-o", out, *FAST, "--format", "native",
                            *flags)
    assert code == 0, err
    config = fastw2v.Embeddings.load(out).config
    assert (config.hs, config.negative) == (hs, negative)


def test_negative_zero_without_hs_is_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "train", TINY, "-o", tmp_path / "v.txt", *FAST, "-negative", 0)
    assert_clean_error(code, err, "negative must be an integer in [1, 1000] without hierarchical "
                                  "softmax", "got 0")


# --- -classes --------------------------------------------------------------------------------------
def test_word_classes_are_word2vec_cs_kmeans():
    x = np.random.default_rng(3).standard_normal((300, 10)).astype(np.float32)
    for k, iterations in ((5, 10), (1, 3), (7, 1)):
        got = word_classes(x, k, iterations)
        assert got.tolist() == ref.kmeans_classes(x, k, iterations).tolist()


def test_word_classes_find_separated_groups_and_keep_empty_classes_empty():
    rng = np.random.default_rng(0)
    centers = np.eye(4, 6) * 10
    x = np.concatenate([c + rng.standard_normal((50, 6)) for c in centers])
    labels = word_classes(x, 4)
    groups = [set(labels[i * 50:(i + 1) * 50].tolist()) for i in range(4)]
    assert all(len(g) == 1 for g in groups) and len(set.union(*groups)) == 4
    assert set(word_classes(x[:3], 10).tolist()) <= {0, 1, 2}  # 7 classes never get a word
    with pytest.raises(ValueError, match="k must be an integer >= 1, got 0"):
        word_classes(x, 0)


def test_classes_replace_the_vectors_in_the_output(tmp_path, capsys):
    out = tmp_path / "classes.txt"
    code, stdout, err = run(capsys, "train", "-train", TINY, "-output", out, "-size", 8,
                            "-iter", 1, "-threads", 1, "-min-count", 1, "-classes", 4,
                            "-binary", 1, "-debug", 0)
    assert code == 0, err
    assert f"wrote {out} (4 word classes of " in stdout
    words, classes = read_vocab_file(out, counts=True, sep=" ")  # word2vec.c's "%s %d\n" lines
    assert len(words) == 37 and set(classes) <= {0, 1, 2, 3} and len(set(classes)) > 1
    emb = fastw2v.train(TINY, dim=8, epochs=1, workers=1, min_count=1, progress=False)
    assert words == emb.words
    assert classes == word_classes(emb, 4).tolist()  # one worker, same seed: the same vectors


def test_classes_cannot_be_written_in_the_native_format(tmp_path, capsys):
    code, _, err = run(capsys, "train", TINY, "-o", tmp_path / "d", *FAST, "--format", "native",
                       "-classes", 3)
    assert code == 2 and "--classes writes word2vec.c's 'word class' text file" in err


def test_write_classes_checks_lengths(tmp_path):
    with pytest.raises(ValueError, match="2 words but 1 classes"):
        write_classes(tmp_path / "c.txt", ["a", "b"], np.array([0]))


# --- a word2vec.c command line, and word2vec.c itself ---------------------------------------------
def test_a_word2vec_c_command_line_runs_unchanged(tmp_path, capsys):
    """word2vec.c's README example with every flag it has (the hierarchical-softmax recipe)."""
    out, vocab_file = tmp_path / "vectors.bin", tmp_path / "vocab.txt"
    code, stdout, err = run(
        capsys, "train", "-train", TINY, "-output", out, "-cbow", 1, "-size", 12, "-window", 8,
        "-negative", 0, "-hs", 1, "-sample", "1e-4", "-threads", 2, "-binary", 1, "-iter", 2,
        "-min-count", 1, "-alpha", "0.05", "-debug", 2, "-save-vocab", vocab_file, "-classes", 0)
    assert code == 0, err
    emb = fastw2v.Embeddings.load_word2vec_format(out, binary=True)
    assert emb.dim == 12 and len(emb) == 37
    assert _lines(vocab_file)[0].startswith("</s> ")


@pytest.fixture(scope="module")
def word2vec_c():
    """The word2vec.c binary: $FASTW2V_WORD2VEC, else ``word2vec`` on $PATH; skipped without."""
    exe = os.environ.get("FASTW2V_WORD2VEC") or shutil.which("word2vec")
    if not exe or not os.access(exe, os.X_OK):
        pytest.skip("no word2vec.c binary (set FASTW2V_WORD2VEC or put `word2vec` on PATH)")
    return exe


def _word2vec(exe, *args):
    subprocess.run([exe, *map(str, args)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120)


def test_we_read_word2vec_cs_vocabulary_and_it_reads_ours(tmp_path, capsys, word2vec_c, counted):
    theirs, ours = tmp_path / "theirs.txt", tmp_path / "ours.txt"
    _word2vec(word2vec_c, "-train", TINY, "-save-vocab", theirs, "-min-count", 5, "-debug", 0)
    code, _, err = run(capsys, "train", "-train", TINY, "-save-vocab", ours, "-min-count", 5)
    assert code == 0, err
    # the same file up to the order of equal counts (word2vec.c's qsort is not stable)
    assert _lines(theirs)[0] == _lines(ours)[0] == f"</s> {counted.n_sentences}"
    assert sorted(_lines(theirs)) == sorted(_lines(ours))
    assert read_vocab(theirs, min_count=5) == counted.vocab
    # word2vec.c trains from our file: its vocabulary is ours, "</s>" first
    vectors = tmp_path / "w2v.txt"
    _word2vec(word2vec_c, "-train", TINY, "-read-vocab", ours, "-output", vectors, "-size", 8,
              "-iter", 1, "-threads", 1, "-binary", 0, "-min-count", 5, "-debug", 0)
    emb = fastw2v.Embeddings.load_word2vec_format(vectors)
    assert emb.words[0] == "</s>" and sorted(emb.words[1:]) == sorted(counted.vocab.words)


def test_our_classes_file_parses_like_word2vec_cs(tmp_path, capsys, word2vec_c):
    theirs, ours = tmp_path / "theirs.txt", tmp_path / "ours.txt"
    flags = ["-train", TINY, "-size", 8, "-iter", 1, "-threads", 1, "-min-count", 1,
             "-classes", 5, "-debug", 0]
    _word2vec(word2vec_c, *flags, "-output", theirs)
    code, _, err = run(capsys, "train", *flags, "-output", ours)
    assert code == 0, err
    their_words, their_classes = read_vocab_file(theirs, counts=True, sep=" ")
    our_words, our_classes = read_vocab_file(ours, counts=True, sep=" ")
    assert their_words[0] == "</s>" and sorted(their_words[1:]) == sorted(our_words)
    assert set(their_classes) <= set(range(5)) and set(our_classes) <= set(range(5))
