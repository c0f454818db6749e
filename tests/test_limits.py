"""Honest messages at the edges: full disks, pipes, long words, magic bytes, NaN vectors,
truncated dumps, worker processes, and the evaluation loss's bounded memory.

The full-disk tests write to a 1 MiB tmpfs (root can mount one; they skip cleanly where it
cannot) and, everywhere, through a monkeypatched writer that raises ENOSPC.
"""
from __future__ import annotations

import bz2
import errno
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import fastw2v
import fastw2v.cli.main
import fastw2v.training.trainer
from cli_helpers import assert_clean_error, run
from fastw2v.base import atomic
from fastw2v.base.atomic import WriteError, atomic_write, translate_write_error
from fastw2v.bench.child import run_in_child
from fastw2v.training import evalloss
from test_lifecycle import SETTINGS, hint_of, killed, temporaries, write_corpus
from test_wikidump import TRICKY, _synthetic_dump

#: Functions run in child processes (which cannot import the test helpers).
CHILDREN = Path(__file__).with_name("memory_children.py")
#: Allowed growth of the resident memory while the evaluation loss is built and scored, in MB:
#: the probe holds at most 2 MiB of ids; the old probe took 1.6 GB at dim 300, window 10.
PROBE_RSS_MB = 24


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("limits") / "corpus.txt")


# ------------------------------------------------------------------------------------------- #
# full disks
# ------------------------------------------------------------------------------------------- #
@pytest.fixture
def full_disk(tmp_path):
    """A 1 MiB tmpfs."""
    d = tmp_path / "small-disk"
    d.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(d)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield d
    subprocess.run(["umount", str(d)], check=True)


BIG = ["--dim", "300", "--window", "2", "--negative", "1", "--min-count", "1", "--epochs", "1",
       "--workers", "1", "--seed", "3", "--no-progress", "-q"]


def test_a_full_disk_while_writing_out_keeps_the_finished_training(corpus, full_disk, tmp_path,
                                                                    capsys):
    out = full_disk / "vec.txt"  # 400 words x 300 values as text: ~1.4 MB
    ck = tmp_path / "ck"
    code, _, err = run(capsys, "train", corpus, "-o", out, "--checkpoint", ck, *BIG)
    assert_clean_error(code, err, f"no space left on device writing {out}", exit_code=1)
    assert list(full_disk.iterdir()) == []  # no partial OUT, no temporary file
    assert (ck / "checkpoint.json").is_file()  # the run is not lost
    subprocess.run(["mount", "-o", "remount,size=8m", str(full_disk)], check=True)
    code, _, err = run(capsys, *hint_of(err))
    assert code == 0, err
    assert len(fastw2v.Embeddings.load_word2vec_format(out)) == 400 and not ck.exists()


def test_a_full_disk_for_checkpoints_warns_and_training_goes_on(corpus, full_disk, tmp_path,
                                                                 capsys):
    out = tmp_path / "vec.bin"
    (full_disk / "filler").write_bytes(b"x" * 500_000)  # a checkpoint needs ~1 MB
    code, _, err = run(capsys, "train", corpus, "-o", out, "--checkpoint", full_disk / "ck",
                       *BIG)
    assert code == 0, err
    assert f"could not write a checkpoint (no space left on device writing {full_disk / 'ck'}" \
        in err
    assert out.is_file() and [p.name for p in full_disk.iterdir()] == ["filler"]


def test_a_full_disk_for_the_cache_names_the_cache_file(corpus, full_disk, tmp_path, capsys):
    (full_disk / "filler").write_bytes(b"x" * 700_000)  # the stream needs 600 kB
    code, _, err = run(capsys, "train", corpus, "-o", tmp_path / "v.bin", "--cache-dir",
                       full_disk, *BIG)
    assert_clean_error(code, err, f"no space left on device writing {full_disk}",
                       ".tokens.i32", exit_code=1)
    assert [p.name for p in full_disk.iterdir()] == ["filler"]


def test_enospc_anywhere_in_a_write_names_the_destination(tmp_path, monkeypatch, caplog):
    target = tmp_path / "out.txt"
    with pytest.raises(WriteError, match=f"^no space left on device writing {target}$"):
        with atomic_write(target, "w") as fh:
            fh.write("partial")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []
    numpy_short_write = OSError("1529808 requested and 394208 written")
    assert str(translate_write_error(numpy_short_write, target)) == \
        f"no space left on device writing {target}"
    assert translate_write_error(OSError(errno.EACCES, "denied"), target) is None

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(atomic.PlainWriter, "write", full)  # every checkpoint write fails
    corpus = write_corpus(tmp_path / "c.txt")
    emb = fastw2v.train(corpus, checkpoint=tmp_path / "ck", dim=8, min_count=1, epochs=2,
                        workers=1, progress=False)
    assert len(emb) == 400
    assert caplog.text.count("no space left on device writing") == 2
    assert not (tmp_path / "ck").exists()

    class Stop:  # a signal, and the checkpoint it asks for cannot be written
        def on_epoch_end(self, epoch, stats):
            raise KeyboardInterrupt
    with pytest.raises(fastw2v.training.trainer.TrainingInterrupted) as info:
        fastw2v.train(corpus, checkpoint=tmp_path / "ck", dim=8, min_count=1, epochs=2,
                      workers=1, progress=False, callbacks=[Stop()])
    assert not info.value.saved and info.value.checkpoint is None
    assert "could not write the checkpoint (no space left on device writing" in str(info.value)
    assert "there is no earlier checkpoint" in str(info.value)


# ------------------------------------------------------------------------------------------- #
# what a corpus can be
# ------------------------------------------------------------------------------------------- #
def test_a_pipe_as_the_corpus_is_read_once_into_a_file(corpus, tmp_path, capsys):
    """``fastw2v train <(zcat corpus.gz)``: the corpus is /dev/fd/N, a pipe."""
    ref = tmp_path / "ref.txt"
    assert run(capsys, "train", corpus, "-o", ref, *SETTINGS, "-q")[0] == 0
    r, w = os.pipe()

    def feed():
        with os.fdopen(w, "wb") as fh:
            fh.write(corpus.read_bytes())
    writer = threading.Thread(target=feed)
    writer.start()
    try:
        out = tmp_path / "vec.txt"
        code, _, err = run(capsys, "train", f"/dev/fd/{r}", "-o", out, *SETTINGS)
    finally:
        writer.join()
        os.close(r)
    assert code == 0, err
    assert "not a regular file; copying it" in err
    assert out.read_bytes() == ref.read_bytes()
    assert not temporaries(Path(os.environ["FASTW2V_CACHE"]))


def test_a_word_longer_than_64_kib_that_fastw2v_wrote_reads_back(tmp_path, capsys):
    long = "x" * 70_000 + "é" * 20_000
    p = tmp_path / "c.txt"
    p.write_text((f"{long} short words here\n" * 5) + "short words\n" * 5, encoding="utf-8")
    for name in ("vec.bin", "vec.txt"):
        code, _, err = run(capsys, "train", p, "-o", tmp_path / name, "--dim", "4",
                           "--min-count", "1", "--epochs", "1", "--workers", "1", "-q")
        assert code == 0, err
        emb = fastw2v.Embeddings.load_word2vec_format(tmp_path / name)
        assert long in emb.words and emb.words[0] == long or emb.words.index(long) >= 0


def test_text_that_starts_like_bzip2_is_text(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("BZh and BZh91 are words too\n" * 20)
    emb = fastw2v.train(p, dim=4, min_count=1, epochs=1, workers=1, progress=False)
    assert "BZh" in emb.words and "BZh91" in emb.words


# ------------------------------------------------------------------------------------------- #
# evaluation with NaN vectors
# ------------------------------------------------------------------------------------------- #
def test_non_finite_vectors_are_named_and_left_out_of_the_evaluation(tmp_path, capsys):
    rng = np.random.default_rng(5)
    words = ["the", "king", "queen", "man", "woman", "boy", "girl", "prince", "princess", "he",
             "she", "son", "daughter"]
    vectors = rng.standard_normal((len(words), 8)).astype(np.float32)
    questions = tmp_path / "q.txt"
    questions.write_text(": family\nking queen man woman\nboy girl prince princess\n"
                         "he she son daughter\nking queen he she\n")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("king\tqueen\t8\nman\twoman\t7\nthe\tking\t1\nboy\tgirl\t6\n")
    clean = fastw2v.Embeddings(vectors[1:], words[1:])
    bad = vectors.copy()
    bad[0, 3] = np.nan  # the most frequent word
    p_bad, p_clean = tmp_path / "bad.txt", tmp_path / "clean.txt"
    fastw2v.Embeddings(bad, words).save_word2vec_format(p_bad)
    clean.save_word2vec_format(p_clean)
    results = []
    for path in (p_bad, p_clean):
        code, out, err = run(capsys, "eval", path, "--analogies", questions, "--pairs", pairs,
                             "--json")
        assert code == 0, err
        results.append((out, err))
    assert "1 word vector(s) hold NaN or infinite values" in results[0][1]
    assert "'the'" in results[0][1]
    a, b = (json.loads(out) for out, _ in results)
    for method in ("3cosadd", "3cosmul"):
        got, want = (r["analogies"][0]["methods"][method] for r in (a, b))
        assert {k: got[k] for k in ("accuracy", "correct", "seen", "skipped")} == \
            {k: want[k] for k in ("accuracy", "correct", "seen", "skipped")}
    got, want = a["pairs"][0], b["pairs"][0]
    assert {k: got[k] for k in ("spearman", "n_pairs", "n_oov")} == \
        {k: want[k] for k in ("spearman", "n_pairs", "n_oov")}


# ------------------------------------------------------------------------------------------- #
# Wikipedia dumps: truncation, worker processes
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("compress", [False, True], ids=["xml", "bz2"])
def test_a_dump_cut_at_a_page_boundary_is_a_truncated_dump(tmp_path, capsys, compress):
    text = TRICKY.read_bytes()
    cut = text[:text.rindex(b"</page>") + len(b"</page>\n")]
    assert b"</mediawiki>" not in cut
    dump = tmp_path / ("cut.xml.bz2" if compress else "cut.xml")
    dump.write_bytes(bz2.compress(cut) if compress else cut)
    out = tmp_path / "out.txt"
    code, _, err = run(capsys, "wiki", dump, "-o", out)
    assert_clean_error(code, err, str(dump), "truncated dump", "</mediawiki>")
    assert not out.exists()
    code, _, err = run(capsys, "train", dump, "-o", tmp_path / "v.bin", "--cache-dir",
                       tmp_path / "cache")
    assert_clean_error(code, err, "truncated dump")


def gone(pid: int) -> bool:
    """The process is gone (or a zombie: dead, waiting for its parent to read its status)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.parametrize("sig", ["TERM", "KILL"])
def test_the_wiki_command_leaves_no_worker_process_behind(tmp_path, monkeypatch, sig):
    xml = _synthetic_dump(300)
    dump = tmp_path / "d.xml.bz2"
    dump.write_bytes(b"".join(bz2.compress(xml[i:i + 200_000], 1)
                              for i in range(0, len(xml), 200_000)))
    pids = tmp_path / "pids"
    monkeypatch.setenv("KILLPOINT_PIDS", str(pids))
    proc = killed("wiki", sig, 1, "wiki", dump, "-o", tmp_path / "out.txt", "--processes", "2")
    assert proc.returncode == (143 if sig == "TERM" else -9), proc.stderr
    workers = [int(p) for p in pids.read_text().split()]
    assert workers, "the conversion had no worker process when it was stopped"
    for _ in range(100):  # the kernel kills orphans at once; allow it a moment
        if all(gone(p) for p in workers):
            break
        time.sleep(0.05)
    assert [p for p in workers if not gone(p)] == []
    assert not (tmp_path / "out.txt").exists()
    if sig == "TERM":
        assert "interrupted by SIGTERM" in proc.stderr and "Traceback" not in proc.stderr
        assert not temporaries(tmp_path)
    else:  # kill -9 leaves the partial output's temporary file: the next run removes it
        assert temporaries(tmp_path)
        assert fastw2v.cli.main.main(["wiki", str(dump), "-o", str(tmp_path / "out.txt"),
                                      "--processes", "1", "-q"]) == 0
        assert not temporaries(tmp_path)


# ------------------------------------------------------------------------------------------- #
# the evaluation loss: bounded memory, cost, and a switch
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("dim,window,negative,n_tokens,sg", [
    (300, 10, 5, 4_000_000, True),     # 1.6 GB before
    (50, 1000, 5, 1_000_000, True),    # the allowed maximum window: 16 GB before
    (10_000, 5, 5, 100_000, False),    # the allowed maximum dimension, CBOW
])
def test_the_evaluation_loss_takes_a_few_mb_whatever_the_parameters(dim, window, negative,
                                                                     n_tokens, sg):
    got = run_in_child(f"{CHILDREN}:probe_memory", timeout=300, dim=dim, window=window,
                       negative=negative, n_tokens=n_tokens, sg=sg)
    assert got["ids"] <= evalloss.PROBE_MAX_IDS
    assert got["centers"] >= evalloss.PROBE_MIN_CENTERS and np.isfinite(got["loss"])
    assert got["growth_mb"] < PROBE_RSS_MB, got


def test_the_probe_is_a_small_share_of_an_epoch():
    """The probe's size follows the work of an epoch (1 center per PROBE_SHARE kept words) and
    its memory bound, so its arithmetic stays about a hundredth of an epoch's."""
    assert evalloss.probe_centers(1_000, 5, 5) == evalloss.PROBE_MIN_CENTERS
    assert evalloss.probe_centers(2_000_000, 5, 5) == 2_000_000 // evalloss.PROBE_SHARE
    assert evalloss.probe_centers(10**9, 5, 5) == evalloss.PROBE_CENTERS
    n = evalloss.probe_centers(10**9, 1000, 1000)
    assert n * (2 * 1000 + 1000 + 1) <= evalloss.PROBE_MAX_IDS


def test_the_evaluation_loss_can_be_turned_off(corpus, tmp_path, capsys):
    settings = dict(dim=16, window=3, negative=3, min_count=1, epochs=2, workers=1, seed=3,
                    progress=False)
    on = fastw2v.train(corpus, **settings)
    off = fastw2v.train(corpus, eval_loss=False, **settings)
    assert all(np.isfinite(e["eval_loss"]) for e in on.stats["epochs"])
    assert all(np.isnan(e["eval_loss"]) for e in off.stats["epochs"])
    np.testing.assert_array_equal(on.vectors, off.vectors)  # it never changes the training
    with pytest.raises(ValueError, match="eval_loss must be True or False"):
        fastw2v.train(corpus, eval_loss="no", **settings)
    code, _, err = run(capsys, "train", corpus, "-o", tmp_path / "v.bin", "--no-eval-loss",
                       "--dim", "8", "--min-count", "1", "--epochs", "1", "--workers", "1")
    assert code == 0 and "evaluation loss nan" in err


def test_the_largest_window_trains_in_bounded_memory(tmp_path):
    """``--window 1000`` used to die after the first epoch (the probe wanted ~96 GB)."""
    p = tmp_path / "c.txt"
    p.write_text(" ".join(f"w{i % 50}" for i in range(3000)) + "\n")
    got = run_in_child(f"{CHILDREN}:big_window_run", timeout=600, corpus=str(p))
    assert got["code"] == 0
    assert got["peak_rss_mb"] < 600, got
