"""Counting adjacent word pairs of the token stream, and marking phrases, in compiled loops.

Phrase detection (:mod:`fastw2v.phrases`) needs the count of every pair of words that stand next
to each other in a sentence. A Python dict per token would cost ~100 ns and ~100 bytes per
distinct pair; here the pairs of the int32 token stream (:mod:`fastw2v.corpus.stream`) go into an
open-addressing hash table of two flat arrays:

* ``keys`` (int64): ``a << 32 | b`` for the pair of ids ``(a, b)``, :data:`EMPTY` for a free slot;
* ``counts`` (int64): the pair's count.

The table's size is a power of two; slots are found by multiplicative (Fibonacci) hashing and
linear probing. :func:`count_pairs` stops before adding a pair when the table holds ``limit``
entries, so the caller can grow the table or prune rare pairs (bounded memory) and continue from
where it stopped; the table itself is never resized or pruned here.
"""
from __future__ import annotations

import numpy as np

from .options import inline_kernel, kernel

#: A free slot of the table. Keys are ``a << 32 | b`` with ids ``0 <= a, b < 2**31``, never -1.
EMPTY = -1

#: 2**64 / golden ratio, odd: multiplying by it spreads consecutive keys over the whole table
#: (Knuth's multiplicative hashing); the high bits of the product pick the slot.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_U32 = np.int64(32)


@inline_kernel
def pair_key(a, b):
    """The table key of the pair of ids ``(a, b)`` (both in ``[0, 2**31)``)."""
    return (np.int64(a) << _U32) | np.int64(b)


@inline_kernel
def _shift_of(size):
    """``64 - log2(size)`` for a table of ``size`` (a power of two) slots."""
    bits = 0
    while size > 1:
        size >>= 1
        bits += 1
    return 64 - bits


@inline_kernel
def _first_slot(key, shift):
    return np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(shift))


@inline_kernel
def find_slot(keys, key, shift):
    """The slot holding ``key``, or the free slot where it would go (linear probing)."""
    mask = keys.shape[0] - 1
    j = _first_slot(key, shift)
    while keys[j] != key and keys[j] != EMPTY:
        j = (j + 1) & mask
    return j


@kernel
def count_pairs(tokens, pos, end, keys, counts, filled, limit):
    """Add every pair ``(tokens[i - 1], tokens[i])`` with ``pos <= i < end`` and both ids
    ``>= 0`` (no sentence end between them) to the table.

    ``pos >= 1``. ``filled[0]`` is the number of entries; a pair not yet in the table is added only
    while fewer than ``limit`` entries are held: otherwise the call returns ``i`` (the pair is not
    counted) and the caller grows or prunes the table and calls again from ``i``. Returns ``end``
    when done.
    """
    shift = _shift_of(keys.shape[0])
    n = filled[0]
    for i in range(pos, end):
        a = tokens[i - 1]
        b = tokens[i]
        if a < 0 or b < 0:
            continue
        key = pair_key(a, b)
        j = find_slot(keys, key, shift)
        if keys[j] == key:
            counts[j] += 1
        else:
            if n >= limit:
                filled[0] = n
                return i
            keys[j] = key
            counts[j] = 1
            n += 1
    filled[0] = n
    return end


@kernel
def insert_counts(new_keys, new_counts, keys, counts):
    """Insert distinct ``new_keys`` with ``new_counts`` into an empty-enough table (rehash after
    growing or pruning). Returns the number inserted."""
    shift = _shift_of(keys.shape[0])
    for i in range(new_keys.shape[0]):
        j = find_slot(keys, new_keys[i], shift)
        keys[j] = new_keys[i]
        counts[j] = new_counts[i]
    return new_keys.shape[0]


@kernel
def mark_joins(ids, keys, joined):
    """Greedy left-to-right phrase joins of a run of token ids (word2phrase's and gensim's rule).

    ``keys`` is a table of the accepted pairs. ``joined[i] = 1`` when token ``i`` is joined to
    token ``i - 1``: both ids ``>= 0``, their pair is accepted, and token ``i - 1`` was not itself
    joined to its left neighbour (a token belongs to one phrase per pass). ``joined[0] = 0``.
    Returns the number of joins.
    """
    shift = _shift_of(keys.shape[0])
    n = ids.shape[0]
    found = 0
    if n:
        joined[0] = 0
    for i in range(1, n):
        joined[i] = 0
        a = ids[i - 1]
        b = ids[i]
        if joined[i - 1] or a < 0 or b < 0:
            continue
        key = pair_key(a, b)
        if keys[find_slot(keys, key, shift)] == key:
            joined[i] = 1
            found += 1
    return found
