"""JSON helpers shared by everything that writes results or metadata as JSON."""
from __future__ import annotations

import dataclasses
import math
import os
from typing import Any


def jsonable(obj: Any) -> Any:
    """A copy of ``obj`` ready for strict JSON: every non-finite float (NaN, +-inf) becomes None
    (JSON has no NaN, and ``null`` says "undefined"), tuples become lists, paths strings and dict
    keys strings, recursively."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return obj


def json_default(obj: Any) -> Any:
    """``default=`` for :func:`json.dumps`: numpy scalars and arrays, paths, sets and
    dataclasses as plain JSON values; anything else is a ``TypeError``."""
    if hasattr(obj, "tolist") and type(obj).__module__ == "numpy":  # np.generic and np.ndarray
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    raise TypeError(f"value of type {type(obj).__name__} is not JSON serializable")
