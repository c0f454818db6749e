"""Run the ``fastw2v`` command and send it real signals at a chosen point (for the tests).

    python tests/killpoint.py POINT SIGNALS N -- ARGUMENTS...

runs ``fastw2v ARGUMENTS...`` in this process; at the N-th time the program passes POINT it sends
itself the first of the comma-separated SIGNALS (``TERM``, ``INT``, ``HUP``, ``KILL``), at the
next passage the second, and so on. ``os.kill`` delivers the signal to this very process, so the
program meets it exactly there (SIGKILL ends it on the spot, as ``kill -9`` would).

Points (a passage is one call of the function named):

* ``prepare`` -- a token stream was built into its temporary file (``build_stream`` returned);
* ``epoch`` -- an epoch ended (``Trainer._end_epoch`` returned);
* ``checkpoint`` -- a weight file of a checkpoint was written (``_save_npy`` returned; two per
  checkpoint: ``syn0.npy``, then ``syn1.npy``);
* ``switch`` -- a new checkpoint version was renamed into place, its manifest not yet switched
  (``fsync_directory`` in the checkpoint module);
* ``cleanup`` -- before older checkpoint versions are removed (``_remove_unreferenced``: once
  per checkpoint written, and once when a directory with a checkpoint is opened);
* ``output`` -- OUT's rows are all written to its temporary file, not yet renamed;
* ``wiki`` -- a dump conversion wrote its first piece (worker processes are running); their
  PIDs are written first to the file named by ``$KILLPOINT_PIDS``.
"""
from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
from pathlib import Path


def children() -> list:
    """PIDs of this process's child processes (Linux ``/proc``)."""
    me = os.getpid()
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                out.append(int(entry.name))
    return out


def main(argv):
    point, signals, n = argv[0], argv[1].split(","), int(argv[2])
    assert argv[3] == "--", "usage: killpoint.py POINT SIGNALS N -- ARGUMENTS..."
    fastw2v_args = argv[4:]
    passages = [0]

    def passage():
        passages[0] += 1
        k = passages[0] - n
        if 0 <= k < len(signals):
            os.kill(os.getpid(), getattr(signal, "SIG" + signals[k]))

    def after(owner, name):
        real = getattr(owner, name)

        @functools.wraps(real)
        def wrapper(*args, **kwargs):
            result = real(*args, **kwargs)
            passage()
            return result
        setattr(owner, name, wrapper)

    import fastw2v.cli.main as cli
    from fastw2v.corpus import cache
    from fastw2v.training import checkpoint, trainer
    from fastw2v.vectors import native, word2vec
    from fastw2v.base import progress

    if point == "prepare":
        after(cache, "build_stream")
    elif point == "epoch":
        after(trainer.Trainer, "_end_epoch")
    elif point == "checkpoint":
        after(checkpoint, "_save_npy")
    elif point == "switch":
        after(checkpoint, "fsync_directory")
    elif point == "cleanup":
        real_cleanup = checkpoint._remove_unreferenced

        def cleanup(*args, **kwargs):
            passage()
            return real_cleanup(*args, **kwargs)
        checkpoint._remove_unreferenced = cleanup
    elif point == "output":
        for module, name in ((word2vec, "atomic_write"), (native, "atomic_directory")):
            real_writer = getattr(module, name)

            @contextlib.contextmanager
            def writer(*args, _real=real_writer, **kwargs):
                with _real(*args, **kwargs) as handle:
                    yield handle
                    passage()
            setattr(module, name, writer)
    elif point == "wiki":
        real_update = progress.Stage.update

        def update(self, *args, **kwargs):  # the conversion's stage reports each piece written
            real_update(self, *args, **kwargs)
            if not self.label.startswith("converting"):
                return
            if passages[0] + 1 >= n:
                Path(os.environ["KILLPOINT_PIDS"]).write_text(
                    " ".join(map(str, children())))
            passage()
        progress.Stage.update = update
    else:
        raise SystemExit(f"unknown point {point!r}")
    return cli.main(fastw2v_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
