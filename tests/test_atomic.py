"""Atomic writes: the final file appears whole or not at all, with the usual permissions."""
import os
import stat

import pytest

from fastw2v.base.atomic import atomic_directory, atomic_write


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_atomic_write_gives_the_usual_file_mode(tmp_path, umask_022):
    p = tmp_path / "out.bin"
    with atomic_write(p) as fh:
        fh.write(b"data")
    assert p.read_bytes() == b"data"
    assert stat.S_IMODE(p.stat().st_mode) == 0o644


def test_atomic_directory_gives_the_usual_directory_mode(tmp_path, umask_022):
    d = tmp_path / "model"
    with atomic_directory(d) as tmp:
        (tmp / "a.txt").write_text("x")
    assert stat.S_IMODE(d.stat().st_mode) == 0o755
    assert (d / "a.txt").read_text() == "x"


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    p = tmp_path / "out.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(p, "w") as fh:
            fh.write("partial")
            raise RuntimeError("boom")
    assert p.read_text() == "old"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out.txt"]
