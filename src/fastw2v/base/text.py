"""How numbers read in messages: counts with thousands separators and the right plural, durations,
sizes and rates. Every log line, status line and summary fastw2v writes formats through these, so
the same figure reads the same everywhere."""
from __future__ import annotations

from typing import Optional


def count(n: int, word: str, plural: Optional[str] = None) -> str:
    """``"1 line"``, ``"2 lines"``, ``"16,899,533 words"``: ``n`` with separators and the word in
    the number it needs (``plural`` defaults to ``word + "s"``)."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def duration(seconds: float) -> str:
    """``"00:07"``, ``"12:34"``, ``"1:02:03"``: minutes and seconds, hours when there are any."""
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def size(n_bytes: float) -> str:
    """``"135.0 MB"``, ``"1.2 GB"``, ``"512 kB"``, ``"12 B"`` (decimal units, as file sizes on the
    shared data directory's README are given)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if abs(n_bytes) >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    if abs(n_bytes) >= 1e3:
        return f"{n_bytes / 1e3:.0f} kB"
    return f"{n_bytes:.0f} B"


def short(x: float) -> str:
    """``"612k"``, ``"1.79M"``, ``"70.0M"``, ``"950"``: a large amount in three significant digits
    (throughputs, totals on a status line, where the width is scarce)."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            v = x / scale
            return f"{v:.3g}{unit}" if abs(v) < 100 else f"{v:.0f}{unit}"
    return f"{x:.0f}"
