"""fastw2v's native model format: a directory with the vectors, the vocabulary and the config.

* ``vectors.npy`` -- the float32 matrix (``numpy.save``; loadable with ``mmap_mode``),
* ``vocab.tsv`` -- one ``word<TAB>count`` line per row (just ``word`` when there are no counts;
  :mod:`fastw2v.base.vocabfile`),
* ``config.json`` -- ``{"format": "fastw2v-embeddings", "version": 1, "vocab_size", "dim",
  "has_counts", "config": {...} | null, "stats": {...} | null}``.

The directory is written beside its final name and renamed into place
(:func:`fastw2v.base.atomic.atomic_directory`), so a reader sees the old or the new complete model.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

import numpy as np

from ..base.atomic import atomic_directory
from ..base.jsonutil import json_default
from ..base.paths import PathLike
from ..base.vocabfile import check_vocab_word, read_vocab_file, write_vocab_file
from ..errors import ModelFormatError

logger = logging.getLogger("fastw2v")

FORMAT_NAME = "fastw2v-embeddings"
FORMAT_VERSION = 1
VECTORS_FILE = "vectors.npy"
VOCAB_FILE = "vocab.tsv"
META_FILE = "config.json"


class NativeModel(NamedTuple):
    """The pieces of a native model directory, checked for consistency."""

    vectors: np.ndarray
    words: List[str]
    counts: Optional[np.ndarray]
    config: Optional[Dict[str, Any]]
    stats: Optional[Dict[str, Any]]
    meta_path: Path


def save_native(path: PathLike, vectors: np.ndarray, words: Sequence[str], *,
                counts: Optional[np.ndarray] = None, config: Optional[Dict[str, Any]] = None,
                stats: Optional[Dict[str, Any]] = None) -> None:
    """Write a native model directory at ``path``.

    An existing ``path`` is replaced only if it is a fastw2v model directory or an empty
    directory.

    Raises
    ------
    ValueError
        A word contains a tab or a line break, or is empty (it cannot be stored in
        ``vocab.tsv``), a count is negative, or ``stats`` is not JSON-serializable.
    FileExistsError
        ``path`` exists and is a file or a non-empty directory that is not a fastw2v model.
    """
    path = Path(path)
    for w in words:
        check_vocab_word(w)
    check_replaceable(path)
    meta = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "vocab_size": len(words),
        "dim": int(vectors.shape[1]),
        "has_counts": counts is not None,
        "config": config,
        "stats": stats,
    }
    try:
        meta_text = json.dumps(meta, indent=2, default=json_default, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot save stats as JSON: {exc}") from None
    with atomic_directory(path) as tmp:
        with open(tmp / VECTORS_FILE, "wb") as fh:
            np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        write_vocab_file(tmp / VOCAB_FILE, list(words),
                         None if counts is None else np.asarray(counts).tolist())
        with open(tmp / META_FILE, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(meta_text + "\n")
    logger.debug("saved %d x %d embeddings to %s", len(words), vectors.shape[1], path)


def load_native(path: PathLike, mmap_mode: Optional[str] = None) -> NativeModel:
    """Read and cross-check a native model directory (see :meth:`Embeddings.load`)."""
    path = Path(path)
    if mmap_mode not in (None, "r", "r+", "c"):
        raise ValueError(f"mmap_mode must be None, 'r', 'r+' or 'c', got {mmap_mode!r}")
    if not path.exists():
        raise FileNotFoundError(f"no such model directory: {path}")
    if not path.is_dir():
        raise ModelFormatError(f"{path}: not a fastw2v model directory (for a word2vec "
                               f".txt/.bin file use Embeddings.load_word2vec_format)")
    for name in (META_FILE, VOCAB_FILE, VECTORS_FILE):
        if not (path / name).is_file():
            raise ModelFormatError(f"{path}: missing {name}; not a complete fastw2v model")
    meta = _read_meta(path / META_FILE)
    has_counts = meta.get("has_counts")
    words, counts = read_vocab_file(path / VOCAB_FILE,
                                    counts=None if has_counts is None else bool(has_counts))
    vectors = _read_vectors(path / VECTORS_FILE, mmap_mode)
    if vectors.shape[0] != len(words):
        raise ModelFormatError(f"{path}: {VECTORS_FILE} has {vectors.shape[0]} rows but "
                               f"{VOCAB_FILE} has {len(words)} words")
    if "vocab_size" in meta and meta["vocab_size"] != len(words):
        raise ModelFormatError(f"{path}: {META_FILE} says vocab_size {meta['vocab_size']} but "
                               f"{VOCAB_FILE} has {len(words)} words")
    if "dim" in meta and meta["dim"] != vectors.shape[1]:
        raise ModelFormatError(f"{path}: {META_FILE} says dim {meta['dim']} but "
                               f"{VECTORS_FILE} has {vectors.shape[1]} columns")
    config = meta.get("config")
    if config is not None and not isinstance(config, dict):
        raise ModelFormatError(f"{path / META_FILE}: 'config' must be an object or null")
    stats = meta.get("stats")
    if stats is not None and not isinstance(stats, dict):
        raise ModelFormatError(f"{path / META_FILE}: 'stats' must be an object or null")
    return NativeModel(vectors, words, None if counts is None else np.array(counts, np.int64),
                       config, stats, path / META_FILE)


def check_replaceable(path: Path) -> None:
    """Raise ``FileExistsError`` unless ``path`` is absent, empty or a native model directory
    (what :func:`save_native` may replace; the CLI checks it before training)."""
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a model directory; refusing to replace it")
    if not any(path.iterdir()):
        return
    meta = path / META_FILE
    try:
        with open(meta, encoding="utf-8") as fh:
            ok = json.load(fh).get("format") == FORMAT_NAME
    except (OSError, ValueError, AttributeError):
        ok = False
    if not ok:
        raise FileExistsError(f"{path} is a non-empty directory that is not a fastw2v model; "
                              f"refusing to replace it")


def _read_meta(path: Path) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            meta = json.load(fh)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{path}: corrupt JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise ModelFormatError(f"{path}: expected a JSON object")
    if meta.get("format") != FORMAT_NAME:
        raise ModelFormatError(f"{path}: format is {meta.get('format')!r}, "
                               f"expected {FORMAT_NAME!r}")
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFormatError(f"{path}: bad format version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFormatError(f"{path}: format version {version} is newer than this fastw2v "
                               f"supports ({FORMAT_VERSION}); upgrade fastw2v")
    for key in ("vocab_size", "dim"):
        if key in meta and (isinstance(meta[key], bool) or not isinstance(meta[key], int)):
            raise ModelFormatError(f"{path}: {key!r} must be an integer, got {meta[key]!r}")
    return meta


def _check_npy_size(path: Path) -> None:
    """Raise ModelFormatError if the .npy header declares more data than the file holds.

    Checked before loading: numpy would otherwise allocate the declared size first (a corrupt
    header declaring terabytes ends in MemoryError instead of a clear message).
    """
    with open(path, "rb") as fh:
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version in ((2, 0), (3, 0)):
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                return  # let np.load report it
        except Exception as exc:  # numpy's header parser lets SyntaxError, TokenError... through
            raise ModelFormatError(f"{path}: corrupt .npy header: {exc}") from None
        start = fh.tell()
        size = os.fstat(fh.fileno()).st_size
    if dtype.hasobject:
        return  # np.load refuses it (allow_pickle=False) with its own message
    need = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if size - start < need:
        raise ModelFormatError(f"{path}: truncated .npy file: the header declares shape "
                               f"{tuple(shape)} of {dtype} ({need} bytes of data), but only "
                               f"{size - start} bytes follow")


def _read_vectors(path: Path, mmap_mode: Optional[str]) -> np.ndarray:
    _check_npy_size(path)
    try:
        vectors = np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ModelFormatError(f"{path}: corrupt or truncated .npy file: {exc}") from None
    if not isinstance(vectors, np.ndarray):
        raise ModelFormatError(f"{path}: expected one array, got {type(vectors).__name__}")
    if vectors.dtype != np.float32:
        raise ModelFormatError(f"{path}: vectors have dtype {vectors.dtype}, expected float32")
    if vectors.ndim != 2:
        raise ModelFormatError(f"{path}: vectors have {vectors.ndim} dimensions, expected 2 "
                               f"(shape {vectors.shape})")
    if vectors.shape[1] < 1:
        raise ModelFormatError(f"{path}: vectors have zero columns (shape {vectors.shape})")
    return vectors
