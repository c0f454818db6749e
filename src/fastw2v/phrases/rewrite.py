"""Writing the phrased corpus: the input text with every accepted pair joined by the delimiter.

The corpus is read again block by block (:func:`fastw2v.corpus.reader.iter_blocks`, any line
length, compressed or not). Each block's tokens get ids -- only words that are part of an
accepted phrase need one, every other token is a break -- and the compiled
:func:`fastw2v.kernels.pairs.mark_joins` marks the joins greedily from left to right. The output
keeps the line structure (one line per input line, empty lines included) with tokens separated by
single spaces, as word2phrase writes it.

A phrase may straddle two blocks: the last token of a block is held back and processed as the
first token of the next one, so the decision is the one an unbroken read would make. The output
is written atomically (:func:`fastw2v.base.atomic.atomic_write`).
"""
from __future__ import annotations

import contextlib
import itertools
from typing import Dict, Iterable, List, Tuple

import numpy as np

from ..base.atomic import atomic_write
from ..base.paths import PathLike
from ..corpus import reader as _corpus
from ..corpus.stream import lookup_ids
from ..kernels.pairs import EMPTY, insert_counts, mark_joins

#: Id of a token that cannot be part of a phrase (out of vocabulary, or already a phrase).
BREAK = -2
#: Id of a newline.
NEWLINE = -1


def phrase_table(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """A hash table (:mod:`fastw2v.kernels.pairs`) holding the accepted pairs ``(first[i],
    second[i])``, at most half full."""
    slots = 1 << max(10, int(2 * max(len(first), 1) - 1).bit_length())
    keys = np.full(slots, EMPTY, dtype=np.int64)
    pair_keys = (first.astype(np.int64) << 32) | second.astype(np.int64)
    insert_counts(pair_keys, np.ones(len(pair_keys), np.int64), keys, np.zeros(slots, np.int64))
    return keys


def _ids(tokens: List[bytes], marker, lookup: Dict[bytes, int]) -> np.ndarray:
    """The ids of a block's tokens: NEWLINE for the newline ``marker``, BREAK for a word that is
    in no phrase."""
    return lookup_ids(tokens, marker, lookup, NEWLINE, BREAK)


def rewrite_corpus(path: PathLike, out: PathLike, words: Iterable[Tuple[bytes, int]],
                   table: np.ndarray, delimiter: str = "_", *,
                   chunk_bytes: int = _corpus.CHUNK_BYTES) -> Tuple[int, int, int]:
    """Write ``path`` to ``out`` with the pairs of ``table`` joined by ``delimiter``.

    Parameters
    ----------
    path, out : str or path
        The corpus and the phrased corpus (written atomically).
    words : iterable of (bytes, int)
        Every word that occurs in an accepted pair, with the id the table uses for it.
    table : int64 array
        The accepted pairs (:func:`phrase_table`).
    delimiter : str
        Joins the two words of a phrase.
    chunk_bytes : int
        Bytes of corpus read per step.

    Returns
    -------
    (tokens read, tokens written, joins)
    """
    lookup: Dict[bytes, int] = dict(words)
    lookup[_corpus.NEWLINE_TOKEN] = NEWLINE
    joiner = delimiter.encode("utf-8")
    pending: List[bytes] = []        # the held-back last token of the previous block
    pending_id = np.zeros(0, np.int32)
    n_in = n_out = n_joins = 0
    space_needed = False             # the text written so far ends inside a line
    with atomic_write(out, "wb") as fh, \
            contextlib.closing(_corpus.iter_blocks(path, chunk_bytes)) as blocks:
        for block in blocks:
            tokens, marker = _corpus.split_with_newlines(block)
            ids = _ids(tokens, marker, lookup)
            is_newline = ids == NEWLINE
            n_in += len(tokens) - int(np.count_nonzero(is_newline))
            if pending:
                tokens = pending + tokens
                ids = np.concatenate([pending_id, ids])
                is_newline = np.concatenate([[False], is_newline])
            joined = np.zeros(len(ids), dtype=np.uint8)
            n_joins += mark_joins(ids, table, joined)
            for i in np.flatnonzero(joined).tolist():
                tokens[i] = tokens[i - 1] + joiner + tokens[i]
            keep = np.ones(len(tokens), dtype=bool)
            keep[np.flatnonzero(joined) - 1] = False
            for i in np.flatnonzero(is_newline).tolist():
                tokens[i] = b"\n"
            out_ids = np.where(joined.astype(bool), BREAK, ids)[keep]
            merged = list(itertools.compress(tokens, keep.tolist()))
            # hold back a last word: the next block may join it
            if merged and merged[-1] != b"\n":
                pending, pending_id = [merged.pop()], out_ids[-1:]
            else:
                pending, pending_id = [], np.zeros(0, np.int32)
            n_out += len(merged) - int(np.count_nonzero(out_ids[:len(merged)] == NEWLINE))
            space_needed = _write(fh, merged, space_needed)
        if pending:
            n_out += 1
            _write(fh, pending, space_needed)
    return n_in, n_out, n_joins


def _write(fh, pieces: List[bytes], space_needed: bool) -> bool:
    """Write words (and ``b"\\n"`` pieces) separated by single spaces; returns whether the text
    now ends inside a line."""
    if not pieces:
        return space_needed
    text = b" ".join(pieces).replace(b" \n", b"\n").replace(b"\n ", b"\n")
    if space_needed and not text.startswith(b"\n"):
        fh.write(b" ")
    fh.write(text)
    return not text.endswith(b"\n")
