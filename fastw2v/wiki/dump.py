"""Wikipedia (MediaWiki XML) dumps to plain-text training corpora, in parallel, in bounded memory.

``dump_to_text("enwiki-latest-pages-articles.xml.bz2", "corpus.txt")`` writes one line per
article: main-namespace pages only (``<ns>0</ns>``), redirects skipped, the markup stripped by
:func:`fastw2v.wiki.markup.strip_markup` and the text normalised by :mod:`fastw2v.wiki.normalize`
(``text8`` or ``unicode`` mode). :func:`ensure_text_corpus` does this once per dump and caches the
result, which is how ``fastw2v.train("...xml.bz2")`` and ``fastw2v train DUMP`` use dumps.

How a dump is read
------------------
The dump is never held in memory. A bzip2 file (single-stream, as ``pages-articles.xml.bz2``, or
multistream, as ``pages-articles-multistream.xml.bz2``: the reader needs no index file) is split
into its compressed *blocks*: the main process scans the compressed bytes for the 48-bit block
and end-of-stream markers, which are not byte-aligned, and reads each block's stored CRC. Runs of
consecutive blocks are sent to worker processes, which rebuild each run as a self-contained bzip2
stream (header, the run's bits, an end-of-stream marker with the combined CRC of the run's
blocks), decompress it, cut the XML into ``<page>`` elements, and clean and normalise every
article. So decompression, XML parsing and cleaning all run in parallel. The main process joins
the page cut in two at each boundary between tasks (and has a worker clean it too), and writes
the results in dump order, so the output is identical for any number of processes. At most
:data:`PENDING_PER_PROCESS` tasks per worker are in flight, so memory does not depend on the
dump's size.

A block marker can occur by chance inside compressed data (once per 2**48 bit positions, i.e.
about once in 2,000 English dumps). The run containing it then fails to decompress, and the
reader falls back to decompressing the rest of the file sequentially from the start of that
bzip2 stream (slower, never wrong). Files compressed with gzip or xz, and plain XML, are
decompressed sequentially in the main process, and the XML is cleaned in parallel.

Errors (all :class:`fastw2v.errors.CorpusError`, naming the file): a file that is not a MediaWiki
dump (naming its root element), a bzip2 file cut short (naming the offset of the incomplete
block), corrupt compressed data (naming the byte offset), malformed XML (naming the element and
the page title).
"""
from __future__ import annotations

import bz2
import json
import logging
import lzma
import multiprocessing
import os
import re
import sys
import threading
import time
import zlib
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from ..base.paths import PathLike, cache_entry_name
from ..base.paths import cache_dir as cache_dir_of
from ..corpus import reader as _corpus
from ..base.atomic import atomic_write, check_writable_destination
from ..base.paths import available_cores
from ..base.validate import check_choice, check_int
from ..errors import CorpusError
from .normalize import MODES, normalize_line
from ..base.progress import _fmt_duration
from .markup import link_namespaces, strip_markup

__all__ = ["dump_to_text", "iter_articles", "is_wiki_dump", "ensure_text_corpus", "DumpStats"]

logger = logging.getLogger("fastw2v")

#: Decompressed bytes read from the start of a file to recognise a dump and read its
#: ``<siteinfo>`` (namespace names). English siteinfo is ~5 KB; 256 KiB is generous and costs
#: only the first bzip2 block (~25 ms).
PEEK_BYTES = 256 << 10

#: Compressed bytes per worker task. A task is a run of whole bzip2 blocks (~200 KB compressed,
#: ~900 KB of XML each); 1 MiB (~4 blocks, ~4 MB of XML, ~0.2 s of work) makes the per-task cost
#: (pickling, the page cut at each task boundary, which the main process joins and sends back to
#: a worker) negligible and the memory per task small. Small files use smaller tasks (see
#: :func:`_segment_target`).
SEGMENT_BYTES = 1 << 20

#: Decompressed XML bytes per task when the main process decompresses (gzip, xz, plain XML, the
#: bzip2 fallback): the same ~4 MB of XML as a bzip2 task.
XML_TASK_BYTES = 4 << 20

#: Compressed bytes fed to a sequential decompressor at a time; small enough that an error
#: names a narrow range of byte offsets.
SEQUENTIAL_READ_BYTES = 64 << 10

#: Compressed bytes read per step while scanning a bzip2 file for block markers.
SCAN_BYTES = 8 << 20

#: Bytes at the end of a bzip2 file scanned up front for its last marker, to report a truncated
#: download at once rather than at the end of the run. A compressed block is at most ~1 MB.
TAIL_CHECK_BYTES = 2 << 20

#: Tasks in flight per worker process: enough to keep every worker busy while the main process
#: stitches and writes, few enough to bound memory (each task holds ~1 MB in, ~1.5 MB out).
PENDING_PER_PROCESS = 3

#: Seconds between progress log lines when stderr is not a terminal (no live progress line).
PROGRESS_LOG_SECONDS = 60.0

#: Version of the text :func:`ensure_text_corpus` caches. Bump it when the cleaning or the
#: normalisation changes, so that cached corpora are rebuilt.
WIKI_TEXT_VERSION = 1

_BLOCK_MAGIC = 0x314159265359
_EOS_MAGIC = 0x177245385090
_MASK48 = (1 << 48) - 1
_MASK32 = 0xFFFFFFFF
#: Bytes that hold a marker (48 bits) and the CRC after it (32 bits) at any bit offset: a scan
#: keeps this many bytes of one read for the next.
_MARKER_SPAN = 11

_NAMESPACE = re.compile(rb'<namespace\b[^>]*\bkey="(-?\d+)"[^>]*?(?:/>|>([^<]*)</namespace>)')
_XML_NUMERIC_REF = re.compile(r"&#(x[0-9a-fA-F]+|[0-9]+);")
_XML_NUMERIC_REF_B = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")
_ROOT = re.compile(rb"\s*<([A-Za-z_][\w.:-]*)")
_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)", re.S)


# =============================================================================================
# Results and configuration
# =============================================================================================

@dataclass
class DumpStats:
    """What a dump conversion read and wrote.

    Attributes
    ----------
    pages : int
        ``<page>`` elements read.
    articles : int
        Lines written: main-namespace, non-redirect pages with at least ``min_tokens`` tokens
        (and at least one).
    redirects : int
        Main-namespace redirect pages skipped.
    other_namespaces : int
        Pages of other namespaces (talk, templates, files, ...) skipped.
    short : int
        Articles skipped for having fewer than ``min_tokens`` tokens, or none.
    tokens : int
        Tokens written.
    dump_bytes : int
        Size of the dump file.
    xml_bytes : int
        Decompressed XML bytes read.
    seconds : float
        Wall time.
    """

    pages: int = 0
    articles: int = 0
    redirects: int = 0
    other_namespaces: int = 0
    short: int = 0
    tokens: int = 0
    dump_bytes: int = 0
    xml_bytes: int = 0
    seconds: float = 0.0

    def _add(self, other: "DumpStats") -> None:
        for f in ("pages", "articles", "redirects", "other_namespaces", "short", "tokens",
                  "xml_bytes"):
            setattr(self, f, getattr(self, f) + getattr(other, f))

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class _Job:
    """What every task needs to know; sent along with each task (a few hundred bytes)."""

    path: str
    mode: str
    min_tokens: int
    drop_namespaces: frozenset
    #: Lower-case names of the non-article namespaces, for pages without ``<ns>`` (dumps made
    #: before export schema 0.5).
    other_namespaces: frozenset


@dataclass
class _Task:
    index: int
    kind: str  # "bz2": compressed runs; "xml": decompressed XML
    data: bytes
    where: str  # for error messages
    end_offset: int  # compressed bytes of the dump consumed once this task is done
    byte_lo: int = 0
    runs: Tuple = ()  # _Run, ... (bits of the file) of a bz2 task


@dataclass
class _Piece:
    """A task's result."""

    index: int
    end_offset: int
    has_page: bool = False
    head: bytes = b""  # before the first <page> (the end of a page begun in an earlier piece)
    lines: bytes = b""
    tail: bytes = b""  # after the last complete page (the start of a page ending later)
    stats: DumpStats = field(default_factory=DumpStats)
    run_sizes: Tuple = ()  # ((stream_offset, decompressed bytes), ...) of a bz2 task
    failed: Optional[str] = None  # a bz2 task whose runs did not decompress
    failed_stream: int = 0  # then: byte offset of the stream holding its first block
    where: str = ""


# =============================================================================================
# Recognising a dump
# =============================================================================================

def _peek(path: Path, n: int = PEEK_BYTES) -> bytes:
    """The first ``n`` decompressed bytes of ``path`` (fewer if it is shorter).

    A file that ends before its first compressed block does is reported as truncated here
    (nothing could be checked otherwise); a later truncation is left to the full read, which
    names its offset.

    Raises
    ------
    CorpusError
        Corrupt compressed data at the start, or a file cut off before any data decompresses.
    """
    kind = _corpus.compression_of(path)
    dec = _decompressor(kind)
    out: List[bytes] = []
    got = 0
    pos = 0
    with open(path, "rb") as fh:
        while got < n:
            raw = fh.read(SEQUENTIAL_READ_BYTES)
            if not raw:
                if got == 0 and dec is not None and not _at_stream_end(dec):
                    raise CorpusError(f"{path}: truncated {kind} file: it ends at byte offset "
                                      f"{pos:,}, inside its first compressed block")
                break
            pos += len(raw)
            if dec is None:
                piece = raw
            else:
                try:
                    piece, dec = _feed(dec, raw, kind)
                except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
                    raise CorpusError(f"{path}: corrupt {kind} data at the start of the file "
                                      f"(byte offset 0 to {pos:,}): {exc}") from exc
            out.append(piece)
            got += len(piece)
    return b"".join(out)[:n]


def _root_element(head: bytes) -> Optional[str]:
    """The name of the first element of an XML document's start, or None if it has none."""
    pos = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while True:
        m = _PROLOG_ITEM.match(head, pos)
        if not m:
            break
        pos = m.end()
    m = _ROOT.match(head, pos)
    return m.group(1).decode("utf-8", "replace") if m else None


def is_wiki_dump(path: PathLike) -> bool:
    """True if ``path`` is a MediaWiki XML dump (plain, bzip2, gzip or xz compressed).

    Cheap: only the first 256 KiB of decompressed data are read, and the root element must be
    ``<mediawiki>``. Never raises: a missing, unreadable or corrupt file is "not a dump" (and is
    reported by whatever reads it next).
    """
    try:
        p = Path(os.fspath(path)).expanduser()
        if not p.is_file():
            return False
        return _root_element(_peek(p, 4096)) == "mediawiki"
    except Exception:  # noqa: BLE001 -- any failure means "not a dump"
        return False


def _job_for(path: Path, mode: str, min_tokens: int) -> _Job:
    """Check that ``path`` is a dump and read its namespace names."""
    head = _peek(path)
    root = _root_element(head)
    if root != "mediawiki":
        if root is None:
            start = head[:40].decode("utf-8", "replace")
            raise CorpusError(f"{path} is not a MediaWiki XML dump: it does not start with an "
                              f"XML element (it starts with {start!r})")
        raise CorpusError(f"{path} is not a MediaWiki XML dump: its root element is <{root}>, "
                          f"expected <mediawiki>")
    names: Dict[int, str] = {}
    end = head.find(b"</siteinfo>")
    if end != -1:
        for m in _NAMESPACE.finditer(head, 0, end):
            names[int(m.group(1))] = _xml_unescape(
                (m.group(2) or b"").decode("utf-8", "replace")).strip()
    dropped = [names.get(k, "") for k in (-2, 6, 14)]  # Media, File, Category
    others = frozenset(n.lower() for k, n in names.items() if k != 0 and n)
    return _Job(str(path), mode, min_tokens, link_namespaces(dropped), others)


# =============================================================================================
# bzip2 blocks
# =============================================================================================

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


# =============================================================================================
# Sequential decompression (gzip, xz, plain XML, and the bzip2 fallback)
# =============================================================================================

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


# =============================================================================================
# Pages and articles
# =============================================================================================

def _xml_unescape(s: str) -> str:
    """Undo the XML escaping of element text (one level: ``&amp;lt;`` gives ``&lt;``)."""
    if "&" not in s:
        return s
    s = s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
    if "&#" in s:
        s = _XML_NUMERIC_REF.sub(_numeric_ref, s)
    return s.replace("&amp;", "&")


def _xml_text(raw: bytes) -> str:
    """Element text as ``str``: XML escaping undone on the bytes (faster than on ``str``), then
    decoded as UTF-8 (invalid bytes become U+FFFD)."""
    if b"&" in raw:
        raw = (raw.replace(b"&lt;", b"<").replace(b"&gt;", b">").replace(b"&quot;", b'"')
               .replace(b"&apos;", b"'"))
        if b"&#" in raw:
            raw = _XML_NUMERIC_REF_B.sub(_numeric_ref_b, raw)
        raw = raw.replace(b"&amp;", b"&")
    return raw.decode("utf-8", "replace")


def _numeric_ref_b(m: "re.Match") -> bytes:
    try:
        return _numeric_ref(m.group().decode("ascii")).encode("utf-8", "replace")
    except UnicodeError:
        return m.group()


def _numeric_ref(m) -> str:
    """The character of a numeric reference (a match of ``&#...;``, or its text)."""
    text = m if isinstance(m, str) else m.group()
    ref = text[2:-1]
    try:
        return chr(int(ref[1:], 16) if ref[0] in "xX" else int(ref))
    except (ValueError, OverflowError):
        return text


def _element(page: bytes, name: bytes, start: int = 0,
             end: Optional[int] = None) -> Optional[bytes]:
    """The text of the first ``<name>...</name>`` in ``page[start:end]``, or None."""
    open_tag = b"<" + name + b">"
    i = page.find(open_tag, start, end)
    if i == -1:
        return None
    i += len(open_tag)
    j = page.find(b"</" + name + b">", i, end)
    return None if j == -1 else page[i:j]


def _page_title(page: bytes) -> str:
    t = _element(page, b"title")
    return "?" if t is None else _xml_unescape(t.decode("utf-8", "replace"))


def _split_pages(data: bytes, job: _Job, where: str) -> Tuple[bool, bytes, List[bytes], bytes]:
    """Cut XML into ``(has_page, head, complete pages, tail)``.

    ``head`` is what precedes the first ``<page>`` (all of ``data`` if there is none), ``tail``
    what follows the last complete page (an open ``<page>`` at the end, or inter-page text).
    """
    first = data.find(b"<page>")
    if first == -1:
        return False, data, [], b""
    pages = []
    pos = first
    while True:
        s = data.find(b"<page>", pos)
        if s == -1:
            return True, data[:first], pages, data[pos:]
        e = data.find(b"</page>", s + 6)
        if e == -1:
            return True, data[:first], pages, data[s:]
        nxt = data.find(b"<page>", s + 6, e)
        if nxt != -1:
            raise CorpusError(f"{job.path}: malformed dump: the <page> element titled "
                              f"{_page_title(data[s:nxt])!r} is not closed before the next "
                              f"<page> (in {where})")
        pos = e + 7
        pages.append(data[s:pos])


def _clean_pages(pages: List[bytes], job: _Job, where: str) -> Tuple[bytes, DumpStats]:
    """Clean and normalise the articles among ``pages``; the corpus lines and the counts."""
    stats = DumpStats()
    lines = []
    for page in pages:
        stats.pages += 1
        text_at = page.find(b"<text")
        revision_at = page.find(b"<revision")
        header = page if revision_at == -1 else page[:revision_at]
        ns = _element(header, b"ns")
        if ns is not None:
            if ns.strip() != b"0":
                stats.other_namespaces += 1
                continue
        else:  # no <ns> (export schema < 0.5): the title's prefix says
            title = _page_title(header)
            colon = title.find(":")
            if colon > 0 and title[:colon].strip().lower() in job.other_namespaces:
                stats.other_namespaces += 1
                continue
        if b"<redirect" in header:
            stats.redirects += 1
            continue
        if text_at == -1:
            stats.short += 1
            continue
        text_at = page.rfind(b"<text")  # the last revision's text
        tag_end = page.find(b">", text_at)
        if tag_end == -1:
            raise CorpusError(f"{job.path}: malformed dump: unterminated <text> tag in the page "
                              f"titled {_page_title(page)!r} (in {where})")
        if page[tag_end - 1:tag_end] == b"/":  # <text ... /> (deleted or empty revision)
            stats.short += 1
            continue
        text_end = page.find(b"</text>", tag_end)
        if text_end == -1:
            raise CorpusError(f"{job.path}: malformed dump: the <text> element of the page "
                              f"titled {_page_title(page)!r} is not closed (in {where})")
        text = _xml_text(page[tag_end + 1:text_end])
        if text[:20].lstrip()[:9].lower() == "#redirect":  # a redirect without <redirect/>
            stats.redirects += 1
            continue
        line, n = normalize_line(strip_markup(text, job.drop_namespaces), job.mode)
        if n == 0 or n < job.min_tokens:
            stats.short += 1
            continue
        lines.append(line)
        stats.articles += 1
        stats.tokens += n
    if lines:
        lines.append(b"")
    return b"\n".join(lines), stats


def _run_task(job: _Job, task: _Task) -> _Piece:
    """A worker's job: decompress (bzip2 tasks), cut into pages, clean the complete pages."""
    run_sizes: Tuple = ()
    if task.kind == "bz2":
        try:
            data, run_sizes = _decompress_task(task)
        except (OSError, EOFError, ValueError) as exc:
            return _Piece(index=task.index, end_offset=task.end_offset, where=task.where,
                          failed=f"{type(exc).__name__}: {exc}",
                          failed_stream=task.runs[0].stream)
    else:
        data = task.data
    has_page, head, pages, tail = _split_pages(data, job, task.where)
    lines, stats = _clean_pages(pages, job, task.where)
    stats.xml_bytes = len(data)
    return _Piece(index=task.index, end_offset=task.end_offset, has_page=has_page, head=head,
                  lines=lines, tail=tail, stats=stats, run_sizes=run_sizes, where=task.where)


# =============================================================================================
# The pipeline
# =============================================================================================

class _Progress:
    """The live progress line of a dump conversion (stderr, only when it is a terminal), and a
    log line every :data:`PROGRESS_LOG_SECONDS` otherwise."""

    def __init__(self, path: Path, total: int, enabled: Optional[bool], interval: float = 0.5):
        self.stream = sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.path = path
        self.total = max(1, total)
        self.interval = interval
        self.start = time.monotonic()
        self._last = self._last_log = self.start
        self._width = 0

    def text(self, done: int, articles: int) -> str:
        elapsed = time.monotonic() - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else 0.0
        per_s = articles / elapsed if elapsed > 0 else 0.0
        return (f"fastw2v wiki: {100 * done / self.total:5.1f}% of {self.total / 1e6:,.1f} MB "
                f"read ({rate / 1e6:.1f} MB/s) | {articles:,} articles ({per_s:,.0f}/s) | "
                f"elapsed {_fmt_duration(elapsed)} | ETA {_fmt_duration(eta)}")

    def update(self, done: int, articles: int, force: bool = False) -> None:
        now = time.monotonic()
        if self.enabled:
            if force or now - self._last >= self.interval:
                self._last = now
                text = self.text(done, articles)
                pad = " " * max(0, self._width - len(text))
                self._width = len(text)
                self.stream.write("\r" + text + pad)
                self.stream.flush()
        elif now - self._last_log >= PROGRESS_LOG_SECONDS:
            self._last_log = now
            logger.info("%s", self.text(done, articles))

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


def _pool_context():
    """``fork`` where it is safe and cheapest (Linux, no other thread running), else the
    platform's default (``spawn`` on macOS and Windows: call from under
    ``if __name__ == "__main__":``)."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork" if threading.active_count() == 1
                                           else "forkserver")
    return multiprocessing.get_context()


def _results(job: _Job, path: Path, kind: Optional[str], size: int, processes: int,
             executor: Optional[ProcessPoolExecutor]) -> Iterator[_Piece]:
    """Run the tasks (in ``executor``, or in this process when it is None) and yield their
    results in dump order, switching to sequential decompression if a bzip2 run fails."""
    if kind == "bzip2":
        _check_bz2_tail(path, size)
        tasks: Iterator[_Task] = _bz2_tasks(path, size, _segment_target(size, processes))
    else:
        tasks = _sequential_tasks(path, kind, 0)
    stream_offset, in_stream = -1, 0  # decompressed bytes of the current bzip2 stream done
    pending: deque = deque()  # (task, future)
    window = processes * PENDING_PER_PROCESS
    next_index = 0
    try:
        while True:
            while len(pending) < window:
                task = next(tasks, None)
                if task is None:
                    break
                next_index = task.index + 1
                pending.append((task, executor.submit(_run_task, job, task) if executor
                                else _Deferred(_run_task, job, task)))
            if not pending:
                return
            task, fut = pending.popleft()
            piece = fut.result()
            if piece.failed is None:
                for offset, n in piece.run_sizes:
                    if offset != stream_offset:
                        stream_offset, in_stream = offset, 0
                    in_stream += n
                yield piece
                continue
            bad = _corrupt_block(task)
            if bad is not None:
                raise CorpusError(f"{path}: corrupt bzip2 data: the compressed block at byte "
                                  f"offsets {bad[0]:,}-{bad[1]:,} does not decompress ({bad[2]})")
            # A marker look-alike inside compressed data (or corrupt data in the task's last
            # block). Decompress sequentially from the start of the stream the task's first
            # block belongs to; that block is the stream's first, or follows the blocks done.
            for _, f in pending:
                f.cancel()
            pending.clear()
            tasks.close()
            start = piece.failed_stream
            skip = in_stream if start == stream_offset else 0
            logger.warning("%s: %s did not decompress on their own (%s); decompressing "
                           "sequentially from byte offset %d", path, piece.where, piece.failed,
                           start)
            tasks = _sequential_tasks(path, "bzip2", next_index, start=start, skip=skip)
    finally:
        for _, f in pending:
            f.cancel()
        tasks.close()


class _Deferred:
    """A call made in this process when its result is asked for (``processes=1``)."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def result(self):
        return self.fn(*self.args)

    def cancel(self) -> bool:
        return True

    def done(self) -> bool:
        return True


def _iter_lines(path: Path, job: _Job, processes: int, progress: Optional[bool],
                stats: DumpStats) -> Iterator[bytes]:
    """The corpus lines of the dump, in dump order, as byte blocks of whole lines.

    Each task's result comes with the pieces of the pages cut by its boundaries; the page
    completed by joining them is cleaned in a worker too (it can be large), and the outputs are
    queued so that lines still come out in dump order.
    """
    kind = _corpus.compression_of(path)
    size = path.stat().st_size
    stats.dump_bytes = size
    bar = _Progress(path, size, progress)
    executor = None
    if processes > 1:
        executor = ProcessPoolExecutor(max_workers=processes, mp_context=_pool_context())
    out: deque = deque()  # bytes, or (future of the cleaned joined pages) in dump order
    max_out = 4 * processes * PENDING_PER_PROCESS
    carry = b""
    saw_end = False

    def ready(block: bool) -> Iterator[bytes]:
        while out and (block or not isinstance(out[0], (_Deferred, Future))
                       or out[0].done() or len(out) > max_out):
            item = out.popleft()
            if not isinstance(item, bytes):
                item, st = item.result()
                stats._add(st)
            if item:
                yield item

    try:
        for piece in _results(job, path, kind, size, processes, executor):
            stats._add(piece.stats)
            joined = carry + piece.head
            if joined:
                _, head, pages, tail = _split_pages(joined, job, piece.where)
                saw_end = saw_end or b"</mediawiki>" in head or b"</mediawiki>" in tail
                if pages:
                    out.append(executor.submit(_clean_pages, pages, job, piece.where)
                               if executor else _Deferred(_clean_pages, pages, job, piece.where))
                if piece.has_page:
                    if b"<page>" in tail:
                        raise CorpusError(
                            f"{path}: malformed dump: the <page> element titled "
                            f"{_page_title(tail)!r} is not closed before the next <page> "
                            f"(near {piece.where})")
                    carry = piece.tail
                else:
                    carry = tail if b"<page>" in tail else tail[-64:]
            else:
                carry = piece.tail
            out.append(piece.lines)
            yield from ready(block=False)
            bar.update(piece.end_offset, stats.articles)
        yield from ready(block=True)
        bar.update(size, stats.articles, force=True)
        if b"<page>" in carry:
            raise CorpusError(f"{path}: truncated dump: it ends inside the <page> element "
                              f"titled {_page_title(carry)!r}")
        if not (saw_end or b"</mediawiki>" in carry):
            logger.warning("%s: no closing </mediawiki> tag; the dump may be truncated", path)
    finally:
        bar.close()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


# =============================================================================================
# Public entry points
# =============================================================================================

def _check_args(mode: str, min_tokens: int, processes: Optional[int]) -> int:
    check_choice("mode", mode, MODES)
    check_int("min_tokens", min_tokens, 0)
    processes = check_int("processes", processes, 1, allow_none=True)
    return available_cores() if processes is None else processes


def iter_articles(dump: PathLike, *, mode: str = "text8", min_tokens: int = 0,
                  processes: Optional[int] = None, progress: Optional[bool] = None,
                  stats: Optional[DumpStats] = None) -> Iterator[str]:
    """Yield the articles of a MediaWiki dump as normalised text lines, in dump order.

    Parameters and errors as :func:`dump_to_text`; ``stats``, if given, is filled in as the
    articles are read. Each line is one article's tokens joined by single spaces.
    """
    n_proc = _check_args(mode, min_tokens, processes)
    path = _corpus.check_corpus_path(dump)
    job = _job_for(path, mode, min_tokens)
    st = stats if stats is not None else DumpStats()
    start = time.perf_counter()
    for block in _iter_lines(path, job, n_proc, progress, st):
        for line in block.decode("utf-8").split("\n")[:-1]:
            yield line
    st.seconds = time.perf_counter() - start


def dump_to_text(dump: PathLike, out: PathLike, *, mode: str = "text8", min_tokens: int = 0,
                 processes: Optional[int] = None,
                 progress: Optional[bool] = None) -> DumpStats:
    """Convert a MediaWiki XML dump into a plain-text corpus, one article per line.

    Parameters
    ----------
    dump : str or path
        A ``pages-articles`` dump: ``.xml.bz2`` (single-stream or multistream), ``.xml.gz``,
        ``.xml.xz`` or plain ``.xml``.
    out : str or path
        The text file to write (UTF-8, ``\\n`` line ends). Written atomically: a failed or
        interrupted conversion leaves no partial file and an existing ``out`` unchanged.
    mode : {"text8", "unicode"}
        The normalisation (see :mod:`fastw2v.wiki.normalize`): ``text8`` keeps ``a``-``z`` words and
        spells out digits (English); ``unicode`` keeps the letters and digits of any script and
        splits punctuation off.
    min_tokens : int
        Skip articles with fewer tokens (after cleaning). Articles left with no token at all are
        always skipped.
    processes : int, optional
        Worker processes for decompression and cleaning; None uses every available core. 1 runs
        everything in this process. The output is the same for any number.
    progress : bool, optional
        Show a progress line on stderr (compressed bytes read, articles/s, ETA); None shows it
        only when stderr is a terminal.

    Returns
    -------
    DumpStats
        Pages read, articles written, pages skipped by reason, tokens, bytes, seconds.

    Raises
    ------
    FileNotFoundError
        ``dump`` does not exist, or the directory of ``out`` does not.
    fastw2v.errors.CorpusError
        ``dump`` is not a MediaWiki dump (the message names the root element found), its
        compressed data is truncated or corrupt (the message names the byte offset), or its XML
        is malformed (the message names the element and the page).
    ValueError
        ``mode``, ``min_tokens`` or ``processes`` is invalid.
    """
    n_proc = _check_args(mode, min_tokens, processes)
    path = _corpus.check_corpus_path(dump)
    out = Path(out).expanduser()
    check_writable_destination(out)
    job = _job_for(path, mode, min_tokens)
    stats = DumpStats()
    start = time.perf_counter()
    logger.info("converting %s to text (%s mode, %d process%s)", path, mode, n_proc,
                "" if n_proc == 1 else "es")
    with atomic_write(out, "wb") as fh:
        for block in _iter_lines(path, job, n_proc, progress, stats):
            fh.write(block)
    stats.seconds = time.perf_counter() - start
    if stats.articles == 0:
        logger.warning("%s: no article written (%d pages read)", path, stats.pages)
    logger.info("wrote %s: %d articles, %d tokens from %d pages (skipped: %d redirects, %d "
                "other namespaces, %d short) in %.1f s (%.1f MB/s of dump, %.0f articles/s)",
                out, stats.articles, stats.tokens, stats.pages, stats.redirects,
                stats.other_namespaces, stats.short, stats.seconds,
                stats.dump_bytes / 1e6 / max(stats.seconds, 1e-9),
                stats.articles / max(stats.seconds, 1e-9))
    return stats


def ensure_text_corpus(path: PathLike, cache_dir: Optional[PathLike] = None,
                       mode: str = "text8", *, min_tokens: int = 0,
                       processes: Optional[int] = None,
                       progress: Optional[bool] = None) -> Path:
    """The plain-text corpus of a dump, converted once and cached.

    Parameters
    ----------
    path : str or path
        A MediaWiki XML dump (see :func:`dump_to_text`).
    cache_dir : str or path, optional
        The cache directory; the text goes to its ``wiki/`` subdirectory. Default: as the
        token-stream cache (``$FASTW2V_CACHE``, else ``$XDG_CACHE_HOME/fastw2v``, else
        ``~/.cache/fastw2v``).
    mode, min_tokens, processes, progress
        As :func:`dump_to_text`.

    Returns
    -------
    Path
        The text file. It is reused while the dump's path, size and modification time, ``mode``,
        ``min_tokens`` and :data:`WIKI_TEXT_VERSION` are unchanged; it is written atomically, so
        an interrupted conversion is never mistaken for a finished one.
    """
    _check_args(mode, min_tokens, processes)
    p = _corpus.check_corpus_path(path).resolve()
    st = p.stat()
    key = {"dump": str(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "mode": mode,
           "min_tokens": min_tokens, "version": WIKI_TEXT_VERSION}
    d = cache_dir_of(cache_dir).absolute() / "wiki"
    out = d / f"{cache_entry_name(p, key)}.{mode}.txt"
    if out.is_file():
        logger.info("using the cached text of %s: %s", p, out)
        return out
    d.mkdir(parents=True, exist_ok=True)
    stats = dump_to_text(p, out, mode=mode, min_tokens=min_tokens, processes=processes,
                         progress=progress)
    with atomic_write(out.with_suffix(".json"), "w", encoding="utf-8") as fh:
        json.dump({"key": key, "stats": stats.as_dict()}, fh, indent=1)
    return out
