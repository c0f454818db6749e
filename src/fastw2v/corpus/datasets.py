"""Named corpora: find a local copy or download, verify and cache it.

``resolve_corpus("text8")`` looks, in this order, at

1. an explicit ``path`` (the CLI's ``--corpus-path``), used as-is;
2. ``corpus`` itself when it names an existing file or directory, used as-is;
3. the environment variable ``FASTW2V_<NAME>`` (``FASTW2V_TEXT8``);
4. the cached copy ``<cache dir>/datasets/<name>``, where the cache dir is ``$FASTW2V_CACHE``, else
   ``$XDG_CACHE_HOME/fastw2v``, else ``~/.cache/fastw2v``;
5. the project's shared data directory (:func:`data_dir`), when it holds the corpus's declared
   stand-in (for text8: ``wiki100m.txt.gz``, a text8-style Wikipedia extract of the same size and
   kind, *not* byte-identical). This exists for machines without internet access; a notice is logged;
6. a download (urllib) to a temporary file beside the cache entry, which is verified, unzipped and
   renamed into place atomically, so an interrupted or corrupt download never leaves a file under
   the final name.

How text8 is verified: text8.zip's size (31,344,016 bytes) is the figure published with many
tutorials that download it, but no SHA-256 of text8.zip or of text8 is published by its author, so
none is built in here (we do not invent one). The unzipped file must be exactly 100,000,000 bytes
and contain only the bytes ``a``-``z`` and space, as the format is defined. The SHA-256 computed on
the first download is recorded beside the cached file (``text8.sha256``) so later copies can be
compared with it. A :class:`DatasetSpec` that does carry a ``sha256`` is checked against it.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..base.atomic import (WriteError, fsync_directory, make_temp_file, remove_stale_temporaries,
                           write_errors)
from ..base.paths import PathLike, cache_dir, data_dir

log = logging.getLogger("fastw2v.corpus.datasets")

_CHUNK = 1 << 20
_DOWNLOAD_TIMEOUT_S = 60


class DownloadError(OSError):
    """A named corpus could not be downloaded or failed verification."""


@dataclass(frozen=True)
class DatasetSpec:
    """Where a named corpus comes from and how to check it."""

    name: str
    url: str
    #: Name of the file inside the zip archive.
    member: str
    #: Exact size of the unzipped corpus in bytes.
    size: int
    #: Exact size of the downloaded archive (None: not checked).
    zip_size: Optional[int] = None
    #: SHA-256 of the unzipped corpus (None: none is known; the first download's is recorded).
    sha256: Optional[str] = None
    #: The only bytes the corpus may contain (None: not checked).
    alphabet: Optional[bytes] = None
    #: File in the shared data directory that may stand in for the corpus on offline machines.
    stand_in: Optional[str] = None

    @property
    def env_var(self) -> str:
        return "FASTW2V_" + self.name.upper().replace("-", "_")


DATASETS: dict[str, DatasetSpec] = {
    "text8": DatasetSpec(
        name="text8",
        url="http://mattmahoney.net/dc/text8.zip",
        member="text8",
        size=100_000_000,
        zip_size=31_344_016,
        sha256=None,
        alphabet=b"abcdefghijklmnopqrstuvwxyz ",
        stand_in="wiki100m.txt.gz",
    ),
}


def resolve_corpus(corpus: PathLike, *, path: Optional[PathLike] = None,
                   cache: Optional[PathLike] = None, download: bool = True) -> Path:
    """Turn a corpus argument (a path or a dataset name such as ``"text8"``) into a local path.

    See the module docstring for the order of the look-up. ``cache`` overrides :func:`cache_dir`.
    Raises ``FileNotFoundError`` naming the path when ``corpus`` is neither an existing path nor a
    known dataset name, or when ``path`` / the environment variable point at nothing, and
    :class:`DownloadError` when a needed download fails.
    """
    if path is not None:
        p = Path(path).expanduser()
        if not p.exists():
            raise FileNotFoundError(f"corpus file not found: {p}")
        return p
    p = Path(corpus).expanduser()
    if p.exists():
        return p
    spec = DATASETS.get(str(corpus))
    if spec is None:
        known = ", ".join(sorted(DATASETS))
        raise FileNotFoundError(f"corpus file not found: {p} (and it is not a known dataset "
                                f"name: {known})")
    env = os.environ.get(spec.env_var)
    if env:
        e = Path(env).expanduser()
        if not e.is_file():
            raise FileNotFoundError(f"{spec.env_var} points to {e}, which is not a file")
        return e
    cached = _cached_copy(spec, _entry(spec, cache))
    if cached is not None:
        return cached
    stand_in = _stand_in(spec)
    if stand_in is not None:
        log.warning("%s not found locally; using its stand-in %s from the shared data directory "
                    "(same size and kind, not byte-identical). Run `fastw2v download %s` or set "
                    "%s to use the real one.", spec.name, stand_in, spec.name, spec.env_var)
        return stand_in
    if not download:
        raise FileNotFoundError(f"{spec.name} is not cached in {_entry(spec, cache)}; "
                                f"run `fastw2v download {spec.name}` or set {spec.env_var}")
    return fetch(spec.name, cache=cache)


def fetch(name: str, *, dest: Optional[PathLike] = None, cache: Optional[PathLike] = None) -> Path:
    """Download the dataset ``name`` (unless a verified copy is already there) and return its path.

    The file goes to ``dest/<name>`` when ``dest`` is given, else to the cache
    (``<cache dir>/datasets/<name>``). Never uses a stand-in.
    """
    spec = DATASETS.get(name)
    if spec is None:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}")
    target = Path(dest).expanduser() / spec.name if dest is not None else _entry(spec, cache)
    cached = _cached_copy(spec, target)
    if cached is not None:
        return cached
    target.parent.mkdir(parents=True, exist_ok=True)
    return _download(spec, target)


def _entry(spec: DatasetSpec, cache: Optional[PathLike]) -> Path:
    return cache_dir(cache) / "datasets" / spec.name


def _cached_copy(spec: DatasetSpec, p: Path) -> Optional[Path]:
    """``p`` when it holds a previous download of ``spec`` (checked by size), else None."""
    if not p.is_file():
        return None
    size = p.stat().st_size
    if size != spec.size:
        log.warning("ignoring %s: %d bytes, expected %d", p, size, spec.size)
        return None
    return p


def _stand_in(spec: DatasetSpec) -> Optional[Path]:
    if spec.stand_in is None:
        return None
    d = data_dir()
    if d is None:
        return None
    p = d / spec.stand_in
    return p if p.is_file() else None


def _download(spec: DatasetSpec, target: Path) -> Path:
    """Download, verify and unzip ``spec`` to ``target`` atomically; return ``target``."""
    hint = (f"download it yourself and pass --corpus-path or set {spec.env_var}")
    remove_stale_temporaries(target.parent)  # what a killed download left
    fd, zip_tmp = make_temp_file(target.parent, f"{spec.name}.zip")
    os.close(fd)
    fd, out_tmp = make_temp_file(target.parent, spec.name)
    os.close(fd)
    try:
        log.info("downloading %s from %s", spec.name, spec.url)
        try:
            with write_errors(zip_tmp.with_name(f"{spec.name}.zip")):
                zip_size = _fetch_url(spec.url, Path(zip_tmp))
        except WriteError:
            raise
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise DownloadError(f"could not download {spec.name} from {spec.url} ({reason}); "
                                f"{hint}") from exc
        if spec.zip_size is not None and zip_size != spec.zip_size:
            raise DownloadError(f"downloaded {spec.url} has {zip_size} bytes, expected "
                                f"{spec.zip_size}; {hint}")
        with write_errors(target):
            digest = _unzip_verified(spec, Path(zip_tmp), Path(out_tmp), hint)
            with open(out_tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(out_tmp, target)
        fsync_directory(target.parent)
        _record_sha256(target, digest)
        log.info("saved %s to %s (sha256 %s)", spec.name, target, digest)
        return target
    finally:
        for tmp in (zip_tmp, out_tmp):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _fetch_url(url: str, dest: Path) -> int:
    """Stream ``url`` into ``dest``; return the number of bytes written."""
    written = 0
    with urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as resp, open(dest, "wb") as out:
        total = resp.headers.get("Content-Length") if hasattr(resp, "headers") else None
        total = int(total) if total and str(total).isdigit() else None
        next_report = 0.1
        while True:
            block = resp.read(_CHUNK)
            if not block:
                break
            out.write(block)
            written += len(block)
            if total and written / total >= next_report:
                log.info("  %3.0f%% of %.1f MB", 100 * written / total, total / 1e6)
                next_report += 0.1
    return written


def _unzip_verified(spec: DatasetSpec, zip_path: Path, out_path: Path, hint: str) -> str:
    """Extract ``spec.member`` to ``out_path`` checking size, alphabet and SHA-256; return the hash."""
    h = hashlib.sha256()
    size = 0
    bad = None
    try:
        with zipfile.ZipFile(zip_path) as zf:
            try:
                info = zf.getinfo(spec.member)
            except KeyError:
                raise DownloadError(f"{spec.url} does not contain {spec.member!r}; {hint}") from None
            if info.file_size != spec.size:
                raise DownloadError(f"{spec.member} in {spec.url} has {info.file_size} bytes, "
                                    f"expected {spec.size}; {hint}")
            with zf.open(info) as src, open(out_path, "wb") as dst:
                while True:
                    block = src.read(_CHUNK)
                    if not block:
                        break
                    if bad is None and spec.alphabet is not None:
                        stray = block.translate(None, spec.alphabet)
                        if stray:
                            bad = stray[:1]
                    h.update(block)
                    size += len(block)
                    dst.write(block)
                dst.flush()
                os.fsync(dst.fileno())
    except zipfile.BadZipFile as exc:  # includes CRC errors of a corrupt download
        raise DownloadError(f"{spec.url} is not a valid zip archive ({exc}); {hint}") from exc
    if size != spec.size:
        raise DownloadError(f"{spec.name} has {size} bytes after unzipping, expected {spec.size}; "
                            f"{hint}")
    if bad is not None:
        raise DownloadError(f"{spec.name} contains the unexpected byte {bad!r}; {hint}")
    digest = h.hexdigest()
    if spec.sha256 is not None and digest != spec.sha256.lower():
        raise DownloadError(f"checksum mismatch for {spec.name}: sha256 {digest}, expected "
                            f"{spec.sha256}; {hint}")
    return digest


def _record_sha256(target: Path, digest: str) -> None:
    side = target.with_name(target.name + ".sha256")
    try:
        side.write_text(f"{digest}  {target.name}\n")
    except OSError as exc:  # the corpus itself is fine; the record is a convenience
        log.warning("could not record checksum in %s: %s", side, exc)


__all__ = ["DATASETS", "DatasetSpec", "DownloadError", "cache_dir", "data_dir", "fetch",
           "resolve_corpus"]
