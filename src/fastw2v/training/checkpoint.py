"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint is a directory written atomically (temporary directory, fsync, rename; see
:func:`fastw2v.base.atomic.atomic_directory`), so a crash while writing leaves the previous checkpoint
intact:

* ``syn0.npy``, ``syn1.npy`` -- the weights (padded rows, as the kernels hold them);
* ``syn1hs.npy`` -- with hierarchical softmax only: the inner-node vectors (the Huffman tree
  itself is rebuilt from the vocabulary's counts, deterministically);
* ``state.npz`` -- progress counters, per-thread statistics, RNG states, cursors and block buffers;
* ``vocab.tsv`` -- the vocabulary, to check that a resumed run sees the same corpus;
* ``checkpoint.json`` -- format, config, epoch, per-epoch statistics so far, elapsed time.

With one worker and a fixed seed, a run resumed from a checkpoint ends bit-identical to one that
was never interrupted (tested).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

from ..base.paths import PathLike
from ..base.atomic import atomic_directory
from ..config import TrainConfig
from ..errors import ModelFormatError
from ..corpus.vocab import Vocab

FORMAT_NAME = "fastw2v-checkpoint"
FORMAT_VERSION = 1
_ARRAYS = ("progress", "stats", "rng_states", "cursors", "buffers")


@dataclass
class Checkpoint:
    """A loaded checkpoint (see the module docstring)."""

    config: TrainConfig
    vocab: Vocab
    syn0: np.ndarray
    syn1: np.ndarray
    arrays: Dict[str, np.ndarray]
    meta: Dict[str, Any]
    syn1hs: Optional[np.ndarray] = None


def save_checkpoint(path: PathLike, *, config: TrainConfig, vocab: Vocab, syn0: np.ndarray,
                    syn1: np.ndarray, arrays: Dict[str, np.ndarray], meta: Dict[str, Any],
                    syn1hs: Optional[np.ndarray] = None) -> Path:
    """Write a checkpoint directory at ``path`` atomically (replacing an older checkpoint);
    ``syn1hs`` (hierarchical softmax's inner-node vectors) is saved when it has rows."""
    path = Path(path)
    if path.exists() and not (path / "checkpoint.json").is_file():
        raise FileExistsError(f"refusing to overwrite {path}: it exists and is not a checkpoint")
    with atomic_directory(path) as tmp:
        np.save(tmp / "syn0.npy", syn0)
        np.save(tmp / "syn1.npy", syn1)
        if syn1hs is not None and syn1hs.shape[0]:
            np.save(tmp / "syn1hs.npy", syn1hs)
        np.savez(tmp / "state.npz", **{k: arrays[k] for k in _ARRAYS})
        vocab.save(tmp / "vocab.tsv")
        doc = dict(format=FORMAT_NAME, version=FORMAT_VERSION, config=config.to_dict(), **meta)
        (tmp / "checkpoint.json").write_text(json.dumps(doc, indent=1))
    return path


def load_checkpoint(path: PathLike) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ModelFormatError
        ``path`` is not a complete, readable fastw2v checkpoint.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        doc = json.loads((path / "checkpoint.json").read_text())
        if doc.get("format") != FORMAT_NAME:
            raise ModelFormatError(f"{path} is not a fastw2v checkpoint")
        if doc.get("version") != FORMAT_VERSION:
            raise ModelFormatError(f"{path}: checkpoint version {doc.get('version')} is not "
                                   f"supported (this fastw2v reads version {FORMAT_VERSION})")
        config = TrainConfig.from_dict(doc.pop("config"))
        syn0 = np.load(path / "syn0.npy", allow_pickle=False)
        syn1 = np.load(path / "syn1.npy", allow_pickle=False)
        syn1hs = None
        if config.hs and (path / "syn1hs.npy").exists():
            syn1hs = np.load(path / "syn1hs.npy", allow_pickle=False)
        with np.load(path / "state.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in _ARRAYS}
        vocab = Vocab.load(path / "vocab.tsv")
    except ModelFormatError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelFormatError(f"corrupt or incomplete checkpoint {path}: {exc}") from exc
    if syn0.shape != syn1.shape or syn0.shape[0] != len(vocab) or syn0.dtype != np.float32:
        raise ModelFormatError(f"corrupt checkpoint {path}: weights {syn0.shape}/{syn1.shape} do "
                               f"not match a vocabulary of {len(vocab)} words")
    inner = (len(vocab) - 1, syn0.shape[1])
    if config.hs and len(vocab) > 1 and (syn1hs is None or syn1hs.shape != inner
                                         or syn1hs.dtype != np.float32):
        raise ModelFormatError(f"corrupt checkpoint {path}: hierarchical softmax needs "
                               f"syn1hs.npy of shape {inner}, found "
                               f"{'none' if syn1hs is None else syn1hs.shape}")
    return Checkpoint(config=config, vocab=vocab, syn0=syn0, syn1=syn1, arrays=arrays, meta=doc,
                      syn1hs=syn1hs)
