"""The terminal writer (fastw2v.base.progress): status lines and log lines on one stderr, never on
the same line, driven with fake terminals (a StringIO that says it is a TTY, and a real
pseudo-terminal); the stages the library reports (reading, encoding, training) and what their lines
show; nothing drawn when stderr is not a terminal."""
from __future__ import annotations

import gzip
import io
import logging
import os
import pty
import re
import select
from pathlib import Path

import pytest

from fastw2v.base import progress as P
from fastw2v.base.text import count, duration, short, size
from fastw2v.cli import main as cli
from fastw2v.corpus import reader
from fastw2v.corpus.cache import prepare_corpus
from fastw2v.training import trainer as trainer_module

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "data" / "fixtures" / "tiny.txt"
#: A log line as the command line writes it: time, then the logger's prefix.
LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d fastw2v: ")


class FakeTerminal(io.StringIO):
    """What a test can read back, and that says it is a terminal."""

    def isatty(self):
        return True


def screen(output: str) -> list:
    """The lines a terminal shows for ``output``: ``\\r`` returns to the line's start and
    overwrites, ``\\n`` ends the line (a minimal terminal, enough for what fastw2v writes)."""
    lines, cur, col = [], [], 0
    for ch in output:
        if ch == "\n":
            lines.append("".join(cur).rstrip())
            cur, col = [], 0
        elif ch == "\r":
            col = 0
        else:
            if col < len(cur):
                cur[col] = ch
            else:
                cur.append(ch)
            col += 1
    if cur:
        lines.append("".join(cur).rstrip())
    return lines


def quiet_stage(label="reading c.txt", total=None, unit="B", stream=None):
    """A stage drawn on ``stream`` whose ticker never fires: the test draws with refresh()."""
    prog = P.Progress(True, stream or FakeTerminal(), show_after=3600, interval=3600)
    return prog.stage(label, total, unit)


# ------------------------------------------------------------------------------------------- #
# formatting
# ------------------------------------------------------------------------------------------- #
def test_numbers_read_the_same_everywhere():
    assert count(1, "line") == "1 line" and count(2, "line") == "2 lines"
    assert count(16_899_533, "word") == "16,899,533 words"
    assert count(2, "process", "processes") == "2 processes"
    assert duration(7.4) == "00:07" and duration(754) == "12:34" and duration(3723) == "1:02:03"
    assert size(135_012_345) == "135.0 MB" and size(1.2e9) == "1.2 GB" and size(512) == "512 B"
    assert short(612_345) == "612k" and short(1_790_000) == "1.79M" and short(950) == "950"


def test_stage_text_shows_share_rate_eta_figures_and_elapsed_time():
    stage = quiet_stage("reading wiki.txt.gz", total=100_000_000)
    stage.start, stage._ref = 1000.0, (1000.0, 0)
    stage.update(25_000_000, words=4_000_000)
    text = stage.text(now=1005.0)
    assert text == ("fastw2v: reading wiki.txt.gz  25.0% of 100.0 MB | 5.0 MB/s | ETA 00:15 | "
                    "4,000,000 words | elapsed 00:05")
    stage.finish()
    assert stage.done == 100_000_000


def test_training_stage_counts_words_and_shows_the_callers_figures():
    stage = quiet_stage("training", total=84_000_000, unit="words")
    stage.start, stage._ref = 0.0, (2.0, 0)  # progress began 2 s in (kernels were loading)
    stage.update(21_000_000, epoch="2/5", alpha="0.01875", loss="2.6012")
    text = stage.text(now=32.0)
    assert text.startswith("fastw2v: training  25.0% of 84M words | 700k words/s | ETA 01:30 | ")
    assert text.endswith("| epoch 2/5 | alpha 0.01875 | loss 2.6012 | elapsed 00:32")
    final = stage.text(now=130.0, final=True, rate=612_345.0, seconds=127.4)
    assert "100.0%" not in final  # done is still 25%: finish() sets it
    stage.finish(rate=612_345.0, seconds=127.4)
    assert stage.text(now=130.0, final=True, rate=612_345.0, seconds=127.4) == (
        "fastw2v: training 100.0% of 84M words | 612k words/s | epoch 2/5 | alpha 0.01875 | "
        "loss 2.6012 | took 02:07")


def test_a_share_only_stage_shows_no_amounts():
    stage = quiet_stage("building the vocabulary and encoding", total=4_000, unit="")
    stage.start, stage._ref = 0.0, (0.0, 0)
    stage.update(1_000)
    assert stage.text(now=1.0) == ("fastw2v: building the vocabulary and encoding  25.0% | "
                                   "ETA 00:03 | elapsed 00:01")


# ------------------------------------------------------------------------------------------- #
# the line on a fake terminal
# ------------------------------------------------------------------------------------------- #
def test_a_stage_line_is_redrawn_in_place_and_stays_at_100_percent():
    term = FakeTerminal()
    stage = quiet_stage(total=1_000_000, stream=term)
    stage.update(400_000)
    stage.refresh()
    stage.update(800_000)
    stage.refresh()
    stage.finish()
    shown = screen(term.getvalue())
    assert len(shown) == 1 and shown[0].startswith("fastw2v: reading c.txt 100.0% of 1.0 MB")
    assert "took" in shown[0] and "ETA" not in shown[0]
    assert term.getvalue().endswith("\n") and term.getvalue().count("\n") == 1


def test_a_stage_that_never_drew_leaves_nothing():
    term = FakeTerminal()
    with quiet_stage(total=10, stream=term) as stage:
        stage.update(10)
    assert term.getvalue() == ""


def test_log_records_go_above_the_line_never_on_it():
    term = FakeTerminal()
    log = logging.getLogger("fastw2v.test_progress")
    handler = P.TerminalHandler(term)
    handler.setFormatter(logging.Formatter("12:00:00 fastw2v: %(message)s"))
    log.addHandler(handler)
    log.propagate = False
    try:
        stage = quiet_stage(total=1_000_000, stream=term)
        stage.update(500_000)
        stage.refresh()
        log.warning("a record while the line is on screen")
        stage.update(600_000)
        stage.refresh()
        log.warning("another one")
        stage.finish()
    finally:
        log.removeHandler(handler)
        log.propagate = True
    shown = screen(term.getvalue())
    assert shown[:2] == ["12:00:00 fastw2v: a record while the line is on screen",
                         "12:00:00 fastw2v: another one"]
    assert len(shown) == 3 and shown[2].startswith("fastw2v: reading c.txt 100.0%")
    # The line was redrawn right after each record, not only at the next update.
    after_first = term.getvalue().split("on screen\n", 1)[1]
    assert after_first.startswith("\rfastw2v: reading c.txt  50.0%")


def test_other_handlers_get_the_line_erased_before_a_record(capsys):
    """A Python user's own handler writing to the same terminal: the fastw2v logger's filter
    erases the line first, and the next redraw puts it back below the record."""
    term = FakeTerminal()
    logger = logging.getLogger("fastw2v")
    handler = logging.StreamHandler(term)
    logger.addHandler(handler)
    saved = logger.level
    logger.setLevel(logging.INFO)
    try:
        stage = quiet_stage(total=100, unit="words", stream=term)
        stage.update(30)
        stage.refresh()
        logger.info("epoch 1/2 done")
        stage.update(60)
        stage.refresh()
        stage.finish()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)
    shown = screen(term.getvalue())
    assert shown[0] == "epoch 1/2 done" and shown[1].startswith("fastw2v: reading c.txt 100.0%")
    assert P._FILTER not in logger.filters  # removed with the last line


def test_drawing_a_line_erases_a_line_left_open():
    term = FakeTerminal()
    first = quiet_stage("first", total=10, stream=term)
    first.update(5)
    first.refresh()
    second = quiet_stage("second", total=10, stream=term)
    second.update(5)
    second.refresh()
    second.finish()
    first.abandon()
    shown = [line for line in screen(term.getvalue()) if line]
    assert len(shown) == 1 and shown[0].startswith("fastw2v: second 100.0% of 10 B")


def test_the_line_fits_the_terminal_width(monkeypatch):
    """A narrow terminal: whole fields are left out from the end (never cut in the middle), and
    a label longer than the width is cut, so the line never wraps."""
    monkeypatch.setenv("COLUMNS", "60")
    term = FakeTerminal()
    stage = quiet_stage("training", total=84_000_000, unit="words", stream=term)
    stage.start, stage._ref = 0.0, (0.0, 0)
    stage.update(21_000_000, epoch="2/5", alpha="0.01875", loss="2.6012")
    assert stage.text(now=30.0, width=59) == \
        "fastw2v: training  25.0% of 84M words | 700k words/s"
    assert stage.text(now=30.0, width=72) == \
        "fastw2v: training  25.0% of 84M words | 700k words/s | ETA 01:30"
    stage.refresh()
    stage.abandon()
    (line,) = screen(term.getvalue())
    assert len(line) <= 59 and line.startswith("fastw2v: training  25.0% of 84M words")
    monkeypatch.setenv("COLUMNS", "40")
    term = FakeTerminal()
    stage = quiet_stage("a very long label that goes on and on and on", total=10, stream=term)
    stage.update(5)
    stage.refresh()
    stage.abandon()
    assert all(len(line) <= 39 for line in screen(term.getvalue()))


def test_nothing_is_drawn_when_stderr_is_not_a_terminal(monkeypatch):
    plain = io.StringIO()
    monkeypatch.setattr("sys.stderr", plain)
    prog = P.Progress()
    assert not prog.enabled
    with prog.stage("reading", 10, "B") as stage:
        stage.update(5)
        stage.refresh()
    assert plain.getvalue() == ""
    assert P.as_progress(None).enabled is False and P.as_progress(True).enabled is True


def test_off_a_terminal_a_long_stage_can_log_its_status(caplog):
    prog = P.Progress(False, io.StringIO())
    with caplog.at_level(logging.INFO, logger="fastw2v"):
        with prog.stage("converting d.xml.bz2", 2_000_000, "B", log_every=3600) as stage:
            stage.update(1_000_000, articles=1234)
            stage.refresh()
    assert any("converting d.xml.bz2  50.0% of 2.0 MB" in r.getMessage()
               and "1,234 articles" in r.getMessage() for r in caplog.records)


def test_a_real_pseudo_terminal_gets_the_same_bytes():
    master, slave = pty.openpty()
    try:
        with os.fdopen(slave, "w", closefd=False) as stream:
            assert P.is_terminal(stream) and P.Progress(None, stream).enabled
            stage = P.Progress(None, stream, show_after=3600, interval=3600).stage(
                "reading c.txt", 2_000_000, "B")
            stage.update(1_000_000)
            stage.refresh()
            stage.finish()
        out = ""
        while select.select([master], [], [], 2.0)[0]:  # all the bytes, however they come
            out += os.read(master, 4096).decode()
            if out.endswith("\n"):
                break
    finally:
        os.close(master)
        os.close(slave)
    shown = screen(out.replace("\r\n", "\n"))  # the tty turns \n into \r\n
    assert len(shown) == 1 and shown[0].startswith("fastw2v: reading c.txt 100.0% of 2.0 MB")


# ------------------------------------------------------------------------------------------- #
# what the library reports
# ------------------------------------------------------------------------------------------- #
class Recorder(P.Progress):
    """Records every stage and every update instead of drawing."""

    def __init__(self):
        super().__init__(False)
        self.stages = []

    def stage(self, label, total=None, unit="", *, log_every=None):
        rec = RecordingStage(label, total, unit)
        self.stages.append(rec)
        return rec


class RecordingStage(P.Stage):
    def __init__(self, *args):
        super().__init__(*args)
        self.updates = []
        self.final = None

    def update(self, done, **figures):
        super().update(done, **figures)
        self.updates.append((done, dict(figures)))

    def finish(self, done=None, **kw):
        super().finish(done, **kw)
        self.final = self.done


@pytest.mark.parametrize("opener, suffix", [(open, ".txt"), (gzip.open, ".txt.gz")])
def test_reading_reports_the_bytes_of_the_file_as_stored(tmp_path, opener, suffix):
    path = tmp_path / f"c{suffix}"
    with opener(path, "wb") as fh:
        for i in range(20_000):
            fh.write(f"w{i % 997} x{i % 13} y{i}\n".encode())
    pos = reader.ReadPosition()
    seen = []
    for _ in reader.iter_blocks(path, 16 << 10, position=pos):
        seen.append(pos.offset)
    assert pos.size == path.stat().st_size and pos.offset == pos.size
    assert seen == sorted(seen) and len(seen) > 1 and 0 < seen[0] < pos.size

    rec = Recorder()
    pc = prepare_corpus(path, min_count=1, use_cache=False, chunk_bytes=16 << 10, progress=rec)
    labels = [s.label for s in rec.stages]
    assert labels == [f"reading {path.name}", "building the vocabulary and encoding"]
    reading, encoding = rec.stages
    assert reading.total == path.stat().st_size and reading.unit == "B"
    assert reading.updates[-1] == (path.stat().st_size, {"words": pc.n_raw_tokens})
    assert reading.final == reading.total and encoding.final == encoding.total
    assert len(reading.updates) > 1


def test_counting_and_encoding_with_max_vocab_size_report_two_passes(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b c a b a\n" * 2000)
    rec = Recorder()
    prepare_corpus(path, min_count=1, max_vocab_size=2, use_cache=False, progress=rec)
    assert [s.label for s in rec.stages] == ["counting words in c.txt", "encoding c.txt"]
    assert all(s.final == path.stat().st_size for s in rec.stages)


def test_training_reports_the_running_loss_and_ends_at_100_percent(tmp_path, monkeypatch):
    """The line's loss is the epoch's loss so far (the kernels add their statistics per block),
    never a placeholder 0; its words are raw words and the last update is the total."""
    monkeypatch.setattr(trainer_module, "POLL_SECONDS", 0.002)
    import fastw2v
    corpus = tmp_path / "c.txt"
    corpus.write_text("".join(" ".join(f"w{(i * 7 + j) % 500}" for j in range(40)) + " rare%d\n" % i
                              for i in range(6000)))
    rec = Recorder()
    emb = fastw2v.train(corpus, dim=16, epochs=2, workers=1, min_count=2, sample=0,
                        progress=rec)
    (stage,) = [s for s in rec.stages if s.label == "training"]
    raw = 6000 * 41
    assert stage.total == 2 * raw and stage.unit == "words"
    assert stage.final == stage.total
    # Updates while a kernel ran: not at an epoch's end, where the kernels have returned.
    mid = [f for done, f in stage.updates if 0 < done < stage.total and done % raw]
    assert mid, "no update while training ran"
    losses = [f["loss"] for f in mid]
    assert "0.0000" not in losses and any(x != "-" for x in losses)
    assert {f["epoch"] for f in mid} <= {"1/2", "2/2"}
    assert any(f["epoch"] == "1/2" and f["loss"] != "-" for f in mid), losses
    assert emb.stats["epochs"][0]["raw_words"] == raw


# ------------------------------------------------------------------------------------------- #
# the whole command on a fake terminal
# ------------------------------------------------------------------------------------------- #
def test_train_on_a_fake_terminal_never_merges_lines_and_summarises_once(tmp_path, capsys,
                                                                         monkeypatch):
    term = FakeTerminal()
    monkeypatch.setattr("sys.stderr", term)
    monkeypatch.setattr(P, "SHOW_AFTER_SECONDS", 0.0)  # draw from the first moment
    monkeypatch.setattr(P, "REDRAW_SECONDS", 0.005)
    out = tmp_path / "v.bin"
    code = cli.main(["train", str(TINY), "-o", str(out), "--dim", "8", "--epochs", "3",
                     "--workers", "1", "--min-count", "1", "--cache-dir", str(tmp_path / "c")])
    stdout = capsys.readouterr().out
    assert code == 0
    shown = [line for line in screen(term.getvalue()) if line]
    for line in shown:  # one message per line: a log line or a status line, never both
        assert line.count("fastw2v:") == 1, shown
        assert LOG_LINE.match(line) or line.startswith("fastw2v: "), line
    status = [line for line in shown if not LOG_LINE.match(line)]
    assert status and status[-1].startswith("fastw2v: training 100.0% of 3.8k words")
    assert [line for line in status if "training" in line] == [status[-1]]  # one, kept
    logs = [LOG_LINE.sub("", line) for line in shown if LOG_LINE.match(line)]
    assert sum(line.startswith("trained 37 vectors") for line in logs) == 1
    assert not any("checkpoint" in line for line in logs)
    assert any(line.startswith("corpus ") and "1,268 words in 200 lines" in line for line in logs)
    assert any(line.startswith("training skip-gram (8 dimensions, 1 worker): 3 epochs of "
                               "1,268 words") for line in logs)
    assert sum(line.startswith("epoch ") for line in logs) == 3
    assert stdout == f"wrote {out} (word2vec binary: 37 words x 8 dimensions)\n"


def test_train_off_a_terminal_logs_one_line_per_step_and_draws_nothing(tmp_path, capsys,
                                                                      monkeypatch):
    plain = io.StringIO()
    monkeypatch.setattr("sys.stderr", plain)
    monkeypatch.setattr(P, "SHOW_AFTER_SECONDS", 0.0)
    out = tmp_path / "v.txt"
    code = cli.main(["train", str(TINY), "-o", str(out), "--dim", "8", "--epochs", "2",
                     "--workers", "1", "--min-count", "1", "--cache-dir", str(tmp_path / "c")])
    assert code == 0
    err = plain.getvalue()
    assert "\r" not in err
    steps = [LOG_LINE.sub("", line).split(" ", 1)[0] for line in err.splitlines()]
    assert steps == ["reading", "corpus", "training", "epoch", "epoch", "trained"]
