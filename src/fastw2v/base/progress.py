"""One-line progress displays on stderr: a generic status line, and training's line (percent,
words/s, learning rate, loss, ETA) built on it."""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


def _fmt_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class StatusLine:
    """Redraws one status line in place (``\\r``) at most every ``interval`` seconds.

    The caller formats the text: ``if line.due(force): line.draw(text)``, so that the text is
    only formatted when it is drawn.

    Parameters
    ----------
    enabled : bool or None
        None: only when ``stream`` is a terminal.
    stream : text stream
        Default ``sys.stderr``.
    interval : float
        Minimum seconds between two redraws.
    wait_first : bool
        True: the first redraw also waits ``interval`` seconds (from the line's creation);
        False: it comes at the first update.
    """

    def __init__(self, enabled: Optional[bool] = None, stream: Optional[TextIO] = None,
                 interval: float = 0.5, *, wait_first: bool = False):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.interval = interval
        self._last = time.monotonic() if wait_first else 0.0
        self._width = 0

    def due(self, force: bool = False) -> bool:
        """True if the line is enabled and a redraw is due (``interval`` seconds since the last
        one, or ``force``); the caller then draws it."""
        if not self.enabled:
            return False
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return False
        self._last = now
        return True

    def draw(self, text: str) -> None:
        """Replace the line with ``text`` (padded over a longer previous text)."""
        pad = " " * max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write("\r" + text + pad)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


class ProgressLine(StatusLine):
    """Training's status line: percent done, raw words/s, learning rate, loss, elapsed, ETA.

    Parameters
    ----------
    enabled, stream, interval
        As :class:`StatusLine`.
    raw_per_word : float
        Raw corpus tokens per counted word (out-of-vocabulary tokens included), so the rate shown
        is raw words/s like every other figure fastw2v reports.
    """

    def __init__(self, enabled: Optional[bool] = None, stream: Optional[TextIO] = None,
                 interval: float = 0.5, raw_per_word: float = 1.0):
        super().__init__(enabled, stream, interval)
        self.raw_per_word = raw_per_word

    def update(self, done: int, total: int, elapsed: float, alpha: float, loss: float,
               force: bool = False) -> None:
        if not self.due(force):
            return
        frac = done / total if total else 1.0
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else 0.0
        raw_rate = rate * self.raw_per_word
        text = (f"fastw2v: {100 * frac:5.1f}% | {raw_rate / 1e3:7.0f}k raw words/s | "
                f"alpha {alpha:.5f}"
                f" | loss {loss:.4f} | elapsed {_fmt_duration(elapsed)} | ETA {_fmt_duration(eta)}")
        self.draw(text)
