"""The int32 token stream and its cache (fastw2v.corpus.stream)."""
from __future__ import annotations

import gc
import gzip
import json
import logging
import os
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastw2v.base.paths import cache_dir
from fastw2v.corpus import cache as C
from fastw2v.corpus import stream as T
from fastw2v.errors import CorpusError
from fastw2v.corpus.cache import prepare_corpus
from fastw2v.corpus.stream import SENTENCE_END
from fastw2v.corpus.vocab import Vocab


def reference_stream(text: bytes, min_count: int):
    """Vocabulary and stream built the slow, obvious way."""
    words = [w.decode("utf-8", "replace") for w in text.split()]
    vocab = Vocab.from_counts(Counter(words), min_count)
    stream = []
    for line in text.split(b"\n"):
        ids = [vocab.index[w] for w in (t.decode("utf-8", "replace") for t in line.split())
               if w in vocab.index]
        if ids:
            stream += ids + [SENTENCE_END]
    return vocab, stream


def prep(path, **kw):
    kw.setdefault("min_count", 1)
    kw.setdefault("use_cache", False)
    return prepare_corpus(path, **kw)


# ---------------------------------------------------------------------------------------------
# Stream contents
# ---------------------------------------------------------------------------------------------

def test_sentence_end_value():
    assert SENTENCE_END == -1
    assert T.TOKEN_DTYPE == np.int32


@pytest.mark.parametrize("max_vocab_size", [None, 100])
def test_sentence_markers(tmp_path, max_vocab_size):
    text = b"\n\n  \na b a\n\n\n \t \nc a\r\nb\n\n"
    p = tmp_path / "c.txt"
    p.write_bytes(text)
    pc = prep(p, max_vocab_size=max_vocab_size)
    assert pc.vocab.words == ["a", "b", "c"]
    assert pc.tokens.tolist() == [0, 1, 0, -1, 2, 0, -1, 1, -1]
    assert pc.n_raw_tokens == 6
    assert pc.n_sentences == 3


@pytest.mark.parametrize("max_vocab_size", [None, 100])
def test_last_line_without_newline_gets_a_marker(tmp_path, max_vocab_size):
    p = tmp_path / "c.txt"
    p.write_bytes(b"a b\nb a")
    pc = prep(p, max_vocab_size=max_vocab_size)
    assert pc.tokens.tolist() == [0, 1, -1, 1, 0, -1]
    assert pc.n_sentences == 2


@pytest.mark.parametrize("max_vocab_size", [None, 100])
def test_oov_words_are_dropped_and_all_oov_lines_leave_no_marker(tmp_path, max_vocab_size):
    p = tmp_path / "c.txt"
    p.write_bytes(b"x a y a\nz w\nq a\nr\n")
    pc = prep(p, min_count=2, max_vocab_size=max_vocab_size)
    assert pc.vocab.words == ["a"]
    assert pc.tokens.tolist() == [0, 0, -1, 0, -1]
    assert pc.n_raw_tokens == 9  # OOV tokens included
    assert pc.n_sentences == 4   # lines with a token, OOV or not


def test_tokens_are_a_read_only_int32_memmap(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"a b c\n")
    pc = prep(p)
    assert isinstance(pc.tokens, np.memmap)
    assert pc.tokens.dtype == np.int32
    assert not pc.tokens.flags.writeable
    assert np.array_equal(np.memmap(pc.tokens_path, dtype=np.int32, mode="r"), pc.tokens)


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz"])
def test_compressed_corpus(tmp_path, kind):
    import bz2
    import lzma
    text = b"one two two\nthree two one\n"
    comp = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[kind]
    p = tmp_path / f"c.{kind}"
    p.write_bytes(comp(text))
    vocab, stream = reference_stream(text, 1)
    pc = prep(p)
    assert pc.vocab == vocab
    assert pc.tokens.tolist() == stream


@pytest.mark.parametrize("max_vocab_size", [None, 1000])
def test_token_straddling_chunk_boundaries(tmp_path, max_vocab_size):
    text = b"antidisestablishment is long\nand so is floccinaucinihilipilification\nok ok"
    p = tmp_path / "c.txt"
    p.write_bytes(text)
    vocab, stream = reference_stream(text, 1)
    for chunk in (1, 3, 8, 13):
        pc = prep(p, chunk_bytes=chunk, max_vocab_size=max_vocab_size)
        assert pc.vocab == vocab
        assert pc.tokens.tolist() == stream


def test_long_single_line(tmp_path):
    words = [b"w%d" % (i % 997) for i in range(200_000)]
    p = tmp_path / "one_line.txt"
    p.write_bytes(b" ".join(words))
    pc = prep(p, chunk_bytes=1 << 14)
    assert pc.n_raw_tokens == 200_000
    assert pc.n_sentences == 1
    assert pc.tokens.size == 200_001
    assert pc.tokens[-1] == SENTENCE_END
    assert np.count_nonzero(pc.tokens == SENTENCE_END) == 1
    assert pc.vocab.words[pc.tokens[0]] == "w0"


def test_invalid_utf8_words_are_encoded_in_both_paths(tmp_path, caplog):
    text = b"caf\xe9 x\xff x\xfe a\nx\xff a caf\xe9\n"
    p = tmp_path / "c.txt"
    p.write_bytes(text)
    vocab, stream = reference_stream(text, 1)
    with caplog.at_level(logging.WARNING, logger="fastw2v"):
        one = prep(p)
        two = prep(p, max_vocab_size=100)
    assert one.vocab == two.vocab == vocab
    assert one.tokens.tolist() == two.tokens.tolist() == stream
    assert one.n_decode_errors == two.n_decode_errors == 3
    assert "x\ufffd" in one.vocab and one.vocab.counts[one.vocab.index["x\ufffd"]] == 3
    assert sum("not valid UTF-8" in r.getMessage() for r in caplog.records) == 2


def test_control_bytes_do_not_break_newline_markers(tmp_path):
    # Every byte the fast path may use as an in-band newline marker occurs in the text.
    junk = bytes(b for b in range(0, 32) if b not in b" \t\n\r\x0b\x0c")
    text = b"a " + junk + b" b\nb \x00 a\n" + junk + b"\n"
    p = tmp_path / "c.txt"
    p.write_bytes(text)
    vocab, stream = reference_stream(text, 1)
    for chunk in (4, 1 << 20):
        for mvs in (None, 100):
            pc = prep(p, chunk_bytes=chunk, max_vocab_size=mvs)
            assert pc.vocab == vocab
            assert pc.tokens.tolist() == stream


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from([b"a", b"b", b"cc", b"d", b" ", b"\n", b"\n\n", b"\t",
                                      b"\x00", b"\xff"]), min_size=1, max_size=80).map(b"".join),
       chunk=st.integers(1, 11), min_count=st.integers(1, 3))
def test_both_encoders_match_reference(tmp_path_factory, text, chunk, min_count):
    p = tmp_path_factory.mktemp("h") / "c.txt"
    p.write_bytes(text)
    words = text.split()
    if not words or max(Counter(words).values()) < min_count:
        reason = (rf"occurs at least {min_count} times? \(min_count\)" if words
                  else "contains no tokens")
        with pytest.raises(CorpusError, match=reason):
            prep(p, min_count=min_count, chunk_bytes=chunk)
        return
    vocab, stream = reference_stream(text, min_count)
    for mvs in (None, 10_000):
        pc = prep(p, min_count=min_count, chunk_bytes=chunk, max_vocab_size=mvs)
        assert pc.vocab == vocab
        assert pc.tokens.tolist() == stream
        assert pc.n_raw_tokens == len(words)
        assert pc.n_sentences == sum(1 for line in text.split(b"\n") if line.split())


def test_encode_corpus_with_given_vocab(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"a b c\nd e\n")
    vocab = Vocab(["c", "a"], [1, 1])
    out = tmp_path / "out.i32"
    with open(out, "wb") as fh:
        n = T.encode_corpus(p, vocab, fh)
    assert n == 3
    assert np.fromfile(out, dtype=np.int32).tolist() == [1, 0, -1]


def test_max_vocab_size_bounds_the_vocabulary(tmp_path):
    rng = random.Random(3)
    frequent = [f"f{i}" for i in range(5)]
    words = frequent * 300 + [f"r{i}" for i in range(95)] * 3
    rng.shuffle(words)
    p = tmp_path / "c.txt"
    p.write_bytes(" ".join(words).encode())
    pc = prep(p, max_vocab_size=20)
    assert len(pc.vocab) <= 20
    assert sorted(pc.vocab.words[:5]) == frequent
    assert pc.n_raw_tokens == len(words)
    assert pc.tokens.min() == SENTENCE_END and pc.tokens.max() < len(pc.vocab)


def test_pruning_everything_is_reported(tmp_path):
    p = tmp_path / "flat.txt"
    p.write_bytes(" ".join(f"w{i % 50}" for i in range(1000)).encode())
    with pytest.raises(CorpusError, match=r"flat\.txt.*pruning dropped every word"):
        prep(p, max_vocab_size=10)


def test_temporary_stream_is_removed_when_unused(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"a b\n")
    pc = prep(p)
    path = pc.tokens_path
    assert path.exists()
    del pc
    gc.collect()
    assert not path.exists()


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

def test_missing_corpus(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        prepare_corpus(tmp_path / "missing.txt")


def test_directory_corpus(tmp_path):
    with pytest.raises(CorpusError, match="directory"):
        prepare_corpus(tmp_path)


@pytest.mark.parametrize("max_vocab_size", [None, 100])
@pytest.mark.parametrize("data", [b"", b"  \n \n\t"])
def test_no_tokens(tmp_path, data, max_vocab_size):
    p = tmp_path / "empty.txt"
    p.write_bytes(data)
    with pytest.raises(CorpusError, match=r"empty\.txt contains no tokens"):
        prepare_corpus(p, max_vocab_size=max_vocab_size)


@pytest.mark.parametrize("max_vocab_size", [None, 100])
def test_no_word_reaches_min_count(tmp_path, max_vocab_size):
    p = tmp_path / "rare.txt"
    p.write_bytes(b"a b c a b a\n")
    with pytest.raises(CorpusError,
                       match=r"rare\.txt.* at least 5 times \(min_count\).*'a', occurs 3 times"):
        prepare_corpus(p, min_count=5, max_vocab_size=max_vocab_size)


def test_truncated_gzip(tmp_path):
    data = gzip.compress(b"word " * 50_000)
    p = tmp_path / "cut.txt.gz"
    p.write_bytes(data[:-100])
    with pytest.raises(CorpusError, match=r"cut\.txt\.gz"):
        prepare_corpus(p)
    assert not list((tmp_path.parent / "fastw2v-cache").glob(".cut*"))  # no temporary left


@pytest.mark.parametrize("kw, match", [
    (dict(min_count=0), "min_count must be an integer >= 1, got 0"),
    (dict(min_count=2.0), "min_count must be an integer >= 1, got 2.0"),
    (dict(max_vocab_size=0), "max_vocab_size must be None or an integer >= 1, got 0"),
    (dict(max_vocab_size=1.5), "max_vocab_size must be None or an integer >= 1, got 1.5"),
])
def test_bad_arguments(tmp_path, kw, match):
    p = tmp_path / "c.txt"
    p.write_bytes(b"a\n")
    with pytest.raises(ValueError, match=match):
        prepare_corpus(p, **kw)


# ---------------------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def corpus_file(tmp_path):
    p = tmp_path / "corpus.txt"
    p.write_bytes(b"the cat sat on the mat\nthe dog\n" * 3)
    return p


def test_cache_is_reused(tmp_path, corpus_file):
    cache = tmp_path / "cache"
    first = prepare_corpus(corpus_file, min_count=2, cache_dir=cache)
    assert not first.from_cache
    second = prepare_corpus(corpus_file, min_count=2, cache_dir=cache)
    assert second.from_cache
    assert second.tokens_path == first.tokens_path
    assert np.array_equal(first.tokens, second.tokens)
    assert second.vocab == first.vocab
    assert (second.n_raw_tokens, second.n_sentences) == (first.n_raw_tokens, first.n_sentences)
    assert second.seconds_count == second.seconds_encode == 0.0
    names = sorted(p.name for p in cache.iterdir())
    key = C.cache_key(corpus_file, 2)
    assert names == [f"{key}.json", f"{key}.tokens.i32", f"{key}.vocab.tsv"]
    meta = json.loads(next(cache.glob("*.json")).read_text())
    assert meta["n_raw_tokens"] == 24 and meta["key"]["min_count"] == 2


def test_default_cache_dir_from_environment(tmp_path, corpus_file, monkeypatch):
    monkeypatch.setenv("FASTW2V_CACHE", str(tmp_path / "envcache"))
    pc = prepare_corpus(corpus_file, min_count=1)
    assert pc.tokens_path.parent == tmp_path / "envcache"
    assert prepare_corpus(corpus_file, min_count=1).from_cache


def test_default_cache_dir_fallbacks(tmp_path, monkeypatch):
    monkeypatch.delenv("FASTW2V_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "fastw2v"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "fastw2v"


def test_changed_file_is_rebuilt(tmp_path, corpus_file):
    cache = tmp_path / "cache"
    prepare_corpus(corpus_file, min_count=1, cache_dir=cache)
    corpus_file.write_bytes(b"the cat\n")
    pc = prepare_corpus(corpus_file, min_count=1, cache_dir=cache)
    assert not pc.from_cache
    assert pc.vocab.words == ["cat", "the"]


def test_touched_file_is_rebuilt(tmp_path, corpus_file):
    cache = tmp_path / "cache"
    prepare_corpus(corpus_file, min_count=1, cache_dir=cache)
    st = corpus_file.stat()
    os.utime(corpus_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert not prepare_corpus(corpus_file, min_count=1, cache_dir=cache).from_cache
    assert prepare_corpus(corpus_file, min_count=1, cache_dir=cache).from_cache


def test_settings_are_part_of_the_key(tmp_path, corpus_file):
    cache = tmp_path / "cache"
    a = prepare_corpus(corpus_file, min_count=1, cache_dir=cache)
    b = prepare_corpus(corpus_file, min_count=2, cache_dir=cache)
    c = prepare_corpus(corpus_file, min_count=1, max_vocab_size=100, cache_dir=cache)
    assert not b.from_cache and not c.from_cache
    assert len({a.tokens_path, b.tokens_path, c.tokens_path}) == 3
    assert c.vocab == a.vocab and np.array_equal(c.tokens, a.tokens)
    assert prepare_corpus(corpus_file, min_count=2, cache_dir=cache).from_cache


@pytest.mark.parametrize("damage", ["truncate_tokens", "drop_meta", "drop_vocab",
                                    "corrupt_vocab", "corrupt_meta"])
def test_inconsistent_cache_entry_is_rebuilt(tmp_path, corpus_file, damage):
    cache = tmp_path / "cache"
    good = prepare_corpus(corpus_file, min_count=1, cache_dir=cache)
    expected = good.tokens.tolist()
    del good
    gc.collect()
    tokens = next(cache.glob("*.tokens.i32"))
    vocab = next(cache.glob("*.vocab.tsv"))
    meta = next(cache.glob("*.json"))
    if damage == "truncate_tokens":
        tokens.write_bytes(tokens.read_bytes()[:-4])
    elif damage == "drop_meta":
        meta.unlink()
    elif damage == "drop_vocab":
        vocab.unlink()
    elif damage == "corrupt_vocab":
        vocab.write_text("the 5\n")
    else:
        meta.write_text("{not json")
    pc = prepare_corpus(corpus_file, min_count=1, cache_dir=cache)
    assert not pc.from_cache
    assert pc.tokens.tolist() == expected
    assert prepare_corpus(corpus_file, min_count=1, cache_dir=cache).from_cache


def test_unwritable_cache_dir_falls_back_to_a_temporary_file(tmp_path, corpus_file, caplog):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    with caplog.at_level(logging.WARNING, logger="fastw2v"):
        pc = prepare_corpus(corpus_file, min_count=1, cache_dir=blocker / "cache")
    assert not pc.from_cache
    assert pc.tokens.size > 0
    assert "not writable" in caplog.text
    assert not pc.tokens_path.is_relative_to(tmp_path)


def test_use_cache_false_writes_no_cache(tmp_path, corpus_file):
    cache = tmp_path / "cache"
    pc = prepare_corpus(corpus_file, min_count=1, cache_dir=cache, use_cache=False)
    assert not pc.from_cache
    assert not cache.exists()
    pc2 = prepare_corpus(corpus_file, min_count=1, cache_dir=cache, use_cache=False)
    assert not pc2.from_cache
    assert pc2.tokens_path != pc.tokens_path


def test_cache_key_changes_with_inputs(tmp_path, corpus_file):
    k = C.cache_key(corpus_file, 5)
    assert k == C.cache_key(corpus_file, 5)
    assert k != C.cache_key(corpus_file, 4)
    assert k != C.cache_key(corpus_file, 5, 100)
    assert k.startswith("corpus.txt-")


# ---------------------------------------------------------------------------------------------
# The real corpus
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_wiki100m(data_dir: Path):
    path = data_dir / "wiki100m.txt.gz"
    if not path.exists():
        pytest.skip("wiki100m.txt.gz not in the shared data directory")
    pc = prepare_corpus(path, min_count=5, use_cache=False)
    assert pc.n_raw_tokens == 16_899_533
    assert len(pc.vocab) == 68_085
    assert pc.n_sentences == 1
    assert pc.tokens[-1] == SENTENCE_END
    assert np.count_nonzero(pc.tokens == SENTENCE_END) == 1
    assert pc.tokens.size == pc.vocab.total + 1
    assert pc.vocab.words[0] == "the"
    assert pc.vocab.words[pc.tokens[0]] == "anarchism"
