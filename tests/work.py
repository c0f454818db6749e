"""Counting work instead of timing it.

Tests never assert on elapsed time (a shared machine makes any limit either flaky or too loose to
catch anything); speed is measured in ``benchmarks/``. A test that guards against a catastrophic
slowdown counts work instead: :func:`python_lines` counts the lines of Python a call executes, a
deterministic figure that grows quadratically when an algorithm does, or with the vector dimension
when a loop over values replaces a slice. Work done in C (regular expressions, numpy, ``bytes``
methods) is not counted; its time is in ``benchmarks/``.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Tuple


def python_lines(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Tuple[Any, int]:
    """``(fn(*args, **kwargs), lines of Python it executed)``, in any module: fastw2v's, the
    standard library's, or a test's replacement of a fastw2v function."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return result, count


def assert_linear(work_at: Callable[[int], int], n: int, *, slack: float = 0.1,
                  overhead: int = 200) -> Tuple[int, int]:
    """Assert that ``work_at(2 * n)`` is at most twice ``work_at(n)`` (plus ``slack`` of it and a
    constant ``overhead``): linear growth passes, quadratic growth (4x) does not."""
    small, large = work_at(n), work_at(2 * n)
    assert large <= (2 + slack) * small + overhead, \
        f"work grew from {small} to {large} when the input doubled (n={n})"
    return small, large
