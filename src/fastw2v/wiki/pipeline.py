"""The ordered multi-process pipeline: tasks to workers, results joined and written in dump order.

:func:`_results` makes the tasks (bzip2 runs, see :mod:`fastw2v.wiki.bz2blocks`, or XML decompressed
in this process, see :mod:`fastw2v.wiki.sequential`), runs them in a process pool with at most
:data:`PENDING_PER_PROCESS` tasks per worker in flight, and yields their results in dump order,
switching to sequential decompression if a bzip2 run fails. :func:`_iter_lines` joins the page cut
in two at each boundary between tasks, has a worker clean it too, and yields the corpus lines in
dump order, so the output is the same for any number of processes.
"""
from __future__ import annotations

import logging
import multiprocessing
import sys
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Tuple

from ..base.progress import ProgressArg, as_progress
from ..corpus import reader as _corpus
from ..errors import CorpusError
from .bz2blocks import (_bz2_tasks, _check_bz2_tail, _corrupt_block, _decompress_task,
                        _segment_target)
from .pages import DumpStats, _clean_pages, _Job, _page_title, _split_pages
from .sequential import _sequential_tasks, _Task

logger = logging.getLogger("fastw2v")

#: Tasks in flight per worker process: enough to keep every worker busy while the main process
#: stitches and writes, few enough to bound memory (each task holds ~1 MB in, ~1.5 MB out).
PENDING_PER_PROCESS = 3

#: Seconds between progress log lines when stderr is not a terminal (no live progress line).
PROGRESS_LOG_SECONDS = 60.0


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


def _iter_lines(path: Path, job: _Job, processes: int, progress: ProgressArg,
                stats: DumpStats) -> Iterator[bytes]:
    """The corpus lines of the dump, in dump order, as byte blocks of whole lines.

    Each task's result comes with the pieces of the pages cut by its boundaries; the page
    completed by joining them is cleaned in a worker too (it can be large), and the outputs are
    queued so that lines still come out in dump order.
    """
    kind = _corpus.compression_of(path)
    size = path.stat().st_size
    stats.dump_bytes = size
    # The share of the dump read, in compressed bytes (the decompressed size is not known).
    bar = as_progress(progress).stage(f"converting {path.name}", size, "B",
                                      log_every=PROGRESS_LOG_SECONDS)
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
            bar.update(piece.end_offset, articles=stats.articles)
        yield from ready(block=True)
        bar.update(size, articles=stats.articles)
        if b"<page>" in carry:
            raise CorpusError(f"{path}: truncated dump: it ends inside the <page> element "
                              f"titled {_page_title(carry)!r}")
        if not (saw_end or b"</mediawiki>" in carry):
            logger.warning("%s: no closing </mediawiki> tag; the dump may be truncated", path)
        bar.finish()
    finally:
        bar.abandon()  # after an error (or a consumer that stopped early); no-op after finish
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
