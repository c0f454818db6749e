"""Atomic file writes: write to a temporary file in the target's directory, fsync, rename.

A crash or an exception half way through never leaves a truncated file under the final name and
never clobbers an existing file with a partial one. After the rename the directory is fsynced
too, so once a write returns the new file survives a power cut.

Temporary files
---------------
Every temporary file or directory fastw2v creates is named by :func:`temp_name`:
``.<target>.fastw2v-<host>-<pid>-<random>.tmp`` (``.old`` for a directory moved aside while it
is replaced). A process killed with ``kill -9`` cannot remove its own, so every atomic write
first calls :func:`remove_stale_temporaries` on its directory: it removes the entries of that
pattern made on this host by a process that no longer runs, and only those (a file of another
program, of a live fastw2v process or of another host is never touched).

Write errors
------------
A full disk (``ENOSPC``), an exceeded quota or a file-size limit while writing is raised as
:class:`WriteError` (an ``OSError``) whose message names the file the user asked for, e.g.
``no space left on device writing vectors.bin``, never the temporary file or a byte count.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import logging
import os
import re
import secrets
import shutil
import socket
from pathlib import Path
from typing import IO, Iterator, Optional, Tuple

from .paths import PathLike

logger = logging.getLogger("fastw2v")

#: The word in every temporary name: recognisable by a human and by :data:`_TEMP_NAME`.
TEMP_TAG = "fastw2v"

#: Hex digits of the host name's hash in temporary names: two hosts sharing a directory (NFS)
#: collide with probability 2**-32, and a name stays short.
_HOST_CHARS = 8
_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:_HOST_CHARS]

_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\." + TEMP_TAG +
                        r"-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-f]{8}\.(?P<kind>tmp|old)$")

#: Errors of a write that mean "the device cannot take more data", and how we say it.
_FULL = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
         errno.EFBIG: "file too large for the file system"}

#: ``renameat2`` flag that swaps two paths in one step (Linux >= 3.15); and "relative to cwd".
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class WriteError(OSError):
    """Writing a file failed because the device is full (or a quota or size limit was hit).

    ``str()`` is the one-line message, e.g. ``no space left on device writing PATH``.
    """

    def __str__(self) -> str:
        return str(self.strerror)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _usual_mode(directory: bool) -> int:
    """The mode ``open()`` / ``mkdir()`` would give (mkstemp and mkdtemp use 0600 / 0700)."""
    return (0o777 if directory else 0o666) & ~_umask()


# --------------------------------------------------------------------------------------------
# Temporary names and their cleanup
# --------------------------------------------------------------------------------------------

def temp_name(target_name: str, kind: str = "tmp") -> str:
    """A fresh temporary name for something that will become ``target_name`` (see the module
    docstring); ``kind`` is ``"tmp"`` or ``"old"``."""
    return f".{target_name}.{TEMP_TAG}-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}.{kind}"


def make_temp_file(directory: PathLike, target_name: str) -> Tuple[int, Path]:
    """Create an empty temporary file in ``directory`` (mode as ``open()`` gives); returns its
    file descriptor (open for reading and writing) and path."""
    directory = Path(directory)
    for _ in range(100):
        path = directory / temp_name(target_name)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, _usual_mode(False))
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
        return fd, path
    raise FileExistsError(f"could not create a temporary file in {directory}")  # pragma: no cover


def make_temp_dir(directory: PathLike, target_name: str) -> Path:
    """Create an empty temporary directory in ``directory`` (mode as ``mkdir()`` gives)."""
    directory = Path(directory)
    for _ in range(100):
        path = directory / temp_name(target_name)
        try:
            os.mkdir(path, _usual_mode(True))
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
        return path
    raise FileExistsError(  # pragma: no cover
        f"could not create a temporary directory in {directory}")


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (one of another user's counts)."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # pragma: no cover - e.g. EINVAL on odd platforms: assume alive
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def remove_stale_temporaries(directory: PathLike) -> int:
    """Remove the temporary files and directories that fastw2v processes which no longer run
    left in ``directory`` (killed with ``kill -9``, a power cut); returns how many.

    Only names made by :func:`temp_name` on this host by a dead process are touched. A directory
    moved aside (``.old``) while being replaced is put back if nothing took its place (the
    process died between the two renames), otherwise removed. Errors (no permission, the
    directory is gone) are ignored: cleaning up is best effort and never fails a run.
    """
    directory = Path(directory)
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if m is None or m.group("host") != _HOST or pid_alive(int(m.group("pid"))):
            continue
        path = Path(entry.path)
        try:
            if m.group("kind") == "old":
                target = directory / m.group("target")
                if not os.path.lexists(target):
                    os.replace(path, target)
                    logger.warning("restored %s, which an interrupted fastw2v run had moved "
                                   "aside", target)
                    continue
            _remove(path)
            removed += 1
        except OSError:
            continue
    if removed:
        logger.info("removed %d temporary file(s) left in %s by interrupted fastw2v runs",
                    removed, directory)
    return removed


# --------------------------------------------------------------------------------------------
# Durability and write errors
# --------------------------------------------------------------------------------------------

#: Bytes hashed per read by :func:`sha256_file`, into one reused buffer: bounded memory for
#: files of any size. Larger reads hash no faster; 16 MB reads, each a new ``bytes``, left ~25 MB
#: in glibc's heap after a checkpoint (its mmap threshold rises to the size of a freed block).
HASH_CHUNK_BYTES = 1 << 20


def sha256_file(path: PathLike) -> str:
    """The SHA-256 hex digest of a file's content, read in pieces of :data:`HASH_CHUNK_BYTES`
    (cache entries and checkpoints record it; reading checks it)."""
    h = hashlib.sha256()
    buf = memoryview(bytearray(HASH_CHUNK_BYTES))
    with open(path, "rb", buffering=0) as fh:
        while True:
            got = fh.readinto(buf)
            if not got:
                return h.hexdigest()
            h.update(buf[:got])


def fsync_directory(directory: PathLike) -> None:
    """Make the entries of ``directory`` (renames, new files) durable. A file system that cannot
    fsync a directory is left alone."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_tree(directory: PathLike) -> None:
    """fsync every file below ``directory``, then the directories themselves."""
    directory = Path(directory)
    for root, _, files in os.walk(directory):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_directory(root)


def translate_write_error(exc: OSError, path: PathLike) -> Optional[WriteError]:
    """The :class:`WriteError` to raise for ``exc``, raised while writing ``path``, or None when
    ``exc`` is not a full device (then raise ``exc`` itself)."""
    if isinstance(exc, WriteError):
        return None
    what = _FULL.get(exc.errno) if exc.errno is not None else None
    if what is None and exc.errno is None and "requested and" in str(exc):
        # numpy's ``tofile`` reports a short write without errno; it means a full device.
        what = _FULL[errno.ENOSPC]
    if what is None:
        return None
    code = exc.errno if exc.errno is not None else errno.ENOSPC
    return WriteError(code, f"{what} writing {os.fspath(path)}")


@contextlib.contextmanager
def write_errors(path: PathLike) -> Iterator[None]:
    """Raise a full device inside the block as :class:`WriteError` naming ``path``."""
    try:
        yield
    except OSError as exc:
        new = translate_write_error(exc, path)
        if new is None:
            raise
        raise new from None


class PlainWriter:
    """A write-only file object over ``fh``: the one place checkpoint data is written (with
    ``write()``, not numpy's ``tofile``, which reports a full disk without errno)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh

    def write(self, data) -> int:
        return self._fh.write(data)

    def flush(self) -> None:
        self._fh.flush()


# --------------------------------------------------------------------------------------------
# Atomic writes
# --------------------------------------------------------------------------------------------

@contextlib.contextmanager
def atomic_write(path: PathLike, mode: str = "wb", **open_kwargs) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on clean exit fsync it, rename it onto ``path``
    and fsync the directory. A full device raises :class:`WriteError` naming ``path``."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    remove_stale_temporaries(parent)
    fd, tmp = make_temp_file(parent, path.name)
    try:
        with write_errors(path):
            with os.fdopen(fd, mode, **open_kwargs) as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        fsync_directory(parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _exchange(a: Path, b: Path) -> bool:
    """Swap the paths ``a`` and ``b`` in one atomic step (Linux ``renameat2``); False where the
    system or the file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), os.fspath(b))


@contextlib.contextmanager
def atomic_directory(path: PathLike) -> Iterator[Path]:
    """Yield a fresh temporary directory beside ``path``; on clean exit it replaces ``path``.

    An existing ``path`` is swapped with the new directory in one atomic step where the system
    allows it (Linux); elsewhere it is moved aside to a ``.old`` temporary name first, which
    :func:`remove_stale_temporaries` puts back should the process die before the new one is in
    place. So at every moment a complete directory (the old or the new) is at ``path``, or can
    be restored there.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    remove_stale_temporaries(parent)
    tmp = make_temp_dir(parent, path.name)
    try:
        with write_errors(path):
            yield tmp
            fsync_tree(tmp)
            if not os.path.lexists(path):
                os.replace(tmp, path)
            elif not _exchange(tmp, path):
                old = parent / temp_name(path.name, "old")
                os.replace(path, old)
                try:
                    os.replace(tmp, path)
                except BaseException:
                    os.replace(old, path)
                    raise
                os.replace(old, tmp)  # removed below, like the swapped-out old directory
            fsync_directory(parent)
        _remove(tmp)
    except BaseException:
        _remove(tmp)
        raise


def check_writable_destination(path: PathLike) -> Path:
    """Fail early (before hours of training) if ``path`` cannot be written.

    Raises ``PermissionError``, ``FileNotFoundError`` or ``NotADirectoryError`` with a message
    naming the path.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        for above in (parent, *parent.parents):
            if above.exists() and not above.is_dir():
                raise NotADirectoryError(f"output directory {parent} cannot exist: {above} is "
                                         f"not a directory")
        raise FileNotFoundError(f"output directory does not exist: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f"output directory is not writable: {parent}")
    return path
