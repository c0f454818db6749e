"""The package's shape: layers that import in one direction, no cycles, small modules, a wheel that
holds every subpackage, and a command line that starts without numpy.

The layers, lowest first (a module may import its own subpackage and any lower layer, never a
higher one or a sibling of the same rank); README.md's "Architecture" section says the same:

====  =======================================  ==============================================
rank  units                                    what they are
====  =======================================  ==============================================
0     ``errors``, ``_version``                 exception types, the version
1     ``base``                                 validation, paths, atomic writes, terminal, JSON
2     ``config``, ``kernels``                  the frozen, validated TrainConfig; numba code
                                               (it imports nothing of fastw2v's but itself)
3     ``corpus``, ``vectors``                  corpus to token stream (its split and word
                                               look-up are compiled); vectors
4     ``wiki``, ``analysis``, ``phrases``      dumps to text; functions of an Embeddings;
                                               phrase detection (word2phrase)
5     ``training``                             the public train(), threads, checkpoints
6     ``bench``, ``compat``, ``cluster``       the benchmark suite; gensim's Word2Vec/KeyedVectors API;
                                               training on a Dask cluster
7     ``cli``                                  the ``fastw2v`` command
8     ``fastw2v``, ``__main__``, ``_moved``,   the lazy public facade (``train`` on one machine
      ``_train``                               or a cluster), round 1's paths
====  =======================================  ==============================================

Imports are read from the source with :mod:`ast`, including imports inside functions (a
deferred import is still a dependency) and relative imports.
"""
from __future__ import annotations

import ast
import importlib
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

import fastw2v

PACKAGE_DIR = Path(fastw2v.__file__).resolve().parent

#: Rank of each unit (a subpackage, or a top-level module).
RANKS: Dict[str, int] = {
    "errors": 0, "_version": 0,
    "base": 1,
    "config": 2, "kernels": 2,
    "corpus": 3, "vectors": 3,
    "wiki": 4, "analysis": 4, "phrases": 4,
    "training": 5,
    "bench": 6, "compat": 6, "cluster": 6,
    "cli": 7,
    "__init__": 8, "__main__": 8, "_moved": 8, "_train": 8,
}

#: No module may grow beyond this many lines: past it a module holds more than one idea.
MAX_MODULE_LINES = 700


def _modules() -> Dict[str, Path]:
    """Dotted name -> file of every module of the package (``fastw2v.x.y``)."""
    out = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(["fastw2v", *parts])] = path
    return out


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _imports(name: str, path: Path, modules: Dict[str, Path]) -> List[Tuple[str, int]]:
    """(imported fastw2v module, line) for every import in ``path``, at any depth."""
    package = name if _is_package(path) else name.rpartition(".")[0]
    if name == "fastw2v":
        package = "fastw2v"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # ``from pkg import name``: name is a module when such a module exists
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod
                       for a in node.names]
        else:
            continue
        for t in targets:
            if t == "fastw2v" or t.startswith("fastw2v."):
                found.append((t, node.lineno))
    return found


def _unit(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def _graph() -> Dict[str, Set[str]]:
    modules = _modules()
    graph: Dict[str, Set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target, _ in _imports(name, path, modules):
            # ``import fastw2v.a.b`` depends on fastw2v.a.b (its parents' __init__ are empty)
            if target in modules and target != name:
                graph[name].add(target)
    return graph


def test_every_unit_has_a_rank():
    units = {_unit(m) for m in _modules()}
    assert units <= set(RANKS), f"modules outside the layer table: {units - set(RANKS)}"
    assert {"kernels", "corpus", "vectors", "wiki", "analysis", "training", "cli"} <= units


def test_imports_go_down_the_layers_only():
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        unit = _unit(name)
        for target, line in _imports(name, path, modules):
            if target == "fastw2v":
                if RANKS[unit] < RANKS["__init__"]:
                    wrong.append(f"{path.name}:{line} imports the package facade 'fastw2v'")
                continue
            other = _unit(target)
            if other == unit:
                continue
            if RANKS[other] >= RANKS[unit]:
                wrong.append(f"{name} (line {line}, {unit}, rank {RANKS[unit]}) imports {target} "
                             f"({other}, rank {RANKS[other]})")
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_no_import_cycles_counting_imports_inside_functions():
    graph = _graph()
    state: Dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: List[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_layer_checks_can_fail(tmp_path, monkeypatch):
    """The checks above, run on a package with an upward import and a cycle, report both."""
    pkg = tmp_path / "fastw2v"
    (pkg / "vectors").mkdir(parents=True)
    (pkg / "analysis").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "vectors" / "__init__.py").write_text("")
    (pkg / "analysis" / "__init__.py").write_text("")
    (pkg / "vectors" / "embeddings.py").write_text(
        "def f():\n    from ..analysis import evaluate\n")
    (pkg / "analysis" / "evaluate.py").write_text("from ..vectors.embeddings import f\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE_DIR", pkg)
    with pytest.raises(AssertionError, match=r"fastw2v\.vectors\.embeddings \(line 2, vectors, "
                                             r"rank 3\) imports fastw2v\.analysis\.evaluate"):
        test_imports_go_down_the_layers_only()
    with pytest.raises(AssertionError, match=r"import cycles:\n.*analysis\.evaluate -> "
                                             r"fastw2v\.vectors\.embeddings -> "):
        test_no_import_cycles_counting_imports_inside_functions()


def test_no_module_is_longer_than_700_lines():
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def _run_outside(code: str) -> subprocess.CompletedProcess:
    """``python -c code`` in a directory outside the checkout (only the installed package)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=Path("/"), env=env,
                          capture_output=True, text=True, timeout=120)


def test_each_subpackage_imports_from_outside_the_checkout():
    names = sorted(m for m, p in _modules().items() if _is_package(p))
    proc = _run_outside("import importlib, json\n"
                        f"for n in {names!r}: importlib.import_module(n)\n"
                        "import fastw2v; print(json.dumps(fastw2v.__file__))")
    assert proc.returncode == 0, proc.stderr
    assert Path(json.loads(proc.stdout)).resolve() == Path(fastw2v.__file__).resolve()


def test_the_command_line_starts_without_numpy_or_numba():
    proc = _run_outside("import sys\n"
                        "from fastw2v.cli.main import build_parser\n"
                        "build_parser().format_help()\n"
                        "print(sorted(m for m in ('numpy', 'numba') if m in sys.modules))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_one_machine_never_imports_dask(tmp_path):
    """``fastw2v.train`` (looked up and run on one machine) and the command line never import
    dask, distributed or fsspec: they are the optional ``dask`` extra, asked for by
    ``client=`` / ``--scheduler`` only."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c a b a d e a b\n" * 50)
    proc = _run_outside("import sys\n"
                        "import fastw2v\n"
                        "from fastw2v.cli.main import build_parser, main\n"
                        "build_parser().format_help()\n"
                        f"emb = fastw2v.train({str(corpus)!r}, dim=4, epochs=1, min_count=1, "
                        f"workers=1, progress=False, use_cache=False)\n"
                        f"main(['train', {str(corpus)!r}, '-o', {str(tmp_path / 'v.txt')!r}, "
                        f"'--dim', '4', '--epochs', '1', '--min-count', '1', '-q', "
                        f"'--cache-dir', {str(tmp_path)!r}])\n"
                        "print(sorted(m for m in ('dask', 'distributed', 'fsspec') "
                        "if m in sys.modules))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def _distribution():
    try:
        return importlib.metadata.distribution("fastw2v")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        pytest.skip("fastw2v is not installed")


def _is_editable(dist) -> bool:
    text = dist.read_text("direct_url.json")
    return bool(text) and json.loads(text).get("dir_info", {}).get("editable", False)


def _package_files(root: Path) -> Set[str]:
    """Every file of the package under ``root``: modules, and the data that is not Python (the
    py.typed marker, the evaluation sets and their licence notes), without bytecode caches."""
    return {"fastw2v/" + str(p.relative_to(root)).replace(os.sep, "/")
            for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".nbi",
                                                                               ".nbc")}


def test_the_installed_wheel_holds_every_subpackage():
    """CI installs the wheel (not editable): then the tests must import it, and it must hold
    every file of the source package (a packaging mistake would drop a subpackage, or the
    evaluation sets, silently)."""
    dist = _distribution()
    if _is_editable(dist):
        pytest.skip("editable install: the source tree is the package")
    installed = {str(f).replace("\\", "/") for f in dist.files or ()}
    source = Path(__file__).resolve().parents[1] / "src" / "fastw2v"
    if source.is_dir():
        assert not Path(fastw2v.__file__).resolve().is_relative_to(source.parent), \
            "the tests imported the source tree, not the installed package"
        expected = _package_files(source)
    else:
        expected = _package_files(PACKAGE_DIR)
    assert {"fastw2v/py.typed", "fastw2v/analysis/data/questions-words.txt",
            "fastw2v/analysis/data/wordsim353.tsv", "fastw2v/analysis/data/NOTICE"} <= expected
    assert expected <= installed, f"missing from the wheel: {sorted(expected - installed)}"


def test_round_one_module_paths_still_import():
    """README and round-1 scripts import ``fastw2v.datasets`` etc.; they get the moved code."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from fastw2v.datasets import resolve_corpus
        from fastw2v.embeddings import Embeddings
        from fastw2v.tokens import SENTENCE_END, prepare_corpus
    from fastw2v.corpus.cache import prepare_corpus as moved_prepare
    from fastw2v.corpus.datasets import resolve_corpus as moved_resolve
    assert resolve_corpus is moved_resolve and prepare_corpus is moved_prepare
    assert Embeddings is fastw2v.Embeddings and SENTENCE_END == -1
    assert any("fastw2v.datasets moved to fastw2v.corpus.datasets" in str(w.message)
               for w in caught)
    with pytest.raises(ModuleNotFoundError, match="fastw2v.no_such_module"):
        importlib.import_module("fastw2v.no_such_module")


def test_the_facade_lists_its_lazy_names_and_its_types_resolve():
    """``dir(fastw2v)`` shows what ``fastw2v.<name>`` gives, the package is marked as typed
    (PEP 561), and ``train``'s annotations resolve (it returns Embeddings)."""
    import typing
    assert {"train", "Embeddings", "TrainConfig", "__version__"} <= set(dir(fastw2v))
    assert (PACKAGE_DIR / "py.typed").is_file()
    hints = typing.get_type_hints(fastw2v.train)
    assert hints["return"] is fastw2v.Embeddings
    from fastw2v.training.api import train_with_config
    assert typing.get_type_hints(train_with_config)["return"] is fastw2v.Embeddings
