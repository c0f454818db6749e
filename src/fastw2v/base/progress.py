"""The terminal: one writer for stderr, so that a status line and log lines never share a line.

A long step of fastw2v (reading and encoding a corpus, converting a dump, training) is a *stage*:
:meth:`Progress.stage` gives a :class:`Stage`, the step reports how far it is with
:meth:`Stage.update` (it only stores the values, so a hot loop can call it per block) and ends
with :meth:`Stage.finish`. On a terminal the stage is a status line at the bottom, redrawn in place
by a background thread twice a second, that shows the share done, the rate, the figures the step
passes, the ETA and the elapsed time; when the stage ends its line is drawn one last time with the
final figures (100% when the total is known) and stays. Off a terminal nothing is drawn (the steps
log one line each instead).

Log records never merge with the line: :class:`TerminalHandler` (the command line's handler) erases
the line, writes the record and draws the line again below it. For any other handler (a Python
user's ``logging.basicConfig``), a filter on the ``fastw2v`` logger erases the line before the
record is handled, and the next redraw puts it back.

The library never decides to draw by itself: the caller passes a :class:`Progress` (or
``progress=True/False/None`` to :func:`fastw2v.train`), and a lower layer only calls the stage
methods, so it depends on no terminal. Nothing here imports numpy.

Why not tqdm or rich: tqdm draws one bar per loop and needs its own logging redirect
(``tqdm.contrib.logging``) and a custom format for the figures shown here; rich's live display does
all of this, but it is a large runtime dependency (with its own Markdown and syntax-highlighting
dependencies) for one status line, loaded by every command. What fastw2v needs fits in this module:
a line redrawn in place and cut to the terminal's width, a log handler that writes above it, and a
thread that redraws it, all tested with fake terminals (tests/test_progress.py).
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
import time
from typing import Any, Optional, TextIO, Union

from . import text as fmt

logger = logging.getLogger("fastw2v")

#: Seconds between two redraws of a status line: often enough to look live, rarely enough that
#: formatting and writing the line costs nothing measurable (a few microseconds every 0.5 s).
REDRAW_SECONDS = 0.5

#: Seconds a stage runs before its line first appears: a step that ends sooner needs no progress
#: display, and a run on a small corpus does not leave a line for every step.
SHOW_AFTER_SECONDS = 0.5

#: Columns assumed when the stream is a terminal of unknown width (a test's fake terminal).
DEFAULT_COLUMNS = 120

# The one status line on screen now (at most one: stages run one after the other), and the lock
# that orders its drawing with log records written from other threads.
_lock = threading.RLock()
_live: Optional["StatusLine"] = None


def is_terminal(stream: Any) -> bool:
    """True when ``stream`` is an interactive terminal (its ``isatty()`` says so)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def _columns(stream: Any) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    # A terminal that reports no size (a fresh pseudo-terminal) gets $COLUMNS or the default.
    return columns or shutil.get_terminal_size((DEFAULT_COLUMNS, 24)).columns


class StatusLine:
    """One line redrawn in place (``\\r``) at the bottom of a terminal.

    The text is cut to the terminal's width, since a line that wraps can no longer be redrawn in
    place. Drawing a line erases any other status line left on screen.

    Parameters
    ----------
    enabled : bool or None
        None: only when ``stream`` is a terminal.
    stream : text stream
        Default ``sys.stderr`` (at the time the line is made).
    """

    def __init__(self, enabled: Optional[bool] = None, stream: Optional[TextIO] = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = is_terminal(self.stream) if enabled is None else bool(enabled)
        self._text = ""      # what the line shows (or showed before a log record erased it)
        self._shown = 0      # characters of the line now on screen, 0 when erased

    @property
    def text(self) -> str:
        """The line's last text ("" before the first draw and after :meth:`close`)."""
        return self._text

    def width(self) -> int:
        """The most characters the line may hold: one less than the terminal's columns (a
        character in the last column makes some terminals wrap)."""
        return max(10, _columns(self.stream) - 1)

    def draw(self, text: str) -> None:
        """Replace the line with ``text`` (cut to the terminal's width)."""
        global _live
        if not self.enabled:
            return
        text = text.replace("\n", " ")[:self.width()]
        with _lock:
            if _live is not None and _live is not self:
                _live._erase()  # another line left open: never draw over it
            pad = " " * max(0, self._shown - len(text))
            self.stream.write("\r" + text + pad)
            self.stream.flush()
            self._text, self._shown = text, len(text)
            _live = self
            _install_filter()

    def close(self, keep: bool = True) -> None:
        """End the line: keep its last text on screen (``keep``) or erase it."""
        global _live
        with _lock:
            if self.enabled and self._text and (_live is self or self._shown):
                if keep:
                    self._redraw()
                    self.stream.write("\n")
                else:
                    self._erase()
                self.stream.flush()
            self._text, self._shown = "", 0
            if _live is self:
                _live = None
                _remove_filter()

    # -- used by the log handler and filter, under _lock ------------------------------------
    def _erase(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0

    def _redraw(self) -> None:
        if self._text and not self._shown:
            self.stream.write("\r" + self._text)
            self.stream.flush()
            self._shown = len(self._text)


def _same_stream(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return os.path.sameopenfile(a.fileno(), b.fileno())
    except (AttributeError, ValueError, OSError):
        return False


class TerminalHandler(logging.StreamHandler):
    """A log handler that never writes on the status line: it erases the line, writes the record
    and draws the line again below it. The command line logs through it."""

    def emit(self, record: logging.LogRecord) -> None:
        with _lock:
            line = _live if _live is not None and _same_stream(_live.stream, self.stream) \
                else None
            if line is not None:
                line._erase()
            super().emit(record)
            if line is not None:
                line._redraw()


class _EraseBeforeRecords(logging.Filter):
    """Erases the status line before a ``fastw2v`` record reaches any handler (handlers other than
    :class:`TerminalHandler` do not know about the line); the next update redraws it."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _lock:
            if _live is not None:
                _live._erase()
        return True


_FILTER = _EraseBeforeRecords()


def _install_filter() -> None:
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def _remove_filter() -> None:
    logger.removeFilter(_FILTER)


class Stage:
    """A long step on a status line: label, share done, rate, figures, elapsed time, ETA.

    The step calls ``update(done, **figures)`` as often as it likes: it only stores the values (two
    attribute writes, nothing else), and a background thread draws the line every ``interval``
    seconds, from ``show_after`` seconds after the stage began, so the elapsed time moves even
    while the step is busy elsewhere. ``done`` counts ``unit``\\ s of ``total`` (None when the total
    is unknown). Each figure is shown as ``1,234 name`` (an int) or ``name value`` (anything else,
    e.g. a string the step formatted). The rate is measured from the first moment progress is
    seen, so a pause before the work starts (loading compiled kernels) does not lower it. Use it as
    a context manager (an error leaves the line as it was), or call :meth:`finish`.

    Parameters
    ----------
    label : str
        What the step does (``"reading wiki400m.txt.gz"``).
    total : int or float, optional
        The amount of work; None when unknown (no share, no ETA).
    unit : str
        ``"B"`` (sizes and MB/s), ``"words"`` (``612k words/s``), any other noun, or "" (the
        share done only: no amounts, no rate).
    line : StatusLine, optional
        Where to draw; None (or a disabled line) draws nothing.
    log_every : float, optional
        When the line is not drawn (no terminal), log the status every this many seconds (for steps
        that take hours); None: never.
    show_after, interval : float
        Seconds before the first draw, and between two draws.
    """

    def __init__(self, label: str, total: Optional[float] = None, unit: str = "", *,
                 line: Optional[StatusLine] = None, log_every: Optional[float] = None,
                 show_after: float = SHOW_AFTER_SECONDS, interval: float = REDRAW_SECONDS):
        self.label = label
        self.total = total
        self.unit = unit
        self.line = line if line is not None else StatusLine(enabled=False)
        self.log_every = None if self.line.enabled else log_every
        self.start = time.monotonic()
        self._ref: tuple = (self.start, None)  # (time, done) the rate is measured from
        self.done: float = 0
        self.figures: dict = {}
        self.finished = False
        self._stop = threading.Event()
        self._ticker: Optional[threading.Thread] = None
        if self.line.enabled or self.log_every is not None:
            first = show_after if self.line.enabled else self.log_every
            every = interval if self.line.enabled else self.log_every
            self._ticker = threading.Thread(target=self._tick, args=(first, every), daemon=True,
                                            name="fastw2v-progress")
            self._ticker.start()

    def update(self, done: float, **figures: Any) -> None:
        """Report that ``done`` units are done, and the figures now (shown at the next redraw)."""
        self.done = done
        if figures:
            self.figures = figures

    def _tick(self, first: float, every: float) -> None:
        wait = first
        while not self._stop.wait(wait):
            wait = every
            self.refresh()

    def refresh(self) -> None:
        """Draw the line (or log the status, off a terminal) with the values reported last."""
        now = time.monotonic()
        done = self.done
        if self._ref[1] is None or done == self._ref[1]:
            self._ref = (now, done)  # no progress yet: the rate starts from here
        if self.line.enabled:
            with _lock:
                if not self.finished:
                    self.line.draw(self.text(now, width=self.line.width()))
        elif self.log_every is not None:
            logger.info("%s", self.text(now))

    def _stop_ticker(self) -> None:
        self.finished = True
        self._stop.set()
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join()

    def finish(self, done: Optional[float] = None, *, rate: Optional[float] = None,
               seconds: Optional[float] = None, **figures: Any) -> None:
        """End the stage: ``done`` defaults to ``total`` (100%). A line that was shown is drawn
        once more with the final figures and stays: the average rate and the time taken, or
        ``rate`` and ``seconds`` when the step measured its own (so that the line and the step's
        summary show the same numbers)."""
        if self.finished:
            return
        self._stop_ticker()
        if done is None:
            done = self.total if self.total is not None else self.done
        self.done = done
        if figures:
            self.figures = figures
        if self.line.enabled and self.line.text:
            self.line.draw(self.text(time.monotonic(), final=True, rate=rate, seconds=seconds,
                                     width=self.line.width()))
        self.line.close(keep=True)

    def abandon(self) -> None:
        """End the stage after an error: the line keeps what it showed last."""
        if not self.finished:
            self._stop_ticker()
            self.line.close(keep=True)

    def __enter__(self) -> "Stage":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abandon()

    # -- the text ----------------------------------------------------------------------------
    def _amount(self, x: float) -> str:
        return fmt.size(x) if self.unit == "B" else f"{fmt.short(x)} {self.unit}"

    def _rate(self, per_second: float) -> str:
        if self.unit == "B":
            return f"{per_second / 1e6:.1f} MB/s"
        return f"{fmt.short(per_second)} {self.unit}/s"

    def text(self, now: Optional[float] = None, final: bool = False, *,
             rate: Optional[float] = None, seconds: Optional[float] = None,
             width: Optional[int] = None) -> str:
        """The status line for the current state (``final``: as :meth:`finish` draws it), in at
        most ``width`` characters when given (fields are left out from the end: the share, the
        rate and the ETA come first)."""
        now = time.monotonic() if now is None else now
        elapsed = now - self.start if seconds is None else seconds
        parts = [f"fastw2v: {self.label}"]
        if self.total:
            share = min(1.0, self.done / self.total)
            parts[0] += f" {100 * share:5.1f}%"
            if self.unit:
                parts[0] += f" of {self._amount(self.total)}"
        elif self.done and self.unit:
            parts[0] += f" {self._amount(self.done)}"
        ref_t, ref_done = self._ref
        if rate is None and now - ref_t > 1e-3 and self.done != ref_done:
            rate = (self.done - (ref_done or 0)) / (now - ref_t)
        if rate is not None and rate > 0:
            if self.unit:
                parts.append(self._rate(rate))
            if self.total and not final:
                parts.append(f"ETA {fmt.duration(max(0.0, self.total - self.done) / rate)}")
        for name, value in self.figures.items():
            name = name.replace("_", " ")
            parts.append(f"{value:,} {name}" if isinstance(value, int) else f"{name} {value}")
        parts.append(f"{'took' if final else 'elapsed'} {fmt.duration(elapsed)}")
        if width is not None:  # a narrow terminal: leave out whole fields, the last ones first
            while len(parts) > 1 and len(" | ".join(parts)) > width:
                parts.pop()
        return " | ".join(parts)


class Progress:
    """Where long steps report their progress; the caller decides how it is shown.

    Parameters
    ----------
    enabled : bool or None
        True: draw status lines on ``stream``; False: show nothing; None: draw only when
        ``stream`` is a terminal.
    stream : text stream, optional
        Default ``sys.stderr``.
    show_after, interval : float, optional
        Passed to every :class:`Stage` (default: :data:`SHOW_AFTER_SECONDS`,
        :data:`REDRAW_SECONDS` as they are when the stage begins).
    """

    def __init__(self, enabled: Optional[bool] = None, stream: Optional[TextIO] = None, *,
                 show_after: Optional[float] = None, interval: Optional[float] = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = is_terminal(self.stream) if enabled is None else bool(enabled)
        self.show_after = show_after
        self.interval = interval

    def stage(self, label: str, total: Optional[float] = None, unit: str = "", *,
              log_every: Optional[float] = None) -> Stage:
        """A new :class:`Stage`, drawn when this progress is enabled (else, with ``log_every``,
        logged every ``log_every`` seconds)."""
        if not self.enabled and log_every is None:
            return Stage(label, total, unit)
        line = StatusLine(enabled=self.enabled, stream=self.stream)
        return Stage(label, total, unit, line=line, log_every=log_every,
                     show_after=(SHOW_AFTER_SECONDS if self.show_after is None
                                 else self.show_after),
                     interval=REDRAW_SECONDS if self.interval is None else self.interval)


#: Shows nothing: the default of every library function that takes a ``progress``.
SILENT = Progress(enabled=False)

ProgressArg = Union[bool, None, Progress]


def as_progress(progress: ProgressArg) -> Progress:
    """A :class:`Progress` from the API's ``progress`` argument: True/False/None (None: status
    lines only when stderr is a terminal) or a ready :class:`Progress`."""
    if isinstance(progress, Progress):
        return progress
    return Progress(enabled=progress)
