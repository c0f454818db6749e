"""bzip2 blocks: finding them in the compressed bytes and cutting a file into tasks of block runs.

A bzip2 file is a sequence of streams (``BZh1``..``BZh9`` header, compressed blocks, an
end-of-stream marker with the stream's CRC). Blocks start with a 48-bit marker that is not
byte-aligned; :func:`_scan_bz2` finds every block and end-of-stream marker and the CRC stored
after it. :func:`_bz2_tasks` groups consecutive blocks into tasks of about :data:`SEGMENT_BYTES`
compressed bytes, and a worker rebuilds each run of blocks as a self-contained bzip2 stream
(:func:`_run_as_stream`) and decompresses it (:func:`_decompress_task`). When a task fails,
:func:`_corrupt_block` tells corrupt data from a marker look-alike inside compressed data.
"""
from __future__ import annotations

import bz2
from pathlib import Path
from typing import Iterator, List, NamedTuple, Optional, Sequence, Tuple

from ..errors import CorpusError
from .sequential import _Task

#: Compressed bytes per worker task. A task is a run of whole bzip2 blocks (~200 KB compressed,
#: ~900 KB of XML each); 1 MiB (~4 blocks, ~4 MB of XML, ~0.2 s of work) makes the per-task cost
#: (pickling, the page cut at each task boundary, which the main process joins and sends back to
#: a worker) negligible and the memory per task small. Small files use smaller tasks (see
#: :func:`_segment_target`).
SEGMENT_BYTES = 1 << 20

#: Compressed bytes read per step while scanning a bzip2 file for block markers.
SCAN_BYTES = 8 << 20

#: Bytes at the end of a bzip2 file scanned up front for its last marker, to report a truncated
#: download at once rather than at the end of the run. A compressed block is at most ~1 MB.
TAIL_CHECK_BYTES = 2 << 20

_BLOCK_MAGIC = 0x314159265359
_EOS_MAGIC = 0x177245385090
_MASK48 = (1 << 48) - 1
_MASK32 = 0xFFFFFFFF
#: Bytes that hold a marker (48 bits) and the CRC after it (32 bits) at any bit offset: a scan
#: keeps this many bytes of one read for the next.
_MARKER_SPAN = 11


def _patterns(magic: int) -> List[Tuple[int, bytes, int]]:
    """``(bit shift r, byte pattern, offset of the pattern in the marker's window)`` for r = 0..7.

    A marker starting at bit ``r`` of byte ``q`` covers bytes ``q`` .. ``q+6``; the five bytes
    ``q+1`` .. ``q+5`` are fully determined by it, so :meth:`bytes.find` can look for them (six
    bytes from ``q`` when ``r`` is 0) and a candidate is then checked bit for bit.
    """
    out = [(0, magic.to_bytes(6, "big"), 0)]
    for r in range(1, 8):
        out.append((r, (magic << (8 - r)).to_bytes(7, "big")[1:6], 1))
    return out


_BLOCK_PATTERNS = _patterns(_BLOCK_MAGIC)
_EOS_PATTERNS = _patterns(_EOS_MAGIC)


def _find_markers(buf: bytes, limit: int) -> List[Tuple[int, int]]:
    """Bit positions of block (kind 0) and end-of-stream (kind 1) markers in ``buf``.

    Only markers whose window starts before byte ``limit`` and whose CRC lies inside ``buf`` are
    returned, sorted by position.
    """
    found = []
    n = len(buf)
    for kind, magic, patterns in ((0, _BLOCK_MAGIC, _BLOCK_PATTERNS),
                                  (1, _EOS_MAGIC, _EOS_PATTERNS)):
        for r, pat, off in patterns:
            i = buf.find(pat)
            while i != -1:
                q = i - off
                if 0 <= q < limit and q + (r + 87) // 8 <= n:  # marker and CRC inside
                    window = int.from_bytes(buf[q:q + 7], "big")
                    if (window >> (8 - r) if r else window >> 8) & _MASK48 == magic:
                        found.append((8 * q + r, kind))
                i = buf.find(pat, i + 1)
    found.sort()
    return found


def _read_bits(buf: bytes, bit: int, nbits: int) -> int:
    """``nbits`` bits of ``buf`` from bit ``bit`` (MSB first), as an integer."""
    lo = bit // 8
    hi = (bit + nbits + 7) // 8
    value = int.from_bytes(buf[lo:hi], "big")
    return (value >> (8 * hi - bit - nbits)) & ((1 << nbits) - 1)


def _scan_bz2(path: Path) -> Iterator[Tuple[int, int, int]]:
    """Yield ``(bit position, kind, crc)`` of every block (0) and end-of-stream (1) marker.

    A block marker right after the start of the file or after an end-of-stream marker begins a
    stream, so it must be byte-aligned and follow a ``BZh1``..``BZh9`` header; a candidate that
    does not is data that happens to look like a marker and is skipped.
    """
    with open(path, "rb") as fh:
        base = 0
        carry = b""
        in_stream = False
        while True:
            piece = fh.read(SCAN_BYTES)
            buf = carry + piece
            last = not piece
            # Windows starting in the final _MARKER_SPAN bytes are looked at again with the next
            # read, unless this is the end of the file.
            limit = len(buf) if last else max(0, len(buf) - _MARKER_SPAN)
            for bit, kind in _find_markers(buf, limit):
                crc = _read_bits(buf, bit + 48, 32)
                if kind == 0 and not in_stream:
                    q = bit // 8
                    if bit % 8 or q < 4 or not _is_stream_header(buf[q - 4:q]):
                        continue
                in_stream = kind == 0
                yield base * 8 + bit, kind, crc
            if last:
                return
            carry = buf[limit:]
            base += limit


def _is_stream_header(four: bytes) -> bool:
    return len(four) == 4 and four[:3] == b"BZh" and 0x31 <= four[3] <= 0x39


def _check_bz2_tail(path: Path, size: int) -> None:
    """Raise CorpusError now if the file ends inside a compressed block (a cut-off download)."""
    start = max(0, size - TAIL_CHECK_BYTES)
    with open(path, "rb") as fh:
        fh.seek(start)
        buf = fh.read()
    markers = _find_markers(buf, len(buf))
    if markers and markers[-1][1] == 0:
        offset = start + markers[-1][0] // 8
        raise CorpusError(
            f"{path}: truncated bzip2 file: it ends inside the compressed block that starts at "
            f"byte offset {offset:,} ({size:,} bytes in all; download it again)")


def _segment_target(size: int, processes: int) -> int:
    """Compressed bytes per task: :data:`SEGMENT_BYTES`, less for files too small to give every
    worker four tasks (one block per task at least)."""
    return max(1, min(SEGMENT_BYTES, size // (4 * max(1, processes))))


class _Run(NamedTuple):
    """Consecutive blocks of one bzip2 stream: their start bits, the end bit of the last one,
    their stored CRCs, and the byte offset of the stream's header."""

    starts: Tuple[int, ...]
    end: int
    crcs: Tuple[int, ...]
    stream: int


def _bz2_tasks(path: Path, size: int, target: int, first_index: int = 0) -> Iterator[_Task]:
    """Cut a bzip2 file into tasks of whole blocks, about ``target`` compressed bytes each."""
    target_bits = 8 * target
    index = first_index
    runs: List[_Run] = []
    starts: List[int] = []  # blocks of the open run
    crcs: List[int] = []
    stream = 0
    seg_start = 0

    with open(path, "rb") as data_fh:
        def make(end_bit: int) -> _Task:
            nonlocal index, runs
            lo = seg_start // 8
            hi = (end_bit + 7) // 8
            data_fh.seek(lo)
            data = data_fh.read(hi - lo)
            task = _Task(index=index, kind="bz2", data=data,
                         where=f"the bzip2 blocks at byte offsets {lo:,}-{hi:,}",
                         end_offset=hi, byte_lo=lo, runs=tuple(runs))
            index += 1
            runs = []
            return task

        for bit, kind, crc in _scan_bz2(path):
            if kind == 0:
                if not starts:  # the first block of a stream
                    stream = bit // 8 - 4
                    if not runs:
                        seg_start = bit
                elif bit - seg_start >= target_bits:
                    runs.append(_Run(tuple(starts), bit, tuple(crcs), stream))
                    yield make(bit)
                    starts, crcs, seg_start = [], [], bit
                starts.append(bit)
                crcs.append(crc)
            elif starts:  # end of stream
                runs.append(_Run(tuple(starts), bit, tuple(crcs), stream))
                starts, crcs = [], []
                if bit - seg_start >= target_bits:
                    yield make(bit)
        if starts:
            raise CorpusError(
                f"{path}: truncated bzip2 file: it ends inside the compressed block that starts "
                f"at byte offset {starts[-1] // 8:,} ({size:,} bytes in all; download it again)")
        if runs:
            yield make(runs[-1].end)


def _combined_crc(crcs: Sequence[int]) -> int:
    """The stream CRC bzip2 stores after the end-of-stream marker, from the blocks' CRCs."""
    combined = 0
    for c in crcs:
        combined = (((combined << 1) | (combined >> 31)) & _MASK32) ^ c
    return combined


def _run_as_stream(buf: bytes, byte_lo: int, start_bit: int, end_bit: int,
                   crcs: Sequence[int]) -> bytes:
    """A self-contained bzip2 stream holding the blocks at bits ``[start_bit, end_bit)``.

    ``buf`` holds the file's bytes from ``byte_lo``. The header says block size 9 (900k), the
    largest, so blocks of a stream written with any level decompress.
    """
    nbits = end_bit - start_bit
    value = _read_bits(buf, start_bit - 8 * byte_lo, nbits)
    value = (((value << 48) | _EOS_MAGIC) << 32) | _combined_crc(crcs)
    total = nbits + 80
    pad = -total % 8
    return b"BZh9" + (value << pad).to_bytes((total + pad) // 8, "big")


def _decompress_task(task: _Task) -> Tuple[bytes, Tuple]:
    out = []
    sizes = []
    for run in task.runs:
        data = bz2.decompress(_run_as_stream(task.data, task.byte_lo, run.starts[0], run.end,
                                             run.crcs))
        out.append(data)
        sizes.append((run.stream, len(data)))
    return b"".join(out), tuple(sizes)


def _corrupt_block(task: _Task) -> Optional[Tuple[int, int, str]]:
    """After a task failed: ``(first byte, last byte, error)`` of a block that is corrupt, or
    None if the failure may come from a marker look-alike (then nothing is known for sure).

    Each block is decompressed on its own. A block that fails both alone and joined with the
    next one (i.e. it is not cut in two by a false marker) is corrupt. A failing last block of
    the task cannot be joined with its successor here, so it proves nothing.
    """
    for run in task.runs:
        bounds = run.starts + (run.end,)
        for i in range(len(run.starts)):
            try:
                bz2.decompress(_run_as_stream(task.data, task.byte_lo, bounds[i], bounds[i + 1],
                                              run.crcs[i:i + 1]))
                continue
            except (OSError, EOFError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            if i + 2 >= len(bounds):
                return None
            try:
                bz2.decompress(_run_as_stream(task.data, task.byte_lo, bounds[i], bounds[i + 2],
                                              run.crcs[i:i + 1]))
                return None  # bounds[i + 1] was a false marker
            except (OSError, EOFError, ValueError):
                return bounds[i] // 8, (bounds[i + 1] + 7) // 8, error
    return None
