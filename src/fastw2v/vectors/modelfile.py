"""The single-file container of a native model: an uncompressed POSIX tar of the directory's files.

:meth:`fastw2v.KeyedVectors.save` and :meth:`fastw2v.Word2Vec.save` write one file, as gensim users
expect of ``save()``: a tar archive (pax format, no compression) holding exactly the files of the
native directory (:mod:`fastw2v.vectors.native`): ``config.json`` first, then ``vocab.tsv``,
``vectors.npy`` and, for a Word2Vec model, ``syn1neg.npy`` (and ``syn1hs.npy`` with hierarchical
softmax). Why tar:

* every member's data starts on a 512-byte boundary and ``.npy`` headers are padded to 64 bytes,
  so each matrix lies aligned in the file and is **memory-mapped in place** (``mmap_mode="r"``)
  or read with one copy -- the archive is never unpacked;
* any tar tool lists and extracts it (``tar tf model.kv``), giving back the native directory.

Members are located by name from the tar headers and only ever read, never extracted, so paths in
the archive cannot write anywhere. Writes are atomic (:func:`fastw2v.base.atomic.atomic_write`).
"""
from __future__ import annotations

import io
import json
import os
import tarfile
import time
from pathlib import Path
from typing import Dict, Iterable, Optional, Sequence, Tuple, Union

import numpy as np

from ..base.atomic import atomic_write
from ..errors import ModelFormatError

#: Bytes copied per step when an array is written into the archive.
COPY_BYTES = 1 << 20
#: Largest JSON or vocabulary member read whole (a vocabulary of 10M words is ~150 MB).
MAX_TEXT_MEMBER_BYTES = 1 << 32

Payload = Union[bytes, np.ndarray, Iterable[bytes]]


class _ArrayReader:
    """A file-like ``read()`` over a ``.npy`` header and an array's bytes (no copy of the
    array)."""

    def __init__(self, header: bytes, array: np.ndarray) -> None:
        self._parts = [memoryview(header), memoryview(array).cast("B")]
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        out = []
        while self._parts and (n < 0 or n > 0):
            part = self._parts[0]
            take = len(part) - self._pos if n < 0 else min(n, len(part) - self._pos)
            out.append(bytes(part[self._pos:self._pos + take]))
            self._pos += take
            n -= take if n >= 0 else 0
            if self._pos == len(part):
                self._parts.pop(0)
                self._pos = 0
        return b"".join(out)


def npy_header(array: np.ndarray) -> bytes:
    """The ``.npy`` header ``numpy.save`` writes for ``array`` (C order)."""
    buf = io.BytesIO()
    info = np.lib.format.header_data_from_array_1_0(array)
    try:
        np.lib.format.write_array_header_1_0(buf, info)
    except ValueError:  # a header too long for version 1.0 (a huge structured dtype)
        buf = io.BytesIO()
        np.lib.format.write_array_header_2_0(buf, info)
    return buf.getvalue()


def write_model_file(path: Path, members: Sequence[Tuple[str, Payload]]) -> None:
    """Write ``members`` (name, content) as an uncompressed tar at ``path``, atomically.

    A content is ``bytes``, an array (stored as ``.npy``, C order, streamed without a copy) or an
    iterable of ``bytes`` pieces (joined; for text members).
    """
    now = time.time()
    with atomic_write(path, "wb") as fh:
        with tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tar:
            tar.copybufsize = COPY_BYTES
            for name, payload in members:
                info = tarfile.TarInfo(name)
                info.mtime = now
                info.mode = 0o644
                if isinstance(payload, np.ndarray):
                    array = np.ascontiguousarray(payload)
                    header = npy_header(array)
                    info.size = len(header) + array.nbytes
                    tar.addfile(info, _ArrayReader(header, array))
                else:
                    data = payload if isinstance(payload, bytes) else b"".join(payload)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))


def is_tar(path: Path) -> bool:
    """Whether ``path`` is a tar archive (by its header's magic)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return head[257:262] == b"ustar"


class UnsupportedNpyVersion(ValueError):
    """A ``.npy`` header of a format version numpy's readers here do not know."""


def read_npy_header(fh) -> Tuple[tuple, bool, np.dtype]:
    """``(shape, fortran_order, dtype)`` of the ``.npy`` array that starts at ``fh``'s position,
    leaving ``fh`` at its data. One reader for every ``.npy`` file fastw2v checks before loading
    (model files, native directories, checkpoints). Raises :class:`UnsupportedNpyVersion`, or
    numpy's own errors for a corrupt header (which include SyntaxError and others)."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fh)
    if version in ((2, 0), (3, 0)):
        return np.lib.format.read_array_header_2_0(fh)
    raise UnsupportedNpyVersion(f"unsupported .npy version {version}")


class ModelFile:
    """Read access to the members of a model file (use as a context manager)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._tar = tarfile.open(path, "r:")
            members = self._tar.getmembers()
        except (tarfile.TarError, EOFError) as exc:
            raise ModelFormatError(f"{path}: not a readable model file (tar): {exc}") from None
        self.size = os.path.getsize(path)
        self.members: Dict[str, tarfile.TarInfo] = {}
        for m in members:
            if m.isfile():
                self.members.setdefault(m.name, m)

    def __enter__(self) -> "ModelFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._tar.close()

    def has(self, name: str) -> bool:
        return name in self.members

    def _member(self, name: str) -> tarfile.TarInfo:
        try:
            m = self.members[name]
        except KeyError:
            raise ModelFormatError(f"{self.path}: missing {name}; not a complete fastw2v "
                                   f"model file") from None
        if m.offset_data + m.size > self.size:
            raise ModelFormatError(f"{self.path}: {name} is truncated: the archive declares "
                                   f"{m.size} bytes at offset {m.offset_data}, the file has "
                                   f"{self.size}")
        return m

    def read_bytes(self, name: str) -> bytes:
        m = self._member(name)
        if m.size > MAX_TEXT_MEMBER_BYTES:
            raise ModelFormatError(f"{self.path}: {name} declares {m.size} bytes; corrupt?")
        with open(self.path, "rb") as fh:
            fh.seek(m.offset_data)
            data = fh.read(m.size)
        if len(data) != m.size:
            raise ModelFormatError(f"{self.path}: {name} is truncated")
        return data

    def read_json(self, name: str) -> dict:
        try:
            return json.loads(self.read_bytes(name).decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ModelFormatError(f"{self.path}: {name}: corrupt JSON: {exc}") from None

    def load_array(self, name: str, mmap_mode: Optional[str] = None) -> np.ndarray:
        """The ``.npy`` member ``name``: memory-mapped in place, or read with one copy."""
        m = self._member(name)
        where = f"{self.path}: {name}"
        with open(self.path, "rb") as fh:
            fh.seek(m.offset_data)
            try:
                shape, fortran, dtype = read_npy_header(fh)
            except Exception as exc:  # numpy's parser lets SyntaxError and others through
                raise ModelFormatError(f"{where}: corrupt .npy header: {exc}") from None
            start = fh.tell()
            if dtype.hasobject or fortran:
                raise ModelFormatError(f"{where}: expected a C-order numeric array")
            need = int(np.prod(shape, dtype=object)) * dtype.itemsize
            have = m.offset_data + m.size - start
            if have < need:
                raise ModelFormatError(f"{where}: truncated .npy data: the header declares shape "
                                       f"{tuple(shape)} of {dtype} ({need} bytes of data), but "
                                       f"only {have} bytes follow")
            if mmap_mode is not None:
                if need == 0:
                    return np.zeros(shape, dtype=dtype)
                return np.memmap(self.path, dtype=dtype, mode=mmap_mode, offset=start,
                                 shape=tuple(shape))
            count = int(np.prod(shape, dtype=object))
            array = np.fromfile(fh, dtype=dtype, count=count)
            if array.size != count:
                raise ModelFormatError(f"{where}: truncated .npy data")
            return array.reshape(shape)
