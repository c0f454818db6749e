"""Sequential decompression in the main process: gzip, xz, plain XML, and the bzip2 fallback.

A dump that is not bzip2 compressed (or a bzip2 stream whose blocks could not be decompressed on
their own, see :mod:`fastw2v.wiki.bz2blocks`) is decompressed here, in order, and cut into tasks
of about :data:`XML_TASK_BYTES` of XML, which the workers then clean. :class:`_Task`, the unit of
work sent to a worker, is defined here; bzip2 tasks are the same record with the runs of blocks
to decompress.
"""
from __future__ import annotations

import bz2
import lzma
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from ..errors import CorpusError

#: Decompressed XML bytes per task when the main process decompresses (gzip, xz, plain XML, the
#: bzip2 fallback): the same ~4 MB of XML as a bzip2 task.
XML_TASK_BYTES = 4 << 20

#: Compressed bytes fed to a sequential decompressor at a time; small enough that an error
#: names a narrow range of byte offsets.
SEQUENTIAL_READ_BYTES = 64 << 10


@dataclass
class _Task:
    index: int
    kind: str  # "bz2": compressed runs; "xml": decompressed XML
    data: bytes
    where: str  # for error messages
    end_offset: int  # compressed bytes of the dump consumed once this task is done
    byte_lo: int = 0
    runs: Tuple = ()  # _Run, ... (bits of the file) of a bz2 task


def _decompressor(kind: Optional[str]):
    if kind == "bzip2":
        return bz2.BZ2Decompressor()
    if kind == "gzip":
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    if kind == "xz":
        return lzma.LZMADecompressor()
    return None


def _sequential_tasks(path: Path, kind: Optional[str], first_index: int, start: int = 0,
                      skip: int = 0) -> Iterator[_Task]:
    """Decompress ``path`` from byte ``start`` in the main process, in XML tasks.

    The first ``skip`` decompressed bytes are dropped (already processed in parallel).
    Concatenated streams/members are followed. Raises CorpusError on corrupt or truncated data.
    """
    index = first_index
    pending: List[bytes] = []
    n_pending = 0
    xml_pos = skip
    dec = _decompressor(kind)
    with open(path, "rb") as fh:
        fh.seek(start)
        pos = start
        while True:
            raw = fh.read(SEQUENTIAL_READ_BYTES)
            pos += len(raw)
            if not raw:
                if dec is not None and not _at_stream_end(dec):
                    raise CorpusError(f"{path}: truncated {kind} file: the compressed data ends "
                                      f"at byte offset {pos:,} inside a stream; download it again")
                break
            if dec is None:
                out = raw
            else:
                try:
                    out, dec = _feed(dec, raw, kind)
                except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
                    raise CorpusError(f"{path}: corrupt {kind} data between byte offsets "
                                      f"{pos - len(raw):,} and {pos:,}: {exc}") from exc
            if skip:
                cut = min(skip, len(out))
                out = out[cut:]
                skip -= cut
            if out:
                pending.append(out)
                n_pending += len(out)
            if n_pending >= XML_TASK_BYTES:
                data = b"".join(pending)
                yield _Task(index=index, kind="xml", data=data,
                            where=f"decompressed byte offset {xml_pos:,}", end_offset=pos)
                index += 1
                xml_pos += len(data)
                pending, n_pending = [], 0
        if pending:
            yield _Task(index=index, kind="xml", data=b"".join(pending),
                        where=f"decompressed byte offset {xml_pos:,}", end_offset=pos)


def _at_stream_end(dec) -> bool:
    return getattr(dec, "eof", True)


def _feed(dec, raw: bytes, kind: str):
    """Decompress ``raw``, starting new decompressors for concatenated streams/members."""
    out = []
    while raw:
        if getattr(dec, "eof", False):
            dec = _decompressor(kind)
        out.append(dec.decompress(raw))
        raw = dec.unused_data if dec.eof else b""
        if raw and not raw.strip(b"\0"):  # zero padding after the last stream
            raw = b""
    return b"".join(out), dec
