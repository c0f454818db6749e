"""The corpus as the workers of a cluster see it: a path or URL that every worker can open.

Opened with `fsspec <https://filesystem-spec.readthedocs.io/>`_ (which Dask itself uses), so a
local or shared-filesystem path, ``s3://...``, ``gcs://...``, ``hdfs://...``, ``https://...`` all
work wherever the matching fsspec backend is installed. Compression (gzip, bzip2, xz) is recognised
as on one machine (:func:`fastw2v.base.compression.compression_of_head`: a valid header, else the
suffix).
Every function here runs on a worker: the client may not be able to read the corpus at all.
"""
from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Iterator, Optional, Tuple

from ..base import compression as compression_module
from ..corpus import reader
from ..corpus.ranges import iter_range_blocks
from ..errors import CorpusError

#: Metadata fields that change when a file changes, by filesystem: local and POSIX (mtime),
#: object stores (ETag, LastModified, generation). The size always counts.
_IDENTITY_FIELDS = ("size", "mtime", "ETag", "etag", "LastModified", "last_modified",
                    "generation", "md5Hash")


@dataclass(frozen=True)
class CorpusSource:
    """A corpus file as the workers open it.

    Attributes
    ----------
    url : str
        An absolute local path, or a URL fsspec opens.
    size : int
        Bytes of text (after decompression): the byte ranges split ``[0, size)``.
    compression : str or None
        ``"gzip"``, ``"bzip2"``, ``"xz"`` or None.
    identity : str
        The file's size and modification stamp (JSON): part of every cache key, so a changed
        file is never mistaken for the one a stream or checkpoint was made from.
    """

    url: str
    size: int
    compression: Optional[str]
    identity: str

    @property
    def name(self) -> str:
        """The file name (readable part of cache entry names)."""
        return PurePosixPath(self.url.rstrip("/")).name or "corpus"


def _filesystem(url: str):
    import fsspec  # the dask extra; only ever imported on the cluster path
    return fsspec.core.url_to_fs(url)


@contextlib.contextmanager
def _open(fs, path: str, compression: Optional[str]) -> Iterator[Tuple[IO[bytes], bool]]:
    with fs.open(path, "rb") as raw:
        if compression is None:
            yield raw, True
            return
        with compression_module.WRAPPERS[compression](raw) as fh:
            yield fh, False


def describe(url: str) -> CorpusSource:
    """Look at the corpus: size (read through once when compressed), compression, identity.

    Raises
    ------
    FileNotFoundError
        Nothing at ``url``.
    CorpusError
        ``url`` is a directory, or corrupt compressed data.
    """
    fs, path = _filesystem(url)
    if not fs.exists(path):
        raise FileNotFoundError(f"corpus file not found: {url}")
    info = fs.info(path)
    if info.get("type") == "directory":
        raise CorpusError(f"corpus path is a directory, not a file: {url}")
    identity = json.dumps({k: info[k] for k in _IDENTITY_FIELDS if k in info}, sort_keys=True,
                          default=str)
    with fs.open(path, "rb") as raw:
        head = raw.read(compression_module.HEAD_BYTES)
    compression = compression_module.compression_of_head(head, path)
    size = int(info["size"])
    if compression is not None:
        size = 0
        with _guard(url, compression), _open(fs, path, compression) as (fh, _):
            while True:
                piece = fh.read(reader.CHUNK_BYTES)
                if not piece:
                    break
                size += len(piece)
    return CorpusSource(url=url, size=size, compression=compression, identity=identity)


@contextlib.contextmanager
def _guard(url: str, compression: Optional[str]) -> Iterator[None]:
    """Corrupt compressed data as :class:`CorpusError`, as on one machine."""
    try:
        yield
    except Exception as exc:
        if compression is not None and compression_module.is_corrupt_data_error(exc):
            raise CorpusError(f"{url}: corrupt or truncated {compression} data ({exc})") from exc
        raise


@contextlib.contextmanager
def range_blocks(source: CorpusSource, start: int, end: int) -> Iterator[Iterator[bytes]]:
    """The whole-token blocks of byte range ``[start, end)`` of the corpus
    (:func:`fastw2v.corpus.ranges.iter_range_blocks`), as a context manager that closes the file."""
    fs, path = _filesystem(source.url)
    with _guard(source.url, source.compression), \
            _open(fs, path, source.compression) as (fh, seekable):
        blocks = iter_range_blocks(fh, start, end, seekable=seekable)
        try:
            yield blocks
        finally:
            blocks.close()
