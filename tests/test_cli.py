"""The fastw2v command line: option parsing, word2vec.c spellings, errors and exit codes, output.

Most tests call ``fastw2v.cli.main.main([...])`` in-process and read stdout/stderr with capsys; one
runs ``python -m fastw2v`` as a real process. Bad input of every kind (corpus, parameters, output,
model files, usage errors) is tests/test_bad_input.py's table.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import fastw2v
from fastw2v.training import api as api
from fastw2v.cli import main as cli
from fastw2v.cli.train import config_from_args
from fastw2v.config import TrainConfig
from cli_helpers import assert_clean_error, run

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "data" / "fixtures" / "tiny.txt"
#: Small and fast; the tiny corpus has 37 distinct words, each occurring at least 10 times.
BASE = ["--dim", "8", "--epochs", "1", "--workers", "1", "--no-progress"]
FAST = BASE + ["--min-count", "1"]




@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if training starts (the CLI must reject the input before that)."""
    def refuse(*args, **kwargs):
        raise AssertionError("training started")
    monkeypatch.setattr(api, "train_with_config", refuse)


# ------------------------------------------------------------------------------------------- #
# successful runs
# ------------------------------------------------------------------------------------------- #
def test_train_writes_a_loadable_text_file(tmp_path, capsys):
    out = tmp_path / "vec.txt"
    code, stdout, err = run(capsys, "train", TINY, "-o", out, *FAST, "--seed", 7)
    assert code == 0, err
    emb = fastw2v.Embeddings.load_word2vec_format(out)
    assert emb.dim == 8 and "king" in emb and len(emb) == 37
    assert not out.read_bytes().startswith(b"\x00")
    # The result on stdout; the run is summarised once, in the log on stderr.
    assert stdout == f"wrote {out} (word2vec text: 37 words x 8 dimensions)\n"
    assert sum("fastw2v: trained 37 vectors in " in line for line in err.splitlines()) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["vec.txt"]  # no temporary files left


def test_word2vec_c_spelling_trains_cbow_binary(tmp_path, capsys):
    out = tmp_path / "vec.bin"
    code, stdout, err = run(capsys, "train", "-train", TINY, "-output", out, "-cbow", 1,
                            "-size", 8, "-iter", 1, "-threads", 1, "-min-count", 1,
                            "-binary", 1, "-q", "--no-progress")
    assert code == 0, err
    assert err == ""  # -q: no INFO log
    emb = fastw2v.Embeddings.load_word2vec_format(out, binary=True)
    assert emb.dim == 8 and len(emb) == 37
    assert "word2vec binary" in stdout


def test_native_format_writes_a_model_directory(tmp_path, capsys):
    out = tmp_path / "model"
    code, stdout, err = run(capsys, "train", TINY, "-o", out, "--format", "native", *FAST)
    assert code == 0, err
    emb = fastw2v.Embeddings.load(out)
    assert emb.config.dim == 8 and emb.config.epochs == 1 and emb.config.sg is True
    assert "native directory" in stdout


@pytest.mark.parametrize("name, flags, binary", [
    ("v.bin", [], True),
    ("v.BIN", [], True),
    ("v.txt", [], False),
    ("v.vec", [], False),
    ("v.bin", ["--no-binary"], False),
    ("v.bin", ["-binary", "0"], False),
    ("v.txt", ["--binary"], True),
    ("v.txt", ["-binary", "1"], True),
])
def test_binary_follows_suffix_unless_overridden(tmp_path, capsys, monkeypatch, name, flags,
                                                 binary):
    seen = {}

    class Fake:
        stats = {"raw_words_per_sec": 1234.0}
        dim = 4

        def __len__(self):
            return 3

        def save_word2vec_format(self, path, binary):
            seen["binary"] = binary

    monkeypatch.setattr(api, "train_with_config", lambda *a, **k: Fake())
    code, stdout, err = run(capsys, "train", TINY, "-o", tmp_path / name, *flags)
    assert code == 0, err
    assert seen["binary"] is binary
    assert stdout == f"wrote {tmp_path / name} (word2vec {'binary' if binary else 'text'}: 3 words x 4 " \
        "dimensions)\n"


# ------------------------------------------------------------------------------------------- #
# option parsing -> TrainConfig
# ------------------------------------------------------------------------------------------- #
def config_of(*argv) -> TrainConfig:
    args = cli.build_parser().parse_args(["train", "c.txt", "-o", "o.bin", *map(str, argv)])
    return config_from_args(args)


def test_word2vec_c_flags_give_the_same_config_as_long_options():
    w2v = config_of("-cbow", 0, "-size", 200, "-window", 7, "-negative", 3, "-sample", "1e-4",
                    "-threads", 2, "-iter", 4, "-alpha", 0.03, "-min-count", 2)
    long = config_of("--dim", 200, "--window", 7, "--negative", 3, "--sample", "1e-4",
                     "--workers", 2, "--epochs", 4, "--alpha", 0.03, "--min-count", 2)
    assert w2v == long
    assert w2v == TrainConfig(dim=200, window=7, negative=3, sample=1e-4, workers=2, epochs=4,
                              alpha=0.03, min_count=2, sg=True)
    assert config_of("-cbow", 1) == config_of("--cbow") == TrainConfig(sg=False)


def test_every_config_field_has_an_option():
    cfg = config_of("--dim", 9, "--window", 2, "--negative", 4, "--sample", 0, "--min-count", 3,
                    "--max-vocab-size", 1000, "--epochs", 2, "--alpha", 0.05, "--min-alpha", 0.001,
                    "--cbow", "--ns-exponent", 0.5, "--workers", 3, "--seed", 11,
                    "--no-shared-negatives")
    assert cfg == TrainConfig(dim=9, window=2, negative=4, sample=0.0, min_count=3,
                              max_vocab_size=1000, epochs=2, alpha=0.05, min_alpha=0.001,
                              sg=False, ns_exponent=0.5, workers=3, seed=11,
                              shared_negatives=False)
    assert config_of("--shared-negatives") == TrainConfig(shared_negatives=True)


def test_defaults_are_the_library_defaults():
    assert config_of() == TrainConfig()


def test_corpus_and_output_spellings_are_equivalent():
    p = cli.build_parser()
    a = p.parse_args(["train", "c.txt", "-o", "o.bin"])
    b = p.parse_args(["train", "-train", "c.txt", "-output", "o.bin"])
    c = p.parse_args(["train", "c.txt", "--output", "o.bin"])
    assert a.output == b.output == c.output == "o.bin"
    assert (a.corpus, b.train_file) == ("c.txt", "c.txt")


def test_help_documents_every_option_with_its_default(capsys):
    code, out, _ = run(capsys, "train", "--help")
    assert code == 0
    for option in ("--dim", "--window", "--negative", "--sample", "--min-count",
                   "--max-vocab-size", "--epochs", "--alpha", "--min-alpha", "--cbow",
                   "--ns-exponent", "--workers", "--seed", "--binary", "--format", "--cache-dir",
                   "--no-progress", "--corpus-path", "--quiet", "--shared-negatives",
                   "--no-shared-negatives", "-size", "-iter", "-threads",
                   "-cbow", "-binary", "-train", "-output"):
        assert option in out, option
    flat = " ".join(out.split())  # argparse wraps lines anywhere
    defaults = TrainConfig()
    for text in (f"(default: {defaults.dim})", f"(default: {defaults.sample:g})",
                 f"(default: {defaults.alpha} for skip-gram, "
                 f"{TrainConfig(sg=False).alpha} for CBOW", f"(default: {defaults.min_alpha})",
                 f"(default: {defaults.seed})", f"(default: {defaults.ns_exponent})",
                 "(default: skip-gram)", "(default: all cores", "(default: no limit)",
                 "(default: word2vec)", "ends in .bin"):
        assert text in flat, text


# ------------------------------------------------------------------------------------------- #
# errors particular to training (the table of bad inputs, usage errors and exit codes is
# tests/test_bad_input.py)
# ------------------------------------------------------------------------------------------- #
def test_native_output_over_a_foreign_file_fails_before_training(tmp_path, capsys, no_training):
    out = tmp_path / "model"
    out.write_text("not a model")
    code, _, err = run(capsys, "train", TINY, "-o", out, "--format", "native")
    assert_clean_error(code, err, "refusing to replace")
    assert out.read_text() == "not a model"


def test_keyboard_interrupt_exits_130(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(api, "train_with_config", interrupted)
    out = tmp_path / "vec.bin"
    code, _, err = run(capsys, "train", TINY, "-o", out)
    assert code == 130
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists()


def test_diverged_training_is_a_clean_error(tmp_path, capsys, monkeypatch):
    from fastw2v.training.trainer import TrainingDiverged

    def diverge(*args, **kwargs):
        raise TrainingDiverged("weights became NaN in epoch 1 ({option} is probably too large)",
                               option=("alpha", 0.5))
    monkeypatch.setattr(api, "train_with_config", diverge)
    code, _, err = run(capsys, "train", TINY, "-o", tmp_path / "v.bin")
    assert_clean_error(code, err, "(--alpha 0.5 is probably too large)")


def test_error_hints_use_the_options_of_the_command(tmp_path, capsys):
    """The library's hint names the Python argument; the command line names its own option."""
    import numpy as np
    path = tmp_path / "v.bin"
    path.write_bytes(b"1 2\nab\xff " + np.ones(2, "<f4").tobytes() + b"\n")
    code, _, err = run(capsys, "probe", path)
    assert_clean_error(code, err, "not valid UTF-8", "pass --unicode-errors replace to accept it")
    assert "unicode_errors=" not in err
    code, out, err = run(capsys, "probe", path, "--unicode-errors", "replace")
    assert code == 0, err


def test_fastw2v_alone_lists_the_commands_one_line_each(capsys):
    code, out, err = run(capsys)
    assert code == 2 and out == ""
    lines = err.splitlines()
    start = lines.index("commands:") + 1
    listed = lines[start:start + len(cli._subparsers(cli.build_parser()).choices)]
    names = [line.split()[0] for line in listed]
    assert names[:4] == ["train", "phrases", "download", "bench"] and "plot-training" in names
    assert all(len(line.split(None, 1)) == 2 for line in listed)  # a name, then what it does
    assert lines[-1] == "fastw2v: error: a command is required"


# ------------------------------------------------------------------------------------------- #
# named corpora and the download command (no network)
# ------------------------------------------------------------------------------------------- #
@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No network, no FASTW2V_TEXT8, no shared stand-in, a cwd without ./text8."""
    def no_network(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable (test)")
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.delenv("FASTW2V_TEXT8", raising=False)
    empty = tmp_path / "no-shared-data"
    empty.mkdir()
    monkeypatch.setenv("FASTW2V_DATA", str(empty))
    monkeypatch.setenv("FASTW2V_CACHE", str(tmp_path / "cache"))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_train_text8_offline_is_a_clear_error(offline, capsys, no_training):
    code, _, err = run(capsys, "train", "text8", "-o", offline / "v.bin")
    assert_clean_error(code, err, "could not download text8 from http://mattmahoney.net",
                       "--corpus-path", "FASTW2V_TEXT8", exit_code=1)
    assert list(offline.iterdir()) == []


def test_train_text8_with_corpus_path(offline, capsys, monkeypatch):
    seen = {}

    def fake_train(corpus, config, **kwargs):
        seen["corpus"] = corpus
        raise KeyboardInterrupt  # enough: we only check which file would be trained on
    monkeypatch.setattr(api, "train_with_config", fake_train)
    assert run(capsys, "train", "text8", "--corpus-path", TINY, "-o", "v.bin")[0] == 130
    assert seen["corpus"] == TINY
    monkeypatch.setenv("FASTW2V_TEXT8", str(TINY))
    assert run(capsys, "train", "text8", "-o", "v.bin")[0] == 130
    assert seen["corpus"] == TINY


def test_download_prints_the_path(offline, capsys, monkeypatch, tmp_path):
    import dataclasses
    import zipfile

    from fastw2v.corpus import datasets as datasets

    content = b"some words for a fake corpus " * 20
    archive = tmp_path / "fake8.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fake8", content)
    spec = dataclasses.replace(datasets.DATASETS["text8"], name="fake8", member="fake8",
                               url=archive.as_uri(), size=len(content), zip_size=None,
                               sha256=hashlib.sha256(content).hexdigest())
    monkeypatch.setitem(datasets.DATASETS, "fake8", spec)
    monkeypatch.setattr(urllib.request, "urlopen", urllib.request.build_opener().open)
    dest = tmp_path / "dest"
    code, out, err = run(capsys, "download", "fake8", "--dest", dest)
    assert code == 0, err
    assert out.strip() == str(dest / "fake8")
    assert (dest / "fake8").read_bytes() == content


def test_download_offline(offline, capsys):
    code, out, err = run(capsys, "download", "text8")
    assert_clean_error(code, err, "could not download text8", exit_code=1)
    assert out == ""


# ------------------------------------------------------------------------------------------- #
# real processes
# ------------------------------------------------------------------------------------------- #
def _python_m(*argv, cwd, env=None):
    env = dict(os.environ, **(env or {}))
    package_root = str(Path(fastw2v.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "fastw2v", *map(str, argv)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_python_m_fastw2v_help(tmp_path):
    proc = _python_m("--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "train" in proc.stdout and "download" in proc.stdout


def test_one_worker_fixed_seed_gives_byte_identical_files_across_processes(tmp_path):
    """Two processes (with different hash seeds, each preparing the corpus afresh) train with one
    worker and seed 7 and write byte-identical vector files; seed 8 writes another file."""
    files = []
    for run_no, (seed, hash_seed) in enumerate([(7, "1"), (7, "2"), (8, "1")]):
        out = tmp_path / f"vec{run_no}.bin"
        proc = _python_m("train", TINY, "-o", out, *FAST, "--epochs", 2, "--seed", seed,
                         "--cache-dir", tmp_path / f"cache{run_no}", "-q", cwd=tmp_path,
                         env={"PYTHONHASHSEED": hash_seed})
        assert proc.returncode == 0, proc.stderr
        files.append(out.read_bytes())
    assert files[0].startswith(b"37 8\n")
    assert files[0] == files[1]
    assert files[0] != files[2]
