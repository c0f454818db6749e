"""The frozen, validated set of training parameters, saved with every model."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Any, Mapping, Optional

from .base.paths import available_cores
from .base.validate import check_bool, check_float, check_int

#: Upper bounds that catch typos (``dim=1000000``) rather than express hard limits of the method.
MAX_DIM = 10_000
MAX_WINDOW = 1_000
MAX_NEGATIVE = 1_000
MAX_EPOCHS = 100_000
MAX_WORKERS = 1_024
#: Bound of ``min_count`` and ``max_vocab_size``: any count of a corpus fits (2**62 tokens is far
#: beyond any corpus) and sums of counts stay inside int64.
MAX_COUNT = 2**62


def _check_negative(value: Any, hs: bool) -> int:
    """``negative`` in [1, MAX_NEGATIVE], or in [0, MAX_NEGATIVE] with hierarchical softmax."""
    if not hs and value == 0 and not isinstance(value, bool):
        raise ValueError(f"negative must be an integer in [1, {MAX_NEGATIVE}] without hierarchical "
                         f"softmax (negative=0 trains nothing unless hs=True), got 0")
    return check_int("negative", value, 0 if hs else 1, MAX_NEGATIVE)


def default_workers() -> int:
    """All cores this process may run on."""
    return available_cores()


#: Default initial learning rate of skip-gram (word2vec.c's and gensim's).
SKIPGRAM_ALPHA = 0.025
#: Default initial learning rate of CBOW: word2vec.c's (``if (cbow) alpha = 0.05``). CBOW makes
#: one update per center from the mean of its context, so it needs the larger step: on wiki100m
#: (dim 100, window 5, negative 5, sample 1e-4, 5 epochs, 2 threads) fastw2v's CBOW scores analogy
#: 0.272 / WordSim-353 0.598 at 0.025 (word2vec.c 0.279 / 0.598) and 0.355 / 0.661 at 0.05
#: (gensim, whose default stays 0.025, 0.308 / 0.623; at 0.05 0.363 / 0.664): benchmarks/README.md.
CBOW_ALPHA = 0.05


def default_alpha(sg: bool) -> float:
    """The initial learning rate used when none is given: :data:`SKIPGRAM_ALPHA` or
    :data:`CBOW_ALPHA`."""
    return SKIPGRAM_ALPHA if sg else CBOW_ALPHA


@dataclass(frozen=True)
class TrainConfig:
    """Training parameters of a word2vec model.

    Every field is checked when the object is built; a bad value raises ``ValueError`` that names
    the parameter and the allowed range. The config is stored next to the vectors of a saved model.

    Parameters
    ----------
    dim : int
        Dimensionality of the word vectors, 1..10000.
    window : int
        Maximum distance between the center word and a context word, 1..1000. As in word2vec.c the
        effective window of each center word is drawn uniformly from 1..window.
    negative : int
        Number of negative samples per positive example, 1..1000; 0 (no negative sampling) is
        allowed with ``hs=True``, which then trains hierarchical softmax alone.
    sample : float
        Subsampling threshold ``t`` for frequent words (>= 0; 0 disables). A word of relative
        frequency ``f`` is kept with probability ``(sqrt(f/t) + 1) * t / f`` (word2vec.c).
    min_count : int
        Words occurring fewer times are dropped from the vocabulary (>= 1).
    max_vocab_size : int or None
        While counting, prune the rarest words whenever more than this many distinct words are held,
        so memory stays bounded on huge corpora (None: no limit).
    epochs : int
        Passes over the corpus, 1..100000.
    alpha, min_alpha : float
        The learning rate decays linearly from ``alpha`` to ``min_alpha`` over all epochs;
        ``0 < min_alpha <= alpha <= 10`` (``min_alpha`` may be 0). ``alpha=None`` (the default)
        is word2vec.c's choice for the model: :data:`SKIPGRAM_ALPHA` for skip-gram,
        :data:`CBOW_ALPHA` for CBOW; the config stores the value used.
    sg : bool
        True for skip-gram, False for CBOW (mean of the context vectors).
    ns_exponent : float
        Negatives are drawn with probability proportional to ``count ** ns_exponent``, in [-10, 10].
    workers : int
        Worker threads, 1..1024. Default: all cores available to the process.
    shared_negatives : bool
        Skip-gram only: draw one set of negatives per center word and share it across the whole
        window, training the window as one mini-batch (Ji et al. 2016, :mod:`fastw2v.kernels.hogbatch`).
        About twice as fast at equal quality (measured on wiki100m: benchmarks/README.md);
        False trains each pair with its own negatives, exactly as word2vec.c and gensim do.
        CBOW already trains one example per center word and ignores this flag, and so does
        hierarchical softmax (``hs=True``), which trains every pair exactly.
    seed : int
        Seed of the weight initialisation and of every thread's random number generator, 0..2**63-1.
    hs : bool
        Train hierarchical softmax over a Huffman tree of the vocabulary (Morin & Bengio 2005;
        word2vec.c's ``-hs 1``, gensim's ``hs=1``; :mod:`fastw2v.kernels.hs`): alone with
        ``negative=0``, or together with negative sampling when ``negative > 0``.
    """

    dim: int = 100
    window: int = 5
    negative: int = 5
    sample: float = 1e-3
    min_count: int = 5
    max_vocab_size: Optional[int] = None
    epochs: int = 5
    alpha: Optional[float] = None
    min_alpha: float = 0.0001
    sg: bool = True
    ns_exponent: float = 0.75
    workers: int = dataclasses.field(default_factory=default_workers)
    seed: int = 1
    shared_negatives: bool = True
    hs: bool = False

    def __post_init__(self) -> None:
        # Each field is stored in the canonical type its check returns (a numpy integer becomes
        # an int), so a saved config is plain JSON and two equal configs compare equal.
        hs = check_bool("hs", self.hs)
        checked = dict(
            dim=check_int("dim", self.dim, 1, MAX_DIM),
            window=check_int("window", self.window, 1, MAX_WINDOW),
            negative=_check_negative(self.negative, hs),
            sample=check_float("sample", self.sample, 0.0, 1.0),
            min_count=check_int("min_count", self.min_count, 1, MAX_COUNT),
            max_vocab_size=check_int("max_vocab_size", self.max_vocab_size, 1, MAX_COUNT,
                                     allow_none=True),
            epochs=check_int("epochs", self.epochs, 1, MAX_EPOCHS),
            alpha=check_float("alpha", default_alpha(check_bool("sg", self.sg))
                              if self.alpha is None else self.alpha, 0.0, 10.0, low_open=True),
            sg=check_bool("sg", self.sg),
            ns_exponent=check_float("ns_exponent", self.ns_exponent, -10.0, 10.0),
            workers=check_int("workers", self.workers, 1, MAX_WORKERS),
            seed=check_int("seed", self.seed, 0, 2**63 - 1),
            shared_negatives=check_bool("shared_negatives", self.shared_negatives),
            hs=hs,
        )
        checked["min_alpha"] = check_float("min_alpha", self.min_alpha, 0.0, checked["alpha"],
                                           high_name="alpha")
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def replace(self, **changes: Any) -> "TrainConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TrainConfig":
        """Build from a saved dict; unknown keys are an error, missing keys take defaults."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown training parameter(s): {', '.join(unknown)}")
        return cls(**dict(data))
