"""Shared fixtures. Tests that need the shared corpora skip cleanly when they are absent."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def find_data_dir() -> Path | None:
    """``$FASTW2V_DATA``, else ``../shared/data`` beside the repository, else None."""
    env = os.environ.get("FASTW2V_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if c.is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    d = find_data_dir()
    if d is None:
        pytest.skip("shared data directory not found (set FASTW2V_DATA)")
    return d


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Token-stream caches of tests go to a per-session temporary directory, never ~/.cache."""
    monkeypatch.setenv("FASTW2V_CACHE", str(tmp_path_factory.getbasetemp() / "fastw2v-cache"))
