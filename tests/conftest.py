"""Shared fixtures. Tests that need the shared corpora skip cleanly when they are absent."""
from __future__ import annotations

from pathlib import Path

import pytest

from fastw2v.base.paths import data_dir as find_data_dir

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
