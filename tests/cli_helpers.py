"""Helpers shared by the command-line tests."""
from fastw2v.cli import main as cli


def run(capsys, *argv):
    """Run ``fastw2v ARGV...`` in-process; return (exit code, stdout, stderr)."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code, err, *needles, exit_code=2):
    """Exit ``exit_code``, no traceback, exactly one ``fastw2v: error:`` line holding every
    needle (case-insensitive)."""
    assert code == exit_code, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("fastw2v: error:")]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle.lower() in lines[0].lower(), (needle, lines[0])
