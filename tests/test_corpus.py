"""Reading, tokenising and counting corpora (fastw2v.corpus.reader)."""
from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import random
import threading
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastw2v.corpus import reader as C
from fastw2v.errors import CorpusError

TEXT = b"the quick brown fox\njumps over the lazy dog\n\n  the end \n"
WRITERS = {
    "txt": lambda data: data,
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
}


def reference_lines(text: bytes) -> int:
    """Lines holding at least one whitespace-separated token."""
    return sum(1 for line in text.split(b"\n") if line.split())


def reference_counts(text: bytes) -> dict:
    return {w.decode("utf-8", "replace"): c for w, c in Counter(text.split()).items()}


def write(path, data: bytes, kind: str = "txt"):
    path.write_bytes(WRITERS[kind](data))
    return path


# ---------------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_count_words_every_format(tmp_path, kind):
    p = write(tmp_path / f"corpus.{kind}", TEXT, kind)
    cc = C.count_words(p)
    assert cc.counts == reference_counts(TEXT)
    assert cc.counts["the"] == 3
    assert cc.n_tokens == 11
    assert cc.n_sentences == 3
    assert cc.n_decode_errors == 0
    assert cc.prune_threshold == 0


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz"])
def test_compression_detected_by_magic_bytes_whatever_the_suffix(tmp_path, kind):
    p = write(tmp_path / "corpus.txt", TEXT, kind)
    assert C.compression_of(p) == {"gz": "gzip", "bz2": "bzip2", "xz": "xz"}[kind]
    assert C.count_words(p).counts == reference_counts(TEXT)


def test_plain_file_with_no_known_magic_is_plain(tmp_path):
    p = write(tmp_path / "corpus", TEXT)
    assert C.compression_of(p) is None


def test_multi_member_gzip(tmp_path):
    p = tmp_path / "corpus.gz"
    p.write_bytes(gzip.compress(b"a b\n") + gzip.compress(b"c a\n"))
    cc = C.count_words(p)
    assert cc.counts == {"a": 2, "b": 1, "c": 1}
    assert cc.n_sentences == 2


# ---------------------------------------------------------------------------------------------
# Blocks and chunk boundaries
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
@pytest.mark.parametrize("prefetch", [True, False])
def test_blocks_never_cut_a_token(tmp_path, chunk, prefetch):
    text = b"alpha beta\tgamma\r\ndelta  epsilon\x0bzeta\x0ceta\n\ntheta"
    p = write(tmp_path / "c.txt", text)
    blocks = list(C.iter_blocks(p, chunk, prefetch=prefetch))
    assert b"".join(blocks) == text
    tokens = [t for b in blocks for t in b.split()]
    assert tokens == text.split()
    for b in blocks[:-1]:
        assert b[-1:] in [bytes([c]) for c in C.ASCII_WHITESPACE]


def test_token_straddling_chunk_boundary_is_counted_once(tmp_path):
    p = write(tmp_path / "c.txt", b"aaaa bbbbbbbbbb cc")
    cc = C.count_words(p, chunk_bytes=3)
    assert cc.counts == {"aaaa": 1, "bbbbbbbbbb": 1, "cc": 1}
    assert cc.n_tokens == 3


def test_long_single_line_is_not_truncated(tmp_path):
    words = [b"w%d" % (i % 5000) for i in range(300_000)]  # ~2 MB, one line, no newline
    text = b" ".join(words)
    p = write(tmp_path / "long.txt.gz", text, "gz")
    cc = C.count_words(p, chunk_bytes=1 << 16)
    assert cc.n_tokens == 300_000
    assert cc.n_sentences == 1
    assert len(cc.counts) == 5000
    assert set(cc.counts.values()) == {60}


def test_abandoned_iteration_stops_the_reader_thread(tmp_path):
    p = write(tmp_path / "c.txt", b"word " * 10_000)
    before = threading.active_count()
    it = C.iter_blocks(p, 16)
    next(it)
    it.close()
    assert threading.active_count() == before


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from([b"a", b"bb", b"ccc", b" ", b"  ", b"\n", b"\t", b"\r\n",
                                      b"\xc3\xa9", b"x\xffy"]), max_size=60).map(b"".join),
       chunk=st.integers(1, 17))
def test_counts_match_reference_for_any_chunking(tmp_path_factory, text, chunk):
    p = tmp_path_factory.mktemp("h") / "c.txt"
    p.write_bytes(text)
    if not text.split():
        with pytest.raises(CorpusError, match="contains no tokens"):
            C.count_words(p, chunk_bytes=chunk)
        return
    cc = C.count_words(p, chunk_bytes=chunk)
    assert cc.counts == reference_counts(text)
    assert cc.n_tokens == len(text.split())
    assert cc.n_sentences == reference_lines(text)


# ---------------------------------------------------------------------------------------------
# Tokenising helpers
# ---------------------------------------------------------------------------------------------

def test_split_with_newlines_uses_an_absent_marker():
    tokens, marker = C.split_with_newlines(b"a b\n\nc\x00\n")
    assert marker == b"\x01"  # \x00 occurs in the block
    assert tokens == [b"a", b"b", marker, marker, b"c\x00", marker]


def test_split_with_newlines_without_newline():
    assert C.split_with_newlines(b" a  b ") == ([b"a", b"b"], None)


def test_split_with_newlines_falls_back_to_lines_when_every_marker_occurs():
    junk = b"".join(C._MARKER_CANDIDATES)
    tokens, marker = C.split_with_newlines(b"a " + junk + b"\nb\n")
    assert marker == C.NEWLINE_TOKEN
    assert tokens == [b"a", junk, marker, b"b", marker]


@pytest.mark.parametrize("block,in_line,expected", [
    (b"a b", False, (0, True)),
    (b"   ", False, (0, False)),
    (b"   ", True, (0, True)),
    (b"\n", True, (1, False)),
    (b"\n", False, (0, False)),
    (b"a\n\n \t\nb\nc", False, (2, True)),
    (b" \n", True, (1, False)),
    (b"x\n", False, (1, False)),
])
def test_count_line_ends(block, in_line, expected):
    assert C.count_line_ends(block, in_line) == expected


# ---------------------------------------------------------------------------------------------
# UTF-8
# ---------------------------------------------------------------------------------------------

def test_invalid_utf8_is_replaced_counted_and_logged(tmp_path, caplog):
    p = write(tmp_path / "c.txt", "café naïve ".encode() + b"caf\xe9 x\xff x\xfe x\xff")
    with caplog.at_level(logging.WARNING, logger="fastw2v"):
        cc = C.count_words(p)
    assert cc.n_decode_errors == 3
    # x\xff and x\xfe both decode to "x\ufffd": their counts are added up.
    assert cc.counts == {"café": 1, "naïve": 1, "caf\ufffd": 1, "x\ufffd": 3}
    assert any("3 distinct word(s) are not valid UTF-8" in r.getMessage() for r in caplog.records)
    assert all(r.name == "fastw2v" for r in caplog.records)


def test_decode_words_valid_and_invalid():
    assert C.decode_words([]) == ([], 0)
    assert C.decode_words([b"a", "é".encode()]) == (["a", "é"], 0)
    assert C.decode_words([b"a", b"\xff"]) == (["a", "\ufffd"], 1)


# ---------------------------------------------------------------------------------------------
# max_vocab_size pruning
# ---------------------------------------------------------------------------------------------

def test_pruning_keeps_memory_bounded_and_frequent_words(tmp_path):
    rng = random.Random(7)
    frequent = [f"common{i}" for i in range(20)]
    tokens = []
    for i in range(60_000):
        tokens.append(rng.choice(frequent))
        tokens.append(f"rare{i}")  # 60k distinct words, each once
    p = write(tmp_path / "c.txt", " ".join(tokens).encode())
    cc = C.count_words(p, max_vocab_size=1000, chunk_bytes=1 << 15)
    assert cc.peak_distinct <= 2000
    assert len(cc.counts) <= 1000
    assert cc.prune_threshold >= 1
    assert set(frequent) <= set(cc.counts)
    assert all(c > cc.prune_threshold for c in cc.counts.values())
    assert cc.n_tokens == 120_000
    exact = C.count_words(p)
    assert len(exact.counts) == 60_020
    assert exact.peak_distinct == 60_020


def test_prune_counts_raises_threshold_until_small_enough():
    counter = {"a": 5, "b": 3, "c": 2, "d": 1, "e": 1}
    pruned, threshold = C.prune_counts(counter, 2, 0)
    assert dict(pruned) == {"a": 5, "b": 3}
    assert threshold == 2
    same, t = C.prune_counts({"a": 1}, 2, 4)
    assert (dict(same), t) == ({"a": 1}, 4)


def test_no_pruning_below_the_limit(tmp_path):
    p = write(tmp_path / "c.txt", TEXT)
    cc = C.count_words(p, max_vocab_size=1000)
    assert cc.counts == reference_counts(TEXT)
    assert cc.prune_threshold == 0


@pytest.mark.parametrize("bad", [0, -1, True])
def test_bad_max_vocab_size(tmp_path, bad):
    p = write(tmp_path / "c.txt", TEXT)
    with pytest.raises(ValueError, match="max_vocab_size"):
        C.count_words(p, max_vocab_size=bad)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    p = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        C.count_words(p)


def test_directory(tmp_path):
    with pytest.raises(CorpusError, match="directory"):
        C.count_words(tmp_path)


@pytest.mark.parametrize("kind", sorted(WRITERS))
@pytest.mark.parametrize("data", [b"", b" \n\t\r\n  \n"])
def test_empty_or_whitespace_only(tmp_path, kind, data):
    p = write(tmp_path / f"empty.{kind}", data, kind)
    with pytest.raises(CorpusError, match=r"empty\.%s contains no tokens" % kind):
        C.count_words(p)


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz"])
def test_truncated_compressed_file(tmp_path, kind):
    data = WRITERS[kind](b"some words here " * 5000)
    p = tmp_path / f"trunc.{kind}"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorpusError, match=r"trunc\.%s.*corrupt or truncated" % kind):
        C.count_words(p)


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz"])
def test_garbage_with_compressed_suffix(tmp_path, kind):
    p = tmp_path / f"junk.{kind}"
    p.write_bytes(b"this is not compressed at all\n")
    with pytest.raises(CorpusError, match=r"junk\.%s" % kind):
        C.count_words(p)


def test_corrupt_gzip_body(tmp_path):
    data = bytearray(gzip.compress(b"word " * 20_000))
    for i in range(20, len(data) - 20, 7):
        data[i] ^= 0x5A
    p = tmp_path / "bad.gz"
    p.write_bytes(bytes(data))
    with pytest.raises(CorpusError, match="bad.gz"):
        C.count_words(p)
