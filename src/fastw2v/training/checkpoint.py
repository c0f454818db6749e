"""Training checkpoints: everything needed to continue a run exactly where it stopped.

Layout (format version 2)
-------------------------
A checkpoint is a directory ``DIR``:

* ``DIR/checkpoint.json`` -- the *manifest*: format, version, the name of the current checkpoint
  (``"current": "v000003"``), the SHA-256 of its ``meta.json``, and where the run stands (epoch,
  epochs, whether an epoch is half done) for messages;
* ``DIR/v000003/`` -- the checkpoint itself: ``syn0.npy``, ``syn1.npy`` (the weights, padded rows
  as the kernels hold them), with hierarchical softmax ``syn1hs.npy`` (the inner-node vectors; the
  Huffman tree itself is rebuilt from the vocabulary's counts, deterministically), ``state.npz`` (progress counters, per-thread statistics, RNG states,
  cursors and block buffers), ``vocab.tsv`` and ``meta.json`` (config, epoch, per-epoch statistics,
  elapsed time, the corpus fingerprint and the SHA-256 of every other file);
* ``DIR/.fastw2v.lock`` -- locked (``flock``) by the run that writes ``DIR``, so two runs never
  write one checkpoint.

Writing a checkpoint (:func:`save_checkpoint`) writes a new version directory under a temporary
name, fsyncs it, renames it to ``v<N+1>``, and then replaces the manifest atomically
(:func:`fastw2v.base.atomic.atomic_write`). That rename of the manifest is the **single step**
that switches from the old checkpoint to the new one: a crash (``kill -9``, power cut) at any
moment leaves the manifest naming a complete checkpoint, and whatever the crash left behind
(temporary names, a version no manifest names) is removed by the next run that writes ``DIR``.

Reading (:func:`load_checkpoint`) checks everything before training starts: the manifest, every
file's checksum, the types and ranges of every value of ``meta.json``, and every array a kernel
indexes (shapes, dtypes, word ids below the vocabulary size, cursors inside their shards, finite
weights). Any damage raises :class:`~fastw2v.errors.ModelFormatError` naming the file and what is
wrong. Checkpoints of format version 1 (fastw2v 0.x before this layout: the files directly in
``DIR``, no checksums) are read and checked the same way, without the corpus fingerprint.

With one worker and a fixed seed, a run resumed from a checkpoint ends bit-identical to one that
was never interrupted (tested).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import numpy as np
from numpy.lib import format as npformat

from ..base.atomic import (PlainWriter, atomic_write, check_writable_destination, fsync_directory,
                           fsync_tree, make_temp_dir, remove_stale_temporaries, sha256_file,
                           write_errors)
from ..base.paths import PathLike
from ..config import TrainConfig
from ..corpus.vocab import Vocab
from ..errors import ModelFormatError
from ..kernels.tables import padded_width
from .checkpoint_checks import (ARRAYS as _ARRAYS, bad as _bad, check_config as _check_config,
                                check_state as _check_state, is_int as _is_int,
                                load_state_arrays as _load_state_arrays,
                                load_weights as _load_weights)

try:  # POSIX; elsewhere two runs on one checkpoint are not detected
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("fastw2v")

FORMAT_NAME = "fastw2v-checkpoint"
FORMAT_VERSION = 2
MANIFEST = "checkpoint.json"

LOCK_FILE = ".fastw2v.lock"
META = "meta.json"
_WEIGHTS = ("syn0.npy", "syn1.npy")
_STATE = "state.npz"
_VOCAB = "vocab.tsv"
_DATA_FILES = _WEIGHTS + (_STATE, _VOCAB)
#: Hierarchical softmax's inner-node vectors: in a checkpoint only when the run uses them.
_HS_WEIGHTS = "syn1hs.npy"
_VERSION_DIR = re.compile(r"^v\d{6,}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

#: Threads hashing a checkpoint's weight files while the calling thread writes them. Hashing
#: (SHA-256, ~1.4 GB/s a core here) is the largest part of a checkpoint; the training threads
#: are stopped meanwhile, so two cores are free on the smallest machine we aim at.
HASH_THREADS = 2


@dataclass
class Checkpoint:
    """A loaded, checked checkpoint (see the module docstring).

    ``syn0`` and ``syn1`` are read-only memory maps of the files; ``fingerprint`` is the SHA-256
    of the token stream the run trained on (None for a version 1 checkpoint); ``where`` is the
    directory holding the files.
    """

    config: TrainConfig
    vocab: Vocab
    syn0: np.ndarray
    syn1: np.ndarray
    arrays: Dict[str, np.ndarray]
    meta: Dict[str, Any]
    fingerprint: Optional[str] = None
    where: Optional[Path] = None
    syn1hs: Optional[np.ndarray] = None


class CheckpointExists(FileExistsError):
    """A fresh run would replace the checkpoint of an interrupted run (``summary`` says which)."""

    def __init__(self, path: Path, summary: str) -> None:
        self.path, self.summary = path, summary
        super().__init__(f"{path} holds the checkpoint of an interrupted run ({summary}); "
                         f"continue it with resume={str(path)!r}, or start over with "
                         f"overwrite_checkpoint=True")


class CheckpointBusy(FileExistsError):
    """Another live fastw2v run writes this checkpoint directory."""


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _read_manifest(path: Path) -> Optional[Dict[str, Any]]:
    """The manifest of ``path`` as a dict (None when there is none); damage is an error."""
    mf = path / MANIFEST
    if not mf.exists():
        return None
    try:
        doc = json.loads(mf.read_bytes().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise _bad(mf, f"not readable JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise _bad(mf, "expected a JSON object")
    if doc.get("format") != FORMAT_NAME:
        raise ModelFormatError(f"{path} is not a fastw2v checkpoint ({mf} has format "
                               f"{doc.get('format')!r})")
    version = doc.get("version")
    if version not in (1, FORMAT_VERSION):
        raise ModelFormatError(f"{path}: checkpoint format version {version!r} is not supported "
                               f"(this fastw2v reads versions 1 and {FORMAT_VERSION}); finish the "
                               f"run with the fastw2v that started it")
    if version == FORMAT_VERSION:
        current = doc.get("current")
        if not isinstance(current, str) or not _VERSION_DIR.match(current):
            raise _bad(mf, f"'current' must name a version directory, got {current!r}")
        if not isinstance(doc.get("meta_sha256"), str) or not _SHA256.match(doc["meta_sha256"]):
            raise _bad(mf, "'meta_sha256' must be a SHA-256 hex digest")
    return doc


def describe(path: PathLike) -> str:
    """Where the checkpoint at ``path`` stands, e.g. ``"epoch 2 of 5 done"``, for messages."""
    try:
        doc = _read_manifest(Path(path)) or {}
    except ModelFormatError:
        return "damaged"
    epoch, epochs = doc.get("epoch"), doc.get("epochs")
    if epochs is None and isinstance(doc.get("config"), dict):  # version 1
        epochs = doc["config"].get("epochs")
    if not (_is_int(epoch) and _is_int(epochs)):
        return "progress unknown"
    if epoch >= epochs:
        return f"all {epochs} epochs done, the vectors not yet written"
    half = ", part of the next one" if doc.get("in_epoch") else ""
    return f"{epoch} of {epochs} epochs done{half}"


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

def _version_dirs(path: Path):
    with contextlib.suppress(OSError):
        for entry in os.scandir(path):
            if _VERSION_DIR.match(entry.name) and entry.is_dir(follow_symlinks=False):
                yield entry.name


def _remove_unreferenced(path: Path, current: Optional[str]) -> None:
    """Remove version directories the manifest does not name, and version 1 files once a
    version 2 manifest exists (only the writer of ``path``, holding its lock, calls this)."""
    for name in list(_version_dirs(path)):
        if name != current:
            shutil.rmtree(path / name, ignore_errors=True)
    if current is not None:
        for name in _DATA_FILES:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                (path / name).unlink()


def _npy_digest(header: bytes, data: memoryview) -> str:
    digest = hashlib.sha256(header)
    digest.update(data)  # releases the GIL
    return digest.hexdigest()


def _save_npy(path: Path, array: np.ndarray, hasher: Executor) -> "Future[str]":
    """Write ``array`` as a ``.npy`` file (the bytes ``numpy.save`` writes); returns the future
    SHA-256 of what was meant to be written, hashed from memory on a ``hasher`` thread while this
    one writes (a write that went wrong on its way to the file is then caught when the checkpoint
    is read). The array must not change until the future is done.

    The data goes to the file straight from the array's memory in one ``write`` (errors keep
    their errno). ``numpy.save`` to a writer that is not a real file copies it through 16 MB
    chunk buffers instead, which glibc then keeps in the heap for the rest of the run (+25 MB of
    resident memory after the first checkpoint on wiki100m).
    """
    array = np.ascontiguousarray(array)
    out = io.BytesIO()
    npformat.write_array_header_1_0(out, npformat.header_data_from_array_1_0(array))
    header = out.getvalue()
    data = memoryview(array.reshape(-1)).cast("B")
    digest = hasher.submit(_npy_digest, header, data)
    with open(path, "wb") as fh:
        writer = PlainWriter(fh)
        writer.write(header)
        if array.size:
            writer.write(data)
    return digest


def _save_vocab(tmp: Path, vocab: Vocab, path: Path,
                vocab_from: Optional[Tuple[str, str]]) -> str:
    """Put the vocabulary file into the new version ``tmp``; return its SHA-256."""
    if vocab_from is not None:
        version, digest = vocab_from
        try:
            os.link(path / version / _VOCAB, tmp / _VOCAB)
            return digest
        except OSError:  # no such version any more, or no hard links here: write it
            with contextlib.suppress(FileNotFoundError):
                (tmp / _VOCAB).unlink()
    vocab.save(tmp / _VOCAB)
    return sha256_file(tmp / _VOCAB)


def save_checkpoint(path: PathLike, *, config: TrainConfig, vocab: Vocab, syn0: np.ndarray,
                    syn1: np.ndarray, arrays: Dict[str, np.ndarray], meta: Dict[str, Any],
                    fingerprint: Optional[str] = None,
                    syn1hs: Optional[np.ndarray] = None,
                    vocab_from: Optional[Tuple[str, str]] = None) -> Path:
    """Write a new checkpoint into the directory ``path`` (created if needed) and make it the
    current one in a single atomic step (see the module docstring). ``syn1hs`` (hierarchical
    softmax's inner-node vectors) is saved when it has rows. ``vocab_from`` is ``(version,
    sha256)`` of an existing version of ``path`` whose vocabulary file holds ``vocab``: the new
    version then gets a hard link to that file instead of writing it again (a run's vocabulary
    never changes; writing it was a third of a checkpoint's time). See :meth:`CheckpointDir.save`.

    A full disk raises :class:`fastw2v.base.atomic.WriteError` naming the file; the previous
    checkpoint is then still the current one. Returns ``path``.
    """
    path = Path(path)
    path.mkdir(exist_ok=True)
    numbers = [int(n[1:]) for n in _version_dirs(path)]
    name = f"v{max(numbers, default=0) + 1:06d}"
    tmp = make_temp_dir(path, name)
    final = path / name
    try:
        with write_errors(final):
            # The weight files are hashed on other threads while this one writes them (the
            # training threads are stopped while a checkpoint is written); leaving the pool
            # waits for them, also after an error.
            with ThreadPoolExecutor(max_workers=HASH_THREADS,
                                    thread_name_prefix="fastw2v-hash") as hasher:
                pending = {"syn0.npy": _save_npy(tmp / "syn0.npy", syn0, hasher),
                           "syn1.npy": _save_npy(tmp / "syn1.npy", syn1, hasher)}
                if syn1hs is not None and syn1hs.shape[0]:
                    pending[_HS_WEIGHTS] = _save_npy(tmp / _HS_WEIGHTS, syn1hs, hasher)
                with open(tmp / _STATE, "wb") as fh:
                    np.savez(fh, **{k: np.ascontiguousarray(arrays[k]) for k in _ARRAYS})
                digests = {_STATE: sha256_file(tmp / _STATE),
                           _VOCAB: _save_vocab(tmp, vocab, path, vocab_from)}
            digests.update((file, future.result()) for file, future in pending.items())
            doc = {"config": config.to_dict(), "state": meta,
                   "corpus": {"tokens_sha256": fingerprint}, "files": digests}
            text = json.dumps(doc, indent=1).encode("utf-8")
            with open(tmp / META, "wb") as fh:
                fh.write(text)
            fsync_tree(tmp)
            os.replace(tmp, final)
            fsync_directory(path)
            manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "current": name,
                        "meta_sha256": hashlib.sha256(text).hexdigest(),
                        "epoch": meta.get("epoch"), "epochs": config.epochs,
                        "in_epoch": meta.get("in_epoch")}
            with atomic_write(path / MANIFEST, "w", encoding="utf-8") as fh:
                json.dump(manifest, fh, indent=1)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        # The manifest decides: the new version stays only if the switch happened.
        with contextlib.suppress(ModelFormatError, OSError):
            now = _read_manifest(path)
            if now is None or now.get("current") != name:
                shutil.rmtree(final, ignore_errors=True)
        raise
    _remove_unreferenced(path, name)
    return path


def check_location(path: PathLike, *, overwrite: bool = False,
                   resuming: bool = False) -> Optional[Dict[str, Any]]:
    """Check, without changing anything, that a run may write checkpoints to ``path``; return
    the manifest of the checkpoint already there (None when there is none).

    Raises the errors of :class:`CheckpointDir` (a missing parent, a path under a file, a
    read-only location, a directory that is not a checkpoint's, an interrupted run's checkpoint
    without ``resuming`` or ``overwrite``).
    """
    p = Path(path)
    if not os.path.lexists(p):
        try:
            check_writable_destination(p)
        except FileNotFoundError:
            raise FileNotFoundError(f"the checkpoint's directory does not exist: "
                                    f"{p.parent}") from None
        except NotADirectoryError as exc:
            raise NotADirectoryError(f"cannot create the checkpoint {p}: "
                                     f"{str(exc).split(': ', 1)[-1]}") from None
        except PermissionError:
            raise PermissionError(f"cannot create the checkpoint {p}: {p.parent} is not "
                                  f"writable") from None
        return None
    if not p.is_dir():
        raise FileExistsError(f"checkpoint path exists and is not a directory: {p}")
    if not os.access(p, os.W_OK | os.X_OK):
        raise PermissionError(f"checkpoint directory is not writable: {p}")
    try:
        manifest = _read_manifest(p)
    except ModelFormatError:
        if not overwrite:
            raise
        manifest = None  # a damaged checkpoint that is to be overwritten anyway
    if manifest is not None and not resuming and not overwrite:
        raise CheckpointExists(p, describe(p))
    for entry in os.scandir(p):
        if (entry.name == LOCK_FILE or _VERSION_DIR.match(entry.name)
                or entry.name.startswith(".")):
            continue
        if entry.name in _DATA_FILES + (MANIFEST,) and (manifest is not None or overwrite):
            continue
        raise FileExistsError(f"{p} exists and is not a checkpoint directory (it holds "
                              f"{entry.name!r}); choose another checkpoint directory")
    return manifest


def remove_checkpoint(path: PathLike) -> None:
    """Delete a checkpoint directory for good (once the run's output is durably written).

    The manifest goes first, so a crash half way leaves a directory without a checkpoint (which
    the next run reuses or removes), never a manifest naming half-deleted files.
    """
    p = Path(path)
    with contextlib.suppress(FileNotFoundError):
        (p / MANIFEST).unlink()
        fsync_directory(p)
    shutil.rmtree(p, ignore_errors=True)
    fsync_directory(p.parent if str(p.parent) else ".")


class CheckpointDir:
    """The checkpoint directory of a run: checked, created and locked before training starts.

    Parameters
    ----------
    path : path
        The directory.
    overwrite : bool
        Allow replacing the checkpoint of another (interrupted) run in ``path``.
    resuming : bool
        ``path`` is the checkpoint this run resumes from.

    Raises (from :meth:`open`)
    ------
    FileNotFoundError, NotADirectoryError, PermissionError
        ``path`` cannot be created or written (missing parent, under a file, read-only).
    FileExistsError
        ``path`` is a file, or a directory holding other things than a checkpoint.
    CheckpointExists
        ``path`` holds an interrupted run's checkpoint and neither ``resuming`` nor
        ``overwrite`` is given.
    CheckpointBusy
        Another running fastw2v process writes ``path``.
    """

    def __init__(self, path: PathLike, *, overwrite: bool = False, resuming: bool = False):
        self.path = Path(path)
        self.overwrite, self.resuming = overwrite, resuming
        self._lock_fd: Optional[int] = None
        self._created = False
        # The vocabulary last saved here and (version, SHA-256) of its file, for the next save.
        self._vocab: Optional[Vocab] = None
        self._vocab_file: Optional[Tuple[str, str]] = None
        self.saved: Optional[Dict[str, Any]] = None  # the state of the last checkpoint written

    def open(self) -> "CheckpointDir":
        p = self.path
        manifest = check_location(p, overwrite=self.overwrite, resuming=self.resuming)
        if not os.path.lexists(p):
            p.mkdir()
            self._created = True
        self._lock()
        try:
            remove_stale_temporaries(p)
            manifest = check_location(p, overwrite=self.overwrite, resuming=self.resuming)
            # Versions a crash left unreferenced go now, but only beside an intact current
            # one: with a missing or damaged manifest nothing is removed (the next checkpoint
            # this run writes replaces them all).
            if (manifest is not None and manifest.get("version") == FORMAT_VERSION
                    and (p / manifest["current"] / META).is_file()):
                _remove_unreferenced(p, manifest["current"])
        except BaseException:
            self.close()
            raise
        return self

    def _lock(self) -> None:
        if fcntl is None:  # pragma: no cover
            return
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                owner = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            finally:
                os.close(fd)
            raise CheckpointBusy(f"checkpoint directory {self.path} is in use by another "
                                 f"fastw2v run (PID {owner}); wait for it or choose another "
                                 f"checkpoint directory") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._lock_fd = fd

    def has_checkpoint(self) -> bool:
        return (self.path / MANIFEST).exists()

    def save(self, **kwargs) -> Path:
        """:func:`save_checkpoint` into this directory; remembers what was saved. From the second
        checkpoint of the same :class:`Vocab` object on, the vocabulary file is linked from the
        version written before instead of being written again."""
        vocab = kwargs["vocab"]
        self._vocab, reuse = None, self._vocab_file if self._vocab is vocab else None
        path = save_checkpoint(self.path, vocab_from=reuse, **kwargs)
        self.saved = dict(kwargs["meta"])
        with contextlib.suppress(ModelFormatError, OSError, KeyError, TypeError):
            manifest = _read_manifest(self.path)  # what was just written, a few hundred bytes
            version = manifest["current"]
            self._vocab_file = (version, _read_meta(self.path / version, manifest)["files"][_VOCAB])
            self._vocab = vocab
        return path

    def close(self) -> None:
        """Release the lock; a directory this run created and never wrote a checkpoint to is
        removed again."""
        if self._lock_fd is not None:
            if self._created and not self.has_checkpoint():
                with contextlib.suppress(OSError):
                    (self.path / LOCK_FILE).unlink()
                with contextlib.suppress(OSError):
                    self.path.rmdir()
            os.close(self._lock_fd)
            self._lock_fd = None

    def remove(self) -> None:
        """Delete the checkpoint (the run is complete)."""
        remove_checkpoint(self.path)
        self.close()


# --------------------------------------------------------------------------------------------
# Reading and checking
# --------------------------------------------------------------------------------------------

def _read_meta(where: Path, manifest: Dict[str, Any]) -> Dict[str, Any]:
    mf = where / META
    try:
        raw = mf.read_bytes()
    except OSError as exc:
        raise _bad(mf, f"cannot be read ({exc.strerror or exc})") from None
    if hashlib.sha256(raw).hexdigest() != manifest["meta_sha256"]:
        raise _bad(mf, f"its checksum does not match the one in {MANIFEST} (the file was "
                       f"changed or damaged)")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise _bad(mf, f"not readable JSON ({exc})") from None
    if not isinstance(doc, dict) or set(doc) != {"config", "state", "corpus", "files"}:
        raise _bad(mf, "expected an object with 'config', 'state', 'corpus' and 'files'")
    if not isinstance(doc["files"], dict) or not set(_DATA_FILES) <= set(doc["files"]) <= set(
            _DATA_FILES + (_HS_WEIGHTS,)) or not all(
            isinstance(v, str) and _SHA256.match(v) for v in doc["files"].values()):
        raise _bad(mf, f"'files' must give the SHA-256 of {', '.join(_DATA_FILES)}")
    corpus = doc["corpus"]
    if not isinstance(corpus, dict) or set(corpus) != {"tokens_sha256"} or not (
            corpus["tokens_sha256"] is None or (isinstance(corpus["tokens_sha256"], str)
                                                and _SHA256.match(corpus["tokens_sha256"]))):
        raise _bad(mf, "'corpus' must hold the token stream's SHA-256 ('tokens_sha256')")
    return doc


def load_checkpoint(path: PathLike) -> Checkpoint:
    """Read and check a checkpoint written by :func:`save_checkpoint` (or a version 1 one).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ModelFormatError
        ``path`` is not a complete, intact fastw2v checkpoint; the message names the damaged
        file and what is wrong with it.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if not path.is_dir():
        raise ModelFormatError(f"{path} is not a checkpoint directory")
    manifest = _read_manifest(path)
    if manifest is None:
        raise ModelFormatError(f"{path} holds no complete checkpoint (no {MANIFEST}: the run "
                               f"stopped before its first checkpoint, or this is not one)")
    if manifest["version"] == FORMAT_VERSION:
        where = path / manifest["current"]
        if not where.is_dir():
            raise _bad(path / MANIFEST, f"names {manifest['current']!r}, which is missing")
        doc = _read_meta(where, manifest)
        for name, digest in doc["files"].items():
            f = where / name
            try:
                ok = sha256_file(f) == digest
            except OSError as exc:
                raise _bad(f, f"cannot be read ({exc.strerror or exc})") from None
            if not ok:
                raise _bad(f, f"its checksum does not match the one in {META} (the file was "
                              f"changed or damaged)")
        config = _check_config(where / META, doc["config"])
        state = _check_state(where / META, doc["state"], config)
        fingerprint = doc["corpus"]["tokens_sha256"]
    else:  # version 1: the files directly in the directory, the state in the manifest
        where = path
        doc = dict(manifest)
        doc.pop("format"), doc.pop("version")
        config = _check_config(path / MANIFEST, doc.pop("config", None))
        state = _check_state(path / MANIFEST, doc, config)
        fingerprint = None
        logger.warning("%s is a checkpoint of an older fastw2v: the corpus is checked by its "
                       "vocabulary and length only", path)
    for name in _DATA_FILES:
        if not (where / name).is_file():
            raise _bad(where / name, "missing")
    try:
        vocab = Vocab.load(where / _VOCAB)
    except (OSError, ValueError) as exc:
        raise _bad(where / _VOCAB, str(exc)) from None
    shape = (len(vocab), padded_width(config.dim))
    syn0 = _load_weights(where / "syn0.npy", shape)
    syn1 = _load_weights(where / "syn1.npy", shape)
    syn1hs = None
    if config.hs and len(vocab) > 1:
        if not (where / _HS_WEIGHTS).is_file():
            raise _bad(where / _HS_WEIGHTS, "missing (hierarchical softmax needs the inner-node "
                                            "vectors)")
        syn1hs = _load_weights(where / _HS_WEIGHTS, (len(vocab) - 1, shape[1]))
    arrays = _load_state_arrays(where / _STATE, config, len(vocab), state["n_tokens"],
                                state.get("cluster"))
    return Checkpoint(config=config, vocab=vocab, syn0=syn0, syn1=syn1, arrays=arrays,
                      meta=state, fingerprint=fingerprint, where=where, syn1hs=syn1hs)
