"""Checks of everything a checkpoint holds, before training starts
(:mod:`fastw2v.training.checkpoint` reads, this module judges): the training parameters, the run's scalars (one machine or a Dask
cluster), the weight files and the state arrays every kernel indexes. Any damage raises
:class:`~fastw2v.errors.ModelFormatError` naming the file and what is wrong.
"""
from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

from ..config import TrainConfig
from ..errors import ModelFormatError
from ..kernels.blocks import PROGRESS_STRIDE, STATS_WIDTH, block_buffer_size
from ..kernels.state import CURSOR_FILL, CURSOR_FIRST, CURSOR_POS, CURSOR_SIZE
from ..vectors.modelfile import read_npy_header
from .trainer import EpochStats, shard_bounds

#: The arrays of ``state.npz``.
ARRAYS = ("progress", "stats", "rng_states", "cursors", "buffers")
#: Bytes a member of ``state.npz`` may hold beyond its array data (the .npy header).
_NPY_HEADER_SLACK = 4096
#: Bytes of weights checked per step: bounded memory for weights of any size.
_CHUNK_BYTES = 16 << 20


def bad(where: Path, what: str) -> ModelFormatError:
    return ModelFormatError(f"damaged checkpoint: {where}: {what}")


def is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)

def check_config(where: Path, raw: Any) -> TrainConfig:
    if not isinstance(raw, dict):
        raise bad(where, "'config' must be an object")
    try:
        return TrainConfig.from_dict(raw)
    except (TypeError, ValueError) as exc:
        raise bad(where, f"bad training parameters: {exc}") from None


_STATE_KEYS = {"epoch", "in_epoch", "epoch_base", "epoch_seconds", "elapsed", "history",
               "n_tokens", "raw_tokens_per_epoch"}
#: The state of a run on a Dask cluster (:meth:`fastw2v.cluster.rounds.ClusterTrainer.state_meta`):
#: rounds instead of thread cursors.
_CLUSTER_STATE_KEYS = {"epoch", "in_epoch", "elapsed", "history", "n_tokens",
                       "raw_tokens_per_epoch", "cluster"}
_CLUSTER_KEYS = {"step", "sync_words", "rounds_per_epoch", "parts", "part_words", "part_ids",
                 "source"}
#: Sums a cluster checkpoint keeps for the epoch in progress (words, kept, examples, loss, s).
_CLUSTER_EPOCH_SUMS = 5
_EPOCH_INTS = ("epoch", "words", "words_kept", "examples")
_EPOCH_FLOATS = ("loss", "seconds", "alpha", "eval_loss")


def check_state(where: Path, st: Any, config: TrainConfig) -> Dict[str, Any]:
    """The run's scalars: exact keys, types and ranges (see :meth:`Trainer.state_meta`)."""
    if not isinstance(st, dict):
        raise bad(where, "the training state must be an object")
    keys = _CLUSTER_STATE_KEYS if "cluster" in st else _STATE_KEYS
    if set(st) != keys:
        missing, extra = sorted(keys - set(st)), sorted(set(st) - keys)
        raise bad(where, f"training state: missing {missing}, unexpected {extra}")
    if "cluster" in st:
        _check_cluster_state(where, st["cluster"], config)
    epoch = st["epoch"]
    if not is_int(epoch) or not 0 <= epoch <= config.epochs:
        raise bad(where, f"'epoch' must be an integer in [0, {config.epochs}], got {epoch!r}")
    if not isinstance(st["in_epoch"], bool) or (st["in_epoch"] and epoch == config.epochs):
        raise bad(where, f"'in_epoch' must be true or false (false once all epochs are done), "
                          f"got {st['in_epoch']!r}")
    base = st.get("epoch_base", [0] * (STATS_WIDTH + 1))
    if (not isinstance(base, list) or len(base) != STATS_WIDTH + 1
            or not all(is_number(x) and math.isfinite(x) and x >= 0 for x in base)):
        raise bad(where, f"'epoch_base' must be {STATS_WIDTH + 1} finite numbers >= 0")
    for key in ("epoch_seconds", "elapsed"):
        if key not in st:
            continue
        if not is_number(st[key]) or not math.isfinite(st[key]) or st[key] < 0:
            raise bad(where, f"{key!r} must be a finite number >= 0, got {st[key]!r}")
    if not is_int(st["n_tokens"]) or st["n_tokens"] < 1:
        raise bad(where, f"'n_tokens' must be a positive integer, got {st['n_tokens']!r}")
    if not is_int(st["raw_tokens_per_epoch"]) or st["raw_tokens_per_epoch"] < 0:
        raise bad(where, f"'raw_tokens_per_epoch' must be an integer >= 0, got "
                          f"{st['raw_tokens_per_epoch']!r}")
    history = st["history"]
    names = {f.name for f in fields(EpochStats)}
    if not isinstance(history, list) or len(history) != epoch:
        raise bad(where, f"'history' must list the {epoch} finished epoch(s)")
    for i, e in enumerate(history):
        ok = isinstance(e, dict) and set(e) == names and e.get("epoch") == i + 1
        ok = ok and all(is_int(e[k]) and e[k] >= 0 for k in _EPOCH_INTS)
        ok = ok and all(is_number(e[k]) for k in _EPOCH_FLOATS)
        if not ok:
            raise bad(where, f"'history' entry {i + 1} is not the statistics of epoch {i + 1}")
    return st


def _check_cluster_state(where: Path, cl: Any, config: TrainConfig) -> None:
    """The rounds of a cluster run: exact keys, integers in range, one entry per part."""
    if not isinstance(cl, dict) or set(cl) != _CLUSTER_KEYS:
        raise bad(where, f"'cluster' must be an object with {sorted(_CLUSTER_KEYS)}")
    if not (is_int(cl["sync_words"]) and cl["sync_words"] >= 1
            and is_int(cl["rounds_per_epoch"]) and cl["rounds_per_epoch"] >= 1):
        raise bad(where, "'cluster': 'sync_words' and 'rounds_per_epoch' must be integers >= 1")
    if not (is_int(cl["step"]) and 0 <= cl["step"] <= config.epochs * cl["rounds_per_epoch"]):
        raise bad(where, f"'cluster': 'step' must be an integer in [0, "
                          f"{config.epochs * cl['rounds_per_epoch']}], got {cl['step']!r}")
    parts = cl["parts"]
    if not (isinstance(parts, list) and parts and all(
            isinstance(p, list) and len(p) == 2 and all(is_int(x) and x >= 0 for x in p)
            and p[0] <= p[1] for p in parts)):
        raise bad(where, "'cluster': 'parts' must list [start, end] byte ranges")
    for key in ("part_words", "part_ids"):
        v = cl[key]
        if not (isinstance(v, list) and len(v) == len(parts)
                and all(is_int(x) and x >= 0 for x in v)):
            raise bad(where, f"'cluster': {key!r} must hold one integer >= 0 per part")
    if not isinstance(cl["source"], dict):
        raise bad(where, "'cluster': 'source' must be an object")


def _npy_header(path: Path):
    with open(path, "rb") as fh:
        shape, fortran, dtype = read_npy_header(fh)
        return shape, fortran, dtype, fh.tell()


def load_weights(path: Path, shape) -> np.ndarray:
    """Memory-map a weight file after checking its header, size and values."""
    try:
        got, fortran, dtype, offset = _npy_header(path)
    except Exception as exc:  # numpy's header parser raises many kinds  # noqa: BLE001
        raise bad(path, f"not a readable .npy file ({exc})") from None
    if dtype != np.float32 or tuple(got) != tuple(shape) or fortran:
        raise bad(path, f"holds {dtype}{tuple(got)}, expected float32{tuple(shape)}")
    need = offset + int(np.prod(shape)) * 4
    size = path.stat().st_size
    if size != need:
        raise bad(path, f"is {size} bytes long, expected {need} (truncated?)")
    w = np.load(path, mmap_mode="r", allow_pickle=False)
    rows = max(1, _CHUNK_BYTES // max(1, 4 * shape[1]))
    for r in range(0, shape[0], rows):
        block = w[r:r + rows]
        if not np.isfinite(block).all():
            row = r + int(np.flatnonzero(~np.isfinite(block).all(axis=1))[0])
            raise bad(path, f"the weights hold NaN or infinite values (row {row}); the file is "
                            f"damaged")
    return w


def load_state_arrays(path: Path, config: TrainConfig, n_words: int,
                       n_tokens: int, cluster: Optional[Dict[str, Any]] = None
                       ) -> Dict[str, np.ndarray]:
    n = config.workers
    buflen = block_buffer_size(config.window)
    expected = {"progress": (np.int64, (n * PROGRESS_STRIDE,)),
                "stats": (np.float64, (n, STATS_WIDTH)),
                "rng_states": (np.uint64, (n, 1)),
                "cursors": (np.int64, (n, CURSOR_SIZE)),
                "buffers": (np.int32, (n, buflen))}
    if cluster is not None:  # the client's round counters; nothing here reaches a kernel
        k = len(cluster["parts"])
        expected = {"progress": (np.int64, (1,)),
                    "stats": (np.float64, (1, _CLUSTER_EPOCH_SUMS)),
                    "rng_states": (np.uint64, (k, 1)),
                    "cursors": (np.int64, (k, 3)),
                    "buffers": (np.int32, (k, 0))}
    arrays: Dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as z:
            if sorted(z.files) != sorted(ARRAYS):
                raise bad(path, f"holds arrays {sorted(z.files)}, expected {sorted(ARRAYS)}")
            for name, (dtype, shape) in expected.items():
                size = z.zip.getinfo(name + ".npy").file_size
                if size > int(np.prod(shape)) * np.dtype(dtype).itemsize + _NPY_HEADER_SLACK:
                    raise bad(path, f"array {name!r} is {size} bytes, far more than "
                                     f"{np.dtype(dtype).name}{shape} needs")
                a = z[name]
                if a.dtype != dtype or a.shape != shape:
                    raise bad(path, f"array {name!r} is {a.dtype}{a.shape}, expected "
                                     f"{np.dtype(dtype).name}{shape} (config: workers={n}, "
                                     f"window={config.window})")
                arrays[name] = a
    except ModelFormatError:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, EOFError, ValueError...  # noqa: BLE001
        raise bad(path, f"not a readable .npz file ({type(exc).__name__}: {exc})") from None
    if (arrays["progress"] < 0).any():
        raise bad(path, "'progress' holds negative word counts")
    if not np.isfinite(arrays["stats"]).all() or (arrays["stats"] < 0).any():
        raise bad(path, "'stats' holds negative, NaN or infinite values")
    if cluster is not None:
        return arrays
    if (arrays["rng_states"] == 0).any():
        raise bad(path, "'rng_states' holds a zero random-number state")
    buffers = arrays["buffers"]
    if buffers.size and (buffers.min() < 0 or buffers.max() >= n_words):
        raise bad(path, f"'buffers' holds word ids outside [0, {n_words}) (min "
                         f"{int(buffers.min())}, max {int(buffers.max())})")
    for t, ((start, end), cur) in enumerate(zip(shard_bounds(n_tokens, n),
                                                arrays["cursors"].tolist())):
        pos, fill, first = cur[CURSOR_POS], cur[CURSOR_FILL], cur[CURSOR_FIRST]
        if pos != -1 and not start <= pos <= end:
            raise bad(path, f"thread {t}'s cursor position {pos} is outside its shard "
                             f"[{start}, {end}] of the {n_tokens}-token stream")
        if not 0 <= first <= fill <= buflen:
            raise bad(path, f"thread {t}'s cursor (fill {fill}, first {first}) is outside its "
                             f"block buffer of {buflen} ids")
    return arrays
