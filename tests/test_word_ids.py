"""The compiled split and word look-up of corpus preparation (fastw2v.kernels.tokens), checked
against the obvious Python: ``bytes.split`` with a newline token, and a ``dict``."""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastw2v.kernels import tokens as K
from fastw2v.kernels.tokens import WordIds

#: Every kind of byte the rule cares about: the six whitespace bytes, control bytes that the old
#: in-band newline marker used, bytes of multi-byte UTF-8 and invalid UTF-8, plain letters.
_PIECES = [b"a", b"b", b"cc", b"\xc3\xa9", b"\xff", b"\x00", b"\x01", b"\x1f", b"\x85", b"\xa0",
           b" ", b"\n", b"\t", b"\r", b"\x0b", b"\x0c", b"\n\n", b"  "]


def reference_ids(blocks, words=None, newline_id=0, first_id=1, missing_id=None):
    """(ids per block, words in id order): insert when ``missing_id`` is None."""
    order = list(words or ())
    index = {}
    for i, w in enumerate(order):
        index.setdefault(w, i + first_id)  # a repeated word keeps its first id
    out = []
    for block in blocks:
        ids = []
        for i, line in enumerate(block.split(b"\n")):
            if i:
                ids.append(newline_id)
            for tok in line.split():
                if tok not in index:
                    if missing_id is not None:
                        ids.append(missing_id)
                        continue
                    index[tok] = len(order) + first_id
                    order.append(tok)
                ids.append(index[tok])
        out.append(ids)
    return out, order


@settings(max_examples=200, deadline=None)
@given(blocks=st.lists(st.lists(st.sampled_from(_PIECES), max_size=40).map(b"".join),
                       min_size=1, max_size=4))
def test_insert_matches_split_and_dict(blocks):
    got = WordIds(insert=True, first_id=1, newline_id=0)
    ids = [got.encode(b).tolist() for b in blocks]
    want, words = reference_ids(blocks)
    assert ids == want
    assert got.words() == words and len(got) == len(words)


@settings(max_examples=100, deadline=None)
@given(blocks=st.lists(st.lists(st.sampled_from(_PIECES), max_size=40).map(b"".join),
                       min_size=1, max_size=3),
       known=st.lists(st.sampled_from([b"a", b"cc", b"\xc3\xa9", b"\xff", b"\x00", b"zz"]),
                      unique=True))
def test_lookup_matches_dict(blocks, known):
    got = WordIds(known, insert=False, newline_id=-1, missing_id=-2)
    ids = [got.encode(b).tolist() for b in blocks]
    want, _ = reference_ids(blocks, known, newline_id=-1, first_id=0, missing_id=-2)
    assert ids == want
    assert got.words() == known


def test_growth_keeps_every_word_and_id(monkeypatch):
    """A table that starts tiny grows many times, across blocks and within one, and a token
    longer than the whole arena still fits."""
    monkeypatch.setattr(K, "_FIRST_WORDS", 2)
    monkeypatch.setattr(K, "_FIRST_ARENA", 4)
    rng = random.Random(7)
    vocab = [bytes(rng.choice(b"abcdefgh") for _ in range(rng.randint(1, 9))) for _ in range(3000)]
    blocks = [b" ".join(rng.choice(vocab) for _ in range(2000)) + b"\n" for _ in range(5)]
    blocks.append(b"x" * 100_000 + b" a")
    got = WordIds(insert=True, first_id=1, newline_id=0)
    ids = [got.encode(b).tolist() for b in blocks]
    want, words = reference_ids(blocks)
    assert ids == want and got.words() == words
    assert got.nbytes()[0] > 100_000


def test_known_words_are_whole_and_keep_their_positions():
    # a word holding whitespace takes its id but is never found; ids after it do not shift
    got = WordIds([b"the", b"a b", b"cat", b""], insert=False, newline_id=-1, missing_id=-2)
    assert got.encode(b"the cat a b\nthe").tolist() == [0, 2, -2, -2, -1, 0]
    assert len(got) == 4


def test_repeated_known_word_is_found_under_its_first_id():
    got = WordIds([b"x", b"y", b"x"], insert=False, newline_id=-1, missing_id=-2)
    assert got.encode(b"x y").tolist() == [0, 1]


def test_lookup_can_insert_on_request_and_empty_blocks_give_nothing():
    got = WordIds([b"a"], insert=False, newline_id=9, missing_id=-2)
    assert got.encode(b"").size == 0
    assert got.encode(b"   \t ").size == 0
    assert got.encode(b"b a", insert=True).tolist() == [1, 0]
    assert got.encode(b"b c").tolist() == [1, -2]


def test_the_id_buffer_is_reused_and_the_table_does_not_grow_for_known_words():
    got = WordIds(insert=True, first_id=1, newline_id=0)
    got.encode(b"a b c " * 1000)
    before = got.nbytes()
    assert got.encode(b"c b a " * 1000).tolist() == [3, 2, 1] * 1000
    assert got.nbytes() == before


def test_one_specialisation_per_kernel():
    """Insert and look-up, first and resumed calls all share one compiled encode_bytes."""
    WordIds([b"q"], insert=False, newline_id=-1, missing_id=-2).encode(b"q r\n")
    WordIds(insert=True, first_id=1, newline_id=0).encode(b"q r\n")
    assert len(K.encode_bytes.signatures) == 1


@pytest.mark.parametrize("n", [1, 2, 3, 1000])
def test_hash_table_never_fills(n):
    """The load stays at most one half, so a free slot always ends a probe."""
    got = WordIds((str(i).encode() for i in range(n)), insert=True, newline_id=-1)
    got.encode(b" ".join(str(i).encode() for i in range(n, 3 * n)))
    t = got._table
    assert int(np.count_nonzero(t.slots != K.EMPTY)) == 3 * n
    assert 3 * n <= t.slots.size * K.MAX_LOAD_NUM // K.MAX_LOAD_DEN
