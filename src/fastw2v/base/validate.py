"""The one set of argument checks, with one message style.

Every check names the argument, says what is allowed and repeats what was given::

    dim must be an integer in [1, 10000], got 0
    min_count must be an integer >= 1, got 'five'
    max_vocab_size must be None or an integer >= 1, got 0
    alpha must be a number in (0, 10], got nan
    mode must be one of text8, unicode, got 'ascii'

They raise ``ValueError`` (the CLI turns it into one line and exit status 2) and return the value
in its canonical type (``int``, ``float``, ``bool``), so callers store what was checked. ``bool``
is never accepted as an integer, numpy integers and floats are.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterable, Optional


def _int_range(low: Optional[int], high: Optional[int]) -> str:
    if low is not None and high is not None:
        return f"an integer in [{low}, {high}]"
    if low is not None:
        return f"an integer >= {low}"
    if high is not None:
        return f"an integer <= {high}"
    return "an integer"


def check_int(name: str, value: Any, low: Optional[int] = None, high: Optional[int] = None, *,
              allow_none: bool = False) -> Optional[int]:
    """``value`` as an ``int`` in ``[low, high]`` (a bound of None is open); None passes when
    ``allow_none``. Raises ``ValueError`` otherwise."""
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if ok:
        value = int(value)
        ok = (low is None or value >= low) and (high is None or value <= high)
    if not ok:
        what = _int_range(low, high)
        raise ValueError(f"{name} must be {'None or ' if allow_none else ''}{what}, got {value!r}")
    return value


def check_float(name: str, value: Any, low: Optional[float] = None,
                high: Optional[float] = None, *, low_open: bool = False,
                high_name: Optional[str] = None, allow_none: bool = False) -> Optional[float]:
    """``value`` as a finite ``float`` in ``[low, high]`` (``(low, high]`` with ``low_open``);
    ``high_name`` names the parameter the upper bound comes from (``min_alpha <= alpha``)."""
    if value is None and allow_none:
        return None
    x = float("nan")
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        x = float(value)
    elif isinstance(value, str):  # a number as text (a config file, an environment variable)
        try:
            x = float(value)
        except ValueError:
            pass
    ok = math.isfinite(x) and (low is None or x > low or (x == low and not low_open)) \
        and (high is None or x <= high)
    if not ok:
        if low is None and high is None:
            what = "a finite number"
        else:
            lo = "-inf" if low is None else f"{low:g}"
            hi = "inf" if high is None else (f"{high_name} ({high:g})" if high_name else f"{high:g}")
            what = f"a number in {'(' if low_open or low is None else '['}{lo}, {hi}" \
                   f"{')' if high is None else ']'}"
        raise ValueError(f"{name} must be {'None or ' if allow_none else ''}{what}, got {value!r}")
    return x


def check_bool(name: str, value: Any) -> bool:
    """``value`` as a ``bool``: True, False, or the integers 1 and 0."""
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{name} must be True or False, got {value!r}")


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """``value`` when it is one of ``choices`` (compared as given)."""
    choices = tuple(choices)
    if isinstance(value, str) and value in choices:
        return value
    raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


def check_positive_number(name: str, value: Any, *, allow_none: bool = False) -> Optional[float]:
    """``value`` as a finite ``float`` > 0."""
    return check_float(name, value, 0.0, None, low_open=True, allow_none=allow_none)
