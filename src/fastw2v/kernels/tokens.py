"""Compiled tokenising and word look-up: a block of corpus bytes to int32 word ids.

Corpus preparation used to split each block with :meth:`bytes.split` and look every token up in
a Python ``dict``: about 200 ns a token, 3.5 s of the 5.7 s it took to prepare wiki100m (16.9M
tokens). :func:`encode_bytes` does the same work in one compiled pass over the bytes, with an
open-addressing hash table of byte words (FNV-1a hashes, linear probing), as word2vec.c does.

The rule is the corpus rule of :mod:`fastw2v.corpus.reader`: tokens are maximal runs of bytes
that are not ASCII whitespace (exactly what :meth:`bytes.split` splits on), and every ``\\n``
byte is reported as a newline id of its own, so the ids come out in the order the tokens and
newlines stand in the text. Words are compared as bytes; decoding them is the caller's business.

The table only grows, and numba arrays cannot grow in place, so the kernel stops before a word
that does not fit and says so; :class:`WordIds` (plain Python) then doubles the arrays and calls
it again from that token. Each kernel call is single-threaded (the table is not shared between
threads) and releases the GIL, so the reader thread keeps decompressing meanwhile.
"""
from __future__ import annotations

from typing import Iterable, List, NamedTuple, Optional, Tuple

import numpy as np

from .options import inline_kernel, kernel

#: The bytes ``bytes.split()`` treats as whitespace: ``\\t \\n \\v \\f \\r`` (9..13) and space.
_SPACE = 32
_FIRST_CONTROL_SPACE = 9
_LAST_CONTROL_SPACE = 13
_NEWLINE = 10
_WHITESPACE_BYTES = tuple(bytes([b]) for b in (_SPACE, *range(_FIRST_CONTROL_SPACE,
                                                               _LAST_CONTROL_SPACE + 1)))

#: FNV-1a, 64-bit (Fowler, Noll, Vo): a byte-at-a-time hash that spreads short words well, and
#: corpus words are short (5 bytes on average on wiki100m).
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)

#: Empty slot of the hash table.
EMPTY = -1

#: The table is grown once more than half of its slots would be taken: with linear probing a
#: look-up then probes about 1.5 slots when the word is there, 2.5 when it is not.
MAX_LOAD_NUM, MAX_LOAD_DEN = 1, 2

#: Returned by :func:`encode_bytes`: the block is done, or the next word does not fit.
DONE, FULL = 0, 1

#: First sizes: a corpus of a few thousand distinct words never grows the table.
_FIRST_WORDS = 1 << 13
_FIRST_ARENA = 1 << 16


class WordTable(NamedTuple):
    """The arrays of the hash table.

    ``slots[h & (slots.size - 1)]`` and the slots after it hold word indices (:data:`EMPTY`:
    free); word ``i`` is ``arena[offsets[i]:offsets[i + 1]]`` with hash ``hashes[i]``;
    ``n_words[0]`` words are held. ``slots.size`` is a power of two.
    """

    slots: np.ndarray     # int32[2^k]
    hashes: np.ndarray    # uint64[capacity in words]
    offsets: np.ndarray   # int64[capacity in words + 1]
    arena: np.ndarray     # uint8[capacity in bytes]
    n_words: np.ndarray   # int64[1]


@inline_kernel
def _is_space(b):
    return b == _SPACE or (_FIRST_CONTROL_SPACE <= b <= _LAST_CONTROL_SPACE)


@inline_kernel
def _hash_byte(h, b):
    """One FNV-1a step: the hash ``h`` of a word extended by the byte ``b``."""
    return (h ^ np.uint64(b)) * _FNV_PRIME


@inline_kernel
def _hash(data, start, end):
    h = _FNV_OFFSET
    for i in range(start, end):
        h = _hash_byte(h, data[i])
    return h


@inline_kernel
def _find(table, data, start, end, h):
    """Slot of the word ``data[start:end]`` (hash ``h``), or of the free slot where it goes."""
    mask = table.slots.size - 1
    s = np.int64(h & np.uint64(mask))
    n = end - start
    while True:
        w = table.slots[s]
        if w == EMPTY:
            return s
        if table.hashes[w] == h:
            o = table.offsets[w]
            if table.offsets[w + 1] - o == n:
                same = True
                for k in range(n):
                    if table.arena[o + k] != data[start + k]:
                        same = False
                        break
                if same:
                    return s
        s = (s + 1) & mask


@inline_kernel
def _append(table, data, start, end, h):
    """Store ``data[start:end]`` (hash ``h``) as the next word and return its index; ``table``
    has room for it, and placing the index in a slot is the caller's business."""
    w = table.n_words[0]
    o = table.offsets[w]
    for k in range(end - start):
        table.arena[o + k] = data[start + k]
    table.offsets[w + 1] = o + (end - start)
    table.hashes[w] = h
    table.n_words[0] = w + 1
    return w


@kernel
def encode_bytes(data, pos, table, insert, first_id, newline_id, missing_id, out, n_out):
    """Write the ids of the tokens of ``data[pos:]`` to ``out[n_out:]``.

    Parameters
    ----------
    data : uint8 array
        Corpus bytes; the end of ``data`` ends the last token.
    pos : int
        Where to start; a token or whitespace starts there.
    table : WordTable
        The words; new ones are added when ``insert``.
    insert : bool
        Add unknown words (id ``first_id + index``) instead of writing ``missing_id``.
    first_id, newline_id, missing_id : int
        Id of word 0; id written for each ``\\n``; id of an unknown word when not ``insert``.
    out : int32 array
        Receives the ids; ``data.size - pos`` free entries always suffice (a token has a byte
        at least, and so has each newline).
    n_out : int
        Ids already in ``out``.

    Returns
    -------
    (status, pos, n_out)
        :data:`DONE` with ``pos == data.size``, or :data:`FULL` with ``pos`` at a new word that
        does not fit in ``table``; ``n_out`` counts the ids in ``out``.
    """
    size = data.size
    max_words = table.hashes.size
    max_load = table.slots.size * MAX_LOAD_NUM // MAX_LOAD_DEN
    while pos < size:
        b = data[pos]
        if _is_space(b):
            if b == _NEWLINE:
                out[n_out] = newline_id
                n_out += 1
            pos += 1
            continue
        h = _hash_byte(_FNV_OFFSET, b)  # the token is hashed while it is scanned
        end = pos + 1
        while end < size:
            c = data[end]
            if _is_space(c):
                break
            h = _hash_byte(h, c)
            end += 1
        s = _find(table, data, pos, end, h)
        w = table.slots[s]
        if w != EMPTY:
            out[n_out] = first_id + w
        elif not insert:
            out[n_out] = missing_id
        else:
            w = table.n_words[0]
            if (w + 1 > max_load or w + 1 > max_words
                    or table.offsets[w] + (end - pos) > table.arena.size):
                return FULL, pos, n_out
            table.slots[s] = _append(table, data, pos, end, h)
            out[n_out] = first_id + w
        n_out += 1
        pos = end
    return DONE, pos, n_out


@kernel
def _add_words(table, data, ends):
    """Add the words ``data[ends[i - 1]:ends[i]]`` (``ends[-1]`` is 0) as they are, whitespace and
    all; ``table`` has room for them. A repeated word takes an id but is found under its first."""
    start = 0
    for i in range(ends.size):
        end = ends[i]
        h = _hash(data, start, end)
        s = _find(table, data, start, end, h)
        w = _append(table, data, start, end, h)
        if table.slots[s] == EMPTY:
            table.slots[s] = w
        start = end


@kernel
def _rehash(slots, hashes, n_words):
    """Put words ``0 .. n_words - 1`` into the empty ``slots`` by their hashes."""
    mask = slots.size - 1
    for w in range(n_words):
        s = np.int64(hashes[w] & np.uint64(mask))
        while slots[s] != EMPTY:
            s = (s + 1) & mask
        slots[s] = w


def _empty_table(n_words: int, n_bytes: int) -> WordTable:
    n_slots = 1 << max(n_words * MAX_LOAD_DEN // MAX_LOAD_NUM - 1, 1).bit_length()
    return WordTable(np.full(n_slots, EMPTY, dtype=np.int32), np.zeros(n_words, dtype=np.uint64),
                     np.zeros(n_words + 1, dtype=np.int64), np.zeros(n_bytes, dtype=np.uint8),
                     np.zeros(1, dtype=np.int64))


def _grown(t: WordTable, need_bytes: int) -> WordTable:
    """A copy of ``t`` with twice the words and at least ``need_bytes`` more free bytes."""
    n = int(t.n_words[0])
    used = int(t.offsets[n])
    n_bytes = max(2 * t.arena.size, used + need_bytes)
    g = _empty_table(2 * t.hashes.size, n_bytes)
    g.hashes[:n] = t.hashes[:n]
    g.offsets[:n + 1] = t.offsets[:n + 1]
    g.arena[:used] = t.arena[:used]
    g.n_words[0] = n
    _rehash(g.slots, g.hashes, n)
    return g


def _token_end(block: bytes, pos: int) -> int:
    """End of the token that starts at ``block[pos]`` (searched in C: a token may be megabytes)."""
    ends = [e for e in (block.find(w, pos) for w in _WHITESPACE_BYTES) if e != -1]
    return min(ends) if ends else len(block)


class WordIds:
    """Byte words to consecutive ids, compiled: :func:`encode_bytes` with a table that grows.

    Parameters
    ----------
    words : iterable of bytes
        Words known from the start (word ``i`` gets id ``first_id + i``); a repeated word keeps
        its first id, and a word holding whitespace is never found.
    insert : bool
        Give a token that is not known yet the next id (first-seen order) instead of
        ``missing_id``.
    first_id, newline_id, missing_id : int
        Id of word 0; id of each ``\\n``; id of an unknown token when not ``insert``.
    """

    def __init__(self, words: Iterable[bytes] = (), *, insert: bool, first_id: int = 0,
                 newline_id: int, missing_id: int = 0) -> None:
        self.insert = bool(insert)
        self.first_id, self.newline_id, self.missing_id = first_id, newline_id, missing_id
        known = list(words)
        data = np.frombuffer(b"".join(known), dtype=np.uint8)
        self._table = _empty_table(max(_FIRST_WORDS, 2 * len(known)),
                                   max(_FIRST_ARENA, 2 * data.size))
        self._out = np.empty(0, dtype=np.int32)
        if known:
            ends = np.cumsum(np.fromiter(map(len, known), dtype=np.int64, count=len(known)))
            _add_words(self._table, data, ends)

    def __len__(self) -> int:
        return int(self._table.n_words[0])

    def encode(self, block: bytes, *, insert: Optional[bool] = None) -> np.ndarray:
        """The int32 ids of ``block``'s tokens and newlines, in text order.

        ``insert`` overrides the table's own setting for this block. The array is a view of a
        buffer that the next call overwrites.
        """
        insert = self.insert if insert is None else bool(insert)
        data = np.frombuffer(block, dtype=np.uint8)
        if self._out.size < data.size:
            self._out = np.empty(data.size, dtype=np.int32)
        pos = n_out = 0
        while True:
            status, pos, n_out = encode_bytes(data, pos, self._table, insert, self.first_id,
                                              self.newline_id, self.missing_id, self._out, n_out)
            if status == DONE:
                return self._out[:n_out]
            self._table = _grown(self._table, _token_end(block, pos) - pos)

    def words(self) -> List[bytes]:
        """The words, in id order."""
        t = self._table
        n = int(t.n_words[0])
        off = t.offsets[:n + 1].tolist()
        arena = t.arena[:off[-1]].tobytes()  # the bytes in use, not the free tail
        return [arena[off[i]:off[i + 1]] for i in range(n)]

    def nbytes(self) -> Tuple[int, int]:
        """Bytes held by the table and by the reused id buffer."""
        t = self._table
        return sum(a.nbytes for a in t), self._out.nbytes
