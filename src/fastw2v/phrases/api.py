"""``find_phrases``: detect collocations and write the corpus with them joined (word2phrase).

One pass:

1. the corpus layer counts the words and encodes the corpus as an int32 token stream
   (:func:`fastw2v.corpus.cache.prepare_corpus` with ``min_count=1``; a word dropped by
   ``max_vocab_size`` pruning ends the sentence, so no false pair spans it);
2. the compiled pair counter counts every pair of adjacent words in bounded memory
   (:mod:`fastw2v.phrases.counting`);
3. every pair is scored (:mod:`fastw2v.phrases.scoring`) and those above the threshold accepted;
4. the corpus is rewritten with the accepted pairs joined, greedily from left to right
   (:mod:`fastw2v.phrases.rewrite`).

A second pass over the output joins phrases with words or other phrases (``new_york times`` ->
``new_york_times``), as running word2phrase twice does.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import numpy as np

from ..base.atomic import check_writable_destination
from ..base.paths import PathLike
from ..base.validate import check_int
from ..corpus.cache import prepare_corpus
from .counting import count_adjacent_pairs
from .rewrite import phrase_table, rewrite_corpus
from .scoring import check_threshold, score_pairs

logger = logging.getLogger("fastw2v")

#: gensim's default bound of its phrase vocabulary: at most this many distinct pairs (and words)
#: are held while counting (~1 GB of pair table at most, see fastw2v.phrases.counting).
DEFAULT_MAX_VOCAB_SIZE = 40_000_000

#: Upper bound of ``passes``: catches typos; each pass can only lengthen phrases by joining two.
MAX_PASSES = 10

_WHITESPACE = re.compile(r"[ \t\n\r\x0b\x0c]")


@dataclass
class Phrase:
    """An accepted pair: its joined text, how often it occurred, its score."""

    text: str
    count: int
    score: float


@dataclass
class PassResult:
    """What one pass counted, accepted and wrote."""

    number: int
    phrases: List[Phrase]      # every accepted pair, most frequent first
    tokens_in: int             # tokens read
    tokens_out: int            # tokens written (each join makes one token of two)
    joins: int                 # phrase occurrences joined
    distinct_pairs: int        # distinct adjacent pairs counted (after pruning)
    prune_threshold: int       # > 0 when max_vocab_size forced pruning of pair counts
    seconds_count: float       # words and pairs
    seconds_write: float       # scoring and rewriting


@dataclass
class PhrasesResult:
    """The result of :func:`find_phrases`."""

    output: Path
    passes: List[PassResult] = field(default_factory=list)
    seconds: float = 0.0

    def top(self, n: int = 20, by: str = "count") -> List[Phrase]:
        """The ``n`` best phrases of all passes, by ``count`` or ``score``."""
        everything = [p for r in self.passes for p in r.phrases]
        key = (lambda p: (-p.count, p.text)) if by == "count" else (lambda p: (-p.score, p.text))
        return sorted(everything, key=key)[:n]


def check_delimiter(delimiter: str) -> str:
    """``delimiter`` when it can join two words into one token (non-empty, no whitespace)."""
    if not isinstance(delimiter, str) or not delimiter or _WHITESPACE.search(delimiter):
        raise ValueError(f"delimiter must be a non-empty string without whitespace, "
                         f"got {delimiter!r}")
    return delimiter


def find_phrases(corpus: PathLike, out: PathLike, *, min_count: int = 5,
                 threshold: Optional[float] = None, scoring: str = "default",
                 delimiter: str = "_", passes: int = 1,
                 max_vocab_size: Optional[int] = DEFAULT_MAX_VOCAB_SIZE,
                 cache_dir: Optional[PathLike] = None, use_cache: bool = True) -> PhrasesResult:
    """Join frequent collocations of ``corpus`` (``new york`` -> ``new_york``) into ``out``.

    Parameters
    ----------
    corpus : str or path
        A text corpus as :func:`fastw2v.train` reads it (plain, ``.gz``, ``.bz2``, ``.xz``).
    out : str or path
        The phrased corpus: plain UTF-8 text, the same lines, tokens separated by one space,
        written atomically (a failed run leaves no partial file and an existing ``out`` as it
        was).
    min_count : int
        Words and pairs counted fewer times are never joined (>= 1; word2phrase's default 5).
    threshold : float, optional
        Pairs scoring above it are joined. Default: 100 for ``default`` scoring (word2phrase's),
        0.5 for ``npmi``; ``>= 0`` for ``default``, in ``[-1, 1]`` for ``npmi``.
    scoring : {"default", "npmi"}
        word2phrase's ``(n_ab - min_count) * N / (n_a * n_b)`` or gensim's normalised PMI
        (:mod:`fastw2v.phrases.scoring`).
    delimiter : str
        Joins the words of a phrase (default ``_``); no whitespace.
    passes : int
        Rewrite this many times, each pass over the previous one's output: two passes find
        phrases of up to four words (``new_york_times``), 1..10.
    max_vocab_size : int or None
        At most this many distinct words and, separately, word pairs are held while counting;
        the rarest are pruned beyond it (bounded memory). Default 40,000,000 (gensim's); None
        for no bound.
    cache_dir, use_cache
        The token-stream cache of the first pass, as for :func:`fastw2v.train`; later passes
        read temporary files and are never cached.

    Returns
    -------
    PhrasesResult
        Per pass: the accepted phrases with counts and scores, token and join counts, timings.

    Raises
    ------
    FileNotFoundError
        ``corpus`` does not exist, or the directory of ``out`` does not.
    fastw2v.errors.CorpusError
        ``corpus`` is a directory, empty, or holds no token.
    ValueError
        A parameter is out of range.
    """
    min_count = check_int("min_count", min_count, 1)
    threshold = check_threshold(scoring, threshold)
    delimiter = check_delimiter(delimiter)
    passes = check_int("passes", passes, 1, MAX_PASSES)
    max_vocab_size = check_int("max_vocab_size", max_vocab_size, 1, allow_none=True)
    out = check_writable_destination(Path(out).expanduser())
    if out.is_dir():
        raise IsADirectoryError(f"output path is a directory: {out}")
    t0 = time.perf_counter()
    result = PhrasesResult(output=out)
    temporaries: List[Path] = []
    try:
        source = Path(corpus)
        for number in range(1, passes + 1):
            if number == passes:
                target = out
            else:
                fd, name = tempfile.mkstemp(prefix=f".{out.name}.pass{number}.", suffix=".tmp",
                                            dir=out.parent)
                os.close(fd)
                target = Path(name)
                temporaries.append(target)
            result.passes.append(_one_pass(
                number, source, target, min_count=min_count, threshold=threshold,
                scoring=scoring, delimiter=delimiter, max_vocab_size=max_vocab_size,
                cache_dir=cache_dir, use_cache=use_cache and number == 1))
            source = target
    finally:
        for tmp in temporaries:
            with contextlib.suppress(OSError):
                tmp.unlink()
    result.seconds = time.perf_counter() - t0
    return result


def _one_pass(number: int, source: Path, target: Path, *, min_count: int, threshold: float,
              scoring: str, delimiter: str, max_vocab_size: Optional[int],
              cache_dir: Optional[PathLike], use_cache: bool) -> PassResult:
    t0 = time.perf_counter()
    prepared = prepare_corpus(source, min_count=1, max_vocab_size=max_vocab_size,
                              cache_dir=cache_dir, use_cache=use_cache, oov_ends_sentence=True)
    vocab = prepared.vocab
    pairs = count_adjacent_pairs(prepared.tokens,
                                 max_vocab_size if max_vocab_size is not None else 2**62)
    t1 = time.perf_counter()
    # Most pairs occur once: score only those that can be candidates (bounds the temporaries).
    frequent = np.flatnonzero(pairs.counts >= min_count)
    first, second, counts = pairs.first[frequent], pairs.second[frequent], pairs.counts[frequent]
    distinct_pairs, prune_threshold = len(pairs.counts), pairs.prune_threshold
    del pairs
    scores = score_pairs(counts, vocab.counts[first], vocab.counts[second],
                         prepared.n_raw_tokens, min_count, scoring)
    accepted = np.flatnonzero(scores > threshold)
    first, second = first[accepted], second[accepted]
    in_phrases = np.unique(np.concatenate([first, second])).tolist()
    written = rewrite_corpus(source, target, ((vocab.words[i].encode("utf-8"), i)
                                              for i in in_phrases),
                             phrase_table(first, second), delimiter)
    t2 = time.perf_counter()
    order = np.lexsort((-scores[accepted], -counts[accepted]))
    phrases = [Phrase(text=f"{vocab.words[first[k]]}{delimiter}{vocab.words[second[k]]}",
                      count=int(counts[accepted[k]]), score=float(scores[accepted[k]]))
               for k in order.tolist()]
    logger.info("pass %d: %d tokens, %d distinct pairs, %d phrases accepted, %d joins "
                "(count %.1f s, score and write %.1f s)", number, written[0], distinct_pairs,
                len(phrases), written[2], t1 - t0, t2 - t1)
    return PassResult(number=number, phrases=phrases, tokens_in=written[0],
                      tokens_out=written[1], joins=written[2],
                      distinct_pairs=distinct_pairs, prune_threshold=prune_threshold,
                      seconds_count=t1 - t0, seconds_write=t2 - t1)
