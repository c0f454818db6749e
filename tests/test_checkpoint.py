"""Callbacks, checkpoints, resume and Ctrl-C."""
from __future__ import annotations

import numpy as np
import pytest

import fastw2v
from fastw2v.cli import main as cli
from fastw2v.training import checkpoint as checkpoint_module
from fastw2v.training import trainer as trainer_module
from fastw2v.training.checkpoint import load_checkpoint
from fastw2v.errors import ModelFormatError
from fastw2v.training.trainer import TrainingInterrupted

SETTINGS = dict(dim=16, window=3, negative=3, sample=1e-3, min_count=1, epochs=3, workers=1,
                seed=3, progress=False)


def write_corpus(p):
    """~150k tokens in long lines: several blocks per epoch, so pauses can fall mid-epoch."""
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(400)])
    with open(p, "w") as fh:
        for _ in range(30):
            ids = rng.zipf(1.3, 5000) % 400
            fh.write(" ".join(words[ids]) + "\n")
    return p


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("ckpt") / "corpus.txt")


@pytest.fixture(scope="module")
def uninterrupted(corpus):
    return fastw2v.train(corpus, **SETTINGS)


class Recorder:
    def __init__(self):
        self.epochs, self.end = [], None

    def on_epoch_end(self, epoch, stats):
        self.epochs.append((epoch, stats))

    def on_train_end(self, stats):
        self.end = stats


def test_callbacks_see_every_epoch_and_the_end(corpus):
    rec = Recorder()
    emb = fastw2v.train(corpus, callbacks=[rec, object()], **SETTINGS)
    assert [e for e, _ in rec.epochs] == [1, 2, 3]
    for _, st in rec.epochs:
        assert {"words", "words_per_sec", "loss", "alpha", "elapsed"} <= set(st)
    assert rec.epochs[-1][1]["elapsed"] >= rec.epochs[0][1]["elapsed"]
    assert rec.end is not None and rec.end["words"] == emb.stats["words"]


def test_periodic_checkpoints_do_not_change_the_result(corpus, uninterrupted, tmp_path,
                                                       monkeypatch):
    monkeypatch.setattr(trainer_module, "POLL_SECONDS", 0.002)
    saves = []
    real = checkpoint_module.save_checkpoint

    def counting_save(*args, **kwargs):
        saves.append(kwargs["meta"]["in_epoch"])
        return real(*args, **kwargs)

    monkeypatch.setattr(checkpoint_module, "save_checkpoint", counting_save)
    ck = tmp_path / "ck"
    emb = fastw2v.train(corpus, checkpoint=ck, checkpoint_every=1e-6, **SETTINGS)
    assert saves.count(True) >= 1  # at least one save paused the workers mid-epoch
    assert saves.count(False) == SETTINGS["epochs"]  # one at every epoch end
    assert np.array_equal(emb.vectors, uninterrupted.vectors)
    assert not ck.exists()  # removed after a successful run


@pytest.mark.parametrize("where", ["epoch_end", "mid_epoch"])
def test_interrupted_and_resumed_run_is_bit_identical(corpus, uninterrupted, tmp_path,
                                                      monkeypatch, where):
    ck = tmp_path / "ck"
    kwargs = dict(SETTINGS, checkpoint=ck)
    if where == "epoch_end":
        class CtrlC:
            def on_epoch_end(self, epoch, stats):
                if epoch == 1:
                    raise KeyboardInterrupt
        kwargs["callbacks"] = [CtrlC()]
    else:  # Ctrl-C arrives while the workers are paused half way through epoch 2
        monkeypatch.setattr(trainer_module, "POLL_SECONDS", 0.002)
        kwargs["checkpoint_every"] = 1e-6
        real = checkpoint_module.save_checkpoint
        pressed = []

        def interrupting_save(*args, **kw):
            path = real(*args, **kw)
            if kw["meta"]["in_epoch"] and kw["meta"]["epoch"] == 1 and not pressed:
                pressed.append(True)
                raise KeyboardInterrupt
            return path

        monkeypatch.setattr(checkpoint_module, "save_checkpoint", interrupting_save)
    with pytest.raises(TrainingInterrupted) as info:
        fastw2v.train(corpus, **kwargs)
    assert info.value.checkpoint == ck and ck.is_dir()
    meta = load_checkpoint(ck).meta
    if where == "mid_epoch":
        assert meta["in_epoch"] and meta["epoch"] == 1
    monkeypatch.undo()
    resumed = fastw2v.train(corpus, resume=ck, progress=False)
    assert np.array_equal(resumed.vectors, uninterrupted.vectors)
    assert [e["loss"] for e in resumed.stats["epochs"]] == \
        [e["loss"] for e in uninterrupted.stats["epochs"]]


def test_ctrl_c_without_checkpoint_propagates(corpus):
    class CtrlC:
        def on_epoch_end(self, epoch, stats):
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt) as info:
        fastw2v.train(corpus, callbacks=[CtrlC()], **SETTINGS)
    assert not isinstance(info.value, TrainingInterrupted)


def test_resume_rejects_another_corpus_and_corrupt_checkpoints(corpus, tmp_path):
    ck = tmp_path / "ck"

    class CtrlC:
        def on_epoch_end(self, epoch, stats):
            raise KeyboardInterrupt
    with pytest.raises(TrainingInterrupted, match="checkpoint written to .*ck"):
        fastw2v.train(corpus, checkpoint=ck, callbacks=[CtrlC()], **SETTINGS)
    other = tmp_path / "other.txt"
    other.write_text("a b c d e f g\n" * 50)
    with pytest.raises(ValueError, match="not the corpus"):
        fastw2v.train(other, resume=ck, progress=False)
    (load_checkpoint(ck).where / "state.npz").write_bytes(b"garbage")
    with pytest.raises(ModelFormatError, match="state.npz"):
        fastw2v.train(corpus, resume=ck, progress=False)
    with pytest.raises(FileNotFoundError, match="checkpoint not found: .*missing"):
        fastw2v.train(corpus, resume=tmp_path / "missing", progress=False)
    with pytest.raises(ValueError, match="checkpoint_every"):
        fastw2v.train(corpus, checkpoint_every=5, **SETTINGS)


def test_cli_ctrl_c_writes_a_checkpoint_and_resume_finishes(corpus, uninterrupted, tmp_path,
                                                            capsys, monkeypatch):
    out = tmp_path / "vec.txt"
    out.write_text("previous result\n")
    base = ["train", str(corpus), "-o", str(out), "--dim", "16", "--window", "3",
            "--negative", "3", "--sample", "1e-3", "--min-count", "1", "--epochs", "3",
            "--workers", "1", "--seed", "3", "--no-progress", "-q"]
    real_end = trainer_module.Trainer._end_epoch

    def end_then_ctrl_c(self, callbacks):
        real_end(self, callbacks)
        if self.epoch == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(trainer_module.Trainer, "_end_epoch", end_then_ctrl_c)
    assert cli.main(base) == 130
    err = capsys.readouterr().err
    ck = tmp_path / "vec.txt.checkpoint"
    assert f"checkpoint written to {ck}" in err and "--resume" in err
    assert out.read_text() == "previous result\n"  # an interrupted run never clobbers OUT
    monkeypatch.undo()
    assert cli.main(base + ["--resume", str(ck)]) == 0
    emb = fastw2v.Embeddings.load_word2vec_format(out)
    np.testing.assert_array_equal(emb.vectors, uninterrupted.vectors)
    assert not ck.exists()
