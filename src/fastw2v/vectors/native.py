"""fastw2v's native model format: the vectors, the vocabulary and the config, in a directory or
in one file.

* ``vectors.npy`` -- the float32 matrix (``numpy.save``; loadable with ``mmap_mode``),
* ``vocab.tsv`` -- one ``word<TAB>count`` line per row (just ``word`` when there are no counts;
  :mod:`fastw2v.base.vocabfile`),
* ``config.json`` -- ``{"format": "fastw2v-embeddings", "version": 1, "vocab_size", "dim",
  "has_counts", "config": {...} | null, "stats": {...} | null}``, and optionally
  ``"has_output_vectors": true`` and ``"extra": {...}`` (a Word2Vec model's state),
* ``syn1neg.npy`` -- optional: the output ("negative-sampling") weights, same shape as the
  vectors, which continued training needs (:meth:`fastw2v.Word2Vec.save`),
* ``syn1hs.npy`` -- optional, declared by ``"has_inner_node_vectors": true``: the output vectors
  of the Huffman tree's inner nodes of a hierarchical-softmax model, ``(vocab_size - 1, dim)``
  (:mod:`fastw2v.kernels.huffman` numbers them).

The optional pieces were added without changing the version: a reader that does not know them
ignores them and loads the vectors, and a directory without them loads as before.

Containers: a **directory** (:meth:`Embeddings.save`, ``fastw2v train --format native``), written
beside its final name and renamed into place (:func:`fastw2v.base.atomic.atomic_directory`), so a
reader sees the old or the new complete model; or **one file** holding the same files as an
uncompressed tar (:mod:`fastw2v.vectors.modelfile`; what :meth:`fastw2v.KeyedVectors.save` and
:meth:`fastw2v.Word2Vec.save` write), written atomically. :func:`load_native` reads both.
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
from ..base.vocabfile import format_vocab, parse_vocab
from ..errors import ModelFormatError
from . import filekind
from .modelfile import (ModelFile, UnsupportedNpyVersion, is_tar, read_npy_header,
                        write_model_file)

logger = logging.getLogger("fastw2v")

FORMAT_NAME = "fastw2v-embeddings"
FORMAT_VERSION = 1
VECTORS_FILE = "vectors.npy"
VOCAB_FILE = "vocab.tsv"
META_FILE = "config.json"
#: The output weights of a Word2Vec model (gensim's name for them, ``syn1neg``).
OUTPUT_FILE = "syn1neg.npy"
#: The inner-node vectors of hierarchical softmax (the checkpoint's name for them).
INNER_FILE = "syn1hs.npy"


class NativeModel(NamedTuple):
    """The pieces of a native model directory, checked for consistency."""

    vectors: np.ndarray
    words: List[str]
    counts: Optional[np.ndarray]
    config: Optional[Dict[str, Any]]
    stats: Optional[Dict[str, Any]]
    meta_path: Path
    output_vectors: Optional[np.ndarray] = None
    extra: Optional[Dict[str, Any]] = None
    inner_vectors: Optional[np.ndarray] = None


def save_native(path: PathLike, vectors: np.ndarray, words: Sequence[str], *,
                counts: Optional[np.ndarray] = None, config: Optional[Dict[str, Any]] = None,
                stats: Optional[Dict[str, Any]] = None,
                output_vectors: Optional[np.ndarray] = None,
                extra: Optional[Dict[str, Any]] = None, single_file: bool = False,
                inner_vectors: Optional[np.ndarray] = None) -> None:
    """Write a native model at ``path``: a directory, or one file with ``single_file``.

    An existing ``path`` is replaced only if it is a fastw2v model (directory or file) of the same
    container, an empty directory, or (``single_file``) an empty file.

    Parameters
    ----------
    output_vectors : array, optional
        The output weights (``syn1neg.npy``), same shape as ``vectors``.
    extra : dict, optional
        JSON-serializable state stored in ``config.json`` under ``"extra"``.
    inner_vectors : array, optional
        The inner-node vectors of hierarchical softmax (``syn1hs.npy``),
        ``(len(words) - 1, dim)``.

    Raises
    ------
    ValueError
        A word contains a tab or a line break, or is empty (it cannot be stored in
        ``vocab.tsv``), a count is negative, ``output_vectors`` or ``inner_vectors`` has another
        shape, or ``stats`` / ``extra`` is not JSON-serializable.
    FileExistsError
        ``path`` exists and is not something this call may replace.
    """
    path = Path(path)
    for w in words:
        check_vocab_word(w)
    if output_vectors is not None and np.shape(output_vectors) != np.shape(vectors):
        raise ValueError(f"output vectors have shape {np.shape(output_vectors)}, the vectors "
                         f"{np.shape(vectors)}")
    if inner_vectors is not None and np.shape(inner_vectors) != _inner_shape(vectors):
        raise ValueError(f"inner-node vectors have shape {np.shape(inner_vectors)}, expected "
                         f"{_inner_shape(vectors)}")
    if single_file:
        check_replaceable_file(path)
    else:
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
    if output_vectors is not None:
        meta["has_output_vectors"] = True
    if inner_vectors is not None:
        meta["has_inner_node_vectors"] = True
    if extra is not None:
        meta["extra"] = extra
    try:
        meta_text = json.dumps(meta, indent=2, default=json_default, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot save stats as JSON: {exc}") from None
    count_list = None if counts is None else np.asarray(counts).tolist()
    arrays = [(VECTORS_FILE, np.ascontiguousarray(vectors, dtype=np.float32))]
    if output_vectors is not None:
        arrays.append((OUTPUT_FILE, np.ascontiguousarray(output_vectors, dtype=np.float32)))
    if inner_vectors is not None:
        arrays.append((INNER_FILE, np.ascontiguousarray(inner_vectors, dtype=np.float32)))
    if single_file:
        write_model_file(path, [(META_FILE, (meta_text + "\n").encode("utf-8")),
                                (VOCAB_FILE, format_vocab(list(words), count_list)), *arrays])
    else:
        with atomic_directory(path) as tmp:
            for name, array in arrays:
                with open(tmp / name, "wb") as fh:
                    np.save(fh, array, allow_pickle=False)
            write_vocab_file(tmp / VOCAB_FILE, list(words), count_list)
            with open(tmp / META_FILE, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(meta_text + "\n")
    logger.debug("saved %d x %d embeddings to %s", len(words), vectors.shape[1], path)


def load_native(path: PathLike, mmap_mode: Optional[str] = None) -> NativeModel:
    """Read and cross-check a native model, a directory or a file (see :meth:`Embeddings.load`)."""
    path = Path(path)
    if mmap_mode not in (None, "r", "r+", "c"):
        raise ValueError(f"mmap_mode must be None, 'r', 'r+' or 'c', got {mmap_mode!r}")
    if not path.exists():
        raise FileNotFoundError(f"no such model directory: {path}")
    if not path.is_dir():
        if is_tar(path):
            with ModelFile(path) as mf:
                return _load_model_file(mf, mmap_mode)
        kind, _ = filekind.kind_of(path)
        if kind != filekind.WORD2VEC:
            raise filekind.not_word2vec_error(path, kind)
        raise ModelFormatError(f"{path}: not a fastw2v model directory or file (for a word2vec "
                               f".txt/.bin file use Embeddings.load_word2vec_format)")
    for name in (META_FILE, VOCAB_FILE, VECTORS_FILE):
        if not (path / name).is_file():
            raise ModelFormatError(f"{path}: missing {name}; not a complete fastw2v model")
    meta = _read_meta(path / META_FILE)
    has_counts = meta.get("has_counts")
    words, counts = read_vocab_file(path / VOCAB_FILE,
                                    counts=None if has_counts is None else bool(has_counts))
    vectors = _read_vectors(path / VECTORS_FILE, mmap_mode)
    output = None
    if meta.get("has_output_vectors"):
        if not (path / OUTPUT_FILE).is_file():
            raise ModelFormatError(f"{path}: missing {OUTPUT_FILE}, which {META_FILE} declares")
        output = _read_vectors(path / OUTPUT_FILE, mmap_mode)
    inner = None
    if meta.get("has_inner_node_vectors"):
        if not (path / INNER_FILE).is_file():
            raise ModelFormatError(f"{path}: missing {INNER_FILE}, which {META_FILE} declares")
        inner = _read_vectors(path / INNER_FILE, mmap_mode)
    return _checked(path, meta, words, counts, vectors, output, path / META_FILE, inner)


def _load_model_file(mf: ModelFile, mmap_mode: Optional[str]) -> NativeModel:
    path = mf.path
    meta = _check_meta(mf.read_json(META_FILE), f"{path}: {META_FILE}")
    has_counts = meta.get("has_counts")
    words, counts = parse_vocab(mf.read_bytes(VOCAB_FILE), f"{path}: {VOCAB_FILE}",
                                counts=None if has_counts is None else bool(has_counts))
    vectors = _check_vectors(mf.load_array(VECTORS_FILE, mmap_mode), f"{path}: {VECTORS_FILE}")
    output = None
    if meta.get("has_output_vectors"):
        output = _check_vectors(mf.load_array(OUTPUT_FILE, mmap_mode), f"{path}: {OUTPUT_FILE}")
    inner = None
    if meta.get("has_inner_node_vectors"):
        inner = _check_vectors(mf.load_array(INNER_FILE, mmap_mode), f"{path}: {INNER_FILE}")
    return _checked(path, meta, words, counts, vectors, output, path, inner)


def _checked(path: Path, meta: Dict[str, Any], words: List[str], counts, vectors: np.ndarray,
             output: Optional[np.ndarray], meta_path: Path,
             inner: Optional[np.ndarray] = None) -> NativeModel:
    """The model after the cross-checks between its pieces."""
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
    extra = meta.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise ModelFormatError(f"{path / META_FILE}: 'extra' must be an object or null")
    if output is not None and output.shape != vectors.shape:
        raise ModelFormatError(f"{path}: {OUTPUT_FILE} has shape {output.shape} but "
                               f"{VECTORS_FILE} {vectors.shape}")
    if inner is not None and inner.shape != _inner_shape(vectors):
        raise ModelFormatError(f"{path}: {INNER_FILE} has shape {inner.shape} but "
                               f"{_inner_shape(vectors)} is expected for {VECTORS_FILE} "
                               f"{vectors.shape} (one row per inner node of the Huffman tree)")
    return NativeModel(vectors, words, None if counts is None else np.array(counts, np.int64),
                       config, stats, meta_path, output, extra, inner)


def _inner_shape(vectors: np.ndarray) -> tuple:
    """The shape of the inner-node vectors of a hierarchical-softmax model over ``vectors``."""
    return (max(np.shape(vectors)[0] - 1, 0), np.shape(vectors)[1])


def check_replaceable_file(path: Path) -> None:
    """Raise unless ``path`` is absent, an empty file or a native model file (what
    :func:`save_native` with ``single_file`` may replace)."""
    if not path.exists() and not path.is_symlink():
        return
    if path.is_dir():
        raise FileExistsError(f"{path} is a directory; a model is saved to a file here (to "
                              f"replace a model directory, save to a new path or remove it)")
    if path.stat().st_size == 0:
        return
    ok = False
    if is_tar(path):
        try:
            with ModelFile(path) as mf:
                ok = mf.has(META_FILE) and mf.read_json(META_FILE).get("format") == FORMAT_NAME
        except (ModelFormatError, OSError, AttributeError):
            ok = False
    if not ok:
        raise FileExistsError(f"{path} exists and is not a fastw2v model file; refusing to "
                              f"replace it")


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
    return _check_meta(meta, path)


def _check_meta(meta: Any, path: Any) -> Dict[str, Any]:
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
            shape, _, dtype = read_npy_header(fh)
        except UnsupportedNpyVersion:
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
    return _check_vectors(vectors, path)


def _check_vectors(vectors: np.ndarray, path: Any) -> np.ndarray:
    if vectors.dtype != np.float32:
        raise ModelFormatError(f"{path}: vectors have dtype {vectors.dtype}, expected float32")
    if vectors.ndim != 2:
        raise ModelFormatError(f"{path}: vectors have {vectors.ndim} dimensions, expected 2 "
                               f"(shape {vectors.shape})")
    if vectors.shape[1] < 1:
        raise ModelFormatError(f"{path}: vectors have zero columns (shape {vectors.shape})")
    return vectors
