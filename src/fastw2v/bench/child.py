"""Run one measurement in a fresh child process and get its result back (:func:`run_in_child`).

Every benchmark that reports a peak RSS or wants no warm caches from an earlier run measures in a
child process of its own. This module is the one way to do it::

    from fastw2v.bench.child import run_in_child
    row = run_in_child(run_one, system="fastw2v", corpus="corpus.txt", threads=2)
    row["peak_rss_mb"]   # the child's own peak RSS, added to what run_one returned

The function is named, not pickled: by ``module:qualname`` when its module can be imported by name,
and by ``path/to/script.py:qualname`` when it lives in a script (a file run as ``__main__``, such as
those of ``benchmarks/``, which is not a package). The child is::

    python -m fastw2v.bench.child --module MODULE | --file SCRIPT.py  --qualname NAME
                                  [--path DIR] --result RESULT.json   < KWARGS.json

It imports the module (a script under its file name, so its ``if __name__ == "__main__"`` part
does not run), calls the function with the keyword arguments read as JSON from stdin, adds its own
peak RSS and writes the result as JSON to RESULT.json. The child's stdout is discarded, so
whatever the measured code prints never mixes with the result; its stderr is kept for the error.

Only this module's standard-library imports load before the measured module, so the child's peak
RSS is the measurement's (plus the interpreter's ~10 MB). This package never imports the
command line (:mod:`fastw2v.cli`).
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, Union

__all__ = ["ChildError", "peak_rss_mb", "run_in_child"]

#: The key under which the child's peak RSS in MB is added to a result that has none.
PEAK_RSS_KEY = "peak_rss_mb"


class ChildError(RuntimeError):
    """A measurement failed in its child process.

    ``str(error)`` is ``"<target> failed: <reason>"``. ``reason`` is the exception the function
    raised (``"ValueError: ..."``), else the last line of the child's stderr, and says so when the
    child timed out or was killed by a signal; ``returncode`` is the child's exit status (None
    after a timeout) and ``stderr`` all it wrote there.
    """

    def __init__(self, target: str, reason: str, returncode: Optional[int], stderr: str):
        super().__init__(f"{target} failed: {reason}")
        self.target = target
        self.reason = reason
        self.returncode = returncode
        self.stderr = stderr


def peak_rss_mb(children: bool = False) -> float:
    """Peak RSS in MB of this process (or of its waited-for children).

    For this process, ``VmHWM`` of /proc/self/status where available: unlike ``ru_maxrss`` it is
    not inherited from the parent through fork and exec, so a child reports only its own peak.
    """
    if not children:
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
        except OSError:
            pass
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


# ------------------------------------------------------------------------------------------- #
# parent side
# ------------------------------------------------------------------------------------------- #
def run_in_child(func: Union[Callable[..., dict], str], /, timeout: Optional[float] = None,
                 **kwargs) -> dict:
    """Call ``func(**kwargs)`` in a fresh Python process and return its result dict.

    Parameters
    ----------
    func
        A module-level function that returns a JSON-serialisable dict, or its name as
        ``"module:qualname"`` or ``"path/to/script.py:qualname"``. A function of a script run as
        ``__main__`` is found by the script's file.
    timeout
        Seconds after which the child (and every process it started) is killed; None: no limit.
        (So a function measured this way cannot take a keyword argument called ``timeout``.)
    **kwargs
        The function's keyword arguments. They cross as JSON, so they must be JSON-serialisable
        (paths as ``str``; tuples arrive as lists).

    Returns
    -------
    dict
        What ``func`` returned, read back from JSON, with ``"peak_rss_mb"`` (the child's own peak
        RSS, ``VmHWM``, in MB, taken when ``func`` returned) added unless ``func`` set it itself.

    Raises
    ------
    ChildError
        The child failed: ``func`` raised (the message names the exception), returned something
        that is not a JSON-serialisable dict, could not be imported, timed out or was killed.
    TypeError, ValueError
        In this process: a keyword argument is not JSON-serialisable, or ``func`` is not a
        module-level function that the child can find.
    """
    target_args, label = _target(func)
    try:
        payload = json.dumps(kwargs, allow_nan=True)
    except (TypeError, ValueError) as exc:
        bad = [k for k, v in kwargs.items() if not _json_ok(v)]
        raise TypeError(f"run_in_child({label}): keyword argument(s) {', '.join(bad) or '?'} "
                        f"cannot cross to the child as JSON ({exc})") from None
    with tempfile.TemporaryDirectory(prefix="fastw2v-child-") as tmp:
        result_path = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "fastw2v.bench.child", *target_args,
               "--result", str(result_path)]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=_child_env(), text=True,
                                start_new_session=True)  # so a timeout can kill its workers too
        try:
            try:
                _, stderr = proc.communicate(payload, timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                _, stderr = proc.communicate()
                raise ChildError(label, f"timed out after {timeout:g} s", None, stderr) from None
        finally:
            if proc.poll() is None:  # interrupted (Ctrl-C) or failed while waiting
                _kill_group(proc)
                proc.wait()
        result = _read_json(result_path)
    if proc.returncode != 0 or not isinstance(result, dict) or "result" not in result:
        reason = result.get("error") if isinstance(result, dict) else None
        if reason is None:
            lines = stderr.strip().splitlines()
            reason = lines[-1] if lines else "(no output on stderr)"
            if proc.returncode < 0:
                try:
                    name = signal.Signals(-proc.returncode).name
                except ValueError:
                    name = f"signal {-proc.returncode}"
                reason = f"killed by {name}; last stderr line: {reason}"
            elif proc.returncode:
                reason = f"exit status {proc.returncode}: {reason}"
        raise ChildError(label, reason, proc.returncode, stderr)
    return result["result"]


def _child_env() -> Dict[str, str]:
    """This environment, with fastw2v's own directory on PYTHONPATH when it is a source checkout
    that is not installed (scripts of ``benchmarks/`` put it on ``sys.path`` themselves)."""
    import site
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    site_dirs = [*site.getsitepackages(), site.getusersitepackages()]
    if root not in {str(Path(d).resolve()) for d in site_dirs}:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _target(func: Union[Callable, str]):
    """The child's arguments that name ``func``, and a label for messages."""
    if isinstance(func, str):
        where, sep, qualname = func.rpartition(":")
        if not sep or not where or not qualname:
            raise ValueError(f"expected 'module:qualname' or 'script.py:qualname', got {func!r}")
        if where.endswith(".py") or os.sep in where or "/" in where:
            path = Path(where).resolve()
            if not path.is_file():
                raise FileNotFoundError(f"no such script: {where}")
            return ["--file", str(path), "--qualname", qualname], f"{where}:{qualname}"
        return ["--module", where, "--qualname", qualname], func
    qualname = getattr(func, "__qualname__", None)
    module_name = getattr(func, "__module__", None)
    module = sys.modules.get(module_name) if module_name else None
    if not qualname or module is None or "<locals>" in qualname or "<lambda>" in qualname:
        raise ValueError(f"run_in_child needs a module-level function, got {func!r}")
    try:
        found = _resolve(module, qualname)
    except AttributeError:
        found = None
    if found is not func:
        raise ValueError(f"{module_name}.{qualname} does not name {func!r} (decorated or "
                         "rebound?); the child finds the function by that name")
    file = getattr(module, "__file__", None)
    if module_name == "__main__":
        if not file:
            raise ValueError(f"{qualname} is defined in an interactive __main__; the child can "
                             "only find functions in files")
        path = Path(file).resolve()
        return ["--file", str(path), "--qualname", qualname], f"{path.name}:{qualname}"
    args = ["--module", module_name, "--qualname", qualname]
    top = sys.modules.get(module_name.partition(".")[0])
    top_file = getattr(top, "__file__", None)
    if top_file:  # the directory it was imported from, which the child may not have on sys.path
        top_path = Path(top_file).resolve()
        args += ["--path", str(top_path.parent.parent if top_path.name == "__init__.py"
                               else top_path.parent)]
    return args, f"{module_name}:{qualname}"


def _resolve(obj, qualname: str):
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _json_ok(value) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------------------------------- #
# child side
# ------------------------------------------------------------------------------------------- #
def _load(module: Optional[str], file: Optional[Path], path: Optional[str]):
    if file is not None:
        name = file.stem if file.stem.isidentifier() else "_fastw2v_child_target"
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {file}")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod  # dataclasses, pickling (multiprocessing) look it up there
        spec.loader.exec_module(mod)
        return mod
    if path and path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module(module)


def _child_main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m fastw2v.bench.child",
                                description="Run one function (keyword arguments as JSON on "
                                            "stdin) and write its result as JSON.")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--module", help="module to import by name")
    which.add_argument("--file", type=Path, help="script to load by its path")
    p.add_argument("--qualname", required=True, help="the function's name in the module")
    p.add_argument("--path", help="directory to put first on sys.path before importing --module")
    p.add_argument("--result", type=Path, required=True, help="where to write the JSON result")
    a = p.parse_args(argv)
    try:
        kwargs = json.loads(sys.stdin.read() or "{}")
        func = _resolve(_load(a.module, a.file, a.path), a.qualname)
        result = func(**kwargs)
        if not isinstance(result, dict):
            raise TypeError(f"{a.qualname} returned {type(result).__name__}, not a dict")
        result = dict(result)
        result.setdefault(PEAK_RSS_KEY, peak_rss_mb())
        text = json.dumps({"result": result}, allow_nan=True)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, then re-raised
        traceback.print_exc()
        reason = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        text = json.dumps({"error": " ".join(reason.splitlines())})
        a.result.write_text(text)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    a.result.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
