"""fastw2v: a Numba-compiled, high-throughput word2vec trainer (skip-gram and CBOW).

>>> import fastw2v
>>> emb = fastw2v.train("text8.txt")          # doctest: +SKIP
>>> emb.most_similar("king", topn=5)          # doctest: +SKIP
"""
from __future__ import annotations

from . import _moved
from ._version import __version__

_moved.install()  # round 1's flat module paths (fastw2v.datasets, ...) keep working

__all__ = ["train", "Embeddings", "TrainConfig", "__version__"]

#: The names imported on first use (``__getattr__``), listed by ``dir(fastw2v)`` all the same.
_LAZY = ("train", "Embeddings", "TrainConfig")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def __getattr__(name):
    # Imported lazily so that `import fastw2v` (e.g. for the CLI's --help) does not pay for numba.
    if name == "train":
        from .training.api import train
        return train
    if name == "Embeddings":
        from .vectors.embeddings import Embeddings
        return Embeddings
    if name == "TrainConfig":
        from .config import TrainConfig
        return TrainConfig
    raise AttributeError(f"module 'fastw2v' has no attribute {name!r}")
