"""The progress lines (training's and the wiki reader's, both drawn by one StatusLine): what they
show, and that they stay off when stderr is not a terminal."""
import io
import sys

from fastw2v.base.progress import ProgressLine, StatusLine
from fastw2v.wiki.pipeline import _Progress


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_line_shows_share_rate_alpha_loss_and_eta():
    out = FakeTerminal()
    line = ProgressLine(stream=out, raw_per_word=1.5)
    line.update(done=250_000, total=1_000_000, elapsed=2.0, alpha=0.0125, loss=2.5, force=True)
    line.close()
    text = out.getvalue()
    assert "25.0%" in text
    assert "188k raw words/s" in text  # 125k counted words/s * 1.5 raw tokens per word
    assert "alpha 0.01250" in text and "loss 2.5000" in text
    assert "ETA 00:06" in text and text.endswith("\n")


def test_progress_line_is_off_when_not_a_terminal():
    out = io.StringIO()
    line = ProgressLine(stream=out)
    line.update(1, 2, 1.0, 0.01, 1.0, force=True)
    line.close()
    assert out.getvalue() == ""


def test_status_line_redraws_in_place_over_a_longer_text():
    out = FakeTerminal()
    line = StatusLine(stream=out)
    assert line.due(force=True)
    line.draw("a longer status")
    assert line.due(force=True)
    line.draw("short")
    line.close()
    assert out.getvalue() == "\ra longer status\rshort          \n"


def test_status_line_waits_between_redraws():
    out = FakeTerminal()
    line = StatusLine(stream=out, interval=3600.0, wait_first=True)
    assert not line.due()  # the first redraw waits too
    assert line.due(force=True)
    line.draw("drawn")
    assert not line.due()
    line.close()
    assert out.getvalue() == "\rdrawn\n"


def test_status_line_is_off_when_not_a_terminal():
    out = io.StringIO()
    line = StatusLine(stream=out)
    assert not line.due(force=True)
    line.close()
    assert out.getvalue() == ""


def test_wiki_progress_line_uses_the_shared_line(monkeypatch, tmp_path):
    out = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", out)
    bar = _Progress(tmp_path / "d.xml.bz2", 2_000_000, None)
    assert isinstance(bar.line, StatusLine) and bar.enabled
    bar.update(1_000_000, 1234, force=True)
    bar.close()
    text = out.getvalue()
    assert text.startswith("\rfastw2v wiki:  50.0% of 2.0 MB read (")
    assert "| 1,234 articles (" in text and "| ETA " in text and text.endswith("\n")
