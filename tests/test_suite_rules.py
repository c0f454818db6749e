"""The suite's own rules, checked on its source (README, Development):

* an error test pins why it failed: every ``pytest.raises`` has ``match=`` or keeps the exception
  (``as info``) and looks at it;
* no test reads a clock: speed is measured in ``benchmarks/``, and a slowdown guard in a test
  counts work instead (see ``tests/work.py``);
* a test dependency (the ``test`` extra) is imported, never ``importorskip``-ed, so that a broken
  installation fails instead of skipping tests silently;
* the ``slow`` marker that ``pyproject.toml`` declares is used.

Each rule is also run on a snippet that breaks it, so that a rule that can no longer fail is
noticed.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
#: Functions of ``time`` that read a clock.
CLOCKS = {"time", "time_ns", "perf_counter", "perf_counter_ns", "process_time",
          "process_time_ns", "monotonic", "monotonic_ns", "thread_time", "thread_time_ns"}
#: Modules of the ``test`` extra (pyproject.toml), by import name.
TEST_DEPENDENCIES = {"pytest", "pytest_benchmark", "hypothesis"}


def _is_pytest_raises(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "raises" and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "pytest")


def _functions(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def unpinned_raises(tree: ast.AST) -> List[int]:
    """Lines of ``pytest.raises`` without ``match=`` whose exception is not looked at
    (``with pytest.raises(E) as info:`` followed by a use of ``info.value``)."""
    bad = []
    for func in [tree, *_functions(tree)]:
        looked_at = {n.value.id for n in ast.walk(func)
                     if isinstance(n, ast.Attribute) and n.attr == "value"
                     and isinstance(n.value, ast.Name)}
        for node in ast.walk(func):
            if not isinstance(node, (ast.With, ast.AsyncWith)):
                continue
            for item in node.items:
                call = item.context_expr
                if not _is_pytest_raises(call) or any(k.arg == "match" for k in call.keywords):
                    continue
                var = item.optional_vars
                if isinstance(var, ast.Name) and var.id in looked_at:
                    continue
                bad.append(call.lineno)
    return sorted(set(bad))


def clock_reads(tree: ast.AST) -> List[int]:
    """Lines that read a clock (``time.perf_counter()``, ``from time import time``, ...)."""
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in CLOCKS \
                and isinstance(node.value, ast.Name) and node.value.id == "time":
            bad.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "time" \
                and any(a.name in CLOCKS for a in node.names):
            bad.append(node.lineno)
    return sorted(set(bad))


def skipped_test_dependencies(tree: ast.AST) -> List[int]:
    """Lines that ``importorskip`` a module of the ``test`` extra."""
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "importorskip" and node.args \
                and isinstance(node.args[0], ast.Constant) \
                and str(node.args[0].value).split(".")[0] in TEST_DEPENDENCIES:
            bad.append(node.lineno)
    return bad


def slow_marks(tree: ast.AST) -> List[int]:
    """Lines that apply ``pytest.mark.slow``."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "slow"
            and isinstance(node.value, ast.Attribute) and node.value.attr == "mark"]


def _suite() -> List[Tuple[str, ast.AST]]:
    return [(p.name, ast.parse(p.read_text("utf-8"), str(p)))
            for p in sorted(TESTS.glob("*.py"))]


RULES = [unpinned_raises, clock_reads, skipped_test_dependencies]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_the_suite_keeps_the_rule(rule):
    broken = [f"tests/{name}:{line}" for name, tree in _suite() for line in rule(tree)]
    assert broken == [], f"{rule.__name__}: {broken}"


BREAKS = {
    unpinned_raises: [
        "def test_x():\n    with pytest.raises(ValueError):\n        f()\n",
        "def test_x():\n    with pytest.raises(ValueError) as info:\n        f()\n",
        "def test_x():\n    with open(p) as fh, pytest.raises(OSError):\n        f()\n",
    ],
    clock_reads: [
        "def test_x():\n    t = time.perf_counter()\n    f()\n"
        "    assert time.perf_counter() - t < 2\n",
        "from time import process_time\n",
        "def test_x():\n    assert time.time() > 0\n",
    ],
    skipped_test_dependencies: [
        "hypothesis = pytest.importorskip('hypothesis')\n",
        "st = pytest.importorskip('hypothesis.strategies')\n",
    ],
}
KEEPS = {
    unpinned_raises: [
        "def test_x():\n    with pytest.raises(ValueError, match='dim'):\n        f()\n",
        "def test_x():\n    with pytest.raises(OSError) as info:\n        f()\n"
        "    assert info.value.errno == 2\n",
    ],
    clock_reads: ["import time\ndef test_x():\n    time.sleep(0.01)\n",
                  "CHILD = 'import time; t = time.perf_counter()'\n"],
    skipped_test_dependencies: ["gensim = pytest.importorskip('gensim.models')\n"],
}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_each_rule_flags_code_that_breaks_it(rule):
    for snippet in BREAKS[rule]:
        assert rule(ast.parse(snippet)), snippet
    for snippet in KEEPS[rule]:
        assert rule(ast.parse(snippet)) == [], snippet


def test_the_slow_marker_is_declared_documented_and_used():
    pyproject = (REPO / "pyproject.toml").read_text("utf-8")
    assert re.search(r'^\s*"slow: ', pyproject, re.M)
    assert '-m "not slow"' in (REPO / "README.md").read_text("utf-8")
    used = [f"{name}:{line}" for name, tree in _suite() for line in slow_marks(tree)]
    assert used, "the slow marker is declared but no test carries it"
    assert slow_marks(ast.parse("@pytest.mark.slow\ndef test_x():\n    pass\n")) == [1]
