"""The progress line: what it shows, and that it stays off when stderr is not a terminal."""
import io

from fastw2v.base.progress import ProgressLine


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
