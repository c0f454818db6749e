"""fastw2v.corpus.datasets: corpus look-up order, verified downloads, offline errors. No network is used:
downloads come from local zip files through file:// URLs, and urlopen is patched to fail where a
test must prove that nothing is downloaded."""
from __future__ import annotations

import dataclasses
import hashlib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from fastw2v.corpus import datasets as datasets
from fastw2v.corpus.datasets import DatasetSpec, DownloadError

CONTENT = b"the quick brown fox jumps over the lazy dog " * 50


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No FASTW2V_TEXT8, an empty shared-data dir (so no stand-in), cwd without a ./text8."""
    monkeypatch.delenv("FASTW2V_TEXT8", raising=False)
    monkeypatch.delenv("FASTW2V_FAKE8", raising=False)
    empty = tmp_path / "shared-data"
    empty.mkdir()
    monkeypatch.setenv("FASTW2V_DATA", str(empty))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def _no_network(*args, **kwargs):
    raise urllib.error.URLError("network is unreachable (test)")


def make_fake(tmp_path: Path, monkeypatch, content: bytes = CONTENT, **overrides) -> DatasetSpec:
    """Register a dataset "fake8" served from a local zip; ``overrides`` change the spec."""
    archive = tmp_path / "fake8.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("fake8", content)
    spec = DatasetSpec(name="fake8", url=archive.as_uri(), member="fake8", size=len(content),
                       zip_size=archive.stat().st_size,
                       sha256=hashlib.sha256(content).hexdigest(),
                       alphabet=b"abcdefghijklmnopqrstuvwxyz ")
    spec = dataclasses.replace(spec, **overrides)
    monkeypatch.setitem(datasets.DATASETS, "fake8", spec)
    return spec


def leftovers(folder: Path) -> list:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_download_verifies_unzips_and_records_checksum(isolated, monkeypatch):
    make_fake(isolated, monkeypatch)
    cache = isolated / "cache"
    path = datasets.resolve_corpus("fake8", cache=cache)
    assert path == cache / "datasets" / "fake8"
    assert path.read_bytes() == CONTENT
    recorded = (cache / "datasets" / "fake8.sha256").read_text().split()[0]
    assert recorded == hashlib.sha256(CONTENT).hexdigest()
    assert leftovers(cache / "datasets") == ["fake8", "fake8.sha256"]  # no .part files


def test_cache_hit_does_not_download(isolated, monkeypatch):
    make_fake(isolated, monkeypatch)
    cache = isolated / "cache"
    first = datasets.resolve_corpus("fake8", cache=cache)
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    assert datasets.resolve_corpus("fake8", cache=cache) == first
    assert datasets.fetch("fake8", cache=cache) == first


def test_default_cache_dir_comes_from_environment(isolated, monkeypatch):
    make_fake(isolated, monkeypatch)
    monkeypatch.setenv("FASTW2V_CACHE", str(isolated / "envcache"))
    path = datasets.resolve_corpus("fake8")
    assert path == isolated / "envcache" / "datasets" / "fake8"


def test_cached_copy_of_wrong_size_is_downloaded_again(isolated, monkeypatch):
    make_fake(isolated, monkeypatch)
    cache = isolated / "cache"
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "fake8").write_bytes(b"truncated")
    path = datasets.resolve_corpus("fake8", cache=cache)
    assert path.read_bytes() == CONTENT


@pytest.mark.parametrize("overrides, message", [
    ({"sha256": "0" * 64}, "checksum mismatch"),
    ({"size": len(CONTENT) + 1}, "expected"),
    ({"zip_size": 12345}, "expected 12345"),
    ({"member": "other"}, "does not contain"),
])
def test_failed_verification_leaves_no_file(isolated, monkeypatch, overrides, message):
    make_fake(isolated, monkeypatch, **overrides)
    cache = isolated / "cache"
    with pytest.raises(DownloadError, match=message) as info:
        datasets.resolve_corpus("fake8", cache=cache)
    assert "--corpus-path" in str(info.value) and "FASTW2V_FAKE8" in str(info.value)
    assert leftovers(cache / "datasets") == []


def test_bytes_outside_the_alphabet_are_rejected(isolated, monkeypatch):
    make_fake(isolated, monkeypatch, content=b"one 2 three " * 10, sha256=None)
    with pytest.raises(DownloadError, match="unexpected byte b'2'"):
        datasets.fetch("fake8", cache=isolated / "cache")
    assert leftovers(isolated / "cache" / "datasets") == []


def test_a_non_zip_download_is_rejected(isolated, monkeypatch):
    page = isolated / "page.html"
    page.write_text("<html>captive portal</html>")
    make_fake(isolated, monkeypatch, url=page.as_uri(), zip_size=None)
    with pytest.raises(DownloadError, match="not a valid zip"):
        datasets.fetch("fake8", cache=isolated / "cache")
    assert leftovers(isolated / "cache" / "datasets") == []


def test_offline_gives_a_clear_error(isolated, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    cache = isolated / "cache"
    with pytest.raises(DownloadError) as info:
        datasets.resolve_corpus("text8", cache=cache)
    msg = str(info.value)
    assert msg.startswith("could not download text8 from http://mattmahoney.net/dc/text8.zip "
                          "(network is unreachable (test))")
    assert "download it yourself and pass --corpus-path or set FASTW2V_TEXT8" in msg
    assert leftovers(cache / "datasets") == []


def test_download_false_never_downloads(isolated, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    with pytest.raises(FileNotFoundError, match="fastw2v download text8"):
        datasets.resolve_corpus("text8", cache=isolated / "cache", download=False)


def test_environment_variable_path(isolated, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    local = isolated / "my-text8"
    local.write_text("anarchism originated")
    monkeypatch.setenv("FASTW2V_TEXT8", str(local))
    assert datasets.resolve_corpus("text8", cache=isolated / "cache") == local


def test_environment_variable_pointing_nowhere(isolated, monkeypatch):
    monkeypatch.setenv("FASTW2V_TEXT8", str(isolated / "missing"))
    with pytest.raises(FileNotFoundError, match="FASTW2V_TEXT8 points to .*missing"):
        datasets.resolve_corpus("text8", cache=isolated / "cache")


def test_explicit_path_wins(isolated, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    local = isolated / "copy.txt"
    local.write_text("a b c")
    monkeypatch.setenv("FASTW2V_TEXT8", str(isolated / "missing"))
    assert datasets.resolve_corpus("text8", path=local) == local
    with pytest.raises(FileNotFoundError, match="nothere"):
        datasets.resolve_corpus("text8", path=isolated / "nothere")


def test_existing_path_is_used_as_is(isolated, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    (isolated / "cwd" / "text8").write_text("a local text8")  # word2vec.c habit: ./text8
    assert datasets.resolve_corpus("text8") == Path("text8")
    d = isolated / "somedir"
    d.mkdir()
    assert datasets.resolve_corpus(d) == d  # the trainer reports the directory


def test_unknown_name_names_the_path(isolated):
    with pytest.raises(FileNotFoundError, match="corpus file not found: no/such/corpus.txt"):
        datasets.resolve_corpus("no/such/corpus.txt")


def test_shared_stand_in_is_used_before_downloading(isolated, monkeypatch, caplog):
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    shared = isolated / "shared-data"
    (shared / "wiki100m.txt.gz").write_bytes(b"")
    with caplog.at_level("WARNING", logger="fastw2v"):
        path = datasets.resolve_corpus("text8", cache=isolated / "cache")
    assert path == shared / "wiki100m.txt.gz"
    assert "stand-in" in caplog.text and "not byte-identical" in caplog.text


def test_fetch_to_dest_never_uses_the_stand_in(isolated, monkeypatch):
    (isolated / "shared-data" / "wiki100m.txt.gz").write_bytes(b"")
    make_fake(isolated, monkeypatch)
    dest = isolated / "dest"
    assert datasets.fetch("fake8", dest=dest) == dest / "fake8"
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    with pytest.raises(DownloadError, match="could not download text8"):
        datasets.fetch("text8", dest=dest)


def test_fetch_unknown_name():
    with pytest.raises(ValueError, match="unknown dataset 'nope'"):
        datasets.fetch("nope")


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("FASTW2V_CACHE", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datasets.cache_dir() == tmp_path / "a"
    monkeypatch.delenv("FASTW2V_CACHE")
    assert datasets.cache_dir() == tmp_path / "xdg" / "fastw2v"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert datasets.cache_dir() == tmp_path / "home" / ".cache" / "fastw2v"


def test_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("FASTW2V_DATA", str(tmp_path))
    assert datasets.data_dir() == tmp_path
    monkeypatch.setenv("FASTW2V_DATA", str(tmp_path / "missing"))
    assert datasets.data_dir() is None
    monkeypatch.delenv("FASTW2V_DATA")
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")  # ../shared/data next to the current directory
    assert datasets.data_dir() == (tmp_path / "shared" / "data").resolve()


def test_text8_spec_is_plausible():
    spec = datasets.DATASETS["text8"]
    assert spec.size == 100_000_000 and spec.member == "text8"
    assert spec.sha256 is None  # none is published; see the module docstring
    assert spec.env_var == "FASTW2V_TEXT8"
