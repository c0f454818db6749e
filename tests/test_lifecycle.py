"""No lost runs: the checkpoint lifecycle of ``fastw2v train`` under real signals and kills.

Every test runs the real command. ``tests/killpoint.py`` runs it in a child process and sends it
SIGTERM, SIGHUP, SIGINT or SIGKILL at an exact point (while the corpus is prepared, at an epoch's
end, while a checkpoint is written, between a new checkpoint's rename and the switch of its
manifest, while OUT is written). Each interrupted run is then resumed and must end with an OUT
byte-identical to a run that was never interrupted (one worker, fixed seed), with no checkpoint
and no temporary file left behind.
"""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import fastw2v
from cli_helpers import assert_clean_error, run
from fastw2v.cli import main as cli
from fastw2v.training import api
from fastw2v.training.checkpoint import CheckpointDir, load_checkpoint

KILLPOINT = Path(__file__).with_name("killpoint.py")
SETTINGS = ["--dim", "16", "--window", "3", "--negative", "3", "--sample", "1e-3",
            "--min-count", "1", "--epochs", "3", "--workers", "1", "--seed", "3",
            "--no-progress"]
OLD = "previous result\n"


def write_corpus(p: Path, seed: int = 0, shuffle: bool = False) -> Path:
    """~150k tokens of 400 words in 30 long lines (several blocks per epoch)."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(400)])
    ids = rng.zipf(1.3, (30, 5000)) % 400
    if shuffle:  # the same words, as often, and the same length: another text
        ids = rng.permutation(ids.ravel()).reshape(ids.shape)
    p.write_text("".join(" ".join(words[row]) + "\n" for row in ids))
    return p


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("life") / "corpus.txt")


@pytest.fixture(scope="module")
def expected(corpus, tmp_path_factory) -> bytes:
    """OUT of a run that was never interrupted."""
    out = tmp_path_factory.mktemp("expected") / "vec.txt"
    assert cli.main(["train", str(corpus), "-o", str(out), *SETTINGS, "-q"]) == 0
    return out.read_bytes()


def killed(point: str, signals: str, n: int, *argv) -> subprocess.CompletedProcess:
    """``fastw2v ARGV`` in a child process that gets ``signals`` at ``point`` (killpoint.py)."""
    return subprocess.run([sys.executable, str(KILLPOINT), point, signals, str(n), "--",
                           *map(str, argv)], capture_output=True, text=True, timeout=300)


def temporaries(*dirs: Path) -> list:
    """fastw2v temporary files or directories in ``dirs``."""
    return [p for d in dirs if d.is_dir() for p in d.iterdir() if ".fastw2v-" in p.name]


def hint_of(err: str) -> list:
    """The arguments of the printed "resume with:" command (after ``fastw2v``)."""
    lines = [ln for ln in err.splitlines() if ln.startswith("fastw2v: resume with: ")]
    assert len(lines) == 1, err
    argv = shlex.split(lines[0][len("fastw2v: resume with: "):])
    assert argv[0] == "fastw2v"
    return argv[1:]


def cache_dir() -> Path:
    return Path(os.environ["FASTW2V_CACHE"])


# ------------------------------------------------------------------------------------------- #
# signals and kills at every step
# ------------------------------------------------------------------------------------------- #
#: (point, signals, passage, what must have happened). Checkpoints are written at the end of each
#: of the 3 epochs: checkpoint k is ``_save_npy`` passages 2k-1 (syn0) and 2k (syn1).
CASES = [
    ("epoch", "TERM", 1, "saved 1"),            # SIGTERM in training: checkpoint, exit 143
    ("epoch", "HUP", 2, "saved 2"),             # a closed terminal: the same, exit 129
    ("checkpoint", "TERM", 3, "saved 2"),       # a signal while checkpoint 2 is written: it completes
    ("checkpoint", "INT,INT", 3, "abandoned 1"),  # a second one abandons it; checkpoint 1 stays
    ("checkpoint", "KILL", 3, "killed 1"),      # kill -9 while writing: checkpoint 1 stays
    ("switch", "KILL", 2, "killed 1"),          # kill -9 after the rename, before the switch
    ("cleanup", "KILL", 2, "killed 2"),         # kill -9 after the switch, before the cleanup
    ("output", "TERM", 1, "output 3"),          # SIGTERM while OUT is written: checkpoint kept
    ("output", "KILL", 1, "killed 3"),          # kill -9 while OUT is written
]


@pytest.mark.parametrize("point,signals,n,outcome", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_interrupted_run_resumes_to_the_same_output(corpus, expected, tmp_path, capsys, point,
                                                    signals, n, outcome):
    out = tmp_path / "vec.txt"
    out.write_text(OLD)
    ck = tmp_path / "vec.txt.checkpoint"
    argv = ["train", corpus, "-o", out, *SETTINGS]
    proc = killed(point, signals, n, *argv)
    what, epoch = outcome.split()
    first = getattr(signal, "SIG" + signals.split(",")[0])
    assert "Traceback" not in proc.stderr
    assert out.read_text() == OLD  # OUT is never touched by an interrupted run
    assert load_checkpoint(ck).meta["epoch"] == int(epoch)  # the checkpoint is complete
    if what == "killed":
        assert proc.returncode == -signal.SIGKILL
        if point in ("checkpoint", "output"):
            assert temporaries(ck, tmp_path), "the kill should have left a temporary file"
        resume = [*map(str, argv), "--resume", str(ck)]
    else:
        assert proc.returncode == 128 + first, proc.stderr
        assert f"interrupted by {signal.Signals(first).name}" in proc.stderr
        assert not temporaries(ck, tmp_path, cache_dir())
        if what == "saved":
            assert f"checkpoint written to {ck}" in proc.stderr
        elif what == "abandoned":
            assert "abandoned" in proc.stderr and "previous checkpoint" in proc.stderr
            assert "intact" in proc.stderr
        else:
            assert f"while writing {out}; it was not written" in proc.stderr
            assert "all 3 epochs done" in proc.stderr
        resume = hint_of(proc.stderr)
    if point == "switch":  # a complete version the manifest never switched to
        assert (ck / "v000002").is_dir()
    code, stdout, err = run(capsys, *resume, "-q")
    assert code == 0, err
    assert out.read_bytes() == expected
    assert not ck.exists()
    assert not temporaries(tmp_path, cache_dir())


def test_kill_while_preparing_the_corpus_is_cleaned_up_by_the_next_run(corpus, expected,
                                                                       tmp_path, capsys):
    cache = tmp_path / "cache"
    out = tmp_path / "vec.txt"
    argv = ["train", corpus, "-o", out, *SETTINGS, "--cache-dir", cache]
    proc = killed("prepare", "TERM", 1, *argv)
    assert proc.returncode == 143 and "before the first checkpoint" in proc.stderr
    assert not temporaries(cache) and not (tmp_path / "vec.txt.checkpoint").exists()
    proc = killed("prepare", "KILL", 1, *argv)
    assert proc.returncode == -signal.SIGKILL
    assert temporaries(cache), "kill -9 leaves the half-built token stream"
    code, _, err = run(capsys, *argv, "-q")  # a fresh run: no checkpoint to refuse
    assert code == 0, err
    assert out.read_bytes() == expected
    assert not temporaries(cache, tmp_path) and not (tmp_path / "vec.txt.checkpoint").exists()


def test_kill_while_writing_a_checkpoint_is_cleaned_up_by_the_next_run(corpus, tmp_path):
    out = tmp_path / "vec.txt"
    ck = tmp_path / "vec.txt.checkpoint"
    argv = ["train", corpus, "-o", out, *SETTINGS]
    assert killed("checkpoint", "KILL", 3, *argv).returncode == -signal.SIGKILL
    assert temporaries(ck)
    # the resumed run stops again at its first epoch's end (epoch 2): by then it has cleaned up
    proc = killed("epoch", "TERM", 1, *argv, "--resume", ck)
    assert proc.returncode == 143, proc.stderr
    assert not temporaries(ck)
    assert sorted(p.name for p in ck.iterdir()) == [".fastw2v.lock", "checkpoint.json",
                                                    "v000002"]
    assert load_checkpoint(ck).meta["epoch"] == 2


def test_sigterm_from_outside_during_training(tmp_path, capsys):
    """A real, asynchronous SIGTERM (as ``timeout`` or ``docker stop`` send it)."""
    small = tmp_path / "small.txt"
    small.write_text(" ".join(f"w{i % 97}" for i in range(8_000)) + "\n")
    out = tmp_path / "vec.bin"
    ck = tmp_path / "vec.bin.checkpoint"
    argv = ["train", str(small), "-o", str(out), *SETTINGS, "--epochs", "40",
            "--checkpoint-every", "0.001", "-q"]
    proc = subprocess.Popen([sys.executable, "-m", "fastw2v", *argv], stderr=subprocess.PIPE,
                            text=True)
    try:
        for _ in range(600):  # until the first checkpoint exists (at most a minute)
            if (ck / "checkpoint.json").exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 143, err
    assert "interrupted by SIGTERM; checkpoint written to" in err and "Traceback" not in err
    assert load_checkpoint(ck).meta["epoch"] < 40
    code, _, err = run(capsys, *hint_of(err), "--epochs", "40")
    assert code == 0, err
    assert len(fastw2v.Embeddings.load_word2vec_format(out)) == 97 and not ck.exists()


# ------------------------------------------------------------------------------------------- #
# a forgotten --resume, the checkpoint location, two runs at once
# ------------------------------------------------------------------------------------------- #
@pytest.fixture
def interrupted(corpus, tmp_path):
    """An interrupted CLI run: (its arguments, OUT, the checkpoint)."""
    out = tmp_path / "vec.txt"
    out.write_text(OLD)
    argv = ["train", corpus, "-o", out, *SETTINGS]
    assert killed("epoch", "TERM", 1, *argv).returncode == 143
    return argv, out, tmp_path / "vec.txt.checkpoint"


def test_a_fresh_run_refuses_an_interrupted_runs_checkpoint(interrupted, expected, capsys,
                                                            corpus, tmp_path):
    argv, out, ck = interrupted
    before = sorted((p.name, p.stat().st_mtime_ns) for p in ck.rglob("*"))
    code, _, err = run(capsys, *argv)
    assert_clean_error(code, err, str(ck), "interrupted run", f"--resume {ck}",
                       "--overwrite-checkpoint", "1 of 3 epochs done")
    assert sorted((p.name, p.stat().st_mtime_ns) for p in ck.rglob("*")) == before
    assert out.read_text() == OLD
    with pytest.raises(FileExistsError, match="overwrite_checkpoint=True"):
        fastw2v.train(corpus, checkpoint=ck, epochs=1, progress=False)
    code, _, err = run(capsys, *argv, "--overwrite-checkpoint", "-q")
    assert code == 0, err
    assert out.read_bytes() == expected and not ck.exists()


def test_resume_rejects_conflicting_options_by_name_and_accepts_equal_ones(interrupted,
                                                                          expected, capsys):
    argv, out, ck = interrupted
    code, _, err = run(capsys, *argv, "--resume", ck, "--window", "5", "--cbow", "--epochs", "3")
    assert_clean_error(code, err, "--window 5", "--window 3", "--cbow", "leave them out")
    assert "--epochs" not in err.split("differ")[1]  # equal values are no conflict
    with pytest.raises(api.ResumeConflict, match=r"dim=100 \(the checkpoint has dim=16\)"):
        fastw2v.train(argv[1], resume=ck, dim=100, epochs=3, progress=False)
    assert load_checkpoint(ck).meta["epoch"] == 1  # nothing was changed
    code, _, err = run(capsys, *argv, "--resume", ck, "-q")  # the same values: fine
    assert code == 0, err
    assert out.read_bytes() == expected


def test_resume_rejects_a_shuffled_corpus(interrupted, tmp_path, capsys):
    argv, out, ck = interrupted
    shuffled = write_corpus(tmp_path / "shuffled.txt", shuffle=True)
    code, _, err = run(capsys, "train", shuffled, "-o", out, "--resume", ck)
    assert_clean_error(code, err, "not the corpus", str(ck), "different text")
    assert out.read_text() == OLD and load_checkpoint(ck).meta["epoch"] == 1


@pytest.fixture
def no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("training started")
    monkeypatch.setattr(api, "train_with_config", refuse)


@pytest.mark.parametrize("where", ["missing parent", "under a file", "a file", "not ours"])
def test_a_bad_checkpoint_location_fails_before_training(corpus, tmp_path, capsys, no_training,
                                                         where):
    (tmp_path / "file").write_text("x")
    ck = {"missing parent": tmp_path / "no" / "ck", "under a file": tmp_path / "file" / "ck",
          "a file": tmp_path / "file", "not ours": tmp_path}[where]
    code, _, err = run(capsys, "train", corpus, "-o", tmp_path / "v.txt", "--checkpoint", ck)
    assert_clean_error(code, err, str(ck.parent if "parent" in where or "under" in where else ck))
    assert (tmp_path / "file").read_text() == "x"


def test_resume_needs_an_existing_checkpoint_and_no_overwrite(corpus, tmp_path, capsys,
                                                              no_training):
    out = tmp_path / "v.txt"
    code, _, err = run(capsys, "train", corpus, "-o", out, "--resume", tmp_path / "nothing")
    assert_clean_error(code, err, "checkpoint not found", str(tmp_path / "nothing"))
    assert not (tmp_path / "nothing").exists()
    (tmp_path / "ck").mkdir()
    code, _, err = run(capsys, "train", corpus, "-o", out, "--resume", tmp_path / "ck",
                       "--overwrite-checkpoint")
    assert_clean_error(code, err, "--overwrite-checkpoint", "--resume")


def test_the_api_resumes_only_from_an_existing_checkpoint(corpus, tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        fastw2v.train(corpus, resume=tmp_path / "nothing", checkpoint=tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()


def test_a_read_only_checkpoint_location_fails_before_training(corpus, tmp_path, capsys,
                                                               no_training):
    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here (needs root)")
    try:
        code, _, err = run(capsys, "train", corpus, "-o", tmp_path / "v.txt", "--checkpoint",
                           ro / "ck")
        assert_clean_error(code, err, str(ro / "ck"), "not writable")
    finally:
        subprocess.run(["umount", str(ro)], check=True)


def test_two_runs_never_write_one_checkpoint(corpus, tmp_path, capsys):
    ck = tmp_path / "vec.txt.checkpoint"
    holder = CheckpointDir(ck).open()
    try:
        code, _, err = run(capsys, "train", corpus, "-o", tmp_path / "vec.txt", *SETTINGS)
        assert_clean_error(code, err, str(ck), "in use by another fastw2v run",
                           f"PID {os.getpid()}")
    finally:
        holder.close()
    assert not ck.exists()  # the run that created it and wrote nothing removes it again


# ------------------------------------------------------------------------------------------- #
# the resume hint reproduces the run
# ------------------------------------------------------------------------------------------- #
def test_the_resume_hint_reproduces_the_run(corpus, tmp_path, capsys):
    d = tmp_path / "a dir with spaces"
    d.mkdir()
    src = d / "my corpus.txt"
    src.write_bytes(corpus.read_bytes())
    out = d / "model 'x'"
    cache = d / "the cache"
    argv = ["train", src, "-o", out, "--format", "native", "--cache-dir", cache, *SETTINGS,
            "--no-eval-loss", "-q"]
    ref_code, _, err = run(capsys, "train", src, "-o", tmp_path / "ref", "--format", "native",
                           *SETTINGS, "-q")
    assert ref_code == 0, err
    proc = killed("epoch", "TERM", 2, *argv)
    assert proc.returncode == 143, proc.stderr
    hint = hint_of(proc.stderr)
    for piece in ("--format", "native", "--cache-dir", str(cache), "--no-eval-loss", str(out)):
        assert piece in hint
    assert list(cache.iterdir())  # the run used the cache it was given
    code, _, err = run(capsys, *hint)
    assert code == 0, err
    emb = fastw2v.Embeddings.load(out)
    ref = fastw2v.Embeddings.load(tmp_path / "ref")
    np.testing.assert_array_equal(emb.vectors, ref.vectors)
    assert all(np.isnan(e["eval_loss"]) for e in emb.stats["epochs"])
