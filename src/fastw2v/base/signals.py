"""Termination signals as exceptions, and critical sections that a signal does not cut short.

A scheduler (``timeout``, Slurm, ``docker stop``) sends SIGTERM, a closed terminal SIGHUP, Ctrl-C
SIGINT. While :func:`signals_as_interrupts` is active each of them raises :class:`Interrupted`
(a ``KeyboardInterrupt`` that knows its signal) in the main thread, so every ``finally`` and
``except BaseException`` cleanup runs (temporary files removed, worker threads and processes
stopped, a checkpoint written) and the command exits with ``128 + signal``.

Inside :func:`critical` (writing a checkpoint, updating the trainer's state) the first signal is
held: the section completes, then :class:`Interrupted` is raised. A second signal during the same
section abandons it (``Interrupted`` at once), so a user can always get out; what the section
writes is atomic, so abandoning it leaves the previous state intact.
"""
from __future__ import annotations

import contextlib
import logging
import signal
import threading
from typing import Dict, Iterator, Optional

logger = logging.getLogger("fastw2v")

#: The signals that ask a process to stop and that fastw2v turns into :class:`Interrupted`
#: (SIGHUP does not exist on Windows).
TERMINATION_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                            if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """A termination signal (SIGINT, SIGTERM, SIGHUP) stopped the work.

    Attributes
    ----------
    signum : int
        The signal.
    """

    def __init__(self, signum: int = signal.SIGINT) -> None:
        self.signum = int(signum)
        super().__init__(f"interrupted by {signal_name(self.signum)}")

    @property
    def exit_status(self) -> int:
        """``128 + signum``, what a shell reports for a process the signal ended."""
        return 128 + self.signum


def signal_name(signum: int) -> str:
    """``"SIGTERM"`` for ``signal.SIGTERM`` (the number for an unknown one)."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def interrupt_signal(exc: BaseException) -> int:
    """The signal behind a ``KeyboardInterrupt`` (SIGINT for a plain one)."""
    return int(getattr(exc, "signum", signal.SIGINT))


class _State:
    """What the handler needs: the critical section in progress and the signal it holds."""

    section: Optional[str] = None
    pending: Optional[int] = None


_state = _State()


def _handler(signum, frame) -> None:
    if _state.section is not None and _state.pending is None:
        _state.pending = signum
        logger.warning("%s received while %s; finishing that first (send it again to abandon "
                       "it)", signal_name(signum), _state.section)
        return
    raise Interrupted(signum)


def handlers_installed() -> bool:
    """Whether :func:`signals_as_interrupts` is active (its handler has SIGINT)."""
    return signal.getsignal(signal.SIGINT) is _handler


def _is_default(signum: int, current) -> bool:
    if signum == signal.SIGINT:
        return current is signal.default_int_handler
    return current in (signal.SIG_DFL, None)


@contextlib.contextmanager
def signals_as_interrupts(only_defaults: bool = False) -> Iterator[None]:
    """Raise :class:`Interrupted` on SIGINT, SIGTERM and SIGHUP while the block runs.

    Parameters
    ----------
    only_defaults : bool
        Take over only the signals that still have Python's default behaviour (a library call
        must not override handlers its application installed).

    Outside the main thread (where Python cannot install handlers) nothing changes. The previous
    handlers are restored on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: Dict[int, object] = {}
    try:
        for signum in TERMINATION_SIGNALS:
            current = signal.getsignal(signum)
            if current is _handler or (only_defaults and not _is_default(signum, current)):
                continue
            previous[signum] = signal.signal(signum, _handler)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def critical(what: str, raise_held: bool = True) -> Iterator[None]:
    """Hold the first termination signal until the block is done (see the module docstring).

    Parameters
    ----------
    what : str
        What the block does, for the message ("writing the checkpoint").
    raise_held : bool
        Raise :class:`Interrupted` for a held signal when the block ends (False: the caller is
        stopping anyway and the held signal is dropped).

    Without :func:`signals_as_interrupts` (a library call from a thread, or an application with
    its own handlers) the block runs unprotected, as any other code. Nested sections are one.
    """
    if not handlers_installed() or _state.section is not None:
        yield
        return
    _state.section, _state.pending = what, None
    try:
        yield
    finally:
        held = _state.pending
        _state.section, _state.pending = None, None
    if held is not None and raise_held:
        raise Interrupted(held)
