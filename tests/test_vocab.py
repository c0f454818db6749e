"""The vocabulary (fastw2v.corpus.vocab)."""
from __future__ import annotations

import numpy as np
import pytest

from fastw2v.errors import ModelFormatError
from fastw2v.corpus.vocab import Vocab


def test_from_counts_sorts_by_count_then_word():
    v = Vocab.from_counts({"b": 2, "a": 2, "the": 9, "zeta": 2, "Z": 2, "é": 2, "x": 1}, 2)
    assert v.words == ["the", "Z", "a", "b", "zeta", "é"]
    assert v.counts.tolist() == [9, 2, 2, 2, 2, 2]
    assert v.counts.dtype == np.int64
    assert v.index == {w: i for i, w in enumerate(v.words)}
    assert len(v) == 6
    assert "the" in v and "x" not in v and 3 not in v
    assert v.total == 19
    assert list(v) == v.words


def test_from_counts_is_independent_of_insertion_order():
    counts = {f"w{i}": i % 4 + 1 for i in range(200)}
    shuffled = dict(sorted(counts.items(), key=lambda kv: hash(kv[0]) % 97))
    assert Vocab.from_counts(counts, 1) == Vocab.from_counts(shuffled, 1)


def test_min_count_and_max_vocab_size():
    counts = {"a": 5, "b": 4, "c": 3, "d": 3, "e": 1}
    assert Vocab.from_counts(counts, 3).words == ["a", "b", "c", "d"]
    assert Vocab.from_counts(counts, 3, max_vocab_size=3).words == ["a", "b", "c"]
    assert len(Vocab.from_counts(counts, 6)) == 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(min_count=0), "min_count must be an integer >= 1, got 0"),
    (dict(min_count=1.5), "min_count must be an integer >= 1, got 1.5"),
    (dict(min_count=True), "min_count must be an integer >= 1, got True"),
    (dict(min_count=1, max_vocab_size=0), "max_vocab_size must be None or an integer >= 1, got 0"),
])
def test_from_counts_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Vocab.from_counts({"a": 1}, **kwargs)


def test_counts_are_read_only():
    v = Vocab(["a"], [1])
    with pytest.raises(ValueError, match="read-only"):
        v.counts[0] = 3


@pytest.mark.parametrize("words,counts,match", [
    (["a", "b"], [1], "2 words but 1 counts"),
    (["a", "a"], [1, 1], "more than once"),
    (["a", ""], [1, 1], "empty string"),
    (["a b"], [1], "whitespace"),
    (["a\tb"], [1], "whitespace"),
    (["a"], [-1], "negative"),
    ([b"a"], [1], "must be str"),
])
def test_constructor_validation(words, counts, match):
    with pytest.raises(ValueError, match=match):
        Vocab(words, counts)


def test_save_load_round_trip(tmp_path):
    counts = {"the": 10, "café": 3, "\ufffd": 3, "日本": 2, "a\u00a0b": 2, "x": 7}
    v = Vocab.from_counts(counts, 1)
    path = tmp_path / "vocab.tsv"
    v.save(path)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "the\t10"
    assert text.endswith("\n")
    back = Vocab.load(path)
    assert back == v
    assert back.words == v.words
    assert [p.name for p in tmp_path.iterdir()] == ["vocab.tsv"]  # no temporary files left


def test_save_large_vocab_in_batches(tmp_path):
    v = Vocab([f"w{i}" for i in range(250_001)], np.arange(250_001)[::-1])
    v.save(tmp_path / "v.tsv")
    assert Vocab.load(tmp_path / "v.tsv") == v


def test_load_keeps_file_order_and_accepts_crlf(tmp_path):
    path = tmp_path / "v.tsv"
    path.write_bytes(b"b\t1\r\na\t5\r\n")
    v = Vocab.load(path)
    assert v.words == ["b", "a"]
    assert v.counts.tolist() == [1, 5]


def test_load_refuses_a_last_line_without_newline(tmp_path):
    """A count cut short ("a<TAB>5" from "a<TAB>57") must not be read as a smaller count."""
    path = tmp_path / "v.tsv"
    path.write_bytes(b"b\t1\na\t5")
    with pytest.raises(ModelFormatError, match=r"v\.tsv: line 2: the last line is incomplete"):
        Vocab.load(path)


@pytest.mark.parametrize("content,line,why", [
    (b"a\t1\nb 2\n", 2, "0 tab"),
    (b"a\t1\nb\t2\t3\n", 2, "2 tab"),
    (b"a\tx\n", 1, "not a non-negative integer"),
    (b"a\t-3\n", 1, "not a non-negative integer"),
    (b"a\t\n", 1, "not a non-negative integer"),
    (b"a\t1\n\t4\n", 2, "empty word"),
    (b"a\t1\nb c\t4\n", 2, "whitespace"),
    (b"a\t1\nb\t2\na\t3\n", 3, "already defined on line 1"),
    (b"a\t1\n\xff\t2\n", 2, "not valid UTF-8"),
    (b"a\t1\n\n", 2, "0 tab"),
])
def test_load_malformed_line(tmp_path, content, line, why):
    path = tmp_path / "bad.tsv"
    path.write_bytes(content)
    with pytest.raises(ModelFormatError, match=rf"bad\.tsv: line {line}: .*{why}"):
        Vocab.load(path)


def test_load_empty_file(tmp_path):
    path = tmp_path / "empty.tsv"
    path.write_bytes(b"")
    with pytest.raises(ModelFormatError, match="empty"):
        Vocab.load(path)


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="none.tsv"):
        Vocab.load(tmp_path / "none.tsv")


def test_repr_mentions_size():
    assert "2 words" in repr(Vocab(["a", "b"], [2, 1]))


def test_compacted_vocabulary_is_equal_and_made_of_new_strings():
    v = Vocab(["the", "a", "über", "naïve"], [5, 3, 2, 1])
    c = v.compacted()
    assert c == v
    assert c.words == v.words and c.index == v.index
    assert np.array_equal(c.counts, v.counts)
    assert all(x is not y for x, y in zip(c.words, v.words) if len(x) > 1)
    empty = Vocab([], [])
    assert empty.compacted() == empty and len(empty.compacted()) == 0
