"""Round 1's flat module paths (``fastw2v.embeddings``, ``fastw2v.datasets``, ...) keep working.

The modules moved into subpackages; importing an old path gives a module that forwards every name
to its new home and warns once (``DeprecationWarning``) where it went. Only the package facade
installs this finder; nothing inside the package uses an old path.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
import warnings
from typing import Dict, Optional, Tuple

#: Old module -> its new module(s); a name is looked up in each in turn (``tokens`` was split).
MOVED: Dict[str, Tuple[str, ...]] = {
    "_atomic": ("base.atomic",), "progress": ("base.progress",),
    "vocab": ("corpus.vocab",), "tokens": ("corpus.cache", "corpus.stream"),
    "datasets": ("corpus.datasets",),
    "wikimarkup": ("wiki.markup",), "normalize": ("wiki.normalize",), "wikidump": ("wiki.dump",),
    "_numba": ("kernels.options",),
    **{m: (f"kernels.{m}",) for m in ("rng", "tables", "blocks", "sgd", "skipgram", "hogbatch",
                                      "cbow", "driver")},
    "embeddings": ("vectors.embeddings", "vectors.native"), "w2vformat": ("vectors.word2vec",),
    **{m: (f"training.{m}",) for m in ("trainer", "checkpoint", "evalloss", "api")},
    **{m: (f"analysis.{m}",) for m in ("evaluate", "probe", "bias", "plots")},
}


class _Forward(importlib.abc.Loader):
    def __init__(self, targets: Tuple[str, ...]) -> None:
        self.targets = targets

    def create_module(self, spec):
        return None  # a plain new module

    def exec_module(self, module: types.ModuleType) -> None:
        real = [importlib.import_module(f"fastw2v.{t}") for t in self.targets]
        new = " and ".join(f"fastw2v.{t}" for t in self.targets)
        warnings.warn(f"{module.__name__} moved to {new}; import it from there",
                      DeprecationWarning, stacklevel=3)
        for mod in reversed(real):
            module.__dict__.update({k: v for k, v in vars(mod).items()
                                    if not k.startswith("__")})
        module.__doc__ = f"Moved to {new}."


class MovedModules(importlib.abc.MetaPathFinder):
    """Finds ``fastw2v.<old name>`` for the names in :data:`MOVED`."""

    def find_spec(self, fullname, path=None,
                  target=None) -> Optional[importlib.machinery.ModuleSpec]:
        package, _, name = fullname.rpartition(".")
        if package != "fastw2v" or name not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, _Forward(MOVED[name]))


def install() -> None:
    """Add the finder once (after the normal ones, so real modules always win)."""
    if not any(isinstance(f, MovedModules) for f in sys.meta_path):
        sys.meta_path.append(MovedModules())
