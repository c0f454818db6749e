"""The benchmark package: the child-process helper (``fastw2v.bench.child.run_in_child``), the
layering (the library never imports the command line) and ``fastw2v bench``'s command line."""
from __future__ import annotations

import ast
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from cli_helpers import assert_clean_error, run
from fastw2v.bench import suite
from fastw2v.bench.child import ChildError, run_in_child

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "data" / "fixtures" / "tiny.txt"


# Measurement functions for the child: module-level, found by this module's name.
def double(n, items=()):
    return {"n": 2 * n, "items": items, "nan": float("nan")}


def chatty(n):
    print('{"n": "stdout is not the result"}')
    print("noise on stderr", file=sys.stderr)
    return {"n": n}


def raises(message):
    raise ValueError(message)


def sleeps(seconds):
    time.sleep(seconds)
    return {}


def killed():
    os.kill(os.getpid(), signal.SIGKILL)


def not_a_dict():
    return [1, 2]


def own_peak():
    return {"peak_rss_mb": -1.0}


def allocates(mb):
    block = bytearray(mb * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page
    return {"size": len(block)}


# ------------------------------------------------------------------------------------------- #
# run_in_child
# ------------------------------------------------------------------------------------------- #
def test_the_result_comes_back_as_json_with_the_childs_peak_rss():
    r = run_in_child(double, n=21, items=(1, "a", None))
    assert r["n"] == 42
    assert r["items"] == [1, "a", None]  # crossed as JSON: a tuple arrives as a list
    assert r["nan"] != r["nan"]
    assert isinstance(r["peak_rss_mb"], float) and r["peak_rss_mb"] > 0


def test_the_peak_rss_is_the_childs_own():
    small = run_in_child(allocates, mb=1)["peak_rss_mb"]
    big = run_in_child(allocates, mb=200)["peak_rss_mb"]
    assert big - small > 150, (small, big)
    assert small < 150  # not the parent's (pytest with numpy and fastw2v loaded) nor the sibling's


def test_a_peak_rss_the_function_reports_itself_is_kept():
    assert run_in_child(own_peak) == {"peak_rss_mb": -1.0}


def test_the_childs_stdout_does_not_mix_with_the_result():
    r = run_in_child(chatty, n=3)
    assert r["n"] == 3


def test_a_function_that_raises_gives_an_error_naming_the_exception():
    with pytest.raises(ChildError, match=r"test_bench:raises failed: ValueError: no such corpus"
                       ) as info:
        run_in_child(raises, message="no such corpus")
    assert info.value.reason == "ValueError: no such corpus"
    assert info.value.returncode == 1
    assert "Traceback" in info.value.stderr


def test_a_child_past_its_timeout_is_killed():
    with pytest.raises(ChildError, match="sleeps failed: timed out after 1 s") as info:
        run_in_child(sleeps, timeout=1, seconds=60)
    assert info.value.returncode is None


def test_a_child_killed_by_a_signal_says_so():
    with pytest.raises(ChildError, match="killed by SIGKILL"):
        run_in_child(killed)


def test_a_result_that_is_not_a_dict_is_an_error():
    with pytest.raises(ChildError, match="TypeError: not_a_dict returned list, not a dict"):
        run_in_child(not_a_dict)


def test_arguments_that_are_not_json_fail_in_the_parent():
    with pytest.raises(TypeError, match=r"keyword argument\(s\) n cannot cross to the child"):
        run_in_child(double, n=object())


def test_only_module_level_functions_can_run():
    def local():
        return {}

    with pytest.raises(ValueError, match="needs a module-level function"):
        run_in_child(local)
    with pytest.raises(ValueError, match="needs a module-level function"):
        run_in_child(lambda: {})


def test_a_function_named_by_module_or_by_script_path(tmp_path):
    r = run_in_child("json:loads", s='{"a": 1}')
    assert r["a"] == 1 and r["peak_rss_mb"] > 0
    with pytest.raises(ChildError, match="loads returned list"):
        run_in_child("json:loads", s="[1]")
    script = tmp_path / "measure.py"
    script.write_text("import sys\n"
                      "def f(x):\n    return {'x': x, 'name': __name__}\n"
                      "if __name__ == '__main__':\n    sys.exit('must not run')\n")
    r = run_in_child(f"{script}:f", x=[1])
    assert r["x"] == [1] and r["name"] == "measure"
    with pytest.raises(ChildError, match="AttributeError: .*'g'"):
        run_in_child(f"{script}:g")


def test_a_function_of_a_script_run_as_main_is_found_by_its_file(tmp_path):
    """What the scripts of benchmarks/ do: the caller is ``__main__``."""
    import subprocess
    script = tmp_path / "bench_script.py"
    script.write_text("import json, sys\n"
                      "def f(x):\n    return {'twice': 2 * x}\n"
                      "if __name__ == '__main__':\n"
                      "    from fastw2v.bench.child import run_in_child\n"
                      "    print(json.dumps(run_in_child(f, x=4)))\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          check=True)
    r = json.loads(proc.stdout)
    assert r["twice"] == 8 and r["peak_rss_mb"] > 0


def test_a_benchmark_script_function_runs_in_a_child():
    r = run_in_child(f"{REPO / 'benchmarks' / 'scale.py'}:count_distinct", corpus=str(TINY))
    assert r["tokens"] > 1000 and 0 < r["distinct"] < r["tokens"]


# ------------------------------------------------------------------------------------------- #
# layering
# ------------------------------------------------------------------------------------------- #
def test_the_bench_library_never_imports_the_cli(tmp_path):
    probe = tmp_path / "probe.py"  # not this module, which imports the CLI (cli_helpers)
    probe.write_text("import importlib, sys\n"
                     "def loaded(names):\n"
                     "    for name in names:\n"
                     "        importlib.import_module(name)\n"
                     "    return {'modules': sorted(m for m in sys.modules if "
                     "m.startswith('fastw2v'))}\n")
    r = run_in_child(f"{probe}:loaded", names=["fastw2v.bench", "fastw2v.bench.child",
                                               "fastw2v.bench.suite"])
    assert "fastw2v.bench.suite" in r["modules"]
    assert not [m for m in r["modules"] if m.startswith("fastw2v.cli")]
    for path in (REPO / "src" / "fastw2v" / "bench").glob("*.py"):  # imports in functions too
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                package = ["fastw2v", "bench"]  # what a relative import is relative to
                base = package[:len(package) + 1 - node.level]
                names = [".".join(base + ([node.module] if node.module else []))
                         if node.level else node.module]
                names += [f"{names[0]}.{a.name}" for a in node.names]
            else:
                continue
            assert not [n for n in names if n == "fastw2v.cli" or n.startswith("fastw2v.cli.")], \
                (path.name, node.lineno, names)


# ------------------------------------------------------------------------------------------- #
# the suite and ``fastw2v bench``
# ------------------------------------------------------------------------------------------- #
def test_a_failing_run_is_left_out_with_its_reason(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path))  # no word2vec binary: the child raises
    rows = suite.compare(TINY, ["word2vec.c"], [1], 1, dict(suite.STANDARD, epochs=1),
                         tmp_path / "out")
    assert rows == []
    assert "word2vec.c with 1 threads failed: FileNotFoundError: no `word2vec` binary on PATH" \
        in caplog.text


def test_bench_help_lists_every_option(capsys):
    code, out, _ = run(capsys, "bench", "--help")
    assert code == 0
    for flag in ("--systems", "--threads", "--repeats", "--epochs", "--cbow", "--out",
                 "--no-plot", "--quiet", "results.json, results.md and scaling.png"):
        assert flag in out, flag


@pytest.mark.parametrize("argv, needle", [
    (["--systems", "fastw2v,nope"], "unknown system(s) nope"),
    (["--systems", "fastw2v", "--repeats", "0"], "--repeats must be >= 1"),
])
def test_bench_usage_errors(capsys, tmp_path, argv, needle):
    code, _, err = run(capsys, "bench", TINY, *argv, "--out", tmp_path)
    assert_clean_error(code, err, needle)


def test_bench_on_a_missing_corpus(capsys, tmp_path):
    code, _, err = run(capsys, "bench", tmp_path / "nope.txt", "--systems", "fastw2v")
    assert_clean_error(code, err, "corpus not found")


def test_bench_end_to_end_on_the_tiny_corpus(capsys, tmp_path):
    out = tmp_path / "results"
    code, stdout, _ = run(capsys, "bench", TINY, "--systems", "fastw2v", "--repeats", "1",
                          "--epochs", "1", "--threads", "1,2", "--no-plot", "--out", out)
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["results.json", "results.md"]
    results = json.loads((out / "results.json").read_text())
    assert set(results) == {"settings", "corpus", "repeats", "machine", "date", "rows"}
    assert [(r["system"], r["threads"]) for r in results["rows"]] == [("fastw2v", 1),
                                                                     ("fastw2v", 2)]
    for row in results["rows"]:
        assert row["peak_rss_mb"] > 0 and row["raw_words_per_sec"] > 0 and row["vocab_size"] > 0
    assert "| fastw2v | 2 |" in (out / "results.md").read_text()
    assert "wrote" in stdout


def test_hierarchical_softmax_systems_train_hs_alone(capsys, tmp_path, monkeypatch):
    """fastw2v-hs and gensim-hs train hs=1, negative=0 with otherwise the same settings."""
    seen = {}
    from fastw2v.training import api as training_api
    real = training_api.train_with_config

    def spy(corpus, config, **kwargs):
        seen["config"] = config
        return real(corpus, config, **kwargs)

    monkeypatch.setattr(training_api, "train_with_config", spy)
    settings = dict(suite.STANDARD, epochs=1, min_count=1)
    row = suite.run_one("fastw2v-hs", TINY, None, settings, 1, n_raw_tokens=1268)
    assert row["system"] == "fastw2v-hs" and row["vocab_size"] == 37
    assert seen["config"].hs and seen["config"].negative == 0 and seen["config"].dim == 100
    assert suite.hs_settings(settings) == dict(settings, hs=True, negative=0)
    pytest.importorskip("gensim")  # the bench extra
    plain = tmp_path / "plain.txt"
    suite.write_chunked_text(TINY, plain)
    row = suite.run_one("gensim-hs", TINY, plain, settings, 1, n_raw_tokens=1268)
    assert row["system"] == "gensim-hs" and row["vocab_size"] == 37


FAKE_PEER = """#!/bin/sh
# A stand-in for a peer's binary: records its arguments, writes a 2-word vector file where the
# real one writes its output (pWord2Vec: -output FILE, binary; fastText: -output PREFIX.vec).
echo "$@" > "{log}"
out=""
prev=""
for a in "$@"; do
    if [ "$prev" = "-output" ]; then out="$a"; fi
    prev="$a"
done
case "$0" in
    *fasttext) printf '2 2\\nthe 0.5 0.25\\ncat 0.125 1\\n' > "$out.vec" ;;
    *) printf '2 2\\nthe 0.5 0.25\\ncat 0.125 1\\n' > "$out.txt"; mv "$out.txt" "$out" ;;
esac
"""


@pytest.mark.parametrize("system, exe, expected", [
    ("pword2vec", "pWord2Vec", "-size 7 -window 3 -negative 4 -sample 0.001 -threads 2 -binary 1 "
                               "-iter 2 -min-count 1 -alpha 0.025"),
    ("fasttext", "fasttext", "-dim 7 -ws 3 -neg 4 -t 0.001 -minCount 1 -epoch 2 -thread 2 "
                             "-lr 0.05 -minn 0 -maxn 0"),
])
def test_the_peer_systems_run_their_binaries_from_path(tmp_path, monkeypatch, system, exe,
                                                       expected):
    """pWord2Vec and fastText are run from PATH with the same settings as every system (fastText
    without subwords); their vectors are read back and evaluated."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "args.txt"
    script = bindir / exe
    script.write_text(FAKE_PEER.replace("{log}", str(log)))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat\n")
    settings = dict(suite.STANDARD, dim=7, window=3, negative=4, sample=1e-3, min_count=1,
                    epochs=2, sg=system == "pword2vec")
    row = suite.run_one(system, corpus, corpus, settings, threads=2, n_raw_tokens=2)
    assert row["vocab_size"] == 2 and row["system"] == system
    args = log.read_text()
    assert expected in args and str(corpus) in args
    assert args.startswith("-train" if system == "pword2vec" else "cbow -input")


def test_a_missing_peer_binary_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no `pWord2Vec` binary on PATH"):
        suite.run_pword2vec(tmp_path / "c.txt", dict(suite.STANDARD), 1)
    with pytest.raises(ValueError, match="pWord2Vec trains skip-gram with negative sampling only"):
        suite.run_pword2vec(tmp_path / "c.txt", dict(suite.STANDARD, sg=False), 1)
