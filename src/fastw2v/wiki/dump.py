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

The parts live in their own modules: :mod:`fastw2v.wiki.bz2blocks` (finding the blocks, tasks of
block runs), :mod:`fastw2v.wiki.sequential` (sequential decompression), :mod:`fastw2v.wiki.pages`
(pages to cleaned articles, :class:`DumpStats`) and :mod:`fastw2v.wiki.pipeline` (the worker
pool and the ordered output); this module holds the entry points.

Errors (all :class:`fastw2v.errors.CorpusError`, naming the file): a file that is not a MediaWiki
dump (naming its root element), a bzip2 file cut short (naming the offset of the incomplete
block), corrupt compressed data (naming the byte offset), malformed XML (naming the element and
the page title).
"""
from __future__ import annotations

import json
import logging
import lzma
import os
import re
import time
import zlib
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from ..base.atomic import atomic_write, check_writable_destination
from ..base.paths import PathLike, available_cores, cache_entry_name
from ..base.paths import cache_dir as cache_dir_of
from ..base.progress import ProgressArg
from ..base.text import count, size
from ..base.validate import check_choice, check_int
from ..corpus import reader as _corpus
from ..errors import CorpusError
from .markup import link_namespaces
from .normalize import MODES
from .pages import DumpStats, _Job, _xml_unescape
from .pipeline import _iter_lines
from .sequential import SEQUENTIAL_READ_BYTES, _at_stream_end, _decompressor, _feed

# The tuning constants live with the code they tune (bz2blocks, sequential, pipeline) and are
# importable from here as before.
from .bz2blocks import SCAN_BYTES, SEGMENT_BYTES, TAIL_CHECK_BYTES  # noqa: F401
from .pipeline import PENDING_PER_PROCESS, PROGRESS_LOG_SECONDS  # noqa: F401
from .sequential import XML_TASK_BYTES  # noqa: F401

__all__ = ["dump_to_text", "iter_articles", "is_wiki_dump", "ensure_text_corpus", "DumpStats"]

logger = logging.getLogger("fastw2v")

#: Decompressed bytes read from the start of a file to recognise a dump and read its
#: ``<siteinfo>`` (namespace names). English siteinfo is ~5 KB; 256 KiB is generous and costs
#: only the first bzip2 block (~25 ms).
PEEK_BYTES = 256 << 10

#: Version of the text :func:`ensure_text_corpus` caches. Bump it when the cleaning or the
#: normalisation changes, so that cached corpora are rebuilt.
WIKI_TEXT_VERSION = 1

_NAMESPACE = re.compile(rb'<namespace\b[^>]*\bkey="(-?\d+)"[^>]*?(?:/>|>([^<]*)</namespace>)')
_ROOT = re.compile(rb"\s*<([A-Za-z_][\w.:-]*)")
_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)", re.S)


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
# Public entry points
# =============================================================================================

def _check_args(mode: str, min_tokens: int, processes: Optional[int]) -> int:
    check_choice("mode", mode, MODES)
    check_int("min_tokens", min_tokens, 0)
    processes = check_int("processes", processes, 1, allow_none=True)
    return available_cores() if processes is None else processes


def iter_articles(dump: PathLike, *, mode: str = "text8", min_tokens: int = 0,
                  processes: Optional[int] = None, progress: ProgressArg = None,
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
                 progress: ProgressArg = None) -> DumpStats:
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
    progress : bool or fastw2v.base.progress.Progress, optional
        Show a progress line on stderr (share of the dump read, MB/s of it, articles, ETA; the
        line stays with the final figures); off a terminal, log the status every
        ``PROGRESS_LOG_SECONDS`` seconds instead. None shows the line
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
    logger.info("converting %s (%s) to text: %s mode, %s", path, size(path.stat().st_size),
                mode, count(n_proc, "process", "processes"))
    with atomic_write(out, "wb") as fh:
        for block in _iter_lines(path, job, n_proc, progress, stats):
            fh.write(block)
    stats.seconds = time.perf_counter() - start
    if stats.articles == 0:
        logger.warning("%s: no article written (%s read)", path, count(stats.pages, "page"))
    logger.info("converted %s: %s, %s from %s (skipped: %s, %s of other namespaces, %s) in "
                "%.1f s (%.1f MB/s of dump, %s articles/s)", path, count(stats.articles, "article"),
                count(stats.tokens, "word"), count(stats.pages, "page"),
                count(stats.redirects, "redirect"), count(stats.other_namespaces, "page"),
                count(stats.short, "short article"), stats.seconds,
                stats.dump_bytes / 1e6 / max(stats.seconds, 1e-9),
                f"{stats.articles / max(stats.seconds, 1e-9):,.0f}")
    return stats


def ensure_text_corpus(path: PathLike, cache_dir: Optional[PathLike] = None,
                       mode: str = "text8", *, min_tokens: int = 0,
                       processes: Optional[int] = None,
                       progress: ProgressArg = None) -> Path:
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
    given = _corpus.check_corpus_path(path)  # how messages name it: as the caller gave it
    p = given.resolve()
    st = p.stat()
    key = {"dump": str(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "mode": mode,
           "min_tokens": min_tokens, "version": WIKI_TEXT_VERSION}
    d = cache_dir_of(cache_dir).absolute() / "wiki"
    out = d / f"{cache_entry_name(p, key)}.{mode}.txt"
    if out.is_file():
        logger.info("using the cached text of %s: %s", given, out)
        return out
    d.mkdir(parents=True, exist_ok=True)
    stats = dump_to_text(given, out, mode=mode, min_tokens=min_tokens, processes=processes,
                         progress=progress)
    with atomic_write(out.with_suffix(".json"), "w", encoding="utf-8") as fh:
        json.dump({"key": key, "stats": stats.as_dict()}, fh, indent=1)
    return out
